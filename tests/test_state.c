/* Verdicts, convergence, expiry, groups and the publish/snapshot protocol of src/state.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

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
		assert_int_equal(pt_state_add(st, &r, NULL), PT_OK);
	}
	return st;
}

static void test_judge(void **unused)
{
	struct pt_truth t;
	struct pt_answer a = data("10 new.", NULL, 60);
	struct pt_answer b = data("10 old.", NULL, 60);
	struct pt_answer nx = negative(PT_ANSWER_NXDOMAIN, 3, 30);
	struct pt_answer nodata = negative(PT_ANSWER_NODATA, 0, 30);
	struct pt_answer sf = negative(PT_ANSWER_RCODE, 2, 0);
	struct pt_answer rf = negative(PT_ANSWER_RCODE, 5, 0);
	struct pt_answer ni = negative(PT_ANSWER_RCODE, 4, 0);
	struct pt_answer ref = negative(PT_ANSWER_REFERRAL, 0, 0);

	(void)unused;
	memset(&t, 0, sizeof(t));
	/* Without a truth, answers wait; failures are failures anyway. */
	assert_int_equal(pt_state_judge(NULL, PT_REPLY_OK, &a), PT_VERDICT_PENDING);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &sf), PT_VERDICT_SERVFAIL);
	t.source = PT_TRUTH_AUTHORITATIVE;
	t.answer = a;
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &a), PT_VERDICT_MATCH);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &b), PT_VERDICT_DIFFER);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &nx), PT_VERDICT_NEGATIVE);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &nodata), PT_VERDICT_NEGATIVE);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &sf), PT_VERDICT_SERVFAIL);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &rf), PT_VERDICT_REFUSED);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &ni), PT_VERDICT_ERROR);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &ref), PT_VERDICT_ERROR);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_TIMEOUT, NULL), PT_VERDICT_TIMEOUT);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_UNREACHABLE, NULL), PT_VERDICT_TIMEOUT);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_MALFORMED, NULL), PT_VERDICT_ERROR);
	/* A negative truth: the same negative matches, data is "negative", the other kind differs. */
	t.answer = nx;
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &nx), PT_VERDICT_MATCH);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &a), PT_VERDICT_NEGATIVE);
	assert_int_equal(pt_state_judge(&t, PT_REPLY_OK, &nodata), PT_VERDICT_DIFFER);
	pt_answer_fini(&a);
	pt_answer_fini(&b);
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
	assert_string_equal(s->rows[0].history[1].summary, "10 new.");
	pt_snapshot_free(s);

	/* A SERVFAIL keeps it unconverged. */
	publish(st, 2, PT_REPLY_OK, negative(PT_ANSWER_RCODE, 2, 0));
	s = pt_state_snapshot(st);
	assert_false(s->converged);
	pt_snapshot_free(s);
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
	n = pt_state_events(st, &evs);
	/* truth, 3 answers, 1 change (the first answer is not a change, nor a repeat) */
	assert_int_equal(n, 5);
	assert_int_equal(evs[0].kind, PT_EVENT_TRUTH);
	assert_int_equal(evs[4].kind, PT_EVENT_CHANGE);
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
		size_t n = pt_state_events(st, &evs);

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
	assert_int_equal(pt_state_events(st, &evs), 0);
	assert_null(evs);
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	n = pt_state_events(st, &evs);
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
	n = pt_state_events(st, &evs);
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

static void test_progress_series(void **unused)
{
	struct pt_state *st = new_state(2);
	struct pt_snapshot *s;

	(void)unused;
	fake_now = 10 * PT_NS_PER_S;
	set_truth(st, PT_TRUTH_AUTHORITATIVE, data("10 new.", NULL, 300));
	publish(st, 0, PT_REPLY_OK, data("10 old.", NULL, 30));
	publish(st, 1, PT_REPLY_OK, data("10 new.", NULL, 30));
	pt_snapshot_free(pt_state_snapshot(st));
	/* Unchanged numbers add no point. */
	fake_now += PT_NS_PER_S;
	pt_snapshot_free(pt_state_snapshot(st));
	fake_now += PT_NS_PER_S;
	publish(st, 0, PT_REPLY_OK, data("10 new.", NULL, 30));
	s = pt_state_snapshot(st);
	assert_int_equal(s->nprogress, 2);
	assert_int_equal(s->progress[0].match, 1);
	assert_int_equal(s->progress[0].judged, 2);
	assert_int_equal(s->progress[1].match, 2);
	assert_int_equal(s->progress[1].at_ns, 12 * PT_NS_PER_S);
	pt_snapshot_free(s);
	/* A long run thins the series but keeps its first point and its latest. */
	for (int i = 0; i < 3 * PT_PROGRESS_MAX; i++) {
		fake_now += PT_NS_PER_S;
		publish(st, 1, PT_REPLY_OK, data(i % 2 ? "10 new." : "10 old.", NULL, 30));
		pt_snapshot_free(pt_state_snapshot(st));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_convergence_and_expiry),
		cmocka_unit_test(test_nothing_answered_is_not_converged),
		cmocka_unit_test(test_majority_only_when_no_authority),
		cmocka_unit_test(test_events_and_retarget),
		cmocka_unit_test(test_remove_keeps_ids),
		cmocka_unit_test(test_stress_publish_snapshot),
		cmocka_unit_test(test_progress_series),
		cmocka_unit_test(test_truth_change_time),
		cmocka_unit_test(test_events_wait_for_the_truth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
