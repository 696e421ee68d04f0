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
#include "text.h"

struct pt_diag_job;
struct pt_lookup;

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
	/**
	 * Start resolving pasted host names in the background (src/lookup.h).
	 * @param wake_fd written to when a result is ready
	 * @return the job (the dashboard frees it with pt_lookup_free()), or NULL.
	 */
	struct pt_lookup *(*lookup)(void *ctx, int wake_fd);
	/**
	 * What alerts (--exec, --notify) have pending, asked once per loop: bytes for the
	 * terminal (notification escapes, written as they are between frames) appended to
	 * @p term, and a line for the message area in @p msg ("" when none). May be NULL.
	 */
	void (*alerts)(void *ctx, struct pt_buf *term, char *msg, size_t msize);
	/**
	 * Ask with the next --ecs client subnet (`c`), naming it into @p label. NULL, or false
	 * returned: there are none to cycle.
	 */
	bool (*next_subnet)(void *ctx, char *label, size_t size);
	/**
	 * A line for the message area from the tracker's background work (the vantage
	 * sources' measurements), asked once per loop: true with the line in @p msg, and
	 * @p error when it reports a failure. May be NULL.
	 */
	bool (*message)(void *ctx, char *msg, size_t msize, bool *error);
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
 * Whether there is a terminal to read keys from: standard input, else /dev/tty (standard input
 * may be a resolver list: `cat list | proptrack -r - DOMAIN`).
 */
bool pt_dashboard_has_terminal(void);

/**
 * Run until q, SIGINT, SIGTERM or SIGHUP (or @ref pt_dashboard_config.iterations redraws).
 * Takes over the terminal (alternate screen, bracketed paste on for the whole session), reads
 * keys from standard input or, when that is not a terminal, from /dev/tty, and restores the
 * terminal on every exit path: every signal that ends the program (their handlers call
 * endwin() and re-raise) and Ctrl-Z (given back while stopped).
 * @return 0 when it ran, -1 when the terminal cannot be set up.
 */
int pt_dashboard_run(const struct pt_dashboard_config *cfg);

#endif /* PT_DASHBOARD_H */
