-- tests/gaps-spec.sql: turn a compact description of events into a case.
--
-- A test creates the case with 'wfpsift schema', fills temp table spec
-- (one row per record, columns below, NULL where they do not apply) and
-- reads this file. It writes what ingest would have written for those
-- records: sources, events, and the network_events, processes, logons and
-- audit_events rows their event ids call for. It is deliberately simple:
-- the gap analyses read only these tables.
--
--   source     file name; one sources row per distinct name
--   host       <Computer>
--   t          'YYYY-MM-DD HH:MM:SS' UTC
--   event_id   5156/5157/5152/3 network; 4688 process start; 4624 logon;
--              4719 and 1100/1102/1104/1108 audit; anything else: event only
--   record_id  EventRecordID and header number (default: 1, 2, ... per
--              source in time order)
--   channel, provider, recovered   defaults: Security, by event id, 0
--   direction, protocol, local_ip, local_port, remote_ip, remote_port,
--   pid, app   network records (app is the file name); 4688 uses pid, app
--   user_name, user_domain, subcategory_guid, changes   4719/1102 subject,
--              4624 target user (remote_ip is its IpAddress, app its
--              WorkstationName)

INSERT INTO sources(path, size, sha256, ingested_at, completed_at, status, decoder)
  SELECT source, 0, lower(hex(source)), '2026-01-01T00:00:00.0000000Z',
         '2026-01-01T00:00:00.0000000Z', 'complete', 'spec'
  FROM (SELECT DISTINCT source FROM temp.spec) ORDER BY source;

INSERT INTO events(id, source_id, record_id, record_number, provider, channel,
                   event_id, host, time, time_unix_us, recovered)
  SELECT s.n, so.id,
         coalesce(s.record_id, row_number() OVER (PARTITION BY s.source ORDER BY s.t, s.n)),
         coalesce(s.record_id, row_number() OVER (PARTITION BY s.source ORDER BY s.t, s.n)),
         coalesce(s.provider, CASE WHEN s.event_id IN (104, 1100, 1102, 1104, 1108)
                                   THEN 'Microsoft-Windows-Eventlog'
                                   WHEN s.event_id = 3 THEN 'Microsoft-Windows-Sysmon'
                                   ELSE 'Microsoft-Windows-Security-Auditing' END),
         coalesce(s.channel, 'Security'), s.event_id, s.host,
         strftime('%Y-%m-%dT%H:%M:%S.0000000Z', s.t), unixepoch(s.t) * 1000000,
         coalesce(s.recovered, 0)
  FROM temp.spec s JOIN sources so ON so.path = s.source;

INSERT INTO network_events(event_row, source_id, record_id, host, time, time_unix_us,
    event_id, provider, action, direction, protocol, protocol_name, local_ip,
    local_port, remote_ip, remote_port, pid, application_name, recovered)
  SELECT e.id, e.source_id, e.record_id, e.host, e.time, e.time_unix_us, e.event_id,
         e.provider, CASE s.event_id WHEN 5156 THEN 'allowed' WHEN 5157 THEN 'blocked'
                        WHEN 3 THEN 'connection' ELSE 'dropped' END,
         s.direction, s.protocol,
         CASE s.protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' END,
         s.local_ip, s.local_port, s.remote_ip, s.remote_port, s.pid, s.app, e.recovered
  FROM temp.spec s JOIN events e ON e.id = s.n
  WHERE s.event_id IN (3, 5152, 5153, 5156, 5157);

INSERT INTO processes(event_row, source_id, record_id, host, time, time_unix_us,
    event_id, kind, pid, image_name)
  SELECT e.id, e.source_id, e.record_id, e.host, e.time, e.time_unix_us, 4688,
         'start', s.pid, s.app
  FROM temp.spec s JOIN events e ON e.id = s.n WHERE s.event_id = 4688;

INSERT INTO logons(event_row, source_id, record_id, host, time, time_unix_us,
    event_id, user_name, user_domain, logon_type, source_ip, workstation)
  SELECT e.id, e.source_id, e.record_id, e.host, e.time, e.time_unix_us, 4624,
         s.user_name, s.user_domain, 3, s.remote_ip, s.app
  FROM temp.spec s JOIN events e ON e.id = s.n WHERE s.event_id = 4624;

INSERT INTO audit_events(event_row, source_id, record_id, host, time, time_unix_us,
    event_id, provider, subject_user_name, subject_domain, subcategory_guid, changes)
  SELECT e.id, e.source_id, e.record_id, e.host, e.time, e.time_unix_us, e.event_id,
         e.provider, s.user_name, s.user_domain, s.subcategory_guid, s.changes
  FROM temp.spec s JOIN events e ON e.id = s.n
  WHERE s.event_id IN (4719, 1100, 1102, 1104, 1108);

UPDATE sources SET
  record_count = (SELECT count(*) FROM events e WHERE e.source_id = sources.id),
  first_record_id = (SELECT min(record_number) FROM events e WHERE e.source_id = sources.id),
  last_record_id = (SELECT max(record_number) FROM events e WHERE e.source_id = sources.id),
  first_time = (SELECT min(time) FROM events e WHERE e.source_id = sources.id),
  last_time = (SELECT max(time) FROM events e WHERE e.source_id = sources.id);
