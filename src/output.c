#include "output.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "probe.h"

/* ANSI colours for the text table; the dashboard maps verdicts to its own roles. */
#define ANSI_RESET "\033[0m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[1;33m"
#define ANSI_RED "\033[31m"
#define ANSI_DIM "\033[2m"
#define ANSI_BOLD "\033[1m"

char *pt_output_duration(char *buf, size_t size, uint64_t s)
{
	if (s < 60) {
		snprintf(buf, size, "%us", (unsigned)s);
	} else if (s < 3600) {
		snprintf(buf, size, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
	} else if (s < 86400) {
		snprintf(buf, size, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60));
	} else {
		snprintf(buf, size, "%ud%02uh", (unsigned)(s / 86400),
			 (unsigned)(s % 86400 / 3600));
	}
	return buf;
}

/* Length of the UTF-8 sequence starting at @p s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80) {
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2) {
		n = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
	} else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4) {
		n = 4;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return n;
}

/* Labels, locations and answers are ASCII or simple UTF-8 text: one cell per code point is
 * right for them (no East Asian wide forms are produced by our own text). */
int pt_output_width(const char *s)
{
	int w = 0;

	while (*s) {
		size_t n = utf8_len((const unsigned char *)s);

		s += n ? n : 1;
		w++;
	}
	return w;
}

char *pt_output_fit(char *buf, size_t size, const char *src, int width, bool ascii)
{
	const char *ell = ascii ? "~" : "\xe2\x80\xa6";
	size_t used = 0;
	int w = 0;
	bool cut = pt_output_width(src) > width;
	int room = cut ? width - 1 : width;

	buf[0] = '\0';
	if (size == 0 || width <= 0) {
		return buf;
	}
	while (*src && w < room) {
		size_t n = utf8_len((const unsigned char *)src);

		if (n == 0) {
			/* Invalid byte: show '?' so the terminal is never fed a broken sequence. */
			if (used + 2 > size) {
				break;
			}
			buf[used++] = '?';
			src++;
		} else {
			if (used + n + 1 > size) {
				break;
			}
			memcpy(buf + used, src, n);
			used += n;
			src += n;
		}
		w++;
	}
	if (cut && used + strlen(ell) + 1 <= size) {
		memcpy(buf + used, ell, strlen(ell));
		used += strlen(ell);
	}
	buf[used] = '\0';
	return buf;
}

char *pt_output_answer_summary(char *buf, size_t size, const struct pt_row *row, const char *sep)
{
	const struct pt_answer *a = &row->answer;
	char tmp[16];
	size_t used = 0;

	buf[0] = '\0';
	if (!row->has_reply) {
		snprintf(buf, size, "-");
		return buf;
	}
	switch (row->result) {
	case PT_REPLY_OK:
		break;
	case PT_REPLY_TIMEOUT:
		snprintf(buf, size, "timeout");
		return buf;
	case PT_REPLY_UNREACHABLE:
		snprintf(buf, size, "unreachable");
		return buf;
	case PT_REPLY_MALFORMED:
		snprintf(buf, size, "malformed reply");
		return buf;
	default:
		snprintf(buf, size, "cannot send");
		return buf;
	}
	switch (a->kind) {
	case PT_ANSWER_NXDOMAIN:
		snprintf(buf, size, "NXDOMAIN");
		return buf;
	case PT_ANSWER_NODATA:
		snprintf(buf, size, "NODATA");
		return buf;
	case PT_ANSWER_REFERRAL:
		snprintf(buf, size, "referral (not recursive)");
		return buf;
	case PT_ANSWER_RCODE:
		snprintf(buf, size, "%s", pt_rcode_name(a->rcode, tmp, sizeof(tmp)));
		return buf;
	default:
		break;
	}
	for (size_t i = 0; i < a->count && used + 1 < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? sep : "", a->rdata[i]);

		if (n < 0) {
			break;
		}
		used += (size_t)n;
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

/* "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:5353": the port only when not 53. */
static void format_address(char *buf, size_t size, const struct pt_resolver *r)
{
	if (r->port == 53) {
		snprintf(buf, size, "%s", r->address);
	} else if (strchr(r->address, ':') != NULL) {
		snprintf(buf, size, "[%s]:%u", r->address, r->port);
	} else {
		snprintf(buf, size, "%s:%u", r->address, r->port);
	}
}

static void cell_address(char *buf, size_t size, const struct pt_snapshot *s,
			 const struct pt_row *r, uint64_t now)
{
	(void)s;
	(void)now;
	format_address(buf, size, &r->resolver);
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
		pt_output_duration(buf, size, (uint64_t)left);
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
	pt_output_duration(d, sizeof(d), (now - r->changed_ns) / PT_NS_PER_S);
	snprintf(buf, size, "%s ago", d);
}

static void cell_answer(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
			uint64_t now)
{
	(void)s;
	(void)now;
	pt_output_answer_summary(buf, size, r, " | ");
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

void pt_output_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(out, "\\u%04x", *p);
			} else {
				fputc(*p, out);
			}
		}
		p++;
	}
	fputc('"', out);
}

