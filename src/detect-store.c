/*
 * detect-store.c: number, store and describe the findings of a run.
 *
 * Findings are sorted before they are numbered (first time, detector,
 * source, destination, ...), so the same case always gives the same ids.
 * Each is stored with its evidence, then described from that evidence by
 * SQL: which hosts logged it and on which side, its span, the user and
 * application on the source's side, the distinct ports and hosts. From
 * that come the plain sentence in 'summary' and the SQL in 'query'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "util.h"

/* Compare two texts for sorting: NULL first, then bytewise. */
static int
compare_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Sort order of findings: time, detector, source, destination, then the rest. */
static int
compare_findings(const void *left, const void *right)
{
	const struct finding	*a = left, *b = right;
	int			 order;

	if (a->first_us != b->first_us)
		return a->first_us < b->first_us ? -1 : 1;
	if ((order = strcmp(a->detector, b->detector)) != 0 ||
	    (order = compare_text(a->source_ip, b->source_ip)) != 0 ||
	    (order = compare_text(a->destination_ip, b->destination_ip)) != 0)
		return order;
	if (a->destination_port != b->destination_port)
		return a->destination_port < b->destination_port ? -1 : 1;
	if ((order = compare_text(a->service, b->service)) != 0 ||
	    (order = compare_text(a->user_name, b->user_name)) != 0 ||
	    (order = compare_text(a->application, b->application)) != 0)
		return order;
	if (a->evidence_count > 0 && b->evidence_count > 0 &&
	    a->evidence[0] != b->evidence[0])
		return a->evidence[0] < b->evidence[0] ? -1 : 1;
	return 0;
}

static int
compare_ids(const void *left, const void *right)
{
	int64_t	a = *(const int64_t *)left, b = *(const int64_t *)right;

	return (a > b) - (a < b);
}

/* Sort a finding's evidence ids and drop repeats. */
static void
evidence_normalise(struct finding *finding)
{
	size_t	i, kept = 0;

	if (finding->evidence_count == 0)
		return;
	sort_array(finding->evidence, finding->evidence_count,
	    sizeof(*finding->evidence), compare_ids);
	for (i = 0; i < finding->evidence_count; i++)
		if (kept == 0 || finding->evidence[kept - 1] != finding->evidence[i])
			finding->evidence[kept++] = finding->evidence[i];
	finding->evidence_count = kept;
}

/* Bind text or NULL. */
static void
bind_text(sqlite3_stmt *statement, int index, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(statement, index);
	else
		sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT);
}

