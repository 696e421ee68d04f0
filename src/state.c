#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
/* the entries grow from 64 by doubling: every capacity is whole chunks */
_Static_assert(64 % PT_CHUNK_ROWS == 0, "chunks divide the capacity");
#include "share.h"
#include "text.h"

/* Distinct answers counted for groups and the majority; more are uncounted minorities. */
#define ANSWERS_MAX 256

/* An answer shared by the entry that received it and every chunk showing it: the reply is
 * copied once (by the publisher, outside the lock) and never again for a snapshot, into one
 * allocation with the box (box_new()). Immutable; freed with its last reference. */
struct answer_box {
	atomic_size_t refs;
	struct pt_answer a;
	/* the answer's arrays and strings (pt_answer_copy_flat()) */
	max_align_t room[];
};

/* A resolver's recent changes, shared by its entry and the rows of the snapshots that show
 * them, so that no snapshot copies them: the entry changes them in place only while no row
 * holds them, else it changes a copy of its own (history_own()). */
struct history_box {
	atomic_size_t refs;
	/* room for, and changes in, @ref v (each holds a reference to its answer's box) */
	uint32_t cap;
	uint32_t n;
	struct pt_change v[];
};

/*
 * PT_CHUNK_ROWS rows of a snapshot: those of the tracked resolvers with ids
 * [index * PT_CHUNK_ROWS, (index + 1) * PT_CHUNK_ROWS), built from the entries under the
 * state's lock and immutable from then on. The state keeps the latest chunk of every index
 * and each snapshot holds a reference to the chunks it shows, so a snapshot builds only the
 * chunks whose entries changed since the last one (copy-on-write) and shares the others.
 */
struct pt_chunk {
	atomic_size_t refs;
	/* the state's generation when it was built */
	uint64_t generation;
	size_t nrows;
	/* rows fetching from old name servers (pt_snapshot_old_servers()) */
	size_t nold;
	/* rows from a vantage source (pt_snapshot_probes()) */
	size_t nprobes;
	/* the rows serving an old answer that may give the chunk's expiry at any time from
	 * built_ns on (chunks_expiry()); the others' TTLs end before one of these */
	uint8_t cand[PT_CHUNK_ROWS];
	size_t ncand;
	uint64_t built_ns;
	/* in the same allocation: the rows (PT_CHUNK_ROWS, or every row of a flat snapshot),
	 * the answer of each (NULL for a row without one) and its history (NULL without) */
	struct pt_row *rows;
	struct answer_box **boxes;
	struct history_box **hists;
	struct identity_box **ids;
	/* --follow-mx: every row's target results, their answers shared with the entries'
	 * (tboxes: a reference each, NULL for none) */
	struct pt_target_result *tres;
	struct answer_box **tboxes;
	/* the old target result whose TTL ends last (row, index), -1 when none */
	int tcand_row;
	int tcand_k;
	size_t ntboxes;
};

/* One resolver slot; the slot index is the resolver's id. */
struct entry {
	/* the resolver, shared with the rows of the snapshots (NULL in a slot never used) */
	const struct pt_resolver *res;
	bool tracked;
	bool has_reply;
	enum pt_reply_result result;
	/* the last answer (shared by the snapshots; NULL without one): entry_answer() */
	struct answer_box *box;
	enum pt_verdict verdict;
	/* index in st->answers of the answer, -1 without a judgeable one */
	int answer_ix;
	double rtt_ms;
	uint64_t received_ns;
	int err;
	unsigned queries;
	/* last DATA/NODATA/NXDOMAIN answer, the reference for "changed" (failures in between
	 * are not changes of answer): the box it came in, shared with @ref box while that is
	 * still the answer (NULL before the first) */
	struct answer_box *last_good;
	uint64_t changed_ns;
	/* allocated as it grows (most resolvers change once or never): a few hundred bytes
	 * per resolver instead of PT_HISTORY_MAX changes each; shared with the rows that show
	 * it (history_own()) */
	struct history_box *history;
	size_t nhistory;
	/* fetches from old name servers (see struct pt_row), and their answer's TTL there */
	bool old_servers;
	uint32_t old_ttl;
	uint64_t ns_expires_ns;
	/* --follow-mx: its answers to the followed questions, index-aligned with st->targets
	 * (NULL when none are followed) */
	struct pt_target_result *tres;
	size_t ntres;
	/* the snapshots' shared copies of those answers (as box for the main answer), made when a
	 * chunk first shows one and dropped when it changes: NULL until then */
	struct answer_box **tbox;
	bool via_tcp;
	/* CH TXT identity (kept across retargets: it is the resolver's, not the name's) */
	/* out of line, allocated when one is known (most resolvers answer neither), shared with
	 * the rows showing it; NULL when none */
	struct identity_box *identity;
	/* see struct pt_row */
	bool dnssec_failure;
	int cd_rcode;
	bool stale;
	/* when the last fresh answer should leave its cache, and the longest TTL it was seen
	 * with: the same answer past that, with a short TTL, is stale */
	uint64_t fresh_expiry_ns;
	uint32_t fresh_ttl;
	struct pt_ecs ecs_sent;
};

/* Bytes of each CH TXT identity string. */
#define PT_IDENTITY_MAX 64

/* A resolver's CH TXT identity, shared by its entry and the rows showing it (pt_row's
 * id_server and hostname_bind point into it): immutable, a new one each time a part of it is
 * learnt (pt_state_set_identity()). */
struct identity_box {
	atomic_size_t refs;
	char id_server[PT_IDENTITY_MAX];
	char hostname_bind[PT_IDENTITY_MAX];
};

/* A distinct judgeable answer and how many resolvers serve it now. */
struct answer_slot {
	struct pt_answer key;
	size_t count;
};

struct pt_state {
	pthread_mutex_t lock;
	/* signalled when events become ready or on pt_state_wake() */
	pthread_cond_t events_cond;
	pt_clock_fn clock;
	char domain[256];
	uint16_t qtype;
	uint64_t target_gen;
	struct entry *entries;
	size_t nentries;
	size_t cap;
	size_t ntracked;
	/* the latest chunk of each PT_CHUNK_ROWS entries (cap / PT_CHUNK_ROWS of them, NULL
	 * before the first snapshot), and whether an entry of it changed since it was built */
	struct pt_chunk **chunks;
	bool *chunk_dirty;
	/* the generation up to which every change marked the chunks it touched (bump()); a
	 * change that bumped the generation without (a path that did not say which entries
	 * it changed) makes the next snapshot rebuild every chunk: slower, never stale */
	uint64_t accounted;
	/* the group of each answer slot the chunks were built with */
	int chunk_rank[ANSWERS_MAX];
	size_t chunk_nrank;
	/* chunks built so far (snapshots share the others) */
	uint64_t chunks_built;
	/* bumped when a resolver is added or removed (pt_snapshot.rows_generation) */
	uint64_t members;
	struct answer_slot answers[ANSWERS_MAX];
	size_t nanswers;
	struct pt_truth truth;
	/* set_truth was called: with source NONE no authoritative server answered, so the
	 * resolvers' majority stands in */
	bool truth_looked;
	/* the answer resolvers are judged against: the truth's, the majority's, or NULL */
	const struct pt_answer *reference;
	int majority_ix;
	struct pt_counts counts;
	unsigned reasons;
	struct pt_quorum quorum;
	/* a resolver changed its answer or the truth changed, since the start */
	bool changed;
	uint64_t generation;
	uint64_t queries;
	uint64_t start_ns;
	uint64_t converged_ns;
	uint64_t truth_changed_ns;
	struct pt_progress progress[PT_PROGRESS_MAX];
	size_t nprogress;
	bool keep_events;
	struct pt_event *events;
	size_t nevents;
	size_t events_cap;
	uint64_t wakes;
	int wake_rd;
	int wake_wr;
	/* a byte is in the pipe (or about to be): publishers write only when it is clear, so a
	 * sweep of n replies costs the views one wake-up per look, not n system calls */
	atomic_bool wake_pending;
	/* --follow-mx: the followed questions (each MX target's A and AAAA) with their truths,
	 * and the verdict counts of every tracked entry's answers to them */
	struct pt_target *targets;
	size_t ntargets;
	struct pt_counts tcounts;
	/* the Globalping API's rate limit, as last reported (not known without --globalping) */
	struct pt_vantage_limits gp_limits;
};

long pt_row_ttl_left(const struct pt_row *row, uint64_t now_ns)
{
	if (!row->has_reply || row->result != PT_REPLY_OK || !row->answer.has_ttl) {
		return -1;
	}
	uint64_t elapsed =
		now_ns > row->received_ns ? (now_ns - row->received_ns) / PT_NS_PER_S : 0;

	return elapsed >= row->answer.ttl ? 0 : (long)(row->answer.ttl - elapsed);
}

/* A box holding a copy of @p a (one reference). NULL when out of memory. */
static struct answer_box *box_new(const struct pt_answer *a)
{
	struct answer_box *b = malloc(sizeof(*b) + pt_answer_flat_size(a));

	if (b != NULL) {
		atomic_init(&b->refs, 1);
		pt_answer_copy_flat(&b->a, a, b->room);
	}
	return b;
}

static void box_unref(struct answer_box *b)
{
	if (b != NULL && pt_ref_drop(&b->refs)) {
		free(b);
	}
}

static struct answer_box *box_ref(struct answer_box *b)
{
	if (b != NULL) {
		pt_ref_take(&b->refs);
	}
	return b;
}

void pt_event_fini(struct pt_event *ev)
{
	if (ev == NULL) {
		return;
	}
	struct pt_answer *a[2] = { &ev->answer, &ev->from };

	for (int k = 0; k < 2; k++) {
		if (ev->held[k] != NULL) {
			box_unref(ev->held[k]);
			ev->held[k] = NULL;
			memset(a[k], 0, sizeof(*a[k]));
		} else {
			pt_answer_fini(a[k]);
		}
	}
	pt_resolver_unref(ev->resolver);
	ev->resolver = NULL;
}

static void id_unref(struct identity_box *b)
{
	if (b != NULL && pt_ref_drop(&b->refs)) {
		free(b);
	}
}

