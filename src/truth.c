#include "truth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "verdict.h"

/* CNAME hops followed into other zones when finding the truth. */
#define CNAME_DEPTH_MAX 8
/* Caps that keep discovery small whatever a zone publishes: NS names, and addresses per name
 * and family. */
#define NS_NAMES_MAX 16
#define ADDRS_PER_FAMILY 4
/* Labels climbed at most when looking for a zone cut. */
#define CLIMB_MAX 128

struct pt_truth_cache {
	char domain[256];
	struct pt_zone_servers zs;
	uint64_t found_ns;
	bool found;
};

const char *pt_truth_source_name(enum pt_truth_source s)
{
	switch (s) {
	case PT_TRUTH_EXPECTED:
		return "expected";
	case PT_TRUTH_AUTHORITATIVE:
		return "authoritative";
	case PT_TRUTH_MAJORITY:
		return "majority";
	default:
		return "none";
	}
}

const char *pt_auth_status_name(enum pt_auth_status s)
{
	static const char *const names[] = {
		"ok", "lagging", "lame", "timeout", "refused", "error"
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0])) {
		return "error";
	}
	return names[s];
}

void pt_truth_fini(struct pt_truth *t)
{
	if (t == NULL) {
		return;
	}
	pt_answer_fini(&t->answer);
	for (size_t i = 0; i < t->nservers; i++) {
		pt_answer_fini(&t->servers[i].answer);
	}
	free(t->servers);
	memset(t, 0, sizeof(*t));
}

enum pt_status pt_truth_copy(struct pt_truth *dst, const struct pt_truth *src)
{
	*dst = *src;
	dst->servers = NULL;
	dst->nservers = 0;
	memset(&dst->answer, 0, sizeof(dst->answer));
	if (pt_answer_copy(&dst->answer, &src->answer) != PT_OK) {
		goto fail;
	}
	if (src->nservers > 0) {
		dst->servers = calloc(src->nservers, sizeof(*dst->servers));
		if (dst->servers == NULL) {
			goto fail;
		}
		for (size_t i = 0; i < src->nservers; i++) {
			dst->servers[i] = src->servers[i];
			memset(&dst->servers[i].answer, 0, sizeof(struct pt_answer));
			dst->nservers = i + 1;
			if (pt_answer_copy(&dst->servers[i].answer, &src->servers[i].answer) !=
			    PT_OK) {
				goto fail;
			}
		}
	}
	return PT_OK;
fail:
	pt_truth_fini(dst);
	return PT_ERR_NOMEM;
}

bool pt_truth_known(const struct pt_truth *t)
{
	return t != NULL && t->source != PT_TRUTH_NONE;
}

int pt_serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;

	if (a == b) {
		return 0;
	}
	if (d == 0x80000000u) {
		return a < b ? -1 : 1;
	}
	return d < 0x80000000u ? 1 : -1;
}

struct pt_truth_cache *pt_truth_cache_new(void)
{
	return calloc(1, sizeof(struct pt_truth_cache));
}

void pt_truth_cache_reset(struct pt_truth_cache *c)
{
	pt_zone_servers_fini(&c->zs);
	memset(c, 0, sizeof(*c));
}

void pt_truth_cache_free(struct pt_truth_cache *c)
{
	if (c == NULL) {
		return;
	}
	pt_truth_cache_reset(c);
	free(c);
}

enum pt_status pt_truth_config_copy(struct pt_truth_config *dst, const struct pt_truth_config *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->auth_port = src->auth_port;
	if (src->nexpect > 0) {
		dst->expect = calloc(src->nexpect, sizeof(char *));
		if (dst->expect == NULL) {
			goto fail;
		}
		for (size_t i = 0; i < src->nexpect; i++) {
			dst->expect[i] = strdup(src->expect[i]);
			if (dst->expect[i] == NULL) {
				goto fail;
			}
			dst->nexpect = i + 1;
		}
	}
	if (src->nauth > 0) {
		dst->auth = malloc(src->nauth * sizeof(*dst->auth));
		if (dst->auth == NULL) {
			goto fail;
		}
		memcpy(dst->auth, src->auth, src->nauth * sizeof(*dst->auth));
		dst->nauth = src->nauth;
	}
	return PT_OK;
fail:
	pt_truth_config_fini(dst);
	return PT_ERR_NOMEM;
}

