#!/usr/bin/env bash
# hostile_clients.sh - malformed HTTP, oversized headers and bodies, slow
# clients (headers and bodies), 1,000 connection attempts: the server
# refuses or cuts them, stays up, and keeps serving the other clients.
set -u
. "$(dirname "$0")/lib/server_common.sh"
H="python3 $(dirname "$0")/lib/hostile.py"

A=$(new_token donges append)
MET=$(new_token '*' metrics)
start_server --timeout 2 --max-connections 64 --max-body-bytes 1M --threads 4 || { notok "server starts"; exit 1; }
head -c 300 /dev/urandom >"$T/config.bin"
expect_eq "a first config is stored" 201 "$(put "$A" "$T/config.bin" /donges/config)"
before=$(fingerprint "$SROOT/donges")
alive() { [ "$(code "$A" "$URL/donges/config")" = 200 ]; }

# malformed requests: each is answered 4xx or the connection is closed
bad=""
while read -r name st; do
	case $st in 4??|505|closed) ;; *) bad="$bad $name=$st" ;; esac
done < <($H "$PORT" "$A" malformed)
if [ -z "$bad" ]; then ok "16 kinds of malformed HTTP are refused"; else notok "malformed HTTP refused (got:$bad)"; fi
check "the server serves after malformed requests" alive

st=$($H "$PORT" "$A" bigheader 1000000)
case $st in 431|413|400|closed) ok "a 1 MB header is refused ($st)" ;; *) notok "a 1 MB header is refused (got $st)" ;; esac
st=$($H "$PORT" "$A" manyheaders 20000)
case $st in 431|413|400|closed) ok "20,000 headers are refused ($st)" ;; *) notok "20,000 headers are refused (got $st)" ;; esac
check "the server serves after oversized headers" alive

# oversized bodies: announced (413 before the body is sent) or chunked (cut)
head -c 2000000 /dev/urandom >"$T/big.bin"
p=$(obj_path data "$T/big.bin")
expect_eq "a body announced larger than --max-body-bytes is refused" 413 "$(put "$A" "$T/big.bin" "/donges/$p")"
st=$(code "$A" -X PUT -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.bin" "$URL/donges/$p")
# the connection is closed mid-body: curl reports the last status it saw
case $st in 413|000|100) ok "a chunked body that grows too large is cut ($st)" ;; *) notok "chunked oversized body (got $st)" ;; esac
expect_eq "nothing stored under its name" 404 "$(code "$A" "$URL/donges/$p")"
check "the server serves after oversized bodies" alive

# slowloris: 30 clients dribbling header bytes are cut after --timeout,
# while a normal client is served meanwhile
$H "$PORT" "$A" slowloris 30 8 >"$T/slow.out" &
slow_pid=$!
BG_PIDS+=("$slow_pid")
served=0
for i in 1 2 3 4 5; do alive && served=$((served + 1)); done
wait "$slow_pid"
read -r longest still <"$T/slow.out"
expect_eq "normal requests are served while 30 slowloris clients hold connections" 5 "$served"
if [ "$still" = 0 ] && awk -v l="$longest" 'BEGIN {exit !(l < 5)}'; then
	ok "slowloris connections are cut after the header deadline (longest ${longest}s)"
else
	notok "slowloris connections are cut (longest ${longest}s, $still still open)"
fi

# a body trickling in slower than the minimum rate is cut; nothing visible
out=$($H "$PORT" "$A" slowbody "/donges/data/00/$(printf '0%.0s' $(seq 64))" 10)
case $out in *cut) ok "a body sent at 20 bytes/s is cut ($out)" ;; *) notok "a trickling body is cut (got $out)" ;; esac

# 1,000 connection attempts (half-sent requests, garbage, silence) while a
# normal client keeps working
$H "$PORT" "$A" flood 1000 50 >"$T/flood.out" &
flood_pid=$!
BG_PIDS+=("$flood_pid")
served=0 tries=0
head -c 5000 /dev/urandom >"$T/during.bin"
while kill -0 "$flood_pid" 2>/dev/null && [ $tries -lt 200 ]; do
	tries=$((tries + 1))
	[ "$(code "$A" "$URL/donges/config")" = 200 ] && served=$((served + 1))
done
wait "$flood_pid"
accepted=$(cat "$T/flood.out")
if [ "$served" = "$tries" ] && [ "$tries" -gt 0 ]; then
	ok "all $tries normal requests were served during 1,000 connection attempts ($accepted connected)"
else
	notok "normal requests during the flood ($served of $tries served)"
fi
expect_eq "an upload right after the flood works" 201 "$(put "$A" "$T/during.bin" "/donges/$(obj_path data "$T/during.bin")")"

# more idle connections than --max-connections: they are closed after the
# deadline, so the slots come back
$H "$PORT" "$A" hold 100 7 >"$T/hold.out" &
hold_pid=$!
BG_PIDS+=("$hold_pid")
wait_for "the idle connections to be open" 5 grep -q opened "$T/hold.out"
got=""
for i in $(seq 1 20); do
	got=$(code "$A" --max-time 10 "$URL/donges/config")
	[ "$got" = 200 ] && break
done
expect_eq "a normal request gets through while 100 idle connections compete for 64 slots" 200 "$got"
wait "$hold_pid"
closed=$(awk '/closed/ {print $2}' "$T/hold.out")
if [ "${closed:-0}" -ge 90 ]; then ok "the server closed $closed idle connections by itself"; else notok "idle connections closed by the server (got $closed)"; fi

expect_eq "stored files are unchanged, plus the one legitimate upload" \
	"$(printf '%s\n%s' "$before" "$(cd "$SROOT/donges" && sha256sum "./$(obj_path data "$T/during.bin")")" | sort)" \
	"$(fingerprint "$SROOT/donges" | sort)"
tmpfiles=$(find "$SROOT" -path '*/.rempart/tmp/*' -type f | wc -l)
expect_eq "no temporary upload left behind" 0 "$tmpfiles"
check "the server is still up and exits cleanly" stop_server
finish
