#!/bin/sh
# check_reports.sh EDXREPORT REPORT_FIXTURE SAMPLES_DIR
#
# Renders the report of every sample study (from its findings, completed
# with needle EMG results and an interpretation by report_fixture, and once
# straight from a study folder) and of the hand-made fixtures (long study,
# NCS only, EMG only, hostile text), then checks each PDF with the PDF tools:
# qpdf --check, pdffonts (every font embedded), pdftotext (key numbers, the
# "consistent with" wording and the physician-review disclaimer), pdftoppm
# (one non-trivial image per page), size <= 2 MB, and byte-identical output
# in deterministic mode.
set -eu
bin=$1 fixture=$2 samples=$3
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# check PDF NAME: the checks every report must pass
check() {
    pdf=$1 name=$2
    [ -s "$pdf" ] || fail "$name: no PDF"
    size=$(wc -c < "$pdf")
    [ "$size" -le 2097152 ] || fail "$name: $size bytes (over 2 MB)"
    qpdf --check "$pdf" > "$tmp/qpdf.txt" 2>&1 || fail "$name: qpdf --check: $(cat "$tmp/qpdf.txt")"
    pdffonts "$pdf" 2> /dev/null | tail -n +3 > "$tmp/fonts.txt"
    [ -s "$tmp/fonts.txt" ] || fail "$name: no fonts"
    # columns: name type encoding emb sub uni object ID; "emb" is the 4th from the end
    awk '{ if ($(NF-4) != "yes") bad = 1 } END { exit bad }' "$tmp/fonts.txt" ||
        fail "$name: a font is not embedded: $(cat "$tmp/fonts.txt")"
    pdftotext -layout "$pdf" "$tmp/text.txt" 2> /dev/null
    grep -q "qualified physician" "$tmp/text.txt" || fail "$name: no physician-review disclaimer"
    grep -q "PRELIMINARY" "$tmp/text.txt" || fail "$name: no PRELIMINARY notice"
    pages=$(pdfinfo "$pdf" 2> /dev/null | awk '/^Pages:/ { print $2 }')
    grep -q "Page $pages of $pages" "$tmp/text.txt" || fail "$name: no 'Page $pages of $pages'"
    rm -f "$tmp"/page-*.png
    pdftoppm -png -r 20 "$pdf" "$tmp/page" 2> /dev/null
    n=$(ls "$tmp"/page-*.png | wc -l)
    [ "$n" -eq "$pages" ] || fail "$name: $n page images for $pages pages"
    for png in "$tmp"/page-*.png; do
        [ "$(wc -c < "$png")" -gt 1500 ] || fail "$name: $png looks blank"
    done
    echo "ok $name: $pages pages, $size bytes"
}

# has TEXT NAME / lacks TEXT NAME: in the last checked report's text
has() { grep -q -- "$1" "$tmp/text.txt" || fail "$2: '$1' not in the text"; }
lacks() { ! grep -q -- "$1" "$tmp/text.txt" || fail "$2: '$1' should not be there"; }

# The first value of a key in a findings file, printed with 2 decimals.
first_value() {
    v=$(grep -m1 "\"$1\": -\{0,1\}[0-9]" "$2" | sed 's/.*: *\(-\{0,1\}[0-9.]*\).*/\1/')
    printf '%.2f' "$v"
}

for dir in "$samples"/*/; do
    study=$(basename "$dir")
    "$bin" analyze -o "$tmp/$study.json" "$dir" || fail "$study: analyze"
    "$fixture" complete "$tmp/$study.json" "$tmp/$study.full.json" || fail "$study: fixture"
    cp "$dir"/truth.*.events.tsv "$tmp/" # the events tables the fixture names
    "$bin" report --deterministic -o "$tmp/$study.pdf" "$tmp/$study.full.json" ||
        fail "$study: report"
    check "$tmp/$study.pdf" "$study"
    has "consistent with" "$study"
    has "$(first_value onset_latency_ms "$tmp/$study.json")" "$study"
    has "Nerve conduction traces" "$study"
    has "Needle EMG" "$study"
    if grep -q -E "	(fibrillation|positive_sharp_wave|fasciculation)	" "$dir"/truth.*.events.tsv; then
        has "spontaneous activity at rest" "$study"
    else
        lacks "spontaneous activity at rest" "$study"
    fi
    if grep -q '"difference_ms"' "$tmp/$study.json"; then
        has "Comparison studies" "$study"
        has "$(first_value difference_ms "$tmp/$study.json") ms" "$study"
    else
        lacks "Comparison studies" "$study"
    fi
    rm -f "$tmp"/truth.*.events.tsv
    code=$(grep -m1 '"code"' "$tmp/$study.json" | sed 's/.*"code": "\([^"]*\)".*/\1/')
    has "$code" "$study"
done

# Straight from a study folder, twice: byte-identical in deterministic mode.
"$bin" report --deterministic -o "$tmp/a.pdf" "$samples/normal" || fail "folder: report"
SOURCE_DATE_EPOCH=1773662460 "$bin" report -o "$tmp/b.pdf" "$samples/normal" || fail "folder: report"
"$bin" report --deterministic -o "$tmp/c.pdf" "$samples/normal" || fail "folder: report"
check "$tmp/a.pdf" "normal (from the folder)"
cmp -s "$tmp/a.pdf" "$tmp/c.pdf" || fail "deterministic reports differ"
[ -s "$tmp/b.pdf" ] || fail "SOURCE_DATE_EPOCH: no PDF"

# Hand-made studies.
for kind in long ncs emg hostile; do
    "$fixture" "$kind" "$tmp/$kind.json" || fail "$kind: fixture"
    "$bin" report --deterministic -o "$tmp/$kind.pdf" "$tmp/$kind.json" || fail "$kind: report"
    check "$tmp/$kind.pdf" "$kind"
done
"$fixture" long "$tmp/long.json"
"$bin" report -o "$tmp/long.pdf" "$tmp/long.json"
check "$tmp/long.pdf" "long"
[ "$pages" -ge 3 ] || fail "long: only $pages pages"
has "gastrocnemius medial head" "long"
has "61.3" "long"
"$bin" report -o "$tmp/ncs.pdf" "$tmp/ncs.json" && check "$tmp/ncs.pdf" "ncs only"
has "Motor nerve conduction" "ncs only"
lacks "Needle EMG" "ncs only"
lacks "Regions with lower motor neuron signs" "ncs only"
"$bin" report -o "$tmp/emg.pdf" "$tmp/emg.json" && check "$tmp/emg.pdf" "emg only"
has "Needle EMG" "emg only"
has "consistent with" "emg only"
lacks "Motor nerve conduction" "emg only"
lacks "Nerve conduction traces" "emg only"

# Errors are exit statuses, and no partial PDF is left behind.
echo '{"schema": "other/1"}' > "$tmp/bad.json"
if "$bin" report -o "$tmp/bad.pdf" "$tmp/bad.json" 2> /dev/null; then fail "bad schema accepted"; fi
[ ! -e "$tmp/bad.pdf" ] || fail "bad schema left a PDF"
if "$bin" report -o "$tmp/x.pdf" "$tmp/nonexistent" 2> /dev/null; then fail "missing input"; fi
echo "all reports ok"
