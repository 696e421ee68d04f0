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
 * pt_state_view() (or pt_state_snapshot()), which returns an immutable copy the caller owns.
 * Event writers wait in pt_state_wait_events().
 *
 * Snapshots cost what changed: their rows are kept in chunks of PT_CHUNK_ROWS resolvers,
 * built from the state under its lock, immutable, reference-counted and shared between
 * successive snapshots; a snapshot builds again only the chunks whose resolvers changed since
 * the last one (the others are the same memory), and no row copies an answer (the reply's
 * copy is shared). Snapshots may be freed in any thread.
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

/** Why a resolver's history has an entry. */
enum pt_change_reason {
	PT_CHANGE_ANSWER = 0, /**< its reply changed: a new answer, a failure, or an answer again */
	PT_CHANGE_TRUTH,      /**< the truth changed, and with it the status of the same answer */
};

/** One recorded change of a resolver's answer or status. */
struct pt_change {
	/** pt_clock time of the reply that showed the new answer, nanoseconds */
	uint64_t at_ns;
	/** wall time of the same moment, ms since the epoch */
	uint64_t wall_ms;
	/** verdict after the change (judged against the truth of that moment; an answer that
	 *  came before any truth was known gets its verdict once the truth is found) */
	enum pt_verdict verdict;
	/** the answer it showed, NULL for a failure (then @ref result says which): shared with
	 *  the entry's answer and the rows that show the change, valid while the snapshot holding
	 *  the row is; its text for people is pt_change_summary()'s (made when shown, not for
	 *  every reply: 112 bytes a resolver and a formatting under the state's lock fewer) */
	const struct pt_answer *answer;
	/** what failed when @ref answer is NULL ("timeout") */
	enum pt_reply_result result;
	/** a hash of the answer (kind and RDATA set), to recognise it again; 0 for a failure */
	uint64_t hash;
	/** the resolver went back to an answer it had given before the previous one (a flap) */
	bool reverted;
	/** what changed */
	enum pt_change_reason reason;
};

/** MX target host names followed at most (--follow-mx); each is asked for A and AAAA. */
#define PT_TARGETS_MAX 8

/** One followed question (--follow-mx): an MX target's A or AAAA, and its own truth, taken
 *  from the target zone's authoritative servers. */
struct pt_target {
	/** the MX target host name, lower-case absolute */
	char name[256];
	/** PT_TYPE_A or PT_TYPE_AAAA */
	uint16_t qtype;
	/** its truth (source NONE until found); in a snapshot a deep copy */
	struct pt_truth truth;
};

/** One resolver's answer to one followed question. */
struct pt_target_result {
	/** true once a reply (or final failure) arrived */
	bool has_reply;
	/** how the last query ended */
	enum pt_reply_result result;
	/** the last answer (zeroed unless result is PT_REPLY_OK) */
	struct pt_answer answer;
	/** round trip, milliseconds */
	double rtt_ms;
	/** pt_clock time of the reply, nanoseconds */
	uint64_t received_ns;
	/** against the question's truth (pending while that is not known) */
	enum pt_verdict verdict;
};

/** Changes kept per resolver; older ones are dropped. */
#define PT_HISTORY_MAX 16

/** One resolver in a snapshot: what it said last and how that compares. */
struct pt_row {
	/** the resolver's id (given by the driver; stable while it is tracked) */
	uint64_t id;
	/** the resolver: shared with the state, valid while the snapshot is; never NULL in a
	 *  snapshot's rows (NULL in a row made to show a followed target's result, which only
	 *  pt_output_answer_summary() and pt_row_ttl_left() read) */
	const struct pt_resolver *resolver;
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
	/** the most recent changes of answer and of status (at most PT_HISTORY_MAX), oldest
	 *  first; between two entries the status stayed as the earlier one says (views derive
	 *  timelines from it); in a snapshot of the state it is the state's own, shared and
	 *  read-only (valid until pt_snapshot_free()), NULL when nhistory is 0 */
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
	/** --follow-mx: this resolver's answers for the followed MX targets' addresses, index-
	 *  aligned with the snapshot's targets (points into the row's chunk, valid until
	 *  pt_snapshot_free()); NULL when none are followed */
	struct pt_target_result *targets;
	/** number of @ref targets (the snapshot's ntargets, or 0) */
	size_t ntargets;
	/** the last reply came over TCP (a plain resolver after truncation, or --tcp) */
	bool via_tcp;
	/** its CH TXT id.server answer, cleaned; "" when unknown (asked once, on first contact);
	 *  in a snapshot of the state shared and valid until pt_snapshot_free(), in a row made
	 *  by hand NULL is read as "" */
	const char *id_server;
	/** its CH TXT hostname.bind answer, cleaned; "" when unknown (as @ref id_server) */
	const char *hostname_bind;
	/** its last answer was SERVFAIL and the same question with CD set was answered: DNSSEC
	 *  validation failed there (status detail "dnssec") */
	bool dnssec_failure;
	/** its last answer is served stale (RFC 8767): EDE 3, or the same answer again after it
	 *  should have expired, with a TTL of at most PT_STALE_TTL_MAX and shorter than a fresh
	 *  copy's (the longest seen there, or the zone's own when lower; detail "stale") */
	bool stale;
	/** the rcode of that CD answer (with @ref dnssec_failure) */
	int cd_rcode;
	/** the Client Subnet its last query carried (family 0: none) */
	struct pt_ecs ecs_sent;
};

