/*
 * gap-host-traffic.c: each host's network records summed up in one pass,
 * for the attribution and detector coverage analyses.
 *
 * Both analyses asked SQLite for per-host aggregates over every network
 * event joined to its attribution row, grouped by host: two sorts and two
 * million-row joins, a third of gaps' time on a large case. Here one scan
 * reads network_events and attribution side by side in id order (both are
 * keyed by the network event's id, so the join is a merge) and sums each
 * host's figures in memory. They land in a temporary table, one row per
 * host, that the two analyses' queries read instead:
 *
 *   temp.gap_host_traffic(host,
 *     out_records, out_first, out_last, tcp, udp, remote_hosts,
 *     remote_ports, sysmon        outbound connection records (5156, 5157,
 *                                 Sysmon 3), as the sweeps read them
 *     in_records                  inbound records of any kind
 *     connections, attributed,    connection records of processes other
 *     unattributed_first_us,      than System (PID 0 and 4), how many a
 *     unattributed_last_us,       process creation explains, and when the
 *     unattributed_first,         unexplained ones start and end
 *     unattributed_last)
 *
 * The same pass notes each host's own addresses for temp.gap_host_ip: the
 * local address of its outbound records and of the TCP connections it
 * accepted, but not unspecified or loopback ones.
 *
 * A record is explained as the attribution table says, where wfpsift detect
 * has judged it; otherwise when Sysmon named its user or its host logged
 * the start of a process with its id at or before it. Every figure is the
 * one the SQL aggregate gave: counts of distinct non-NULL values, minimum
 * and maximum texts in SQLite's binary order.
 */
#include <stdlib.h>
#include <string.h>

#include "gap.h"
#include "text-table.h"
#include "util.h"

/* A text kept as a running minimum or maximum, in a buffer reused. */
struct kept_text {
	char	*bytes;
	int	 length;		/* -1: none yet (SQL NULL) */
	int	 allocated;
};

/* One host's sums. */
struct host_traffic {
	uint32_t	 host;		/* text number */
	int64_t		 out_records, tcp, udp, sysmon, in_records;
	int64_t		 remote_hosts, remote_ports;
	int64_t		 connections, attributed;
	int64_t		 unattributed_first_us, unattributed_last_us;
	int		 unattributed_times;	/* how many non-NULL times */
	struct kept_text out_first, out_last;
	struct kept_text unattributed_first, unattributed_last;
};

struct traffic_pass {
	struct gap_context	*context;
	struct text_table	 texts;
	struct pair_map		 host_index;	/* (host, 0) -> index in hosts */
	struct pair_map		 remote_ips;	/* (host index, ip) seen */
	struct pair_map		 remote_ports;	/* (host index, port) seen */
	struct pair_map		 own_addresses;	/* (ip, host) seen */
	uint64_t		*own_list;	/* the same, in the order seen */
	size_t			 own_count, own_allocated;
	struct host_traffic	*hosts;
	size_t			 host_count, host_allocated;
	sqlite3_stmt		*attribution;	/* the merge join's other side */
	int			 attribution_row;	/* SQLITE_ROW while it has one */
	sqlite3_stmt		*process_started;
	size_t			 last_host;	/* index of the last row's host */
	int			 failed;	/* out of memory */
};

static const char network_sql[] =
    "SELECT id, host, time, time_unix_us, event_id, pid, user_name,"
    " direction, protocol, remote_ip, remote_port, local_ip"
    " FROM network_events WHERE host IS NOT NULL ORDER BY id";

static const char attribution_sql[] =
    "SELECT network_event_id,"
    " process_row IS NOT NULL OR user_name IS NOT NULL"
    " FROM attribution ORDER BY network_event_id";

static const char process_started_sql[] =
    "SELECT 1 FROM processes p WHERE p.host = ?1 AND p.pid = ?2"
    " AND p.kind = 'start' AND p.time_unix_us <= ?3 LIMIT 1";

/* Columns of network_sql. */
enum {
	COLUMN_ID, COLUMN_HOST, COLUMN_TIME, COLUMN_TIME_US, COLUMN_EVENT_ID,
	COLUMN_PID, COLUMN_USER, COLUMN_DIRECTION, COLUMN_PROTOCOL,
	COLUMN_REMOTE_IP, COLUMN_REMOTE_PORT, COLUMN_LOCAL_IP
};

