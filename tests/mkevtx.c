/* mkevtx: write Windows EVTX files, built the way Windows builds them, from
 * readable scenario text; wfpsift's test fixtures and benchmark logs.
 *
 * USAGE
 *   mkevtx [-o OUT.evtx [--layout FILE]] [--dump | --dump-sorted] SCENARIO
 *   mkevtx --bench-security N [-o] OUT.evtx [--seed S]
 *
 *   -o FILE        write the EVTX file
 *   --layout FILE  write where each record went: record id, chunk number,
 *                  offset in the chunk, size (tab-separated); tests use it
 *                  to know which records a planted defect should cost
 *   --dump         print the records the scenario describes, one line each,
 *                  in the canonical form tests/evtx-dump.py prints for what
 *                  a reader found (see CANONICAL FORM)
 *   --dump-sorted  the same with each record's data pairs sorted by name
 *   --bench-security N   write N records of a Windows-like Security log
 *                  (about 90% 5156/5157, with the 4688/4689/4624 that
 *                  attribute them; see bench_security()) without a
 *                  scenario; streams, a million records (about 650 MB) in
 *                  a few seconds; --seed varies it
 *
 * SCENARIO FORMAT
 *   One statement per line; a line that starts with a space or tab continues
 *   the statement above it.  A line whose first non-blank character is '#'
 *   is a comment.  A statement is a keyword and tokens separated by blanks;
 *   a token is WORD or KEY=VALUE.  Inside a token:
 *     "..."      quotes blanks; "" inside quotes is one quote character
 *     ${EXPR}    is replaced by the value of an expression (see EXPRESSIONS)
 *   Nothing else is special: backslashes, '%', '{', '$' alone are literal,
 *   so Windows paths, %%14593 codes and GUIDs are written as they are.
 *
 *   include FILE           read FILE's statements here (relative path: from
 *                          the including file's directory)
 *   profile NAME KEY=V... FIELD:TYPE[=DEFAULT]...
 *                          a kind of record: its System values and its typed
 *                          EventData (or UserData) fields, in order.
 *                          System keys: provider= guid= channel= id= version=
 *                          level= task= opcode= keywords= pid= tid= userid=
 *                          (Security UserID SID) activity= (Correlation
 *                          ActivityID) computer=; extends=OTHER copies
 *                          another profile first; userdata=ELEMENT and
 *                          xmlns=URI make the fields children of
 *                          <UserData><ELEMENT xmlns=URI> instead of
 *                          <EventData><Data Name=...> (as 1100/1102 do;
 *                          the wrapper also gets xmlns:auto-ns3, as there).
 *                          TYPE: string uint8 uint16 uint32 uint64 hexint32
 *                          hexint64 sizet (declared SizeT, written HexInt64:
 *                          PIDs in 4688/4689/4624 on 64-bit Windows) sizet32
 *                          (SizeT written HexInt32) filetime sid guid bool
 *   event PROFILE KEY=V... one record.  KEY is a System key as above (they
 *                          override the profile), time= (ISO-8601 UTC
 *                          2024-03-11T09:14:02.1234567Z, ISO+DURATION, or
 *                          +DURATION / -DURATION from the previous event in
 *                          the same block, or the block's start), recid=
 *                          (explicit record id: later records count on from
 *                          it, so a jump makes a gap; recid=+N leaves N ids
 *                          out before this record), eventrecordid= (the
 *                          <System> EventRecordID only, as in forwarded logs
 *                          where it is the source host's number while the
 *                          file's own record ids run on), slack=yes (see
 *                          SLACK RECORDS), or a field name.
 *                          Fields left out take the profile default or are
 *                          an error.
 *   default computer=C     the computer of the events that follow (until
 *                          the next default; a profile's computer= wins)
 *   let NAME=V...          set variables for expressions
 *   repeat COUNT [as=NAME] [time=T] [step=DUR] [jitter=DUR]
 *   ...
 *   end                    run the statements COUNT times with NAME (default
 *                          i) = 0..COUNT-1; iteration k's base time is
 *                          T + k*STEP + a pseudo-random part of JITTER, also
 *                          given as text in NAME_time.  T defaults to the
 *                          enclosing base time.  Repeats nest; repeat 0 or 1
 *                          is an if.
 *   option KEY=V...        sort=yes|no (default yes: records are put in time
 *                          order, stably, before ids are given), seed=N,
 *                          first-record-id=N (default 1), chunk-limit=BYTES
 *                          (fill chunks only this far), records-per-chunk=N,
 *                          minor-version=N (header, default 1)
 *   origin computer=C first-id=N   a forwarded log: C's records get
 *                          <System> EventRecordIDs N, N+1, ... in time order
 *                          (the file's own record ids run on regardless)
 *   header flags=dirty|full|dirty,full   the file header's flags
 *   defect KIND ...        plant a defect:
 *                            bad-crc chunk=K            wrong record-data CRC
 *                            bad-header-crc chunk=K     wrong chunk-header CRC
 *                            zero-chunk chunk=K         64 KiB of zeros
 *                            slack-garbage chunk=K      random bytes after the
 *                                                       last record
 *                            truncate size=BYTES        cut the file
 *                            size-mismatch record=ID    trailing size differs
 *                          (a record-id gap is an event's recid=+N)
 *   Durations: a number and a unit: 250ms, 1.5s, 3m, 2h, 1d (also us).
 *
 * SLACK RECORDS
 *   An event with slack=yes is not a live record: it is written into the
 *   slack of the chunk that is being filled when it comes (in time order,
 *   or scenario order with sort=no), after that chunk's last live record,
 *   where an older copy of a record would be left; readers recover it from
 *   there.  It needs recid= (its record id, also its EventRecordID unless
 *   eventrecordid= says otherwise) and changes no other record's id.  It
 *   references the chunk's templates as a live record there would, so a
 *   slack event with the same values as a live one is a byte-for-byte
 *   copy of it.  --dump and --layout leave slack events out.
 *
 * EXPRESSIONS (inside ${...})
 *   Integers (decimal, 0x hex), "strings" (backslashes literal as everywhere,
 *   "" is one quote; control characters come from chr()), variables, ( ),
 *   unary - !, * / %, + - (+ joins text if either side is text),
 *   == != < <= > >=, && ||, c ? a : b (only the branch taken is evaluated:
 *   it may name variables that do not exist), and functions:
 *     rand(n)        pseudo-random 0..n-1 (seeded; deterministic)
 *     pick(k, a, b, ...)  the k-th argument (modulo their number)
 *     in(x, a, b, ...)    1 when x equals one of them
 *     ip(base, n)    IPv4 address base + n       chr(n)  code point n (not 0)
 *     repeat(s, n)   s n times                   hex(n)  0x1a2c
 *     q(s)           s in double quotes (command lines)
 *     hexw(n, w)     upper-case hex, w digits    dec(n, w) zero-padded
 *     min(a, b) max(a, b)
 *     sysmontime()   the event's time as Sysmon's UtcTime writes it
 *
 * OUTPUT (what Windows does, seen in real Security and Sysmon logs)
 *   4096-byte file header; 65536-byte chunks with 512-byte headers; records
 *   aligned to 8 bytes; CRC32s (zlib) of the file header, chunk header and
 *   record data.  A record is an outer template instance for <Event>/<System>
 *   whose substitutions hold Level, Opcode, Task, EventID, Keywords,
 *   TimeCreated, ActivityID, ProcessID, ThreadID, EventRecordID, Version,
 *   UserID, Provider Name/Guid and Channel, with <Computer> literal text in
 *   the template (so one outer template per computer), and the EventData as
 *   substitution 17 of type BinXml (0x21): an embedded fragment with its own
 *   template instance.  UserData records use the Eventlog layout (provider
 *   and channel literal, UserData = substitution 19).  A template definition
 *   is written inline at its first use in a chunk and referenced by offset
 *   after that; element and attribute names likewise.  The chunk's string
 *   and template hash tables are filled as Windows fills them (65599 string
 *   hash, 64 and 32 buckets, newest first).  No chunk is filled to its last
 *   byte.  Template GUIDs are a hash of the template's content.
 *
 * CANONICAL FORM (--dump; tests/evtx-dump.py prints the same for a file)
 *   One line per record, fields separated by tabs:
 *   record=ID eid=N time=ISO7 computer=J provider=J guid=G channel=J
 *   version=N level=N task=N opcode=N keywords=0x%016x pid=N tid=N
 *   [userid=SID] [activity=G] [userdata=ELEMENT] NAME=J...
 *   J is a JSON string (\" \\ and \u00XX for control characters, UTF-8
 *   otherwise); ISO7 is 2024-03-11T09:14:02.1234567Z.  Data values are
 *   rendered by type (decimal, hex as 0x1a2c, GUIDs upper case, FILETIMEs as
 *   ISO7, booleans true/false) and then, whatever their type, text that looks
 *   like 0x... hex is re-printed without leading zeros, a GUID upper-cased
 *   and a 9-digit ISO time cut to 7 digits, so every reader's rendering
 *   compares equal.  Data pairs keep template order (--dump-sorted sorts).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK_SIZE 65536u
#define CHUNK_HEADER 512u
#define FILE_HEADER 4096u

/* ------------------------------------------------------------------ errors */

