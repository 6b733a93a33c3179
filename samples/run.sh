#!/usr/bin/env bash
# The main job on the bundled samples, from a fresh clone: installs what is
# missing, builds edxreport, checks every recording in samples/, and runs the
# nightly batch on them: each study's findings (JSON) and PDF report in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDX_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target edxreport
mkdir -p out
./build/edxreport check samples/ > out/check.txt
# The nightly job on the samples: one findings file and one PDF report per
# study, a manifest; a second run skips what is unchanged.
./build/edxreport batch samples -o out
echo "written: out/ (reports <study-id>.pdf, findings <study-id>.json, manifest.json), out/check.txt"
