#!/usr/bin/env bash
# Throughput of `edxreport batch` on a generated corpus, with --jobs 1 and
# --jobs 2: studies per minute, MB/s of recordings, peak RSS per worker (from
# the manifest's max_rss_kb, i.e. wait4), and the scaling factor jobs 2 over
# jobs 1 (target >= 1.8 on 2 cores). Runs alternate between --jobs 1 and 2;
# the best of --runs (default 3) of each counts.
#
# Usage: bench/batch.sh [--studies N] [--runs R] [--rest S] [--keep]
# The corpus (N simulated studies, scenarios in turn, default 50) is written
# once to ${EDX_BENCH_DIR:-/tmp}/edx-bench-batch-N and reused; outputs go to
# a temporary folder. Program: $EDX_BIN (default build/edxreport).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${EDX_BIN:-$PWD/build/edxreport}
studies=50 runs=3 rest=30 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --studies) studies=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rest) rest=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: bench/batch.sh [--studies N] [--runs R] [--rest S] [--keep]" >&2; exit 64 ;;
  esac
done
corpus=${EDX_BENCH_DIR:-/tmp}/edx-bench-batch-$studies
out=$(mktemp -d)
[ "$keep" -eq 1 ] || trap 'rm -rf "$out"' EXIT

if [ ! -e "$corpus/.complete" ]; then
  echo "writing $studies simulated studies to $corpus ..." >&2
  rm -rf "$corpus" && mkdir -p "$corpus"
  mapfile -t scen < <("$bin" simulate --list | awk '{print $1}')
  for i in $(seq 0 $((studies - 1))); do
    echo "${scen[$((i % ${#scen[@]}))]} $((i + 1))"
  done | xargs -P "$(nproc)" -n 2 sh -c \
    '"$0" simulate --scenario "$1" --seed "$2" --rest '"$rest"' -o "'"$corpus"'/$1-$2" >/dev/null' "$bin"
  touch "$corpus/.complete"
fi
mb=$(find "$corpus" -type f \( -name '*.edf' -o -name '*.edf.gz' -o -name '*.bdf' \) -printf '%s\n' |
  awk '{s += $1} END {printf "%.1f", s / 1e6}')
echo "corpus: $studies studies, $mb MB of recordings ($corpus)"
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg) (other work on the machine skews the scaling)"

now() { date +%s.%N; }
# One forced run with --jobs $1 (outputs in $out/j$1); prints its wall time.
one_run() {
  local j=$1 t0 t1
  rm -rf "$out/j$j"
  t0=$(now)
  "$bin" batch "$corpus" -o "$out/j$j" --jobs "$j" --quiet
  t1=$(now)
  local done_n
  done_n=$(grep -c '"status": "done"' "$out/j$j/manifest.json" || true)
  [ "$done_n" -eq "$studies" ] || { echo "only $done_n of $studies studies done" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'
}
# Runs alternate between --jobs 1 and --jobs 2, so that a change in the
# machine's load touches both alike; the best of each counts.
declare -A wall rss
for r in $(seq 1 "$runs"); do
  for j in 1 2; do
    t=$(one_run "$j")
    if [ -z "${wall[$j]:-}" ] || awk -v a="$t" -v b="${wall[$j]}" 'BEGIN {exit !(a < b)}'; then
      wall[$j]=$t
    fi
    rss[$j]=$(grep -o '"max_rss_kb": [0-9]*' "$out/j$j/manifest.json" |
      awk '{if ($2 > m) m = $2} END {print m}')
  done
done
# What the machine offers right now: the same CPU-bound work (sha256sum of
# the corpus) in 2 processes against 1; on a busy machine it is below 2.
calib() {
  local t0 t1 t2
  t0=$(now)
  find "$corpus" -name '*.edf' -exec cat {} + | sha256sum >/dev/null
  find "$corpus" -name '*.edf' -exec cat {} + | sha256sum >/dev/null
  t1=$(now)
  (find "$corpus" -name '*.edf' -exec cat {} + | sha256sum >/dev/null) &
  (find "$corpus" -name '*.edf' -exec cat {} + | sha256sum >/dev/null) &
  wait
  t2=$(now)
  awk -v a="$t0" -v b="$t1" -v c="$t2" \
    'BEGIN {printf "machine: 2 processes of sha256sum run %.2fx as fast as 1 (ideal 2.00x)\n", (b - a) / (c - b)}'
}
calib
printf '%-8s %10s %12s %8s %22s\n' jobs "wall s" "studies/min" "MB/s" "peak RSS/worker MB"
for j in 1 2; do
  awk -v j="$j" -v t="${wall[$j]}" -v n="$studies" -v mb="$mb" -v rss="${rss[$j]}" \
    'BEGIN {printf "%-8d %10.2f %12.1f %8.1f %22.1f\n", j, t, n * 60 / t, mb / t, rss / 1024}'
done
awk -v a="${wall[1]}" -v b="${wall[2]}" \
  'BEGIN {printf "scaling --jobs 2 / --jobs 1: %.2fx (target >= 1.8x on 2 cores)\n", a / b}'
t0=$(now)
"$bin" batch "$corpus" -o "$out/j2" --jobs 2 --quiet
t1=$(now)
awk -v a="$t0" -v b="$t1" -v n="$studies" \
  'BEGIN {printf "rerun, all skipped-unchanged: %.2f s (%.1f ms per study)\n", b - a, (b - a) * 1000 / n}'
calib
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
[ "$keep" -eq 0 ] || echo "outputs kept in $out"