static const char *where_file;
static int where_line;

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkevtx: ");
	if (where_file)
		fprintf(stderr, "%s:%d: ", where_file, where_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* ----------------------------------------------------------------- buffers */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_need(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 4096;
	b->p = xrealloc(b->p, b->cap);
}

static void put8(struct buf *b, unsigned v)
{
	buf_need(b, 1);
	b->p[b->len++] = (unsigned char)v;
}

static void put16(struct buf *b, unsigned v)
{
	buf_need(b, 2);
	b->p[b->len++] = (unsigned char)v;
	b->p[b->len++] = (unsigned char)(v >> 8);
}

static void put32(struct buf *b, uint32_t v)
{
	buf_need(b, 4);
	for (int i = 0; i < 4; i++)
		b->p[b->len++] = (unsigned char)(v >> (8 * i));
}

static void put64(struct buf *b, uint64_t v)
{
	buf_need(b, 8);
	for (int i = 0; i < 8; i++)
		b->p[b->len++] = (unsigned char)(v >> (8 * i));
}

static void putbytes(struct buf *b, const void *p, size_t n)
{
	buf_need(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void set16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void set32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void set64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void bufprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_need(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* --------------------------------------------------------------- UTF-8/16 */

/* Decode one UTF-8 sequence; return its length, or 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Number of UTF-16 code units in UTF-8 text, or -1 when it is not UTF-8. */
static long utf16_units(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	long units = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;

		if (u[i] < 0x80) {
			i++;
			units++;
			continue;
		}
		size_t k = utf8_decode(u + i, n - i, &cp);
		if (!k)
			return -1;
		i += k;
		units += cp >= 0x10000 ? 2 : 1;
	}
	return units;
}

static void put_utf16(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	buf_need(b, 4 * n);
	for (size_t i = 0; i < n;) {
		uint32_t cp;

		if (u[i] < 0x80) {
			b->p[b->len++] = u[i++];
			b->p[b->len++] = 0;
			continue;
		}
		i += utf8_decode(u + i, n - i, &cp);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			unsigned hi = 0xd800 + (cp >> 10), lo = 0xdc00 + (cp & 0x3ff);
			b->p[b->len++] = (unsigned char)hi;
			b->p[b->len++] = (unsigned char)(hi >> 8);
			b->p[b->len++] = (unsigned char)lo;
			b->p[b->len++] = (unsigned char)(lo >> 8);
		} else {
			b->p[b->len++] = (unsigned char)cp;
			b->p[b->len++] = (unsigned char)(cp >> 8);
		}
	}
}

static void put_utf8(struct buf *b, uint32_t cp)
{
	if (cp < 0x80)
		put8(b, cp);
	else if (cp < 0x800) {
		put8(b, 0xc0 | (cp >> 6));
		put8(b, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		put8(b, 0xe0 | (cp >> 12));
		put8(b, 0x80 | ((cp >> 6) & 0x3f));
		put8(b, 0x80 | (cp & 0x3f));
	} else {
		put8(b, 0xf0 | (cp >> 18));
		put8(b, 0x80 | ((cp >> 12) & 0x3f));
		put8(b, 0x80 | ((cp >> 6) & 0x3f));
		put8(b, 0x80 | (cp & 0x3f));
	}
}

/* The chunk string table's hash: h = h * 65599 + unit, low 16 bits kept. */
static uint16_t name_hash(const char *s)
{
	struct buf b = {0};
	uint32_t h = 0;

	put_utf16(&b, s, strlen(s));
	for (size_t i = 0; i + 1 < b.len; i += 2)
		h = h * 65599u + (uint32_t)(b.p[i] | b.p[i + 1] << 8);
	free(b.p);
	return (uint16_t)h;
}

/* ------------------------------------------------------ times, SIDs, GUIDs */

#define TICKS_PER_SEC 10000000LL
#define EPOCH_DIFF 11644473600LL /* seconds from 1601-01-01 to 1970-01-01 */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

/* Parse 2024-03-11T09:14:02[.1234567]Z into a FILETIME. */
static bool parse_iso(const char *s, int64_t *ft)
{
	int y, mo, d, h, mi, sec, n = 0;
	int64_t frac = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return false;
	s += n;
	if (*s == '.') {
		int digits = 0;
		for (s++; isdigit((unsigned char)*s); s++, digits++) {
			if (digits >= 7)
				return false;
			frac = frac * 10 + (*s - '0');
		}
		if (!digits)
			return false;
		for (; digits < 7; digits++)
			frac *= 10;
	}
	if (strcmp(s, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return false;
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	*ft = ((days * 86400 + h * 3600 + mi * 60 + sec) + EPOCH_DIFF) * TICKS_PER_SEC + frac;
	return true;
}

/* FILETIME as 2024-03-11T09:14:02.1234567Z (digits 7) or Sysmon's
 * "2024-03-11 09:14:02.123" (sysmon true). */
static void fmt_time(char *out, size_t n, int64_t ft, bool sysmon)
{
	int64_t secs = ft / TICKS_PER_SEC - EPOCH_DIFF, frac = ft % TICKS_PER_SEC;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400;
	int y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	if (sysmon)
		snprintf(out, n, "%04d-%02u-%02u %02d:%02d:%02d.%03d", y, m, d,
		    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(frac / 10000));
	else
		snprintf(out, n, "%04d-%02u-%02uT%02d:%02d:%02d.%07dZ", y, m, d,
		    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)frac);
}

/* A duration such as 250ms, 1.5s, 3m, 2h, 1d, with an optional sign. */
static bool parse_duration(const char *s, int64_t *ticks)
{
	int sign = 1;
	int64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++)
		whole = whole * 10 + (*p - '0');
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			if (scale < 10000000) {
				frac = frac * 10 + (*p - '0');
				scale *= 10;
			}
	int64_t unit;
	if (!strcmp(p, "us"))
		unit = 10;
	else if (!strcmp(p, "ms"))
		unit = 10000;
	else if (!strcmp(p, "s"))
		unit = TICKS_PER_SEC;
	else if (!strcmp(p, "m"))
		unit = 60 * TICKS_PER_SEC;
	else if (!strcmp(p, "h"))
		unit = 3600 * TICKS_PER_SEC;
	else if (!strcmp(p, "d"))
		unit = 86400 * TICKS_PER_SEC;
	else
		return false;
	*ticks = sign * (whole * unit + frac * unit / scale);
	return true;
}

/* S-1-5-21-a-b-c-d into its binary form; returns the length or 0. */
static size_t parse_sid(const char *s, unsigned char *out)
{
	char *end;
	unsigned long long v;
	int n = 0;

	if (strncmp(s, "S-1-", 4) != 0)
		return 0;
	s += 4;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || v >= (1ULL << 48))
		return 0;
	out[0] = 1;
	for (int i = 0; i < 6; i++)
		out[2 + i] = (unsigned char)(v >> (8 * (5 - i)));
	for (s = end; *s == '-'; s = end) {
		s++;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (end == s || errno || v > 0xffffffffULL || n >= 15)
			return 0;
		set32(out + 8 + 4 * n, (uint32_t)v);
		n++;
	}
	if (*s)
		return 0;
	out[1] = (unsigned char)n;
	return 8 + 4 * (size_t)n;
}

static void fmt_sid(struct buf *b, const unsigned char *sid)
{
	uint64_t auth = 0;

	for (int i = 0; i < 6; i++)
		auth = auth << 8 | sid[2 + i];
	bufprintf(b, "S-%u-%" PRIu64, sid[0], auth);
	for (int i = 0; i < sid[1]; i++) {
		const unsigned char *p = sid + 8 + 4 * i;
		bufprintf(b, "-%" PRIu32, (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24));
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} into Windows' mixed-endian bytes. */
static bool parse_guid(const char *s, unsigned char *g)
{
	static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	int k = 0;

	if (strlen(s) != 38 || s[0] != '{' || s[37] != '}')
		return false;
	for (int i = 1; i < 37; i++) {
		if (i == 9 || i == 14 || i == 19 || i == 24) {
			if (s[i] != '-')
				return false;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		g[order[k++]] = (unsigned char)(hi << 4 | lo);
		i++;
	}
	return k == 16;
}

static void fmt_guid(struct buf *b, const unsigned char *g)
{
	bufprintf(b, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
	    g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* ---------------------------------------------------------- value types */

enum {
	VT_NULL = 0x00, VT_STRING = 0x01, VT_UINT8 = 0x04, VT_UINT16 = 0x06,
	VT_UINT32 = 0x08, VT_UINT64 = 0x0a, VT_BOOL = 0x0d, VT_GUID = 0x0f,
	VT_SIZET = 0x10, VT_FILETIME = 0x11, VT_SID = 0x13, VT_HEX32 = 0x14,
	VT_HEX64 = 0x15, VT_BINXML = 0x21
};

struct ftype {
	const char *name;
	uint8_t tmpl; /* the type the template's substitution declares */
	uint8_t val;  /* the type the value is written with */
};

static const struct ftype ftypes[] = {
	{"string", VT_STRING, VT_STRING}, {"uint8", VT_UINT8, VT_UINT8},
	{"uint16", VT_UINT16, VT_UINT16}, {"uint32", VT_UINT32, VT_UINT32},
	{"uint64", VT_UINT64, VT_UINT64}, {"hexint32", VT_HEX32, VT_HEX32},
	{"hexint64", VT_HEX64, VT_HEX64}, {"sizet", VT_SIZET, VT_HEX64},
	{"sizet32", VT_SIZET, VT_HEX32}, {"filetime", VT_FILETIME, VT_FILETIME},
	{"sid", VT_SID, VT_SID}, {"guid", VT_GUID, VT_GUID}, {"bool", VT_BOOL, VT_BOOL},
};

/* One typed value: numbers in u, text in s (UTF-8, units = UTF-16 length),
 * SIDs and GUIDs in b. */
struct val {
	uint8_t type;
	uint8_t blen;
	uint32_t units;
	uint64_t u;
	const char *s;
	size_t slen;
	unsigned char b[68];
};

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end || errno || v > max)
		return false;
	*out = v;
	return true;
}

/* Turn text into a value of the given written type; false on bad text. */
static bool make_val(struct val *v, uint8_t type, const char *text)
{
	memset(v, 0, sizeof *v);
	v->type = type;
	switch (type) {
	case VT_STRING: {
		long units = utf16_units(text, strlen(text));
		if (units < 0)
			die("value is not valid UTF-8");
		if (units * 2 > 65535)
			die("string of %ld UTF-16 units is longer than a substitution can hold", units);
		v->s = text;
		v->slen = strlen(text);
		v->units = (uint32_t)units;
		return true;
	}
	case VT_UINT8:
		return parse_uint(text, 0xff, &v->u);
	case VT_UINT16:
		return parse_uint(text, 0xffff, &v->u);
	case VT_UINT32:
	case VT_HEX32:
		return parse_uint(text, 0xffffffffULL, &v->u);
	case VT_UINT64:
	case VT_HEX64:
		return parse_uint(text, UINT64_MAX, &v->u);
	case VT_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "1"))
			v->u = 1;
		else if (strcmp(text, "false") && strcmp(text, "0"))
			return false;
		return true;
	case VT_GUID:
		v->blen = 16;
		return parse_guid(text, v->b);
	case VT_SID:
		v->blen = (uint8_t)parse_sid(text, v->b);
		return v->blen != 0;
	case VT_FILETIME: {
		int64_t ft;
		if (!parse_iso(text, &ft))
			return false;
		v->u = (uint64_t)ft;
		return true;
	}
	}
	return false;
}

static unsigned val_size(const struct val *v)
{
	switch (v->type) {
	case VT_NULL:
		return 0;
	case VT_STRING:
		return v->units * 2;
	case VT_UINT8:
		return 1;
	case VT_UINT16:
		return 2;
	case VT_UINT32:
	case VT_HEX32:
	case VT_BOOL:
		return 4;
	case VT_GUID:
	case VT_SID:
		return v->blen;
	default:
		return 8;
	}
}

static void put_val(struct buf *b, const struct val *v)
{
	switch (v->type) {
	case VT_NULL:
		break;
	case VT_STRING:
		put_utf16(b, v->s, v->slen);
		break;
	case VT_UINT8:
		put8(b, (unsigned)v->u);
		break;
	case VT_UINT16:
		put16(b, (unsigned)v->u);
		break;
	case VT_UINT32:
	case VT_HEX32:
	case VT_BOOL:
		put32(b, (uint32_t)v->u);
		break;
	case VT_GUID:
	case VT_SID:
		putbytes(b, v->b, v->blen);
		break;
	default:
		put64(b, v->u);
	}
}

/* ------------------------------------------------------- canonical text */

static bool is_hex_text(const char *s, size_t n)
{
	if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x')
		return false;
	for (size_t i = 2; i < n; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

static bool is_guid_text(const char *s, size_t n)
{
	unsigned char g[16];
	char tmp[39];

	if (n != 38)
		return false;
	memcpy(tmp, s, 38);
	tmp[38] = '\0';
	return parse_guid(tmp, g);
}

static bool is_iso9_text(const char *s, size_t n)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

	if (n != sizeof pat - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return false;
	return s[n - 3] == '0' && s[n - 2] == '0';
}

/* Append text as a JSON string after the canonical re-printing rules. */
static void put_canon(struct buf *b, const char *s, size_t n)
{
	char tmp[64];

	if (is_hex_text(s, n)) {
		snprintf(tmp, sizeof tmp, "0x%llx", strtoull(s + 2, NULL, 16));
		s = tmp;
		n = strlen(tmp);
	} else if (is_guid_text(s, n)) {
		for (size_t i = 0; i < n; i++)
			tmp[i] = (char)toupper((unsigned char)s[i]);
		s = tmp;
	} else if (is_iso9_text(s, n)) {
		memcpy(tmp, s, n - 3);
		tmp[n - 3] = 'Z';
		s = tmp;
		n -= 2;
	}
	put8(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			put8(b, '\\');
			put8(b, c);
		} else if (c < 0x20 || c == 0x7f)
			bufprintf(b, "\\u%04x", c);
		else
			put8(b, c);
	}
	put8(b, '"');
}

static void put_val_canon(struct buf *b, const struct val *v)
{
	struct buf t = {0};
	char tmp[64];

	switch (v->type) {
	case VT_NULL:
		break;
	case VT_STRING:
		put_canon(b, v->s, v->slen);
		return;
	case VT_HEX32:
	case VT_HEX64:
		bufprintf(&t, "0x%" PRIx64, v->u);
		break;
	case VT_BOOL:
		bufprintf(&t, "%s", v->u ? "true" : "false");
		break;
	case VT_GUID:
		fmt_guid(&t, v->b);
		break;
	case VT_SID:
		fmt_sid(&t, v->b);
		break;
	case VT_FILETIME:
		fmt_time(tmp, sizeof tmp, (int64_t)v->u, false);
		bufprintf(&t, "%s", tmp);
		break;
	default:
		bufprintf(&t, "%" PRIu64, v->u);
	}
	put_canon(b, t.len ? (const char *)t.p : "", t.len);
	free(t.p);
}

/* ----------------------------------------------------- names and templates */

/* Element and attribute names, interned; off/gen say where the name's
 * definition sits in the current chunk (valid when gen is the chunk's). */
struct name {
	char *s;
	struct buf u16;
	uint16_t hash;
	uint32_t off, gen;
};

static struct name *names;
static size_t nnames, capnames;

static uint32_t intern(const char *s)
{
	for (size_t i = 0; i < nnames; i++)
		if (!strcmp(names[i].s, s))
			return (uint32_t)i;
	if (nnames == capnames) {
		capnames = capnames ? capnames * 2 : 64;
		names = xrealloc(names, capnames * sizeof *names);
	}
	struct name *n = &names[nnames];
	memset(n, 0, sizeof *n);
	n->s = xstrdup(s);
	put_utf16(&n->u16, s, strlen(s));
	n->hash = name_hash(s);
	return (uint32_t)nnames++;
}

enum { OP_OPEN, OP_ATTR, OP_TEXT, OP_SUB, OP_CLOSE_START, OP_CLOSE_EMPTY, OP_END };

struct tnode {
	uint8_t op;
	uint8_t flag;  /* OPEN: has attributes; ATTR: more follow; SUB: optional */
	uint16_t num;  /* OPEN: dependency id; SUB: substitution index */
	uint8_t type;  /* SUB: declared value type */
	uint32_t name; /* OPEN, ATTR */
	char *text;    /* TEXT */
};

struct tmpl {
	struct tnode *n;
	size_t nn, cap;
	struct buf key; /* the template's content, for identity and the GUID */
	unsigned char guid[16];
	uint32_t id;
	uint32_t index;    /* position in tmpls[] */
	uint32_t off, gen; /* definition offset in the current chunk */
};

static struct tmpl **tmpls;
static size_t ntmpls;

static struct tnode *tb_add(struct tmpl *t, uint8_t op)
{
	if (t->nn == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->n = xrealloc(t->n, t->cap * sizeof *t->n);
	}
	struct tnode *n = &t->n[t->nn++];
	memset(n, 0, sizeof *n);
	n->op = op;
	return n;
}

static void tb_open(struct tmpl *t, const char *name, unsigned dep, bool attrs)
{
	struct tnode *n = tb_add(t, OP_OPEN);
	n->name = intern(name);
	n->num = (uint16_t)dep;
	n->flag = attrs;
	bufprintf(&t->key, "<%s %x %d ", name, dep, attrs);
}

static void tb_attr_text(struct tmpl *t, const char *name, const char *text, bool more)
{
	struct tnode *n = tb_add(t, OP_ATTR);
	n->name = intern(name);
	n->flag = more;
	n = tb_add(t, OP_TEXT);
	n->text = xstrdup(text);
	bufprintf(&t->key, "@%s=\"%s\" ", name, text);
}

static void tb_sub(struct tmpl *t, unsigned idx, uint8_t type, bool optional)
{
	struct tnode *n = tb_add(t, OP_SUB);
	n->num = (uint16_t)idx;
	n->type = type;
	n->flag = optional;
	bufprintf(&t->key, "%c%u:%02x ", optional ? 'O' : 'N', idx, type);
}

static void tb_attr_sub(struct tmpl *t, const char *name, unsigned idx, uint8_t type, bool more)
{
	struct tnode *n = tb_add(t, OP_ATTR);
	n->name = intern(name);
	n->flag = more;
	bufprintf(&t->key, "@%s=", name);
	tb_sub(t, idx, type, true);
}

static void tb_text(struct tmpl *t, const char *text)
{
	struct tnode *n = tb_add(t, OP_TEXT);
	n->text = xstrdup(text);
	bufprintf(&t->key, "\"%s\" ", text);
}

static void tb_op(struct tmpl *t, uint8_t op)
{
	tb_add(t, op);
	bufprintf(&t->key, "%c ", "<@\"$>/."[op]);
}

/* Finish a template: identical content gives the identical template (and
 * the same GUID, a hash of the content, in every file). */
static struct tmpl *tb_finish(struct tmpl *t)
{
	for (size_t i = 0; i < ntmpls; i++)
		if (tmpls[i]->key.len == t->key.len && !memcmp(tmpls[i]->key.p, t->key.p, t->key.len)) {
			for (size_t k = 0; k < t->nn; k++)
				free(t->n[k].text);
			free(t->n);
			free(t->key.p);
			free(t);
			return tmpls[i];
		}
	uint64_t h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	for (size_t i = 0; i < t->key.len; i++) {
		h1 = (h1 ^ t->key.p[i]) * 0x100000001b3ULL;
		h2 = (h2 ^ t->key.p[i]) * 0x100000001b3ULL ^ (h2 >> 29);
	}
	set64(t->guid, h1);
	set64(t->guid + 8, h2);
	t->id = (uint32_t)(h1 & 0xffffffffu);
	t->index = (uint32_t)ntmpls;
	tmpls = xrealloc(tmpls, (ntmpls + 1) * sizeof *tmpls);
	tmpls[ntmpls++] = t;
	return t;
}

static struct tmpl *tb_new(void)
{
	struct tmpl *t = xmalloc(sizeof *t);
	memset(t, 0, sizeof *t);
	return t;
}

/* ---------------------------------------------------------------- chunks */

/* What a record attempt added to the chunk's tables, to undo it when the
 * record does not fit and goes to the next chunk instead. */
struct undo {
	uint32_t *name_ids, *tmpl_ids;
	size_t nnames, ntmpls, capn, capt;
};

struct rec;

struct chunk {
	unsigned char d[CHUNK_SIZE];
	const struct rec *slack[16]; /* slack=yes records, written at the flush */
	int nslack;
	uint32_t free, last_off, nrec, gen;
	uint64_t first_id, last_id;
	uint32_t str_heads[64], tmpl_heads[32];
	uint32_t save_str[64], save_tmpl[32];
	struct undo undo;
	uint32_t base; /* chunk offset of the scratch buffer's first byte */
};

static void undo_push(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*a = xrealloc(*a, *cap * sizeof **a);
	}
	(*a)[(*n)++] = v;
}

/* Write a name reference at the current position; the definition goes
 * inline (right after the offset field) when it is the name's first use in
 * the chunk. */
static void put_name(struct chunk *c, struct buf *b, uint32_t id)
{
	struct name *n = &names[id];

	if (n->gen == c->gen) {
		put32(b, n->off);
		return;
	}
	uint32_t off = c->base + (uint32_t)b->len + 4;
	unsigned bucket = n->hash % 64;
	put32(b, off);
	put32(b, c->str_heads[bucket]);
	put16(b, n->hash);
	put16(b, (unsigned)(n->u16.len / 2));
	putbytes(b, n->u16.p, n->u16.len);
	put16(b, 0);
	c->str_heads[bucket] = off;
	n->off = off;
	n->gen = c->gen;
	undo_push(&c->undo.name_ids, &c->undo.nnames, &c->undo.capn, id);
}

static unsigned tmpl_bucket(const unsigned char *g)
{
	uint32_t h = 0;

	for (int i = 0; i < 16; i += 2)
		h = h * 65599u + (uint32_t)(g[i] | g[i + 1] << 8);
	return h % 32;
}

/* Emit the element tree of a template from node *i on. */
static void emit_tree(struct chunk *c, struct buf *b, const struct tmpl *t, size_t *i)
{
	size_t size_at[64], attr_at[64];
	int depth = 0;

	for (; *i < t->nn; (*i)++) {
		const struct tnode *n = &t->n[*i];
		switch (n->op) {
		case OP_OPEN:
			if (depth == 64)
				die("template nests too deeply");
			put8(b, n->flag ? 0x41 : 0x01);
			put16(b, n->num);
			size_at[depth] = b->len;
			put32(b, 0);
			put_name(c, b, n->name);
			attr_at[depth] = n->flag ? b->len : 0;
			if (n->flag)
				put32(b, 0);
			depth++;
			break;
		case OP_ATTR:
			put8(b, n->flag ? 0x46 : 0x06);
			put_name(c, b, n->name);
			break;
		case OP_TEXT: {
			long units = utf16_units(n->text, strlen(n->text));
			put8(b, 0x05);
			put8(b, VT_STRING);
			put16(b, (unsigned)units);
			put_utf16(b, n->text, strlen(n->text));
			break;
		}
		case OP_SUB:
			put8(b, n->flag ? 0x0e : 0x0d);
			put16(b, n->num);
			put8(b, n->type);
			break;
		case OP_CLOSE_START:
		case OP_CLOSE_EMPTY:
			if (attr_at[depth - 1])
				set32(b->p + attr_at[depth - 1], (uint32_t)(b->len - attr_at[depth - 1] - 4));
			put8(b, n->op == OP_CLOSE_START ? 0x02 : 0x03);
			if (n->op == OP_CLOSE_EMPTY) {
				depth--;
				set32(b->p + size_at[depth], (uint32_t)(b->len - size_at[depth] - 4));
			}
			break;
		case OP_END:
			put8(b, 0x04);
			depth--;
			set32(b->p + size_at[depth], (uint32_t)(b->len - size_at[depth] - 4));
			break;
		}
	}
	if (depth)
		die("internal: unbalanced template");
}

/* A template instance: the definition inline at its first use in the chunk. */
static void put_instance(struct chunk *c, struct buf *b, struct tmpl *t)
{
	put8(b, 0x0c);
	put8(b, 0x01);
	put32(b, t->id);
	if (t->gen == c->gen) {
		put32(b, t->off);
		return;
	}
	uint32_t off = c->base + (uint32_t)b->len + 4;
	unsigned bucket = tmpl_bucket(t->guid);
	put32(b, off);
	put32(b, c->tmpl_heads[bucket]);
	putbytes(b, t->guid, 16);
	size_t size_at = b->len;
	put32(b, 0);
	size_t start = b->len;
	put32(b, 0x0001010f); /* fragment header 0f 01 01 00 */
	size_t i = 0;
	emit_tree(c, b, t, &i);
	put8(b, 0x00);
	set32(b->p + size_at, (uint32_t)(b->len - start));
	c->tmpl_heads[bucket] = off;
	t->off = off;
	t->gen = c->gen;
	undo_push(&c->undo.tmpl_ids, &c->undo.ntmpls, &c->undo.capt, t->index);
}

static void chunk_begin_attempt(struct chunk *c)
{
	memcpy(c->save_str, c->str_heads, sizeof c->str_heads);
	memcpy(c->save_tmpl, c->tmpl_heads, sizeof c->tmpl_heads);
	c->undo.nnames = c->undo.ntmpls = 0;
	c->base = c->free;
}

static void chunk_undo_attempt(struct chunk *c)
{
	memcpy(c->str_heads, c->save_str, sizeof c->str_heads);
	memcpy(c->tmpl_heads, c->save_tmpl, sizeof c->tmpl_heads);
	for (size_t i = 0; i < c->undo.nnames; i++)
		names[c->undo.name_ids[i]].gen = 0;
	for (size_t i = 0; i < c->undo.ntmpls; i++)
		tmpls[c->undo.tmpl_ids[i]]->gen = 0;
}

/* -------------------------------------------------------------- records */

struct field {
	char *name;
	const struct ftype *ft;
	bool has_def;
	char *def;
};

struct profile {
	char *name;
	char *provider, *guidtext, *channel, *computer;
	unsigned char guid[16];
	uint16_t eid, task;
	uint8_t version, level, opcode;
	uint64_t keywords;
	uint32_t pid, tid;
	bool has_userid, has_activity, has_id, has_provider, has_guid, has_channel;
	unsigned char userid[68], activity[16];
	uint8_t userid_len;
	bool userdata;
	char *wrapper, *xmlns;
	struct field *f;
	int nf;
	struct tmpl *inner;
};

struct rec {
	int64_t time;
	uint64_t recid;
	uint64_t sysid; /* EventRecordID in <System> when not recid (forwarded logs) */
	uint64_t skip;  /* recid=+N: leave N ids out before this record */
	bool explicit_id;
	bool slack;     /* slack=yes: written in chunk slack, not live */
	long seq;
	const struct profile *p;
	const char *computer, *provider, *guidtext, *channel;
	unsigned char guid[16];
	uint16_t eid, task;
	uint8_t version, level, opcode;
	uint64_t keywords;
	uint32_t pid, tid;
	bool has_userid, has_activity;
	unsigned char userid[68], activity[16];
	uint8_t userid_len;
	struct val *v;
};

/* The outer template for a record: <Event>/<System> with its computer
 * literal (and, for the Eventlog UserData layout, provider and channel). */
struct outer_cache {
	bool userdata;
	char *computer, *provider, *guidtext, *channel;
	struct tmpl *t;
};

static struct outer_cache *ocache;
static size_t nocache;

static struct tmpl *outer_template(const struct rec *r)
{
	bool ud = r->p->userdata;

	for (size_t i = 0; i < nocache; i++) {
		struct outer_cache *o = &ocache[i];
		if (o->userdata == ud && !strcmp(o->computer, r->computer) &&
		    (!ud || (!strcmp(o->provider, r->provider) && !strcmp(o->guidtext, r->guidtext) &&
		    !strcmp(o->channel, r->channel))))
			return o->t;
	}
	struct tmpl *t = tb_new();
	tb_open(t, "Event", ud ? 0xffff : 17, true);
	tb_attr_text(t, "xmlns", "http://schemas.microsoft.com/win/2004/08/events/event", false);
	tb_op(t, OP_CLOSE_START);
	tb_open(t, "System", 0xffff, false);
	tb_op(t, OP_CLOSE_START);
	tb_open(t, "Provider", 0xffff, true);
	if (ud) {
		tb_attr_text(t, "Name", r->provider, true);
		tb_attr_text(t, "Guid", r->guidtext, false);
	} else {
		tb_attr_sub(t, "Name", 14, VT_STRING, true);
		tb_attr_sub(t, "Guid", 15, VT_GUID, false);
	}
	tb_op(t, OP_CLOSE_EMPTY);
	tb_open(t, "EventID", 3, true);
	tb_attr_sub(t, "Qualifiers", 4, VT_UINT16, false);
	tb_op(t, OP_CLOSE_START);
	tb_sub(t, 3, VT_UINT16, true);
	tb_op(t, OP_END);
	static const struct { const char *name; unsigned idx; uint8_t type; } simple[] = {
		{"Version", 11, VT_UINT8}, {"Level", 0, VT_UINT8}, {"Task", 2, VT_UINT16},
		{"Opcode", 1, VT_UINT8}, {"Keywords", 5, VT_HEX64},
	};
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
		tb_open(t, simple[i].name, simple[i].idx, false);
		tb_op(t, OP_CLOSE_START);
		tb_sub(t, simple[i].idx, simple[i].type, true);
		tb_op(t, OP_END);
	}
	tb_open(t, "TimeCreated", 0xffff, true);
	tb_attr_sub(t, "SystemTime", 6, VT_FILETIME, false);
	tb_op(t, OP_CLOSE_EMPTY);
	tb_open(t, "EventRecordID", 10, false);
	tb_op(t, OP_CLOSE_START);
	tb_sub(t, 10, VT_UINT64, true);
	tb_op(t, OP_END);
	tb_open(t, "Correlation", 0xffff, true);
	tb_attr_sub(t, "ActivityID", 7, VT_GUID, true);
	tb_attr_sub(t, "RelatedActivityID", ud ? 18 : 13, VT_GUID, false);
	tb_op(t, OP_CLOSE_EMPTY);
	tb_open(t, "Execution", 0xffff, true);
	tb_attr_sub(t, "ProcessID", 8, VT_UINT32, true);
	tb_attr_sub(t, "ThreadID", 9, VT_UINT32, false);
	tb_op(t, OP_CLOSE_EMPTY);
	if (ud) {
		tb_open(t, "Channel", 0xffff, false);
		tb_op(t, OP_CLOSE_START);
		tb_text(t, r->channel);
	} else {
		tb_open(t, "Channel", 16, false);
		tb_op(t, OP_CLOSE_START);
		tb_sub(t, 16, VT_STRING, true);
	}
	tb_op(t, OP_END);
	tb_open(t, "Computer", 0xffff, false);
	tb_op(t, OP_CLOSE_START);
	tb_text(t, r->computer);
	tb_op(t, OP_END);
	tb_open(t, "Security", 0xffff, true);
	tb_attr_sub(t, "UserID", 12, VT_SID, false);
	tb_op(t, OP_CLOSE_EMPTY);
	tb_op(t, OP_END); /* System */
	if (ud) {
		tb_open(t, "UserData", 19, false);
		tb_op(t, OP_CLOSE_START);
		tb_sub(t, 19, VT_BINXML, true);
		tb_op(t, OP_END);
	} else
		tb_sub(t, 17, VT_BINXML, true);
	tb_op(t, OP_END); /* Event */
	t = tb_finish(t);

	ocache = xrealloc(ocache, (nocache + 1) * sizeof *ocache);
	ocache[nocache++] = (struct outer_cache){ud, xstrdup(r->computer), xstrdup(r->provider),
	    xstrdup(r->guidtext), xstrdup(r->channel), t};
	return t;
}

/* The EventData (or UserData wrapper) template of a profile. */
static struct tmpl *inner_template(struct profile *p)
{
	if (p->inner)
		return p->inner;
	struct tmpl *t = tb_new();
	if (p->userdata) {
		tb_open(t, p->wrapper, 0xffff, true);
		tb_attr_text(t, "xmlns:auto-ns3", "http://schemas.microsoft.com/win/2004/08/events", true);
		tb_attr_text(t, "xmlns", p->xmlns, false);
		tb_op(t, OP_CLOSE_START);
		for (int i = 0; i < p->nf; i++) {
			tb_open(t, p->f[i].name, 0xffff, false);
			tb_op(t, OP_CLOSE_START);
			tb_sub(t, (unsigned)i, p->f[i].ft->tmpl, false);
			tb_op(t, OP_END);
		}
		tb_op(t, OP_END);
	} else {
		tb_open(t, "EventData", 0xffff, false);
		tb_op(t, OP_CLOSE_START);
		for (int i = 0; i < p->nf; i++) {
			tb_open(t, "Data", 0xffff, true);
			tb_attr_text(t, "Name", p->f[i].name, false);
			tb_op(t, OP_CLOSE_START);
			tb_sub(t, (unsigned)i, p->f[i].ft->tmpl, false);
			tb_op(t, OP_END);
		}
		tb_op(t, OP_END);
	}
	p->inner = tb_finish(t);
	return p->inner;
}

static void put_desc(struct buf *b, unsigned size, unsigned type)
{
	put16(b, size);
	put8(b, type);
	put8(b, 0);
}

static void put_str_desc(struct buf *b, const char *s)
{
	put_desc(b, 2 * (unsigned)utf16_units(s, strlen(s)), VT_STRING);
}

/* The whole binary XML of a record: fragment, outer instance, its values,
 * and the embedded EventData fragment as the last value. */
static void put_binxml(struct chunk *c, struct buf *b, const struct rec *r)
{
	const struct profile *p = r->p;
	bool ud = p->userdata;
	struct tmpl *outer = outer_template(r), *inner = inner_template((struct profile *)p);
	unsigned nvals = ud ? 20 : 18;

	put32(b, 0x0001010f);
	put_instance(c, b, outer);
	put32(b, nvals);
	put_desc(b, 1, VT_UINT8);   /* 0 Level */
	put_desc(b, 1, VT_UINT8);   /* 1 Opcode */
	put_desc(b, 2, VT_UINT16);  /* 2 Task */
	put_desc(b, 2, VT_UINT16);  /* 3 EventID */
	put_desc(b, 0, VT_NULL);    /* 4 Qualifiers */
	put_desc(b, 8, VT_HEX64);   /* 5 Keywords */
	put_desc(b, 8, VT_FILETIME); /* 6 TimeCreated */
	if (r->has_activity)
		put_desc(b, 16, VT_GUID); /* 7 ActivityID */
	else
		put_desc(b, 0, VT_NULL);
	put_desc(b, 4, VT_UINT32);  /* 8 ProcessID */
	put_desc(b, 4, VT_UINT32);  /* 9 ThreadID */
	put_desc(b, 8, VT_UINT64);  /* 10 EventRecordID */
	put_desc(b, 1, VT_UINT8);   /* 11 Version */
	if (r->has_userid)
		put_desc(b, r->userid_len, VT_SID); /* 12 UserID */
	else
		put_desc(b, 0, VT_NULL);
	if (ud) {
		for (int i = 13; i <= 18; i++)
			put_desc(b, 0, VT_NULL);
	} else {
		put_desc(b, 0, VT_NULL);        /* 13 RelatedActivityID */
		put_str_desc(b, r->provider);   /* 14 */
		put_desc(b, 16, VT_GUID);       /* 15 */
		put_str_desc(b, r->channel);    /* 16 */
	}
	size_t binxml_desc = b->len;
	put_desc(b, 0, VT_BINXML);
	put8(b, r->level);
	put8(b, r->opcode);
	put16(b, r->task);
	put16(b, r->eid);
	put64(b, r->keywords);
	put64(b, (uint64_t)r->time);
	if (r->has_activity)
		putbytes(b, r->activity, 16);
	put32(b, r->pid);
	put32(b, r->tid);
	put64(b, r->sysid ? r->sysid : r->recid);
	put8(b, r->version);
	if (r->has_userid)
		putbytes(b, r->userid, r->userid_len);
	if (!ud) {
		put_utf16(b, r->provider, strlen(r->provider));
		putbytes(b, r->guid, 16);
		put_utf16(b, r->channel, strlen(r->channel));
	}

	size_t start = b->len;
	put32(b, 0x0001010f);
	put_instance(c, b, inner);
	put32(b, (uint32_t)p->nf);
	for (int i = 0; i < p->nf; i++)
		put_desc(b, val_size(&r->v[i]), r->v[i].type);
	for (int i = 0; i < p->nf; i++)
		put_val(b, &r->v[i]);
	put8(b, 0x00);
	if (b->len - start > 0xffff)
		die("record %" PRIu64 ": EventData of %zu bytes is too big", r->recid, b->len - start);
	set16(b->p + binxml_desc, (unsigned)(b->len - start));
}

/* ---------------------------------------------------------- file writer */

struct defects {
	long bad_crc[16], bad_hdr_crc[16], zero[16], garbage[16];
	int nbad_crc, nbad_hdr_crc, nzero, ngarbage;
	long long truncate;
	uint64_t size_mismatch[16];
	int nsize_mismatch;
};

struct writer {
	FILE *f;
	const char *path;
	struct chunk *c;
	struct buf scratch;
	uint32_t nchunks;
	uint64_t next_id, last_id;
	uint32_t limit;        /* fill chunks up to this offset */
	uint32_t per_chunk;    /* records per chunk, 0: as many as fit */
	uint32_t flags;
	unsigned minor;
	struct defects *def;
	uint64_t rng;
	uint64_t nrecords;
	FILE *layout; /* --layout: where each record went */
};

static bool in_list(const long *a, int n, long v)
{
	for (int i = 0; i < n; i++)
		if (a[i] == v)
			return true;
	return false;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void chunk_reset(struct writer *w)
{
	struct chunk *c = w->c;
	static uint32_t gen;

	memset(c->d, 0, CHUNK_SIZE);
	memset(c->str_heads, 0, sizeof c->str_heads);
	memset(c->tmpl_heads, 0, sizeof c->tmpl_heads);
	c->free = CHUNK_HEADER;
	c->last_off = 0;
	c->nrec = 0;
	c->nslack = 0;
	c->first_id = c->last_id = 0;
	c->gen = ++gen;
}

static void encode_record(struct writer *w, const struct rec *r);

/* Write the chunk's slack records after its last live record, encoded as
 * they would be there, leaving the chunk's tables as the live records left
 * them: the free-space offset and the data CRC32 do not cover them. */
static void write_slack(struct writer *w)
{
	struct chunk *c = w->c;
	uint32_t live_end = c->free, at = c->free;

	for (int i = 0; i < c->nslack; i++) {
		c->free = at;
		encode_record(w, c->slack[i]);
		chunk_undo_attempt(c);
		if (at + w->scratch.len + 8 > CHUNK_SIZE)
			die("slack record %" PRIu64 " does not fit in its chunk", c->slack[i]->recid);
		memcpy(c->d + at, w->scratch.p, w->scratch.len);
		at += (uint32_t)w->scratch.len;
	}
	c->free = live_end;
}

static void chunk_flush(struct writer *w)
{
	struct chunk *c = w->c;
	unsigned char *d = c->d;
	long k = (long)w->nchunks;

	write_slack(w);
	memcpy(d, "ElfChnk", 8);
	set64(d + 8, c->first_id);
	set64(d + 16, c->last_id);
	set64(d + 24, c->first_id);
	set64(d + 32, c->last_id);
	set32(d + 40, 128);
	set32(d + 44, c->last_off);
	set32(d + 48, c->free);
	for (int i = 0; i < 64; i++)
		set32(d + 128 + 4 * i, c->str_heads[i]);
	for (int i = 0; i < 32; i++)
		set32(d + 384 + 4 * i, c->tmpl_heads[i]);
	set32(d + 120, 1);
	uint32_t crc = (uint32_t)crc32(0, d + CHUNK_HEADER, c->free - CHUNK_HEADER);
	if (in_list(w->def->bad_crc, w->def->nbad_crc, k))
		crc ^= 0x5a5a5a5au;
	set32(d + 52, crc);
	crc = (uint32_t)crc32(0, d, 120);
	crc = (uint32_t)crc32(crc, d + 128, CHUNK_HEADER - 128);
	if (in_list(w->def->bad_hdr_crc, w->def->nbad_hdr_crc, k))
		crc ^= 0xa5a5a5a5u;
	set32(d + 124, crc);
	if (in_list(w->def->garbage, w->def->ngarbage, k))
		for (uint32_t i = c->free; i < CHUNK_SIZE; i++)
			d[i] = (unsigned char)(rng_next(&w->rng) >> 56);
	if (in_list(w->def->zero, w->def->nzero, k))
		memset(d, 0, CHUNK_SIZE);
	if (fwrite(d, 1, CHUNK_SIZE, w->f) != CHUNK_SIZE)
		die("%s: %s", w->path, strerror(errno));
	w->nchunks++;
	if (w->nchunks > 0xffff)
		die("more than 65535 chunks");
	chunk_reset(w);
}

/* Encode one record at the chunk's free offset into the scratch buffer. */
static void encode_record(struct writer *w, const struct rec *r)
{
	struct buf *b = &w->scratch;
	struct chunk *c = w->c;

	b->len = 0;
	chunk_begin_attempt(c);
	put32(b, 0x00002a2a);
	put32(b, 0);
	put64(b, r->recid);
	put64(b, (uint64_t)r->time);
	put_binxml(c, b, r);
	put8(b, 0x00);
	while ((b->len + 4) % 8)
		put8(b, 0);
	put32(b, 0);
	set32(b->p + 4, (uint32_t)b->len);
	uint32_t tail = (uint32_t)b->len;
	for (int i = 0; i < w->def->nsize_mismatch; i++)
		if (w->def->size_mismatch[i] == r->recid)
			tail += 8;
	set32(b->p + b->len - 4, tail);
}

static void write_record(struct writer *w, struct rec *r)
{
	struct chunk *c = w->c;

	if (r->slack) {
		if (c->nslack == (int)(sizeof c->slack / sizeof c->slack[0]))
			die("more than 16 slack records in a chunk");
		c->slack[c->nslack++] = r;
		return;
	}
	if (w->per_chunk && c->nrec >= w->per_chunk)
		chunk_flush(w);
	encode_record(w, r);
	/* Strictly below the limit: a record must never end at the chunk's end. */
	if (c->free + w->scratch.len >= w->limit) {
		chunk_undo_attempt(c);
		if (c->nrec == 0)
			die("record %" PRIu64 " (%zu bytes) does not fit in a chunk", r->recid, w->scratch.len);
		chunk_flush(w);
		encode_record(w, r);
		if (c->free + w->scratch.len >= w->limit)
			die("record %" PRIu64 " (%zu bytes) does not fit in a chunk", r->recid, w->scratch.len);
	}
	memcpy(c->d + c->free, w->scratch.p, w->scratch.len);
	if (w->layout)
		fprintf(w->layout, "%" PRIu64 "\t%" PRIu32 "\t%" PRIu32 "\t%zu\n", r->recid, w->nchunks, c->free,
		    w->scratch.len);
	c->last_off = c->free;
	c->free += (uint32_t)w->scratch.len;
	if (c->nrec++ == 0)
		c->first_id = r->recid;
	c->last_id = r->recid;
	w->last_id = r->recid;
	w->nrecords++;
}

static void writer_open(struct writer *w, const char *path, struct defects *def)
{
	static unsigned char zero[FILE_HEADER];

	w->path = path;
	w->f = fopen(path, "wb");
	if (!w->f)
		die("%s: %s", path, strerror(errno));
	if (fwrite(zero, 1, FILE_HEADER, w->f) != FILE_HEADER)
		die("%s: %s", path, strerror(errno));
	w->c = xmalloc(sizeof *w->c);
	memset(w->c, 0, sizeof *w->c);
	w->def = def;
	if (!w->limit)
		w->limit = CHUNK_SIZE;
	if (!w->minor)
		w->minor = 1;
	if (!w->rng)
		w->rng = 0x9e3779b97f4a7c15ULL;
	chunk_reset(w);
}

static void writer_close(struct writer *w)
{
	unsigned char h[FILE_HEADER];

	if (w->c->nrec || w->c->nslack || w->nchunks == 0)
		chunk_flush(w);
	memset(h, 0, sizeof h);
	memcpy(h, "ElfFile", 8);
	set64(h + 8, 0);
	set64(h + 16, w->nchunks - 1);
	set64(h + 24, w->nrecords ? w->last_id + 1 : w->next_id);
	set32(h + 32, 128);
	set16(h + 36, w->minor);
	set16(h + 38, 3);
	set16(h + 40, FILE_HEADER);
	set16(h + 42, w->nchunks);
	set32(h + 120, w->flags);
	set32(h + 124, (uint32_t)crc32(0, h, 120));
	if (fseek(w->f, 0, SEEK_SET) || fwrite(h, 1, FILE_HEADER, w->f) != FILE_HEADER)
		die("%s: %s", w->path, strerror(errno));
	if (fflush(w->f))
		die("%s: %s", w->path, strerror(errno));
	if (w->def->truncate > 0 && ftruncate(fileno(w->f), (off_t)w->def->truncate))
		die("%s: %s", w->path, strerror(errno));
	if (fclose(w->f))
		die("%s: %s", w->path, strerror(errno));
	free(w->c->undo.name_ids);
	free(w->c->undo.tmpl_ids);
	free(w->c);
	free(w->scratch.p);
}

/* --------------------------------------------------------- canonical dump */

static int cmp_pair(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	return strcmp(*x, *y);
}

static void dump_record(FILE *o, const struct rec *r, bool sorted)
{
	struct buf b = {0};
	char t[64];
	const struct profile *p = r->p;

	fmt_time(t, sizeof t, r->time, false);
	bufprintf(&b, "record=%" PRIu64 "\teid=%u\ttime=%s\tcomputer=", r->sysid ? r->sysid : r->recid, r->eid, t);
	put_canon(&b, r->computer, strlen(r->computer));
	bufprintf(&b, "\tprovider=");
	put_canon(&b, r->provider, strlen(r->provider));
	bufprintf(&b, "\tguid=");
	fmt_guid(&b, r->guid);
	bufprintf(&b, "\tchannel=");
	put_canon(&b, r->channel, strlen(r->channel));
	bufprintf(&b, "\tversion=%u\tlevel=%u\ttask=%u\topcode=%u\tkeywords=0x%016" PRIx64 "\tpid=%" PRIu32 "\ttid=%" PRIu32,
	    r->version, r->level, r->task, r->opcode, r->keywords, r->pid, r->tid);
	if (r->has_userid) {
		bufprintf(&b, "\tuserid=");
		fmt_sid(&b, r->userid);
	}
	if (r->has_activity) {
		bufprintf(&b, "\tactivity=");
		fmt_guid(&b, r->activity);
	}
	if (p->userdata)
		bufprintf(&b, "\tuserdata=%s", p->wrapper);
	char **pairs = xmalloc(((size_t)p->nf + 1) * sizeof *pairs);
	for (int i = 0; i < p->nf; i++) {
		struct buf v = {0};
		bufprintf(&v, "%s=", p->f[i].name);
		put_val_canon(&v, &r->v[i]);
		put8(&v, 0);
		pairs[i] = (char *)v.p;
	}
	if (sorted)
		qsort(pairs, (size_t)p->nf, sizeof *pairs, cmp_pair);
	for (int i = 0; i < p->nf; i++) {
		bufprintf(&b, "\t%s", pairs[i]);
		free(pairs[i]);
	}
	free(pairs);
	put8(&b, '\n');
	fwrite(b.p, 1, b.len, o);
	free(b.p);
}

/* ------------------------------------------------------ scenario: parsing */

struct stmt {
	const char *file;
	int line;
	char **tok;
	int ntok;
	int end; /* repeat: index of its end */
};

static struct stmt *stmts;
static int nstmts, capstmts;

/* Split a logical line into raw tokens; quotes and ${...} keep blanks. */
static void tokenize(struct stmt *st, const char *s)
{
	int cap = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		const char *start = s;
		bool q = false;
		while (*s && (q || (*s != ' ' && *s != '\t'))) {
			if (*s == '"') {
				if (q && s[1] == '"')
					s += 2;
				else {
					q = !q;
					s++;
				}
			} else if (*s == '$' && s[1] == '{') {
				int depth = 0;
				bool sq = false;
				for (s += 1; *s; s++) {
					if (sq) {
						if (*s == '"' && s[1] == '"')
							s++;
						else if (*s == '"')
							sq = false;
					} else if (*s == '"')
						sq = true;
					else if (*s == '{')
						depth++;
					else if (*s == '}' && --depth == 0)
						break;
				}
				if (!*s)
					die("unterminated ${");
				s++;
			} else
				s++;
		}
		if (q)
			die("unterminated quote");
		if (st->ntok == cap) {
			cap = cap ? cap * 2 : 16;
			st->tok = xrealloc(st->tok, (size_t)cap * sizeof *st->tok);
		}
		st->tok[st->ntok++] = xstrndup(start, (size_t)(s - start));
	}
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = {0};
	char tmp[65536];
	size_t n;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		putbytes(&b, tmp, n);
	if (ferror(f))
		die("%s: %s", path, strerror(errno));
	fclose(f);
	put8(&b, 0);
	return (char *)b.p;
}

static void parse_file(const char *path, int depth)
{
	char *text = read_file(path);
	char *line = text;
	int lineno = 0;
	struct buf logical = {0};
	int logical_line = 0;

	if (depth > 8)
		die("includes nest too deeply");
	for (;;) {
		char *nl = line ? strchr(line, '\n') : NULL;
		bool eof = line == NULL || (!nl && !*line);
		if (nl)
			*nl = '\0';
		if (!eof)
			lineno++;
		if (!eof && line[0] && (line[0] == ' ' || line[0] == '\t')) {
			const char *t = line;
			while (*t == ' ' || *t == '\t')
				t++;
			if (*t && *t != '#') {
				if (!logical.len) {
					where_file = path;
					where_line = lineno;
					die("continuation line with nothing to continue");
				}
				put8(&logical, ' ');
				putbytes(&logical, t, strlen(t));
			}
		} else {
			if (logical.len) {
				put8(&logical, 0);
				struct stmt st = {path, logical_line, NULL, 0, -1};
				where_file = path;
				where_line = logical_line;
				tokenize(&st, (char *)logical.p);
				logical.len = 0;
				if (st.ntok == 2 && !strcmp(st.tok[0], "include")) {
					char *dir = xstrdup(path), *slash = strrchr(dir, '/');
					char *inc;
					if (st.tok[1][0] == '/' || !slash)
						inc = xstrdup(st.tok[1]);
					else {
						slash[1] = '\0';
						inc = xmalloc(strlen(dir) + strlen(st.tok[1]) + 1);
						strcpy(inc, dir);
						strcat(inc, st.tok[1]);
					}
					parse_file(inc, depth + 1);
					free(dir);
				} else if (st.ntok) {
					if (nstmts == capstmts) {
						capstmts = capstmts ? capstmts * 2 : 256;
						stmts = xrealloc(stmts, (size_t)capstmts * sizeof *stmts);
					}
					stmts[nstmts++] = st;
				}
			}
			if (eof)
				break;
			const char *t = line;
			while (*t == ' ' || *t == '\t')
				t++;
			if (*t && *t != '#') {
				putbytes(&logical, line, strlen(line));
				logical_line = lineno;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	free(logical.p);
	where_file = NULL;
}

/* ---------------------------------------------------- scenario: values */

/* Set while the branch a ?: does not take is parsed: it has no effects
 * (no rand() draws) and raises no errors. */
static bool skipping;

struct xv {
	bool str;
	int64_t n;
	char *s; /* owned */
};

struct var {
	char *name;
	struct xv v;
};

static struct var *vars;
static int nvars;
static uint64_t rng_state = 0x853c49e6748fea9bULL;
static int64_t cur_time = -1; /* the time of the event being built */

static struct xv xv_int(int64_t n)
{
	return (struct xv){false, n, NULL};
}

static struct xv xv_str(const char *s, size_t n)
{
	return (struct xv){true, 0, xstrndup(s, n)};
}

static struct xv xv_copy(const struct xv *v)
{
	return v->str ? xv_str(v->s, strlen(v->s)) : *v;
}

static void xv_free(struct xv *v)
{
	if (v->str)
		free(v->s);
	v->s = NULL;
}

static char *xv_text(const struct xv *v)
{
	if (v->str)
		return xstrdup(v->s);
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%" PRId64, v->n);
	return xstrdup(tmp);
}

static int64_t xv_num(const struct xv *v)
{
	if (!v->str || skipping)
		return skipping ? 0 : v->n;
	char *end;
	errno = 0;
	long long n = strtoll(v->s, &end, 0);
	if (!*v->s || *end || errno)
		die("\"%s\" is not a number", v->s);
	return n;
}

static struct var *var_find(const char *name)
{
	for (int i = 0; i < nvars; i++)
		if (!strcmp(vars[i].name, name))
			return &vars[i];
	return NULL;
}

static void var_set(const char *name, struct xv v)
{
	struct var *x = var_find(name);

	if (!x) {
		vars = xrealloc(vars, (size_t)(nvars + 1) * sizeof *vars);
		x = &vars[nvars++];
		x->name = xstrdup(name);
		x->v = xv_int(0);
	}
	xv_free(&x->v);
	x->v = v;
}

/* -------------------------------------------------- scenario: expressions */

struct lexer {
	const char *p;
};

static void skip_ws(struct lexer *l)
{
	while (*l->p == ' ' || *l->p == '\t')
		l->p++;
}

static bool accept(struct lexer *l, const char *op)
{
	skip_ws(l);
	size_t n = strlen(op);
	if (strncmp(l->p, op, n) != 0)
		return false;
	/* do not take '<' from '<=' or '=' from '==' etc. */
	if (n == 1 && (op[0] == '<' || op[0] == '>' || op[0] == '!') && l->p[1] == '=')
		return false;
	l->p += n;
	return true;
}

static void expect(struct lexer *l, const char *op)
{
	if (!accept(l, op))
		die("expected '%s' at \"%.20s\"", op, l->p);
}

static struct xv expr(struct lexer *l);

static struct xv call(const char *fn, struct xv *a, int n)
{
	char tmp[64];
	struct xv r;

#define NARGS(k) do { if (n != (k)) die("%s() takes %d arguments", fn, (k)); } while (0)
	if (!strcmp(fn, "rand")) {
		NARGS(1);
		int64_t m = xv_num(&a[0]);
		if (m <= 0)
			die("rand() of %" PRId64, m);
		return xv_int((int64_t)(rng_next(&rng_state) % (uint64_t)m));
	}
	if (!strcmp(fn, "pick")) {
		if (n < 2)
			die("pick() needs an index and choices");
		int64_t k = xv_num(&a[0]) % (n - 1);
		if (k < 0)
			k += n - 1;
		return xv_copy(&a[1 + k]);
	}
	if (!strcmp(fn, "in")) {
		if (n < 2)
			die("in() needs a value and choices");
		for (int i = 1; i < n; i++) {
			if (!a[0].str && !a[i].str) {
				if (a[0].n == a[i].n)
					return xv_int(1);
			} else {
				char *x = xv_text(&a[0]), *y = xv_text(&a[i]);
				int eq = !strcmp(x, y);
				free(x);
				free(y);
				if (eq)
					return xv_int(1);
			}
		}
		return xv_int(0);
	}
	if (!strcmp(fn, "ip")) {
		NARGS(2);
		unsigned o[4];
		char *base = xv_text(&a[0]);
		if (sscanf(base, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]) != 4)
			die("ip(): \"%s\" is not an IPv4 address", base);
		free(base);
		uint32_t v = (o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]) + (uint32_t)xv_num(&a[1]);
		snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255);
		return xv_str(tmp, strlen(tmp));
	}
	if (!strcmp(fn, "chr")) {
		NARGS(1);
		struct buf b = {0};
		int64_t cp = xv_num(&a[0]);
		if (cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			die("chr(%" PRId64 ") is not a character (NUL is refused: readers end strings there)", cp);
		put_utf8(&b, (uint32_t)cp);
		r = xv_str((char *)b.p, b.len);
		free(b.p);
		return r;
	}
	if (!strcmp(fn, "repeat")) {
		NARGS(2);
		struct buf b = {0};
		char *s = xv_text(&a[0]);
		for (int64_t i = xv_num(&a[1]); i > 0; i--)
			putbytes(&b, s, strlen(s));
		free(s);
		r = xv_str(b.len ? (char *)b.p : "", b.len);
		free(b.p);
		return r;
	}
	if (!strcmp(fn, "q")) {
		NARGS(1);
		char *t = xv_text(&a[0]);
		struct buf b = {0};
		put8(&b, '"');
		putbytes(&b, t, strlen(t));
		put8(&b, '"');
		r = xv_str((char *)b.p, b.len);
		free(b.p);
		free(t);
		return r;
	}
	if (!strcmp(fn, "hex")) {
		NARGS(1);
		snprintf(tmp, sizeof tmp, "0x%" PRIx64, (uint64_t)xv_num(&a[0]));
		return xv_str(tmp, strlen(tmp));
	}
	if (!strcmp(fn, "hexw") || !strcmp(fn, "dec")) {
		NARGS(2);
		int w = (int)xv_num(&a[1]);
		if (w < 0 || w > 20)
			die("%s(): bad width", fn);
		if (fn[0] == 'h')
			snprintf(tmp, sizeof tmp, "%0*" PRIX64, w, (uint64_t)xv_num(&a[0]));
		else
			snprintf(tmp, sizeof tmp, "%0*" PRId64, w, xv_num(&a[0]));
		return xv_str(tmp, strlen(tmp));
	}
	if (!strcmp(fn, "min") || !strcmp(fn, "max")) {
		NARGS(2);
		int64_t x = xv_num(&a[0]), y = xv_num(&a[1]);
		return xv_int(fn[1] == 'i' ? (x < y ? x : y) : (x > y ? x : y));
	}
	if (!strcmp(fn, "sysmontime")) {
		NARGS(0);
		if (cur_time < 0)
			die("sysmontime() outside an event");
		fmt_time(tmp, sizeof tmp, cur_time, true);
		return xv_str(tmp, strlen(tmp));
	}
#undef NARGS
	die("unknown function %s()", fn);
}

static struct xv primary(struct lexer *l)
{
	skip_ws(l);
	const char *p = l->p;

	if (accept(l, "(")) {
		struct xv v = expr(l);
		expect(l, ")");
		return v;
	}
	if (isdigit((unsigned char)*p)) {
		char *end;
		errno = 0;
		long long n = strtoll(p, &end, 0);
		if (errno)
			die("number out of range at \"%.20s\"", p);
		l->p = end;
		return xv_int(n);
	}
	if (*p == '"') {
		/* as in tokens: backslashes are literal, "" is one quote */
		struct buf b = {0};
		for (p++;; p++) {
			if (!*p)
				die("unterminated string in expression");
			if (*p == '"') {
				if (p[1] != '"')
					break;
				p++;
			}
			put8(&b, (unsigned char)*p);
		}
		l->p = p + 1;
		struct xv v = xv_str(b.len ? (char *)b.p : "", b.len);
		free(b.p);
		return v;
	}
	if (isalpha((unsigned char)*p) || *p == '_') {
		const char *s = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		char *id = xstrndup(s, (size_t)(p - s));
		l->p = p;
		if (accept(l, "(")) {
			struct xv args[32];
			int n = 0;
			if (!accept(l, ")")) {
				do {
					if (n == 32)
						die("too many arguments");
					args[n++] = expr(l);
				} while (accept(l, ","));
				expect(l, ")");
			}
			struct xv r = skipping ? xv_int(0) : call(id, args, n);
			for (int i = 0; i < n; i++)
				xv_free(&args[i]);
			free(id);
			return r;
		}
		struct var *v = var_find(id);
		if (!v && !skipping)
			die("unknown variable %s", id);
		free(id);
		return v ? xv_copy(&v->v) : xv_int(0);
	}
	die("unexpected \"%.20s\" in expression", p);
}

static struct xv unary(struct lexer *l)
{
	if (accept(l, "-")) {
		struct xv v = unary(l);
		int64_t n = xv_num(&v);
		xv_free(&v);
		return xv_int(-n);
	}
	if (accept(l, "!")) {
		struct xv v = unary(l);
		int64_t n = xv_num(&v);
		xv_free(&v);
		return xv_int(!n);
	}
	return primary(l);
}

static struct xv mul(struct lexer *l)
{
	struct xv a = unary(l);
	for (;;) {
		int op = accept(l, "*") ? '*' : accept(l, "/") ? '/' : accept(l, "%") ? '%' : 0;
		if (!op)
			return a;
		struct xv b = unary(l);
		int64_t x = xv_num(&a), y = xv_num(&b);
		xv_free(&a);
		xv_free(&b);
		if (op != '*' && y == 0) {
			if (!skipping)
				die("division by zero");
			y = 1;
		}
		a = xv_int(op == '*' ? x * y : op == '/' ? x / y : x % y);
	}
}

static struct xv add(struct lexer *l)
{
	struct xv a = mul(l);
	for (;;) {
		int op = accept(l, "+") ? '+' : accept(l, "-") ? '-' : 0;
		if (!op)
			return a;
		struct xv b = mul(l);
		if (op == '+' && (a.str || b.str)) {
			char *x = xv_text(&a), *y = xv_text(&b);
			struct buf t = {0};
			putbytes(&t, x, strlen(x));
			putbytes(&t, y, strlen(y));
			xv_free(&a);
			a = xv_str(t.len ? (char *)t.p : "", t.len);
			free(t.p);
			free(x);
			free(y);
		} else {
			int64_t x = xv_num(&a), y = xv_num(&b);
			xv_free(&a);
			a = xv_int(op == '+' ? x + y : x - y);
		}
		xv_free(&b);
	}
}

static struct xv cmp(struct lexer *l)
{
	struct xv a = add(l);
	static const char *ops[] = {"==", "!=", "<=", ">=", "<", ">"};
	for (int i = 0; i < 6; i++) {
		if (!accept(l, ops[i]))
			continue;
		struct xv b = add(l);
		int c;
		if (a.str || b.str) {
			char *x = xv_text(&a), *y = xv_text(&b);
			c = strcmp(x, y);
			free(x);
			free(y);
		} else
			c = a.n < b.n ? -1 : a.n > b.n;
		xv_free(&a);
		xv_free(&b);
		bool r = i == 0 ? c == 0 : i == 1 ? c != 0 : i == 2 ? c <= 0 : i == 3 ? c >= 0 : i == 4 ? c < 0 : c > 0;
		return xv_int(r);
	}
	return a;
}

static struct xv and_(struct lexer *l)
{
	struct xv a = cmp(l);
	while (accept(l, "&&")) {
		struct xv b = cmp(l);
		int64_t r = xv_num(&a) && xv_num(&b);
		xv_free(&a);
		xv_free(&b);
		a = xv_int(r);
	}
	return a;
}

static struct xv or_(struct lexer *l)
{
	struct xv a = and_(l);
	while (accept(l, "||")) {
		struct xv b = and_(l);
		int64_t r = xv_num(&a) || xv_num(&b);
		xv_free(&a);
		xv_free(&b);
		a = xv_int(r);
	}
	return a;
}

/* c ? a : b evaluates only the branch it takes. */
static struct xv expr(struct lexer *l)
{
	struct xv c = or_(l);
	if (!accept(l, "?"))
		return c;
	bool t = xv_num(&c) != 0, outer = skipping;
	xv_free(&c);
	skipping = outer || !t;
	struct xv a = expr(l);
	expect(l, ":");
	skipping = outer || t;
	struct xv b = expr(l);
	skipping = outer;
	if (t) {
		xv_free(&b);
		return a;
	}
	xv_free(&a);
	return b;
}

/* Evaluate a raw token value: quotes, ${...} and literal text.  A value
 * that is exactly one ${...} keeps the expression's type. */
static struct xv eval_value(const char *s)
{
	struct buf b = {0};
	size_t n = strlen(s);

	if (n > 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}') {
		/* one expression only when its braces match at the very end */
		struct lexer l = {s + 2};
		char *inner = xstrndup(s + 2, n - 3);
		l.p = inner;
		struct xv v = expr(&l);
		skip_ws(&l);
		if (!*l.p) {
			free(inner);
			return v;
		}
		xv_free(&v);
		free(inner);
	}
	bool q = false;
	for (const char *p = s; *p;) {
		if (*p == '"') {
			if (q && p[1] == '"') {
				put8(&b, '"');
				p += 2;
			} else {
				q = !q;
				p++;
			}
		} else if (*p == '$' && p[1] == '{') {
			struct lexer l = {p + 2};
			struct xv v = expr(&l);
			skip_ws(&l);
			if (*l.p != '}')
				die("expected '}' at \"%.20s\"", l.p);
			char *t = xv_text(&v);
			putbytes(&b, t, strlen(t));
			free(t);
			xv_free(&v);
			p = l.p + 1;
		} else
			put8(&b, (unsigned char)*p++);
	}
	struct xv v = xv_str(b.len ? (char *)b.p : "", b.len);
	free(b.p);
	return v;
}

/* Split KEY=VALUE (the '=' outside quotes and ${}); key is NULL for a word. */
static char *split_key(const char *tok, const char **value)
{
	for (const char *p = tok; *p; p++) {
		if (*p == '=') {
			*value = p + 1;
			return xstrndup(tok, (size_t)(p - tok));
		}
		if (*p == '"' || *p == '$')
			break;
	}
	*value = tok;
	return NULL;
}

static char *eval_text(const char *raw)
{
	struct xv v = eval_value(raw);
	char *t = xv_text(&v);
	xv_free(&v);
	return t;
}

/* -------------------------------------------------- scenario: statements */

static struct profile **profiles;
static int nprofiles;
static struct rec **recs;
static size_t nrecs, caprecs;
static long seqno;

struct defaults {
	char *computer;
} dflt;

struct options {
	bool sort;
	uint64_t first_id;
	uint32_t limit, per_chunk, flags, minor;
} opt = {true, 1, CHUNK_SIZE, 0, 0, 1};

static struct defects defects;

static struct profile *profile_find(const char *name)
{
	for (int i = 0; i < nprofiles; i++)
		if (!strcmp(profiles[i]->name, name))
			return profiles[i];
	return NULL;
}

static const struct ftype *ftype_find(const char *name)
{
	for (size_t i = 0; i < sizeof ftypes / sizeof ftypes[0]; i++)
		if (!strcmp(ftypes[i].name, name))
			return &ftypes[i];
	return NULL;
}

static uint64_t need_uint(const char *key, const char *v, uint64_t max)
{
	uint64_t u;
	if (!parse_uint(v, max, &u))
		die("%s=%s: not a number up to %" PRIu64, key, v, max);
	return u;
}

/* System keys shared by profiles and events; false when key is not one. */
struct sys {
	const char **computer, **provider, **guidtext, **channel;
	unsigned char *guid;
	uint16_t *eid, *task;
	uint8_t *version, *level, *opcode;
	uint64_t *keywords;
	uint32_t *pid, *tid;
	bool *has_userid, *has_activity;
	unsigned char *userid, *activity;
	uint8_t *userid_len;
};

static bool set_sys(struct sys *s, const char *key, char *v)
{
	if (!strcmp(key, "computer"))
		*s->computer = v;
	else if (!strcmp(key, "provider"))
		*s->provider = v;
	else if (!strcmp(key, "channel"))
		*s->channel = v;
	else if (!strcmp(key, "guid")) {
		if (!parse_guid(v, s->guid))
			die("guid=%s: not a {GUID}", v);
		*s->guidtext = v;
	} else if (!strcmp(key, "id"))
		*s->eid = (uint16_t)need_uint(key, v, 0xffff);
	else if (!strcmp(key, "task"))
		*s->task = (uint16_t)need_uint(key, v, 0xffff);
	else if (!strcmp(key, "version"))
		*s->version = (uint8_t)need_uint(key, v, 0xff);
	else if (!strcmp(key, "level"))
		*s->level = (uint8_t)need_uint(key, v, 0xff);
	else if (!strcmp(key, "opcode"))
		*s->opcode = (uint8_t)need_uint(key, v, 0xff);
	else if (!strcmp(key, "keywords"))
		*s->keywords = need_uint(key, v, UINT64_MAX);
	else if (!strcmp(key, "pid"))
		*s->pid = (uint32_t)need_uint(key, v, 0xffffffffULL);
	else if (!strcmp(key, "tid"))
		*s->tid = (uint32_t)need_uint(key, v, 0xffffffffULL);
	else if (!strcmp(key, "userid")) {
		*s->userid_len = (uint8_t)parse_sid(v, s->userid);
		if (!*s->userid_len)
			die("userid=%s: not a SID", v);
		*s->has_userid = true;
	} else if (!strcmp(key, "activity")) {
		if (!parse_guid(v, s->activity))
			die("activity=%s: not a {GUID}", v);
		*s->has_activity = true;
	} else
		return false;
	return true;
}

#define SYS_OF(x) { (const char **)&(x)->computer, (const char **)&(x)->provider, \
	(const char **)&(x)->guidtext, (const char **)&(x)->channel, (x)->guid, &(x)->eid, &(x)->task, \
	&(x)->version, &(x)->level, &(x)->opcode, &(x)->keywords, &(x)->pid, &(x)->tid, \
	&(x)->has_userid, &(x)->has_activity, (x)->userid, (x)->activity, &(x)->userid_len }

