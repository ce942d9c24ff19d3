#!/bin/sh
# The case is the same whatever the number of decoding threads: every row,
# in the same order, with the same ids.
. "${top_srcdir:-.}/tests/lib.sh"

inputs="$TESTDATA"
if have_corpus; then
	inputs="$inputs $CORPUS/omerbenamram+evtx $CORPUS/Velocidex+velociraptor"
fi
ls "$TESTDATA"/*.evtx >/dev/null 2>&1 || have_corpus ||
    plan_skip_all "no fixtures and no corpus to ingest"

dump() {
	sql "$1" "SELECT e.id, s.sha256, e.record_id, e.record_number, e.event_id,
	    e.host, e.time, e.recovered, e.data FROM events e JOIN sources s
	    ON s.id = e.source_id ORDER BY e.id"
	sql "$1" "SELECT * FROM network_events ORDER BY id"
	sql "$1" "SELECT * FROM processes ORDER BY id"
	sql "$1" "SELECT id, source_id, path, record_index, record_id, kind,
	    message FROM ingest_errors ORDER BY id"
	sql "$1" "SELECT id, path, sha256, status, record_count, error_count
	    FROM sources ORDER BY id"
}

# shellcheck disable=SC2086
"$WFPSIFT" ingest -q -j 1 -d "$TEST_TMP/one.db" $inputs
# shellcheck disable=SC2086
"$WFPSIFT" ingest -q -j 4 -d "$TEST_TMP/four.db" $inputs
dump "$TEST_TMP/one.db" >"$TEST_TMP/one.txt"
dump "$TEST_TMP/four.db" >"$TEST_TMP/four.txt"
ok $([ -s "$TEST_TMP/one.txt" ] && echo 0 || echo 1) "the single-thread case holds rows"
cmp -s "$TEST_TMP/one.txt" "$TEST_TMP/four.txt"
ok $? "-j 1 and -j 4 give identical cases"

# Ingesting the same inputs again adds nothing.
before=$(sql "$TEST_TMP/four.db" "SELECT count(*) FROM events")
# shellcheck disable=SC2086
"$WFPSIFT" ingest -q -j 4 -d "$TEST_TMP/four.db" $inputs
is "$(sql "$TEST_TMP/four.db" "SELECT count(*) FROM events")" "$before" \
    "re-ingesting the same files is a no-op"
done_testing
