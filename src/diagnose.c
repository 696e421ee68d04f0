#include "diagnose.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netclass.h"
#include "truth.h"

/* Query types used here (RFC 1035, RFC 3596, RFC 4034). */
enum {
	PT_T_A = 1,
	PT_T_NS = 2,
	PT_T_CNAME = 5,
	PT_T_SOA = 6,
	PT_T_MX = 15,
	PT_T_AAAA = 28,
	PT_T_DNSKEY = 48,
};

/* Resolvers used for plain lookups (zone cut, NS names, MX targets): the first few. */
#define PT_DIAG_HELPERS 3
/* Caps that keep one diagnosis small whatever the zone publishes. */
#define PT_DIAG_MAX_NS 16
#define PT_DIAG_MAX_ADDRS 4
#define PT_DIAG_MAX_TARGETS 16
/* RFC 1912 §2.2 / common advice: above an hour an MX change lingers noticeably. */
#define PT_DIAG_TTL_HIGH 3600

/* ------------------------------------------------------------------------------------------
 * A growable text buffer for JSON data objects. On allocation failure it stops growing and
 * remembers it (oom); the caller checks once at the end.
 */
struct pt_jbuf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

static void pt_jb_grow(struct pt_jbuf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->oom || b->len + more + 1 <= b->cap) {
		return;
	}
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1) {
		cap *= 2;
	}
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return;
	}
	b->s = s;
	b->cap = cap;
}

__attribute__((format(printf, 2, 3))) static void pt_jb_printf(struct pt_jbuf *b, const char *fmt,
							       ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	pt_jb_grow(b, (size_t)n);
	if (b->oom) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append @s as a JSON string; bytes >= 0x80 pass through (our text is ASCII or UTF-8). */
static void pt_jb_str(struct pt_jbuf *b, const char *s)
{
	pt_jb_printf(b, "\"");
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			pt_jb_printf(b, "\\%c", ch);
		} else if (ch < 0x20 || ch == 0x7f) {
			pt_jb_printf(b, "\\u%04x", ch);
		} else {
			pt_jb_printf(b, "%c", ch);
		}
	}
	pt_jb_printf(b, "\"");
}

/* Separator before the next member or element: nothing after '{' or '[', else a comma. */
static void pt_jb_sep(struct pt_jbuf *b)
{
	if (b->len > 0 && b->s && b->s[b->len - 1] != '{' && b->s[b->len - 1] != '[') {
		pt_jb_printf(b, ",");
	}
}

static void pt_jb_key(struct pt_jbuf *b, const char *key)
{
	pt_jb_sep(b);
	pt_jb_str(b, key);
	pt_jb_printf(b, ":");
}

static void pt_jb_kstr(struct pt_jbuf *b, const char *key, const char *v)
{
	pt_jb_key(b, key);
	pt_jb_str(b, v);
}

static void pt_jb_kint(struct pt_jbuf *b, const char *key, long long v)
{
	pt_jb_key(b, key);
	pt_jb_printf(b, "%lld", v);
}

static void pt_jb_kbool(struct pt_jbuf *b, const char *key, bool v)
{
	pt_jb_key(b, key);
	pt_jb_printf(b, "%s", v ? "true" : "false");
}

static void pt_jb_kstrv(struct pt_jbuf *b, const char *key, char *const *v, size_t n)
{
	pt_jb_key(b, key);
	pt_jb_printf(b, "[");
	for (size_t i = 0; i < n; i++) {
		pt_jb_sep(b);
		pt_jb_str(b, v[i]);
	}
	pt_jb_printf(b, "]");
}

static void pt_jb_open(struct pt_jbuf *b, const char *key, char bracket)
{
	if (key) {
		pt_jb_key(b, key);
	} else {
		pt_jb_sep(b);
	}
	pt_jb_printf(b, "%c", bracket);
}

static void pt_jb_close(struct pt_jbuf *b, char bracket)
{
	pt_jb_printf(b, "%c", bracket);
}

/* ------------------------------------------------------------------------------------------
 * Small helpers over answers.
 */

static void pt_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

static void pt_reply_clear(struct pt_diag_reply *r)
{
	pt_answer_fini(&r->answer);
	memset(r, 0, sizeof(*r));
}

/* A reply that says something about the name: a valid DATA/NODATA/NXDOMAIN answer. */
static bool pt_reply_usable(const struct pt_diag_reply *r)
{
	return r->asked && r->result == PT_REPLY_OK &&
	       (r->answer.kind == PT_ANSWER_DATA || r->answer.kind == PT_ANSWER_NODATA ||
		r->answer.kind == PT_ANSWER_NXDOMAIN);
}

static const char *pt_result_text(const struct pt_diag_reply *r, char *buf, size_t size)
{
	if (!r->asked) {
		return "not asked";
	}
	switch (r->result) {
	case PT_REPLY_OK:
		break;
	case PT_REPLY_TIMEOUT:
		return "timeout";
	case PT_REPLY_MALFORMED:
		return "malformed reply";
	case PT_REPLY_UNREACHABLE:
		return "unreachable";
	default:
		return "could not send";
	}
	switch (r->answer.kind) {
	case PT_ANSWER_DATA:
		return "data";
	case PT_ANSWER_NODATA:
		return "NODATA";
	case PT_ANSWER_NXDOMAIN:
		return "NXDOMAIN";
	case PT_ANSWER_REFERRAL:
		return "referral";
	default:
		return pt_rcode_name(r->answer.rcode, buf, size);
	}
}

/* "10 a. 20 b." style summary of an answer for messages. */
static void pt_answer_text(char *buf, size_t size, const struct pt_answer *a)
{
	size_t used = 0;
	char rc[16];

	buf[0] = '\0';
	if (a->kind == PT_ANSWER_NXDOMAIN) {
		snprintf(buf, size, "NXDOMAIN");
		return;
	}
	if (a->kind == PT_ANSWER_NODATA) {
		snprintf(buf, size, "no MX (NODATA)");
		return;
	}
	if (a->kind == PT_ANSWER_RCODE) {
		snprintf(buf, size, "%s", pt_rcode_name(a->rcode, rc, sizeof(rc)));
		return;
	}
	for (size_t i = 0; i < a->count && used + 1 < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", a->rdata[i]);

		if (n < 0) {
			break;
		}
		used += (size_t)n;
	}
	if (a->count == 0) {
		snprintf(buf, size, "-");
	}
}

/* Split MX RDATA "10 mx.example." into preference and target. @return false if unreadable. */
static bool pt_mx_split(const char *rdata, unsigned *pref, char *target, size_t size)
{
	char *end;
	unsigned long p = strtoul(rdata, &end, 10);

	if (end == rdata || *end != ' ' || p > 65535) {
		return false;
	}
	while (*end == ' ') {
		end++;
	}
	if (!*end) {
		return false;
	}
	*pref = (unsigned)p;
	snprintf(target, size, "%s", end);
	return true;
}

static bool pt_mx_is_null_target(const char *target)
{
	return strcmp(target, ".") == 0;
}

/* SOA RDATA "mname rname serial refresh retry expire minimum": the MINIMUM field. */
static bool pt_soa_minimum(const char *rdata, uint32_t *minimum)
{
	const char *p = rdata;
	char *end;
	unsigned long v;

	for (int field = 0; field < 6; field++) {
		p = strchr(p, ' ');
		if (!p) {
			return false;
		}
		while (*p == ' ') {
			p++;
		}
	}
	v = strtoul(p, &end, 10);
	if (end == p) {
		return false;
	}
	*minimum = (uint32_t)v;
	return true;
}

static void pt_server_label(char *buf, size_t size, const char *name, const char *address,
			    uint16_t port)
{
	char where[PT_ADDRESS_MAX + 16];

	if (port == 53 || port == 0) {
		snprintf(where, sizeof(where), "%s", address);
	} else if (strchr(address, ':')) {
		snprintf(where, sizeof(where), "[%s]:%u", address, (unsigned)port);
	} else {
		snprintf(where, sizeof(where), "%s:%u", address, (unsigned)port);
	}
	if (name && *name && !*address) {
		snprintf(buf, size, "%s", name);
	} else if (name && *name) {
		snprintf(buf, size, "%s (%s)", name, where);
	} else {
		snprintf(buf, size, "%s", where);
	}
}

static void pt_resolver_label(char *buf, size_t size, const struct pt_resolver *r)
{
	pt_server_label(buf, size, r->label, r->address, r->port);
}

/* ------------------------------------------------------------------------------------------
 * Facts and diagnosis lifetime.
 */

void pt_diag_facts_fini(struct pt_diag_facts *f)
{
	if (!f) {
		return;
	}
	pt_strv_free(f->ns_names, f->nns_names);
	for (size_t i = 0; i < f->nauth; i++) {
		struct pt_diag_auth *a = &f->auth[i];

		pt_reply_clear(&a->soa);
		pt_reply_clear(&a->mx);
		pt_reply_clear(&a->ns);
		pt_reply_clear(&a->cname);
		pt_reply_clear(&a->dnskey);
	}
	free(f->auth);
	for (size_t i = 0; i < f->nparents; i++) {
		pt_reply_clear(&f->parents[i].ns);
		pt_strv_free(f->parents[i].delegation, f->parents[i].ndelegation);
	}
	free(f->parents);
	pt_answer_fini(&f->mx);
	for (size_t i = 0; i < f->nresolvers; i++) {
		pt_reply_clear(&f->resolvers[i].mx);
		pt_reply_clear(&f->resolvers[i].mx_cd);
	}
	free(f->resolvers);
	for (size_t i = 0; i < f->ntargets; i++) {
		pt_reply_clear(&f->targets[i].a);
		pt_reply_clear(&f->targets[i].aaaa);
		free(f->targets[i].addrs);
	}
	free(f->targets);
	memset(f, 0, sizeof(*f));
}

void pt_diagnosis_fini(struct pt_diagnosis *d)
{
	if (!d) {
		return;
	}
	for (size_t i = 0; i < d->nchecks; i++) {
		free(d->checks[i].data_json);
	}
	free(d->checks);
	memset(d, 0, sizeof(*d));
}

int pt_diagnosis_exit_status(const struct pt_diagnosis *d)
{
	return d->summary[PT_CHECK_FAIL] > 0 ? 1 : 0;
}

const char *pt_check_status_name(enum pt_check_status s)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };

	if ((unsigned)s >= PT_CHECK_STATUS_COUNT) {
		return "skip";
	}
	return names[s];
}

