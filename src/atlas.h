/**
 * @file atlas.h
 * RIPE Atlas DNS results (the API v2 result format, every firmware generation) read into
 * observations: one per probe and resolver asked. Each result's abuf (base64 wire format) is
 * parsed by src/query.c like a local reply (flags, the negative-caching TTL from the authority
 * SOA); "resultset" gives one observation per probe resolver; "error" entries (timeout,
 * getaddrinfo, ...) are failures; a result without abuf (old firmware) is read from its
 * "answers" list and marked answer-only. JSON through jansson. Pure: no I/O; any thread.
 */
#ifndef PT_ATLAS_H
#define PT_ATLAS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "text.h"
#include "vantage.h"

/**
 * Read a results document (the results endpoint's JSON array, or one result per line) for
 * @p qname / @p qtype and hand every observation to @p fn. Results that cannot be read, and
 * results for another question, are counted in @p rep and skipped.
 * @return PT_OK, or PT_ERR_PARSE when the text holds no JSON at all.
 */
enum pt_status pt_atlas_read(const char *text, size_t len, const char *qname, uint16_t qtype,
			     pt_observation_fn fn, void *ctx, struct pt_vantage_report *rep);

/** A one-off DNS measurement to ask RIPE Atlas for, and where. */
struct pt_atlas_config {
	/** API base ("https://atlas.ripe.net"); the paths /api/v2/... are appended */
	const char *base_url;
	/** the API key (sent as "Authorization: Key ..."; never printed) */
	const char *key;
	/** PEM file of CAs for HTTPS instead of the system store; NULL = system store */
	const char *ca_file;
	/** the name asked, lower-case absolute */
	const char *qname;
	/** the type asked */
	uint16_t qtype;
	/** probes requested */
	unsigned probes;
	/** the probe source: "area" (WW, West, ...), "country" (NL), "asn" (3333), "probes"
	 *  (a comma-separated id list) or "msm" (the probes of an earlier measurement) */
	const char *from_kind;
	/** its value */
	const char *from_value;
	/** each HTTPS request's limit, milliseconds (0: 10 s) */
	unsigned timeout_ms;
	/** ends a request in flight when it becomes true (see pt_http_request); NULL = never */
	const atomic_bool *cancel;
};

/**
 * The measurement creation request (POST /api/v2/measurements/): type dns, the question,
 * use_probe_resolver, RD and NSID bits, UDP with a 1232-byte EDNS buffer, a timeout of 5 s, no
 * retry, one-off, the probe source. @param[out] out the JSON body (caller owns; pt_buf_fini()).
 */
void pt_atlas_request_body(struct pt_buf *out, const struct pt_atlas_config *c);

/**
 * Create the measurement. @param[out] msm_id its id
 * @param[out] why on failure, the reason in words: the API's own message for a rejected
 *        measurement (a bad key, no credits left), or the network failure
 * @return PT_OK; PT_ERR_DNS when the API refused (its message in @p why); PT_ERR_IO,
 *         PT_ERR_TIMEOUT for the network; PT_ERR_PARSE for an answer that is not the API's.
 */
enum pt_status pt_atlas_create(const struct pt_atlas_config *c, uint64_t *msm_id, char *why,
			       size_t why_size);

/**
 * Fetch the results so far (GET /api/v2/measurements/{id}/results/).
 * @param[out] body caller owns; free(); NUL-terminated
 * @return as pt_atlas_create().
 */
enum pt_status pt_atlas_fetch_results(const struct pt_atlas_config *c, uint64_t msm_id, char **body,
				      size_t *len, char *why, size_t why_size);

/** Distinct probes with a result for the question in @p text. */
size_t pt_atlas_count_probes(const char *text, size_t len, const char *qname, uint16_t qtype);

/** What RIPE Atlas says of a probe: where it is and its network. */
struct pt_atlas_probe {
	/** the probe's id */
	uint64_t id;
	/** country_code (ISO 3166-1 alpha-2), "" when unknown */
	char country[8];
	/** asn_v4, else asn_v6; 0 when unknown */
	uint32_t asn;
};

/** Distinct probe ids with a result for the question in @p text, at most @p max into @p ids.
 *  @return how many were stored. */
size_t pt_atlas_probe_ids(const char *text, size_t len, const char *qname, uint16_t qtype,
			  uint64_t *ids, size_t max);

/**
 * Read a probes list (GET /api/v2/probes/: {"results": [{"id", "country_code", "asn_v4",
 * "asn_v6"}]}) into @p out, at most @p max entries; entries without an id are skipped.
 * @return how many were stored.
 */
size_t pt_atlas_read_probes(const char *text, size_t len, struct pt_atlas_probe *out, size_t max);

/**
 * Fetch the metadata of probes @p ids (GET /api/v2/probes/?id__in=...&fields=id,country_code,
 * asn_v4,asn_v6, 50 ids per request) into @p out (room for @p n). @param[out] got entries
 * stored. @return as pt_atlas_create() (the first failure; what arrived before stays).
 */
enum pt_status pt_atlas_fetch_probes(const struct pt_atlas_config *c, const uint64_t *ids, size_t n,
				     struct pt_atlas_probe *out, size_t *got, char *why,
				     size_t why_size);

#endif /* PT_ATLAS_H */
