#!/usr/bin/env bash
# Two backups of the same repository at once both succeed, and check
# passes afterwards.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/a" "$T/b"
for i in $(seq 1 300); do head -c $((RANDOM * 3)) /dev/urandom >"$T/a/f$i"; cp "$T/a/f$i" "$T/b/g$i"; done
head -c 20000000 /dev/urandom >"$T/a/big"
cp "$T/a/big" "$T/b/big"
expect_rc 0 "init" "$RP" init
REMPART_CACHE_DIR=$T/c1 "$RP" backup "$T/a" >"$T/o1" 2>&1 &
p1=$!
REMPART_CACHE_DIR=$T/c2 "$RP" backup "$T/b" >"$T/o2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
check "first concurrent backup succeeded" test "$r1" = 0
check "second concurrent backup succeeded" test "$r2" = 0
expect_rc 0 "check --read-data after concurrent backups" "$RP" check --read-data
expect_rc 0 "two snapshots" "$RP" snapshots --json
check "both snapshots are there" test "$(json_get "$T/out" "len(j)")" = 2
check "no lock is left behind" test -z "$(ls "$T/repo/locks")"
for d in a b; do
	rm -rf "$T/r"
	"$RP" restore "$(json_get "$T/out" "[s['id'] for s in j if s['paths']==['$T/$d']][0]")" --target "$T/r" >/dev/null 2>&1
	same_tree "snapshot of $d restores" "$T/$d" "$T/r$T/$d"
done
finish
