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
};

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

/** Fill @p q for @p qname / @p qtype to the server at @p sa (tag 0). */
void pt_request_init(struct pt_request *q, const struct sockaddr_storage *sa, socklen_t salen,
		     const char *qname, uint16_t qtype, unsigned opts);

#endif /* PT_NET_H */
