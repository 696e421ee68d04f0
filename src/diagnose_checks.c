/*
 * The MX diagnosis checks: pure functions of struct pt_diag_facts (no I/O), one entry per
 * check and subject, in the order docs/diagnose-checks.md lists them.
 */
#include "diagnose.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dane.h"
#include "dns.h"
#include "json.h"
#include "mtasts.h"
#include "netclass.h"
#include "output.h"
#include "provider.h"
#include "spf.h"
#include "truth.h"
#include "verdict.h"

/* RFC 1912 §2.2 / common advice: above an hour an MX change lingers noticeably. */
#define PT_DIAG_TTL_HIGH 3600

struct pt_judge {
	struct pt_diagnosis *d;
	const struct pt_diag_facts *f;
	/* where writes go after an allocation failure, so callers need no NULL checks */
	struct pt_check scratch;
	bool oom;
};

/* A check's data object being written. Zero it, then data_open(). Not movable once open. */
struct data {
	struct pt_buf buf;
	struct pt_json j;
};

static void data_open(struct data *d)
{
	pt_json_init(&d->j, &d->buf);
	pt_json_object(&d->j, NULL);
}

/* Close the object and hand its text over. @return caller owns; NULL when it failed. */
static char *data_take(struct pt_judge *jg, struct data *d)
{
	char *s;

	pt_json_end(&d->j);
	s = pt_buf_take(&d->buf);
	if (s == NULL) {
		jg->oom = true;
	}
	return s;
}

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
	pt_text_clean(c->subject, sizeof(c->subject), subject, strlen(subject));
	snprintf(c->rfc, sizeof(c->rfc), "%s", rfc ? rfc : "");
	c->status = st;
	return c;
}

/* Copy @p src into @p dst (@p size bytes); text that does not fit is cut after its last
 * whole word and ends in "…": a message is never cut in the middle of a word. */
static void fit_words(char *dst, size_t size, const char *src)
{
	static const char ellipsis[] = "\u2026";
	size_t n = strlen(src), cut;

	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	cut = size - sizeof(ellipsis);
	while (cut > 0 && src[cut] != ' ') {
		cut--;
	}
	while (cut > 0 && (src[cut - 1] == ' ' || src[cut - 1] == ',' || src[cut - 1] == ';')) {
		cut--;
	}
	memcpy(dst, src, cut);
	memcpy(dst + cut, ellipsis, sizeof(ellipsis));
}

/* Format into @p dst; facts hold remote text (banners, names): cleaned at UTF-8 boundaries
 * once, here. */
static void check_text(char *dst, size_t size, const char *fmt, va_list ap)
{
	char raw[2048], clean[2048 * 3];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	pt_text_clean(clean, sizeof(clean), raw, sizeof(raw));
	fit_words(dst, size, clean);
}

