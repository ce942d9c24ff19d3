#!/bin/sh
# bench/store-floor.sh: what SQLite alone costs to store what ingest stores.
#
#   bench/store-floor.sh CASE
#
# CASE is a case file written by 'wfpsift ingest' (one input file is the
# clearest). Into a new, empty case with the same schema and the same
# settings as a bulk load (16 KiB pages, WAL, synchronous OFF, a 64 MB
# page cache, no secondary indexes), SQLite copies every row of the tables
# ingest fills, then builds the secondary indexes again, as ingest does at
# the end of a bulk load. No EVTX is read, nothing is decoded, normalised
# or bound: this is the least CPU time any ingest into this schema can
# spend in SQLite. The copy decodes and re-encodes each row (a WHERE
# clause keeps SQLite from copying the records as they are), as an insert
# of bound values encodes them.
#
# Prints the CPU time (user + sys) of the copy (and of reading the rows
# back alone, which the copy includes and a store does not) and of the
# index builds,
# the case's size, and, given the input's size in bytes as INPUT_BYTES,
# the MB per CPU second that this floor alone allows.
set -eu
case_file=${1:?usage: bench/store-floor.sh CASE}
here=$(cd "$(dirname "$0")/.." && pwd)
wfpsift=${WFPSIFT:-${BUILD:-$here/build}/wfpsift}
out=${BENCH_OUT:-$here/bench/out}
floor=$out/store-floor.db
mkdir -p "$out"
rm -f "$floor" "$floor-wal" "$floor-shm"

tables="events network_events processes logons audit_events ingest_errors"

# The schema, without its secondary indexes: a bulk load builds them last.
"$wfpsift" schema | sed '/^CREATE INDEX/d' > "$out/store-floor-schema.sql"
indexes=$("$wfpsift" schema | grep '^CREATE INDEX' | grep -v ' ON sources(' || true)

{
	echo "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL;"
	cat "$out/store-floor-schema.sql"
} | sqlite3 -batch "$floor" >/dev/null

# One sqlite3 per step, timed by /usr/bin/time: CPU seconds on stdout.
cpu_of() {
	/usr/bin/time -f '%U %S' -o "$out/store-floor.time" sqlite3 -batch "$floor" >/dev/null
	awk '{ printf "%.2f", $1 + $2 }' "$out/store-floor.time"
}

copy_sql() {
	echo "PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;"
	echo "PRAGMA cache_size = -65536;"
	echo "ATTACH '$case_file' AS ingested;"
	echo "INSERT INTO sources SELECT * FROM ingested.sources;"
	echo "BEGIN;"
	for table in $tables; do
		echo "INSERT INTO main.$table SELECT * FROM ingested.$table WHERE id > 0;"
	done
	echo "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);"
}

# Reading the rows back is part of the copy, not of a store: measured apart.
read_sql() {
	echo "PRAGMA cache_size = -65536; ATTACH '$case_file' AS ingested;"
	for table in $tables; do
		last=$(sqlite3 -batch "$case_file" "SELECT name FROM
		    pragma_table_info('$table') ORDER BY cid DESC LIMIT 1")
		echo "SELECT count($last) FROM ingested.$table WHERE id > 0;"
	done
}

copy=$(copy_sql | cpu_of)
read=$(read_sql | cpu_of)
build=$( { echo "PRAGMA cache_size = -65536; BEGIN;"; echo "$indexes";
    echo "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);"; } | cpu_of)
rows=$(sqlite3 -batch "$floor" "SELECT (SELECT count(*) FROM events) || ' events, ' ||
    (SELECT count(*) FROM network_events) || ' network events'")
size=$(wc -c < "$floor")

echo "store floor for $case_file: $rows, case $((size / 1048576)) MB"
echo "  copy every row:      $copy s CPU, of which reading them $read s"
echo "  build the indexes:   $build s CPU"
total=$(echo "$copy $read $build" | awk '{ printf "%.2f", $1 - $2 + $3 }')
echo "  SQLite alone:        $total s CPU (writing the rows and the indexes)"
if [ -n "${INPUT_BYTES:-}" ]; then
	echo "$INPUT_BYTES $total" | awk '{ printf "  input at most:       %.0f MB per CPU s, before any decoding\n", $1 / 1e6 / $2 }'
fi
rm -f "$floor" "$floor-wal" "$floor-shm" "$out/store-floor.time"
