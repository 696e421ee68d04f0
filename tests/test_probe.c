/* --check-resolvers verdicts (src/probe.c); the run itself is tested on the lab. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "probe.h"

static struct pt_reply reply(enum pt_reply_result res, enum pt_answer_kind kind, int rcode,
			     unsigned flags)
{
	struct pt_reply r;

	memset(&r, 0, sizeof(r));
	r.result = res;
	r.answer.kind = kind;
	r.answer.rcode = rcode;
	r.answer.flags = flags;
	return r;
}

static void test_judge(void **unused)
{
	struct pt_reply r;

	(void)unused;
	r = reply(PT_REPLY_OK, PT_ANSWER_DATA, 0, PT_FLAG_RA | PT_FLAG_RD);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_RECURSIVE);
	r = reply(PT_REPLY_OK, PT_ANSWER_DATA, 0, PT_FLAG_AA);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_NOT_RECURSIVE);
	r = reply(PT_REPLY_OK, PT_ANSWER_REFERRAL, 0, PT_FLAG_RA);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_NOT_RECURSIVE);
	r = reply(PT_REPLY_OK, PT_ANSWER_RCODE, 5, 0);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_REFUSED);
	r = reply(PT_REPLY_OK, PT_ANSWER_RCODE, 2, PT_FLAG_RA);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_SERVFAIL);
	r = reply(PT_REPLY_OK, PT_ANSWER_RCODE, 4, PT_FLAG_RA);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_ERROR);
	r = reply(PT_REPLY_OK, PT_ANSWER_NODATA, 0, PT_FLAG_RA);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_ERROR);
	r = reply(PT_REPLY_TIMEOUT, PT_ANSWER_DATA, 0, 0);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_TIMEOUT);
	r = reply(PT_REPLY_UNREACHABLE, PT_ANSWER_DATA, 0, 0);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_TIMEOUT);
	r = reply(PT_REPLY_MALFORMED, PT_ANSWER_DATA, 0, 0);
	assert_int_equal(pt_probe_judge(&r), PT_PROBE_ERROR);
	assert_string_equal(pt_probe_status_name(PT_PROBE_NOT_RECURSIVE), "not-recursive");
	assert_string_equal(pt_probe_status_name((enum pt_probe_status)99), "error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
