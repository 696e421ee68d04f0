/* RIPE Atlas results into observations (src/atlas.c): abuf decoding through the one reply
 * parser, resultset, error entries, old firmware, malformed and foreign results; and the
 * rows they make in a state, judged against a truth (src/vantage.c, src/verdict.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "atlas.h"
#include "query.h"
#include "resolvers.h"
#include "state.h"
#include "vantage.h"

/* dnspython-made replies (tests/e2e/fixtures/atlas/make.py): MX 10 mx-new for example.test.,
 * NXDOMAIN with the SOA (TTL 3600, MINIMUM 120), and an answer for other.test. */
#define ABUF_NEW                                                                                   \
	"EJKBgAABAAEAAAABB2V4YW1wbGUEdGVzdAAADwABwAwADwABAAABLAALAAoGbXgtbmV3wAwAACkgAAAAAAAAAA=="
#define ABUF_NX                                                                                    \
	"EJKBgwABAAAAAQABB2V4YW1wbGUEdGVzdAAADwABwAwABgABAAAOEAAhA25zMcAMBGhvc3TADHjEI6UAAA4QAAAC" \
	"WAAB"                                                                                     \
	"UYAAAAB4AAApIAAAAAAAAAA="
#define ABUF_OTHER                                                                                 \
	"EJKBgAABAAEAAAABBW90aGVyBHRlc3QAAA8AAcAMAA8AAQAAASwABwAKAm14wAwAACkgAAAAAAAAAA=="

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

static size_t read_text(struct seen *s, struct pt_vantage_report *rep, const char *text)
{
	memset(s, 0, sizeof(*s));
	memset(rep, 0, sizeof(*rep));
	assert_int_equal(pt_atlas_read(text, strlen(text), "example.test.", 15, collect, s, rep),
			 PT_OK);
	return s->n;
}

static void test_abuf(void **state)
{
	struct pt_answer a;

	(void)state;
	assert_int_equal(pt_query_parse_b64(&a, ABUF_NEW, "example.test.", 15), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_DATA);
	assert_int_equal(a.count, 1);
	assert_string_equal(a.rdata[0], "10 mx-new.example.test.");
	assert_int_equal(a.ttl, 300);
	assert_true(a.flags & PT_FLAG_RA);
	pt_answer_fini(&a);
	/* the negative-caching TTL from the authority SOA: min(SOA TTL, MINIMUM) */
	assert_int_equal(pt_query_parse_b64(&a, ABUF_NX, "example.test.", 15), PT_OK);
	assert_int_equal(a.kind, PT_ANSWER_NXDOMAIN);
	assert_true(a.has_ttl);
	assert_int_equal(a.ttl, 120);
	assert_true(a.has_serial);
	pt_answer_fini(&a);
	/* another question is not this one's reply; text that is no reply is malformed */
	assert_int_equal(pt_query_parse_b64(&a, ABUF_OTHER, "example.test.", 15), PT_ERR_DNS);
	assert_int_equal(pt_query_parse_b64(&a, ABUF_NEW, "example.test.", 1), PT_ERR_DNS);
	assert_int_equal(pt_query_parse_b64(&a, "bm90IGEgRE5TIHJlcGx5", "example.test.", 15),
			 PT_ERR_PARSE);
	assert_int_equal(pt_query_parse_b64(&a, "!!!", "example.test.", 15), PT_ERR_PARSE);
	assert_int_equal(pt_query_parse_b64(&a, "", "example.test.", 15), PT_ERR_PARSE);
	assert_int_equal(pt_query_parse_b64(&a, "AAAA", "example.test.", 15), PT_ERR_PARSE);
}

