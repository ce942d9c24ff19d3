-- wfpsift case schema.
--
-- This file is the public interface of a wfpsift case: analysts and tools
-- query these tables directly. It is embedded in the binary at build time
-- and printed in the man page (wfpsift(1), SCHEMA). Once a table or column is
-- documented here its name is kept: add columns, never rename them.
--
-- Conventions:
--   *_time      ISO-8601 UTC text with 7 fractional digits, e.g.
--               2026-11-02T09:14:03.1234567Z (the 100 ns resolution of FILETIME).
--   *_unix_us   the same instant as integer microseconds since 1970-01-01 UTC,
--               for arithmetic and windows.
--   host        the record's <Computer>, never the file it came from.
--   ip columns  canonical text: IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes a.b.c.d,
--               IPv6 is lower case and compressed.

PRAGMA foreign_keys = ON;

-- Bookkeeping: which version of this schema the case was written with.
CREATE TABLE IF NOT EXISTS case_info (
  key   TEXT PRIMARY KEY,
  value TEXT
);

-- One row per input file. A file whose SHA-256 is already here is skipped.
CREATE TABLE IF NOT EXISTS sources (
  id               INTEGER PRIMARY KEY,
  path             TEXT NOT NULL,          -- path as given on the command line
  size             INTEGER NOT NULL,       -- bytes
  sha256           TEXT NOT NULL UNIQUE,   -- hex, chain-of-custody hash of the file
  ingested_at      TEXT NOT NULL,          -- ISO-8601 UTC, when ingest started
  completed_at     TEXT,                   -- ISO-8601 UTC; NULL while (or if never) complete
  status           TEXT NOT NULL,          -- 'ingesting', 'complete', 'failed'
  decoder          TEXT,                   -- which decoder read it ('libevtx-xml', 'binxml')
  record_count     INTEGER NOT NULL DEFAULT 0,  -- events stored from this file
  recovered_count  INTEGER NOT NULL DEFAULT 0,  -- of which recovered from slack (copies
                                          -- of live records are not: recovered_duplicates)
  error_count      INTEGER NOT NULL DEFAULT 0,  -- rows in ingest_errors for this file
  header_flags     INTEGER,                -- file header flags: 1 dirty, 2 full
  dirty            INTEGER,                -- 1 when the dirty flag is set
  full             INTEGER,                -- 1 when the full flag is set
  corrupted        INTEGER,                -- 1 when libevtx reports the file corrupted
  format_version   TEXT,                   -- e.g. '3.1'
  chunk_count      INTEGER,                -- chunks the header declares
  next_record_id   INTEGER,                -- header's next record id
  first_record_id  INTEGER,                -- lowest live record header number read
  last_record_id   INTEGER,                -- highest live record header number read
  first_time       TEXT,                   -- earliest live event time
  last_time        TEXT,                   -- latest live event time
  recovered_duplicates INTEGER NOT NULL DEFAULT 0  -- records in slack that were exact
                                          -- copies of a live record of the file (same
                                          -- EventRecordID, System values and EventData),
                                          -- not stored again; a slack record that differs
                                          -- from its live one is stored as recovered
);

-- Every problem met while reading: a file, chunk, record or field that could
-- not be read in full. Ingest goes on after each one.
CREATE TABLE IF NOT EXISTS ingest_errors (
  id           INTEGER PRIMARY KEY,
  source_id    INTEGER REFERENCES sources(id),
  path         TEXT NOT NULL,
  record_index INTEGER,     -- position in libevtx's record list, when known
  record_id    INTEGER,     -- EventRecordID, when known
  chunk        INTEGER,     -- chunk number, when known
  kind         TEXT NOT NULL, -- 'file', 'chunk', 'record', 'field', 'recovered'
  message      TEXT NOT NULL
);

-- One row per event record read from any source.
CREATE TABLE IF NOT EXISTS events (
  id             INTEGER PRIMARY KEY,
  source_id      INTEGER NOT NULL REFERENCES sources(id),
  record_id      INTEGER,            -- EventRecordID
  provider       TEXT,               -- Provider Name
  provider_guid  TEXT,
  channel        TEXT,
  event_id       INTEGER,
  version        INTEGER,
  level          INTEGER,
  task           INTEGER,
  opcode         INTEGER,
  keywords       TEXT,               -- as logged, e.g. 0x8020000000000000
  host           TEXT,               -- <Computer>
  time           TEXT,               -- TimeCreated SystemTime, ISO-8601 UTC
  time_unix_us   INTEGER,
  process_id     INTEGER,            -- <Execution ProcessID> (the logging process)
  thread_id      INTEGER,
  user_sid       TEXT,               -- <Security UserID>
  recovered      INTEGER NOT NULL DEFAULT 0, -- 1 when read from chunk slack
  data           TEXT,               -- EventData / UserData as a JSON object (see --all-data)
  record_number  INTEGER             -- the record header's number: sequential within a file,
                                     -- unlike EventRecordID in logs saved filtered
);

