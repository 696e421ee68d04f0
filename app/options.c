#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "query.h"
#include "verdict.h"

static void usage(FILE *out)
{
	fputs("usage: proptrack [OPTIONS] DOMAIN [TYPE]\n"
	      "Track a DNS change until every resolver serves it (TYPE defaults to MX).\n\n"
	      "  -r, --resolvers FILE   resolver list (repeatable; - reads stdin)\n"
	      "  -s, --server LIST      resolvers inline, comma/space separated (repeatable)\n"
	      "      --auth ADDR[:PORT] take the truth from this authoritative server "
	      "(repeatable)\n"
	      "      --expect RDATA     the expected answer, e.g. \"10 mx1.example.com.\" "
	      "(repeatable)\n"
	      "      --min-answered N|P%  judged resolvers needed before anything is called\n"
	      "                         converged (default 50%)\n"
	      "      --query-now        with --expect: ask the resolvers even before the record\n"
	      "                         is published (it caches the denial for the SOA MINIMUM)\n"
	      "      --once             query every resolver once, print, exit\n"
	      "      --until-converged  keep polling; exit 0 as soon as converged\n"
	      "      --max-wait DUR     with --until-converged: give up after DUR (90s, 10m, 2h)\n"
	      "      --format F         table, json, ndjson, csv (default table)\n"
	      "      --timeout MS       wait per try (default 2000)\n"
	      "      --retries N        extra tries after a timeout (default 2)\n"
	      "      --interval S       shortest time between polls of one resolver (default 2)\n"
	      "      --max-interval S   longest time between polls of one resolver (default 60)\n"
	      "      --rate QPS         global cap on queries per second (0 = none)\n"
	      "      --tcp              query over TCP only\n"
	      "      --workers N        query worker threads (default 2)\n"
	      "      --log FILE         append every event as NDJSON\n"
	      "      --diagnose         run the MX checks (\"why is my MX not taking effect\")\n"
	      "      --no-smtp          --diagnose: skip the SMTP (port 25) probes\n"
	      "      --smtp-port N      --diagnose: probe this port instead of 25\n"
	      "      --check-resolvers  query each listed resolver once (root NS) and report "
	      "which\n"
	      "                         answer recursively, refuse, or time out; no DOMAIN\n"
	      "      --write FILE       with --check-resolvers: write the usable ones to FILE\n"
	      "      --no-color         no colours (also when NO_COLOR is set)\n"
	      "      --iterations N     dashboard: exit after N redraws (for unattended runs)\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          version\n\n"
	      "Exit status: 0 converged, 1 not converged, 2 usage or input error,\n"
	      "3 nothing to judge (no resolver gave a judgeable answer).\n",
	      out);
}

__attribute__((format(printf, 2, 3))) static int usage_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "proptrack: ");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\nTry 'proptrack --help'.\n");
	return PT_EXIT_USAGE;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
		return false;
	}
	*out = v;
	return true;
}

static bool parse_uint(const char *s, unsigned long hi, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s == '-' || *s == '+') {
		return false;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > hi) {
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* "90", "90s", "10m", "2h", "1.5h" -> seconds. */
static bool parse_duration(const char *s, double *out)
{
	char num[64];
	size_t n = strlen(s);
	double mult = 1;

	if (n == 0 || n >= sizeof(num)) {
		return false;
	}
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's':
		num[n - 1] = '\0';
		break;
	case 'm':
		mult = 60;
		num[n - 1] = '\0';
		break;
	case 'h':
		mult = 3600;
		num[n - 1] = '\0';
		break;
	default:
		break;
	}
	if (!parse_double(num, 0, 1e9, out)) {
		return false;
	}
	*out *= mult;
	return true;
}

static bool push(const char ***arr, size_t *n, const char *v)
{
	const char **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (a == NULL) {
		return false;
	}
	a[(*n)++] = v;
	*arr = a;
	return true;
}

enum {
	OPT_AUTH = 256,
	OPT_EXPECT,
	OPT_ONCE,
	OPT_UNTIL,
	OPT_MAXWAIT,
	OPT_FORMAT,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_INTERVAL,
	OPT_MAXINTERVAL,
	OPT_RATE,
	OPT_TCP,
	OPT_LOG,
	OPT_DIAGNOSE,
	OPT_NOCOLOR,
	OPT_ITERATIONS,
	OPT_WORKERS,
	OPT_NOSMTP,
	OPT_SMTPPORT,
	OPT_CHECK,
	OPT_WRITE,
	OPT_MINANSWERED,
	OPT_QUERYNOW,
};