void pt_truth_config_fini(struct pt_truth_config *cfg)
{
	for (size_t i = 0; i < cfg->nexpect; i++) {
		free(cfg->expect[i]);
	}
	free(cfg->expect);
	free(cfg->auth);
	memset(cfg, 0, sizeof(*cfg));
}

void pt_zone_servers_fini(struct pt_zone_servers *z)
{
	for (size_t i = 0; i < z->nnames; i++) {
		free(z->names[i]);
	}
	free(z->names);
	free(z->servers);
	memset(z, 0, sizeof(*z));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- lookups raced over the first resolvers ---- */

/* What a lookup waits for. */
enum want {
	WANT_ZONE, /* any answer carrying an SOA (the zone cut) */
	WANT_DATA, /* records of the asked type */
};

/* One question raced over the helpers: the first usable reply wins. */
struct lookup {
	const char *qname;
	uint16_t qtype;
	enum want want;
	size_t pending;	   /* helper replies still to come in this round */
	int winner;	   /* the helper whose reply won, -1 while none */
	unsigned servfail; /* helpers that said SERVFAIL (bit per helper) */
	bool replied;	   /* some helper replied at all */
	struct pt_answer answer;
};

/* Lookups in flight. Late replies keep it alive (refs) after the caller went on. */
struct lookups {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t refs;
	size_t open; /* lookups without a winner and with replies to come */
	struct lookup *v;
	size_t n;
};

static bool usable(enum want want, const struct pt_reply *reply)
{
	if (pt_reply_class(reply->result, &reply->answer) != PT_CLASS_ANSWER) {
		return false;
	}
	return want == WANT_ZONE ? reply->answer.zone != NULL
				 : reply->answer.kind == PT_ANSWER_DATA;
}

static void lookups_unref(struct lookups *ls)
{
	bool last;

	pthread_mutex_lock(&ls->lock);
	last = --ls->refs == 0;
	pthread_mutex_unlock(&ls->lock);
	if (!last) {
		return;
	}
	for (size_t i = 0; i < ls->n; i++) {
		pt_answer_fini(&ls->v[i].answer);
	}
	free(ls->v);
	pthread_cond_destroy(&ls->cond);
	pthread_mutex_destroy(&ls->lock);
	free(ls);
}

static void lookup_done(void *ctx, const struct pt_request *req, struct pt_reply *reply)
{
	struct lookups *ls = ctx;
	struct lookup *l = &ls->v[req->tag / PT_TRUTH_VIA_MAX];
	unsigned helper = (unsigned)(req->tag % PT_TRUTH_VIA_MAX);

	pthread_mutex_lock(&ls->lock);
	l->pending--;
	l->replied |= reply->result == PT_REPLY_OK;
	if (pt_reply_class(reply->result, &reply->answer) == PT_CLASS_SERVFAIL) {
		l->servfail |= 1u << helper;
	}
	if (l->winner < 0 && usable(l->want, reply)) {
		l->winner = (int)helper;
		l->answer = reply->answer;
		memset(&reply->answer, 0, sizeof(reply->answer));
		ls->open--;
	} else if (l->winner < 0 && l->pending == 0) {
		ls->open--;
	}
	pthread_cond_broadcast(&ls->cond);
	pthread_mutex_unlock(&ls->lock);
	lookups_unref(ls);
}

/* Send lookup @p i to the helpers in @p mask with @p opts. Called with the lock not held. */
static void lookup_send(struct lookups *ls, size_t i, const struct pt_net *net,
			const struct pt_resolver *via, unsigned mask, unsigned opts)
{
	struct lookup *l = &ls->v[i];

	pthread_mutex_lock(&ls->lock);
	for (unsigned h = 0; h < PT_TRUTH_VIA_MAX; h++) {
		l->pending += (mask >> h) & 1u;
	}
	ls->refs += l->pending;
	ls->open += l->pending > 0;
	pthread_mutex_unlock(&ls->lock);
	for (unsigned h = 0; h < PT_TRUTH_VIA_MAX; h++) {
		struct pt_request q;

		if (!((mask >> h) & 1u)) {
			continue;
		}
		pt_request_init(&q, &via[h].sa, via[h].salen, l->qname, l->qtype, opts);
		q.tag = i * PT_TRUTH_VIA_MAX + h;
		if (pt_net_submit(net, &q, lookup_done, ls) != PT_OK) {
			/* as if it had replied with nothing */
			pthread_mutex_lock(&ls->lock);
			ls->refs--;
			if (--l->pending == 0 && l->winner < 0) {
				ls->open--;
			}
			pthread_mutex_unlock(&ls->lock);
		}
	}
}

static void lookups_wait(struct lookups *ls)
{
	pthread_mutex_lock(&ls->lock);
	while (ls->open > 0) {
		pthread_cond_wait(&ls->cond, &ls->lock);
	}
	pthread_mutex_unlock(&ls->lock);
}

/*
 * Ask every question of @p qnames / @p qtypes through the first helpers at once; each takes
 * the first usable reply. A question that only got SERVFAIL is asked again with CD set of the
 * helpers that said so: a validating resolver SERVFAILs every name of a DNSSEC-bogus zone,
 * and the truth still has to come from that zone's servers.
 * @param[out] out n answers (zeroed where nothing usable came); caller releases each
 * @param[out] replied n flags: some helper replied at all (may be NULL)
 */
static enum pt_status lookup_all(const struct pt_net *net, const struct pt_resolver *via,
				 size_t nvia, const char *const *qnames, const uint16_t *qtypes,
				 size_t n, enum want want, struct pt_answer *out, bool *replied)
{
	size_t nh = nvia < PT_TRUTH_VIA_MAX ? nvia : PT_TRUTH_VIA_MAX;
	struct lookups *ls;

	memset(out, 0, n * sizeof(*out));
	if (replied != NULL) {
		memset(replied, 0, n * sizeof(*replied));
	}
	if (n == 0 || nh == 0) {
		return PT_OK;
	}
	ls = calloc(1, sizeof(*ls));
	if (ls == NULL || (ls->v = calloc(n, sizeof(*ls->v))) == NULL) {
		free(ls);
		return PT_ERR_NOMEM;
	}
	pthread_mutex_init(&ls->lock, NULL);
	pthread_cond_init(&ls->cond, NULL);
	ls->refs = 1;
	ls->n = n;
	for (size_t i = 0; i < n; i++) {
		ls->v[i].qname = qnames[i];
		ls->v[i].qtype = qtypes[i];
		ls->v[i].want = want;
		ls->v[i].winner = -1;
	}
	for (size_t i = 0; i < n; i++) {
		lookup_send(ls, i, net, via, (1u << nh) - 1, PT_FLAG_RD);
	}
	lookups_wait(ls);
	for (size_t i = 0; i < n; i++) {
		unsigned sf;

		pthread_mutex_lock(&ls->lock);
		sf = ls->v[i].winner < 0 ? ls->v[i].servfail : 0;
		ls->v[i].servfail = 0;
		pthread_mutex_unlock(&ls->lock);
		if (sf != 0) {
			lookup_send(ls, i, net, via, sf, PT_FLAG_RD | PT_FLAG_CD);
		}
	}
	lookups_wait(ls);
	pthread_mutex_lock(&ls->lock);
	for (size_t i = 0; i < n; i++) {
		if (ls->v[i].winner >= 0) {
			out[i] = ls->v[i].answer;
			memset(&ls->v[i].answer, 0, sizeof(ls->v[i].answer));
		}
		if (replied != NULL) {
			replied[i] = ls->v[i].replied;
		}
		/* the question names are the caller's: late replies must not read them */
		ls->v[i].qname = NULL;
	}
	pthread_mutex_unlock(&ls->lock);
	lookups_unref(ls);
	return PT_OK;
}

enum pt_status pt_truth_find_zone(char *zone, size_t size, const struct pt_net *net,
				  const struct pt_resolver *via, size_t nvia, const char *name)
{
	char cand[256];
	enum pt_status rc = PT_OK;

	zone[0] = '\0';
	snprintf(cand, sizeof(cand), "%s", name);
	for (int step = 0; step < CLIMB_MAX; step++) {
		const char *qn = cand;
		uint16_t qt = PT_TYPE_SOA;
		struct pt_answer a;
		bool replied;

		rc = lookup_all(net, via, nvia, &qn, &qt, 1, WANT_ZONE, &a, &replied);
		if (rc != PT_OK) {
			return rc;
		}
		/* An alias has no SOA of its own (a CNAME is never at an apex): its zone is its
		 * parent name's. The SOA owner below an alias would be the target's zone. */
		if (a.zone != NULL && a.ncnames == 0) {
			snprintf(zone, size, "%s", a.zone);
			pt_answer_fini(&a);
			return PT_OK;
		}
		pt_answer_fini(&a);
		/* silence from every resolver: climbing would only wait again */
		if (!replied || !pt_name_parent(cand, cand, sizeof(cand))) {
			break;
		}
	}
	return rc;
}

enum pt_status pt_truth_zone_servers(struct pt_zone_servers *out, const struct pt_net *net,
				     const struct pt_resolver *via, size_t nvia, const char *zone,
				     uint16_t port)
{
	const char *qn = zone;
	uint16_t qt = PT_TYPE_NS;
	struct pt_answer ns, *addrs = NULL;
	const char **qnames = NULL;
	uint16_t *qtypes = NULL;
	enum pt_status rc;
	size_t n;

	memset(out, 0, sizeof(*out));
	snprintf(out->zone, sizeof(out->zone), "%s", zone);
	rc = lookup_all(net, via, nvia, &qn, &qt, 1, WANT_DATA, &ns, NULL);
	if (rc != PT_OK || ns.count == 0) {
		pt_answer_fini(&ns);
		return rc;
	}
	n = ns.count < NS_NAMES_MAX ? ns.count : NS_NAMES_MAX;
	out->names = calloc(n, sizeof(char *));
	qnames = calloc(2 * n, sizeof(*qnames));
	qtypes = calloc(2 * n, sizeof(*qtypes));
	addrs = calloc(2 * n, sizeof(*addrs));
	out->servers = calloc(2 * n * ADDRS_PER_FAMILY, sizeof(*out->servers));
	rc = PT_ERR_NOMEM;
	if (out->names == NULL || qnames == NULL || qtypes == NULL || addrs == NULL ||
	    out->servers == NULL) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		/* NS RDATA is one lower-case absolute name, as the parser prints it */
		out->names[i] = strdup(ns.rdata[i]);
		if (out->names[i] == NULL) {
			goto out;
		}
		out->nnames++;
	}
	qsort(out->names, out->nnames, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		qnames[2 * i] = out->names[i];
		qtypes[2 * i] = PT_TYPE_A;
		qnames[2 * i + 1] = out->names[i];
		qtypes[2 * i + 1] = PT_TYPE_AAAA;
	}
	rc = lookup_all(net, via, nvia, qnames, qtypes, 2 * n, WANT_DATA, addrs, NULL);
	for (size_t i = 0; rc == PT_OK && i < 2 * n; i++) {
		for (size_t j = 0; j < addrs[i].count && j < ADDRS_PER_FAMILY; j++) {
			struct pt_ns_addr *s = &out->servers[out->nservers];

			if (pt_resolver_parse_address(&s->addr, addrs[i].rdata[j], NULL, 0) !=
			    PT_OK) {
				continue;
			}
			pt_resolver_set_port(&s->addr, port ? port : PT_DNS_PORT);
			snprintf(s->name, sizeof(s->name), "%s", qnames[i]);
			out->nservers++;
		}
	}
out:
	for (size_t i = 0; addrs != NULL && i < 2 * n; i++) {
		pt_answer_fini(&addrs[i]);
	}
	free(addrs);
	free(qnames);
	free(qtypes);
	pt_answer_fini(&ns);
	if (rc != PT_OK) {
		pt_zone_servers_fini(out);
	}
	return rc;
}

