#!/bin/sh
# report-output.sh: where wfpsift report -o writes. A regular file (or a
# new one) is replaced only once the report is complete; a FIFO, device or
# socket is written into as it is, never replaced by a regular file; a
# symbolic link is followed, so the link stays and its target gets the
# report; a directory is refused with a message that says so, and so is a
# file ingested into the case, by whatever name.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/report-lib.sh"

case_db=$TEST_TMP/case.db
report_case "$case_db" findings || { echo "Bail out! cannot build the case"; exit 1; }
$WFPSIFT report -d "$case_db" --format csv > "$TEST_TMP/expected.csv" ||
    { echo "Bail out! report to standard output fails"; exit 1; }

# A FIFO, read by cat in the background: it gets the whole report and is
# still a FIFO afterwards. timeout keeps a broken run from hanging.
fifo=$TEST_TMP/fifo
mkfifo "$fifo"
timeout 20 cat "$fifo" > "$TEST_TMP/fifo.csv" &
reader=$!
timeout 20 $WFPSIFT report -d "$case_db" --format csv -o "$fifo" 2> "$TEST_TMP/fifo.err"
status=$?
wait $reader
is "$status:$(cat "$TEST_TMP/fifo.err")" "0:" "-o FIFO: exit 0, nothing on stderr"
cmp -s "$TEST_TMP/expected.csv" "$TEST_TMP/fifo.csv"
ok $? "-o FIFO: the reader gets the whole report"
[ -p "$fifo" ]
ok $? "-o FIFO: it is still a FIFO, not replaced by a regular file"
is "$(ls "$TEST_TMP" | grep -c '^fifo\.[A-Za-z0-9]\{6\}$')" 0 "-o FIFO: no temporary file left beside it"

# A symbolic link to a report: the target is replaced, the link stays.
mkdir "$TEST_TMP/reports"
echo old > "$TEST_TMP/reports/timeline.csv"
ln -s reports/timeline.csv "$TEST_TMP/link.csv"
$WFPSIFT report -d "$case_db" --format csv -o "$TEST_TMP/link.csv" 2> "$TEST_TMP/link.err"
is "$?:$(cat "$TEST_TMP/link.err")" "0:" "-o symbolic link: exit 0"
[ -L "$TEST_TMP/link.csv" ] &&
    [ "$(readlink "$TEST_TMP/link.csv")" = reports/timeline.csv ]
ok $? "-o symbolic link: the link is still a link to the same target"
cmp -s "$TEST_TMP/expected.csv" "$TEST_TMP/reports/timeline.csv"
ok $? "-o symbolic link: the target holds the report"
is "$(ls "$TEST_TMP" "$TEST_TMP/reports" | grep -c '\.csv\.')" 0 \
    "-o symbolic link: no temporary file left beside the link or the target"

# A link to a file that does not exist yet: the file is created there.
ln -s reports/new.csv "$TEST_TMP/dangling.csv"
$WFPSIFT report -d "$case_db" --format csv -o "$TEST_TMP/dangling.csv"
[ $? -eq 0 ] && [ -L "$TEST_TMP/dangling.csv" ] &&
    cmp -s "$TEST_TMP/expected.csv" "$TEST_TMP/reports/new.csv"
ok $? "-o link to a missing file: the file is created at the target, the link stays"

# A directory, with and without a trailing slash: refused, and said so.
for dir in "$TEST_TMP/reports" "$TEST_TMP/reports/"; do
	$WFPSIFT report -d "$case_db" --format csv -o "$dir" > /dev/null 2> "$TEST_TMP/dir.err"
	is "$?:$(cat "$TEST_TMP/dir.err")" "1:wfpsift report: $dir: is a directory" \
	    "-o ${dir#$TEST_TMP/}: exit 1 and 'is a directory'"
done
is "$(ls "$TEST_TMP/reports" | tr '\n' ' ')" "new.csv timeline.csv " \
    "-o directory: nothing written into it"

# A socket with a listener: the report goes to the listener, the socket stays.
socket=$TEST_TMP/report.sock
if [ -x "$PYTHON" ]; then
	"$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1); s.settimeout(20)
c, _ = s.accept()
with open(sys.argv[2], "wb") as out:
    while True:
        data = c.recv(65536)
        if not data:
            break
        out.write(data)
' "$socket" "$TEST_TMP/socket.csv" &
	listener=$!
	wait_until -S "$socket"
	timeout 20 $WFPSIFT report -d "$case_db" --format csv -o "$socket" 2> "$TEST_TMP/socket.err"
	is "$?:$(cat "$TEST_TMP/socket.err")" "0:" "-o socket: exit 0"
	wait $listener
	cmp -s "$TEST_TMP/expected.csv" "$TEST_TMP/socket.csv" && [ -S "$socket" ]
	ok $? "-o socket: the listener gets the report and the socket stays a socket"
