/*
 * detect-app-misuse.c: users running applications that make connections
 * they have no business making.
 *
 * Only attributed outbound connections count (WFP gives no user: see
 * attribute.c). A connection is watched when it goes to a lateral-movement
 * port (22, 135, 139, 445, 3389, 5985, 5986 by default) or to an internal
 * host; its kind is the service of the lateral port ("smb", "winrm", ...)
 * or "internal". The unit is (user, application, kind): the help-desk
 * operator's PowerShell talking WinRM.
 *
 * Two sources of truth. With a policy file (detect-policy.c), every
 * watched connection no allow line covers is flagged. Without one, the
 * case's own history is the policy: the learning period (the first
 * learning_days of network data, case-wide) builds each user's baseline
 * across all hosts and is never flagged; after it, a (user, application,
 * kind) the baseline lacks is flagged: one connection is enough on a
 * lateral-movement port, internal_hosts distinct hosts on other ports. A
 * user who used the application that way in the learning period is not
 * flagged, however often they use it. When no other user in the case uses
 * the application for that kind of connection the severity goes up one
 * step; rarity never hides a finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detector.h"
#include "text-table.h"
#include "util.h"

/* What one user did with one application for one kind of connection. */
struct usage {
	char	*user_key;		/* lower-case user name: groups rows */
	char	*user_name;		/* as attributed */
	char	*user_sid;
	char	*application_key;	/* path after the volume, or the name */
	char	*application_name;
	char	 kind[24];
	int	 lateral;
	int	 baseline;		/* used during the learning period */
	int64_t	*ids;			/* flagged connections */
	size_t	 id_count, id_alloc;
	char	**hosts;		/* their remote addresses */
	int64_t	 port;			/* their one port, or -1 for several */
	int64_t	 first_us;		/* time of the first flagged connection */
	int64_t	 earliest_us, earliest_id;	/* its first connection of all */
	uint32_t next_in_group;		/* the group's next usage + 1, or 0 */
};

struct app_misuse {
	const struct detect_options	*options;
	struct policy			*policy;
	int64_t				 learning_end_us;
	struct usage			*usages;
	size_t				 usage_count, usage_alloc;
	struct text_table		 keys;		/* user and application keys */
	struct pair_map			 groups;	/* (user, application) -> first usage + 1 */
	char				*user_key;	/* the current row's, reused */
	size_t				 user_key_size;
	int				 failed;
};

/* One attributed, watched connection, as misuse_row() reads it. */
struct connection {
	int64_t		 id;
	int64_t		 time_us;
	const char	*user_key;
	const char	*user_name;
	const char	*user_sid;
	const char	*application_key;
	const char	*application_path;
	const char	*application_name;
	const char	*remote_ip;
	int		 remote_port;
	int		 protocol;
};

static void
usage_free(struct usage *usage)
{
	size_t	i;

	free(usage->user_key);
	free(usage->user_name);
	free(usage->user_sid);
	free(usage->application_key);
	free(usage->application_name);
	free(usage->ids);
	for (i = 0; i < usage->id_count; i++)
		free(usage->hosts[i]);
	free(usage->hosts);
}

/*
 * The kind of a connection: the lateral service ("smb", "port 2222"), or
 * "internal", or NULL when it is not watched.
 */
static const char *
connection_kind(const struct detect_options *options,
    const struct connection *connection, char *buffer, size_t size, int *lateral)
{
	const char	*service;

	*lateral = 0;
	if ((connection->protocol == 6 || connection->protocol == 17) &&
	    connection->remote_port > 0 &&
	    port_is_lateral(options, connection->remote_port)) {
		*lateral = 1;
		if ((service = port_service(connection->remote_port)) != NULL)
			return service;
		snprintf(buffer, size, "port %d", connection->remote_port);
		return buffer;
	}
	return address_is_internal(connection->remote_ip) ? "internal" : NULL;
}

/*
 * The usage of the connection's (user, application) for kind, made if
 * new. The usages of one (user, application) are a chain from the groups
 * map; each keeps the names of its earliest connection (by time, then
 * id), the one a walk in time order would have met first.
 */
