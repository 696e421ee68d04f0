/* Unit tests for ui/rows.c: the dashboard's text and colour decisions, from hand-built
 * snapshots and a fixed clock (no curses, no network). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fake_rows.h"
#include "rows.h"

#define S(n) ((uint64_t)(n) * PT_NS_PER_S)

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

/* Give @p row a DATA answer with @p n records received at @p at_ns. */
static void set_data(struct pt_row *row, const char *const *rdata, size_t n, uint32_t ttl,
		     uint64_t at_ns, double rtt)
{
	size_t i;

	row->has_reply = true;
	row->result = PT_REPLY_OK;
	row->answer.kind = PT_ANSWER_DATA;
	row->answer.rcode = 0;
	row->answer.flags = PT_FLAG_RD | PT_FLAG_RA;
	row->answer.rdata = calloc(n ? n : 1, sizeof(char *));
	assert_non_null(row->answer.rdata);
	for (i = 0; i < n; i++) {
		row->answer.rdata[i] = xstrdup(rdata[i]);
	}
	row->answer.count = n;
	row->answer.ttl = ttl;
	row->answer.has_ttl = true;
	row->answer.ede = -1;
	row->received_ns = at_ns;
	row->rtt_ms = rtt;
	row->queries = 3;
}

static void set_resolver(struct pt_row *row, uint64_t id, const char *addr, const char *label,
			 const char *loc)
{
	struct pt_resolver *r = row_resolver(row);

	row->id = id;
	snprintf(r->address, sizeof(r->address), "%s", addr);
	snprintf(r->label, sizeof(r->label), "%s", label);
	snprintf(r->location, sizeof(r->location), "%s", loc);
	r->port = 53;
}

static const char *const NEW[] = { "10 mx-new.example.test." };
static const char *const OLD[] = { "10 mx-old.example.test." };
/* the answers of the history built by hand (a change refers to its answer) */
static char *old_rdata[] = { "10 mx-old.example.test." };
static char *new_rdata[] = { "10 mx-new.example.test." };
static const struct pt_answer old_answer = { .kind = PT_ANSWER_DATA, .rdata = old_rdata, .count = 1 };
static const struct pt_answer new_answer = { .kind = PT_ANSWER_DATA, .rdata = new_rdata, .count = 1 };
static const char *const TWO[] = { "10 mx1.example.test.", "20 mx2.example.test." };

/*
 * Six resolvers:
 *  0 Quad9      9.9.9.9       match  group 0  TTL 300  RTT 30
 *  1 cloudflare 1.1.1.1       differ group 2  TTL 100  RTT 10  (old answer)
 *  2 Google     8.8.8.8       timeout
 *  3 (no label) 10.0.0.4      pending
 *  4 adguard    94.140.14.14  servfail             RTT 5
 *  5 Bravo      192.0.2.5     differ group 1  TTL 20   RTT 40  (two records)
 */
/* the first row's history (rows in a snapshot point at theirs) */
static struct pt_change history0[4];

static struct pt_snapshot *make_snapshot(void)
{
	struct pt_snapshot *s = calloc(1, sizeof(*s));
	struct pt_row *r;

	assert_non_null(s);
	snprintf(s->domain, sizeof(s->domain), "example.test.");
	s->qtype = 15;
	s->expiry_bounded = true;
	s->truth.source = PT_TRUTH_AUTHORITATIVE;
	s->truth.serial = 2026112802;
	s->truth.has_serial = true;
	s->truth.answer.kind = PT_ANSWER_DATA;
	s->truth.answer.rdata = calloc(1, sizeof(char *));
	s->truth.answer.rdata[0] = xstrdup(NEW[0]);
	s->truth.answer.count = 1;
	s->truth.servers = calloc(2, sizeof(*s->truth.servers));
	s->truth.nservers = 2;
	snprintf(s->truth.servers[0].name, 256, "ns1.example.test.");
	snprintf(s->truth.servers[0].address, PT_ADDRESS_MAX, "127.53.1.1");
	s->truth.servers[0].serial = 2026112802;
	s->truth.servers[0].has_serial = true;
	s->truth.servers[0].status = PT_AUTH_OK;
	snprintf(s->truth.servers[1].address, PT_ADDRESS_MAX, "127.53.1.2");
	s->truth.servers[1].serial = 2026112801;
	s->truth.servers[1].has_serial = true;
	s->truth.servers[1].status = PT_AUTH_LAGGING;

	s->nrows = 6;
	s->rows = calloc(s->nrows, sizeof(*s->rows));
	assert_non_null(s->rows);
	r = s->rows;
	set_resolver(&r[0], 10, "9.9.9.9", "Quad9", "Zurich, CH");
	set_data(&r[0], NEW, 1, 300, S(0), 30);
	r[0].verdict = PT_VERDICT_MATCH;
	r[0].group = 0;
	r[0].answer.flags |= PT_FLAG_AD;
	r[0].changed_ns = S(1);
	r[0].nhistory = 2;
	r[0].history = history0;
	r[0].history[0].at_ns = S(1);
	r[0].history[0].verdict = PT_VERDICT_DIFFER;
	r[0].history[0].answer = &old_answer;
	r[0].history[1].at_ns = S(20);
	r[0].history[1].verdict = PT_VERDICT_MATCH;
	r[0].history[1].answer = &new_answer;

	set_resolver(&r[1], 11, "1.1.1.1", "cloudflare", "");
	set_data(&r[1], OLD, 1, 100, S(0), 10);
	r[1].verdict = PT_VERDICT_DIFFER;
	r[1].group = 2;

	set_resolver(&r[2], 12, "8.8.8.8", "Google", "US");
	r[2].has_reply = true;
	r[2].result = PT_REPLY_TIMEOUT;
	r[2].verdict = PT_VERDICT_TIMEOUT;
	r[2].group = -1;

	set_resolver(&r[3], 13, "10.0.0.4", "", "");
	r[3].verdict = PT_VERDICT_PENDING;
	r[3].group = -1;

	set_resolver(&r[4], 14, "94.140.14.14", "adguard", "");
	r[4].has_reply = true;
	r[4].result = PT_REPLY_OK;
	r[4].answer.kind = PT_ANSWER_RCODE;
	r[4].answer.rcode = 2;
	r[4].answer.ede = -1;
	r[4].rtt_ms = 5;
	r[4].verdict = PT_VERDICT_SERVFAIL;
	r[4].group = -1;

	set_resolver(&r[5], 15, "192.0.2.5", "Bravo", "");
	set_data(&r[5], TWO, 2, 20, S(0), 40);
	r[5].verdict = PT_VERDICT_DIFFER;
	r[5].group = 1;

	s->counts.total = 6;
	s->counts.by[PT_VERDICT_MATCH] = 1;
	s->counts.by[PT_VERDICT_DIFFER] = 2;
	s->counts.by[PT_VERDICT_TIMEOUT] = 1;
	s->counts.by[PT_VERDICT_PENDING] = 1;
	s->counts.by[PT_VERDICT_SERVFAIL] = 1;
	s->ngroups = 3;
	s->group_sizes[0] = 1;
	s->group_sizes[1] = 1;
	s->group_sizes[2] = 1;
	s->start_ns = S(0);
	s->taken_ns = S(50);
	s->expires_within = 50;
	return s;
}

static void free_snapshot(struct pt_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nrows; i++) {
		pt_answer_fini(&s->rows[i].answer);
		free((void *)(uintptr_t)s->rows[i].resolver);
	}
	free(s->rows);
	pt_truth_fini(&s->truth);
	free(s);
}

