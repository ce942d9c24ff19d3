/*
 * decoder-libevtx-xml.c: the reference decoder.
 *
 * libevtx reads the file and renders each record as XML; libxml2 parses that
 * XML and this file picks the fields out by name. It is slow (libevtx's XML
 * rendering dominates) but it is the behaviour every faster decoder is
 * checked against, and the fallback for what they cannot read.
 *
 * libevtx's XML can hold control characters that XML 1.0 forbids. Before
 * parsing, each such byte c is mapped to the private-use character U+E000+c;
 * after parsing it is mapped back, so values keep the bytes the log holds.
 * Carriage returns are mapped too: libxml2 would otherwise turn the CR LF
 * line ends of multi-line values (PrivilegeList, ScriptBlockText) into LF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libevtx.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "decoder.h"
#include "util.h"

struct decoder {
	libevtx_file_t		*file;
	int			 live_records;
	int			 recovered_records;
	int			 next_index;	/* over live, then recovered */
	struct evtx_file_info	 info;

	uint8_t			*xml;		/* libevtx's rendering, reused */
	size_t			 xml_allocated;
	char			*clean;		/* the same with controls mapped */
	size_t			 clean_allocated;
	xmlParserCtxtPtr	 parser;
	xmlDocPtr		 document;	/* of the last record */

	char			*arena;		/* event strings, reused */
	size_t			 arena_allocated;
	size_t			 arena_used;
};

/*
 * Copy libevtx's error into a problem and free the error. libevtx keeps a
 * backtrace whose first line is the root cause ("invalid binary XML token")
 * and whose last is the call we made; the cause is what an analyst needs.
 */
static void
set_libevtx_problem(struct decode_problem *problem, const char *kind,
    long index, const char *what, libevtx_error_t **error)
{
	char	 text[1024] = "", *cause = text, *colon, *newline;

	if (error != NULL && *error != NULL) {
		libevtx_error_backtrace_sprint(*error, text, sizeof(text));
		libevtx_error_free(error);
	}
	if ((newline = strchr(text, '\n')) != NULL)
		*newline = '\0';
	/* "libfwevt_xml_document_read_attribute: invalid ..." -> the message. */
	if ((colon = strstr(text, ": ")) != NULL && strchr(text, ' ') > colon)
		cause = colon + 2;
	for (char *p = cause; *p != '\0'; p++)
		if (*p == '\r')
			*p = ' ';
	problem->kind = kind;
	problem->record_index = index;
	problem->record_id = -1;
	problem->chunk = -1;
	snprintf(problem->message, sizeof(problem->message), "%s%s%s", what,
	    cause[0] ? ": " : "", cause);
}

static int
libevtx_xml_open(const char *path, struct decoder **out,
    struct decode_problem *problem)
{
	struct decoder		*decoder;
	libevtx_error_t		*error = NULL;
	uint32_t		 flags = 0;
	uint16_t		 major = 0, minor = 0;

	if ((decoder = calloc(1, sizeof(*decoder))) == NULL) {
		snprintf(problem->message, sizeof(problem->message), "out of memory");
		problem->kind = "file";
		return -1;
	}
	if (libevtx_file_initialize(&decoder->file, &error) != 1 ||
	    libevtx_file_open(decoder->file, path, LIBEVTX_OPEN_READ, &error) != 1) {
		set_libevtx_problem(problem, "file", -1, "cannot open as EVTX", &error);
		if (decoder->file != NULL)
			libevtx_file_free(&decoder->file, NULL);
		free(decoder);
		return -1;
	}
	libevtx_file_get_number_of_records(decoder->file, &decoder->live_records, NULL);
	libevtx_file_get_number_of_recovered_records(decoder->file,
	    &decoder->recovered_records, NULL);
	libevtx_file_get_flags(decoder->file, &flags, NULL);
	libevtx_file_get_format_version(decoder->file, &major, &minor, NULL);
	decoder->info.header_flags = flags;
	decoder->info.corrupted = libevtx_file_is_corrupted(decoder->file, NULL) == 1;
	decoder->info.major_version = major;
	decoder->info.minor_version = minor;
	decoder->info.live_records = decoder->live_records;
	decoder->info.recovered_records = decoder->recovered_records;
	decoder->parser = xmlNewParserCtxt();
	*out = decoder;
	return 0;
}

