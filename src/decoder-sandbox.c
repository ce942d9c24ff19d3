/*
 * decoder-sandbox.c: the reference decoder, with libevtx in a child process.
 *
 * libevtx 20181227 trusts some sizes in the file: a template instance that
 * claims 0x40000010 values makes it multiply past 32 bits and read far
 * outside the chunk, and a four-byte change to a real log is enough to
 * crash it. Logs are hostile input, so libevtx never runs in wfpsift's own
 * process: this decoder starts a child that opens the file with the
 * in-process reference decoder (decoder-libevtx-xml.c) and answers one
 * request at a time, "the record at index i", with the decoded event.
 *
 * The child is this same program started again (posix_spawn of
 * /proc/self/exe) with WFPSIFT_LIBEVTX_WORKER naming its socket; a
 * constructor below sees that variable and serves requests before main
 * runs. A plain fork would copy a multithreaded process whose other
 * threads may hold locks (a sanitizer's allocator did, and the child hung);
 * a fresh program holds none, and every program that links a decoder --
 * wfpsift, the tests, the fuzz targets -- can be its own worker.
 *
 * When the child dies or does not answer within SANDBOX_TIMEOUT_SECONDS
 * (or $WFPSIFT_LIBEVTX_TIMEOUT),
 * the record it was reading is reported as a problem that names the signal,
 * and a new child is started for the records after it. After
 * SANDBOX_MAX_CRASHES crashes in one file (or $WFPSIFT_LIBEVTX_MAX_CRASHES),
 * libevtx is not asked again for that file: every further record it would
 * have read is reported skipped, so a file full of poisoned records cannot
 * turn into hours of restarts.
 *
 * Starting a worker costs a program start (half a second under the
 * sanitizers), and a case may hold hundreds of logs, so a worker that
 * ends a file in good health is kept: it is told to close the file and
 * waits in a small pool for the next one, which any thread may take.
 *
 * The parent and child talk over a socket pair (send with MSG_NOSIGNAL, so
 * a dead child is an error to read, never a SIGPIPE). The child is the same
 * program, so plain structs cross unchanged; strings are sent with their
 * lengths and read back into one reused buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decoder.h"

#define SANDBOX_TIMEOUT_SECONDS	120
#define SANDBOX_MAX_CRASHES	100
#define SANDBOX_MAX_CRASHES_ENV	"WFPSIFT_LIBEVTX_MAX_CRASHES"
#define SANDBOX_TIMEOUT_ENV	"WFPSIFT_LIBEVTX_TIMEOUT"
/* A test hook: "segv:I,J" or "hang:I" fails those indexes; "openfail" fails opens. */
#define WORKER_FAULT_ENV	"WFPSIFT_TEST_LIBEVTX_FAULT"
#define NO_STRING		UINT32_MAX
#define WORKER_ENV		"WFPSIFT_LIBEVTX_WORKER"
#define WORKER_SOCKET		3	/* the child's end of the socket pair */
#define WORKER_MEMORY		(4ULL << 30)	/* address space, bytes */
#define NEXT_FILE		(-1L)	/* a request: close this file, await another */
#define IDLE_WORKERS		8	/* at most this many wait in the pool */

/* Sanitizers reserve terabytes of address space: they get an option instead. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

extern char	**environ;

struct decoder {
	char			*path;
	pid_t			 child;		/* 0 when none runs */
	int			 socket;
	int			 given_up;	/* too many crashes: libevtx not asked again */
	int			 crashes;
	long			 next_index;
	int			 max_crashes;
	int			 timeout_seconds;
	struct evtx_file_info	 info;
	char			*payload;	/* the last reply's strings, reused */
	size_t			 payload_allocated;
};

/* What the child sends for each request; payload_size bytes follow. */
struct reply {
	int		status;		/* enum decode_status, or -2: open failed */
	char		kind[16];	/* the problem's kind */
	long		record_index;
	int64_t		record_id;
	long		chunk;
	uint32_t	payload_size;
};