static void json_answer(FILE *out, const struct pt_answer *a)
{
	fputc('[', out);
	for (size_t i = 0; i < a->count; i++) {
		if (i) {
			fputs(", ", out);
		}
		pt_output_json_string(out, a->rdata[i]);
	}
	fputc(']', out);
}

static void json_resolver_id(FILE *out, const struct pt_resolver *r)
{
	fputs("\"label\": ", out);
	pt_output_json_string(out, r->label[0] ? r->label : r->address);
	fputs(", \"address\": ", out);
	pt_output_json_string(out, r->address);
	fprintf(out, ", \"port\": %u", r->port);
}

static const char *type_name(uint16_t t, char *buf, size_t size)
{
	return pt_rrtype_name(t, buf, size);
}

static void json_truth(FILE *out, const struct pt_truth *t)
{
	fputs("{\"source\": ", out);
	pt_output_json_string(out, pt_truth_source_name(t->source));
	fputs(", \"answer\": ", out);
	json_answer(out, &t->answer);
	if (t->has_serial) {
		fprintf(out, ", \"serial\": %u", t->serial);
	} else {
		fputs(", \"serial\": null", out);
	}
	fputs(", \"kind\": ", out);
	pt_output_json_string(out, t->source == PT_TRUTH_NONE		  ? "none"
				   : t->answer.kind == PT_ANSWER_NXDOMAIN ? "nxdomain"
				   : t->answer.kind == PT_ANSWER_NODATA	  ? "nodata"
									  : "data");
	if (t->zone[0]) {
		fputs(", \"zone\": ", out);
		pt_output_json_string(out, t->zone);
	}
	fputc('}', out);
}

static void json_counts(FILE *out, const struct pt_counts *c)
{
	fprintf(out, "{\"total\": %zu", c->total);
	for (int v = PT_VERDICT_MATCH; v < PT_VERDICT_COUNT; v++) {
		fprintf(out, ", \"%s\": %zu", pt_verdict_name((enum pt_verdict)v), c->by[v]);
	}
	fprintf(out, ", \"pending\": %zu}", c->by[PT_VERDICT_PENDING]);
}

/* Header flags as dig shows them: "qr aa rd ra" without qr. */
static void json_flags(FILE *out, unsigned flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { PT_FLAG_AA, "aa" }, { PT_FLAG_TC, "tc" }, { PT_FLAG_RD, "rd" },
		      { PT_FLAG_RA, "ra" }, { PT_FLAG_AD, "ad" }, { PT_FLAG_CD, "cd" } };
	bool first = true;

	fputs(", \"flags\": \"", out);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (flags & names[i].bit) {
			fprintf(out, "%s%s", first ? "" : " ", names[i].name);
			first = false;
		}
	}
	fputc('"', out);
}

