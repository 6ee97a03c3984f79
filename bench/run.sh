#!/usr/bin/env bash
# run.sh - `make bench`: rempart, restic and borg through the same steps on
# the synthetic town-hall corpus; then the summary table.
#
#   bench/run.sh                                   2 GiB corpus, 2 runs, 4 tools (about 40 min)
#   SIZE_MIB=200 RUNS=1 TOOLS="rempart restic" bench/run.sh      (make bench-quick, about 2 min)
#
# For each run, each tool in turn (the order rotates from run to run), in a
# fresh work folder holding a fresh copy of the corpus:
#   init; full (day 1); noop (day 1 again, unchanged); day2 (after
#   mutate-corpus.sh in place); ransom (after encrypt-corpus.sh --in-place);
#   restore (the day-2 snapshot into an empty folder) and restore-sync (the
#   sync after it, timed on its own); verify (untimed: the restored tree's
#   manifest against the day-2 manifest); check; check-data (--read-data,
#   borg: --verify-data); then in a fresh repository the near-duplicate
#   test: dedup-video-A, dedup-video-B (16 + 3 bytes changed), dedup-sql-A,
#   dedup-sql-B (A with 100 bytes inserted in the middle).
# Tool rempart-rest is rempart through `rempart serve` on 127.0.0.1 (an
# append token; the server starts with the tool's turn and stops after it):
# the summary compares its backup and restore throughput with the local
# repository's.  Its rows count the client's CPU and memory; the server's CPU
# seconds and peak RSS are in each row's note.
# The page cache is dropped before every timed step (root only); each timed
# step runs under /usr/bin/time -v and `timeout`.
#
# Settings (environment):
#   SIZE_MIB=2048  RUNS=2  TOOLS="rempart rempart-rest restic borg-lz4 borg-zstd3"
#   BENCH_TMP=/tmp/rempart-bench (corpus and scratch)  CORPUS=$BENCH_TMP/corpus-<SIZE>M
#   BENCH_SHARED=<repo>/../shared/bench (make-corpus.sh, mutate-corpus.sh,
#     encrypt-corpus.sh, corpus.py)
#   REMPART_BIN=<repo>/build/rempart  STEP_TIMEOUT=1800  DROP_CACHES=auto|yes|no
#   LIMITS=1 (run limits.sh first)  PIPELINE=1 (run build/pipeline-bench)
#   NAME=bench-<SIZE>M  RESULTS=<repo>/bench/results
# Output: $RESULTS/$NAME.tsv (one row per tool, run and step), $NAME.env, and
# from summarize.py: the table on stdout and $NAME.md.
set -u -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/serve.sh"
BENCH_SHARED=${BENCH_SHARED:-$ROOT/../shared/bench}
SIZE_MIB=${SIZE_MIB:-2048}
RUNS=${RUNS:-2}
TOOLS=${TOOLS:-"rempart rempart-rest restic borg-lz4 borg-zstd3"}
BENCH_TMP=${BENCH_TMP:-/tmp/rempart-bench}
CORPUS=${CORPUS:-$BENCH_TMP/corpus-${SIZE_MIB}M}
REMPART_BIN=${REMPART_BIN:-$ROOT/build/rempart}
STEP_TIMEOUT=${STEP_TIMEOUT:-1800}
DROP_CACHES=${DROP_CACHES:-auto}
LIMITS=${LIMITS:-1}
PIPELINE=${PIPELINE:-1}
NAME=${NAME:-bench-${SIZE_MIB}M}
RESULTS=${RESULTS:-$ROOT/bench/results}
PASS=rempart-bench-password-not-a-secret
PY=(python3 "$BENCH_SHARED/corpus.py")

die() { echo "bench: $*" >&2; exit 1; }

need=(python3 /usr/bin/time timeout du sync)
case " $TOOLS " in *" rempart-rest "*) need+=(curl) ;; esac
for t in $TOOLS; do
	case $t in
	rempart | rempart-rest) [ -x "$REMPART_BIN" ] || die "$REMPART_BIN missing: run make first (or set REMPART_BIN)" ;;
	restic) need+=(restic) ;;
	borg-lz4 | borg-zstd3) need+=(borg) ;;
	*) die "unknown tool '$t' (known: rempart rempart-rest restic borg-lz4 borg-zstd3)" ;;
	esac
