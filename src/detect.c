/*
 * detect.c: run attribution and the detectors over a case, and store what
 * they find.
 *
 * Everything detect writes (attribution, findings, finding_evidence) is
 * derived from the ingested rows, so a run first deletes the previous run's
 * rows and writes the new ones inside one savepoint: a failed run leaves
 * the case as it was. Findings are sorted before they are numbered, so the
 * same case always gives the same findings with the same ids. Each stored
 * finding is then described from its evidence (which hosts logged it, which
 * user and application) and given a plain sentence and the SQL that lists
 * its evidence.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect.h"
#include "detector.h"
#include "util.h"

/* Lateral-movement ports watched by default: SSH, RPC, SMB, RDP, WinRM. */
static const int default_lateral_ports[] = { 22, 135, 139, 445, 3389, 5985, 5986 };

void
detect_error(char *error, size_t error_size, const char *fmt, ...)
{
	va_list	ap;

	if (error == NULL || error_size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(error, error_size, fmt, ap);
	va_end(ap);
}

char *
detect_strdup(const char *text, int *failed)
{
	char	*copy;

	if (text == NULL)
		return NULL;
	if ((copy = strdup(text)) == NULL)
		*failed = 1;
	return copy;
}

struct finding *
finding_add(struct finding_list *list, const char *detector)
{
	struct finding	*grown, *finding;

	if (list->count == list->alloc) {
		list->alloc = list->alloc == 0 ? 16 : list->alloc * 2;
		grown = realloc(list->items, list->alloc * sizeof(*list->items));
		if (grown == NULL)
			return NULL;
		list->items = grown;
	}
	finding = &list->items[list->count++];
	memset(finding, 0, sizeof(*finding));
	finding->detector = detector;
	finding->severity = "medium";
	finding->destination_port = -1;
	return finding;
}

int
finding_add_evidence(struct finding *finding, int64_t network_event_id)
{
	int64_t	*grown;

	if (finding->evidence_count == finding->evidence_alloc) {
		finding->evidence_alloc = finding->evidence_alloc == 0 ? 16 :
		    finding->evidence_alloc * 2;
		grown = realloc(finding->evidence,
		    finding->evidence_alloc * sizeof(*finding->evidence));
		if (grown == NULL)
			return -1;
		finding->evidence = grown;
	}
	finding->evidence[finding->evidence_count++] = network_event_id;
	return 0;
}

void
finding_list_free(struct finding_list *list)
{
	size_t		 i;
	struct finding	*finding;

	for (i = 0; i < list->count; i++) {
		finding = &list->items[i];
		free(finding->user_name);
		free(finding->application);
		free(finding->source_ip);
		free(finding->destination_ip);
		free(finding->service);
		free(finding->reference_rules);
		free(finding->detail);
		free(finding->evidence);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}

void
detect_options_init(struct detect_options *options)
{
	size_t	i;

	memset(options, 0, sizeof(*options));
	options->port_sweep = options->host_sweep = options->app_misuse = 1;
	options->port_sweep_ports = 15;
	options->port_sweep_window = 300;
	options->host_sweep_hosts = 25;
	options->host_sweep_window = 300;
	options->host_sweep_internal_only = 1;
	options->learning_days = 1;
	options->internal_hosts = 3;
	for (i = 0; i < sizeof(default_lateral_ports) / sizeof(default_lateral_ports[0]); i++)
		options->lateral_ports[options->lateral_port_count++] =
		    default_lateral_ports[i];
}

void
detect_options_free(struct detect_options *options)
{
	free(options->policy_path);
	options->policy_path = NULL;
}

/* A whole decimal number in [minimum, maximum], or -1 with error set. */
static int
parse_int(const char *name, const char *value, long minimum, long maximum,
    int *out, char *error, size_t error_size)
{
	char	*end;
	long	 number;

	errno = 0;
	number = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || number < minimum ||
	    number > maximum) {
		detect_error(error, error_size,
		    "%s: '%s' is not a number from %ld to %ld", name, value,
		    minimum, maximum);
		return -1;
	}
	*out = (int)number;
	return 0;
}

/* yes/no, true/false, on/off, 1/0. */
static int
parse_boolean(const char *name, const char *value, int *out, char *error,
    size_t error_size)
{
	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
	    strcasecmp(value, "on") == 0 || strcmp(value, "1") == 0)
		*out = 1;
	else if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0 ||
	    strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0)
		*out = 0;
	else {
		detect_error(error, error_size, "%s: '%s' is not yes or no",
		    name, value);
		return -1;
	}
	return 0;
}

