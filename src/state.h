/**
 * @file state.h
 * Latest answer per resolver, the truth, verdicts and convergence, shared by the engine's
 * callbacks (publishers) and the views (readers).
 *
 * Locking: one mutex inside struct pt_state guards every field, held only while copying;
 * never during I/O, ldns or drawing calls. Publishers call pt_state_publish() from worker
 * threads; views wait for pt_state_wakeup_fd() to become readable, call pt_state_drain(),
 * then pt_state_snapshot(), which returns an immutable copy the caller owns.
 *
 * Verdicts are computed here (pt_state_judge()) and nowhere else; views only show them.
 */
#ifndef PT_STATE_H
#define PT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "engine.h"
#include "query.h"
#include "resolvers.h"
#include "status.h"

/** A resolver's status against the truth (CONTRACT.md "Truth and verdicts"). */
enum pt_verdict {
	PT_VERDICT_PENDING = 0, /**< no reply yet */
	PT_VERDICT_MATCH,	/**< same RRset as the truth */
	PT_VERDICT_DIFFER,	/**< another RRset */
	PT_VERDICT_NEGATIVE,	/**< NXDOMAIN/NODATA while the truth has data, or the reverse */
	PT_VERDICT_SERVFAIL,	/**< SERVFAIL */
	PT_VERDICT_REFUSED,	/**< REFUSED */
	PT_VERDICT_TIMEOUT,	/**< no reply (also: port unreachable) */
	PT_VERDICT_ERROR,	/**< malformed or unusable reply (other rcodes, referrals) */
	PT_VERDICT_COUNT	/**< number of verdicts */
};

/** Contract name of a verdict ("match", "differ", ..., "pending"). */
const char *pt_verdict_name(enum pt_verdict v);

/** Where the truth came from. */
enum pt_truth_source {
	PT_TRUTH_NONE = 0,	/**< not known yet */
	PT_TRUTH_EXPECTED,	/**< --expect */
	PT_TRUTH_AUTHORITATIVE, /**< the zone's authoritative servers */
	PT_TRUTH_MAJORITY,	/**< no authoritative server answered: the resolvers' majority */
};

/** Contract name of a truth source ("expected", "authoritative", "majority", "none"). */
const char *pt_truth_source_name(enum pt_truth_source s);

/** Status of one authoritative server. */
enum pt_auth_status {
	PT_AUTH_OK = 0,	 /**< answered authoritatively */
	PT_AUTH_LAGGING, /**< answered, but with a lower SOA serial than the highest */
	PT_AUTH_LAME,	 /**< answered without AA, or with a referral */
	PT_AUTH_TIMEOUT, /**< no reply */
	PT_AUTH_REFUSED, /**< REFUSED */
	PT_AUTH_ERROR,	 /**< SERVFAIL, malformed, unreachable */
};

/** Contract name ("ok", "lagging", "lame", "timeout", "refused", "error"). */
const char *pt_auth_status_name(enum pt_auth_status s);

/** One authoritative server's view. Embedded; released by its owner. */
struct pt_auth_server {
	/** name server host name, lower-case absolute; "" for --auth servers */
	char name[256];
	/** numeric address */
	char address[PT_ADDRESS_MAX];
	/** port */
	uint16_t port;
	/** status */
	enum pt_auth_status status;
	/** SOA serial, valid when has_serial */
	uint32_t serial;
	/** true when the SOA query answered */
	bool has_serial;
	/** its answer for the tracked name and type */
	struct pt_answer answer;
	/** round trip of the record query, milliseconds */
	double rtt_ms;
};

/** The truth every resolver is judged against. Embedded; release with pt_truth_fini(). */
struct pt_truth {
	/** where it came from */
	enum pt_truth_source source;
	/** the answer (kind DATA, NODATA or NXDOMAIN; rdata sorted) */
	struct pt_answer answer;
	/** highest SOA serial among the authoritative servers, valid when has_serial */
	uint32_t serial;
	/** see @ref serial */
	bool has_serial;
	/** the zone apex the servers were found for ("" when unknown) */
	char zone[256];
	/** every authoritative server asked (caller-visible: lagging secondaries show here) */
	struct pt_auth_server *servers;
	/** number of @ref servers */
	size_t nservers;
};

/** Release what @p t holds and zero it. */
void pt_truth_fini(struct pt_truth *t);

/** Deep copy. @return PT_OK or PT_ERR_NOMEM. */
enum pt_status pt_truth_copy(struct pt_truth *dst, const struct pt_truth *src);

