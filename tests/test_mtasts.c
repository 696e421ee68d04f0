/* Unit tests of the MTA-STS record, policy and mx matching (RFC 8461). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mtasts.h"

static void test_record(void **state)
{
	char id[40], why[128];

	(void)state;
	assert_true(pt_mtasts_record("v=STSv1; id=20260101T000000;", id, sizeof(id), why,
				     sizeof(why)));
	assert_string_equal(id, "20260101T000000");
	assert_true(pt_mtasts_record("v=STSv1;id=abc", id, sizeof(id), why, sizeof(why)));
	assert_false(pt_mtasts_record("v=STSv1; id=a-b;", id, sizeof(id), why, sizeof(why)));
	assert_true(*why != '\0');
	assert_false(pt_mtasts_record("v=STSv1;", id, sizeof(id), why, sizeof(why)));
	assert_false(pt_mtasts_record("v=spf1 -all", id, sizeof(id), why, sizeof(why)));
	assert_string_equal(why, "");
}

static void test_policy(void **state)
{
	struct pt_mtasts_policy p;
	char why[128];

	(void)state;
	assert_true(pt_mtasts_parse("version: STSv1\r\nmode: enforce\r\nmx: mx1.old.test\r\n"
				    "mx: *.old.test\r\nmax_age: 604800\r\n",
				    &p, why, sizeof(why)));
	assert_string_equal(p.mode, "enforce");
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 2);
	assert_int_equal(pt_mtasts_policy_match(&p, "MX1.old.test."), 0);
	assert_int_equal(pt_mtasts_policy_match(&p, "mx7.old.test."), 1);
	assert_int_equal(pt_mtasts_policy_match(&p, "a.b.old.test."), -1);
	assert_int_equal(pt_mtasts_policy_match(&p, "mx1.new.test."), -1);
	assert_false(pt_mtasts_parse("version: STSv2\nmode: enforce\nmx: a\nmax_age: 1\n", &p,
				     why, sizeof(why)));
	assert_false(pt_mtasts_parse("version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n", &p,
				     why, sizeof(why)));
	assert_false(pt_mtasts_parse("version: STSv1\nmode: enforce\nmx: a\nmax_age: 99999999\n",
				     &p, why, sizeof(why)));
	assert_false(pt_mtasts_parse("version: STSv1\nmode: enforce\nmax_age: 1\n", &p, why,
				     sizeof(why)));
	assert_true(pt_mtasts_parse("version: STSv1\nmode: none\nmax_age: 86400\n", &p, why,
				    sizeof(why)));
	assert_false(pt_mtasts_parse("<html>", &p, why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
