#!/usr/bin/env bash
# server-bench.sh - rest: over loopback against a local repository on the
# same disk (the project's target: rest: at >= 80% of local), and
# small-object GET requests per second with wrk.  Not part of the tests.
#
#   bench/server-bench.sh [FILES [MIB_PER_FILE [THREADS]]]   (default 48 16 4)
#
# BENCH_DIR chooses where the repositories go (default: a temporary folder
# under TMPDIR); put it on the disk you care about.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FILES=${1:-48}
MIB=${2:-16}
THREADS=${3:-4}
make --no-print-directory all >/dev/null
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

mkdir -p "$W/root"
TOKEN=$(build/rempart serve token add bench append --tokens "$W/tokens" 2>/dev/null)
build/rempart serve --root "$W/root" --listen 127.0.0.1:0 --tokens "$W/tokens" 2>"$W/server.log" &
SRV=$!
for _ in $(seq 1 100); do
	PORT=$(sed -n 's|^rempart serve: serving .* on http://127.0.0.1:\([0-9]*\)$|\1|p' "$W/server.log")
	[ -n "$PORT" ] && break
	sleep 0.05
done
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
	build/rempart serve --root "$W/root" --listen 127.0.0.1:$PORT --tokens "$W/tokens" 2>/dev/null &
	SRV=$!
	for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done
	wrk -t2 -c32 -d5s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/bench/keys/$H" |
		grep -E "Requests/sec|Latency|Non-2xx"
fi
