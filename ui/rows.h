/**
 * @file rows.h
 * Every text and colour decision of the dashboard, as plain functions of a snapshot: row
 * order (sort and filter), the table layout for a width, row and header lines split into
 * coloured segments, the legend of answer groups, the gauge, countdowns, the details and
 * help texts, and the parsing of prompt input. No curses: ui/dashboard.c only paints what
 * these return, and tests/test_rows.c checks them with hand-built snapshots.
 * Threads: UI thread (no shared state; every function is reentrant).
 */
#ifndef PT_ROWS_H
#define PT_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "colors.h"
#include "diagnose.h"
#include "output.h"
#include "paste.h"
#include "state.h"

/** Row orders, cycled by the `s` key in this order. */
enum pt_sort {
	PT_SORT_ADDED = 0, /**< as added */
	PT_SORT_STATUS,	   /**< worst status first (pt_rows_status_rank()) */
	PT_SORT_GROUP,	   /**< answer group: A (truth), B, ...; no answer last */
	PT_SORT_TTL,	   /**< least TTL left first; no TTL last */
	PT_SORT_RTT,	   /**< fastest first; no reply last */
	PT_SORT_LABEL,	   /**< label (else address), case-insensitive */
	PT_SORT_COUNT	   /**< number of orders */
};

/** Name of a sort order ("added", "status", "answer", "TTL", "RTT", "label"). Static. */
const char *pt_sort_name(enum pt_sort sort);

/** The order after @p sort, wrapping around. */
enum pt_sort pt_sort_next(enum pt_sort sort);

/** Rank of a verdict for PT_SORT_STATUS: 0 is the worst (differ) and match comes last. */
int pt_rows_status_rank(enum pt_verdict v);

/**
 * True when @p filter (NULL or "" matches everything) occurs, ignoring ASCII case, in the
 * row's label, address, location or one of its answer records.
 */
bool pt_rows_match(const struct pt_row *row, const char *filter);

/**
 * Indices of the rows of @p s to show, filtered and sorted (ties keep the added order).
 * @param[out] out room for s->nrows indices
 * @param now_ns clock for PT_SORT_TTL
 * @return number of indices written.
 */
size_t pt_rows_order(size_t *out, const struct pt_snapshot *s, enum pt_sort sort,
		     const char *filter, uint64_t now_ns);

/** Rows above which a change of the rows alone re-sorts at most once per PT_ORDER_RESORT_NS. */
#define PT_ORDER_THROTTLE_ROWS 5000
/** See PT_ORDER_THROTTLE_ROWS: one second. */
#define PT_ORDER_RESORT_NS 1000000000ULL

/**
 * The rows a table shows, kept between frames: computed again (pt_rows_order()) only when
 * the rows, the order or the filter changed, so a frame over an unchanged snapshot sorts
 * nothing. Embedded; zero-initialise, release with pt_order_fini().
 */
struct pt_order {
	/** indices of the shown rows, in order */
	size_t *idx;
	/** number of @ref idx */
	size_t n;
	/** room in @ref idx */
	size_t cap;
	/** how many times the order was computed (for tests and the benchmark) */
	uint64_t computed;
	/* what it was computed for */
	bool valid;
	uint64_t generation;
	uint64_t rows_generation;
	size_t nrows;
	enum pt_sort sort;
	char filter[512];
	uint64_t at_ns;
};

/**
 * Bring @p o up to date for snapshot @p s, @p sort and @p filter at @p now_ns. It is computed
 * again when the sort or the filter changed, when resolvers were added or removed, and when
 * the rows changed (a new generation; for PT_SORT_TTL also every second, as TTLs run down);
 * above PT_ORDER_THROTTLE_ROWS rows a change of the rows alone re-sorts at most once per
 * PT_ORDER_RESORT_NS (the rows keep their places meanwhile, with their new contents).
 * @return true when it was computed again.
 */
