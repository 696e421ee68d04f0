/**
 * @file state.h
 * The latest answer per resolver id, the truth, verdicts, answer groups, convergence, the
 * progress series and the events, shared by the driver's reply callbacks (publishers) and the
 * views (readers).
 *
 * Verdicts are kept up to date on every publish and truth change (src/verdict.c decides
 * them), so convergence, its time and the progress series are recorded when they change,
 * whichever view looks and however often. Taking a snapshot changes nothing.
 *
 * Locking: one mutex inside struct pt_state guards every field, held only while copying;
 * never during I/O, ldns or drawing calls. Publishers call pt_state_publish() from worker
 * threads; views wait for pt_state_wakeup_fd() to become readable, call pt_state_drain(), then
 * pt_state_snapshot(), which returns an immutable copy the caller owns. Event writers wait
 * in pt_state_wait_events().
 */
#ifndef PT_STATE_H
#define PT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "query.h"
#include "resolvers.h"
#include "status.h"
#include "truth.h"
#include "verdict.h"

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
	/** a hash of the new answer (kind and RDATA set), to recognise it again */
	uint64_t hash;
	/** the resolver went back to an answer it had given before the previous one (a flap) */
	bool reverted;
};

/** Changes kept per resolver; older ones are dropped. */
#define PT_HISTORY_MAX 16

/** One resolver in a snapshot: what it said last and how that compares. */
struct pt_row {
	/** the resolver's id (given by the driver; stable while it is tracked) */
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
	/** the most recent changes (at most PT_HISTORY_MAX), oldest first; in a snapshot it
	 *  points into the snapshot's history_pool (valid until pt_snapshot_free()), NULL when
	 *  nhistory is 0 */
	struct pt_change *history;
	/** number of @ref history entries */
	size_t nhistory;
	/** group number of this row's answer among the distinct answers (0 = same as truth,
	 *  1.. = others by descending size), -1 for rows without an answer */
	int group;
	/** its answer is what a not-delegated server (an old DNS provider) serves and no
	 *  delegated one: it fetches from the old name servers it still has cached */
	bool old_servers;
	/** pt_clock time its cached NS set for the zone expires, 0 when unknown */
	uint64_t ns_expires_ns;
	/** with @ref old_servers: the TTL the old servers give the answer, seconds */
	uint32_t old_ttl;
};

/**
 * Remaining TTL of a row's answer at @p now_ns: ttl - elapsed, clamped at 0.
 * @return seconds, or -1 when the row has no TTL.
 */
long pt_row_ttl_left(const struct pt_row *row, uint64_t now_ns);

/** One point of the fleet's progress: how many resolvers matched the truth, and when. */
struct pt_progress {
	/** pt_clock time, nanoseconds */
	uint64_t at_ns;
	/** resolvers matching the truth */
	uint32_t match;
	/** resolvers that count for convergence (pt_counts_judged()) */
	uint32_t judged;
};

/** Progress points kept; when full, every other point is dropped (the series thins evenly). */
#define PT_PROGRESS_MAX 128

/** Answer groups a snapshot shows (answers beyond share the last). */
#define PT_GROUPS_MAX 16

/** An immutable copy of the state. Caller owns; free with pt_snapshot_free(). */
struct pt_snapshot {
	/** tracked name, lower-case absolute */
	char domain[256];
	/** tracked type */
	uint16_t qtype;
	/** the truth (source NONE until known; MAJORITY when no authoritative server answered) */
	struct pt_truth truth;
	/** rows in the order resolvers were added */
	struct pt_row *rows;
	/** number of @ref rows */
	size_t nrows;
	/** counts per verdict */
	struct pt_counts counts;
	/** why it is not converged (enum pt_reason bits); 0 when converged */
	unsigned reasons;
	/** reasons == 0 (CONTRACT.md convergence rule) */
	bool converged;
	/** seconds until the last differing answer must leave its cache, at @ref taken_ns (for
	 *  resolvers fetching from old name servers: until their cached NS set expires, plus the
	 *  old answer's TTL); 0 when converged */
	uint32_t expires_within;
	/** false when nothing bounds @ref expires_within: a delegated server serves an old
	 *  answer (resolvers may fetch it again), or a resolver fetches from old name servers
	 *  whose cached NS set's expiry is unknown */
	bool expiry_bounded;
	/** pt_clock time the snapshot was taken */
	uint64_t taken_ns;
	/** pt_clock time the state was created (or last retargeted) */
	uint64_t start_ns;
	/** pt_clock time of the latest transition to converged, 0 if not converged */
	uint64_t converged_ns;
	/** pt_clock time the truth's answer last changed while watching (a new record was
	 *  published), 0 if it has not changed since it was first found */
	uint64_t truth_changed_ns;
	/** a resolver changed its answer, or the truth changed, since the start: a convergence
	 *  is then news (the banner and the bell); without, every resolver agreed all along */
	bool changed;
	/** bumped on every change; equal generations mean equal content */
	uint64_t generation;
	/** queries sent so far (every try) */
	uint64_t queries;
	/** distinct answers seen, group 0 = truth; each distinct answer's row count */
	size_t group_sizes[PT_GROUPS_MAX];
	/** number of groups used in @ref group_sizes */
	size_t ngroups;
	/** the share matching over time, oldest first: a point whenever it changed */
	struct pt_progress progress[PT_PROGRESS_MAX];
	/** number of @ref progress points */
	size_t nprogress;
	/** storage of every row's history, owned (freed by pt_snapshot_free()); rows built by
	 *  hand may point their history elsewhere and leave this NULL */
	struct pt_change *history_pool;
};

