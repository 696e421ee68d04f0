/**
 * @file http.h
 * One HTTPS request, blocking, through libcurl: the one place proptrack speaks HTTP (the RIPE
 * Atlas and Globalping APIs, MTA-STS policies). Safe to call from any thread.
 * Defaults are the strict ones: HTTPS only, certificates verified (system store, or the CA file
 * given), no redirects, a cap on the body, a total timeout. Nothing is printed.
 */
#ifndef PT_HTTP_H
#define PT_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/** Largest body read unless a request says otherwise. */
#define PT_HTTP_MAX_BODY (16u << 20)

/** What to send. */
struct pt_http_request {
	/** "GET" (default when NULL), "POST", ... */
	const char *method;
	/** absolute https:// URL */
	const char *url;
	/** extra request headers, "Name: value", NULL-terminated; may be NULL */
	const char *const *headers;
	/** request body (POST), may be NULL */
	const char *body;
	/** bytes of @ref body */
	size_t body_len;
	/** PEM file of CAs to trust instead of the system store; NULL = system store */
	const char *ca_file;
	/** the whole transfer, milliseconds; 0 = 10 s */
	unsigned timeout_ms;
	/** largest body accepted, bytes; 0 = PT_HTTP_MAX_BODY */
	size_t max_body;
	/** "HOST:PORT:ADDRESS" (CURLOPT_RESOLVE): connect to ADDRESS for HOST:PORT instead of
	 *  asking the system resolver; the certificate is still checked against HOST; NULL = none
	 */
	const char *resolve;
	/** when it becomes true the transfer ends within about a second (PT_ERR_IO, "cancelled"):
	 *  a thread that is told to stop need not wait for the timeout; NULL = never */
	const atomic_bool *cancel;
};

/** What came back. */
struct pt_http_response {
	/** HTTP status code; 0 when no response arrived */
	long status;
	/** the body, NUL-terminated (the NUL not counted); never NULL after PT_OK */
	char *body;
	/** bytes of @ref body */
	size_t body_len;
	/** the response's header lines, "Name: value\n" each, NUL-terminated; never NULL after
	 * PT_OK */
	char *headers;
	/** why the transfer failed (on an error return), printable, never empty then */
	char error[256];
};

/**
 * Make one request.
 * @param[out] resp filled (release with pt_http_response_fini()), also on error (error text)
 * @return PT_OK when a response arrived (any status code: the caller judges it);
 *         PT_ERR_TIMEOUT; PT_ERR_PARSE (bad URL, a body over the cap); PT_ERR_IO (connection,
 *         TLS, certificate); PT_ERR_NOMEM
 */
enum pt_status pt_http_fetch(const struct pt_http_request *req, struct pt_http_response *resp);

/**
 * Value of the response header @p name (case-insensitive), copied into @p buf (trimmed).
 * @return true when present.
 */
bool pt_http_header(const struct pt_http_response *resp, const char *name, char *buf, size_t size);

/**
 * The rules every HTTPS transfer of ours follows, set on libcurl easy handle @p curl (a CURL *):
 * HTTPS only, no redirects, no signals, the peer and its name verified against the system
 * store or @p ca_file (NULL: the system store), our User-Agent.
 */
void pt_http_secure_defaults(void *curl, const char *ca_file);

/** libcurl's process-wide set-up, done once (thread-safe), for the other libcurl users (the
 *  engine's DoH). @return true when libcurl is ready. */
bool pt_http_global_init(void);

/** Release what @p resp holds and zero it; NULL does nothing. */
void pt_http_response_fini(struct pt_http_response *resp);

#endif /* PT_HTTP_H */
