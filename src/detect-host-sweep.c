/*
 * detect-host-sweep.c: one source reaching many hosts on one service.
 *
 * Records from WFP and Sysmon 3 alike become (source, destination, port)
 * as for the port sweep; ports that do one job form one service (139 and
 * 445 are SMB, 5985 and 5986 WinRM), every other port is its own service,
 * and ICMP is one. A sweep is at least host_sweep_hosts distinct
 * destinations of one source on one service within host_sweep_window
 * seconds; overlapping windows merge into one finding. By default only
 * internal destinations (private and link-local) count: a workstation's
 * browser reaches dozens of internet hosts on 443 every few minutes, while
 * an internal sweep is what lateral movement looks like.
 *
 * Reference rules: Zeek's address scan (25 hosts on one port in 5 minutes)
 * and Elastic's network sweep (100 hosts in 9 minutes on 21, 22, 23, 25,
 * 139, 445, 3389, 5985, 5986).
 */
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "util.h"

#define ZEEK_HOSTS		25
#define ZEEK_WINDOW_US		(300 * 1000000LL)
#define ELASTIC_HOSTS		100
#define ELASTIC_WINDOW_US	(540 * 1000000LL)

static const int elastic_ports[] = { 21, 22, 23, 25, 139, 445, 3389, 5985, 5986 };

struct host_sweep_context {
	const struct detect_options	*options;
	struct finding_list		*list;
};

/* Order events by port, then time: the per-port view Zeek's rule takes. */
static int
compare_port_time(const void *left, const void *right)
{
	const struct window_event	*a = left, *b = right;

	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->time_us != b->time_us)
		return a->time_us < b->time_us ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

static int
is_elastic_port(int64_t port)
{
	size_t	i;

	for (i = 0; i < sizeof(elastic_ports) / sizeof(elastic_ports[0]); i++)
		if (elastic_ports[i] == port)
			return 1;
	return 0;
}

/* Zeek: some single port reaches ZEEK_HOSTS hosts in ZEEK_WINDOW_US. */
static int
zeek_fires(struct window_event *nearby, size_t count)
{
	size_t	first = 0, last;
	int64_t	best;

	sort_array(nearby, count, sizeof(*nearby), compare_port_time);
	while (first < count) {
		for (last = first; last < count &&
		    nearby[last].port == nearby[first].port; last++)
			;
		if (nearby[first].port >= 0) {
			best = window_max_distinct(nearby + first, last - first,
			    ZEEK_WINDOW_US);
			if (best < 0)
				return -1;
			if (best >= ZEEK_HOSTS)
				return 1;
		}
		first = last;
	}
	return 0;
}

/* Elastic: ELASTIC_HOSTS hosts on its admin ports in ELASTIC_WINDOW_US. */
static int
elastic_fires(const struct window_event *events, size_t first, size_t last,
    struct window_event *scratch)
{
	size_t	i, count = 0;
	int64_t	best;

	for (i = first; i < last; i++)
		if (is_elastic_port(events[i].port))
			scratch[count++] = events[i];
	if (count == 0)
		return 0;
	if ((best = window_max_distinct(scratch, count, ELASTIC_WINDOW_US)) < 0)
		return -1;
	return best >= ELASTIC_HOSTS;
}

/* The reference_rules text of a run, from the events around it. */
static char *
reference_rules(const struct window_event *events, size_t count,
    const struct window_run *run)
{
	struct window_event	*scratch;
	size_t			 first, last;
	int			 zeek, elastic;
	char			 text[32];

	first = window_lower_bound(events, count,
	    events[run->first].time_us - ELASTIC_WINDOW_US);
	last = window_lower_bound(events, count,
	    events[run->last].time_us + ELASTIC_WINDOW_US + 1);
	if ((scratch = malloc((last - first) * sizeof(*scratch))) == NULL)
		return NULL;
	elastic = elastic_fires(events, first, last, scratch);
	memcpy(scratch, events + first, (last - first) * sizeof(*scratch));
	zeek = zeek_fires(scratch, last - first);
	free(scratch);
	if (zeek < 0 || elastic < 0)
		return NULL;
	snprintf(text, sizeof(text), "%s%s%s", zeek ? "zeek" : "",
	    zeek && elastic ? "," : "", elastic ? "elastic" : "");
	return strdup(text);
}

/*
 * The one port of a run (-1 when it has several), and whether any of its
 * ports is a lateral-movement port.
 */
static void
run_ports(const struct host_sweep_context *context,
    const struct window_event *events, const struct window_run *run,
    int64_t *single, int *lateral)
{
	size_t	i;

	*single = events[run->first].port;
	*lateral = 0;
	for (i = run->first; i <= run->last; i++) {
		if (port_is_lateral(context->options, (int)events[i].port))
			*lateral = 1;
		if (events[i].port != *single)
			*single = -1;
	}
}

/* Turn one run of one (source, service) into a finding. */
static int
add_sweep(struct host_sweep_context *context, const char *source,
    const char *service, const struct window_event *events, size_t count,
    const struct window_run *run)
{
	struct finding	*finding;
	int		 failed = 0, lateral;
	int64_t		 distinct, single;

	if ((finding = finding_add(context->list, "host_sweep")) == NULL)
		return -1;
	distinct = window_distinct(events + run->first, run->last - run->first + 1);
	run_ports(context, events, run, &single, &lateral);
	finding->source_ip = detect_strdup(source, &failed);
	finding->service = detect_strdup(service, &failed);
	finding->destination_port = single;
	finding->distinct_count = distinct;
	finding->reference_rules = reference_rules(events, count, run);
	finding->severity = lateral || (finding->reference_rules != NULL &&
	    strstr(finding->reference_rules, "elastic") != NULL) ? "high" : "medium";
	if (!failed && finding_take_run(finding, events, run) == -1)
		failed = 1;
	return failed || distinct < 0 || finding->reference_rules == NULL ? -1 : 0;
}

/* One (source, service): find its sweeps. */
static int
host_sweep_group(void *opaque, const char *source, const char *service,
    struct window_event *events, size_t count)
{
	struct host_sweep_context	*context = opaque;
	struct window_run		*runs;
	long				 run_count, i;
	int				 status = 0;

	run_count = window_find_runs(events, count,
	    (int64_t)context->options->host_sweep_window * 1000000,
	    context->options->host_sweep_hosts, &runs);
	if (run_count < 0)
		return -1;
	for (i = 0; i < run_count && status == 0; i++)
		status = add_sweep(context, source, service, events, count, &runs[i]);
	free(runs);
	return status;
}

int
detect_host_sweeps(struct sweep_flows *flows, const struct detect_options *options,
    struct finding_list *list, char *error, size_t error_size)
{
	struct host_sweep_context	context = { options, list };

	if (sweep_flows_each_group(flows, SWEEP_HOST, host_sweep_group,
	    &context) == -1) {
		detect_error(error, error_size, "host sweep: out of memory");
		return -1;
	}
	return 0;
}