static struct usage *
find_usage(struct app_misuse *state, const struct connection *connection,
    const char *kind, int lateral)
{
	struct usage	*usage;
	uint32_t	 user, application, *first, *link;
	int		 added;

	user = text_intern(&state->keys, (const unsigned char *)connection->user_key,
	    (int)strlen(connection->user_key), &state->failed);
	application = text_intern(&state->keys,
	    (const unsigned char *)connection->application_key,
	    (int)strlen(connection->application_key), &state->failed);
	if (state->failed || (first = pair_map_put(&state->groups,
	    pair(user, application), 0, &added)) == NULL) {
		state->failed = 1;
		return NULL;
	}
	for (link = first; *link != 0; link = &usage->next_in_group) {
		usage = &state->usages[*link - 1];
		if (strcmp(usage->kind, kind) == 0)
			return usage;
	}
	if (array_reserve(&state->usages, state->usage_count,
	    &state->usage_alloc, sizeof(*state->usages)) == -1) {
		state->failed = 1;
		return NULL;
	}
	/* The chain's end may have moved with the array: find it again. */
	for (link = first; *link != 0; link = &state->usages[*link - 1].next_in_group)
		;
	usage = &state->usages[state->usage_count++];
	*link = (uint32_t)state->usage_count;
	memset(usage, 0, sizeof(*usage));
	usage->user_key = detect_strdup(connection->user_key, &state->failed);
	usage->application_key = detect_strdup(connection->application_key,
	    &state->failed);
	snprintf(usage->kind, sizeof(usage->kind), "%s", kind);
	usage->lateral = lateral;
	usage->port = -2;	/* no flagged connection yet */
	usage->earliest_us = INT64_MAX;
	return state->failed ? NULL : usage;
}

/* Take the names of connection when it is the usage's earliest yet. 0 or -1. */
static int
note_earliest(struct usage *usage, const struct connection *connection)
{
	int	failed = 0;

	if (connection->time_us > usage->earliest_us ||
	    (connection->time_us == usage->earliest_us &&
	    connection->id > usage->earliest_id))
		return 0;
	usage->earliest_us = connection->time_us;
	usage->earliest_id = connection->id;
	free(usage->user_name);
	free(usage->user_sid);
	free(usage->application_name);
	usage->user_name = detect_strdup(connection->user_name, &failed);
	usage->user_sid = detect_strdup(connection->user_sid, &failed);
	usage->application_name = detect_strdup(connection->application_name,
	    &failed);
	return failed ? -1 : 0;
}

/* Forget a usage's flagged connections: it turned out to be in the baseline. */
static void
usage_unflag(struct usage *usage)
{
	size_t	i;

	for (i = 0; i < usage->id_count; i++)
		free(usage->hosts[i]);
	usage->id_count = 0;
	usage->port = -2;
}

/* Add a flagged connection to a usage. */
static int
usage_flag(struct usage *usage, const struct connection *connection)
{
	int64_t	 *ids;
	char	**hosts;
	int	  failed = 0;

	if (usage->id_count == usage->id_alloc) {
		usage->id_alloc = usage->id_alloc == 0 ? 8 : usage->id_alloc * 2;
		ids = realloc(usage->ids, usage->id_alloc * sizeof(*ids));
		if (ids != NULL)
			usage->ids = ids;
		hosts = realloc(usage->hosts, usage->id_alloc * sizeof(*hosts));
		if (hosts != NULL)
			usage->hosts = hosts;
		if (ids == NULL || hosts == NULL)
			return -1;
	}
	usage->hosts[usage->id_count] = detect_strdup(connection->remote_ip, &failed);
	usage->ids[usage->id_count++] = connection->id;
	if (usage->port == -2) {
		usage->port = connection->remote_port;
		usage->first_us = connection->time_us;
		return failed ? -1 : 0;
	}
	if (usage->port != connection->remote_port)
		usage->port = -1;
	if (connection->time_us < usage->first_us)
		usage->first_us = connection->time_us;
	return failed ? -1 : 0;
}

/* Decide one connection: baseline, allowed, ignored or flagged. */
static int
consider(struct app_misuse *state, const struct connection *connection)
{
	struct usage	*usage;
	const char	*kind;
	char		 buffer[24];
	int		 lateral;

	kind = connection_kind(state->options, connection, buffer,
	    sizeof(buffer), &lateral);
	if (kind == NULL)
		return 0;
	if ((usage = find_usage(state, connection, kind, lateral)) == NULL ||
	    note_earliest(usage, connection) == -1)
		return -1;
	if (state->policy != NULL) {
		if (policy_allows(state->policy, connection->user_name,
		    connection->user_sid, connection->application_path,
		    connection->application_name, kind, lateral,
		    connection->remote_port))
			return 0;
	} else if (connection->time_us < state->learning_end_us) {
		/* Flagged before its learning-period use was met: not after all. */
		if (!usage->baseline)
			usage_unflag(usage);
		usage->baseline = 1;
		return 0;
	} else if (usage->baseline)
		return 0;
	return usage_flag(usage, connection);
}

