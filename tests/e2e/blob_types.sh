#!/usr/bin/env bash
# Blob ids are keyed hashes of the plaintext whatever the blob's type, so a
# folder's tree and a file chunk with the same bytes share one blob.  An
# empty folder's tree is a single byte (its version): a one-byte file
# holding that byte must not break the folder, nor the folder the file,
# whichever was stored first.
. "$(dirname "$0")/../lib.sh"

# trees first, then files with the same bytes
S=$T/src/a
mkdir -p "$S/empty1" "$S/sub/empty2"
expect_rc 0 "init" "$RP" init
expect_rc 0 "backup of empty folders" "$RP" backup "$S"
printf '\001' >"$S/byte01"
printf '\002' >"$S/sub/byte02"
printf '\000' >"$S/byte00"
expect_rc 0 "backup of one-byte files equal to empty trees" "$RP" backup "$S"
expect_rc 0 "check --read-data" "$RP" check --read-data
expect_rc 0 "restore" "$RP" restore latest --target "$T/r1"
same_tree "files and empty folders restored" "$S" "$T/r1$S"

# files first, then folders, in a fresh repository
S2=$T/src/b
mkdir -p "$S2"
printf '\001' >"$S2/byte01"
printf '\002' >"$S2/byte02"
export REMPART_REPOSITORY=$T/repo2
expect_rc 0 "init a second repository" "$RP" init
expect_rc 0 "backup of one-byte files" "$RP" backup "$S2"
mkdir -p "$S2/empty" "$S2/deeper/empty"
expect_rc 0 "backup adding empty folders" "$RP" backup "$S2"
expect_rc 0 "check --read-data" "$RP" check --read-data
expect_rc 0 "ls of an empty folder" "$RP" ls latest "$S2/deeper/empty"
expect_rc 0 "restore" "$RP" restore latest --target "$T/r2"
same_tree "empty folders and files restored" "$S2" "$T/r2$S2"
finish