const struct pt_check *pt_diagnosis_find(const struct pt_diagnosis *d, const char *id,
					 const char *subject)
{
	for (size_t i = 0; i < d->nchecks; i++) {
		if (strcmp(d->checks[i].id, id) == 0 &&
		    (!subject || strcmp(d->checks[i].subject, subject) == 0)) {
			return &d->checks[i];
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------------------------------
 * Judging. Each pt_judge_* adds one entry per subject; they only read the facts.
 */

struct pt_judge {
	struct pt_diagnosis *d;
	const struct pt_diag_facts *f;
	/* where writes go after an allocation failure, so callers need no NULL checks */
	struct pt_check scratch;
	bool oom;
};

static struct pt_check *pt_check_add(struct pt_judge *j, const char *id, const char *subject,
				     enum pt_check_status st, const char *rfc)
{
	struct pt_diagnosis *d = j->d;
	struct pt_check *c;

	if (d->nchecks == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct pt_check *v = realloc(d->checks, cap * sizeof(*v));

		if (!v) {
			j->oom = true;
			free(j->scratch.data_json);
			memset(&j->scratch, 0, sizeof(j->scratch));
			return &j->scratch;
		}
		d->checks = v;
		d->cap = cap;
	}
	c = &d->checks[d->nchecks++];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->subject, sizeof(c->subject), "%s", subject);
	snprintf(c->rfc, sizeof(c->rfc), "%s", rfc ? rfc : "");
	c->status = st;
	return c;
}

__attribute__((format(printf, 2, 3))) static void pt_check_msg(struct pt_check *c, const char *fmt,
							       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void pt_check_fix(struct pt_check *c, const char *fmt,
							       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

/* Take the data object built in @b (closing it) as the check's data. */
static void pt_check_data(struct pt_judge *j, struct pt_check *c, struct pt_jbuf *b)
{
	pt_jb_close(b, '}');
	if (b->oom) {
		j->oom = true;
		free(b->s);
		return;
	}
	free(c->data_json);
	c->data_json = b->s;
}

/* Give @c a copy of the JSON object text @json (NULL: no data). */
static void pt_check_data_copy(struct pt_judge *j, struct pt_check *c, const char *json)
{
	if (!json) {
		return;
	}
	free(c->data_json);
	c->data_json = strdup(json);
	if (!c->data_json) {
		j->oom = true;
	}
}

/* The servers that answer the zone's SOA authoritatively ("good" servers). */
static bool pt_auth_good(const struct pt_diag_auth *a)
{
	return *a->address && a->soa.asked && a->soa.result == PT_REPLY_OK &&
	       a->soa.answer.kind == PT_ANSWER_DATA && (a->soa.answer.flags & PT_FLAG_AA) &&
	       a->soa.answer.has_serial;
}

/* Index of the good server with the highest serial, or -1. */
static long pt_auth_best(const struct pt_diag_facts *f)
{
	long best = -1;

	for (size_t i = 0; i < f->nauth; i++) {
		if (!pt_auth_good(&f->auth[i])) {
			continue;
		}
		if (best < 0 || pt_serial_cmp(f->auth[i].soa.answer.serial,
					      f->auth[best].soa.answer.serial) > 0) {
			best = (long)i;
		}
	}
	return best;
}

static void pt_jb_server(struct pt_jbuf *b, const char *name, const char *address, uint16_t port)
{
	pt_jb_kstr(b, "name", name);
	pt_jb_kstr(b, "address", address);
	pt_jb_kint(b, "port", port);
}

static void pt_judge_lame(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;

	if (f->nauth == 0) {
		struct pt_check *c = pt_check_add(j, "ns-lame", zone, PT_CHECK_SKIP, "");

		pt_check_msg(c, "no authoritative server found for %s", zone);
		return;
	}
	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];
		const struct pt_answer *ans = &a->soa.answer;
		char subject[256 + PT_ADDRESS_MAX + 16], buf[32];
		struct pt_check *c;
		struct pt_jbuf b = { 0 };
		const char *why = NULL;
		enum pt_check_status st = PT_CHECK_FAIL;

		pt_server_label(subject, sizeof(subject), a->name, a->address, a->port);
		if (!*a->address) {
			why = "has no address (no A or AAAA record)";
		} else if (!a->soa.asked) {
			st = PT_CHECK_SKIP;
		} else if (strchr(a->address, ':') && (a->soa.result == PT_REPLY_UNREACHABLE ||
						       a->soa.result == PT_REPLY_LOCAL_ERROR)) {
			/* this host probably has no IPv6 route; that says nothing about the server
			 */
			st = PT_CHECK_SKIP;
		} else if (a->soa.result == PT_REPLY_TIMEOUT) {
			why = "does not answer (timeout)";
		} else if (a->soa.result == PT_REPLY_UNREACHABLE) {
			why = "is unreachable (nothing listens on the DNS port)";
		} else if (a->soa.result != PT_REPLY_OK) {
			why = "sends unusable replies";
		} else if (ans->kind == PT_ANSWER_RCODE) {
			why = ans->rcode == 5	? "refuses queries for the zone (REFUSED)"
			      : ans->rcode == 2 ? "answers SERVFAIL for the zone"
						: "answers with an error rcode";
		} else if (ans->kind == PT_ANSWER_REFERRAL) {
			why = "answers with a referral instead of the zone's data";
		} else if (!(ans->flags & PT_FLAG_AA)) {
			why = "answers without authority (AA bit not set)";
		} else if (ans->kind != PT_ANSWER_DATA || !ans->has_serial) {
			why = "is authoritative but has no SOA for the zone";
		} else {
			st = PT_CHECK_PASS;
		}
		c = pt_check_add(j, "ns-lame", subject, st,
				 st == PT_CHECK_FAIL ? "RFC 1912 §2.8" : "");
		if (st == PT_CHECK_PASS) {
			pt_check_msg(c, "answers authoritatively for %s (serial %u)", zone,
				     (unsigned)ans->serial);
		} else if (st == PT_CHECK_SKIP) {
			pt_check_msg(c, a->soa.asked ? "unreachable over IPv6 from here (no IPv6 "
						       "route?)"
						     : "not asked");
		} else {
			pt_check_msg(c,
				     "%s %s: lame delegation; resolvers that pick it fail or "
				     "retry",
				     subject, why);
			pt_check_fix(
				c,
				"make %s serve %s authoritatively (load the zone there), or "
				"remove it from the zone's NS records and the delegation at the "
				"parent",
				*a->name ? a->name : a->address, zone);
		}
		pt_jb_open(&b, NULL, '{');
		pt_jb_server(&b, a->name, a->address, a->port);
		pt_jb_kstr(&b, "reply", pt_result_text(&a->soa, buf, sizeof(buf)));
		pt_jb_kbool(&b, "aa", a->soa.result == PT_REPLY_OK && (ans->flags & PT_FLAG_AA));
		if (a->soa.result == PT_REPLY_OK && ans->has_serial) {
			pt_jb_kint(&b, "serial", ans->serial);
		}
		pt_check_data(j, c, &b);
	}
}

static void pt_judge_serial(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	long best = pt_auth_best(f);
	struct pt_check *c;
	struct pt_jbuf b = { 0 };
	char lag[400] = "";
	size_t nlag = 0, ngood = 0, used = 0;

	if (best < 0) {
		c = pt_check_add(j, "auth-serial-consistent", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no name server answered the SOA authoritatively");
		return;
	}
	pt_jb_open(&b, NULL, '{');
	pt_jb_kint(&b, "highest", f->auth[best].soa.answer.serial);
	pt_jb_open(&b, "servers", '[');
	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];
		char who[256 + PT_ADDRESS_MAX + 16];

		if (!pt_auth_good(a)) {
			continue;
		}
		ngood++;
		pt_jb_open(&b, NULL, '{');
		pt_jb_server(&b, a->name, a->address, a->port);
		pt_jb_kint(&b, "serial", a->soa.answer.serial);
		pt_jb_close(&b, '}');
		if (a->soa.answer.serial == f->auth[best].soa.answer.serial) {
			continue;
		}
		nlag++;
		pt_server_label(who, sizeof(who), a->name, a->address, a->port);
		if (used + 1 < sizeof(lag)) {
			int n = snprintf(lag + used, sizeof(lag) - used, "%s%s serves serial %u",
					 nlag > 1 ? "; " : "", who, (unsigned)a->soa.answer.serial);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	pt_jb_close(&b, ']');
	if (nlag == 0) {
		c = pt_check_add(j, "auth-serial-consistent", zone, PT_CHECK_PASS, "");
		pt_check_msg(c, "all %zu answering name servers serve serial %u", ngood,
			     (unsigned)f->auth[best].soa.answer.serial);
	} else {
		c = pt_check_add(j, "auth-serial-consistent", zone, PT_CHECK_WARN, "RFC 1996");
		pt_check_msg(c, "%s, behind the highest serial %u", lag,
			     (unsigned)f->auth[best].soa.answer.serial);
		pt_check_fix(c, "make the lagging server(s) transfer the zone again: check NOTIFY "
				"and AXFR/IXFR from the primary (allow-notify / provide-xfr / "
				"also-notify) and the primary's logs");
	}
	pt_check_data(j, c, &b);
}

static void pt_judge_auth_mx(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	long best = pt_auth_best(f);
	struct pt_check *c;
	struct pt_jbuf b = { 0 };
	const struct pt_answer *ref;
	char odd[400] = "";
	size_t nodd = 0, nseen = 0, used = 0;

	if (best < 0 || !pt_reply_usable(&f->auth[best].mx)) {
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no name server answered the MX query authoritatively");
		return;
	}
	ref = &f->auth[best].mx.answer;
	pt_jb_open(&b, NULL, '{');
	pt_jb_open(&b, "servers", '[');
	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];
		char who[256 + PT_ADDRESS_MAX + 16], text[200];

		if (!pt_auth_good(a) || !pt_reply_usable(&a->mx)) {
			continue;
		}
		nseen++;
		pt_jb_open(&b, NULL, '{');
		pt_jb_server(&b, a->name, a->address, a->port);
		pt_jb_kint(&b, "serial", a->soa.answer.serial);
		pt_jb_kstrv(&b, "answer", a->mx.answer.rdata, a->mx.answer.count);
		pt_jb_close(&b, '}');
		if (pt_answer_same(&a->mx.answer, ref)) {
			continue;
		}
		nodd++;
		pt_server_label(who, sizeof(who), a->name, a->address, a->port);
		pt_answer_text(text, sizeof(text), &a->mx.answer);
		if (used + 1 < sizeof(odd)) {
			int n = snprintf(odd + used, sizeof(odd) - used,
					 "%s%s (serial %u) serves %s", nodd > 1 ? "; " : "", who,
					 (unsigned)a->soa.answer.serial, text);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	pt_jb_close(&b, ']');
	pt_jb_kstrv(&b, "reference", ref->rdata, ref->count);
	if (nodd == 0) {
		char text[300];

		pt_answer_text(text, sizeof(text), ref);
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_PASS, "");
		pt_check_msg(c, "all %zu answering name servers serve the same MX RRset (%s)",
			     nseen, text);
	} else {
		char text[200];

		pt_answer_text(text, sizeof(text), ref);
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_FAIL, "RFC 1034 §4.3.5");
		pt_check_msg(c, "name servers disagree: %s, the newest serves %s", odd, text);
		pt_check_fix(c,
			     "resolvers asking the outdated server(s) keep getting the old MX: fix "
			     "zone transfers to them (see auth-serial-consistent) or update them");
	}
	pt_check_data(j, c, &b);
}

static int pt_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool pt_strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

/* Join the names of @a missing from @b into @buf. @return how many. */
static size_t pt_strv_minus(char *buf, size_t size, char *const *a, size_t na, char *const *b,
			    size_t nb)
{
	size_t used = 0, n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < na; i++) {
		if (pt_strv_has(b, nb, a[i])) {
			continue;
		}
		n++;
		if (used + 1 < size) {
			int w = snprintf(buf + used, size - used, "%s%s", n > 1 ? ", " : "", a[i]);

			used += w > 0 ? (size_t)w : 0;
		}
	}
	return n;
}

