#!/bin/sh
# bench/scale.sh: time 'wfpsift detect' and 'wfpsift gaps' on a large case.
#
#   bench/scale.sh [EVENTS] [WFPSIFT]      (WFPSIFT defaults to $BUILD/wfpsift)
#
# Builds (once, then keeps in bench/out/) a case of about EVENTS network
# events (default 10,000,000) with SQL alone, laid out as an ingest of one
# Security.evtx per host leaves it: rows of one host together, an events
# row behind every normalised row, record ids in sequence per log. Two days
# of traffic from 400 workstations, each with eight long-lived programs
# and a short-lived tool every ten minutes whose eight PIDs are reused, so
# attribution meets live, exited and unknown processes, a wrong image and
# System; one interactive logon per user and day. The workstations talk
# to internet hosts, to two domain controllers (DNS, CLDAP, Kerberos, RPC,
# LDAP), file servers, intranet servers, WinRM, and each other on SMB;
# the domain controllers and file servers log the Kerberos and SMB
# connections they accept, so gaps' unlogged-traffic check has a million
# inbound records to match. WS020 is silent for three hours and WS030's
# log lost 40 records. Hidden on the second day, after the learning
# period: a 1000-port sweep (WS005), a 300-host SMB sweep (WS009), a SYN
# scan that only its target SRV03 logged (from WS017, after an ICMP
# discovery by nmap.exe), and PsExec on WS011.
#
# Then times, each with the results of the last run cleared first so every
# run starts from a freshly ingested case: detect, gaps, both in a row, and
# detect again over its own results (a re-run with other thresholds). It
# prints one table (wall and CPU seconds, peak RSS, findings or gaps) and a
# SHA-256 of each results table, for comparing two builds' results.
# BUILD_ONLY=1 stops after building the case.
set -e
EVENTS=${1:-10000000}
WFPSIFT=${2:-${WFPSIFT:-${BUILD:-.}/wfpsift}}
OUT=${BENCH_OUT:-bench/out}
CASE=$OUT/scale-$EVENTS.db
T0=1793577600			# 2026-11-02T00:00:00Z
DAYS=2
WORKSTATIONS=400
mkdir -p "$OUT"

# Workstation events: ten in eleven; the servers' inbound copies of the
# Kerberos and SMB connections make up the eleventh.
PER_HOST=$((EVENTS * 10 / 11 / WORKSTATIONS))
STEP_US=$((DAYS * 86400 * 1000000 / PER_HOST))
TOOLS=$((DAYS * 86400 / 600))
PER_WS_PROCESSES=$((8 + 2 * TOOLS))
T0_US=$((T0 * 1000000))
DAY2=$((T0 + 86400 + 43200))	# the anomalies: noon on the second day

