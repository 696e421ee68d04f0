/**
 * @file session.h
 * The tracker wired for one run: the state, the engine, the driver (src/watch.c) over the
 * engine's struct pt_net, and the event writer for --log and the NDJSON stream. The text
 * loop and the dashboard both run on one of these. Controlling thread only.
 *
 * Shutdown order (pt_session_fini()): cancel what is in flight so the driver's threads
 * return at once, join them, end the event stream, then free the engine before the driver
 * its callbacks point to, and the state last.
 */
#ifndef PT_SESSION_H
#define PT_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"
#include "eventlog.h"
#include "inputs.h"
#include "options.h"
#include "state.h"
#include "watch.h"

/** One run of the tracker. Embedded; zero it, pt_session_start(), pt_session_fini(). */
struct pt_session {
	/** answers and verdicts */
	struct pt_state *state;
	/** the network */
	struct pt_engine *engine;
	/** the driver; owns the resolver set */
	struct pt_watch *watch;
	/** the NDJSON writer, NULL without --log and stream */
	struct pt_eventlog *events;
	/** --log descriptor, -1 without */
	int log_fd;
};

/**
 * Open --log, create the state and engine, track every resolver of @p in, start the driver
 * and the event writer.
 * @param once poll each resolver once (ONCE mode)
 * @param stream write the NDJSON events to standard output
 * @return -1 on success, else the exit status after a message on @p err.
 */
int pt_session_start(struct pt_session *s, const struct pt_options *o, const struct pt_inputs *in,
		     bool once, bool stream, FILE *err);

/** Stop the driver and cancel what is in flight (cancelled queries change no answer). */
void pt_session_stop(struct pt_session *s);

/** Stop (if not yet), then end the event stream with @p exit_status. */
void pt_session_end(struct pt_session *s, int exit_status);

/** The tracker's exit status now (src/verdict.c, the same for every mode). */
int pt_session_exit_status(struct pt_session *s);

/** End (if not yet, with exit status 1) and free everything. */
void pt_session_fini(struct pt_session *s);

#endif /* PT_SESSION_H */
