/*
 * Tests for src/query.c. Replies are built as wire bytes, either by hand (hostile shapes ldns
 * would never write) or with ldns itself from zone-file lines; nothing touches the network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "query.h"

#define QID 0x4d2e

/* One reply to build with ldns. Zero values mean a plain valid NOERROR reply. */
struct fx {
	const char *qname;  /* question as written; "example.com." when NULL */
	const char *qtype;  /* "MX" when NULL */
	const char *qclass; /* "IN" when NULL */
	int id;		    /* QID when 0 */
	bool query;	    /* QR=0 */
	bool no_question;
	bool two_questions;
	int opcode;
	int rcode;
	const char *an[20];
	const char *ns[8];
	const char *ar[8];
	uint32_t ttl_override; /* sets every answer TTL when non-zero */
	bool edns;
	uint8_t ext_rcode;
	const uint8_t *opt;
	size_t optlen;
};

static void push_rrs(ldns_pkt *pkt, ldns_pkt_section sec, const char *const *lines, uint32_t ttl)
{
	for (; *lines; lines++) {
		ldns_rr *rr = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&rr, *lines, 3600, NULL, NULL),
				 LDNS_STATUS_OK);
		if (ttl) {
			ldns_rr_set_ttl(rr, ttl);
		}
		assert_true(ldns_pkt_push_rr(pkt, sec, rr));
	}
}

static uint8_t *fx_wire(const struct fx *f, size_t *len)
{
	ldns_pkt *pkt = ldns_pkt_new();
	uint8_t *wire = NULL;
	char q[300];

	assert_non_null(pkt);
	ldns_pkt_set_id(pkt, f->id ? (uint16_t)f->id : QID);
	ldns_pkt_set_qr(pkt, !f->query);
	ldns_pkt_set_opcode(pkt, (ldns_pkt_opcode)f->opcode);
	ldns_pkt_set_rd(pkt, true);
	ldns_pkt_set_ra(pkt, true);
	ldns_pkt_set_rcode(pkt, (uint8_t)f->rcode);
	snprintf(q, sizeof(q), "%s %s %s", f->qname ? f->qname : "example.com.",
		 f->qclass ? f->qclass : "IN", f->qtype ? f->qtype : "MX");
	for (int i = 0; !f->no_question && i < (f->two_questions ? 2 : 1); i++) {
		ldns_rr *rr = NULL;

		assert_int_equal(ldns_rr_new_question_frm_str(&rr, q, NULL, NULL), LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, rr));
	}
	push_rrs(pkt, LDNS_SECTION_ANSWER, f->an, f->ttl_override);
	push_rrs(pkt, LDNS_SECTION_AUTHORITY, f->ns, 0);
	push_rrs(pkt, LDNS_SECTION_ADDITIONAL, f->ar, 0);
	if (f->edns || f->opt || f->ext_rcode) {
		ldns_pkt_set_edns_udp_size(pkt, 1232);
		ldns_pkt_set_edns_extended_rcode(pkt, f->ext_rcode);
	}
	if (f->opt) {
		ldns_pkt_set_edns_data(
			pkt, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, f->optlen, f->opt));
	}
	assert_int_equal(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	return wire;
}

/* Parse @f as the reply to (@qname, @qtype). */
static enum pt_status fx_parse(struct pt_answer *a, const struct fx *f, const char *qname,
			       uint16_t qtype)
{
	size_t len;
	uint8_t *wire = fx_wire(f, &len);
	enum pt_status rc = pt_query_parse(a, wire, len, QID, qname, qtype, false);

	free(wire);
	return rc;
}

/* @want is NULL-terminated. */
static void assert_strv(char *const *v, size_t n, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		assert_true(i < n);
		assert_string_equal(v[i], want[i]);
	}
	assert_int_equal(n, i);
	if (n == 0) {
		assert_null(v);
	}
}

static void test_build(void **state)
{
	uint8_t *w1 = NULL, *w2 = NULL;
	size_t l1, l2;
	ldns_pkt *pkt = NULL;
	const ldns_rr *q;
	char *s;

	(void)state;
	assert_int_equal(pt_query_build(&w1, &l1, "Example.com", LDNS_RR_TYPE_MX, 0xbeef,
					PT_FLAG_RD | PT_FLAG_DO),
			 PT_OK);
	assert_int_equal(ldns_wire2pkt(&pkt, w1, l1), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(pkt), 0xbeef);
	assert_false(ldns_pkt_qr(pkt));
	assert_true(ldns_pkt_rd(pkt));
	assert_false(ldns_pkt_cd(pkt));
	assert_int_equal(ldns_pkt_get_opcode(pkt), LDNS_PACKET_QUERY);
	assert_true(ldns_pkt_edns(pkt));
	assert_int_equal(ldns_pkt_edns_udp_size(pkt), 1232);
	assert_true(ldns_pkt_edns_do(pkt));
	assert_int_equal(ldns_pkt_qdcount(pkt), 1);
	assert_int_equal(ldns_pkt_ancount(pkt) + ldns_pkt_nscount(pkt), 0);
	q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	assert_int_equal(ldns_rr_get_type(q), LDNS_RR_TYPE_MX);
	assert_int_equal(ldns_rr_get_class(q), LDNS_RR_CLASS_IN);
	s = ldns_rdf2str(ldns_rr_owner(q));
	assert_string_equal(s, "Example.com.");
	free(s);
	ldns_pkt_free(pkt);

	/* the trailing dot changes nothing on the wire */
	assert_int_equal(pt_query_build(&w2, &l2, "Example.com.", LDNS_RR_TYPE_MX, 0xbeef,
					PT_FLAG_RD | PT_FLAG_DO),
			 PT_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(w1, w2, l1);
	free(w1);
	free(w2);

	assert_int_equal(pt_query_build(&w1, &l1, "example.com", LDNS_RR_TYPE_A, 7, PT_FLAG_CD),
			 PT_OK);
	assert_int_equal(ldns_wire2pkt(&pkt, w1, l1), LDNS_STATUS_OK);
	assert_false(ldns_pkt_rd(pkt));
	assert_true(ldns_pkt_cd(pkt));
	assert_false(ldns_pkt_edns_do(pkt));
	assert_int_equal(ldns_pkt_edns_udp_size(pkt), 1232);
	ldns_pkt_free(pkt);
	free(w1);

	assert_int_equal(pt_query_build(&w1, &l1, "example.com", 0, 1, 0), PT_ERR_PARSE);
	assert_int_equal(pt_query_build(&w1, &l1, "a..b", LDNS_RR_TYPE_A, 1, 0), PT_ERR_PARSE);
	assert_null(w1);
	assert_int_equal(pt_query_build(&w1, &l1, "", LDNS_RR_TYPE_A, 1, 0), PT_ERR_PARSE);
	assert_int_equal(pt_query_build(&w1, &l1,
					"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
					"aaaaaaaaaaa.com",
					LDNS_RR_TYPE_A, 1, 0),
			 PT_ERR_PARSE);
}

static void test_mx_sorted(void **state)
{
	struct fx f = {
		.an = { "Example.COM. 300 IN MX 20 MX2.Example.COM.",
			"example.com. 100 IN MX 10 mx1.EXAMPLE.com.",
			"example.com. 200 IN MX 5 Mx5.example.com.",
			"other.example. 1 IN MX 1 wrong.example." },
		.edns = true,
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_DATA);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.flags, PT_FLAG_RD | PT_FLAG_RA);
	/* strcmp order, as the contract says: "5 ..." sorts after "20 ..." */
	assert_strv(a.rdata, a.count,
		    (const char *const[]){ "10 mx1.example.com.", "20 mx2.example.com.",
					   "5 mx5.example.com.", NULL });
	assert_true(a.has_ttl);
	assert_int_equal(a.ttl, 100);
	assert_int_equal(a.ncnames, 0);
	assert_null(a.zone);
	assert_false(a.has_serial);
	assert_int_equal(a.ede, -1);
	pt_answer_fini(&a);
	assert_null(a.rdata);
	assert_int_equal(a.count, 0);
	pt_answer_fini(NULL);
}

static void test_cname_chain(void **state)
{
	struct fx f = {
		.qname = "www.example.com.",
		.qtype = "A",
		.an = { "www.example.com. 300 IN CNAME A.Example.NET.",
			"b.example.org. 50 IN A 192.0.2.2",
			"a.example.net. 300 IN CNAME b.example.org.",
			"b.example.org. 60 IN A 192.0.2.1", "a.example.net. 5 IN A 198.51.100.1",
			"www.example.com. 5 IN A 198.51.100.2" },
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "www.example.com", LDNS_RR_TYPE_A), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_DATA);
	assert_strv(a.rdata, a.count, (const char *const[]){ "192.0.2.1", "192.0.2.2", NULL });
	assert_strv(a.cnames, a.ncnames,
		    (const char *const[]){ "a.example.net.", "b.example.org.", NULL });
	assert_int_equal(a.ttl, 50);
	pt_answer_fini(&a);
}