enum pt_auth_status pt_truth_judge_server(const struct pt_reply *rec, const struct pt_reply *soa)
{
	/* The record query decides, unless only the SOA query failed. */
	const struct pt_reply *r =
		rec->result == PT_REPLY_OK && soa->result != PT_REPLY_OK ? soa : rec;

	switch (pt_reply_class(r->result, &r->answer)) {
	case PT_CLASS_ANSWER:
		return (r->answer.flags & PT_FLAG_AA) ? PT_AUTH_OK : PT_AUTH_LAME;
	case PT_CLASS_REFERRAL:
		return PT_AUTH_LAME;
	case PT_CLASS_TIMEOUT:
		return PT_AUTH_TIMEOUT;
	case PT_CLASS_REFUSED:
		return PT_AUTH_REFUSED;
	default:
		return PT_AUTH_ERROR;
	}
}

/* ---- the truth ---- */

/* The expected values as an answer: normalised like parsed RDATA, sorted, deduplicated. */
static enum pt_status expected_answer(struct pt_answer *out, const struct pt_truth_config *cfg,
				      uint16_t qtype)
{
	size_t w = 0;

	memset(out, 0, sizeof(*out));
	out->rdata = calloc(cfg->nexpect, sizeof(char *));
	if (out->rdata == NULL) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < cfg->nexpect; i++) {
		enum pt_status rc =
			pt_rdata_normalise(&out->rdata[out->count], qtype, cfg->expect[i]);

		if (rc != PT_OK) {
			pt_answer_fini(out);
			return rc;
		}
		out->count++;
	}
	qsort(out->rdata, out->count, sizeof(char *), cmp_str);
	for (size_t i = 0; i < out->count; i++) {
		if (w > 0 && strcmp(out->rdata[w - 1], out->rdata[i]) == 0) {
			free(out->rdata[i]);
			continue;
		}
		out->rdata[w++] = out->rdata[i];
	}
	out->count = w;
	out->kind = PT_ANSWER_DATA;
	out->ede = -1;
	return PT_OK;
}

