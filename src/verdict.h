/**
 * @file verdict.h
 * The one place where a reply becomes a verdict: the reply classifier (used by the state, the
 * probe, the truth and the diagnosis), the verdict of an answer against the truth, the counts
 * of judged and answered resolvers, the convergence rule with its reasons, and the exit
 * status of every mode. Pure functions; safe from any thread.
 */
#ifndef PT_VERDICT_H
#define PT_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "query.h"

/** What a reply is, before any truth is known. */
enum pt_reply_class {
	PT_CLASS_ANSWER = 0, /**< NOERROR data or NODATA, or NXDOMAIN: says something of the name */
	PT_CLASS_REFERRAL,   /**< no answer but a delegation (a server that does not recurse) */
	PT_CLASS_SERVFAIL,   /**< SERVFAIL */
	PT_CLASS_REFUSED,    /**< REFUSED */
	PT_CLASS_TIMEOUT,    /**< no reply (also: port unreachable, connection refused) */
	PT_CLASS_ERROR,	     /**< malformed or unusable reply, another rcode, nothing sent */
};

/** Classify one reply. @p answer is read only when @p result is PT_REPLY_OK (may be NULL
 *  otherwise). */
enum pt_reply_class pt_reply_class(enum pt_reply_result result, const struct pt_answer *answer);

/** A resolver's status against the truth (CONTRACT.md "Truth and verdicts"). */
enum pt_verdict {
	PT_VERDICT_PENDING = 0, /**< no reply yet, or no truth to judge it against */
	PT_VERDICT_MATCH,	/**< same RRset as the truth */
	PT_VERDICT_DIFFER,	/**< another RRset */
	PT_VERDICT_NEGATIVE,	/**< NXDOMAIN/NODATA while the truth has data, or the reverse */
	PT_VERDICT_SERVFAIL,	/**< SERVFAIL */
	PT_VERDICT_REFUSED,	/**< REFUSED */
	PT_VERDICT_TIMEOUT,	/**< no reply (also: port unreachable) */
	PT_VERDICT_ERROR,	/**< malformed or unusable reply (other rcodes, referrals) */
	PT_VERDICT_COUNT	/**< number of verdicts */
};

/** Contract name of a verdict ("match", "differ", ..., "pending"). Static string. */
const char *pt_verdict_name(enum pt_verdict v);

/**
 * Verdict of one reply against the truth's answer.
 * @param truth the truth's answer (kind DATA, NODATA or NXDOMAIN); NULL while the truth is
 *        not known, which makes every answer PENDING (failures are failures anyway)
 */
enum pt_verdict pt_verdict_judge(const struct pt_answer *truth, enum pt_reply_result result,
				 const struct pt_answer *answer);

/** True for the verdicts that count for convergence: every verdict but pending, refused and
 *  timeout (a resolver that refuses us or is silent tells nothing of propagation). */
bool pt_verdict_is_judged(enum pt_verdict v);

/** True for the verdicts of an answer that is not the truth: differ and negative. */
bool pt_verdict_is_old(enum pt_verdict v);

/** Resolvers per verdict. */
struct pt_counts {
	/** resolvers counted */
	size_t total;
	/** per verdict, indexed by enum pt_verdict */
	size_t by[PT_VERDICT_COUNT];
};

/** Resolvers with a judged verdict (pt_verdict_is_judged()). */
size_t pt_counts_judged(const struct pt_counts *c);

/** Resolvers that replied at all (everything but pending and timeout). */
size_t pt_counts_answered(const struct pt_counts *c);

/** Why a set of verdicts is not converged: bits of a mask, named by pt_reason_name(). */
enum pt_reason {
	PT_REASON_NO_TRUTH = 1u << 0, /**< "no-truth": nothing to judge against yet */
	PT_REASON_NO_MATCH = 1u << 1, /**< "no-match": no resolver serves the truth */
	PT_REASON_DIFFER = 1u << 2,   /**< "differ": a resolver serves another answer */
	PT_REASON_NEGATIVE = 1u << 3, /**< "negative": a resolver denies what exists, or reverse */
	PT_REASON_SERVFAIL = 1u << 4, /**< "servfail": a resolver answers SERVFAIL */
	PT_REASON_ERROR = 1u << 5,    /**< "error": a resolver gives unusable replies */
	PT_REASON_PENDING = 1u << 6,  /**< "pending": a resolver has not answered yet */
	PT_REASON_TOO_FEW = 1u << 7,  /**< "too-few-answers": fewer judged than --min-answered */
	PT_REASON_AUTH_DISAGREE = 1u << 8,    /**< "auth-disagree": a delegated server serves
						   another answer than the truth */
	PT_REASON_AUTH_UNREACHABLE = 1u << 9, /**< "auth-unreachable": no --auth server answers */
	PT_REASON_NOT_PUBLISHED = 1u << 10,   /**< "not-published": the --expect'ed record is not
						   served yet; resolvers are not asked */
	PT_REASON_TARGETS_DIFFER = 1u << 11,  /**< "targets-differ": --follow-mx, a resolver
						   serves another address (or a denial, a
						   failure) for an MX target than the target
						   zone's servers */
	PT_REASON_TARGETS_PENDING = 1u << 12, /**< "targets-pending": --follow-mx, an MX
						   target's address is not answered yet, or its
						   own truth is not known */
};

