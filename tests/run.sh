#!/usr/bin/env bash
# run.sh - run every test and print "N passed, N failed" last.
#
# Unit tests are cmocka binaries (build/tests/test_*); every other test is
# a script under tests/e2e, tests/fault or tests/server that prints one
# line per check: "ok - what" or "not ok - what".  A script that exits
# non-zero without reporting a failure counts as one failure.
#
#   tests/run.sh                 everything (normal, sanitizer, valgrind)
#   tests/run.sh e2e/backup_restore.sh   one script
#   QUICK=1 tests/run.sh         skip the sanitizer and valgrind passes
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export REMPART_TEST_ROOT=$ROOT
LOGDIR=${LOGDIR:-$ROOT/build/test-logs}
mkdir -p "$LOGDIR"
PASS=0
FAIL=0
FAILED=()

count_cmocka() { # LOG NAME
	local p f
	p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$1" | awk '{s+=$4} END {print s+0}')
	echo "$p $f"
}

run_unit() { # BIN [WRAPPER...]
	local bin=$1; shift
	local name log rc p f
	name=$(basename "$bin")
	log=$LOGDIR/$name${TAG:-}.log
	"$@" "$bin" >"$log" 2>&1
	rc=$?
	read -r p f < <(count_cmocka "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	if [ "$f" != 0 ]; then FAILED+=("$name${TAG:-} (see $log)"); fi
	printf '%-40s %4d passed %4d failed\n' "$name${TAG:-}" "$p" "$f"
}

run_script() { # SCRIPT
	local s=$1 name log rc p f t0 t1
	name=${s#tests/}
	log=$LOGDIR/$(echo "$name" | tr / _)${TAG:-}.log
	t0=$(date +%s)
	timeout "${SCRIPT_TIMEOUT:-600}" bash "$s" >"$log" 2>&1
	rc=$?
	t1=$(date +%s)
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	if [ "$f" != 0 ]; then FAILED+=("$name${TAG:-} (see $log)"); fi
	printf '%-40s %4d passed %4d failed %4ds\n' "$name${TAG:-}" "$p" "$f" $((t1 - t0))
}

scripts() {
	ls tests/e2e/*.sh tests/fault/*.sh tests/server/*.sh 2>/dev/null
}

if [ $# -gt 0 ]; then
	for s in "$@"; do
		case $s in
		*.sh) run_script "tests/${s#tests/}" ;;
		*) run_unit "build/tests/$s" ;;
		esac
	done
else
	export REMPART_BIN=$ROOT/build/rempart
	for b in build/tests/test_*; do [ -x "$b" ] && run_unit "$b"; done
	for s in $(scripts); do run_script "$s"; done

	if [ -z "${QUICK:-}" ]; then
		# the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
		echo "building with AddressSanitizer and UBSan..."
		if make --no-print-directory BUILD=build-asan SAN=address,undefined OPT=-O1 all unit >"$LOGDIR/asan-build.log" 2>&1; then
			export REMPART_BIN=$ROOT/build-asan/rempart
			export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
			export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
			TAG=" [asan]"
			for b in build-asan/tests/test_*; do [ -x "$b" ] && run_unit "$b"; done
			for s in $(scripts); do
				grep -q 'SANITIZE: *no' "$s" || run_script "$s"
			done
			unset TAG ASAN_OPTIONS UBSAN_OPTIONS
		else
			FAIL=$((FAIL + 1))
			FAILED+=("sanitizer build (see $LOGDIR/asan-build.log)")
		fi
		export REMPART_BIN=$ROOT/build/rempart
		# unit tests and one end-to-end run under valgrind
		TAG=" [valgrind]"
		for b in build/tests/test_*; do
			[ -x "$b" ] && run_unit "$b" valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
		done
		unset TAG
		VALGRIND=1 run_script tests/e2e/valgrind_smoke.sh
	fi
fi

if [ ${#FAILED[@]} -gt 0 ]; then
	echo
	echo "failures:"
	for f in "${FAILED[@]}"; do echo "  $f"; done
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