done
for c in "${need[@]}"; do
	command -v "$c" >/dev/null || die "$c missing (scripts/install-deps.sh --bench installs the bench tools)"
done
for s in make-corpus.sh mutate-corpus.sh encrypt-corpus.sh corpus.py; do
	[ -e "$BENCH_SHARED/$s" ] || die "$BENCH_SHARED/$s missing: set BENCH_SHARED to the folder of the corpus scripts"
done
# absolute paths: the steps run inside the scratch folder
REMPART_BIN=$(cd "$(dirname "$REMPART_BIN")" && pwd)/$(basename "$REMPART_BIN")
BENCH_SHARED=$(cd "$BENCH_SHARED" && pwd)
PY=(python3 "$BENCH_SHARED/corpus.py")

mkdir -p "$BENCH_TMP" "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
OUT=$RESULTS/$NAME.tsv
if [ ! -d "$CORPUS" ]; then
	echo "bench: building the corpus $CORPUS ($SIZE_MIB MiB)" >&2
	"$BENCH_SHARED/make-corpus.sh" -s "$SIZE_MIB" "$CORPUS" || die "corpus build failed"
fi
BENCH_TMP=$(cd "$BENCH_TMP" && pwd)
CORPUS=$(cd "$CORPUS" && pwd)

CAN_DROP=0
case $DROP_CACHES in
yes) CAN_DROP=1 ;;
auto) if [ "$(id -u)" = 0 ] && sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then CAN_DROP=1; fi ;;
esac

# Scratch of this invocation only: other benchmarks may share BENCH_TMP.
WORK=$BENCH_TMP/run.$$
LOGS=$WORK/logs
mkdir -p "$LOGS"
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$WORK" || die "cannot enter $WORK" # a stray relative path lands in the scratch, not the repository

load1() { cut -d' ' -f1 /proc/loadavg; }
bytes_of() { "${PY[@]}" stats --bytes "$1"; }

printf 'tool\trun\tstep\tcache\tinput_bytes\twall_s\tuser_s\tsys_s\tcpu_s\tpeak_rss_mb\tmb_per_s\trepo_bytes\tcache_bytes\trc\tload\tnote\n' >"$OUT"

# row TOOL RUN STEP CACHE BYTES WALL USER SYS RSS_KB RC LOAD NOTE
row() {
	local rb=0 cb=0
	[ -e "$REPO" ] && rb=$(du -sb "$REPO" | cut -f1)
	[ -e "$CACHEDIR" ] && cb=$(du -sb "$CACHEDIR" | cut -f1)
	awk -v OFS='\t' -v tool="$1" -v run="$2" -v step="$3" -v cache="$4" -v bytes="$5" -v wall="$6" \
		-v user="$7" -v sys="$8" -v rss="$9" -v rc="${10}" -v load="${11}" -v note="${12}" -v rb="$rb" -v cb="$cb" 'BEGIN {
		mbps = (wall > 0 && bytes > 0) ? sprintf("%.1f", bytes / 1e6 / wall) : ""
		print tool, run, step, cache, bytes, sprintf("%.3f", wall), user, sys, sprintf("%.2f", user + sys),
			sprintf("%.1f", rss / 1024), mbps, rb, cb, rc, load, note
	}' >>"$OUT"
}

# timed TOOL RUN STEP BYTES CMD...: one timed step, cache dropped first
timed() {
	local tool=$1 run=$2 step=$3 bytes=$4
	shift 4
	local log=$LOGS/$tool.r$run.$step cache=warm load t0 t1 rc
	if [ $CAN_DROP = 1 ]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
		cache=cold
	fi
	load=$(load1)
	local s0
	s0=$(server_ticks)
	t0=$(date +%s.%N)
	timeout "$STEP_TIMEOUT" /usr/bin/time -v -o "$log.time" "$@" >"$log.out" 2>"$log.err"
	rc=$?
	t1=$(date +%s.%N)
	local user sys rss wall note=""
	user=$(awk -F': ' '/User time/ {print $2}' "$log.time" 2>/dev/null)
	sys=$(awk -F': ' '/System time/ {print $2}' "$log.time" 2>/dev/null)
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time" 2>/dev/null)
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	if [ $rc = 124 ]; then
		note="timeout after ${STEP_TIMEOUT} s"
	elif [ $rc != 0 ]; then
		note="exit $rc: $(grep -v '^Command exited' "$log.err" | tail -n 2 | tr '\t\n' '  ' | cut -c1-200)"
	fi
	if [ -n "$SRV" ]; then
		note="server: $(awk -v a="$s0" -v b="$(server_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}') CPU s, peak RSS $(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$SRV/status") MB${note:+; $note}"
	fi
	row "$tool" "$run" "$step" "$cache" "$bytes" "$wall" "${user:-0}" "${sys:-0}" "${rss:-0}" "$rc" "$load" "$note"
	printf '  %s %-10s r%s %-14s %8.2f s  rc=%s\n' "$(date +%T)" "$tool" "$run" "$step" "$wall" "$rc" >&2
	return $rc
}

