/* Unit tests of the MX checks: facts are built by hand, pt_diagnose_judge() judges them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose.h"
#include "output_diagnose.h"
#include "text.h"

/* Set @r to a reply carrying @kind, @flags and a NULL-terminated list of RDATA. */
static void set_reply(struct pt_diag_reply *r, enum pt_answer_kind kind, unsigned flags,
		      uint32_t ttl, ...)
{
	va_list ap;
	const char *s;

	pt_answer_fini(&r->answer);
	memset(r, 0, sizeof(*r));
	r->asked = true;
	r->result = PT_REPLY_OK;
	r->answer.kind = kind;
	r->answer.flags = flags;
	r->answer.ttl = ttl;
	r->answer.has_ttl = true;
	r->answer.rcode = kind == PT_ANSWER_NXDOMAIN ? 3 : 0;
	va_start(ap, ttl);
	while ((s = va_arg(ap, const char *)) != NULL) {
		r->answer.rdata = realloc(r->answer.rdata, (r->answer.count + 1) * sizeof(char *));
		r->answer.rdata[r->answer.count++] = strdup(s);
	}
	va_end(ap);
}

static void set_rcode(struct pt_diag_reply *r, int rcode)
{
	set_reply(r, PT_ANSWER_RCODE, 0, 0, NULL);
	r->answer.rcode = rcode;
	r->answer.has_ttl = false;
}

static void add_cname(struct pt_diag_reply *r, const char *target)
{
	r->answer.cnames = realloc(r->answer.cnames, (r->answer.ncnames + 1) * sizeof(char *));
	r->answer.cnames[r->answer.ncnames++] = strdup(target);
}

static void set_soa(struct pt_diag_auth *a, uint32_t serial)
{
	char rd[128];

	snprintf(rd, sizeof(rd), "ns1.example.test. host.example.test. %u 3600 600 86400 300",
		 (unsigned)serial);
	set_reply(&a->soa, PT_ANSWER_DATA, PT_FLAG_AA, 3600, rd, NULL);
	a->soa.answer.serial = serial;
	a->soa.answer.has_serial = true;
}

static void add_auth(struct pt_diag_facts *f, const char *name, const char *addr,
		     uint32_t serial)
{
	struct pt_diag_auth *a;

	f->auth = realloc(f->auth, (f->nauth + 1) * sizeof(*f->auth));
	a = &f->auth[f->nauth++];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->address, sizeof(a->address), "%s", addr);
	a->port = 53;
	a->delegated = true;
	set_soa(a, serial);
	set_reply(&a->mx, PT_ANSWER_DATA, PT_FLAG_AA, 300, "10 mx1.example.test.",
		  "20 mx2.example.test.", NULL);
	set_reply(&a->ns, PT_ANSWER_DATA, PT_FLAG_AA, 3600, "ns1.example.test.",
		  "ns2.example.test.", NULL);
	set_reply(&a->cname, PT_ANSWER_NODATA, PT_FLAG_AA, 300, NULL);
	set_reply(&a->dnskey, PT_ANSWER_NODATA, PT_FLAG_AA, 300, NULL);
}

