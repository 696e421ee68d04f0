/**
 * @file alert.h
 * Alerts while watching (--exec, --notify): on converged, diverged, truth and flap events
 * (a change back to an earlier answer), run the user's program with the event's NDJSON line
 * on its standard input and PT_EVENT, PT_DOMAIN and PT_TYPE in its environment, and/or send a
 * desktop notification (notify-send, else the terminal's notification escape, taken by the
 * caller and written to its terminal). The event lines come from src/eventlog.c (its hook),
 * so the JSON is the --log line, written once.
 *
 * Threads: pt_alert_event() is called by the event writer's thread and never blocks (a
 * bounded queue; an event that does not fit is dropped and reported). One runner thread of
 * its own (signals blocked; children get an empty mask and default handlers) starts at most
 * max_running programs at once, feeds their standard input without blocking, reaps them,
 * and kills one (its process group) that runs longer than timeout_ms. Failures become report
 * lines the controlling thread takes with pt_alert_take(). One mutex guards the queue, the
 * reports and the pending terminal bytes; no other lock is taken under it.
 */
#ifndef PT_ALERT_H
#define PT_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"
#include "text.h"

/** The events that alert. */
enum pt_alert_kind {
	PT_ALERT_NONE = 0,  /**< not an alert (an answer, an ordinary change) */
	PT_ALERT_CONVERGED, /**< the verdicts became converged */
	PT_ALERT_DIVERGED,  /**< they were converged and are not any more */
	PT_ALERT_TRUTH,	    /**< the truth changed */
	PT_ALERT_FLAP,	    /**< a resolver went back to an answer it gave before (a change
				 event with "reverted": true) */
};

/** The alert an event is, PT_ALERT_NONE for the others. */
enum pt_alert_kind pt_alert_kind_of(const struct pt_event *ev);

/** PT_EVENT's value: "converged", "diverged", "truth", "flap" ("" for NONE). */
const char *pt_alert_kind_name(enum pt_alert_kind k);

/** The terminal notification escape to use. */
enum pt_alert_escape {
	PT_ESCAPE_NONE = 0, /**< none (notify-send runs, or no --notify) */
	PT_ESCAPE_OSC9,	    /**< ESC ] 9 ; text BEL (iTerm2, WezTerm, Windows Terminal, kitty) */
	PT_ESCAPE_OSC777,   /**< ESC ] 777 ; notify ; title ; body BEL (rxvt, foot, VTE) */
};

/** The escape the terminal understands, from TERM and VTE_VERSION (either may be NULL). */
enum pt_alert_escape pt_alert_escape_for(const char *term, const char *vte_version);

/**
 * Split @p cmd into words as a shell would without expanding anything: blanks separate,
 * '...' is literal, "..." keeps blanks (backslash escapes " \ $ ` there), a backslash
 * outside quotes escapes the next character. No variables, globs, pipes or redirections:
 * a shell runs only when the words say so (sh -c '...').
 * @param[out] argv NULL-terminated; caller owns; free with pt_alert_argv_free()
 * @return the number of words (0 for a blank line), -1 for an unterminated quote or a
 *         trailing backslash, -2 without memory.
 */
int pt_alert_split(char ***argv, const char *cmd);

/** Free what pt_alert_split() made. NULL does nothing. */
void pt_alert_argv_free(char **argv);

/**
 * Where @p name is on @p path (a PATH value, ':'-separated; an empty entry is the current
 * directory): the first executable regular file. @return caller owns (free()), or NULL.
 */
char *pt_alert_which(const char *name, const char *path);

/**
 * The notification of an event for people: a title ("proptrack: converged") and a body
 * ("example.com. MX: 5 of 5 resolvers match"), cleaned of control characters.
 */
void pt_alert_text(char *title, size_t tsize, char *body, size_t bsize, const struct pt_event *ev,
		   const char *domain, const char *type);

/** How alerts run. */
struct pt_alert_config {
	/** the --exec words (pt_alert_split()), NULL for none. Copied */
	char *const *argv;
	/** the path of notify-send to run per alert, NULL for none. Copied */
	const char *notify_send;
	/** the terminal escape per alert (PT_ESCAPE_NONE: none) */
	enum pt_alert_escape escape;
	/** the programs' standard output and error go to /dev/null (the dashboard owns the
	 *  terminal); else both go to our standard error (stdout may be an NDJSON stream) */
	bool quiet;
	/** programs running at once (0: 3) */
	unsigned max_running;
	/** alerts waiting to run (0: 16); more are dropped and reported */
	size_t queue_max;
	/** a program running longer is killed (its process group) and reported (0: 30000) */
	unsigned timeout_ms;
	/** at pt_alert_end(), how long to wait for what runs and waits (0: 5000) */
	unsigned end_wait_ms;
};

struct pt_alert;

/**
 * Start the runner.
 * @return new alerts or NULL (no memory, no thread). Caller owns; pt_alert_end() then
 *         pt_alert_free().
 */
struct pt_alert *pt_alert_new(const struct pt_alert_config *cfg);

/**
 * One event from the event writer: queued when it alerts. @p line is its NDJSON line
 * (@p len bytes, copied), @p domain and @p type the tracked name and type. Never blocks.
 */
void pt_alert_event(struct pt_alert *a, const struct pt_event *ev, const char *line, size_t len,
		    const char *domain, const char *type);

/**
 * Take what is pending for the controlling thread: terminal bytes (notification escapes)
 * appended to @p term, report lines (each ending in a newline, "--exec: ...") appended to
 * @p reports. Either may be NULL (then it stays pending). Thread-safe.
 */
void pt_alert_take(struct pt_alert *a, struct pt_buf *term, struct pt_buf *reports);

/** Alerts run so far (programs started, escapes made), for tests and the summary. */
uint64_t pt_alert_count(struct pt_alert *a);

/**
 * Run what is queued and wait for what runs, up to end_wait_ms; then kill what still runs,
 * drop what still waits (reported), and stop the runner. A second call does nothing.
 */
void pt_alert_end(struct pt_alert *a);

/** End (if not yet) and free. NULL does nothing. */
void pt_alert_free(struct pt_alert *a);

#endif /* PT_ALERT_H */