/*
 * Keep column's text in kept when it is the new minimum (want < 0) or
 * maximum (want > 0) in binary order; NULL never is.
 */
static int
keep_extreme(struct kept_text *kept, sqlite3_stmt *statement, int column,
    int want)
{
	const unsigned char	*text = sqlite3_column_text(statement, column);
	int			 length = sqlite3_column_bytes(statement, column);
	int			 order;
	char			*grown;

	if (text == NULL)
		return 0;
	if (kept->length >= 0) {
		order = memcmp(text, kept->bytes, (size_t)(length < kept->length ?
		    length : kept->length));
		if (order == 0)
			order = (length > kept->length) - (length < kept->length);
		if (want < 0 ? order >= 0 : order <= 0)
			return 0;
	}
	if (length + 1 > kept->allocated) {
		if ((grown = realloc(kept->bytes, (size_t)length + 1)) == NULL)
			return -1;
		kept->bytes = grown;
		kept->allocated = length + 1;
	}
	memcpy(kept->bytes, text, (size_t)length);
	kept->bytes[length] = '\0';
	kept->length = length;
	return 0;
}

/*
 * The sums of the row's host, added when new; NULL when out of memory.
 * A host's records are mostly stored together: the last row's host is
 * tried first.
 */
static struct host_traffic *
host_of_row(struct traffic_pass *pass, sqlite3_stmt *row)
{
	struct host_traffic	*host;
	struct text		*last;
	uint32_t		 text, *index;
	int			 added, length = sqlite3_column_bytes(row, COLUMN_HOST);

	if (pass->host_count > 0) {
		last = &pass->texts.texts[pass->hosts[pass->last_host].host];
		if (last->length == length && memcmp(last->bytes,
		    sqlite3_column_text(row, COLUMN_HOST), (size_t)length) == 0)
			return &pass->hosts[pass->last_host];
	}
	text = text_intern(&pass->texts, sqlite3_column_text(row, COLUMN_HOST),
	    sqlite3_column_bytes(row, COLUMN_HOST), &pass->failed);
	if (pass->failed || (index = pair_map_put(&pass->host_index,
	    pair(text, 0), (uint32_t)pass->host_count, &added)) == NULL)
		return NULL;
	pass->last_host = *index;
	if (!added)
		return &pass->hosts[*index];
	if (array_reserve(&pass->hosts, pass->host_count, &pass->host_allocated,
	    sizeof(*pass->hosts)) == -1)
		return NULL;
	host = &pass->hosts[pass->host_count++];
	memset(host, 0, sizeof(*host));
	host->host = text;
	host->out_first.length = host->out_last.length = -1;
	host->unattributed_first.length = host->unattributed_last.length = -1;
	return host;
}

/* Count a value once per host: +1 to *distinct when (host, value) is new. */
static int
count_distinct(struct pair_map *seen, uint32_t host, uint32_t value,
    int64_t *distinct)
{
	int	added;

	if (pair_map_put(seen, pair(host, value), 0, &added) == NULL)
		return -1;
	*distinct += added;
	return 0;
}

/* An outbound connection record: the figures the sweeps' coverage needs. */
static int
add_outbound(struct traffic_pass *pass, struct host_traffic *host,
    sqlite3_stmt *row)
{
	uint32_t	index = (uint32_t)(host - pass->hosts), ip;
	int64_t		port;

	host->out_records++;
	host->tcp += sqlite3_column_type(row, COLUMN_PROTOCOL) != SQLITE_NULL &&
	    sqlite3_column_int64(row, COLUMN_PROTOCOL) == 6;
	host->udp += sqlite3_column_type(row, COLUMN_PROTOCOL) != SQLITE_NULL &&
	    sqlite3_column_int64(row, COLUMN_PROTOCOL) == 17;
	host->sysmon += sqlite3_column_int64(row, COLUMN_EVENT_ID) == 3;
	if (keep_extreme(&host->out_first, row, COLUMN_TIME, -1) == -1 ||
	    keep_extreme(&host->out_last, row, COLUMN_TIME, 1) == -1)
		return -1;
	if (sqlite3_column_type(row, COLUMN_REMOTE_IP) != SQLITE_NULL) {
		ip = text_intern(&pass->texts, sqlite3_column_text(row,
		    COLUMN_REMOTE_IP), sqlite3_column_bytes(row, COLUMN_REMOTE_IP),
		    &pass->failed);
		if (pass->failed || count_distinct(&pass->remote_ips, index, ip,
		    &host->remote_hosts) == -1)
			return -1;
	}
	if (sqlite3_column_type(row, COLUMN_REMOTE_PORT) != SQLITE_NULL) {
		port = sqlite3_column_int64(row, COLUMN_REMOTE_PORT);
		if (count_distinct(&pass->remote_ports, index, (uint32_t)port,
		    &host->remote_ports) == -1)
			return -1;
	}
	return 0;
}

