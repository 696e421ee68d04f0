/* Globalping measurements into observations (src/globalping.c): finished, failed, offline and
 * in-progress probes, answer-only rows, NXDOMAIN without a negative-caching TTL, CNAME chains,
 * other questions, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "globalping.h"
#include "query.h"
#include "resolvers.h"

struct seen {
	struct pt_resolver r[8];
	struct pt_reply reply[8];
	size_t n;
};

static void collect(void *ctx, const struct pt_resolver *r, const struct pt_reply *reply)
{
	struct seen *s = ctx;

	assert_true(s->n < 8);
	s->r[s->n] = *r;
	s->reply[s->n] = *reply;
	assert_int_equal(pt_answer_copy(&s->reply[s->n].answer, &reply->answer), PT_OK);
	s->n++;
}

static void seen_fini(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++) {
		pt_reply_fini(&s->reply[i]);
	}
}

#define PROBE(cc, asn) "{\"country\":\"" cc "\",\"asn\":" #asn ",\"city\":\"C\",\"network\":\"N\"}"

static void test_statuses(void **state)
{
	const char *m =
		"{\"id\":\"abc\",\"type\":\"dns\",\"status\":\"finished\",\"target\":\"Example."
		"Test\","
		"\"updatedAt\":\"2026-12-01T08:00:01.250Z\",\"measurementOptions\":{\"query\":"
		"{\"type\":\"MX\"}},\"results\":["
		"{\"probe\":" PROBE(
			"DE",
			3320) ",\"result\":{\"status\":\"finished\","
			      "\"statusCodeName\":\"NOERROR\",\"resolver\":\"192.168.1.1\","
			      "\"answers\":["
			      "{\"type\":\"CNAME\",\"ttl\":5,\"value\":\"b.example.test.\"},"
			      "{\"type\":\"MX\",\"ttl\":80,\"value\":\"20 Y.example.test.\"},"
			      "{\"type\":\"MX\",\"ttl\":60,\"value\":\"10 x.example.test.\"}],"
			      "\"timings\":{\"total\":12}}},"
			      "{\"probe\":" PROBE(
				      "US",
				      7922) ",\"result\":{\"status\":\"finished\","
					    "\"statusCodeName\":\"NXDOMAIN\",\"resolver\":\"75.75."
					    "75.75\",\"answers\":[]}},"
					    "{\"probe\":" PROBE(
						    "FR",
						    1) ",\"result\":{\"status\":\"finished\","
						       "\"statusCodeName\":\"NOERROR\",\"answers\":"
						       "[]}},"
						       "{\"probe\":" PROBE(
							       "JP",
							       2) ",\"result\":{\"status\":"
								  "\"failed\",\"rawOutput\":"
								  "\";; connection timed out; no "
								  "servers could be "
								  "reached\\nmore\"}},"
								  "{\"probe\":" PROBE(
									  "BR",
									  3) ",\"result\":{"
									     "\"status\":"
									     "\"failed\","
									     "\"rawOutput\":"
									     "\"bad \\u001b[31m "
									     "thing\"}},"
									     "{\"probe\":" PROBE(
										     "AR",
										     4) ",\"result"
											"\":{"
											"\"status\""
											":\"offline"
											"\"}},"
											"{\"probe\""
											":" PROBE(
												"C"
												"L",
												5) ",\"result\":{\"status\":\"in-progress\"}},"
												   "{\"probe\":" PROBE(
													   "PE",
													   6) ",\"result\":{\"status\":\"finished\","
													      "\"statusCodeName\":\"SERVFAIL\"}}]}";
	struct pt_vantage_report rep;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(pt_globalping_read(m, strlen(m), "example.test.", 15, collect, &s, &rep),
			 PT_OK);
	assert_int_equal(s.n, 6);
	assert_int_equal(rep.results, 8);
	assert_int_equal(rep.offline, 2);
	assert_int_equal(rep.malformed, 0);
	/* an answer: the asked type only, sorted, normalised, the smallest TTL */
	assert_int_equal(s.r[0].vantage.source, PT_SOURCE_GLOBALPING);
	assert_true(s.r[0].vantage.answer_only);
	assert_string_equal(s.r[0].vantage.country, "DE");
	assert_int_equal(s.r[0].vantage.asn, 3320);
	assert_string_equal(s.r[0].vantage.resolver, "private");
	assert_string_equal(s.r[0].vantage.measurement_id, "abc");
	assert_int_equal(s.r[0].vantage.observed_ms, 1796112001250ULL);
	assert_int_equal(s.reply[0].answer.kind, PT_ANSWER_DATA);
	assert_int_equal(s.reply[0].answer.count, 2);
	assert_string_equal(s.reply[0].answer.rdata[0], "10 x.example.test.");
	assert_string_equal(s.reply[0].answer.rdata[1], "20 y.example.test.");
	assert_int_equal(s.reply[0].answer.ttl, 60);
	/* negative answers have no negative-caching TTL: no authority section */
	assert_int_equal(s.reply[1].answer.kind, PT_ANSWER_NXDOMAIN);
	assert_false(s.reply[1].answer.has_ttl);
	assert_string_equal(s.r[1].vantage.resolver, "75.75.75.75");
	assert_int_equal(s.reply[2].answer.kind, PT_ANSWER_NODATA);
	assert_false(s.reply[2].answer.has_ttl);
	assert_int_equal(s.reply[3].result, PT_REPLY_TIMEOUT);
	assert_string_equal(s.r[3].vantage.error,
			    "connection timed out; no servers could be reached");
	assert_int_equal(s.reply[4].result, PT_REPLY_LOCAL_ERROR);
	assert_null(strchr(s.r[4].vantage.error, '\033')); /* cleaned */
	assert_int_equal(s.reply[5].answer.kind, PT_ANSWER_RCODE);
	assert_int_equal(s.reply[5].answer.rcode, 2);
	assert_string_not_equal(s.r[0].label, s.r[1].label);
	seen_fini(&s);
}

