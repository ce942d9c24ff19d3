/*
 * store.c: writing and opening the SQLite case file.
 *
 * Ingest streams rows through prepared statements inside large
 * transactions. The EventData JSON of the events table is written here, in
 * one reused buffer, byte for byte as SQLite's json_object() would write it
 * (json_object over dozens of bound arguments per record cost more than the
 * rest of the events insert); tests check it against SQLite's own encoder.
 *
 * A bulk load into an empty (or small) case drops the secondary indexes of
 * the tables ingest fills and builds them again at its end, which costs a
 * sort instead of a B-tree search per row and index. Their definitions are
 * saved in case_info in the transaction that drops them, so a run killed
 * in between leaves a case that the next command writing it repairs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "normalise.h"
#include "store.h"
#include "util.h"

extern const char wfpsift_schema_sql[];

#define SCHEMA_VERSION "1"

/*
 * How long a reader (report) lets SQLite retry a lock that is held only a
 * moment: a commit in a rollback-journal case, WAL recovery. It never
 * waits for a writer's transaction: in WAL mode readers are not blocked.
 */
#define STORE_READER_BUSY_MS 5000

/* case_info keys of indexes dropped for a bulk load: the prefix, then the name. */
#define DEFERRED_INDEX_PREFIX "deferred_index:"

/*
 * The indexes a bulk load drops: those of the tables ingest fills, except
 * the ones that lead with source_id. Ingest itself looks rows up by source
 * (to check or redo a file), and those grow at their right edge anyway.
 */
#define DEFERRABLE_INDEXES " FROM sqlite_master m WHERE m.type = 'index' " \
	"AND m.sql IS NOT NULL AND m.tbl_name IN ('events', 'network_events', " \
	"'processes', 'logons', 'audit_events') AND (SELECT i.name FROM " \
	"pragma_index_info(m.name) i WHERE i.seqno = 0) IS NOT 'source_id'"

struct store {
	sqlite3		*db;
	sqlite3_stmt	*insert_event;
	sqlite3_stmt	*insert_network;
	sqlite3_stmt	*insert_process;
	sqlite3_stmt	*insert_logon;
	sqlite3_stmt	*insert_audit;
	sqlite3_stmt	*insert_error;
	char		*json;		/* EventData of the record being stored */
	size_t		 json_size;
};

sqlite3 *
store_db(struct store *store)
{
	return store->db;
}

const char *
store_error(struct store *store)
{
	return sqlite3_errmsg(store->db);
}

