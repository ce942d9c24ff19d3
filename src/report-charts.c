/*
 * report-charts.c: the HTML report's charts, drawn here as inline SVG so the
 * page needs no library and no network.
 *
 *   activity      network events over time, one strip per host, with the
 *                 findings and dated gaps marked on the time axis;
 *   fan-out       distinct destination ports and hosts per initiating address;
 *   applications  which applications each user's connections came from.
 *
 * Each chart aggregates in SQLite and keeps a bounded number of rows (hosts,
 * sources, users), so memory does not grow with the case. Labels are log
 * strings: they are escaped, shortened for display, and given whole in a
 * <title> tooltip.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report-internal.h"

#define CHART_WIDTH		960
#define LABEL_WIDTH		170
#define LABEL_CHARS		26

#define ACTIVITY_BINS		72
#define ACTIVITY_HOSTS		12
#define ACTIVITY_ROW		64
#define ACTIVITY_BAR_HEIGHT	40

#define FAN_OUT_SOURCES		15
#define FAN_OUT_ROW		30

#define MATRIX_USERS		12
#define MATRIX_APPLICATIONS	12
#define MATRIX_CELL_WIDTH	58
#define MATRIX_CELL_HEIGHT	26
#define MATRIX_HEADER		110

/* A label read from the case, kept for the time one chart is drawn. */
struct label {
	char	*text;
	size_t	 length;
};

/* Copy a column into a label (empty label for NULL). Returns -1 on ENOMEM. */
static int
label_copy(struct label *label, sqlite3_stmt *statement, int column)
{
	const void	*text = sqlite3_column_blob(statement, column);

	label->length = (size_t)sqlite3_column_bytes(statement, column);
	label->text = malloc(label->length + 1);
	if (label->text == NULL)
		return -1;
	if (label->length > 0)
		memcpy(label->text, text, label->length);
	label->text[label->length] = '\0';
	return 0;
}

static void
labels_free(struct label *labels, int count)
{
	int	i;

	for (i = 0; i < count; i++)
		free(labels[i].text);
}

/* 1 when the column equals the label, byte for byte. */
static int
label_equals(const struct label *label, sqlite3_stmt *statement, int column)
{
	size_t	length = (size_t)sqlite3_column_bytes(statement, column);

	return length == label->length && (length == 0 ||
	    memcmp(sqlite3_column_blob(statement, column), label->text,
	    length) == 0);
}

/* An SVG <text> label: shortened, with the whole value as its tooltip. */
static void
put_label(FILE *out, const struct label *label, int x, int y,
    const char *anchor)
{
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" class=\"label\">"
	    "<title>", x, y, anchor);
	report_put_html_text(out, label->text, label->length,
	    REPORT_HTML_MAX_CHARS);
	fputs("</title>", out);
	report_put_html_label(out, label->text, label->length, LABEL_CHARS);
	fputs("</text>\n", out);
}

/* The start of a figure and its SVG; role and title make it accessible. */
static void
figure_start(FILE *out, const char *id, const char *title, int height)
{
	fprintf(out, "<figure class=\"chart\" id=\"%s\">\n<figcaption>%s"
	    "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
	    " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
	    id, title, CHART_WIDTH, height, title);
}

static void
figure_end(FILE *out, const char *note)
{
	fprintf(out, "</svg>\n<p class=\"chart-note\">%s</p>\n</figure>\n", note);
}

/* A figure with a sentence in place of a chart. */
static void
figure_empty(FILE *out, const char *id, const char *title, const char *why)
{
	fprintf(out, "<figure class=\"chart\" id=\"%s\">\n<figcaption>%s"
	    "</figcaption>\n<p class=\"empty\">%s</p>\n</figure>\n", id, title, why);
}

/* Prepare a chart query; on failure fill error and return NULL. */
static sqlite3_stmt *
chart_prepare(sqlite3 *db, const char *sql, char *error, size_t error_size)
{
	sqlite3_stmt	*statement;

	if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) {
		report_sqlite_error(db, error, error_size,
		    "preparing a chart query");
		return NULL;
	}
	return statement;
}