static void test_cname_loop(void **state)
{
	struct fx f = {
		.qname = "a.example.",
		.qtype = "A",
		.an = { "a.example. 300 IN CNAME b.example.",
			"B.example. 300 IN CNAME A.example." },
	};
	struct fx g = { .qname = "c0.example.", .qtype = "A" };
	char lines[20][64];
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "a.example.", LDNS_RR_TYPE_A), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_NODATA);
	assert_int_equal(a.count, 0);
	assert_false(a.has_ttl);
	assert_strv(a.cnames, a.ncnames, (const char *const[]){ "b.example.", NULL });
	pt_answer_fini(&a);

	/* a chain of 19 links stops after 16 steps */
	for (int i = 0; i < 19; i++) {
		snprintf(lines[i], sizeof(lines[i]), "c%d.example. 60 IN CNAME c%d.example.", i,
			 i + 1);
		g.an[i] = lines[i];
	}
	assert_int_equal(fx_parse(&a, &g, "c0.example.", LDNS_RR_TYPE_A), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_NODATA);
	assert_int_equal(a.ncnames, 16);
	assert_string_equal(a.cnames[15], "c16.example.");
	pt_answer_fini(&a);
}

static void test_asked_cname(void **state)
{
	struct fx f = {
		.qname = "www.example.com.",
		.qtype = "CNAME",
		.an = { "www.example.com. 120 IN CNAME Target.Example.NET.",
			"target.example.net. 300 IN CNAME further.example." },
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "WWW.example.com.", LDNS_RR_TYPE_CNAME), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_DATA);
	assert_strv(a.rdata, a.count, (const char *const[]){ "target.example.net.", NULL });
	assert_int_equal(a.ncnames, 0);
	assert_int_equal(a.ttl, 120);
	pt_answer_fini(&a);
}

static void test_nxdomain(void **state)
{
	struct fx f = {
		.rcode = LDNS_RCODE_NXDOMAIN,
		.qname = "nope.example.com.",
		.ns = { "Example.COM. 3600 IN SOA ns1.example.com. host.example.com. "
			"2023110101 7200 900 1209600 300" },
	};
	struct fx g = {
		.rcode = LDNS_RCODE_NXDOMAIN,
		.qname = "www.example.com.",
		.qtype = "A",
		.an = { "www.example.com. 300 IN CNAME gone.example.net." },
		.ns = { "example.net. 60 IN SOA ns1.example.net. host.example.net. 7 1 1 1 600" },
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "nope.example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_NXDOMAIN);
	assert_int_equal(a.rcode, 3);
	assert_int_equal(a.count, 0);
	assert_null(a.rdata);
	assert_true(a.has_ttl);
	assert_int_equal(a.ttl, 300); /* MINIMUM below SOA TTL */
	assert_string_equal(a.zone, "example.com.");
	assert_true(a.has_serial);
	assert_int_equal(a.serial, 2023110101);
	pt_answer_fini(&a);

	/* SOA TTL below MINIMUM, and CNAMEs before the NXDOMAIN */
	assert_int_equal(fx_parse(&a, &g, "www.example.com", LDNS_RR_TYPE_A), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_NXDOMAIN);
	assert_int_equal(a.ttl, 60);
	assert_strv(a.cnames, a.ncnames, (const char *const[]){ "gone.example.net.", NULL });
	assert_string_equal(a.zone, "example.net.");
	assert_int_equal(a.serial, 7);
	pt_answer_fini(&a);
}

static void test_nodata(void **state)
{
	struct fx f = {
		.qtype = "AAAA",
		.ns = { "example.com. 900 IN SOA ns1.example.com. h.example.com. 42 1 1 1 120",
			"example.com. 900 IN NS ns1.example.com." },
	};
	struct fx bare = { .qtype = "AAAA" };
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_AAAA), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_NODATA);
	assert_true(a.has_ttl);
	assert_int_equal(a.ttl, 120);
	assert_int_equal(a.serial, 42);
	pt_answer_fini(&a);

	assert_int_equal(fx_parse(&a, &bare, "example.com", LDNS_RR_TYPE_AAAA), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_NODATA);
	assert_false(a.has_ttl);
	assert_null(a.zone);
	assert_false(a.has_serial);
	pt_answer_fini(&a);
}

static void test_referral(void **state)
{
	struct fx f = {
		.ns = { "example.com. 172800 IN NS B.iana-servers.net.",
			"example.com. 172800 IN NS a.iana-servers.net.",
			"example.com. 172800 IN NS b.iana-servers.net." },
		.ar = { "a.iana-servers.net. 172800 IN A 199.43.135.53",
			"a.iana-servers.net. 3600 IN AAAA 2001:500:8f::53",
			"elsewhere.example. 60 IN A 192.0.2.66" },
	};
	struct pt_answer a;
	struct pt_answer c;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_REFERRAL);
	assert_int_equal(a.count, 0);
	assert_false(a.has_ttl);
	/* the parent's NS set: lower-cased, sorted, deduplicated, and copied deeply */
	assert_strv(a.referral_ns, a.nreferral_ns,
		    (const char *const[]){ "a.iana-servers.net.", "b.iana-servers.net.", NULL });
	/* the delegated zone, its TTL, and the glue of the delegated names only */
	assert_string_equal(a.referral_zone, "example.com.");
	assert_int_equal(a.referral_ttl, 172800);
	assert_strv(a.glue, a.nglue,
		    (const char *const[]){ "a.iana-servers.net. 199.43.135.53",
					   "a.iana-servers.net. 2001:500:8f::53", NULL });
	assert_int_equal(pt_answer_copy(&c, &a), PT_OK);
	assert_ptr_not_equal(c.referral_ns, a.referral_ns);
	assert_strv(c.referral_ns, c.nreferral_ns,
		    (const char *const[]){ "a.iana-servers.net.", "b.iana-servers.net.", NULL });
	assert_string_equal(c.referral_zone, "example.com.");
	assert_int_equal(c.nglue, 2);
	pt_answer_fini(&c);
	pt_answer_fini(&a);
}

static void test_rcodes(void **state)
{
	struct fx f = { .rcode = LDNS_RCODE_SERVFAIL };
	struct fx g = { .rcode = LDNS_RCODE_REFUSED };
	struct fx h = { .ext_rcode = 1 }; /* BADVERS */
	struct pt_answer a;
	char buf[16];

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_RCODE);
	assert_int_equal(a.rcode, 2);
	assert_string_equal(pt_rcode_name(a.rcode, buf, sizeof(buf)), "SERVFAIL");
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &g, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_RCODE);
	assert_int_equal(a.rcode, 5);
	assert_string_equal(pt_rcode_name(a.rcode, buf, sizeof(buf)), "REFUSED");
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &h, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_RCODE);
	assert_int_equal(a.rcode, 16);
	assert_string_equal(pt_rcode_name(a.rcode, buf, sizeof(buf)), "RCODE16");
	pt_answer_fini(&a);

	assert_string_equal(pt_rcode_name(0, buf, sizeof(buf)), "NOERROR");
	assert_string_equal(pt_rcode_name(3, buf, sizeof(buf)), "NXDOMAIN");
	assert_string_equal(pt_rcode_name(10, buf, sizeof(buf)), "NOTZONE");
	assert_string_equal(pt_rcode_name(12, buf, sizeof(buf)), "RCODE12");
}

static void test_ttl_top_bit(void **state)
{
	struct fx f = {
		.qtype = "A",
		.an = { "example.com. 1 IN A 192.0.2.1" },
		.ttl_override = 0x80000000U,
	};
	struct fx g = {
		.qtype = "A",
		.an = { "example.com. 1 IN A 192.0.2.1" },
		.ttl_override = 0x7fffffffU,
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_A), PT_OK);
	assert_true(a.has_ttl);
	assert_int_equal(a.ttl, 0);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &g, "example.com", LDNS_RR_TYPE_A), PT_OK);
	assert_int_equal(a.ttl, 0x7fffffffU);
	pt_answer_fini(&a);
}

static void test_not_our_reply(void **state)
{
	const struct fx bad[] = {
		{ .id = QID + 1 },
		{ .qname = "example.org." },
		{ .qname = "www.example.com." },
		{ .qtype = "A" },
		{ .qclass = "CH" },
		{ .query = true },
		{ .no_question = true },
		{ .two_questions = true },
		{ .opcode = LDNS_PACKET_NOTIFY },
	};
	struct pt_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0xa5, sizeof(a));
		assert_int_equal(fx_parse(&a, &bad[i], "example.com", LDNS_RR_TYPE_MX), PT_ERR_DNS);
		assert_null(a.rdata);
		assert_null(a.zone);
		assert_int_equal(a.count, 0);
	}
	/* an invalid expected name is the caller's error */
	assert_int_equal(fx_parse(&a, &bad[0], "a..b", LDNS_RR_TYPE_MX), PT_ERR_PARSE);
}

/* unbound's access-control "refuse" answers with a bare header: still the reply to us */
static void test_error_reply_without_question(void **state)
{
	const struct fx refused = { .no_question = true, .rcode = LDNS_RCODE_REFUSED };
	const struct fx formerr = { .no_question = true, .rcode = LDNS_RCODE_FORMERR };
	const struct fx nx = { .no_question = true, .rcode = LDNS_RCODE_NXDOMAIN };
	const struct fx wrong_id = { .no_question = true,
				     .rcode = LDNS_RCODE_REFUSED,
				     .id = QID + 1 };
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &refused, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_RCODE);
	assert_int_equal(a.rcode, LDNS_RCODE_REFUSED);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &formerr, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.rcode, LDNS_RCODE_FORMERR);
	pt_answer_fini(&a);
	/* a claim about the name needs the question */
	assert_int_equal(fx_parse(&a, &nx, "example.com", LDNS_RR_TYPE_MX), PT_ERR_DNS);
	assert_int_equal(fx_parse(&a, &wrong_id, "example.com", LDNS_RR_TYPE_MX), PT_ERR_DNS);
}

