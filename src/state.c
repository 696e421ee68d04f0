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

/* Distinct answers counted for groups and the majority; more are uncounted minorities. */
#define ANSWERS_MAX 256

/* One resolver slot; the slot index is the resolver's id. */
struct entry {
	struct pt_resolver resolver;
	bool tracked;
	bool has_reply;
	enum pt_reply_result result;
	struct pt_answer answer;
	enum pt_verdict verdict;
	/* index in st->answers of the answer, -1 without a judgeable one */
	int answer_ix;
	double rtt_ms;
	uint64_t received_ns;
	int err;
	unsigned queries;
	/* last DATA/NODATA/NXDOMAIN answer, the reference for "changed" (failures in between
	 * are not changes of answer) */
	struct pt_answer last_good;
	bool has_last_good;
	uint64_t changed_ns;
	/* allocated as it grows (most resolvers change once or never): a few hundred bytes
	 * per resolver instead of PT_HISTORY_MAX changes each */
	struct pt_change *history;
	size_t nhistory;
	size_t history_cap;
	/* fetches from old name servers (see struct pt_row), and their answer's TTL there */
	bool old_servers;
	uint32_t old_ttl;
	uint64_t ns_expires_ns;
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

void pt_event_fini(struct pt_event *ev)
{
	if (ev == NULL) {
		return;
	}
	pt_answer_fini(&ev->answer);
	pt_answer_fini(&ev->from);
}

void pt_snapshot_free(struct pt_snapshot *s)
{
	if (s == NULL) {
		return;
	}
	pt_truth_fini(&s->truth);
	for (size_t i = 0; i < s->nrows; i++) {
		pt_answer_fini(&s->rows[i].answer);
	}
	free(s->rows);
	free(s->history_pool);
	free(s);
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

static void entry_clear(struct entry *e)
{
	struct pt_resolver keep = e->resolver;
	bool tracked = e->tracked;

	pt_answer_fini(&e->answer);
	pt_answer_fini(&e->last_good);
	free(e->history);
	memset(e, 0, sizeof(*e));
	e->resolver = keep;
	e->tracked = tracked;
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

void pt_state_free(struct pt_state *st)
{
	if (st == NULL) {
		return;
	}
	for (size_t i = 0; i < st->nentries; i++) {
		entry_clear(&st->entries[i]);
	}
	free(st->entries);
	answers_clear(st);
	events_clear(st);
	free(st->events);
	pt_truth_fini(&st->truth);
	close(st->wake_rd);
	close(st->wake_wr);
	pthread_cond_destroy(&st->events_cond);
	pthread_mutex_destroy(&st->lock);
	free(st);
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
 * Seconds until the last answer that is not the truth must leave its cache, at @p now. A
 * resolver fetching from old name servers can fetch the old answer again until its cached NS
 * set expires: its bound is that expiry plus the old answer's TTL.
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
		r.answer = e->answer;
		r.received_ns = e->received_ns;
		long l = pt_row_ttl_left(&r, now);

		if (e->old_servers && e->ns_expires_ns == 0) {
			known = false;
		} else if (e->old_servers) {
			uint64_t ns =
				e->ns_expires_ns > now ? (e->ns_expires_ns - now) / PT_NS_PER_S : 0;

			if ((long)(ns + e->old_ttl) > l) {
				l = (long)(ns + e->old_ttl);
			}
		}
		if (l > (long)left) {
			left = (uint32_t)l;
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

		if (!pt_answer_same(&s->answer, &e->answer)) {
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

	if (e->has_reply) {
		v = pt_verdict_judge(st->reference, e->result, &e->answer);
	}
	st->counts.by[e->verdict]--;
	st->counts.by[v]++;
	e->verdict = v;
	old_servers(st, e);
}

static void judge_all(struct pt_state *st)
{
	for (size_t i = 0; i < st->nentries; i++) {
		if (st->entries[i].tracked) {
			judge_entry(st, &st->entries[i]);
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

/* Point st->reference at what resolvers are judged against; re-judge all when it moved.
 * @return true when it moved. */
static bool update_reference(struct pt_state *st)
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
	judge_all(st);
	return true;
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

/* ---- resolvers ---- */

enum pt_status pt_state_add(struct pt_state *st, uint64_t id, const struct pt_resolver *r)
{
	enum pt_status rc = PT_OK;

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
		memset(n + st->cap, 0, (cap - st->cap) * sizeof(*n));
		st->entries = n;
		st->cap = cap;
	}
	if (id >= st->nentries) {
		st->nentries = id + 1;
	}
	struct entry *e = &st->entries[id];

	entry_clear(e);
	e->resolver = *r;
	e->tracked = true;
	e->verdict = PT_VERDICT_PENDING;
	st->ntracked++;
	st->counts.total++;
	st->counts.by[PT_VERDICT_PENDING]++;
	counts_changed(st, st->clock());
	st->generation++;
out:
	pthread_mutex_unlock(&st->lock);
	if (rc == PT_OK) {
		wake(st);
	}
	return rc;
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
		entry_clear(e);
		e->tracked = false;
		update_reference(st);
		counts_changed(st, st->clock());
		st->generation++;
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
	st->generation++;
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
	uint64_t h = 14695981039346656037ULL ^ (uint64_t)a->kind;

	for (size_t i = 0; i < a->count; i++) {
		for (const unsigned char *p = (const unsigned char *)a->rdata[i]; *p; p++) {
			h = (h ^ *p) * 1099511628211ULL;
		}
		h = (h ^ 0xff) * 1099511628211ULL;
	}
	return h;
}

/* A new answer: into the history, marked as a flap when the resolver gave it before the
 * previous one. @return whether it is a flap. */
static bool history_push(struct entry *e, uint64_t now, uint64_t wall_ms)
{
	struct pt_change *h;
	uint64_t hash = answer_hash(&e->answer);
	bool reverted = false;

	for (size_t i = 0; i + 1 < e->nhistory; i++) {
		reverted |= e->history[i].hash == hash;
	}
	if (e->nhistory == PT_HISTORY_MAX) {
		memmove(&e->history[0], &e->history[1],
			(PT_HISTORY_MAX - 1) * sizeof(e->history[0]));
		e->nhistory--;
	}
	if (e->nhistory == e->history_cap) {
		size_t cap = e->history_cap ? 2 * e->history_cap : 1;
		struct pt_change *g = realloc(e->history, cap * sizeof(*g));

		if (g == NULL) {
			return false; /* the change goes unrecorded; the answer is stored */
		}
		e->history = g;
		e->history_cap = cap;
	}
	h = &e->history[e->nhistory++];
	h->at_ns = now;
	h->wall_ms = wall_ms;
	h->verdict = e->verdict;
	h->hash = hash;
	h->reverted = reverted;
	pt_answer_summary(h->summary, sizeof(h->summary), &e->answer, " | ");
	return reverted;
}

enum pt_verdict pt_state_publish(struct pt_state *st, uint64_t id, uint64_t generation,
				 const struct pt_reply *reply)
{
	struct pt_answer copy = { 0 };
	enum pt_verdict verdict;
	bool judgeable;

	/* Copy outside the lock: allocation is the slow part. */
	if (reply->result == PT_REPLY_OK && pt_answer_copy(&copy, &reply->answer) != PT_OK) {
		return PT_VERDICT_PENDING;
	}
	judgeable = pt_reply_class(reply->result, &copy) == PT_CLASS_ANSWER;
	pthread_mutex_lock(&st->lock);
	st->queries += reply->tries;
	if (generation != st->target_gen || id >= st->nentries || !st->entries[id].tracked) {
		pthread_mutex_unlock(&st->lock);
		pt_answer_fini(&copy);
		return PT_VERDICT_PENDING;
	}
	struct entry *e = &st->entries[id];
	uint64_t now = reply->received_ns ? reply->received_ns : st->clock();
	int ix = judgeable ? answer_slot(st, &copy) : -1;
	bool changed = judgeable && (!e->has_last_good || !pt_answer_same(&e->last_good, &copy));
	enum pt_verdict from_verdict =
		e->has_last_good ? pt_verdict_judge(st->reference, PT_REPLY_OK, &e->last_good)
				 : PT_VERDICT_PENDING;

	pt_answer_fini(&e->answer);
	e->answer = copy;
	e->has_reply = true;
	e->result = reply->result;
	e->rtt_ms = reply->rtt_ms;
	e->received_ns = now;
	e->err = reply->err;
	e->queries++;
	if (e->answer_ix >= 0) {
		st->answers[e->answer_ix].count--;
	}
	e->answer_ix = ix;
	if (ix >= 0) {
		st->answers[ix].count++;
	}
	if (!update_reference(st)) {
		judge_entry(st, e);
	}
	struct pt_event *ev = event_push(st, PT_EVENT_ANSWER, now);

	if (ev != NULL) {
		ev->resolver = e->resolver;
		ev->verdict = e->verdict;
		ev->result = reply->result;
		ev->rtt_ms = reply->rtt_ms;
		ev->err = reply->err;
		if (pt_answer_copy(&ev->answer, &copy) != PT_OK) {
			st->nevents--;
		}
	}
	if (changed) {
		bool first = !e->has_last_good;
		bool reverted = history_push(e, now, wall_at(st, now));

		if (!first && (ev = event_push(st, PT_EVENT_CHANGE, now)) != NULL) {
			ev->resolver = e->resolver;
			ev->verdict = e->verdict;
			ev->from_verdict = from_verdict;
			ev->reverted = reverted;
			if (pt_answer_copy(&ev->answer, &copy) != PT_OK ||
			    pt_answer_copy(&ev->from, &e->last_good) != PT_OK) {
				pt_event_fini(ev);
				st->nevents--;
			}
		}
		pt_answer_fini(&e->last_good);
		e->has_last_good = pt_answer_copy(&e->last_good, &copy) == PT_OK;
		if (!first) {
			e->changed_ns = now;
			st->changed = true;
		}
	}
	counts_changed(st, now);
	st->generation++;
	verdict = e->verdict;
	if (st->truth_looked && st->nevents > 0) {
		pthread_cond_broadcast(&st->events_cond);
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
	return verdict;
}

void pt_state_set_ns_expiry(struct pt_state *st, uint64_t id, uint64_t at_ns, uint32_t ttl_s)
{
	pthread_mutex_lock(&st->lock);
	if (id < st->nentries && st->entries[id].tracked) {
		st->entries[id].ns_expires_ns = at_ns + (uint64_t)ttl_s * PT_NS_PER_S;
		st->generation++;
	}
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

void pt_state_set_quorum(struct pt_state *st, const struct pt_quorum *q)
{
	pthread_mutex_lock(&st->lock);
	st->quorum = *q;
	counts_changed(st, st->clock());
	st->generation++;
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
	update_reference(st);
	counts_changed(st, now);
	st->generation++;
	pthread_cond_broadcast(&st->events_cond);
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

/* ---- reading ---- */

/* Display groups: 0 is the truth's answer, the others by descending size (ties: first seen);
 * beyond PT_GROUPS_MAX - 1 others, the rest share the last group. */
static void assign_groups(struct pt_snapshot *s, const struct pt_state *st, const int *slot_of_row)
{
	int rank[ANSWERS_MAX];
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
	for (size_t i = 0; i < s->nrows; i++) {
		s->rows[i].group = slot_of_row[i] >= 0 ? rank[slot_of_row[i]] : -1;
	}
}

struct pt_snapshot *pt_state_snapshot(struct pt_state *st)
{
	struct pt_snapshot *s = calloc(1, sizeof(*s));
	int *slots = NULL;
	size_t nhist = 0;
	bool ok;

	if (s == NULL) {
		return NULL;
	}
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->nentries; i++) {
		nhist += st->entries[i].tracked ? st->entries[i].nhistory : 0;
	}
	s->history_pool = nhist ? malloc(nhist * sizeof(*s->history_pool)) : NULL;
	nhist = 0;
	s->rows = calloc(st->ntracked ? st->ntracked : 1, sizeof(*s->rows));
	slots = calloc(st->ntracked ? st->ntracked : 1, sizeof(*slots));
	ok = s->history_pool != NULL || nhist == 0;
	ok = ok && s->rows != NULL && slots != NULL &&
	     pt_truth_copy(&s->truth, &st->truth) == PT_OK;
	if (ok && !pt_truth_known(&st->truth) && st->reference != NULL) {
		/* no authoritative server answered: the majority stands in, and says so */
		s->truth.source = PT_TRUTH_MAJORITY;
		ok = pt_answer_copy(&s->truth.answer, st->reference) == PT_OK;
	}
	for (size_t i = 0; ok && i < st->nentries; i++) {
		const struct entry *e = &st->entries[i];
		struct pt_row *r;

		if (!e->tracked) {
			continue;
		}
		r = &s->rows[s->nrows];
		r->id = i;
		r->resolver = e->resolver;
		r->verdict = e->verdict;
		r->has_reply = e->has_reply;
		r->result = e->result;
		r->rtt_ms = e->rtt_ms;
		r->received_ns = e->received_ns;
		r->err = e->err;
		r->queries = e->queries;
		r->changed_ns = e->changed_ns;
		if (e->nhistory > 0) {
			r->history = s->history_pool + nhist;
			memcpy(r->history, e->history, e->nhistory * sizeof(r->history[0]));
			nhist += e->nhistory;
		}
		r->nhistory = e->nhistory;
		r->old_servers = e->old_servers;
		r->old_ttl = e->old_ttl;
		r->ns_expires_ns = e->ns_expires_ns;
		slots[s->nrows] = e->answer_ix;
		if (pt_answer_copy(&r->answer, &e->answer) != PT_OK) {
			ok = false;
			break;
		}
		s->nrows++;
	}
	if (ok) {
		memcpy(s->domain, st->domain, sizeof(s->domain));
		s->qtype = st->qtype;
		s->counts = st->counts;
		s->reasons = st->reasons;
		s->converged = st->reasons == 0;
		s->generation = st->generation;
		s->queries = st->queries;
		s->start_ns = st->start_ns;
		s->taken_ns = st->clock();
		s->converged_ns = st->converged_ns;
		s->truth_changed_ns = st->truth_changed_ns;
		memcpy(s->progress, st->progress, st->nprogress * sizeof(st->progress[0]));
		s->nprogress = st->nprogress;
		s->expires_within = s->converged ? 0 : expiry(st, s->taken_ns, &s->expiry_bounded);
		if (s->converged) {
			s->expiry_bounded = true;
		} else if (st->truth.disagree) {
			s->expiry_bounded = false;
		}
		s->changed = st->changed;
		assign_groups(s, st, slots);
	}
	pthread_mutex_unlock(&st->lock);
	free(slots);
	if (!ok) {
		pt_snapshot_free(s);
		return NULL;
	}
	return s;
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
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
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
