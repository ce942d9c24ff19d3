/*
 * attribute.c: which process, and so which user, made each network event.
 *
 * WFP records name a PID and an application but no user. The process that
 * made one is the latest process creation (4688 or Sysmon 1) on the same
 * host with the same PID at or before the record, with no exit (4689 or
 * Sysmon 5) in between, whose image is the record's application. PIDs are
 * reused within minutes, and a wrong user is worse than none, so every
 * doubt leaves the record unattributed with the reason: no creation seen,
 * the process had exited, the image differs, or two creations claim the PID.
 * Sysmon 3 records match Sysmon 1 by ProcessGuid first and carry their own
 * user as a last resort. The user's logon (4624) comes through the logon id.
 *
 * Network events are read in (host, pid, time) order, so the creations and
 * exits of one PID are loaded once for all the records that use it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detector.h"

/* Creations this close together (in microseconds) are one process logged twice. */
#define SAME_PROCESS_US	1000000

/* One process creation or exit of the PID being attributed. */
struct process_record {
	int64_t	 id;
	int64_t	 time_us;
	int	 is_start;
	char	*image_path;
	char	*process_guid;
	char	*user_sid;
	char	*user_name;		/* DOMAIN\name */
	char	*logon_id;
	int64_t	 elevated;		/* -1 unknown */
	/* The 4624 logon behind logon_id, looked up on first use. */
	int	 logon_looked_up;
	int64_t	 logon_row;		/* 0 when none */
	int64_t	 logon_type;		/* -1 unknown */
	char	*logon_source_ip;
	char	*logon_user_sid;
	char	*logon_user_name;
};

/* The creations and exits of one (host, pid). */
struct process_group {
	struct process_record	*records;
	size_t			 count, alloc;
};

/* The row being attributed: the columns of network_events that matter. */
struct network_record {
	int64_t		 id;
	const char	*host;
	int64_t		 pid;		/* -1 when NULL */
	int64_t		 time_us;
	const char	*application_path;
	const char	*process_guid;
	const char	*user_name;	/* Sysmon's own User */
};

/* The outcome for one network event: a process record, or a reason. */
struct attribution {
	const struct process_record	*process;
	const char			*method;
	const char			*reason;
	const char			*sysmon_user;
};

struct attributor {
	sqlite3		*db;
	sqlite3_stmt	*read_group;
	sqlite3_stmt	*read_logon;
	sqlite3_stmt	*insert;
	int		 failed;	/* out of memory */
};

/* Free the strings of every record and empty the group. */
static void
group_clear(struct process_group *group)
{
	size_t			 i;
	struct process_record	*record;

	for (i = 0; i < group->count; i++) {
		record = &group->records[i];
		free(record->image_path);
		free(record->process_guid);
		free(record->user_sid);
		free(record->user_name);
		free(record->logon_id);
		free(record->logon_source_ip);
		free(record->logon_user_sid);
		free(record->logon_user_name);
	}
	group->count = 0;
}

/* malloc'd copy of a text column, NULL for NULL or empty text. */
static char *
column_copy(sqlite3_stmt *statement, int column, int *failed)
{
	const char	*text = (const char *)sqlite3_column_text(statement, column);

	if (text == NULL || *text == '\0')
		return NULL;
	return detect_strdup(text, failed);
}

/* DOMAIN\name from separate columns (Sysmon's split or 4688's fields). */
static char *
join_user(const char *domain, const char *name, int *failed)
{
	char	*joined;
	size_t	 size;

	if (name == NULL || *name == '\0')
		return NULL;
	if (domain == NULL || *domain == '\0' || strchr(name, '\\') != NULL)
		return detect_strdup(name, failed);
	size = strlen(domain) + strlen(name) + 2;
	if ((joined = malloc(size)) == NULL) {
		*failed = 1;
		return NULL;
	}
	snprintf(joined, size, "%s\\%s", domain, name);
	return joined;
}

