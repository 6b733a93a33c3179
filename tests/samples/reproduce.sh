#!/bin/sh
# Regenerates the bundled samples into a temporary folder with the commands
# of samples/make.sh and requires every file to be byte-identical.
set -eu
bin=$1
samples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
EDX_BIN=$bin sh "$samples/make.sh" "$tmp" >/dev/null
status=0
( cd "$tmp" && find . -type f | sort ) > "$tmp.made"
( cd "$samples" && find . -mindepth 2 -type f | sort ) > "$tmp.kept"
if ! cmp -s "$tmp.made" "$tmp.kept"; then
  echo "the generator and samples/ hold different files:"
  diff "$tmp.kept" "$tmp.made" || true
  status=1
fi
n=0
while read -r f; do
  n=$((n + 1))
  if ! cmp -s "$tmp/$f" "$samples/$f"; then
    echo "differs from the generator: samples/$f"
    status=1
  fi
done < "$tmp.made"
rm -f "$tmp.made" "$tmp.kept"
[ "$status" -eq 0 ] && echo "all $n sample files reproduce byte for byte"
exit $status
