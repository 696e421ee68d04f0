/*
 * proptrack: option parsing and wiring. Chooses the dashboard or text/JSON output,
 * owns the exit status and every diagnostic printed to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"
#include "dashboard.h"
#include "diagnose.h"
#include "engine.h"
#include "output.h"
#include "output_diagnose.h"
#include "probe.h"
#include "query.h"
#include "resolvers.h"
#include "state.h"
#include "truth.h"
#include "watch.h"

enum format { FMT_TABLE, FMT_JSON, FMT_NDJSON, FMT_CSV };

/* Exit statuses, CONTRACT.md. */
enum { EXIT_CONVERGED = 0, EXIT_NOT_CONVERGED = 1, EXIT_USAGE = 2, EXIT_NOTHING = 3 };

struct options {
	const char **lists;
	size_t nlists;
	const char **inline_lists;
	size_t ninline;
	const char **auth;
	size_t nauth;
	const char **expect;
	size_t nexpect;
	bool once;
	bool until_converged;
	double max_wait_s;
	enum format format;
	bool format_given;
	struct pt_engine_config engine;
	double interval_s;
	double max_interval_s;
	const char *log_path;
	bool diagnose;
	bool check_resolvers;
	const char *write_path;
	bool smtp;
	unsigned smtp_port;
	bool color;
	long iterations;
	const char *domain;
	uint16_t qtype;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

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
	      "3 no resolver answered.\n",
	      out);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "proptrack: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'proptrack --help'.\n");
	return EXIT_USAGE;
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
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* @return -1 to go on, else the exit status. */
static int parse_options(struct options *o, int argc, char **argv)
{
	int c;
	unsigned u;
	const char *nc = getenv("NO_COLOR");

	memset(o, 0, sizeof(*o));
	pt_engine_config_default(&o->engine);
	o->interval_s = 2;
	o->max_interval_s = 60;
	o->color = nc == NULL || nc[0] == '\0';
	o->smtp = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:s:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!push(&o->lists, &o->nlists, optarg)) {
				return EXIT_USAGE;
			}
			break;
		case 's':
			if (!push(&o->inline_lists, &o->ninline, optarg)) {
				return EXIT_USAGE;
			}
			break;
		case OPT_AUTH:
			if (!push(&o->auth, &o->nauth, optarg)) {
				return EXIT_USAGE;
			}
			break;
		case OPT_EXPECT:
			if (!push(&o->expect, &o->nexpect, optarg)) {
				return EXIT_USAGE;
			}
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_UNTIL:
			o->until_converged = true;
			break;
		case OPT_MAXWAIT:
			if (!parse_duration(optarg, &o->max_wait_s)) {
				return usage_error(
					"invalid --max-wait '%s' (use e.g. 90s, 10m, 2h)", optarg);
			}
			break;
		case OPT_FORMAT:
			o->format_given = true;
			if (strcmp(optarg, "table") == 0) {
				o->format = FMT_TABLE;
			} else if (strcmp(optarg, "json") == 0) {
				o->format = FMT_JSON;
			} else if (strcmp(optarg, "ndjson") == 0) {
				o->format = FMT_NDJSON;
			} else if (strcmp(optarg, "csv") == 0) {
				o->format = FMT_CSV;
			} else {
				return usage_error("unknown format '%s' (table, json, ndjson, csv)",
						   optarg);
			}
			break;
		case OPT_TIMEOUT:
			if (!parse_uint(optarg, 600000, &u) || u == 0) {
				return usage_error(
					"invalid --timeout '%s' (milliseconds, 1-600000)", optarg);
			}
			o->engine.timeout_ms = u;
			break;
		case OPT_RETRIES:
			if (!parse_uint(optarg, 20, &u)) {
				return usage_error("invalid --retries '%s' (0-20)", optarg);
			}
			o->engine.retries = u;
			break;
		case OPT_INTERVAL:
			if (!parse_double(optarg, 0.05, 86400, &o->interval_s)) {
				return usage_error("invalid --interval '%s' (seconds, 0.05-86400)",
						   optarg);
			}
			break;
		case OPT_MAXINTERVAL:
			if (!parse_double(optarg, 0.05, 86400, &o->max_interval_s)) {
				return usage_error("invalid --max-interval '%s' (seconds)", optarg);
			}
			break;
		case OPT_RATE:
			if (!parse_double(optarg, 0, 1e7, &o->engine.rate_qps)) {
				return usage_error(
					"invalid --rate '%s' (queries per second, 0 = none)",
					optarg);
			}
			break;
		case OPT_TCP:
			o->engine.tcp_only = true;
			break;
		case OPT_LOG:
			o->log_path = optarg;
			break;
		case OPT_DIAGNOSE:
			o->diagnose = true;
			break;
		case OPT_CHECK:
			o->check_resolvers = true;
			break;
		case OPT_WRITE:
			o->write_path = optarg;
			break;
		case OPT_NOSMTP:
			o->smtp = false;
			break;
		case OPT_SMTPPORT:
			if (!parse_uint(optarg, 65535, &o->smtp_port) || o->smtp_port == 0) {
				return usage_error("invalid --smtp-port '%s' (1-65535)", optarg);
			}
			break;
		case OPT_NOCOLOR:
			o->color = false;
			break;
		case OPT_ITERATIONS:
			if (!parse_uint(optarg, LONG_MAX > UINT_MAX ? UINT_MAX : LONG_MAX, &u)) {
				return usage_error("invalid --iterations '%s'", optarg);
			}
			o->iterations = u;
			break;
		case OPT_WORKERS:
			if (!parse_uint(optarg, 64, &u) || u == 0) {
				return usage_error("invalid --workers '%s' (1-64)", optarg);
			}
			o->engine.workers = u;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("proptrack %s\n", PT_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->interval_s > o->max_interval_s) {
		o->max_interval_s = o->interval_s;
	}
	if (o->write_path != NULL && !o->check_resolvers) {
		return usage_error("%s", "--write goes with --check-resolvers");
	}
	if (o->check_resolvers) {
		/* No DOMAIN: the probe asks for the root's NS set. */
		if (optind < argc) {
			return usage_error(
				"unexpected argument '%s' (--check-resolvers takes no DOMAIN)",
				argv[optind]);
		}
		o->domain = ".";
		o->qtype = 2;
		return -1;
	}
	if (optind >= argc) {
		return usage_error("%s", "missing DOMAIN");
	}
	if (argc - optind > 2) {
		return usage_error("unexpected argument '%s'", argv[optind + 2]);
	}
	o->domain = argv[optind];
	o->qtype = 15; /* MX */
	if (argc - optind == 2) {
		o->qtype = pt_rrtype_from_name(argv[optind + 1]);
		if (o->qtype == 0) {
			return usage_error("unknown record type '%s'", argv[optind + 1]);
		}
	}
	return -1;
}

