/*
 * detect-port-sweep.c: one source probing many ports of one destination.
 *
 * The records of every host are turned into (source, destination, port):
 * the scanner's own outbound connects and the target's inbound accepts,
 * blocks and drops (5156/5157/5152) describe the same probes, so both ends
 * feed one key and a sweep seen in two logs is one finding. Only TCP and
 * UDP count; loopback, unspecified, multicast and broadcast peers never do.
 * A sweep is at least port_sweep_ports distinct destination ports within
 * port_sweep_window seconds; every window that reaches it belongs to the
 * sweep, and overlapping windows merge, so one scan is one finding.
 *
 * Each finding says whether the reference rules would also have fired:
 * Zeek's scan.zeek port scan (15 ports on one victim in 5 minutes) and
 * Elastic's port scan threshold (50 ports in a minute).
 */
#include <stdlib.h>
#include <string.h>

#include "detector.h"

#define ZEEK_PORTS		15
#define ZEEK_WINDOW_US		(300 * 1000000LL)
#define ELASTIC_PORTS		50
#define ELASTIC_WINDOW_US	(60 * 1000000LL)

/* A sweep this wide is high severity whatever the rules say. */
#define HIGH_SEVERITY_PORTS	100

struct port_sweep_context {
	const struct detect_options	*options;
	struct finding_list		*list;
};

/*
 * Whether a reference rule (threshold distinct ports in window_us) fires
 * on the events of this key around a run: windows may reach a little
 * before and after the run, as the rule's own would.
 */
static int
reference_fires(const struct window_event *events, size_t count,
    const struct window_run *run, int64_t window_us, int64_t threshold)
{
	size_t	first, last;
	int64_t	best;

	first = window_lower_bound(events, count,
	    events[run->first].time_us - window_us);
	last = window_lower_bound(events, count,
	    events[run->last].time_us + window_us + 1);
	best = window_max_distinct(events + first, last - first, window_us);
	return best < 0 ? -1 : best >= threshold;
}

/* The reference_rules text of a run: "zeek,elastic", "zeek", "elastic" or "". */
static char *
reference_rules(const struct window_event *events, size_t count,
    const struct window_run *run)
{
	int	zeek, elastic;
	char	text[32];

	zeek = reference_fires(events, count, run, ZEEK_WINDOW_US, ZEEK_PORTS);
	elastic = reference_fires(events, count, run, ELASTIC_WINDOW_US,
	    ELASTIC_PORTS);
	if (zeek < 0 || elastic < 0)
		return NULL;
	snprintf(text, sizeof(text), "%s%s%s", zeek ? "zeek" : "",
	    zeek && elastic ? "," : "", elastic ? "elastic" : "");
	return strdup(text);
}

/* Turn one run of one (source, destination) into a finding. */
static int
add_sweep(struct port_sweep_context *context, const char *source,
    const char *destination, const struct window_event *events, size_t count,
    const struct window_run *run)
{
	struct finding	*finding;
	int		 failed = 0;
	int64_t		 distinct;

	if ((finding = finding_add(context->list, "port_sweep")) == NULL)
		return -1;
	distinct = window_distinct(events + run->first, run->last - run->first + 1);
	finding->source_ip = detect_strdup(source, &failed);
	finding->destination_ip = detect_strdup(destination, &failed);
	finding->distinct_count = distinct;
	finding->reference_rules = reference_rules(events, count, run);
	finding->severity = distinct >= HIGH_SEVERITY_PORTS ||
	    (finding->reference_rules != NULL &&
	    strstr(finding->reference_rules, "elastic") != NULL) ? "high" : "medium";
	if (!failed && finding_take_run(finding, events, run) == -1)
		failed = 1;
	return failed || distinct < 0 || finding->reference_rules == NULL ? -1 : 0;
}

/* One (source, destination): find its sweeps. */
static int
port_sweep_group(void *opaque, const char *source, const char *destination,
    struct window_event *events, size_t count)
{
	struct port_sweep_context	*context = opaque;
	struct window_run		*runs;
	long				 run_count, i;
	int				 status = 0;

	run_count = window_find_runs(events, count,
	    (int64_t)context->options->port_sweep_window * 1000000,
	    context->options->port_sweep_ports, &runs);
	if (run_count < 0)
		return -1;
	for (i = 0; i < run_count && status == 0; i++)
		status = add_sweep(context, source, destination, events, count,
		    &runs[i]);
	free(runs);
	return status;
}

int
detect_port_sweeps(struct sweep_flows *flows, const struct detect_options *options,
    struct finding_list *list, char *error, size_t error_size)
{
	struct port_sweep_context	context = { options, list };

	if (sweep_flows_each_group(flows, SWEEP_PORT, port_sweep_group,
	    &context) == -1) {
		detect_error(error, error_size, "port sweep: out of memory");
		return -1;
	}
	return 0;
}
