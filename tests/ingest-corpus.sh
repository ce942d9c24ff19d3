#!/bin/sh
# Ingest every real EVTX file of the shared corpus and check it against an
# independent reader, evtxexport (libevtx-utils): per file, the count of
# live records per event id is the same, and every 5156 that evtxexport
# prints is a network_events row with the same addresses and ports.
# Skipped when the corpus is not there.
. "${top_srcdir:-.}/tests/lib.sh"

have_corpus || plan_skip_all "no corpus at $CORPUS"
command -v evtxexport >/dev/null || plan_skip_all "evtxexport (libevtx-utils) not installed"

case_file="$TEST_TMP/corpus.db"
"$WFPSIFT" ingest -q -d "$case_file" "$CORPUS" 2>"$TEST_TMP/ingest.err"
status=$?
ok $([ $status -le 1 ] && echo 0 || echo 1) "ingest of the whole corpus finishes (exit $status)"
ok $(grep -qi 'sanitizer:\|segmentation fault' "$TEST_TMP/ingest.err"; [ $? -ne 0 ] && echo 0 || echo 1) \
    "no crash reported while ingesting the corpus"

# Event ids of live records as evtxexport renders them, one per line, sorted.
export_event_ids() {
	# Only the <System> EventID: UserData (1108) can name another one.
	evtxexport -f xml "$1" 2>/dev/null | awk '
	    /<Event xmlns/ { seen = 0 }
	    /<EventID[^>]*>/ && !seen { id = $0; sub(/.*<EventID[^>]*>/, "", id);
		sub(/<.*/, "", id); print id; seen = 1 }' | sort | uniq -c |
	    awk '{print $2 "=" $1}' | sort
}

# Each 5156 as "source:port>dest:port", as logged, sorted.
export_5156() {
	evtxexport -f xml "$1" 2>/dev/null | awk '
	    /<Event xmlns/ { seen = 0 }
	    /<EventID[^>]*>/ && !seen { id = $0; sub(/.*<EventID[^>]*>/, "", id); sub(/<.*/, "", id); seen = 1 }
	    /Name="SourceAddress"/ { sa = value($0) }
	    /Name="SourcePort"/ { sp = value($0) }
	    /Name="DestAddress"/ { da = value($0) }
	    /Name="DestPort"/ { dp = value($0) }
	    /<\/Event>/ { if (id == "5156") print sa ":" sp ">" da ":" dp; id = "" }
	    function value(line) { sub(/.*">/, "", line); sub(/<\/Data>.*/, "", line); return line }' |
	    sort
}

find "$CORPUS" -type f | LC_ALL=C sort > "$TEST_TMP/files"
while IFS= read -r file; do
	head -c 8 "$file" | grep -q '^ElfFile' || continue
	hash=$(sha256sum "$file" | cut -d' ' -f1)
	name=${file#"$CORPUS"/}
	# A file libevtx cannot read at all is 'failed', with zero events.
	source_id=$(sql "$case_file" "SELECT id FROM sources WHERE sha256 = '$hash'
	    AND status IN ('complete', 'failed')")
	if [ -z "$source_id" ]; then
		ok 1 "$name: has a sources row"
		continue
	fi
	expected=$(export_event_ids "$file")
	got=$(sql "$case_file" "SELECT event_id || '=' || count(*) FROM events
	    WHERE source_id = $source_id AND recovered = 0 GROUP BY event_id" | sort)
	if evtxexport -f xml "$file" >/dev/null 2>&1; then
		is "$got" "$expected" "$name: live records per event id match evtxexport"
	else
		# evtxexport stops at its first undecodable record: ours must
		# hold at least what it printed, per event id.
		short=$(printf '%s\n' "$expected" | while IFS== read -r id n; do
			[ -n "$id" ] || continue
			have=$(printf '%s\n' "$got" | sed -n "s/^$id=//p")
			[ "${have:-0}" -ge "$n" ] || echo "$id: $have < $n"
		done)
		is "$short" "" "$name: holds every record evtxexport printed before it gave up"
	fi
	if printf '%s\n' "$expected" | grep -q '^5156='; then
		expected_5156=$(export_5156 "$file")
		got_5156=$(sql "$case_file" "SELECT raw_source_ip || ':' || raw_source_port || '>' ||
		    raw_dest_ip || ':' || raw_dest_port FROM network_events
		    WHERE source_id = $source_id AND event_id = 5156 AND recovered = 0" | sort)
		is "$got_5156" "$expected_5156" "$name: every 5156 is a network_events row with its addresses and ports"
	fi
done < "$TEST_TMP/files"
done_testing