static void free_replies(struct pt_reply *r, size_t n)
{
	for (size_t i = 0; r != NULL && i < n; i++) {
		pt_reply_fini(&r[i]);
	}
}

/* The zone's servers for @p domain: the cached ones while fresh, else discovered again. */
static enum pt_status discover(struct pt_truth_cache *c, const struct pt_net *net,
			       const struct pt_resolver *via, size_t nvia, const char *domain,
			       uint16_t port, uint64_t now_ns)
{
	char zone[256];
	enum pt_status rc;

	if (c->found && strcmp(c->domain, domain) == 0 && c->zs.nservers > 0 &&
	    now_ns - c->found_ns <= PT_TRUTH_REDISCOVER_NS) {
		return PT_OK;
	}
	pt_truth_cache_reset(c);
	snprintf(c->domain, sizeof(c->domain), "%s", domain);
	rc = pt_truth_find_zone(zone, sizeof(zone), net, via, nvia, domain);
	if (rc != PT_OK || zone[0] == '\0') {
		return rc;
	}
	rc = pt_truth_zone_servers(&c->zs, net, via, nvia, zone, port);
	if (rc == PT_OK) {
		c->found = true;
		c->found_ns = now_ns;
	}
	return rc;
}

static enum pt_status find(struct pt_truth *out, const struct pt_net *net, struct pt_truth_cache *c,
			   const struct pt_truth_config *cfg, const struct pt_resolver *via,
			   size_t nvia, const char *domain, uint16_t qtype, uint64_t now_ns,
			   int depth);

