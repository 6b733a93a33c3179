#!/usr/bin/env bash
# Installs the Debian packages edxreport needs, only those that are missing.
# Used by samples/run.sh and tests/run.sh; safe to run again.
set -euo pipefail

# build and run
pkgs=(build-essential cmake pkg-config zlib1g-dev libedf-dev libhpdf-dev
      libjansson-dev libxml2-dev nettle-dev fonts-dejavu-core)
# tests: cmocka, PDF checks, the libFuzzer toolchain
if [ "${1:-}" = "--tests" ]; then
  pkgs+=(libcmocka-dev poppler-utils qpdf clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
