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
#include <stdatomic.h>
#include <string.h>
#include <time.h>

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

/* @p n resolvers (192.0.2.1, .2, ...) watched with @p wcfg on the fake network, the clock at
 * 1,000 s; nothing asked yet. */
static void rig_with(struct rig *g, const struct pt_watch_config *wcfg, size_t n)
{
	struct pt_truth_config tcfg = { .auth_port = 53 };
	char addr[32];

	fake_now = 1000 * PT_NS_PER_S;
	fake_init(&g->f, false);
	g->net = fake_net(&g->f);
	g->st = pt_state_new("example.test", PT_TYPE_MX, fake_clock);
	g->w = pt_watch_new(&g->net, g->st, &tcfg, wcfg, fake_clock);
	assert_non_null(g->w);
	for (size_t i = 0; i < n; i++) {
		struct pt_resolver r;

		snprintf(addr, sizeof(addr), "192.0.2.%zu", i + 1);
		r = resolver(addr);
		assert_int_equal(pt_watch_add(g->w, &r, NULL), PT_OK);
	}
}

static void rig_up(struct rig *g, bool once, size_t n)
{
	struct pt_watch_config wcfg = {
		.interval_s = 2, .max_interval_s = 60, .truth_interval_s = 5, .once = once
	};

	rig_with(g, &wcfg, n);
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

/* Deliver recorded query @p i: kind @p kind, rcode @p rcode, one record @p rdata. */
static void deliver(struct rig *g, size_t i, enum pt_answer_kind kind, int rcode,
		    const char *rdata)
{
	struct fake_rule r;
	struct pt_reply rep;

	memset(&r, 0, sizeof(r));
	r.result = PT_REPLY_OK;
	r.kind = kind;
	r.rcode = rcode;
	r.rdata[0] = rdata;
	r.ttl = 30;
	fake_reply(&r, &rep);
	rep.received_ns = fake_now;
	fake_deliver(&g->f, i, &rep);
	pt_reply_fini(&rep);
}

/* Issue 15: the CH TXT identity is asked once, on first contact (after the first reply, issue
 * 11); every poll asks with AD and NSID; a SERVFAIL is asked again with CD, and an answer
 * then is a DNSSEC failure; --once's sweep waits for both. */
static void test_identity_and_cd_retry(void **unused)
{
	struct pt_watch_config wcfg = {
		.interval_s = 2, .max_interval_s = 60, .once = true, .identity = true
	};
	struct pt_snapshot *snap;
	struct rig g;
	size_t poll = SIZE_MAX, idsrv = SIZE_MAX, host = SIZE_MAX, cd = SIZE_MAX;

	(void)unused;
	rig_with(&g, &wcfg, 1);
	pt_watch_step(g.w);
	/* the poll alone: the identity waits for a first reply (issue 11) */
	assert_int_equal(g.f.nqueries, 1);
	poll = 0;
	assert_int_equal(g.f.queries[poll].opts, PT_FLAG_RD | PT_FLAG_AD | PT_FLAG_NSID);
	deliver(&g, poll, PT_ANSWER_RCODE, 2, NULL);
	/* the SERVFAIL's CD question and the identity are still to come: not done */
	assert_false(pt_watch_first_sweep_done(g.w));
	/* one question at a time (issue 11): the CD question first, then id.server */
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 2);
	cd = 1;
	assert_true(g.f.queries[cd].opts & PT_FLAG_CD);
	assert_false(g.f.queries[cd].opts & PT_FLAG_CHAOS);
	assert_string_equal(g.f.queries[cd].qname, "example.test.");
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 2);
	deliver(&g, cd, PT_ANSWER_DATA, 0, "10 mx.example.test.");
	assert_false(pt_watch_first_sweep_done(g.w));
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 3);
	idsrv = 2;
	assert_true(g.f.queries[idsrv].opts & PT_FLAG_CHAOS);
	assert_string_equal(g.f.queries[idsrv].qname, "id.server.");
	assert_int_equal(g.f.queries[idsrv].qtype, PT_TYPE_TXT);
	/* id.server told nothing (NOERROR, no data): hostname.bind is asked next */
	deliver(&g, idsrv, PT_ANSWER_NODATA, 0, NULL);
	assert_false(pt_watch_first_sweep_done(g.w));
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 4);
	host = 3;
	assert_string_equal(g.f.queries[host].qname, "hostname.bind.");
	deliver(&g, host, PT_ANSWER_DATA, 0, "FRA");
	snap = pt_state_snapshot(g.st);
	assert_non_null(snap);
	assert_string_equal(snap->rows[0].id_server, "");
	assert_string_equal(snap->rows[0].hostname_bind, "FRA");
	assert_true(snap->rows[0].dnssec_failure);
	assert_int_equal(snap->rows[0].verdict, PT_VERDICT_SERVFAIL);
	pt_snapshot_free(snap);
	/* never asked again: no more CH questions, whatever comes next */
	pt_watch_refresh(g.w);
	fake_now += 100 * PT_NS_PER_S;
	pt_watch_step(g.w);
	assert_int_equal(fake_count(&g.f, NULL, PT_TYPE_TXT), 2);
	rig_down(&g);
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

