/**
 * @file run_text.h
 * The text modes: --once (one sweep, then the table, JSON or CSV) and watching without a
 * dashboard (--until-converged, the NDJSON stream), ended by convergence, --max-wait or
 * SIGINT/SIGTERM/SIGHUP. Controlling thread only.
 */
#ifndef PT_RUN_TEXT_H
#define PT_RUN_TEXT_H

#include "inputs.h"
#include "options.h"

/**
 * Run the tracker in text mode @p mode (PT_MODE_ONCE or PT_MODE_WATCH). @p in's resolver
 * list is released once the session holds the entries (pt_inputs_release_list()).
 * @return the exit status.
 */
int pt_run_text(const struct pt_options *o, struct pt_inputs *in, enum pt_mode mode);

/** Columns of the terminal on standard output; 0 when it is not one (tables then take 80). */
int pt_terminal_width(void);

#endif /* PT_RUN_TEXT_H */
