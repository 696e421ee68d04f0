#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns.h"
#include "probe.h"
#include "text.h"

/* ANSI colours for the text table; the dashboard maps verdicts to its own roles. */
#define ANSI_RESET "\033[0m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[1;33m"
#define ANSI_RED "\033[31m"
#define ANSI_DIM "\033[2m"
#define ANSI_BOLD "\033[1m"

char *pt_output_answer_summary(char *buf, size_t size, const struct pt_row *row, const char *sep)
{
	if (!row->has_reply) {
		snprintf(buf, size, "-");
	} else if (row->result != PT_REPLY_OK) {
		snprintf(buf, size, "%s", pt_reply_result_text(row->result));
	} else if (row->answer.kind == PT_ANSWER_REFERRAL) {
		snprintf(buf, size, "referral (not recursive)");
	} else {
		pt_answer_summary(buf, size, &row->answer, sep);
	}
	return buf;
}

char *pt_output_answer_cell(char *buf, size_t size, const struct pt_row *row, const char *sep)
{
	size_t n;

	if (!row->old_servers || size < 16) {
		return pt_output_answer_summary(buf, size, row, sep);
	}
	n = (size_t)snprintf(buf, size, "old NS: ");
	pt_output_answer_summary(buf + n, size - n, row, sep);
	return buf;
}

char *pt_output_address(char *buf, size_t size, const struct pt_resolver *r)
{
	if (r->port == PT_DNS_PORT) {
		snprintf(buf, size, "%s", r->address);
	} else if (strchr(r->address, ':') != NULL) {
		snprintf(buf, size, "[%s]:%u", r->address, r->port);
	} else {
		snprintf(buf, size, "%s:%u", r->address, r->port);
	}
	return buf;
}

static void cell_label(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
		       uint64_t now)
{
	(void)s;
	(void)now;
	snprintf(buf, size, "%s", r->resolver.label[0] ? r->resolver.label : r->resolver.address);
}

static void cell_location(char *buf, size_t size, const struct pt_snapshot *s,
			  const struct pt_row *r, uint64_t now)
{
	(void)s;
	(void)now;
	snprintf(buf, size, "%s", r->resolver.location);
}

static void cell_address(char *buf, size_t size, const struct pt_snapshot *s,
			 const struct pt_row *r, uint64_t now)
{
	(void)s;
	(void)now;
	pt_output_address(buf, size, &r->resolver);
}

static void cell_status(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
			uint64_t now)
{
	(void)s;
	(void)now;
	snprintf(buf, size, "%s", pt_verdict_name(r->verdict));
}

static void cell_ttl(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
		     uint64_t now)
{
	long left = pt_row_ttl_left(r, now);

	(void)s;
	if (left < 0) {
		snprintf(buf, size, "-");
	} else {
		pt_text_duration(buf, size, (uint64_t)left);
	}
}

static void cell_rtt(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
		     uint64_t now)
{
	(void)s;
	(void)now;
	if (!r->has_reply || r->result != PT_REPLY_OK) {
		snprintf(buf, size, "-");
	} else if (r->rtt_ms < 10) {
		snprintf(buf, size, "%.1fms", r->rtt_ms);
	} else {
		snprintf(buf, size, "%.0fms", r->rtt_ms);
	}
}

static void cell_changed(char *buf, size_t size, const struct pt_snapshot *s,
			 const struct pt_row *r, uint64_t now)
{
	char d[16];

	(void)s;
	if (r->changed_ns == 0 || now < r->changed_ns) {
		snprintf(buf, size, "-");
		return;
	}
	pt_text_duration(d, sizeof(d), (now - r->changed_ns) / PT_NS_PER_S);
	snprintf(buf, size, "%s ago", d);
}

static void cell_answer(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
			uint64_t now)
{
	(void)s;
	(void)now;
	pt_output_answer_cell(buf, size, r, " | ");
}

static const struct pt_column_def columns[PT_COL_COUNT] = {
	[PT_COL_LABEL] = { "RESOLVER", 24, 10, false, cell_label },
	[PT_COL_LOCATION] = { "LOCATION", 12, 6, false, cell_location },
	[PT_COL_ADDRESS] = { "ADDRESS", 16, 9, false, cell_address },
	[PT_COL_STATUS] = { "STATUS", 8, 8, false, cell_status },
	[PT_COL_TTL] = { "TTL", 6, 4, true, cell_ttl },
	[PT_COL_RTT] = { "RTT", 7, 5, true, cell_rtt },
	[PT_COL_CHANGED] = { "CHANGED", 9, 7, true, cell_changed },
	[PT_COL_ANSWER] = { "ANSWER", 0, 10, false, cell_answer },
};

