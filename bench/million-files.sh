#!/usr/bin/env bash
# million-files.sh - rempart on a tree of a million small files: wall time
# and peak RSS of the first backup and of the unchanged re-backup.
#
#   bench/million-files.sh                    1000 folders x 1000 files (about 5 min)
#   DIRS=100 FILES=1000 bench/million-files.sh   100,000 files (quick check)
#
# The tree (files of 0-4 KiB, deterministic content: a third text-like and
# compressible, the rest random) is built in the scratch folder by a small
# Python generator, backed up twice with the page cache dropped before each
# backup (root only), then removed (KEEP=1 keeps it for another run).
# Target (issue 3): peak RSS < 200 MB for both backups.
#
# Settings (environment): DIRS=1000 FILES=1000 MAX_BYTES=4096
#   BENCH_TMP=/tmp/rempart-bench  REMPART_BIN=<repo>/build/rempart  KEEP=0
#   OUT=bench/results/million-files.tsv
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIRS=${DIRS:-1000}
FILES=${FILES:-1000}
MAX_BYTES=${MAX_BYTES:-4096}
BENCH_TMP=${BENCH_TMP:-/tmp/rempart-bench}
REMPART_BIN=${REMPART_BIN:-$ROOT/build/rempart}
KEEP=${KEEP:-0}
OUT=${OUT:-$ROOT/bench/results/million-files.tsv}
TARGET_RSS_MB=200

die() { echo "million-files: $*" >&2; exit 1; }
[ -x "$REMPART_BIN" ] || die "$REMPART_BIN missing: run make first (or set REMPART_BIN)"
command -v /usr/bin/time >/dev/null || die "/usr/bin/time missing (apt-get install time)"
REMPART_BIN=$(cd "$(dirname "$REMPART_BIN")" && pwd)/$(basename "$REMPART_BIN")
mkdir -p "$BENCH_TMP" "$(dirname "$OUT")"
BENCH_TMP=$(cd "$BENCH_TMP" && pwd)
N=$((DIRS * FILES))
TREE=$BENCH_TMP/million-tree-${DIRS}x${FILES}
W=$BENCH_TMP/million.$$
mkdir -p "$W"
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	rm -rf "$W"
	[ "$KEEP" = 1 ] || rm -rf "$TREE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CAN_DROP=0
if [ "$(id -u)" = 0 ] && sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then CAN_DROP=1; fi

if [ ! -f "$TREE/.complete" ]; then
	rm -rf "$TREE"
	echo "million-files: building $N files in $TREE" >&2
	t0=$(date +%s.%N)
	python3 - "$TREE" "$DIRS" "$FILES" "$MAX_BYTES" <<'EOF' || die "tree generation failed"
import os, random, sys
root, dirs, files, max_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random("rempart-million-1")
words = [b"conseil", b"mairie", b"arrete", b"deliberation", b"budget", b"facture", b"ecole", b"voirie"]
os.makedirs(root)
for d in range(dirs):
    dp = os.path.join(root, "dossier-%04d" % d)
    os.mkdir(dp)
    for f in range(files):
        n = rng.randrange(max_bytes + 1)
        if f % 3 == 0:
            data = (b" ".join(rng.choice(words) for _ in range(n // 6 + 1)))[:n]
        else:
            data = rng.randbytes(n)
        fd = os.open(os.path.join(dp, "note-%04d.txt" % f), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.close(fd)
open(os.path.join(root, ".complete"), "w").close()
EOF
	echo "million-files: built in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}') s" >&2
fi
BYTES=$(du -sb --apparent-size "$TREE" | cut -f1)

export REMPART_REPOSITORY=$W/repo REMPART_PASSWORD=rempart-bench-password-not-a-secret REMPART_CACHE_DIR=$W/cache
"$REMPART_BIN" init >/dev/null || die "rempart init failed"

printf 'step\tfiles\tbytes\twall_s\tcpu_s\tpeak_rss_mb\trepo_bytes\tcache_bytes\trc\tload\ttarget\tnote\n' >"$OUT"
# the floor of an unchanged re-backup: one lstat per entry, page cache cold
if [ $CAN_DROP = 1 ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
load=$(cut -d' ' -f1 /proc/loadavg)
t0=$(date +%s.%N)
find "$TREE" -printf '%i %s %T@ %C@\n' | wc -l >/dev/null
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
printf 'stat-walk\t%s\t%s\t%s\t\t\t\t\t0\t%s\t-\tfind -printf inode size mtime ctime, one thread\n' "$N" "$BYTES" "$wall" "$load" >>"$OUT"
echo "million-files: stat-walk $N files: $wall s (cold find, one thread), load $load"
fail=0
for step in backup rebackup; do
	cache=warm
	if [ $CAN_DROP = 1 ]; then sync; echo 3 >/proc/sys/vm/drop_caches; cache=cold; fi
	load=$(cut -d' ' -f1 /proc/loadavg)
	t0=$(date +%s.%N)
	/usr/bin/time -v -o "$W/$step.time" "$REMPART_BIN" backup --json "$TREE" >"$W/$step.out" 2>"$W/$step.err"
	rc=$?
	t1=$(date +%s.%N)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
	cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$W/$step.time")
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$W/$step.time")
	repo=$(du -sb "$W/repo" | cut -f1)
	cb=$(du -sb "$W/cache" 2>/dev/null | cut -f1)
	verdict=$(awk -v r="$rss" -v t=$TARGET_RSS_MB 'BEGIN {print (r < t) ? "met" : "NOT met"}')
	[ "$verdict" = met ] && [ $rc = 0 ] || fail=1
	note="$cache cache; $(tr -d '\n' <"$W/$step.out" | cut -c1-300)"
	[ $rc = 0 ] || note="exit $rc: $(tail -n 2 "$W/$step.err" | tr '\t\n' '  ' | cut -c1-200)"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$step" "$N" "$BYTES" "$wall" "$cpu" "$rss" "$repo" \
		"${cb:-0}" "$rc" "$load" "peak RSS < $TARGET_RSS_MB MB: $verdict" "$note" >>"$OUT"
	printf 'million-files: %-8s %d files (%s MB): %s s wall, %s s CPU, peak RSS %s MB (target < %d MB: %s), repo %s MB, load %s, exit %s\n' \
		"$step" "$N" "$(awk -v b="$BYTES" 'BEGIN {printf "%.0f", b / 1e6}')" "$wall" "$cpu" "$rss" $TARGET_RSS_MB "$verdict" \
		"$(awk -v b="$repo" 'BEGIN {printf "%.0f", b / 1e6}')" "$load" "$rc"
done
echo "million-files: wrote $OUT" >&2
exit $fail
