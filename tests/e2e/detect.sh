#!/usr/bin/env bash
# Ransomware detection through the real commands: a clean day, an attack
# (backup exits 10, prints the verdict, runs --on-alert with the verdict as
# JSON), analyze with its exit codes and JSON, latest-clean wherever a
# snapshot goes, forget that never drops the last clean snapshot, and
# benign changes that stay clean.
. "$(dirname "$0")/../lib.sh"

S=$T/share
mkdir -p "$S"
python3 - "$S" <<'PY'
import os, random, sys, zipfile, io
r = random.Random(5)
root = sys.argv[1]
for d in ["Finances", "RH", "Urbanisme", "Finances/2023", "Finances/2024", "RH/Agents", "RH/Paie",
          "Urbanisme/Permis", "Urbanisme/Cadastre", "Conseil", "Conseil/2024", "Ecole"]:
    os.makedirs(f"{root}/{d}", exist_ok=True)
    for i in range(12):
        with open(f"{root}/{d}/note-{i}.txt", "w") as f:
            f.write("Compte rendu de la réunion du conseil. " * r.randint(20, 200))
        with open(f"{root}/{d}/facture-{i}.pdf", "wb") as f:
            f.write(b"%PDF-1.7\n" + b"1 0 obj << /Length 40 >> stream\nBT /F1 12 Tf (Facture) Tj ET\nendstream endobj\n" * r.randint(5, 50) + b"%%EOF\n")
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<w:document>" + "<w:p>texte</w:p>" * r.randint(10, 300) + "</w:document>")
        with open(f"{root}/{d}/courrier-{i}.docx", "wb") as f:
            f.write(b.getvalue())
PY
expect_rc 0 "init" "$RP" init
expect_rc 0 "a clean first backup exits 0" "$RP" backup "$S"
contains "$T/out" "verdict:   clean" "backup prints the clean verdict"
expect_rc 0 "snapshots --json" "$RP" snapshots --json
check "the verdict is stored with the snapshot" test "$(json_get "$T/out" "j[-1]['verdict']")" = clean
clean_id=$(json_get "$T/out" "j[-1]['id']")
cp -a "$S" "$T/clean-copy"

