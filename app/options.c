#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "dns.h"
#include "plan.h"
#include "query.h"
#include "verdict.h"

/* --rate below this is raised to it (with a warning): queries per second. */
#define PT_RATE_MIN 1.0

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
	      "      --no-identity      do not ask each resolver's CH TXT identity (id.server,\n"
	      "                         hostname.bind): one question per resolver; the site\n"
	      "                         then comes from the NSID alone\n"
	      "      --tcp              query over TCP only\n"
	      "      --workers N        query worker threads (default 2)\n"
	      "      --log FILE         append every event as NDJSON\n"
	      "      --diagnose         run the MX checks (\"why is my MX not taking effect\")\n"
	      "      --no-smtp          --diagnose: skip the SMTP (port 25) probes\n"
	      "      --smtp-port N      --diagnose: probe this port instead of 25\n"
	      "      --verbose          --diagnose: list the passing and skipped checks too\n"
	      "      --check-resolvers  query each listed resolver once (root NS) and report "
	      "which\n"
	      "                         answer recursively, refuse, or time out; no DOMAIN\n"
	      "      --write FILE       with --check-resolvers: write the usable ones to FILE\n"
	      "      --no-color         no colours (also when NO_COLOR is set)\n"
	      "      --iterations N     dashboard: exit after N redraws (for unattended runs)\n"
	      "      --replay FILE      show a recorded --log as the dashboard (or as text with\n"
	      "                         --format table, json, csv); no DOMAIN\n"
	      "      --follow-mx        MX: also track each MX target's A and AAAA on every\n"
	      "                         resolver, judged against the target zone's servers\n"
	      "                         (default on in the dashboard, off in the text modes)\n"
	      "      --no-follow-mx     do not (the dashboard's default is on)\n"
	      "      --plan             the cut-over plan of an MX change (with --to): when to\n"
	      "                         lower the TTL, switch, and keep the old server\n"
	      "      --to RDATA         --plan: an MX record to switch to (repeatable)\n"
	      "      --new-ns NAME      --plan: a name server of the new DNS host (repeatable)\n"
	      "      --low-ttl DUR      --plan: the TTL to lower the MX to first (default 5m)\n"
	      "      --mta-sts-max-age DUR  --plan: the MTA-STS policy's max_age\n"
	      "      --now TIME         --plan: start at TIME (2026-12-01T12:00:00Z or epoch s)\n"
	      "      --exec CMD         while watching: run CMD (no shell) on converged,\n"
	      "                         diverged, truth and flap events, the event on stdin\n"
	      "      --notify           while watching: a desktop notification on those events\n"
	      "      --provider NAME    --diagnose: judge the MX set against this mail provider's\n"
	      "                         profile instead of recognising it (data/providers.json)\n"
	      "      --atlas-results FILE  judge saved RIPE Atlas DNS results (the API's JSON\n"
	      "                         array, or one result per line; - reads stdin)\n"
	      "      --globalping-results FILE  judge saved Globalping measurement JSON\n"
	      "      --atlas            ask RIPE Atlas probes (their own resolvers) too; the key\n"
	      "                         from RIPE_ATLAS_KEY or --atlas-key-file\n"
	      "      --atlas-probes N   probes to ask (default 10)\n"
	      "      --atlas-from KIND:VALUE  where the probes are: area (WW), country (NL),\n"
	      "                         asn (3333), probes (1,2,3), msm (an earlier measurement)\n"
	      "      --atlas-wait DUR   wait this long for every probe's result (default 5m)\n"
	      "      --atlas-key-file FILE  read the RIPE Atlas API key from FILE\n"
	      "      --atlas-url URL    RIPE Atlas API base (default https://atlas.ripe.net, or\n"
	      "                         PT_ATLAS_URL)\n"
	      "      --ca-file FILE     PEM file of CAs for TLS and HTTPS (DoT, DoH, MTA-STS,\n"
	      "                         the Atlas and Globalping APIs; default: the system store)\n"
	      "      --globalping       ask Globalping probes (their own resolvers) too; a token\n"
	      "                         from GLOBALPING_TOKEN is optional\n"
	      "      --gp-from LOCATION where the probes are: the API's location words (a\n"
	      "                         country, AS3320, a network, world; default world), or\n"
	      "                         msm:ID for the probes of an earlier measurement\n"
	      "      --gp-limit N       probes to ask (default 10)\n"
	      "      --globalping-url URL  Globalping API base (default "
	      "https://api.globalping.io,\n"
	      "                         or PT_GLOBALPING_URL)\n"
	      "      --doh-get          DoH resolvers (https://...) asked with GET, not POST\n"
	      "      --ecs CIDR         ask as if from this client subnet (EDNS Client Subnet,\n"
	      "                         RFC 7871); repeatable: the dashboard cycles them (c)\n"
	      "      --atlas-every DUR  while watching, repeat the Atlas measurement on the same\n"
	      "                         probes at most this often (default 5m; costs credits)\n"
	      "      --gp-every DUR     the same for Globalping (default 5m)\n"
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

