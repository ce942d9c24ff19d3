/*
 * detect-window-test: the sliding-window arithmetic under both sweep
 * detectors, and the address scopes they filter on, on small exact inputs.
 */
#include <stdlib.h>

#include "detector.h"
#include "tap.h"

#define SECOND 1000000LL

/* Fill events[i] with time times[i] seconds and value values[i]. */
static void
fill(struct window_event *events, const int *times, const int *values, size_t count)
{
	size_t	i;

	for (i = 0; i < count; i++) {
		events[i].id = (int64_t)i + 1;
		events[i].time_us = times[i] * SECOND;
		events[i].value = values[i];
		events[i].port = values[i];
		events[i].outbound = 1;
	}
}

/* Runs of a small input as "first-last first-last". */
static const char *
runs_text(const int *times, const int *values, size_t count, int window, int threshold)
{
	static char		 text[256];
	struct window_event	 events[64];
	struct window_run	*runs;
	long			 run_count, i;
	size_t			 used = 0;

	fill(events, times, values, count);
	run_count = window_find_runs(events, count, window * SECOND, threshold, &runs);
	text[0] = '\0';
	for (i = 0; i < run_count; i++)
		used += snprintf(text + used, sizeof(text) - used, "%s%zu-%zu",
		    i ? " " : "", runs[i].first, runs[i].last);
	free(runs);
	return run_count < 0 ? "error" : text;
}

int
main(void)
{
	static const int	times[] = { 0, 1, 2, 3, 10, 11, 12, 100, 101, 102 };
	static const int	values[] = { 1, 2, 3, 3, 4, 5, 6, 7, 8, 9 };
	static const int	repeats[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	static const int	edge_times[] = { 0, 5, 10 };
	static const int	edge_values[] = { 1, 2, 3 };
	struct window_event	events[10];

	tap_is_string(runs_text(times, values, 10, 5, 3), "0-3 4-6 7-9",
	    "three bursts of three distinct values in 5 s: three runs");
	tap_is_string(runs_text(times, values, 10, 20, 5), "0-6",
	    "a 20 s window joins the first two bursts: one run, not one per window");
	tap_is_string(runs_text(times, values, 10, 200, 9), "0-9",
	    "a window spanning everything: one run of all events");
	tap_is_string(runs_text(times, values, 10, 5, 4), "",
	    "repeated values do not count twice: no window holds 4 distinct");
	tap_is_string(runs_text(times, repeats, 10, 1000, 2), "",
	    "one value many times is never a sweep");
	tap_is_string(runs_text(edge_times, edge_values, 3, 10, 3), "0-2",
	    "events exactly one window apart are inside it");
	tap_is_string(runs_text(edge_times, edge_values, 3, 9, 3), "",
	    "one second less and they are not");
	fill(events, times, values, 10);
	tap_is_number(window_max_distinct(events, 10, 5 * SECOND), 3,
	    "most distinct values in any 5 s window");
	tap_is_number(window_max_distinct(events, 10, 1000 * SECOND), 9,
	    "most distinct values overall");
	tap_is_number(window_distinct(events, 10), 9, "distinct values");
	tap_is_number((long long)window_lower_bound(events, 10, 11 * SECOND), 5,
	    "lower bound finds the first event at a time");
	tap_is_number((long long)window_lower_bound(events, 10, 1000 * SECOND), 10,
	    "lower bound past the end");

	tap_is_string(address_scope("10.1.2.3"), "private", "10/8 is private");
	tap_is_string(address_scope("172.31.0.1"), "private", "172.16/12 is private");
	tap_is_string(address_scope("172.32.0.1"), "public", "172.32 is not");
	tap_is_string(address_scope("127.0.0.1"), "loopback", "127/8 is loopback");
	tap_is_string(address_scope("0.0.0.0"), "unspecified", "0.0.0.0 is unspecified");
	tap_is_string(address_scope("::"), "unspecified", ":: is unspecified");
	tap_is_string(address_scope("::1"), "loopback", "::1 is loopback");
	tap_is_string(address_scope("224.0.0.252"), "multicast", "LLMNR is multicast");
	tap_is_string(address_scope("ff02::1:3"), "multicast", "ff02:: is multicast");
	tap_is_string(address_scope("255.255.255.255"), "broadcast", "limited broadcast");
	tap_is_string(address_scope("fe80::1"), "link_local", "fe80::/10 is link-local");
	tap_is_string(address_scope("fd12::1"), "private", "fc00::/7 is private");
	tap_is_string(address_scope("::ffff:10.0.0.1"), "private", "IPv4-mapped is judged as IPv4");
	tap_is_string(address_scope("2606:4700::1"), "public", "global IPv6 is public");
	tap_is_string(address_scope("not an address"), NULL, "text that is no address has no scope");
	tap_is_string(address_scope(NULL), NULL, "NULL has no scope");
	tap_is_string(port_service(139), "smb", "139 is SMB");
	tap_is_string(port_service(5986), "winrm", "5986 is WinRM");
	tap_is_string(port_service(31337), NULL, "an unknown port has no service");
	return TAP_DONE();
}
