/* The text module (src/text.c): buffers, UTF-8, width, fitting, cleaning, durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static void test_buf(void **unused)
{
	struct pt_buf b = { 0 };
	char *s;

	(void)unused;
	assert_string_equal(pt_buf_str(&b), "");
	pt_buf_puts(&b, "ab");
	pt_buf_putc(&b, 'c');
	pt_buf_printf(&b, "%d-%s", 42, "x");
	for (int i = 0; i < 1000; i++) {
		pt_buf_putc(&b, 'y');
	}
	assert_int_equal(b.len, 1007);
	assert_memory_equal(b.s, "abc42-xyy", 9);
	assert_int_equal(b.s[b.len], '\0');
	pt_buf_reset(&b);
	pt_buf_quoted(&b, "say \"hi\"");
	assert_string_equal(pt_buf_str(&b), "\"say \"\"hi\"\"\"");
	s = pt_buf_take(&b);
	assert_string_equal(s, "\"say \"\"hi\"\"\"");
	assert_null(b.s);
	free(s);
	s = pt_buf_take(&b);
	assert_string_equal(s, "");
	free(s);
	b.oom = true;
	assert_null(pt_buf_take(&b));
}

static void test_utf8(void **unused)
{
	(void)unused;
	assert_int_equal(pt_utf8_seq("a", 1), 1);
	assert_int_equal(pt_utf8_seq("\xc3\xa9", 2), 2);
	assert_int_equal(pt_utf8_seq("\xe2\x80\xa6", 3), 3);
	assert_int_equal(pt_utf8_seq("\xf0\x9f\x98\x80", 4), 4);
	/* cut short, overlong, surrogates, beyond U+10FFFF, stray continuation bytes */
	assert_int_equal(pt_utf8_seq("\xe2\x80", 2), 0);
	assert_int_equal(pt_utf8_seq("\xc0\xaf", 2), 0);
	assert_int_equal(pt_utf8_seq("\xe0\x80\xaf", 3), 0);
	assert_int_equal(pt_utf8_seq("\xed\xa0\x80", 3), 0);
	assert_int_equal(pt_utf8_seq("\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(pt_utf8_seq("\x80", 1), 0);
	assert_int_equal(pt_utf8_seq("\xff", 1), 0);
}

static void test_fit_and_width(void **unused)
{
	char buf[64];

	(void)unused;
	assert_string_equal(pt_text_fit(buf, sizeof(buf), "abcdef", 4, true), "abc~");
	assert_string_equal(pt_text_fit(buf, sizeof(buf), "abcdef", 6, true), "abcdef");
	/* UTF-8 is cut on a character boundary, with a one-cell ellipsis. */
	assert_string_equal(pt_text_fit(buf, sizeof(buf), "\xc3\xa9t\xc3\xa9s", 3, false),
			    "\xc3\xa9t\xe2\x80\xa6");
	assert_int_equal(pt_text_width("\xc3\xa9t\xc3\xa9"), 3);
	assert_int_equal(pt_text_width("a\xff"), 2);
	assert_string_equal(pt_text_fit(buf, sizeof(buf), "a\xff", 5, true), "a?");
	assert_string_equal(pt_text_fit(buf, sizeof(buf), "abc", 0, true), "");
	/* a tiny buffer: cut before a sequence that does not fit, never inside it */
	assert_string_equal(pt_text_fit(buf, 3, "\xc3\xa9\xc3\xa9", 10, false), "\xc3\xa9");
}

static void test_clean(void **unused)
{
	char buf[16];

	(void)unused;
	/* invalid bytes become U+FFFD, controls '?', valid UTF-8 stays */
	assert_int_equal(pt_text_clean(buf, sizeof(buf), "a\xff\xfe" "b", 4), 8);
	assert_string_equal(buf, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
	pt_text_clean(buf, sizeof(buf), "x\x1b[2Jy\x7f\xc2\x85z", 10);
	assert_string_equal(buf, "x?[2Jy??z");
	pt_text_clean(buf, sizeof(buf), "\xc3\xa9t\xc3\xa9", 5);
	assert_string_equal(buf, "\xc3\xa9t\xc3\xa9");
	/* cut at a character boundary: 5 bytes of room hold "ab" and one é, not half of it */
	assert_int_equal(pt_text_clean(buf, 6, "ab\xc3\xa9\xc3\xa9", 6), 4);
	assert_string_equal(buf, "ab\xc3\xa9");
	/* a NUL ends the input early; n = 0 is the empty string */
	assert_int_equal(pt_text_clean(buf, sizeof(buf), "ab\0cd", 5), 2);
	assert_int_equal(pt_text_clean(buf, sizeof(buf), "ab", 0), 0);
	assert_string_equal(buf, "");
}

static void test_duration(void **unused)
{
	char buf[32];

	(void)unused;
	assert_string_equal(pt_text_duration(buf, sizeof(buf), 0), "0s");
	assert_string_equal(pt_text_duration(buf, sizeof(buf), 41), "41s");
	assert_string_equal(pt_text_duration(buf, sizeof(buf), 185), "3m05s");
	assert_string_equal(pt_text_duration(buf, sizeof(buf), 7440), "2h04m");
	assert_string_equal(pt_text_duration(buf, sizeof(buf), 266400), "3d02h");
}

/* The shared-string table: one pointer per text, cut to the size asked, and bounded: once it
 * holds its 32 MB, a new text gets NULL while the ones it holds still come back (last: it
 * fills this program's table). */
static void test_intern(void **unused)
{
	char t[64];
	const char *a = pt_text_intern("dns.example", 64), *first;
	size_t n = 0;

	(void)unused;
	assert_string_equal(a, "dns.example");
	assert_ptr_equal(a, pt_text_intern("dns.example", 64));
	assert_ptr_equal(pt_text_intern("dns.example.longer", 12), a);
	assert_string_equal(pt_text_intern("", 64), "");
	first = pt_text_intern("text 0", sizeof(t));
	for (;;) {
		snprintf(t, sizeof(t), "text %zu with some more bytes to it", ++n);
		if (pt_text_intern(t, sizeof(t)) == NULL) {
			break;
		}
		assert_true(n < 2000000);
	}
	/* full somewhere past half a million of these (~50 bytes each with the link) */
	assert_true(n > 500000);
	assert_ptr_equal(pt_text_intern("text 0", sizeof(t)), first);
	assert_ptr_equal(pt_text_intern("dns.example", 64), a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),	      cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_fit_and_width), cmocka_unit_test(test_clean),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_intern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