/* Insert finding number id with what the detector knows, and its evidence. */
static int
store_finding(sqlite3 *db, sqlite3_stmt *insert, sqlite3_stmt *evidence,
    int64_t id, const struct finding *finding)
{
	size_t	i;
	int	status;

	(void)db;
	sqlite3_reset(insert);
	sqlite3_clear_bindings(insert);
	sqlite3_bind_int64(insert, 1, id);
	bind_text(insert, 2, finding->detector);
	bind_text(insert, 3, finding->severity);
	bind_text(insert, 4, finding->user_name);
	bind_text(insert, 5, finding->application);
	bind_text(insert, 6, finding->source_ip);
	bind_text(insert, 7, finding->destination_ip);
	if (finding->destination_port >= 0)
		sqlite3_bind_int64(insert, 8, finding->destination_port);
	sqlite3_bind_int64(insert, 9, finding->distinct_count);
	bind_text(insert, 10, finding->reference_rules);
	bind_text(insert, 11, finding->service);
	status = sqlite3_step(insert);
	sqlite3_reset(insert);
	if (status != SQLITE_DONE)
		return -1;
	for (i = 0; i < finding->evidence_count; i++) {
		sqlite3_reset(evidence);
		sqlite3_bind_int64(evidence, 1, id);
		sqlite3_bind_int64(evidence, 2, finding->evidence[i]);
		status = sqlite3_step(evidence);
		sqlite3_reset(evidence);
		if (status != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* What a stored finding's evidence says about it. */
struct description {
	char		*host;		/* the one host to name, or NULL */
	char		*seen_by;	/* every host whose log holds evidence */
	const char	*seen_from;	/* sweeps: "source", "target", "both" */
	char		*source_host;	/* sweeps: the source's own host, if one */
	char		*target_hosts;	/* sweeps: hosts that logged it inbound */
	int64_t		 target_host_count;
	char		*user_name;
	int64_t		 user_count;
	char		*application;
	int64_t		 application_count;
	int64_t		 event_count;
	int64_t		 destination_count;
	int64_t		 port_count;	/* distinct destination ports */
	char		*ports;		/* them, ", " separated, when at most 8 */
	char		*first_time, *last_time;
	int64_t		 first_us, last_us;
};

static void
description_free(struct description *description)
{
	free(description->host);
	free(description->seen_by);
	free(description->source_host);
	free(description->target_hosts);
	free(description->user_name);
	free(description->application);
	free(description->first_time);
	free(description->last_time);
	free(description->ports);
}

/* Append text to a ", " separated list held in *list. */
static int
list_append(char **list, const char *text)
{
	char	*grown;
	size_t	 old = *list == NULL ? 0 : strlen(*list);

	if (text == NULL)
		text = "(unknown host)";
	grown = realloc(*list, old + strlen(text) + 3);
	if (grown == NULL)
		return -1;
	if (old == 0)
		strcpy(grown, text);
	else {
		strcpy(grown + old, ", ");
		strcpy(grown + old + 2, text);
	}
	*list = grown;
	return 0;
}

/*
 * The statements that describe each finding from its stored evidence,
 * prepared once for all of them: with tens of thousands of findings,
 * preparing them again for each cost more than running them.
 */
struct describer {
	sqlite3_stmt	*hosts, *span, *top_user, *top_application;
};

/* Which hosts logged the evidence, and on which side of the traffic. */
static const char describe_hosts_sql[] =
    "SELECT n.host, max(n.direction = 'outbound'), max(n.direction IS NOT 'outbound')"
    " FROM finding_evidence e JOIN network_events n ON n.id = e.network_event_id"
    " WHERE e.finding_id = ?1 GROUP BY n.host ORDER BY n.host";

static int
describe_hosts(sqlite3_stmt *statement, int64_t id,
    struct description *description)
{
	const char	*host;
	int		 status, failed = 0, outbound_hosts = 0, hosts = 0;

	sqlite3_reset(statement);
	sqlite3_bind_int64(statement, 1, id);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		host = (const char *)sqlite3_column_text(statement, 0);
		hosts++;
		if (list_append(&description->seen_by, host) == -1)
			failed = 1;
		if (sqlite3_column_int(statement, 1)) {
			outbound_hosts++;
			free(description->source_host);
			description->source_host = detect_strdup(host, &failed);
		}
		if (sqlite3_column_int(statement, 2)) {
			description->target_host_count++;
			if (list_append(&description->target_hosts, host) == -1)
				failed = 1;
		}
		if (hosts == 1)
			description->host = detect_strdup(host, &failed);
	}
	sqlite3_reset(statement);
	if (outbound_hosts != 1) {
		free(description->source_host);
		description->source_host = NULL;
	}
	description->seen_from = outbound_hosts == 0 ? "target" :
	    description->target_host_count == 0 ? "source" : "both";
	if (description->source_host != NULL) {
		free(description->host);
		description->host = detect_strdup(description->source_host, &failed);
	} else if (hosts != 1) {
		free(description->host);
		description->host = NULL;
	}
	return status == SQLITE_DONE && !failed ? 0 : -1;
}

/* Counts and the first and last times of the evidence. */
static const char describe_span_sql[] =
    "SELECT count(*), count(DISTINCT coalesce(f.destination, n.remote_ip)),"
    " count(DISTINCT CASE WHEN n.protocol IN (6, 17) THEN f.port END),"
    " (SELECT group_concat(port, ', ') FROM (SELECT DISTINCT f2.port AS port"
    "  FROM finding_evidence e2 JOIN temp.detect_flows f2 ON f2.id = e2.network_event_id"
    "  WHERE e2.finding_id = ?1 AND f2.protocol IN (6, 17) ORDER BY port LIMIT 9)),"
    " (SELECT n2.time FROM finding_evidence e2 JOIN network_events n2"
    "  ON n2.id = e2.network_event_id WHERE e2.finding_id = ?1"
    "  ORDER BY n2.time_unix_us, n2.id LIMIT 1),"
    " (SELECT n2.time FROM finding_evidence e2 JOIN network_events n2"
    "  ON n2.id = e2.network_event_id WHERE e2.finding_id = ?1"
    "  ORDER BY n2.time_unix_us DESC, n2.id DESC LIMIT 1),"
    " min(n.time_unix_us), max(n.time_unix_us)"
    " FROM finding_evidence e JOIN network_events n ON n.id = e.network_event_id"
    " LEFT JOIN temp.detect_flows f ON f.id = n.id"
    " WHERE e.finding_id = ?1";

static int
describe_span(sqlite3_stmt *statement, int64_t id,
    struct description *description)
{
	int		 status, failed = 0;

	sqlite3_reset(statement);
	sqlite3_bind_int64(statement, 1, id);
	if ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		description->event_count = sqlite3_column_int64(statement, 0);
		description->destination_count = sqlite3_column_int64(statement, 1);
		description->port_count = sqlite3_column_int64(statement, 2);
		if (description->port_count <= 8)
			description->ports = detect_strdup((const char *)
			    sqlite3_column_text(statement, 3), &failed);
		description->first_time = detect_strdup((const char *)
		    sqlite3_column_text(statement, 4), &failed);
		description->last_time = detect_strdup((const char *)
		    sqlite3_column_text(statement, 5), &failed);
		description->first_us = sqlite3_column_int64(statement, 6);
		description->last_us = sqlite3_column_int64(statement, 7);
		status = SQLITE_DONE;
	}
	sqlite3_reset(statement);
	return status == SQLITE_DONE && !failed ? 0 : -1;
}

/*
 * The most frequent value of an expression over the source side's
 * evidence (outbound records, whose process is the source's), and how
 * many different values there are. Ties go to the smaller value.
 */
static int
prepare_top(sqlite3 *db, const char *expression, sqlite3_stmt **statement)
{
	char	*sql;
	int	 status;

	sql = sqlite3_mprintf("SELECT value, count(*) OVER () FROM"
	    " (SELECT %s AS value, count(*) AS uses"
	    "  FROM finding_evidence e JOIN network_events n ON n.id = e.network_event_id"
	    "  LEFT JOIN attribution a ON a.network_event_id = n.id"
	    "  WHERE e.finding_id = ?1 AND n.direction = 'outbound' AND %s IS NOT NULL"
	    "  GROUP BY value) ORDER BY uses DESC, value LIMIT 1",
	    expression, expression);
	if (sql == NULL)
		return -1;
	status = sqlite3_prepare_v2(db, sql, -1, statement, NULL);
	sqlite3_free(sql);
	return status == SQLITE_OK ? 0 : -1;
}

/* Run a prepare_top statement for one finding. */
static int
describe_top(sqlite3_stmt *statement, int64_t id, char **top, int64_t *count)
{
	int	status, failed = 0;

	sqlite3_reset(statement);
	sqlite3_bind_int64(statement, 1, id);
	if ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		*top = detect_strdup((const char *)sqlite3_column_text(statement, 0),
		    &failed);
		*count = sqlite3_column_int64(statement, 1);
		status = SQLITE_DONE;
	}
	sqlite3_reset(statement);
	return status == SQLITE_DONE && !failed ? 0 : -1;
}

