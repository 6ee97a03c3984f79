#!/usr/bin/env bash
# exposure_html.sh - the HTML exposure report, opened in a real headless
# Chromium: the totals the page shows are those of the JSON report, its
# script runs (a table sorts from the address), and a file name made of
# markup stays text.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN_DIR=$(dirname "${REMPART_BIN:-$ROOT/build/rempart}")
SCAN=$BIN_DIR/pii-scan
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CHROME=""
for c in chromium chromium-browser; do
	command -v "$c" >/dev/null 2>&1 && CHROME=$c && break
done
if [ -z "$CHROME" ]; then
	echo "not ok - chromium is missing (Debian package chromium; scripts/install-deps.sh)"
	exit 1
fi
if [ ! -x "$SCAN" ]; then
	echo "not ok - $SCAN is missing (make pii-scan)"
	exit 1
fi

python3 "$ROOT/bench/exposure/gen_corpus.py" "$TMP/gen" --docs 3 --seed 7 >/dev/null || {
	echo "not ok - generating the corpus"
	exit 1
}
CORPUS=$TMP/gen/corpus
mkdir -p "$CORPUS/piège"
printf 'jean.dupont@example.fr\n' >"$CORPUS/piège/<img id=\"inject\" src=x onerror=alert(1)>.txt"

"$SCAN" "$CORPUS" --format json --snapshot 3fa2c1d0 >"$TMP/report.json" &&
	"$SCAN" "$CORPUS" --format html --snapshot 3fa2c1d0 >"$TMP/report.html"
if [ $? != 0 ]; then
	echo "not ok - pii-scan failed"
	exit 1
fi
if grep -qE '(src|href)="(https?:)?//|<link |@import' "$TMP/report.html"; then
	echo "not ok - the report loads external resources"
else
	echo "ok - the report is self-contained"
fi

# the address asks the page to sort the file table by its Total column, ascending
HOME=$TMP timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$TMP/profile" --virtual-time-budget=5000 \
	--dump-dom "file://$TMP/report.html#sort=files:1:asc" >"$TMP/dom.html" 2>"$TMP/chrome.log"
if [ ! -s "$TMP/dom.html" ]; then
	echo "not ok - chromium rendered nothing"
	sed 's/^/# /' "$TMP/chrome.log" | tail -5
	exit 1
fi
echo "ok - chromium rendered the report"

python3 "$ROOT/tests/tools/exposure_dom.py" "$TMP/dom.html" "$TMP/report.json" --expect-sorted --expect-injection
