#!/usr/bin/env bash
# run.sh - ransomware-detection benchmark: every scenario of scenarios.py on a
# copy of the shared corpus, each snapshot judged against its parent, one
# table row per scenario (verdicts, attacked files when the first alarm rang,
# per-file precision and recall, false positives on benign days, latest-clean,
# analysis cost).
#
#   bench/detect/run.sh [SCENARIO...]        (default: all; see scenarios.py list)
#
# Environment:
#   REMPART_CORPUS_GEN  folder holding make-corpus.sh, encrypt-corpus.sh, mutate-corpus.sh
#                       (default: ../shared/bench relative to the repository root)
#   SIZE_MIB            corpus size (default 200)
#   BENCH_TMP           scratch folder (default /tmp/rempart-detect); only this is written
#   KEEP=1              keep each scenario's snapshots and results
#   OUT                 where the table goes as well as stdout (default bench/detect/results.md)
#   MODE=rempart        judge each snapshot with the real program (rempart backup of a
#                       live copy of each snapshot, then rempart analyze --json
#                       --judgements) instead of build/scan-eval; REMPART_BIN overrides
#                       the binary (default build/rempart)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/detect
export REMPART_CORPUS_GEN=${REMPART_CORPUS_GEN:-$ROOT/../shared/bench}
SIZE_MIB=${SIZE_MIB:-200}
BENCH_TMP=${BENCH_TMP:-/tmp/rempart-detect}
SCAN_EVAL=${SCAN_EVAL:-$ROOT/build/scan-eval}
OUT=${OUT:-$HERE/results.md}
CORPUS=$BENCH_TMP/corpus-${SIZE_MIB}M

# analyze_pair OLD NEW PREFIX
# Backs up NEW as a child of OLD and analyzes it.  Writes PREFIX.out (lines
# "verdict NAME", "evidence JSON", "timing key=value...") and PREFIX.judgements
# (one "0|1<TAB>path" line per file of NEW, path bytes outside 0x20..0x7e and
# the backslash as \xHH).  This is the one step to replace by a real
# `rempart backup` + `rempart analyze --json` run.
analyze_pair() {
	"$SCAN_EVAL" -j "$3.judgements" "$1" "$2" >"$3.out"
}

# The same step through the real program: the scenario's snapshots are copied
# in turn to one live folder, backed up into the scenario's repository (the
# first call backs up OLD as the parent), and the snapshot is analysed.
rempart_pair() {
	local dir live=$BENCH_TMP/live t0 t1 t2
	dir=$(dirname "$3")
	export REMPART_REPOSITORY=$dir/repo REMPART_PASSWORD=detect-bench REMPART_CACHE_DIR=$dir/cache
	if [ ! -d "$dir/repo" ]; then
		rm -rf "$live" && cp -a "$1" "$live"
		"$RP" init -q && { "$RP" backup -q "$live" >/dev/null || true; }
	fi
	rm -rf "$live" && cp -a "$2" "$live"
	t0=$(date +%s%N)
	"$RP" backup -q "$live" >/dev/null 2>&1 || true # 10 on an alarm
	t1=$(date +%s%N)
	"$RP" analyze --json --judgements "$3.judgements.abs" >"$3.json" 2>/dev/null || true
	t2=$(date +%s%N)
	python3 - "$3" "$live" "$(( (t1 - t0) / 1000000 ))" "$(( (t2 - t1) / 1000000 ))" <<'PY'
import json, sys
prefix, live, backup_ms, analyze_ms = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
j = json.load(open(prefix + ".json"))
with open(prefix + ".out", "w") as o:
    o.write("verdict %s\n" % j["verdict"])
    o.write("evidence %s\n" % json.dumps(j["evidence"], ensure_ascii=False))
    o.write("timing read_ms=%s scan_ms=0 analyze_ms=%s\n" % (backup_ms, analyze_ms))
with open(prefix + ".judgements.abs") as i, open(prefix + ".judgements", "w") as o:
    for line in i:
        judged, path = line.rstrip("\n").split("\t", 1)
        o.write("%s\t%s\n" % (judged, path[len(live) + 1:] if path.startswith(live + "/") else path))
PY
}
if [ "${MODE:-}" = rempart ]; then
	RP=${REMPART_BIN:-$ROOT/build/rempart}
	[ -x "$RP" ] || make -C "$ROOT" --no-print-directory >/dev/null
	analyze_pair() { rempart_pair "$@"; }
fi

[ -x "$SCAN_EVAL" ] || make -C "$ROOT" --no-print-directory scan-eval >/dev/null
[ -x "$REMPART_CORPUS_GEN/make-corpus.sh" ] ||
	{ echo "run.sh: no make-corpus.sh in $REMPART_CORPUS_GEN (set REMPART_CORPUS_GEN)" >&2; exit 1; }
for tool in zip 7z xz zstd gpg; do
	command -v $tool >/dev/null || { echo "run.sh: $tool missing (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
mkdir -p "$BENCH_TMP"
if [ ! -d "$CORPUS" ]; then
	BENCH_TMP=$BENCH_TMP "$REMPART_CORPUS_GEN/make-corpus.sh" -s "$SIZE_MIB" "$CORPUS" 2>/dev/null
fi

if [ $# -gt 0 ]; then
	names=("$@")
else
	mapfile -t names < <(python3 "$HERE/scenarios.py" list | cut -f1)
fi
rows=$BENCH_TMP/rows.jsonl
: >"$rows"
for name in "${names[@]}"; do
	dir=$BENCH_TMP/sc-$name
	rm -rf "$dir"
	python3 "$HERE/scenarios.py" make "$name" "$CORPUS" "$dir"
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snapshots"])' "$dir/meta.json")
	for k in $(seq 1 "$n"); do
		analyze_pair "$dir/snap$((k - 1))" "$dir/snap$k" "$dir/res-$k"
	done
	python3 "$HERE/score.py" row "$dir" >>"$rows"
	echo "run.sh: $name: $(sed -n 1p "$dir/res-$n.out")" >&2
	[ "${KEEP:-}" = 1 ] || rm -rf "$dir"
done
{
	echo "Ransomware detection benchmark: corpus ${SIZE_MIB} MiB, $(date -u +%Y-%m-%d)"
	echo
	python3 "$HERE/score.py" table "$rows" && status=0 || status=$?
	exit $status
} | tee "$OUT"
