# tests/lib.sh: a small TAP library for wfpsift's shell tests.
#
# A test script sources this file, calls plan N (or plan_skip_all REASON),
# then one assertion per expected behaviour. Each assertion prints one TAP
# line; automake's tap-driver counts them. Run a script by hand to read it:
#   top_srcdir=. WFPSIFT=./wfpsift sh tests/ingest-fixtures.sh

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${WFPSIFT:=$top_builddir/wfpsift}"
CORPUS="${WFPSIFT_CORPUS:-$top_srcdir/../shared/corpus}"
TESTDATA="$top_srcdir/testdata"

tap_count=0
tap_failed=0

# A scratch directory per script, removed at exit unless KEEP_TEST_OUTPUT is set.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wfpsift-test.XXXXXX")
trap '[ -n "$KEEP_TEST_OUTPUT" ] || rm -rf "$TEST_TMP"' EXIT

plan() { echo "1..$1"; }
plan_skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# ok CONDITION-EXIT-STATUS DESCRIPTION: pass when the previous status is 0.
ok() {
	status=$1; shift
	tap_count=$((tap_count + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_count - $*"
	else
		echo "not ok $tap_count - $*"
		tap_failed=$((tap_failed + 1))
	fi
}

# is GOT EXPECTED DESCRIPTION: pass when the two strings are equal.
is() {
	got=$1 expected=$2; shift 2
	tap_count=$((tap_count + 1))
	if [ "$got" = "$expected" ]; then
		echo "ok $tap_count - $*"
	else
		echo "not ok $tap_count - $*"
		printf '# expected: %s\n#      got: %s\n' "$expected" "$got" |
		    sed '3,$s/^/#           /'
		tap_failed=$((tap_failed + 1))
	fi
}

# skip DESCRIPTION REASON: one skipped assertion.
skip() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $1 # SKIP $2"
}

# done_testing: the plan at the end, for scripts that count as they go.
done_testing() { echo "1..$tap_count"; }

# sql CASE QUERY: run a query against a case, one row per line, '|' between columns.
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# wait_until EXPRESSION...: wait until test(1) holds for EXPRESSION (a file
# another process makes, say), checking every 50 ms for up to 10 s.
wait_until() {
	wait_tries=0
	while ! test "$@" && [ $wait_tries -lt 200 ]; do
		wait_tries=$((wait_tries + 1))
		sleep 0.05
	done
}

# have_corpus: true when the real EVTX corpus is present.
have_corpus() { [ -d "$CORPUS" ] && [ -f "$CORPUS/MANIFEST.tsv" ]; }