/* The recorded query to @p server of type @p qtype (the first one). */
static size_t query_to(struct rig *g, const char *server, uint16_t qtype)
{
	for (size_t i = 0; i < g->f.nqueries; i++) {
		if (strcmp(g->f.queries[i].server, server) == 0 &&
		    g->f.queries[i].qtype == qtype) {
			return i;
		}
	}
	fail_msg("no query to %s", server);
	return 0;
}

/* Issue 11's politeness: the truth's discovery asks only resolvers with nothing of the
 * watch's in flight, and the watch asks those nothing while it runs; they are handed back
 * after it. With every resolver busy (a list of
 * one, mid-poll) it still asks them: a truth is better than none. */
static void test_truth_asks_idle_resolvers(void **unused)
{
	struct rig g;
	char addr[32];

	(void)unused;
	rig_up(&g, false, 7);
	pt_watch_step(g.w);
	assert_int_equal(fake_count(&g.f, NULL, PT_TYPE_MX), 7);
	/* 6 and 7 answer: idle */
	answer(&g, query_to(&g, "192.0.2.6", PT_TYPE_MX), PT_REPLY_OK, 1);
	answer(&g, query_to(&g, "192.0.2.7", PT_TYPE_MX), PT_REPLY_OK, 1);
	g.f.answer = true;
	pt_watch_check_truth(g.w);
	assert_true(fake_count(&g.f, "192.0.2.6", PT_TYPE_SOA) > 0);
	for (int i = 1; i <= 5; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%d", i);
		assert_int_equal(fake_count(&g.f, addr, PT_TYPE_SOA), 0);
		assert_int_equal(fake_count(&g.f, addr, 0), 1);
	}
	/* handed back: polled again once their TTL ran out (a lent one left busy never is) */
	fake_now += 120 * PT_NS_PER_S;
	pt_watch_step(g.w);
	assert_int_equal(fake_count(&g.f, "192.0.2.6", PT_TYPE_MX), 2);
	assert_int_equal(fake_count(&g.f, "192.0.2.7", PT_TYPE_MX), 2);
	rig_down(&g);

	rig_up(&g, false, 1);
	pt_watch_step(g.w);
	g.f.answer = true;
	pt_watch_check_truth(g.w);
	assert_true(fake_count(&g.f, "192.0.2.1", PT_TYPE_SOA) > 0);
	rig_down(&g);
}

struct late_answer {
	struct rig *g;
	size_t query;
};

static void *answer_late(void *arg)
{
	struct late_answer *l = arg;

	nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000000L }, NULL);
	answer(l->g, l->query, PT_REPLY_OK, 1);
	return NULL;
}

/* The discovery waits for a second answering resolver while one may still answer, and lends
 * no failing one beside them. Lent the first alone, the fastest resolver of the list decides what the discovery sees (t_hostile:
 * one claiming another zone answered its poll first, and the truth fell to the majority). */
