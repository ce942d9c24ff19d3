/*
 * gap-witness-zeek.c: read a Zeek conn.log as a network witness.
 *
 * Both of Zeek's conn.log encodings are read, plain or gzipped: the TSV
 * one (a #separator line, a #fields line naming the columns, then one
 * flow a line) and JSON lines (one object a line, "ts" as epoch seconds
 * or ISO-8601). A TCP flow whose handshake never completed (history has
 * the originator's SYN but never its ACK; without a history, conn_state
 * S0, REJ, RSTO, RSTOS0 or SH) is kept when its originator is a host in
 * the case; gap-unlogged-traffic.c then looks for it in that host's log.
 * Everything in the file is untrusted: fields are parsed, never trusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gap.h"
#include "gap-witness.h"
#include "normalise.h"
#include "util.h"

#define ZEEK_MAX_FIELDS 64

/* The columns of a conn.log this reader uses. */
enum conn_column {
	COLUMN_TS, COLUMN_ORIG_H, COLUMN_ORIG_P, COLUMN_RESP_H, COLUMN_RESP_P,
	COLUMN_PROTO, COLUMN_CONN_STATE, COLUMN_HISTORY, COLUMN_COUNT
};

static const char *const column_names[COLUMN_COUNT] = {
	"ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
	"conn_state", "history"
};

/* The state of reading one conn.log. */
struct zeek_reader {
	struct gap_context	*context;
	const char		*path;
	gzFile			 file;
	char			*line;
	size_t			 line_size;
	int64_t			 line_number;
	char			 separator;
	int			 column_index[COLUMN_COUNT];	/* -1: absent */
	int			 have_fields;
	sqlite3_stmt		*insert;
	sqlite3_stmt		*json;
	int64_t			 flows;
};

/*
 * A conn.log line is a few hundred bytes; one longer than this is not a
 * conn.log line, and reading it whole would let a hostile file take all
 * memory.
 */
#define ZEEK_MAX_LINE	(1024 * 1024)

/*
 * Read the next line into reader->line without its newline. Returns 1,
 * 0 at the end of the file, -1 on a read error, -2 for a line longer
 * than ZEEK_MAX_LINE.
 */
static int
read_line(struct zeek_reader *reader)
{
	size_t	length = 0;
	char	*grown;

	for (;;) {
		if (reader->line_size - length < 2) {
			if (reader->line_size >= ZEEK_MAX_LINE)
				return -2;
			grown = realloc(reader->line, reader->line_size * 2);
			if (grown == NULL)
				return -1;
			reader->line = grown;
			reader->line_size *= 2;
		}
		if (gzgets(reader->file, reader->line + length,
		    (int)(reader->line_size - length)) == NULL) {
			if (!gzeof(reader->file))
				return -1;
			if (length == 0)
				return 0;
			break;
		}
		length += strlen(reader->line + length);
		if (length > 0 && reader->line[length - 1] == '\n')
			break;
	}
	while (length > 0 && (reader->line[length - 1] == '\n' ||
	    reader->line[length - 1] == '\r'))
		reader->line[--length] = '\0';
	reader->line_number++;
	return 1;
}

/* Split line in place at separator into at most max fields. */
static int
split_fields(char *line, char separator, char **fields, int max)
{
	int	count = 0;
	char	*p = line, *next;

	while (count < max) {
		fields[count++] = p;
		if ((next = strchr(p, separator)) == NULL)
			break;
		*next = '\0';
		p = next + 1;
	}
	return count;
}

/*
 * "#separator \x09": the separator as a \xNN escape, or a plain character.
 * A NUL separator ("\x00", "\x0") is refused, the last one kept: strchr
 * finds NUL at every string's end, and splitting would run past the line.
 */
static void
read_separator(struct zeek_reader *reader, const char *value)
{
	unsigned int	code;

	if (sscanf(value, "\\x%2x", &code) == 1) {
		if (code != 0)
			reader->separator = (char)code;
	} else if (value[0] != '\0')
		reader->separator = value[0];
}

/* A header line: the separator, or the names of the columns. */
static void
read_header(struct zeek_reader *reader)
{
	char	*fields[ZEEK_MAX_FIELDS];
	int	 count, i, c;

	if (strncmp(reader->line, "#separator ", 11) == 0) {
		read_separator(reader, reader->line + 11);
		return;
	}
	if (strncmp(reader->line, "#fields", 7) != 0)
		return;
	count = split_fields(reader->line, reader->separator, fields, ZEEK_MAX_FIELDS);
	for (c = 0; c < COLUMN_COUNT; c++) {
		reader->column_index[c] = -1;
		for (i = 1; i < count; i++)
			if (strcmp(fields[i], column_names[c]) == 0)
				reader->column_index[c] = i - 1;
	}
	reader->have_fields = 1;
}

