#include "watch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sched.h"

/* Schedule entry of one resolver; the index in w->items is the state's resolver id. */
struct item {
	struct pt_resolver resolver;
	uint64_t due_ns;
	unsigned failures;
	bool inflight;
	bool removed;
	/* polled at least once (for --once and the first sweep) */
	bool done;
};

struct pt_watch {
	struct pt_engine *engine;
	struct pt_state *state;
	pt_clock_fn clock;
	struct pt_watch_config cfg;
	struct pt_sched_config sched;

	pthread_mutex_t lock;
	/* signalled on: a reply, a new resolver, refresh, retarget, stop */
	pthread_cond_t cond;
	struct item *items;
	size_t nitems;
	size_t cap;
	uint64_t gen;
	/* when the poller will look again; replies wake it only if they are due sooner, so a
	 * sweep of n resolvers costs O(n) scans, not one per reply */
	uint64_t next_wake;
	bool stop;
	uint64_t queries;
	uint64_t rng;

	/* Truth thread: its own wait so a slow authoritative server never delays polls. */
	pthread_t poller;
	pthread_t truther;
	pthread_cond_t truth_cond;
	struct pt_truth_config truth_cfg;
	struct pt_truth_cache *cache;
	bool truth_now;
	bool truth_done;
	bool joined;
};

/* A query's tag carries the resolver id and the target generation it was sent for, so
 * nothing is allocated per query and nothing dangles if the engine drops a query. */
#define TAG_ID_BITS 40
#define TAG_ID_MASK ((1ULL << TAG_ID_BITS) - 1)

/* xorshift64*: spreads poll times; not security relevant (query IDs come from the engine). */
static unsigned spread(struct pt_watch *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (unsigned)((w->rng * 2685821657736338717ULL) >> 33) % (PT_SCHED_SPREAD_MS + 1);
}

static bool failed(const struct pt_reply *r)
{
	if (r->result != PT_REPLY_OK) {
		return true;
	}
	return r->answer.kind == PT_ANSWER_RCODE || r->answer.kind == PT_ANSWER_REFERRAL;
}