# a benign day: edits, new files, renames, a zip of some documents
echo "ajout" >>"$S/Finances/note-1.txt"
mv "$S/RH/note-2.txt" "$S/RH/note-2 (ancien).txt"
(cd "$S/Urbanisme" && python3 -c "
import zipfile, glob
with zipfile.ZipFile('archive.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    [z.write(f) for f in sorted(glob.glob('*.txt'))]")
expect_rc 0 "a benign day stays clean (exit 0)" "$RP" backup "$S"
contains "$T/out" "verdict:   clean" "benign day: verdict clean"
cp -a "$S" "$T/benign-copy"

# the attack: 80 files encrypted in place under a new extension, a note everywhere
python3 - "$S" <<'PY'
import os, sys, glob
root = sys.argv[1]
files = sorted(f for f in glob.glob(root + "/**/*", recursive=True) if os.path.isfile(f))[::2][:150]
for f in files:
    data = open(f, "rb").read()
    with open(f + ".crypt", "wb") as o:
        o.write(os.urandom(len(data) + 256))
    os.unlink(f)
for d in [root] + [p for p in glob.glob(root + "/**/", recursive=True)]:
    open(os.path.join(d, "COMMENT_RECUPERER_VOS_FICHIERS.txt"), "w").write("Vos fichiers sont chiffrés. Payez.\n")
PY
# without a files cache (a new machine, a wiped cache) the verdict comes
# from the parent snapshot's stored trees
expect_rc 10 "the attack backed up without a files cache: exit 10" env REMPART_CACHE_DIR="$T/empty-cache" "$RP" backup --json "$S"
check "...judged an attack from the parent's trees" test "$(json_get "$T/out" "j['verdict']")" = attack
expect_rc 10 "the attack snapshot: backup exits 10" "$RP" backup --on-alert "cat > '$T/alert.json'" "$S"
contains "$T/out" "verdict:   attack" "backup prints the attack verdict"
contains "$T/out" "latest-clean" "backup says how to restore the last clean state"
check "--on-alert got the verdict as JSON on stdin" python3 -c "
import json; j=json.load(open('$T/alert.json')); assert j['verdict']=='attack' and 'evidence' in j and len(j['snapshot_id'])==64, j.keys()"
expect_rc 10 "analyze exits 10 on the attack" "$RP" analyze
contains "$T/out" "crypt" "analyze names the new extension"
contains "$T/out" "COMMENT_RECUPERER_VOS_FICHIERS.txt" "analyze names the ransom note"
expect_rc 10 "analyze --json" "$RP" analyze --json latest
check "analyze --json has verdict, evidence and latest_clean" python3 -c "
import json; j=json.load(open('$T/out')); assert j['verdict']=='attack' and isinstance(j['evidence'], dict) and j['latest_clean'], j.keys()"
benign_id=$(json_get "$T/out" "j['latest_clean']")
check "latest_clean is the benign day, not the attack" test "$benign_id" != "$(json_get "$T/out" "j['snapshot']")"
expect_rc 0 "analyze of a clean snapshot exits 0" "$RP" analyze "${clean_id:0:8}"
expect_rc 0 "restore latest-clean" "$RP" restore latest-clean --target "$T/r"
same_tree "latest-clean restores the last clean state" "$T/benign-copy" "$T/r$S"
expect_rc 0 "ls latest-clean" "$RP" ls latest-clean "$S/Finances"
contains "$T/out" "note-1.txt" "latest-clean works in ls"
check "...and shows no encrypted file" sh -c "! grep -q '.crypt' '$T/out'"

# the next snapshot changes little: judged clean as a change, yet it still
# holds the encrypted files, so latest-clean must not move to it
echo "une ligne" >>"$S/Finances/note-3.txt"
expect_rc 0 "a quiet snapshot after the attack" "$RP" backup "$S"
expect_rc 0 "analyze --json" "$RP" analyze --json
check "latest-clean still names the state before the attack" test "$(json_get "$T/out" "j['latest_clean']")" = "$benign_id"
expect_rc 0 "forget --keep-last 1 --dry-run" "$RP" forget --keep-last 1 --dry-run
contains "$T/out" "keep   ${benign_id:0:8}.*last clean" "forget keeps the last clean snapshot and says why"
expect_rc 0 "forget --keep-last 1" "$RP" forget --keep-last 1
expect_rc 0 "snapshots" "$RP" snapshots --json
check "the last clean snapshot survived" python3 -c "
import json; j=json.load(open('$T/out')); assert any(s['id']=='$benign_id' for s in j)"

# a user encrypting a few files with gpg is not an attack
if command -v gpg >/dev/null; then
	mkdir -p "$S/perso"
	for i in $(seq 1 20); do echo "données $i" >"$T/p$i"; gpg --batch --yes --passphrase x --pinentry-mode loopback -c -o "$S/perso/p$i.txt.gpg" "$T/p$i" 2>/dev/null; done
	rm -rf "$T/cache2"
	expect_rc 0 "init a second repository" env REMPART_REPOSITORY="$T/repo2" "$RP" init
	cp -a "$T/clean-copy" "$T/s2"
	REMPART_REPOSITORY=$T/repo2 "$RP" backup "$T/s2" >/dev/null 2>&1
	mkdir -p "$T/s2/perso"
	cp "$S"/perso/*.gpg "$T/s2/perso/"
	expect_rc 0 "gpg-encrypted files by a user: not an attack" env REMPART_REPOSITORY="$T/repo2" "$RP" backup --json "$T/s2"
	check "the evidence reports encryption by a known tool" python3 -c "
import json; j=json.load(open('$T/out')); assert j['verdict'] in ('clean',) and j['evidence']['signals'].get('known_tool_encryption'), j['evidence']['signals']"
else
	not_ok "gpg is missing (Debian package gnupg)"
fi
finish
