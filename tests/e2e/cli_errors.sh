#!/usr/bin/env bash
# Bad input gets one clear line and the right exit code, and never
# changes the repository.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/src"
echo hello >"$T/src/f"
expect_rc 0 "init" "$RP" init
expect_rc 1 "init over an existing repository is refused" "$RP" init
contains "$T/err" "already exists" "says the repository exists"
expect_rc 0 "backup" "$RP" backup "$T/src"

snapshot_state() { (cd "$T/repo" && find . -type f | sort | xargs sha256sum); }
snapshot_state >"$T/before"
expect_rc 1 "wrong password: exit 1" env REMPART_PASSWORD=wrong "$RP" backup "$T/src"
check "wrong password: exactly one line" test "$(wc -l <"$T/err")" = 1
contains "$T/err" "wrong password" "wrong password: says so"
snapshot_state >"$T/after"
check "wrong password: nothing written" cmp -s "$T/before" "$T/after"

expect_rc 1 "password from a file" env -u REMPART_PASSWORD "$RP" --password-file /nonexistent snapshots
contains "$T/err" "/nonexistent" "names the missing password file"
echo "$REMPART_PASSWORD" >"$T/pwfile"
expect_rc 0 "REMPART_PASSWORD_FILE works" env -u REMPART_PASSWORD REMPART_PASSWORD_FILE="$T/pwfile" "$RP" snapshots
expect_rc 0 "--password-file works" env -u REMPART_PASSWORD "$RP" --password-file "$T/pwfile" snapshots
expect_rc 1 "no password and no terminal" env -u REMPART_PASSWORD setsid "$RP" snapshots </dev/null
contains "$T/err" "REMPART_PASSWORD" "explains how to give the password"

expect_rc 1 "no repository given" env -u REMPART_REPOSITORY "$RP" snapshots
contains "$T/err" "REMPART_REPOSITORY" "explains how to give the repository"
expect_rc 1 "not a repository" "$RP" -r "$T/src" snapshots
contains "$T/err" "not a rempart repository" "says it is not a repository"
expect_rc 1 "missing repository" "$RP" -r "$T/nothing-here" snapshots
check "a missing repository is not created by reading it" test ! -e "$T/nothing-here"
expect_rc 1 "unknown snapshot" "$RP" restore 0123abcd --target "$T/x"
contains "$T/err" "no snapshot" "says the snapshot does not exist"
expect_rc 1 "backup of a missing path" "$RP" backup "$T/does-not-exist"
contains "$T/err" "does-not-exist" "names the missing path"
expect_rc 2 "unknown command" "$RP" frobnicate
expect_rc 2 "backup without paths" "$RP" backup

# a repository written by a newer rempart
cp -a "$T/repo" "$T/newer"
python3 -c "
p='$T/newer/config'; b=bytearray(open(p,'rb').read()); b[4]=9; open(p,'wb').write(b)"
expect_rc 1 "newer repository format refused" "$RP" -r "$T/newer" snapshots
contains "$T/err" "newer\|upgrade" "says the format is newer"
# a missing config
rm "$T/newer/config"
expect_rc 1 "missing config" "$RP" -r "$T/newer" snapshots
contains "$T/err" "no config" "says the config is missing"
# a truncated index file
cp -a "$T/repo" "$T/trunc"
idx=$(ls "$T/trunc/index/"* | head -1)
head -c 20 "$idx" >"$idx.tmp" && mv "$idx.tmp" "$idx"
expect_rc 1 "check reports a truncated index" "$RP" -r "$T/trunc" check
contains "$T/out" "index" "names the index"
# a truncated snapshot file
cp -a "$T/repo" "$T/trunc2"
snap=$(ls "$T/trunc2/snapshots/"* | head -1)
head -c 30 "$snap" >"$snap.tmp" && mv "$snap.tmp" "$snap"
expect_rc 1 "check reports a truncated snapshot" "$RP" -r "$T/trunc2" check
contains "$T/out" "snapshot $(basename "$snap")" "names the snapshot file"
snapshot_state >"$T/after2"
check "the original repository is untouched by all of this" cmp -s "$T/before" "$T/after2"
finish
