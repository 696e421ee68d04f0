#include "rows.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "net.h"
#include "output_diagnose.h"
#include "query.h"
#include "text.h"

static const char *const sort_names[PT_SORT_COUNT] = {
	[PT_SORT_ADDED] = "added", [PT_SORT_STATUS] = "status", [PT_SORT_GROUP] = "answer",
	[PT_SORT_TTL] = "TTL",	   [PT_SORT_RTT] = "RTT",	[PT_SORT_LABEL] = "label",
};

const char *pt_sort_name(enum pt_sort sort)
{
	if ((int)sort < 0 || sort >= PT_SORT_COUNT) {
		return "added";
	}
	return sort_names[sort];
}

enum pt_sort pt_sort_next(enum pt_sort sort)
{
	return (enum pt_sort)(((int)sort + 1) % PT_SORT_COUNT);
}

int pt_rows_status_rank(enum pt_verdict v)
{
	/* worst first: what keeps propagation from converging, then failures, then the rest */
	switch (v) {
	case PT_VERDICT_DIFFER:
		return 0;
	case PT_VERDICT_NEGATIVE:
		return 1;
	case PT_VERDICT_SERVFAIL:
		return 2;
	case PT_VERDICT_ERROR:
		return 3;
	case PT_VERDICT_TIMEOUT:
		return 4;
	case PT_VERDICT_REFUSED:
		return 5;
	case PT_VERDICT_PENDING:
		return 6;
	case PT_VERDICT_MATCH:
		return 7;
	default:
		return 8;
	}
}

/* Case-insensitive (ASCII) substring test; @p needle is already lower-case. */
static bool contains(const char *hay, const char *needle, size_t nlen)
{
	size_t i, j;

	for (i = 0; hay[i] != '\0'; i++) {
		for (j = 0; j < nlen && hay[i + j] != '\0'; j++) {
			if (tolower((unsigned char)hay[i + j]) != (unsigned char)needle[j]) {
				break;
			}
		}
		if (j == nlen) {
			return true;
		}
	}
	return false;
}

static bool match_lower(const struct pt_row *row, const char *needle, size_t nlen)
{
	size_t i;

	if (contains(row->resolver->label, needle, nlen) ||
	    contains(row->resolver->address, needle, nlen) ||
	    contains(row->resolver->location, needle, nlen)) {
		return true;
	}
	for (i = 0; i < row->answer.count; i++) {
		if (row->answer.rdata[i] && contains(row->answer.rdata[i], needle, nlen)) {
			return true;
		}
	}
	return false;
}

static size_t lower_copy(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	while (src[n] != '\0' && n + 1 < size) {
		dst[n] = (char)tolower((unsigned char)src[n]);
		n++;
	}
	dst[n] = '\0';
	return n;
}

bool pt_rows_match(const struct pt_row *row, const char *filter)
{
	char needle[512];
	size_t nlen;

	if (!filter || filter[0] == '\0') {
		return true;
	}
	nlen = lower_copy(needle, sizeof(needle), filter);
	return match_lower(row, needle, nlen);
}

/* What a row sorts by; precomputed so the comparator needs no context. */
struct sort_item {
	size_t index;
	long key;
	const char *text;
};

static int cmp_item(const void *pa, const void *pb)
{
	const struct sort_item *a = pa;
	const struct sort_item *b = pb;
	int c;

	if (a->key != b->key) {
		return a->key < b->key ? -1 : 1;
	}
	if (a->text && b->text) {
		c = strcasecmp(a->text, b->text);
		if (c != 0) {
			return c;
		}
	}
	return a->index < b->index ? -1 : a->index > b->index;
}

static void sort_key(struct sort_item *it, const struct pt_row *row, enum pt_sort sort,
		     uint64_t now_ns)
{
	long ttl;

	it->key = 0;
	it->text = NULL;
	switch (sort) {
	case PT_SORT_STATUS:
		it->key = pt_rows_status_rank(row->verdict);
		break;
	case PT_SORT_GROUP:
		it->key = row->group < 0 ? LONG_MAX : row->group;
		break;
	case PT_SORT_TTL:
		ttl = pt_row_ttl_left(row, now_ns);
		it->key = ttl < 0 ? LONG_MAX : ttl;
		break;
	case PT_SORT_RTT:
		/* microseconds keep sub-millisecond loopback times apart */
		it->key = row->has_reply && row->result == PT_REPLY_OK
				  ? (long)(row->rtt_ms * 1000.0)
				  : LONG_MAX;
		break;
	case PT_SORT_LABEL:
		it->text = row->resolver->label[0] ? row->resolver->label : row->resolver->address;
		break;
	default:
		break;
	}
}

size_t pt_rows_order(size_t *out, const struct pt_snapshot *s, enum pt_sort sort,
		     const char *filter, uint64_t now_ns)
{
	struct sort_item *items;
	char needle[512];
	size_t nlen = 0, n = 0, i;
	bool filtering = filter && filter[0] != '\0';

	if (filtering) {
		nlen = lower_copy(needle, sizeof(needle), filter);
	}
	if (sort == PT_SORT_ADDED) {
		for (i = 0; i < s->nrows; i++) {
			if (!filtering || match_lower(pt_snapshot_row(s, i), needle, nlen)) {
				out[n++] = i;
			}
		}
		return n;
	}
	items = malloc((s->nrows ? s->nrows : 1) * sizeof(*items));
	if (!items) {
		/* out of memory: show the rows unsorted rather than nothing */
		return pt_rows_order(out, s, PT_SORT_ADDED, filter, now_ns);
	}
	for (i = 0; i < s->nrows; i++) {
		const struct pt_row *row = pt_snapshot_row(s, i);

		if (filtering && !match_lower(row, needle, nlen)) {
			continue;
		}
		items[n].index = i;
		sort_key(&items[n], row, sort, now_ns);
		n++;
	}
	qsort(items, n, sizeof(*items), cmp_item);
	for (i = 0; i < n; i++) {
		out[i] = items[i].index;
	}
	free(items);
	return n;
}

bool pt_order_update(struct pt_order *o, const struct pt_snapshot *s, enum pt_sort sort,
		     const char *filter, uint64_t now_ns)
{
	const char *f = filter ? filter : "";
	bool rows_changed, asked;

	asked = !o->valid || o->sort != sort || strlen(f) >= sizeof(o->filter) ||
		strcmp(o->filter, f) != 0 || o->rows_generation != s->rows_generation ||
		o->nrows != s->nrows;
	rows_changed = o->generation != s->generation ||
		       (sort == PT_SORT_TTL &&
			now_ns / PT_ORDER_RESORT_NS != o->at_ns / PT_ORDER_RESORT_NS);
	if (!asked && !rows_changed) {
		return false;
	}
	if (!asked && s->nrows > PT_ORDER_THROTTLE_ROWS && now_ns - o->at_ns < PT_ORDER_RESORT_NS) {
		return false;
	}
	if (o->cap < s->nrows) {
		size_t *g = realloc(o->idx, s->nrows * sizeof(*g));

		if (g == NULL) {
			o->n = 0;
			o->valid = false;
			return true;
		}
		o->idx = g;
		o->cap = s->nrows;
	}
	o->n = s->nrows ? pt_rows_order(o->idx, s, sort, f, now_ns) : 0;
	o->computed++;
	o->valid = true;
	o->generation = s->generation;
	o->rows_generation = s->rows_generation;
	o->nrows = s->nrows;
	o->sort = sort;
	snprintf(o->filter, sizeof(o->filter), "%s", f);
	o->at_ns = now_ns;
	return true;
}

void pt_order_fini(struct pt_order *o)
{
	free(o->idx);
	memset(o, 0, sizeof(*o));
}

char pt_rows_group_letter(int group)
{
	if (group < 0) {
		return ' ';
	}
	if (group >= 26) {
		return '?';
	}
	return (char)('A' + group);
}

enum pt_color pt_rows_group_color(int group)
{
	if (group < 0) {
		return PT_COLOR_NORMAL;
	}
	return (enum pt_color)(PT_COLOR_GROUP0 + group % PT_COLOR_NGROUPS);
}

enum pt_color pt_rows_role(const struct pt_row *row)
{
	return pt_rows_verdict_role(row->verdict);
}

enum pt_color pt_rows_verdict_role(enum pt_verdict v)
{
	switch (v) {
	case PT_VERDICT_MATCH:
		return PT_COLOR_AGREE;
	case PT_VERDICT_DIFFER:
	case PT_VERDICT_NEGATIVE:
		return PT_COLOR_DIVERGE;
	case PT_VERDICT_SERVFAIL:
	case PT_VERDICT_REFUSED:
	case PT_VERDICT_TIMEOUT:
	case PT_VERDICT_ERROR:
		return PT_COLOR_ERROR;
	default:
		return PT_COLOR_PENDING;
	}
}