static struct identity_box *id_ref(struct identity_box *b)
{
	if (b != NULL) {
		pt_ref_take(&b->refs);
	}
	return b;
}

/* The box an answer of a history change is in (a change refers to its answer, not its box:
 * struct pt_change is public). */
static struct answer_box *box_of(const struct pt_answer *a)
{
	return a != NULL ? (struct answer_box *)(void *)((char *)(uintptr_t)a -
							 offsetof(struct answer_box, a))
			 : NULL;
}

/* Drop the changes' references to their answers. */
static void changes_unref(struct pt_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		box_unref(box_of(v[i].answer));
	}
}

static void hist_unref(struct history_box *h)
{
	if (h != NULL && pt_ref_drop(&h->refs)) {
		changes_unref(h->v, h->n);
		free(h);
	}
}

static struct history_box *hist_ref(struct history_box *h)
{
	if (h != NULL) {
		pt_ref_take(&h->refs);
	}
	return h;
}

/* @p e's changes, its own to change, with room for @p need of them (at most PT_HISTORY_MAX).
 * References are only taken under the state's lock, which the caller holds: a history no
 * row holds now stays so. @return NULL when out of memory (the history is as it was). */
static struct pt_change *history_own(struct entry *e, size_t need)
{
	struct history_box *h = e->history;
	bool alone = h != NULL && pt_ref_alone(&h->refs);
	uint32_t cap = h != NULL ? h->cap : 0;
	struct history_box *n;

	if (alone && cap >= need) {
		return h->v;
	}
	while (cap < need) {
		cap = cap ? 2 * cap : 1;
	}
	cap = cap < PT_HISTORY_MAX ? cap : PT_HISTORY_MAX;
	if (alone) {
		n = realloc(h, sizeof(*n) + cap * sizeof(n->v[0]));
		if (n == NULL) {
			return NULL;
		}
	} else {
		n = malloc(sizeof(*n) + cap * sizeof(n->v[0]));
		if (n == NULL) {
			return NULL;
		}
		atomic_init(&n->refs, 1);
		n->n = 0;
		if (h != NULL) {
			memcpy(n->v, h->v, e->nhistory * sizeof(n->v[0]));
			for (size_t i = 0; i < e->nhistory; i++) {
				box_ref(box_of(n->v[i].answer));
			}
			n->n = (uint32_t)e->nhistory;
		}
		hist_unref(h);
	}
	n->cap = cap;
	e->history = n;
	return n->v;
}

static void chunk_unref(struct pt_chunk *c)
{
	if (c == NULL || !pt_ref_drop(&c->refs)) {
		return;
	}
	for (size_t i = 0; i < c->nrows; i++) {
		box_unref(c->boxes[i]);
		hist_unref(c->hists[i]);
		id_unref(c->ids[i]);
		pt_resolver_unref(c->rows[i].resolver);
	}
	for (size_t k = 0; k < c->ntboxes; k++) {
		box_unref(c->tboxes[k]);
	}
	free(c);
}

void pt_snapshot_free(struct pt_snapshot *s)
{
	if (s == NULL) {
		return;
	}
	pt_truth_fini(&s->truth);
	if (s->chunks != NULL) {
		/* the rows belong to the chunks */
		for (size_t i = 0; i < s->nchunks; i++) {
			chunk_unref(s->chunks[i]);
		}
		free(s->chunks);
		free(s->chunk_first);
	} else {
		/* made by hand (tests): the rows own their answers and resolvers */
		for (size_t i = 0; i < s->nrows; i++) {
			pt_answer_fini(&s->rows[i].answer);
			free((void *)(uintptr_t)s->rows[i].resolver);
		}
		free(s->rows);
	}
	for (size_t i = 0; i < s->ntargets; i++) {
		pt_truth_fini(&s->targets[i].truth);
	}
	free(s->targets);
	free(s->history_pool);
	free(s);
}

const struct pt_row *pt_snapshot_row(const struct pt_snapshot *s, size_t i)
{
	size_t lo = 0, hi;

	if (s->rows != NULL || s->chunks == NULL) {
		return &s->rows[i];
	}
	/* no resolver removed before row i's chunk (the usual case): every chunk before is full */
	lo = i / PT_CHUNK_ROWS;
	if (lo < s->nchunks && s->chunk_first[lo] == lo * PT_CHUNK_ROWS &&
	    i - s->chunk_first[lo] < s->chunks[lo]->nrows) {
		return &s->chunks[lo]->rows[i - s->chunk_first[lo]];
	}
	lo = 0;
	/* the last chunk starting at or before row i (an empty chunk never is: the next one
	 * starts at the same row) */
	hi = s->nchunks;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->chunk_first[mid] <= i) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return &s->chunks[lo]->rows[i - s->chunk_first[lo]];
}

/* Rows of @p s that @p row_is: a sum of @p chunk_n over the chunks of a view, a look at every
 * row of a flat snapshot or one built by hand. */
static size_t snapshot_count(const struct pt_snapshot *s,
			     size_t (*chunk_n)(const struct pt_chunk *),
			     bool (*row_is)(const struct pt_row *))
{
	size_t n = 0;

	if (s->rows == NULL && s->chunks != NULL) {
		for (size_t i = 0; i < s->nchunks; i++) {
			n += chunk_n(s->chunks[i]);
		}
		return n;
	}
	for (size_t i = 0; i < s->nrows; i++) {
		n += row_is(&s->rows[i]);
	}
	return n;
}

static size_t chunk_old(const struct pt_chunk *c)
{
	return c->nold;
}

static bool row_old(const struct pt_row *r)
{
	return r->old_servers;
}

size_t pt_snapshot_old_servers(const struct pt_snapshot *s)
{
	return snapshot_count(s, chunk_old, row_old);
}

static size_t chunk_probes(const struct pt_chunk *c)
{
	return c->nprobes;
}

static bool row_probe(const struct pt_row *r)
{
	return r->resolver->vantage.source != PT_SOURCE_LOCAL;
}

size_t pt_snapshot_probes(const struct pt_snapshot *s)
{
	return snapshot_count(s, chunk_probes, row_probe);
}

static void wake(struct pt_state *st)
{
	char b = 1;

	if (atomic_exchange(&st->wake_pending, true)) {
		return;
	}
	/* EAGAIN means a byte is pending already, which is all a reader needs. */
	if (write(st->wake_wr, &b, 1) < 0 && errno != EAGAIN) {
		return;
	}
}

struct pt_state *pt_state_new(const char *domain, uint16_t qtype, pt_clock_fn clock)
{
	struct pt_state *st = calloc(1, sizeof(*st));
	int fds[2];

	if (st == NULL) {
		return NULL;
	}
	if (pt_name_normalise(st->domain, sizeof(st->domain), domain) != PT_OK || pipe(fds) != 0) {
		free(st);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	st->wake_rd = fds[0];
	st->wake_wr = fds[1];
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->events_cond, NULL);
	st->clock = clock != NULL ? clock : pt_clock_monotonic;
	st->qtype = qtype;
	st->target_gen = 1;
	st->start_ns = st->clock();
	st->majority_ix = -1;
	st->quorum = PT_QUORUM_DEFAULT;
	st->reasons = PT_REASON_NO_TRUTH;
	return st;
}

/* Entry @p e's last answer: a view of its box (zeroed when it has none). */
static const struct pt_answer *entry_answer(const struct entry *e)
{
	static const struct pt_answer none;

	return e->box != NULL ? &e->box->a : &none;
}

/* Drop the shared copy of @p e's answer to followed question @p k (it changed). */
static void tbox_drop(struct entry *e, size_t k)
{
	if (e->tbox != NULL && k < e->ntres) {
		box_unref(e->tbox[k]);
		e->tbox[k] = NULL;
	}
}

/* Drop every shared copy of @p e's target answers (they move or go). */
static void tbox_free(struct entry *e)
{
	for (size_t k = 0; e->tbox != NULL && k < e->ntres; k++) {
		box_unref(e->tbox[k]);
	}
	free(e->tbox);
	e->tbox = NULL;
}

static void entry_clear(struct entry *e)
{
	const struct pt_resolver *keep = e->res;
	bool tracked = e->tracked;
	struct identity_box *identity = e->identity;

	box_unref(e->box);
	box_unref(e->last_good);
	hist_unref(e->history);
	tbox_free(e);
	for (size_t i = 0; i < e->ntres; i++) {
		pt_answer_fini(&e->tres[i].answer);
	}
	free(e->tres);
	memset(e, 0, sizeof(*e));
	e->res = keep;
	e->tracked = tracked;
	e->identity = identity;
	e->answer_ix = -1;
}

static void events_clear(struct pt_state *st)
{
	for (size_t i = 0; i < st->nevents; i++) {
		pt_event_fini(&st->events[i]);
	}
	st->nevents = 0;
}

static void answers_clear(struct pt_state *st)
{
	for (size_t i = 0; i < st->nanswers; i++) {
		pt_answer_fini(&st->answers[i].key);
	}
	st->nanswers = 0;
	st->majority_ix = -1;
}

/* Forget the followed questions (their answers go with entry_clear() or here). */
static void targets_clear(struct pt_state *st)
{
	for (size_t i = 0; i < st->ntargets; i++) {
		pt_truth_fini(&st->targets[i].truth);
	}
	free(st->targets);
	st->targets = NULL;
	st->ntargets = 0;
	memset(&st->tcounts, 0, sizeof(st->tcounts));
}

