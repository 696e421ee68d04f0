/* Alerts (src/alert.c): word splitting without a shell, which events alert, the escape per
 * terminal, PATH lookup, the notification text, and real programs run from the queue:
 * standard input and environment, failures, a timeout, a full queue, the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert.h"
#include "verdict.h"

static void test_split(void **unused)
{
	char **v = NULL;

	(void)unused;
	assert_int_equal(pt_alert_split(&v, "  curl -s 'a b' \"c \\\"d\\\" \\$x\" e\\ f g'h'i "),
			 6);
	assert_string_equal(v[0], "curl");
	assert_string_equal(v[1], "-s");
	assert_string_equal(v[2], "a b");
	assert_string_equal(v[3], "c \"d\" $x");
	assert_string_equal(v[4], "e f");
	assert_string_equal(v[5], "ghi");
	assert_null(v[6]);
	pt_alert_argv_free(v);
	/* no expansion and no operators: a shell only when the words say so */
	assert_int_equal(pt_alert_split(&v, "sh -c 'echo $PT_EVENT | mail -s x root' >f"), 4);
	assert_string_equal(v[2], "echo $PT_EVENT | mail -s x root");
	assert_string_equal(v[3], ">f");
	pt_alert_argv_free(v);
	assert_int_equal(pt_alert_split(&v, "''"), 1);
	assert_string_equal(v[0], "");
	pt_alert_argv_free(v);
	assert_int_equal(pt_alert_split(&v, " \t "), 0);
	pt_alert_argv_free(v);
	assert_int_equal(pt_alert_split(&v, "a 'b"), -1);
	assert_null(v);
	assert_int_equal(pt_alert_split(&v, "a \"b"), -1);
	assert_int_equal(pt_alert_split(&v, "a\\"), -1);
	pt_alert_argv_free(NULL);
}

static void test_kinds_and_escapes(void **unused)
{
	struct pt_event ev;

	(void)unused;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PT_EVENT_ANSWER;
	assert_int_equal(pt_alert_kind_of(&ev), PT_ALERT_NONE);
	ev.kind = PT_EVENT_CHANGE;
	assert_int_equal(pt_alert_kind_of(&ev), PT_ALERT_NONE);
	ev.reverted = true;
	assert_int_equal(pt_alert_kind_of(&ev), PT_ALERT_FLAP);
	ev.kind = PT_EVENT_TRUTH;
	assert_int_equal(pt_alert_kind_of(&ev), PT_ALERT_TRUTH);
	ev.kind = PT_EVENT_CONVERGED;
	assert_int_equal(pt_alert_kind_of(&ev), PT_ALERT_CONVERGED);
	ev.kind = PT_EVENT_DIVERGED;
	assert_int_equal(pt_alert_kind_of(&ev), PT_ALERT_DIVERGED);
	assert_string_equal(pt_alert_kind_name(PT_ALERT_FLAP), "flap");
	assert_string_equal(pt_alert_kind_name(PT_ALERT_NONE), "");
	assert_string_equal(pt_alert_kind_name((enum pt_alert_kind)42), "");
	assert_int_equal(pt_alert_escape_for("xterm-256color", NULL), PT_ESCAPE_OSC9);
	assert_int_equal(pt_alert_escape_for(NULL, NULL), PT_ESCAPE_OSC9);
	assert_int_equal(pt_alert_escape_for("rxvt-unicode", NULL), PT_ESCAPE_OSC777);
	assert_int_equal(pt_alert_escape_for("foot", ""), PT_ESCAPE_OSC777);
	assert_int_equal(pt_alert_escape_for("xterm", "7600"), PT_ESCAPE_OSC777);
}

