/* The truth (src/truth.c) on a scripted network: discovery through the resolvers, the
 * delegation from the parent (a move; the once-a-second poll), the highest serial, lagging and lame servers, --auth, --expect, CNAMEs leaving the zone,
 * SERVFAIL retried with CD, the cache, and RFC 1982 serial arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "dns.h"
#include "fake_net.h"
#include "truth.h"

#define RESOLVER "192.0.2.53"
#define NS1 "198.51.100.1"
#define NS1_V6 "2001:db8::1"
#define NS2 "198.51.100.2"

static struct pt_resolver resolver(const char *addr)
{
	struct pt_resolver r;

	assert_int_equal(pt_resolver_parse_address(&r, addr, NULL, 0), PT_OK);
	return r;
}

/* The zone example.test. with two name servers (ns1 also over IPv6); ns2 lags one serial. */
static void zone(struct fake_net *f)
{
	struct fake_rule *r;

	r = fake_rule(f, RESOLVER, "example.test.", PT_TYPE_SOA);
	r->rdata[0] = "ns1.example.test. host.example.test. 2 10 5 600 5";
	r->zone = "example.test.";
	r->serial = 2;
	r = fake_rule(f, RESOLVER, "example.test.", PT_TYPE_NS);
	r->rdata[0] = "ns1.example.test.";
	r->rdata[1] = "ns2.example.test.";
	fake_rule(f, RESOLVER, "ns1.example.test.", PT_TYPE_A)->rdata[0] = NS1;
	fake_rule(f, RESOLVER, "ns1.example.test.", PT_TYPE_AAAA)->rdata[0] = NS1_V6;
	fake_rule(f, RESOLVER, "ns2.example.test.", PT_TYPE_A)->rdata[0] = NS2;
	fake_rule(f, RESOLVER, "ns2.example.test.", PT_TYPE_AAAA)->kind = PT_ANSWER_NODATA;
	for (int i = 0; i < 3; i++) {
		const char *s = i == 0 ? NS1 : i == 1 ? NS1_V6 : NS2;

		r = fake_rule(f, s, "example.test.", PT_TYPE_MX);
		r->rdata[0] = i < 2 ? "10 mx-new.example.test." : "10 mx-old.example.test.";
		r->flags = PT_FLAG_AA;
		r->ttl = 300;
		r = fake_rule(f, s, "example.test.", PT_TYPE_SOA);
		r->rdata[0] = "ns1.example.test. host.example.test. 2 10 5 600 5";
		r->flags = PT_FLAG_AA;
		r->zone = "example.test.";
		r->serial = i < 2 ? 2 : 1;
	}
}

static const struct pt_auth_server *server(const struct pt_truth *t, const char *addr)
{
	for (size_t i = 0; i < t->nservers; i++) {
		if (strcmp(t->servers[i].address, addr) == 0) {
			return &t->servers[i];
		}
	}
	fail_msg("no server %s", addr);
	return NULL;
}

static void test_discovery_and_highest_serial(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	struct pt_truth_config cfg = { .auth_port = 53 };
	struct pt_truth_cache *c = pt_truth_cache_new();
	struct pt_truth t;

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX, 0),
			 PT_OK);
	assert_int_equal(t.source, PT_TRUTH_AUTHORITATIVE);
	assert_string_equal(t.zone, "example.test.");
	assert_int_equal(t.answer.count, 1);
	assert_string_equal(t.answer.rdata[0], "10 mx-new.example.test.");
	assert_true(t.has_serial);
	assert_int_equal(t.serial, 2);
	/* every address of every name server, IPv6 too; the one with the older serial lags */
	assert_int_equal(t.nservers, 3);
	assert_int_equal(server(&t, NS1)->status, PT_AUTH_OK);
	assert_int_equal(server(&t, NS1_V6)->status, PT_AUTH_OK);
	assert_string_equal(server(&t, NS1_V6)->name, "ns1.example.test.");
	assert_int_equal(server(&t, NS2)->status, PT_AUTH_LAGGING);
	assert_int_equal(server(&t, NS2)->serial, 1);
	/* the servers were asked without recursion */
	for (size_t i = 0; i < f.nqueries; i++) {
		if (strcmp(f.queries[i].server, RESOLVER) != 0) {
			assert_false(f.queries[i].opts & PT_FLAG_RD);
		}
	}
	pt_truth_fini(&t);

	/* a second check within the rediscovery time reuses the servers: no resolver asked */
	size_t before = fake_count(&f, RESOLVER, 0);

	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX,
				       PT_TRUTH_REDISCOVER_NS),
			 PT_OK);
	assert_int_equal(fake_count(&f, RESOLVER, 0), before);
	pt_truth_fini(&t);
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX,
				       PT_TRUTH_REDISCOVER_NS + 1),
			 PT_OK);
	assert_true(fake_count(&f, RESOLVER, 0) > before);
	pt_truth_fini(&t);
	pt_truth_cache_free(c);
	fake_fini(&f);
}

