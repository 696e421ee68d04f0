/**
 * @file watch.h
 * The driver: it owns the set of tracked resolvers (their ids, their schedule), polls each
 * one just after its cached answer expires (src/sched.c decides when), looks at the
 * authoritative servers' serials and the delegation once a second and checks the truth again
 * when they change (and every 30 s), through the resolvers tracked at that moment, and feeds
 * every reply to the state. A resolver that still serves an old answer is asked once for the
 * zone's NS set it holds: names that are not delegated any more are asked for the truth too
 * (shown as not-delegated), and its NS TTL bounds how long it can fetch the old answer. With
 * --expect and no --query-now, resolvers are not asked while the authoritative servers deny
 * the expected record (asking would plant the denial in their caches). It asks through a struct
 * pt_net (the engine, or a test's fake) and runs two threads of its own (polling, truth) once
 * started. With follow_mx and type MX, each target host of the truth's MX set is asked for A
 * and AAAA on every resolver, one query per question per resolver when its answer expires (the
 * same schedule), and each target's truth is found through src/truth.c's discovery of the
 * target's own zone (checked with the main truth, and its serials once a second when it lives
 * in another zone); without them, pt_watch_step() and pt_watch_check_truth() drive it by hand on a
 * fake clock.
 *
 * Threads: every pt_watch_* function may be called from the controlling thread while the
 * driver runs. Locking: one mutex in struct pt_watch guards the resolver set and schedule;
 * it is never held while calling into the network (a fake may answer at once) or the truth
 * finder; the state's lock may be taken while it is held (order: watch, then state).
 */
#ifndef PT_WATCH_H
#define PT_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "net.h"
#include "resolvers.h"
#include "state.h"
#include "truth.h"

/** Driver settings. */
struct pt_watch_config {
	/** shortest time between two polls of one resolver, seconds (--interval) */
	double interval_s;
	/** longest time between two polls of one resolver, seconds (--max-interval) */
	double max_interval_s;
	/** check the truth in full at least this often, seconds (0 = never after the first) */
	double truth_interval_s;
	/** look at the servers' serials and the delegation this often, seconds (0 = never) */
	double poll_interval_s;
	/** poll once and stop (--once): each resolver gets one query */
	bool once;
	/** ask the resolvers even while the servers deny the --expect'ed record (--query-now) */
	bool query_now;
	/** --follow-mx: with type MX, also ask every resolver for each MX target's A and AAAA
	 *  (the truth's MX set names them), judged against the target zone's own servers */
	bool follow_mx;
	/** on first contact, also ask each resolver its CH TXT id.server and hostname.bind
	 *  (once each, after its first reply: one that never answers is not asked; the first
	 *  sweep waits for them) */
	bool identity;
};

struct pt_watch;

/**
 * A driver for @p state, asking through @p net; no thread runs yet (pt_watch_start()).
 * @param truth_cfg how to find the truth; copied
 * @param clock NULL for pt_clock_monotonic
 * @return new driver or NULL on failure. Caller owns; free with pt_watch_free(). @p net's
 *         implementation and @p state must outlive it.
 */
struct pt_watch *pt_watch_new(const struct pt_net *net, struct pt_state *state,
			      const struct pt_truth_config *truth_cfg,
			      const struct pt_watch_config *cfg, pt_clock_fn clock);

/** Start the polling and truth threads (signals blocked in them). @return PT_OK or
 *  PT_ERR_NOMEM. */
enum pt_status pt_watch_start(struct pt_watch *w);

/**
 * Track a resolver and poll it at once. The watch gives it its id (ids grow and are never
 * reused). @param[out] id may be NULL. @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_watch_add(struct pt_watch *w, const struct pt_resolver *r, uint64_t *id);

/** As pt_watch_add(), for a shared resolver (pt_resolver_share(), a loaded list's entry): the
 *  state keeps a reference to it, not a copy. */
enum pt_status pt_watch_add_shared(struct pt_watch *w, const struct pt_resolver *r, uint64_t *id);

/** Stop polling and tracking resolver @p id. */
void pt_watch_remove(struct pt_watch *w, uint64_t id);

/**
 * The tracked resolvers, in the order added.
 * @param[out] out caller owns; free() (NULL when none)
 * @return how many.
 */
size_t pt_watch_resolvers(struct pt_watch *w, struct pt_resolver **out);

/** Poll every resolver and re-check the truth now (the `r` key). */
void pt_watch_refresh(struct pt_watch *w);

/**
 * Track another name/type (the `t` key): clears answers, re-discovers the truth.
 * @return PT_OK or PT_ERR_PARSE.
 */
enum pt_status pt_watch_retarget(struct pt_watch *w, const char *domain, uint16_t qtype);

/**
 * Set (n > 0) or clear (n == 0) the expected answer (the `e` key); rdata are presentation
 * form, normalised here. @return PT_OK or PT_ERR_PARSE with nothing changed.
 */
enum pt_status pt_watch_expect(struct pt_watch *w, const char *const *rdata, size_t n);

/** True while resolvers are not asked: the --expect'ed record is not published yet (or the
 *  truth was not looked for yet). */
bool pt_watch_holding(struct pt_watch *w);

/** True once every resolver has been polled at least once (or the polls are held back) and
 *  the truth was looked for. */
bool pt_watch_first_sweep_done(struct pt_watch *w);

/**
 * Send every poll that is due at the clock's time now.
 * @return the clock time of the next due poll, UINT64_MAX when none is scheduled.
 */
uint64_t pt_watch_step(struct pt_watch *w);

/** Look for the truth now, through the resolvers tracked now, and give it to the state
 *  (blocks on the network). */
void pt_watch_check_truth(struct pt_watch *w);

/**
 * Stop and join the driver's threads (a truth check in progress finishes first; cancel the
 * engine to cut it short). Queries still in the network keep pointing at @p w: free the
 * engine before pt_watch_free(). NULL or a second call does nothing.
 */
void pt_watch_stop(struct pt_watch *w);

/** Stop (if not yet) and free. NULL does nothing. */
void pt_watch_free(struct pt_watch *w);

/**
 * Ask every poll from now on with EDNS Client Subnet @p ecs (copied; NULL or family 0:
 * none), and ask every resolver again at once.
 */
void pt_watch_set_ecs(struct pt_watch *w, const struct pt_ecs *ecs);

#endif /* PT_WATCH_H */