static struct pt_diag_target *add_target(struct pt_diag_facts *f, const char *name,
					 unsigned pref, const char *addr)
{
	struct pt_diag_target *t;

	f->targets = realloc(f->targets, (f->ntargets + 1) * sizeof(*f->targets));
	t = &f->targets[f->ntargets++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->preference = pref;
	t->addrs = calloc(4, sizeof(*t->addrs));
	if (addr) {
		set_reply(&t->a, PT_ANSWER_DATA, 0, 300, addr, NULL);
		snprintf(t->addrs[0].address, sizeof(t->addrs[0].address), "%s", addr);
		t->naddrs = 1;
	} else {
		set_reply(&t->a, PT_ANSWER_NODATA, 0, 300, NULL);
	}
	set_reply(&t->aaaa, PT_ANSWER_NODATA, 0, 300, NULL);
	return t;
}

static struct pt_diag_resolver *add_resolver(struct pt_diag_facts *f, const char *addr)
{
	struct pt_diag_resolver *r;

	f->resolvers = realloc(f->resolvers, (f->nresolvers + 1) * sizeof(*f->resolvers));
	r = &f->resolvers[f->nresolvers++];
	memset(r, 0, sizeof(*r));
	snprintf(r->resolver.address, sizeof(r->resolver.address), "%s", addr);
	r->resolver.port = 53;
	set_reply(&r->mx, PT_ANSWER_DATA, PT_FLAG_RA, 120, "10 mx1.example.test.",
		  "20 mx2.example.test.", NULL);
	return r;
}

/* A healthy domain: two servers, two MX hosts with global addresses, one resolver. */
static void healthy(struct pt_diag_facts *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->domain, sizeof(f->domain), "example.test.");
	snprintf(f->zone, sizeof(f->zone), "example.test.");
	snprintf(f->parent_zone, sizeof(f->parent_zone), "test.");
	add_auth(f, "ns1.example.test.", "192.0.2.53", 2026010101);
	add_auth(f, "ns2.example.test.", "198.51.100.53", 2026010101);
	f->parents = calloc(1, sizeof(*f->parents));
	f->nparents = 1;
	snprintf(f->parents[0].name, sizeof(f->parents[0].name), "a.test.");
	f->parents[0].delegation = calloc(2, sizeof(char *));
	f->parents[0].delegation[0] = strdup("ns1.example.test.");
	f->parents[0].delegation[1] = strdup("ns2.example.test.");
	f->parents[0].ndelegation = 2;
	f->parents[0].delegation_known = true;
	set_reply(&f->auth[0].mx, PT_ANSWER_DATA, PT_FLAG_AA, 300, "10 mx1.example.test.",
		  "20 mx2.example.test.", NULL);
	pt_answer_copy(&f->mx, &f->auth[0].mx.answer);
	f->mx_source = PT_DIAG_MX_AUTHORITATIVE;
	f->serial = 2026010101;
	f->has_serial = true;
	f->soa_ttl = 3600;
	f->soa_minimum = 300;
	f->has_soa = true;
	f->signed_known = true;
	add_target(f, "mx1.example.test.", 10, "8.8.4.4");
	add_target(f, "mx2.example.test.", 20, "1.1.1.1");
	add_resolver(f, "9.9.9.9");
	f->wall_ms = 1700000000000ULL;
}

/* Replace the reference MX (and the first server's) with the given records. */
static void set_mx(struct pt_diag_facts *f, ...)
{
	va_list ap;
	const char *s;

	pt_answer_fini(&f->mx);
	memset(&f->mx, 0, sizeof(f->mx));
	f->mx.kind = PT_ANSWER_DATA;
	f->mx.ttl = 300;
	f->mx.has_ttl = true;
	va_start(ap, f);
	while ((s = va_arg(ap, const char *)) != NULL) {
		f->mx.rdata = realloc(f->mx.rdata, (f->mx.count + 1) * sizeof(char *));
		f->mx.rdata[f->mx.count++] = strdup(s);
	}
	va_end(ap);
	for (size_t i = 0; i < f->nauth; i++) {
		pt_answer_fini(&f->auth[i].mx.answer);
		pt_answer_copy(&f->auth[i].mx.answer, &f->mx);
		f->auth[i].mx.answer.flags = PT_FLAG_AA;
	}
	for (size_t i = 0; i < f->nresolvers; i++) {
		pt_answer_fini(&f->resolvers[i].mx.answer);
		pt_answer_copy(&f->resolvers[i].mx.answer, &f->mx);
	}
}

static enum pt_check_status status_of(const struct pt_diagnosis *d, const char *id,
				      const char *subject)
{
	const struct pt_check *c = pt_diagnosis_find(d, id, subject);

	if (!c) {
		fail_msg("no check %s for %s", id, subject ? subject : "(any)");
	}
	return c->status;
}