/* The event's numbers, sent as they are; its strings follow. */
struct event_numbers {
	long		record_index;
	int		recovered;
	uint64_t	record_number;
	uint64_t	record_id;
	uint32_t	event_id;
	int		version, level, task, opcode;
	int64_t		filetime;
	uint32_t	process_id, thread_id;
	size_t		field_count;
	int		fields_truncated;
};

/* The child's first word: 0 and the file's info follow, or OPEN_FAILED and a reply. */
#define OPEN_FAILED	(-2)

/* Write all of buffer; -1 when the other side has gone. */
static int
send_all(int socket, const void *buffer, size_t size)
{
	const char	*p = buffer;
	ssize_t		 written;

	while (size > 0) {
		written = send(socket, p, size, MSG_NOSIGNAL);
		if (written == -1 && errno == EINTR)
			continue;
		if (written <= 0)
			return -1;
		p += written;
		size -= (size_t)written;
	}
	return 0;
}

/*
 * Read exactly size bytes, waiting at most timeout_ms for each part
 * (-1: forever). Returns 0, -1 on end of stream or error, -2 on timeout.
 */
static int
receive_all(int socket, void *buffer, size_t size, int timeout_ms)
{
	char		*p = buffer;
	struct pollfd	 poll_socket = { .fd = socket, .events = POLLIN };
	ssize_t		 got;
	int		 ready;

	while (size > 0) {
		ready = poll(&poll_socket, 1, timeout_ms);
		if (ready == -1 && errno == EINTR)
			continue;
		if (ready == 0)
			return -2;
		if (ready == -1)
			return -1;
		got = recv(socket, p, size, 0);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		size -= (size_t)got;
	}
	return 0;
}

/* Append size bytes to the child's outgoing buffer, growing it. */
static int
put_bytes(char **buffer, size_t *used, size_t *allocated, const void *data,
    size_t size)
{
	char	*grown;
	size_t	 new_size;

	if (*used + size > *allocated) {
		new_size = *allocated ? *allocated : 65536;
		while (new_size < *used + size)
			new_size *= 2;
		if ((grown = realloc(*buffer, new_size)) == NULL)
			return -1;
		*buffer = grown;
		*allocated = new_size;
	}
	memcpy(*buffer + *used, data, size);
	*used += size;
	return 0;
}

/* Append a string (NULL allowed) with its length, NUL included. */
static int
put_string(char **buffer, size_t *used, size_t *allocated, const char *text)
{
	uint32_t	length = text ? (uint32_t)strlen(text) + 1 : NO_STRING;

	if (put_bytes(buffer, used, allocated, &length, 4) == -1)
		return -1;
	return text ? put_bytes(buffer, used, allocated, text, length) : 0;
}

/* The child's reply to one request: status, problem or event. */
static int
send_reply(int socket, enum decode_status status, const struct event *event,
    const struct decode_problem *problem)
{
	static char		*buffer;
	static size_t		 allocated;
	size_t			 used = 0, i;
	struct reply		 reply;
	struct event_numbers	 numbers;
	int			 failed = 0;

	memset(&reply, 0, sizeof(reply));
	reply.status = status;
	if (status == DECODE_RECORD) {
		memset(&numbers, 0, sizeof(numbers));
		numbers.record_index = event->record_index;
		numbers.recovered = event->recovered;
		numbers.record_number = event->record_number;
		numbers.record_id = event->record_id;
		numbers.event_id = event->event_id;
		numbers.version = event->version;
		numbers.level = event->level;
		numbers.task = event->task;
		numbers.opcode = event->opcode;
		numbers.filetime = event->filetime;
		numbers.process_id = event->process_id;
		numbers.thread_id = event->thread_id;
		numbers.field_count = event->field_count;
		numbers.fields_truncated = event->fields_truncated;
		failed |= put_bytes(&buffer, &used, &allocated, &numbers, sizeof(numbers));
		failed |= put_string(&buffer, &used, &allocated, event->provider);
		failed |= put_string(&buffer, &used, &allocated, event->provider_guid);
		failed |= put_string(&buffer, &used, &allocated, event->channel);
		failed |= put_string(&buffer, &used, &allocated, event->computer);
		failed |= put_string(&buffer, &used, &allocated, event->keywords);
		failed |= put_string(&buffer, &used, &allocated, event->user_sid);
		failed |= put_string(&buffer, &used, &allocated, event->data_element);
		for (i = 0; i < event->field_count; i++) {
			failed |= put_string(&buffer, &used, &allocated, event->fields[i].name);
			failed |= put_string(&buffer, &used, &allocated, event->fields[i].value);
		}
	} else if (problem->kind != NULL) {
		snprintf(reply.kind, sizeof(reply.kind), "%s", problem->kind);
		reply.record_index = problem->record_index;
		reply.record_id = problem->record_id;
		reply.chunk = problem->chunk;
		failed |= put_string(&buffer, &used, &allocated, problem->message);
	}
	if (failed)
		return -1;
	reply.payload_size = (uint32_t)used;
	if (send_all(socket, &reply, sizeof(reply)) == -1 ||
	    send_all(socket, buffer, used) == -1)
		return -1;
	return 0;
}

