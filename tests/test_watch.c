/* The driver (src/watch.c) on a fake clock and a recording network: the first polls,
 * polling again after the TTL, backoff after failures, retargeting, adds and removes, once
 * mode, truth discovery through the resolvers tracked at that moment, and the NS question
 * (RD=0) to a resolver serving an old answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "dns.h"
#include "fake_net.h"
#include "sched.h"
#include "watch.h"

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static struct pt_resolver resolver(const char *addr)
{
	struct pt_resolver r;

	assert_int_equal(pt_resolver_parse_address(&r, addr, NULL, 0), PT_OK);
	return r;
}

struct rig {
	struct fake_net f;
	struct pt_net net;
	struct pt_state *st;
	struct pt_watch *w;
};

static void rig_up(struct rig *g, bool once, size_t n)
{
	struct pt_truth_config tcfg = { .auth_port = 53 };
	struct pt_watch_config wcfg = {
		.interval_s = 2, .max_interval_s = 60, .truth_interval_s = 5, .once = once
	};
	char addr[32];

	fake_now = 1000 * PT_NS_PER_S;
	fake_init(&g->f, false);
	g->net = fake_net(&g->f);
	g->st = pt_state_new("example.test", PT_TYPE_MX, fake_clock);
	g->w = pt_watch_new(&g->net, g->st, &tcfg, &wcfg, fake_clock);
	assert_non_null(g->w);
	for (size_t i = 0; i < n; i++) {
		struct pt_resolver r;

		snprintf(addr, sizeof(addr), "192.0.2.%zu", i + 1);
		r = resolver(addr);
		assert_int_equal(pt_watch_add(g->w, &r, NULL), PT_OK);
	}
}

static void rig_down(struct rig *g)
{
	pt_watch_free(g->w);
	pt_state_free(g->st);
	fake_fini(&g->f);
}

/* Answer recorded query @p i with an MX record of TTL @p ttl (or a failure). */
static void answer(struct rig *g, size_t i, enum pt_reply_result res, uint32_t ttl)
{
	struct fake_rule r;
	struct pt_reply rep;

	memset(&r, 0, sizeof(r));
	r.result = res;
	r.kind = PT_ANSWER_DATA;
	r.rdata[0] = "10 mx.example.test.";
	r.ttl = ttl;
	fake_reply(&r, &rep);
	rep.received_ns = fake_now;
	fake_deliver(&g->f, i, &rep);
	pt_reply_fini(&rep);
}

static void test_first_polls_and_ttl(void **unused)
{
	struct rig g;
	uint64_t next;

	(void)unused;
	rig_up(&g, false, 2);
	next = pt_watch_step(g.w);
	/* both at once, recursive, for the tracked name and type */
	assert_int_equal(g.f.nqueries, 2);
	assert_string_equal(g.f.queries[0].qname, "example.test.");
	assert_int_equal(g.f.queries[0].qtype, PT_TYPE_MX);
	assert_true(g.f.queries[0].opts & PT_FLAG_RD);
	assert_string_equal(g.f.queries[1].server, "192.0.2.2");
	assert_int_equal(next, UINT64_MAX);
	/* in flight: never a second query to one resolver */
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 2);
	answer(&g, 0, PT_REPLY_OK, 30);
	uint64_t at = fake_now;

	next = pt_watch_step(g.w);
	/* just after the TTL: the next whole second after reply + 30 s, plus the spread */
	assert_true(next > at + 30 * PT_NS_PER_S);
	assert_true(next <= at + 31 * PT_NS_PER_S + PT_SCHED_SPREAD_MS * PT_NS_PER_MS);
	fake_now = next - 1;
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 2);
	fake_now = next;
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 3);
	assert_string_equal(g.f.queries[2].server, "192.0.2.1");
	rig_down(&g);
}

static void test_backoff(void **unused)
{
	struct rig g;
	uint64_t want[] = { 2, 4, 8, 16, 32, 60, 60 };

	(void)unused;
	rig_up(&g, false, 1);
	pt_watch_step(g.w);
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		uint64_t at = fake_now, next;

		answer(&g, g.f.nqueries - 1, PT_REPLY_TIMEOUT, 0);
		next = pt_watch_step(g.w);
		/* --interval doubled per failure, up to --max-interval */
		assert_int_equal(next - at, want[k] * PT_NS_PER_S);
		fake_now = next;
		pt_watch_step(g.w);
		assert_int_equal(g.f.nqueries, k + 2);
	}
	/* an answer ends the backoff; TTL 0 still waits --interval */
	uint64_t at = fake_now;

	answer(&g, g.f.nqueries - 1, PT_REPLY_OK, 0);
	assert_true(pt_watch_step(g.w) - at >= 2 * PT_NS_PER_S);
	assert_true(pt_watch_step(g.w) - at <= 2 * PT_NS_PER_S);
	rig_down(&g);
}

