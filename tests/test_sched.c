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
	/* 30 s left, received 400 ms into a second: the entry is gone at the next whole
	 * second after 30 s, 30.6 s from now; then the spread. */
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 0, 400), t0 + 30600 * PT_NS_PER_MS);
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 250, 400), t0 + 30850 * PT_NS_PER_MS);
	/* Right on a boundary: a whole second more (the TTL-0 second is still served). */
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 0, 0), t0 + 31 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 0, 999), t0 + 30001 * PT_NS_PER_MS);
	/* The spread and the fraction are capped. */
	assert_int_equal(pt_sched_next(&cfg, t0, 30, 0, 9999, 5000), t0 + 30251 * PT_NS_PER_MS);
}

static void test_bounds(void **unused)
{
	uint64_t t0 = 7 * PT_NS_PER_S;

	(void)unused;
	assert_int_equal(pt_sched_next(&cfg, t0, 0, 0, 100, 500), t0 + 2 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, 1, 0, 0, 500), t0 + 2 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, 2, 0, 0, 500), t0 + 2500 * PT_NS_PER_MS);
	assert_int_equal(pt_sched_next(&cfg, t0, 86400, 0, 0, 0), t0 + 60 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, t0, -1, 0, 0, 0), t0 + 2 * PT_NS_PER_S);
}

static void test_backoff(void **unused)
{
	(void)unused;
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 1, 0, 0), 2 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 2, 0, 0), 4 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 3, 0, 0), 8 * PT_NS_PER_S);
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 6, 0, 0), 60 * PT_NS_PER_S);
	/* Huge failure counts neither overflow nor exceed the cap. */
	assert_int_equal(pt_sched_next(&cfg, 0, -1, 4000000000u, 0, 0), 60 * PT_NS_PER_S);
	/* A failure ignores the TTL of an older answer. */
	assert_int_equal(pt_sched_next(&cfg, 0, 3600, 1, 0, 0), 2 * PT_NS_PER_S);
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
