-- tests/report-case.sql: a small hand-built case for the report tests.
--
-- Two hosts on 2026-11-02 (UTC):
--   WS01 10.0.0.5: CORP\alice runs nmap.exe (pid 4242) at 09:14, a connect
--     scan of 10.0.0.9 ports 20-39: 20 outbound 5156/5157 records, one a
--     second (ports 20-34 allowed, 35-39 blocked); svchost.exe (pid 1020,
--     unattributed) asks DNS 10.0.0.1:53 over udp at 09:13:50;
--     CORP\bob runs powershell.exe (pid 5150) to 10.0.0.9:5985 at 09:20:00.
--   WS02 10.0.0.9: accepts 10.0.0.5 on 445 and 3389 at 09:14:05 and
--     09:14:06 (inbound 5156, System pid 4).
-- 24 network events in all. With tests/report-findings.sql it also has
-- two findings (port_sweep high with the 20 nmap records as evidence,
-- app_misuse medium with the powershell record) and two gaps (one dated,
-- one undated). The report tests load it with and without those.
PRAGMA foreign_keys = ON;

INSERT INTO sources (id, path, size, sha256, ingested_at, completed_at, status,
  decoder, record_count, recovered_count, error_count, first_time, last_time)
VALUES
 (1, 'logs/WS01/Security.evtx', 69632,
  'aa11111111111111111111111111111111111111111111111111111111111111',
  '2026-11-03T10:00:00Z', '2026-11-03T10:00:01Z', 'complete', 'libevtx-xml',
  22, 0, 0, '2026-11-02T09:13:50.0000000Z', '2026-11-02T09:20:00.0000000Z'),
 (2, 'logs/WS02/Security.evtx', 69632,
  'bb22222222222222222222222222222222222222222222222222222222222222',
  '2026-11-03T10:00:00Z', '2026-11-03T10:00:01Z', 'complete', 'libevtx-xml',
  2, 0, 1, '2026-11-02T09:14:05.0000000Z', '2026-11-02T09:14:06.0000000Z');

INSERT INTO ingest_errors (source_id, path, record_index, record_id, kind, message)
VALUES (2, 'logs/WS02/Security.evtx', 7, 107, 'record', 'unsupported binary XML token');

-- The network events, generated: (id, source, host, time, ...).
CREATE TEMP TABLE seed (id INTEGER PRIMARY KEY, source_id, host, t, event_id,
  action, direction, protocol, protocol_name, local_ip, local_port, remote_ip,
  remote_port, pid, application, application_name);
INSERT INTO seed
WITH RECURSIVE port(p) AS (SELECT 20 UNION ALL SELECT p + 1 FROM port WHERE p < 39)
SELECT p - 19, 1, 'WS01', printf('2026-11-02T09:14:%02d.0000000Z', p - 20),
  CASE WHEN p < 35 THEN 5156 ELSE 5157 END,
  CASE WHEN p < 35 THEN 'allowed' ELSE 'blocked' END, 'outbound', 6, 'tcp',
  '10.0.0.5', 50000 + p, '10.0.0.9', p, 4242,
  '\device\harddiskvolume2\tools\nmap\nmap.exe', 'nmap.exe'
FROM port;
INSERT INTO seed VALUES
 (21, 1, 'WS01', '2026-11-02T09:13:50.0000000Z', 5156, 'allowed', 'outbound', 17, 'udp',
  '10.0.0.5', 61000, '10.0.0.1', 53, 1020,
  '\device\harddiskvolume2\windows\system32\svchost.exe', 'svchost.exe'),
 (22, 1, 'WS01', '2026-11-02T09:20:00.0000000Z', 5156, 'allowed', 'outbound', 6, 'tcp',
  '10.0.0.5', 51000, '10.0.0.9', 5985, 5150,
  '\device\harddiskvolume2\windows\system32\windowspowershell\v1.0\powershell.exe', 'powershell.exe'),
 (23, 2, 'WS02', '2026-11-02T09:14:05.0000000Z', 5156, 'allowed', 'inbound', 6, 'tcp',
  '10.0.0.9', 445, '10.0.0.5', 50025, 4, 'System', 'system'),
 (24, 2, 'WS02', '2026-11-02T09:14:06.0000000Z', 5156, 'allowed', 'inbound', 6, 'tcp',
  '10.0.0.9', 3389, '10.0.0.5', 50026, 4, 'System', 'system');

INSERT INTO events (id, source_id, record_id, provider, channel, event_id, host,
  time, time_unix_us)
SELECT id, source_id, 100 + id, 'Microsoft-Windows-Security-Auditing', 'Security',
  event_id, host, t,
  unixepoch(substr(t, 1, 19)) * 1000000 + CAST(substr(t, 21, 6) AS INTEGER)
FROM seed;

INSERT INTO network_events (id, event_row, source_id, record_id, host, time,
  time_unix_us, event_id, provider, action, direction, protocol, protocol_name,
  local_ip, local_port, remote_ip, remote_port, pid, application,
  application_path, application_name, layer)
SELECT s.id, s.id, s.source_id, 100 + s.id, s.host, s.t, e.time_unix_us,
  s.event_id, 'Microsoft-Windows-Security-Auditing', s.action, s.direction,
  s.protocol, s.protocol_name, s.local_ip, s.local_port, s.remote_ip,
  s.remote_port, s.pid, s.application, NULL, s.application_name,
  CASE s.direction WHEN 'inbound' THEN 'receive_accept' ELSE 'connect' END
FROM seed s JOIN events e ON e.id = s.id;

-- Attribution: nmap to alice, powershell to bob, the rest unexplained.
INSERT INTO attribution (network_event_id, user_name, method, reason)
SELECT id, CASE WHEN pid = 4242 THEN 'CORP\alice' WHEN pid = 5150 THEN 'CORP\bob' END,
  CASE WHEN pid IN (4242, 5150) THEN 'pid_image_time' END,
  CASE WHEN pid NOT IN (4242, 5150) THEN 'no_process_creation' END
FROM seed;
DROP TABLE seed;
