/*
 * normalise.c: from decoded fields to analyst-ready rows.
 *
 * WFP connection records name this host as the Source whatever their
 * direction; packet drops and Sysmon name the sender (checked against real
 * 5156 and Sysmon 3 records). Raw fields are kept beside the result.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "normalise.h"
#include "util.h"

static const char provider_security[] = "Microsoft-Windows-Security-Auditing";
static const char provider_sysmon[] = "Microsoft-Windows-Sysmon";

void
canonical_address(const char *text, char *out, size_t size)
{
	struct in_addr	 v4;
	struct in6_addr	 v6;
	char		 copy[ADDRESS_TEXT_SIZE], *percent;

	if (size == 0)
		return;
	out[0] = '\0';
	if (text == NULL || *text == '\0' || strcmp(text, "-") == 0)
		return;
	lowercase_copy(copy, sizeof(copy), text);
	/* A zone index (fe80::1%12) is kept apart from the address. */
	percent = strchr(copy, '%');
	if (percent != NULL)
		*percent = '\0';
	if (inet_pton(AF_INET, copy, &v4) == 1) {
		inet_ntop(AF_INET, &v4, out, (socklen_t)size);
	} else if (inet_pton(AF_INET6, copy, &v6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&v6)) {
			memcpy(&v4, &v6.s6_addr[12], 4);
			inet_ntop(AF_INET, &v4, out, (socklen_t)size);
		} else
			inet_ntop(AF_INET6, &v6, out, (socklen_t)size);
	} else {
		lowercase_copy(out, size, text);
		return;
	}
	if (percent != NULL) {
		size_t	length = strlen(out);

		snprintf(out + length, size - length, "%%%s", percent + 1);
	}
}

/* Skip a volume prefix: \device\harddiskvolumeN, \device\mup, \??\C:, C:. */
static const char *
after_volume(const char *path)
{
	const char	*p = path;

	if (strncmp(p, "\\??\\", 4) == 0 || strncmp(p, "\\\\?\\", 4) == 0)
		p += 4;
	if (strncasecmp(p, "\\device\\", 8) == 0) {
		const char	*next = strchr(p + 8, '\\');

		return next != NULL ? next : p + strlen(p);
	}
	if (isalpha((unsigned char)p[0]) && p[1] == ':')
		return p + 2;
	return p;
}

void
normalise_path(const char *path, char *out_path, size_t path_size,
    char *out_name, size_t name_size)
{
	const char	*rest, *slash;

	out_path[0] = '\0';
	out_name[0] = '\0';
	if (path == NULL || *path == '\0' || strcmp(path, "-") == 0)
		return;
	rest = after_volume(path);
	lowercase_copy(out_path, path_size, rest);
	slash = strrchr(out_path, '\\');
	lowercase_copy(out_name, name_size, slash ? slash + 1 : out_path);
}

void
normalise_logon_id(const char *text, char *out, size_t size)
{
	int64_t	value = parse_number(text);

	if (value < 0)
		out[0] = '\0';
	else
		snprintf(out, size, "0x%llx", (unsigned long long)value);
}

const char *
protocol_name(int protocol)
{
	switch (protocol) {
	case 1:		return "icmp";
	case 2:		return "igmp";
	case 6:		return "tcp";
	case 17:	return "udp";
	case 41:	return "ipv6";
	case 47:	return "gre";
	case 50:	return "esp";
	case 51:	return "ah";
	case 58:	return "icmpv6";
	case 132:	return "sctp";
	default:	return NULL;
	}
}

static int
port_number(const char *text)
{
	int64_t	value = parse_number(text);

	return value >= 0 && value <= 65535 ? (int)value : -1;
}

/* %%14592.. codes to words. */
static const char *
direction_word(const char *code)
{
	if (code == NULL)
		return NULL;
	if (strcmp(code, "%%14592") == 0 || strcasecmp(code, "inbound") == 0)
		return "inbound";
	if (strcmp(code, "%%14593") == 0 || strcasecmp(code, "outbound") == 0)
		return "outbound";
	if (strcmp(code, "%%14594") == 0)
		return "forward";
	if (strcmp(code, "%%14595") == 0)
		return "bidirectional";
	return NULL;
}

