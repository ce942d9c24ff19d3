/*
 * ingest.c: the read -> decode -> normalise -> store loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "file-walk.h"
#include "ingest.h"
#include "normalise.h"
#include "sha256.h"
#include "util.h"

#define RECORDS_PER_TRANSACTION 20000

/* Everything one file's ingest keeps track of. */
struct file_run {
	struct store		*store;
	const struct ingest_options *options;
	struct ingest_totals	*totals;
	const char		*path;
	int64_t			 source_id;
	long			 messages;
	struct source_summary	 summary;
};

/*
 * Records per transaction: RECORDS_PER_TRANSACTION, or the number in the
 * environment variable WFPSIFT_RECORDS_PER_TRANSACTION. The crash tests set
 * it low so that a kill lands after some of a file's batches have been
 * committed, the case the redo-from-scratch logic exists for.
 */
static long
records_per_transaction(void)
{
	const char	*text = getenv("WFPSIFT_RECORDS_PER_TRANSACTION");
	int64_t		 value = parse_number(text);

	return value > 0 && value <= 10000000 ? (long)value : RECORDS_PER_TRANSACTION;
}

static double
seconds_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
			fputs(": more problems; all are in the case's "
			    "ingest_errors table\n", stderr);
		}
		return;
	}
	fputs("wfpsift: ", stderr);
	fputs_safe(run->path, stderr);
	if (problem->record_index >= 0)
		fprintf(stderr, ": record %ld", problem->record_index);
	if (problem->record_id >= 0)
		fprintf(stderr, " (EventRecordID %lld)", (long long)problem->record_id);
	fputs(": ", stderr);
	fputs_safe(problem->message, stderr);
	fputc('\n', stderr);
}

static int
record_problem(struct file_run *run, const struct decode_problem *problem)
{
	report_problem(run, problem);
	run->summary.error_count++;
	run->totals->errors++;
	return store_add_error(run->store, run->source_id, run->path,
	    problem->kind, problem->record_index, problem->record_id,
	    problem->chunk, problem->message);
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
	if (n != (ssize_t)sizeof(header)) {
		snprintf(problem->message, sizeof(problem->message),
		    "file header is incomplete (%zd of 128 bytes)", n < 0 ? 0 : n);
		return -1;
	}
	summary->next_record_id = 0;
	for (int i = 7; i >= 0; i--)
		summary->next_record_id = (summary->next_record_id << 8) | header[24 + i];
	summary->chunk_count = header[42] | (header[43] << 8);
	summary->header_flags = (int64_t)header[120] | ((int64_t)header[121] << 8) |
	    ((int64_t)header[122] << 16) | ((int64_t)header[123] << 24);
	stored = header[124] | (header[125] << 8) | (header[126] << 16) |
	    ((uint32_t)header[127] << 24);
	computed = (uint32_t)crc32(0L, header, 120);
	if (stored != computed) {
		snprintf(problem->message, sizeof(problem->message),
		    "file header checksum mismatch (stored 0x%08x, computed 0x%08x)",
		    stored, computed);
		return -1;
	}
	return 0;
}

static void
show_progress(const struct ingest_totals *totals, long file_number, double started)
{
	double	elapsed = seconds_now() - started;

	fprintf(stderr, "\r\033[Kingest: file %ld/%ld, %lld records, %.0f records/s",
	    file_number, totals->files_found, (long long)totals->records,
	    elapsed > 0 ? (double)totals->records / elapsed : 0.0);
}

/* Keep the span of live record ids and times for the sources row. */
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

