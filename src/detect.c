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

int
finding_take_run(struct finding *finding, const struct window_event *events,
    const struct window_run *run)
{
	size_t	i;

	finding->first_us = events[run->first].time_us;
	finding->last_us = events[run->last].time_us;
	for (i = run->first; i <= run->last; i++)
		if (finding_add_evidence(finding, events[i].id) == -1)
			return -1;
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

int
flows_prepare(sqlite3 *db)
{
	static const char	sql[] =
	    "DROP VIEW IF EXISTS temp.detect_flows;"
	    "DROP TABLE IF EXISTS temp.detect_host_addresses;"
	    "CREATE TEMP TABLE detect_host_addresses (host TEXT, ip TEXT,"
	    " PRIMARY KEY (host, ip)) WITHOUT ROWID;"
	    "CREATE TEMP VIEW detect_flows AS"
	    " SELECT id, host, time_unix_us, protocol, action, outbound,"
	    "  CASE WHEN outbound OR swapped THEN local_ip ELSE remote_ip END AS source,"
	    "  CASE WHEN outbound OR swapped THEN remote_ip ELSE local_ip END AS destination,"
	    "  CASE WHEN outbound OR swapped THEN remote_port ELSE local_port END AS port"
	    " FROM (SELECT n.id, n.host, n.time_unix_us, n.protocol, n.action,"
	    "  n.local_ip, n.local_port, n.remote_ip, n.remote_port,"
	    "  n.direction = 'outbound' AS outbound,"
	    "  n.direction = 'inbound' AND NOT EXISTS (SELECT 1 FROM"
	    "   temp.detect_host_addresses h WHERE h.host = n.host AND h.ip = n.local_ip)"
	    "  AND EXISTS (SELECT 1 FROM temp.detect_host_addresses h"
	    "   WHERE h.host = n.host AND h.ip = n.remote_ip) AS swapped"
	    "  FROM network_events n WHERE n.direction IN ('inbound', 'outbound'));";

	return execute(db, sql);
}

/* Merge one sweep detector's overlapping findings; say so when memory runs out. */
static int
merge_or_fail(struct finding_list *list, size_t first, int window,
    char *error, size_t error_size)
{
	if (findings_merge_sweeps(list, first, (int64_t)window * 1000000) == 0)
		return 0;
	detect_error(error, error_size, "merging sweeps: out of memory");
	return -1;
}

/* Both sweep detectors, from the flows gathered in attribution's pass. */
static int
detect_sweeps(sqlite3 *db, struct sweep_flows *flows,
    const struct detect_options *options, struct finding_list *list,
    char *error, size_t error_size)
{
	size_t	first;

	if (sweep_flows_finish(db, flows, error, error_size) == -1)
		return -1;
	first = list->count;
	if (options->port_sweep &&
	    (detect_port_sweeps(flows, options, list, error, error_size) == -1 ||
	    merge_or_fail(list, first, options->port_sweep_window, error,
	    error_size) == -1))
		return -1;
	first = list->count;
	if (options->host_sweep &&
	    (detect_host_sweeps(flows, options, list, error, error_size) == -1 ||
	    merge_or_fail(list, first, options->host_sweep_window, error,
	    error_size) == -1))
		return -1;
	return 0;
}

/*
 * Attribute, and gather what the detectors read, in one pass over
 * network_events; then detect. The readers of the enabled detectors are
 * made first, so that a detector that cannot start stops the run before
 * the pass.
 */
static int
attribute_and_detect(sqlite3 *db, const struct detect_options *options,
    struct finding_list *list, char *error, size_t error_size)
{
	struct sweep_flows	*flows = NULL;
	struct app_misuse	*misuse = NULL;
	struct network_reader	 readers[2];
	size_t			 count = 0;
	int			 status = -1;

	if ((options->port_sweep || options->host_sweep) &&
	    sweep_flows_begin(db, options, &flows, error, error_size) == -1)
		goto done;
	if (flows != NULL)
		sweep_flows_reader(flows, &readers[count++]);
	if (options->app_misuse &&
	    app_misuse_begin(db, options, &misuse, error, error_size) == -1)
		goto done;
	if (misuse != NULL)
		app_misuse_reader(misuse, &readers[count++]);
	if (attribute_network_events(db, readers, count, error, error_size) == -1)
		goto done;
	if (flows != NULL &&
	    detect_sweeps(db, flows, options, list, error, error_size) == -1)
		goto done;
	if (misuse != NULL &&
	    app_misuse_finish(db, misuse, list, error, error_size) == -1)
		goto done;
	status = 0;
done:
	sweep_flows_free(flows);
	app_misuse_free(misuse);
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
	if (flows_prepare(db) == -1) {
		detect_error(error, error_size, "preparing flows: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (attribute_and_detect(db, options, list, error, error_size) == -1)
		return -1;
	if (findings_store(db, options, list) == -1) {
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
 * Turn foreign key checks off for the run when they are on and no
 * transaction is open (the pragma does nothing inside one). Every row
 * detect writes points at rows it has just read in the same transaction,
 * so the checks can never fail; they cost three lookups per attribution
 * row, and they make DELETE FROM attribution go row by row. Returns 1
 * when they were turned off (restore_foreign_keys turns them back on).
 */
static int
suspend_foreign_keys(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db) ||
	    query_count(db, "PRAGMA foreign_keys") == 0)
		return 0;
	return execute(db, "PRAGMA foreign_keys = OFF") == 0;
}

static void
restore_foreign_keys(sqlite3 *db, int suspended)
{
	if (suspended)
		execute(db, "PRAGMA foreign_keys = ON");
}

/* The run itself, inside a savepoint. */
static int
run_in_savepoint(sqlite3 *db, const struct detect_options *options,
    char *error, size_t error_size)
{
	struct finding_list	list;
	int			status;

	memset(&list, 0, sizeof(list));
	if (execute(db, "SAVEPOINT wfpsift_detect") == -1) {
		detect_error(error, error_size, "%s", sqlite3_errmsg(db));
		return -1;
	}
	status = replace_all(db, options, &list, error, error_size);
	finding_list_free(&list);
	if (status == 0 && execute(db, "RELEASE wfpsift_detect") == -1) {
		detect_error(error, error_size, "committing: %s", sqlite3_errmsg(db));
		status = -1;
	}
	if (status == -1) {
		execute(db, "ROLLBACK TO wfpsift_detect");
		execute(db, "RELEASE wfpsift_detect");
	}
	return status;
}

int
detect_run(sqlite3 *db, const struct detect_options *options, FILE *out,
    struct detect_result *result, char *error, size_t error_size)
{
	struct detect_result	counts;
	int			status, suspended;

	if (address_register_sql(db) == -1) {
		detect_error(error, error_size, "%s", sqlite3_errmsg(db));
		return -1;
	}
	suspended = suspend_foreign_keys(db);
	status = run_in_savepoint(db, options, error, error_size);
	restore_foreign_keys(db, suspended);
	if (status == -1)
		return -1;
	fill_result(db, &counts);
	if (result != NULL)
		*result = counts;
	if (out != NULL)
		print_findings(db, out, &counts, options->quiet);
	return 0;
}
