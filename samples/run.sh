#!/usr/bin/env bash
# The main job on the bundled samples, from a fresh clone: installs what is
# missing, builds edxreport, and checks every recording in samples/.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDX_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target edxreport
mkdir -p out
./build/edxreport check samples/ | tee out/check.txt
echo "written: out/check.txt"
