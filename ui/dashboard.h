/**
 * @file dashboard.h
 * The live ncurses dashboard: header with the truth and progress, legend of answer groups,
 * the resolver table, panels (details, help) and prompts (filter, type, expected answer).
 * Threads: runs on the UI thread, the only thread that calls curses. It reads snapshots of
 * the state and sends the driver a few commands through pt_watch_*. The `d` diagnosis runs on
 * one extra thread of its own (own engine, signals blocked), joined before the panel's
 * results are used and before pt_dashboard_run() returns.
 */
#ifndef PT_DASHBOARD_H
#define PT_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "resolvers.h"

#include "state.h"
#include "watch.h"

/** How ui/main.c runs the dashboard. */
struct pt_dashboard_config {
	/** the state to show. Borrowed; must outlive pt_dashboard_run() */
	struct pt_state *state;
	/** the driver: pt_watch_refresh / add / remove / retarget / expect. Borrowed; may be NULL
	 */
	struct pt_watch *watch;
	/** false with --no-color / NO_COLOR */
	bool color;
	/** --iterations N: exit after N redraws (0 = unlimited), for unattended sanitizer runs */
	long iterations;
	/** called after each new snapshot (main writes --log events); may be NULL.
	 *  @p s is borrowed for the call only */
	void (*on_tick)(void *ctx, const struct pt_snapshot *s);
	/** passed to @ref on_tick */
	void *ctx;
	/** `d` diagnosis: probe SMTP on the MX targets (main sets it from --no-smtp; the
	 *  zero value, false, skips the probes) */
	bool smtp;
	/** `d` diagnosis: SMTP port (--smtp-port); 0 = 25 */
	uint16_t smtp_port;
	/** `d` diagnosis: --auth servers instead of NS discovery. Borrowed; may be NULL */
	const struct pt_resolver *auth;
	/** number of @ref auth */
	size_t nauth;
	/** `d` diagnosis: engine settings (--timeout, --retries, --tcp, --rate). Borrowed; NULL
	 *  for the defaults */
	const struct pt_engine_config *engine;
};

/**
 * Run until q, SIGINT, SIGTERM or SIGHUP (or @ref pt_dashboard_config.iterations redraws).
 * Takes over the terminal (alternate screen) and restores it on every exit path, fatal
 * signals included (their handlers call endwin() and re-raise).
 * @return the exit status per CONTRACT.md from the last snapshot: 0 converged, 1 not
 *         converged, 3 no resolver answered at all; 1 when the terminal cannot be set up.
 */
int pt_dashboard_run(const struct pt_dashboard_config *cfg);

#endif /* PT_DASHBOARD_H */
