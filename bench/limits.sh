#!/usr/bin/env bash
# limits.sh - what this machine can do at best on the benchmark's tree: the
# figures each rempart step is compared with.
#
#   bench/limits.sh                      2 GiB corpus, 1 run (about 1.5 min)
#   SIZE_MIB=200 bench/limits.sh         quick (about 30 s)
#
# Rows (TSV, bench/results/limits-<SIZE>M.tsv):
#   tree-tar-cold / -warm     tar -cf - . | wc -c: the tree read by one thread
#   tree-parallel-cold / -warm  every file read by READERS concurrent cat
#                             processes (READERS = 4 x CPUs, as rempart's backup)
#   tree-stat-cold            find -printf of inode, size, times: one lstat per
#                             entry, the floor of an unchanged re-backup
#   bigfile-read-cold         cat of the SQL dump (one large sequential read)
#   zstd-L-bK                 zstd -b: in-memory compression of the SQL dump at
#                             level L (1, 3), independent blocks of K (64 KiB, 1 MiB),
#                             one thread; note = ratio and decompression speed
#   aes-256-gcm, chacha20-poly1305, sha256, blake2b512
#                             openssl speed -evp on 16 KiB buffers, one thread
#   sha256sum-bigfile         sha256sum of the SQL dump from the page cache
#   disk-write-direct         dd oflag=direct of DD_MIB MiB of zeros (no page cache)
#
# Settings (environment): SIZE_MIB=2048, BENCH_TMP=/tmp/rempart-bench,
#   CORPUS=$BENCH_TMP/corpus-<SIZE>M, BENCH_SHARED=<repo>/../shared/bench (the
#   corpus scripts), RUNS=1, READERS=4 x CPUs, DD_MIB=1024, OSSL_SECONDS=2,
#   OUT=bench/results/limits-<SIZE>M.tsv.  Drops the page cache before the
#   cold rows (needs root; otherwise they are marked warm).
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_SHARED=${BENCH_SHARED:-$ROOT/../shared/bench}
SIZE_MIB=${SIZE_MIB:-2048}
BENCH_TMP=${BENCH_TMP:-/tmp/rempart-bench}
CORPUS=${CORPUS:-$BENCH_TMP/corpus-${SIZE_MIB}M}
RUNS=${RUNS:-1}
NCPU=$(nproc)
READERS=${READERS:-$((4 * NCPU > 32 ? 32 : 4 * NCPU))}
DD_MIB=${DD_MIB:-1024}
OSSL_SECONDS=${OSSL_SECONDS:-2}
OUT=${OUT:-$ROOT/bench/results/limits-${SIZE_MIB}M.tsv}

die() { echo "limits: $*" >&2; exit 1; }
for c in tar find xargs zstd openssl sha256sum dd python3; do
	command -v "$c" >/dev/null || die "$c missing (scripts/install-deps.sh --bench)"
done
if [ ! -d "$CORPUS" ]; then
	[ -x "$BENCH_SHARED/make-corpus.sh" ] || die "no corpus at $CORPUS and no $BENCH_SHARED/make-corpus.sh (set BENCH_SHARED)"
	"$BENCH_SHARED/make-corpus.sh" -s "$SIZE_MIB" "$CORPUS" || die "corpus build failed"
fi
BIG=$(find "$CORPUS/Informatique/Sauvegardes" -name '*.sql' -type f | sort | head -n 1)
[ -n "$BIG" ] || die "no SQL dump under $CORPUS/Informatique/Sauvegardes"
BIG_BYTES=$(stat -c %s "$BIG")
TREE_BYTES=$(find "$CORPUS" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
ENTRIES=$(find "$CORPUS" | wc -l)
mkdir -p "$(dirname "$OUT")" "$BENCH_TMP"

CAN_DROP=0
if [ "$(id -u)" = 0 ] && sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then CAN_DROP=1; fi

load1() { cut -d' ' -f1 /proc/loadavg; }

printf 'what\trun\tcache\tbytes\twall_s\tcpu_s\tmb_per_s\tload\tnote\n' >"$OUT"

# emit WHAT RUN CACHE BYTES WALL CPU MBPS LOAD NOTE
emit() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$OUT"
	printf '  %-22s run %s %-6s %8s MB/s%s\n' "$1" "$2" "$3" "$7" "${5:+  ($5 s)}" >&2
}

# timed WHAT RUN cold|warm BYTES NOTE SHELL-COMMAND
timed() {
	local what=$1 run=$2 cache=$3 bytes=$4 note=$5 cmd=$6 tf t0 t1 load
	tf=$(mktemp)
	if [ "$cache" = cold ]; then
		if [ $CAN_DROP = 1 ]; then sync; echo 3 >/proc/sys/vm/drop_caches; else cache=warm; fi
	fi
	load=$(load1)
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$tf" bash -c "$cmd" >/dev/null 2>&1
	t1=$(date +%s.%N)
	local wall cpu mbps
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	cpu=$(awk '{printf "%.2f", $1 + $2}' "$tf")
	mbps=$(awk -v b="$bytes" -v w="$wall" 'BEGIN {printf "%.1f", (w > 0 ? b / 1e6 / w : 0)}')
	rm -f "$tf"
	emit "$what" "$run" "$cache" "$bytes" "$wall" "$cpu" "$mbps" "$load" "$note"
}

