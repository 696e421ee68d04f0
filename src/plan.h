/**
 * @file plan.h
 * The cut-over plan of an MX change (--plan): from the current state (the MX TTL the zone's
 * servers give, the NS TTL at the parent when the DNS host changes too, an MTA-STS policy's
 * max_age) and a moment "now", when to lower the TTL, when the switch is safe, when every
 * cache serves the new MX, and until when the old server must keep accepting mail, each
 * with its reason. Pure arithmetic on whole seconds since the Unix epoch; no I/O, any thread.
 */
#ifndef PT_PLAN_H
#define PT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The TTL the plan lowers the MX to by default (--low-ttl), seconds. */
#define PT_PLAN_LOW_TTL 300

/** Senders' retry period: RFC 5321 §4.5.4.1 gives up "after 4-5 days"; the longer, seconds. */
#define PT_PLAN_RETRY_S (5U * 86400U)

/** What the plan starts from. Plain values; the strings are borrowed. */
struct pt_plan_input {
	/** the moment the plan starts, seconds since the epoch */
	int64_t now_s;
	/** the MX TTL the zone's authoritative servers serve now, seconds */
	uint32_t mx_ttl;
	/** the TTL to lower the MX to before the switch, seconds (PT_PLAN_LOW_TTL) */
	uint32_t low_ttl;
	/** the DNS host changes with the move (--new-ns names other servers) */
	bool dns_host_change;
	/** the delegation's NS TTL at the parent, seconds (with @ref dns_host_change) */
	uint32_t ns_ttl;
	/** an MTA-STS policy is published (_mta-sts TXT) */
	bool mta_sts;
	/** the policy's max_age is known (--mta-sts-max-age, or a policy fetcher) */
	bool mta_sts_max_age_known;
	/** the policy's max_age, seconds (with @ref mta_sts_max_age_known) */
	uint32_t mta_sts_max_age;
	/** the senders' retry period, seconds (PT_PLAN_RETRY_S) */
	uint32_t retry_s;
};

/** Why the old server must keep accepting mail until a moment. */
enum pt_plan_reason_kind {
	PT_PLAN_MX_TTL = 0, /**< a cache that fetched the old MX just before the switch */
	PT_PLAN_NS_TTL,	    /**< a resolver still asking the old DNS host (NS TTL + MX TTL) */
	PT_PLAN_MTA_STS,    /**< senders holding the old MTA-STS policy (max_age) */
	PT_PLAN_RETRY,	    /**< senders retrying a message queued for the old host */
};

/** Number of reason kinds. */
#define PT_PLAN_REASONS 4

/** Contract name of a reason ("mx_ttl", "ns_ttl", "mta_sts", "retry"). */
const char *pt_plan_reason_name(enum pt_plan_reason_kind k);

/** One reason to keep the old server. */
struct pt_plan_reason {
	/** which */
	enum pt_plan_reason_kind kind;
	/** false for an MTA-STS policy whose max_age is not known: no moment, only a warning */
	bool known;
	/** how long after the switch, seconds (when @ref known) */
	uint64_t after_switch_s;
	/** the moment, seconds since the epoch (when @ref known) */
	int64_t until_s;
};

/** The plan. Plain value. */
struct pt_plan {
	/** the MX TTL is above the low TTL: lower it first */
	bool lower_first;
	/** when to lower it (now), seconds since the epoch */
	int64_t lower_at_s;
	/** the MX TTL from the switch on: min(current, low) */
	uint32_t switch_ttl;
	/** when the lower TTL has reached every cache and the switch is safe (now + old TTL) */
	int64_t switch_at_s;
	/** when every cache serves the new MX (the switch + the TTL, + the NS TTL when the DNS
	 *  host changes) */
	int64_t new_everywhere_s;
	/** until when the old server must keep accepting mail: the latest known reason */
	int64_t keep_old_until_s;
	/** index in @ref reasons of the reason that decides @ref keep_old_until_s */
	size_t decisive;
	/** the reasons that apply, in enum order */
	struct pt_plan_reason reasons[PT_PLAN_REASONS];
	/** number of @ref reasons */
	size_t nreasons;
};

/** Compute the plan of @p in into @p out. */
void pt_plan_compute(struct pt_plan *out, const struct pt_plan_input *in);

#endif /* PT_PLAN_H */
