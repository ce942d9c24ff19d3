/*
 * gap-witness-pcap.c: read a packet capture (pcap or pcapng, via libpcap)
 * as a network witness.
 *
 * Every TCP flow starts at a SYN without ACK; the flow is complete once
 * its originator sends an ACK. Flows that never complete (no answer, a
 * RST from the responder, or a SYN-ACK the originator never acknowledged,
 * as a SYN scan does) are kept when their originator is a host in the
 * case, for gap-unlogged-traffic.c to look for in that host's log.
 * Ethernet (with VLAN tags), raw IP, Linux cooked and BSD loopback links
 * are read, IPv4 and IPv6. Packets are untrusted: every length is checked
 * against the captured length.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gap.h"
#include "gap-witness.h"
#include "normalise.h"
#include "util.h"

#define FLAG_FIN	0x01
#define FLAG_SYN	0x02
#define FLAG_RST	0x04
#define FLAG_ACK	0x10

/* A flow's originator and responder, zero-padded so it compares as bytes. */
struct flow_key {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		orig_ip[16];
	uint8_t		resp_ip[16];
	uint16_t	orig_port;
	uint16_t	resp_port;
};

struct flow {
	struct flow_key	key;
	int		used;
	int64_t		packet;		/* number of the first SYN */
	int64_t		time_unix_us;
	int		syn_ack;	/* the responder answered SYN-ACK */
	int		rejected;	/* the responder sent a RST */
	int		complete;	/* the originator sent an ACK */
};

struct flow_table {
	struct flow	*slots;
	size_t		 size;		/* a power of two */
	size_t		 count;
};

/* One TCP segment's facts. */
struct segment {
	struct flow_key	key;		/* source as orig, destination as resp */
	uint8_t		flags;
};

/* FNV-1a over the key bytes. */
static size_t
hash_key(const struct flow_key *key)
{
	const uint8_t	*p = (const uint8_t *)key;
	uint64_t	 hash = 1469598103934665603ULL;
	size_t		 i;

	for (i = 0; i < sizeof(*key); i++)
		hash = (hash ^ p[i]) * 1099511628211ULL;
	return (size_t)hash;
}

/* The slot holding key, or the empty slot where it would go. */
static struct flow *
find_slot(struct flow_table *table, const struct flow_key *key)
{
	size_t	i = hash_key(key) & (table->size - 1);

	while (table->slots[i].used &&
	    memcmp(&table->slots[i].key, key, sizeof(*key)) != 0)
		i = (i + 1) & (table->size - 1);
	return &table->slots[i];
}

/* Double the table when it is half full. Returns 0, or -1 out of memory. */
static int
grow_table(struct flow_table *table)
{
	struct flow_table	bigger;
	size_t			i;

	bigger.size = table->size ? table->size * 2 : 1024;
	bigger.count = table->count;
	if ((bigger.slots = calloc(bigger.size, sizeof(struct flow))) == NULL)
		return -1;
	for (i = 0; i < table->size; i++)
		if (table->slots[i].used)
			*find_slot(&bigger, &table->slots[i].key) = table->slots[i];
	free(table->slots);
	*table = bigger;
	return 0;
}

/* The same key seen from the other end. */
static void
reverse_key(const struct flow_key *key, struct flow_key *reversed)
{
	memset(reversed, 0, sizeof(*reversed));
	reversed->family = key->family;
	memcpy(reversed->orig_ip, key->resp_ip, 16);
	memcpy(reversed->resp_ip, key->orig_ip, 16);
	reversed->orig_port = key->resp_port;
	reversed->resp_port = key->orig_port;
}

/* Update the flows with one segment. Returns 0, or -1 out of memory. */
static int
track_segment(struct flow_table *table, const struct segment *segment,
    int64_t packet, int64_t time_unix_us)
{
	struct flow	*flow;
	struct flow_key	 reversed;

	if ((segment->flags & (FLAG_SYN | FLAG_ACK)) == FLAG_SYN) {
		if (2 * (table->count + 1) > table->size && grow_table(table) == -1)
			return -1;
		flow = find_slot(table, &segment->key);
		if (!flow->used) {
			memset(flow, 0, sizeof(*flow));
			flow->key = segment->key;
			flow->used = 1;
			flow->packet = packet;
			flow->time_unix_us = time_unix_us;
			table->count++;
		}
		return 0;
	}
	if (table->size == 0)
		return 0;
	flow = find_slot(table, &segment->key);
	if (flow->used) {
		/* From the originator: an ACK completes the handshake. */
		if ((segment->flags & FLAG_ACK) && !(segment->flags & FLAG_SYN))
			flow->complete = 1;
		return 0;
	}
	reverse_key(&segment->key, &reversed);
	flow = find_slot(table, &reversed);
	if (flow->used) {
		if ((segment->flags & (FLAG_SYN | FLAG_ACK)) == (FLAG_SYN | FLAG_ACK))
			flow->syn_ack = 1;
		if (segment->flags & FLAG_RST)
			flow->rejected = 1;
	}
	return 0;
}

