#!/bin/sh
# Walking folders: symbolic links to files and folders are followed, a link
# loop ends with one line and every file read once, a dangling link is
# named; a folder without EVTX files is named and, when nothing at all was
# found, ingest and analyze exit 1; files that are not EVTX are counted in
# the summary; a folder named with a trailing slash stores single slashes.
. "${top_srcdir:-.}/tests/lib.sh"

good="$TESTDATA/connect-scan.evtx"
other="$TESTDATA/syn-scan-ws05.evtx"
[ -f "$good" ] && [ -f "$other" ] || plan_skip_all "no fixtures"

# run NAME ARGS...: run wfpsift, keep stdout, stderr and status.
run() {
	name=$1; shift
	"$WFPSIFT" "$@" >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err"
	echo $? >"$TEST_TMP/$name.status"
}
status_of() { cat "$TEST_TMP/$1.status"; }
paths_in() { sql "$1" "SELECT path FROM sources ORDER BY path"; }

# A link to a file outside the folder is read under the link's name.
mkdir "$TEST_TMP/linked"
cp "$good" "$TEST_TMP/real.evtx"
ln -s ../real.evtx "$TEST_TMP/linked/link.evtx"
run link ingest -d "$TEST_TMP/link.db" "$TEST_TMP/linked"
is "$(status_of link)$(cat "$TEST_TMP/link.err")" 0 "a file link in a folder: exit 0, no message"
is "$(paths_in "$TEST_TMP/link.db")" "$TEST_TMP/linked/link.evtx" \
    "a file link in a folder: the file is ingested under the link's path"

# A loop: tree/sub/loop -> .. (tree). Each file once, the loop named once.
tree="$TEST_TMP/tree"
mkdir -p "$tree/sub"
cp "$good" "$tree/a.evtx"
cp "$other" "$tree/sub/b.evtx"
ln -s .. "$tree/sub/loop"
run loop ingest -d "$TEST_TMP/loop.db" "$tree"
is "$(status_of loop)" 0 "a link loop: exit 0 (every file was read)"
is "$(paths_in "$TEST_TMP/loop.db")" "$tree/a.evtx
$tree/sub/b.evtx" "a link loop: each file ingested once"
is "$(cat "$TEST_TMP/loop.err")" \
    "wfpsift: $tree/sub/loop: symbolic link loop (it leads back to a folder above it); not followed" \
    "a link loop: one line naming the link"
# Named from below, the loop leads up: the files above are read through it.
run loop_below ingest -d "$TEST_TMP/loop-below.db" "$tree/sub"
is "$(status_of loop_below)$(sql "$TEST_TMP/loop-below.db" "SELECT count(*) FROM sources")" 02 \
    "a link loop named from below: exit 0, both files once"

# A dangling link: named, counted as unreadable, the rest still read.
mkdir "$TEST_TMP/dangling"
cp "$good" "$TEST_TMP/dangling/a.evtx"
ln -s "$TEST_TMP/no-such.evtx" "$TEST_TMP/dangling/gone.evtx"
run dangling ingest -d "$TEST_TMP/dangling.db" "$TEST_TMP/dangling"
is "$(cat "$TEST_TMP/dangling.err")" \
    "wfpsift: $TEST_TMP/dangling/gone.evtx: dangling symbolic link (what it points to does not exist)" \
    "a dangling link: one line naming it"
is "$(status_of dangling)" 1 "a dangling link: exit 1, like an unreadable file"
is "$(paths_in "$TEST_TMP/dangling.db")" "$TEST_TMP/dangling/a.evtx" \
    "a dangling link: the other file is ingested"

# An empty folder: named, and with nothing found at all, exit 1.
mkdir "$TEST_TMP/empty"
run empty ingest -d "$TEST_TMP/empty.db" "$TEST_TMP/empty/"
is "$(status_of empty)" 1 "an empty folder alone: ingest exits 1"
is "$(cat "$TEST_TMP/empty.err")" "wfpsift: $TEST_TMP/empty/: no EVTX files found" \
    "an empty folder: one warning naming it"
run analyze_empty analyze -d "$TEST_TMP/analyze.db" -o "$TEST_TMP/analyze-report" \
    "$TEST_TMP/empty/"
is "$(status_of analyze_empty)" 1 "an empty folder alone: analyze exits 1"
is "$(head -n 1 "$TEST_TMP/analyze_empty.err")" "wfpsift: $TEST_TMP/empty/: no EVTX files found" \
    "an empty folder: analyze warns too"
grep -q "Gaps: none found" "$TEST_TMP/analyze_empty.out"
ok $([ $? -ne 0 ] && [ ! -e "$TEST_TMP/analyze-report" ] && echo 0 || echo 1) \
    "an empty folder: analyze reports no gaps and writes no report"
# Beside a file that is read, the empty folder is only warned about.
run empty_and_good ingest -d "$TEST_TMP/both.db" "$TEST_TMP/empty" "$good"
is "$(status_of empty_and_good)$(cat "$TEST_TMP/empty_and_good.err")" \
    "0wfpsift: $TEST_TMP/empty: no EVTX files found" \
    "an empty folder beside a good file: a warning, exit 0"

# Files that are not EVTX in a folder: skipped, counted in the summary.
mixed="$TEST_TMP/mixed"
mkdir "$mixed"
cp "$good" "$mixed/Security.evtx"
: >"$mixed/empty.evtx"
echo "collected by kape" >"$mixed/README.txt"
printf 'MZ\220\0' >"$mixed/tool.exe"
run mixed ingest -d "$TEST_TMP/mixed.db" "$mixed/"
is "$(status_of mixed)$(cat "$TEST_TMP/mixed.err")" 0 "files that are not EVTX: exit 0, no line each"
grep -q "; skipped 3 files that are not EVTX" "$TEST_TMP/mixed.out"
ok $? "files that are not EVTX: the summary counts them"
run mixed_quiet ingest -q -d "$TEST_TMP/mixed-quiet.db" "$mixed"
is "$(cat "$TEST_TMP/mixed_quiet.out")" "" "files that are not EVTX: nothing said with -q"
rm "$mixed/Security.evtx"
run only_other ingest -d "$TEST_TMP/other.db" "$mixed"
is "$(status_of only_other)$(cat "$TEST_TMP/only_other.err")" \
    "1wfpsift: $mixed: no EVTX files found" \
    "a folder of other files only: warned, exit 1"

# A trailing slash (or two) on a folder: single slashes in stored paths.
run slash ingest -d "$TEST_TMP/slash.db" "$tree//"
is "$(sql "$TEST_TMP/slash.db" "SELECT count(*) FROM sources WHERE path LIKE '%//%'")" 0 \
    "a folder named with trailing slashes: no // in stored paths"
is "$(paths_in "$TEST_TMP/slash.db")" "$tree/a.evtx
$tree/sub/b.evtx" "a folder named with trailing slashes: paths as under the plain name"
done_testing
