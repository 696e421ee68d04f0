/**
 * @file paste.h
 * The dashboard's paste panel, without curses: it takes the raw bytes the terminal sends
 * (typed keys and bracketed pastes, "\e[200~ ... \e[201~"), keeps the text, and parses it
 * incrementally through the one resolver parser (pt_resolvers_parse()) so the panel can show,
 * while the text arrives, how many entries were read and which lines were rejected and why.
 *
 * Incremental parsing: only complete lines are parsed, in steps of a bounded number of bytes
 * (pt_paste_step()), each step once; a CSV header seen in an earlier step is carried into the
 * next. The last, unterminated line is parsed on its own when counts are asked for. A line
 * naming a host ("dns.google Google") becomes a host name to resolve: the dashboard takes each
 * (pt_paste_next_name()), resolves it in the background (src/lookup.h) and hands the result
 * back (pt_paste_name_result()): the entry joins the list, or the line is rejected with the
 * reason. Every host name line has a note in the panel saying how it stands.
 *
 * Threads: UI thread only. Nothing here is shared.
 */
#ifndef PT_PASTE_H
#define PT_PASTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolvers.h"
#include "status.h"

/** Most bytes of text kept; what arrives beyond is dropped (and counted). */
#define PT_PASTE_MAX_BYTES ((size_t)16 << 20)
/** Rejected lines kept for display; more are only counted. */
#define PT_PASTE_DIAGS_MAX 1000
/** Host names resolved per paste; lines naming more are rejected. */
#define PT_PASTE_NAMES_MAX 1000
/** A lone Esc is one not followed by another byte within this time. */
#define PT_PASTE_ESC_NS (60ULL * 1000000ULL)
/** A paste whose end marker has not come after this much silence is taken as ended. */
#define PT_PASTE_STALL_NS (2000ULL * 1000000ULL)
/** Bytes of complete lines parsed per pt_paste_step() by default (a few ms of work). */
#define PT_PASTE_STEP_BYTES ((size_t)256 << 10)

/** What a key or a timeout asks of the panel. */
enum pt_paste_event {
	PT_PASTE_NONE = 0, /**< keep going */
	PT_PASTE_APPLY,	   /**< Ctrl-D: add the entries */
	PT_PASTE_CANCEL,   /**< a lone Esc: close without adding */
};

/** Counts shown by the panel. */
struct pt_paste_stats {
	/** distinct entries read so far (including the unterminated last line) */
	size_t entries;
	/** of @ref entries, those already tracked (the list given to pt_paste_new()) */
	size_t tracked;
	/** entries repeated within the text (same address and port) */
	size_t duplicates;
	/** lines rejected (more than pt_paste_ndiags() may show) */
	size_t rejected;
	/** lines naming a host ("dns.google"), the unterminated last line included */
	size_t names;
	/** of @ref names, those not resolved yet (waiting, or being resolved) */
	size_t names_pending;
	/** of @ref names, those resolved to an address (their entries are in @ref entries) */
	size_t names_resolved;
	/** lines of text (the last counts when not empty) */
	size_t lines;
	/** bytes of text kept */
	size_t bytes;
	/** bytes dropped past PT_PASTE_MAX_BYTES */
	size_t dropped;
	/** a bracketed paste is arriving */
	bool pasting;
	/** complete lines wait to be parsed (pt_paste_step() has work) */
	bool busy;
	/** a paste ended without its end marker (it stalled for PT_PASTE_STALL_NS) */
	bool unterminated;
};

/** What a note on a line says. */
enum pt_paste_note {
	PT_PASTE_REJECTED = 0, /**< the line cannot be used (the text says why) */
	PT_PASTE_RESOLVING,    /**< a host name being resolved */
	PT_PASTE_RESOLVED,     /**< a host name resolved: the text says to what */
};

/** One note on a line: a rejected line, or a host name and how it stands. */
struct pt_paste_diag {
	/** 1-based line number in the text */
	size_t line;
	/** why (from the parser or the resolution), or the host name and its address */
	const char *reason;
	/** what kind of note */
	enum pt_paste_note kind;
};

struct pt_paste;

/**
 * New empty panel state.
 * @param tracked resolvers already tracked, to count "already tracked" entries; borrowed,
 *        must outlive the paste (or be replaced with pt_paste_set_tracked()); may be NULL
 * @return new state or NULL on allocation failure. Caller owns; free with pt_paste_free().
 */
struct pt_paste *pt_paste_new(const struct pt_resolvers *tracked);

/** Free @p p and everything it holds. NULL does nothing. */
void pt_paste_free(struct pt_paste *p);

