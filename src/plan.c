#include "plan.h"

#include <string.h>

const char *pt_plan_reason_name(enum pt_plan_reason_kind k)
{
	static const char *const names[] = { "mx_ttl", "ns_ttl", "mta_sts", "retry" };

	return (unsigned)k < PT_PLAN_REASONS ? names[k] : "unknown";
}

static void add_reason(struct pt_plan *p, enum pt_plan_reason_kind kind, bool known,
		       uint64_t after_s)
{
	struct pt_plan_reason *r = &p->reasons[p->nreasons++];

	r->kind = kind;
	r->known = known;
	r->after_switch_s = known ? after_s : 0;
	r->until_s = known ? p->switch_at_s + (int64_t)after_s : 0;
}

void pt_plan_compute(struct pt_plan *out, const struct pt_plan_input *in)
{
	memset(out, 0, sizeof(*out));
	out->lower_at_s = in->now_s;
	out->lower_first = in->mx_ttl > in->low_ttl;
	out->switch_ttl = out->lower_first ? in->low_ttl : in->mx_ttl;
	/* a cache that fetched the MX just before the TTL was lowered holds it with the old TTL:
	 * only after that long does every cache hold it for at most the low TTL */
	out->switch_at_s = in->now_s + (out->lower_first ? (int64_t)in->mx_ttl : 0);
	/* a cache that fetched the old MX the second before the switch holds it for the TTL */
	add_reason(out, PT_PLAN_MX_TTL, true, out->switch_ttl);
	out->new_everywhere_s = out->switch_at_s + out->switch_ttl;
	if (in->dns_host_change) {
		/* a resolver holding the old NS set keeps asking the old DNS host for up to the
		 * parent's NS TTL, and caches what it gets (the old MX) for the MX TTL */
		add_reason(out, PT_PLAN_NS_TTL, true, (uint64_t)in->ns_ttl + out->switch_ttl);
		out->new_everywhere_s = out->switch_at_s + in->ns_ttl + out->switch_ttl;
	}
	if (in->mta_sts) {
		/* senders that cached a policy listing only the old hosts refuse the new ones
		 * (enforce) and keep delivering to the old ones until their copy expires */
		add_reason(out, PT_PLAN_MTA_STS, in->mta_sts_max_age_known, in->mta_sts_max_age);
	}
	/* a message a sender queued for the old host is retried for days (RFC 5321 §4.5.4.1) */
	add_reason(out, PT_PLAN_RETRY, true, in->retry_s);
	out->keep_old_until_s = out->switch_at_s;
	for (size_t i = 0; i < out->nreasons; i++) {
		/* the first of equal moments decides: the earlier kind is the simpler reason */
		if (out->reasons[i].known && out->reasons[i].until_s > out->keep_old_until_s) {
			out->keep_old_until_s = out->reasons[i].until_s;
			out->decisive = i;
		}
	}
}