/*
 * Let a fault in the child end it by its signal. A sanitizer build has its
 * own handler, which would print a report and exit 1 for every poisoned
 * record; the parent wants the signal, and the report is libevtx's, not ours.
 */
static void
default_fault_signals(void)
{
	static const int	 faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
	struct sigaction	 action;
	size_t			 i;

	memset(&action, 0, sizeof(action));
	action.sa_handler = SIG_DFL;
	sigemptyset(&action.sa_mask);
	for (i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigaction(faults[i], &action, NULL);
}

/*
 * The test hook: with WORKER_FAULT_ENV "segv:3,7" the worker dies of
 * SIGSEGV when asked for index 3 or 7; with "hang:3" it stops answering.
 * How tests reach the crash and timeout paths without a libevtx bug.
 * spec is the variable's value, read once by the worker (NULL: no hook).
 */
static void
injected_fault(const char *spec, long index)
{
	const char	*p;
	char		*end;

	if (spec == NULL || (strncmp(spec, "segv:", 5) != 0 && strncmp(spec, "hang:", 5) != 0))
		return;
	for (p = spec + 5; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		if (strtol(p, &end, 10) == index && end != p) {
			if (spec[0] == 's')
				raise(SIGSEGV);
			for (;;)
				pause();
		}
		if (end == p)
			return;
	}
}

/*
 * The test hook's "openfail": libevtx is said to fail to open any path
 * holding "openfail", so tests reach that path without a file libevtx
 * rejects after wfpsift's own checks accepted it. 1 when it applies.
 */
static int
injected_open_failure(const char *spec, const char *path,
    struct decode_problem *problem)
{
	if (spec == NULL || strcmp(spec, "openfail") != 0 ||
	    strstr(path, "openfail") == NULL)
		return 0;
	problem->kind = "file";
	problem->record_index = -1;
	problem->record_id = -1;
	problem->chunk = -1;
	snprintf(problem->message, sizeof(problem->message),
	    "libevtx cannot open the file (test hook)");
	return 1;
}

/*
 * Read the next path from the parent into a reused buffer; NULL when the
 * parent has closed its end (the worker's cue to exit) or sent nonsense.
 */
static char *
receive_path(int socket)
{
	static char	*path;
	static uint32_t	 allocated;
	uint32_t	 length;
	char		*grown;

	if (receive_all(socket, &length, sizeof(length), -1) != 0 ||
	    length == 0 || length > 1024 * 1024)
		return NULL;
	if (length + 1 > allocated) {
		if ((grown = realloc(path, length + 1)) == NULL)
			return NULL;
		path = grown;
		allocated = length + 1;
	}
	if (receive_all(socket, path, length, -1) != 0)
		return NULL;
	path[length] = '\0';
	return path;
}

/*
 * The child's work on one file: open path with the in-process reference
 * decoder, send the file's info (or why it would not open), then answer
 * requests until the parent asks for the next file (returns 0) or goes
 * away (returns -1).
 */
static int
serve_file(const char *path, int socket, const char *fault)
{
	static struct event	 event;
	struct decoder		*decoder;
	struct decode_problem	 problem;
	struct evtx_file_info	 info;
	enum decode_status	 status;
	long			 index;
	int			 opened, result = -1;

	memset(&problem, 0, sizeof(problem));
	if (injected_open_failure(fault, path, &problem) ||
	    libevtx_xml_inprocess_decoder.open(path, &decoder, &problem) == -1) {
		opened = OPEN_FAILED;
		if (send_all(socket, &opened, sizeof(opened)) == -1 ||
		    send_reply(socket, OPEN_FAILED, NULL, &problem) == -1)
			return -1;
		return 0;
	}
	libevtx_xml_inprocess_decoder.info(decoder, &info);
	opened = 0;
	if (send_all(socket, &opened, sizeof(opened)) == -1 ||
	    send_all(socket, &info, sizeof(info)) == -1)
		goto done;
	while (receive_all(socket, &index, sizeof(index), -1) == 0) {
		if (index == NEXT_FILE) {
			result = 0;
			break;
		}
		injected_fault(fault, index);
		memset(&problem, 0, sizeof(problem));
		if (libevtx_xml_inprocess_seek(decoder, index) == -1)
			status = DECODE_END;
		else
			status = libevtx_xml_inprocess_decoder.next(decoder, &event, &problem);
		if (send_reply(socket, status, &event, &problem) == -1)
			break;
	}
done:
	libevtx_xml_inprocess_decoder.close(decoder);
	return result;
}

/*
 * Bound the worker's memory. The poisoned counts that crash libevtx first
 * ask for an array of 8 GB or more; with the limit that allocation fails
 * and libevtx reports an error for the record instead of walking gigabytes
 * of zero pages for minutes before it faults.
 */
static void
limit_memory(void)
{
#ifndef SANITIZED
	struct rlimit	limit;

	if (getrlimit(RLIMIT_AS, &limit) == 0 &&
	    (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > WORKER_MEMORY)) {
		limit.rlim_cur = WORKER_MEMORY;
		setrlimit(RLIMIT_AS, &limit);
	}
#endif
}

/*
 * Before main: when this program was started as a libevtx worker, serve
 * one file after another as the parent sends their paths; never return
 * to main.
 */
__attribute__((constructor)) static void
worker_entry(void)
{
	const char	*fault;
	char		*path;

	if (getenv(WORKER_ENV) == NULL)
		return;
	default_fault_signals();
	limit_memory();
	fault = getenv(WORKER_FAULT_ENV);
	while ((path = receive_path(WORKER_SOCKET)) != NULL &&
	    serve_file(path, WORKER_SOCKET, fault) == 0)
		;
	_exit(0);
}

/*
 * The environment for a worker: this one, with WORKER_ENV set and, in a
 * sanitizer build, ASAN_OPTIONS extended so that allocations over
 * WORKER_MEMORY fail as they do under limit_memory(). Built once.
 */
static char **
worker_environment(void)
{
	static char	**environment;
	size_t		  count = 0, i, used = 0;

	if (environment != NULL)
		return environment;
	while (environ[count] != NULL)
		count++;
	if ((environment = calloc(count + 3, sizeof(*environment))) == NULL)
		return NULL;
	for (i = 0; i < count; i++) {
		if (strncmp(environ[i], WORKER_ENV "=", sizeof(WORKER_ENV)) == 0)
			continue;
#ifdef SANITIZED
		if (strncmp(environ[i], "ASAN_OPTIONS=", 13) == 0)
			continue;
#endif
		environment[used++] = environ[i];
	}
	environment[used++] = WORKER_ENV "=1";
#ifdef SANITIZED
	{
		static char	 sanitizer[4096];
		const char	*options = getenv("ASAN_OPTIONS");

		snprintf(sanitizer, sizeof(sanitizer), "ASAN_OPTIONS=%s%s"
		    "allocator_may_return_null=1:max_allocation_size_mb=%llu",
		    options ? options : "", options && *options ? ":" : "",
		    WORKER_MEMORY >> 20);
		environment[used++] = sanitizer;
	}
#endif
	return environment;
}

/* Start this program again as a worker on socket; its pid, or -1. */
static pid_t
spawn_worker(int socket)
{
	static pthread_mutex_t		 lock = PTHREAD_MUTEX_INITIALIZER;
	posix_spawn_file_actions_t	 actions;
	char				*arguments[] = { "wfpsift-libevtx-worker", NULL };
	char				**environment;
	pid_t				 pid;
	int				 failed;

	pthread_mutex_lock(&lock);
	environment = worker_environment();
	pthread_mutex_unlock(&lock);
	if (environment == NULL || posix_spawn_file_actions_init(&actions) != 0)
		return -1;
	failed = posix_spawn_file_actions_adddup2(&actions, socket, WORKER_SOCKET) != 0 ||
	    posix_spawn_file_actions_addclosefrom_np(&actions, WORKER_SOCKET + 1) != 0 ||
	    posix_spawn(&pid, "/proc/self/exe", &actions, NULL, arguments, environment) != 0;
	posix_spawn_file_actions_destroy(&actions);
	return failed ? -1 : pid;
}

/* Stop the child, if any, and collect it; its wait status, or -1. */
static int
stop_child(struct decoder *decoder, int kill_it)
{
	int	status = -1;

	if (decoder->child == 0)
		return -1;
	close(decoder->socket);
	if (kill_it)
		kill(decoder->child, SIGKILL);
	while (waitpid(decoder->child, &status, 0) == -1 && errno == EINTR)
		;
	decoder->child = 0;
	return status;
}

/* Healthy workers between files, shared by every thread's decoders. */
struct idle_worker {
	pid_t	child;
	int	socket;
};
static pthread_mutex_t		 pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct idle_worker	 pool[IDLE_WORKERS];
static int			 pool_count;
static pthread_once_t		 pool_exit_once = PTHREAD_ONCE_INIT;

void
libevtx_workers_stop(void)
{
	struct idle_worker	worker;

	for (;;) {
		pthread_mutex_lock(&pool_lock);
		if (pool_count == 0) {
			pthread_mutex_unlock(&pool_lock);
			return;
		}
		worker = pool[--pool_count];
		pthread_mutex_unlock(&pool_lock);
		close(worker.socket);
		while (waitpid(worker.child, NULL, 0) == -1 && errno == EINTR)
			;
	}
}

/* Collect the idle workers when the program ends, so none is left behind. */
static void
register_pool_exit(void)
{
	atexit(libevtx_workers_stop);
}

/* Give decoder an idle worker. Returns 0, or -1 when none waits. */
static int
pool_take(struct decoder *decoder)
{
	int	taken = -1;

	pthread_mutex_lock(&pool_lock);
	if (pool_count > 0) {
		pool_count--;
		decoder->child = pool[pool_count].child;
		decoder->socket = pool[pool_count].socket;
		taken = 0;
	}
	pthread_mutex_unlock(&pool_lock);
	return taken;
}

/* Put decoder's worker, waiting for a path, in the pool, or stop it when full. */
static void
pool_keep(struct decoder *decoder)
{
	int	kept = 0;

	pthread_once(&pool_exit_once, register_pool_exit);
	pthread_mutex_lock(&pool_lock);
	if (pool_count < IDLE_WORKERS) {
		pool[pool_count].child = decoder->child;
		pool[pool_count++].socket = decoder->socket;
		kept = 1;
	}
	pthread_mutex_unlock(&pool_lock);
	if (kept)
		decoder->child = 0;
	else
		stop_child(decoder, 0);
}

/*
 * Keep decoder's worker for another file: it closes this one and waits.
 * A worker that cannot be told, or finds the pool full, is stopped.
 */
static void
pool_release(struct decoder *decoder)
{
	long	next = NEXT_FILE;

	if (decoder->child == 0)
		return;
	if (send_all(decoder->socket, &next, sizeof(next)) == 0)
		pool_keep(decoder);
	else
		stop_child(decoder, 0);
}

/* Say how a child ended, for a problem message. */
static void
describe_end(const struct decoder *decoder, int status, int timed_out,
    char *text, size_t size)
{
	if (timed_out)
		snprintf(text, size, "libevtx did not answer within %d s",
		    decoder->timeout_seconds);
	else if (status != -1 && WIFSIGNALED(status))
		snprintf(text, size, "libevtx crashed (signal %d, %s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (status != -1 && WIFEXITED(status))
		snprintf(text, size, "libevtx stopped (exit status %d)",
		    WEXITSTATUS(status));
	else
		snprintf(text, size, "libevtx stopped");
}

/* Fill problem with kind, where, and message. */
static void
set_problem(struct decode_problem *problem, const char *kind, long index,
    const char *message)
{
	problem->kind = kind;
	problem->record_index = index;
	problem->record_id = -1;
	problem->chunk = -1;
	snprintf(problem->message, sizeof(problem->message), "%s", message);
}

/* The static kind string for a kind the child named. */
static const char *
known_kind(const char *kind)
{
	static const char *const kinds[] = {
		"file", "chunk", "record", "field", "recovered", "fallback",
	};
	size_t	i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return kinds[i];
	return "record";
}

/* Read a reply's payload into the reused buffer. */
static int
receive_payload(struct decoder *decoder, uint32_t size, int timeout_ms)
{
	char	*grown;

	if ((size_t)size + 1 > decoder->payload_allocated) {
		if ((grown = realloc(decoder->payload, (size_t)size + 1)) == NULL)
			return -1;
		decoder->payload = grown;
		decoder->payload_allocated = (size_t)size + 1;
	}
	decoder->payload[size] = '\0';
	return receive_all(decoder->socket, decoder->payload, size, timeout_ms);
}

/*
 * Give decoder a worker that has been sent the file's path: an idle one
 * when the pool has one, else a new one. Returns 0, 1 when the worker
 * came from the pool, or -1 with problem filled.
 */
static int
attach_worker(struct decoder *decoder, int reuse, struct decode_problem *problem)
{
	int		 sockets[2];
	uint32_t	 length = (uint32_t)strlen(decoder->path);

	if (reuse && pool_take(decoder) == 0) {
		if (send_all(decoder->socket, &length, sizeof(length)) == 0 &&
		    send_all(decoder->socket, decoder->path, length) == 0)
			return 1;
		stop_child(decoder, 1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) == -1) {
		set_problem(problem, "file", -1, "cannot start libevtx: no socket pair");
		return -1;
	}
	/* The child's end must not be WORKER_SOCKET already (dup2 would keep CLOEXEC). */
	if (sockets[1] == WORKER_SOCKET) {
		int moved = fcntl(sockets[1], F_DUPFD_CLOEXEC, WORKER_SOCKET + 1);

		close(sockets[1]);
		sockets[1] = moved;
	}
	if (sockets[1] == -1 || (decoder->child = spawn_worker(sockets[1])) == -1) {
		decoder->child = 0;
		close(sockets[0]);
		if (sockets[1] != -1)
			close(sockets[1]);
		set_problem(problem, "file", -1, "cannot start libevtx: no worker process");
		return -1;
	}
	close(sockets[1]);
	decoder->socket = sockets[0];
	if (send_all(decoder->socket, &length, sizeof(length)) == -1 ||
	    send_all(decoder->socket, decoder->path, length) == -1) {
		stop_child(decoder, 1);
		set_problem(problem, "file", -1, "cannot start libevtx: the worker did not start");
		return -1;
	}
	return 0;
}

/*
 * Give decoder a worker with the file open and read its info. On failure
 * fill problem: the file does not open, or libevtx died opening it. A
 * worker from the pool that fails is replaced once by a new one, so a
 * worker that died while idle is never blamed on the file.
 */
static int
start_child(struct decoder *decoder, struct decode_problem *problem)
{
	int		 timeout = decoder->timeout_seconds * 1000;
	int		 opened = OPEN_FAILED, result, status, attached;
	struct reply	 reply;
	char		 why[200];

	if ((attached = attach_worker(decoder, 1, problem)) == -1)
		return -1;
	result = receive_all(decoder->socket, &opened, sizeof(opened), timeout);
	if (result == -1 && attached == 1) {
		stop_child(decoder, 1);
		if (attach_worker(decoder, 0, problem) == -1)
			return -1;
		result = receive_all(decoder->socket, &opened, sizeof(opened), timeout);
	}
	if (result == 0 && opened == 0)
		result = receive_all(decoder->socket, &decoder->info,
		    sizeof(decoder->info), timeout);
	else if (result == 0 &&
	    (result = receive_all(decoder->socket, &reply, sizeof(reply), timeout)) == 0 &&
	    (result = receive_payload(decoder, reply.payload_size, timeout)) == 0) {
		pool_keep(decoder);	/* it waits for the next path already */
		set_problem(problem, known_kind(reply.kind), -1,
		    decoder->payload + (reply.payload_size >= 4 ? 4 : 0));
		return -1;
	}
	if (result == 0)
		return 0;
	status = stop_child(decoder, 1);
	describe_end(decoder, status, result == -2, why, sizeof(why));
	set_problem(problem, "file", -1, "");
	snprintf(problem->message, sizeof(problem->message), "%s opening the file", why);
	return -1;
}

/* A positive number from the environment, or fallback. */
static int
environment_number(const char *name, int fallback)
{
	const char	*text = getenv(name);
	char		*end;
	long		 value;

	if (text == NULL || *text == '\0')
		return fallback;
	value = strtol(text, &end, 10);
	if (*end != '\0' || value < 1 || value > 1000000)
		return fallback;
	return (int)value;
}

static int
sandbox_open(const char *path, struct decoder **out, struct decode_problem *problem)
{
	struct decoder	*decoder;

	if ((decoder = calloc(1, sizeof(*decoder))) == NULL ||
	    (decoder->path = strdup(path)) == NULL) {
		free(decoder);
		set_problem(problem, "file", -1, "out of memory");
		return -1;
	}
	decoder->max_crashes = environment_number(SANDBOX_MAX_CRASHES_ENV,
	    SANDBOX_MAX_CRASHES);
	decoder->timeout_seconds = environment_number(SANDBOX_TIMEOUT_ENV,
	    SANDBOX_TIMEOUT_SECONDS);
	if (start_child(decoder, problem) == -1) {
		free(decoder->path);
		free(decoder->payload);
		free(decoder);
		return -1;
	}
	*out = decoder;
	return 0;
}

static void
sandbox_info(struct decoder *decoder, struct evtx_file_info *info)
{
	*info = decoder->info;
}

/* Take the next string out of the payload at *at; NULL for none. */
static const char *
take_string(struct decoder *decoder, size_t *at, size_t size)
{
	uint32_t	length;
	const char	*text;

	if (*at + 4 > size)
		return NULL;
	memcpy(&length, decoder->payload + *at, 4);
	*at += 4;
	if (length == NO_STRING || length > size - *at)
		return NULL;
	text = decoder->payload + *at;
	*at += length;
	return text;
}

/* Rebuild the event the child sent, its strings in the payload buffer. */
static void
read_event(struct decoder *decoder, struct event *event, size_t size)
{
	struct event_numbers	numbers;
	size_t			at = sizeof(numbers), i;

	event_clear(event);
	if (size < sizeof(numbers))
		return;
	memcpy(&numbers, decoder->payload, sizeof(numbers));
	event->record_index = numbers.record_index;
	event->recovered = numbers.recovered;
	event->record_number = numbers.record_number;
	event->record_id = numbers.record_id;
	event->event_id = numbers.event_id;
	event->version = numbers.version;
	event->level = numbers.level;
	event->task = numbers.task;
	event->opcode = numbers.opcode;
	event->filetime = numbers.filetime;
	event->process_id = numbers.process_id;
	event->thread_id = numbers.thread_id;
	event->fields_truncated = numbers.fields_truncated;
	event->provider = take_string(decoder, &at, size);
	event->provider_guid = take_string(decoder, &at, size);
	event->channel = take_string(decoder, &at, size);
	event->computer = take_string(decoder, &at, size);
	event->keywords = take_string(decoder, &at, size);
	event->user_sid = take_string(decoder, &at, size);
	event->data_element = take_string(decoder, &at, size);
	for (i = 0; i < numbers.field_count && i < EVENT_MAX_FIELDS; i++) {
		event->fields[i].name = take_string(decoder, &at, size);
		event->fields[i].value = take_string(decoder, &at, size);
	}
	event->field_count = i;
}

/*
 * The child died or hung reading record index: stop it, and say so as
 * this record's problem. The next request starts a new child.
 */
static enum decode_status
child_lost(struct decoder *decoder, long index, int timed_out,
    struct decode_problem *problem)
{
	int	status = stop_child(decoder, 1);
	char	why[200];

	describe_end(decoder, status, timed_out, why, sizeof(why));
	decoder->crashes++;
	set_problem(problem, index >= decoder->info.live_records ? "recovered" : "record",
	    index, "");
	snprintf(problem->message, sizeof(problem->message),
	    "%s reading this record; it is skipped%s", why,
	    decoder->crashes >= decoder->max_crashes ?
	    ", and libevtx is not asked again for this file" :
	    " and libevtx restarted for the records after it");
	if (decoder->crashes >= decoder->max_crashes)
		decoder->given_up = 1;
	return DECODE_SKIPPED;
}

static enum decode_status
sandbox_next(struct decoder *decoder, struct event *event,
    struct decode_problem *problem)
{
	struct reply	reply;
	long		index = decoder->next_index;
	int		timeout = decoder->timeout_seconds * 1000, result;

	if (index >= decoder->info.live_records + decoder->info.recovered_records)
		return DECODE_END;
	decoder->next_index++;
	if (decoder->given_up) {
		set_problem(problem, index >= decoder->info.live_records ?
		    "recovered" : "record", index, "");
		snprintf(problem->message, sizeof(problem->message),
		    "not read: libevtx crashed %d time%s on this file", decoder->crashes,
		    decoder->crashes == 1 ? "" : "s");
		return DECODE_SKIPPED;
	}
	if (decoder->child == 0 && start_child(decoder, problem) == -1)
		return DECODE_FAILED;
	if ((result = send_all(decoder->socket, &index, sizeof(index))) != 0 ||
	    (result = receive_all(decoder->socket, &reply, sizeof(reply), timeout)) != 0 ||
	    (result = receive_payload(decoder, reply.payload_size, timeout)) != 0)
		return child_lost(decoder, index, result == -2, problem);
	if (reply.status == DECODE_RECORD) {
		read_event(decoder, event, reply.payload_size);
		return DECODE_RECORD;
	}
	if (reply.status == DECODE_END)
		return DECODE_END;
	set_problem(problem, known_kind(reply.kind), reply.record_index,
	    decoder->payload + (reply.payload_size >= 4 ? 4 : 0));
	problem->record_id = reply.record_id;
	problem->chunk = reply.chunk;
	return reply.status == DECODE_FAILED ? DECODE_FAILED : DECODE_SKIPPED;
}

int
libevtx_xml_seek(struct decoder *decoder, long index)
{
	if (index < 0 ||
	    index >= decoder->info.live_records + decoder->info.recovered_records)
		return -1;
	decoder->next_index = index;
	return 0;
}

static void
sandbox_close(struct decoder *decoder)
{
	if (decoder == NULL)
		return;
	pool_release(decoder);
	free(decoder->path);
	free(decoder->payload);
	free(decoder);
}

const struct decoder_ops libevtx_xml_decoder = {
	.name = "libevtx-xml",
	.open = sandbox_open,
	.info = sandbox_info,
	.next = sandbox_next,
	.close = sandbox_close,
};
