#!/usr/bin/env bash
# demo.sh - a real backup, change, second backup and restore on a small
# town-hall tree, with a byte-for-byte comparison at the end.
# Everything happens under ${DEMO_DIR:-/tmp/rempart-demo} (recreated).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RP=$ROOT/build/rempart
D=${DEMO_DIR:-/tmp/rempart-demo}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
}

rm -rf "$D"
mkdir -p "$D"
export REMPART_REPOSITORY=$D/repository
export REMPART_PASSWORD_FILE=$D/password
export REMPART_CACHE_DIR=$D/cache
head -c 24 /dev/urandom | base64 >"$REMPART_PASSWORD_FILE"

say "A town-hall file share (invented data) in $D/share"
python3 "$ROOT/scripts/make-demo-tree.py" "$D/share" --size-mb 40
du -sh "$D/share" | sed 's/^/   /'

say "Create an encrypted repository"
run "$RP" init

say "First backup"
run "$RP" backup "$D/share"

say "A working day: some files change, one is added, one deleted"
echo "Délibération modifiée le $(date +%F)" >>"$D/share/Conseil municipal/2024/Délibération 2024-003.txt"
echo "Nouvelle note de service" >"$D/share/Conseil municipal/2024/Note de service.txt"
rm "$D/share/Conseil municipal/2023/Délibération 2023-010.txt"
touch "$(find "$D/share/Finances/Factures" -name '*.pdf' | sort | head -1)"   # same content, new time

say "Second backup: only what changed is read (-v lists it)"
run "$RP" backup -v "$D/share"

say "Snapshots"
run "$RP" snapshots

cp -a "$D/share" "$D/share-before-attack"

say "Ransomware strikes: a third of the files encrypted under a new name, a ransom note in every folder"
python3 - "$D/share" <<'PY'
import os, sys
root = sys.argv[1]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
for i, f in enumerate(files):
    if i % 3 == 0 and not os.path.islink(f):
        size = os.path.getsize(f)
        with open(f + ".locked", "wb") as out:
            out.write(os.urandom(size + 512))
        os.unlink(f)
for d, _, _ in os.walk(root):
    with open(os.path.join(d, "RESTORE_MY_FILES.txt"), "w") as note:
        note.write("Your files are encrypted. Pay to get them back.\n")
PY
echo "   $(find "$D/share" -name '*.locked' | wc -l) files encrypted"

say "The hourly backup runs and sounds the alarm (exit status 10)"
set +e
run "$RP" backup "$D/share"
echo "   exit status: $?"
set -e

say "Analysis of the snapshot: the verdict, the evidence, the last clean state"
set +e
run "$RP" analyze latest
set -e
run "$RP" snapshots

say "Restore the last clean state into $D/restore"
run "$RP" restore latest-clean --target "$D/restore"

say "Compare it with the share as it was before the attack, byte for byte (content, modes, owners, times, links, xattrs)"
run python3 "$ROOT/tests/tools/treecmp.py" "$D/share-before-attack" "$D/restore$D/share"

say "Which personal data did the attacked server hold? (counts only, never the values)"
run "$RP" exposure latest-clean
"$RP" exposure latest-clean --format html >"$D/exposure.html"
echo "   (the same report as one HTML page: $D/exposure.html)"

say "Verify every byte of the repository"
run "$RP" check --read-data

printf '\nDemo finished: repository in %s, restored tree in %s\n' "$REMPART_REPOSITORY" "$D/restore"