static void do_profile(struct stmt *st)
{
	if (st->ntok < 2)
		die("profile needs a name");
	struct profile *p = xmalloc(sizeof *p);
	memset(p, 0, sizeof *p);
	p->name = eval_text(st->tok[1]);
	if (profile_find(p->name))
		die("profile %s is defined twice", p->name);
	for (int i = 2; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		char *colon = strchr(key ? key : st->tok[i], ':');
		if (colon) {
			/* FIELD:TYPE or FIELD:TYPE=DEFAULT */
			char *decl = xstrdup(key ? key : st->tok[i]);
			colon = strchr(decl, ':');
			*colon = '\0';
			const struct ftype *ft = ftype_find(colon + 1);
			if (!ft)
				die("profile %s: unknown type %s", p->name, colon + 1);
			p->f = xrealloc(p->f, (size_t)(p->nf + 1) * sizeof *p->f);
			p->f[p->nf++] = (struct field){decl, ft, key != NULL, key ? eval_text(raw) : NULL};
			free(key);
			continue;
		}
		if (!key)
			die("profile %s: expected KEY=VALUE or FIELD:TYPE, got %s", p->name, st->tok[i]);
		char *v = eval_text(raw);
		if (!strcmp(key, "extends")) {
			struct profile *o = profile_find(v);
			if (!o)
				die("profile %s extends unknown profile %s", p->name, v);
			char *name = p->name;
			*p = *o;
			p->name = name;
			p->f = xmalloc((size_t)o->nf * sizeof *p->f);
			memcpy(p->f, o->f, (size_t)o->nf * sizeof *p->f);
			p->inner = NULL;
		} else if (!strcmp(key, "userdata")) {
			p->userdata = true;
			p->wrapper = v;
		} else if (!strcmp(key, "xmlns"))
			p->xmlns = v;
		else {
			struct sys s = SYS_OF(p);
			if (!set_sys(&s, key, v))
				die("profile %s: unknown key %s", p->name, key);
			if (!strcmp(key, "id"))
				p->has_id = true;
			if (!strcmp(key, "provider"))
				p->has_provider = true;
			if (!strcmp(key, "guid"))
				p->has_guid = true;
			if (!strcmp(key, "channel"))
				p->has_channel = true;
		}
		free(key);
	}
	if (!p->has_id || !p->has_provider || !p->has_guid || !p->has_channel)
		die("profile %s needs id=, provider=, guid= and channel=", p->name);
	if (p->userdata && !p->xmlns)
		die("profile %s: userdata= needs xmlns=", p->name);
	profiles = xrealloc(profiles, (size_t)(nprofiles + 1) * sizeof *profiles);
	profiles[nprofiles++] = p;
}

