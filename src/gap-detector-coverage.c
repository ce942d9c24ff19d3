/*
 * gap-detector-coverage.c: why a detector did or did not fire on a host
 * (the coverage table).
 *
 * For each host and each detector: which records the detector reads, how
 * many of them the host's logs hold and for what time, how many findings
 * it made there, and what it could never see. "No port_sweep on WS01"
 * means little when WS01's log has no outbound records, and nothing about
 * raw-socket scans in any case; this table says so next to the findings.
 */
#include <stdio.h>
#include <string.h>

#include "gap.h"

/*
 * One row per host. The outbound, inbound and attributed figures come
 * from temp.gap_host_traffic (gap-host-traffic.c), one pass over
 * network_events for this analysis and attribution coverage; the findings
 * are counted in one pass too (counted per host, they were a scan of
 * every finding for each host and detector: 29 s for 52,000 findings).
 */
static const char host_sql[] =
    "WITH hosts AS (SELECT DISTINCT host FROM events WHERE host IS NOT NULL),"
    " traffic AS (SELECT * FROM temp.gap_host_traffic),"
    " starts AS (SELECT host, count(*) AS records, min(time) AS first_time,"
    "  max(time) AS last_time FROM processes WHERE kind = 'start' GROUP BY host),"
    " logon_counts AS (SELECT host, count(*) AS records FROM logons"
    "  WHERE event_id = 4624 GROUP BY host),"
    " finding_counts AS (SELECT host, sum(detector = 'port_sweep') AS ports,"
    "  sum(detector = 'host_sweep') AS hosts, sum(detector = 'app_misuse')"
    "  AS applications FROM findings GROUP BY host) "
    "SELECT h.host, coalesce(t.out_records, 0), t.out_first, t.out_last,"
    "  coalesce(t.tcp, 0), coalesce(t.udp, 0), coalesce(t.remote_hosts, 0),"
    "  coalesce(t.remote_ports, 0), coalesce(t.in_records, 0),"
    "  coalesce(t.connections, 0), coalesce(t.attributed, 0),"
    "  coalesce(s.records, 0), s.first_time, s.last_time, coalesce(l.records, 0),"
    "  coalesce(f.ports, 0), coalesce(f.hosts, 0), coalesce(f.applications, 0),"
    "  coalesce(t.sysmon, 0) "
    "FROM hosts h LEFT JOIN traffic t ON t.host = h.host"
    " LEFT JOIN starts s ON s.host = h.host"
    " LEFT JOIN logon_counts l ON l.host = h.host"
    " LEFT JOIN finding_counts f ON f.host = h.host "
    "ORDER BY h.host";

/* What one host's logs hold for the detectors. */
struct host_data {
	const char	*host, *out_first, *out_last, *start_first, *start_last;
	int64_t		 outbound, tcp, udp, remote_hosts, remote_ports, inbound;
	int64_t		 connections, attributed, starts, logons;
	int64_t		 port_findings, host_findings, app_findings;
	int64_t		 sysmon;	/* of the outbound records, Sysmon 3 */
};

static void
read_host(sqlite3_stmt *s, struct host_data *h)
{
	h->host = gap_column_text(s, 0);
	h->outbound = sqlite3_column_int64(s, 1);
	h->out_first = gap_column_text(s, 2);
	h->out_last = gap_column_text(s, 3);
	h->tcp = sqlite3_column_int64(s, 4);
	h->udp = sqlite3_column_int64(s, 5);
	h->remote_hosts = sqlite3_column_int64(s, 6);
	h->remote_ports = sqlite3_column_int64(s, 7);
	h->inbound = sqlite3_column_int64(s, 8);
	h->connections = sqlite3_column_int64(s, 9);
	h->attributed = sqlite3_column_int64(s, 10);
	h->starts = sqlite3_column_int64(s, 11);
	h->start_first = gap_column_text(s, 12);
	h->start_last = gap_column_text(s, 13);
	h->logons = sqlite3_column_int64(s, 14);
	h->port_findings = sqlite3_column_int64(s, 15);
	h->host_findings = sqlite3_column_int64(s, 16);
	h->app_findings = sqlite3_column_int64(s, 17);
	h->sysmon = sqlite3_column_int64(s, 18);
}

/* One coverage row. Takes the summary (from gap_sentence) and frees it. */
struct coverage_row {
	const char	*detector, *needs, *first_time, *last_time;
	int64_t		 records, attributed, findings;
	char		*summary;
};