/** Free a snapshot. NULL does nothing. */
void pt_snapshot_free(struct pt_snapshot *s);

/** Kinds of event kept for the NDJSON stream and the log. */
enum pt_event_kind {
	PT_EVENT_ANSWER,    /**< one reply */
	PT_EVENT_CHANGE,    /**< a resolver's answer changed */
	PT_EVENT_TRUTH,	    /**< the truth changed */
	PT_EVENT_CONVERGED, /**< the verdicts became converged */
	PT_EVENT_DIVERGED,  /**< they were converged and are not any more */
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
	/** errno of a network failure (ANSWER) */
	int err;
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
	/** counts at that moment (CONVERGED, DIVERGED) */
	struct pt_counts counts;
	/** reasons at that moment (CONVERGED, DIVERGED) */
	unsigned reasons;
	/** seconds until the last differing answer expires (DIVERGED) */
	uint32_t expires_within;
	/** the resolver went back to an answer it gave before the previous one (CHANGE) */
	bool reverted;
	/** the expected record is not published yet; resolvers are not asked (TRUTH) */
	bool unpublished;
	/** with @ref unpublished: the negative-caching TTL asking would cost (TRUTH) */
	uint32_t negative_ttl;
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
 * Track resolver @p id (ids are chosen by the driver that owns the resolver set; a new id is
 * larger than every earlier one). @return PT_OK, PT_ERR_NOMEM, or PT_ERR_PARSE when @p id is
 * already tracked.
 */
enum pt_status pt_state_add(struct pt_state *st, uint64_t id, const struct pt_resolver *r);

/** Stop tracking resolver @p id; later publishes for it are ignored. */
void pt_state_remove(struct pt_state *st, uint64_t id);

/**
 * Change the tracked name and/or type: clears every answer and the truth.
 * @return PT_OK or PT_ERR_PARSE for an invalid name.
 */
enum pt_status pt_state_retarget(struct pt_state *st, const char *domain, uint16_t qtype);

/** The tracked name and type (copied into @p domain, @p size bytes). */
void pt_state_target(struct pt_state *st, char *domain, size_t size, uint16_t *qtype);

/** Target generation: bumped by pt_state_retarget(). */
uint64_t pt_state_target_generation(struct pt_state *st);

/**
 * Store a reply for resolver @p id (copied; the caller keeps @p reply). Re-judges, and records
 * ANSWER, CHANGE, CONVERGED and DIVERGED events when events are on. Wakes views.
 * @param generation the target generation the query was sent for; stale replies (the name or
 *        type changed since) are ignored
 * @return the resolver's verdict now (PENDING for an ignored reply).
 */
enum pt_verdict pt_state_publish(struct pt_state *st, uint64_t id, uint64_t generation,
				 const struct pt_reply *reply);

/**
 * Record when resolver @p id's cached NS set for the zone expires: @p ttl_s seconds after
 * @p at_ns (its answer to an NS query). Used for the expiry bound of resolvers that fetch
 * from old name servers.
 */
void pt_state_set_ns_expiry(struct pt_state *st, uint64_t id, uint64_t at_ns, uint32_t ttl_s);

/** The judged resolvers convergence needs (--min-answered); the default is 50%. */
void pt_state_set_quorum(struct pt_state *st, const struct pt_quorum *q);

/**
 * Replace the truth (copied) and re-judge every resolver. Records a TRUTH event when its
 * answer or serial changed. A truth of source NONE means no authoritative server answered:
 * the resolvers' majority stands in for it. Wakes views.
 */
void pt_state_set_truth(struct pt_state *st, const struct pt_truth *truth);

/**
 * Take an immutable copy (a pure read).
 * @return caller owns; free with pt_snapshot_free(). NULL on allocation failure.
 */
struct pt_snapshot *pt_state_snapshot(struct pt_state *st);

/**
 * The counts and the convergence reasons now, without copying any row (a pure read, cheap
 * enough to call on every wake-up). @param[out] counts may be NULL. @return the reasons
 * (0 when converged).
 */
unsigned pt_state_reasons(struct pt_state *st, struct pt_counts *counts);

/**
 * The tracked resolvers that serve an old answer (pt_verdict_is_old()) and whose cached NS
 * set's expiry is not known yet: those worth an NS question. No copy of any row.
 * @param[out] ids caller owns; free() (NULL when none)
 * @return how many.
 */
size_t pt_state_old_without_ns(struct pt_state *st, uint64_t **ids);

/** Readable when something changed. Borrowed; valid until pt_state_free(). */
int pt_state_wakeup_fd(struct pt_state *st);

/** Empty the wakeup fd (call before pt_state_snapshot()). */
void pt_state_drain(struct pt_state *st);

/** Wake views and event writers without a change (used on stop). */
void pt_state_wake(struct pt_state *st);

/** Keep events from now on (off by default: nothing consumes them). */
void pt_state_keep_events(struct pt_state *st, bool on);

/**
 * Take the events recorded since the last call, oldest first. Until the truth has been
 * looked for (pt_state_set_truth()), nothing is returned unless @p all: events wait, and
 * replies judged "pending" before it are judged again against the truth (or the majority)
 * when released.
 * @param all take them even before the truth was looked for (the end of a run)
 * @param[out] out array; caller owns: pt_event_fini() each, then free()
 * @return number of events (0 with *out NULL when none).
 */
size_t pt_state_events(struct pt_state *st, bool all, struct pt_event **out);

/**
 * Wait until events can be taken with pt_state_events(), pt_state_wake() was called, or
 * @p timeout_ms passed (-1: no limit). @return true when events are ready.
 */
bool pt_state_wait_events(struct pt_state *st, int timeout_ms);

#endif /* PT_STATE_H */