static void
libevtx_xml_info(struct decoder *decoder, struct evtx_file_info *info)
{
	*info = decoder->info;
}

/* Grow a reused buffer to at least size bytes. */
static int
reserve(void *buffer_pointer, size_t *allocated, size_t size)
{
	void	**buffer = buffer_pointer, *grown;
	size_t	  new_size;

	if (size <= *allocated)
		return 0;
	new_size = *allocated ? *allocated : 4096;
	while (new_size < size)
		new_size *= 2;
	if ((grown = realloc(*buffer, new_size)) == NULL)
		return -1;
	*buffer = grown;
	*allocated = new_size;
	return 0;
}

/* Map the control bytes XML 1.0 forbids to U+E000 + byte. */
static int
map_controls(struct decoder *decoder, size_t length)
{
	size_t	 i, j = 0;
	uint8_t	 c;

	if (reserve(&decoder->clean, &decoder->clean_allocated, length * 3 + 1) == -1)
		return -1;
	for (i = 0; i < length && decoder->xml[i] != '\0'; i++) {
		c = decoder->xml[i];
		if (c < 0x20 && c != '\t' && c != '\n') {
			decoder->clean[j++] = (char)0xee;
			decoder->clean[j++] = (char)0x80;
			decoder->clean[j++] = (char)(0x80 + c);
		} else
			decoder->clean[j++] = (char)c;
	}
	decoder->clean[j] = '\0';
	return (int)j;
}

/*
 * Append the text of node's children to the arena, mapping U+E000+c back to
 * the control byte c. Returns the offset of the string, or -1.
 */
static long
arena_add_text(struct decoder *decoder, const xmlChar *text)
{
	size_t		 length = text ? strlen((const char *)text) : 0, i;
	size_t		 start = decoder->arena_used;
	const uint8_t	*p = text;
	char		*out;

	if (reserve(&decoder->arena, &decoder->arena_allocated,
	    decoder->arena_used + length + 1) == -1)
		return -1;
	out = decoder->arena + decoder->arena_used;
	for (i = 0; i < length; i++) {
		if (p[i] == 0xee && i + 2 < length && p[i + 1] == 0x80 &&
		    p[i + 2] >= 0x80 && p[i + 2] < 0xa0) {
			*out++ = (char)(p[i + 2] - 0x80);
			i += 2;
		} else
			*out++ = (char)p[i];
	}
	*out++ = '\0';
	decoder->arena_used = (size_t)(out - decoder->arena);
	return (long)start;
}

/* The concatenated text content of an element, into the arena. */
static long
arena_add_content(struct decoder *decoder, xmlNodePtr node)
{
	xmlChar	*content = xmlNodeGetContent(node);
	long	 offset = arena_add_text(decoder, content);

	xmlFree(content);
	return offset;
}

static long
arena_add_attribute(struct decoder *decoder, xmlNodePtr node, const char *name)
{
	xmlChar	*value = xmlGetProp(node, (const xmlChar *)name);
	long	 offset;

	if (value == NULL)
		return -1;
	offset = arena_add_text(decoder, value);
	xmlFree(value);
	return offset;
}

static int
is_element(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)node->name, name) == 0;
}

/* Offsets of the strings the event will point at, fixed up at the end. */
struct pending {
	long	provider, provider_guid, channel, computer, keywords, user_sid;
	long	data_element;
	long	field_name[EVENT_MAX_FIELDS];
	long	field_value[EVENT_MAX_FIELDS];
	long	event_id, record_id, version, level, task, opcode, time;
	long	process_id, thread_id;
};

static long
number_or(struct decoder *decoder, long offset, long fallback)
{
	int64_t	value;

	if (offset < 0)
		return fallback;
	value = parse_number(decoder->arena + offset);
	return value < 0 ? fallback : (long)value;
}

