/**
 * @file mtasts_fetch.h
 * Fetching an MTA-STS policy (RFC 8461 §3.3): https://mta-sts.DOMAIN/.well-known/mta-sts.txt
 * through src/http.c, pinned to an address the caller's own lookup gave. The one policy
 * fetcher (the diagnosis and --plan use it). Blocking: call from a thread of your own.
 */
#ifndef PT_MTASTS_FETCH_H
#define PT_MTASTS_FETCH_H

#include <stddef.h>

#include "http.h"
#include "status.h"

/** The largest policy body read: small by RFC 8461 §3.3's advice; a larger answer is not one. */
#define PT_MTASTS_MAX_BODY (64u * 1024)

/**
 * Fetch the policy of @p domain (with or without a trailing dot) from @p address (the
 * address of mta-sts.DOMAIN), verified against @p ca_file (NULL: the system store).
 * @param timeout_ms the whole request's limit; @param max_body the body cap
 * @return as pt_http_fetch(): PT_OK when a response arrived (see @p resp status and body;
 *         free it with pt_http_response_fini())
 */
enum pt_status pt_mtasts_fetch(const char *domain, const char *address, const char *ca_file,
			       unsigned timeout_ms, size_t max_body, struct pt_http_response *resp);

#endif /* PT_MTASTS_FETCH_H */