/*
 * 1 when the record with this id is explained: by its attribution row,
 * which the merge join finds; else by a Sysmon user or a process start.
 * -1 on an SQL error.
 */
static int
explained(struct traffic_pass *pass, sqlite3_stmt *row, int64_t id)
{
	sqlite3_stmt	*attribution = pass->attribution;
	int		 found;

	while (pass->attribution_row == SQLITE_ROW &&
	    sqlite3_column_int64(attribution, 0) < id)
		pass->attribution_row = sqlite3_step(attribution);
	if (pass->attribution_row != SQLITE_ROW && pass->attribution_row != SQLITE_DONE)
		return -1;
	if (pass->attribution_row == SQLITE_ROW &&
	    sqlite3_column_int64(attribution, 0) == id)
		return sqlite3_column_int(attribution, 1);
	if (sqlite3_column_type(row, COLUMN_USER) != SQLITE_NULL)
		return 1;
	sqlite3_bind_value(pass->process_started, 1, sqlite3_column_value(row, COLUMN_HOST));
	sqlite3_bind_value(pass->process_started, 2, sqlite3_column_value(row, COLUMN_PID));
	sqlite3_bind_value(pass->process_started, 3, sqlite3_column_value(row, COLUMN_TIME_US));
	found = sqlite3_step(pass->process_started);
	sqlite3_reset(pass->process_started);
	if (found != SQLITE_ROW && found != SQLITE_DONE)
		return -1;
	return found == SQLITE_ROW;
}

/* A connection record of a process other than System. */
static int
add_connection(struct traffic_pass *pass, struct host_traffic *host,
    sqlite3_stmt *row)
{
	int	explains = explained(pass, row, sqlite3_column_int64(row, COLUMN_ID));
	int64_t	time_us;

	if (explains == -1)
		return -2;
	host->connections++;
	if (explains) {
		host->attributed++;
		return 0;
	}
	if (sqlite3_column_type(row, COLUMN_TIME_US) != SQLITE_NULL) {
		time_us = sqlite3_column_int64(row, COLUMN_TIME_US);
		if (host->unattributed_times++ == 0 || time_us < host->unattributed_first_us)
			host->unattributed_first_us = time_us;
		if (host->unattributed_times == 1 || time_us > host->unattributed_last_us)
			host->unattributed_last_us = time_us;
	}
	if (keep_extreme(&host->unattributed_first, row, COLUMN_TIME, -1) == -1 ||
	    keep_extreme(&host->unattributed_last, row, COLUMN_TIME, 1) == -1)
		return -1;
	return 0;
}

/* 1 when a local address names its host: not empty, unspecified or loopback. */
static int
is_own_address(const unsigned char *ip, int length)
{
	if (ip == NULL || length == 0)
		return 0;
	if ((length == 7 && memcmp(ip, "0.0.0.0", 7) == 0) ||
	    (length == 2 && memcmp(ip, "::", 2) == 0) ||
	    (length == 3 && memcmp(ip, "::1", 3) == 0))
		return 0;
	return !(length >= 4 && memcmp(ip, "127.", 4) == 0);
}

