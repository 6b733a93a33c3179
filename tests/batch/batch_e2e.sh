#!/usr/bin/env bash
# End-to-end tests of `edxreport batch` on simulated studies.
# Usage: batch_e2e.sh WHAT EDXREPORT WORKDIR
#   corpus  simulates the studies the other tests share (WORKDIR/corpus)
#   run     mixed studies -> every report and findings file; rerun -> all
#           skipped-unchanged; one input changed -> only that study redone;
#           --force redoes all with identical bytes
#   faults  a corrupt and a truncated file -> quarantined with the reader's
#           diagnostic; a study made to crash and one made to hang (the
#           test-only EDX_BATCH_TEST_FAULT hook) -> failed with the reason;
#           the other studies done; exit status 1
#   kill    kill -9 of the run (or of its whole process group) at random
#           moments, 20 times: no visible output is ever partial, and the
#           next run completes everything with the same bytes
#   lock    a second run on the same output folder exits 75; a lock left by
#           a killed run is taken over
#   shards  --shard K/N for N = 3: every study exactly once over the shards
# No timing asserts; only generous time limits.
set -euo pipefail
what=$1
bin=$2
work=$3
corpus=$work/corpus
t=$work/$what
fail() { echo "FAIL ($what): $*" >&2; exit 1; }
# The tables as they were when the corpus was made: a test run sees one
# version of them even while the source tree changes.
[ "$what" = corpus ] || export EDX_TEMPLATE_DIR=$corpus.templates

# Studies in the corpus (scenario:seed); kept small (30 s of rest per muscle).
studies="normal:1 als:2 carpal_tunnel:3 l5_radiculopathy:5"

