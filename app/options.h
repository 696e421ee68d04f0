/**
 * @file options.h
 * The command line: every option parsed and checked into struct pt_options, and the mode it
 * asks for. Pure apart from the messages written to the FILE * given; no network, no files
 * opened. CONTRACT.md lists the options; --help prints them.
 */
#ifndef PT_OPTIONS_H
#define PT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "verdict.h"

/** Output formats of the text modes. */
enum pt_format {
	PT_FORMAT_TABLE = 0, /**< aligned text for people */
	PT_FORMAT_JSON,	     /**< one JSON object */
	PT_FORMAT_NDJSON,    /**< one event per line, while watching */
	PT_FORMAT_CSV,	     /**< RFC 4180 */
};

/** What the program does, decided once from the options. */
enum pt_mode {
	PT_MODE_DASHBOARD = 0, /**< the live ncurses dashboard */
	PT_MODE_ONCE,	       /**< one sweep, print, exit (--once, or not a terminal) */
	PT_MODE_WATCH,	       /**< keep polling (--until-converged, NDJSON stream) */
	PT_MODE_DIAGNOSE,      /**< --diagnose */
	PT_MODE_CHECK,	       /**< --check-resolvers */
};

/** Everything the command line says. Embedded; release with pt_options_fini(). */
struct pt_options {
	/** -r files, in order ("-" is stdin); borrowed from argv */
	const char **lists;
	/** number of @ref lists */
	size_t nlists;
	/** -s lists, in order; borrowed from argv */
	const char **inline_lists;
	/** number of @ref inline_lists */
	size_t ninline;
	/** --auth values; borrowed from argv */
	const char **auth;
	/** number of @ref auth */
	size_t nauth;
	/** --expect values; borrowed from argv */
	const char **expect;
	/** number of @ref expect */
	size_t nexpect;
	/** --once */
	bool once;
	/** --until-converged */
	bool until_converged;
	/** --max-wait in seconds; 0 = none */
	double max_wait_s;
	/** --format */
	enum pt_format format;
	/** --format was given */
	bool format_given;
	/** --timeout, --retries, --rate, --tcp, --workers */
	struct pt_engine_config engine;
	/** --interval, seconds */
	double interval_s;
	/** --max-interval, seconds */
	double max_interval_s;
	/** --log FILE, or NULL */
	const char *log_path;
	/** --diagnose */
	bool diagnose;
	/** --check-resolvers */
	bool check_resolvers;
	/** --write FILE, or NULL */
	const char *write_path;
	/** false with --no-smtp */
	bool smtp;
	/** --smtp-port, 0 = 25 */
	uint16_t smtp_port;
	/** false with --no-color or NO_COLOR */
	bool color;
	/** --iterations N, 0 = unlimited */
	long iterations;
	/** --min-answered: judged resolvers needed before anything is converged */
	struct pt_quorum quorum;
	/** --query-now: ask the resolvers even before the expected record is published */
	bool query_now;
	/** DOMAIN as given ("." for --check-resolvers) */
	const char *domain;
	/** TYPE (MX by default; NS for --check-resolvers) */
	uint16_t qtype;
};

/**
 * Parse @p argv. Messages go to @p err (with "Try 'proptrack --help'."), --help and
 * --version to @p out.
 * @param no_color the NO_COLOR environment variable (NULL when unset)
 * @return -1 to go on, else the exit status to end with (0 after --help/--version, 2 for a
 *         usage error). @p o is filled either way; release it with pt_options_fini().
 */
int pt_options_parse(struct pt_options *o, int argc, char **argv, const char *no_color, FILE *out,
		     FILE *err);

/** Release what @p o holds. */
void pt_options_fini(struct pt_options *o);

/** The mode the options ask for, given whether standard output is a terminal. */
enum pt_mode pt_options_mode(const struct pt_options *o, bool stdout_tty);

#endif /* PT_OPTIONS_H */