static const char *
layer_word(const char *code)
{
	static const struct { const char *code, *word; } layers[] = {
		{ "%%14596", "ip_packet" },	{ "%%14597", "transport" },
		{ "%%14598", "forward" },	{ "%%14599", "stream" },
		{ "%%14600", "datagram_data" },	{ "%%14601", "icmp_error" },
		{ "%%14602", "mac_802_3" },	{ "%%14603", "mac_native" },
		{ "%%14604", "vswitch" },	{ "%%14608", "resource_assignment" },
		{ "%%14609", "listen" },	{ "%%14610", "receive_accept" },
		{ "%%14611", "connect" },	{ "%%14612", "flow_established" },
		{ "%%14613", "route" },		{ "%%14614", "resource_release" },
		{ "%%14615", "endpoint_closure" }, { "%%14616", "connect_redirect" },
		{ "%%14617", "bind_redirect" },	{ "%%14624", "stream_packet" },
	};
	size_t	i;

	if (code == NULL)
		return NULL;
	for (i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		if (strcmp(code, layers[i].code) == 0)
			return layers[i].word;
	return NULL;
}

static const char *
wfp_action(uint32_t event_id)
{
	switch (event_id) {
	case 5156:	return "allowed";
	case 5157:	return "blocked";
	case 5152:	return "dropped";
	case 5153:	return "blocked";
	case 5154:	return "listen";
	case 5155:	return "listen_blocked";
	case 5158:	return "bind";
	case 5159:	return "bind_blocked";
	case 5031:	return "blocked";
	case 5150:	return "dropped";
	case 5151:	return "dropped";
	default:	return NULL;
	}
}

static int
is_provider(const struct event *event, const char *name)
{
	return event->provider != NULL && strcasecmp(event->provider, name) == 0;
}

static int
is_wfp_event(const struct event *event)
{
	return is_provider(event, provider_security) && wfp_action(event->event_id);
}

static int
is_sysmon(const struct event *event, uint32_t event_id)
{
	return is_provider(event, provider_sysmon) && event->event_id == event_id;
}

/* Protocol from a number (WFP) or a name (Sysmon: "tcp", "udp"). */
static void
set_protocol(struct network_row *row, const char *text)
{
	int64_t	number = parse_number(text);

	row->protocol = -1;
	row->protocol_name = NULL;
	if (number >= 0 && number <= 255) {
		row->protocol = (int)number;
		row->protocol_name = protocol_name(row->protocol);
		if (row->protocol_name == NULL) {
			snprintf(row->protocol_number_text,
			    sizeof(row->protocol_number_text), "%d", row->protocol);
			row->protocol_name = row->protocol_number_text;
		}
	} else if (text != NULL) {
		static const int known[] = { 1, 6, 17, 58, 47 };
		size_t	i;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcasecmp(text, protocol_name(known[i])) == 0) {
				row->protocol = known[i];
				row->protocol_name = protocol_name(known[i]);
			}
	}
}

/*
 * Source/Destination to local/remote. WFP's ALE records (5156/5157 and
 * the others a connection or socket operation makes) always name this
 * host as the Source, whatever the direction: real inbound accepts show
 * the listening port as SourcePort (corpus DE_RDP_Tunnel_5156.evtx:
 * Source 127.0.0.2:3389; Security_short_selected.evtx: an inbound 5157
 * with the local address as Source). Packet-layer records (5150-5153)
 * name the packet's own source, so for inbound ones the Destination is
 * local (Security_short_selected.evtx: 5152 to local port 3389 from an
 * Internet address). Sysmon 3 names the initiator as the Source.
 */
static void
set_endpoints(struct network_row *row, int source_is_local)
{
	int	swap = !source_is_local && row->direction != NULL &&
	    strcmp(row->direction, "inbound") == 0;
	const char *local_ip = swap ? row->raw_dest_ip : row->raw_source_ip;
	const char *local_port = swap ? row->raw_dest_port : row->raw_source_port;
	const char *remote_ip = swap ? row->raw_source_ip : row->raw_dest_ip;
	const char *remote_port = swap ? row->raw_source_port : row->raw_dest_port;

	canonical_address(local_ip, row->local_ip, sizeof(row->local_ip));
	canonical_address(remote_ip, row->remote_ip, sizeof(row->remote_ip));
	row->local_port = port_number(local_port);
	row->remote_port = port_number(remote_port);
}

