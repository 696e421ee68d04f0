/**
 * @file net.h
 * The query interface everything above the engine talks to: submit one question to one
 * server and get one struct pt_reply back through a callback. The engine implements it
 * (pt_engine_net()); tests implement it with scripted replies, so the watch, the truth, the
 * probe and the diagnosis run on a fake network and a fake clock.
 *
 * Threads: an implementation may run callbacks on any thread, also inside submit() itself
 * (a fake answering at once); callers hold no lock across submit() that their callback takes.
 */
#ifndef PT_NET_H
#define PT_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "query.h"
#include "resolvers.h"
#include "status.h"

/** One query to send. Copied by submit(); strings are copied too. */
struct pt_request {
	/** where to send it */
	struct sockaddr_storage sa;
	/** length of @ref sa */
	socklen_t salen;
	/** name asked, presentation form */
	const char *qname;
	/** record type asked */
	uint16_t qtype;
	/** PT_FLAG_RD, PT_FLAG_CD, PT_FLAG_DO */
	unsigned opts;
	/** caller's tag, passed back untouched (e.g. a resolver id) */
	uint64_t tag;
	/** how to carry it (UDP for everything but DoT and DoH resolvers) */
	enum pt_transport transport;
	/** TLS: the name the certificate must carry (NULL or empty: the address); HTTPS: the
	 *  URL; NULL for UDP. Copied by submit() */
	const char *endpoint;
	/** EDNS Client Subnet to send (RFC 7871); family 0 (the zero value) for none */
	struct pt_ecs ecs;
};

/**
 * Failures of the encrypted transports, carried in pt_reply.err beside errno values (all
 * above any errno). A query that ends with one has result PT_REPLY_LOCAL_ERROR: asking again
 * would fail the same way.
 */
enum pt_net_error {
	PT_NETERR_BASE = 0x10000,
	PT_NETERR_TLS_UNTRUSTED, /**< the certificate chain does not lead to a trusted CA */
	PT_NETERR_TLS_NAME,	 /**< the certificate is not for the name or address asked */
	PT_NETERR_TLS_EXPIRED,	 /**< the certificate expired or is not valid yet */
	PT_NETERR_TLS_HANDSHAKE, /**< the TLS handshake failed for another reason */
	PT_NETERR_CA_FILE,	 /**< --ca-file cannot be read as PEM certificates */
	PT_NETERR_HTTP,		 /**< the HTTP exchange failed (not HTTP/2 or 1.1, bad framing) */
	PT_NETERR_HTTP_TYPE,	 /**< the DoH reply is not application/dns-message */
	PT_NETERR_RESOLVE,	 /**< the DoH server's host name cannot be resolved */
	/** an HTTP status other than 200: PT_NETERR_HTTP_STATUS + the status code */
	PT_NETERR_HTTP_STATUS = 0x20000,
};

/** @p err (an errno value or an enum pt_net_error) in words. @return a static string, or
 *  @p buf (@p size bytes) for an HTTP status. */
const char *pt_net_strerror(int err, char *buf, size_t size);

/**
 * Completion callback.
 * @param req the request as submitted (its qname is a copy owned by the implementation)
 * @param reply borrowed; valid only during the call (copy what you keep, or move
 *        reply->answer out and zero the field)
 */
typedef void (*pt_reply_fn)(void *ctx, const struct pt_request *req, struct pt_reply *reply);

/** A network to ask. Value type: copy it freely; @ref impl must outlive every copy. */
struct pt_net {
	/**
	 * Queue one query; @p fn runs exactly once with its outcome (also on local failure)
	 * unless the implementation is freed first. @return PT_OK or PT_ERR_NOMEM (then @p fn
	 * never runs).
	 */
	enum pt_status (*submit)(void *impl, const struct pt_request *req, pt_reply_fn fn,
				 void *ctx);
	/** the implementation (an engine, a test's fake) */
	void *impl;
};

/** Submit through @p net. @return as pt_net.submit. */
enum pt_status pt_net_submit(const struct pt_net *net, const struct pt_request *req, pt_reply_fn fn,
			     void *ctx);

/**
 * Send @p n queries at once and wait for all of them (blocks the calling thread).
 * @param[out] out @p n replies in request order; caller owns each, release with pt_reply_fini()
 * @return PT_OK, or PT_ERR_NOMEM with nothing in @p out to release.
 */
enum pt_status pt_net_run(const struct pt_net *net, const struct pt_request *reqs, size_t n,
			  struct pt_reply *out);

/**
 * As pt_net_run(), with at most one query in flight per server (issue 11's politeness): each
 * server's queries go one after the other, in order, the servers' chains side by side. Once
 * one times out (every try unanswered), that server's later ones are not sent and come back
 * as PT_REPLY_TIMEOUT: a silent server costs one timeout, not one per query.
 */
enum pt_status pt_net_run_polite(const struct pt_net *net, const struct pt_request *reqs, size_t n,
				 struct pt_reply *out);

/** Fill @p q for @p qname / @p qtype to the server at @p sa (tag 0). */
void pt_request_init(struct pt_request *q, const void *sa, socklen_t salen, const char *qname,
		     uint16_t qtype, unsigned opts);

/** Send @p q to resolver @p r the way it is reached: its address, transport and endpoint.
 *  @p q borrows r->endpoint until it is submitted. */
void pt_request_use_resolver(struct pt_request *q, const struct pt_resolver *r);

#endif /* PT_NET_H */