static void report_diags(const char *source, const struct pt_parse_report *rep)
{
	for (size_t i = 0; i < rep->ndiags; i++) {
		fprintf(stderr, "%s:%zu: %s\n", source, rep->diags[i].line, rep->diags[i].reason);
	}
}

/* The default list: beside the binary, then the installed copy (found relative to the
 * binary, so a relocated install works, then at the compiled-in data directory). */
static const char *default_list(char *buf, size_t size)
{
	static const char *const rel[] = { "resolvers.txt", "../share/proptrack/resolvers.txt" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');

		for (size_t i = 0; slash != NULL && i < sizeof(rel) / sizeof(rel[0]); i++) {
			if (snprintf(buf, size, "%.*s/%s", (int)(slash - exe), exe, rel[i]) <
				    (int)size &&
			    access(buf, R_OK) == 0) {
				return buf;
			}
		}
	}
	return PT_DATADIR "/resolvers.txt";
}

static int load_resolvers(struct pt_resolvers *list, const struct options *o)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < o->nlists; i++) {
		struct pt_parse_report rep = { 0 };
		const char *name = strcmp(o->lists[i], "-") == 0 ? "<stdin>" : o->lists[i];

		if (pt_resolvers_load(list, o->lists[i], PT_PARSE_RESOLVE_NAMES, &rep) != PT_OK) {
			fprintf(stderr, "proptrack: %s: %s\n", name, strerror(errno));
			pt_parse_report_fini(&rep);
			return EXIT_USAGE;
		}
		report_diags(name, &rep);
		pt_parse_report_fini(&rep);
	}
	for (size_t i = 0; i < o->ninline; i++) {
		struct pt_parse_report rep = { 0 };
		/* The same parser as files, with each comma ending an entry: "a, b c" is three
		 * entries, "8.8.8.8 Google" one with a label, "nameserver 1.1.1.1" one, and
		 * "1.1.1.1,junk" an entry and a rejected one (not a label "junk"). */
		char *text = strdup(o->inline_lists[i]);

		if (text == NULL) {
			return EXIT_USAGE;
		}
		for (char *p = text; *p; p++) {
			if (*p == ',') {
				*p = '\n';
			}
		}
		pt_resolvers_parse(list, text, strlen(text), PT_PARSE_RESOLVE_NAMES, &rep);
		free(text);
		report_diags("--server", &rep);
		pt_parse_report_fini(&rep);
	}
	if (o->nlists == 0 && o->ninline == 0) {
		const char *def = default_list(path, sizeof(path));
		struct pt_parse_report rep = { 0 };

		if (pt_resolvers_load(list, def, 0, &rep) != PT_OK) {
			fprintf(stderr, "proptrack: %s: %s (give a list with -r or -s)\n", def,
				strerror(errno));
			pt_parse_report_fini(&rep);
			return EXIT_USAGE;
		}
		report_diags(def, &rep);
		pt_parse_report_fini(&rep);
	}
	if (pt_resolvers_count(list) == 0) {
		fprintf(stderr, "proptrack: the resolver list has no usable entry\n");
		return EXIT_USAGE;
	}
	return -1;
}