/** One recorded change of a resolver's answer. */
struct pt_change {
	/** pt_clock time of the reply that showed the new answer, nanoseconds */
	uint64_t at_ns;
	/** wall time of the same moment, ms since the epoch */
	uint64_t wall_ms;
	/** verdict after the change */
	enum pt_verdict verdict;
	/** short text of the new answer ("10 mx.example." or "NXDOMAIN"), cut to fit */
	char summary[120];
};

/** Changes kept per resolver; older ones are dropped. */
#define PT_HISTORY_MAX 16

/** One resolver in a snapshot: what it said last and how that compares. */
struct pt_row {
	/** stable id of this resolver for the state's lifetime (survives removals of others) */
	uint64_t id;
	/** the resolver */
	struct pt_resolver resolver;
	/** verdict against the snapshot's truth */
	enum pt_verdict verdict;
	/** true once a reply (or final failure) arrived */
	bool has_reply;
	/** how the last query ended */
	enum pt_reply_result result;
	/** the last answer (zeroed unless result is PT_REPLY_OK) */
	struct pt_answer answer;
	/** round trip of the last reply, milliseconds */
	double rtt_ms;
	/** pt_clock time of the last reply, nanoseconds */
	uint64_t received_ns;
	/** errno of the last network failure, 0 if none */
	int err;
	/** queries completed for this resolver */
	unsigned queries;
	/** pt_clock time the answer last changed (0 never) */
	uint64_t changed_ns;
	/** the most recent changes, oldest first */
	struct pt_change history[PT_HISTORY_MAX];
	/** number of @ref history entries */
	size_t nhistory;
	/** group number of this row's answer among the distinct answers (0 = same as truth,
	 *  1.. = others by descending size), -1 for rows without an answer */
	int group;
};

/** Counts per verdict. */
struct pt_counts {
	/** resolvers in the snapshot */
	size_t total;
	/** per verdict, indexed by enum pt_verdict */
	size_t by[PT_VERDICT_COUNT];
};

/** One point of the fleet's progress: how many resolvers matched the truth, and when. */
struct pt_progress {
	/** pt_clock time, nanoseconds */
	uint64_t at_ns;
	/** resolvers matching the truth */
	uint32_t match;
	/** resolvers that count for convergence (not refused, not timed out) */
	uint32_t judged;
};

/** Progress points kept; when full, every other point is dropped (the series thins evenly). */
#define PT_PROGRESS_MAX 128

/** An immutable copy of the state. Caller owns; free with pt_snapshot_free(). */
struct pt_snapshot {
	/** tracked name, lower-case absolute */
	char domain[256];
	/** tracked type */
	uint16_t qtype;
	/** the truth (source NONE until known) */
	struct pt_truth truth;
	/** rows in the order resolvers were added */
	struct pt_row *rows;
	/** number of @ref rows */
	size_t nrows;
	/** counts per verdict */
	struct pt_counts counts;
	/** CONTRACT.md: at least one answered and every non-refused, non-timeout row matches */
	bool converged;
	/** seconds until the last differing answer must leave its cache, at @ref taken_ns; 0 when
	 * converged */
	uint32_t expires_within;
	/** pt_clock time the snapshot was taken */
	uint64_t taken_ns;
	/** pt_clock time the state was created */
	uint64_t start_ns;
	/** pt_clock time of the latest transition to converged, 0 if not converged */
	uint64_t converged_ns;
	/** pt_clock time the truth's answer last changed while watching (a new record was
	 *  published), 0 if it has not changed since it was first found */
	uint64_t truth_changed_ns;
	/** bumped on every publish; equal generations mean equal content */
	uint64_t generation;
	/** distinct answers seen, group 0 = truth; each distinct answer's row count */
	size_t group_sizes[16];
	/** number of groups used in @ref group_sizes (answers beyond 15 groups share the last) */
	size_t ngroups;
	/** the share matching over time, oldest first: a point whenever it changed */
	struct pt_progress progress[PT_PROGRESS_MAX];
	/** number of @ref progress points */
	size_t nprogress;
};

/** Free a snapshot. NULL does nothing. */
void pt_snapshot_free(struct pt_snapshot *s);

/**
 * Verdict of one reply against the truth (pure).
 * @param truth NULL or source NONE: every answered row is judged against nothing: PENDING
 */
enum pt_verdict pt_state_judge(const struct pt_truth *truth, enum pt_reply_result result,
			       const struct pt_answer *answer);

/**
 * Remaining TTL of a row's answer at @p now_ns: ttl - elapsed, clamped at 0.
 * @return seconds, or -1 when the row has no TTL.
 */
long pt_row_ttl_left(const struct pt_row *row, uint64_t now_ns);

/** Kinds of event kept for the NDJSON stream and the log. */
enum pt_event_kind {
	PT_EVENT_ANSWER, /**< one reply */
	PT_EVENT_CHANGE, /**< a resolver's answer changed */
	PT_EVENT_TRUTH,	 /**< the truth changed */
};

