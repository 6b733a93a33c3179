#!/bin/sh
# Regenerates the bundled samples into a temporary folder and requires them
# to be byte-identical to samples/ (the samples are reproducible).
set -eu
make_samples=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$make_samples" "$tmp"
status=0
for f in "$tmp"/*; do
  name=$(basename "$f")
  if ! cmp -s "$f" "$samples/$name"; then
    echo "differs from the generator: samples/$name"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "all $(ls "$tmp" | wc -l) samples reproduce byte for byte"
exit $status