static int64_t resolve_time(const char *text, int64_t base)
{
	int64_t t;

	if (text[0] == '+' || text[0] == '-') {
		if (base < 0)
			die("relative time %s with no base time", text);
		if (!parse_duration(text, &t))
			die("bad duration %s", text);
		return base + t;
	}
	const char *z = strchr(text, 'Z');
	if (z && (z[1] == '+' || z[1] == '-')) {
		/* ISO+DURATION, e.g. ${day_time}+2h */
		char *iso = xstrndup(text, (size_t)(z + 1 - text));
		int64_t d;
		if (!parse_iso(iso, &t) || !parse_duration(z + 1, &d))
			die("bad time %s", text);
		free(iso);
		return t + d;
	}
	if (!parse_iso(text, &t))
		die("bad time %s (want 2024-03-11T09:14:02.1234567Z)", text);
	return t;
}

static void do_event(struct stmt *st, int64_t *base)
{
	if (st->ntok < 2)
		die("event needs a profile");
	char *pname = eval_text(st->tok[1]);
	struct profile *p = profile_find(pname);
	if (!p)
		die("unknown profile %s", pname);
	free(pname);

	struct rec *r = xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->p = p;
	r->computer = p->computer ? p->computer : dflt.computer;
	r->provider = p->provider;
	r->guidtext = p->guidtext;
	r->channel = p->channel;
	memcpy(r->guid, p->guid, 16);
	r->eid = p->eid;
	r->task = p->task;
	r->version = p->version;
	r->level = p->level;
	r->opcode = p->opcode;
	r->keywords = p->keywords;
	r->pid = p->pid;
	r->tid = p->tid;
	r->has_userid = p->has_userid;
	memcpy(r->userid, p->userid, sizeof r->userid);
	r->userid_len = p->userid_len;
	r->has_activity = p->has_activity;
	memcpy(r->activity, p->activity, 16);
	r->seq = seqno++;
	r->time = *base;

	/* time first, so sysmontime() can see it */
	for (int i = 2; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		if (key && !strcmp(key, "time")) {
			char *v = eval_text(raw);
			r->time = resolve_time(v, *base);
			free(v);
		}
		free(key);
	}
	if (r->time < 0)
		die("event with no time and no base time");
	cur_time = r->time;

	char **given = xmalloc(((size_t)p->nf + 1) * sizeof *given);
	memset(given, 0, ((size_t)p->nf + 1) * sizeof *given);
	for (int i = 2; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		if (!key)
			die("event: expected KEY=VALUE, got %s", st->tok[i]);
		if (!strcmp(key, "time")) {
			free(key);
			continue;
		}
		char *v = eval_text(raw);
		int k;
		for (k = 0; k < p->nf; k++)
			if (!strcmp(p->f[k].name, key))
				break;
		if (k < p->nf) {
			if (given[k])
				die("field %s given twice", key);
			given[k] = v;
		} else if (!strcmp(key, "recid") && v[0] == '+') {
			r->skip = need_uint(key, v + 1, UINT64_MAX);
			free(v);
		} else if (!strcmp(key, "recid")) {
			r->recid = need_uint(key, v, UINT64_MAX);
			r->explicit_id = true;
			free(v);
		} else if (!strcmp(key, "slack")) {
			if (strcmp(v, "yes") && strcmp(v, "no"))
				die("slack= takes yes or no");
			r->slack = !strcmp(v, "yes");
			free(v);
		} else if (!strcmp(key, "eventrecordid")) {
			r->sysid = need_uint(key, v, UINT64_MAX);
			if (!r->sysid)
				die("eventrecordid=0");
			free(v);
		} else {
			struct sys s = SYS_OF(r);
			if (!set_sys(&s, key, v))
				die("profile %s has no field %s", p->name, key);
		}
		free(key);
	}
	if (!r->computer)
		die("event with no computer= (and no default computer=)");
	r->v = xmalloc(((size_t)p->nf + 1) * sizeof *r->v);
	for (int k = 0; k < p->nf; k++) {
		const char *text = given[k];
		if (!text) {
			if (!p->f[k].has_def)
				die("event %s: field %s is missing", p->name, p->f[k].name);
			text = p->f[k].def;
		}
		if (!make_val(&r->v[k], p->f[k].ft->val, text))
			die("field %s=%s is not a valid %s", p->f[k].name, text, p->f[k].ft->name);
	}
	free(given);
	cur_time = -1;
	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 1024;
		recs = xrealloc(recs, caprecs * sizeof *recs);
	}
	recs[nrecs++] = r;
}

