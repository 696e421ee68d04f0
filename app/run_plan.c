#include "run_plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "dns.h"
#include "engine.h"
#include "mtasts.h"
#include "mtasts_fetch.h"
#include "output_plan.h"
#include "plan.h"
#include "truth.h"
#include "verdict.h"

/* A list of owned strings. */
struct strv {
	char **v;
	size_t n;
};

static void strv_fini(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i]);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* --to values as MX RDATA, --new-ns values as names, normalised like the truth's. */
static int normalise_all(struct strv *out, const char **v, size_t n, bool names)
{
	out->v = calloc(n ? n : 1, sizeof(char *));
	if (out->v == NULL) {
		fprintf(stderr, "proptrack: out of memory\n");
		return PT_EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++) {
		char name[256], *norm = NULL;
		enum pt_status st;

		if (names) {
			st = pt_name_normalise(name, sizeof(name), v[i]);
			norm = st == PT_OK ? strdup(name) : NULL;
			st = st == PT_OK && norm == NULL ? PT_ERR_NOMEM : st;
		} else {
			st = pt_rdata_normalise(&norm, PT_TYPE_MX, v[i]);
		}
		if (st != PT_OK) {
			fprintf(stderr, "proptrack: %s '%s' is not %s\n",
				names ? "--new-ns" : "--to", v[i],
				names ? "a valid host name" : "valid MX data");
			return PT_EXIT_USAGE;
		}
		out->v[out->n++] = norm;
	}
	out->n = pt_strv_sort_unique_n(out->v, out->n);
	return -1;
}

/* The same sorted sets (pt_answer_same() compares them). */
static bool same_set(char *const *a, size_t na, char *const *b, size_t nb)
{
	struct pt_answer x = { .kind = PT_ANSWER_DATA,
			       .rdata = (char **)(uintptr_t)a,
			       .count = na };
	struct pt_answer y = { .kind = PT_ANSWER_DATA,
			       .rdata = (char **)(uintptr_t)b,
			       .count = nb };

	return pt_answer_same(&x, &y);
}

/* An MTA-STS policy is announced by a TXT record at _mta-sts.DOMAIN starting "v=STSv1"
 * (RFC 8461 §3.1). Its max_age and mx lines need the policy itself: sts_policy() below
 * fetches it; --mta-sts-max-age overrides its max_age. */
static bool mta_sts_published(const struct pt_answer *a)
{
	for (size_t i = 0; a->kind == PT_ANSWER_DATA && i < a->count; i++) {
		const char *s = a->rdata[i];

		s += *s == '"';
		if (strncasecmp(s, "v=STSv1", 7) == 0) {
			return true;
		}
	}
	return false;
}

/* The truth for @p name / @p qtype, from the zone's servers (or --auth). */
static enum pt_status find(struct pt_truth *t, const struct pt_net *net, const struct pt_inputs *in,
			   const struct pt_resolver *via, size_t nvia, const char *name,
			   uint16_t qtype)
{
	struct pt_truth_config cfg = {
		.auth = in->auth,
		.nauth = in->nauth,
		.auth_port = PT_DNS_PORT,
	};
	struct pt_truth_cache *c = pt_truth_cache_new();
	enum pt_status st = c != NULL ? PT_OK : PT_ERR_NOMEM;

	memset(t, 0, sizeof(*t));
	if (st == PT_OK) {
		st = pt_truth_find(t, net, c, &cfg, via, nvia, name, qtype, pt_clock_monotonic());
	}
	pt_truth_cache_free(c);
	return st;
}

/* The policy of a domain that publishes an _mta-sts TXT record: the address of
 * mta-sts.DOMAIN from the zone's servers, the policy fetched from it (src/mtasts_fetch.c,
 * --ca-file honoured) and parsed (src/mtasts.c). False with @p why when it cannot be read. */