static void assert_order(const struct pt_snapshot *s, enum pt_sort sort, const char *filter,
			 const size_t *want, size_t nwant)
{
	size_t got[16];
	size_t n = pt_rows_order(got, s, sort, filter, S(50));
	size_t i;

	assert_int_equal(n, nwant);
	for (i = 0; i < n; i++) {
		assert_int_equal(got[i], want[i]);
	}
}

/* The shown rows are sorted and filtered again only when the rows, the order or the filter
 * changed; a big table whose rows alone changed re-sorts at most once a second. */
static void test_order_only_on_change(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	static const size_t status[] = { 1, 5, 4, 2, 3, 0 };
	struct pt_order o;
	struct pt_snapshot big;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_true(pt_order_update(&o, s, PT_SORT_STATUS, NULL, S(50)));
	assert_int_equal(o.computed, 1);
	assert_int_equal(o.n, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(o.idx[i], status[i]);
	}
	/* the same snapshot, later: nothing to do */
	assert_false(pt_order_update(&o, s, PT_SORT_STATUS, "", S(60)));
	assert_int_equal(o.computed, 1);
	/* a filter, then the same filter */
	assert_true(pt_order_update(&o, s, PT_SORT_STATUS, "mx-old", S(60)));
	assert_int_equal(o.n, 1);
	assert_int_equal(o.idx[0], 1);
	assert_false(pt_order_update(&o, s, PT_SORT_STATUS, "mx-old", S(60)));
	assert_int_equal(o.computed, 2);
	/* the rows changed */
	s->generation++;
	assert_true(pt_order_update(&o, s, PT_SORT_STATUS, "mx-old", S(60)));
	assert_int_equal(o.computed, 3);
	/* another order; by TTL also when a second passed */
	assert_true(pt_order_update(&o, s, PT_SORT_TTL, NULL, S(50)));
	assert_false(pt_order_update(&o, s, PT_SORT_TTL, NULL, S(50) + 900000000ULL));
	assert_true(pt_order_update(&o, s, PT_SORT_TTL, NULL, S(51)));
	assert_int_equal(o.computed, 5);
	free_snapshot(s);

	/* a big table */
	memset(&big, 0, sizeof(big));
	big.nrows = PT_ORDER_THROTTLE_ROWS + 1;
	big.rows = calloc(big.nrows, sizeof(*big.rows));
	assert_non_null(big.rows);
	for (size_t i = 0; i < big.nrows; i++) {
		big.rows[i].id = i;
		assert_non_null(row_resolver(&big.rows[i]));
	}
	assert_true(pt_order_update(&o, &big, PT_SORT_ADDED, NULL, S(10)));
	assert_int_equal(o.n, big.nrows);
	assert_int_equal(o.computed, 6);
	big.generation++;
	assert_false(pt_order_update(&o, &big, PT_SORT_ADDED, NULL, S(10) + 500000000ULL));
	assert_true(pt_order_update(&o, &big, PT_SORT_ADDED, NULL, S(11)));
	assert_int_equal(o.computed, 7);
	/* a resolver added or removed, another order or filter: at once */
	big.rows_generation++;
	big.nrows--;
	assert_true(pt_order_update(&o, &big, PT_SORT_ADDED, NULL, S(11)));
	assert_int_equal(o.n, big.nrows);
	assert_true(pt_order_update(&o, &big, PT_SORT_RTT, NULL, S(11)));
	assert_true(pt_order_update(&o, &big, PT_SORT_RTT, "10.", S(11)));
	assert_int_equal(o.computed, 10);
	for (size_t i = 0; i < big.nrows + 1; i++) {
		free((void *)(uintptr_t)big.rows[i].resolver);
	}
	free(big.rows);
	pt_order_fini(&o);
	assert_null(o.idx);
}

static void test_sort_each_key(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	static const size_t added[] = { 0, 1, 2, 3, 4, 5 };
	static const size_t status[] = { 1, 5, 4, 2, 3, 0 };
	static const size_t group[] = { 0, 5, 1, 2, 3, 4 };
	static const size_t ttl[] = { 5, 1, 0, 2, 3, 4 };
	static const size_t rtt[] = { 4, 1, 0, 5, 2, 3 };
	static const size_t label[] = { 3, 4, 5, 1, 2, 0 };

	(void)state;
	assert_order(s, PT_SORT_ADDED, NULL, added, 6);
	assert_order(s, PT_SORT_STATUS, NULL, status, 6);
	assert_order(s, PT_SORT_GROUP, NULL, group, 6);
	assert_order(s, PT_SORT_TTL, NULL, ttl, 6);
	assert_order(s, PT_SORT_RTT, NULL, rtt, 6);
	assert_order(s, PT_SORT_LABEL, "", label, 6);
	free_snapshot(s);
}

static void test_sort_cycle(void **state)
{
	enum pt_sort s = PT_SORT_ADDED;
	static const char *const names[] = { "status", "answer", "TTL", "RTT", "label", "added" };
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		s = pt_sort_next(s);
		assert_string_equal(pt_sort_name(s), names[i]);
	}
	assert_int_equal(s, PT_SORT_ADDED);
	assert_true(pt_rows_status_rank(PT_VERDICT_DIFFER) < pt_rows_status_rank(PT_VERDICT_SERVFAIL));
	assert_true(pt_rows_status_rank(PT_VERDICT_TIMEOUT) < pt_rows_status_rank(PT_VERDICT_MATCH));
}

static void test_filter(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	static const size_t goo[] = { 2 };
	static const size_t old[] = { 1 };
	static const size_t ch[] = { 0 };
	static const size_t ten[] = { 5, 1, 0, 3 };
	static const size_t none[] = { 0 };

	(void)state;
	assert_order(s, PT_SORT_ADDED, "GOO", goo, 1);           /* label, any case */
	assert_order(s, PT_SORT_ADDED, "mx-OLD", old, 1);        /* answer text */
	assert_order(s, PT_SORT_ADDED, "zurich", ch, 1);         /* location */
	/* "10" is in 10.0.0.4 and in every answer starting "10 ": sorted by TTL */
	assert_order(s, PT_SORT_TTL, "10", ten, 4);
	assert_order(s, PT_SORT_ADDED, "no such thing", none, 0);
	assert_true(pt_rows_match(&s->rows[4], "94.140"));       /* address */
	assert_true(pt_rows_match(&s->rows[4], NULL));
	free_snapshot(s);
}

static void test_groups_and_roles(void **state)
{
	struct pt_row row;

	(void)state;
	assert_int_equal(pt_rows_group_letter(0), 'A');
	assert_int_equal(pt_rows_group_letter(1), 'B');
	assert_int_equal(pt_rows_group_letter(25), 'Z');
	assert_int_equal(pt_rows_group_letter(26), '?');
	assert_int_equal(pt_rows_group_letter(-1), ' ');
	assert_int_equal(pt_rows_group_color(0), PT_COLOR_GROUP0);
	assert_int_equal(pt_rows_group_color(2), PT_COLOR_GROUP0 + 2);
	assert_int_equal(pt_rows_group_color(PT_COLOR_NGROUPS + 1), PT_COLOR_GROUP0 + 1);
	assert_int_equal(pt_rows_group_color(-1), PT_COLOR_NORMAL);

	memset(&row, 0, sizeof(row));
	row.verdict = PT_VERDICT_MATCH;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_AGREE);
	row.verdict = PT_VERDICT_DIFFER;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_DIVERGE);
	row.verdict = PT_VERDICT_NEGATIVE;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_DIVERGE);
	row.verdict = PT_VERDICT_SERVFAIL;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_ERROR);
	row.verdict = PT_VERDICT_TIMEOUT;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_ERROR);
	row.verdict = PT_VERDICT_REFUSED;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_ERROR);
	row.verdict = PT_VERDICT_ERROR;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_ERROR);
	row.verdict = PT_VERDICT_PENDING;
	assert_int_equal(pt_rows_role(&row), PT_COLOR_PENDING);
}