static void test_other_and_hostile(void **state)
{
	const char *other = "{\"id\":\"a\",\"target\":\"other.test\",\"results\":[{},{}]}\n"
			    "{\"id\":\"b\",\"target\":\"example.test\",\"measurementOptions\":{"
			    "\"query\":{\"type\":\"A\"}},\"results\":[{}]}\n";
	const char *bad = "[{\"results\":5}, {\"type\":\"ping\",\"results\":[]},"
			  "{\"results\":[1, {\"probe\":1,\"result\":{}}, {\"probe\":{},"
			  "\"result\":{\"status\":\"weird\"}}, {\"probe\":{},\"result\":{"
			  "\"status\":\"finished\",\"statusCodeName\":\"BADCOOKIE\"}},"
			  "{\"probe\":{\"asn\":-1},\"result\":{\"status\":\"finished\","
			  "\"answers\":[{\"type\":\"MX\",\"value\":\"not an mx\"}]}}]}]";
	struct pt_vantage_report rep;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(
		pt_globalping_read(other, strlen(other), "example.test.", 15, collect, &s, &rep),
		PT_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(rep.other_question, 3);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(
		pt_globalping_read(bad, strlen(bad), "example.test.", 15, collect, &s, &rep),
		PT_OK);
	/* the last one: a NOERROR without a readable record of the type is NODATA */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.reply[0].answer.kind, PT_ANSWER_NODATA);
	assert_int_equal(s.r[0].vantage.asn, 0);
	assert_int_equal(rep.malformed, 6);
	seen_fini(&s);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(pt_globalping_read("", 0, "example.test.", 15, collect, &s, &rep),
			 PT_ERR_PARSE);
}

/* GET /v1/limits: the documented shape (globalping-go limits_models.go), anonymous (no
 * credits) and with a token (credits), and the wording. */
