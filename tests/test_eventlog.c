/* The NDJSON event writer (src/eventlog.c): lines, order, whole lines, failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eventlog.h"

static uint64_t fake_now = 1000;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static void fill_answer(struct pt_answer *a, const char *r1)
{
	memset(a, 0, sizeof(*a));
	a->kind = PT_ANSWER_DATA;
	a->rdata = calloc(1, sizeof(char *));
	a->rdata[a->count++] = strdup(r1);
	a->ttl = 300;
	a->has_ttl = true;
	a->ede = -1;
}

static void test_change_line(void **unused)
{
	struct pt_event ev;
	struct pt_resolver r;
	struct pt_buf b = { 0 };

	(void)unused;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PT_EVENT_CHANGE;
	assert_int_equal(pt_resolver_parse_address(&r, "8.8.8.8", NULL, 0), PT_OK);
	ev.resolver = pt_resolver_share(&r);
	assert_non_null(ev.resolver);
	ev.at_ns = 2500000000ULL;
	ev.wall_ms = 1795885200123ULL;
	ev.verdict = PT_VERDICT_MATCH;
	ev.from_verdict = PT_VERDICT_DIFFER;
	fill_answer(&ev.answer, "10 mx-new.example.com.");
	fill_answer(&ev.from, "10 mx-old.example.com.");
	pt_eventlog_line(&b, &ev, 500000000ULL);
	assert_non_null(strstr(pt_buf_str(&b), "{\"event\": \"change\", \"time\": \"2026-11-28T"));
	assert_non_null(strstr(pt_buf_str(&b), ".123Z\", \"elapsed_s\": 2.000"));
	assert_non_null(strstr(pt_buf_str(&b), "\"from\": [\"10 mx-old.example.com.\"], \"to\": "
					       "[\"10 mx-new.example.com.\"], \"status\": "
					       "\"match\", \"from_status\": \"differ\""));
	assert_int_equal(strchr(pt_buf_str(&b), '\n') - b.s, (long)b.len - 1);
	pt_buf_fini(&b);
	pt_event_fini(&ev);
}

/* Read everything the writer wrote into the pipe. */
static char *drain(int fd)
{
	struct pt_buf b = { 0 };
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		pt_buf_add(&b, chunk, (size_t)n);
	}
	return pt_buf_take(&b);
}

static void test_run(void **unused)
{
	struct pt_state *st = pt_state_new("example.com", 15, fake_clock);
	struct pt_resolver r;
	struct pt_truth t;
	struct pt_reply rep;
	struct pt_eventlog *el;
	int fds[2];
	char *out, *line, *save = NULL;
	const char *kinds[8];
	size_t n = 0;

	(void)unused;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pt_resolver_parse_address(&r, "192.0.2.53", NULL, 0), PT_OK);
	snprintf(r.label, sizeof(r.label), "Lab \"one\"");
	assert_int_equal(pt_state_add(st, 0, &r), PT_OK);
	el = pt_eventlog_start(st, fds[1], -1);
	assert_non_null(el);
	memset(&rep, 0, sizeof(rep));
	rep.result = PT_REPLY_OK;
	rep.tries = 1;
	fill_answer(&rep.answer, "10 mx.example.com.");
	pt_state_publish(st, 0, pt_state_target_generation(st), &rep);
	memset(&t, 0, sizeof(t));
	t.source = PT_TRUTH_AUTHORITATIVE;
	fill_answer(&t.answer, "10 mx.example.com.");
	pt_state_set_truth(st, &t);
	pt_eventlog_end(el, 0);
	pt_eventlog_end(el, 5); /* a second end writes nothing */
	close(fds[1]);
	out = drain(fds[0]);
	close(fds[0]);
	for (line = strtok_r(out, "\n", &save); line && n < 8; line = strtok_r(NULL, "\n", &save)) {
		assert_true(strncmp(line, "{\"event\": \"", 11) == 0);
		assert_int_equal(line[strlen(line) - 1], '}');
		kinds[n++] = line + 11;
	}
	/* start, the answer (held until the truth was looked for), truth, converged, end */
	assert_int_equal(n, 5);
	assert_true(strncmp(kinds[0], "start\"", 6) == 0);
	assert_non_null(strstr(kinds[0], "\"resolvers\": [{\"label\": \"Lab \\\"one\\\"\""));
	assert_true(strncmp(kinds[1], "answer\"", 7) == 0);
	assert_non_null(strstr(kinds[1], "\"status\": \"match\""));
	assert_true(strncmp(kinds[2], "truth\"", 6) == 0);
	assert_true(strncmp(kinds[3], "converged\"", 10) == 0);
	assert_true(strncmp(kinds[4], "end\"", 4) == 0);
	assert_non_null(strstr(kinds[4], "\"exit_status\": 0"));
	assert_int_equal(pt_eventlog_failures(el), 0);
	free(out);
	pt_eventlog_free(el);
	pt_answer_fini(&rep.answer);
	pt_truth_fini(&t);
	pt_state_free(st);
}

