#include "output.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns.h"
#include "net.h"
#include "probe.h"
#include "share.h"
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
	} else if (row->result != PT_REPLY_OK && row->resolver != NULL &&
		   pt_vantage_str(row->resolver->vantage.error)[0]) {
		/* a probe's own words ("getaddrinfo: ...") */
		snprintf(buf, size, "%s", row->resolver->vantage.error);
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

size_t pt_output_wrap(const char *s, int width, size_t *skip)
{
	size_t lead = strspn(s, " "), brk = 0, i, n;
	const char *p = s + lead;
	int cells = 0;

	if (skip != NULL) {
		*skip = lead;
	}
	if (width < 1) {
		width = 1;
	}
	for (i = 0; p[i] != '\0'; i++) {
		if (((unsigned char)p[i] & 0xc0) == 0x80) {
			continue; /* continuation bytes take no cell */
		}
		if (p[i] == ' ') {
			brk = i;
		}
		if (cells == width) {
			break;
		}
		cells++;
	}
	if (p[i] == '\0' || p[i] == ' ') {
		n = i;
	} else if (brk > 0) {
		n = brk;
	} else {
		/* one word longer than a line: cut it on a character boundary */
		n = i > 0 ? i : 1;
		while (n > 1 && ((unsigned char)p[n] & 0xc0) == 0x80) {
			n--;
		}
	}
	while (n > 0 && p[n - 1] == ' ') {
		n--;
	}
	return n;
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
	snprintf(buf, size, "%s",
		 r->resolver->label[0] ? r->resolver->label : r->resolver->address);
}

static void cell_location(char *buf, size_t size, const struct pt_snapshot *s,
			  const struct pt_row *r, uint64_t now)
{
	(void)s;
	(void)now;
	snprintf(buf, size, "%s", r->resolver->location);
}

static void cell_address(char *buf, size_t size, const struct pt_snapshot *s,
			 const struct pt_row *r, uint64_t now)
{
	(void)s;
	(void)now;
	pt_output_address(buf, size, r->resolver);
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

enum pt_verdict pt_output_targets_verdict(const struct pt_row *row)
{
	/* worst first */
	static const enum pt_verdict order[] = {
		PT_VERDICT_NEGATIVE, PT_VERDICT_DIFFER,	 PT_VERDICT_SERVFAIL, PT_VERDICT_ERROR,
		PT_VERDICT_PENDING,  PT_VERDICT_TIMEOUT, PT_VERDICT_REFUSED,  PT_VERDICT_MATCH,
	};

	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		for (size_t k = 0; k < row->ntargets; k++) {
			if (row->targets[k].verdict == order[o]) {
				return order[o];
			}
		}
	}
	return PT_VERDICT_PENDING;
}

char *pt_output_targets_cell(char *buf, size_t size, const struct pt_row *row)
{
	size_t n[PT_VERDICT_COUNT] = { 0 };
	enum pt_verdict worst = pt_output_targets_verdict(row);

	for (size_t k = 0; k < row->ntargets; k++) {
		n[row->targets[k].verdict]++;
	}
	if (row->ntargets == 0) {
		snprintf(buf, size, "-");
	} else if (worst == PT_VERDICT_NEGATIVE) {
		snprintf(buf, size, "denied");
	} else if (worst == PT_VERDICT_MATCH) {
		snprintf(buf, size, "all match");
	} else if (worst == PT_VERDICT_TIMEOUT || worst == PT_VERDICT_REFUSED) {
		snprintf(buf, size, "no reply");
	} else if (worst == PT_VERDICT_PENDING) {
		snprintf(buf, size, "pending");
	} else {
		snprintf(buf, size, "%zu of %zu %s", n[worst], row->ntargets,
			 pt_verdict_name(worst));
	}
	return buf;
}

char *pt_output_target_type(char *buf, size_t size, const struct pt_target *t)
{
	return pt_rrtype_name(t->qtype, buf, size);
}

static void cell_addr(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
		      uint64_t now)
{
	(void)s;
	(void)now;
	pt_output_targets_cell(buf, size, r);
}

static void cell_site(char *buf, size_t size, const struct pt_snapshot *s, const struct pt_row *r,
		      uint64_t now)
{
	struct pt_site site;

	(void)s;
	(void)now;
	pt_output_row_site(&site, r);
	snprintf(buf, size, "%s", site.site[0] ? site.site : "-");
}

static void cell_validated(char *buf, size_t size, const struct pt_snapshot *s,
			   const struct pt_row *r, uint64_t now)
{
	(void)s;
	(void)now;
	if (r->dnssec_failure) {
		snprintf(buf, size, "!");
	} else if (r->has_reply && r->result == PT_REPLY_OK && (r->answer.flags & PT_FLAG_AD)) {
		snprintf(buf, size, "AD");
	} else {
		snprintf(buf, size, "-");
	}
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
	[PT_COL_ADDR] = { "ADDR", 13, 6, false, cell_addr },
	[PT_COL_SITE] = { "SITE", 8, 4, false, cell_site },
	[PT_COL_VALIDATED] = { "AD", 2, 2, false, cell_validated },
};

void pt_output_row_site(struct pt_site *out, const struct pt_row *r)
{
	struct pt_site_clues c = {
		.nsid = r->has_reply && r->result == PT_REPLY_OK ? r->answer.nsid : NULL,
		.id_server = r->id_server,
		.hostname_bind = r->hostname_bind,
	};

	pt_site_find(out, r->resolver, &c);
}

enum pt_detail pt_output_row_detail(const struct pt_row *r)
{
	return pt_verdict_detail(r->dnssec_failure, r->stale);
}

bool pt_output_row_ecs_ignored(const struct pt_row *r)
{
	return r->ecs_sent.family != 0 && r->has_reply && r->result == PT_REPLY_OK &&
	       (!r->answer.has_ecs || r->answer.ecs_scope == 0);
}

char *pt_output_ede_item(char *buf, size_t size, const struct pt_ede *e)
{
	snprintf(buf, size, "%u (%s)%s%s", e->code, pt_ede_name(e->code), e->text ? ": " : "",
		 e->text ? e->text : "");
	return buf;
}

char *pt_output_ede_text(char *buf, size_t size, const struct pt_answer *a)
{
	const struct pt_ede_list *l = a->edes;
	size_t used = 0;

	if (size == 0) {
		return buf;
	}
	buf[0] = '\0';
	for (unsigned i = 0; l && i < l->count && used + 1 < size; i++) {
		if (i > 0) {
			used += (size_t)snprintf(buf + used, size - used, " | ");
		}
		if (used + 1 < size) {
			pt_output_ede_item(buf + used, size - used, &l->item[i]);
			used += strlen(buf + used);
		}
	}
	if (l && l->more > 0 && used + 1 < size) {
		snprintf(buf + used, size - used, " | %u more", l->more);
	}
	return buf;
}

size_t pt_output_sites_text(char *buf, size_t size, const struct pt_snapshot *s, const char *sep)
{
	enum { OPS = 16, SITES = 8 };
	struct {
		const char *op;
		char sites[SITES][64];
		size_t nsites;
		bool more;
	} ops[OPS];
	size_t nops = 0, shown = 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = pt_snapshot_row(s, i);
		const char *op = pt_output_row_operator(r);
		struct pt_site site;
		size_t k, m;

		pt_output_row_site(&site, r);
		if (!op[0] || !site.site[0]) {
			continue;
		}
		for (k = 0; k < nops && strcmp(ops[k].op, op) != 0; k++) {
		}
		if (k == nops) {
			if (nops == OPS) {
				continue;
			}
			ops[k].op = op;
			ops[k].nsites = 0;
			ops[k].more = false;
			nops++;
		}
		for (m = 0; m < ops[k].nsites && strcmp(ops[k].sites[m], site.site) != 0; m++) {
		}
		if (m == ops[k].nsites) {
			if (m == SITES) {
				ops[k].more = true;
			} else {
				memcpy(ops[k].sites[m], site.site, sizeof(site.site));
				ops[k].nsites++;
			}
		}
	}
	for (size_t k = 0; k < nops; k++) {
		if (ops[k].nsites < 2) {
			continue;
		}
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0,
					 "%s%s: %s%zu sites (", shown ? sep : "", ops[k].op,
					 ops[k].more ? "over " : "", ops[k].nsites);
		for (size_t m = 0; m < ops[k].nsites; m++) {
			used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s",
						 m ? ", " : "", ops[k].sites[m]);
		}
		used += (size_t)snprintf(buf + used, used < size ? size - used : 0, ")");
		shown++;
	}
	return shown;
}