/* The contract's per-resolver fields; shared by the JSON object and "answer" events. */
static void json_row_fields(FILE *out, const struct pt_row *r)
{
	char rc[16];

	json_resolver_id(out, &r->resolver);
	if (r->resolver.location[0]) {
		fputs(", \"location\": ", out);
		pt_output_json_string(out, r->resolver.location);
	}
	fputs(", \"status\": ", out);
	pt_output_json_string(out, pt_verdict_name(r->verdict));
	if (r->has_reply && r->result == PT_REPLY_OK) {
		fputs(", \"rcode\": ", out);
		pt_output_json_string(out, pt_rcode_name(r->answer.rcode, rc, sizeof(rc)));
		fputs(", \"answer\": ", out);
		json_answer(out, &r->answer);
		if (r->answer.has_ttl) {
			fprintf(out, ", \"ttl\": %u", r->answer.ttl);
		} else {
			fputs(", \"ttl\": null", out);
		}
		fprintf(out, ", \"rtt_ms\": %.1f", r->rtt_ms);
		json_flags(out, r->answer.flags);
	} else {
		fputs(", \"rcode\": null, \"answer\": [], \"ttl\": null, \"rtt_ms\": null", out);
		if (r->has_reply && r->err != 0) {
			fputs(", \"error\": ", out);
			pt_output_json_string(out, strerror(r->err));
		}
	}
}

void pt_output_json(FILE *out, const struct pt_snapshot *s, uint64_t wall_ms)
{
	char tbuf[40];
	char ty[24];

	fputs("{\"domain\": ", out);
	pt_output_json_string(out, s->domain);
	fputs(", \"type\": ", out);
	pt_output_json_string(out, type_name(s->qtype, ty, sizeof(ty)));
	fprintf(out,
		", \"time\": \"%s\",\n \"truth\": ", pt_clock_rfc3339(tbuf, sizeof(tbuf), wall_ms));
	json_truth(out, &s->truth);
	fprintf(out, ",\n \"converged\": %s,\n \"counts\": ", s->converged ? "true" : "false");
	json_counts(out, &s->counts);
	fprintf(out, ",\n \"expires_within\": %u,\n \"resolvers\": [", s->expires_within);
	for (size_t i = 0; i < s->nrows; i++) {
		fputs(i ? ",\n  {" : "\n  {", out);
		json_row_fields(out, &s->rows[i]);
		fputc('}', out);
	}
	fputs(s->nrows ? "\n ],\n \"authoritative\": [" : "],\n \"authoritative\": [", out);
	for (size_t i = 0; i < s->truth.nservers; i++) {
		const struct pt_auth_server *a = &s->truth.servers[i];

		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", out);
		if (a->name[0]) {
			pt_output_json_string(out, a->name);
		} else {
			fputs("null", out);
		}
		fputs(", \"address\": ", out);
		pt_output_json_string(out, a->address);
		fprintf(out, ", \"port\": %u, \"serial\": ", a->port);
		if (a->has_serial) {
			fprintf(out, "%u", a->serial);
		} else {
			fputs("null", out);
		}
		fputs(", \"answer\": ", out);
		json_answer(out, &a->answer);
		fputs(", \"status\": ", out);
		pt_output_json_string(out, pt_auth_status_name(a->status));
		fprintf(out, ", \"rtt_ms\": %.1f}", a->rtt_ms);
	}
	fputs(s->truth.nservers ? "\n ],\n \"progress\": [" : "],\n \"progress\": [", out);
	for (size_t i = 0; i < s->nprogress; i++) {
		const struct pt_progress *p = &s->progress[i];

		fprintf(out, "%s{\"elapsed_s\": %.3f, \"match\": %u, \"judged\": %u}",
			i ? ", " : "",
			p->at_ns > s->start_ns ? (double)(p->at_ns - s->start_ns) / 1e9 : 0.0,
			p->match, p->judged);
	}
	fputs("]\n}\n", out);
}

/* RFC 4180: quote when the field holds a comma, quote, CR or LF; double inner quotes. */
static void csv_field(FILE *out, const char *f)
{
	if (strpbrk(f, ",\"\r\n") == NULL) {
		fputs(f, out);
		return;
	}
	fputc('"', out);
	for (; *f; f++) {
		if (*f == '"') {
			fputc('"', out);
		}
		fputc(*f, out);
	}
	fputc('"', out);
}

