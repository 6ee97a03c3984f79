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

say "Restore the latest snapshot into $D/restore"
run "$RP" restore latest --target "$D/restore"

say "Compare the restored tree with the share, byte for byte (content, modes, owners, times, links, xattrs)"
run python3 "$ROOT/tests/tools/treecmp.py" "$D/share" "$D/restore$D/share"

say "Which personal data does the latest snapshot hold? (counts only, never the values)"
run "$RP" exposure latest
"$RP" exposure latest --format html >"$D/exposure.html"
echo "   (the same report as one HTML page: $D/exposure.html)"

say "Verify every byte of the repository"
run "$RP" check --read-data

printf '\nDemo finished: repository in %s, restored tree in %s\n' "$REMPART_REPOSITORY" "$D/restore"