# The SQL that writes the case: build_sql > sqlite3.
build_sql() {
	cat <<SQL
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
CREATE TEMP TABLE ws AS
  WITH RECURSIVE seq(w) AS (SELECT 0 UNION ALL SELECT w + 1 FROM seq
    WHERE w < $WORKSTATIONS - 1)
  SELECT w, 'WS' || substr('000' || w, -3) AS host,
    '10.1.' || (w / 250) || '.' || (w % 250 + 1) AS ip FROM seq;
CREATE TEMP TABLE srv AS
  WITH RECURSIVE seq(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM seq WHERE s < 19)
  SELECT s, 'SRV' || substr('00' || s, -2) AS host, '10.0.0.' || (s + 1) AS ip
  FROM seq;
INSERT INTO sources (id, path, size, sha256, ingested_at, completed_at,
  status, decoder)
  SELECT w + 1, 'bench/' || host || '/Security.evtx', 0, 'bench-' || host,
    '2026-11-04T00:00:00Z', '2026-11-04T00:00:00Z', 'complete', 'bench'
  FROM temp.ws
  UNION ALL
  SELECT 401 + s, 'bench/' || host || '/Security.evtx', 0, 'bench-' || host,
    '2026-11-04T00:00:00Z', '2026-11-04T00:00:00Z', 'complete', 'bench'
  FROM temp.srv WHERE s < 8;

-- Processes: per workstation eight programs at midnight, then a tool every
-- ten minutes that lives four (PIDs 5000..5028 reused); three services on
-- each server; nmap.exe and PsExec on the second day.
INSERT INTO processes (id, event_row, source_id, host, time, time_unix_us,
  event_id, kind, pid, image, image_path, image_name, user_sid, user_name,
  user_domain, logon_id, elevated)
  WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq
    WHERE n < $WORKSTATIONS * $PER_WS_PROCESSES - 1),
  p AS (SELECT n, n / $PER_WS_PROCESSES AS w, n % $PER_WS_PROCESSES AS m FROM seq),
  q AS (SELECT n, w, m,
    CASE WHEN m < 8 THEN 1000 + 4 * m ELSE 5000 + 4 * ((m - 8) / 2 % 8) END AS pid,
    CASE WHEN m < 8 THEN '\\apps\\app' || m || '.exe'
      ELSE '\\apps\\tool.exe' END AS path,
    CASE WHEN m < 8 THEN $T0_US + w * 1000
      ELSE $T0_US + (((m - 8) / 2) * 600 + w % 300 + (m - 8) % 2 * 240) * 1000000
      END AS t,
    CASE WHEN m < 8 OR (m - 8) % 2 = 0 THEN 'start' ELSE 'exit' END AS kind
    FROM p)
  SELECT n + 1, 100000000 + n + 1, w + 1, 'WS' || substr('000' || w, -3),
    strftime('%Y-%m-%dT%H:%M:%S.', t / 1000000, 'unixepoch') ||
      printf('%07dZ', t % 1000000 * 10), t,
    CASE kind WHEN 'start' THEN 4688 ELSE 4689 END, kind, pid,
    '\\Device\\HarddiskVolume2' || path, path, substr(path, 7),
    'S-1-5-21-9-' || (1000 + w), 'user' || w, 'CORP',
    printf('0x%x', 65536 + w * 4 + (t / 1000000 - $T0) / 86400), 0
  FROM q
  WHERE NOT (w = 20 AND t BETWEEN $T0_US + 36000000000 AND $T0_US + 46800000000);
INSERT INTO processes (id, event_row, source_id, host, time, time_unix_us,
  event_id, kind, pid, image, image_path, image_name, user_sid, user_name,
  user_domain, logon_id, elevated)
  SELECT 300000 + s * 3 + i + 1, 100300000 + s * 3 + i + 1, 401 + s, host,
    strftime('%Y-%m-%dT%H:%M:%S.0000000Z', $T0, 'unixepoch'), $T0_US, 4688,
    'start', CASE i WHEN 0 THEN 700 WHEN 1 THEN 900 ELSE 1200 END,
    '\\Device\\HarddiskVolume2\\windows\\system32\\' ||
      CASE i WHEN 0 THEN 'lsass.exe' WHEN 1 THEN 'svchost.exe' ELSE 'dns.exe' END,
    '\\windows\\system32\\' ||
      CASE i WHEN 0 THEN 'lsass.exe' WHEN 1 THEN 'svchost.exe' ELSE 'dns.exe' END,
    CASE i WHEN 0 THEN 'lsass.exe' WHEN 1 THEN 'svchost.exe' ELSE 'dns.exe' END,
    'S-1-5-18', host || '\$', 'CORP', '0x3e7', 1
  FROM temp.srv, (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2)
  WHERE s < 8;
INSERT INTO processes (id, event_row, source_id, host, time, time_unix_us,
  event_id, kind, pid, image, image_path, image_name, user_sid, user_name,
  user_domain, logon_id, elevated)
  VALUES
  (400001, 100400001, 18, 'WS017', strftime('%Y-%m-%dT%H:%M:%S.0000000Z',
    $DAY2 - 120, 'unixepoch'), ($DAY2 - 120) * 1000000, 4688, 'start', 6100,
    '\\Device\\HarddiskVolume2\\tools\\nmap.exe', '\\tools\\nmap.exe', 'nmap.exe',
    'S-1-5-21-9-1017', 'user17', 'CORP', printf('0x%x', 65536 + 17 * 4 + 1), 1),
  (400002, 100400002, 12, 'WS011', strftime('%Y-%m-%dT%H:%M:%S.0000000Z',
    $DAY2 + 600, 'unixepoch'), ($DAY2 + 600) * 1000000, 4688, 'start', 6000,
    '\\Device\\HarddiskVolume2\\tools\\psexec.exe', '\\tools\\psexec.exe',
    'psexec.exe', 'S-1-5-21-9-1011', 'user11', 'CORP',
    printf('0x%x', 65536 + 11 * 4 + 1), 1);

