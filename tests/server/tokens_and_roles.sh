#!/usr/bin/env bash
# tokens_and_roles.sh - `rempart serve token add|list|remove`, what each
# role may do over raw HTTP, tokens reloaded while the server runs,
# /metrics access, and the server's own refusals at start.
set -u
. "$(dirname "$0")/lib/server_common.sh"

A=$(new_token donges append)
expect_eq "token add prints one token on stdout" 1 "$(echo "$A" | grep -cE '^rpt_[0-9a-f]{64}$')"
R=$(new_token donges read)
ADM=$(new_token donges admin)
MET=$(new_token '*' metrics)
check "the tokens file holds no token, only hashes" sh -c "! grep -q '${A#rpt_}' '$TOKENS' && ! grep -q '${R#rpt_}' '$TOKENS'"
expect_eq "the tokens file is private (0600)" 600 "$(stat -c %a "$TOKENS")"
"$REMPART_BIN" serve token list --tokens "$TOKENS" >"$T/list.txt"
expect_eq "token list shows the four tokens" 4 "$(grep -cE '^[0-9a-f]{16} ' "$T/list.txt")"
"$REMPART_BIN" serve token list --tokens "$TOKENS" --json >"$T/list.json"
check "token list --json is JSON with ids, tenants and roles" python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert sorted(x["role"] for x in v) == ["admin", "append", "metrics", "read"]
assert all(len(x["id"]) == 16 and x["tenant"] in ("donges", "*") for x in v)' "$T/list.json"
check "a bad tenant name is refused" sh -c "! '$REMPART_BIN' serve token add '../x' append --tokens '$TOKENS' 2>/dev/null"
check "an unknown role is refused" sh -c "! '$REMPART_BIN' serve token add donges owner --tokens '$TOKENS' 2>/dev/null"
check "a metrics token must cover every tenant" sh -c "! '$REMPART_BIN' serve token add donges metrics --tokens '$TOKENS' 2>/dev/null"

start_server --timeout 10 || { notok "server starts"; exit 1; }
head -c 5000 /dev/urandom >"$T/f.bin"
p=$(obj_path data "$T/f.bin")
expect_eq "read token: cannot create" 403 "$(put "$R" "$T/f.bin" "/donges/$p")"
expect_eq "append token: creates" 201 "$(put "$A" "$T/f.bin" "/donges/$p")"
expect_eq "read token: reads" 200 "$(code "$R" "$URL/donges/$p")"
expect_eq "read token: HEAD" 200 "$(code "$R" -I "$URL/donges/$p")"
expect_eq "read token: lists" 200 "$(code "$R" "$URL/donges/data/")"
expect_eq "read token: cannot delete" 403 "$(code "$R" -X DELETE "$URL/donges/$p")"
expect_eq "append token: cannot delete" 403 "$(code "$A" -X DELETE "$URL/donges/$p")"
curl -s -X DELETE -H "Authorization: Bearer $A" "$URL/donges/$p" >"$T/why.txt"
check "the refusal says an admin token is needed" grep -q "admin token" "$T/why.txt"
expect_eq "metrics token: no repository access" 403 "$(code "$MET" "$URL/donges/$p")"
expect_eq "admin token: deletes" 204 "$(code "$ADM" -X DELETE "$URL/donges/$p")"
expect_eq "deleted means gone" 404 "$(code "$R" "$URL/donges/$p")"
expect_eq "no token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/donges/config")"
expect_eq "a wrong token: 401" 401 "$(code "rpt_$(printf '0%.0s' $(seq 64))" "$URL/donges/config")"
expect_eq "another scheme: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -u donges:"$A" "$URL/donges/config")"