#define PARENT "192.0.2.1"
#define NS3 "203.0.113.3"

/* A move: the parent zone test. now delegates example.test. to ns3 (new provider), while the
 * resolver still holds the old NS set (ns1, ns2), whose servers answer with a higher serial. */
static void moved_zone(struct fake_net *f, const char *delegated_to)
{
	struct fake_rule *r;

	zone(f);
	r = fake_rule(f, RESOLVER, "test.", PT_TYPE_SOA);
	r->rdata[0] = "ns.test. host.test. 1 10 5 600 5";
	r->zone = "test.";
	r->serial = 1;
	fake_rule(f, RESOLVER, "test.", PT_TYPE_NS)->rdata[0] = "ns.test.";
	fake_rule(f, RESOLVER, "ns.test.", PT_TYPE_A)->rdata[0] = PARENT;
	fake_rule(f, RESOLVER, "ns.test.", PT_TYPE_AAAA)->kind = PT_ANSWER_NODATA;
	r = fake_rule(f, PARENT, "example.test.", PT_TYPE_NS);
	r->kind = PT_ANSWER_REFERRAL;
	r->rdata[0] = delegated_to;
	r->glue[0] = strcmp(delegated_to, "ns3.example.test.") == 0 ? "ns3.example.test. " NS3
								      : "ns1.example.test. " NS1;
	r->ttl = 60;
	r = fake_rule(f, NS3, "example.test.", PT_TYPE_MX);
	r->rdata[0] = "10 mx.new-provider.test.";
	r->flags = PT_FLAG_AA;
	r->ttl = 300;
	r = fake_rule(f, NS3, "example.test.", PT_TYPE_SOA);
	r->rdata[0] = "ns3.example.test. host.example.test. 1 10 5 600 5";
	r->flags = PT_FLAG_AA;
	r->zone = "example.test.";
	r->serial = 1;
}

/* The truth comes through the parent's delegation, not the NS set resolvers hold: the old
 * provider's servers are asked, shown as not delegated, and never the truth, even with a
 * higher serial. The parent was asked without recursion. */
static void test_delegation_move(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	struct pt_truth_config cfg = { .auth_port = 53 };
	struct pt_truth_cache *c = pt_truth_cache_new();
	struct pt_truth t;

	(void)unused;
	fake_init(&f, true);
	moved_zone(&f, "ns3.example.test.");
	assert_true(pt_truth_poll(&net, c, &cfg, "example.test.")); /* nothing found yet */
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX, 0),
			 PT_OK);
	assert_int_equal(t.source, PT_TRUTH_AUTHORITATIVE);
	assert_string_equal(t.answer.rdata[0], "10 mx.new-provider.test.");
	assert_int_equal(t.serial, 1);
	assert_true(t.delegation_known);
	assert_string_equal(t.parent, "test.");
	assert_int_equal(t.ndelegation, 1);
	assert_string_equal(t.delegation[0], "ns3.example.test.");
	assert_int_equal(t.delegation_ttl, 60);
	assert_true(server(&t, NS3)->delegated);
	assert_int_equal(server(&t, NS3)->status, PT_AUTH_OK);
	/* the old provider: asked, with its answer and serial, and marked */
	assert_false(server(&t, NS1)->delegated);
	assert_int_equal(server(&t, NS1)->status, PT_AUTH_NOT_DELEGATED);
	assert_int_equal(server(&t, NS1)->serial, 2);
	assert_string_equal(server(&t, NS1)->answer.rdata[0], "10 mx-new.example.test.");
	assert_false(t.disagree);
	for (size_t i = 0; i < f.nqueries; i++) {
		if (strcmp(f.queries[i].server, PARENT) == 0) {
			assert_false(f.queries[i].opts & PT_FLAG_RD);
		}
	}
	pt_truth_fini(&t);

	/* the once-a-second poll: one SOA query to each delegated server only, the delegation
	 * at the parent; nothing changed. Then a new serial, and the delegation moving back. */
	size_t parent = fake_count(&f, PARENT, PT_TYPE_NS);
	size_t old = fake_count(&f, NS1, PT_TYPE_SOA) + fake_count(&f, NS2, PT_TYPE_SOA);
	size_t new = fake_count(&f, NS3, PT_TYPE_SOA);

	assert_false(pt_truth_poll(&net, c, &cfg, "example.test."));
	assert_int_equal(fake_count(&f, PARENT, PT_TYPE_NS), parent + 1);
	assert_int_equal(fake_count(&f, NS3, PT_TYPE_SOA), new + 1);
	assert_int_equal(fake_count(&f, NS1, PT_TYPE_SOA) + fake_count(&f, NS2, PT_TYPE_SOA), old);
	/* a new serial on a delegated server */
	f.rules[f.nrules - 1].serial = 2;
	assert_true(pt_truth_poll(&net, c, &cfg, "example.test."));
	f.rules[f.nrules - 1].serial = 1;
	assert_false(pt_truth_poll(&net, c, &cfg, "example.test."));
	/* the delegation at the parent */
	f.rules[f.nrules - 3].rdata[0] = "ns1.example.test.";
	assert_true(pt_truth_poll(&net, c, &cfg, "example.test."));
	/* stale now: the next full check rediscovers */
	assert_true(pt_truth_poll(&net, c, &cfg, "example.test."));
	pt_truth_cache_free(c);
	fake_fini(&f);
}

