#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds,
# runs every test, then builds again with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs every test a second time, then builds
# the libFuzzer targets with clang and replays their seed corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/deps.sh --tests
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDX_TESTS=ON
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure --no-tests=error -j"$jobs"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DEDX_SANITIZE=ON -DEDX_TESTS=ON
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$jobs"

# The libFuzzer targets (fuzz/): built with clang, each replays its seed
# corpus once under libFuzzer with ASan + UBSan, so that they keep building
# and their corpora (reproducers of every crash found) keep passing.
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEDX_FUZZ=ON -DEDX_TESTS=OFF
targets=$(cd fuzz && ls fuzz_*.c | grep -v replay | sed 's/\.c$//')
cmake --build build-fuzz -j"$jobs" --target $targets
for t in $targets; do
  build-fuzz/fuzz/"$t" -runs=0 fuzz/corpus/"${t#fuzz_}"
done