# ranges
head -c 1000 /dev/urandom >"$T/r.bin"
pr=$(obj_path keys "$T/r.bin")
put "$A" "$T/r.bin" "/donges/$pr" >/dev/null
curl -s -H "Authorization: Bearer $R" -H 'Range: bytes=100-199' "$URL/donges/$pr" -o "$T/part.bin"
check "Range: bytes=100-199 gives those 100 bytes" cmp -s "$T/part.bin" <(tail -c +101 "$T/r.bin" | head -c 100)
curl -s -H "Authorization: Bearer $R" -H 'Range: bytes=-10' "$URL/donges/$pr" -o "$T/part.bin"
check "Range: bytes=-10 gives the last 10 bytes" cmp -s "$T/part.bin" <(tail -c 10 "$T/r.bin")
expect_eq "a range past the end: 416" 416 "$(code "$R" -H 'Range: bytes=5000-' "$URL/donges/$pr")"
expect_eq "HEAD gives the size" 1000 "$(curl -s -I -H "Authorization: Bearer $R" "$URL/donges/$pr" | tr -d '\r' | awk 'tolower($1) == "content-length:" {print $2}')"

# metrics
expect_eq "/metrics without a token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")"
curl -s -H "Authorization: Bearer $MET" "$URL/metrics" >"$T/m.txt"
check "metrics: requests per tenant, method and status" grep -q '^rempart_requests_total{tenant="donges",method="PUT",status="201"} 2$' "$T/m.txt"
check "metrics: bytes received per tenant" grep -q '^rempart_received_bytes_total{tenant="donges"} 6000$' "$T/m.txt"
check "metrics: unauthenticated requests under tenant \"-\"" grep -q '^rempart_requests_total{tenant="-",method="GET",status="401"}' "$T/m.txt"
check "metrics: process gauges for the metrics token" grep -q '^rempart_connections_open ' "$T/m.txt"

# tokens change while the server runs
N=$(new_token vue append)
works() { [ "$(code "$N" "$URL/vue/data/")" = 200 ]; }
check "a token added while the server runs works within seconds" wait_for "the new token" 5 works
id=$("$REMPART_BIN" serve token list --tokens "$TOKENS" | awk '$2 == "vue" {print $1}')
"$REMPART_BIN" serve token remove "$id" --tokens "$TOKENS" 2>/dev/null
gone() { [ "$(code "$N" "$URL/vue/data/")" = 401 ]; }
check "a removed token stops working within seconds" wait_for "the token to go" 5 gone
check "removing an unknown id fails" sh -c "! '$REMPART_BIN' serve token remove 0000000000000000 --tokens '$TOKENS' 2>/dev/null"
cp "$TOKENS" "$T/tokens.good"
echo "this line is broken" >>"$TOKENS"
kill -HUP "$SRV_PID"
check "a broken tokens file is reported" wait_for "the log" 5 grep -q "keeping the previous tokens" "$T/server.log"
expect_eq "and the previous tokens stay in force" 200 "$(code "$A" "$URL/donges/data/")"
check "token add refuses to edit a broken file" sh -c "! '$REMPART_BIN' serve token add donges read --tokens '$TOKENS' 2>/dev/null"
cp "$T/tokens.good" "$TOKENS"

# refusals at start
check "a second server on the same root is refused" sh -c "! '$REMPART_BIN' serve --root '$SROOT' --listen 127.0.0.1:0 --tokens '$TOKENS' 2>'$T/second.log'"
check "and says why" grep -q "already serving" "$T/second.log"
mkdir -p "$T/other"
check "a port in use is refused" sh -c "! '$REMPART_BIN' serve --root '$T/other' --listen 127.0.0.1:$PORT --tokens '$TOKENS' 2>'$T/third.log'"
check "and says why" grep -q "cannot bind" "$T/third.log"
check "a missing tokens file is refused" sh -c "! '$REMPART_BIN' serve --root '$T/other' --listen 127.0.0.1:0 --tokens '$T/nope' 2>/dev/null"
check "unknown options are refused" sh -c "! '$REMPART_BIN' serve --root '$T/other' --listen 127.0.0.1:0 --tokens '$TOKENS' --bogus 2>/dev/null"
check "the log has one line per request with tenant, role, method, object, status, bytes and ms" \
	grep -qE "^[0-9T:.-]+Z tenant=donges role=append method=PUT object=/donges/$pr status=201 in=1000 out=[0-9]+ ms=[0-9.]+ " "$T/server.log"
check "the server exits cleanly" stop_server
finish
