#!/bin/sh
# bench/detect.sh: time and peak memory of 'wfpsift detect' on a large case.
#
#   bench/detect.sh [EVENTS] [WFPSIFT]
#
# Builds a case of EVENTS network events (default 1,000,000) with SQL alone:
# 200 workstations over one day, each with 10 processes (4688 rows, so
# attribution has work to do) talking to 40 internal servers on ordinary
# ports, to internet hosts on 443, and to each other on SMB; one workstation
# sweeps 1000 ports and another 300 hosts. Then runs detect under
# /usr/bin/time -v and prints elapsed time, peak RSS and the findings.
# The case is kept in bench/out/ for a second run (delete it to rebuild).
set -e
EVENTS=${1:-1000000}
WFPSIFT=${2:-${WFPSIFT:-./wfpsift}}
OUT=${BENCH_OUT:-bench/out}
CASE=$OUT/detect-$EVENTS.db
T0=1793577600
mkdir -p "$OUT"

if [ ! -f "$CASE" ]; then
	echo "building $CASE ($EVENTS network events)..."
	"$WFPSIFT" schema | sqlite3 -batch "$CASE" > /dev/null
	sqlite3 -batch "$CASE" > /dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO sources (id, path, size, sha256, ingested_at, status)
  VALUES (1, 'bench', 0, 'bench', '2026-11-02T00:00:00Z', 'complete');
INSERT INTO events (id, source_id) VALUES (1, 1);
-- 200 hosts x 10 processes, started at midnight by 100 users.
INSERT INTO processes (id, event_row, source_id, host, time, time_unix_us,
  event_id, kind, pid, image, image_path, image_name, user_sid, user_name,
  user_domain, logon_id, elevated)
  WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < 1999)
  SELECT n + 1, 1, 1, 'WS' || (n / 10), '2026-11-02T00:00:00.0000000Z',
    $T0 * 1000000, 4688, 'start', 1000 + 4 * (n % 10),
    'C:\\apps\\app' || (n % 10) || '.exe', '\\apps\\app' || (n % 10) || '.exe',
    'app' || (n % 10) || '.exe', 'S-1-5-21-9-' || (n / 20), 'user' || (n / 20),
    'CORP', '0x' || (1000 + n / 10), 0
  FROM seq;
-- Ordinary traffic, one event every few hundredths of a second per host.
INSERT INTO network_events (id, event_row, source_id, record_id, host, time,
  time_unix_us, event_id, provider, action, direction, protocol, protocol_name,
  local_ip, local_port, remote_ip, remote_port, pid, application,
  application_path, application_name)
  WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < $EVENTS - 1301)
  SELECT n + 1, 1, 1, n + 1, 'WS' || (n % 200),
    strftime('%Y-%m-%dT%H:%M:%S.0000000Z', $T0 + n * 86400 / $EVENTS, 'unixepoch'),
    ($T0 * 1000000) + n * (86400000000 / $EVENTS), 5156,
    'Microsoft-Windows-Security-Auditing', 'allowed', 'outbound', 6, 'tcp',
    '10.1.' || (n % 200 / 100) || '.' || (n % 200 % 100 + 1), 49152 + n % 16000,
    CASE n % 4 WHEN 0 THEN '10.0.0.' || (1 + n % 40)
               WHEN 1 THEN '151.101.' || (n % 250) || '.' || (n % 7)
               WHEN 2 THEN '10.1.0.' || (1 + (n / 200) % 20)
               ELSE '10.0.0.' || (1 + n % 40) END,
    CASE n % 4 WHEN 0 THEN 88 WHEN 1 THEN 443 WHEN 2 THEN 445
               ELSE CASE (n / 4) % 6 WHEN 0 THEN 53 WHEN 1 THEN 135 WHEN 2 THEN 389
                    WHEN 3 THEN 636 WHEN 4 THEN 3268 ELSE 49667 END END,
    1000 + 4 * (n % 10), '\\device\\harddiskvolume2\\apps\\app' || (n % 10) || '.exe',
    '\\apps\\app' || (n % 10) || '.exe', 'app' || (n % 10) || '.exe'
  FROM seq;
-- The sweeps: 1000 ports of one server in 100 s, 300 hosts on SMB in 60 s.
INSERT INTO network_events (id, event_row, source_id, record_id, host, time,
  time_unix_us, event_id, provider, action, direction, protocol, protocol_name,
  local_ip, local_port, remote_ip, remote_port, pid, application,
  application_path, application_name)
  WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < 1299)
  SELECT $EVENTS - 1300 + n + 1, 1, 1, $EVENTS - 1300 + n + 1,
    CASE WHEN n < 1000 THEN 'WS5' ELSE 'WS9' END,
    strftime('%Y-%m-%dT%H:%M:%S.0000000Z', $T0 + 43200 + n / 10, 'unixepoch'),
    ($T0 + 43200) * 1000000 + n * 100000, 5156,
    'Microsoft-Windows-Security-Auditing', 'allowed', 'outbound', 6, 'tcp',
    CASE WHEN n < 1000 THEN '10.1.0.6' ELSE '10.1.0.10' END, 60000 + n,
    CASE WHEN n < 1000 THEN '10.0.0.1' ELSE '10.2.' || (n / 250) || '.' || (n % 250) END,
    CASE WHEN n < 1000 THEN n + 1 ELSE 445 END,
    1000, '\device\harddiskvolume2\apps\app0.exe', '\apps\app0.exe', 'app0.exe'
  FROM seq;
COMMIT;
SQL
fi
echo "running: $WFPSIFT detect -q -d $CASE"
/usr/bin/time -v "$WFPSIFT" detect -d "$CASE" > "$OUT/detect.out" 2> "$OUT/detect.time"
grep -E "Elapsed|Maximum resident" "$OUT/detect.time"
tail -n 4 "$OUT/detect.out"
