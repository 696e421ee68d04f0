/**
 * @file run_vantage.h
 * The vantage sources wired into a session: saved RIPE Atlas and Globalping results read
 * through src/atlas.c and src/globalping.c into the session's state (src/vantage.c), with
 * what was read or skipped said on the FILE * given. Controlling thread only.
 */
#ifndef PT_RUN_VANTAGE_H
#define PT_RUN_VANTAGE_H

#include <stdio.h>

#include "inputs.h"
#include "options.h"
#include "session.h"

/**
 * Read the --atlas-results and --globalping-results files @p o names into @p s's state, as
 * rows after the local resolvers, and make the --atlas / --globalping measurements: in text
 * modes their results are awaited here; in the @p dashboard only the creation (and the rate
 * limits) happen here, and the repeats' thread (pt_vantage_repeat_start()) collects the first
 * results, so that the dashboard appears at once.
 * @return -1 to go on, else the exit status (2: a file cannot be read or holds no JSON) after
 *         a message on @p err.
 */
int pt_vantage_feed(struct pt_session *s, const struct pt_options *o, const struct pt_inputs *in,
		    bool dashboard, FILE *err);

/**
 * While watching (not @p once), repeat the live measurements --atlas and --globalping made on
 * the same probes (Atlas: probe source msm; Globalping: locations = the first id), each no
 * more often than --atlas-every / --gp-every, in a thread of its own; the new results update
 * the same rows through pt_vantage_observe(). What each repeat costs is said on @p err, or in
 * the @p dashboard through pt_vantage_repeat_message(). Nothing to repeat, or @p once: nothing
 * starts.
 * @return -1 to go on, else the exit status after a message on @p err.
 */
int pt_vantage_repeat_start(struct pt_session *s, bool once, bool dashboard, FILE *err);

/**
 * The dashboard's message line (where stderr cannot be seen): the next line the live
 * measurements said (each repeat and its cost, the rate limits, a skipped repeat, failures),
 * oldest first, one every 2 s so each can be read. Any thread but the repeats'.
 * @param[out] error the line says something failed
 * @return true with a line in @p msg; false when there is none now.
 */
bool pt_vantage_repeat_message(struct pt_session *s, char *msg, size_t size, bool *error);

/** Stop the repeats and wait for their thread (an HTTPS request in flight ends first, within
 *  its timeout). Idempotent. */
void pt_vantage_repeat_stop(struct pt_session *s);

/** Stop and free the repeats. NULL-safe (s->repeat). */
void pt_vantage_repeat_free(struct pt_session *s);

#endif /* PT_RUN_VANTAGE_H */