/* Load the creations and exits of (host, pid) into group, oldest first. */
static int
group_load(struct attributor *attributor, struct process_group *group,
    const char *host, int64_t pid)
{
	sqlite3_stmt		*statement = attributor->read_group;
	struct process_record	*record, *grown;
	int			 status;

	group_clear(group);
	sqlite3_reset(statement);
	sqlite3_bind_text(statement, 1, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(statement, 2, pid);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		if (group->count == group->alloc) {
			group->alloc = group->alloc == 0 ? 8 : group->alloc * 2;
			grown = realloc(group->records,
			    group->alloc * sizeof(*group->records));
			if (grown == NULL) {
				attributor->failed = 1;
				return -1;
			}
			group->records = grown;
		}
		record = &group->records[group->count++];
		memset(record, 0, sizeof(*record));
		record->id = sqlite3_column_int64(statement, 0);
		record->time_us = sqlite3_column_int64(statement, 1);
		record->is_start = strcmp((const char *)
		    sqlite3_column_text(statement, 2), "start") == 0;
		record->image_path = column_copy(statement, 3, &attributor->failed);
		record->process_guid = column_copy(statement, 4, &attributor->failed);
		record->user_sid = column_copy(statement, 5, &attributor->failed);
		record->user_name = join_user(
		    (const char *)sqlite3_column_text(statement, 7),
		    (const char *)sqlite3_column_text(statement, 6),
		    &attributor->failed);
		record->logon_id = column_copy(statement, 8, &attributor->failed);
		record->elevated = sqlite3_column_type(statement, 9) == SQLITE_NULL ?
		    -1 : sqlite3_column_int64(statement, 9);
		record->logon_type = -1;
	}
	sqlite3_reset(statement);
	return status == SQLITE_DONE && !attributor->failed ? 0 : -1;
}

/* Find the 4624 logon of a process's logon id, once per process record. */
static int
lookup_logon(struct attributor *attributor, const char *host,
    struct process_record *record)
{
	sqlite3_stmt	*statement = attributor->read_logon;
	int		 status;

