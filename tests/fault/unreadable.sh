#!/usr/bin/env bash
# Files that cannot be read, that vanish, or that change while being read:
# a warning naming each one, the snapshot is still written, exit 3; files
# changed during the read are never recorded half old, half new silently.
. "$(dirname "$0")/../lib.sh"

S=$T/src
mkdir -p "$S/ok" "$S/locked"
for i in $(seq 1 20); do head -c 5000 /dev/urandom >"$S/ok/f$i"; done
echo "keep out" >"$S/secret.txt"
echo "vanishing" >"$S/ok/will-vanish.txt"
expect_rc 0 "init" "$RP" init

# vanishes between the listing and the read
(sleep 0.5; rm -f "$S/ok/will-vanish.txt") &
expect_rc 3 "a file that vanishes mid-backup: exit 3" env REMPART_DEBUG_STALL_OPEN="will-vanish:1500" "$RP" backup "$S"
wait
contains "$T/err" "will-vanish.txt" "the warning names the vanished file"
contains "$T/out" "snapshot .* saved" "the snapshot is still written"
expect_rc 0 "the snapshot lists the other files" "$RP" ls latest "$S/ok"
contains "$T/out" "$S/ok/f20" "the other files are in it"

# a file that keeps changing while it is read
python3 -c "import os; open('$S/growing.log','wb').write(os.urandom(30<<20))"
python3 - "$S/growing.log" <<'PY' &
import sys, time
end = time.time() + 8
with open(sys.argv[1], "ab", buffering=0) as f:
    while time.time() < end:
        f.write(b"x" * 4096)
        time.sleep(0.002)
PY
writer=$!
sleep 0.2
expect_rc 3 "a file changing during the read: exit 3" "$RP" backup --force "$S"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
contains "$T/err" "growing.log: changed while being read" "the warning names the changing file"

if is_root && command -v setpriv >/dev/null; then
	# an unprivileged backup meets a file and a folder it may not read
	chmod 000 "$S/secret.txt" "$S/locked"
	chmod 777 "$T" "$T/repo" && find "$T/repo" -type d -exec chmod 777 {} + && find "$T/repo" -type f -exec chmod 666 {} +
	mkdir -p "$T/nobody-cache" && chmod 777 "$T/nobody-cache"
	expect_rc 3 "unreadable file as an unprivileged user: exit 3" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env REMPART_CACHE_DIR="$T/nobody-cache" "$RP" backup "$S"
	contains "$T/err" "secret.txt: cannot open" "the warning names the unreadable file"
	contains "$T/err" "locked" "the warning names the unreadable folder"
	contains "$T/out" "snapshot .* saved" "the snapshot is still written"
	chmod 644 "$S/secret.txt"
	chmod 755 "$S/locked"
else
	echo "ok - skipped unprivileged part (needs root and setpriv)"
fi
expect_rc 0 "check passes" "$RP" check
finish
