/**
 * @file probe.h
 * --check-resolvers: is each listed resolver usable? One query for the root NS set (RD=1)
 * tells a recursive resolver from one that refuses, only delegates, fails or is silent.
 * Threads: pt_probe_run() blocks on the network; the verdict function is pure.
 */
#ifndef PT_PROBE_H
#define PT_PROBE_H

#include <stddef.h>

#include "net.h"
#include "query.h"
#include "resolvers.h"

/** What a resolver did with a recursive query. */
enum pt_probe_status {
	PT_PROBE_RECURSIVE = 0, /**< answered the root NS set with RA set: usable */
	PT_PROBE_REFUSED,	/**< REFUSED (an ACL: not open to us) */
	PT_PROBE_NOT_RECURSIVE, /**< referral, or no RA: an authoritative-only server */
	PT_PROBE_SERVFAIL,	/**< SERVFAIL: broken upstream or validation */
	PT_PROBE_TIMEOUT,	/**< no reply (or port unreachable) */
	PT_PROBE_ERROR,		/**< malformed reply or another rcode */
};

/** Name for output ("recursive", "refused", "not-recursive", "servfail", "timeout", "error"). */
const char *pt_probe_status_name(enum pt_probe_status s);

/** Verdict for one reply (pure). */
enum pt_probe_status pt_probe_judge(const struct pt_reply *reply);

/** One resolver's result. */
struct pt_probe_result {
	/** the resolver (copied) */
	struct pt_resolver resolver;
	/** verdict */
	enum pt_probe_status status;
	/** round trip of the reply, milliseconds (0 without one) */
	double rtt_ms;
};

/**
 * Probe every resolver of @p list at once.
 * @param[out] out array of pt_resolvers_count(list) results in list order; caller owns, free()
 * @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_probe_run(struct pt_probe_result **out, const struct pt_net *net,
			    const struct pt_resolvers *list);

/**
 * Exit status of --check-resolvers (src/verdict.h codes): 0 when every resolver is usable, 1
 * when some are not, 3 when none is.
 */
int pt_probe_exit_status(const struct pt_probe_result *r, size_t n);

#endif /* PT_PROBE_H */
