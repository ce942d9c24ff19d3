#!/bin/sh
# bench/scale-floor.sh: the least SQLite work any 'detect' + 'gaps' can do.
#
#   bench/scale-floor.sh CASE
#
# CASE is a case that 'wfpsift detect' has run on (bench/scale.sh builds
# one). Whatever the detectors and checks do in C, they must read the
# columns of network_events and events they judge at least once, and
# detect must write one attribution row per network event. This times
# exactly that in SQLite alone: one read of every column detect and gaps
# use (each value summed or measured, so SQLite decodes it), and a copy of
# the case's attribution rows into an empty table with the bulk-load
# settings. Prints CPU seconds (user + sys) of each.
set -eu
case_file=${1:?usage: bench/scale-floor.sh CASE}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$here/bench/out}
scratch=$out/scale-floor.db
mkdir -p "$out"
rm -f "$scratch" "$scratch-wal" "$scratch-shm"

cpu_of() {
	/usr/bin/time -f '%U %S' -o "$out/scale-floor.time" sqlite3 -batch "$@" >/dev/null
	awk '{ printf "%.2f", $1 + $2 }' "$out/scale-floor.time"
}

read=$(cpu_of "$case_file" <<'SQL'
PRAGMA cache_size = -65536;
SELECT count(*), total(length(host)), total(time_unix_us), total(pid),
  total(length(application_path)), total(length(process_guid)),
  total(length(user_name)), total(protocol), total(length(direction)),
  total(length(local_ip)), total(local_port), total(length(remote_ip)),
  total(remote_port), total(event_id), total(length(time)),
  total(length(application_name)) FROM network_events;
SELECT count(*), total(source_id), total(length(host)), total(length(channel)),
  total(recovered), total(time_unix_us), total(event_id),
  total(length(provider)), total(record_id), total(record_number) FROM events;
SQL
)
write=$(cpu_of "$scratch" <<SQL
PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
PRAGMA cache_size = -65536;
ATTACH '$case_file' AS measured;
CREATE TABLE attribution AS SELECT * FROM measured.attribution WHERE 0;
BEGIN;
INSERT INTO attribution SELECT * FROM measured.attribution WHERE network_event_id > 0;
COMMIT; PRAGMA wal_checkpoint(TRUNCATE);
SQL
)
events=$(sqlite3 -batch "$case_file" "SELECT count(*) FROM network_events")
echo "SQLite floor of detect + gaps on $case_file ($events network events):"
echo "  read every column used, once:   $read s CPU"
echo "  write the attribution rows:     $write s CPU"
echo "$read $write" | awk '{ printf "  together:                       %.2f s CPU\n", $1 + $2 }'
rm -f "$scratch" "$scratch-wal" "$scratch-shm" "$out/scale-floor.time"