static void test_text(void **unused)
{
	struct pt_event ev;
	struct pt_resolver res;
	char title[64], body[256], *rd[] = { "10 a.", "20 b\x1b." };

	(void)unused;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PT_EVENT_CONVERGED;
	ev.counts.total = 5;
	ev.counts.by[PT_VERDICT_MATCH] = 4;
	pt_alert_text(title, sizeof(title), body, sizeof(body), &ev, "example.com.", "MX");
	assert_string_equal(title, "proptrack: converged");
	assert_string_equal(body, "example.com. MX: converged, 4 of 5 resolvers match");
	ev.kind = PT_EVENT_DIVERGED;
	ev.reasons = PT_REASON_DIFFER | PT_REASON_SERVFAIL;
	pt_alert_text(title, sizeof(title), body, sizeof(body), &ev, "example.com.", "MX");
	assert_string_equal(body, "example.com. MX: not converged any more (differ, servfail)");
	ev.kind = PT_EVENT_TRUTH;
	ev.answer.rdata = rd;
	ev.answer.count = 2;
	pt_alert_text(title, sizeof(title), body, sizeof(body), &ev, "example.com.", "MX");
	/* control characters from the network never reach a terminal */
	assert_string_equal(body, "example.com. MX: the truth is now 10 a., 20 b?.");
	ev.answer.count = 0;
	pt_alert_text(title, sizeof(title), body, sizeof(body), &ev, "example.com.", "MX");
	assert_string_equal(body, "example.com. MX: the truth is now no records");
	ev.kind = PT_EVENT_CHANGE;
	ev.reverted = true;
	memset(&res, 0, sizeof(res));
	strcpy(res.address, "192.0.2.1");
	strcpy(res.label, "Lab");
	ev.resolver = &res;
	pt_alert_text(title, sizeof(title), body, sizeof(body), &ev, "example.com.", "MX");
	assert_string_equal(title, "proptrack: flap");
	assert_string_equal(body, "example.com. MX: Lab (192.0.2.1) went back to an earlier answer");
}

static char dir[64];