static void
read_system(struct decoder *decoder, xmlNodePtr system, struct pending *p)
{
	xmlNodePtr	node;

	for (node = system->children; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		if (is_element(node, "Provider")) {
			p->provider = arena_add_attribute(decoder, node, "Name");
			p->provider_guid = arena_add_attribute(decoder, node, "Guid");
		} else if (is_element(node, "EventID"))
			p->event_id = arena_add_content(decoder, node);
		else if (is_element(node, "Version"))
			p->version = arena_add_content(decoder, node);
		else if (is_element(node, "Level"))
			p->level = arena_add_content(decoder, node);
		else if (is_element(node, "Task"))
			p->task = arena_add_content(decoder, node);
		else if (is_element(node, "Opcode"))
			p->opcode = arena_add_content(decoder, node);
		else if (is_element(node, "Keywords"))
			p->keywords = arena_add_content(decoder, node);
		else if (is_element(node, "TimeCreated"))
			p->time = arena_add_attribute(decoder, node, "SystemTime");
		else if (is_element(node, "EventRecordID"))
			p->record_id = arena_add_content(decoder, node);
		else if (is_element(node, "Execution")) {
			p->process_id = arena_add_attribute(decoder, node, "ProcessID");
			p->thread_id = arena_add_attribute(decoder, node, "ThreadID");
		} else if (is_element(node, "Channel"))
			p->channel = arena_add_content(decoder, node);
		else if (is_element(node, "Computer"))
			p->computer = arena_add_content(decoder, node);
		else if (is_element(node, "Security"))
			p->user_sid = arena_add_attribute(decoder, node, "UserID");
	}
}

static void
add_field(struct decoder *decoder, struct event *event, struct pending *p,
    long name, xmlNodePtr node)
{
	if (event->field_count == EVENT_MAX_FIELDS) {
		event->fields_truncated = 1;
		return;
	}
	p->field_name[event->field_count] = name;
	p->field_value[event->field_count] = arena_add_content(decoder, node);
	event->field_count++;
}

/* <EventData>: named <Data> values; unnamed ones become Data1, Data2, ... */
static void
read_event_data(struct decoder *decoder, xmlNodePtr data, struct event *event,
    struct pending *p)
{
	xmlNodePtr	 node;
	long		 name;
	int		 unnamed = 0;
	char		 generated[32];

	for (node = data->children; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		name = arena_add_attribute(decoder, node, "Name");
		if (name < 0) {
			snprintf(generated, sizeof(generated), "%s%d",
			    (const char *)node->name, ++unnamed);
			name = arena_add_text(decoder, (const xmlChar *)generated);
		}
		add_field(decoder, event, p, name, node);
	}
}

/* A UserData leaf's attributes, as Element.Attribute fields (<Error Code="15007"/>). */
static void
add_attributes(struct decoder *decoder, struct event *event, struct pending *p,
    xmlNodePtr node)
{
	xmlAttrPtr	 attribute;
	char		 name[256];
	xmlChar		*value;

	for (attribute = node->properties; attribute != NULL; attribute = attribute->next) {
		if (event->field_count == EVENT_MAX_FIELDS) {
			event->fields_truncated = 1;
			return;
		}
		snprintf(name, sizeof(name), "%s.%s", (const char *)node->name,
		    (const char *)attribute->name);
		value = xmlNodeListGetString(node->doc, attribute->children, 1);
		p->field_name[event->field_count] = arena_add_text(decoder,
		    (const xmlChar *)name);
		p->field_value[event->field_count] = arena_add_text(decoder, value);
		xmlFree(value);
		event->field_count++;
	}
}

/* <UserData>: the wrapper's leaf elements, named by their element name. */
static void
read_user_data(struct decoder *decoder, xmlNodePtr wrapper, struct event *event,
    struct pending *p, int depth)
{
	xmlNodePtr	node, child;
	int		has_element_child;

	for (node = wrapper->children; node != NULL; node = node->next) {
		if (node->type != XML_ELEMENT_NODE)
			continue;
		has_element_child = 0;
		for (child = node->children; child != NULL; child = child->next)
			if (child->type == XML_ELEMENT_NODE)
				has_element_child = 1;
		if (has_element_child && depth < 8)
			read_user_data(decoder, node, event, p, depth + 1);
		else {
			add_field(decoder, event, p, arena_add_text(decoder,
			    node->name), node);
			add_attributes(decoder, event, p, node);
		}
	}
}

