#include "watch.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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
};

/* A query's tag carries the resolver id and the target generation it was sent for, so
 * nothing is allocated per query and nothing dangles if the network drops a query. */
#define TAG_ID_BITS 40
#define TAG_ID_MASK ((1ULL << TAG_ID_BITS) - 1)
#define TAG_GEN_MASK (UINT64_MAX >> TAG_ID_BITS)

/* xorshift64*: spreads poll times; not security relevant (query IDs come from the engine). */
static unsigned spread(struct pt_watch *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (unsigned)((w->rng * 2685821657736338717ULL) >> 33) % (PT_SCHED_SPREAD_MS + 1);
}

/* Whoever makes an item due now must wake the poller. Called with the lock held. */
static void poke(struct pt_watch *w)
{
	w->next_wake = 0;
	pthread_cond_broadcast(&w->cond);
}

static void on_reply(void *ctx, const struct pt_request *req, struct pt_reply *reply)
{
	struct pt_watch *w = ctx;
	uint64_t id = req->tag & TAG_ID_MASK;
	uint64_t gen = req->tag >> TAG_ID_BITS;
	enum pt_reply_class cls = pt_reply_class(reply->result, &reply->answer);
	/* a query the network gave up on because we are stopping observed nothing */
	bool cancelled = reply->result == PT_REPLY_LOCAL_ERROR && reply->err == ECANCELED;

	if (!cancelled) {
		pt_state_publish(w->state, id, gen, reply);
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
			it->done = true;
		} else {
			/* The target changed while this was in flight: ask again at once. */
			it->due_ns = 0;
		}
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
	size_t *due = NULL, ndue = 0;

	/* The state owns the target; read it each round (retarget changes it). */
	pt_state_target(w->state, domain, sizeof(domain), &qtype);
	pthread_mutex_lock(&w->lock);
	now = w->clock();
	gen = w->gen;
	due = malloc((w->nitems ? w->nitems : 1) * sizeof(*due));
	for (size_t i = 0; i < w->nitems; i++) {
		struct item *it = &w->items[i];

		if (!it->tracked || it->inflight || (w->cfg.once && it->done)) {
			continue;
		}
		if (it->due_ns > now || due == NULL) {
			next = it->due_ns < next ? it->due_ns : next;
			continue;
		}
		it->inflight = true;
		due[ndue++] = i;
	}
	pthread_mutex_unlock(&w->lock);
	/* Outside the lock: a network may answer inside submit(). */
	for (size_t k = 0; k < ndue; k++) {
		struct pt_request req;
		struct item it;

		pthread_mutex_lock(&w->lock);
		it = w->items[due[k]];
		pthread_mutex_unlock(&w->lock);
		pt_request_init(&req, &it.resolver.sa, it.resolver.salen, domain, qtype,
				PT_FLAG_RD);
		req.tag = (uint64_t)due[k] | (gen << TAG_ID_BITS);
		if (pt_net_submit(&w->net, &req, on_reply, w) != PT_OK) {
			pthread_mutex_lock(&w->lock);
			w->items[due[k]].inflight = false;
			w->items[due[k]].due_ns = now + PT_NS_PER_S;
			next = now + PT_NS_PER_S < next ? now + PT_NS_PER_S : next;
			pthread_mutex_unlock(&w->lock);
		}
	}
	free(due);
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
	*out = malloc((w->nitems ? w->nitems : 1) * sizeof(**out));
	for (int pass = 0; *out != NULL && pass < 2; pass++) {
		for (size_t i = 0; i < w->nitems; i++) {
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
	}
	if (rc == PT_OK) {
		pt_truth_fini(&t);
	}
	pthread_mutex_lock(&w->lock);
	if (gen == pt_state_target_generation(w->state)) {
		w->truth_done = true;
	}
	pthread_mutex_unlock(&w->lock);
}

static void *truth_main(void *arg)
{
	struct pt_watch *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		w->truth_now = false;
		pthread_mutex_unlock(&w->lock);
		pt_watch_check_truth(w);
		pt_state_wake(w->state);
		pthread_mutex_lock(&w->lock);
		pthread_cond_broadcast(&w->cond);
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
		w->nitems++;
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
	if (id < w->nitems) {
		w->items[id].tracked = false;
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
	rc = pt_truth_config_copy(&next, &tmp);
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
		done = !w->items[i].tracked || w->items[i].done;
	}
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
	free(w);
}
