/**
 * @file dashboard.h
 * The live ncurses dashboard: header with the truth and progress, legend of answer groups,
 * the resolver table, panels (details, help, paste, diagnosis) and prompts (filter, type,
 * expected answer, file to write). It reads snapshots from a source and sends commands; it
 * creates no engine, no thread and writes no file itself (app/run_dashboard.c implements
 * the commands).
 *
 * Threads: runs on the controlling thread, the only one that calls curses. A diagnosis the
 * commands start runs in the background (src/diagnose_job.h); the dashboard polls it and
 * joins it before returning.
 */
#ifndef PT_DASHBOARD_H
#define PT_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolvers.h"
#include "state.h"
#include "status.h"

struct pt_diag_job;

/** Where the dashboard's snapshots come from and where its commands go. */
struct pt_dashboard_ops {
	/** A snapshot of the tracker (a pure read). Caller owns; NULL without memory. */
	struct pt_snapshot *(*snapshot)(void *ctx);
	/** Readable when the tracker changed. */
	int (*wakeup_fd)(void *ctx);
	/** Empty the wake-up descriptor. */
	void (*drain)(void *ctx);
	/** Ask every resolver and the truth again now (`r`). */
	void (*requery)(void *ctx);
	/** Track one more resolver (`p`). @return PT_OK or PT_ERR_NOMEM. */
	enum pt_status (*add)(void *ctx, const struct pt_resolver *r);
	/** Stop tracking the resolver with id @p id (`x`). */
	void (*remove)(void *ctx, uint64_t id);
	/** Track another name and type (`t`). @return PT_OK or PT_ERR_PARSE. */
	enum pt_status (*retarget)(void *ctx, const char *domain, uint16_t qtype);
	/** Set (n > 0) or clear the expected answer (`e`). @return PT_OK or PT_ERR_PARSE. */
	enum pt_status (*expect)(void *ctx, const char *const *rdata, size_t n);
	/**
	 * Write the tracked list to @p path (`w`), atomically; @p overwrite false fails with
	 * errno EEXIST when it exists. @return PT_OK, or PT_ERR_IO with errno set.
	 */
	enum pt_status (*save)(void *ctx, const char *path, bool overwrite);
	/**
	 * Start the MX diagnosis of the tracked name through the tracked resolvers (`d`).
	 * @param wake_fd written to when it is done
	 * @return the running job (the dashboard ends it with pt_diag_job_finish()), or NULL.
	 */
	struct pt_diag_job *(*diagnose)(void *ctx, int wake_fd);
};

/** How the dashboard runs. */
struct pt_dashboard_config {
	/** the source and the commands. Borrowed */
	const struct pt_dashboard_ops *ops;
	/** passed to every op */
	void *ctx;
	/** false with --no-color / NO_COLOR */
	bool color;
	/** --iterations N: exit after N redraws (0 = unlimited), for unattended sanitizer runs */
	long iterations;
};

/**
 * Run until q, SIGINT, SIGTERM or SIGHUP (or @ref pt_dashboard_config.iterations redraws).
 * Takes over the terminal (alternate screen) and restores it on every exit path, fatal
 * signals included (their handlers call endwin() and re-raise).
 * @return 0 when it ran, -1 when the terminal cannot be set up.
 */
int pt_dashboard_run(const struct pt_dashboard_config *cfg);

#endif /* PT_DASHBOARD_H */
