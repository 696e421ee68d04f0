/**
 * @file output.h
 * Rendering snapshots as text: the table for people, the JSON object and CSV for scripts,
 * and the JSON pieces the NDJSON events share (src/eventlog.c). The columns are declared
 * once here and reused by the dashboard (ui/rows.c).
 * Pure apart from writing to the FILE * given; call from one thread per FILE.
 */
#ifndef PT_OUTPUT_H
#define PT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
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
 * One-line summary of a row's last reply: its answer (pt_answer_summary(), records joined by
 * @p sep), how the query failed ("timeout", ...), or "-" before any reply. @return @p buf.
 */
char *pt_output_answer_summary(char *buf, size_t size, const struct pt_row *row, const char *sep);

/**
 * The answer column: pt_output_answer_summary(), marked "old NS: " when the row fetches from
 * the old name servers (struct pt_row old_servers). @return @p buf.
 */
char *pt_output_answer_cell(char *buf, size_t size, const struct pt_row *row, const char *sep);

/** "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:5353": the port only when not 53. */
char *pt_output_address(char *buf, size_t size, const struct pt_resolver *r);

/** The table for people: aligned columns, then a summary with the truth and counts. */
void pt_output_table(FILE *out, const struct pt_snapshot *s, bool color, int width);

/** The contract's one JSON object for --once --format json. */
void pt_output_json(FILE *out, const struct pt_snapshot *s, uint64_t wall_ms);

/** The contract's CSV (header plus one row per resolver). */
void pt_output_csv(FILE *out, const struct pt_snapshot *s);

/** The resolver's identity members: label, address, port. */
void pt_output_json_resolver(struct pt_json *j, const struct pt_resolver *r);

/** A row's members as in the JSON object's "resolvers" (and "answer" events). */
void pt_output_json_row(struct pt_json *j, const struct pt_row *r);

/** An answer's RDATA as an array member (NULL key: an element). */
void pt_output_json_answer(struct pt_json *j, const char *key, const struct pt_answer *a);

/** The counts object as member @p key. */
void pt_output_json_counts(struct pt_json *j, const char *key, const struct pt_counts *c);

/** The reasons as an array member @p key ([] when converged). */
void pt_output_json_reasons(struct pt_json *j, const char *key, unsigned reasons);

/**
 * The reasons for people, comma-separated ("differ, servfail"); "" when converged.
 * @return @p buf.
 */
char *pt_output_reasons_text(char *buf, size_t size, unsigned reasons);

/** What a note about the truth says; the text modes warn on stderr for the first two. */
enum pt_note_kind {
	PT_NOTE_EXPECT_DIFFERS = 0, /**< --expect is not what the authoritative servers serve */
	PT_NOTE_AUTH_SILENT,	    /**< an --auth server does not answer */
	PT_NOTE_UNBOUNDED,	    /**< a delegated server serves another answer (lagging) */
	PT_NOTE_NOT_DELEGATED,	    /**< a server still answers for the zone, not delegated */
	PT_NOTE_OLD_SERVERS,	    /**< resolvers fetch from old name servers until ... */
	PT_NOTE_UNPUBLISHED,	    /**< waiting for the expected record to be published */
};

/** One statement about the truth for people. */
struct pt_note {
	/** what it is about */
	enum pt_note_kind kind;
	/** the sentence, without a final period */
	char text[480];
};

/**
 * The statements a snapshot calls for, in the order of enum pt_note_kind: a wrong
 * --expect, silent --auth servers, servers that disagree (convergence is then not bounded),
 * servers no longer delegated, resolvers fetching from them (and until when), and the wait
 * for an --expect'ed record to be published.
 * @return notes written (at most @p max).
 */
size_t pt_output_notes(struct pt_note *out, size_t max, const struct pt_snapshot *s);

struct pt_probe_result;

/**
 * --check-resolvers results: a table for people (@p json false) or one JSON object
 * {"resolvers": [{label, address, port, status, rtt_ms}], "counts": {...}}.
 */
void pt_output_probe(FILE *out, const struct pt_probe_result *r, size_t n, bool json);

/** Write the whole of @p b to @p out (one fwrite) and release it. */
void pt_output_flush(FILE *out, struct pt_buf *b);

#endif /* PT_OUTPUT_H */
