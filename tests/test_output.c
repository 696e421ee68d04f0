/* Text, JSON, CSV and NDJSON rendering (src/output.c), from hand-built snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fake_rows.h"
#include "output.h"
#include "text.h"

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
	assert_int_equal(pt_resolver_parse_address(row_resolver(&s->rows[0]), "8.8.8.8", NULL, 0), PT_OK);
	snprintf(row_resolver(&s->rows[0])->label, PT_LABEL_MAX, "Google, \"public\"");
	s->rows[0].has_reply = true;
	s->rows[0].result = PT_REPLY_OK;
	s->rows[0].verdict = PT_VERDICT_DIFFER;
	s->rows[0].rtt_ms = 12.34;
	fill_answer(&s->rows[0].answer, "10 mx-old.example.com.", "20 mx2.example.com.", 41);
	assert_int_equal(pt_resolver_parse_address(row_resolver(&s->rows[1]), "[2001:db8::1]:5353", NULL, 0),
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

/* Row @p i's address in a long list: "10.0.0.0", "10.0.0.1", ... */
static const char *long_address(char buf[32], size_t i)
{
	snprintf(buf, 32, "10.%zu.%zu.%zu", i / 65536, i / 256 % 256, i % 256);
	return buf;
}

/* The sample with @p n rows instead of its two: row i at long_address(i), matching, with
 * the new MX set and a TTL of 300. */
static struct pt_snapshot *long_sample(size_t n)
{
	struct pt_snapshot *s = sample();
	char addr[32];

	for (size_t i = 0; i < s->nrows; i++) {
		pt_answer_fini(&s->rows[i].answer);
		free((void *)(uintptr_t)s->rows[i].resolver);
	}
	free(s->rows);
	s->rows = calloc(n, sizeof(struct pt_row));
	s->nrows = n;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pt_resolver_parse_address(row_resolver(&s->rows[i]),
							   long_address(addr, i), NULL, 0),
				 PT_OK);
		s->rows[i].has_reply = true;
		s->rows[i].result = PT_REPLY_OK;
		s->rows[i].verdict = PT_VERDICT_MATCH;
		fill_answer(&s->rows[i].answer, "10 mx-new.example.com.", NULL, 300);
	}
	return s;
}

/* A long list is written as it is rendered (64 KiB at a time), never held whole: the text
 * must come out the same, whole and in order. */
static void test_long_list_streamed(void **unused)
{
	enum { N = 3000 };
	struct pt_snapshot *s = long_sample(N);
	char *buf = NULL;
	json_error_t err;
	json_t *doc, *rows;
	size_t lines = 0;

	(void)unused;
	CAPTURE(buf, pt_output_json(out, s, 1795885200000ULL));
	assert_true(strlen(buf) > 3 * 64 * 1024);
	doc = json_loads(buf, 0, &err);
	assert_non_null(doc);
	rows = json_object_get(doc, "resolvers");
	assert_int_equal(json_array_size(rows), N);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rows, N - 1), "address")),
			    "10.0.11.183");
	json_decref(doc);
	free(buf);
	CAPTURE(buf, pt_output_csv(out, s));
	for (const char *p = buf; (p = strstr(p, "\r\n")) != NULL; p += 2) {
		lines++;
	}
	assert_int_equal(lines, N + 1);
	assert_non_null(strstr(buf, "\r\n10.0.11.183,10.0.11.183,53,match,NOERROR,300,"));
	free(buf);
	pt_snapshot_free(s);
}

/* A list of 10,077 rows is written on two threads (blocks of 512, the odd ones by a helper):
 * every row once, in order, each on its line, the document whole. */
static void test_long_list_two_threads(void **unused)
{
	enum { N = 10000 + 77 };
	struct pt_snapshot *s = long_sample(N);
	char *buf = NULL, addr[32];
	json_error_t err;
	json_t *doc, *rows;
	size_t lines = 0;

	(void)unused;
	for (size_t i = 0; i < N; i += 3) {
		s->rows[i].verdict = PT_VERDICT_DIFFER;
		pt_answer_fini(&s->rows[i].answer);
		fill_answer(&s->rows[i].answer, "10 mx-old.example.com.", NULL, 300);
	}
	for (size_t i = 0; i < N; i++) {
		s->rows[i].answer.ttl = (uint32_t)i;
	}
	CAPTURE(buf, pt_output_json(out, s, 1795885200000ULL));
	doc = json_loads(buf, 0, &err);
	assert_non_null(doc);
	rows = json_object_get(doc, "resolvers");
	assert_int_equal(json_array_size(rows), N);
	for (size_t i = 0; i < N; i++) {
		json_t *row = json_array_get(rows, i);

		assert_string_equal(json_string_value(json_object_get(row, "address")),
				    long_address(addr, i));
		assert_int_equal(json_integer_value(json_object_get(row, "ttl")), i);
		assert_string_equal(json_string_value(json_object_get(row, "status")),
				    i % 3 ? "match" : "differ");
		assert_string_equal(
			json_string_value(json_array_get(json_object_get(row, "answer"), 0)),
			i % 3 ? "10 mx-new.example.com." : "10 mx-old.example.com.");
	}
	assert_non_null(json_object_get(doc, "authoritative"));
	json_decref(doc);
	/* one line per row, as with one thread */
	for (const char *p = buf; (p = strstr(p, "\n  {\"label\": ")) != NULL; p++) {
		lines++;
	}
	assert_int_equal(lines, N);
	free(buf);
	pt_snapshot_free(s);
}