-- Logons: each user's interactive logon a minute before each day, and a
-- network logon to the user's file server.
INSERT INTO logons (id, event_row, source_id, host, time, time_unix_us,
  event_id, user_sid, user_name, user_domain, logon_id, logon_type, source_ip,
  workstation, authentication)
  WITH days(d) AS (SELECT 0 UNION ALL SELECT 1)
  SELECT w * 4 + d * 2 + 1, 200000000 + w * 4 + d * 2 + 1, w + 1, host,
    strftime('%Y-%m-%dT%H:%M:%S.0000000Z', $T0 + d * 86400 - 60, 'unixepoch'),
    ($T0 + d * 86400 - 60) * 1000000, 4624, 'S-1-5-21-9-' || (1000 + w),
    'user' || w, 'CORP', printf('0x%x', 65536 + w * 4 + d), 2, NULL, host,
    'Kerberos'
  FROM temp.ws, days
  UNION ALL
  SELECT w * 4 + d * 2 + 2, 200000000 + w * 4 + d * 2 + 2, 401 + 2 + w % 6,
    'SRV' || substr('00' || (2 + w % 6), -2),
    strftime('%Y-%m-%dT%H:%M:%S.0000000Z', $T0 + d * 86400 + 30 + w, 'unixepoch'),
    ($T0 + d * 86400 + 30 + w) * 1000000, 4624, 'S-1-5-21-9-' || (1000 + w),
    'user' || w, 'CORP', printf('0x%x', 1048576 + w * 4 + d), 3, ip, host,
    'Kerberos'
  FROM temp.ws, days;

-- Workstation traffic, one host after another; the category c of a slot
-- decides program, protocol, peer and port.
INSERT INTO network_events (id, event_row, source_id, host, time,
  time_unix_us, event_id, provider, action, direction, protocol, protocol_name,
  local_ip, local_port, remote_ip, remote_port, pid, application,
  application_path, application_name, layer)
  WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq
    WHERE n < $WORKSTATIONS * $PER_HOST - 1),
  slot AS (SELECT n, n / $PER_HOST AS w, (n % $PER_HOST + n / $PER_HOST) % 20 AS c,
    n % $PER_HOST / 20 AS j,
    $T0_US + n % $PER_HOST * $STEP_US + n / $PER_HOST * ($STEP_US / $WORKSTATIONS)
    AS t FROM seq),
  tool AS (SELECT *, max(0, (t / 1000000 - $T0 - w % 300) / 600) AS tj FROM slot),
  flow AS (SELECT n, w, c, t,
    CASE WHEN c <= 5 OR c = 19 THEN 1000 WHEN c IN (6, 7, 8, 17) THEN 1004
      WHEN c = 9 THEN 1012 WHEN c = 10 THEN 1008 WHEN c = 11 THEN 1016
      WHEN c = 12 THEN 1020 WHEN c = 13 THEN 5000 + 4 * (tj % 8)
      WHEN c = 14 THEN 1024 WHEN c = 15 THEN 1028 WHEN c = 16 THEN 7000
      ELSE 4 END AS pid,
    CASE WHEN c <= 5 OR c = 19 THEN '\\apps\\app0.exe'
      WHEN c IN (6, 7, 8) THEN '\\apps\\app1.exe' WHEN c = 9 THEN '\\apps\\app3.exe'
      WHEN c = 10 THEN '\\apps\\app2.exe' WHEN c = 11 THEN '\\apps\\app4.exe'
      WHEN c = 12 THEN '\\apps\\app5.exe'
      WHEN c = 13 THEN '\\apps\\tool.exe'
      WHEN c = 14 THEN '\\apps\\app6.exe' WHEN c = 15 THEN '\\apps\\app7.exe'
      WHEN c = 16 THEN '\\apps\\updater.exe' WHEN c = 17 THEN '\\apps\\helper.exe'
      END AS path,
    CASE WHEN c IN (6, 7) THEN 17 ELSE 6 END AS protocol,
    CASE WHEN c <= 5 THEN '151.101.' || (j % 250) || '.' || ((j + w) % 7 + 1)
      WHEN c = 6 THEN '10.0.0.1' WHEN c IN (7, 8, 9) THEN '10.0.0.' || (1 + w % 2)
      WHEN c IN (10, 18) THEN '10.0.0.' || (3 + w % 6)
      WHEN c = 11 THEN '10.1.' || ((w + 1 + j % 20) % $WORKSTATIONS / 250) || '.' ||
        ((w + 1 + j % 20) % $WORKSTATIONS % 250 + 1)
      WHEN c = 12 THEN '10.0.0.' || (9 + w % 4)
      WHEN c = 13 THEN '10.0.0.' || (13 + w % 3)
      WHEN c = 14 THEN '10.0.0.' || (16 + w % 3)
      WHEN c = 15 THEN '20.190.' || (j % 100) || '.' || (w % 200 + 1)
      WHEN c = 16 THEN '52.96.' || (j % 50) || '.' || (w % 100 + 1)
      WHEN c = 17 THEN '52.97.' || (j % 50) || '.1'
      ELSE '151.101.' || (j % 250) || '.' || (w % 7 + 1) END AS remote_ip,
    CASE WHEN c <= 5 OR c IN (12, 15, 16, 17) THEN 443 WHEN c = 6 THEN 53
      WHEN c = 7 THEN 389 WHEN c = 8 THEN 88
      WHEN c = 9 THEN CASE j % 5 WHEN 0 THEN 135 WHEN 1 THEN 389 WHEN 2 THEN 636
        WHEN 3 THEN 3268 ELSE 49667 END
      WHEN c IN (10, 11, 18) THEN 445 WHEN c = 13 THEN 5985 WHEN c = 14 THEN 8080
      ELSE 80 END AS remote_port
    FROM tool
    WHERE NOT (w = 20 AND t BETWEEN $T0_US + 36000000000 AND $T0_US + 46800000000))
  SELECT n + 1, n + 1, w + 1, 'WS' || substr('000' || w, -3),
    strftime('%Y-%m-%dT%H:%M:%S.', t / 1000000, 'unixepoch') ||
      printf('%07dZ', t % 1000000 * 10), t, 5156,
    'Microsoft-Windows-Security-Auditing', 'allowed', 'outbound', protocol,
    CASE protocol WHEN 6 THEN 'tcp' ELSE 'udp' END,
    '10.1.' || (w / 250) || '.' || (w % 250 + 1), 49152 + n % 16000,
    remote_ip, remote_port, pid,
    CASE WHEN path IS NULL THEN 'System'
      ELSE '\\device\\harddiskvolume2' || path END,
    path, CASE WHEN path IS NULL THEN 'system' ELSE substr(path, 7) END, 'connect'
  FROM flow;

