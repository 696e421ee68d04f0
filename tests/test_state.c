/* Verdicts, convergence, expiry, groups and the publish/snapshot protocol of src/state.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/ioctl.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"


/* The text of a change, as the details view shows it. */
static const char *said(const struct pt_change *c)
{
	static char buf[120];

	return pt_change_summary(buf, sizeof(buf), c);
}

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static struct pt_answer data(const char *a, const char *b, uint32_t ttl)
{
	struct pt_answer x;

	memset(&x, 0, sizeof(x));
	x.kind = PT_ANSWER_DATA;
	x.rdata = calloc(2, sizeof(char *));
	x.rdata[x.count++] = strdup(a);
	if (b != NULL) {
		x.rdata[x.count++] = strdup(b);
	}
	x.ttl = ttl;
	x.has_ttl = true;
	x.ede = -1;
	return x;
}

static struct pt_answer negative(enum pt_answer_kind kind, int rcode, uint32_t ttl)
{
	struct pt_answer x;

	memset(&x, 0, sizeof(x));
	x.kind = kind;
	x.rcode = rcode;
	x.ttl = ttl;
	x.has_ttl = ttl > 0;
	return x;
}

static struct pt_resolver resolver(const char *addr)
{
	struct pt_resolver r;

	assert_int_equal(pt_resolver_parse_address(&r, addr, NULL, 0), PT_OK);
	return r;
}

static void publish(struct pt_state *st, uint64_t id, enum pt_reply_result res,
		    struct pt_answer a)
{
	struct pt_reply rep;

	memset(&rep, 0, sizeof(rep));
	rep.result = res;
	rep.answer = a;
	rep.rtt_ms = 1.5;
	rep.received_ns = fake_now;
	pt_state_publish(st, id, pt_state_target_generation(st), &rep);
	pt_answer_fini(&rep.answer);
}

static void set_truth(struct pt_state *st, enum pt_truth_source src, struct pt_answer a)
{
	struct pt_truth t;

	memset(&t, 0, sizeof(t));
	t.source = src;
	t.answer = a;
	t.serial = 7;
	t.has_serial = true;
	pt_state_set_truth(st, &t);
	pt_truth_fini(&t);
}

static struct pt_state *new_state(size_t n)
{
	struct pt_state *st = pt_state_new("Example.COM", 15, fake_clock);
	char addr[32];

	assert_non_null(st);
	for (size_t i = 0; i < n; i++) {
		struct pt_resolver r;

		snprintf(addr, sizeof(addr), "127.0.0.%zu", i + 1);
		r = resolver(addr);
		assert_int_equal(pt_state_add(st, i, &r), PT_OK);
	}
	return st;
}

/* Ids may skip: the entries between are not resolvers, whatever the memory held before (the
 * entries' spare capacity is zeroed as ids come into use, not when it grows). */
static void test_sparse_ids(void **unused)
{
	struct pt_state *st = pt_state_new("example.com", 15, fake_clock);
	struct pt_resolver r = resolver("127.0.0.1");
	struct pt_snapshot *s;

	(void)unused;
	assert_non_null(st);
	assert_int_equal(pt_state_add(st, 0, &r), PT_OK);
	r = resolver("127.0.0.2");
	assert_int_equal(pt_state_add(st, 70, &r), PT_OK);
	r = resolver("127.0.0.3");
	assert_int_equal(pt_state_add(st, 1000, &r), PT_OK);
	assert_int_equal(pt_state_add(st, 1000, &r), PT_ERR_PARSE);
	/* a skipped id was never added; an added one reads back */
	assert_false(pt_state_resolver(st, 5, &r));
	assert_false(pt_state_resolver(st, 1001, &r));
	assert_true(pt_state_resolver(st, 70, &r));
	assert_string_equal(r.address, "127.0.0.2");
	s = pt_state_snapshot(st);
	assert_non_null(s);
	assert_int_equal(s->nrows, 3);
	assert_int_equal(s->counts.total, 3);
	assert_int_equal(s->rows[2].id, 1000);
	assert_string_equal(s->rows[1].resolver->address, "127.0.0.2");
	pt_snapshot_free(s);
	pt_state_free(st);
}

static void test_convergence_and_expiry(void **unused)
{
	struct pt_state *st = new_state(4);
	struct pt_snapshot *s;

	(void)unused;
	fake_now = 1000 * PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 40));
	publish(st, 1, PT_REPLY_OK, data("10 new.", NULL, 300));
	publish(st, 2, PT_REPLY_TIMEOUT, negative(PT_ANSWER_DATA, 0, 0));
	/* Before the truth is known nothing matches. */
	s = pt_state_snapshot(st);
	assert_false(s->converged);
	assert_int_equal(s->counts.by[PT_VERDICT_PENDING], 3);
	pt_snapshot_free(s);

	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	fake_now += 15 * PT_NS_PER_S;
	s = pt_state_snapshot(st);
	assert_false(s->converged);
	assert_int_equal(s->counts.by[PT_VERDICT_MATCH], 1);
	assert_int_equal(s->counts.by[PT_VERDICT_DIFFER], 1);
	assert_int_equal(s->counts.by[PT_VERDICT_TIMEOUT], 1);
	assert_int_equal(s->counts.by[PT_VERDICT_PENDING], 1);
	/* 40 s TTL received 15 s ago: the old answer must be gone within 25 s. */
	assert_int_equal(s->expires_within, 25);
	assert_int_equal(pt_row_ttl_left(&s->rows[0], s->taken_ns), 25);
	assert_int_equal(pt_row_ttl_left(&s->rows[2], s->taken_ns), -1);
	/* Groups: truth first (1 row), then the old answer. */
	assert_int_equal(s->ngroups, 2);
	assert_int_equal(s->rows[1].group, 0);
	assert_int_equal(s->rows[0].group, 1);
	assert_int_equal(s->rows[2].group, -1);
	pt_snapshot_free(s);

	/* Pending rows keep it unconverged; refused and timeouts do not. */
	publish(st, 3, PT_REPLY_OK, negative(PT_ANSWER_RCODE, 5, 0));
	publish(st, 0, PT_REPLY_OK, data("10 new.", NULL, 300));
	s = pt_state_snapshot(st);
	assert_true(s->converged);
	assert_int_equal(s->expires_within, 0);
	assert_int_equal(s->converged_ns, fake_now);
	assert_int_equal(s->rows[0].changed_ns, fake_now);
	assert_int_equal(s->rows[0].nhistory, 2);
	assert_string_equal(said(&s->rows[0].history[1]), "10 new.");
	pt_snapshot_free(s);

	/* A SERVFAIL keeps it unconverged. */
	publish(st, 2, PT_REPLY_OK, negative(PT_ANSWER_RCODE, 2, 0));
	s = pt_state_snapshot(st);
	assert_false(s->converged);
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* The history holds every change of answer and of status, with its reason; an answer that came
 * before the truth gets its verdict, not a "pending" entry; flaps are marked. */