static void test_lame_and_silent_servers(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	struct pt_truth_config cfg = { .auth_port = 53 };
	struct pt_truth_cache *c = pt_truth_cache_new();
	struct pt_truth t;

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	/* ns1 answers without authority on both addresses; ns2 is right but older */
	for (size_t i = 0; i < f.nrules; i++) {
		if (strcmp(f.rules[i].server, NS1) == 0 || strcmp(f.rules[i].server, NS1_V6) == 0) {
			f.rules[i].flags = 0;
		}
	}
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX, 0),
			 PT_OK);
	assert_int_equal(server(&t, NS1)->status, PT_AUTH_LAME);
	assert_int_equal(server(&t, NS2)->status, PT_AUTH_OK);
	assert_string_equal(t.answer.rdata[0], "10 mx-old.example.test.");
	assert_int_equal(t.serial, 1);
	pt_truth_fini(&t);
	pt_truth_cache_free(c);
	fake_fini(&f);

	/* nobody answers: no truth (the caller may fall back to the majority) */
	fake_init(&f, true);
	zone(&f);
	f.nrules = 6; /* the resolver's rules only: every server times out */
	c = pt_truth_cache_new();
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX, 0),
			 PT_OK);
	assert_int_equal(t.source, PT_TRUTH_NONE);
	assert_int_equal(t.nservers, 3);
	assert_int_equal(server(&t, NS1)->status, PT_AUTH_TIMEOUT);
	pt_truth_fini(&t);
	pt_truth_cache_free(c);
	fake_fini(&f);
}

static void test_auth_and_expect(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER), auth = resolver(NS2);
	char *expect[] = { "10 MX-NEW.example.test" };
	struct pt_truth_config cfg = { .auth = &auth, .nauth = 1, .auth_port = 53 };
	struct pt_truth_cache *c = pt_truth_cache_new();
	struct pt_truth t;

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX, 0),
			 PT_OK);
	/* --auth replaces discovery: only that server is asked, no resolver */
	assert_int_equal(fake_count(&f, RESOLVER, 0), 0);
	assert_int_equal(t.nservers, 1);
	assert_string_equal(t.answer.rdata[0], "10 mx-old.example.test.");
	assert_string_equal(t.servers[0].name, "");
	pt_truth_fini(&t);
	/* --expect is the truth, normalised; the servers are still asked and shown */
	cfg.expect = expect;
	cfg.nexpect = 1;
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX, 0),
			 PT_OK);
	assert_int_equal(t.source, PT_TRUTH_EXPECTED);
	assert_string_equal(t.answer.rdata[0], "10 mx-new.example.test.");
	assert_int_equal(t.nservers, 1);
	assert_int_equal(t.serial, 1);
	pt_truth_fini(&t);
	expect[0] = "not an MX";
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "example.test.", PT_TYPE_MX, 0),
			 PT_ERR_PARSE);
	pt_truth_cache_free(c);
	fake_fini(&f);
}

/* An --expect'ed record that the primary serves but a lagging secondary still denies is not
 * published: a resolver asked now may ask the secondary and cache the denial. */