/* origin: computers whose records carry their own EventRecordIDs (a
 * forwarded log), numbered in time order after the sort. */
struct origin {
	char *computer;
	uint64_t next;
} *origins;
static int norigins;

static void do_origin(struct stmt *st)
{
	char *computer = NULL;
	uint64_t first = 0;

	for (int i = 1; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		char *v = eval_text(raw);
		if (key && !strcmp(key, "computer"))
			computer = xstrdup(v);
		else if (key && !strcmp(key, "first-id"))
			first = need_uint(key, v, UINT64_MAX);
		else
			die("origin: expected computer= and first-id=");
		free(key);
		free(v);
	}
	if (!computer || !first)
		die("origin needs computer= and first-id=");
	origins = xrealloc(origins, (size_t)(norigins + 1) * sizeof *origins);
	origins[norigins++] = (struct origin){computer, first};
}

static void do_option(struct stmt *st)
{
	for (int i = 1; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		if (!key)
			die("option: expected KEY=VALUE");
		char *v = eval_text(raw);
		if (!strcmp(key, "sort"))
			opt.sort = !strcmp(v, "yes");
		else if (!strcmp(key, "seed"))
			rng_state = need_uint(key, v, UINT64_MAX) | 1;
		else if (!strcmp(key, "first-record-id"))
			opt.first_id = need_uint(key, v, UINT64_MAX);
		else if (!strcmp(key, "chunk-limit"))
			opt.limit = (uint32_t)need_uint(key, v, CHUNK_SIZE);
		else if (!strcmp(key, "records-per-chunk"))
			opt.per_chunk = (uint32_t)need_uint(key, v, 100000);
		else if (!strcmp(key, "minor-version"))
			opt.minor = (uint32_t)need_uint(key, v, 0xffff);
		else
			die("unknown option %s", key);
		free(key);
		free(v);
	}
}