static void
normalise_wfp(const struct event *event, struct network_row *row)
{
	const char	*pid;

	row->action = wfp_action(event->event_id);
	row->raw_direction = event_field(event, "Direction");
	row->direction = direction_word(row->raw_direction);
	/*
	 * A listen waits for incoming connections; a bind (5158, 5159) has
	 * no direction: programs bind before they connect out as well.
	 */
	if (row->direction == NULL && (event->event_id == 5154 ||
	    event->event_id == 5155 || event->event_id == 5031))
		row->direction = "inbound";
	row->raw_source_ip = event_field(event, "SourceAddress");
	row->raw_source_port = event_field(event, "SourcePort");
	row->raw_dest_ip = event_field(event, "DestAddress");
	row->raw_dest_port = event_field(event, "DestPort");
	set_protocol(row, event_field(event, "Protocol"));
	/* Listen and bind records name only this host's side. */
	if (row->raw_dest_ip == NULL && row->raw_source_ip != NULL) {
		canonical_address(row->raw_source_ip, row->local_ip,
		    sizeof(row->local_ip));
		row->local_port = port_number(row->raw_source_port);
		row->remote_port = -1;
	} else
		set_endpoints(row, event->event_id < 5150 || event->event_id > 5153);
	pid = event_field(event, "ProcessID");
	if (pid == NULL)
		pid = event_field(event, "ProcessId");
	row->pid = parse_number(pid);
	row->application = event_field(event, "Application");
	row->layer_name = event_field(event, "LayerName");
	row->layer = layer_word(row->layer_name);
	row->layer_rtid = parse_number(event_field(event, "LayerRTID"));
	row->filter_rtid = parse_number(event_field(event, "FilterRTID"));
}

static void
normalise_sysmon_network(const struct event *event, struct network_row *row)
{
	const char	*initiated = event_field(event, "Initiated");

	row->action = "connection";
	row->raw_direction = initiated;
	row->direction = initiated == NULL ? NULL :
	    strcasecmp(initiated, "true") == 0 ? "outbound" : "inbound";
	row->raw_source_ip = event_field(event, "SourceIp");
	row->raw_source_port = event_field(event, "SourcePort");
	row->raw_dest_ip = event_field(event, "DestinationIp");
	row->raw_dest_port = event_field(event, "DestinationPort");
	set_protocol(row, event_field(event, "Protocol"));
	set_endpoints(row, 0);
	row->pid = parse_number(event_field(event, "ProcessId"));
	row->application = event_field(event, "Image");
	row->user_name = event_field(event, "User");
	row->process_guid = event_field(event, "ProcessGuid");
	row->layer_rtid = -1;
	row->filter_rtid = -1;
}

/* Use a field unless it is empty, "-" or the null SID. */
static const char *
meaningful(const char *value)
{
	if (value == NULL || *value == '\0' || strcmp(value, "-") == 0 ||
	    strcmp(value, "S-1-0-0") == 0)
		return NULL;
	return value;
}

static void
normalise_4688(const struct event *event, struct process_row *row)
{
	const char	*target_logon = event_field(event, "TargetLogonId");
	const char	*elevation;

	row->kind = "start";
	row->pid = parse_number(event_field(event, "NewProcessId"));
	row->parent_pid = parse_number(event_field(event, "ProcessId"));
	row->image = event_field(event, "NewProcessName");
	row->command_line = event_field(event, "CommandLine");
	row->parent_image = event_field(event, "ParentProcessName");
	row->subject_user_name = event_field(event, "SubjectUserName");
	row->subject_domain = event_field(event, "SubjectDomainName");
	normalise_logon_id(event_field(event, "SubjectLogonId"),
	    row->subject_logon_id, sizeof(row->subject_logon_id));
	/* 4688 v2 names the new process's account in Target* when it differs. */
	if (meaningful(event_field(event, "TargetUserName")) != NULL &&
	    parse_number(target_logon) > 0) {
		row->user_sid = event_field(event, "TargetUserSid");
		row->user_name = event_field(event, "TargetUserName");
		row->user_domain = event_field(event, "TargetDomainName");
		normalise_logon_id(target_logon, row->logon_id, sizeof(row->logon_id));
	} else {
		row->user_sid = event_field(event, "SubjectUserSid");
		row->user_name = row->subject_user_name;
		row->user_domain = row->subject_domain;
		memcpy(row->logon_id, row->subject_logon_id, sizeof(row->logon_id));
	}
	elevation = event_field(event, "TokenElevationType");
	row->token_elevation = elevation;
	row->elevated = elevation == NULL ? -1 :
	    strcmp(elevation, "%%1937") == 0 ? 1 :
	    (strcmp(elevation, "%%1936") == 0 || strcmp(elevation, "%%1938") == 0) ? 0 : -1;
	row->mandatory_label = event_field(event, "MandatoryLabel");
}