make_corpus() {
  rm -rf "$corpus.tmp"
  mkdir -p "$corpus.tmp"
  local pids=() n=0
  for s in $studies; do
    "$bin" simulate --scenario "${s%:*}" --seed "${s#*:}" --rest 30 -o "$corpus.tmp/${s%:*}" \
      >/dev/null &
    pids+=($!)
    n=$((n + 1))
    if [ $((n % 2)) -eq 0 ]; then wait "${pids[@]}"; pids=(); fi
  done
  [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
  rm -rf "$corpus" "$corpus.templates"
  cp -r "${EDX_TEMPLATE_DIR:?}" "$corpus.templates"
  mv "$corpus.tmp" "$corpus"
  # one reference run: its outputs and study ids serve the other tests
  rm -rf "$corpus.ref"
  EDX_TEMPLATE_DIR=$corpus.templates "$bin" batch "$corpus" -o "$corpus.ref" --jobs 2 --quiet ||
    fail "reference run"
  hashes "$corpus.ref" >"$corpus.ref.sha"
}

# The study ids of the corpus, from the reference run's manifest.
ids() { grep -o '"id": "[^"]*"' "$corpus.ref/manifest.json" | cut -d'"' -f4; }
# The id of the study in one folder of the corpus.
id_of() {
  grep -B1 "\"folder\": \"[^\"]*/$1\"" "$corpus.ref/manifest.json" | grep -o '"id": "[^"]*"' |
    cut -d'"' -f4
}

# count STATUS MANIFEST: entries with that status
count() { grep -c "\"status\": \"$1\"" "$2" || true; }

# Visible outputs with their hashes, sorted.
hashes() { (cd "$1" && find . -maxdepth 1 -type f ! -name '.*' ! -name 'manifest*.json' \
  -exec sha256sum {} + | sort -k2); }

n_studies() { echo "$studies" | wc -w; }

check_complete() { # OUT: one pdf and one json per study, all done or skipped
  local out=$1 n
  n=$(n_studies)
  [ "$(find "$out" -maxdepth 1 -name '*.pdf' | wc -l)" -eq "$n" ] || fail "expected $n PDFs in $out"
  [ "$(find "$out" -maxdepth 1 -name '*.json' ! -name 'manifest*' | wc -l)" -eq "$n" ] ||
    fail "expected $n findings files in $out"
  for f in "$out"/*.pdf; do
    tail -c 7 "$f" | grep -q '%%EOF' || fail "$f does not end with %%EOF"
  done
}

test_run() {
  rm -rf "$t" && mkdir -p "$t"
  cp -r "$corpus" "$t/in"
  local n
  n=$(n_studies)
  "$bin" batch "$t/in" -o "$t/out" --jobs 2 2>"$t/log1" || fail "first run: $(cat "$t/log1")"
  check_complete "$t/out"
  [ "$(count done "$t/out/manifest.json")" -eq "$n" ] || fail "not all done"
  grep -q '"sha256": "[0-9a-f]\{64\}"' "$t/out/manifest.json" || fail "no sha256 in manifest"
  [ "$(grep -c ' done ' "$t/log1")" -eq "$n" ] || fail "one log line per study expected"
  grep -q 'batch: .* entries' "$t/log1" || fail "no summary line"
  hashes "$t/out" >"$t/ref"
  # the inputs are untouched
  (cd "$corpus" && find . -type f -exec sha256sum {} + | sort -k2) >"$t/in.before"
  (cd "$t/in" && find . -type f -exec sha256sum {} + | sort -k2) | cmp -s - "$t/in.before" ||
    fail "the run changed its inputs"

  local s0 s1
  s0=$(date +%s)
  "$bin" batch "$t/in" -o "$t/out" --jobs 2 2>"$t/log2" || fail "rerun: $(cat "$t/log2")"
  s1=$(date +%s)
  [ "$(count skipped-unchanged "$t/out/manifest.json")" -eq "$n" ] || fail "rerun did not skip all"
  [ $((s1 - s0)) -le $((n * 2)) ] || fail "rerun took $((s1 - s0)) s for $n studies"
  hashes "$t/out" | cmp -s - "$t/ref" || fail "rerun changed outputs"

  # change one input (a byte after the last record: still readable)
  printf 'x' >>"$t/in/als/nc_r_median_motor.edf"
  "$bin" batch "$t/in" -o "$t/out" --jobs 2 --log "$t/logfile" 2>"$t/log3" || fail "third run"
  [ "$(count done "$t/out/manifest.json")" -eq 1 ] || fail "changed input: expected one study redone"
  [ "$(count skipped-unchanged "$t/out/manifest.json")" -eq $((n - 1)) ] || fail "others not skipped"
  grep -q '/als",' "$t/out/manifest.json" || fail "manifest lacks the als folder"
  [ "$(grep -c ' done ' "$t/logfile")" -eq 1 ] || fail "--log did not get the lines"

  # a new file in a study folder redoes that study
  cp "$t/in/normal/nc_r_median_sensory.edf" "$t/in/normal/nc_r_median_sensory_repeat.edf"
  "$bin" batch "$t/in" -o "$t/out" --quiet 2>"$t/log4" || fail "fourth run"
  [ ! -s "$t/log4" ] || fail "--quiet printed: $(cat "$t/log4")"
  [ "$(count done "$t/out/manifest.json")" -eq 1 ] || fail "new file: expected one study redone"

  "$bin" batch "$t/in/normal" -o "$t/out" --force --jobs 1 2>/dev/null || fail "forced run"
  [ "$(count done "$t/out/manifest.json")" -eq 1 ] || fail "--force did not redo the study"
  echo "run: ok"
}

test_faults() {
  rm -rf "$t" && mkdir -p "$t/in/bad"
  cp -r "$corpus"/* "$t/in/"
  printf 'this is not a recording' >"$t/in/bad/corrupt.edf"
  head -c 3000 "$corpus/normal/emg_r_deltoid.edf" >"$t/in/bad/truncated.edf"
  local crash hang rc=0 m=$t/out/manifest.json
  crash=$(id_of als)
  hang=$(id_of normal)
  [ -n "$crash" ] && [ -n "$hang" ] || fail "no study ids in the reference manifest"
  # a crash among the others, no time limit: the crash fails alone
  EDX_BATCH_TEST_FAULT="crash:$crash" timeout 300 "$bin" batch "$t/in" -o "$t/out" --jobs 2 \
    2>"$t/log" || rc=$?
  [ "$rc" -eq 1 ] || fail "exit status $rc, expected 1: $(cat "$t/log")"
  [ "$(count quarantined "$m")" -eq 2 ] || fail "expected 2 quarantined"
  grep -q 'EDF-HEADER-TRUNCATED' "$m" || fail "corrupt file without the reader's diagnostic"
  grep -q 'EDF-RECORD' "$m" || fail "truncated file without the reader's diagnostic"
  [ "$(count failed "$m")" -eq 1 ] || fail "expected 1 failed"
  grep -q "$crash failed .*signal" "$t/log" || grep -q "$crash failed .*exited" "$t/log" ||
    fail "crash without its reason: $(cat "$t/log")"
  [ "$(count done "$m")" -eq $(($(n_studies) - 1)) ] || fail "the other studies were not done"
  [ ! -e "$t/out/$crash.pdf" ] || fail "the crashed study has a PDF"
  grep -q "^failed $crash: " "$t/log" || fail "failed study not listed"
  # a hang, alone (so that no slow study of a busy machine can time out)
  rc=0
  EDX_BATCH_TEST_FAULT="hang:$hang" timeout 300 "$bin" batch "$t/in/normal" -o "$t/out" \
    --timeout 2 --force 2>"$t/log2" || rc=$?
  [ "$rc" -eq 1 ] || fail "hang: exit status $rc, expected 1"
  grep -q "$hang failed .*timed out after 2.0 s" "$t/log2" || fail "hang without its reason"
  grep -q '"reason": "timed out' "$m" || fail "hang: no reason in the manifest"
  echo "faults: ok"
}

test_kill() {
  rm -rf "$t" && mkdir -p "$t"
  cp "$corpus.ref.sha" "$t/ref.sha"
  local trial pid delay
  for trial in $(seq 1 "${EDX_BATCH_KILL_TRIALS:-20}"); do
    delay=$(printf "0.%03d" $((RANDOM % 900)))
    setsid "$bin" batch "$corpus" -o "$t/out" --jobs 2 --force 2>/dev/null &
    pid=$!
    sleep "$delay"
    if [ $((trial % 2)) -eq 0 ]; then kill -9 -- "-$pid" 2>/dev/null || true
    else kill -9 "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
    # every visible file is whole: byte-identical to the reference
    if [ -d "$t/out" ]; then
      hashes "$t/out" >"$t/now.sha"
      while read -r sum name; do
        grep -q "^$sum  $name\$" "$t/ref.sha" || fail "trial $trial: partial or wrong $name"
      done <"$t/now.sha"
      for mf in "$t/out"/manifest*.json; do
        [ -e "$mf" ] || continue
        [ "$(tail -c 2 "$mf")" = "}" ] || fail "trial $trial: partial manifest"
      done
    fi
  done
  timeout 300 "$bin" batch "$corpus" -o "$t/out" --jobs 2 2>"$t/log" ||
    fail "run after the kills: $(cat "$t/log")"
  hashes "$t/out" | cmp -s - "$t/ref.sha" || fail "outputs after the kills differ from the reference"
  [ "$(count failed "$t/out/manifest.json")" -eq 0 ] || fail "failures after the kills"
  echo "kill: ok"
}

test_lock() {
  rm -rf "$t" && mkdir -p "$t"
  local one rc=0 i in=$corpus/normal
  one=$(id_of normal)
  [ -n "$one" ] || fail "no id for the normal study"
  EDX_BATCH_TEST_FAULT="hang:$one" "$bin" batch "$in" -o "$t/out" --jobs 1 2>/dev/null &
  local first=$!
  for i in $(seq 1 600); do
    [ -s "$t/out/.edxreport/batch.lock" ] && break
    sleep 0.1
  done
  "$bin" batch "$in" -o "$t/out" 2>"$t/log" || rc=$?
  kill -TERM "$first"
  local rc1=0
  wait "$first" || rc1=$?
  [ "$rc" -eq 75 ] || fail "second run: exit $rc, expected 75"
  grep -q 'another batch run' "$t/log" || fail "no clear message: $(cat "$t/log")"
  [ "$rc1" -eq 75 ] || fail "interrupted run: exit $rc1, expected 75"
  grep -q '"status": "failed"' "$t/out/manifest.json" || fail "interrupted run wrote no manifest"
  # a lock left by a killed run: pid of a process that is gone
  sh -c 'exit 0' &
  local dead=$!
  wait "$dead"
  printf '%s %s 2026-01-01T00:00:00Z\n' "$dead" "$(hostname)" >"$t/out/.edxreport/batch.lock"
  "$bin" batch "$in" -o "$t/out" 2>"$t/log2" || fail "stale lock not taken over: $(cat "$t/log2")"
  grep -q "took over the lock of pid $dead" "$t/log2" || fail "takeover not reported"
  echo "lock: ok"
}

test_shards() {
  rm -rf "$t" && mkdir -p "$t"
  local k all
  for k in 0 1 2; do
    "$bin" batch "$corpus" -o "$t/out" --shard "$k/3" --jobs 2 2>/dev/null || fail "shard $k/3"
    [ -e "$t/out/manifest-shard-$k-of-3.json" ] || fail "no manifest for shard $k"
  done
  all=$(cat "$t/out"/manifest-shard-*.json | grep -o '"id": "[^"]*"' | sort)
  [ "$(echo "$all" | wc -l)" -eq "$(n_studies)" ] || fail "shards do not cover every study once"
  [ -z "$(echo "$all" | uniq -d)" ] || fail "a study in two shards"
  check_complete "$t/out"
  echo "shards: ok"
}

case "$what" in
  corpus) make_corpus ;;
  run) test_run ;;
  faults) test_faults ;;
  kill) test_kill ;;
  lock) test_lock ;;
  shards) test_shards ;;
  *) fail "unknown test" ;;
esac