static void test_truth_waits_for_a_second_resolver(void **unused)
{
	struct rig g;
	struct late_answer late;
	pthread_t th;

	(void)unused;
	rig_up(&g, false, 3);
	pt_watch_step(g.w);
	answer(&g, query_to(&g, "192.0.2.1", PT_TYPE_MX), PT_REPLY_OK, 1);
	answer(&g, query_to(&g, "192.0.2.3", PT_TYPE_MX), PT_REPLY_TIMEOUT, 0);
	late = (struct late_answer){ &g, query_to(&g, "192.0.2.2", PT_TYPE_MX) };
	g.f.answer = true;
	assert_int_equal(pthread_create(&th, NULL, answer_late, &late), 0);
	pt_watch_check_truth(g.w);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(fake_count(&g.f, "192.0.2.1", PT_TYPE_SOA) > 0);
	assert_true(fake_count(&g.f, "192.0.2.2", PT_TYPE_SOA) > 0);
	/* 3 timed out: beside answering ones, not lent (each question they leave open would
	 * wait its timeout) */
	assert_int_equal(fake_count(&g.f, "192.0.2.3", PT_TYPE_SOA), 0);
	rig_down(&g);
}

/* A network whose first question is held until the test says the watch is stopping. */
struct held_net {
	struct fake_net f;
	atomic_bool held;     /* the poller is inside the first submit() */
	atomic_bool stopping; /* the test is about to call pt_watch_stop() */
	atomic_bool first_done;
};

static enum pt_status held_submit(void *impl, const struct pt_request *req, pt_reply_fn fn,
				  void *ctx)
{
	struct held_net *h = impl;

	if (!atomic_exchange(&h->first_done, true)) {
		atomic_store(&h->held, true);
		while (!atomic_load(&h->stopping)) {
			nanosleep(&(struct timespec){ .tv_nsec = 1000000L }, NULL);
		}
		/* pt_watch_stop() has set stop and broadcast by then */
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000000L }, NULL);
	}
	return fake_submit(&h->f, req, fn, ctx);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Stopped while the poller steps (--once ending as truth_return() pokes it): the poller must
 * not go on to wait out its idle second, which the stop's broadcast came too early to end. */