static int parse_auth(struct pt_resolver **out, const struct options *o)
{
	char reason[160];

	*out = calloc(o->nauth ? o->nauth : 1, sizeof(**out));
	if (*out == NULL) {
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o->nauth; i++) {
		if (pt_resolver_parse_address(&(*out)[i], o->auth[i], reason, sizeof(reason)) !=
		    PT_OK) {
			fprintf(stderr, "proptrack: --auth %s: %s\n", o->auth[i], reason);
			return EXIT_USAGE;
		}
	}
	return -1;
}

/* Exit status of a finished snapshot (CONTRACT.md). */
static int verdict_exit(const struct pt_snapshot *s)
{
	const size_t *by = s->counts.by;
	size_t judged = by[PT_VERDICT_MATCH] + by[PT_VERDICT_DIFFER] + by[PT_VERDICT_NEGATIVE] +
			by[PT_VERDICT_SERVFAIL];

	if (judged == 0) {
		return EXIT_NOTHING;
	}
	return s->converged ? EXIT_CONVERGED : EXIT_NOT_CONVERGED;
}

static void write_events(struct pt_state *st, FILE *stream, FILE *log, uint64_t start_ns)
{
	struct pt_event *evs;
	size_t n = pt_state_events(st, &evs);

	for (size_t i = 0; i < n; i++) {
		if (stream != NULL) {
			pt_output_event(stream, &evs[i], start_ns);
		}
		if (log != NULL) {
			pt_output_event(log, &evs[i], start_ns);
		}
		pt_event_fini(&evs[i]);
	}
	free(evs);
}

static void simple_event(FILE *stream, FILE *log, const char *kind, const struct pt_snapshot *s,
			 int status)
{
	uint64_t wall = pt_clock_wall_ms();

	/* "start" is stamped with the moment the state began, which precedes the replies it
	 * is written before (events wait for the truth, see pt_state_events()). */
	if (strcmp(kind, "start") == 0) {
		/* rounded up, so it is never later than anything stamped after it */
		wall -= (pt_clock_monotonic() - s->start_ns + PT_NS_PER_MS - 1) / PT_NS_PER_MS;
	}
	if (stream != NULL) {
		pt_output_event_simple(stream, kind, s, wall, status);
	}
	if (log != NULL) {
		pt_output_event_simple(log, kind, s, wall, status);
	}
}

