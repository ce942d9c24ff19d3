# tests/robust-lib.sh: helpers the robustness tests share (after lib.sh).

# canonical_dump CASE: every stored row, without row ids or ingest times,
# its source named by SHA-256, sorted.
canonical_dump() {
	for table in events network_events processes logons audit_events ingest_errors; do
		columns=$(sql "$1" "SELECT group_concat('t.\"' || name || '\"', ', ')
		    FROM pragma_table_info('$table')
		    WHERE name NOT IN ('id', 'event_row', 'source_id')")
		count=$(sql "$1" "SELECT count(*) FROM pragma_table_info('$table')
		    WHERE name NOT IN ('id', 'event_row', 'source_id')")
		order=$(seq -s, 1 $((count + 1)))
		echo "== $table"
		sql "$1" "SELECT s.sha256, $columns FROM $table t
		    LEFT JOIN sources s ON s.id = t.source_id ORDER BY $order"
	done
	echo "== sources"
	sql "$1" "SELECT path, size, sha256, status, decoder, record_count,
	    recovered_count, error_count, header_flags, dirty, full, corrupted,
	    format_version, chunk_count, next_record_id, first_record_id,
	    last_record_id, first_time, last_time FROM sources ORDER BY sha256"
}