static void test_retarget(void **unused)
{
	struct rig g;
	struct pt_snapshot *s;

	(void)unused;
	rig_up(&g, false, 1);
	pt_watch_step(g.w);
	assert_int_equal(pt_watch_retarget(g.w, "www.example.test", PT_TYPE_A), PT_OK);
	assert_int_equal(pt_watch_retarget(g.w, "bad..name", PT_TYPE_A), PT_ERR_PARSE);
	/* the reply for the old target changes nothing, and the new question goes out at once */
	answer(&g, 0, PT_REPLY_OK, 30);
	s = pt_state_snapshot(g.st);
	assert_false(s->rows[0].has_reply);
	pt_snapshot_free(s);
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 2);
	assert_string_equal(g.f.queries[1].qname, "www.example.test.");
	assert_int_equal(g.f.queries[1].qtype, PT_TYPE_A);
	rig_down(&g);
}

static void test_add_remove(void **unused)
{
	struct rig g;
	struct pt_resolver r = resolver("192.0.2.9"), *list;
	uint64_t id;

	(void)unused;
	rig_up(&g, false, 2);
	pt_watch_step(g.w);
	answer(&g, 0, PT_REPLY_OK, 30);
	answer(&g, 1, PT_REPLY_OK, 30);
	pt_watch_remove(g.w, 0);
	assert_int_equal(pt_watch_add(g.w, &r, &id), PT_OK);
	assert_int_equal(id, 2);
	/* the new one is asked at once; ids are never reused */
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 3);
	assert_string_equal(g.f.queries[2].server, "192.0.2.9");
	assert_int_equal(pt_watch_resolvers(g.w, &list), 2);
	assert_string_equal(list[0].address, "192.0.2.2");
	assert_string_equal(list[1].address, "192.0.2.9");
	free(list);
	/* the removed one is never asked again */
	fake_now += 120 * PT_NS_PER_S;
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 4);
	assert_string_equal(g.f.queries[3].server, "192.0.2.2");
	rig_down(&g);
}

static void test_once(void **unused)
{
	struct rig g;

	(void)unused;
	rig_up(&g, true, 1);
	pt_watch_step(g.w);
	assert_false(pt_watch_first_sweep_done(g.w));
	answer(&g, 0, PT_REPLY_OK, 1);
	/* the sweep is done once the truth was looked for too */
	assert_false(pt_watch_first_sweep_done(g.w));
	g.f.answer = true;
	pt_watch_check_truth(g.w);
	assert_true(pt_watch_first_sweep_done(g.w));
	fake_now += 600 * PT_NS_PER_S;
	assert_int_equal(pt_watch_step(g.w), UINT64_MAX);
	assert_int_equal(fake_count(&g.f, "192.0.2.1", PT_TYPE_MX), 1);
	rig_down(&g);
}

/* Truth discovery asks the resolvers tracked now: a pasted one is used, a removed one not. */
static void test_truth_follows_the_set(void **unused)
{
	struct rig g;
	struct pt_resolver r = resolver("192.0.2.77");
	size_t soa;

	(void)unused;
	rig_up(&g, false, 1);
	g.f.answer = true;
	pt_watch_check_truth(g.w);
	assert_true(fake_count(&g.f, "192.0.2.1", PT_TYPE_SOA) > 0);
	assert_int_equal(fake_count(&g.f, "192.0.2.77", PT_TYPE_SOA), 0);
	assert_int_equal(pt_watch_add(g.w, &r, NULL), PT_OK);
	pt_watch_remove(g.w, 0);
	soa = fake_count(&g.f, "192.0.2.1", PT_TYPE_SOA);
	pt_watch_check_truth(g.w);
	assert_true(fake_count(&g.f, "192.0.2.77", PT_TYPE_SOA) > 0);
	assert_int_equal(fake_count(&g.f, "192.0.2.1", PT_TYPE_SOA), soa);
	rig_down(&g);
}