# server_ticks: user + system clock ticks of the running rempart serve (0 without one)
server_ticks() {
	if [ -n "$SRV" ] && [ -r "/proc/$SRV/stat" ]; then
		sed 's/.*) //' "/proc/$SRV/stat" | awk '{print $12 + $13}'
	else
		echo 0
	fi
}

# server_start DIR: rempart serve on 127.0.0.1 with the tenants bench and dedup,
# an append token for each; sets SRV, SRV_URL, SRV_TOKEN, SRV_TOKEN_DEDUP
server_start() {
	local d=$1
	mkdir -p "$d"
	SRV_TOKEN=$("$REMPART_BIN" serve token add bench append --tokens "$d/tokens" 2>/dev/null) || die "serve token add failed"
	SRV_TOKEN_DEDUP=$("$REMPART_BIN" serve token add dedup append --tokens "$d/tokens" 2>/dev/null) || die "serve token add failed"
	serve_start "$REMPART_BIN" "$d" || die "rempart serve did not start"
	SRV_URL=http://127.0.0.1:$SRV_PORT
}

server_stop() { serve_stop; }

# untimed TOOL RUN STEP NOTE
untimed() { row "$1" "$2" "$3" - 0 0 0 0 0 0 "$(load1)" "$4"; }

# sync_timed TOOL RUN STEP BYTES: the sync that flushes a restore, on its own
sync_timed() {
	local load t0 t1
	load=$(load1)
	t0=$(date +%s.%N)
	sync
	t1=$(date +%s.%N)
	row "$1" "$2" "$3" - "$4" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" 0 0 0 0 "$load" "sync after the restore"
}

# ---- tool adapters: c_* set the array CMD ------------------------------------
adapter() {
	local tool=$1
	unset REMPART_REPOSITORY REMPART_CACHE_DIR REMPART_TOKEN RESTIC_REPOSITORY RESTIC_CACHE_DIR BORG_REPO BORG_BASE_DIR
	case $tool in
	rempart | rempart-rest)
		export REMPART_REPOSITORY=$REPO REMPART_PASSWORD=$PASS REMPART_CACHE_DIR=$CACHEDIR
		if [ "$tool" = rempart-rest ]; then
			# REPO is the tenant's folder under the server's root (for du)
			local tenant
			tenant=$(basename "$REPO")
			export REMPART_REPOSITORY=rest:$SRV_URL/$tenant
			if [ "$tenant" = dedup ]; then export REMPART_TOKEN=$SRV_TOKEN_DEDUP; else export REMPART_TOKEN=$SRV_TOKEN; fi
		fi
		c_init() { CMD=("$REMPART_BIN" init); }
		c_backup() { CMD=("$REMPART_BIN" backup --json --host bench --tag "$1" "$2"); }
		c_restore() { CMD=("$REMPART_BIN" restore "$2" --target "$1"); }
		c_check() { CMD=("$REMPART_BIN" check); }
		c_check_data() { CMD=("$REMPART_BIN" check --read-data); }
		;;
	restic)
		export RESTIC_REPOSITORY=$REPO RESTIC_PASSWORD=$PASS RESTIC_CACHE_DIR=$CACHEDIR
		c_init() { CMD=(restic init); }
		c_backup() { CMD=(restic backup --host bench --tag "$1" "$2"); }
		c_restore() {
			local t=$1
			shift
			CMD=(restic restore "$@" --target "$t")
		}
		c_check() { CMD=(restic check); }
		c_check_data() { CMD=(restic check --read-data); }
		;;
	borg-lz4 | borg-zstd3)
		export BORG_REPO=$REPO BORG_PASSPHRASE=$PASS BORG_BASE_DIR=$CACHEDIR BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
		# shellcheck disable=SC2054 # "zstd,3" is one argument
		if [ "$tool" = borg-zstd3 ]; then COMP=(--compression zstd,3); else COMP=(); fi
		c_init() { CMD=(borg init --encryption=repokey); }
		# archives hold absolute paths minus the leading slash, as restic's do
		c_backup() { CMD=(borg create "${COMP[@]}" "::$1" "$2"); }
		c_restore() { CMD=(env -C "$1" borg extract "::$2"); }
		c_check() { CMD=(borg check); }
		c_check_data() { CMD=(borg check --verify-data); }
		;;
	esac
}

