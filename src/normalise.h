/*
 * normalise.h: turn a decoded event into the rows analysts query.
 *
 * A WFP or Sysmon network record becomes a network_row seen from the host
 * that logged it (local/remote instead of Source/Dest, canonical addresses,
 * the path of the application after its volume). Process, logon and audit
 * events get rows of their own. Strings point into the event or into the
 * normalised_event's own buffers; nothing is allocated.
 */
#ifndef WFPSIFT_NORMALISE_H
#define WFPSIFT_NORMALISE_H

#include <stdint.h>

#include "event.h"

#define ADDRESS_TEXT_SIZE 64
#define PATH_TEXT_SIZE 1024

enum normalised_kind {
	NORMALISED_NONE = 0,	/* kept in events only */
	NORMALISED_NETWORK,
	NORMALISED_PROCESS,
	NORMALISED_LOGON,
	NORMALISED_AUDIT
};

struct network_row {
	const char	*action;
	const char	*direction;
	int		 protocol;		/* -1 when absent */
	const char	*protocol_name;
	char		 local_ip[ADDRESS_TEXT_SIZE];
	int		 local_port;		/* -1 when absent */
	char		 remote_ip[ADDRESS_TEXT_SIZE];
	int		 remote_port;
	const char	*raw_direction;
	const char	*raw_source_ip, *raw_source_port;
	const char	*raw_dest_ip, *raw_dest_port;
	int64_t		 pid;			/* -1 when absent */
	const char	*application;
	char		 application_path[PATH_TEXT_SIZE];
	char		 application_name[PATH_TEXT_SIZE];
	const char	*layer_name;
	const char	*layer;
	int64_t		 layer_rtid, filter_rtid; /* -1 when absent */
	const char	*user_name;
	const char	*process_guid;
	char		 protocol_number_text[16];
};

struct process_row {
	const char	*kind;			/* "start" or "exit" */
	int64_t		 pid, parent_pid;	/* -1 when absent */
	const char	*image;
	char		 image_path[PATH_TEXT_SIZE];
	char		 image_name[PATH_TEXT_SIZE];
	const char	*command_line, *parent_image;
	const char	*user_sid, *user_name, *user_domain;
	char		 logon_id[24];
	const char	*subject_user_name, *subject_domain;
	char		 subject_logon_id[24];
	const char	*token_elevation;
	int		 elevated;		/* 1, 0, -1 unknown */
	const char	*mandatory_label;
	const char	*process_guid, *parent_process_guid;
	const char	*exit_status;
	char		 split_user[256];	/* Sysmon DOMAIN\name, split */
};

struct logon_row {
	const char	*user_sid, *user_name, *user_domain;
	char		 logon_id[24];
	int		 logon_type;		/* -1 when absent */
	char		 source_ip[ADDRESS_TEXT_SIZE];
	int		 source_port;
	const char	*workstation, *process_name, *authentication;
	const char	*elevated_token, *privileges;
};

struct audit_row {
	const char	*subject_user_sid, *subject_user_name, *subject_domain;
	char		 subject_logon_id[24];
	const char	*category_id, *subcategory_id, *subcategory_guid, *changes;
	const char	*description;
};

struct normalised_event {
	enum normalised_kind	 kind;
	char			 time[40];	/* ISO-8601 UTC */
	int64_t			 time_unix_us;
	struct network_row	 network;
	struct process_row	 process;
	struct logon_row	 logon;
	struct audit_row	 audit;
};

/* Fill out from event. Always succeeds: missing fields become NULL or -1. */
void	 normalise_event(const struct event *, struct normalised_event *);

/*
 * Canonical text of an IP address: IPv4-mapped IPv6 becomes IPv4, IPv6 is
 * compressed lower case. Text that is not an address is copied lower-cased.
 */
void	 canonical_address(const char *text, char *out, size_t size);

/*
 * The path after its volume, lower case: \device\harddiskvolume2\windows\x.exe
 * and C:\Windows\x.exe both give \windows\x.exe. Also the file name alone.
 */
void	 normalise_path(const char *path, char *out_path, size_t path_size,
	    char *out_name, size_t name_size);

/* Logon ids as lower-case hex without padding (0x3e7); "" when absent. */
void	 normalise_logon_id(const char *text, char *out, size_t size);

/* The name of an IP protocol number: "tcp", "udp", ... or NULL. */
const char *protocol_name(int protocol);

#endif