/*
 * Epoch seconds with up to six decimals ("1591367999.305988") or ISO-8601,
 * as integer microseconds. Returns 0, or -1 when it is neither.
 */
static int
parse_time(const char *text, int64_t *unix_us)
{
	int64_t		 seconds = 0, fraction = 0, scale = 100000;
	const char	*p = text;
	int64_t		 filetime;

	if (text == NULL || *text == '\0')
		return -1;
	if (strchr(text, '-') != NULL && strchr(text, 'T') != NULL) {
		if ((filetime = iso_to_filetime(text)) == 0)
			return -1;
		*unix_us = filetime_to_unix_us(filetime);
		return 0;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (seconds > INT64_MAX / 100000000)
			return -1;
		seconds = seconds * 10 + (*p - '0');
	}
	if (p == text)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			fraction += scale > 0 ? (*p - '0') * scale : 0;
	if (*p != '\0')
		return -1;
	*unix_us = seconds * 1000000 + fraction;
	return 0;
}

/* A Zeek value that means "no value": unset "-", empty "(empty)", or NULL. */
static int
is_unset(const char *value)
{
	return value == NULL || *value == '\0' || strcmp(value, "-") == 0 ||
	    strcmp(value, "(empty)") == 0;
}

/*
 * Whether a TCP flow never completed its handshake, and how far it got:
 * "syn_only", "rejected", "half_open", or NULL for a completed flow.
 */
static const char *
incomplete_state(const char *conn_state, const char *history)
{
	if (!is_unset(history)) {
		if (strchr(history, 'S') == NULL || strchr(history, 'A') != NULL)
			return NULL;
		if (strchr(history, 'h') != NULL)
			return "half_open";
		return strchr(history, 'r') != NULL ? "rejected" : "syn_only";
	}
	if (is_unset(conn_state))
		return NULL;
	if (strcmp(conn_state, "S0") == 0 || strcmp(conn_state, "RSTOS0") == 0 ||
	    strcmp(conn_state, "SH") == 0)
		return "syn_only";
	if (strcmp(conn_state, "REJ") == 0)
		return "rejected";
	if (strcmp(conn_state, "RSTO") == 0)
		return "half_open";
	return NULL;
}

/* Keep one flow given its column values (as text), if it is a probe. */
static int
consider_flow(struct zeek_reader *reader, const char *values[COLUMN_COUNT])
{
	struct witness_flow	 flow;
	char			 orig[ADDRESS_TEXT_SIZE], resp[ADDRESS_TEXT_SIZE];
	int64_t			 orig_port, resp_port;

	if (values[COLUMN_PROTO] == NULL || strcmp(values[COLUMN_PROTO], "tcp") != 0)
		return 0;
	memset(&flow, 0, sizeof(flow));
	flow.state = incomplete_state(values[COLUMN_CONN_STATE], values[COLUMN_HISTORY]);
	if (flow.state == NULL)
		return 0;
	orig_port = parse_number(values[COLUMN_ORIG_P]);
	resp_port = parse_number(values[COLUMN_RESP_P]);
	if (parse_time(values[COLUMN_TS], &flow.time_unix_us) == -1 ||
	    is_unset(values[COLUMN_ORIG_H]) || is_unset(values[COLUMN_RESP_H]) ||
	    orig_port < 0 || orig_port > 65535 || resp_port < 0 || resp_port > 65535)
		return 0;
	canonical_address(values[COLUMN_ORIG_H], orig, sizeof(orig));
	canonical_address(values[COLUMN_RESP_H], resp, sizeof(resp));
	flow.witness = "zeek";
	flow.path = reader->path;
	flow.line = reader->line_number;
	flow.orig_ip = orig;
	flow.orig_port = (int)orig_port;
	flow.resp_ip = resp;
	flow.resp_port = (int)resp_port;
	flow.conn_state = is_unset(values[COLUMN_CONN_STATE]) ? NULL :
	    values[COLUMN_CONN_STATE];
	flow.history = is_unset(values[COLUMN_HISTORY]) ? NULL : values[COLUMN_HISTORY];
	reader->flows++;
	return gap_witness_add(reader->context, reader->insert, &flow);
}