# The snapshot to restore: rempart by the id its backup printed, the others by name.
snapshot_ref() {
	local tool=$1 tag=$2 run=$3
	case $tool in
	rempart | rempart-rest) grep -o '"snapshot_id":"[0-9a-f]*"' "$LOGS/$tool.r$run.$tag.out" | cut -d'"' -f4 | head -n 1 ;;
	restic) echo "latest --host bench --tag $tag" ;;
	*) echo "$tag" ;;
	esac
}

# ---- near-duplicate inputs -----------------------------------------------------
VID_DIR="$CORPUS/Communication/Vidéos"
VID_A=$(find "$VID_DIR" -maxdepth 1 -name '*.mp4' ! -name '*version*' | sort | head -n 1)
VID_B=$(find "$VID_DIR" -maxdepth 1 -name '*version*.mp4' | sort | head -n 1)
SQL_A=$(find "$CORPUS/Informatique/Sauvegardes" -maxdepth 1 -name '*.sql' | sort | head -n 1)
SQL_B=$WORK/dedup-inputs/dump-plus-100-bytes-mid-file.sql
mkdir -p "$WORK/dedup-inputs"
if [ -n "$SQL_A" ]; then
	half=$(($(stat -c %s "$SQL_A") / 2))
	{
		head -c "$half" "$SQL_A"
		printf '%-99s\n' "INSERT INTO acte VALUES (424242,'ajout','ligne inseree au milieu du fichier');"
		tail -c +$((half + 1)) "$SQL_A"
	} >"$SQL_B"
fi

run_tool() {
	local tool=$1 run=$2 b1 b2 b3 ref rr verdict
	W=$WORK/$tool
	REPO=$W/repo
	CACHEDIR=$W/cache
	rm -rf "$W"
	mkdir -p "$W"
	echo "$(date +%T) run $run, $tool: copying the corpus" >&2
	cp -a "$CORPUS" "$W/src" || die "copy of the corpus failed"
	if [ "$tool" = rempart-rest ]; then
		server_start "$W/server"
		REPO=$W/server/root/bench
	fi
	adapter "$tool"
	b1=$(bytes_of "$W/src")
	c_init
	timed "$tool" "$run" init 0 "${CMD[@]}" || {
		untimed "$tool" "$run" abort "init failed"
		server_stop
		rm -rf "$W"
		return 1
	}
	c_backup full "$W/src"
	timed "$tool" "$run" full "$b1" "${CMD[@]}"
	c_backup noop "$W/src"
	timed "$tool" "$run" noop "$b1" "${CMD[@]}"
	"$BENCH_SHARED/mutate-corpus.sh" "$W/src" >>"$LOGS/mutate.log" 2>&1 || die "mutate-corpus.sh failed"
	b2=$(bytes_of "$W/src")
	"${PY[@]}" manifest "$W/src" >"$W/manifest-day2.tsv"
	c_backup day2 "$W/src"
	timed "$tool" "$run" day2 "$b2" "${CMD[@]}"
	"$BENCH_SHARED/encrypt-corpus.sh" --in-place "$W/src" >>"$LOGS/encrypt.log" 2>&1 || die "encrypt-corpus.sh failed"
	b3=$(bytes_of "$W/src")
	c_backup ransom "$W/src"
	timed "$tool" "$run" ransom "$b3" "${CMD[@]}"
	rm -rf "$W/src" # the restore gets the disk to itself
	mkdir -p "$W/restore"
	ref=$(snapshot_ref "$tool" day2 "$run")
	# shellcheck disable=SC2086 # restic's reference is several words
	c_restore "$W/restore" ${ref:-no-day2-snapshot}
	timed "$tool" "$run" restore "$b2" "${CMD[@]}"
	sync_timed "$tool" "$run" restore-sync "$b2"
	case $tool in borg*) rr=$W/restore/${W#/}/src ;; *) rr=$W/restore$W/src ;; esac
	if [ -d "$rr" ]; then
		"${PY[@]}" manifest "$rr" >"$W/manifest-restored.tsv" 2>"$LOGS/$tool.r$run.manifest.err"
		verdict=$("${PY[@]}" compare "$W/manifest-day2.tsv" "$W/manifest-restored.tsv" | tr '\t\n' '  ' | cut -c1-600)
	else
		verdict="restored tree missing: $rr"
	fi
	untimed "$tool" "$run" verify "$verdict; day-2 manifest sha256 $(sha256sum <"$W/manifest-day2.tsv" | cut -c1-16)"
	rm -rf "$W/restore"
	c_check
	timed "$tool" "$run" check "$b2" "${CMD[@]}"
	c_check_data
	timed "$tool" "$run" check-data "$b2" "${CMD[@]}"
	if [ -n "$VID_A" ] && [ -n "$VID_B" ] && [ -n "$SQL_A" ]; then
		REPO=$W/dedup-repo
		[ "$tool" = rempart-rest ] && REPO=$W/server/root/dedup
		CACHEDIR=$W/dedup-cache
		adapter "$tool"
		c_init
		if timed "$tool" "$run" dedup-init 0 "${CMD[@]}"; then
			c_backup vA "$VID_A"
			timed "$tool" "$run" dedup-video-A "$(stat -c %s "$VID_A")" "${CMD[@]}"
			c_backup vB "$VID_B"
			timed "$tool" "$run" dedup-video-B "$(stat -c %s "$VID_B")" "${CMD[@]}"
			c_backup sA "$SQL_A"
			timed "$tool" "$run" dedup-sql-A "$(stat -c %s "$SQL_A")" "${CMD[@]}"
			c_backup sB "$SQL_B"
			timed "$tool" "$run" dedup-sql-B "$(stat -c %s "$SQL_B")" "${CMD[@]}"
		fi
	fi
	server_stop
	rm -rf "$W"
}

