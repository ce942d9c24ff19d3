/*
 * report.c: choosing a report format and writing it, and the SQLite helpers
 * the format writers share.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "report-internal.h"

static const struct {
	enum report_format	 format;
	const char		*name;
	const char		*file_name;
} formats[] = {
	{ REPORT_CSV, "csv", "timeline.csv" },
	{ REPORT_JSONL, "jsonl", "events.jsonl" },
	{ REPORT_HTML, "html", "report.html" },
};
#define FORMAT_COUNT (sizeof(formats) / sizeof(formats[0]))

int
report_format_parse(const char *name, enum report_format *format)
{
	size_t	i;

	for (i = 0; i < FORMAT_COUNT; i++) {
		if (strcmp(name, formats[i].name) == 0) {
			*format = formats[i].format;
			return 0;
		}
	}
	return -1;
}

const char *
report_format_name(enum report_format format)
{
	size_t	i;

	for (i = 0; i < FORMAT_COUNT; i++)
		if (formats[i].format == format)
			return formats[i].name;
	return "unknown";
}

const char *
report_format_file_name(enum report_format format)
{
	size_t	i;

	for (i = 0; i < FORMAT_COUNT; i++)
		if (formats[i].format == format)
			return formats[i].file_name;
	return "report";
}

/*
 * Write the report, then make sure it reached out: a full disk shows up only
 * as a stream error, and a truncated report must not pass for a whole one.
 */
int
report_write(sqlite3 *db, enum report_format format, FILE *out, char *error,
    size_t error_size)
{
	int	result;

	switch (format) {
	case REPORT_CSV:
		result = report_write_csv(db, out, error, error_size);
		break;
	case REPORT_JSONL:
		result = report_write_jsonl(db, out, error, error_size);
		break;
	case REPORT_HTML:
		result = report_write_html(db, out, error, error_size);
		break;
	default:
		snprintf(error, error_size, "unknown report format %d",
		    (int)format);
		return -1;
	}
	if (result == -1)
		return -1;
	if (fflush(out) == EOF || ferror(out)) {
		snprintf(error, error_size, "writing the %s report: %s",
		    report_format_name(format), strerror(errno));
		return -1;
	}
	return 0;
}

int
report_sqlite_error(sqlite3 *db, char *error, size_t error_size,
    const char *what)
{
	snprintf(error, error_size, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/*
 * Run a query that returns one number. The report uses this for counts and
 * time bounds, where a missing value has a natural fallback (0, or "none").
 */
int64_t
report_query_int(sqlite3 *db, const char *sql, int64_t fallback)
{
	sqlite3_stmt	*statement;
	int64_t		 value = fallback;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK)
		return fallback;
	if (sqlite3_step(statement) == SQLITE_ROW &&
	    sqlite3_column_type(statement, 0) != SQLITE_NULL)
		value = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	return value;
}

/*
 * Open a temporary file next to path (path.XXXXXX), with the permissions a
 * plain fopen would give, so the report replaces path only once complete.
 */
static FILE *
open_temporary(const char *path, char *temporary, size_t size)
{
	mode_t	mask;
	int	fd;
	FILE	*out;

	if ((size_t)snprintf(temporary, size, "%s.XXXXXX", path) >= size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = mkstemp(temporary)) == -1)
		return NULL;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) == -1 || (out = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(temporary);
		return NULL;
	}
	return out;
}

/*
 * Follow path through symbolic links into target, the file a report at
 * path ends up in: renaming over the link would replace the link itself.
 * Only the last component is followed (rename follows the directories
 * itself), and a link to a file not there yet gives that file. Returns 0,
 * or -1 with errno set (ELOOP, ENAMETOOLONG, or readlink's).
 */