/* Finish a chart query: -1 with error filled if it ended in an error. */
static int
chart_finish(sqlite3 *db, sqlite3_stmt *statement, int status, char *error,
    size_t error_size)
{
	if (status != SQLITE_DONE)
		report_sqlite_error(db, error, error_size, "reading a chart query");
	sqlite3_finalize(statement);
	return status == SQLITE_DONE ? 0 : -1;
}

/* The time span the activity chart draws. */
struct time_axis {
	int64_t	first_us;
	int64_t	span_us;	/* at least 1 */
	int	left;		/* x of first_us */
	int	width;		/* pixels for span_us */
};

/* The x of an instant on the axis, clamped to it. */
static double
axis_x(const struct time_axis *axis, int64_t unix_us)
{
	double	fraction = (double)(unix_us - axis->first_us) / axis->span_us;

	if (fraction < 0)
		fraction = 0;
	if (fraction > 1)
		fraction = 1;
	return axis->left + fraction * axis->width;
}

/*
 * Tick labels under the strips: times of day when the span is under a day,
 * else month-day and time. The caption gives the full first and last times.
 */
static void
write_time_ticks(FILE *out, const struct time_axis *axis, int y)
{
	char	text[REPORT_TIME_SIZE];
	int	i;
	int64_t	at;
	double	x;

	for (i = 0; i <= 6; i++) {
		at = axis->first_us + axis->span_us / 6 * i;
		x = axis_x(axis, at);
		report_time_display(at, text, sizeof text);
		text[axis->span_us > 86400000000LL ? 16 : 19] = '\0';
		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
		    " class=\"tick\"/>\n<text x=\"%.1f\" y=\"%d\""
		    " text-anchor=\"%s\" class=\"axis\">%s</text>\n",
		    x, y - 4, x, y, x, y + 14,
		    i == 0 ? "start" : i == 6 ? "end" : "middle",
		    text + (axis->span_us > 86400000000LL ? 5 : 11));
	}
}

/*
 * The height of a bar for count events when the busiest bin holds most: in
 * proportion, but at least 2 pixels, so that a quiet bin beside a scan
 * still shows that something was logged.
 */
static double
bar_height(int64_t count, int64_t most)
{
	double	h = (double)count * ACTIVITY_BAR_HEIGHT / most;

	return h < 2 ? 2 : h;
}

/* One host's strip: allowed and denied events per bin, scaled to its max. */
static int
write_activity_strip(sqlite3 *db, FILE *out, const struct label *host,
    const struct time_axis *axis, int top, char *error, size_t error_size)
{
	int64_t		 allowed[ACTIVITY_BINS] = { 0 }, denied[ACTIVITY_BINS] = { 0 };
	int64_t		 most = 0;
	sqlite3_stmt	*statement;
	double		 bin_width = (double)axis->width / ACTIVITY_BINS, h;
	int		 status, bin, base = top + ACTIVITY_BAR_HEIGHT;

	statement = chart_prepare(db, "SELECT min(?3 - 1, (time_unix_us - ?1) * ?3"
	    " / ?2) AS bin, sum(action IN ('blocked','dropped','listen_blocked',"
	    "'bind_blocked')), count(*) FROM network_events WHERE host IS ?4"
	    " AND time_unix_us IS NOT NULL GROUP BY bin", error, error_size);
	if (statement == NULL)
		return -1;
	sqlite3_bind_int64(statement, 1, axis->first_us);
	sqlite3_bind_int64(statement, 2, axis->span_us);
	sqlite3_bind_int(statement, 3, ACTIVITY_BINS);
	sqlite3_bind_text(statement, 4, host->text, (int)host->length,
	    SQLITE_STATIC);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		bin = sqlite3_column_int(statement, 0);
		if (bin < 0 || bin >= ACTIVITY_BINS)
			continue;
		denied[bin] = sqlite3_column_int64(statement, 1);
		allowed[bin] = sqlite3_column_int64(statement, 2) - denied[bin];
		if (allowed[bin] + denied[bin] > most)
			most = allowed[bin] + denied[bin];
	}
	if (chart_finish(db, statement, status, error, error_size) == -1)
		return -1;
	put_label(out, host, LABEL_WIDTH - 10, top + ACTIVITY_BAR_HEIGHT - 14, "end");
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"baseline\"/>\n"
	    "<text x=\"%d\" y=\"%d\" class=\"axis\">max %" PRId64 "</text>\n",
	    axis->left, base, axis->left + axis->width, base,
	    axis->left + axis->width + 4, top + 10, most);
	for (bin = 0; bin < ACTIVITY_BINS && most > 0; bin++) {
		if (allowed[bin] > 0) {
			h = bar_height(allowed[bin], most);
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			    " height=\"%.1f\" class=\"bar-allowed\"><title>%" PRId64
			    " allowed</title></rect>\n", axis->left + bin * bin_width,
			    base - h, bin_width - 1, h, allowed[bin]);
		}
		if (denied[bin] > 0) {
			h = allowed[bin] > 0 ? bar_height(allowed[bin], most) : 0;
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			    " height=\"%.1f\" class=\"bar-denied\"><title>%" PRId64
			    " blocked or dropped</title></rect>\n",
			    axis->left + bin * bin_width,
			    base - h - bar_height(denied[bin], most), bin_width - 1,
			    bar_height(denied[bin], most), denied[bin]);
		}
	}
	return 0;
}

