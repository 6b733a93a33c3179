#!/bin/sh
# Renders simulated discharges and nerve responses to PNG for comparison by
# eye with textbook figures: every discharge type, a CMAP pair, a SNAP and an
# F-wave series. Negativity is drawn upward, as clinical displays do.
#
#   bench/pictures.sh OUTDIR          (needs gnuplot: apt-get install gnuplot-nox)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: bench/pictures.sh OUTDIR}
bin=${EDX_BIN:-$here/build/edxreport}
dump=${EDX_DUMP:-$here/build/bench/edx_dump}
command -v gnuplot >/dev/null || { echo "pictures: gnuplot is not installed" >&2; exit 69; }
mkdir -p "$out"
work="$out/studies"
mkdir -p "$work"
for s in als:0.8 myopathy:0.9 neuromyotonia:0.7 cramp_fasciculation:0.8 carpal_tunnel:0.6 \
         demyelinating_polyneuropathy:0.7 normal:0; do
  name=${s%%:*}
  [ -f "$work/$name/truth.json" ] ||
    "$bin" simulate --scenario "$name" --severity "${s#*:}" --seed 5 --rest 30 -o "$work/$name"
done

# plot DATA PNG TITLE [offset-stacked]
plot() {
  gnuplot <<GP
set terminal png size 900,420
set output "$2"
set title "$3" noenhanced
set xlabel "ms"
set ylabel "uV (negative up)"
set grid
unset key
plot "$1" using 1:(-\$2) with lines lw 1 lc rgb "#003366"
GP
}

# First rest event of a type in any study: prints "file time_s"
find_event() {
  for tsv in "$work"/*/truth.*.events.tsv; do
    awk -v t="$1" -F'\t' 'NR > 1 && $2 == t && $1 > 1.0 { print $1; exit }' "$tsv" |
      while read -r ts; do
        stem=$(basename "$tsv" .events.tsv); stem=${stem#truth.}
        echo "$(dirname "$tsv")/$stem.edf $ts"
      done
  done | head -n 1
}

for spec in fibrillation:0.025 fibrillation:1.0 positive_sharp_wave:0.04 fasciculation:0.03 \
            complex_repetitive:0.15 myotonic:1.5 myokymic:1.5 neuromyotonic:0.5 cramp:0.5 \
            end_plate:0.02 insertional:0.4 mup:0.05; do
  type=${spec%%:*}; half=${spec#*:}
  hit=$(find_event "$type")
  [ -n "$hit" ] || { echo "pictures: no $type generated"; continue; }
  file=${hit% *}; t=${hit#* }
  t0=$(awk -v t="$t" -v h="$half" 'BEGIN { printf "%.4f", t - h }')
  t1=$(awk -v t="$t" -v h="$half" 'BEGIN { printf "%.4f", t + h }')
  "$dump" "$file" "$t0" "$t1" > "$out/$type-$half.dat"
  plot "$out/$type-$half.dat" "$out/$type-$half.png" "$type at $t s ($(basename "$file"))"
done

# nerve responses: the supramaximal (last) sweep of each site
stacked() { # files... -> one data file with blank lines between sweeps, offset in uV
  off=0
  for f in "$@"; do awk -v o="$off" '{ print $1, $2 - o }' "$f"; echo; off=$((off + ${STEP:-0})); done
}
nc="$work/demyelinating_polyneuropathy"
"$dump" "$work/normal/nc_r_median_motor.edf" --record 2 > "$out/cmap_wrist.dat"
"$dump" "$work/normal/nc_r_median_motor.edf" --record 5 > "$out/cmap_elbow.dat"
STEP=12000 stacked "$out/cmap_wrist.dat" "$out/cmap_elbow.dat" > "$out/cmap_pair.dat"
plot "$out/cmap_pair.dat" "$out/cmap_pair.png" "normal median CMAP, wrist (bottom) and elbow (top)"
"$dump" "$nc/nc_r_median_motor.edf" --record 2 > "$out/dcmap_wrist.dat"
"$dump" "$nc/nc_r_median_motor.edf" --record 5 > "$out/dcmap_elbow.dat"
STEP=6000 stacked "$out/dcmap_wrist.dat" "$out/dcmap_elbow.dat" > "$out/cmap_pair_demyelinating.dat"
plot "$out/cmap_pair_demyelinating.dat" "$out/cmap_pair_demyelinating.png" \
  "demyelinating median CMAP, wrist (bottom) and elbow (top): block and dispersion"
"$dump" "$work/normal/nc_r_median_sensory.edf" --record 3 > "$out/snap.dat"
plot "$out/snap.dat" "$out/snap.png" "normal median SNAP, digit 2, wrist 14 cm"
"$dump" "$work/carpal_tunnel/nc_r_median_sensory.edf" --record 3 > "$out/snap_cts.dat"
plot "$out/snap_cts.dat" "$out/snap_cts.png" "carpal tunnel median SNAP"
files=""
for r in 0 1 2 3 4 5 6 7 8 9; do
  # F-waves are viewed at high gain with the M response off the screen
  "$dump" "$work/normal/nc_r_tibial_fwave.edf" --record $r |
    awk '{ v = $2; if (v > 800) v = 800; if (v < -800) v = -800; print $1, v }' > "$out/f$r.dat"
  files="$files $out/f$r.dat"
done
# shellcheck disable=SC2086
STEP=400 stacked $files > "$out/fwaves.dat"
plot "$out/fwaves.dat" "$out/fwaves.png" "tibial F-waves, 10 sweeps"
echo "pictures written to $out"
