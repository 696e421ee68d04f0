/* The one classifier, verdicts, counts, the convergence rule and the exit status
 * (src/verdict.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "verdict.h"

static struct pt_answer data(const char *a)
{
	struct pt_answer x;

	memset(&x, 0, sizeof(x));
	x.kind = PT_ANSWER_DATA;
	x.rdata = calloc(1, sizeof(char *));
	x.rdata[x.count++] = strdup(a);
	x.ttl = 60;
	x.has_ttl = true;
	x.ede = -1;
	return x;
}

static struct pt_answer other(enum pt_answer_kind kind, int rcode)
{
	struct pt_answer x;

	memset(&x, 0, sizeof(x));
	x.kind = kind;
	x.rcode = rcode;
	return x;
}

static void test_classify(void **unused)
{
	struct pt_answer a = data("10 new."), nx = other(PT_ANSWER_NXDOMAIN, PT_RCODE_NXDOMAIN);
	struct pt_answer nodata = other(PT_ANSWER_NODATA, 0), ref = other(PT_ANSWER_REFERRAL, 0);
	struct pt_answer sf = other(PT_ANSWER_RCODE, PT_RCODE_SERVFAIL);
	struct pt_answer rf = other(PT_ANSWER_RCODE, PT_RCODE_REFUSED);
	struct pt_answer ni = other(PT_ANSWER_RCODE, PT_RCODE_NOTIMP);

	(void)unused;
	assert_int_equal(pt_reply_class(PT_REPLY_OK, &a), PT_CLASS_ANSWER);
	assert_int_equal(pt_reply_class(PT_REPLY_OK, &nx), PT_CLASS_ANSWER);
	assert_int_equal(pt_reply_class(PT_REPLY_OK, &nodata), PT_CLASS_ANSWER);
	assert_int_equal(pt_reply_class(PT_REPLY_OK, &ref), PT_CLASS_REFERRAL);
	assert_int_equal(pt_reply_class(PT_REPLY_OK, &sf), PT_CLASS_SERVFAIL);
	assert_int_equal(pt_reply_class(PT_REPLY_OK, &rf), PT_CLASS_REFUSED);
	assert_int_equal(pt_reply_class(PT_REPLY_OK, &ni), PT_CLASS_ERROR);
	assert_int_equal(pt_reply_class(PT_REPLY_TIMEOUT, NULL), PT_CLASS_TIMEOUT);
	assert_int_equal(pt_reply_class(PT_REPLY_UNREACHABLE, NULL), PT_CLASS_TIMEOUT);
	assert_int_equal(pt_reply_class(PT_REPLY_MALFORMED, NULL), PT_CLASS_ERROR);
	assert_int_equal(pt_reply_class(PT_REPLY_LOCAL_ERROR, NULL), PT_CLASS_ERROR);
	pt_answer_fini(&a);
}

static void test_judge(void **unused)
{
	struct pt_answer a = data("10 new."), b = data("10 old.");
	struct pt_answer nx = other(PT_ANSWER_NXDOMAIN, PT_RCODE_NXDOMAIN);
	struct pt_answer nodata = other(PT_ANSWER_NODATA, 0);
	struct pt_answer sf = other(PT_ANSWER_RCODE, PT_RCODE_SERVFAIL);
	struct pt_answer rf = other(PT_ANSWER_RCODE, PT_RCODE_REFUSED);
	struct pt_answer ni = other(PT_ANSWER_RCODE, PT_RCODE_NOTIMP);
	struct pt_answer ref = other(PT_ANSWER_REFERRAL, 0);

	(void)unused;
	/* Without a truth, answers wait; failures are failures anyway. */
	assert_int_equal(pt_verdict_judge(NULL, PT_REPLY_OK, &a), PT_VERDICT_PENDING);
	assert_int_equal(pt_verdict_judge(NULL, PT_REPLY_OK, &sf), PT_VERDICT_SERVFAIL);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &a), PT_VERDICT_MATCH);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &b), PT_VERDICT_DIFFER);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &nx), PT_VERDICT_NEGATIVE);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &nodata), PT_VERDICT_NEGATIVE);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &sf), PT_VERDICT_SERVFAIL);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &rf), PT_VERDICT_REFUSED);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &ni), PT_VERDICT_ERROR);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_OK, &ref), PT_VERDICT_ERROR);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_TIMEOUT, NULL), PT_VERDICT_TIMEOUT);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_UNREACHABLE, NULL), PT_VERDICT_TIMEOUT);
	assert_int_equal(pt_verdict_judge(&a, PT_REPLY_MALFORMED, NULL), PT_VERDICT_ERROR);
	/* A negative truth: the same negative matches, data is "negative", the other kind
	 * differs. */
	assert_int_equal(pt_verdict_judge(&nx, PT_REPLY_OK, &nx), PT_VERDICT_MATCH);
	assert_int_equal(pt_verdict_judge(&nx, PT_REPLY_OK, &a), PT_VERDICT_NEGATIVE);
	assert_int_equal(pt_verdict_judge(&nx, PT_REPLY_OK, &nodata), PT_VERDICT_DIFFER);
	pt_answer_fini(&a);
	pt_answer_fini(&b);
}

