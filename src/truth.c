#include "truth.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
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
/* Root server names whose addresses a walk from the top looks up (walk_down()). */
#define ROOT_NAMES 3

struct pt_truth_cache {
	/* the name the servers were found for */
	char domain[256];
	bool found;
	/* a look (pt_truth_poll()) saw the delegation change: discover again */
	bool stale;
	uint64_t found_ns;
	struct pt_delegation del;
	/* the zone's NS set as a resolver gave it at discovery (it may hold an old one) */
	char **seen;
	size_t nseen;
	/* names the resolvers hold that are not delegated, each looked up once */
	char **looked;
	size_t nlooked;
	struct pt_ns_addr *extra;
	size_t nextra;
	/* the servers' SOA serials at the last full check, in the order of the servers asked */
	uint32_t *serials;
	bool *has_serial;
	size_t nserials;
	/* which parent server the next look asks for the delegation */
	size_t next_parent;
	/* the root's servers for walk_down(), as the resolvers gave them at root_ns (kept by
	 * pt_truth_cache_reset(): a rediscovery does not ask the resolvers for them again) */
	struct pt_zone_servers root;
	bool root_known;
	uint64_t root_ns;
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
	static const char *const names[] = { "ok",	"lagging", "lame",	   "timeout",
					     "refused", "error",   "not-delegated" };

	if ((unsigned)s >= sizeof(names) / sizeof(names[0])) {
		return "error";
	}
	return names[s];
}

