#!/usr/bin/env bash
# rempart exposure over a real snapshot: every format of the labelled
# corpus, counts identical to a direct scan of the same files, the JSON
# shape of the manual, CSV, HTML checked in headless Chromium, and damaged
# data reported without stopping the report.
. "$(dirname "$0")/../lib.sh"
SCAN=$(dirname "$RP")/pii-scan
[ -x "$SCAN" ] || { not_ok "$SCAN missing (make pii-scan)"; exit 1; }
python3 "$TEST_ROOT/bench/exposure/gen_corpus.py" "$T/gen" --docs 4 --seed 11 >/dev/null || { not_ok "corpus"; exit 1; }
C=$T/gen/corpus
expect_rc 0 "init" "$RP" init
expect_rc 0 "backup of the labelled corpus" "$RP" backup "$C"
expect_rc 0 "exposure --format json" "$RP" exposure latest --format json
cp "$T/out" "$T/rempart.json"
"$SCAN" "$C" --format json >"$T/direct.json"
check "the JSON has the documented shape" python3 - "$T/rempart.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
kinds = ["nir", "iban", "card", "siret", "email", "phone", "birthdate", "address"]
assert set(j) >= {"snapshot", "totals", "files", "not_scanned"}, j.keys()
assert sorted(j["totals"]) == sorted(kinds)
for k in kinds:
    assert set(j["totals"][k]) >= {"occurrences", "distinct"}
for f in j["files"]:
    assert set(f) >= {"path", "counts"} and sorted(f["counts"]) == sorted(kinds)
assert set(j["not_scanned"]) >= {"files", "bytes"}
assert len(j["snapshot"]) == 64
PY
check "totals equal a direct scan of the same files" python3 - "$T/rempart.json" "$T/direct.json" "$C" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
root = sys.argv[3]
assert a["totals"] == b["totals"], (a["totals"], b["totals"])
assert a["not_scanned"]["files"] == b["not_scanned"]["files"]
fa = {f["path"][len(root) + 1:]: f["counts"] for f in a["files"]}
fb = {f["path"].lstrip("/"): f["counts"] for f in b["files"]}
assert fa == fb, set(fa) ^ set(fb)
PY
check "every detector found something" python3 -c "
import json; t=json.load(open('$T/rempart.json'))['totals']; assert all(t[k]['occurrences'] > 0 for k in ['nir','iban','card','email','phone']), t"
check "no identifier value appears in the report" python3 - "$T/rempart.json" "$T/gen" <<'PY'
import json, os, sys
text = open(sys.argv[1]).read()
truth = os.path.join(sys.argv[2], "truth.json")
if os.path.exists(truth):
    t = json.load(open(truth))
    values = [v for kind in t.values() for v in (kind if isinstance(kind, list) else [])]
    values = [v for v in values if isinstance(v, str) and len(v) > 8]
    assert not any(v in text for v in values[:2000])
PY
expect_rc 0 "exposure --format csv" "$RP" exposure latest --format csv
check "the CSV parses with a header and one row per file" python3 -c "
import csv; rows=list(csv.reader(open('$T/out'))); assert len(rows) > 10 and len(rows[0]) > 8, rows[:2]"
expect_rc 0 "exposure (table)" "$RP" exposure
contains "$T/out" "nir" "the table names the kinds"
expect_rc 0 "exposure --format html" "$RP" exposure latest --format html
cp "$T/out" "$T/report.html"
CHROME=$(command -v chromium || command -v chromium-browser)
if [ -n "$CHROME" ]; then
	HOME=$T timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/profile" --virtual-time-budget=5000 --dump-dom "file://$T/report.html" \
		>"$T/dom.html" 2>/dev/null
	check "chromium rendered the snapshot's report" test -s "$T/dom.html"
	python3 "$TEST_ROOT/tests/tools/exposure_dom.py" "$T/dom.html" "$T/rempart.json"
else
	not_ok "chromium is missing (scripts/install-deps.sh installs it)"
fi

# backup --scan-pii stores the summary with the snapshot, and an unchanged
# file keeps its counts in the next snapshot without being read
expect_rc 0 "backup --scan-pii" "$RP" backup --scan-pii --json "$C"
expect_rc 0 "second backup --scan-pii" "$RP" backup --scan-pii --json "$C"
check "the second backup read nothing" test "$(json_get "$T/out" "j['bytes_read']")" = 0
sid=$(json_get "$T/out" "j['snapshot_id']")
"$RP" cat snapshot "${sid:0:12}" >"$T/snap.json"
check "the stored summary equals the exposure totals" python3 - "$T/snap.json" "$T/rempart.json" <<'PY'
import json, sys
s, r = json.load(open(sys.argv[1]))["pii"], json.load(open(sys.argv[2]))
assert all(s["occurrences"][k] == r["totals"][k]["occurrences"] for k in r["totals"]), (s, r["totals"])
assert s["files_with_pii"] == r["files_with_pii"], (s, r["files_with_pii"])
PY
# a repository created with --scan-pii scans by default
export REMPART_REPOSITORY=$T/repo2
expect_rc 0 "init --scan-pii" "$RP" init --scan-pii
expect_rc 0 "plain backup" "$RP" backup "$C"
"$RP" cat snapshot "$(ls "$T/repo2/snapshots" | head -c 12)" >"$T/snap2.json"
check "the summary is there without the option" python3 -c "import json; assert 'pii' in json.load(open('$T/snap2.json'))"
export REMPART_REPOSITORY=$T/repo

# damaged data: the report is still written, the file is named, exit 1
pack=$(ls -S "$T"/repo/data/*/* | head -1)
python3 -c "
p='$pack'; b=bytearray(open(p,'rb').read()); b[len(b)//2]^=1; open(p,'wb').write(b)"
expect_rc 1 "exposure over damaged data exits 1" "$RP" exposure latest --format json
contains "$T/err" "damaged" "the damaged file is named"
check "the report is still complete JSON" python3 -c "import json; json.load(open('$T/out'))"
finish
