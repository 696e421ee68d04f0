/* Unit tests of the SPF record reading and lookup counting (RFC 7208 §4.5, §4.6.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "spf.h"

/* name -> record; NULL record: none; "MANY": several */
static const char *const zone[][2] = {
	{ "a.test.", "v=spf1 include:b.test. a mx -all" },
	{ "b.test.", "v=spf1 ip4:192.0.2.0/24 include:c.test ~all" },
	{ "c.test.", "v=spf1 exists:%{i}.x.test ptr -all" },
	{ "loop.test.", "v=spf1 include:loop.test -all" },
	{ "none.test.", NULL },
	{ "many.test.", "MANY" },
	{ "r.test.", "v=spf1 redirect=a.test" },
	/* each include names the record itself, four times: 4^12 walks without the cap */
	{ "fan.test.", "v=spf1 include:fan.test include:fan.test include:fan.test "
		       "include:fan.test -all" },
};

static enum pt_spf_found get(void *ctx, const char *name, const char **text)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++) {
		if (strcmp(zone[i][0], name) == 0) {
			if (!zone[i][1]) {
				return PT_SPF_NONE;
			}
			if (strcmp(zone[i][1], "MANY") == 0) {
				return PT_SPF_MANY;
			}
			*text = zone[i][1];
			return PT_SPF_FOUND;
		}
	}
	return PT_SPF_UNKNOWN;
}

static void test_is_record(void **state)
{
	(void)state;
	assert_true(pt_spf_is_record("v=spf1 -all"));
	assert_true(pt_spf_is_record("V=SPF1"));
	assert_false(pt_spf_is_record("v=spf10 -all"));
	assert_false(pt_spf_is_record("google-site-verification=x"));
}

static void test_targets(void **state)
{
	char t[4][256];

	(void)state;
	assert_int_equal(pt_spf_targets("v=spf1 include:A.test -include:b.test "
					"include:%{d}.x.test redirect=c.test",
					t, 4),
			 3);
	assert_string_equal(t[0], "a.test.");
	assert_string_equal(t[1], "b.test.");
	assert_string_equal(t[2], "c.test.");
}

static void test_counting(void **state)
{
	struct pt_spf_eval e;

	(void)state;
	/* a: include, a, mx (3); b: include (1); c: exists, ptr (2) */
	pt_spf_evaluate(&e, zone[0][1], get, NULL);
	assert_int_equal(e.lookups, 6);
	assert_false(e.incomplete);
	assert_true(pt_spf_reaches(&e, "c.test."));
	/* redirect counts, then everything a.test. needs */
	pt_spf_evaluate(&e, "v=spf1 redirect=a.test", get, NULL);
	assert_int_equal(e.lookups, 7);
	/* ip4, ip6, all need no lookup */
	pt_spf_evaluate(&e, "v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 -all", get, NULL);
	assert_int_equal(e.lookups, 0);
	/* over the limit: 11 terms */
	pt_spf_evaluate(&e, "v=spf1 a a a a a mx mx mx mx ptr exists:x.test -all", get, NULL);
	assert_int_equal(e.lookups, 11);
	assert_true(e.lookups > PT_SPF_MAX_LOOKUPS);
	/* a loop stops at the depth cap, far past the limit */
	pt_spf_evaluate(&e, "v=spf1 include:loop.test -all", get, NULL);
	assert_true(e.lookups > PT_SPF_MAX_LOOKUPS);
	assert_true(e.incomplete);
	/* a fan-out of repeated includes stops at the cap */
	pt_spf_evaluate(&e, zone[7][1], get, NULL);
	assert_true(e.capped);
	assert_true(e.lookups > PT_SPF_MAX_LOOKUPS && e.lookups <= PT_SPF_COUNT_CAP + 1);
	/* a target without a record, or with several */
	pt_spf_evaluate(&e, "v=spf1 include:none.test include:many.test -all", get, NULL);
	assert_int_equal(e.lookups, 2);
	assert_true(e.broken_target);
	assert_string_equal(e.broken, "none.test.");
	pt_spf_evaluate(&e, "v=spf1 include:unknown.test -all", get, NULL);
	assert_true(e.incomplete);
	/* not a record: nothing */
	pt_spf_evaluate(&e, "hello", get, NULL);
	assert_int_equal(e.lookups, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_record),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_counting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