static int
insert_coverage(struct gap_context *context, sqlite3_stmt *s,
    const struct host_data *h, struct coverage_row *row)
{
	int	status = 0;

	if (row->summary == NULL)
		return gap_error(context, "out of memory");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_bind_text(s, 1, row->detector, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, h->host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, row->needs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, row->records);
	if (row->first_time != NULL)
		sqlite3_bind_text(s, 5, row->first_time, -1, SQLITE_TRANSIENT);
	if (row->last_time != NULL)
		sqlite3_bind_text(s, 6, row->last_time, -1, SQLITE_TRANSIENT);
	if (row->attributed >= 0)
		sqlite3_bind_int64(s, 7, row->attributed);
	sqlite3_bind_int64(s, 8, row->findings);
	sqlite3_bind_text(s, 9, row->summary, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		status = gap_sql_error(context, "writing detector coverage");
	sqlite3_free(row->summary);
	return status;
}

/* Where the outbound records came from, when not all from WFP. */
static const char *
sysmon_note(const struct host_data *h)
{
	if (h->sysmon == 0)
		return "";
	if (h->sysmon == h->outbound)
		return " All of them are Sysmon's: the case holds no WFP record "
		    "of this host's outbound traffic.";
	return " Some of them are Sysmon's, the rest WFP's.";
}

/* port_sweep and host_sweep read the same outbound records. */
static int
add_sweep_rows(struct gap_context *context, sqlite3_stmt *s,
    const struct host_data *h)
{
	struct coverage_row	row;
	int			ports;

	for (ports = 1; ports >= 0; ports--) {
		memset(&row, 0, sizeof(row));
		row.detector = ports ? "port_sweep" : "host_sweep";
		row.needs = "outbound connection records (5156, 5157, Sysmon 3) "
		    "of the sending host, or inbound records of its targets";
		row.records = h->outbound;
		row.first_time = h->out_first;
		row.last_time = h->out_last;
		row.attributed = -1;
		row.findings = ports ? h->port_findings : h->host_findings;
		if (h->outbound == 0)
			row.summary = gap_sentence("%s on %s: %lld finding%s; the "
			    "host's logs hold no outbound connection record, so a "
			    "%s from %s cannot be seen in them (only in its "
			    "targets' logs, if they are in the case); %lld inbound "
			    "records show traffic to it.", row.detector, h->host,
			    (long long)row.findings, row.findings == 1 ? "" : "s",
			    ports ? "port sweep" : "host sweep", h->host,
			    (long long)h->inbound);
		else
			row.summary = gap_sentence("%s on %s: %lld finding%s; "
			    "%lld outbound connection records from %.19s to %.19s "
			    "(%lld TCP, %lld UDP, %lld other) to %lld %s. TCP "
			    "probes sent through raw sockets (nmap -sS) never "
			    "appear in them; %lld inbound records show traffic to "
			    "it.%s", row.detector, h->host, (long long)row.findings,
			    row.findings == 1 ? "" : "s", (long long)h->outbound,
			    h->out_first, h->out_last, (long long)h->tcp,
			    (long long)h->udp,
			    (long long)(h->outbound - h->tcp - h->udp),
			    (long long)(ports ? h->remote_ports : h->remote_hosts),
			    ports ? (h->remote_ports == 1 ? "distinct port" :
			    "distinct ports") : (h->remote_hosts == 1 ?
			    "distinct host" : "distinct hosts"),
			    (long long)h->inbound, sysmon_note(h));
		if (insert_coverage(context, s, h, &row) == -1)
			return -1;
	}
	return 0;
}

/*
 * app_misuse needs each connection tied to a process and a user; System
 * (PID 4, and 0) is no user's and is left out, as in
 * gap-attribution-coverage.c.
 */
static int
add_application_row(struct gap_context *context, sqlite3_stmt *s,
    const struct host_data *h)
{
	struct coverage_row	row;
	double			percent;

	memset(&row, 0, sizeof(row));
	row.detector = "app_misuse";
	row.needs = "connection records tied to a process and user by process "
	    "creation (4688, Sysmon 1) and logon (4624) records";
	row.records = h->connections;
	row.attributed = h->attributed;
	row.first_time = h->start_first;
	row.last_time = h->start_last;
	row.findings = h->app_findings;
	percent = h->connections ? 100.0 * (double)h->attributed /
	    (double)h->connections : 0;
	row.summary = gap_sentence("app_misuse on %s: %lld finding%s; %lld of "
	    "%lld connection records of processes other than System (%.0f%%) "
	    "can be tied to a process; %lld "
	    "process creation records%s%.19s%s%.19s, %lld logons. Connections "
	    "that cannot be tied to a user cannot be checked against the "
	    "policy.", h->host, (long long)row.findings,
	    row.findings == 1 ? "" : "s", (long long)h->attributed,
	    (long long)h->connections, percent, (long long)h->starts,
	    h->starts ? " from " : "", h->starts ? h->start_first : "",
	    h->starts ? " to " : "", h->starts ? h->start_last : "",
	    (long long)h->logons);
	return insert_coverage(context, s, h, &row);
}

int
gap_detector_coverage(struct gap_context *context)
{
	sqlite3_stmt		*hosts, *insert;
	struct host_data	 h;
	int			 step, status = 0;

	if (gap_prepare(context, "INSERT INTO coverage(detector, host, needs, "
	    "record_count, first_time, last_time, attributed_count, "
	    "finding_count, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    &insert) == -1)
		return -1;
	if (gap_prepare(context, host_sql, &hosts) == -1) {
		sqlite3_finalize(insert);
		return -1;
	}
	while ((step = sqlite3_step(hosts)) == SQLITE_ROW) {
		read_host(hosts, &h);
		if ((status = add_sweep_rows(context, insert, &h)) == -1 ||
		    (status = add_application_row(context, insert, &h)) == -1)
			break;
	}
	if (status == 0 && step != SQLITE_DONE)
		status = gap_sql_error(context, "measuring detector coverage");
	sqlite3_finalize(hosts);
	sqlite3_finalize(insert);
	return status;
}