-- Windows Filtering Platform and Sysmon network records, normalised to the
-- local/remote view of the host that logged them.
CREATE TABLE IF NOT EXISTS network_events (
  id                INTEGER PRIMARY KEY,
  event_row         INTEGER NOT NULL REFERENCES events(id),
  source_id         INTEGER NOT NULL REFERENCES sources(id),
  record_id         INTEGER,
  host              TEXT,
  time              TEXT,
  time_unix_us      INTEGER,
  event_id          INTEGER,   -- 5156, 5157, 5152 ... or 3 for Sysmon
  provider          TEXT,
  action            TEXT,      -- 'allowed', 'blocked', 'dropped', 'listen', 'listen_blocked', 'bind', 'bind_blocked', 'connection' (Sysmon)
  direction         TEXT,      -- 'inbound', 'outbound', 'forward', 'bidirectional', NULL
  protocol          INTEGER,   -- IP protocol number
  protocol_name     TEXT,      -- 'tcp', 'udp', 'icmp', 'icmpv6', 'gre', ... or the number
  local_ip          TEXT,
  local_port        INTEGER,
  remote_ip         TEXT,
  remote_port       INTEGER,
  raw_direction     TEXT,      -- as logged, e.g. %%14593
  raw_source_ip     TEXT,      -- SourceAddress / SourceIp as logged
  raw_source_port   TEXT,
  raw_dest_ip       TEXT,
  raw_dest_port     TEXT,
  pid               INTEGER,
  application       TEXT,      -- as logged (device path for WFP)
  application_path  TEXT,      -- lower case path after the volume: \windows\system32\svchost.exe
  application_name  TEXT,      -- lower case file name: svchost.exe
  layer_name        TEXT,      -- as logged, e.g. %%14611
  layer             TEXT,      -- decoded, e.g. 'connect', 'receive_accept'
  layer_rtid        INTEGER,
  filter_rtid       INTEGER,
  user_name         TEXT,      -- Sysmon User (DOMAIN\name)
  process_guid      TEXT,      -- Sysmon ProcessGuid
  recovered         INTEGER NOT NULL DEFAULT 0
);

-- Process creation and exit: 4688/4689 and Sysmon 1/5.
CREATE TABLE IF NOT EXISTS processes (
  id                 INTEGER PRIMARY KEY,
  event_row          INTEGER NOT NULL REFERENCES events(id),
  source_id          INTEGER NOT NULL REFERENCES sources(id),
  record_id          INTEGER,
  host               TEXT,
  time               TEXT,
  time_unix_us       INTEGER,
  event_id           INTEGER,
  kind               TEXT,      -- 'start' or 'exit'
  pid                INTEGER,   -- the process created or exiting (numeric)
  parent_pid         INTEGER,   -- creator (4688 ProcessId, Sysmon ParentProcessId)
  image              TEXT,      -- as logged
  image_path         TEXT,      -- lower case path after the volume
  image_name         TEXT,      -- lower case file name
  command_line       TEXT,
  parent_image       TEXT,
  user_sid           TEXT,
  user_name          TEXT,      -- account of the new process (4688 v2 Target*, else Subject*)
  user_domain        TEXT,
  logon_id           TEXT,      -- hex, lower case, no padding: 0x3e7
  subject_user_name  TEXT,      -- 4688 Subject* (the creator)
  subject_domain     TEXT,
  subject_logon_id   TEXT,
  token_elevation    TEXT,      -- as logged, e.g. %%1937
  elevated           INTEGER,   -- 1 full token, 0 limited/default, NULL unknown
  mandatory_label    TEXT,
  process_guid       TEXT,      -- Sysmon ProcessGuid
  parent_process_guid TEXT,
  exit_status        TEXT
);

