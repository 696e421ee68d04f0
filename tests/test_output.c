/* Text, JSON, CSV and NDJSON rendering (src/output.c), from hand-built snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* Render with @p fn into a string; caller frees. */
#define CAPTURE(buf, call)                                                                         \
	do {                                                                                       \
		size_t len_;                                                                       \
		FILE *out = open_memstream(&(buf), &len_);                                         \
		call;                                                                              \
		fclose(out);                                                                       \
	} while (0)

static void fill_answer(struct pt_answer *a, const char *r1, const char *r2, uint32_t ttl)
{
	memset(a, 0, sizeof(*a));
	a->kind = PT_ANSWER_DATA;
	a->rdata = calloc(2, sizeof(char *));
	a->rdata[a->count++] = strdup(r1);
	if (r2 != NULL) {
		a->rdata[a->count++] = strdup(r2);
	}
	a->ttl = ttl;
	a->has_ttl = true;
}

static struct pt_snapshot *sample(void)
{
	struct pt_snapshot *s = calloc(1, sizeof(*s));

	snprintf(s->domain, sizeof(s->domain), "example.com.");
	s->qtype = 15;
	s->truth.source = PT_TRUTH_AUTHORITATIVE;
	s->truth.serial = 2026112802;
	s->truth.has_serial = true;
	fill_answer(&s->truth.answer, "10 mx-new.example.com.", NULL, 300);
	s->truth.nservers = 1;
	s->truth.servers = calloc(1, sizeof(struct pt_auth_server));
	snprintf(s->truth.servers[0].name, 256, "ns1.example.com.");
	snprintf(s->truth.servers[0].address, PT_ADDRESS_MAX, "192.0.2.1");
	s->truth.servers[0].port = 53;
	s->truth.servers[0].serial = 2026112801;
	s->truth.servers[0].has_serial = true;
	s->truth.servers[0].status = PT_AUTH_LAGGING;
	s->nrows = 2;
	s->rows = calloc(2, sizeof(struct pt_row));
	assert_int_equal(pt_resolver_parse_address(&s->rows[0].resolver, "8.8.8.8", NULL, 0), PT_OK);
	snprintf(s->rows[0].resolver.label, PT_LABEL_MAX, "Google, \"public\"");
	s->rows[0].has_reply = true;
	s->rows[0].result = PT_REPLY_OK;
	s->rows[0].verdict = PT_VERDICT_DIFFER;
	s->rows[0].rtt_ms = 12.34;
	fill_answer(&s->rows[0].answer, "10 mx-old.example.com.", "20 mx2.example.com.", 41);
	assert_int_equal(pt_resolver_parse_address(&s->rows[1].resolver, "[2001:db8::1]:5353", NULL, 0),
			 PT_OK);
	s->rows[1].has_reply = true;
	s->rows[1].result = PT_REPLY_TIMEOUT;
	s->rows[1].verdict = PT_VERDICT_TIMEOUT;
	s->counts.total = 2;
	s->counts.by[PT_VERDICT_DIFFER] = 1;
	s->counts.by[PT_VERDICT_TIMEOUT] = 1;
	s->reasons = PT_REASON_DIFFER;
	s->expires_within = 41;
	s->expiry_bounded = true;
	return s;
}

static void test_json(void **unused)
{
	struct pt_snapshot *s = sample();
	char *buf = NULL;

	(void)unused;
	CAPTURE(buf, pt_output_json(out, s, 1795885200000ULL));
	assert_non_null(strstr(buf, "{\n \"domain\": \"example.com.\",\n \"type\": \"MX\""));
	assert_non_null(strstr(buf, "\"time\": \"2026-11-28T"));
	assert_non_null(strstr(buf, "\"source\": \"authoritative\", \"answer\": "
				    "[\"10 mx-new.example.com.\"], \"serial\": 2026112802"));
	assert_non_null(strstr(buf, "\"converged\": false"));
	assert_non_null(strstr(buf, "\"reasons\": [\"differ\"]"));
	assert_non_null(strstr(buf, "\"total\": 2, \"match\": 0, \"differ\": 1"));
	assert_non_null(strstr(buf, "\"expires_within\": 41"));
	assert_non_null(strstr(buf, "\"label\": \"Google, \\\"public\\\"\", \"address\": \"8.8.8.8\", "
				    "\"port\": 53, \"status\": \"differ\", \"rcode\": \"NOERROR\", "
				    "\"answer\": [\"10 mx-old.example.com.\", \"20 mx2.example.com.\"], "
				    "\"ttl\": 41, \"rtt_ms\": 12.3"));
	assert_non_null(strstr(buf, "\"address\": \"2001:db8::1\", \"port\": 5353, \"status\": "
				    "\"timeout\", \"rcode\": null, \"answer\": [], \"ttl\": null, "
				    "\"rtt_ms\": null"));
	assert_non_null(strstr(buf, "{\"name\": \"ns1.example.com.\", \"address\": \"192.0.2.1\", "
				    "\"port\": 53, \"serial\": 2026112801, \"answer\": [], "
				    "\"status\": \"lagging\""));
	free(buf);
	pt_snapshot_free(s);
}