bool pt_order_update(struct pt_order *o, const struct pt_snapshot *s, enum pt_sort sort,
		     const char *filter, uint64_t now_ns);

/** Release @p o and zero it. */
void pt_order_fini(struct pt_order *o);

/** Letter of answer group @p group: 'A' + group (A = the truth), '?' beyond Z, ' ' for -1. */
char pt_rows_group_letter(int group);

/** Colour role of answer group @p group (PT_COLOR_NORMAL for -1). */
enum pt_color pt_rows_group_color(int group);

/** Colour role of a whole table row, from its verdict. */
enum pt_color pt_rows_role(const struct pt_row *row);

/** "just now", "42s ago", "2m ago", "3h ago", "2d ago"; "never" when @p then_ns is 0. @return @p
 * buf */
char *pt_rows_ago(char *buf, size_t size, uint64_t then_ns, uint64_t now_ns);

/** A countdown: "41s", "2m05s", ..., "0s"; "-" when @p seconds < 0 (unknown). @return @p buf */
char *pt_rows_countdown(char *buf, size_t size, long seconds);

/**
 * A gauge "[██████░░░░] 6/10 match" (ASCII "[######....] 6/10 match") with @p cells cells
 * between the brackets. @return @p buf
 */
char *pt_rows_gauge(char *buf, size_t size, size_t part, size_t whole, int cells, bool utf8);

/**
 * The fleet's share matching over time as a sparkline of @p cells cells ("▁▂▄▇█", ASCII
 * "_.-=#"; "▁" is 0%), each cell the share at the end of its slice of [start_ns, now_ns],
 * a space where nothing was judged yet.
 * @return @p buf ("" when there is no point yet).
 */
char *pt_rows_sparkline(char *buf, size_t size, const struct pt_progress *p, size_t n,
			uint64_t start_ns, uint64_t now_ns, int cells, bool utf8);

/** Most segments on one line. */
#define PT_LINE_SEGS 24
/** Longest line text in bytes (including the NUL). */
#define PT_LINE_BYTES 2048
/** Widest line in cells; wider terminals get lines this wide. */
#define PT_LINE_CELLS 600

/** A run of text painted with one role: bytes [start, start + len) of the line's text. */
struct pt_seg {
	/** how to paint it */
	enum pt_color role;
	/** byte offset into pt_line.text */
	size_t start;
	/** length in bytes */
	size_t len;
};

/** One screen line: text cut to a width, in coloured segments. Embedded; no heap. */
struct pt_line {
	/** UTF-8 text, NUL-terminated */
	char text[PT_LINE_BYTES];
	/** bytes used in @ref text */
	size_t len;
	/** the segments, in order, covering @ref text */
	struct pt_seg segs[PT_LINE_SEGS];
	/** number of @ref segs */
	size_t nsegs;
	/** display cells used */
	int width;
	/** display cells available */
	int max;
	/** use ASCII only for ellipses */
	bool ascii;
};

/** Start an empty line of at most @p width cells (clamped to PT_LINE_CELLS). */
void pt_line_init(struct pt_line *l, int width, bool utf8);

/** Append @p text painted as @p role, cut with an ellipsis when it does not fit. */
void pt_line_add(struct pt_line *l, enum pt_color role, const char *text);

