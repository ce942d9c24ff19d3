/*
 * detector.h: what the detectors share inside 'wfpsift detect'.
 *
 * Each detector (detect-port-sweep.c, detect-host-sweep.c,
 * detect-app-misuse.c) reads the store and appends findings, each with the
 * network event ids that make it up, to a finding_list. detect.c sorts them,
 * numbers them, stores them and describes them. Nothing here prints.
 */
#ifndef WFPSIFT_DETECTOR_H
#define WFPSIFT_DETECTOR_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "table-pass.h"

struct sweep_flows;

/* One finding while it is being built; strings are owned (malloc'd). */
struct finding {
	const char	*detector;		/* static: "port_sweep", ... */
	const char	*severity;		/* static: "low" ... "critical" */
	char		*user_name;		/* known at detection (app_misuse), else NULL */
	char		*application;		/* likewise */
	char		*source_ip;
	char		*destination_ip;	/* NULL when many */
	int64_t		 destination_port;	/* -1 when many */
	char		*service;		/* port class: "smb", "rdp", "port 8080", ... */
	int64_t		 distinct_count;
	int64_t		 first_us, last_us;
	char		*reference_rules;	/* "zeek,elastic", "zeek" or "" */
	char		*detail;		/* app_misuse: the sentence's first half */
	int		 rare;			/* app_misuse: no other user does this */
	int64_t		*evidence;		/* network_events ids */
	size_t		 evidence_count, evidence_alloc;
};

struct finding_list {
	struct finding	*items;
	size_t		 count, alloc;
};

/* A new, zeroed finding at the end of list, or NULL when out of memory. */
struct finding	*finding_add(struct finding_list *, const char *detector);
int		 finding_add_evidence(struct finding *, int64_t network_event_id);
void		 finding_list_free(struct finding_list *);

/* malloc'd copy of text (NULL stays NULL); sets *failed on out of memory. */
char		*detect_strdup(const char *text, int *failed);

/*
 * Merge the findings of one sweep detector, list->items[first..], that
 * share a source and overlap in time or follow within gap_us: one scan of
 * a subnet on many ports is one finding, not one per host and one per
 * port (detect-merge.c).
 */
int	 findings_merge_sweeps(struct finding_list *, size_t first, int64_t gap_us);

/*
 * Sort, number, store and describe every finding: its evidence rows, host,
 * user, application, counts, sentence and query (detect-store.c).
 */
int	 findings_store(sqlite3 *, const struct detect_options *,
	    struct finding_list *);

/*
 * A stage that reads network_events in attribution's pass over the table
 * rather than in a pass of its own (table-pass.h). Its columns are added
 * to the pass's SELECT; row() gets each row, the index of the stage's
 * first column, and the user attribution gave the row (user_name and
 * user_sid as the attribution table holds them, NULL for none). row()
 * returns 0, or -1 with a message in error, which ends the pass.
 */
struct network_reader {
	struct pass_columns	 columns;	/* first: see pass_select() */
	int		(*row)(void *state, sqlite3_stmt *, int first_column,
			    const char *user_name, const char *user_sid,
			    char *error, size_t error_size);
	void		*state;
};

/*
 * Attribution: fill the attribution table (attribute.c), handing each
 * network event to the readers on the way. 0, or -1 with a message.
 */
int	 attribute_network_events(sqlite3 *, const struct network_reader *,
	    size_t reader_count, char *error, size_t error_size);

/* The detectors. Each returns 0, or -1 with a message in error. */
int	 detect_port_sweeps(struct sweep_flows *, const struct detect_options *,
	    struct finding_list *, char *error, size_t error_size);
int	 detect_host_sweeps(struct sweep_flows *, const struct detect_options *,
	    struct finding_list *, char *error, size_t error_size);

/*
 * Application misuse (detect-app-misuse.c) reads the attributed
 * connections in attribution's pass: begin, hand its reader to
 * attribute_network_events(), then finish to append the findings. Free
 * in any case; begin and finish return 0, or -1 with a message.
 */
struct app_misuse;
int	 app_misuse_begin(sqlite3 *, const struct detect_options *,
	    struct app_misuse **, char *error, size_t error_size);
void	 app_misuse_reader(struct app_misuse *, struct network_reader *);
int	 app_misuse_finish(sqlite3 *, struct app_misuse *, struct finding_list *,
	    char *error, size_t error_size);
void	 app_misuse_free(struct app_misuse *);

/*
 * Address scopes, from the canonical text the store holds: "loopback",
 * "unspecified", "multicast", "broadcast", "link_local", "private",
 * "public", or NULL when the text is not an address.
 */
const char	*address_scope(const char *ip);

/* 1 when an address can take part in a sweep (a unicast, non-loopback peer). */
int		 address_is_peer(const char *ip);

/* 1 for private and link-local addresses: the hosts of the site. */
int		 address_is_internal(const char *ip);

