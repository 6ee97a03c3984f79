#!/usr/bin/env bash
# run.sh - the exposure benchmark (make bench-exposure): precision and recall
# of the PII detectors per detector and per format on the labelled corpus,
# and scanning speed per core.
#
#   bench/exposure/run.sh          DOCS=200 PERF_MB=256 by default
#   KEEP=1 bench/exposure/run.sh   keep the corpus (its path is printed)
#
# The corpus is generated (python3 stdlib, fixed seed) by gen_corpus.py and
# scored by score.py; the scan feeds files in random piece sizes so that
# identifiers cut between pieces are part of what is measured.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SCAN=${PII_SCAN:-$ROOT/build/pii-scan}
DOCS=${DOCS:-200}
PERF_MB=${PERF_MB:-256}
OUT=$(mktemp -d)
if [ -z "${KEEP:-}" ]; then
	trap 'rm -rf "$OUT"' EXIT
fi
[ -x "$SCAN" ] || { echo "run.sh: $SCAN is missing (make pii-scan)" >&2; exit 1; }

echo "== corpus: $DOCS documents per format, $PERF_MB MB of text for speed (in $OUT)"
python3 "$ROOT/bench/exposure/gen_corpus.py" "$OUT" --docs "$DOCS" --perf-mb "$PERF_MB"
du -sh "$OUT/corpus" "$OUT/perf" | sed 's/^/   /'

echo
echo "== accuracy (files fed in random pieces of 1 byte to 64 KiB)"
"$SCAN" "$OUT/corpus" --format json --max-files 0 --random-pieces 1 --piece-bytes 65536 \
	>"$OUT/report.json"
status=0
python3 "$ROOT/bench/exposure/score.py" "$OUT/truth.json" "$OUT/report.json" --check || status=1

speed() { # LABEL DIR ARGS...
	local label=$1 dir=$2
	shift 2
	local line
	line=$("$SCAN" "$dir" --format json --preload --stats "$@" 2>&1 >/dev/null | grep 'MB/s')
	printf '%-34s %s\n' "$label" "$(echo "$line" | sed 's/^pii-scan: //')"
	echo "$line" | sed -E 's/.* ([0-9.]+) MB\/s per core/\1/'
}

echo
echo "== speed (files preloaded in memory; one thread unless said)"
echo "   per core = bytes / CPU seconds of the scan; wall times suffer on a shared machine"
runs=""
for run in 1 2 3; do
	out=$(speed "text, run $run" "$OUT/perf" --jobs 1)
	echo "$out" | head -1
	runs="$runs $(echo "$out" | tail -1)"
done
speed "text, 2 threads" "$OUT/perf" --jobs 2 | head -1
for fmt in csv xlsx ods html eml pdf docx; do
	speed "$fmt (corpus x20)" "$OUT/corpus/$fmt" --jobs 1 --repeat 20 | head -1
done
speed "whole labelled corpus (x5)" "$OUT/corpus" --jobs 1 --repeat 5 | head -1
echo
median=$(python3 -c "import sys; v=sorted(map(float, sys.argv[1:])); print(v[len(v)//2])" $runs)
if python3 -c "import sys; sys.exit(0 if $median >= 300 else 1)"; then
	echo "text scanning: $median MB/s per core, median of 3 runs (target >= 300): met"
else
	echo "text scanning: $median MB/s per core, median of 3 runs (target >= 300): NOT met"
	status=1
fi
exit $status
