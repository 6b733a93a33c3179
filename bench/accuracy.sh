#!/bin/sh
# Accuracy of edxreport's analysis on simulated studies (bench/README.md, "accuracy").
#
#   bench/accuracy.sh [--seeds N] [--first-seed S] [--scenarios a,b,...] [--jobs J]
#                     [--nc-hum UV] [--keep DIR]
#
# Writes N seeds (default 8, numbered from S, default 1) of every scenario (default: all
# of `edxreport simulate --list`) with `edxreport simulate`, runs `edxreport analyze -o
# STUDY/findings.json STUDY` on each when the program has an analyze command, then scores
# everything with bench_accuracy and prints its table and the wall times. J jobs run at
# once (default: the number of processors). Studies go to a temporary folder that is
# removed at the end, or to DIR with --keep (kept). --nc-hum simulates the nerve
# conduction recordings with UV of mains hum instead of the default 1 uV (a poorly
# grounded limb: how well the sensory measurements stand it).
#
# Programs: $EDX_BIN (default build/edxreport) and $EDX_BENCH_ACCURACY (default
# build/bench/bench_accuracy), relative to the source tree; build them first
# (bench/run.sh accuracy does). Exit status: 0 scored (whatever the scores),
# 1 a study could not be simulated or scored, 64 usage.
set -eu

usage() {
    sed -n '2,19s/^# \{0,1\}//p' "$0"
}

root=$(cd "$(dirname "$0")/.." && pwd)
edx=${EDX_BIN:-$root/build/edxreport}
scorer=${EDX_BENCH_ACCURACY:-$root/build/bench/bench_accuracy}
seeds=8
first=1
scenarios=
jobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
keep=
hum=

while [ $# -gt 0 ]; do
    case $1 in
    --seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
    --first-seed) first=${2:?--first-seed needs a number}; shift 2 ;;
    --scenarios) scenarios=${2:?--scenarios needs names}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --keep) keep=${2:?--keep needs a folder}; shift 2 ;;
    --nc-hum) hum=${2:?--nc-hum needs microvolts}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "accuracy.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
    esac
done
case $seeds in '' | *[!0-9]* | 0) echo "accuracy.sh: --seeds needs a whole number >= 1" >&2; exit 64 ;; esac
case $first in '' | *[!0-9]*) echo "accuracy.sh: --first-seed needs a whole number >= 0" >&2; exit 64 ;; esac
case $jobs in '' | *[!0-9]* | 0) echo "accuracy.sh: --jobs needs a whole number >= 1" >&2; exit 64 ;; esac
for prog in "$edx" "$scorer"; do
    if [ ! -x "$prog" ]; then
        echo "accuracy.sh: $prog is not built (cmake --build build --target edxreport bench_accuracy)" >&2
        exit 1
    fi
done

# Seconds since the epoch, with decimals where date(1) has %N.
now() {
    t=$(date +%s.%N 2>/dev/null || true)
    case $t in *N* | '' | *.) date +%s ;; *) echo "$t" ;; esac
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
per() { awk -v s="$1" -v n="$2" -v j="$3" 'BEGIN { if (n > 0) printf "%.2f", s * j / n; else print "-" }'; }

if [ -z "$scenarios" ]; then
    scenarios=$("$edx" simulate --list | awk '{ print $1 }')
else
    scenarios=$(echo "$scenarios" | tr ',' ' ')
fi
if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/edx-accuracy.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    trap 'exit 130' INT TERM
fi
mkdir -p "$work/logs"

# One line per study: scenario seed.
: >"$work/jobs"
n_scenarios=0
for s in $scenarios; do
    n_scenarios=$((n_scenarios + 1))
    i=$first
    while [ "$i" -lt $((first + seeds)) ]; do
        echo "$s $i" >>"$work/jobs"
        i=$((i + 1))
    done
done
n_studies=$(wc -l <"$work/jobs" | tr -d ' ')

# The child shells get: $1 work folder, $2 edxreport, then for simulate $3 the hum
# ("" for the default), and last the scenario and the seed.
# shellcheck disable=SC2016 # expanded by the child shell
simulate_one='d="$1/$4-seed$5"; log="$1/logs/$4-seed$5.simulate"; rm -rf "$d"
if ! "$2" simulate --scenario "$4" --seed "$5" ${3:+--nc-hum "$3"} -o "$d" >"$log" 2>&1; then
    echo "accuracy.sh: simulate failed: $4 seed $5:" >&2; cat "$log" >&2; exit 1
fi'
# shellcheck disable=SC2016
analyze_one='d="$1/$3-seed$4"; rm -f "$d/findings.json"
if ! "$2" analyze -o "$d/findings.json" "$d" 2>"$1/logs/$3-seed$4.analyze"; then
    echo "$3 seed $4" >>"$1/logs/analyze-failed"
fi; exit 0'

echo "accuracy: $n_studies studies (seeds $first-$((first + seeds - 1)) x $n_scenarios scenarios)${hum:+, nerve conduction hum $hum uV}, $jobs jobs, in $work"
t0=$(now)
status=0
xargs -n 2 -P "$jobs" sh -c "$simulate_one" sh "$work" "$edx" "$hum" <"$work/jobs" || status=1
t1=$(now)
if [ "$status" -ne 0 ]; then
    echo "accuracy.sh: some studies could not be simulated" >&2
    exit 1
fi

if "$edx" analyze --help >/dev/null 2>&1; then
    xargs -n 2 -P "$jobs" sh -c "$analyze_one" sh "$work" "$edx" <"$work/jobs"
    analysed=yes
else
    analysed=no
fi
t2=$(now)

# Scores every study folder (scenario-seedN), in job order.
set --
while read -r s i; do
    set -- "$@" "$work/$s-seed$i"
done <"$work/jobs"
echo
"$scorer" "$@" || status=1
t3=$(now)

echo
sim_s=$(elapsed "$t0" "$t1")
echo "simulate: $sim_s s for $n_studies studies ($(per "$sim_s" "$n_studies" "$jobs") s per study per job)"
if [ "$analysed" = yes ]; then
    an_s=$(elapsed "$t1" "$t2")
    failed=0
    [ -f "$work/logs/analyze-failed" ] && failed=$(wc -l <"$work/logs/analyze-failed" | tr -d ' ')
    echo "analyze: $an_s s ($(per "$an_s" "$n_studies" "$jobs") s per study per job); failed on $failed studies (counted as misses)"
else
    echo "analyze: not implemented (edxreport analyze --help fails)"
fi
echo "score: $(elapsed "$t2" "$t3") s"
echo "wall time: $(elapsed "$t0" "$t3") s"
exit "$status"