static void test_stop_while_stepping(void **unused)
{
	static struct held_net h;
	struct pt_truth_config tcfg = { .auth_port = 53 };
	struct pt_watch_config wcfg = { .interval_s = 2, .max_interval_s = 60, .once = true };
	struct pt_net net = { .submit = held_submit, .impl = &h };
	struct pt_resolver r = resolver("192.0.2.1");
	struct pt_state *st;
	struct pt_watch *w;
	uint64_t t0, took;

	(void)unused;
	fake_now = 1000 * PT_NS_PER_S;
	fake_init(&h.f, true);
	atomic_init(&h.held, false);
	atomic_init(&h.stopping, false);
	atomic_init(&h.first_done, false);
	st = pt_state_new("example.test", PT_TYPE_MX, fake_clock);
	w = pt_watch_new(&net, st, &tcfg, &wcfg, fake_clock);
	assert_non_null(w);
	assert_int_equal(pt_watch_add(w, &r, NULL), PT_OK);
	assert_int_equal(pt_watch_start(w), PT_OK);
	while (!atomic_load(&h.held)) {
		nanosleep(&(struct timespec){ .tv_nsec = 1000000L }, NULL);
	}
	atomic_store(&h.stopping, true);
	t0 = mono_ms();
	pt_watch_stop(w);
	took = mono_ms() - t0;
	/* the held submit's 100 ms, not the idle wait's 1 s */
	assert_true(took < 700);
	pt_watch_free(w);
	pt_state_free(st);
	fake_fini(&h.f);
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

/* The reply to recorded query @p i: data @p rdata (NULL: NODATA) with TTL @p ttl. */
static void answer_with(struct rig *g, size_t i, const char *rdata, uint32_t ttl)
{
	struct fake_rule r;
	struct pt_reply rep;

	memset(&r, 0, sizeof(r));
	r.result = PT_REPLY_OK;
	r.kind = rdata ? PT_ANSWER_DATA : PT_ANSWER_NODATA;
	r.rdata[0] = rdata;
	r.ttl = ttl;
	fake_reply(&r, &rep);
	rep.received_ns = fake_now;
	fake_deliver(&g->f, i, &rep);
	pt_reply_fini(&rep);
}

/* The index of the last recorded query to @p server for @p qtype (SIZE_MAX: none). */
static size_t query_of(const struct rig *g, const char *server, uint16_t qtype)
{
	size_t found = SIZE_MAX;

	for (size_t i = 0; i < g->f.nqueries; i++) {
		if (strcmp(g->f.queries[i].server, server) == 0 && g->f.queries[i].qtype == qtype) {
			found = i;
		}
	}
	return found;
}

/* --follow-mx on two resolvers (192.0.2.1 and .2): the truth found through resolver 1, the
 * zone's server answering for the domain (10 mx.example.test., TTL 300) and for the host
 * (A 192.0.2.25, no AAAA); no query recorded yet. */
static void rig_follow_mx(struct rig *g)
{
	struct pt_watch_config wcfg = { .interval_s = 2,
					.max_interval_s = 60,
					.truth_interval_s = 5,
					.follow_mx = true };
	const char *auth = "198.51.100.1";
	struct fake_rule *r;

	rig_with(g, &wcfg, 2);
	/* discovery through resolver 1; the zone's server answers for the domain and the host */
	r = fake_rule(&g->f, "192.0.2.1", "example.test.", PT_TYPE_SOA);
	r->zone = "example.test.";
	r->serial = 7;
	r = fake_rule(&g->f, "192.0.2.1", "mx.example.test.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->zone = "example.test.";
	r->serial = 7;
	fake_rule(&g->f, "192.0.2.1", "example.test.", PT_TYPE_NS)->rdata[0] = "ns1.example.test.";
	fake_rule(&g->f, "192.0.2.1", "ns1.example.test.", PT_TYPE_A)->rdata[0] = auth;
	r = fake_rule(&g->f, auth, "example.test.", PT_TYPE_MX);
	r->rdata[0] = "10 mx.example.test.";
	r->flags = PT_FLAG_AA;
	r->ttl = 300;
	r = fake_rule(&g->f, auth, "example.test.", PT_TYPE_SOA);
	r->flags = PT_FLAG_AA;
	r->zone = "example.test.";
	r->serial = 7;
	r = fake_rule(&g->f, auth, "mx.example.test.", PT_TYPE_A);
	r->rdata[0] = "192.0.2.25";
	r->flags = PT_FLAG_AA;
	r->ttl = 300;
	r = fake_rule(&g->f, auth, "mx.example.test.", PT_TYPE_AAAA);
	r->kind = PT_ANSWER_NODATA;
	r->flags = PT_FLAG_AA;
	r->zone = "example.test.";
	r->serial = 7;
	g->f.answer = true;
	pt_watch_check_truth(g->w);
	g->f.answer = false;
	g->f.nqueries = 0;
}

/* --follow-mx: the truth's MX target is asked for A and AAAA on every resolver, once per
 * resolver and type per due time (respecting its TTL), judged against the target's own
 * authoritative server (found by src/truth.c's discovery); convergence needs them. */
static void test_follow_mx(void **unused)
{
	struct pt_snapshot *s;
	struct rig g;

	(void)unused;
	rig_follow_mx(&g);
	s = pt_state_snapshot(g.st);
	assert_int_equal(s->ntargets, 2);
	assert_string_equal(s->targets[0].name, "mx.example.test.");
	assert_int_equal(s->targets[0].qtype, PT_TYPE_A);
	assert_int_equal(s->targets[0].truth.source, PT_TRUTH_AUTHORITATIVE);
	assert_string_equal(s->targets[0].truth.answer.rdata[0], "192.0.2.25");
	assert_int_equal(s->targets[1].truth.answer.kind, PT_ANSWER_NODATA);
	assert_true(s->reasons & PT_REASON_TARGETS_PENDING);
	pt_snapshot_free(s);

	/* one sweep: MX, A and AAAA on each resolver, nothing twice, and one question at a time
	 * per resolver (issue 11): the MX first, the followed questions after its reply */
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 2);
	assert_int_equal(fake_count(&g.f, NULL, PT_TYPE_MX), 2);
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 2);
	answer_with(&g, query_of(&g, "192.0.2.1", PT_TYPE_MX), "10 mx.example.test.", 300);
	answer_with(&g, query_of(&g, "192.0.2.2", PT_TYPE_MX), "10 mx.example.test.", 300);
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 4);
	assert_int_equal(fake_count(&g.f, NULL, PT_TYPE_A), 2);
	/* resolver 1 still caches the host's old address for 30 s more */
	answer_with(&g, query_of(&g, "192.0.2.1", PT_TYPE_A), "192.0.2.24", 30);
	answer_with(&g, query_of(&g, "192.0.2.2", PT_TYPE_A), "192.0.2.25", 300);
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 6);
	for (int i = 1; i <= 2; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "192.0.2.%d", i);
		assert_int_equal(fake_count(&g.f, addr, PT_TYPE_A), 1);
		assert_int_equal(fake_count(&g.f, addr, PT_TYPE_AAAA), 1);
		assert_string_equal(g.f.queries[query_of(&g, addr, PT_TYPE_A)].qname,
				    "mx.example.test.");
		assert_true(g.f.queries[query_of(&g, addr, PT_TYPE_A)].opts & PT_FLAG_RD);
	}
	answer_with(&g, query_of(&g, "192.0.2.1", PT_TYPE_AAAA), NULL, 300);
	assert_false(pt_watch_first_sweep_done(g.w));
	answer_with(&g, query_of(&g, "192.0.2.2", PT_TYPE_AAAA), NULL, 300);
	assert_true(pt_watch_first_sweep_done(g.w));
	s = pt_state_snapshot(g.st);
	assert_int_equal(s->rows[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->rows[0].targets[0].verdict, PT_VERDICT_DIFFER);
	assert_int_equal(s->rows[0].targets[1].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->rows[1].targets[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->reasons, PT_REASON_TARGETS_DIFFER);
	assert_int_equal(s->expires_within, 30);
	pt_snapshot_free(s);

	/* nothing is due before the old address expires; then only that question is asked */
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 6);
	fake_now += 32 * PT_NS_PER_S;
	pt_watch_step(g.w);
	assert_int_equal(g.f.nqueries, 7);
	assert_int_equal(query_of(&g, "192.0.2.1", PT_TYPE_A), 6);
	answer_with(&g, 6, "192.0.2.25", 300);
	assert_int_equal(pt_state_reasons(g.st, NULL), 0);
	rig_down(&g);
}