/*
 * The zone's servers answered with a CNAME chain that leaves the zone (no records of the
 * type, no SOA of a denial): the data lives with the target's own authoritative servers,
 * as a resolver would find it. Follow the chain there, found through the resolvers.
 */
static enum pt_status follow_cname(struct pt_truth *out, const struct pt_net *net,
				   const struct pt_truth_config *cfg, const struct pt_resolver *via,
				   size_t nvia, uint16_t qtype, uint64_t now_ns, int depth)
{
	struct pt_truth_config plain = { .auth_port = cfg->auth_port };
	struct pt_truth_cache *c2 = pt_truth_cache_new();
	struct pt_truth sub;
	enum pt_status rc;

	if (c2 == NULL) {
		return PT_ERR_NOMEM;
	}
	rc = find(&sub, net, c2, &plain, via, nvia, out->answer.cnames[out->answer.ncnames - 1],
		  qtype, now_ns, depth + 1);
	pt_truth_cache_free(c2);
	if (rc != PT_OK) {
		return rc;
	}
	if (sub.source == PT_TRUTH_AUTHORITATIVE) {
		pt_answer_fini(&out->answer);
		out->answer = sub.answer;
		memset(&sub.answer, 0, sizeof(sub.answer));
	}
	pt_truth_fini(&sub);
	return PT_OK;
}