/*
 * Marks for findings (triangles on the strip's axis, a line for their span)
 * and dated gaps (a shaded band) on the strip of their host; a gap with no
 * host shades every strip.
 */
static int
write_activity_marks(sqlite3 *db, FILE *out, const struct label *hosts,
    int host_count, const struct time_axis *axis, int top, char *error,
    size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status, i, y, is_gap;
	double		 x1, x2;

	statement = chart_prepare(db,
	    "SELECT 'finding', host, " REPORT_SQL_TIME_US("first_time") ","
	    " " REPORT_SQL_TIME_US("coalesce(last_time, first_time)") ","
	    " severity, summary FROM findings UNION ALL"
	    " SELECT 'gap', host, " REPORT_SQL_TIME_US("first_time") ","
	    " " REPORT_SQL_TIME_US("coalesce(last_time, first_time)") ","
	    " severity, summary FROM gaps WHERE first_time IS NOT NULL",
	    error, error_size);
	if (statement == NULL)
		return -1;
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		if (sqlite3_column_type(statement, 2) == SQLITE_NULL)
			continue;
		x1 = axis_x(axis, sqlite3_column_int64(statement, 2));
		x2 = axis_x(axis, sqlite3_column_int64(statement, 3));
		is_gap = strcmp((const char *)sqlite3_column_text(statement, 0),
		    "gap") == 0;
		for (i = 0; i < host_count; i++) {
			if (!(is_gap && sqlite3_column_type(statement, 1) ==
			    SQLITE_NULL) && !label_equals(&hosts[i], statement, 1))
				continue;
			y = top + i * ACTIVITY_ROW;
			if (is_gap)
				fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\""
				    " height=\"%d\" class=\"gap-band sev-%s\"><title>",
				    x1, y, x2 - x1 < 3 ? 3 : x2 - x1,
				    ACTIVITY_BAR_HEIGHT, report_severity_class(
				    (const char *)sqlite3_column_text(statement, 4)));
			else
				fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\""
				    " y2=\"%d\" class=\"finding-span\"/>\n"
				    "<path d=\"M%.1f %d l-6 10 h12 z\" class=\"finding-mark"
				    " sev-%s\"><title>", x1, y + ACTIVITY_BAR_HEIGHT + 6,
				    x2, y + ACTIVITY_BAR_HEIGHT + 6, x1,
				    y + ACTIVITY_BAR_HEIGHT + 1, report_severity_class(
				    (const char *)sqlite3_column_text(statement, 4)));
			report_put_html_text(out, (const char *)sqlite3_column_text(
			    statement, 5), (size_t)sqlite3_column_bytes(statement, 5),
			    REPORT_HTML_MAX_CHARS);
			fputs(is_gap ? "</title></rect>\n" : "</title></path>\n", out);
		}
	}
	return chart_finish(db, statement, status, error, error_size);
}

