#!/bin/sh
# libevtx runs in a child process. libevtx 20181227 crashes on a template
# instance claiming 0x40000010 values (four times that wraps in 32 bits, so
# its bounds check passes and it reads far past the chunk): a four-byte
# change to a log. Ingest must survive it with either decoder that uses
# libevtx: the poisoned record is named on stderr with the signal, counted
# in ingest_errors, and every other record is still read. After
# WFPSIFT_LIBEVTX_MAX_CRASHES crashes libevtx is not asked again for the file.
. "${top_srcdir:-.}/tests/lib.sh"

mutate="$top_builddir/tests/evtx-mutate"
base="$TESTDATA/baseline-ws02.evtx"

"$WFPSIFT" ingest -q -d "$TEST_TMP/base.db" "$base" >/dev/null 2>&1
sql "$TEST_TMP/base.db" "SELECT record_number FROM events ORDER BY 1" >"$TEST_TMP/base.numbers"

# poisoned_number LINE: the record number evtx-mutate's line names
# ("template-values CHUNK FIRST LAST record I of chunk C: ...").
poisoned_number() {
	echo "$1" | awk '{ print $3 + $6 }'
}

line=$("$mutate" template-values 1 "$base" "$TEST_TMP/one.evtx")
first=$(poisoned_number "$line")
for decoder in fast libevtx-xml; do
	db="$TEST_TMP/one-$decoder.db"
	"$WFPSIFT" ingest --decoder "$decoder" -d "$db" "$TEST_TMP/one.evtx" \
	    >"$TEST_TMP/one-$decoder.out" 2>"$TEST_TMP/one-$decoder.err"
	is $? 0 "$decoder: libevtx crashing on one record does not stop the run"
	is "$(grep -c "libevtx crashed (signal 11, Segmentation fault) reading this record; it is skipped and libevtx restarted" \
	    "$TEST_TMP/one-$decoder.err")" 1 "$decoder: stderr names the crash and the signal once"
	grep -q "^wfpsift: $TEST_TMP/one.evtx: record $((first - 1))[ :]" "$TEST_TMP/one-$decoder.err"
	ok $? "$decoder: the line names the file and the record"
	is "$(sql "$db" "SELECT kind || ' ' || count(*) FROM ingest_errors
	    WHERE message LIKE 'libevtx crashed (signal 11%' GROUP BY kind")" "record 1" \
	    "$decoder: one record error in ingest_errors"
	sql "$db" "SELECT record_number FROM events ORDER BY 1" >"$TEST_TMP/one.numbers"
	grep -vx "$first" "$TEST_TMP/base.numbers" >"$TEST_TMP/expected.numbers"
	cmp -s "$TEST_TMP/one.numbers" "$TEST_TMP/expected.numbers"
	ok $? "$decoder: every record but number $first is read"
	is "$(sql "$db" "SELECT status FROM sources")" complete "$decoder: the source is complete"
done

# Two poisoned records in different chunks, one crash allowed: the second
# record is not handed to libevtx; the fast decoder still reads the rest.
"$mutate" template-values 2 "$TEST_TMP/one.evtx" "$TEST_TMP/two.evtx" >"$TEST_TMP/two.line"
second=$(poisoned_number "$(cat "$TEST_TMP/two.line")")
WFPSIFT_LIBEVTX_MAX_CRASHES=1 "$WFPSIFT" ingest -d "$TEST_TMP/two.db" "$TEST_TMP/two.evtx" \
    >"$TEST_TMP/two.out" 2>"$TEST_TMP/two.err"
is $? 0 "two poisoned records, one crash allowed: the run ends well"
is "$(grep -c "libevtx crashed (signal 11" "$TEST_TMP/two.err")" 1 "libevtx crashed once"
grep -q "not read: libevtx crashed 1 time on this file" "$TEST_TMP/two.err"
ok $? "the second poisoned record is reported, not handed to libevtx"
sql "$TEST_TMP/two.db" "SELECT record_number FROM events ORDER BY 1" >"$TEST_TMP/two.numbers"
grep -vx -e "$first" -e "$second" "$TEST_TMP/base.numbers" >"$TEST_TMP/expected.numbers"
cmp -s "$TEST_TMP/two.numbers" "$TEST_TMP/expected.numbers"
ok $? "every record but $first and $second is read"

for f in "$TEST_TMP"/*.err; do
	grep -qi 'sanitizer:\|runtime error' "$f" && { ok 1 "$(basename "$f"): no sanitizer report"; continue; }
done
done_testing
