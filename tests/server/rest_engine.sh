#!/usr/bin/env bash
# The real client through the real server: a town's file server backs up
# with a backup-only key and an append token; the IT service restores and
# checks with a full key and a read token, prunes with an admin token.  An
# attacker holding the machine's credentials cannot destroy history.  A
# server killed mid-backup and restarted: the client's retries finish the
# backup.  A client killed mid-upload leaves nothing visible.
. "$(dirname "$0")/lib/server_common.sh"
RP=$REMPART_BIN
TREECMP="python3 $ROOT_DIR/tests/tools/treecmp.py"
export REMPART_PASSWORD=it-service-password REMPART_CACHE_DIR=$T/cache
unset REMPART_PASSWORD_FILE REMPART_TOKEN_FILE

APPEND=$(new_token mairie append)
READ=$(new_token mairie read)
ADMIN=$(new_token mairie admin)
check "server starts" start_server --threads 8
REPO="rest:$URL/mairie"
echo "$APPEND" >"$T/append.token"
echo "$READ" >"$T/read.token"
echo "$ADMIN" >"$T/admin.token"
rp() { # TOKENFILE ARGS...
	local tf=$1
	shift
	"$RP" -r "$REPO" --token-file "$tf" "$@"
}

S=$T/share
mkdir -p "$S/Finances" "$S/RH"
for i in $(seq 1 60); do head -c $((i * 2000)) /dev/urandom >"$S/Finances/facture$i.pdf"; done
python3 -c "print('délibération ' * 300000)" >"$S/RH/registre.txt"
head -c 9000000 /dev/urandom >"$S/scan.tif"

check "init through the server with the append token" rp "$T/append.token" init -q
REMPART_NEW_PASSWORD=file-server check "add a backup-only key for the file server" rp "$T/append.token" key add --backup-only
REMPART_PASSWORD=file-server REMPART_CACHE_DIR="$T/fs-cache" check "backup with the backup-only key and the append token" rp "$T/append.token" backup -q "$S"
echo "avenant" >>"$S/RH/registre.txt"
REMPART_PASSWORD=file-server REMPART_CACHE_DIR="$T/fs-cache" check "second backup" rp "$T/append.token" backup -q "$S"
cp -a "$S" "$T/day2"
check "restore with the full key and a read token" rp "$T/read.token" restore latest --target "$T/r1" -q
if $TREECMP "$S" "$T/r1$S" --no-atime >"$T/cmp" 2>&1; then ok "restored through the server, identical"; else notok "restored through the server, identical"; cat "$T/cmp"; fi
check "check --read-data through the server" rp "$T/read.token" check --read-data -q

# --- the attacker holds the file server's key and append token ---
"$RP" -r "$REPO" --token-file "$T/append.token" forget --keep-last 1 >"$T/out" 2>&1
rc=$?
check "forget with the append token is refused" test "$rc" != 0
check "...and the message says an admin token is needed" grep -qi "admin" "$T/out"
REMPART_PASSWORD=file-server rp "$T/append.token" forget --keep-last 1 >"$T/out" 2>&1
check "forget with the backup-only key is refused" test $? != 0
(cd "$SROOT/mairie" && find . -type f | sort) >"$T/files.before"
rp "$T/append.token" prune >"$T/out" 2>&1
(cd "$SROOT/mairie" && find . -type f | sort) >"$T/files.after"
check "prune with the append token removes nothing" cmp -s "$T/files.before" "$T/files.after"
rp "$T/append.token" key remove "$(rp "$T/read.token" key list --json | python3 -c 'import json,sys; print([k["id"] for k in json.load(sys.stdin) if not k["current"]][0][:8])')" >"$T/out" 2>&1
check "key remove with the append token is refused" test $? != 0
# raw requests against every kind of file
for f in config $(cd "$SROOT/mairie" && find keys index snapshots data -type f | head -20); do
	c=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $APPEND" "$URL/mairie/$f")
	[ "$c" = 403 ] || notok "DELETE $f with the append token gave $c"
	c=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary garbage -H "Authorization: Bearer $APPEND" "$URL/mairie/$f")
	[ "$c" = 409 ] || [ "$c" = 403 ] || [ "$c" = 400 ] || notok "PUT over $f with the append token gave $c"
done
ok "DELETE and overwrite of every kind of file refused"
check "check --read-data still passes after the attacks" rp "$T/read.token" check --read-data -q
check "every snapshot still restores" sh -c "for s in \$('$RP' -r '$REPO' --token-file '$T/read.token' snapshots --json | python3 -c 'import json,sys; print(\" \".join(x[\"id\"] for x in json.load(sys.stdin)))'); do '$RP' -r '$REPO' --token-file '$T/read.token' restore \$s --target '$T/all/'\$s -q || exit 1; done"

# --- the admin token may prune ---
check "forget --prune with the admin token" rp "$T/admin.token" forget --keep-last 1 --prune -q
check "check after prune" rp "$T/read.token" check --read-data -q

# --- a server killed with SIGKILL in the middle of uploads ---
head -c 60000000 /dev/urandom >"$S/video.mp4"
WANT_PORT=$PORT
REMPART_RETRY_SECONDS=60 REMPART_PASSWORD=file-server REMPART_CACHE_DIR="$T/fs-cache" \
	"$RP" -r "$REPO" --token-file "$T/append.token" backup -q "$S" >"$T/bk.out" 2>&1 &
bk=$!
BG_PIDS+=($bk)
sleep 0.6
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
SRV_PID=
sleep 1
check "server restarts on the same port" start_server --threads 8
wait $bk
check "the interrupted backup completed through retries" test $? = 0
rm -rf "$T/r2"
check "restore of that backup" rp "$T/read.token" restore latest --target "$T/r2" -q
if $TREECMP "$S" "$T/r2$S" --no-atime >"$T/cmp" 2>&1; then ok "backup across a server crash restores identical"; else notok "backup across a server crash restores identical"; cat "$T/cmp"; fi

# --- a client killed mid-upload ---
head -c 150000000 /dev/urandom >"$S/video2.mp4"
env REMPART_PASSWORD=file-server REMPART_CACHE_DIR="$T/fs-cache" "$RP" -r "$REPO" --token-file "$T/append.token" backup -q "$S" >/dev/null 2>&1 &
bk=$!
sleep 0.3
kill -9 $bk
wait $bk 2>/dev/null
partial=$(find "$SROOT/mairie" -path "*/data/*" -type f | while read -r f; do [ "$(basename "$f")" = "$(sha "$f")" ] || echo "$f"; done)
check "no partial pack is visible after the client was killed" test -z "$partial"
check "check accepts the repository" rp "$T/read.token" check -q
check "server stops cleanly" stop_server
[ "$FAILED" = 0 ]
