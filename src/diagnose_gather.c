/*
 * Gathering the diagnosis's facts: the zone and its servers (and the parent's) through the
 * truth module's discovery, then one batch of queries to every authoritative server (RD=0),
 * the parent's servers and every resolver, the MX targets' addresses, SERVFAIL answers again
 * with CD, and last the SMTP probes.
 */
#include "diagnose.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "http.h"
#include "mtasts_fetch.h"
#include "mtasts.h"
#include "netclass.h"
#include "spf.h"
#include "truth.h"
#include "verdict.h"

/* Caps that keep one diagnosis small whatever the zone publishes. */
#define PT_DIAG_MAX_ADDRS 4
#define PT_DIAG_MAX_TARGETS 16
/* Names of the SPF tree looked up at most (the limit is 10 lookups; a tree far past it is
 * counted up to here). */
#define PT_DIAG_MAX_SPF_NAMES 40

/* Queries of one batch and where each reply goes (the pointers stay valid until run). */
struct pt_batch {
	struct pt_request *reqs;
	struct pt_diag_reply **dest;
	size_t n;
	size_t cap;
	bool oom;
};

static void pt_batch_add(struct pt_batch *b, const struct pt_resolver *to, const char *qname,
			 uint16_t qtype, unsigned opts, struct pt_diag_reply *dest)
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
	/* the name is borrowed: it lives in the facts or the caller until pt_batch_run() */
	pt_request_init(&b->reqs[b->n], &to->sa, to->salen, qname, qtype, opts);
	b->reqs[b->n].tag = b->n;
	b->dest[b->n] = dest;
	dest->asked = true;
	dest->result = PT_REPLY_TIMEOUT;
	b->n++;
}

/* Send every query of @p b at once, move each answer to its destination, empty @p b. */
static enum pt_status pt_batch_run(struct pt_batch *b, const struct pt_net *net)
{
	struct pt_reply *out = NULL;
	enum pt_status rc = PT_OK;