char *pt_rows_countdown(char *buf, size_t size, long seconds)
{
	if (seconds < 0) {
		snprintf(buf, size, "-");
	} else if (seconds < 60) {
		snprintf(buf, size, "%lds", seconds);
	} else if (seconds < 3600) {
		snprintf(buf, size, "%ldm%02lds", seconds / 60, seconds % 60);
	} else if (seconds < 86400) {
		snprintf(buf, size, "%ldh%02ldm", seconds / 3600, seconds / 60 % 60);
	} else {
		snprintf(buf, size, "%ldd%02ldh", seconds / 86400, seconds / 3600 % 24);
	}
	return buf;
}

char *pt_rows_ago(char *buf, size_t size, uint64_t then_ns, uint64_t now_ns)
{
	unsigned long secs;

	if (then_ns == 0) {
		snprintf(buf, size, "never");
		return buf;
	}
	secs = now_ns > then_ns ? (unsigned long)((now_ns - then_ns) / PT_NS_PER_S) : 0;
	if (secs < 5) {
		snprintf(buf, size, "just now");
	} else if (secs < 60) {
		snprintf(buf, size, "%lus ago", secs);
	} else if (secs < 3600) {
		snprintf(buf, size, "%lum ago", secs / 60);
	} else if (secs < 86400) {
		snprintf(buf, size, "%luh ago", secs / 3600);
	} else {
		snprintf(buf, size, "%lud ago", secs / 86400);
	}
	return buf;
}

char *pt_rows_gauge(char *buf, size_t size, size_t part, size_t whole, int cells, bool utf8)
{
	size_t filled = 0, off = 0;
	int i;

	if (cells < 1) {
		cells = 1;
	}
	if (part > whole) {
		part = whole;
	}
	if (whole > 0) {
		filled = (part * (size_t)cells + whole / 2) / whole;
		/* full only when all match, empty only when none do */
		if (part < whole && filled == (size_t)cells) {
			filled--;
		}
		if (part > 0 && filled == 0) {
			filled = 1;
		}
	}
	if (size == 0) {
		return buf;
	}
	buf[0] = '\0';
#define PUT(str)                                                                                   \
	do {                                                                                       \
		int r_ = snprintf(buf + off, size - off, "%s", (str));                             \
		if (r_ > 0) {                                                                      \
			off = off + (size_t)r_ < size ? off + (size_t)r_ : size - 1;               \
		}                                                                                  \
	} while (0)
	PUT("[");
	for (i = 0; i < cells; i++) {
		if ((size_t)i < filled) {
			PUT(utf8 ? "\u2588" : "#");
		} else {
			PUT(utf8 ? "\u2591" : ".");
		}
	}
	PUT("]");
#undef PUT
	if (off < size) {
		snprintf(buf + off, size - off, " %zu/%zu match", part, whole);
	}
	return buf;
}

/* ---- lines ---- */

void pt_line_init(struct pt_line *l, int width, bool utf8)
{
	l->text[0] = '\0';
	l->len = 0;
	l->nsegs = 0;
	l->width = 0;
	l->max = width < 0 ? 0 : width > PT_LINE_CELLS ? PT_LINE_CELLS : width;
	l->ascii = !utf8;
}

void pt_line_add(struct pt_line *l, enum pt_color role, const char *text)
{
	char fit[PT_LINE_BYTES];
	const char *src = text;
	int room = l->max - l->width;
	int w;
	size_t n;

	if (room <= 0 || !text || text[0] == '\0') {
		return;
	}
	w = pt_text_width(text);
	if (w > room) {
		pt_text_fit(fit, sizeof(fit), text, room, l->ascii);
		src = fit;
		w = pt_text_width(fit);
	}
	n = strlen(src);
	if (l->len + n >= sizeof(l->text)) {
		/* byte budget exhausted (very wide, all multibyte): stop at a character boundary */
		n = sizeof(l->text) - 1 - l->len;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80) {
			n--;
		}
		w = room;
	}
	if (n == 0) {
		return;
	}
	memcpy(l->text + l->len, src, n);
	if (l->nsegs > 0 && l->segs[l->nsegs - 1].role == role) {
		l->segs[l->nsegs - 1].len += n;
	} else if (l->nsegs < PT_LINE_SEGS) {
		l->segs[l->nsegs].role = role;
		l->segs[l->nsegs].start = l->len;
		l->segs[l->nsegs].len = n;
		l->nsegs++;
	} else {
		l->segs[l->nsegs - 1].len += n;
	}
	l->len += n;
	l->text[l->len] = '\0';
	l->width += w;
}

