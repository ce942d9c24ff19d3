/*
 * case-lock.h: one wfpsift process writes a case at a time.
 *
 * Every command that writes the case (ingest, detect, gaps, analyze) takes
 * the case's writer lock before it opens the case and releases it after
 * closing it; report, which only reads, takes none. A second writer waits
 * for the first, saying so on stderr, and gives up after a bounded time.
 * SQLite alone keeps a case consistent under two writers, but two ingests
 * of one large file would each redo the other's half-written source (one
 * then failed); the lock makes them take turns.
 *
 * The lock is flock(2) on the case file itself: nothing is created beside
 * the case, a read-only case or folder needs no write access to lock, and
 * the lock goes with the process however it ends (even SIGKILL). flock
 * locks are separate from the fcntl locks SQLite takes, on local file
 * systems. A case that cannot be opened or locked at all (missing, a
 * folder, in /proc) is left to store_open, which says what is wrong.
 */
#ifndef WFPSIFT_CASE_LOCK_H
#define WFPSIFT_CASE_LOCK_H

#include <stddef.h>

/* How long a writer waits for another by default, in seconds. */
#define CASE_LOCK_WAIT_SECONDS 600

/* The environment variable that changes the wait (seconds, 0: do not wait). */
#define CASE_LOCK_WAIT_ENV "WFPSIFT_LOCK_WAIT"

struct case_lock;
struct store;

/*
 * Take the writer lock of the case at path, creating the (empty) case file
 * when create is set and it does not exist. While another process holds
 * it, print one line saying so to stderr (once) and wait, up to the
 * seconds CASE_LOCK_WAIT_ENV names or CASE_LOCK_WAIT_SECONDS.
 *
 * Returns 0 with *lock set (NULL when the case could not be opened to lock,
 * which store_open then reports), 1 when the wait ran out, or -1 when
 * locking failed; both with a message in error.
 */
int	 case_lock_take(const char *path, int create, struct case_lock **lock,
	    char *error, size_t error_size);

/* Release the lock (after the case is closed). NULL is allowed. */
void	 case_lock_release(struct case_lock *);

/*
 * What the commands that write a case call: take its lock, then
 * store_open it (must_exist as store_open takes it), rebuild the indexes
 * a killed bulk load dropped, and add the columns an older case lacks.
 * Returns EXIT_OK with both set, EXIT_BUSY when another process kept the
 * case past the wait, or EXIT_ERROR; on failure error says why and
 * nothing is held.
 */
int	 case_open_for_writing(const char *path, int must_exist,
	    struct store **store, struct case_lock **lock, char *error,
	    size_t error_size);

/* store_close, then release the lock. */
void	 case_close(struct store *, struct case_lock *);

#endif