	if (record->logon_looked_up || record->logon_id == NULL)
		return 0;
	record->logon_looked_up = 1;
	sqlite3_reset(statement);
	sqlite3_bind_text(statement, 1, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(statement, 2, record->logon_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(statement, 3, record->time_us);
	status = sqlite3_step(statement);
	if (status == SQLITE_ROW) {
		record->logon_row = sqlite3_column_int64(statement, 0);
		if (sqlite3_column_type(statement, 1) != SQLITE_NULL)
			record->logon_type = sqlite3_column_int64(statement, 1);
		record->logon_source_ip = column_copy(statement, 2,
		    &attributor->failed);
		record->logon_user_sid = column_copy(statement, 3,
		    &attributor->failed);
		record->logon_user_name = join_user(
		    (const char *)sqlite3_column_text(statement, 5),
		    (const char *)sqlite3_column_text(statement, 4),
		    &attributor->failed);
		status = SQLITE_DONE;
	}
	sqlite3_reset(statement);
	return status == SQLITE_DONE && !attributor->failed ? 0 : -1;
}

/* 1 when a process record's image is the network record's application. */
static int
image_matches(const struct process_record *record, const char *application_path)
{
	return record->image_path != NULL && application_path != NULL &&
	    strcmp(record->image_path, application_path) == 0;
}

/* 1 when two texts differ, ignoring case; NULL differs from nothing. */
static int
differ(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) != 0;
}

/*
 * 1 when two creations name different users. SIDs decide when both have
 * one; 4688 names SYSTEM's processes by the machine account (WS01$) where
 * Sysmon says NT AUTHORITY\SYSTEM, so names count only when neither has a SID.
 */
static int
users_differ(const struct process_record *a, const struct process_record *b)
{
	if (a->user_sid != NULL && b->user_sid != NULL)
		return differ(a->user_sid, b->user_sid);
	if (a->user_sid == NULL && b->user_sid == NULL)
		return differ(a->user_name, b->user_name);
	return 0;
}

/* The Sysmon 1 creation with the record's ProcessGuid, or NULL. */
static const struct process_record *
find_by_guid(const struct process_group *group, const struct network_record *net)
{
	size_t	i;

	if (net->process_guid == NULL)
		return NULL;
	for (i = 0; i < group->count; i++)
		if (group->records[i].is_start &&
		    group->records[i].process_guid != NULL &&
		    strcasecmp(group->records[i].process_guid, net->process_guid) == 0)
			return &group->records[i];
	return NULL;
}

/*
 * The live creation of the record's PID: the latest start at or before it,
 * checked for an exit in between, for a second creation that disagrees
 * (ambiguous), and for an image that is not the record's application.
 */
static void
attribute_by_pid(const struct process_group *group,
    const struct network_record *net, struct attribution *result)
{
	const struct process_record	*latest = NULL, *chosen, *record;
	size_t				 i, latest_index = 0;

	for (i = 0; i < group->count; i++) {
		record = &group->records[i];
		if (record->time_us > net->time_us)
			break;
		if (record->is_start) {
			latest = record;
			latest_index = i;
		}
	}
	if (latest == NULL) {
		result->reason = "no_process_creation";
		return;
	}
	/* An exit after the creation and before the record: the PID was reused unseen. */
	for (i = latest_index + 1; i < group->count; i++) {
		record = &group->records[i];
		if (record->time_us >= net->time_us)
			break;
		if (!record->is_start) {
			result->reason = "process_exited";
			return;
		}
	}
	/* Creations logged twice (4688 and Sysmon 1) agree; real rivals do not. */
	chosen = latest;
	for (i = latest_index; i-- > 0;) {
		record = &group->records[i];
		if (!record->is_start)
			break;
		if (latest->time_us - record->time_us > SAME_PROCESS_US)
			break;
		if (differ(record->image_path, chosen->image_path) ||
		    users_differ(record, chosen)) {
			result->reason = "pid_ambiguous";
			return;
		}
		/* Prefer the record with the account's SID (4688 over Sysmon 1). */
		if (chosen->user_sid == NULL && record->user_sid != NULL)
			chosen = record;
	}
	if (net->application_path != NULL && chosen->image_path != NULL &&
	    !image_matches(chosen, net->application_path)) {
		result->reason = "image_mismatch";
		return;
	}
	result->process = chosen;
	result->method = image_matches(chosen, net->application_path) ?
	    "pid_image_time" : "pid_time";
}

/* Decide one network event's attribution from its PID's group. */
static void
attribute_one(const struct process_group *group, const struct network_record *net,
    struct attribution *result)
{
	memset(result, 0, sizeof(*result));
	if (net->pid < 0)
		result->reason = "no_pid";
	else if (net->pid == 0 || net->pid == 4)
		result->reason = "system_process";
	else if ((result->process = find_by_guid(group, net)) != NULL)
		result->method = "process_guid";
	else
		attribute_by_pid(group, net, result);
	if (result->process == NULL && net->user_name != NULL) {
		result->method = "sysmon_user";
		result->reason = NULL;
		result->sysmon_user = net->user_name;
	}
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

/* Write one attribution row. */
static int
store_attribution(struct attributor *attributor, const struct network_record *net,
    struct attribution *result)
{
	sqlite3_stmt		*statement = attributor->insert;
	struct process_record	*process = (struct process_record *)result->process;
	const char		*user_name = result->sysmon_user, *user_sid = NULL;
	int			 status;