static void test_qname_case(void **state)
{
	struct fx f = {
		.qname = "eXaMpLe.CoM.",
		.an = { "EXAMPLE.com. 60 IN MX 10 mx.example.com." },
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "Example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_strv(a.rdata, a.count, (const char *const[]){ "10 mx.example.com.", NULL });
	pt_answer_fini(&a);
}

static void test_flags(void **state)
{
	struct fx f = { .an = { "example.com. 60 IN MX 10 mx.example.com." } };
	struct pt_answer a;
	size_t len;
	uint8_t *wire = fx_wire(&f, &len);

	(void)state;
	wire[2] = 0x87; /* QR AA TC RD */
	wire[3] = 0xb0; /* RA AD CD */
	assert_int_equal(pt_query_parse(&a, wire, len, QID, "example.com", LDNS_RR_TYPE_MX, false),
			 PT_OK);
	assert_int_equal(a.flags, PT_FLAG_AA | PT_FLAG_TC | PT_FLAG_RD | PT_FLAG_RA | PT_FLAG_AD |
					  PT_FLAG_CD);
	pt_answer_fini(&a);
	wire[2] = 0x80;
	wire[3] = 0x00;
	assert_int_equal(pt_query_parse(&a, wire, len, QID, "example.com", LDNS_RR_TYPE_MX, false),
			 PT_OK);
	assert_int_equal(a.flags, 0);
	pt_answer_fini(&a);
	free(wire);
}

static const struct fx full_reply = {
	.qname = "www.example.com.",
	.qtype = "MX",
	.an = { "www.example.com. 300 IN CNAME mail.example.com.",
		"mail.example.com. 300 IN MX 10 mx1.example.com.",
		"mail.example.com. 300 IN MX 20 mx2.example.com." },
	.ns = { "example.com. 3600 IN SOA ns1.example.com. h.example.com. 1 2 3 4 5",
		"example.com. 3600 IN NS ns1.example.com." },
	.ar = { "mx1.example.com. 300 IN A 192.0.2.1", "mx1.example.com. 300 IN AAAA 2001:db8::1" },
	.opt = (const uint8_t[]){ 0, 15, 0, 2, 0, 3 },
	.optlen = 6,
};

static void check_hostile(const uint8_t *wire, size_t len)
{
	struct pt_answer a;
	enum pt_status rc =
		pt_query_parse(&a, wire, len, QID, "www.example.com", LDNS_RR_TYPE_MX, false);

	if (rc == PT_OK) {
		assert_true(a.count == 0 || a.rdata);
		for (size_t i = 0; i < a.count; i++) {
			assert_non_null(a.rdata[i]);
		}
		pt_answer_fini(&a);
	} else {
		assert_true(rc == PT_ERR_PARSE || rc == PT_ERR_DNS);
		assert_null(a.rdata);
	}
}

static void test_truncated(void **state)
{
	size_t len;
	uint8_t *wire = fx_wire(&full_reply, &len);
	struct pt_answer a;

	(void)state;
	assert_int_equal(
		pt_query_parse(&a, wire, len, QID, "www.example.com", LDNS_RR_TYPE_MX, false),
		PT_OK);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.ede, 3);
	pt_answer_fini(&a);
	for (size_t n = 0; n < len; n++) {
		/* a fresh exact-size copy so ASan sees any read past the prefix */
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, wire, n);
		memset(&a, 0, sizeof(a));
		assert_int_not_equal(
			pt_query_parse(&a, p, n, QID, "www.example.com", LDNS_RR_TYPE_MX, false),
			PT_OK);
		assert_null(a.rdata);
		free(p);
	}
	assert_int_equal(
		pt_query_parse(&a, NULL, 0, QID, "www.example.com", LDNS_RR_TYPE_MX, false),
		PT_ERR_PARSE);
	free(wire);
}

static void test_garbage(void **state)
{
	size_t len;
	uint8_t *wire = fx_wire(&full_reply, &len);
	uint8_t buf[600];

	(void)state;
	srand(12345);
	for (int i = 0; i < 3000; i++) {
		size_t n = (size_t)rand() % sizeof(buf);
		uint8_t *p;

		for (size_t k = 0; k < n; k++) {
			buf[k] = (uint8_t)rand();
		}
		/* half keep a plausible header so the body parser gets exercised too */
		if (i % 2 && n >= 12) {
			memcpy(buf, wire, 12);
		}
		p = malloc(n ? n : 1);
		memcpy(p, buf, n);
		check_hostile(p, n);
		free(p);
	}
	/* bit flips and byte smashes of a valid reply */
	for (int i = 0; i < 5000; i++) {
		uint8_t *p = malloc(len);

		memcpy(p, wire, len);
		for (int k = 0; k < 1 + rand() % 4; k++) {
			if (rand() % 2) {
				p[rand() % len] ^= (uint8_t)(1u << (rand() % 8));
			} else {
				p[rand() % len] = (uint8_t)rand();
			}
		}
		check_hostile(p, len);
		free(p);
	}
	free(wire);
}

static void test_hostile_fixtures(void **state)
{
	/* question name is a pointer to itself */
	static const uint8_t self_ptr[] = {
		0x4d, 0x2e, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 15, 0, 1,
	};
	/* answer owner: two pointers chasing each other */
	static const uint8_t ptr_loop[] = {
		0x4d, 0x2e, 0x81, 0x80, 0, 1,	0,   1,	  0,  0, 0,  0, 7,  'e',  'x',	'a',
		'm',  'p',  'l',  'e',	3, 'c', 'o', 'm', 0,  0, 15, 0, 1,  0xc0, 0x1f, 0xc0,
		0x1d, 0,    15,	  0,	1, 0,	0,   0,	  60, 0, 4,  0, 10, 0xc0, 0x0c,
	};
	/* 65535 answers announced, none present */
	static const uint8_t huge_count[] = {
		0x4d, 0x2e, 0x81, 0x80, 0,   1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 7, 'e', 'x',
		'a',  'm',  'p',  'l',	'e', 3, 'c',  'o',  'm',  0,	0,    15,   0, 1,
	};
	/* MX RDATA length runs past the end */
	static const uint8_t long_rdata[] = {
		0x4d, 0x2e, 0x81, 0x80, 0,   1, 0,   1,	  0,   0,    0, 0,  7,	'e',  'x',
		'a',  'm',  'p',  'l',	'e', 3, 'c', 'o', 'm', 0,    0, 15, 0,	1,    0xc0,
		0x0c, 0,    15,	  0,	1,   0, 0,   0,	  60,  0x40, 0, 0,  10, 0xc0, 0x0c,
	};
	/* MX with empty RDATA: ldns reads it (UPDATE deletes look like this) */
	static const uint8_t empty_rdata[] = {
		0x4d, 0x2e, 0x81, 0x80, 0,   1,	  0, 1,	  0,   0,   0,	0, 7,  'e',
		'x',  'a',  'm',  'p',	'l', 'e', 3, 'c', 'o', 'm', 0,	0, 15, 0,
		1,    0xc0, 0x0c, 0,	15,  0,	  1, 0,	  0,   0,   60, 0, 0,
	};
	/* the same message, well formed: proves the fixtures differ only where intended */
	static const uint8_t good[] = {
		0x4d, 0x2e, 0x81, 0x80, 0,   1, 0,   1,	  0,   0, 0, 0,	 7,  'e',  'x',
		'a',  'm',  'p',  'l',	'e', 3, 'c', 'o', 'm', 0, 0, 15, 0,  1,	   0xc0,
		0x0c, 0,    15,	  0,	1,   0, 0,   0,	  60,  0, 4, 0,	 10, 0xc0, 0x0c,
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(pt_query_parse(&a, self_ptr, sizeof(self_ptr), QID, "example.com",
					LDNS_RR_TYPE_MX, false),
			 PT_ERR_PARSE);
	assert_int_equal(pt_query_parse(&a, ptr_loop, sizeof(ptr_loop), QID, "example.com",
					LDNS_RR_TYPE_MX, false),
			 PT_ERR_PARSE);
	assert_int_equal(pt_query_parse(&a, huge_count, sizeof(huge_count), QID, "example.com",
					LDNS_RR_TYPE_MX, false),
			 PT_ERR_PARSE);
	assert_int_equal(pt_query_parse(&a, long_rdata, sizeof(long_rdata), QID, "example.com",
					LDNS_RR_TYPE_MX, false),
			 PT_ERR_PARSE);
	assert_int_equal(pt_query_parse(&a, empty_rdata, sizeof(empty_rdata), QID, "example.com",
					LDNS_RR_TYPE_MX, false),
			 PT_ERR_PARSE);
	assert_int_equal(
		pt_query_parse(&a, good, sizeof(good), QID, "example.com", LDNS_RR_TYPE_MX, false),
		PT_OK);
	assert_strv(a.rdata, a.count, (const char *const[]){ "10 example.com.", NULL });
	assert_int_equal(a.ttl, 60);
	assert_int_equal(a.flags, PT_FLAG_RD | PT_FLAG_RA);
	pt_answer_fini(&a);
}

/* Issue 13: what ldns alone accepted from a hostile server is refused by the strict walk,
 * and a stray with another ID stays "not ours" whatever its shape. */
static void test_strict_walk(void **state)
{
	/* RDLENGTH 4 covers the preference and 2 bytes of "mx-evil.": ldns read the whole name */
	static const uint8_t rdlen_short[] = {
		0x4d, 0x2e, 0x81, 0x80, 0,   1,	  0,   1,   0,	 0,    0,    0, 7,  'e',
		'x',  'a',  'm',  'p',	'l', 'e', 3,   'c', 'o', 'm',  0,    0, 15, 0,
		1,    0xc0, 0x0c, 0,	15,  0,	  1,   0,   0,	 0,    60,   0, 4,  0,
		10,   7,    'm',  'x',	'-', 'e', 'v', 'i', 'l', 0xc0, 0x0c,
	};
	uint8_t good[] = {
		0x4d, 0x2e, 0x81, 0x80, 0,   1, 0,   1,	  0,   0, 0, 0,	 7,  'e',  'x',
		'a',  'm',  'p',  'l',	'e', 3, 'c', 'o', 'm', 0, 0, 15, 0,  1,	   0xc0,
		0x0c, 0,    15,	  0,	1,   0, 0,   0,	  60,  0, 4, 0,	 10, 0xc0, 0x0c,
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(pt_query_parse(&a, rdlen_short, sizeof(rdlen_short), QID, "example.com",
					LDNS_RR_TYPE_MX, false),
			 PT_ERR_PARSE);
	good[2] |= 0x02; /* TC */
	assert_int_equal(
		pt_query_parse(&a, good, sizeof(good), QID, "example.com", LDNS_RR_TYPE_MX, false),
		PT_OK);
	pt_answer_fini(&a);
	assert_int_equal(
		pt_query_parse(&a, good, sizeof(good), QID, "example.com", LDNS_RR_TYPE_MX, true),
		PT_ERR_PARSE);
	/* another ID: not ours even when truncated to garbage */
	assert_int_equal(
		pt_query_parse(&a, good, 20, QID + 1, "example.com", LDNS_RR_TYPE_MX, false),
		PT_ERR_DNS);
	good[2] &= (uint8_t)~0x80; /* QR clear: a query, not ours */
	assert_int_equal(
		pt_query_parse(&a, good, sizeof(good), QID, "example.com", LDNS_RR_TYPE_MX, true),
		PT_ERR_DNS);
}

/* Fuzzing finding (fuzz_query, leak-d09d4e41, leak-f3d089cf): ldns leaks the certificate
 * type field of a CERT when it is 0; such text is refused before ldns reads it (make asan's
 * LeakSanitizer checks this). */
/* fuzz_rdata under valgrind: ldns's tokenizer wrote past its 16-byte type buffer for a newline
 * inside parentheses at the buffer's end; a record is one line, text with a newline is refused */
static void test_rdata_newline(void **state)
{
	char *out = NULL;
	char txt[64];

	(void)state;
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "(AAAAAAAAAAAAAAA\nB 1"),
			 PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_MX, "10 (\nmx.example.)"),
			 PT_ERR_PARSE);
	assert_null(out);
	assert_int_equal(pt_txt_join("\"a\nb\"", txt, sizeof(txt)), PT_ERR_PARSE);
	/* fuzz_rdata: ldns prints ATMA "." as an empty field it cannot read back */
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "ATMA\r\r."), PT_ERR_PARSE);
	assert_null(out);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_MX, "10 ( mx.example. )"), PT_OK);
	assert_string_equal(out, "10 mx.example.");
	free(out);
}