-- What the domain controllers and file servers accepted: the inbound copy
-- of each Kerberos and SMB connection, 1.5 ms later, server by server.
INSERT INTO network_events (id, event_row, source_id, host, time,
  time_unix_us, event_id, provider, action, direction, protocol, protocol_name,
  local_ip, local_port, remote_ip, remote_port, pid, application,
  application_path, application_name, layer)
  SELECT $EVENTS + row_number() OVER (ORDER BY s.s, o.time_unix_us, o.id),
    $EVENTS + row_number() OVER (ORDER BY s.s, o.time_unix_us, o.id),
    401 + s.s, s.host,
    strftime('%Y-%m-%dT%H:%M:%S.', (o.time_unix_us + 1500) / 1000000,
      'unixepoch') || printf('%07dZ', (o.time_unix_us + 1500) % 1000000 * 10),
    o.time_unix_us + 1500, 5156, o.provider, 'allowed', 'inbound', 6, 'tcp',
    o.remote_ip, o.remote_port, o.local_ip, o.local_port,
    CASE o.remote_port WHEN 88 THEN 700 ELSE 4 END,
    CASE o.remote_port WHEN 88 THEN
      '\\device\\harddiskvolume2\\windows\\system32\\lsass.exe' ELSE 'System' END,
    CASE o.remote_port WHEN 88 THEN '\\windows\\system32\\lsass.exe' END,
    CASE o.remote_port WHEN 88 THEN 'lsass.exe' ELSE 'system' END,
    'receive_accept'
  FROM network_events o JOIN temp.srv s ON s.ip = o.remote_ip
  WHERE o.pid IN (1004, 1008) AND o.remote_port IN (88, 445)
  ORDER BY s.s, o.time_unix_us, o.id;

