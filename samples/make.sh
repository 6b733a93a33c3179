#!/bin/sh
# Regenerates the bundled sample studies byte for byte:
#   samples/make.sh [OUTDIR]        (default: the samples/ folder itself)
# Uses $EDX_BIN, or build/edxreport of this source tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
bin=${EDX_BIN:-$here/../build/edxreport}
# name          scenario               seed  extra options
while read -r name scenario seed extra; do
  case $name in ''|'#'*) continue ;; esac
  rm -rf "${out:?}/$name"
  # shellcheck disable=SC2086
  "$bin" simulate --scenario "$scenario" --seed "$seed" --rest 30 --gzip $extra -o "$out/$name"
done <<'LIST'
normal                 normal                 101
benign_fasciculation   benign_fasciculation   102
als                    als                    103 --severity 0.7
axonal_polyneuropathy  axonal_polyneuropathy  104
carpal_tunnel          carpal_tunnel          105 --mains 60
LIST