/* Issue 11's politeness: a resolver that answers REFUSED is asked its followed questions once,
 * then only its main question at each back-off step (2, 4, 8, 16 s), not five questions a
 * step; once it answers again, the followed questions go after that poll. */
static void test_refused_holds_followed_questions(void **unused)
{
	const char *r1 = "192.0.2.1";
	struct rig g;

	(void)unused;
	rig_follow_mx(&g);
	pt_watch_step(g.w);
	deliver(&g, query_of(&g, r1, PT_TYPE_MX), PT_ANSWER_RCODE, 5, NULL);
	answer_with(&g, query_of(&g, "192.0.2.2", PT_TYPE_MX), "10 mx.example.test.", 300);
	/* first contact: the followed questions once, refused too */
	for (int k = 0; k < 2; k++) {
		pt_watch_step(g.w);
		for (size_t j = 0; j < 2; j++) {
			uint16_t t = j == 0 ? PT_TYPE_A : PT_TYPE_AAAA;
			size_t q = query_of(&g, r1, t);

			if (q != SIZE_MAX && !g.f.queries[q].answered) {
				deliver(&g, q, PT_ANSWER_RCODE, 5, NULL);
			}
			q = query_of(&g, "192.0.2.2", t);
			if (q != SIZE_MAX && !g.f.queries[q].answered) {
				answer_with(&g, q, t == PT_TYPE_A ? "192.0.2.25" : NULL, 300);
			}
		}
	}
	assert_int_equal(fake_count(&g.f, r1, PT_TYPE_A), 1);
	assert_int_equal(fake_count(&g.f, r1, PT_TYPE_AAAA), 1);
	assert_true(pt_watch_first_sweep_done(g.w));

	/* four back-off steps: the main question alone */
	for (size_t step = 0; step < 4; step++) {
		size_t polls = fake_count(&g.f, r1, PT_TYPE_MX);

		for (int k = 0; k < 40 && fake_count(&g.f, r1, PT_TYPE_MX) == polls; k++) {
			fake_now += PT_NS_PER_S;
			pt_watch_step(g.w);
		}
		assert_int_equal(fake_count(&g.f, r1, PT_TYPE_MX), polls + 1);
		deliver(&g, query_of(&g, r1, PT_TYPE_MX), PT_ANSWER_RCODE, 5, NULL);
		pt_watch_step(g.w);
		assert_int_equal(fake_count(&g.f, r1, PT_TYPE_A), 1);
		assert_int_equal(fake_count(&g.f, r1, PT_TYPE_AAAA), 1);
	}

	/* it answers again: the followed questions come after that poll */
	size_t polls = fake_count(&g.f, r1, PT_TYPE_MX);

	for (int k = 0; k < 40 && fake_count(&g.f, r1, PT_TYPE_MX) == polls; k++) {
		fake_now += PT_NS_PER_S;
		pt_watch_step(g.w);
	}
	answer_with(&g, query_of(&g, r1, PT_TYPE_MX), "10 mx.example.test.", 300);
	pt_watch_step(g.w);
	assert_int_equal(fake_count(&g.f, r1, PT_TYPE_A) + fake_count(&g.f, r1, PT_TYPE_AAAA), 3);
	rig_down(&g);
}