# zbench WHAT RUN LEVEL BLOCK_BYTES: zstd's own in-memory benchmark on the dump
zbench() {
	local what=$1 run=$2 level=$3 block=$4 line ratio c d load
	load=$(load1)
	line=$(zstd -b"$level" -i1 -T1 -B"$block" "$BIG" 2>&1 | tr '\r' '\n' | grep 'MB/s.*MB/s' | tail -n 1)
	ratio=$(sed -nE 's/.*\(x([0-9.]+)\).*/\1/p' <<<"$line")
	c=$(sed -nE 's/.*\), *([0-9.]+) MB\/s.*/\1/p' <<<"$line")
	d=$(sed -nE 's/.*MB\/s, *([0-9.]+) MB\/s.*/\1/p' <<<"$line")
	emit "$what" "$run" memory "$BIG_BYTES" "" "" "${c:-0}" "$load" \
		"zstd -b$level -B$block -T1 on the SQL dump: ratio ${ratio:-?}, decompression ${d:-?} MB/s"
}

# ossl WHAT RUN ALGORITHM: openssl speed -evp, 16 KiB buffers, one thread
ossl() {
	local what=$1 run=$2 alg=$3 k load
	load=$(load1)
	k=$(openssl speed -seconds "$OSSL_SECONDS" -bytes 16384 -evp "$alg" 2>/dev/null | tail -n 1 | awk '{print $NF}' | tr -d k)
	emit "$what" "$run" memory 16384 "" "" "$(awk -v k="${k:-0}" 'BEGIN {printf "%.1f", k * 1000 / 1e6}')" "$load" \
		"openssl speed -evp $alg -bytes 16384, one thread"
}

{
	echo "limits: corpus $CORPUS: $TREE_BYTES bytes of files, $ENTRIES entries; SQL dump $BIG_BYTES bytes"
	echo "limits: $NCPU CPUs, $READERS concurrent readers, page cache drop: $([ $CAN_DROP = 1 ] && echo yes || echo 'no (not root)'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
} >&2

DD_FILE=$BENCH_TMP/limits-dd.$$
trap 'rm -f "$DD_FILE"' EXIT
for run in $(seq 1 "$RUNS"); do
	timed tree-tar-cold "$run" cold "$TREE_BYTES" "tar -cf - . | wc -c, one reader" \
		"tar -cf - -C '$CORPUS' . | wc -c"
	timed tree-tar-warm "$run" warm "$TREE_BYTES" "tar -cf - . | wc -c, second read" \
		"tar -cf - -C '$CORPUS' . | wc -c"
	timed tree-parallel-cold "$run" cold "$TREE_BYTES" "find -print0 | xargs -0 -P $READERS -n 64 cat" \
		"cd '$CORPUS' && find . -type f -print0 | xargs -0 -r -P $READERS -n 64 cat"
	timed tree-parallel-warm "$run" warm "$TREE_BYTES" "the same, second read" \
		"cd '$CORPUS' && find . -type f -print0 | xargs -0 -r -P $READERS -n 64 cat"
	timed tree-stat-cold "$run" cold "$TREE_BYTES" "find -printf inode size mtime ctime: $ENTRIES entries (MB/s of the tree's bytes)" \
		"find '$CORPUS' -printf '%i %s %T@ %C@\n' | wc -l"
	timed bigfile-read-cold "$run" cold "$BIG_BYTES" "cat of the SQL dump" "cat '$BIG'"
	zbench zstd-1-b64k "$run" 1 65536
	zbench zstd-3-b64k "$run" 3 65536
	zbench zstd-1-b1m "$run" 1 1048576
	zbench zstd-3-b1m "$run" 3 1048576
	ossl aes-256-gcm "$run" aes-256-gcm
	ossl chacha20-poly1305 "$run" chacha20-poly1305
	ossl sha256 "$run" sha256
	ossl blake2b512 "$run" blake2b512
	cat "$BIG" >/dev/null
	timed sha256sum-bigfile "$run" warm "$BIG_BYTES" "sha256sum of the SQL dump, page cache warm" "sha256sum '$BIG'"
	timed disk-write-direct "$run" direct $((DD_MIB << 20)) "dd if=/dev/zero bs=4M count=$((DD_MIB / 4)) oflag=direct conv=fsync" \
		"dd if=/dev/zero of='$DD_FILE' bs=4M count=$((DD_MIB / 4)) oflag=direct conv=fsync status=none; rm -f '$DD_FILE'"
done
echo "limits: wrote $OUT" >&2