const char *pt_output_row_operator(const struct pt_row *r)
{
	const char *op = pt_site_operator(r->resolver);

	return op ? op : r->resolver->label;
}

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

/* Write out what @p b holds once it passes 64 KiB and keep its allocation: a long list's
 * JSON or CSV is streamed, never held whole in memory. */
static void output_drain(FILE *out, struct pt_buf *b)
{
	if (b->len >= 64 * 1024 && !b->oom) {
		fwrite(b->s, 1, b->len, out);
		b->len = 0;
		b->s[0] = '\0';
	}
}

/* ---- JSON ---- */

void pt_output_json_answer(struct pt_json *j, const char *key, const struct pt_answer *a)
{
	/* NULL: no answer (a followed MX target that has not answered), an empty list */
	pt_json_strv(j, key, a != NULL ? a->rdata : NULL, a != NULL ? a->count : 0);
}

void pt_output_json_resolver(struct pt_json *j, const struct pt_resolver *r)
{
	pt_json_str(j, "label", r->label[0] ? r->label : r->address);
	pt_json_str(j, "address", r->address);
	pt_json_uint(j, "port", r->port);
	/* encrypted ones say so wherever a resolver is named (a plain row says udp or tcp)
	 */
	if (r->transport != PT_TRANSPORT_UDP) {
		pt_json_str(j, "transport", pt_transport_name(r->transport, false));
	}
	if (r->transport == PT_TRANSPORT_TLS && r->endpoint && r->endpoint[0]) {
		pt_json_str(j, "tls_name", r->endpoint);
	} else if (r->transport == PT_TRANSPORT_HTTPS) {
		pt_json_str(j, "url", r->endpoint ? r->endpoint : "");
	}
	if (r->vantage.source != PT_SOURCE_LOCAL) {
		pt_output_json_vantage(j, &r->vantage);
	}
}