void pt_line_addf(struct pt_line *l, enum pt_color role, const char *fmt, ...)
{
	char buf[PT_LINE_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pt_line_add(l, role, buf);
}

void pt_line_pad(struct pt_line *l, enum pt_color role, int column)
{
	char spaces[PT_LINE_CELLS + 1];
	int n;

	if (column > l->max) {
		column = l->max;
	}
	n = column - l->width;
	if (n <= 0) {
		return;
	}
	memset(spaces, ' ', (size_t)n);
	spaces[n] = '\0';
	pt_line_add(l, role, spaces);
}

/* ---- table ---- */

/* Left to right; the answer (width 0 in src/output.c) takes what is left. */
static const enum pt_column col_order[] = {
	PT_COL_LABEL,	PT_COL_LOCATION, PT_COL_ADDRESS,   PT_COL_STATUS,
	PT_COL_ADDR,	PT_COL_ANSWER,	 PT_COL_TTL,	   PT_COL_RTT,
	PT_COL_CHANGED, PT_COL_SITE,	 PT_COL_VALIDATED,
};

/* What gives way when the terminal is narrow, least important first. Status, answer and TTL
 * matter most: the answer keeps ANSWER_WANT cells while the location, the time of the last
 * change and the RTT go, and the label is shortened; it keeps ANSWER_MIN while the address
 * goes; then the label shrinks to its minimum. */
static const enum pt_column col_drops[] = {
	PT_COL_VALIDATED, PT_COL_SITE, PT_COL_LOCATION, PT_COL_CHANGED, PT_COL_RTT,
};

/* Cells the answer should keep before the next column gives way, and its floor. */
#define ANSWER_WANT 24
#define ANSWER_MIN 16
/* The label is first shortened to this. */
#define LABEL_SHORT 16

static int layout_need(const bool *shown, const int *widths, int sep, int answer)
{
	int need = PT_LETTER_CELLS, n = 0;
	size_t i;

	for (i = 0; i < sizeof(col_order) / sizeof(col_order[0]); i++) {
		enum pt_column c = col_order[i];

		if (!shown[c]) {
			continue;
		}
		need += c == PT_COL_ANSWER ? answer : widths[c];
		if (n > 0) {
			need += sep;
		}
		n++;
	}
	return need;
}

/* Shorten column @p c toward @p floor by what @p need exceeds @p width. */
static void shrink(int *widths, enum pt_column c, int floor, int *need, int width)
{
	int cut = widths[c] - floor;

	if (*need <= width || cut <= 0) {
		return;
	}
	if (cut > *need - width) {
		cut = *need - width;
	}
	widths[c] -= cut;
	*need -= cut;
}

void pt_rows_layout(struct pt_layout *lay, int width, bool utf8)
{
	pt_rows_layout_mail(lay, width, utf8, false);
}

void pt_rows_layout_mail(struct pt_layout *lay, int width, bool utf8, bool targets)
{
	bool shown[PT_COL_COUNT];
	int widths[PT_COL_COUNT];
	int need, i;
	size_t k, d = 0;

	if (width > PT_LINE_CELLS) {
		width = PT_LINE_CELLS;
	}
	lay->width = width < 0 ? 0 : width;
	lay->utf8 = utf8;
	lay->sep = width >= 160 ? 2 : 1;
	lay->ncols = 0;
	for (i = 0; i < PT_COL_COUNT; i++) {
		const struct pt_column_def *def = pt_output_column((enum pt_column)i);

		shown[i] = true;
		widths[i] = def->width == 0 ? def->min_width : def->width;
	}
	/* --follow-mx: the MX targets' addresses beside the MX verdict, when followed */
	shown[PT_COL_ADDR] = targets;
	need = layout_need(shown, widths, lay->sep, ANSWER_WANT);
	while (need > width && d < sizeof(col_drops) / sizeof(col_drops[0])) {
		shown[col_drops[d++]] = false;
		need = layout_need(shown, widths, lay->sep, ANSWER_WANT);
	}
	shrink(widths, PT_COL_LABEL, LABEL_SHORT, &need, width);
	need = layout_need(shown, widths, lay->sep, ANSWER_MIN);
	if (need > width) {
		shown[PT_COL_ADDRESS] = false;
		need = layout_need(shown, widths, lay->sep, ANSWER_MIN);
	}
	/* still too wide: every fixed column toward its minimum, the label first */
	for (k = 0; need > width && k < sizeof(col_order) / sizeof(col_order[0]); k++) {
		enum pt_column c = col_order[k];

		if (shown[c] && c != PT_COL_ANSWER) {
			shrink(widths, c, pt_output_column(c)->min_width, &need, width);
		}
	}
	need = layout_need(shown, widths, lay->sep, 0);
	for (k = 0; k < sizeof(col_order) / sizeof(col_order[0]); k++) {
		enum pt_column c = col_order[k];

		if (!shown[c]) {
			continue;
		}
		if (c == PT_COL_ANSWER) {
			/* the answer takes the rest */
			widths[c] = width - need;
			if (widths[c] < 1) {
				continue;
			}
		}
		lay->cols[lay->ncols] = c;
		lay->widths[lay->ncols] = widths[c];
		lay->ncols++;
	}
}

bool pt_layout_has(const struct pt_layout *lay, enum pt_column c)
{
	size_t i;

	for (i = 0; i < lay->ncols; i++) {
		if (lay->cols[i] == c) {
			return true;
		}
	}
	return false;
}

/* Append @p text to @p buf (at @p *off) fitted into @p w cells and padded. */
static void put_cell(char *buf, size_t size, size_t *off, const char *text, int w, bool right,
		     bool ascii)
{
	char fit[PT_LINE_BYTES];
	int tw, pad;

	pt_text_fit(fit, sizeof(fit), text, w, ascii);
	tw = pt_text_width(fit);
	pad = w - tw;
	if (pad < 0) {
		pad = 0;
	}
	if (*off >= size) {
		return;
	}
	if (right) {
		*off += (size_t)snprintf(buf + *off, size - *off, "%*s%s", pad, "", fit);
	} else {
		*off += (size_t)snprintf(buf + *off, size - *off, "%s%*s", fit, pad, "");
	}
	if (*off >= size) {
		*off = size - 1;
	}
}

static void put_sep(char *buf, size_t size, size_t *off, int sep)
{
	if (*off < size) {
		*off += (size_t)snprintf(buf + *off, size - *off, "%*s", sep, "");
	}
	if (*off >= size) {
		*off = size - 1;
	}
}

void pt_rows_title(struct pt_line *out, const struct pt_layout *lay)
{
	char buf[PT_LINE_BYTES];
	size_t off = 0, i;

	buf[0] = '\0';
	put_cell(buf, sizeof(buf), &off, "", PT_LETTER_CELLS, false, !lay->utf8);
	for (i = 0; i < lay->ncols; i++) {
		const struct pt_column_def *def = pt_output_column(lay->cols[i]);

		if (i > 0) {
			put_sep(buf, sizeof(buf), &off, lay->sep);
		}
		put_cell(buf, sizeof(buf), &off, def->title, lay->widths[i], def->right,
			 !lay->utf8);
	}
	pt_line_init(out, lay->width, lay->utf8);
	pt_line_add(out, PT_COLOR_HEADER, buf);
}

static const char *record_sep(bool utf8)
{
	return utf8 ? " \u00b7 " : " | ";
}

void pt_rows_line(struct pt_line *out, const struct pt_layout *lay, const struct pt_snapshot *s,
		  const struct pt_row *row, uint64_t now_ns)
{
	char buf[PT_LINE_BYTES];
	char cell[1024];
	size_t off = 0, i;
	char letter[3] = { pt_rows_group_letter(row->group), '\0', '\0' };

	pt_line_init(out, lay->width, lay->utf8);
	pt_line_add(out, pt_rows_group_color(row->group), letter);
	pt_line_pad(out, PT_COLOR_NORMAL, PT_LETTER_CELLS);
	buf[0] = '\0';
	for (i = 0; i < lay->ncols; i++) {
		const struct pt_column_def *def = pt_output_column(lay->cols[i]);

		if (i > 0) {
			put_sep(buf, sizeof(buf), &off, lay->sep);
		}
		cell[0] = '\0';
		if (lay->cols[i] == PT_COL_ANSWER) {
			pt_output_answer_cell(cell, sizeof(cell), row, record_sep(lay->utf8));
		} else if (def->format) {
			def->format(cell, sizeof(cell), s, row, now_ns);
		}
		put_cell(buf, sizeof(buf), &off, cell, lay->widths[i], def->right, !lay->utf8);
	}
	pt_line_add(out, pt_rows_role(row), buf);
}

/* ---- header and legend ---- */

char *pt_rows_truth_text(char *buf, size_t size, const struct pt_truth *t)
{
	switch (t->source) {
	case PT_TRUTH_EXPECTED:
		snprintf(buf, size, "expected");
		break;
	case PT_TRUTH_AUTHORITATIVE:
		if (t->has_serial) {
			snprintf(buf, size, "authoritative serial %lu", (unsigned long)t->serial);
		} else {
			snprintf(buf, size, "authoritative");
		}
		break;
	case PT_TRUTH_MAJORITY:
		snprintf(buf, size, "majority (no authoritative server answered)");
		break;
	default:
		snprintf(buf, size, "not known yet (asking the authoritative servers)");
		break;
	}
	return buf;
}

static enum pt_color auth_role(enum pt_auth_status st)
{
	switch (st) {
	case PT_AUTH_OK:
		return PT_COLOR_AGREE;
	case PT_AUTH_LAGGING:
	case PT_AUTH_NOT_DELEGATED:
		return PT_COLOR_DIVERGE;
	default:
		return PT_COLOR_ERROR;
	}
}

static void counts_text(char *buf, size_t size, const struct pt_snapshot *s)
{
	static const enum pt_verdict shown[] = {
		PT_VERDICT_DIFFER,  PT_VERDICT_NEGATIVE, PT_VERDICT_SERVFAIL, PT_VERDICT_ERROR,
		PT_VERDICT_TIMEOUT, PT_VERDICT_REFUSED,	 PT_VERDICT_PENDING,
	};
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]) && off < size; i++) {
		size_t c = s->counts.by[shown[i]];

		if (c == 0) {
			continue;
		}
		off += (size_t)snprintf(buf + off, size - off, "%s%zu %s", off ? ", " : "", c,
					pt_verdict_name(shown[i]));
	}
}

char *pt_rows_sparkline(char *buf, size_t size, const struct pt_progress *p, size_t n,
			uint64_t start_ns, uint64_t now_ns, int cells, bool utf8)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-=#";
	size_t used = 0;
	size_t k = 0;

	buf[0] = '\0';
	if (n == 0 || cells <= 0 || now_ns <= start_ns) {
		return buf;
	}
	for (int c = 0; c < cells; c++) {
		uint64_t end = start_ns + (now_ns - start_ns) * (uint64_t)(c + 1) / (uint64_t)cells;
		const char *glyph;
		char one[2] = { 0, 0 };
		double share;

		/* the last point at or before the end of this slice */
		while (k + 1 < n && p[k + 1].at_ns <= end) {
			k++;
		}
		if (p[k].at_ns > end || p[k].judged == 0) {
			glyph = " "; /* no data yet: not the lowest bar, which is 0% */
		} else {
			share = (double)p[k].match / (double)p[k].judged;
			if (utf8) {
				glyph = blocks[(int)(share * 7.0 + 0.5)];
			} else {
				one[0] = ascii[(int)(share * 4.0 + 0.5)];
				glyph = one;
			}
		}
		if (used + strlen(glyph) + 1 > size) {
			break;
		}
		memcpy(buf + used, glyph, strlen(glyph));
		used += strlen(glyph);
	}
	buf[used] = '\0';
	return buf;
}

/* Line 1 of the header: what is tracked and the truth, @p compact for narrow terminals (no
 * zone, "auth" for "authoritative"). */
static void header_target(struct pt_line *l, const struct pt_snapshot *s, int width, bool utf8,
			  bool compact)
{
	const char *dot = utf8 ? " \u00b7 " : " | ";
	char type[32], text[256];

	pt_line_init(l, width, utf8);
	pt_line_addf(l, PT_COLOR_HEADER, "%s %s", s->domain,
		     pt_rrtype_name(s->qtype, type, sizeof(type)));
	pt_line_add(l, PT_COLOR_NORMAL, dot);
	pt_line_add(l, PT_COLOR_NORMAL, "truth: ");
	pt_rows_truth_text(text, sizeof(text), &s->truth);
	if (compact && s->truth.source == PT_TRUTH_AUTHORITATIVE && s->truth.has_serial) {
		snprintf(text, sizeof(text), "auth %lu", (unsigned long)s->truth.serial);
	} else if (compact && s->truth.source == PT_TRUTH_MAJORITY) {
		snprintf(text, sizeof(text), "majority");
	}
	pt_line_add(l, s->truth.source == PT_TRUTH_NONE ? PT_COLOR_PENDING : PT_COLOR_HEADER, text);
	if (!compact && s->truth.zone[0] != '\0') {
		pt_line_addf(l, PT_COLOR_NORMAL, "%szone %s", dot, s->truth.zone);
	}
}

