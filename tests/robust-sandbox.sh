#!/bin/sh
# libevtx runs in a worker process with bounded memory (decoder-sandbox.c).
#
# 1. libevtx 20181227 trusts a template instance's value count: 0x40000010
#    times four wraps in 32 bits, its bounds check passes, and it reads far
#    past the chunk. With the worker's memory bounded, the 8 GB array it
#    asks for first is refused: the record is an error, not a crash.
# 2. Crashes and hangs inside libevtx (injected with the test hook
#    WFPSIFT_TEST_LIBEVTX_FAULT, as no known input crashes libevtx under the
#    bound) cost the record being read, named with the signal or the wait,
#    and a new worker reads on. After WFPSIFT_LIBEVTX_MAX_CRASHES crashes
#    libevtx is not asked again for the file.
# Each time: exit 0, the record named on stderr, one ingest_errors row,
# every other record read, the source complete.
# 3. A worker that ends a file in good health waits for the next file: one
#    thread reading many files starts one worker (counted with strace), and
#    a crash costs only the worker it killed.
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

# check NAME DECODER MESSAGE MISSING...: ingest $file as NAME with DECODER;
# stderr has MESSAGE once on the line of the first missing record, and the
# case holds one record error with it and every record but MISSING.
check() {
	name=$1 decoder=$2 message=$3
	shift 3
	db="$TEST_TMP/$name.db"
	"$WFPSIFT" ingest --decoder "$decoder" -d "$db" "$file" \
	    >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err"
	is $? 0 "$name: the run ends well"
	is "$(grep -c "^wfpsift: $file: record $(($1 - 1))[ :].*$message" "$TEST_TMP/$name.err")" 1 \
	    "$name: stderr names the file, record $(($1 - 1)) and '$message'"
	is "$(sql "$db" "SELECT kind || ' ' || count(*) FROM ingest_errors
	    WHERE message LIKE '%' || '$message' || '%' GROUP BY kind")" "record 1" \
	    "$name: one record error in ingest_errors"
	sql "$db" "SELECT record_number FROM events ORDER BY 1" >"$TEST_TMP/$name.numbers"
	exclude=""
	for n in "$@"; do exclude="$exclude -e $n"; done
	grep -vx $exclude "$TEST_TMP/base.numbers" >"$TEST_TMP/$name.expected"
	cmp -s "$TEST_TMP/$name.numbers" "$TEST_TMP/$name.expected"
	ok $? "$name: every record but $* is read"
	is "$(sql "$db" "SELECT status FROM sources")" complete "$name: the source is complete"
}

file="$TEST_TMP/one.evtx"
line=$("$mutate" template-values 1 "$base" "$file")
first=$(poisoned_number "$line")
index=$((first - 1))	# live records are numbered from 1, indexes from 0

for decoder in fast libevtx-xml; do
	check "$decoder-count" "$decoder" "cannot read record: unable to create array entries" "$first"
	WFPSIFT_TEST_LIBEVTX_FAULT="segv:$index" \
	    check "$decoder-crash" "$decoder" \
	    "libevtx crashed (signal 11, Segmentation fault) reading this record; it is skipped and libevtx restarted" \
	    "$first"
done
WFPSIFT_TEST_LIBEVTX_FAULT="hang:$index" WFPSIFT_LIBEVTX_TIMEOUT=1 \
    check fast-hang fast "libevtx did not answer within 1 s reading this record" "$first"

# Two poisoned records, both crashing, one crash allowed: the second is not
# handed to libevtx; the fast decoder still reads the rest.
"$mutate" template-values 2 "$TEST_TMP/one.evtx" "$TEST_TMP/two.evtx" >"$TEST_TMP/two.line"
second=$(poisoned_number "$(cat "$TEST_TMP/two.line")")
file="$TEST_TMP/two.evtx"
later=$first
[ "$second" -gt "$first" ] && later=$second	# the one read after the crash
WFPSIFT_TEST_LIBEVTX_FAULT="segv:$index,$((second - 1))" WFPSIFT_LIBEVTX_MAX_CRASHES=1 \
    check fast-give-up fast "not read: libevtx crashed 1 time on this file" \
    "$later" "$first" "$second"