/** One event. Embedded; release with pt_event_fini(). */
struct pt_event {
	/** what happened */
	enum pt_event_kind kind;
	/** pt_clock time, nanoseconds */
	uint64_t at_ns;
	/** wall time, ms since the epoch */
	uint64_t wall_ms;
	/** the resolver (ANSWER, CHANGE) */
	struct pt_resolver resolver;
	/** verdict at that time (ANSWER, CHANGE) */
	enum pt_verdict verdict;
	/** reply result (ANSWER) */
	enum pt_reply_result result;
	/** the answer (ANSWER), the new answer (CHANGE), the new truth answer (TRUTH) */
	struct pt_answer answer;
	/** the previous answer (CHANGE) */
	struct pt_answer from;
	/** previous verdict (CHANGE) */
	enum pt_verdict from_verdict;
	/** round trip (ANSWER) */
	double rtt_ms;
	/** truth source and serial (TRUTH) */
	enum pt_truth_source source;
	/** serial (TRUTH), valid when has_serial */
	uint32_t serial;
	/** see @ref serial */
	bool has_serial;
};

/** Release what @p ev holds. */
void pt_event_fini(struct pt_event *ev);

struct pt_state;

/**
 * Create state for @p domain / @p qtype.
 * @param clock NULL for pt_clock_monotonic
 * @return new state or NULL on failure. Caller owns; free with pt_state_free().
 */
struct pt_state *pt_state_new(const char *domain, uint16_t qtype, pt_clock_fn clock);

/** Free @p st. NULL does nothing. Publishers must be stopped first. */
void pt_state_free(struct pt_state *st);

/**
 * Track a resolver. @param[out] id its stable id (may be NULL)
 * @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_state_add(struct pt_state *st, const struct pt_resolver *r, uint64_t *id);

/** Stop tracking resolver @p id; later publishes for it are ignored. */
void pt_state_remove(struct pt_state *st, uint64_t id);

/**
 * Change the tracked name and/or type: clears every answer and the truth.
 * @return PT_OK or PT_ERR_PARSE for an invalid name.
 */
enum pt_status pt_state_retarget(struct pt_state *st, const char *domain, uint16_t qtype);

/** The tracked name and type (copied into @p domain, @p size bytes). */
void pt_state_target(struct pt_state *st, char *domain, size_t size, uint16_t *qtype);

/**
 * Store a reply for resolver @p id (copied; the caller keeps @p reply). Records ANSWER and,
 * when the answer differs from the previous one, CHANGE events when events are on. Wakes views.
 * @param generation the state's target generation the query was sent for (see
 *        pt_state_target_generation()); stale replies (name/type changed since) are ignored
 */
void pt_state_publish(struct pt_state *st, uint64_t id, uint64_t generation,
		      const struct pt_reply *reply);

/** Target generation: bumped by pt_state_retarget(). */
uint64_t pt_state_target_generation(struct pt_state *st);

/** Replace the truth (copied). Records a TRUTH event when its answer or serial changed. Wakes
 * views. */
void pt_state_set_truth(struct pt_state *st, const struct pt_truth *truth);

/**
 * Take an immutable copy with verdicts, counts, groups and convergence computed.
 * @return caller owns; free with pt_snapshot_free(). NULL on allocation failure.
 */
struct pt_snapshot *pt_state_snapshot(struct pt_state *st);

/** Readable when something changed. Borrowed; valid until pt_state_free(). */
int pt_state_wakeup_fd(struct pt_state *st);

/** Empty the wakeup fd (call before pt_state_snapshot()). */
void pt_state_drain(struct pt_state *st);

/** Wake views without a change (used by the engine driver, e.g. on stop). */
void pt_state_wake(struct pt_state *st);

/** Keep events from now on (off by default: nothing consumes them). */
void pt_state_keep_events(struct pt_state *st, bool on);

/**
 * Take the events recorded since the last call, oldest first. Until the truth has been
 * looked for (pt_state_set_truth()), nothing is returned: events wait, and replies judged
 * "pending" before it are judged again against the truth (or the majority) when released.
 * @param[out] out array; caller owns: pt_event_fini() each, then free()
 * @return number of events (0 with *out NULL when none).
 */
size_t pt_state_events(struct pt_state *st, struct pt_event **out);

/**
 * Majority truth from a snapshot's rows (used when no authoritative server answered):
 * the most common DATA/NODATA/NXDOMAIN answer; ties go to the answer seen first.
 * @param[out] out caller owns; pt_answer_fini()
 * @return true when any row had an answer.
 */
bool pt_snapshot_majority(const struct pt_snapshot *s, struct pt_answer *out);

#endif /* PT_STATE_H */