static void test_cert_type_zero(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_CERT, "0 1 2 AAAA"), PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "CERT 00 1 2 AAAA"),
			 PT_ERR_PARSE);
	/* fuzz_rdata (leak-53dabbff): a parenthesis ends ldns's word too */
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "CERT\t0)"), PT_ERR_PARSE);
	/* fuzz_rdata (leak-c994efe4): any of ldns's white space ends the word */
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "CERT\r0)"), PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_CERT, "( 0 1 2 AAAA )"),
			 PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "CERT(0 1 2 AAAA)"),
			 PT_ERR_PARSE);
	assert_null(out);
	/* fuzz_rdata: ldns's tokenizer splits on more than blanks and parentheses */
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "CERT\r0"), PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY,
					    "CERT)\xe0"
					    "0)"),
			 PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_CERT, "65536 1 2 AAAA"),
			 PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "type37 0 1 2 AAAA"),
			 PT_ERR_PARSE);
	/* ldns reads TYPEn with atoi: "TYPE37ERT" and "TYPE65573" are CERT to it */
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "TYPE37ERT\t\t0"),
			 PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "TYPE65573 0 1 2 AAAA"),
			 PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "TYPE037 0 1 2 AAAA"),
			 PT_ERR_PARSE);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_CERT, "1 2 0 AAAA"), PT_OK);
	free(out);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_CERT, "pgp 0 0 AAAA"), PT_OK);
	free(out);
	assert_int_equal(pt_rdata_normalise(&out, LDNS_RR_TYPE_ANY, "TXT \"cert 0\""), PT_OK);
	assert_non_null(out);
	free(out);
}

static void test_txt_caa(void **state)
{
	struct fx f = {
		.qtype = "TXT",
		.an = { "example.com. 60 IN TXT \"v=spf1 Include:_SPF.Example.com -all\"",
			"example.com. 60 IN TXT \"Part One\" \"Part Two\"",
			"example.com. 60 IN TXT \"say \\\"hi\\\"\"" },
	};
	struct fx g = {
		.qtype = "CAA",
		.an = { "example.com. 60 IN CAA 0 issue \"LetsEncrypt.org\"" },
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_TXT), PT_OK);
	assert_strv(a.rdata, a.count,
		    (const char *const[]){ "\"Part One\" \"Part Two\"", "\"say \\\"hi\\\"\"",
					   "\"v=spf1 Include:_SPF.Example.com -all\"", NULL });
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &g, "example.com", LDNS_RR_TYPE_CAA), PT_OK);
	assert_strv(a.rdata, a.count, (const char *const[]){ "0 issue \"LetsEncrypt.org\"", NULL });
	pt_answer_fini(&a);
}

/* Bytes ldns lets through (a TAB; what a Latin-1 locale's isprint() accepts) are cleaned:
 * every DNS string is printable UTF-8; escape sequences stay escaped as \DDD. */
static void test_txt_bytes_cleaned(void **state)
{
	struct fx f = {
		.qtype = "TXT",
		.an = { "example.com. 60 IN TXT \"tab\there \\027[2J \\255\"" },
	};
	struct pt_answer a;

	(void)state;
	setlocale(LC_CTYPE, "C");
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_TXT), PT_OK);
	assert_int_equal(a.count, 1);
	assert_string_equal(a.rdata[0], "\"tab?here \\027[2J \\255\"");
	pt_answer_fini(&a);
}

static void test_dedupe(void **state)
{
	struct fx f = {
		.an = { "example.com. 60 IN MX 10 MX.example.com.",
			"example.com. 30 IN MX 10 mx.example.com.",
			"example.com. 60 IN MX 10 mx.EXAMPLE.com." },
	};
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_strv(a.rdata, a.count, (const char *const[]){ "10 mx.example.com.", NULL });
	assert_int_equal(a.ttl, 30);
	pt_answer_fini(&a);
}

/* What a user types for --expect must equal what a reply parses to. */
/* The same RDATA again is the same text (the thread's cache of recent texts), and RDATA that
 * differ in a byte, in the case of a name, in type or in field boundaries never get another's:
 * each reply parsed twice, in an order that revisits earlier ones. */
static void test_rdata_again(void **state)
{
	static const struct {
		const char *type, *record, *text;
	} cases[] = {
		{ "MX", "10 mx1.example.com.", "10 mx1.example.com." },
		{ "MX", "10 MX1.Example.COM.", "10 mx1.example.com." },
		{ "MX", "11 mx1.example.com.", "11 mx1.example.com." },
		{ "MX", "10 mx2.example.com.", "10 mx2.example.com." },
		{ "TXT", "\"ab\" \"c\"", "\"ab\" \"c\"" },
		{ "TXT", "\"a\" \"bc\"", "\"a\" \"bc\"" },
		{ "TXT", "\"abc\"", "\"abc\"" },
		{ "A", "192.0.2.1", "192.0.2.1" },
		{ "NS", "Ns1.Example.Com.", "ns1.example.com." },
		{ "CNAME", "ns1.example.com.", "ns1.example.com." },
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);

	(void)state;
	for (size_t round = 0; round < 3 * n; round++) {
		size_t i = (round * 7) % n;
		char line[200];
		struct fx f = { .qtype = cases[i].type, .an = { line } };
		struct pt_answer a;

		snprintf(line, sizeof(line), "example.com. 60 IN %s %s", cases[i].type,
			 cases[i].record);
		assert_int_equal(fx_parse(&a, &f, "example.com", pt_rrtype_from_name(cases[i].type)),
				 PT_OK);
		assert_int_equal(a.count, 1);
		assert_string_equal(a.rdata[0], cases[i].text);
		pt_answer_fini(&a);
	}
}