static void test_csv(void **unused)
{
	struct pt_snapshot *s = sample();
	char *buf = NULL;

	(void)unused;
	CAPTURE(buf, pt_output_csv(out, s));
	assert_string_equal(buf, "label,address,port,status,rcode,ttl,rtt_ms,answer,transport,error,"
				 "site,nsid,validated,ede,reason\r\n"
				 "\"Google, \"\"public\"\"\",8.8.8.8,53,differ,NOERROR,41,12.3,"
				 "10 mx-old.example.com. | 20 mx2.example.com.,udp,,,,false,,\r\n"
				 "2001:db8::1,2001:db8::1,5353,timeout,,,,,udp,,,,false,,\r\n");
	free(buf);
	pt_snapshot_free(s);
}

/* Every EDE option of a reply reaches the JSON (one object each, "ede_more" for those past
 * PT_EDE_MAX) and the CSV (joined with " | "). */
static void test_ede_outputs(void **unused)
{
	static const int codes[] = { 6, 22, 3, 1, 2 };
	static const char *const texts[] = { "sig \"expired\"", NULL, "x", NULL, NULL };
	struct pt_snapshot *s = sample();
	char *buf = NULL, text[256];

	(void)unused;
	CAPTURE(buf, pt_output_json(out, s, 0));
	assert_non_null(strstr(buf, "\"ede\": []"));
	assert_null(strstr(buf, "ede_more"));
	free(buf);
	assert_int_equal(pt_answer_set_edes(&s->rows[0].answer, codes, texts, 2, 0), PT_OK);
	CAPTURE(buf, pt_output_json(out, s, 0));
	assert_non_null(strstr(buf, "\"ede\": [{\"code\": 6, \"name\": \"DNSSEC Bogus\", \"text\": "
				    "\"sig \\\"expired\\\"\"}, {\"code\": 22, \"name\": \"No Reachable "
				    "Authority\", \"text\": null}]"));
	assert_null(strstr(buf, "ede_more"));
	free(buf);
	CAPTURE(buf, pt_output_csv(out, s));
	assert_non_null(strstr(buf, ",false,\"6 (DNSSEC Bogus): sig \"\"expired\"\" | 22 (No "
				    "Reachable Authority)\",\r\n"));
	free(buf);
	assert_int_equal(pt_answer_set_edes(&s->rows[0].answer, codes, texts, 5, 1), PT_OK);
	CAPTURE(buf, pt_output_json(out, s, 0));
	assert_non_null(strstr(buf, "{\"code\": 1, \"name\": \"Unsupported DNSKEY Algorithm\", "
				    "\"text\": null}], \"ede_more\": 2"));
	free(buf);
	assert_string_equal(pt_output_ede_text(text, sizeof(text), &s->rows[0].answer),
			    "6 (DNSSEC Bogus): sig \"expired\" | 22 (No Reachable Authority) | 3 "
			    "(Stale Answer): x | 1 (Unsupported DNSKEY Algorithm) | 2 more");
	/* the CSV has four long texts whole */
	{
		char big[4][301];
		const char *bt[4];

		for (int k = 0; k < 4; k++) {
			memset(big[k], 'a' + k, 300);
			big[k][300] = '\0';
			bt[k] = big[k];
		}
		assert_int_equal(pt_answer_set_edes(&s->rows[0].answer, codes, bt, 4, 0), PT_OK);
		CAPTURE(buf, pt_output_csv(out, s));
		assert_non_null(strstr(buf, "| 1 (Unsupported DNSKEY Algorithm): dddd"));
		assert_non_null(strstr(buf, "dddd,\r\n"));
		free(buf);
		assert_int_equal(pt_answer_set_edes(&s->rows[0].answer, codes, texts, 5, 1), PT_OK);
	}
	/* a small buffer: cut, still terminated */
	assert_int_equal(strlen(pt_output_ede_text(text, 10, &s->rows[0].answer)), 9);
	assert_string_equal(pt_output_ede_text(text, sizeof(text), &s->rows[1].answer), "");
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
	/* 80 columns: the expiry goes on a line of its own */
	assert_non_null(strstr(buf, "2 resolvers: 1 differ, 1 timeout - not converged (differ)\n"
				    "  old answers expire within 41s\n"));
	assert_null(strstr(buf, "\033["));
	free(buf);
	CAPTURE(buf, pt_output_table(out, s, false, 120));
	assert_non_null(strstr(buf, "2 resolvers: 1 differ, 1 timeout - not converged (differ); "
				    "old answers expire within 41s\n"));
	free(buf);
	CAPTURE(buf, pt_output_table(out, s, true, 80));
	assert_non_null(strstr(buf, "\033[1;33m"));
	free(buf);
	pt_snapshot_free(s);
}