const struct pt_column_def *pt_output_column(enum pt_column c)
{
	if ((unsigned)c >= PT_COL_COUNT) {
		return NULL;
	}
	return &columns[c];
}

void pt_output_flush(FILE *out, struct pt_buf *b)
{
	if (b->len > 0) {
		fwrite(b->s, 1, b->len, out);
	}
	pt_buf_fini(b);
}

/* ---- JSON ---- */

void pt_output_json_answer(struct pt_json *j, const char *key, const struct pt_answer *a)
{
	pt_json_strv(j, key, a->rdata, a->count);
}

void pt_output_json_resolver(struct pt_json *j, const struct pt_resolver *r)
{
	pt_json_str(j, "label", r->label[0] ? r->label : r->address);
	pt_json_str(j, "address", r->address);
	pt_json_uint(j, "port", r->port);
}

void pt_output_json_counts(struct pt_json *j, const char *key, const struct pt_counts *c)
{
	pt_json_object(j, key);
	pt_json_uint(j, "total", c->total);
	for (int v = PT_VERDICT_MATCH; v < PT_VERDICT_COUNT; v++) {
		pt_json_uint(j, pt_verdict_name((enum pt_verdict)v), c->by[v]);
	}
	pt_json_uint(j, "pending", c->by[PT_VERDICT_PENDING]);
	pt_json_end(j);
}

void pt_output_json_reasons(struct pt_json *j, const char *key, unsigned reasons)
{
	pt_json_array(j, key, false);
	for (unsigned i = 0; i < PT_REASON_COUNT; i++) {
		if (reasons & (1u << i)) {
			pt_json_str(j, NULL, pt_reason_name(1u << i));
		}
	}
	pt_json_end(j);
}

char *pt_output_reasons_text(char *buf, size_t size, unsigned reasons)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < PT_REASON_COUNT && used < size; i++) {
		if (reasons & (1u << i)) {
			used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
						 pt_reason_name(1u << i));
		}
	}
	return buf;
}

static const char *kind_name(const struct pt_answer *a)
{
	return a->kind == PT_ANSWER_NXDOMAIN ? "nxdomain"
	       : a->kind == PT_ANSWER_NODATA ? "nodata"
					     : "data";
}

static void json_truth(struct pt_json *j, const struct pt_truth *t)
{
	pt_json_object(j, "truth");
	pt_json_str(j, "source", pt_truth_source_name(t->source));
	pt_output_json_answer(j, "answer", &t->answer);
	if (t->has_serial) {
		pt_json_uint(j, "serial", t->serial);
	} else {
		pt_json_null(j, "serial");
	}
	pt_json_str(j, "kind", t->source == PT_TRUTH_NONE ? "none" : kind_name(&t->answer));
	if (t->zone[0]) {
		pt_json_str(j, "zone", t->zone);
	}
	if (t->has_authoritative) {
		pt_output_json_answer(j, "authoritative_answer", &t->authoritative);
		pt_json_str(j, "authoritative_kind", kind_name(&t->authoritative));
	}
	if (t->ndelegation > 0) {
		pt_json_object(j, "delegation");
		pt_json_str(j, "parent", t->parent[0] ? t->parent : NULL);
		pt_json_strv(j, "ns", t->delegation, t->ndelegation);
		pt_json_uint(j, "ttl", t->delegation_ttl);
		pt_json_bool(j, "from_parent", t->delegation_known);
		pt_json_end(j);
	}
	pt_json_bool(j, "auth_unreachable", t->auth_unreachable);
	pt_json_bool(j, "servers_disagree", t->disagree);
	pt_json_bool(j, "unpublished", t->unpublished);
	if (t->unpublished) {
		pt_json_uint(j, "negative_ttl", t->negative_ttl);
	}
	pt_json_end(j);
}