/** The longest TTL resolvers give stale data (RFC 8767 §4 recommends 30 s). */
#define PT_STALE_TTL_MAX 30

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

/** Rows in one chunk of a snapshot (see pt_state_view()). */
#define PT_CHUNK_ROWS 32

/** A chunk of rows shared by snapshots (opaque; read rows with pt_snapshot_row()). */
struct pt_chunk;

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
	/** rows in the order resolvers were added, as one array: from pt_state_snapshot() and
	 *  in snapshots built by hand; NULL from pt_state_view() (read rows of any snapshot
	 *  with pt_snapshot_row()) */
	struct pt_row *rows;
	/** number of rows */
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
	/** storage of rows' history built by hand, owned (freed by pt_snapshot_free()); may be
	 *  NULL (the state's snapshots share the state's histories) */
	struct pt_change *history_pool;
	/** --follow-mx: the followed questions (each MX target's A and AAAA) with their truths;
	 *  NULL when none */
	struct pt_target *targets;
	/** number of @ref targets */
	size_t ntargets;
	/** counts per verdict over every row's target results */
	struct pt_counts target_counts;
	/** the chunks holding the rows (a reference each), in the order added; NULL in a
	 *  snapshot built by hand */
	struct pt_chunk **chunks;
	/** number of @ref chunks */
	size_t nchunks;
	/** index of the first row of each chunk */
	size_t *chunk_first;
	/** chunks this snapshot built (its resolvers changed since the previous snapshot); the
	 *  others are shared with it */
	size_t chunks_built;
	/** bumped when a resolver is added or removed: equal values (of one state) mean the
	 *  same resolvers in the same rows */
	uint64_t rows_generation;
	/** the Globalping API's rate limit as last reported (--globalping); not known without */
	struct pt_vantage_limits globalping_limits;
};

/**
 * Row @p i (0 .. nrows - 1, in the order added) of any snapshot. Rows of unchanged resolvers
 * are the same memory in successive snapshots of one state.
 */
const struct pt_row *pt_snapshot_row(const struct pt_snapshot *s, size_t i);

/** Rows of @p s with @ref pt_row.old_servers (a sum per chunk, not a look at every row). */
size_t pt_snapshot_old_servers(const struct pt_snapshot *s);

/** Rows of @p s from a vantage source (not PT_SOURCE_LOCAL), counted as
 *  pt_snapshot_old_servers() counts. */
size_t pt_snapshot_probes(const struct pt_snapshot *s);

/** Free a snapshot. NULL does nothing. */
void pt_snapshot_free(struct pt_snapshot *s);

/** Kinds of event kept for the NDJSON stream and the log. */
enum pt_event_kind {
	PT_EVENT_ANSWER,    /**< one reply */
	PT_EVENT_CHANGE,    /**< a resolver's answer changed */
	PT_EVENT_TRUTH,	    /**< the truth changed */
	PT_EVENT_CONVERGED, /**< the verdicts became converged */
	PT_EVENT_DIVERGED,  /**< they were converged and are not any more */
	PT_EVENT_TARGET,    /**< one reply to a followed MX target's A or AAAA (--follow-mx) */
};

