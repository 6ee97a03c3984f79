# lib.sh - shared by the end-to-end and fault tests (sourced).
#
# Each test gets a scratch folder ($T) removed on exit, a repository in
# $T/repo and its own cache; every check prints "ok - what" or
# "not ok - what" (tests/run.sh counts them).
set -u
TEST_ROOT=${REMPART_TEST_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RP=${REMPART_BIN:-$TEST_ROOT/build/rempart}
TREECMP="python3 $TEST_ROOT/tests/tools/treecmp.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/rempart-test.XXXXXX")
export REMPART_REPOSITORY=$T/repo
export REMPART_PASSWORD=correct-horse-battery
export REMPART_CACHE_DIR=$T/cache
unset REMPART_PASSWORD_FILE REMPART_TOKEN REMPART_TOKEN_FILE
FAILS=0
CLEANUPS=()

cleanup() {
	local c
	for c in "${CLEANUPS[@]+"${CLEANUPS[@]}"}"; do eval "$c" >/dev/null 2>&1; done
	rm -rf "$T"
}
trap cleanup EXIT
on_exit() { CLEANUPS+=("$1"); }

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	FAILS=$((FAILS + 1))
}
# check WHAT CMD...: ok when CMD succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
# expect_rc WANT WHAT CMD...: runs CMD (output in $T/out, $T/err), checks its exit code
expect_rc() {
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		ok "$what"
	else
		not_ok "$what (exit $rc, wanted $want)"
		sed 's/^/    # /' "$T/err" | head -20
	fi
}
# contains FILE TEXT WHAT
contains() {
	if grep -q -- "$2" "$1"; then ok "$3"; else
		not_ok "$3 (no '$2' in output)"
		sed 's/^/    # /' "$1" | head -10
	fi
}
# same_tree WHAT A B: full metadata comparison, atimes included
same_tree() {
	local what=$1
	if $TREECMP "$2" "$3" >"$T/cmp" 2>&1; then ok "$what"; else
		not_ok "$what"
		sed 's/^/    # /' "$T/cmp" | head -20
	fi
}
# json_get FILE EXPR: python expression on the parsed JSON in j
json_get() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}
finish() {
	[ "$FAILS" = 0 ]
}
is_root() { [ "$(id -u)" = 0 ]; }