/* The CD questions asked of @p server so far. */
static size_t cd_count(const struct rig *g, const char *server)
{
	size_t n = 0;

	for (size_t i = 0; i < g->f.nqueries; i++) {
		n += strcmp(g->f.queries[i].server, server) == 0 &&
		     (g->f.queries[i].opts & PT_FLAG_CD) != 0;
	}
	return n;
}

/* Step the fake clock a second at a time until @p server gets another poll (at most 120 s);
 * @return its index. */
static size_t next_poll(struct rig *g, const char *server)
{
	size_t polls = fake_count(&g->f, server, PT_TYPE_MX) - cd_count(g, server);

	for (int k = 0; k < 120; k++) {
		fake_now += PT_NS_PER_S;
		pt_watch_step(g->w);
		if (fake_count(&g->f, server, PT_TYPE_MX) - cd_count(g, server) > polls) {
			return query_of(g, server, PT_TYPE_MX);
		}
	}
	fail_msg("%s was not polled again within 120 s", server);
	return SIZE_MAX;
}

/* Issue 11 (politeness): a resolver that keeps answering SERVFAIL is asked the question with
 * CD on its 1st, 2nd, 4th and 8th SERVFAIL in a row, not at every back-off step (9 of 9
 * before), and the DNSSEC failure the first one found stays on its row meanwhile; after an
 * answer, the next SERVFAIL is a first one again. */
static void test_servfail_cd_per_streak(void **unused)
{
	struct pt_watch_config wcfg = { .interval_s = 2, .max_interval_s = 60 };
	const char *r1 = "192.0.2.1";
	struct pt_snapshot *snap;
	struct rig g;
	size_t q;

	(void)unused;
	rig_with(&g, &wcfg, 1);
	pt_watch_step(g.w);
	q = query_of(&g, r1, PT_TYPE_MX);
	for (int n = 1; n <= 9; n++) {
		deliver(&g, q, PT_ANSWER_RCODE, 2, NULL);
		pt_watch_step(g.w);
		if (n == 1 || n == 2 || n == 4 || n == 8) {
			/* the CD question, answered: validation fails there */
			assert_true(g.f.queries[g.f.nqueries - 1].opts & PT_FLAG_CD);
			deliver(&g, g.f.nqueries - 1, PT_ANSWER_DATA, 0, "10 mx.example.test.");
		} else {
			assert_false(g.f.queries[g.f.nqueries - 1].opts & PT_FLAG_CD);
		}
		snap = pt_state_snapshot(g.st);
		assert_non_null(snap);
		assert_true(snap->rows[0].dnssec_failure);
		pt_snapshot_free(snap);
		if (n < 9) {
			q = next_poll(&g, r1);
		}
	}
	assert_int_equal(cd_count(&g, r1), 4);
	/* it answers: the next SERVFAIL is asked with CD again */
	q = next_poll(&g, r1);
	answer(&g, q, PT_REPLY_OK, 30);
	q = next_poll(&g, r1);
	deliver(&g, q, PT_ANSWER_RCODE, 2, NULL);
	pt_watch_step(g.w);
	assert_int_equal(cd_count(&g, r1), 5);
	rig_down(&g);
}