/* "ns2.example. (192.0.2.2)", or the address alone for --auth servers. */
static char *server_text(char *buf, size_t size, const struct pt_auth_server *a)
{
	char addr[PT_ADDRESS_MAX + 16];
	struct pt_resolver r;

	memset(&r, 0, sizeof(r));
	snprintf(r.address, sizeof(r.address), "%s", a->address);
	r.port = a->port;
	pt_output_address(addr, sizeof(addr), &r);
	if (a->name[0]) {
		snprintf(buf, size, "%s (%s)", a->name, addr);
	} else {
		snprintf(buf, size, "%s", addr);
	}
	return buf;
}

size_t pt_output_notes(struct pt_note *out, size_t max, const struct pt_snapshot *s)
{
	const struct pt_truth *t = &s->truth;
	char who[400], ans[240], d[16];
	size_t n = 0;

#define NOTE(k, ...)                                                                               \
	do {                                                                                       \
		if (n < max) {                                                                     \
			out[n].kind = (k);                                                         \
			snprintf(out[n].text, sizeof(out[n].text), __VA_ARGS__);                   \
			n++;                                                                       \
		}                                                                                  \
	} while (0)

	if (t->has_authoritative && t->source == PT_TRUTH_EXPECTED &&
	    !pt_answer_same(&t->authoritative, &t->answer)) {
		NOTE(PT_NOTE_EXPECT_DIFFERS,
		     "the authoritative servers serve %s, not the expected answer: check --expect",
		     pt_answer_summary(ans, sizeof(ans), &t->authoritative, " | "));
	}
	for (size_t i = 0; t->auth_unreachable && i < t->nservers; i++) {
		NOTE(PT_NOTE_AUTH_SILENT, "--auth %s does not answer (%s): no truth without it",
		     server_text(who, sizeof(who), &t->servers[i]),
		     pt_auth_status_name(t->servers[i].status));
	}
	for (size_t i = 0; t->disagree && i < t->nservers; i++) {
		const struct pt_auth_server *a = &t->servers[i];

		if (!pt_auth_server_answers(a) || pt_answer_same(&a->answer, &t->answer)) {
			continue;
		}
		NOTE(PT_NOTE_UNBOUNDED,
		     "convergence is not bounded: %s serves serial %u with %s, and resolvers "
		     "that ask it fetch that answer again",
		     server_text(who, sizeof(who), a), (unsigned)a->serial,
		     pt_answer_summary(ans, sizeof(ans), &a->answer, " | "));
	}
	for (size_t i = 0; i < t->nservers; i++) {
		const struct pt_auth_server *a = &t->servers[i];

		if (a->status != PT_AUTH_NOT_DELEGATED) {
			continue;
		}
		NOTE(PT_NOTE_NOT_DELEGATED,
		     "%s is not delegated by %s any more but still answers: serial %u, %s",
		     server_text(who, sizeof(who), a), t->parent[0] ? t->parent : "the parent",
		     (unsigned)a->serial, pt_answer_summary(ans, sizeof(ans), &a->answer, " | "));
	}
	size_t old = 0;

	for (size_t i = 0; i < s->nrows; i++) {
		old += s->rows[i].old_servers;
	}
	if (old > 0) {
		if (s->expiry_bounded) {
			NOTE(PT_NOTE_OLD_SERVERS,
			     "%zu resolver%s still fetch%s from the old name servers; old answers "
			     "can "
			     "keep coming until their cached NS set expires: at most %s, unless an "
			     "answer from the old servers renews it",
			     old, old == 1 ? "" : "s", old == 1 ? "es" : "",
			     pt_text_duration(d, sizeof(d), s->expires_within));
		} else {
			NOTE(PT_NOTE_OLD_SERVERS,
			     "%zu resolver%s still fetch%s from the old name servers; old answers "
			     "can "
			     "keep coming until their cached NS set expires",
			     old, old == 1 ? "" : "s", old == 1 ? "es" : "");
		}
	}
	if (t->unpublished) {
		NOTE(PT_NOTE_UNPUBLISHED,
		     "waiting for the authoritative servers to publish the expected record: asking "
		     "the resolvers now would make them cache the denial for %s (the SOA "
		     "MINIMUM); --query-now asks anyway",
		     pt_text_duration(d, sizeof(d), t->negative_ttl));
	}
#undef NOTE
	return n;
}