static void
normalise_4689(const struct event *event, struct process_row *row)
{
	row->kind = "exit";
	row->pid = parse_number(event_field(event, "ProcessId"));
	row->parent_pid = -1;
	row->image = event_field(event, "ProcessName");
	row->user_sid = event_field(event, "SubjectUserSid");
	row->user_name = event_field(event, "SubjectUserName");
	row->user_domain = event_field(event, "SubjectDomainName");
	normalise_logon_id(event_field(event, "SubjectLogonId"), row->logon_id,
	    sizeof(row->logon_id));
	row->exit_status = event_field(event, "Status");
	row->elevated = -1;
}

/* Sysmon's User is DOMAIN\name: split it into the row. */
static void
split_sysmon_user(const char *user, struct process_row *row)
{
	char	*backslash;

	if (user == NULL)
		return;
	snprintf(row->split_user, sizeof(row->split_user), "%s", user);
	backslash = strchr(row->split_user, '\\');
	if (backslash != NULL) {
		*backslash = '\0';
		row->user_domain = row->split_user;
		row->user_name = backslash + 1;
	} else
		row->user_name = row->split_user;
}

static void
normalise_sysmon_process(const struct event *event, struct process_row *row)
{
	row->kind = event->event_id == 1 ? "start" : "exit";
	row->pid = parse_number(event_field(event, "ProcessId"));
	row->parent_pid = parse_number(event_field(event, "ParentProcessId"));
	row->image = event_field(event, "Image");
	row->command_line = event_field(event, "CommandLine");
	row->parent_image = event_field(event, "ParentImage");
	split_sysmon_user(event_field(event, "User"), row);
	normalise_logon_id(event_field(event, "LogonId"), row->logon_id,
	    sizeof(row->logon_id));
	row->process_guid = event_field(event, "ProcessGuid");
	row->parent_process_guid = event_field(event, "ParentProcessGuid");
	row->mandatory_label = event_field(event, "IntegrityLevel");
	row->elevated = -1;
	if (row->mandatory_label != NULL)
		row->elevated = strcasecmp(row->mandatory_label, "High") == 0 ||
		    strcasecmp(row->mandatory_label, "System") == 0;
}

static void
normalise_logon(const struct event *event, struct logon_row *row)
{
	int	subject = event->event_id == 4672;
	int64_t	type;

	row->user_sid = event_field(event, subject ? "SubjectUserSid" : "TargetUserSid");
	row->user_name = event_field(event, subject ? "SubjectUserName" : "TargetUserName");
	row->user_domain = event_field(event, subject ? "SubjectDomainName" : "TargetDomainName");
	normalise_logon_id(event_field(event, subject ? "SubjectLogonId" : "TargetLogonId"),
	    row->logon_id, sizeof(row->logon_id));
	type = parse_number(event_field(event, "LogonType"));
	row->logon_type = type >= 0 && type < 1000 ? (int)type : -1;
	canonical_address(event_field(event, "IpAddress"), row->source_ip,
	    sizeof(row->source_ip));
	row->source_port = port_number(event_field(event, "IpPort"));
	row->workstation = event_field(event, "WorkstationName");
	row->process_name = event_field(event, "ProcessName");
	row->authentication = event_field(event, "AuthenticationPackageName");
	row->elevated_token = event_field(event, "ElevatedToken");
	row->privileges = event_field(event, "PrivilegeList");
}