__attribute__((format(printf, 2, 3))) static void pt_check_msg(struct pt_check *c, const char *fmt,
							       ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_text(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void pt_check_fix(struct pt_check *c, const char *fmt,
							       ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_text(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

/*
 * Lists in messages (servers, resolvers, addresses): a message names as many as its room
 * allows, then says how many more ("A, B, C and 2 more"); the finding's data has them all.
 */
struct names {
	char **v;
	size_t n;
	size_t cap;
};

__attribute__((format(printf, 3, 4))) static void names_add(struct pt_judge *j, struct names *l,
							    const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			j->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	l->v[l->n] = strdup(buf);
	if (!l->v[l->n]) {
		j->oom = true;
		return;
	}
	l->n++;
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* "A, B, C", or "A, B and 3 more" when the rest does not fit in @p budget bytes. */
static char *names_join(char *buf, size_t size, const struct names *l, const char *sep,
			size_t budget)
{
	size_t used = 0, k;

	buf[0] = '\0';
	if (budget >= size) {
		budget = size - 1;
	}
	for (k = 0; k < l->n; k++) {
		char more[48] = "";
		size_t item = strlen(l->v[k]) + (k ? strlen(sep) : 0);
		size_t left = l->n - k - 1;

		/* unless it is the last, room must stay for "and N more" */
		if (left > 0) {
			snprintf(more, sizeof(more), " and %zu more", left);
		}
		if (used + item + strlen(more) > budget) {
			break;
		}
		used += (size_t)snprintf(buf + used, size - used, "%s%s", k ? sep : "", l->v[k]);
	}
	if (k < l->n) {
		snprintf(buf + used, size - used, "%s%zu %s", k ? " and " : "", l->n - k,
			 k ? "more" : "(listed in the data)");
	}
	return buf;
}

/* pt_check_msg() naming the items of @p l: @p list (a char array among the arguments) is
 * joined with @p sep into the room the rest of the message leaves. */
#define pt_check_msg_list(c, l, sep, list, fmt, ...)                                               \
	do {                                                                                       \
		(list)[0] = '\0';                                                                  \
		names_join((list), sizeof(list), (l), (sep), msg_room(fmt, __VA_ARGS__));          \
		pt_check_msg((c), fmt, __VA_ARGS__);                                               \
	} while (0)

/* Bytes a message formatted from @p fmt leaves for a list (given as "" in the arguments). */
__attribute__((format(printf, 1, 2))) static size_t msg_room(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= sizeof(((struct pt_check *)0)->message) - 1
		       ? 0
		       : sizeof(((struct pt_check *)0)->message) - 1 - (size_t)n;
}

/* Take the data object built in @p b (closing it) as the check's data. */
static void pt_check_data(struct pt_judge *j, struct pt_check *c, struct data *b)
{
	char *s = data_take(j, b);

	if (s != NULL) {
		free(c->data_json);
		c->data_json = s;
	}
}

/* Give @p c a copy of the JSON object text @p json (NULL: no data). */
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

static void pt_jb_server(struct pt_json *j, const char *name, const char *address, uint16_t port)
{
	pt_json_str(j, "name", name);
	pt_json_str(j, "address", address);
	pt_json_int(j, "port", port);
}

/* "ns1.example. (192.0.2.1)", "192.0.2.1:5353": how messages name a server. */
static void pt_server_label(char *buf, size_t size, const char *name, const char *address,
			    uint16_t port)
{
	char where[PT_ADDRESS_MAX + 16];

	if (port == PT_DNS_PORT || port == 0) {
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

/* Why a name server's reply to the zone's SOA makes it lame, in words; NULL when it is
 * authoritative with the SOA. The status itself is the truth module's judging. */
static const char *pt_lame_reason(const struct pt_diag_reply *soa)
{
	const struct pt_answer *ans = &soa->answer;

	switch (pt_diag_auth_status(soa)) {
	case PT_AUTH_OK:
	case PT_AUTH_LAGGING:
		return ans->kind != PT_ANSWER_DATA || !ans->has_serial
			       ? "is authoritative but has no SOA for the zone"
			       : NULL;
	case PT_AUTH_LAME:
		return ans->kind == PT_ANSWER_REFERRAL
			       ? "answers with a referral instead of the zone's data"
			       : "answers without authority (AA bit not set)";
	case PT_AUTH_TIMEOUT:
		return soa->result == PT_REPLY_UNREACHABLE
			       ? "is unreachable (nothing listens on the DNS port)"
			       : "does not answer (timeout)";
	case PT_AUTH_REFUSED:
		return "refuses queries for the zone (REFUSED)";
	default:
		if (soa->result != PT_REPLY_OK) {
			return "sends unusable replies";
		}
		return ans->kind == PT_ANSWER_RCODE && ans->rcode == PT_RCODE_SERVFAIL
			       ? "answers SERVFAIL for the zone"
			       : "answers with an error rcode";
	}
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
		struct data b = { 0 };
		const char *why = NULL;
		enum pt_check_status st = PT_CHECK_FAIL;

		/* a server no longer delegated is not the zone's to be lame: ns-parent-child */
		if (!a->delegated) {
			continue;
		}
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
		} else {
			why = pt_lame_reason(&a->soa);
			st = why ? PT_CHECK_FAIL : PT_CHECK_PASS;
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
		data_open(&b);
		pt_jb_server(&b.j, a->name, a->address, a->port);
		pt_json_str(&b.j, "reply", pt_diag_reply_text(&a->soa, buf, sizeof(buf)));
		pt_json_bool(&b.j, "aa", a->soa.result == PT_REPLY_OK && (ans->flags & PT_FLAG_AA));
		if (a->soa.result == PT_REPLY_OK && ans->has_serial) {
			pt_json_int(&b.j, "serial", ans->serial);
		}
		pt_check_data(j, c, &b);
	}
}

static void pt_judge_serial(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	long best = pt_diag_auth_best(f);
	struct pt_check *c;
	struct data b = { 0 };
	char lag[400] = "";
	struct names lagging = { 0 };
	size_t nlag = 0, ngood = 0;

	if (best < 0) {
		c = pt_check_add(j, "auth-serial-consistent", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no name server answered the SOA authoritatively");
		return;
	}
	data_open(&b);
	pt_json_int(&b.j, "highest", f->auth[best].soa.answer.serial);
	pt_json_array(&b.j, "servers", false);
	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];
		char who[256 + PT_ADDRESS_MAX + 16];

		if (!pt_diag_auth_good(a) || !a->delegated) {
			continue;
		}
		ngood++;
		pt_json_object(&b.j, NULL);
		pt_jb_server(&b.j, a->name, a->address, a->port);
		pt_json_int(&b.j, "serial", a->soa.answer.serial);
		pt_json_end(&b.j);
		if (a->soa.answer.serial == f->auth[best].soa.answer.serial) {
			continue;
		}
		nlag++;
		pt_server_label(who, sizeof(who), a->name, a->address, a->port);
		names_add(j, &lagging, "%s serves serial %u", who, (unsigned)a->soa.answer.serial);
	}
	pt_json_end(&b.j);
	if (nlag == 0) {
		c = pt_check_add(j, "auth-serial-consistent", zone, PT_CHECK_PASS, "");
		if (ngood == 1) {
			pt_check_msg(c, "the one answering name server serves serial %u",
				     (unsigned)f->auth[best].soa.answer.serial);
		} else {
			pt_check_msg(c, "all %zu answering name servers serve serial %u", ngood,
				     (unsigned)f->auth[best].soa.answer.serial);
		}
	} else {
		c = pt_check_add(j, "auth-serial-consistent", zone, PT_CHECK_WARN, "RFC 1996");
		pt_check_msg_list(c, &lagging, "; ", lag, "%s, behind the highest serial %u", lag,
				  (unsigned)f->auth[best].soa.answer.serial);
		pt_check_fix(c, "make the lagging server(s) transfer the zone again: check NOTIFY "
				"and AXFR/IXFR from the primary (allow-notify / provide-xfr / "
				"also-notify) and the primary's logs");
	}
	names_free(&lagging);
	pt_check_data(j, c, &b);
}

static void pt_judge_auth_mx(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	long best = pt_diag_auth_best(f);
	struct pt_check *c;
	struct data b = { 0 };
	const struct pt_answer *ref;
	char odd[400] = "";
	struct names odds = { 0 };
	size_t nodd = 0, nseen = 0;

	if (best < 0 || !pt_diag_reply_usable(&f->auth[best].mx)) {
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no name server answered the MX query authoritatively");
		return;
	}
	ref = &f->auth[best].mx.answer;
	data_open(&b);
	pt_json_array(&b.j, "servers", false);
	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];
		char who[256 + PT_ADDRESS_MAX + 16], text[200];

		if (!pt_diag_auth_good(a) || !a->delegated || !pt_diag_reply_usable(&a->mx)) {
			continue;
		}
		nseen++;
		pt_json_object(&b.j, NULL);
		pt_jb_server(&b.j, a->name, a->address, a->port);
		pt_json_int(&b.j, "serial", a->soa.answer.serial);
		pt_json_strv(&b.j, "answer", a->mx.answer.rdata, a->mx.answer.count);
		pt_json_end(&b.j);
		if (pt_answer_same(&a->mx.answer, ref)) {
			continue;
		}
		nodd++;
		pt_server_label(who, sizeof(who), a->name, a->address, a->port);
		pt_answer_summary(text, sizeof(text), &a->mx.answer, ", ");
		names_add(j, &odds, "%s (serial %u) serves %s", who, (unsigned)a->soa.answer.serial,
			  text);
	}
	pt_json_end(&b.j);
	pt_json_strv(&b.j, "reference", ref->rdata, ref->count);
	if (nodd == 0) {
		char text[300];

		pt_answer_summary(text, sizeof(text), ref, ", ");
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_PASS, "");
		if (nseen == 1) {
			pt_check_msg(c, "the one answering name server serves the MX RRset %s",
				     text);
		} else {
			pt_check_msg(c,
				     "all %zu answering name servers serve the same MX RRset (%s)",
				     nseen, text);
		}
	} else {
		char text[200];

		pt_answer_summary(text, sizeof(text), ref, ", ");
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_FAIL, "RFC 1034 §4.3.5");
		pt_check_msg_list(c, &odds, "; ", odd,
				  "name servers disagree: %s; the newest serves %s", odd, text);
		pt_check_fix(c,
			     "resolvers asking the outdated server(s) keep getting the old MX: fix "
			     "zone transfers to them (see auth-serial-consistent) or update them");
	}
	names_free(&odds);
	pt_check_data(j, c, &b);
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

/* Join the names of @p a missing from @p b, at most @p budget bytes of them (the rest
 * counted). @return how many. */
static size_t pt_strv_minus(struct pt_judge *j, char *buf, size_t size, size_t budget,
			    char *const *a, size_t na, char *const *b, size_t nb)
{
	struct names l = { 0 };
	size_t n;

	for (size_t i = 0; i < na; i++) {
		if (!pt_strv_has(b, nb, a[i])) {
			names_add(j, &l, "%s", a[i]);
		}
	}
	names_join(buf, size, &l, ", ", budget);
	n = l.n;
	names_free(&l);
	return n;
}

/*
 * A move to other name servers in progress: the parent delegates to some servers while
 * others, that the resolvers still hold in their cached NS set, keep answering for the zone.
 * Say which side is new, what each side serves, and until when resolvers may keep asking the
 * old side. @return true when that is the case (the check is written).
 */
static bool pt_judge_move(struct pt_judge *j, char *const *parent, size_t nparent)
{
	const struct pt_diag_facts *f = j->f;
	long best = pt_diag_auth_best(f);
	char newset[400] = "", oldset[400] = "", ans[200], when[40];
	struct names news = { 0 }, olds = { 0 };
	size_t nold = 0;
	uint32_t old_ns_ttl = 0;
	struct pt_check *c;
	struct data b = { 0 };

	for (size_t i = 0; i < nparent; i++) {
		names_add(j, &news, "%s", parent[i]);
	}
	data_open(&b);
	pt_json_str(&b.j, "parent_zone", f->parent_zone);
	pt_json_strv(&b.j, "delegation", parent, nparent);
	pt_json_uint(&b.j, "delegation_ttl", f->delegation_ttl);
	pt_json_array(&b.j, "old_servers", false);
	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];
		char who[256 + PT_ADDRESS_MAX + 16];

		if (a->delegated || !pt_diag_auth_good(a)) {
			continue;
		}
		nold++;
		if (a->ns.asked && pt_diag_reply_usable(&a->ns) && a->ns.answer.has_ttl &&
		    a->ns.answer.ttl > old_ns_ttl) {
			old_ns_ttl = a->ns.answer.ttl;
		}
		pt_server_label(who, sizeof(who), a->name, a->address, a->port);
		pt_answer_summary(ans, sizeof(ans), &a->mx.answer, ", ");
		names_add(j, &olds, "%s (serial %u, MX %s)", who, (unsigned)a->soa.answer.serial,
			  ans);
		pt_json_object(&b.j, NULL);
		pt_jb_server(&b.j, a->name, a->address, a->port);
		pt_json_uint(&b.j, "serial", a->soa.answer.serial);
		pt_output_json_answer(&b.j, "mx", &a->mx.answer);
		pt_json_end(&b.j);
	}
	pt_json_end(&b.j);
	if (nold == 0) {
		pt_buf_fini(&b.buf);
		names_free(&news);
		names_free(&olds);
		return false;
	}
	uint32_t until = old_ns_ttl > f->delegation_ttl ? old_ns_ttl : f->delegation_ttl;

	pt_clock_rfc3339(when, sizeof(when), f->wall_ms + (uint64_t)until * 1000);
	pt_json_uint(&b.j, "old_ns_ttl", old_ns_ttl);
	pt_json_str(&b.j, "old_servers_until", when);
	if (best >= 0) {
		pt_answer_summary(ans, sizeof(ans), &f->auth[best].mx.answer, ", ");
	} else {
		snprintf(ans, sizeof(ans), "nothing (no delegated server answers)");
	}
	c = pt_check_add(j, "ns-parent-child", f->zone, PT_CHECK_WARN, "RFC 1034 §4.2.2");
#define MOVE_MSG                                                                                   \
	"a move to other name servers is in progress: %s delegates to %s (serial %u, MX %s); not " \
	"delegated but still answering: %s; resolvers holding the old NS set ask it for up to "    \
	"%us after they fetched it"
	size_t room = msg_room(MOVE_MSG, f->parent_zone, "",
			       best >= 0 ? (unsigned)f->auth[best].soa.answer.serial : 0u, ans, "",
			       (unsigned)until);

	/* the new servers are few; the old ones get the rest */
	names_join(newset, sizeof(newset), &news, ", ", room / 3);
	names_join(oldset, sizeof(oldset), &olds, "; ", room - strlen(newset));
	pt_check_msg(c, MOVE_MSG, f->parent_zone, newset,
		     best >= 0 ? (unsigned)f->auth[best].soa.answer.serial : 0u, ans, oldset,
		     (unsigned)until);
#undef MOVE_MSG
	names_free(&news);
	names_free(&olds);
	pt_check_fix(c,
		     "keep the old servers running, serving the new records, until at least %s; "
		     "then retire them",
		     when);
	pt_check_data(j, c, &b);
	return true;
}