static void judge(struct pt_diagnosis *d, const struct pt_diag_facts *f)
{
	assert_int_equal(pt_diagnose_judge(d, f), PT_OK);
	for (size_t i = 0; i < d->nchecks; i++) {
		/* every check explains itself; failing ones say how to fix */
		assert_true(d->checks[i].message[0] != '\0');
		if (d->checks[i].status == PT_CHECK_FAIL) {
			assert_true(d->checks[i].fix[0] != '\0');
		}
	}
}

static void test_healthy_passes(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;

	(void)state;
	healthy(&f);
	judge(&d, &f);
	assert_int_equal(d.summary[PT_CHECK_FAIL], 0);
	assert_int_equal(d.summary[PT_CHECK_WARN], 0);
	assert_int_equal(pt_diagnosis_exit_status(&d), 0);
	assert_int_equal(status_of(&d, "ns-lame", "ns1.example.test. (192.0.2.53)"), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "auth-serial-consistent", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "auth-mx-consistent", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "ns-parent-child", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "apex-cname", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "mx-exists", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "mx-single", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "mx-target-address-range", "8.8.4.4"), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "propagation", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "smtp-reachable", NULL), PT_CHECK_SKIP);
	assert_int_equal(status_of(&d, "dnssec-validation", NULL), PT_CHECK_SKIP);
	assert_non_null(strstr(pt_diagnosis_find(&d, "mx-exists", NULL)->data_json,
			       "\"answer\": [\"10 mx1.example.test.\", \"20 mx2.example.test.\"]"));
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_lame_servers(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;

	(void)state;
	healthy(&f);
	add_auth(&f, "ns3.example.test.", "203.0.113.3", 0);
	add_auth(&f, "ns4.example.test.", "203.0.113.4", 0);
	add_auth(&f, "ns5.example.test.", "203.0.113.5", 0);
	add_auth(&f, "ns6.example.test.", "", 0);
	set_rcode(&f.auth[2].soa, 5);
	f.auth[3].soa.result = PT_REPLY_TIMEOUT;
	f.auth[4].soa.answer.flags = 0; /* answers, but without AA */
	judge(&d, &f);
	assert_int_equal(status_of(&d, "ns-lame", "ns1.example.test. (192.0.2.53)"), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "ns-lame", "ns3.example.test. (203.0.113.3)"), PT_CHECK_FAIL);
	assert_non_null(strstr(pt_diagnosis_find(&d, "ns-lame", "ns3.example.test. (203.0.113.3)")
				       ->message, "REFUSED"));
	assert_int_equal(status_of(&d, "ns-lame", "ns4.example.test. (203.0.113.4)"), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "ns-lame", "ns5.example.test. (203.0.113.5)"), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "ns-lame", "ns6.example.test."), PT_CHECK_FAIL);
	/* the lame ones do not count for serial consistency */
	assert_int_equal(status_of(&d, "auth-serial-consistent", NULL), PT_CHECK_PASS);
	assert_int_equal(pt_diagnosis_exit_status(&d), 1);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_lagging_secondary(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	const struct pt_check *c;

	(void)state;
	healthy(&f);
	set_soa(&f.auth[1], 2026010100);
	judge(&d, &f);
	c = pt_diagnosis_find(&d, "auth-serial-consistent", NULL);
	assert_int_equal(c->status, PT_CHECK_WARN);
	assert_non_null(strstr(c->message, "ns2.example.test. (198.51.100.53) serves serial 2026010100"));
	assert_int_equal(status_of(&d, "auth-mx-consistent", NULL), PT_CHECK_PASS);
	pt_diagnosis_fini(&d);

	set_reply(&f.auth[1].mx, PT_ANSWER_DATA, PT_FLAG_AA, 300, "10 mx-old.example.test.", NULL);
	judge(&d, &f);
	c = pt_diagnosis_find(&d, "auth-mx-consistent", NULL);
	assert_int_equal(c->status, PT_CHECK_FAIL);
	assert_non_null(strstr(c->message, "mx-old.example.test."));
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_parent_child(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;

	(void)state;
	healthy(&f);
	free(f.parents[0].delegation[1]);
	f.parents[0].delegation[1] = strdup("ns9.example.test.");
	judge(&d, &f);
	assert_int_equal(status_of(&d, "ns-parent-child", NULL), PT_CHECK_WARN);
	assert_non_null(strstr(pt_diagnosis_find(&d, "ns-parent-child", NULL)->message,
			       "only at the parent: ns9.example.test."));
	pt_diagnosis_fini(&d);
	free(f.parents[0].delegation[0]);
	f.parents[0].delegation[0] = strdup("ns8.example.test.");
	judge(&d, &f);
	assert_int_equal(status_of(&d, "ns-parent-child", NULL), PT_CHECK_FAIL);
	pt_diagnosis_fini(&d);
	f.parents[0].delegation_known = false;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "ns-parent-child", NULL), PT_CHECK_SKIP);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