/** Replace the tracked list (borrowed; NULL for none) and recount. */
void pt_paste_set_tracked(struct pt_paste *p, const struct pt_resolvers *tracked);

/**
 * Feed raw bytes from the terminal (keypad translation off). Outside a paste: printable
 * bytes and UTF-8 are typed, Enter (CR or LF) adds a newline, Backspace (DEL or ^H) removes
 * the last character, Ctrl-U the current line, Ctrl-D applies, a lone Esc cancels, arrows
 * and PgUp/PgDn/Home/End scroll the rejected lines, other control keys are ignored. Between
 * "\e[200~" and "\e[201~" every byte is text (NUL and escape bytes included; CR, LF and CRLF
 * become one newline), whatever its size; markers may be split across calls.
 * Processing stops after an APPLY or CANCEL event.
 * @param now_ns monotonic time of arrival (for Esc and stall detection)
 * @param[out] used bytes consumed (may be NULL)
 * @return the event, PT_PASTE_NONE when all @p n bytes were consumed without one.
 */
enum pt_paste_event pt_paste_feed(struct pt_paste *p, const void *bytes, size_t n, uint64_t now_ns,
				  size_t *used);

/**
 * Events that come from time passing: an Esc with nothing after it for PT_PASTE_ESC_NS
 * cancels (a partial escape sequence is dropped), a paste silent for PT_PASTE_STALL_NS ends.
 */
enum pt_paste_event pt_paste_tick(struct pt_paste *p, uint64_t now_ns);

/** Milliseconds until pt_paste_tick() may have something to do; -1 when nothing is pending. */
int pt_paste_wait_ms(const struct pt_paste *p, uint64_t now_ns);

/**
 * Parse complete lines not parsed yet, about @p budget bytes (at least one line).
 * @return true when more complete lines remain.
 */
bool pt_paste_step(struct pt_paste *p, size_t budget);

/** True when complete lines wait for pt_paste_step(). */
bool pt_paste_busy(const struct pt_paste *p);

/** Current counts (parses the unterminated last line when it changed). */
void pt_paste_stats(struct pt_paste *p, struct pt_paste_stats *out);

/** Notes kept (at most PT_PASTE_DIAGS_MAX, plus the last line's). */
size_t pt_paste_ndiags(struct pt_paste *p);

/** Note @p i, in line order. Borrowed; valid until the paste next changes. */
struct pt_paste_diag pt_paste_diag(struct pt_paste *p, size_t i);

/**
 * The next host name line to resolve (each is handed out once; lines parsed again after an
 * edit are handed out again with a new id).
 * @param[out] id the id to give its result back with
 * @param[out] text the entry's text (a CSV row comes after its header line); borrowed, valid
 *             until the paste next changes; @p len gets its length
 * @return false when none waits.
 */
bool pt_paste_next_name(struct pt_paste *p, uint64_t *id, const char **text, size_t *len);

/**
 * The result for host name @p id: its entry (@p r), or why it failed (@p r NULL, @p reason).
 * An id from before an edit is ignored.
 */
void pt_paste_name_result(struct pt_paste *p, uint64_t id, const struct pt_resolver *r,
			  const char *reason);

/** Take the unterminated last line as complete (parse it, hand out its host name). */
void pt_paste_complete(struct pt_paste *p);

/** The text so far. Borrowed; valid until the paste next changes. @p len gets its length. */
const char *pt_paste_text(const struct pt_paste *p, size_t *len);

/**
 * Line @p k from the end (0 = the last, the one being typed), made printable: controls shown
 * as '.', invalid UTF-8 as '?', cut to @p size bytes (the last line keeps its end, where the
 * cursor is; the others their start).
 * @return false when there are fewer than @p k + 1 lines.
 */
bool pt_paste_line_from_end(const struct pt_paste *p, size_t k, char *buf, size_t size);

/** First rejected line shown (moved by arrows and PgUp/PgDn). */
size_t pt_paste_scroll(const struct pt_paste *p);

/** Clamp the scroll so that @p page rows show as many rejected lines as possible. */
void pt_paste_clamp_scroll(struct pt_paste *p, size_t page);

/**
 * Finish: parse every line including the last (pt_paste_complete()) and hand over the entries:
 * those of the text in its order, then the host names resolved so far, in the order they were.
 * Host names still resolving are not in it (stats->names_pending says how many).
 * @param[out] list borrowed, valid until pt_paste_free()
 * @param[out] stats the final counts (may be NULL)
 * @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_paste_finish(struct pt_paste *p, const struct pt_resolvers **list,
			       struct pt_paste_stats *stats);

#endif /* PT_PASTE_H */