-- The second day's intruders, appended as a later ingest would.
CREATE TEMP TABLE anomaly (k INTEGER PRIMARY KEY, host TEXT, t INTEGER,
  event_id INTEGER, action TEXT, direction TEXT, protocol INTEGER,
  local_ip TEXT, local_port INTEGER, remote_ip TEXT, remote_port INTEGER,
  pid INTEGER, path TEXT);
-- WS005 sweeps 1000 ports of SRV00 in 100 s.
INSERT INTO temp.anomaly (host, t, event_id, action, direction, protocol,
  local_ip, local_port, remote_ip, remote_port, pid, path)
  WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 999)
  SELECT 'WS005', $DAY2 * 1000000 + i * 100000, 5156, 'allowed', 'outbound', 6,
    '10.1.0.6', 60000 + i, '10.0.0.1', i + 1, 1000, '\\apps\\app0.exe' FROM seq;
-- WS009 reaches 300 hosts on SMB in 60 s.
INSERT INTO temp.anomaly (host, t, event_id, action, direction, protocol,
  local_ip, local_port, remote_ip, remote_port, pid, path)
  WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 299)
  SELECT 'WS009', ($DAY2 + 300) * 1000000 + i * 200000, 5156, 'allowed',
    'outbound', 6, '10.1.0.10', 61000 + i, '10.2.' || (i / 250) || '.' ||
    (i % 250 + 1), 445, 1000, '\\apps\\app0.exe' FROM seq;
-- nmap.exe on WS017 pings SRV00..SRV19, then SYN-scans 200 ports of SRV03
-- through raw sockets: only SRV03's drops (5152) show the scan.
INSERT INTO temp.anomaly (host, t, event_id, action, direction, protocol,
  local_ip, local_port, remote_ip, remote_port, pid, path)
  WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 19)
  SELECT 'WS017', ($DAY2 - 60) * 1000000 + i * 50000, 5156, 'allowed',
    'outbound', 1, '10.1.0.18', 0, '10.0.0.' || (i + 1), 0, 6100,
    '\\tools\\nmap.exe' FROM seq;
INSERT INTO temp.anomaly (host, t, event_id, action, direction, protocol,
  local_ip, local_port, remote_ip, remote_port, pid, path)
  WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 199)
  SELECT 'SRV03', $DAY2 * 1000000 + i * 50000, 5152, 'dropped', 'inbound', 6,
    '10.0.0.4', i + 1, '10.1.0.18', 50000 + i, 0, NULL FROM seq;
-- PsExec on WS011 to three file servers.
INSERT INTO temp.anomaly (host, t, event_id, action, direction, protocol,
  local_ip, local_port, remote_ip, remote_port, pid, path)
  WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 2)
  SELECT 'WS011', ($DAY2 + 660 + i * 30) * 1000000, 5156, 'allowed', 'outbound',
    6, '10.1.0.12', 62000 + i, '10.0.0.' || (3 + i), 445, 6000,
    '\\tools\\psexec.exe' FROM seq;
INSERT INTO network_events (id, event_row, source_id, host, time,
  time_unix_us, event_id, provider, action, direction, protocol, protocol_name,
  local_ip, local_port, remote_ip, remote_port, pid, application,
  application_path, application_name, layer)
  SELECT 2 * $EVENTS + k, 2 * $EVENTS + k,
    CASE WHEN host LIKE 'SRV%' THEN 401 + substr(host, 4) ELSE 1 + substr(host, 3) END,
    host, strftime('%Y-%m-%dT%H:%M:%S.', t / 1000000, 'unixepoch') ||
      printf('%07dZ', t % 1000000 * 10), t, event_id,
    'Microsoft-Windows-Security-Auditing', action, direction, protocol,
    CASE protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'icmp' END,
    local_ip, local_port, remote_ip, remote_port, pid,
    CASE WHEN path IS NOT NULL THEN '\\device\\harddiskvolume2' || path END,
    path, CASE WHEN path LIKE '\\apps\\%' THEN substr(path, 7)
      ELSE substr(path, 8) END, CASE direction WHEN 'inbound' THEN 'receive_accept'
      ELSE 'connect' END
  FROM temp.anomaly ORDER BY k;

