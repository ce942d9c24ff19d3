# tests/gaps-lib.sh: helpers for the gaps tests (after tests/lib.sh).

# make_case CASE: a new case built from spec rows. Standard input holds SQL
# that inserts into temp table spec (see tests/gaps-spec.sql); a
# series(k) table of 0..999 is there for generating many rows.
make_case() {
	rm -f "$1"
	"$WFPSIFT" schema | sqlite3 -batch "$1" || return 1
	{
		cat <<'SQL'
CREATE TEMP TABLE spec(n INTEGER PRIMARY KEY, source, host, t, event_id,
  record_id, channel, provider, recovered, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app, user_name, user_domain,
  subcategory_guid, changes);
CREATE TEMP TABLE series AS WITH RECURSIVE s(k) AS
  (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 999) SELECT k FROM s;
SQL
		cat
		cat "$top_srcdir/tests/gaps-spec.sql"
	} | sqlite3 -batch -bail "$1"
}

# gap_rows CASE: every gap as kind|host|related_host|first|last|event_count|distinct|witness|user
gap_rows() {
	sql "$1" "SELECT kind, host, related_host, substr(first_time, 1, 19),
	  substr(last_time, 1, 19), event_count, distinct_count, witness_count,
	  user_name FROM gaps ORDER BY id"
}

# background SOURCE HOST: SQL for a steady log, one event every 10 minutes
# from 08:00 to 18:00 on 2026-11-02, so no silence is out of the ordinary.
background() {
	echo "INSERT INTO spec(source, host, t, event_id) SELECT '$1', '$2',"
	echo "  datetime('2026-11-02 08:00:00', '+' || (k * 10) || ' minutes'), 4672"
	echo "  FROM series WHERE k <= 60;"
}

# steady SOURCE HOST IP: background() plus a service (svc.exe, PID 900,
# created at 08:00:30) making one DNS lookup at 08:05: a host with WFP
# auditing on, process creation audited, and nothing missing.
steady() {
	background "$1" "$2"
	cat <<SQL
INSERT INTO spec(source, host, t, event_id, pid, app) VALUES
  ('$1', '$2', '2026-11-02 08:00:30', 4688, 900, 'svc.exe');
INSERT INTO spec(source, host, t, event_id, direction, protocol, local_ip,
  local_port, remote_ip, remote_port, pid, app) VALUES
  ('$1', '$2', '2026-11-02 08:05:00', 5156, 'outbound', 17, '$3', 50123,
   '10.0.0.2', 53, 900, 'svc.exe');
SQL
}