static void do_header(struct stmt *st)
{
	for (int i = 1; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		char *v = eval_text(raw);
		if (!key || strcmp(key, "flags"))
			die("header: expected flags=dirty|full|dirty,full");
		for (char *f = strtok(v, ","); f; f = strtok(NULL, ","))
			if (!strcmp(f, "dirty"))
				opt.flags |= 1;
			else if (!strcmp(f, "full"))
				opt.flags |= 2;
			else
				opt.flags |= (uint32_t)need_uint("flags", f, 0xffffffffULL);
		free(key);
		free(v);
	}
}

static void do_defect(struct stmt *st)
{
	if (st->ntok < 2)
		die("defect needs a kind");
	const char *kind = st->tok[1];
	long chunk = -1;
	long long size = -1;
	uint64_t record = 0;

	for (int i = 2; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		char *v = eval_text(raw);
		if (!key)
			die("defect: expected KEY=VALUE");
		if (!strcmp(key, "chunk"))
			chunk = (long)need_uint(key, v, 0xffff);
		else if (!strcmp(key, "size"))
			size = (long long)need_uint(key, v, 1ULL << 40);
		else if (!strcmp(key, "record"))
			record = need_uint(key, v, UINT64_MAX);
		else
			die("defect: unknown key %s", key);
		free(key);
		free(v);
	}
#define ADD(list, n, v) do { if ((n) == 16) die("too many defects"); (list)[(n)++] = (v); } while (0)
	if (!strcmp(kind, "bad-crc") || !strcmp(kind, "bad-header-crc") || !strcmp(kind, "zero-chunk") ||
	    !strcmp(kind, "slack-garbage")) {
		if (chunk < 0)
			die("defect %s needs chunk=", kind);
		if (!strcmp(kind, "bad-crc"))
			ADD(defects.bad_crc, defects.nbad_crc, chunk);
		else if (!strcmp(kind, "bad-header-crc"))
			ADD(defects.bad_hdr_crc, defects.nbad_hdr_crc, chunk);
		else if (!strcmp(kind, "zero-chunk"))
			ADD(defects.zero, defects.nzero, chunk);
		else
			ADD(defects.garbage, defects.ngarbage, chunk);
	} else if (!strcmp(kind, "truncate")) {
		if (size < 0)
			die("defect truncate needs size=");
		defects.truncate = size;
	} else if (!strcmp(kind, "size-mismatch")) {
		if (!record)
			die("defect size-mismatch needs record=");
		ADD(defects.size_mismatch, defects.nsize_mismatch, record);
	} else
		die("unknown defect %s", kind);
#undef ADD
}

