/* Unit tests for src/site.c: documented patterns, the raw fallback and its order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "site.h"

static struct pt_resolver resolver(const char *address)
{
	struct pt_resolver r;

	memset(&r, 0, sizeof(r));
	snprintf(r.address, sizeof(r.address), "%s", address);
	r.port = 53;
	return r;
}

static void test_cloudflare_id_server(void **state)
{
	struct pt_resolver cf = resolver("1.1.1.1"), other = resolver("192.0.2.1");
	struct pt_site_clues c = { .id_server = "fra" };
	struct pt_site s;

	(void)state;
	assert_true(pt_site_find(&s, &cf, &c));
	assert_true(s.known);
	assert_string_equal(s.site, "FRA");
	assert_string_equal(s.operator_name, "Cloudflare");
	assert_non_null(strstr(s.source, "developers.cloudflare.com"));
	assert_string_equal(pt_site_operator(&cf), "Cloudflare");
	/* the same text from another operator's address is only a raw value */
	assert_true(pt_site_find(&s, &other, &c));
	assert_false(s.known);
	assert_null(s.operator_name);
	assert_string_equal(s.site, "fra");
	assert_null(pt_site_operator(&other));
	/* not a three-letter code: raw, even at Cloudflare's address */
	c.id_server = "FRA1";
	assert_true(pt_site_find(&s, &cf, &c));
	assert_false(s.known);
	assert_string_equal(s.site, "FRA1");
}

/* Quad9: id.server "resNNN.SITE.rrdns.pch.net" (docs.quad9.net FAQs), SITE "vie" or
 * "qfra3"; every documented service address; near-misses stay raw. */
static void test_quad9_id_server(void **state)
{
	static const char *const addresses[] = { "9.9.9.9",	    "149.112.112.112",
						 "2620:fe::fe",	    "2620:fe::9",
						 "9.9.9.10",	    "2620:fe::fe:10",
						 "149.112.112.11", "9.9.9.12" };
	static const char *const misses[] = {
		"res.vie.rrdns.pch.net",	   /* no server number */
		"res200.vienna.rrdns.pch.net",	   /* not an airport code */
		"res200.vi3.rrdns.pch.net",	   /* digits in the code */
		"res200.qfra.rrdns.pch.net",	   /* "q" without the number */
		"res200.xfra3.rrdns.pch.net",	   /* not "q" */
		"res200.qfr33.rrdns.pch.net",	   /* two letters */
		"res200.qfra3x.rrdns.pch.net",	   /* trailing letter */
		"res200.vie.rrdns.pch.net.evil.test", /* another suffix */
		"res200.vie.rrdns.pch.org",
		"xres200.vie.rrdns.pch.net",
		"res200..rrdns.pch.net",
		"res200.rrdns.pch.net",
		"res1.rrdns.pch.net",
		"res200.a.b.rrdns.pch.net",
		".rrdns.pch.net",
		"",
	};
	struct pt_resolver q9 = resolver("9.9.9.9"), cf = resolver("1.1.1.1");
	struct pt_site_clues c = { .id_server = "res200.vie.rrdns.pch.net" };
	struct pt_site s;

	(void)state;
	assert_true(pt_site_find(&s, &q9, &c));
	assert_true(s.known);
	assert_string_equal(s.site, "VIE");
	assert_string_equal(s.operator_name, "Quad9");
	assert_non_null(strstr(s.source, "docs.quad9.net"));
	c.id_server = "res860.qfra3.rrdns.pch.net";
	assert_true(pt_site_find(&s, &q9, &c));
	assert_string_equal(s.site, "FRA");
	c.id_server = "RES860.QZRH12.RRDNS.PCH.NET.";
	assert_true(pt_site_find(&s, &q9, &c));
	assert_string_equal(s.site, "ZRH");
	for (size_t i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++) {
		struct pt_resolver r = resolver(addresses[i]);

		c.id_server = "res200.vie.rrdns.pch.net";
		assert_true(pt_site_find(&s, &r, &c));
		assert_true(s.known);
		assert_string_equal(pt_site_operator(&r), "Quad9");
	}
	/* Quad9's form at Cloudflare's address is raw, and Cloudflare's at Quad9's */
	assert_true(pt_site_find(&s, &cf, &c));
	assert_false(s.known);
	assert_string_equal(s.site, "res200.vie.rrdns.pch.net");
	c.id_server = "FRA";
	assert_true(pt_site_find(&s, &q9, &c));
	assert_false(s.known);
	assert_string_equal(s.site, "FRA");
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		c.id_server = misses[i];
		pt_site_find(&s, &q9, &c);
		assert_false(s.known);
		assert_string_equal(s.site, misses[i]);
	}
	/* an NSID, when there is one, does not hide the documented id.server */
	c.nsid = "q9-node-7";
	c.id_server = "res200.vie.rrdns.pch.net";
	assert_true(pt_site_find(&s, &q9, &c));
	assert_string_equal(s.site, "VIE");
}

static void test_raw_order_and_cleaning(void **state)
{
	struct pt_resolver r = resolver("127.53.5.1");
	struct pt_site_clues c = { .nsid = "lab-fra-1", .id_server = "FRA", .hostname_bind = "h" };
	struct pt_site s;

	(void)state;
	assert_true(pt_site_find(&s, &r, &c));
	assert_string_equal(s.site, "lab-fra-1");
	c.nsid = "";
	assert_true(pt_site_find(&s, &r, &c));
	assert_string_equal(s.site, "FRA");
	c.id_server = NULL;
	assert_true(pt_site_find(&s, &r, &c));
	assert_string_equal(s.site, "h");
	/* hostile text is cleaned */
	c.hostname_bind = "a\x1b[2Jb";
	assert_true(pt_site_find(&s, &r, &c));
	assert_null(strchr(s.site, '\x1b'));
	c.hostname_bind = NULL;
	assert_false(pt_site_find(&s, &r, &c));
	assert_string_equal(s.site, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cloudflare_id_server),
		cmocka_unit_test(test_quad9_id_server),
		cmocka_unit_test(test_raw_order_and_cleaning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
