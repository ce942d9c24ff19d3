/*
 * decode-dump.c: print every event of EVTX files as one decoder sees them,
 * in a canonical text form, so that two decoders can be compared with diff.
 *
 * usage: decode-dump [--decoder libevtx|binxml|fast] [--messages]
 *                    [--no-index] FILE...
 *        decode-dump --compare FILE...
 *        decode-dump --bench [--decoder NAME] FILE...
 *
 * --no-plans makes the binxml decoder walk every record's tokens instead
 * of replaying template plans, so that the two can be compared.
 *
 * Per file: "file NAME", a line of header facts, then per record an "R"
 * line (ids, numbers, times), an "S" line (System strings), one "F" line
 * per field, and per skipped record an "X" line (kind, index, id; the
 * message only with --messages, since decoders word them differently).
 * Bytes below 0x20, 0x7f and backslash are escaped; NULL prints as (null).
 * Exit status 1 when a file cannot be opened.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binxml.h"
#include "decoder.h"
#include "event.h"

static int	print_messages, print_index = 1;
static FILE	*out;

/* Print text with control bytes escaped, or (null). */
static void
put(const char *text)
{
	const unsigned char	*p;

	if (text == NULL) {
		fputs("(null)", out);
		return;
	}
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			putc(*p, out);
	}
}

static void
dump_event(const struct event *event)
{
	size_t	i;

	fprintf(out, "R");
	if (print_index)
		fprintf(out, " index=%ld", event->record_index);
	fprintf(out, " number=%llu id=%llu recovered=%d event=%u version=%d level=%d task=%d "
	    "opcode=%d time=%lld pid=%u tid=%u\n",
	    (unsigned long long)event->record_number,
	    (unsigned long long)event->record_id, event->recovered,
	    event->event_id, event->version, event->level, event->task,
	    event->opcode, (long long)event->filetime, event->process_id,
	    event->thread_id);
	fprintf(out, "S provider=");
	put(event->provider);
	fprintf(out, " guid=");
	put(event->provider_guid);
	fprintf(out, " channel=");
	put(event->channel);
	fprintf(out, " computer=");
	put(event->computer);
	fprintf(out, " keywords=");
	put(event->keywords);
	fprintf(out, " sid=");
	put(event->user_sid);
	fprintf(out, " data=");
	put(event->data_element);
	fprintf(out, " fields=%zu%s\n", event->field_count,
	    event->fields_truncated ? " truncated" : "");
	for (i = 0; i < event->field_count; i++) {
		fprintf(out, "F ");
		put(event->fields[i].name);
		fprintf(out, "=");
		put(event->fields[i].value);
		fprintf(out, "\n");
	}
}

/* Print a skipped record's line. */
static void
dump_problem(const struct decode_problem *problem)
{
	fprintf(out, "X kind=%s", problem->kind ? problem->kind : "?");
	if (print_index)
		fprintf(out, " index=%ld", problem->record_index);
	fprintf(out, " id=%lld", (long long)problem->record_id);
	if (print_messages) {
		fprintf(out, " ");
		put(problem->message);
	}
	fprintf(out, "\n");
}

static void
dump_info(const struct evtx_file_info *info)
{
	fprintf(out, "I flags=%u corrupted=%d version=%d.%d live=%ld recovered=%ld\n",
	    (unsigned)info->header_flags, info->corrupted, info->major_version,
	    info->minor_version, info->live_records, info->recovered_records);
}

static int
dump_file(const struct decoder_ops *ops, const char *path)
{
	static struct event	 event;
	struct decoder		*decoder;
	struct decode_problem	 problem;
	struct evtx_file_info	 info;
	enum decode_status	 status;

	memset(&problem, 0, sizeof(problem));
	fprintf(out, "file ");
	put(path);
	fprintf(out, "\n");
	if (ops->open(path, &decoder, &problem) == -1) {
		fprintf(out, "open failed%s", print_messages ? ": " : "\n");
		if (print_messages) {
			put(problem.message);
			fprintf(out, "\n");
		}
		return -1;
	}
	ops->info(decoder, &info);
	dump_info(&info);
	for (;;) {
		memset(&problem, 0, sizeof(problem));
		status = ops->next(decoder, &event, &problem);
		if (status == DECODE_END || status == DECODE_FAILED)
			break;
		if (status == DECODE_RECORD)
			dump_event(&event);
		else
			dump_problem(&problem);
	}
	ops->close(decoder);
	return status == DECODE_FAILED ? -1 : 0;
}