/* A comma or space separated list of ports: the lateral-movement ports. */
static int
parse_ports(const char *name, const char *value, struct detect_options *options,
    char *error, size_t error_size)
{
	char	 copy[1024], *word, *rest;
	int	 port;

	if (strlen(value) >= sizeof(copy)) {
		detect_error(error, error_size, "%s: list too long", name);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", value);
	options->lateral_port_count = 0;
	for (word = strtok_r(copy, ", \t", &rest); word != NULL;
	    word = strtok_r(NULL, ", \t", &rest)) {
		if (parse_int(name, word, 1, 65535, &port, error, error_size) == -1)
			return -1;
		if (options->lateral_port_count == DETECT_MAX_LATERAL_PORTS) {
			detect_error(error, error_size, "%s: more than %d ports",
			    name, DETECT_MAX_LATERAL_PORTS);
			return -1;
		}
		options->lateral_ports[options->lateral_port_count++] = port;
	}
	return 0;
}

/* Which detectors run: "all", or a list of port_sweep, host_sweep, app_misuse. */
static int
parse_detectors(const char *name, const char *value,
    struct detect_options *options, char *error, size_t error_size)
{
	char	 copy[256], *word, *rest;

	if (strlen(value) >= sizeof(copy)) {
		detect_error(error, error_size, "%s: list too long", name);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s", value);
	options->port_sweep = options->host_sweep = options->app_misuse = 0;
	for (word = strtok_r(copy, ", \t", &rest); word != NULL;
	    word = strtok_r(NULL, ", \t", &rest)) {
		if (strcmp(word, "all") == 0)
			options->port_sweep = options->host_sweep =
			    options->app_misuse = 1;
		else if (strcmp(word, "port_sweep") == 0 || strcmp(word, "port-sweep") == 0)
			options->port_sweep = 1;
		else if (strcmp(word, "host_sweep") == 0 || strcmp(word, "host-sweep") == 0)
			options->host_sweep = 1;
		else if (strcmp(word, "app_misuse") == 0 || strcmp(word, "app-misuse") == 0)
			options->app_misuse = 1;
		else if (strcmp(word, "none") != 0) {
			detect_error(error, error_size, "%s: unknown detector '%s'"
			    " (port_sweep, host_sweep, app_misuse, all, none)",
			    name, word);
			return -1;
		}
	}
	return 0;
}

/* A number of days, fractions allowed: the learning period. */
static int
parse_days(const char *name, const char *value, double *out, char *error,
    size_t error_size)
{
	char	*end;
	double	 days;

	errno = 0;
	days = strtod(value, &end);
	if (errno != 0 || end == value || *end != '\0' || !(days >= 0) ||
	    days > 36500) {
		detect_error(error, error_size, "%s: '%s' is not a number of days",
		    name, value);
		return -1;
	}
	*out = days;
	return 0;
}

int
detect_option_set(struct detect_options *options, const char *name,
    const char *value, char *error, size_t error_size)
{
	if (strcmp(name, "port-sweep-ports") == 0)
		return parse_int(name, value, 2, 65536, &options->port_sweep_ports,
		    error, error_size);
	if (strcmp(name, "port-sweep-window") == 0)
		return parse_int(name, value, 1, 30 * 86400,
		    &options->port_sweep_window, error, error_size);
	if (strcmp(name, "host-sweep-hosts") == 0)
		return parse_int(name, value, 2, 10000000,
		    &options->host_sweep_hosts, error, error_size);
	if (strcmp(name, "host-sweep-window") == 0)
		return parse_int(name, value, 1, 30 * 86400,
		    &options->host_sweep_window, error, error_size);
	if (strcmp(name, "host-sweep-internal-only") == 0)
		return parse_boolean(name, value,
		    &options->host_sweep_internal_only, error, error_size);
	if (strcmp(name, "learning-days") == 0)
		return parse_days(name, value, &options->learning_days, error,
		    error_size);
	if (strcmp(name, "app-misuse-internal-hosts") == 0)
		return parse_int(name, value, 1, 10000000,
		    &options->internal_hosts, error, error_size);
	if (strcmp(name, "lateral-ports") == 0)
		return parse_ports(name, value, options, error, error_size);
	if (strcmp(name, "detectors") == 0)
		return parse_detectors(name, value, options, error, error_size);
	if (strcmp(name, "policy") == 0) {
		free(options->policy_path);
		options->policy_path = NULL;
		if (*value == '\0')
			return 0;
		if ((options->policy_path = strdup(value)) == NULL) {
			detect_error(error, error_size, "out of memory");
			return -1;
		}
		return 0;
	}
	detect_error(error, error_size, "unknown setting '%s'", name);
	return -1;
}

/* Strip leading and trailing blanks in place. */
static char *
trim(char *text)
{
	char	*end;

	while (*text == ' ' || *text == '\t')
		text++;
	end = text + strlen(text);
	while (end > text && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return text;
}

int
detect_config_load(struct detect_options *options, const char *path,
    char *error, size_t error_size)
{
	FILE	*file;
	char	 line[4096], message[512], *text, *equals, *hash;
	long	 number = 0;
	int	 status = 0;

	if ((file = fopen(path, "r")) == NULL) {
		detect_error(error, error_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (status == 0 && fgets(line, sizeof(line), file) != NULL) {
		number++;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		text = trim(line);
		if (*text == '\0')
			continue;
		if ((equals = strchr(text, '=')) == NULL) {
			detect_error(error, error_size,
			    "%s:%ld: expected 'key = value'", path, number);
			status = -1;
			break;
		}
		*equals = '\0';
		if (detect_option_set(options, trim(text), trim(equals + 1),
		    message, sizeof(message)) == -1) {
			detect_error(error, error_size, "%s:%ld: %s", path,
			    number, message);
			status = -1;
		}
	}
	if (status == 0 && ferror(file)) {
		detect_error(error, error_size, "%s: %s", path, strerror(errno));
		status = -1;
	}
	fclose(file);
	return status;
}

/* Run one SQL statement without results. */
static int
execute(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

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
	qsort(finding->evidence, finding->evidence_count,
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

/* Which hosts logged the evidence, and on which side of the traffic. */
static int
describe_hosts(sqlite3 *db, int64_t id, struct description *description)
{
	static const char	sql[] =
	    "SELECT n.host, max(n.direction = 'outbound'), max(n.direction IS NOT 'outbound')"
	    " FROM finding_evidence e JOIN network_events n ON n.id = e.network_event_id"
	    " WHERE e.finding_id = ?1 GROUP BY n.host ORDER BY n.host";
	sqlite3_stmt	*statement;
	const char	*host;
	int		 status, failed = 0, outbound_hosts = 0, hosts = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return -1;
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
	sqlite3_finalize(statement);
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
static int
describe_span(sqlite3 *db, int64_t id, struct description *description)
{
	static const char	sql[] =
	    "SELECT count(*), count(DISTINCT CASE WHEN n.direction = 'inbound'"
	    "  THEN n.local_ip ELSE n.remote_ip END),"
	    " (SELECT n2.time FROM finding_evidence e2 JOIN network_events n2"
	    "  ON n2.id = e2.network_event_id WHERE e2.finding_id = ?1"
	    "  ORDER BY n2.time_unix_us, n2.id LIMIT 1),"
	    " (SELECT n2.time FROM finding_evidence e2 JOIN network_events n2"
	    "  ON n2.id = e2.network_event_id WHERE e2.finding_id = ?1"
	    "  ORDER BY n2.time_unix_us DESC, n2.id DESC LIMIT 1),"
	    " min(n.time_unix_us), max(n.time_unix_us)"
	    " FROM finding_evidence e JOIN network_events n ON n.id = e.network_event_id"
	    " WHERE e.finding_id = ?1";
	sqlite3_stmt	*statement;
	int		 status, failed = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(statement, 1, id);
	if ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		description->event_count = sqlite3_column_int64(statement, 0);
		description->destination_count = sqlite3_column_int64(statement, 1);
		description->first_time = detect_strdup((const char *)
		    sqlite3_column_text(statement, 2), &failed);
		description->last_time = detect_strdup((const char *)
		    sqlite3_column_text(statement, 3), &failed);
		description->first_us = sqlite3_column_int64(statement, 4);
		description->last_us = sqlite3_column_int64(statement, 5);
		status = SQLITE_DONE;
	}
	sqlite3_finalize(statement);
	return status == SQLITE_DONE && !failed ? 0 : -1;
}

/*
 * The most frequent value of an expression over the source side's
 * evidence (outbound records, whose process is the source's), and how
 * many different values there are. Ties go to the smaller value.
 */
static int
describe_top(sqlite3 *db, int64_t id, const char *expression, char **top,
    int64_t *count)
{
	sqlite3_stmt	*statement;
	char		*sql;
	int		 status, failed = 0;

	sql = sqlite3_mprintf("SELECT value, count(*) OVER () FROM"
	    " (SELECT %s AS value, count(*) AS uses"
	    "  FROM finding_evidence e JOIN network_events n ON n.id = e.network_event_id"
	    "  LEFT JOIN attribution a ON a.network_event_id = n.id"
	    "  WHERE e.finding_id = ?1 AND n.direction = 'outbound' AND %s IS NOT NULL"
	    "  GROUP BY value) ORDER BY uses DESC, value LIMIT 1",
	    expression, expression);
	if (sql == NULL)
		return -1;
	status = sqlite3_prepare_v2(db, sql, -1, &statement, NULL);
	sqlite3_free(sql);
	if (status != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(statement, 1, id);
	if ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		*top = detect_strdup((const char *)sqlite3_column_text(statement, 0),
		    &failed);
		*count = sqlite3_column_int64(statement, 1);
		status = SQLITE_DONE;
	}
	sqlite3_finalize(statement);
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

/* The plain sentence of a finding. Returns sqlite3_malloc'd text or NULL. */
static char *
summary_sentence(const struct finding *finding,
    const struct description *description)
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
	sqlite3_str_appendf(text, "%s %s within %s (%s to %s UTC)",
	    finding->source_ip, finding->detail, span, first,
	    strncmp(first, last, 11) == 0 ? last + 11 : last);
	append_actor(text, description);
	append_seen(text, description);
	sqlite3_str_appendf(text, ". %s", reference_sentence(finding->reference_rules));
	return sqlite3_str_finish(text);
}

/* Fill in a stored finding's description, sentence and evidence query. */
static int
describe_finding(sqlite3 *db, sqlite3_stmt *update, int64_t id,
    const struct finding *finding)
{
	struct description	 description;
	char			*summary = NULL, *query = NULL;
	int			 status = -1;

	memset(&description, 0, sizeof(description));
	if (describe_hosts(db, id, &description) == -1 ||
	    describe_span(db, id, &description) == -1)
		goto done;
	if (finding->user_name == NULL && describe_top(db, id, "a.user_name",
	    &description.user_name, &description.user_count) == -1)
		goto done;
	if (finding->application == NULL && describe_top(db, id,
	    "n.application_name", &description.application,
	    &description.application_count) == -1)
		goto done;
	summary = summary_sentence(finding, &description);
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
	status = sqlite3_step(update) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(update);
done:
	sqlite3_free(summary);
	sqlite3_free(query);
	description_free(&description);
	return status;
}

/* Number, store and describe every finding, in their sorted order. */
static int
store_findings(sqlite3 *db, struct finding_list *list)
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
	    " seen_from = ?9, seen_by = ?10 WHERE id = ?11";
	sqlite3_stmt	*insert = NULL, *evidence = NULL, *update = NULL;
	size_t		 i;
	int		 status = -1;

	for (i = 0; i < list->count; i++)
		evidence_normalise(&list->items[i]);
	if (list->count > 1)
		qsort(list->items, list->count, sizeof(*list->items),
		    compare_findings);
	if (sqlite3_prepare_v2(db, insert_sql, -1, &insert, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, evidence_sql, -1, &evidence, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, update_sql, -1, &update, NULL) != SQLITE_OK)
		goto done;
	for (i = 0; i < list->count; i++)
		if (store_finding(db, insert, evidence, (int64_t)i + 1,
		    &list->items[i]) == -1 ||
		    describe_finding(db, update, (int64_t)i + 1,
		    &list->items[i]) == -1)
			goto done;
	status = 0;
done:
	sqlite3_finalize(insert);
	sqlite3_finalize(evidence);
	sqlite3_finalize(update);
	return status;
}

/* Delete the previous run, attribute, detect and store, inside the savepoint. */
static int
replace_all(sqlite3 *db, const struct detect_options *options,
    struct finding_list *list, char *error, size_t error_size)
{
	if (execute(db, "DELETE FROM finding_evidence; DELETE FROM findings;"
	    " DELETE FROM attribution") == -1) {
		detect_error(error, error_size, "clearing the last run: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (attribute_network_events(db, error, error_size) == -1)
		return -1;
	if (options->port_sweep &&
	    detect_port_sweeps(db, options, list, error, error_size) == -1)
		return -1;
	if (options->host_sweep &&
	    detect_host_sweeps(db, options, list, error, error_size) == -1)
		return -1;
	if (options->app_misuse &&
	    detect_app_misuse(db, options, list, error, error_size) == -1)
		return -1;
	if (store_findings(db, list) == -1) {
		detect_error(error, error_size, "storing findings: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* One integer from a query of one row. */
static int64_t
query_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*statement;
	int64_t		 count = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(statement) == SQLITE_ROW)
		count = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	return count;
}

/* Count what the run produced. */
static void
fill_result(sqlite3 *db, struct detect_result *result)
{
	result->network_events = query_count(db,
	    "SELECT count(*) FROM network_events");
	result->attributed = query_count(db,
	    "SELECT count(*) FROM attribution WHERE user_name IS NOT NULL");
	result->findings = query_count(db, "SELECT count(*) FROM findings");
	result->port_sweeps = query_count(db,
	    "SELECT count(*) FROM findings WHERE detector = 'port_sweep'");
	result->host_sweeps = query_count(db,
	    "SELECT count(*) FROM findings WHERE detector = 'host_sweep'");
	result->app_misuses = query_count(db,
	    "SELECT count(*) FROM findings WHERE detector = 'app_misuse'");
}

/* Print a text column that may hold log strings, escaped, or '-'. */
static void
print_column(sqlite3_stmt *statement, int column, FILE *out)
{
	const char	*text = (const char *)sqlite3_column_text(statement, column);

	fputs_safe(text == NULL || *text == '\0' ? "-" : text, out);
}

/* One line per stored finding (unless totals_only), then the totals. */
static void
print_findings(sqlite3 *db, FILE *out, const struct detect_result *result,
    int totals_only)
{
	static const char	sql[] =
	    "SELECT id, severity, detector, host, summary, event_count"
	    " FROM findings ORDER BY id";
	sqlite3_stmt	*statement;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return;
	while (!totals_only && sqlite3_step(statement) == SQLITE_ROW) {
		fprintf(out, "#%lld %s %s ", (long long)sqlite3_column_int64(statement, 0),
		    sqlite3_column_text(statement, 1), sqlite3_column_text(statement, 2));
		print_column(statement, 3, out);
		fputs(": ", out);
		print_column(statement, 4, out);
		fprintf(out, " [%lld evidence event%s]\n",
		    (long long)sqlite3_column_int64(statement, 5),
		    sqlite3_column_int64(statement, 5) == 1 ? "" : "s");
	}
	sqlite3_finalize(statement);
	fprintf(out, "%lld finding%s (%lld port sweep%s, %lld host sweep%s, %lld"
	    " application misuse); %lld of %lld network events attributed to a user.\n",
	    (long long)result->findings, result->findings == 1 ? "" : "s",
	    (long long)result->port_sweeps, result->port_sweeps == 1 ? "" : "s",
	    (long long)result->host_sweeps, result->host_sweeps == 1 ? "" : "s",
	    (long long)result->app_misuses,
	    (long long)result->attributed, (long long)result->network_events);
}

/*
 * Cases written before a findings column existed get it added, so detect
 * can run on any case; the schema itself only creates missing tables.
 */
static int
upgrade_findings(sqlite3 *db)
{
	static const char	*columns[][2] = {
		{ "reference_rules", "TEXT" }, { "seen_from", "TEXT" },
		{ "seen_by", "TEXT" }, { "service", "TEXT" },
	};
	sqlite3_stmt		*statement;
	char			*sql;
	size_t			 i;
	int			 present, status = 0;

	for (i = 0; i < sizeof(columns) / sizeof(columns[0]) && status == 0; i++) {
		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM"
		    " pragma_table_info('findings') WHERE name = ?1", -1,
		    &statement, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(statement, 1, columns[i][0], -1, SQLITE_STATIC);
		present = sqlite3_step(statement) == SQLITE_ROW &&
		    sqlite3_column_int(statement, 0) > 0;
		sqlite3_finalize(statement);
		if (present)
			continue;
		sql = sqlite3_mprintf("ALTER TABLE findings ADD COLUMN %s %s",
		    columns[i][0], columns[i][1]);
		status = sql == NULL ? -1 : execute(db, sql);
		sqlite3_free(sql);
	}
	return status;
}

int
detect_run(sqlite3 *db, const struct detect_options *options, FILE *out,
    struct detect_result *result, char *error, size_t error_size)
{
	struct finding_list	list;
	struct detect_result	counts;
	int			status;

	memset(&list, 0, sizeof(list));
	if (address_register_sql(db) == -1 ||
	    execute(db, "SAVEPOINT wfpsift_detect") == -1) {
		detect_error(error, error_size, "%s", sqlite3_errmsg(db));
		return -1;
	}
	status = upgrade_findings(db);
	if (status == -1)
		detect_error(error, error_size, "adding findings columns: %s",
		    sqlite3_errmsg(db));
	else
		status = replace_all(db, options, &list, error, error_size);
	finding_list_free(&list);
	if (status == 0 && execute(db, "RELEASE wfpsift_detect") == -1) {
		detect_error(error, error_size, "committing: %s", sqlite3_errmsg(db));
		status = -1;
	}
	if (status == -1) {
		execute(db, "ROLLBACK TO wfpsift_detect");
		execute(db, "RELEASE wfpsift_detect");
		return -1;
	}
	fill_result(db, &counts);
	if (result != NULL)
		*result = counts;
	if (out != NULL)
		print_findings(db, out, &counts, options->quiet);
	return 0;
}
