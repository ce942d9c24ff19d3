/*
 * detect.h: attribution and the detectors (port sweep, host sweep,
 * per-user application misuse) over a case's store.
 *
 * detect_run reads network_events, processes and logons, and replaces the
 * attribution, findings and finding_evidence rows in one transaction, so a
 * case can be re-analysed with other thresholds without re-ingesting.
 * 'wfpsift detect' and 'wfpsift analyze' both call it.
 */
#ifndef WFPSIFT_DETECT_H
#define WFPSIFT_DETECT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#define DETECT_MAX_LATERAL_PORTS 64

/* Every threshold a detector uses; detect_options_init sets the defaults. */
struct detect_options {
	/* Which detectors run (attribution always runs). */
	int	 port_sweep;
	int	 host_sweep;
	int	 app_misuse;

	/* Port sweep: this many distinct ports on one destination in the window. */
	int	 port_sweep_ports;
	int	 port_sweep_window;		/* seconds */

	/* Host sweep: this many distinct destinations on one service in the window. */
	int	 host_sweep_hosts;
	int	 host_sweep_window;		/* seconds */
	int	 host_sweep_internal_only;	/* count private/link-local destinations only */

	/* Application misuse. */
	double	 learning_days;			/* baseline period from the first network event */
	int	 internal_hosts;		/* distinct internal hosts before a new app on non-lateral ports is flagged */
	int	 lateral_ports[DETECT_MAX_LATERAL_PORTS];
	int	 lateral_port_count;
	char	*policy_path;			/* NULL: learn from the case's history */

	int	 quiet;				/* detect_run prints only the totals */
};

/* Fill options with the defaults (see wfpsift(1), DETECT). */
void	 detect_options_init(struct detect_options *);

/* Release what detect_option_set allocated. */
void	 detect_options_free(struct detect_options *);

/*
 * Set one option by its name, as it appears in a config file and as a long
 * flag without its dashes (e.g. "port-sweep-ports", "15"). Returns 0, or -1
 * with a message in error when the name is unknown or the value is invalid.
 */
int	 detect_option_set(struct detect_options *, const char *name,
	    const char *value, char *error, size_t error_size);

/*
 * Read a config file of 'key = value' lines ('#' starts a comment) into
 * options. Returns 0, or -1 with the file name and line in error.
 */
int	 detect_config_load(struct detect_options *, const char *path,
	    char *error, size_t error_size);

/* What one run found, for the caller's own summary. */
struct detect_result {
	int64_t	 network_events;
	int64_t	 attributed;
	int64_t	 findings;
	int64_t	 port_sweeps;
	int64_t	 host_sweeps;
	int64_t	 app_misuses;
};

/*
 * Attribute every network event and run the enabled detectors, replacing
 * earlier attribution and findings atomically. When out is not NULL, print
 * one line per finding there (log strings escaped). result may be NULL.
 * Returns 0, or -1 with a message in error (the case is then unchanged).
 */
int	 detect_run(sqlite3 *, const struct detect_options *, FILE *out,
	    struct detect_result *result, char *error, size_t error_size);

#endif