static void test_rdata_normalise(void **state)
{
	static const struct {
		const char *type, *record, *typed;
	} cases[] = {
		{ "MX", "10 MX1.Example.COM.", "10 mx1.example.com" },
		{ "A", "192.0.2.1", "192.0.2.1" },
		{ "AAAA", "2001:DB8:0:0::1", "2001:db8::0:1" },
		{ "TXT", "\"v=spf1 -all\"", "v=spf1\\ -all" },
		{ "TXT", "\"Hello\" \"World\"", "\"Hello\" World" },
		{ "CNAME", "Target.Example.net.", "target.example.NET" },
		{ "SOA", "NS1.example.com. Host.example.com. 2023 7200 900 1209600 300",
		  "ns1.example.com. host.example.com. 2023 7200 900 1209600 300" },
		{ "SRV", "10 5 443 Srv.Example.com.", "10 5 443 srv.example.com." },
		{ "CAA", "0 issue \"ca.example\"", "0  issue   \"ca.example\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[200];
		struct fx f = { .qtype = cases[i].type, .an = { line } };
		uint16_t type = pt_rrtype_from_name(cases[i].type);
		struct pt_answer a;
		char *norm = NULL;

		snprintf(line, sizeof(line), "example.com. 60 IN %s %s", cases[i].type,
			 cases[i].record);
		assert_int_equal(fx_parse(&a, &f, "example.com", type), PT_OK);
		assert_int_equal(a.count, 1);
		assert_int_equal(pt_rdata_normalise(&norm, type, cases[i].typed), PT_OK);
		assert_string_equal(norm, a.rdata[0]);
		free(norm);
		pt_answer_fini(&a);
	}
	{
		char *norm = NULL;

		assert_int_equal(pt_rdata_normalise(&norm, LDNS_RR_TYPE_MX, "10 MX1.Example.com"),
				 PT_OK);
		assert_string_equal(norm, "10 mx1.example.com.");
		free(norm);
		assert_int_equal(pt_rdata_normalise(&norm, LDNS_RR_TYPE_MX, "10"), PT_ERR_PARSE);
		assert_null(norm);
		assert_int_equal(pt_rdata_normalise(&norm, LDNS_RR_TYPE_A, "1.2.3"), PT_ERR_PARSE);
		assert_int_equal(pt_rdata_normalise(&norm, LDNS_RR_TYPE_MX, "10 a. b."),
				 PT_ERR_PARSE);
		assert_int_equal(pt_rdata_normalise(&norm, LDNS_RR_TYPE_MX, NULL), PT_ERR_PARSE);
	}
}

static void test_any(void **state)
{
	struct fx f = {
		.qtype = "ANY",
		.an = { "example.com. 60 IN MX 10 Mx.example.com.",
			"example.com. 60 IN A 192.0.2.1" },
	};
	struct pt_answer a;
	char *norm = NULL;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_ANY), PT_OK);
	assert_strv(a.rdata, a.count,
		    (const char *const[]){ "A 192.0.2.1", "MX 10 mx.example.com.", NULL });
	assert_int_equal(pt_rdata_normalise(&norm, LDNS_RR_TYPE_ANY, "mx 10 MX.example.com"),
			 PT_OK);
	assert_string_equal(norm, a.rdata[1]);
	free(norm);
	pt_answer_fini(&a);
}

static void test_rrtype(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(pt_rrtype_from_name("MX"), 15);
	assert_int_equal(pt_rrtype_from_name("mx"), 15);
	assert_int_equal(pt_rrtype_from_name("mX"), 15);
	assert_int_equal(pt_rrtype_from_name("aaaa"), 28);
	assert_int_equal(pt_rrtype_from_name("Txt"), 16);
	assert_int_equal(pt_rrtype_from_name("dnskey"), 48);
	assert_int_equal(pt_rrtype_from_name("ANY"), 255);
	assert_int_equal(pt_rrtype_from_name("TYPE65"), 65);
	assert_int_equal(pt_rrtype_from_name("type65534"), 65534);
	assert_int_equal(pt_rrtype_from_name("TYPE70000"), 0);
	assert_int_equal(pt_rrtype_from_name("TYPE12x"), 0);
	assert_int_equal(pt_rrtype_from_name("TYPE0"), 0);
	/* issue 13: ldns's atoi() read these as TYPE65535, CNAME and A */
	assert_int_equal(pt_rrtype_from_name("TYPE-1"), 0);
	assert_int_equal(pt_rrtype_from_name("TYPE+5"), 0);
	assert_int_equal(pt_rrtype_from_name("TYPE 1"), 0);
	assert_int_equal(pt_rrtype_from_name("TYPE"), 0);
	assert_int_equal(pt_rrtype_from_name("MX "), 0);
	assert_int_equal(pt_rrtype_from_name(" MX"), 0);
	assert_int_equal(pt_rrtype_from_name("TYPE99999999999999999999"), 0);
	assert_int_equal(pt_rrtype_from_name("NSAP-PTR"), 23);
	assert_int_equal(pt_rrtype_from_name("AXFR"), 0);
	assert_int_equal(pt_rrtype_from_name("ixfr"), 0);
	assert_int_equal(pt_rrtype_from_name("OPT"), 0);
	assert_int_equal(pt_rrtype_from_name("TSIG"), 0);
	assert_int_equal(pt_rrtype_from_name("bogus"), 0);
	assert_int_equal(pt_rrtype_from_name(""), 0);
	assert_int_equal(pt_rrtype_from_name(NULL), 0);
	assert_string_equal(pt_rrtype_name(15, buf, sizeof(buf)), "MX");
	assert_string_equal(pt_rrtype_name(257, buf, sizeof(buf)), "CAA");
	assert_string_equal(pt_rrtype_name(65534, buf, sizeof(buf)), "TYPE65534");
	assert_string_equal(pt_rrtype_name(65534, buf, 5), "TYPE");
}

static void test_name_normalise(void **state)
{
	char out[256], small[8];
	char l64[70], big[300];
	size_t p = 0;

	(void)state;
	assert_int_equal(pt_name_normalise(out, sizeof(out), "Example.COM"), PT_OK);
	assert_string_equal(out, "example.com.");
	assert_int_equal(pt_name_normalise(out, sizeof(out), "example.com."), PT_OK);
	assert_string_equal(out, "example.com.");
	assert_int_equal(pt_name_normalise(out, sizeof(out), "."), PT_OK);
	assert_string_equal(out, ".");
	assert_int_equal(pt_name_normalise(out, sizeof(out), "_DMARC.Example.com"), PT_OK);
	assert_string_equal(out, "_dmarc.example.com.");
	assert_int_equal(pt_name_normalise(out, sizeof(out), "a\\.B.c"), PT_OK);
	assert_string_equal(out, "a\\.b.c.");
	assert_int_equal(pt_name_normalise(out, sizeof(out), ""), PT_ERR_PARSE);
	assert_int_equal(pt_name_normalise(out, sizeof(out), NULL), PT_ERR_PARSE);
	assert_int_equal(pt_name_normalise(out, sizeof(out), ".."), PT_ERR_PARSE);
	assert_int_equal(pt_name_normalise(out, sizeof(out), "a..b"), PT_ERR_PARSE);
	assert_int_equal(pt_name_normalise(out, sizeof(out), ".a"), PT_ERR_PARSE);
	assert_int_equal(pt_name_normalise(out, sizeof(out), "a\\999.b"), PT_ERR_PARSE);
	assert_int_equal(pt_name_normalise(small, sizeof(small), "example.com"), PT_ERR_PARSE);

	memset(l64, 'a', 63);
	l64[63] = '\0';
	assert_int_equal(pt_name_normalise(out, sizeof(out), l64), PT_OK);
	l64[63] = 'a';
	l64[64] = '\0';
	assert_int_equal(pt_name_normalise(out, sizeof(out), l64), PT_ERR_PARSE);

	/* 3 x 63 + 61 = 253 characters: 255 wire octets, the limit */
	for (int i = 0; i < 3; i++) {
		memset(big + p, 'b', 63);
		p += 63;
		big[p++] = '.';
	}
	memset(big + p, 'b', 61);
	big[p + 61] = '\0';
	assert_int_equal(pt_name_normalise(out, sizeof(out), big), PT_OK);
	assert_int_equal(strlen(out), 254);
	big[p + 61] = 'b';
	big[p + 62] = '\0';
	assert_int_equal(pt_name_normalise(out, sizeof(out), big), PT_ERR_PARSE);
}

static void test_ede(void **state)
{
	static const uint8_t second[] = { 0, 10, 0,  8, 1, 2, 3,  4,   5,   6,	 7,
					  8, 0,	 15, 0, 6, 0, 18, 'n', 'o', 'p', 'e' };
	static const uint8_t overrun[] = { 0, 15, 0, 9, 0, 18 };
	static const uint8_t short_ede[] = { 0, 15, 0, 1, 7 };
	struct fx f = { .rcode = LDNS_RCODE_REFUSED, .opt = second, .optlen = sizeof(second) };
	struct fx g = { .opt = overrun, .optlen = sizeof(overrun) };
	struct fx h = { .opt = short_ede, .optlen = sizeof(short_ede) };
	struct fx plain = { .edns = true };
	struct pt_answer a;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.ede, 18);
	assert_int_equal(a.kind, PT_ANSWER_RCODE);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &g, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.ede, -1);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &h, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.ede, -1);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &plain, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.ede, -1);
	pt_answer_fini(&a);
}

