/*
 * binxml-test.c: value rendering, checked against libevtx itself.
 *
 * Writes a one-record EVTX file whose EventData holds one <Data> per case
 * below (every value type, the signed-integer and surrogate quirks, empty
 * and NULL substitutions, arrays, control characters), decodes it with the
 * reference decoder (libevtx + libxml2) and with the binxml and fast
 * decoders, and checks each value three ways: the reference gives the
 * expected text, binxml gives the same text (or leaves the record to
 * libevtx when the case says so), and fast gives the reference's. The
 * expected strings document what libevtx 20181227 prints.
 *
 * A second file holds the same record padded to end exactly at its chunk's
 * end, which libevtx 20181227 drops and binxml reads (a documented
 * difference: libevtx requires 4 bytes after a record).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "decoder.h"
#include "event.h"
#include "tap.h"

/* One <Data Name=name> whose content is substitution of type and bytes. */
struct data_case {
	const char	*name;
	uint8_t		 type;
	const char	*bytes;		/* value data */
	size_t		 size;
	const char	*expected;	/* NULL: the element is omitted */
	int		 optional;	/* 0x0e rather than 0x0d */
};

#define B(s) s, sizeof(s) - 1

static const struct data_case cases[] = {
	{ "Utf16", 0x01, B("h\0i\0"), "hi", 0 },
	{ "Utf16Empty", 0x01, "", 0, "", 1 },
	{ "Null", 0x00, "", 0, NULL, 1 },
	{ "NulInside", 0x01, B("a\0\0\0b\0"), "a", 0 },
	{ "LeadingBom", 0x01, B("\xff\xfex\0"), "x", 0 },
	{ "CrLfTab", 0x01, B("a\0\r\0\n\0\t\0b\0"), "a\r\n\tb", 0 },
	{ "Control", 0x01, B("\x01\0\x1f\0"), "\x01\x1f", 0 },
	{ "Escapes", 0x01, B("<\0&\0>\0\"\0"), "<&>\"", 0 },
	{ "Surrogates", 0x01, B("\x3d\xd8\x00\xde"), "\xf0\x9f\x88\x81", 0 },
	{ "LoneLow", 0x01, B("\x00\xdcz\0"), "\xef\xbf\xbdz", 0 },
	{ "HighThenText", 0x01, B("\x00\xd8z\0y\0"), "\xef\xbf\xbdy", 0 },
	{ "Latin1", 0x01, B("\xe9\0"), "\xc3\xa9", 0 },
	{ "Ansi", 0x02, B("abc\0"), "abc", 0 },
	{ "Int8", 0x03, B("\xff"), "-127", 0 },
	{ "UInt8", 0x04, B("\xff"), "255", 0 },
	{ "Int16", 0x05, B("\x00\x80"), "-32768", 0 },
	{ "UInt16", 0x06, B("\x34\x12"), "4660", 0 },
	{ "Int32", 0x07, B("\xff\xff\xff\xff"), "-2147483647", 0 },
	{ "Int32Pos", 0x07, B("\x2a\0\0\0"), "42", 0 },
	{ "UInt32", 0x08, B("\xff\xff\xff\xff"), "4294967295", 0 },
	{ "Int64", 0x09, B("\xfe\xff\xff\xff\xff\xff\xff\xff"), "-9223372036854775806", 0 },
	{ "UInt64", 0x0a, B("\xff\xff\xff\xff\xff\xff\xff\xff"), "18446744073709551615", 0 },
	{ "Bool", 0x0d, B("\x02\0\0\0"), "true", 0 },
	{ "BoolFalse", 0x0d, B("\0\0\0\0"), "false", 0 },
	{ "Binary", 0x0e, B("\x01\xab\xff"), "01ABFF", 0 },
	{ "Guid", 0x0f, B("\x25\x96\x84\x54\x78\x54\x94\x49\xa5\xba\x3e\x3b\x03\x28\xc3\x0d"),
	    "{54849625-5478-4994-A5BA-3E3B0328C30D}", 0 },
	{ "Size4", 0x10, B("\x10\0\0\0"), "16", 0 },
	{ "Size8", 0x10, B("\x10\0\0\0\0\0\0\0"), "16", 0 },
	{ "FileTime", 0x11, B("\x80\x7a\x9b\x6b\x1a\xd2\xd1\x01"),
	    "2016-06-29T15:25:08.678924800Z", 0 },
	{ "FileTimeZero", 0x11, B("\0\0\0\0\0\0\0\0"), "1601-01-01T00:00:00.000000000Z", 0 },
	{ "SystemTime", 0x12, B("\xe0\x07\x06\0\x03\0\x1d\0\x0f\0\x18\0\x22\0\x5a\x01"),
	    "2016-06-29T15:24:34.346Z", 0 },
	{ "Sid", 0x13, B("\x01\x01\0\0\0\0\0\x05\x12\0\0\0"), "S-1-5-18", 0 },
	{ "HexInt32", 0x14, B("\xfc\x01\0\0"), "0x000001fc", 0 },
	{ "HexInt64", 0x15, B("\x2c\x1a\0\0\0\0\0\0"), "0x0000000000001a2c", 0 },
	{ "Utf16Array", 0x81, B("a\0\0\0b\0\0\0"), "a", 0 },	/* and "b": two <Data> */
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* A growing byte buffer with little-endian writers. */
struct bytes {
	uint8_t	data[65536];
	size_t	used;
};

static void
put8(struct bytes *b, uint8_t v)
{
	b->data[b->used++] = v;
}

static void
put16(struct bytes *b, uint16_t v)
{
	put8(b, (uint8_t)v);
	put8(b, (uint8_t)(v >> 8));
}

static void
put32(struct bytes *b, uint32_t v)
{
	put16(b, (uint16_t)v);
	put16(b, (uint16_t)(v >> 16));
}

static void
patch32(struct bytes *b, size_t at, uint32_t v)
{
	b->data[at] = (uint8_t)v;
	b->data[at + 1] = (uint8_t)(v >> 8);
	b->data[at + 2] = (uint8_t)(v >> 16);
	b->data[at + 3] = (uint8_t)(v >> 24);
}

/* A name written inline: next, hash, length, UTF-16, NUL. */
static void
put_name(struct bytes *b, const char *name)
{
	size_t	i;

	put32(b, 0);
	put16(b, 0);
	put16(b, (uint16_t)strlen(name));
	for (i = 0; name[i] != '\0'; i++)
		put16(b, (uint8_t)name[i]);
	put16(b, 0);
}

/*
 * Open an element (with a dependency id, as in templates) whose name is
 * inline; returns where its size goes. attributes: 1 when an attribute
 * list follows (its size patched by close_attributes).
 */
static size_t
open_element(struct bytes *b, const char *name, int attributes)
{
	size_t	size_at;

	put8(b, attributes ? 0x41 : 0x01);
	put16(b, 0xffff);
	size_at = b->used;
	put32(b, 0);
	put32(b, (uint32_t)(b->used + 4));
	put_name(b, name);
	return size_at;
}

/* End an element opened at size_at, after its content. */
static void
end_element(struct bytes *b, size_t size_at)
{
	put8(b, 0x04);
	patch32(b, size_at, (uint32_t)(b->used - size_at - 4));
}

/* An attribute with UTF-16 literal text. */
static void
put_text_attribute(struct bytes *b, const char *name, const char *text)
{
	size_t	i;

	put8(b, 0x06);
	put32(b, (uint32_t)(b->used + 4));
	put_name(b, name);
	put8(b, 0x05);
	put8(b, 0x01);
	put16(b, (uint16_t)strlen(text));
	for (i = 0; text[i] != '\0'; i++)
		put16(b, (uint8_t)text[i]);
}

/* <NAME>[substitution index of type]</NAME> */
static void
put_substituted(struct bytes *b, const char *name, uint16_t index, uint8_t type,
    int optional)
{
	size_t	size_at = open_element(b, name, 0);

	put8(b, 0x02);
	put8(b, optional ? 0x0e : 0x0d);
	put16(b, index);
	put8(b, type);
	end_element(b, size_at);
}

/* The record's binary XML: one template instance with its definition. */
static void
put_record_xml(struct bytes *b)
{
	size_t	definition, data_size_at, body, event, system, data, element, list;
	size_t	i;
	uint16_t index = 0;

	put8(b, 0x0f); put8(b, 0x01); put8(b, 0x01); put8(b, 0x00);
	put8(b, 0x0c);
	put8(b, 0x01);
	put32(b, 0x1234);
	definition = b->used + 4;
	put32(b, (uint32_t)definition);
	put32(b, 0);			/* next template */
	for (i = 0; i < 16; i++)
		put8(b, (uint8_t)i);	/* template GUID */
	data_size_at = b->used;
	put32(b, 0);
	body = b->used;
	put8(b, 0x0f); put8(b, 0x01); put8(b, 0x01); put8(b, 0x00);
	event = open_element(b, "Event", 0);
	put8(b, 0x02);
	system = open_element(b, "System", 0);
	put8(b, 0x02);
	put_substituted(b, "EventID", index++, 0x06, 0);
	put_substituted(b, "Level", index++, 0x04, 0);
	element = open_element(b, "TimeCreated", 1);
	list = b->used;
	put32(b, 0);
	put8(b, 0x06);
	put32(b, (uint32_t)(b->used + 4));
	put_name(b, "SystemTime");
	put8(b, 0x0e); put16(b, index++); put8(b, 0x11);
	patch32(b, list, (uint32_t)(b->used - list - 4));
	put8(b, 0x03);
	patch32(b, element, (uint32_t)(b->used - element - 4));
	put_substituted(b, "Channel", index++, 0x01, 0);
	end_element(b, system);
	data = open_element(b, "EventData", 0);
	put8(b, 0x02);
	for (i = 0; i < NCASES; i++) {
		element = open_element(b, "Data", 1);
		list = b->used;
		put32(b, 0);
		put_text_attribute(b, "Name", cases[i].name);
		patch32(b, list, (uint32_t)(b->used - list - 4));
		put8(b, 0x02);
		put8(b, cases[i].optional ? 0x0e : 0x0d);
		put16(b, index++);
		put8(b, cases[i].type);
		end_element(b, element);
	}
	end_element(b, data);
	end_element(b, event);
	put8(b, 0x00);
	patch32(b, data_size_at, (uint32_t)(b->used - body));
	/* The values: EventID 4624, Level 4, SystemTime, Channel, cases. */
	put32(b, (uint32_t)(4 + NCASES));
	put16(b, 2); put8(b, 0x06); put8(b, 0);
	put16(b, 1); put8(b, 0x04); put8(b, 0);
	put16(b, 8); put8(b, 0x11); put8(b, 0);
	put16(b, 6); put8(b, 0x01); put8(b, 0);
	for (i = 0; i < NCASES; i++) {
		put16(b, (uint16_t)cases[i].size);
		put8(b, cases[i].type);
		put8(b, 0);
	}
	put16(b, 4624);
	put8(b, 4);
	put32(b, 0x6b9b7a80); put32(b, 0x01d1d21a);
	put16(b, 'S'); put16(b, 'e'); put16(b, 'c');
	for (i = 0; i < NCASES; i++) {
		memcpy(b->data + b->used, cases[i].bytes, cases[i].size);
		b->used += cases[i].size;
	}
}

/*
 * Write the whole file: header, one chunk holding one record. With
 * fill_chunk the record is padded to end exactly at the chunk's end.
 */
static int
write_file(const char *path, int fill_chunk)
{
	static struct bytes	 chunk;
	uint8_t			 header[4096];
	size_t			 record = 512, size_at;
	uLong			 crc;
	FILE			*file;

	memset(&chunk, 0, sizeof(chunk));
	memcpy(chunk.data, "ElfChnk", 8);
	chunk.used = record;
	put8(&chunk, '*'); put8(&chunk, '*'); put8(&chunk, 0); put8(&chunk, 0);
	size_at = chunk.used;
	put32(&chunk, 0);
	put32(&chunk, 1); put32(&chunk, 0);		/* record id 1 */
	put32(&chunk, 0x6b9b7a80); put32(&chunk, 0x01d1d21a);
	put_record_xml(&chunk);
	while ((chunk.used + 4) % 8 != 0 || (fill_chunk && chunk.used + 4 < 65536))
		put8(&chunk, 0);
	put32(&chunk, (uint32_t)(chunk.used + 4 - record));
	patch32(&chunk, size_at, (uint32_t)(chunk.used - record));
	patch32(&chunk, 8, 1); patch32(&chunk, 16, 1);	/* record numbers */
	patch32(&chunk, 24, 1); patch32(&chunk, 32, 1);	/* record ids */
	patch32(&chunk, 40, 128);
	patch32(&chunk, 44, (uint32_t)record);
	patch32(&chunk, 48, (uint32_t)chunk.used);
	patch32(&chunk, 52, (uint32_t)crc32(0, chunk.data + 512, (uInt)(chunk.used - 512)));
	crc = crc32(0, chunk.data, 120);
	crc = crc32(crc, chunk.data + 128, 384);
	patch32(&chunk, 124, (uint32_t)crc);

	memset(header, 0, sizeof(header));
	memcpy(header, "ElfFile", 8);
	header[24] = 2;			/* next record id */
	header[32] = 128;		/* header size */
	header[36] = 1;			/* minor version */
	header[38] = 3;			/* major version */
	header[41] = 0x10;		/* header block size 4096 */
	header[42] = 1;			/* one chunk */
	crc = crc32(0, header, 120);
	header[124] = (uint8_t)crc;
	header[125] = (uint8_t)(crc >> 8);
	header[126] = (uint8_t)(crc >> 16);
	header[127] = (uint8_t)(crc >> 24);
	if ((file = fopen(path, "wb")) == NULL)
		return -1;
	fwrite(header, 1, sizeof(header), file);
	fwrite(chunk.data, 1, sizeof(chunk.data), file);
	return fclose(file);
}

/* Decode the single record of path with ops into event (kept by caller). */
static int
decode_one(const struct decoder_ops *ops, const char *path, struct event *event,
    struct decoder **decoder, struct decode_problem *problem)
{
	memset(problem, 0, sizeof(*problem));
	if (ops->open(path, decoder, problem) == -1)
		return -1;
	return ops->next(*decoder, event, problem);
}

int
main(void)
{
	static struct event	 reference, binxml, fast;
	struct decoder		*decoders[3];
	struct decode_problem	 problem;
	char			 path[] = "/tmp/binxml-test-XXXXXX", label[128];
	const char		*got;
	size_t			 i;
	int			 fd, status;

	if ((fd = mkstemp(path)) == -1)
		return 1;
	close(fd);
	if (write_file(path, 0) == -1)
		return 1;
	status = decode_one(&libevtx_xml_decoder, path, &reference, &decoders[0], &problem);
	tap_ok(status == DECODE_RECORD, "the reference decoder reads the crafted record");
	if (status != DECODE_RECORD)
		printf("# %s\n", problem.message);
	status = decode_one(&binxml_decoder, path, &binxml, &decoders[1], &problem);
	tap_ok(status == DECODE_RECORD, "binxml reads the crafted record");
	if (status != DECODE_RECORD)
		printf("# %s\n", problem.message);
	status = decode_one(&fast_decoder, path, &fast, &decoders[2], &problem);
	tap_ok(status == DECODE_RECORD, "fast reads the crafted record");

	tap_is_number(reference.event_id, 4624, "reference: EventID from a UInt16");
	tap_is_number(binxml.event_id, 4624, "binxml: EventID from a UInt16");
	tap_is_number(binxml.level, 4, "binxml: Level from a UInt8");
	tap_is_number(binxml.filetime, 131116875086789248LL, "binxml: TimeCreated FILETIME");
	tap_is_number(reference.filetime, binxml.filetime, "reference: same TimeCreated");
	tap_is_string(binxml.channel, "Sec", "binxml: Channel");
	tap_is_string(binxml.data_element, "EventData", "binxml: data element");
	for (i = 0; i < NCASES; i++) {
		snprintf(label, sizeof(label), "reference renders %s", cases[i].name);
		tap_is_string(event_field(&reference, cases[i].name), cases[i].expected, label);
		snprintf(label, sizeof(label), "binxml renders %s like libevtx", cases[i].name);
		got = event_field(&binxml, cases[i].name);
		tap_is_string(got, event_field(&reference, cases[i].name), label);
	}
	tap_is_number((long long)binxml.field_count, (long long)reference.field_count,
	    "binxml: as many fields as the reference (omitted NULL, repeated array)");
	tap_is_number((long long)fast.field_count, (long long)reference.field_count,
	    "fast: as many fields as the reference");
	tap_is_string(binxml.fields[binxml.field_count - 1].value, "b",
	    "binxml: the array's second string is a second <Data>");
	libevtx_xml_decoder.close(decoders[0]);
	binxml_decoder.close(decoders[1]);
	fast_decoder.close(decoders[2]);

	/* A record that ends exactly at its chunk's end: libevtx drops it. */
	if (write_file(path, 1) == -1)
		return 1;
	status = decode_one(&libevtx_xml_decoder, path, &reference, &decoders[0], &problem);
	tap_ok(status == DECODE_END, "chunk-filling record: libevtx 20181227 does not return it");
	status = decode_one(&binxml_decoder, path, &binxml, &decoders[1], &problem);
	tap_ok(status == DECODE_RECORD, "chunk-filling record: binxml reads it");
	tap_is_string(event_field(&binxml, "Utf16"), "hi", "chunk-filling record: its values");
	status = decode_one(&fast_decoder, path, &fast, &decoders[2], &problem);
	tap_ok(status == DECODE_RECORD && fast.record_number == 1,
	    "chunk-filling record: fast reads it (record 1)");
	tap_ok(fast_decoder.next(decoders[2], &fast, &problem) == DECODE_END,
	    "chunk-filling record: and nothing else");
	libevtx_xml_decoder.close(decoders[0]);
	binxml_decoder.close(decoders[1]);
	fast_decoder.close(decoders[2]);
	unlink(path);
	return TAP_DONE();
}