void pt_output_json_vantage(struct pt_json *j, const struct pt_vantage *v)
{
	char t[40];

	pt_json_str(j, "source", pt_source_name(v->source));
	if (v->source == PT_SOURCE_LOCAL) {
		return;
	}
	if (v->probe_id != 0) {
		pt_json_uint(j, "probe_id", v->probe_id);
	} else {
		pt_json_null(j, "probe_id");
	}
	pt_json_str(j, "country", v->country[0] ? v->country : NULL);
	if (v->asn != 0) {
		pt_json_uint(j, "asn", v->asn);
	} else {
		pt_json_null(j, "asn");
	}
	pt_json_str(j, "resolver", pt_vantage_str(v->resolver)[0] ? v->resolver : NULL);
	pt_json_str(j, "measurement_id",
		    pt_vantage_str(v->measurement_id)[0] ? v->measurement_id : NULL);
	pt_json_str(j, "observed_at",
		    v->observed_ms != 0 ? pt_clock_rfc3339(t, sizeof(t), v->observed_ms) : NULL);
	if (v->answer_only) {
		pt_json_bool(j, "answer_only", true);
	}
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

const char *pt_output_answer_kind(const struct pt_answer *a)
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
	pt_json_str(j, "kind",
		    t->source == PT_TRUTH_NONE ? "none" : pt_output_answer_kind(&t->answer));
	if (t->zone[0]) {
		pt_json_str(j, "zone", t->zone);
	}
	if (t->has_authoritative) {
		pt_output_json_answer(j, "authoritative_answer", &t->authoritative);
		pt_json_str(j, "authoritative_kind", pt_output_answer_kind(&t->authoritative));
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
		     "the authoritative servers serve %s, not the expected answer: check "
		     "--expect",
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
		     "convergence is not bounded: %s serves serial %u with %s, and "
		     "resolvers "
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
	size_t old = pt_snapshot_old_servers(s);

	if (old > 0) {
		if (s->expiry_bounded) {
			NOTE(PT_NOTE_OLD_SERVERS,
			     "%zu resolver%s still fetch%s from the old name servers; old "
			     "answers "
			     "can "
			     "keep coming until their cached NS set expires: at most %s, "
			     "unless an "
			     "answer from the old servers renews it",
			     old, old == 1 ? "" : "s", old == 1 ? "es" : "",
			     pt_text_duration(d, sizeof(d), s->expires_within));
		} else {
			NOTE(PT_NOTE_OLD_SERVERS,
			     "%zu resolver%s still fetch%s from the old name servers; old "
			     "answers "
			     "can "
			     "keep coming until their cached NS set expires",
			     old, old == 1 ? "" : "s", old == 1 ? "es" : "");
		}
	}
	if (t->unpublished) {
		NOTE(PT_NOTE_UNPUBLISHED,
		     "waiting for the authoritative servers to publish the expected "
		     "record: asking "
		     "the resolvers now would make them cache the denial for %s (the SOA "
		     "MINIMUM); --query-now asks anyway",
		     pt_text_duration(d, sizeof(d), t->negative_ttl));
	}
#undef NOTE
	return n;
}

/* The identity, DNSSEC, stale and ECS members of a row (issue 15), in every row. */
static void json_identity(struct pt_json *j, const struct pt_row *r)
{
	bool ok = r->has_reply && r->result == PT_REPLY_OK;
	enum pt_detail d = pt_output_row_detail(r);
	struct pt_site site;
	char ecs[64];

	pt_output_row_site(&site, r);
	if (site.site[0]) {
		pt_json_str(j, "site", site.site);
	} else {
		pt_json_null(j, "site");
	}
	if (site.known) {
		pt_json_str(j, "operator", site.operator_name);
	}
	if (ok && r->answer.nsid) {
		pt_json_str(j, "nsid", r->answer.nsid);
	} else {
		pt_json_null(j, "nsid");
	}
	if (r->id_server && r->id_server[0]) {
		pt_json_str(j, "id_server", r->id_server);
	}
	if (r->hostname_bind && r->hostname_bind[0]) {
		pt_json_str(j, "hostname_bind", r->hostname_bind);
	}
	pt_json_bool(j, "validated", ok && (r->answer.flags & PT_FLAG_AD));
	pt_json_array(j, "ede", false);
	for (unsigned i = 0; ok && r->answer.edes && i < r->answer.edes->count; i++) {
		const struct pt_ede *e = &r->answer.edes->item[i];

		pt_json_object(j, NULL);
		pt_json_int(j, "code", e->code);
		pt_json_str(j, "name", pt_ede_name(e->code));
		if (e->text) {
			pt_json_str(j, "text", e->text);
		} else {
			pt_json_null(j, "text");
		}
		pt_json_end(j);
	}
	pt_json_end(j);
	if (ok && r->answer.edes && r->answer.edes->more > 0) {
		pt_json_int(j, "ede_more", r->answer.edes->more);
	}
	pt_json_bool(j, "stale", r->stale);
	if (d != PT_DETAIL_NONE) {
		pt_json_str(j, "reason", pt_detail_name(d));
		pt_json_str(j, "reason_text", pt_detail_text(d));
	}
	if (r->ecs_sent.family != 0) {
		pt_json_str(j, "ecs", pt_ecs_text(ecs, sizeof(ecs), &r->ecs_sent));
		if (ok && r->answer.has_ecs) {
			pt_json_uint(j, "ecs_scope", r->answer.ecs_scope);
		} else {
			pt_json_null(j, "ecs_scope");
		}
		pt_json_bool(j, "ecs_ignored", pt_output_row_ecs_ignored(r));
	}
}

static void json_row(struct pt_json *j, const struct pt_row *r)
{
	char rc[16], flags[PT_FLAGS_TEXT_MAX];

	pt_output_json_resolver(j, r->resolver);
	if (r->resolver->location[0]) {
		pt_json_str(j, "location", r->resolver->location);
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
		pt_json_str(j, "flags", pt_flags_text(flags, r->answer.flags));
		if (r->old_servers) {
			pt_json_bool(j, "old_servers", true);
		}
		if (r->ns_expires_ns != 0) {
			/* when its cached NS set for the zone expires, seconds from the
			 * reply */
			pt_json_uint(j, "ns_ttl",
				     r->ns_expires_ns > r->received_ns
					     ? (r->ns_expires_ns - r->received_ns) / PT_NS_PER_S
					     : 0);
		}
		if (r->resolver->transport == PT_TRANSPORT_UDP) {
			pt_json_str(j, "transport",
				    pt_transport_name(PT_TRANSPORT_UDP, r->via_tcp));
		}
		json_identity(j, r);
		return;
	}
	pt_json_null(j, "rcode");
	pt_json_strv(j, "answer", NULL, 0);
	pt_json_null(j, "ttl");
	pt_json_null(j, "rtt_ms");
	if (r->has_reply && pt_vantage_str(r->resolver->vantage.error)[0]) {
		pt_json_str(j, "error", r->resolver->vantage.error);
	} else if (r->has_reply && r->err != 0) {
		char why[64];

		pt_json_str(j, "error", pt_net_strerror(r->err, why, sizeof(why)));
	} else if (r->has_reply && r->result == PT_REPLY_MALFORMED) {
		pt_json_str(j, "error", "malformed");
	}
	if (r->resolver->transport == PT_TRANSPORT_UDP) {
		pt_json_str(j, "transport", pt_transport_name(PT_TRANSPORT_UDP, r->via_tcp));
	}
	json_identity(j, r);
}

/* --follow-mx: a row's answers for the MX targets' addresses ("targets", only when some
 * are followed): name, type, status, answer, ttl, rtt_ms. */
static void json_row_targets(struct pt_json *j, const struct pt_snapshot *s, const struct pt_row *r)
{
	char ty[24];

	if (s->ntargets == 0) {
		return;
	}
	pt_json_array(j, "targets", false);
	for (size_t k = 0; k < r->ntargets && k < s->ntargets; k++) {
		const struct pt_target_result *t = &r->targets[k];
		bool ok = t->has_reply && t->result == PT_REPLY_OK;

		pt_json_object(j, NULL);
		pt_json_str(j, "name", s->targets[k].name);
		pt_json_str(j, "type", pt_output_target_type(ty, sizeof(ty), &s->targets[k]));
		pt_json_str(j, "status", pt_verdict_name(t->verdict));
		pt_json_str(j, "kind",
			    ok		   ? pt_output_answer_kind(&t->answer)
			    : t->has_reply ? pt_reply_result_text(t->result)
					   : "none");
		pt_output_json_answer(j, "answer", ok ? &t->answer : NULL);
		if (ok && t->answer.has_ttl) {
			pt_json_uint(j, "ttl", t->answer.ttl);
		} else {
			pt_json_null(j, "ttl");
		}
		if (ok) {
			pt_json_num(j, "rtt_ms", t->rtt_ms, 1);
		} else {
			pt_json_null(j, "rtt_ms");
		}
		pt_json_end(j);
	}
	pt_json_end(j);
	pt_json_str(j, "addr", pt_verdict_name(pt_output_targets_verdict(r)));
}

/* --follow-mx: the followed questions and their truths, and the counts of every answer. */
static void json_targets(struct pt_json *j, const struct pt_snapshot *s)
{
	char ty[24];

	if (s->ntargets == 0) {
		return;
	}
	pt_json_array(j, "targets", true);
	for (size_t k = 0; k < s->ntargets; k++) {
		const struct pt_truth *t = &s->targets[k].truth;

		pt_json_object(j, NULL);
		pt_json_str(j, "name", s->targets[k].name);
		pt_json_str(j, "type", pt_output_target_type(ty, sizeof(ty), &s->targets[k]));
		pt_json_str(j, "source", pt_truth_source_name(t->source));
		pt_json_str(j, "kind",
			    t->source == PT_TRUTH_NONE ? "none"
						       : pt_output_answer_kind(&t->answer));
		pt_output_json_answer(j, "answer", &t->answer);
		pt_json_str(j, "zone", t->zone[0] ? t->zone : NULL);
		if (t->has_serial) {
			pt_json_uint(j, "serial", t->serial);
		} else {
			pt_json_null(j, "serial");
		}
		pt_json_end(j);
	}
	pt_json_end(j);
	pt_output_json_counts(j, "target_counts", &s->target_counts);
}

void pt_output_json_row(struct pt_json *j, const struct pt_row *r)
{
	json_row(j, r);
	/* a probe row says its source with its probe's fields, a local row at the end */
	if (r->resolver->vantage.source == PT_SOURCE_LOCAL) {
		pt_output_json_vantage(j, &r->resolver->vantage);
	}
}

/* --globalping: the API's rate limit, as last reported. */
static void json_limits(struct pt_json *j, const struct pt_vantage_limits *l)
{
	char tbuf[40];

	pt_json_object(j, "globalping_limits");
	pt_json_str(j, "type", l->type[0] ? l->type : NULL);
	pt_json_uint(j, "limit", l->limit);
	pt_json_uint(j, "remaining", l->remaining);
	pt_json_uint(j, "reset_s", l->reset_s);
	if (l->has_credits) {
		pt_json_uint(j, "credits", l->credits);
	} else {
		pt_json_null(j, "credits");
	}
	pt_json_str(j, "reported_at",
		    l->wall_ms > 0 ? pt_clock_rfc3339(tbuf, sizeof(tbuf), l->wall_ms) : NULL);
	pt_json_end(j);
}

/* Rows [lo, hi) of the "resolvers" array, each an object, into @p j. */
static void json_rows_range(struct pt_json *j, const struct pt_snapshot *s, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++) {
		pt_json_object(j, NULL);
		pt_output_json_row(j, pt_snapshot_row(s, i));
		json_row_targets(j, s, pt_snapshot_row(s, i));
		pt_json_end(j);
	}
}

