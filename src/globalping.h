/**
 * @file globalping.h
 * Globalping DNS measurements (GET /v1/measurements/{id}: an object with "id", "status" and
 * one "results" entry per probe) read into observations: one per probe. A probe's result
 * carries only the answer section ("answers": name, type, ttl, value) and the rcode name, no
 * header flags and no authority section: its rows are answer-only, and a negative answer
 * has no negative-caching TTL. Probes "failed" are failures ("timed out" in their output is a
 * timeout); "offline" and "in-progress" ones give no observation and are counted. JSON through
 * jansson. Pure: no I/O; any thread.
 */
#ifndef PT_GLOBALPING_H
#define PT_GLOBALPING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "text.h"
#include "vantage.h"

/**
 * Read measurement objects (one object, an array of them, or one per line) for @p qname /
 * @p qtype and hand every observation to @p fn; what cannot be read is counted in @p rep.
 * @return PT_OK, or PT_ERR_PARSE when the text holds no JSON at all.
 */
enum pt_status pt_globalping_read(const char *text, size_t len, const char *qname, uint16_t qtype,
				  pt_observation_fn fn, void *ctx, struct pt_vantage_report *rep);

/** A Globalping DNS measurement to ask for. */
struct pt_globalping_config {
	/** API base ("https://api.globalping.io"); /v1/... is appended */
	const char *base_url;
	/** the token (sent as "Authorization: Bearer ..."), NULL or "" for anonymous use */
	const char *token;
	/** PEM file of CAs for HTTPS; NULL = the system store */
	const char *ca_file;
	/** the name asked, lower-case absolute (sent without the trailing dot) */
	const char *qname;
	/** the type asked */
	uint16_t qtype;
	/** the location: a "magic" string (a country, an ASN, a network, "world"), or with
	 *  @ref rerun an earlier measurement's id (the same probes again) */
	const char *location;
	/** see @ref location */
	bool rerun;
	/** probes (1-500) */
	unsigned limit;
	/** each HTTPS request's limit, milliseconds (0: 10 s) */
	unsigned timeout_ms;
	/** ends a request in flight when it becomes true (see pt_http_request); NULL = never */
	const atomic_bool *cancel;
};

/** The creation request (POST /v1/measurements): type dns, the target, the location and
 *  limit, the query type over UDP port 53, no resolver (the probe's own). */
void pt_globalping_request_body(struct pt_buf *out, const struct pt_globalping_config *c);

/**
 * Create the measurement. @param[out] id its id; @param[out] limits the rate limit the API
 * reported in its X-RateLimit-* headers (limit, remaining, reset; no type, no credits), not
 * @ref pt_vantage_limits.known when it said none
 * @return PT_OK; PT_ERR_DNS when the API refused (its message in @p why: validation, no probes
 *         found, the rate limit); PT_ERR_IO / PT_ERR_TIMEOUT for the network; PT_ERR_PARSE.
 */
enum pt_status pt_globalping_create(const struct pt_globalping_config *c, char *id, size_t id_size,
				    struct pt_vantage_limits *limits, char *why, size_t why_size);

/**
 * Read the answer of GET /v1/limits: {"rateLimit": {"measurements": {"create": {"type": "ip" |
 * "user", "limit": N, "remaining": N, "reset": SECONDS}}}, "credits": {"remaining": N}}
 * (credits only for a token). @p l's wall_ms is left to the caller.
 * @return PT_OK with @p l filled (known); PT_ERR_PARSE when it is not that shape (@p why says
 *         what is wrong, @p l not known).
 */
enum pt_status pt_globalping_limits_read(struct pt_vantage_limits *l, const char *text, size_t len,
					 char *why, size_t why_size);

/**
 * Ask the API for the rate limits now (GET /v1/limits, with the token when there is one).
 * @return as pt_globalping_create(); PT_OK with @p l known and its wall_ms set.
 */
enum pt_status pt_globalping_limits(const struct pt_globalping_config *c,
				    struct pt_vantage_limits *l, char *why, size_t why_size);

/**
 * Fetch the measurement (GET /v1/measurements/{id}) with If-None-Match @p etag (may be "").
 * @param[in,out] etag the ETag to send; replaced by the answer's
 * @param[out] body the measurement (caller owns; free()), NULL when not modified
 * @param[out] finished its status is no longer "in-progress"
 * @return as pt_globalping_create().
 */
enum pt_status pt_globalping_fetch(const struct pt_globalping_config *c, const char *id, char *etag,
				   size_t etag_size, char **body, size_t *len, bool *finished,
				   char *why, size_t why_size);

#endif /* PT_GLOBALPING_H */
