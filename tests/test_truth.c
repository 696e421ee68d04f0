/* RFC 1982 serial arithmetic and truth configuration copies (src/truth.c). The discovery
 * itself runs against real name servers in tests/e2e/t_once.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "truth.h"

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
	assert_int_equal(pt_resolver_parse_address(&auth[0], "127.0.0.1:5300", NULL, 0), PT_OK);
	src.expect = expect;
	src.nexpect = 2;
	src.auth = auth;
	src.nauth = 1;
	src.auth_port = 53;
	assert_int_equal(pt_truth_config_copy(&dst, &src), PT_OK);
	assert_ptr_not_equal(dst.expect, src.expect);
	assert_string_equal(dst.expect[1], "20 b.example.");
	assert_int_equal(dst.auth[0].port, 5300);
	assert_int_equal(dst.nvia, 0);
	pt_truth_config_fini(&dst);
	assert_null(dst.expect);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial_cmp),
		cmocka_unit_test(test_config_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