static void test_history_answers_and_status(void **unused)
{
	struct pt_state *st = new_state(1);
	struct pt_snapshot *s;
	const struct pt_row *r;

	(void)unused;
	fake_now = 2000 * PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 40));
	fake_now += PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 old.", NULL, 40));
	s = pt_state_snapshot(st);
	r = &s->rows[0];
	assert_int_equal(r->nhistory, 1);
	assert_int_equal(r->history[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(r->history[0].reason, PT_CHANGE_ANSWER);
	pt_snapshot_free(s);

	/* the truth moves: same answer, new status, said why */
	fake_now += PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 40));
	/* a timeout, then the same answer again: two changes of status */
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_TIMEOUT, negative(PT_ANSWER_DATA, 0, 0));
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 40));
	/* the same answer once more: nothing new */
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 39));
	/* new, old again (a flap), new again (a flap too) */
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 new.", NULL, 40));
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 40));
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 new.", NULL, 40));
	s = pt_state_snapshot(st);
	r = &s->rows[0];
	assert_int_equal(r->nhistory, 7);
	assert_int_equal(r->history[1].verdict, PT_VERDICT_DIFFER);
	assert_int_equal(r->history[1].reason, PT_CHANGE_TRUTH);
	assert_string_equal(said(&r->history[1]), "10 old.");
	assert_int_equal(r->history[1].at_ns, 2002 * PT_NS_PER_S);
	assert_int_equal(r->history[2].verdict, PT_VERDICT_TIMEOUT);
	assert_int_equal(r->history[2].reason, PT_CHANGE_ANSWER);
	assert_string_equal(said(&r->history[2]), "timeout");
	assert_int_equal(r->history[2].hash, 0);
	assert_int_equal(r->history[3].verdict, PT_VERDICT_DIFFER);
	assert_false(r->history[3].reverted);
	assert_int_equal(r->history[4].verdict, PT_VERDICT_MATCH);
	assert_false(r->history[4].reverted);
	assert_int_equal(r->history[5].verdict, PT_VERDICT_DIFFER);
	assert_true(r->history[5].reverted);
	assert_true(r->history[6].reverted);
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* A snapshot's rows share the state's histories: what the state records afterwards (a new
 * change, a pending verdict filled in, the oldest change dropped at PT_HISTORY_MAX) is not
 * seen by a snapshot taken before it, whose rows keep what they showed. */
static void test_history_shared_is_frozen(void **unused)
{
	struct pt_state *st = new_state(1);
	struct pt_snapshot *s1, *s2, *s3;

	(void)unused;
	fake_now = 3000 * PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 40));
	s1 = pt_state_snapshot(st);
	assert_int_equal(s1->rows[0].nhistory, 1);
	assert_int_equal(s1->rows[0].history[0].verdict, PT_VERDICT_PENDING);
	/* the truth arrives: the pending change gets its verdict, in the state only */
	fake_now += PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 old.", NULL, 40));
	s2 = pt_state_snapshot(st);
	assert_int_equal(s2->rows[0].history[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s1->rows[0].history[0].verdict, PT_VERDICT_PENDING);
	/* many more changes: past PT_HISTORY_MAX the oldest goes, in the state only */
	for (int i = 0; i < PT_HISTORY_MAX + 3; i++) {
		fake_now += PT_NS_PER_S;
		publish(st, 0, PT_REPLY_OK, data(i % 2 ? "10 old." : "10 new.", NULL, 40));
	}
	s3 = pt_state_snapshot(st);
	assert_int_equal(s3->rows[0].nhistory, PT_HISTORY_MAX);
	assert_int_equal(s3->rows[0].history[PT_HISTORY_MAX - 1].at_ns, fake_now);
	assert_int_equal(s1->rows[0].nhistory, 1);
	assert_int_equal(s1->rows[0].history[0].verdict, PT_VERDICT_PENDING);
	assert_string_equal(said(&s1->rows[0].history[0]), "10 old.");
	assert_int_equal(s2->rows[0].nhistory, 1);
	assert_int_equal(s2->rows[0].history[0].at_ns, 3000 * PT_NS_PER_S);
	pt_snapshot_free(s2);
	pt_snapshot_free(s1);
	/* the state's history is its own again: changed in place, still right */
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_TIMEOUT, negative(PT_ANSWER_DATA, 0, 0));
	pt_snapshot_free(s3);
	s1 = pt_state_snapshot(st);
	assert_int_equal(s1->rows[0].nhistory, PT_HISTORY_MAX);
	assert_int_equal(s1->rows[0].history[PT_HISTORY_MAX - 1].verdict, PT_VERDICT_TIMEOUT);
	assert_int_equal(s1->rows[0].history[PT_HISTORY_MAX - 2].at_ns, fake_now - PT_NS_PER_S);
	pt_snapshot_free(s1);
	pt_state_free(st);
}

static void test_nothing_answered_is_not_converged(void **unused)
{
	struct pt_state *st = new_state(2);
	struct pt_snapshot *s;

	(void)unused;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	publish(st, 0, PT_REPLY_TIMEOUT, negative(PT_ANSWER_DATA, 0, 0));
	publish(st, 1, PT_REPLY_OK, negative(PT_ANSWER_RCODE, 5, 0));
	s = pt_state_snapshot(st);
	assert_false(s->converged);
	pt_snapshot_free(s);
	pt_state_free(st);
}

