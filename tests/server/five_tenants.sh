#!/usr/bin/env bash
# five_tenants.sh - five towns upload and read back at the same time
# (bounded loops); each ends with exactly its own files, intact, and sees
# nothing of the others.
set -u
. "$(dirname "$0")/lib/server_common.sh"

TOWNS="donges vue savenay cordemais lavau"
FILES=16
declare -A TOK RTOK
for t in $TOWNS; do
	TOK[$t]=$(new_token "$t" append)
	RTOK[$t]=$(new_token "$t" read)
done
start_server --timeout 10 || { notok "server starts"; exit 1; }

# upload_loop TOWN: FILES uploads of random sizes, each read back at once
upload_loop() {
	local t=$1 i n f p st
	mkdir -p "$T/$t"
	for i in $(seq 1 $FILES); do
		n=$(( (RANDOM * 32768 + RANDOM) % 1500000 + 1 ))
		f=$T/$t/$i.bin
		head -c "$n" /dev/urandom >"$f"
		[ $((i % 5)) = 0 ] && p=$(obj_path index "$f") || p=$(obj_path data "$f")
		st=$(put "${TOK[$t]}" "$f" "/$t/$p")
		[ "$st" = 201 ] || { echo "upload $t $i: $st"; return 1; }
		curl -s -H "Authorization: Bearer ${RTOK[$t]}" "$URL/$t/$p" -o "$f.back" || return 1
		cmp -s "$f" "$f.back" || { echo "read back $t $i differs"; return 1; }
		rm -f "$f.back"
	done
}

# read_loop TOWN: lists and downloads what is there while uploads go on
read_loop() {
	local t=$1 i name
	for i in $(seq 1 10); do
		curl -s -f -H "Authorization: Bearer ${RTOK[$t]}" "$URL/$t/data/" -o "$T/$t.list" || return 1
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/$t.list" || { echo "bad JSON"; return 1; }
		name=$(grep -o '"data/[0-9a-f/]*"' "$T/$t.list" | head -1 | tr -d '"')
		if [ -n "$name" ]; then
			curl -s -f -H "Authorization: Bearer ${RTOK[$t]}" "$URL/$t/$name" -o "$T/$t.read" || return 1
			[ "$(sha "$T/$t.read")" = "${name##*/}" ] || { echo "$t: $name has other content"; return 1; }
		fi
	done
}

pids=()
for t in $TOWNS; do
	upload_loop "$t" >"$T/$t.up.log" 2>&1 &
	pids+=($!)
	read_loop "$t" >"$T/$t.rd.log" 2>&1 &
	pids+=($!)
done
BG_PIDS+=("${pids[@]}")
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
expect_eq "5 towns x $FILES uploads, each read back, and 5 readers listing at the same time" 0 "$fails"
[ "$fails" = 0 ] || cat "$T"/*.log >&2

for t in $TOWNS; do
	n_data=$(curl -s -H "Authorization: Bearer ${TOK[$t]}" "$URL/$t/data/" | grep -c '"name"')
	n_index=$(curl -s -H "Authorization: Bearer ${TOK[$t]}" "$URL/$t/index/" | grep -c '"name"')
	expect_eq "$t lists exactly its own files" "$FILES" "$((n_data + n_index))"
	bad=0
	while IFS= read -r -d '' f; do
		[ "$(sha "$f")" = "$(basename "$f")" ] || bad=$((bad + 1))
	done < <(find "$SROOT/$t/data" "$SROOT/$t/index" -type f -print0)
	expect_eq "every file stored for $t matches its name" 0 "$bad"
done
others=0
for t in $TOWNS; do
	for u in $TOWNS; do
		[ "$t" = "$u" ] && continue
		[ "$(code "${TOK[$t]}" "$URL/$u/data/")" = 403 ] || others=$((others + 1))
	done
done
expect_eq "no town can list another town's files" 0 "$others"
reqs=$(curl -s -H "Authorization: Bearer ${TOK[donges]}" "$URL/metrics" | awk '/^rempart_requests_total\{tenant="donges",method="PUT",status="201"\}/ {print $2}')
expect_eq "a town's metrics count its own uploads" "$FILES" "$reqs"
leak=$(curl -s -H "Authorization: Bearer ${TOK[donges]}" "$URL/metrics" | grep -c 'tenant="vue"')
expect_eq "and show nothing of the other towns" 0 "$leak"
check "the server exits cleanly" stop_server
finish
