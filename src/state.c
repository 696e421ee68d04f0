#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One tracked resolver. The id handed out is the index in st->entries, so it stays stable:
 * removed entries keep their slot (flagged) instead of shifting the others. */
struct entry {
	struct pt_resolver resolver;
	bool removed;
	bool has_reply;
	enum pt_reply_result result;
	struct pt_answer answer;
	double rtt_ms;
	uint64_t received_ns;
	int err;
	unsigned queries;
	/* last DATA/NODATA/NXDOMAIN answer, the reference for "changed" (failures in between
	 * are not changes of answer) */
	struct pt_answer last_good;
	bool has_last_good;
	uint64_t changed_ns;
	struct pt_change history[PT_HISTORY_MAX];
	size_t nhistory;
};

struct pt_state {
	pthread_mutex_t lock;
	pt_clock_fn clock;
	char domain[256];
	uint16_t qtype;
	uint64_t target_gen;
	struct entry *entries;
	size_t nentries;
	size_t cap;
	struct pt_truth truth;
	/* set_truth was called with source NONE: no authoritative server answered, so the
	 * snapshot falls back to the majority */
	bool truth_looked;
	uint64_t generation;
	uint64_t start_ns;
	bool was_converged;
	uint64_t converged_ns;
	uint64_t truth_changed_ns;
	struct pt_progress progress[PT_PROGRESS_MAX];
	size_t nprogress;
	bool keep_events;
	struct pt_event *events;
	size_t nevents;
	size_t events_cap;
	int wake_rd;
	int wake_wr;
};

static const char *const verdict_names[PT_VERDICT_COUNT] = {
	"pending", "match", "differ", "negative", "servfail", "refused", "timeout", "error",
};

const char *pt_verdict_name(enum pt_verdict v)
{
	if ((unsigned)v >= PT_VERDICT_COUNT) {
		return "error";
	}
	return verdict_names[v];
}

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
	free(s);
}

static bool is_judgeable(const struct pt_answer *a)
{
	return a->kind == PT_ANSWER_DATA || a->kind == PT_ANSWER_NODATA ||
	       a->kind == PT_ANSWER_NXDOMAIN;
}

enum pt_verdict pt_state_judge(const struct pt_truth *truth, enum pt_reply_result result,
			       const struct pt_answer *answer)
{
	switch (result) {
	case PT_REPLY_OK:
		break;
	case PT_REPLY_TIMEOUT:
	case PT_REPLY_UNREACHABLE:
		return PT_VERDICT_TIMEOUT;
	default:
		return PT_VERDICT_ERROR;
	}
	if (answer->kind == PT_ANSWER_RCODE) {
		if (answer->rcode == 2) {
			return PT_VERDICT_SERVFAIL;
		}
		if (answer->rcode == 5) {
			return PT_VERDICT_REFUSED;
		}
		return PT_VERDICT_ERROR;
	}
	/* A referral from a resolver means it would not recurse for us: unusable. */
	if (!is_judgeable(answer)) {
		return PT_VERDICT_ERROR;
	}
	if (truth == NULL || truth->source == PT_TRUTH_NONE) {
		return PT_VERDICT_PENDING;
	}
	bool truth_data = truth->answer.kind == PT_ANSWER_DATA;
	bool data = answer->kind == PT_ANSWER_DATA;

	if (truth_data != data) {
		return PT_VERDICT_NEGATIVE;
	}
	return pt_answer_same(&truth->answer, answer) ? PT_VERDICT_MATCH : PT_VERDICT_DIFFER;
}

long pt_row_ttl_left(const struct pt_row *row, uint64_t now_ns)
{
	if (!row->has_reply || row->result != PT_REPLY_OK || !row->answer.has_ttl) {
		return -1;
	}
	uint64_t elapsed =
		now_ns > row->received_ns ? (now_ns - row->received_ns) / PT_NS_PER_S : 0;

	return elapsed >= row->answer.ttl ? 0 : (long)(row->answer.ttl - elapsed);
}

static void wake(struct pt_state *st)
{
	char b = 1;

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
	st->clock = clock != NULL ? clock : pt_clock_monotonic;
	st->qtype = qtype;
	st->target_gen = 1;
	st->start_ns = st->clock();
	return st;
}

static void entry_clear(struct entry *e)
{
	pt_answer_fini(&e->answer);
	pt_answer_fini(&e->last_good);
	struct pt_resolver keep = e->resolver;
	bool removed = e->removed;

	memset(e, 0, sizeof(*e));
	e->resolver = keep;
	e->removed = removed;
}