/** One event. Embedded; release with pt_event_fini(). */
struct pt_event {
	/** what happened */
	enum pt_event_kind kind;
	/** pt_clock time, nanoseconds */
	uint64_t at_ns;
	/** wall time, ms since the epoch */
	uint64_t wall_ms;
	/** the resolver (ANSWER, CHANGE, TARGET): a shared one's reference (pt_resolver_ref()),
	 *  dropped by pt_event_fini(); NULL for the other kinds. A reference, not a copy: a
	 *  sweep's events waiting for the writer held 352 bytes of resolver each. */
	const struct pt_resolver *resolver;
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
	/** PT_EVENT_TARGET: the MX target asked, lower-case absolute (pt_text_intern()'s shared
	 *  copy: a handful of names, whatever the number of events) */
	const char *target;
	/** PT_EVENT_TARGET: its type asked (A or AAAA) */
	uint16_t target_type;
	/** the reply came over TCP (ANSWER) */
	bool via_tcp;
	/** the answer is served stale (ANSWER; see struct pt_row) */
	bool stale;
	/** the Client Subnet the query carried (ANSWER) */
	struct pt_ecs ecs_sent;
	/** the state's own: the shared copies @ref answer and @ref from are views of (NULL: a copy
	 *  of its own, or none), dropped by pt_event_fini(). A reply's event refers to the answer
	 *  the state keeps: no copy of it is made under the state's lock. */
	void *held[2];
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

/** As pt_state_add(), keeping a reference to shared @p r (pt_resolver_share()) instead of a
 *  copy of its own. */
enum pt_status pt_state_add_shared(struct pt_state *st, uint64_t id, const struct pt_resolver *r);

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

/** Replace resolver @p id's vantage point details (a probe's re-run: its measurement id and
 *  observation time). A local row, or an untracked id, is left alone. */
void pt_state_set_vantage(struct pt_state *st, uint64_t id, const struct pt_vantage *v);

/** Keep the Globalping API's rate limit @p l (GET /v1/limits, or a creation's headers) for
 *  the snapshots. */
void pt_state_set_globalping_limits(struct pt_state *st, const struct pt_vantage_limits *l);

/** Which CH TXT name an identity came from. */
enum pt_identity_kind {
	PT_IDENTITY_ID_SERVER = 0, /**< id.server (RFC 4892) */
	PT_IDENTITY_HOSTNAME_BIND, /**< hostname.bind */
};

/** Store resolver @p id's CH TXT identity @p text (copied, cleaned, cut). */
void pt_state_set_identity(struct pt_state *st, uint64_t id, enum pt_identity_kind kind,
			   const char *text);

/**
 * Record the outcome of asking resolver @p id again with CD set after a SERVFAIL, for the
 * target generation @p generation: @p answered true when it then answered (NOERROR or
 * NXDOMAIN): DNSSEC validation failed there. A later reply that is not SERVFAIL clears it.
 */
void pt_state_set_dnssec(struct pt_state *st, uint64_t id, uint64_t generation, bool answered,
			 int rcode);

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
 * Take an immutable copy (a pure read of what it shows; it keeps the chunks it built for the
 * next one). Its rows are in chunks (rows is NULL): read them with pt_snapshot_row(). It costs
 * the chunks of the resolvers that changed since the previous snapshot, plus a pointer per
 * chunk: the snapshot a view takes on every change.
 * @return caller owns; free with pt_snapshot_free(). NULL on allocation failure.
 */
struct pt_snapshot *pt_state_view(struct pt_state *st);

/**
 * What pt_state_view() shows, with all the rows built afresh as one chunk of their own (also
 * @ref pt_snapshot.rows), for this snapshot alone: the state keeps no chunk of it. For the
 * one-off snapshots (the end of a run, a saved list); a view is cheaper when snapshots repeat.
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

/**
 * --follow-mx: follow these MX target host names (at most PT_TARGETS_MAX; each is asked for
 * A and AAAA). Questions of names that stay keep their truths and answers; those of names
 * that go are dropped; new ones start pending. n == 0 stops following. Re-judges and wakes.
 * @param names lower-case absolute host names, borrowed
 * @return true when the set changed.
 */
bool pt_state_set_targets(struct pt_state *st, char *const *names, size_t n);

/**
 * The truth of followed question @p name / @p qtype (copied); re-judges every resolver's
 * answer to it. Ignored when the question is not followed (any more).
 */
void pt_state_set_target_truth(struct pt_state *st, const char *name, uint16_t qtype,
			       const struct pt_truth *truth);

/**
 * Store resolver @p id's reply to followed question @p name / @p qtype (copied). Records a
 * TARGET event when events are on. Ignored for a stale target generation, an unknown
 * resolver or a question no longer followed.
 * @return its verdict (PENDING for an ignored reply).
 */
enum pt_verdict pt_state_publish_target(struct pt_state *st, uint64_t id, uint64_t generation,
					const char *name, uint16_t qtype,
					const struct pt_reply *reply);

/**
 * Resolver @p id as it was added (the one copy of it: the driver keeps none of its own).
 * @param[out] out the copy
 * @return false when @p id was never added.
 */
bool pt_state_resolver(struct pt_state *st, uint64_t id, struct pt_resolver *out);

/** Short text of @p c ("10 mx.example.", "NXDOMAIN", "timeout"): its answer's summary with
 *  " | " between the records, or what failed, cut to @p size - 1 bytes. @return @p buf. */
char *pt_change_summary(char *buf, size_t size, const struct pt_change *c);

/** The resolver of @p id as a reference of the caller's (drop it with pt_resolver_unref()),
 *  NULL for an id never added: the state's own copy, not a copy of it. Any thread. */
const struct pt_resolver *pt_state_resolver_hold(struct pt_state *st, uint64_t id);

/** pt_state_resolver_hold() for the @p n ids at @p ids into @p out, under one lock: a
 *  sweep's submitter takes the lock the replies' publishers need once per batch. */
void pt_state_resolvers_hold(struct pt_state *st, const uint64_t *ids, size_t n,
			     const struct pt_resolver **out);

#endif /* PT_STATE_H */