/* Issue 11: watching, each resolver is asked about once per TTL period of its answer (a
 * poll just after the TTL runs out, never before) and its CH TXT identity once: ten minutes
 * on the fake clock, four resolvers with TTLs 30, 45, 60 and 120 s, every query answered at
 * once, counted per resolver. */
static void test_one_poll_per_ttl(void **unused)
{
	static const uint32_t ttls[] = { 30, 45, 60, 120 };
	struct pt_watch_config wcfg = { .interval_s = 2, .max_interval_s = 3600, .identity = true };
	const uint64_t span = 600 * PT_NS_PER_S;
	size_t done = 0, polls[4] = { 0 }, chaos[4] = { 0 };
	uint64_t start, last[4] = { 0 };
	struct rig g;

	(void)unused;
	rig_with(&g, &wcfg, 4);
	start = fake_now;
	while (fake_now <= start + span) {
		uint64_t next = pt_watch_step(g.w);

		/* what one step sent is out at once: never two questions to one resolver */
		for (size_t a = done; a < g.f.nqueries; a++) {
			for (size_t b = a + 1; b < g.f.nqueries; b++) {
				assert_string_not_equal(g.f.queries[a].server, g.f.queries[b].server);
			}
		}
		for (; done < g.f.nqueries; done++) {
			struct fake_query *q = &g.f.queries[done];
			size_t i = (size_t)(q->server[strlen(q->server) - 1] - '1');

			assert_true(i < 4);
			if (q->opts & PT_FLAG_CHAOS) {
				chaos[i]++;
				deliver(&g, done, PT_ANSWER_RCODE, 5, NULL);
				continue;
			}
			/* never before the TTL of the last answer ran out */
			if (polls[i] > 0) {
				assert_true(fake_now >= last[i] + ttls[i] * PT_NS_PER_S);
			}
			polls[i]++;
			last[i] = fake_now;
			answer(&g, done, PT_REPLY_OK, ttls[i]);
		}
		assert_true(g.f.nqueries < sizeof(g.f.queries) / sizeof(g.f.queries[0]));
		/* the next due poll, or a second on when none is due (as the poller wakes) */
		next = pt_watch_step(g.w);
		fake_now = next > fake_now && next - fake_now < PT_NS_PER_S ? next
									   : fake_now + PT_NS_PER_S;
	}
	for (size_t i = 0; i < 4; i++) {
		/* the first poll, then one per TTL period (plus at most 1.25 s each: the whole
		 * second of the resolver's clock and the spread) */
		size_t most = 1 + (size_t)(span / (ttls[i] * PT_NS_PER_S));
		size_t least = 1 + (size_t)(span / (ttls[i] * PT_NS_PER_S + 1250 * PT_NS_PER_MS));

		assert_true(polls[i] <= most);
		assert_true(polls[i] >= least);
		/* id.server once; a REFUSED to it: hostname.bind is not asked */
		assert_int_equal(chaos[i], 1);
	}
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
		cmocka_unit_test(test_truth_asks_idle_resolvers),
		cmocka_unit_test(test_truth_waits_for_a_second_resolver),
		cmocka_unit_test(test_stop_while_stepping),
		cmocka_unit_test(test_cancelled_is_no_answer),
		cmocka_unit_test(test_old_answer_asks_for_cached_ns),
		cmocka_unit_test(test_follow_mx),
		cmocka_unit_test(test_refused_holds_followed_questions),
		cmocka_unit_test(test_servfail_cd_per_streak),
		cmocka_unit_test(test_identity_and_cd_retry),
		cmocka_unit_test(test_one_poll_per_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