static void on_reply(void *ctx, const struct pt_request *req, struct pt_reply *reply)
{
	struct pt_watch *w = ctx;
	uint64_t id = req->tag & TAG_ID_MASK;
	uint64_t gen = req->tag >> TAG_ID_BITS;

	pt_state_publish(w->state, id, gen, reply);
	pthread_mutex_lock(&w->lock);
	w->queries += reply->tries;
	if (id < w->nitems) {
		struct item *it = &w->items[id];
		long ttl = reply->result == PT_REPLY_OK && reply->answer.has_ttl
				   ? (long)reply->answer.ttl
				   : -1;
		uint64_t now = w->clock();
		uint64_t at =
			reply->received_ns && reply->received_ns <= now ? reply->received_ns : now;
		/* Where in the wall-clock second the reply came: resolvers expire entries on
		 * whole seconds (see sched.h). */
		unsigned frac = (unsigned)((pt_clock_wall_ms() - (now - at) / PT_NS_PER_MS) % 1000);

		it->inflight = false;
		it->failures = failed(reply) ? it->failures + 1 : 0;
		it->due_ns = pt_sched_next(&w->sched, at, ttl, it->failures, spread(w), frac);
		if (gen == (w->gen & (UINT64_MAX >> TAG_ID_BITS))) {
			it->done = true;
		} else {
			/* The target changed while this was in flight: ask again at once. */
			it->due_ns = 0;
		}
		if (!w->cfg.once && it->due_ns < w->next_wake) {
			pthread_cond_broadcast(&w->cond);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

/* Send what is due; called with the lock held. @return the next due time (UINT64_MAX: none). */
static uint64_t send_due(struct pt_watch *w, const char *domain, uint16_t qtype)
{
	uint64_t now = w->clock();
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < w->nitems; i++) {
		struct item *it = &w->items[i];

		if (it->removed || it->inflight || (w->cfg.once && it->done)) {
			continue;
		}
		if (it->due_ns > now) {
			next = it->due_ns < next ? it->due_ns : next;
			continue;
		}
		struct pt_request req;

		memset(&req, 0, sizeof(req));
		req.sa = it->resolver.sa;
		req.salen = it->resolver.salen;
		req.qname = domain;
		req.qtype = qtype;
		req.opts = PT_FLAG_RD;
		req.tag = (uint64_t)i | (w->gen << TAG_ID_BITS);
		it->inflight = true;
		if (pt_engine_submit(w->engine, &req, on_reply, w) != PT_OK) {
			it->inflight = false;
			next = now + PT_NS_PER_S;
			break;
		}
	}
	return next;
}

static void *poll_main(void *arg)
{
	struct pt_watch *w = arg;
	char domain[256];
	uint16_t qtype;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		/* The state owns the target; read it each round (retarget changes it). The
		 * state lock is separate and never taken while holding ours for long. */
		pthread_mutex_unlock(&w->lock);
		pt_state_target(w->state, domain, sizeof(domain), &qtype);
		pthread_mutex_lock(&w->lock);
		uint64_t next = send_due(w, domain, qtype);
		uint64_t now = w->clock();
		/* Wake at least once a second even when idle; cheap and bounds clock skew. */
		uint64_t wait =
			next == UINT64_MAX || next - now > PT_NS_PER_S ? PT_NS_PER_S : next - now;
		struct timespec ts;

		if (next != UINT64_MAX && next <= now) {
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

/* Whoever makes an item due now must wake the poller. Called with the lock held. */
static void poke(struct pt_watch *w)
{
	w->next_wake = 0;
	pthread_cond_broadcast(&w->cond);
}

static void find_truth(struct pt_watch *w)
{
	struct pt_truth t;
	char domain[256];
	uint16_t qtype;
	uint64_t gen = pt_state_target_generation(w->state);

	pt_state_target(w->state, domain, sizeof(domain), &qtype);
	pthread_mutex_lock(&w->lock);
	struct pt_truth_config cfg;
	enum pt_status rc = pt_truth_config_copy(&cfg, &w->truth_cfg);

	pthread_mutex_unlock(&w->lock);
	if (rc != PT_OK) {
		return;
	}
	rc = pt_truth_find(&t, w->engine, w->cache, &cfg, domain, qtype);
	pt_truth_config_fini(&cfg);
	if (rc != PT_OK) {
		return;
	}
	/* Only for the target it was looked up for. */
	if (gen == pt_state_target_generation(w->state)) {
		pt_state_set_truth(w->state, &t);
	}
	pt_truth_fini(&t);
}

static void *truth_main(void *arg)
{
	struct pt_watch *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		w->truth_now = false;
		pthread_mutex_unlock(&w->lock);
		find_truth(w);
		pthread_mutex_lock(&w->lock);
		w->truth_done = true;
		pthread_cond_broadcast(&w->cond);
		pt_state_wake(w->state);
		if (w->cfg.once || w->cfg.truth_interval_s <= 0) {
			while (!w->stop && !w->truth_now) {
				pthread_cond_wait(&w->truth_cond, &w->lock);
			}
			continue;
		}
		struct timespec ts;
		double s = w->cfg.truth_interval_s;

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
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static enum pt_status add_item(struct pt_watch *w, const struct pt_resolver *r, uint64_t id)
{
	if (id >= w->cap) {
		size_t cap = w->cap ? w->cap : 64;
		struct item *n;

		while (cap <= id) {
			cap *= 2;
		}
		n = realloc(w->items, cap * sizeof(*n));
		if (n == NULL) {
			return PT_ERR_NOMEM;
		}
		memset(n + w->cap, 0, (cap - w->cap) * sizeof(*n));
		w->items = n;
		w->cap = cap;
	}
	memset(&w->items[id], 0, sizeof(struct item));
	w->items[id].resolver = *r;
	if (id >= w->nitems) {
		/* Ids the state gave to resolvers removed before we started stay removed. */
		for (size_t i = w->nitems; i < id; i++) {
			w->items[i].removed = true;
		}
		w->nitems = id + 1;
	}
	return PT_OK;
}

struct pt_watch *pt_watch_start(struct pt_engine *engine, struct pt_state *state,
				const struct pt_truth_config *truth_cfg,
				const struct pt_watch_config *cfg, pt_clock_fn clock)
{
	struct pt_watch *w = calloc(1, sizeof(*w));
	struct pt_snapshot *s;
	sigset_t all, old;

	if (w == NULL) {
		return NULL;
	}
	w->engine = engine;
	w->state = state;
	w->clock = clock != NULL ? clock : pt_clock_monotonic;
	w->cfg = *cfg;
	w->sched.min_ns = (uint64_t)(cfg->interval_s * 1e9);
	w->sched.max_ns = (uint64_t)(cfg->max_interval_s * 1e9);
	if (w->sched.max_ns < w->sched.min_ns) {
		w->sched.max_ns = w->sched.min_ns;
	}
	w->gen = pt_state_target_generation(state);
	if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng) || w->rng == 0) {
		w->rng = 0x9e3779b97f4a7c15ULL ^ w->clock();
	}
	w->cache = pt_truth_cache_new();
	s = pt_state_snapshot(state);
	if (w->cache == NULL || s == NULL ||
	    pt_truth_config_copy(&w->truth_cfg, truth_cfg) != PT_OK) {
		pt_snapshot_free(s);
		pt_truth_cache_free(w->cache);
		free(w);
		return NULL;
	}
	for (size_t i = 0; i < s->nrows; i++) {
		if (add_item(w, &s->rows[i].resolver, s->rows[i].id) != PT_OK) {
			break;
		}
	}
	pt_snapshot_free(s);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	pthread_cond_init(&w->truth_cond, NULL);
	/* Signals go to the UI thread only. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&w->poller, NULL, poll_main, w);
	pthread_create(&w->truther, NULL, truth_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w;
}

enum pt_status pt_watch_add(struct pt_watch *w, const struct pt_resolver *r, uint64_t *id)
{
	uint64_t nid;
	enum pt_status rc = pt_state_add(w->state, r, &nid);

	if (rc != PT_OK) {
		return rc;
	}
	pthread_mutex_lock(&w->lock);
	rc = add_item(w, r, nid);
	poke(w);
	pthread_mutex_unlock(&w->lock);
	if (rc != PT_OK) {
		pt_state_remove(w->state, nid);
		return rc;
	}
	if (id != NULL) {
		*id = nid;
	}
	return PT_OK;
}

void pt_watch_remove(struct pt_watch *w, uint64_t id)
{
	pthread_mutex_lock(&w->lock);
	if (id < w->nitems) {
		w->items[id].removed = true;
	}
	pthread_mutex_unlock(&w->lock);
	pt_state_remove(w->state, id);
}

void pt_watch_refresh(struct pt_watch *w)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nitems; i++) {
		w->items[i].due_ns = 0;
		w->items[i].failures = 0;
		w->items[i].done = false;
	}
	w->truth_now = true;
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
	pthread_mutex_unlock(&w->lock);
	pt_watch_refresh(w);
	return PT_OK;
}

enum pt_status pt_watch_expect(struct pt_watch *w, const char *const *rdata, size_t n)
{
	char domain[256];
	uint16_t qtype;

	/* Check every value before changing anything. */
	pt_state_target(w->state, domain, sizeof(domain), &qtype);
	for (size_t i = 0; i < n; i++) {
		char *norm = NULL;
		enum pt_status rc = pt_rdata_normalise(&norm, qtype, rdata[i]);

		free(norm);
		if (rc != PT_OK) {
			return rc;
		}
	}
	struct pt_truth_config next;
	struct pt_truth_config tmp;

	pthread_mutex_lock(&w->lock);
	tmp = w->truth_cfg;
	tmp.expect = (char **)(uintptr_t)rdata;
	tmp.nexpect = n;
	enum pt_status rc = pt_truth_config_copy(&next, &tmp);

	if (rc == PT_OK) {
		pt_truth_config_fini(&w->truth_cfg);
		w->truth_cfg = next;
		w->truth_now = true;
		pthread_cond_broadcast(&w->truth_cond);
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

bool pt_watch_first_sweep_done(struct pt_watch *w)
{
	bool done;

	pthread_mutex_lock(&w->lock);
	done = w->truth_done;
	for (size_t i = 0; done && i < w->nitems; i++) {
		done = w->items[i].removed || w->items[i].done;
	}
	pthread_mutex_unlock(&w->lock);
	return done;
}

uint64_t pt_watch_queries(struct pt_watch *w)
{
	pthread_mutex_lock(&w->lock);
	uint64_t q = w->queries;

	pthread_mutex_unlock(&w->lock);
	return q;
}

void pt_watch_stop(struct pt_watch *w)
{
	if (w == NULL || w->joined) {
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_cond_broadcast(&w->truth_cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->poller, NULL);
	pthread_join(w->truther, NULL);
	w->joined = true;
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
	free(w);
}