/* Several EDE options (RFC 8914 §2 allows them): all kept in reply order up to PT_EDE_MAX,
 * the rest counted; one shorter than its INFO-CODE is skipped, not the others. */
static void test_ede_several(void **state)
{
	static const uint8_t two[] = { 0, 15, 0, 6, 0,	 6,  'k', 'e', 'y', '!', /* 6 + text */
				       0, 15, 0, 2, 0,	 3,			 /* 3, no text */
				       0, 3,  0, 2, 'n', 's' };
	static const uint8_t six[] = { 0, 15, 0, 2, 0, 1, 0, 15, 0, 2, 0, 2, 0, 15, 0, 2, 0, 3,
				       0, 15, 0, 2, 0, 4, 0, 15, 0, 2, 0, 5, 0, 15, 0, 2, 0, 6 };
	/* a first option too short for its code, then a good one */
	static const uint8_t short_first[] = { 0, 15, 0, 1, 7, 0, 15, 0, 3, 0, 22, 'x' };
	struct fx f = { .rcode = LDNS_RCODE_SERVFAIL, .opt = two, .optlen = sizeof(two) };
	struct fx g = { .opt = six, .optlen = sizeof(six) };
	struct fx h = { .opt = short_first, .optlen = sizeof(short_first) };
	struct pt_answer a, c;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_true(a.has_ede);
	assert_int_equal(a.ede, 6);
	assert_non_null(a.edes);
	assert_int_equal(a.edes->count, 2);
	assert_int_equal(a.edes->more, 0);
	assert_int_equal(a.edes->item[0].code, 6);
	assert_string_equal(a.edes->item[0].text, "key!");
	assert_int_equal(a.edes->item[1].code, PT_EDE_STALE);
	assert_null(a.edes->item[1].text);
	assert_true(pt_answer_has_ede(&a, PT_EDE_STALE));
	assert_false(pt_answer_has_ede(&a, 22));
	assert_string_equal(a.nsid, "ns");
	assert_int_equal(pt_answer_copy(&c, &a), PT_OK);
	assert_int_equal(c.edes->count, 2);
	assert_string_equal(c.edes->item[0].text, "key!");
	assert_true((const char *)c.edes->item[0].text > (const char *)c.edes &&
		    (const char *)c.edes->item[0].text < (const char *)c.edes + c.edes->size);
	pt_answer_fini(&a);
	/* the copy outlives the original */
	assert_string_equal(c.edes->item[0].text, "key!");
	pt_answer_fini(&c);

	assert_int_equal(fx_parse(&a, &g, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.edes->count, PT_EDE_MAX);
	assert_int_equal(a.edes->more, 6 - PT_EDE_MAX);
	assert_int_equal(a.edes->item[PT_EDE_MAX - 1].code, PT_EDE_MAX);
	assert_false(pt_answer_has_ede(&a, 6)); /* counted, not kept */
	pt_answer_fini(&a);

	assert_int_equal(fx_parse(&a, &h, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.ede, 22);
	assert_int_equal(a.edes->count, 1);
	assert_string_equal(a.edes->item[0].text, "x");
	pt_answer_fini(&a);
}

/* Hostile EXTRA-TEXT: control characters and escapes, invalid UTF-8, an embedded NUL, more
 * than PT_OPT_TEXT_MAX octets: cleaned and cut, never raw. */
static void test_ede_hostile_text(void **state)
{
	uint8_t opt[4 + 2 + 600 + 4 + 2 + 8];
	size_t n = 0;
	struct fx f = { .opt = opt };
	struct pt_answer a;
	const char *t;

	(void)state;
	/* option 1: ESC [ 3 1 m, a bare 0xff, then 'A' * 590 */
	opt[n++] = 0;
	opt[n++] = 15;
	opt[n++] = (uint8_t)(602 >> 8);
	opt[n++] = (uint8_t)(602 & 0xff);
	opt[n++] = 0;
	opt[n++] = 6;
	memcpy(opt + n, "\033[31m\xff", 6);
	n += 6;
	memset(opt + n, 'A', 594);
	n += 594;
	/* option 2: text with a NUL in the middle */
	opt[n++] = 0;
	opt[n++] = 15;
	opt[n++] = 0;
	opt[n++] = 10;
	opt[n++] = 0;
	opt[n++] = 9;
	memcpy(opt + n, "ab\0\r\ncdef", 8);
	n += 8;
	f.optlen = n;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.edes->count, 2);
	t = a.edes->item[0].text;
	assert_non_null(t);
	assert_null(strchr(t, '\033'));
	assert_non_null(strstr(t, "?[31m\xef\xbf\xbd")); /* ESC as '?', 0xff as U+FFFD */
	assert_true(strlen(t) <= 256 * 3);
	assert_true(strlen(t) >= 250); /* cut near PT_OPT_TEXT_MAX, not dropped */
	/* the NUL ends the text: what follows it is not shown */
	assert_int_equal(a.edes->item[1].code, 9);
	assert_string_equal(a.edes->item[1].text, "ab");
	pt_answer_fini(&a);
}

/* pt_answer_set_edes(): what --replay and tests build; texts cleaned again, overflow
 * counted. */
static void test_ede_set(void **state)
{
	static const int codes[] = { 1, 2, 3, 4, 5 };
	static const char *const texts[] = { "one", "", NULL, "\x1b", "five" };
	struct pt_answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(pt_answer_set_edes(&a, codes, texts, 5, 7), PT_OK);
	assert_int_equal(a.ede, 1);
	assert_int_equal(a.edes->count, PT_EDE_MAX);
	assert_int_equal(a.edes->more, 8);
	assert_string_equal(a.edes->item[0].text, "one");
	assert_null(a.edes->item[1].text);
	assert_null(a.edes->item[2].text);
	assert_string_equal(a.edes->item[3].text, "?");
	/* replaced, then cleared */
	assert_int_equal(pt_answer_set_edes(&a, codes + 2, NULL, 1, 0), PT_OK);
	assert_int_equal(a.edes->count, 1);
	assert_true(pt_answer_has_ede(&a, PT_EDE_STALE));
	assert_int_equal(pt_answer_set_edes(&a, NULL, NULL, 0, 0), PT_OK);
	assert_null(a.edes);
	assert_false(a.has_ede);
	assert_int_equal(a.ede, -1);
	assert_false(pt_answer_has_ede(&a, PT_EDE_STALE));
	pt_answer_fini(&a);
}

/* NSID (text and binary), EDE with EXTRA-TEXT, the ECS scope: through ldns's option list. */
static void test_edns_options(void **state)
{
	static const uint8_t opts[] = { 0,   3, 0,  9, 'l', 'a', 'b', '-', 'f', 'r', 'a',  '-',
					'1', 0, 15, 0, 7,   0,	 6,   'b', 'a', 'd', '\n', '!',
					0,   8, 0,  7, 0,   1,	 24,  16,  192, 0,   2 };
	static const uint8_t binary[] = { 0, 3, 0, 3, 0x01, 0x02, 0xff };
	static const uint8_t empty_ede[] = { 0, 15, 0, 2, 0, 3 };
	struct fx f = { .rcode = LDNS_RCODE_SERVFAIL, .opt = opts, .optlen = sizeof(opts) };
	struct fx g = { .opt = binary, .optlen = sizeof(binary) };
	struct fx h = { .opt = empty_ede, .optlen = sizeof(empty_ede) };
	struct pt_answer a, c;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_string_equal(a.nsid, "lab-fra-1");
	assert_true(a.has_ede);
	assert_int_equal(a.ede, 6);
	/* the control character is cleaned */
	assert_int_equal(a.edes->count, 1);
	assert_string_equal(a.edes->item[0].text, "bad?!");
	assert_true(a.has_ecs);
	assert_int_equal(a.ecs_scope, 16);
	assert_int_equal(pt_answer_copy(&c, &a), PT_OK);
	assert_string_equal(c.nsid, "lab-fra-1");
	assert_string_equal(c.edes->item[0].text, "bad?!");
	/* the copy is its own allocation */
	assert_ptr_not_equal(c.edes->item[0].text, a.edes->item[0].text);
	pt_answer_fini(&c);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &g, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_string_equal(a.nsid, "0102ff");
	assert_false(a.has_ede);
	assert_false(a.has_ecs);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &h, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_null(a.nsid);
	assert_int_equal(a.ede, PT_EDE_STALE);
	assert_null(a.edes->item[0].text);
	pt_answer_fini(&a);
}

static void test_nsid_text(void **state)
{
	static const uint8_t text[] = "gpdns-fra";
	static const uint8_t bin[] = { 0xde, 0xad, 0x20, 0x7f };
	char buf[32], tiny[4];

	(void)state;
	assert_string_equal(pt_nsid_text(buf, sizeof(buf), text, 9), "gpdns-fra");
	assert_string_equal(pt_nsid_text(buf, sizeof(buf), bin, sizeof(bin)), "dead207f");
	assert_string_equal(pt_nsid_text(buf, sizeof(buf), text, 0), "");
	/* cut to the buffer, never half a hex pair */
	assert_string_equal(pt_nsid_text(tiny, sizeof(tiny), bin, sizeof(bin)), "de");
	assert_string_equal(pt_nsid_text(tiny, sizeof(tiny), text, 9), "gpd");
}

static void test_flags_text(void **state)
{
	unsigned all = PT_FLAG_AA | PT_FLAG_TC | PT_FLAG_RD | PT_FLAG_RA | PT_FLAG_AD | PT_FLAG_CD;
	char buf[PT_FLAGS_TEXT_MAX];

	(void)state;
	assert_string_equal(pt_flags_text(buf, 0), "");
	assert_string_equal(pt_flags_text(buf, PT_FLAG_RD | PT_FLAG_RA), "rd ra");
	/* every flag fills the buffer exactly; the query-only options are not header flags */
	assert_string_equal(pt_flags_text(buf, all | PT_FLAG_DO | PT_FLAG_NSID),
			    "aa tc rd ra ad cd");
	assert_int_equal(strlen(buf) + 1, sizeof(buf));
	for (unsigned f = 0; f <= all; f++) {
		assert_int_equal(pt_flags_parse(pt_flags_text(buf, f)), f);
	}
	/* whole words only */
	assert_int_equal(pt_flags_parse("aad rdra cd"), PT_FLAG_CD);
	assert_int_equal(pt_flags_parse("qr aa"), PT_FLAG_AA);
}

static void test_ede_names(void **state)
{
	(void)state;
	assert_string_equal(pt_ede_name(0), "Other Error");
	assert_string_equal(pt_ede_name(3), "Stale Answer");
	assert_string_equal(pt_ede_name(6), "DNSSEC Bogus");
	assert_string_equal(pt_ede_name(7), "Signature Expired");
	assert_string_equal(pt_ede_name(22), "No Reachable Authority");
	assert_string_equal(pt_ede_name(29), "Synthesized");
	assert_string_equal(pt_ede_name(30), "Unknown");
	assert_string_equal(pt_ede_name(-1), "Unknown");
	assert_string_equal(pt_ede_name(65535), "Unknown");
}

static void test_ecs(void **state)
{
	struct pt_ecs e;
	char buf[64];

	(void)state;
	assert_int_equal(pt_ecs_parse(&e, "192.0.2.77/24"), PT_OK);
	assert_int_equal(e.family, 1);
	assert_int_equal(e.prefix, 24);
	assert_string_equal(pt_ecs_text(buf, sizeof(buf), &e), "192.0.2.0/24");
	assert_int_equal(pt_ecs_parse(&e, "2001:db8:ffff::1/36"), PT_OK);
	assert_string_equal(pt_ecs_text(buf, sizeof(buf), &e), "2001:db8:f000::/36");
	assert_int_equal(pt_ecs_parse(&e, "198.51.100.7"), PT_OK);
	assert_string_equal(pt_ecs_text(buf, sizeof(buf), &e), "198.51.100.7/32");
	assert_int_equal(pt_ecs_parse(&e, "0.0.0.0/0"), PT_OK);
	assert_string_equal(pt_ecs_text(buf, sizeof(buf), &e), "0.0.0.0/0");
	assert_int_equal(pt_ecs_parse(&e, "192.0.2.0/33"), PT_ERR_PARSE);
	assert_int_equal(e.family, 0);
	assert_int_equal(pt_ecs_parse(&e, "192.0.2.0/"), PT_ERR_PARSE);
	assert_int_equal(pt_ecs_parse(&e, "192.0.2.0/2x"), PT_ERR_PARSE);
	assert_int_equal(pt_ecs_parse(&e, "example.com/24"), PT_ERR_PARSE);
	assert_int_equal(pt_ecs_parse(&e, ""), PT_ERR_PARSE);
	assert_string_equal(pt_ecs_text(buf, sizeof(buf), NULL), "");
}

/* A poll carries an empty NSID and AD (DO when asked); a subnet goes in as ECS with scope 0 and
 * only the prefix's octets; CH TXT questions are class CH and their TXT strings are the answer. */
static void test_build_options_and_chaos(void **state)
{
	struct pt_query_wire q;
	struct pt_ecs e;
	ldns_pkt *pkt = NULL;
	ldns_edns_option_list *list;
	ldns_edns_option *o;
	struct fx chaos = { .qname = "id.server.",
			    .qtype = "TXT",
			    .qclass = "CH",
			    .an = { "id.server. 0 CH TXT \"FRA\" \"x\"",
				    "other. 0 CH TXT \"no\"" } };
	struct pt_answer a;
	size_t len;
	uint8_t *wire;

	(void)state;
	assert_int_equal(pt_ecs_parse(&e, "192.0.2.0/20"), PT_OK);
	assert_int_equal(pt_query_prepare_ecs(&q, "example.com", LDNS_RR_TYPE_MX,
					      PT_FLAG_RD | PT_FLAG_AD | PT_FLAG_DO | PT_FLAG_NSID,
					      &e),
			 PT_OK);
	assert_int_equal(ldns_wire2pkt(&pkt, q.wire, q.len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_edns_do(pkt));
	assert_true(ldns_pkt_ad(pkt));
	list = ldns_pkt_edns_get_option_list(pkt);
	assert_non_null(list);
	assert_int_equal(ldns_edns_option_list_get_count(list), 2);
	o = ldns_edns_option_list_get_option(list, 0);
	assert_int_equal(ldns_edns_get_code(o), 3);
	assert_int_equal(ldns_edns_get_size(o), 0);
	o = ldns_edns_option_list_get_option(list, 1);
	assert_int_equal(ldns_edns_get_code(o), 8);
	assert_int_equal(ldns_edns_get_size(o), 4 + 3);
	assert_memory_equal(ldns_edns_get_data(o), ((const uint8_t[]){ 0, 1, 20, 0, 192, 0, 0 }),
			    7);
	ldns_pkt_free(pkt);
	pt_query_wire_fini(&q);

	/* CH TXT: class CH asked, class CH accepted, its strings are the rdata */
	assert_int_equal(pt_query_prepare(&q, "id.server.", LDNS_RR_TYPE_TXT, PT_FLAG_CHAOS),
			 PT_OK);
	assert_int_equal(ldns_wire2pkt(&pkt, q.wire, q.len), LDNS_STATUS_OK);
	assert_int_equal(ldns_rr_get_class(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)),
			 LDNS_RR_CLASS_CH);
	ldns_pkt_free(pkt);
	pt_query_wire_fini(&q);
	wire = fx_wire(&chaos, &len);
	assert_int_equal(pt_query_parse_opts(&a, wire, len, QID, "id.server.", LDNS_RR_TYPE_TXT,
					     PT_FLAG_CHAOS, false),
			 PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_DATA);
	assert_int_equal(a.count, 2);
	assert_string_equal(a.rdata[0], "FRA");
	assert_string_equal(a.rdata[1], "x");
	pt_answer_fini(&a);
	/* the IN question must not take a CH reply, nor the reverse */
	assert_int_equal(pt_query_parse(&a, wire, len, QID, "id.server.", LDNS_RR_TYPE_TXT, false),
			 PT_ERR_DNS);
	free(wire);
}

static void test_soa_query(void **state)
{
	struct fx f = {
		.qtype = "SOA",
		.an = { "Example.com. 3600 IN SOA NS1.example.com. h.example.com. 99 1 2 3 4" },
	};
	struct pt_answer a;
	uint32_t serial = 0;

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "example.com", LDNS_RR_TYPE_SOA), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_DATA);
	assert_string_equal(a.zone, "example.com.");
	assert_true(a.has_serial);
	assert_int_equal(a.serial, 99);
	assert_strv(a.rdata, a.count,
		    (const char *const[]){ "ns1.example.com. h.example.com. 99 1 2 3 4", NULL });
	assert_true(pt_soa_serial_from_rdata(a.rdata[0], &serial));
	assert_int_equal(serial, 99);
	pt_answer_fini(&a);

	assert_true(pt_soa_serial_from_rdata("a. b.  4294967295 1 2 3 4", &serial));
	assert_int_equal(serial, 4294967295U);
	assert_false(pt_soa_serial_from_rdata("a. b. 4294967296 1 2 3 4", &serial));
	assert_false(pt_soa_serial_from_rdata("a. b.", &serial));
	assert_false(pt_soa_serial_from_rdata("a. b. x1 1", &serial));
	assert_false(pt_soa_serial_from_rdata("a. b. -1 1", &serial));
	assert_false(pt_soa_serial_from_rdata(NULL, &serial));
}