/** Number of reason bits. */
#define PT_REASON_COUNT 13

/** The reasons that make a result inconclusive (exit 3) rather than not converged. (While the
 *  expected record is not published the resolvers are not asked, so nothing is judged.) */
#define PT_REASONS_INCONCLUSIVE                                                                    \
	(PT_REASON_NO_TRUTH | PT_REASON_TOO_FEW | PT_REASON_AUTH_UNREACHABLE)

/** How many judged resolvers convergence needs (--min-answered N or P%). */
struct pt_quorum {
	/** true: @ref value is a percentage of the listed resolvers; false: a count */
	bool percent;
	/** the count, or the percentage (0-100) */
	double value;
};

/** The default quorum: 50% of the listed resolvers. */
#define PT_QUORUM_DEFAULT ((struct pt_quorum){ .percent = true, .value = 50 })

/** Judged resolvers needed out of @p total listed (a share rounds up; at least 1). */
size_t pt_quorum_needed(const struct pt_quorum *q, size_t total);

/** What the convergence rule needs beyond the counts. */
struct pt_verdict_facts {
	/** the truth is known; when not, the resolvers cannot be judged and the only reasons are
	 *  the truth's own (no-truth or auth-unreachable, not-published, auth-disagree) */
	bool truth_known;
	/** the truth comes from the authoritative servers and one of them (of the delegation,
	 *  answering) serves another answer */
	bool auth_disagree;
	/** --auth servers were given and none answered */
	bool auth_unreachable;
	/** the expected record is not published yet */
	bool unpublished;
	/** judged resolvers needed (pt_quorum_needed()) */
	size_t needed;
	/** --follow-mx: the verdicts of every resolver's answers for the MX targets' A and
	 *  AAAA (against the target zones' own servers); NULL when not followed. Convergence
	 *  needs each judged one to match and none pending. */
	const struct pt_counts *targets;
};

/** Contract name of one reason bit ("differ", ...); "unknown" for anything else. */
const char *pt_reason_name(unsigned reason);

/**
 * The convergence rule (CONTRACT.md): converged when the mask is 0, i.e. the truth is known,
 * at least one resolver matches, every judged resolver matches (a SERVFAIL keeps it
 * unconverged; refused and timed-out resolvers are not judged), at least @p f->needed
 * resolvers are judged, and, when the truth comes from the authoritative servers, every
 * answering server of the delegation serves it; with --follow-mx (@p f->targets), every
 * judged answer for an MX target's address matches that target's truth and none is pending.
 * @return the mask of every reason that applies (enum pt_reason), 0 when converged.
 */
unsigned pt_verdict_reasons(const struct pt_counts *c, const struct pt_verdict_facts *f);

/** Exit statuses (CONTRACT.md "Exit status"), shared by every mode. */
enum pt_exit {
	PT_EXIT_OK = 0,		   /**< converged (--diagnose: no failed check) */
	PT_EXIT_NOT_CONVERGED = 1, /**< not converged, or a check failed */
	PT_EXIT_USAGE = 2,	   /**< usage or input error */
	PT_EXIT_NOTHING = 3,	   /**< nothing to judge: no resolver gave a judgeable answer */
};

/**
 * The exit status of the tracker, the same in every mode (--once, --until-converged, NDJSON,
 * the dashboard) for the same verdicts: 0 converged; 3 inconclusive (no resolver gave a
 * judgeable answer, too few did, no truth, the --auth servers are silent); 1 otherwise.
 * @param reasons as returned by pt_verdict_reasons() for @p c
 */
int pt_verdict_exit_status(const struct pt_counts *c, unsigned reasons);

/** A status detail: what a verdict alone does not say about a resolver's last answer. */
enum pt_detail {
	PT_DETAIL_NONE = 0, /**< nothing more to say */
	PT_DETAIL_DNSSEC,   /**< "dnssec": SERVFAIL, but answered with CD set: validation failed */
	PT_DETAIL_STALE,    /**< "stale": served past its TTL (RFC 8767) */
};

/** The detail of a row's last answer: a DNSSEC failure first, then a stale answer. */
enum pt_detail pt_verdict_detail(bool dnssec_failure, bool stale);

/** Contract name of a detail ("dnssec", "stale"; "" for none). Static string. */
const char *pt_detail_name(enum pt_detail d);

/** What a detail means for people, one sentence ("" for none). Static string. */
const char *pt_detail_text(enum pt_detail d);

#endif /* PT_VERDICT_H */
