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
 * The creations and exits of every (host, PID) are loaded once, into
 * groups found by a hash, and the network events are read in id order:
 * one sequential pass over the table, and attribution rows appended in
 * key order, instead of a lookup per row and inserts all over the table.
 * The detectors read their columns in the same pass (struct
 * network_reader), so detect reads network_events once.
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

/* The creations and exits of one (host, pid), oldest first. */
struct process_group {
	struct process_record	*records;
	size_t			 count;
};

/* Every group, found by (host, pid) through an open-addressing hash. */
struct process_index {
	struct process_record	*records;	/* all groups, one after another */
	size_t			 record_count, record_alloc;
	struct group_slot	*slots;
	size_t			 slot_mask;
	char			**hosts;	/* one copy of each host name */
	size_t			 host_count, host_alloc;
};

struct group_slot {
	const char	*host;			/* NULL: empty slot */
	int64_t		 pid;
	size_t		 first, count;		/* in process_index.records */
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

/*
 * Rows are inserted INSERT_BATCH at a time: one statement step per row
 * cost four times what SQLite's insert itself does.
 */
#define INSERT_BATCH	64
#define INSERT_COLUMNS	10

/* One attribution row waiting for its batch's INSERT (NULL: -1 or NULL). */
struct pending_row {
	int64_t		 network_event_id, process_row, logon_row;
	int64_t		 logon_type, elevated;
	const char	*user_sid, *user_name, *logon_source_ip, *method, *reason;
	char		*sysmon_user;		/* a Sysmon user's copy, reused */
	size_t		 sysmon_allocated;
};

struct attributor {
	sqlite3			*db;
	sqlite3_stmt		*read_logon;
	sqlite3_stmt		*insert;	/* one row */
	sqlite3_stmt		*insert_batch;	/* INSERT_BATCH rows */
	struct pending_row	 pending[INSERT_BATCH];
	int			 pending_count;
	int			 failed;	/* out of memory */
	int			 reader_failed;	/* a reader said why in error */
};

/* Free the strings of one record. */
static void
record_free(struct process_record *record)
{
	free(record->image_path);
	free(record->process_guid);
	free(record->user_sid);
	free(record->user_name);
	free(record->logon_id);
	free(record->logon_source_ip);
	free(record->logon_user_sid);
	free(record->logon_user_name);
}

/* Free everything the index holds. */
static void
index_free(struct process_index *index)
{
	size_t	i;

	for (i = 0; i < index->record_count; i++)
		record_free(&index->records[i]);
	for (i = 0; i < index->host_count; i++)
		free(index->hosts[i]);
	free(index->records);
	free(index->slots);
	free(index->hosts);
	memset(index, 0, sizeof(*index));
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

/* Read the current row of processes into a new record. Returns 0 or -1. */
static int
read_process(struct attributor *attributor, struct process_index *index,
    sqlite3_stmt *statement)
{
	struct process_record	*record, *grown;

	if (index->record_count == index->record_alloc) {
		index->record_alloc = index->record_alloc == 0 ? 1024 :
		    index->record_alloc * 2;
		grown = realloc(index->records,
		    index->record_alloc * sizeof(*index->records));
		if (grown == NULL)
			return -1;
		index->records = grown;
	}
	record = &index->records[index->record_count++];
	memset(record, 0, sizeof(*record));
	record->id = sqlite3_column_int64(statement, 2);
	record->time_us = sqlite3_column_int64(statement, 3);
	record->is_start = strcmp((const char *)
	    sqlite3_column_text(statement, 4), "start") == 0;
	record->image_path = column_copy(statement, 5, &attributor->failed);
	record->process_guid = column_copy(statement, 6, &attributor->failed);
	record->user_sid = column_copy(statement, 7, &attributor->failed);
	record->user_name = join_user(
	    (const char *)sqlite3_column_text(statement, 9),
	    (const char *)sqlite3_column_text(statement, 8),
	    &attributor->failed);
	record->logon_id = column_copy(statement, 10, &attributor->failed);
	record->elevated = sqlite3_column_type(statement, 11) == SQLITE_NULL ?
	    -1 : sqlite3_column_int64(statement, 11);
	record->logon_type = -1;
	return attributor->failed ? -1 : 0;
}

/* Keep one copy of a host name; the groups point at it. NULL when out of memory. */
static const char *
keep_host(struct process_index *index, const char *host)
{
	char	**grown;

	if (index->host_count > 0 &&
	    strcmp(index->hosts[index->host_count - 1], host) == 0)
		return index->hosts[index->host_count - 1];
	if (index->host_count == index->host_alloc) {
		index->host_alloc = index->host_alloc == 0 ? 64 :
		    index->host_alloc * 2;
		grown = realloc(index->hosts, index->host_alloc * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		index->hosts = grown;
	}
	if ((index->hosts[index->host_count] = strdup(host)) == NULL)
		return NULL;
	return index->hosts[index->host_count++];
}

/* The hash of (host, pid): FNV-1a over the name, mixed with the pid. */
static uint64_t
group_hash(const char *host, int64_t pid)
{
	uint64_t	hash = 1469598103934665603ULL;

	while (*host != '\0')
		hash = (hash ^ (unsigned char)*host++) * 1099511628211ULL;
	return (hash ^ (uint64_t)pid) * 0x9e3779b97f4a7c15ULL;
}

/* The slot of (host, pid): where its group is, or the empty slot for it. */
static struct group_slot *
group_slot(const struct process_index *index, const char *host, int64_t pid)
{
	size_t			 i;
	struct group_slot	*slot;

	i = (size_t)(group_hash(host, pid) >> 16) & index->slot_mask;
	for (;;) {
		slot = &index->slots[i];
		if (slot->host == NULL ||
		    (slot->pid == pid && strcmp(slot->host, host) == 0))
			return slot;
		i = (i + 1) & index->slot_mask;
	}
}

/*
 * Hash every group: the records are sorted by (host, pid, time, id), so
 * each group is a run of them. Returns 0 or -1.
 */
static int
index_groups(struct process_index *index, const int64_t *pids,
    const char **hosts)
{
	struct group_slot	*slot;
	size_t			 size = 16, first, last;

	while (size < index->record_count * 2)
		size *= 2;
	if ((index->slots = calloc(size, sizeof(*index->slots))) == NULL)
		return -1;
	index->slot_mask = size - 1;
	for (first = 0; first < index->record_count; first = last) {
		for (last = first + 1; last < index->record_count &&
		    pids[last] == pids[first] && hosts[last] == hosts[first]; last++)
			;
		slot = group_slot(index, hosts[first], pids[first]);
		slot->host = hosts[first];
		slot->pid = pids[first];
		slot->first = first;
		slot->count = last - first;
	}
	return 0;
}

/*
 * Load the creations and exits of every (host, pid) with a time, each
 * group oldest first, and hash the groups. Returns 0 or -1.
 */
static int
index_load(struct attributor *attributor, struct process_index *index)
{
	static const char	sql[] =
	    "SELECT host, pid, id, time_unix_us, kind, image_path, process_guid,"
	    " user_sid, user_name, user_domain, coalesce(nullif(logon_id, ''),"
	    " nullif(subject_logon_id, '')), elevated"
	    " FROM processes WHERE host IS NOT NULL AND pid IS NOT NULL"
	    " AND time_unix_us IS NOT NULL AND kind IN ('start', 'exit')"
	    " ORDER BY host, pid, time_unix_us, id";
	sqlite3_stmt		*statement;
	int64_t			*pids = NULL, *grown_pids;
	const char		**hosts = NULL, **grown_hosts;
	size_t			 alloc = 0;
	int			 status = -1, step;

	if (sqlite3_prepare_v2(attributor->db, sql, -1, &statement, NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
		if (index->record_count == alloc) {
			alloc = alloc == 0 ? 1024 : alloc * 2;
			grown_pids = realloc(pids, alloc * sizeof(*pids));
			if (grown_pids != NULL)
				pids = grown_pids;
			grown_hosts = realloc(hosts, alloc * sizeof(*hosts));
			if (grown_hosts != NULL)
				hosts = grown_hosts;
			if (grown_pids == NULL || grown_hosts == NULL)
				break;
		}
		pids[index->record_count] = sqlite3_column_int64(statement, 1);
		hosts[index->record_count] = keep_host(index,
		    (const char *)sqlite3_column_text(statement, 0));
		if (hosts[index->record_count] == NULL ||
		    read_process(attributor, index, statement) == -1)
			break;
	}
	if (step == SQLITE_DONE)
		status = index_groups(index, pids, hosts);
	if (step == SQLITE_ROW || (step == SQLITE_DONE && status == -1))
		attributor->failed = 1;
	sqlite3_finalize(statement);
	free(pids);
	free(hosts);
	return status;
}

/* The group of (host, pid), empty when the case holds none. */
static void
index_find(const struct process_index *index, const char *host, int64_t pid,
    struct process_group *group)
{
	const struct group_slot	*slot;

	group->records = NULL;
	group->count = 0;
	if (host == NULL || pid < 0 || index->slots == NULL)
		return;
	slot = group_slot(index, host, pid);
	if (slot->host != NULL) {
		group->records = &index->records[slot->first];
		group->count = slot->count;
	}
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

/*
 * Bind text or NULL. Every text bound here outlives the insert (a process
 * record's, or the network row's before the next step), so none is copied.
 */
static void
bind_text(sqlite3_stmt *statement, int index, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(statement, index);
	else
		sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
}

/* Bind a number, or NULL for a negative one (none). */
static void
bind_number(sqlite3_stmt *statement, int index, int64_t value)
{
	if (value < 0)
		sqlite3_bind_null(statement, index);
	else
		sqlite3_bind_int64(statement, index, value);
}

/* Bind one pending row to columns first + 1 .. first + INSERT_COLUMNS. */
static void
bind_row(sqlite3_stmt *statement, int first, const struct pending_row *row)
{
	sqlite3_bind_int64(statement, first + 1, row->network_event_id);
	bind_number(statement, first + 2, row->process_row);
	bind_number(statement, first + 3, row->logon_row);
	bind_text(statement, first + 4, row->user_sid);
	bind_text(statement, first + 5, row->user_name);
	bind_number(statement, first + 6, row->logon_type);
	bind_text(statement, first + 7, row->logon_source_ip);
	bind_number(statement, first + 8, row->elevated);
	bind_text(statement, first + 9, row->method);
	bind_text(statement, first + 10, row->reason);
}

/* Run statement, bound; 0 or -1. */
static int
run_insert(sqlite3_stmt *statement)
{
	int	status = sqlite3_step(statement);

	sqlite3_reset(statement);
	return status == SQLITE_DONE ? 0 : -1;
}

/*
 * Insert the pending rows: a whole batch with one statement, the last
 * few rows of the run one at a time.
 */
static int
flush_pending(struct attributor *attributor)
{
	int	i, status = 0;

	if (attributor->pending_count == INSERT_BATCH) {
		for (i = 0; i < INSERT_BATCH; i++)
			bind_row(attributor->insert_batch, i * INSERT_COLUMNS,
			    &attributor->pending[i]);
		status = run_insert(attributor->insert_batch);
	} else {
		for (i = 0; i < attributor->pending_count && status == 0; i++) {
			bind_row(attributor->insert, 0, &attributor->pending[i]);
			status = run_insert(attributor->insert);
		}
	}
	attributor->pending_count = 0;
	return status;
}

/* Keep a copy of a Sysmon user name in row's reused buffer. */
static const char *
keep_sysmon_user(struct attributor *attributor, struct pending_row *row,
    const char *user)
{
	size_t	size = strlen(user) + 1;
	char	*grown;

	if (size > row->sysmon_allocated) {
		if ((grown = realloc(row->sysmon_user, size)) == NULL) {
			attributor->failed = 1;
			return NULL;
		}
		row->sysmon_user = grown;
		row->sysmon_allocated = size;
	}
	memcpy(row->sysmon_user, user, size);
	return row->sysmon_user;
}

/*
 * Queue the attribution row of one network record; a full batch is
 * inserted. *stored is the row, whose strings stay valid until the slot
 * comes round again, INSERT_BATCH records later.
 */
static int
store_attribution(struct attributor *attributor, const struct network_record *net,
    struct attribution *result, const struct pending_row **stored)
{
	struct process_record	*process = (struct process_record *)result->process;
	struct pending_row	*row = &attributor->pending[attributor->pending_count];

	*stored = row;
	row->network_event_id = net->id;
	row->process_row = row->logon_row = row->logon_type = row->elevated = -1;
	row->user_sid = row->user_name = row->logon_source_ip = NULL;
	if (result->sysmon_user != NULL &&
	    (row->user_name = keep_sysmon_user(attributor, row,
	    result->sysmon_user)) == NULL)
		return -1;
	if (process != NULL) {
		if (lookup_logon(attributor, net->host, process) == -1)
			return -1;
		row->process_row = process->id;
		if (process->logon_row != 0)
			row->logon_row = process->logon_row;
		row->user_sid = process->user_sid != NULL ? process->user_sid :
		    process->logon_user_sid;
		row->user_name = process->user_name != NULL ? process->user_name :
		    process->logon_user_name;
		row->logon_type = process->logon_type;
		row->logon_source_ip = process->logon_source_ip;
		row->elevated = process->elevated;
	}
	row->method = result->method;
	row->reason = result->reason;
	if (++attributor->pending_count < INSERT_BATCH)
		return 0;
	return flush_pending(attributor);
}

/*
 * Prepare the statements attribution runs per row: the logon lookup, and
 * the insert of one row and of a batch.
 */
static int
attributor_prepare(struct attributor *attributor)
{
	static const char	read_logon[] =
	    "SELECT id, logon_type, source_ip, user_sid, user_name, user_domain"
	    " FROM logons WHERE host = ?1 AND logon_id = ?2 AND event_id = 4624"
	    " ORDER BY time_unix_us <= ?3 DESC,"
	    " CASE WHEN time_unix_us <= ?3 THEN -time_unix_us ELSE time_unix_us END,"
	    " id LIMIT 1";
	static const char	insert[] =
	    "INSERT INTO attribution (network_event_id, process_row, logon_row,"
	    " user_sid, user_name, logon_type, logon_source_ip, elevated, method,"
	    " reason) VALUES ";
	sqlite3_str		*batch;
	char			*sql;
	int			 i, status;

	if (sqlite3_prepare_v2(attributor->db, read_logon, -1,
	    &attributor->read_logon, NULL) != SQLITE_OK ||
	    (sql = sqlite3_mprintf("%s(?,?,?,?,?,?,?,?,?,?)", insert)) == NULL)
		return -1;
	status = sqlite3_prepare_v2(attributor->db, sql, -1, &attributor->insert, NULL);
	sqlite3_free(sql);
	if (status != SQLITE_OK || (batch = sqlite3_str_new(attributor->db)) == NULL)
		return -1;
	sqlite3_str_appendall(batch, insert);
	for (i = 0; i < INSERT_BATCH; i++)
		sqlite3_str_appendall(batch, i == 0 ? "(?,?,?,?,?,?,?,?,?,?)" :
		    ",(?,?,?,?,?,?,?,?,?,?)");
	if ((sql = sqlite3_str_finish(batch)) == NULL)
		return -1;
	status = sqlite3_prepare_v2(attributor->db, sql, -1,
	    &attributor->insert_batch, NULL);
	sqlite3_free(sql);
	return status == SQLITE_OK ? 0 : -1;
}

/* The pass's own columns, before the readers' (read_network_record). */
#define ATTRIBUTION_COLUMNS	7

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

/* Hand the current row and its attributed user to every reader. */
static int
pass_to_readers(struct attributor *attributor, sqlite3_stmt *statement,
    const struct network_reader *readers, size_t reader_count,
    const int *first_columns, const struct pending_row *row, char *error,
    size_t error_size)
{
	size_t	i;

	for (i = 0; i < reader_count; i++)
		if (readers[i].row(readers[i].state, statement, first_columns[i],
		    row->user_name, row->user_sid, error, error_size) == -1) {
			attributor->reader_failed = 1;
			return -1;
		}
	return 0;
}

/* Walk every network event in id order, attribute it, and pass it on. */
static int
attribute_all(struct attributor *attributor, const struct process_index *index,
    const struct network_reader *readers, size_t reader_count, char *error,
    size_t error_size)
{
	sqlite3_stmt		*statement;
	struct network_record	 net;
	struct process_group	 group;
	struct attribution	 result;
	const struct pending_row *row;
	int			*first_columns;
	char			*sql;
	int			 status, failed = 0;

	if ((first_columns = calloc(reader_count + 1, sizeof(int))) == NULL ||
	    (sql = pass_select("id, host, pid, time_unix_us, application_path,"
	    " process_guid, user_name", ATTRIBUTION_COLUMNS, "network_events",
	    readers, sizeof(*readers), reader_count, first_columns)) == NULL) {
		free(first_columns);
		attributor->failed = 1;
		return -1;
	}
	status = sqlite3_prepare_v2(attributor->db, sql, -1, &statement, NULL);
	sqlite3_free(sql);
	if (status == SQLITE_OK &&
	    !pass_columns_match(statement, first_columns, reader_count)) {
		detect_error(error, error_size, "attribution: a reader's columns"
		    " do not match its count");
		attributor->reader_failed = 1;
		sqlite3_finalize(statement);
		status = SQLITE_ERROR;
	}
	if (status != SQLITE_OK) {
		free(first_columns);
		return -1;
	}
	while (!failed && (status = sqlite3_step(statement)) == SQLITE_ROW) {
		read_network_record(statement, &net);
		index_find(index, net.host, net.pid, &group);
		attribute_one(&group, &net, &result);
		if (store_attribution(attributor, &net, &result, &row) == -1 ||
		    pass_to_readers(attributor, statement, readers, reader_count,
		    first_columns, row, error, error_size) == -1)
			failed = 1;
	}
	if (!failed && status != SQLITE_DONE)
		failed = 1;
	sqlite3_finalize(statement);
	free(first_columns);
	if (!failed && flush_pending(attributor) == -1)
		failed = 1;
	return failed || attributor->failed ? -1 : 0;
}

int
attribute_network_events(sqlite3 *db, const struct network_reader *readers,
    size_t reader_count, char *error, size_t error_size)
{
	struct attributor	attributor;
	struct process_index	index;
	int			status, i;

	memset(&attributor, 0, sizeof(attributor));
	memset(&index, 0, sizeof(index));
	attributor.db = db;
	status = attributor_prepare(&attributor);
	if (status == 0)
		status = index_load(&attributor, &index);
	if (status == 0)
		status = attribute_all(&attributor, &index, readers,
		    reader_count, error, error_size);
	if (status == -1 && !attributor.reader_failed)
		detect_error(error, error_size, "attribution: %s",
		    attributor.failed ? "out of memory" : sqlite3_errmsg(db));
	index_free(&index);
	sqlite3_finalize(attributor.read_logon);
	sqlite3_finalize(attributor.insert);
	sqlite3_finalize(attributor.insert_batch);
	for (i = 0; i < INSERT_BATCH; i++)
		free(attributor.pending[i].sysmon_user);
	return status;
}