static void put_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static char *read_file(const char *name)
{
	char path[128];
	static char buf[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL) {
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_which(void **unused)
{
	char path[200], *w;

	(void)unused;
	put_file("tool", "#!/bin/sh\n", 0755);
	put_file("plain", "x\n", 0644);
	snprintf(path, sizeof(path), "/nonexistent:%s", dir);
	w = pt_alert_which("tool", path);
	assert_non_null(w);
	assert_true(strncmp(w, dir, strlen(dir)) == 0);
	free(w);
	assert_null(pt_alert_which("plain", path));
	assert_null(pt_alert_which("tool", "/nonexistent"));
	assert_null(pt_alert_which("a/b", path));
	assert_null(pt_alert_which("tool", NULL));
}

/* Wait until @p a ran @p n alerts and reported @p nlines lines (at most 10 s). */
static void wait_reports(struct pt_alert *a, struct pt_buf *rep, size_t nlines)
{
	for (int i = 0; i < 1000; i++) {
		size_t lines = 0;

		pt_alert_take(a, NULL, rep);
		for (size_t k = 0; k < rep->len; k++) {
			lines += rep->s[k] == '\n';
		}
		if (lines >= nlines) {
			return;
		}
		usleep(10000);
	}
}

static void test_run(void **unused)
{
	struct pt_event ev;
	char script[256];
	char *words[] = { "/bin/sh", "-c", script, NULL };
	struct pt_alert_config cfg = { .argv = words, .escape = PT_ESCAPE_OSC777 };
	struct pt_alert *a;
	struct pt_buf term = { 0 };
	const char line[] = "{\"event\": \"converged\"}\n";
	char *out;

	(void)unused;
	snprintf(script, sizeof(script),
		 "cat >%s/in.$PT_EVENT; echo \"$PT_EVENT $PT_DOMAIN $PT_TYPE\" >%s/env.$PT_EVENT",
		 dir, dir);
	memset(&ev, 0, sizeof(ev));
	a = pt_alert_new(&cfg);
	assert_non_null(a);
	ev.kind = PT_EVENT_ANSWER; /* not an alert: nothing runs */
	pt_alert_event(a, &ev, line, sizeof(line) - 1, "example.com.", "MX");
	ev.kind = PT_EVENT_CONVERGED;
	ev.counts.total = 1;
	ev.counts.by[PT_VERDICT_MATCH] = 1;
	pt_alert_event(a, &ev, line, sizeof(line) - 1, "example.com.", "MX");
	pt_alert_end(a);
	pt_alert_end(a);
	assert_int_equal(pt_alert_count(a), 2); /* the program and the escape */
	pt_alert_take(a, &term, NULL);
	assert_string_equal(pt_buf_str(&term), "\033]777;notify;proptrack: converged;example.com. "
					       "MX: converged, 1 of 1 resolvers match\a");
	pt_alert_free(a);
	pt_buf_fini(&term);
	out = read_file("in.converged");
	assert_non_null(out);
	assert_string_equal(out, line);
	assert_string_equal(read_file("env.converged"), "converged example.com. MX\n");
	assert_null(read_file("in.answer"));
}

static void test_failures(void **unused)
{
	struct pt_event ev;
	char *fail[] = { "/bin/sh", "-c", "exit 3", NULL };
	char *hang[] = { "/bin/sleep", "30", NULL };
	char *missing[] = { "/nonexistent/program", NULL };
	struct pt_alert_config cfg = { .argv = fail };
	struct pt_alert *a;
	struct pt_buf rep = { 0 };

	(void)unused;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PT_EVENT_DIVERGED;
	a = pt_alert_new(&cfg);
	pt_alert_event(a, &ev, "{}\n", 3, "example.com.", "MX");
	wait_reports(a, &rep, 1);
	assert_string_equal(pt_buf_str(&rep),
			    "--exec: '/bin/sh' on diverged: exited with status 3\n");
	pt_alert_free(a);
	pt_buf_reset(&rep);
	cfg.argv = missing;
	a = pt_alert_new(&cfg);
	pt_alert_event(a, &ev, "{}\n", 3, "example.com.", "MX");
	pt_alert_end(a);
	pt_alert_take(a, NULL, &rep);
	assert_string_equal(
		pt_buf_str(&rep),
		"--exec: '/nonexistent/program' on diverged: cannot run: No such file or directory\n");
	pt_alert_free(a);
	pt_buf_reset(&rep);
	/* a program that hangs is killed after timeout_ms; one queue slot, one running: the
	 * third alert does not fit and is dropped, and the end does not wait for more */
	cfg.argv = hang;
	cfg.timeout_ms = 300;
	cfg.max_running = 1;
	cfg.queue_max = 1;
	cfg.end_wait_ms = 100;
	a = pt_alert_new(&cfg);
	pt_alert_event(a, &ev, "{}\n", 3, "example.com.", "MX");
	wait_reports(a, &rep, 0);
	usleep(100000); /* the first runs, the second waits, the third is dropped */
	pt_alert_event(a, &ev, "{}\n", 3, "example.com.", "MX");
	pt_alert_event(a, &ev, "{}\n", 3, "example.com.", "MX");
	wait_reports(a, &rep, 2);
	pt_alert_end(a);
	pt_alert_take(a, NULL, &rep);
	assert_non_null(strstr(pt_buf_str(&rep), "--exec: an alert was dropped (1 waiting already, "
						 "1 running)\n"));
	assert_non_null(strstr(pt_buf_str(&rep), "--exec: '/bin/sleep' on diverged: still running "
						 "after 300 ms: killed\n"));
	pt_alert_free(a);
	pt_buf_fini(&rep);
}

static int setup(void **unused)
{
	(void)unused;
	snprintf(dir, sizeof(dir), "/tmp/test_alert.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **unused)
{
	char cmd[128];

	(void)unused;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split), cmocka_unit_test(test_kinds_and_escapes),
		cmocka_unit_test(test_text),  cmocka_unit_test(test_which),
		cmocka_unit_test(test_run),   cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
