#!/usr/bin/env bash
# backup-cost.sh - what `backup --scan-pii` costs over a plain backup of the
# same tree (the exposure issue's target: at most 15 % more wall time).
#
#   bench/exposure/backup-cost.sh            the 2 GiB corpus of `make bench`
#   SIZE_MIB=200 bench/exposure/backup-cost.sh
#
# Each run makes two first backups of the corpus into fresh repositories, one
# plain and one with --scan-pii (the order alternates between runs), with the
# page cache dropped before each when run as root.  Prints the medians and
# writes bench/results/scan-pii-cost-<SIZE>M.tsv.
#
# Settings (environment): SIZE_MIB=2048 RUNS=3 BENCH_TMP=/tmp/rempart-bench
#   CORPUS=$BENCH_TMP/corpus-<SIZE>M  BENCH_SHARED=<repo>/../shared/bench
#   REMPART_BIN=<repo>/build/rempart  RESULTS=<repo>/bench/results
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZE_MIB=${SIZE_MIB:-2048}
RUNS=${RUNS:-3}
BENCH_TMP=${BENCH_TMP:-/tmp/rempart-bench}
BENCH_SHARED=${BENCH_SHARED:-$ROOT/../shared/bench}
CORPUS=${CORPUS:-$BENCH_TMP/corpus-${SIZE_MIB}M}
REMPART_BIN=${REMPART_BIN:-$ROOT/build/rempart}
RESULTS=${RESULTS:-$ROOT/bench/results}
OUT=$RESULTS/scan-pii-cost-${SIZE_MIB}M.tsv

die() { echo "backup-cost: $*" >&2; exit 1; }
[ -x "$REMPART_BIN" ] || die "$REMPART_BIN missing: run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (scripts/install-deps.sh --bench)"
if [ ! -d "$CORPUS" ]; then
	[ -x "$BENCH_SHARED/make-corpus.sh" ] || die "no corpus at $CORPUS and no make-corpus.sh in $BENCH_SHARED"
	mkdir -p "$BENCH_TMP"
	"$BENCH_SHARED/make-corpus.sh" -s "$SIZE_MIB" "$CORPUS" || die "corpus build failed"
fi
W=$(mktemp -d "$BENCH_TMP/scan-pii-cost.XXXXXX") || die "no scratch folder in $BENCH_TMP"
trap 'rm -rf "$W"' EXIT
export REMPART_PASSWORD=rempart-bench-password-not-a-secret
CAN_DROP=0
if [ "$(id -u)" = 0 ] && sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then CAN_DROP=1; fi

mkdir -p "$RESULTS"
printf 'mode\trun\tcache\twall_s\tcpu_s\tpeak_rss_mb\trc\tload\n' >"$OUT"

# one MODE RUN: a first backup of the corpus into a fresh repository
one() {
	local mode=$1 run=$2 extra=() cache=warm load rc
	[ "$mode" = scan-pii ] && extra=(--scan-pii)
	rm -rf "$W/repo" "$W/cache"
	"$REMPART_BIN" -r "$W/repo" init >/dev/null 2>"$W/err" || die "init failed: $(cat "$W/err")"
	if [ $CAN_DROP = 1 ]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
		cache=cold
	fi
	load=$(cut -d' ' -f1 /proc/loadavg)
	REMPART_CACHE_DIR=$W/cache /usr/bin/time -f '%e %U %S %M' -o "$W/time" \
		"$REMPART_BIN" -r "$W/repo" backup --json "${extra[@]}" "$CORPUS" >"$W/out" 2>"$W/err"
	rc=$?
	[ $rc = 0 ] || echo "backup-cost: $mode run $run exited $rc: $(tail -n 2 "$W/err")" >&2
	awk -v OFS='\t' -v mode="$mode" -v run="$run" -v cache="$cache" -v rc="$rc" -v load="$load" \
		'{print mode, run, cache, $1, sprintf("%.2f", $2 + $3), sprintf("%.1f", $4 / 1024), rc, load}' "$W/time" >>"$OUT"
	printf '  %s %-9s run %s: %s s\n' "$(date +%T)" "$mode" "$run" "$(cut -d' ' -f1 "$W/time")" >&2
}

echo "# backup vs backup --scan-pii of $CORPUS, $RUNS runs, cache $([ $CAN_DROP = 1 ] && echo cold || echo warm)" >&2
for run in $(seq 1 "$RUNS"); do
	if [ $((run % 2)) = 1 ]; then
		one plain "$run"
		one scan-pii "$run"
	else
		one scan-pii "$run"
		one plain "$run"
	fi
done
python3 - "$OUT" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(mode, col):
    v = [float(r[col]) for r in rows if r["mode"] == mode and r["rc"] == "0"]
    return statistics.median(v) if v else None
p, s = med("plain", "wall_s"), med("scan-pii", "wall_s")
pc, sc = med("plain", "cpu_s"), med("scan-pii", "cpu_s")
pr, sr = med("plain", "peak_rss_mb"), med("scan-pii", "peak_rss_mb")
if None in (p, s, pc, sc):
    sys.exit("backup-cost: a mode has no successful run")
print("| backup of the corpus | wall s | CPU s | peak RSS MB |")
print("|---|---|---|---|")
print("| plain | %.2f | %.2f | %.1f |" % (p, pc, pr))
print("| --scan-pii | %.2f | %.2f | %.1f |" % (s, sc, sr))
over = 100 * (s / p - 1)
print("\n--scan-pii costs %+.1f %% wall time and %+.1f %% CPU time (medians; target <= 15 %% wall): %s"
      % (over, 100 * (sc / pc - 1), "met" if over <= 15 else "NOT met"))
EOF