static void pt_judge_parent_child(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	long best = pt_auth_best(f);
	char *const *child = f->ns_names;
	size_t nchild = f->nns_names;
	char **parent = NULL;
	size_t nparent = 0, nmissing, nextra, common = 0;
	char missing[200], extra[200];
	struct pt_check *c;
	struct pt_jbuf b = { 0 };

	if (!*f->zone || strcmp(f->zone, ".") == 0) {
		c = pt_check_add(j, "ns-parent-child", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c, *f->zone ? "the root zone has no parent" : "zone not found");
		return;
	}
	if (best >= 0 && f->auth[best].ns.asked && f->auth[best].ns.result == PT_REPLY_OK &&
	    f->auth[best].ns.answer.kind == PT_ANSWER_DATA) {
		child = f->auth[best].ns.answer.rdata;
		nchild = f->auth[best].ns.answer.count;
	}
	/* The parents normally agree with each other; take the first that could be read. */
	for (size_t i = 0; i < f->nparents && !parent; i++) {
		if (f->parents[i].delegation_known) {
			parent = f->parents[i].delegation;
			nparent = f->parents[i].ndelegation;
		}
	}
	if (!parent || nchild == 0) {
		c = pt_check_add(j, "ns-parent-child", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c,
			     !parent ? "could not read the delegation from a %s server"
				     : "could not read the zone's own NS records",
			     *f->parent_zone ? f->parent_zone : "parent zone");
		return;
	}
	nmissing = pt_strv_minus(missing, sizeof(missing), child, nchild, parent, nparent);
	nextra = pt_strv_minus(extra, sizeof(extra), parent, nparent, child, nchild);
	for (size_t i = 0; i < nchild; i++) {
		common += pt_strv_has(parent, nparent, child[i]);
	}
	pt_jb_open(&b, NULL, '{');
	pt_jb_kstr(&b, "parent_zone", f->parent_zone);
	pt_jb_kstrv(&b, "parent", parent, nparent);
	pt_jb_kstrv(&b, "child", child, nchild);
	if (nmissing == 0 && nextra == 0) {
		c = pt_check_add(j, "ns-parent-child", zone, PT_CHECK_PASS, "");
		pt_check_msg(c,
			     "the delegation in %s and the zone's NS records agree (%zu servers)",
			     f->parent_zone, nchild);
	} else {
		c = pt_check_add(j, "ns-parent-child", zone, common ? PT_CHECK_WARN : PT_CHECK_FAIL,
				 "RFC 1034 §4.2.2");
		pt_check_msg(c, "the delegation in %s and the zone's NS records differ:%s%s%s%s",
			     f->parent_zone, nextra ? " only at the parent: " : "", extra,
			     nmissing ? (nextra ? "; only in the zone: " : " only in the zone: ")
				      : "",
			     missing);
		pt_check_fix(c, "make the NS set at the registrar (the parent's delegation) and "
				"the NS records in the zone list the same servers");
	}
	pt_check_data(j, c, &b);
}

/* The CNAME at the domain, from the authoritative servers (else the resolvers' MX answer). */
static void pt_judge_apex_cname(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *target = NULL;
	bool known = false, other = false, apex = *f->zone && strcmp(f->zone, f->domain) == 0;
	struct pt_check *c;
	struct pt_jbuf b = { 0 };

	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];

		if (!pt_reply_usable(&a->cname)) {
			continue;
		}
		known = true;
		if (a->cname.answer.kind == PT_ANSWER_DATA && a->cname.answer.count > 0 &&
		    !target) {
			target = a->cname.answer.rdata[0];
		}
		/* MX records owned by the name itself (not reached through the alias). */
		if (pt_reply_usable(&a->mx) && a->mx.answer.kind == PT_ANSWER_DATA &&
		    a->mx.answer.ncnames == 0) {
			other = true;
		}
	}
	if (!known && f->mx_source != PT_DIAG_MX_NONE) {
		known = true;
		if (f->mx.ncnames > 0) {
			target = f->mx.cnames[0];
		}
	}
	if (!known) {
		c = pt_check_add(j, "apex-cname", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "could not ask for a CNAME at %s", f->domain);
		return;
	}
	pt_jb_open(&b, NULL, '{');
	pt_jb_kstr(&b, "cname", target ? target : "");
	pt_jb_kbool(&b, "apex", apex);
	pt_jb_kbool(&b, "other_data", other || apex);
	if (!target) {
		c = pt_check_add(j, "apex-cname", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "no CNAME at %s", f->domain);
	} else if (other || apex) {
		c = pt_check_add(j, "apex-cname", f->domain, PT_CHECK_FAIL,
				 "RFC 1034 §3.6.2, RFC 2181 §10.1");
		pt_check_msg(c,
			     "%s has a CNAME (to %s) next to other data (%s): a CNAME cannot "
			     "coexist with other records, so resolvers may answer the alias or the "
			     "MX unpredictably",
			     f->domain, target,
			     apex ? "it is the zone apex with SOA and NS" : "MX records");
		pt_check_fix(c,
			     "remove the CNAME at %s; if it should point elsewhere, publish "
			     "the needed A/AAAA/MX records there instead",
			     f->domain);
	} else {
		c = pt_check_add(j, "apex-cname", f->domain, PT_CHECK_WARN, "RFC 5321 §5.1");
		pt_check_msg(c, "%s is an alias (CNAME) of %s: mail uses %s's MX records",
			     f->domain, target, target);
		pt_check_fix(c,
			     "publish MX records at %s itself if it should receive mail "
			     "independently of %s",
			     f->domain, target);
	}
	pt_check_data(j, c, &b);
}

static void pt_jb_mx(struct pt_jbuf *b, const struct pt_diag_facts *f)
{
	pt_jb_kstr(b, "source",
		   f->mx_source == PT_DIAG_MX_AUTHORITATIVE ? "authoritative"
		   : f->mx_source == PT_DIAG_MX_RESOLVERS   ? "resolvers"
							    : "none");
	pt_jb_kstrv(b, "answer", f->mx.rdata, f->mx.count);
	if (f->has_serial) {
		pt_jb_kint(b, "serial", f->serial);
	}
}