static bool sts_policy(struct pt_mtasts_policy *pol, char *why, size_t whysize,
		       const struct pt_options *o, const struct pt_net *net,
		       const struct pt_inputs *in, const struct pt_resolver *via, size_t nvia)
{
	char name[300], pwhy[200];
	struct pt_http_response resp;
	struct pt_truth a;
	bool ok = false;

	memset(&a, 0, sizeof(a));
	snprintf(name, sizeof(name), "mta-sts.%s", in->domain);
	if (strlen(name) >= 256) {
		snprintf(why, whysize, "the name %s is too long", name);
		return false;
	}
	if (find(&a, net, in, via, nvia, name, PT_TYPE_A) != PT_OK) {
		snprintf(why, whysize, "out of memory");
	} else if (a.answer.kind != PT_ANSWER_DATA || a.answer.count == 0) {
		snprintf(why, whysize, "%s has no address (A) at the zone's servers", name);
	} else if (pt_mtasts_fetch(in->domain, a.answer.rdata[0], o->ca_file, 5000,
				   PT_MTASTS_MAX_BODY, &resp) != PT_OK) {
		snprintf(why, whysize, "the policy at %s could not be fetched: %s",
			 a.answer.rdata[0], resp.error);
		pt_http_response_fini(&resp);
	} else {
		if (resp.status != 200) {
			snprintf(why, whysize, "the policy at %s answered HTTP %ld, not 200",
				 a.answer.rdata[0], resp.status);
		} else if (!pt_mtasts_parse(resp.body, pol, pwhy, sizeof(pwhy))) {
			snprintf(why, whysize, "the policy is not valid: %s", pwhy);
		} else {
			ok = true;
		}
		pt_http_response_fini(&resp);
	}
	pt_truth_fini(&a);
	return ok;
}

/* The --to hosts (MX RDATA "PREF HOST") that no mx pattern of @p pol matches. */
static int sts_unmatched(struct strv *out, const struct strv *to,
			 const struct pt_mtasts_policy *pol)
{
	out->v = calloc(to->n ? to->n : 1, sizeof(char *));
	if (out->v == NULL) {
		return -1;
	}
	for (size_t i = 0; i < to->n; i++) {
		const char *host = strchr(to->v[i], ' ');

		host = host != NULL ? host + 1 : to->v[i];
		if (pt_mtasts_policy_match(pol, host) < 0 &&
		    (out->v[out->n] = strdup(host)) != NULL) {
			out->n++;
		}
	}
	return 0;
}