/* Line 2: the authoritative servers and their serials. Narrow: the servers with something to
 * say (lagging, lame, ...) first, short names (@p level 1), and the others only counted
 * (@p level 2). */
static void header_servers(struct pt_line *l, const struct pt_snapshot *s, int width, bool utf8,
			   int level)
{
	const char *dot = utf8 ? " \u00b7 " : " | ";
	size_t shown = 0, quiet = 0;

	pt_line_init(l, width, utf8);
	pt_line_add(l, PT_COLOR_NORMAL, "auth: ");
	if (s->truth.nservers == 0) {
		pt_line_add(
			l, PT_COLOR_PENDING,
			s->truth.source == PT_TRUTH_EXPECTED ? "not needed (expected answer given)"
			: s->truth.source == PT_TRUTH_NONE   ? "looking for the zone's name servers"
							     : "none answered");
	}
	for (int pass = level > 0 ? 0 : 1; pass < 2; pass++) {
		for (size_t i = 0; i < s->truth.nservers; i++) {
			const struct pt_auth_server *a = &s->truth.servers[i];
			bool ok = a->status == PT_AUTH_OK;
			char name[256];

			/* pass 0: the servers with a problem; pass 1: the rest (all when wide) */
			if (level > 0 && (pass == 0) == ok) {
				continue;
			}
			if (level >= 2 && ok) {
				quiet++;
				continue;
			}
			snprintf(name, sizeof(name), "%s", a->name[0] ? a->name : a->address);
			if (level > 0 && a->name[0] && strchr(name, '.') &&
			    strchr(name, '.')[1] != '\0') {
				*strchr(name, '.') = '\0'; /* "ns2", not "ns2.example.test." */
			}
			if (shown++ > 0) {
				pt_line_add(l, PT_COLOR_NORMAL, dot);
			}
			pt_line_add(l, PT_COLOR_NORMAL, name);
			if (a->has_serial) {
				pt_line_addf(l, auth_role(a->status), " %lu",
					     (unsigned long)a->serial);
			}
			if (!ok) {
				pt_line_addf(l, auth_role(a->status), " %s",
					     pt_auth_status_name(a->status));
			}
		}
	}
	if (quiet > 0) {
		pt_line_addf(l, PT_COLOR_AGREE, "%s+%zu ok", shown ? dot : "", quiet);
	}
}

/* Line 3: the gauge or the CONVERGED banner, the expiry (or why there is none), the reasons
 * the counts do not show, the elapsed time, and the counts last (cut first); @p compact words
 * for narrow terminals, @p counts false to measure the rest. */
/*
 * A text made from every row of a snapshot (the vantage sources' split, the anycast sites):
 * made once per snapshot generation and kept, not on every paint (O(rows) each). The key is
 * the snapshot, its generation (equal generations mean equal content) and the call's own
 * argument; the UI is one thread.
 */
struct snap_text {
	const struct pt_snapshot *snap;
	uint64_t generation;
	uintptr_t arg;
	size_t size;
	size_t result;
	char text[1024];
};

/* @return true when @p c holds the text for @p s, @p arg and @p size (else it is rekeyed
 * for them, to be filled by the caller). */
static bool snap_text_hit(struct snap_text *c, const struct pt_snapshot *s, uintptr_t arg,
			  size_t size)
{
	if (c->snap == s && c->generation == s->generation && c->arg == arg && c->size == size) {
		return true;
	}
	c->snap = s;
	c->generation = s->generation;
	c->arg = arg;
	c->size = size;
	return false;
}

/* pt_output_sources_text(), once per snapshot generation (the header asks twice a paint,
 * compact and not). */
static bool sources_text(char *buf, size_t size, const struct pt_snapshot *s, size_t max)
{
	static struct snap_text cache[2];
	struct snap_text *c = &cache[max <= 3];

	if (size > sizeof(c->text)) {
		return pt_output_sources_text(buf, size, s, max);
	}
	if (!snap_text_hit(c, s, max, size)) {
		c->result = pt_output_sources_text(c->text, size, s, max);
	}
	memcpy(buf, c->text, size);
	return c->result != 0;
}

/* How long the legend's sites line may lag the rows: it reads every row (O(n) per paint at
 * 100,000 resolvers, which change all the time), and says which sites answered, not how each
 * row stands this second. */
#define SITES_LAG_NS (5 * PT_NS_PER_S)
/* ... from this many rows on (fewer cost nothing to read every time) */
#define SITES_LAG_ROWS 1000

/* pt_output_sites_text(), once per snapshot generation; for a long list at most once per
 * SITES_LAG_NS while the set of rows stays. */
static size_t sites_text(char *buf, size_t size, const struct pt_snapshot *s, const char *sep)
{
	static struct snap_text cache;
	static uint64_t made_ns, rows_gen;
	/* the same rows_generation: the same resolvers in the same rows */
	bool fresh = s->nrows >= SITES_LAG_ROWS && cache.arg == (uintptr_t)sep &&
		     cache.size == size && rows_gen == s->rows_generation &&
		     s->taken_ns >= made_ns && s->taken_ns - made_ns < SITES_LAG_NS;

	if (size > sizeof(cache.text)) {
		return pt_output_sites_text(buf, size, s, sep);
	}
	if (!snap_text_hit(&cache, s, (uintptr_t)sep, size) && !fresh) {
		cache.result = pt_output_sites_text(cache.text, size, s, sep);
		made_ns = s->taken_ns;
		rows_gen = s->rows_generation;
	}
	memcpy(buf, cache.text, size);
	return cache.result;
}

static void header_progress(struct pt_line *l, const struct pt_snapshot *s, int width,
			    uint64_t now_ns, bool utf8, bool compact, bool counts)
{
	const char *dot = utf8 ? " \u00b7 " : " | ";
	char gauge[256], dur[32], text[256];
	size_t whole = pt_output_counted(&s->counts);
	uint64_t elapsed, left;

	pt_line_init(l, width, utf8);
	elapsed = s->taken_ns > s->start_ns ? s->taken_ns - s->start_ns : 0;
	if (now_ns > s->taken_ns) {
		elapsed += now_ns - s->taken_ns;
	}
	if (s->converged) {
		pt_line_addf(l, PT_COLOR_BANNER, " %s%s ", utf8 ? "\u2714 " : "",
			     pt_output_converged_text(text, sizeof(text), s));
		if (s->changed) {
			pt_line_addf(l, PT_COLOR_AGREE, " %zu/%zu match",
				     s->counts.by[PT_VERDICT_MATCH], whole);
		}
	} else {
		pt_rows_gauge(gauge, sizeof(gauge), s->counts.by[PT_VERDICT_MATCH], whole,
			      width >= 120 ? 20 : 10, utf8);
		pt_line_add(l,
			    s->counts.by[PT_VERDICT_MATCH] == whole && whole > 0 ? PT_COLOR_AGREE
										 : PT_COLOR_DIVERGE,
			    gauge);
		/* how the share moved since the start, where there is room for it */
		if (width >= 110 && s->nprogress > 0) {
			char spark[128];

			pt_rows_sparkline(spark, sizeof(spark), s->progress, s->nprogress,
					  s->start_ns, now_ns > s->taken_ns ? now_ns : s->taken_ns,
					  12, utf8);
			pt_line_addf(l, PT_COLOR_NORMAL, " %s", spark);
		}
		left = s->expires_within;
		if (now_ns > s->taken_ns) {
			uint64_t gone = (now_ns - s->taken_ns) / PT_NS_PER_S;

			left = gone >= left ? 0 : left - gone;
		}
		pt_rows_countdown(dur, sizeof(dur), (long)left);
		if (!s->expiry_bounded) {
			pt_line_addf(l, PT_COLOR_DIVERGE, "%s%s", dot,
				     compact ? "not bounded" : "convergence not bounded");
		} else if (left > 0) {
			pt_line_addf(l, PT_COLOR_NORMAL, "%s%s%s", dot,
				     compact ? (utf8 ? "expire \u2264 " : "expire <= ")
					     : "old answers expire within ",
				     dur);
		}
		/* the reasons the counts below do not show */
		for (unsigned bit = 0; bit < PT_REASON_COUNT; bit++) {
			unsigned r = 1u << bit;

			if ((s->reasons & r) &&
			    (r & (PT_REASONS_INCONCLUSIVE | PT_REASON_AUTH_DISAGREE |
				  PT_REASON_NOT_PUBLISHED))) {
				pt_line_addf(l, PT_COLOR_ERROR, "%s%s", dot, pt_reason_name(r));
			}
		}
	}
	pt_line_addf(l, PT_COLOR_NORMAL, "%s%s%s", dot, compact ? "" : "elapsed ",
		     pt_rows_countdown(dur, sizeof(dur), (long)(elapsed / PT_NS_PER_S)));
	/* the vantage sources' split and the share matching per country */
	if (sources_text(text, sizeof(text), s, compact ? 3 : 6)) {
		pt_line_addf(l, PT_COLOR_NORMAL, "%s%s", dot, text);
	}
	/* least important last: cut first when narrow */
	counts_text(text, sizeof(text), s);
	if (counts && text[0] != '\0') {
		pt_line_add(l, PT_COLOR_NORMAL, dot);
		pt_line_add(l, PT_COLOR_ERROR, text);
	}
}