/* True when @p s is valid UTF-8. */
static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2
			: (*p & 0xf8) == 0xf0 ? 3 : -1;

		if (n < 0) {
			return false;
		}
		p++;
		while (n-- > 0) {
			if ((*p & 0xc0) != 0x80) {
				return false;
			}
			p++;
		}
	}
	return true;
}

static void test_line_truncation(void **state)
{
	struct pt_line l;
	const char *ell = "\xe2\x80\xa6"; /* … */

	(void)state;
	pt_line_init(&l, 10, true);
	pt_line_add(&l, PT_COLOR_HEADER, "\xc3\x84\xc3\x96\xc3\x9c-"); /* ÄÖÜ- : 4 cells */
	pt_line_add(&l, PT_COLOR_NORMAL, "\xc3\xa4\xc3\xb6\xc3\xbc\xc3\x9f\xc3\xa9\xc3\xa8\xc3\xaa");
	assert_int_equal(l.width, 10);
	assert_int_equal(pt_text_width(l.text), 10);
	assert_true(valid_utf8(l.text));
	assert_int_equal(strcmp(l.text + l.len - 3, ell), 0);
	assert_int_equal(l.nsegs, 2);
	assert_int_equal(l.segs[0].role, PT_COLOR_HEADER);
	assert_int_equal(l.segs[0].len, 7);
	pt_line_add(&l, PT_COLOR_ERROR, "more"); /* full: nothing added */
	assert_int_equal(l.nsegs, 2);

	pt_line_init(&l, 8, false);
	pt_line_add(&l, PT_COLOR_NORMAL, "abcdefghijkl");
	assert_string_equal(l.text, "abcdefg~");
	/* same role merges into one segment; padding reaches the column */
	pt_line_init(&l, 20, true);
	pt_line_add(&l, PT_COLOR_NORMAL, "ab");
	pt_line_add(&l, PT_COLOR_NORMAL, "cd");
	pt_line_pad(&l, PT_COLOR_NORMAL, 12);
	assert_int_equal(l.nsegs, 1);
	assert_int_equal(l.width, 12);
	pt_line_pad(&l, PT_COLOR_NORMAL, 40);
	assert_int_equal(l.width, 20);
}

static void test_countdown_and_ago(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(pt_rows_countdown(b, sizeof(b), -1), "-");
	assert_string_equal(pt_rows_countdown(b, sizeof(b), 0), "0s");
	assert_string_equal(pt_rows_countdown(b, sizeof(b), 41), "41s");
	assert_string_equal(pt_rows_countdown(b, sizeof(b), 125), "2m05s");
	assert_string_equal(pt_rows_countdown(b, sizeof(b), 7440), "2h04m");
	assert_string_equal(pt_rows_countdown(b, sizeof(b), 266400), "3d02h");

	assert_string_equal(pt_rows_ago(b, sizeof(b), 0, S(100)), "never");
	assert_string_equal(pt_rows_ago(b, sizeof(b), S(98), S(100)), "just now");
	assert_string_equal(pt_rows_ago(b, sizeof(b), S(200), S(100)), "just now");
	assert_string_equal(pt_rows_ago(b, sizeof(b), S(58), S(100)), "42s ago");
	assert_string_equal(pt_rows_ago(b, sizeof(b), S(10), S(160)), "2m ago");
	assert_string_equal(pt_rows_ago(b, sizeof(b), S(1), S(7201)), "2h ago");
	assert_string_equal(pt_rows_ago(b, sizeof(b), S(1), S(1 + 3 * 86400)), "3d ago");
}

static void test_gauge(void **state)
{
	char b[128];

	(void)state;
	assert_string_equal(pt_rows_gauge(b, sizeof(b), 6, 10, 10, true),
			    "[\u2588\u2588\u2588\u2588\u2588\u2588\u2591\u2591\u2591\u2591] 6/10 match");
	assert_string_equal(pt_rows_gauge(b, sizeof(b), 6, 10, 10, false), "[######....] 6/10 match");
	assert_string_equal(pt_rows_gauge(b, sizeof(b), 0, 10, 10, false), "[..........] 0/10 match");
	assert_string_equal(pt_rows_gauge(b, sizeof(b), 10, 10, 5, false), "[#####] 10/10 match");
	/* nearly all is not full; a few is not empty */
	assert_string_equal(pt_rows_gauge(b, sizeof(b), 99, 100, 5, false), "[####.] 99/100 match");
	assert_string_equal(pt_rows_gauge(b, sizeof(b), 1, 100, 5, false), "[#....] 1/100 match");
	assert_string_equal(pt_rows_gauge(b, sizeof(b), 0, 0, 4, false), "[....] 0/0 match");
	/* a short buffer is cut, never overrun */
	pt_rows_gauge(b, 6, 6, 10, 10, false);
	assert_string_equal(b, "[####");
}

static void check_table(const struct pt_snapshot *s, int width, bool utf8)
{
	struct pt_layout lay;
	struct pt_line l;
	size_t i;

	pt_rows_layout(&lay, width, utf8);
	pt_rows_title(&l, &lay);
	assert_true(l.width <= width);
	assert_true(strstr(l.text, "STATUS") != NULL);
	for (i = 0; i < s->nrows; i++) {
		pt_rows_line(&l, &lay, s, &s->rows[i], S(50));
		assert_int_equal(pt_text_width(l.text), l.width);
		assert_true(l.width <= width);
		assert_true(valid_utf8(l.text));
		/* group letter in the group's colour, the rest in the row's role */
		assert_int_equal(l.text[0], pt_rows_group_letter(s->rows[i].group));
		assert_int_equal(l.segs[l.nsegs - 1].role, pt_rows_role(&s->rows[i]));
	}
}

static int answer_width(const struct pt_layout *lay)
{
	size_t i;

	for (i = 0; i < lay->ncols; i++) {
		if (lay->cols[i] == PT_COL_ANSWER) {
			return lay->widths[i];
		}
	}
	return 0;
}

