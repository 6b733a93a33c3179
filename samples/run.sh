#!/usr/bin/env bash
# The main job on the bundled samples, from a fresh clone: installs what is
# missing, builds edxreport, checks every recording in samples/, and writes
# each sample study's findings (JSON) and PDF report into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDX_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target edxreport
mkdir -p out
./build/edxreport check samples/ > out/check.txt
for study in samples/*/; do
  name=$(basename "$study")
  ./build/edxreport analyze -o "out/$name.json" "$study"
  ./build/edxreport report -o "out/$name.pdf" "out/$name.json"
  echo "written: out/$name.pdf, out/$name.json"
done
echo "written: out/check.txt"