static void test_names(void **unused)
{
	(void)unused;
	assert_string_equal(pt_verdict_name(PT_VERDICT_MATCH), "match");
	assert_string_equal(pt_verdict_name(PT_VERDICT_PENDING), "pending");
	assert_string_equal(pt_verdict_name(PT_VERDICT_COUNT), "error");
	assert_string_equal(pt_reason_name(PT_REASON_DIFFER), "differ");
	assert_string_equal(pt_reason_name(PT_REASON_PENDING), "pending");
	assert_string_equal(pt_reason_name(3), "unknown");
}

static struct pt_counts counts(size_t match, size_t differ, size_t refused, size_t timeout,
			       size_t pending)
{
	struct pt_counts c;

	memset(&c, 0, sizeof(c));
	c.by[PT_VERDICT_MATCH] = match;
	c.by[PT_VERDICT_DIFFER] = differ;
	c.by[PT_VERDICT_REFUSED] = refused;
	c.by[PT_VERDICT_TIMEOUT] = timeout;
	c.by[PT_VERDICT_PENDING] = pending;
	c.total = match + differ + refused + timeout + pending;
	return c;
}

/* The facts of a known truth that the servers agree on, with a quorum of one. */
static struct pt_verdict_facts known(void)
{
	return (struct pt_verdict_facts){ .truth_known = true, .needed = 1 };
}

static unsigned reasons(const struct pt_counts *c, struct pt_verdict_facts f)
{
	return pt_verdict_reasons(c, &f);
}

static void test_counts_and_rule(void **unused)
{
	struct pt_counts c = counts(3, 1, 1, 2, 0);
	struct pt_verdict_facts f = known();

	(void)unused;
	assert_int_equal(pt_counts_judged(&c), 4);
	assert_int_equal(pt_counts_answered(&c), 5);
	assert_int_equal(reasons(&c, f), PT_REASON_DIFFER);
	/* refused and timed-out resolvers are not judged */
	c = counts(2, 0, 1, 1, 0);
	assert_int_equal(reasons(&c, f), 0);
	/* no truth: that is the reason, whatever the counts */
	f.truth_known = false;
	assert_int_equal(reasons(&c, f), PT_REASON_NO_TRUTH);
	f = known();
	c = counts(0, 0, 1, 0, 0);
	assert_int_equal(reasons(&c, f), PT_REASON_NO_MATCH | PT_REASON_TOO_FEW);
	c = counts(1, 0, 0, 0, 1);
	assert_int_equal(reasons(&c, f), PT_REASON_PENDING);
	c.by[PT_VERDICT_SERVFAIL] = 1;
	c.by[PT_VERDICT_NEGATIVE] = 1;
	c.by[PT_VERDICT_ERROR] = 1;
	assert_int_equal(reasons(&c, f), PT_REASON_PENDING | PT_REASON_SERVFAIL |
						 PT_REASON_NEGATIVE | PT_REASON_ERROR);
}

/* Too few judged, servers that disagree, silent --auth, an unpublished record: each keeps
 * it unconverged, with its own reason, whatever the resolvers say. */
static void test_truth_reasons(void **unused)
{
	struct pt_counts c = counts(4, 0, 0, 2500, 0);
	struct pt_verdict_facts f = known();
	struct pt_quorum half = PT_QUORUM_DEFAULT;

	(void)unused;
	/* 4 answer, 2,500 time out: not converged, too few answers */
	c.total = 2504;
	f.needed = pt_quorum_needed(&half, c.total);
	assert_int_equal(f.needed, 1252);
	assert_int_equal(reasons(&c, f), PT_REASON_TOO_FEW);
	assert_int_equal(pt_verdict_exit_status(&c, reasons(&c, f)), PT_EXIT_NOTHING);
	c = counts(4, 0, 0, 0, 0);
	f.needed = 4;
	assert_int_equal(reasons(&c, f), 0);
	f.auth_disagree = true;
	assert_int_equal(reasons(&c, f), PT_REASON_AUTH_DISAGREE);
	assert_int_equal(pt_verdict_exit_status(&c, reasons(&c, f)), PT_EXIT_NOT_CONVERGED);
	f = known();
	f.truth_known = false;
	f.auth_unreachable = true;
	assert_int_equal(reasons(&c, f), PT_REASON_AUTH_UNREACHABLE);
	/* with nothing to judge against every resolver waits: no pending, no-match or
	 * too-few-answers on top */
	c = counts(0, 0, 0, 0, 4);
	assert_int_equal(reasons(&c, f), PT_REASON_AUTH_UNREACHABLE);
	assert_int_equal(pt_verdict_exit_status(&c, reasons(&c, f)), PT_EXIT_NOTHING);
	f = known();
	f.unpublished = true;
	c = counts(0, 0, 0, 0, 4);
	assert_int_equal(reasons(&c, f), PT_REASON_NOT_PUBLISHED | PT_REASON_NO_MATCH |
						 PT_REASON_PENDING | PT_REASON_TOO_FEW);
	assert_int_equal(pt_verdict_exit_status(&c, reasons(&c, f)), PT_EXIT_NOTHING);
	assert_string_equal(pt_reason_name(PT_REASON_TOO_FEW), "too-few-answers");
	assert_string_equal(pt_reason_name(PT_REASON_AUTH_DISAGREE), "auth-disagree");
	assert_string_equal(pt_reason_name(PT_REASON_AUTH_UNREACHABLE), "auth-unreachable");
	assert_string_equal(pt_reason_name(PT_REASON_NOT_PUBLISHED), "not-published");
}

