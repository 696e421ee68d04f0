#include "watch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dns.h"
#include "sched.h"

/* Schedule entry of one resolver; the index in w->items is its id. */
struct item {
	struct pt_resolver resolver;
	uint64_t due_ns;
	unsigned failures;
	bool tracked;
	bool inflight;
	/* polled at least once for the current target (for --once and the first sweep) */
	bool done;
	/* it served an old answer: ask it for the zone's NS set it holds (from ns_due_ns on) */
	bool ns_wanted;
	bool ns_inflight;
	uint64_t ns_due_ns;
	/* position in the due heap, SIZE_MAX when not in it (in flight, done with --once,
	 * waiting for its NS question, or not tracked) */
	size_t heap_idx;
};

struct pt_watch {
	struct pt_net net;
	struct pt_state *state;
	pt_clock_fn clock;
	struct pt_watch_config cfg;
	struct pt_sched_config sched;

	pthread_mutex_t lock;
	/* signalled on: a reply due sooner, a new resolver, refresh, retarget, stop */
	pthread_cond_t cond;
	struct item *items;
	size_t nitems;
	size_t cap;
	/* the state's target generation the polls are for */
	uint64_t gen;
	/* when the poller will look again; replies wake it only if they are due sooner, so a
	 * sweep of n resolvers costs O(n) scans, not one per reply */
	uint64_t next_wake;
	bool stop;
	uint64_t rng;
	/* the schedule: a min-heap of item ids on due_ns, so a step costs O(due), not
	 * O(resolvers); the ids with an NS question to ask; counters for the first sweep */
	size_t *heap;
	size_t heap_len;
	size_t heap_cap;
	size_t *nsq;
	size_t nsq_len;
	size_t nsq_cap;
	size_t *duev;
	size_t duev_cap;
	size_t undone;	 /* tracked items not polled yet for the current target */
	size_t ns_busy;	 /* tracked items with an NS question wanted or out */
	bool sweep_told; /* the end of this sweep woke the views already */

	/* Truth thread: its own wait so a slow authoritative server never delays polls. */
	pthread_t poller;
	pthread_t truther;
	bool threads;
	pthread_cond_t truth_cond;
	struct pt_truth_config truth_cfg;
	struct pt_truth_cache *cache;
	bool truth_now;
	bool truth_done;
	bool joined;
	/* the zone of the last truth, for NS questions to resolvers */
	char zone[256];
	/* resolvers are not asked: --expect'ed data is not published (or not looked for yet) */
	bool hold;
};

/* A query's tag carries the resolver id, whether it asks for the zone's NS set, and the
 * target generation it was sent for, so nothing is allocated per query and nothing dangles if
 * the network drops a query. */
#define TAG_ID_BITS 40
#define TAG_NS_BIT (1ULL << (TAG_ID_BITS - 1))
#define TAG_ID_MASK (TAG_NS_BIT - 1)
#define TAG_GEN_MASK (UINT64_MAX >> TAG_ID_BITS)
/* NS names learnt from resolvers kept at most, and the shortest wait before asking one
 * resolver for its NS set again. */
#define CACHED_NS_MAX 32
#define NS_RETRY_NS (2 * PT_NS_PER_S)

/* xorshift64*: spreads poll times; not security relevant (query IDs come from the engine). */
static unsigned spread(struct pt_watch *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (unsigned)((w->rng * 2685821657736338717ULL) >> 33) % (PT_SCHED_SPREAD_MS + 1);
}

/* ---- the schedule (called with the lock held) ---- */

static void heap_swap(struct pt_watch *w, size_t a, size_t b)
{
	size_t t = w->heap[a];

	w->heap[a] = w->heap[b];
	w->heap[b] = t;
	w->items[w->heap[a]].heap_idx = a;
	w->items[w->heap[b]].heap_idx = b;
}

static bool heap_less(const struct pt_watch *w, size_t a, size_t b)
{
	return w->items[w->heap[a]].due_ns < w->items[w->heap[b]].due_ns;
}

static void heap_fix(struct pt_watch *w, size_t i)
{
	while (i > 0 && heap_less(w, i, (i - 1) / 2)) {
		heap_swap(w, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < w->heap_len && heap_less(w, l, m)) {
			m = l;
		}
		if (l + 1 < w->heap_len && heap_less(w, l + 1, m)) {
			m = l + 1;
		}
		if (m == i) {
			return;
		}
		heap_swap(w, i, m);
		i = m;
	}
}