else
	skip "-o socket: exit 0" "no $PYTHON"
	skip "-o socket: the listener gets the report" "no $PYTHON"
fi

# Evidence the case was made from: its sources (paths as ingest was given
# them, relative to where it ran) are never written over, by any name.
mkdir -p "$TEST_TMP/logs/WS01" "$TEST_TMP/elsewhere"
echo "ElfFile evidence" > "$TEST_TMP/logs/WS01/Security.evtx"
cp "$TEST_TMP/logs/WS01/Security.evtx" "$TEST_TMP/evidence.copy"
ln -s logs/WS01/Security.evtx "$TEST_TMP/evidence-link.csv"
ln "$TEST_TMP/logs/WS01/Security.evtx" "$TEST_TMP/elsewhere/hard-link.csv"
for output in logs/WS01/Security.evtx "$TEST_TMP/logs/WS01/Security.evtx" \
    evidence-link.csv elsewhere/hard-link.csv; do
	(cd "$TEST_TMP" && $WFPSIFT report -d case.db --format csv -o "$output" \
	    > /dev/null 2> source.err)
	is "$?:$(cat "$TEST_TMP/source.err")" \
	    "2:wfpsift report: $output is evidence ingested into the case (source logs/WS01/Security.evtx); choose another output" \
	    "-o $(echo "$output" | sed "s|^$TEST_TMP|TMP|"), a source of the case: refused (exit 2), naming the source"
done
cmp -s "$TEST_TMP/evidence.copy" "$TEST_TMP/logs/WS01/Security.evtx" &&
    [ -L "$TEST_TMP/evidence-link.csv" ] && [ "$(ls "$TEST_TMP/logs/WS01")" = Security.evtx ]
ok $? "... the evidence, the link to it and its folder are untouched"
(cd "$TEST_TMP" && $WFPSIFT report -d case.db --format csv -o logs/WS01/timeline.csv)
ok $? "-o beside a source, not over it: written"

# A regular file is still replaced whole, with no temporary file left.
echo old > "$TEST_TMP/plain.csv"
$WFPSIFT report -d "$case_db" --format csv -o "$TEST_TMP/plain.csv"
cmp -s "$TEST_TMP/expected.csv" "$TEST_TMP/plain.csv" &&
    [ "$(ls "$TEST_TMP" | grep -c '^plain\.csv\.')" = 0 ]
ok $? "-o regular file: replaced by the report, no temporary file left"

# SQLite's files beside the case are the case too: replacing its write-ahead
# log would lose what another process committed and not yet checkpointed.
for suffix in -wal -shm -journal; do
	$WFPSIFT report -d "$case_db" --format csv -o "$case_db$suffix" > /dev/null 2> "$TEST_TMP/wal.err"
	is "$?" 2 "-o CASE$suffix: refused (exit 2)"
done
grep -q "is the case file or one of SQLite's files beside it" "$TEST_TMP/wal.err"
ok $? "... saying why"

# A reader that goes away early is an error said, not a silent death. The
# report (1.3 MB) must be larger than a pipe holds (64 KB), or the whole of
# it could be written before the reader leaves, which is no error at all.
big_db=$TEST_TMP/big.db
$WFPSIFT ingest -q -d "$big_db" "$top_srcdir/testdata/connect-scan.evtx" ||
    { echo "Bail out! cannot build the large case"; exit 1; }
mkfifo "$TEST_TMP/short.fifo"
head -c 1 < "$TEST_TMP/short.fifo" > /dev/null &
$WFPSIFT report -d "$big_db" --format jsonl -o "$TEST_TMP/short.fifo" > /dev/null 2> "$TEST_TMP/pipe.err"
status=$?
wait
is "$status" 1 "-o a FIFO whose reader leaves after a byte: exit 1, not killed by SIGPIPE"
grep -q "short.fifo: .*[Bb]roken pipe" "$TEST_TMP/pipe.err"
ok $? "... naming the output and the broken pipe"

# A block device is refused: it may be the evidence disk itself. (A node
# of our own, for an unbound loop device: nothing real could be written.)
block=$TEST_TMP/block-device
if mknod "$block" b 7 254 2>/dev/null; then
	$WFPSIFT report -d "$case_db" --format csv -o "$block" > /dev/null 2> "$TEST_TMP/block.err"
	is "$?:$(cat "$TEST_TMP/block.err")" "1:wfpsift report: $block: is a block device; choose a file" \
	    "-o a block device: refused, nothing written"
else
	skip "-o a block device: refused" "mknod needs root"
fi

done_testing