static void test_majority_only_when_no_authority(void **unused)
{
	struct pt_state *st = new_state(3);
	struct pt_snapshot *s;
	struct pt_truth none;

	(void)unused;
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 60));
	publish(st, 1, PT_REPLY_OK, data("10 b.", NULL, 60));
	publish(st, 2, PT_REPLY_OK, data("10 b.", NULL, 60));
	s = pt_state_snapshot(st);
	assert_int_equal(s->truth.source, PT_TRUTH_NONE);
	pt_snapshot_free(s);
	memset(&none, 0, sizeof(none));
	pt_state_set_truth(st, &none);
	s = pt_state_snapshot(st);
	assert_int_equal(s->truth.source, PT_TRUTH_MAJORITY);
	assert_string_equal(s->truth.answer.rdata[0], "10 b.");
	assert_int_equal(s->counts.by[PT_VERDICT_MATCH], 2);
	assert_int_equal(s->counts.by[PT_VERDICT_DIFFER], 1);
	pt_snapshot_free(s);
	pt_state_free(st);
}

static void test_events_and_retarget(void **unused)
{
	struct pt_state *st = new_state(1);
	struct pt_event *evs;
	size_t n;

	(void)unused;
	pt_state_keep_events(st, true);
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 30));
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 29));
	publish(st, 0, PT_REPLY_OK, data("10 new.", NULL, 300));
	n = pt_state_events(st, false, &evs);
	/* truth, 3 answers, 1 change (the first answer is not a change, nor a repeat), then
	 * the verdicts converged */
	assert_int_equal(n, 6);
	assert_int_equal(evs[0].kind, PT_EVENT_TRUTH);
	assert_int_equal(evs[4].kind, PT_EVENT_CHANGE);
	assert_int_equal(evs[5].kind, PT_EVENT_CONVERGED);
	assert_int_equal(evs[5].counts.by[PT_VERDICT_MATCH], 1);
	assert_string_equal(evs[4].from.rdata[0], "10 old.");
	assert_string_equal(evs[4].answer.rdata[0], "10 new.");
	assert_int_equal(evs[4].verdict, PT_VERDICT_MATCH);
	assert_int_equal(evs[4].from_verdict, PT_VERDICT_DIFFER);
	for (size_t i = 0; i < n; i++) {
		pt_event_fini(&evs[i]);
	}
	free(evs);

	/* A reply for the old target is ignored after a retarget. */
	uint64_t old = pt_state_target_generation(st);
	struct pt_reply rep;
	struct pt_snapshot *s;

	assert_int_equal(pt_state_retarget(st, "other.example", 1), PT_OK);
	memset(&rep, 0, sizeof(rep));
	rep.result = PT_REPLY_OK;
	rep.answer = data("192.0.2.1", NULL, 5);
	pt_state_publish(st, 0, old, &rep);
	pt_answer_fini(&rep.answer);
	s = pt_state_snapshot(st);
	assert_string_equal(s->domain, "other.example.");
	assert_int_equal(s->qtype, 1);
	assert_false(s->rows[0].has_reply);
	assert_int_equal(s->truth.source, PT_TRUTH_NONE);
	pt_snapshot_free(s);
	assert_int_equal(pt_state_retarget(st, "bad..name", 1), PT_ERR_PARSE);
	pt_state_free(st);
}

