#!/usr/bin/env bash
# kill -9 of a backup at random moments: afterwards check passes (or
# reports only unreferenced packs) and the next backup succeeds.
. "$(dirname "$0")/../lib.sh"

S=$T/src
mkdir -p "$S"
python3 - "$S" <<'PY'
import os, random, sys
r = random.Random(42)
root = sys.argv[1]
for d in range(20):
    os.makedirs(f"{root}/d{d}", exist_ok=True)
    for f in range(60):
        n = int(r.lognormvariate(8, 2)) % 2000000
        with open(f"{root}/d{d}/f{f}", "wb") as fh:
            fh.write(os.urandom(n // 2) + b"texte " * (n // 12))
with open(f"{root}/big", "wb") as fh:
    fh.write(os.urandom(40 << 20))
PY
expect_rc 0 "init" "$RP" init
runs=${KILL_RUNS:-12}
bad=0
for i in $(seq 1 "$runs"); do
	# new data each round so every run has something to write
	head -c 3000000 /dev/urandom >"$S/d$((i % 20))/new$i"
	"$RP" backup "$S" >/dev/null 2>&1 &
	pid=$!
	sleep "$(python3 -c "import random; print(random.uniform(0.02, 0.6))")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if ! "$RP" check >"$T/check.$i" 2>&1; then
		bad=$((bad + 1))
		sed 's/^/    # /' "$T/check.$i" | head -5
	elif grep -q '^error' "$T/check.$i"; then
		bad=$((bad + 1))
	fi
done
check "check passes after each of $runs kill -9 (errors in $bad)" test "$bad" = 0
expect_rc 0 "a backup after the kills succeeds" "$RP" backup "$S"
expect_rc 0 "check --read-data passes" "$RP" check --read-data
check "no error lines" sh -c "! grep -q '^error' '$T/out'"
expect_rc 0 "restore the last snapshot" "$RP" restore latest --target "$T/r"
same_tree "restored tree is the source" "$S" "$T/r$S"
finish
