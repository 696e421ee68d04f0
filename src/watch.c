#include "watch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "dns.h"
#include "sched.h"
#include "share.h"

/* --follow-mx: the schedule of one resolver's question for an MX target's A or AAAA. */
struct tslot {
	uint64_t due_ns;
	unsigned failures;
	bool inflight;
	/* asked at least once since the targets were set (for --once and the first sweep) */
	bool done;
};

/* Schedule entry of one resolver; the index in w->items is its id. The resolver itself is
 * the state's (pt_state_resolver()): one copy of its ~800 bytes, not two. */
struct item {
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
	/* its CH TXT identity (id.server, then hostname.bind when id.server told nothing) was
	 * asked: once, after the first reply it gave (one that never answers is not asked) */
	bool chaos_asked;
	/* one question in flight per resolver (issue 11): besides the poll, its NS question and
	 * its followed questions, a side question (CD, identity) out, and those still to ask
	 * (SIDE_* bits, asked one at a time, before its next poll) */
	bool side_inflight;
	bool tq_inflight;
	/* lent to the truth's discovery (see truth_via()): asked nothing until it is back */
	bool lent;
	uint8_t side;
	/* its polls answered SERVFAIL in a row, for the current target (saturates) */
	uint16_t servfails;
	/* --follow-mx: when its earliest followed question is due, and its place in the heap of
	 * those (SIZE_MAX: none to ask, or busy) */
	uint64_t tq_due;
	size_t theap_idx;
	/* position in the due heap, SIZE_MAX when not in it (a question of its in flight, done
	 * with --once, or not tracked) */
	size_t heap_idx;
	/* --follow-mx: the schedule of its followed questions (w->ntq of them), NULL when none */
	struct tslot *slots;
};

/* A min-heap of item ids on a due time: the polls' (due_ns, heap_idx), or with tq the
 * followed questions' (tq_due, theap_idx). */
struct heap {
	size_t *v;
	size_t len;
	size_t cap;
	bool tq;
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
	/* a side question (CD, identity, NS) is waiting: the poller looks within
	 * PT_NUDGE_GAP_NS, gathering the others that come meanwhile (see nudge()) */
	bool nudged;
	bool stop;
	uint64_t rng;
	/* the schedule: min-heaps of item ids on due_ns (polls) and on tq_due (followed
	 * questions), so a step costs O(due), not O(resolvers); the ids with an NS question to
	 * ask; counters for the first sweep */
	struct heap heap;
	struct heap theap;
	size_t *nsq;
	size_t nsq_len;
	size_t nsq_cap;
	size_t *duev;
	size_t duev_cap;
	size_t undone;	  /* tracked items not polled yet for the current target */
	size_t ns_busy;	  /* tracked items with an NS question wanted or out */
	size_t side_busy; /* identity and CD questions queued or out (the sweep waits for them) */
	bool sweep_told;  /* the end of this sweep woke the views already */

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

	/* --follow-mx: the MX targets of the truth's MX set (sorted), question 2i asks name i's
	 * A and 2i+1 its AAAA; a truth cache per name (used by the truth thread only) and the
	 * zone its last truth came from; slots not asked yet; the earliest due slot */
	char tnames[PT_TARGETS_MAX][256];
	size_t ntnames;
	size_t ntq;
	struct pt_truth_cache *tcache[PT_TARGETS_MAX];
	char tzone[PT_TARGETS_MAX][256];
	/* its last truth came from the --auth servers (no servers of its own were found): the
	 * look once a second asks those, as the cache was filled from them */
	bool tauth[PT_TARGETS_MAX];
	size_t tundone;
	/* the EDNS Client Subnet every poll carries (family 0: none) */
	struct pt_ecs ecs;
	/* ids with side questions to ask (item.side): a SERVFAIL asked again with CD set, the
	 * CH TXT identity after the first reply */
	size_t *sideq;
	size_t sideq_len;
	size_t sideq_cap;
};

/* due questions whose resolvers the step takes from the state under one lock */
#define SUBMIT_BATCH 64

/* how long side questions may wait for the poller to gather them (see nudge()) */
#define PT_NUDGE_GAP_NS (2 * PT_NS_PER_MS)
/* Side questions of an item, asked in this order, one at a time. */
#define SIDE_CD 1u
#define SIDE_ID_SERVER 2u
#define SIDE_HOSTNAME_BIND 4u

/* A query's tag carries the resolver id, whether it asks for the zone's NS set, and the
 * target generation it was sent for, so nothing is allocated per query and nothing dangles if
 * the network drops a query. */
#define TAG_ID_BITS 41
#define TAG_NS_BIT (1ULL << (TAG_ID_BITS - 1))
/* --follow-mx: a followed question, its index in bits 32-35 (ids stay below 2^32) */
#define TAG_TQ_BIT (1ULL << (TAG_ID_BITS - 2))
#define TAG_TQ_SHIFT 32
#define TAG_TQ_MAX 16
#define TAG_ID_MASK ((1ULL << TAG_TQ_SHIFT) - 1)
/* a CH TXT identity question (hostname.bind with TAG_HOST_BIT, else id.server), and the
 * question asked again with CD set after a SERVFAIL */
#define TAG_CHAOS_BIT (1ULL << (TAG_ID_BITS - 3))
#define TAG_HOST_BIT (1ULL << (TAG_ID_BITS - 4))
#define TAG_CD_BIT (1ULL << (TAG_ID_BITS - 5))
_Static_assert(2 * PT_TARGETS_MAX <= TAG_TQ_MAX, "every followed question has its index");
_Static_assert(TAG_CD_BIT >= (TAG_ID_MASK + 1) * TAG_TQ_MAX, "flags above the index");
/* what every poll asks with: recursion, the AD bit (RFC 6840 §5.7: "tell me whether you
 * validated it"), the server's NSID. Not DO: dnsmasq answers a DO query past its cache and
 * stores the fresh answer (seen in the lab), so DO would change what is being watched. */
#define POLL_OPTS (PT_FLAG_RD | PT_FLAG_AD | PT_FLAG_NSID)
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

static size_t *heap_pos(struct pt_watch *w, const struct heap *h, size_t id)
{
	return h->tq ? &w->items[id].theap_idx : &w->items[id].heap_idx;
}