/* One TSV data line, by the columns #fields named. */
static int
read_tsv_flow(struct zeek_reader *reader)
{
	char		*fields[ZEEK_MAX_FIELDS];
	const char	*values[COLUMN_COUNT];
	int		 count, c, index;

	count = split_fields(reader->line, reader->separator, fields, ZEEK_MAX_FIELDS);
	for (c = 0; c < COLUMN_COUNT; c++) {
		index = reader->column_index[c];
		values[c] = index >= 0 && index < count ? fields[index] : NULL;
	}
	return consider_flow(reader, values);
}

/* One JSON line, its members read by SQLite's JSON functions. */
static int
read_json_flow(struct zeek_reader *reader)
{
	sqlite3_stmt	*s = reader->json;
	const char	*values[COLUMN_COUNT];
	int		 c, status;

	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, reader->line, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_int(s, 0) != 1)
		return 0;	/* not JSON: not a flow */
	for (c = 0; c < COLUMN_COUNT; c++)
		values[c] = gap_column_text(s, c + 1);
	status = consider_flow(reader, values);
	sqlite3_reset(s);
	return status;
}

/*
 * Each member as text; malformed lines give json_valid 0 and no error.
 * A numeric ts is taken as written (->), not as a double, to keep its
 * microseconds exact.
 */
static const char json_sql[] =
    "SELECT json_valid(?1),"
    " CASE WHEN NOT json_valid(?1) THEN NULL"
    "  WHEN json_type(?1, '$.ts') = 'text' THEN json_extract(?1, '$.ts')"
    "  ELSE ?1 -> '$.ts' END,"
    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.\"id.orig_h\"') END,"
    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.\"id.orig_p\"') END,"
    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.\"id.resp_h\"') END,"
    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.\"id.resp_p\"') END,"
    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.proto') END,"
    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.conn_state') END,"
    " CASE WHEN json_valid(?1) THEN json_extract(?1, '$.history') END";

/* Every line of the file: headers, TSV flows, JSON flows. */
static int
read_lines(struct zeek_reader *reader)
{
	int	status, formatted = 0;

	while ((status = read_line(reader)) == 1) {
		if (reader->line[0] == '#') {
			read_header(reader);
			formatted |= reader->have_fields;
		} else if (reader->line[0] == '{') {
			formatted = 1;
			if (read_json_flow(reader) == -1)
				return -1;
		} else if (reader->have_fields && reader->line[0] != '\0') {
			if (read_tsv_flow(reader) == -1)
				return -1;
		}
	}
	if (status == -1)
		return gap_error(reader->context, "%s: read error at line %lld",
		    reader->path, (long long)reader->line_number + 1);
	if (status == -2)
		return gap_error(reader->context, "%s: line %lld is longer than "
		    "%d bytes: not a Zeek conn.log", reader->path,
		    (long long)reader->line_number + 1, ZEEK_MAX_LINE);
	if (!formatted)
		return gap_error(reader->context, "%s: not a Zeek conn.log (no "
		    "#fields header and no JSON lines)", reader->path);
	return 0;
}

int
gap_witness_zeek_read(struct gap_context *context, const char *path, gzFile file)
{
	struct zeek_reader	reader;
	int			status, c;

	memset(&reader, 0, sizeof(reader));
	reader.context = context;
	reader.path = path;
	reader.file = file;
	reader.separator = '\t';
	for (c = 0; c < COLUMN_COUNT; c++)
		reader.column_index[c] = -1;
	reader.line_size = 4096;
	if ((reader.line = malloc(reader.line_size)) == NULL)
		return gap_error(context, "out of memory");
	status = gap_witness_begin(context, &reader.insert);
	if (status == 0)
		status = gap_prepare(context, json_sql, &reader.json);
	if (status == 0)
		status = read_lines(&reader);
	sqlite3_finalize(reader.json);
	gap_witness_end(reader.insert);
	free(reader.line);
	return status;
}

int
gap_witness_zeek(struct gap_context *context, const char *path)
{
	gzFile	file;
	int	status;

	if ((file = gzopen(path, "rb")) == NULL)
		return gap_error(context, "%s: %s", path, errno ? strerror(errno) :
		    "cannot open");
	status = gap_witness_zeek_read(context, path, file);
	gzclose(file);
	return status;
}
