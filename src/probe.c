#include "probe.h"

#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "verdict.h"

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

	switch (pt_reply_class(reply->result, a)) {
	case PT_CLASS_ANSWER:
		break;
	case PT_CLASS_TIMEOUT:
		return PT_PROBE_TIMEOUT;
	case PT_CLASS_REFUSED:
		return PT_PROBE_REFUSED;
	case PT_CLASS_SERVFAIL:
		return PT_PROBE_SERVFAIL;
	case PT_CLASS_REFERRAL:
		/* an authoritative-only server answers a root query with a referral */
		return PT_PROBE_NOT_RECURSIVE;
	default:
		return PT_PROBE_ERROR;
	}
	/* a recursive server has the root NS set and says it recursed */
	if (!(a->flags & PT_FLAG_RA)) {
		return PT_PROBE_NOT_RECURSIVE;
	}
	return a->kind == PT_ANSWER_DATA ? PT_PROBE_RECURSIVE : PT_PROBE_ERROR;
}

enum pt_status pt_probe_run(struct pt_probe_result **out, const struct pt_net *net,
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

		pt_request_init(&reqs[i], &r->sa, r->salen, ".", PT_TYPE_NS, PT_FLAG_RD);
		pt_request_use_resolver(&reqs[i], r);
		res[i].resolver = *r;
	}
	rc = pt_net_run(net, reqs, n, reps);
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

int pt_probe_exit_status(const struct pt_probe_result *r, size_t n)
{
	size_t usable = 0;

	for (size_t i = 0; i < n; i++) {
		usable += r[i].status == PT_PROBE_RECURSIVE;
	}
	return usable == 0 ? PT_EXIT_NOTHING : usable == n ? PT_EXIT_OK : PT_EXIT_NOT_CONVERGED;
}
