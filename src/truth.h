/**
 * @file truth.h
 * Finding the truth: the expected value, else the zone's authoritative servers (found by
 * walking to the zone cut through the tracked resolvers, or given with --auth), taken from
 * the server(s) with the highest SOA serial (RFC 1982 serial arithmetic).
 * Threads: pt_truth_find() blocks on the engine; call it from any one thread at a time per
 * struct pt_truth_cache.
 */
#ifndef PT_TRUTH_H
#define PT_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "resolvers.h"
#include "state.h"

/** How to find the truth. Borrowed pointers must outlive the call / the driver. */
struct pt_truth_config {
	/** --expect values, presentation form (normalised by pt_truth_find) */
	char **expect;
	/** number of @ref expect */
	size_t nexpect;
	/** --auth servers */
	struct pt_resolver *auth;
	/** number of @ref auth */
	size_t nauth;
	/** resolvers to ask for the zone cut and NS addresses (the first few answering are used) */
	struct pt_resolver *via;
	/** number of @ref via */
	size_t nvia;
	/** port used for discovered name servers (53) */
	uint16_t auth_port;
};

/** Deep copy of a config. @return PT_OK or PT_ERR_NOMEM. */
enum pt_status pt_truth_config_copy(struct pt_truth_config *dst, const struct pt_truth_config *src);

/** Release a config made by pt_truth_config_copy(). */
void pt_truth_config_fini(struct pt_truth_config *cfg);

/**
 * RFC 1982 serial comparison. @return <0, 0 or >0 as @p a is before, equal to or after @p b
 * (the undefined half-way case compares by plain value).
 */
int pt_serial_cmp(uint32_t a, uint32_t b);

/** Name servers found by the last discovery; reused by the next call for a while. */
struct pt_truth_cache;

/** @return new cache or NULL. Caller owns; free with pt_truth_cache_free(). */
struct pt_truth_cache *pt_truth_cache_new(void);

/** Free. NULL does nothing. */
void pt_truth_cache_free(struct pt_truth_cache *c);

/**
 * Forget the discovered servers so the next pt_truth_find() discovers again.
 */
void pt_truth_cache_reset(struct pt_truth_cache *c);

/**
 * Find the truth for @p domain / @p qtype.
 * Expected values win; else asks every authoritative server (RD=0) for the record and the
 * zone's SOA and takes the answer of the highest serial; servers with a lower serial are
 * marked lagging. When no authoritative server answers, out->source is PT_TRUTH_NONE (the
 * caller may fall back to the majority).
 * @param[out] out caller owns; pt_truth_fini()
 * @return PT_OK, PT_ERR_PARSE (bad --expect value), PT_ERR_NOMEM.
 */
enum pt_status pt_truth_find(struct pt_truth *out, struct pt_engine *e, struct pt_truth_cache *c,
			     const struct pt_truth_config *cfg, const char *domain, uint16_t qtype);

#endif /* PT_TRUTH_H */
