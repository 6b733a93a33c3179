#!/usr/bin/env bash
# Benchmarks of edxreport. Usage: bench/run.sh [decode] [SIZE_MB]
#                                 bench/run.sh accuracy [ARGS]
#   decode  decode throughput of `edxreport check --decode` on a large EDF
#           (default 1100 MB: 16 channels x 48 kHz) against `cat > /dev/null`,
#           and its peak RSS. Targets: >= 50 % of cat, <= 32 MB.
# The large file is written once to ${EDX_BENCH_DIR:-/tmp}/edx-bench-<MB>.edf.
#   ncs     nerve conduction analysis time of a 20-nerve study (target < 1 s).
#   accuracy  findings of simulated studies against their truth: bench/accuracy.sh
#           with ARGS ([--seeds N] [--scenarios a,b] [--jobs J] [--keep DIR]).
#   batch   throughput of `edxreport batch`, --jobs 1 and 2: bench/batch.sh [ARGS]
#   emg     spontaneous-activity analysis of a 60-minute 48 kHz needle EMG recording
#           (written once to $dir/edx-bench-emg-60.edf) against decoding it, and
#           its peak RSS. Targets: <= 2 x decode time, <= 64 MB.
#   mup     MUP analysis time against the spontaneous-activity analysis of the same
#           muscles: simulates every scenario at each SEED (default 1 2 3) and runs
#           bench_mup on each seed's needle files. Target: MUP adds <= 50 %.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target edxreport bench_decode bench_accuracy bench_ncs bench_emg \
  bench_mup >/dev/null
what=${1:-decode}
size=${2:-1100}
dir=${EDX_BENCH_DIR:-/tmp}
case "$what" in
  decode) ./build/bench/bench_decode ./build/edxreport "$dir/edx-bench-$size.edf" "$size" ;;
  ncs) work=$(mktemp -d "$dir/edx-bench-ncs.XXXXXX")
    ./build/bench/bench_ncs "$work"; rm -rf "$work" ;;
  accuracy) shift
    EDX_BIN="$PWD/build/edxreport" EDX_BENCH_ACCURACY="$PWD/build/bench/bench_accuracy" \
      bench/accuracy.sh "$@" ;;
  batch) shift; EDX_BIN="$PWD/build/edxreport" bench/batch.sh "$@" ;;
  emg) ./build/bench/bench_emg "$dir/edx-bench-emg-60.edf" 60 ;;
  mup) shift; seeds=${*:-1 2 3}
    work=$(mktemp -d "$dir/edx-bench-mup.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    for seed in $seeds; do
      for sc in $(./build/edxreport simulate --list | awk '{print $1}'); do
        ./build/edxreport simulate --scenario "$sc" --seed "$seed" -o "$work/$sc-seed$seed" >/dev/null
      done
      printf 'seed %s: ' "$seed"
      ./build/bench/bench_mup --quiet "$work"/*-seed"$seed"/emg_*.edf | tail -n 1
    done ;;
  *) echo "unknown benchmark '$what' (decode, ncs, accuracy, batch, emg, mup)" >&2; exit 64 ;;
esac
