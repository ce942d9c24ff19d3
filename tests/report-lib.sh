# tests/report-lib.sh: what the report tests share. Source it after lib.sh.

PYTHON=/usr/bin/python3

# report_case DB [findings]: a case made from tests/report-case.sql (24
# network events on WS01 and WS02); with "findings", also the two findings
# and two gaps of tests/report-findings.sql.
report_case() {
	sqlite3 -batch "$1" < "$top_srcdir/src/schema.sql" &&
	sqlite3 -batch "$1" < "$top_srcdir/tests/report-case.sql" || return 1
	if [ "$2" = findings ]; then
		sqlite3 -batch "$1" < "$top_srcdir/tests/report-findings.sql"
	fi
}

# hostile_case DB: tests/report-case.sql plus tests/report-hostile.sql.
hostile_case() {
	report_case "$1" findings &&
	sqlite3 -batch "$1" < "$top_srcdir/tests/report-hostile.sql"
}

# check FORMAT FILE EXPRESSION: the value of EXPRESSION over the parsed
# report (see tests/report-check.py).
check() {
	"$PYTHON" "$top_srcdir/tests/report-check.py" "$@" 2>&1
}

# have_fixture NAME: true when testdata/NAME.evtx exists.
have_fixture() { [ -f "$TESTDATA/$1.evtx" ]; }