static void heap_remove(struct pt_watch *w, size_t id)
{
	size_t i = w->items[id].heap_idx;

	if (i == SIZE_MAX) {
		return;
	}
	w->items[id].heap_idx = SIZE_MAX;
	if (i != --w->heap_len) {
		w->heap[i] = w->heap[w->heap_len];
		w->items[w->heap[i]].heap_idx = i;
		heap_fix(w, i);
	}
}

static bool grow(size_t **v, size_t *cap, size_t need)
{
	size_t *n;
	size_t c = *cap ? *cap : 64;

	if (need <= *cap) {
		return true;
	}
	while (c < need) {
		c *= 2;
	}
	n = realloc(*v, c * sizeof(*n));
	if (n == NULL) {
		return false;
	}
	*v = n;
	*cap = c;
	return true;
}

/* Put item @p id in the schedule at its due_ns (or move it there) when it is to be polled:
 * tracked, not in flight, not waiting for its NS question, not done with --once. */
static void schedule(struct pt_watch *w, size_t id)
{
	struct item *it = &w->items[id];

	if (!it->tracked || it->inflight || it->ns_inflight || (w->cfg.once && it->done)) {
		heap_remove(w, id);
		return;
	}
	if (it->heap_idx == SIZE_MAX) {
		if (!grow(&w->heap, &w->heap_cap, w->heap_len + 1)) {
			return;
		}
		it->heap_idx = w->heap_len;
		w->heap[w->heap_len++] = id;
	}
	heap_fix(w, it->heap_idx);
}

static void set_done(struct pt_watch *w, struct item *it, bool done)
{
	if (it->tracked && it->done != done) {
		w->undone += done ? -1 : 1;
	}
	it->done = done;
}

/* Keep ns_busy in step with the flags: call before and after changing them. */
static void ns_count(struct pt_watch *w, const struct item *it, int sign)
{
	if (it->tracked && (it->ns_wanted || it->ns_inflight)) {
		w->ns_busy += (size_t)sign;
	}
}

/* Resolver @p id is to be asked for its NS set. */
static void want_ns(struct pt_watch *w, size_t id)
{
	struct item *it = &w->items[id];

	if (it->ns_wanted || !grow(&w->nsq, &w->nsq_cap, w->nsq_len + 1)) {
		return;
	}
	ns_count(w, it, -1);
	it->ns_wanted = true;
	ns_count(w, it, 1);
	w->nsq[w->nsq_len++] = id;
}

/* The last poll (or NS question) of the sweep came back: wake whoever waits for
 * pt_watch_first_sweep_done(), even when the reply changed nothing in the state. */
static void sweep_progress(struct pt_watch *w)
{
	if (!w->sweep_told && w->undone == 0 && w->ns_busy == 0) {
		w->sweep_told = true;
		pt_state_wake(w->state); /* lock order: watch, then state */
	}
}

/* Whoever makes an item due now must wake the poller. Called with the lock held. */
static void poke(struct pt_watch *w)
{
	/* 0: the poller is stepping or about to step again, not waiting (see poll_main) */
	if (w->next_wake != 0) {
		w->next_wake = 0;
		pthread_cond_broadcast(&w->cond);
	}
}

/* Add the NS names a resolver holds to those the truth also asks. Called with the lock. */
static void learn_ns(struct pt_watch *w, const struct pt_answer *a)
{
	struct pt_truth_config *c = &w->truth_cfg;

	for (size_t i = 0; i < a->count && c->ncached_ns < CACHED_NS_MAX; i++) {
		bool known = false;
		char **grown;

		for (size_t k = 0; k < c->ncached_ns && !known; k++) {
			known = strcmp(c->cached_ns[k], a->rdata[i]) == 0;
		}
		if (known) {
			continue;
		}
		grown = realloc(c->cached_ns, (c->ncached_ns + 1) * sizeof(*grown));
		if (grown == NULL) {
			return;
		}
		c->cached_ns = grown;
		if ((grown[c->ncached_ns] = strdup(a->rdata[i])) == NULL) {
			return;
		}
		c->ncached_ns++;
		/* a name the truth has not asked yet: ask it now (and a sweep waits for that) */
		w->truth_now = true;
		w->truth_done = false;
		pthread_cond_broadcast(&w->truth_cond);
	}
}

