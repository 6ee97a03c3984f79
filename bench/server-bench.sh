#!/usr/bin/env bash
# server-bench.sh - rest: over loopback against a local repository on the
# same disk (the project's target: rest: at >= 80% of local), and
# small-object GET requests per second with wrk.  Not part of the tests.
#
#   bench/server-bench.sh [FILES [MIB_PER_FILE [THREADS]]]   (default 48 16 4)
#
# BENCH_DIR chooses where the repositories go (default: a temporary folder
# under TMPDIR); put it on the disk you care about.  When the rempart
# binary has the engine (init/backup/restore), the same comparison is made
# for whole backups and restores of BENCH_CORPUS (default: a generated
# 1 GiB tree), RUNS times interleaved (default 3), reporting medians.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/serve.sh"
cd "$ROOT"
FILES=${1:-48}
MIB=${2:-16}
THREADS=${3:-4}
make --no-print-directory all >/dev/null
BIN=${REMPART_BIN:-$ROOT/build/rempart}
B=$ROOT/build/bench
mkdir -p "$B"
# shellcheck disable=SC2046
cc -std=c17 -D_GNU_SOURCE -O2 -pthread -Isrc -o "$B/store_bench" bench/store_bench.c build/librempart.a \
	$(pkg-config --libs libzstd libsodium libcrypto libcurl libmicrohttpd libarchive) -lm
W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/rempart-server-bench.XXXXXX")
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

echo "# $FILES files of $MIB MiB, $THREADS threads, in $W ($(df -T "$W" | awk 'NR == 2 {print $2}'))"
echo "# local repository"
"$B/store_bench" "$W/local" "$FILES" "$MIB" "$THREADS" | tee "$W/local.txt"

TOKEN=$("$BIN" serve token add bench append --tokens "$W/tokens" 2>/dev/null)
serve_start "$BIN" "$W"
PORT=$SRV_PORT
echo "# rest: through rempart serve on 127.0.0.1:$PORT"
REMPART_TOKEN=$TOKEN "$B/store_bench" "rest:http://127.0.0.1:$PORT/bench" "$FILES" "$MIB" "$THREADS" | tee "$W/rest.txt"
echo "# rest: / local"
join "$W/local.txt" "$W/rest.txt" | awk '{printf "%-6s %5.0f%%  (%s vs %s MiB/s)\n", $1, 100 * $3 / $2, $3, $2}'

if command -v wrk >/dev/null; then
	head -c 1024 /dev/urandom >"$W/small"
	H=$(sha256sum "$W/small" | cut -c1-64)
	curl -s -o /dev/null -X PUT --data-binary @"$W/small" -H "Authorization: Bearer $TOKEN" \
		"http://127.0.0.1:$PORT/bench/keys/$H"
	echo "# wrk: GET of a 1 KiB file, 2 threads, 32 connections, 5 s (server log to /dev/null)"
	kill "$SRV"
	wait "$SRV" 2>/dev/null || true
	"$BIN" serve --root "$W/root" --listen "127.0.0.1:$PORT" --tokens "$W/tokens" 2>/dev/null &
	SRV=$!
	for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done
	wrk -t2 -c32 -d5s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/bench/keys/$H" |
		grep -E "Requests/sec|Latency|Non-2xx"
fi

# ---- whole backups and restores, when the engine is there ----
if ! "$BIN" help 2>&1 | grep -q backup; then
	echo "# (this rempart has no backup command yet: engine comparison skipped)"
	exit 0
fi
RUNS=${RUNS:-3}
CORPUS=${BENCH_CORPUS:-}
if [ -z "$CORPUS" ]; then
	CORPUS=$W/corpus
	python3 - "$CORPUS" <<'EOF'
import os, random, sys
random.seed(7)
root = sys.argv[1]
for d in range(16):
    os.makedirs(f"{root}/d{d}", exist_ok=True)
    for f in range(32):
        n = random.randint(100_000, 4_000_000)
        with open(f"{root}/d{d}/f{f}.bin", "wb") as fh:
            if f % 3 == 0:   # text that compresses
                fh.write((("registre %d de la mairie, ligne %d; " % (d, f)) * (n // 30 + 1)).encode()[:n])
            else:            # data that does not
                fh.write(os.urandom(n))
EOF
fi
export REMPART_PASSWORD=bench
TOKEN2=$("$BIN" serve token add bench2 append --tokens "$W/tokens" 2>/dev/null)
REST=rest:http://127.0.0.1:$PORT/bench2
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>"$W/cmd.err" || { cat "$W/cmd.err" >&2; return 1; }
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "# engine: $(du -sh "$CORPUS" | cut -f1) corpus, $RUNS runs each, interleaved"
: >"$W/bl"
: >"$W/br"
: >"$W/rl"
: >"$W/rr"
for _ in $(seq 1 "$RUNS"); do
	rm -rf "$W/repo" "$W/root/bench2" "$W/out"
	"$BIN" -r "$W/repo" init >/dev/null 2>&1
	REMPART_TOKEN=$TOKEN2 "$BIN" -r "$REST" init >/dev/null 2>&1
	sync
	secs "$BIN" -r "$W/repo" backup "$CORPUS" >>"$W/bl"
	sync
	REMPART_TOKEN=$TOKEN2 secs "$BIN" -r "$REST" backup "$CORPUS" >>"$W/br"
	sync
	secs "$BIN" -r "$W/repo" restore latest --target "$W/out/l" >>"$W/rl"
	sync
	REMPART_TOKEN=$TOKEN2 secs "$BIN" -r "$REST" restore latest --target "$W/out/r" >>"$W/rr"
done
bl=$(median <"$W/bl")
br=$(median <"$W/br")
rl=$(median <"$W/rl")
rr=$(median <"$W/rr")
printf 'backup   local %6.2f s   rest %6.2f s   rest: at %3.0f%% of local throughput\n' "$bl" "$br" "$(awk -v a="$bl" -v b="$br" 'BEGIN {print 100 * a / b}')"
printf 'restore  local %6.2f s   rest %6.2f s   rest: at %3.0f%% of local throughput\n' "$rl" "$rr" "$(awk -v a="$rl" -v b="$rr" 'BEGIN {print 100 * a / b}')"
