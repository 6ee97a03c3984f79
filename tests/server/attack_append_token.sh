#!/usr/bin/env bash
# attack_append_token.sh - what ransomware holding a town's append token can
# try with raw HTTP: delete, overwrite, truncate, rename, write garbage over
# every kind of repository file, reach another tenant, escape the tenant's
# folder with every path trick, follow symlinks planted in the root.  Every
# attempt must be refused with the documented status, and every stored file
# must be byte-identical afterwards.
set -u
. "$(dirname "$0")/lib/server_common.sh"

A=$(new_token donges append)   # the stolen token
A2=$(new_token donges append)  # the same town's other machine
ADM=$(new_token donges admin)
V=$(new_token vue append)
EVIL=$(new_token evil append)
MET=$(new_token '*' metrics)
start_server --timeout 10 || { notok "server starts"; exit 1; }

# one file of every kind in each tenant, written by the legitimate client
mkfile() { head -c "$2" /dev/urandom >"$T/$1"; }
declare -A P
for kind in keys data index snapshots locks; do
	mkfile "$kind.bin" $((1000 + RANDOM))
	P[$kind]=$(obj_path $kind "$T/$kind.bin")
done
mkfile config.bin 300
P[config]=config
mkfile lock2.bin 200
P[lock2]=$(obj_path locks "$T/lock2.bin")
all_ok=1
for kind in keys data index snapshots locks config; do
	[ "$(put "$A" "$T/$kind.bin" "/donges/${P[$kind]}")" = 201 ] || all_ok=0
	[ "$(put "$V" "$T/$kind.bin" "/vue/${P[$kind]}")" = 201 ] || all_ok=0
done
[ "$(put "$A2" "$T/lock2.bin" "/donges/${P[lock2]}")" = 201 ] || all_ok=0
expect_eq "legitimate uploads of every kind of file are accepted" 1 "$all_ok"
before_d=$(fingerprint "$SROOT/donges")
before_v=$(fingerprint "$SROOT/vue")

# expect_all STATUS DESCRIPTION: every status in $GOT must equal STATUS
expect_all() {
	local bad=""
	for g in $GOT; do [ "${g#*=}" = "$1" ] || bad="$bad $g"; done
	if [ -z "$bad" ]; then ok "$2 -> $1"; else notok "$2 -> $1 (got:$bad)"; fi
}

GOT=""
for kind in keys data index snapshots config lock2; do
	GOT="$GOT $kind=$(code "$A" -X DELETE "$URL/donges/${P[$kind]}")"
done
expect_all 403 "DELETE of every kind of file (and of another client's lock)"

GOT=""
mkfile garbage.bin 5000
head -c 10 "$T/data.bin" >"$T/short.bin"
for kind in keys data index snapshots locks config; do
	GOT="$GOT same-$kind=$(put "$A" "$T/$kind.bin" "/donges/${P[$kind]}")"
	GOT="$GOT garbage-$kind=$(put "$A" "$T/garbage.bin" "/donges/${P[$kind]}")"
	GOT="$GOT empty-$kind=$(code "$A" -X PUT --data-binary '' "$URL/donges/${P[$kind]}")"
	GOT="$GOT truncate-$kind=$(put "$A" "$T/short.bin" "/donges/${P[$kind]}")"
	GOT="$GOT chunked-$kind=$(code "$A" -X PUT -H 'Transfer-Encoding: chunked' --data-binary @"$T/garbage.bin" "$URL/donges/${P[$kind]}")"
done
expect_all 409 "PUT over existing files (same bytes, garbage, empty, truncated, chunked)"

GOT=""
for m in MOVE COPY PATCH POST PROPPATCH OPTIONS TRACE MKCOL LOCK; do
	for kind in data config locks; do
		GOT="$GOT $m-$kind=$(code "$A" -X $m -H "Destination: $URL/donges/${P[keys]}" "$URL/donges/${P[$kind]}")"
	done
done
expect_all 405 "rename/copy/patch/post and other methods"
GOT="patch-with-body=$(code "$A" -X PATCH --data-binary @"$T/garbage.bin" "$URL/donges/${P[data]}")"
GOT="$GOT post-with-body=$(code "$A" -X POST --data-binary @"$T/garbage.bin" "$URL/donges/${P[index]}")"
expect_all 405 "PATCH/POST with a body"

# garbage under new names: the name is not the content's hash
GOT=""
h=$(sha "$T/data.bin")
other=$(sha "$T/keys.bin")
for kind in keys index snapshots locks; do
	GOT="$GOT $kind=$(put "$A" "$T/garbage.bin" "/donges/$kind/$other$RANDOM" )"