-- Logons and logoffs: 4624/4634/4647/4672.
CREATE TABLE IF NOT EXISTS logons (
  id              INTEGER PRIMARY KEY,
  event_row       INTEGER NOT NULL REFERENCES events(id),
  source_id       INTEGER NOT NULL REFERENCES sources(id),
  record_id       INTEGER,
  host            TEXT,
  time            TEXT,
  time_unix_us    INTEGER,
  event_id        INTEGER,
  user_sid        TEXT,
  user_name       TEXT,
  user_domain     TEXT,
  logon_id        TEXT,      -- hex, lower case, no padding
  logon_type      INTEGER,
  source_ip       TEXT,      -- IpAddress, canonical
  source_port     INTEGER,
  workstation     TEXT,
  process_name    TEXT,
  authentication  TEXT,      -- AuthenticationPackageName
  elevated_token  TEXT,      -- 4624 v2 ElevatedToken
  privileges      TEXT       -- 4672 PrivilegeList
);

-- Events about the logs and the audit policy themselves.
CREATE TABLE IF NOT EXISTS audit_events (
  id                 INTEGER PRIMARY KEY,
  event_row          INTEGER NOT NULL REFERENCES events(id),
  source_id          INTEGER NOT NULL REFERENCES sources(id),
  record_id          INTEGER,
  host               TEXT,
  time               TEXT,
  time_unix_us       INTEGER,
  event_id           INTEGER,
  provider           TEXT,
  subject_user_sid   TEXT,
  subject_user_name  TEXT,
  subject_domain     TEXT,
  subject_logon_id   TEXT,
  category_id        TEXT,
  subcategory_id     TEXT,      -- e.g. %%12810
  subcategory_guid   TEXT,      -- e.g. {0CCE9226-69AE-11D9-BED3-505054503030}
  changes            TEXT,      -- AuditPolicyChanges as logged, e.g. %%8448, %%8450
  description        TEXT       -- a plain sentence: what this event means
);

-- Attribution of network events to processes and users (wfpsift detect).
CREATE TABLE IF NOT EXISTS attribution (
  network_event_id  INTEGER PRIMARY KEY REFERENCES network_events(id),
  process_row       INTEGER REFERENCES processes(id),  -- NULL when not attributed
  logon_row         INTEGER REFERENCES logons(id),
  user_sid          TEXT,
  user_name         TEXT,      -- DOMAIN\name
  logon_type        INTEGER,
  logon_source_ip   TEXT,
  elevated          INTEGER,
  method            TEXT,      -- 'process_guid', 'pid_image_time', 'pid_time', 'sysmon_user', NULL
  reason            TEXT       -- why not attributed: 'no_process_creation', 'pid_ambiguous', 'image_mismatch', 'process_exited', 'no_pid',
                               -- 'system_process' (PID 0 or 4: the kernel, no creation event exists)
);

-- Findings of the detectors (wfpsift detect).
CREATE TABLE IF NOT EXISTS findings (
  id               INTEGER PRIMARY KEY,
  detector         TEXT NOT NULL,  -- 'port_sweep', 'host_sweep', 'app_misuse'
  severity         TEXT NOT NULL,  -- 'low', 'medium', 'high', 'critical'
  host             TEXT,           -- computer whose log shows it
  user_name        TEXT,
  application      TEXT,
  source_ip        TEXT,
  destination_ip   TEXT,           -- NULL when many
  destination_port INTEGER,        -- NULL when many
  distinct_count   INTEGER,        -- distinct ports (port sweep) or hosts (host sweep)
  event_count      INTEGER,
  first_time       TEXT,
  last_time        TEXT,
  summary          TEXT,           -- one plain sentence
  query            TEXT,           -- SQL that lists the evidence rows
  reference_rules  TEXT,           -- sweeps: reference rule sets that would also fire:
                                   -- 'zeek,elastic', 'zeek', 'elastic' or '' (none)
  seen_from        TEXT,           -- sweeps: whose log shows it: 'source' (outbound
                                   -- records), 'target' (inbound only) or 'both'
  seen_by          TEXT,           -- every host whose log holds evidence, ', ' separated
  service          TEXT            -- host_sweep and app_misuse: the kind of connection:
                                   -- 'smb', 'rdp', 'winrm', 'port 8080', 'icmp', 'internal'
);

-- Which network events make up each finding.
CREATE TABLE IF NOT EXISTS finding_evidence (
  finding_id        INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
  network_event_id  INTEGER NOT NULL REFERENCES network_events(id),
  PRIMARY KEY (finding_id, network_event_id)
) WITHOUT ROWID;