/* Read the hosts with the most network events, most first. */
static int
read_top_hosts(sqlite3 *db, struct label *hosts, int *count, int64_t *others,
    char *error, size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status;

	*count = 0;
	*others = 0;
	statement = chart_prepare(db, "SELECT host, count(*) FROM network_events"
	    " WHERE time_unix_us IS NOT NULL AND host IS NOT NULL GROUP BY host"
	    " ORDER BY count(*) DESC, host", error, error_size);
	if (statement == NULL)
		return -1;
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		if (*count == ACTIVITY_HOSTS) {
			(*others)++;
			continue;
		}
		if (label_copy(&hosts[*count], statement, 0) == -1) {
			sqlite3_finalize(statement);
			snprintf(error, error_size, "out of memory drawing a chart");
			return -1;
		}
		(*count)++;
	}
	return chart_finish(db, statement, status, error, error_size);
}

int
report_chart_activity(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	static const char title[] = "Network events over time, per host";
	struct label	 hosts[ACTIVITY_HOSTS];
	struct time_axis axis;
	int64_t		 others, last_us;
	int		 count, i, top = 24, result = 0;
	char		 note[320], first[REPORT_TIME_SIZE], last[REPORT_TIME_SIZE];

	axis.first_us = report_query_int(db, "SELECT min(time_unix_us) FROM"
	    " network_events", -1);
	last_us = report_query_int(db, "SELECT max(time_unix_us) FROM"
	    " network_events", -1);
	if (axis.first_us == -1) {
		figure_empty(out, "chart-activity", title, "No network events.");
		return 0;
	}
	axis.span_us = last_us - axis.first_us + 1;
	axis.left = LABEL_WIDTH;
	axis.width = CHART_WIDTH - LABEL_WIDTH - 60;
	if (read_top_hosts(db, hosts, &count, &others, error, error_size) == -1)
		return -1;
	figure_start(out, "chart-activity", title,
	    top + count * ACTIVITY_ROW + 30);
	fprintf(out, "<g class=\"legend\"><rect x=\"%d\" y=\"4\" width=\"10\""
	    " height=\"10\" class=\"bar-allowed\"/><text x=\"%d\" y=\"13\">allowed"
	    "</text><rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\""
	    " class=\"bar-denied\"/><text x=\"%d\" y=\"13\">blocked or dropped"
	    "</text><path d=\"M%d 4 l-5 9 h10 z\" class=\"finding-mark sev-high\"/>"
	    "<text x=\"%d\" y=\"13\">finding</text><rect x=\"%d\" y=\"4\""
	    " width=\"10\" height=\"10\" class=\"gap-band sev-medium\"/>"
	    "<text x=\"%d\" y=\"13\">coverage gap</text></g>\n",
	    axis.left, axis.left + 14, axis.left + 80, axis.left + 94,
	    axis.left + 230, axis.left + 240, axis.left + 300, axis.left + 314);
	for (i = 0; i < count && result == 0; i++)
		result = write_activity_strip(db, out, &hosts[i], &axis,
		    top + i * ACTIVITY_ROW, error, error_size);
	if (result == 0)
		result = write_activity_marks(db, out, hosts, count, &axis, top,
		    error, error_size);
	if (result == 0) {
		write_time_ticks(out, &axis, top + count * ACTIVITY_ROW + 4);
		report_time_display(axis.first_us, first, sizeof first);
		report_time_display(last_us, last, sizeof last);
		snprintf(note, sizeof note, "From %s to %s UTC in %d bins; each"
		    " strip is scaled to its own busiest bin.", first, last,
		    ACTIVITY_BINS);
		if (others > 0)
			snprintf(note + strlen(note), sizeof note - strlen(note),
			    " The %d busiest of %" PRId64 " hosts are drawn.",
			    count, count + others);
		figure_end(out, note);
	}
	labels_free(hosts, count);
	return result;
}

/*
 * Fan-out per initiating address: distinct destination ports and hosts. The
 * initiator of inbound traffic is the remote end; of anything else the local
 * end. Listens and binds have no destination and are left out.
 */