/* Note the record's local address as its host's own, once per pair. */
static int
add_own_address(struct traffic_pass *pass, const struct host_traffic *host,
    sqlite3_stmt *row)
{
	uint64_t	 key;
	uint32_t	 ip;
	int		 added;

	if (!is_own_address(sqlite3_column_text(row, COLUMN_LOCAL_IP),
	    sqlite3_column_bytes(row, COLUMN_LOCAL_IP)))
		return 0;
	ip = text_intern(&pass->texts, sqlite3_column_text(row, COLUMN_LOCAL_IP),
	    sqlite3_column_bytes(row, COLUMN_LOCAL_IP), &pass->failed);
	key = pair(ip, host->host);
	if (pass->failed || pair_map_put(&pass->own_addresses, key, 0, &added) == NULL)
		return -1;
	if (!added)
		return 0;
	if (array_reserve(&pass->own_list, pass->own_count, &pass->own_allocated,
	    sizeof(*pass->own_list)) == -1)
		return -1;
	pass->own_list[pass->own_count++] = key;
	return 0;
}

/* One network record. 0, -1 when out of memory, -2 on an SQL error. */
static int
add_record(struct traffic_pass *pass, sqlite3_stmt *row)
{
	struct host_traffic	*host;
	const char		*direction;
	int64_t			 event_id, pid;
	int			 connection;

	if ((host = host_of_row(pass, row)) == NULL)
		return -1;
	direction = (const char *)sqlite3_column_text(row, COLUMN_DIRECTION);
	event_id = sqlite3_column_type(row, COLUMN_EVENT_ID) == SQLITE_INTEGER ?
	    sqlite3_column_int64(row, COLUMN_EVENT_ID) : -1;
	connection = event_id == 5156 || event_id == 5157 || event_id == 3;
	if (direction != NULL && strcmp(direction, "inbound") == 0) {
		host->in_records++;
		if (sqlite3_column_type(row, COLUMN_PROTOCOL) != SQLITE_NULL &&
		    sqlite3_column_int64(row, COLUMN_PROTOCOL) == 6 &&
		    add_own_address(pass, host, row) == -1)
			return -1;
	} else if (direction != NULL && strcmp(direction, "outbound") == 0 &&
	    add_own_address(pass, host, row) == -1)
		return -1;
	if (connection && direction != NULL && strcmp(direction, "outbound") == 0 &&
	    add_outbound(pass, host, row) == -1)
		return -1;
	pid = sqlite3_column_int64(row, COLUMN_PID);	/* NULL reads as 0 */
	if (connection && pid != 0 && pid != 4)
		return add_connection(pass, host, row);
	return 0;
}

static const char create_sql[] =
    "DROP TABLE IF EXISTS temp.gap_host_traffic;"
    "CREATE TEMP TABLE gap_host_traffic(host TEXT PRIMARY KEY,"
    "  out_records INTEGER, out_first TEXT, out_last TEXT, tcp INTEGER,"
    "  udp INTEGER, remote_hosts INTEGER, remote_ports INTEGER,"
    "  sysmon INTEGER, in_records INTEGER, connections INTEGER,"
    "  attributed INTEGER, unattributed_first_us INTEGER,"
    "  unattributed_last_us INTEGER, unattributed_first TEXT,"
    "  unattributed_last TEXT)";

/* Bind a kept text, or NULL when there was none. */
static void
bind_kept(sqlite3_stmt *statement, int index, const struct kept_text *kept)
{
	if (kept->length < 0)
		sqlite3_bind_null(statement, index);
	else
		sqlite3_bind_text(statement, index, kept->bytes, kept->length,
		    SQLITE_STATIC);
}

/* Write each host's own addresses into temp.gap_host_ip (gaps.c made it). */
static int
store_own_addresses(struct traffic_pass *pass)
{
	sqlite3_stmt	*insert;
	struct text	*ip, *host;
	size_t		 i;
	int		 step = SQLITE_DONE;

	if (gap_prepare(pass->context, "INSERT INTO temp.gap_host_ip VALUES (?1, ?2)",
	    &insert) == -1)
		return -1;
	for (i = 0; i < pass->own_count && step == SQLITE_DONE; i++) {
		ip = &pass->texts.texts[pass->own_list[i] >> 32];
		host = &pass->texts.texts[(uint32_t)pass->own_list[i]];
		sqlite3_bind_text(insert, 1, ip->bytes, ip->length, SQLITE_STATIC);
		sqlite3_bind_text(insert, 2, host->bytes, host->length, SQLITE_STATIC);
		step = sqlite3_step(insert);
		sqlite3_reset(insert);
	}
	sqlite3_finalize(insert);
	return step == SQLITE_DONE ? 0 :
	    gap_sql_error(pass->context, "noting each host's addresses");
}