/* One side of a comparison: its decoder and its last answer as text. */
struct side {
	const struct decoder_ops	*ops;
	struct decoder			*decoder;
	struct event			 event;
	struct decode_problem		 problem;
	enum decode_status		 status;
	char				*text;
	size_t				 size;
};

/* Decode the next record of side into its text. */
static void
step(struct side *side)
{
	FILE	*saved = out;

	memset(&side->problem, 0, sizeof(side->problem));
	side->status = side->ops->next(side->decoder, &side->event, &side->problem);
	free(side->text);
	side->text = NULL;
	if ((out = open_memstream(&side->text, &side->size)) == NULL)
		abort();
	if (side->status == DECODE_RECORD)
		dump_event(&side->event);
	else if (side->status == DECODE_SKIPPED)
		dump_problem(&side->problem);
	fclose(out);
	out = saved;
}

/* Counts of a comparison, over every file. */
static long	compared, identical, both_skipped, differences;
static long	exception_xml, exception_recovered, fast_skipped;

/*
 * Compare the reference and the fast decoder on one file, record by
 * record. Prints "D" lines for differences and "E" lines for the
 * documented exceptions:
 *   xml        libevtx's XML of the record is not well-formed, so the
 *              reference decoder skips it; the fast decoder reads it;
 *   recovered  a recovered record libevtx 20181227 cannot read.
 */
static void
compare_file(const char *path)
{
	struct side		 reference, fast;
	struct evtx_file_info	 reference_info, fast_info;
	struct decode_problem	 problem;
	int			 reference_open, fast_open;

	memset(&reference, 0, sizeof(reference));
	memset(&fast, 0, sizeof(fast));
	reference.ops = &libevtx_xml_decoder;
	fast.ops = &fast_decoder;
	fprintf(out, "file ");
	put(path);
	fprintf(out, "\n");
	reference_open = reference.ops->open(path, &reference.decoder, &problem) == 0;
	fast_open = fast.ops->open(path, &fast.decoder, &problem) == 0;
	if (!reference_open || !fast_open) {
		fprintf(out, "%s open reference=%d fast=%d\n",
		    reference_open == fast_open ? "E" : "D", reference_open, fast_open);
		differences += reference_open && !fast_open;
		goto done;
	}
	reference.ops->info(reference.decoder, &reference_info);
	fast.ops->info(fast.decoder, &fast_info);
	if (reference_info.corrupted != fast_info.corrupted ||
	    reference_info.live_records != fast_info.live_records ||
	    reference_info.recovered_records != fast_info.recovered_records ||
	    reference_info.header_flags != fast_info.header_flags) {
		fprintf(out, "D info\n< ");
		dump_info(&reference_info);
		fprintf(out, "> ");
		dump_info(&fast_info);
		differences++;
		goto done;
	}
	for (;;) {
		step(&reference);
		step(&fast);
		if (reference.status == DECODE_END && fast.status == DECODE_END)
			break;
		compared++;
		if (reference.status == DECODE_RECORD && fast.status == DECODE_RECORD &&
		    strcmp(reference.text, fast.text) == 0) {
			identical++;
			continue;
		}
		if (reference.status == DECODE_SKIPPED && fast.status == DECODE_SKIPPED) {
			both_skipped++;
			continue;
		}
		if (reference.status == DECODE_SKIPPED && fast.status == DECODE_RECORD &&
		    fast.event.recovered && reference.problem.kind != NULL &&
		    strcmp(reference.problem.kind, "recovered") == 0) {
			exception_recovered++;
			fprintf(out, "E recovered number=%llu\n",
			    (unsigned long long)fast.event.record_number);
			continue;
		}
		if (reference.status == DECODE_SKIPPED && fast.status == DECODE_RECORD &&
		    strstr(reference.problem.message, "record XML does not parse")) {
			exception_xml++;
			fprintf(out, "E xml number=%llu\n",
			    (unsigned long long)fast.event.record_number);
			continue;
		}
		if (fast.status == DECODE_SKIPPED)
			fast_skipped++;
		differences++;
		fprintf(out, "D\n< %s> %s", reference.text ? reference.text : "",
		    fast.text ? fast.text : "");
		if (reference.status == DECODE_END || fast.status == DECODE_END)
			break;
	}
done:
	if (reference_open)
		reference.ops->close(reference.decoder);
	if (fast_open)
		fast.ops->close(fast.decoder);
	free(reference.text);
	free(fast.text);
}