void pt_output_csv(FILE *out, const struct pt_snapshot *s)
{
	char buf[8192];
	char rc[16];

	fputs("label,address,port,status,rcode,ttl,rtt_ms,answer\r\n", out);
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = &s->rows[i];
		bool ok = r->has_reply && r->result == PT_REPLY_OK;

		csv_field(out, r->resolver.label[0] ? r->resolver.label : r->resolver.address);
		fputc(',', out);
		csv_field(out, r->resolver.address);
		fprintf(out, ",%u,%s,%s,", r->resolver.port, pt_verdict_name(r->verdict),
			ok ? pt_rcode_name(r->answer.rcode, rc, sizeof(rc)) : "");
		if (ok && r->answer.has_ttl) {
			fprintf(out, "%u", r->answer.ttl);
		}
		fputc(',', out);
		if (ok) {
			fprintf(out, "%.1f", r->rtt_ms);
		}
		fputc(',', out);
		buf[0] = '\0';
		if (ok) {
			size_t used = 0;

			for (size_t j = 0; j < r->answer.count && used + 1 < sizeof(buf); j++) {
				int n = snprintf(buf + used, sizeof(buf) - used, "%s%s",
						 j ? " | " : "", r->answer.rdata[j]);

				if (n < 0) {
					break;
				}
				used += (size_t)n;
			}
		}
		csv_field(out, buf);
		fputs("\r\n", out);
	}
}

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
	int pad = width - pt_output_width(text);

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
	char cell[1024];
	char fitted[1024];
	char ty[24];
	char d[16];
	bool any_location = false;

	for (size_t i = 0; i < s->nrows; i++) {
		any_location |= s->rows[i].resolver.location[0] != '\0';
	}
	for (size_t c = 0; c < sizeof(shown) / sizeof(shown[0]); c++) {
		enum pt_column col = shown[c];
		const struct pt_column_def *def = &columns[col];

		w[col] = pt_output_width(def->title);
		for (size_t i = 0; i < s->nrows && col != PT_COL_ANSWER; i++) {
			def->format(cell, sizeof(cell), s, &s->rows[i], s->taken_ns);
			int cw = pt_output_width(cell);

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
		type_name(s->qtype, ty, sizeof(ty)), color ? ANSI_RESET : "");
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
		if (a->port != 53) {
			fprintf(out, ":%u", a->port);
		}
		if (a->has_serial) {
			fprintf(out, " serial %u", a->serial);
		}
		fprintf(out, " %s%s\n", pt_auth_status_name(a->status),
			bad && color ? ANSI_RESET : "");
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
				fputs(pt_output_fit(fitted, sizeof(fitted), cell, answer_w, false),
				      out);
				break;
			}
			put_cell(out, pt_output_fit(fitted, sizeof(fitted), cell, w[col], false),
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
	} else {
		fprintf(out, " - %snot converged%s", color ? ANSI_YELLOW : "",
			color ? ANSI_RESET : "");
		if (s->expires_within > 0) {
			fprintf(out, "; old answers expire within %s",
				pt_output_duration(d, sizeof(d), s->expires_within));
		}
		fputc('\n', out);
	}
}

/* Events are built in memory and written with one fwrite, so a line is whole or absent. */
static FILE *event_open(char **buf, size_t *len, const char *kind, uint64_t wall_ms, uint64_t at_ns,
			uint64_t start_ns)
{
	FILE *m = open_memstream(buf, len);
	char tbuf[40];

	if (m == NULL) {
		return NULL;
	}
	fprintf(m, "{\"event\": \"%s\", \"time\": \"%s\", \"elapsed_s\": %.3f", kind,
		pt_clock_rfc3339(tbuf, sizeof(tbuf), wall_ms),
		at_ns > start_ns ? (double)(at_ns - start_ns) / 1e9 : 0.0);
	return m;
}

/* open_memstream() sets the buffer and length only at fclose(), hence the pointers. */
static void event_close(FILE *out, FILE *m, char **buf, size_t *len)
{
	fputs("}\n", m);
	if (fclose(m) == 0) {
		fwrite(*buf, 1, *len, out);
		fflush(out);
	}
	free(*buf);
}