size_t pt_rows_header(struct pt_line *out, const struct pt_snapshot *s, int width, uint64_t now_ns,
		      bool utf8)
{
	struct pt_line probe;

	/* each line as it reads best, more compact while it would not fit: the truth, "lagging"
	 * and "CONVERGED" stay when narrow, what matters less is shortened first */
	header_target(&probe, s, PT_LINE_CELLS, utf8, false);
	header_target(&out[0], s, width, utf8, probe.width > width);
	for (int level = 0; level <= 2; level++) {
		header_servers(&probe, s, PT_LINE_CELLS, utf8, level);
		if (probe.width <= width || level == 2) {
			header_servers(&out[1], s, width, utf8, level);
			break;
		}
	}
	header_progress(&probe, s, PT_LINE_CELLS, now_ns, utf8, false, false);
	header_progress(&out[2], s, width, now_ns, utf8, probe.width > width, true);

	/* line 4: what is wrong with the truth, when anything is */
	struct pt_note notes[8];
	size_t nnotes = pt_output_notes(notes, 8, s);
	struct pt_line *l;

	if (nnotes == 0) {
		return 3;
	}
	l = &out[3];
	pt_line_init(l, width, utf8);
	pt_line_add(l, PT_COLOR_DIVERGE, "! ");
	if (nnotes > 1) {
		pt_line_addf(l, PT_COLOR_DIVERGE, "(+%zu more in the details) ", nnotes - 1);
	}
	pt_line_add(l, PT_COLOR_DIVERGE, notes[0].text);
	return 4;
}

size_t pt_rows_legend(struct pt_line *out, size_t max, const struct pt_snapshot *s, int width,
		      bool utf8)
{
	const struct pt_row *rep[16] = { NULL };
	char text[1024];
	size_t ngroups = s->ngroups > 16 ? 16 : s->ngroups;
	size_t found = 0, n = 0, g, i;
	char letter[4];

	if (max == 0 || ngroups == 0) {
		return 0;
	}
	/* one representative row per group; stop early once every group has one */
	for (i = 0; i < s->nrows && found < ngroups; i++) {
		const struct pt_row *row = pt_snapshot_row(s, i);
		int gi = row->group;

		if (gi >= 0 && (size_t)gi < ngroups && !rep[gi]) {
			rep[gi] = row;
			found++;
		}
	}
	for (g = 0; g < ngroups; g++) {
		struct pt_row truth_row;
		const struct pt_row *r = rep[g];
		struct pt_line *l;

		if (!r && !(g == 0 && s->truth.source != PT_TRUTH_NONE)) {
			continue;
		}
		l = &out[n];
		if (n + 1 == max && g + 1 < ngroups) {
			pt_line_init(l, width, utf8);
			pt_line_addf(l, PT_COLOR_NORMAL, "   +%zu more answers", ngroups - g);
			return n + 1;
		}
		if (g == 0 && s->truth.source != PT_TRUTH_NONE) {
			/* the truth's own text: right even when no resolver serves it yet */
			memset(&truth_row, 0, sizeof(truth_row));
			truth_row.has_reply = true;
			truth_row.result = PT_REPLY_OK;
			truth_row.answer = s->truth.answer;
			truth_row.group = 0;
			r = &truth_row;
		}
		pt_output_answer_summary(text, sizeof(text), r, record_sep(utf8));
		pt_line_init(l, width, utf8);
		snprintf(letter, sizeof(letter), " %c ", pt_rows_group_letter((int)g));
		pt_line_add(l, pt_rows_group_color((int)g), letter);
		pt_line_addf(l, PT_COLOR_NORMAL, " %5zu ", s->group_sizes[g]);
		if (g == 0 && s->truth.source != PT_TRUTH_NONE) {
			pt_line_add(l, PT_COLOR_AGREE, "truth ");
		} else {
			pt_line_add(l, PT_COLOR_DIVERGE, "other ");
		}
		pt_line_add(l, PT_COLOR_NORMAL, text);
		n++;
	}
	/* one operator answering from several anycast sites */
	if (n < max && sites_text(text, sizeof(text), s, utf8 ? " \u00b7 " : " | ") > 0) {
		pt_line_init(&out[n], width, utf8);
		pt_line_add(&out[n], PT_COLOR_NORMAL, "   sites: ");
		pt_line_add(&out[n], PT_COLOR_NORMAL, text);
		n++;
	}
	return n;
}

void pt_rows_status(struct pt_line *out, int width, bool utf8, const struct pt_status_info *info)
{
	char right[512];
	const char *left;
	int rw, lw;
	size_t off = 0;

	off += (size_t)snprintf(right + off, sizeof(right) - off, " sort:%s",
				pt_sort_name(info->sort));
	if (info->filter && info->filter[0] != '\0' && off < sizeof(right)) {
		off += (size_t)snprintf(right + off, sizeof(right) - off, "  filter:\"%s\" %zu/%zu",
					info->filter, info->shown, info->total);
	} else if (off < sizeof(right)) {
		off += (size_t)snprintf(right + off, sizeof(right) - off, "  %zu resolver%s",
					info->total, info->total == 1 ? "" : "s");
	}
	if (off < sizeof(right)) {
		snprintf(right + off, sizeof(right) - off, "  %llu quer%s ",
			 (unsigned long long)info->queries, info->queries == 1 ? "y" : "ies");
	}
	left = info->message && info->message[0] != '\0'
		       ? info->message
		       : "q quit  ? help  / filter  s sort  Enter details  r refresh";
	rw = pt_text_width(right);
	lw = pt_text_width(left) + 1;
	pt_line_init(out, width, utf8);
	pt_line_add(out, PT_COLOR_STATUSBAR, " ");
	if (lw + rw + 1 > width && width - rw - 1 >= 12) {
		/* keep the state on the right; the message gives way */
		struct pt_line tmp;

		pt_line_init(&tmp, width - rw - 2, utf8);
		pt_line_add(&tmp, PT_COLOR_STATUSBAR, left);
		pt_line_add(out, info->error ? PT_COLOR_ERROR : PT_COLOR_STATUSBAR, tmp.text);
	} else {
		pt_line_add(out, info->error ? PT_COLOR_ERROR : PT_COLOR_STATUSBAR, left);
	}
	pt_line_pad(out, PT_COLOR_STATUSBAR, width - rw);
	pt_line_add(out, PT_COLOR_STATUSBAR, right);
	pt_line_pad(out, PT_COLOR_STATUSBAR, width);
}

/* ---- panels ---- */

/* @return the index of the new line, or SIZE_MAX when it could not be added. */
static size_t text_push(struct pt_text *t, enum pt_color role, const char *buf)
{
	char *line;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **lines = realloc(t->lines, cap * sizeof(*lines));
		enum pt_color *roles;
		struct pt_line **rich;

		if (!lines) {
			return SIZE_MAX;
		}
		t->lines = lines;
		roles = realloc(t->roles, cap * sizeof(*roles));
		if (!roles) {
			return SIZE_MAX;
		}
		t->roles = roles;
		rich = realloc(t->rich, cap * sizeof(*rich));
		if (!rich) {
			return SIZE_MAX;
		}
		t->rich = rich;
		t->cap = cap;
	}
	line = strdup(buf);
	if (!line) {
		return SIZE_MAX;
	}
	t->roles[t->n] = role;
	t->rich[t->n] = NULL;
	t->lines[t->n] = line;
	return t->n++;
}

void pt_text_add_line(struct pt_text *t, const struct pt_line *l)
{
	size_t i = text_push(t, PT_COLOR_NORMAL, l->text);
	struct pt_line *copy;

	if (i == SIZE_MAX) {
		return;
	}
	copy = malloc(sizeof(*copy));
	if (copy) {
		*copy = *l;
		t->rich[i] = copy;
	}
}

void pt_text_add(struct pt_text *t, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_push(t, PT_COLOR_NORMAL, buf);
}