/* Checks of the MX RRset as a whole. */
static void pt_judge_mx_set(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const struct pt_answer *mx = &f->mx;
	size_t nnull = 0, nreal = 0, nsame = 0, ndistinct = 0;
	unsigned null_pref = 0;
	char text[300], dup[256] = "";
	struct pt_check *c;
	struct pt_jbuf b = { 0 };
	char *mxdata;
	bool data = f->mx_source != PT_DIAG_MX_NONE && mx->kind == PT_ANSWER_DATA;

	pt_jb_open(&b, NULL, '{');
	pt_jb_mx(&b, f);
	pt_jb_close(&b, '}');
	if (b.oom) {
		j->oom = true;
	}
	mxdata = b.s;
	pt_answer_text(text, sizeof(text), mx);
	if (f->mx_source == PT_DIAG_MX_NONE || mx->kind == PT_ANSWER_RCODE ||
	    mx->kind == PT_ANSWER_REFERRAL) {
		c = pt_check_add(j, "mx-exists", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no server answered the MX query for %s", f->domain);
	} else if (mx->kind == PT_ANSWER_NXDOMAIN) {
		c = pt_check_add(j, "mx-exists", f->domain, PT_CHECK_FAIL, "RFC 5321 §5.1");
		pt_check_msg(c, "%s does not exist (NXDOMAIN)%s", f->domain,
			     f->mx_source == PT_DIAG_MX_RESOLVERS ? " according to the resolvers"
								  : "");
		pt_check_fix(c, "create %s in the zone %s with MX records naming your mail servers",
			     f->domain, *f->zone ? f->zone : "it belongs to");
	} else if (mx->kind == PT_ANSWER_NODATA) {
		c = pt_check_add(j, "mx-exists", f->domain, PT_CHECK_FAIL, "RFC 5321 §5.1");
		pt_check_msg(c,
			     "%s has no MX records; senders fall back to its A/AAAA records "
			     "(implicit MX), if any",
			     f->domain);
		pt_check_fix(c, "add MX records for %s, e.g. \"%s 3600 IN MX 10 mail.%s\"",
			     f->domain, f->domain, f->domain);
	} else {
		c = pt_check_add(j, "mx-exists", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "%zu MX record%s%s: %s", mx->count, mx->count == 1 ? "" : "s",
			     f->mx_source == PT_DIAG_MX_RESOLVERS
				     ? " (from the resolvers: no authoritative server answered)"
				     : "",
			     text);
	}
	pt_check_data_copy(j, c, mxdata);

	for (size_t i = 0; data && i < mx->count; i++) {
		unsigned pref;
		char target[256];

		if (!pt_mx_split(mx->rdata[i], &pref, target, sizeof(target))) {
			continue;
		}
		if (pt_mx_is_null_target(target)) {
			nnull++;
			null_pref = pref;
			continue;
		}
		nreal++;
		for (size_t k = 0; k < i; k++) {
			unsigned p2;
			char t2[256];

			if (strcasecmp(mx->rdata[k], mx->rdata[i]) == 0) {
				nsame++;
			} else if (pt_mx_split(mx->rdata[k], &p2, t2, sizeof(t2)) &&
				   strcasecmp(t2, target) == 0 && !*dup) {
				snprintf(dup, sizeof(dup), "%s", target);
			}
		}
	}
	ndistinct = nreal;
	for (size_t i = 0; data && i < mx->count; i++) {
		for (size_t k = 0; k < i; k++) {
			unsigned p1, p2;
			char t1[256], t2[256];

			if (pt_mx_split(mx->rdata[i], &p1, t1, sizeof(t1)) &&
			    pt_mx_split(mx->rdata[k], &p2, t2, sizeof(t2)) &&
			    !pt_mx_is_null_target(t1) && strcasecmp(t1, t2) == 0) {
				ndistinct--;
				break;
			}
		}
	}

	/* mx-null / mx-null-mixed */
	if (!data) {
		c = pt_check_add(j, "mx-null", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX RRset to inspect");
		c = pt_check_add(j, "mx-null-mixed", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX RRset to inspect");
	} else {
		if (nnull == 0) {
			c = pt_check_add(j, "mx-null", f->domain, PT_CHECK_PASS, "");
			pt_check_msg(c, "not a null MX: %s accepts mail", f->domain);
		} else if (nreal == 0) {
			c = pt_check_add(j, "mx-null", f->domain, PT_CHECK_WARN, "RFC 7505");
			pt_check_msg(c, "null MX (\"%u .\"): %s declares that it accepts no mail%s",
				     null_pref, f->domain,
				     null_pref ? "; RFC 7505 asks for preference 0" : "");
			pt_check_fix(c,
				     "if %s should receive mail, replace the null MX with MX "
				     "records naming your mail servers",
				     f->domain);
		} else {
			c = pt_check_add(j, "mx-null", f->domain, PT_CHECK_SKIP, "RFC 7505");
			pt_check_msg(c,
				     "a null MX is mixed with other MX records: see mx-null-mixed");
		}
		pt_check_data_copy(j, c, mxdata);
		if (nnull > 0 && nreal > 0) {
			c = pt_check_add(j, "mx-null-mixed", f->domain, PT_CHECK_FAIL,
					 "RFC 7505 §3");
			pt_check_msg(c,
				     "a null MX (\"0 .\") is published together with %zu other MX "
				     "record%s: senders must treat this as broken",
				     nreal, nreal == 1 ? "" : "s");
			pt_check_fix(c,
				     "remove the \"0 .\" record if %s receives mail, or remove "
				     "every other MX record if it does not",
				     f->domain);
		} else {
			c = pt_check_add(j, "mx-null-mixed", f->domain, PT_CHECK_PASS, "");
			pt_check_msg(c, nnull ? "the null MX stands alone, as RFC 7505 requires"
					      : "no null MX among the records");
		}
		pt_check_data_copy(j, c, mxdata);
	}

	/* mx-ip-literal, per target */
	for (size_t i = 0; i < f->ntargets; i++) {
		const struct pt_diag_target *t = &f->targets[i];
		struct pt_jbuf tb = { 0 };

		if (t->literal) {
			c = pt_check_add(j, "mx-ip-literal", t->name, PT_CHECK_FAIL,
					 "RFC 5321 §5.1");
			pt_check_msg(c,
				     "the MX target %s is an IP address, not a host name: senders "
				     "look it up as a name and find nothing",
				     t->name);
			pt_check_fix(c,
				     "add a host name (e.g. mail.%s) with an A/AAAA record for the "
				     "address and use that name in the MX record",
				     f->domain);
		} else {
			c = pt_check_add(j, "mx-ip-literal", t->name, PT_CHECK_PASS, "");
			pt_check_msg(c, "%s is a host name", t->name);
		}
		pt_jb_open(&tb, NULL, '{');
		pt_jb_kstr(&tb, "target", t->name);
		pt_jb_kint(&tb, "preference", t->preference);
		pt_check_data(j, c, &tb);
	}
	if (data && nreal == 0 && f->ntargets == 0) {
		c = pt_check_add(j, "mx-ip-literal", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX target to inspect");
	} else if (!data) {
		c = pt_check_add(j, "mx-ip-literal", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX RRset to inspect");
	}

	/* mx-duplicate */
	if (!data || nreal == 0) {
		c = pt_check_add(j, "mx-duplicate", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX target to compare");
	} else if (nsame > 0) {
		c = pt_check_add(j, "mx-duplicate", f->domain, PT_CHECK_FAIL, "RFC 2181 §5");
		pt_check_msg(c, "the MX RRset holds identical records");
		pt_check_fix(c, "remove the duplicate MX records");
	} else if (*dup) {
		c = pt_check_add(j, "mx-duplicate", f->domain, PT_CHECK_WARN, "");
		pt_check_msg(c,
			     "%s is listed more than once with different preferences; the extra "
			     "record adds no backup",
			     dup);
		pt_check_fix(c, "keep one MX record per mail host; use another host for a backup");
	} else {
		c = pt_check_add(j, "mx-duplicate", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "no two MX records name the same host");
	}
	pt_check_data_copy(j, c, mxdata);

	/* mx-single */
	if (!data || nreal == 0) {
		c = pt_check_add(j, "mx-single", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, nnull ? "null MX: no mail host at all" : "no MX RRset to inspect");
	} else if (ndistinct == 1) {
		c = pt_check_add(j, "mx-single", f->domain, PT_CHECK_WARN, "RFC 5321 §5.1");
		pt_check_msg(c, "only one mail host: while it is down, senders queue mail and "
				"retry, with no backup to take it");
		pt_check_fix(c, "add a second MX record with a higher preference value naming a "
				"backup mail host (if you run one)");
	} else {
		c = pt_check_add(j, "mx-single", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "%zu mail hosts", ndistinct);
	}
	pt_check_data_copy(j, c, mxdata);
	free(mxdata);
}

/* Did the lookups of a target say anything? */
static bool pt_target_known(const struct pt_diag_target *t)
{
	return pt_reply_usable(&t->a) || pt_reply_usable(&t->aaaa);
}

/* The name exists unless a lookup says NXDOMAIN for it directly (not after an alias). */
static bool pt_target_nxdomain(const struct pt_diag_target *t)
{
	const struct pt_diag_reply *r[2] = { &t->a, &t->aaaa };

	for (int i = 0; i < 2; i++) {
		if (pt_reply_usable(r[i]) && r[i]->answer.kind == PT_ANSWER_NXDOMAIN &&
		    r[i]->answer.ncnames == 0) {
			return true;
		}
	}
	return false;
}

static const char *pt_target_alias(const struct pt_diag_target *t)
{
	if (pt_reply_usable(&t->a) && t->a.answer.ncnames > 0) {
		return t->a.answer.cnames[0];
	}
	if (pt_reply_usable(&t->aaaa) && t->aaaa.answer.ncnames > 0) {
		return t->aaaa.answer.cnames[0];
	}
	return NULL;
}

static void pt_jb_target(struct pt_jbuf *b, const struct pt_diag_target *t)
{
	char buf[32];

	pt_jb_kstr(b, "target", t->name);
	pt_jb_kint(b, "preference", t->preference);
	pt_jb_kstr(b, "a", pt_result_text(&t->a, buf, sizeof(buf)));
	pt_jb_kstr(b, "aaaa", pt_result_text(&t->aaaa, buf, sizeof(buf)));
	pt_jb_key(b, "addresses");
	pt_jb_printf(b, "[");
	for (size_t i = 0; i < t->naddrs; i++) {
		pt_jb_sep(b);
		pt_jb_str(b, t->addrs[i].address);
	}
	pt_jb_printf(b, "]");
	pt_jb_kstrv(b, "cnames", t->a.answer.cnames, t->a.answer.ncnames);
}

static void pt_judge_targets(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	struct pt_check *c;

	if (f->ntargets == 0) {
		static const char *const ids[] = { "mx-target-exists", "mx-target-cname",
						   "mx-target-address", "mx-target-address-range" };

		for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			c = pt_check_add(j, ids[k], f->domain, PT_CHECK_SKIP, "");
			pt_check_msg(c, "no MX target to inspect");
		}
		return;
	}
	for (size_t i = 0; i < f->ntargets; i++) {
		const struct pt_diag_target *t = &f->targets[i];
		struct pt_jbuf b = { 0 };
		char *tdata;
		const char *alias = pt_target_alias(t);
		bool known = !t->literal && pt_target_known(t);
		bool nx = known && pt_target_nxdomain(t);
		char buf[32];

		pt_jb_open(&b, NULL, '{');
		pt_jb_target(&b, t);
		pt_jb_close(&b, '}');
		if (b.oom) {
			j->oom = true;
		}
		tdata = b.s;

		/* mx-target-exists */
		if (t->literal) {
			c = pt_check_add(j, "mx-target-exists", t->name, PT_CHECK_SKIP, "");
			pt_check_msg(c, "an IP literal, not a name: see mx-ip-literal");
		} else if (!known) {
			c = pt_check_add(j, "mx-target-exists", t->name, PT_CHECK_SKIP, "");
			pt_check_msg(c, "could not look %s up (%s)", t->name,
				     pt_result_text(&t->a, buf, sizeof(buf)));
		} else if (nx) {
			c = pt_check_add(j, "mx-target-exists", t->name, PT_CHECK_FAIL,
					 "RFC 5321 §5.1");
			pt_check_msg(c,
				     "dangling MX: %s does not exist (NXDOMAIN), so mail to %s "
				     "cannot be delivered to it",
				     t->name, f->domain);
			pt_check_fix(c,
				     "create %s with A/AAAA records for the mail server, or point "
				     "the MX record at an existing mail host",
				     t->name);
		} else {
			c = pt_check_add(j, "mx-target-exists", t->name, PT_CHECK_PASS, "");
			pt_check_msg(c, "%s exists", t->name);
		}
		pt_check_data_copy(j, c, tdata);

		/* mx-target-cname */
		if (t->literal || !known || nx) {
			c = pt_check_add(j, "mx-target-cname", t->name, PT_CHECK_SKIP, "");
			pt_check_msg(c, "nothing to inspect");
		} else if (alias) {
			c = pt_check_add(j, "mx-target-cname", t->name, PT_CHECK_FAIL,
					 "RFC 2181 §10.3, RFC 5321 §5.1");
			pt_check_msg(c,
				     "%s is an alias (CNAME to %s); an MX target must name the "
				     "host itself, and some senders refuse aliases",
				     t->name, alias);
			pt_check_fix(c,
				     "point the MX record at %s (the canonical name), or replace "
				     "the CNAME at %s with A/AAAA records",
				     alias, t->name);
		} else {
			c = pt_check_add(j, "mx-target-cname", t->name, PT_CHECK_PASS, "");
			pt_check_msg(c, "%s is not an alias", t->name);
		}
		pt_check_data_copy(j, c, tdata);

		/* mx-target-address */
		if (t->literal || !known || (nx && !alias)) {
			c = pt_check_add(j, "mx-target-address", t->name, PT_CHECK_SKIP, "");
			pt_check_msg(c, "nothing to inspect");
		} else if (t->naddrs == 0) {
			c = pt_check_add(j, "mx-target-address", t->name, PT_CHECK_FAIL,
					 "RFC 5321 §5.1");
			pt_check_msg(c, "%s has no A or AAAA records: senders cannot connect to it",
				     t->name);
			pt_check_fix(c,
				     "add an A (and/or AAAA) record for %s with the mail server's "
				     "address",
				     alias ? alias : t->name);
		} else {
			char list[300] = "";
			size_t used = 0;

			for (size_t k = 0; k < t->naddrs && used + 1 < sizeof(list); k++) {
				int n = snprintf(list + used, sizeof(list) - used, "%s%s",
						 k ? ", " : "", t->addrs[k].address);

				used += n > 0 ? (size_t)n : 0;
			}
			c = pt_check_add(j, "mx-target-address", t->name, PT_CHECK_PASS, "");
			pt_check_msg(c, "%s has address%s %s", t->name, t->naddrs == 1 ? "" : "es",
				     list);
		}
		pt_check_data_copy(j, c, tdata);
		free(tdata);

		/* mx-target-address-range, per address */
		if (t->naddrs == 0) {
			c = pt_check_add(j, "mx-target-address-range", t->name, PT_CHECK_SKIP, "");
			pt_check_msg(c, "no address to classify");
		}
		for (size_t k = 0; k < t->naddrs; k++) {
			const char *addr = t->addrs[k].address;
			enum pt_netclass cls = pt_netclass_of(addr);
			struct pt_jbuf ab = { 0 };

			if (cls == PT_NET_GLOBAL) {
				c = pt_check_add(j, "mx-target-address-range", addr, PT_CHECK_PASS,
						 "");
				pt_check_msg(c, "%s (%s) is a global address", addr, t->name);
			} else {
				c = pt_check_add(j, "mx-target-address-range", addr, PT_CHECK_WARN,
						 pt_netclass_rfc(addr));
				pt_check_msg(
					c,
					"%s (%s) is a %s address (%s): senders on the Internet "
					"cannot reach it",
					addr, t->name, pt_netclass_name(cls),
					pt_netclass_rfc(addr));
				pt_check_fix(
					c,
					"publish the mail server's public address in the A/AAAA "
					"record of %s",
					alias ? alias : t->name);
			}
			pt_jb_open(&ab, NULL, '{');
			pt_jb_kstr(&ab, "target", t->name);
			pt_jb_kstr(&ab, "address", addr);
			pt_jb_kstr(&ab, "class", pt_netclass_name(cls));
			pt_check_data(j, c, &ab);
		}
	}
}

/* A resolver's MX answer against the reference: "match", "differ", "negative", ... */
static const char *pt_resolver_verdict(const struct pt_diag_facts *f,
				       const struct pt_diag_resolver *r)
{
	const struct pt_answer *a = &r->mx.answer;
	bool ref_neg = f->mx.kind != PT_ANSWER_DATA;

	if (!r->mx.asked) {
		return "pending";
	}
	if (r->mx.result == PT_REPLY_TIMEOUT || r->mx.result == PT_REPLY_UNREACHABLE) {
		return "timeout";
	}
	if (r->mx.result != PT_REPLY_OK) {
		return "error";
	}
	if (a->kind == PT_ANSWER_RCODE) {
		return a->rcode == 2 ? "servfail" : a->rcode == 5 ? "refused" : "error";
	}
	if (a->kind == PT_ANSWER_REFERRAL) {
		return "error";
	}
	if (pt_answer_same(a, &f->mx)) {
		return "match";
	}
	if ((a->kind != PT_ANSWER_DATA) != ref_neg) {
		return "negative";
	}
	return "differ";
}

static void pt_judge_propagation(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	size_t total = f->nresolvers, match = 0, stale = 0, neg = 0, servfail = 0, silent = 0;
	size_t errors = 0, used = 0;
	uint32_t expires = 0;
	char list[300] = "", when[40], ref[200];
	struct pt_check *c;
	struct pt_jbuf b = { 0 };

	if (total == 0 || f->mx_source == PT_DIAG_MX_NONE) {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, total == 0 ? "no resolvers to compare"
					   : "no reference answer to compare the resolvers with");
		return;
	}
	pt_answer_text(ref, sizeof(ref), &f->mx);
	pt_jb_open(&b, NULL, '{');
	pt_jb_mx(&b, f);
	pt_jb_open(&b, "resolvers", '[');
	for (size_t i = 0; i < total; i++) {
		const struct pt_diag_resolver *r = &f->resolvers[i];
		const char *v = pt_resolver_verdict(f, r);
		bool old = strcmp(v, "differ") == 0 || strcmp(v, "negative") == 0;

		pt_jb_open(&b, NULL, '{');
		pt_jb_kstr(&b, "label", r->resolver.label);
		pt_jb_kstr(&b, "address", r->resolver.address);
		pt_jb_kint(&b, "port", r->resolver.port);
		pt_jb_kstr(&b, "status", v);
		if (r->mx.result == PT_REPLY_OK) {
			pt_jb_kstrv(&b, "answer", r->mx.answer.rdata, r->mx.answer.count);
			if (r->mx.answer.has_ttl) {
				pt_jb_kint(&b, "ttl", r->mx.answer.ttl);
			}
		}
		pt_jb_close(&b, '}');
		if (strcmp(v, "match") == 0) {
			match++;
		} else if (strcmp(v, "servfail") == 0) {
			servfail++;
		} else if (strcmp(v, "timeout") == 0 || strcmp(v, "refused") == 0) {
			silent++;
		} else if (!old) {
			errors++;
		}
		if (!old) {
			continue;
		}
		if (strcmp(v, "negative") == 0) {
			neg++;
		} else {
			stale++;
		}
		if (r->mx.answer.has_ttl && r->mx.answer.ttl > expires) {
			expires = r->mx.answer.ttl;
		}
		if (used + 1 < sizeof(list)) {
			char who[200], ans[120];
			int n;

			pt_resolver_label(who, sizeof(who), &r->resolver);
			pt_answer_text(ans, sizeof(ans), &r->mx.answer);
			n = snprintf(list + used, sizeof(list) - used, "%s%s (%s, %us left)",
				     (stale + neg) > 1 ? "; " : "", who, ans,
				     (unsigned)(r->mx.answer.has_ttl ? r->mx.answer.ttl : 0));
			used += n > 0 ? (size_t)n : 0;
		}
	}
	pt_jb_close(&b, ']');
	pt_jb_kint(&b, "total", (long long)total);
	pt_jb_kint(&b, "match", (long long)match);
	pt_jb_kint(&b, "old", (long long)(stale + neg));
	pt_jb_kint(&b, "negative", (long long)neg);
	pt_jb_kint(&b, "servfail", (long long)servfail);
	pt_jb_kint(&b, "no_answer", (long long)silent);
	pt_jb_kint(&b, "expires_within", expires);
	pt_clock_rfc3339(when, sizeof(when), f->wall_ms + (uint64_t)expires * 1000);
	if (stale + neg > 0) {
		pt_jb_kstr(&b, "expires_at", when);
	}
	if (match + stale + neg + servfail + errors == 0) {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "none of the %zu resolvers answered", total);
	} else if (stale + neg + servfail + errors == 0) {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "all %zu answering resolvers serve the %s MX (%s)", match,
			     f->mx_source == PT_DIAG_MX_AUTHORITATIVE ? "authoritative"
								      : "majority",
			     ref);
	} else {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_WARN, "RFC 1035 §3.2.1");
		if (stale + neg > 0) {
			pt_check_msg(c,
				     "%zu of %zu resolvers serve the current MX (%s); %zu still "
				     "serve an older answer: %s; the last expires by %s (in %us)%s",
				     match, total, ref, stale + neg, list, when, (unsigned)expires,
				     servfail ? "; some answer SERVFAIL (see dnssec-validation)"
					      : "");
			pt_check_fix(c,
				     "wait until %s: caches drop the old answer when its TTL "
				     "runs out (some resolvers offer a cache flush page)",
				     when);
		} else {
			pt_check_msg(c,
				     "%zu of %zu resolvers serve the current MX (%s); %zu answer "
				     "SERVFAIL or errors (see dnssec-validation)",
				     match, total, ref, servfail + errors);
			pt_check_fix(c, "see dnssec-validation and ns-lame for why resolvers fail");
		}
	}
	pt_check_data(j, c, &b);
}

static void pt_judge_negative_ttl(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	uint32_t negttl, left = 0;
	size_t deny = 0;
	struct pt_check *c;
	struct pt_jbuf b = { 0 };

	if (!f->has_soa) {
		c = pt_check_add(j, "negative-ttl", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c, "the zone's SOA record is unknown");
		return;
	}
	negttl = f->soa_ttl < f->soa_minimum ? f->soa_ttl : f->soa_minimum;
	for (size_t i = 0; i < f->nresolvers; i++) {
		const struct pt_diag_resolver *r = &f->resolvers[i];

		if (f->mx_source != PT_DIAG_MX_NONE && f->mx.kind == PT_ANSWER_DATA &&
		    strcmp(pt_resolver_verdict(f, r), "negative") == 0) {
			deny++;
			if (r->mx.answer.has_ttl && r->mx.answer.ttl > left) {
				left = r->mx.answer.ttl;
			}
		}
	}
	pt_jb_open(&b, NULL, '{');
	pt_jb_kint(&b, "negative_ttl", negttl);
	pt_jb_kint(&b, "soa_minimum", f->soa_minimum);
	pt_jb_kint(&b, "soa_ttl", f->soa_ttl);
	pt_jb_kint(&b, "denying", (long long)deny);
	pt_jb_kint(&b, "expires_within", left);
	if (deny == 0) {
		c = pt_check_add(j, "negative-ttl", zone, PT_CHECK_PASS, "RFC 2308 §5");
		pt_check_msg(c,
			     "no resolver denies the MX; the negative-caching TTL is %us "
			     "(SOA MINIMUM %u, SOA TTL %u)",
			     (unsigned)negttl, (unsigned)f->soa_minimum, (unsigned)f->soa_ttl);
	} else {
		c = pt_check_add(j, "negative-ttl", zone, PT_CHECK_WARN, "RFC 2308 §5");
		pt_check_msg(c,
			     "%zu resolver%s still den%s the MX (cached NXDOMAIN/NODATA from "
			     "before it was added); such answers live for the negative-caching TTL "
			     "%us (min of SOA MINIMUM %u and SOA TTL %u); the last expires in %us",
			     deny, deny == 1 ? "" : "s", deny == 1 ? "ies" : "y", (unsigned)negttl,
			     (unsigned)f->soa_minimum, (unsigned)f->soa_ttl, (unsigned)left);
		pt_check_fix(c,
			     "wait %us; next time, lower the SOA MINIMUM (e.g. to 300) before "
			     "adding records that were asked for while missing",
			     (unsigned)left);
	}
	pt_check_data(j, c, &b);
}

static void pt_judge_ttl(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	struct pt_check *c;
	struct pt_jbuf b = { 0 };
	uint32_t ttl = f->mx.ttl;

	if (f->mx_source == PT_DIAG_MX_NONE || f->mx.kind != PT_ANSWER_DATA || !f->mx.has_ttl) {
		c = pt_check_add(j, "ttl-high", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX TTL to inspect");
		return;
	}
	pt_jb_open(&b, NULL, '{');
	pt_jb_kint(&b, "ttl", ttl);
	pt_jb_kint(&b, "limit", PT_DIAG_TTL_HIGH);
	pt_jb_kstr(&b, "source",
		   f->mx_source == PT_DIAG_MX_AUTHORITATIVE ? "authoritative" : "resolvers");
	if (ttl > PT_DIAG_TTL_HIGH) {
		c = pt_check_add(j, "ttl-high", f->domain, PT_CHECK_WARN, "RFC 1035 §3.2.1");
		pt_check_msg(c,
			     "the MX TTL is %us (over an hour): after a change, resolvers may "
			     "keep serving the old MX that long",
			     (unsigned)ttl);
		pt_check_fix(c,
			     "lower the MX TTL (e.g. to 300) at least %us (one old TTL) before "
			     "the next change, and raise it again afterwards",
			     (unsigned)ttl);
	} else {
		c = pt_check_add(j, "ttl-high", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "the MX TTL is %us: changes reach every cache within that time",
			     (unsigned)ttl);
	}
	pt_check_data(j, c, &b);
}

static void pt_judge_smtp(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	size_t probed = 0;
	struct pt_check *c;

	if (!f->smtp) {
		c = pt_check_add(j, "smtp-reachable", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "SMTP probe skipped (--no-smtp)");
		return;
	}
	for (size_t i = 0; i < f->ntargets; i++) {
		const struct pt_diag_target *t = &f->targets[i];

		for (size_t k = 0; k < t->naddrs; k++) {
			const struct pt_smtp_probe *p = &t->addrs[k].smtp;
			char subject[PT_ADDRESS_MAX + 16];
			struct pt_jbuf b = { 0 };

			if (!t->addrs[k].probed) {
				continue;
			}
			probed++;
			if (strchr(p->address, ':')) {
				snprintf(subject, sizeof(subject), "[%s]:%u", p->address,
					 (unsigned)p->port);
			} else {
				snprintf(subject, sizeof(subject), "%s:%u", p->address,
					 (unsigned)p->port);
			}
			switch (p->result) {
			case PT_SMTP_OK:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_PASS, "");
				pt_check_msg(
					c,
					"%s (%s) greets with 220 and accepts EHLO; STARTTLS "
					"%s",
					subject, t->name,
					p->starttls
						? "offered"
						: "not offered (mail to it travels unencrypted)");
				break;
			case PT_SMTP_CONNECT_TIMEOUT:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_WARN, "");
				pt_check_msg(
					c,
					"no answer to the connection to %s (%s) within the "
					"timeout: port %u may be blocked by a firewall on either "
					"side; many networks block outgoing port 25, so this test "
					"may need to run elsewhere",
					subject, t->name, (unsigned)p->port);
				pt_check_fix(
					c,
					"run the test from a host allowed to send mail; if it "
					"also times out there, open port %u to the mail server",
					(unsigned)p->port);
				break;
			case PT_SMTP_BANNER_TIMEOUT:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_FAIL,
						 "RFC 5321 §4.3.1");
				pt_check_msg(
					c,
					"%s (%s) accepts the connection but sends no greeting: "
					"the mail server hangs or is overloaded, or a firewall or "
					"proxy on either side holds port %u (many networks block "
					"or "
					"intercept outgoing port 25; the test may need to run "
					"elsewhere)",
					subject, t->name, (unsigned)p->port);
				pt_check_fix(c, "check the mail server's process and logs on %s",
					     t->name);
				break;
			case PT_SMTP_REFUSED:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_FAIL, "");
				pt_check_msg(
					c,
					"connection to %s (%s) refused: no mail server listens "
					"there, or a firewall rejects port %u",
					subject, t->name, (unsigned)p->port);
				pt_check_fix(
					c,
					"start the mail server on %s port %u, or open the port "
					"in its firewall",
					t->name, (unsigned)p->port);
				break;
			case PT_SMTP_BAD_BANNER:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_FAIL,
						 "RFC 5321 §4.3.1");
				pt_check_msg(c, "%s (%s) greets with %d instead of 220: \"%s\"",
					     subject, t->name, p->banner_code, p->banner);
				pt_check_fix(c,
					     "make the mail server on %s accept connections (its "
					     "greeting says why it does not)",
					     t->name);
				break;
			case PT_SMTP_EHLO_FAILED:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_WARN,
						 "RFC 5321 §4.1.1.1");
				pt_check_msg(c,
					     "%s (%s) greets with 220 but does not accept EHLO "
					     "(reply %d)",
					     subject, t->name, p->ehlo_code);
				pt_check_fix(c,
					     "check the mail server's logs: it may reject unknown "
					     "clients, which real senders are not");
				break;
			case PT_SMTP_CLOSED:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_FAIL, "");
				pt_check_msg(c, "%s (%s) closes the connection without a greeting",
					     subject, t->name);
				pt_check_fix(c,
					     "check the mail server's logs and connection limits");
				break;
			case PT_SMTP_BAD_ADDRESS:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_SKIP, "");
				pt_check_msg(c, "not a usable address");
				break;
			default:
				c = pt_check_add(j, "smtp-reachable", subject, PT_CHECK_FAIL, "");
				pt_check_msg(c, "%s (%s) is unreachable: %s", subject, t->name,
					     p->err ? strerror(p->err) : "network error");
				pt_check_fix(c, "check routing to %s", p->address);
				break;
			}
			pt_jb_open(&b, NULL, '{');
			pt_jb_kstr(&b, "target", t->name);
			pt_jb_kstr(&b, "address", p->address);
			pt_jb_kint(&b, "port", p->port);
			pt_jb_kstr(&b, "result", pt_smtp_result_name(p->result));
			pt_jb_kint(&b, "banner_code", p->banner_code);
			pt_jb_kstr(&b, "banner", p->banner);
			pt_jb_kint(&b, "ehlo_code", p->ehlo_code);
			pt_jb_kstr(&b, "extensions", p->extensions);
			pt_jb_kbool(&b, "starttls", p->starttls);
			pt_jb_key(&b, "connect_ms");
			pt_jb_printf(&b, "%.1f", p->connect_ms);
			pt_jb_key(&b, "total_ms");
			pt_jb_printf(&b, "%.1f", p->total_ms);
			pt_check_data(j, c, &b);
		}
	}
	if (probed == 0) {
		c = pt_check_add(j, "smtp-reachable", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX address to probe");
	}
}

