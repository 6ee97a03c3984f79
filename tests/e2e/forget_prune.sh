#!/usr/bin/env bash
# forget by policy or by id, and prune: space comes back, what remains
# restores exactly, and a prune killed midway leaves a repository that
# check accepts.
. "$(dirname "$0")/../lib.sh"

S=$T/src
mkdir -p "$S"
expect_rc 0 "init" "$RP" init
for i in 1 2 3 4 5; do
	head -c 4000000 /dev/urandom >"$S/big$i"
	rm -f "$S/big$((i - 2))"
	for k in $(seq 1 20); do head -c 3000 /dev/urandom >"$S/small-$i-$k"; done
	expect_rc 0 "backup $i" "$RP" backup "$S"
done
cp -a "$S" "$T/last-state"
size_before=$(du -sb "$T/repo" | cut -f1)
expect_rc 0 "forget --dry-run" "$RP" forget --keep-last 2 --dry-run
contains "$T/out" "dry run: 0 snapshot(s) removed" "dry run removes nothing"
check "dry run kept every snapshot" test "$(ls "$T/repo/snapshots" | wc -l)" = 5
expect_rc 0 "forget --keep-last 2 --prune" "$RP" forget --keep-last 2 --prune
check "three snapshots were removed" test "$(ls "$T/repo/snapshots" | wc -l)" = 2
size_after=$(du -sb "$T/repo" | cut -f1)
check "prune freed space ($size_before -> $size_after bytes)" test "$size_after" -lt $((size_before * 7 / 10))
expect_rc 0 "check --read-data after prune" "$RP" check --read-data
check "no warning left after prune" sh -c "! grep -q '^warning' '$T/out'"
expect_rc 0 "restore the latest snapshot" "$RP" restore latest --target "$T/r"
same_tree "latest snapshot intact after prune" "$T/last-state" "$T/r$S"

# forget by id
"$RP" snapshots --json >"$T/snaps.json"
first=$(json_get "$T/snaps.json" "j[0]['id']")
expect_rc 0 "forget one snapshot by id" "$RP" forget "${first:0:8}"
check "one snapshot left" test "$(ls "$T/repo/snapshots" | wc -l)" = 1

# prune removes what interrupted backups leave behind
head -c 20000000 /dev/urandom >"$S/huge"
"$RP" backup "$S" >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
"$RP" unlock >/dev/null 2>&1
expect_rc 0 "prune after an interrupted backup" "$RP" prune
expect_rc 0 "check after prune" "$RP" check
check "no unreferenced pack is left" sh -c "! grep -q 'not in any index' '$T/out'"

# a prune killed at random moments
for i in 1 2 3 4 5 6; do
	head -c 2000000 /dev/urandom >"$S/round$i"
	rm -f "$S/round$((i - 1))"
	"$RP" backup "$S" >/dev/null 2>&1
	"$RP" forget --keep-last 1 >/dev/null 2>&1
	"$RP" prune >/dev/null 2>&1 &
	pid=$!
	sleep "$(python3 -c "import random; print(random.uniform(0.0, 0.3))")"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	"$RP" unlock >/dev/null 2>&1
	if ! "$RP" check >"$T/c$i" 2>&1 || grep -q '^error' "$T/c$i"; then
		not_ok "check after prune killed in round $i"
		sed 's/^/    # /' "$T/c$i" | head -5
	fi
done
ok "check accepted the repository after every killed prune"
expect_rc 0 "a final prune completes" "$RP" prune
expect_rc 0 "check --read-data" "$RP" check --read-data
rm -rf "$T/r"
expect_rc 0 "restore after all that" "$RP" restore latest --target "$T/r"
same_tree "the last snapshot is intact" "$S" "$T/r$S"
finish