static bool heap_less(const struct pt_watch *w, const struct heap *h, size_t a, size_t b)
{
	const struct item *x = &w->items[h->v[a]], *y = &w->items[h->v[b]];

	return h->tq ? x->tq_due < y->tq_due : x->due_ns < y->due_ns;
}

static void heap_swap(struct pt_watch *w, struct heap *h, size_t a, size_t b)
{
	size_t t = h->v[a];

	h->v[a] = h->v[b];
	h->v[b] = t;
	*heap_pos(w, h, h->v[a]) = a;
	*heap_pos(w, h, h->v[b]) = b;
}

static void heap_fix(struct pt_watch *w, struct heap *h, size_t i)
{
	while (i > 0 && heap_less(w, h, i, (i - 1) / 2)) {
		heap_swap(w, h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < h->len && heap_less(w, h, l, m)) {
			m = l;
		}
		if (l + 1 < h->len && heap_less(w, h, l + 1, m)) {
			m = l + 1;
		}
		if (m == i) {
			return;
		}
		heap_swap(w, h, i, m);
		i = m;
	}
}

static void heap_remove(struct pt_watch *w, struct heap *h, size_t id)
{
	size_t i = *heap_pos(w, h, id);

	if (i == SIZE_MAX) {
		return;
	}
	*heap_pos(w, h, id) = SIZE_MAX;
	if (i != --h->len) {
		h->v[i] = h->v[h->len];
		*heap_pos(w, h, h->v[i]) = i;
		heap_fix(w, h, i);
	}
}

/* Put item @p id in heap @p h at its key (or move it there). */
static void heap_put(struct pt_watch *w, struct heap *h, size_t id)
{
	size_t *pos = heap_pos(w, h, id);

	if (*pos == SIZE_MAX) {
		if (!grow(&h->v, &h->cap, h->len + 1)) {
			return;
		}
		*pos = h->len;
		h->v[h->len++] = id;
	}
	heap_fix(w, h, *pos);
}

/* A question of item @p it is in flight: nothing else is sent to that resolver. */
static bool busy(const struct item *it)
{
	return it->inflight || it->ns_inflight || it->side_inflight || it->tq_inflight || it->lent;
}

/* Put item @p id in the schedule at its due_ns (or move it there) when it is to be polled:
 * tracked, nothing of its in flight, not done with --once. */
static void schedule(struct pt_watch *w, size_t id)
{
	struct item *it = &w->items[id];

	if (!it->tracked || busy(it) || (w->cfg.once && it->done)) {
		heap_remove(w, &w->heap, id);
		return;
	}
	heap_put(w, &w->heap, id);
}

/* The same for its followed questions: in the heap at the earliest due one that is not out
 * (nor asked already with --once), when it is tracked and nothing of its is in flight. */
static void tq_schedule(struct pt_watch *w, size_t id)
{
	struct item *it = &w->items[id];
	uint64_t due = UINT64_MAX;

	for (size_t q = 0; it->tracked && !busy(it) && it->slots != NULL && q < w->ntq; q++) {
		const struct tslot *sl = &it->slots[q];

		if (!sl->inflight && !(w->cfg.once && sl->done) && sl->due_ns < due) {
			due = sl->due_ns;
		}
	}
	if (due == UINT64_MAX) {
		heap_remove(w, &w->theap, id);
		return;
	}
	it->tq_due = due;
	heap_put(w, &w->theap, id);
}