/* Read the TCP header at p (length bytes) into segment. 0, or -1 if short. */
static int
parse_tcp(const uint8_t *p, size_t length, struct segment *segment)
{
	if (length < 14)
		return -1;
	segment->key.orig_port = (uint16_t)(p[0] << 8 | p[1]);
	segment->key.resp_port = (uint16_t)(p[2] << 8 | p[3]);
	segment->flags = p[13];
	return 0;
}

/* IPv4: addresses, and the TCP header of a first (or only) fragment. */
static int
parse_ipv4(const uint8_t *p, size_t length, struct segment *segment)
{
	size_t	header;

	if (length < 20 || (p[0] >> 4) != 4)
		return -1;
	header = (size_t)(p[0] & 0x0f) * 4;
	if (header < 20 || header > length || p[9] != 6)
		return -1;
	if (((p[6] & 0x1f) << 8 | p[7]) != 0)
		return -1;	/* a later fragment: no TCP header */
	segment->key.family = 4;
	memcpy(segment->key.orig_ip, p + 12, 4);
	memcpy(segment->key.resp_ip, p + 16, 4);
	return parse_tcp(p + header, length - header, segment);
}

/* IPv6: addresses, past hop-by-hop, routing, fragment and options headers. */
static int
parse_ipv6(const uint8_t *p, size_t length, struct segment *segment)
{
	size_t	offset = 40, extension;
	uint8_t	next;

	if (length < 40 || (p[0] >> 4) != 6)
		return -1;
	next = p[6];
	while (next == 0 || next == 43 || next == 44 || next == 60) {
		if (offset + 8 > length)
			return -1;
		if (next == 44 && ((p[offset + 2] << 8 | p[offset + 3]) & 0xfff8) != 0)
			return -1;	/* a later fragment */
		extension = next == 44 ? 8 : ((size_t)p[offset + 1] + 1) * 8;
		next = p[offset];
		offset += extension;
	}
	if (next != 6 || offset > length)
		return -1;
	segment->key.family = 6;
	memcpy(segment->key.orig_ip, p + 8, 16);
	memcpy(segment->key.resp_ip, p + 24, 16);
	return parse_tcp(p + offset, length - offset, segment);
}

/* An IP packet by its EtherType (0x0800, 0x86dd). */
static int
parse_ethertype(unsigned type, const uint8_t *p, size_t length,
    struct segment *segment)
{
	if (type == 0x0800)
		return parse_ipv4(p, length, segment);
	if (type == 0x86dd)
		return parse_ipv6(p, length, segment);
	return -1;
}

/* Ethernet, past any number of 802.1Q / 802.1ad tags. */
static int
parse_ethernet(const uint8_t *p, size_t length, struct segment *segment)
{
	size_t		offset = 12;
	unsigned	type;

	for (;;) {
		if (offset + 2 > length)
			return -1;
		type = (unsigned)(p[offset] << 8 | p[offset + 1]);
		if (type != 0x8100 && type != 0x88a8)
			break;
		offset += 4;
	}
	return parse_ethertype(type, p + offset + 2, length - offset - 2, segment);
}

/* Raw IP: the version nibble says which. */
static int
parse_raw_ip(const uint8_t *p, size_t length, struct segment *segment)
{
	if (length < 1)
		return -1;
	return (p[0] >> 4) == 4 ? parse_ipv4(p, length, segment) :
	    parse_ipv6(p, length, segment);
}

/* One packet of the given link type into a TCP segment. 0, or -1 if not TCP. */
static int
parse_packet(int link, const uint8_t *p, size_t length, struct segment *segment)
{
	memset(segment, 0, sizeof(*segment));
	switch (link) {
	case DLT_EN10MB:
		return parse_ethernet(p, length, segment);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return parse_raw_ip(p, length, segment);
	case DLT_LINUX_SLL:
		if (length < 16)
			return -1;
		return parse_ethertype((unsigned)(p[14] << 8 | p[15]), p + 16,
		    length - 16, segment);
	case DLT_LINUX_SLL2:
		if (length < 20)
			return -1;
		return parse_ethertype((unsigned)(p[0] << 8 | p[1]), p + 20,
		    length - 20, segment);
	case DLT_NULL:
	case DLT_LOOP:
		return length < 4 ? -1 : parse_raw_ip(p + 4, length - 4, segment);
	default:
		return -1;
	}
}