/* "2026-11-02T09:14:03.1234567Z" as "2026-11-02 09:14:03". */
static void
short_time(const char *iso, char *buffer, size_t size)
{
	snprintf(buffer, size, "%.19s", iso == NULL ? "?" : iso);
	if (strlen(buffer) > 10 && buffer[10] == 'T')
		buffer[10] = ' ';
}

/* A duration in words: "37 s", "4 min 10 s", "2 h 5 min". */
static void
duration_words(int64_t microseconds, char *buffer, size_t size)
{
	int64_t	seconds = microseconds / 1000000;

	if (seconds < 60)
		snprintf(buffer, size, "%lld s", (long long)seconds);
	else if (seconds < 3600)
		snprintf(buffer, size, "%lld min %lld s", (long long)(seconds / 60),
		    (long long)(seconds % 60));
	else
		snprintf(buffer, size, "%lld h %lld min", (long long)(seconds / 3600),
		    (long long)(seconds % 3600 / 60));
}

/* "Zeek's and Elastic's reference rules would also fire." and the others. */
static const char *
reference_sentence(const char *rules)
{
	int	zeek = rules != NULL && strstr(rules, "zeek") != NULL;
	int	elastic = rules != NULL && strstr(rules, "elastic") != NULL;

	if (zeek && elastic)
		return "Zeek's and Elastic's reference rules would also fire.";
	if (zeek)
		return "Zeek's reference rule would also fire; Elastic's would not.";
	if (elastic)
		return "Elastic's reference rule would also fire; Zeek's would not.";
	return "Neither Zeek's nor Elastic's reference rule would fire.";
}