/* The longest line of @p text after the first blank line (the table rows), in cells. */
static int rows_width(const char *text)
{
	const char *p = strstr(text, "\n\n");
	int widest = 0;

	for (p = p ? p + 2 : text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (pt_text_width(line) > widest) {
			widest = pt_text_width(line);
		}
		p += n + (e ? 1 : 0);
	}
	return widest;
}

/* Rows fit 80 columns (not a terminal) or the terminal: answers end in "…", the label is cut,
 * the location and RTT give way; status, TTL and the start of the answer stay. */
static void test_table_fits(void **unused)
{
	struct pt_snapshot *s = sample();
	char *buf = NULL;

	(void)unused;
	snprintf(row_resolver(&s->rows[0])->label, PT_LABEL_MAX, "A resolver with a long label indeed");
	snprintf(row_resolver(&s->rows[0])->location, PT_LOCATION_MAX, "Mountain View, US");
	pt_answer_fini(&s->rows[0].answer);
	fill_answer(&s->rows[0].answer, "10 mx-old-and-very-long-name.example.com.",
		    "20 mx2-backup-server.example.com.", 41);
	s->rows[0].received_ns = 1;
	s->taken_ns = 2;
	CAPTURE(buf, pt_output_table(out, s, false, 0));
	assert_true(rows_width(buf) <= 80);
	assert_non_null(strstr(buf, "\u2026"));
	assert_non_null(strstr(buf, "differ"));
	assert_non_null(strstr(buf, "  10 mx-old-and-very-long-nam\u2026\n"));
	assert_non_null(strstr(buf, "[2001:db8::1]:5353"));
	free(buf);
	CAPTURE(buf, pt_output_table(out, s, false, 60));
	assert_true(rows_width(buf) <= 60);
	assert_non_null(strstr(buf, " 41s "));
	assert_non_null(strstr(buf, "  10 mx-old-and"));
	free(buf);
	CAPTURE(buf, pt_output_table(out, s, false, 200));
	assert_non_null(strstr(buf, "mx2-backup-server.example.com.\n"));
	assert_non_null(strstr(buf, "A resolver with a long label in"));
	assert_non_null(strstr(buf, "Mountain View, US"));
	free(buf);
	pt_snapshot_free(s);
}

/* SITE and AD appear only when some row has a site or an AD/DNSSEC-failure mark; they are
 * the first columns to go when the table is too narrow for the answer. */
