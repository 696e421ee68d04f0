/**
 * @file output.h
 * Rendering snapshots and events as text: the table for people, JSON, NDJSON and CSV for
 * scripts. The columns are declared once here and reused by the dashboard (ui/rows.c).
 * Pure apart from writing to the FILE * given; call from one thread per FILE.
 */
#ifndef PT_OUTPUT_H
#define PT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "state.h"

/** Columns of the resolver table. */
enum pt_column {
	PT_COL_LABEL = 0, /**< label, else the address */
	PT_COL_LOCATION,  /**< location */
	PT_COL_ADDRESS,	  /**< address[:port] */
	PT_COL_STATUS,	  /**< verdict name */
	PT_COL_TTL,	  /**< TTL left, counting down */
	PT_COL_RTT,	  /**< round trip */
	PT_COL_CHANGED,	  /**< when the answer last changed ("2m ago") */
	PT_COL_ANSWER,	  /**< the answer, shortened */
	PT_COL_COUNT	  /**< number of columns */
};

/** Formats one cell of @p row at @p now_ns into @p buf. */
typedef void (*pt_cell_fn)(char *buf, size_t size, const struct pt_snapshot *s,
			   const struct pt_row *row, uint64_t now_ns);

/** A column: its title, preferred and minimum widths (display cells), and formatter. */
struct pt_column_def {
	/** header text */
	const char *title;
	/** preferred width in cells (0 = takes the rest) */
	int width;
	/** narrowest useful width; below it the column is dropped */
	int min_width;
	/** align right */
	bool right;
	/** formatter */
	pt_cell_fn format;
};

/** Column @p c. Borrowed; static. */
const struct pt_column_def *pt_output_column(enum pt_column c);

/**
 * One-line summary of an answer: records joined by @p sep ("10 mx1.example.com. · 20 mx2...."),
 * "NXDOMAIN", "NODATA", "SERVFAIL", "REFUSED", "timeout", "-" when none.
 * @return @p buf.
 */
char *pt_output_answer_summary(char *buf, size_t size, const struct pt_row *row, const char *sep);

/** A duration for people: "41s", "3m05s", "2h04m", "3d02h". @return @p buf. */
char *pt_output_duration(char *buf, size_t size, uint64_t seconds);

/** Display width (terminal cells) of UTF-8 text. */
int pt_output_width(const char *s);

/**
 * Copy @p src into @p buf cut to at most @p width cells, ending in "…" (or "~" when
 * @p ascii) when cut; never splits a UTF-8 sequence. @return @p buf.
 */
char *pt_output_fit(char *buf, size_t size, const char *src, int width, bool ascii);

/** Write @p s as a JSON string with quotes and escapes (invalid UTF-8 as U+FFFD). */
void pt_output_json_string(FILE *out, const char *s);

/** The table for people: aligned columns, then a summary with the truth and counts. */
void pt_output_table(FILE *out, const struct pt_snapshot *s, bool color, int width);

/** The contract's one JSON object for --once --format json. */
void pt_output_json(FILE *out, const struct pt_snapshot *s, uint64_t wall_ms);

/** The contract's CSV (header plus one row per resolver). */
void pt_output_csv(FILE *out, const struct pt_snapshot *s);

/** NDJSON event line for @p ev, written with one fwrite and flushed. */
void pt_output_event(FILE *out, const struct pt_event *ev, uint64_t start_ns);

/**
 * NDJSON lines for events not stored in the state: "start" (with @p nresolvers),
 * "converged", "diverged", "end" (with @p exit_status). @p kind is one of those names.
 */
void pt_output_event_simple(FILE *out, const char *kind, const struct pt_snapshot *s,
			    uint64_t wall_ms, int exit_status);

struct pt_probe_result;

/**
 * --check-resolvers results: a table for people (@p json false) or one JSON object
 * {"resolvers": [{label, address, port, status, rtt_ms}], "counts": {...}}.
 */
void pt_output_probe(FILE *out, const struct pt_probe_result *r, size_t n, bool json);

#endif /* PT_OUTPUT_H */