/* Append who and what made a sweep: the source side's user and application. */
static void
append_actor(sqlite3_str *text, const struct description *description)
{
	if (strcmp(description->seen_from, "target") == 0)
		return;
	if (description->user_name != NULL) {
		sqlite3_str_appendf(text, ", by %s", description->user_name);
		if (description->user_count > 1)
			sqlite3_str_appendf(text, " (and %lld other users)",
			    (long long)description->user_count - 1);
	} else
		sqlite3_str_appendf(text, ", by an unattributed process");
	if (description->application != NULL) {
		sqlite3_str_appendf(text, " with %s", description->application);
		if (description->application_count > 1)
			sqlite3_str_appendf(text, " (and %lld other applications)",
			    (long long)description->application_count - 1);
	}
}

/* Append a ", " separated list, its first few items only when long. */
static void
append_list(sqlite3_str *text, const char *list, int64_t count)
{
	const char	*cut = list;
	int		 shown;

	if (count <= 5) {
		sqlite3_str_appendall(text, list);
		return;
	}
	for (shown = 0; shown < 3 && (cut = strstr(cut, ", ")) != NULL; shown++)
		cut += 2;
	if (cut == NULL) {
		sqlite3_str_appendall(text, list);
		return;
	}
	sqlite3_str_append(text, list, (int)(cut - 2 - list));
	sqlite3_str_appendf(text, " and %lld more", (long long)count - 3);
}

/* Append which logs show a sweep. */
static void
append_seen(sqlite3_str *text, const struct description *description)
{
	if (strcmp(description->seen_from, "source") == 0)
		sqlite3_str_appendf(text, "; seen in the source's own log (%s)",
		    description->source_host != NULL ? description->source_host :
		    description->seen_by);
	else if (strcmp(description->seen_from, "target") == 0)
		sqlite3_str_appendf(text, "; seen only in the %s (",
		    description->target_host_count == 1 ? "target's log" :
		    "targets' logs");
	else
		sqlite3_str_appendf(text, "; seen in the source's log (%s) and in"
		    " the %s (", description->source_host != NULL ?
		    description->source_host : "several hosts",
		    description->target_host_count == 1 ? "target's" : "targets'");
	if (strcmp(description->seen_from, "source") != 0) {
		append_list(text, description->target_hosts,
		    description->target_host_count);
		sqlite3_str_appendall(text, ")");
	}
}

/* How many items a ", " separated list holds. */
static int64_t
list_count(const char *list)
{
	int64_t	count = 1;

	if (list == NULL || *list == '\0')
		return 0;
	while ((list = strstr(list, ", ")) != NULL) {
		count++;
		list += 2;
	}
	return count;
}