static void test_table_site_ad(void **unused)
{
	struct pt_snapshot *s = sample();
	char *buf = NULL;

	(void)unused;
	CAPTURE(buf, pt_output_table(out, s, false, 200));
	assert_null(strstr(buf, "SITE"));
	assert_null(strstr(buf, " AD "));
	free(buf);
	/* a site only: the SITE column, no AD */
	s->rows[0].id_server = "lab-fra-1";
	CAPTURE(buf, pt_output_table(out, s, false, 200));
	assert_non_null(strstr(buf, "RTT  SITE       ANSWER\n"));
	assert_non_null(strstr(buf, "12ms  lab-fra-1  10 mx-old"));
	assert_null(strstr(buf, " AD "));
	free(buf);
	/* a validated answer: AD beside the site; the timeout row shows "-" in both */
	s->rows[0].answer.flags |= PT_FLAG_AD;
	CAPTURE(buf, pt_output_table(out, s, false, 200));
	assert_non_null(strstr(buf, "RTT  SITE       AD  ANSWER\n"));
	assert_non_null(strstr(buf, "12ms  lab-fra-1  AD  10 mx-old"));
	assert_non_null(strstr(buf, "-  -          -   timeout"));
	free(buf);
	/* a DNSSEC failure alone shows the column too, with "!" */
	s->rows[0].answer.flags &= ~(unsigned)PT_FLAG_AD;
	s->rows[0].id_server = "";
	s->rows[1].dnssec_failure = true;
	CAPTURE(buf, pt_output_table(out, s, false, 200));
	assert_null(strstr(buf, "SITE"));
	assert_non_null(strstr(buf, "RTT  AD  ANSWER\n"));
	assert_non_null(strstr(buf, "  !   timeout"));
	free(buf);
	/* narrow: AD goes first, then SITE, before the answer gets short */
	s->rows[1].dnssec_failure = false;
	s->rows[0].answer.flags |= PT_FLAG_AD;
	s->rows[0].id_server = "lab-fra-1";
	CAPTURE(buf, pt_output_table(out, s, false, 97));
	assert_non_null(strstr(buf, "SITE       AD  ANSWER\n"));
	free(buf);
	CAPTURE(buf, pt_output_table(out, s, false, 95));
	assert_true(rows_width(buf) <= 95);
	assert_null(strstr(buf, " AD "));
	assert_non_null(strstr(buf, "SITE       ANSWER\n"));
	free(buf);
	CAPTURE(buf, pt_output_table(out, s, false, 84));
	assert_true(rows_width(buf) <= 84);
	assert_null(strstr(buf, "SITE"));
	assert_non_null(strstr(buf, "RTT  ANSWER\n"));
	free(buf);
	pt_snapshot_free(s);
}

/* "1 resolver", the progress line, convergence in words, and the dashboard's exit summary. */
static void test_summaries(void **unused)
{
	struct pt_snapshot *s = sample();
	struct pt_counts one = { .total = 1, .by = { [PT_VERDICT_MATCH] = 1 } };
	char *buf = NULL, text[256];

	(void)unused;
	assert_string_equal(pt_output_counts_text(text, sizeof(text), &one), "1 resolver: 1 match");
	assert_string_equal(pt_output_counts_text(text, sizeof(text), &s->counts),
			    "2 resolvers: 1 differ, 1 timeout");
	assert_int_equal(pt_output_counted(&s->counts), 1);
	CAPTURE(buf, pt_output_progress(out, &s->counts, s->reasons, 72.4));
	assert_string_equal(buf, "[1m12s] 2 resolvers: 1 differ, 1 timeout - not converged (differ)\n");
	free(buf);

	s->start_ns = 10 * PT_NS_PER_S;
	s->taken_ns = 100 * PT_NS_PER_S;
	s->queries = 1;
	CAPTURE(buf, pt_output_summary(out, s, 0, 10));
	assert_non_null(strstr(buf, "proptrack: example.com. MX, watched for 1m30s, 1 query\n"));
	assert_non_null(strstr(buf, "  truth: authoritative serial 2026112802: 10 mx-new.example.com.\n"));
	assert_non_null(strstr(buf, "  2 resolvers: 1 differ, 1 timeout - not converged (differ)\n"));
	assert_non_null(strstr(buf, "  still serving an old answer (1):\n    Google, \"public\" (8.8.8.8)  "
				    "10 mx-old.example.com. | 20 mx2.example.com.\n"));
	free(buf);
	CAPTURE(buf, pt_output_summary(out, s, 0, 0));
	assert_non_null(strstr(buf, "    and 1 more\n"));
	free(buf);

	s->converged = true;
	s->reasons = 0;
	s->changed = true;
	s->truth_changed_ns = 20 * PT_NS_PER_S;
	s->converged_ns = 32 * PT_NS_PER_S;
	assert_string_equal(pt_output_converged_text(text, sizeof(text), s),
			    "CONVERGED 12s after the change");
	s->truth_changed_ns = 0;
	assert_string_equal(pt_output_converged_text(text, sizeof(text), s), "CONVERGED in 22s");
	s->changed = false;
	s->counts.by[PT_VERDICT_MATCH] = 1;
	assert_string_equal(pt_output_converged_text(text, sizeof(text), s),
			    "all 1 resolver serves the truth");
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
	CAPTURE(buf, pt_output_table(out, s, false, 200));
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
	CAPTURE(buf, pt_output_table(out, s, false, 200));
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
		cmocka_unit_test(test_long_list_streamed),
		cmocka_unit_test(test_long_list_two_threads),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_fits),
		cmocka_unit_test(test_table_site_ad),
		cmocka_unit_test(test_ede_outputs),
		cmocka_unit_test(test_summaries),
		cmocka_unit_test(test_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