static void test_quorum(void **unused)
{
	struct pt_quorum q = { .percent = true, .value = 50 };

	(void)unused;
	assert_int_equal(pt_quorum_needed(&q, 1), 1);
	assert_int_equal(pt_quorum_needed(&q, 3), 2);
	assert_int_equal(pt_quorum_needed(&q, 4), 2);
	q.value = 0;
	assert_int_equal(pt_quorum_needed(&q, 100), 1);
	q.value = 100;
	assert_int_equal(pt_quorum_needed(&q, 7), 7);
	q = (struct pt_quorum){ .percent = false, .value = 3 };
	assert_int_equal(pt_quorum_needed(&q, 1000), 3);
}

/* One exit status for the same verdicts, whatever the mode: a single resolver of each verdict. */
static void test_exit_status(void **unused)
{
	static const struct {
		enum pt_verdict v;
		int status;
	} cases[] = {
		{ PT_VERDICT_MATCH, PT_EXIT_OK },
		{ PT_VERDICT_DIFFER, PT_EXIT_NOT_CONVERGED },
		{ PT_VERDICT_NEGATIVE, PT_EXIT_NOT_CONVERGED },
		{ PT_VERDICT_SERVFAIL, PT_EXIT_NOT_CONVERGED },
		{ PT_VERDICT_ERROR, PT_EXIT_NOT_CONVERGED },
		{ PT_VERDICT_REFUSED, PT_EXIT_NOTHING },
		{ PT_VERDICT_TIMEOUT, PT_EXIT_NOTHING },
		{ PT_VERDICT_PENDING, PT_EXIT_NOTHING },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_counts c;

		memset(&c, 0, sizeof(c));
		c.total = 1;
		c.by[cases[i].v] = 1;
		assert_int_equal(pt_verdict_exit_status(&c, reasons(&c, known())),
				 cases[i].status);
	}
	/* a refusing resolver beside a matching one is not judged: converged */
	struct pt_counts c = counts(1, 0, 1, 0, 0);

	assert_int_equal(pt_verdict_exit_status(&c, reasons(&c, known())), PT_EXIT_OK);
}

/* --follow-mx: the targets' address answers are part of the rule, with reasons of their own;
 * refused and silent ones are not judged, as for the main question. */
static void test_targets_reasons(void **unused)
{
	struct pt_counts c = counts(2, 0, 0, 0, 0);
	struct pt_counts t = counts(3, 0, 1, 0, 0);
	struct pt_verdict_facts f = known();

	(void)unused;
	f.targets = &t;
	assert_int_equal(reasons(&c, f), 0);
	t = counts(3, 1, 0, 0, 0);
	assert_int_equal(reasons(&c, f), PT_REASON_TARGETS_DIFFER);
	t = counts(3, 0, 0, 0, 1);
	assert_int_equal(reasons(&c, f), PT_REASON_TARGETS_PENDING);
	t.by[PT_VERDICT_NEGATIVE] = 1;
	assert_int_equal(reasons(&c, f), PT_REASON_TARGETS_DIFFER | PT_REASON_TARGETS_PENDING);
	assert_int_equal(pt_verdict_exit_status(&c, reasons(&c, f)), PT_EXIT_NOT_CONVERGED);
	assert_string_equal(pt_reason_name(PT_REASON_TARGETS_DIFFER), "targets-differ");
	assert_string_equal(pt_reason_name(PT_REASON_TARGETS_PENDING), "targets-pending");
	/* without a truth, only the truth's reason */
	f.truth_known = false;
	assert_int_equal(reasons(&c, f), PT_REASON_NO_TRUTH);
	/* not followed: nothing about targets */
	f = known();
	assert_int_equal(reasons(&c, f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),     cmocka_unit_test(test_judge),
		cmocka_unit_test(test_names),	     cmocka_unit_test(test_counts_and_rule),
		cmocka_unit_test(test_truth_reasons), cmocka_unit_test(test_quorum),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_targets_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
