/*
 * normalise-test.c: what normalisation promises, one case per line.
 */
#include "tap.h"

#include "event.h"
#include "normalise.h"
#include "util.h"

static void
test_addresses(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "10.0.20.10", "10.0.20.10" },
		{ "::ffff:10.0.20.10", "10.0.20.10" },
		{ "::FFFF:10.0.20.10", "10.0.20.10" },
		{ "FE80:0000:0000:0000:80AC:4126:FA58:1B81", "fe80::80ac:4126:fa58:1b81" },
		{ "fe80::1%12", "fe80::1%12" },
		{ "::", "::" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "::1", "::1" },
		{ "-", "" },
		{ "not-an-address", "not-an-address" },
	};
	char	out[ADDRESS_TEXT_SIZE];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		canonical_address(cases[i].in, out, sizeof(out));
		tap_is_string(out, cases[i].out, cases[i].in);
	}
}

static void
test_paths(void)
{
	static const struct { const char *in, *path, *name; } cases[] = {
		{ "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe",
		  "\\windows\\system32\\svchost.exe", "svchost.exe" },
		{ "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
		  "\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe", "powershell.exe" },
		{ "\\??\\C:\\Tools\\nmap.exe", "\\tools\\nmap.exe", "nmap.exe" },
		{ "System", "system", "system" },
		{ "-", "", "" },
	};
	char	path[PATH_TEXT_SIZE], name[PATH_TEXT_SIZE];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		normalise_path(cases[i].in, path, sizeof(path), name, sizeof(name));
		tap_is_string(path, cases[i].path, cases[i].in);
		tap_is_string(name, cases[i].name, cases[i].in);
	}
}

static void
test_numbers_and_times(void)
{
	char	text[40];

	tap_is_number(parse_number("0x0000000000001a2c"), 0x1a2c, "hex PID as libevtx renders it");
	tap_is_number(parse_number("6700"), 6700, "decimal PID");
	tap_is_number(parse_number("12x"), -1, "trailing garbage is not a number");
	tap_is_number(parse_number(""), -1, "empty is not a number");
	normalise_logon_id("0x00000000000af855", text, sizeof(text));
	tap_is_string(text, "0xaf855", "logon id loses its padding");
	filetime_to_iso(iso_to_filetime("2019-02-13T18:01:47.512340400Z"), text, sizeof(text));
	tap_is_string(text, "2019-02-13T18:01:47.5123404Z", "libevtx time round-trips at 100 ns");
	filetime_to_iso(iso_to_filetime("2017-10-23 06:58:15.154"), text, sizeof(text));
	tap_is_string(text, "2017-10-23T06:58:15.1540000Z", "Sysmon UtcTime parses");
	tap_is_number(filetime_to_unix_us(iso_to_filetime("1970-01-01T00:00:01Z")), 1000000,
	    "unix microseconds");
	/* Dates computed without gmtime: eras, leap days, the edges of 4 digits. */
	filetime_to_iso(0, text, sizeof(text));
	tap_is_string(text, "1601-01-01T00:00:00.0000000Z", "FILETIME 0");
	filetime_to_iso(116444736000000000LL - 1, text, sizeof(text));
	tap_is_string(text, "1969-12-31T23:59:59.9999999Z", "the tick before 1970");
	filetime_to_iso(iso_to_filetime("2000-02-29T12:34:56.0000001Z"), text, sizeof(text));
	tap_is_string(text, "2000-02-29T12:34:56.0000001Z", "leap day of a 400th year");
	filetime_to_iso(iso_to_filetime("2100-03-01T00:00:00Z") - 1, text, sizeof(text));
	tap_is_string(text, "2100-02-28T23:59:59.9999999Z", "no leap day in 2100");
	filetime_to_iso(2650467743999999999LL, text, sizeof(text));
	tap_is_string(text, "9999-12-31T23:59:59.9999999Z", "the last 4-digit year");
	filetime_to_iso(2650467744000000000LL, text, sizeof(text));
	tap_is_string(text, "10000-01-01T00:00:00.0000000Z", "year 10000, as gmtime says it");
	unix_us_to_iso(-1, text, sizeof(text));
	tap_is_string(text, "1969-12-31T23:59:59.9999990Z", "negative microseconds");
}