/*
 * A long sweep's rows are written on two threads (issue 11): they are most of the output
 * (330 bytes each; 80 ms of a 100,000-resolver sweep's end, with the other core idle). The
 * rows go in blocks; the helper writes the odd ones into two buffers of its own, the caller
 * the even ones, and the caller puts every block out in order. Writing a row reads only the
 * snapshot, which nothing changes meanwhile.
 */
#define ROWS_BLOCK 512
#define ROWS_APART (8 * ROWS_BLOCK)

/* Where block @p k of @p s's rows ends. */
static size_t block_end(const struct pt_snapshot *s, size_t k)
{
	return (k + 1) * ROWS_BLOCK < s->nrows ? (k + 1) * ROWS_BLOCK : s->nrows;
}

struct rows_apart {
	const struct pt_snapshot *s;
	/* the array's state after its first element, for the helper's blocks */
	struct pt_json at;
	size_t nblocks;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* the helper's blocks 1, 3, 5...: block k in buf[(k / 2) % 2], full until put out */
	struct pt_buf buf[2];
	bool full[2];
};

static void *rows_apart_main(void *arg)
{
	struct rows_apart *ra = arg;

	pt_thread_name("pt-rows");
	for (size_t k = 1; k < ra->nblocks; k += 2) {
		size_t slot = (k / 2) % 2;
		struct pt_json j = ra->at;

		pthread_mutex_lock(&ra->mu);
		while (ra->full[slot]) {
			pthread_cond_wait(&ra->cv, &ra->mu);
		}
		pthread_mutex_unlock(&ra->mu);
		pt_buf_reset(&ra->buf[slot]);
		j.buf = &ra->buf[slot];
		json_rows_range(&j, ra->s, k * ROWS_BLOCK, block_end(ra->s, k));
		pthread_mutex_lock(&ra->mu);
		ra->full[slot] = true;
		pthread_cond_broadcast(&ra->cv);
		pthread_mutex_unlock(&ra->mu);
	}
	return NULL;
}