static void test_remove_keeps_ids(void **unused)
{
	struct pt_state *st = new_state(3);
	struct pt_snapshot *s;

	(void)unused;
	pt_state_remove(st, 1);
	publish(st, 1, PT_REPLY_OK, data("10 a.", NULL, 60));
	publish(st, 2, PT_REPLY_OK, data("10 a.", NULL, 60));
	s = pt_state_snapshot(st);
	assert_int_equal(s->nrows, 2);
	assert_int_equal(s->rows[1].id, 2);
	assert_true(s->rows[1].has_reply);
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* Several publishers and one reader; the reader only records, the main thread asserts. */
struct stress {
	struct pt_state *st;
	uint64_t id;
	size_t bad;
};

static void *publisher(void *arg)
{
	struct stress *x = arg;

	for (int i = 0; i < 2000; i++) {
		publish(x->st, x->id, PT_REPLY_OK, data(i % 2 ? "10 a." : "10 b.", NULL, 60));
	}
	return NULL;
}

static void test_stress_publish_snapshot(void **unused)
{
	enum { N = 4 };
	struct pt_state *st = new_state(N);
	struct stress x[N];
	pthread_t th[N];
	size_t bad = 0;

	(void)unused;
	pt_state_keep_events(st, true);
	for (int i = 0; i < N; i++) {
		x[i] = (struct stress){ .st = st, .id = (uint64_t)i };
		pthread_create(&th[i], NULL, publisher, &x[i]);
	}
	for (int k = 0; k < 200; k++) {
		struct pt_snapshot *s = pt_state_snapshot(st);
		struct pt_event *evs;
		size_t n = pt_state_events(st, false, &evs);

		bad += s == NULL || s->nrows != N;
		for (size_t i = 0; i < n; i++) {
			pt_event_fini(&evs[i]);
		}
		free(evs);
		pt_snapshot_free(s);
		pt_state_drain(st);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
	}
	assert_int_equal(bad, 0);
	struct pt_snapshot *s = pt_state_snapshot(st);

	for (int i = 0; i < N; i++) {
		assert_int_equal(s->rows[i].queries, 2000);
	}
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* A snapshot after one change builds one chunk and shares the rest (the same memory), without
 * copying an answer; the earlier snapshot is untouched; it outlives the state. */
static void test_snapshot_builds_what_changed(void **unused)
{
	enum { N = 200 };
	struct pt_state *st = new_state(N);
	struct pt_snapshot *a, *b, *c, *d, *f;
	size_t k = 100 / PT_CHUNK_ROWS;

	(void)unused;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 a.", NULL, 60));
	for (size_t i = 0; i < N; i++) {
		publish(st, i, PT_REPLY_OK, data("10 a.", NULL, 60));
	}
	a = pt_state_view(st);
	assert_non_null(a);
	assert_null(a->rows);
	assert_int_equal(a->nrows, N);
	assert_int_equal(a->nchunks, (N + PT_CHUNK_ROWS - 1) / PT_CHUNK_ROWS);
	assert_int_equal(a->chunks_built, a->nchunks);

	/* nothing changed: nothing built */
	b = pt_state_view(st);
	assert_int_equal(b->chunks_built, 0);
	for (size_t i = 0; i < a->nchunks; i++) {
		assert_ptr_equal(a->chunks[i], b->chunks[i]);
	}

	/* one reply: its chunk only */
	fake_now += PT_NS_PER_S;
	publish(st, 100, PT_REPLY_OK, data("10 a.", NULL, 60));
	c = pt_state_view(st);
	assert_int_equal(c->chunks_built, 1);
	for (size_t i = 0; i < a->nchunks; i++) {
		if (i == k) {
			assert_ptr_not_equal(a->chunks[i], c->chunks[i]);
		} else {
			assert_ptr_equal(a->chunks[i], c->chunks[i]);
		}
	}
	assert_ptr_equal(pt_snapshot_row(a, 5), pt_snapshot_row(c, 5));
	assert_int_equal(pt_snapshot_row(c, 100)->id, 100);
	assert_int_equal(pt_snapshot_row(c, 100)->queries, 2);
	assert_int_equal(pt_snapshot_row(a, 100)->queries, 1);
	assert_int_equal(pt_snapshot_row(c, 100)->received_ns, fake_now);
	/* its neighbour in the rebuilt chunk shares its answer with the old chunk */
	assert_ptr_not_equal(pt_snapshot_row(a, 101), pt_snapshot_row(c, 101));
	assert_ptr_equal(pt_snapshot_row(a, 101)->answer.rdata,
			 pt_snapshot_row(c, 101)->answer.rdata);
	assert_string_equal(pt_snapshot_row(c, 101)->answer.rdata[0], "10 a.");
	assert_int_equal(pt_snapshot_row(c, 101)->group, 0);
	assert_int_equal(pt_snapshot_row(c, 101)->nhistory, 1);

	/* the flat array: the same rows, nothing built */
	f = pt_state_snapshot(st);
	assert_non_null(f->rows);
	assert_int_equal(f->chunks_built, 0);
	assert_int_equal(f->rows[100].queries, 2);
	assert_ptr_equal(f->rows[7].answer.rdata, pt_snapshot_row(c, 7)->answer.rdata);
	assert_ptr_equal(pt_snapshot_row(f, 7), &f->rows[7]);

	/* a removal: its chunk, and the rows after it move up */
	pt_state_remove(st, 50);
	d = pt_state_view(st);
	assert_int_equal(d->nrows, N - 1);
	assert_int_equal(d->chunks_built, 1);
	assert_int_not_equal(d->rows_generation, c->rows_generation);
	assert_int_equal(c->rows_generation, a->rows_generation);
	assert_int_equal(pt_snapshot_row(d, 49)->id, 49);
	assert_int_equal(pt_snapshot_row(d, 50)->id, 51);
	assert_int_equal(pt_snapshot_row(d, N - 2)->id, N - 1);

	/* a new truth changes every verdict: every chunk */
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 b.", NULL, 60));
	pt_snapshot_free(b);
	b = pt_state_view(st);
	assert_int_equal(b->chunks_built, b->nchunks);
	assert_int_equal(pt_snapshot_row(b, 0)->verdict, PT_VERDICT_DIFFER);
	assert_int_equal(pt_snapshot_row(a, 0)->verdict, PT_VERDICT_MATCH);

	/* snapshots outlive the state */
	pt_state_free(st);
	assert_string_equal(pt_snapshot_row(d, 120)->answer.rdata[0], "10 a.");
	pt_snapshot_free(a);
	pt_snapshot_free(b);
	pt_snapshot_free(c);
	pt_snapshot_free(d);
	pt_snapshot_free(f);
}

/* A resolver's CH TXT identity and a SERVFAIL's answer with CD are changes of one resolver:
 * the next view builds its chunk alone (they once rebuilt every chunk, a 100,000 dashboard's
 * whole list at every SERVFAIL's retry). */
static void test_identity_and_cd_build_one_chunk(void **unused)
{
	enum { N = 200 };
	struct pt_state *st = new_state(N);
	struct pt_snapshot *a, *b, *c;

	(void)unused;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 a.", NULL, 60));
	for (size_t i = 0; i < N; i++) {
		if (i == 100) {
			publish(st, i, PT_REPLY_OK, negative(PT_ANSWER_RCODE, 2, 0));
		} else {
			publish(st, i, PT_REPLY_OK, data("10 a.", NULL, 60));
		}
	}
	a = pt_state_view(st);
	assert_int_equal(a->chunks_built, a->nchunks);

	pt_state_set_identity(st, 70, PT_IDENTITY_ID_SERVER, "fra1");
	b = pt_state_view(st);
	assert_int_equal(b->chunks_built, 1);
	assert_string_equal(pt_snapshot_row(b, 70)->id_server, "fra1");
	assert_string_equal(pt_snapshot_row(a, 70)->id_server, "");
	assert_ptr_equal(pt_snapshot_row(a, 100), pt_snapshot_row(b, 100));
	assert_int_not_equal(a->generation, b->generation);

	pt_state_set_dnssec(st, 100, pt_state_target_generation(st), true, 0);
	c = pt_state_view(st);
	assert_int_equal(c->chunks_built, 1);
	assert_true(pt_snapshot_row(c, 100)->dnssec_failure);
	assert_false(pt_snapshot_row(b, 100)->dnssec_failure);
	assert_ptr_equal(pt_snapshot_row(b, 70), pt_snapshot_row(c, 70));
	assert_int_not_equal(b->generation, c->generation);

	pt_snapshot_free(a);
	pt_snapshot_free(b);
	pt_snapshot_free(c);
	pt_state_free(st);
}

/* The rows from a vantage source, counted per chunk in a view (the header's "sources:" split
 * asks at every snapshot) and row by row in a flat snapshot: the same number. */
static void test_snapshot_counts_probes(void **unused)
{
	enum { N = 100 };
	struct pt_state *st = new_state(N);
	struct pt_resolver r = resolver("127.0.1.1");
	struct pt_snapshot *a, *b, *f;

	(void)unused;
	a = pt_state_view(st);
	assert_int_equal(pt_snapshot_probes(a), 0);
	r.vantage.source = PT_SOURCE_ATLAS;
	assert_int_equal(pt_state_add(st, N, &r), PT_OK);
	r = resolver("127.0.1.2");
	r.vantage.source = PT_SOURCE_GLOBALPING;
	assert_int_equal(pt_state_add(st, N + 1, &r), PT_OK);
	b = pt_state_view(st);
	f = pt_state_snapshot(st);
	assert_null(b->rows);
	assert_non_null(f->rows);
	assert_int_equal(pt_snapshot_probes(b), 2);
	assert_int_equal(pt_snapshot_probes(f), 2);
	assert_int_equal(pt_snapshot_probes(a), 0);
	pt_state_remove(st, N);
	pt_snapshot_free(a);
	a = pt_state_view(st);
	assert_int_equal(pt_snapshot_probes(a), 1);
	pt_snapshot_free(a);
	pt_snapshot_free(b);
	pt_snapshot_free(f);
	pt_state_free(st);
}

/* The expiry a view computes from its chunks' candidate rows is the largest TTL left among all
 * rows serving an old answer, at every moment (TTLs received at fractions of seconds). */
static void test_view_expiry_is_every_rows(void **unused)
{
	enum { N = 200 };
	struct pt_state *st = new_state(N);

	(void)unused;
	fake_now = 1000 * PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 a.", NULL, 60));
	for (size_t i = 0; i < N; i++) {
		fake_now += 300 * PT_NS_PER_MS;
		publish(st, i, PT_REPLY_OK,
			i % 5 ? data("10 b.", NULL, 30 + (uint32_t)(i * 37 % 90)) : data("10 a.", NULL, 60));
	}
	for (int t = 0; t < 1600; t++) {
		fake_now += 100 * PT_NS_PER_MS;
		if (t % 97 == 0) {
			/* a fresh old answer somewhere: its chunk is built again */
			publish(st, (uint64_t)(t * 13 % N) | 1, PT_REPLY_OK, data("10 b.", NULL, 45));
		}
		struct pt_snapshot *s = pt_state_view(st);
		long want = 0;

		for (size_t i = 0; i < s->nrows; i++) {
			const struct pt_row *r = pt_snapshot_row(s, i);

			if (pt_verdict_is_old(r->verdict) && pt_row_ttl_left(r, s->taken_ns) > want) {
				want = pt_row_ttl_left(r, s->taken_ns);
			}
		}
		assert_false(s->converged);
		assert_int_equal(s->expires_within, want);
		pt_snapshot_free(s);
	}
	pt_state_free(st);
}

/* A block of 24 resolvers, each flipping between two answers (id: the first). */
static void *flip_publisher(void *arg)
{
	struct stress *x = arg;

	for (int i = 0; i < 300; i++) {
		for (uint64_t id = x->id; id < x->id + 24; id++) {
			publish(x->st, id, PT_REPLY_OK,
				data((i + id) % 3 ? "10 a." : "10 b.", NULL, 60));
		}
	}
	return NULL;
}

/* Each snapshot agrees with itself: its counts and group sizes are its rows'. */
static void *viewer(void *arg)
{
	struct stress *x = arg;
	unsigned last[96] = { 0 };

	for (int k = 0; k < 300; k++) {
		struct pt_snapshot *s = pt_state_view(x->st);
		size_t by[PT_VERDICT_COUNT] = { 0 }, groups[PT_GROUPS_MAX] = { 0 };

		if (s == NULL || s->nrows != 96) {
			x->bad++;
			pt_snapshot_free(s);
			continue;
		}
		for (size_t i = 0; i < s->nrows; i++) {
			const struct pt_row *r = pt_snapshot_row(s, i);
			bool a = r->has_reply && strcmp(r->answer.rdata[0], "10 a.") == 0;

			by[r->verdict]++;
			if (r->group >= 0) {
				groups[r->group]++;
			}
			x->bad += r->id != i || r->queries < last[i] ||
				  (r->has_reply && a != (r->verdict == PT_VERDICT_MATCH));
			last[i] = r->queries;
		}
		for (int v = 0; v < PT_VERDICT_COUNT; v++) {
			x->bad += by[v] != s->counts.by[v];
		}
		for (size_t g = 0; g < s->ngroups; g++) {
			x->bad += groups[g] != s->group_sizes[g];
		}
		pt_snapshot_free(s);
	}
	return NULL;
}

/* Two views and four publishers at once: every snapshot is consistent, chunks are shared and
 * freed across threads (ThreadSanitizer checks the references). */
static void test_views_under_concurrent_publishes(void **unused)
{
	struct pt_state *st = new_state(96);
	struct stress pub[4], view[2];
	pthread_t tp[4], tv[2];

	(void)unused;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 a.", NULL, 60));
	for (int i = 0; i < 4; i++) {
		pub[i] = (struct stress){ .st = st, .id = (uint64_t)i * 24 };
		pthread_create(&tp[i], NULL, flip_publisher, &pub[i]);
	}
	for (int i = 0; i < 2; i++) {
		view[i] = (struct stress){ .st = st };
		pthread_create(&tv[i], NULL, viewer, &view[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(tp[i], NULL);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(tv[i], NULL);
		assert_int_equal(view[i].bad, 0);
	}
	struct pt_snapshot *s = pt_state_view(st);

	for (size_t i = 0; i < s->nrows; i++) {
		assert_int_equal(pt_snapshot_row(s, i)->queries, 300);
	}
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* Replies before the truth is known wait, then come out judged against it. */
static void test_events_wait_for_the_truth(void **unused)
{
	struct pt_state *st = new_state(3);
	struct pt_event *evs;
	struct pt_truth none;
	size_t n;

	(void)unused;
	pt_state_keep_events(st, true);
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 30));
	publish(st, 1, PT_REPLY_OK, data("10 new.", NULL, 30));
	assert_int_equal(pt_state_events(st, false, &evs), 0);
	assert_null(evs);
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	n = pt_state_events(st, false, &evs);
	assert_int_equal(n, 3);
	assert_int_equal(evs[0].kind, PT_EVENT_ANSWER);
	assert_int_equal(evs[0].verdict, PT_VERDICT_DIFFER);
	assert_int_equal(evs[1].verdict, PT_VERDICT_MATCH);
	assert_int_equal(evs[2].kind, PT_EVENT_TRUTH);
	for (size_t i = 0; i < n; i++) {
		pt_event_fini(&evs[i]);
	}
	free(evs);
	pt_state_free(st);

	/* No authoritative answer: judged against the majority. */
	st = new_state(3);
	pt_state_keep_events(st, true);
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 30));
	publish(st, 1, PT_REPLY_OK, data("10 b.", NULL, 30));
	publish(st, 2, PT_REPLY_OK, data("10 b.", NULL, 30));
	memset(&none, 0, sizeof(none));
	pt_state_set_truth(st, &none);
	n = pt_state_events(st, false, &evs);
	assert_int_equal(n, 3);
	assert_int_equal(evs[0].verdict, PT_VERDICT_DIFFER);
	assert_int_equal(evs[2].verdict, PT_VERDICT_MATCH);
	for (size_t i = 0; i < n; i++) {
		pt_event_fini(&evs[i]);
	}
	free(evs);
	pt_state_free(st);
}

/* The moment the truth's answer changed: not its first finding, not a serial bump alone. */
static void test_truth_change_time(void **unused)
{
	struct pt_state *st = new_state(1);
	struct pt_snapshot *s;

	(void)unused;
	fake_now = 100 * PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 old.", NULL, 300));
	fake_now += PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 old.", NULL, 300));
	s = pt_state_snapshot(st);
	assert_int_equal(s->truth_changed_ns, 0);
	pt_snapshot_free(s);
	fake_now += PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	s = pt_state_snapshot(st);
	assert_int_equal(s->truth_changed_ns, 102 * PT_NS_PER_S);
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* Progress points are recorded as the verdicts change, whoever looks (and how often). */
static void test_progress_series(void **unused)
{
	struct pt_state *st = new_state(2);
	struct pt_snapshot *s;

	(void)unused;
	fake_now = 10 * PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 30));
	fake_now += 50 * PT_NS_PER_MS;
	publish(st, 1, PT_REPLY_OK, data("10 new.", NULL, 30));
	/* a repeat of the same numbers adds no point; snapshots add none either */
	fake_now += PT_NS_PER_S;
	publish(st, 1, PT_REPLY_OK, data("10 new.", NULL, 29));
	pt_snapshot_free(pt_state_snapshot(st));
	pt_snapshot_free(pt_state_snapshot(st));
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 new.", NULL, 30));
	s = pt_state_snapshot(st);
	/* nothing judged yet is no point: the series starts with the first judged answer */
	assert_int_equal(s->nprogress, 3);
	assert_int_equal(s->progress[0].match, 0);
	assert_int_equal(s->progress[0].judged, 1);
	assert_int_equal(s->progress[0].at_ns, 10 * PT_NS_PER_S);
	assert_int_equal(s->progress[1].match, 1);
	assert_int_equal(s->progress[1].judged, 2);
	assert_int_equal(s->progress[2].match, 2);
	assert_int_equal(s->progress[2].at_ns, fake_now);
	pt_snapshot_free(s);
	/* A long run thins the series but keeps its first point and its latest. */
	for (int i = 0; i < 3 * PT_PROGRESS_MAX; i++) {
		fake_now += PT_NS_PER_S;
		publish(st, 1, PT_REPLY_OK, data(i % 2 ? "10 new." : "10 old.", NULL, 30));
	}
	s = pt_state_snapshot(st);
	assert_true(s->nprogress <= PT_PROGRESS_MAX);
	assert_true(s->nprogress > PT_PROGRESS_MAX / 2);
	assert_int_equal(s->progress[0].at_ns, 10 * PT_NS_PER_S);
	assert_int_equal(s->progress[s->nprogress - 1].at_ns, fake_now);
	for (size_t i = 1; i < s->nprogress; i++) {
		assert_true(s->progress[i].at_ns > s->progress[i - 1].at_ns);
	}
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* A snapshot is a pure read: two in a row are the same, and taking them changes nothing. */
static bool row_stale(struct pt_state *st, size_t i)
{
	struct pt_snapshot *s = pt_state_snapshot(st);
	bool stale;

	assert_non_null(s);
	stale = s->rows[i].stale;
	pt_snapshot_free(s);
	return stale;
}

/* RFC 8767: EDE 3, or the same answer past its expected expiry with a short TTL; a cached
 * answer counting down, a fresh one after expiry and a changed answer are not stale. */
static void test_stale_answers(void **unused)
{
	struct pt_state *st = new_state(2);
	struct pt_answer a;
	uint64_t t0;

	(void)unused;
	fake_now = t0 = 1000 * PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 60));
	assert_false(row_stale(st, 0));
	fake_now = t0 + 30 * PT_NS_PER_S; /* from the cache, counting down */
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 30));
	assert_false(row_stale(st, 0));
	fake_now = t0 + 62 * PT_NS_PER_S; /* past the expiry, short TTL: stale */
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 30));
	assert_true(row_stale(st, 0));
	fake_now = t0 + 65 * PT_NS_PER_S; /* still stale: the expiry is not renewed by it */
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 30));
	assert_true(row_stale(st, 0));
	fake_now = t0 + 70 * PT_NS_PER_S; /* fetched again: the full TTL */
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 60));
	assert_false(row_stale(st, 0));
	fake_now = t0 + 200 * PT_NS_PER_S; /* another answer is news, not stale */
	publish(st, 0, PT_REPLY_OK, data("10 b.", NULL, 5));
	assert_false(row_stale(st, 0));
	/* EDE 3 says so whatever the TTL, also as a reply's second EDE option */
	a = data("10 a.", NULL, 60);
	assert_int_equal(pt_answer_set_edes(&a, (const int[]){ 22, PT_EDE_STALE }, NULL, 2, 0),
			 PT_OK);
	publish(st, 1, PT_REPLY_OK, a);
	assert_true(row_stale(st, 1));
	publish(st, 1, PT_REPLY_TIMEOUT, negative(PT_ANSWER_DATA, 0, 0));
	assert_false(row_stale(st, 1));
	pt_state_free(st);
}