static void test_expect_unpublished_on_a_lagging_server(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	char *expect[] = { "10 mx-new.example.test." };
	struct pt_truth_config cfg = { .expect = expect, .nexpect = 1, .auth_port = 53 };
	struct pt_truth_cache *c = pt_truth_cache_new();
	struct fake_rule *r;
	struct pt_truth t;

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	r = fake_rule(&f, RESOLVER, "fresh.example.test.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NXDOMAIN;
	r->zone = "example.test.";
	r->serial = 2;
	for (int i = 0; i < 3; i++) {
		r = fake_rule(&f, i == 0 ? NS1 : i == 1 ? NS1_V6 : NS2, "fresh.example.test.",
			      PT_TYPE_MX);
		r->flags = PT_FLAG_AA;
		r->rdata[0] = "10 mx-new.example.test.";
		r->ttl = 30;
		if (i == 2) {
			r->kind = PT_ANSWER_NXDOMAIN;
			r->rdata[0] = NULL;
			r->ttl = 7;
		}
	}
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "fresh.example.test.",
				       PT_TYPE_MX, 0),
			 PT_OK);
	assert_int_equal(t.source, PT_TRUTH_EXPECTED);
	assert_string_equal(t.authoritative.rdata[0], "10 mx-new.example.test.");
	assert_true(t.unpublished);
	assert_int_equal(t.negative_ttl, 7);
	pt_truth_fini(&t);
	/* once the secondary has it too: published */
	f.rules[f.nrules - 1].kind = PT_ANSWER_DATA;
	f.rules[f.nrules - 1].rdata[0] = "10 mx-new.example.test.";
	assert_int_equal(pt_truth_find(&t, &net, c, &cfg, &via, 1, "fresh.example.test.",
				       PT_TYPE_MX, 0),
			 PT_OK);
	assert_false(t.unpublished);
	pt_truth_fini(&t);
	pt_truth_cache_free(c);
	fake_fini(&f);
}

/* A validating resolver SERVFAILs a bogus zone; asked again with CD it still finds it. */
static void test_servfail_retried_with_cd(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	char zonebuf[256];

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	for (size_t i = 0; i < f.nrules; i++) {
		if (strcmp(f.rules[i].server, RESOLVER) == 0) {
			f.rules[i].cd = 1;
		}
	}
	struct fake_rule *r = fake_rule(&f, RESOLVER, "example.test.", PT_TYPE_SOA);

	r->cd = 0;
	r->kind = PT_ANSWER_RCODE;
	r->rcode = PT_RCODE_SERVFAIL;
	assert_int_equal(pt_truth_find_zone(zonebuf, sizeof(zonebuf), &net, &via, 1,
					    "www.example.test."),
			 PT_OK);
	/* www has no SOA rule of its own: its reply (a timeout) stops the climb... */
	assert_string_equal(zonebuf, "");
	assert_int_equal(pt_truth_find_zone(zonebuf, sizeof(zonebuf), &net, &via, 1,
					    "example.test."),
			 PT_OK);
	assert_string_equal(zonebuf, "example.test.");
	/* ...and the zone came from the CD retry of the SERVFAIL */
	assert_true(fake_count(&f, RESOLVER, PT_TYPE_SOA) >= 3);
	fake_fini(&f);
}

/* @p server says NXDOMAIN for @p name's SOA, with @p zone's SOA (NULL: none). */
static void denial(struct fake_net *f, const char *server, const char *name, const char *zone,
		   unsigned flags)
{
	struct fake_rule *r = fake_rule(f, server, name, PT_TYPE_SOA);

	r->kind = PT_ANSWER_NXDOMAIN;
	r->rcode = PT_RCODE_NXDOMAIN;
	r->flags = flags;
	r->zone = zone;
}

/* The zone cut climbs past a name that exists without an SOA (NODATA from below the apex
 * carries the zone's SOA; here the resolver says NXDOMAIN without one, then the parent). */
