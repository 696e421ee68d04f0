/* The cut-over plan's arithmetic (src/plan.c): exact moments for known states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "plan.h"

/* 2026-12-01T12:00:00Z */
#define NOW 1796126400LL

static struct pt_plan_input base(void)
{
	struct pt_plan_input in;

	memset(&in, 0, sizeof(in));
	in.now_s = NOW;
	in.mx_ttl = 3600;
	in.low_ttl = PT_PLAN_LOW_TTL;
	in.retry_s = PT_PLAN_RETRY_S;
	return in;
}

/* A one-hour TTL: lower it now, switch in an hour, the new MX everywhere 5 minutes later,
 * the old server kept five days after the switch (the senders' retries decide). */
static void test_lower_then_switch(void **unused)
{
	struct pt_plan_input in = base();
	struct pt_plan p;

	(void)unused;
	pt_plan_compute(&p, &in);
	assert_true(p.lower_first);
	assert_int_equal(p.lower_at_s, NOW);
	assert_int_equal(p.switch_ttl, 300);
	assert_int_equal(p.switch_at_s, NOW + 3600);
	assert_int_equal(p.new_everywhere_s, NOW + 3600 + 300);
	assert_int_equal(p.nreasons, 2);
	assert_int_equal(p.reasons[0].kind, PT_PLAN_MX_TTL);
	assert_int_equal(p.reasons[0].until_s, NOW + 3600 + 300);
	assert_int_equal(p.reasons[1].kind, PT_PLAN_RETRY);
	assert_int_equal(p.reasons[1].after_switch_s, 432000);
	assert_int_equal(p.reasons[1].until_s, NOW + 3600 + 432000);
	assert_int_equal(p.decisive, 1);
	assert_int_equal(p.keep_old_until_s, NOW + 3600 + 432000);
	assert_string_equal(pt_plan_reason_name(p.reasons[p.decisive].kind), "retry");
}

/* A TTL already at or below the low one: nothing to lower, the switch is safe now. */
static void test_already_low(void **unused)
{
	struct pt_plan_input in = base();
	struct pt_plan p;

	(void)unused;
	in.mx_ttl = 120;
	pt_plan_compute(&p, &in);
	assert_false(p.lower_first);
	assert_int_equal(p.switch_ttl, 120);
	assert_int_equal(p.switch_at_s, NOW);
	assert_int_equal(p.new_everywhere_s, NOW + 120);
	in.mx_ttl = 300; /* equal: not above */
	pt_plan_compute(&p, &in);
	assert_false(p.lower_first);
	assert_int_equal(p.switch_at_s, NOW);
}

/* A new DNS host: the NS TTL at the parent plus the MX TTL after the switch; with a long NS
 * TTL and no retry period it decides. */
static void test_dns_host_change(void **unused)
{
	struct pt_plan_input in = base();
	struct pt_plan p;

	(void)unused;
	in.dns_host_change = true;
	in.ns_ttl = 172800;
	in.retry_s = 3600;
	pt_plan_compute(&p, &in);
	assert_int_equal(p.nreasons, 3);
	assert_int_equal(p.reasons[1].kind, PT_PLAN_NS_TTL);
	assert_int_equal(p.reasons[1].after_switch_s, 172800 + 300);
	assert_int_equal(p.new_everywhere_s, NOW + 3600 + 172800 + 300);
	assert_int_equal(p.decisive, 1);
	assert_int_equal(p.keep_old_until_s, NOW + 3600 + 172800 + 300);
}

/* An MTA-STS policy: its max_age counts when known (a week beats five days), and is listed
 * without a moment when not. */
static void test_mta_sts(void **unused)
{
	struct pt_plan_input in = base();
	struct pt_plan p;

	(void)unused;
	in.mta_sts = true;
	in.mta_sts_max_age_known = true;
	in.mta_sts_max_age = 604800;
	pt_plan_compute(&p, &in);
	assert_int_equal(p.nreasons, 3);
	assert_int_equal(p.reasons[1].kind, PT_PLAN_MTA_STS);
	assert_int_equal(p.reasons[1].until_s, NOW + 3600 + 604800);
	assert_int_equal(p.decisive, 1);
	assert_int_equal(p.keep_old_until_s, NOW + 3600 + 604800);
	in.mta_sts_max_age_known = false;
	pt_plan_compute(&p, &in);
	assert_int_equal(p.nreasons, 3);
	assert_false(p.reasons[1].known);
	assert_int_equal(p.reasons[1].until_s, 0);
	assert_int_equal(p.decisive, 2);
	assert_int_equal(p.keep_old_until_s, NOW + 3600 + 432000);
}

/* Equal moments: the first reason decides; TTL 0 and no retries keep nothing. */
static void test_ties_and_zero(void **unused)
{
	struct pt_plan_input in = base();
	struct pt_plan p;

	(void)unused;
	in.retry_s = 300;
	pt_plan_compute(&p, &in);
	assert_int_equal(p.decisive, 0);
	assert_int_equal(p.keep_old_until_s, NOW + 3600 + 300);
	in.mx_ttl = 0;
	in.retry_s = 0;
	pt_plan_compute(&p, &in);
	assert_false(p.lower_first);
	assert_int_equal(p.switch_at_s, NOW);
	assert_int_equal(p.keep_old_until_s, NOW);
	assert_string_equal(pt_plan_reason_name((enum pt_plan_reason_kind)9), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lower_then_switch), cmocka_unit_test(test_already_low),
		cmocka_unit_test(test_dns_host_change),	  cmocka_unit_test(test_mta_sts),
		cmocka_unit_test(test_ties_and_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