/* Context for the dashboard's per-snapshot hook: writes --log events. */
struct log_ctx {
	struct pt_state *state;
	FILE *log;
	bool converged;
	bool started;
};

static void on_tick(void *ctx, const struct pt_snapshot *s)
{
	struct log_ctx *lc = ctx;

	if (lc->log == NULL) {
		return;
	}
	if (!lc->started) {
		simple_event(NULL, lc->log, "start", s, 0);
		lc->started = true;
	}
	write_events(lc->state, NULL, lc->log, s->start_ns);
	if (s->converged != lc->converged) {
		simple_event(NULL, lc->log, s->converged ? "converged" : "diverged", s, 0);
		lc->converged = s->converged;
	}
}

/* Columns of the terminal on stdout; 0 (no limit) when it is not one. */
static int terminal_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 ||
	    ws.ws_col == 0) {
		return 0;
	}
	return ws.ws_col;
}

/* Text modes: --once, --until-converged, or watching with an event stream. */
static int run_text(struct pt_state *st, struct pt_watch *w, const struct options *o, FILE *log)
{
	FILE *stream = o->format == FMT_NDJSON ? stdout : NULL;
	uint64_t start = pt_clock_monotonic();
	bool converged = false;
	bool started = false;
	int status = EXIT_NOT_CONVERGED;
	struct pt_snapshot *s = NULL;
	bool watching = !o->once;

	uint64_t start_ns = 0;
	uint64_t last_ns = 0;

	bool dirty = false;

	for (;;) {
		struct pollfd pfd = { .fd = pt_state_wakeup_fd(st), .events = POLLIN };
		int wait_ms = 200;

		/* A change already seen but held back by the 100 ms throttle: wake when it ends. */
		if (dirty && watching) {
			uint64_t since = pt_clock_monotonic() - last_ns;

			wait_ms = since >= 100 * PT_NS_PER_MS
					  ? 0
					  : (int)((100 * PT_NS_PER_MS - since) / PT_NS_PER_MS) + 1;
		}
		if (poll(&pfd, 1, wait_ms) > 0) {
			dirty = true;
		}
		pt_state_drain(st);
		if (!started) {
			s = pt_state_snapshot(st);
			if (s == NULL) {
				fprintf(stderr, "proptrack: out of memory\n");
				return EXIT_NOT_CONVERGED;
			}
			start_ns = s->start_ns;
			simple_event(stream, log, "start", s, 0);
			started = true;
		}
		write_events(st, stream, log, start_ns);
		bool swept = pt_watch_first_sweep_done(w);
		uint64_t now = pt_clock_monotonic();

		/* A snapshot copies every row: take one when a decision needs it, at most every
		 * 100 ms while watching, and once at the end of a one-shot sweep. */
		if (!interrupted && (watching ? now - last_ns < 100 * PT_NS_PER_MS : !swept)) {
			continue;
		}
		last_ns = now;
		dirty = false;
		pt_snapshot_free(s);
		s = pt_state_snapshot(st);
		if (s == NULL) {
			fprintf(stderr, "proptrack: out of memory\n");
			return EXIT_NOT_CONVERGED;
		}
		if (swept && s->converged != converged) {
			converged = s->converged;
			simple_event(stream, log, converged ? "converged" : "diverged", s, 0);
		}
		if (interrupted) {
			status = swept ? verdict_exit(s) : EXIT_NOT_CONVERGED;
			break;
		}
		if (!swept) {
			continue;
		}
		if (!watching) {
			status = verdict_exit(s);
			break;
		}
		if (o->until_converged && s->converged) {
			status = EXIT_CONVERGED;
			break;
		}
		if (o->until_converged && o->max_wait_s > 0 &&
		    (double)(now - start) / 1e9 >= o->max_wait_s) {
			status = EXIT_NOT_CONVERGED;
			break;
		}
	}
	switch (o->format) {
	case FMT_TABLE:
		pt_output_table(stdout, s, o->color && isatty(STDOUT_FILENO), terminal_width());
		break;
	case FMT_JSON:
		pt_output_json(stdout, s, pt_clock_wall_ms());
		break;
	case FMT_CSV:
		pt_output_csv(stdout, s);
		break;
	case FMT_NDJSON:
		break;
	}
	simple_event(stream, log, "end", s, status);
	fflush(stdout);
	pt_snapshot_free(s);
	return status;
}

