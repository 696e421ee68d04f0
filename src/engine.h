/**
 * @file engine.h
 * The query engine: a fixed pool of worker threads, each with its own epoll set, a pool of
 * shared UDP sockets per address family (each on its own random port, batched with
 * sendmmsg/recvmmsg, replies matched by socket, address, port, ID and question) and TCP
 * connections of its own (after truncation, or --tcp), driving any number of queries at
 * once: per-try timeout, retries with backoff, a global rate cap, no cap on the queries in
 * flight unless asked. It implements struct pt_net (src/net.h), the interface everything
 * above it uses.
 *
 * Threads: pt_engine_submit() may be called from any thread. Completion
 * callbacks run on a worker thread, must not block, and must not call back into the engine.
 * Locking: each worker has one mutex guarding its incoming queue, its free jobs and its query
 * templates; the rate limiter has its own mutex. Neither is held while a callback runs or
 * during I/O.
 */
#ifndef PT_ENGINE_H
#define PT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "clock.h"
#include "net.h"
#include "query.h"
#include "status.h"

/** Engine settings. Zero fields take the defaults given. */
struct pt_engine_config {
	/** worker threads; default 2 */
	unsigned workers;
	/** wait per try in milliseconds; default 2000 */
	unsigned timeout_ms;
	/** extra tries after a timeout (0 = one try only); the default is taken only via
	 *  pt_engine_config_default() since 0 is a meaningful value */
	unsigned retries;
	/** query over TCP only */
	bool tcp_only;
	/** global cap on queries sent per second (every try counts); 0 = none */
	double rate_qps;
	/** most queries in flight at once over all workers; 0 (the default) = no cap: queries
	 *  are paced by the rate cap and the socket buffers */
	unsigned max_inflight;
	/** PEM file of the CAs that DoT and DoH certificates must lead to; NULL for the system
	 *  store. Borrowed; must outlive the engine */
	const char *ca_file;
	/** DoH queries as GET ("?dns=" base64url, RFC 8484 section 4.1) instead of POST */
	bool doh_get;
};

/** Fill @p cfg with the defaults (2 workers, 2000 ms, 2 retries, UDP, no rate cap). */
void pt_engine_config_default(struct pt_engine_config *cfg);

struct pt_engine;

/**
 * Start the workers. Raises the soft RLIMIT_NOFILE to the hard limit (see
 * pt_engine_limits() for what it allowed).
 * @param clock time source, NULL for pt_clock_monotonic
 * @return new engine or NULL on failure. Caller owns; free with pt_engine_free().
 */
struct pt_engine *pt_engine_new(const struct pt_engine_config *cfg, pt_clock_fn clock);

/**
 * Queue one query; @p fn runs once with its outcome (always, also on local failure,
 * unless the engine is freed first). @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_engine_submit(struct pt_engine *e, const struct pt_request *req, pt_reply_fn fn,
				void *ctx);

/** The engine as a struct pt_net (for the watch, the truth, the probe, the diagnosis). */
struct pt_net pt_engine_net(struct pt_engine *e);

/** Counters since start, summed over workers. */
struct pt_engine_stats {
	/** datagrams and TCP messages sent, every try */
	uint64_t sent;
	/** valid replies */
	uint64_t replies;
	/** replies dropped as not matching or malformed */
	uint64_t dropped;
	/** tries that timed out */
	uint64_t timeouts;
	/** queries retried over TCP after truncation */
	uint64_t tcp_fallbacks;
	/** DoT connections opened (a TLS handshake each) */
	uint64_t tls_connects;
};

/** Read the counters (thread-safe). */
void pt_engine_stats(struct pt_engine *e, struct pt_engine_stats *out);

/** What the descriptor limit allowed, fixed when the engine started. */
struct pt_engine_limits {
	/** soft RLIMIT_NOFILE after raising it to the hard limit (ULONG_MAX: none) */
	unsigned long fd_soft;
	/** hard RLIMIT_NOFILE */
	unsigned long fd_hard;
	/** UDP sockets (random ports) per address family per worker */
	unsigned udp_ports;
	/** what udp_ports would be with enough descriptors */
	unsigned udp_ports_wanted;
	/** TCP connections at once per worker */
	unsigned tcp_max;
	/** what tcp_max would be with enough descriptors */
	unsigned tcp_max_wanted;
	/** the limit is too low for the full pool: fewer ports to guess for a forger */
	bool low;
};

/** Read what the descriptor limit allowed (for a warning when it is too low). */
void pt_engine_limits(const struct pt_engine *e, struct pt_engine_limits *out);

/**
 * When the descriptor limit is too low for the full socket pool, what that costs in one
 * sentence for a warning (the limit, what it allows, how to raise it) into @p buf.
 * @return true when there is something to say.
 */
bool pt_engine_limits_warning(const struct pt_engine *e, char *buf, size_t size);

/**
 * End every queued and in-flight query now, and every query submitted later as soon as a
 * worker sees it, with result PT_REPLY_LOCAL_ERROR and err ECANCELED (callbacks run, so
 * pt_net_run() callers return). For a prompt shutdown; there is no way back.
 */
void pt_engine_cancel(struct pt_engine *e);

/** Stop and join every worker, drop what is queued (no callbacks), free. NULL does nothing. */
void pt_engine_free(struct pt_engine *e);

#endif /* PT_ENGINE_H */