	if (b->oom) {
		rc = PT_ERR_NOMEM;
	} else if (b->n > 0) {
		out = calloc(b->n, sizeof(*out));
		rc = out ? pt_net_run_polite(net, b->reqs, b->n, out) : PT_ERR_NOMEM;
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

/* Add an auth entry for each address of @p name in @p servers, or one without an address
 * (shown as lame) when it has none. */
static void add_auth(struct pt_diag_facts *f, const char *name, const struct pt_ns_addr *servers,
		     size_t n, bool delegated)
{
	size_t before = f->nauth;

	for (size_t k = 0; k < n; k++) {
		struct pt_diag_auth *a = &f->auth[f->nauth];

		if (strcmp(servers[k].name, name) != 0) {
			continue;
		}
		snprintf(a->name, sizeof(a->name), "%s", name);
		snprintf(a->address, sizeof(a->address), "%s", servers[k].addr.address);
		a->port = servers[k].addr.port;
		a->delegated = delegated;
		f->nauth++;
	}
	if (f->nauth == before) {
		snprintf(f->auth[f->nauth].name, sizeof(f->auth[0].name), "%s", name);
		f->auth[f->nauth].port = PT_DNS_PORT;
		f->auth[f->nauth++].delegated = delegated;
	}
}

static bool has_name(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

/* The zone's servers as facts, found as the truth finds them: those of the parent's
 * delegation, then those the resolvers still hold that it does not name (an old provider
 * during a move). Also the parent's servers, asked later for the delegation once more. */
static enum pt_status pt_gather_auth(struct pt_diag_facts *f, const struct pt_net *net,
				     const struct pt_diagnose_config *cfg)
{
	struct pt_delegation del;
	struct pt_zone_servers held;
	enum pt_status rc;

	if (cfg->nauth > 0) {
		f->auth_given = true;
		f->auth = calloc(cfg->nauth, sizeof(*f->auth));
		if (!f->auth) {
			return PT_ERR_NOMEM;
		}
		for (size_t i = 0; i < cfg->nauth; i++) {
			snprintf(f->auth[i].address, sizeof(f->auth[i].address), "%s",
				 cfg->auth[i].address);
			f->auth[i].port = cfg->auth[i].port ? cfg->auth[i].port : PT_DNS_PORT;
			f->auth[i].delegated = true;
		}
		f->nauth = cfg->nauth;
	}
	if (!*f->zone) {
		return PT_OK;
	}
	rc = pt_truth_delegation(&del, net, cfg->resolvers, cfg->nresolvers, f->zone, PT_DNS_PORT);
	if (rc != PT_OK) {
		return rc;
	}
	rc = pt_truth_zone_servers(&held, net, cfg->resolvers, cfg->nresolvers, f->zone,
				   PT_DNS_PORT);
	if (rc != PT_OK) {
		pt_delegation_fini(&del);
		return rc;
	}
	snprintf(f->parent_zone, sizeof(f->parent_zone), "%s", del.parent);
	/* the names move to the facts: the delegation's, and those the resolvers hold */
	if (del.known) {
		f->delegation = del.ns;
		f->ndelegation = del.nns;
		f->delegation_ttl = del.ttl;
		del.ns = NULL;
		del.nns = 0;
	}
	f->ns_names = held.names;
	f->nns_names = held.nnames;
	held.names = NULL;
	held.nnames = 0;
	if (!f->auth_given) {
		char *const *names = f->ndelegation ? f->delegation : f->ns_names;
		size_t n = f->ndelegation ? f->ndelegation : f->nns_names;

		f->auth = calloc(del.nservers + held.nservers + n + f->nns_names + 1,
				 sizeof(*f->auth));
		rc = f->auth ? PT_OK : PT_ERR_NOMEM;
		for (size_t i = 0; rc == PT_OK && i < n; i++) {
			add_auth(f, names[i], f->ndelegation ? del.servers : held.servers,
				 f->ndelegation ? del.nservers : held.nservers, true);
		}
		for (size_t i = 0; rc == PT_OK && f->ndelegation && i < f->nns_names; i++) {
			if (!has_name(f->delegation, f->ndelegation, f->ns_names[i])) {
				add_auth(f, f->ns_names[i], held.servers, held.nservers, false);
			}
		}
	}
	f->parents = rc == PT_OK ? calloc(del.parents.nservers + 1, sizeof(*f->parents)) : NULL;
	if (rc == PT_OK && !f->parents) {
		rc = PT_ERR_NOMEM;
	}
	for (size_t i = 0; rc == PT_OK && i < del.parents.nservers; i++) {
		struct pt_diag_parent *p = &f->parents[f->nparents++];

		snprintf(p->name, sizeof(p->name), "%s", del.parents.servers[i].name);
		snprintf(p->address, sizeof(p->address), "%s", del.parents.servers[i].addr.address);
		p->port = del.parents.servers[i].addr.port;
	}
	pt_delegation_fini(&del);
	pt_zone_servers_fini(&held);
	return rc;
}

static int pt_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A sorted copy of @p n names (the count is set to what was copied, even on failure). */
static enum pt_status pt_names_copy(char ***out, size_t *nout, char *const *names, size_t n)
{
	enum pt_status rc = pt_strv_copy(out, names, n);

	*nout = 0;
	while (*out != NULL && *nout < n && (*out)[*nout] != NULL) {
		(*nout)++;
	}
	if (rc == PT_OK) {
		qsort(*out, *nout, sizeof(char *), pt_strp_cmp);
	}
	return rc;
}

/* The delegation's NS names from a parent server's reply. */
static enum pt_status pt_parent_delegation(struct pt_diag_parent *p)
{
	const struct pt_answer *a = &p->ns.answer;

	if (!p->ns.asked || p->ns.result != PT_REPLY_OK) {
		return PT_OK;
	}
	if (a->kind == PT_ANSWER_DATA) {
		/* the parent's server also serves the zone: its answer is the zone's NS set */
		p->delegation_known = true;
		return pt_names_copy(&p->delegation, &p->ndelegation, a->rdata, a->count);
	}
	if (a->kind == PT_ANSWER_REFERRAL) {
		p->delegation_known = true;
		return pt_names_copy(&p->delegation, &p->ndelegation, a->referral_ns,
				     a->nreferral_ns);
	}
	return PT_OK;
}

/* The reference MX: the answer of the good server with the highest serial, else the
 * resolvers' most common answer. */
static enum pt_status pt_gather_reference(struct pt_diag_facts *f)
{
	long best = pt_diag_auth_best(f);
	size_t top = 0;
	long pick = -1;

	if (best >= 0) {
		const struct pt_diag_auth *a = &f->auth[best];
		uint32_t minimum;

		f->serial = a->soa.answer.serial;
		f->has_serial = true;
		if (a->soa.answer.count > 0 &&
		    pt_soa_minimum_from_rdata(a->soa.answer.rdata[0], &minimum)) {
			f->soa_minimum = minimum;
			f->soa_ttl = a->soa.answer.ttl;
			f->has_soa = true;
		}
		for (size_t i = 0; i < f->nauth; i++) {
			const struct pt_diag_reply *k = &f->auth[i].dnskey;

			if (pt_diag_auth_good(&f->auth[i]) && pt_diag_reply_usable(k)) {
				f->signed_known = true;
				f->signed_zone |= k->answer.kind == PT_ANSWER_DATA;
			}
		}
		if (pt_diag_reply_usable(&a->mx) && (a->mx.answer.flags & PT_FLAG_AA)) {
			f->mx_source = PT_DIAG_MX_AUTHORITATIVE;
			return pt_answer_copy(&f->mx, &a->mx.answer);
		}
	}
	for (size_t i = 0; i < f->nresolvers; i++) {
		size_t same = 0;

		if (!pt_diag_reply_usable(&f->resolvers[i].mx)) {
			continue;
		}
		for (size_t k = 0; k < f->nresolvers; k++) {
			same += pt_diag_reply_usable(&f->resolvers[k].mx) &&
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

/* Each MX target's A and AAAA through the resolvers (the first usable answer of the first few;
 * SERVFAIL asked again with CD), as one batch. */
static enum pt_status pt_gather_targets(struct pt_diag_facts *f, const struct pt_net *net,
					const struct pt_diagnose_config *cfg)
{
	size_t nh = cfg->nresolvers < PT_TRUTH_VIA_MAX ? cfg->nresolvers : PT_TRUTH_VIA_MAX;
	struct pt_diag_reply *tries;
	struct pt_batch b = { 0 };
	enum pt_status rc;

	if (f->mx_source == PT_DIAG_MX_NONE || f->mx.kind != PT_ANSWER_DATA) {
		return PT_OK;
	}
	f->targets = calloc(f->mx.count + 1, sizeof(*f->targets));
	if (!f->targets) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < f->mx.count && f->ntargets < PT_DIAG_MAX_TARGETS; i++) {
		struct pt_diag_target *t = &f->targets[f->ntargets];
		char target[256];
		unsigned pref;

		if (!pt_diag_mx_split(f->mx.rdata[i], &pref, target, sizeof(target)) ||
		    pt_diag_mx_null(target)) {
			continue;
		}
		snprintf(t->name, sizeof(t->name), "%s", target);
		t->preference = pref;
		t->literal = pt_netclass_is_literal(target);
		f->ntargets++;
	}
	if (nh == 0) {
		return PT_OK;
	}
	/* every helper asked, then per lookup the first usable reply in helper order */
	tries = calloc(f->ntargets * 2 * nh + 1, sizeof(*tries));
	if (!tries) {
		return PT_ERR_NOMEM;
	}
	for (int round = 0; round < 2; round++) {
		for (size_t l = 0; l < f->ntargets * 2; l++) {
			struct pt_diag_reply *set = &tries[l * nh];
			const char *name = f->targets[l / 2].name;
			uint16_t type = l % 2 ? PT_TYPE_AAAA : PT_TYPE_A;
			bool usable = false;

			for (size_t h = 0; round == 1 && h < nh; h++) {
				usable |= pt_diag_reply_usable(&set[h]);
			}
			for (size_t h = 0; !f->targets[l / 2].literal && !usable && h < nh; h++) {
				if (round == 0) {
					pt_batch_add(&b, &cfg->resolvers[h], name, type, PT_FLAG_RD,
						     &set[h]);
				} else if (pt_reply_class(set[h].result, &set[h].answer) ==
					   PT_CLASS_SERVFAIL) {
					/* a DNSSEC-bogus target zone: its data still matters here
					 */
					pt_batch_add(&b, &cfg->resolvers[h], name, type,
						     PT_FLAG_RD | PT_FLAG_CD, &set[h]);
				}
			}
		}
		rc = pt_batch_run(&b, net);
		if (rc != PT_OK) {
			break;
		}
	}
	for (size_t i = 0; rc == PT_OK && i < f->ntargets; i++) {
		struct pt_diag_target *t = &f->targets[i];

		for (int fam = 0; fam < 2 && !t->literal; fam++) {
			struct pt_diag_reply *set = &tries[(i * 2 + (size_t)fam) * nh];
			size_t pick = 0;

			for (size_t h = 0; h < nh; h++) {
				if (pt_diag_reply_usable(&set[h])) {
					pick = h;
					break;
				}
			}
			*(fam ? &t->aaaa : &t->a) = set[pick];
			memset(&set[pick], 0, sizeof(set[pick]));
		}
		if (t->literal) {
			continue;
		}
		t->addrs = calloc(2 * PT_DIAG_MAX_ADDRS, sizeof(*t->addrs));
		if (!t->addrs) {
			rc = PT_ERR_NOMEM;
			break;
		}
		for (int fam = 0; fam < 2; fam++) {
			const struct pt_diag_reply *r = fam ? &t->aaaa : &t->a;

			for (size_t m = 0;
			     pt_diag_reply_usable(r) && r->answer.kind == PT_ANSWER_DATA &&
			     m < r->answer.count && m < PT_DIAG_MAX_ADDRS;
			     m++) {
				snprintf(t->addrs[t->naddrs++].address, sizeof(t->addrs[0].address),
					 "%s", r->answer.rdata[m]);
			}
		}
	}
	for (size_t i = 0; i < f->ntargets * 2 * nh; i++) {
		pt_diag_reply_clear(&tries[i]);
	}
	free(tries);
	return rc;
}

/* One lookup asked through the first few resolvers; the first usable reply is kept. */
struct pt_ask {
	const char *name;
	uint16_t type;
	struct pt_diag_reply *dest;
	/* query options; 0 = PT_FLAG_RD */
	unsigned opts;
};

/* Ask each of @p q through the first few resolvers, all in one batch. */
static enum pt_status pt_ask_all(const struct pt_net *net, const struct pt_diagnose_config *cfg,
				 struct pt_ask *q, size_t n)
{
	size_t nh = cfg->nresolvers < PT_TRUTH_VIA_MAX ? cfg->nresolvers : PT_TRUTH_VIA_MAX;
	struct pt_diag_reply *tries;
	struct pt_batch b = { 0 };
	enum pt_status rc;

	if (n == 0 || nh == 0) {
		return PT_OK;
	}
	tries = calloc(n * nh, sizeof(*tries));
	if (!tries) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t h = 0; h < nh; h++) {
			pt_batch_add(&b, &cfg->resolvers[h], q[i].name, q[i].type,
				     q[i].opts ? q[i].opts : PT_FLAG_RD, &tries[i * nh + h]);
		}
	}
	rc = pt_batch_run(&b, net);
	for (size_t i = 0; i < n; i++) {
		size_t pick = 0;

		for (size_t h = 0; h < nh; h++) {
			if (pt_diag_reply_usable(&tries[i * nh + h])) {
				pick = h;
				break;
			}
		}
		if (rc == PT_OK) {
			pt_diag_reply_clear(q[i].dest);
			*q[i].dest = tries[i * nh + pick];
			memset(&tries[i * nh + pick], 0, sizeof(tries[0]));
		}
		for (size_t h = 0; h < nh; h++) {
			pt_diag_reply_clear(&tries[i * nh + h]);
		}
	}
	free(tries);
	return rc;
}

static bool pt_spf_known(const struct pt_diag_facts *f, const char *name)
{
	for (size_t i = 0; i < f->nspf_names; i++) {
		if (strcmp(f->spf_names[i].name, name) == 0) {
			return true;
		}
	}
	return false;
}

/* A growing list of lookups; the names are borrowed (facts, or the caller's arrays). */
struct pt_asks {
	struct pt_ask *v;
	size_t n, cap;
	bool oom;
};

static void pt_asks_add(struct pt_asks *a, const char *name, uint16_t type,
			struct pt_diag_reply *dest, unsigned opts)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct pt_ask *v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (struct pt_ask){ name, type, dest, opts };
}

/* Ask every lookup of @p a in one batch, then empty it. */
static enum pt_status pt_asks_run(struct pt_asks *a, const struct pt_net *net,
				  const struct pt_diagnose_config *cfg)
{
	enum pt_status rc = a->oom ? PT_ERR_NOMEM : pt_ask_all(net, cfg, a->v, a->n);

	a->n = 0;
	return rc;
}

/* The next level of the SPF tree: the include/redirect targets of the records read last
 * (the domain's when @p *done is SIZE_MAX, else spf_names[*done..]) not yet known, added to
 * the facts and to @p a. */
static void pt_spf_next(struct pt_diag_facts *f, size_t *done, struct pt_asks *a)
{
	size_t before = f->nspf_names;
	bool first = *done == SIZE_MAX;
	char rec[4096];

	for (size_t i = first ? 0 : *done; i < (first ? 1 : before); i++) {
		const struct pt_diag_reply *r = first ? &f->txt : &f->spf_names[i].txt;
		char targets[16][256];
		size_t nt;

		if (pt_diag_spf_record(r, rec, sizeof(rec)) != 1) {
			continue;
		}
		nt = pt_spf_targets(rec, targets, 16);
		for (size_t k = 0; k < nt && k < 16; k++) {
			if (f->nspf_names < PT_DIAG_MAX_SPF_NAMES && !pt_spf_known(f, targets[k])) {
				struct pt_diag_spf_name *s = &f->spf_names[f->nspf_names++];

				snprintf(s->name, sizeof(s->name), "%s", targets[k]);
				pt_asks_add(a, s->name, PT_TYPE_TXT, &s->txt, 0);
			}
		}
	}
	*done = before;
}

/* The A (AAAA) of the names the PTR records gave: forward confirmation. */
static void pt_ptr_forward(struct pt_diag_facts *f, struct pt_asks *q)
{
	for (size_t i = 0; i < f->ntargets; i++) {
		for (size_t m = 0; m < f->targets[i].naddrs; m++) {
			struct pt_diag_address *a = &f->targets[i].addrs[m];
			const struct pt_answer *ans = &a->ptr.answer;

			for (size_t p = 0; pt_diag_reply_usable(&a->ptr) &&
					   ans->kind == PT_ANSWER_DATA && p < ans->count && p < 2;
			     p++) {
				snprintf(a->ptr_names[p], sizeof(a->ptr_names[0]), "%s",
					 ans->rdata[p]);
				pt_asks_add(q, a->ptr_names[p],
					    strchr(a->address, ':') ? PT_TYPE_AAAA : PT_TYPE_A,
					    &a->ptr_fwd[p], 0);
			}
		}
	}
}

/* The MTA-STS policy, when _mta-sts.DOMAIN publishes a record: fetched over HTTPS from
 * mta-sts.DOMAIN, pinned to the address this diagnosis's own lookup gave. */
static enum pt_status pt_gather_sts(struct pt_diag_facts *f, const struct pt_diagnose_config *cfg)
{
	char text[1024], id[40], why[80];
	struct pt_http_response resp;
	bool any = false;

	for (size_t i = 0; pt_diag_reply_usable(&f->sts_txt) &&
			   f->sts_txt.answer.kind == PT_ANSWER_DATA && i < f->sts_txt.answer.count;
	     i++) {
		any |= pt_txt_join(f->sts_txt.answer.rdata[i], text, sizeof(text)) == PT_OK &&
		       (pt_mtasts_record(text, id, sizeof(id), why, sizeof(why)) || *why);
	}
	if (!any || !pt_diag_reply_usable(&f->sts_a) || f->sts_a.answer.kind != PT_ANSWER_DATA ||
	    f->sts_a.answer.count == 0) {
		return PT_OK;
	}
	snprintf(f->sts_address, sizeof(f->sts_address), "%s", f->sts_a.answer.rdata[0]);
	f->sts_fetched = true;
	f->sts_rc = pt_mtasts_fetch(f->domain, f->sts_address, cfg->ca_file,
				    cfg->smtp_timeout_ms ? cfg->smtp_timeout_ms : 5000,
				    PT_MTASTS_MAX_BODY, &resp);
	if (f->sts_rc == PT_ERR_NOMEM) {
		pt_http_response_fini(&resp);
		return PT_ERR_NOMEM;
	}
	f->sts_status = resp.status;
	snprintf(f->sts_error, sizeof(f->sts_error), "%s", resp.error);
	if (f->sts_rc == PT_OK) {
		f->sts_body = resp.body;
		resp.body = NULL;
	}
	pt_http_response_fini(&resp);
	return PT_OK;
}

/* The mail-side facts: SPF (and its tree), the MTA-STS record and policy, the PTR of every
 * MX address (and the names it gives), the TLSA of every MX target. The first round asks
 * everything known; the next ones only what the answers name (SPF includes, PTR names), so a
 * domain without includes costs one batch. */
static enum pt_status pt_gather_mail(struct pt_diag_facts *f, const struct pt_net *net,
				     const struct pt_diagnose_config *cfg)
{
	char sts_txt[300], sts_host[300], (*tlsa)[300], (*rev)[128];
	struct pt_asks q = { 0 };
	size_t naddrs = 0, k = 0, done = SIZE_MAX;
	enum pt_status rc;

	f->providers = cfg->providers;
	snprintf(f->provider, sizeof(f->provider), "%s", cfg->provider ? cfg->provider : "");
	for (size_t i = 0; i < f->ntargets; i++) {
		naddrs += f->targets[i].naddrs;
	}
	tlsa = calloc(f->ntargets + 1, sizeof(*tlsa));
	rev = calloc(naddrs + 1, sizeof(*rev));
	f->spf_names = calloc(PT_DIAG_MAX_SPF_NAMES, sizeof(*f->spf_names));
	if (!tlsa || !rev || !f->spf_names) {
		free(tlsa);
		free(rev);
		return PT_ERR_NOMEM;
	}
	snprintf(sts_txt, sizeof(sts_txt), "_mta-sts.%s", f->domain);
	snprintf(sts_host, sizeof(sts_host), "mta-sts.%s", f->domain);
	pt_asks_add(&q, f->domain, PT_TYPE_TXT, &f->txt, 0);
	pt_asks_add(&q, sts_txt, PT_TYPE_TXT, &f->sts_txt, 0);
	pt_asks_add(&q, sts_host, PT_TYPE_A, &f->sts_a, 0);
	for (size_t i = 0; i < f->ntargets; i++) {
		struct pt_diag_target *t = &f->targets[i];

		/* RFC 7672 §2.2, with DO so that a validating resolver sets AD */
		if (!t->literal) {
			snprintf(tlsa[i], sizeof(tlsa[0]), "_25._tcp.%s", t->name);
			pt_asks_add(&q, tlsa[i], PT_TYPE_TLSA, &t->tlsa, PT_FLAG_RD | PT_FLAG_DO);
		}
		for (size_t m = 0; m < t->naddrs; m++, k++) {
			if (pt_reverse_name(t->addrs[m].address, rev[k], sizeof(rev[0])) == PT_OK) {
				pt_asks_add(&q, rev[k], PT_TYPE_PTR, &t->addrs[m].ptr, 0);
			}
		}
	}
	rc = pt_asks_run(&q, net, cfg);
	for (unsigned depth = 0; rc == PT_OK && depth < PT_SPF_MAX_DEPTH; depth++) {
		pt_spf_next(f, &done, &q);
		if (depth == 0) {
			pt_ptr_forward(f, &q);
		}
		if (q.n == 0 && !q.oom) {
			break;
		}
		rc = pt_asks_run(&q, net, cfg);
	}
	free(q.v);
	free(tlsa);
	free(rev);
	if (rc == PT_OK) {
		rc = pt_gather_sts(f, cfg);
	}
	return rc;
}

/* The certificate each address presents after STARTTLS, for targets whose TLSA records
 * validated (AD): what DANE senders check. One server at a time, after the SMTP probes. */
static void pt_gather_dane(struct pt_diag_facts *f, const struct pt_diagnose_config *cfg)
{
	for (size_t i = 0; f->smtp && i < f->ntargets; i++) {
		struct pt_diag_target *t = &f->targets[i];

		if (!pt_diag_reply_usable(&t->tlsa) || t->tlsa.answer.kind != PT_ANSWER_DATA ||
		    !(t->tlsa.answer.flags & PT_FLAG_AD)) {
			continue;
		}
		for (size_t m = 0; m < t->naddrs; m++) {
			struct pt_diag_address *a = &t->addrs[m];

			if (a->probed && a->smtp.starttls) {
				a->tls_tried = true;
				pt_smtp_starttls(a->address, f->smtp_port, t->name, cfg->helo,
						 cfg->smtp_timeout_ms, &a->tls);
			}
		}
	}
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

enum pt_status pt_diagnose_gather(struct pt_diag_facts *f, const struct pt_net *net,
				  const struct pt_diagnose_config *cfg)
{
	struct pt_batch b = { 0 };
	enum pt_status rc;

	memset(f, 0, sizeof(*f));
	f->wall_ms = pt_clock_wall_ms();
	if (pt_name_normalise(f->domain, sizeof(f->domain), cfg->domain ? cfg->domain : "") !=
	    PT_OK) {
		return PT_ERR_PARSE;
	}

	/* 1. the zone, its name servers and the parent's, found as the truth finds them */
	rc = pt_truth_find_zone(f->zone, sizeof(f->zone), net, cfg->resolvers, cfg->nresolvers,
				f->domain);
	if (rc == PT_OK) {
		rc = pt_gather_auth(f, net, cfg);
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
		const char *zone = *f->zone ? f->zone : f->domain;
		struct pt_resolver to;

		if (!*a->address || pt_resolver_parse_address(&to, a->address, NULL, 0) != PT_OK) {
			continue;
		}
		pt_resolver_set_port(&to, a->port);
		pt_batch_add(&b, &to, zone, PT_TYPE_SOA, 0, &a->soa);
		pt_batch_add(&b, &to, f->domain, PT_TYPE_MX, 0, &a->mx);
		pt_batch_add(&b, &to, zone, PT_TYPE_NS, 0, &a->ns);
		pt_batch_add(&b, &to, f->domain, PT_TYPE_CNAME, 0, &a->cname);
		pt_batch_add(&b, &to, zone, PT_TYPE_DNSKEY, 0, &a->dnskey);
	}
	for (size_t i = 0; i < f->nparents; i++) {
		struct pt_diag_parent *p = &f->parents[i];
		struct pt_resolver to;

		if (pt_resolver_parse_address(&to, p->address, NULL, 0) == PT_OK) {
			pt_resolver_set_port(&to, p->port);
			pt_batch_add(&b, &to, f->zone, PT_TYPE_NS, 0, &p->ns);
		}
	}
	for (size_t i = 0; i < f->nresolvers; i++) {
		f->resolvers[i].resolver = cfg->resolvers[i];
		pt_batch_add(&b, &cfg->resolvers[i], f->domain, PT_TYPE_MX, PT_FLAG_RD,
			     &f->resolvers[i].mx);
	}
	rc = pt_batch_run(&b, net);
	for (size_t i = 0; rc == PT_OK && i < f->nparents; i++) {
		rc = pt_parent_delegation(&f->parents[i]);
	}
	if (rc == PT_OK) {
		rc = pt_gather_reference(f);
	}

	/* 3. MX targets' addresses; resolvers that said SERVFAIL, again with CD */
	if (rc == PT_OK) {
		rc = pt_gather_targets(f, net, cfg);
	}
	for (size_t i = 0; rc == PT_OK && i < f->nresolvers; i++) {
		struct pt_diag_resolver *r = &f->resolvers[i];

		if (pt_reply_class(r->mx.result, &r->mx.answer) == PT_CLASS_SERVFAIL) {
			pt_batch_add(&b, &r->resolver, f->domain, PT_TYPE_MX,
				     PT_FLAG_RD | PT_FLAG_CD, &r->mx_cd);
		}
	}
	if (rc == PT_OK) {
		rc = pt_batch_run(&b, net);
	}

	/* 4. the mail side: SPF, PTR, MTA-STS */
	if (rc == PT_OK) {
		rc = pt_gather_mail(f, net, cfg);
	}

	/* 5. SMTP, every address at once; then STARTTLS where DANE applies */
	if (rc == PT_OK) {
		rc = pt_gather_smtp(cfg, f);
	}
	if (rc == PT_OK) {
		pt_gather_dane(f, cfg);
	}
	return rc;
}