-- What the logs could not see (wfpsift gaps).
CREATE TABLE IF NOT EXISTS gaps (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,   -- see wfpsift(1), GAP KINDS
  host        TEXT,            -- the computer the gap is about
  first_time  TEXT,
  last_time   TEXT,
  severity    TEXT NOT NULL,   -- 'info', 'low', 'medium', 'high'
  summary     TEXT NOT NULL,   -- what an analyst cannot conclude because of it
  query       TEXT,            -- SQL that shows the evidence
  related_host TEXT,           -- the other computer involved: for unlogged traffic, the target
  related_ip  TEXT,            -- the address traffic went to (unlogged traffic), when one
  user_name   TEXT,            -- DOMAIN\name of the account that did it (log cleared, policy changed)
  event_count INTEGER,         -- records behind the gap: probes seen by the target, records missing,
                               -- connections unattributed (see wfpsift(1), GAP KINDS)
  distinct_count INTEGER,      -- distinct ports (unlogged traffic, raw socket) or targets
  witness_count INTEGER,       -- flows a network witness (--zeek-conn, --pcap) saw and no log recorded
  source_id   INTEGER REFERENCES sources(id), -- the file the gap is about, when one
  first_unix_us INTEGER,       -- first_time as integer microseconds
  last_unix_us  INTEGER        -- last_time as integer microseconds
);

-- Which network events show each gap (unlogged traffic, raw socket suspected).
CREATE TABLE IF NOT EXISTS gap_evidence (
  gap_id            INTEGER NOT NULL REFERENCES gaps(id) ON DELETE CASCADE,
  network_event_id  INTEGER NOT NULL REFERENCES network_events(id),
  PRIMARY KEY (gap_id, network_event_id)
) WITHOUT ROWID;

-- TCP flows a network witness saw whose handshake never completed (SYN
-- only, rejected, or half open), from an address of a host in the case
-- (wfpsift gaps --zeek-conn / --pcap). Replaced on every gaps run.
CREATE TABLE IF NOT EXISTS witness_flows (
  id            INTEGER PRIMARY KEY,
  gap_id        INTEGER REFERENCES gaps(id) ON DELETE SET NULL, -- the gap it counts in
  witness       TEXT NOT NULL,   -- 'zeek' or 'pcap'
  path          TEXT NOT NULL,   -- the witness file as given
  line          INTEGER,         -- conn.log line, or pcap packet number of the first SYN
  time          TEXT,            -- first SYN, ISO-8601 UTC
  time_unix_us  INTEGER,
  host          TEXT,            -- the case host that owns orig_ip
  orig_ip       TEXT,
  orig_port     INTEGER,
  resp_ip       TEXT,
  resp_port     INTEGER,
  state         TEXT,            -- 'syn_only' (no answer), 'rejected' (RST), 'half_open' (SYN-ACK, no ACK)
  conn_state    TEXT,            -- Zeek conn_state as logged (NULL for pcap)
  history       TEXT,            -- Zeek history as logged (NULL for pcap)
  logged        INTEGER NOT NULL -- 1 when host's log has an outbound record of it
);

-- What each detector needed on each host and how much of it the case holds:
-- the answer to "why did nothing fire" (wfpsift gaps).
CREATE TABLE IF NOT EXISTS coverage (
  id              INTEGER PRIMARY KEY,
  detector        TEXT NOT NULL,  -- 'port_sweep', 'host_sweep', 'app_misuse'
  host            TEXT,
  needs           TEXT NOT NULL,  -- the records the detector reads
  record_count    INTEGER,        -- how many of them the host's logs hold
  first_time      TEXT,           -- when those records start and end
  last_time       TEXT,
  attributed_count INTEGER,       -- app_misuse: records attributed to a process or user
  finding_count   INTEGER,        -- findings of this detector on this host when gaps ran
  summary         TEXT NOT NULL   -- what the detector could and could not see there
);

CREATE INDEX IF NOT EXISTS events_by_source ON events(source_id, record_id);
CREATE INDEX IF NOT EXISTS events_by_host_time ON events(host, time_unix_us);
CREATE INDEX IF NOT EXISTS events_by_event_id ON events(event_id);
CREATE INDEX IF NOT EXISTS network_by_host_time ON network_events(host, time_unix_us);
CREATE INDEX IF NOT EXISTS network_by_remote ON network_events(remote_ip, time_unix_us);
CREATE INDEX IF NOT EXISTS network_by_local ON network_events(local_ip, time_unix_us);
CREATE INDEX IF NOT EXISTS network_by_pid ON network_events(host, pid, time_unix_us);
CREATE INDEX IF NOT EXISTS network_by_host_remote ON network_events(host, remote_ip, time_unix_us);
CREATE INDEX IF NOT EXISTS processes_by_pid ON processes(host, pid, time_unix_us);
CREATE INDEX IF NOT EXISTS logons_by_id ON logons(host, logon_id);
CREATE INDEX IF NOT EXISTS ingest_errors_by_source ON ingest_errors(source_id);
CREATE INDEX IF NOT EXISTS finding_evidence_by_event ON finding_evidence(network_event_id);

