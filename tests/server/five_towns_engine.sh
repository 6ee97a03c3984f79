#!/usr/bin/env bash
# Five towns back up to one server at the same time with the real client,
# then restore at the same time: every town gets exactly its own tree back.
. "$(dirname "$0")/lib/server_common.sh"
RP=$REMPART_BIN
TREECMP="python3 $ROOT_DIR/tests/tools/treecmp.py"
TOWNS="donges vue savenay cordemais lavau"
unset REMPART_PASSWORD_FILE REMPART_TOKEN_FILE REMPART_REPOSITORY
for t in $TOWNS; do
	new_token "$t" append >"$T/$t.append"
	new_token "$t" read >"$T/$t.read"
	mkdir -p "$T/$t/share/docs"
	for i in $(seq 1 40); do head -c $((RANDOM * 5)) /dev/urandom >"$T/$t/share/docs/f$i"; done
	python3 -c "print('$t ' * 500000)" >"$T/$t/share/registre.txt"
	head -c 8000000 /dev/urandom >"$T/$t/share/scan.tif"
done
check "server starts" start_server --threads 8
town() { # TOWN TOKENKIND ARGS...
	local t=$1 k=$2
	shift 2
	REMPART_PASSWORD="pw-$t" REMPART_CACHE_DIR="$T/$t/cache" "$RP" -r "rest:$URL/$t" --token-file "$T/$t.$k" "$@"
}
for t in $TOWNS; do town "$t" append init -q || notok "init $t"; done
pids=()
for t in $TOWNS; do
	(town "$t" append backup -q "$T/$t/share" && town "$t" append backup -q "$T/$t/share") >"$T/$t.log" 2>&1 &
	pids+=($!)
done
BG_PIDS+=("${pids[@]}")
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
expect_eq "five towns backed up twice, all at once" 0 "$fails"
[ "$fails" = 0 ] || cat "$T"/*.log >&2
pids=()
for t in $TOWNS; do
	town "$t" read restore latest --target "$T/$t/restore" -q >"$T/$t.rlog" 2>&1 &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
expect_eq "five restores at once" 0 "$fails"
for t in $TOWNS; do
	if $TREECMP "$T/$t/share" "$T/$t/restore$T/$t/share" --no-atime >"$T/$t.cmp" 2>&1; then
		ok "$t got its own tree back"
	else
		notok "$t got its own tree back"
		head -5 "$T/$t.cmp"
	fi
done
REMPART_PASSWORD=pw-donges "$RP" -r "rest:$URL/vue" --token-file "$T/donges.read" snapshots >"$T/other" 2>&1
check "a town's token cannot open another town's repository" test $? != 0
check "...and is told the server refused it" grep -q "refused\|permission\|403" "$T/other"
check "server stops cleanly" stop_server
[ "$FAILED" = 0 ]
