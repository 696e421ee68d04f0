/**
 * @file run_tools.h
 * The one-shot tools: --check-resolvers (is each listed resolver usable?) and --diagnose
 * (why is my MX not taking effect?). Each makes its own engine, runs, prints, and returns
 * its exit status. Controlling thread only.
 */
#ifndef PT_RUN_TOOLS_H
#define PT_RUN_TOOLS_H

#include "inputs.h"
#include "options.h"

/** --check-resolvers: 0 when every resolver is usable, 1 when some are not, 3 when none is,
 *  2 when --write fails. */
int pt_run_check(const struct pt_options *o, const struct pt_inputs *in);

/** --diagnose: 0 without a failed check, 1 with one. */
int pt_run_diagnose(const struct pt_options *o, const struct pt_inputs *in);

#endif /* PT_RUN_TOOLS_H */
