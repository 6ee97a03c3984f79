#!/usr/bin/env bash
# Every libFuzzer target of tests/fuzz/ for a few seconds each, starting
# from seeds made by the target's own encoders: a crash, a sanitizer
# report, a leak or a broken round-trip property fails the check.
# Builds the targets first (make fuzz: clang, ASan + UBSan).
#   FUZZ_SECONDS  time per target (default 10)
#   FUZZ_JOBS     targets run at once (default 2)
# SANITIZE: no  (the targets carry their own sanitizers)
. "$(dirname "$0")/../lib.sh"
cd "$TEST_ROOT" || exit 1
SECS=${FUZZ_SECONDS:-10}
JOBS=${FUZZ_JOBS:-2}

if ! command -v clang >/dev/null; then
	not_ok "clang is not installed (make fuzz needs it)"
	exit 1
fi
if make --no-print-directory fuzz >"$T/build.log" 2>&1; then
	ok "make fuzz builds every target"
else
	not_ok "make fuzz"
	grep -E 'error|Error' "$T/build.log" | head -20 | sed 's/^/    # /'
	exit 1
fi

targets=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')

run_one() { # NAME
	local n=$1 dir=$T/corpus/$1
	mkdir -p "$dir"
	RP_FUZZ_SEED_DIR=$dir build-fuzz/bin/$n -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=20 \
		-print_final_stats=1 -artifact_prefix="$T/$n-" "$dir" >"$T/$n.log" 2>&1
	echo $? >"$T/$n.rc"
}

running=0
for n in $targets; do
	run_one "$n" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

for n in $targets; do
	rc=$(cat "$T/$n.rc" 2>/dev/null || echo none)
	runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$T/$n.log" | awk '{print $2}')
	seeds=$(ls "$T/corpus/$n" | grep -c '^seed-')
	if [ "$rc" = 0 ] && [ -n "$runs" ] && [ "$seeds" -gt 0 ]; then
		ok "$n: $runs runs in ${SECS}s from $seeds seeds, no crash"
	else
		not_ok "$n (exit $rc, ${seeds} seeds)"
		grep -E 'ERROR|property failed|runtime error|SUMMARY|does not' "$T/$n.log" | head -6 | sed 's/^/    # /'
		# the input that failed, to replay with build-fuzz/bin/$n FILE
		grep -m1 '^Base64: ' "$T/$n.log" | sed 's/^/    # /'
	fi
done
finish
