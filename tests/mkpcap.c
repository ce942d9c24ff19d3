/*
 * mkpcap: write a packet capture of one host scanning another, for the
 * gaps tests' network witness (wfpsift gaps --pcap).
 *
 * usage: mkpcap -o OUT --mode syn|connect --src IP --dst IP
 *               --start EPOCH[.FRACTION] [--step-ms N] --ports LIST
 *               [--open LIST] [--filtered LIST] [--link ether|vlan|raw|sll]
 *               [--snaplen N] [--format pcap|pcapng]
 *
 * For each port in LIST, one probe, STEP ms after the previous one:
 *   syn      SYN; open: SYN-ACK, then the scanner's RST (half open);
 *            filtered: nothing; otherwise the target's RST-ACK (rejected)
 *   connect  SYN; open: SYN-ACK, ACK, RST-ACK (a completed handshake);
 *            filtered: nothing; otherwise RST-ACK
 * LIST is ports and ranges: 22,80,100-200. IPv4 or IPv6 addresses.
 * --link vlan is Ethernet with an 802.1Q tag; --snaplen N keeps only the
 * first N bytes of each packet, as a capture with a small snap length does.
 * pcap files are written with libpcap (pcap_open_dead + pcap_dump), pcapng
 * ones here (libpcap reads pcapng but does not write it). TCP checksums are
 * left zero, which wfpsift does not check.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define ACK 0x10

#define MAX_PORTS 65536

struct endpoints {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		src[16], dst[16];
};

struct capture {
	pcap_t		*pcap;
	pcap_dumper_t	*dumper;	/* pcap */
	FILE		*pcapng;	/* or pcapng */
	int		 link;
	int		 vlan;		/* an 802.1Q tag after the addresses */
	size_t		 snaplen;
	struct endpoints ends;
};

/* Parse "22,80,100-200" into a flag per port. Returns 0, or -1. */
static int
parse_ports(const char *text, unsigned char *set)
{
	char	*copy, *item, *save = NULL;
	long	 low, high, port;

	if (text == NULL)
		return 0;
	if ((copy = strdup(text)) == NULL)
		return -1;
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if (sscanf(item, "%ld-%ld", &low, &high) != 2)
			high = low = strtol(item, NULL, 10);
		if (low < 1 || high > 65535 || low > high) {
			free(copy);
			return -1;
		}
		for (port = low; port <= high; port++)
			set[port] = 1;
	}
	free(copy);
	return 0;
}