static const struct option long_opts[] = {
	{ "resolvers", required_argument, NULL, 'r' },
	{ "server", required_argument, NULL, 's' },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "until-converged", no_argument, NULL, OPT_UNTIL },
	{ "max-wait", required_argument, NULL, OPT_MAXWAIT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "max-interval", required_argument, NULL, OPT_MAXINTERVAL },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "tcp", no_argument, NULL, OPT_TCP },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "diagnose", no_argument, NULL, OPT_DIAGNOSE },
	{ "no-smtp", no_argument, NULL, OPT_NOSMTP },
	{ "check-resolvers", no_argument, NULL, OPT_CHECK },
	{ "write", required_argument, NULL, OPT_WRITE },
	{ "smtp-port", required_argument, NULL, OPT_SMTPPORT },
	{ "no-color", no_argument, NULL, OPT_NOCOLOR },
	{ "no-colour", no_argument, NULL, OPT_NOCOLOR },
	{ "iterations", required_argument, NULL, OPT_ITERATIONS },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "min-answered", required_argument, NULL, OPT_MINANSWERED },
	{ "query-now", no_argument, NULL, OPT_QUERYNOW },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const struct {
	const char *name;
	enum pt_format format;
} formats[] = {
	{ "table", PT_FORMAT_TABLE },
	{ "json", PT_FORMAT_JSON },
	{ "ndjson", PT_FORMAT_NDJSON },
	{ "csv", PT_FORMAT_CSV },
};

/* One option. @return -1 to go on, else the exit status. */
static int option(struct pt_options *o, int c, const char *arg, const char *opt, FILE *out,
		  FILE *err)
{
	unsigned u;

	switch (c) {
	case 'r':
		return push(&o->lists, &o->nlists, arg) ? -1 : PT_EXIT_USAGE;
	case 's':
		return push(&o->inline_lists, &o->ninline, arg) ? -1 : PT_EXIT_USAGE;
	case OPT_AUTH:
		return push(&o->auth, &o->nauth, arg) ? -1 : PT_EXIT_USAGE;
	case OPT_EXPECT:
		return push(&o->expect, &o->nexpect, arg) ? -1 : PT_EXIT_USAGE;
	case OPT_ONCE:
		o->once = true;
		return -1;
	case OPT_UNTIL:
		o->until_converged = true;
		return -1;
	case OPT_MAXWAIT:
		if (!parse_duration(arg, &o->max_wait_s)) {
			return usage_error(err, "invalid --max-wait '%s' (use e.g. 90s, 10m, 2h)",
					   arg);
		}
		return -1;
	case OPT_FORMAT:
		o->format_given = true;
		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
			if (strcmp(arg, formats[i].name) == 0) {
				o->format = formats[i].format;
				return -1;
			}
		}
		return usage_error(err, "unknown format '%s' (table, json, ndjson, csv)", arg);
	case OPT_TIMEOUT:
		if (!parse_uint(arg, 600000, &u) || u == 0) {
			return usage_error(err, "invalid --timeout '%s' (milliseconds, 1-600000)",
					   arg);
		}
		o->engine.timeout_ms = u;
		return -1;
	case OPT_RETRIES:
		if (!parse_uint(arg, 20, &u)) {
			return usage_error(err, "invalid --retries '%s' (0-20)", arg);
		}
		o->engine.retries = u;
		return -1;
	case OPT_INTERVAL:
		if (!parse_double(arg, 0.05, 86400, &o->interval_s)) {
			return usage_error(err, "invalid --interval '%s' (seconds, 0.05-86400)",
					   arg);
		}
		return -1;
	case OPT_MAXINTERVAL:
		if (!parse_double(arg, 0.05, 86400, &o->max_interval_s)) {
			return usage_error(err, "invalid --max-interval '%s' (seconds, 0.05-86400)",
					   arg);
		}
		return -1;
	case OPT_RATE:
		if (!parse_double(arg, 0, 1e7, &o->engine.rate_qps)) {
			return usage_error(
				err, "invalid --rate '%s' (queries per second, 0 = none)", arg);
		}
		return -1;
	case OPT_TCP:
		o->engine.tcp_only = true;
		return -1;
	case OPT_LOG:
		o->log_path = arg;
		return -1;
	case OPT_DIAGNOSE:
		o->diagnose = true;
		return -1;
	case OPT_CHECK:
		o->check_resolvers = true;
		return -1;
	case OPT_WRITE:
		o->write_path = arg;
		return -1;
	case OPT_NOSMTP:
		o->smtp = false;
		return -1;
	case OPT_SMTPPORT:
		if (!parse_uint(arg, 65535, &u) || u == 0) {
			return usage_error(err, "invalid --smtp-port '%s' (1-65535)", arg);
		}
		o->smtp_port = (uint16_t)u;
		return -1;
	case OPT_NOCOLOR:
		o->color = false;
		return -1;
	case OPT_ITERATIONS:
		if (!parse_uint(arg, LONG_MAX > UINT_MAX ? UINT_MAX : LONG_MAX, &u)) {
			return usage_error(err, "invalid --iterations '%s'", arg);
		}
		o->iterations = u;
		return -1;
	case OPT_WORKERS:
		if (!parse_uint(arg, 64, &u) || u == 0) {
			return usage_error(err, "invalid --workers '%s' (1-64)", arg);
		}
		o->engine.workers = u;
		return -1;
	case OPT_MINANSWERED: {
		size_t n = strlen(arg);
		bool pct = n > 0 && arg[n - 1] == '%', ok = false;
		char num[32];
		double v = 0;

		if (n > 0 && n < sizeof(num)) {
			memcpy(num, arg, n + 1);
			num[pct ? n - 1 : n] = '\0';
			if (pct) {
				ok = parse_double(num, 0, 100, &v);
			} else if ((ok = parse_uint(num, 10000000, &u))) {
				v = u;
			}
		}
		if (!ok) {
			return usage_error(
				err, "invalid --min-answered '%s' (a count, or a share like 50%%)",
				arg);
		}
		o->quorum = (struct pt_quorum){ .percent = pct, .value = v };
		return -1;
	}
	case OPT_QUERYNOW:
		o->query_now = true;
		return -1;
	case 'h':
		usage(out);
		return PT_EXIT_OK;
	case 'V':
		fprintf(out, "proptrack %s\n", PT_VERSION);
		return PT_EXIT_OK;
	case ':':
		return usage_error(err, "option '%s' needs a value", opt);
	default:
		return usage_error(err, "unknown option '%s'", opt);
	}
}