/** Append formatted text painted as @p role. */
void pt_line_addf(struct pt_line *l, enum pt_color role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Append spaces as @p role up to @p column cells (no-op when already there). */
void pt_line_pad(struct pt_line *l, enum pt_color role, int column);

/** Table columns chosen for a width. */
struct pt_layout {
	/** columns shown, left to right (after the group letter) */
	enum pt_column cols[PT_COL_COUNT];
	/** width of each shown column, in cells */
	int widths[PT_COL_COUNT];
	/** number of @ref cols */
	size_t ncols;
	/** cells between two columns */
	int sep;
	/** total width of a line */
	int width;
	/** UTF-8 output (record separator " · " and "…"), else ASCII (" | " and "~") */
	bool utf8;
};

/** Cells of the group-letter column at the left of each row. */
#define PT_LETTER_CELLS 2

/**
 * Choose columns for @p width cells: drops location, then changed, then RTT, then address
 * when narrow; the answer takes what is left.
 */
void pt_rows_layout(struct pt_layout *lay, int width, bool utf8);

/**
 * pt_rows_layout(), with the ADDR column (the MX targets' addresses, --follow-mx) beside
 * the status when @p targets; it is never dropped, only narrowed (to 6 cells) when the
 * terminal is narrow.
 */
void pt_rows_layout_mail(struct pt_layout *lay, int width, bool utf8, bool targets);

/** True when @p lay shows column @p c. */
bool pt_layout_has(const struct pt_layout *lay, enum pt_column c);

/** Column titles line. */
void pt_rows_title(struct pt_line *out, const struct pt_layout *lay);

/** One table line for @p row (group letter in the group's colour, the rest in the row's role). */
void pt_rows_line(struct pt_line *out, const struct pt_layout *lay, const struct pt_snapshot *s,
		  const struct pt_row *row, uint64_t now_ns);

/** Short description of the truth ("authoritative serial 2026112802", "expected", ...). @return @p
 * buf */
char *pt_rows_truth_text(char *buf, size_t size, const struct pt_truth *t);

/** Most header lines pt_rows_header() produces. */
#define PT_HEADER_LINES 4

/**
 * The header: target and truth; authoritative servers with serials (lagging and
 * not-delegated ones highlighted); the gauge with the expiry countdown (or why there is no
 * bound), the reasons the counts do not show, and the elapsed time, or the CONVERGED banner
 * ("all N resolvers serve the truth" when nothing changed while watching); then, when there
 * is something to say about the truth (src/output.c's notes), the first of it.
 * @param[out] out room for PT_HEADER_LINES lines
 * @return lines written (3 or 4).
 */
size_t pt_rows_header(struct pt_line *out, const struct pt_snapshot *s, int width, uint64_t now_ns,
		      bool utf8);

/**
 * The legend: one line per answer group ("A  8  10 mx1.example.com. · ...", A = truth),
 * at most @p max lines; the last says "+N more" when groups do not fit.
 * @return lines written to @p out.
 */
size_t pt_rows_legend(struct pt_line *out, size_t max, const struct pt_snapshot *s, int width,
		      bool utf8);

/** What the status line shows. */
struct pt_status_info {
	/** current order */
	enum pt_sort sort;
	/** current filter ("" for none) */
	const char *filter;
	/** rows shown after filtering */
	size_t shown;
	/** rows in the snapshot */
	size_t total;
	/** queries sent so far */
	uint64_t queries;
	/** transient message, NULL or "" for the key hints */
	const char *message;
	/** paint @ref message as an error */
	bool error;
};

/** The status line at the bottom: message or key hints, then sort/filter/queries state. */
void pt_rows_status(struct pt_line *out, int width, bool utf8, const struct pt_status_info *info);

/** Lines of text for a scrollable panel. Embedded; release with pt_text_fini(). */
struct pt_text {
	/** lines, each malloc'd, no newlines */
	char **lines;
	/** colour role of each line (parallel to @ref lines) */
	enum pt_color *roles;
	/** lines of several colours (parallel; NULL for a line in one role), each malloc'd;
	 *  their text is also in @ref lines */
	struct pt_line **rich;
	/** number of @ref lines */
	size_t n;
	/** allocated slots */
	size_t cap;
};

/** Append a formatted line in PT_COLOR_NORMAL (lines that fail to allocate are skipped). */
void pt_text_add(struct pt_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Append a formatted line painted as @p role. */
void pt_text_add_role(struct pt_text *t, enum pt_color role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Append @p text word-wrapped to @p width cells, every line starting with @p indent spaces
 * (words longer than a line are cut). Nothing for an empty @p text.
 */
void pt_text_wrap(struct pt_text *t, enum pt_color role, int width, int indent, const char *text);

/** Append a line of several colours (copied). */
void pt_text_add_line(struct pt_text *t, const struct pt_line *l);

/** Free every line and zero @p t. */
void pt_text_fini(struct pt_text *t);

/**
 * One resolver's session as a row of @p cells time buckets from @p start_ns to @p now_ns, each
 * the worst status it had in its slice, derived from its history (struct pt_row history):
 * "█" match (ASCII "="), D differ, N negative, S servfail, R refused, T timeout, E error,
 * "·" (".") no reply yet, " " before the oldest change kept; each in its status's colour.
 * @param[out] seen NULL, or PT_VERDICT_COUNT + 1 flags set for each status drawn (the last:
 *             a blank cell)
 */
void pt_rows_timeline(struct pt_line *out, const struct pt_row *row, uint64_t start_ns,
		      uint64_t now_ns, int cells, bool utf8, bool *seen);

/**
 * Details of one resolver, only what was observed: identity, status, for a reply its rcode,
 * flags, RTT and age, for a failure what happened and when it last answered (or that it never
 * did), the full answer one record per line with its TTL, queries, last error, the timeline of
 * the session (pt_rows_timeline()) and the history of changes of answer and of status with
 * their times, causes (the answer or the truth changed) and flaps.
 * @param wall_now_ms wall clock now (history entries show their wall time)
 * @param width cells per line (the timeline's width)
 */
void pt_rows_details(struct pt_text *out, const struct pt_snapshot *s, const struct pt_row *row,
		     uint64_t now_ns, uint64_t wall_now_ms, bool utf8, int width);

/** Colour role of a verdict (as table rows show it). */
enum pt_color pt_rows_verdict_role(enum pt_verdict v);

/** The help overlay: every key of the table in ui/keys.c with its description. */
void pt_rows_help(struct pt_text *out);

/**
 * The MX diagnosis panel: a summary line, then every check (status, id, subject) in its
 * status's colour, with the message, fix and rule wrapped under it to @p width cells.
 */
void pt_rows_diagnosis(struct pt_text *out, const struct pt_diagnosis *dg, int width);

/** Colour role of a check status: pass agree, warn diverge, fail error, skip pending. */
enum pt_color pt_rows_check_role(enum pt_check_status s);

/**
 * The paste panel's counts: "12 entries (2 already tracked) · 2 host names (1 resolving…) ·
 * 1 duplicate · 3 rejected · 40 lines, 1.2 KiB", and what is still arriving.
 * @return @p buf
 */
char *pt_rows_paste_counts(char *buf, size_t size, const struct pt_paste_stats *st, bool utf8);

/** A note on a line: "line 7: REASON", "line 3: dns.google is 8.8.8.8". @return @p buf */
char *pt_rows_paste_diag(char *buf, size_t size, const struct pt_paste_diag *d);

/** Colour role of a note: rejected error, resolving pending, resolved agree. */
enum pt_color pt_rows_paste_role(const struct pt_paste_diag *d);

/**
 * Parse the `t` prompt: "TYPE" or "NAME TYPE" (a lone word that is not a type is taken as
 * a name, keeping the type).
 * @param[out] domain the name (@p cur_domain when not given), @p size bytes
 * @return PT_OK or PT_ERR_PARSE with @p reason set.
 */
enum pt_status pt_rows_parse_target(const char *input, const char *cur_domain, uint16_t cur_type,
				    char *domain, size_t size, uint16_t *qtype, char *reason,
				    size_t reason_size);

/**
 * Split the `e` prompt into RDATA values at ';' and '|', trimming spaces and dropping empty
 * parts. Modifies @p input in place. @return values written to @p out (at most @p max).
 */
size_t pt_rows_split_expect(char *input, char **out, size_t max);

#endif /* PT_ROWS_H */