static void pt_judge_dnssec(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	size_t nservfail = 0;
	struct pt_check *c;

	for (size_t i = 0; i < f->nresolvers; i++) {
		const struct pt_diag_resolver *r = &f->resolvers[i];
		char who[200], buf[32];
		struct pt_jbuf b = { 0 };

		if (strcmp(pt_resolver_verdict(f, r), "servfail") != 0) {
			continue;
		}
		nservfail++;
		pt_resolver_label(who, sizeof(who), &r->resolver);
		if (!r->mx_cd.asked) {
			c = pt_check_add(j, "dnssec-validation", who, PT_CHECK_SKIP, "");
			pt_check_msg(c, "%s answers SERVFAIL; not asked again with CD", who);
			continue;
		}
		if (pt_reply_usable(&r->mx_cd)) {
			c = pt_check_add(j, "dnssec-validation", who, PT_CHECK_FAIL,
					 "RFC 4035 §5.5");
			pt_check_msg(
				c,
				"%s answers SERVFAIL, but answers with the CD (checking "
				"disabled) bit set: DNSSEC validation of %s fails%s",
				who, zone,
				f->signed_known && !f->signed_zone
					? " (the zone publishes no DNSKEY: is a DS record left "
					  "at the parent?)"
					: "");
			pt_check_fix(c,
				     "check that the DS at the registrar matches a DNSKEY of %s, "
				     "that the signatures (RRSIG) are not expired, and that every "
				     "name server serves the signed zone; for an unsigned zone, "
				     "remove the DS",
				     zone);
		} else {
			c = pt_check_add(j, "dnssec-validation", who, PT_CHECK_WARN, "");
			pt_check_msg(c,
				     "%s answers SERVFAIL also with CD set (%s): not a DNSSEC "
				     "problem; it cannot get an answer from the name servers (see "
				     "ns-lame)",
				     who, pt_result_text(&r->mx_cd, buf, sizeof(buf)));
			pt_check_fix(c, "make every name server of %s answer authoritatively",
				     zone);
		}
		pt_jb_open(&b, NULL, '{');
		pt_jb_kstr(&b, "label", r->resolver.label);
		pt_jb_kstr(&b, "address", r->resolver.address);
		pt_jb_kint(&b, "port", r->resolver.port);
		pt_jb_kstr(&b, "without_cd", "SERVFAIL");
		pt_jb_kstr(&b, "with_cd", pt_result_text(&r->mx_cd, buf, sizeof(buf)));
		pt_jb_kbool(&b, "signed", f->signed_zone);
		pt_check_data(j, c, &b);
	}
	if (nservfail > 0) {
		return;
	}
	if (f->signed_known && f->signed_zone) {
		struct pt_jbuf b = { 0 };

		c = pt_check_add(j, "dnssec-validation", zone, PT_CHECK_PASS, "");
		pt_check_msg(c, "%s is signed and no resolver fails to validate it", zone);
		pt_jb_open(&b, NULL, '{');
		pt_jb_kbool(&b, "signed", true);
		pt_check_data(j, c, &b);
	} else {
		c = pt_check_add(j, "dnssec-validation", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c,
			     f->signed_known
				     ? "%s is not signed and no resolver answers "
				       "SERVFAIL"
				     : "signing state of %s unknown; no resolver answers SERVFAIL",
			     zone);
	}
}

