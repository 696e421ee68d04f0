/**
 * @file run_dashboard.h
 * The dashboard mode: a session (src/state, engine, watch, event writer) wired to the
 * dashboard's snapshot source and commands (ui/dashboard.h). Controlling thread only.
 */
#ifndef PT_RUN_DASHBOARD_H
#define PT_RUN_DASHBOARD_H

#include "inputs.h"
#include "options.h"

/** Run the dashboard until it quits (@p in's resolver list is released once the session holds
 * the entries). @return the exit status (src/verdict.c). */
int pt_run_dashboard(const struct pt_options *o, struct pt_inputs *in);

#endif /* PT_RUN_DASHBOARD_H */
