#!/usr/bin/env bash
# Keys: several passwords per repository; backup-only keys add snapshots
# and deduplicate but cannot read anything back.
. "$(dirname "$0")/../lib.sh"

S=$T/src
mkdir -p "$S"
head -c 2000000 /dev/urandom >"$S/payroll.xlsx"
echo "secret" >"$S/note.txt"
expect_rc 0 "init" "$RP" init
expect_rc 0 "first backup with the full key" "$RP" backup "$S"

expect_rc 0 "add a second full key" env REMPART_NEW_PASSWORD=second "$RP" key add
expect_rc 0 "the second password opens the repository" env REMPART_PASSWORD=second "$RP" snapshots
expect_rc 0 "add a backup-only key" env REMPART_NEW_PASSWORD=machine "$RP" key add --backup-only
expect_rc 0 "key list" "$RP" key list --json
check "three keys, one backup-only" python3 -c "
import json; j=json.load(open('$T/out')); assert len(j)==3 and sum(k['kind']=='backup-only' for k in j)==1"
bo=$(json_get "$T/out" "[k['id'] for k in j if k['kind']=='backup-only'][0]")

export REMPART_CACHE_DIR=$T/machine-cache
echo "new file" >"$S/new.txt"
expect_rc 0 "backup-only key can back up" env REMPART_PASSWORD=machine "$RP" backup --json "$S"
check "backup-only key deduplicated the existing data" test "$(json_get "$T/out" "j['bytes_added']")" -lt 100000
expect_rc 0 "backup-only key backs up again" env REMPART_PASSWORD=machine "$RP" backup --json "$S"
check "backup-only key skips unchanged files from its own cache" test "$(json_get "$T/out" "j['bytes_read']")" = 0
expect_rc 1 "backup-only key cannot list snapshots" env REMPART_PASSWORD=machine "$RP" snapshots
contains "$T/err" "backup-only" "says it is a backup-only key"
expect_rc 1 "backup-only key cannot restore" env REMPART_PASSWORD=machine "$RP" restore latest --target "$T/x"
expect_rc 1 "backup-only key cannot check" env REMPART_PASSWORD=machine "$RP" check
expect_rc 1 "backup-only key cannot dump data" env REMPART_PASSWORD=machine "$RP" cat blob 0000000000000000000000000000000000000000000000000000000000000000
expect_rc 1 "backup-only key cannot add a full key" env REMPART_PASSWORD=machine REMPART_NEW_PASSWORD=x "$RP" key add
check "nothing restored by the backup-only key" test ! -e "$T/x/$S"
# no file of the repository holds the plaintext
check "plaintext appears nowhere in the repository" sh -c "! grep -rq 'secret' '$T/repo'"

export REMPART_CACHE_DIR=$T/cache
expect_rc 0 "the full key restores what the backup-only key wrote" "$RP" restore latest --target "$T/r"
same_tree "restored snapshot written by the backup-only key" "$S" "$T/r$S"

"$RP" key list --json >"$T/keys.json"
current=$(json_get "$T/keys.json" "[k['id'] for k in j if k['current']][0]")
expect_rc 1 "cannot remove the key in use" "$RP" key remove "${current:0:8}"
expect_rc 0 "remove the backup-only key" "$RP" key remove "${bo:0:8}"
expect_rc 1 "the removed key no longer opens" env REMPART_PASSWORD=machine "$RP" snapshots
contains "$T/err" "wrong password" "removed key: wrong password"
expect_rc 0 "change a password" env REMPART_PASSWORD=second REMPART_NEW_PASSWORD=third "$RP" key passwd
expect_rc 1 "the old password is gone" env REMPART_PASSWORD=second "$RP" snapshots
expect_rc 0 "the new password works" env REMPART_PASSWORD=third "$RP" snapshots
finish
