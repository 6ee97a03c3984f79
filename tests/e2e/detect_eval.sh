#!/usr/bin/env bash
# detect_eval.sh - the ransomware-detection harness end to end on a small
# synthetic tree: the scenario simulator makes benign and attack snapshots,
# scan-eval (the library without the engine) judges them, score.py scores
# them against the simulator's ground truth.
# SANITIZE: no   (scan-eval is built once, without sanitizers; the library
# itself runs under ASan and valgrind in the unit tests)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
check() { # WHAT COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok - $what"; else echo "not ok - $what"; fails=$((fails + 1)); fi
}

make -C "$ROOT" --no-print-directory scan-eval >"$TMP/build.log" 2>&1 ||
	{ echo "not ok - build scan-eval (see below)"; cat "$TMP/build.log"; exit 1; }
EVAL=$ROOT/build/scan-eval

# a small tree: text documents, PDF-like and docx-like files, litter, a note-free share
python3 - "$TMP/base" <<'EOF'
import os, random, sys
root = sys.argv[1]
r = random.Random("detect-e2e")
words = "le conseil municipal délibère sur la voirie école budget travaux mairie séance".split()
for d in range(12):
    folder = os.path.join(root, "Service %d" % d, "Dossiers")
    os.makedirs(folder)
    for i in range(20):
        text = " ".join(r.choice(words) for _ in range(r.randint(200, 2000))).encode()
        open(os.path.join(folder, "note %d.txt" % i), "wb").write(text)
    for i in range(5):
        body = r.randbytes(r.randint(20000, 200000))
        open(os.path.join(folder, "facture %d.pdf" % i), "wb").write(b"%PDF-1.7\n" + body + b"\n%%EOF\n")
        open(os.path.join(folder, "doc %d.docx" % i), "wb").write(b"PK\x03\x04\x14\x00\x06\x00" + body[:50000] + b"PK\x05\x06" + bytes(18))
    open(os.path.join(folder, "Thumbs.db"), "wb").write(r.randbytes(1024))
EOF

run() { # SCENARIO
	python3 "$ROOT/bench/detect/scenarios.py" make "$1" "$TMP/base" "$TMP/$1" &&
		"$EVAL" -j "$TMP/$1/res-1.judgements" "$TMP/$1/snap0" "$TMP/$1/snap1" >"$TMP/$1/res-1.out" &&
		python3 "$ROOT/bench/detect/score.py" row "$TMP/$1" >"$TMP/$1/row.json"
}
field() { # SCENARIO PYTHON-EXPRESSION-ON-r
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/$1/row.json" "$2"
}

for s in noop inplace newfile-ext bitflip min20; do
	check "scenario $s runs" run $s
done
check "unchanged tree is clean" test "$(field noop 'r["verdicts"][0]')" = clean
if command -v xz >/dev/null; then
	check "scenario archive-xz runs" run archive-xz
	check "per-file xz compression is clean, no file flagged" \
		test "$(field archive-xz 'r["verdicts"][0], r["fp"]')" = "('clean', 0)"
else
	echo "ok - # SKIP xz not installed"
fi
for s in inplace newfile-ext bitflip; do
	check "$s: attack" test "$(field $s 'r["verdicts"][0]')" = attack
	check "$s: every attacked file flagged, nothing else" \
		test "$(field $s 'r["recall"]["full"][0] == r["recall"]["full"][1] > 0 and r["fp"] == 0')" = True
done
check "20 files encrypted: not clean" test "$(field min20 'r["verdicts"][0]')" != clean
check "evidence names the new extension" grep -q '"extension_churn":{"extension":"k3y"' "$TMP/newfile-ext/res-1.out"
check "scan-eval --show decodes a record" sh -c "'$EVAL' --show '$TMP/base/Service 0/Dossiers/note 0.txt' | grep -q 'type=text'"
check "scan-eval rejects a bad command line" sh -c "! '$EVAL' only-one-dir 2>/dev/null"
exit $fails