done
expect_all 400 "PUT of malformed names"
GOT=""
for kind in keys index snapshots locks; do
	fake=$(printf '%064d' $RANDOM)
	GOT="$GOT $kind=$(put "$A" "$T/garbage.bin" "/donges/$kind/$fake")"
done
fake=$(printf '%064d' $RANDOM)
GOT="$GOT data=$(put "$A" "$T/garbage.bin" "/donges/data/${fake:0:2}/$fake")"
g=$(sha "$T/garbage.bin")
GOT="$GOT data-wrong-folder=$(put "$A" "$T/garbage.bin" "/donges/data/zz/$g")"
wrong=$(printf '%02x' $(( (16#${g:0:2} + 1) % 256 )))
GOT="$GOT data-other-folder=$(put "$A" "$T/garbage.bin" "/donges/data/$wrong/$g")"
GOT="$GOT uppercase=$(put "$A" "$T/garbage.bin" "/donges/keys/$(echo "$g" | tr a-f A-F)")"
expect_all 400 "PUT of content that does not match its name, in every folder"

# another tenant's repository, whatever the token
GOT=""
for kind in keys data config locks; do
	GOT="$GOT get-$kind=$(code "$A" "$URL/vue/${P[$kind]}")"
	GOT="$GOT put-$kind=$(put "$A" "$T/garbage.bin" "/vue/$(obj_path ${kind/config/keys} "$T/garbage.bin")")"
	GOT="$GOT del-$kind=$(code "$A" -X DELETE "$URL/vue/${P[$kind]}")"
	GOT="$GOT admin-del-$kind=$(code "$ADM" -X DELETE "$URL/vue/${P[$kind]}")"
done
GOT="$GOT list=$(code "$A" "$URL/vue/data/") metrics-token=$(code "$MET" "$URL/vue/config")"
expect_all 403 "another tenant's files, with an append, admin or metrics token"

# path traversal in every form: nothing but the grammar gets through
GOT=""
i=0
for p in "/donges/../vue/config" "/donges/%2e%2e/vue/config" "/donges/%2E%2E/vue/config" \
	"/donges/keys/..%2f..%2fvue%2fconfig" "/donges/keys%2f..%2f..%2fvue%2fconfig" \
	"/donges/keys/%252e%252e%252fconfig" "/donges%2fconfig" "/donges/keys/..\\..\\vue\\config" \
	"/donges\\config" "/donges//config" "//donges/config" "/donges/./config" "/donges/config/" \
	"/donges/config%00" "/donges/config%00.txt" "/donges/keys/%2e" "/./donges/config" \
	"/donges/data/../../vue/config" "/donges/.rempart/lockowners/" "/donges/.rempart/tmp/" \
	"/donges/tmp/" "/donges/config?x=../../vue/config" "/donges/data/${h:0:2}/../../config" \
	"/donges/..%c0%afvue/config" "/donges/%u002e%u002e/vue/config" "/donges" "/" "/donges/"; do
	i=$((i + 1))
	GOT="$GOT get$i=$(code "$A" --path-as-is "$URL$p")"
	GOT="$GOT put$i=$(code "$A" --path-as-is -X PUT --data-binary @"$T/garbage.bin" "$URL$p")"
	GOT="$GOT del$i=$(code "$A" --path-as-is -X DELETE "$URL$p")"
done
GOT="$GOT absolute=$(code "$A" --request-target "http://127.0.0.1:$PORT/donges/../vue/config" "$URL/")"
GOT="$GOT absolute2=$(code "$A" --request-target "http://other.example/vue/config" "$URL/")"
GOT="$GOT star=$(code "$A" --request-target "*" "$URL/")"
expect_all 400 "path traversal ('..', %2e%2e, %2f, %252f, backslashes, //, NUL, absolute URLs, private folders)"

# raw bytes curl will not send: NUL and control bytes inside the request line
raw() { # REQUEST OUTFILE: prints the status (or "closed"), the body goes to OUTFILE
	python3 - "$PORT" "$1" "$2" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
data = b""
try:
    while True:
        k = s.recv(65536)
        if not k:
            break
        data += k
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep and b"Content-Length:" in head:
            n = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
            if len(body) >= n:
                break
except Exception:
    pass
head, sep, body = data.partition(b"\r\n\r\n")
open(sys.argv[3], "wb").write(body)
print(head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "closed")
EOF
}
HDRS="HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer $A\\r\\n\\r\\n"
GOT="ctl=$(raw "GET /donges/con\\x01fig $HDRS" "$T/raw.out")"
GOT="$GOT tab=$(raw "GET /donges/..\\t/vue/config $HDRS" "$T/raw.out")"
GOT="$GOT del=$(raw "DELETE /donges/${P[data]}\\x00/../../../vue/config $HDRS" "$T/raw.out")"
bad=""
for g in $GOT; do case ${g#*=} in 400 | 403 | closed) ;; *) bad="$bad $g" ;; esac; done
if [ -z "$bad" ]; then ok "control bytes in the path refused; a NUL cannot turn a DELETE elsewhere"; else notok "control bytes (got:$bad)"; fi
# a NUL ends the path: what follows is ignored, so it names nothing else
st=$(raw "GET /donges/config\\x00/../../vue/config $HDRS" "$T/raw.out")
if [ "$st" = 400 ] || [ "$st" = closed ] || { [ "$st" = 200 ] && cmp -s "$T/raw.out" "$T/config.bin"; }; then
	ok "a NUL in the path cannot reach another tenant ($st)"
else
	notok "a NUL in the path cannot reach another tenant (got $st)"
fi

# symbolic links planted inside the root (by someone with a shell on the server)
k=$(sha "$T/garbage.bin")
ln -s /etc/passwd "$SROOT/donges/keys/$k"
ln -s "../../vue/config" "$SROOT/donges/snapshots/$k"
GOT="file=$(code "$A" "$URL/donges/keys/$k") relative=$(code "$A" "$URL/donges/snapshots/$k")"
expect_all 403 "files that are symlinks (to /etc/passwd, to another tenant) are not read"
GOT="put=$(put "$A" "$T/garbage.bin" "/donges/keys/$k") put2=$(put "$A" "$T/garbage.bin" "/donges/snapshots/$k")"
expect_all 409 "a name taken by a planted symlink is not written through"
check "/etc/passwd untouched" grep -q '^root:' /etc/passwd
lst=$(curl -s -H "Authorization: Bearer $A" "$URL/donges/keys/")
case $lst in *"$k"*) notok "a planted symlink is not listed" ;; *) ok "a planted symlink is not listed" ;; esac
rm "$SROOT/donges/keys/$k" "$SROOT/donges/snapshots/$k"
mv "$SROOT/donges/index" "$SROOT/donges/index.real"
ln -s ../vue/index "$SROOT/donges/index"
vi=$(obj_path index "$T/index.bin")
GOT="get=$(code "$A" "$URL/donges/$vi") list=$(code "$A" "$URL/donges/index/")"
GOT="$GOT put=$(put "$A" "$T/garbage.bin" "/donges/index/$(sha "$T/garbage.bin")")"
expect_all 403 "a folder replaced by a symlink to another tenant is not followed"
rm "$SROOT/donges/index"
mv "$SROOT/donges/index.real" "$SROOT/donges/index"
ln -s vue "$SROOT/evil"
GOT="get=$(code "$EVIL" "$URL/evil/config") put=$(put "$EVIL" "$T/garbage.bin" "/evil/$(obj_path data "$T/garbage.bin")")"
expect_all 403 "a tenant folder that is a symlink to another tenant is not followed"
rm "$SROOT/evil"

# nothing changed, nothing was added, in either tenant
expect_eq "every file of the attacked tenant is byte-identical, none added" "$before_d" "$(fingerprint "$SROOT/donges")"
expect_eq "every file of the other tenant is byte-identical, none added" "$before_v" "$(fingerprint "$SROOT/vue")"
tmpfiles=$(find "$SROOT" -path '*/.rempart/tmp/*' -type f | wc -l)
expect_eq "no temporary upload left behind" 0 "$tmpfiles"
for kind in keys data index snapshots locks config; do
	curl -s -H "Authorization: Bearer $A" "$URL/donges/${P[$kind]}" -o "$T/back.bin"
	cmp -s "$T/back.bin" "$T/$kind.bin" || notok "$kind reads back"
done
ok "every file still reads back through the server"

# the owner may still release its own lock; the server still serves
expect_eq "the append token releases its own lock" 204 "$(code "$A" -X DELETE "$URL/donges/${P[locks]}")"
expect_eq "but not the lock of the town's other client" 403 "$(code "$A" -X DELETE "$URL/donges/${P[lock2]}")"
expect_eq "the admin token may delete (prune)" 204 "$(code "$ADM" -X DELETE "$URL/donges/${P[lock2]}")"
errors=$(curl -s -H "Authorization: Bearer $MET" "$URL/metrics" | awk '/^rempart_request_errors_total\{tenant="donges"\}/ {print $2}')
if [ "${errors:-0}" -gt 100 ]; then ok "metrics count the refused requests ($errors)"; else notok "metrics count errors (got '$errors')"; fi
check "the server is still up and exits cleanly" stop_server
finish