enum pt_status pt_truth_find(struct pt_truth *out, const struct pt_net *net,
			     struct pt_truth_cache *c, const struct pt_truth_config *cfg,
			     const struct pt_resolver *via, size_t nvia, const char *domain,
			     uint16_t qtype, uint64_t now_ns)
{
	return find(out, net, c, cfg, via, nvia, domain, qtype, now_ns, 0);
}

/* The servers to ask: --auth, else the discovered ones. */
static enum pt_status server_list(struct pt_ns_addr **list, size_t *n, struct pt_truth *out,
				  const struct pt_net *net, struct pt_truth_cache *c,
				  const struct pt_truth_config *cfg, const struct pt_resolver *via,
				  size_t nvia, const char *domain, uint64_t now_ns)
{
	enum pt_status rc;

	*list = NULL;
	*n = 0;
	if (cfg->nauth > 0) {
		*list = calloc(cfg->nauth, sizeof(**list));
		if (*list == NULL) {
			return PT_ERR_NOMEM;
		}
		for (size_t i = 0; i < cfg->nauth; i++) {
			(*list)[i].addr = cfg->auth[i];
		}
		*n = cfg->nauth;
		return PT_OK;
	}
	rc = discover(c, net, via, nvia, domain, cfg->auth_port, now_ns);
	if (rc != PT_OK || c->zs.nservers == 0) {
		return rc;
	}
	*list = malloc(c->zs.nservers * sizeof(**list));
	if (*list == NULL) {
		return PT_ERR_NOMEM;
	}
	memcpy(*list, c->zs.servers, c->zs.nservers * sizeof(**list));
	*n = c->zs.nservers;
	snprintf(out->zone, sizeof(out->zone), "%s", c->zs.zone);
	return PT_OK;
}

