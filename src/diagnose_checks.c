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

#include "dns.h"
#include "json.h"
#include "netclass.h"
#include "output.h"
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

/* Format into @p dst; facts hold remote text (banners, names): cleaned at UTF-8 boundaries
 * once, here. */
static void check_text(char *dst, size_t size, const char *fmt, va_list ap)
{
	char raw[512];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	pt_text_clean(dst, size, raw, sizeof(raw));
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
	size_t nlag = 0, ngood = 0, used = 0;

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
		if (used + 1 < sizeof(lag)) {
			int n = snprintf(lag + used, sizeof(lag) - used, "%s%s serves serial %u",
					 nlag > 1 ? "; " : "", who, (unsigned)a->soa.answer.serial);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	pt_json_end(&b.j);
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
	long best = pt_diag_auth_best(f);
	struct pt_check *c;
	struct data b = { 0 };
	const struct pt_answer *ref;
	char odd[400] = "";
	size_t nodd = 0, nseen = 0, used = 0;

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
		if (used + 1 < sizeof(odd)) {
			int n = snprintf(odd + used, sizeof(odd) - used,
					 "%s%s (serial %u) serves %s", nodd > 1 ? "; " : "", who,
					 (unsigned)a->soa.answer.serial, text);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	pt_json_end(&b.j);
	pt_json_strv(&b.j, "reference", ref->rdata, ref->count);
	if (nodd == 0) {
		char text[300];

		pt_answer_summary(text, sizeof(text), ref, ", ");
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_PASS, "");
		pt_check_msg(c, "all %zu answering name servers serve the same MX RRset (%s)",
			     nseen, text);
	} else {
		char text[200];

		pt_answer_summary(text, sizeof(text), ref, ", ");
		c = pt_check_add(j, "auth-mx-consistent", zone, PT_CHECK_FAIL, "RFC 1034 §4.3.5");
		pt_check_msg(c, "name servers disagree: %s, the newest serves %s", odd, text);
		pt_check_fix(c,
			     "resolvers asking the outdated server(s) keep getting the old MX: fix "
			     "zone transfers to them (see auth-serial-consistent) or update them");
	}
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
	char newset[300] = "", oldset[600] = "", ans[200], when[40];
	size_t used = 0, nold = 0;
	uint32_t old_ns_ttl = 0;
	struct pt_check *c;
	struct data b = { 0 };

	for (size_t i = 0; i < nparent; i++) {
		used += (size_t)snprintf(newset + used,
					 sizeof(newset) > used ? sizeof(newset) - used : 0, "%s%s",
					 i ? ", " : "", parent[i]);
	}
	data_open(&b);
	pt_json_str(&b.j, "parent_zone", f->parent_zone);
	pt_json_strv(&b.j, "delegation", parent, nparent);
	pt_json_uint(&b.j, "delegation_ttl", f->delegation_ttl);
	pt_json_array(&b.j, "old_servers", false);
	used = 0;
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
		if (used < sizeof(oldset)) {
			used += (size_t)snprintf(oldset + used, sizeof(oldset) - used,
						 "%s%s (serial %u, MX %s)", nold > 1 ? "; " : "",
						 who, (unsigned)a->soa.answer.serial, ans);
		}
		pt_json_object(&b.j, NULL);
		pt_jb_server(&b.j, a->name, a->address, a->port);
		pt_json_uint(&b.j, "serial", a->soa.answer.serial);
		pt_output_json_answer(&b.j, "mx", &a->mx.answer);
		pt_json_end(&b.j);
	}
	pt_json_end(&b.j);
	if (nold == 0) {
		pt_buf_fini(&b.buf);
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
	pt_check_msg(c,
		     "a move to other name servers is in progress: %s delegates to %s (serial %u, "
		     "MX %s); not delegated but still answering: %s; resolvers holding the old NS "
		     "set ask it for up to %us after they fetched it",
		     f->parent_zone, newset,
		     best >= 0 ? (unsigned)f->auth[best].soa.answer.serial : 0u, ans, oldset,
		     (unsigned)until);
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
	char missing[200], extra[200];
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
	nmissing = pt_strv_minus(missing, sizeof(missing), child, nchild, parent, nparent);
	nextra = pt_strv_minus(extra, sizeof(extra), parent, nparent, child, nchild);
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
	size_t errors = 0, used = 0;
	uint32_t expires = 0;
	char list[300] = "", when[40], ref[200];
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
		if (used + 1 < sizeof(list)) {
			char who[200], ans[120];
			int n;

			pt_resolver_label(who, sizeof(who), &r->resolver);
			pt_answer_summary(ans, sizeof(ans), &r->mx.answer, ", ");
			n = snprintf(list + used, sizeof(list) - used, "%s%s (%s, %us left)",
				     (stale + neg) > 1 ? "; " : "", who, ans,
				     (unsigned)(r->mx.answer.has_ttl ? r->mx.answer.ttl : 0));
			used += n > 0 ? (size_t)n : 0;
		}
	}
	pt_json_end(&b.j);
	pt_json_int(&b.j, "total", (long long)total);
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