static void test_layout_60_and_200(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_layout lay;
	struct pt_line l;
	int sum;
	size_t i;

	(void)state;
	pt_rows_layout(&lay, 60, true);
	assert_true(pt_layout_has(&lay, PT_COL_LABEL));
	assert_true(pt_layout_has(&lay, PT_COL_STATUS));
	assert_true(pt_layout_has(&lay, PT_COL_ANSWER));
	assert_true(pt_layout_has(&lay, PT_COL_TTL));
	assert_false(pt_layout_has(&lay, PT_COL_LOCATION));
	assert_false(pt_layout_has(&lay, PT_COL_CHANGED));
	assert_false(pt_layout_has(&lay, PT_COL_RTT));
	assert_false(pt_layout_has(&lay, PT_COL_ADDRESS));
	sum = PT_LETTER_CELLS + lay.sep * (int)(lay.ncols - 1);
	for (i = 0; i < lay.ncols; i++) {
		sum += lay.widths[i];
		if (lay.cols[i] == PT_COL_ANSWER) {
			assert_true(lay.widths[i] >= 20);
		}
	}
	assert_int_equal(sum, 60);
	check_table(s, 60, true);
	check_table(s, 60, false);

	pt_rows_layout(&lay, 200, true);
	assert_int_equal(lay.ncols, PT_COL_COUNT - 1); /* ADDR only with --follow-mx */
	check_table(s, 200, true);
	pt_rows_line(&l, &lay, s, &s->rows[5], S(50));
	assert_int_equal(l.width, 200);
	/* MX set joined with " · " under UTF-8 */
	assert_non_null(strstr(l.text, "10 mx1.example.test. \u00b7 20 mx2.example.test."));
	pt_rows_layout(&lay, 200, false);
	pt_rows_line(&l, &lay, s, &s->rows[5], S(50));
	assert_non_null(strstr(l.text, "10 mx1.example.test. | 20 mx2.example.test."));
	assert_non_null(strstr(l.text, "Bravo"));
	assert_non_null(strstr(l.text, "192.0.2.5"));

	/* drop order between the two: the AD column and the site go first, then the location,
	 * then changed */
	pt_rows_layout(&lay, 127, true);
	assert_int_equal(lay.ncols, PT_COL_COUNT - 1); /* ADDR only with --follow-mx */
	pt_rows_layout(&lay, 126, true);
	assert_false(pt_layout_has(&lay, PT_COL_VALIDATED));
	assert_true(pt_layout_has(&lay, PT_COL_SITE));
	pt_rows_layout(&lay, 120, true);
	assert_int_equal(lay.ncols, PT_COL_COUNT - 3);
	assert_false(pt_layout_has(&lay, PT_COL_SITE));
	assert_true(answer_width(&lay) >= 24);
	pt_rows_layout(&lay, 110, true);
	assert_false(pt_layout_has(&lay, PT_COL_LOCATION));
	assert_true(pt_layout_has(&lay, PT_COL_CHANGED));
	pt_rows_layout(&lay, 100, true);
	assert_false(pt_layout_has(&lay, PT_COL_LOCATION));
	assert_false(pt_layout_has(&lay, PT_COL_CHANGED));
	assert_true(pt_layout_has(&lay, PT_COL_RTT));
	assert_true(pt_layout_has(&lay, PT_COL_ADDRESS));
	assert_true(answer_width(&lay) >= 24);
	free_snapshot(s);
}

static void test_utf8_answer_cut(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	static const char *const txt[] = {
		"\"h\xc3\xa9llo w\xc3\xb6rld, \xc3\xa7" "a va tr\xc3\xa8s bien, merci beaucoup\"",
	};
	struct pt_layout lay;
	struct pt_line l;

	(void)state;
	pt_answer_fini(&s->rows[1].answer);
	set_data(&s->rows[1], txt, 1, 60, S(0), 3);
	pt_rows_layout(&lay, 60, true);
	pt_rows_line(&l, &lay, s, &s->rows[1], S(50));
	assert_int_equal(pt_text_width(l.text), 60);
	assert_true(valid_utf8(l.text));
	assert_non_null(strstr(l.text, "\xe2\x80\xa6")); /* cut with … */
	pt_rows_layout(&lay, 60, false);
	pt_rows_line(&l, &lay, s, &s->rows[1], S(50));
	assert_true(l.width <= 60);
	assert_non_null(strstr(l.text, "~"));
	free_snapshot(s);
}

static bool seg_has(const struct pt_line *l, enum pt_color role, const char *text)
{
	size_t i;

	char seg[PT_LINE_BYTES];

	for (i = 0; i < l->nsegs; i++) {
		memcpy(seg, l->text + l->segs[i].start, l->segs[i].len);
		seg[l->segs[i].len] = '\0';
		if (l->segs[i].role == role && strstr(seg, text)) {
			return true;
		}
	}
	return false;
}

static void test_header(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_line h[PT_HEADER_LINES];
	int w;

	(void)state;
	pt_rows_header(h, s, 120, S(50), true);
	assert_non_null(strstr(h[0].text, "example.test. MX"));
	assert_non_null(strstr(h[0].text, "authoritative serial 2026112802"));
	assert_non_null(strstr(h[1].text, "ns1.example.test. 2026112802"));
	assert_true(seg_has(&h[1], PT_COLOR_DIVERGE, "2026112801 lagging"));
	assert_non_null(strstr(h[2].text, "1/5 match")); /* the timeout is not judged */
	assert_non_null(strstr(h[2].text, "old answers expire within 50s"));
	assert_non_null(strstr(h[2].text, "elapsed 50s"));
	assert_null(strstr(h[2].text, "CONVERGED"));
	/* a frozen snapshot keeps counting down */
	pt_rows_header(h, s, 120, S(60), true);
	assert_non_null(strstr(h[2].text, "expire within 40s"));
	assert_non_null(strstr(h[2].text, "elapsed 1m00s"));
	for (w = 60; w <= 200; w += 140) {
		pt_rows_header(h, s, w, S(50), w == 60);
		assert_true(h[0].width <= w && h[1].width <= w && h[2].width <= w);
	}

	/* nothing bounds the expiry: said instead of a countdown; inconclusive reasons shown */
	s->expiry_bounded = false;
	s->reasons = PT_REASON_DIFFER | PT_REASON_TOO_FEW;
	pt_rows_header(h, s, 120, S(50), true);
	assert_non_null(strstr(h[2].text, "convergence not bounded"));
	assert_null(strstr(h[2].text, "expire within"));
	assert_true(seg_has(&h[2], PT_COLOR_ERROR, "too-few-answers"));
	s->expiry_bounded = true;
	s->reasons = 0;

	/* every resolver agreed from the start: no CONVERGED news, they serve the truth */
	s->converged = true;
	s->converged_ns = S(72);
	s->expires_within = 0;
	s->counts.by[PT_VERDICT_MATCH] = 4;
	assert_int_equal(pt_rows_header(h, s, 120, S(90), false), 3);
	assert_non_null(strstr(h[2].text, "all 4 resolvers serve the truth"));
	assert_null(strstr(h[2].text, "CONVERGED"));
	/* once something changed while watching, the convergence is news */
	s->changed = true;
	pt_rows_header(h, s, 120, S(90), false);
	assert_non_null(strstr(h[2].text, "CONVERGED in 1m12s"));
	assert_true(seg_has(&h[2], PT_COLOR_BANNER, "CONVERGED"));
	assert_null(strstr(h[2].text, "expire"));
	/* a change of the truth watched: counted from the change */
	s->truth_changed_ns = S(60);
	pt_rows_header(h, s, 120, S(90), false);
	assert_non_null(strstr(h[2].text, "CONVERGED 12s after the change"));
	s->truth_changed_ns = 0;

	s->truth.source = PT_TRUTH_MAJORITY;
	pt_rows_header(h, s, 120, S(90), false);
	assert_non_null(strstr(h[0].text, "majority (no authoritative server answered)"));
	s->truth.source = PT_TRUTH_EXPECTED;
	pt_rows_header(h, s, 120, S(90), false);
	assert_non_null(strstr(h[0].text, "truth: expected"));
	/* something to say about the truth: a fourth line */
	s->truth.unpublished = true;
	s->truth.negative_ttl = 60;
	assert_int_equal(pt_rows_header(h, s, 120, S(90), false), 4);
	assert_non_null(strstr(h[3].text, "! waiting for the authoritative servers to publish"));
	assert_true(h[3].width <= 120);
	free_snapshot(s);
}

