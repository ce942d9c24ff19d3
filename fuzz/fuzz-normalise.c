/*
 * fuzz-normalise.c: libFuzzer target for EventData normalisation.
 *
 * The input is cut at NUL bytes into strings. The first string feeds each
 * field helper (canonical_address, normalise_path, normalise_logon_id,
 * parse_number, iso_to_filetime, fputs_safe); the first bytes also pick an
 * event id and a provider, and the strings after it become EventData
 * fields: a string's first byte picks a field name the normaliser knows
 * (or, past the list, the string itself is the name) and the next string
 * is its value. Logs are attacker-controlled: none of this may crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "normalise.h"
#include "util.h"

static const char *const field_names[] = {
	"Application", "AuditPolicyChanges", "AuthenticationPackageName",
	"CategoryId", "CommandLine", "DestAddress", "DestPort", "DestinationIp",
	"DestinationPort", "Direction", "ElevatedToken", "FilterRTID", "Image",
	"Initiated", "IntegrityLevel", "IpAddress", "IpPort", "LayerName",
	"LayerRTID", "LogonId", "LogonType", "MandatoryLabel", "NewProcessId",
	"NewProcessName", "ParentImage", "ParentProcessGuid", "ParentProcessId",
	"ParentProcessName", "PrivilegeList", "ProcessGuid", "ProcessID",
	"ProcessId", "ProcessName", "Protocol", "SourceAddress", "SourceIp",
	"SourcePort", "Status", "SubcategoryGuid", "SubcategoryId",
	"SubjectDomainName", "SubjectLogonId", "SubjectUserName",
	"SubjectUserSid", "TargetDomainName", "TargetLogonId", "TargetUserName",
	"TargetUserSid", "TokenElevationType", "User", "WorkstationName",
};
#define FIELD_NAMES (sizeof(field_names) / sizeof(field_names[0]))

static const uint32_t event_ids[] = {
	5156, 5157, 5152, 5153, 5154, 5155, 5158, 5159, 5031, 4688, 4689,
	4624, 4719, 1100, 1102, 1104, 1108, 3, 1, 5, 4612, 0, 65535,
};
static const char *const providers[] = {
	"Microsoft-Windows-Security-Auditing", "Microsoft-Windows-Sysmon",
	"Microsoft-Windows-Eventlog", "Other", NULL,
};

/* The next NUL-terminated string of the input, copied; NULL at the end. */
static char *
next_string(const uint8_t **data, size_t *size)
{
	const uint8_t	*end = memchr(*data, '\0', *size);
	size_t		 length = end ? (size_t)(end - *data) : *size;
	char		*copy;

	if (*size == 0)
		return NULL;
	if ((copy = malloc(length + 1)) == NULL)
		return NULL;
	memcpy(copy, *data, length);
	copy[length] = '\0';
	*data += end ? length + 1 : length;
	*size -= end ? length + 1 : length;
	return copy;
}

/* Every field helper on one string, with small and ordinary buffers. */
static void
fuzz_helpers(const char *text, FILE *sink)
{
	char	 address[ADDRESS_TEXT_SIZE], tiny[3];
	char	 path[PATH_TEXT_SIZE], name[PATH_TEXT_SIZE], iso[40];
	int64_t	 filetime;

	canonical_address(text, address, sizeof(address));
	canonical_address(text, tiny, sizeof(tiny));
	normalise_path(text, path, sizeof(path), name, sizeof(name));
	normalise_path(text, tiny, sizeof(tiny), tiny, sizeof(tiny));
	normalise_logon_id(text, tiny, sizeof(tiny));
	normalise_logon_id(text, address, sizeof(address));
	(void)parse_number(text);
	filetime = iso_to_filetime(text);
	filetime_to_iso(filetime, iso, sizeof(iso));
	fputs_safe(text, sink);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event		 event;
	static struct normalised_event	 normal;
	static FILE			*sink;
	char				*strings[2 * EVENT_MAX_FIELDS + 1];
	size_t				 count = 0, i;
	char				 iso[40];
	int64_t				 number = 0;

	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		return 0;
	if (size >= 8) {
		memcpy(&number, data, 8);
		filetime_to_iso(number, iso, sizeof(iso));
		unix_us_to_iso(number, iso, sizeof(iso));
	}
	while (count < sizeof(strings) / sizeof(strings[0]) &&
	    (strings[count] = next_string(&data, &size)) != NULL)
		count++;
	if (count == 0)
		return 0;
	fuzz_helpers(strings[0], sink);

	event_clear(&event);
	event.event_id = event_ids[(unsigned char)strings[0][0] %
	    (sizeof(event_ids) / sizeof(event_ids[0]))];
	event.provider = providers[(strings[0][0] ? (unsigned char)strings[0][1] : 0) %
	    (sizeof(providers) / sizeof(providers[0]))];
	event.computer = strings[0];
	event.filetime = number;
	for (i = 1; i + 1 < count && event.field_count < EVENT_MAX_FIELDS; i += 2) {
		unsigned char pick = (unsigned char)strings[i][0];

		event.fields[event.field_count].name = pick < FIELD_NAMES ?
		    field_names[pick] : strings[i];
		event.fields[event.field_count].value = strings[i + 1];
		event.field_count++;
	}
	normalise_event(&event, &normal);
	for (i = 0; i < count; i++)
		free(strings[i]);
	return 0;
}
