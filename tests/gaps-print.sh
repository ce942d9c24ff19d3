#!/bin/sh
# gaps: what is printed in full and what is only counted. The case always
# holds every gap; --min-severity and analyze's brief summary decide what
# the terminal shows, and say what they left out.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/gaps-lib.sh"

plan 10

# Fourteen steady hosts, each silent from 10:00 to 16:00 (a low time_gap),
# and one of them cleared by mallory at 17:00 (a high log_cleared).
CASE="$TEST_TMP/many.db"
{
	for n in 01 02 03 04 05 06 07 08 09 10 11 12 13 14; do
		steady "ws$n.evtx" "WS$n" "10.0.1.$n"
		echo "DELETE FROM spec WHERE host = 'WS$n' AND t > '2026-11-02 10:00:00'
		    AND t < '2026-11-02 16:00:00';"
	done
	cat <<'SQL'
INSERT INTO spec(source, host, t, event_id, user_name, user_domain) VALUES
  ('ws01.evtx', 'WS01', '2026-11-02 17:00:00', 1102, 'mallory', 'CORP');
SQL
} | make_case "$CASE"

"$WFPSIFT" gaps -d "$CASE" > "$TEST_TMP/all" 2>&1
is "$(sql "$CASE" "SELECT severity, kind, count(*) FROM gaps GROUP BY 1, 2 ORDER BY 1, 2")" \
    "high|log_cleared|1
low|time_gap|14" "the case holds every gap: fourteen silences and one clear"
is "$(grep -c '^ *[0-9]*\. \[' "$TEST_TMP/all")" 15 \
    "by default every gap is printed in full"
grep -q "Not shown" "$TEST_TMP/all"
is $? 1 "by default nothing is left out"

"$WFPSIFT" gaps -d "$CASE" --min-severity high > "$TEST_TMP/high" 2>&1
is "$(grep '^ *[0-9]*\. \[' "$TEST_TMP/high" | sed 's/^ *//')" \
    "1. [high] log_cleared on WS01" "--min-severity high prints the clear alone"
grep -q "^  Not shown, below high severity: 14 time_gap\.$" "$TEST_TMP/high"
ok $? "and counts, by kind, the gaps it left out"
is "$(sql "$CASE" "SELECT count(*) FROM gaps")" 15 \
    "--min-severity changes what is printed, not what the case holds"

"$WFPSIFT" gaps -d "$CASE" --min-severity urgent > /dev/null 2> "$TEST_TMP/err"
is "$?|$(head -1 "$TEST_TMP/err")" \
    "2|wfpsift gaps: --min-severity is info, low, medium or high, not 'urgent'" \
    "an unknown severity: a usage error naming the choices"

# analyze's summary: more than ten low gaps are counted, not printed, and
# the coverage of more than twelve hosts is one line.
"$WFPSIFT" analyze -q -d "$CASE" -o "$TEST_TMP/report" "$TESTDATA/sysmon.evtx" \
    > "$TEST_TMP/analyze" 2>&1
is "$(sed -n '/^Gaps/,/^Coverage/p' "$TEST_TMP/analyze" | grep -c '\[low\]')" 0 \
    "analyze does not print fourteen low gaps in full"
grep -q "^  Not shown, below medium severity: 14 time_gap" "$TEST_TMP/analyze"
ok $? "analyze counts them instead"
grep -q "^Coverage: 15 hosts" "$TEST_TMP/analyze"
ok $? "analyze sums up the coverage of fifteen hosts in one line"