/* Issue 11: the header's "sources:" split is made once per snapshot generation (it scans
 * every row), and made again when the generation moves. */
static void test_header_sources_per_generation(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_line h[PT_HEADER_LINES];

	(void)state;
	pt_rows_header(h, s, 200, S(50), false);
	assert_null(strstr(h[2].text, "sources:"));
	row_resolver(&s->rows[0])->vantage.source = PT_SOURCE_ATLAS;
	snprintf(row_resolver(&s->rows[0])->vantage.country, sizeof(struct pt_vantage){ 0 }.country,
		 "DE");
	s->generation++;
	pt_rows_header(h, s, 200, S(50), false);
	assert_non_null(strstr(h[2].text, "sources:"));
	assert_non_null(strstr(h[2].text, "DE"));
	/* painted again: the same text */
	pt_rows_header(h, s, 200, S(50), false);
	assert_non_null(strstr(h[2].text, "DE"));
	snprintf(row_resolver(&s->rows[0])->vantage.country, sizeof(struct pt_vantage){ 0 }.country,
		 "NL");
	s->generation++;
	pt_rows_header(h, s, 200, S(50), false);
	assert_non_null(strstr(h[2].text, "NL"));
	assert_null(strstr(h[2].text, "DE"));
	free_snapshot(s);
}

static void test_legend(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_line l[4];
	size_t n;

	(void)state;
	n = pt_rows_legend(l, 4, s, 100, true);
	assert_int_equal(n, 3);
	assert_int_equal(l[0].text[1], 'A');
	assert_int_equal(l[0].segs[0].role, PT_COLOR_GROUP0);
	assert_non_null(strstr(l[0].text, "truth"));
	assert_non_null(strstr(l[0].text, "10 mx-new.example.test."));
	assert_int_equal(l[1].text[1], 'B');
	assert_int_equal(l[1].segs[0].role, PT_COLOR_GROUP0 + 1);
	assert_non_null(strstr(l[1].text, "10 mx1.example.test. \u00b7 20 mx2.example.test."));
	assert_int_equal(l[2].text[1], 'C');
	assert_non_null(strstr(l[2].text, "mx-old"));
	/* not enough room: the last line counts what is left */
	n = pt_rows_legend(l, 2, s, 100, true);
	assert_int_equal(n, 2);
	assert_non_null(strstr(l[1].text, "+2 more"));
	/* nobody serves the truth yet: A still shows it */
	s->rows[0].group = 1;
	s->group_sizes[0] = 0;
	n = pt_rows_legend(l, 4, s, 100, false);
	assert_true(n >= 1);
	assert_non_null(strstr(l[0].text, "mx-new"));
	free_snapshot(s);
}

static bool text_has(const struct pt_text *t, const char *needle)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (strstr(t->lines[i], needle)) {
			return true;
		}
	}
	return false;
}

static void test_details_and_help(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_text t = { 0 };

	(void)state;
	pt_rows_details(&t, s, &s->rows[0], S(50), 0, true, 80);
	assert_true(text_has(&t, "Quad9"));
	assert_true(text_has(&t, "9.9.9.9 port 53"));
	assert_true(text_has(&t, "Zurich, CH"));
	assert_true(text_has(&t, "NOERROR"));
	assert_true(text_has(&t, "RD RA AD"));
	assert_true(text_has(&t, "4m10s") && text_has(&t, "10 mx-new.example.test."));
	assert_true(text_has(&t, "30.0 ms"));
	assert_true(text_has(&t, "queries   3"));
	assert_true(text_has(&t, "mx-old"));      /* history */
	assert_true(text_has(&t, "49s ago"));
	assert_false(text_has(&t, "flap"));
	pt_text_fini(&t);
	assert_int_equal(t.n, 0);
	/* a return to an earlier answer is marked as a flap */
	s->rows[0].history[1].reverted = true;
	pt_rows_details(&t, s, &s->rows[0], S(50), 0, true, 80);
	assert_true(text_has(&t, "(flap: back to an earlier answer)"));
	assert_false(text_has(&t, "NS set"));
	pt_text_fini(&t);
	/* it holds the old NS set for 40 s more */
	s->rows[0].old_servers = true;
	s->rows[0].ns_expires_ns = S(90);
	pt_rows_details(&t, s, &s->rows[0], S(50), 0, true, 80);
	assert_true(text_has(&t, "NS set    the old name servers (not delegated any more), "
				 "cached for 40s more"));
	pt_text_fini(&t);

	/* every EDE option of the reply on a line of its own, those past PT_EDE_MAX counted */
	assert_int_equal(pt_answer_set_edes(&s->rows[0].answer, (const int[]){ 9, 3, 1, 2, 5 },
					    (const char *const[]){ "no key", NULL, NULL, NULL, NULL },
					    5, 0),
			 PT_OK);
	pt_rows_details(&t, s, &s->rows[0], S(50), 0, true, 80);
	assert_true(text_has(&t, "EDE       9 (DNSKEY Missing): no key"));
	assert_true(text_has(&t, "EDE       3 (Stale Answer)"));
	assert_true(text_has(&t, "EDE       and 1 more"));
	pt_text_fini(&t);

	pt_rows_details(&t, s, &s->rows[2], S(50), 0, false, 80);
	assert_true(text_has(&t, "timed out"));
	assert_false(text_has(&t, "EDE"));
	pt_text_fini(&t);

	pt_rows_help(&t);
	assert_true(text_has(&t, "quit"));
	assert_true(text_has(&t, "PgUp"));
	assert_true(text_has(&t, "paste"));
	assert_true(text_has(&t, "expected answer"));
	assert_true(text_has(&t, "Paste panel (p"));
	assert_true(text_has(&t, "remove the selected resolver"));
	assert_false(text_has(&t, "not available"));
	pt_text_fini(&t);
	free_snapshot(s);
}