static void test_shapes(void **state)
{
	struct pt_vantage_report rep;
	struct seen s;

	(void)state;
	/* firmware 5000+: a resultset, one observation per probe resolver */
	assert_int_equal(
		read_text(
			&s, &rep,
			"[{\"fw\":5080,\"prb_id\":7,\"msm_id\":9,\"from\":\"192.0.2.1\",\"type\":"
			"\"dns\",\"timestamp\":100,\"resultset\":[{\"dst_addr\":\"9.9.9.9\","
			"\"time\":101,\"result\":{\"abuf\":\"" ABUF_NEW "\",\"rt\":4.5}},"
			"{\"dst_addr\":\"10.1.1.1\",\"error\":{\"timeout\":5000}},"
			"{\"dst_addr\":\"fe80::1\",\"error\":{\"socket\":\"connect failed\"}}]}]"),
		3);
	assert_int_equal(rep.results, 1);
	assert_int_equal(s.r[0].vantage.source, PT_SOURCE_ATLAS);
	assert_int_equal(s.r[0].vantage.probe_id, 7);
	assert_string_equal(s.r[0].vantage.measurement_id, "9");
	assert_string_equal(s.r[0].vantage.resolver, "9.9.9.9");
	assert_int_equal(s.r[0].vantage.observed_ms, 101000);
	assert_string_equal(s.r[0].address, "192.0.2.1");
	assert_int_equal(s.reply[0].result, PT_REPLY_OK);
	assert_true(s.reply[0].rtt_ms > 4.4 && s.reply[0].rtt_ms < 4.6);
	assert_string_equal(s.r[1].vantage.resolver, "private");
	assert_int_equal(s.r[1].vantage.observed_ms, 100000); /* the result's timestamp */
	assert_int_equal(s.reply[1].result, PT_REPLY_TIMEOUT);
	assert_string_equal(s.r[2].vantage.error, "socket: connect failed");
	assert_int_equal(s.reply[2].result, PT_REPLY_LOCAL_ERROR);
	assert_string_not_equal(s.r[0].label, s.r[1].label);
	seen_fini(&s);

	/* old firmware: no abuf, the answers list; and a getaddrinfo error; one per line */
	assert_int_equal(read_text(&s, &rep,
				   "{\"fw\":4460,\"prb_id\":8,\"result\":{\"answers\":[{\"TYPE\":"
				   "\"MX\",\"RDATA\":\"20 B.example.test\",\"TTL\":50},{\"TYPE\":"
				   "\"MX\",\"RDATA\":\"10 a.example.test.\",\"TTL\":70},{\"TYPE\":"
				   "\"SOA\",\"MNAME\":\"x.\"}]}}\n"
				   "\n{\"prb_id\":9,\"error\":{\"getaddrinfo\":\"no name\"}}\n"),
			 2);
	assert_int_equal(s.reply[0].result, PT_REPLY_OK);
	assert_true(s.r[0].vantage.answer_only);
	assert_int_equal(s.reply[0].answer.count, 2);
	assert_string_equal(s.reply[0].answer.rdata[0], "10 a.example.test.");
	assert_string_equal(s.reply[0].answer.rdata[1], "20 b.example.test.");
	assert_int_equal(s.reply[0].answer.ttl, 50);
	assert_string_equal(s.r[1].vantage.error, "getaddrinfo: no name");
	assert_int_equal(s.r[1].vantage.resolver[0], '\0');
	seen_fini(&s);
}

static void test_hostile(void **state)
{
	struct pt_vantage_report rep;
	struct seen s;

	(void)state;
	/* nothing usable: skipped and counted, never a crash */
	assert_int_equal(
		read_text(&s, &rep,
			  "[1, \"x\", null, {}, {\"prb_id\":-3}, {\"prb_id\":\"12x\"},"
			  "{\"prb_id\":5,\"type\":\"ping\"}, {\"prb_id\":5},"
			  "{\"prb_id\":5,\"result\":{\"abuf\":42}},"
			  "{\"prb_id\":5,\"result\":{\"abuf\":\"bm90IGEgRE5TIHJlcGx5\"}},"
			  "{\"prb_id\":5,\"result\":{\"answers\":[{\"TYPE\":\"MX\",\"RDATA\":\"x y "
			  "z\"}]}},"
			  "{\"prb_id\":5,\"resultset\":[3, {\"result\":[]}]},"
			  "{\"prb_id\":6,\"result\":{\"abuf\":\"" ABUF_OTHER "\"}}]"),
		0);
	assert_int_equal(rep.observations, 0);
	assert_int_equal(rep.other_question, 1);
	assert_int_equal(rep.malformed, 13);
	assert_string_equal(rep.first_malformed, "a result without prb_id");
	/* no JSON at all */
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(pt_atlas_read("garbage\n{", 9, "example.test.", 15, collect, &s, &rep),
			 PT_ERR_PARSE);
	assert_int_equal(rep.malformed, 2);
}

/* Rows in a state: one per probe and resolver, judged by the one verdict; a re-run on the
 * same probes updates the same rows. */