static void test_limits(void **state)
{
	const char *anon = "{\"rateLimit\":{\"measurements\":{\"create\":{\"type\":\"ip\","
			   "\"limit\":250,\"remaining\":249,\"reset\":3120}}}}";
	const char *user = "{\"rateLimit\":{\"measurements\":{\"create\":{\"type\":\"user\","
			   "\"limit\":1000,\"remaining\":0,\"reset\":600}}},"
			   "\"credits\":{\"remaining\":1000}}";
	const char *spent = "{\"rateLimit\":{\"measurements\":{\"create\":{\"type\":\"user\","
			    "\"limit\":1000,\"remaining\":0,\"reset\":45}}},"
			    "\"credits\":{\"remaining\":0}}";
	struct pt_vantage_limits l;
	char why[200], text[200];

	(void)state;
	assert_int_equal(pt_globalping_limits_read(&l, anon, strlen(anon), why, sizeof(why)),
			 PT_OK);
	assert_true(l.known);
	assert_string_equal(l.type, "ip");
	assert_int_equal(l.limit, 250);
	assert_int_equal(l.remaining, 249);
	assert_int_equal(l.reset_s, 3120);
	assert_false(l.has_credits);
	assert_false(pt_vantage_limits_exhausted(&l));
	assert_string_equal(pt_vantage_limits_text(text, sizeof(text), &l),
			    "249 of 250 measurements left (per IP), resets in 52m00s");
	assert_int_equal(pt_globalping_limits_read(&l, user, strlen(user), why, sizeof(why)),
			 PT_OK);
	assert_true(l.has_credits);
	assert_int_equal(l.credits, 1000);
	/* none left in the hour, but credits to spend */
	assert_false(pt_vantage_limits_exhausted(&l));
	assert_string_equal(pt_vantage_limits_text(text, sizeof(text), &l),
			    "0 of 1000 measurements left (per user), resets in 10m00s; 1000 credits");
	assert_int_equal(pt_globalping_limits_read(&l, spent, strlen(spent), why, sizeof(why)),
			 PT_OK);
	assert_true(pt_vantage_limits_exhausted(&l));
	assert_string_equal(pt_vantage_limits_text(text, 12, &l), "0 of 1000 m");
	memset(&l, 0, sizeof(l));
	assert_false(pt_vantage_limits_exhausted(&l));
	assert_string_equal(pt_vantage_limits_text(text, sizeof(text), &l), "");
}

/* Limits of another shape: said (why) and not known, never a crash. */
static void test_limits_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[1,2]",
		"{\"error\":{\"type\":\"x\",\"message\":\"y\"}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":5}}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":{\"limit\":250,\"remaining\":1}}}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":{\"limit\":250,\"remaining\":-1,"
		"\"reset\":5}}}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":{\"limit\":\"250\",\"remaining\":1,"
		"\"reset\":5}}}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":{\"limit\":1.5,\"remaining\":1,"
		"\"reset\":5}}}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":{\"limit\":2,\"remaining\":3,"
		"\"reset\":5}}}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":{\"limit\":2,\"remaining\":1,"
		"\"reset\":5}}},\"credits\":{\"remaining\":\"lots\"}}",
		"{\"rateLimit\":{\"measurements\":{\"create\":{\"limit\":2,\"remaining\":1,"
		"\"reset\":5}}},\"credits\":7}",
	};
	const char weird[] = "{\"rateLimit\":{\"measurements\":{\"create\":{\"type\":"
			     "\"\\u001b[2J\",\"limit\":9223372036854775807,\"remaining\":0,"
			     "\"reset\":0}}}}";
	const char nul[] = "{\"x\":\"\x01\x1b\"";
	struct pt_vantage_limits l;
	char why[200], text[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(
			pt_globalping_limits_read(&l, bad[i], strlen(bad[i]), why, sizeof(why)),
			PT_ERR_PARSE);
		assert_false(l.known);
		assert_true(why[0] != '\0');
	}
	/* jansson's words about hostile bytes reach the user cleaned */
	assert_int_equal(pt_globalping_limits_read(&l, nul, sizeof(nul) - 1, why, sizeof(why)),
			 PT_ERR_PARSE);
	assert_null(strchr(why, '\x1b'));
	/* an unknown type is not shown; a huge limit is a number like any other */
	assert_int_equal(pt_globalping_limits_read(&l, weird, strlen(weird), why, sizeof(why)),
			 PT_OK);
	assert_string_equal(l.type, "");
	assert_true(pt_vantage_limits_exhausted(&l));
	assert_string_equal(pt_vantage_limits_text(text, sizeof(text), &l),
			    "0 of 9223372036854775807 measurements left, resets in 0s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_other_and_hostile),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_limits_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