void pt_state_free(struct pt_state *st)
{
	if (st == NULL) {
		return;
	}
	for (size_t i = 0; i < st->nentries; i++) {
		entry_clear(&st->entries[i]);
		id_unref(st->entries[i].identity);
		pt_resolver_unref(st->entries[i].res);
	}
	free(st->entries);
	for (size_t i = 0; i < st->cap / PT_CHUNK_ROWS; i++) {
		chunk_unref(st->chunks[i]);
	}
	free(st->chunks);
	free(st->chunk_dirty);
	answers_clear(st);
	events_clear(st);
	free(st->events);
	pt_truth_fini(&st->truth);
	targets_clear(st);
	close(st->wake_rd);
	close(st->wake_wr);
	pthread_cond_destroy(&st->events_cond);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* ---- what changed, for the snapshots (called with the lock held) ---- */

/* @p e changed: the next snapshot builds its chunk again. */
static void touch(struct pt_state *st, const struct entry *e)
{
	st->chunk_dirty[(size_t)(e - st->entries) / PT_CHUNK_ROWS] = true;
}

static void touch_all(struct pt_state *st)
{
	if (st->chunk_dirty != NULL) {
		memset(st->chunk_dirty, 1, st->cap / PT_CHUNK_ROWS);
	}
}

/* A change is complete, and the entries it changed were touched. */
static void bump(struct pt_state *st)
{
	st->generation++;
	st->accounted = st->generation;
}

/* ---- judging, kept current (called with the lock held) ---- */

/* Wall time of the pt_clock moment @p at (a reply's time may lie a little in the past). */
static uint64_t wall_at(const struct pt_state *st, uint64_t at)
{
	uint64_t now = st->clock();
	uint64_t ago = now > at ? (now - at) / PT_NS_PER_MS : 0;

	return pt_clock_wall_ms() - ago;
}

/* Append an event. A failed allocation drops the event rather than the reply: the state stays
 * right, only the stream misses a line. */
static struct pt_event *event_push(struct pt_state *st, enum pt_event_kind kind, uint64_t now)
{
	struct pt_event *ev;

	if (!st->keep_events) {
		return NULL;
	}
	if (st->nevents == st->events_cap) {
		size_t cap = st->events_cap ? st->events_cap * 2 : 64;
		struct pt_event *n = realloc(st->events, cap * sizeof(*n));

		if (n == NULL) {
			return NULL;
		}
		st->events = n;
		st->events_cap = cap;
	}
	ev = &st->events[st->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->at_ns = now;
	ev->wall_ms = wall_at(st, now);
	return ev;
}

/*
 * Seconds until row @p r's answer must leave its cache at @p now, -1 when nothing says (for a
 * row serving an old answer). A resolver fetching from old name servers can fetch the old
 * answer again until its cached NS set expires: its bound is that expiry plus the old answer's
 * TTL; @p known is cleared when that expiry is unknown.
 */
static long row_expiry(const struct pt_row *r, uint64_t now, bool *known)
{
	long l = pt_row_ttl_left(r, now);

	if (r->old_servers && r->ns_expires_ns == 0) {
		*known = false;
	} else if (r->old_servers) {
		uint64_t ns = r->ns_expires_ns > now ? (r->ns_expires_ns - now) / PT_NS_PER_S : 0;

		if ((long)(ns + r->old_ttl) > l) {
			l = (long)(ns + r->old_ttl);
		}
	}
	return l;
}

/*
 * Seconds until the last answer that is not the truth must leave its cache, at @p now
 * (row_expiry() of every resolver serving an old answer).
 * @param[out] bounded false when such a resolver's NS expiry is unknown (may be NULL)
 */
static uint32_t expiry(const struct pt_state *st, uint64_t now, bool *bounded)
{
	uint32_t left = 0;
	bool known = true;

	for (size_t i = 0; i < st->nentries; i++) {
		const struct entry *e = &st->entries[i];
		struct pt_row r;

		if (!e->tracked || !pt_verdict_is_old(e->verdict)) {
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.has_reply = e->has_reply;
		r.result = e->result;
		r.answer = *entry_answer(e);
		r.received_ns = e->received_ns;
		r.old_servers = e->old_servers;
		r.ns_expires_ns = e->ns_expires_ns;
		r.old_ttl = e->old_ttl;
		long l = row_expiry(&r, now, &known);

		if (l > (long)left) {
			left = (uint32_t)l;
		}
	}
	/* --follow-mx: an MX target's old address leaves the cache with its own TTL */
	for (size_t i = 0; i < st->nentries; i++) {
		const struct entry *e = &st->entries[i];

		for (size_t k = 0; e->tracked && k < e->ntres; k++) {
			const struct pt_target_result *t = &e->tres[k];
			struct pt_row r = { .has_reply = t->has_reply,
					    .result = t->result,
					    .answer = t->answer,
					    .received_ns = t->received_ns };
			long l = pt_verdict_is_old(t->verdict) ? pt_row_ttl_left(&r, now) : -1;

			if (l > (long)left) {
				left = (uint32_t)l;
			}
		}
	}
	if (bounded != NULL) {
		*bounded = known;
	}
	return left;
}

/* Add a progress point when the numbers moved (nothing judged yet is no point). */
static void record_progress(struct pt_state *st, uint64_t now)
{
	uint32_t match = (uint32_t)st->counts.by[PT_VERDICT_MATCH];
	uint32_t judged = (uint32_t)pt_counts_judged(&st->counts);

	if (judged == 0) {
		return;
	}
	if (st->nprogress > 0) {
		const struct pt_progress *last = &st->progress[st->nprogress - 1];

		if (last->match == match && last->judged == judged) {
			return;
		}
	}
	if (st->nprogress == PT_PROGRESS_MAX) {
		/* Keep the first point, thin the rest evenly: the series always spans the run. */
		size_t w = 1;

		for (size_t r = 2; r < PT_PROGRESS_MAX; r += 2) {
			st->progress[w++] = st->progress[r];
		}
		st->nprogress = w;
	}
	st->progress[st->nprogress++] = (struct pt_progress){ now, match, judged };
}

/* What the rule needs beyond the counts, from the truth. */
static struct pt_verdict_facts facts(const struct pt_state *st)
{
	return (struct pt_verdict_facts){
		.truth_known = st->reference != NULL,
		.auth_disagree = st->truth.source == PT_TRUTH_AUTHORITATIVE && st->truth.disagree,
		.auth_unreachable = st->truth.auth_unreachable,
		.unpublished = st->truth.unpublished,
		.needed = pt_quorum_needed(&st->quorum, st->counts.total),
		.targets = st->ntargets > 0 ? &st->tcounts : NULL,
	};
}

/* The counts changed: new reasons, convergence time and events, progress. */
static void counts_changed(struct pt_state *st, uint64_t now)
{
	bool was = st->reasons == 0;
	bool known = st->reference != NULL;
	struct pt_verdict_facts f = facts(st);

	st->reasons = pt_verdict_reasons(&st->counts, &f);
	if (known) {
		record_progress(st, now);
	}
	if ((st->reasons == 0) == was) {
		return;
	}
	struct pt_event *ev = event_push(st, was ? PT_EVENT_DIVERGED : PT_EVENT_CONVERGED, now);

	st->converged_ns = was ? 0 : now;
	if (ev != NULL) {
		ev->counts = st->counts;
		ev->reasons = st->reasons;
		ev->expires_within = was ? expiry(st, now, NULL) : 0;
	}
	pthread_cond_broadcast(&st->events_cond);
}

/* Does @p e serve what a not-delegated server serves, and no delegated one? */
static void old_servers(const struct pt_state *st, struct entry *e)
{
	bool delegated = false, old = false;

	e->old_servers = false;
	if (!pt_verdict_is_old(e->verdict)) {
		return;
	}
	for (size_t i = 0; i < st->truth.nservers; i++) {
		const struct pt_auth_server *s = &st->truth.servers[i];

		if (!pt_answer_same(&s->answer, entry_answer(e))) {
			continue;
		}
		if (s->status == PT_AUTH_NOT_DELEGATED) {
			old = true;
			e->old_ttl = s->answer.has_ttl ? s->answer.ttl : 0;
		} else if (pt_auth_server_answers(s)) {
			delegated = true;
		}
	}
	e->old_servers = old && !delegated;
}

static void judge_entry(struct pt_state *st, struct entry *e)
{
	enum pt_verdict v = PT_VERDICT_PENDING;
	bool was_old = e->old_servers;
	uint32_t was_ttl = e->old_ttl;

	if (e->has_reply) {
		v = pt_verdict_judge(st->reference, e->result, entry_answer(e));
	}
	st->counts.by[e->verdict]--;
	st->counts.by[v]++;
	if (v != e->verdict) {
		touch(st, e);
	}
	e->verdict = v;
	old_servers(st, e);
	if (e->old_servers != was_old || e->old_ttl != was_ttl) {
		touch(st, e);
	}
}

static void history_truth(struct pt_state *st, struct entry *e, uint64_t now);

/* Judge every resolver again (the reference moved at @p now); @p skip (may be NULL) is the
 * one whose own reply moved it, whose history its publisher writes. */
static void judge_all(struct pt_state *st, uint64_t now, const struct entry *skip)
{
	for (size_t i = 0; i < st->nentries; i++) {
		struct entry *e = &st->entries[i];

		if (e->tracked) {
			judge_entry(st, e);
			if (e != skip) {
				history_truth(st, e, now);
			}
		}
	}
}

/* The most common answer (ties: the one seen first), -1 when none. */
static int majority(const struct pt_state *st)
{
	int best = -1;

	for (size_t i = 0; i < st->nanswers; i++) {
		if (st->answers[i].count > 0 &&
		    (best < 0 || st->answers[i].count > st->answers[best].count)) {
			best = (int)i;
		}
	}
	return best;
}

/* Point st->reference at what resolvers are judged against; re-judge all when it moved (at
 * @p now; @p skip as for judge_all()). @return true when it moved. */
static bool update_reference(struct pt_state *st, uint64_t now, const struct entry *skip)
{
	const struct pt_answer *ref = NULL;
	int maj = -1;

	if (pt_truth_known(&st->truth)) {
		ref = &st->truth.answer;
	} else if (st->truth_looked && !st->truth.auth_unreachable) {
		/* a silent --auth is an error for the truth, never a vote */
		maj = majority(st);
		ref = maj >= 0 ? &st->answers[maj].key : NULL;
	}
	if (ref == st->reference && maj == st->majority_ix) {
		return false;
	}
	st->reference = ref;
	st->majority_ix = maj;
	judge_all(st, now, skip);
	return true;
}

/* The TTL a fresh copy of @p a starts with at @p e: the longest it was seen with there, or
 * the zone's own TTL when @p a is the truth and that is shorter (the zone lowered its TTL, and
 * a copy fetched since is fresh, not stale). */
static uint32_t fresh_ttl(const struct pt_state *st, const struct entry *e,
			  const struct pt_answer *a)
{
	const struct pt_answer *t = &st->truth.answer;

	if (pt_truth_known(&st->truth) && t->has_ttl && t->ttl < e->fresh_ttl &&
	    pt_answer_same(t, a)) {
		return t->ttl;
	}
	return e->fresh_ttl;
}

/* The answer slot of @p a, made when new; -1 when @p a is not judgeable or the table is full. */
static int answer_slot(struct pt_state *st, const struct pt_answer *a)
{
	int free_slot = -1;

	for (size_t i = 0; i < st->nanswers; i++) {
		if (pt_answer_same(&st->answers[i].key, a)) {
			return (int)i;
		}
		if (free_slot < 0 && st->answers[i].count == 0 && (int)i != st->majority_ix) {
			free_slot = (int)i;
		}
	}
	if (st->nanswers < ANSWERS_MAX) {
		free_slot = (int)st->nanswers;
	}
	if (free_slot < 0) {
		return -1;
	}
	/* a slot no resolver uses any more may take a new answer: the table never fills up
	 * with answers of the past; the first-seen order of ties is kept among live ones */
	pt_answer_fini(&st->answers[free_slot].key);
	if (pt_answer_copy(&st->answers[free_slot].key, a) != PT_OK) {
		memset(&st->answers[free_slot].key, 0, sizeof(struct pt_answer));
		return -1;
	}
	/* only the RDATA set and kind matter for grouping */
	st->answers[free_slot].key.has_ttl = false;
	st->answers[free_slot].count = 0;
	if ((size_t)free_slot == st->nanswers) {
		st->nanswers++;
	}
	return free_slot;
}

/* ---- --follow-mx: the MX targets' addresses (called with the lock held) ---- */

/* Room for @p e's answers to every followed question, all pending. Without memory the
 * entry follows none (and counts for none). */
static void tres_alloc(struct pt_state *st, struct entry *e)
{
	e->tres = st->ntargets ? calloc(st->ntargets, sizeof(*e->tres)) : NULL;
	e->ntres = e->tres != NULL ? st->ntargets : 0;
	st->tcounts.total += e->ntres;
	st->tcounts.by[PT_VERDICT_PENDING] += e->ntres;
}

/* Take @p e's answers to the followed questions out of the counts. */
static void tres_uncount(struct pt_state *st, const struct entry *e)
{
	for (size_t k = 0; k < e->ntres; k++) {
		st->tcounts.total--;
		st->tcounts.by[e->tres[k].verdict]--;
	}
}

/* Judge @p e's answer to followed question @p k against that question's truth. */
static void tres_judge(struct pt_state *st, struct entry *e, size_t k)
{
	struct pt_target_result *t = &e->tres[k];
	const struct pt_truth *truth = &st->targets[k].truth;
	enum pt_verdict v = PT_VERDICT_PENDING;

	if (t->has_reply) {
		v = pt_verdict_judge(pt_truth_known(truth) ? &truth->answer : NULL, t->result,
				     &t->answer);
	}
	st->tcounts.by[t->verdict]--;
	st->tcounts.by[v]++;
	t->verdict = v;
}

/* The index of followed question @p name / @p qtype, -1 when not followed. */
static int target_index(const struct pt_state *st, const char *name, uint16_t qtype)
{
	for (size_t k = 0; k < st->ntargets; k++) {
		if (st->targets[k].qtype == qtype && strcmp(st->targets[k].name, name) == 0) {
			return (int)k;
		}
	}
	return -1;
}

bool pt_state_set_targets(struct pt_state *st, char *const *names, size_t n)
{
	static const uint16_t types[2] = { PT_TYPE_A, PT_TYPE_AAAA };
	struct pt_target *next;
	size_t nnext;
	bool same;

	n = n > PT_TARGETS_MAX ? PT_TARGETS_MAX : n;
	nnext = 2 * n;
	next = nnext ? calloc(nnext, sizeof(*next)) : NULL;
	if (nnext > 0 && next == NULL) {
		return false;
	}
	for (size_t i = 0; i < nnext; i++) {
		snprintf(next[i].name, sizeof(next[i].name), "%s", names[i / 2]);
		next[i].qtype = types[i % 2];
	}
	pthread_mutex_lock(&st->lock);
	same = nnext == st->ntargets;
	for (size_t i = 0; same && i < nnext; i++) {
		same = target_index(st, next[i].name, next[i].qtype) == (int)i;
	}
	if (same) {
		pthread_mutex_unlock(&st->lock);
		free(next);
		return false;
	}
	/* questions that stay keep their truth and every resolver's answer */
	for (size_t i = 0; i < nnext; i++) {
		int k = target_index(st, next[i].name, next[i].qtype);

		if (k >= 0) {
			next[i].truth = st->targets[k].truth;
			memset(&st->targets[k].truth, 0, sizeof(st->targets[k].truth));
		}
	}
	memset(&st->tcounts, 0, sizeof(st->tcounts));
	for (size_t i = 0; i < st->nentries; i++) {
		struct entry *e = &st->entries[i];
		struct pt_target_result *tr;

		if (!e->tracked) {
			continue;
		}
		tr = nnext ? calloc(nnext, sizeof(*tr)) : NULL;
		for (size_t j = 0; tr != NULL && j < nnext; j++) {
			int k = target_index(st, next[j].name, next[j].qtype);

			if (k >= 0 && (size_t)k < e->ntres) {
				tr[j] = e->tres[k];
				memset(&e->tres[k], 0, sizeof(e->tres[k]));
			}
			st->tcounts.total++;
			st->tcounts.by[tr[j].verdict]++;
		}
		tbox_free(e);
		for (size_t k = 0; k < e->ntres; k++) {
			pt_answer_fini(&e->tres[k].answer);
		}
		free(e->tres);
		e->tres = tr;
		e->ntres = tr != NULL ? nnext : 0;
	}
	for (size_t k = 0; k < st->ntargets; k++) {
		pt_truth_fini(&st->targets[k].truth);
	}
	free(st->targets);
	st->targets = next;
	st->ntargets = nnext;
	counts_changed(st, st->clock());
	touch_all(st);
	bump(st);
	pthread_mutex_unlock(&st->lock);
	wake(st);
	return true;
}

void pt_state_set_target_truth(struct pt_state *st, const char *name, uint16_t qtype,
			       const struct pt_truth *truth)
{
	struct pt_truth copy;
	int k;

	if (pt_truth_copy(&copy, truth) != PT_OK) {
		return;
	}
	pthread_mutex_lock(&st->lock);
	k = target_index(st, name, qtype);
	if (k >= 0) {
		pt_truth_fini(&st->targets[k].truth);
		st->targets[k].truth = copy;
		memset(&copy, 0, sizeof(copy));
		for (size_t i = 0; i < st->nentries; i++) {
			struct entry *e = &st->entries[i];

			if (e->tracked && (size_t)k < e->ntres) {
				tres_judge(st, e, (size_t)k);
			}
		}
		counts_changed(st, st->clock());
		touch_all(st);
		bump(st);
	}
	pthread_mutex_unlock(&st->lock);
	pt_truth_fini(&copy);
	if (k >= 0) {
		wake(st);
	}
}

enum pt_verdict pt_state_publish_target(struct pt_state *st, uint64_t id, uint64_t generation,
					const char *name, uint16_t qtype,
					const struct pt_reply *reply)
{
	struct pt_answer copy = { 0 };
	enum pt_verdict v = PT_VERDICT_PENDING;
	int k;

	if (reply->result == PT_REPLY_OK && pt_answer_copy(&copy, &reply->answer) != PT_OK) {
		return PT_VERDICT_PENDING;
	}
	pthread_mutex_lock(&st->lock);
	st->queries += reply->tries;
	k = target_index(st, name, qtype);
	if (generation != st->target_gen || id >= st->nentries || !st->entries[id].tracked ||
	    k < 0 || (size_t)k >= st->entries[id].ntres) {
		pthread_mutex_unlock(&st->lock);
		pt_answer_fini(&copy);
		return PT_VERDICT_PENDING;
	}
	struct entry *e = &st->entries[id];
	struct pt_target_result *t = &e->tres[k];
	uint64_t now = reply->received_ns ? reply->received_ns : st->clock();

	pt_answer_fini(&t->answer);
	t->answer = copy;
	tbox_drop(e, (size_t)k);
	t->has_reply = true;
	t->result = reply->result;
	t->rtt_ms = reply->rtt_ms;
	t->received_ns = now;
	tres_judge(st, e, (size_t)k);
	touch(st, e);
	v = t->verdict;
	struct pt_event *ev = event_push(st, PT_EVENT_TARGET, now);

	if (ev != NULL) {
		ev->resolver = pt_resolver_ref(e->res);
		ev->verdict = v;
		ev->result = reply->result;
		ev->rtt_ms = reply->rtt_ms;
		ev->err = reply->err;
		ev->target = pt_text_intern(name, 256); /* a name's text, 253 bytes at most */
		ev->target_type = qtype;
		if (ev->target == NULL || pt_answer_copy(&ev->answer, &copy) != PT_OK) {
			pt_event_fini(ev);
			st->nevents--;
		}
	}
	counts_changed(st, now);
	bump(st);
	if (st->truth_looked && st->nevents > 0) {
		pthread_cond_broadcast(&st->events_cond);
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
	return v;
}

/* ---- resolvers ---- */

/* Track @p id as pt_state_add() does, with @p shared: the caller's reference, the entry's now
 * (dropped when it cannot be added). */
static enum pt_status state_add(struct pt_state *st, uint64_t id, const struct pt_resolver *shared)
{
	enum pt_status rc = PT_OK;

	if (shared == NULL) {
		return PT_ERR_NOMEM;
	}
	pthread_mutex_lock(&st->lock);
	if (id < st->nentries && st->entries[id].tracked) {
		rc = PT_ERR_PARSE;
		goto out;
	}
	if (id >= st->cap) {
		size_t cap = st->cap ? st->cap : 64;
		struct entry *n;

		while (cap <= id) {
			cap *= 2;
		}
		n = realloc(st->entries, cap * sizeof(*n));
		if (n == NULL) {
			rc = PT_ERR_NOMEM;
			goto out;
		}
		/* zeroed as ids come into use (below), not here: the slack stays untouched */
		st->entries = n;
		struct pt_chunk **c = realloc(st->chunks, cap / PT_CHUNK_ROWS * sizeof(*c));

		if (c != NULL) {
			st->chunks = c;
			memset(c + st->cap / PT_CHUNK_ROWS, 0,
			       (cap - st->cap) / PT_CHUNK_ROWS * sizeof(*c));
		}
		bool *dirty = c != NULL ? realloc(st->chunk_dirty, cap / PT_CHUNK_ROWS) : NULL;

		if (dirty == NULL) {
			/* the entries grew (and stay), their chunks did not: try again next time */
			rc = PT_ERR_NOMEM;
			goto out;
		}
		st->chunk_dirty = dirty;
		memset(dirty + st->cap / PT_CHUNK_ROWS, 1, (cap - st->cap) / PT_CHUNK_ROWS);
		st->cap = cap;
	}
	if (id >= st->nentries) {
		memset(st->entries + st->nentries, 0,
		       (id + 1 - st->nentries) * sizeof(*st->entries));
		st->nentries = id + 1;
	}
	struct entry *e = &st->entries[id];
	entry_clear(e);
	pt_resolver_unref(e->res);
	e->res = shared;
	shared = NULL;
	e->tracked = true;
	e->verdict = PT_VERDICT_PENDING;
	tres_alloc(st, e);
	st->ntracked++;
	st->counts.total++;
	st->counts.by[PT_VERDICT_PENDING]++;
	counts_changed(st, st->clock());
	touch(st, e);
	st->members++;
	bump(st);
out:
	pthread_mutex_unlock(&st->lock);
	pt_resolver_unref(shared);
	if (rc == PT_OK) {
		wake(st);
	}
	return rc;
}

enum pt_status pt_state_add(struct pt_state *st, uint64_t id, const struct pt_resolver *r)
{
	return state_add(st, id, pt_resolver_share(r));
}

enum pt_status pt_state_add_shared(struct pt_state *st, uint64_t id, const struct pt_resolver *r)
{
	return state_add(st, id, pt_resolver_ref(r));
}

char *pt_change_summary(char *buf, size_t size, const struct pt_change *c)
{
	if (c->answer != NULL) {
		return pt_answer_summary(buf, size, c->answer, " | ");
	}
	snprintf(buf, size, "%s", pt_reply_result_text(c->result));
	return buf;
}

const struct pt_resolver *pt_state_resolver_hold(struct pt_state *st, uint64_t id)
{
	const struct pt_resolver *r;

	pt_state_resolvers_hold(st, &id, 1, &r);
	return r;
}

void pt_state_resolvers_hold(struct pt_state *st, const uint64_t *ids, size_t n,
			     const struct pt_resolver **out)
{
	pthread_mutex_lock(&st->lock);
	for (size_t k = 0; k < n; k++) {
		out[k] = ids[k] < st->nentries ? pt_resolver_ref(st->entries[ids[k]].res) : NULL;
	}
	pthread_mutex_unlock(&st->lock);
}

bool pt_state_resolver(struct pt_state *st, uint64_t id, struct pt_resolver *out)
{
	bool ok;

	pthread_mutex_lock(&st->lock);
	ok = id < st->nentries && st->entries[id].res != NULL;
	if (ok) {
		*out = *st->entries[id].res;
	}
	pthread_mutex_unlock(&st->lock);
	return ok;
}

void pt_state_remove(struct pt_state *st, uint64_t id)
{
	pthread_mutex_lock(&st->lock);
	if (id < st->nentries && st->entries[id].tracked) {
		struct entry *e = &st->entries[id];

		if (e->answer_ix >= 0) {
			st->answers[e->answer_ix].count--;
		}
		st->counts.by[e->verdict]--;
		st->counts.total--;
		st->ntracked--;
		tres_uncount(st, e);
		entry_clear(e);
		e->tracked = false;
		uint64_t now = st->clock();

		update_reference(st, now, NULL);
		counts_changed(st, now);
		touch(st, e);
		st->members++;
		bump(st);
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

enum pt_status pt_state_retarget(struct pt_state *st, const char *domain, uint16_t qtype)
{
	char name[256];

	if (pt_name_normalise(name, sizeof(name), domain) != PT_OK || qtype == 0) {
		return PT_ERR_PARSE;
	}
	pthread_mutex_lock(&st->lock);
	memcpy(st->domain, name, sizeof(name));
	st->qtype = qtype;
	st->target_gen++;
	memset(&st->counts, 0, sizeof(st->counts));
	for (size_t i = 0; i < st->nentries; i++) {
		entry_clear(&st->entries[i]);
		if (st->entries[i].tracked) {
			st->counts.total++;
			st->counts.by[PT_VERDICT_PENDING]++;
		}
	}
	answers_clear(st);
	pt_truth_fini(&st->truth);
	/* another name or type: the targets are found again from its truth */
	targets_clear(st);
	st->truth_looked = false;
	st->reference = NULL;
	st->reasons = PT_REASON_NO_TRUTH;
	st->converged_ns = 0;
	st->truth_changed_ns = 0;
	st->changed = false;
	st->nprogress = 0;
	st->start_ns = st->clock();
	/* events of the old target are of no use to the new one's stream */
	events_clear(st);
	touch_all(st);
	bump(st);
	pthread_mutex_unlock(&st->lock);
	wake(st);
	return PT_OK;
}

void pt_state_target(struct pt_state *st, char *domain, size_t size, uint16_t *qtype)
{
	pthread_mutex_lock(&st->lock);
	snprintf(domain, size, "%s", st->domain);
	*qtype = st->qtype;
	pthread_mutex_unlock(&st->lock);
}

uint64_t pt_state_target_generation(struct pt_state *st)
{
	pthread_mutex_lock(&st->lock);
	uint64_t g = st->target_gen;

	pthread_mutex_unlock(&st->lock);
	return g;
}

/* ---- publishing ---- */

/* FNV-1a over the kind and the sorted RDATA: equal answers hash equal. */
static uint64_t answer_hash(const struct pt_answer *a)
{
	static const unsigned char end = 0xff;
	uint64_t h = PT_HASH_INIT ^ (uint64_t)a->kind;

	for (size_t i = 0; i < a->count; i++) {
		h = pt_hash_bytes(h, a->rdata[i], strlen(a->rdata[i]));
		h = pt_hash_bytes(h, &end, 1);
	}
	return h;
}

/* A history entry for @p e's answer and verdict now. A new answer (@p answer_changed) is
 * marked as a flap when the resolver gave it before its previous answer. @return whether it
 * is a flap. */
static bool history_push(struct entry *e, uint64_t now, uint64_t wall_ms,
			 enum pt_change_reason reason, bool answer_changed)
{
	struct pt_change *h;
	bool failure = !e->has_reply || e->result != PT_REPLY_OK;
	uint64_t hash = failure ? 0 : answer_hash(entry_answer(e));
	bool reverted = false;

	if (answer_changed && e->last_good) {
		/* the entries before the previous answer's last appearance */
		uint64_t prev = answer_hash(&e->last_good->a);
		size_t k = e->nhistory;

		while (k > 0 && e->history->v[k - 1].hash != prev) {
			k--;
		}
		for (size_t i = 0; k > 0 && i + 1 < k; i++) {
			reverted |= e->history->v[i].hash == hash;
		}
	}
	struct pt_change *v =
		history_own(e, e->nhistory < PT_HISTORY_MAX ? e->nhistory + 1 : PT_HISTORY_MAX);

	if (v == NULL) {
		return false; /* the change goes unrecorded; the answer is stored */
	}
	if (e->nhistory == PT_HISTORY_MAX) {
		changes_unref(&v[0], 1);
		memmove(&v[0], &v[1], (PT_HISTORY_MAX - 1) * sizeof(v[0]));
		e->nhistory--;
	}
	h = &v[e->nhistory++];
	memset(h, 0, sizeof(*h));
	h->at_ns = now;
	h->wall_ms = wall_ms;
	h->verdict = e->verdict;
	h->hash = hash;
	h->reverted = reverted;
	h->reason = reason;
	h->result = e->has_reply ? e->result : PT_REPLY_TIMEOUT;
	/* not failure: the reply was an answer, so it came in a box */
	h->answer = failure || e->box == NULL ? NULL : &box_ref(e->box)->a;
	e->history->n = (uint32_t)e->nhistory;
	return reverted;
}

/* The truth moved and @p e's verdict with it: said in its history. An answer recorded while no
 * truth was known yet (verdict pending) simply gets its verdict: nothing changed then. */
static void history_truth(struct pt_state *st, struct entry *e, uint64_t now)
{
	const struct pt_change *last = e->nhistory > 0 ? &e->history->v[e->nhistory - 1] : NULL;
	struct pt_change *v;

	if (last == NULL || last->verdict == e->verdict) {
		return;
	}
	touch(st, e);
	if (last->verdict == PT_VERDICT_PENDING) {
		if ((v = history_own(e, e->nhistory)) != NULL) {
			v[e->nhistory - 1].verdict = e->verdict;
		}
		return;
	}
	history_push(e, now, wall_at(st, now), PT_CHANGE_TRUTH, false);
}

enum pt_verdict pt_state_publish(struct pt_state *st, uint64_t id, uint64_t generation,
				 const struct pt_reply *reply)
{
	struct pt_answer copy = { 0 };
	struct answer_box *box = NULL;
	enum pt_verdict verdict;
	bool judgeable;

	/* Copy outside the lock: allocation is the slow part. The copy is the one every
	 * snapshot shares (copy is a shallow view of it). */
	if (reply->result == PT_REPLY_OK) {
		box = box_new(&reply->answer);
		if (box == NULL) {
			return PT_VERDICT_PENDING;
		}
		copy = box->a;
	}
	judgeable = pt_reply_class(reply->result, &copy) == PT_CLASS_ANSWER;
	pthread_mutex_lock(&st->lock);
	st->queries += reply->tries;
	if (generation != st->target_gen || id >= st->nentries || !st->entries[id].tracked) {
		pthread_mutex_unlock(&st->lock);
		box_unref(box);
		return PT_VERDICT_PENDING;
	}
	struct entry *e = &st->entries[id];
	uint64_t now = reply->received_ns ? reply->received_ns : st->clock();
	int ix = judgeable ? answer_slot(st, &copy) : -1;
	bool changed = judgeable && (!e->last_good || !pt_answer_same(&e->last_good->a, &copy));
	enum pt_verdict from_verdict =
		e->last_good ? pt_verdict_judge(st->reference, PT_REPLY_OK, &e->last_good->a)
			     : PT_VERDICT_PENDING;

	/* stale (RFC 8767): EDE 3, or the same answer past its expected expiry, shorter-lived
	 * than a fresh copy. A suspect reply inside the second of grace (TTLs are whole seconds)
	 * is not stale yet, but it does not move the expected expiry on either: the next one
	 * decides. */
	bool suspect = judgeable && !changed && e->fresh_expiry_ns != 0 && copy.has_ttl &&
		       now > e->fresh_expiry_ns && copy.ttl <= PT_STALE_TTL_MAX &&
		       copy.ttl < fresh_ttl(st, e, &copy);

	e->stale = judgeable && (pt_answer_has_ede(&copy, PT_EDE_STALE) ||
				 (suspect && now > e->fresh_expiry_ns + PT_NS_PER_S));
	if (judgeable && !e->stale && !suspect && copy.has_ttl) {
		e->fresh_expiry_ns = now + (uint64_t)copy.ttl * PT_NS_PER_S;
		e->fresh_ttl = changed || copy.ttl > e->fresh_ttl ? copy.ttl : e->fresh_ttl;
	}
	if (!(reply->result == PT_REPLY_OK && copy.kind == PT_ANSWER_RCODE && copy.rcode == 2)) {
		e->dnssec_failure = false;
	}
	box_unref(e->box);
	e->box = box;
	e->ecs_sent = reply->ecs_sent;
	e->has_reply = true;
	e->result = reply->result;
	e->rtt_ms = reply->rtt_ms;
	e->received_ns = now;
	e->err = reply->err;
	e->via_tcp = reply->via_tcp;
	e->queries++;
	if (e->answer_ix >= 0) {
		st->answers[e->answer_ix].count--;
	}
	e->answer_ix = ix;
	if (ix >= 0) {
		st->answers[ix].count++;
	}
	enum pt_verdict was =
		e->nhistory > 0 ? e->history->v[e->nhistory - 1].verdict : PT_VERDICT_COUNT;

	if (!update_reference(st, now, e)) {
		judge_entry(st, e);
	}
	struct pt_event *ev = event_push(st, PT_EVENT_ANSWER, now);

	if (ev != NULL) {
		ev->resolver = pt_resolver_ref(e->res);
		ev->verdict = e->verdict;
		ev->result = reply->result;
		ev->rtt_ms = reply->rtt_ms;
		ev->err = reply->err;
		ev->via_tcp = reply->via_tcp;
		ev->stale = e->stale;
		ev->ecs_sent = e->ecs_sent;
		if (box != NULL) {
			ev->answer = copy; /* box's */
			ev->held[0] = box_ref(box);
		}
	}
	if (!changed && e->verdict != was) {
		/* the same answer (or a failure) with another status: a timeout, an answer again */
		history_push(e, now, wall_at(st, now), PT_CHANGE_ANSWER, false);
	}
	if (changed) {
		bool first = !e->last_good;
		bool reverted = history_push(e, now, wall_at(st, now), PT_CHANGE_ANSWER, true);

		if (!first && (ev = event_push(st, PT_EVENT_CHANGE, now)) != NULL) {
			ev->resolver = pt_resolver_ref(e->res);
			ev->verdict = e->verdict;
			ev->from_verdict = from_verdict;
			ev->reverted = reverted;
			/* the new answer's box and the last good one's */
			ev->answer = copy;
			ev->held[0] = box_ref(box);
			ev->from = e->last_good->a;
			ev->held[1] = box_ref(e->last_good);
		}
		/* judgeable: the reply was an answer, so it came in a box */
		box_unref(e->last_good);
		e->last_good = box_ref(box);
		if (!first) {
			e->changed_ns = now;
			st->changed = true;
		}
	}
	counts_changed(st, now);
	touch(st, e);
	bump(st);
	verdict = e->verdict;
	if (st->truth_looked && st->nevents > 0) {
		pthread_cond_broadcast(&st->events_cond);
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
	return verdict;
}

void pt_state_set_identity(struct pt_state *st, uint64_t id, enum pt_identity_kind kind,
			   const char *text)
{
	pthread_mutex_lock(&st->lock);
	if (id < st->nentries && st->entries[id].tracked) {
		struct entry *e = &st->entries[id];
		/* the rows showing the old one keep it: a new one */
		struct identity_box *n = calloc(1, sizeof(*n));

		if (n != NULL) {
			atomic_init(&n->refs, 1);
			if (e->identity != NULL) {
				memcpy(n->id_server, e->identity->id_server, PT_IDENTITY_MAX);
				memcpy(n->hostname_bind, e->identity->hostname_bind,
				       PT_IDENTITY_MAX);
			}
			pt_text_clean(kind == PT_IDENTITY_ID_SERVER ? n->id_server
								    : n->hostname_bind,
				      PT_IDENTITY_MAX, text, strlen(text));
			id_unref(e->identity);
			e->identity = n;
			touch(st, e);
			bump(st);
		}
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_set_vantage(struct pt_state *st, uint64_t id, const struct pt_vantage *v)
{
	pthread_mutex_lock(&st->lock);
	if (id < st->nentries && st->entries[id].tracked &&
	    st->entries[id].res->vantage.source != PT_SOURCE_LOCAL) {
		struct entry *e = &st->entries[id];
		/* the rows showing the old one keep it: a new one */
		struct pt_resolver r = *e->res;
		const struct pt_resolver *b;

		r.vantage = *v;
		if ((b = pt_resolver_share(&r)) != NULL) {
			pt_resolver_unref(e->res);
			e->res = b;
			touch(st, e);
			bump(st);
		}
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_set_globalping_limits(struct pt_state *st, const struct pt_vantage_limits *l)
{
	pthread_mutex_lock(&st->lock);
	st->gp_limits = *l;
	bump(st);
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_set_dnssec(struct pt_state *st, uint64_t id, uint64_t generation, bool answered,
			 int rcode)
{
	pthread_mutex_lock(&st->lock);
	if (generation == st->target_gen && id < st->nentries && st->entries[id].tracked) {
		struct entry *e = &st->entries[id];

		/* only while its last answer is still the SERVFAIL that was asked again */
		if (e->has_reply && e->result == PT_REPLY_OK &&
		    entry_answer(e)->kind == PT_ANSWER_RCODE && entry_answer(e)->rcode == 2) {
			e->dnssec_failure = answered;
			e->cd_rcode = rcode;
			touch(st, e);
			bump(st);
		}
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_set_ns_expiry(struct pt_state *st, uint64_t id, uint64_t at_ns, uint32_t ttl_s)
{
	pthread_mutex_lock(&st->lock);
	if (id < st->nentries && st->entries[id].tracked) {
		st->entries[id].ns_expires_ns = at_ns + (uint64_t)ttl_s * PT_NS_PER_S;
		touch(st, &st->entries[id]);
		bump(st);
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_set_quorum(struct pt_state *st, const struct pt_quorum *q)
{
	pthread_mutex_lock(&st->lock);
	st->quorum = *q;
	counts_changed(st, st->clock());
	bump(st);
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_set_truth(struct pt_state *st, const struct pt_truth *truth)
{
	struct pt_truth copy;

	if (pt_truth_copy(&copy, truth) != PT_OK) {
		return;
	}
	pthread_mutex_lock(&st->lock);
	uint64_t now = st->clock();
	bool changed = st->truth.source != copy.source ||
		       !pt_answer_same(&st->truth.answer, &copy.answer) ||
		       st->truth.has_serial != copy.has_serial || st->truth.serial != copy.serial ||
		       st->truth.unpublished != copy.unpublished;

	if (changed && copy.source != PT_TRUTH_NONE) {
		struct pt_event *ev = event_push(st, PT_EVENT_TRUTH, now);

		if (ev != NULL) {
			ev->source = copy.source;
			ev->serial = copy.serial;
			ev->has_serial = copy.has_serial;
			ev->unpublished = copy.unpublished;
			ev->negative_ttl = copy.negative_ttl;
			if (pt_answer_copy(&ev->answer, &copy.answer) != PT_OK) {
				st->nevents--;
			}
		}
	}
	/* A change of the answer itself (not the first finding, not a serial bump alone) is
	 * the moment propagation starts: views count convergence from it. */
	if (st->truth.source != PT_TRUTH_NONE && copy.source != PT_TRUTH_NONE &&
	    !pt_answer_same(&st->truth.answer, &copy.answer)) {
		st->truth_changed_ns = now;
		st->changed = true;
	}
	pt_truth_fini(&st->truth);
	st->truth = copy;
	st->truth_looked = true;
	/* the truth's answer moved in memory: every verdict is judged again */
	st->reference = NULL;
	st->majority_ix = -2;
	update_reference(st, now, NULL);
	counts_changed(st, now);
	bump(st);
	pthread_cond_broadcast(&st->events_cond);
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

/* ---- reading ---- */

/* Display groups: 0 is the truth's answer, the others by descending size (ties: first seen);
 * beyond PT_GROUPS_MAX - 1 others, the rest share the last group. Sets @p s's group sizes
 * and @p rank, the group of each answer slot (-1 for none). */
static void assign_groups(struct pt_snapshot *s, const struct pt_state *st, int *rank)
{
	size_t order[ANSWERS_MAX];
	size_t n = 0, first = 0;
	int truth_slot = -1;
	bool truth = pt_truth_known(&s->truth);

	if (truth) {
		for (size_t i = 0; i < st->nanswers; i++) {
			if (pt_answer_same(&st->answers[i].key, &s->truth.answer)) {
				truth_slot = (int)i;
			}
		}
		first = 1;
	}
	for (size_t i = 0; i < st->nanswers; i++) {
		rank[i] = -1;
		if (st->answers[i].count > 0 && (int)i != truth_slot) {
			order[n++] = i;
		}
	}
	/* insertion sort by size, stable: the answers are few */
	for (size_t i = 1; i < n; i++) {
		size_t cur = order[i], j = i;

		while (j > 0 && st->answers[order[j - 1]].count < st->answers[cur].count) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = cur;
	}
	memset(s->group_sizes, 0, sizeof(s->group_sizes));
	s->ngroups = first;
	if (truth_slot >= 0) {
		rank[truth_slot] = 0;
		s->group_sizes[0] = st->answers[truth_slot].count;
	}
	for (size_t i = 0; i < n; i++) {
		size_t g = first + i < PT_GROUPS_MAX ? first + i : PT_GROUPS_MAX - 1;

		rank[order[i]] = (int)g;
		s->group_sizes[g] += st->answers[order[i]].count;
		s->ngroups = g + 1 > s->ngroups ? g + 1 : s->ngroups;
	}
}

/* Fill @p r from entry @p e (resolver @p id): every field a row shows, except its answer, its
 * history and its group (the chunk's, set by chunk_build()). A new field of struct pt_row is
 * set here. */
static void row_fill(struct pt_row *r, uint64_t id, const struct entry *e)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->resolver = pt_resolver_ref(e->res);
	r->verdict = e->verdict;
	r->has_reply = e->has_reply;
	r->result = e->result;
	r->rtt_ms = e->rtt_ms;
	r->received_ns = e->received_ns;
	r->err = e->err;
	r->via_tcp = e->via_tcp;
	r->queries = e->queries;
	r->changed_ns = e->changed_ns;
	r->nhistory = e->nhistory;
	r->old_servers = e->old_servers;
	r->old_ttl = e->old_ttl;
	r->ns_expires_ns = e->ns_expires_ns;
	r->id_server = e->identity != NULL ? e->identity->id_server : "";
	r->hostname_bind = e->identity != NULL ? e->identity->hostname_bind : "";
	r->dnssec_failure = e->dnssec_failure;
	r->cd_rcode = e->cd_rcode;
	r->stale = e->stale;
	r->ecs_sent = e->ecs_sent;
}

/* When its TTL ends (pt_clock), for a row of an old answer with a TTL and nothing else. */
static bool ttl_end(const struct pt_row *r, uint64_t *end)
{
	if (!r->has_reply || r->result != PT_REPLY_OK || !r->answer.has_ttl) {
		return false;
	}
	*end = r->received_ns + (uint64_t)r->answer.ttl * PT_NS_PER_S;
	return true;
}

/*
 * The rows of @p c that can give its expiry from @p now on. For a row received by then, the
 * seconds its TTL has left (pt_row_ttl_left()) are the time until its TTL ends rounded up,
 * so a row whose TTL ends earlier than another's never has more: only the latest end counts.
 * Rows fetching from old name servers and rows received after @p now are always candidates.
 */
static void chunk_candidates(struct pt_chunk *c, uint64_t now)
{
	uint64_t last = 0, end;

	c->built_ns = now;
	c->ncand = 0;
	for (size_t i = 0; i < c->nrows; i++) {
		const struct pt_row *r = &c->rows[i];

		if (pt_verdict_is_old(r->verdict) && !r->old_servers && r->received_ns <= now &&
		    ttl_end(r, &end) && end > last) {
			last = end;
		}
	}
	for (size_t i = 0; i < c->nrows; i++) {
		const struct pt_row *r = &c->rows[i];

		if (!pt_verdict_is_old(r->verdict)) {
			continue;
		}
		if (r->old_servers || r->received_ns > now || !ttl_end(r, &end) || end == last) {
			c->cand[c->ncand++] = (uint8_t)i;
		}
	}
}

/* --follow-mx: @p e's target results into @p r, in @p room (as many as e->ntres), their
 * answers those of @p e's shared boxes, a reference each in @p boxes (counted in @p nboxes).
 * @return false when out of memory (the references taken so far are counted). */
static bool row_targets(struct pt_row *r, struct pt_target_result *room, struct answer_box **boxes,
			size_t *nboxes, struct entry *e)
{
	if (e->ntres > 0 && e->tbox == NULL &&
	    (e->tbox = calloc(e->ntres, sizeof(*e->tbox))) == NULL) {
		return false;
	}
	r->targets = e->ntres > 0 ? room : NULL;
	for (size_t k = 0; k < e->ntres; k++) {
		/* the entry's answer copied once into a box the chunks share, not once per chunk */
		if (e->tbox[k] == NULL) {
			if ((e->tbox[k] = box_new(&e->tres[k].answer)) == NULL) {
				return false;
			}
		}
		room[k] = e->tres[k];
		room[k].answer = e->tbox[k]->a;
		boxes[k] = box_ref(e->tbox[k]);
		(*nboxes)++;
		r->ntargets = k + 1;
	}
	return true;
}

/* A target result as a row, for pt_row_ttl_left(); -1 when it is not an old answer. */
static long target_left(const struct pt_target_result *t, uint64_t now)
{
	struct pt_row r = { .has_reply = t->has_reply,
			    .result = t->result,
			    .answer = t->answer,
			    .received_ns = t->received_ns };

	return pt_verdict_is_old(t->verdict) ? pt_row_ttl_left(&r, now) : -1;
}

/* The old target result of @p c whose TTL ends last (seconds left are that time rounded up,
 * so it alone gives the chunk's target expiry from built_ns on). */
static void chunk_target_candidate(struct pt_chunk *c)
{
	uint64_t last = 0;

	for (size_t i = 0; i < c->nrows; i++) {
		for (size_t k = 0; k < c->rows[i].ntargets; k++) {
			const struct pt_target_result *t = &c->rows[i].targets[k];
			uint64_t end = t->received_ns + (uint64_t)t->answer.ttl * PT_NS_PER_S;

			if (pt_verdict_is_old(t->verdict) && t->has_reply &&
			    t->result == PT_REPLY_OK && t->answer.has_ttl && end >= last) {
				last = end;
				c->tcand_row = (int)i;
				c->tcand_k = (int)k;
			}
		}
	}
}

/* --follow-mx: the followed questions and their truths (the rows carry their results). */
static bool snapshot_targets(struct pt_snapshot *s, const struct pt_state *st)
{
	s->target_counts = st->tcounts;
	if (st->ntargets == 0) {
		return true;
	}
	s->targets = calloc(st->ntargets, sizeof(*s->targets));
	if (s->targets == NULL) {
		return false;
	}
	s->ntargets = st->ntargets;
	for (size_t k = 0; k < st->ntargets; k++) {
		memcpy(s->targets[k].name, st->targets[k].name, sizeof(s->targets[k].name));
		s->targets[k].qtype = st->targets[k].qtype;
		if (pt_truth_copy(&s->targets[k].truth, &st->targets[k].truth) != PT_OK) {
			return false;
		}
	}
	return true;
}

/* expiry() from the chunks of @p s (the same rule, on the candidate rows of each chunk). */
static uint32_t chunks_expiry(const struct pt_snapshot *s, uint64_t now, bool *bounded)
{
	uint32_t left = 0;
	bool known = true;

	for (size_t i = 0; i < s->nchunks; i++) {
		const struct pt_chunk *c = s->chunks[i];
		bool all = now < c->built_ns;
		size_t n = all ? c->nrows : c->ncand;

		for (size_t k = 0; k < n; k++) {
			const struct pt_row *r = &c->rows[all ? k : c->cand[k]];

			if (!pt_verdict_is_old(r->verdict)) {
				continue;
			}
			long l = row_expiry(r, now, &known);

			if (l > (long)left) {
				left = (uint32_t)l;
			}
		}
		/* --follow-mx: an MX target's old address leaves the cache with its own TTL */
		for (size_t k = 0; all && k < c->nrows; k++) {
			for (size_t t = 0; t < c->rows[k].ntargets; t++) {
				long l = target_left(&c->rows[k].targets[t], now);

				left = l > (long)left ? (uint32_t)l : left;
			}
		}
		if (!all && c->tcand_row >= 0) {
			long l = target_left(&c->rows[c->tcand_row].targets[c->tcand_k], now);

			left = l > (long)left ? (uint32_t)l : left;
		}
	}
	*bounded = known;
	return left;
}

/* The rows of the tracked resolvers with ids [@p lo, @p hi), from the entries now; @p rank is
 * the group of each answer slot. @return a chunk holding one reference, NULL when out of
 * memory. */
static struct pt_chunk *chunk_build(struct pt_state *st, size_t lo, size_t hi, const int *rank)
{
	size_t n = 0, ntres = 0;
	struct pt_chunk *c;

	hi = hi < st->nentries ? hi : st->nentries;
	for (size_t i = lo; i < hi; i++) {
		ntres += st->entries[i].tracked ? st->entries[i].ntres : 0;
		n += st->entries[i].tracked;
	}
	/* every part is 8-byte aligned: struct pt_chunk, the rows and the pointers are */
	c = malloc(
		sizeof(*c) +
		n * (sizeof(*c->rows) + sizeof(*c->boxes) + sizeof(*c->hists) + sizeof(*c->ids)) +
		ntres * (sizeof(*c->tres) + sizeof(*c->tboxes)));
	if (c == NULL) {
		return NULL;
	}
	c->rows = (struct pt_row *)(c + 1);
	c->boxes = (struct answer_box **)(c->rows + n);
	c->hists = (struct history_box **)(c->boxes + n);
	c->ids = (struct identity_box **)(c->hists + n);
	c->tres = (struct pt_target_result *)(c->ids + n);
	c->tboxes = (struct answer_box **)(c->tres + ntres);
	c->ntboxes = 0;
	c->tcand_row = -1;
	c->tcand_k = -1;
	atomic_init(&c->refs, 1);
	c->generation = st->generation;
	c->nrows = 0;
	c->nold = 0;
	c->nprobes = 0;
	c->ncand = 0;
	ntres = 0;
	for (size_t i = lo; i < hi; i++) {
		struct entry *e = &st->entries[i];
		struct pt_row *r = &c->rows[c->nrows];

		if (!e->tracked) {
			continue;
		}
		row_fill(r, i, e);
		/* the entry's own copy of its reply, shared: no row copies an answer */
		r->answer = *entry_answer(e);
		c->boxes[c->nrows] = box_ref(e->box);
		/* the entry's history, shared (read-only from now on: see history_own()) */
		c->hists[c->nrows] = hist_ref(e->history);
		c->ids[c->nrows] = id_ref(e->identity);
		r->history = e->nhistory > 0 ? e->history->v : NULL;
		r->group = e->answer_ix >= 0 ? rank[e->answer_ix] : -1;
		c->nold += r->old_servers;
		c->nprobes += row_probe(r);
		c->nrows++;
		if (!row_targets(r, c->tres + ntres, c->tboxes + ntres, &c->ntboxes, e)) {
			chunk_unref(c);
			return NULL;
		}
		ntres += e->ntres;
	}
	return c;
}

/* The chunks of every tracked resolver into @p s (a reference each), building those whose
 * entries changed. @return false when out of memory. */
static bool take_chunks(struct pt_snapshot *s, struct pt_state *st, const int *rank, uint64_t now)
{
	size_t n = (st->nentries + PT_CHUNK_ROWS - 1) / PT_CHUNK_ROWS;
	uint64_t built = st->chunks_built;

	/* a change that did not say which entries it changed (see accounted), or other groups
	 * for the same answers: every chunk again */
	if (st->accounted != st->generation || st->chunk_nrank != st->nanswers ||
	    memcmp(st->chunk_rank, rank, st->nanswers * sizeof(rank[0])) != 0) {
		touch_all(st);
		memcpy(st->chunk_rank, rank, st->nanswers * sizeof(rank[0]));
		st->chunk_nrank = st->nanswers;
		st->accounted = st->generation;
	}
	s->chunks = malloc((n ? n : 1) * sizeof(*s->chunks));
	s->chunk_first = malloc((n ? n : 1) * sizeof(*s->chunk_first));
	if (s->chunks == NULL || s->chunk_first == NULL) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (st->chunks[i] == NULL || st->chunk_dirty[i]) {
			struct pt_chunk *c =
				chunk_build(st, i * PT_CHUNK_ROWS, (i + 1) * PT_CHUNK_ROWS, rank);

			if (c == NULL) {
				return false;
			}
			chunk_candidates(c, now);
			chunk_target_candidate(c);
			st->chunks_built++;
			chunk_unref(st->chunks[i]);
			st->chunks[i] = c;
			st->chunk_dirty[i] = false;
		}
		pt_ref_take(&st->chunks[i]->refs);
		s->chunks[s->nchunks++] = st->chunks[i];
		s->chunk_first[i] = s->nrows;
		s->nrows += st->chunks[i]->nrows;
	}
	s->chunks_built = (size_t)(st->chunks_built - built);
	return true;
}

/* All the rows as one chunk of their own, for @p s alone (the state keeps no copy of it). */
static bool take_flat(struct pt_snapshot *s, struct pt_state *st, const int *rank)
{
	s->chunks = malloc(sizeof(*s->chunks));
	s->chunk_first = calloc(1, sizeof(*s->chunk_first));
	if (s->chunks == NULL || s->chunk_first == NULL ||
	    (s->chunks[0] = chunk_build(st, 0, st->nentries, rank)) == NULL) {
		return false;
	}
	s->nchunks = 1;
	s->rows = s->chunks[0]->rows;
	s->nrows = s->chunks[0]->nrows;
	return true;
}

/* A snapshot of @p st: its rows in the state's chunks, or (@p flat) in one array. */
static struct pt_snapshot *snapshot(struct pt_state *st, bool flat)
{
	struct pt_snapshot *s = calloc(1, sizeof(*s));
	int rank[ANSWERS_MAX];
	bool ok;

	if (s == NULL) {
		return NULL;
	}
	pthread_mutex_lock(&st->lock);
	ok = pt_truth_copy(&s->truth, &st->truth) == PT_OK;
	if (ok && !pt_truth_known(&st->truth) && st->reference != NULL) {
		/* no authoritative server answered: the majority stands in, and says so */
		s->truth.source = PT_TRUTH_MAJORITY;
		ok = pt_answer_copy(&s->truth.answer, st->reference) == PT_OK;
	}
	if (ok) {
		assign_groups(s, st, rank);
		s->taken_ns = st->clock();
		ok = flat ? take_flat(s, st, rank) : take_chunks(s, st, rank, s->taken_ns);
	}
	if (ok) {
		memcpy(s->domain, st->domain, sizeof(s->domain));
		s->qtype = st->qtype;
		s->counts = st->counts;
		s->reasons = st->reasons;
		s->converged = st->reasons == 0;
		s->generation = st->generation;
		s->rows_generation = st->members;
		s->queries = st->queries;
		s->start_ns = st->start_ns;
		s->converged_ns = st->converged_ns;
		s->truth_changed_ns = st->truth_changed_ns;
		memcpy(s->progress, st->progress, st->nprogress * sizeof(st->progress[0]));
		s->nprogress = st->nprogress;
		if (s->converged) {
			s->expires_within = 0;
		} else if (flat) {
			s->expires_within = expiry(st, s->taken_ns, &s->expiry_bounded);
		} else {
			s->expires_within = chunks_expiry(s, s->taken_ns, &s->expiry_bounded);
		}
		if (s->converged) {
			s->expiry_bounded = true;
		} else if (st->truth.disagree) {
			s->expiry_bounded = false;
		}
		s->changed = st->changed;
		s->globalping_limits = st->gp_limits;
		ok = snapshot_targets(s, st);
	}
	pthread_mutex_unlock(&st->lock);
	if (!ok) {
		pt_snapshot_free(s);
		return NULL;
	}
	return s;
}

struct pt_snapshot *pt_state_view(struct pt_state *st)
{
	return snapshot(st, false);
}

struct pt_snapshot *pt_state_snapshot(struct pt_state *st)
{
	return snapshot(st, true);
}

unsigned pt_state_reasons(struct pt_state *st, struct pt_counts *counts)
{
	unsigned r;

	pthread_mutex_lock(&st->lock);
	r = st->reasons;
	if (counts != NULL) {
		*counts = st->counts;
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

size_t pt_state_old_without_ns(struct pt_state *st, uint64_t **ids)
{
	size_t n = 0, cap = 0;

	*ids = NULL;
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->nentries; i++) {
		const struct entry *e = &st->entries[i];

		if (!e->tracked || !pt_verdict_is_old(e->verdict) || e->ns_expires_ns != 0) {
			continue;
		}
		if (n == cap) {
			size_t c = cap ? 2 * cap : 64;
			uint64_t *g = realloc(*ids, c * sizeof(*g));

			if (g == NULL) {
				break;
			}
			*ids = g;
			cap = c;
		}
		(*ids)[n++] = i;
	}
	pthread_mutex_unlock(&st->lock);
	return n;
}

int pt_state_wakeup_fd(struct pt_state *st)
{
	return st->wake_rd;
}

void pt_state_drain(struct pt_state *st)
{
	char buf[256];

	while (read(st->wake_rd, buf, sizeof(buf)) > 0) {
	}
	/* cleared after emptying: a change made from here on writes again, and one made before
	 * is seen by the snapshot the caller takes next */
	atomic_store(&st->wake_pending, false);
}

void pt_state_wake(struct pt_state *st)
{
	pthread_mutex_lock(&st->lock);
	st->wakes++;
	pthread_cond_broadcast(&st->events_cond);
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_keep_events(struct pt_state *st, bool on)
{
	pthread_mutex_lock(&st->lock);
	st->keep_events = on;
	if (!on) {
		events_clear(st);
	}
	pthread_mutex_unlock(&st->lock);
}

size_t pt_state_events(struct pt_state *st, bool all, struct pt_event **out)
{
	size_t n;

	*out = NULL;
	pthread_mutex_lock(&st->lock);
	/* Replies that came before the truth was known were judged "pending": hold them until
	 * it is, then judge them against it, so the stream never reports a verdict it lacked. */
	if (!st->truth_looked && !all) {
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	n = st->nevents;
	for (size_t i = 0; i < n; i++) {
		struct pt_event *ev = &st->events[i];

		if (ev->kind == PT_EVENT_ANSWER && ev->verdict == PT_VERDICT_PENDING) {
			ev->verdict = pt_verdict_judge(st->reference, ev->result, &ev->answer);
		}
		if (ev->kind == PT_EVENT_CHANGE && ev->verdict == PT_VERDICT_PENDING) {
			ev->verdict = pt_verdict_judge(st->reference, PT_REPLY_OK, &ev->answer);
		}
		if (ev->kind == PT_EVENT_CHANGE && ev->from_verdict == PT_VERDICT_PENDING) {
			ev->from_verdict = pt_verdict_judge(st->reference, PT_REPLY_OK, &ev->from);
		}
	}
	if (n) {
		*out = st->events;
		st->events = NULL;
		st->nevents = 0;
		st->events_cap = 0;
	}
	pthread_mutex_unlock(&st->lock);
	return n;
}

bool pt_state_wait_events(struct pt_state *st, int timeout_ms)
{
	struct timespec ts;
	bool ready;

	pthread_mutex_lock(&st->lock);
	uint64_t wakes = st->wakes;

	if (timeout_ms >= 0) {
		ts = pt_clock_after(CLOCK_REALTIME, (uint64_t)timeout_ms * PT_NS_PER_MS);
	}
	while (!(ready = st->truth_looked && st->nevents > 0) && st->wakes == wakes) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&st->events_cond, &st->lock);
		} else if (pthread_cond_timedwait(&st->events_cond, &st->lock, &ts) == ETIMEDOUT) {
			break;
		}
	}
	ready = st->truth_looked && st->nevents > 0;
	pthread_mutex_unlock(&st->lock);
	return ready;
}
