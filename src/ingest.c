/*
 * ingest.c: the read -> decode -> normalise -> store pipeline.
 *
 * Decoding threads take files in order, hash them, decode their records
 * into batches and queue the batches on the file's own job. The calling
 * thread is the only one that writes: it takes the jobs in order and each
 * job's batches in order, so the case is the same whatever the number of
 * threads. Each job holds at most a few batches, so memory stays flat
 * however large the files are.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "batch.h"
#include "file-walk.h"
#include "ingest.h"
#include "little-endian.h"
#include "normalise.h"
#include "sha256.h"
#include "slack-copies.h"
#include "util.h"

#define RECORDS_PER_TRANSACTION 20000
#define BATCHES_PER_JOB 4

/* One input file, from its decoding thread to the writer. */
struct file_job {
	const char		*path;
	/* Set by the decoding thread before the first batch is queued. */
	int			 ready;
	int			 hash_errno;	/* hashing failed */
	char			 sha256[65];
	int64_t			 size;
	int			 already_in_case;
	int			 header_bad;
	struct decode_problem	 header_problem;
	int			 open_failed;
	struct decode_problem	 open_problem;
	struct evtx_file_info	 info;
	struct source_summary	 header;	/* flags, chunk count, next id */
	/* The queue of decoded batches; finished when the last is queued. */
	struct batch		*head, *tail;
	int			 queued;
	int			 finished;
};

struct pipeline {
	pthread_mutex_t		 lock;
	pthread_cond_t		 changed;
	const struct ingest_options *options;
	struct file_job		*jobs;
	size_t			 job_count;
	size_t			 next_job;	/* next one a thread takes */
	struct batch		*free_batches;
	int			 stopping;	/* the writer failed */
	char			**known_hashes;	/* complete in the case, sorted */
	size_t			 known_count;
	/* Writer only: load in bulk (see bulk_load_wanted), and whether begun. */
	int			 bulk_wanted;
	int			 bulk_begun;
};

static double
seconds_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The file header's own facts: flags, chunk count, next record id. Returns
 * 0, or -1 with a message when the header is short or its CRC32 is wrong
 * (libevtx reads such files anyway; the damage is worth knowing).
 */
static int
read_file_header(const char *path, struct source_summary *summary,
    struct decode_problem *problem)
{
	unsigned char	 header[128];
	uint32_t	 stored, computed;
	ssize_t		 n = -1;
	int		 fd;

	summary->header_flags = -1;
	summary->chunk_count = -1;
	summary->next_record_id = -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, header, sizeof(header));
		close(fd);
	}
	*problem = (struct decode_problem){ .kind = "file", .record_index = -1,
	    .record_id = -1, .chunk = -1 };
	if (n != (ssize_t)sizeof(header)) {
		snprintf(problem->message, sizeof(problem->message),
		    "file header is incomplete (%zd of 128 bytes)", n < 0 ? 0 : n);
		return -1;
	}
	summary->next_record_id = (int64_t)le64(header + 24);
	summary->chunk_count = le16(header + 42);
	summary->header_flags = le32(header + 120);
	stored = le32(header + 124);
	computed = (uint32_t)crc32(0L, header, 120);
	if (stored != computed) {
		snprintf(problem->message, sizeof(problem->message),
		    "file header checksum mismatch (stored 0x%08x, computed 0x%08x)",
		    stored, computed);
		return -1;
	}
	return 0;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when the case already holds this file complete. */
static int
hash_known(const struct pipeline *pipeline, const char *sha256)
{
	const char	*key = sha256;

	return pipeline->known_count > 0 && bsearch(&key, pipeline->known_hashes,
	    pipeline->known_count, sizeof(char *), compare_strings) != NULL;
}