static void run(int from, int to, int64_t base, int depth);

static void do_repeat(int idx, int64_t base, int depth)
{
	struct stmt *st = &stmts[idx];
	const char *name = "i";
	char *namebuf = NULL;
	int64_t start = base, step = 0, jitter = 0;

	if (st->ntok < 2)
		die("repeat needs a count");
	struct xv cv = eval_value(st->tok[1]);
	int64_t count = xv_num(&cv);
	xv_free(&cv);
	for (int i = 2; i < st->ntok; i++) {
		const char *raw;
		char *key = split_key(st->tok[i], &raw);
		if (!key)
			die("repeat: expected KEY=VALUE, got %s", st->tok[i]);
		char *v = eval_text(raw);
		if (!strcmp(key, "as")) {
			namebuf = v;
			name = v;
			v = NULL;
		} else if (!strcmp(key, "time"))
			start = resolve_time(v, base);
		else if (!strcmp(key, "step")) {
			if (!parse_duration(v, &step))
				die("bad step %s", v);
		} else if (!strcmp(key, "jitter")) {
			if (!parse_duration(v, &jitter) || jitter < 0)
				die("bad jitter %s", v);
		} else
			die("repeat: unknown key %s", key);
		free(key);
		free(v);
	}
	char timevar[128];
	snprintf(timevar, sizeof timevar, "%s_time", name);
	struct var *old = var_find(name);
	struct xv saved = old ? xv_copy(&old->v) : xv_int(0);
	bool had = old != NULL;
	for (int64_t k = 0; k < count; k++) {
		int64_t t = start < 0 ? -1 : start + k * step;
		if (t >= 0 && jitter > 0)
			t += (int64_t)(rng_next(&rng_state) % (uint64_t)jitter);
		var_set(name, xv_int(k));
		if (t >= 0) {
			char iso[64];
			fmt_time(iso, sizeof iso, t, false);
			var_set(timevar, xv_str(iso, strlen(iso)));
		}
		run(idx + 1, st->end, t, depth + 1);
	}
	if (had)
		var_set(name, saved);
	else
		xv_free(&saved);
	free(namebuf);
}

/* Run statements [from, to) from the given base time: a relative time=+D
 * counts from the previous event of the block (or from a repeat that made
 * events), the first from the block's base (a repeat iteration's time). */
static void run(int from, int to, int64_t base, int depth)
{
	for (int i = from; i < to; i++) {
		struct stmt *st = &stmts[i];
		const char *kw = st->tok[0];
		where_file = st->file;
		where_line = st->line;
		if (!strcmp(kw, "repeat")) {
			size_t before = nrecs;
			do_repeat(i, base, depth);
			i = st->end;
			if (nrecs > before)
				base = recs[nrecs - 1]->time;
		} else if (!strcmp(kw, "end"))
			die("end without repeat");
		else if (!strcmp(kw, "event")) {
			do_event(st, &base);
			base = recs[nrecs - 1]->time;
		} else if (!strcmp(kw, "let")) {
			for (int k = 1; k < st->ntok; k++) {
				const char *raw;
				char *key = split_key(st->tok[k], &raw);
				if (!key)
					die("let: expected NAME=VALUE");
				var_set(key, eval_value(raw));
				free(key);
			}
		} else if (!strcmp(kw, "default")) {
			for (int k = 1; k < st->ntok; k++) {
				const char *raw;
				char *key = split_key(st->tok[k], &raw);
				if (!key || strcmp(key, "computer"))
					die("default: only computer= is supported");
				dflt.computer = eval_text(raw);
				free(key);
			}
		} else if (depth > 0)
			die("%s inside repeat", kw);
		else if (!strcmp(kw, "profile")) {
			do_profile(st);
		} else if (!strcmp(kw, "option"))
			do_option(st);
		else if (!strcmp(kw, "header"))
			do_header(st);
		else if (!strcmp(kw, "defect"))
			do_defect(st);
		else if (!strcmp(kw, "origin"))
			do_origin(st);
		else
			die("unknown statement %s", kw);
	}
}