/*
 * Register wfpsift_address_scope(ip) and wfpsift_port_service(protocol,
 * port) (the service class of a port: "smb", "port 8080", "icmp") on db,
 * so detector queries can filter and group in SQL. Only detect's own connection has it: never use it in the SQL a
 * finding stores for analysts.
 */
int		 address_register_sql(sqlite3 *);

/* The service name of a port: "smb", "rdp", ... or NULL. */
const char	*port_service(int port);

/* 1 when port is one of options' lateral-movement ports. */
int		 port_is_lateral(const struct detect_options *, int port);

/*
 * Sliding windows over time-ordered values (sweep.c). A window holds the
 * events no more than window_us apart; 'distinct' counts distinct values.
 */
struct window_event {
	int64_t	 id;		/* network_events id */
	int64_t	 time_us;
	int64_t	 value;		/* what is counted: a port, or a destination number */
	int64_t	 port;		/* destination port, -1 for ICMP */
	int	 outbound;	/* 1 when the source's own log shows it */
};

/* A run of events [first, last] (indexes) in which the threshold was met. */
struct window_run {
	size_t	 first, last;
};

/*
 * Find the runs of events in which some window of window_us holds at least
 * threshold distinct values; overlapping windows merge into one run.
 * *runs is malloc'd (free it). Returns the number of runs, or -1 when out
 * of memory.
 */
long	 window_find_runs(const struct window_event *, size_t count,
	    int64_t window_us, int64_t threshold, struct window_run **runs);

/* The most distinct values any window of window_us holds, or -1 (no memory). */
int64_t	 window_max_distinct(const struct window_event *, size_t count,
	    int64_t window_us);

/* Distinct values among count events, or -1 (no memory). */
int64_t	 window_distinct(const struct window_event *, size_t count);

/*
 * Give a sweep finding the time span of a run and its events as evidence.
 * Returns 0, or -1 when out of memory.
 */
int	 finding_take_run(struct finding *, const struct window_event *,
	    const struct window_run *);

/*
 * A sweep detector's function for one group of events of one key (a
 * source and a destination, or a source and a service), in time order.
 * Returns 0, or -1 when out of memory.
 */
typedef int	 window_group_function(void *context, const char *key1,
		    const char *key2, struct window_event *events, size_t count);

/* The first index whose time is at or after time_us (events in time order). */
size_t	 window_lower_bound(const struct window_event *, size_t count,
	    int64_t time_us);

/*
 * Build temp.detect_flows: every inbound or outbound network event as
 * (source, destination, port, outbound) -- an outbound record's source is
 * its host, an inbound record's source is the remote peer. Which side of
 * an inbound WFP record is local is checked against the host's own
 * addresses (the local side of its outbound, listen and bind records): a
 * record stored with its sides the wrong way round is turned back. The
 * finding descriptions read this view (detect.c); its table of the hosts'
 * own addresses, temp.detect_host_addresses, is empty until
 * the sweeps' reader fills it, so without a sweep detector the view
 * is right only for outbound records (all that application misuse reads).
 */
int	 flows_prepare(sqlite3 *);

/*
 * The flows both sweep detectors read, gathered in attribution's read of
 * network_events (begin, then hand the reader to attribute_network_events,
 * then finish) and two passes over a scratch file (detect-flows.c): only
 * the keys that reach a detector's threshold somewhere in the case
 * are kept, sorted, and handed over one group at a time, keys in SQL text
 * order and events by time and id. Needs flows_prepare() first: it fills
 * the view's temp.detect_host_addresses.
 */
enum sweep_kind {
	SWEEP_PORT,	/* key (source, destination), value: the port */
	SWEEP_HOST,	/* key (source, service), value: the destination */
	SWEEP_KINDS
};
int	 sweep_flows_begin(sqlite3 *, const struct detect_options *,
	    struct sweep_flows **, char *error, size_t error_size);
void	 sweep_flows_reader(struct sweep_flows *, struct network_reader *);
int	 sweep_flows_finish(sqlite3 *, struct sweep_flows *, char *error,
	    size_t error_size);
int	 sweep_flows_each_group(struct sweep_flows *, enum sweep_kind,
	    window_group_function *, void *context);
void	 sweep_flows_free(struct sweep_flows *);

/* The application policy file (detect-policy.c; format in its comment). */
struct policy;
int	 policy_load(const char *path, struct policy **, char *error,
	    size_t error_size);
void	 policy_free(struct policy *);

/*
 * 1 when some allow line covers this user using this application for a
 * connection of this kind (a lateral service name, "port N", or
 * "internal") to this port.
 */
int	 policy_allows(const struct policy *, const char *user_name,
	    const char *user_sid, const char *application_path,
	    const char *application_name, const char *kind, int lateral, int port);

/* snprintf into error, for the detectors' one-line messages. */
void	 detect_error(char *error, size_t error_size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
