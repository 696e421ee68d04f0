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
	assert_true(o.color && o.smtp);
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
			       "--log", "x.ndjson", "--no-smtp", "--smtp-port", "2525",
			       "--no-colour", "--iterations", "3", "example.com.", "TXT", NULL),
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
	assert_int_equal(o.smtp_port, 2525);
	assert_false(o.color);
	assert_int_equal(o.iterations, 3);
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

static void test_help_and_version(void **unused)
{
	struct pt_options o;
	char *msg = NULL;

	(void)unused;
	assert_int_equal(parse(&o, &msg, NULL, "--help", NULL), PT_EXIT_OK);
	assert_non_null(strstr(msg, "usage: proptrack"));
	/* every option is in the help */
	assert_non_null(strstr(msg, "--workers N"));
	assert_non_null(strstr(msg, "--check-resolvers"));
	assert_non_null(strstr(msg, "--iterations"));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	 cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_errors),		 cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
