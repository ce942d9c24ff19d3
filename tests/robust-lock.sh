#!/bin/sh
# Two wfpsift processes on one case: every command that writes the case
# takes its writer lock (src/case-lock.c), so a second ingest of the same
# large file, an ingest of another file, or a detect started while an
# ingest runs waits for it (saying so on stderr, naming the case) and then
# succeeds, and the case equals the sequential result. A wait that runs out
# (WFPSIFT_LOCK_WAIT) exits 3 and changes nothing; report, which only
# reads, does not wait.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/robust-lib.sh"

mkevtx="$top_builddir/tests/mkevtx"
[ -x "$mkevtx" ] || plan_skip_all "tests/mkevtx is not built"
big="$TEST_TMP/big.evtx" small="$TEST_TMP/small.evtx"
"$mkevtx" --bench-security "${ROBUST_LOCK_RECORDS:-60000}" -o "$big" >/dev/null &&
    "$mkevtx" --bench-security 3000 --seed 7 -o "$small" >/dev/null ||
    plan_skip_all "tests/mkevtx cannot write the inputs"

# Sequential references.
"$WFPSIFT" ingest -q -d "$TEST_TMP/ref-big.db" "$big" >/dev/null 2>&1
canonical_dump "$TEST_TMP/ref-big.db" >"$TEST_TMP/ref-big.dump"
"$WFPSIFT" ingest -q -d "$TEST_TMP/ref-both.db" "$big" "$small" >/dev/null 2>&1
canonical_dump "$TEST_TMP/ref-both.db" >"$TEST_TMP/ref-both.dump"
"$WFPSIFT" detect -d "$TEST_TMP/ref-big.db" >"$TEST_TMP/ref-detect.out" 2>&1
records=$(sql "$TEST_TMP/ref-big.db" "SELECT count(*) FROM events")
echo "# $records records in the large file"

# start_ingest CASE FILE: ingest in the background ($first), and return once
# it holds the lock and has begun the file (a source row 'ingesting').
start_ingest() {
	"$WFPSIFT" ingest -q -d "$1" "$2" >/dev/null 2>"$TEST_TMP/first.err" &
	first=$!
	tries=0
	until [ "$(sql "$1" "SELECT count(*) FROM sources WHERE status = 'ingesting'" 2>/dev/null)" = 1 ]; do
		tries=$((tries + 1))
		[ $tries -lt 400 ] || break
		sleep 0.05
	done
}

# waited FILE CASE: FILE holds exactly the one line saying it waited for CASE.
waited() {
	[ "$(cat "$1")" = "wfpsift: waiting for another wfpsift process writing $2 (up to 600 s)" ]
}

# 1. The same large file twice: the second waits, then finds it complete.
rm -f "$TEST_TMP/same.db"*
start_ingest "$TEST_TMP/same.db" "$big"
"$WFPSIFT" ingest -d "$TEST_TMP/same.db" "$big" >"$TEST_TMP/second.out" 2>"$TEST_TMP/second.err"
status_two=$?
wait $first; status_one=$?
is "$status_one $status_two" "0 0" "same large file twice at once: both ingests exit 0"
waited "$TEST_TMP/second.err" "$TEST_TMP/same.db"
ok $? "same large file: the second says once that it waits for the process writing the case"
[ $? -eq 0 ] || sed 's/^/# /' "$TEST_TMP/second.err"
grep -q '^ingested 0 files (1 already in the case' "$TEST_TMP/second.out"
ok $? "same large file: the second finds the file already in the case"
is "$(sql "$TEST_TMP/same.db" "PRAGMA integrity_check")" ok "same large file: integrity_check ok"
canonical_dump "$TEST_TMP/same.db" >"$TEST_TMP/same.dump"
is "$(diff "$TEST_TMP/ref-big.dump" "$TEST_TMP/same.dump" | head -n 3)" "" \
    "same large file: the case equals one uninterrupted ingest"

# 2. Another file into the same case while the large one is read.
rm -f "$TEST_TMP/both.db"*
start_ingest "$TEST_TMP/both.db" "$big"
"$WFPSIFT" ingest -q -d "$TEST_TMP/both.db" "$small" >/dev/null 2>"$TEST_TMP/second.err"
status_two=$?
wait $first; status_one=$?
is "$status_one $status_two" "0 0" "different files at once: both ingests exit 0"
waited "$TEST_TMP/second.err" "$TEST_TMP/both.db"
ok $? "different files: the second waited for the first"
canonical_dump "$TEST_TMP/both.db" >"$TEST_TMP/both.dump"
is "$(diff "$TEST_TMP/ref-both.dump" "$TEST_TMP/both.dump" | head -n 3)" "" \
    "different files: the case equals the sequential ingest of both"

# 3. detect started during an ingest waits, then runs on the whole case.
rm -f "$TEST_TMP/detect.db"*
start_ingest "$TEST_TMP/detect.db" "$big"
"$WFPSIFT" detect -d "$TEST_TMP/detect.db" >"$TEST_TMP/detect.out" 2>"$TEST_TMP/detect.err"
status_two=$?
wait $first; status_one=$?
is "$status_one $status_two" "0 0" "detect during ingest: both exit 0"
waited "$TEST_TMP/detect.err" "$TEST_TMP/detect.db"
ok $? "detect during ingest: detect says it waits for the process writing the case"
is "$(diff "$TEST_TMP/ref-detect.out" "$TEST_TMP/detect.out")" "" \
    "detect during ingest: the same findings and attribution as detect after the ingest"

# 4. A wait that runs out: exit 3, one more line naming the case, nothing
# changed. The lock is held by flock(1) on the case file, as wfpsift takes
# it, so the test does not depend on how long an ingest takes.
rm -f "$TEST_TMP/busy.db"*
"$WFPSIFT" ingest -q -d "$TEST_TMP/busy.db" "$small" >/dev/null 2>&1
flock -x "$TEST_TMP/busy.db" sleep 4 &
holder=$!
tries=0
while flock -n "$TEST_TMP/busy.db" true && [ $tries -lt 100 ]; do
	tries=$((tries + 1))
	sleep 0.05
done
WFPSIFT_LOCK_WAIT=1 "$WFPSIFT" gaps -d "$TEST_TMP/busy.db" >/dev/null 2>"$TEST_TMP/busy.err"
status_two=$?
# report only reads: it runs beside the writer without waiting.
"$WFPSIFT" report -d "$TEST_TMP/busy.db" --format jsonl >/dev/null 2>"$TEST_TMP/report.err"
status_report=$?
kill $holder 2>/dev/null
wait $holder 2>/dev/null
is "$status_two" 3 "a wait that runs out: gaps exits 3"
is "$(sed -n 2p "$TEST_TMP/busy.err")" \
    "wfpsift gaps: $TEST_TMP/busy.db: another wfpsift process is still writing the case; gave up after 1 s" \
    "a wait that runs out: one line naming the case and the wait"
is "$(sql "$TEST_TMP/busy.db" "SELECT (SELECT count(*) FROM gaps) || ' ' || (SELECT count(*) FROM coverage)")" \
    "0 0" "a wait that runs out: gaps wrote nothing"
is "$status_report:$(cat "$TEST_TMP/report.err")" "0:" "report beside a writer: no wait, exit 0"

! grep -qi 'sanitizer:\|runtime error' "$TEST_TMP"/*.err
ok $? "no sanitizer report"
done_testing