/*
 * What a sweep did, from its evidence: "probed 20 distinct ports on
 * 10.0.0.20" (or "on 254 hosts" when sweeps of one source merged), and
 * "reached 30 distinct internal hosts on smb (ports 139, 445)" (or "on 3
 * services (...)").
 */
static void
append_sweep(sqlite3_str *text, const struct finding *finding,
    const struct description *description, const struct detect_options *options)
{
	int64_t	services = list_count(finding->service);

	if (strcmp(finding->detector, "port_sweep") == 0) {
		sqlite3_str_appendf(text, "probed %lld distinct ports on ",
		    (long long)description->port_count);
		if (finding->destination_ip != NULL)
			sqlite3_str_appendall(text, finding->destination_ip);
		else
			sqlite3_str_appendf(text, "%lld hosts",
			    (long long)description->destination_count);
		return;
	}
	sqlite3_str_appendf(text, "reached %lld distinct %shosts ",
	    (long long)description->destination_count,
	    options->host_sweep_internal_only ? "internal " : "");
	if (services > 1) {
		sqlite3_str_appendf(text, "on %lld services (", (long long)services);
		append_list(text, finding->service, services);
		sqlite3_str_appendall(text, ")");
	} else if (strcmp(finding->service, "icmp") == 0)
		sqlite3_str_appendall(text, "with ICMP");
	else if (strncmp(finding->service, "port ", 5) == 0 ||
	    description->ports == NULL)
		sqlite3_str_appendf(text, "on %s", finding->service);
	else
		sqlite3_str_appendf(text, "on %s (port%s %s)", finding->service,
		    description->port_count > 1 ? "s" : "", description->ports);
}

/* The plain sentence of a finding. Returns sqlite3_malloc'd text or NULL. */
static char *
summary_sentence(const struct finding *finding,
    const struct description *description, const struct detect_options *options)
{
	sqlite3_str	*text = sqlite3_str_new(NULL);
	char		 first[32], last[32], span[32];

	short_time(description->first_time, first, sizeof(first));
	short_time(description->last_time, last, sizeof(last));
	duration_words(description->last_us - description->first_us, span,
	    sizeof(span));
	if (strcmp(finding->detector, "app_misuse") == 0) {
		sqlite3_str_appendf(text, "%s: %lld connection%s to %lld host%s",
		    finding->detail, (long long)description->event_count,
		    description->event_count == 1 ? "" : "s",
		    (long long)description->destination_count,
		    description->destination_count == 1 ? "" : "s");
		if (strcmp(first, last) == 0)
			sqlite3_str_appendf(text, " at %s UTC", first);
		else
			sqlite3_str_appendf(text, " from %s to %s UTC", first, last);
		sqlite3_str_appendf(text, " (seen on %s).", description->seen_by);
		return sqlite3_str_finish(text);
	}
	/* The last time without its date when both fall on the same day. */
	sqlite3_str_appendf(text, "%s ", finding->source_ip);
	append_sweep(text, finding, description, options);
	sqlite3_str_appendf(text, " within %s (%s to %s UTC)", span, first,
	    strncmp(first, last, 11) == 0 ? last + 11 : last);
	append_actor(text, description);
	append_seen(text, description);
	sqlite3_str_appendf(text, ". %s", reference_sentence(finding->reference_rules));
	return sqlite3_str_finish(text);
}