/* The reply to a resolver's NS question (from its cache, RD=0): when its cached NS set
 * expires, and the names. A resolver that does not answer from its cache tells nothing. */
static void on_ns_reply(struct pt_watch *w, uint64_t id, const struct pt_reply *reply)
{
	const struct pt_answer *a = &reply->answer;
	uint64_t now = w->clock();
	uint64_t at = reply->received_ns && reply->received_ns <= now ? reply->received_ns : now;
	enum pt_reply_class cls = pt_reply_class(reply->result, a);
	bool data = cls == PT_CLASS_ANSWER && a->kind == PT_ANSWER_DATA && a->has_ttl;
	bool referral = false;
	uint32_t ttl;

	pthread_mutex_lock(&w->lock);
	referral = cls == PT_CLASS_REFERRAL && a->nreferral_ns > 0 && a->referral_zone &&
		   strcmp(a->referral_zone, w->zone) == 0;
	ttl = data ? a->ttl : referral ? a->referral_ttl : 0;
	if (data || referral) {
		/* lock order: watch, then state */
		pt_state_set_ns_expiry(w->state, id, at, ttl);
	}
	if (id < w->nitems) {
		struct item *it = &w->items[id];

		ns_count(w, it, -1);
		it->ns_inflight = false;
		ns_count(w, it, 1);
		/* Asked again with its next old answer: an answer from the old servers can renew
		 * the NS set they send in its authority section. */
		it->ns_due_ns = at + NS_RETRY_NS;
		/* its poll waited for this (one query in flight per resolver) */
		schedule(w, id);
		sweep_progress(w);
		if (!w->cfg.once && it->heap_idx != SIZE_MAX && it->due_ns < w->next_wake) {
			poke(w);
		}
	}
	if (data || referral) {
		struct pt_answer names = { .rdata = data ? a->rdata : a->referral_ns,
					   .count = data ? a->count : a->nreferral_ns };

		learn_ns(w, &names);
	}
	pthread_mutex_unlock(&w->lock);
}