/*
 * The columns application misuse reads of every network event, in
 * attribution's pass (attribute.c); MISUSE_* count from the first.
 */
static const char misuse_columns[] =
    "id, time_unix_us, application_path, application_name, remote_ip,"
    " remote_port, protocol, direction, action";

enum misuse_column {
	MISUSE_ID, MISUSE_TIME, MISUSE_APPLICATION_PATH, MISUSE_APPLICATION_NAME,
	MISUSE_REMOTE_IP, MISUSE_REMOTE_PORT, MISUSE_PROTOCOL, MISUSE_DIRECTION,
	MISUSE_ACTION, MISUSE_COLUMNS
};

/* A stored integer (not a text or real that reads as one), or -1. */
static int64_t
stored_integer(sqlite3_stmt *statement, int column)
{
	if (sqlite3_column_type(statement, column) != SQLITE_INTEGER)
		return -1;
	return sqlite3_column_int64(statement, column);
}

/*
 * A connection application misuse watches, as SQL would say it: outbound,
 * an action that is a connection attempt, a time, and a peer that is
 * internal (private or link-local) or public on a lateral-movement TCP or
 * UDP port. The user is attribution's, checked by the caller.
 */
static int
row_is_watched(const struct detect_options *options, sqlite3_stmt *statement,
    int first)
{
	static const char *const actions[] = { "allowed", "blocked", "dropped",
	    "connection", NULL };
	const char	*scope;
	int64_t		 protocol, port;

	if (!pass_column_is(statement, first + MISUSE_DIRECTION, "outbound") ||
	    !pass_column_in(statement, first + MISUSE_ACTION, actions) ||
	    sqlite3_column_type(statement, first + MISUSE_TIME) == SQLITE_NULL)
		return 0;
	protocol = stored_integer(statement, first + MISUSE_PROTOCOL);
	port = stored_integer(statement, first + MISUSE_REMOTE_PORT);
	scope = address_scope((const char *)sqlite3_column_text(statement,
	    first + MISUSE_REMOTE_IP));
	if (scope == NULL)
		return 0;
	if (strcmp(scope, "public") == 0)
		return (protocol == 6 || protocol == 17) && port > 0 &&
		    port <= 65535 && port_is_lateral(options, (int)port);
	return strcmp(scope, "private") == 0 || strcmp(scope, "link_local") == 0;
}

/*
 * The user's key: the name in lower case, ASCII letters only, as SQL's
 * lower() without ICU (Debian's SQLite) groups names.
 */
static const char *
user_key_of(struct app_misuse *state, const char *user_name)
{
	size_t	size = strlen(user_name) + 1, i;
	char	*grown;

	if (size > state->user_key_size) {
		if ((grown = realloc(state->user_key, size)) == NULL)
			return NULL;
		state->user_key = grown;
		state->user_key_size = size;
	}
	for (i = 0; i < size; i++)
		state->user_key[i] = user_name[i] >= 'A' && user_name[i] <= 'Z' ?
		    (char)(user_name[i] - 'A' + 'a') : user_name[i];
	return state->user_key;
}

/* The current row, watched and attributed, as a connection. */
static void
read_connection(sqlite3_stmt *statement, int first, struct connection *connection)
{
	connection->id = sqlite3_column_int64(statement, first + MISUSE_ID);
	connection->time_us = sqlite3_column_int64(statement, first + MISUSE_TIME);
	connection->application_path = (const char *)sqlite3_column_text(statement,
	    first + MISUSE_APPLICATION_PATH);
	connection->application_name = (const char *)sqlite3_column_text(statement,
	    first + MISUSE_APPLICATION_NAME);
	connection->application_key = connection->application_path != NULL ?
	    connection->application_path : connection->application_name != NULL ?
	    connection->application_name : "";
	connection->remote_ip = (const char *)sqlite3_column_text(statement,
	    first + MISUSE_REMOTE_IP);
	connection->remote_port = sqlite3_column_type(statement,
	    first + MISUSE_REMOTE_PORT) == SQLITE_NULL ? -1 :
	    sqlite3_column_int(statement, first + MISUSE_REMOTE_PORT);
	connection->protocol = sqlite3_column_int(statement, first + MISUSE_PROTOCOL);
}

