-- tests/report-hostile.sql: attacker-controlled values in every field the
-- reports show, added to tests/report-case.sql + tests/report-findings.sql.
-- Each payload that could run in a browser sets data-pwned on <html>, so the
-- browser test can tell that none did.
--
--   source 3   a path with quotes, a comma, a formula, a newline and markup
--   event 31   host <script>, application "=cmd|...", application name that
--              closes an attribute and adds <img onerror>, user "@SUM(...)",
--              remote address "</script><script>...", protocol "-2+3"
--   event 32   host with invalid UTF-8 (a stray 0xFF and an overlong "/"),
--              user with ESC, BEL and NUL, application with a right-to-left
--              override, application name with U+2028
--   event 33   an application path 100,000 characters long
--   finding 3  detector with <svg onload>, severity that tries to leave the
--              class attribute, summary with </script>, SQL with </code>
--   gap 3      kind <iframe>, a critical severity, summary with a CR formula
PRAGMA foreign_keys = ON;

INSERT INTO sources (id, path, size, sha256, ingested_at, status, record_count)
VALUES (3, 'logs/"evil",=cmd|''/C calc''!A0' || char(10) || '<b>x</b>.evtx', 1,
  'cc33333333333333333333333333333333333333333333333333333333333333',
  '2026-11-03T10:00:00Z', 'complete', 3);

CREATE TEMP TABLE payload (name TEXT PRIMARY KEY, value);
INSERT INTO payload VALUES
 ('script_host', '<script>document.documentElement.setAttribute(''data-pwned'',''1'')</script>'),
 ('img_name', '"><img src=x onerror="document.documentElement.setAttribute(''data-pwned'',''2'')">'),
 ('script_ip', '</script><script>document.documentElement.setAttribute(''data-pwned'',''3'')</script>'),
 ('bad_utf8_host', CAST(X'5753FF30C0AF' AS TEXT)),
 ('control_user', char(27) || '[31mred' || char(7) || 'nul' || char(0) || 'byte'),
 ('bidi_app', 'evil' || char(8238) || 'txt.exe'),
 ('line_separator', 'line' || char(8232) || 'sep'),
 ('long_app', replace(hex(zeroblob(50000)), '00', 'AB'));

INSERT INTO events (id, source_id, record_id, host, time, time_unix_us) VALUES
 (31, 3, 1, (SELECT value FROM payload WHERE name = 'script_host'),
  '2026-11-02T09:30:00.0000000Z', 1793611800000000),
 (32, 3, 2, (SELECT value FROM payload WHERE name = 'bad_utf8_host'),
  '2026-11-02T09:30:01.0000000Z', 1793611801000000),
 (33, 3, 3, 'LONG', '2026-11-02T09:30:02.0000000Z', 1793611802000000);

INSERT INTO network_events (id, event_row, source_id, record_id, host, time,
  time_unix_us, event_id, provider, action, direction, protocol, protocol_name,
  local_ip, local_port, remote_ip, remote_port, pid, application, application_name)
VALUES
 (31, 31, 3, 1, (SELECT value FROM payload WHERE name = 'script_host'),
  '2026-11-02T09:30:00.0000000Z', 1793611800000000, 5156,
  'Microsoft-Windows-Security-Auditing', 'allowed', 'outbound', 6, '-2+3',
  '10.0.0.66', 1234, (SELECT value FROM payload WHERE name = 'script_ip'), 80, 666,
  '=cmd|'' /C calc''!A0', (SELECT value FROM payload WHERE name = 'img_name')),
 (32, 32, 3, 2, (SELECT value FROM payload WHERE name = 'bad_utf8_host'),
  '2026-11-02T09:30:01.0000000Z', 1793611801000000, 5156,
  'Microsoft-Windows-Security-Auditing', 'allowed', 'outbound', 6, 'tcp',
  '10.0.0.66', 1235, 'fe80::1', 443, 667,
  (SELECT value FROM payload WHERE name = 'bidi_app'),
  (SELECT value FROM payload WHERE name = 'line_separator')),
 (33, 33, 3, 3, 'LONG', '2026-11-02T09:30:02.0000000Z', 1793611802000000, 5156,
  'Microsoft-Windows-Security-Auditing', 'allowed', 'outbound', 17, 'udp',
  '10.0.0.66', 1236, '10.0.0.1', 53, 668,
  (SELECT value FROM payload WHERE name = 'long_app'), 'long.exe');

INSERT INTO attribution (network_event_id, user_name) VALUES
 (31, '@SUM(1+1)*cmd|'' /C calc''!A0'),
 (32, (SELECT value FROM payload WHERE name = 'control_user'));

INSERT INTO findings (id, detector, severity, host, user_name, application,
  source_ip, destination_ip, event_count, first_time, last_time, summary, query)
VALUES (3, 'port_sweep<svg onload="document.documentElement.setAttribute(''data-pwned'',''5'')">',
  'high" onmouseover="document.documentElement.setAttribute(''data-pwned'',''6'')',
  (SELECT value FROM payload WHERE name = 'script_host'), '@evil', '=1+1',
  '10.0.0.66', (SELECT value FROM payload WHERE name = 'script_ip'), 1,
  '2026-11-02T09:30:00.0000000Z', '2026-11-02T09:30:00.0000000Z',
  '</script><script>document.documentElement.setAttribute(''data-pwned'',''4'')</script> & "quotes" ''single''',
  'SELECT ''<b>bold</b>'' -- </code></pre><script>document.documentElement.setAttribute(''data-pwned'',''7'')</script>');
INSERT INTO finding_evidence VALUES (3, 31);

INSERT INTO gaps (id, kind, host, first_time, last_time, severity, summary)
VALUES (3, '<iframe src="javascript:document.documentElement.setAttribute(''data-pwned'',''8'')">',
  (SELECT value FROM payload WHERE name = 'script_host'),
  '2026-11-02T09:30:00.0000000Z', '2026-11-02T09:30:02.0000000Z', 'critical',
  '=cmd' || char(13) || 'x');

DROP TABLE payload;