-- An events row behind every normalised row, record ids in time order per
-- log; WS030's log lost 40 records in the afternoon.
INSERT INTO events (id, source_id, record_id, provider, channel, event_id,
  host, time, time_unix_us, process_id, thread_id, recovered, record_number)
  SELECT id, source_id, number, provider, 'Security', event_id, host, time,
    time_unix_us, 4, 100, 0, number
  FROM (SELECT *, row_number() OVER (PARTITION BY source_id
      ORDER BY time_unix_us, id) + CASE WHEN host = 'WS030' AND time_unix_us >
      $T0_US + 50000000000 THEN 40 ELSE 0 END AS number
    FROM (SELECT event_row AS id, source_id, provider, event_id, host, time,
        time_unix_us FROM network_events
      UNION ALL
      SELECT event_row, source_id, 'Microsoft-Windows-Security-Auditing',
        event_id, host, time, time_unix_us FROM processes
      UNION ALL
      SELECT event_row, source_id, 'Microsoft-Windows-Security-Auditing',
        event_id, host, time, time_unix_us FROM logons))
  ORDER BY id;
UPDATE sources SET record_count = (SELECT count(*) FROM events e
  WHERE e.source_id = sources.id);
COMMIT;
SQL
}

if [ ! -f "$CASE" ]; then
	echo "building $CASE (about $EVENTS network events, a few minutes)..."
	rm -f "$CASE.tmp"
	# Tables first, the indexes after the load, as a bulk ingest does.
	"$WFPSIFT" schema | grep -v '^CREATE INDEX' | sqlite3 -batch "$CASE.tmp" > /dev/null
	build_sql | sqlite3 -batch "$CASE.tmp" > /dev/null
	"$WFPSIFT" schema | sqlite3 -batch "$CASE.tmp" > /dev/null
	echo "PRAGMA journal_mode = WAL;" | sqlite3 -batch "$CASE.tmp" > /dev/null
	mv "$CASE.tmp" "$CASE"
fi
# A case kept from an older build gets this build's indexes now, untimed.
"$WFPSIFT" schema | sqlite3 -batch "$CASE" > /dev/null
[ -z "$BUILD_ONLY" ] || exit 0

# Forget the results of earlier runs (quickly: no foreign keys in the shell).
clear_results() {
	sqlite3 -batch "$CASE" > /dev/null <<'SQL'
DELETE FROM finding_evidence; DELETE FROM findings; DELETE FROM attribution;
DELETE FROM witness_flows; DELETE FROM gap_evidence; DELETE FROM coverage;
DELETE FROM gaps;
SQL
}

# One row count for the table: findings after detect, gaps after gaps.
count_rows() {
	sqlite3 -batch "$CASE" "SELECT count(*) FROM $1"
}

# timed STAGE RESULT-TABLE COMMAND...: run a stage under /usr/bin/time.
timed() {
	stage=$1
	table=$2
	shift 2
	log=$OUT/scale-$(echo "$stage" | tr -c 'a-z+\n' -).out
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/scale.time" "$@" > "$log" 2>&1 || {
		echo "$stage failed:" >&2
		cat "$log" >&2
		exit 1
	}
	read -r wall user system rss < "$OUT/scale.time"
	printf '| %s | %s | %s s | %s s | %s MB | %s |\n' "$NETWORK" "$stage" \
	    "$wall" "$(echo "$user + $system" | bc)" "$((rss / 1024))" \
	    "$(count_rows "$table")"
}

NETWORK=$(count_rows network_events)
echo "$(uptime | sed 's/.*load/load/')"
echo "| network events | stage | wall | CPU (user+sys) | peak RSS | findings / gaps |"
echo "|---|---|---|---|---|---|"
clear_results
timed detect findings "$WFPSIFT" detect -q -d "$CASE"
timed gaps gaps "$WFPSIFT" gaps -q -d "$CASE"
clear_results
timed detect+gaps gaps sh -c "'$WFPSIFT' detect -q -d '$CASE' && '$WFPSIFT' gaps -q -d '$CASE'"
timed "detect (re-run)" findings "$WFPSIFT" detect -q -d "$CASE"
echo "$(uptime | sed 's/.*load/load/')"

# A digest of every results table, to compare the results of two builds.
for table in attribution findings finding_evidence gaps gap_evidence coverage; do
	printf '%-17s %9s rows  sha256 %s\n' "$table" "$(count_rows "$table")" \
	    "$(sqlite3 -batch -header "$CASE" "SELECT * FROM $table ORDER BY 1, 2" |
	    sha256sum | cut -c1-16)"
done
