#!/usr/bin/env bash
# One flipped bit in a pack, an index or a snapshot: check --read-data
# names the damaged file and the affected paths; restore brings back every
# unaffected file, reports the others and exits non-zero; nothing crashes.
. "$(dirname "$0")/../lib.sh"

S=$T/src
mkdir -p "$S/docs" "$S/other"
for i in $(seq 1 40); do head -c $((20000 + i * 1000)) /dev/urandom >"$S/docs/doc$i.pdf"; done
head -c 6000000 /dev/urandom >"$S/other/scan.tif"
expect_rc 0 "init" "$RP" init
expect_rc 0 "backup" "$RP" backup "$S"
cp -a "$T/repo" "$T/pristine"

flip() { # FILE OFFSET
	python3 -c "
import sys; p, o = sys.argv[1], int(sys.argv[2]); f = open(p, 'r+b'); f.seek(o); b = f.read(1); f.seek(o); f.write(bytes([b[0] ^ 0x10])); f.close()" "$1" "$2"
}

# --- a pack: flip a bit inside the blob of one known file ---
# the chunks of scan.tif are the only data blobs above 100 kB
for p in "$T"/repo/data/*/*; do
	"$RP" cat pack "$(basename "$p")" >"$T/pack.json"
	off=$(python3 -c "
import json; j=json.load(open('$T/pack.json')); b=[x for x in j if x['type']=='data' and x['raw_length']>100000]; print(b[0]['offset']+100 if b else '')")
	if [ -n "$off" ]; then pack=$p; break; fi
done
flip "$pack" "$off"
expect_rc 1 "check --read-data fails on a flipped pack bit" "$RP" check --read-data
contains "$T/out" "$(basename "$pack")" "check names the damaged pack"
contains "$T/out" "$S/other/scan.tif is damaged" "check names the affected path"
expect_rc 1 "restore exits non-zero" "$RP" restore latest --target "$T/r1"
contains "$T/err" "scan.tif: damaged" "restore reports the damaged file"
same_tree "every other file restored identical" "$S/docs" "$T/r1$S/docs"
rm -rf "$T/repo" && cp -a "$T/pristine" "$T/repo"

# --- the pack's header (its key), its table, an appended byte: every byte
# of a pack is covered, though check no longer hashes the packs it can
# verify blob by blob ---
for where in header trailer append; do
	case $where in
	header) flip "$pack" 12 ;;
	trailer) flip "$pack" $(($(stat -c %s "$pack") - 20)) ;;
	append) printf 'x' >>"$pack" ;;
	esac
	expect_rc 1 "check --read-data fails on a damaged pack $where" "$RP" check --read-data
	contains "$T/out" "$(basename "$pack")" "check names the pack with a damaged $where"
	rm -rf "$T/repo" && cp -a "$T/pristine" "$T/repo"
done

# --- a pack replaced by another whole, valid pack under its own name ---
other=$(ls "$T"/repo/data/*/* | grep -v "$(basename "$pack")" | head -1)
cp "$other" "$pack"
expect_rc 1 "check --read-data fails on a pack swapped for another" "$RP" check --read-data
contains "$T/out" "$(basename "$pack")" "check names the swapped pack"
contains "$T/out" "$S/other/scan.tif is damaged" "check names the paths that used it"
rm -rf "$T/repo" && cp -a "$T/pristine" "$T/repo"

# --- an index file ---
idx=$(ls "$T"/repo/index/* | head -1)
flip "$idx" 40
expect_rc 1 "check fails on a flipped index bit" "$RP" check
contains "$T/out" "index" "check names the index problem"
contains "$T/out" "not in any index" "its packs show up as unreferenced"
rm -rf "$T/repo" && cp -a "$T/pristine" "$T/repo"

# --- a snapshot file ---
snap=$(ls "$T"/repo/snapshots/* | head -1)
flip "$snap" 60
expect_rc 1 "check fails on a flipped snapshot bit" "$RP" check
contains "$T/out" "snapshot $(basename "$snap")" "check names the damaged snapshot"
expect_rc 1 "snapshots warns about it" "$RP" snapshots
contains "$T/err" "could not be read" "snapshots says it cannot read one"
rm -rf "$T/repo" && cp -a "$T/pristine" "$T/repo"

# --- a tree blob: the folder listing is lost, the rest restores ---
tp=$(for p in "$T"/repo/data/*/*; do "$RP" cat pack "$(basename "$p")" | grep -q '"tree"' && echo "$p"; done | head -1)
toff=$(python3 -c "
import json,sys; j=json.loads(sys.stdin.read()); print([x for x in j if x['type']=='tree'][0]['offset']+40)" <<<"$("$RP" cat pack "$(basename "$tp")")")
flip "$tp" "$toff"
expect_rc 1 "check --read-data fails on a flipped tree bit" "$RP" check --read-data
expect_rc 1 "restore with a damaged folder listing exits non-zero" "$RP" restore latest --target "$T/r2"
contains "$T/err" "damaged" "restore reports the damaged folder"
finish