/*
 * One network event of attribution's pass (a network_reader's row). The
 * rows come in id order, but no usage's state depends on the order (its
 * flags are dropped if a learning-period connection turns up later; its
 * names are its earliest connection's): the usages are put in the order
 * of a walk by user, application and time afterwards (compare_usages).
 */
static int
misuse_row(void *state_pointer, sqlite3_stmt *statement, int first,
    const char *user_name, const char *user_sid, char *error,
    size_t error_size)
{
	struct app_misuse	*state = state_pointer;
	struct connection	 connection;

	if (user_name == NULL || !row_is_watched(state->options, statement, first))
		return 0;
	read_connection(statement, first, &connection);
	connection.user_name = user_name;
	connection.user_sid = user_sid;
	if ((connection.user_key = user_key_of(state, user_name)) == NULL ||
	    consider(state, &connection) == -1) {
		state->failed = 1;
		detect_error(error, error_size, "application misuse: out of memory");
		return -1;
	}
	return 0;
}

/*
 * Usages as a walk by user key, application key and time meets them:
 * (user, application) in SQL's binary text order, and the usages of one
 * by their earliest connection.
 */
static int
compare_usages(const void *left, const void *right)
{
	const struct usage	*a = left, *b = right;
	int			 order;

	if ((order = strcmp(a->user_key, b->user_key)) != 0 ||
	    (order = strcmp(a->application_key, b->application_key)) != 0)
		return order;
	if (a->earliest_us != b->earliest_us)
		return a->earliest_us < b->earliest_us ? -1 : 1;
	return (a->earliest_id > b->earliest_id) - (a->earliest_id < b->earliest_id);
}

static int
compare_strings(const void *left, const void *right)
{
	return strcmp(*(char *const *)left, *(char *const *)right);
}

/* Distinct remote hosts of a usage's flagged connections. */
static size_t
distinct_hosts(struct usage *usage, const char **single)
{
	size_t	i, distinct = 0;

	sort_array(usage->hosts, usage->id_count, sizeof(*usage->hosts),
	    compare_strings);
	for (i = 0; i < usage->id_count; i++)
		if (i == 0 || strcmp(usage->hosts[i], usage->hosts[i - 1]) != 0)
			distinct++;
	*single = distinct == 1 ? usage->hosts[0] : NULL;
	return distinct;
}

/* How many other users use the application for the same kind. */
static size_t
other_users(const struct app_misuse *state, const struct usage *usage)
{
	size_t	i, count = 0;

	for (i = 0; i < state->usage_count; i++)
		if (strcmp(state->usages[i].user_key, usage->user_key) != 0 &&
		    strcmp(state->usages[i].application_key, usage->application_key) == 0 &&
		    strcmp(state->usages[i].kind, usage->kind) == 0)
			count++;
	return count;
}

/* Severity: the base for the kind and source of truth, one step up when rare. */
static const char *
severity(const struct app_misuse *state, const struct usage *usage, int rare)
{
	static const char	*levels[] = { "low", "medium", "high", "critical" };
	int			 level;

	level = usage->lateral ? 1 : 0;
	if (state->policy != NULL)
		level++;
	return levels[level + (rare ? 1 : 0)];
}

/* The sentence's first half: who used what for what, and why it stands out. */
static char *
usage_detail(const struct app_misuse *state, const struct usage *usage,
    size_t others)
{
	sqlite3_str	*text = sqlite3_str_new(NULL);
	char		 learning_end[32];
	time_t		 seconds = (time_t)(state->learning_end_us / 1000000);
	struct tm	 tm;
	char		*detail, *copy;

	sqlite3_str_appendf(text, "%s used %s", usage->user_name,
	    usage->application_name != NULL ? usage->application_name :
	    "an unnamed application");
	if (usage->application_key != NULL && strchr(usage->application_key, '\\'))
		sqlite3_str_appendf(text, " (%s)", usage->application_key);
	if (usage->lateral)
		sqlite3_str_appendf(text, " for %s, a lateral-movement service,", usage->kind);
	else
		sqlite3_str_appendf(text, " for connections to internal hosts");
	if (state->policy != NULL)
		sqlite3_str_appendf(text, " which the policy does not allow");
	else {
		gmtime_r(&seconds, &tm);
		strftime(learning_end, sizeof(learning_end), "%Y-%m-%d %H:%M:%S", &tm);
		sqlite3_str_appendf(text, " for the first time after the learning"
		    " period (which ended %s UTC)", learning_end);
	}
	if (others == 0)
		sqlite3_str_appendf(text, "; no other user in the case uses it this way");
	else
		sqlite3_str_appendf(text, "; %lld other user%s in the case use%s it"
		    " this way", (long long)others, others == 1 ? "" : "s",
		    others == 1 ? "s" : "");
	detail = sqlite3_str_finish(text);
	if (detail == NULL)
		return NULL;
	copy = strdup(detail);
	sqlite3_free(detail);
	return copy;
}

