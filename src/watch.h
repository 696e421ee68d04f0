/**
 * @file watch.h
 * The driver that keeps the state fresh: it polls each resolver just after its cached answer
 * expires (src/sched.c decides when), re-checks the truth every few seconds, and feeds every
 * reply to the state. It runs its own thread; the engine's workers do the I/O.
 *
 * Threads: every pt_watch_* function may be called from the UI thread while the driver runs.
 * Locking: one mutex in struct pt_watch guards the resolver schedule; never held during
 * engine calls that wait, nor while calling into the state.
 */
#ifndef PT_WATCH_H
#define PT_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "resolvers.h"
#include "state.h"
#include "truth.h"

/** Driver settings. */
struct pt_watch_config {
	/** shortest time between two polls of one resolver, seconds (--interval) */
	double interval_s;
	/** longest time between two polls of one resolver, seconds (--max-interval) */
	double max_interval_s;
	/** re-check the truth this often, seconds (0 = never after the first) */
	double truth_interval_s;
	/** poll once and stop (--once): each resolver gets one query */
	bool once;
};

struct pt_watch;

/**
 * Start driving @p state with @p engine. Resolvers already in the state are polled at once.
 * @param truth_cfg how to find the truth; copied
 * @return new driver or NULL on failure. Caller owns; stop and free with pt_watch_free().
 *         @p engine and @p state must outlive it.
 */
struct pt_watch *pt_watch_start(struct pt_engine *engine, struct pt_state *state,
				const struct pt_truth_config *truth_cfg,
				const struct pt_watch_config *cfg, pt_clock_fn clock);

/** Add a resolver to the state and poll it at once. @return PT_OK or PT_ERR_NOMEM. */
enum pt_status pt_watch_add(struct pt_watch *w, const struct pt_resolver *r, uint64_t *id);

/** Stop polling and tracking resolver @p id. */
void pt_watch_remove(struct pt_watch *w, uint64_t id);

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

/** True once every resolver has been polled at least once and the truth was looked for. */
bool pt_watch_first_sweep_done(struct pt_watch *w);

/** Queries sent so far (engine tries). */
uint64_t pt_watch_queries(struct pt_watch *w);

/**
 * Stop and join the driver's threads (a truth check in progress finishes first; cancel the
 * engine to cut it short). Queries still in the engine keep pointing at @p w: free the engine
 * before pt_watch_free(). NULL or a second call does nothing.
 */
void pt_watch_stop(struct pt_watch *w);

/** Stop (if not yet) and free. NULL does nothing. */
void pt_watch_free(struct pt_watch *w);

#endif /* PT_WATCH_H */