/* CPU seconds of the children reaped so far: the libevtx workers. */
static double
children_cpu(void)
{
	struct rusage	usage;

	if (getrusage(RUSAGE_CHILDREN, &usage) != 0)
		return 0;
	return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
	    (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/*
 * Decode every file with ops without printing the events; print records,
 * skipped records, seconds and throughput. What bench/decode.sh runs.
 */
static int
bench_files(const struct decoder_ops *ops, int count, char **paths)
{
	static struct event	 event;
	struct decoder		*decoder;
	struct decode_problem	 problem;
	struct timespec		 start, end, cpu_start, cpu_end;
	enum decode_status	 status;
	long			 records = 0, skipped = 0, fields = 0;
	double			 bytes = 0, seconds, cpu, workers_start;
	FILE			*file;
	int			 i;

	clock_gettime(CLOCK_MONOTONIC, &start);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_start);
	workers_start = children_cpu();
	for (i = 0; i < count; i++) {
		if ((file = fopen(paths[i], "rb")) != NULL) {
			fseek(file, 0, SEEK_END);
			bytes += (double)ftell(file);
			fclose(file);
		}
		if (ops->open(paths[i], &decoder, &problem) == -1)
			continue;
		while ((status = ops->next(decoder, &event, &problem)) != DECODE_END &&
		    status != DECODE_FAILED) {
			if (status == DECODE_RECORD) {
				records++;
				fields += (long)event.field_count;
			} else
				skipped++;
		}
		ops->close(decoder);
	}
	libevtx_workers_stop();
	clock_gettime(CLOCK_MONOTONIC, &end);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_end);
	seconds = (double)(end.tv_sec - start.tv_sec) +
	    (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	cpu = (double)(cpu_end.tv_sec - cpu_start.tv_sec) +
	    (double)(cpu_end.tv_nsec - cpu_start.tv_nsec) / 1e9;
	cpu += children_cpu() - workers_start;	/* libevtx's worker processes */
	/* Throughput on CPU time: the machine may be shared. */
	printf("decoder=%s files=%d bytes=%.0f records=%ld skipped=%ld fields=%ld "
	    "seconds=%.3f cpu=%.3f MB/s=%.1f records/s=%.0f\n", ops->name, count,
	    bytes, records, skipped, fields, seconds, cpu, bytes / 1e6 / cpu,
	    (double)records / cpu);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct decoder_ops	*ops = &fast_decoder;
	int				 i, failed = 0, compare = 0, bench = 0;

	out = stdout;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--messages") == 0)
			print_messages = 1;
		else if (strcmp(argv[i], "--no-index") == 0)
			print_index = 0;
		else if (strcmp(argv[i], "--compare") == 0)
			compare = 1;
		else if (strcmp(argv[i], "--bench") == 0)
			bench = 1;
		else if (strcmp(argv[i], "--no-plans") == 0)
			binxml_plans = 0;
		else if (strcmp(argv[i], "--decoder") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "libevtx") == 0)
				ops = &libevtx_xml_decoder;
			else if (strcmp(argv[i], "binxml") == 0)
				ops = &binxml_decoder;
			else if (strcmp(argv[i], "fast") == 0)
				ops = &fast_decoder;
			else {
				fprintf(stderr, "decode-dump: unknown decoder %s\n", argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: decode-dump [--decoder libevtx|binxml|fast]"
			    " [--messages] [--no-index] [--no-plans] FILE...\n"
			    "       decode-dump --compare FILE...\n"
			    "       decode-dump --bench [--decoder NAME] FILE...\n");
			return 2;
		}
	}
	if (bench)
		return bench_files(ops, argc - i, argv + i);
	if (compare) {
		print_index = 0;
		print_messages = 0;
		for (; i < argc; i++)
			compare_file(argv[i]);
		printf("summary compared=%ld identical=%ld both-skipped=%ld "
		    "exception-xml=%ld exception-recovered=%ld differences=%ld "
		    "fast-skipped=%ld\n", compared, identical, both_skipped,
		    exception_xml, exception_recovered, differences, fast_skipped);
		return differences != 0;
	}
	for (; i < argc; i++)
		if (dump_file(ops, argv[i]) == -1)
			failed = 1;
	return failed;
}