/* The 16-bit one's complement sum of an IPv4 header. */
static uint16_t
ipv4_checksum(const uint8_t *header)
{
	uint32_t	sum = 0;
	int		i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(header[i] << 8 | header[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The link header before the IP packet; returns its length. */
static size_t
link_header(const struct capture *c, uint8_t *p)
{
	unsigned	type = c->ends.family == AF_INET ? 0x0800 : 0x86dd;

	if (c->link == DLT_RAW)
		return 0;
	if (c->link == DLT_LINUX_SLL) {
		memset(p, 0, 16);
		p[14] = (uint8_t)(type >> 8);
		p[15] = (uint8_t)type;
		return 16;
	}
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (c->vlan) {
		memcpy(p + 12, "\x81\x00\x00\x2a", 4);	/* VLAN 42 */
		p += 4;
	}
	p[12] = (uint8_t)(type >> 8);
	p[13] = (uint8_t)type;
	return c->vlan ? 18 : 14;
}

/* Append a 32-bit number in this machine's byte order (pcapng is either). */
static void
put32(uint8_t *p, uint32_t value)
{
	memcpy(p, &value, 4);
}

/* The pcapng section header and interface description (microseconds). */
static void
write_pcapng_header(struct capture *c)
{
	uint8_t	block[48];

	memset(block, 0, sizeof(block));
	put32(block, 0x0a0d0d0a);		/* section header */
	put32(block + 4, 28);
	put32(block + 8, 0x1a2b3c4d);
	block[12] = 1;				/* version 1.0 */
	memset(block + 16, 0xff, 8);		/* section length unknown */
	put32(block + 24, 28);
	fwrite(block, 1, 28, c->pcapng);
	memset(block, 0, sizeof(block));
	put32(block, 1);			/* interface description */
	put32(block + 4, 20);
	block[8] = (uint8_t)c->link;
	block[9] = (uint8_t)(c->link >> 8);
	put32(block + 12, 65535);
	put32(block + 16, 20);
	fwrite(block, 1, 20, c->pcapng);
}

/* One enhanced packet block: caplen bytes of a length-byte packet. */
static void
write_pcapng_packet(struct capture *c, const struct pcap_pkthdr *header,
    const uint8_t *packet)
{
	uint8_t		block[28], padding[4] = { 0 };
	uint64_t	us = (uint64_t)header->ts.tv_sec * 1000000 +
			    (uint64_t)header->ts.tv_usec;
	size_t		padded = (header->caplen + 3) & ~(size_t)3;
	uint32_t	total = (uint32_t)(28 + padded + 4);

	put32(block, 6);
	put32(block + 4, total);
	put32(block + 8, 0);			/* interface 0 */
	put32(block + 12, (uint32_t)(us >> 32));
	put32(block + 16, (uint32_t)us);
	put32(block + 20, header->caplen);
	put32(block + 24, header->len);
	fwrite(block, 1, sizeof(block), c->pcapng);
	fwrite(packet, 1, header->caplen, c->pcapng);
	fwrite(padding, 1, padded - header->caplen, c->pcapng);
	fwrite(&total, 1, 4, c->pcapng);
}

/* The IP header for a 20-byte TCP segment; returns its length. */
static size_t
ip_header(const struct capture *c, int forward, uint8_t *p)
{
	const uint8_t	*from = forward ? c->ends.src : c->ends.dst;
	const uint8_t	*to = forward ? c->ends.dst : c->ends.src;
	uint16_t	 checksum;

	if (c->ends.family == AF_INET) {
		memset(p, 0, 20);
		p[0] = 0x45;
		p[3] = 40;
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, from, 4);
		memcpy(p + 16, to, 4);
		checksum = ipv4_checksum(p);
		p[10] = (uint8_t)(checksum >> 8);
		p[11] = (uint8_t)checksum;
		return 20;
	}
	memset(p, 0, 40);
	p[0] = 0x60;
	p[5] = 20;
	p[6] = 6;
	p[7] = 64;
	memcpy(p + 8, from, 16);
	memcpy(p + 24, to, 16);
	return 40;
}

/* Write one TCP segment, forward (scanner to target) or back. */
static void
write_segment(struct capture *c, double time, int forward, int sport,
    int dport, uint8_t flags)
{
	uint8_t			packet[128], *tcp;
	struct pcap_pkthdr	header;
	size_t			length;
	int			from = forward ? sport : dport, to = forward ? dport : sport;

	length = link_header(c, packet);
	length += ip_header(c, forward, packet + length);
	tcp = packet + length;
	memset(tcp, 0, 20);
	tcp[0] = (uint8_t)(from >> 8);
	tcp[1] = (uint8_t)from;
	tcp[2] = (uint8_t)(to >> 8);
	tcp[3] = (uint8_t)to;
	tcp[12] = 0x50;
	tcp[13] = flags;
	tcp[14] = 0x72;
	tcp[15] = 0x10;
	length += 20;
	memset(&header, 0, sizeof(header));
	header.ts.tv_sec = (time_t)time;
	header.ts.tv_usec = (suseconds_t)((time - (double)(time_t)time) * 1e6 + 0.5);
	header.caplen = header.len = (bpf_u_int32)length;
	if (c->snaplen > 0 && header.caplen > c->snaplen)
		header.caplen = (bpf_u_int32)c->snaplen;
	if (c->pcapng != NULL)
		write_pcapng_packet(c, &header, packet);
	else
		pcap_dump((u_char *)c->dumper, &header, packet);
}

/* One probe's packets, as the mode and the port's state call for. */
static void
write_probe(struct capture *c, int connect_mode, double time, int sport,
    int port, int open, int filtered)
{
	write_segment(c, time, 1, sport, port, SYN);
	if (filtered)
		return;
	if (!open) {
		write_segment(c, time + 0.0002, 0, sport, port, RST | ACK);
		return;
	}
	write_segment(c, time + 0.0002, 0, sport, port, SYN | ACK);
	if (connect_mode) {
		write_segment(c, time + 0.0003, 1, sport, port, ACK);
		write_segment(c, time + 0.0004, 1, sport, port, RST | ACK);
	} else
		write_segment(c, time + 0.0003, 1, sport, port, RST);
}

static int
parse_address(const char *text, uint8_t *out, int *family)
{
	if (inet_pton(AF_INET, text, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

static void
usage_exit(void)
{
	fprintf(stderr, "usage: mkpcap -o OUT --mode syn|connect --src IP --dst IP "
	    "--start EPOCH [--step-ms N] --ports LIST [--open LIST] "
	    "[--filtered LIST] [--link ether|vlan|raw|sll] [--snaplen N] "
	    "[--format pcap|pcapng]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'd' },
		{ "start", required_argument, NULL, 't' },
		{ "step-ms", required_argument, NULL, 'S' },
		{ "ports", required_argument, NULL, 'p' },
		{ "open", required_argument, NULL, 'O' },
		{ "filtered", required_argument, NULL, 'F' },
		{ "link", required_argument, NULL, 'l' },
		{ "snaplen", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	static unsigned char	 ports[MAX_PORTS], open[MAX_PORTS], filtered[MAX_PORTS];
	struct capture		 c;
	const char		*out = NULL, *mode = "syn", *src = NULL, *dst = NULL;
	int			 pcapng = 0;
	double			 start = -1, step = 0.01;
	int			 option, family2, port, probe = 0, connect_mode;

	memset(&c, 0, sizeof(c));
	c.link = DLT_EN10MB;
	while ((option = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
		switch (option) {
		case 'o': out = optarg; break;
		case 'm': mode = optarg; break;
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 't': start = strtod(optarg, NULL); break;
		case 'S': step = strtod(optarg, NULL) / 1000; break;
		case 'p': if (parse_ports(optarg, ports)) usage_exit(); break;
		case 'O': if (parse_ports(optarg, open)) usage_exit(); break;
		case 'F': if (parse_ports(optarg, filtered)) usage_exit(); break;
		case 'l':
			c.link = strcmp(optarg, "raw") == 0 ? DLT_RAW :
			    strcmp(optarg, "sll") == 0 ? DLT_LINUX_SLL : DLT_EN10MB;
			c.vlan = strcmp(optarg, "vlan") == 0;
			break;
		case 'n': c.snaplen = (size_t)strtoul(optarg, NULL, 10); break;
		case 'f': pcapng = strcmp(optarg, "pcapng") == 0; break;
		default: usage_exit();
		}
	}
	if (out == NULL || src == NULL || dst == NULL || start < 0 ||
	    parse_address(src, c.ends.src, &c.ends.family) == -1 ||
	    parse_address(dst, c.ends.dst, &family2) == -1 ||
	    family2 != c.ends.family)
		usage_exit();
	connect_mode = strcmp(mode, "connect") == 0;
	c.pcap = pcap_open_dead_with_tstamp_precision(c.link, 65535,
	    PCAP_TSTAMP_PRECISION_MICRO);
	if (pcapng) {
		if ((c.pcapng = fopen(out, "wb")) == NULL) {
			perror(out);
			return 1;
		}
		write_pcapng_header(&c);
	} else if (c.pcap == NULL || (c.dumper = pcap_dump_open(c.pcap, out)) == NULL) {
		fprintf(stderr, "mkpcap: %s: %s\n", out, c.pcap ? pcap_geterr(c.pcap) :
		    "cannot open");
		return 1;
	}
	for (port = 1; port < MAX_PORTS; port++) {
		if (!ports[port])
			continue;
		write_probe(&c, connect_mode, start + probe * step,
		    connect_mode ? 50000 + probe % 10000 : 61000, port, open[port],
		    filtered[port]);
		probe++;
	}
	if (c.pcapng != NULL && fclose(c.pcapng) != 0) {
		perror(out);
		return 1;
	}
	if (c.dumper != NULL)
		pcap_dump_close(c.dumper);
	pcap_close(c.pcap);
	return 0;
}
