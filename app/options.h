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
	PT_MODE_REPLAY,	       /**< --replay FILE: a recorded log, as the dashboard or text */
	PT_MODE_PLAN,	       /**< --plan: the cut-over plan of an MX change */
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
	/** --verbose: --diagnose lists the passing and skipped checks too */
	bool verbose;
	/** --write FILE, or NULL */
	const char *write_path;
	/** false with --no-smtp */
	bool smtp;
	/** false with --no-identity: no CH TXT id.server / hostname.bind questions */
	bool identity;
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
	/** --replay FILE, or NULL; borrowed from argv */
	const char *replay_path;
	/** DOMAIN as given ("." for --check-resolvers) */
	const char *domain;
	/** TYPE (MX by default; NS for --check-resolvers) */
	uint16_t qtype;
	/** --follow-mx 1, --no-follow-mx 0, neither -1 (the mode decides: on in the dashboard,
	 *  off in the text modes) */
	int follow_mx;
	/** --plan */
	bool plan;
	/** --to values (the MX records to switch to); borrowed from argv */
	const char **to;
	/** number of @ref to */
	size_t nto;
	/** --new-ns values (the new DNS host's name servers); borrowed from argv */
	const char **new_ns;
	/** number of @ref new_ns */
	size_t nnew_ns;
	/** --low-ttl, seconds (PT_PLAN_LOW_TTL by default) */
	uint32_t low_ttl;
	/** --mta-sts-max-age was given */
	bool mta_sts_max_age_given;
	/** --mta-sts-max-age, seconds */
	uint32_t mta_sts_max_age;
	/** --now was given */
	bool now_given;
	/** --now, seconds since the epoch (the plan's start) */
	int64_t now_s;
	/** --exec CMD, or NULL; borrowed from argv */
	const char *exec;
	/** --notify */
	bool notify;
	/** --provider NAME, or NULL (recognise the provider from the MX set); borrowed */
	const char *provider;
	/** --atlas-results FILE, or NULL; borrowed from argv */
	const char *atlas_results;
	/** --globalping-results FILE, or NULL; borrowed from argv */
	const char *gp_results;
	/** --atlas (also implied by the other --atlas-* options) */
	bool atlas;
	/** --atlas-probes (default 10) */
	unsigned atlas_probes;
	/** --atlas-from KIND:VALUE (default area:WW): the kind (static) and the value (argv) */
	const char *atlas_from_kind;
	/** see @ref atlas_from_kind */
	const char *atlas_from_value;
	/** --atlas-wait, seconds (default 300) */
	double atlas_wait_s;
	/** --atlas-key-file FILE, or NULL */
	const char *atlas_key_file;
	/** --atlas-url URL, or NULL (then PT_ATLAS_URL, else https://atlas.ripe.net) */
	const char *atlas_url;
	/** --ca-file FILE: PEM file of CAs for TLS and HTTPS (DoT, DoH, MTA-STS, the Atlas and
	 *  Globalping APIs), or NULL (the system store); also in engine.ca_file. Borrowed */
	const char *ca_file;
	/** --globalping (also implied by --gp-from, --gp-limit) */
	bool globalping;
	/** --gp-from LOCATION (default "world"; "msm:ID" re-runs that measurement's probes) */
	const char *gp_from;
	/** --gp-limit (default 10) */
	unsigned gp_limit;
	/** --globalping-url URL, or NULL (then PT_GLOBALPING_URL, else https://api.globalping.io)
	 */
	const char *gp_url;
	/** --ecs subnets in the order given (the first is asked first); owned, freed by
	 *  pt_options_fini(); NULL when none */
	struct pt_ecs *ecs;
	/** number of @ref ecs */
	size_t necs;
	/** --atlas-every, seconds (default 300): while watching, the Atlas measurement is
	 *  repeated on the same probes no more often than this */
	double atlas_every_s;
	/** --gp-every, seconds (default 300): the same for Globalping */
	double gp_every_s;
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

/** True when a vantage source (RIPE Atlas, Globalping) is given: the default resolver list is
 *  then not loaded (-r and -s add local resolvers explicitly). */
bool pt_options_vantage(const struct pt_options *o);

#endif /* PT_OPTIONS_H */