/* "90", "90s", "10m", "2h", "1.5h", "7d" -> seconds. */
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
	case 'd':
		mult = 86400;
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

/* "2026-12-01T12:00:00Z" (UTC) or whole seconds since the epoch -> seconds. */
static bool parse_time(const char *s, int64_t *out)
{
	struct tm tm;
	int n = 0;
	unsigned u;

	if (parse_uint(s, UINT_MAX, &u)) {
		*out = u;
		return true;
	}
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0 || s[n] != '\0' || tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60) {
		return false;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
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
	OPT_NOIDENTITY,
	OPT_SMTPPORT,
	OPT_CHECK,
	OPT_WRITE,
	OPT_MINANSWERED,
	OPT_QUERYNOW,
	OPT_VERBOSE,
	OPT_REPLAY,
	OPT_FOLLOWMX,
	OPT_NOFOLLOWMX,
	OPT_PLAN,
	OPT_TO,
	OPT_NEWNS,
	OPT_LOWTTL,
	OPT_MTASTSMAXAGE,
	OPT_NOW,
	OPT_EXEC,
	OPT_NOTIFY,
	OPT_PROVIDER,
	OPT_ATLAS_RESULTS,
	OPT_GP_RESULTS,
	OPT_ATLAS,
	OPT_ATLAS_PROBES,
	OPT_ATLAS_FROM,
	OPT_ATLAS_WAIT,
	OPT_ATLAS_KEYFILE,
	OPT_ATLAS_URL,
	OPT_CAFILE,
	OPT_GLOBALPING,
	OPT_GP_FROM,
	OPT_GP_LIMIT,
	OPT_GP_URL,
	OPT_DOHGET,
	OPT_ECS,
	OPT_ATLAS_EVERY,
	OPT_GP_EVERY,
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
	{ "no-identity", no_argument, NULL, OPT_NOIDENTITY },
	{ "check-resolvers", no_argument, NULL, OPT_CHECK },
	{ "write", required_argument, NULL, OPT_WRITE },
	{ "smtp-port", required_argument, NULL, OPT_SMTPPORT },
	{ "no-color", no_argument, NULL, OPT_NOCOLOR },
	{ "no-colour", no_argument, NULL, OPT_NOCOLOR },
	{ "iterations", required_argument, NULL, OPT_ITERATIONS },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "min-answered", required_argument, NULL, OPT_MINANSWERED },
	{ "query-now", no_argument, NULL, OPT_QUERYNOW },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "follow-mx", no_argument, NULL, OPT_FOLLOWMX },
	{ "no-follow-mx", no_argument, NULL, OPT_NOFOLLOWMX },
	{ "plan", no_argument, NULL, OPT_PLAN },
	{ "to", required_argument, NULL, OPT_TO },
	{ "new-ns", required_argument, NULL, OPT_NEWNS },
	{ "low-ttl", required_argument, NULL, OPT_LOWTTL },
	{ "mta-sts-max-age", required_argument, NULL, OPT_MTASTSMAXAGE },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "exec", required_argument, NULL, OPT_EXEC },
	{ "notify", no_argument, NULL, OPT_NOTIFY },
	{ "provider", required_argument, NULL, OPT_PROVIDER },
	{ "atlas-results", required_argument, NULL, OPT_ATLAS_RESULTS },
	{ "globalping-results", required_argument, NULL, OPT_GP_RESULTS },
	{ "atlas", no_argument, NULL, OPT_ATLAS },
	{ "atlas-probes", required_argument, NULL, OPT_ATLAS_PROBES },
	{ "atlas-from", required_argument, NULL, OPT_ATLAS_FROM },
	{ "atlas-wait", required_argument, NULL, OPT_ATLAS_WAIT },
	{ "atlas-key-file", required_argument, NULL, OPT_ATLAS_KEYFILE },
	{ "atlas-url", required_argument, NULL, OPT_ATLAS_URL },
	{ "ca-file", required_argument, NULL, OPT_CAFILE },
	{ "globalping", no_argument, NULL, OPT_GLOBALPING },
	{ "gp-from", required_argument, NULL, OPT_GP_FROM },
	{ "gp-limit", required_argument, NULL, OPT_GP_LIMIT },
	{ "globalping-url", required_argument, NULL, OPT_GP_URL },
	{ "doh-get", no_argument, NULL, OPT_DOHGET },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "ecs", required_argument, NULL, OPT_ECS },
	{ "atlas-every", required_argument, NULL, OPT_ATLAS_EVERY },
	{ "gp-every", required_argument, NULL, OPT_GP_EVERY },
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
		/* one query per 31 years is no cap but a hang (and the engine's waits would
		 * overflow): the lowest rate that still sweeps a list in minutes */
		if (o->engine.rate_qps > 0 && o->engine.rate_qps < PT_RATE_MIN) {
			fprintf(err,
				"proptrack: warning: --rate %s is below the lowest rate (%g per "
				"second); using %g\n",
				arg, PT_RATE_MIN, PT_RATE_MIN);
			o->engine.rate_qps = PT_RATE_MIN;
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
	case OPT_NOIDENTITY:
		o->identity = false;
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
	case OPT_VERBOSE:
		o->verbose = true;
		return -1;
	case OPT_REPLAY:
		o->replay_path = arg;
		return -1;
	case OPT_FOLLOWMX:
	case OPT_NOFOLLOWMX:
		o->follow_mx = c == OPT_FOLLOWMX ? 1 : 0;
		return -1;
	case OPT_PLAN:
		o->plan = true;
		return -1;
	case OPT_TO:
		return push(&o->to, &o->nto, arg) ? -1 : PT_EXIT_USAGE;
	case OPT_NEWNS:
		return push(&o->new_ns, &o->nnew_ns, arg) ? -1 : PT_EXIT_USAGE;
	case OPT_LOWTTL:
	case OPT_MTASTSMAXAGE: {
		double v;

		/* a TTL is 31 bits (RFC 2181 §8); max_age at most 31557600 (RFC 8461 §3.2) */
		if (!parse_duration(arg, &v) || (c == OPT_LOWTTL && v < 1) ||
		    v > (c == OPT_LOWTTL ? 2147483647.0 : 31557600.0)) {
			return usage_error(err, "invalid %s '%s' (use e.g. 300, 5m, 2h)", opt, arg);
		}
		if (c == OPT_LOWTTL) {
			o->low_ttl = (uint32_t)v;
		} else {
			o->mta_sts_max_age = (uint32_t)v;
			o->mta_sts_max_age_given = true;
		}
		return -1;
	}
	case OPT_NOW:
		if (!parse_time(arg, &o->now_s)) {
			return usage_error(
				err,
				"invalid --now '%s' (use 2026-12-01T12:00:00Z or seconds since the "
				"epoch)",
				arg);
		}
		o->now_given = true;
		return -1;
	case OPT_EXEC:
		o->exec = arg;
		return -1;
	case OPT_NOTIFY:
		o->notify = true;
		return -1;
	case OPT_PROVIDER:
		o->provider = arg;
		return -1;
	case OPT_ATLAS_RESULTS:
		o->atlas_results = arg;
		return -1;
	case OPT_GP_RESULTS:
		o->gp_results = arg;
		return -1;
	case OPT_ATLAS:
		o->atlas = true;
		return -1;
	case OPT_ATLAS_PROBES:
		if (!parse_uint(arg, 1000, &u) || u == 0) {
			return usage_error(err, "invalid --atlas-probes '%s' (1-1000)", arg);
		}
		o->atlas_probes = u;
		o->atlas = true;
		return -1;
	case OPT_ATLAS_FROM: {
		static const char *const kinds[] = { "area", "country", "asn", "probes", "msm" };
		const char *colon = strchr(arg, ':');

		for (size_t i = 0; colon != NULL && colon[1] != '\0' && i < 5; i++) {
			if (strlen(kinds[i]) == (size_t)(colon - arg) &&
			    strncmp(arg, kinds[i], (size_t)(colon - arg)) == 0) {
				o->atlas_from_kind = kinds[i];
				o->atlas_from_value = colon + 1;
				o->atlas = true;
				return -1;
			}
		}
		return usage_error(err,
				   "invalid --atlas-from '%s' (area:WW, country:NL, asn:3333, "
				   "probes:1,2,3 or msm:ID)",
				   arg);
	}
	case OPT_ATLAS_WAIT:
		if (!parse_duration(arg, &o->atlas_wait_s)) {
			return usage_error(err, "invalid --atlas-wait '%s' (use e.g. 90s, 10m)",
					   arg);
		}
		o->atlas = true;
		return -1;
	case OPT_ATLAS_EVERY:
		if (!parse_duration(arg, &o->atlas_every_s) || o->atlas_every_s < 1) {
			return usage_error(
				err, "invalid --atlas-every '%s' (use e.g. 10m; 1s or more)", arg);
		}
		o->atlas = true;
		return -1;
	case OPT_GP_EVERY:
		if (!parse_duration(arg, &o->gp_every_s) || o->gp_every_s < 1) {
			return usage_error(
				err, "invalid --gp-every '%s' (use e.g. 10m; 1s or more)", arg);
		}
		o->globalping = true;
		return -1;
	case OPT_ATLAS_KEYFILE:
		o->atlas_key_file = arg;
		o->atlas = true;
		return -1;
	case OPT_ATLAS_URL:
		o->atlas_url = arg;
		return -1;
	case OPT_CAFILE:
		if (access(arg, R_OK) != 0) {
			return usage_error(err, "cannot read --ca-file '%s': %s", arg,
					   strerror(errno));
		}
		o->ca_file = arg;
		o->engine.ca_file = arg;
		return -1;
	case OPT_GLOBALPING:
		o->globalping = true;
		return -1;
	case OPT_GP_FROM:
		if (arg[0] == '\0' || strlen(arg) > 200) {
			return usage_error(err, "invalid --gp-from '%s'", arg);
		}
		o->gp_from = arg;
		o->globalping = true;
		return -1;
	case OPT_GP_LIMIT:
		if (!parse_uint(arg, 500, &u) || u == 0) {
			return usage_error(err, "invalid --gp-limit '%s' (1-500)", arg);
		}
		o->gp_limit = u;
		o->globalping = true;
		return -1;
	case OPT_GP_URL:
		o->gp_url = arg;
		return -1;
	case OPT_DOHGET:
		o->engine.doh_get = true;
		return -1;
	case OPT_ECS: {
		struct pt_ecs e, *v;

		if (pt_ecs_parse(&e, arg) != PT_OK) {
			return usage_error(err,
					   "invalid --ecs '%s' (a subnet like 192.0.2.0/24 or "
					   "2001:db8::/48)",
					   arg);
		}
		v = realloc(o->ecs, (o->necs + 1) * sizeof(*v));
		if (!v) {
			return usage_error(err, "%s", "out of memory");
		}
		v[o->necs++] = e;
		o->ecs = v;
		return -1;
	}
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
	if ((o->nto > 0 || o->nnew_ns > 0 || o->low_ttl > 0 || o->mta_sts_max_age_given ||
	     o->now_given) &&
	    !o->plan) {
		return usage_error(err, "%s",
				   "--to, --new-ns, --low-ttl, --mta-sts-max-age and --now go with "
				   "--plan");
	}
	if (o->plan && (o->format == PT_FORMAT_NDJSON || o->format == PT_FORMAT_CSV)) {
		return usage_error(err, "%s", "--plan prints text or, with --format json, JSON");
	}
	if (o->plan && (o->nto == 0 || o->diagnose || o->check_resolvers ||
			o->replay_path != NULL || o->once || o->until_converged)) {
		return usage_error(err, "%s",
				   o->nto == 0 ? "--plan needs the new MX records (--to RDATA)"
					       : "--plan goes with neither --diagnose, "
						 "--check-resolvers, --replay, --once nor "
						 "--until-converged");
	}
	if ((o->exec != NULL || o->notify) &&
	    (o->plan || o->diagnose || o->check_resolvers || o->replay_path != NULL)) {
		return usage_error(err, "%s",
				   "--exec and --notify go with the watching modes (not with "
				   "--plan, --diagnose, --check-resolvers or --replay)");
	}
	if (o->exec != NULL) {
		char **words = NULL;
		int n = pt_alert_split(&words, o->exec);

		pt_alert_argv_free(words);
		if (n <= 0) {
			return usage_error(
				err, "--exec '%s': %s", o->exec,
				n == 0 ? "needs a command"
				       : "an unterminated quote or a trailing backslash");
		}
	}
	if (o->replay_path != NULL) {
		/* the log names the domain, the type and the resolvers */
		if (o->diagnose || o->check_resolvers || o->until_converged ||
		    o->format == PT_FORMAT_NDJSON) {
			return usage_error(
				err, "%s",
				"--replay renders a log as the dashboard, or as text with "
				"--format table, json or csv");
		}
		if (optind < argc) {
			return usage_error(err,
					   "unexpected argument '%s' (--replay takes no DOMAIN)",
					   argv[optind]);
		}
		return -1;
	}
	if (pt_options_vantage(o) && (o->diagnose || o->check_resolvers)) {
		return usage_error(err, "%s",
				   "--atlas and --globalping results judge one name: not with "
				   "--diagnose or --check-resolvers");
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
	if (o->plan && o->qtype != PT_TYPE_MX) {
		return usage_error(err, "%s", "--plan plans an MX change (TYPE MX)");
	}
	if (o->plan && o->low_ttl == 0) {
		o->low_ttl = PT_PLAN_LOW_TTL;
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
	o->identity = true;
	o->quorum = PT_QUORUM_DEFAULT;
	o->follow_mx = -1;
	o->atlas_probes = 10;
	o->atlas_from_kind = "area";
	o->atlas_from_value = "WW";
	o->atlas_wait_s = 300;
	o->atlas_every_s = 300;
	o->gp_every_s = 300;
	o->gp_from = "world";
	o->gp_limit = 10;
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
	free(o->to);
	free(o->new_ns);
	free(o->ecs);
	memset(o, 0, sizeof(*o));
}

enum pt_mode pt_options_mode(const struct pt_options *o, bool stdout_tty)
{
	if (o->replay_path != NULL) {
		return PT_MODE_REPLAY;
	}
	if (o->plan) {
		return PT_MODE_PLAN;
	}
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

bool pt_options_vantage(const struct pt_options *o)
{
	return o->atlas_results != NULL || o->gp_results != NULL || o->atlas || o->globalping;
}