static void test_csv(void **unused)
{
	struct pt_snapshot *s = sample();
	char *buf = NULL;

	(void)unused;
	CAPTURE(buf, pt_output_csv(out, s));
	assert_string_equal(buf, "label,address,port,status,rcode,ttl,rtt_ms,answer\r\n"
				 "\"Google, \"\"public\"\"\",8.8.8.8,53,differ,NOERROR,41,12.3,"
				 "10 mx-old.example.com. | 20 mx2.example.com.\r\n"
				 "2001:db8::1,2001:db8::1,5353,timeout,,,,\r\n");
	free(buf);
	pt_snapshot_free(s);
}

static void test_table(void **unused)
{
	struct pt_snapshot *s = sample();
	char *buf = NULL;

	(void)unused;
	CAPTURE(buf, pt_output_table(out, s, false, 0));
	assert_non_null(strstr(buf, "example.com. MX  truth: authoritative (serial 2026112802)"));
	assert_non_null(strstr(buf, "auth ns1.example.com. 192.0.2.1 serial 2026112801 lagging"));
	assert_non_null(strstr(buf, "RESOLVER"));
	assert_non_null(strstr(buf, "[2001:db8::1]:5353"));
	assert_non_null(strstr(buf, "differ"));
	assert_non_null(strstr(buf, "2 resolvers: 1 differ, 1 timeout - not converged (differ); "
				    "old answers expire within 41s"));
	assert_null(strstr(buf, "\033["));
	free(buf);
	CAPTURE(buf, pt_output_table(out, s, true, 80));
	assert_non_null(strstr(buf, "\033[1;33m"));
	free(buf);
	pt_snapshot_free(s);
}

/* What is wrong with the truth is said in words: a wrong --expect, a lagging server with an
 * old answer (no expiry promise then), a server no longer delegated, an unpublished record. */
static void test_notes(void **unused)
{
	struct pt_snapshot *s = sample();
	struct pt_note notes[8];
	size_t n;
	char *buf = NULL;

	(void)unused;
	/* the lagging secondary serves the old MX */
	s->truth.servers[0].delegated = true;
	fill_answer(&s->truth.servers[0].answer, "10 mx-old.example.com.", NULL, 300);
	s->truth.disagree = true;
	s->expiry_bounded = false;
	n = pt_output_notes(notes, 8, s);
	assert_int_equal(n, 1);
	assert_int_equal(notes[0].kind, PT_NOTE_UNBOUNDED);
	assert_string_equal(notes[0].text, "convergence is not bounded: ns1.example.com. "
					   "(192.0.2.1) serves serial 2026112801 with 10 "
					   "mx-old.example.com., and resolvers that ask it fetch "
					   "that answer again");
	CAPTURE(buf, pt_output_table(out, s, false, 0));
	assert_non_null(strstr(buf, "! convergence is not bounded"));
	assert_non_null(strstr(buf, "not converged (differ); convergence is not bounded"));
	assert_null(strstr(buf, "old answers expire within"));
	free(buf);
	CAPTURE(buf, pt_output_json(out, s, 0));
	assert_non_null(strstr(buf, "\"expiry_bounded\": false"));
	assert_non_null(strstr(buf, "\"unbounded_by\": [{\"name\": \"ns1.example.com.\", "
				    "\"address\": \"192.0.2.1\", \"serial\": 2026112801"));
	free(buf);
	/* a wrong --expect, and a server that is not delegated any more */
	s->truth.disagree = false;
	s->truth.source = PT_TRUTH_EXPECTED;
	s->truth.has_authoritative = true;
	fill_answer(&s->truth.authoritative, "10 mx-real.example.com.", NULL, 300);
	s->truth.servers[0].status = PT_AUTH_NOT_DELEGATED;
	s->truth.servers[0].delegated = false;
	snprintf(s->truth.parent, sizeof(s->truth.parent), "com.");
	n = pt_output_notes(notes, 8, s);
	assert_int_equal(n, 2);
	assert_int_equal(notes[0].kind, PT_NOTE_EXPECT_DIFFERS);
	assert_non_null(strstr(notes[0].text, "serve 10 mx-real.example.com., not the expected"));
	assert_int_equal(notes[1].kind, PT_NOTE_NOT_DELEGATED);
	assert_non_null(strstr(notes[1].text, "is not delegated by com. any more"));
	CAPTURE(buf, pt_output_json(out, s, 0));
	assert_non_null(strstr(buf, "\"authoritative_answer\": [\"10 mx-real.example.com.\"]"));
	assert_non_null(strstr(buf, "\"status\": \"not-delegated\", \"delegated\": false"));
	free(buf);
	/* a resolver that fetches from those servers: marked in the table and the JSON */
	s->rows[0].old_servers = true;
	s->rows[0].ns_expires_ns = s->rows[0].received_ns + 40 * PT_NS_PER_S;
	CAPTURE(buf, pt_output_table(out, s, false, 0));
	assert_non_null(strstr(buf, "old NS: 10 mx-old.example.com. | 20 mx2.example.com."));
	free(buf);
	CAPTURE(buf, pt_output_json(out, s, 0));
	assert_non_null(strstr(buf, "\"old_servers\": true, \"ns_ttl\": 40"));
	free(buf);
	/* the record is not published yet */
	s->truth.has_authoritative = false;
	s->truth.unpublished = true;
	s->truth.negative_ttl = 300;
	n = pt_output_notes(notes, 8, s);
	assert_int_equal(notes[n - 1].kind, PT_NOTE_UNPUBLISHED);
	assert_non_null(strstr(notes[n - 1].text, "cache the denial for 5m00s"));
	pt_snapshot_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