static void events_clear(struct pt_state *st)
{
	for (size_t i = 0; i < st->nevents; i++) {
		pt_event_fini(&st->events[i]);
	}
	st->nevents = 0;
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
	events_clear(st);
	free(st->events);
	pt_truth_fini(&st->truth);
	close(st->wake_rd);
	close(st->wake_wr);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

enum pt_status pt_state_add(struct pt_state *st, const struct pt_resolver *r, uint64_t *id)
{
	enum pt_status rc = PT_OK;

	pthread_mutex_lock(&st->lock);
	if (st->nentries == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct entry *n = realloc(st->entries, cap * sizeof(*n));

		if (n == NULL) {
			rc = PT_ERR_NOMEM;
			goto out;
		}
		st->entries = n;
		st->cap = cap;
	}
	memset(&st->entries[st->nentries], 0, sizeof(struct entry));
	st->entries[st->nentries].resolver = *r;
	if (id != NULL) {
		*id = st->nentries;
	}
	st->nentries++;
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
	if (id < st->nentries && !st->entries[id].removed) {
		st->entries[id].removed = true;
		entry_clear(&st->entries[id]);
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
	for (size_t i = 0; i < st->nentries; i++) {
		entry_clear(&st->entries[i]);
	}
	pt_truth_fini(&st->truth);
	st->truth_looked = false;
	st->was_converged = false;
	st->converged_ns = 0;
	st->truth_changed_ns = 0;
	st->nprogress = 0;
	st->start_ns = st->clock();
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

/* Summary of an answer for history lines; rows and snapshots use output.c for display. */
static void summarise(char *buf, size_t size, const struct pt_answer *a)
{
	size_t used = 0;

	buf[0] = '\0';
	if (a->kind == PT_ANSWER_NXDOMAIN) {
		snprintf(buf, size, "NXDOMAIN");
		return;
	}
	if (a->kind == PT_ANSWER_NODATA) {
		snprintf(buf, size, "NODATA");
		return;
	}
	for (size_t i = 0; i < a->count && used + 1 < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? " | " : "", a->rdata[i]);

		if (n < 0) {
			break;
		}
		used += (size_t)n;
	}
}

/* Append an event; called with the lock held. A failed allocation drops the event rather
 * than the reply: the state stays right, only the stream misses a line. */
static struct pt_event *event_push(struct pt_state *st, enum pt_event_kind kind, uint64_t now)
{
	if (st->nevents == st->events_cap) {
		size_t cap = st->events_cap ? st->events_cap * 2 : 64;
		struct pt_event *n = realloc(st->events, cap * sizeof(*n));

		if (n == NULL) {
			return NULL;
		}
		st->events = n;
		st->events_cap = cap;
	}
	struct pt_event *ev = &st->events[st->nevents++];

	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->at_ns = now;
	ev->wall_ms = pt_clock_wall_ms();
	return ev;
}

void pt_state_publish(struct pt_state *st, uint64_t id, uint64_t generation,
		      const struct pt_reply *reply)
{
	struct pt_answer copy = { 0 };

	/* Copy outside the lock: allocation is the slow part. */
	if (reply->result == PT_REPLY_OK && pt_answer_copy(&copy, &reply->answer) != PT_OK) {
		return;
	}
	pthread_mutex_lock(&st->lock);
	if (generation != st->target_gen || id >= st->nentries || st->entries[id].removed) {
		pthread_mutex_unlock(&st->lock);
		pt_answer_fini(&copy);
		return;
	}
	struct entry *e = &st->entries[id];
	uint64_t now = reply->received_ns ? reply->received_ns : st->clock();
	enum pt_verdict v = pt_state_judge(&st->truth, reply->result, &copy);

	pt_answer_fini(&e->answer);
	e->answer = copy;
	e->has_reply = true;
	e->result = reply->result;
	e->rtt_ms = reply->rtt_ms;
	e->received_ns = now;
	e->err = reply->err;
	e->queries++;
	if (st->keep_events) {
		struct pt_event *ev = event_push(st, PT_EVENT_ANSWER, now);

		if (ev != NULL) {
			ev->resolver = e->resolver;
			ev->verdict = v;
			ev->result = reply->result;
			ev->rtt_ms = reply->rtt_ms;
			if (pt_answer_copy(&ev->answer, &copy) != PT_OK) {
				st->nevents--;
			}
		}
	}
	if (reply->result == PT_REPLY_OK && is_judgeable(&copy) &&
	    (!e->has_last_good || !pt_answer_same(&e->last_good, &copy))) {
		bool first = !e->has_last_good;
		struct pt_change *h;

		if (!first && st->keep_events) {
			struct pt_event *ev = event_push(st, PT_EVENT_CHANGE, now);

			if (ev != NULL) {
				ev->resolver = e->resolver;
				ev->verdict = v;
				ev->from_verdict =
					pt_state_judge(&st->truth, PT_REPLY_OK, &e->last_good);
				if (pt_answer_copy(&ev->answer, &copy) != PT_OK ||
				    pt_answer_copy(&ev->from, &e->last_good) != PT_OK) {
					pt_event_fini(ev);
					st->nevents--;
				}
			}
		}
		pt_answer_fini(&e->last_good);
		if (pt_answer_copy(&e->last_good, &copy) == PT_OK) {
			e->has_last_good = true;
		}
		if (!first) {
			e->changed_ns = now;
		}
		if (e->nhistory == PT_HISTORY_MAX) {
			memmove(&e->history[0], &e->history[1],
				(PT_HISTORY_MAX - 1) * sizeof(e->history[0]));
			e->nhistory--;
		}
		h = &e->history[e->nhistory++];
		h->at_ns = now;
		h->wall_ms = pt_clock_wall_ms();
		h->verdict = v;
		summarise(h->summary, sizeof(h->summary), &copy);
	}
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
	bool changed = st->truth.source != copy.source ||
		       !pt_answer_same(&st->truth.answer, &copy.answer) ||
		       st->truth.has_serial != copy.has_serial || st->truth.serial != copy.serial;

	if (changed && st->keep_events && copy.source != PT_TRUTH_NONE) {
		struct pt_event *ev = event_push(st, PT_EVENT_TRUTH, st->clock());

		if (ev != NULL) {
			ev->source = copy.source;
			ev->serial = copy.serial;
			ev->has_serial = copy.has_serial;
			if (pt_answer_copy(&ev->answer, &copy.answer) != PT_OK) {
				st->nevents--;
			}
		}
	}
	/* A change of the answer itself (not the first finding, not a serial bump alone) is
	 * the moment propagation starts: views count convergence from it. */
	if (st->truth.source != PT_TRUTH_NONE && copy.source != PT_TRUTH_NONE &&
	    !pt_answer_same(&st->truth.answer, &copy.answer)) {
		st->truth_changed_ns = st->clock();
	}
	pt_truth_fini(&st->truth);
	st->truth = copy;
	st->truth_looked = true;
	st->generation++;
	pthread_mutex_unlock(&st->lock);
	wake(st);
}

/* Index of @p a among @p keys (answers already seen), or -1. */
static int group_find(const struct pt_answer *const *keys, size_t n, const struct pt_answer *a)
{
	for (size_t i = 0; i < n; i++) {
		if (pt_answer_same(keys[i], a)) {
			return (int)i;
		}
	}
	return -1;
}

/* Group rows by distinct answer: group 0 is the truth's, the others by descending size.
 * Called without the lock, on the snapshot. */
static void assign_groups(struct pt_snapshot *s)
{
	enum { MAXG = 16 };
	const struct pt_answer *keys[MAXG];
	size_t sizes[MAXG] = { 0 };
	size_t nkeys = 0;
	int order[MAXG];

	if (s->truth.source != PT_TRUTH_NONE) {
		keys[nkeys++] = &s->truth.answer;
	}
	for (size_t i = 0; i < s->nrows; i++) {
		struct pt_row *r = &s->rows[i];

		r->group = -1;
		if (!r->has_reply || r->result != PT_REPLY_OK || !is_judgeable(&r->answer)) {
			continue;
		}
		int g = group_find(keys, nkeys, &r->answer);

		if (g < 0 && nkeys < MAXG) {
			g = (int)nkeys;
			keys[nkeys++] = &r->answer;
		} else if (g < 0) {
			g = MAXG - 1;
		}
		sizes[g]++;
		r->group = g;
	}
	/* Renumber: keep the truth first, sort the rest by size (stable: first seen wins ties). */
	size_t first = s->truth.source != PT_TRUTH_NONE ? 1 : 0;
	int rank[MAXG];

	for (size_t i = 0; i < nkeys; i++) {
		order[i] = (int)i;
	}
	for (size_t i = first + 1; i < nkeys; i++) {
		int cur = order[i];
		size_t j = i;

		while (j > first && sizes[order[j - 1]] < sizes[cur]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = cur;
	}
	for (size_t i = 0; i < nkeys; i++) {
		rank[order[i]] = (int)i;
		s->group_sizes[i] = sizes[order[i]];
	}
	s->ngroups = nkeys;
	for (size_t i = 0; i < s->nrows; i++) {
		if (s->rows[i].group >= 0) {
			s->rows[i].group = rank[s->rows[i].group];
		}
	}
}

bool pt_snapshot_majority(const struct pt_snapshot *s, struct pt_answer *out)
{
	/* Distinct answers are few in practice; past this many, the rest are minorities too
	 * small to matter and are not counted, which keeps this O(rows). */
	enum { MAXD = 256 };
	const struct pt_answer *keys[MAXD];
	size_t counts[MAXD];
	size_t nkeys = 0;
	size_t best = 0;

	for (size_t i = 0; i < s->nrows; i++) {
		const struct pt_row *r = &s->rows[i];
		int k;

		if (!r->has_reply || r->result != PT_REPLY_OK || !is_judgeable(&r->answer)) {
			continue;
		}
		k = group_find(keys, nkeys, &r->answer);
		if (k < 0 && nkeys < MAXD) {
			k = (int)nkeys;
			keys[nkeys] = &r->answer;
			counts[nkeys++] = 0;
		}
		if (k >= 0) {
			counts[k]++;
		}
	}
	if (nkeys == 0) {
		return false;
	}
	/* Ties go to the answer seen first (strictly greater to replace). */
	for (size_t k = 1; k < nkeys; k++) {
		if (counts[k] > counts[best]) {
			best = k;
		}
	}
	return pt_answer_copy(out, keys[best]) == PT_OK;
}

/* Verdicts, counts, groups, convergence and expiry for a snapshot, outside the lock. */
static void judge_snapshot(struct pt_snapshot *s)
{
	bool any_match = false;
	bool all_ok = true;
	uint32_t expires = 0;

	memset(&s->counts, 0, sizeof(s->counts));
	s->counts.total = s->nrows;
	for (size_t i = 0; i < s->nrows; i++) {
		struct pt_row *r = &s->rows[i];
		enum pt_verdict v = PT_VERDICT_PENDING;

		if (r->has_reply) {
			v = pt_state_judge(&s->truth, r->result, &r->answer);
		}
		r->verdict = v;
		s->counts.by[v]++;
		if (v == PT_VERDICT_MATCH) {
			any_match = true;
		} else if (v != PT_VERDICT_REFUSED && v != PT_VERDICT_TIMEOUT) {
			all_ok = false;
		}
		if (v == PT_VERDICT_DIFFER || v == PT_VERDICT_NEGATIVE) {
			long left = pt_row_ttl_left(r, s->taken_ns);

			if (left > (long)expires) {
				expires = (uint32_t)left;
			}
		}
	}
	s->converged = any_match && all_ok;
	s->expires_within = s->converged ? 0 : expires;
	assign_groups(s);
}

/* Add a progress point when the numbers moved; called with the lock held. */
static void record_progress(struct pt_state *st, uint64_t now, uint32_t match, uint32_t judged)
{
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

struct pt_snapshot *pt_state_snapshot(struct pt_state *st)
{
	struct pt_snapshot *s = calloc(1, sizeof(*s));
	bool ok = true;

	if (s == NULL) {
		return NULL;
	}
	pthread_mutex_lock(&st->lock);
	size_t live = 0;

	for (size_t i = 0; i < st->nentries; i++) {
		live += !st->entries[i].removed;
	}
	s->rows = calloc(live ? live : 1, sizeof(*s->rows));
	ok = s->rows != NULL && pt_truth_copy(&s->truth, &st->truth) == PT_OK;
	for (size_t i = 0; ok && i < st->nentries; i++) {
		const struct entry *e = &st->entries[i];
		struct pt_row *r;

		if (e->removed) {
			continue;
		}
		r = &s->rows[s->nrows];
		r->id = i;
		r->resolver = e->resolver;
		r->has_reply = e->has_reply;
		r->result = e->result;
		r->rtt_ms = e->rtt_ms;
		r->received_ns = e->received_ns;
		r->err = e->err;
		r->queries = e->queries;
		r->changed_ns = e->changed_ns;
		memcpy(r->history, e->history, sizeof(r->history));
		r->nhistory = e->nhistory;
		if (pt_answer_copy(&r->answer, &e->answer) != PT_OK) {
			ok = false;
			break;
		}
		s->nrows++;
	}
	memcpy(s->domain, st->domain, sizeof(s->domain));
	s->qtype = st->qtype;
	s->generation = st->generation;
	s->start_ns = st->start_ns;
	s->taken_ns = st->clock();
	bool looked = st->truth_looked;

	pthread_mutex_unlock(&st->lock);
	if (!ok) {
		pt_snapshot_free(s);
		return NULL;
	}
	if (s->truth.source == PT_TRUTH_NONE && looked &&
	    pt_snapshot_majority(s, &s->truth.answer)) {
		s->truth.source = PT_TRUTH_MAJORITY;
	}
	judge_snapshot(s);

	/* Remember when convergence was reached, so views can say how long it took, and the
	 * share matching whenever it moved. Skipped when the target changed meanwhile. */
	uint32_t match = (uint32_t)s->counts.by[PT_VERDICT_MATCH];
	uint32_t judged = (uint32_t)(s->counts.total - s->counts.by[PT_VERDICT_REFUSED] -
				     s->counts.by[PT_VERDICT_TIMEOUT]);

	pthread_mutex_lock(&st->lock);
	if (s->start_ns == st->start_ns) {
		if (s->converged && !st->was_converged) {
			st->converged_ns = s->taken_ns;
		}
		st->was_converged = s->converged;
		record_progress(st, s->taken_ns, match, judged);
	}
	s->converged_ns = s->converged ? st->converged_ns : 0;
	s->truth_changed_ns = st->truth_changed_ns;
	memcpy(s->progress, st->progress, st->nprogress * sizeof(st->progress[0]));
	s->nprogress = st->nprogress;
	pthread_mutex_unlock(&st->lock);
	return s;
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
}

void pt_state_wake(struct pt_state *st)
{
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

/* The majority of the latest answers, as a truth; called with the lock held. */
static bool entries_majority(const struct pt_state *st, struct pt_truth *out)
{
	struct pt_snapshot tmp;
	struct pt_row *rows = calloc(st->nentries ? st->nentries : 1, sizeof(*rows));
	bool ok;

	if (rows == NULL) {
		return false;
	}
	/* Rows borrow the entries' answers: pt_snapshot_majority() only reads them. */
	memset(&tmp, 0, sizeof(tmp));
	for (size_t i = 0; i < st->nentries; i++) {
		const struct entry *e = &st->entries[i];

		if (!e->removed && e->has_reply) {
			rows[tmp.nrows].has_reply = true;
			rows[tmp.nrows].result = e->result;
			rows[tmp.nrows].answer = e->answer;
			tmp.nrows++;
		}
	}
	tmp.rows = rows;
	memset(out, 0, sizeof(*out));
	ok = pt_snapshot_majority(&tmp, &out->answer);
	out->source = ok ? PT_TRUTH_MAJORITY : PT_TRUTH_NONE;
	free(rows);
	return ok;
}

size_t pt_state_events(struct pt_state *st, struct pt_event **out)
{
	size_t n;
	struct pt_truth majority;
	const struct pt_truth *truth = &st->truth;

	*out = NULL;
	pthread_mutex_lock(&st->lock);
	/* Replies that came before the truth was known were judged "pending": hold them until
	 * it is, then judge them against it, so the stream never reports a verdict it lacked. */
	if (!st->truth_looked) {
		pthread_mutex_unlock(&st->lock);
		return 0;
	}
	memset(&majority, 0, sizeof(majority));
	if (truth->source == PT_TRUTH_NONE && entries_majority(st, &majority)) {
		truth = &majority;
	}
	n = st->nevents;
	for (size_t i = 0; i < n; i++) {
		struct pt_event *ev = &st->events[i];

		if (ev->kind == PT_EVENT_TRUTH) {
			continue;
		}
		if (ev->verdict == PT_VERDICT_PENDING) {
			ev->verdict = pt_state_judge(truth, ev->result, &ev->answer);
		}
		if (ev->kind == PT_EVENT_CHANGE && ev->from_verdict == PT_VERDICT_PENDING) {
			ev->from_verdict = pt_state_judge(truth, PT_REPLY_OK, &ev->from);
		}
	}
	if (n) {
		*out = st->events;
		st->events = NULL;
		st->nevents = 0;
		st->events_cap = 0;
	}
	pthread_mutex_unlock(&st->lock);
	pt_truth_fini(&majority);
	return n;
}