/* Turn the arena offsets into the event's string pointers. */
static void
resolve(struct decoder *decoder, struct event *event, struct pending *p)
{
	const char	*base = decoder->arena;
	size_t		 i;

#define AT(offset) ((offset) >= 0 ? base + (offset) : NULL)
	event->provider = AT(p->provider);
	event->provider_guid = AT(p->provider_guid);
	event->channel = AT(p->channel);
	event->computer = AT(p->computer);
	event->keywords = AT(p->keywords);
	event->user_sid = AT(p->user_sid);
	event->data_element = AT(p->data_element);
	for (i = 0; i < event->field_count; i++) {
		event->fields[i].name = AT(p->field_name[i]);
		event->fields[i].value = AT(p->field_value[i]);
		if (event->fields[i].name == NULL)
			event->fields[i].name = "";
		if (event->fields[i].value == NULL)
			event->fields[i].value = "";
	}
	event->event_id = (uint32_t)number_or(decoder, p->event_id, 0);
	event->version = (int)number_or(decoder, p->version, -1);
	event->level = (int)number_or(decoder, p->level, -1);
	event->task = (int)number_or(decoder, p->task, -1);
	event->opcode = (int)number_or(decoder, p->opcode, -1);
	event->process_id = (uint32_t)number_or(decoder, p->process_id, 0);
	event->thread_id = (uint32_t)number_or(decoder, p->thread_id, 0);
	if (p->time >= 0)
		event->filetime = iso_to_filetime(base + p->time);
	event->record_id = (uint64_t)number_or(decoder, p->record_id,
	    (long)event->record_number);
#undef AT
}

/* Read the fields of one parsed <Event> into event. */
static int
read_document(struct decoder *decoder, xmlDocPtr document, struct event *event)
{
	xmlNodePtr	 root = xmlDocGetRootElement(document), node, child;
	struct pending	 p;

	memset(&p, 0xff, sizeof(p));	/* every offset -1 */
	if (root == NULL || !is_element(root, "Event"))
		return -1;
	for (node = root->children; node != NULL; node = node->next) {
		if (is_element(node, "System"))
			read_system(decoder, node, &p);
		else if (is_element(node, "EventData")) {
			p.data_element = arena_add_text(decoder, node->name);
			read_event_data(decoder, node, event, &p);
		} else if (is_element(node, "UserData")) {
			for (child = node->children; child != NULL; child = child->next)
				if (child->type == XML_ELEMENT_NODE)
					break;
			if (child == NULL)
				continue;
			p.data_element = arena_add_text(decoder, child->name);
			read_user_data(decoder, child, event, &p, 0);
		}
	}
	resolve(decoder, event, &p);
	return 0;
}

/* Fetch record index (live or recovered) and render it as XML. */
static int
render_record(struct decoder *decoder, int index, struct event *event,
    struct decode_problem *problem)
{
	libevtx_record_t	*record = NULL;
	libevtx_error_t		*error = NULL;
	uint64_t		 identifier = 0, written = 0;
	size_t			 size = 0;
	int			 recovered = index >= decoder->live_records;
	int			 result;

	if (recovered)
		result = libevtx_file_get_recovered_record_by_index(decoder->file,
		    index - decoder->live_records, &record, &error);
	else
		result = libevtx_file_get_record_by_index(decoder->file, index,
		    &record, &error);
	if (result != 1) {
		set_libevtx_problem(problem, recovered ? "recovered" : "record",
		    index, "cannot read record", &error);
		return -1;
	}
	if (libevtx_record_get_identifier(record, &identifier, NULL) == 1)
		event->record_number = identifier;
	if (libevtx_record_get_written_time(record, &written, NULL) == 1)
		event->filetime = (int64_t)written;
	if (libevtx_record_get_utf8_xml_string_size(record, &size, &error) != 1 ||
	    size == 0 ||
	    reserve(&decoder->xml, &decoder->xml_allocated, size) == -1 ||
	    libevtx_record_get_utf8_xml_string(record, decoder->xml, size,
	    &error) != 1) {
		set_libevtx_problem(problem, recovered ? "recovered" : "record",
		    index, "cannot render record", &error);
		problem->record_id = identifier ? (int64_t)identifier : -1;
		libevtx_record_free(&record, NULL);
		return -1;
	}
	libevtx_record_free(&record, NULL);
	event->recovered = recovered;
	return map_controls(decoder, size);
}