/* Write every host's sums into temp.gap_host_traffic. */
static int
store_hosts(struct traffic_pass *pass)
{
	struct gap_context	*context = pass->context;
	struct host_traffic	*h;
	struct text		*host;
	sqlite3_stmt		*insert;
	size_t			 i;
	int			 step = SQLITE_DONE;

	if (gap_exec(context, create_sql) == -1 ||
	    gap_prepare(context, "INSERT INTO temp.gap_host_traffic VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	    &insert) == -1)
		return -1;
	for (i = 0; i < pass->host_count && step == SQLITE_DONE; i++) {
		h = &pass->hosts[i];
		host = &pass->texts.texts[h->host];
		sqlite3_bind_text(insert, 1, host->bytes, host->length, SQLITE_STATIC);
		sqlite3_bind_int64(insert, 2, h->out_records);
		bind_kept(insert, 3, &h->out_first);
		bind_kept(insert, 4, &h->out_last);
		sqlite3_bind_int64(insert, 5, h->tcp);
		sqlite3_bind_int64(insert, 6, h->udp);
		sqlite3_bind_int64(insert, 7, h->remote_hosts);
		sqlite3_bind_int64(insert, 8, h->remote_ports);
		sqlite3_bind_int64(insert, 9, h->sysmon);
		sqlite3_bind_int64(insert, 10, h->in_records);
		sqlite3_bind_int64(insert, 11, h->connections);
		sqlite3_bind_int64(insert, 12, h->attributed);
		if (h->unattributed_times > 0) {
			sqlite3_bind_int64(insert, 13, h->unattributed_first_us);
			sqlite3_bind_int64(insert, 14, h->unattributed_last_us);
		} else {
			sqlite3_bind_null(insert, 13);
			sqlite3_bind_null(insert, 14);
		}
		bind_kept(insert, 15, &h->unattributed_first);
		bind_kept(insert, 16, &h->unattributed_last);
		step = sqlite3_step(insert);
		sqlite3_reset(insert);
	}
	sqlite3_finalize(insert);
	if (step != SQLITE_DONE)
		return gap_sql_error(context, "summing each host's traffic");
	return store_own_addresses(pass);
}

static void
traffic_pass_free(struct traffic_pass *pass)
{
	size_t	i;

	for (i = 0; i < pass->host_count; i++) {
		free(pass->hosts[i].out_first.bytes);
		free(pass->hosts[i].out_last.bytes);
		free(pass->hosts[i].unattributed_first.bytes);
		free(pass->hosts[i].unattributed_last.bytes);
	}
	free(pass->hosts);
	text_table_free(&pass->texts);
	pair_map_free(&pass->host_index);
	pair_map_free(&pass->remote_ips);
	pair_map_free(&pass->remote_ports);
	pair_map_free(&pass->own_addresses);
	free(pass->own_list);
	sqlite3_finalize(pass->attribution);
	sqlite3_finalize(pass->process_started);
}

int
gap_host_traffic(struct gap_context *context)
{
	struct traffic_pass	 pass;
	sqlite3_stmt		*row = NULL;
	int			 step = SQLITE_DONE, status = 0;

	memset(&pass, 0, sizeof(pass));
	pass.context = context;
	if (gap_prepare(context, attribution_sql, &pass.attribution) == -1 ||
	    gap_prepare(context, process_started_sql, &pass.process_started) == -1 ||
	    gap_prepare(context, network_sql, &row) == -1) {
		traffic_pass_free(&pass);
		return -1;
	}
	pass.attribution_row = sqlite3_step(pass.attribution);
	while (status == 0 && (step = sqlite3_step(row)) == SQLITE_ROW)
		status = add_record(&pass, row);
	sqlite3_finalize(row);
	if (status == -1)
		status = gap_error(context, "summing each host's traffic: out of memory");
	else if (status == -2 || step != SQLITE_DONE)
		status = gap_sql_error(context, "summing each host's traffic");
	else
		status = store_hosts(&pass);
	traffic_pass_free(&pass);
	return status;
}