/* Decode every record of an opened file into the store. */
static int
decode_all(struct file_run *run, struct decoder *decoder, long file_number,
    double started)
{
	static struct event		event;
	static struct normalised_event	normal;
	struct decode_problem		problem;
	enum decode_status		status;
	long				in_transaction = 0;
	long				batch = records_per_transaction();
	double				last_progress = 0;

	for (;;) {
		memset(&problem, 0, sizeof(problem));
		status = run->options->decoder->next(decoder, &event, &problem);
		if (status == DECODE_END)
			break;
		if (status == DECODE_SKIPPED) {
			if (record_problem(run, &problem) == -1)
				return -1;
			continue;
		}
		if (event.fields_truncated) {
			problem = (struct decode_problem){ .kind = "field",
			    .record_index = event.record_index,
			    .record_id = (int64_t)event.record_id, .chunk = -1 };
			snprintf(problem.message, sizeof(problem.message),
			    "more than %d EventData values; the rest are not stored",
			    EVENT_MAX_FIELDS);
			if (record_problem(run, &problem) == -1)
				return -1;
		}
		normalise_event(&event, &normal);
		if (store_add_event(run->store, run->source_id, &event, &normal,
		    run->options->keep_all_data) == -1)
			return -1;
		note_record(&run->summary, &event);
		run->totals->records++;
		run->totals->recovered += event.recovered;
		run->totals->network_events += normal.kind == NORMALISED_NETWORK;
		if (++in_transaction == batch) {
			if (store_commit(run->store) == -1 || store_begin(run->store) == -1)
				return -1;
			in_transaction = 0;
		}
		if (run->options->show_progress && (run->totals->records & 1023) == 0 &&
		    seconds_now() - last_progress > 0.25) {
			last_progress = seconds_now();
			show_progress(run->totals, file_number, started);
		}
	}
	return 0;
}

/* Ingest one EVTX file. Returns 0 (even with record problems) or -1 on a store failure. */
static int
ingest_file(struct store *store, const char *path, const struct ingest_options *options,
    struct ingest_totals *totals, long file_number, double started)
{
	struct file_run		 run = { store, options, totals, path, 0, 0, { 0 } };
	struct evtx_file_info	 info;
	struct decode_problem	 problem = { .kind = "file", .record_index = -1,
				    .record_id = -1, .chunk = -1 };
	struct decoder		*decoder = NULL;
	char			 sha256[65];
	int64_t			 size;

	if (sha256_file(path, sha256, &size) == -1) {
		int	saved = errno;

		fputs("wfpsift: ", stderr);
		fputs_safe(path, stderr);
		fprintf(stderr, ": %s\n", strerror(saved));
		totals->files_failed++;
		return store_add_error(store, 0, path, "file", -1, -1, -1, strerror(saved));
	}
	if (store_find_complete_source(store, sha256) > 0) {
		totals->files_already_in_case++;
		return 0;
	}
	totals->bytes += size;
	if (store_begin(store) == -1 ||
	    (run.source_id = store_begin_source(store, path, size, sha256,
	    options->decoder->name)) < 0)
		return -1;
	run.summary.first_record_id = -1;
	run.summary.last_record_id = -1;
	if (read_file_header(path, &run.summary, &problem) == -1 &&
	    record_problem(&run, &problem) == -1)
		return -1;
	if (options->decoder->open(path, &decoder, &problem) == -1) {
		record_problem(&run, &problem);
		run.summary.status = "failed";
		totals->files_failed++;
		if (store_finish_source(store, run.source_id, &run.summary) == -1)
			return -1;
		return store_commit(store);
	}
	options->decoder->info(decoder, &info);
	run.summary.corrupted = info.corrupted;
	run.summary.major_version = info.major_version;
	run.summary.minor_version = info.minor_version;
	if (decode_all(&run, decoder, file_number, started) == -1) {
		options->decoder->close(decoder);
		return -1;
	}
	options->decoder->close(decoder);
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

/* A walk problem: print it and count it in the store. */
struct walk_context {
	struct store		*store;
	struct ingest_totals	*totals;
};

static void
walk_problem(void *pointer, const char *path, const char *message)
{
	struct walk_context	*context = pointer;

	fputs("wfpsift: ", stderr);
	fputs_safe(path, stderr);
	fprintf(stderr, ": %s\n", message);
	context->totals->path_problems++;
	store_add_error(context->store, 0, path, "file", -1, -1, -1, message);
}

int
ingest_paths(struct store *store, char *const *paths, int path_count,
    const struct ingest_options *options, struct ingest_totals *totals)
{
	struct file_list	 files = { 0 };
	struct walk_context	 context = { store, totals };
	double			 started = seconds_now();
	size_t			 i;
	int			 result = 0;

	memset(totals, 0, sizeof(*totals));
	for (int p = 0; p < path_count; p++)
		file_walk(paths[p], &files, walk_problem, &context);
	totals->files_found = (long)files.count;
	for (i = 0; i < files.count && result == 0; i++) {
		result = ingest_file(store, files.paths[i], options, totals,
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
	if (options->show_progress && totals->records > 0)
		fputs("\r\033[K", stderr);
	totals->seconds = seconds_now() - started;
	file_list_free(&files);
	return result;
}
