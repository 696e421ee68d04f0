/**
 * @file run_replay.h
 * --replay FILE: the recorded log (src/replay.h) shown with the existing views, the dashboard
 * (read-only: `w` writes the replayed list, other commands say it is a replay) or, with
 * --format, the table, JSON or CSV of the run at its last whole line. Controlling thread.
 */
#ifndef PT_RUN_REPLAY_H
#define PT_RUN_REPLAY_H

#include <stdbool.h>

#include "options.h"

/** Replay @p o->replay_path. @return the exit status of the replayed verdicts, 2 when the log
 *  cannot be read. */
int pt_run_replay(const struct pt_options *o, bool stdout_tty);

#endif /* PT_RUN_REPLAY_H */