/* A flagged usage that passes its threshold becomes a finding. */
static int
add_finding(struct app_misuse *state, struct finding_list *list,
    struct usage *usage)
{
	struct finding	*finding;
	const char	*single;
	size_t		 hosts, others, i;
	int		 failed = 0;

	hosts = distinct_hosts(usage, &single);
	if (state->policy == NULL && !usage->lateral &&
	    hosts < (size_t)state->options->internal_hosts)
		return 0;
	others = other_users(state, usage);
	if ((finding = finding_add(list, "app_misuse")) == NULL)
		return -1;
	finding->severity = severity(state, usage, others == 0);
	finding->rare = others == 0;
	finding->user_name = detect_strdup(usage->user_name, &failed);
	finding->application = detect_strdup(usage->application_name, &failed);
	finding->destination_ip = detect_strdup(single, &failed);
	finding->destination_port = usage->port >= 0 ? usage->port : -1;
	finding->service = detect_strdup(usage->kind, &failed);
	finding->distinct_count = (int64_t)hosts;
	finding->detail = usage_detail(state, usage, others);
	for (i = 0; i < usage->id_count && !failed; i++)
		if (finding_add_evidence(finding, usage->ids[i]) == -1)
			failed = 1;
	finding->first_us = usage->first_us;
	return failed || finding->detail == NULL ? -1 : 0;
}

/* The start of the learning period: the first network event of the case. */
static int
learning_end(sqlite3 *db, const struct detect_options *options, int64_t *end)
{
	sqlite3_stmt	*statement;
	int64_t		 start = 0;
	int		 status;

	if (sqlite3_prepare_v2(db, "SELECT min(time_unix_us) FROM network_events",
	    -1, &statement, NULL) != SQLITE_OK)
		return -1;
	status = sqlite3_step(statement);
	if (status == SQLITE_ROW)
		start = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	*end = start + (int64_t)(options->learning_days * 86400.0 * 1000000.0);
	return status == SQLITE_ROW ? 0 : -1;
}

int
app_misuse_begin(sqlite3 *db, const struct detect_options *options,
    struct app_misuse **out, char *error, size_t error_size)
{
	struct app_misuse	*state;

	if ((*out = state = calloc(1, sizeof(*state))) == NULL) {
		detect_error(error, error_size, "application misuse: out of memory");
		return -1;
	}
	state->options = options;
	if (options->policy_path != NULL &&
	    policy_load(options->policy_path, &state->policy, error,
	    error_size) == -1)
		return -1;
	if (learning_end(db, options, &state->learning_end_us) == -1) {
		detect_error(error, error_size, "application misuse: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

void
app_misuse_reader(struct app_misuse *state, struct network_reader *reader)
{
	reader->columns.names = misuse_columns;
	reader->columns.count = MISUSE_COLUMNS;
	reader->row = misuse_row;
	reader->state = state;
}

int
app_misuse_finish(sqlite3 *db, struct app_misuse *state,
    struct finding_list *list, char *error, size_t error_size)
{
	size_t	i;

	sort_array(state->usages, state->usage_count, sizeof(*state->usages),
	    compare_usages);
	for (i = 0; i < state->usage_count; i++)
		if (state->usages[i].id_count > 0 &&
		    add_finding(state, list, &state->usages[i]) == -1) {
			detect_error(error, error_size, "application misuse: %s",
			    state->failed ? "out of memory" : sqlite3_errmsg(db));
			return -1;
		}
	return 0;
}

void
app_misuse_free(struct app_misuse *state)
{
	size_t	i;

	if (state == NULL)
		return;
	for (i = 0; i < state->usage_count; i++)
		usage_free(&state->usages[i]);
	free(state->usages);
	free(state->user_key);
	text_table_free(&state->keys);
	pair_map_free(&state->groups);
	policy_free(state->policy);
	free(state);
}