static void test_diagnosis_text(void **state)
{
	struct pt_diagnosis dg;
	struct pt_text t = { 0 };
	struct pt_check checks[2];
	size_t i;
	bool wrapped = false;

	(void)state;
	memset(&dg, 0, sizeof(dg));
	memset(checks, 0, sizeof(checks));
	snprintf(dg.domain, sizeof(dg.domain), "example.test.");
	snprintf(checks[0].id, sizeof(checks[0].id), "mx-exists");
	checks[0].status = PT_CHECK_PASS;
	snprintf(checks[0].subject, sizeof(checks[0].subject), "example.test.");
	snprintf(checks[0].message, sizeof(checks[0].message), "1 MX record: 10 mx.example.test.");
	snprintf(checks[1].id, sizeof(checks[1].id), "mx-target-cname");
	checks[1].status = PT_CHECK_FAIL;
	snprintf(checks[1].subject, sizeof(checks[1].subject), "mx.example.test.");
	snprintf(checks[1].message, sizeof(checks[1].message),
		 "the MX target is an alias (CNAME) for another name, which mail servers are "
		 "not required to follow: some senders will bounce mail");
	snprintf(checks[1].fix, sizeof(checks[1].fix), "point the MX at the canonical name");
	snprintf(checks[1].rfc, sizeof(checks[1].rfc), "RFC 2181 \u00a710.3");
	dg.checks = checks;
	dg.nchecks = 2;
	dg.summary[PT_CHECK_PASS] = 1;
	dg.summary[PT_CHECK_FAIL] = 1;
	pt_rows_diagnosis(&t, &dg, 60);
	assert_non_null(strstr(t.lines[0], "example.test.: 1 pass, 0 warn, 1 fail, 0 skip"));
	assert_int_equal(t.roles[0], PT_COLOR_HEADER);
	for (i = 0; i < t.n; i++) {
		/* no line wider than the panel */
		assert_true(strlen(t.lines[i]) <= 64);
		if (strstr(t.lines[i], "PASS  mx-exists  example.test.")) {
			assert_int_equal(t.roles[i], PT_COLOR_AGREE);
		}
		if (strstr(t.lines[i], "FAIL  mx-target-cname  mx.example.test.")) {
			assert_int_equal(t.roles[i], PT_COLOR_ERROR);
			/* the message is wrapped under it, indented */
			assert_true(i + 2 < t.n);
			assert_memory_equal(t.lines[i + 1], "      the MX target", 19);
			assert_memory_equal(t.lines[i + 2], "      ", 6);
			wrapped = true;
		}
	}
	assert_true(wrapped);
	assert_true(text_has(&t, "      fix: point the MX at the canonical name"));
	assert_true(text_has(&t, "(RFC 2181"));
	assert_int_equal(pt_rows_check_role(PT_CHECK_WARN), PT_COLOR_DIVERGE);
	assert_int_equal(pt_rows_check_role(PT_CHECK_SKIP), PT_COLOR_PENDING);
	pt_text_fini(&t);
	assert_null(t.roles);

	/* a word longer than a line is cut, never lost */
	pt_text_wrap(&t, PT_COLOR_NORMAL, 20, 2, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b");
	assert_int_equal(t.n, 3);
	assert_string_equal(t.lines[0], "  aaaaaaaaaaaaaaaaaa");
	assert_string_equal(t.lines[2], "  b");
	pt_text_fini(&t);
}

static void test_paste_texts(void **state)
{
	struct pt_paste_stats st;
	struct pt_paste_diag d = { 8, "not an address: '999.1.1.1'", PT_PASTE_REJECTED };
	char buf[256];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.entries = 5;
	st.tracked = 1;
	st.names = 1;
	st.names_pending = 1;
	st.rejected = 3;
	st.lines = 11;
	st.bytes = 215;
	assert_string_equal(pt_rows_paste_counts(buf, sizeof(buf), &st, false),
			    "5 entries (1 already tracked) | 1 host name (1 resolving...) | "
			    "3 rejected | 11 lines, 215 B");
	assert_int_equal(pt_rows_paste_role(&d), PT_COLOR_ERROR);
	d.kind = PT_PASTE_RESOLVING;
	assert_int_equal(pt_rows_paste_role(&d), PT_COLOR_PENDING);
	d.kind = PT_PASTE_RESOLVED;
	assert_int_equal(pt_rows_paste_role(&d), PT_COLOR_AGREE);
	st.names_pending = 0;
	assert_non_null(strstr(pt_rows_paste_counts(buf, sizeof(buf), &st, false),
			       "1 host name (resolved)"));
	st.entries = 1;
	st.tracked = 0;
	st.names = 0;
	st.duplicates = 2;
	st.bytes = 3u << 20;
	st.pasting = true;
	assert_string_equal(pt_rows_paste_counts(buf, sizeof(buf), &st, true),
			    "1 entry \u00b7 2 duplicates \u00b7 3 rejected \u00b7 11 lines, 3.0 MiB "
			    "\u00b7 receiving paste\u2026");
	assert_string_equal(pt_rows_paste_diag(buf, sizeof(buf), &d),
			    "line 8: not an address: '999.1.1.1'");
}

static void test_status_line(void **state)
{
	struct pt_status_info info = { 0 };
	struct pt_line l;

	(void)state;
	info.sort = PT_SORT_STATUS;
	info.filter = "goo";
	info.shown = 1;
	info.total = 6;
	info.queries = 42;
	pt_rows_status(&l, 100, true, &info);
	assert_int_equal(l.width, 100);
	assert_non_null(strstr(l.text, "q quit"));
	assert_non_null(strstr(l.text, "sort:status"));
	assert_non_null(strstr(l.text, "filter:\"goo\" 1/6"));
	assert_non_null(strstr(l.text, "42 queries"));
	info.message = "paste: not available yet";
	info.error = true;
	pt_rows_status(&l, 60, true, &info);
	assert_int_equal(l.width, 60);
	assert_non_null(strstr(l.text, "42 queries"));
	assert_true(seg_has(&l, PT_COLOR_ERROR, "paste"));
}

static void test_prompts(void **state)
{
	char in[128], domain[300], reason[160];
	char *parts[8];
	uint16_t t;

	(void)state;
	snprintf(in, sizeof(in), " 10 a.example. ; 20 b.example.| 30 c.example. ;;");
	assert_int_equal(pt_rows_split_expect(in, parts, 8), 3);
	assert_string_equal(parts[0], "10 a.example.");
	assert_string_equal(parts[1], "20 b.example.");
	assert_string_equal(parts[2], "30 c.example.");
	snprintf(in, sizeof(in), "   ");
	assert_int_equal(pt_rows_split_expect(in, parts, 8), 0);
	snprintf(in, sizeof(in), "\"v=spf1 a; -all\" | \"x|y\"");
	assert_int_equal(pt_rows_split_expect(in, parts, 8), 2);
	assert_string_equal(parts[0], "\"v=spf1 a; -all\"");
	assert_string_equal(parts[1], "\"x|y\"");
	snprintf(in, sizeof(in), "a;b;c");
	assert_int_equal(pt_rows_split_expect(in, parts, 2), 2);

	assert_int_equal(pt_rows_parse_target("aaaa", "example.test.", 15, domain, sizeof(domain),
					      &t, reason, sizeof(reason)), PT_OK);
	assert_string_equal(domain, "example.test.");
	assert_int_equal(t, 28);
	assert_int_equal(pt_rows_parse_target("WWW.Example.test TXT", "example.test.", 15, domain,
					      sizeof(domain), &t, reason, sizeof(reason)), PT_OK);
	assert_string_equal(domain, "www.example.test.");
	assert_int_equal(t, 16);
	assert_int_equal(pt_rows_parse_target("mail.example.test", "example.test.", 15, domain,
					      sizeof(domain), &t, reason, sizeof(reason)), PT_OK);
	assert_string_equal(domain, "mail.example.test.");
	assert_int_equal(t, 15);
	assert_int_equal(pt_rows_parse_target("", "example.test.", 15, domain, sizeof(domain), &t,
					      reason, sizeof(reason)), PT_ERR_PARSE);
	assert_int_equal(pt_rows_parse_target("a..b MX", "example.test.", 15, domain,
					      sizeof(domain), &t, reason, sizeof(reason)),
			 PT_ERR_PARSE);
	assert_non_null(strstr(reason, "a..b"));
	assert_int_equal(pt_rows_parse_target("x.test NOPE", "example.test.", 15, domain,
					      sizeof(domain), &t, reason, sizeof(reason)),
			 PT_ERR_PARSE);
}

/* 10,000 rows: a frame sorts and filters all of them and formats one screen. */
static void test_ten_thousand_rows(void **state)
{
	struct pt_snapshot *s = calloc(1, sizeof(*s));
	struct pt_layout lay;
	struct pt_line l;
	size_t *order, n, i, frame;
	char addr[32], label[32];

	(void)state;
	s->nrows = 10000;
	s->rows = calloc(s->nrows, sizeof(*s->rows));
	order = calloc(s->nrows, sizeof(*order));
	assert_non_null(s->rows);
	assert_non_null(order);
	for (i = 0; i < s->nrows; i++) {
		snprintf(addr, sizeof(addr), "10.%zu.%zu.%zu", i >> 16, (i >> 8) & 255, i & 255);
		snprintf(label, sizeof(label), "resolver %zu", (i * 7919) % 10000);
		set_resolver(&s->rows[i], i, addr, label, "");
		set_data(&s->rows[i], (i % 3) ? NEW : OLD, 1, (uint32_t)(i % 600), S(0), (double)(i % 97));
		s->rows[i].verdict = (i % 3) ? PT_VERDICT_MATCH : PT_VERDICT_DIFFER;
		s->rows[i].group = (i % 3) ? 0 : 1;
	}
	pt_rows_layout(&lay, 200, true);
	for (frame = 0; frame < 10; frame++) {
		n = pt_rows_order(order, s, (enum pt_sort)(frame % PT_SORT_COUNT),
				  frame % 2 ? "mx-old" : NULL, S(5));
		assert_true(n > 0);
		for (i = 0; i < 50 && i < n; i++) {
			pt_rows_line(&l, &lay, s, &s->rows[order[i]], S(5));
		}
	}
	n = pt_rows_order(order, s, PT_SORT_LABEL, NULL, S(5));
	assert_int_equal(n, 10000);
	assert_string_equal(s->rows[order[0]].resolver->label, "resolver 0");
	for (i = 0; i < s->nrows; i++) {
		pt_answer_fini(&s->rows[i].answer);
		free((void *)(uintptr_t)s->rows[i].resolver);
	}
	free(order);
	free(s->rows);
	free(s);
}

/* By importance: at 80 columns the address stays and the answer keeps 24 cells while the
 * location, the time of the last change and the RTT go; below, the address goes before the
 * answer gets under 16. */
static void test_layout_importance(void **state)
{
	struct pt_layout lay;
	int answer = 0;

	(void)state;
	pt_rows_layout(&lay, 80, true);
	assert_true(pt_layout_has(&lay, PT_COL_ADDRESS));
	assert_true(pt_layout_has(&lay, PT_COL_STATUS));
	assert_true(pt_layout_has(&lay, PT_COL_TTL));
	assert_false(pt_layout_has(&lay, PT_COL_LOCATION));
	for (size_t i = 0; i < lay.ncols; i++) {
		answer = lay.cols[i] == PT_COL_ANSWER ? lay.widths[i] : answer;
	}
	assert_true(answer >= 24);
	pt_rows_layout(&lay, 100, true);
	assert_true(pt_layout_has(&lay, PT_COL_RTT));
	assert_true(pt_layout_has(&lay, PT_COL_ADDRESS));
	for (int w = 60; w <= 200; w++) {
		int sum = PT_LETTER_CELLS + lay.sep * 0;

		pt_rows_layout(&lay, w, w % 2 == 0);
		assert_true(pt_layout_has(&lay, PT_COL_STATUS) && pt_layout_has(&lay, PT_COL_TTL) &&
			    pt_layout_has(&lay, PT_COL_ANSWER) && pt_layout_has(&lay, PT_COL_LABEL));
		sum += lay.sep * (int)(lay.ncols - 1);
		for (size_t i = 0; i < lay.ncols; i++) {
			sum += lay.widths[i];
			if (lay.cols[i] == PT_COL_ANSWER) {
				assert_true(lay.widths[i] >= 16);
			}
		}
		assert_int_equal(sum, w);
	}
}

/* At 60 columns the header keeps the truth, "lagging" and "CONVERGED". */
static void test_header_narrow(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_line h[PT_HEADER_LINES];

	(void)state;
	snprintf(s->domain, sizeof(s->domain), "a-rather-long-name.example.test.");
	snprintf(s->truth.servers[0].name, 256, "ns1.provider-one.example.net.");
	snprintf(s->truth.servers[1].name, 256, "ns2.provider-two.example.net.");
	pt_rows_header(h, s, 60, S(50), true);
	assert_true(h[0].width <= 60 && h[1].width <= 60 && h[2].width <= 60);
	assert_non_null(strstr(h[0].text, "2026112802"));
	assert_true(seg_has(&h[1], PT_COLOR_DIVERGE, "2026112801 lagging"));
	assert_non_null(strstr(h[1].text, "ns2 2026112801 lagging"));
	assert_non_null(strstr(h[2].text, "1/5 match"));
	assert_non_null(strstr(h[2].text, "\u2264 50s"));
	s->converged = true;
	s->changed = true;
	s->converged_ns = S(40);
	s->truth_changed_ns = S(28);
	pt_rows_header(h, s, 60, S(50), false);
	assert_non_null(strstr(h[2].text, "CONVERGED 12s after the change"));
	assert_true(h[2].width <= 60);
	free_snapshot(s);
}

/* Only what was observed: no RTT or reply time for a resolver that never answered; the
 * history says why the status changed; the timeline is derived from it. */
static void test_details_observed(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_text t = { 0 };
	struct pt_row *r = &s->rows[2];
	struct pt_line l;
	static struct pt_change hist[4];

	(void)state;
	r->received_ns = S(38);
	r->queries = 3;
	r->history = hist;
	r->nhistory = 1;
	r->history[0].at_ns = S(10);
	r->history[0].verdict = PT_VERDICT_TIMEOUT;
	r->history[0].result = PT_REPLY_TIMEOUT;
	pt_rows_details(&t, s, r, S(50), 0, false, 80);
	assert_true(text_has(&t, "last try  no reply (timed out after every try), 12s ago"));
	assert_true(text_has(&t, "answered  never (3 queries)"));
	assert_false(text_has(&t, "RTT"));
	assert_false(text_has(&t, "reply     "));
	assert_true(text_has(&t, "Timeline (the last 50s"));
	assert_true(text_has(&t, "T timeout"));
	assert_true(text_has(&t, "first  timeout"));
	pt_text_fini(&t);

	/* the truth moved: a change of status, said why */
	r = &s->rows[0];
	r->history[1].reason = PT_CHANGE_TRUTH;
	pt_rows_details(&t, s, r, S(50), 0, false, 80);
	assert_true(text_has(&t, "match    truth  10 mx-new.example.test."));
	assert_true(text_has(&t, "differ   first  10 mx-old.example.test."));
	pt_text_fini(&t);

	/* 10 cells of 5 s: no reply yet, differ from 1 s, match from 20 s */
	pt_rows_timeline(&l, r, S(0), S(50), 10, false, NULL);
	assert_string_equal(l.text, "DDDD======");
	r->history[0].at_ns = S(12);
	pt_rows_timeline(&l, r, S(0), S(50), 10, true, NULL);
	assert_string_equal(l.text, "\u00b7\u00b7DD\u2588\u2588\u2588\u2588\u2588\u2588");
	/* a timeout inside a slice shows: the worst status of the slice */
	r->nhistory = 4;
	r->history[2] = r->history[1];
	r->history[3] = r->history[1];
	r->history[2].at_ns = S(31);
	r->history[2].verdict = PT_VERDICT_TIMEOUT;
	r->history[3].at_ns = S(32);
	pt_rows_timeline(&l, r, S(0), S(50), 10, false, NULL);
	assert_string_equal(l.text, "..DD==T===");
	assert_int_equal(l.nsegs, 5);
	free_snapshot(s);
}

static void test_sparkline(void **state)
{
	const struct pt_progress p[] = {
		{ 0 * PT_NS_PER_S, 0, 4 },
		{ 5 * PT_NS_PER_S, 2, 4 },
		{ 10 * PT_NS_PER_S, 4, 4 },
	};
	char buf[128];

	(void)state;
	/* 8 slices of 2.5 s over 20 s, each the share at its end: 0, 1/2, 1/2, 1, ... */
	assert_string_equal(pt_rows_sparkline(buf, sizeof(buf), p, 3, 0, 20 * PT_NS_PER_S, 8, false),
			    "_--#####");
	assert_string_equal(pt_rows_sparkline(buf, sizeof(buf), p, 3, 0, 20 * PT_NS_PER_S, 4, true),
			    "\u2585\u2588\u2588\u2588");
	/* before the first point: no data yet, which is not 0% (the lowest bar) */
	assert_string_equal(pt_rows_sparkline(buf, sizeof(buf), p + 2, 1, 0, 20 * PT_NS_PER_S, 4,
					      false),
			    " ###");
	assert_string_equal(pt_rows_sparkline(buf, sizeof(buf), p + 2, 1, 0, 20 * PT_NS_PER_S, 4,
					      true),
			    " \u2588\u2588\u2588");
	assert_string_equal(pt_rows_sparkline(buf, sizeof(buf), p, 1, 0, 20 * PT_NS_PER_S, 2, true),
			    "\u2581\u2581");
	assert_string_equal(pt_rows_sparkline(buf, sizeof(buf), p, 0, 0, 20 * PT_NS_PER_S, 4, false),
			    "");
	/* a small buffer is never overrun */
	assert_string_equal(pt_rows_sparkline(buf, 3, p, 3, 0, 20 * PT_NS_PER_S, 4, true), "");
	assert_string_equal(pt_rows_sparkline(buf, 4, p, 3, 0, 20 * PT_NS_PER_S, 4, true), "\u2585");
	assert_string_equal(pt_rows_sparkline(buf, 7, p, 3, 0, 20 * PT_NS_PER_S, 4, true),
			    "\u2585\u2588");
}

static struct pt_answer addr_answer(enum pt_answer_kind kind, const char *rdata, uint32_t ttl)
{
	struct pt_answer a;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	if (rdata != NULL) {
		a.rdata = calloc(1, sizeof(char *));
		a.rdata[0] = xstrdup(rdata);
		a.count = 1;
	}
	a.ttl = ttl;
	a.has_ttl = ttl > 0;
	return a;
}

/* --follow-mx: the ADDR cell of every case, the column in the layout, the details. */
static void test_follow_mx_cells(void **state)
{
	struct pt_snapshot *s = make_snapshot();
	struct pt_text t = { 0 };
	struct pt_layout lay;
	struct pt_row *r = &s->rows[0];
	struct pt_line l;
	char buf[64];

	(void)state;
	assert_string_equal(pt_output_targets_cell(buf, sizeof(buf), r), "-");
	s->ntargets = 2;
	s->targets = calloc(2, sizeof(*s->targets));
	/* a hand-built snapshot: the test owns its rows' target results */
	struct pt_target_result *pool = calloc(2 * s->nrows, sizeof(*pool));

	for (size_t k = 0; k < 2; k++) {
		snprintf(s->targets[k].name, sizeof(s->targets[k].name), "mx-new.example.test.");
		s->targets[k].qtype = k == 0 ? 1 : 28;
		s->targets[k].truth.source = PT_TRUTH_AUTHORITATIVE;
		snprintf(s->targets[k].truth.zone, 256, "example.test.");
	}
	s->targets[0].truth.answer = addr_answer(PT_ANSWER_DATA, "192.0.2.25", 300);
	s->targets[1].truth.answer = addr_answer(PT_ANSWER_NODATA, NULL, 60);
	for (size_t i = 0; i < s->nrows; i++) {
		s->rows[i].targets = pool + 2 * i;
		s->rows[i].ntargets = 2;
	}
	r->targets[0].has_reply = r->targets[1].has_reply = true;
	r->targets[0].answer = addr_answer(PT_ANSWER_DATA, "192.0.2.24", 120);
	r->targets[0].received_ns = S(40);
	r->targets[1].answer = addr_answer(PT_ANSWER_NODATA, NULL, 60);
	r->targets[1].verdict = PT_VERDICT_MATCH;
	r->targets[0].verdict = PT_VERDICT_DIFFER;
	assert_string_equal(pt_output_targets_cell(buf, sizeof(buf), r), "1 of 2 differ");
	r->targets[0].verdict = PT_VERDICT_NEGATIVE;
	assert_string_equal(pt_output_targets_cell(buf, sizeof(buf), r), "denied");
	r->targets[0].verdict = PT_VERDICT_PENDING;
	assert_string_equal(pt_output_targets_cell(buf, sizeof(buf), r), "pending");
	r->targets[0].verdict = PT_VERDICT_TIMEOUT;
	assert_string_equal(pt_output_targets_cell(buf, sizeof(buf), r), "no reply");
	r->targets[0].verdict = PT_VERDICT_MATCH;
	assert_string_equal(pt_output_targets_cell(buf, sizeof(buf), r), "all match");
	r->targets[0].verdict = PT_VERDICT_DIFFER;

	/* the column shows beside the status when targets are followed, even at 60 columns */
	pt_rows_layout_mail(&lay, 200, true, true);
	assert_int_equal(lay.ncols, PT_COL_COUNT);
	pt_rows_line(&l, &lay, s, r, S(50));
	assert_non_null(strstr(l.text, "1 of 2 differ"));
	pt_rows_layout_mail(&lay, 60, true, true);
	assert_true(pt_layout_has(&lay, PT_COL_ADDR));
	pt_rows_line(&l, &lay, s, r, S(50));
	assert_true(l.width <= 60);
	pt_rows_layout(&lay, 200, true);
	assert_false(pt_layout_has(&lay, PT_COL_ADDR));

	/* the details list each answer with its TTL left, and the truth it misses */
	pt_rows_details(&t, s, r, S(50), 0, true, 80);
	assert_true(text_has(&t, "MX targets' addresses: 1 of 2 differ"));
	assert_true(text_has(&t, "differ A    mx-new.example.test. 192.0.2.24"));
	assert_true(text_has(&t, "TTL 1m50s left"));
	assert_true(text_has(&t, "truth (example.test.): 192.0.2.25"));
	assert_true(text_has(&t, "match  AAAA mx-new.example.test. NODATA"));
	pt_text_fini(&t);
	for (size_t i = 0; i < 2 * s->nrows; i++) {
		pt_answer_fini(&pool[i].answer);
	}
	free(pool);
	pt_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_layout_importance),
		cmocka_unit_test(test_header_narrow),
		cmocka_unit_test(test_details_observed),
		cmocka_unit_test(test_sort_each_key),
		cmocka_unit_test(test_order_only_on_change),
		cmocka_unit_test(test_sort_cycle),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_groups_and_roles),
		cmocka_unit_test(test_line_truncation),
		cmocka_unit_test(test_countdown_and_ago),
		cmocka_unit_test(test_gauge),
		cmocka_unit_test(test_layout_60_and_200),
		cmocka_unit_test(test_utf8_answer_cut),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_header_sources_per_generation),
		cmocka_unit_test(test_legend),
		cmocka_unit_test(test_details_and_help),
		cmocka_unit_test(test_diagnosis_text),
		cmocka_unit_test(test_paste_texts),
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_prompts),
		cmocka_unit_test(test_ten_thousand_rows),
		cmocka_unit_test(test_follow_mx_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
