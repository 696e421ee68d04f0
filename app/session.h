/**
 * @file session.h
 * The tracker wired for one run: the state, the engine, the driver (src/watch.c) over the
 * engine's struct pt_net, and the event writer for --log and the NDJSON stream. The text
 * loop and the dashboard both run on one of these. Controlling thread only.
 *
 * Shutdown order (pt_session_stop(), then pt_session_fini()): cancel what is in flight so the
 * driver's threads return at once, join them, free the engine, then the driver its callbacks
 * point to (at the stop already, so their memory is back before the output is built), end
 * the event stream, and free the state last.
 */
#ifndef PT_SESSION_H
#define PT_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"
#include "alert.h"
#include "eventlog.h"
#include "inputs.h"
#include "options.h"
#include "state.h"
#include "vantage.h"
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
	/** the options it runs with; borrowed */
	const struct pt_options *options;
	/** --log failures already reported by pt_session_log_warning() */
	uint64_t log_failures_told;
	/** --exec / --notify, NULL without (fed by the event writer's hook) */
	struct pt_alert *alert;
	/** the probe rows of the vantage sources (app/run_vantage.c), NULL without */
	struct pt_vantage_set *vantage;
	/** the repeats of the live measurements while watching (app/run_vantage.c), NULL
	 *  without */
	struct pt_vantage_repeat *repeat;
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

/**
 * pt_session_start() for a mode that says whether it is the dashboard: there the --exec
 * programs' output goes to /dev/null and --notify's escape goes through the dashboard's
 * terminal (pt_alert_take()); in text modes the programs' output goes to stderr and the
 * escape to standard output when it is a terminal (pt_session_alerts()).
 */
int pt_session_start_mode(struct pt_session *s, const struct pt_options *o,
			  const struct pt_inputs *in, bool once, bool stream, bool dashboard,
			  FILE *err);

/**
 * Text modes: write what the alerts have pending, the notification escapes to @p term_fd
 * (-1: dropped) and the report lines ("proptrack: --exec: ...") to @p reports.
 */
void pt_session_alerts(struct pt_session *s, int term_fd, FILE *reports);

/** Stop the driver, cancel what is in flight (cancelled queries change no answer) and free
 *  the engine and the driver. */
void pt_session_stop(struct pt_session *s);

/**
 * Say on @p err how many --log lines could not be written and why, when that number grew
 * since the last call (pt_session_end() calls it after the last line: a full disk is never
 * silent). @return true when a warning was written.
 */
bool pt_session_log_warning(struct pt_session *s, FILE *err, const struct pt_options *o);

/** Stop (if not yet), then end the event stream with @p exit_status; warns on stderr when
 *  --log lines were lost. */
void pt_session_end(struct pt_session *s, int exit_status);

/** The tracker's exit status now (src/verdict.c, the same for every mode). */
int pt_session_exit_status(struct pt_session *s);

/** End (if not yet, with exit status 1) and free everything. */
void pt_session_fini(struct pt_session *s);

#endif /* PT_SESSION_H */
