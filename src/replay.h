/**
 * @file replay.h
 * --replay FILE: a recorded --log (the NDJSON events of src/eventlog.c) read back into a
 * struct pt_state, so the existing dashboard and outputs render the incident unchanged. The
 * log is a source like the engine: its "start" event makes the state and its resolvers, each
 * "truth" and "answer" event is fed to the state at the moment it was recorded (on a clock of
 * the log's own, frozen at the last event), and the state derives the verdicts, changes and
 * convergence as it did during the run. Only whole lines are read: a log cut by kill -9 or a
 * full disk replays up to its last whole line. A log holding several runs (--log appends)
 * replays the last one. JSON is read with jansson.
 * Controlling thread only; one replay per process (the clock is the module's).
 */
#ifndef PT_REPLAY_H
#define PT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "state.h"
#include "status.h"

/** What reading the log found. */
struct pt_replay_report {
	/** whole lines read */
	size_t lines;
	/** lines that are not a JSON event object (skipped) */
	size_t skipped;
	/** line number of the first skipped line, 0 when none */
	size_t first_skipped;
	/** the file ends inside a line (a killed run, a full disk): that part was left out */
	bool cut;
	/** runs in the file ("start" events); the last one is replayed */
	size_t runs;
	/** the exit status its "end" event recorded, -1 when the run has none (it was killed) */
	int exit_status;
};

/**
 * Read the log at @p path ("-" is stdin).
 * @param[out] out the state as the run saw it at its last whole line; caller owns, free with
 *             pt_state_free(); NULL on failure
 * @param[out] report what was read
 * @return PT_OK; PT_ERR_IO (errno set) when the file cannot be read; PT_ERR_PARSE when it holds
 *         no "start" event (not a proptrack log); PT_ERR_NOMEM.
 */
enum pt_status pt_replay_load(struct pt_state **out, const char *path,
			      struct pt_replay_report *report);

#endif /* PT_REPLAY_H */