/* Combinations that cannot work, and the positional arguments. */
static int finish(struct pt_options *o, int argc, char **argv, FILE *err)
{
	if (o->interval_s > o->max_interval_s) {
		o->max_interval_s = o->interval_s;
	}
	if (o->diagnose && o->check_resolvers) {
		return usage_error(err, "%s",
				   "--diagnose and --check-resolvers do not go together");
	}
	if (o->write_path != NULL && !o->check_resolvers) {
		return usage_error(err, "%s", "--write goes with --check-resolvers");
	}
	if (o->max_wait_s > 0 && !o->until_converged) {
		return usage_error(err, "%s", "--max-wait goes with --until-converged");
	}
	if (o->check_resolvers) {
		/* No DOMAIN: the probe asks for the root's NS set. */
		if (optind < argc) {
			return usage_error(err,
					   "unexpected argument '%s' (--check-resolvers takes no "
					   "DOMAIN)",
					   argv[optind]);
		}
		o->domain = ".";
		o->qtype = PT_TYPE_NS;
		return -1;
	}
	if (optind >= argc) {
		return usage_error(err, "%s", "missing DOMAIN");
	}
	if (argc - optind > 2) {
		return usage_error(err, "unexpected argument '%s'", argv[optind + 2]);
	}
	o->domain = argv[optind];
	o->qtype = PT_TYPE_MX;
	if (argc - optind == 2) {
		o->qtype = pt_rrtype_from_name(argv[optind + 1]);
		if (o->qtype == 0) {
			return usage_error(err, "unknown record type '%s'", argv[optind + 1]);
		}
	}
	return -1;
}

int pt_options_parse(struct pt_options *o, int argc, char **argv, const char *no_color, FILE *out,
		     FILE *err)
{
	int c, st = -1;

	memset(o, 0, sizeof(*o));
	pt_engine_config_default(&o->engine);
	o->interval_s = 2;
	o->max_interval_s = 60;
	o->color = no_color == NULL || no_color[0] == '\0';
	o->smtp = true;
	o->quorum = PT_QUORUM_DEFAULT;
	opterr = 0;
	optind = 1;
	while (st < 0 && (c = getopt_long(argc, argv, ":r:s:hV", long_opts, NULL)) != -1) {
		st = option(o, c, optarg, argv[optind - 1], out, err);
	}
	return st >= 0 ? st : finish(o, argc, argv, err);
}

void pt_options_fini(struct pt_options *o)
{
	free(o->lists);
	free(o->inline_lists);
	free(o->auth);
	free(o->expect);
	memset(o, 0, sizeof(*o));
}

enum pt_mode pt_options_mode(const struct pt_options *o, bool stdout_tty)
{
	if (o->diagnose) {
		return PT_MODE_DIAGNOSE;
	}
	if (o->check_resolvers) {
		return PT_MODE_CHECK;
	}
	if (o->once) {
		return PT_MODE_ONCE;
	}
	if (o->until_converged) {
		return PT_MODE_WATCH;
	}
	if (o->format_given) {
		/* an NDJSON stream keeps watching; the other formats print one sweep */
		return o->format == PT_FORMAT_NDJSON ? PT_MODE_WATCH : PT_MODE_ONCE;
	}
	return stdout_tty ? PT_MODE_DASHBOARD : PT_MODE_ONCE;
}