static const char fan_out_sql[] =
    "SELECT source, count(DISTINCT destination_port),"
    " count(DISTINCT destination), count(*) FROM ("
    " SELECT CASE WHEN direction = 'inbound' THEN remote_ip ELSE local_ip END"
    "  AS source,"
    " CASE WHEN direction = 'inbound' THEN local_ip ELSE remote_ip END"
    "  AS destination,"
    " CASE WHEN direction = 'inbound' THEN local_port ELSE remote_port END"
    "  AS destination_port"
    " FROM network_events WHERE remote_ip IS NOT NULL"
    " AND coalesce(action, '') NOT IN ('listen', 'listen_blocked', 'bind',"
    " 'bind_blocked'))"
    " WHERE source IS NOT NULL GROUP BY source"
    " ORDER BY max(count(DISTINCT destination_port),"
    " count(DISTINCT destination)) DESC, count(*) DESC, source LIMIT ?1";

/* One source's two bars, scaled to the largest value of the chart. */
static void
write_fan_out_row(FILE *out, const struct label *source, int64_t ports,
    int64_t hosts, int64_t most, int y)
{
	int	width = CHART_WIDTH - LABEL_WIDTH - 70;
	double	ports_width = (double)ports * width / most;
	double	hosts_width = (double)hosts * width / most;

	put_label(out, source, LABEL_WIDTH - 10, y + 16, "end");
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"11\""
	    " class=\"bar-ports\"><title>%" PRId64 " distinct ports</title></rect>\n"
	    "<text x=\"%.1f\" y=\"%d\" class=\"value\">%" PRId64 "</text>\n"
	    "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"11\""
	    " class=\"bar-hosts\"><title>%" PRId64 " distinct hosts</title></rect>\n"
	    "<text x=\"%.1f\" y=\"%d\" class=\"value\">%" PRId64 "</text>\n",
	    LABEL_WIDTH, y + 3, ports_width, ports,
	    LABEL_WIDTH + ports_width + 4, y + 12, ports,
	    LABEL_WIDTH, y + 15, hosts_width, hosts,
	    LABEL_WIDTH + hosts_width + 4, y + 25, hosts);
}

int
report_chart_fan_out(sqlite3 *db, FILE *out, char *error, size_t error_size)
{
	static const char title[] = "Fan-out per initiating address:"
	    " distinct destination ports and hosts";
	struct label	 sources[FAN_OUT_SOURCES];
	int64_t		 ports[FAN_OUT_SOURCES], hosts[FAN_OUT_SOURCES], most = 1;
	sqlite3_stmt	*statement;
	int		 status, count = 0, i, top = 24;

	statement = chart_prepare(db, fan_out_sql, error, error_size);
	if (statement == NULL)
		return -1;
	sqlite3_bind_int(statement, 1, FAN_OUT_SOURCES);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		if (label_copy(&sources[count], statement, 0) == -1) {
			sqlite3_finalize(statement);
			labels_free(sources, count);
			snprintf(error, error_size, "out of memory drawing a chart");
			return -1;
		}
		ports[count] = sqlite3_column_int64(statement, 1);
		hosts[count] = sqlite3_column_int64(statement, 2);
		if (ports[count] > most)
			most = ports[count];
		if (hosts[count] > most)
			most = hosts[count];
		count++;
	}
	if (chart_finish(db, statement, status, error, error_size) == -1) {
		labels_free(sources, count);
		return -1;
	}
	if (count == 0) {
		figure_empty(out, "chart-fan-out", title,
		    "No connections with a remote address.");
		return 0;
	}
	figure_start(out, "chart-fan-out", title, top + count * FAN_OUT_ROW + 8);
	fprintf(out, "<g class=\"legend\"><rect x=\"%d\" y=\"4\" width=\"10\""
	    " height=\"10\" class=\"bar-ports\"/><text x=\"%d\" y=\"13\">distinct"
	    " destination ports</text><rect x=\"%d\" y=\"4\" width=\"10\""
	    " height=\"10\" class=\"bar-hosts\"/><text x=\"%d\" y=\"13\">distinct"
	    " destination hosts</text></g>\n", LABEL_WIDTH, LABEL_WIDTH + 14,
	    LABEL_WIDTH + 180, LABEL_WIDTH + 194);
	for (i = 0; i < count; i++)
		write_fan_out_row(out, &sources[i], ports[i], hosts[i], most,
		    top + i * FAN_OUT_ROW);
	figure_end(out, "The sources with the widest fan-out, widest first."
	    " A port sweep shows as a long ports bar, a host sweep as a long"
	    " hosts bar.");
	labels_free(sources, count);
	return 0;
}