/* --check-resolvers: 0 when every resolver is usable, 1 when some are not, 3 when none is. */
static int run_check(struct pt_engine *engine, const struct pt_resolvers *list,
		     const struct options *o)
{
	struct pt_probe_result *res;
	size_t n = pt_resolvers_count(list);
	size_t usable = 0;
	int status;

	if (pt_probe_run(&res, engine, list) != PT_OK) {
		fprintf(stderr, "proptrack: out of memory\n");
		return EXIT_NOT_CONVERGED;
	}
	pt_output_probe(stdout, res, n, o->format == FMT_JSON);
	struct pt_resolvers *good = pt_resolvers_new();

	for (size_t i = 0; i < n; i++) {
		if (res[i].status == PT_PROBE_RECURSIVE) {
			usable++;
			if (good != NULL) {
				pt_resolvers_add(good, &res[i].resolver, NULL);
			}
		}
	}
	status = usable == 0 ? EXIT_NOTHING : usable == n ? EXIT_CONVERGED : EXIT_NOT_CONVERGED;
	if (o->write_path != NULL) {
		if (good == NULL || pt_resolvers_save(good, o->write_path, true) != PT_OK) {
			fprintf(stderr, "proptrack: --write %s: %s\n", o->write_path,
				strerror(errno));
			status = EXIT_USAGE;
		} else {
			fprintf(stderr, "proptrack: wrote %zu usable resolvers to %s\n", usable,
				o->write_path);
		}
	}
	pt_resolvers_free(good);
	free(res);
	return status;
}