void pt_text_add_role(struct pt_text *t, enum pt_color role, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	text_push(t, role, buf);
}

void pt_text_wrap(struct pt_text *t, enum pt_color role, int width, int indent, const char *text)
{
	char line[2048];
	const char *p = text;
	int room = width - indent;

	if (room < 10) {
		room = 10;
	}
	if (indent > 64) {
		indent = 64;
	}
	while (*p) {
		size_t skip, n = pt_output_wrap(p, room, &skip);

		p += skip;
		if (n == 0) {
			break;
		}
		if (n > sizeof(line) - (size_t)indent - 1) {
			n = sizeof(line) - (size_t)indent - 1;
		}
		memset(line, ' ', (size_t)indent);
		memcpy(line + indent, p, n);
		line[(size_t)indent + n] = '\0';
		text_push(t, role, line);
		p += n;
	}
}

void pt_text_fini(struct pt_text *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->lines[i]);
		free(t->rich[i]);
	}
	free(t->lines);
	free(t->roles);
	free(t->rich);
	t->lines = NULL;
	t->roles = NULL;
	t->rich = NULL;
	t->n = 0;
	t->cap = 0;
}

static char *flags_text(char *buf, size_t size, unsigned flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ PT_FLAG_AA, "AA" }, { PT_FLAG_TC, "TC" }, { PT_FLAG_RD, "RD" },
		{ PT_FLAG_RA, "RA" }, { PT_FLAG_AD, "AD" }, { PT_FLAG_CD, "CD" },
	};
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && off < size; i++) {
		if (flags & names[i].bit) {
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? " " : "",
						names[i].name);
		}
	}
	if (off == 0) {
		snprintf(buf, size, "none");
	}
	return buf;
}

static const char *result_text(enum pt_reply_result r)
{
	switch (r) {
	case PT_REPLY_OK:
		return "reply";
	case PT_REPLY_TIMEOUT:
		return "no reply (timed out after every try)";
	case PT_REPLY_MALFORMED:
		return "only malformed replies";
	case PT_REPLY_UNREACHABLE:
		return "unreachable";
	default:
		return "could not send";
	}
}

static void wall_text(char *buf, size_t size, uint64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	if (wall_ms == 0 || !localtime_r(&t, &tm)) {
		snprintf(buf, size, "--:--:--");
		return;
	}
	strftime(buf, size, "%H:%M:%S", &tm);
}

/* The timeline glyph of a verdict; NULL for no data. */
static const char *timeline_glyph(enum pt_verdict v, bool utf8)
{
	switch (v) {
	case PT_VERDICT_MATCH:
		return utf8 ? "\u2588" : "=";
	case PT_VERDICT_DIFFER:
		return "D";
	case PT_VERDICT_NEGATIVE:
		return "N";
	case PT_VERDICT_SERVFAIL:
		return "S";
	case PT_VERDICT_REFUSED:
		return "R";
	case PT_VERDICT_TIMEOUT:
		return "T";
	case PT_VERDICT_ERROR:
		return "E";
	default:
		return utf8 ? "\u00b7" : ".";
	}
}

void pt_rows_timeline(struct pt_line *out, const struct pt_row *row, uint64_t start_ns,
		      uint64_t now_ns, int cells, bool utf8, bool *seen)
{
	/* before the oldest entry: no reply yet, or unknown when older entries were dropped */
	bool dropped = row->nhistory == PT_HISTORY_MAX;
	size_t k = 0;
	int cur = dropped ? -1 : PT_VERDICT_PENDING;

	pt_line_init(out, cells, utf8);
	if (cells <= 0 || now_ns <= start_ns) {
		return;
	}
	for (int c = 0; c < cells; c++) {
		uint64_t end = start_ns + (now_ns - start_ns) * (uint64_t)(c + 1) / (uint64_t)cells;
		int worst = cur;

		/* every status it had in this slice: the one it entered with and each change */
		while (k < row->nhistory && row->history[k].at_ns <= end) {
			int v = (int)row->history[k].verdict;

			if (worst < 0 || pt_rows_status_rank((enum pt_verdict)v) <
						 pt_rows_status_rank((enum pt_verdict)worst)) {
				worst = v;
			}
			cur = v;
			k++;
		}
		if (worst < 0) {
			pt_line_add(out, PT_COLOR_NORMAL, " ");
		} else {
			pt_line_add(out, pt_rows_verdict_role((enum pt_verdict)worst),
				    timeline_glyph((enum pt_verdict)worst, utf8));
		}
		if (seen) {
			seen[worst < 0 ? PT_VERDICT_COUNT : worst] = true;
		}
	}
}

/* The legend of the statuses a timeline shows (@p seen: per verdict, then "unknown"). */
static void timeline_legend(struct pt_text *out, const bool *seen, bool utf8, int width)
{
	struct pt_line l;

	pt_line_init(&l, width, utf8);
	pt_line_add(&l, PT_COLOR_NORMAL, "  ");
	for (int v = PT_VERDICT_MATCH; v <= PT_VERDICT_COUNT; v++) {
		enum pt_verdict vv =
			v == PT_VERDICT_COUNT ? PT_VERDICT_PENDING : (enum pt_verdict)v;

		if (!seen[vv]) {
			continue;
		}
		pt_line_add(&l, pt_rows_verdict_role(vv), timeline_glyph(vv, utf8));
		pt_line_addf(&l, PT_COLOR_NORMAL, " %s  ",
			     vv == PT_VERDICT_PENDING ? "no reply yet" : pt_verdict_name(vv));
	}
	if (seen[PT_VERDICT_COUNT]) {
		pt_line_add(&l, PT_COLOR_NORMAL, "(blank: before the oldest change kept)");
	}
	pt_text_add_line(out, &l);
}

/* --follow-mx: this resolver's answer for each MX target's A and AAAA, with TTLs, against
 * the target zone's own servers. */
static void details_targets(struct pt_text *out, const struct pt_snapshot *s,
			    const struct pt_row *row, uint64_t now_ns)
{
	char ty[24], sum[256], left[32], truth[256];

	if (s == NULL || s->ntargets == 0 || row->ntargets == 0) {
		return;
	}
	pt_text_add(out, "MX targets' addresses: %s",
		    pt_output_targets_cell(sum, sizeof(sum), row));
	for (size_t k = 0; k < row->ntargets && k < s->ntargets; k++) {
		const struct pt_target_result *t = &row->targets[k];
		const struct pt_truth *tt = &s->targets[k].truth;
		struct pt_row r = { .has_reply = t->has_reply,
				    .result = t->result,
				    .answer = t->answer,
				    .received_ns = t->received_ns };
		long ttl = pt_row_ttl_left(&r, now_ns);

		pt_output_answer_summary(sum, sizeof(sum), &r, " ");
		pt_text_add(out, "  %-6s %-4s %s %s", pt_verdict_name(t->verdict),
			    pt_output_target_type(ty, sizeof(ty), &s->targets[k]),
			    s->targets[k].name, sum);
		if (ttl >= 0) {
			pt_text_add(out, "%-14s TTL %s left", "",
				    pt_rows_countdown(left, sizeof(left), ttl));
		}
		if (t->verdict != PT_VERDICT_MATCH) {
			pt_text_add(out, "%-14s truth (%s): %s", "", tt->zone[0] ? tt->zone : "?",
				    tt->source == PT_TRUTH_NONE
					    ? "not known yet"
					    : pt_answer_summary(truth, sizeof(truth), &tt->answer,
								" "));
		}
	}
	pt_text_add(out, "%s", "");
}