static enum pt_status find(struct pt_truth *out, const struct pt_net *net, struct pt_truth_cache *c,
			   const struct pt_truth_config *cfg, const struct pt_resolver *via,
			   size_t nvia, const char *domain, uint16_t qtype, uint64_t now_ns,
			   int depth)
{
	struct pt_request *reqs = NULL;
	struct pt_reply *reps = NULL;
	struct pt_ns_addr *list = NULL;
	char parent[256];
	size_t n = 0;
	enum pt_status rc;
	int best = -1;

	memset(out, 0, sizeof(*out));
	if (cfg->nexpect > 0) {
		rc = expected_answer(&out->answer, cfg, qtype);
		if (rc != PT_OK) {
			return rc;
		}
		out->source = PT_TRUTH_EXPECTED;
	}
	rc = server_list(&list, &n, out, net, c, cfg, via, nvia, domain, now_ns);
	if (rc != PT_OK || n == 0) {
		free(list);
		if (rc != PT_OK) {
			pt_truth_fini(out);
		}
		return rc;
	}
	reqs = calloc(2 * n, sizeof(*reqs));
	reps = calloc(2 * n, sizeof(*reps));
	out->servers = calloc(n, sizeof(*out->servers));
	rc = PT_ERR_NOMEM;
	if (reqs == NULL || reps == NULL || out->servers == NULL) {
		goto out;
	}
	/* Record and SOA: the SOA of the zone when discovery found it, else of the name itself
	 * (in the answer at the apex, in the authority section below it). An alias has neither:
	 * then once more, one label up. */
	const char *soa_name = out->zone[0] ? out->zone : domain;

	for (int round = 0; round < 2; round++) {
		bool alias = false;

		for (size_t i = 0; i < n; i++) {
			pt_request_init(&reqs[2 * i], &list[i].addr.sa, list[i].addr.salen, domain,
					qtype, 0);
			pt_request_init(&reqs[2 * i + 1], &list[i].addr.sa, list[i].addr.salen,
					soa_name, PT_TYPE_SOA, 0);
		}
		rc = pt_net_run(net, reqs, 2 * n, reps);
		if (rc != PT_OK) {
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			alias |= reps[2 * i + 1].result == PT_REPLY_OK &&
				 reps[2 * i + 1].answer.ncnames > 0;
		}
		if (!alias || round == 1 || !pt_name_parent(domain, parent, sizeof(parent))) {
			break;
		}
		free_replies(reps, 2 * n);
		soa_name = parent;
	}
	for (size_t i = 0; i < n; i++) {
		struct pt_auth_server *s = &out->servers[i];
		const struct pt_reply *rec = &reps[2 * i];
		const struct pt_reply *soa = &reps[2 * i + 1];

		out->nservers++;
		snprintf(s->name, sizeof(s->name), "%s", list[i].name);
		snprintf(s->address, sizeof(s->address), "%s", list[i].addr.address);
		s->port = list[i].addr.port;
		s->rtt_ms = rec->rtt_ms;
		s->status = pt_truth_judge_server(rec, soa);
		if (soa->result == PT_REPLY_OK && soa->answer.has_serial) {
			s->serial = soa->answer.serial;
			s->has_serial = true;
			if (out->zone[0] == '\0' && soa->answer.zone != NULL) {
				snprintf(out->zone, sizeof(out->zone), "%s", soa->answer.zone);
			}
		}
		if (rec->result == PT_REPLY_OK) {
			s->answer = reps[2 * i].answer;
			memset(&reps[2 * i].answer, 0, sizeof(struct pt_answer));
		}
		if (s->status != PT_AUTH_OK) {
			continue;
		}
		if (best < 0 ||
		    (s->has_serial && (!out->servers[best].has_serial ||
				       pt_serial_cmp(s->serial, out->servers[best].serial) > 0))) {
			best = (int)i;
		}
	}
	rc = PT_OK;
	if (best < 0) {
		goto out;
	}
	const struct pt_auth_server *b = &out->servers[best];

	for (size_t i = 0; i < n; i++) {
		struct pt_auth_server *s = &out->servers[i];

		if (s->status == PT_AUTH_OK && b->has_serial &&
		    (!s->has_serial || pt_serial_cmp(s->serial, b->serial) < 0)) {
			s->status = PT_AUTH_LAGGING;
		}
	}
	out->serial = b->serial;
	out->has_serial = b->has_serial;
	if (out->source == PT_TRUTH_EXPECTED) {
		goto out;
	}
	rc = pt_answer_copy(&out->answer, &b->answer);
	if (rc != PT_OK) {
		goto out;
	}
	out->source = PT_TRUTH_AUTHORITATIVE;
	if (out->answer.kind == PT_ANSWER_NODATA && out->answer.ncnames > 0 &&
	    !out->answer.has_ttl && depth < CNAME_DEPTH_MAX) {
		rc = follow_cname(out, net, cfg, via, nvia, qtype, now_ns, depth);
	}
out:
	free_replies(reps, 2 * n);
	free(reps);
	free(reqs);
	free(list);
	if (rc != PT_OK) {
		pt_truth_fini(out);
	}
	return rc;
}