/* Load the hashes of the sources already complete, for the threads to check. */
static int
load_known_hashes(struct store *store, struct pipeline *pipeline)
{
	sqlite3_stmt	*statement;
	size_t		 allocated = 0;

	if (sqlite3_prepare_v2(store_db(store), "SELECT sha256 FROM sources "
	    "WHERE status = 'complete'", -1, &statement, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(statement) == SQLITE_ROW) {
		if (pipeline->known_count == allocated) {
			char	**grown;

			allocated = allocated ? allocated * 2 : 64;
			grown = realloc(pipeline->known_hashes, allocated * sizeof(char *));
			if (grown == NULL)
				break;
			pipeline->known_hashes = grown;
		}
		pipeline->known_hashes[pipeline->known_count++] =
		    strdup((const char *)sqlite3_column_text(statement, 0));
	}
	sqlite3_finalize(statement);
	sort_array(pipeline->known_hashes, pipeline->known_count,
	    sizeof(char *), compare_strings);
	return 0;
}

/* A batch from the free list, or a new one. Called with the lock held. */
static struct batch *
take_batch(struct pipeline *pipeline)
{
	struct batch	*batch = pipeline->free_batches;

	if (batch != NULL) {
		pipeline->free_batches = batch->next;
		batch_reset(batch);
		return batch;
	}
	return batch_new();
}

/*
 * Queue a batch on its job, waiting while the job's queue is full.
 * Returns -1 when the writer has stopped.
 */
static int
queue_batch(struct pipeline *pipeline, struct file_job *job, struct batch *batch,
    int last)
{
	pthread_mutex_lock(&pipeline->lock);
	while (job->queued >= BATCHES_PER_JOB && !pipeline->stopping)
		pthread_cond_wait(&pipeline->changed, &pipeline->lock);
	if (batch != NULL) {
		batch->next = NULL;
		if (job->tail != NULL)
			job->tail->next = batch;
		else
			job->head = batch;
		job->tail = batch;
		job->queued++;
	}
	if (last)
		job->finished = 1;
	pthread_cond_broadcast(&pipeline->changed);
	pthread_mutex_unlock(&pipeline->lock);
	return pipeline->stopping ? -1 : 0;
}

/* Publish a job's file facts (before any batch). */
static void
mark_ready(struct pipeline *pipeline, struct file_job *job, int finished)
{
	pthread_mutex_lock(&pipeline->lock);
	job->ready = 1;
	job->finished = finished;
	pthread_cond_broadcast(&pipeline->changed);
	pthread_mutex_unlock(&pipeline->lock);
}

/* Hash, check and open one file, then decode all its records into batches. */
static void
decode_job(struct pipeline *pipeline, struct file_job *job, struct event *event)
{
	const struct decoder_ops *ops = pipeline->options->decoder;
	struct decoder		*decoder = NULL;
	struct decode_problem	 problem;
	enum decode_status	 status;
	struct batch		*batch;

	if (sha256_file(job->path, job->sha256, &job->size) == -1) {
		job->hash_errno = errno;
		mark_ready(pipeline, job, 1);
		return;
	}
	if (!pipeline->options->decode_only && hash_known(pipeline, job->sha256)) {
		job->already_in_case = 1;
		mark_ready(pipeline, job, 1);
		return;
	}
	job->header_bad = read_file_header(job->path, &job->header,
	    &job->header_problem) == -1;
	job->open_problem = (struct decode_problem){ .kind = "file",
	    .record_index = -1, .record_id = -1, .chunk = -1 };
	if (ops->open(job->path, &decoder, &job->open_problem) == -1) {
		job->open_failed = 1;
		mark_ready(pipeline, job, 1);
		return;
	}
	ops->info(decoder, &job->info);
	mark_ready(pipeline, job, 0);

	pthread_mutex_lock(&pipeline->lock);
	batch = take_batch(pipeline);
	pthread_mutex_unlock(&pipeline->lock);
	for (;;) {
		memset(&problem, 0, sizeof(problem));
		status = ops->next(decoder, event, &problem);
		if (status == DECODE_END || status == DECODE_FAILED || batch == NULL) {
			if (status == DECODE_FAILED && batch != NULL)
				batch_add_problem(batch, &problem);
			break;
		}
		if (status == DECODE_SKIPPED)
			batch_add_problem(batch, &problem);
		else if (batch_add_event(batch, event) == -1) {
			snprintf(problem.message, sizeof(problem.message),
			    "out of memory copying record");
			problem.kind = "record";
			problem.record_index = event->record_index;
			problem.record_id = (int64_t)event->record_id;
			problem.chunk = -1;
			batch_add_problem(batch, &problem);
		}
		if (batch_full(batch)) {
			if (queue_batch(pipeline, job, batch, 0) == -1) {
				batch = NULL;
				break;
			}
			pthread_mutex_lock(&pipeline->lock);
			batch = take_batch(pipeline);
			pthread_mutex_unlock(&pipeline->lock);
		}
	}
	ops->close(decoder);
	queue_batch(pipeline, job, batch, 1);
}

/* A decoding thread: take the next file until none is left. */
static void *
decoding_thread(void *argument)
{
	struct pipeline	*pipeline = argument;
	struct event	*event = malloc(sizeof(*event));
	size_t		 index;

	for (;;) {
		pthread_mutex_lock(&pipeline->lock);
		index = pipeline->next_job++;
		pthread_mutex_unlock(&pipeline->lock);
		if (index >= pipeline->job_count || pipeline->stopping)
			break;
		if (event == NULL) {
			pipeline->jobs[index].open_failed = 1;
			snprintf(pipeline->jobs[index].open_problem.message,
			    sizeof(pipeline->jobs[index].open_problem.message),
			    "out of memory");
			mark_ready(pipeline, &pipeline->jobs[index], 1);
			continue;
		}
		decode_job(pipeline, &pipeline->jobs[index], event);
	}
	free(event);
	return NULL;
}

/*
 * Records per transaction: RECORDS_PER_TRANSACTION, or the number in the
 * environment variable WFPSIFT_RECORDS_PER_TRANSACTION. The crash tests set
 * it low so that a kill lands after some of a file's batches have been
 * committed, the case the redo-from-scratch logic exists for. Only the
 * writer calls it.
 */
static long
records_per_transaction(void)
{
	static long	 records;
	int64_t		 value;

	if (records == 0) {
		value = parse_number(getenv("WFPSIFT_RECORDS_PER_TRANSACTION"));
		records = value > 0 && value <= 10000000 ? (long)value :
		    RECORDS_PER_TRANSACTION;
	}
	return records;
}

/* What the writer knows about the file it is storing. */
struct file_run {
	struct store		*store;
	const struct ingest_options *options;
	struct ingest_totals	*totals;
	const char		*path;
	int64_t			 source_id;
	long			 messages;
	long			 in_transaction;
	struct source_summary	 summary;
	struct live_records	*live;	/* when the file has slack records */
};

/* 1 for a problem with a record candidate found in chunk slack. */
static int
is_slack_problem(const struct decode_problem *problem)
{
	return problem->kind != NULL && strcmp(problem->kind, "recovered") == 0;
}

/*
 * Where the problem is, after the file's name: a live record, or a record
 * candidate in chunk slack, which is often a fragment of an overwritten
 * record and so says nothing about damage to the log's live records.
 */
static void
print_problem_place(const struct decode_problem *problem, FILE *out)
{
	int	slack = is_slack_problem(problem);

	if (problem->record_index >= 0)
		fprintf(out, ": %s %ld", slack ? "slack record candidate" :
		    "record", problem->record_index);
	else if (slack)
		fputs(": slack record candidate", out);
	if (problem->record_id >= 0)
		fprintf(out, " (EventRecordID %lld)", (long long)problem->record_id);
	if (slack)
		fputs(": could not be decoded", out);
}

/* Print a problem as one line naming the file and, when known, the record. */
static void
report_problem(struct file_run *run, const struct decode_problem *problem)
{
	run->messages++;
	if (run->options->quiet)
		return;
	if (run->messages > run->options->max_messages_per_file) {
		if (run->messages == run->options->max_messages_per_file + 1) {
			fputs("wfpsift: ", stderr);
			fputs_safe(run->path, stderr);
			fputs(": more problems; all are in the case's ingest_errors "
			    "table\n", stderr);
		}
		return;
	}
	fputs("wfpsift: ", stderr);
	fputs_safe(run->path, stderr);
	print_problem_place(problem, stderr);
	fputs(": ", stderr);
	fputs_safe(problem->message, stderr);
	fputc('\n', stderr);
}

/*
 * Print, count and store one problem. Slack candidates that could not be
 * read are counted apart from errors in live data: most are fragments of
 * overwritten records, expected in any well-used log.
 */
static int
record_problem(struct file_run *run, const struct decode_problem *problem)
{
	report_problem(run, problem);
	run->summary.error_count++;
	if (is_slack_problem(problem))
		run->totals->slack_unreadable++;
	else
		run->totals->errors++;
	return store_add_error(run->store, run->source_id, run->path,
	    problem->kind ? problem->kind : "record", problem->record_index,
	    problem->record_id, problem->chunk, problem->message);
}

/* Keep the span of live record numbers and times for the sources row. */
static void
note_record(struct source_summary *summary, const struct event *event)
{
	int64_t	id = (int64_t)(event->record_number ? event->record_number :
	    event->record_id);

	summary->record_count++;
	if (event->recovered) {
		summary->recovered_count++;
		return;
	}
	if (summary->first_record_id < 0 || id < summary->first_record_id)
		summary->first_record_id = id;
	if (id > summary->last_record_id)
		summary->last_record_id = id;
	if (event->filetime != 0) {
		if (summary->first_filetime == 0 || event->filetime < summary->first_filetime)
			summary->first_filetime = event->filetime;
		if (event->filetime > summary->last_filetime)
			summary->last_filetime = event->filetime;
	}
}

/*
 * 1 when a recovered event is an exact copy of one of the file's live
 * records, which are all read before the recovered ones: not stored, but
 * counted. Live events are remembered for the check.
 */
static int
is_slack_copy(struct file_run *run, const struct event *event)
{
	if (run->live == NULL)
		return 0;
	if (!event->recovered) {
		live_records_add(run->live, event);
		return 0;
	}
	if (!live_records_has_copy(run->live, event))
		return 0;
	run->summary.recovered_duplicates++;
	run->totals->recovered_duplicates++;
	return 1;
}

/* Normalise and store one decoded event. */
static int
store_event(struct file_run *run, const struct event *event,
    struct normalised_event *normal)
{
	struct decode_problem	problem;

	if (is_slack_copy(run, event))
		return 0;
	if (event->fields_truncated) {
		problem = (struct decode_problem){ .kind = "field",
		    .record_index = event->record_index,
		    .record_id = (int64_t)event->record_id, .chunk = -1 };
		snprintf(problem.message, sizeof(problem.message),
		    "more than %d EventData values; the rest are not stored",
		    EVENT_MAX_FIELDS);
		if (record_problem(run, &problem) == -1)
			return -1;
	}
	normalise_event(event, normal);
	if (store_add_event(run->store, run->source_id, event, normal,
	    run->options->keep_all_data) == -1)
		return -1;
	note_record(&run->summary, event);
	run->totals->records++;
	run->totals->recovered += event->recovered;
	run->totals->network_events += normal->kind == NORMALISED_NETWORK;
	if (++run->in_transaction >= records_per_transaction()) {
		if (store_commit(run->store) == -1 || store_begin(run->store) == -1)
			return -1;
		run->in_transaction = 0;
	}
	return 0;
}

/* Wait for the job's next batch; NULL when the file is done. */
static struct batch *
next_batch(struct pipeline *pipeline, struct file_job *job)
{
	struct batch	*batch = NULL;

	pthread_mutex_lock(&pipeline->lock);
	while (job->head == NULL && !job->finished)
		pthread_cond_wait(&pipeline->changed, &pipeline->lock);
	if (job->head != NULL) {
		batch = job->head;
		job->head = batch->next;
		if (job->head == NULL)
			job->tail = NULL;
		job->queued--;
		pthread_cond_broadcast(&pipeline->changed);
	}
	pthread_mutex_unlock(&pipeline->lock);
	return batch;
}

static void
recycle_batch(struct pipeline *pipeline, struct batch *batch)
{
	pthread_mutex_lock(&pipeline->lock);
	batch->next = pipeline->free_batches;
	pipeline->free_batches = batch;
	pthread_mutex_unlock(&pipeline->lock);
}

static void
show_progress(const struct ingest_totals *totals, long file_number, double started)
{
	double	elapsed = seconds_now() - started;

	fprintf(stderr, "\r\033[Kingest: file %ld/%ld, %lld records, %.0f records/s",
	    file_number, totals->files_found, (long long)totals->records,
	    elapsed > 0 ? (double)totals->records / elapsed : 0.0);
}

/* Store every batch of a job that was opened. */
static int
store_batches(struct pipeline *pipeline, struct file_job *job, struct file_run *run,
    long file_number, double started)
{
	static __thread struct normalised_event	normal;
	struct batch	*batch;
	double		 last_progress = 0;
	size_t		 i;

	while ((batch = next_batch(pipeline, job)) != NULL) {
		for (i = 0; i < batch->count; i++) {
			const struct batch_item	*item = &batch->items[i];
			int result = item->kind == BATCH_PROBLEM ?
			    record_problem(run, &item->problem) :
			    store_event(run, &item->event, &normal);

			if (result == -1) {
				recycle_batch(pipeline, batch);
				return -1;
			}
		}
		recycle_batch(pipeline, batch);
		if (run->options->show_progress &&
		    seconds_now() - last_progress > 0.25) {
			last_progress = seconds_now();
			show_progress(run->totals, file_number, started);
		}
	}
	return 0;
}

/* Decode-only runs (for benchmarks): normalise and count, store nothing. */
static void
count_batches(struct pipeline *pipeline, struct file_job *job,
    struct ingest_totals *totals)
{
	static __thread struct normalised_event	normal;
	struct batch	*batch;
	size_t		 i;

	totals->bytes += job->size;
	if (!job->open_failed && job->hash_errno == 0)
		totals->files_ingested++;
	while ((batch = next_batch(pipeline, job)) != NULL) {
		for (i = 0; i < batch->count; i++) {
			if (batch->items[i].kind == BATCH_PROBLEM) {
				if (is_slack_problem(&batch->items[i].problem))
					totals->slack_unreadable++;
				else
					totals->errors++;
				continue;
			}
			normalise_event(&batch->items[i].event, &normal);
			totals->records++;
			totals->recovered += batch->items[i].event.recovered;
			totals->network_events += normal.kind == NORMALISED_NETWORK;
		}
		recycle_batch(pipeline, batch);
	}
}

/* Throw away a skipped job's batches, back to the free list. */
static void
drain_job(struct pipeline *pipeline, struct file_job *job)
{
	struct batch	*batch;

	while ((batch = next_batch(pipeline, job)) != NULL)
		recycle_batch(pipeline, batch);
}

/* How many of the sorted numbers lie in [first, last]. */
static int64_t
count_in_range(const int64_t *numbers, size_t count, int64_t first, int64_t last)
{
	size_t	low = 0, high = count, start;

	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (numbers[middle] < first)
			low = middle + 1;
		else
			high = middle;
	}
	start = low;
	high = count;
	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (numbers[middle] <= last)
			low = middle + 1;
		else
			high = middle;
	}
	return (int64_t)(low - start);
}

