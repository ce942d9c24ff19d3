#!/bin/sh
# Records in chunk slack (tests/ingest-slack.scenario): a slack copy of a
# live record, identical in every value, is not stored again but counted
# in sources.recovered_duplicates; a slack record with a live record's
# EventRecordID and other data is evidence of change and is stored as
# recovered. A slack candidate that cannot be decoded is reported as one,
# and counted apart from errors in live data. A case written before
# recovered_duplicates existed gets the column. On the corpus, no stored
# recovered record is a copy of a live one.
. "${top_srcdir:-.}/tests/lib.sh"

mkevtx="$top_builddir/tests/mkevtx"
[ -x "$mkevtx" ] || plan_skip_all "tests/mkevtx is not built"
fixture="$TEST_TMP/slack.evtx"
"$mkevtx" -o "$fixture" "$top_srcdir/tests/ingest-slack.scenario" ||
    plan_skip_all "tests/mkevtx could not write the fixture"

# Both decoders: the fast one reads slack itself, libevtx has its own scan.
for decoder in fast libevtx-xml; do
	case_file="$TEST_TMP/$decoder.db"
	"$WFPSIFT" ingest --decoder "$decoder" -d "$case_file" "$fixture" \
	    >"$TEST_TMP/$decoder.out" 2>"$TEST_TMP/$decoder.err"
	is "$?$(cat "$TEST_TMP/$decoder.err")" 0 "$decoder: exit 0, nothing on stderr"
	is "$(sql "$case_file" "SELECT recovered, count(*) FROM events
	    WHERE record_id = 2 GROUP BY recovered")" "0|1" \
	    "$decoder: the exact slack copy of record 2 is not stored again"
	is "$(sql "$case_file" "SELECT recovered, remote_ip FROM network_events
	    WHERE record_id = 3 ORDER BY recovered")" "0|10.0.20.10
1|203.0.113.66" \
	    "$decoder: the slack record 3 whose data differs is stored as recovered"
	is "$(sql "$case_file" "SELECT record_count, recovered_count,
	    recovered_duplicates, error_count FROM sources")" "6|1|1|0" \
	    "$decoder: sources counts 6 events, 1 recovered, 1 slack copy not stored"
	grep -q ", 1 recovered (1 more was a copy of a live record, not stored again), " \
	    "$TEST_TMP/$decoder.out"
	ok $? "$decoder: the summary line says a copy was not stored"
done

# A slack candidate that cannot be decoded: the copy of record 2 with its
# template offset broken. The message and the summary say it is slack.
bad="$TEST_TMP/slack-bad.evtx"
cp "$fixture" "$bad"
free_space=$(od -An -tu4 -j $((4096 + 48)) -N4 "$bad" | tr -d ' ')
printf '\377\377\000\000' | dd of="$bad" bs=1 seek=$((4096 + free_space + 34)) \
    conv=notrunc 2>/dev/null
"$WFPSIFT" ingest -d "$TEST_TMP/bad.db" "$bad" >"$TEST_TMP/bad.out" 2>"$TEST_TMP/bad.err"
is "$?" 0 "an undecodable slack candidate: exit 0"
is "$(sed "s|^wfpsift: $bad: ||; s|: binxml decoder: .*||" "$TEST_TMP/bad.err")" \
    "slack record candidate 5 (EventRecordID 2): could not be decoded" \
    "an undecodable slack candidate: one line saying it is a slack candidate"
grep -q " 0 errors; 1 slack candidate not readable" "$TEST_TMP/bad.out"
ok $? "an undecodable slack candidate: counted apart from errors in the summary"
is "$(sql "$TEST_TMP/bad.db" "SELECT kind, record_id FROM ingest_errors")" "recovered|2" \
    "an undecodable slack candidate: its ingest_errors row, kind recovered"

# A case from before the column: it is added, and earlier sources read 0.
old="$TEST_TMP/old.db"
"$WFPSIFT" ingest -q -d "$old" "$TESTDATA/connect-scan.evtx"
sql "$old" "ALTER TABLE sources DROP COLUMN recovered_duplicates"
"$WFPSIFT" ingest -q -d "$old" "$fixture"
is "$?" 0 "a case without recovered_duplicates: ingest goes on"
is "$(sql "$old" "SELECT recovered_duplicates FROM sources ORDER BY id")" "0
1" "a case without recovered_duplicates: the column is added and filled"

# The corpus, with every value kept: no recovered event is a copy of a live
# one in every column, and the summary's counts are ingest_errors' rows.
if have_corpus; then
	corpus="$TEST_TMP/corpus.db"
	"$WFPSIFT" ingest --all-data -d "$corpus" "$CORPUS" >"$TEST_TMP/corpus.out" \
	    2>"$TEST_TMP/corpus.err"
	is "$(sql "$corpus" "SELECT count(*) FROM events r WHERE r.recovered = 1
	    AND EXISTS (SELECT 1 FROM events l WHERE l.source_id = r.source_id
	    AND l.record_id = r.record_id AND l.recovered = 0
	    AND l.record_number IS r.record_number AND l.time IS r.time
	    AND l.event_id IS r.event_id AND l.provider IS r.provider
	    AND l.provider_guid IS r.provider_guid AND l.channel IS r.channel
	    AND l.host IS r.host AND l.version IS r.version AND l.level IS r.level
	    AND l.task IS r.task AND l.opcode IS r.opcode
	    AND l.keywords IS r.keywords AND l.process_id IS r.process_id
	    AND l.thread_id IS r.thread_id AND l.user_sid IS r.user_sid
	    AND l.data IS r.data)")" 0 \
	    "corpus: no stored recovered event is a copy of a live one"
	ok $([ "$(sql "$corpus" "SELECT sum(recovered_duplicates) FROM sources")" -gt 1000 ] &&
	    echo 0 || echo 1) "corpus: over a thousand slack copies counted, not stored"
	slack=$(sql "$corpus" "SELECT count(*) FROM ingest_errors WHERE kind = 'recovered'")
	errors=$(sql "$corpus" "SELECT count(*) FROM ingest_errors WHERE kind <> 'recovered'
	    AND source_id IS NOT NULL")
	grep -q " $errors errors; $slack slack candidates not readable" "$TEST_TMP/corpus.out"
	ok $? "corpus: the summary counts $errors errors and $slack slack candidates apart"
	ok $([ "$(grep -c ': slack record candidate [0-9]* (EventRecordID [0-9]*): could not be decoded: ' \
	    "$TEST_TMP/corpus.err")" -gt 0 ] && echo 0 || echo 1) \
	    "corpus: slack candidates are named as such on stderr"
else
	skip "corpus: no recovered copy stored" "no corpus"
	skip "corpus: slack copies counted" "no corpus"
	skip "corpus: the summary counts apart" "no corpus"
	skip "corpus: slack candidates are named as such" "no corpus"
fi
done_testing