/* The user of a network event, or a marker for none. */
#define SQL_EVENT_USER \
	"coalesce(a.user_name, n.user_name, '(unattributed)')"
#define SQL_EVENT_APPLICATION \
	"coalesce(n.application_name, n.application, '(unknown)')"

/* Read the first rows of a two-column (label, count) query into labels. */
static int
read_labels(sqlite3 *db, const char *sql, int limit, struct label *labels,
    int *count, char *error, size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status;

	*count = 0;
	statement = chart_prepare(db, sql, error, error_size);
	if (statement == NULL)
		return -1;
	sqlite3_bind_int(statement, 1, limit);
	while ((status = sqlite3_step(statement)) == SQLITE_ROW &&
	    *count < limit) {
		if (label_copy(&labels[*count], statement, 0) == -1) {
			sqlite3_finalize(statement);
			snprintf(error, error_size, "out of memory drawing a chart");
			return -1;
		}
		(*count)++;
	}
	if (status == SQLITE_ROW)
		status = SQLITE_DONE;
	return chart_finish(db, statement, status, error, error_size);
}

/* The index of the label equal to the column, or -1. */
static int
find_label(const struct label *labels, int count, sqlite3_stmt *statement,
    int column)
{
	int	i;

	for (i = 0; i < count; i++)
		if (label_equals(&labels[i], statement, column))
			return i;
	return -1;
}

/* Fill the user x application matrix of connection and host counts. */
static int
read_matrix(sqlite3 *db, const struct label *users, int user_count,
    const struct label *applications, int application_count,
    int64_t connections[MATRIX_USERS][MATRIX_APPLICATIONS],
    int64_t remote_hosts[MATRIX_USERS][MATRIX_APPLICATIONS], char *error,
    size_t error_size)
{
	sqlite3_stmt	*statement;
	int		 status, u, a;

	statement = chart_prepare(db, "SELECT " SQL_EVENT_USER ", "
	    SQL_EVENT_APPLICATION ", count(*), count(DISTINCT n.remote_ip)"
	    " FROM network_events n LEFT JOIN attribution a"
	    " ON a.network_event_id = n.id GROUP BY 1, 2", error, error_size);
	if (statement == NULL)
		return -1;
	while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
		u = find_label(users, user_count, statement, 0);
		a = find_label(applications, application_count, statement, 1);
		if (u < 0 || a < 0)
			continue;
		connections[u][a] = sqlite3_column_int64(statement, 2);
		remote_hosts[u][a] = sqlite3_column_int64(statement, 3);
	}
	return chart_finish(db, statement, status, error, error_size);
}

/* The number of bits of value: a base-2 logarithm for shading cells. */
static int
bit_length(int64_t value)
{
	int	bits = 0;

	while (value > 0) {
		bits++;
		value >>= 1;
	}
	return bits;
}

/* One matrix cell: shade by log2(count), the count written in it. */
static void
write_matrix_cell(FILE *out, const struct label *user,
    const struct label *application, int64_t connections, int64_t hosts,
    int64_t most, int x, int y)
{
	int	level;

	if (connections == 0) {
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
		    " class=\"cell-empty\"/>\n", x, y, MATRIX_CELL_WIDTH - 2,
		    MATRIX_CELL_HEIGHT - 2);
		return;
	}
	level = 1 + 4 * bit_length(connections) / bit_length(most);
	if (level > 5)
		level = 5;
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\""
	    " class=\"cell-%d\"><title>", x, y, MATRIX_CELL_WIDTH - 2,
	    MATRIX_CELL_HEIGHT - 2, level);
	report_put_html_text(out, user->text, user->length, REPORT_HTML_MAX_CHARS);
	fputs(", ", out);
	report_put_html_text(out, application->text, application->length,
	    REPORT_HTML_MAX_CHARS);
	fprintf(out, ": %" PRId64 " network events, %" PRId64 " remote hosts"
	    "</title></rect>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\""
	    " class=\"cell-text%s\">%" PRId64 "</text>\n", connections, hosts,
	    x + MATRIX_CELL_WIDTH / 2 - 1, y + MATRIX_CELL_HEIGHT / 2 + 4,
	    level >= 4 ? " light" : "", connections);
}

