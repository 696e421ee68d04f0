/**
 * @file vantage.h
 * Observation sources: where a row's answer was seen from. Local queries, RIPE Atlas probes
 * and Globalping probes become the same kind of observation (a struct pt_resolver carrying a
 * struct pt_vantage, and a struct pt_reply), and enter the state through one function,
 * pt_vantage_observe(), which tracks one row per vantage point and resolver and publishes the
 * reply there; src/verdict.c judges it against the one truth like any local reply.
 * A struct pt_vantage_set is owned by one thread at a time.
 */
#ifndef PT_VANTAGE_H
#define PT_VANTAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct pt_reply;
struct pt_resolver;
struct pt_state;

/** Where an observation comes from. */
enum pt_source {
	PT_SOURCE_LOCAL = 0,  /**< a query proptrack sent itself */
	PT_SOURCE_ATLAS,      /**< a RIPE Atlas probe's DNS result */
	PT_SOURCE_GLOBALPING, /**< a Globalping probe's DNS result */
	PT_SOURCE_COUNT	      /**< number of sources */
};

/** Contract name of a source ("local", "atlas", "globalping"). Static string. */
const char *pt_source_name(enum pt_source s);

/** Longest resolver address text kept, including the NUL. */
#define PT_VANTAGE_ADDR_MAX 48

/** What a probe row says of its vantage point. Zeroed for local rows. */
struct pt_vantage {
	/** the source */
	enum pt_source source;
	/** the probe's id (RIPE Atlas prb_id); 0 when the source has none */
	uint64_t probe_id;
	/** the probe's country, ISO 3166 alpha-2 ("DE"); "" when unknown */
	char country[8];
	/** the probe's autonomous system; 0 when unknown */
	uint32_t asn;
	/** the resolver the probe asked: its address, or "private" for a private one; "" when
	 *  unknown. Like the two texts below, a shared string (pt_text_intern(), as a resolver's
	 *  endpoint): a pointer, not a buffer in every resolver; NULL (a zeroed struct) reads as
	 *  "" */
	const char *resolver;
	/** the measurement's id ("12016241", a Globalping id) */
	const char *measurement_id;
	/** when the probe observed it, ms since the epoch; 0 when unknown */
	uint64_t observed_ms;
	/** only the answer section is known (no flags, no authority section, so a negative
	 *  answer has no negative-caching TTL) */
	bool answer_only;
	/** the probe's own error text ("getaddrinfo: ...", "timeout"), cleaned; "" when none */
	const char *error;
};

/** Longest measurement id and error text kept, including the NUL. */
#define PT_VANTAGE_ID_MAX 32
#define PT_VANTAGE_ERROR_MAX 72

/** @p text cleaned (pt_text_clean()) and cut to @p size - 1 bytes, as a shared string for a
 *  vantage's text field. @return NULL when out of memory or the table is full (read as ""). */
const char *pt_vantage_text(const char *text, size_t len, size_t size);

/** @p s, or "" for NULL: a vantage text field as it reads. */
const char *pt_vantage_str(const char *s);

/** Keep @p address as the resolver a probe asked, or "private" when it is not a global
 *  address (RFC 1918, ULA, loopback, link-local, CGNAT, ...). */
void pt_vantage_set_resolver(struct pt_vantage *v, const char *address);

/** What reading one results document found. */
struct pt_vantage_report {
	/** results read (one per probe and measurement) */
	size_t results;
	/** observations published (one per probe and resolver) */
	size_t observations;
	/** results or entries that could not be read (skipped) */
	size_t malformed;
	/** why the first one was skipped; "" when none */
	char first_malformed[160];
	/** Globalping probes that went offline, or still in progress (no observation) */
	size_t offline;
	/** results for another name or type than the tracked one (skipped) */
	size_t other_question;
};