bool pt_auth_server_answers(const struct pt_auth_server *s)
{
	return s->delegated && (s->status == PT_AUTH_OK || s->status == PT_AUTH_LAGGING);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

void pt_truth_fini(struct pt_truth *t)
{
	if (t == NULL) {
		return;
	}
	pt_answer_fini(&t->answer);
	pt_answer_fini(&t->authoritative);
	for (size_t i = 0; i < t->nservers; i++) {
		pt_answer_fini(&t->servers[i].answer);
	}
	free(t->servers);
	strv_free(t->delegation, t->ndelegation);
	memset(t, 0, sizeof(*t));
}

enum pt_status pt_truth_copy(struct pt_truth *dst, const struct pt_truth *src)
{
	*dst = *src;
	dst->servers = NULL;
	dst->nservers = 0;
	memset(&dst->answer, 0, sizeof(dst->answer));
	memset(&dst->authoritative, 0, sizeof(dst->authoritative));
	dst->delegation = NULL;
	dst->ndelegation = 0;
	if (pt_answer_copy(&dst->answer, &src->answer) != PT_OK ||
	    pt_answer_copy(&dst->authoritative, &src->authoritative) != PT_OK ||
	    pt_strv_copy(&dst->delegation, src->delegation, src->ndelegation) != PT_OK) {
		dst->ndelegation = dst->delegation ? src->ndelegation : 0;
		goto fail;
	}
	dst->ndelegation = src->ndelegation;
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
	struct pt_zone_servers root = c->root;
	bool root_known = c->root_known;
	uint64_t root_ns = c->root_ns;

	pt_delegation_fini(&c->del);
	strv_free(c->seen, c->nseen);
	strv_free(c->looked, c->nlooked);
	free(c->extra);
	free(c->serials);
	free(c->has_serial);
	memset(c, 0, sizeof(*c));
	c->root = root;
	c->root_known = root_known;
	c->root_ns = root_ns;
}

void pt_truth_cache_free(struct pt_truth_cache *c)
{
	if (c == NULL) {
		return;
	}
	pt_truth_cache_reset(c);
	pt_zone_servers_fini(&c->root);
	free(c);
}

static enum pt_status names_copy(char ***dst, size_t *ndst, char *const *src, size_t n)
{
	enum pt_status rc = pt_strv_copy(dst, src, n);

	*ndst = 0;
	while (*dst != NULL && *ndst < n && (*dst)[*ndst] != NULL) {
		(*ndst)++;
	}
	return rc;
}

enum pt_status pt_truth_config_copy(struct pt_truth_config *dst, const struct pt_truth_config *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->auth_port = src->auth_port;
	if (names_copy(&dst->expect, &dst->nexpect, src->expect, src->nexpect) != PT_OK ||
	    names_copy(&dst->cached_ns, &dst->ncached_ns, src->cached_ns, src->ncached_ns) !=
		    PT_OK) {
		goto fail;
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
	strv_free(cfg->expect, cfg->nexpect);
	strv_free(cfg->cached_ns, cfg->ncached_ns);
	free(cfg->auth);
	memset(cfg, 0, sizeof(*cfg));
}

void pt_zone_servers_fini(struct pt_zone_servers *z)
{
	strv_free(z->names, z->nnames);
	free(z->servers);
	memset(z, 0, sizeof(*z));
}

void pt_delegation_fini(struct pt_delegation *d)
{
	pt_zone_servers_fini(&d->parents);
	strv_free(d->ns, d->nns);
	free(d->servers);
	memset(d, 0, sizeof(*d));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

/* ---- lookups raced over the first resolvers ---- */

/* What a lookup waits for. */
enum want {
	WANT_ZONE,	 /* any answer carrying an SOA (the zone cut) */
	WANT_DATA,	 /* records of the asked type */
	WANT_DELEGATION, /* the question's zone delegated (a referral), or its own NS set (AA) */
	WANT_CACHED_NS,	 /* the question's NS set as a resolver holds it (data or a referral) */
	WANT_STEP, /* from a zone's servers: a referral further down, or the name's own (AA) */
};

/* One question raced over the helpers: the first usable reply wins. */
struct lookup {
	const char *qname;
	uint16_t qtype;
	enum want want;
	const char *from;  /* WANT_STEP: the zone whose servers are asked */
	size_t pending;	   /* helper replies still to come in this round */
	int winner;	   /* the helper whose reply won, -1 while none */
	unsigned servfail; /* helpers that said SERVFAIL (bit per helper) */
	bool replied;	   /* some helper replied at all */
	bool asked;	   /* sent to some helper (a busy resolver is then skipped) */
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
	struct inflight *fl; /* the resolvers' (RD questions), else NULL */
};

/* The resolvers' questions in flight per helper, across the lookups of one discovery (issue
 * 11's politeness): a resolver is sent a question only once its last one came back. The race
 * left the slower helpers holding a question when the next went out (up to 3 in flight at
 * one). Shared with late replies: a reference per question in flight, and the via's. */
struct inflight {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t refs;
	unsigned out[PT_TRUTH_VIA_MAX];
};

static void inflight_unref(struct inflight *fl)
{
	bool last;

	pthread_mutex_lock(&fl->lock);
	last = --fl->refs == 0;
	pthread_mutex_unlock(&fl->lock);
	if (last) {
		pthread_cond_destroy(&fl->cond);
		pthread_mutex_destroy(&fl->lock);
		free(fl);
	}
}

/* Helper @p h's question came back (or was never sent). */
static void inflight_done(struct inflight *fl, unsigned h)
{
	pthread_mutex_lock(&fl->lock);
	fl->out[h]--;
	pthread_cond_broadcast(&fl->cond);
	pthread_mutex_unlock(&fl->lock);
	inflight_unref(fl);
}

/* Take helper @p h for a question: false when it has one out and @p wait is not set; else
 * waits until it has none (every question ends: the network times it out). */
static bool inflight_take(struct inflight *fl, unsigned h, bool wait)
{
	bool took = false;

	pthread_mutex_lock(&fl->lock);
	while (wait && fl->out[h] > 0) {
		pthread_cond_wait(&fl->cond, &fl->lock);
	}
	if (fl->out[h] == 0) {
		fl->out[h]++;
		fl->refs++;
		took = true;
	}
	pthread_mutex_unlock(&fl->lock);
	return took;
}

/* The NS names @p a gives for @p zone: a referral to it, or its NS set (authoritative, or any
 * when @p cached: a resolver's cache); false when @p a says neither. */
static bool ns_names_of(const struct pt_answer *a, const char *zone, bool cached, char *const **ns,
			size_t *nns)
{
	if (a->kind == PT_ANSWER_REFERRAL) {
		*ns = a->referral_ns;
		*nns = a->nreferral_ns;
		return a->referral_zone != NULL && zone != NULL &&
		       strcmp(a->referral_zone, zone) == 0;
	}
	*ns = a->rdata;
	*nns = a->count;
	return a->kind == PT_ANSWER_DATA && ((a->flags & PT_FLAG_AA) || cached);
}

static bool usable(const struct lookup *l, const struct pt_reply *reply)
{
	const struct pt_answer *a = &reply->answer;
	enum pt_reply_class cls = pt_reply_class(reply->result, a);

	if (l->want == WANT_DELEGATION || l->want == WANT_CACHED_NS) {
		char *const *ns;
		size_t nns;

		return (cls == PT_CLASS_REFERRAL || cls == PT_CLASS_ANSWER) &&
		       ns_names_of(a, l->qname, l->want == WANT_CACHED_NS, &ns, &nns);
	}
	if (l->want == WANT_STEP && cls == PT_CLASS_REFERRAL) {
		/* down toward the name only: a referral back up, sideways or to the same zone
		 * would walk in circles */
		return a->referral_zone != NULL && pt_name_in_zone(l->qname, a->referral_zone) &&
		       strcmp(a->referral_zone, l->from) != 0 &&
		       pt_name_in_zone(a->referral_zone, l->from);
	}
	if (cls != PT_CLASS_ANSWER) {
		return false;
	}
	if (l->want == WANT_STEP) {
		return (a->flags & PT_FLAG_AA) &&
		       (a->zone == NULL ||
			(pt_name_in_zone(l->qname, a->zone) && pt_name_in_zone(a->zone, l->from)));
	}
	/* The SOA owner must be the name asked or one of its ancestors: any other owner is a
	 * resolver choosing (by accident or on purpose) which servers are authoritative. Behind
	 * an alias it is the target's zone, which find_zone() does not take anyway. */
	if (l->want == WANT_ZONE) {
		return a->zone != NULL && (a->ncnames > 0 || pt_name_in_zone(l->qname, a->zone));
	}
	return a->kind == PT_ANSWER_DATA;
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

	/* the helper is free before anyone waiting for this lookup wakes */
	if (ls->fl != NULL) {
		inflight_done(ls->fl, helper);
	}
	pthread_mutex_lock(&ls->lock);
	l->pending--;
	l->replied |= reply->result == PT_REPLY_OK;
	if (pt_reply_class(reply->result, &reply->answer) == PT_CLASS_SERVFAIL) {
		l->servfail |= 1u << helper;
	}
	if (l->winner < 0 && usable(l, reply)) {
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

/* Lookup @p l's question to helper @p h will not be sent: as if it had replied nothing. */
static void lookup_unsent(struct lookups *ls, struct lookup *l)
{
	pthread_mutex_lock(&ls->lock);
	ls->refs--;
	if (--l->pending == 0 && l->winner < 0) {
		ls->open--;
	}
	pthread_mutex_unlock(&ls->lock);
}

/* Send lookup @p i to the helpers in @p mask with @p opts. Called with the lock not held.
 * Resolvers (ls->fl): one with a question out is skipped once the lookup was sent to some
 * helper; when it was to none, the first busy one is asked once its question came back (a
 * silent one must not hold every later question for a timeout each). */
static void lookup_send(struct lookups *ls, size_t i, const struct pt_net *net,
			const struct pt_resolver *via, unsigned mask, unsigned opts)
{
	struct lookup *l = &ls->v[i];
	unsigned later = 0;

	pthread_mutex_lock(&ls->lock);
	for (unsigned h = 0; h < PT_TRUTH_VIA_MAX; h++) {
		l->pending += (mask >> h) & 1u;
	}
	ls->refs += l->pending;
	ls->open += l->pending > 0;
	pthread_mutex_unlock(&ls->lock);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned h = 0; h < PT_TRUTH_VIA_MAX; h++) {
			struct pt_request q;
			bool won;

			if (!(((pass == 0 ? mask : later) >> h) & 1u)) {
				continue;
			}
			if (pass == 1) {
				pthread_mutex_lock(&ls->lock);
				won = l->winner >= 0;
				pthread_mutex_unlock(&ls->lock);
				if (won || l->asked || !inflight_take(ls->fl, h, true)) {
					lookup_unsent(ls, l);
					continue;
				}
			} else if (ls->fl != NULL && !inflight_take(ls->fl, h, false)) {
				later |= 1u << h;
				continue;
			}
			pt_request_init(&q, &via[h].sa, via[h].salen, l->qname, l->qtype, opts);
			pt_request_use_resolver(&q, &via[h]);
			q.tag = i * PT_TRUTH_VIA_MAX + h;
			l->asked = true;
			if (pt_net_submit(net, &q, lookup_done, ls) != PT_OK) {
				if (ls->fl != NULL) {
					inflight_done(ls->fl, h);
				}
				lookup_unsent(ls, l);
			}
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
/* The servers a discovery asks (the first PT_TRUTH_VIA_MAX), and the one that answered a
 * first question: later questions go to it alone first, then to the others only for what
 * it did not answer. So a discovery costs one query per question, not one per resolver. */
struct via {
	const struct pt_resolver *v;
	size_t n;
	int pref;
	/* a zone's servers: which zone (WANT_STEP); NULL for resolvers */
	const char *zone;
	/* the caller's resolvers (resolvers_of()), not servers of a zone: their questions in
	 * flight (made on the first; via_fini() drops it) */
	bool resolvers;
	struct inflight *fl;
};

static struct via via_of(const struct pt_resolver *v, size_t n)
{
	return (struct via){ .v = v, .n = n < PT_TRUTH_VIA_MAX ? n : PT_TRUTH_VIA_MAX, .pref = -1 };
}

static struct via resolvers_of(const struct pt_resolver *v, size_t n)
{
	struct via r = via_of(v, n);

	r.resolvers = true;
	return r;
}

/* via_fini()'s waits for the resolvers' late replies: every one (pt_truth_find(): the watch
 * hands its resolvers back after it, see src/watch.c), or up to VIA_SETTLE_MS (--diagnose's
 * lookups: its next lookup or batch asks the same resolvers; a reply later than that is most
 * likely none, and a silent resolver must not cost each lookup a timeout more). */
#define VIA_SETTLE_ALL (-1)
#define VIA_SETTLE_MS 500

/* Drop @p via's count of its resolvers' questions, once every one came back or @p settle_ms
 * passed (VIA_SETTLE_ALL: no limit; 0: at once). */
static void via_fini(struct via *via, int settle_ms)
{
	if (via->fl != NULL) {
		struct timespec until = pt_clock_after(
			CLOCK_REALTIME, settle_ms > 0 ? (uint64_t)settle_ms * PT_NS_PER_MS : 0);
		bool late = false;

		pthread_mutex_lock(&via->fl->lock);
		for (unsigned h = 0; settle_ms != 0 && !late && h < PT_TRUTH_VIA_MAX; h++) {
			while (!late && via->fl->out[h] > 0) {
				if (settle_ms < 0) {
					pthread_cond_wait(&via->fl->cond, &via->fl->lock);
				} else {
					late = pthread_cond_timedwait(&via->fl->cond,
								      &via->fl->lock,
								      &until) == ETIMEDOUT;
				}
			}
		}
		pthread_mutex_unlock(&via->fl->lock);
		inflight_unref(via->fl);
		via->fl = NULL;
	}
}

/* Send question @p i of @p ls to the servers in @p mask of the ones without an answer yet. */
static void send_unresolved(struct lookups *ls, const struct pt_net *net, const struct via *via,
			    unsigned mask, unsigned opts)
{
	for (size_t i = 0; i < ls->n; i++) {
		bool open;

		pthread_mutex_lock(&ls->lock);
		open = ls->v[i].winner < 0;
		pthread_mutex_unlock(&ls->lock);
		if (open) {
			lookup_send(ls, i, net, via->v, mask, opts);
		}
	}
}

/*
 * Ask every question of @p qnames / @p qtypes: each takes the first usable reply. Questions
 * go to the preferred server alone, then to the others for what it did not answer (all at
 * once when there is none yet). A question that only got SERVFAIL is asked again with CD set
 * of the servers that said so: a validating resolver SERVFAILs every name of a DNSSEC-bogus
 * zone, and the truth still has to come from that zone's servers.
 * @param[out] out n answers (zeroed where nothing usable came); caller releases each
 * @param[out] replied n flags: some server replied at all (may be NULL)
 */
static enum pt_status lookup_with(const struct pt_net *net, struct via *via,
				  const char *const *qnames, const uint16_t *qtypes, size_t n,
				  enum want want, unsigned opts, struct pt_answer *out,
				  bool *replied)
{
	unsigned all = (1u << via->n) - 1;
	unsigned first = via->pref >= 0 && (size_t)via->pref < via->n ? 1u << via->pref : all;
	struct lookups *ls;

	memset(out, 0, n * sizeof(*out));
	if (replied != NULL) {
		memset(replied, 0, n * sizeof(*replied));
	}
	if (n == 0 || via->n == 0) {
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
	if (via->resolvers && via->fl == NULL && (via->fl = calloc(1, sizeof(*via->fl)))) {
		pthread_mutex_init(&via->fl->lock, NULL);
		pthread_cond_init(&via->fl->cond, NULL);
		via->fl->refs = 1;
	}
	ls->fl = via->resolvers ? via->fl : NULL; /* none (out of memory): as before */
	for (size_t i = 0; i < n; i++) {
		ls->v[i].qname = qnames[i];
		ls->v[i].qtype = qtypes[i];
		ls->v[i].want = want;
		ls->v[i].from = via->zone != NULL ? via->zone : ".";
		ls->v[i].winner = -1;
	}
	send_unresolved(ls, net, via, first, opts);
	lookups_wait(ls);
	if (first != all) {
		send_unresolved(ls, net, via, all & ~first, opts);
		lookups_wait(ls);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned sf;

		pthread_mutex_lock(&ls->lock);
		sf = ls->v[i].winner < 0 ? ls->v[i].servfail : 0;
		ls->v[i].servfail = 0;
		pthread_mutex_unlock(&ls->lock);
		if (sf != 0) {
			lookup_send(ls, i, net, via->v, sf, opts | PT_FLAG_CD);
		}
	}
	lookups_wait(ls);
	pthread_mutex_lock(&ls->lock);
	for (size_t i = 0; i < n; i++) {
		if (ls->v[i].winner >= 0) {
			out[i] = ls->v[i].answer;
			memset(&ls->v[i].answer, 0, sizeof(ls->v[i].answer));
			/* the one that answered is asked first next time */
			if (via->pref < 0 || !(first & (1u << ls->v[i].winner))) {
				via->pref = ls->v[i].winner;
			}
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

/* Through the resolvers (RD=1). */
static enum pt_status lookup_all(const struct pt_net *net, struct via *via,
				 const char *const *qnames, const uint16_t *qtypes, size_t n,
				 enum want want, struct pt_answer *out, bool *replied)
{
	return lookup_with(net, via, qnames, qtypes, n, want, PT_FLAG_RD, out, replied);
}

static enum pt_status find_zone(char *zone, size_t size, const struct pt_net *net, struct via *via,
				const char *name)
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

		rc = lookup_all(net, via, &qn, &qt, 1, WANT_ZONE, &a, &replied);
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

/* Append the A and AAAA addresses of @p names (through the resolvers) to @p out, which has
 * room for 2 * ADDRS_PER_FAMILY per name. */
static enum pt_status addresses(struct pt_ns_addr *out, size_t *nout, const struct pt_net *net,
				struct via *via, char *const *names, size_t n, uint16_t port)
{
	const char **qnames = calloc(2 * n + 1, sizeof(*qnames));
	uint16_t *qtypes = calloc(2 * n + 1, sizeof(*qtypes));
	struct pt_answer *addrs = calloc(2 * n + 1, sizeof(*addrs));
	enum pt_status rc = PT_ERR_NOMEM;

	if (qnames == NULL || qtypes == NULL || addrs == NULL) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		qnames[2 * i] = names[i];
		qtypes[2 * i] = PT_TYPE_A;
		qnames[2 * i + 1] = names[i];
		qtypes[2 * i + 1] = PT_TYPE_AAAA;
	}
	rc = lookup_all(net, via, qnames, qtypes, 2 * n, WANT_DATA, addrs, NULL);
	for (size_t i = 0; rc == PT_OK && i < 2 * n; i++) {
		for (size_t j = 0; j < addrs[i].count && j < ADDRS_PER_FAMILY; j++) {
			struct pt_ns_addr *s = &out[*nout];

			if (pt_resolver_parse_address(&s->addr, addrs[i].rdata[j], NULL, 0) !=
			    PT_OK) {
				continue;
			}
			pt_resolver_set_port(&s->addr, port ? port : PT_DNS_PORT);
			snprintf(s->name, sizeof(s->name), "%s", qnames[i]);
			(*nout)++;
		}
	}
out:
	for (size_t i = 0; addrs != NULL && i < 2 * n; i++) {
		pt_answer_fini(&addrs[i]);
	}
	free(addrs);
	free(qnames);
	free(qtypes);
	return rc;
}

/* @p names (sorted, at most NS_NAMES_MAX) as the servers' names. */
static enum pt_status set_names(char ***out, size_t *nout, char *const *names, size_t n)
{
	enum pt_status rc = names_copy(out, nout, names, n < NS_NAMES_MAX ? n : NS_NAMES_MAX);

	if (rc == PT_OK && *nout > 1) {
		qsort(*out, *nout, sizeof(char *), cmp_str);
	}
	return rc;
}

/* The NS set of @p zone through the resolvers, and the addresses of its first @p max names. */
static enum pt_status zone_servers(struct pt_zone_servers *out, const struct pt_net *net,
				   struct via *via, const char *zone, uint16_t port, size_t max)
{
	const char *qn = zone;
	uint16_t qt = PT_TYPE_NS;
	struct pt_answer ns;
	enum pt_status rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->zone, sizeof(out->zone), "%s", zone);
	rc = lookup_all(net, via, &qn, &qt, 1, WANT_DATA, &ns, NULL);
	if (rc == PT_OK && ns.count > 0) {
		rc = set_names(&out->names, &out->nnames, ns.rdata,
			       ns.count < max ? ns.count : max);
	}
	pt_answer_fini(&ns);
	if (rc == PT_OK && out->nnames > 0) {
		out->servers = calloc(2 * out->nnames * ADDRS_PER_FAMILY, sizeof(*out->servers));
		rc = out->servers ? addresses(out->servers, &out->nservers, net, via, out->names,
					      out->nnames, port)
				  : PT_ERR_NOMEM;
	}
	if (rc != PT_OK) {
		pt_zone_servers_fini(out);
	}
	return rc;
}

enum pt_status pt_truth_zone_servers(struct pt_zone_servers *out, const struct pt_net *net,
				     const struct pt_resolver *via, size_t nvia, const char *zone,
				     uint16_t port)
{
	struct via v = resolvers_of(via, nvia);
	enum pt_status rc = zone_servers(out, net, &v, zone, port, NS_NAMES_MAX);

	via_fini(&v, VIA_SETTLE_MS);
	return rc;
}

/* The parent servers as resolvers to race lookups over (at most PT_TRUTH_VIA_MAX, so that
 * both families of the first names are tried). */
static size_t parent_list(struct pt_resolver *out, const struct pt_zone_servers *p, size_t from)
{
	size_t n = p->nservers < PT_TRUTH_VIA_MAX ? p->nservers : PT_TRUTH_VIA_MAX;

	for (size_t i = 0; i < n; i++) {
		out[i] = p->servers[(from + i) % p->nservers].addr;
	}
	return n;
}

/* Servers named by the delegation in @p a (a referral with glue, or an NS answer). */
static enum pt_status delegation_from(struct pt_delegation *d, const struct pt_answer *a,
				      const struct pt_net *net, struct via *via, uint16_t port)
{
	bool referral = a->kind == PT_ANSWER_REFERRAL;
	char **unglued;
	char *const *ns;
	size_t nunglued = 0, nns;
	enum pt_status rc;

	(void)ns_names_of(a, d->zone, false, &ns, &nns);
	rc = set_names(&d->ns, &d->nns, ns, nns);
	if (rc != PT_OK) {
		return rc;
	}
	d->ttl = referral ? a->referral_ttl : a->ttl;
	d->known = true;
	d->servers = calloc(2 * d->nns * ADDRS_PER_FAMILY + 1, sizeof(*d->servers));
	unglued = calloc(d->nns + 1, sizeof(*unglued));
	if (d->servers == NULL || unglued == NULL) {
		free(unglued);
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < d->nns; i++) {
		size_t before = d->nservers, len = strlen(d->ns[i]);

		for (size_t g = 0; referral && g < a->nglue; g++) {
			struct pt_ns_addr *s = &d->servers[d->nservers];

			if (strncmp(a->glue[g], d->ns[i], len) != 0 || a->glue[g][len] != ' ' ||
			    d->nservers - before >= 2 * ADDRS_PER_FAMILY ||
			    pt_resolver_parse_address(&s->addr, a->glue[g] + len + 1, NULL, 0) !=
				    PT_OK) {
				continue;
			}
			pt_resolver_set_port(&s->addr, port ? port : PT_DNS_PORT);
			snprintf(s->name, sizeof(s->name), "%s", d->ns[i]);
			d->nservers++;
		}
		if (d->nservers == before) {
			unglued[nunglued++] = d->ns[i];
		}
	}
	rc = addresses(d->servers, &d->nservers, net, via, unglued, nunglued, port);
	free(unglued);
	return rc;
}

/*
 * The zone of @p name found from the top down: the root's servers are the only thing asked
 * of the resolvers (". NS" and the addresses of ROOT_NAMES of them), then each zone's servers
 * are asked for the name's SOA without recursion, referral by referral, until the name's own
 * servers answer. No resolver is asked about the name or its zone with recursion: such a
 * question makes a watched resolver fetch and cache the zone's data afresh (the new SOA after
 * a change), an observer changing what it observes; and the zone cut comes from the zones'
 * own servers, not from what the resolvers cache.
 * @param[out] zone the zone, "" when the walk did not get there (no root servers through the
 *                  resolvers, servers silent or lame)
 * @param[out] del  the referral into the zone, as delegation() reads it, when the walk took
 *                  one (del->known); zeroed otherwise
 * @param[out] denied the name's servers said NXDOMAIN
 */
/* @p dst as a copy of @p src (zeroed when it cannot be had). */
static enum pt_status zone_servers_copy(struct pt_zone_servers *dst,
					const struct pt_zone_servers *src)
{
	enum pt_status rc;

	memset(dst, 0, sizeof(*dst));
	snprintf(dst->zone, sizeof(dst->zone), "%s", src->zone);
	rc = names_copy(&dst->names, &dst->nnames, src->names, src->nnames);
	if (rc == PT_OK && src->nservers > 0) {
		dst->servers = malloc(src->nservers * sizeof(*dst->servers));
		rc = dst->servers != NULL ? PT_OK : PT_ERR_NOMEM;
		if (rc == PT_OK) {
			memcpy(dst->servers, src->servers, src->nservers * sizeof(*dst->servers));
			dst->nservers = src->nservers;
		}
	}
	if (rc != PT_OK) {
		pt_zone_servers_fini(dst);
	}
	return rc;
}

/* The root's servers into @p out: @p c's while fresh (also when the resolvers gave none), else
 * asked of the resolvers and kept in @p c (NULL: asked every time). */
static enum pt_status root_servers(struct pt_zone_servers *out, struct pt_truth_cache *c,
				   const struct pt_net *net, struct via *via, uint64_t now_ns)
{
	enum pt_status rc;

	if (c != NULL && c->root_known && now_ns - c->root_ns <= PT_TRUTH_REDISCOVER_NS) {
		return zone_servers_copy(out, &c->root);
	}
	rc = zone_servers(out, net, via, ".", PT_DNS_PORT, ROOT_NAMES);
	if (rc == PT_OK && c != NULL) {
		pt_zone_servers_fini(&c->root);
		rc = zone_servers_copy(&c->root, out);
		c->root_known = rc == PT_OK;
		c->root_ns = now_ns;
	}
	return rc;
}

static enum pt_status walk_down(char *zone, size_t size, struct pt_delegation *del, bool *denied,
				struct pt_truth_cache *c, const struct pt_net *net, struct via *via,
				const char *name, uint16_t port, uint64_t now_ns)
{
	struct pt_delegation step;
	enum pt_status rc;

	zone[0] = '\0';
	*denied = false;
	memset(del, 0, sizeof(*del));
	memset(&step, 0, sizeof(step));
	snprintf(step.zone, sizeof(step.zone), ".");
	{
		struct pt_zone_servers root;

		rc = root_servers(&root, c, net, via, now_ns);
		step.ns = root.names;
		step.nns = root.nnames;
		step.servers = root.servers;
		step.nservers = root.nservers;
	}
	for (int hop = 0; rc == PT_OK && step.nservers > 0 && hop < CLIMB_MAX; hop++) {
		struct pt_zone_servers here = { .servers = step.servers,
						.nservers = step.nservers };
		struct pt_resolver list[PT_TRUTH_VIA_MAX];
		struct via sv = via_of(list, parent_list(list, &here, 0));
		const char *qn = name;
		uint16_t qt = PT_TYPE_SOA;
		struct pt_answer a;

		/* one server first, the others only when it does not say */
		sv.pref = 0;
		sv.zone = step.zone;
		rc = lookup_with(net, &sv, &qn, &qt, 1, WANT_STEP, 0, &a, NULL);
		if (rc == PT_OK && a.kind == PT_ANSWER_REFERRAL && a.referral_zone != NULL) {
			struct pt_delegation next;

			memset(&next, 0, sizeof(next));
			snprintf(next.zone, sizeof(next.zone), "%s", a.referral_zone);
			snprintf(next.parent, sizeof(next.parent), "%s", step.zone);
			snprintf(next.parents.zone, sizeof(next.parents.zone), "%s", step.zone);
			/* the servers that gave the referral are the parent's */
			next.parents.names = step.ns;
			next.parents.nnames = step.nns;
			next.parents.servers = step.servers;
			next.parents.nservers = step.nservers;
			step.ns = NULL;
			step.nns = 0;
			step.servers = NULL;
			step.nservers = 0;
			rc = delegation_from(&next, &a, net, via, PT_DNS_PORT);
			pt_delegation_fini(&step);
			step = next;
		} else if (rc == PT_OK && pt_reply_class(PT_REPLY_OK, &a) == PT_CLASS_ANSWER &&
			   (a.flags & PT_FLAG_AA)) {
			/* an alias has no SOA of its own: its zone is the one whose servers said so
			 */
			snprintf(zone, size, "%s",
				 a.zone != NULL && a.ncnames == 0 ? a.zone : step.zone);
			*denied = a.kind == PT_ANSWER_NXDOMAIN;
			pt_answer_fini(&a);
			break;
		} else {
			pt_answer_fini(&a);
			break;
		}
		pt_answer_fini(&a);
	}
	if (rc == PT_OK && zone[0] != '\0' && step.known && strcmp(step.zone, zone) == 0) {
		/* the servers the zone is delegated to answer on the truth's port */
		for (size_t i = 0; i < step.nservers; i++) {
			pt_resolver_set_port(&step.servers[i].addr, port ? port : PT_DNS_PORT);
		}
		*del = step;
	} else {
		pt_delegation_fini(&step);
	}
	if (rc != PT_OK) {
		pt_delegation_fini(del);
		zone[0] = '\0';
	}
	return rc;
}

/*
 * The zone of @p name: walked down from the root (walk_down()), else climbed through the
 * resolvers (find_zone()) when the walk did not get there, or when it ended in a denial above
 * a zone the resolvers know (a private view: a stub zone the public tree does not hold).
 * @param[out] del the delegation into the zone when the walk read it (del->known), else zeroed
 */
static enum pt_status zone_of(char *zone, size_t size, struct pt_delegation *del,
			      struct pt_truth_cache *c, const struct pt_net *net, struct via *via,
			      const char *name, uint16_t port, uint64_t now_ns)
{
	char climbed[256];
	bool denied;
	enum pt_status rc = walk_down(zone, size, del, &denied, c, net, via, name, port, now_ns);

	if (rc != PT_OK || (zone[0] != '\0' && !denied)) {
		return rc;
	}
	rc = find_zone(climbed, sizeof(climbed), net, via, name);
	if (rc == PT_OK && climbed[0] != '\0' &&
	    (zone[0] == '\0' || (strcmp(climbed, zone) != 0 && pt_name_in_zone(climbed, zone)))) {
		snprintf(zone, size, "%s", climbed);
		pt_delegation_fini(del);
	}
	return rc;
}

enum pt_status pt_truth_find_zone(char *zone, size_t size, const struct pt_net *net,
				  const struct pt_resolver *via, size_t nvia, const char *name)
{
	struct via v = resolvers_of(via, nvia);
	struct pt_delegation del;
	enum pt_status rc = zone_of(zone, size, &del, NULL, net, &v, name, PT_DNS_PORT, 0);

	via_fini(&v, VIA_SETTLE_MS);
	pt_delegation_fini(&del);
	return rc;
}

static enum pt_status delegation(struct pt_delegation *out, const struct pt_net *net,
				 struct via *via, const char *zone, uint16_t port)
{
	struct pt_resolver parents[PT_TRUTH_VIA_MAX];
	struct pt_zone_servers own;
	char above[256];
	enum pt_status rc = PT_OK;

	memset(out, 0, sizeof(*out));
	snprintf(out->zone, sizeof(out->zone), "%s", zone);
	if (pt_name_parent(zone, above, sizeof(above))) {
		rc = find_zone(out->parent, sizeof(out->parent), net, via, above);
	}
	if (rc == PT_OK && out->parent[0] != '\0') {
		rc = zone_servers(&out->parents, net, via, out->parent, PT_DNS_PORT, NS_NAMES_MAX);
	}
	if (rc == PT_OK && out->parents.nservers > 0) {
		/* the parent's own servers, without recursion: what a resolver finds when its
		 * cached NS set has expired */
		const char *qn = zone;
		uint16_t qt = PT_TYPE_NS;
		struct pt_answer a;
		struct via pv = via_of(parents, parent_list(parents, &out->parents, 0));

		/* one parent server first, the others only when it does not say */
		pv.pref = 0;
		char *const *ns;
		size_t nns;

		rc = lookup_with(net, &pv, &qn, &qt, 1, WANT_DELEGATION, 0, &a, NULL);
		if (rc == PT_OK && ns_names_of(&a, zone, false, &ns, &nns) && nns > 0) {
			rc = delegation_from(out, &a, net, via, port);
		}
		pt_answer_fini(&a);
	}
	if (rc != PT_OK || out->known) {
		return rc;
	}
	/* no parent server said: the zone's NS set as the resolvers give it stands in */
	rc = zone_servers(&own, net, via, zone, port, NS_NAMES_MAX);
	if (rc == PT_OK) {
		out->ns = own.names;
		out->nns = own.nnames;
		out->servers = own.servers;
		out->nservers = own.nservers;
		memset(&own, 0, sizeof(own));
	}
	pt_zone_servers_fini(&own);
	return rc;
}

enum pt_status pt_truth_delegation(struct pt_delegation *out, const struct pt_net *net,
				   const struct pt_resolver *via, size_t nvia, const char *zone,
				   uint16_t port)
{
	struct via v = resolvers_of(via, nvia);
	enum pt_status rc = delegation(out, net, &v, zone, port);

	via_fini(&v, VIA_SETTLE_MS);
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

/* The zone's delegation for @p domain: the cached one while fresh, else read again. */
static enum pt_status discover(struct pt_truth_cache *c, const struct pt_net *net, struct via *via,
			       const char *domain, uint16_t port, uint64_t now_ns)
{
	char zone[256];
	enum pt_status rc;

	if (c->found && !c->stale && strcmp(c->domain, domain) == 0 && c->del.nservers > 0 &&
	    now_ns - c->found_ns <= PT_TRUTH_REDISCOVER_NS) {
		return PT_OK;
	}
	pt_truth_cache_reset(c);
	snprintf(c->domain, sizeof(c->domain), "%s", domain);
	rc = zone_of(zone, sizeof(zone), &c->del, c, net, via, domain, port, now_ns);
	if (rc != PT_OK || zone[0] == '\0') {
		return rc;
	}
	if (!c->del.known) {
		rc = delegation(&c->del, net, via, zone, port);
	}
	if (rc == PT_OK && c->del.known) {
		/* The NS set a resolver holds: during a move, the old provider's. Asked without
		 * recursion (from its cache only): with RD=1 a resolver that has only the
		 * delegation cached would fetch the NS set from the old servers and cache it
		 * afresh, keeping itself on them for another NS TTL. */
		const char *qn = zone;
		uint16_t qt = PT_TYPE_NS;
		struct pt_answer ns;

		char *const *names;
		size_t nnames;

		rc = lookup_with(net, via, &qn, &qt, 1, WANT_CACHED_NS, 0, &ns, NULL);
		if (rc == PT_OK && ns_names_of(&ns, zone, true, &names, &nnames)) {
			rc = set_names(&c->seen, &c->nseen, names, nnames);
		}
		pt_answer_fini(&ns);
	}
	if (rc == PT_OK) {
		c->found = true;
		c->found_ns = now_ns;
	}
	return rc;
}

/* Addresses of the names the resolvers hold that the delegation does not list, each name
 * looked up once per discovery. */
static enum pt_status extra_servers(struct pt_truth_cache *c, const struct pt_net *net,
				    const struct pt_truth_config *cfg, struct via *via)
{
	size_t ncand = cfg->ncached_ns + c->nseen;
	char **todo = calloc(ncand + 1, sizeof(*todo));
	size_t ntodo = 0;
	enum pt_status rc = PT_OK;

	if (todo == NULL) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < ncand && c->nlooked < NS_NAMES_MAX; i++) {
		const char *name = i < c->nseen ? c->seen[i] : cfg->cached_ns[i - c->nseen];
		char **grown;

		if (strv_has(c->del.ns, c->del.nns, name) ||
		    strv_has(c->looked, c->nlooked, name)) {
			continue;
		}
		grown = realloc(c->looked, (c->nlooked + 1) * sizeof(*grown));
		if (grown == NULL || (grown[c->nlooked] = strdup(name)) == NULL) {
			c->looked = grown ? grown : c->looked;
			rc = PT_ERR_NOMEM;
			break;
		}
		c->looked = grown;
		todo[ntodo++] = c->looked[c->nlooked++];
	}
	if (rc == PT_OK && ntodo > 0) {
		struct pt_ns_addr *more = realloc(
			c->extra, (c->nextra + 2 * ADDRS_PER_FAMILY * ntodo) * sizeof(*more));

		rc = more ? PT_OK : PT_ERR_NOMEM;
		if (more) {
			c->extra = more;
			rc = addresses(c->extra, &c->nextra, net, via, todo, ntodo, cfg->auth_port);
		}
	}
	free(todo);
	return rc;
}

/* The servers to ask: --auth, else the delegated ones then the not-delegated ones.
 * @param[out] ndelegated how many of the first ones are delegated (or --auth) */
static enum pt_status server_list(struct pt_ns_addr **list, size_t *n, size_t *ndelegated,
				  struct pt_truth *out, const struct pt_net *net,
				  struct pt_truth_cache *c, const struct pt_truth_config *cfg,
				  const struct pt_resolver *via, size_t nvia, const char *domain,
				  uint64_t now_ns)
{
	enum pt_status rc;

	*list = NULL;
	*n = *ndelegated = 0;
	if (cfg->nauth > 0) {
		*list = calloc(cfg->nauth, sizeof(**list));
		if (*list == NULL) {
			return PT_ERR_NOMEM;
		}
		for (size_t i = 0; i < cfg->nauth; i++) {
			(*list)[i].addr = cfg->auth[i];
		}
		*n = *ndelegated = cfg->nauth;
		return PT_OK;
	}
	struct via v = resolvers_of(via, nvia);

	rc = discover(c, net, &v, domain, cfg->auth_port, now_ns);
	if (rc == PT_OK && c->found) {
		rc = extra_servers(c, net, cfg, &v);
	}
	via_fini(&v, VIA_SETTLE_ALL);
	if (rc != PT_OK || c->del.nservers == 0) {
		return rc;
	}
	*list = malloc((c->del.nservers + c->nextra) * sizeof(**list));
	if (*list == NULL) {
		return PT_ERR_NOMEM;
	}
	memcpy(*list, c->del.servers, c->del.nservers * sizeof(**list));
	if (c->nextra > 0) {
		memcpy(*list + c->del.nservers, c->extra, c->nextra * sizeof(**list));
	}
	*n = c->del.nservers + c->nextra;
	*ndelegated = c->del.nservers;
	snprintf(out->zone, sizeof(out->zone), "%s", c->del.zone);
	snprintf(out->parent, sizeof(out->parent), "%s", c->del.parent);
	out->delegation_known = c->del.known;
	out->delegation_ttl = c->del.ttl;
	rc = names_copy(&out->delegation, &out->ndelegation, c->del.ns, c->del.nns);
	return rc;
}

/* Remember the delegated servers' serials of this full check, for pt_truth_poll(). */
static void remember_serials(struct pt_truth_cache *c, const struct pt_truth *t, size_t n)
{
	free(c->serials);
	free(c->has_serial);
	c->serials = calloc(n ? n : 1, sizeof(*c->serials));
	c->has_serial = calloc(n ? n : 1, sizeof(*c->has_serial));
	c->nserials = c->serials && c->has_serial ? n : 0;
	for (size_t i = 0; i < c->nserials; i++) {
		c->serials[i] = t->servers[i].serial;
		c->has_serial[i] = t->servers[i].has_serial;
	}
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

/* Ask every server for the record and the SOA; an alias has no SOA of its own, so when the
 * SOA query meets a CNAME it is asked once more, one label up. */
static enum pt_status ask_servers(struct pt_reply *reps, const struct pt_net *net,
				  const struct pt_ns_addr *list, size_t n, const char *domain,
				  uint16_t qtype, const char *zone)
{
	struct pt_request *reqs = calloc(2 * n, sizeof(*reqs));
	const char *soa_name = zone[0] ? zone : domain;
	char parent[256];
	enum pt_status rc = PT_ERR_NOMEM;

	for (int round = 0; reqs != NULL && round < 2; round++) {
		bool alias = false;

		for (size_t i = 0; i < n; i++) {
			pt_request_init(&reqs[2 * i], &list[i].addr.sa, list[i].addr.salen, domain,
					qtype, 0);
			pt_request_init(&reqs[2 * i + 1], &list[i].addr.sa, list[i].addr.salen,
					soa_name, PT_TYPE_SOA, 0);
		}
		rc = pt_net_run(net, reqs, 2 * n, reps);
		if (rc != PT_OK) {
			break;
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
	free(reqs);
	return rc;
}

/* The answer counts as the truth's: which server, and what it says about the others. */
static void judge_servers(struct pt_truth *out, size_t ndelegated, int best)
{
	const struct pt_auth_server *b = &out->servers[best];

	for (size_t i = 0; i < out->nservers; i++) {
		struct pt_auth_server *s = &out->servers[i];

		if (s->status == PT_AUTH_OK && i < ndelegated && b->has_serial &&
		    (!s->has_serial || pt_serial_cmp(s->serial, b->serial) < 0)) {
			s->status = PT_AUTH_LAGGING;
		}
		/* a server that answers the zone without being delegated is never the truth */
		if (i >= ndelegated && s->status == PT_AUTH_OK) {
			s->status = PT_AUTH_NOT_DELEGATED;
		}
		if (pt_auth_server_answers(s) && !pt_answer_same(&s->answer, &b->answer)) {
			out->disagree = true;
		}
	}
	out->serial = b->serial;
	out->has_serial = b->has_serial;
}

static enum pt_status find(struct pt_truth *out, const struct pt_net *net, struct pt_truth_cache *c,
			   const struct pt_truth_config *cfg, const struct pt_resolver *via,
			   size_t nvia, const char *domain, uint16_t qtype, uint64_t now_ns,
			   int depth)
{
	struct pt_reply *reps = NULL;
	struct pt_ns_addr *list = NULL;
	size_t n = 0, ndelegated = 0;
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
	rc = server_list(&list, &n, &ndelegated, out, net, c, cfg, via, nvia, domain, now_ns);
	if (rc != PT_OK || n == 0) {
		free(list);
		if (rc != PT_OK) {
			pt_truth_fini(out);
		}
		return rc;
	}
	reps = calloc(2 * n, sizeof(*reps));
	out->servers = calloc(n, sizeof(*out->servers));
	rc = PT_ERR_NOMEM;
	if (reps == NULL || out->servers == NULL ||
	    (rc = ask_servers(reps, net, list, n, domain, qtype, out->zone)) != PT_OK) {
		goto out;
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
		s->delegated = i < ndelegated;
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
		/* serials are only compared among the servers of the current delegation */
		if (s->status != PT_AUTH_OK || !s->delegated) {
			continue;
		}
		if (best < 0 ||
		    (s->has_serial && (!out->servers[best].has_serial ||
				       pt_serial_cmp(s->serial, out->servers[best].serial) > 0))) {
			best = (int)i;
		}
	}
	if (depth == 0) {
		remember_serials(c, out, ndelegated);
		if (cfg->nauth > 0) {
			/* nothing to discover: what pt_truth_poll() looks at is known now */
			snprintf(c->domain, sizeof(c->domain), "%s", domain);
			c->found = true;
		}
	}
	rc = PT_OK;
	if (best < 0) {
		/* --auth servers that do not answer are an error for the truth, not a vote */
		out->auth_unreachable = cfg->nauth > 0;
		goto out;
	}
	judge_servers(out, ndelegated, best);
	if (out->source == PT_TRUTH_EXPECTED) {
		const struct pt_answer *a = &out->servers[best].answer;

		out->has_authoritative = true;
		rc = pt_answer_copy(&out->authoritative, a);
		/* The expected record is not on every delegated server yet: a resolver asked now
		 * may ask one that denies it, and would cache the denial. */
		for (size_t i = 0; i < out->nservers; i++) {
			const struct pt_auth_server *s = &out->servers[i];
			const struct pt_answer *d = &s->answer;

			if (pt_auth_server_answers(s) &&
			    (d->kind == PT_ANSWER_NXDOMAIN || d->kind == PT_ANSWER_NODATA)) {
				out->unpublished = true;
				if (d->has_ttl && d->ttl > out->negative_ttl) {
					out->negative_ttl = d->ttl;
				}
			}
		}
		goto out;
	}
	rc = pt_answer_copy(&out->answer, &out->servers[best].answer);
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
	free(list);
	if (rc != PT_OK) {
		pt_truth_fini(out);
	}
	return rc;
}

/* The address of server @p i as the last full check asked it. */
static const struct pt_resolver *polled(const struct pt_truth_cache *c,
					const struct pt_truth_config *cfg, size_t i)
{
	return cfg->nauth > 0 ? &cfg->auth[i] : &c->del.servers[i].addr;
}

bool pt_truth_poll(const struct pt_net *net, struct pt_truth_cache *c,
		   const struct pt_truth_config *cfg, const char *domain)
{
	size_t n = c->nserials, nreq;
	struct pt_request *reqs;
	struct pt_reply *reps;
	bool changed = false;
	bool ask_parent = cfg->nauth == 0 && c->del.known && c->del.parents.nservers > 0;
	const char *zone = cfg->nauth > 0 ? domain : c->del.zone;

	if (!c->found || c->stale || strcmp(c->domain, domain) != 0 || n == 0 ||
	    n > (cfg->nauth > 0 ? cfg->nauth : c->del.nservers)) {
		return true;
	}
	nreq = n + ask_parent;
	reqs = calloc(nreq, sizeof(*reqs));
	reps = calloc(nreq, sizeof(*reps));
	if (reqs == NULL || reps == NULL) {
		free(reqs);
		free(reps);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pt_resolver *r = polled(c, cfg, i);

		/* with --auth the zone is not known: the SOA of the name itself carries the
		 * serial (in the authority section below the apex) */
		pt_request_init(&reqs[i], &r->sa, r->salen, zone, PT_TYPE_SOA, 0);
	}
	if (ask_parent) {
		const struct pt_resolver *p =
			&c->del.parents.servers[c->next_parent++ % c->del.parents.nservers].addr;

		pt_request_init(&reqs[n], &p->sa, p->salen, c->del.zone, PT_TYPE_NS, 0);
	}
	if (pt_net_run(net, reqs, nreq, reps) != PT_OK) {
		free(reqs);
		free(reps);
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pt_answer *a = &reps[i].answer;
		bool has =
			reps[i].result == PT_REPLY_OK && a->has_serial && (a->flags & PT_FLAG_AA);

		if (has && (!c->has_serial[i] || a->serial != c->serials[i])) {
			changed = true;
		}
	}
	if (ask_parent && reps[n].result == PT_REPLY_OK) {
		char *const *ns;
		size_t nns;
		bool said = ns_names_of(&reps[n].answer, c->del.zone, false, &ns, &nns);
		bool same = said && nns == c->del.nns;

		for (size_t i = 0; same && i < nns; i++) {
			same = strv_has(c->del.ns, c->del.nns, ns[i]);
		}
		if (said && !same) {
			c->stale = true;
			changed = true;
		}
	}
	free_replies(reps, nreq);
	free(reps);
	free(reqs);
	return changed;
}