/* An inbound 5156 names this host (the listening side) as its source. */
static void
test_wfp_inbound(void)
{
	static struct event		event;
	static struct normalised_event	normal;

	event_clear(&event);
	event.provider = "Microsoft-Windows-Security-Auditing";
	event.event_id = 5156;
	event.filetime = iso_to_filetime("2026-11-02T09:00:00Z");
	event.fields[0] = (struct event_field){ "ProcessID", "4" };
	event.fields[1] = (struct event_field){ "Application", "System" };
	event.fields[2] = (struct event_field){ "Direction", "%%14592" };
	event.fields[3] = (struct event_field){ "SourceAddress", "10.0.20.10" };
	event.fields[4] = (struct event_field){ "SourcePort", "445" };
	event.fields[5] = (struct event_field){ "DestAddress", "::ffff:10.0.10.21" };
	event.fields[6] = (struct event_field){ "DestPort", "50123" };
	event.fields[7] = (struct event_field){ "Protocol", "6" };
	event.fields[8] = (struct event_field){ "LayerName", "%%14610" };
	event.field_count = 9;
	normalise_event(&event, &normal);
	tap_is_number(normal.kind, NORMALISED_NETWORK, "5156 is a network event");
	tap_is_string(normal.network.direction, "inbound", "direction");
	tap_is_string(normal.network.local_ip, "10.0.20.10", "inbound 5156: local is the source");
	tap_is_number(normal.network.local_port, 445, "local port");
	tap_is_string(normal.network.remote_ip, "10.0.10.21", "remote is canonical IPv4");
	tap_is_string(normal.network.protocol_name, "tcp", "protocol name");
	tap_is_string(normal.network.layer, "receive_accept", "layer");
	tap_is_string(normal.time, "2026-11-02T09:00:00.0000000Z", "time");

	/* A packet drop names the packet's sender as its source. */
	event.event_id = 5152;
	event.fields[3] = (struct event_field){ "SourceAddress", "10.0.10.21" };
	event.fields[4] = (struct event_field){ "SourcePort", "61000" };
	event.fields[5] = (struct event_field){ "DestAddress", "10.0.20.10" };
	event.fields[6] = (struct event_field){ "DestPort", "23" };
	normalise_event(&event, &normal);
	tap_is_string(normal.network.local_ip, "10.0.20.10", "inbound 5152: local is the destination");
	tap_is_number(normal.network.local_port, 23, "5152 local port");
	tap_is_string(normal.network.remote_ip, "10.0.10.21", "5152 remote is the source");
}

/* 4688 v2 with a Target account: the new process runs as the target. */
static void
test_process_creation(void)
{
	static struct event		event;
	static struct normalised_event	normal;

	event_clear(&event);
	event.provider = "Microsoft-Windows-Security-Auditing";
	event.event_id = 4688;
	event.fields[0] = (struct event_field){ "SubjectUserName", "WS01$" };
	event.fields[1] = (struct event_field){ "SubjectLogonId", "0x3e7" };
	event.fields[2] = (struct event_field){ "NewProcessId", "0x0000000000001a2c" };
	event.fields[3] = (struct event_field){ "NewProcessName", "C:\\Tools\\nmap.exe" };
	event.fields[4] = (struct event_field){ "TokenElevationType", "%%1937" };
	event.fields[5] = (struct event_field){ "ProcessId", "0x1f0" };
	event.fields[6] = (struct event_field){ "TargetUserName", "bob" };
	event.fields[7] = (struct event_field){ "TargetDomainName", "CORP" };
	event.fields[8] = (struct event_field){ "TargetLogonId", "0x00000000000af855" };
	event.field_count = 9;
	normalise_event(&event, &normal);
	tap_is_number(normal.kind, NORMALISED_PROCESS, "4688 is a process event");
	tap_is_number(normal.process.pid, 0x1a2c, "hex PID as a number");
	tap_is_number(normal.process.parent_pid, 0x1f0, "parent PID");
	tap_is_string(normal.process.user_name, "bob", "target user runs the process");
	tap_is_string(normal.process.logon_id, "0xaf855", "target logon id");
	tap_is_number(normal.process.elevated, 1, "%%1937 is elevated");
	tap_is_string(normal.process.image_name, "nmap.exe", "image name");
}

int
main(void)
{
	test_addresses();
	test_paths();
	test_numbers_and_times();
	test_wfp_inbound();
	test_process_creation();
	return TAP_DONE();
}