/* Header flags as dig shows them: "aa rd ra" without qr. */
static void json_flags(struct pt_json *j, unsigned flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { PT_FLAG_AA, "aa" }, { PT_FLAG_TC, "tc" }, { PT_FLAG_RD, "rd" },
		      { PT_FLAG_RA, "ra" }, { PT_FLAG_AD, "ad" }, { PT_FLAG_CD, "cd" } };
	char buf[32];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
						 used ? " " : "", names[i].name);
		}
	}
	pt_json_str(j, "flags", buf);
}

void pt_output_json_row(struct pt_json *j, const struct pt_row *r)
{
	char rc[16];

	pt_output_json_resolver(j, &r->resolver);
	if (r->resolver.location[0]) {
		pt_json_str(j, "location", r->resolver.location);
	}
	pt_json_str(j, "status", pt_verdict_name(r->verdict));
	if (r->has_reply && r->result == PT_REPLY_OK) {
		pt_json_str(j, "rcode", pt_rcode_name(r->answer.rcode, rc, sizeof(rc)));
		pt_output_json_answer(j, "answer", &r->answer);
		if (r->answer.has_ttl) {
			pt_json_uint(j, "ttl", r->answer.ttl);
		} else {
			pt_json_null(j, "ttl");
		}
		pt_json_num(j, "rtt_ms", r->rtt_ms, 1);
		json_flags(j, r->answer.flags);
		if (r->old_servers) {
			pt_json_bool(j, "old_servers", true);
		}
		if (r->ns_expires_ns != 0) {
			/* when its cached NS set for the zone expires, seconds from the reply */
			pt_json_uint(j, "ns_ttl",
				     r->ns_expires_ns > r->received_ns
					     ? (r->ns_expires_ns - r->received_ns) / PT_NS_PER_S
					     : 0);
		}
		return;
	}
	pt_json_null(j, "rcode");
	pt_json_strv(j, "answer", NULL, 0);
	pt_json_null(j, "ttl");
	pt_json_null(j, "rtt_ms");
	if (r->has_reply && r->err != 0) {
		pt_json_str(j, "error", strerror(r->err));
	}
}

void pt_output_json(FILE *out, const struct pt_snapshot *s, uint64_t wall_ms)
{
	struct pt_buf b = { 0 };
	struct pt_json j;
	char tbuf[40], ty[24];

	pt_json_init(&j, &b);
	pt_json_object_lines(&j, NULL);
	pt_json_str(&j, "domain", s->domain);
	pt_json_str(&j, "type", pt_rrtype_name(s->qtype, ty, sizeof(ty)));
	pt_json_str(&j, "time", pt_clock_rfc3339(tbuf, sizeof(tbuf), wall_ms));
	json_truth(&j, &s->truth);
	pt_json_bool(&j, "converged", s->converged);
	pt_output_json_reasons(&j, "reasons", s->reasons);
	pt_output_json_counts(&j, "counts", &s->counts);
	pt_json_uint(&j, "expires_within", s->expires_within);
	pt_json_bool(&j, "expiry_bounded", s->expiry_bounded);
	pt_json_array(&j, "unbounded_by", false);
	for (size_t i = 0; s->truth.disagree && i < s->truth.nservers; i++) {
		const struct pt_auth_server *a = &s->truth.servers[i];

		if (pt_auth_server_answers(a) && !pt_answer_same(&a->answer, &s->truth.answer)) {
			pt_json_object(&j, NULL);
			pt_json_str(&j, "name", a->name[0] ? a->name : NULL);
			pt_json_str(&j, "address", a->address);
			pt_json_uint(&j, "serial", a->serial);
			pt_output_json_answer(&j, "answer", &a->answer);
			pt_json_end(&j);
		}
	}
	pt_json_end(&j);
	struct pt_note notes[16];
	size_t nnotes = pt_output_notes(notes, 16, s);

	pt_json_array(&j, "notes", false);
	for (size_t i = 0; i < nnotes; i++) {
		pt_json_str(&j, NULL, notes[i].text);
	}
	pt_json_end(&j);
	pt_json_array(&j, "resolvers", true);
	for (size_t i = 0; i < s->nrows; i++) {
		pt_json_object(&j, NULL);
		pt_output_json_row(&j, &s->rows[i]);
		pt_json_end(&j);
	}
	pt_json_end(&j);
	pt_json_array(&j, "authoritative", true);
	for (size_t i = 0; i < s->truth.nservers; i++) {
		const struct pt_auth_server *a = &s->truth.servers[i];

		pt_json_object(&j, NULL);
		pt_json_str(&j, "name", a->name[0] ? a->name : NULL);
		pt_json_str(&j, "address", a->address);
		pt_json_uint(&j, "port", a->port);
		if (a->has_serial) {
			pt_json_uint(&j, "serial", a->serial);
		} else {
			pt_json_null(&j, "serial");
		}
		pt_output_json_answer(&j, "answer", &a->answer);
		pt_json_str(&j, "status", pt_auth_status_name(a->status));
		pt_json_bool(&j, "delegated", a->delegated);
		pt_json_num(&j, "rtt_ms", a->rtt_ms, 1);
		pt_json_end(&j);
	}
	pt_json_end(&j);
	pt_json_array(&j, "progress", false);
	for (size_t i = 0; i < s->nprogress; i++) {
		const struct pt_progress *p = &s->progress[i];

		pt_json_object(&j, NULL);
		pt_json_num(&j, "elapsed_s",
			    p->at_ns > s->start_ns ? (double)(p->at_ns - s->start_ns) / 1e9 : 0.0,
			    3);
		pt_json_uint(&j, "match", p->match);
		pt_json_uint(&j, "judged", p->judged);
		pt_json_end(&j);
	}
	pt_json_end(&j);
	pt_json_end(&j);
	pt_buf_putc(&b, '\n');
	pt_output_flush(out, &b);
}

