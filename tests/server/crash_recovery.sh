#!/usr/bin/env bash
# crash_recovery.sh - a server killed with SIGKILL in the middle of an
# upload leaves no visible partial file and serves again once restarted; a
# client killed mid-upload leaves nothing visible; SIGTERM lets the
# transfers in flight finish before the server exits.
set -u
. "$(dirname "$0")/lib/server_common.sh"

A=$(new_token donges append)
MET=$(new_token '*' metrics)
start_server --timeout 10 || { notok "server starts"; exit 1; }
head -c 30000000 /dev/urandom >"$T/big.bin"
P=$(obj_path data "$T/big.bin")
inflight() { metric "$MET" rempart_requests_in_flight; }
# the metrics request counts itself: 2 means one other request is running
busy() { [ "$(inflight)" -ge 2 ] 2>/dev/null; }
idle() { [ "$(inflight)" = 1 ]; }

# SIGKILL of the server during an upload
curl -s -o /dev/null --limit-rate 5M -X PUT -H "Authorization: Bearer $A" --data-binary @"$T/big.bin" \
	"$URL/donges/$P" &
up=$!
BG_PIDS+=("$up")
check "an upload is in flight" wait_for "the upload" 10 busy
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
SRV_PID=
wait "$up" 2>/dev/null
check "nothing visible under the name after SIGKILL" test ! -e "$SROOT/donges/$P"
leftover=$(find "$SROOT/donges" -path "$SROOT/donges/.rempart" -prune -o -type f -print | wc -l)
expect_eq "no partial file anywhere in the repository" 0 "$leftover"
# a stale temporary file as the named-file fallback would leave it
echo partial >"$SROOT/donges/.rempart/tmp/up-0123456789abcdef01234567"
WANT_PORT=$PORT start_server --timeout 10 || { notok "server restarts on the same port"; exit 1; }
ok "the server restarts on the same port"
check "the restarted server removed the stale temporary upload" test ! -e "$SROOT/donges/.rempart/tmp/up-0123456789abcdef01234567"
expect_eq "the interrupted upload succeeds when retried" 201 "$(put "$A" "$T/big.bin" "/donges/$P")"
curl -s -H "Authorization: Bearer $A" "$URL/donges/$P" -o "$T/back.bin"
check "and reads back intact" cmp -s "$T/back.bin" "$T/big.bin"

# a client killed in the middle of its upload
head -c 20000000 /dev/urandom >"$T/second.bin"
P2=$(obj_path data "$T/second.bin")
curl -s -o /dev/null --limit-rate 4M -X PUT -H "Authorization: Bearer $A" --data-binary @"$T/second.bin" \
	"$URL/donges/$P2" &
up=$!
BG_PIDS+=("$up")
check "a second upload is in flight" wait_for "the upload" 10 busy
kill -9 "$up"
wait "$up" 2>/dev/null
check "the server notices the client is gone" wait_for "the server" 10 idle
expect_eq "nothing visible under its name" 404 "$(code "$A" "$URL/donges/$P2")"
check "the log records the aborted upload" grep -q "object=/donges/$P2 status=499" "$T/server.log"
leftover=$(find "$SROOT/donges" -type f -newer "$T/second.bin" ! -path '*/.rempart/*' | wc -l)
expect_eq "no file was left behind" 0 "$leftover"

# SIGTERM while a download and an upload are in flight: both complete
curl -s --limit-rate 15M -H "Authorization: Bearer $A" "$URL/donges/$P" -o "$T/slow.bin" &
down=$!
curl -s -o /dev/null -w '%{http_code}' --limit-rate 10M -X PUT -H "Authorization: Bearer $A" \
	--data-binary @"$T/second.bin" "$URL/donges/$P2" >"$T/up.status" &
up=$!
BG_PIDS+=("$down" "$up")
check "a download and an upload are in flight" wait_for "two transfers" 10 \
	sh -c "[ \"\$(curl -s -H 'Authorization: Bearer $MET' $URL/metrics | awk '\$1 == \"rempart_requests_in_flight\" {print \$2}')\" -ge 3 ]"
kill -TERM "$SRV_PID"
refused() { ! curl -s -o /dev/null --max-time 2 "$URL/metrics"; }
check "new connections are refused once SIGTERM is received" wait_for "the listener to close" 5 refused
wait "$down"
rc_down=$?
wait "$up"
rc_up=$?
rc_srv=0
wait "$SRV_PID" || rc_srv=$?
SRV_PID=
expect_eq "the download in flight completes" 0 "$rc_down"
check "with every byte" cmp -s "$T/slow.bin" "$T/big.bin"
expect_eq "the upload in flight completes and is acknowledged" "0 201" "$rc_up $(cat "$T/up.status")"
check "and is stored" cmp -s "$SROOT/donges/$P2" "$T/second.bin"
expect_eq "the server exits with status 0" 0 "$rc_srv"
check "the server says it stopped" grep -q "rempart serve: stopped" "$T/server.log"
finish
