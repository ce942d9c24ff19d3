#!/bin/sh
# Bad input gets one clear line naming the path, the documented exit
# status, and never a crash; good files named beside it are still ingested.
. "${top_srcdir:-.}/tests/lib.sh"

case_file="$TEST_TMP/case.db"
good="$TESTDATA/baseline-ws02.evtx"

# run NAME ARGS...: run wfpsift, keep stdout, stderr and status.
run() {
	name=$1; shift
	"$WFPSIFT" "$@" >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err"
	echo $? >"$TEST_TMP/$name.status"
}
status_of() { cat "$TEST_TMP/$1.status"; }
lines_of() { wc -l <"$TEST_TMP/$1.err" | tr -d ' '; }

: >"$TEST_TMP/empty.evtx"
run empty ingest -d "$case_file" "$TEST_TMP/empty.evtx"
is "$(status_of empty)" 1 "an empty file: exit 1"
is "$(cat "$TEST_TMP/empty.err")" "wfpsift: $TEST_TMP/empty.evtx: empty file, not an EVTX log" \
    "an empty file: one line naming it"

printf 'MZ\220\0 this is not an event log\n' >"$TEST_TMP/notes.evtx"
run not_evtx ingest -d "$case_file" "$TEST_TMP/notes.evtx"
is "$(status_of not_evtx)" 1 "a non-EVTX file named .evtx: exit 1"
is "$(cat "$TEST_TMP/not_evtx.err")" "wfpsift: $TEST_TMP/notes.evtx: not an EVTX file (no ElfFile signature)" \
    "a non-EVTX file: one line naming it"

run missing ingest -d "$case_file" "$TEST_TMP/no/such/file.evtx"
is "$(status_of missing)" 1 "a path that does not exist: exit 1"
is "$(cat "$TEST_TMP/missing.err")" "wfpsift: $TEST_TMP/no/such/file.evtx: No such file or directory" \
    "a path that does not exist: one line naming it"

# A header and nothing else: the signature is there, the chunks are not.
{ printf 'ElfFile\0'; head -c 4088 /dev/zero; } >"$TEST_TMP/header-only.evtx"
run header_only ingest -d "$case_file" "$TEST_TMP/header-only.evtx"
is "$(status_of header_only)" 1 "a file with a bare header: exit 1"
is "$(lines_of header_only)" 1 "a file with a bare header: one line"
grep -q "header-only.evtx: file header checksum mismatch" "$TEST_TMP/header_only.err"
ok $? "a file with a bare header: the line says its header checksum is wrong"
is "$(sql "$case_file" "SELECT status FROM sources WHERE path LIKE '%header-only.evtx'")" failed \
    "a file with a bare header: recorded as failed in sources"
is "$(sql "$case_file" "SELECT count(*) FROM ingest_errors WHERE path LIKE '%header-only.evtx' AND kind = 'file'")" 1 \
    "a file with a bare header: counted in ingest_errors"

# A failed file is tried again on the next run, even once gaps has written
# an unreadable_file gap that points at its sources row.
"$WFPSIFT" gaps -q -d "$case_file" >/dev/null 2>&1
is "$(sql "$case_file" "SELECT count(*) FROM gaps WHERE kind = 'unreadable_file'")" 1 \
    "a file with a bare header: gaps calls it unreadable"
run header_again ingest -d "$case_file" "$TEST_TMP/header-only.evtx"
is "$(status_of header_again)$(lines_of header_again)" 11 \
    "a failed file ingested again: exit 1 and one line"
grep -q "header checksum mismatch" "$TEST_TMP/header_again.err"
ok $? "a failed file ingested again: the line is about the file, not the case"
is "$(sql "$case_file" "SELECT count(*), min(status) FROM sources WHERE path LIKE '%header-only.evtx'")" \
    "1|failed" "a failed file ingested again: one sources row, still failed"

run usage ingest -d "$case_file"
is "$(status_of usage)" 2 "no path: usage error, exit 2"
run unknown ingest --no-such-option x
is "$(status_of unknown)" 2 "an unknown option: exit 2"
run command frobnicate
is "$(status_of command)" 2 "an unknown command: exit 2"

if [ -f "$good" ]; then
	# A truncated copy: the first chunk survives, the rest is cut off.
	head -c 90000 "$good" >"$TEST_TMP/truncated.evtx"
	run truncated ingest -d "$case_file" "$TEST_TMP/truncated.evtx"
	ok $([ "$(status_of truncated)" -le 1 ] && echo 0 || echo 1) "a truncated file: no crash"
	got=$(sql "$case_file" "SELECT record_count > 0 FROM sources WHERE path LIKE '%truncated.evtx'")
	is "$got" 1 "a truncated file: the records before the cut are ingested"

	run mixed ingest -d "$TEST_TMP/mixed.db" "$TEST_TMP/empty.evtx" "$good"
	is "$(status_of mixed)" 1 "a good file beside a bad one: exit 1 for the bad one"
	is "$(sql "$TEST_TMP/mixed.db" "SELECT status FROM sources WHERE path = '$good'")" complete \
	    "a good file beside a bad one: the good one is ingested"
else
	skip "a truncated file: no crash" "no baseline fixture"
	skip "a truncated file: the records before the cut are ingested" "no baseline fixture"
	skip "a good file beside a bad one: exit 1" "no baseline fixture"
	skip "a good file beside a bad one: ingested" "no baseline fixture"
fi

# A directory nobody may read. Root reads everything, so drop to nobody.
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	locked="$TEST_TMP/locked"
	mkdir -p "$locked/inner" && chmod 777 "$TEST_TMP" && chmod 000 "$locked/inner"
	chmod 755 "$locked"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$WFPSIFT" ingest -d "$TEST_TMP/nobody.db" "$locked" \
	    >"$TEST_TMP/locked.out" 2>"$TEST_TMP/locked.err"
	is $? 1 "a directory without permission: exit 1"
	is "$(cat "$TEST_TMP/locked.err")" "wfpsift: $locked/inner: Permission denied" \
	    "a directory without permission: one line naming it"
elif [ "$(id -u)" -ne 0 ]; then
	locked="$TEST_TMP/locked"
	mkdir -p "$locked/inner" && chmod 000 "$locked/inner"
	run locked ingest -d "$case_file" "$locked"
	is "$(status_of locked)" 1 "a directory without permission: exit 1"
	is "$(cat "$TEST_TMP/locked.err")" "wfpsift: $locked/inner: Permission denied" \
	    "a directory without permission: one line naming it"
	chmod 755 "$locked/inner"
else
	skip "a directory without permission: exit 1" "running as root without setpriv"
	skip "a directory without permission: one line" "running as root without setpriv"
fi

for name in empty not_evtx missing header_only; do
	grep -qi 'sanitizer:\|segmentation\|runtime error' "$TEST_TMP/$name.err"
	ok $([ $? -ne 0 ] && echo 0 || echo 1) "$name: no sanitizer or crash report"
done
done_testing
