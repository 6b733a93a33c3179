#!/bin/sh
# Installs the build into a temporary prefix and checks what lands where.
set -eu
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/edxreport share/man/man1/edxreport.1 share/edxreport/templates; do
  [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
"$prefix/bin/edxreport" --version
echo "installed tree complete"
