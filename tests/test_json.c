/* The one JSON writer (src/json.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void test_escape(void **unused)
{
	struct pt_buf b = { 0 };

	(void)unused;
	pt_json_escape(&b, "a\"\\\n\r\t\x01\x7f\xff\xc3\xa9\xed\xa0\x80");
	assert_string_equal(pt_buf_str(&b),
			    "\"a\\\"\\\\\\n\\r\\t\\u0001\\u007f\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\"");
	/* plain runs between escapes, at both ends, and a string that is one run */
	pt_buf_reset(&b);
	pt_json_escape(&b, "mx1.example. 10\tab\"c\xc3\xa9" "d ~}");
	assert_string_equal(pt_buf_str(&b), "\"mx1.example. 10\\tab\\\"c\xc3\xa9" "d ~}\"");
	pt_buf_reset(&b);
	pt_json_escape(&b, "");
	assert_string_equal(pt_buf_str(&b), "\"\"");
	pt_buf_reset(&b);
	pt_json_escape(&b, NULL);
	assert_string_equal(pt_buf_str(&b), "null");
	pt_buf_fini(&b);
}

static void test_document(void **unused)
{
	struct pt_buf b = { 0 };
	struct pt_json j;
	char *v[] = { "x", "y" };

	(void)unused;
	pt_json_init(&j, &b);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "s", "t");
	pt_json_int(&j, "i", -3);
	pt_json_uint(&j, "u", 4000000000ULL);
	pt_json_num(&j, "n", 12.345, 1);
	pt_json_num(&j, "nan", 0.0 / 0.0, 1);
	pt_json_bool(&j, "b", true);
	pt_json_null(&j, "z");
	pt_json_strv(&j, "v", v, 2);
	pt_json_strv(&j, "e", NULL, 0);
	pt_json_array(&j, "objs", false);
	pt_json_object(&j, NULL);
	pt_json_end(&j);
	pt_json_object(&j, NULL);
	pt_json_raw(&j, "data", "{\"k\": 1}");
	pt_json_raw(&j, "none", NULL);
	pt_json_end(&j);
	pt_json_end(&j);
	pt_json_end(&j);
	assert_string_equal(pt_buf_str(&b),
			    "{\"s\": \"t\", \"i\": -3, \"u\": 4000000000, \"n\": 12.3, \"nan\": null, "
			    "\"b\": true, \"z\": null, \"v\": [\"x\", \"y\"], \"e\": [], \"objs\": "
			    "[{}, {\"data\": {\"k\": 1}, \"none\": {}}]}");
	pt_buf_fini(&b);
}

static void test_lines(void **unused)
{
	struct pt_buf b = { 0 };
	struct pt_json j;

	(void)unused;
	pt_json_init(&j, &b);
	pt_json_object_lines(&j, NULL);
	pt_json_str(&j, "a", "b");
	pt_json_array(&j, "rows", true);
	pt_json_int(&j, NULL, 1);
	pt_json_int(&j, NULL, 2);
	pt_json_end(&j);
	pt_json_array(&j, "none", true);
	pt_json_end(&j);
	pt_json_end(&j);
	assert_string_equal(pt_buf_str(&b),
			    "{\n \"a\": \"b\",\n \"rows\": [\n  1,\n  2\n ],\n \"none\": []\n}");
	pt_buf_fini(&b);
}

static void test_too_deep(void **unused)
{
	struct pt_buf b = { 0 };
	struct pt_json j;

	(void)unused;
	pt_json_init(&j, &b);
	for (int i = 0; i < PT_JSON_DEPTH + 2; i++) {
		pt_json_array(&j, NULL, false);
	}
	assert_true(b.oom);
	assert_null(pt_buf_take(&b));
}

/* Numbers are written without printf() where that is certain to give printf()'s text: the
 * same text for every value, halves and near-halves (where binary rounding decides), signs of
 * zero, the edges of the fast path and past them. */
static void test_numbers(void **unused)
{
	static const double v[] = { 0,	   -0.0,       0.05,	   0.15,       0.25,
				    0.35,  1.45,       2.5,	   -2.5,       -0.04,
				    -0.05, 999999.95,  1e8,	   99999999.95, 123456789.96,
				    1e-9,  -1e-9,      0.0499999, 1e12,	       -3e15,
				    1.005, 2.675,      1234.5678, 0.5,	       1.5 };
	char want[64];

	(void)unused;
	srand(7);
	for (size_t k = 0; k < 200000; k++) {
		double x = k < sizeof(v) / sizeof(v[0]) ? v[k]
			   : k % 2 ? (rand() % 10000000) / 1000.0
				   : ldexp((double)rand(), -(rand() % 40)) * (rand() % 2 ? 1 : -1);

		for (int d = 0; d <= 4; d++) {
			struct pt_buf b = { 0 };
			struct pt_json j;

			pt_json_init(&j, &b);
			pt_json_num(&j, NULL, x, d);
			snprintf(want, sizeof(want), "%.*f", d, x);
			assert_string_equal(pt_buf_str(&b), want);
			pt_buf_fini(&b);
		}
	}
	struct pt_buf b = { 0 };
	struct pt_json j;

	pt_json_init(&j, &b);
	pt_json_array(&j, NULL, false);
	pt_json_int(&j, NULL, LLONG_MIN);
	pt_json_int(&j, NULL, -7);
	pt_json_int(&j, NULL, 0);
	pt_json_uint(&j, NULL, ULLONG_MAX);
	pt_json_num(&j, NULL, NAN, 1);
	pt_json_end(&j);
	assert_string_equal(pt_buf_str(&b),
			    "[-9223372036854775808, -7, 0, 18446744073709551615, null]");
	pt_buf_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