static void test_zone_climbs(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	char zonebuf[256];
	struct fake_rule *r;

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	denial(&f, RESOLVER, "a.b.example.test.", NULL, 0);
	r = fake_rule(&f, RESOLVER, "b.example.test.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->zone = "example.test.";
	r->serial = 2;
	assert_int_equal(pt_truth_find_zone(zonebuf, sizeof(zonebuf), &net, &via, 1,
					    "a.b.example.test."),
			 PT_OK);
	assert_string_equal(zonebuf, "example.test.");
	fake_fini(&f);
}

/* Issue 13: a resolver whose SOA owner is not the name or an ancestor of it cannot choose
 * the zone (and so the authoritative servers); the next resolver's answer is taken. */
static void test_zone_owner_must_be_an_ancestor(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via[2] = { resolver("192.0.2.66"), resolver(RESOLVER) };
	char zonebuf[256];
	struct fake_rule *r;

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	r = fake_rule(&f, "192.0.2.66", "www.example.test.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->zone = "evil.test.";
	r->serial = 99;
	r = fake_rule(&f, RESOLVER, "www.example.test.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->zone = "example.test.";
	r->serial = 2;
	assert_int_equal(pt_truth_find_zone(zonebuf, sizeof(zonebuf), &net, via, 2,
					    "www.example.test."),
			 PT_OK);
	assert_string_equal(zonebuf, "example.test.");
	fake_fini(&f);
}

#define ROOT "192.0.2.10"
#define TLD "192.0.2.20"
#define HOSTS "198.51.100.7"

/* The root (a.root.test. through the resolver) delegates example. (glue), which delegates
 * hosts.example. (glue); hosts.example.'s server holds mx.hosts.example. A. */
static void tree(struct fake_net *f)
{
	struct fake_rule *r;

	fake_rule(f, RESOLVER, ".", PT_TYPE_NS)->rdata[0] = "a.root.test.";
	fake_rule(f, RESOLVER, "a.root.test.", PT_TYPE_A)->rdata[0] = ROOT;
	fake_rule(f, RESOLVER, "a.root.test.", PT_TYPE_AAAA)->kind = PT_ANSWER_NODATA;
	r = fake_rule(f, ROOT, "mx.hosts.example.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_REFERRAL;
	r->zone = "example.";
	r->rdata[0] = "ns.example.";
	r->glue[0] = "ns.example. " TLD;
	r->ttl = 600;
	r = fake_rule(f, TLD, "mx.hosts.example.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_REFERRAL;
	r->zone = "hosts.example.";
	r->rdata[0] = "ns1.hosts.example.";
	r->glue[0] = "ns1.hosts.example. " HOSTS;
	r->ttl = 120;
	r = fake_rule(f, HOSTS, "mx.hosts.example.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->flags = PT_FLAG_AA;
	r->zone = "hosts.example.";
	r->serial = 3;
	r = fake_rule(f, HOSTS, "hosts.example.", PT_TYPE_SOA);
	r->rdata[0] = "ns1.hosts.example. host.hosts.example. 3 10 5 600 5";
	r->flags = PT_FLAG_AA;
	r->zone = "hosts.example.";
	r->serial = 3;
	r = fake_rule(f, HOSTS, "mx.hosts.example.", PT_TYPE_A);
	r->rdata[0] = "192.0.2.99";
	r->flags = PT_FLAG_AA;
	r->ttl = 8;
}

/* A discovery run in a thread of its own over a record-only network. */
struct walk_job {
	struct pt_net *net;
	struct pt_resolver *via;
	size_t nvia;
	struct pt_truth_cache *c;
	struct pt_truth t;
	enum pt_status rc;
	_Atomic bool done;
};

static void *walk_thread(void *arg)
{
	struct walk_job *j = arg;
	struct pt_truth_config cfg = { .auth_port = 53 };

	j->rc = pt_truth_find(&j->t, j->net, j->c, &cfg, j->via, j->nvia, "mx.hosts.example.",
			      PT_TYPE_A, 0);
	j->done = true;
	return NULL;
}

/* Queries to @p server not answered yet, and the first of them in @p first. */
static size_t unanswered(struct fake_net *f, const char *server, size_t *first)
{
	size_t n = 0;

	pthread_mutex_lock(&f->lock);
	for (size_t i = f->nqueries; i-- > 0;) {
		if (!f->queries[i].answered && strcmp(f->queries[i].server, server) == 0) {
			n++;
			*first = i;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return n;
}

static void deliver_scripted(struct fake_net *f, size_t i)
{
	struct pt_reply rep;
	const struct fake_rule *r =
		fake_find(f, f->queries[i].server, f->queries[i].qname, f->queries[i].qtype,
			  f->queries[i].opts);

	fake_reply(r, &rep);
	fake_deliver(f, i, &rep);
	pt_reply_fini(&rep);
}

/* Issue 11's politeness: a discovery never has two questions out at one resolver (it had: the
 * A and AAAA of a server name went together, and the race's slower helper still held the
 * last question when the next went out), and it returns only once every question it sent to
 * a resolver came back. The second resolver is slow: answered only when nothing else is
 * out. */
static void test_one_question_at_a_time_per_resolver(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via[2] = { resolver(RESOLVER), resolver("192.0.2.54") };
	struct walk_job j = { .net = &net, .via = via, .nvia = 2, .c = pt_truth_cache_new() };
	const char *const servers[] = { RESOLVER, "192.0.2.54", ROOT, TLD, HOSTS };
	pthread_t th;
	size_t q;
	int spins = 0;

	(void)unused;
	fake_init(&f, false);
	tree(&f);
	fake_rule(&f, "192.0.2.54", ".", PT_TYPE_NS)->rdata[0] = "a.root.test.";
	assert_int_equal(pthread_create(&th, NULL, walk_thread, &j), 0);
	while (!j.done && spins++ < 200000) {
		bool sent = false;

		assert_true(unanswered(&f, RESOLVER, &q) <= 1);
		assert_true(unanswered(&f, "192.0.2.54", &q) <= 1);
		for (size_t k = 0; k < 5 && !sent; k++) {
			if (k != 1 && unanswered(&f, servers[k], &q) > 0) {
				deliver_scripted(&f, q);
				sent = true;
			}
		}
		if (!sent && unanswered(&f, "192.0.2.54", &q) > 0) {
			deliver_scripted(&f, q);
			sent = true;
		}
		if (!sent) {
			nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
		}
	}
	assert_true(j.done);
	pthread_join(th, NULL);
	assert_int_equal(j.rc, PT_OK);
	assert_string_equal(j.t.zone, "hosts.example.");
	/* nothing left out at a resolver when it returned */
	assert_int_equal(unanswered(&f, RESOLVER, &q), 0);
	assert_int_equal(unanswered(&f, "192.0.2.54", &q), 0);
	/* the slow one was asked too (the race), so the check above could fail */
	assert_true(fake_count(&f, "192.0.2.54", 0) > 0);
	for (size_t k = 2; k < 5; k++) {
		while (unanswered(&f, servers[k], &q) > 0) {
			deliver_scripted(&f, q);
		}
	}
	pt_truth_fini(&j.t);
	pt_truth_cache_free(j.c);
	fake_fini(&f);
}

/* The zone is found from the root down, referral by referral, without recursion: the
 * resolver is asked for the root's servers only (and, without recursion, the NS set it
 * holds), never for anything in the name's zone, which would make it fetch the zone's data
 * afresh. The last referral is the delegation. */
static void test_zone_walked_from_the_root(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	struct pt_truth_config cfg = { .auth_port = 53 };
	struct pt_truth_cache *c = pt_truth_cache_new();
	struct pt_truth t;

	(void)unused;
	fake_init(&f, true);
	tree(&f);
	/* the resolver would say another zone: not asked */
	fake_rule(&f, RESOLVER, "mx.hosts.example.", PT_TYPE_SOA)->zone = "example.";
	assert_int_equal(
		pt_truth_find(&t, &net, c, &cfg, &via, 1, "mx.hosts.example.", PT_TYPE_A, 0),
		PT_OK);
	assert_int_equal(t.source, PT_TRUTH_AUTHORITATIVE);
	assert_string_equal(t.zone, "hosts.example.");
	assert_string_equal(t.parent, "example.");
	assert_true(t.delegation_known);
	assert_int_equal(t.ndelegation, 1);
	assert_string_equal(t.delegation[0], "ns1.hosts.example.");
	assert_int_equal(t.delegation_ttl, 120);
	assert_int_equal(t.answer.count, 1);
	assert_string_equal(t.answer.rdata[0], "192.0.2.99");
	assert_int_equal(t.serial, 3);
	assert_int_equal(server(&t, HOSTS)->status, PT_AUTH_OK);
	for (size_t i = 0; i < f.nqueries; i++) {
		const struct fake_query *q = &f.queries[i];

		if (strcmp(q->server, RESOLVER) != 0) {
			assert_false(q->opts & PT_FLAG_RD);
		} else if (q->opts & PT_FLAG_RD) {
			/* with recursion: the root's servers only */
			assert_true(strcmp(q->qname, ".") == 0 ||
				    strcmp(q->qname, "a.root.test.") == 0);
		}
	}
	assert_int_equal(fake_count(&f, RESOLVER, PT_TYPE_SOA), 0);
	/* one server per step: each asked once */
	assert_int_equal(fake_count(&f, ROOT, PT_TYPE_SOA), 1);
	assert_int_equal(fake_count(&f, TLD, PT_TYPE_SOA), 1);
	pt_truth_fini(&t);

	/* a rediscovery walks again, but the root's servers are the cache's: the resolver is
	 * not asked for them again until they are PT_TRUTH_REDISCOVER_NS old */
	pt_truth_cache_reset(c);
	assert_int_equal(
		pt_truth_find(&t, &net, c, &cfg, &via, 1, "mx.hosts.example.", PT_TYPE_A, 0),
		PT_OK);
	assert_string_equal(t.zone, "hosts.example.");
	assert_int_equal(fake_count(&f, TLD, PT_TYPE_SOA), 2);
	size_t roots = 0;

	for (size_t i = 0; i < f.nqueries; i++) {
		roots += strcmp(f.queries[i].server, RESOLVER) == 0 &&
			 (strcmp(f.queries[i].qname, ".") == 0 ||
			  strcmp(f.queries[i].qname, "a.root.test.") == 0);
	}
	assert_int_equal(roots, 3); /* ". NS", a.root.test. A and AAAA: once */
	pt_truth_fini(&t);
	pt_truth_cache_free(c);
	fake_fini(&f);
}

/* Where the walk does not get there (a private zone the root denies, a root the resolvers do
 * not give), the zone the resolvers know stands: a stub zone corp. under a root that says
 * NXDOMAIN, and a walk whose root servers are silent. */
static void test_zone_walk_falls_back_to_the_resolvers(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	char zonebuf[256];
	struct fake_rule *r;

	(void)unused;
	fake_init(&f, true);
	tree(&f);
	denial(&f, ROOT, "mail.corp.", ".", PT_FLAG_AA);
	r = fake_rule(&f, RESOLVER, "mail.corp.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->zone = "corp.";
	assert_int_equal(pt_truth_find_zone(zonebuf, sizeof(zonebuf), &net, &via, 1, "mail.corp."),
			 PT_OK);
	assert_string_equal(zonebuf, "corp.");
	/* a name the root denies and the resolvers too: the root's denial */
	denial(&f, ROOT, "nowhere.", ".", PT_FLAG_AA);
	denial(&f, RESOLVER, "nowhere.", ".", 0);
	assert_int_equal(pt_truth_find_zone(zonebuf, sizeof(zonebuf), &net, &via, 1, "nowhere."),
			 PT_OK);
	assert_string_equal(zonebuf, ".");
	/* a root server that never answers: the climb through the resolvers */
	f.rules[1].result = PT_REPLY_TIMEOUT; /* a.root.test. A: no root servers */
	r = fake_rule(&f, RESOLVER, "mx.hosts.example.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->zone = "hosts.example.";
	assert_int_equal(
		pt_truth_find_zone(zonebuf, sizeof(zonebuf), &net, &via, 1, "mx.hosts.example."),
		PT_OK);
	assert_string_equal(zonebuf, "hosts.example.");
	fake_fini(&f);
}

/* An alias whose chain leaves the zone is followed to the target zone's own servers. */
static void test_cname_leaves_the_zone(void **unused)
{
	struct fake_net f;
	struct pt_net net = fake_net(&f);
	struct pt_resolver via = resolver(RESOLVER);
	struct pt_truth_config cfg = { .auth_port = 53 };
	struct pt_truth_cache *c = pt_truth_cache_new();
	struct pt_truth t;
	struct fake_rule *r;

	(void)unused;
	fake_init(&f, true);
	zone(&f);
	/* the alias: its own SOA query is the zone's (one label up) */
	r = fake_rule(&f, RESOLVER, "www.example.test.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->cnames[0] = "www.other.test.";
	for (int i = 0; i < 3; i++) {
		const char *s = i == 0 ? NS1 : i == 1 ? NS1_V6 : NS2;

		r = fake_rule(&f, s, "www.example.test.", PT_TYPE_A);
		r->kind = PT_ANSWER_NODATA;
		r->flags = PT_FLAG_AA;
		r->cnames[0] = "www.other.test.";
	}
	r = fake_rule(&f, RESOLVER, "www.other.test.", PT_TYPE_SOA);
	r->kind = PT_ANSWER_NODATA;
	r->zone = "other.test.";
	r->serial = 7;
	fake_rule(&f, RESOLVER, "other.test.", PT_TYPE_NS)->rdata[0] = "ns.other.test.";
	fake_rule(&f, RESOLVER, "ns.other.test.", PT_TYPE_A)->rdata[0] = "203.0.113.9";
	r = fake_rule(&f, "203.0.113.9", "www.other.test.", PT_TYPE_A);
	r->rdata[0] = "203.0.113.80";
	r->flags = PT_FLAG_AA;
	r->ttl = 60;
	r = fake_rule(&f, "203.0.113.9", "other.test.", PT_TYPE_SOA);
	r->flags = PT_FLAG_AA;
	r->zone = "other.test.";
	r->serial = 7;
	assert_int_equal(
		pt_truth_find(&t, &net, c, &cfg, &via, 1, "www.example.test.", PT_TYPE_A, 0),
		PT_OK);
	assert_int_equal(t.source, PT_TRUTH_AUTHORITATIVE);
	assert_int_equal(t.answer.kind, PT_ANSWER_DATA);
	assert_string_equal(t.answer.rdata[0], "203.0.113.80");
	/* the zone and serial shown stay the alias's */
	assert_string_equal(t.zone, "example.test.");
	assert_int_equal(t.serial, 2);
	pt_truth_fini(&t);
	pt_truth_cache_free(c);
	fake_fini(&f);
}

static void test_judge_server(void **unused)
{
	struct pt_reply rec, soa;

	(void)unused;
	memset(&rec, 0, sizeof(rec));
	memset(&soa, 0, sizeof(soa));
	rec.answer.kind = PT_ANSWER_DATA;
	rec.answer.flags = PT_FLAG_AA;
	soa.answer.kind = PT_ANSWER_DATA;
	assert_int_equal(pt_truth_judge_server(&rec, &soa), PT_AUTH_OK);
	rec.answer.flags = 0;
	assert_int_equal(pt_truth_judge_server(&rec, &soa), PT_AUTH_LAME);
	rec.answer.kind = PT_ANSWER_REFERRAL;
	assert_int_equal(pt_truth_judge_server(&rec, &soa), PT_AUTH_LAME);
	rec.answer.kind = PT_ANSWER_RCODE;
	rec.answer.rcode = PT_RCODE_REFUSED;
	assert_int_equal(pt_truth_judge_server(&rec, &soa), PT_AUTH_REFUSED);
	rec.answer.rcode = PT_RCODE_SERVFAIL;
	assert_int_equal(pt_truth_judge_server(&rec, &soa), PT_AUTH_ERROR);
	rec.result = PT_REPLY_TIMEOUT;
	assert_int_equal(pt_truth_judge_server(&rec, &soa), PT_AUTH_TIMEOUT);
	/* the record answered, only the SOA query failed: the SOA decides */
	rec.result = PT_REPLY_OK;
	rec.answer.kind = PT_ANSWER_DATA;
	rec.answer.flags = PT_FLAG_AA;
	soa.result = PT_REPLY_UNREACHABLE;
	assert_int_equal(pt_truth_judge_server(&rec, &soa), PT_AUTH_TIMEOUT);
}

static void test_serial_cmp(void **unused)
{
	(void)unused;
	assert_int_equal(pt_serial_cmp(5, 5), 0);
	assert_true(pt_serial_cmp(2026112802u, 2026112801u) > 0);
	assert_true(pt_serial_cmp(2026112801u, 2026112802u) < 0);
	/* Wrap-around: 1 comes after 0xffffffff. */
	assert_true(pt_serial_cmp(1, 0xffffffffu) > 0);
	assert_true(pt_serial_cmp(0xffffffffu, 1) < 0);
	/* 2^31 - 1 ahead is still after; beyond, it is before. */
	assert_true(pt_serial_cmp(0x7fffffffu, 0) > 0);
	assert_true(pt_serial_cmp(0x80000001u, 0) < 0);
	/* The undefined half-way case falls back to plain order, and stays antisymmetric. */
	assert_true(pt_serial_cmp(0x80000000u, 0) > 0);
	assert_true(pt_serial_cmp(0, 0x80000000u) < 0);
}

static void test_config_copy(void **unused)
{
	char *expect[] = { "10 a.example.", "20 b.example." };
	struct pt_resolver auth[1];
	struct pt_truth_config src, dst;

	(void)unused;
	memset(&src, 0, sizeof(src));
	auth[0] = resolver("127.0.0.1:5300");
	src.expect = expect;
	src.nexpect = 2;
	src.auth = auth;
	src.nauth = 1;
	src.auth_port = 53;
	assert_int_equal(pt_truth_config_copy(&dst, &src), PT_OK);
	assert_ptr_not_equal(dst.expect, src.expect);
	assert_string_equal(dst.expect[1], "20 b.example.");
	assert_int_equal(dst.auth[0].port, 5300);
	pt_truth_config_fini(&dst);
	assert_null(dst.expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery_and_highest_serial),
		cmocka_unit_test(test_delegation_move),
		cmocka_unit_test(test_lame_and_silent_servers),
		cmocka_unit_test(test_auth_and_expect),
		cmocka_unit_test(test_expect_unpublished_on_a_lagging_server),
		cmocka_unit_test(test_servfail_retried_with_cd),
		cmocka_unit_test(test_zone_climbs),
		cmocka_unit_test(test_zone_owner_must_be_an_ancestor),
		cmocka_unit_test(test_zone_walked_from_the_root),
		cmocka_unit_test(test_one_question_at_a_time_per_resolver),
		cmocka_unit_test(test_zone_walk_falls_back_to_the_resolvers),
		cmocka_unit_test(test_cname_leaves_the_zone),
		cmocka_unit_test(test_judge_server),
		cmocka_unit_test(test_serial_cmp),
		cmocka_unit_test(test_config_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
