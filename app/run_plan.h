/**
 * @file run_plan.h
 * --plan: read the current state of an MX change (the MX set and its TTL from the zone's
 * authoritative servers, the delegation's NS TTL at the parent, whether an MTA-STS policy is
 * published) through src/truth.c, compute the cut-over plan (src/plan.c) and print it.
 * Controlling thread only.
 */
#ifndef PT_RUN_PLAN_H
#define PT_RUN_PLAN_H

#include "inputs.h"
#include "options.h"

/** --plan: 0 with a plan printed, 1 when the current state cannot be read, 2 for bad --to
 *  or --new-ns values. */
int pt_run_plan(const struct pt_options *o, const struct pt_inputs *in);

#endif /* PT_RUN_PLAN_H */