static void test_copy_same(void **state)
{
	struct fx f = {
		.qname = "www.example.com.",
		.an = { "www.example.com. 60 IN CNAME example.com.",
			"example.com. 60 IN MX 10 a.example.com.",
			"example.com. 60 IN MX 20 b.example.com." },
		.ns = { "example.com. 60 IN SOA a. b. 5 1 1 1 1" },
	};
	struct fx g = {
		.qname = "www.example.com.",
		.an = { "www.example.com. 5 IN MX 10 a.example.com." },
	};
	struct pt_answer a, b, c, empty1 = { 0 }, empty2 = { 0 };

	(void)state;
	assert_int_equal(fx_parse(&a, &f, "www.example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(pt_answer_copy(&b, &a), PT_OK);
	assert_true(b.rdata != a.rdata && b.zone != a.zone && b.cnames != a.cnames);
	assert_strv(b.rdata, b.count,
		    (const char *const[]){ "10 a.example.com.", "20 b.example.com.", NULL });
	assert_strv(b.cnames, b.ncnames, (const char *const[]){ "example.com.", NULL });
	assert_string_equal(b.zone, "example.com.");
	assert_int_equal(b.serial, 5);
	assert_true(pt_answer_same(&a, &b));
	b.ttl = 1;
	b.flags = 0;
	assert_true(pt_answer_same(&a, &b));
	assert_int_equal(fx_parse(&c, &g, "www.example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_false(pt_answer_same(&a, &c));
	b.rdata[1][0] = '3';
	assert_false(pt_answer_same(&a, &b));
	b.rdata[1][0] = '2';
	b.kind = PT_ANSWER_NODATA;
	assert_false(pt_answer_same(&a, &b));
	assert_true(pt_answer_same(&empty1, &empty2));
	assert_false(pt_answer_same(&a, NULL));
	pt_answer_fini(&a);
	pt_answer_fini(&b);
	pt_answer_fini(&c);
	assert_int_equal(pt_answer_copy(&b, &empty1), PT_OK);
	assert_null(b.rdata);
	pt_answer_fini(&b);
}

/* @p a is @p b, both NULL or the same text. */
static void assert_str_same(const char *a, const char *b)
{
	if (b != NULL) {
		assert_string_equal(a, b);
	} else {
		assert_null(a);
	}
}

static void assert_strv_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_string_equal(a[i], b[i]);
	}
}

/* A flat copy of @p a in a room of exactly pt_answer_flat_size() bytes (ASan sees a write past
 * it) equals @p a field by field, and outlives the answer it was copied from. */
static void check_flat(const struct pt_answer *a)
{
	struct pt_answer src, c;
	size_t size;
	void *room;

	assert_int_equal(pt_answer_copy(&src, a), PT_OK);
	size = pt_answer_flat_size(&src);
	room = malloc(size > 0 ? size : 1);
	assert_non_null(room);
	pt_answer_copy_flat(&c, &src, room);
	pt_answer_fini(&src);
	assert_int_equal(c.kind, a->kind);
	assert_int_equal(c.rcode, a->rcode);
	assert_int_equal(c.ttl, a->ttl);
	assert_int_equal(c.serial, a->serial);
	assert_true(pt_answer_same(&c, a));
	assert_strv_same(c.rdata, c.count, a->rdata, a->count);
	assert_strv_same(c.cnames, c.ncnames, a->cnames, a->ncnames);
	assert_strv_same(c.referral_ns, c.nreferral_ns, a->referral_ns, a->nreferral_ns);
	assert_strv_same(c.glue, c.nglue, a->glue, a->nglue);
	assert_str_same(c.zone, a->zone);
	assert_str_same(c.referral_zone, a->referral_zone);
	assert_str_same(c.nsid, a->nsid);
	if (a->edes != NULL) {
		assert_int_equal(c.edes->count, a->edes->count);
		assert_int_equal(c.edes->more, a->edes->more);
		for (unsigned i = 0; i < a->edes->count; i++) {
			assert_int_equal(c.edes->item[i].code, a->edes->item[i].code);
			assert_str_same(c.edes->item[i].text, a->edes->item[i].text);
			/* inside the room, not in the answer copied from */
			assert_true(a->edes->item[i].text == NULL ||
				    ((const char *)c.edes->item[i].text > (const char *)room &&
				     (const char *)c.edes->item[i].text < (const char *)room + size));
		}
	} else {
		assert_null(c.edes);
	}
	for (size_t i = 0; i < c.count; i++) {
		assert_true(c.rdata[i] >= (char *)room && c.rdata[i] < (char *)room + size);
	}
	free(room);
}

/* pt_answer_copy_flat(), as the state keeps every answer: records, CNAMEs and a zone; a
 * referral's NS set, zone and glue; EDE texts and an NSID; nothing at all. */
static void test_copy_flat(void **state)
{
	static const uint8_t ede[] = { 0, 15, 0, 6, 0,	 6,  'k', 'e', 'y', '!', 0, 15, 0, 2, 0,
				       3, 0,  3, 0, 2, 'n', 's' };
	struct fx data = {
		.qname = "www.example.com.",
		.an = { "www.example.com. 60 IN CNAME example.com.",
			"example.com. 60 IN MX 10 a.example.com.",
			"example.com. 60 IN MX 20 b.example.com." },
		.ns = { "example.com. 60 IN SOA a. b. 5 1 1 1 1" },
	};
	struct fx referral = {
		.ns = { "example.com. 172800 IN NS a.iana-servers.net.",
			"example.com. 172800 IN NS b.iana-servers.net." },
		.ar = { "a.iana-servers.net. 172800 IN A 199.43.135.53" },
	};
	struct fx failed = { .rcode = LDNS_RCODE_SERVFAIL, .opt = ede, .optlen = sizeof(ede) };
	struct pt_answer a, empty = { 0 };

	(void)state;
	assert_int_equal(fx_parse(&a, &data, "www.example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.ncnames, 1);
	check_flat(&a);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &referral, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_REFERRAL);
	assert_int_equal(a.nglue, 1);
	check_flat(&a);
	pt_answer_fini(&a);
	assert_int_equal(fx_parse(&a, &failed, "example.com", LDNS_RR_TYPE_MX), PT_OK);
	assert_int_equal(a.edes->count, 2);
	assert_string_equal(a.nsid, "ns");
	check_flat(&a);
	pt_answer_fini(&a);
	assert_int_equal(pt_answer_flat_size(&empty), 0);
	check_flat(&empty);
}

/* 0x20: an echo proves that a server echoes case only for a name sent in mixed case (a
 * server that lower-cases every question "echoes" a name that went out all in lower case). */
static void test_case_proves(void **state)
{
	struct pt_query_wire q;
	uint8_t sent[512], lowered[512];
	uint32_t one_case = 0, mixed = 0;

	(void)state;
	assert_int_equal(pt_query_prepare(&q, "ab.test", LDNS_RR_TYPE_MX, PT_FLAG_RD), PT_OK);
	for (uint32_t seed = 1; seed < 4096 && (one_case == 0 || mixed == 0); seed += 2) {
		bool upper = false, lower = false;

		pt_query_stamp(sent, &q, 1, seed);
		for (size_t i = PT_QUERY_NAME_OFF; i < PT_QUERY_NAME_OFF + q.name_len; i++) {
			upper |= sent[i] >= 'A' && sent[i] <= 'Z';
			lower |= sent[i] >= 'a' && sent[i] <= 'z';
		}
		if (upper && lower) {
			mixed = mixed ? mixed : seed;
		} else if (!upper) {
			one_case = one_case ? one_case : seed; /* all in lower case */
		}
	}
	/* 6 letters: all lower case by chance in 1 of 64 seeds */
	assert_true(one_case != 0 && mixed != 0);
	assert_false(pt_query_case_proves(&q, one_case));
	assert_true(pt_query_case_proves(&q, mixed));
	assert_false(pt_query_case_proves(&q, 0));
	/* and the lower-casing server's echo of the one-case name is an echo all the same: which
	 * is why it cannot count as proof */
	pt_query_stamp(sent, &q, 1, one_case);
	memcpy(lowered, sent, q.len);
	for (size_t i = PT_QUERY_NAME_OFF; i < PT_QUERY_NAME_OFF + q.name_len; i++) {
		lowered[i] = (uint8_t)(lowered[i] >= 'A' && lowered[i] <= 'Z' ? lowered[i] | 0x20
									   : lowered[i]);
	}
	assert_memory_equal(sent, lowered, q.len);
	assert_true(pt_query_case_echoed(lowered, q.len, &q, one_case));
	pt_query_wire_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_copy_flat),
		cmocka_unit_test(test_edns_options),
		cmocka_unit_test(test_ede_several),
		cmocka_unit_test(test_ede_hostile_text),
		cmocka_unit_test(test_ede_set),
		cmocka_unit_test(test_nsid_text),
		cmocka_unit_test(test_flags_text),
		cmocka_unit_test(test_ede_names),
		cmocka_unit_test(test_ecs),
		cmocka_unit_test(test_build_options_and_chaos),
		cmocka_unit_test(test_mx_sorted),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_loop),
		cmocka_unit_test(test_asked_cname),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_referral),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_ttl_top_bit),
		cmocka_unit_test(test_not_our_reply),
		cmocka_unit_test(test_error_reply_without_question),
		cmocka_unit_test(test_qname_case),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hostile_fixtures),
		cmocka_unit_test(test_strict_walk),
		cmocka_unit_test(test_cert_type_zero),
		cmocka_unit_test(test_rdata_newline),
		cmocka_unit_test(test_txt_caa),
		cmocka_unit_test(test_txt_bytes_cleaned),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_rdata_normalise),
		cmocka_unit_test(test_rdata_again),
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_rrtype),
		cmocka_unit_test(test_name_normalise),
		cmocka_unit_test(test_ede),
		cmocka_unit_test(test_soa_query),
		cmocka_unit_test(test_copy_same),
		cmocka_unit_test(test_case_proves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
