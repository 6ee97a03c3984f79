#!/usr/bin/env bash
# pii_stdnum.sh - the PII validators (NIR, IBAN, SIREN, SIRET, Luhn, cards)
# agree with python-stdnum on 100,000 generated values, valid and damaged.
# Cases come from tests/tools/pii_stdnum.py; `pii-scan --validate` answers.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN_DIR=$(dirname "${REMPART_BIN:-$ROOT/build/rempart}")
SCAN=$BIN_DIR/pii-scan
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

PY=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import stdnum' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "not ok - python3 with stdnum (Debian package python3-stdnum) is missing"
	exit 1
fi
if [ ! -x "$SCAN" ]; then
	echo "not ok - $SCAN is missing (make pii-scan)"
	exit 1
fi

"$PY" "$ROOT/tests/tools/pii_stdnum.py" 100000 20240304 >"$TMP/cases" || {
	echo "not ok - generating the cases"
	exit 1
}
cut -d' ' -f1,2 "$TMP/cases" | "$SCAN" --validate >"$TMP/got" || {
	echo "not ok - pii-scan --validate failed"
	exit 1
}
paste -d' ' "$TMP/cases" "$TMP/got" >"$TMP/both"
if [ "$(wc -l <"$TMP/cases")" != "$(wc -l <"$TMP/got")" ]; then
	echo "not ok - pii-scan answered $(wc -l <"$TMP/got") of $(wc -l <"$TMP/cases") cases"
	exit 1
fi
for kind in nir iban siren siret luhn card; do
	total=$(awk -v k="$kind" '$1 == k' "$TMP/both" | wc -l)
	valid=$(awk -v k="$kind" '$1 == k && $3 == 1' "$TMP/both" | wc -l)
	bad=$(awk -v k="$kind" '$1 == k && $3 != $4' "$TMP/both" | wc -l)
	# a fair test needs both answers in quantity
	if [ "$total" -lt 5000 ] || [ "$valid" -lt $((total / 5)) ] || [ "$valid" -gt $((total * 4 / 5)) ]; then
		echo "not ok - $kind: unbalanced cases ($valid valid of $total)"
	elif [ "$bad" = 0 ]; then
		echo "ok - $kind agrees with stdnum on $total values ($valid valid)"
	else
		echo "not ok - $kind disagrees with stdnum on $bad of $total values, e.g.:"
		awk -v k="$kind" '$1 == k && $3 != $4 {print "#   " $2 " stdnum=" $3 " rempart=" $4}' "$TMP/both" | head -5
	fi
done
