/* When src/sched.c polls again: at expiry, within bounds, backing off on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "sched.h"

static const struct pt_sched_config cfg = { 2 * PT_NS_PER_S, 60 * PT_NS_PER_S };

static void test_poll_at_expiry(void **unused)
{
	uint64_t t0 = 500 * PT_NS_PER_S;

	(void)unused;
	/* 30 s left: ask again 30 s plus the spread later. */
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 0), t0 + 30 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 250), t0 + 30250 * PT_NS_PER_MS);
	/* The spread is capped. */
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 9999), t0 + 30250 * PT_NS_PER_MS);
}

static void test_bounds(void **unused)
{
	uint64_t t0 = 7 * PT_NS_PER_S;

	(void)unused;
	assert_int_equal(pt_sched_next(&cfg, t0, 0, 0, 100), t0 + 2 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, 1, 0, 0), t0 + 2 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, 86400, 0, 0), t0 + 60 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, -1, 0, 0), t0 + 2 * PT_NS_PER_S);
}

static void test_backoff(void **unused)
{
	(void)unused;
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 1, 0), 2 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 2, 0), 4 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 3, 0), 8 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 6, 0), 60 * PT_NS_PER_S);
	/* Huge failure counts neither overflow nor exceed the cap. */
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 4000000000u, 0), 60 * PT_NS_PER_S);
	/* A failure ignores the TTL of an older answer. */
	assert_int_equal(pt_sched_next(&cfg, 0, 3600, 1, 0), 2 * PT_NS_PER_S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_at_expiry),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
