-- tests/report-findings.sql: what detect and gaps would add to
-- tests/report-case.sql: two findings and two gaps.
PRAGMA foreign_keys = ON;

INSERT INTO findings (id, detector, severity, host, user_name, application,
  source_ip, destination_ip, destination_port, distinct_count, event_count,
  first_time, last_time, summary, query)
VALUES
 (1, 'port_sweep', 'high', 'WS01', 'CORP\alice', 'nmap.exe', '10.0.0.5',
  '10.0.0.9', NULL, 20, 20, '2026-11-02T09:14:00.0000000Z',
  '2026-11-02T09:14:19.0000000Z',
  '10.0.0.5 (WS01, CORP\alice, nmap.exe) tried 20 ports on 10.0.0.9 in 19 seconds.',
  'SELECT n.* FROM network_events n JOIN finding_evidence fe ON fe.network_event_id = n.id WHERE fe.finding_id = 1 ORDER BY n.time_unix_us'),
 (2, 'app_misuse', 'medium', 'WS01', 'CORP\bob', 'powershell.exe', '10.0.0.5',
  '10.0.0.9', 5985, 1, 1, '2026-11-02T09:20:00.0000000Z',
  '2026-11-02T09:20:00.0000000Z',
  'CORP\bob used powershell.exe to reach 10.0.0.9:5985 (WinRM), a lateral-movement port, for the first time.',
  'SELECT n.* FROM network_events n JOIN finding_evidence fe ON fe.network_event_id = n.id WHERE fe.finding_id = 2');

INSERT INTO finding_evidence (finding_id, network_event_id)
SELECT 1, id FROM network_events WHERE pid = 4242;
INSERT INTO finding_evidence VALUES (2, 22);

INSERT INTO gaps (id, kind, host, first_time, last_time, severity, summary, query)
VALUES
 (1, 'unlogged_traffic', 'WS01', '2026-11-02T09:14:05.0000000Z',
  '2026-11-02T09:14:06.0000000Z', 'high',
  'WS02 logged 2 inbound connections from 10.0.0.5 (WS01) that WS01''s own log does not hold.',
  'SELECT * FROM network_events WHERE host = ''WS02'' AND direction = ''inbound'''),
 (2, 'no_process_creation', 'WS01', NULL, NULL, 'medium',
  '1 network event on WS01 has no process creation to explain it.',
  'SELECT * FROM unattributed_connections WHERE host = ''WS01''');

-- The gaps stage keeps the records behind a gap in gap_evidence (its own
-- schema addition): here WS02's two inbound records show gap 1, traffic
-- WS01 sent that its own log does not hold.
CREATE TABLE IF NOT EXISTS gap_evidence (
  gap_id            INTEGER NOT NULL REFERENCES gaps(id) ON DELETE CASCADE,
  network_event_id  INTEGER NOT NULL REFERENCES network_events(id),
  PRIMARY KEY (gap_id, network_event_id)
) WITHOUT ROWID;
INSERT INTO gap_evidence VALUES (1, 23), (1, 24);
