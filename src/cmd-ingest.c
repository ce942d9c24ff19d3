/*
 * cmd-ingest.c: wfpsift ingest -- EVTX files or folders into a case.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case-lock.h"
#include "command.h"
#include "ingest.h"
#include "store.h"
#include "util.h"
#include "cmd-ingest.h"

static const char usage[] =
    "usage: wfpsift ingest [-d CASE] [-j N] [--all-data] [-q] PATH...\n"
    "\n"
    "Read .evtx files (or folders, recursively; files are found by their\n"
    "signature, not their name) into the SQLite case file. Files already in\n"
    "the case are skipped; inputs are opened read-only.\n"
    "\n"
    "  -d, --case FILE     the case file (default: wfpsift.db)\n"
    "      --all-data      keep EventData as JSON for every record, not only\n"
    "                      the network, process, logon and audit events\n"
    "      --decoder NAME  fast|libevtx-xml|binxml (default fast: direct BinXml,\n"
    "                      libevtx for any record it is unsure of; libevtx-xml:\n"
    "                      the slow reference; binxml: direct only, for measuring)\n"
    "  -j, --jobs N        decoding threads (default: one per core); the case\n"
    "                      is the same whatever N is\n"
    "      --decode-only   read, decode and normalise, but store nothing (for\n"
    "                      measuring the decoder; the case is not written)\n"
    "  -q, --quiet         no per-record messages, no summary\n"
    "  -h, --help          this help\n"
    "\n"
    "Exit status: 0 when every named file was read (record problems are\n"
    "counted in the case), 1 when a path or file could not be read at all\n"
    "or no EVTX file was found in any PATH, 2 on a usage error, 3 when\n"
    "another wfpsift process kept writing the case longer than the wait.\n";

const struct decoder_ops *
decoder_by_name(const char *name)
{
	if (name == NULL || strcmp(name, fast_decoder.name) == 0)
		return &fast_decoder;
	if (strcmp(name, libevtx_xml_decoder.name) == 0)
		return &libevtx_xml_decoder;
	if (strcmp(name, binxml_decoder.name) == 0)
		return &binxml_decoder;
	return NULL;
}

int
ingest_parse_options(const struct command *command, int argc, char **argv,
    struct ingest_command_options *out)
{
	static const struct option long_options[] = {
		{ "case", required_argument, NULL, 'd' },
		{ "all-data", no_argument, NULL, 'A' },
		{ "decoder", required_argument, NULL, 'D' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "decode-only", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	c, accept_output = out->accept_output;

	memset(out, 0, sizeof(*out));
	out->accept_output = accept_output;
	out->case_path = "wfpsift.db";
	out->ingest.decoder = &fast_decoder;
	out->ingest.max_messages_per_file = 20;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, out->accept_output ? "d:o:j:qh" : "d:j:qh",
	    long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			out->case_path = optarg;
			break;
		case 'o':
			if (!out->accept_output)
				return command_usage_error(command, "unknown option --output");
			out->output_dir = optarg;
			break;
		case 'A':
			out->ingest.keep_all_data = 1;
			break;
		case 'D':
			if ((out->ingest.decoder = decoder_by_name(optarg)) == NULL)
				return command_usage_error(command, "unknown decoder '%s'", optarg);
			break;
		case 'q':
			out->ingest.quiet = 1;
			break;
		case 'B':
			out->ingest.decode_only = 1;
			break;
		case 'j':
			out->ingest.threads = atoi(optarg);
			if (out->ingest.threads < 1 || out->ingest.threads > 64)
				return command_usage_error(command, "-j takes a number of threads from 1 to 64");
			break;
		case 'h':
			out->help = 1;
			return EXIT_OK;
		default:
			return command_option_error(command, argv);
		}
	}
	out->paths = argv + optind;
	out->path_count = argc - optind;
	if (out->path_count == 0)
		return command_usage_error(command, "no input path given");
	out->ingest.show_progress = !out->ingest.quiet && progress_wanted();
	return EXIT_OK;
}

/*
 * The one summary line. What is only sometimes there (slack copies not
 * stored, slack candidates not readable, files in folders that are not
 * EVTX) is said only when it happened, so a clean run reads as before.
 */