/* Fill in a stored finding's description, sentence and evidence query. */
static int
describe_finding(const struct describer *describer,
    const struct detect_options *options, sqlite3_stmt *update, int64_t id,
    const struct finding *finding)
{
	struct description	 description;
	char			*summary = NULL, *query = NULL;
	int			 status = -1;

	memset(&description, 0, sizeof(description));
	if (describe_hosts(describer->hosts, id, &description) == -1 ||
	    describe_span(describer->span, id, &description) == -1)
		goto done;
	if (finding->user_name == NULL && describe_top(describer->top_user, id,
	    &description.user_name, &description.user_count) == -1)
		goto done;
	if (finding->application == NULL && describe_top(
	    describer->top_application, id, &description.application,
	    &description.application_count) == -1)
		goto done;
	summary = summary_sentence(finding, &description, options);
	query = sqlite3_mprintf("SELECT * FROM timeline WHERE network_event_id IN"
	    " (SELECT network_event_id FROM finding_evidence WHERE finding_id = %lld)",
	    (long long)id);
	if (summary == NULL || query == NULL)
		goto done;
	sqlite3_reset(update);
	sqlite3_clear_bindings(update);
	bind_text(update, 1, description.host);
	bind_text(update, 2, description.user_name);
	bind_text(update, 3, description.application);
	sqlite3_bind_int64(update, 4, description.event_count);
	bind_text(update, 5, description.first_time);
	bind_text(update, 6, description.last_time);
	bind_text(update, 7, summary);
	bind_text(update, 8, query);
	bind_text(update, 9, strcmp(finding->detector, "app_misuse") == 0 ?
	    NULL : description.seen_from);
	bind_text(update, 10, description.seen_by);
	sqlite3_bind_int64(update, 11, id);
	/* A sweep counts from its evidence: merged sweeps have no count of their own. */
	if (strcmp(finding->detector, "port_sweep") == 0)
		sqlite3_bind_int64(update, 12, description.port_count);
	else if (strcmp(finding->detector, "host_sweep") == 0)
		sqlite3_bind_int64(update, 12, description.destination_count);
	status = sqlite3_step(update) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(update);
done:
	sqlite3_free(summary);
	sqlite3_free(query);
	description_free(&description);
	return status;
}

int
findings_store(sqlite3 *db, const struct detect_options *options,
    struct finding_list *list)
{
	static const char	insert_sql[] =
	    "INSERT INTO findings (id, detector, severity, user_name, application,"
	    " source_ip, destination_ip, destination_port, distinct_count,"
	    " reference_rules, service, summary)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '')";
	static const char	evidence_sql[] =
	    "INSERT INTO finding_evidence (finding_id, network_event_id) VALUES (?1, ?2)";
	static const char	update_sql[] =
	    "UPDATE findings SET host = ?1, user_name = coalesce(user_name, ?2),"
	    " application = coalesce(application, ?3), event_count = ?4,"
	    " first_time = ?5, last_time = ?6, summary = ?7, query = ?8,"
	    " seen_from = ?9, seen_by = ?10,"
	    " distinct_count = coalesce(?12, distinct_count) WHERE id = ?11";
	sqlite3_stmt	*insert = NULL, *evidence = NULL, *update = NULL;
	struct describer describer = { NULL, NULL, NULL, NULL };
	size_t		 i;
	int		 status = -1;

	for (i = 0; i < list->count; i++)
		evidence_normalise(&list->items[i]);
	sort_array(list->items, list->count, sizeof(*list->items),
	    compare_findings);
	if (sqlite3_prepare_v2(db, insert_sql, -1, &insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, evidence_sql, -1, &evidence, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, update_sql, -1, &update, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, describe_hosts_sql, -1, &describer.hosts,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, describe_span_sql, -1, &describer.span,
	    NULL) != SQLITE_OK ||
	    prepare_top(db, "a.user_name", &describer.top_user) == -1 ||
	    prepare_top(db, "n.application_name", &describer.top_application) == -1)
		goto done;
	for (i = 0; i < list->count; i++)
		if (store_finding(db, insert, evidence, (int64_t)i + 1,
		    &list->items[i]) == -1 ||
		    describe_finding(&describer, options, update, (int64_t)i + 1,
		    &list->items[i]) == -1)
			goto done;
	status = 0;
done:
	sqlite3_finalize(insert);
	sqlite3_finalize(evidence);
	sqlite3_finalize(update);
	sqlite3_finalize(describer.hosts);
	sqlite3_finalize(describer.span);
	sqlite3_finalize(describer.top_user);
	sqlite3_finalize(describer.top_application);
	return status;
}