int pt_run_plan(const struct pt_options *o, const struct pt_inputs *in)
{
	struct pt_engine *engine = NULL;
	struct pt_resolver *via = NULL;
	struct pt_truth mx, sts;
	struct strv to = { 0 }, new_ns = { 0 }, unmatched = { 0 };
	struct pt_mtasts_policy *pol = NULL;
	struct pt_plan_report r;
	char sts_why[600] = "";
	char sts_name[300];
	size_t nvia;
	struct pt_net net;
	int status;

	memset(&mx, 0, sizeof(mx));
	memset(&sts, 0, sizeof(sts));
	status = normalise_all(&to, o->to, o->nto, false);
	if (status < 0) {
		status = normalise_all(&new_ns, o->new_ns, o->nnew_ns, true);
	}
	if (status >= 0) {
		goto out;
	}
	status = PT_EXIT_NOT_CONVERGED;
	nvia = pt_inputs_resolvers(in, &via);
	engine = pt_engine_new(&o->engine, NULL);
	if (engine == NULL || via == NULL) {
		fprintf(stderr, "proptrack: cannot start: %s\n", strerror(errno));
		goto out;
	}
	net = pt_engine_net(engine);
	snprintf(sts_name, sizeof(sts_name), "_mta-sts.%s", in->domain);
	if (find(&mx, &net, in, via, nvia, in->domain, PT_TYPE_MX) != PT_OK ||
	    (strlen(sts_name) < 256 &&
	     find(&sts, &net, in, via, nvia, sts_name, PT_TYPE_TXT) != PT_OK)) {
		fprintf(stderr, "proptrack: out of memory\n");
		goto out;
	}
	if (mx.source != PT_TRUTH_AUTHORITATIVE || !mx.answer.has_ttl) {
		fprintf(stderr,
			"proptrack: --plan: no authoritative server of %s answered for its MX: the "
			"current TTL is not known\n",
			in->domain);
		goto out;
	}
	if (new_ns.n > 0 && !mx.delegation_known) {
		fprintf(stderr,
			"proptrack: --plan --new-ns: the delegation of %s (its NS TTL at the "
			"parent) could not be read%s\n",
			mx.zone[0] ? mx.zone : in->domain,
			in->nauth > 0 ? " (--auth gives no parent)" : "");
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.domain = in->domain;
	r.current = mx.answer.kind == PT_ANSWER_DATA ? mx.answer.rdata : NULL;
	r.ncurrent = mx.answer.kind == PT_ANSWER_DATA ? mx.answer.count : 0;
	r.to = to.v;
	r.nto = to.n;
	r.ns = mx.delegation;
	r.nns = mx.ndelegation;
	r.ns_known = mx.delegation_known;
	r.new_ns = new_ns.v;
	r.nnew_ns = new_ns.n;
	r.nothing_to_switch = same_set(r.current, r.ncurrent, r.to, r.nto);
	r.in.now_s = o->now_given ? o->now_s : (int64_t)(pt_clock_wall_ms() / 1000);
	r.in.mx_ttl = mx.answer.ttl;
	r.in.low_ttl = o->low_ttl;
	r.in.dns_host_change =
		new_ns.n > 0 && !same_set(new_ns.v, new_ns.n, mx.delegation, mx.ndelegation);
	r.in.ns_ttl = mx.delegation_ttl;
	r.in.mta_sts = mta_sts_published(&sts.answer);
	if (r.in.mta_sts) {
		pol = calloc(1, sizeof(*pol));
		if (pol == NULL) {
			snprintf(sts_why, sizeof(sts_why), "out of memory");
		} else if (!sts_policy(pol, sts_why, sizeof(sts_why), o, &net, in, via, nvia)) {
			free(pol);
			pol = NULL;
		}
		if (pol == NULL) {
			fprintf(stderr,
				"proptrack: warning: %s: the MTA-STS policy could not be read: "
				"%s\n",
				in->domain, sts_why);
		} else if (sts_unmatched(&unmatched, &to, pol) != 0) {
			fprintf(stderr, "proptrack: out of memory\n");
			goto out;
		}
	}
	r.in.mta_sts_max_age_known = o->mta_sts_max_age_given || pol != NULL;
	r.in.mta_sts_max_age = o->mta_sts_max_age_given ? o->mta_sts_max_age
			       : pol != NULL		? (uint32_t)pol->max_age
							: 0;
	r.sts_policy = pol;
	r.sts_max_age_given = o->mta_sts_max_age_given;
	r.sts_unmatched = unmatched.v;
	r.nsts_unmatched = unmatched.n;
	r.in.retry_s = PT_PLAN_RETRY_S;
	if (o->mta_sts_max_age_given && !r.in.mta_sts) {
		fprintf(stderr,
			"proptrack: warning: --mta-sts-max-age given, but %s has no MTA-STS TXT "
			"record: not counted\n",
			sts_name);
	}
	pt_plan_compute(&r.plan, &r.in);
	if (o->format == PT_FORMAT_JSON) {
		pt_output_plan_json(stdout, &r);
	} else {
		pt_output_plan_text(stdout, &r);
	}
	fflush(stdout);
	status = PT_EXIT_OK;
out:
	pt_truth_fini(&mx);
	pt_truth_fini(&sts);
	pt_engine_free(engine);
	free(via);
	strv_fini(&to);
	strv_fini(&new_ns);
	strv_fini(&unmatched);
	free(pol);
	return status;
}
