# server_common.sh - helpers shared by the tests/server/*.sh scripts
# (sourced, not run).  Each script gets its own temporary folder, a tokens
# file, and a server on 127.0.0.1 at a port the kernel picks; everything
# is stopped and removed on exit.

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
REMPART_BIN=${REMPART_BIN:-$ROOT_DIR/build/rempart}
case $REMPART_BIN in /*) ;; *) REMPART_BIN=$ROOT_DIR/$REMPART_BIN ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/rempart-server-test.XXXXXX")
TOKENS=$T/tokens.conf
SROOT=$T/root
mkdir -p "$SROOT"
SRV_PID=
PORT=
URL=
FAILED=0
BG_PIDS=()

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	if [ -n "$SRV_PID" ]; then kill -9 "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; fi
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; FAILED=$((FAILED + 1)); }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
# expect_eq DESCRIPTION WANT GOT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (wanted '$2', got '$3')"; fi
}

# new_token TENANT ROLE: prints a fresh token
new_token() {
	"$REMPART_BIN" serve token add "$1" "$2" --tokens "$TOKENS" 2>/dev/null
}

# start_server [EXTRA OPTIONS]: starts the server, waits until it listens
start_server() {
	: >"$T/server.log"
	"$REMPART_BIN" serve --root "$SROOT" --listen 127.0.0.1:${WANT_PORT:-0} --tokens "$TOKENS" "$@" \
		2>>"$T/server.log" &
	SRV_PID=$!
	local i
	for i in $(seq 1 200); do
		PORT=$(sed -n 's|^rempart serve: serving .* on https*://127.0.0.1:\([0-9]*\)$|\1|p' "$T/server.log")
		[ -n "$PORT" ] && break
		if ! kill -0 "$SRV_PID" 2>/dev/null; then
			cat "$T/server.log" >&2
			return 1
		fi
		sleep 0.05
	done
	[ -n "$PORT" ] || return 1
	URL=http://127.0.0.1:$PORT
}

# stop_server: SIGTERM and wait; returns the server's exit status
stop_server() {
	local rc=0
	kill -TERM "$SRV_PID" 2>/dev/null
	wait "$SRV_PID" || rc=$?
	SRV_PID=
	return $rc
}

sha() { sha256sum "$1" | cut -c1-64; }

# code TOKEN CURL-ARGS...: prints the HTTP status of one request (000 when
# the connection failed)
code() {
	local tok=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H "Authorization: Bearer $tok" "$@"
}

# put TOKEN FILE URLPATH: uploads FILE, prints the status
put() {
	code "$1" -X PUT --data-binary @"$2" "$URL$3"
}

# obj_path FOLDER FILE: the repository path FILE gets in FOLDER
obj_path() {
	local h
	h=$(sha "$2")
	if [ "$1" = data ]; then echo "data/${h:0:2}/$h"; else echo "$1/$h"; fi
}

# fingerprint DIR: one line per visible file with its hash (sorted)
fingerprint() {
	(cd "$1" && find . -path ./.rempart -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# metric TOKEN NAME: value of an unlabeled metric
metric() {
	curl -s --max-time 5 -H "Authorization: Bearer $1" "$URL/metrics" | awk -v n="$2" '$1 == n {print $2}'
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls until COMMAND succeeds
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for i in $(seq 1 $((secs * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	echo "# timed out waiting for $what" >&2
	return 1
}

finish() {
	[ "$FAILED" = 0 ]
}