enum pt_status pt_diagnose_judge(struct pt_diagnosis *out, const struct pt_diag_facts *f)
{
	struct pt_judge j = { .d = out, .f = f };

	memset(out, 0, sizeof(*out));
	snprintf(out->domain, sizeof(out->domain), "%s", f->domain);
	pt_judge_lame(&j);
	pt_judge_serial(&j);
	pt_judge_auth_mx(&j);
	pt_judge_parent_child(&j);
	pt_judge_apex_cname(&j);
	pt_judge_mx_set(&j);
	pt_judge_targets(&j);
	pt_judge_propagation(&j);
	pt_judge_negative_ttl(&j);
	pt_judge_ttl(&j);
	pt_judge_smtp(&j);
	pt_judge_dnssec(&j);
	free(j.scratch.data_json);
	if (j.oom) {
		pt_diagnosis_fini(out);
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < out->nchecks; i++) {
		out->summary[out->checks[i].status]++;
	}
	return PT_OK;
}

/* ------------------------------------------------------------------------------------------
 * Gathering: batches of queries through the engine, each batch sent at once.
 */

struct pt_gather {
	struct pt_engine *e;
	const struct pt_diagnose_config *cfg;
	/* the first few resolvers, used for plain lookups */
	size_t nhelpers;
};

/* Queries of one batch and where each reply goes (the pointers stay valid until run). */
struct pt_batch {
	struct pt_request *reqs;
	struct pt_diag_reply **dest;
	size_t n;
	size_t cap;
	bool oom;
};

static bool pt_sockaddr(const char *address, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	struct addrinfo hints, *res = NULL;
	char serv[8];

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	if (getaddrinfo(address, serv, &hints, &res) != 0 || !res) {
		return false;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = (socklen_t)res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

static void pt_batch_add(struct pt_batch *b, const struct sockaddr_storage *sa, socklen_t salen,
			 const char *qname, uint16_t qtype, unsigned opts,
			 struct pt_diag_reply *dest)
{
	if (b->oom) {
		return;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		struct pt_request *r = realloc(b->reqs, cap * sizeof(*r));
		struct pt_diag_reply **d;

		if (!r) {
			b->oom = true;
			return;
		}
		b->reqs = r;
		d = realloc(b->dest, cap * sizeof(*d));
		if (!d) {
			b->oom = true;
			return;
		}
		b->dest = d;
		b->cap = cap;
	}
	memset(&b->reqs[b->n], 0, sizeof(b->reqs[b->n]));
	b->reqs[b->n].sa = *sa;
	b->reqs[b->n].salen = salen;
	/* borrowed: the names live in the facts or the caller until pt_batch_run() returns */
	b->reqs[b->n].qname = qname;
	b->reqs[b->n].qtype = qtype;
	b->reqs[b->n].opts = opts;
	b->reqs[b->n].tag = b->n;
	b->dest[b->n] = dest;
	dest->asked = true;
	dest->result = PT_REPLY_TIMEOUT;
	b->n++;
}

/* Send every query of @b at once, move each answer to its destination, empty @b. */
static enum pt_status pt_batch_run(struct pt_batch *b, struct pt_engine *e)
{
	struct pt_reply *out = NULL;
	enum pt_status rc = PT_OK;

	if (b->oom) {
		rc = PT_ERR_NOMEM;
	} else if (b->n > 0) {
		out = calloc(b->n, sizeof(*out));
		rc = out ? pt_engine_run(e, b->reqs, b->n, out) : PT_ERR_NOMEM;
	}
	for (size_t i = 0; rc == PT_OK && i < b->n; i++) {
		struct pt_diag_reply *d = b->dest[i];

		pt_answer_fini(&d->answer);
		d->asked = true;
		d->result = out[i].result;
		d->answer = out[i].answer;
		memset(&out[i].answer, 0, sizeof(out[i].answer));
		pt_reply_fini(&out[i]);
	}
	free(out);
	free(b->reqs);
	free(b->dest);
	memset(b, 0, sizeof(*b));
	return rc;
}

static bool pt_reply_servfail(const struct pt_diag_reply *r)
{
	return r->asked && r->result == PT_REPLY_OK && r->answer.kind == PT_ANSWER_RCODE &&
	       r->answer.rcode == 2;
}

/* Ask the helpers for each name/type; keep per lookup the first usable reply in helper order,
 * else the first helper's. A lookup no helper answered usably is asked again with CD set of
 * the helpers that said SERVFAIL (one more batch): a validating resolver SERVFAILs every name
 * of a DNSSEC-bogus zone, and the diagnosis still needs the zone's data to judge it (whether
 * validation fails is dnssec-validation's question, asked of every resolver's MX answer).
 * @out has @n entries, released by the caller. */
static enum pt_status pt_lookup(struct pt_gather *g, char *const *names, const uint16_t *types,
				size_t n, struct pt_diag_reply *out)
{
	const struct pt_resolver *res = g->cfg->resolvers;
	struct pt_diag_reply *tmp;
	struct pt_batch b = { 0 };
	enum pt_status rc;

	if (n == 0 || g->nhelpers == 0) {
		return PT_OK;
	}
	tmp = calloc(n * g->nhelpers, sizeof(*tmp));
	if (!tmp) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t h = 0; h < g->nhelpers; h++) {
			pt_batch_add(&b, &res[h].sa, res[h].salen, names[i], types[i], PT_FLAG_RD,
				     &tmp[i * g->nhelpers + h]);
		}
	}
	rc = pt_batch_run(&b, g->e);
	for (size_t i = 0; rc == PT_OK && i < n; i++) {
		bool usable = false;

		for (size_t h = 0; h < g->nhelpers && !usable; h++) {
			usable = pt_reply_usable(&tmp[i * g->nhelpers + h]);
		}
		for (size_t h = 0; h < g->nhelpers && !usable; h++) {
			if (pt_reply_servfail(&tmp[i * g->nhelpers + h])) {
				pt_batch_add(&b, &res[h].sa, res[h].salen, names[i], types[i],
					     PT_FLAG_RD | PT_FLAG_CD, &tmp[i * g->nhelpers + h]);
			}
		}
	}
	if (rc == PT_OK) {
		rc = pt_batch_run(&b, g->e);
	}
	for (size_t i = 0; i < n; i++) {
		size_t pick = 0;

		for (size_t h = 0; h < g->nhelpers; h++) {
			if (pt_reply_usable(&tmp[i * g->nhelpers + h])) {
				pick = h;
				break;
			}
		}
		pt_reply_clear(&out[i]);
		out[i] = tmp[i * g->nhelpers + pick];
		memset(&tmp[i * g->nhelpers + pick], 0, sizeof(tmp[0]));
		for (size_t h = 0; h < g->nhelpers; h++) {
			pt_reply_clear(&tmp[i * g->nhelpers + h]);
		}
	}
	free(tmp);
	return rc;
}