is "$(grep -c "libevtx crashed (signal 11" "$TEST_TMP/fast-give-up.err")" 1 "fast-give-up: libevtx crashed once"

# count_workers NAME FILE...: ingest the files one at a time with the
# reference decoder under strace; set started to how many workers began.
# (LeakSanitizer cannot run under a tracer: a sanitizer build's leak check
# is off for this run.)
count_workers() {
	name=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq -e trace=execve -o "$TEST_TMP/$name.trace" \
	    "$WFPSIFT" ingest -j 1 --decoder libevtx-xml -d "$TEST_TMP/$name.db" "$@" \
	    >/dev/null 2>"$TEST_TMP/$name.err"
	is $? "${want_status:-0}" "$name: the run ends as it should (exit ${want_status:-0})"
	started=$(grep -c 'execve("/proc/self/exe"' "$TEST_TMP/$name.trace")
}

if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
	files="$base $TESTDATA/connect-scan.evtx $TESTDATA/syn-scan-ws05.evtx"
	"$WFPSIFT" ingest -q -d "$TEST_TMP/fast3.db" $files >/dev/null 2>&1
	records=$(sql "$TEST_TMP/fast3.db" "SELECT count(*) FROM events")
	count_workers reuse $files
	is "$started" 1 "reuse: three files, one worker started"
	is "$(sql "$TEST_TMP/reuse.db" "SELECT count(*) FROM events")" "$records" \
	    "reuse: every record of the three files is read"
	# The hook fails index $index in every file a worker reads: the two
	# files after one.evtx are shorter than that.
	after="$TESTDATA/syn-scan-ws05.evtx $TESTDATA/sysmon.evtx"
	"$WFPSIFT" ingest -q -d "$TEST_TMP/fast-after.db" $after >/dev/null 2>&1
	records=$(($(sql "$TEST_TMP/fast-after.db" "SELECT count(*) FROM events") +
	    $(wc -l <"$TEST_TMP/base.numbers") - 1))
	WFPSIFT_TEST_LIBEVTX_FAULT="segv:$index" count_workers \
	    reuse-crash "$TEST_TMP/one.evtx" $after
	is "$started" 2 "reuse-crash: a crash costs one worker, the next reads on"
	is "$(sql "$TEST_TMP/reuse-crash.db" "SELECT kind || ' ' || ifnull(record_index, '-')
	    FROM ingest_errors ORDER BY id" | tr '\n' ' ')" "record $index chunk - " \
	    "reuse-crash: the errors are the crashed record and its chunk's gap"
	is "$(sql "$TEST_TMP/reuse-crash.db" "SELECT count(*) FROM events")" "$records" \
	    "reuse-crash: every other record of the three files is read"
	# A file libevtx will not open leaves its worker waiting for the next.
	cp "$TESTDATA/sysmon.evtx" "$TEST_TMP/openfail.evtx"
	WFPSIFT_TEST_LIBEVTX_FAULT=openfail want_status=1 count_workers \
	    reuse-openfail "$TEST_TMP/openfail.evtx" $after
	is "$started" 1 "reuse-openfail: a file libevtx cannot open costs no worker"
	is "$(sql "$TEST_TMP/reuse-openfail.db" "SELECT count(*) FROM events")" \
	    "$(sql "$TEST_TMP/fast-after.db" "SELECT count(*) FROM events")" \
	    "reuse-openfail: the two files after it are read whole"
else
	skip 10 "strace cannot run here"
fi

for f in "$TEST_TMP"/*.err; do
	grep -qi 'sanitizer:\|runtime error' "$f" && ok 1 "$(basename "$f"): no sanitizer report"
done
done_testing
