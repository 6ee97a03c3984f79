#!/usr/bin/env bash
# init, backup, incremental backup, restore, check --read-data under
# valgrind: no invalid access, no leak, no uninitialised read.
# SANITIZE: no  (valgrind and the sanitizers do not mix)
. "$(dirname "$0")/../lib.sh"

if ! command -v valgrind >/dev/null; then
	not_ok "valgrind is not installed"
	exit 1
fi
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
S=$T/src
mkdir -p "$S/d"
for i in $(seq 1 30); do head -c $((i * 3000)) /dev/urandom >"$S/d/f$i"; done
python3 -c "print('abc ' * 300000)" >"$S/text"
ln -s d/f1 "$S/link"
ln "$S/d/f2" "$S/hard"
expect_rc 0 "init under valgrind" $VG "$RP" init
expect_rc 0 "backup under valgrind" $VG "$RP" backup "$S"
echo more >>"$S/text"
expect_rc 0 "incremental backup under valgrind" $VG "$RP" backup "$S"
expect_rc 0 "ls under valgrind" $VG "$RP" ls -l latest
expect_rc 0 "snapshots under valgrind" $VG "$RP" snapshots --json
expect_rc 0 "restore under valgrind" $VG "$RP" restore latest --target "$T/r"
same_tree "restored under valgrind" "$S" "$T/r$S"
expect_rc 0 "check --read-data under valgrind" $VG "$RP" check --read-data
expect_rc 1 "wrong password under valgrind" env REMPART_PASSWORD=nope $VG "$RP" snapshots
finish