/* A move in progress: the parent delegates to new servers while an old one, still held by
 * the resolvers, keeps answering with its old records: ns-parent-child says so, and the old
 * server's serial and MX take no part in the other checks. */
static void test_move(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	const struct pt_check *c;

	(void)state;
	healthy(&f);
	add_auth(&f, "ns1.old.test.", "203.0.113.53", 7);
	f.auth[f.nauth - 1].delegated = false;
	set_reply(&f.auth[f.nauth - 1].mx, PT_ANSWER_DATA, PT_FLAG_AA, 300, "10 mx-old.test.",
		  NULL);
	f.auth[f.nauth - 1].ns.answer.ttl = 86400;
	f.delegation_ttl = 3600;
	judge(&d, &f);
	c = pt_diagnosis_find(&d, "ns-parent-child", NULL);
	assert_non_null(c);
	assert_int_equal(c->status, PT_CHECK_WARN);
	assert_non_null(strstr(c->message, "a move to other name servers is in progress"));
	assert_non_null(strstr(c->message, "ns1.old.test. (203.0.113.53) (serial 7, MX "
					   "10 mx-old.test.)"));
	assert_non_null(strstr(c->message, "ask it for up to 86400s after they fetched it"));
	assert_non_null(strstr(c->data_json, "\"old_ns_ttl\": 86400"));
	/* the old serial is no lagging secondary, its MX no disagreement, and it is not lame */
	assert_int_equal(status_of(&d, "auth-serial-consistent", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "auth-mx-consistent", NULL), PT_CHECK_PASS);
	assert_null(pt_diagnosis_find(&d, "ns-lame", "ns1.old.test. (203.0.113.53)"));
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_mx_set(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;

	(void)state;
	healthy(&f);
	set_mx(&f, "10 mx1.example.test.", NULL);
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-single", NULL), PT_CHECK_WARN);
	assert_int_equal(status_of(&d, "mx-null", NULL), PT_CHECK_PASS);
	pt_diagnosis_fini(&d);

	set_mx(&f, "10 mx1.example.test.", "20 mx1.example.test.", NULL);
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-duplicate", NULL), PT_CHECK_WARN);
	assert_int_equal(status_of(&d, "mx-single", NULL), PT_CHECK_WARN);
	pt_diagnosis_fini(&d);

	set_mx(&f, "10 mx1.example.test.", "10 MX1.example.test.", NULL);
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-duplicate", NULL), PT_CHECK_FAIL);
	pt_diagnosis_fini(&d);

	set_mx(&f, "0 .", NULL);
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-null", NULL), PT_CHECK_WARN);
	assert_non_null(strstr(pt_diagnosis_find(&d, "mx-null", NULL)->message, "accepts no mail"));
	assert_int_equal(status_of(&d, "mx-null-mixed", NULL), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "mx-single", NULL), PT_CHECK_SKIP);
	pt_diagnosis_fini(&d);

	set_mx(&f, "0 .", "10 mx1.example.test.", NULL);
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-null-mixed", NULL), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "mx-null", NULL), PT_CHECK_SKIP);
	pt_diagnosis_fini(&d);

	pt_answer_fini(&f.mx);
	f.mx.kind = PT_ANSWER_NODATA;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-exists", NULL), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "mx-null", NULL), PT_CHECK_SKIP);
	assert_int_equal(status_of(&d, "ttl-high", NULL), PT_CHECK_SKIP);
	pt_diagnosis_fini(&d);
	f.mx.kind = PT_ANSWER_NXDOMAIN;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-exists", NULL), PT_CHECK_FAIL);
	assert_non_null(strstr(pt_diagnosis_find(&d, "mx-exists", NULL)->message, "NXDOMAIN"));
	pt_diagnosis_fini(&d);
	f.mx_source = PT_DIAG_MX_NONE;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-exists", NULL), PT_CHECK_SKIP);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_ip_literal(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;

	(void)state;
	healthy(&f);
	f.targets[1].literal = true;
	snprintf(f.targets[1].name, sizeof(f.targets[1].name), "192.0.2.25.");
	f.targets[1].naddrs = 0;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-ip-literal", "192.0.2.25."), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "mx-ip-literal", "mx1.example.test."), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "mx-target-exists", "192.0.2.25."), PT_CHECK_SKIP);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_apex_cname(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;

	(void)state;
	healthy(&f);
	set_reply(&f.auth[0].cname, PT_ANSWER_DATA, PT_FLAG_AA, 300, "other.test.", NULL);
	judge(&d, &f);
	assert_int_equal(status_of(&d, "apex-cname", NULL), PT_CHECK_FAIL);
	pt_diagnosis_fini(&d);

	/* an alias below the apex with no other data: legal, but worth a warning */
	snprintf(f.domain, sizeof(f.domain), "www.example.test.");
	for (size_t i = 0; i < f.nauth; i++) {
		add_cname(&f.auth[i].mx, "other.test.");
	}
	judge(&d, &f);
	assert_int_equal(status_of(&d, "apex-cname", NULL), PT_CHECK_WARN);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_targets(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	struct pt_diag_target *t;

	(void)state;
	healthy(&f);
	t = add_target(&f, "gone.example.test.", 30, NULL);
	set_reply(&t->a, PT_ANSWER_NXDOMAIN, 0, 300, NULL);
	set_reply(&t->aaaa, PT_ANSWER_NXDOMAIN, 0, 300, NULL);
	t = add_target(&f, "alias.example.test.", 40, "8.8.8.8");
	add_cname(&t->a, "mx1.example.test.");
	add_target(&f, "noaddr.example.test.", 50, NULL);
	add_target(&f, "priv.example.test.", 60, "10.0.0.25");
	t = add_target(&f, "doc.example.test.", 70, "2001:db8::25");
	t = add_target(&f, "broken.example.test.", 80, NULL);
	t->a.result = PT_REPLY_TIMEOUT;
	t->aaaa.result = PT_REPLY_TIMEOUT;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "mx-target-exists", "gone.example.test."), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "mx-target-cname", "gone.example.test."), PT_CHECK_SKIP);
	assert_int_equal(status_of(&d, "mx-target-exists", "alias.example.test."), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "mx-target-cname", "alias.example.test."), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "mx-target-address", "alias.example.test."), PT_CHECK_PASS);
	assert_int_equal(status_of(&d, "mx-target-address", "noaddr.example.test."), PT_CHECK_FAIL);
	assert_int_equal(status_of(&d, "mx-target-address-range", "noaddr.example.test."),
			 PT_CHECK_SKIP);
	assert_int_equal(status_of(&d, "mx-target-address-range", "10.0.0.25"), PT_CHECK_WARN);
	assert_non_null(strstr(pt_diagnosis_find(&d, "mx-target-address-range", "10.0.0.25")->data_json,
			       "\"class\": \"private\""));
	assert_int_equal(status_of(&d, "mx-target-address-range", "2001:db8::25"), PT_CHECK_WARN);
	assert_int_equal(status_of(&d, "mx-target-exists", "broken.example.test."), PT_CHECK_SKIP);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_propagation_and_ttls(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	struct pt_diag_resolver *r;
	const struct pt_check *c;

	(void)state;
	healthy(&f);
	r = add_resolver(&f, "1.0.0.1");
	set_reply(&r->mx, PT_ANSWER_DATA, PT_FLAG_RA, 41, "10 mx-old.example.test.", NULL);
	r = add_resolver(&f, "8.8.8.8");
	set_reply(&r->mx, PT_ANSWER_NODATA, PT_FLAG_RA, 250, NULL);
	judge(&d, &f);
	c = pt_diagnosis_find(&d, "propagation", NULL);
	assert_int_equal(c->status, PT_CHECK_WARN);
	assert_non_null(strstr(c->message, "1 of 3 resolvers serve the current MX"));
	assert_non_null(strstr(c->data_json, "\"expires_within\": 250"));
	c = pt_diagnosis_find(&d, "negative-ttl", NULL);
	assert_int_equal(c->status, PT_CHECK_WARN);
	assert_non_null(strstr(c->message, "negative-caching TTL 300s"));
	assert_int_equal(status_of(&d, "ttl-high", NULL), PT_CHECK_PASS);
	pt_diagnosis_fini(&d);

	f.mx.ttl = 86400;
	f.soa_minimum = 60;
	f.nresolvers = 1;
	judge(&d, &f);
	f.nresolvers = 3;
	assert_int_equal(status_of(&d, "ttl-high", NULL), PT_CHECK_WARN);
	assert_int_equal(status_of(&d, "negative-ttl", NULL), PT_CHECK_PASS);
	assert_non_null(strstr(pt_diagnosis_find(&d, "negative-ttl", NULL)->message, "60s"));
	assert_int_equal(status_of(&d, "propagation", NULL), PT_CHECK_PASS);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

/* No message is cut in the middle of a word: with 42 resolvers the list of those on an old
 * answer is summarised ("A, B and 30 more") and the data has every one; refused and silent
 * resolvers are left out of "M of N" as the dashboard's gauge leaves them out. */
static void test_long_lists(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	const struct pt_check *c;
	char addr[32];
	size_t old = 0;

	(void)state;
	healthy(&f);
	for (int i = 0; i < 41; i++) {
		struct pt_diag_resolver *r;

		snprintf(addr, sizeof(addr), "127.53.%d.%d", 1 + i / 200, 1 + i % 200);
		r = add_resolver(&f, addr);
		snprintf(r->resolver.label, sizeof(r->resolver.label),
			 "A public resolver with a long name number %d", i);
		if (i < 35) {
			set_reply(&r->mx, PT_ANSWER_DATA, PT_FLAG_RA, 100 + i,
				  "10 mx-old.example.test.", NULL);
			old++;
		} else if (i < 38) {
			r->mx.result = PT_REPLY_TIMEOUT;
			pt_answer_fini(&r->mx.answer);
		}
	}
	for (size_t i = 0; i < f.nauth; i++) {
		/* a lagging server with a long name: the serial list too */
		f.auth[i].soa.answer.serial = 2026010101 - (uint32_t)i;
	}
	judge(&d, &f);
	for (size_t i = 0; i < d.nchecks; i++) {
		const char *m = d.checks[i].message;
		size_t n = strlen(m);

		assert_true(n < sizeof(d.checks[i].message) - 1 || m[n - 1] != ' ');
		/* a cut message ends in an ellipsis after a whole word, never inside one */
		if (n >= 3 && strcmp(m + n - 3, "\u2026") == 0) {
			assert_true(m[n - 4] != ' ');
		}
	}
	c = pt_diagnosis_find(&d, "propagation", NULL);
	assert_int_equal(c->status, PT_CHECK_WARN);
	assert_true(strlen(c->message) < sizeof(c->message) - 1);
	/* 42 resolvers, 3 silent: 39 counted, 4 on the current MX, 35 on the old one */
	assert_non_null(strstr(c->message, "4 of 39 resolvers serve the current MX"));
	assert_non_null(strstr(c->message, "35 still serve an older answer (10 mx-old.example.test.): "
					   "A public resolver with a long name number 0, "));
	assert_non_null(strstr(c->message, " more; the last expires by "));
	assert_non_null(strstr(c->message, "; 3 more refused or did not answer (not counted)"));
	assert_null(strstr(c->message, "\u2026"));
	for (size_t i = 0; i < old; i++) {
		char want[96];

		snprintf(want, sizeof(want), "\"A public resolver with a long name number %zu\"", i);
		assert_non_null(strstr(c->data_json, want));
	}
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

/* The table puts failures first, then warnings; passes only with --verbose; lines fit. */
static void test_table_order(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	char *buf = NULL;
	size_t len;
	FILE *out;
	const char *fail, *warn, *line;

	(void)state;
	healthy(&f);
	f.auth[1].soa.answer.serial = 2026010100; /* lagging: warn */
	f.mx.ttl = 86400;			  /* ttl-high: warn */
	pt_answer_fini(&f.targets[0].a.answer);
	f.targets[0].a.answer.kind = PT_ANSWER_NXDOMAIN; /* mx-target-exists: fail */
	judge(&d, &f);
	out = open_memstream(&buf, &len);
	pt_output_diagnosis_table(out, &d, false, false, 80);
	fclose(out);
	fail = strstr(buf, "\nfail ");
	warn = strstr(buf, "\nwarn ");
	assert_non_null(fail);
	assert_non_null(warn);
	assert_true(fail < warn);
	assert_null(strstr(buf, "\npass "));
	assert_non_null(strstr(buf, "not listed; --verbose lists them"));
	for (line = buf; *line;) {
		const char *e = strchr(line, '\n');
		size_t n = e ? (size_t)(e - line) : strlen(line);
		char one[1024];

		snprintf(one, sizeof(one), "%.*s", (int)n, line);
		if (pt_text_width(one) > 80) {
			fail_msg("wider than 80: %s", one);
		}
		line += n + (e ? 1 : 0);
	}
	free(buf);
	out = open_memstream(&buf, &len);
	pt_output_diagnosis_table(out, &d, false, true, 80);
	fclose(out);
	assert_true(strstr(buf, "\nwarn ") < strstr(buf, "\npass "));
	assert_null(strstr(buf, "--verbose"));
	free(buf);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_smtp_results(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	static const enum pt_smtp_result results[] = { PT_SMTP_OK, PT_SMTP_REFUSED };

	(void)state;
	healthy(&f);
	f.smtp = true;
	f.smtp_port = 25;
	for (size_t i = 0; i < 2; i++) {
		struct pt_diag_address *a = &f.targets[i].addrs[0];

		a->probed = true;
		snprintf(a->smtp.address, sizeof(a->smtp.address), "%s", a->address);
		a->smtp.port = 25;
		a->smtp.result = results[i];
		a->smtp.starttls = true;
	}
	judge(&d, &f);
	assert_int_equal(status_of(&d, "smtp-reachable", "8.8.4.4:25"), PT_CHECK_PASS);
	assert_non_null(strstr(pt_diagnosis_find(&d, "smtp-reachable", "8.8.4.4:25")->data_json,
			       "\"starttls\": true"));
	assert_int_equal(status_of(&d, "smtp-reachable", "1.1.1.1:25"), PT_CHECK_FAIL);
	pt_diagnosis_fini(&d);

	/* a banner too long for the message: cut after a whole word, with an ellipsis */
	f.targets[1].addrs[0].smtp.result = PT_SMTP_BAD_BANNER;
	f.targets[1].addrs[0].smtp.banner_code = 554;
	memset(f.targets[1].addrs[0].smtp.banner, 0, sizeof(f.targets[1].addrs[0].smtp.banner));
	for (size_t k = 0; k + 13 < sizeof(f.targets[1].addrs[0].smtp.banner); k += 13) {
		memcpy(f.targets[1].addrs[0].smtp.banner + k, "go-elsewhere ", 13);
	}
	snprintf(f.targets[1].name, sizeof(f.targets[1].name), "%s",
		 "a-very-long-mail-host-name-indeed.with.many.labels.and-then-some-more-of-them."
		 "because.mail-hosts.can-have.names-of.up-to-253-bytes.in-all.example.test.");
	judge(&d, &f);
	{
		const char *m = pt_diagnosis_find(&d, "smtp-reachable", "1.1.1.1:25")->message;
		size_t n = strlen(m);

		assert_true(n > 300 && n < 400);
		assert_string_equal(m + n - strlen("go-elsewhere\u2026"), "go-elsewhere\u2026");
	}
	pt_diagnosis_fini(&d);

	f.targets[1].addrs[0].smtp.result = PT_SMTP_CONNECT_TIMEOUT;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "smtp-reachable", "1.1.1.1:25"), PT_CHECK_WARN);
	assert_non_null(strstr(pt_diagnosis_find(&d, "smtp-reachable", "1.1.1.1:25")->message,
			       "many networks block outgoing port 25"));
	pt_diagnosis_fini(&d);
	f.targets[1].addrs[0].smtp.result = PT_SMTP_BANNER_TIMEOUT;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "smtp-reachable", "1.1.1.1:25"), PT_CHECK_FAIL);
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_dnssec(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;
	struct pt_diag_resolver *r;

	(void)state;
	healthy(&f);
	f.signed_zone = true;
	judge(&d, &f);
	assert_int_equal(status_of(&d, "dnssec-validation", "example.test."), PT_CHECK_PASS);
	pt_diagnosis_fini(&d);

	r = add_resolver(&f, "1.0.0.1");
	set_rcode(&r->mx, 2);
	set_reply(&r->mx_cd, PT_ANSWER_DATA, PT_FLAG_RA | PT_FLAG_CD, 300, "10 mx1.example.test.",
		  "20 mx2.example.test.", NULL);
	r = add_resolver(&f, "8.8.8.8");
	set_rcode(&r->mx, 2);
	set_rcode(&r->mx_cd, 2);
	judge(&d, &f);
	assert_int_equal(status_of(&d, "dnssec-validation", "1.0.0.1"), PT_CHECK_FAIL);
	assert_non_null(strstr(pt_diagnosis_find(&d, "dnssec-validation", "1.0.0.1")->message,
			       "validation"));
	assert_int_equal(status_of(&d, "dnssec-validation", "8.8.8.8"), PT_CHECK_WARN);
	assert_int_equal(status_of(&d, "propagation", NULL), PT_CHECK_WARN);
	assert_null(pt_diagnosis_find(&d, "dnssec-validation", "example.test."));
	pt_diagnosis_fini(&d);
	pt_diag_facts_fini(&f);
}

static void test_empty_facts(void **state)
{
	struct pt_diag_facts f;
	struct pt_diagnosis d;

	(void)state;
	memset(&f, 0, sizeof(f));
	snprintf(f.domain, sizeof(f.domain), "nothing.test.");
	judge(&d, &f);
	/* nothing known: everything skips, nothing fails */
	assert_int_equal(d.summary[PT_CHECK_FAIL], 0);
	assert_int_equal(d.summary[PT_CHECK_SKIP], d.nchecks);
	assert_int_equal(pt_diagnosis_exit_status(&d), 0);
	pt_diagnosis_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_passes),
		cmocka_unit_test(test_lame_servers),
		cmocka_unit_test(test_lagging_secondary),
		cmocka_unit_test(test_parent_child),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_mx_set),
		cmocka_unit_test(test_ip_literal),
		cmocka_unit_test(test_apex_cname),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_propagation_and_ttls),
		cmocka_unit_test(test_long_lists),
		cmocka_unit_test(test_table_order),
		cmocka_unit_test(test_smtp_results),
		cmocka_unit_test(test_dnssec),
		cmocka_unit_test(test_empty_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
