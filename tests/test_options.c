/* The command line (app/options.c): defaults, every option, errors with their messages, and
 * the mode each combination asks for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "options.h"
#include "verdict.h"

/* Parse a NULL-terminated argument list; messages land in @p msg (caller frees). */
static int parse(struct pt_options *o, char **msg, const char *nocolor, ...)
{
	char *argv[64];
	int argc = 0, st;
	size_t len;
	va_list ap;
	FILE *out;

	argv[argc++] = "proptrack";
	va_start(ap, nocolor);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
		argv[argc++] = (char *)(uintptr_t)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	out = open_memstream(msg, &len);
	st = pt_options_parse(o, argc, argv, nocolor, out, out);
	fclose(out);
	return st;
}

static void test_defaults(void **unused)
{
	struct pt_options o;
	char *msg = NULL;

	(void)unused;
	assert_int_equal(parse(&o, &msg, NULL, "example.com", NULL), -1);
	assert_string_equal(o.domain, "example.com");
	assert_int_equal(o.qtype, PT_TYPE_MX);
	assert_int_equal(o.engine.timeout_ms, 2000);
	assert_int_equal(o.engine.retries, 2);
	assert_int_equal(o.engine.workers, 2);
	assert_true(o.interval_s == 2 && o.max_interval_s == 60);
	assert_true(o.color && o.smtp && o.identity);
	assert_int_equal(o.format, PT_FORMAT_TABLE);
	assert_false(o.format_given);
	assert_string_equal(msg, "");
	pt_options_fini(&o);
	free(msg);
	/* NO_COLOR set to anything but "" turns colours off */
	assert_int_equal(parse(&o, &msg, "1", "example.com", "aaaa", NULL), -1);
	assert_false(o.color);
	assert_int_equal(o.qtype, PT_TYPE_AAAA);
	pt_options_fini(&o);
	free(msg);
	assert_int_equal(parse(&o, &msg, "", "example.com", NULL), -1);
	assert_true(o.color);
	pt_options_fini(&o);
	free(msg);
}

static void test_every_option(void **unused)
{
	struct pt_options o;
	char *msg = NULL;

	(void)unused;
	assert_int_equal(parse(&o, &msg, NULL, "-r", "a.txt", "--resolvers", "-", "-s", "1.1.1.1",
			       "--server=8.8.8.8", "--auth", "192.0.2.1:5353", "--expect",
			       "10 mx.example.com.", "--expect", "20 b.example.com.",
			       "--until-converged", "--max-wait", "10m", "--format", "ndjson",
			       "--timeout", "500", "--retries", "0", "--interval", "0.5",
			       "--max-interval", "30", "--rate", "100", "--tcp", "--workers", "4",
			       "--log", "x.ndjson", "--no-smtp", "--smtp-port", "2525", "--no-identity",
			       "--no-colour", "--iterations", "3", "--verbose", "example.com.", "TXT",
			       NULL),
			 -1);
	assert_int_equal(o.nlists, 2);
	assert_string_equal(o.lists[1], "-");
	assert_int_equal(o.ninline, 2);
	assert_string_equal(o.inline_lists[1], "8.8.8.8");
	assert_int_equal(o.nauth, 1);
	assert_int_equal(o.nexpect, 2);
	assert_true(o.until_converged);
	assert_true(o.max_wait_s == 600);
	assert_int_equal(o.format, PT_FORMAT_NDJSON);
	assert_true(o.format_given);
	assert_int_equal(o.engine.timeout_ms, 500);
	assert_int_equal(o.engine.retries, 0);
	assert_true(o.interval_s == 0.5 && o.max_interval_s == 30);
	assert_true(o.engine.rate_qps == 100);
	assert_true(o.engine.tcp_only);
	assert_int_equal(o.engine.workers, 4);
	assert_string_equal(o.log_path, "x.ndjson");
	assert_false(o.smtp);
	assert_false(o.identity);
	assert_int_equal(o.smtp_port, 2525);
	assert_false(o.color);
	assert_int_equal(o.iterations, 3);
	assert_true(o.verbose);
	assert_int_equal(o.qtype, PT_TYPE_TXT);
	pt_options_fini(&o);
	free(msg);
	/* --interval above --max-interval lifts the maximum */
	assert_int_equal(parse(&o, &msg, NULL, "--interval", "90", "example.com", NULL), -1);
	assert_true(o.max_interval_s == 90);
	pt_options_fini(&o);
	free(msg);
	assert_int_equal(parse(&o, &msg, NULL, "--max-wait", "1.5h", "--until-converged", "x.",
			       NULL),
			 -1);
	assert_true(o.max_wait_s == 5400);
	pt_options_fini(&o);
	free(msg);
}

