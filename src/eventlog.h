/**
 * @file eventlog.h
 * The NDJSON event writer: fed by the state (pt_state_events()), for every mode, it writes
 * each event as one line to its sinks (the --format ndjson stream on standard output, the
 * --log file), plus the "start" line when it starts and the "end" line with the exit status.
 * Views never write events; they only read snapshots.
 *
 * Threads: a writer runs one thread of its own (signals blocked) that waits for events in
 * pt_state_wait_events(). pt_eventlog_start() and pt_eventlog_end() are called from one
 * controlling thread. Every line is built in memory and written with write(2) whole, so a
 * line is on the sink whole or not at all.
 */
#ifndef PT_EVENTLOG_H
#define PT_EVENTLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "state.h"
#include "text.h"

struct pt_eventlog;

/**
 * Start writing the events of @p st to @p stream_fd and/or @p log_fd (-1: none). Turns on
 * the state's events and writes the "start" line at once.
 * @return new writer or NULL on failure. Caller owns; pt_eventlog_end() then
 *         pt_eventlog_free(). @p st must outlive it.
 */
struct pt_eventlog *pt_eventlog_start(struct pt_state *st, int stream_fd, int log_fd);

/**
 * Stop the thread, write what events remain (also those still held for the truth), then the
 * "end" line with @p exit_status. A second call does nothing. NULL does nothing.
 */
void pt_eventlog_end(struct pt_eventlog *el, int exit_status);

/** Writes that failed so far (a full disk, a closed pipe). */
uint64_t pt_eventlog_failures(struct pt_eventlog *el);

/**
 * Lines that could not be written to the --log sink so far (a full disk, an I/O error).
 * @param[out] err the errno of the last failure, 0 when none (may be NULL)
 * Thread-safe.
 */
uint64_t pt_eventlog_log_failures(struct pt_eventlog *el, int *err);

/** End (exit status 1 when not ended yet) and free. NULL does nothing. */
void pt_eventlog_free(struct pt_eventlog *el);

/**
 * The NDJSON line of one event (with its newline) appended to @p b; @p start_ns is the run's
 * start (for elapsed_s). Exposed for tests.
 */
void pt_eventlog_line(struct pt_buf *b, const struct pt_event *ev, uint64_t start_ns);

/**
 * Told every event the writer writes (not "start" and "end"), with its NDJSON line (@p len
 * bytes with the newline; borrowed for the call), on the writer's thread, before the line
 * is written. Must not block (src/alert.c queues).
 */
typedef void (*pt_eventlog_hook_fn)(void *ctx, const struct pt_event *ev, const char *line,
				    size_t len);

/**
 * pt_eventlog_start() that also tells @p hook (with @p hook_ctx) every event; both sinks may
 * be -1 then. @p hook_ctx must outlive the writer's pt_eventlog_end().
 */
struct pt_eventlog *pt_eventlog_start_hook(struct pt_state *st, int stream_fd, int log_fd,
					   pt_eventlog_hook_fn hook, void *hook_ctx);

#endif /* PT_EVENTLOG_H */