/* A question of item @p id goes out: out of both heaps until item_free(). */
static void unschedule(struct pt_watch *w, size_t id)
{
	heap_remove(w, &w->heap, id);
	heap_remove(w, &w->theap, id);
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
	if (!w->sweep_told && w->undone == 0 && w->ns_busy == 0 && w->tundone == 0 &&
	    w->side_busy == 0) {
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

/* Whoever queues a side question must nudge the poller: it steps within PT_NUDGE_GAP_NS,
 * not at once, so a sweep's replies asking for side questions wake it once per gap, not once
 * each (a wake-up and two context switches per reply were a tenth of a sweep's CPU). Called
 * with the lock held. */
static void nudge(struct pt_watch *w)
{
	w->nudged = true;
	/* only when asleep for longer than the gap: a poller that is stepping (UINT64_MAX) or
	 * poked to step again (0) looks at nudged before it sleeps */
	if (w->next_wake != 0 && w->next_wake != UINT64_MAX &&
	    w->next_wake > w->clock() + PT_NUDGE_GAP_NS) {
		pthread_cond_broadcast(&w->cond);
	}
}

/* Side question @p bit is to be asked of item @p id (counted in side_busy until it ends). */
static void want_side(struct pt_watch *w, size_t id, unsigned bit)
{
	struct item *it = &w->items[id];

	if ((it->side & bit) ||
	    (it->side == 0 && !grow(&w->sideq, &w->sideq_cap, w->sideq_len + 1))) {
		return;
	}
	if (it->side == 0) {
		w->sideq[w->sideq_len++] = id;
	}
	it->side |= (uint8_t)bit;
	w->side_busy++;
	nudge(w);
}

/* The question of item @p id that was in flight ended: its next one may go. Called with the
 * lock held, its flag cleared. */
static void item_free(struct pt_watch *w, size_t id)
{
	struct item *it = &w->items[id];

	schedule(w, id);
	tq_schedule(w, id);
	if (it->side != 0 || it->ns_wanted) {
		nudge(w);
	}
	if ((it->heap_idx != SIZE_MAX && it->due_ns < w->next_wake) ||
	    (it->theap_idx != SIZE_MAX && it->tq_due < w->next_wake)) {
		poke(w);
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
		item_free(w, id);
		sweep_progress(w);
	}
	if (data || referral) {
		struct pt_answer names = { .rdata = data ? a->rdata : a->referral_ns,
					   .count = data ? a->count : a->nreferral_ns };

		learn_ns(w, &names);
	}
	pthread_mutex_unlock(&w->lock);
}

/* When to ask again after @p reply (of class @p cls), with @p failures counted: just after
 * its TTL runs out (src/sched.c). @param[out] at the reply's pt_clock time. Called with the
 * lock held. */
static uint64_t next_due(struct pt_watch *w, const struct pt_reply *reply, enum pt_reply_class cls,
			 unsigned failures, uint64_t *at)
{
	long ttl = cls == PT_CLASS_ANSWER && reply->answer.has_ttl ? (long)reply->answer.ttl : -1;
	uint64_t now = w->clock();

	*at = reply->received_ns && reply->received_ns <= now ? reply->received_ns : now;
	/* Where in the wall-clock second the reply came: resolvers expire entries on whole
	 * seconds (see sched.h). */
	unsigned frac = (unsigned)((pt_clock_wall_ms() - (now - *at) / PT_NS_PER_MS) % 1000);

	return pt_sched_next(&w->sched, *at, ttl, failures, spread(w), frac);
}

/* The type of followed question @p q. */
static uint16_t tq_type(size_t q)
{
	return q % 2 == 0 ? PT_TYPE_A : PT_TYPE_AAAA;
}

/* A reply to a followed question (an MX target's A or AAAA): to the state, and the
 * question's next due time, as for the main question. */
static void on_target_reply(struct pt_watch *w, uint64_t id, size_t q, uint64_t gen,
			    const struct pt_request *req, const struct pt_reply *reply,
			    bool cancelled)
{
	enum pt_reply_class cls = pt_reply_class(reply->result, &reply->answer);

	pthread_mutex_lock(&w->lock);
	/* the targets may have changed while it was out: its question may have moved, or be
	 * followed no more */
	bool current = q < w->ntq && req->qtype == tq_type(q) &&
		       strcasecmp(req->qname, w->tnames[q / 2]) == 0;

	for (size_t k = 0; !current && k < w->ntq; k++) {
		if (req->qtype == tq_type(k) && strcasecmp(req->qname, w->tnames[k / 2]) == 0) {
			q = k;
			current = true;
		}
	}

	if (current && !cancelled) {
		/* lock order: watch, then state */
		pt_state_publish_target(w->state, id, gen, w->tnames[q / 2], tq_type(q), reply);
	}
	if (current && id < w->nitems && w->items[id].slots != NULL) {
		struct tslot *sl = &w->items[id].slots[q];
		uint64_t at;

		sl->inflight = false;
		sl->failures = cls == PT_CLASS_ANSWER ? 0 : sl->failures + 1;
		sl->due_ns = next_due(w, reply, cls, sl->failures, &at);
		if (!sl->done && w->items[id].tracked) {
			w->tundone--;
		}
		sl->done = true;
	}
	if (id < w->nitems) {
		/* whether its question is still followed or not, it is out no more */
		w->items[id].tq_inflight = false;
		item_free(w, id);
		sweep_progress(w);
	}
	pthread_mutex_unlock(&w->lock);
}

/* The side question of item @p id ended (answered, failed or not sent); @p next, a side
 * question it calls for (0: none). */
static void side_done(struct pt_watch *w, uint64_t id, unsigned next)
{
	pthread_mutex_lock(&w->lock);
	if (w->side_busy > 0) {
		w->side_busy--;
	}
	if (id < w->nitems) {
		w->items[id].side_inflight = false;
		if (next != 0 && w->items[id].tracked) {
			want_side(w, id, next);
		}
		item_free(w, id);
	}
	sweep_progress(w);
	pthread_mutex_unlock(&w->lock);
}

/* The followed questions of @p it asked once already, not out: due no sooner than its next
 * poll (item_free() puts them in their heap again). Called with the lock. */
static void hold_targets(struct pt_watch *w, struct item *it)
{
	for (size_t q = 0; it->slots != NULL && q < w->ntq; q++) {
		struct tslot *sl = &it->slots[q];

		if (sl->done && !sl->inflight && sl->due_ns < it->due_ns) {
			sl->due_ns = it->due_ns;
		}
	}
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
	if (req->tag & TAG_TQ_BIT) {
		on_target_reply(w, id, (size_t)((req->tag >> TAG_TQ_SHIFT) % TAG_TQ_MAX), gen, req,
				reply, cancelled);
		return;
	}
	if (req->tag & TAG_CHAOS_BIT) {
		/* an identity is the first TXT string of a NOERROR answer; anything else tells
		 * nothing (most resolvers refuse or do not know these names) */
		bool host = (req->tag & TAG_HOST_BIT) != 0;
		bool told = !cancelled && reply->result == PT_REPLY_OK &&
			    reply->answer.kind == PT_ANSWER_DATA && reply->answer.count > 0;
		/* hostname.bind only when id.server told nothing, from a server that answers CH
		 * questions (BIND without server-id names itself by hostname.bind alone); not after
		 * a REFUSED or no reply */
		bool then_host =
			!host && !told && !cancelled && reply->result == PT_REPLY_OK &&
			!(reply->answer.kind == PT_ANSWER_RCODE && reply->answer.rcode == 5);

		if (told) {
			pt_state_set_identity(w->state, id,
					      host ? PT_IDENTITY_HOSTNAME_BIND
						   : PT_IDENTITY_ID_SERVER,
					      reply->answer.rdata[0]);
		}
		side_done(w, id, then_host ? SIDE_HOSTNAME_BIND : 0);
		return;
	}
	if (req->tag & TAG_CD_BIT) {
		/* answered with checking disabled, after a SERVFAIL: validation failed there */
		if (!cancelled) {
			bool answered = reply->result == PT_REPLY_OK &&
					(reply->answer.kind == PT_ANSWER_DATA ||
					 reply->answer.kind == PT_ANSWER_NODATA ||
					 reply->answer.kind == PT_ANSWER_NXDOMAIN);

			pt_state_set_dnssec(w->state, id, gen, answered,
					    reply->result == PT_REPLY_OK ? reply->answer.rcode
									 : -1);
		}
		side_done(w, id, 0);
		return;
	}
	if (!cancelled) {
		reply->ecs_sent = req->ecs;
		v = pt_state_publish(w->state, id, gen, reply);
	}

	pthread_mutex_lock(&w->lock);
	if (id < w->nitems) {
		struct item *it = &w->items[id];
		uint64_t at;

		it->inflight = false;
		it->failures = cls == PT_CLASS_ANSWER ? 0 : it->failures + 1;
		it->due_ns = next_due(w, reply, cls, it->failures, &at);
		if (gen == (w->gen & TAG_GEN_MASK)) {
			set_done(w, it, true);
		} else {
			/* The target changed while this was in flight: ask again at once. */
			it->due_ns = 0;
		}
		/* REFUSED: the resolver's policy towards us (RFC 1035), for its other names as
		 * well; its followed questions, asked once already, wait for its next poll and go
		 * after a poll it answers: one question per back-off step, not five */
		if (cls == PT_CLASS_REFUSED) {
			hold_targets(w, it);
		}
		/* SERVFAIL: the same question with CD set tells a DNSSEC failure from the rest
		 * (asked by the poller: callbacks never call into the network). A resolver that
		 * keeps failing is asked it on the 1st, 2nd, 4th, 8th... SERVFAIL in a row, not at
		 * every back-off step: the state keeps what the last one told until a poll gets
		 * something other than SERVFAIL */
		bool servfail = cls == PT_CLASS_SERVFAIL && gen == (w->gen & TAG_GEN_MASK);

		if (servfail) {
			it->servfails += it->servfails < UINT16_MAX;
		} else if (!cancelled) {
			it->servfails = 0;
		}
		if (servfail && it->tracked && (it->servfails & (it->servfails - 1)) == 0) {
			want_side(w, id, SIDE_CD);
		}
		/* first contact: its CH TXT identity, once, after its first reply (a resolver that
		 * never answers costs no CH questions and their retries; a sweep's first answers
		 * are not queued behind them; asked by the poller) */
		if (!cancelled && w->cfg.identity && !it->chaos_asked && it->tracked &&
		    reply->result == PT_REPLY_OK) {
			it->chaos_asked = true;
			want_side(w, id, SIDE_ID_SERVER);
		}
		/* an old answer: from which name servers does it come? */
		if (pt_verdict_is_old(v) && !it->ns_inflight && at >= it->ns_due_ns &&
		    w->zone[0] != '\0') {
			want_ns(w, id);
			nudge(w);
		}
		item_free(w, id);
		sweep_progress(w);
	}
	pthread_mutex_unlock(&w->lock);
}

uint64_t pt_watch_step(struct pt_watch *w)
{
	char domain[256];
	uint16_t qtype;
	uint64_t next = UINT64_MAX, now, gen;
	size_t ndue = 0, keep = 0;
	uint64_t held_ids[SUBMIT_BATCH];
	const struct pt_resolver *held[SUBMIT_BATCH];
	char zone[256];
	char tnames[PT_TARGETS_MAX][256];

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
		if (busy(it) || zone[0] == '\0' || !grow(&w->duev, &w->duev_cap, ndue + 1)) {
			w->nsq[keep++] = i;
			continue;
		}
		it->ns_wanted = false;
		it->ns_inflight = true;
		unschedule(w, i);
		w->duev[ndue++] = i | TAG_NS_BIT;
	}
	w->nsq_len = keep;
	/* then the side questions, one at a time each: a SERVFAIL asked again with CD set, then
	 * the identity (they go before the resolver's next poll) */
	struct pt_ecs ecs = w->ecs;

	keep = 0;
	for (size_t k = 0; k < w->sideq_len; k++) {
		size_t i = w->sideq[k];
		struct item *it = &w->items[i];
		unsigned bit;

		if (!it->tracked) {
			/* removed: its questions will not be asked */
			w->side_busy -= (size_t)__builtin_popcount(it->side);
			it->side = 0;
			continue;
		}
		if (busy(it) || !grow(&w->duev, &w->duev_cap, ndue + 1)) {
			w->sideq[keep++] = i;
			continue;
		}
		bit = (it->side & SIDE_CD)	    ? SIDE_CD
		      : (it->side & SIDE_ID_SERVER) ? SIDE_ID_SERVER
						    : SIDE_HOSTNAME_BIND;
		it->side &= (uint8_t)~bit;
		it->side_inflight = true;
		unschedule(w, i);
		w->duev[ndue++] = i | (bit == SIDE_CD	       ? TAG_CD_BIT
				       : bit == SIDE_ID_SERVER ? TAG_CHAOS_BIT
							       : TAG_CHAOS_BIT | TAG_HOST_BIT);
		if (it->side != 0) {
			w->sideq[keep++] = i;
		}
	}
	w->sideq_len = keep;
	/* then the polls that are due, in due order */
	while (!w->hold && w->heap.len > 0) {
		size_t i = w->heap.v[0];
		struct item *it = &w->items[i];

		if (it->due_ns > now) {
			next = it->due_ns;
			break;
		}
		if (!grow(&w->duev, &w->duev_cap, ndue + 1)) {
			next = now + PT_NS_PER_S;
			break;
		}
		it->inflight = true;
		unschedule(w, i);
		w->duev[ndue++] = i;
	}
	/* then the followed questions that are due, earliest first (their own heap: O(due)) */
	while (!w->hold && w->theap.len > 0) {
		size_t i = w->theap.v[0];
		struct item *it = &w->items[i];
		size_t pick = SIZE_MAX;

		if (it->tq_due > now) {
			next = it->tq_due < next ? it->tq_due : next;
			break;
		}
		if (!grow(&w->duev, &w->duev_cap, ndue + 1)) {
			next = now + PT_NS_PER_S;
			break;
		}
		for (size_t q = 0; pick == SIZE_MAX && it->slots != NULL && q < w->ntq; q++) {
			const struct tslot *sl = &it->slots[q];

			if (!sl->inflight && !(w->cfg.once && sl->done) && sl->due_ns <= now) {
				pick = q;
			}
		}
		if (pick == SIZE_MAX) {
			tq_schedule(w, i); /* its key was stale: put it right */
			continue;
		}
		it->slots[pick].inflight = true;
		it->tq_inflight = true;
		unschedule(w, i);
		w->duev[ndue++] = i | TAG_TQ_BIT | (pick << TAG_TQ_SHIFT);
	}
	memcpy(tnames, w->tnames, sizeof(tnames));
	/* The due list is this step's own while it submits: read without the lock, which the
	 * replies' callbacks take for every reply (a sweep's poller spent two thirds of its
	 * first 450 ms waiting for it and the state's, and sent the last poll of 30,000 that
	 * late). Given back at the end, unless another step made one meanwhile. */
	size_t *due = w->duev, due_cap = w->duev_cap;

	w->duev = NULL;
	w->duev_cap = 0;
	pthread_mutex_unlock(&w->lock);
	/* Outside the lock: a network may answer inside submit(). */
	for (size_t k = 0; k < ndue; k++) {
		size_t tag, i, q;
		bool ns, tq, cd, chaos;
		struct pt_request req;
		const struct pt_resolver *res;
		static const struct pt_resolver none;

		/* lock order: the watch's lock is not held here, the state's is taken inside,
		 * once per batch; references, not copies (the copies' cache misses were 3% of a
		 * sweep) */
		if (k % SUBMIT_BATCH == 0) {
			size_t nb = ndue - k < SUBMIT_BATCH ? ndue - k : SUBMIT_BATCH;

			for (size_t b = 0; b < nb; b++) {
				held_ids[b] = due[k + b] & TAG_ID_MASK;
			}
			pt_state_resolvers_hold(w->state, held_ids, nb, held);
		}
		tag = due[k];
		ns = (tag & TAG_NS_BIT) != 0;
		tq = (tag & TAG_TQ_BIT) != 0;
		cd = (tag & TAG_CD_BIT) != 0;
		chaos = (tag & TAG_CHAOS_BIT) != 0;
		q = (size_t)((tag >> TAG_TQ_SHIFT) % TAG_TQ_MAX);
		i = tag & TAG_ID_MASK;
		res = held[k % SUBMIT_BATCH];
		/* the NS question is asked of the cache only (RD=0): see on_ns_reply() */
		pt_request_init(&req, res ? &res->sa : &none.sa, res ? res->salen : 0,
				ns	? zone
				: tq	? tnames[q / 2]
				: chaos ? ((tag & TAG_HOST_BIT) ? "hostname.bind." : "id.server.")
					: domain,
				ns	? PT_TYPE_NS
				: tq	? tq_type(q)
				: chaos ? PT_TYPE_TXT
					: qtype,
				ns	? 0
				: chaos ? PT_FLAG_CHAOS
				: cd	? POLL_OPTS | PT_FLAG_CD
					: POLL_OPTS);
		pt_request_use_resolver(&req, res ? res : &none);
		req.tag = (uint64_t)tag | (gen << TAG_ID_BITS);
		if (!ns && !chaos) {
			req.ecs = ecs;
		}
		if ((cd || chaos) && pt_net_submit(&w->net, &req, on_reply, w) != PT_OK) {
			side_done(w, i, 0);
		} else if (!cd && !chaos && pt_net_submit(&w->net, &req, on_reply, w) != PT_OK) {
			pthread_mutex_lock(&w->lock);
			if (tq) {
				if (w->items[i].slots != NULL && q < w->ntq) {
					w->items[i].slots[q].inflight = false;
					w->items[i].slots[q].due_ns = now + PT_NS_PER_S;
				}
				w->items[i].tq_inflight = false;
				next = now + PT_NS_PER_S < next ? now + PT_NS_PER_S : next;
			} else if (ns) {
				ns_count(w, &w->items[i], -1);
				w->items[i].ns_inflight = false;
				ns_count(w, &w->items[i], 1);
			} else {
				w->items[i].inflight = false;
				w->items[i].due_ns = now + PT_NS_PER_S;
				next = now + PT_NS_PER_S < next ? now + PT_NS_PER_S : next;
			}
			schedule(w, i);
			tq_schedule(w, i);
			pthread_mutex_unlock(&w->lock);
		}
		/* the engine has its own copy of what it needs (the endpoint too) */
		pt_resolver_unref(res);
	}
	pthread_mutex_lock(&w->lock);
	if (w->duev == NULL) {
		w->duev = due;
		w->duev_cap = due_cap;
		due = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	free(due);
	return next;
}

/* Wait on the poller's condition for at most @p wait_ns. @return 0 when woken, else ETIMEDOUT. */
static int timed_wait(struct pt_watch *w, uint64_t wait_ns)
{
	struct timespec ts = pt_clock_after(CLOCK_REALTIME, wait_ns);

	return pthread_cond_timedwait(&w->cond, &w->lock, &ts);
}

static void *poll_main(void *arg)
{
	struct pt_watch *w = arg;

	pt_thread_name("pt-poll");

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		/* a poke while the step runs (a reply due sooner, a new resolver) sets it to 0 */
		w->next_wake = UINT64_MAX;
		w->nudged = false;
		pthread_mutex_unlock(&w->lock);
		uint64_t next = pt_watch_step(w);

		pthread_mutex_lock(&w->lock);
		uint64_t now = w->clock();
		/* Wake at least once a second even when idle; cheap and bounds clock skew. */
		uint64_t wait =
			next == UINT64_MAX || next - now > PT_NS_PER_S ? PT_NS_PER_S : next - now;

		/* stopped while it stepped: the broadcast came before this wait (a truth_return()
		 * poke as --once ended held the program for the 1-s wait: t_options, ASan) */
		if (w->stop || (next != UINT64_MAX && next <= now) || w->next_wake == 0) {
			continue;
		}
		if (w->nudged && wait > PT_NUDGE_GAP_NS) {
			wait = PT_NUDGE_GAP_NS;
		}
		w->next_wake = now + wait;
		/* woken by a nudge before the gap is over: gather more until it is */
		while (timed_wait(w, wait) == 0 && !w->stop && w->next_wake != 0 && w->nudged) {
			uint64_t t = w->clock();

			if (t >= now + PT_NUDGE_GAP_NS) {
				break;
			}
			wait = now + PT_NUDGE_GAP_NS - t;
			w->next_wake = now + PT_NUDGE_GAP_NS;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* The resolvers the truth's discovery asks, lent to it (issue 11's politeness): the watch asks
 * them nothing until truth_return() hands them back, so that a resolver never has the
 * watch's question and the discovery's in flight at once. */
struct lent {
	size_t id[PT_TRUTH_VIA_MAX];
	size_t n;
};

/* How long the truth's discovery waits for answering resolvers with nothing in flight (the
 * first sweep has a poll out at every one) before it takes what there is: the engine's
 * timeout, by when every first try has ended. */
#define VIA_WAIT_MS 2000
#define VIA_WAIT_STEP_MS 5
/* Answering resolvers the discovery waits for (within VIA_WAIT_MS) while others may still
 * answer: with one alone, the fastest of the list decides which answers the discovery sees.
 * A resolver that claims another zone (t_hostile's soa-owner) answered its poll first and
 * was the only one lent: no zone, and the truth fell to the majority. */
#define VIA_GOOD_MIN 2

/* Resolver @p it was polled once already (or the polls wait for the truth). One not asked
 * yet is the poller's first: lent, a silent one would hold the discovery for its timeout,
 * then its own poll for another. */
static bool asked(const struct pt_watch *w, const struct item *it)
{
	return it->done || it->failures > 0 || w->hold;
}

/* Lend tracked resolver @p i to the discovery as (*out)[*n]. Called with the lock held. */
static void lend(struct pt_watch *w, size_t i, struct pt_resolver *out, size_t *n,
		 struct lent *lent)
{
	/* lock order: watch, then state */
	if (pt_state_resolver(w->state, i, &out[*n])) {
		(*n)++;
		w->items[i].lent = true;
		unschedule(w, i);
		lent->id[lent->n++] = i;
	}
}

/* The resolvers to find the truth through, lent: the tracked ones with nothing in flight whose
 * last reply was an answer (they have shown they are alive and recurse), in the order added,
 * waiting up to VIA_WAIT_MS for VIA_GOOD_MIN of them while others may still answer. None:
 * the idle ones that failed (a validating resolver SERVFAILs a bogus zone, and the discovery
 * retries those with CD), else busy ones, not lent (a list of a few, all silent). A failing
 * one beside answering ones is not lent: each question the answering one leaves open would
 * wait its timeout (t_options: silent + answering past its 2 s). */
static size_t truth_via(struct pt_watch *w, struct pt_resolver **out, struct lent *lent)
{
	size_t n = 0;
	bool any = false;

	lent->n = 0;
	/* the truth races the first PT_TRUTH_VIA_MAX only: no need to copy the whole set */
	*out = malloc(PT_TRUTH_VIA_MAX * sizeof(**out));
	if (*out == NULL) {
		return 0;
	}
	pthread_mutex_lock(&w->lock);
	for (unsigned waited = 0;; waited += VIA_WAIT_STEP_MS) {
		/* tracked ones that may still answer (out, or not asked yet) */
		size_t maybe = 0;

		for (size_t i = 0; i < w->nitems && n < PT_TRUTH_VIA_MAX; i++) {
			struct item *it = &w->items[i];

			any |= it->tracked;
			maybe += it->tracked && !it->lent && (busy(it) || !asked(w, it));
			if (it->tracked && !busy(it) && it->done && it->failures == 0) {
				lend(w, i, *out, &n, lent);
			}
		}
		if (n >= VIA_GOOD_MIN || maybe == 0 || !any || w->stop || waited >= VIA_WAIT_MS) {
			break;
		}
		pthread_mutex_unlock(&w->lock);
		nanosleep(&(struct timespec){ .tv_nsec = VIA_WAIT_STEP_MS * 1000000L }, NULL);
		pthread_mutex_lock(&w->lock);
	}
	if (n == 0) {
		/* none answered: the idle ones that failed */
		for (size_t i = 0; i < w->nitems && n < PT_TRUTH_VIA_MAX; i++) {
			struct item *it = &w->items[i];

			if (it->tracked && !busy(it) && asked(w, it)) {
				lend(w, i, *out, &n, lent);
			}
		}
	}
	if (n == 0) {
		/* none free: busy ones, not lent */
		for (size_t i = 0; i < w->nitems && n < PT_TRUTH_VIA_MAX; i++) {
			if (w->items[i].tracked && pt_state_resolver(w->state, i, &(*out)[n])) {
				n++;
			}
		}
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* Hand the resolvers of @p lent back to the watch: due questions go out now. */
static void truth_return(struct pt_watch *w, struct lent *lent)
{
	pthread_mutex_lock(&w->lock);
	for (size_t k = 0; k < lent->n; k++) {
		size_t i = lent->id[k];

		if (i < w->nitems && w->items[i].lent) {
			w->items[i].lent = false;
			schedule(w, i);
			tq_schedule(w, i);
		}
	}
	if (lent->n > 0) {
		poke(w);
	}
	lent->n = 0;
	pthread_mutex_unlock(&w->lock);
}

/* ---- --follow-mx: the MX targets ---- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The target host names of an MX answer, sorted, without duplicates or the null MX ("."),
 * at most PT_TARGETS_MAX. @return how many (pointers into @p a's RDATA). */
static size_t mx_targets(const struct pt_answer *a, char **out)
{
	size_t n = 0;

	for (size_t i = 0; a->kind == PT_ANSWER_DATA && i < a->count && n < PT_TARGETS_MAX; i++) {
		char *name = strchr(a->rdata[i], ' ');
		bool dup = false;

		if (name == NULL || strcmp(name + 1, ".") == 0 || name[1] == '\0') {
			continue;
		}
		for (size_t k = 0; k < n && !dup; k++) {
			dup = strcmp(out[k], name + 1) == 0;
		}
		if (!dup) {
			out[n++] = name + 1;
		}
	}
	qsort(out, n, sizeof(*out), cmp_name);
	return n;
}

/* Follow @p names from now on (the state has them already): questions and truth caches of
 * names that stay are kept, new ones are due at once. Called with the lock held. */
static void targets_install(struct pt_watch *w, char *const *names, size_t n)
{
	struct pt_truth_cache *caches[PT_TARGETS_MAX] = { 0 };
	char zones[PT_TARGETS_MAX][256];
	bool auths[PT_TARGETS_MAX] = { 0 };
	size_t ntq = 2 * n;

	memset(zones, 0, sizeof(zones));
	for (size_t j = 0; j < n; j++) {
		for (size_t k = 0; k < w->ntnames && caches[j] == NULL; k++) {
			if (w->tcache[k] != NULL && strcmp(w->tnames[k], names[j]) == 0) {
				caches[j] = w->tcache[k];
				memcpy(zones[j], w->tzone[k], sizeof(zones[j]));
				auths[j] = w->tauth[k];
				w->tcache[k] = NULL;
			}
		}
	}
	w->tundone = 0;
	for (size_t i = 0; i < w->nitems; i++) {
		struct item *it = &w->items[i];
		struct tslot *sl = ntq ? calloc(ntq, sizeof(*sl)) : NULL;

		for (size_t j = 0; sl != NULL && j < ntq; j++) {
			for (size_t k = 0; it->slots != NULL && k < w->ntq; k++) {
				if (tq_type(k) == tq_type(j) &&
				    strcmp(w->tnames[k / 2], names[j / 2]) == 0) {
					sl[j] = it->slots[k];
				}
			}
			w->tundone += it->tracked && !sl[j].done;
		}
		free(it->slots);
		it->slots = sl;
	}
	for (size_t k = 0; k < w->ntnames; k++) {
		pt_truth_cache_free(w->tcache[k]);
		w->tcache[k] = NULL;
	}
	for (size_t j = 0; j < n; j++) {
		snprintf(w->tnames[j], sizeof(w->tnames[j]), "%s", names[j]);
		memcpy(w->tzone[j], zones[j], sizeof(zones[j]));
		w->tauth[j] = auths[j];
		w->tcache[j] = caches[j] != NULL ? caches[j] : pt_truth_cache_new();
	}
	w->ntnames = n;
	w->ntq = ntq;
	for (size_t i = 0; i < w->nitems; i++) {
		tq_schedule(w, i);
	}
	w->sweep_told = false;
	poke(w);
}

/* The targets of the truth @p t now: set in the state and followed when they changed. */
static void targets_update(struct pt_watch *w, const struct pt_truth *t, uint16_t qtype)
{
	char *names[PT_TARGETS_MAX];
	size_t n = 0;

	if (w->cfg.follow_mx && qtype == PT_TYPE_MX && !pt_truth_known(t)) {
		return; /* no MX set to read: the targets followed stay until there is one */
	}
	if (w->cfg.follow_mx && qtype == PT_TYPE_MX) {
		n = mx_targets(&t->answer, names);
	}
	bool changed = pt_state_set_targets(w->state, names, n);

	pthread_mutex_lock(&w->lock);
	/* also after a retarget, which dropped the questions but left the names */
	changed |= n != w->ntnames || 2 * n != w->ntq;
	for (size_t i = 0; !changed && i < n; i++) {
		changed = strcmp(names[i], w->tnames[i]) != 0;
	}
	if (changed) {
		targets_install(w, names, n);
	}
	pthread_mutex_unlock(&w->lock);
}

/* Find the truth of target @p k's A and AAAA at the target zone's own servers, through
 * src/truth.c's discovery (no --auth, no --expect: those are the tracked name's). */
static void target_find(struct pt_watch *w, size_t k, const struct pt_resolver *via, size_t nvia)
{
	static const uint16_t types[2] = { PT_TYPE_A, PT_TYPE_AAAA };
	struct pt_truth_config plain = { .auth_port = w->truth_cfg.auth_port };
	char name[256];
	struct pt_truth_cache *c;

	pthread_mutex_lock(&w->lock);
	c = k < w->ntnames ? w->tcache[k] : NULL;
	snprintf(name, sizeof(name), "%s", k < w->ntnames ? w->tnames[k] : "");
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; c != NULL && i < 2; i++) {
		struct pt_truth t;
		bool from_auth = false;

		if (pt_truth_find(&t, &w->net, c, &plain, via, nvia, name, types[i], w->clock()) !=
		    PT_OK) {
			continue;
		}
		if (t.source == PT_TRUTH_NONE && w->truth_cfg.nauth > 0) {
			/* no servers found for the host's zone (a lab, a private zone): the --auth
			 * servers, when they serve it (a host in the tracked zone) */
			struct pt_truth_config auth = { .auth = w->truth_cfg.auth,
							.nauth = w->truth_cfg.nauth,
							.auth_port = w->truth_cfg.auth_port };

			pt_truth_fini(&t);
			if (pt_truth_find(&t, &w->net, c, &auth, via, nvia, name, types[i],
					  w->clock()) != PT_OK) {
				continue;
			}
			from_auth = true;
		}
		pt_state_set_target_truth(w->state, name, types[i], &t);
		pthread_mutex_lock(&w->lock);
		if (k < w->ntnames && strcmp(w->tnames[k], name) == 0) {
			snprintf(w->tzone[k], sizeof(w->tzone[k]), "%s", t.zone);
			w->tauth[k] = from_auth;
		}
		pthread_mutex_unlock(&w->lock);
		pt_truth_fini(&t);
	}
}

/* Check the targets' truths: all of them (@p all, with a full check of the main truth), else
 * only those whose zone is not the tracked name's (its serials are looked at already) and
 * whose servers' serials or delegation moved (pt_truth_poll(), one look per zone). */
static void targets_check(struct pt_watch *w, bool all)
{
	struct pt_truth_config plain = { .auth_port = w->truth_cfg.auth_port };
	struct pt_truth_config auth = { .auth = w->truth_cfg.auth,
					.nauth = w->truth_cfg.nauth,
					.auth_port = w->truth_cfg.auth_port };
	struct pt_resolver *via = NULL;
	struct lent lent = { .n = 0 };
	size_t n, nvia = 0;

	pthread_mutex_lock(&w->lock);
	n = w->ntnames;
	pthread_mutex_unlock(&w->lock);
	if (n == 0) {
		return;
	}
	for (size_t k = 0; k < n; k++) {
		bool due = all, seen = false, from_auth;
		char name[256];
		struct pt_truth_cache *c;

		pthread_mutex_lock(&w->lock);
		if (k >= w->ntnames) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		c = w->tcache[k];
		snprintf(name, sizeof(name), "%s", w->tnames[k]);
		for (size_t j = 0; j < k && !due; j++) {
			seen |= w->tzone[j][0] != '\0' && strcmp(w->tzone[j], w->tzone[k]) == 0;
		}
		seen |= w->tzone[k][0] != '\0' && strcmp(w->tzone[k], w->zone) == 0;
		from_auth = w->tauth[k];
		pthread_mutex_unlock(&w->lock);
		/* asked as it was found: a cache filled from the --auth servers looked at with the
		 * plain discovery says "changed" every time (a discovery through the resolvers once
		 * a second) */
		if (!due && !seen && c != NULL) {
			due = pt_truth_poll(&w->net, c, from_auth ? &auth : &plain, name);
		}
		if (due && via == NULL) {
			/* lent only when some target is looked at */
			nvia = truth_via(w, &via, &lent);
		}
		if (due) {
			target_find(w, k, via, nvia);
		}
	}
	truth_return(w, &lent);
	free(via);
}

void pt_watch_check_truth(struct pt_watch *w)
{
	struct pt_truth t;
	struct pt_truth_config cfg;
	struct pt_resolver *via = NULL;
	struct lent lent;
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
	/* also with --auth: a CNAME chain leaving the zone is followed through the resolvers */
	nvia = truth_via(w, &via, &lent);
	rc = pt_truth_find(&t, &w->net, w->cache, &cfg, via, nvia, domain, qtype, w->clock());
	truth_return(w, &lent);
	pt_truth_config_fini(&cfg);
	free(via);
	if (rc == PT_OK && gen == pt_state_target_generation(w->state)) {
		/* --follow-mx: the MX set names the hosts whose addresses are followed; set before
		 * the truth, so the MX answers never look converged without them */
		targets_update(w, &t, qtype);
		/* only for the target it was looked up for */
		pt_state_set_truth(w->state, &t);
		/* the resolvers that serve an old answer now: which name servers do they hold? */
		nold = t.zone[0] != '\0' ? pt_state_old_without_ns(w->state, &old) : 0;
		pthread_mutex_lock(&w->lock);
		snprintf(w->zone, sizeof(w->zone), "%s", t.zone);
		pthread_mutex_unlock(&w->lock);
		targets_check(w, true);
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
	struct timespec ts = pt_clock_after(CLOCK_REALTIME, (uint64_t)(s * 1e9));

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

	pt_thread_name("pt-truth");

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
			if (!full) {
				targets_check(w, false);
			}
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
	w->theap.tq = true;
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
	bool ok;

	ok = pt_thread_start(&w->poller, NULL, poll_main, w) == 0;
	if (ok && pt_thread_start(&w->truther, NULL, truth_main, w) != 0) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->poller, NULL);
		ok = false;
	}
	w->threads = ok;
	return ok ? PT_OK : PT_ERR_NOMEM;
}

/* pt_watch_add() with @p r copied, or (@p shared) held by reference. */
static enum pt_status watch_add(struct pt_watch *w, const struct pt_resolver *r, bool shared,
				uint64_t *id)
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
	rc = shared ? pt_state_add_shared(w->state, nid, r) : pt_state_add(w->state, nid, r);
	if (rc == PT_OK) {
		memset(&w->items[nid], 0, sizeof(struct item));
		w->items[nid].tracked = true;
		w->items[nid].heap_idx = SIZE_MAX;
		w->items[nid].theap_idx = SIZE_MAX;
		if (w->ntq > 0 && (w->items[nid].slots = calloc(w->ntq, sizeof(struct tslot)))) {
			w->tundone += w->ntq;
		}
		w->nitems++;
		w->undone++;
		schedule(w, nid);
		tq_schedule(w, nid);
		poke(w);
	}
	pthread_mutex_unlock(&w->lock);
	if (rc == PT_OK && id != NULL) {
		*id = nid;
	}
	return rc;
}

enum pt_status pt_watch_add(struct pt_watch *w, const struct pt_resolver *r, uint64_t *id)
{
	return watch_add(w, r, false, id);
}

enum pt_status pt_watch_add_shared(struct pt_watch *w, const struct pt_resolver *r, uint64_t *id)
{
	return watch_add(w, r, true, id);
}

void pt_watch_remove(struct pt_watch *w, uint64_t id)
{
	pthread_mutex_lock(&w->lock);
	if (id < w->nitems && w->items[id].tracked) {
		struct item *it = &w->items[id];

		unschedule(w, id);
		set_done(w, it, true);
		ns_count(w, it, -1);
		/* its side questions not asked yet never will be (the one out ends by itself) */
		w->side_busy -= (size_t)__builtin_popcount(it->side);
		it->side = 0;
		for (size_t q = 0; it->slots != NULL && q < w->ntq; q++) {
			w->tundone -= !it->slots[q].done;
		}
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
		if (w->items[i].tracked && pt_state_resolver(w->state, i, &(*out)[n])) {
			n++;
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
		for (size_t q = 0; w->items[i].slots != NULL && q < w->ntq; q++) {
			struct tslot *sl = &w->items[i].slots[q];

			w->tundone += w->items[i].tracked && sl->done;
			sl->due_ns = 0;
			sl->failures = 0;
			sl->done = false;
		}
		tq_schedule(w, i);
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
	/* the state forgot the targets: they are found again from the new truth (the names
	 * and their truth caches belong to the truth thread, which replaces them then) */
	for (size_t i = 0; i < w->nitems; i++) {
		free(w->items[i].slots);
		w->items[i].slots = NULL;
		w->items[i].servfails = 0; /* the next SERVFAIL is the new target's first */
	}
	w->ntq = 0;
	w->tundone = 0;
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
	done = w->truth_done && (w->hold || (w->undone == 0 && w->ns_busy == 0 && w->tundone == 0 &&
					     w->side_busy == 0));
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
	for (size_t k = 0; k < w->ntnames; k++) {
		pt_truth_cache_free(w->tcache[k]);
	}
	for (size_t i = 0; i < w->nitems; i++) {
		free(w->items[i].slots);
	}
	pthread_cond_destroy(&w->cond);
	pthread_cond_destroy(&w->truth_cond);
	pthread_mutex_destroy(&w->lock);
	free(w->items);
	free(w->heap.v);
	free(w->theap.v);
	free(w->nsq);
	free(w->sideq);
	free(w->duev);
	free(w);
}

void pt_watch_set_ecs(struct pt_watch *w, const struct pt_ecs *ecs)
{
	pthread_mutex_lock(&w->lock);
	if (ecs) {
		w->ecs = *ecs;
	} else {
		memset(&w->ecs, 0, sizeof(w->ecs));
	}
	pthread_mutex_unlock(&w->lock);
	/* every resolver is asked again at once with the new subnet */
	pt_watch_refresh(w);
}