/* Each bad command line: exit 2 and a message naming the problem. */
static void test_errors(void **unused)
{
	static const struct {
		const char *args[6];
		const char *says;
	} cases[] = {
		{ { "--bogus", "x." }, "unknown option '--bogus'" },
		{ { "x.", "--timeout" }, "option '--timeout' needs a value" },
		{ { "--timeout", "0", "x." }, "invalid --timeout '0'" },
		{ { "--timeout", "-5", "x." }, "invalid --timeout '-5'" },
		{ { "--timeout", "600001", "x." }, "invalid --timeout" },
		{ { "--retries", "21", "x." }, "invalid --retries '21' (0-20)" },
		{ { "--interval", "0.01", "x." }, "invalid --interval" },
		{ { "--max-interval", "nan", "x." }, "invalid --max-interval" },
		{ { "--rate", "-1", "x." }, "invalid --rate" },
		{ { "--rate", "inf", "x." }, "invalid --rate" },
		{ { "--workers", "0", "x." }, "invalid --workers '0' (1-64)" },
		{ { "--smtp-port", "70000", "x." }, "invalid --smtp-port" },
		{ { "--iterations", "x", "x." }, "invalid --iterations" },
		{ { "--format", "xml", "x." }, "unknown format 'xml'" },
		{ { "--max-wait", "10x", "--until-converged", "x." }, "invalid --max-wait '10x'" },
		{ { "--max-wait", "10m", "x." }, "--max-wait goes with --until-converged" },
		{ { "--write", "f", "x." }, "--write goes with --check-resolvers" },
		{ { "--check-resolvers", "x." }, "takes no DOMAIN" },
		{ { "--diagnose", "--check-resolvers" }, "do not go together" },
		{ { NULL }, "missing DOMAIN" },
		{ { "x.", "MX", "extra" }, "unexpected argument 'extra'" },
		{ { "x.", "NOSUCHTYPE" }, "unknown record type 'NOSUCHTYPE'" },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_options o;
		char *msg = NULL;
		const char *const *a = cases[i].args;

		assert_int_equal(parse(&o, &msg, NULL, a[0], a[1], a[2], a[3], a[4], a[5], NULL),
				 PT_EXIT_USAGE);
		if (strstr(msg, cases[i].says) == NULL || strstr(msg, "--help") == NULL) {
			fail_msg("case %zu: message '%s' lacks '%s'", i, msg, cases[i].says);
		}
		pt_options_fini(&o);
		free(msg);
	}
}

/* Issue 13: a rate far below one query per second is raised to it, with a warning. */
static void test_rate_floor(void **unused)
{
	struct pt_options o;
	char *msg = NULL;

	(void)unused;
	assert_int_equal(parse(&o, &msg, NULL, "--rate", "1e-9", "x.", NULL), -1);
	assert_true(o.engine.rate_qps == 1.0);
	assert_non_null(strstr(msg, "--rate 1e-9 is below the lowest rate (1 per second)"));
	free(msg);
	pt_options_fini(&o);
	assert_int_equal(parse(&o, &msg, NULL, "--rate", "0", "x.", NULL), -1);
	assert_true(o.engine.rate_qps == 0.0);
	assert_string_equal(msg, "");
	free(msg);
	pt_options_fini(&o);
}

static void test_help_and_version(void **unused)
{
	struct pt_options o;
	char *msg = NULL;

	(void)unused;
	assert_int_equal(parse(&o, &msg, NULL, "--help", NULL), PT_EXIT_OK);
	assert_non_null(strstr(msg, "usage: proptrack"));
	/* every option is in the help */
	static const char *const names[] = {
		"--resolvers FILE", "--server LIST", "--auth", "--expect", "--min-answered",
		"--query-now", "--once", "--until-converged", "--max-wait", "--format",
		"--timeout", "--retries", "--interval", "--max-interval", "--rate", "--tcp",
		"--workers N", "--log", "--diagnose", "--no-smtp", "--smtp-port", "--verbose",
		"--check-resolvers", "--write", "--no-color", "--iterations", "--help",
		"--version",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strstr(msg, names[i])) {
			fail_msg("%s is not in --help", names[i]);
		}
	}
	pt_options_fini(&o);
	free(msg);
	assert_int_equal(parse(&o, &msg, NULL, "-V", NULL), PT_EXIT_OK);
	assert_true(strncmp(msg, "proptrack ", 10) == 0);
	pt_options_fini(&o);
	free(msg);
}

