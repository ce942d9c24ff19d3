/*
 * detect-address.c: what kind of address a peer is, and what a port is for.
 *
 * Sweeps ignore loopback, unspecified (0.0.0.0, ::), multicast and
 * broadcast peers: a host talking to itself or to a group is not probing
 * anyone. "Internal" (private and link-local ranges) is what the host sweep
 * counts by default and what application misuse watches besides the
 * lateral-movement ports.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detector.h"

/* Scope of an IPv4 address given as four bytes. */
static const char *
ipv4_scope(const unsigned char *a)
{
	if (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0)
		return "unspecified";
	if (a[0] == 127)
		return "loopback";
	if (a[0] >= 224 && a[0] <= 239)
		return "multicast";
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		return "broadcast";
	if (a[0] == 169 && a[1] == 254)
		return "link_local";
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64))	/* 100.64/10, carrier NAT */
		return "private";
	return "public";
}

/* Scope of an IPv6 address given as sixteen bytes. */
static const char *
ipv6_scope(const unsigned char *a)
{
	static const unsigned char	zero[16];
	static const unsigned char	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(a, zero, 16) == 0)
		return "unspecified";
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return "loopback";
	if (memcmp(a, mapped, 12) == 0)
		return ipv4_scope(a + 12);
	if (a[0] == 0xff)
		return "multicast";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link_local";
	if ((a[0] & 0xfe) == 0xfc)			/* fc00::/7, unique local */
		return "private";
	return "public";
}

const char *
address_scope(const char *ip)
{
	unsigned char	bytes[16];

	if (ip == NULL)
		return NULL;
	if (inet_pton(AF_INET, ip, bytes) == 1)
		return ipv4_scope(bytes);
	if (inet_pton(AF_INET6, ip, bytes) == 1)
		return ipv6_scope(bytes);
	return NULL;
}

int
address_is_peer(const char *ip)
{
	const char	*scope = address_scope(ip);

	return scope != NULL && (strcmp(scope, "public") == 0 ||
	    strcmp(scope, "private") == 0 || strcmp(scope, "link_local") == 0);
}

int
address_is_internal(const char *ip)
{
	const char	*scope = address_scope(ip);

	return scope != NULL && (strcmp(scope, "private") == 0 ||
	    strcmp(scope, "link_local") == 0);
}

/* SQL: wfpsift_address_scope(ip) -> the scope word, or NULL. */
static void
sql_address_scope(sqlite3_context *context, int argc, sqlite3_value **argv)
{
	const char	*scope;

	(void)argc;
	scope = address_scope((const char *)sqlite3_value_text(argv[0]));
	if (scope == NULL)
		sqlite3_result_null(context);
	else
		sqlite3_result_text(context, scope, -1, SQLITE_STATIC);
}

/* SQL: wfpsift_port_service(protocol, port) -> "smb", "port 8080", "icmp". */
static void
sql_port_service(sqlite3_context *context, int argc, sqlite3_value **argv)
{
	int		 protocol, port;
	const char	*service;
	char		 text[32];

	(void)argc;
	protocol = sqlite3_value_int(argv[0]);
	port = sqlite3_value_int(argv[1]);
	if (protocol == 1 || protocol == 58) {
		sqlite3_result_text(context, "icmp", -1, SQLITE_STATIC);
		return;
	}
	if ((service = port_service(port)) != NULL) {
		sqlite3_result_text(context, service, -1, SQLITE_STATIC);
		return;
	}
	snprintf(text, sizeof(text), "port %d", port);
	sqlite3_result_text(context, text, -1, SQLITE_TRANSIENT);
}

int
address_register_sql(sqlite3 *db)
{
	int	flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY;

	if (sqlite3_create_function(db, "wfpsift_address_scope", 1, flags, NULL,
	    sql_address_scope, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "wfpsift_port_service", 2, flags, NULL,
	    sql_port_service, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/*
 * Service classes: ports that do the same job count as one service for the
 * host sweep (a sweep over 139 and 445 is one SMB sweep) and name the kind
 * of connection in application-misuse findings.
 */
static const struct {
	int		 port;
	const char	*service;
} port_services[] = {
	{ 21, "ftp" },		{ 22, "ssh" },		{ 23, "telnet" },
	{ 25, "smtp" },		{ 53, "dns" },		{ 80, "http" },
	{ 88, "kerberos" },	{ 135, "rpc" },		{ 137, "netbios" },
	{ 138, "netbios" },	{ 139, "smb" },		{ 389, "ldap" },
	{ 443, "https" },	{ 445, "smb" },		{ 636, "ldap" },
	{ 1433, "mssql" },	{ 3268, "ldap" },	{ 3269, "ldap" },
	{ 3389, "rdp" },	{ 5900, "vnc" },	{ 5985, "winrm" },
	{ 5986, "winrm" },	{ 8080, "http" },	{ 8443, "https" },
};

const char *
port_service(int port)
{
	size_t	i;

	for (i = 0; i < sizeof(port_services) / sizeof(port_services[0]); i++)
		if (port_services[i].port == port)
			return port_services[i].service;
	return NULL;
}

int
port_is_lateral(const struct detect_options *options, int port)
{
	int	i;

	for (i = 0; i < options->lateral_port_count; i++)
		if (options->lateral_ports[i] == port)
			return 1;
	return 0;
}