/* A resolver serving an old answer is asked, from its cache only (RD=0), which NS set it
 * holds: the expiry of that set bounds how long old answers can come, and names the truth
 * did not know are asked too (a new full check). Never RD=1: that would refresh the set. */
static void test_old_answer_asks_for_cached_ns(void **unused)
{
	struct rig g;
	struct fake_rule *r;
	struct pt_reply rep;
	struct pt_snapshot *s;
	size_t ns_q = SIZE_MAX;

	(void)unused;
	rig_up(&g, false, 1);
	r = fake_rule(&g.f, "192.0.2.1", "example.test.", PT_TYPE_SOA);
	r->zone = "example.test.";
	r->serial = 1;
	fake_rule(&g.f, "192.0.2.1", "example.test.", PT_TYPE_NS)->rdata[0] = "ns1.example.test.";
	fake_rule(&g.f, "192.0.2.1", "ns1.example.test.", PT_TYPE_A)->rdata[0] = "198.51.100.1";
	r = fake_rule(&g.f, "198.51.100.1", "example.test.", PT_TYPE_MX);
	r->rdata[0] = "10 mx-new.example.test.";
	r->flags = PT_FLAG_AA;
	r->ttl = 300;
	r = fake_rule(&g.f, "198.51.100.1", "example.test.", PT_TYPE_SOA);
	r->flags = PT_FLAG_AA;
	r->zone = "example.test.";
	r->serial = 1;
	g.f.answer = true;
	pt_watch_check_truth(g.w);
	g.f.answer = false;
	g.f.nqueries = 0;
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 1);
	answer(&g, 0, PT_REPLY_OK, 60); /* "10 mx.example.test.": old */
	pt_watch_step(g.w);
	for (size_t i = 0; i < g.f.nqueries; i++) {
		if (g.f.queries[i].qtype == PT_TYPE_NS) {
			ns_q = i;
			assert_string_equal(g.f.queries[i].qname, "example.test.");
			assert_false(g.f.queries[i].opts & PT_FLAG_RD);
		}
	}
	assert_true(ns_q != SIZE_MAX);
	/* it holds the old provider's NS set for 40 s more */
	memset(&rep, 0, sizeof(rep));
	r = fake_rule(&g.f, "-", "example.test.", PT_TYPE_NS);
	r->rdata[0] = "ns.old-provider.test.";
	r->ttl = 40;
	fake_reply(r, &rep);
	rep.received_ns = fake_now;
	fake_deliver(&g.f, ns_q, &rep);
	pt_reply_fini(&rep);
	s = pt_state_snapshot(g.st);
	assert_int_equal(s->rows[0].verdict, PT_VERDICT_DIFFER);
	assert_int_equal(s->rows[0].ns_expires_ns, fake_now + 40 * PT_NS_PER_S);
	pt_snapshot_free(s);
	/* the name it holds is asked by the next truth check */
	g.f.answer = true;
	pt_watch_check_truth(g.w);
	size_t asked = 0;

	for (size_t i = 0; i < g.f.nqueries; i++) {
		asked += strcmp(g.f.queries[i].qname, "ns.old-provider.test.") == 0;
	}
	assert_true(asked > 0);
	rig_down(&g);
}

/* A query the network cancels (shutdown) observed nothing: the answer stays. */
static void test_cancelled_is_no_answer(void **unused)
{
	struct rig g;
	struct pt_reply rep;
	struct pt_snapshot *s;

	(void)unused;
	rig_up(&g, false, 1);
	pt_watch_step(g.w);
	answer(&g, 0, PT_REPLY_OK, 1);
	fake_now += 5 * PT_NS_PER_S;
	pt_watch_step(g.w);
	memset(&rep, 0, sizeof(rep));
	rep.result = PT_REPLY_LOCAL_ERROR;
	rep.err = ECANCELED;
	fake_deliver(&g.f, 1, &rep);
	s = pt_state_snapshot(g.st);
	assert_int_equal(s->rows[0].result, PT_REPLY_OK);
	assert_int_equal(s->rows[0].queries, 1);
	pt_snapshot_free(s);
	rig_down(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_polls_and_ttl),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retarget),
		cmocka_unit_test(test_add_remove),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_truth_follows_the_set),
		cmocka_unit_test(test_cancelled_is_no_answer),
		cmocka_unit_test(test_old_answer_asks_for_cached_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