/* Draw the matrix: application names slanted on top, users on the left. */
static void
write_matrix(FILE *out, const struct label *users, int user_count,
    const struct label *applications, int application_count,
    int64_t connections[MATRIX_USERS][MATRIX_APPLICATIONS],
    int64_t remote_hosts[MATRIX_USERS][MATRIX_APPLICATIONS])
{
	int64_t	most = 1;
	int	u, a, x;

	for (u = 0; u < user_count; u++)
		for (a = 0; a < application_count; a++)
			if (connections[u][a] > most)
				most = connections[u][a];
	for (a = 0; a < application_count; a++) {
		x = LABEL_WIDTH + a * MATRIX_CELL_WIDTH + MATRIX_CELL_WIDTH / 2;
		fprintf(out, "<g transform=\"translate(%d %d) rotate(-40)\">", x,
		    MATRIX_HEADER - 6);
		put_label(out, &applications[a], 0, 0, "start");
		fputs("</g>\n", out);
	}
	for (u = 0; u < user_count; u++) {
		put_label(out, &users[u], LABEL_WIDTH - 8,
		    MATRIX_HEADER + u * MATRIX_CELL_HEIGHT + 17, "end");
		for (a = 0; a < application_count; a++)
			write_matrix_cell(out, &users[u], &applications[a],
			    connections[u][a], remote_hosts[u][a], most,
			    LABEL_WIDTH + a * MATRIX_CELL_WIDTH,
			    MATRIX_HEADER + u * MATRIX_CELL_HEIGHT);
	}
}

int
report_chart_user_applications(sqlite3 *db, FILE *out, char *error,
    size_t error_size)
{
	static const char title[] = "Applications per user (network events)";
	int64_t		 connections[MATRIX_USERS][MATRIX_APPLICATIONS];
	int64_t		 remote_hosts[MATRIX_USERS][MATRIX_APPLICATIONS];
	struct label	 users[MATRIX_USERS], applications[MATRIX_APPLICATIONS];
	int		 user_count = 0, application_count = 0, result;

	memset(connections, 0, sizeof connections);
	memset(remote_hosts, 0, sizeof remote_hosts);
	result = read_labels(db, "SELECT " SQL_EVENT_USER ", count(*)"
	    " FROM network_events n LEFT JOIN attribution a"
	    " ON a.network_event_id = n.id GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?1",
	    MATRIX_USERS, users, &user_count, error, error_size);
	if (result == 0)
		result = read_labels(db, "SELECT " SQL_EVENT_APPLICATION ", count(*)"
		    " FROM network_events n GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?1",
		    MATRIX_APPLICATIONS, applications, &application_count,
		    error, error_size);
	if (result == 0)
		result = read_matrix(db, users, user_count, applications,
		    application_count, connections, remote_hosts, error,
		    error_size);
	if (result == 0 && user_count == 0)
		figure_empty(out, "chart-applications", title, "No network events.");
	else if (result == 0) {
		figure_start(out, "chart-applications", title,
		    MATRIX_HEADER + user_count * MATRIX_CELL_HEIGHT + 8);
		write_matrix(out, users, user_count, applications,
		    application_count, connections, remote_hosts);
		figure_end(out, "Network events per user and application; darker"
		    " is more. Users come from attribution (process creation and"
		    " logon events) or from Sysmon; (unattributed) events have"
		    " neither. The busiest users and applications are drawn.");
	}
	labels_free(users, user_count);
	labels_free(applications, application_count);
	return result;
}