	sqlite3_reset(statement);
	sqlite3_clear_bindings(statement);
	sqlite3_bind_int64(statement, 1, net->id);
	if (process != NULL) {
		if (lookup_logon(attributor, net->host, process) == -1)
			return -1;
		sqlite3_bind_int64(statement, 2, process->id);
		if (process->logon_row != 0)
			sqlite3_bind_int64(statement, 3, process->logon_row);
		user_sid = process->user_sid != NULL ? process->user_sid :
		    process->logon_user_sid;
		user_name = process->user_name != NULL ? process->user_name :
		    process->logon_user_name;
		if (process->logon_type >= 0)
			sqlite3_bind_int64(statement, 6, process->logon_type);
		bind_text(statement, 7, process->logon_source_ip);
		if (process->elevated >= 0)
			sqlite3_bind_int64(statement, 8, process->elevated);
	}
	bind_text(statement, 4, user_sid);
	bind_text(statement, 5, user_name);
	bind_text(statement, 9, result->method);
	bind_text(statement, 10, result->reason);
	status = sqlite3_step(statement);
	sqlite3_reset(statement);
	return status == SQLITE_DONE ? 0 : -1;
}

/* Prepare the three statements attribution needs. */
static int
attributor_prepare(struct attributor *attributor)
{
	static const char	read_group[] =
	    "SELECT id, time_unix_us, kind, image_path, process_guid, user_sid,"
	    " user_name, user_domain, coalesce(nullif(logon_id, ''),"
	    " nullif(subject_logon_id, '')), elevated"
	    " FROM processes WHERE host = ?1 AND pid = ?2"
	    " AND time_unix_us IS NOT NULL AND kind IN ('start', 'exit')"
	    " ORDER BY time_unix_us, id";
	static const char	read_logon[] =
	    "SELECT id, logon_type, source_ip, user_sid, user_name, user_domain"
	    " FROM logons WHERE host = ?1 AND logon_id = ?2 AND event_id = 4624"
	    " ORDER BY time_unix_us <= ?3 DESC,"
	    " CASE WHEN time_unix_us <= ?3 THEN -time_unix_us ELSE time_unix_us END,"
	    " id LIMIT 1";
	static const char	insert[] =
	    "INSERT INTO attribution (network_event_id, process_row, logon_row,"
	    " user_sid, user_name, logon_type, logon_source_ip, elevated, method,"
	    " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

	if (sqlite3_prepare_v2(attributor->db, read_group, -1,
	    &attributor->read_group, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(attributor->db, read_logon, -1,
	    &attributor->read_logon, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(attributor->db, insert, -1,
	    &attributor->insert, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* 1 when two texts are equal, NULL equal only to NULL. */
static int
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Read the current network row into net (pointers valid until the next step). */
static void
read_network_record(sqlite3_stmt *statement, struct network_record *net)
{
	net->id = sqlite3_column_int64(statement, 0);
	net->host = (const char *)sqlite3_column_text(statement, 1);
	net->pid = sqlite3_column_type(statement, 2) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(statement, 2);
	net->time_us = sqlite3_column_int64(statement, 3);
	net->application_path = (const char *)sqlite3_column_text(statement, 4);
	net->process_guid = (const char *)sqlite3_column_text(statement, 5);
	net->user_name = (const char *)sqlite3_column_text(statement, 6);
	if (net->application_path != NULL && *net->application_path == '\0')
		net->application_path = NULL;
	if (net->user_name != NULL && *net->user_name == '\0')
		net->user_name = NULL;
}

/* Walk every network event in (host, pid, time) order and attribute it. */
static int
attribute_all(struct attributor *attributor, struct process_group *group)
{
	static const char	read_network[] =
	    "SELECT id, host, pid, time_unix_us, application_path, process_guid,"
	    " user_name FROM network_events ORDER BY host, pid, time_unix_us, id";
	sqlite3_stmt		*statement;
	struct network_record	 net;
	struct attribution	 result;
	char			*group_host = NULL;
	int64_t			 group_pid = -1;
	int			 status, loaded = 0, failed = 0;

	if (sqlite3_prepare_v2(attributor->db, read_network, -1, &statement,
	    NULL) != SQLITE_OK)
		return -1;
	while (!failed && (status = sqlite3_step(statement)) == SQLITE_ROW) {
		read_network_record(statement, &net);
		if (!loaded || net.pid != group_pid ||
		    !same_text(net.host, group_host)) {
			free(group_host);
			group_host = detect_strdup(net.host, &attributor->failed);
			group_pid = net.pid;
			loaded = 1;
			group_clear(group);
			if (net.host != NULL && net.pid >= 0 &&
			    group_load(attributor, group, net.host, net.pid) == -1) {
				failed = 1;
				break;
			}
		}
		attribute_one(group, &net, &result);
		if (store_attribution(attributor, &net, &result) == -1)
			failed = 1;
	}
	if (!failed && status != SQLITE_DONE)
		failed = 1;
	free(group_host);
	sqlite3_finalize(statement);
	return failed || attributor->failed ? -1 : 0;
}

int
attribute_network_events(sqlite3 *db, char *error, size_t error_size)
{
	struct attributor	attributor;
	struct process_group	group;
	int			status;

	memset(&attributor, 0, sizeof(attributor));
	memset(&group, 0, sizeof(group));
	attributor.db = db;
	status = attributor_prepare(&attributor);
	if (status == 0)
		status = attribute_all(&attributor, &group);
	if (status == -1)
		detect_error(error, error_size, "attribution: %s",
		    attributor.failed ? "out of memory" : sqlite3_errmsg(db));
	group_clear(&group);
	free(group.records);
	sqlite3_finalize(attributor.read_group);
	sqlite3_finalize(attributor.read_logon);
	sqlite3_finalize(attributor.insert);
	return status;
}