static void test_rows(void **state)
{
	struct pt_state *st = pt_state_new("example.test.", 15, NULL);
	struct pt_vantage_set *vs = pt_vantage_set_new(st, 0);
	struct pt_vantage_report rep;
	struct pt_truth t;
	struct pt_snapshot *snap;
	const char *run1 = "[{\"prb_id\":7,\"result\":{\"abuf\":\"" ABUF_NEW "\"}},"
			   "{\"prb_id\":8,\"result\":{\"abuf\":\"" ABUF_NX "\"}}]";
	const char *run2 = "[{\"prb_id\":8,\"msm_id\":99,\"timestamp\":1796112600,"
			   "\"result\":{\"abuf\":\"" ABUF_NEW "\"}}]";

	(void)state;
	assert_non_null(st);
	assert_non_null(vs);
	memset(&t, 0, sizeof(t));
	t.source = PT_TRUTH_EXPECTED;
	t.answer.kind = PT_ANSWER_DATA;
	t.answer.rdata = calloc(1, sizeof(char *));
	t.answer.rdata[0] = strdup("10 mx-new.example.test.");
	t.answer.count = 1;
	pt_state_set_truth(st, &t);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(pt_atlas_read(run1, strlen(run1), "example.test.", 15,
				       pt_vantage_observe_fn, vs, &rep),
			 PT_OK);
	snap = pt_state_snapshot(st);
	assert_int_equal(snap->nrows, 2);
	assert_int_equal(snap->rows[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(snap->rows[1].verdict, PT_VERDICT_NEGATIVE);
	assert_int_equal(snap->rows[1].resolver->vantage.probe_id, 8);
	assert_false(snap->converged);
	pt_snapshot_free(snap);
	assert_int_equal(pt_atlas_read(run2, strlen(run2), "example.test.", 15,
				       pt_vantage_observe_fn, vs, &rep),
			 PT_OK);
	assert_int_equal(pt_vantage_set_count(vs), 2);
	snap = pt_state_snapshot(st);
	assert_int_equal(snap->nrows, 2);
	assert_int_equal(snap->rows[1].verdict, PT_VERDICT_MATCH);
	/* the repeat's measurement and time, not the first copy's */
	assert_string_equal(snap->rows[1].resolver->vantage.measurement_id, "99");
	assert_int_equal(snap->rows[1].resolver->vantage.observed_ms, 1796112600000ull);
	assert_true(snap->converged);
	pt_snapshot_free(snap);
	pt_truth_fini(&t);
	pt_vantage_set_free(vs);
	pt_state_free(st);
}

/* The probes list: country_code and asn_v4 (else asn_v6); hostile values are left out. */
static void test_probes(void **state)
{
	struct pt_atlas_probe p[4];
	const char *ok = "{\"results\":[{\"id\":1,\"country_code\":\"NL\",\"asn_v4\":3333,"
			 "\"asn_v6\":null},{\"id\":2,\"country_code\":\"DE\",\"asn_v4\":null,"
			 "\"asn_v6\":3320},{\"id\":3,\"country_code\":\"N\\u001bL\","
			 "\"asn_v4\":-5,\"asn_v6\":99999999999},{\"id\":\"4\"},{\"country_code\":"
			 "\"FR\"},{\"id\":5},{\"id\":6}]}";
	const char *bad[] = { "", "not json", "[]", "{\"results\":{}}", "{\"results\":[1,null]}" };

	(void)state;
	assert_int_equal(pt_atlas_read_probes(ok, strlen(ok), p, 4), 4);
	assert_int_equal(p[0].id, 1);
	assert_string_equal(p[0].country, "NL");
	assert_int_equal(p[0].asn, 3333);
	assert_int_equal(p[1].asn, 3320);
	assert_string_equal(p[2].country, "");
	assert_int_equal(p[2].asn, 0);
	assert_int_equal(p[3].id, 5);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pt_atlas_read_probes(bad[i], strlen(bad[i]), p, 4), 0);
	}
}

/* A vantage's texts are shared strings: cleaned, cut to their size, the same pointer for the
 * same text; the resolver a probe asked is kept, or "private", or "" when it is no address. */
static void test_vantage_texts(void **state)
{
	struct pt_vantage v;
	char longer[200];
	const char *a;

	(void)state;
	memset(&v, 0, sizeof(v));
	assert_string_equal(pt_vantage_str(v.error), "");
	a = pt_vantage_text("timeout\x1b[2J", strlen("timeout\x1b[2J"), PT_VANTAGE_ERROR_MAX);
	assert_null(strchr(a, '\x1b'));
	assert_ptr_equal(a, pt_vantage_text("timeout\x1b[2J", strlen("timeout\x1b[2J"),
					    PT_VANTAGE_ERROR_MAX));
	memset(longer, 'e', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(strlen(pt_vantage_text(longer, strlen(longer), PT_VANTAGE_ERROR_MAX)),
			 PT_VANTAGE_ERROR_MAX - 1);
	assert_int_equal(strlen(pt_vantage_text(longer, 5, PT_VANTAGE_ID_MAX)), 5);
	pt_vantage_set_resolver(&v, "9.9.9.9");
	assert_string_equal(v.resolver, "9.9.9.9");
	pt_vantage_set_resolver(&v, "192.168.1.1");
	assert_string_equal(v.resolver, "private");
	pt_vantage_set_resolver(&v, "no address");
	assert_string_equal(v.resolver, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abuf),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_vantage_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
