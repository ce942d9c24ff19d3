/*
 * case-lock.c: the per-case writer lock (see case-lock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "case-lock.h"
#include "command.h"
#include "store.h"
#include "util.h"

/* How often a waiting writer tries the lock again, in milliseconds. */
#define POLL_MS 100

struct case_lock {
	int	fd;
};

/*
 * The case file opened to hold a lock: read-write (created when asked),
 * else read-only, which is enough for flock and is all a read-only case
 * allows. -1 when it cannot be opened at all.
 */
static int
open_case_file(const char *path, int create)
{
	const int	flags = O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	int		fd;

	/* 0644: the mode SQLite gives the cases it creates. */
	fd = open(path, O_RDWR | flags | (create ? O_CREAT : 0), 0644);
	if (fd == -1 && (errno == EACCES || errno == EROFS || errno == EPERM))
		fd = open(path, O_RDONLY | flags);
	return fd;
}

/* The longest wait, from the environment or the default. */
static long
wait_limit_ms(void)
{
	const char	*text = getenv(CASE_LOCK_WAIT_ENV);
	char		*end;
	long		 seconds;

	if (text == NULL || *text == '\0')
		return CASE_LOCK_WAIT_SECONDS * 1000L;
	seconds = strtol(text, &end, 10);
	if (*end != '\0' || seconds < 0 || seconds > 86400 * 7)
		return CASE_LOCK_WAIT_SECONDS * 1000L;
	return seconds * 1000;
}

/* Milliseconds on a clock that only goes forward. */
static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep POLL_MS, resuming after signals. */
static void
pause_briefly(void)
{
	struct timespec	ts = { 0, POLL_MS * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Say once on stderr that this process waits for another, naming the case. */
static void
say_waiting(const char *path, long limit_ms)
{
	fputs("wfpsift: waiting for another wfpsift process writing ", stderr);
	fputs_safe(path, stderr);
	fprintf(stderr, " (up to %ld s)\n", limit_ms / 1000);
}

/*
 * Try the lock until it is ours or limit_ms has passed. 0 when taken, 1
 * when the wait ran out, -1 when flock failed (errno set).
 */
static int
wait_for_lock(int fd, const char *path, long limit_ms)
{
	long long	deadline = now_ms() + limit_ms;
	int		said = 0;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -1;
		if (now_ms() >= deadline)
			return 1;
		if (!said) {
			say_waiting(path, limit_ms);
			said = 1;
		}
		pause_briefly();
	}
}

int
case_lock_take(const char *path, int create, struct case_lock **lock,
    char *error, size_t error_size)
{
	long	limit_ms = wait_limit_ms();
	int	fd, result;

	*lock = NULL;
	if ((fd = open_case_file(path, create)) == -1)
		return 0;
	result = wait_for_lock(fd, path, limit_ms);
	if (result != 0) {
		if (result == 1)
			snprintf(error, error_size, "%s: another wfpsift process "
			    "is still writing the case; gave up after %ld s", path,
			    limit_ms / 1000);
		else
			snprintf(error, error_size, "%s: cannot lock the case: %s",
			    path, strerror(errno));
		close(fd);
		return result;
	}
	if ((*lock = malloc(sizeof(**lock))) == NULL) {
		snprintf(error, error_size, "out of memory");
		close(fd);
		return -1;
	}
	(*lock)->fd = fd;
	return 0;
}

void
case_lock_release(struct case_lock *lock)
{
	if (lock == NULL)
		return;
	close(lock->fd);	/* closing the only descriptor drops the lock */
	free(lock);
}

int
case_open_for_writing(const char *path, int must_exist, struct store **store,
    struct case_lock **lock, char *error, size_t error_size)
{
	int	result;

	*store = NULL;
	result = case_lock_take(path, !must_exist, lock, error, error_size);
	if (result != 0)
		return result == 1 ? EXIT_BUSY : EXIT_ERROR;
	if (store_open(path, must_exist, store, error, error_size) == -1) {
		case_lock_release(*lock);
		*lock = NULL;
		return EXIT_ERROR;
	}
	/* Indexes a killed bulk load left dropped: only a writer rebuilds them. */
	if (store_restore_indexes(*store) == -1) {
		snprintf(error, error_size, "%s: cannot rebuild its indexes: %s",
		    path, sqlite3_errmsg(store_db(*store)));
		case_close(*store, *lock);
		*store = NULL;
		*lock = NULL;
		return EXIT_ERROR;
	}
	/* A case from an earlier version gets the columns added since. */
	if (store_add_missing_columns(*store) == -1) {
		snprintf(error, error_size, "%s: cannot add the new columns of "
		    "its schema: %s", path, sqlite3_errmsg(store_db(*store)));
		case_close(*store, *lock);
		*store = NULL;
		*lock = NULL;
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

void
case_close(struct store *store, struct case_lock *lock)
{
	store_close(store);
	case_lock_release(lock);
}
