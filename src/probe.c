#include "probe.h"

#include <stdlib.h>
#include <string.h>

const char *pt_probe_status_name(enum pt_probe_status s)
{
	static const char *const names[] = { "recursive", "refused", "not-recursive",
					     "servfail",  "timeout", "error" };

	if ((unsigned)s >= sizeof(names) / sizeof(names[0])) {
		return "error";
	}
	return names[s];
}

enum pt_probe_status pt_probe_judge(const struct pt_reply *reply)
{
	const struct pt_answer *a = &reply->answer;

	switch (reply->result) {
	case PT_REPLY_OK:
		break;
	case PT_REPLY_TIMEOUT:
	case PT_REPLY_UNREACHABLE:
		return PT_PROBE_TIMEOUT;
	default:
		return PT_PROBE_ERROR;
	}
	if (a->kind == PT_ANSWER_RCODE) {
		if (a->rcode == 5) {
			return PT_PROBE_REFUSED;
		}
		return a->rcode == 2 ? PT_PROBE_SERVFAIL : PT_PROBE_ERROR;
	}
	/* An authoritative-only server answers a root query with a referral to the root, or
	 * without RA; a recursive one has the root NS set and says it recursed. */
	if (a->kind == PT_ANSWER_REFERRAL || !(a->flags & PT_FLAG_RA)) {
		return PT_PROBE_NOT_RECURSIVE;
	}
	return a->kind == PT_ANSWER_DATA ? PT_PROBE_RECURSIVE : PT_PROBE_ERROR;
}

enum pt_status pt_probe_run(struct pt_probe_result **out, struct pt_engine *e,
			    const struct pt_resolvers *list)
{
	size_t n = pt_resolvers_count(list);
	struct pt_request *reqs = calloc(n ? n : 1, sizeof(*reqs));
	struct pt_reply *reps = calloc(n ? n : 1, sizeof(*reps));
	struct pt_probe_result *res = calloc(n ? n : 1, sizeof(*res));
	enum pt_status rc = PT_ERR_NOMEM;

	*out = NULL;
	if (reqs == NULL || reps == NULL || res == NULL) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pt_resolver *r = pt_resolvers_get(list, i);

		reqs[i].sa = r->sa;
		reqs[i].salen = r->salen;
		reqs[i].qname = ".";
		reqs[i].qtype = 2; /* NS */
		reqs[i].opts = PT_FLAG_RD;
		res[i].resolver = *r;
	}
	rc = pt_engine_run(e, reqs, n, reps);
	if (rc != PT_OK) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		res[i].status = pt_probe_judge(&reps[i]);
		res[i].rtt_ms = reps[i].result == PT_REPLY_OK ? reps[i].rtt_ms : 0;
		pt_reply_fini(&reps[i]);
	}
	free(reqs);
	free(reps);
	*out = res;
	return PT_OK;
fail:
	free(reqs);
	free(reps);
	free(res);
	return rc;
}