/* ---- CSV ---- */

/* RFC 4180: quote when the field holds a comma, quote, CR or LF. */
static void csv_field(struct pt_buf *b, const char *f)
{
	if (strpbrk(f, ",\"\r\n") == NULL) {
		pt_buf_puts(b, f);
	} else {
		pt_buf_quoted(b, f);
	}
}

void pt_output_csv(FILE *out, const struct pt_snapshot *s)
{
	struct pt_buf b = { 0 };
	char rc[16];

	pt_buf_puts(&b, "label,address,port,status,rcode,ttl,rtt_ms,answer\r\n");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = &s->rows[i];
		bool ok = r->has_reply && r->result == PT_REPLY_OK;
		struct pt_buf ans = { 0 };

		csv_field(&b, r->resolver.label[0] ? r->resolver.label : r->resolver.address);
		pt_buf_putc(&b, ',');
		csv_field(&b, r->resolver.address);
		pt_buf_printf(&b, ",%u,%s,%s,", r->resolver.port, pt_verdict_name(r->verdict),
			      ok ? pt_rcode_name(r->answer.rcode, rc, sizeof(rc)) : "");
		if (ok && r->answer.has_ttl) {
			pt_buf_printf(&b, "%u", r->answer.ttl);
		}
		pt_buf_putc(&b, ',');
		if (ok) {
			pt_buf_printf(&b, "%.1f", r->rtt_ms);
		}
		pt_buf_putc(&b, ',');
		for (size_t k = 0; ok && k < r->answer.count; k++) {
			pt_buf_printf(&ans, "%s%s", k ? " | " : "", r->answer.rdata[k]);
		}
		csv_field(&b, pt_buf_str(&ans));
		pt_buf_fini(&ans);
		pt_buf_puts(&b, "\r\n");
	}
	pt_output_flush(out, &b);
}

/* ---- the table ---- */

static const char *verdict_color(enum pt_verdict v)
{
	switch (v) {
	case PT_VERDICT_MATCH:
		return ANSI_GREEN;
	case PT_VERDICT_DIFFER:
	case PT_VERDICT_NEGATIVE:
		return ANSI_YELLOW;
	case PT_VERDICT_PENDING:
		return ANSI_DIM;
	default:
		return ANSI_RED;
	}
}

/* Pad @p text (already fitted) to @p width cells. */
static void put_cell(FILE *out, const char *text, int width, bool right)
{
	int pad = width - pt_text_width(text);

	if (right) {
		fprintf(out, "%*s%s", pad > 0 ? pad : 0, "", text);
	} else {
		fprintf(out, "%s%*s", text, pad > 0 ? pad : 0, "");
	}
}

