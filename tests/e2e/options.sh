#!/usr/bin/env bash
# backup options (--exclude, --exclude-file, --tag, --host,
# --one-file-system) and restore --include.
. "$(dirname "$0")/../lib.sh"

S=$T/src
mkdir -p "$S/keep" "$S/cache" "$S/tmp" "$S/Finances/2024" "$S/RH"
echo a >"$S/keep/a.txt"
echo b >"$S/keep/b.tmp"
echo c >"$S/cache/c"
echo d >"$S/Finances/2024/facture.pdf"
echo e >"$S/RH/dossier.odt"
echo f >"$S/tmp/junk"
printf '# comment\n*.tmp\n\n' >"$T/excludes"
expect_rc 0 "init" "$RP" init
expect_rc 0 "backup with excludes, tags and host" "$RP" backup --exclude "$S/cache" --exclude-file "$T/excludes" \
	--exclude tmp --tag daily,mairie --tag extra --host serveur-mairie "$S"
expect_rc 0 "ls" "$RP" ls latest
check "excluded folder (full path) is absent" sh -c "! grep -q '/cache' '$T/out'"
check "excluded pattern from the file is absent" sh -c "! grep -q 'b.tmp' '$T/out'"
check "excluded name is absent" sh -c "! grep -q '/tmp/junk' '$T/out'"
contains "$T/out" "$S/keep/a.txt" "other files are present"
expect_rc 0 "snapshots --json" "$RP" snapshots --json
check "host and tags recorded" python3 -c "
import json; j=json.load(open('$T/out'))[0]; assert j['host']=='serveur-mairie' and sorted(j['tags'])==['daily','extra','mairie'], j"
expect_rc 0 "filter snapshots by tag" "$RP" snapshots --tag mairie
contains "$T/out" "1 snapshot" "tag filter finds it"
expect_rc 0 "filter snapshots by another host" "$RP" snapshots --host elsewhere
contains "$T/out" "0 snapshots" "host filter excludes it"

expect_rc 0 "restore --include a folder" "$RP" restore latest --target "$T/r1" --include "$S/Finances"
check "the included folder is restored" test -f "$T/r1$S/Finances/2024/facture.pdf"
check "other folders are not" test ! -e "$T/r1$S/RH"
expect_rc 0 "restore --include a name pattern" "$RP" restore latest --target "$T/r2" --include '*.odt'
check "the matching file is restored" test -f "$T/r2$S/RH/dossier.odt"
check "non-matching files are not" test ! -e "$T/r2$S/keep/a.txt"
check "its folders keep their times" test "$(stat -c %Y "$T/r2$S/RH")" = "$(stat -c %Y "$S/RH")"

if is_root; then
	mkdir -p "$S/mnt"
	mount -t tmpfs -o size=4m tmpfs "$S/mnt" && on_exit "umount -l '$S/mnt'"
	echo other-fs >"$S/mnt/inside"
	expect_rc 0 "backup --one-file-system" "$RP" backup -x "$S"
	expect_rc 0 "ls" "$RP" ls latest
	contains "$T/out" "$S/mnt$" "the mount point itself is recorded"
	check "nothing below the mount point" sh -c "! grep -q 'mnt/inside' '$T/out'"
	expect_rc 0 "backup without -x crosses it" "$RP" backup "$S"
	expect_rc 0 "ls" "$RP" ls latest
	contains "$T/out" "mnt/inside" "the other file system is included"
else
	echo "ok - skipped --one-file-system (needs root to mount)"
fi
finish