/* A plain sentence for each audit or log-service event. */
static const char *
audit_description(uint32_t event_id)
{
	switch (event_id) {
	case 1100: return "The event logging service shut down.";
	case 1102: return "The audit log was cleared.";
	case 1104: return "The security log is full.";
	case 1108: return "The event logging service encountered an error.";
	case 4612: return "Audit messages were discarded: internal resources for queuing them were exhausted.";
	case 4719: return "System audit policy was changed.";
	case 4946: return "A rule was added to the Windows Firewall exception list.";
	case 4947: return "A rule was modified in the Windows Firewall exception list.";
	case 4948: return "A rule was deleted from the Windows Firewall exception list.";
	case 4949: return "Windows Firewall settings were restored to the defaults.";
	case 4950: return "A Windows Firewall setting was changed.";
	case 4951: return "A Windows Firewall rule was ignored: its major version was not recognised.";
	case 4952: return "Parts of a Windows Firewall rule were ignored: its minor version was not recognised.";
	case 4953: return "Windows Firewall ignored a rule it could not parse.";
	case 4954: return "Windows Firewall Group Policy settings changed; new settings applied.";
	case 4956: return "Windows Firewall changed the active profile.";
	case 4957: return "Windows Firewall did not apply a rule.";
	case 4958: return "Windows Firewall did not apply a rule: it referred to items not configured on this computer.";
	case 5447: return "A Windows Filtering Platform filter was changed.";
	default:   return NULL;
	}
}

static int
is_audit_event(const struct event *event)
{
	uint32_t	id = event->event_id;

	if (id >= 1100 && id <= 1108)
		return event->provider != NULL &&
		    strcasestr(event->provider, "Eventlog") != NULL &&
		    audit_description(id) != NULL;
	return is_provider(event, provider_security) &&
	    (id == 4719 || id == 4612 || (id >= 4946 && id <= 4958) || id == 5447);
}

static void
normalise_audit(const struct event *event, struct audit_row *row)
{
	row->subject_user_sid = event_field(event, "SubjectUserSid");
	row->subject_user_name = event_field(event, "SubjectUserName");
	row->subject_domain = event_field(event, "SubjectDomainName");
	normalise_logon_id(event_field(event, "SubjectLogonId"),
	    row->subject_logon_id, sizeof(row->subject_logon_id));
	row->category_id = event_field(event, "CategoryId");
	row->subcategory_id = event_field(event, "SubcategoryId");
	row->subcategory_guid = event_field(event, "SubcategoryGuid");
	row->changes = event_field(event, "AuditPolicyChanges");
	row->description = audit_description(event->event_id);
}

void
normalise_event(const struct event *event, struct normalised_event *out)
{
	uint32_t	id = event->event_id;

	out->kind = NORMALISED_NONE;
	if (event->filetime != 0) {
		filetime_to_iso(event->filetime, out->time, sizeof(out->time));
		out->time_unix_us = filetime_to_unix_us(event->filetime);
	} else {
		out->time[0] = '\0';
		out->time_unix_us = 0;
	}
	if (is_wfp_event(event) || is_sysmon(event, 3)) {
		memset(&out->network, 0, sizeof(out->network));
		out->kind = NORMALISED_NETWORK;
		if (is_sysmon(event, 3))
			normalise_sysmon_network(event, &out->network);
		else
			normalise_wfp(event, &out->network);
		normalise_path(out->network.application,
		    out->network.application_path, PATH_TEXT_SIZE,
		    out->network.application_name, PATH_TEXT_SIZE);
	} else if ((is_provider(event, provider_security) &&
	    (id == 4688 || id == 4689)) || is_sysmon(event, 1) || is_sysmon(event, 5)) {
		memset(&out->process, 0, sizeof(out->process));
		out->kind = NORMALISED_PROCESS;
		if (id == 4688)
			normalise_4688(event, &out->process);
		else if (id == 4689)
			normalise_4689(event, &out->process);
		else
			normalise_sysmon_process(event, &out->process);
		normalise_path(out->process.image, out->process.image_path,
		    PATH_TEXT_SIZE, out->process.image_name, PATH_TEXT_SIZE);
	} else if (is_provider(event, provider_security) &&
	    (id == 4624 || id == 4634 || id == 4647 || id == 4672)) {
		memset(&out->logon, 0, sizeof(out->logon));
		out->kind = NORMALISED_LOGON;
		normalise_logon(event, &out->logon);
	} else if (is_audit_event(event)) {
		memset(&out->audit, 0, sizeof(out->audit));
		out->kind = NORMALISED_AUDIT;
		normalise_audit(event, &out->audit);
	}
}