/* A short-lived copy inside the second of grace after the expiry is not stale yet and does not
 * renew the expiry: the next one is (whenever the polls land). A copy with the zone's own,
 * lowered TTL is fresh. */
static void test_stale_grace(void **unused)
{
	struct pt_state *st = new_state(2);
	uint64_t t0;

	(void)unused;
	fake_now = t0 = 1000 * PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 4));
	fake_now = t0 + 4 * PT_NS_PER_S + PT_NS_PER_S / 2; /* 0.5 s past the expiry, TTL 2 */
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 2));
	assert_false(row_stale(st, 0));
	fake_now += 2 * PT_NS_PER_S; /* its own TTL later: the expiry was not moved on by it */
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 2));
	assert_true(row_stale(st, 0));

	/* the zone lowered the TTL from 3600 to 4: copies fetched since are fresh */
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 b.", NULL, 4));
	fake_now = t0 = 5000 * PT_NS_PER_S;
	publish(st, 1, PT_REPLY_OK, data("10 b.", NULL, 3600));
	fake_now = t0 + 3600 * PT_NS_PER_S + PT_NS_PER_S / 2;
	publish(st, 1, PT_REPLY_OK, data("10 b.", NULL, 4));
	assert_false(row_stale(st, 1));
	fake_now += 4 * PT_NS_PER_S + PT_NS_PER_S / 2;
	publish(st, 1, PT_REPLY_OK, data("10 b.", NULL, 4));
	assert_false(row_stale(st, 1));
	/* ... but a copy shorter than the zone's TTL, past the expiry, is */
	fake_now += 6 * PT_NS_PER_S;
	publish(st, 1, PT_REPLY_OK, data("10 b.", NULL, 2));
	assert_true(row_stale(st, 1));
	pt_state_free(st);
}

