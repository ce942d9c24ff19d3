#!/bin/sh
# Evidence is never modified: every input's SHA-256, size, mtime and ctime
# are the same after 'wfpsift analyze' and 'wfpsift ingest' as before, also
# from a read-only folder; no input is ever opened for writing (checked with
# strace when it is installed); nothing is created beside the evidence; and
# the SHA-256 recorded in sources is the one sha256sum computes.
. "${top_srcdir:-.}/tests/lib.sh"

evidence="$TEST_TMP/evidence"
mkdir -p "$evidence/sub"

# Inputs: the fixtures, and a few real files (some of them damaged) from
# the corpus. Copies, so their modes can be changed without touching the corpus.
for f in "$TESTDATA"/*.evtx; do
	[ -f "$f" ] && cp "$f" "$evidence/"
done
if have_corpus; then
	for f in "omerbenamram+evtx/samples/Security_short_selected.evtx" \
	    "omerbenamram+evtx/samples/Application_no_crc32.evtx" \
	    "omerbenamram+evtx/samples/MSExchange_Management_wec.evtx" \
	    "omerbenamram+evtx/samples/sample-with-zero-data-size-event.evtx" \
	    "sbousseaden+EVTX-ATTACK-SAMPLES/Command and Control/DE_RDP_Tunnel_5156.evtx"; do
		[ -f "$CORPUS/$f" ] && cp "$CORPUS/$f" "$evidence/sub/"
	done
fi
# A name with a space and a quote, and a damaged (truncated) copy.
first=$(find "$evidence" -name '*.evtx' | LC_ALL=C sort | head -n 1)
[ -n "$first" ] || plan_skip_all "no fixtures and no corpus to use as evidence"
cp "$first" "$evidence/sub/it's a copy.evtx"
head -c 70000 "$first" >"$evidence/truncated.evtx"

# fingerprint: one line per file: path, SHA-256, size, mode, mtime, ctime.
fingerprint() {
	find "$evidence" -type f | LC_ALL=C sort | while IFS= read -r f; do
		printf '%s %s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" \
		    "$(stat -c '%s %a %Y.%y %Z.%z' "$f")" "$f"
	done
}
listing() { find "$evidence" | LC_ALL=C sort; }

chmod -R a-w "$evidence"
fingerprint >"$TEST_TMP/before"
listing >"$TEST_TMP/listing-before"
files=$(wc -l <"$TEST_TMP/before" | tr -d ' ')

# run_traced LOG COMMAND...: run wfpsift under strace when there is one.
have_strace=0
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
	have_strace=1
fi
run_traced() {
	log=$1; shift
	if [ $have_strace -eq 1 ]; then
		strace -f -qq -e trace=open,openat,openat2,creat,truncate,ftruncate,rename,renameat,renameat2,unlink,unlinkat,chmod,fchmodat,utimensat \
		    -o "$log" "$@"
	else
		: >"$log"
		"$@"
	fi
}

run_traced "$TEST_TMP/analyze.trace" "$WFPSIFT" analyze -q -d "$TEST_TMP/case.db" \
    -o "$TEST_TMP/report" "$evidence" >"$TEST_TMP/analyze.out" 2>"$TEST_TMP/analyze.err"
status=$?
ok $([ $status -le 1 ] && echo 0 || echo 1) "analyze over $files read-only evidence files finishes (exit $status)"
fingerprint >"$TEST_TMP/after-analyze"
is "$(diff "$TEST_TMP/before" "$TEST_TMP/after-analyze")" "" \
    "analyze: every input's SHA-256, size, mode, mtime and ctime are unchanged"
is "$(listing | diff "$TEST_TMP/listing-before" -)" "" \
    "analyze: no file is created or removed in the evidence folder"

# Ingest into a new case, then again into the same case (a no-op).
run_traced "$TEST_TMP/ingest.trace" "$WFPSIFT" ingest -q -d "$TEST_TMP/case2.db" \
    "$evidence" >/dev/null 2>"$TEST_TMP/ingest.err"
"$WFPSIFT" ingest -q -d "$TEST_TMP/case2.db" "$evidence" >/dev/null 2>>"$TEST_TMP/ingest.err"
fingerprint >"$TEST_TMP/after-ingest"
is "$(diff "$TEST_TMP/before" "$TEST_TMP/after-ingest")" "" \
    "ingest twice: every input's SHA-256, size, mode, mtime and ctime are unchanged"
is "$(listing | diff "$TEST_TMP/listing-before" -)" "" \
    "ingest twice: no file is created or removed in the evidence folder"

# Every open of something under the evidence folder is read-only, and no
# call that changes a file names it. (As root the mode bits would not stop a write.)
if [ $have_strace -eq 1 ]; then
	calls=$(cat "$TEST_TMP/analyze.trace" "$TEST_TMP/ingest.trace" | grep -F "\"$evidence" )
	opens=$(printf '%s\n' "$calls" | grep -c 'open')
	ok $([ "$opens" -ge "$files" ] && echo 0 || echo 1) \
	    "strace saw the inputs opened ($opens opens of $files files)"
	writes=$(printf '%s\n' "$calls" | grep -E 'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND|^[0-9]+ +(creat|truncate|rename|unlink|chmod|fchmodat|utimensat)')
	is "$writes" "" "no input is opened for writing or changed by any system call"
else
	skip "strace saw the inputs opened" "strace is not installed or cannot trace"
	skip "no input is opened for writing" "strace is not installed or cannot trace"
fi

# Chain of custody: the hash in sources is sha256sum's, for every file read.
expected=$(sort "$TEST_TMP/before" | awk '{print $1}' | sort -u)
got=$(sql "$TEST_TMP/case.db" "SELECT sha256 FROM sources WHERE sha256 IS NOT NULL" | sort -u)
# The truncated copy of a fixture is one of them; every hash must be known.
is "$got" "$expected" "sources holds exactly sha256sum's hash of every input"
got=$(sql "$TEST_TMP/case.db" "SELECT count(*) FROM sources s1 JOIN sources s2
    ON s1.sha256 = s2.sha256 AND s1.id < s2.id")
is "$got" 0 "no file is in sources twice"
# The same path maps to the same hash (the same file copied under two names
# is one source: its path is whichever was read first).
mismatch=$(sql "$TEST_TMP/case.db" "SELECT path || ' ' || sha256 FROM sources" |
    while IFS= read -r line; do
	path=${line% *}; hash=${line##* }
	[ "$(sha256sum <"$path" | cut -d' ' -f1)" = "$hash" ] || echo "$path"
    done)
is "$mismatch" "" "each source's path hashes to its recorded SHA-256"

grep -qi 'sanitizer:\|segmentation\|runtime error' "$TEST_TMP/analyze.err" "$TEST_TMP/ingest.err"
ok $([ $? -ne 0 ] && echo 0 || echo 1) "no sanitizer report or crash"
chmod -R u+w "$evidence"
done_testing