/* A sink that cannot take the lines counts failures and loses nothing else. */
static void test_failing_sink(void **unused)
{
	struct pt_state *st = pt_state_new("example.com", 15, fake_clock);
	struct pt_eventlog *el;
	int fds[2];

	(void)unused;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	el = pt_eventlog_start(st, fds[1], -1);
	assert_non_null(el);
	pt_eventlog_end(el, 1);
	assert_int_equal(pt_eventlog_failures(el), 2);
	pt_eventlog_free(el);
	close(fds[1]);
	pt_state_free(st);
}

/* A sweep's events, thousands taken at once when the truth is known: every line whole and in
 * order in a file, and a sink that takes none of them counts each line lost. */
static void run_many(int fd, size_t nres, struct pt_eventlog **out)
{
	struct pt_state *st = pt_state_new("example.com", 15, fake_clock);
	struct pt_eventlog *el;
	struct pt_truth t;
	struct pt_reply rep;

	for (size_t i = 0; i < nres; i++) {
		struct pt_resolver r;
		char a[32];

		snprintf(a, sizeof(a), "192.0.2.%zu", i % 250 + 1);
		assert_int_equal(pt_resolver_parse_address(&r, a, NULL, 0), PT_OK);
		r.port = (uint16_t)(1000 + i);
		snprintf(r.label, sizeof(r.label), "r%zu", i);
		assert_int_equal(pt_state_add(st, i, &r), PT_OK);
	}
	el = pt_eventlog_start(st, fd, -1);
	assert_non_null(el);
	memset(&rep, 0, sizeof(rep));
	rep.result = PT_REPLY_OK;
	rep.tries = 1;
	fill_answer(&rep.answer, "10 mx.example.com.");
	/* held until the truth is looked for, then taken as one batch */
	for (size_t i = 0; i < nres; i++) {
		pt_state_publish(st, i, pt_state_target_generation(st), &rep);
	}
	memset(&t, 0, sizeof(t));
	t.source = PT_TRUTH_AUTHORITATIVE;
	fill_answer(&t.answer, "10 mx.example.com.");
	pt_state_set_truth(st, &t);
	pt_eventlog_end(el, 0);
	*out = el;
	pt_answer_fini(&rep.answer);
	pt_truth_fini(&t);
	pt_state_free(st);
}

static void test_many_lines(void **unused)
{
	char dir[] = "/tmp/pt-eventlog-XXXXXX", path[64], *out, *line, *save = NULL;
	struct pt_eventlog *el;
	size_t n = 0, answers = 0;
	int fd, fds[2];

	(void)unused;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.ndjson", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	run_many(fd, 2000, &el); /* about 800 KB of lines */
	assert_int_equal(pt_eventlog_failures(el), 0);
	pt_eventlog_free(el);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	out = drain(fd);
	close(fd);
	unlink(path);
	rmdir(dir);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char want[64];

		assert_true(strncmp(line, "{\"event\": \"", 11) == 0);
		assert_int_equal(line[strlen(line) - 1], '}');
		if (strncmp(line + 11, "answer\"", 7) == 0) {
			snprintf(want, sizeof(want), "\"label\": \"r%zu\"", answers++);
			assert_non_null(strstr(line, want));
		}
		n++;
	}
	/* start, 2,000 answers in their order, truth, converged, end */
	assert_int_equal(answers, 2000);
	assert_int_equal(n, 2004);
	free(out);

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	run_many(fds[1], 2000, &el);
	assert_int_equal(pt_eventlog_failures(el), 2004);
	pt_eventlog_free(el);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_change_line),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_failing_sink),
		cmocka_unit_test(test_many_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