-- Every network event in time order with its attribution, when known.
CREATE VIEW IF NOT EXISTS timeline AS
  SELECT n.time, n.host, n.event_id, n.action, n.direction, n.protocol_name,
         n.local_ip, n.local_port, n.remote_ip, n.remote_port, n.pid,
         n.application_name, a.user_name, n.record_id, s.path AS source_path,
         n.id AS network_event_id
  FROM network_events n
  JOIN sources s ON s.id = n.source_id
  LEFT JOIN attribution a ON a.network_event_id = n.id
  ORDER BY n.time_unix_us, n.id;

-- One row per host: what each host's logs hold.
CREATE VIEW IF NOT EXISTS host_summary AS
  SELECT e.host,
         count(*) AS events,
         sum(e.event_id IN (5156,5157,5152,5153,5154,5155,5158,5159,5031,5150,5151)
             AND e.provider = 'Microsoft-Windows-Security-Auditing') AS wfp_events,
         sum(e.event_id = 3 AND e.provider = 'Microsoft-Windows-Sysmon') AS sysmon_network_events,
         sum(e.event_id IN (4688, 4689)) AS process_events,
         min(e.time) AS first_time,
         max(e.time) AS last_time
  FROM events e
  GROUP BY e.host
  ORDER BY e.host;

-- Which applications each user's processes used for network traffic.
CREATE VIEW IF NOT EXISTS user_applications AS
  SELECT a.user_name, n.application_name, n.protocol_name, n.remote_port,
         count(*) AS connections, count(DISTINCT n.remote_ip) AS remote_hosts,
         min(n.time) AS first_time, max(n.time) AS last_time
  FROM network_events n
  JOIN attribution a ON a.network_event_id = n.id
  WHERE a.user_name IS NOT NULL
  GROUP BY a.user_name, n.application_name, n.protocol_name, n.remote_port
  ORDER BY a.user_name, connections DESC;

-- Network events no process creation explains, and why.
CREATE VIEW IF NOT EXISTS unattributed_connections AS
  SELECT n.id AS network_event_id, n.time, n.host, n.pid, n.application_name,
         n.remote_ip, n.remote_port, a.reason
  FROM network_events n
  LEFT JOIN attribution a ON a.network_event_id = n.id
  WHERE a.process_row IS NULL AND (a.user_name IS NULL)
  ORDER BY n.time_unix_us, n.id;

-- The addresses each host used, as its own logs show them: local addresses
-- of its outbound records and of inbound TCP (never broadcast), and the
-- IpAddress of 4624 logons elsewhere whose WorkstationName is the host's
-- short name. wfpsift gaps maps traffic to hosts with it.
CREATE VIEW IF NOT EXISTS host_addresses AS
  SELECT host, local_ip AS ip, 'network_events' AS origin, count(*) AS records,
         min(time) AS first_time, max(time) AS last_time
  FROM network_events
  WHERE host IS NOT NULL AND local_ip IS NOT NULL AND local_ip <> ''
    AND (direction = 'outbound' OR (direction = 'inbound' AND protocol = 6))
    AND local_ip NOT IN ('0.0.0.0', '::', '::1') AND local_ip NOT LIKE '127.%'
  GROUP BY host, local_ip
  UNION ALL
  SELECT h.host, l.source_ip, 'logon_workstation', count(*), min(l.time), max(l.time)
  FROM logons l
  JOIN (SELECT DISTINCT host FROM events WHERE host IS NOT NULL) h
    ON upper(l.workstation) = upper(CASE WHEN instr(h.host, '.') > 0
                                    THEN substr(h.host, 1, instr(h.host, '.') - 1)
                                    ELSE h.host END)
  WHERE l.event_id = 4624 AND l.source_ip IS NOT NULL AND l.source_ip <> ''
    AND l.source_ip NOT IN ('0.0.0.0', '::', '::1') AND l.source_ip NOT LIKE '127.%'
    AND l.host <> h.host
  GROUP BY h.host, l.source_ip;