static void test_snapshot_is_a_read(void **unused)
{
	struct pt_state *st = new_state(2);
	struct pt_snapshot *a, *b;

	(void)unused;
	fake_now = 5 * PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	publish(st, 0, PT_REPLY_OK, data("10 new.", NULL, 30));
	publish(st, 1, PT_REPLY_OK, data("10 new.", NULL, 30));
	fake_now += 7 * PT_NS_PER_S;
	a = pt_state_snapshot(st);
	fake_now += 7 * PT_NS_PER_S;
	b = pt_state_snapshot(st);
	assert_true(a->converged);
	/* converged when the last answer came, not when somebody looked */
	assert_int_equal(a->converged_ns, 5 * PT_NS_PER_S);
	assert_int_equal(b->converged_ns, a->converged_ns);
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->nprogress, b->nprogress);
	assert_int_equal(pt_state_reasons(st, NULL), 0);
	pt_snapshot_free(a);
	pt_snapshot_free(b);
	pt_state_free(st);
}

/* Ids are the caller's; one id cannot be tracked twice. */
static void test_ids_from_the_driver(void **unused)
{
	struct pt_state *st = pt_state_new("example.com", 15, fake_clock);
	struct pt_resolver r = resolver("192.0.2.1");
	struct pt_snapshot *s;

	(void)unused;
	assert_int_equal(pt_state_add(st, 7, &r), PT_OK);
	assert_int_equal(pt_state_add(st, 7, &r), PT_ERR_PARSE);
	assert_int_equal(pt_state_add(st, 9, &r), PT_OK);
	s = pt_state_snapshot(st);
	assert_int_equal(s->nrows, 2);
	assert_int_equal(s->rows[0].id, 7);
	assert_int_equal(s->rows[1].id, 9);
	assert_int_equal(s->counts.total, 2);
	assert_int_equal(s->counts.by[PT_VERDICT_PENDING], 2);
	pt_snapshot_free(s);
	pt_state_remove(st, 7);
	s = pt_state_snapshot(st);
	assert_int_equal(s->nrows, 1);
	assert_int_equal(s->counts.total, 1);
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* The majority follows the answers: when it moves, every verdict follows it. */
static void test_majority_moves(void **unused)
{
	struct pt_state *st = new_state(3);
	struct pt_snapshot *s;
	struct pt_truth none;

	(void)unused;
	memset(&none, 0, sizeof(none));
	pt_state_set_truth(st, &none);
	publish(st, 0, PT_REPLY_OK, data("10 a.", NULL, 60));
	publish(st, 1, PT_REPLY_OK, data("10 b.", NULL, 60));
	/* a tie goes to the answer seen first */
	s = pt_state_snapshot(st);
	assert_int_equal(s->truth.source, PT_TRUTH_MAJORITY);
	assert_string_equal(s->truth.answer.rdata[0], "10 a.");
	assert_int_equal(s->rows[0].verdict, PT_VERDICT_MATCH);
	pt_snapshot_free(s);
	publish(st, 2, PT_REPLY_OK, data("10 b.", NULL, 60));
	s = pt_state_snapshot(st);
	assert_string_equal(s->truth.answer.rdata[0], "10 b.");
	assert_int_equal(s->rows[0].verdict, PT_VERDICT_DIFFER);
	assert_int_equal(s->rows[1].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->counts.by[PT_VERDICT_MATCH], 2);
	assert_int_equal(s->group_sizes[0], 2);
	assert_int_equal(s->group_sizes[1], 1);
	pt_snapshot_free(s);
	pt_state_free(st);
}

/* Bytes waiting in the wake-up pipe (read without emptying it). */
static int pending_bytes(struct pt_state *st)
{
	int n = 0;

	assert_int_equal(ioctl(pt_state_wakeup_fd(st), FIONREAD, &n), 0);
	return n;
}

/* Publishers write one byte per look of the view, not one per change; a change after the
 * view drained writes again. */
static void test_one_wakeup_per_look(void **unused)
{
	struct pt_state *st = new_state(3);

	(void)unused;
	pt_state_drain(st);
	assert_int_equal(pending_bytes(st), 0);
	pt_state_wake(st);
	pt_state_wake(st);
	pt_state_remove(st, 2);
	assert_int_equal(pending_bytes(st), 1);
	pt_state_drain(st);
	assert_int_equal(pending_bytes(st), 0);
	pt_state_remove(st, 1);
	assert_int_equal(pending_bytes(st), 1);
	pt_state_free(st);
}

static void publish_target(struct pt_state *st, uint64_t id, const char *name, uint16_t qtype,
			   struct pt_answer a)
{
	struct pt_reply rep;

	memset(&rep, 0, sizeof(rep));
	rep.result = PT_REPLY_OK;
	rep.answer = a;
	rep.received_ns = fake_now;
	pt_state_publish_target(st, id, pt_state_target_generation(st), name, qtype, &rep);
	pt_answer_fini(&rep.answer);
}

static void set_target_truth(struct pt_state *st, const char *name, uint16_t qtype,
			     struct pt_answer a)
{
	struct pt_truth t;

	memset(&t, 0, sizeof(t));
	t.source = PT_TRUTH_AUTHORITATIVE;
	t.answer = a;
	snprintf(t.zone, sizeof(t.zone), "hosts.example.");
	pt_state_set_target_truth(st, name, qtype, &t);
	pt_truth_fini(&t);
}

/* --follow-mx: per-row answers for the MX targets' A and AAAA, their own truths, the
 * convergence rule with them, target changes (kept, dropped, new), removal and retarget. */
static void test_follow_mx_targets(void **unused)
{
	struct pt_state *st = new_state(2);
	char *one[] = { "mx1.hosts.example." };
	char *two[] = { "mx1.hosts.example.", "mx2.hosts.example." };
	struct pt_snapshot *s;
	struct pt_counts c;

	(void)unused;
	fake_now = 1000 * PT_NS_PER_S;
	pt_state_keep_events(st, true);
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 mx1.hosts.example.", NULL, 300));
	publish(st, 0, PT_REPLY_OK, data("10 mx1.hosts.example.", NULL, 300));
	publish(st, 1, PT_REPLY_OK, data("10 mx1.hosts.example.", NULL, 300));
	assert_int_equal(pt_state_reasons(st, NULL), 0);
	assert_true(pt_state_set_targets(st, one, 1));
	assert_false(pt_state_set_targets(st, one, 1));
	assert_int_equal(pt_state_reasons(st, &c), PT_REASON_TARGETS_PENDING);
	/* answers before their truth are pending; the truth judges them */
	publish_target(st, 0, "mx1.hosts.example.", 1, data("192.0.2.1", NULL, 60));
	publish_target(st, 1, "mx1.hosts.example.", 1, data("192.0.2.2", NULL, 20));
	publish_target(st, 0, "mx1.hosts.example.", 28, negative(PT_ANSWER_NODATA, 0, 30));
	publish_target(st, 1, "mx1.hosts.example.", 28, negative(PT_ANSWER_NXDOMAIN, 3, 30));
	assert_int_equal(pt_state_reasons(st, NULL), PT_REASON_TARGETS_PENDING);
	set_target_truth(st, "mx1.hosts.example.", 1, data("192.0.2.1", NULL, 60));
	set_target_truth(st, "mx1.hosts.example.", 28, negative(PT_ANSWER_NODATA, 0, 30));
	s = pt_state_snapshot(st);
	assert_int_equal(s->ntargets, 2);
	assert_int_equal(s->rows[0].ntargets, 2);
	assert_int_equal(s->rows[0].targets[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->rows[0].targets[1].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->rows[1].targets[0].verdict, PT_VERDICT_DIFFER);
	/* NXDOMAIN where the host exists without an AAAA (NODATA) is not the truth */
	assert_true(s->rows[1].targets[1].verdict != PT_VERDICT_MATCH);
	assert_int_equal(s->target_counts.total, 4);
	assert_int_equal(s->target_counts.by[PT_VERDICT_MATCH], 2);
	assert_int_equal(s->reasons, PT_REASON_TARGETS_DIFFER);
	assert_string_equal(s->targets[0].truth.zone, "hosts.example.");
	/* the old answers leave with their TTLs: the NXDOMAIN's 30 s is the longest */
	assert_int_equal(s->expires_within, 30);
	pt_snapshot_free(s);
	/* unknown questions and stale generations are ignored */
	publish_target(st, 0, "other.example.", 1, data("192.0.2.9", NULL, 60));
	/* a second host: the first keeps its answers, the new one starts pending */
	assert_true(pt_state_set_targets(st, two, 2));
	s = pt_state_snapshot(st);
	assert_int_equal(s->ntargets, 4);
	assert_int_equal(s->rows[0].targets[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->rows[0].targets[2].verdict, PT_VERDICT_PENDING);
	assert_int_equal(s->target_counts.total, 8);
	assert_true(s->reasons & PT_REASON_TARGETS_PENDING);
	pt_snapshot_free(s);
	/* back to one, the fixes arrive: converged */
	assert_true(pt_state_set_targets(st, one, 1));
	publish_target(st, 1, "mx1.hosts.example.", 1, data("192.0.2.1", NULL, 60));
	publish_target(st, 1, "mx1.hosts.example.", 28, negative(PT_ANSWER_NODATA, 0, 30));
	assert_int_equal(pt_state_reasons(st, NULL), 0);
	/* a removed resolver's answers leave the counts */
	pt_state_remove(st, 1);
	s = pt_state_snapshot(st);
	assert_int_equal(s->target_counts.total, 2);
	pt_snapshot_free(s);
	/* every target answer was an event */
	struct pt_event *evs;
	size_t n = pt_state_events(st, true, &evs), ntarget = 0;

	for (size_t i = 0; i < n; i++) {
		ntarget += evs[i].kind == PT_EVENT_TARGET;
		pt_event_fini(&evs[i]);
	}
	free(evs);
	assert_int_equal(ntarget, 6);
	/* another type: no targets */
	assert_int_equal(pt_state_retarget(st, "example.com", 1), PT_OK);
	s = pt_state_snapshot(st);
	assert_int_equal(s->ntargets, 0);
	assert_int_equal(s->rows[0].ntargets, 0);
	pt_snapshot_free(s);
	pt_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convergence_and_expiry),
		cmocka_unit_test(test_history_answers_and_status),
		cmocka_unit_test(test_history_shared_is_frozen),
		cmocka_unit_test(test_nothing_answered_is_not_converged),
		cmocka_unit_test(test_majority_only_when_no_authority),
		cmocka_unit_test(test_events_and_retarget),
		cmocka_unit_test(test_remove_keeps_ids),
		cmocka_unit_test(test_stress_publish_snapshot),
		cmocka_unit_test(test_snapshot_builds_what_changed),
		cmocka_unit_test(test_identity_and_cd_build_one_chunk),
		cmocka_unit_test(test_snapshot_counts_probes),
		cmocka_unit_test(test_views_under_concurrent_publishes),
		cmocka_unit_test(test_view_expiry_is_every_rows),
		cmocka_unit_test(test_progress_series),
		cmocka_unit_test(test_truth_change_time),
		cmocka_unit_test(test_events_wait_for_the_truth),
		cmocka_unit_test(test_snapshot_is_a_read),
		cmocka_unit_test(test_ids_from_the_driver),
		cmocka_unit_test(test_majority_moves),
		cmocka_unit_test(test_one_wakeup_per_look),
		cmocka_unit_test(test_follow_mx_targets),
		cmocka_unit_test(test_stale_answers),
		cmocka_unit_test(test_stale_grace),
		cmocka_unit_test(test_sparse_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