static void test_modes(void **unused)
{
	static const struct {
		const char *args[4];
		bool tty;
		enum pt_mode mode;
	} cases[] = {
		{ { "x." }, true, PT_MODE_DASHBOARD },
		{ { "x." }, false, PT_MODE_ONCE },
		{ { "--once", "x." }, true, PT_MODE_ONCE },
		{ { "--until-converged", "x." }, true, PT_MODE_WATCH },
		{ { "--format", "json", "x." }, true, PT_MODE_ONCE },
		{ { "--format", "ndjson", "x." }, false, PT_MODE_WATCH },
		{ { "--format", "ndjson", "--once", "x." }, false, PT_MODE_ONCE },
		{ { "--diagnose", "x." }, true, PT_MODE_DIAGNOSE },
		{ { "--check-resolvers" }, true, PT_MODE_CHECK },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_options o;
		char *msg = NULL;
		const char *const *a = cases[i].args;

		assert_int_equal(parse(&o, &msg, NULL, a[0], a[1], a[2], a[3], NULL), -1);
		assert_int_equal(pt_options_mode(&o, cases[i].tty), cases[i].mode);
		pt_options_fini(&o);
		free(msg);
	}
}

/* --follow-mx / --no-follow-mx: unset (-1) lets the mode decide; the last one given wins. */
static void test_follow_mx(void **unused)
{
	struct pt_options o;
	char *msg = NULL;

	(void)unused;
	assert_int_equal(parse(&o, &msg, NULL, "example.com", NULL), -1);
	assert_int_equal(o.follow_mx, -1);
	pt_options_fini(&o);
	free(msg);
	assert_int_equal(parse(&o, &msg, NULL, "--follow-mx", "--once", "example.com", NULL), -1);
	assert_int_equal(o.follow_mx, 1);
	pt_options_fini(&o);
	free(msg);
	assert_int_equal(parse(&o, &msg, NULL, "--follow-mx", "--no-follow-mx", "example.com", NULL),
			 -1);
	assert_int_equal(o.follow_mx, 0);
	pt_options_fini(&o);
	free(msg);
}

/* --plan and its options (issue 14, item 4): the mode, --now in both forms, the defaults,
 * and the combinations that are refused; --exec and --notify (item 6). */
static void test_plan_and_alerts(void **unused)
{
	struct pt_options o;
	char *msg = NULL;

	(void)unused;
	assert_int_equal(parse(&o, &msg, NULL, "--plan", "--to", "10 mx.new.", "--to", "20 b.",
			       "--now", "2026-12-01T12:00:00Z", "--new-ns", "ns1.x", "example.com",
			       NULL),
			 -1);
	assert_true(o.plan);
	assert_int_equal(o.nto, 2);
	assert_int_equal(o.nnew_ns, 1);
	assert_true(o.now_given);
	assert_int_equal(o.now_s, 1796126400LL);
	assert_int_equal(o.low_ttl, 300);
	assert_false(o.mta_sts_max_age_given);
	assert_int_equal(pt_options_mode(&o, true), PT_MODE_PLAN);
	pt_options_fini(&o);
	free(msg);
	assert_int_equal(parse(&o, &msg, NULL, "--plan", "--to", "10 a.", "--now", "1796126400",
			       "--low-ttl", "1h", "--mta-sts-max-age", "7d", "example.com", NULL),
			 -1);
	assert_int_equal(o.now_s, 1796126400LL);
	assert_int_equal(o.low_ttl, 3600);
	assert_true(o.mta_sts_max_age_given);
	assert_int_equal(o.mta_sts_max_age, 604800);
	pt_options_fini(&o);
	free(msg);
	static const char *const bad[][6] = {
		{ "--plan", "example.com" },
		{ "--to", "10 a.", "example.com" },
		{ "--plan", "--to", "10 a.", "example.com", "A" },
		{ "--plan", "--to", "10 a.", "--now", "2026-13-01T00:00:00Z", "example.com" },
		{ "--plan", "--to", "10 a.", "--now", "2026-12-01 12:00:00", "example.com" },
		{ "--plan", "--to", "10 a.", "--mta-sts-max-age", "400d", "example.com" },
		{ "--plan", "--to", "10 a.", "--diagnose", "example.com" },
		{ "--plan", "--to", "10 a.", "--format", "csv", "example.com" },
		{ "--exec", "true", "--diagnose", "example.com" },
		{ "--exec", " ", "example.com" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = parse(&o, &msg, NULL, bad[i][0], bad[i][1], bad[i][2], bad[i][3],
			       bad[i][4], bad[i][5], NULL);

		assert_int_equal(st, PT_EXIT_USAGE);
		assert_non_null(strstr(msg, "Try 'proptrack --help'."));
		pt_options_fini(&o);
		free(msg);
	}
	assert_int_equal(parse(&o, &msg, NULL, "--exec", "sh -c 'echo hi'", "--notify",
			       "example.com", NULL),
			 -1);
	assert_string_equal(o.exec, "sh -c 'echo hi'");
	assert_true(o.notify);
	pt_options_fini(&o);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_rate_floor),		 cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_follow_mx),
		cmocka_unit_test(test_plan_and_alerts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