static void pt_judge_parent_child(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	long best = pt_diag_auth_best(f);
	char *const *child = f->ns_names;
	size_t nchild = f->nns_names;
	char **parent = NULL;
	size_t nparent = 0, nmissing, nextra, common = 0;
	char missing[400], extra[400];
	struct pt_check *c;
	struct data b = { 0 };

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
	if (pt_judge_move(j, parent, nparent)) {
		return;
	}
	/* each list gets half of what the message leaves */
	size_t room = msg_room("the delegation in %s and the zone's NS records differ: only at "
			       "the parent: ; only in the zone: ",
			       f->parent_zone) /
		      2;

	nmissing = pt_strv_minus(j, missing, sizeof(missing), room, child, nchild, parent, nparent);
	nextra = pt_strv_minus(j, extra, sizeof(extra), room, parent, nparent, child, nchild);
	for (size_t i = 0; i < nchild; i++) {
		common += pt_strv_has(parent, nparent, child[i]);
	}
	data_open(&b);
	pt_json_str(&b.j, "parent_zone", f->parent_zone);
	pt_json_strv(&b.j, "parent", parent, nparent);
	pt_json_strv(&b.j, "child", child, nchild);
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
	struct data b = { 0 };

	for (size_t i = 0; i < f->nauth; i++) {
		const struct pt_diag_auth *a = &f->auth[i];

		if (!pt_diag_reply_usable(&a->cname)) {
			continue;
		}
		known = true;
		if (a->cname.answer.kind == PT_ANSWER_DATA && a->cname.answer.count > 0 &&
		    !target) {
			target = a->cname.answer.rdata[0];
		}
		/* MX records owned by the name itself (not reached through the alias). */
		if (pt_diag_reply_usable(&a->mx) && a->mx.answer.kind == PT_ANSWER_DATA &&
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
	data_open(&b);
	pt_json_str(&b.j, "cname", target ? target : "");
	pt_json_bool(&b.j, "apex", apex);
	pt_json_bool(&b.j, "other_data", other || apex);
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

static void pt_jb_mx(struct pt_json *j, const struct pt_diag_facts *f)
{
	pt_json_str(j, "source",
		    f->mx_source == PT_DIAG_MX_AUTHORITATIVE ? "authoritative"
		    : f->mx_source == PT_DIAG_MX_RESOLVERS   ? "resolvers"
							     : "none");
	pt_json_strv(j, "answer", f->mx.rdata, f->mx.count);
	if (f->has_serial) {
		pt_json_int(j, "serial", f->serial);
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
	struct data b = { 0 };
	char *mxdata;
	bool data = f->mx_source != PT_DIAG_MX_NONE && mx->kind == PT_ANSWER_DATA;

	data_open(&b);
	pt_jb_mx(&b.j, f);
	mxdata = data_take(j, &b);
	pt_answer_summary(text, sizeof(text), mx, ", ");
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

		if (!pt_diag_mx_split(mx->rdata[i], &pref, target, sizeof(target))) {
			continue;
		}
		if (pt_diag_mx_null(target)) {
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
			} else if (pt_diag_mx_split(mx->rdata[k], &p2, t2, sizeof(t2)) &&
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

			if (pt_diag_mx_split(mx->rdata[i], &p1, t1, sizeof(t1)) &&
			    pt_diag_mx_split(mx->rdata[k], &p2, t2, sizeof(t2)) &&
			    !pt_diag_mx_null(t1) && strcasecmp(t1, t2) == 0) {
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
		struct data tb = { 0 };

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
		data_open(&tb);
		pt_json_str(&tb.j, "target", t->name);
		pt_json_int(&tb.j, "preference", t->preference);
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
	return pt_diag_reply_usable(&t->a) || pt_diag_reply_usable(&t->aaaa);
}

/* The name exists unless a lookup says NXDOMAIN for it directly (not after an alias). */
static bool pt_target_nxdomain(const struct pt_diag_target *t)
{
	const struct pt_diag_reply *r[2] = { &t->a, &t->aaaa };

	for (int i = 0; i < 2; i++) {
		if (pt_diag_reply_usable(r[i]) && r[i]->answer.kind == PT_ANSWER_NXDOMAIN &&
		    r[i]->answer.ncnames == 0) {
			return true;
		}
	}
	return false;
}

static const char *pt_target_alias(const struct pt_diag_target *t)
{
	if (pt_diag_reply_usable(&t->a) && t->a.answer.ncnames > 0) {
		return t->a.answer.cnames[0];
	}
	if (pt_diag_reply_usable(&t->aaaa) && t->aaaa.answer.ncnames > 0) {
		return t->aaaa.answer.cnames[0];
	}
	return NULL;
}

static void pt_jb_target(struct pt_json *j, const struct pt_diag_target *t)
{
	char buf[32];

	pt_json_str(j, "target", t->name);
	pt_json_int(j, "preference", t->preference);
	pt_json_str(j, "a", pt_diag_reply_text(&t->a, buf, sizeof(buf)));
	pt_json_str(j, "aaaa", pt_diag_reply_text(&t->aaaa, buf, sizeof(buf)));
	pt_json_array(j, "addresses", false);
	for (size_t i = 0; i < t->naddrs; i++) {
		pt_json_str(j, NULL, t->addrs[i].address);
	}
	pt_json_end(j);
	pt_json_strv(j, "cnames", t->a.answer.cnames, t->a.answer.ncnames);
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
		struct data b = { 0 };
		char *tdata;
		const char *alias = pt_target_alias(t);
		bool known = !t->literal && pt_target_known(t);
		bool nx = known && pt_target_nxdomain(t);
		char buf[32];

		data_open(&b);
		pt_jb_target(&b.j, t);
		tdata = data_take(j, &b);

		/* mx-target-exists */
		if (t->literal) {
			c = pt_check_add(j, "mx-target-exists", t->name, PT_CHECK_SKIP, "");
			pt_check_msg(c, "an IP literal, not a name: see mx-ip-literal");
		} else if (!known) {
			c = pt_check_add(j, "mx-target-exists", t->name, PT_CHECK_SKIP, "");
			pt_check_msg(c, "could not look %s up (%s)", t->name,
				     pt_diag_reply_text(&t->a, buf, sizeof(buf)));
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
			char list[400];
			struct names addrs = { 0 };

			for (size_t k = 0; k < t->naddrs; k++) {
				names_add(j, &addrs, "%s", t->addrs[k].address);
			}
			c = pt_check_add(j, "mx-target-address", t->name, PT_CHECK_PASS, "");
			pt_check_msg_list(c, &addrs, ", ", list, "%s has address%s %s", t->name,
					  t->naddrs == 1 ? "" : "es", list);
			names_free(&addrs);
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
			struct data ab = { 0 };

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
			data_open(&ab);
			pt_json_str(&ab.j, "target", t->name);
			pt_json_str(&ab.j, "address", addr);
			pt_json_str(&ab.j, "class", pt_netclass_name(cls));
			pt_check_data(j, c, &ab);
		}
	}
}

/* A resolver's MX answer against the reference answer (src/verdict.c decides). */
static enum pt_verdict pt_resolver_verdict(const struct pt_diag_facts *f,
					   const struct pt_diag_resolver *r)
{
	if (!r->mx.asked) {
		return PT_VERDICT_PENDING;
	}
	return pt_verdict_judge(f->mx_source != PT_DIAG_MX_NONE ? &f->mx : NULL, r->mx.result,
				&r->mx.answer);
}

static void pt_judge_propagation(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	size_t total = f->nresolvers, match = 0, stale = 0, neg = 0, servfail = 0, silent = 0;
	size_t errors = 0, counted;
	uint32_t expires = 0;
	char list[400], when[40], ref[200], old_text[200] = "", quiet[120] = "";
	bool one_old = true;
	const struct pt_answer *first_old = NULL;
	struct pt_counts counts = { .total = total };
	struct names olds = { 0 };
	struct pt_check *c;
	struct data b = { 0 };

	if (total == 0 || f->mx_source == PT_DIAG_MX_NONE) {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, total == 0 ? "no resolvers to compare"
					   : "no reference answer to compare the resolvers with");
		return;
	}
	pt_answer_summary(ref, sizeof(ref), &f->mx, ", ");
	data_open(&b);
	pt_jb_mx(&b.j, f);
	pt_json_array(&b.j, "resolvers", false);
	for (size_t i = 0; i < total; i++) {
		const struct pt_diag_resolver *r = &f->resolvers[i];
		enum pt_verdict v = pt_resolver_verdict(f, r);
		bool old = pt_verdict_is_old(v);

		counts.by[v]++;
		pt_json_object(&b.j, NULL);
		pt_json_str(&b.j, "label", r->resolver.label);
		pt_json_str(&b.j, "address", r->resolver.address);
		pt_json_int(&b.j, "port", r->resolver.port);
		pt_json_str(&b.j, "status", pt_verdict_name(v));
		if (r->mx.result == PT_REPLY_OK) {
			pt_json_strv(&b.j, "answer", r->mx.answer.rdata, r->mx.answer.count);
			if (r->mx.answer.has_ttl) {
				pt_json_int(&b.j, "ttl", r->mx.answer.ttl);
			}
		}
		pt_json_end(&b.j);
		if (v == PT_VERDICT_MATCH) {
			match++;
		} else if (v == PT_VERDICT_SERVFAIL) {
			servfail++;
		} else if (!pt_verdict_is_judged(v) && v != PT_VERDICT_PENDING) {
			silent++;
		} else if (!old) {
			errors++;
		}
		if (!old) {
			continue;
		}
		if (v == PT_VERDICT_NEGATIVE) {
			neg++;
		} else {
			stale++;
		}
		if (r->mx.answer.has_ttl && r->mx.answer.ttl > expires) {
			expires = r->mx.answer.ttl;
		}
		if (first_old == NULL) {
			first_old = &r->mx.answer;
		} else if (!pt_answer_same(first_old, &r->mx.answer)) {
			one_old = false;
		}
		/* named by label (the data has the addresses and answers) */
		names_add(j, &olds, "%s",
			  r->resolver.label[0] ? r->resolver.label : r->resolver.address);
	}
	pt_json_end(&b.j);
	/* counted as the dashboard counts them: refused and silent resolvers tell nothing */
	counted = pt_output_counted(&counts);
	pt_json_int(&b.j, "total", (long long)total);
	pt_json_int(&b.j, "counted", (long long)counted);
	pt_json_int(&b.j, "match", (long long)match);
	pt_json_int(&b.j, "old", (long long)(stale + neg));
	pt_json_int(&b.j, "negative", (long long)neg);
	pt_json_int(&b.j, "servfail", (long long)servfail);
	pt_json_int(&b.j, "no_answer", (long long)silent);
	pt_json_int(&b.j, "expires_within", expires);
	pt_clock_rfc3339(when, sizeof(when), f->wall_ms + (uint64_t)expires * 1000);
	if (stale + neg > 0) {
		pt_json_str(&b.j, "expires_at", when);
	}
	if (first_old != NULL && one_old) {
		pt_answer_summary(old_text, sizeof(old_text), first_old, ", ");
	} else if (first_old != NULL) {
		snprintf(old_text, sizeof(old_text), "several answers");
	}
	if (silent > 0 && counted < total) {
		snprintf(quiet, sizeof(quiet), "; %zu more refused or did not answer (not counted)",
			 silent);
	}
	if (match + stale + neg + servfail + errors == 0) {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "none of the %zu resolver%s answered", total,
			     total == 1 ? "" : "s");
	} else if (stale + neg + servfail + errors == 0) {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "%zu of %zu resolvers serve the %s MX (%s)%s", match, counted,
			     f->mx_source == PT_DIAG_MX_AUTHORITATIVE ? "authoritative"
								      : "majority",
			     ref, quiet);
	} else {
		c = pt_check_add(j, "propagation", f->domain, PT_CHECK_WARN, "RFC 1035 §3.2.1");
		if (stale + neg > 0) {
			pt_check_msg_list(
				c, &olds, ", ", list,
				"%zu of %zu resolvers serve the current MX (%s); %zu still serve%s "
				"an "
				"older answer (%s): %s; the last expires by %s (in %us)%s%s",
				match, counted, ref, stale + neg, stale + neg == 1 ? "s" : "",
				old_text, list, when, (unsigned)expires,
				servfail ? "; some answer SERVFAIL (see dnssec-validation)" : "",
				quiet);
			pt_check_fix(c,
				     "wait until %s: caches drop the old answer when its TTL "
				     "runs out (some resolvers offer a cache flush page)",
				     when);
		} else {
			pt_check_msg(c,
				     "%zu of %zu resolvers serve the current MX (%s); %zu answer "
				     "SERVFAIL or errors (see dnssec-validation)%s",
				     match, counted, ref, servfail + errors, quiet);
			pt_check_fix(c, "see dnssec-validation and ns-lame for why resolvers fail");
		}
	}
	names_free(&olds);
	pt_check_data(j, c, &b);
}

static void pt_judge_negative_ttl(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	const char *zone = *f->zone ? f->zone : f->domain;
	uint32_t negttl, left = 0;
	size_t deny = 0;
	struct pt_check *c;
	struct data b = { 0 };

	if (!f->has_soa) {
		c = pt_check_add(j, "negative-ttl", zone, PT_CHECK_SKIP, "");
		pt_check_msg(c, "the zone's SOA record is unknown");
		return;
	}
	negttl = f->soa_ttl < f->soa_minimum ? f->soa_ttl : f->soa_minimum;
	for (size_t i = 0; i < f->nresolvers; i++) {
		const struct pt_diag_resolver *r = &f->resolvers[i];

		if (f->mx_source != PT_DIAG_MX_NONE && f->mx.kind == PT_ANSWER_DATA &&
		    pt_resolver_verdict(f, r) == PT_VERDICT_NEGATIVE) {
			deny++;
			if (r->mx.answer.has_ttl && r->mx.answer.ttl > left) {
				left = r->mx.answer.ttl;
			}
		}
	}
	data_open(&b);
	pt_json_int(&b.j, "negative_ttl", negttl);
	pt_json_int(&b.j, "soa_minimum", f->soa_minimum);
	pt_json_int(&b.j, "soa_ttl", f->soa_ttl);
	pt_json_int(&b.j, "denying", (long long)deny);
	pt_json_int(&b.j, "expires_within", left);
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
	struct data b = { 0 };
	uint32_t ttl = f->mx.ttl;

	if (f->mx_source == PT_DIAG_MX_NONE || f->mx.kind != PT_ANSWER_DATA || !f->mx.has_ttl) {
		c = pt_check_add(j, "ttl-high", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no MX TTL to inspect");
		return;
	}
	data_open(&b);
	pt_json_int(&b.j, "ttl", ttl);
	pt_json_int(&b.j, "limit", PT_DIAG_TTL_HIGH);
	pt_json_str(&b.j, "source",
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
			struct data b = { 0 };

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
			data_open(&b);
			pt_json_str(&b.j, "target", t->name);
			pt_json_str(&b.j, "address", p->address);
			pt_json_int(&b.j, "port", p->port);
			pt_json_str(&b.j, "result", pt_smtp_result_name(p->result));
			pt_json_int(&b.j, "banner_code", p->banner_code);
			pt_json_str(&b.j, "banner", p->banner);
			pt_json_int(&b.j, "ehlo_code", p->ehlo_code);
			pt_json_str(&b.j, "extensions", p->extensions);
			pt_json_bool(&b.j, "starttls", p->starttls);
			pt_json_num(&b.j, "connect_ms", p->connect_ms, 1);
			pt_json_num(&b.j, "total_ms", p->total_ms, 1);
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
		struct data b = { 0 };

		if (pt_resolver_verdict(f, r) != PT_VERDICT_SERVFAIL) {
			continue;
		}
		nservfail++;
		pt_resolver_label(who, sizeof(who), &r->resolver);
		if (!r->mx_cd.asked) {
			c = pt_check_add(j, "dnssec-validation", who, PT_CHECK_SKIP, "");
			pt_check_msg(c, "%s answers SERVFAIL; not asked again with CD", who);
			continue;
		}
		if (pt_diag_reply_usable(&r->mx_cd)) {
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
				     who, pt_diag_reply_text(&r->mx_cd, buf, sizeof(buf)));
			pt_check_fix(c, "make every name server of %s answer authoritatively",
				     zone);
		}
		data_open(&b);
		pt_json_str(&b.j, "label", r->resolver.label);
		pt_json_str(&b.j, "address", r->resolver.address);
		pt_json_int(&b.j, "port", r->resolver.port);
		pt_json_str(&b.j, "without_cd", "SERVFAIL");
		pt_json_str(&b.j, "with_cd", pt_diag_reply_text(&r->mx_cd, buf, sizeof(buf)));
		pt_json_bool(&b.j, "signed", f->signed_zone);
		pt_check_data(j, c, &b);
	}
	if (nservfail > 0) {
		return;
	}
	if (f->signed_known && f->signed_zone) {
		struct data b = { 0 };

		c = pt_check_add(j, "dnssec-validation", zone, PT_CHECK_PASS, "");
		pt_check_msg(c, "%s is signed and no resolver fails to validate it", zone);
		data_open(&b);
		pt_json_bool(&b.j, "signed", true);
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

/* ---- The mail side: provider specification, SPF, PTR, MTA-STS. ---- */

/* The MX set as the provider comparisons see it (null MX left out, as in the targets). */
static size_t pt_mx_entries(const struct pt_diag_facts *f, struct pt_mx_entry *mx, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < f->ntargets && n < cap; i++) {
		mx[n].host = f->targets[i].name;
		mx[n++].preference = f->targets[i].preference;
	}
	return n;
}

/* The provider the MX set is judged against: --provider, else recognised. */
static const struct pt_provider *pt_judged_provider(const struct pt_diag_facts *f,
						    const struct pt_mx_entry *mx, size_t n)
{
	if (*f->provider) {
		return pt_providers_find(f->providers, f->provider);
	}
	return pt_providers_recognise(f->providers, mx, n, f->domain);
}

/* "10 mx.example." for host @p s of @p p (the pattern when it has "*"). */
static void pt_spec_host(char *buf, size_t size, const struct pt_provider_host *h)
{
	if (h->preference >= 0) {
		snprintf(buf, size, "%d %s", h->preference, h->pattern);
	} else {
		snprintf(buf, size, "%s (any preference)", h->pattern);
	}
}

static void pt_jb_provider(struct pt_json *j, const struct pt_provider *p)
{
	pt_json_str(j, "provider", p->name);
	pt_json_str(j, "title", p->title);
	pt_json_str(j, "source", p->source);
}

static void pt_judge_provider(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	struct pt_mx_entry mx[64];
	size_t n = pt_mx_entries(f, mx, 64);
	const struct pt_provider *p;
	struct pt_provider_diff d;
	struct pt_check *c;
	struct data b = { 0 };
	struct names miss = { 0 }, wrong = { 0 };
	char list[400];

	if (!f->providers || f->providers->n == 0) {
		c = pt_check_add(j, "provider", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "no mail provider profiles are loaded");
		return;
	}
	if (n == 0) {
		c = pt_check_add(j, "provider", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "%s has no MX target to compare with a provider's specification",
			     f->domain);
		return;
	}
	p = pt_judged_provider(f, mx, n);
	if (!p) {
		c = pt_check_add(j, "provider", f->domain,
				 *f->provider ? PT_CHECK_FAIL : PT_CHECK_SKIP, "");
		if (*f->provider) {
			pt_check_msg(c, "no provider profile is named '%s'", f->provider);
		} else {
			pt_check_msg(c,
				     "no MX target of %s belongs to one of the %zu provider "
				     "profiles (name one with --provider)",
				     f->domain, f->providers->n);
		}
		return;
	}
	pt_provider_diff(&d, p, f->providers, mx, n, f->domain);
	c = pt_check_add(j, "provider", f->domain, PT_CHECK_PASS, "");
	pt_check_msg(c, "%s: judged against %s's specification (%s)",
		     *f->provider ? "named with --provider" : "recognised from the MX targets",
		     p->title, p->source);
	data_open(&b);
	pt_jb_provider(&b.j, p);
	pt_json_bool(&b.j, "named", *f->provider != '\0');
	pt_check_data(j, c, &b);

	/* the specification's hosts, each present */
	for (size_t s = 0; s < p->nhosts; s++) {
		char h[300];

		if (d.spec_mx[s] < 0) {
			pt_spec_host(h, sizeof(h), &p->hosts[s]);
			names_add(j, &miss, "%s", h);
		}
	}
	c = pt_check_add(j, "provider-mx-hosts", f->domain, miss.n ? PT_CHECK_FAIL : PT_CHECK_PASS,
			 "");
	if (miss.n) {
		pt_check_msg_list(c, &miss, ", ", list,
				  "%zu of the %zu MX hosts %s prescribes %s missing: %s", miss.n,
				  p->nhosts, p->title, miss.n == 1 ? "is" : "are", list);
		pt_check_fix(c, "add the missing MX records (%s) as %s documents at %s", list,
			     p->title, p->source);
	} else {
		pt_check_msg(c, "every MX host %s prescribes is present", p->title);
	}
	data_open(&b);
	pt_jb_provider(&b.j, p);
	pt_json_array(&b.j, "missing", false);
	for (size_t s = 0; s < p->nhosts; s++) {
		if (d.spec_mx[s] < 0) {
			pt_json_object(&b.j, NULL);
			pt_json_str(&b.j, "host", p->hosts[s].pattern);
			if (p->hosts[s].preference >= 0) {
				pt_json_int(&b.j, "preference", p->hosts[s].preference);
			}
			pt_json_end(&b.j);
		}
	}
	pt_json_end(&b.j);
	pt_check_data(j, c, &b);
	names_free(&miss);

	/* the prescribed preferences */
	bool prescribes = false;

	for (size_t s = 0; s < p->nhosts; s++) {
		prescribes |= p->hosts[s].preference >= 0;
	}
	data_open(&b);
	pt_jb_provider(&b.j, p);
	pt_json_array(&b.j, "wrong", false);
	for (size_t k = 0; k < d.nmx; k++) {
		long s = d.mx_spec[k];

		if (s >= 0 && p->hosts[s].preference >= 0 &&
		    (unsigned)p->hosts[s].preference != mx[k].preference) {
			names_add(j, &wrong, "%s has %u, not %d", mx[k].host, mx[k].preference,
				  p->hosts[s].preference);
			pt_json_object(&b.j, NULL);
			pt_json_str(&b.j, "host", mx[k].host);
			pt_json_int(&b.j, "preference", mx[k].preference);
			pt_json_int(&b.j, "prescribed", p->hosts[s].preference);
			pt_json_end(&b.j);
		}
	}
	pt_json_end(&b.j);
	c = pt_check_add(j, "provider-mx-preference", f->domain,
			 !prescribes ? PT_CHECK_SKIP
			 : wrong.n   ? PT_CHECK_FAIL
				     : PT_CHECK_PASS,
			 "");
	if (!prescribes) {
		pt_check_msg(c, "%s prescribes no preferences", p->title);
	} else if (wrong.n) {
		pt_check_msg_list(c, &wrong, "; ", list,
				  "preference not as %s prescribes: %s (mail tries the hosts in "
				  "another order than the provider plans)",
				  p->title, list);
		pt_check_fix(c, "set the preferences %s documents at %s", p->title, p->source);
	} else {
		pt_check_msg(c, "every MX host has the preference %s prescribes", p->title);
	}
	pt_check_data(j, c, &b);
	names_free(&wrong);

	/* hosts that are not the provider's */
	if (d.nforeign == 0) {
		c = pt_check_add(j, "provider-mx-foreign", f->domain, PT_CHECK_PASS, "");
		pt_check_msg(c, "every MX host of %s is one of %s's", f->domain, p->title);
		return;
	}
	for (size_t k = 0; k < d.nmx; k++) {
		const struct pt_provider *o = d.mx_owner[k];
		bool own = d.nforeign < d.nmx;
		bool wins = !own || mx[k].preference < d.best_own;
		bool ties = own && mx[k].preference == d.best_own;
		char who[200];

		if (d.mx_spec[k] >= 0) {
			continue;
		}
		snprintf(who, sizeof(who), "%s%s%s", o ? " (" : "", o ? o->title : "",
			 o ? ")" : "");
		c = pt_check_add(j, "provider-mx-foreign", mx[k].host,
				 wins || ties ? PT_CHECK_FAIL : PT_CHECK_WARN, "RFC 5321 §5.1");
		if (wins && own) {
			pt_check_msg(c,
				     "%s%s is not a %s host and its preference %u is lower than "
				     "%s's best (%u): senders deliver to it first, so mail keeps "
				     "going there",
				     mx[k].host, who, p->title, mx[k].preference, p->title,
				     d.best_own);
		} else if (ties) {
			pt_check_msg(c,
				     "%s%s is not a %s host and has the same preference (%u) as "
				     "%s's best: senders share mail between it and %s",
				     mx[k].host, who, p->title, mx[k].preference, p->title,
				     p->title);
		} else if (!own) {
			pt_check_msg(c, "%s%s is not a %s host, and no %s host is an MX",
				     mx[k].host, who, p->title, p->title);
		} else {
			pt_check_msg(c,
				     "%s%s is not a %s host; its preference %u is higher than %s's "
				     "(%u), so it gets mail whenever %s does not answer",
				     mx[k].host, who, p->title, mx[k].preference, p->title,
				     d.best_own, p->title);
		}
		pt_check_fix(c, "remove the MX record %u %s once nothing needs it",
			     mx[k].preference, mx[k].host);
		data_open(&b);
		pt_jb_provider(&b.j, p);
		pt_json_str(&b.j, "host", mx[k].host);
		pt_json_int(&b.j, "preference", mx[k].preference);
		if (o) {
			pt_json_str(&b.j, "owner", o->name);
		} else {
			pt_json_null(&b.j, "owner");
		}
		if (own) {
			pt_json_int(&b.j, "provider_best_preference", d.best_own);
		}
		pt_json_bool(&b.j, "wins", wins);
		pt_check_data(j, c, &b);
	}
}

/* SPF records of the tree's names, for pt_spf_evaluate(). */
struct spf_ctx {
	const struct pt_diag_facts *f;
	char text[PT_SPF_MAX_TARGETS][1024];
	size_t used;
};

static enum pt_spf_found spf_get(void *c, const char *name, const char **text)
{
	struct spf_ctx *x = c;

	for (size_t i = 0; i < x->f->nspf_names; i++) {
		const struct pt_diag_spf_name *s = &x->f->spf_names[i];
		size_t n;

		if (strcmp(s->name, name) != 0) {
			continue;
		}
		if (!pt_diag_reply_usable(&s->txt) || x->used == PT_SPF_MAX_TARGETS) {
			return PT_SPF_UNKNOWN;
		}
		n = pt_diag_spf_record(&s->txt, x->text[x->used], sizeof(x->text[0]));
		if (n == 0) {
			return PT_SPF_NONE;
		}
		if (n > 1) {
			return PT_SPF_MANY;
		}
		*text = x->text[x->used++];
		return PT_SPF_FOUND;
	}
	return PT_SPF_UNKNOWN;
}

static void pt_judge_spf(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	struct pt_mx_entry mx[64];
	size_t n = pt_mx_entries(f, mx, 64), nrec;
	const struct pt_provider *p = pt_judged_provider(f, mx, n);
	struct spf_ctx *ctx;
	struct pt_spf_eval *e;
	char rec[4096], buf[32];
	struct pt_check *c;
	struct data b = { 0 };
	bool old = false;

	if (!pt_diag_reply_usable(&f->txt)) {
		c = pt_check_add(j, "spf-record", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c, "the TXT lookup of %s did not end (%s)", f->domain,
			     pt_diag_reply_text(&f->txt, buf, sizeof(buf)));
		return;
	}
	nrec = pt_diag_spf_record(&f->txt, rec, sizeof(rec));
	if (nrec != 1) {
		bool needed = p && p->nspf > 0;

		c = pt_check_add(j, "spf-record", f->domain,
				 nrec > 1 || needed ? PT_CHECK_FAIL : PT_CHECK_WARN,
				 nrec > 1 ? "RFC 7208 §3.2" : "RFC 7208 §4.5");
		if (nrec > 1) {
			pt_check_msg(c,
				     "%s publishes %zu SPF records (\"v=spf1\" TXT): receivers "
				     "treat every message as a permanent error (permerror)",
				     f->domain, nrec);
			pt_check_fix(c, "merge them into one TXT record starting with v=spf1");
		} else {
			pt_check_msg(c,
				     "%s publishes no SPF record: receivers cannot tell which "
				     "servers may send as %s%s%s",
				     f->domain, f->domain, needed ? "; " : "",
				     needed ? "the provider's specification includes one" : "");
			if (needed) {
				pt_check_fix(c, "publish TXT \"v=spf1 include:%s ~all\" (see %s)",
					     p->spf[0], p->source);
			} else {
				pt_check_fix(c, "publish one TXT record starting with v=spf1 that "
						"lists the servers sending your mail");
			}
		}
		data_open(&b);
		pt_json_int(&b.j, "records", (long long)nrec);
		pt_check_data(j, c, &b);
		return;
	}
	c = pt_check_add(j, "spf-record", f->domain, PT_CHECK_PASS, "RFC 7208 §3.2");
	pt_check_msg(c, "%s publishes one SPF record: %s", f->domain, rec);
	data_open(&b);
	pt_json_int(&b.j, "records", 1);
	pt_json_str(&b.j, "record", rec);
	pt_check_data(j, c, &b);

	ctx = calloc(1, sizeof(*ctx));
	e = calloc(1, sizeof(*e));
	if (!ctx || !e) {
		free(ctx);
		free(e);
		j->oom = true;
		return;
	}
	ctx->f = f;
	pt_spf_evaluate(e, rec, spf_get, ctx);

	c = pt_check_add(j, "spf-lookups", f->domain,
			 e->lookups > PT_SPF_MAX_LOOKUPS     ? PT_CHECK_FAIL
			 : e->incomplete || e->broken_target ? PT_CHECK_WARN
							     : PT_CHECK_PASS,
			 "RFC 7208 §4.6.4");
	if (e->lookups > PT_SPF_MAX_LOOKUPS) {
		pt_check_msg(c,
			     "the SPF record of %s needs %s%u DNS lookups (include, a, mx, ptr, "
			     "exists, redirect, counted through every include): more than %d is a "
			     "permanent error, so SPF fails for all its mail",
			     f->domain, e->capped ? "at least " : "", e->lookups,
			     PT_SPF_MAX_LOOKUPS);
		pt_check_fix(c, "remove includes no longer needed (an old provider's) or replace "
				"them by the ip4:/ip6: ranges they stand for");
	} else if (e->broken_target) {
		pt_check_msg(c,
			     "%u DNS lookups, within the limit of %d, but %s has no single SPF "
			     "record: the include is a permanent error when it is reached",
			     e->lookups, PT_SPF_MAX_LOOKUPS, e->broken);
		pt_check_fix(c, "remove include:%s or ask its owner to publish one record",
			     e->broken);
	} else {
		pt_check_msg(c, "%u DNS lookups%s, within the limit of %d", e->lookups,
			     e->incomplete ? " at least (some includes could not be read)" : "",
			     PT_SPF_MAX_LOOKUPS);
	}
	data_open(&b);
	pt_json_int(&b.j, "lookups", e->lookups);
	pt_json_int(&b.j, "limit", PT_SPF_MAX_LOOKUPS);
	pt_json_bool(&b.j, "complete", !e->incomplete);
	pt_json_array(&b.j, "reached", false);
	for (size_t i = 0; i < e->ntargets; i++) {
		pt_json_str(&b.j, NULL, e->targets[i]);
	}
	pt_json_end(&b.j);
	pt_check_data(j, c, &b);

	if (!p || p->nspf == 0) {
		c = pt_check_add(j, "spf-include", f->domain, PT_CHECK_SKIP, "");
		pt_check_msg(c,
			     p ? "%s's documentation names no SPF include"
			       : "no provider to check the SPF include for%s",
			     p ? p->title : "");
	} else {
		bool has = false;

		for (size_t k = 0; k < p->nspf; k++) {
			has |= pt_spf_reaches(e, p->spf[k]);
		}
		c = pt_check_add(j, "spf-include", f->domain, has ? PT_CHECK_PASS : PT_CHECK_FAIL,
				 "RFC 7208 §5.2");
		if (has) {
			pt_check_msg(c, "the SPF record includes %s (%s)", p->spf[0], p->title);
		} else {
			pt_check_msg(c,
				     "the SPF record does not include %s: mail %s sends for %s "
				     "fails SPF",
				     p->spf[0], p->title, f->domain);
			pt_check_fix(c, "add include:%s to the SPF record (see %s)", p->spf[0],
				     p->source);
		}
		data_open(&b);
		pt_jb_provider(&b.j, p);
		pt_json_str(&b.j, "include", p->spf[0]);
		pt_json_bool(&b.j, "included", has);
		pt_check_data(j, c, &b);
	}

	for (size_t i = 0; p && i < e->ntargets; i++) {
		const struct pt_provider *o =
			pt_providers_spf_owner(f->providers, e->targets[i], p);

		if (!o) {
			continue;
		}
		old = true;
		c = pt_check_add(j, "spf-old-provider", e->targets[i], PT_CHECK_WARN, "");
		pt_check_msg(c,
			     "the SPF record of %s still includes %s, %s's: it still lets %s "
			     "send as %s",
			     f->domain, e->targets[i], o->title, o->title, f->domain);
		pt_check_fix(c,
			     "remove include:%s once the move to %s is done (unless %s still "
			     "sends mail for you)",
			     e->targets[i], p->title, o->title);
		data_open(&b);
		pt_json_str(&b.j, "include", e->targets[i]);
		pt_json_str(&b.j, "owner", o->name);
		pt_json_str(&b.j, "provider", p->name);
		pt_check_data(j, c, &b);
	}
	if (!old) {
		c = pt_check_add(j, "spf-old-provider", f->domain,
				 p ? PT_CHECK_PASS : PT_CHECK_SKIP, "");
		pt_check_msg(c,
			     p ? "the SPF record names no other provider's include"
			       : "no provider recognised: no old provider to look for%s",
			     "");
	}
	free(ctx);
	free(e);
}

/* Forward-confirmed reverse DNS of every MX address. */
static void pt_judge_ptr(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	size_t seen = 0;

	for (size_t i = 0; i < f->ntargets; i++) {
		const struct pt_diag_target *t = &f->targets[i];

		for (size_t m = 0; m < t->naddrs; m++) {
			const struct pt_diag_address *a = &t->addrs[m];
			char who[400], buf[32], names[600] = "";
			bool confirmed = false;
			struct pt_check *c;
			struct data b = { 0 };

			seen++;
			snprintf(who, sizeof(who), "%s (%s)", t->name, a->address);
			for (size_t p = 0; p < 2 && a->ptr_names[p][0]; p++) {
				const struct pt_answer *fw = &a->ptr_fwd[p].answer;

				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", p ? ", " : "", a->ptr_names[p]);
				for (size_t k = 0; pt_diag_reply_usable(&a->ptr_fwd[p]) &&
						   fw->kind == PT_ANSWER_DATA && k < fw->count;
				     k++) {
					confirmed |= strcmp(fw->rdata[k], a->address) == 0;
				}
			}
			if (!pt_diag_reply_usable(&a->ptr)) {
				c = pt_check_add(j, "mx-ptr", who, PT_CHECK_SKIP, "");
				pt_check_msg(c, "the PTR lookup of %s did not end (%s)", a->address,
					     pt_diag_reply_text(&a->ptr, buf, sizeof(buf)));
				continue;
			}
			if (!a->ptr_names[0][0]) {
				c = pt_check_add(j, "mx-ptr", who, PT_CHECK_WARN, "RFC 1912 §2.1");
				pt_check_msg(c, "%s has no PTR record (%s)", a->address,
					     pt_diag_reply_text(&a->ptr, buf, sizeof(buf)));
				pt_check_fix(
					c,
					"ask whoever holds %s (the hosting provider) for a PTR "
					"naming %s",
					a->address, t->name);
			} else if (!confirmed) {
				c = pt_check_add(j, "mx-ptr", who, PT_CHECK_WARN, "RFC 1912 §2.1");
				pt_check_msg(
					c,
					"the PTR of %s names %s, whose addresses do not include "
					"%s: the reverse name is not forward-confirmed",
					a->address, names, a->address);
				pt_check_fix(c,
					     "make the PTR of %s name a host whose A/AAAA records "
					     "include %s (%s)",
					     a->address, a->address, t->name);
			} else {
				c = pt_check_add(j, "mx-ptr", who, PT_CHECK_PASS, "");
				pt_check_msg(c, "the PTR of %s names %s, which resolves back to it",
					     a->address, names);
			}
			data_open(&b);
			pt_json_str(&b.j, "target", t->name);
			pt_json_str(&b.j, "address", a->address);
			pt_json_array(&b.j, "ptr", false);
			for (size_t p = 0; p < 2 && a->ptr_names[p][0]; p++) {
				pt_json_str(&b.j, NULL, a->ptr_names[p]);
			}
			pt_json_end(&b.j);
			pt_json_bool(&b.j, "confirmed", confirmed);
			pt_check_data(j, c, &b);
		}
	}
	if (seen == 0) {
		struct pt_check *c = pt_check_add(j, "mx-ptr", f->domain, PT_CHECK_SKIP, "");

		pt_check_msg(c, "no MX address to look up");
	}
}

/* "2026-12-08 14:00 UTC": @p ms since the epoch plus @p secs. */
static char *pt_utc_after(char *buf, size_t size, uint64_t ms, unsigned long secs)
{
	time_t t = (time_t)(ms / 1000 + secs);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0) {
		snprintf(buf, size, "in %lu s", secs);
	}
	return buf;
}

static void pt_judge_mtasts(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;
	char sub[300], url[360], text[1024], id[40] = "", why[128] = "", buf[32], until[48];
	size_t nrec = 0, nbad = 0;
	struct pt_mtasts_policy *pol;
	struct pt_check *c;
	struct data b = { 0 };
	struct names listed = { 0 };
	char list[400];

	snprintf(sub, sizeof(sub), "_mta-sts.%s", f->domain);
	snprintf(url, sizeof(url), "https://mta-sts.%.*s/.well-known/mta-sts.txt",
		 (int)strlen(f->domain) - 1, f->domain);
	if (!pt_diag_reply_usable(&f->sts_txt)) {
		c = pt_check_add(j, "mta-sts-record", sub, PT_CHECK_SKIP, "");
		pt_check_msg(c, "the TXT lookup of %s did not end (%s)", sub,
			     pt_diag_reply_text(&f->sts_txt, buf, sizeof(buf)));
		return;
	}
	for (size_t i = 0; f->sts_txt.answer.kind == PT_ANSWER_DATA && i < f->sts_txt.answer.count;
	     i++) {
		char rid[40], rwhy[128];

		if (pt_txt_join(f->sts_txt.answer.rdata[i], text, sizeof(text)) != PT_OK) {
			continue;
		}
		if (pt_mtasts_record(text, rid, sizeof(rid), rwhy, sizeof(rwhy))) {
			if (nrec++ == 0) {
				snprintf(id, sizeof(id), "%s", rid);
			}
		} else if (*rwhy) {
			nbad++;
			snprintf(why, sizeof(why), "%s", rwhy);
		}
	}
	if (nrec == 0 && nbad == 0) {
		c = pt_check_add(j, "mta-sts-record", sub, PT_CHECK_SKIP, "RFC 8461 §3.1");
		pt_check_msg(c,
			     "%s publishes no MTA-STS record: senders apply no MTA-STS policy "
			     "(unless one is cached from before)",
			     f->domain);
		return;
	}
	if (nrec + nbad > 1 || nrec == 0) {
		c = pt_check_add(j, "mta-sts-record", sub, PT_CHECK_FAIL, "RFC 8461 §3.1");
		if (nrec == 0) {
			pt_check_msg(c, "the MTA-STS record of %s is invalid: %s", f->domain, why);
		} else {
			pt_check_msg(c,
				     "%s has %zu records starting with v=STSv1: senders must "
				     "treat that as no MTA-STS record",
				     sub, nrec + nbad);
		}
		pt_check_fix(c, "publish one TXT record \"v=STSv1; id=NEWID\" at %s", sub);
		return;
	}
	c = pt_check_add(j, "mta-sts-record", sub, PT_CHECK_PASS, "RFC 8461 §3.1");
	pt_check_msg(c, "MTA-STS record with id %s", id);
	data_open(&b);
	pt_json_str(&b.j, "id", id);
	pt_check_data(j, c, &b);

	pol = calloc(1, sizeof(*pol));
	if (!pol) {
		j->oom = true;
		return;
	}
	if (!f->sts_fetched) {
		c = pt_check_add(j, "mta-sts-policy", url, PT_CHECK_FAIL, "RFC 8461 §3.3");
		pt_check_msg(c, "mta-sts.%s has no address (%s): senders cannot fetch the policy",
			     f->domain, pt_diag_reply_text(&f->sts_a, buf, sizeof(buf)));
		pt_check_fix(c, "publish an A/AAAA record for mta-sts.%s and serve %s over HTTPS",
			     f->domain, url);
		free(pol);
		return;
	}
	if (f->sts_rc != PT_OK || f->sts_status != 200 || !f->sts_body ||
	    !pt_mtasts_parse(f->sts_body, pol, why, sizeof(why))) {
		c = pt_check_add(j, "mta-sts-policy", url, PT_CHECK_FAIL, "RFC 8461 §3.3");
		if (f->sts_rc != PT_OK) {
			pt_check_msg(c, "the policy cannot be fetched from %s (%s): %s", url,
				     f->sts_address, f->sts_error);
		} else if (f->sts_status != 200) {
			pt_check_msg(c, "%s answers HTTP %ld, not 200", url, f->sts_status);
		} else {
			pt_check_msg(c, "the policy at %s is invalid: %s", url, why);
		}
		pt_check_fix(c,
			     "serve a valid policy at %s (senders that cached an earlier one "
			     "keep using it)",
			     url);
		free(pol);
		return;
	}
	pt_utc_after(until, sizeof(until), f->wall_ms, pol->max_age);
	c = pt_check_add(j, "mta-sts-policy", url, PT_CHECK_PASS, "RFC 8461 §3.2");
	pt_check_msg(c,
		     "policy id %s, mode %s, max_age %lu s: senders that fetch it now may keep it "
		     "until %s",
		     id, pol->mode, pol->max_age, until);
	data_open(&b);
	pt_json_str(&b.j, "id", id);
	pt_json_str(&b.j, "mode", pol->mode);
	pt_json_uint(&b.j, "max_age", pol->max_age);
	pt_json_str(&b.j, "cached_until", until);
	pt_json_str(&b.j, "address", f->sts_address);
	pt_json_array(&b.j, "mx", false);
	for (size_t i = 0; i < pol->nmx; i++) {
		pt_json_str(&b.j, NULL, pol->mx[i]);
		names_add(j, &listed, "%s", pol->mx[i]);
	}
	pt_json_end(&b.j);
	pt_check_data(j, c, &b);

	for (size_t i = 0; i < f->ntargets; i++) {
		const char *host = f->targets[i].name;
		long m = pt_mtasts_policy_match(pol, host);
		bool enforce = strcmp(pol->mode, "enforce") == 0;

		if (strcmp(pol->mode, "none") == 0) {
			c = pt_check_add(j, "mta-sts-mx", host, PT_CHECK_SKIP, "RFC 8461 §5");
			pt_check_msg(c, "policy mode none: senders do not check the MX hosts");
			continue;
		}
		c = pt_check_add(j, "mta-sts-mx", host,
				 m >= 0	   ? PT_CHECK_PASS
				 : enforce ? PT_CHECK_FAIL
					   : PT_CHECK_WARN,
				 "RFC 8461 §4.1");
		if (m >= 0) {
			pt_check_msg(c, "%s matches the policy's mx: %s", host, pol->mx[m]);
		} else {
			pt_check_msg_list(c, &listed, ", ", list,
					  "%s matches no mx line of policy %s (%s): senders %s "
					  "deliver to it; "
					  "those that fetched the policy may keep it until %s "
					  "(max_age %lu s)",
					  host, id, list,
					  enforce ? "that enforce MTA-STS refuse to"
						  : "report, but still",
					  until, pol->max_age);
			pt_check_fix(c,
				     "add \"mx: %.*s\" to %s, publish a new id in %s, and keep the "
				     "hosts the old policy lists accepting mail until %s",
				     (int)strlen(host) - 1, host, url, sub, until);
		}
		data_open(&b);
		pt_json_str(&b.j, "host", host);
		pt_json_str(&b.j, "id", id);
		pt_json_str(&b.j, "mode", pol->mode);
		pt_json_bool(&b.j, "listed", m >= 0);
		pt_json_str(&b.j, "cached_until", until);
		pt_check_data(j, c, &b);
	}
	names_free(&listed);
	free(pol);
}

/* DANE (RFC 7672): validated TLSA records of each MX target, and the certificate each of its
 * addresses presents after STARTTLS. */
static void pt_judge_dane(struct pt_judge *j)
{
	const struct pt_diag_facts *f = j->f;

	for (size_t i = 0; i < f->ntargets; i++) {
		const struct pt_diag_target *t = &f->targets[i];
		const struct pt_answer *ans = &t->tlsa.answer;
		struct pt_tlsa *recs;
		size_t nrec = 0, nusable = 0;
		char sub[300], buf[32];
		struct pt_check *c;
		struct data b = { 0 };

		if (t->literal) {
			continue;
		}
		snprintf(sub, sizeof(sub), "_25._tcp.%s", t->name);
		if (!pt_diag_reply_usable(&t->tlsa)) {
			c = pt_check_add(j, "dane-tlsa", sub, PT_CHECK_SKIP, "");
			pt_check_msg(c, "the TLSA lookup of %s did not end (%s)", sub,
				     pt_diag_reply_text(&t->tlsa, buf, sizeof(buf)));
			continue;
		}
		if (ans->kind != PT_ANSWER_DATA) {
			c = pt_check_add(j, "dane-tlsa", sub, PT_CHECK_SKIP, "RFC 7672 §2.2");
			pt_check_msg(c,
				     "%s publishes no TLSA records (%s): DANE is not used for it",
				     t->name, pt_diag_reply_text(&t->tlsa, buf, sizeof(buf)));
			continue;
		}
		recs = calloc(ans->count + 1, sizeof(*recs));
		if (!recs) {
			j->oom = true;
			return;
		}
		for (size_t k = 0; k < ans->count; k++) {
			if (pt_tlsa_parse(ans->rdata[k], &recs[nrec])) {
				nusable += pt_tlsa_usable(&recs[nrec]);
				nrec++;
			}
		}
		if (!(ans->flags & PT_FLAG_AD)) {
			c = pt_check_add(j, "dane-tlsa", sub, PT_CHECK_WARN, "RFC 7672 §2.2");
			pt_check_msg(
				c,
				"%s has %zu TLSA records, but the answer was not validated (no "
				"AD bit): senders ignore TLSA records that are not "
				"DNSSEC-secure (is the zone signed, and the resolver validating?)",
				t->name, ans->count);
			pt_check_fix(c,
				     "sign the zone of %s (and publish its DS), or ask through a "
				     "validating resolver",
				     t->name);
		} else if (nusable == 0) {
			c = pt_check_add(j, "dane-tlsa", sub, PT_CHECK_WARN, "RFC 7672 §3.1.3");
			pt_check_msg(
				c,
				"%s has %zu validated TLSA records but none SMTP can use "
				"(usages 0 and 1 are unusable for SMTP): senders still require "
				"TLS but cannot authenticate it",
				t->name, ans->count);
			pt_check_fix(c, "publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records");
		} else {
			c = pt_check_add(j, "dane-tlsa", sub, PT_CHECK_PASS, "RFC 7672 §2.2");
			pt_check_msg(c, "%s has %zu validated TLSA records (%zu usable for SMTP)",
				     t->name, ans->count, nusable);
		}
		data_open(&b);
		pt_json_str(&b.j, "target", t->name);
		pt_json_bool(&b.j, "validated", (ans->flags & PT_FLAG_AD) != 0);
		pt_json_strv(&b.j, "tlsa", ans->rdata, ans->count);
		pt_json_int(&b.j, "usable", (long long)nusable);
		pt_check_data(j, c, &b);

		for (size_t m = 0; (ans->flags & PT_FLAG_AD) && nusable > 0 && m < t->naddrs; m++) {
			const struct pt_diag_address *a = &t->addrs[m];
			char who[400], want[100];
			bool ok = false;

			snprintf(who, sizeof(who), "%s (%s)", t->name, a->address);
			if (!a->probed) {
				c = pt_check_add(j, "dane-cert", who, PT_CHECK_SKIP, "");
				pt_check_msg(c,
					     "SMTP not probed (--no-smtp): the certificate is not "
					     "checked");
				continue;
			}
			if (!a->smtp.starttls) {
				c = pt_check_add(j, "dane-cert", who, PT_CHECK_FAIL,
						 "RFC 7672 §2.2");
				pt_check_msg(c,
					     "%s publishes validated TLSA records but %s does not "
					     "offer STARTTLS (%s): senders that use DANE do not "
					     "deliver to it",
					     t->name, a->address,
					     pt_smtp_result_name(a->smtp.result));
				pt_check_fix(c, "enable STARTTLS on %s, or remove the TLSA records",
					     a->address);
				continue;
			}
			if (!a->tls_tried || !a->tls.done) {
				c = pt_check_add(j, "dane-cert", who, PT_CHECK_FAIL, "RFC 7672 §3");
				pt_check_msg(c,
					     "the TLS handshake with %s after STARTTLS failed: %s",
					     a->address, a->tls_tried ? a->tls.error : "not tried");
				pt_check_fix(c, "make STARTTLS on %s complete", a->address);
				continue;
			}
			for (size_t k = 0; k < nrec && !ok; k++) {
				ok = pt_tlsa_match(&recs[k], &a->tls);
			}
			pt_tlsa_suggest(want, sizeof(want), &a->tls);
			c = pt_check_add(j, "dane-cert", who, ok ? PT_CHECK_PASS : PT_CHECK_FAIL,
					 "RFC 7672 §3");
			if (ok) {
				pt_check_msg(c, "the certificate %s presents matches a TLSA record",
					     a->address);
			} else {
				pt_check_msg(c,
					     "the certificate %s presents matches none of the %zu "
					     "TLSA records of %s: senders that use DANE refuse to "
					     "deliver to it",
					     a->address, ans->count, t->name);
				pt_check_fix(
					c,
					"publish \"%s IN TLSA %s\" for the certificate in use "
					"(keep the old record until the new one has reached the "
					"caches), or install the certificate the records name",
					sub, want);
			}
			data_open(&b);
			pt_json_str(&b.j, "address", a->address);
			pt_json_bool(&b.j, "match", ok);
			pt_json_str(&b.j, "presented", want);
			pt_check_data(j, c, &b);
		}
		free(recs);
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
	pt_judge_provider(&j);
	pt_judge_spf(&j);
	pt_judge_ptr(&j);
	pt_judge_mtasts(&j);
	pt_judge_dane(&j);
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
