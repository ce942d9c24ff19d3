/*
 * cmd-ingest.h: what ingest shares with analyze (options and the run).
 */
#ifndef WFPSIFT_CMD_INGEST_H
#define WFPSIFT_CMD_INGEST_H

#include <stdio.h>

#include "command.h"
#include "ingest.h"

struct ingest_command_options {
	const char		*case_path;
	const char		*output_dir;	/* analyze only */
	int			 accept_output;	/* set by analyze before parsing */
	int			 help;
	char			**paths;
	int			 path_count;
	struct ingest_options	 ingest;
};

const struct decoder_ops *decoder_by_name(const char *);
int	 ingest_parse_options(const struct command *, int, char **,
	    struct ingest_command_options *);
struct case_lock;

/*
 * Lock and open the case, then ingest. On return *store (and *lock, which
 * the caller releases after closing the store) are set unless the case
 * could not be opened; the status is EXIT_OK, EXIT_ERROR or EXIT_BUSY.
 * EXIT_ERROR also when no path held an EVTX file (totals->files_found 0).
 */
int	 ingest_run(const struct ingest_command_options *, struct store **,
	    struct case_lock **, struct ingest_totals *);
void	 ingest_print_summary(const struct ingest_totals *, FILE *);

#endif
