#include "run_vantage.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atlas.h"
#include "clock.h"
#include "globalping.h"
#include "share.h"
#include "text.h"
#include "vantage.h"
#include "verdict.h"

/* Saved results larger than this are refused (a measurement of every Atlas probe is a few
 * megabytes). */
#define RESULTS_MAX (256u << 20)

typedef enum pt_status (*reader_fn)(const char *text, size_t len, const char *qname, uint16_t qtype,
				    pt_observation_fn fn, void *ctx, struct pt_vantage_report *rep);

static int feed_file(struct pt_vantage_set *vs, const char *opt, const char *path, reader_fn read,
		     const struct pt_inputs *in, uint16_t qtype, FILE *err)
{
	struct pt_vantage_report rep;
	enum pt_status rc;
	char *text;
	size_t len;

	memset(&rep, 0, sizeof(rep));
	rc = pt_vantage_read_file(path, RESULTS_MAX, &text, &len);
	if (rc != PT_OK) {
		fprintf(err, "proptrack: %s %s: %s\n", opt, path,
			rc == PT_ERR_IO	     ? strerror(errno)
			: rc == PT_ERR_PARSE ? "too large"
					     : pt_strerror(rc));
		return PT_EXIT_USAGE;
	}
	rc = read(text, len, in->domain, qtype, pt_vantage_observe_fn, vs, &rep);
	free(text);
	if (rc != PT_OK) {
		fprintf(err, "proptrack: %s %s: no JSON results in it\n", opt, path);
		return PT_EXIT_USAGE;
	}
	if (rep.malformed > 0) {
		fprintf(err, "proptrack: %s %s: %zu malformed entr%s skipped (first: %s)\n", opt,
			path, rep.malformed, rep.malformed == 1 ? "y" : "ies", rep.first_malformed);
	}
	if (rep.other_question > 0) {
		fprintf(err, "proptrack: %s %s: %zu result%s for another name or type skipped\n",
			opt, path, rep.other_question, rep.other_question == 1 ? "" : "s");
	}
	if (rep.offline > 0) {
		fprintf(err, "proptrack: %s %s: %zu probe%s offline or not finished: no answer\n",
			opt, path, rep.offline, rep.offline == 1 ? "" : "s");
	}
	if (rep.observations == 0) {
		fprintf(err, "proptrack: %s %s: no usable result for %s\n", opt, path, in->domain);
	}
	return -1;
}

/* Credits RIPE Atlas charges per result of a one-off UDP DNS measurement. */
#define ATLAS_CREDITS_PER_RESULT 10

