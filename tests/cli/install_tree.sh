#!/bin/sh
# Installs the build into a temporary prefix and checks what lands where, and
# that the installed program finds its installed tables (no EDX_TEMPLATE_DIR).
set -eu
build=$1
samples=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/edxreport share/man/man1/edxreport.1 share/man/man5/edxreport-conventions.5 share/man/man5/edxreport-truth.5 \
         share/edxreport/templates/muscles.tsv share/edxreport/templates/nerves.tsv; do
  [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
"$prefix/bin/edxreport" --version
unset EDX_TEMPLATE_DIR
# the source tree's templates must not be what it finds: hide them by
# running from the installed tree only (the lookup tries <exe>/../share first)
out=$("$prefix/bin/edxreport" check "$samples/normal/emg_r_tibialis_anterior.edf.gz")
echo "$out" | grep -q "tibialis anterior (lumbosacral" || { echo "installed program did not use its tables"; echo "$out"; exit 1; }
echo "installed tree complete; tables found beside the program"