/* --diagnose: gather, judge, print; exit 0 without a failed check, 1 with one. */
static int run_diagnose(struct pt_engine *engine, const struct pt_resolvers *list,
			const struct pt_resolver *auth, const struct options *o, const char *domain)
{
	size_t n = pt_resolvers_count(list);
	struct pt_resolver *res = calloc(n, sizeof(*res));
	struct pt_diagnosis d;
	int status;

	if (res == NULL) {
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++) {
		res[i] = *pt_resolvers_get(list, i);
	}
	struct pt_diagnose_config cfg = {
		.domain = domain,
		.resolvers = res,
		.nresolvers = n,
		.auth = auth,
		.nauth = o->nauth,
		.smtp = o->smtp,
		.smtp_port = (uint16_t)o->smtp_port,
	};
	enum pt_status rc = pt_diagnose_run(&d, engine, &cfg, NULL);

	free(res);
	if (rc != PT_OK) {
		fprintf(stderr, "proptrack: diagnosis failed: %s\n", pt_strerror(rc));
		return rc == PT_ERR_PARSE ? EXIT_USAGE : EXIT_NOT_CONVERGED;
	}
	if (o->format == FMT_JSON) {
		pt_output_diagnosis_json(stdout, &d, pt_clock_wall_ms());
	} else {
		pt_output_diagnosis_table(stdout, &d, o->color && isatty(STDOUT_FILENO));
	}
	status = pt_diagnosis_exit_status(&d);
	pt_diagnosis_fini(&d);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	struct pt_resolvers *list = NULL;
	struct pt_resolver *auth = NULL;
	struct pt_state *st = NULL;
	struct pt_engine *engine = NULL;
	struct pt_watch *w = NULL;
	FILE *log = NULL;
	int status = parse_options(&o, argc, argv);
	char domain[256];

	if (status >= 0) {
		goto out;
	}
	status = EXIT_USAGE;
	if (pt_name_normalise(domain, sizeof(domain), o.domain) != PT_OK) {
		fprintf(stderr, "proptrack: invalid domain name '%s'\n", o.domain);
		goto out;
	}
	for (size_t i = 0; i < o.nexpect; i++) {
		char *norm = NULL;

		if (pt_rdata_normalise(&norm, o.qtype, o.expect[i]) != PT_OK) {
			char ty[24];

			fprintf(stderr, "proptrack: --expect '%s' is not valid %s data\n",
				o.expect[i], pt_rrtype_name(o.qtype, ty, sizeof(ty)));
			goto out;
		}
		free(norm);
	}
	list = pt_resolvers_new();
	if (list == NULL) {
		goto out;
	}
	status = load_resolvers(list, &o);
	if (status >= 0) {
		goto out;
	}
	status = parse_auth(&auth, &o);
	if (status >= 0) {
		goto out;
	}
	if (o.log_path != NULL) {
		log = fopen(o.log_path, "a");
		if (log == NULL) {
			fprintf(stderr, "proptrack: --log %s: %s\n", o.log_path, strerror(errno));
			status = EXIT_USAGE;
			goto out;
		}
		/* Unbuffered: each event line reaches the file in one write, whole or not at all.
		 */
		setvbuf(log, NULL, _IONBF, 0);
	}
	status = EXIT_USAGE;
	st = pt_state_new(domain, o.qtype, NULL);
	engine = pt_engine_new(&o.engine, NULL);
	if (st == NULL || engine == NULL) {
		fprintf(stderr, "proptrack: cannot start: %s\n", strerror(errno));
		goto out;
	}
	if (o.diagnose) {
		status = run_diagnose(engine, list, auth, &o, domain);
		goto out;
	}
	if (o.check_resolvers) {
		status = run_check(engine, list, &o);
		goto out;
	}
	size_t n = pt_resolvers_count(list);
	struct pt_resolver *via = calloc(n, sizeof(*via));

	if (via == NULL) {
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		via[i] = *pt_resolvers_get(list, i);
		pt_state_add(st, &via[i], NULL);
	}
	struct pt_truth_config tcfg = {
		.expect = (char **)(uintptr_t)o.expect,
		.nexpect = o.nexpect,
		.auth = auth,
		.nauth = o.nauth,
		.via = via,
		.nvia = n,
		.auth_port = 53,
	};
	bool dashboard = isatty(STDOUT_FILENO) && !o.once && !o.format_given && !o.until_converged;
	struct pt_watch_config wcfg = {
		.interval_s = o.interval_s,
		.max_interval_s = o.max_interval_s,
		.truth_interval_s = 5,
		.once = o.once || (!dashboard && !o.until_converged && o.format != FMT_NDJSON),
	};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pt_state_keep_events(st, log != NULL || o.format == FMT_NDJSON);
	w = pt_watch_start(engine, st, &tcfg, &wcfg, NULL);
	free(via);
	if (w == NULL) {
		fprintf(stderr, "proptrack: cannot start the query threads\n");
		goto out;
	}
	if (dashboard) {
		struct log_ctx lc = { .state = st, .log = log };
		struct pt_dashboard_config dc = {
			.state = st,
			.watch = w,
			.color = o.color,
			.iterations = o.iterations,
			.on_tick = on_tick,
			.ctx = &lc,
			.smtp = o.smtp,
			.smtp_port = (uint16_t)o.smtp_port,
			.auth = auth,
			.nauth = o.nauth,
			.engine = &o.engine,
		};

		status = pt_dashboard_run(&dc);
		if (log != NULL) {
			struct pt_snapshot *s = pt_state_snapshot(st);

			if (s != NULL) {
				write_events(st, NULL, log, s->start_ns);
				simple_event(NULL, log, "end", s, status);
			}
			pt_snapshot_free(s);
		}
	} else {
		o.once = wcfg.once;
		status = run_text(st, w, &o, log);
	}
out:
	/* Order matters: cancel what is in flight so the driver's threads return promptly,
	 * join them, then free the engine before the driver its callbacks point to. */
	if (engine != NULL) {
		pt_engine_cancel(engine);
	}
	pt_watch_stop(w);
	pt_engine_free(engine);
	pt_watch_free(w);
	pt_state_free(st);
	pt_resolvers_free(list);
	free(auth);
	free(o.lists);
	free(o.inline_lists);
	free(o.auth);
	free(o.expect);
	if (log != NULL) {
		fclose(log);
	}
	return status;
}