static int
follow_links(const char *path, char *target, size_t size)
{
	struct stat	 status;
	char		 link[PATH_MAX], next[PATH_MAX];
	const char	*slash;
	ssize_t		 length;
	int		 hops, n;

	if ((size_t)snprintf(target, size, "%s", path) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (hops = 0; hops < 40; hops++) {
		if (lstat(target, &status) == -1 || !S_ISLNK(status.st_mode))
			return 0;
		if ((length = readlink(target, link, sizeof link - 1)) == -1)
			return -1;
		link[length] = '\0';
		/* A relative link is relative to the folder the link is in. */
		if (link[0] == '/' || (slash = strrchr(target, '/')) == NULL)
			n = snprintf(next, sizeof next, "%s", link);
		else
			n = snprintf(next, sizeof next, "%.*s/%s",
			    (int)(slash - target), target, link);
		if (n < 0 || (size_t)n >= sizeof next || (size_t)n >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(target, next, (size_t)n + 1);
	}
	errno = ELOOP;
	return -1;
}

/*
 * Connect to the Unix stream socket at path: a socket cannot be opened
 * like a file, and the listener on it is what should get the report.
 * Returns the descriptor, or -1 with errno set.
 */
static int
connect_socket(const char *path)
{
	struct sockaddr_un	address;
	int			fd, saved;

	memset(&address, 0, sizeof address);
	address.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof address.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(address.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&address, sizeof address) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Write the report into path as it is: a FIFO, a device or a socket,
 * which a temporary file renamed over it would replace with a regular
 * file. A FIFO waits for its reader, as any writer does. What a failed
 * run wrote cannot be taken back here.
 */
static int
write_in_place(sqlite3 *db, enum report_format format, const char *path,
    const struct stat *status, char *error, size_t error_size)
{
	char	 detail[1024];
	FILE	*out;
	int	 fd, result;
	void	(*previous)(int);

	/* A disk is no place for a report, and may be the evidence itself. */
	if (S_ISBLK(status->st_mode)) {
		snprintf(error, error_size, "%s: is a block device; choose a file",
		    path);
		return -1;
	}
	if (S_ISSOCK(status->st_mode))
		fd = connect_socket(path);
	else
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 || (out = fdopen(fd, "w")) == NULL) {
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	/* A reader that goes away is an error to report, not a silent death. */
	previous = signal(SIGPIPE, SIG_IGN);
	result = report_write(db, format, out, detail, sizeof detail);
	if (result == -1)
		snprintf(error, error_size, "%s: %s", path, detail);
	if (fclose(out) == EOF && result == 0) {
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
		result = -1;
	}
	signal(SIGPIPE, previous);
	return result;
}

/*
 * Write the report to a temporary file beside target and rename it over
 * target once complete, so that a failed run never leaves half a report.
 * Messages name path, the name the user gave.
 */
static int
write_replacing(sqlite3 *db, enum report_format format, const char *path,
    const char *target, char *error, size_t error_size)
{
	char	 temporary[PATH_MAX + 8], detail[1024];
	FILE	*out;

	if ((out = open_temporary(target, temporary, sizeof temporary)) == NULL) {
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (report_write(db, format, out, detail, sizeof detail) == -1) {
		snprintf(error, error_size, "%s: %s", path, detail);
		fclose(out);
		unlink(temporary);
		return -1;
	}
	if (fclose(out) == EOF || rename(temporary, target) == -1) {
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
		unlink(temporary);
		return -1;
	}
	return 0;
}

/*
 * A regular file, or a name not yet taken, is replaced once the report is
 * complete; through a symbolic link it is the link's target that is. What
 * is not a regular file is written into; a directory is refused.
 */
int
report_write_file(sqlite3 *db, enum report_format format, const char *path,
    char *error, size_t error_size)
{
	struct stat	status;
	char		target[PATH_MAX];

	if (stat(path, &status) == 0) {
		if (S_ISDIR(status.st_mode)) {
			snprintf(error, error_size, "%s: is a directory", path);
			return -1;
		}
		if (!S_ISREG(status.st_mode))
			return write_in_place(db, format, path, &status, error,
			    error_size);
	}
	if (follow_links(path, target, sizeof target) == -1) {
		snprintf(error, error_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	return write_replacing(db, format, path, target, error, error_size);
}
