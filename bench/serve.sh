# shellcheck shell=bash
# serve.sh - sourced by the bench scripts: `rempart serve` on 127.0.0.1.
#
# serve_start BIN DIR [LOG]: serves DIR/root with the tokens of DIR/tokens
# on a port the system picks, the log in LOG (default DIR/server.log); sets
# SRV (its pid) and SRV_PORT.  Returns 1, with the log's last lines on
# stderr, when the server did not say it was serving within 10 s.
serve_start() {
	local bin=$1 dir=$2 log=${3:-$2/server.log}
	mkdir -p "$dir/root"
	SRV_PORT=
	"$bin" serve --root "$dir/root" --listen 127.0.0.1:0 --tokens "$dir/tokens" 2>"$log" &
	SRV=$!
	for _ in $(seq 1 200); do
		SRV_PORT=$(sed -n 's|^rempart serve: serving .* on http://127.0.0.1:\([0-9]*\)$|\1|p' "$log")
		[ -n "$SRV_PORT" ] && return 0
		sleep 0.05
	done
	echo "rempart serve did not start: $(tail -n 3 "$log")" >&2
	return 1
}

# serve_stop: stops the server serve_start started (if any).
serve_stop() {
	[ -n "${SRV:-}" ] || return 0
	kill "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=
}