void pt_output_event(FILE *out, const struct pt_event *ev, uint64_t start_ns)
{
	static const char *const kinds[] = { "answer", "change", "truth" };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = event_open(&buf, &len, kinds[ev->kind], ev->wall_ms, ev->at_ns, start_ns);

	if (m == NULL) {
		return;
	}
	if (ev->kind == PT_EVENT_TRUTH) {
		fputs(", \"source\": ", m);
		pt_output_json_string(m, pt_truth_source_name(ev->source));
		fputs(", \"answer\": ", m);
		json_answer(m, &ev->answer);
		if (ev->has_serial) {
			fprintf(m, ", \"serial\": %u", ev->serial);
		} else {
			fputs(", \"serial\": null", m);
		}
	} else if (ev->kind == PT_EVENT_CHANGE) {
		fputs(", ", m);
		json_resolver_id(m, &ev->resolver);
		fputs(", \"from\": ", m);
		json_answer(m, &ev->from);
		fputs(", \"to\": ", m);
		json_answer(m, &ev->answer);
		fprintf(m, ", \"status\": \"%s\", \"from_status\": \"%s\"",
			pt_verdict_name(ev->verdict), pt_verdict_name(ev->from_verdict));
	} else {
		struct pt_row r;

		memset(&r, 0, sizeof(r));
		r.resolver = ev->resolver;
		r.verdict = ev->verdict;
		r.has_reply = true;
		r.result = ev->result;
		r.answer = ev->answer;
		r.rtt_ms = ev->rtt_ms;
		fputs(", ", m);
		json_row_fields(m, &r);
	}
	event_close(out, m, &buf, &len);
}

void pt_output_event_simple(FILE *out, const char *kind, const struct pt_snapshot *s,
			    uint64_t wall_ms, int exit_status)
{
	char *buf = NULL;
	size_t len = 0;
	char ty[24];
	bool start = strcmp(kind, "start") == 0;
	FILE *m = event_open(&buf, &len, kind, wall_ms, start ? s->start_ns : s->taken_ns,
			     s->start_ns);

	if (m == NULL) {
		return;
	}
	if (start) {
		fputs(", \"domain\": ", m);
		pt_output_json_string(m, s->domain);
		fputs(", \"type\": ", m);
		pt_output_json_string(m, type_name(s->qtype, ty, sizeof(ty)));
		fputs(", \"resolvers\": [", m);
		for (size_t i = 0; i < s->nrows; i++) {
			fputs(i ? ", {" : "{", m);
			json_resolver_id(m, &s->rows[i].resolver);
			fputc('}', m);
		}
		fputc(']', m);
	} else {
		fputs(", \"counts\": ", m);
		json_counts(m, &s->counts);
		fprintf(m, ", \"converged\": %s, \"expires_within\": %u",
			s->converged ? "true" : "false", s->expires_within);
	}
	if (strcmp(kind, "end") == 0) {
		fprintf(m, ", \"exit_status\": %d", exit_status);
	}
	event_close(out, m, &buf, &len);
}

void pt_output_probe(FILE *out, const struct pt_probe_result *r, size_t n, bool json)
{
	enum { NSTATUS = PT_PROBE_ERROR + 1 };
	size_t counts[NSTATUS] = { 0 };
	char addr[PT_ADDRESS_MAX + 16];

	for (size_t i = 0; i < n; i++) {
		counts[r[i].status]++;
	}
	if (json) {
		fputs("{\"resolvers\": [", out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n  {" : "\n  {", out);
			json_resolver_id(out, &r[i].resolver);
			fprintf(out, ", \"status\": \"%s\", \"rtt_ms\": ",
				pt_probe_status_name(r[i].status));
			if (r[i].status == PT_PROBE_TIMEOUT) {
				fputs("null}", out);
			} else {
				fprintf(out, "%.1f}", r[i].rtt_ms);
			}
		}
		fputs(n ? "\n ],\n \"counts\": {" : "],\n \"counts\": {", out);
		for (int s = 0; s < NSTATUS; s++) {
			fprintf(out, "%s\"%s\": %zu", s ? ", " : "",
				pt_probe_status_name((enum pt_probe_status)s), counts[s]);
		}
		fputs("}}\n", out);
		return;
	}
	fprintf(out, "%-28s %-22s %-14s %s\n", "RESOLVER", "ADDRESS", "STATUS", "RTT");
	for (size_t i = 0; i < n; i++) {
		const struct pt_resolver *res = &r[i].resolver;
		char label[64];

		format_address(addr, sizeof(addr), res);
		pt_output_fit(label, sizeof(label), res->label[0] ? res->label : res->address, 28,
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
