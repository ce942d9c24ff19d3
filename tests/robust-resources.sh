#!/bin/sh
# Resource faults: a file size limit, a full file system and an unwritable
# case location each give one clear line on stderr, exit 1 and a case that
# passes integrity_check and that a later run completes; two wfpsift
# processes ingesting into one case at once leave the rows of a sequential run.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/robust-lib.sh"

# Inputs: two real files of about 1 MB, or the fixtures.
if have_corpus; then
	a="$CORPUS/omerbenamram+evtx/samples/security.evtx"
	b="$CORPUS/omerbenamram+evtx/samples/system.evtx"
else
	a=$(ls "$TESTDATA"/*.evtx 2>/dev/null | head -n 1)
	b=$(ls "$TESTDATA"/*.evtx 2>/dev/null | sed -n 2p)
fi
[ -f "$a" ] && [ -f "$b" ] || plan_skip_all "no corpus and fewer than two fixtures"

# Reference: a sequential run of a then b.
"$WFPSIFT" ingest -q -d "$TEST_TMP/reference.db" "$a" "$b" >/dev/null 2>&1
canonical_dump "$TEST_TMP/reference.db" >"$TEST_TMP/reference.dump"
records_a=$(sql "$TEST_TMP/reference.db" "SELECT record_count FROM sources WHERE path = '$a'")

# one_line FILE: the single line of FILE, or "N lines: ..." when not one.
one_line() {
	n=$(wc -l <"$1" | tr -d ' ')
	if [ "$n" -eq 1 ]; then cat "$1"; else echo "$n lines: $(head -c 300 "$1")"; fi
}
crashed() { grep -qi 'sanitizer:\|runtime error\|segmentation fault' "$@"; }

# 1. A file size limit hit in the middle of the ingest (limit in 512-byte
# blocks or KiB depending on the shell: above the 512 KiB of a new case,
# far below the 2.5 MB this one grows to).
case_file="$TEST_TMP/limited.db"
(ulimit -f 1500 && exec "$WFPSIFT" ingest -q -d "$case_file" "$a" "$b") \
    >/dev/null 2>"$TEST_TMP/limit.err"
status=$?
is "$status" 1 "file size limit: exit 1 (not killed by SIGXFSZ)"
like=$(one_line "$TEST_TMP/limit.err")
case "$like" in
"wfpsift: $a: cannot store: "*"disk full or file size limit"*) result=0 ;;
*) result=1 ;;
esac
ok $result "file size limit: one line naming the file and the cause"
[ $result -eq 0 ] || echo "# got: $like"
is "$(sql "$case_file" "PRAGMA integrity_check")" ok "file size limit: integrity_check ok"
is "$(sql "$case_file" "SELECT count(*) FROM sources WHERE status = 'complete'")" 0 \
    "file size limit: no source is marked complete"
"$WFPSIFT" ingest -q -d "$case_file" "$a" "$b" >/dev/null 2>"$TEST_TMP/limit-rerun.err"
is "$?" 0 "file size limit: a run without the limit then succeeds"
canonical_dump "$case_file" >"$TEST_TMP/limited.dump"
is "$(diff "$TEST_TMP/reference.dump" "$TEST_TMP/limited.dump" | head -n 3)" "" \
    "file size limit: ... and the case equals an uninterrupted run"

# A limit so small that the case cannot even be created.
(ulimit -f 1 && exec "$WFPSIFT" ingest -q -d "$TEST_TMP/tiny.db" "$a") \
    >/dev/null 2>"$TEST_TMP/tiny.err"
is "$?" 1 "file size limit at creation: exit 1"
case "$(one_line "$TEST_TMP/tiny.err")" in
"wfpsift: $TEST_TMP/tiny.db: "*) result=0 ;;
*) result=1 ;;
esac
ok $result "file size limit at creation: one line naming the case"

# 2. A full file system: a 1 MB tmpfs, when this user may mount one.
full="$TEST_TMP/full"
mkdir -p "$full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m wfpsift-test "$full" 2>/dev/null; then
	"$WFPSIFT" ingest -q -d "$full/case.db" "$a" "$b" >/dev/null 2>"$TEST_TMP/full.err"
	is "$?" 1 "full disk: exit 1"
	case "$(one_line "$TEST_TMP/full.err")" in
	"wfpsift: $a: cannot store: "*full*) result=0 ;;
	*) result=1 ;;
	esac
	ok $result "full disk: one line naming the file and saying the disk is full"
	[ $result -eq 0 ] || echo "# got: $(one_line "$TEST_TMP/full.err")"
	is "$(sql "$full/case.db" "PRAGMA integrity_check" 2>&1)" ok "full disk: integrity_check ok"
	is "$(sql "$full/case.db" "SELECT count(*) FROM sources WHERE status = 'complete'" 2>&1)" 0 \
	    "full disk: no source is marked complete"
	umount "$full"
else
	for what in "exit 1" "one line" "integrity_check ok" "no source complete"; do
		skip "full disk: $what" "cannot mount a tmpfs here"
	done
fi

# 3. Case locations that cannot be written.
"$WFPSIFT" ingest -q -d "$TEST_TMP/no/such/dir/case.db" "$a" >/dev/null 2>"$TEST_TMP/nodir.err"
is "$?" 1 "case in a missing folder: exit 1"
case "$(one_line "$TEST_TMP/nodir.err")" in
"wfpsift: $TEST_TMP/no/such/dir/case.db: "*) result=0 ;;
*) result=1 ;;
esac
ok $result "case in a missing folder: one line naming it"
"$WFPSIFT" ingest -q -d "$TEST_TMP" "$a" >/dev/null 2>"$TEST_TMP/isdir.err"
is "$?" 1 "case path is a folder: exit 1"
case "$(one_line "$TEST_TMP/isdir.err")" in
"wfpsift: $TEST_TMP: "*) result=0 ;;
*) result=1 ;;
esac
ok $result "case path is a folder: one line naming it"
# /proc refuses new files even to root.
"$WFPSIFT" ingest -q -d /proc/wfpsift-case.db "$a" >/dev/null 2>"$TEST_TMP/proc.err"
is "$?" 1 "case in a folder nobody may write (/proc): exit 1"
case "$(one_line "$TEST_TMP/proc.err")" in
"wfpsift: /proc/wfpsift-case.db: "*) result=0 ;;
*) result=1 ;;
esac
ok $result "case in a folder nobody may write: one line naming it"
# An existing case this user may not write: as nobody when running as root.
cp "$TEST_TMP/reference.db" "$TEST_TMP/readonly.db"
chmod 444 "$TEST_TMP/readonly.db"
as_other=""
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$TEST_TMP"
	as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
if [ "$(id -u)" -ne 0 ] || [ -n "$as_other" ]; then
	$as_other "$WFPSIFT" ingest -q -d "$TEST_TMP/readonly.db" "$b" >/dev/null 2>"$TEST_TMP/readonly.err"
	is "$?" 1 "a read-only case: exit 1"
	case "$(one_line "$TEST_TMP/readonly.err")" in
	"wfpsift: $TEST_TMP/readonly.db: "*) result=0 ;;
	*) result=1 ;;
	esac
	ok $result "a read-only case: one line naming it"
	[ $result -eq 0 ] || echo "# got: $(one_line "$TEST_TMP/readonly.err")"
	is "$(sql "$TEST_TMP/readonly.db" "PRAGMA integrity_check")" ok "a read-only case: still intact"
else
	for what in "exit 1" "one line" "still intact"; do
		skip "a read-only case: $what" "running as root without setpriv"
	done
fi

# 4. Two ingests into one case at once: different files, then the same
# files, with small transactions so that they interleave.
export WFPSIFT_RECORDS_PER_TRANSACTION=200
for run in different same; do
	rm -f "$TEST_TMP/both.db"*
	if [ $run = different ]; then first="$a" second="$b"; else first="$a $b" second="$b $a"; fi
	# shellcheck disable=SC2086
	"$WFPSIFT" ingest -q -d "$TEST_TMP/both.db" $first >/dev/null 2>"$TEST_TMP/both1.err" &
	one=$!
	# shellcheck disable=SC2086
	"$WFPSIFT" ingest -q -d "$TEST_TMP/both.db" $second >/dev/null 2>"$TEST_TMP/both2.err" &
	two=$!
	wait $one; status_one=$?
	wait $two; status_two=$?
	is "$status_one $status_two" "0 0" "two ingests at once ($run files): both succeed"
	[ "$status_one $status_two" = "0 0" ] || cat "$TEST_TMP/both1.err" "$TEST_TMP/both2.err" | sed 's/^/# /'
	is "$(sql "$TEST_TMP/both.db" "PRAGMA integrity_check")" ok \
	    "two ingests at once ($run files): integrity_check ok"
	canonical_dump "$TEST_TMP/both.db" >"$TEST_TMP/both.dump"
	is "$(diff "$TEST_TMP/reference.dump" "$TEST_TMP/both.dump" | head -n 3)" "" \
	    "two ingests at once ($run files): the rows of a sequential run"
done
unset WFPSIFT_RECORDS_PER_TRANSACTION
echo "# $records_a records in $a"

! crashed "$TEST_TMP"/*.err
result=$?
[ $result -eq 0 ] || grep -i -A8 'sanitizer:\|runtime error\|segmentation fault' "$TEST_TMP"/*.err |
    head -40 | sed 's/^/# /'
ok $result "no sanitizer report or crash"
done_testing
