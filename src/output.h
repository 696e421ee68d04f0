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
#include "site.h"
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
	PT_COL_ADDR,	  /**< --follow-mx: the MX targets' addresses (pt_output_targets_cell()) */
	PT_COL_SITE,	  /**< the anycast site that answered (src/site.h), or its raw identity */
	PT_COL_VALIDATED, /**< "AD" when the answer was DNSSEC-validated, "!" for a DNSSEC
			     failure, "-" otherwise */
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

/**
 * Word wrapping, one decision for every view: the bytes of @p s that make its next line of at
 * most @p width cells (leading spaces skipped first, see @p skip): the longest run of whole
 * words, or a word longer than a line cut at a character boundary. Never 0 while text is
 * left.
 * @param[out] skip spaces before the line's text (may be NULL)
 */
size_t pt_output_wrap(const char *s, int width, size_t *skip);

/**
 * --follow-mx: the worst verdict among a row's answers for the MX targets' addresses (a
 * denial or another address before a failure, a failure before pending, pending before match);
 * PENDING when the row follows none.
 */
enum pt_verdict pt_output_targets_verdict(const struct pt_row *row);

/**
 * --follow-mx: the compact "addr" cell of a row: "all match", "2 of 4 differ", "denied" (a
 * cached NXDOMAIN or NODATA where the target has the address), "1 of 4 servfail",
 * "pending", "no reply"; "-" when no target is followed. @return @p buf.
 */
char *pt_output_targets_cell(char *buf, size_t size, const struct pt_row *row);

/** "A", "AAAA" and the rest: the type of followed question @p t. @return @p buf. */
char *pt_output_target_type(char *buf, size_t size, const struct pt_target *t);

/** "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:5353": the port only when not 53. */
char *pt_output_address(char *buf, size_t size, const struct pt_resolver *r);

/**
 * The table for people: aligned columns, then a summary with the truth and counts. Rows fit
 * @p width cells: columns are dropped or shortened by importance (status, answer and TTL
 * first, then the label, the address, the RTT, the location) and long answers end in "…"
 * (the JSON and CSV give them whole).
 * @param width the terminal's columns; 0 for 80 (not a terminal)
 */
void pt_output_table(FILE *out, const struct pt_snapshot *s, bool color, int width);

/**
 * Resolvers counted in "M/N match" (the dashboard's gauge, the diagnosis, the summaries):
 * every one but those that refuse or never answer, which tell nothing of propagation; all of
 * them when that leaves none.
 */
size_t pt_output_counted(const struct pt_counts *c);

/** "7 resolvers: 1 match, 4 differ, 1 timeout" ("1 resolver: ..."). @return @p buf. */
char *pt_output_counts_text(char *buf, size_t size, const struct pt_counts *c);

/**
 * How convergence went, in words: "CONVERGED 12s after the change" (counted from the change
 * of the truth seen while watching), "CONVERGED in 3s" (from the start), "all 4 resolvers
 * serve the truth" (they did from the start: nothing converged), "" when not converged.
 * @return @p buf.
 */
char *pt_output_converged_text(char *buf, size_t size, const struct pt_snapshot *s);

/**
 * A progress line of --until-converged in table format: "[12s] 7 resolvers: 1 match,
 * 4 differ, 2 pending - not converged (differ, pending)".
 * @param elapsed_s seconds since the start
 */
void pt_output_progress(FILE *out, const struct pt_counts *c, unsigned reasons, double elapsed_s);

/**
 * The summary printed when the dashboard ends, as mtr prints its report: what was tracked and
 * for how long, the truth, the counts, how convergence went, and the resolvers still serving
 * an old answer (at most @p max_list named, then "and N more").
 * @param now_ns pt_clock time now (the snapshot's time when 0)
 */
void pt_output_summary(FILE *out, const struct pt_snapshot *s, uint64_t now_ns, size_t max_list);

/** The contract's one JSON object for --once --format json. */
void pt_output_json(FILE *out, const struct pt_snapshot *s, uint64_t wall_ms);

/** The contract's CSV (header plus one row per resolver). */
void pt_output_csv(FILE *out, const struct pt_snapshot *s);

/** The resolver's identity members: label, address, port. */
void pt_output_json_resolver(struct pt_json *j, const struct pt_resolver *r);

/** A row's source, and for a probe row its probe_id, country, asn, resolver, measurement_id,
 *  observed_at (null when unknown) and answer_only. */
void pt_output_json_vantage(struct pt_json *j, const struct pt_vantage *v);

/**
 * The split by source and the share matching per country, for the header and the table:
 * "sources: local 1/2 match, atlas 3/5 match; by country: DE 1/2, US 0/1" (match out of judged;
 * at most @p max countries, then "and N more").
 * @return false (and "") when no row comes from a vantage source.
 */
bool pt_output_sources_text(char *buf, size_t size, const struct pt_snapshot *s, size_t max);

/** A row's members as in the JSON object's "resolvers" (and "answer" events). */
void pt_output_json_row(struct pt_json *j, const struct pt_row *r);

/** An answer's RDATA as an array member (NULL key: an element). */
void pt_output_json_answer(struct pt_json *j, const char *key, const struct pt_answer *a);

/** The kind of an answer as the JSON says it: "data", "nodata", "nxdomain". Static string. */
const char *pt_output_answer_kind(const struct pt_answer *a);

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

/** The site of a row's resolver (src/site.h) from its NSID and CH TXT identity. */
void pt_output_row_site(struct pt_site *out, const struct pt_row *r);

/** The status detail of a row (pt_verdict_detail()). */
enum pt_detail pt_output_row_detail(const struct pt_row *r);

/** The resolver ignored the Client Subnet the query carried: no ECS option in the reply, or
 *  SCOPE PREFIX-LENGTH 0 (its answer is the same for every subnet). False when none was
 *  sent or there is no answer. */
bool pt_output_row_ecs_ignored(const struct pt_row *r);

/** "6 (DNSSEC Bogus): text" for one EDE option. @return @p buf. */
char *pt_output_ede_item(char *buf, size_t size, const struct pt_ede *e);

/** Every EDE option of the answer, each as pt_output_ede_item() writes it, joined with
 *  " | ", then " | N more" for those past PT_EDE_MAX; "" when there is none. Cut to
 *  @p size. @return @p buf. */
char *pt_output_ede_text(char *buf, size_t size, const struct pt_answer *a);

/** The operator a row's resolver belongs to for grouping sites: the site table's, else its
 *  label; "" when neither is known. Borrowed from @p r or static. */
const char *pt_output_row_operator(const struct pt_row *r);

/**
 * Resolvers of one operator (pt_output_row_operator()) answering from several sites, for the
 * legend: "Lab: 2 sites (lab-fra-1, 0102ff) · Cloudflare: 3 sites (AMS, FRA, LHR)", @p sep
 * between operators. @return the number of such operators (0: @p buf is "").
 */
size_t pt_output_sites_text(char *buf, size_t size, const struct pt_snapshot *s, const char *sep);

#endif /* PT_OUTPUT_H */