/* Every row of @p s into @p j (whose buffer goes to @p out as it fills). */
static void json_rows(FILE *out, struct pt_json *j, const struct pt_snapshot *s)
{
	struct rows_apart ra = { .s = s, .nblocks = (s->nrows + ROWS_BLOCK - 1) / ROWS_BLOCK };
	pthread_t helper;
	bool apart;

	json_rows_range(j, s, 0, block_end(s, 0));
	output_drain(out, j->buf);
	if (s->nrows < ROWS_APART) {
		json_rows_range(j, s, ROWS_BLOCK, s->nrows);
		output_drain(out, j->buf);
		return;
	}
	ra.at = *j;
	pthread_mutex_init(&ra.mu, NULL);
	pthread_cond_init(&ra.cv, NULL);
	apart = pt_thread_start(&helper, NULL, rows_apart_main, &ra) == 0;
	for (size_t k = 1; k < ra.nblocks; k++) {
		size_t slot = (k / 2) % 2;

		if (k % 2 == 0 || !apart) {
			json_rows_range(j, s, k * ROWS_BLOCK, block_end(s, k));
			output_drain(out, j->buf);
			continue;
		}
		pthread_mutex_lock(&ra.mu);
		while (!ra.full[slot]) {
			pthread_cond_wait(&ra.cv, &ra.mu);
		}
		pthread_mutex_unlock(&ra.mu);
		/* the caller's buffer first: it holds what came before this block */
		if (j->buf->len > 0 && !j->buf->oom) {
			fwrite(j->buf->s, 1, j->buf->len, out);
			pt_buf_reset(j->buf);
		}
		if (ra.buf[slot].oom) {
			j->buf->oom = true;
		} else if (!j->buf->oom) {
			fwrite(ra.buf[slot].s, 1, ra.buf[slot].len, out);
		}
		pthread_mutex_lock(&ra.mu);
		ra.full[slot] = false;
		pthread_cond_broadcast(&ra.cv);
		pthread_mutex_unlock(&ra.mu);
	}
	/* the caller took every block the helper writes: it has ended */
	if (apart) {
		pthread_join(helper, NULL);
	}
	pt_buf_fini(&ra.buf[0]);
	pt_buf_fini(&ra.buf[1]);
	pthread_cond_destroy(&ra.cv);
	pthread_mutex_destroy(&ra.mu);
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
	json_rows(out, &j, s);
	pt_json_end(&j);
	json_targets(&j, s);
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
	if (s->globalping_limits.known) {
		json_limits(&j, &s->globalping_limits);
	}
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

/* --follow-mx: "mx.example. A match 192.0.2.1 ttl 300 | mx.example. AAAA match NODATA". */
static void csv_targets(struct pt_buf *b, const struct pt_snapshot *s, const struct pt_row *r)
{
	struct pt_buf f = { 0 };
	char ty[24], sum[512];

	for (size_t k = 0; k < r->ntargets && k < s->ntargets; k++) {
		const struct pt_target_result *t = &r->targets[k];
		bool ok = t->has_reply && t->result == PT_REPLY_OK;

		pt_buf_printf(&f, "%s%s %s %s %s", k ? " | " : "", s->targets[k].name,
			      pt_output_target_type(ty, sizeof(ty), &s->targets[k]),
			      pt_verdict_name(t->verdict),
			      ok	     ? pt_answer_summary(sum, sizeof(sum), &t->answer, " ")
			      : t->has_reply ? pt_reply_result_text(t->result)
					     : "-");
		if (ok && t->answer.has_ttl) {
			pt_buf_printf(&f, " ttl %u", t->answer.ttl);
		}
	}
	csv_field(b, pt_buf_str(&f));
	pt_buf_fini(&f);
}

/* The probe columns of a CSV row (empty when unknown). */
static void csv_vantage(struct pt_buf *b, const struct pt_vantage *v)
{
	char t[40];

	pt_buf_printf(b, ",%s,", pt_source_name(v->source));
	if (v->probe_id != 0) {
		pt_buf_printf(b, "%llu", (unsigned long long)v->probe_id);
	}
	pt_buf_putc(b, ',');
	csv_field(b, v->country);
	pt_buf_putc(b, ',');
	if (v->asn != 0) {
		pt_buf_printf(b, "%u", v->asn);
	}
	pt_buf_putc(b, ',');
	csv_field(b, pt_vantage_str(v->resolver));
	pt_buf_putc(b, ',');
	csv_field(b, pt_vantage_str(v->measurement_id));
	pt_buf_putc(b, ',');
	if (v->observed_ms != 0) {
		csv_field(b, pt_clock_rfc3339(t, sizeof(t), v->observed_ms));
	}
}

void pt_output_csv(FILE *out, const struct pt_snapshot *s)
{
	struct pt_buf b = { 0 };
	char rc[16];

	bool probes = pt_snapshot_probes(s) > 0;

	/* the probe columns only when a vantage source is in the table, --follow-mx's
	 * targets last: the contract's header, then transport and error (an extension) */
	pt_buf_puts(&b, "label,address,port,status,rcode,ttl,rtt_ms,answer,transport,error,"
			"site,nsid,"
			"validated,ede,reason");
	if (probes) {
		pt_buf_puts(&b, ",source,probe_id,country,asn,resolver,measurement_id,observed_at");
	}
	/* --follow-mx adds a last column: each target answer "NAME TYPE STATUS ANSWER" */
	pt_buf_puts(&b, s->ntargets ? ",targets\r\n" : "\r\n");
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = pt_snapshot_row(s, i);
		bool ok = r->has_reply && r->result == PT_REPLY_OK;
		struct pt_buf ans = { 0 };

		csv_field(&b, r->resolver->label[0] ? r->resolver->label : r->resolver->address);
		pt_buf_putc(&b, ',');
		csv_field(&b, r->resolver->address);
		pt_buf_printf(&b, ",%u,%s,%s,", r->resolver->port, pt_verdict_name(r->verdict),
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
		pt_buf_printf(&b, ",%s,", pt_transport_name(r->resolver->transport, r->via_tcp));
		if (r->has_reply && r->err != 0) {
			char why[64];

			csv_field(&b, pt_net_strerror(r->err, why, sizeof(why)));
		}
		{
			struct pt_site site;
			/* every kept EDE whole: PT_EDE_MAX texts of up to 256 octets, cleaned */
			char ede[4096];

			pt_output_row_site(&site, r);
			pt_buf_putc(&b, ',');
			csv_field(&b, site.site);
			pt_buf_putc(&b, ',');
			csv_field(&b, ok && r->answer.nsid ? r->answer.nsid : "");
			pt_buf_printf(&b, ",%s,",
				      ok && (r->answer.flags & PT_FLAG_AD) ? "true" : "false");
			csv_field(&b, ok ? pt_output_ede_text(ede, sizeof(ede), &r->answer) : "");
			pt_buf_printf(&b, ",%s", pt_detail_name(pt_output_row_detail(r)));
		}
		if (probes) {
			csv_vantage(&b, &r->resolver->vantage);
		}
		if (s->ntargets > 0) {
			pt_buf_putc(&b, ',');
			csv_targets(&b, s, r);
		}
		pt_buf_puts(&b, "\r\n");
		output_drain(out, &b);
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

size_t pt_output_counted(const struct pt_counts *c)
{
	size_t n = c->total - c->by[PT_VERDICT_REFUSED] - c->by[PT_VERDICT_TIMEOUT];

	return n > 0 ? n : c->total;
}

char *pt_output_counts_text(char *buf, size_t size, const struct pt_counts *c)
{
	size_t used;
	bool first = true;

	used = (size_t)snprintf(buf, size, "%zu resolver%s:", c->total, c->total == 1 ? "" : "s");
	for (int v = PT_VERDICT_PENDING; v < PT_VERDICT_COUNT && used < size; v++) {
		if (c->by[v] == 0) {
			continue;
		}
		used += (size_t)snprintf(buf + used, size - used, "%s %zu %s", first ? "" : ",",
					 c->by[v], pt_verdict_name((enum pt_verdict)v));
		first = false;
	}
	return buf;
}

char *pt_output_converged_text(char *buf, size_t size, const struct pt_snapshot *s)
{
	char d[16];

	buf[0] = '\0';
	if (!s->converged) {
		return buf;
	}
	if (!s->changed) {
		/* nothing changed while watching: no convergence happened, it was there */
		snprintf(buf, size, "all %zu resolver%s serve%s the truth",
			 s->counts.by[PT_VERDICT_MATCH],
			 s->counts.by[PT_VERDICT_MATCH] == 1 ? "" : "s",
			 s->counts.by[PT_VERDICT_MATCH] == 1 ? "s" : "");
		return buf;
	}
	/* from the change of the truth when one was watched, else from the start */
	uint64_t from = s->truth_changed_ns && s->truth_changed_ns <= s->converged_ns
				? s->truth_changed_ns
				: s->start_ns;
	uint64_t took = s->converged_ns > from ? s->converged_ns - from : 0;

	pt_text_duration(d, sizeof(d), took / PT_NS_PER_S);
	if (from == s->start_ns) {
		snprintf(buf, size, "CONVERGED in %s", d);
	} else {
		snprintf(buf, size, "CONVERGED %s after the change", d);
	}
	return buf;
}

/* " - CONVERGED" or " - not converged (differ)": what the counts come to. */
static void verdict_words(FILE *out, unsigned reasons, bool color)
{
	char why[256];

	if (reasons == 0) {
		fprintf(out, " - %sCONVERGED%s", color ? ANSI_GREEN ANSI_BOLD : "",
			color ? ANSI_RESET : "");
		return;
	}
	fprintf(out, " - %snot converged%s (%s)", color ? ANSI_YELLOW : "", color ? ANSI_RESET : "",
		pt_output_reasons_text(why, sizeof(why), reasons));
}

void pt_output_progress(FILE *out, const struct pt_counts *c, unsigned reasons, double elapsed_s)
{
	char d[16], counts[512];

	pt_text_duration(d, sizeof(d), elapsed_s > 0 ? (uint64_t)elapsed_s : 0);
	fprintf(out, "[%s] %s", d, pt_output_counts_text(counts, sizeof(counts), c));
	verdict_words(out, reasons, false);
	fputc('\n', out);
}

/* The table's columns, most important first: what is dropped or cut when it is too wide. */
enum { TABLE_SEP = 2, ANSWER_MIN = 24, LABEL_SHORT = 16 };

/* Cells the table needs with widths @p w (0: column not shown) and an answer of @p answer.
 */
static int table_need(const int *w, const enum pt_column *shown, size_t n, int answer)
{
	int need = answer;

	for (size_t c = 0; c < n; c++) {
		if (shown[c] != PT_COL_ANSWER && w[shown[c]] > 0) {
			need += w[shown[c]] + TABLE_SEP;
		}
	}
	return need;
}

/* --follow-mx: each followed question's truth, under the servers ("mx A 192.0.2.1 (zone
 * example.net., serial 7)"). */
static void table_targets(FILE *out, const struct pt_snapshot *s)
{
	char ty[24], sum[512];

	for (size_t k = 0; k < s->ntargets; k++) {
		const struct pt_truth *t = &s->targets[k].truth;

		fprintf(out, "  mx target %s %s: %s", s->targets[k].name,
			pt_output_target_type(ty, sizeof(ty), &s->targets[k]),
			t->source == PT_TRUTH_NONE
				? "(unknown: its zone's servers did not answer)"
				: pt_answer_summary(sum, sizeof(sum), &t->answer, " | "));
		if (t->zone[0]) {
			fprintf(out, " (zone %s", t->zone);
			if (t->has_serial) {
				fprintf(out, " serial %u", t->serial);
			}
			fputc(')', out);
		}
		fputc('\n', out);
	}
}

void pt_output_table(FILE *out, const struct pt_snapshot *s, bool color, int width)
{
	enum { NCOL = PT_COL_COUNT };
	/* The table leaves out CHANGED: a one-shot check has no history; it shows
	 * SITE and AD only when some row has something to show in them. */
	static const enum pt_column plain[] = { PT_COL_LABEL,  PT_COL_LOCATION,	 PT_COL_ADDRESS,
						PT_COL_STATUS, PT_COL_TTL,	 PT_COL_RTT,
						PT_COL_SITE,   PT_COL_VALIDATED, PT_COL_ANSWER };
	/* --follow-mx: the targets' address verdict beside the MX verdict */
	static const enum pt_column mail[] = { PT_COL_LABEL,  PT_COL_LOCATION, PT_COL_ADDRESS,
					       PT_COL_STATUS, PT_COL_ADDR,     PT_COL_TTL,
					       PT_COL_RTT,    PT_COL_SITE,     PT_COL_VALIDATED,
					       PT_COL_ANSWER };
	const enum pt_column *shown = s->ntargets ? mail : plain;
	const size_t nshown =
		s->ntargets ? sizeof(mail) / sizeof(mail[0]) : sizeof(plain) / sizeof(plain[0]);
	int w[NCOL] = { 0 };
	char cell[1024], fitted[1024], ty[24], d[16], counts[512];
	bool any_location = false, any_site = false, any_ad = false;
	int answer_nat = pt_text_width(columns[PT_COL_ANSWER].title);

	if (width <= 0) {
		width = 80;
	}
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = pt_snapshot_row(s, i);

		any_location |= r->resolver->location[0] != '\0';
		cell_site(cell, sizeof(cell), s, r, s->taken_ns);
		any_site |= strcmp(cell, "-") != 0;
		cell_validated(cell, sizeof(cell), s, r, s->taken_ns);
		any_ad |= strcmp(cell, "-") != 0;
	}
	for (size_t c = 0; c < nshown; c++) {
		enum pt_column col = shown[c];
		const struct pt_column_def *def = &columns[col];

		w[col] = pt_text_width(def->title);
		for (size_t i = 0; i < s->nrows; i++) {
			def->format(cell, sizeof(cell), s, pt_snapshot_row(s, i), s->taken_ns);
			int cw = pt_text_width(cell);

			if (col == PT_COL_ANSWER) {
				answer_nat = cw > answer_nat ? cw : answer_nat;
			} else {
				w[col] = cw > w[col] ? cw : w[col];
			}
		}
		if (def->width > 0 && w[col] > def->width + 8) {
			w[col] = def->width + 8;
		}
	}
	if (!any_location) {
		w[PT_COL_LOCATION] = 0;
	}
	if (!any_site) {
		w[PT_COL_SITE] = 0;
	}
	if (!any_ad) {
		w[PT_COL_VALIDATED] = 0;
	}
	/* Too wide: cut the label, drop the AD column, the site, the location, then the RTT (the
	 * dashboard's order), cut the label further;
	 * the answer keeps ANSWER_MIN cells (or all it needs) as long as it can, and takes
	 * the rest. */
	int answer_want = answer_nat < ANSWER_MIN ? answer_nat : ANSWER_MIN;
	int label_min = columns[PT_COL_LABEL].min_width;

	if (table_need(w, shown, nshown, answer_nat) > width && w[PT_COL_LABEL] > LABEL_SHORT) {
		int cut = table_need(w, shown, nshown, answer_nat) - width;

		w[PT_COL_LABEL] -=
			cut < w[PT_COL_LABEL] - LABEL_SHORT ? cut : w[PT_COL_LABEL] - LABEL_SHORT;
	}
	if (table_need(w, shown, nshown, answer_want) > width) {
		w[PT_COL_VALIDATED] = 0;
	}
	if (table_need(w, shown, nshown, answer_want) > width) {
		w[PT_COL_SITE] = 0;
	}
	if (table_need(w, shown, nshown, answer_want) > width) {
		w[PT_COL_LOCATION] = 0;
	}
	if (table_need(w, shown, nshown, answer_want) > width) {
		w[PT_COL_RTT] = 0;
	}
	if (table_need(w, shown, nshown, answer_want) > width && w[PT_COL_LABEL] > label_min) {
		int cut = table_need(w, shown, nshown, answer_want) - width;

		w[PT_COL_LABEL] -=
			cut < w[PT_COL_LABEL] - label_min ? cut : w[PT_COL_LABEL] - label_min;
	}
	/* what dropping columns left over goes back to a label cut too eagerly */
	int label_nat = pt_text_width(columns[PT_COL_LABEL].title);

	for (size_t i = 0; i < s->nrows; i++) {
		cell_label(cell, sizeof(cell), s, pt_snapshot_row(s, i), s->taken_ns);
		label_nat = pt_text_width(cell) > label_nat ? pt_text_width(cell) : label_nat;
	}
	label_nat = label_nat > columns[PT_COL_LABEL].width + 8 ? columns[PT_COL_LABEL].width + 8
								: label_nat;
	int slack = width - table_need(w, shown, nshown, answer_nat);

	if (slack > 0 && w[PT_COL_LABEL] < label_nat) {
		w[PT_COL_LABEL] +=
			slack < label_nat - w[PT_COL_LABEL] ? slack : label_nat - w[PT_COL_LABEL];
	}
	int answer_w = width - table_need(w, shown, nshown, 0);

	if (answer_w < columns[PT_COL_ANSWER].min_width) {
		answer_w = columns[PT_COL_ANSWER].min_width;
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
	table_targets(out, s);
	struct pt_note notes[16];
	size_t nnotes = pt_output_notes(notes, 16, s);

	for (size_t i = 0; i < nnotes; i++) {
		fprintf(out, "  %s! %s%s\n", color ? ANSI_YELLOW : "", notes[i].text,
			color ? ANSI_RESET : "");
	}
	fputc('\n', out);
	for (size_t c = 0; c < nshown; c++) {
		enum pt_column col = shown[c];

		if (w[col] == 0 && col != PT_COL_ANSWER) {
			continue;
		}
		put_cell(out,
			 pt_text_fit(fitted, sizeof(fitted), columns[col].title,
				     col == PT_COL_ANSWER ? answer_w : w[col], false),
			 col == PT_COL_ANSWER ? 0 : w[col], columns[col].right);
		fputs(col == PT_COL_ANSWER ? "\n" : "  ", out);
	}
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = pt_snapshot_row(s, i);

		if (color) {
			fputs(verdict_color(r->verdict), out);
		}
		for (size_t c = 0; c < nshown; c++) {
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
	/* the summary: the counts, the verdict, when the old answers go; each part on the
	 * line when it fits, else on a line of its own */
	char part[3][600];
	int used;

	pt_output_counts_text(part[0], sizeof(part[0]), &s->counts);
	pt_output_reasons_text(counts, sizeof(counts), s->reasons);
	if (s->converged) {
		snprintf(part[1], sizeof(part[1]), "CONVERGED");
	} else {
		snprintf(part[1], sizeof(part[1]), "not converged (%s)", counts);
	}
	part[2][0] = '\0';
	if (!s->converged && !s->expiry_bounded) {
		snprintf(part[2], sizeof(part[2]), "convergence is not bounded (see above)");
	} else if (!s->converged && s->expires_within > 0) {
		snprintf(part[2], sizeof(part[2]), "old answers expire within %s",
			 pt_text_duration(d, sizeof(d), s->expires_within));
	}
	fprintf(out, "\n%s", part[0]);
	used = pt_text_width(part[0]);
	for (int k = 1; k < 3 && part[k][0] != '\0'; k++) {
		const char *join = k == 1 ? " - " : "; ";
		int tw = pt_text_width(part[k]);

		if (used + 3 + tw > width) {
			fputs("\n  ", out);
			used = 2;
		} else {
			fputs(join, out);
			used += (int)strlen(join);
		}
		if (k == 1 && color) {
			fprintf(out, "%s%s%s", s->converged ? ANSI_GREEN ANSI_BOLD : ANSI_YELLOW,
				part[k], ANSI_RESET);
		} else {
			fputs(part[k], out);
		}
		used += tw;
	}
	fputc('\n', out);
	if (pt_output_sources_text(counts, sizeof(counts), s, 8)) {
		bool answer_only = false;

		for (size_t i = 0; i < s->nrows; i++) {
			answer_only |= pt_snapshot_row(s, i)->resolver->vantage.answer_only;
		}
		fprintf(out, "%s\n", counts);
		if (answer_only) {
			fputs("  answer-only rows (Globalping, old Atlas firmware): no "
			      "flags, no "
			      "authority section, no negative-caching TTL\n",
			      out);
		}
	}
}

void pt_output_summary(FILE *out, const struct pt_snapshot *s, uint64_t now_ns, size_t max_list)
{
	char ty[24], d[16], text[512], addr[PT_ADDRESS_MAX + 16];
	uint64_t now = now_ns ? now_ns : s->taken_ns;
	size_t old = 0, listed = 0;

	pt_text_duration(d, sizeof(d), now > s->start_ns ? (now - s->start_ns) / PT_NS_PER_S : 0);
	fprintf(out, "proptrack: %s %s, watched for %s, %llu quer%s\n", s->domain,
		pt_rrtype_name(s->qtype, ty, sizeof(ty)), d, (unsigned long long)s->queries,
		s->queries == 1 ? "y" : "ies");
	fprintf(out, "  truth: %s", pt_truth_source_name(s->truth.source));
	if (s->truth.has_serial) {
		fprintf(out, " serial %u", s->truth.serial);
	}
	if (s->truth.source != PT_TRUTH_NONE) {
		pt_answer_summary(text, sizeof(text), &s->truth.answer, " | ");
		fprintf(out, ": %s", text);
	}
	fprintf(out, "\n  %s", pt_output_counts_text(text, sizeof(text), &s->counts));
	if (s->converged) {
		fprintf(out, " - %s\n", pt_output_converged_text(text, sizeof(text), s));
	} else {
		verdict_words(out, s->reasons, false);
		fputc('\n', out);
	}
	for (size_t i = 0; i < s->nrows; i++) {
		old += pt_verdict_is_old(pt_snapshot_row(s, i)->verdict);
	}
	if (old == 0) {
		return;
	}
	fprintf(out, "  still serving an old answer (%zu):\n", old);
	for (size_t i = 0; i < s->nrows && listed < max_list; i++) {
		const struct pt_row *r = pt_snapshot_row(s, i);

		if (!pt_verdict_is_old(r->verdict)) {
			continue;
		}
		listed++;
		pt_output_address(addr, sizeof(addr), r->resolver);
		pt_output_answer_cell(text, sizeof(text), r, " | ");
		fprintf(out, "    %s%s%s%s  %s\n", r->resolver->label,
			r->resolver->label[0] ? " (" : "", addr, r->resolver->label[0] ? ")" : "",
			text);
	}
	if (listed < old) {
		fprintf(out, "    and %zu more\n", old - listed);
	}
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
		"\n%zu resolver%s: %zu recursive, %zu refused, %zu not recursive, %zu "
		"servfail, "
		"%zu timeout, %zu error\n",
		n, n == 1 ? "" : "s", counts[PT_PROBE_RECURSIVE], counts[PT_PROBE_REFUSED],
		counts[PT_PROBE_NOT_RECURSIVE], counts[PT_PROBE_SERVFAIL], counts[PT_PROBE_TIMEOUT],
		counts[PT_PROBE_ERROR]);
}

/* ---- the vantage sources ---- */

struct share {
	char key[16];
	size_t match, judged;
};

static void share_add(struct share *t, size_t *n, size_t max, const char *key,
		      const struct pt_row *r)
{
	size_t i;

	for (i = 0; i < *n && strcmp(t[i].key, key) != 0; i++) {
	}
	if (i == *n) {
		if (*n == max) {
			return;
		}
		snprintf(t[i].key, sizeof(t[i].key), "%s", key);
		t[i].match = t[i].judged = 0;
		(*n)++;
	}
	t[i].judged += pt_verdict_is_judged(r->verdict);
	t[i].match += r->verdict == PT_VERDICT_MATCH;
}

bool pt_output_sources_text(char *buf, size_t size, const struct pt_snapshot *s, size_t max)
{
	struct share src[PT_SOURCE_COUNT], cc[64];
	size_t nsrc = 0, ncc = 0, used;

	buf[0] = '\0';
	/* a list of local resolvers alone (the common case, 100,000 of them in a bulk sweep)
	 * says nothing here: found without the shares' string compares */
	if (size == 0 || pt_snapshot_probes(s) == 0) {
		return false;
	}
	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = pt_snapshot_row(s, i);
		const struct pt_vantage *v = &r->resolver->vantage;

		share_add(src, &nsrc, PT_SOURCE_COUNT, pt_source_name(v->source), r);
		if (v->country[0] != '\0') {
			share_add(cc, &ncc, 64, v->country, r);
		}
	}
	used = (size_t)snprintf(buf, size, "sources:");
	for (size_t i = 0; i < nsrc && used < size; i++) {
		used += (size_t)snprintf(buf + used, size - used, "%s %s %zu/%zu match",
					 i ? "," : "", src[i].key, src[i].match, src[i].judged);
	}
	for (size_t i = 0; i < ncc && i < max && used < size; i++) {
		used += (size_t)snprintf(buf + used, size - used, "%s %s %zu/%zu",
					 i ? "," : "; by country:", cc[i].key, cc[i].match,
					 cc[i].judged);
	}
	if (ncc > max && used < size) {
		snprintf(buf + used, size - used, " and %zu more", ncc - max);
	}
	return true;
}