/* Order flows by the packet that opened them. */
static int
compare_packets(const void *a, const void *b)
{
	const struct flow	*x = a, *y = b;

	return (x->packet > y->packet) - (x->packet < y->packet);
}

/* A flow's address as the store writes addresses. */
static void
address_text(const struct flow_key *key, const uint8_t *ip, char *out, size_t size)
{
	char	raw[INET6_ADDRSTRLEN];

	inet_ntop(key->family == 4 ? AF_INET : AF_INET6, ip, raw, sizeof(raw));
	canonical_address(raw, out, size);
}

/* Hand every incomplete flow, in capture order, to gap_witness_add. */
static int
store_incomplete(struct gap_context *context, const char *path,
    struct flow_table *table)
{
	struct flow		*flows, *f;
	struct witness_flow	 w;
	sqlite3_stmt		*insert;
	char			 orig[ADDRESS_TEXT_SIZE], resp[ADDRESS_TEXT_SIZE];
	size_t			 i, count = 0;
	int			 status = 0;

	if ((flows = malloc((table->count + 1) * sizeof(*flows))) == NULL)
		return gap_error(context, "out of memory");
	for (i = 0; i < table->size; i++)
		if (table->slots[i].used && !table->slots[i].complete)
			flows[count++] = table->slots[i];
	sort_array(flows, count, sizeof(*flows), compare_packets);
	if (gap_witness_begin(context, &insert) == -1) {
		free(flows);
		return -1;
	}
	for (i = 0; i < count && status == 0; i++) {
		f = &flows[i];
		address_text(&f->key, f->key.orig_ip, orig, sizeof(orig));
		address_text(&f->key, f->key.resp_ip, resp, sizeof(resp));
		memset(&w, 0, sizeof(w));
		w.witness = "pcap";
		w.path = path;
		w.line = f->packet;
		w.time_unix_us = f->time_unix_us;
		w.orig_ip = orig;
		w.orig_port = f->key.orig_port;
		w.resp_ip = resp;
		w.resp_port = f->key.resp_port;
		w.state = f->syn_ack ? "half_open" : f->rejected ? "rejected" : "syn_only";
		status = gap_witness_add(context, insert, &w);
	}
	gap_witness_end(insert);
	free(flows);
	return status;
}

/*
 * A packet's time in microseconds since 1970. pcapng stores 64-bit times
 * that libpcap turns into seconds beyond what microseconds in an int64_t
 * hold (about 292,000 years); those are clamped, as no real capture has
 * them, rather than overflowing. The limit leaves room for the microseconds
 * a pcap record holds, any 32-bit number however invalid.
 */
static int64_t
packet_time_us(const struct pcap_pkthdr *header)
{
	const int64_t	limit = INT64_MAX / 1000000 - 10000;
	int64_t		seconds = (int64_t)header->ts.tv_sec;

	if (seconds > limit)
		return limit * 1000000;
	if (seconds < -limit)
		return -limit * 1000000;
	return seconds * 1000000 + (int64_t)header->ts.tv_usec;
}

/* Every packet of an open capture into the flow table. */
static int
read_packets(struct gap_context *context, const char *path, pcap_t *capture,
    struct flow_table *table)
{
	struct pcap_pkthdr	*header;
	const u_char		*data;
	struct segment		 segment;
	int64_t			 packet = 0, time_unix_us;
	int			 link = pcap_datalink(capture), result;

	while ((result = pcap_next_ex(capture, &header, &data)) == 1) {
		packet++;
		if (parse_packet(link, data, header->caplen, &segment) == -1)
			continue;
		time_unix_us = packet_time_us(header);
		if (track_segment(table, &segment, packet, time_unix_us) == -1)
			return gap_error(context, "%s: out of memory at packet %lld",
			    path, (long long)packet);
	}
	/* A capture cut short (the capture was killed) still says what it saw. */
	if (result == PCAP_ERROR && packet == 0)
		return gap_error(context, "%s: %s", path, pcap_geterr(capture));
	return 0;
}

int
gap_witness_pcap_read(struct gap_context *context, const char *path,
    pcap_t *capture)
{
	struct flow_table	table;
	int			status;

	memset(&table, 0, sizeof(table));
	status = read_packets(context, path, capture, &table);
	if (status == 0)
		status = store_incomplete(context, path, &table);
	free(table.slots);
	return status;
}

int
gap_witness_pcap(struct gap_context *context, const char *path)
{
	char	 message[PCAP_ERRBUF_SIZE];
	pcap_t	*capture;
	int	 status;

	capture = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, message);
	if (capture == NULL)
		return gap_error(context, "%s: %s", path, message);
	status = gap_witness_pcap_read(context, path, capture);
	pcap_close(capture);
	return status;
}