/* "a.b.c." -> "b.c.", "c." -> "."; false for the root. */
static bool pt_parent_name(const char *name, char *out, size_t size)
{
	const char *dot;

	if (strcmp(name, ".") == 0) {
		return false;
	}
	dot = name;
	while (*dot && *dot != '.') {
		dot += (*dot == '\\' && dot[1]) ? 2 : 1;
	}
	snprintf(out, size, "%s", dot[1] ? dot + 1 : ".");
	return true;
}

/* The zone holding @name: ask for its SOA, climbing past aliases and failures. */
static enum pt_status pt_find_zone(struct pt_gather *g, const char *name, char *zone, size_t size)
{
	char cand[256];
	uint16_t type = PT_T_SOA;
	enum pt_status rc = PT_OK;

	zone[0] = '\0';
	snprintf(cand, sizeof(cand), "%s", name);
	for (int step = 0; step < 128 && rc == PT_OK; step++) {
		struct pt_diag_reply r = { 0 };
		char *names[1] = { cand };
		const struct pt_answer *a = &r.answer;

		rc = pt_lookup(g, names, &type, 1, &r);
		if (rc == PT_OK && pt_reply_usable(&r) && a->ncnames == 0 && a->zone) {
			if (a->kind != PT_ANSWER_DATA || strcmp(a->zone, cand) == 0) {
				snprintf(zone, size, "%s", a->zone);
				pt_reply_clear(&r);
				return PT_OK;
			}
		}
		pt_reply_clear(&r);
		if (!pt_parent_name(cand, cand, sizeof(cand))) {
			break;
		}
	}
	return rc;
}

/* Copy the names of an NS answer (already lower-case, absolute, sorted). */
static enum pt_status pt_ns_names(char ***out, size_t *n, const struct pt_diag_reply *r)
{
	size_t count;

	*out = NULL;
	*n = 0;
	if (!pt_reply_usable(r) || r->answer.kind != PT_ANSWER_DATA) {
		return PT_OK;
	}
	count = r->answer.count < PT_DIAG_MAX_NS ? r->answer.count : PT_DIAG_MAX_NS;
	*out = calloc(count ? count : 1, sizeof(char *));
	if (!*out) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		(*out)[i] = strdup(r->answer.rdata[i]);
		if (!(*out)[i]) {
			pt_strv_free(*out, i);
			*out = NULL;
			return PT_ERR_NOMEM;
		}
	}
	qsort(*out, count, sizeof(char *), pt_strp_cmp);
	*n = count;
	return PT_OK;
}

/* A/AAAA for every name, through the helpers. @out: 2 * n replies (A, AAAA per name). */
static enum pt_status pt_lookup_addrs(struct pt_gather *g, char *const *names, size_t n,
				      struct pt_diag_reply **out)
{
	char **qn;
	uint16_t *qt;
	enum pt_status rc;

	*out = calloc(2 * n + 1, sizeof(**out));
	qn = calloc(2 * n + 1, sizeof(*qn));
	qt = calloc(2 * n + 1, sizeof(*qt));
	if (!*out || !qn || !qt) {
		free(qn);
		free(qt);
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		qn[2 * i] = names[i];
		qt[2 * i] = PT_T_A;
		qn[2 * i + 1] = names[i];
		qt[2 * i + 1] = PT_T_AAAA;
	}
	rc = pt_lookup(g, qn, qt, 2 * n, *out);
	free(qn);
	free(qt);
	return rc;
}

/* Addresses in an A or AAAA reply, at most PT_DIAG_MAX_ADDRS. */
static size_t pt_reply_addrs(const struct pt_diag_reply *r, char *const **addrs)
{
	if (!pt_reply_usable(r) || r->answer.kind != PT_ANSWER_DATA) {
		*addrs = NULL;
		return 0;
	}
	*addrs = r->answer.rdata;
	return r->answer.count < PT_DIAG_MAX_ADDRS ? r->answer.count : PT_DIAG_MAX_ADDRS;
}

static enum pt_status pt_gather_auth(struct pt_gather *g, struct pt_diag_facts *f)
{
	const struct pt_diagnose_config *cfg = g->cfg;
	struct pt_diag_reply *addrs = NULL;
	struct pt_diag_reply ns = { 0 };
	uint16_t type = PT_T_NS;
	char *names[1] = { f->zone };
	enum pt_status rc;
	size_t cap;

	if (cfg->nauth > 0) {
		f->auth_given = true;
		f->auth = calloc(cfg->nauth, sizeof(*f->auth));
		if (!f->auth) {
			return PT_ERR_NOMEM;
		}
		for (size_t i = 0; i < cfg->nauth; i++) {
			snprintf(f->auth[i].address, sizeof(f->auth[i].address), "%s",
				 cfg->auth[i].address);
			f->auth[i].port = cfg->auth[i].port ? cfg->auth[i].port : 53;
		}
		f->nauth = cfg->nauth;
	}
	if (!*f->zone) {
		return PT_OK;
	}
	rc = pt_lookup(g, names, &type, 1, &ns);
	if (rc == PT_OK) {
		rc = pt_ns_names(&f->ns_names, &f->nns_names, &ns);
	}
	pt_reply_clear(&ns);
	if (rc != PT_OK || f->auth_given) {
		return rc;
	}
	rc = pt_lookup_addrs(g, f->ns_names, f->nns_names, &addrs);
	cap = f->nns_names * 2 * PT_DIAG_MAX_ADDRS + 1;
	f->auth = rc == PT_OK ? calloc(cap, sizeof(*f->auth)) : NULL;
	if (rc == PT_OK && !f->auth) {
		rc = PT_ERR_NOMEM;
	}
	for (size_t i = 0; rc == PT_OK && i < f->nns_names; i++) {
		size_t before = f->nauth;

		for (int fam = 0; fam < 2; fam++) {
			char *const *list;
			size_t k = pt_reply_addrs(&addrs[2 * i + fam], &list);

			for (size_t m = 0; m < k; m++) {
				struct pt_diag_auth *a = &f->auth[f->nauth++];

				snprintf(a->name, sizeof(a->name), "%s", f->ns_names[i]);
				snprintf(a->address, sizeof(a->address), "%s", list[m]);
				a->port = 53;
			}
		}
		if (f->nauth == before) {
			/* a name server without address: shown as lame */
			snprintf(f->auth[f->nauth].name, sizeof(f->auth[0].name), "%s",
				 f->ns_names[i]);
			f->auth[f->nauth++].port = 53;
		}
	}
	for (size_t i = 0; addrs && i < 2 * f->nns_names; i++) {
		pt_reply_clear(&addrs[i]);
	}
	free(addrs);
	return rc;
}

static enum pt_status pt_gather_parents(struct pt_gather *g, struct pt_diag_facts *f)
{
	char above[256], **pns = NULL;
	struct pt_diag_reply ns = { 0 }, *addrs = NULL;
	uint16_t type = PT_T_NS;
	char *names[1] = { f->parent_zone };
	size_t npns = 0;
	enum pt_status rc;

	if (!*f->zone || !pt_parent_name(f->zone, above, sizeof(above))) {
		return PT_OK;
	}
	rc = pt_find_zone(g, above, f->parent_zone, sizeof(f->parent_zone));
	if (rc != PT_OK || !*f->parent_zone) {
		return rc;
	}
	rc = pt_lookup(g, names, &type, 1, &ns);
	if (rc == PT_OK) {
		rc = pt_ns_names(&pns, &npns, &ns);
	}
	pt_reply_clear(&ns);
	if (rc == PT_OK) {
		rc = pt_lookup_addrs(g, pns, npns, &addrs);
	}
	if (rc == PT_OK) {
		f->parents = calloc(npns * 2 * PT_DIAG_MAX_ADDRS + 1, sizeof(*f->parents));
		rc = f->parents ? PT_OK : PT_ERR_NOMEM;
	}
	for (size_t i = 0; rc == PT_OK && i < npns; i++) {
		for (int fam = 0; fam < 2; fam++) {
			char *const *list;
			size_t k = pt_reply_addrs(&addrs[2 * i + fam], &list);

			for (size_t m = 0; m < k; m++) {
				struct pt_diag_parent *p = &f->parents[f->nparents++];

				snprintf(p->name, sizeof(p->name), "%s", pns[i]);
				snprintf(p->address, sizeof(p->address), "%s", list[m]);
				p->port = 53;
			}
		}
	}
	for (size_t i = 0; addrs && i < 2 * npns; i++) {
		pt_reply_clear(&addrs[i]);
	}
	free(addrs);
	pt_strv_free(pns, npns);
	return rc;
}

/* The delegation's NS names from a parent server's reply. */
static enum pt_status pt_parent_delegation(struct pt_diag_parent *p)
{
	const struct pt_answer *a = &p->ns.answer;