/*
 * Parse the length bytes of mapped XML in decoder->clean into event; the
 * header's time stands in when the XML has no TimeCreated.
 */
static enum decode_status
parse_rendering(struct decoder *decoder, int length, long index,
    struct event *event, struct decode_problem *problem)
{
	int64_t	 header_time = event->filetime;
	int	 options;

	event->filetime = 0;
	options = XML_PARSE_NONET | XML_PARSE_HUGE |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	decoder->document = xmlCtxtReadMemory(decoder->parser, decoder->clean,
	    length, NULL, "UTF-8", options);
	if (decoder->document == NULL ||
	    read_document(decoder, decoder->document, event) == -1) {
		const xmlError	*xml_error = xmlCtxtGetLastError(decoder->parser);

		problem->kind = event->recovered ? "recovered" : "record";
		problem->record_index = index;
		problem->record_id = event->record_number ? (int64_t)event->record_number : -1;
		problem->chunk = -1;
		snprintf(problem->message, sizeof(problem->message),
		    "record XML does not parse: %s",
		    xml_error && xml_error->message ? xml_error->message : "no <Event>");
		problem->message[strcspn(problem->message, "\n")] = '\0';
		return DECODE_SKIPPED;
	}
	if (event->filetime == 0)
		event->filetime = header_time;
	return DECODE_RECORD;
}

/* Forget the previous record's document and strings. */
static void
start_record(struct decoder *decoder, long index, struct event *event)
{
	event_clear(event);
	event->record_index = index;
	decoder->arena_used = 0;
	if (decoder->document != NULL) {
		xmlFreeDoc(decoder->document);
		decoder->document = NULL;
	}
}

static enum decode_status
libevtx_xml_next(struct decoder *decoder, struct event *event,
    struct decode_problem *problem)
{
	int	 index, length;

	if (decoder->next_index >= decoder->live_records + decoder->recovered_records)
		return DECODE_END;
	index = decoder->next_index++;
	start_record(decoder, index, event);
	if ((length = render_record(decoder, index, event, problem)) < 0)
		return DECODE_SKIPPED;
	return parse_rendering(decoder, length, index, event, problem);
}

/*
 * Read xml, one record as libevtx renders it, into event with no file
 * behind it: the fuzz target's way into this decoder's own code, which in
 * ingest runs in the sandbox's child process, out of a fuzzer's sight.
 */
enum decode_status
libevtx_xml_parse_rendering(const uint8_t *xml, size_t size, struct event *event,
    struct decode_problem *problem)
{
	static struct decoder	decoder;
	int			length;

	if (decoder.parser == NULL && (decoder.parser = xmlNewParserCtxt()) == NULL)
		return DECODE_FAILED;
	start_record(&decoder, 0, event);
	if (reserve(&decoder.xml, &decoder.xml_allocated, size + 1) == -1)
		return DECODE_FAILED;
	memcpy(decoder.xml, xml, size);
	decoder.xml[size] = '\0';
	if ((length = map_controls(&decoder, size + 1)) < 0)
		return DECODE_FAILED;
	return parse_rendering(&decoder, length, 0, event, problem);
}

int
libevtx_xml_inprocess_seek(struct decoder *decoder, long index)
{
	if (index < 0 || index >= decoder->live_records + decoder->recovered_records)
		return -1;
	decoder->next_index = (int)index;
	return 0;
}

static void
libevtx_xml_close(struct decoder *decoder)
{
	if (decoder == NULL)
		return;
	if (decoder->document != NULL)
		xmlFreeDoc(decoder->document);
	if (decoder->parser != NULL)
		xmlFreeParserCtxt(decoder->parser);
	libevtx_file_close(decoder->file, NULL);
	libevtx_file_free(&decoder->file, NULL);
	free(decoder->xml);
	free(decoder->clean);
	free(decoder->arena);
	free(decoder);
}

const struct decoder_ops libevtx_xml_inprocess_decoder = {
	.name = "libevtx-xml-inprocess",
	.open = libevtx_xml_open,
	.info = libevtx_xml_info,
	.next = libevtx_xml_next,
	.close = libevtx_xml_close,
};