void pt_rows_details(struct pt_text *out, const struct pt_snapshot *s, const struct pt_row *row,
		     uint64_t now_ns, uint64_t wall_now_ms, bool utf8, int width)
{
	const struct pt_answer *a = &row->answer;
	char buf[256], buf2[64], rc[32], d[16];
	long ttl = pt_row_ttl_left(row, now_ns);
	const struct pt_change *answered = NULL;
	struct pt_line l;
	size_t i;
	int cells = width - 4;

	(void)wall_now_ms;
	/* the last time it gave an answer at all (failures carry no hash) */
	for (i = row->nhistory; i > 0 && !answered; i--) {
		if (row->history[i - 1].hash != 0) {
			answered = &row->history[i - 1];
		}
	}
	pt_text_add(out, "%s",
		    row->resolver->label[0] ? row->resolver->label : row->resolver->address);
	pt_text_add(out, "  address   %s port %u", row->resolver->address,
		    (unsigned)row->resolver->port);
	pt_text_add(out, "  transport %s%s%s",
		    pt_transport_name(row->resolver->transport, row->via_tcp),
		    row->resolver->endpoint && row->resolver->endpoint[0] ? "  " : "",
		    row->resolver->endpoint ? row->resolver->endpoint : "");
	if (row->resolver->location[0] != '\0') {
		pt_text_add(out, "  location  %s", row->resolver->location);
	}
	pt_text_add(out, "  status    %s", pt_verdict_name(row->verdict));
	if (row->group >= 0) {
		pt_text_add(out, "  group     %c%s", pt_rows_group_letter(row->group),
			    row->group == 0 ? " (the truth)" : " (differs from the truth)");
	}
	if (!row->has_reply) {
		pt_text_add(out, "  reply     none yet");
	} else if (row->result != PT_REPLY_OK) {
		/* what happened, and when: no RTT or reply time for what never came */
		pt_text_add(out, "  last try  %s, %s", result_text(row->result),
			    pt_rows_ago(buf2, sizeof(buf2), row->received_ns, now_ns));
		if (answered) {
			char said[120];

			pt_text_add(out, "  answered  last %s (%s)",
				    pt_rows_ago(buf2, sizeof(buf2), answered->at_ns, now_ns),
				    pt_change_summary(said, sizeof(said), answered));
		} else if (row->nhistory < PT_HISTORY_MAX) {
			pt_text_add(out, "  answered  never (%u quer%s)", row->queries,
				    row->queries == 1 ? "y" : "ies");
		}
	} else {
		pt_text_add(out, "  rcode     %s", pt_rcode_name(a->rcode, rc, sizeof(rc)));
		pt_text_add(out, "  flags     %s", flags_text(buf, sizeof(buf), a->flags));
		/* every EDE option of the reply, one line each */
		for (unsigned k = 0; a->edes && k < a->edes->count; k++) {
			pt_text_add(out, "  EDE       %s",
				    pt_output_ede_item(buf, sizeof(buf), &a->edes->item[k]));
		}
		if (a->edes && a->edes->more > 0) {
			pt_text_add(out, "  EDE       and %u more", a->edes->more);
		}
		pt_text_add(out, "  validated %s",
			    (a->flags & PT_FLAG_AD) ? "yes (AD: the resolver checked its DNSSEC)"
						    : "no (no AD bit)");
		if (a->nsid) {
			pt_text_add(out, "  NSID      %s", a->nsid);
		}
		if (pt_output_row_ecs_ignored(row)) {
			pt_text_add(out,
				    "  ECS       %s ignored (scope 0): its answer is the same for "
				    "every subnet",
				    pt_ecs_text(buf2, sizeof(buf2), &row->ecs_sent));
		} else if (row->ecs_sent.family != 0) {
			pt_text_add(out, "  ECS       %s, scope /%u",
				    pt_ecs_text(buf2, sizeof(buf2), &row->ecs_sent),
				    (unsigned)a->ecs_scope);
		}
		if (a->has_serial) {
			pt_text_add(out, "  SOA       %s serial %lu", a->zone ? a->zone : "?",
				    (unsigned long)a->serial);
		}
		pt_text_add(out, "  RTT       %.1f ms", row->rtt_ms);
		pt_text_add(out, "  reply     %s",
			    pt_rows_ago(buf2, sizeof(buf2), row->received_ns, now_ns));
	}
	if (row->ns_expires_ns != 0) {
		long left = row->ns_expires_ns > now_ns
				    ? (long)((row->ns_expires_ns - now_ns) / PT_NS_PER_S)
				    : 0;

		pt_text_add(out, "  NS set    %s, cached for %s more",
			    row->old_servers ? "the old name servers (not delegated any more)"
					     : "held in its cache",
			    pt_rows_countdown(buf2, sizeof(buf2), left));
	}
	{
		struct pt_site site;
		enum pt_detail det = pt_output_row_detail(row);

		pt_output_row_site(&site, row);
		if (site.site[0]) {
			pt_text_add(out, "  site:     %s%s%s%s", site.site, site.known ? " (" : "",
				    site.known ? site.operator_name : "", site.known ? ")" : "");
		}
		if (row->id_server && row->id_server[0]) {
			pt_text_add(out, "  id.server %s", row->id_server);
		}
		if (row->hostname_bind && row->hostname_bind[0]) {
			pt_text_add(out, "  hostname  %s (hostname.bind)", row->hostname_bind);
		}
		if (det != PT_DETAIL_NONE) {
			pt_text_add(out, "  detail    %s: %s", pt_detail_name(det),
				    pt_detail_text(det));
		}
	}
	pt_text_add(out, "  queries   %u", row->queries);
	if (row->err != 0) {
		char why[64];

		pt_text_add(out, "  error     %s", pt_net_strerror(row->err, why, sizeof(why)));
	}
	pt_text_add(out, "%s", "");
	details_targets(out, s, row, now_ns);
	if (row->has_reply && row->result == PT_REPLY_OK) {
		for (i = 0; i < a->ncnames; i++) {
			pt_text_add(out, "  CNAME %s %s", utf8 ? "\u2192" : "->", a->cnames[i]);
		}
		if (a->count == 0) {
			pt_output_answer_summary(buf, sizeof(buf), row, " ");
			pt_text_add(out, "Answer: %s%s%s", buf, a->has_ttl ? ", negative TTL " : "",
				    a->has_ttl ? pt_rows_countdown(buf2, sizeof(buf2), ttl) : "");
		} else {
			pt_text_add(out, "Answer: %zu record%s, TTL %s left of %lus", a->count,
				    a->count == 1 ? "" : "s",
				    pt_rows_countdown(buf2, sizeof(buf2), ttl),
				    (unsigned long)a->ttl);
		}
		for (i = 0; i < a->count; i++) {
			pt_text_add(out, "  %-7s %s", pt_rows_countdown(buf2, sizeof(buf2), ttl),
				    a->rdata[i] ? a->rdata[i] : "");
		}
		pt_text_add(out, "%s", "");
	}
	if (s && cells >= 10 && now_ns > s->start_ns) {
		uint64_t span = (now_ns - s->start_ns) / PT_NS_PER_S;

		/* whole seconds per cell, as many cells as fit */
		if (cells > 100) {
			cells = 100;
		}
		if (span < (uint64_t)cells) {
			cells = span > 10 ? (int)span : 10;
		}
		if (span < (uint64_t)cells) {
			snprintf(buf2, sizeof(buf2), "%.1fs",
				 (double)(now_ns - s->start_ns) / 1e9 / (double)cells);
		} else {
			pt_text_duration(buf2, sizeof(buf2),
					 (span + (uint64_t)cells - 1) / (uint64_t)cells);
		}
		pt_text_add(out, "Timeline (the last %s, %s per cell):",
			    pt_text_duration(d, sizeof(d), span), buf2);
		bool seen[PT_VERDICT_COUNT + 1] = { false };

		pt_rows_timeline(&l, row, s->start_ns, now_ns, cells, utf8, seen);
		pt_text_add_line(out, &l);
		timeline_legend(out, seen, utf8, width);
		pt_text_add(out, "%s", "");
	}
	pt_text_add(out, "Changes of answer and status (newest first): %s",
		    row->nhistory ? "" : "none seen");
	for (i = row->nhistory; i > 0; i--) {
		const struct pt_change *c = &row->history[i - 1];
		char said[120];

		wall_text(buf2, sizeof(buf2), c->wall_ms);
		pt_rows_ago(rc, sizeof(rc), c->at_ns, now_ns);
		pt_text_add(out, "  %s  %-9s %-8s %-6s %s%s", buf2, rc, pt_verdict_name(c->verdict),
			    c->reason == PT_CHANGE_TRUTH	       ? "truth"
			    : i == 1 && row->nhistory < PT_HISTORY_MAX ? "first"
								       : "answer",
			    pt_change_summary(said, sizeof(said), c),
			    c->reverted ? "  (flap: back to an earlier answer)" : "");
	}
	if (row->nhistory > 0) {
		pt_text_add(out,
			    "  (answer: its reply changed; truth: the truth changed; first: the "
			    "first reply)");
	}
}

