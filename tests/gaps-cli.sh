#!/bin/sh
# gaps: the command line, and log text that tries to drive the terminal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/gaps-lib.sh"

plan 18

"$WFPSIFT" gaps --help > "$TEST_TMP/help"
is "$?|$(head -1 "$TEST_TMP/help" | cut -c1-19)" "0|usage: wfpsift gaps" "--help: the usage, exit 0"
"$WFPSIFT" gaps --bogus > /dev/null 2>&1
is $? 2 "an unknown option: exit 2"
"$WFPSIFT" gaps -d "$TEST_TMP/x.db" extra > /dev/null 2>&1
is $? 2 "an extra argument: exit 2"
"$WFPSIFT" gaps --clock-skew soon > /dev/null 2>&1
is $? 2 "a number option that is not a number: exit 2"
"$WFPSIFT" gaps -d "$TEST_TMP/missing.db" > /dev/null 2> "$TEST_TMP/err"
is $? 1 "a case that does not exist: exit 1"
grep -q "missing.db" "$TEST_TMP/err"
ok $? "the error names the case"

# A host name with an escape sequence, a newline and a right-to-left
# override, and an account name with a quote, in a cleared log and a scan.
CASE="$TEST_TMP/hostile.db"
EVIL="$(printf 'WS\033[2J66\n\342\200\256exe.txt')"
{
	cat <<SQL
INSERT INTO spec(source, host, t, event_id, user_name, user_domain) VALUES
  ('evil.evtx', '$EVIL', '2026-11-02 08:00:00', 1102, 'o''brien', 'CORP');
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app) VALUES
  ('evil.evtx', '$EVIL', '2026-11-02 08:01:00', 5156, 'outbound', 6, '10.6.6.6', 50000, '10.0.0.9', 443, 4, 'System'),
  ('evil.evtx', '$EVIL', '2026-11-02 10:00:00', 5156, 'outbound', 6, '10.6.6.6', 50001, '10.0.0.9', 443, 4, 'System'),
  ('srv.evtx', 'SRV09', '2026-11-02 08:00:00', 5156, 'inbound', 6, '10.0.0.9', 443, '10.6.6.6', 50000, 4, 'System'),
  ('srv.evtx', 'SRV09', '2026-11-02 09:00:00', 5152, 'inbound', 6, '10.0.0.9', 22, '10.6.6.6', 61000, 0, NULL);
SQL
} | make_case "$CASE"
"$WFPSIFT" gaps -d "$CASE" -v > "$TEST_TMP/out" 2>&1
ok $? "gaps runs on hostile names"
is "$(sql "$CASE" "SELECT kind FROM gaps ORDER BY id")" "unlogged_traffic
log_cleared" "the scan and the clear are found whatever the host is called"
tr -d '\n' < "$TEST_TMP/out" | grep -q "$(printf '\033')"
is $? 1 "no escape character reaches the terminal"
grep -q "$(printf '\342\200\256')" "$TEST_TMP/out"
is $? 1 "no right-to-left override reaches the terminal"
grep -q 'WS\\x1b\[2J66\\x0a' "$TEST_TMP/out"
ok $? "they are shown escaped"
is "$(sql "$CASE" "SELECT instr(summary, char(27)) + instr(summary, char(8238)) + instr(summary, char(10)) FROM gaps")" "0
0" "summaries in the case hold no control or bidirectional characters"
query=$(sql "$CASE" "SELECT query FROM gaps WHERE kind = 'log_cleared'")
is "$(sql "$CASE" "SELECT subject_user_name FROM ($query)")" "o'brien" \
    "a quote in a log value does not break the evidence query"

# A witness line far longer than any conn.log line: the read stops with
# one line naming the file and the line, instead of growing without end.
{
	printf '#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\thistory\n'
	head -c 2000000 /dev/zero | tr '\0' 'A'
	printf '\n'
} > "$TEST_TMP/huge-conn.log"
"$WFPSIFT" gaps -q -d "$CASE" --zeek-conn "$TEST_TMP/huge-conn.log" > /dev/null 2> "$TEST_TMP/err"
is $? 1 "a conn.log with a 2 MB line: exit 1"
is "$(cat "$TEST_TMP/err")" \
    "wfpsift gaps: $TEST_TMP/huge-conn.log: line 3 is longer than 1048576 bytes: not a Zeek conn.log" \
    "a conn.log with a 2 MB line: one line naming the file and the line"

# WFPSIFT_SQL_PROFILE=0 names every statement with its time on stderr, the
# passes included; the output is unchanged.
WFPSIFT_SQL_PROFILE=0 "$WFPSIFT" gaps -q -d "$CASE" > "$TEST_TMP/profiled" 2> "$TEST_TMP/profile"
is $? 0 "WFPSIFT_SQL_PROFILE=0: gaps runs"
is "$(grep -c '^wfpsift: sql  *[0-9]*\.[0-9][0-9][0-9] s: SELECT source_id, host, channel, recovered' "$TEST_TMP/profile")" 1 \
    "WFPSIFT_SQL_PROFILE=0: the log sums pass is named once, with its time"
"$WFPSIFT" gaps -q -d "$CASE" > "$TEST_TMP/plain" 2> /dev/null
cmp -s "$TEST_TMP/plain" "$TEST_TMP/profiled"
ok $? "WFPSIFT_SQL_PROFILE does not change the output"
