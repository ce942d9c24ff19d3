#!/bin/sh
# detect-cli: the command line of 'wfpsift detect': help, usage errors,
# missing cases, bad settings, and hostile log strings kept off the terminal.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/detect-lib.sh"

"$WFPSIFT" detect --help > "$TEST_TMP/out" 2>&1
ok $? "--help exits 0"
grep -q -- '--port-sweep-ports N' "$TEST_TMP/out"
ok $? "--help lists the thresholds"
"$WFPSIFT" detect --no-such-flag > /dev/null 2>&1
is "$?" "2" "an unknown flag is a usage error (2)"
"$WFPSIFT" detect -d "$TEST_TMP/x.db" logs/ > /dev/null 2>&1
is "$?" "2" "a path argument is a usage error: detect reads the case"
"$WFPSIFT" detect --port-sweep-ports many -d "$TEST_TMP/x.db" > /dev/null 2> "$TEST_TMP/err"
is "$?" "2" "a threshold that is not a number is a usage error"
grep -q "port-sweep-ports: 'many' is not a number" "$TEST_TMP/err"
ok $? "and says which"
"$WFPSIFT" detect -d "$TEST_TMP/missing.db" > /dev/null 2> "$TEST_TMP/err"
is "$?" "1" "a missing case is an error (1)"
[ ! -e "$TEST_TMP/missing.db" ]
ok $? "and is not created"
printf 'port-sweep-portz = 3\n' > "$TEST_TMP/bad.conf"
"$WFPSIFT" detect -d "$TEST_TMP/missing.db" --config "$TEST_TMP/bad.conf" > /dev/null 2> "$TEST_TMP/err"
is "$(cat "$TEST_TMP/err")" "wfpsift detect: $TEST_TMP/bad.conf:1: unknown setting 'port-sweep-portz'" \
    "an unknown config key names the file and line"

# A hostile user name and application: escape sequences must not reach the terminal.
CASE=$TEST_TMP/hostile.db
new_case "$CASE"
{
	proc 1 WS01 100 start 4444 '\x\evil.exe' alice CORP S-1-5-21-1-1001 0x1 1
	net_series 1 20 WS01 1000 1 outbound 6 "'10.0.0.5'" "40000 + n" "'10.0.0.20'" "1 + n" 4444 '\x\evil.exe'
	echo "UPDATE processes SET user_name = 'al' || char(27) || '[2Jice' || char(10) || 'x';"
	echo "UPDATE network_events SET application_name = 'ev' || char(155) || 'il.exe';"
} > "$TEST_TMP/rows.sql"
load "$CASE" "$TEST_TMP/rows.sql"
"$WFPSIFT" detect -d "$CASE" > "$TEST_TMP/out" 2>&1
ok $? "detect runs on hostile strings"
is "$(wc -l < "$TEST_TMP/out" | tr -d ' ')" "2" "one line for the finding, one for the totals: a newline in a name cannot add lines"
! grep -q "$(printf '\033')" "$TEST_TMP/out"
ok $? "no ESC byte reaches the output"
grep -q 'CORP\\al\\x1b\[2Jice\\x0ax with ev\\u009bil.exe' "$TEST_TMP/out"
ok $? "control characters are shown as escapes"
is "$(sql "$CASE" "SELECT hex(user_name) FROM findings")" \
    "$(sql "$CASE" "SELECT hex('CORP\\al' || char(27) || '[2Jice' || char(10) || 'x')")" \
    "the case keeps the string exactly as logged"

# The sweeps read the flows through a scratch file in TMPDIR: it is gone
# when detect ends, and a TMPDIR that cannot be written is a clear error
# that leaves the case's last results alone.
mkdir "$TEST_TMP/scratch"
TMPDIR=$TEST_TMP/scratch "$WFPSIFT" detect -q -d "$CASE" > /dev/null 2>&1
ok $? "detect runs with its own TMPDIR"
is "$(ls -A "$TEST_TMP/scratch")" "" "and leaves no scratch file behind"
before=$(sql "$CASE" "SELECT count(*) FROM findings")
TMPDIR=$TEST_TMP/missing "$WFPSIFT" detect -q -d "$CASE" > /dev/null 2> "$TEST_TMP/err"
is "$?" "1" "a TMPDIR that does not exist: exit 1"
grep -q "scratch file of flows (in TMPDIR, or /tmp) could not be written" "$TEST_TMP/err"
ok $? "and the message says what it needed"
is "$(sql "$CASE" "SELECT count(*) FROM findings")" "$before" "the last run's findings are kept"
# A case written before the findings table had its later columns: detect
# adds them when it opens the case, and fills them.
sqlite3 "$CASE" ".backup '$TEST_TMP/old-findings.db'"
sql "$TEST_TMP/old-findings.db" "DELETE FROM finding_evidence; DELETE FROM findings;
    ALTER TABLE findings DROP COLUMN reference_rules; ALTER TABLE findings DROP COLUMN seen_from;
    ALTER TABLE findings DROP COLUMN seen_by; ALTER TABLE findings DROP COLUMN service"
"$WFPSIFT" detect -q -d "$TEST_TMP/old-findings.db" > /dev/null 2>&1
ok $? "detect runs on a case whose findings table lacks the later columns"
is "$(sql "$TEST_TMP/old-findings.db" "SELECT count(*) FROM pragma_table_info('findings')
    WHERE name IN ('reference_rules', 'seen_from', 'seen_by', 'service')")|$(sql "$TEST_TMP/old-findings.db" "SELECT seen_from FROM findings")" \
    "4|$(sql "$CASE" "SELECT seen_from FROM findings")" "the four are added, and filled as in a new case"
done_testing