static int
execute(struct store *store, const char *sql)
{
	return sqlite3_exec(store->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/*
 * Switch the case to WAL. Switching needs an exclusive lock, and SQLite
 * returns SQLITE_BUSY at once, without calling the busy handler, when
 * another process is opening the same new case: retry for as long as the
 * busy timeout would have waited.
 */
static int
set_wal_mode(struct store *store)
{
	struct timespec	pause = { 0, 10 * 1000 * 1000 };
	int		result, attempts = 0;

	while ((result = sqlite3_exec(store->db, "PRAGMA journal_mode = WAL",
	    NULL, NULL, NULL)) == SQLITE_BUSY && ++attempts < 6000)
		nanosleep(&pause, NULL);
	return result == SQLITE_OK ? 0 : -1;
}

/*
 * Create or update the schema in one write transaction. Outside a
 * transaction each CREATE reads the schema and then writes; when another
 * process creating the same new case commits in between, SQLite fails the
 * statement at once (SQLITE_BUSY_SNAPSHOT) instead of waiting. BEGIN
 * IMMEDIATE takes the write lock first, so the second process waits.
 */
static int
create_schema(struct store *store)
{
	if (execute(store, "BEGIN IMMEDIATE") == -1)
		return -1;
	/* On failure the caller closes the connection, which rolls back. */
	if (execute(store, wfpsift_schema_sql) == -1 ||
	    execute(store, "INSERT OR IGNORE INTO case_info VALUES "
	    "('schema_version', '" SCHEMA_VERSION "')") == -1)
		return -1;
	return execute(store, "COMMIT");
}

/*
 * With WFPSIFT_SQL_PROFILE=MS set, every statement that ran for MS
 * milliseconds or more is named on stderr with its time: how bench/ finds
 * where a command's time goes, statement by statement.
 */
static int
profile_statement(unsigned type, void *context, void *statement, void *nanoseconds)
{
	int64_t	 elapsed = *(int64_t *)nanoseconds;
	int64_t	 threshold = *(int64_t *)context;
	char	*sql;

	if (type != SQLITE_TRACE_PROFILE || elapsed < threshold)
		return 0;
	sql = sqlite3_expanded_sql(statement);
	fprintf(stderr, "wfpsift: sql %8.3f s: %.160s\n", (double)elapsed / 1e9,
	    sql != NULL ? sql : sqlite3_sql(statement));
	sqlite3_free(sql);
	return 0;
}

/*
 * Allocate a store and open its connection with flags (SQLITE_OPEN_*).
 * One connection, one thread: SQLite's per-call mutex is pure cost. With
 * WFPSIFT_SQL_PROFILE set, slow statements are named on stderr. Returns
 * 0, or -1 with a message in error.
 */
static int
store_connect(const char *path, int flags, struct store **out, char *error,
    size_t error_size)
{
	struct store	*store;

	if ((store = calloc(1, sizeof(*store))) == NULL) {
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	if (sqlite3_open_v2(path, &store->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		snprintf(error, error_size, "%s: %s", path,
		    store->db ? sqlite3_errmsg(store->db) : "cannot open");
		sqlite3_close(store->db);
		free(store);
		return -1;
	}
	if (getenv("WFPSIFT_SQL_PROFILE") != NULL) {
		static int64_t	threshold_ns;

		threshold_ns = strtoll(getenv("WFPSIFT_SQL_PROFILE"), NULL, 10) * 1000000;
		sqlite3_trace_v2(store->db, SQLITE_TRACE_PROFILE, profile_statement,
		    &threshold_ns);
	}
	*out = store;
	return 0;
}

int
store_open(const char *path, int must_exist, struct store **out, char *error,
    size_t error_size)
{
	struct store	*store;
	int		 flags = SQLITE_OPEN_READWRITE;

	if (!must_exist)
		flags |= SQLITE_OPEN_CREATE;
	else if (access(path, F_OK) != 0) {
		snprintf(error, error_size, "%s: no such case file", path);
		return -1;
	}
	if (store_connect(path, flags, &store, error, error_size) == -1)
		return -1;
	/* Another wfpsift on the same case waits instead of failing. */
	sqlite3_busy_timeout(store->db, 60000);
	/*
	 * 16 KiB pages for a new case (an existing one keeps its own): a fifth
	 * less ingest time than 4 KiB, fewer B-tree pages to split and write.
	 */
	if (execute(store, "PRAGMA page_size = 16384") == -1 ||
	    set_wal_mode(store) == -1 ||
	    execute(store, "PRAGMA synchronous = NORMAL") == -1 ||
	    execute(store, "PRAGMA cache_size = -65536") == -1 ||
	    execute(store, "PRAGMA foreign_keys = ON") == -1 ||
	    create_schema(store) == -1) {
		int code = sqlite3_errcode(store->db) & 0xff;

		snprintf(error, error_size, "%s: not a usable case file: %s%s",
		    path, sqlite3_errmsg(store->db), code == SQLITE_FULL ||
		    code == SQLITE_IOERR ? " (disk full or file size limit?)" : "");
		store_close(store);
		return -1;
	}
	*out = store;
	return 0;
}

/* 1 when the case (not temp) has an object of this name, 0 if not, -1. */
static int
case_has_object(struct store *store, const char *name)
{
	sqlite3_stmt	*statement;
	int		 found;

	if (sqlite3_prepare_v2(store->db, "SELECT 1 FROM main.sqlite_master"
	    " WHERE name = ?1", -1, &statement, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(statement) == SQLITE_ROW;
	sqlite3_finalize(statement);
	return found;
}

/*
 * Create in the temp schema every table and view of schema.sql that the
 * case lacks (one written by an older wfpsift, or made by hand): a
 * read-only connection cannot add them to the case, and the reports then
 * read them as empty. The text of each comes from schema.sql run in a
 * memory database, whose sqlite_master keeps it as "CREATE TABLE name ...".
 * Indexes are left out: temp cannot index the case's tables, and empty
 * tables need none. Returns 0, or -1 with a message naming path in error.
 */
static int
complete_schema_in_temp(struct store *store, const char *path, char *error,
    size_t error_size)
{
	sqlite3		*schema = NULL;
	sqlite3_stmt	*objects = NULL;
	char		*create;
	int		 step = SQLITE_ERROR, present, result = -1;

	if (sqlite3_open_v2(":memory:", &schema, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(schema, wfpsift_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(schema, "SELECT name, substr(sql, 8) FROM"
	    " sqlite_master WHERE type IN ('table', 'view') ORDER BY rowid", -1,
	    &objects, NULL) != SQLITE_OK) {
		snprintf(error, error_size, "%s: the case schema: %s", path,
		    schema ? sqlite3_errmsg(schema) : "out of memory");
		goto out;
	}
	while ((step = sqlite3_step(objects)) == SQLITE_ROW) {
		present = case_has_object(store,
		    (const char *)sqlite3_column_text(objects, 0));
		if (present == 1)
			continue;
		create = sqlite3_mprintf("CREATE TEMP %s",
		    (const char *)sqlite3_column_text(objects, 1));
		if (present == -1 || create == NULL || execute(store, create) == -1) {
			sqlite3_free(create);
			snprintf(error, error_size, "%s: not a usable case"
			    " file: %s", path, sqlite3_errmsg(store->db));
			goto out;
		}
		sqlite3_free(create);
	}
	if (step != SQLITE_DONE)
		snprintf(error, error_size, "%s: the case schema: %s", path,
		    sqlite3_errmsg(schema));
	else
		result = 0;
out:
	sqlite3_finalize(objects);
	sqlite3_close(schema);
	return result;
}

/*
 * Set the page cache and read the case once, so that a file SQLite cannot
 * read fails here with a message saying why. The one case worth
 * explaining: a WAL case is read through its -shm file, which SQLite
 * creates beside the case when it is missing (the last writer to close
 * removes it); with no write access to the folder, SQLite 3.22 and later
 * read the case only when -shm and -wal are both there already.
 */
static int
first_read(struct store *store, const char *path, char *error,
    size_t error_size)
{
	int	code;

	if (execute(store, "PRAGMA cache_size = -65536;"
	    " SELECT count(*) FROM sqlite_master") == 0)
		return 0;
	/* The case itself is open: what cannot be opened is beside it. */
	code = sqlite3_extended_errcode(store->db);
	if (code == SQLITE_READONLY_DIRECTORY || code == SQLITE_CANTOPEN)
		snprintf(error, error_size, "%s: cannot be read here: SQLite"
		    " reads it through its -wal and -shm files, which are not"
		    " both there and cannot be created (a folder without write"
		    " access, or a read-only file system); copy the case, with"
		    " its -wal file if any, to a folder you can write", path);
	else
		snprintf(error, error_size, "%s: not a usable case file: %s",
		    path, sqlite3_errmsg(store->db));
	return -1;
}

int
store_open_readonly(const char *path, struct store **out, char *error,
    size_t error_size)
{
	struct store	*store;

	if (access(path, F_OK) != 0) {
		snprintf(error, error_size, "%s: no such case file", path);
		return -1;
	}
	if (store_connect(path, SQLITE_OPEN_READONLY, &store, error,
	    error_size) == -1)
		return -1;
	/* Only for locks held a moment (a rollback-journal commit). */
	sqlite3_busy_timeout(store->db, STORE_READER_BUSY_MS);
	if (first_read(store, path, error, error_size) == -1 ||
	    complete_schema_in_temp(store, path, error, error_size) == -1) {
		store_close(store);
		return -1;
	}
	*out = store;
	return 0;
}

void
store_close(struct store *store)
{
	if (store == NULL)
		return;
	sqlite3_finalize(store->insert_event);
	sqlite3_finalize(store->insert_network);
	sqlite3_finalize(store->insert_process);
	sqlite3_finalize(store->insert_logon);
	sqlite3_finalize(store->insert_audit);
	sqlite3_finalize(store->insert_error);
	sqlite3_close(store->db);
	free(store->json);
	free(store);
}

int
store_begin(struct store *store)
{
	return execute(store, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *store)
{
	return execute(store, "COMMIT");
}

int
store_rollback(struct store *store)
{
	return execute(store, "ROLLBACK");
}

/* Prepare once; later calls return the cached statement, reset. */
static sqlite3_stmt *
prepared(struct store *store, sqlite3_stmt **slot, const char *sql)
{
	if (*slot == NULL &&
	    sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    slot, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(*slot);
	sqlite3_clear_bindings(*slot);
	return *slot;
}

static void
bind_text(sqlite3_stmt *statement, int index, const char *text)
{
	if (text != NULL)
		sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
}

/* Text that is empty means absent. */
static void
bind_nonempty(sqlite3_stmt *statement, int index, const char *text)
{
	if (text != NULL && *text != '\0')
		sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
}

/* Negative numbers mean absent. */
static void
bind_number(sqlite3_stmt *statement, int index, int64_t value)
{
	if (value >= 0)
		sqlite3_bind_int64(statement, index, value);
}

static int
step_done(sqlite3_stmt *statement)
{
	return sqlite3_step(statement) == SQLITE_DONE ? 0 : -1;
}

/*
 * Drop the deferrable indexes (DEFERRABLE_INDEXES) for a bulk load, saving
 * their definitions in case_info in the same transaction, so that they are
 * either still there or recorded for store_restore_indexes, whenever the
 * process dies. Must be called outside a transaction; on failure the
 * transaction is left for the caller to roll back after reading the error.
 */
int
store_defer_indexes(struct store *store)
{
	sqlite3_stmt	*next = NULL;
	char		*drop;
	int		 result = -1;

	if (execute(store, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (execute(store, "INSERT OR REPLACE INTO case_info(key, value) SELECT '"
	    DEFERRED_INDEX_PREFIX "' || m.name, m.sql" DEFERRABLE_INDEXES) == -1 ||
	    sqlite3_prepare_v2(store->db, "SELECT m.name" DEFERRABLE_INDEXES
	    " LIMIT 1", -1, &next, NULL) != SQLITE_OK)
		goto out;
	/* One at a time: an index cannot be dropped while sqlite_master is read. */
	for (;;) {
		sqlite3_reset(next);
		if (sqlite3_step(next) != SQLITE_ROW)
			break;
		drop = sqlite3_mprintf("DROP INDEX \"%w\"",
		    (const char *)sqlite3_column_text(next, 0));
		sqlite3_reset(next);
		if (drop == NULL || execute(store, drop) == -1) {
			sqlite3_free(drop);
			goto out;
		}
		sqlite3_free(drop);
	}
	/* Finalized first: finalizing a finished statement clears the error. */
	sqlite3_finalize(next);
	next = NULL;
	result = execute(store, "COMMIT");
out:
	sqlite3_finalize(next);
	return result;
}

/*
 * 1 when sql is a single CREATE [UNIQUE] INDEX statement: case_info is
 * part of the case file, and what is executed from it should be no more
 * than what store_defer_indexes put there.
 */
static int
is_create_index(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*statement;
	const char	*tail;

	if (sqlite3_strnicmp(sql, "CREATE INDEX ", 13) != 0 &&
	    sqlite3_strnicmp(sql, "CREATE UNIQUE INDEX ", 20) != 0)
		return 0;
	if (sqlite3_prepare_v2(db, sql, -1, &statement, &tail) != SQLITE_OK)
		return 0;
	sqlite3_finalize(statement);
	while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == ';')
		tail++;
	return *tail == '\0';
}

/* 1 when case_info records indexes to build again (or it cannot be read). */
static int
deferred_indexes_recorded(struct store *store)
{
	sqlite3_stmt	*statement;
	int		 recorded = 1;

	if (sqlite3_prepare_v2(store->db, "SELECT EXISTS (SELECT 1 FROM case_info "
	    "WHERE substr(key, 1, length('" DEFERRED_INDEX_PREFIX "')) = '"
	    DEFERRED_INDEX_PREFIX "')", -1, &statement, NULL) != SQLITE_OK)
		return 1;
	if (sqlite3_step(statement) == SQLITE_ROW)
		recorded = sqlite3_column_int(statement, 0);
	sqlite3_finalize(statement);
	return recorded;
}

/*
 * Build again, in one transaction, the indexes store_defer_indexes
 * recorded in case_info, unless an index of that name exists already (the
 * schema's own are recreated by store_open's schema pass), and forget the
 * records. Called by ingest at the end of a bulk load and, under the case
 * lock, by case_open_for_writing. A no-op when there are none. On failure the transaction is left
 * for the caller to roll back after reading the error.
 */
int
store_restore_indexes(struct store *store)
{
	sqlite3_stmt	*next = NULL, *forget = NULL;
	char		*name = NULL, *sql = NULL;
	int		 result = -1, step;

	/* Nothing recorded (the usual case): no write transaction at all. */
	if (!deferred_indexes_recorded(store))
		return 0;
	if (execute(store, "BEGIN IMMEDIATE") == -1)
		return -1;
	if (sqlite3_prepare_v2(store->db, "SELECT substr(key, length('"
	    DEFERRED_INDEX_PREFIX "') + 1), value, (SELECT count(*) FROM "
	    "sqlite_master m WHERE m.type = 'index' AND m.name = substr(key, "
	    "length('" DEFERRED_INDEX_PREFIX "') + 1)) FROM case_info WHERE "
	    "substr(key, 1, length('" DEFERRED_INDEX_PREFIX "')) = '"
	    DEFERRED_INDEX_PREFIX "' LIMIT 1", -1, &next, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store->db, "DELETE FROM case_info WHERE key = '"
	    DEFERRED_INDEX_PREFIX "' || ?1", -1, &forget, NULL) != SQLITE_OK)
		goto out;
	while ((step = sqlite3_step(next)) == SQLITE_ROW) {
		int	exists = sqlite3_column_int(next, 2);

		name = strdup((const char *)sqlite3_column_text(next, 0));
		sql = sqlite3_column_text(next, 1) == NULL ? NULL :
		    strdup((const char *)sqlite3_column_text(next, 1));
		sqlite3_reset(next);
		if (name == NULL)
			goto out;
		if (!exists && sql != NULL && is_create_index(store->db, sql) &&
		    execute(store, sql) == -1)
			goto out;
		sqlite3_bind_text(forget, 1, name, -1, SQLITE_STATIC);
		if (step_done(forget) == -1)
			goto out;
		sqlite3_reset(forget);
		free(name);
		free(sql);
		name = sql = NULL;
	}
	/* Finalized first: finalizing a finished statement clears the error. */
	sqlite3_finalize(next);
	sqlite3_finalize(forget);
	next = forget = NULL;
	if (step == SQLITE_DONE)
		result = execute(store, "COMMIT");
out:
	free(name);
	free(sql);
	sqlite3_finalize(next);
	sqlite3_finalize(forget);
	return result;
}

/*
 * Bulk-load settings: no fsync while ingest writes (a killed process
 * loses nothing the kernel has; a power cut during ingest may damage the
 * case), and no foreign key lookups (ingest takes event_row and source_id
 * from the rows it has just inserted; the lookups cost 6% of the load).
 * When the load ends: the usual settings back, and one checkpoint that
 * makes everything durable and leaves the WAL empty.
 */
int
store_set_bulk_load(struct store *store, int bulk)
{
	if (bulk)
		return execute(store, "PRAGMA synchronous = OFF") == -1 ? -1 :
		    execute(store, "PRAGMA foreign_keys = OFF");
	if (execute(store, "PRAGMA synchronous = NORMAL") == -1 ||
	    execute(store, "PRAGMA foreign_keys = ON") == -1)
		return -1;
	return execute(store, "PRAGMA wal_checkpoint(TRUNCATE)");
}

int64_t
store_find_complete_source(struct store *store, const char *sha256)
{
	sqlite3_stmt	*statement;
	int64_t		 id = 0;

	if (sqlite3_prepare_v2(store->db, "SELECT id FROM sources WHERE sha256 = ?1 "
	    "AND status = 'complete'", -1, &statement, NULL) != SQLITE_OK)
		return -1;
	bind_text(statement, 1, sha256);
	if (sqlite3_step(statement) == SQLITE_ROW)
		id = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	return id;
}

/* Remove every row that came from a source that never completed. */
static int
forget_source(struct store *store, int64_t source_id)
{
	static const char *const deletions[] = {
		"DELETE FROM finding_evidence WHERE network_event_id IN "
		    "(SELECT id FROM network_events WHERE source_id = ?1)",
		"DELETE FROM attribution WHERE network_event_id IN "
		    "(SELECT id FROM network_events WHERE source_id = ?1)",
		/*
		 * Other sources' connections attributed (by a detect run on
		 * the partial case) to this source's processes or logons: the
		 * attribution is derived and redone by the next detect.
		 */
		"DELETE FROM attribution WHERE process_row IN "
		    "(SELECT id FROM processes WHERE source_id = ?1) OR logon_row IN "
		    "(SELECT id FROM logons WHERE source_id = ?1)",
		/*
		 * Gaps about this source, and gap evidence among its
		 * connections: derived too, and redone by the next gaps run.
		 */
		"DELETE FROM gap_evidence WHERE network_event_id IN "
		    "(SELECT id FROM network_events WHERE source_id = ?1)",
		"DELETE FROM gaps WHERE source_id = ?1",
		"DELETE FROM network_events WHERE source_id = ?1",
		"DELETE FROM processes WHERE source_id = ?1",
		"DELETE FROM logons WHERE source_id = ?1",
		"DELETE FROM audit_events WHERE source_id = ?1",
		"DELETE FROM events WHERE source_id = ?1",
		"DELETE FROM ingest_errors WHERE source_id = ?1",
		"DELETE FROM sources WHERE id = ?1",
	};
	sqlite3_stmt	*statement;
	size_t		 i;
	int		 result = 0;

	for (i = 0; i < sizeof(deletions) / sizeof(deletions[0]); i++) {
		if (sqlite3_prepare_v2(store->db, deletions[i], -1, &statement,
		    NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(statement, 1, source_id);
		if (step_done(statement) == -1)
			result = -1;
		sqlite3_finalize(statement);
	}
	return result;
}

int64_t
store_begin_source(struct store *store, const char *path, int64_t size,
    const char *sha256, const char *decoder)
{
	sqlite3_stmt	*statement;
	char		 now[40];
	int64_t		 earlier = 0;
	int		 complete = 0;

	if (sqlite3_prepare_v2(store->db, "SELECT id, status = 'complete' FROM "
	    "sources WHERE sha256 = ?1", -1, &statement, NULL) != SQLITE_OK)
		return -1;
	bind_text(statement, 1, sha256);
	if (sqlite3_step(statement) == SQLITE_ROW) {
		earlier = sqlite3_column_int64(statement, 0);
		complete = sqlite3_column_int(statement, 1);
	}
	sqlite3_finalize(statement);
	/* Another wfpsift finished this file since the caller looked. */
	if (complete)
		return 0;
	if (earlier > 0 && forget_source(store, earlier) == -1)
		return -1;
	now_iso(now, sizeof(now));
	if (sqlite3_prepare_v2(store->db, "INSERT INTO sources(path, size, sha256, "
	    "ingested_at, status, decoder) VALUES (?1, ?2, ?3, ?4, 'ingesting', ?5)",
	    -1, &statement, NULL) != SQLITE_OK)
		return -1;
	bind_text(statement, 1, path);
	sqlite3_bind_int64(statement, 2, size);
	bind_text(statement, 3, sha256);
	bind_text(statement, 4, now);
	bind_text(statement, 5, decoder);
	if (step_done(statement) == -1) {
		sqlite3_finalize(statement);
		return -1;
	}
	sqlite3_finalize(statement);
	return sqlite3_last_insert_rowid(store->db);
}

/* Room for size more bytes of EventData JSON after used. */
static int
json_reserve(struct store *store, size_t used, size_t size)
{
	size_t	 wanted = store->json_size ? store->json_size : 4096;
	char	*grown;

	if (used + size <= store->json_size)
		return 0;
	while (wanted < used + size)
		wanted *= 2;
	if ((grown = realloc(store->json, wanted)) == NULL)
		return -1;
	store->json = grown;
	store->json_size = wanted;
	return 0;
}

/*
 * Append text as a JSON string, escaped exactly as SQLite's json_object()
 * escapes a TEXT argument: backslash before '"' and '\', the short escapes
 * \b \t \n \f \r, \u00xx (lower-case hex) for the other control
 * characters, every other byte as it is. Returns the new length or -1.
 */
static ssize_t
json_append_string(struct store *store, size_t used, const char *text)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 length = strlen(text);
	char			*out;

	/* The worst case: every byte as \u00xx, and the quotes. */
	if (json_reserve(store, used, length * 6 + 2) == -1)
		return -1;
	out = store->json + used;
	*out++ = '"';
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*out++ = '\\';
			*out++ = (char)*p;
		} else if (*p >= 0x20)
			*out++ = (char)*p;
		else if (*p == '\b' || *p == '\t' || *p == '\n' || *p == '\f' ||
		    *p == '\r') {
			*out++ = '\\';
			*out++ = "btn?fr"[*p - '\b'];
		} else {
			memcpy(out, "\\u00", 4);
			out[4] = hex[*p >> 4];
			out[5] = hex[*p & 0xf];
			out += 6;
		}
	}
	*out++ = '"';
	return out - store->json;
}

/*
 * The events.data text of an event's first field_count fields, as
 * json_object(name, value, ...) writes it: {"name":"value",...}, null for
 * an absent value, names repeated as often as they come. NULL on failure
 * (out of memory, or a field without a name, which json_object refuses).
 */
static const char *
event_data_json(struct store *store, const struct event *event,
    size_t field_count, size_t *length)
{
	ssize_t	used = 1;
	size_t	i;

	if (json_reserve(store, 0, 2) == -1)
		return NULL;
	store->json[0] = '{';
	for (i = 0; i < field_count; i++) {
		const struct event_field *field = &event->fields[i];

		if (field->name == NULL || json_reserve(store, (size_t)used, 6) == -1)
			return NULL;
		if (i > 0)
			store->json[used++] = ',';
		if ((used = json_append_string(store, (size_t)used, field->name)) == -1 ||
		    json_reserve(store, (size_t)used, 6) == -1)
			return NULL;
		store->json[used++] = ':';
		if (field->value == NULL) {
			memcpy(store->json + used, "null", 4);
			used += 4;
		} else if ((used = json_append_string(store, (size_t)used,
		    field->value)) == -1)
			return NULL;
	}
	if (json_reserve(store, (size_t)used, 1) == -1)
		return NULL;
	store->json[used++] = '}';
	*length = (size_t)used;
	return store->json;
}

static int64_t
insert_event(struct store *store, int64_t source_id, const struct event *event,
    const struct normalised_event *normal, int keep_data)
{
	size_t		 fields = keep_data ? event->field_count : 0, length;
	const char	*data;
	sqlite3_stmt	*s = prepared(store, &store->insert_event,
	    "INSERT INTO events(source_id, record_id, provider, provider_guid, "
	    "channel, event_id, version, level, task, opcode, keywords, host, "
	    "time, time_unix_us, process_id, thread_id, user_sid, recovered, "
	    "record_number, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)");

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	sqlite3_bind_int64(s, 2, (int64_t)event->record_id);
	bind_text(s, 3, event->provider);
	bind_text(s, 4, event->provider_guid);
	bind_text(s, 5, event->channel);
	sqlite3_bind_int64(s, 6, event->event_id);
	bind_number(s, 7, event->version);
	bind_number(s, 8, event->level);
	bind_number(s, 9, event->task);
	bind_number(s, 10, event->opcode);
	bind_text(s, 11, event->keywords);
	bind_text(s, 12, event->computer);
	bind_nonempty(s, 13, normal->time);
	if (normal->time[0] != '\0')
		sqlite3_bind_int64(s, 14, normal->time_unix_us);
	sqlite3_bind_int64(s, 15, event->process_id);
	sqlite3_bind_int64(s, 16, event->thread_id);
	bind_text(s, 17, event->user_sid);
	sqlite3_bind_int(s, 18, event->recovered);
	if (event->record_number != 0)
		sqlite3_bind_int64(s, 19, (int64_t)event->record_number);
	/* No fields kept: NULL, as the json_object()-less statement had it. */
	if (fields > 0) {
		if ((data = event_data_json(store, event, fields, &length)) == NULL)
			return -1;
		sqlite3_bind_text(s, 20, data, (int)length, SQLITE_STATIC);
	}
	if (step_done(s) == -1)
		return -1;
	return sqlite3_last_insert_rowid(store->db);
}

/* Columns every derived table starts with. */
static void
bind_common(sqlite3_stmt *s, int64_t event_row, int64_t source_id,
    const struct event *event, const struct normalised_event *normal)
{
	sqlite3_bind_int64(s, 1, event_row);
	sqlite3_bind_int64(s, 2, source_id);
	sqlite3_bind_int64(s, 3, (int64_t)event->record_id);
	bind_text(s, 4, event->computer);
	bind_nonempty(s, 5, normal->time);
	if (normal->time[0] != '\0')
		sqlite3_bind_int64(s, 6, normal->time_unix_us);
	sqlite3_bind_int64(s, 7, event->event_id);
}

static int
insert_network(struct store *store, int64_t event_row, int64_t source_id,
    const struct event *event, const struct normalised_event *normal)
{
	const struct network_row *n = &normal->network;
	sqlite3_stmt	*s = prepared(store, &store->insert_network,
	    "INSERT INTO network_events(event_row, source_id, record_id, host, "
	    "time, time_unix_us, event_id, provider, action, direction, protocol, "
	    "protocol_name, local_ip, local_port, remote_ip, remote_port, "
	    "raw_direction, raw_source_ip, raw_source_port, raw_dest_ip, "
	    "raw_dest_port, pid, application, application_path, application_name, "
	    "layer_name, layer, layer_rtid, filter_rtid, user_name, process_guid, "
	    "recovered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, "
	    "?27, ?28, ?29, ?30, ?31, ?32)");

	if (s == NULL)
		return -1;
	bind_common(s, event_row, source_id, event, normal);
	bind_text(s, 8, event->provider);
	bind_text(s, 9, n->action);
	bind_text(s, 10, n->direction);
	bind_number(s, 11, n->protocol);
	bind_text(s, 12, n->protocol_name);
	bind_nonempty(s, 13, n->local_ip);
	bind_number(s, 14, n->local_port);
	bind_nonempty(s, 15, n->remote_ip);
	bind_number(s, 16, n->remote_port);
	bind_text(s, 17, n->raw_direction);
	bind_text(s, 18, n->raw_source_ip);
	bind_text(s, 19, n->raw_source_port);
	bind_text(s, 20, n->raw_dest_ip);
	bind_text(s, 21, n->raw_dest_port);
	bind_number(s, 22, n->pid);
	bind_text(s, 23, n->application);
	bind_nonempty(s, 24, n->application_path);
	bind_nonempty(s, 25, n->application_name);
	bind_text(s, 26, n->layer_name);
	bind_text(s, 27, n->layer);
	bind_number(s, 28, n->layer_rtid);
	bind_number(s, 29, n->filter_rtid);
	bind_text(s, 30, n->user_name);
	bind_text(s, 31, n->process_guid);
	sqlite3_bind_int(s, 32, event->recovered);
	return step_done(s);
}

static int
insert_process(struct store *store, int64_t event_row, int64_t source_id,
    const struct event *event, const struct normalised_event *normal)
{
	const struct process_row *p = &normal->process;
	sqlite3_stmt	*s = prepared(store, &store->insert_process,
	    "INSERT INTO processes(event_row, source_id, record_id, host, time, "
	    "time_unix_us, event_id, kind, pid, parent_pid, image, image_path, "
	    "image_name, command_line, parent_image, user_sid, user_name, "
	    "user_domain, logon_id, subject_user_name, subject_domain, "
	    "subject_logon_id, token_elevation, elevated, mandatory_label, "
	    "process_guid, parent_process_guid, exit_status) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
	    "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)");

	if (s == NULL)
		return -1;
	bind_common(s, event_row, source_id, event, normal);
	bind_text(s, 8, p->kind);
	bind_number(s, 9, p->pid);
	bind_number(s, 10, p->parent_pid);
	bind_text(s, 11, p->image);
	bind_nonempty(s, 12, p->image_path);
	bind_nonempty(s, 13, p->image_name);
	bind_text(s, 14, p->command_line);
	bind_text(s, 15, p->parent_image);
	bind_text(s, 16, p->user_sid);
	bind_text(s, 17, p->user_name);
	bind_text(s, 18, p->user_domain);
	bind_nonempty(s, 19, p->logon_id);
	bind_text(s, 20, p->subject_user_name);
	bind_text(s, 21, p->subject_domain);
	bind_nonempty(s, 22, p->subject_logon_id);
	bind_text(s, 23, p->token_elevation);
	bind_number(s, 24, p->elevated);
	bind_text(s, 25, p->mandatory_label);
	bind_text(s, 26, p->process_guid);
	bind_text(s, 27, p->parent_process_guid);
	bind_text(s, 28, p->exit_status);
	return step_done(s);
}

static int
insert_logon(struct store *store, int64_t event_row, int64_t source_id,
    const struct event *event, const struct normalised_event *normal)
{
	const struct logon_row *l = &normal->logon;
	sqlite3_stmt	*s = prepared(store, &store->insert_logon,
	    "INSERT INTO logons(event_row, source_id, record_id, host, time, "
	    "time_unix_us, event_id, user_sid, user_name, user_domain, logon_id, "
	    "logon_type, source_ip, source_port, workstation, process_name, "
	    "authentication, elevated_token, privileges) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)");

	if (s == NULL)
		return -1;
	bind_common(s, event_row, source_id, event, normal);
	bind_text(s, 8, l->user_sid);
	bind_text(s, 9, l->user_name);
	bind_text(s, 10, l->user_domain);
	bind_nonempty(s, 11, l->logon_id);
	bind_number(s, 12, l->logon_type);
	bind_nonempty(s, 13, l->source_ip);
	bind_number(s, 14, l->source_port);
	bind_text(s, 15, l->workstation);
	bind_text(s, 16, l->process_name);
	bind_text(s, 17, l->authentication);
	bind_text(s, 18, l->elevated_token);
	bind_text(s, 19, l->privileges);
	return step_done(s);
}

static int
insert_audit(struct store *store, int64_t event_row, int64_t source_id,
    const struct event *event, const struct normalised_event *normal)
{
	const struct audit_row *a = &normal->audit;
	sqlite3_stmt	*s = prepared(store, &store->insert_audit,
	    "INSERT INTO audit_events(event_row, source_id, record_id, host, time, "
	    "time_unix_us, event_id, provider, subject_user_sid, subject_user_name, "
	    "subject_domain, subject_logon_id, category_id, subcategory_id, "
	    "subcategory_guid, changes, description) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");

	if (s == NULL)
		return -1;
	bind_common(s, event_row, source_id, event, normal);
	bind_text(s, 8, event->provider);
	bind_text(s, 9, a->subject_user_sid);
	bind_text(s, 10, a->subject_user_name);
	bind_text(s, 11, a->subject_domain);
	bind_nonempty(s, 12, a->subject_logon_id);
	bind_text(s, 13, a->category_id);
	bind_text(s, 14, a->subcategory_id);
	bind_text(s, 15, a->subcategory_guid);
	bind_text(s, 16, a->changes);
	bind_text(s, 17, a->description);
	return step_done(s);
}

int
store_add_event(struct store *store, int64_t source_id, const struct event *event,
    const struct normalised_event *normal, int keep_all_data)
{
	int	keep = keep_all_data || normal->kind != NORMALISED_NONE;
	int64_t	row = insert_event(store, source_id, event, normal, keep);

	if (row < 0)
		return -1;
	switch (normal->kind) {
	case NORMALISED_NETWORK:
		return insert_network(store, row, source_id, event, normal);
	case NORMALISED_PROCESS:
		return insert_process(store, row, source_id, event, normal);
	case NORMALISED_LOGON:
		return insert_logon(store, row, source_id, event, normal);
	case NORMALISED_AUDIT:
		return insert_audit(store, row, source_id, event, normal);
	case NORMALISED_NONE:
		break;
	}
	return 0;
}

int
store_add_error(struct store *store, int64_t source_id, const char *path,
    const char *kind, long record_index, int64_t record_id, long chunk,
    const char *message)
{
	sqlite3_stmt	*s = prepared(store, &store->insert_error,
	    "INSERT INTO ingest_errors(source_id, path, record_index, record_id, "
	    "chunk, kind, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");

	if (s == NULL)
		return -1;
	if (source_id > 0)
		sqlite3_bind_int64(s, 1, source_id);
	bind_text(s, 2, path);
	bind_number(s, 3, record_index);
	bind_number(s, 4, record_id);
	bind_number(s, 5, chunk);
	bind_text(s, 6, kind);
	bind_text(s, 7, message);
	return step_done(s);
}

int
store_finish_source(struct store *store, int64_t source_id,
    const struct source_summary *summary)
{
	sqlite3_stmt	*s;
	char		 now[40], first[40], last[40], version[16];
	int		 result;

	now_iso(now, sizeof(now));
	if (sqlite3_prepare_v2(store->db, "UPDATE sources SET status = ?2, "
	    "completed_at = CASE WHEN ?2 = 'complete' THEN ?3 END, "
	    "record_count = ?4, recovered_count = ?5, error_count = ?6, "
	    "header_flags = ?7, dirty = ?7 & 1, full = (?7 & 2) != 0, "
	    "corrupted = ?8, format_version = ?9, chunk_count = ?10, "
	    "next_record_id = ?11, first_record_id = ?12, last_record_id = ?13, "
	    "first_time = ?14, last_time = ?15, recovered_duplicates = ?16 "
	    "WHERE id = ?1", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	bind_text(s, 2, summary->status);
	bind_text(s, 3, now);
	sqlite3_bind_int64(s, 4, summary->record_count);
	sqlite3_bind_int64(s, 5, summary->recovered_count);
	sqlite3_bind_int64(s, 6, summary->error_count);
	bind_number(s, 7, summary->header_flags);
	sqlite3_bind_int(s, 8, summary->corrupted);
	if (summary->major_version > 0) {
		snprintf(version, sizeof(version), "%d.%d",
		    summary->major_version, summary->minor_version);
		bind_text(s, 9, version);
	}
	bind_number(s, 10, summary->chunk_count);
	bind_number(s, 11, summary->next_record_id);
	bind_number(s, 12, summary->first_record_id);
	bind_number(s, 13, summary->last_record_id);
	if (summary->first_filetime != 0) {
		filetime_to_iso(summary->first_filetime, first, sizeof(first));
		filetime_to_iso(summary->last_filetime, last, sizeof(last));
		bind_text(s, 14, first);
		bind_text(s, 15, last);
	}
	sqlite3_bind_int64(s, 16, summary->recovered_duplicates);
	result = step_done(s);
	sqlite3_finalize(s);
	return result;
}

int
store_record_numbers(struct store *store, int64_t source_id, int64_t **out,
    size_t *count)
{
	sqlite3_stmt	*s;
	int64_t		*numbers = NULL, *grown;
	size_t		 allocated = 0;
	int		 step;

	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(store->db, "SELECT DISTINCT record_number FROM "
	    "events WHERE source_id = ?1 AND record_number IS NOT NULL ORDER BY 1",
	    -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, source_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*count == allocated) {
			allocated = allocated ? allocated * 2 : 4096;
			if ((grown = realloc(numbers, allocated * sizeof(*numbers))) == NULL) {
				step = SQLITE_NOMEM;
				break;
			}
			numbers = grown;
		}
		numbers[(*count)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE) {
		free(numbers);
		*count = 0;
		return -1;
	}
	*out = numbers;
	return 0;
}

/* 1 when table has a column of this name, 0 when not, -1 on error. */
static int
has_column(struct store *store, const char *table, const char *column)
{
	sqlite3_stmt	*statement;
	int		 found = -1;

	if (sqlite3_prepare_v2(store->db, "SELECT count(*) FROM "
	    "pragma_table_info(?1) WHERE name = ?2", -1, &statement,
	    NULL) != SQLITE_OK)
		return -1;
	bind_text(statement, 1, table);
	bind_text(statement, 2, column);
	if (sqlite3_step(statement) == SQLITE_ROW)
		found = sqlite3_column_int(statement, 0) > 0;
	sqlite3_finalize(statement);
	return found;
}

/*
 * The columns added to schema.sql since a case could first be written,
 * oldest first, with their declarations as schema.sql has them.
 */
static const char *const added_columns[][3] = {
	{ "findings", "reference_rules", "TEXT" },
	{ "findings", "seen_from", "TEXT" },
	{ "findings", "seen_by", "TEXT" },
	{ "findings", "service", "TEXT" },
	{ "sources", "recovered_duplicates", "INTEGER NOT NULL DEFAULT 0" },
};

int
store_add_missing_columns(struct store *store)
{
	size_t	i;
	char	*sql;
	int	 present, result = 0;

	for (i = 0; i < sizeof(added_columns) / sizeof(added_columns[0]) &&
	    result == 0; i++) {
		if ((present = has_column(store, added_columns[i][0],
		    added_columns[i][1])) != 0) {
			result = present == -1 ? -1 : 0;
			continue;
		}
		sql = sqlite3_mprintf("ALTER TABLE \"%w\" ADD COLUMN \"%w\" %s",
		    added_columns[i][0], added_columns[i][1], added_columns[i][2]);
		result = sql == NULL ? -1 : execute(store, sql);
		sqlite3_free(sql);
	}
	return result;
}
