#include "truth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Re-discover the name servers after this long; between discoveries a truth check costs
 * two queries per server. */
#define REDISCOVER_NS (300 * PT_NS_PER_S)
/* Resolvers asked in parallel for the zone cut, NS names and their addresses. */
#define VIA_MAX 5
/* CNAME hops followed into other zones when finding the truth. */
#define CNAME_DEPTH_MAX 8
/* Name servers asked at most (a zone with more is unusual; each costs two queries). */
#define SERVERS_MAX 32

struct server {
	char name[256];
	struct pt_resolver addr;
};

struct pt_truth_cache {
	char domain[256];
	char zone[256];
	struct server *servers;
	size_t n;
	uint64_t found_ns;
};

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
	free(c->servers);
	memset(c, 0, sizeof(*c));
}

void pt_truth_cache_free(struct pt_truth_cache *c)
{
	if (c == NULL) {
		return;
	}
	free(c->servers);
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
	if (src->nvia > 0) {
		dst->via = malloc(src->nvia * sizeof(*dst->via));
		if (dst->via == NULL) {
			goto fail;
		}
		memcpy(dst->via, src->via, src->nvia * sizeof(*dst->via));
		dst->nvia = src->nvia;
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
	free(cfg->via);
	memset(cfg, 0, sizeof(*cfg));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The expected values as an answer: normalised like parsed RDATA, sorted, deduplicated. */
static enum pt_status expected_answer(struct pt_answer *out, const struct pt_truth_config *cfg,
				      uint16_t qtype)
{
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
	size_t w = 0;

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

static void request_to(struct pt_request *q, const struct pt_resolver *r, const char *qname,
		       uint16_t qtype, unsigned opts)
{
	memset(q, 0, sizeof(*q));
	q->sa = r->sa;
	q->salen = r->salen;
	q->qname = qname;
	q->qtype = qtype;
	q->opts = opts;
}

/* The name one label up ("b.example." for "a.b.example."; the root stays the root). A CNAME
 * is never at a zone apex, so the zone of an alias is the zone of its parent's name. */
static const char *parent_name(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : ".";
}

/* A question raced over several resolvers: the first usable reply wins and the caller goes
 * on at once; the slower replies still arrive later and only drop their reference. */
struct race {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t pending; /* replies still to come */
	size_t refs;	/* the caller's plus one per reply still to come */
	bool want_zone;
	int winner; /* index of the winning resolver, -1 while none */
	struct pt_answer answer;
};

static bool usable(const struct race *r, const struct pt_reply *reply)
{
	if (reply->result != PT_REPLY_OK) {
		return false;
	}
	return r->want_zone ? reply->answer.zone != NULL : reply->answer.kind == PT_ANSWER_DATA;
}

static void race_unref(struct race *r)
{
	bool last;

	pthread_mutex_lock(&r->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (last) {
		pt_answer_fini(&r->answer);
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		free(r);
	}
}

static void race_done(void *ctx, const struct pt_request *req, struct pt_reply *reply)
{
	struct race *r = ctx;

	pthread_mutex_lock(&r->lock);
	r->pending--;
	if (r->winner < 0 && usable(r, reply)) {
		r->winner = (int)req->tag;
		r->answer = reply->answer;
		memset(&reply->answer, 0, sizeof(reply->answer));
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	race_unref(r);
}

/* Ask up to VIA_MAX resolvers the same question at once; the first usable reply (DATA, or
 * any answer carrying an SOA when @p want_zone) wins. @return the index of the winning
 * resolver in cfg->via with its answer moved to @p out, or -1. */
static int race_via(struct pt_engine *e, const struct pt_truth_config *cfg, const char *qname,
		    uint16_t qtype, bool want_zone, struct pt_answer *out)
{
	size_t n = cfg->nvia < VIA_MAX ? cfg->nvia : VIA_MAX;
	struct race *r = calloc(1, sizeof(*r));
	int winner;

	memset(out, 0, sizeof(*out));
	if (r == NULL || n == 0) {
		free(r);
		return -1;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->want_zone = want_zone;
	r->winner = -1;
	r->refs = 1;
	for (size_t i = 0; i < n; i++) {
		struct pt_request q;

		request_to(&q, &cfg->via[i], qname, qtype, PT_FLAG_RD);
		q.tag = i;
		pthread_mutex_lock(&r->lock);
		r->refs++;
		r->pending++;
		pthread_mutex_unlock(&r->lock);
		if (pt_engine_submit(e, &q, race_done, r) != PT_OK) {
			pthread_mutex_lock(&r->lock);
			r->refs--;
			r->pending--;
			pthread_mutex_unlock(&r->lock);
		}
	}
	pthread_mutex_lock(&r->lock);
	while (r->winner < 0 && r->pending > 0) {
		pthread_cond_wait(&r->cond, &r->lock);
	}
	winner = r->winner;
	if (winner >= 0) {
		*out = r->answer;
		memset(&r->answer, 0, sizeof(r->answer));
	}
	pthread_mutex_unlock(&r->lock);
	race_unref(r);
	return winner;
}

static void free_replies(struct pt_reply *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pt_reply_fini(&r[i]);
	}
}

/* Walk to the zone cut and collect every name server address, through the resolvers: the
 * first resolver to answer the SOA question answers the rest (it has shown it is alive). */
static enum pt_status discover(struct pt_truth_cache *c, struct pt_engine *e,
			       const struct pt_truth_config *cfg, const char *domain)
{
	struct pt_answer soa;
	struct pt_answer ns;
	struct pt_reply rep;
	struct pt_request q;
	int k;

	pt_truth_cache_reset(c);
	snprintf(c->domain, sizeof(c->domain), "%s", domain);
	/* The SOA owner in the answer (at the apex) or authority section (below it) is the
	 * zone cut; one query instead of walking up label by label. */
	k = race_via(e, cfg, domain, 6 /* SOA */, true, &soa);
	if (k >= 0 && soa.ncnames > 0) {
		/* The resolver followed an alias into the target's zone: ask one label up. */
		pt_answer_fini(&soa);
		k = race_via(e, cfg, parent_name(domain), 6 /* SOA */, true, &soa);
	}
	if (k < 0) {
		return PT_OK;
	}
	snprintf(c->zone, sizeof(c->zone), "%s", soa.zone);
	pt_answer_fini(&soa);
	request_to(&q, &cfg->via[k], c->zone, 2 /* NS */, PT_FLAG_RD);
	if (pt_engine_run(e, &q, 1, &rep) != PT_OK) {
		return PT_ERR_NOMEM;
	}
	if (rep.result == PT_REPLY_OK && rep.answer.kind == PT_ANSWER_DATA) {
		ns = rep.answer;
		memset(&rep.answer, 0, sizeof(rep.answer));
	} else if ((k = race_via(e, cfg, c->zone, 2 /* NS */, false, &ns)) < 0) {
		pt_reply_fini(&rep);
		return PT_OK;
	}
	pt_reply_fini(&rep);

	size_t nns = ns.count < SERVERS_MAX ? ns.count : SERVERS_MAX;
	struct pt_request *reqs = calloc(nns * 2 + 1, sizeof(*reqs));
	struct pt_reply *addrs = calloc(nns * 2 + 1, sizeof(*addrs));
	enum pt_status rc = PT_ERR_NOMEM;

	if (reqs == NULL || addrs == NULL) {
		goto out;
	}
	for (size_t i = 0; i < nns; i++) {
		request_to(&reqs[2 * i], &cfg->via[k], ns.rdata[i], 1 /* A */, PT_FLAG_RD);
		request_to(&reqs[2 * i + 1], &cfg->via[k], ns.rdata[i], 28 /* AAAA */, PT_FLAG_RD);
	}
	rc = pt_engine_run(e, reqs, nns * 2, addrs);
	if (rc != PT_OK) {
		goto out;
	}
	c->servers = calloc(SERVERS_MAX, sizeof(*c->servers));
	if (c->servers == NULL) {
		rc = PT_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nns * 2; i++) {
		const struct pt_answer *a = &addrs[i].answer;

		if (addrs[i].result != PT_REPLY_OK || a->kind != PT_ANSWER_DATA) {
			continue;
		}
		for (size_t j = 0; j < a->count && c->n < SERVERS_MAX; j++) {
			struct server *s = &c->servers[c->n];

			if (pt_resolver_parse_address(&s->addr, a->rdata[j], NULL, 0) != PT_OK) {
				continue;
			}
			pt_resolver_set_port(&s->addr, cfg->auth_port ? cfg->auth_port : 53);
			snprintf(s->name, sizeof(s->name), "%s", ns.rdata[i / 2]);
			c->n++;
		}
	}
	rc = PT_OK;
out:
	if (addrs != NULL) {
		free_replies(addrs, nns * 2);
	}
	free(addrs);
	free(reqs);
	pt_answer_fini(&ns);
	return rc;
}

static enum pt_auth_status judge_server(const struct pt_reply *rec, const struct pt_reply *soa)
{
	const struct pt_reply *worst = rec;

	/* The record query decides, unless only the SOA query failed. */
	if (rec->result == PT_REPLY_OK && soa->result != PT_REPLY_OK) {
		worst = soa;
	}
	switch (worst->result) {
	case PT_REPLY_OK:
		break;
	case PT_REPLY_TIMEOUT:
	case PT_REPLY_UNREACHABLE:
		return PT_AUTH_TIMEOUT;
	default:
		return PT_AUTH_ERROR;
	}
	const struct pt_answer *a = &rec->answer;

	if (a->kind == PT_ANSWER_RCODE) {
		return a->rcode == 5 ? PT_AUTH_REFUSED : PT_AUTH_ERROR;
	}
	if (a->kind == PT_ANSWER_REFERRAL || !(a->flags & PT_FLAG_AA)) {
		return PT_AUTH_LAME;
	}
	return PT_AUTH_OK;
}

static enum pt_status find(struct pt_truth *out, struct pt_engine *e, struct pt_truth_cache *c,
			   const struct pt_truth_config *cfg, const char *domain, uint16_t qtype,
			   int depth);

/*
 * The zone's servers answered with a CNAME chain that leaves the zone (no records of the
 * type, no SOA of a denial): the data lives with the target's own authoritative servers,
 * as a resolver would find it. Follow the chain there, found through the resolvers.
 */
static enum pt_status follow_cname(struct pt_truth *out, struct pt_engine *e,
				   const struct pt_truth_config *cfg, uint16_t qtype, int depth)
{
	struct pt_truth_config via = *cfg;
	struct pt_truth_cache *c2 = pt_truth_cache_new();
	struct pt_truth sub;
	enum pt_status rc;

	if (c2 == NULL) {
		return PT_ERR_NOMEM;
	}
	via.expect = NULL;
	via.nexpect = 0;
	via.auth = NULL;
	via.nauth = 0;
	rc = find(&sub, e, c2, &via, out->answer.cnames[out->answer.ncnames - 1], qtype, depth + 1);
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

enum pt_status pt_truth_find(struct pt_truth *out, struct pt_engine *e, struct pt_truth_cache *c,
			     const struct pt_truth_config *cfg, const char *domain, uint16_t qtype)
{
	return find(out, e, c, cfg, domain, qtype, 0);
}

static enum pt_status find(struct pt_truth *out, struct pt_engine *e, struct pt_truth_cache *c,
			   const struct pt_truth_config *cfg, const char *domain, uint16_t qtype,
			   int depth)
{
	struct pt_request *reqs = NULL;
	struct pt_reply *reps = NULL;
	const struct server *list;
	struct server *given = NULL;
	size_t n;
	enum pt_status rc;

	memset(out, 0, sizeof(*out));
	if (cfg->nexpect > 0) {
		rc = expected_answer(&out->answer, cfg, qtype);
		if (rc != PT_OK) {
			return rc;
		}
		out->source = PT_TRUTH_EXPECTED;
	}
	if (cfg->nauth > 0) {
		given = calloc(cfg->nauth, sizeof(*given));
		if (given == NULL) {
			pt_truth_fini(out);
			return PT_ERR_NOMEM;
		}
		for (size_t i = 0; i < cfg->nauth; i++) {
			given[i].addr = cfg->auth[i];
		}
		list = given;
		n = cfg->nauth;
	} else {
		uint64_t now = pt_clock_monotonic();

		if (strcmp(c->domain, domain) != 0 || c->n == 0 ||
		    now - c->found_ns > REDISCOVER_NS) {
			rc = discover(c, e, cfg, domain);
			if (rc != PT_OK) {
				pt_truth_fini(out);
				return rc;
			}
			c->found_ns = now;
		}
		list = c->servers;
		n = c->n;
		snprintf(out->zone, sizeof(out->zone), "%s", c->zone);
	}
	if (n == 0) {
		free(given);
		return PT_OK;
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
			request_to(&reqs[2 * i], &list[i].addr, domain, qtype, 0);
			request_to(&reqs[2 * i + 1], &list[i].addr, soa_name, 6 /* SOA */, 0);
		}
		rc = pt_engine_run(e, reqs, 2 * n, reps);
		if (rc != PT_OK) {
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			alias |= reps[2 * i + 1].result == PT_REPLY_OK &&
				 reps[2 * i + 1].answer.ncnames > 0;
		}
		if (!alias || round == 1) {
			break;
		}
		free_replies(reps, 2 * n);
		soa_name = parent_name(domain);
	}
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		struct pt_auth_server *s = &out->servers[i];
		const struct pt_reply *rec = &reps[2 * i];
		const struct pt_reply *soa = &reps[2 * i + 1];

		out->nservers++;
		snprintf(s->name, sizeof(s->name), "%s", list[i].name);
		snprintf(s->address, sizeof(s->address), "%s", list[i].addr.address);
		s->port = list[i].addr.port;
		s->rtt_ms = rec->rtt_ms;
		s->status = judge_server(rec, soa);
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
	if (best >= 0) {
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
		if (out->source != PT_TRUTH_EXPECTED) {
			rc = pt_answer_copy(&out->answer, &b->answer);
			if (rc != PT_OK) {
				goto out;
			}
			out->source = PT_TRUTH_AUTHORITATIVE;
			if (out->answer.kind == PT_ANSWER_NODATA && out->answer.ncnames > 0 &&
			    !out->answer.has_ttl && depth < CNAME_DEPTH_MAX) {
				rc = follow_cname(out, e, cfg, qtype, depth);
				if (rc != PT_OK) {
					goto out;
				}
			}
		}
	}
	rc = PT_OK;
out:
	if (reps != NULL) {
		free_replies(reps, 2 * n);
	}
	free(reps);
	free(reqs);
	free(given);
	if (rc != PT_OK) {
		pt_truth_fini(out);
	}
	return rc;
}