static void match_repeats(void)
{
	int stack[64], depth = 0;

	for (int i = 0; i < nstmts; i++) {
		where_file = stmts[i].file;
		where_line = stmts[i].line;
		if (!strcmp(stmts[i].tok[0], "repeat")) {
			if (depth == 64)
				die("repeats nest too deeply");
			stack[depth++] = i;
		} else if (!strcmp(stmts[i].tok[0], "end")) {
			if (!depth)
				die("end without repeat");
			stmts[stack[--depth]].end = i;
		}
	}
	if (depth) {
		where_file = stmts[stack[depth - 1]].file;
		where_line = stmts[stack[depth - 1]].line;
		die("repeat without end");
	}
	where_file = NULL;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = *(struct rec *const *)a, *y = *(struct rec *const *)b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ------------------------------------------------------- bench generator */

/* A Windows-like Security log for benchmarks, streamed (nothing kept in
 * memory): one workstation, WS01 (10.0.10.21), CORP\alice.  It boots
 * (4688 for lsass 712, Dnscache svchost 1884, netsvcs svchost 1192), alice
 * logs on (4624) and starts applications (4688), which connect to their
 * usual destinations (5156; 2% blocked, 5157) alongside the services' DNS,
 * Kerberos and LDAP; now and then an application exits (4689) and another
 * starts with a fresh PID, so PIDs are reused over a long log; a network
 * logon (4624 type 3) now and then.  Records are 0.1 to 4 s apart: a
 * million records cover about three weeks.  About 90% 5156/5157. */
struct bench_app {
	const char *dev, *exe;
	unsigned port;
	const char *dest[4];
};

static const struct bench_app bench_apps[] = {
	{"\\device\\harddiskvolume2\\program files (x86)\\microsoft\\edge\\application\\msedge.exe",
	 "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", 443,
	 {"142.250.74.110", "13.107.42.14", "151.101.1.69", "::ffff:10.0.20.11"}},
	{"\\device\\harddiskvolume2\\program files\\microsoft office\\root\\office16\\outlook.exe",
	 "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", 443,
	 {"52.96.165.18", "52.96.165.18", "20.190.151.7", "52.96.165.18"}},
	{"\\device\\harddiskvolume2\\program files\\mozilla firefox\\firefox.exe",
	 "C:\\Program Files\\Mozilla Firefox\\firefox.exe", 443,
	 {"142.250.74.110", "151.101.1.69", "151.101.1.69", "142.250.74.110"}},
	{"\\device\\harddiskvolume2\\users\\alice\\appdata\\local\\microsoft\\teams\\current\\teams.exe",
	 "C:\\Users\\alice\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", 443,
	 {"52.113.194.132", "13.107.42.14", "52.113.194.132", "20.190.151.7"}},
	{"\\device\\harddiskvolume2\\program files\\microsoft onedrive\\onedrive.exe",
	 "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe", 443,
	 {"13.107.42.14", "13.107.42.14", "13.107.42.14", "13.107.42.14"}},
	{"\\device\\harddiskvolume2\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe",
	 "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", 5985,
	 {"10.0.10.30", "10.0.10.31", "10.0.10.32", "10.0.20.10"}},
};

#define BENCH_SLOTS 6

struct bench {
	struct writer w;
	struct profile p5156, p5157, p4688, p4689, p4624;
	uint64_t rng, id, logon;
	int64_t t;
	uint32_t pid[BENCH_SLOTS];
	int app[BENCH_SLOTS];
};

static void bench_profile(struct profile *p, uint16_t eid, uint16_t task, uint8_t ver, uint64_t kw,
    const char *const (*f)[2], int nf)
{
	memset(p, 0, sizeof *p);
	p->name = "bench";
	p->provider = "Microsoft-Windows-Security-Auditing";
	p->guidtext = "{54849625-5478-4994-A5BA-3E3B0328C30D}";
	parse_guid(p->guidtext, p->guid);
	p->channel = "Security";
	p->eid = eid;
	p->task = task;
	p->version = ver;
	p->keywords = kw;
	p->nf = nf;
	p->f = xmalloc((size_t)nf * sizeof *p->f);
	for (int i = 0; i < nf; i++)
		p->f[i] = (struct field){(char *)f[i][0], ftype_find(f[i][1]), false, NULL};
}

/* Write one record of profile p with the given field texts. */
static void bench_emit(struct bench *b, struct profile *p, uint32_t pid, uint32_t tid, const char **vals)
{
	struct val v[32];
	struct rec r;

	memset(&r, 0, sizeof r);
	r.p = p;
	r.computer = "WS01.corp.example";
	r.provider = p->provider;
	r.guidtext = p->guidtext;
	r.channel = p->channel;
	memcpy(r.guid, p->guid, 16);
	r.eid = p->eid;
	r.task = p->task;
	r.version = p->version;
	r.keywords = p->keywords;
	r.pid = pid;
	r.tid = tid;
	r.recid = ++b->id;
	r.time = b->t;
	r.v = v;
	for (int i = 0; i < p->nf; i++)
		if (!make_val(&v[i], p->f[i].ft->val, vals[i]))
			die("bench: bad value %s for %s", vals[i], p->f[i].name);
	write_record(&b->w, &r);
}

#define ALICE "S-1-5-21-3623811015-3361044348-30300820-1104"

static void bench_4688(struct bench *b, const char *subject_sid, const char *subject, const char *logon,
    uint32_t pid, const char *exe, const char *cmd, uint32_t parent, const char *parent_exe, const char *label)
{
	char spid[32], sparent[32];
	snprintf(spid, sizeof spid, "0x%" PRIx32, pid);
	snprintf(sparent, sizeof sparent, "0x%" PRIx32, parent);
	const char *v[] = {subject_sid, subject, "CORP", logon, spid, exe, "%%1936", sparent, cmd, "S-1-0-0",
		"-", "-", "0x0", parent_exe, label};
	bench_emit(b, &b->p4688, 4, 7012, v);
}

static void bench_start_app(struct bench *b, int slot)
{
	char logon[32], cmd[300];
	uint64_t x = rng_next(&b->rng);
	int app = (int)(x % (sizeof bench_apps / sizeof bench_apps[0]));

	/* PowerShell is rare: most of the time start a browser instead */
	if (app == 5 && (x >> 20) % 8)
		app = 0;
	b->app[slot] = app;
	b->pid[slot] = 0x400 + 4 * (uint32_t)((x >> 32) % 0x3c00);
	snprintf(logon, sizeof logon, "0x%" PRIx64, b->logon);
	snprintf(cmd, sizeof cmd, "\"%s\"", bench_apps[app].exe);
	bench_4688(b, ALICE, "alice", logon, b->pid[slot], bench_apps[app].exe, cmd, 0x1d98,
	    "C:\\Windows\\explorer.exe", "S-1-16-8192");
}

static void bench_security(const char *out, uint64_t n, uint64_t seed)
{
	static const char *const f5156[][2] = {{"ProcessID", "uint64"}, {"Application", "string"},
		{"Direction", "string"}, {"SourceAddress", "string"}, {"SourcePort", "string"},
		{"DestAddress", "string"}, {"DestPort", "string"}, {"Protocol", "uint32"},
		{"FilterRTID", "uint64"}, {"LayerName", "string"}, {"LayerRTID", "uint64"},
		{"RemoteUserID", "sid"}, {"RemoteMachineID", "sid"}};
	static const char *const f4688[][2] = {{"SubjectUserSid", "sid"}, {"SubjectUserName", "string"},
		{"SubjectDomainName", "string"}, {"SubjectLogonId", "hexint64"}, {"NewProcessId", "sizet"},
		{"NewProcessName", "string"}, {"TokenElevationType", "string"}, {"ProcessId", "sizet"},
		{"CommandLine", "string"}, {"TargetUserSid", "sid"}, {"TargetUserName", "string"},
		{"TargetDomainName", "string"}, {"TargetLogonId", "hexint64"}, {"ParentProcessName", "string"},
		{"MandatoryLabel", "sid"}};
	static const char *const f4689[][2] = {{"SubjectUserSid", "sid"}, {"SubjectUserName", "string"},
		{"SubjectDomainName", "string"}, {"SubjectLogonId", "hexint64"}, {"Status", "hexint32"},
		{"ProcessId", "sizet"}, {"ProcessName", "string"}};
	static const char *const f4624[][2] = {{"SubjectUserSid", "sid"}, {"SubjectUserName", "string"},
		{"SubjectDomainName", "string"}, {"SubjectLogonId", "hexint64"}, {"TargetUserSid", "sid"},
		{"TargetUserName", "string"}, {"TargetDomainName", "string"}, {"TargetLogonId", "hexint64"},
		{"LogonType", "uint32"}, {"LogonProcessName", "string"}, {"AuthenticationPackageName", "string"},
		{"WorkstationName", "string"}, {"LogonGuid", "guid"}, {"TransmittedServices", "string"},
		{"LmPackageName", "string"}, {"KeyLength", "uint32"}, {"ProcessId", "sizet"},
		{"ProcessName", "string"}, {"IpAddress", "string"}, {"IpPort", "string"},
		{"ImpersonationLevel", "string"}, {"RestrictedAdminMode", "string"},
		{"TargetOutboundUserName", "string"}, {"TargetOutboundDomainName", "string"},
		{"VirtualAccount", "string"}, {"TargetLinkedLogonId", "hexint64"}, {"ElevatedToken", "string"}};
	static struct defects none;
	struct bench *b = xmalloc(sizeof *b);
	char a[8][96];

	memset(b, 0, sizeof *b);
	bench_profile(&b->p5156, 5156, 12810, 1, 0x8020000000000000ULL, f5156, 13);
	bench_profile(&b->p5157, 5157, 12810, 1, 0x8010000000000000ULL, f5156, 13);
	bench_profile(&b->p4688, 4688, 13312, 2, 0x8020000000000000ULL, f4688, 15);
	bench_profile(&b->p4689, 4689, 13313, 0, 0x8020000000000000ULL, f4689, 7);
	bench_profile(&b->p4624, 4624, 12544, 2, 0x8020000000000000ULL, f4624, 27);
	b->w.rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	b->rng = seed * 0x2545F4914F6CDD1DULL + 7;
	writer_open(&b->w, out, &none);
	parse_iso("2024-03-04T07:00:00.0000000Z", &b->t);

	/* boot: the services, then alice's logon and explorer */
	static const struct { uint32_t pid; const char *cmd; } svc[] = {
		{712, "C:\\Windows\\system32\\lsass.exe"},
		{1192, "C:\\Windows\\system32\\svchost.exe -k netsvcs -p"},
		{1884, "C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache"},
	};
	for (size_t i = 0; i < 3 && b->id < n; i++) {
		b->t += 11000000;
		bench_4688(b, "S-1-5-18", "WS01$", "0x3e7", svc[i].pid,
		    i ? "C:\\Windows\\System32\\svchost.exe" : "C:\\Windows\\System32\\lsass.exe", svc[i].cmd,
		    i ? 0x2b4 : 0x27c, i ? "C:\\Windows\\System32\\services.exe" : "C:\\Windows\\System32\\wininit.exe",
		    "S-1-16-16384");
	}
	b->logon = 0x3e4a1c;
	if (b->id < n) {
		b->t += 300000000;
		const char *v[] = {"S-1-5-18", "WS01$", "CORP", "0x3e7", ALICE, "alice", "CORP", "0x3e4a1c", "2",
			"User32 ", "Negotiate", "WS01", "{6A3E1D2C-4A1C-4B1A-9C3E-5D7F1A2B3C4D}", "-", "-", "0",
			"0x3a0", "C:\\Windows\\System32\\svchost.exe", "127.0.0.1", "0", "%%1833", "-", "-", "-",
			"%%1843", "0x0", "%%1843"};
		bench_emit(b, &b->p4624, 712, 4480, v);
	}
	if (b->id < n) {
		b->t += 38000000;
		bench_4688(b, ALICE, "alice", "0x3e4a1c", 0x1d98, "C:\\Windows\\explorer.exe",
		    "C:\\Windows\\Explorer.EXE", 0x1b8, "C:\\Windows\\System32\\userinit.exe", "S-1-16-8192");
	}
	for (int slot = 0; slot < BENCH_SLOTS && b->id < n; slot++) {
		b->t += 20000000;
		bench_start_app(b, slot);
	}

	while (b->id < n) {
		uint64_t x = rng_next(&b->rng);
		unsigned r = (unsigned)(x % 1000);
		b->t += 1000000 + (int64_t)((x >> 10) % 40000000);
		if (r < 3) {
			/* a network logon from the file server (mapped drive check) */
			snprintf(a[0], sizeof a[0], "0x%" PRIx64, 0x9c0000 + (x >> 20) % 0xffff);
			snprintf(a[1], sizeof a[1], "%u", 49152 + (unsigned)((x >> 40) % 16000));
			snprintf(a[2], sizeof a[2], "{%08" PRIX32 "-77C1-2D0E-A8F4-51B6E3C2D9A7}", (uint32_t)(x >> 32));
			const char *v[] = {"S-1-0-0", "-", "-", "0x0", ALICE, "alice", "CORP", a[0], "3", "Kerberos",
				"Kerberos", "-", a[2], "-", "-", "0", "0x0", "-", "10.0.20.10", a[1], "%%1833", "-",
				"-", "-", "%%1843", "0x0", "%%1843"};
			bench_emit(b, &b->p4624, 712, 4480, v);
		} else if (r < 15) {
			/* an application exits; another starts a few seconds later */
			int slot = (int)((x >> 16) % BENCH_SLOTS);
			snprintf(a[0], sizeof a[0], "0x%" PRIx64, b->logon);
			snprintf(a[1], sizeof a[1], "0x%" PRIx32, b->pid[slot]);
			const char *v[] = {ALICE, "alice", "CORP", a[0], "0x0", a[1], bench_apps[b->app[slot]].exe};
			bench_emit(b, &b->p4689, 4, 7012, v);
			if (b->id < n) {
				b->t += 30000000;
				bench_start_app(b, slot);
			}
		} else {
			/* a connection: a service's or an application's */
			const char *dev, *dest;
			unsigned port, proto = 6;
			uint32_t pid;
			if (r < 350) {
				static const struct { uint32_t pid; const char *dev; unsigned port; const char *dest; } s2[] = {
					{1884, "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", 53, "10.0.20.5"},
					{1884, "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", 53, "10.0.20.5"},
					{712, "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe", 88, "10.0.20.5"},
					{1192, "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", 389, "10.0.20.5"},
					{1192, "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe", 443, "13.107.4.50"},
					{4, "System", 445, "10.0.20.10"},
				};
				int k = (int)((x >> 20) % 6);
				pid = s2[k].pid;
				dev = s2[k].dev;
				port = s2[k].port;
				dest = s2[k].dest;
				if (port == 53)
					proto = 17;
			} else {
				int slot = (int)((x >> 20) % BENCH_SLOTS);
				const struct bench_app *ap = &bench_apps[b->app[slot]];
				pid = b->pid[slot];
				dev = ap->dev;
				port = ap->port;
				dest = ap->dest[(x >> 24) % 4];
			}
			bool blocked = (x >> 50) % 50 == 0;
			bool mapped = dest[0] == ':';
			snprintf(a[0], sizeof a[0], "%" PRIu32, pid);
			snprintf(a[1], sizeof a[1], "%u", 49152 + (unsigned)((x >> 32) % 16000));
			snprintf(a[2], sizeof a[2], "%u", port);
			snprintf(a[3], sizeof a[3], "%u", proto);
			const char *v[] = {a[0], dev, "%%14593", mapped ? "::ffff:10.0.10.21" : "10.0.10.21", a[1],
				dest, a[2], a[3], blocked ? "83207" : "0", "%%14611", "48", "S-1-0-0", "S-1-0-0"};
			bench_emit(b, blocked ? &b->p5157 : &b->p5156, 4, 56, v);
		}
	}
	b->w.next_id = n + 1;
	writer_close(&b->w);
	free(b->p5156.f);
	free(b->p5157.f);
	free(b->p4688.f);
	free(b->p4689.f);
	free(b->p4624.f);
	free(b);
}

/* ------------------------------------------------------------------ main */

static _Noreturn void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mkevtx [-o OUT.evtx [--layout FILE]] [--dump | --dump-sorted] SCENARIO\n"
	    "       mkevtx --bench-security N [-o] OUT.evtx [--seed S]\n"
	    "Write an EVTX file from a scenario (see the comment at the top of\n"
	    "tests/mkevtx.c and testdata/README.md for the format).\n");
	exit(status);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *scenario = NULL, *layout = NULL;
	bool dump = false, sorted = false;
	uint64_t bench = 0, seed = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--layout") && i + 1 < argc)
			layout = argv[++i];
		else if (!strcmp(argv[i], "--dump"))
			dump = true;
		else if (!strcmp(argv[i], "--dump-sorted"))
			dump = sorted = true;
		else if (!strcmp(argv[i], "--bench-security") && i + 1 < argc) {
			if (!parse_uint(argv[++i], UINT64_MAX, &bench) || !bench)
				die("--bench-security needs a record count");
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			if (!parse_uint(argv[++i], UINT64_MAX, &seed))
				die("--seed needs a number");
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			usage(0);
		else if (argv[i][0] == '-' && argv[i][1])
			usage(2);
		else if (!scenario)
			scenario = argv[i];
		else
			usage(2);
	}
	if (bench) {
		if (!out && scenario) /* --bench-security N OUT.evtx */
			out = scenario, scenario = NULL;
		if (!out || scenario || dump)
			usage(2);
		bench_security(out, bench, seed);
		return 0;
	}
	if (!scenario || (!out && !dump))
		usage(2);

	parse_file(scenario, 0);
	match_repeats();
	run(0, nstmts, -1, 0);
	where_file = NULL;

	if (opt.sort)
		qsort(recs, nrecs, sizeof *recs, cmp_rec);
	uint64_t next = opt.first_id;
	for (size_t i = 0; i < nrecs; i++) {
		if (recs[i]->slack) {
			if (!recs[i]->explicit_id || recs[i]->skip)
				die("a slack=yes event needs recid=N");
			continue;
		}
		if (recs[i]->explicit_id)
			next = recs[i]->recid;
		next += recs[i]->skip;
		recs[i]->recid = next++;
		for (int k = 0; k < norigins; k++)
			if (!recs[i]->sysid && !strcmp(origins[k].computer, recs[i]->computer))
				recs[i]->sysid = origins[k].next++;
	}
	if (dump)
		for (size_t i = 0; i < nrecs; i++)
			if (!recs[i]->slack)
				dump_record(stdout, recs[i], sorted);
	if (out) {
		struct writer w = {0};
		w.limit = opt.limit;
		w.per_chunk = opt.per_chunk;
		w.flags = opt.flags;
		w.minor = opt.minor;
		w.next_id = next;
		if (layout && !(w.layout = fopen(layout, "w")))
			die("%s: %s", layout, strerror(errno));
		writer_open(&w, out, &defects);
		for (size_t i = 0; i < nrecs; i++)
			write_record(&w, recs[i]);
		writer_close(&w);
		if (w.layout && fclose(w.layout))
			die("%s: %s", layout, strerror(errno));
	}
	if (fflush(stdout) || ferror(stdout))
		die("stdout: write error");
	return 0;
}