	if (!pt_reply_usable(&p->ns) &&
	    !(p->ns.asked && p->ns.result == PT_REPLY_OK && a->kind == PT_ANSWER_REFERRAL)) {
		return PT_OK;
	}
	if (a->kind == PT_ANSWER_DATA) {
		/* the parent's server also serves the zone: its answer is the zone's NS set */
		p->delegation_known = true;
		return pt_ns_names(&p->delegation, &p->ndelegation, &p->ns);
	}
#ifdef PT_ANSWER_HAS_REFERRAL_NS
	if (a->kind == PT_ANSWER_REFERRAL) {
		struct pt_diag_reply tmp = { .asked = true, .result = PT_REPLY_OK };

		tmp.answer.kind = PT_ANSWER_DATA;
		tmp.answer.rdata = a->referral_ns;
		tmp.answer.count = a->nreferral_ns;
		p->delegation_known = true;
		return pt_ns_names(&p->delegation, &p->ndelegation, &tmp);
	}
#endif
	return PT_OK;
}

/* The reference MX: the answer of the good server with the highest serial, else the
 * resolvers' most common answer. */
static enum pt_status pt_gather_reference(struct pt_diag_facts *f)
{
	long best = pt_auth_best(f);
	size_t top = 0;
	long pick = -1;

	if (best >= 0) {
		const struct pt_diag_auth *a = &f->auth[best];
		uint32_t minimum;

		f->serial = a->soa.answer.serial;
		f->has_serial = true;
		if (a->soa.answer.count > 0 && pt_soa_minimum(a->soa.answer.rdata[0], &minimum)) {
			f->soa_minimum = minimum;
			f->soa_ttl = a->soa.answer.ttl;
			f->has_soa = true;
		}
		for (size_t i = 0; i < f->nauth; i++) {
			const struct pt_diag_reply *k = &f->auth[i].dnskey;

			if (pt_auth_good(&f->auth[i]) && pt_reply_usable(k)) {
				f->signed_known = true;
				f->signed_zone |= k->answer.kind == PT_ANSWER_DATA;
			}
		}
		if (pt_reply_usable(&a->mx) && (a->mx.answer.flags & PT_FLAG_AA)) {
			f->mx_source = PT_DIAG_MX_AUTHORITATIVE;
			return pt_answer_copy(&f->mx, &a->mx.answer);
		}
	}
	for (size_t i = 0; i < f->nresolvers; i++) {
		size_t same = 0;

		if (!pt_reply_usable(&f->resolvers[i].mx)) {
			continue;
		}
		for (size_t k = 0; k < f->nresolvers; k++) {
			same += pt_reply_usable(&f->resolvers[k].mx) &&
				pt_answer_same(&f->resolvers[k].mx.answer,
					       &f->resolvers[i].mx.answer);
		}
		if (same > top) {
			top = same;
			pick = (long)i;
		}
	}
	if (pick < 0) {
		return PT_OK;
	}
	f->mx_source = PT_DIAG_MX_RESOLVERS;
	return pt_answer_copy(&f->mx, &f->resolvers[pick].mx.answer);
}

static enum pt_status pt_gather_targets(struct pt_gather *g, struct pt_diag_facts *f)
{
	struct pt_diag_reply *addrs = NULL;
	char **names;
	size_t nnames = 0;
	enum pt_status rc;

	if (f->mx_source == PT_DIAG_MX_NONE || f->mx.kind != PT_ANSWER_DATA) {
		return PT_OK;
	}
	f->targets = calloc(f->mx.count + 1, sizeof(*f->targets));
	names = calloc(f->mx.count + 1, sizeof(*names));
	if (!f->targets || !names) {
		free(names);
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < f->mx.count && f->ntargets < PT_DIAG_MAX_TARGETS; i++) {
		struct pt_diag_target *t = &f->targets[f->ntargets];
		char target[256];
		unsigned pref;

		if (!pt_mx_split(f->mx.rdata[i], &pref, target, sizeof(target)) ||
		    pt_mx_is_null_target(target)) {
			continue;
		}
		snprintf(t->name, sizeof(t->name), "%s", target);
		t->preference = pref;
		t->literal = pt_netclass_is_literal(target);
		f->ntargets++;
	}
	for (size_t i = 0; i < f->ntargets; i++) {
		if (!f->targets[i].literal) {
			names[nnames++] = f->targets[i].name;
		}
	}
	rc = pt_lookup_addrs(g, names, nnames, &addrs);
	for (size_t i = 0, k = 0; rc == PT_OK && i < f->ntargets; i++) {
		struct pt_diag_target *t = &f->targets[i];

		if (t->literal) {
			continue;
		}
		t->a = addrs[2 * k];
		t->aaaa = addrs[2 * k + 1];
		memset(&addrs[2 * k], 0, 2 * sizeof(addrs[0]));
		k++;
		t->addrs = calloc(2 * PT_DIAG_MAX_ADDRS, sizeof(*t->addrs));
		if (!t->addrs) {
			rc = PT_ERR_NOMEM;
			break;
		}
		for (int fam = 0; fam < 2; fam++) {
			char *const *list;
			size_t n = pt_reply_addrs(fam ? &t->aaaa : &t->a, &list);

			for (size_t m = 0; m < n; m++) {
				snprintf(t->addrs[t->naddrs++].address, sizeof(t->addrs[0].address),
					 "%s", list[m]);
			}
		}
	}
	for (size_t i = 0; addrs && i < 2 * nnames; i++) {
		pt_reply_clear(&addrs[i]);
	}
	free(addrs);
	free(names);
	return rc;
}

static enum pt_status pt_gather_smtp(const struct pt_diagnose_config *cfg, struct pt_diag_facts *f)
{
	struct pt_smtp_probe *probes;
	size_t n = 0, k = 0;
	enum pt_status rc;

	f->smtp = cfg->smtp;
	f->smtp_port = cfg->smtp_port ? cfg->smtp_port : 25;
	if (!cfg->smtp) {
		return PT_OK;
	}
	for (size_t i = 0; i < f->ntargets; i++) {
		n += f->targets[i].naddrs;
	}
	if (n == 0) {
		return PT_OK;
	}
	probes = calloc(n, sizeof(*probes));
	if (!probes) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < f->ntargets; i++) {
		for (size_t m = 0; m < f->targets[i].naddrs; m++) {
			snprintf(probes[k].address, sizeof(probes[k].address), "%s",
				 f->targets[i].addrs[m].address);
			probes[k++].port = f->smtp_port;
		}
	}
	rc = pt_smtp_probe_all(probes, n, cfg->helo, cfg->smtp_timeout_ms);
	k = 0;
	for (size_t i = 0; rc == PT_OK && i < f->ntargets; i++) {
		for (size_t m = 0; m < f->targets[i].naddrs; m++) {
			f->targets[i].addrs[m].smtp = probes[k++];
			f->targets[i].addrs[m].probed = true;
		}
	}
	free(probes);
	return rc;
}

enum pt_status pt_diagnose_gather(struct pt_diag_facts *f, struct pt_engine *e,
				  const struct pt_diagnose_config *cfg)
{
	struct pt_gather g = { .e = e, .cfg = cfg };
	struct pt_batch b = { 0 };
	enum pt_status rc;

	memset(f, 0, sizeof(*f));
	f->wall_ms = pt_clock_wall_ms();
	rc = pt_name_normalise(f->domain, sizeof(f->domain), cfg->domain ? cfg->domain : "");
	if (rc != PT_OK) {
		return PT_ERR_PARSE;
	}
	g.nhelpers = cfg->nresolvers < PT_DIAG_HELPERS ? cfg->nresolvers : PT_DIAG_HELPERS;

	/* 1. the zone, its name servers and the parent's (several small lookup batches) */
	rc = pt_find_zone(&g, f->domain, f->zone, sizeof(f->zone));
	if (rc == PT_OK) {
		rc = pt_gather_auth(&g, f);
	}
	if (rc == PT_OK) {
		rc = pt_gather_parents(&g, f);
	}
	if (rc != PT_OK) {
		return rc;
	}

	/* 2. one batch: every authoritative server (RD=0), the parents, every resolver */
	f->resolvers = calloc(cfg->nresolvers + 1, sizeof(*f->resolvers));
	if (!f->resolvers) {
		return PT_ERR_NOMEM;
	}
	f->nresolvers = cfg->nresolvers;
	for (size_t i = 0; i < f->nauth; i++) {
		struct pt_diag_auth *a = &f->auth[i];
		struct sockaddr_storage ss;
		socklen_t len;
		const char *zone = *f->zone ? f->zone : f->domain;

		if (!*a->address || !pt_sockaddr(a->address, a->port, &ss, &len)) {
			continue;
		}
		pt_batch_add(&b, &ss, len, zone, PT_T_SOA, 0, &a->soa);
		pt_batch_add(&b, &ss, len, f->domain, PT_T_MX, 0, &a->mx);
		pt_batch_add(&b, &ss, len, zone, PT_T_NS, 0, &a->ns);
		pt_batch_add(&b, &ss, len, f->domain, PT_T_CNAME, 0, &a->cname);
		pt_batch_add(&b, &ss, len, zone, PT_T_DNSKEY, 0, &a->dnskey);
	}
	for (size_t i = 0; i < f->nparents; i++) {
		struct pt_diag_parent *p = &f->parents[i];
		struct sockaddr_storage ss;
		socklen_t len;

		if (pt_sockaddr(p->address, p->port, &ss, &len)) {
			pt_batch_add(&b, &ss, len, f->zone, PT_T_NS, 0, &p->ns);
		}
	}
	for (size_t i = 0; i < f->nresolvers; i++) {
		f->resolvers[i].resolver = cfg->resolvers[i];
		pt_batch_add(&b, &cfg->resolvers[i].sa, cfg->resolvers[i].salen, f->domain, PT_T_MX,
			     PT_FLAG_RD, &f->resolvers[i].mx);
	}
	rc = pt_batch_run(&b, e);
	for (size_t i = 0; rc == PT_OK && i < f->nparents; i++) {
		rc = pt_parent_delegation(&f->parents[i]);
	}
	if (rc == PT_OK) {
		rc = pt_gather_reference(f);
	}

	/* 3. MX targets' addresses; resolvers that said SERVFAIL, again with CD */
	if (rc == PT_OK) {
		rc = pt_gather_targets(&g, f);
	}
	for (size_t i = 0; rc == PT_OK && i < f->nresolvers; i++) {
		struct pt_diag_resolver *r = &f->resolvers[i];

		if (strcmp(pt_resolver_verdict(f, r), "servfail") == 0) {
			pt_batch_add(&b, &r->resolver.sa, r->resolver.salen, f->domain, PT_T_MX,
				     PT_FLAG_RD | PT_FLAG_CD, &r->mx_cd);
		}
	}
	if (rc == PT_OK) {
		rc = pt_batch_run(&b, e);
	}

	/* 4. SMTP, every address at once */
	if (rc == PT_OK) {
		rc = pt_gather_smtp(cfg, f);
	}
	return rc;
}

enum pt_status pt_diagnose_run(struct pt_diagnosis *out, struct pt_engine *e,
			       const struct pt_diagnose_config *cfg, pt_clock_fn clock)
{
	struct pt_diag_facts f;
	enum pt_status rc;

	(void)clock;
	memset(out, 0, sizeof(*out));
	rc = pt_diagnose_gather(&f, e, cfg);
	if (rc == PT_OK) {
		rc = pt_diagnose_judge(out, &f);
	}
	pt_diag_facts_fini(&f);
	return rc;
}