static int64_t
little_endian64(const unsigned char *p)
{
	uint64_t	value = 0;

	for (int i = 7; i >= 0; i--)
		value = (value << 8) | p[i];
	return value > INT64_MAX ? -1 : (int64_t)value;
}

/* The record identifiers a chunk header declares. */
struct chunk_range {
	long		 chunk;		/* -1 when the chunk declares none */
	int64_t		 first, last;
};

static int
compare_ranges(const void *a, const void *b)
{
	const struct chunk_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Two chunks declaring overlapping records: one is a copy of the other (a
 * duplicated chunk hides the records of the chunk it overwrote). Reports
 * the first overlap found. Sorts ranges.
 */
static int
check_overlaps(struct file_run *run, struct chunk_range *ranges, size_t count)
{
	struct decode_problem	problem = { .kind = "chunk", .record_index = -1,
				    .record_id = -1, .chunk = -1 };
	size_t			i;

	sort_array(ranges, count, sizeof(*ranges), compare_ranges);
	for (i = 1; i < count; i++) {
		if (ranges[i].first > ranges[i - 1].last)
			continue;
		problem.chunk = ranges[i].chunk;
		problem.record_id = ranges[i].first;
		snprintf(problem.message, sizeof(problem.message), "chunks %ld "
		    "and %ld both declare records from %lld: one is a copy, and "
		    "the records it overwrote are lost", ranges[i - 1].chunk,
		    ranges[i].chunk, (long long)ranges[i].first);
		return record_problem(run, &problem);
	}
	return 0;
}

/*
 * One chunk's header against what was read: a chunk the header counts but
 * that lost its signature, or record numbers it declares that no record
 * carries. Fills problem and returns 1 when something is wrong.
 */
static int
check_chunk(int fd, long chunk, const int64_t *numbers, size_t count,
    struct chunk_range *range, struct decode_problem *problem)
{
	unsigned char	 header[40];
	int64_t		 first, last, read_count;

	*problem = (struct decode_problem){ .kind = "chunk", .record_index = -1,
	    .record_id = -1, .chunk = chunk };
	if (pread(fd, header, sizeof(header), 4096 + (off_t)chunk * 65536) !=
	    (ssize_t)sizeof(header))
		return 0;	/* past the end: the truncation check says it */
	if (memcmp(header, "ElfChnk", 8) != 0) {
		snprintf(problem->message, sizeof(problem->message), "chunk %ld "
		    "has no ElfChnk signature: the records it held are lost", chunk);
		return 1;
	}
	/* The record identifiers (what record headers carry), not the numbers. */
	first = little_endian64(header + 24);
	last = little_endian64(header + 32);
	/* An empty chunk says all-ones; an implausible one cannot be compared. */
	if (first < 0 || last < first || last - first >= 65536)
		return 0;
	*range = (struct chunk_range){ chunk, first, last };
	read_count = count_in_range(numbers, count, first, last);
	if (read_count == last - first + 1)
		return 0;
	problem->record_id = first;
	snprintf(problem->message, sizeof(problem->message), "chunk %ld declares "
	    "records %lld-%lld; %lld of them were never returned by the decoder", chunk, (long long)first, (long long)last,
	    (long long)(last - first + 1 - read_count));
	return 1;
}

/*
 * What the decoder did not say: a file shorter than the chunks its header
 * declares (truncated in copying), a chunk whose signature is gone, and
 * record numbers a chunk declares that were never returned (libevtx drops a
 * record whose size field is damaged, or a whole zeroed chunk, without an
 * error). Each becomes a problem, counted and named like the others.
 */
static int
check_completeness(struct file_run *run, const struct file_job *job)
{
	struct decode_problem	 problem = { .kind = "file", .record_index = -1,
				    .record_id = -1, .chunk = -1 };
	int64_t			 needed = 4096 + job->header.chunk_count * 65536;
	int64_t			*numbers;
	struct chunk_range	*ranges;
	size_t			 count, ranged = 0;
	int			 fd, result = 0;

	if (job->header_bad || job->header.chunk_count <= 0)
		return 0;
	if (job->size < needed) {
		snprintf(problem.message, sizeof(problem.message), "file is "
		    "shorter than its header says (%lld chunks need %lld bytes, "
		    "it has %lld): truncated, records at its end are missing",
		    (long long)job->header.chunk_count, (long long)needed,
		    (long long)job->size);
		if (record_problem(run, &problem) == -1)
			return -1;
	}
	if (store_record_numbers(run->store, run->source_id, &numbers, &count) == -1)
		return -1;
	ranges = calloc((size_t)job->header.chunk_count, sizeof(*ranges));
	if (ranges != NULL && (fd = open(job->path, O_RDONLY | O_CLOEXEC)) != -1) {
		for (long chunk = 0; chunk < job->header.chunk_count && result == 0; chunk++) {
			ranges[ranged].chunk = -1;
			if (check_chunk(fd, chunk, numbers, count, &ranges[ranged],
			    &problem))
				result = record_problem(run, &problem);
			if (ranges[ranged].chunk >= 0)
				ranged++;
		}
		close(fd);
		if (result == 0)
			result = check_overlaps(run, ranges, ranged);
	}
	free(ranges);
	free(numbers);
	return result;
}

/*
 * Whether to load in bulk: drop the secondary indexes and build them again
 * at the end, and write without fsync. Worth it when the case holds no
 * events yet, or when the input is at least as large as the case: then
 * rebuilding the indexes costs no more than keeping them up to date row by
 * row would have.
 */
static int
bulk_load_wanted(struct store *store, const struct file_list *files)
{
	sqlite3_stmt	*statement;
	struct stat	 st;
	int64_t		 input = 0, case_bytes = 0;
	int		 empty = 0;
	size_t		 i;

	if (sqlite3_prepare_v2(store_db(store), "SELECT NOT EXISTS (SELECT 1 "
	    "FROM events), (SELECT page_count FROM pragma_page_count) * "
	    "(SELECT page_size FROM pragma_page_size)", -1, &statement,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(statement) == SQLITE_ROW) {
		empty = sqlite3_column_int(statement, 0);
		case_bytes = sqlite3_column_int64(statement, 1);
	}
	sqlite3_finalize(statement);
	if (empty)
		return 1;
	for (i = 0; i < files->count; i++)
		if (stat(files->paths[i], &st) == 0)
			input += st.st_size;
	return input >= case_bytes;
}

/* Start the bulk load before the first file is written, when wanted. */
static int
begin_bulk_load(struct pipeline *pipeline, struct store *store)
{
	if (!pipeline->bulk_wanted || pipeline->bulk_begun)
		return 0;
	pipeline->bulk_begun = 1;
	if (store_set_bulk_load(store, 1) == -1)
		return -1;
	return store_defer_indexes(store);
}

/*
 * End the bulk load: build the indexes again and make the case durable.
 * On failure the transaction is left open for the caller to report the
 * error and roll back; the definitions stay in case_info for the next open.
 */
static int
end_bulk_load(struct pipeline *pipeline, struct store *store)
{
	if (!pipeline->bulk_begun)
		return 0;
	if (store_restore_indexes(store) == -1 ||
	    store_set_bulk_load(store, 0) == -1)
		return -1;
	return 0;
}

/* Write one file's job into the case. Returns -1 only on a store failure. */
static int
store_job(struct pipeline *pipeline, struct store *store, struct file_job *job,
    struct ingest_totals *totals, long file_number, double started)
{
	struct file_run	 run = { store, pipeline->options, totals, job->path, 0,
			    0, 0, { 0 }, NULL };
	int		 result;

	pthread_mutex_lock(&pipeline->lock);
	while (!job->ready)
		pthread_cond_wait(&pipeline->changed, &pipeline->lock);
	pthread_mutex_unlock(&pipeline->lock);
	if (pipeline->options->decode_only) {
		count_batches(pipeline, job, totals);
		return 0;
	}
	if (job->hash_errno != 0) {
		fputs("wfpsift: ", stderr);
		fputs_safe(job->path, stderr);
		fprintf(stderr, ": %s\n", strerror(job->hash_errno));
		totals->files_failed++;
		return store_add_error(store, 0, job->path, "file", -1, -1, -1,
		    strerror(job->hash_errno));
	}
	/* Also a file named twice in this run: the first copy is complete now. */
	if (job->already_in_case || store_find_complete_source(store, job->sha256) > 0) {
		totals->files_already_in_case++;
		drain_job(pipeline, job);
		return 0;
	}
	if (begin_bulk_load(pipeline, store) == -1)
		return -1;
	totals->bytes += job->size;
	run.summary = job->header;
	run.summary.first_record_id = -1;
	run.summary.last_record_id = -1;
	if (store_begin(store) == -1 ||
	    (run.source_id = store_begin_source(store, job->path, job->size,
	    job->sha256, pipeline->options->decoder->name)) < 0)
		return -1;
	if (run.source_id == 0) {
		totals->files_already_in_case++;
		totals->bytes -= job->size;
		drain_job(pipeline, job);
		return store_commit(store);
	}
	if (job->header_bad && record_problem(&run, &job->header_problem) == -1)
		return -1;
	if (job->open_failed) {
		if (record_problem(&run, &job->open_problem) == -1)
			return -1;
		run.summary.status = "failed";
		totals->files_failed++;
		if (store_finish_source(store, run.source_id, &run.summary) == -1)
			return -1;
		return store_commit(store);
	}
	run.summary.corrupted = job->info.corrupted;
	run.summary.major_version = job->info.major_version;
	run.summary.minor_version = job->info.minor_version;
	/* Out of memory: no copies are known, and all are kept. */
	if (job->info.recovered_records > 0)
		run.live = live_records_new();
	result = store_batches(pipeline, job, &run, file_number, started);
	live_records_free(run.live);
	if (result == -1 || check_completeness(&run, job) == -1)
		return -1;
	/* Nothing read and something wrong (already said): the file failed. */
	if (run.summary.record_count == 0 && run.summary.error_count > 0) {
		run.summary.status = "failed";
		totals->files_failed++;
	} else {
		run.summary.status = "complete";
		totals->files_ingested++;
	}
	if (store_finish_source(store, run.source_id, &run.summary) == -1)
		return -1;
	return store_commit(store);
}

/* Where walk problems and notices go. */
struct walk_context {
	struct store		*store;
	struct ingest_totals	*totals;
};

/*
 * Print what the walk met as one line naming the path, even with -q: a
 * path that gave nothing should never pass unseen. A problem is also
 * counted and written to ingest_errors; a notice is only said.
 */
static void
walk_problem(void *pointer, const char *path, const char *message,
    enum walk_severity severity)
{
	struct walk_context	*context = pointer;

	fputs("wfpsift: ", stderr);
	fputs_safe(path, stderr);
	fputs(": ", stderr);
	fputs_safe(message, stderr);
	fputc('\n', stderr);
	if (severity == WALK_NOTICE)
		return;
	context->totals->path_problems++;
	store_add_error(context->store, 0, path, "file", -1, -1, -1, message);
}

static int
thread_count(const struct ingest_options *options, size_t files)
{
	long	cores = sysconf(_SC_NPROCESSORS_ONLN);
	long	threads = options->threads > 0 ? options->threads : cores;

	if (threads < 1)
		threads = 1;
	if ((size_t)threads > files)
		threads = (long)files;
	return threads > 64 ? 64 : (int)threads;
}

/* Stop the decoding threads, join them and free what the pipeline holds. */
static void
finish_pipeline(struct pipeline *pipeline, pthread_t *threads, int started_threads)
{
	struct batch	*batch, *next;
	size_t		 i;

	pthread_mutex_lock(&pipeline->lock);
	pipeline->stopping = 1;
	pthread_cond_broadcast(&pipeline->changed);
	pthread_mutex_unlock(&pipeline->lock);
	for (int t = 0; t < started_threads; t++)
		pthread_join(threads[t], NULL);
	for (i = 0; i < pipeline->job_count; i++)
		for (batch = pipeline->jobs[i].head; batch != NULL; batch = next) {
			next = batch->next;
			batch_free(batch);
		}
	for (batch = pipeline->free_batches; batch != NULL; batch = next) {
		next = batch->next;
		batch_free(batch);
	}
	for (i = 0; i < pipeline->known_count; i++)
		free(pipeline->known_hashes[i]);
	free(pipeline->known_hashes);
	free(pipeline->jobs);
	pthread_mutex_destroy(&pipeline->lock);
	pthread_cond_destroy(&pipeline->changed);
}

int
ingest_paths(struct store *store, char *const *paths, int path_count,
    const struct ingest_options *options, struct ingest_totals *totals)
{
	struct file_list	 files = { 0 };
	struct walk_context	 context = { store, totals };
	struct pipeline		 pipeline;
	pthread_t		 threads[64];
	double			 started = seconds_now();
	int			 thread_total, started_threads = 0, result = 0;
	size_t			 i;

	memset(totals, 0, sizeof(*totals));
	memset(&pipeline, 0, sizeof(pipeline));
	for (int p = 0; p < path_count; p++)
		file_walk(paths[p], &files, walk_problem, &context);
	totals->files_found = (long)files.count;
	totals->files_not_evtx = files.not_evtx;
	pthread_mutex_init(&pipeline.lock, NULL);
	pthread_cond_init(&pipeline.changed, NULL);
	pipeline.options = options;
	pipeline.job_count = files.count;
	pipeline.jobs = calloc(files.count ? files.count : 1, sizeof(struct file_job));
	if (pipeline.jobs == NULL || load_known_hashes(store, &pipeline) == -1) {
		finish_pipeline(&pipeline, threads, 0);
		file_list_free(&files);
		return -1;
	}
	for (i = 0; i < files.count; i++)
		pipeline.jobs[i].path = files.paths[i];
	pipeline.bulk_wanted = !options->decode_only &&
	    bulk_load_wanted(store, &files);
	thread_total = thread_count(options, files.count);
	for (int t = 0; t < thread_total; t++)
		if (pthread_create(&threads[started_threads], NULL, decoding_thread,
		    &pipeline) == 0)
			started_threads++;
	if (started_threads == 0 && files.count > 0)
		result = -1;
	for (i = 0; i < files.count && result == 0; i++) {
		result = store_job(&pipeline, store, &pipeline.jobs[i], totals,
		    (long)i + 1, started);
		if (result == -1) {
			fputs("wfpsift: ", stderr);
			fputs_safe(files.paths[i], stderr);
			fprintf(stderr, ": cannot store: %s", store_error(store));
			/* "disk I/O error" alone does not say the disk is full. */
			if (sqlite3_extended_errcode(store_db(store)) == SQLITE_IOERR_WRITE)
				fputs(" (writing failed: disk full or file size limit?)",
				    stderr);
			fputc('\n', stderr);
			store_rollback(store);
		}
	}
	finish_pipeline(&pipeline, threads, started_threads);
	/* After a store failure (already said) it is likely to fail too: quietly. */
	if (end_bulk_load(&pipeline, store) == -1) {
		if (result == 0)
			fprintf(stderr, "wfpsift: cannot rebuild the case's indexes: "
			    "%s (the next run rebuilds them)\n", store_error(store));
		store_rollback(store);
		result = -1;
	}
	if (options->show_progress && totals->records > 0)
		fputs("\r\033[K", stderr);
	totals->seconds = seconds_now() - started;
	file_list_free(&files);
	return result;
}
