/* Unit tests for src/replay.c: a recorded log read back into a state, cut lines, several runs
 * and lines that are not events. The logs are written to a temporary file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"

#define START                                                                              \
	"{\"event\": \"start\", \"time\": \"t\", \"elapsed_s\": 0, \"domain\": \"example.test.\", " \
	"\"type\": \"MX\", \"resolvers\": [{\"label\": \"a\", \"address\": \"192.0.2.1\", "       \
	"\"port\": 53}, {\"label\": \"b\", \"address\": \"2001:db8::1\", \"port\": 5353}]}\n"
#define TRUTH                                                                               \
	"{\"event\": \"truth\", \"elapsed_s\": 0.01, \"source\": \"authoritative\", \"answer\": " \
	"[\"10 mx.example.test.\"], \"kind\": \"data\", \"serial\": 7, \"unpublished\": false}\n"
#define ANSWER_A                                                                            \
	"{\"event\": \"answer\", \"elapsed_s\": 0.02, \"label\": \"a\", \"address\": "            \
	"\"192.0.2.1\", \"port\": 53, \"status\": \"match\", \"rcode\": \"NOERROR\", \"answer\": " \
	"[\"10 mx.example.test.\"], \"ttl\": 300, \"rtt_ms\": 1.5, \"flags\": \"rd ra\"}\n"
#define ANSWER_B                                                                            \
	"{\"event\": \"answer\", \"elapsed_s\": 1.02, \"label\": \"b\", \"address\": "            \
	"\"2001:db8::1\", \"port\": 5353, \"status\": \"timeout\", \"rcode\": null, \"answer\": " \
	"[], \"ttl\": null, \"rtt_ms\": null}\n"

static char path[64];

static struct pt_snapshot *replay(const char *text, struct pt_replay_report *rep,
				  enum pt_status want, struct pt_state **st)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/pt-replay.XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(pt_replay_load(st, path, rep), want);
	unlink(path);
	return *st != NULL ? pt_state_snapshot(*st) : NULL;
}

static void test_whole_log(void **state)
{
	struct pt_replay_report rep;
	struct pt_state *st;
	struct pt_snapshot *s =
		replay(START TRUTH ANSWER_A ANSWER_B "{\"event\": \"end\", \"exit_status\": 0}\n",
		       &rep, PT_OK, &st);

	(void)state;
	assert_int_equal(rep.lines, 5);
	assert_int_equal(rep.skipped, 0);
	assert_false(rep.cut);
	assert_int_equal(rep.exit_status, 0);
	assert_string_equal(s->domain, "example.test.");
	assert_int_equal(s->nrows, 2);
	assert_int_equal(s->rows[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->rows[0].answer.ttl, 300);
	assert_int_equal(s->rows[1].verdict, PT_VERDICT_TIMEOUT);
	assert_int_equal(s->rows[1].resolver->port, 5353);
	assert_int_equal(s->truth.serial, 7);
	pt_snapshot_free(s);
	pt_state_free(st);
}

static void test_cut_and_junk(void **state)
{
	struct pt_replay_report rep;
	struct pt_state *st;
	struct pt_snapshot *s = replay(START "not json\n" TRUTH ANSWER_A "{\"event\": \"answer\", \"el",
				       &rep, PT_OK, &st);

	(void)state;
	assert_true(rep.cut);
	assert_int_equal(rep.lines, 4);
	assert_int_equal(rep.skipped, 1);
	assert_int_equal(rep.first_skipped, 2);
	assert_int_equal(rep.exit_status, -1);
	assert_int_equal(s->rows[0].verdict, PT_VERDICT_MATCH);
	assert_int_equal(s->rows[1].verdict, PT_VERDICT_PENDING);
	pt_snapshot_free(s);
	pt_state_free(st);
}

static void test_runs_and_no_log(void **state)
{
	struct pt_replay_report rep;
	struct pt_state *st;
	struct pt_snapshot *s = replay(START TRUTH ANSWER_A START, &rep, PT_OK, &st);

	(void)state;
	assert_int_equal(rep.runs, 2);
	assert_int_equal(s->rows[0].has_reply, false);
	pt_snapshot_free(s);
	pt_state_free(st);
	assert_null(replay("{\"event\": \"answer\"}\n", &rep, PT_ERR_PARSE, &st));
	assert_null(st);
	assert_int_equal(pt_replay_load(&st, "/nonexistent/log", &rep), PT_ERR_IO);
}

/* Every EDE of an answer event comes back (stale when one of them is 3), "ede_more" too; an
 * entry without a usable code is skipped, a hostile text is cleaned. */
static void test_edes(void **state)
{
	struct pt_replay_report rep;
	struct pt_state *st;
	struct pt_snapshot *s = replay(
		START TRUTH
		"{\"event\": \"answer\", \"elapsed_s\": 0.02, \"label\": \"a\", \"address\": "
		"\"192.0.2.1\", \"port\": 53, \"status\": \"match\", \"rcode\": \"NOERROR\", "
		"\"answer\": [\"10 mx.example.test.\"], \"ttl\": 300, \"rtt_ms\": 1.5, \"ede\": "
		"[{\"code\": 22, \"text\": \"x\\u001b[1m\"}, {\"code\": 70000}, {\"code\": \"3\"}, "
		"{\"code\": 3, \"text\": null}], \"ede_more\": 2}\n",
		&rep, PT_OK, &st);
	const struct pt_ede_list *l = s->rows[0].answer.edes;

	(void)state;
	assert_non_null(l);
	assert_int_equal(l->count, 2);
	assert_int_equal(l->more, 2);
	assert_int_equal(l->item[0].code, 22);
	assert_string_equal(l->item[0].text, "x?[1m");
	assert_int_equal(l->item[1].code, 3);
	assert_null(l->item[1].text);
	assert_true(s->rows[0].stale);
	pt_snapshot_free(s);
	pt_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_log),
		cmocka_unit_test(test_cut_and_junk),
		cmocka_unit_test(test_runs_and_no_log),
		cmocka_unit_test(test_edes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