void pt_rows_help(struct pt_text *out)
{
	const struct pt_key_binding *b;
	size_t i;

	pt_text_add(out, "Keys");
	for (i = 0; (b = pt_keys_binding(i)) != NULL; i++) {
		if (b->name) {
			pt_text_add(out, "  %-8s %s", b->name, b->help);
		}
	}
	pt_text_add(out, "%s", "");
	pt_text_add(out, "Table");
	pt_text_add(out, "  The letter at the left is the answer group: A is the truth, B, C, ...");
	pt_text_add(out, "  other answers, as in the legend under the header.");
	pt_text_add(out, "  TTL counts down to when the cached answer expires.");
	pt_text_add(out,
		    "  Differing rows stand out; failures and pending rows have their own colour.");
	pt_text_add(out, "%s", "");
	pt_text_add(out, "In panels: arrows/PgUp/PgDn scroll, Esc, Enter or q close.");
	pt_text_add(out, "%s", "");
	pt_text_add(out, "Paste panel (p, or a paste anywhere)");
	pt_text_add(out,
		    "  A paste with the terminal is always text (bracketed paste), never keys: in");
	pt_text_add(out,
		    "  the table or a panel it opens this panel with the text in it; in a prompt");
	pt_text_add(
		out,
		"  it is typed into the prompt. Every format of resolvers.txt, resolv.conf and");
	pt_text_add(out,
		    "  the public-dns.info CSV is read; counts, rejected lines (with line number");
	pt_text_add(out,
		    "  and reason) and host names update as the text arrives. A host name (a word");
	pt_text_add(out,
		    "  with a dot: dns.google, localhost.) is resolved in the background and its");
	pt_text_add(out,
		    "  line says the address or why it failed. Enter new line, Backspace edit,");
	pt_text_add(
		out,
		"  Ctrl-U clear the line, arrows scroll the notes, Ctrl-D add the entries (when");
	pt_text_add(out,
		    "  host names still resolve, Ctrl-D again adds without them), Esc cancel. At");
	pt_text_add(out, "  most 16 MiB is kept. u puts back what x removed.");
}

/* ---- diagnosis ---- */

enum pt_color pt_rows_check_role(enum pt_check_status s)
{
	switch (s) {
	case PT_CHECK_PASS:
		return PT_COLOR_AGREE;
	case PT_CHECK_WARN:
		return PT_COLOR_DIVERGE;
	case PT_CHECK_FAIL:
		return PT_COLOR_ERROR;
	default:
		return PT_COLOR_PENDING;
	}
}

void pt_rows_diagnosis(struct pt_text *out, const struct pt_diagnosis *dg, int width)
{
	char status[8];
	size_t i, k;

	pt_text_add_role(out, PT_COLOR_HEADER,
			 "MX diagnosis of %s: %zu pass, %zu warn, %zu fail, %zu skip", dg->domain,
			 dg->summary[PT_CHECK_PASS], dg->summary[PT_CHECK_WARN],
			 dg->summary[PT_CHECK_FAIL], dg->summary[PT_CHECK_SKIP]);
	if (dg->nchecks == 0) {
		pt_text_add(out, "No check ran.");
	}
	/* failures first, then warnings, passes, skipped checks: what to fix comes first */
	size_t *idx = malloc((dg->nchecks ? dg->nchecks : 1) * sizeof(*idx));
	size_t n = idx ? pt_output_diagnosis_order(dg, idx) : 0;

	for (i = 0; i < n; i++) {
		const struct pt_check *c = &dg->checks[idx[i]];
		enum pt_color role = pt_rows_check_role(c->status);
		char fix[420];

		/* "PASS", "WARN", "FAIL", "SKIP" stand out in a column of their own */
		snprintf(status, sizeof(status), "%s", pt_check_status_name(c->status));
		for (k = 0; status[k]; k++) {
			status[k] = (char)toupper((unsigned char)status[k]);
		}
		pt_text_add(out, "%s", "");
		pt_text_add_role(out, role, "%-4s  %s  %s", status, c->id, c->subject);
		pt_text_wrap(out, PT_COLOR_NORMAL, width, 6, c->message);
		if (c->fix[0] != '\0') {
			snprintf(fix, sizeof(fix), "fix: %s", c->fix);
			pt_text_wrap(out, role == PT_COLOR_AGREE ? PT_COLOR_NORMAL : role, width, 6,
				     fix);
		}
		if (c->rfc[0] != '\0') {
			pt_text_add_role(out, PT_COLOR_PENDING, "      (%s)", c->rfc);
		}
	}
	free(idx);
}

/* ---- paste panel ---- */

static char *size_text(char *buf, size_t size, size_t bytes)
{
	if (bytes < 1024) {
		snprintf(buf, size, "%zu B", bytes);
	} else if (bytes < 1024 * 1024) {
		snprintf(buf, size, "%.1f KiB", (double)bytes / 1024.0);
	} else {
		snprintf(buf, size, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
	}
	return buf;
}

char *pt_rows_paste_counts(char *buf, size_t size, const struct pt_paste_stats *st, bool utf8)
{
	const char *dot = utf8 ? " \u00b7 " : " | ";
	char sz[32];
	size_t off = 0;

#define PUT(...)                                                                                   \
	do {                                                                                       \
		if (off < size) {                                                                  \
			off += (size_t)snprintf(buf + off, size - off, __VA_ARGS__);               \
		}                                                                                  \
	} while (0)
	PUT("%zu entr%s", st->entries, st->entries == 1 ? "y" : "ies");
	if (st->tracked > 0) {
		PUT(" (%zu already tracked)", st->tracked);
	}
	if (st->names > 0) {
		PUT("%s%zu host name%s", dot, st->names, st->names == 1 ? "" : "s");
		if (st->names_pending > 0) {
			PUT(" (%zu resolving%s)", st->names_pending, utf8 ? "\u2026" : "...");
		} else {
			PUT(" (resolved)");
		}
	}
	if (st->duplicates > 0) {
		PUT("%s%zu duplicate%s", dot, st->duplicates, st->duplicates == 1 ? "" : "s");
	}
	PUT("%s%zu rejected", dot, st->rejected);
	PUT("%s%zu line%s, %s", dot, st->lines, st->lines == 1 ? "" : "s",
	    size_text(sz, sizeof(sz), st->bytes));
	if (st->pasting) {
		PUT("%sreceiving paste%s", dot, utf8 ? "\u2026" : "...");
	} else if (st->busy) {
		PUT("%sreading%s", dot, utf8 ? "\u2026" : "...");
	}
#undef PUT
	return buf;
}

char *pt_rows_paste_diag(char *buf, size_t size, const struct pt_paste_diag *d)
{
	snprintf(buf, size, "line %zu: %s", d->line, d->reason ? d->reason : "");
	return buf;
}

enum pt_color pt_rows_paste_role(const struct pt_paste_diag *d)
{
	switch (d->kind) {
	case PT_PASTE_RESOLVED:
		return PT_COLOR_AGREE;
	case PT_PASTE_RESOLVING:
		return PT_COLOR_PENDING;
	default:
		return PT_COLOR_ERROR;
	}
}

/* ---- prompts ---- */

enum pt_status pt_rows_parse_target(const char *input, const char *cur_domain, uint16_t cur_type,
				    char *domain, size_t size, uint16_t *qtype, char *reason,
				    size_t reason_size)
{
	char copy[512], norm[300];
	char *tok[3] = { NULL, NULL, NULL };
	char *p, *save = NULL;
	size_t n = 0;
	const char *name = cur_domain;
	uint16_t t = cur_type;

	snprintf(copy, sizeof(copy), "%s", input ? input : "");
	for (p = strtok_r(copy, " \t", &save); p && n < 3; p = strtok_r(NULL, " \t", &save)) {
		tok[n++] = p;
	}
	if (n == 0 || n > 2) {
		snprintf(reason, reason_size, "enter TYPE or NAME TYPE");
		return PT_ERR_PARSE;
	}
	if (n == 1) {
		t = pt_rrtype_from_name(tok[0]);
		if (t == 0) {
			/* a lone word that is no type: a new name, same type */
			name = tok[0];
			t = cur_type;
		}
	} else if ((t = pt_rrtype_from_name(tok[1])) != 0) {
		name = tok[0];
	} else if ((t = pt_rrtype_from_name(tok[0])) != 0) {
		name = tok[1];
	} else {
		snprintf(reason, reason_size, "unknown record type \"%s\"", tok[1]);
		return PT_ERR_PARSE;
	}
	if (pt_name_normalise(norm, sizeof(norm), name) != PT_OK) {
		snprintf(reason, reason_size, "invalid domain name \"%s\"", name);
		return PT_ERR_PARSE;
	}
	snprintf(domain, size, "%s", norm);
	*qtype = t;
	return PT_OK;
}

size_t pt_rows_split_expect(char *input, char **out, size_t max)
{
	char *p = input, *start = input;
	bool quoted = false;
	size_t n = 0;

	for (;; p++) {
		bool end = *p == '\0';

		if (!end && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (!end && *p == '"') {
			quoted = !quoted;
			continue;
		}
		if (end || (!quoted && (*p == ';' || *p == '|'))) {
			char *e = p;

			*p = '\0';
			while (*start == ' ' || *start == '\t') {
				start++;
			}
			while (e > start && (e[-1] == ' ' || e[-1] == '\t')) {
				*--e = '\0';
			}
			if (*start != '\0' && n < max) {
				out[n++] = start;
			}
			start = p + 1;
		}
		if (end) {
			break;
		}
	}
	return n;
}