void
ingest_print_summary(const struct ingest_totals *totals, FILE *out)
{
	double	mb = (double)totals->bytes / 1e6;

	fprintf(out, "ingested %ld file%s (%ld already in the case, %ld unreadable): "
	    "%lld records, %lld recovered",
	    totals->files_ingested, totals->files_ingested == 1 ? "" : "s",
	    totals->files_already_in_case,
	    totals->files_failed + totals->path_problems,
	    (long long)totals->records, (long long)totals->recovered);
	if (totals->recovered_duplicates == 1)
		fputs(" (1 more was a copy of a live record, not stored again)", out);
	else if (totals->recovered_duplicates > 1)
		fprintf(out, " (%lld more were copies of live records, not "
		    "stored again)", (long long)totals->recovered_duplicates);
	fprintf(out, ", %lld network events, %lld error%s",
	    (long long)totals->network_events, (long long)totals->errors,
	    totals->errors == 1 ? "" : "s");
	if (totals->slack_unreadable > 0)
		fprintf(out, "; %lld slack candidate%s not readable",
		    (long long)totals->slack_unreadable,
		    totals->slack_unreadable == 1 ? "" : "s");
	if (totals->files_not_evtx > 0)
		fprintf(out, "; skipped %ld file%s that %s not EVTX",
		    totals->files_not_evtx, totals->files_not_evtx == 1 ? "" : "s",
		    totals->files_not_evtx == 1 ? "is" : "are");
	if (totals->seconds > 0 && totals->bytes > 0)
		fprintf(out, " in %.2f s (%.1f MB/s)", totals->seconds,
		    mb / totals->seconds);
	fputc('\n', out);
}

/* Lock and open the case, and ingest; shared with analyze. */
int
ingest_run(const struct ingest_command_options *options, struct store **store_out,
    struct case_lock **lock_out, struct ingest_totals *totals)
{
	struct store		*store;
	struct case_lock	*lock;
	char			 error[512];
	int			 status;

	status = case_open_for_writing(options->case_path, 0, &store, &lock,
	    error, sizeof(error));
	if (status != EXIT_OK) {
		fputs("wfpsift: ", stderr);
		fputs_safe(error, stderr);
		fputc('\n', stderr);
		return status;
	}
	if (ingest_paths(store, options->paths, options->path_count,
	    &options->ingest, totals) == -1) {
		case_close(store, lock);
		return EXIT_ERROR;
	}
	*store_out = store;
	*lock_out = lock;
	/* Nothing to read at all is a failure, even when nothing was wrong. */
	if (totals->files_failed > 0 || totals->path_problems > 0 ||
	    totals->files_found == 0)
		return EXIT_ERROR;
	return EXIT_OK;
}

static int
run_ingest(int argc, char **argv)
{
	struct ingest_command_options	 options;
	struct ingest_totals		 totals;
	struct store			*store = NULL;
	struct case_lock		*lock = NULL;
	int				 status;

	memset(&options, 0, sizeof(options));
	if ((status = ingest_parse_options(&cmd_ingest, argc, argv, &options)) != EXIT_OK)
		return status;
	if (options.help)
		return command_help(&cmd_ingest);
	status = ingest_run(&options, &store, &lock, &totals);
	if (store == NULL)
		return status;
	if (!options.ingest.quiet)
		ingest_print_summary(&totals, stdout);
	case_close(store, lock);
	return status;
}

const struct command cmd_ingest = {
	.name = "ingest",
	.summary = "read .evtx files or folders into the case",
	.usage = usage,
	.run = run_ingest,
};