static void on_reply(void *ctx, const struct pt_request *req, struct pt_reply *reply)
{
	struct pt_watch *w = ctx;
	uint64_t id = req->tag & TAG_ID_MASK;
	uint64_t gen = req->tag >> TAG_ID_BITS;
	enum pt_reply_class cls = pt_reply_class(reply->result, &reply->answer);
	/* a query the network gave up on because we are stopping observed nothing */
	bool cancelled = reply->result == PT_REPLY_LOCAL_ERROR && reply->err == ECANCELED;
	enum pt_verdict v = PT_VERDICT_PENDING;

	if (req->tag & TAG_NS_BIT) {
		if (!cancelled) {
			on_ns_reply(w, id, reply);
		}
		return;
	}
	if (!cancelled) {
		v = pt_state_publish(w->state, id, gen, reply);
	}
	pthread_mutex_lock(&w->lock);
	if (id < w->nitems) {
		struct item *it = &w->items[id];
		long ttl = cls == PT_CLASS_ANSWER && reply->answer.has_ttl ? (long)reply->answer.ttl
									   : -1;
		uint64_t now = w->clock();
		uint64_t at =
			reply->received_ns && reply->received_ns <= now ? reply->received_ns : now;
		/* Where in the wall-clock second the reply came: resolvers expire entries on
		 * whole seconds (see sched.h). */
		unsigned frac = (unsigned)((pt_clock_wall_ms() - (now - at) / PT_NS_PER_MS) % 1000);

		it->inflight = false;
		it->failures = cls == PT_CLASS_ANSWER ? 0 : it->failures + 1;
		it->due_ns = pt_sched_next(&w->sched, at, ttl, it->failures, spread(w), frac);
		if (gen == (w->gen & TAG_GEN_MASK)) {
			set_done(w, it, true);
		} else {
			/* The target changed while this was in flight: ask again at once. */
			it->due_ns = 0;
		}
		/* an old answer: from which name servers does it come? */
		if (pt_verdict_is_old(v) && !it->ns_inflight && at >= it->ns_due_ns &&
		    w->zone[0] != '\0') {
			want_ns(w, id);
			poke(w);
		}
		schedule(w, id);
		sweep_progress(w);
		if (!w->cfg.once && it->due_ns < w->next_wake) {
			poke(w);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

uint64_t pt_watch_step(struct pt_watch *w)
{
	char domain[256];
	uint16_t qtype;
	uint64_t next = UINT64_MAX, now, gen;
	size_t ndue = 0, keep = 0;
	char zone[256];

	/* The state owns the target; read it each round (retarget changes it). */
	pt_state_target(w->state, domain, sizeof(domain), &qtype);
	pthread_mutex_lock(&w->lock);
	now = w->clock();
	gen = w->gen;
	snprintf(zone, sizeof(zone), "%s", w->zone);
	/* NS questions first, to resolvers with nothing in flight (one at a time each) */
	for (size_t k = 0; k < w->nsq_len; k++) {
		size_t i = w->nsq[k];
		struct item *it = &w->items[i];

		if (!it->tracked || !it->ns_wanted) {
			continue;
		}
		if (it->inflight || zone[0] == '\0' || !grow(&w->duev, &w->duev_cap, ndue + 1)) {
			w->nsq[keep++] = i;
			continue;
		}
		it->ns_wanted = false;
		it->ns_inflight = true;
		heap_remove(w, i);
		w->duev[ndue++] = i | TAG_NS_BIT;
	}
	w->nsq_len = keep;
	/* then the polls that are due, in due order */
	while (!w->hold && w->heap_len > 0) {
		size_t i = w->heap[0];
		struct item *it = &w->items[i];

		if (it->due_ns > now) {
			next = it->due_ns;
			break;
		}
		if (!grow(&w->duev, &w->duev_cap, ndue + 1)) {
			next = now + PT_NS_PER_S;
			break;
		}
		heap_remove(w, i);
		it->inflight = true;
		w->duev[ndue++] = i;
	}
	pthread_mutex_unlock(&w->lock);
	/* Outside the lock: a network may answer inside submit(). */
	for (size_t k = 0; k < ndue; k++) {
		size_t tag, i;
		bool ns;
		struct pt_request req;
		struct item it;

		pthread_mutex_lock(&w->lock);
		tag = w->duev[k];
		ns = (tag & TAG_NS_BIT) != 0;
		i = tag & TAG_ID_MASK;
		it = w->items[i];
		pthread_mutex_unlock(&w->lock);
		/* the NS question is asked of the cache only (RD=0): see on_ns_reply() */
		pt_request_init(&req, &it.resolver.sa, it.resolver.salen, ns ? zone : domain,
				ns ? PT_TYPE_NS : qtype, ns ? 0 : PT_FLAG_RD);
		req.tag = (uint64_t)tag | (gen << TAG_ID_BITS);
		if (pt_net_submit(&w->net, &req, on_reply, w) != PT_OK) {
			pthread_mutex_lock(&w->lock);
			if (ns) {
				ns_count(w, &w->items[i], -1);
				w->items[i].ns_inflight = false;
				ns_count(w, &w->items[i], 1);
			} else {
				w->items[i].inflight = false;
				w->items[i].due_ns = now + PT_NS_PER_S;
				next = now + PT_NS_PER_S < next ? now + PT_NS_PER_S : next;
			}
			schedule(w, i);
			pthread_mutex_unlock(&w->lock);
		}
	}
	return next;
}

static void *poll_main(void *arg)
{
	struct pt_watch *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		/* a poke while the step runs (a reply due sooner, a new resolver) sets it to 0 */
		w->next_wake = UINT64_MAX;
		pthread_mutex_unlock(&w->lock);
		uint64_t next = pt_watch_step(w);

		pthread_mutex_lock(&w->lock);
		uint64_t now = w->clock();
		/* Wake at least once a second even when idle; cheap and bounds clock skew. */
		uint64_t wait =
			next == UINT64_MAX || next - now > PT_NS_PER_S ? PT_NS_PER_S : next - now;
		struct timespec ts;

		if ((next != UINT64_MAX && next <= now) || w->next_wake == 0) {
			continue;
		}
		w->next_wake = now + wait;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(wait % PT_NS_PER_S);
		ts.tv_sec += (time_t)(wait / PT_NS_PER_S) + ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The resolvers to find the truth through: the tracked ones, those whose last reply was an
 * answer first (they have shown they are alive and recurse), in the order added. */
static size_t truth_via(struct pt_watch *w, struct pt_resolver **out)
{
	size_t n = 0;

	pthread_mutex_lock(&w->lock);
	/* the truth races the first PT_TRUTH_VIA_MAX only: no need to copy the whole set */
	*out = malloc(PT_TRUTH_VIA_MAX * sizeof(**out));
	for (int pass = 0; *out != NULL && pass < 2; pass++) {
		for (size_t i = 0; i < w->nitems && n < PT_TRUTH_VIA_MAX; i++) {
			const struct item *it = &w->items[i];
			bool good = it->done && it->failures == 0;

			if (it->tracked && good == (pass == 0)) {
				(*out)[n++] = it->resolver;
			}
		}
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

void pt_watch_check_truth(struct pt_watch *w)
{
	struct pt_truth t;
	struct pt_truth_config cfg;
	struct pt_resolver *via = NULL;
	uint64_t *old = NULL;
	size_t nold = 0;
	char domain[256];
	uint16_t qtype;
	uint64_t gen = pt_state_target_generation(w->state);
	size_t nvia;
	enum pt_status rc;

	pt_state_target(w->state, domain, sizeof(domain), &qtype);
	pthread_mutex_lock(&w->lock);
	rc = pt_truth_config_copy(&cfg, &w->truth_cfg);
	pthread_mutex_unlock(&w->lock);
	if (rc != PT_OK) {
		return;
	}
	nvia = truth_via(w, &via);
	rc = pt_truth_find(&t, &w->net, w->cache, &cfg, via, nvia, domain, qtype, w->clock());
	pt_truth_config_fini(&cfg);
	free(via);
	if (rc == PT_OK && gen == pt_state_target_generation(w->state)) {
		/* only for the target it was looked up for */
		pt_state_set_truth(w->state, &t);
		/* the resolvers that serve an old answer now: which name servers do they hold? */
		nold = t.zone[0] != '\0' ? pt_state_old_without_ns(w->state, &old) : 0;
	}
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < nold; i++) {
		struct item *it = old[i] < w->nitems ? &w->items[old[i]] : NULL;

		if (it != NULL && !it->ns_inflight && w->clock() >= it->ns_due_ns) {
			want_ns(w, old[i]);
		}
	}
	if (gen == pt_state_target_generation(w->state)) {
		bool was = w->hold;

		w->truth_done = true;
		if (rc == PT_OK) {
			snprintf(w->zone, sizeof(w->zone), "%s", t.zone);
			/* the negative-caching guard: not a question before the record is there */
			w->hold = w->truth_cfg.nexpect > 0 && !w->cfg.query_now && t.unpublished;
		}
		if (was && !w->hold) {
			poke(w);
		}
	}
	if (nold > 0) {
		poke(w);
	}
	pthread_mutex_unlock(&w->lock);
	free(old);
	if (rc == PT_OK) {
		pt_truth_fini(&t);
	}
}

/* A cheap look at the servers' serials and the delegation. @return a full check is due. */
static bool truth_changed(struct pt_watch *w)
{
	struct pt_truth_config cfg;
	char domain[256];
	uint16_t qtype;
	bool changed;

	pt_state_target(w->state, domain, sizeof(domain), &qtype);
	pthread_mutex_lock(&w->lock);
	if (pt_truth_config_copy(&cfg, &w->truth_cfg) != PT_OK) {
		pthread_mutex_unlock(&w->lock);
		return true;
	}
	pthread_mutex_unlock(&w->lock);
	changed = pt_truth_poll(&w->net, w->cache, &cfg, domain);
	pt_truth_config_fini(&cfg);
	return changed;
}

/* Wait @p s seconds (real time) or until told to look now or stop. Called with the lock. */
static void truth_sleep(struct pt_watch *w, double s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)s;
	ts.tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	while (!w->stop && !w->truth_now) {
		if (pthread_cond_timedwait(&w->truth_cond, &w->lock, &ts) == ETIMEDOUT) {
			break;
		}
	}
}

static void *truth_main(void *arg)
{
	struct pt_watch *w = arg;
	uint64_t last_full = 0;
	bool full = true;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		full |= w->truth_now;
		w->truth_now = false;
		pthread_mutex_unlock(&w->lock);
		if (!full && w->cfg.truth_interval_s > 0 &&
		    w->clock() - last_full >= (uint64_t)(w->cfg.truth_interval_s * 1e9)) {
			full = true;
		}
		/* once a second: one SOA query per server and the delegation at one parent; a
		 * full check of the record when something moved */
		if (!full && w->cfg.poll_interval_s > 0) {
			full = truth_changed(w);
		}
		if (full) {
			pt_watch_check_truth(w);
			last_full = w->clock();
			pt_state_wake(w->state);
		}
		full = false;
		pthread_mutex_lock(&w->lock);
		pthread_cond_broadcast(&w->cond);
		if (w->cfg.once || (w->cfg.truth_interval_s <= 0 && w->cfg.poll_interval_s <= 0)) {
			while (!w->stop && !w->truth_now) {
				pthread_cond_wait(&w->truth_cond, &w->lock);
			}
			continue;
		}
		truth_sleep(w, w->cfg.poll_interval_s > 0 ? w->cfg.poll_interval_s
							  : w->cfg.truth_interval_s);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct pt_watch *pt_watch_new(const struct pt_net *net, struct pt_state *state,
			      const struct pt_truth_config *truth_cfg,
			      const struct pt_watch_config *cfg, pt_clock_fn clock)
{
	struct pt_watch *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		return NULL;
	}
	w->net = *net;
	w->state = state;
	w->clock = clock != NULL ? clock : pt_clock_monotonic;
	w->cfg = *cfg;
	w->sched.min_ns = (uint64_t)(cfg->interval_s * 1e9);
	w->sched.max_ns = (uint64_t)(cfg->max_interval_s * 1e9);
	if (w->sched.max_ns < w->sched.min_ns) {
		w->sched.max_ns = w->sched.min_ns;
	}
	w->gen = pt_state_target_generation(state);
	w->next_wake = UINT64_MAX;
	/* with --expect, nothing is asked before the servers were: the record may not be there */
	w->hold = truth_cfg->nexpect > 0 && !cfg->query_now;
	if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng) || w->rng == 0) {
		w->rng = 0x9e3779b97f4a7c15ULL ^ w->clock();
	}
	w->cache = pt_truth_cache_new();
	if (w->cache == NULL || pt_truth_config_copy(&w->truth_cfg, truth_cfg) != PT_OK) {
		pt_truth_cache_free(w->cache);
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	pthread_cond_init(&w->truth_cond, NULL);
	return w;
}

enum pt_status pt_watch_start(struct pt_watch *w)
{
	sigset_t all, old;
	bool ok;

	/* Signals go to the controlling thread only. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = pthread_create(&w->poller, NULL, poll_main, w) == 0;
	if (ok && pthread_create(&w->truther, NULL, truth_main, w) != 0) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->poller, NULL);
		ok = false;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	w->threads = ok;
	return ok ? PT_OK : PT_ERR_NOMEM;
}

enum pt_status pt_watch_add(struct pt_watch *w, const struct pt_resolver *r, uint64_t *id)
{
	enum pt_status rc;
	uint64_t nid;

	pthread_mutex_lock(&w->lock);
	if (w->nitems == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct item *n = realloc(w->items, cap * sizeof(*n));

		if (n == NULL) {
			pthread_mutex_unlock(&w->lock);
			return PT_ERR_NOMEM;
		}
		w->items = n;
		w->cap = cap;
	}
	nid = w->nitems;
	/* the state first: a reply can only come once the item is there */
	rc = pt_state_add(w->state, nid, r);
	if (rc == PT_OK) {
		memset(&w->items[nid], 0, sizeof(struct item));
		w->items[nid].resolver = *r;
		w->items[nid].tracked = true;
		w->items[nid].heap_idx = SIZE_MAX;
		w->nitems++;
		w->undone++;
		schedule(w, nid);
		poke(w);
	}
	pthread_mutex_unlock(&w->lock);
	if (rc == PT_OK && id != NULL) {
		*id = nid;
	}
	return rc;
}

void pt_watch_remove(struct pt_watch *w, uint64_t id)
{
	pthread_mutex_lock(&w->lock);
	if (id < w->nitems && w->items[id].tracked) {
		struct item *it = &w->items[id];

		heap_remove(w, id);
		set_done(w, it, true);
		ns_count(w, it, -1);
		it->tracked = false;
	}
	pthread_mutex_unlock(&w->lock);
	pt_state_remove(w->state, id);
}

size_t pt_watch_resolvers(struct pt_watch *w, struct pt_resolver **out)
{
	size_t n = 0;

	pthread_mutex_lock(&w->lock);
	*out = w->nitems ? malloc(w->nitems * sizeof(**out)) : NULL;
	for (size_t i = 0; *out != NULL && i < w->nitems; i++) {
		if (w->items[i].tracked) {
			(*out)[n++] = w->items[i].resolver;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

void pt_watch_refresh(struct pt_watch *w)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nitems; i++) {
		w->items[i].due_ns = 0;
		w->items[i].failures = 0;
		set_done(w, &w->items[i], false);
		schedule(w, i);
	}
	w->truth_now = true;
	w->sweep_told = false;
	poke(w);
	pthread_cond_broadcast(&w->truth_cond);
	pthread_mutex_unlock(&w->lock);
}

enum pt_status pt_watch_retarget(struct pt_watch *w, const char *domain, uint16_t qtype)
{
	enum pt_status rc = pt_state_retarget(w->state, domain, qtype);

	if (rc != PT_OK) {
		return rc;
	}
	pthread_mutex_lock(&w->lock);
	w->gen = pt_state_target_generation(w->state);
	w->truth_done = false;
	/* another zone, maybe: what was learnt of the last one's servers goes */
	w->zone[0] = '\0';
	for (size_t i = 0; i < w->truth_cfg.ncached_ns; i++) {
		free(w->truth_cfg.cached_ns[i]);
	}
	w->truth_cfg.ncached_ns = 0;
	w->hold = w->truth_cfg.nexpect > 0 && !w->cfg.query_now;
	pthread_mutex_unlock(&w->lock);
	pt_watch_refresh(w);
	return PT_OK;
}

enum pt_status pt_watch_expect(struct pt_watch *w, const char *const *rdata, size_t n)
{
	struct pt_truth_config next, tmp;
	char domain[256];
	uint16_t qtype;
	enum pt_status rc;

	/* Check every value before changing anything. */
	pt_state_target(w->state, domain, sizeof(domain), &qtype);
	for (size_t i = 0; i < n; i++) {
		char *norm = NULL;

		rc = pt_rdata_normalise(&norm, qtype, rdata[i]);
		free(norm);
		if (rc != PT_OK) {
			return rc;
		}
	}
	pthread_mutex_lock(&w->lock);
	tmp = w->truth_cfg;
	tmp.expect = (char **)(uintptr_t)rdata;
	tmp.nexpect = n;
	tmp.cached_ns = NULL;
	tmp.ncached_ns = 0;
	rc = pt_truth_config_copy(&next, &tmp);
	if (rc == PT_OK) {
		/* the names learnt from the resolvers stay */
		next.cached_ns = w->truth_cfg.cached_ns;
		next.ncached_ns = w->truth_cfg.ncached_ns;
		w->truth_cfg.cached_ns = NULL;
		w->truth_cfg.ncached_ns = 0;
		pt_truth_config_fini(&w->truth_cfg);
		w->truth_cfg = next;
		w->truth_now = true;
		pthread_cond_broadcast(&w->truth_cond);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

bool pt_watch_holding(struct pt_watch *w)
{
	bool hold;

	pthread_mutex_lock(&w->lock);
	hold = w->hold;
	pthread_mutex_unlock(&w->lock);
	return hold;
}

bool pt_watch_first_sweep_done(struct pt_watch *w)
{
	bool done;

	pthread_mutex_lock(&w->lock);
	/* an NS question about an old answer is part of the sweep */
	done = w->truth_done && (w->hold || (w->undone == 0 && w->ns_busy == 0));
	pthread_mutex_unlock(&w->lock);
	return done;
}

void pt_watch_stop(struct pt_watch *w)
{
	if (w == NULL || w->joined) {
		return;
	}
	w->joined = true;
	if (!w->threads) {
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_cond_broadcast(&w->truth_cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->poller, NULL);
	pthread_join(w->truther, NULL);
}

void pt_watch_free(struct pt_watch *w)
{
	if (w == NULL) {
		return;
	}
	pt_watch_stop(w);
	pt_truth_config_fini(&w->truth_cfg);
	pt_truth_cache_free(w->cache);
	pthread_cond_destroy(&w->cond);
	pthread_cond_destroy(&w->truth_cond);
	pthread_mutex_destroy(&w->lock);
	free(w->items);
	free(w->heap);
	free(w->nsq);
	free(w->duev);
	free(w);
}
