/*
 * store.h: the SQLite case file.
 *
 * store_open creates or opens a case and brings its schema (schema.sql) up
 * to date; store_open_readonly opens one for report, which only reads.
 * Commands that only read or that replace derived tables (detect, gaps,
 * report) use store_db() and plain prepared statements. Ingest writes
 * through the batch functions in this header, inside large transactions.
 */
#ifndef WFPSIFT_STORE_H
#define WFPSIFT_STORE_H

#include <sqlite3.h>
#include <stdint.h>

struct store;
struct event;
struct normalised_event;

/*
 * Open or create the case at path, read-write, and bring its schema up to
 * date. must_exist: fail if it is missing. Waits for another writer.
 */
int	 store_open(const char *path, int must_exist, struct store **,
	    char *error, size_t error_size);

/*
 * Open the existing case at path read-only (SQLITE_OPEN_READONLY), for
 * report: nothing is written to the case, and a writer's open transaction
 * is not waited for (WAL readers see the last commit). Tables and views
 * of the schema the case lacks are created empty in the temp schema.
 * SQLite may leave the case's -wal (empty) and -shm files beside it.
 * Returns 0, or -1 with a message naming path in error.
 */
int	 store_open_readonly(const char *path, struct store **, char *error,
	    size_t error_size);
void	 store_close(struct store *);
sqlite3	*store_db(struct store *);

/* Transactions: ingest commits every few thousand records. */
int	 store_begin(struct store *);
int	 store_commit(struct store *);
int	 store_rollback(struct store *);

/*
 * For a bulk load: drop the secondary indexes of the tables ingest fills
 * (not those leading with source_id), recording their definitions in
 * case_info, and build them again at the end. case_open_for_writing
 * restores any a killed run left recorded, under the case lock (a reader
 * such as report must not rebuild them under a running bulk load). Both run their own transaction; on failure
 * they leave it open, for the caller to read the error and roll back.
 */
int	 store_defer_indexes(struct store *);
int	 store_restore_indexes(struct store *);

/*
 * bulk 1: no fsync and no foreign key lookups during the load (survives a
 * killed process, not a power cut); 0: back to the usual settings, with a
 * checkpoint that makes the case durable. Call outside a transaction.
 */
int	 store_set_bulk_load(struct store *, int bulk);

/* The id of a source with this SHA-256 that completed, or 0. */
int64_t	 store_find_complete_source(struct store *, const char *sha256);

/*
 * Start a source: remove any earlier incomplete attempt with the same hash
 * (and its rows), insert a row with status 'ingesting', return its id.
 * Returns 0 when a complete source with this hash is already there (another
 * process finished it since store_find_complete_source was asked), checked
 * inside the caller's write transaction.
 */
int64_t	 store_begin_source(struct store *, const char *path, int64_t size,
	    const char *sha256, const char *decoder);

/* Store one decoded, normalised event and the rows derived from it. */
int	 store_add_event(struct store *, int64_t source_id,
	    const struct event *, const struct normalised_event *, int keep_all_data);

/* Record one reading problem against a source (source_id may be 0). */
int	 store_add_error(struct store *, int64_t source_id, const char *path,
	    const char *kind, long record_index, int64_t record_id, long chunk,
	    const char *message);

/* What ingest learnt about a file, written when it is done. */
struct source_summary {
	const char	*status;	/* "complete" or "failed" */
	int64_t		 record_count, recovered_count, error_count;
	int64_t		 recovered_duplicates;	/* slack copies not stored */
	int64_t		 header_flags;	/* -1 when the header was unreadable */
	int		 corrupted;
	int		 major_version, minor_version;
	int64_t		 chunk_count, next_record_id;
	int64_t		 first_record_id, last_record_id;	/* -1 when none */
	int64_t		 first_filetime, last_filetime;		/* 0 when none */
};

/* Fill in a source's header facts and counts and mark it complete or failed. */
int	 store_finish_source(struct store *, int64_t source_id,
	    const struct source_summary *);

/*
 * The distinct record numbers (record header identifiers) stored for a
 * source, live or recovered, ascending, in a malloc'd array the caller
 * frees. Returns 0 or -1.
 */
int	 store_record_numbers(struct store *, int64_t source_id, int64_t **numbers,
	    size_t *count);

/*
 * Add the columns of schema.sql that a case written by an earlier version
 * lacks (CREATE TABLE IF NOT EXISTS leaves an existing table as it is).
 * Writers call it under the case lock, outside a transaction. Returns 0
 * or -1.
 */
int	 store_add_missing_columns(struct store *);

/* The last SQLite error message of this store. */
const char *store_error(struct store *);

#endif