/** Record a skipped entry in @p rep (its reason kept for the first one). */
void pt_vantage_report_malformed(struct pt_vantage_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * One observation, as a results reader hands it over.
 * @param r the vantage point (label, address, and r->vantage filled)
 * @param reply the outcome; borrowed for the call
 */
typedef void (*pt_observation_fn)(void *ctx, const struct pt_resolver *r,
				  const struct pt_reply *reply);

/** One JSON value of a results document (a jansson json_t *, borrowed for the call). */
typedef void (*pt_json_item_fn)(void *ctx, void *item, struct pt_vantage_report *rep);

/**
 * Read a results document with jansson: a JSON array (each element is an item), a single
 * JSON object (one item), or one JSON value per line (blank lines skipped; an array on a line
 * gives its elements). A line that is not JSON is counted as malformed and skipped.
 * @return PT_OK, or PT_ERR_PARSE when nothing in the text is JSON.
 */
enum pt_status pt_vantage_each_json(const char *text, size_t len, pt_json_item_fn fn, void *ctx,
				    struct pt_vantage_report *rep);

/**
 * Read a whole file for a results reader ("-" is standard input), at most @p max bytes.
 * @param[out] text caller owns; free(); NUL-terminated
 * @return PT_OK, PT_ERR_IO (errno set), PT_ERR_PARSE (larger than @p max), PT_ERR_NOMEM.
 */
enum pt_status pt_vantage_read_file(const char *path, size_t max, char **text, size_t *len);

/** A string member of a JSON object (a jansson json_t *), "" when absent or not a string.
 *  Borrowed from the object. */
const char *pt_vantage_json_str(void *object, const char *key);

struct pt_http_request;
struct pt_http_response;

/**
 * One API request of a vantage source through src/http.c. On a network failure @p why says
 * which URL and why. @return PT_OK when a response arrived (any status: the caller reads its
 * API's error format), else as pt_http_fetch().
 */
enum pt_status pt_vantage_api_call(const struct pt_http_request *req, struct pt_http_response *resp,
				   char *why, size_t why_size);

struct pt_vantage_set;

/**
 * Create a set of probe rows over @p st, whose ids start at @p first_id (above every id the
 * caller's driver uses). @return NULL on allocation failure; free with pt_vantage_set_free().
 */
struct pt_vantage_set *pt_vantage_set_new(struct pt_state *st, uint64_t first_id);

/** Free @p vs (the state keeps its rows). NULL does nothing. */
void pt_vantage_set_free(struct pt_vantage_set *vs);

/**
 * The one way an observation enters the state: the row of this vantage point and resolver
 * (source, probe or measurement, resolver asked) is tracked the first time and the reply is
 * published to it, so a re-run on the same probes updates the same rows.
 * @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_vantage_observe(struct pt_vantage_set *vs, const struct pt_resolver *r,
				  const struct pt_reply *reply);

/** Rows the set tracks. */
size_t pt_vantage_set_count(const struct pt_vantage_set *vs);

/** A pt_observation_fn over a struct pt_vantage_set (the ctx); a failure to allocate is
 *  counted in @ref pt_vantage_set_failures(). */
void pt_vantage_observe_fn(void *ctx, const struct pt_resolver *r, const struct pt_reply *reply);

/** Observations lost to allocation failures. */
size_t pt_vantage_set_failures(const struct pt_vantage_set *vs);

/** A vantage API's limit on creating measurements, as it reported it (Globalping:
 *  GET /v1/limits, or the X-RateLimit-* headers of a creation). Zeroed: not known. */
struct pt_vantage_limits {
	/** the API reported them */
	bool known;
	/** whom the limit counts: "ip" (anonymous use) or "user" (a token); "" when not said */
	char type[8];
	/** measurements allowed in the window */
	uint64_t limit;
	/** measurements left in it */
	uint64_t remaining;
	/** seconds until the window resets, from @ref wall_ms */
	uint64_t reset_s;
	/** @ref credits is known (the API says them only with a token) */
	bool has_credits;
	/** credits left */
	uint64_t credits;
	/** when the API said them, ms since the epoch; 0 when unknown */
	uint64_t wall_ms;
};

/** The limits for people, the one place they are worded: "249 of 250 measurements left (per
 *  IP), resets in 52m00s; 1000 credits" ("" when not known). @return @p buf. */
char *pt_vantage_limits_text(char *buf, size_t size, const struct pt_vantage_limits *l);

/** Whether @p l forbids creating a measurement now: none left in the window and no credits
 *  to spend instead. */
bool pt_vantage_limits_exhausted(const struct pt_vantage_limits *l);

#endif /* PT_VANTAGE_H */