/* The key: --atlas-key-file (its first line), else RIPE_ATLAS_KEY. Never printed. */
static bool atlas_key(char *key, size_t size, const struct pt_options *o, FILE *err)
{
	const char *env = getenv("RIPE_ATLAS_KEY");
	FILE *f;

	key[0] = '\0';
	if (o->atlas_key_file != NULL) {
		f = fopen(o->atlas_key_file, "r");
		if (f == NULL) {
			fprintf(err, "proptrack: --atlas-key-file %s: %s\n", o->atlas_key_file,
				strerror(errno));
			return false;
		}
		if (fgets(key, (int)size, f) == NULL) {
			key[0] = '\0';
		}
		fclose(f);
		key[strcspn(key, "\r\n \t")] = '\0';
	} else if (env != NULL) {
		snprintf(key, size, "%s", env);
	}
	if (key[0] == '\0') {
		fprintf(err, "proptrack: --atlas needs an API key: set RIPE_ATLAS_KEY or give "
			     "--atlas-key-file FILE (a key with the permission to create "
			     "measurements)\n");
		return false;
	}
	return true;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

struct pt_vantage_repeat;

static void say(struct pt_vantage_repeat *rp, FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct pt_vantage_repeat *rp, FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The Atlas probes' country and ASN, fetched once (the repeats ask the same probes). */
struct probe_meta {
	struct pt_atlas_probe *probes;
	size_t n;
	bool fetched;
};

/* An observation with its probe's country and ASN filled, then into the state. */
struct meta_feed {
	struct pt_vantage_set *vs;
	const struct probe_meta *meta;
};

static void observe_with_meta(void *ctx, const struct pt_resolver *r, const struct pt_reply *reply)
{
	const struct meta_feed *f = ctx;
	struct pt_resolver copy = *r;

	for (size_t i = 0; i < f->meta->n; i++) {
		const struct pt_atlas_probe *p = &f->meta->probes[i];

		if (p->id == r->vantage.probe_id) {
			if (copy.vantage.country[0] == '\0') {
				snprintf(copy.vantage.country, sizeof(copy.vantage.country), "%s",
					 p->country);
			}
			if (copy.vantage.asn == 0) {
				copy.vantage.asn = p->asn;
			}
			break;
		}
	}
	pt_vantage_observe_fn(f->vs, &copy, reply);
}

/* Fetch the metadata of the probes in @p body once. */
static void fetch_meta(struct probe_meta *meta, const struct pt_atlas_config *c, const char *body,
		       size_t len, struct pt_vantage_repeat *rp, FILE *err)
{
	uint64_t *ids;
	size_t n;
	char why[400];

	if (meta->fetched) {
		return;
	}
	meta->fetched = true;
	ids = calloc(c->probes > 0 ? c->probes : 1, sizeof(*ids));
	if (ids == NULL) {
		return;
	}
	n = pt_atlas_probe_ids(body, len, c->qname, c->qtype, ids, c->probes);
	meta->probes = n > 0 ? calloc(n, sizeof(*meta->probes)) : NULL;
	if (meta->probes != NULL &&
	    pt_atlas_fetch_probes(c, ids, n, meta->probes, &meta->n, why, sizeof(why)) != PT_OK) {
		warn(rp, err, "proptrack: RIPE Atlas probes' country and ASN: %s\n", why);
	}
	free(ids);
}

/* Lines kept for the dashboard's message line (the oldest goes first when more come), and
 * how long each is shown before the next is handed out. */
#define MSGS_MAX 8
#define MSG_PACE_NS (2 * PT_NS_PER_S)

/* The repeats of a watching run (--atlas-every, --gp-every): one thread of their own, which
 * owns the vantage set once started; stopped by pt_vantage_repeat_stop(). */
struct pt_vantage_repeat {
	pthread_t thread;
	bool started, joined;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	/* set with stop: ends an HTTPS request in flight (quitting never waits for its timeout) */
	atomic_bool cancel;
	struct pt_vantage_set *vs;
	const struct pt_options *o;
	char qname[256];
	/* where the messages go; NULL in the dashboard (they would tear its screen) */
	FILE *err;
	/* the first measurements: their probes are asked again (0 / "": none) */
	uint64_t atlas_msm;
	char gp_id[80];
	/* the dashboard: the first measurements' results are collected here too, so that it
	 * appears at once */
	bool atlas_first, gp_first;
	char key[256];
	/* the Atlas probes' metadata, fetched with the first results */
	struct probe_meta meta;
	/* the state, for the Globalping rate limit */
	struct pt_state *state;
	/* the Globalping rate limit as last reported */
	struct pt_vantage_limits gp_limits;
	/* the dashboard's message line: the lines said (under lock), oldest first, handed out
	 * one at a time (MSG_PACE_NS apart) */
	struct {
		char text[256];
		bool error;
	} msgs[MSGS_MAX];
	size_t msg_first, nmsgs;
	uint64_t msg_given_ns;
};

/* A line for the user: on @p err, or without one (the dashboard) into @p rp's message
 * lines (without the "proptrack: " and the newline); @p error: it says something failed. */
static void vsay(struct pt_vantage_repeat *rp, FILE *err, bool error, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void vsay(struct pt_vantage_repeat *rp, FILE *err, bool error, const char *fmt, va_list ap)
{
	char line[256];
	const char *p = line;
	size_t at;

	if (err != NULL) {
		vfprintf(err, fmt, ap);
		fflush(err);
		return;
	}
	if (rp == NULL) {
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strncmp(p, "proptrack: ", 11) == 0) {
		p += 11;
	}
	pthread_mutex_lock(&rp->lock);
	if (rp->nmsgs == MSGS_MAX) {
		rp->msg_first = (rp->msg_first + 1) % MSGS_MAX;
		rp->nmsgs--;
	}
	at = (rp->msg_first + rp->nmsgs++) % MSGS_MAX;
	snprintf(rp->msgs[at].text, sizeof(rp->msgs[at].text), "%.*s", (int)strcspn(p, "\n"), p);
	rp->msgs[at].error = error;
	pthread_mutex_unlock(&rp->lock);
	/* the dashboard looks at its next wake-up */
	if (rp->state != NULL) {
		pt_state_wake(rp->state);
	}
}

static void say(struct pt_vantage_repeat *rp, FILE *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(rp, err, false, fmt, ap);
	va_end(ap);
}

/* say() what went wrong */
static void warn(struct pt_vantage_repeat *rp, FILE *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(rp, err, true, fmt, ap);
	va_end(ap);
}

bool pt_vantage_repeat_message(struct pt_session *s, char *msg, size_t size, bool *error)
{
	struct pt_vantage_repeat *rp = s->repeat;
	uint64_t now = pt_clock_monotonic();
	bool got = false;

	if (rp == NULL) {
		return false;
	}
	pthread_mutex_lock(&rp->lock);
	if (rp->nmsgs > 0 && (rp->msg_given_ns == 0 || now - rp->msg_given_ns >= MSG_PACE_NS)) {
		snprintf(msg, size, "%s", rp->msgs[rp->msg_first].text);
		*error = rp->msgs[rp->msg_first].error;
		rp->msg_first = (rp->msg_first + 1) % MSGS_MAX;
		rp->nmsgs--;
		rp->msg_given_ns = now;
		got = true;
	}
	pthread_mutex_unlock(&rp->lock);
	return got;
}

/* Wait @p ms (a repeat's wait ends early when it is stopped). @return false when stopped. */
static bool pause_ms(struct pt_vantage_repeat *rp, unsigned ms)
{
	struct timespec until;
	bool go;

	if (rp == NULL) {
		sleep_ms(ms);
		return true;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&rp->lock);
	while (!rp->stop && pthread_cond_timedwait(&rp->cond, &rp->lock, &until) == 0) {
	}
	go = !rp->stop;
	pthread_mutex_unlock(&rp->lock);
	return go;
}

static unsigned env_ms(const char *name, unsigned dflt)
{
	const char *v = getenv(name);

	return v != NULL ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

static void atlas_config(struct pt_atlas_config *c, const struct pt_options *o, const char *qname,
			 const char *key)
{
	const char *env_url = getenv("PT_ATLAS_URL");

	*c = (struct pt_atlas_config){
		.base_url = o->atlas_url != NULL ? o->atlas_url
			    : env_url != NULL	 ? env_url
						 : "https://atlas.ripe.net",
		.key = key,
		.ca_file = o->ca_file,
		.qname = qname,
		.qtype = o->qtype,
		.probes = o->atlas_probes,
		.from_kind = o->atlas_from_kind,
		.from_value = o->atlas_from_value,
	};
}

/* Poll Atlas measurement @p msm until every probe reported or --atlas-wait passed, and feed
 * the last results into the state (@p seen: the observations, may be NULL). @return false
 * when a repeat was stopped meanwhile. */
static bool atlas_collect(struct pt_vantage_set *vs, const struct pt_atlas_config *c, uint64_t msm,
			  double wait_s, struct pt_vantage_repeat *rp, struct probe_meta *meta,
			  FILE *err, size_t *seen)
{
	struct meta_feed feed = { .vs = vs, .meta = meta };
	unsigned poll_ms = env_ms("PT_ATLAS_POLL_MS", 5000);
	uint64_t start = pt_clock_monotonic();
	struct pt_vantage_report rep;
	char *body = NULL, why[400];
	size_t len = 0, have = 0;
	enum pt_status rc;
	bool go = true;

	while (have < c->probes) {
		char *next;
		size_t nlen;

		if ((double)(pt_clock_monotonic() - start) / 1e9 >= wait_s) {
			warn(rp, err,
			     "proptrack: RIPE Atlas measurement %llu: %zu of %u probes reported "
			     "within --atlas-wait\n",
			     (unsigned long long)msm, have, c->probes);
			break;
		}
		if (!pause_ms(rp, poll_ms)) {
			go = false;
			break;
		}
		rc = pt_atlas_fetch_results(c, msm, &next, &nlen, why, sizeof(why));
		if (rc != PT_OK) {
			warn(rp, err, "proptrack: RIPE Atlas measurement %llu: results: %s\n",
			     (unsigned long long)msm, why);
			continue;
		}
		free(body);
		body = next;
		len = nlen;
		have = pt_atlas_count_probes(body, len, c->qname, c->qtype);
	}
	if (body == NULL || !go) {
		free(body);
		return go;
	}
	fetch_meta(meta, c, body, len, rp, err);
	memset(&rep, 0, sizeof(rep));
	if (pt_atlas_read(body, len, c->qname, c->qtype, observe_with_meta, &feed, &rep) != PT_OK) {
		warn(rp, err, "proptrack: RIPE Atlas measurement %llu: the results are not JSON\n",
		     (unsigned long long)msm);
	} else if (rep.malformed > 0) {
		warn(rp, err,
		     "proptrack: RIPE Atlas measurement %llu: %zu malformed entr%s skipped "
		     "(first: %s)\n",
		     (unsigned long long)msm, rep.malformed, rep.malformed == 1 ? "y" : "ies",
		     rep.first_malformed);
	}
	if (seen != NULL) {
		*seen = rep.observations;
	}
	free(body);
	return true;
}

/* --atlas: create the measurement, poll its results until every probe reported or
 * --atlas-wait passed, and feed the last results into the state; @p later (the dashboard):
 * the repeats' thread collects them, and the message line says it waits. */
static int feed_atlas(struct pt_vantage_set *vs, const struct pt_options *o,
		      const struct pt_inputs *in, struct pt_vantage_repeat *rp, bool later,
		      FILE *err)
{
	char key[256], why[400];
	struct pt_atlas_config c;
	enum pt_status rc;
	uint64_t msm;

	if (!atlas_key(key, sizeof(key), o, err)) {
		return PT_EXIT_USAGE;
	}
	atlas_config(&c, o, in->domain, key);
	rc = pt_atlas_create(&c, &msm, why, sizeof(why));
	if (rc != PT_OK) {
		memset(key, 0, sizeof(key));
		fprintf(err, "proptrack: --atlas: %s: %s\n",
			rc == PT_ERR_DNS ? "the measurement was refused"
					 : "cannot create the measurement",
			why);
		return PT_EXIT_USAGE;
	}
	fprintf(err,
		"proptrack: RIPE Atlas measurement %llu: %u probe%s (%s:%s), about %u credits\n",
		(unsigned long long)msm, c.probes, c.probes == 1 ? "" : "s", c.from_kind,
		c.from_value, c.probes * ATLAS_CREDITS_PER_RESULT);
	struct probe_meta local = { 0 };

	if (later && rp != NULL) {
		rp->atlas_first = true;
		say(rp, NULL,
		    "RIPE Atlas: measurement %llu created (about %u credits), waiting for %u "
		    "probe%s...",
		    (unsigned long long)msm, c.probes * ATLAS_CREDITS_PER_RESULT, c.probes,
		    c.probes == 1 ? "" : "s");
	} else {
		atlas_collect(vs, &c, msm, o->atlas_wait_s, NULL, rp != NULL ? &rp->meta : &local,
			      err, NULL);
	}
	free(local.probes);
	if (rp != NULL) {
		rp->atlas_msm = msm;
		snprintf(rp->key, sizeof(rp->key), "%s", key);
	}
	memset(key, 0, sizeof(key));
	return -1;
}

/* How long --globalping waits for every probe (a DNS measurement takes seconds). */
#define GP_WAIT_S 120

static void gp_config(struct pt_globalping_config *c, const struct pt_options *o, const char *qname)
{
	const char *env_url = getenv("PT_GLOBALPING_URL");
	bool rerun = strncmp(o->gp_from, "msm:", 4) == 0;

	*c = (struct pt_globalping_config){
		.base_url = o->gp_url != NULL ? o->gp_url
			    : env_url != NULL ? env_url
					      : "https://api.globalping.io",
		.token = getenv("GLOBALPING_TOKEN"),
		.ca_file = o->ca_file,
		.qname = qname,
		.qtype = o->qtype,
		.location = rerun ? o->gp_from + 4 : o->gp_from,
		.rerun = rerun,
		.limit = o->gp_limit,
	};
}

/* Poll Globalping measurement @p id (500 ms after each answer, with its ETag) until it is no
 * longer in progress, and feed it into the state. @return false when a repeat was stopped. */
static bool gp_collect(struct pt_vantage_set *vs, const struct pt_globalping_config *c,
		       const char *id, struct pt_vantage_repeat *rp, FILE *err, size_t *seen)
{
	unsigned poll_ms = env_ms("PT_GLOBALPING_POLL_MS", 500);
	uint64_t start = pt_clock_monotonic();
	char why[400], etag[200] = "";
	struct pt_vantage_report rep;
	bool finished = false, go = true;
	char *body = NULL;
	size_t len = 0;
	enum pt_status rc;

	while (!finished) {
		char *next;
		size_t nlen;

		if ((double)(pt_clock_monotonic() - start) / 1e9 >= GP_WAIT_S) {
			warn(rp, err,
			     "proptrack: Globalping measurement %s: still in progress after "
			     "%d s\n",
			     id, GP_WAIT_S);
			break;
		}
		if (!pause_ms(rp, poll_ms)) {
			go = false;
			break;
		}
		rc = pt_globalping_fetch(c, id, etag, sizeof(etag), &next, &nlen, &finished, why,
					 sizeof(why));
		if (rc != PT_OK) {
			warn(rp, err, "proptrack: Globalping measurement %s: %s\n", id, why);
			continue;
		}
		if (next != NULL) {
			free(body);
			body = next;
			len = nlen;
		}
	}
	if (body == NULL || !go) {
		free(body);
		return go;
	}
	memset(&rep, 0, sizeof(rep));
	if (pt_globalping_read(body, len, c->qname, c->qtype, pt_vantage_observe_fn, vs, &rep) !=
	    PT_OK) {
		warn(rp, err, "proptrack: Globalping measurement %s: not JSON\n", id);
	} else if (rep.offline > 0 || rep.malformed > 0) {
		warn(rp, err,
		     "proptrack: Globalping measurement %s: %zu probe%s offline or not "
		     "finished, "
		     "%zu malformed\n",
		     id, rep.offline, rep.offline == 1 ? "" : "s", rep.malformed);
	}
	if (seen != NULL) {
		*seen = rep.observations;
	}
	free(body);
	return true;
}

/* The Globalping rate limit @p l into @p last and the state (the JSON output's
 * globalping_limits). A creation's headers say no type and no credits: the last /v1/limits
 * answer's stay. */
static void gp_limits_keep(struct pt_state *st, struct pt_vantage_limits *last,
			   const struct pt_vantage_limits *l, bool from_headers)
{
	struct pt_vantage_limits m = *l;

	if (!l->known) {
		return;
	}
	if (from_headers) {
		snprintf(m.type, sizeof(m.type), "%s", last->type);
		m.has_credits = last->has_credits;
		m.credits = last->credits;
	}
	*last = m;
	pt_state_set_globalping_limits(st, &m);
}

/* Before a measurement: GET /v1/limits, said and kept. A failure or an answer of another
 * shape is said and ignored (the measurement goes ahead; a 429 would still be said).
 * @return false when no measurement is left (and no credits): do not ask for one. */
static bool gp_limits_allow(const struct pt_globalping_config *c, struct pt_state *st,
			    struct pt_vantage_limits *last, struct pt_vantage_repeat *rp, FILE *err)
{
	struct pt_vantage_limits l;
	char why[400], text[200];

	if (pt_globalping_limits(c, &l, why, sizeof(why)) != PT_OK) {
		warn(rp, err,
		     "proptrack: Globalping: the rate limits are not known (%s); going ahead\n",
		     why);
		return true;
	}
	gp_limits_keep(st, last, &l, false);
	say(rp, err, "proptrack: Globalping: %s\n", pt_vantage_limits_text(text, sizeof(text), &l));
	return !pt_vantage_limits_exhausted(&l);
}

/* Ask Globalping's rate limit (GET /v1/limits) into @p last, said on the dashboard's message
 * line when @p later; none left: said, and the exit status. @return -1 to go ahead. */
static int gp_check(struct pt_session *s, const struct pt_globalping_config *c,
		    struct pt_vantage_limits *last, struct pt_vantage_repeat *rp, bool later,
		    FILE *err)
{
	char d[16];

	if (!gp_limits_allow(c, s->state, last, later ? rp : NULL, later ? NULL : err)) {
		fprintf(err,
			"proptrack: --globalping: no measurement left within the rate limit; it "
			"resets in %s: try again then\n",
			pt_text_duration(d, sizeof(d), last->reset_s));
		return PT_EXIT_USAGE;
	}
	return -1;
}

/* With --atlas too: the rate limit asked (into @p last) before the Atlas measurement is
 * created. */
static int gp_precheck(struct pt_session *s, const struct pt_options *o, const struct pt_inputs *in,
		       struct pt_vantage_limits *last, struct pt_vantage_repeat *rp, bool later,
		       FILE *err)
{
	struct pt_globalping_config c;

	gp_config(&c, o, in->domain);
	return gp_check(s, &c, last, rp, later && rp != NULL, err);
}

/* --globalping: ask the rate limits (unless @p checked: gp_precheck() asked them), create the
 * measurement, poll it until it is no longer in progress, and feed it into the state;
 * @p later (the dashboard): the repeats' thread collects it, and the message line says the
 * limits and that it waits. */
static int feed_globalping(struct pt_session *s, const struct pt_options *o,
			   const struct pt_inputs *in, struct pt_vantage_repeat *rp,
			   const struct pt_vantage_limits *checked, bool later, FILE *err)
{
	struct pt_globalping_config c;
	struct pt_vantage_limits last = { 0 }, hl;
	char id[80], text[200], why[400];
	enum pt_status rc;
	int st;

	later = later && rp != NULL;
	gp_config(&c, o, in->domain);
	if (checked != NULL) {
		last = *checked;
	} else if ((st = gp_check(s, &c, &last, rp, later, err)) >= 0) {
		return st;
	}
	rc = pt_globalping_create(&c, id, sizeof(id), &hl, why, sizeof(why));
	gp_limits_keep(s->state, &last, &hl, true);
	if (rc != PT_OK) {
		if (hl.known) {
			fprintf(err, "proptrack: Globalping: %s\n",
				pt_vantage_limits_text(text, sizeof(text), &last));
		}
		fprintf(err, "proptrack: --globalping: %s: %s\n",
			rc == PT_ERR_DNS ? "the measurement was refused"
					 : "cannot create the measurement",
			why);
		return PT_EXIT_USAGE;
	}
	fprintf(err, "proptrack: Globalping measurement %s: %s%s\n", id,
		c.rerun ? "the probes of " : "", c.location);
	if (later) {
		rp->gp_first = true;
		if (c.rerun) {
			say(rp, NULL,
			    "Globalping: measurement %s created, waiting for the probes of %s...",
			    id, c.location);
		} else {
			say(rp, NULL,
			    "Globalping: measurement %s created, waiting for %u probe%s...", id,
			    c.limit, c.limit == 1 ? "" : "s");
		}
	} else {
		gp_collect(s->vantage, &c, id, NULL, err, NULL);
	}
	if (rp != NULL) {
		snprintf(rp->gp_id, sizeof(rp->gp_id), "%s", id);
		rp->gp_limits = last;
	}
	return -1;
}

/* One repeat of the Atlas measurement on its first probes (a new one-off measurement, probe
 * source msm). @return false when stopped. */
static bool repeat_atlas(struct pt_vantage_repeat *rp, unsigned n)
{
	struct pt_atlas_config c;
	char first[24], why[400];
	enum pt_status rc;
	uint64_t msm;

	atlas_config(&c, rp->o, rp->qname, rp->key);
	c.cancel = &rp->cancel;
	snprintf(first, sizeof(first), "%llu", (unsigned long long)rp->atlas_msm);
	c.from_kind = "msm";
	c.from_value = first;
	rc = pt_atlas_create(&c, &msm, why, sizeof(why));
	if (rc != PT_OK) {
		warn(rp, rp->err, "proptrack: RIPE Atlas repeat %u: %s: %s\n", n,
		     rc == PT_ERR_DNS ? "refused" : "cannot create the measurement", why);
		return true;
	}
	say(rp, rp->err,
	    "proptrack: RIPE Atlas repeat %u: measurement %llu on the probes of %s, about %u "
	    "credits\n",
	    n, (unsigned long long)msm, first, c.probes * ATLAS_CREDITS_PER_RESULT);
	return atlas_collect(rp->vs, &c, msm, rp->o->atlas_wait_s, rp, &rp->meta, rp->err, NULL);
}

/* One repeat of the Globalping measurement on its first probes (locations = its id), unless
 * the rate limit has none left: then it is skipped, and @p skip_s says for how long.
 * @return false when stopped. */
static bool repeat_gp(struct pt_vantage_repeat *rp, unsigned n, double *skip_s)
{
	struct pt_globalping_config c;
	struct pt_vantage_limits hl;
	char id[80], text[200], d[16], why[400];
	enum pt_status rc;

	*skip_s = 0;
	gp_config(&c, rp->o, rp->qname);
	c.cancel = &rp->cancel;
	c.location = rp->gp_id;
	c.rerun = true;
	if (!gp_limits_allow(&c, rp->state, &rp->gp_limits, rp, rp->err)) {
		warn(rp, rp->err,
		     "proptrack: Globalping repeat %u skipped: no measurement left within the rate "
		     "limit; it resets in %s\n",
		     n, pt_text_duration(d, sizeof(d), rp->gp_limits.reset_s));
		*skip_s = (double)rp->gp_limits.reset_s;
		return true;
	}
	rc = pt_globalping_create(&c, id, sizeof(id), &hl, why, sizeof(why));
	gp_limits_keep(rp->state, &rp->gp_limits, &hl, true);
	if (rc != PT_OK) {
		warn(rp, rp->err, "proptrack: Globalping repeat %u: %s: %s\n", n,
		     rc == PT_ERR_DNS ? "refused" : "cannot create the measurement", why);
		return true;
	}
	say(rp, rp->err,
	    "proptrack: Globalping repeat %u: measurement %s on the probes of %s%s%s\n", n, id,
	    rp->gp_id, hl.known ? ", " : "",
	    hl.known ? pt_vantage_limits_text(text, sizeof(text), &rp->gp_limits) : "");
	return gp_collect(rp->vs, &c, id, rp, rp->err, NULL);
}

/* The dashboard: collect the first measurements' results here (Globalping's first: they
 * take seconds, Atlas's minutes). @return false when stopped. */
static bool collect_first(struct pt_vantage_repeat *rp)
{
	size_t seen = 0;

	if (rp->gp_first) {
		struct pt_globalping_config c;

		rp->gp_first = false;
		gp_config(&c, rp->o, rp->qname);
		c.cancel = &rp->cancel;
		if (!gp_collect(rp->vs, &c, rp->gp_id, rp, rp->err, &seen)) {
			return false;
		}
		say(rp, rp->err, "Globalping measurement %s: results in (%zu row%s)", rp->gp_id,
		    seen, seen == 1 ? "" : "s");
	}
	if (rp->atlas_first) {
		struct pt_atlas_config c;

		rp->atlas_first = false;
		atlas_config(&c, rp->o, rp->qname, rp->key);
		c.cancel = &rp->cancel;
		if (!atlas_collect(rp->vs, &c, rp->atlas_msm, rp->o->atlas_wait_s, rp, &rp->meta,
				   rp->err, &seen)) {
			return false;
		}
		say(rp, rp->err, "RIPE Atlas measurement %llu: results in (%zu row%s)",
		    (unsigned long long)rp->atlas_msm, seen, seen == 1 ? "" : "s");
	}
	return true;
}

static double now_s(void)
{
	return (double)pt_clock_monotonic() / 1e9;
}

static void *repeat_main(void *arg)
{
	struct pt_vantage_repeat *rp = arg;
	double next_atlas = now_s() + rp->o->atlas_every_s;
	double next_gp = now_s() + rp->o->gp_every_s;
	unsigned n_atlas = 0, n_gp = 0;

	if (!collect_first(rp)) {
		return NULL;
	}
	for (;;) {
		double now = now_s(), next = 1e300;

		if (rp->atlas_msm != 0 && now >= next_atlas) {
			/* paced from each repeat's start: never more often than --atlas-every */
			next_atlas = now + rp->o->atlas_every_s;
			if (!repeat_atlas(rp, ++n_atlas)) {
				break;
			}
			continue;
		}
		if (rp->gp_id[0] != '\0' && now >= next_gp) {
			double skip_s;

			next_gp = now + rp->o->gp_every_s;
			if (!repeat_gp(rp, ++n_gp, &skip_s)) {
				break;
			}
			/* skipped for the rate limit: not before it resets */
			if (now + skip_s > next_gp) {
				next_gp = now + skip_s;
			}
			continue;
		}
		if (rp->atlas_msm != 0) {
			next = next_atlas;
		}
		if (rp->gp_id[0] != '\0' && next_gp < next) {
			next = next_gp;
		}
		if (!pause_ms(rp, (unsigned)((next - now) * 1000.0) + 1)) {
			break;
		}
	}
	return NULL;
}

int pt_vantage_repeat_start(struct pt_session *s, bool once, bool dashboard, FILE *err)
{
	struct pt_vantage_repeat *rp = s->repeat;
	int rc;

	if (rp == NULL) {
		return -1;
	}
	if (once || (rp->atlas_msm == 0 && rp->gp_id[0] == '\0')) {
		pt_vantage_repeat_free(s);
		return -1;
	}
	rp->err = dashboard ? NULL : err;
	rc = pt_thread_start(&rp->thread, NULL, repeat_main, rp);
	if (rc != 0) {
		fprintf(err, "proptrack: cannot start the vantage repeat thread\n");
		pt_vantage_repeat_free(s);
		return PT_EXIT_USAGE;
	}
	rp->started = true;
	return -1;
}

void pt_vantage_repeat_stop(struct pt_session *s)
{
	struct pt_vantage_repeat *rp = s->repeat;

	if (rp == NULL || !rp->started || rp->joined) {
		return;
	}
	pthread_mutex_lock(&rp->lock);
	rp->stop = true;
	atomic_store(&rp->cancel, true);
	pthread_cond_broadcast(&rp->cond);
	pthread_mutex_unlock(&rp->lock);
	pthread_join(rp->thread, NULL);
	rp->joined = true;
}

void pt_vantage_repeat_free(struct pt_session *s)
{
	struct pt_vantage_repeat *rp = s->repeat;

	if (rp == NULL) {
		return;
	}
	pt_vantage_repeat_stop(s);
	pthread_cond_destroy(&rp->cond);
	pthread_mutex_destroy(&rp->lock);
	memset(rp->key, 0, sizeof(rp->key));
	free(rp->meta.probes);
	free(rp);
	s->repeat = NULL;
}

static struct pt_vantage_repeat *repeat_new(struct pt_session *s, const struct pt_options *o,
					    const struct pt_inputs *in)
{
	struct pt_vantage_repeat *rp = calloc(1, sizeof(*rp));

	if (rp == NULL) {
		return NULL;
	}
	pthread_mutex_init(&rp->lock, NULL);
	pthread_cond_init(&rp->cond, NULL);
	rp->vs = s->vantage;
	rp->state = s->state;
	rp->o = o;
	snprintf(rp->qname, sizeof(rp->qname), "%s", in->domain);
	return rp;
}

int pt_vantage_feed(struct pt_session *s, const struct pt_options *o, const struct pt_inputs *in,
		    bool dashboard, FILE *err)
{
	int st = -1;
	struct pt_vantage_limits gp_limits = { 0 };

	if (!pt_options_vantage(o)) {
		return -1;
	}
	/* the probe rows come after the local resolvers' ids (the driver's are 0..n-1) */
	s->vantage = pt_vantage_set_new(s->state, pt_resolvers_count(in->list));
	if (s->vantage == NULL) {
		fprintf(err, "proptrack: out of memory\n");
		return PT_EXIT_USAGE;
	}
	if (o->atlas_results != NULL) {
		st = feed_file(s->vantage, "--atlas-results", o->atlas_results, pt_atlas_read, in,
			       o->qtype, err);
	}
	if (st < 0 && o->gp_results != NULL) {
		st = feed_file(s->vantage, "--globalping-results", o->gp_results,
			       pt_globalping_read, in, o->qtype, err);
	}
	if ((o->atlas || o->globalping) && s->repeat == NULL) {
		s->repeat = repeat_new(s, o, in);
	}
	/* both: Globalping's rate limit first, so that a refusal there costs no Atlas credits */
	if (st < 0 && o->atlas && o->globalping) {
		st = gp_precheck(s, o, in, &gp_limits, s->repeat, dashboard, err);
	}
	if (st < 0 && o->atlas) {
		st = feed_atlas(s->vantage, o, in, s->repeat, dashboard, err);
	}
	if (st < 0 && o->globalping) {
		st = feed_globalping(s, o, in, s->repeat, o->atlas ? &gp_limits : NULL, dashboard,
				     err);
	}
	if (st < 0 && pt_vantage_set_failures(s->vantage) > 0) {
		fprintf(err, "proptrack: out of memory: %zu observations lost\n",
			pt_vantage_set_failures(s->vantage));
	}
	return st;
}