void pt_output_table(FILE *out, const struct pt_snapshot *s, bool color, int width)
{
	enum { NCOL = PT_COL_COUNT };
	/* The table leaves out CHANGED: a one-shot check has no history. */
	static const enum pt_column shown[] = { PT_COL_LABEL,  PT_COL_LOCATION, PT_COL_ADDRESS,
						PT_COL_STATUS, PT_COL_TTL,	PT_COL_RTT,
						PT_COL_ANSWER };
	int w[NCOL] = { 0 };
	char cell[1024], fitted[1024], ty[24], d[16], why[256];
	bool any_location = false;

	for (size_t i = 0; i < s->nrows; i++) {
		any_location |= s->rows[i].resolver.location[0] != '\0';
	}
	for (size_t c = 0; c < sizeof(shown) / sizeof(shown[0]); c++) {
		enum pt_column col = shown[c];
		const struct pt_column_def *def = &columns[col];

		w[col] = pt_text_width(def->title);
		for (size_t i = 0; i < s->nrows && col != PT_COL_ANSWER; i++) {
			def->format(cell, sizeof(cell), s, &s->rows[i], s->taken_ns);
			int cw = pt_text_width(cell);

			w[col] = cw > w[col] ? cw : w[col];
		}
		if (def->width > 0 && w[col] > def->width + 8) {
			w[col] = def->width + 8;
		}
	}
	if (!any_location) {
		w[PT_COL_LOCATION] = 0;
	}
	int used = 0;

	for (size_t c = 0; c + 1 < sizeof(shown) / sizeof(shown[0]); c++) {
		used += w[shown[c]] ? w[shown[c]] + 2 : 0;
	}
	/* Pipes get the whole answer; terminals get it cut to the width. */
	int answer_w = width > 0 ? width - used : 100000;

	if (answer_w < 20) {
		answer_w = 20;
	}
	fprintf(out, "%s%s %s%s", color ? ANSI_BOLD : "", s->domain,
		pt_rrtype_name(s->qtype, ty, sizeof(ty)), color ? ANSI_RESET : "");
	fprintf(out, "  truth: %s", pt_truth_source_name(s->truth.source));
	if (s->truth.has_serial) {
		fprintf(out, " (serial %u)", s->truth.serial);
	}
	if (s->truth.source == PT_TRUTH_MAJORITY) {
		fputs(" - no authoritative server answered", out);
	}
	fputs("\n  ", out);
	if (s->truth.source == PT_TRUTH_NONE) {
		fputs("(unknown)", out);
	} else if (s->truth.answer.kind != PT_ANSWER_DATA) {
		fputs(s->truth.answer.kind == PT_ANSWER_NXDOMAIN ? "NXDOMAIN" : "NODATA", out);
	}
	for (size_t i = 0; i < s->truth.answer.count; i++) {
		fprintf(out, "%s%s", i ? " | " : "", s->truth.answer.rdata[i]);
	}
	fputc('\n', out);
	for (size_t i = 0; i < s->truth.nservers; i++) {
		const struct pt_auth_server *a = &s->truth.servers[i];
		bool bad = a->status != PT_AUTH_OK;

		fprintf(out, "  %sauth %s%s%s", bad && color ? ANSI_YELLOW : "", a->name,
			a->name[0] ? " " : "", a->address);
		if (a->port != PT_DNS_PORT) {
			fprintf(out, ":%u", a->port);
		}
		if (a->has_serial) {
			fprintf(out, " serial %u", a->serial);
		}
		fprintf(out, " %s%s\n", pt_auth_status_name(a->status),
			bad && color ? ANSI_RESET : "");
	}
	struct pt_note notes[16];
	size_t nnotes = pt_output_notes(notes, 16, s);

	for (size_t i = 0; i < nnotes; i++) {
		fprintf(out, "  %s! %s%s\n", color ? ANSI_YELLOW : "", notes[i].text,
			color ? ANSI_RESET : "");
	}
	fputc('\n', out);
	for (size_t c = 0; c < sizeof(shown) / sizeof(shown[0]); c++) {
		enum pt_column col = shown[c];

		if (w[col] == 0 && col != PT_COL_ANSWER) {
			continue;
		}
		put_cell(out, columns[col].title, col == PT_COL_ANSWER ? 0 : w[col],
			 columns[col].right);
		fputs(col == PT_COL_ANSWER ? "\n" : "  ", out);
	}
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = &s->rows[i];

		if (color) {
			fputs(verdict_color(r->verdict), out);
		}
		for (size_t c = 0; c < sizeof(shown) / sizeof(shown[0]); c++) {
			enum pt_column col = shown[c];

			if (w[col] == 0 && col != PT_COL_ANSWER) {
				continue;
			}
			columns[col].format(cell, sizeof(cell), s, r, s->taken_ns);
			if (col == PT_COL_ANSWER) {
				fputs(pt_text_fit(fitted, sizeof(fitted), cell, answer_w, false),
				      out);
				break;
			}
			put_cell(out, pt_text_fit(fitted, sizeof(fitted), cell, w[col], false),
				 w[col], columns[col].right);
			fputs("  ", out);
		}
		fputs(color ? ANSI_RESET "\n" : "\n", out);
	}
	fprintf(out, "\n%zu resolvers:", s->counts.total);
	bool first = true;

	for (int v = PT_VERDICT_PENDING; v < PT_VERDICT_COUNT; v++) {
		if (s->counts.by[v] == 0) {
			continue;
		}
		fprintf(out, "%s %zu %s", first ? "" : ",", s->counts.by[v],
			pt_verdict_name((enum pt_verdict)v));
		first = false;
	}
	if (s->converged) {
		fprintf(out, " - %sCONVERGED%s\n", color ? ANSI_GREEN ANSI_BOLD : "",
			color ? ANSI_RESET : "");
		return;
	}
	fprintf(out, " - %snot converged%s (%s)", color ? ANSI_YELLOW : "", color ? ANSI_RESET : "",
		pt_output_reasons_text(why, sizeof(why), s->reasons));
	if (!s->expiry_bounded) {
		fputs("; convergence is not bounded (see above)", out);
	} else if (s->expires_within > 0) {
		fprintf(out, "; old answers expire within %s",
			pt_text_duration(d, sizeof(d), s->expires_within));
	}
	fputc('\n', out);
}

