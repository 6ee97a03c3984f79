#!/usr/bin/env bash
# A full disk (a small tmpfs) under the repository or the restore target:
# a clear error, no snapshot, and a repository that check accepts.
# SANITIZE: no  (mounts file systems; the plain run covers it)
. "$(dirname "$0")/../lib.sh"

if ! is_root; then
	echo "ok - skipped: mounting a small tmpfs needs root"
	exit 0
fi
mkdir -p "$T/small" "$T/src" "$T/smalltarget"
mount -t tmpfs -o size=24m tmpfs "$T/small" || { not_ok "mount tmpfs"; exit 1; }
on_exit "umount -l '$T/small'"
export REMPART_REPOSITORY=$T/small/repo
head -c 60000000 /dev/urandom >"$T/src/big.bin"
for i in $(seq 1 50); do head -c 10000 /dev/urandom >"$T/src/small$i"; done
expect_rc 0 "init on a small file system" "$RP" init
expect_rc 1 "backup larger than the disk fails" "$RP" backup "$T/src"
contains "$T/err" "no space\|No space" "the error says the disk is full"
check "the error is one line" test "$(grep -c . "$T/err")" -le 2
check "no snapshot was written" test -z "$(ls "$T/small/repo/snapshots")"
check "no temporary file is left visible" test -z "$(ls "$T/small/repo/tmp" 2>/dev/null)"
expect_rc 0 "check accepts the repository after the failure" "$RP" check
mount -o remount,size=200m "$T/small"
expect_rc 0 "with room again, the backup succeeds" "$RP" backup "$T/src"
expect_rc 0 "check --read-data passes" "$RP" check --read-data

# restore into a target that is too small
mount -t tmpfs -o size=16m tmpfs "$T/smalltarget" || { not_ok "mount target tmpfs"; exit 1; }
on_exit "umount -l '$T/smalltarget'"
expect_rc 1 "restore onto a full disk fails" "$RP" restore latest --target "$T/smalltarget/r"
contains "$T/err" "no space\|No space" "the restore error says the target is full"
finish