{
	echo "date: $(date -u +%FT%TZ)"
	echo "host: $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), Linux $(uname -r)"
	echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "rempart: $("$REMPART_BIN" version 2>&1 | head -n 1) (commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ', src modified'))"
	for t in $TOOLS; do
		case $t in
		restic) echo "restic: $(restic version 2>&1 | head -n 1)" ;;
		borg-lz4) echo "borg: $(borg --version 2>&1)" ;;
		esac
	done
	echo "corpus: \$BENCH_TMP/$(basename "$CORPUS"): $("${PY[@]}" stats "$CORPUS" | tr '\t' ' ')"
	echo "runs: $RUNS; tools: $TOOLS; page cache dropped before each timed step: $([ $CAN_DROP = 1 ] && echo yes || echo 'no (not root)')"
} >"$RESULTS/$NAME.env"
cat "$RESULTS/$NAME.env" >&2

if [ "$LIMITS" = 1 ]; then
	echo "$(date +%T) limits" >&2
	export SIZE_MIB CORPUS BENCH_TMP BENCH_SHARED RUNS
	OUT="$RESULTS/limits-${SIZE_MIB}M.tsv" "$ROOT/bench/limits.sh" || echo "bench: limits.sh failed" >&2
fi
if [ "$PIPELINE" = 1 ]; then
	PB=$(dirname "$REMPART_BIN")/pipeline-bench
	if [ -x "$PB" ]; then
		echo "$(date +%T) pipeline-bench (one thread, load $(load1))" >&2
		"$PB" "$CORPUS" >"$RESULTS/pipeline-${SIZE_MIB}M.tsv" || echo "bench: pipeline-bench failed" >&2
	else
		echo "bench: $PB missing (make bench-tools), pipeline figures skipped" >&2
	fi
fi

read -r -a TOOL_LIST <<<"$TOOLS"
NT=${#TOOL_LIST[@]}
for run in $(seq 1 "$RUNS"); do
	# rotate the order so that no tool always runs first (or last) on a warming machine
	for i in $(seq 0 $((NT - 1))); do
		run_tool "${TOOL_LIST[$(((i + run - 1) % NT))]}" "$run"
	done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/$NAME.env"
python3 "$ROOT/bench/summarize.py" "$OUT"