/* ---- --check-resolvers ---- */

void pt_output_probe(FILE *out, const struct pt_probe_result *r, size_t n, bool json)
{
	enum { NSTATUS = PT_PROBE_ERROR + 1 };
	size_t counts[NSTATUS] = { 0 };
	char addr[PT_ADDRESS_MAX + 16];

	for (size_t i = 0; i < n; i++) {
		counts[r[i].status]++;
	}
	if (json) {
		struct pt_buf b = { 0 };
		struct pt_json j;

		pt_json_init(&j, &b);
		pt_json_object(&j, NULL);
		pt_json_array(&j, "resolvers", true);
		for (size_t i = 0; i < n; i++) {
			pt_json_object(&j, NULL);
			pt_output_json_resolver(&j, &r[i].resolver);
			pt_json_str(&j, "status", pt_probe_status_name(r[i].status));
			if (r[i].status == PT_PROBE_TIMEOUT) {
				pt_json_null(&j, "rtt_ms");
			} else {
				pt_json_num(&j, "rtt_ms", r[i].rtt_ms, 1);
			}
			pt_json_end(&j);
		}
		pt_json_end(&j);
		pt_json_object(&j, "counts");
		for (int s = 0; s < NSTATUS; s++) {
			pt_json_uint(&j, pt_probe_status_name((enum pt_probe_status)s), counts[s]);
		}
		pt_json_end(&j);
		pt_json_end(&j);
		pt_buf_putc(&b, '\n');
		pt_output_flush(out, &b);
		return;
	}
	fprintf(out, "%-28s %-22s %-14s %s\n", "RESOLVER", "ADDRESS", "STATUS", "RTT");
	for (size_t i = 0; i < n; i++) {
		const struct pt_resolver *res = &r[i].resolver;
		char label[64];

		pt_output_address(addr, sizeof(addr), res);
		pt_text_fit(label, sizeof(label), res->label[0] ? res->label : res->address, 28,
			    true);
		put_cell(out, label, 28, false);
		fprintf(out, " %-22s %-14s ", addr, pt_probe_status_name(r[i].status));
		if (r[i].status == PT_PROBE_TIMEOUT) {
			fputs("-\n", out);
		} else {
			fprintf(out, "%.1fms\n", r[i].rtt_ms);
		}
	}
	fprintf(out,
		"\n%zu resolvers: %zu recursive, %zu refused, %zu not recursive, %zu servfail, "
		"%zu timeout, %zu error\n",
		n, counts[PT_PROBE_RECURSIVE], counts[PT_PROBE_REFUSED],
		counts[PT_PROBE_NOT_RECURSIVE], counts[PT_PROBE_SERVFAIL], counts[PT_PROBE_TIMEOUT],
		counts[PT_PROBE_ERROR]);
}
