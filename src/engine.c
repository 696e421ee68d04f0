/* sendmmsg(), recvmmsg(), struct in6_pktinfo and the error queue need the GNU extensions. */
#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "http.h"
#include "share.h"

/*
 * Each worker runs one epoll loop. UDP goes through a pool of shared sockets per address
 * family, each bound to its own kernel-chosen random port: a try takes a random socket and
 * a fresh random ID, goes out in a sendmmsg() batch, and replies come back in recvmmsg()
 * batches, matched to their try by (socket, address, port) in a hash table and then by ID;
 * pt_query_parse() checks the question. ICMP errors come through the sockets' error queues
 * (IP_RECVERR) with the query that caused them, matched the same way. TCP (after TC=1, or
 * --tcp) keeps a connection of its own per try, at most tcp_max per worker.
 *
 * A job (one submitted query) lives in its worker from submit until its callback returned:
 * in the deadline heap while it waits ("send the next try at t": backoff, rate cap) or while
 * a try is out ("this try times out at t"). All times are pt_clock nanoseconds; kernel
 * receive timestamps (SO_TIMESTAMPNS, wall clock) are carried over to it, so a reply that
 * arrived before its deadline counts even when the worker reads it late, and one that
 * arrived after it never counts. Every query of one server goes to one worker (by a hash of
 * its address), which keeps what it learnt of that server (does it echo the case of the
 * question?) without a lock. Jobs come from per-worker blocks and go back to them: nothing is
 * allocated per query on the UDP path once the blocks and tables have grown.
 *
 * DNS over TLS (RFC 7858) runs on the same epoll loop: one connection per (server, TLS name)
 * per worker, non-blocking OpenSSL driven by SSL_ERROR_WANT_READ/WRITE, kept open across
 * polls until the server closes it; every try appends its length-prefixed query to the
 * connection's output, so several are in flight at once, and replies are matched by ID among
 * that connection's tries. DNS over HTTPS (RFC 8484) goes through a libcurl multi handle per
 * worker, driven by curl_multi_socket_action() from the same epoll set and timer: HTTP/2
 * streams multiplexed on connections that libcurl keeps across polls. Both hand every reply
 * to pt_job_message(), and their tries keep the UDP path's deadlines, retries and backoff.
 */

/* Defaults, see engine.h. */
#define PT_DEF_WORKERS 2
#define PT_DEF_TIMEOUT_MS 2000
#define PT_DEF_RETRIES 2
/* Descriptors left for the rest of the process. */
#define PT_FD_HEADROOM 64
/* UDP sockets per address family per worker (so a forger has ports to guess), and the most
 * TCP connections one worker keeps open. */
#define PT_UDP_POOL 256
#define PT_TCP_MAX 512
/* Retry backoff: the first retry goes out at once (a lost datagram is the usual cause),
 * later ones wait 100 ms, 200 ms, 400 ms, ... capped at timeout_ms / 2, so a silent server
 * costs at most retries * timeout / 2 more than the tries themselves. */
#define PT_BACKOFF_BASE_MS 100
/* Largest DNS message; UDP replies are read into buffers of this size. */
#define PT_MSG_MAX 65535
/* Our queries: header, a name of at most 255 octets, type, class and the OPT record. */
#define PT_QUERY_MAX 512
/* Events taken per epoll_wait(); datagrams per sendmmsg() and recvmmsg(), and read per
 * readable event (fairness between sockets); TCP messages read per readable event. */
#define PT_EVENTS 256
#define PT_BATCH 64
#define PT_TCP_MSGS_PER_EVENT 16
/* Datagrams read from one socket before its queries are timed out (bounded: a flood must
 * not hold the worker). */
#define PT_DRAIN_BATCHES 4
/* Socket receive buffer: a burst of replies (or a flood) while the worker is busy must not
 * overflow it and lose the real reply. */
#define PT_RCVBUF (4 << 20)
/* Jobs allocated at once when a worker's free list is empty (a block is mapped of its own,
 * so freeing the engine gives its jobs' memory back to the system), and the finished jobs
 * that make the worker hand them back to the free list after the event it is handling, not
 * only once per loop: a loop that reads a burst of replies must not leave the poller, asking
 * the next questions meanwhile, to grow new blocks beside a long list of finished ones. */
#define PT_JOB_BLOCK 1024
#define PT_RECYCLE_AT 64
/* Query templates kept per worker; past this, unused ones are dropped. */
#define PT_TMPL_BUCKETS 64
#define PT_TMPL_KEEP 256
/* epoll data: the kind in the top two bits. */
#define PT_TOK_WAKE (3ULL << 62)
#define PT_TOK_UDP (1ULL << 62)
#define PT_TOK_TCP (2ULL << 62)
#define PT_TOK_KIND (3ULL << 62)
/* Kind 0: the encrypted transports; with this bit a libcurl socket (the descriptor in the low
 * 32 bits), without it a DoT connection (generation in bits 32-60, slot in the low 32). */
#define PT_TOK_CURL (1ULL << 61)
/* Output buffered per DoT connection before tries wait for it to drain, and TLS reads per
 * event (fairness: a flooding server cannot hold the worker). */
#define PT_TLS_READS_PER_EVENT 64
#define PT_TLS_CHUNK 16384

enum pt_phase {
	PT_PHASE_NEW,	      /* taken from the queue, not launched yet */
	PT_PHASE_IDLE,	      /* in the heap until the next try may be sent */
	PT_PHASE_SENDQ,	      /* waiting in the send queue for the next batch */
	PT_PHASE_UDP,	      /* datagram sent, waiting for replies */
	PT_PHASE_TCP_WAIT,    /* waiting for a free TCP connection */
	PT_PHASE_TCP_CONNECT, /* non-blocking connect in progress */
	PT_PHASE_TCP_WRITE,   /* connected, length-prefixed query partly written */
	PT_PHASE_TCP_READ,    /* query written, reading length-prefixed replies */
	PT_PHASE_TLS,	      /* queued or written on a DoT connection, waiting for the reply */
	PT_PHASE_DOH,	      /* a DoH request in libcurl (easy == NULL: the reply was not ours) */
};

enum pt_tls_state {
	PT_TLS_CONNECT,	  /* non-blocking connect in progress */
	PT_TLS_HANDSHAKE, /* SSL_connect() wants more */
	PT_TLS_READY,	  /* established: queries out, replies in */
};

/* One DoT connection of a worker, kept across polls; its slot is its epoll token. */
struct pt_tls_conn {
	struct sockaddr_storage sa;
	socklen_t salen;
	char name[PT_ENDPOINT_MAX]; /* checked against the certificate; "" = the address */
	int fd;
	SSL *ssl;
	enum pt_tls_state state;
	uint32_t gen;
	unsigned slot;
	uint32_t events; /* what epoll waits for */
	bool more;	 /* stopped reading with data left (PT_TLS_READS_PER_EVENT) */
	uint8_t *out;	 /* length-prefixed queries not written yet */
	size_t out_len, out_off, out_cap;
	uint8_t *in; /* bytes read, not framed yet */
	size_t in_len, in_cap;
	struct pt_job *jobs; /* tries waiting for their reply, linked by cnext */
};

/* What a worker learnt of a server: does it echo the question's case (0x20)? */
enum pt_case {
	PT_CASE_UNKNOWN = 0,
	PT_CASE_ECHOES = 1,
	PT_CASE_NO_ECHO = 2,
};

/* A query prepared once per (name, type, options); shared by the jobs asking it. */
struct pt_tmpl {
	struct pt_tmpl *next; /* bucket chain, under the worker lock */
	atomic_uint refs;     /* jobs using it */
	uint16_t qtype;
	unsigned opts;
	uint64_t hash;
	struct pt_ecs ecs;	 /* the Client Subnet it carries (family 0: none) */
	char *qname;		 /* owned copy; NULL for a request without one */
	struct pt_query_wire qw; /* wire == NULL when it could not be built */
	int err;		 /* why it could not be built */
};

/* One submitted query; owned by exactly one worker from submit until its callback returned. */
struct pt_job {
	/* what it keeps of the caller's request, the rest (name, type, options, Client Subnet)
	 * being its template's: a job is one per query in flight, and the request's own
	 * sockaddr_storage alone was 128 of its 200 bytes (pt_job_request() makes it back) */
	union pt_sockaddr sa;
	socklen_t salen; /* as the caller gave it (pt_job_salen() is what goes to the kernel) */
	enum pt_transport transport;
	uint64_t tag;
	struct pt_tmpl *tmpl;
	pt_reply_fn fn;
	void *ctx;
	struct pt_job *next;	      /* queue / free list link */
	struct pt_job *hnext;	      /* match table chain */
	struct pt_job *lprev, *lnext; /* the worker's live list (launched, not finished) */
	unsigned tries;		      /* tries started so far (the reply's tries) */
	unsigned dropped;	      /* replies not taken (the reply's dropped) */
	enum pt_phase phase;
	int fd;		      /* TCP socket or -1 */
	uint8_t fam;	      /* 0 IPv4, 1 IPv6 */
	uint16_t sock;	      /* UDP: pool index of the current try's socket */
	uint16_t id;	      /* DNS ID of the current try */
	uint32_t case_seed;   /* 0x20 pattern of the current try, 0 for none */
	uint64_t dhash;	      /* hash of the server's address and port */
	bool tcp;	      /* tries go over TCP (tcp_only, or after TC) */
	bool fallback;	      /* next send is the TCP retry of a truncated reply: not a new try */
	bool has_token;	      /* a rate token is reserved for the next send */
	bool malformed;	      /* a malformed reply was seen on some try */
	bool drained;	      /* its socket was read just before its deadline */
	uint8_t *msg;	      /* TCP: 2-byte length prefix + query */
	size_t msg_len;	      /* TCP: query length without the prefix */
	size_t io_off;	      /* TCP: bytes of msg written, or of the reply length/body read */
	uint8_t len_buf[2];   /* TCP: reply length prefix */
	uint8_t *in_buf;      /* TCP: reply body being read */
	size_t in_len;	      /* TCP: reply body length (0 while reading the prefix) */
	uint64_t sent_ns;     /* when the current try started; for TCP before connect(), so the
			       * RTT of a TCP answer includes the handshake */
	uint64_t deadline_ns; /* heap key */
	size_t heap_idx;      /* position in the heap, SIZE_MAX when absent */
	unsigned slot;	      /* TCP: index in the connection table */
	uint32_t gen;	      /* TCP: generation of the socket's epoll registration */
	char *endpoint;	      /* DoT name or DoH URL, owned */
	struct pt_tls_conn *tconn;  /* DoT: the connection the current try waits on */
	struct pt_job *cnext;	    /* DoT: the connection's list of tries */
	CURL *easy;		    /* DoH: the current try's transfer */
	struct curl_slist *resolve; /* DoH: the host pinned to the listed address */
};

struct pt_job_block {
	struct pt_job_block *next;
	struct pt_job jobs[PT_JOB_BLOCK];
};

/* The UDP sockets of one address family. */
struct pt_pool {
	int fd[PT_UDP_POOL];
	uint32_t drained[PT_UDP_POOL]; /* loop iteration it was last drained in */
	unsigned n;
	bool opened; /* tried to open: n > 0, or err says why not */
	int err;
};

/* A job waiting in the deadline heap, with its deadline (the job's deadline_ns). */
struct pt_heap_entry {
	uint64_t at;
	struct pt_job *job;
};

struct pt_worker {
	struct pt_engine *e;
	pthread_t thread;
	bool started;
	int epfd;
	int wakefd;
	/* lock guards in_head / in_tail, the free jobs, their blocks and the templates (used by
	 * pt_engine_submit on any thread) */
	pthread_mutex_t lock;
	bool lock_init;
	struct pt_job *in_head;
	struct pt_job *in_tail;
	/* set by submit with the queue filled, cleared by the worker taking it; with sleeping,
	 * a submit wakes the worker only when it is about to wait (or waits) in epoll_wait(),
	 * so a burst of submits costs no wake-up per query */
	atomic_bool in_pending;
	atomic_bool sleeping;
	struct pt_job *pool;
	struct pt_job_block *blocks;
	struct pt_tmpl *tmpl[PT_TMPL_BUCKETS];
	unsigned ntmpl;
	/* everything below is touched by the worker thread only (and by pt_engine_free after
	 * join) */
	struct pt_job *freed; /* finished jobs, handed back to pool between events */
	struct pt_job *freed_tail;
	unsigned nfreed;
	struct pt_job *wait_head; /* taken from incoming, not launched yet (cap reached) */
	struct pt_job *wait_tail;
	struct pt_job *sendq_head;
	struct pt_job *sendq_tail;
	bool send_blocked; /* a socket buffer was full: wait for it to drain */
	int blocked_fd;
	struct pt_job *tcpq_head; /* waiting for a TCP connection */
	struct pt_job *tcpq_tail;
	unsigned tcp_active;
	unsigned tcp_max;    /* size of the connection table */
	unsigned tcp_limit;  /* connections at once: tcp_max, less after EMFILE */
	struct pt_job *live; /* every launched, unfinished job */
	unsigned inflight;
	unsigned cap; /* 0: no cap */
	struct pt_pool pools[2];
	unsigned pool_size;
	/* match table: UDP tries by (socket, address, port), chained */
	struct pt_job **mt;
	size_t mt_size;
	size_t mt_count;
	/* what was learnt per server: open addressing on the address hash (never 0) */
	uint64_t *dk;
	uint8_t *dv;
	size_t d_size;
	size_t d_count;
	/* TCP connections by slot (the epoll token) */
	struct pt_job **slots;
	unsigned *free_slots;
	unsigned nfree;
	/* binary min-heap on deadline_ns */
	struct pt_heap_entry *heap;
	size_t heap_len;
	size_t heap_cap;
	uint64_t prng; /* splitmix64 state, seeded from getrandom() */
	uint32_t gen;
	uint32_t iter;
	/* batch buffers */
	uint8_t (*rbuf)[PT_MSG_MAX + 1];
	uint8_t sbuf[PT_BATCH][PT_QUERY_MAX];
	struct pt_job *batch[PT_BATCH];
	struct mmsghdr msgs[PT_BATCH];
	struct iovec iov[PT_BATCH];
	/* the receive side's own, set up once (pt_worker_init()): a call puts back only the
	 * lengths the one before overwrote, not 64 headers for the one or two datagrams most
	 * reads find */
	struct mmsghdr rmsgs[PT_BATCH];
	struct iovec riov[PT_BATCH];
	unsigned rused;
	struct sockaddr_storage from[PT_BATCH];
	char ctl[PT_BATCH][64];
	/* DoT connections by slot (NULL: free); DoH's multi handle, its timer and headers */
	struct pt_tls_conn **tconns;
	unsigned ntconns;
	bool tls_more; /* some connection has data left to read */
	CURLM *multi;
	bool curl_timer;
	uint64_t curl_due_ns;
	struct curl_slist *doh_post_headers;
	struct curl_slist *doh_get_headers;
};

/* Global token bucket shared by all workers. Tokens may go negative: a caller that finds none
 * reserves the next one anyway and is told when it becomes due, so it never has to ask again. */
struct pt_rate {
	pthread_mutex_t lock; /* guards the fields below */
	double per_ns;	      /* tokens added per nanosecond */
	double burst;	      /* bucket size in tokens */
	double tokens;
	uint64_t last_ns; /* clock time of the last refill */
};

struct pt_engine {
	struct pt_engine_config cfg; /* defaults applied */
	pt_clock_fn clock;
	struct pt_worker *workers;
	unsigned nworkers;
	atomic_bool stop;
	atomic_bool cancel; /* pt_engine_cancel(): end every query at once */
	bool rate_on;
	struct pt_rate rate;
	struct pt_engine_limits limits;
	atomic_uint_fast64_t sent;
	atomic_uint_fast64_t replies;
	atomic_uint_fast64_t dropped;
	atomic_uint_fast64_t timeouts;
	atomic_uint_fast64_t tcp_fallbacks;
	atomic_uint_fast64_t tls_connects;
	/* DoT: verification against the system store or cfg.ca_file, made on the first DoT
	 * query (loading the store costs tens of ms, which a run without DoT must not pay);
	 * tls_lock guards the making, tls_ready says it is done (then both are read-only) */
	pthread_mutex_t tls_lock;
	atomic_bool tls_ready;
	SSL_CTX *ssl_ctx;
	int tls_err; /* why ssl_ctx cannot be used (enum pt_net_error), 0 when it can */
};

static void pt_job_launch(struct pt_worker *w, struct pt_job *job);
static void pt_job_tcp_start(struct pt_worker *w, struct pt_job *job);
static void pt_job_tls_start(struct pt_worker *w, struct pt_job *job);
static void pt_job_doh_start(struct pt_worker *w, struct pt_job *job);
static void pt_tls_detach(struct pt_worker *w, struct pt_job *job);
static void pt_doh_detach(struct pt_worker *w, struct pt_job *job);

void pt_engine_config_default(struct pt_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = PT_DEF_WORKERS;
	cfg->timeout_ms = PT_DEF_TIMEOUT_MS;
	cfg->retries = PT_DEF_RETRIES;
}

static uint64_t pt_now(const struct pt_engine *e)
{
	return e->clock();
}

static void pt_stat_add(atomic_uint_fast64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* ---- random numbers and hashes ---- */

static uint64_t pt_seed(void)
{
	uint64_t s = 0;
	int fd;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s)) {
		return s;
	}
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s)) {
			s = 0;
		}
		close(fd);
	}
	/* last resort: still differs per run and per worker */
	return s ^ pt_clock_monotonic() ^ (uint64_t)(uintptr_t)&s;
}

static uint64_t pt_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t pt_rand64(struct pt_worker *w)
{
	return pt_mix(w->prng += 0x9e3779b97f4a7c15ULL);
}

/* Hash of a server's address and port (and IPv6 scope); the same for sockaddrs that
 * pt_sa_same() calls equal. */
static uint64_t pt_sa_hash(const struct sockaddr *sa)
{
	uint64_t h = PT_HASH_INIT;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		h = pt_hash_bytes(h, &s4->sin_addr, sizeof(s4->sin_addr));
		h = pt_hash_bytes(h, &s4->sin_port, sizeof(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		h = pt_hash_bytes(h, &s6->sin6_addr, sizeof(s6->sin6_addr));
		h = pt_hash_bytes(h, &s6->sin6_port, sizeof(s6->sin6_port));
	}
	return pt_mix(h);
}

/* Did datagram source @p from come from server @p to (address and port)? */
static bool pt_sa_same(const struct sockaddr *from, const struct sockaddr *to)
{
	if (from->sa_family != to->sa_family) {
		return false;
	}
	if (to->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)from;
		const struct sockaddr_in *b = (const struct sockaddr_in *)to;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	if (to->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
		const struct sockaddr_in6 *b = (const struct sockaddr_in6 *)to;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0 &&
		       (b->sin6_scope_id == 0 || a->sin6_scope_id == b->sin6_scope_id);
	}
	return false;
}

/* ---- rate limiter ---- */

/* Reserve one token; @return the clock time (ns) at which the send may go out. */
static uint64_t pt_rate_reserve(struct pt_rate *r, uint64_t now)
{
	uint64_t at = now;

	pthread_mutex_lock(&r->lock);
	if (now > r->last_ns) {
		r->tokens += (double)(now - r->last_ns) * r->per_ns;
		if (r->tokens > r->burst) {
			r->tokens = r->burst;
		}
		r->last_ns = now;
	}
	r->tokens -= 1.0;
	if (r->tokens < 0.0) {
		at = now + (uint64_t)(-r->tokens / r->per_ns) + 1;
	}
	pthread_mutex_unlock(&r->lock);
	return at;
}

/* ---- deadline heap ---- */

/* The heap holds each job's deadline beside it, so ordering reads the heap's own array and
 * not a job per level (with 100,000 queries out, 17 levels of cache misses per change). */
static void pt_heap_place(struct pt_worker *w, size_t i, struct pt_heap_entry e)
{
	w->heap[i] = e;
	e.job->heap_idx = i;
}

static void pt_heap_up(struct pt_worker *w, size_t i)
{
	struct pt_heap_entry e = w->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (w->heap[p].at <= e.at) {
			break;
		}
		pt_heap_place(w, i, w->heap[p]);
		i = p;
	}
	pt_heap_place(w, i, e);
}

static void pt_heap_down(struct pt_worker *w, size_t i)
{
	struct pt_heap_entry e = w->heap[i];

	for (;;) {
		size_t l = 2 * i + 1;
		size_t m = l;

		if (l >= w->heap_len) {
			break;
		}
		if (l + 1 < w->heap_len && w->heap[l + 1].at < w->heap[l].at) {
			m = l + 1;
		}
		if (e.at <= w->heap[m].at) {
			break;
		}
		pt_heap_place(w, i, w->heap[m]);
		i = m;
	}
	pt_heap_place(w, i, e);
}

/* Insert @p job or move it to @p deadline_ns. @return false when the heap cannot grow. */
static bool pt_heap_set(struct pt_worker *w, struct pt_job *job, uint64_t deadline_ns)
{
	job->deadline_ns = deadline_ns;
	if (job->heap_idx == SIZE_MAX) {
		if (w->heap_len == w->heap_cap) {
			size_t cap = w->heap_cap ? 2 * w->heap_cap : 1024;
			struct pt_heap_entry *h = realloc(w->heap, cap * sizeof(*h));

			if (!h) {
				return false;
			}
			w->heap = h;
			w->heap_cap = cap;
		}
		job->heap_idx = w->heap_len++;
	}
	w->heap[job->heap_idx] = (struct pt_heap_entry){ .at = deadline_ns, .job = job };
	pt_heap_up(w, job->heap_idx);
	pt_heap_down(w, job->heap_idx);
	return true;
}

static void pt_heap_remove(struct pt_worker *w, struct pt_job *job)
{
	size_t i = job->heap_idx;

	if (i == SIZE_MAX) {
		return;
	}
	job->heap_idx = SIZE_MAX;
	w->heap_len--;
	if (i == w->heap_len) {
		return;
	}
	pt_heap_place(w, i, w->heap[w->heap_len]);
	pt_heap_up(w, i);
	pt_heap_down(w, i);
}

/* ---- the match table: UDP tries by (socket, server) ---- */

static size_t pt_mt_bucket(const struct pt_worker *w, uint64_t dhash, unsigned fam, unsigned sock)
{
	return (size_t)pt_mix(dhash ^ ((uint64_t)fam << 16 | sock)) & (w->mt_size - 1);
}

static void pt_mt_grow(struct pt_worker *w)
{
	size_t size = w->mt_size ? 2 * w->mt_size : 1024;
	struct pt_job **mt = calloc(size, sizeof(*mt));
	struct pt_job **old = w->mt;
	size_t old_size = w->mt_size;

	if (!mt) {
		return; /* chains only get longer */
	}
	w->mt = mt;
	w->mt_size = size;
	for (size_t i = 0; i < old_size; i++) {
		struct pt_job *j = old[i];

		while (j) {
			struct pt_job *next = j->hnext;
			size_t b = pt_mt_bucket(w, j->dhash, j->fam, j->sock);

			j->hnext = mt[b];
			mt[b] = j;
			j = next;
		}
	}
	free(old);
}

/* @return false when the table has no room (out of memory). */
static bool pt_mt_insert(struct pt_worker *w, struct pt_job *job)
{
	size_t b;

	if (w->mt_count >= w->mt_size) {
		pt_mt_grow(w);
	}
	if (w->mt_size == 0) {
		return false;
	}
	b = pt_mt_bucket(w, job->dhash, job->fam, job->sock);
	job->hnext = w->mt[b];
	w->mt[b] = job;
	w->mt_count++;
	return true;
}

static void pt_mt_remove(struct pt_worker *w, struct pt_job *job)
{
	struct pt_job **p = &w->mt[pt_mt_bucket(w, job->dhash, job->fam, job->sock)];

	while (*p && *p != job) {
		p = &(*p)->hnext;
	}
	if (*p) {
		*p = job->hnext;
		job->hnext = NULL;
		w->mt_count--;
	}
}

/*
 * The try a datagram from @p from on socket (@p fam, @p sock) answers: the one with @p id
 * (when @p has_id). @param[out] any some try out to that server on that socket, to charge a
 * reply that is not its own to (NULL when none).
 */
static struct pt_job *pt_mt_find(struct pt_worker *w, unsigned fam, unsigned sock,
				 const struct sockaddr *from, bool has_id, uint16_t id,
				 struct pt_job **any)
{
	uint64_t dhash = pt_sa_hash(from);
	struct pt_job *j;

	*any = NULL;
	if (w->mt_size == 0) {
		return NULL;
	}
	for (j = w->mt[pt_mt_bucket(w, dhash, fam, sock)]; j; j = j->hnext) {
		if (j->dhash != dhash || j->fam != fam || j->sock != sock ||
		    !pt_sa_same(from, &j->sa.any)) {
			continue;
		}
		if (has_id && j->id == id) {
			return j;
		}
		if (!*any) {
			*any = j;
		}
	}
	return NULL;
}

/* ---- what a worker learnt of each server ---- */

static size_t pt_dest_slot(const struct pt_worker *w, uint64_t key)
{
	size_t i = (size_t)key & (w->d_size - 1);

	while (w->dk[i] != 0 && w->dk[i] != key) {
		i = (i + 1) & (w->d_size - 1);
	}
	return i;
}

static enum pt_case pt_dest_case(const struct pt_worker *w, uint64_t dhash)
{
	uint64_t key = dhash | 1;

	if (w->d_size == 0) {
		return PT_CASE_UNKNOWN;
	}
	return (enum pt_case)w->dv[pt_dest_slot(w, key)];
}

static void pt_dest_set_case(struct pt_worker *w, uint64_t dhash, enum pt_case c)
{
	uint64_t key = dhash | 1;
	size_t i;

	if (2 * (w->d_count + 1) > w->d_size) {
		size_t size = w->d_size ? 2 * w->d_size : 1024;
		uint64_t *dk = calloc(size, sizeof(*dk));
		uint8_t *dv = calloc(size, sizeof(*dv));
		uint64_t *ok = w->dk;
		uint8_t *ov = w->dv;
		size_t osize = w->d_size;

		if (!dk || !dv) {
			free(dk);
			free(dv);
			return; /* forgetting is safe: unknown servers get the old matching */
		}
		w->dk = dk;
		w->dv = dv;
		w->d_size = size;
		for (size_t k = 0; k < osize; k++) {
			if (ok[k] != 0) {
				size_t s = pt_dest_slot(w, ok[k]);

				dk[s] = ok[k];
				dv[s] = ov[k];
			}
		}
		free(ok);
		free(ov);
	}
	i = pt_dest_slot(w, key);
	if (w->dk[i] == 0) {
		w->dk[i] = key;
		w->d_count++;
	}
	w->dv[i] = (uint8_t)c;
}

/* ---- jobs ---- */

static void pt_live_add(struct pt_worker *w, struct pt_job *job)
{
	job->lprev = NULL;
	job->lnext = w->live;
	if (w->live) {
		w->live->lprev = job;
	}
	w->live = job;
}

static void pt_live_remove(struct pt_worker *w, struct pt_job *job)
{
	if (job->lprev) {
		job->lprev->lnext = job->lnext;
	} else {
		w->live = job->lnext;
	}
	if (job->lnext) {
		job->lnext->lprev = job->lprev;
	}
	job->lprev = job->lnext = NULL;
}

/* Release what a job holds beyond itself (before it goes back to a free list). */
static void pt_job_release(struct pt_job *job)
{
	if (job->fd >= 0) {
		close(job->fd);
		job->fd = -1;
	}
	free(job->msg);
	job->msg = NULL;
	free(job->in_buf);
	job->in_buf = NULL;
	free(job->endpoint);
	job->endpoint = NULL;
	curl_slist_free_all(job->resolve);
	job->resolve = NULL;
	if (job->tmpl) {
		atomic_fetch_sub(&job->tmpl->refs, 1);
		job->tmpl = NULL;
	}
}

/* Close the current try's TCP socket (closing also removes it from the epoll set), or take
 * the UDP try out of the match table. */
static void pt_job_close(struct pt_worker *w, struct pt_job *job)
{
	if (job->phase == PT_PHASE_UDP) {
		pt_mt_remove(w, job);
	}
	if (job->phase == PT_PHASE_TLS) {
		pt_tls_detach(w, job);
	}
	if (job->phase == PT_PHASE_DOH) {
		pt_doh_detach(w, job);
	}
	if (job->fd >= 0) {
		close(job->fd);
		job->fd = -1;
		w->slots[job->slot] = NULL;
		w->free_slots[w->nfree++] = job->slot;
		w->tcp_active--;
	}
	free(job->in_buf);
	job->in_buf = NULL;
	job->in_len = 0;
	job->io_off = 0;
	job->phase = PT_PHASE_IDLE;
}

/* The request @p job was submitted with, as its callback is given it. */
static void pt_job_request(const struct pt_job *job, struct pt_request *req)
{
	memset(req, 0, sizeof(*req));
	memcpy(&req->sa, &job->sa, sizeof(job->sa));
	req->salen = job->salen;
	req->qname = job->tmpl->qname;
	req->qtype = job->tmpl->qtype;
	req->opts = job->tmpl->opts;
	req->tag = job->tag;
	req->transport = job->transport;
	req->endpoint = job->endpoint;
	req->ecs = job->tmpl->ecs;
}

/* Hand @p job's outcome to its callback (no lock held): the reply is made here, on the
 * stack, so a job waiting or in flight carries only its counters (a few bytes, not a struct
 * pt_reply). @param ans the answer (taken) with its round trip @p rtt_ms, or NULL. */
static void pt_job_hand(struct pt_worker *w, struct pt_job *job, enum pt_reply_result res, int err,
			struct pt_answer *ans, double rtt_ms)
{
	struct pt_reply reply;
	struct pt_request req;

	memset(&reply, 0, sizeof(reply));
	reply.result = res;
	reply.err = err;
	reply.via_tcp = res == PT_REPLY_OK && job->tcp;
	reply.received_ns = pt_now(w->e);
	reply.tries = job->tries;
	reply.dropped = job->dropped;
	if (ans != NULL) {
		reply.answer = *ans;
		reply.rtt_ms = rtt_ms;
	}
	pt_job_request(job, &req);
	job->fn(job->ctx, &req, &reply);
	pt_reply_fini(&reply);
}

/* Hand the finished jobs back to the free list (the lock is the submitters'). */
static void pt_worker_recycle(struct pt_worker *w)
{
	if (!w->freed) {
		return;
	}
	pthread_mutex_lock(&w->lock);
	w->freed_tail->next = w->pool;
	w->pool = w->freed;
	pthread_mutex_unlock(&w->lock);
	w->freed = w->freed_tail = NULL;
	w->nfreed = 0;
}

/* @p job (released) is free again: on the worker's own list, handed back to the submitters
 * by pt_worker_recycle() between events (never here: the code that ended it may still read
 * it until its event is handled). */
static void pt_job_free(struct pt_worker *w, struct pt_job *job)
{
	job->next = w->freed;
	if (!w->freed) {
		w->freed_tail = job;
	}
	w->freed = job;
	w->nfreed++;
}

/* End @p job: hand the outcome (@p ans and @p rtt_ms as for pt_job_hand()) to its callback
 * and recycle it. */
static void pt_job_end(struct pt_worker *w, struct pt_job *job, enum pt_reply_result res, int err,
		       struct pt_answer *ans, double rtt_ms)
{
	pt_job_close(w, job);
	pt_heap_remove(w, job);
	pt_live_remove(w, job);
	w->inflight--;

	/* a server that only ever sent garbage is better described by that than by silence */
	if (job->malformed && (res == PT_REPLY_TIMEOUT || res == PT_REPLY_UNREACHABLE)) {
		res = PT_REPLY_MALFORMED;
		err = 0;
	}
	pt_job_hand(w, job, res, err, ans, rtt_ms);
	pt_job_release(job);
	pt_job_free(w, job);
}

/* End @p job without an answer. */
static void pt_job_finish(struct pt_worker *w, struct pt_job *job, enum pt_reply_result res,
			  int err)
{
	pt_job_end(w, job, res, err, NULL, 0);
}

/* Errors the network reports about a try (worth another try), as opposed to local failures. */
static bool pt_err_is_net(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EPIPE:
	case ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

/* Backoff before try number @p done + 1, in ns; see PT_BACKOFF_BASE_MS. */
static uint64_t pt_backoff_ns(const struct pt_engine *e, unsigned done)
{
	uint64_t cap_ms = e->cfg.timeout_ms / 2;
	uint64_t ms;

	if (done <= 1) {
		return 0;
	}
	ms = done - 2 >= 16 ? cap_ms : (uint64_t)PT_BACKOFF_BASE_MS << (done - 2);
	if (ms > cap_ms) {
		ms = cap_ms;
	}
	return ms * PT_NS_PER_MS;
}

/* The current try failed (timeout or network error): try again, or finish with @p res. */
static void pt_job_try_failed(struct pt_worker *w, struct pt_job *job, enum pt_reply_result res,
			      int err)
{
	uint64_t delay;

	pt_job_close(w, job);
	if (job->tries > w->e->cfg.retries) {
		pt_job_finish(w, job, res, err);
		return;
	}
	delay = pt_backoff_ns(w->e, job->tries);
	if (delay == 0) {
		pt_heap_remove(w, job);
		pt_job_launch(w, job);
		return;
	}
	if (!pt_heap_set(w, job, pt_now(w->e) + delay)) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
	}
}

/* A system call for the try failed with @p err. */
static void pt_job_error(struct pt_worker *w, struct pt_job *job, int err)
{
	if (pt_err_is_net(err)) {
		pt_job_try_failed(w, job, PT_REPLY_UNREACHABLE, err);
	} else {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, err);
	}
}

/* The job's address is one the kernel takes: a family of ours, as long as it needs. */
static bool pt_addr_ok(const struct pt_job *job)
{
	if (job->sa.any.sa_family == AF_INET) {
		return job->salen >= sizeof(struct sockaddr_in) &&
		       job->salen <= sizeof(struct sockaddr_storage);
	}
	if (job->sa.any.sa_family == AF_INET6) {
		return job->salen >= sizeof(struct sockaddr_in6) &&
		       job->salen <= sizeof(struct sockaddr_storage);
	}
	return false;
}

/* The length of the job's address as the kernel is given it (pt_addr_ok() held). */
static socklen_t pt_job_salen(const struct pt_job *job)
{
	return job->sa.any.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
}

/* A fresh ID for the next try, and the case of its name when the server may echo it. */
static void pt_job_new_id(struct pt_worker *w, struct pt_job *job)
{
	uint64_t r = pt_rand64(w);

	job->id = (uint16_t)r;
	job->case_seed = 0;
	if (pt_dest_case(w, job->dhash) != PT_CASE_NO_ECHO) {
		job->case_seed = (uint32_t)(r >> 32) | 1;
	}
}

/* Open the UDP sockets of @p fam (0 IPv4, 1 IPv6) on first use. */
static void pt_pool_open(struct pt_worker *w, unsigned fam)
{
	struct pt_pool *p = &w->pools[fam];
	int family = fam ? AF_INET6 : AF_INET;
	int level = fam ? IPPROTO_IPV6 : IPPROTO_IP;
	int recverr = fam ? IPV6_RECVERR : IP_RECVERR;
	int one = 1, buf = PT_RCVBUF;

	p->opened = true;
	for (unsigned i = 0; i < w->pool_size; i++) {
		struct sockaddr_storage any;
		socklen_t len = fam ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		struct epoll_event ev;
		int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			p->err = errno;
			break;
		}
		/* port 0: the kernel picks a random free port for each socket */
		memset(&any, 0, sizeof(any));
		any.ss_family = (sa_family_t)family;
		if (bind(fd, (struct sockaddr *)&any, len) != 0) {
			p->err = errno;
			close(fd);
			break;
		}
		/* ICMP errors for what we sent (the unconnected socket's ECONNREFUSED), kernel
		 * receive times, and room for a burst */
		setsockopt(fd, level, recverr, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
		/* IPv4: DF set, the path MTU not looked at (no query comes near any MTU); with DF
		 * the kernel skips the IP ID hash it makes for every datagram of an unconnected
		 * socket (1.4% of a 100,000 sweep's workers) */
		if (!fam) {
			int pmtu = IP_PMTUDISC_PROBE;

			setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
		}
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) != 0) {
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
		}
		ev.events = EPOLLIN;
		ev.data.u64 = PT_TOK_UDP | (uint64_t)fam << 16 | i;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			p->err = errno;
			close(fd);
			break;
		}
		p->fd[p->n++] = fd;
	}
}

/* Start the next try: queue the datagram for the next batch, or go to TCP. */
static void pt_job_send(struct pt_worker *w, struct pt_job *job)
{
	unsigned fam;

	/* a DoH host name that was not resolved is libcurl's to resolve */
	if (!pt_addr_ok(job) && !(job->transport == PT_TRANSPORT_HTTPS && job->salen == 0)) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, EAFNOSUPPORT);
		return;
	}
	if (job->tmpl->qw.wire == NULL) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, job->tmpl->err);
		return;
	}
	if (job->transport == PT_TRANSPORT_TLS) {
		pt_job_tls_start(w, job);
		return;
	}
	if (job->transport == PT_TRANSPORT_HTTPS) {
		pt_job_doh_start(w, job);
		return;
	}
	if (job->tcp) {
		pt_job_tcp_start(w, job);
		return;
	}
	fam = job->sa.any.sa_family == AF_INET6;
	if (!w->pools[fam].opened) {
		pt_pool_open(w, fam);
	}
	if (w->pools[fam].n == 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR,
			      w->pools[fam].err ? w->pools[fam].err : EMFILE);
		return;
	}
	job->fam = (uint8_t)fam;
	job->tries++;
	job->phase = PT_PHASE_SENDQ;
	job->next = NULL;
	if (w->sendq_tail) {
		w->sendq_tail->next = job;
	} else {
		w->sendq_head = job;
	}
	w->sendq_tail = job;
}

/* Send the next try now, or park it in the heap until a rate token is due. */
static void pt_job_launch(struct pt_worker *w, struct pt_job *job)
{
	struct pt_engine *e = w->e;

	if (e->rate_on && !job->has_token) {
		uint64_t now = pt_now(e);
		uint64_t at = pt_rate_reserve(&e->rate, now);

		job->has_token = true;
		if (at > now) {
			job->phase = PT_PHASE_IDLE;
			if (!pt_heap_set(w, job, at)) {
				pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
			}
			return;
		}
	}
	job->has_token = false;
	job->drained = false;
	pt_job_send(w, job);
}

/* Wall-clock now and pt_clock now, to carry kernel timestamps over to the pt_clock. */
struct pt_times {
	uint64_t real_ns;
	uint64_t mono_ns;
};

static struct pt_times pt_times_now(const struct pt_engine *e)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct pt_times){ (uint64_t)ts.tv_sec * PT_NS_PER_S + (uint64_t)ts.tv_nsec,
				  pt_now(e) };
}

/* The pt_clock time a message was received, from its SCM_TIMESTAMPNS; @p t.mono_ns when the
 * kernel gave none (or the wall clock stepped). */
static uint64_t pt_rx_time(struct msghdr *h, struct pt_times t)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			uint64_t rx;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			rx = (uint64_t)ts.tv_sec * PT_NS_PER_S + (uint64_t)ts.tv_nsec;
			if (rx <= t.real_ns && t.real_ns - rx < t.mono_ns) {
				return t.mono_ns - (t.real_ns - rx);
			}
		}
	}
	return t.mono_ns;
}

/* Send up to PT_BATCH queued datagrams on one random socket of their family. @return false
 * when the socket buffer is full (wait for it), true to go on. */
static bool pt_send_batch(struct pt_worker *w)
{
	struct pt_engine *e = w->e;
	unsigned fam = w->sendq_head->fam;
	struct pt_pool *p = &w->pools[fam];
	unsigned sock = (unsigned)(pt_rand64(w) % p->n);
	unsigned n = 0, done = 0;
	uint64_t now;

	/* one family per batch; the queue keeps its order */
	while (n < PT_BATCH && w->sendq_head && w->sendq_head->fam == fam) {
		struct pt_job *job = w->sendq_head;
		struct pt_job *any;

		w->sendq_head = job->next;
		if (!w->sendq_head) {
			w->sendq_tail = NULL;
		}
		job->next = NULL;
		job->sock = (uint16_t)sock;
		/* IDs are unique per socket and server among the tries out (and in this batch) */
		do {
			pt_job_new_id(w, job);
		} while (pt_mt_find(w, fam, sock, &job->sa.any, true, job->id, &any) != NULL);
		if (!pt_mt_insert(w, job)) {
			pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
			continue;
		}
		job->phase = PT_PHASE_UDP;
		job->deadline_ns = UINT64_MAX;
		pt_query_stamp(w->sbuf[n], &job->tmpl->qw, job->id, job->case_seed);
		w->iov[n].iov_base = w->sbuf[n];
		w->iov[n].iov_len = job->tmpl->qw.len;
		memset(&w->msgs[n], 0, sizeof(w->msgs[n]));
		w->msgs[n].msg_hdr.msg_name = &job->sa;
		w->msgs[n].msg_hdr.msg_namelen = pt_job_salen(job);
		w->msgs[n].msg_hdr.msg_iov = &w->iov[n];
		w->msgs[n].msg_hdr.msg_iovlen = 1;
		w->batch[n++] = job;
	}
	now = pt_now(e);
	while (done < n) {
		int k = sendmmsg(p->fd[sock], &w->msgs[done], n - done, MSG_DONTWAIT);

		if (k < 0 && errno == EINTR) {
			continue;
		}
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT,
						  .data.u64 =
							  PT_TOK_UDP | (uint64_t)fam << 16 | sock };

			/* the socket buffer is full: put the rest back at the head, in order, and
			 * wait until it drains */
			for (unsigned i = n; i-- > done;) {
				struct pt_job *job = w->batch[i];

				pt_mt_remove(w, job);
				job->phase = PT_PHASE_SENDQ;
				job->next = w->sendq_head;
				w->sendq_head = job;
				if (!w->sendq_tail) {
					w->sendq_tail = job;
				}
			}
			epoll_ctl(w->epfd, EPOLL_CTL_MOD, p->fd[sock], &ev);
			w->blocked_fd = p->fd[sock];
			w->send_blocked = true;
			return false;
		}
		if (k < 0) {
			/* this datagram cannot go out (no route, bad address): the next ones may */
			struct pt_job *job = w->batch[done++];

			pt_job_error(w, job, errno);
			continue;
		}
		for (int i = 0; i < k; i++) {
			struct pt_job *job = w->batch[done++];

			job->sent_ns = now;
			pt_stat_add(&e->sent);
			if (!pt_heap_set(w, job,
					 now + (uint64_t)e->cfg.timeout_ms * PT_NS_PER_MS)) {
				pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
			}
		}
	}
	return true;
}

static void pt_worker_flush(struct pt_worker *w)
{
	while (w->sendq_head && !w->send_blocked) {
		if (!pt_send_batch(w)) {
			return;
		}
	}
}

/* A reply passed validation: finish, or go to TCP when it was truncated. */
static void pt_job_answered(struct pt_worker *w, struct pt_job *job, struct pt_answer *ans,
			    uint64_t rx_ns)
{
	/* truncated: the same try goes on over TCP at once (no backoff, tries unchanged), but it
	 * still takes a rate token since every message sent counts against the cap */
	if ((ans->flags & PT_FLAG_TC) && !job->tcp) {
		pt_answer_fini(ans);
		pt_stat_add(&w->e->tcp_fallbacks);
		pt_job_close(w, job);
		pt_heap_remove(w, job);
		job->tcp = true;
		job->fallback = true;
		pt_job_launch(w, job);
		return;
	}
	pt_stat_add(&w->e->replies);
	pt_job_end(w, job, PT_REPLY_OK, 0, ans,
		   (double)(rx_ns - job->sent_ns) / (double)PT_NS_PER_MS);
}

/* A reply not taken: count it against @p job. */
static void pt_job_drop(struct pt_worker *w, struct pt_job *job, bool malformed)
{
	if (malformed) {
		job->malformed = true;
	}
	job->dropped++;
	pt_stat_add(&w->e->dropped);
}

/*
 * Check one received message: the one place replies are validated and parsed.
 * @param rx_ns when it was received (pt_clock)
 * @return true when it ended the job (the job is recycled).
 */
static bool pt_job_message(struct pt_worker *w, struct pt_job *job, const uint8_t *buf, size_t len,
			   uint64_t rx_ns)
{
	struct pt_answer ans;
	enum pt_status st;

	/* it came after the try had timed out: a timeout, even if the worker reads it late */
	if (rx_ns > job->deadline_ns) {
		pt_job_drop(w, job, false);
		return false;
	}
	/* the two clocks are read a moment apart: never before the send */
	if (rx_ns < job->sent_ns) {
		rx_ns = job->sent_ns;
	}
	st = pt_query_parse_wire(&ans, buf, len, job->id, &job->tmpl->qw, job->tmpl->qtype,
				 job->tmpl->opts, job->tcp);
	if (st == PT_OK && job->case_seed != 0) {
		/* 0x20: a server known to echo the case must echo it; one that does not is
		 * asked without from now on */
		bool echoed = pt_query_case_echoed(buf, len, &job->tmpl->qw, job->case_seed);
		enum pt_case known = pt_dest_case(w, job->dhash);

		if (!echoed && known == PT_CASE_ECHOES) {
			pt_answer_fini(&ans);
			pt_dest_set_case(w, job->dhash, PT_CASE_NO_ECHO);
			pt_job_drop(w, job, false);
			return false;
		}
		/* an echo proves something only when the name went out in mixed case: a server
		 * that lower-cases every question "echoes" a name sent all in lower case (1 in
		 * 2^letters), and would then see every later reply of its dropped as forged */
		if (!echoed) {
			pt_dest_set_case(w, job->dhash, PT_CASE_NO_ECHO);
		} else if (known == PT_CASE_UNKNOWN &&
			   pt_query_case_proves(&job->tmpl->qw, job->case_seed)) {
			pt_dest_set_case(w, job->dhash, PT_CASE_ECHOES);
		}
	}
	if (st == PT_OK) {
		pt_job_answered(w, job, &ans, rx_ns);
		return true;
	}
	if (st == PT_ERR_NOMEM) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
		return true;
	}
	/* not ours (PT_ERR_DNS) or malformed (PT_ERR_PARSE): drop and keep waiting */
	pt_job_drop(w, job, st == PT_ERR_PARSE);
	return false;
}

/* ICMP errors about datagrams we sent on socket (@p fam, @p sock): the query that caused it
 * comes back with the original destination, matched like a reply. */
static void pt_udp_errors(struct pt_worker *w, unsigned fam, unsigned sock)
{
	int fd = w->pools[fam].fd[sock];

	for (int i = 0; i < PT_BATCH; i++) {
		struct sockaddr_storage to;
		uint8_t q[PT_QUERY_MAX];
		char ctl[512];
		struct iovec iov = { q, sizeof(q) };
		struct msghdr h = { .msg_name = &to,
				    .msg_namelen = sizeof(to),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(fd, &h, MSG_ERRQUEUE | MSG_DONTWAIT);
		int err = 0;
		struct pt_job *job, *any;

		if (n < 0) {
			return;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
				struct sock_extended_err ee;

				memcpy(&ee, CMSG_DATA(c), sizeof(ee));
				if (ee.ee_origin == SO_EE_ORIGIN_ICMP ||
				    ee.ee_origin == SO_EE_ORIGIN_ICMP6 ||
				    ee.ee_origin == SO_EE_ORIGIN_LOCAL) {
					err = (int)ee.ee_errno;
				}
			}
		}
		if (err == 0 || n < 2 || h.msg_namelen == 0) {
			continue;
		}
		job = pt_mt_find(w, fam, sock, (const struct sockaddr *)&to, true,
				 (uint16_t)(q[0] << 8 | q[1]), &any);
		if (job && job->phase == PT_PHASE_UDP) {
			pt_job_error(w, job, err);
		}
	}
}

/* Read up to PT_BATCH datagrams from socket (@p fam, @p sock). @return how many. */
static int pt_udp_read(struct pt_worker *w, unsigned fam, unsigned sock)
{
	int fd = w->pools[fam].fd[sock];
	struct pt_times t;
	int n;

	for (unsigned i = 0; i < w->rused; i++) {
		w->rmsgs[i].msg_hdr.msg_namelen = sizeof(w->from[i]);
		w->rmsgs[i].msg_hdr.msg_controllen = sizeof(w->ctl[i]);
	}
	w->rused = 0;
	n = recvmmsg(fd, w->rmsgs, PT_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		return 0;
	}
	w->rused = (unsigned)n;
	t = pt_times_now(w->e);
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &w->rmsgs[i].msg_hdr;
		size_t len = w->rmsgs[i].msg_len;
		const uint8_t *buf = w->rbuf[i];
		bool has_id = len >= 2;
		struct pt_job *any;
		struct pt_job *job =
			pt_mt_find(w, fam, sock, (const struct sockaddr *)&w->from[i], has_id,
				   has_id ? (uint16_t)(buf[0] << 8 | buf[1]) : 0, &any);

		if (job) {
			/* a message longer than any DNS message cannot be one */
			pt_job_message(w, job, buf, (h->msg_flags & MSG_TRUNC) ? 0 : len,
				       pt_rx_time(h, t));
		} else if (any) {
			/* from the server, not for this try (wrong ID): what a connected socket
			 * would have shown this try; a header cut short is garbage */
			pt_job_drop(w, any, len < PT_QUERY_NAME_OFF);
		} else {
			pt_stat_add(&w->e->dropped); /* from nobody we asked */
		}
	}
	return n;
}

static void pt_udp_readable(struct pt_worker *w, uint64_t data, uint32_t events)
{
	unsigned fam = (unsigned)(data >> 16) & 1;
	unsigned sock = (unsigned)data & 0xffff;

	if (sock >= w->pools[fam].n) {
		return;
	}
	if ((events & EPOLLOUT) && w->blocked_fd == w->pools[fam].fd[sock]) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

		epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->blocked_fd, &ev);
		w->blocked_fd = -1;
		w->send_blocked = false;
	}
	if (events & EPOLLERR) {
		pt_udp_errors(w, fam, sock);
	}
	if (events & EPOLLIN) {
		pt_udp_read(w, fam, sock);
	}
}

/* ---- TCP ---- */

/* Open a connection for the current try, or wait for one to be free. */
static void pt_job_tcp_start(struct pt_worker *w, struct pt_job *job)
{
	struct pt_engine *e = w->e;
	struct epoll_event ev;
	size_t len = job->tmpl->qw.len;
	int fd;

	if (w->tcp_active >= w->tcp_limit) {
		job->phase = PT_PHASE_TCP_WAIT;
		job->next = NULL;
		if (w->tcpq_tail) {
			w->tcpq_tail->next = job;
		} else {
			w->tcpq_head = job;
		}
		w->tcpq_tail = job;
		return;
	}
	fd = socket(job->sa.any.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && w->tcp_active > 0) {
		/* out of descriptors with connections open: fewer at once, this one waits */
		w->tcp_limit = w->tcp_active;
		job->phase = PT_PHASE_TCP_WAIT;
		job->next = w->tcpq_head;
		w->tcpq_head = job;
		if (!w->tcpq_tail) {
			w->tcpq_tail = job;
		}
		return;
	}
	if (fd < 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, errno);
		return;
	}
	job->fd = fd;
	job->slot = w->free_slots[--w->nfree];
	w->slots[job->slot] = job;
	w->tcp_active++;
	if (!job->fallback) {
		job->tries++;
	}
	job->fallback = false;
	pt_job_new_id(w, job);
	free(job->msg);
	job->msg = malloc(len + 2);
	if (!job->msg) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
		return;
	}
	job->msg[0] = (uint8_t)(len >> 8);
	job->msg[1] = (uint8_t)len;
	pt_query_stamp(job->msg + 2, &job->tmpl->qw, job->id, job->case_seed);
	job->msg_len = len;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){ 1 }, sizeof(int));
	job->sent_ns = pt_now(e);
	job->gen = ++w->gen & 0x3fffffffu;
	if (connect(fd, &job->sa.any, pt_job_salen(job)) < 0) {
		if (errno != EINPROGRESS) {
			pt_job_error(w, job, errno);
			return;
		}
		job->phase = PT_PHASE_TCP_CONNECT;
	} else {
		job->phase = PT_PHASE_TCP_WRITE;
	}
	ev.events = EPOLLOUT;
	ev.data.u64 = PT_TOK_TCP | (uint64_t)job->gen << 32 | job->slot;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, errno);
		return;
	}
	if (!pt_heap_set(w, job, job->sent_ns + (uint64_t)e->cfg.timeout_ms * PT_NS_PER_MS)) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
	}
}

/* Start tries waiting for a TCP connection while there are free ones. */
static void pt_worker_tcp_fill(struct pt_worker *w)
{
	while (w->tcpq_head && w->tcp_active < w->tcp_limit) {
		struct pt_job *job = w->tcpq_head;

		w->tcpq_head = job->next;
		if (!w->tcpq_head) {
			w->tcpq_tail = NULL;
		}
		job->next = NULL;
		pt_job_tcp_start(w, job);
	}
}

static void pt_job_tcp_writable(struct pt_worker *w, struct pt_job *job)
{
	struct epoll_event ev;
	size_t total = job->msg_len + 2;

	if (job->phase == PT_PHASE_TCP_CONNECT) {
		int err = 0;
		socklen_t elen = sizeof(err);

		if (getsockopt(job->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
			err = errno;
		}
		if (err != 0) {
			pt_job_error(w, job, err);
			return;
		}
		job->phase = PT_PHASE_TCP_WRITE;
	}
	while (job->io_off < total) {
		ssize_t n =
			send(job->fd, job->msg + job->io_off, total - job->io_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				return;
			}
			pt_job_error(w, job, errno);
			return;
		}
		job->io_off += (size_t)n;
	}
	pt_stat_add(&w->e->sent);
	job->phase = PT_PHASE_TCP_READ;
	job->io_off = 0;
	ev.events = EPOLLIN;
	ev.data.u64 = PT_TOK_TCP | (uint64_t)job->gen << 32 | job->slot;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, job->fd, &ev) < 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, errno);
	}
}

/* Read what the connection has; at most PT_TCP_MSGS_PER_EVENT messages per event, and
 * nothing once the try's deadline passed (the deadline is handled after the events), so a
 * stream of replies that are not ours cannot keep the try, or the worker, from timing out. */
static void pt_job_tcp_readable(struct pt_worker *w, struct pt_job *job)
{
	unsigned msgs = 0;

	while (msgs < PT_TCP_MSGS_PER_EVENT && pt_now(w->e) < job->deadline_ns) {
		uint8_t *dst = job->in_len ? job->in_buf : job->len_buf;
		size_t want = job->in_len ? job->in_len : sizeof(job->len_buf);
		char ctl[64];
		struct iovec iov = { dst + job->io_off, want - job->io_off };
		struct msghdr h = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		ssize_t n = recvmsg(job->fd, &h, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				return;
			}
			pt_job_error(w, job, errno);
			return;
		}
		if (n == 0) {
			/* closed before a valid reply: as good as a reset */
			pt_job_error(w, job, ECONNRESET);
			return;
		}
		job->io_off += (size_t)n;
		if (job->io_off < want) {
			continue;
		}
		job->io_off = 0;
		if (!job->in_len) {
			size_t len = (size_t)job->len_buf[0] << 8 | job->len_buf[1];

			if (len == 0) {
				/* an empty message cannot be DNS; the framing is still intact */
				pt_job_drop(w, job, true);
				msgs++;
				continue;
			}
			job->in_buf = malloc(len);
			if (!job->in_buf) {
				pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
				return;
			}
			job->in_len = len;
			continue;
		}
		msgs++;
		if (pt_job_message(w, job, job->in_buf, job->in_len,
				   pt_rx_time(&h, pt_times_now(w->e)))) {
			return;
		}
		free(job->in_buf);
		job->in_buf = NULL;
		job->in_len = 0;
	}
}

static void pt_tcp_event(struct pt_worker *w, uint64_t data)
{
	unsigned slot = (unsigned)(data & 0xffffffffu);
	uint32_t gen = (uint32_t)(data >> 32) & 0x3fffffffu;
	struct pt_job *job = slot < w->tcp_max ? w->slots[slot] : NULL;

	/* a stale event for a socket closed earlier in this batch */
	if (!job || job->gen != gen || job->fd < 0) {
		return;
	}
	switch (job->phase) {
	case PT_PHASE_TCP_CONNECT:
	case PT_PHASE_TCP_WRITE:
		pt_job_tcp_writable(w, job);
		break;
	case PT_PHASE_TCP_READ:
		pt_job_tcp_readable(w, job);
		break;
	default:
		break;
	}
}

/* ---- DNS over TLS ---- */

static void pt_tls_conn_free(struct pt_tls_conn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
	}
	if (c->fd >= 0) {
		close(c->fd);
	}
	free(c->out);
	free(c->in);
	free(c);
}

/* Take @p c out of the table (closing its socket removes it from the epoll set) and free it.
 * Its tries must have been detached. */
static void pt_tls_close(struct pt_worker *w, struct pt_tls_conn *c)
{
	w->tconns[c->slot] = NULL;
	pt_tls_conn_free(c);
}

/* Wait for @p events on @p c. @return false when epoll refused (the caller fails it). */
static bool pt_tls_want(struct pt_worker *w, struct pt_tls_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)c->gen << 32 | c->slot };

	if (events == c->events) {
		return true;
	}
	c->events = events;
	return epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0;
}

/*
 * @p c is unusable: close it, and end or retry every try on it. @p final: the error is the
 * server's certificate or our trust store, which asking again cannot change (the tries end
 * with it); else a network error, retried like one over UDP (on a new connection).
 */
static void pt_tls_fail(struct pt_worker *w, struct pt_tls_conn *c, int err, bool final)
{
	struct pt_job *job = c->jobs;

	c->jobs = NULL;
	for (struct pt_job *j = job; j; j = j->cnext) {
		j->tconn = NULL;
		j->phase = PT_PHASE_IDLE;
	}
	pt_tls_close(w, c);
	while (job) {
		struct pt_job *next = job->cnext;

		job->cnext = NULL;
		if (final) {
			pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, err);
		} else {
			pt_job_error(w, job, err);
		}
		job = next;
	}
}

/* Why the handshake failed, from the certificate check when that is what failed. */
static int pt_tls_verify_error(SSL *ssl)
{
	switch (SSL_get_verify_result(ssl)) {
	case X509_V_OK:
		return PT_NETERR_TLS_HANDSHAKE;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return PT_NETERR_TLS_NAME;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return PT_NETERR_TLS_EXPIRED;
	default:
		return PT_NETERR_TLS_UNTRUSTED;
	}
}

/* Open a connection to the server and name of @p job; @return it, or NULL with @p err. */
static struct pt_tls_conn *pt_tls_open(struct pt_worker *w, const struct pt_job *job, int *err)
{
	struct pt_tls_conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev;
	char addr[INET6_ADDRSTRLEN];
	const char *name;
	unsigned slot;
	unsigned char bin[16];

	*err = ENOMEM;
	if (!c) {
		return NULL;
	}
	c->fd = -1;
	for (slot = 0; slot < w->ntconns && w->tconns[slot]; slot++) {
	}
	if (slot == w->ntconns) {
		unsigned n = w->ntconns ? 2 * w->ntconns : 16;
		struct pt_tls_conn **t = realloc(w->tconns, n * sizeof(*t));

		if (!t) {
			free(c);
			return NULL;
		}
		memset(t + w->ntconns, 0, (n - w->ntconns) * sizeof(*t));
		w->tconns = t;
		w->ntconns = n;
	}
	memset(&c->sa, 0, sizeof(c->sa));
	memcpy(&c->sa, &job->sa, sizeof(job->sa));
	c->salen = pt_job_salen(job);
	snprintf(c->name, sizeof(c->name), "%s", job->endpoint ? job->endpoint : "");
	c->slot = slot;
	c->gen = ++w->gen & 0x1fffffffu;
	c->fd = socket(c->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->ssl = c->fd >= 0 ? SSL_new(w->e->ssl_ctx) : NULL;
	if (!c->ssl) {
		*err = c->fd < 0 ? errno : ENOMEM;
		pt_tls_conn_free(c);
		return NULL;
	}
	/* the certificate must name the TLS name, else the address asked */
	name = c->name;
	if (!name[0]) {
		const void *a = c->sa.ss_family == AF_INET6
					? (const void *)&((struct sockaddr_in6 *)&c->sa)->sin6_addr
					: (const void *)&((struct sockaddr_in *)&c->sa)->sin_addr;

		name = inet_ntop(c->sa.ss_family, a, addr, sizeof(addr)) ? addr : "";
	}
	if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name);
	} else {
		SSL_set_tlsext_host_name(c->ssl, name);
		SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set1_host(c->ssl, name);
	}
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_connect_state(c->ssl);
	c->state = PT_TLS_CONNECT;
	if (connect(c->fd, (const struct sockaddr *)&c->sa, c->salen) < 0 && errno != EINPROGRESS) {
		*err = errno;
		pt_tls_conn_free(c);
		return NULL;
	}
	c->events = EPOLLOUT;
	ev.events = c->events;
	ev.data.u64 = (uint64_t)c->gen << 32 | c->slot;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		*err = errno;
		pt_tls_conn_free(c);
		return NULL;
	}
	w->tconns[slot] = c;
	pt_stat_add(&w->e->tls_connects);
	return c;
}

/* Write what is queued. @return false when @p c failed (and is gone). */
static bool pt_tls_flush(struct pt_worker *w, struct pt_tls_conn *c)
{
	while (c->out_off < c->out_len) {
		size_t left = c->out_len - c->out_off;
		int n, se;

		ERR_clear_error();
		n = SSL_write(c->ssl, c->out + c->out_off, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		se = SSL_get_error(c->ssl, n);
		if (se == SSL_ERROR_WANT_WRITE || se == SSL_ERROR_WANT_READ) {
			return true;
		}
		pt_tls_fail(w, c, ECONNRESET, false);
		return false;
	}
	c->out_off = c->out_len = 0;
	return true;
}

/* The try on @p c waiting for the reply with @p id, or NULL. */
static struct pt_job *pt_tls_job(const struct pt_tls_conn *c, uint16_t id)
{
	struct pt_job *j;

	for (j = c->jobs; j && j->id != id; j = j->cnext) {
	}
	return j;
}

/* Hand every complete message read to its try; keep a partial one. */
static void pt_tls_frames(struct pt_worker *w, struct pt_tls_conn *c)
{
	size_t off = 0;

	while (c->in_len - off >= 2) {
		size_t len = (size_t)c->in[off] << 8 | c->in[off + 1];
		const uint8_t *msg = c->in + off + 2;
		struct pt_job *job;

		if (c->in_len - off - 2 < len) {
			break;
		}
		off += 2 + len;
		job = len >= 2 ? pt_tls_job(c, (uint16_t)(msg[0] << 8 | msg[1])) : NULL;
		if (job) {
			pt_job_message(w, job, msg, len, pt_now(w->e));
		} else if (c->jobs) {
			pt_job_drop(w, c->jobs, len < PT_QUERY_NAME_OFF);
		} else {
			pt_stat_add(&w->e->dropped);
		}
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
}

/* Read what the connection has (bounded per event). @return false when @p c failed. */
static bool pt_tls_read(struct pt_worker *w, struct pt_tls_conn *c)
{
	c->more = false;
	for (int i = 0; i < PT_TLS_READS_PER_EVENT; i++) {
		int n, se;

		if (c->in_cap - c->in_len < PT_TLS_CHUNK) {
			size_t cap = c->in_len + 2 * PT_TLS_CHUNK;
			uint8_t *b = realloc(c->in, cap);

			if (!b) {
				pt_tls_fail(w, c, ENOMEM, true);
				return false;
			}
			c->in = b;
			c->in_cap = cap;
		}
		ERR_clear_error();
		n = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
		if (n > 0) {
			c->in_len += (size_t)n;
			pt_tls_frames(w, c);
			continue;
		}
		se = SSL_get_error(c->ssl, n);
		if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
			return true;
		}
		/* closed (idle timeout of the server) or broken: its tries go again */
		pt_tls_fail(w, c, ECONNRESET, false);
		return false;
	}
	c->more = true;
	w->tls_more = true;
	return true;
}

/* Move @p c on: connect, handshake, then write and read. */
static void pt_tls_drive(struct pt_worker *w, struct pt_tls_conn *c)
{
	if (c->state == PT_TLS_CONNECT) {
		int err = 0;
		socklen_t elen = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
			err = errno;
		}
		if (err == EINPROGRESS || err == EALREADY) {
			return;
		}
		if (err != 0) {
			pt_tls_fail(w, c, err, false);
			return;
		}
		c->state = PT_TLS_HANDSHAKE;
	}
	if (c->state == PT_TLS_HANDSHAKE) {
		int r, se;

		ERR_clear_error();
		r = SSL_connect(c->ssl);
		if (r != 1) {
			se = SSL_get_error(c->ssl, r);
			if (se == SSL_ERROR_WANT_READ || se == SSL_ERROR_WANT_WRITE) {
				if (!pt_tls_want(w, c,
						 se == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT)) {
					pt_tls_fail(w, c, errno, false);
				}
				return;
			}
			/* the server hung up mid-handshake: a network error; anything else is
			 * the certificate or the TLS parameters, which will not change */
			if (se == SSL_ERROR_SYSCALL && SSL_get_verify_result(c->ssl) == X509_V_OK) {
				pt_tls_fail(w, c, ECONNRESET, false);
			} else {
				pt_tls_fail(w, c, pt_tls_verify_error(c->ssl), true);
			}
			return;
		}
		c->state = PT_TLS_READY;
	}
	if (!pt_tls_flush(w, c) || !pt_tls_read(w, c)) {
		return;
	}
	if (!pt_tls_want(w, c, EPOLLIN | (c->out_off < c->out_len ? EPOLLOUT : 0))) {
		pt_tls_fail(w, c, errno, false);
	}
}

static void pt_tls_event(struct pt_worker *w, uint64_t data)
{
	unsigned slot = (unsigned)(data & 0xffffffffu);
	uint32_t gen = (uint32_t)(data >> 32) & 0x1fffffffu;
	struct pt_tls_conn *c = slot < w->ntconns ? w->tconns[slot] : NULL;

	if (c && c->gen == gen) {
		pt_tls_drive(w, c);
	}
}

/* Connections that stopped reading with data left get another turn. */
static void pt_tls_more(struct pt_worker *w)
{
	if (!w->tls_more) {
		return;
	}
	w->tls_more = false;
	for (unsigned i = 0; i < w->ntconns; i++) {
		if (w->tconns[i] && w->tconns[i]->more) {
			pt_tls_drive(w, w->tconns[i]);
		}
	}
}

/* The try of @p job is over (answered, timed out, cancelled): off its connection's list. A
 * connection not established yet that no try waits for is given up (a server that never
 * finishes the handshake must not hold it); an established one stays for the next polls. */
static void pt_tls_detach(struct pt_worker *w, struct pt_job *job)
{
	struct pt_tls_conn *c = job->tconn;
	struct pt_job **p;

	if (!c) {
		return;
	}
	for (p = &c->jobs; *p && *p != job; p = &(*p)->cnext) {
	}
	if (*p) {
		*p = job->cnext;
	}
	job->cnext = NULL;
	job->tconn = NULL;
	if (c->state != PT_TLS_READY && !c->jobs) {
		pt_tls_close(w, c);
	}
}

/* The engine's SSL_CTX, made on first use: TLS 1.2 or later, the peer verified against the
 * system store or --ca-file. @return 0, or why there is none (enum pt_net_error). */
static int pt_engine_tls(struct pt_engine *e)
{
	if (atomic_load(&e->tls_ready)) {
		return e->tls_err;
	}
	pthread_mutex_lock(&e->tls_lock);
	if (!atomic_load(&e->tls_ready)) {
		e->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (!e->ssl_ctx) {
			e->tls_err = PT_NETERR_TLS_HANDSHAKE;
		} else {
			SSL_CTX_set_min_proto_version(e->ssl_ctx, TLS1_2_VERSION);
			SSL_CTX_set_verify(e->ssl_ctx, SSL_VERIFY_PEER, NULL);
			SSL_CTX_set_mode(e->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
							     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
			if (e->cfg.ca_file ? SSL_CTX_load_verify_locations(
						     e->ssl_ctx, e->cfg.ca_file, NULL) != 1
					   : SSL_CTX_set_default_verify_paths(e->ssl_ctx) != 1) {
				e->tls_err = PT_NETERR_CA_FILE;
			}
			ERR_clear_error();
		}
		atomic_store(&e->tls_ready, true);
	}
	pthread_mutex_unlock(&e->tls_lock);
	return e->tls_err;
}

/* Start a try over the DoT connection to the job's server, opening it when there is none. */
static void pt_job_tls_start(struct pt_worker *w, struct pt_job *job)
{
	struct pt_engine *e = w->e;
	const char *name = job->endpoint ? job->endpoint : "";
	struct pt_tls_conn *c = NULL;
	size_t len = job->tmpl->qw.len;
	int err;

	if ((err = pt_engine_tls(e)) != 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, err);
		return;
	}
	for (unsigned i = 0; i < w->ntconns && !c; i++) {
		struct pt_tls_conn *t = w->tconns[i];

		if (t && pt_sa_same(&job->sa.any, (const struct sockaddr *)&t->sa) &&
		    strcmp(t->name, name) == 0) {
			c = t;
		}
	}
	if (!c && !(c = pt_tls_open(w, job, &err))) {
		pt_job_error(w, job, err);
		return;
	}
	if (c->out_cap - c->out_len < len + 2) {
		size_t cap = c->out_len + len + 2 + 1024;
		uint8_t *b = realloc(c->out, cap);

		if (!b) {
			pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
			return;
		}
		c->out = b;
		c->out_cap = cap;
	}
	/* IDs are unique among the tries out on the connection */
	do {
		pt_job_new_id(w, job);
	} while (pt_tls_job(c, job->id));
	job->tries++;
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	pt_query_stamp(c->out + c->out_len + 2, &job->tmpl->qw, job->id, job->case_seed);
	c->out_len += len + 2;
	job->tconn = c;
	job->cnext = c->jobs;
	c->jobs = job;
	job->phase = PT_PHASE_TLS;
	job->sent_ns = pt_now(e);
	pt_stat_add(&e->sent);
	if (!pt_heap_set(w, job, job->sent_ns + (uint64_t)e->cfg.timeout_ms * PT_NS_PER_MS)) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
		return;
	}
	if (c->state == PT_TLS_READY) {
		pt_tls_drive(w, c);
	}
}

/* ---- DNS over HTTPS ---- */

static int pt_doh_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct pt_worker *w = userp;
	struct epoll_event ev = { .data.u64 = PT_TOK_CURL | (uint32_t)s };

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, s, &ev);
	}
	return 0;
}

static int pt_doh_timer_cb(CURLM *multi, long ms, void *userp)
{
	struct pt_worker *w = userp;

	(void)multi;
	w->curl_timer = ms >= 0;
	w->curl_due_ns = ms >= 0 ? pt_now(w->e) + (uint64_t)ms * PT_NS_PER_MS : 0;
	return 0;
}

/* The worker's multi handle, made on first use. @return false when libcurl cannot start. */
static bool pt_doh_init(struct pt_worker *w)
{
	struct curl_slist *p = NULL, *g = NULL;

	if (w->multi) {
		return true;
	}
	if (!pt_http_global_init()) {
		return false;
	}
	g = curl_slist_append(NULL, "Accept: application/dns-message");
	p = curl_slist_append(NULL, "Accept: application/dns-message");
	p = p ? curl_slist_append(p, "Content-Type: application/dns-message") : NULL;
	w->multi = g && p ? curl_multi_init() : NULL;
	if (!w->multi) {
		curl_slist_free_all(g);
		curl_slist_free_all(p);
		return false;
	}
	w->doh_get_headers = g;
	w->doh_post_headers = p;
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, pt_doh_socket_cb);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, pt_doh_timer_cb);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return true;
}

/* The reply body, capped at the largest DNS message. */
static size_t pt_doh_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct pt_job *job = userdata;
	size_t n = size * nmemb;

	if (n > PT_MSG_MAX - job->io_off) {
		return 0; /* CURLE_WRITE_ERROR: not a DNS message */
	}
	if (!job->in_buf && !(job->in_buf = malloc(PT_MSG_MAX))) {
		return 0;
	}
	memcpy(job->in_buf + job->io_off, ptr, n);
	job->io_off += n;
	return n;
}

/* The try's transfer is over: out of the multi handle. */
static void pt_doh_detach(struct pt_worker *w, struct pt_job *job)
{
	if (job->easy) {
		curl_multi_remove_handle(w->multi, job->easy);
		curl_easy_cleanup(job->easy);
		job->easy = NULL;
	}
}

/* "host:port:address" for CURLOPT_RESOLVE: the URL's host pinned to the listed address, so the
 * server asked is the one the list (and the output) names. NULL when the host is numeric. */
static struct curl_slist *pt_doh_pin(const struct pt_job *job)
{
	const char *h = job->endpoint + strlen("https://");
	char host[PT_ENDPOINT_MAX], addr[INET6_ADDRSTRLEN], line[PT_ENDPOINT_MAX + 64];
	unsigned char bin[16];
	size_t n = h[0] == '[' ? 0 : strcspn(h, ":/?");
	uint16_t port;
	bool v6 = job->sa.any.sa_family == AF_INET6;
	const void *a =
		v6 ? (const void *)&job->sa.v6.sin6_addr : (const void *)&job->sa.v4.sin_addr;

	if (job->salen == 0 || n == 0 || n >= sizeof(host)) {
		return NULL;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, bin) == 1 ||
	    !inet_ntop(job->sa.any.sa_family, a, addr, sizeof(addr))) {
		return NULL;
	}
	port = ntohs(v6 ? job->sa.v6.sin6_port : job->sa.v4.sin_port);
	snprintf(line, sizeof(line), v6 ? "%s:%u:[%s]" : "%s:%u:%s", host, (unsigned)port, addr);
	return curl_slist_append(NULL, line);
}

/* Start a try as one HTTP/2 request (POST, or GET with cfg.doh_get) on the worker's multi. */
static void pt_job_doh_start(struct pt_worker *w, struct pt_job *job)
{
	struct pt_engine *e = w->e;
	size_t len = job->tmpl->qw.len;
	uint8_t msg[PT_QUERY_MAX];
	char url[PT_ENDPOINT_MAX + 4 * PT_QUERY_MAX / 3 + 16];
	CURL *c;

	if (!pt_doh_init(w) || !(c = curl_easy_init())) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
		return;
	}
	job->tries++;
	/* ID 0 (RFC 8484 section 4.1: cache friendly) and the name as asked */
	job->id = 0;
	job->case_seed = 0;
	pt_query_stamp(msg, &job->tmpl->qw, 0, 0);
	free(job->in_buf);
	job->in_buf = NULL;
	job->io_off = 0;
	if (e->cfg.doh_get) {
		size_t n = (size_t)snprintf(url, sizeof(url), "%s%sdns=", job->endpoint,
					    strchr(job->endpoint, '?') ? "&" : "?");
		int b = EVP_EncodeBlock((unsigned char *)url + n, msg, (int)len);

		/* base64url without padding (RFC 4648 section 5) */
		for (int i = 0; i < b; i++) {
			url[n + (size_t)i] = url[n + (size_t)i] == '+'	 ? '-'
					     : url[n + (size_t)i] == '/' ? '_'
									 : url[n + (size_t)i];
		}
		while (b > 0 && url[n + (size_t)b - 1] == '=') {
			b--;
		}
		url[n + (size_t)b] = '\0';
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, w->doh_get_headers);
	} else {
		curl_easy_setopt(c, CURLOPT_URL, job->endpoint);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, w->doh_post_headers);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, (const char *)msg);
	}
	curl_slist_free_all(job->resolve);
	job->resolve = pt_doh_pin(job);
	if (job->resolve) {
		curl_easy_setopt(c, CURLOPT_RESOLVE, job->resolve);
	}
	pt_http_secure_defaults(c, e->cfg.ca_file);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, pt_doh_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, job);
	curl_easy_setopt(c, CURLOPT_PRIVATE, job);
	if (curl_multi_add_handle(w->multi, c) != CURLM_OK) {
		curl_easy_cleanup(c);
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
		return;
	}
	job->easy = c;
	job->phase = PT_PHASE_DOH;
	job->sent_ns = pt_now(e);
	pt_stat_add(&e->sent);
	if (!pt_heap_set(w, job, job->sent_ns + (uint64_t)e->cfg.timeout_ms * PT_NS_PER_MS)) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
	}
}

/* A transfer ended with @p rc: the reply goes to pt_job_message(), failures end or retry. */
static void pt_doh_complete(struct pt_worker *w, struct pt_job *job, CURLcode rc)
{
	long status = 0, verify = 0, oserr = 0;
	char *type = NULL;

	if (rc == CURLE_OK) {
		curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(job->easy, CURLINFO_CONTENT_TYPE, &type);
		if (status != 200) {
			pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR,
				      PT_NETERR_HTTP_STATUS +
					      (status > 0 && status < 1000 ? (int)status : 999));
			return;
		}
		if (!type || strncasecmp(type, "application/dns-message", 23) != 0) {
			pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, PT_NETERR_HTTP_TYPE);
			return;
		}
		pt_doh_detach(w, job);
		/* not ours or malformed: the try waits out its deadline, as over UDP */
		if (!pt_job_message(w, job, job->in_buf ? job->in_buf : (const uint8_t *)"",
				    job->io_off, pt_now(w->e))) {
			free(job->in_buf);
			job->in_buf = NULL;
			job->io_off = 0;
		}
		return;
	}
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		/* libcurl checks the host name itself once the chain verified, and reports a
		 * mismatch as X509_V_ERR_UNSPECIFIED (seen with libcurl 7.88 on OpenSSL 3.0) */
		curl_easy_getinfo(job->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR,
			      verify == X509_V_OK || verify == X509_V_ERR_UNSPECIFIED ||
					      verify == X509_V_ERR_HOSTNAME_MISMATCH ||
					      verify == X509_V_ERR_IP_ADDRESS_MISMATCH
				      ? PT_NETERR_TLS_NAME
			      : verify == X509_V_ERR_CERT_HAS_EXPIRED ||
					      verify == X509_V_ERR_CERT_NOT_YET_VALID
				      ? PT_NETERR_TLS_EXPIRED
				      : PT_NETERR_TLS_UNTRUSTED);
		return;
	case CURLE_SSL_CACERT_BADFILE:
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, PT_NETERR_CA_FILE);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, PT_NETERR_TLS_HANDSHAKE);
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, PT_NETERR_RESOLVE);
		return;
	case CURLE_OUT_OF_MEMORY:
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
		return;
	case CURLE_WRITE_ERROR:
		/* a body larger than any DNS message */
		pt_doh_detach(w, job);
		pt_job_drop(w, job, true);
		return;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(job->easy, CURLINFO_OS_ERRNO, &oserr);
		pt_job_error(w, job,
			     oserr > 0 && pt_err_is_net((int)oserr) ? (int)oserr : ECONNREFUSED);
		return;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_HTTP2:
	case CURLE_WEIRD_SERVER_REPLY:
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, PT_NETERR_HTTP);
		return;
	default:
		/* the connection broke (send, receive, HTTP/2 stream): another try */
		pt_job_error(w, job, ECONNRESET);
		return;
	}
}

/* Transfers libcurl finished. */
static void pt_doh_done(struct pt_worker *w)
{
	CURLMsg *m;
	int left;

	while (w->multi && (m = curl_multi_info_read(w->multi, &left))) {
		struct pt_job *job = NULL;
		CURLcode rc = m->data.result;

		if (m->msg != CURLMSG_DONE) {
			continue;
		}
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&job);
		if (job && job->easy == m->easy_handle) {
			pt_doh_complete(w, job, rc);
		}
	}
}

static void pt_doh_event(struct pt_worker *w, uint64_t data, uint32_t events)
{
	int running, mask = 0;

	if (!w->multi) {
		return;
	}
	mask |= (events & EPOLLIN) ? CURL_CSELECT_IN : 0;
	mask |= (events & EPOLLOUT) ? CURL_CSELECT_OUT : 0;
	mask |= (events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0;
	curl_multi_socket_action(w->multi, (curl_socket_t)(data & 0xffffffffu), mask, &running);
}

/* libcurl's timer, when due. */
static void pt_doh_timeout(struct pt_worker *w)
{
	int running;

	if (w->multi && w->curl_timer && pt_now(w->e) >= w->curl_due_ns) {
		w->curl_timer = false;
		curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	pt_doh_done(w);
}

static void pt_enc_event(struct pt_worker *w, uint64_t data, uint32_t events)
{
	if (data & PT_TOK_CURL) {
		pt_doh_event(w, data, events);
	} else {
		pt_tls_event(w, data);
	}
}

/* ---- deadlines ---- */

/*
 * A try's deadline passed: a parked send is due, or the try timed out. Before a UDP try is
 * given up, its socket is read once more (bounded), so a reply that arrived in time but was
 * not read yet (a busy worker) still counts. @return false when it only drained.
 */
static bool pt_job_deadline(struct pt_worker *w, struct pt_job *job)
{
	if (job->phase == PT_PHASE_IDLE) {
		pt_heap_remove(w, job);
		pt_job_launch(w, job);
		return true;
	}
	if (job->phase == PT_PHASE_UDP && !job->drained) {
		struct pt_pool *p = &w->pools[job->fam];

		job->drained = true;
		if (p->drained[job->sock] != w->iter) {
			p->drained[job->sock] = w->iter;
			for (int i = 0; i < PT_DRAIN_BATCHES; i++) {
				if (pt_udp_read(w, job->fam, job->sock) < PT_BATCH) {
					break;
				}
			}
			return false;
		}
	}
	pt_heap_remove(w, job);
	pt_stat_add(&w->e->timeouts);
	/* a server that sent a malformed reply and nothing better within the try has answered:
	 * badly, which is what it will say again */
	if (job->malformed) {
		pt_job_finish(w, job, PT_REPLY_MALFORMED, 0);
		return true;
	}
	pt_job_try_failed(w, job, PT_REPLY_TIMEOUT, 0);
	return true;
}

static void pt_worker_expire(struct pt_worker *w)
{
	uint64_t now = pt_now(w->e);

	/* jobs re-armed while expiring get deadlines past now, so this ends */
	while (w->heap_len > 0 && w->heap[0].at <= now) {
		pt_job_deadline(w, w->heap[0].job);
	}
}

/* ---- worker ---- */

/* Move everything submitted to this worker onto its private waiting list. */
static void pt_worker_take(struct pt_worker *w)
{
	struct pt_job *head;
	struct pt_job *tail;
	uint64_t v;

	/* drain before taking the queue: a submit after this point writes again */
	while (read(w->wakefd, &v, sizeof(v)) > 0) {
	}
	pthread_mutex_lock(&w->lock);
	head = w->in_head;
	tail = w->in_tail;
	w->in_head = NULL;
	w->in_tail = NULL;
	atomic_store(&w->in_pending, false);
	pthread_mutex_unlock(&w->lock);
	if (!head) {
		return;
	}
	if (w->wait_tail) {
		w->wait_tail->next = head;
	} else {
		w->wait_head = head;
	}
	w->wait_tail = tail;
}

/* Launch waiting jobs while this worker's share of the in-flight cap allows. */
static void pt_worker_fill(struct pt_worker *w)
{
	while ((w->cap == 0 || w->inflight < w->cap) && w->wait_head) {
		struct pt_job *job = w->wait_head;

		w->wait_head = job->next;
		if (!w->wait_head) {
			w->wait_tail = NULL;
		}
		job->next = NULL;
		w->inflight++;
		pt_live_add(w, job);
		pt_job_launch(w, job);
	}
}

/* pt_engine_cancel(): end everything this worker holds, with callbacks, so callers waiting
 * in pt_net_run() return and drivers learn their queries are gone. */
static void pt_worker_cancel_all(struct pt_worker *w)
{
	pt_worker_take(w);
	/* the queues are dropped as a whole: their jobs are all on the live list */
	w->sendq_head = w->sendq_tail = NULL;
	w->tcpq_head = w->tcpq_tail = NULL;
	while (w->live) {
		pt_job_finish(w, w->live, PT_REPLY_LOCAL_ERROR, ECANCELED);
	}
	while (w->wait_head != NULL) {
		struct pt_job *job = w->wait_head;

		w->wait_head = job->next;
		pt_job_hand(w, job, PT_REPLY_LOCAL_ERROR, ECANCELED, NULL, 0);
		pt_job_release(job);
		pt_job_free(w, job);
	}
	w->wait_tail = NULL;
	pt_worker_recycle(w);
}

/* Milliseconds epoll_wait() may sleep: until the earliest deadline, rounded up. */
static int pt_worker_wait_ms(struct pt_worker *w)
{
	uint64_t now;
	uint64_t ms;

	uint64_t due;

	if ((w->sendq_head && !w->send_blocked) || w->tls_more) {
		return 0;
	}
	if (w->heap_len == 0 && !w->curl_timer) {
		return -1;
	}
	due = w->heap_len > 0 ? w->heap[0].at : UINT64_MAX;
	if (w->curl_timer && w->curl_due_ns < due) {
		due = w->curl_due_ns;
	}
	now = pt_now(w->e);
	if (due <= now) {
		return 0;
	}
	ms = (due - now + PT_NS_PER_MS - 1) / PT_NS_PER_MS;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void *pt_worker_main(void *arg)
{
	struct pt_worker *w = arg;
	struct epoll_event evs[PT_EVENTS];

	pt_thread_name("pt-worker");

	while (!atomic_load(&w->e->stop)) {
		int ms = pt_worker_wait_ms(w);
		int n, i;

		/* announce the wait, then look once more: a submit either sees it and wakes us,
		 * or was early enough to be seen here */
		atomic_store(&w->sleeping, true);
		if (atomic_load(&w->in_pending)) {
			ms = 0;
		}
		n = epoll_wait(w->epfd, evs, PT_EVENTS, ms);
		atomic_store(&w->sleeping, false);
		if (atomic_load(&w->in_pending)) {
			pt_worker_take(w);
		}

		if (n < 0 && errno != EINTR) {
			break;
		}
		if (atomic_load(&w->e->stop)) {
			break;
		}
		w->iter++;
		for (i = 0; i < n; i++) {
			uint64_t data = evs[i].data.u64;

			switch (data & PT_TOK_KIND) {
			case PT_TOK_WAKE:
				pt_worker_take(w);
				break;
			case PT_TOK_UDP:
				pt_udp_readable(w, data, evs[i].events);
				break;
			case PT_TOK_TCP:
				pt_tcp_event(w, data);
				break;
			default:
				pt_enc_event(w, data, evs[i].events);
				break;
			}
			if (w->nfreed >= PT_RECYCLE_AT) {
				pt_worker_recycle(w);
			}
		}
		if (atomic_load(&w->e->cancel)) {
			pt_worker_cancel_all(w);
			continue;
		}
		pt_tls_more(w);
		pt_doh_timeout(w);
		pt_worker_expire(w);
		pt_worker_fill(w);
		pt_worker_tcp_fill(w);
		pt_worker_flush(w);
		pt_worker_recycle(w);
	}
	return NULL;
}

static int pt_worker_init(struct pt_worker *w, struct pt_engine *e, unsigned cap,
			  unsigned pool_size, unsigned tcp_max)
{
	struct epoll_event ev;
	unsigned i;

	w->e = e;
	w->epfd = -1;
	w->wakefd = -1;
	w->blocked_fd = -1;
	w->cap = cap;
	w->pool_size = pool_size;
	w->tcp_max = tcp_max;
	w->tcp_limit = tcp_max;
	w->prng = pt_seed();
	if (pthread_mutex_init(&w->lock, NULL) != 0) {
		return -1;
	}
	w->lock_init = true;
	w->slots = calloc(tcp_max, sizeof(*w->slots));
	w->free_slots = calloc(tcp_max, sizeof(*w->free_slots));
	w->rbuf = malloc(PT_BATCH * sizeof(*w->rbuf));
	if (!w->slots || !w->free_slots || !w->rbuf) {
		return -1;
	}
	for (i = 0; i < tcp_max; i++) {
		w->free_slots[i] = tcp_max - 1 - i;
	}
	for (i = 0; i < PT_BATCH; i++) {
		w->riov[i].iov_base = w->rbuf[i];
		w->riov[i].iov_len = PT_MSG_MAX + 1;
		w->rmsgs[i].msg_hdr.msg_name = &w->from[i];
		w->rmsgs[i].msg_hdr.msg_namelen = sizeof(w->from[i]);
		w->rmsgs[i].msg_hdr.msg_iov = &w->riov[i];
		w->rmsgs[i].msg_hdr.msg_iovlen = 1;
		w->rmsgs[i].msg_hdr.msg_control = w->ctl[i];
		w->rmsgs[i].msg_hdr.msg_controllen = sizeof(w->ctl[i]);
	}
	w->nfree = tcp_max;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0) {
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = PT_TOK_WAKE;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev);
}

static void pt_worker_wake(struct pt_worker *w)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the worker will wake anyway */
	if (write(w->wakefd, &one, sizeof(one)) < 0) {
		return;
	}
}

static void pt_job_list_release(struct pt_job *job)
{
	while (job) {
		struct pt_job *next = job->next;

		pt_job_release(job);
		job = next;
	}
}

/* Free what a (joined or never started) worker owns. */
static void pt_worker_fini(struct pt_worker *w)
{
	for (struct pt_job *j = w->live; j; j = j->lnext) {
		pt_doh_detach(w, j);
		j->tconn = NULL;
	}
	for (unsigned i = 0; i < w->ntconns; i++) {
		if (w->tconns[i]) {
			pt_tls_conn_free(w->tconns[i]);
		}
	}
	free(w->tconns);
	if (w->multi) {
		curl_multi_cleanup(w->multi);
	}
	curl_slist_free_all(w->doh_get_headers);
	curl_slist_free_all(w->doh_post_headers);
	while (w->live) {
		struct pt_job *job = w->live;

		pt_live_remove(w, job);
		pt_job_release(job);
	}
	pt_job_list_release(w->wait_head);
	pt_job_list_release(w->in_head);
	for (struct pt_job_block *b = w->blocks; b;) {
		struct pt_job_block *next = b->next;

		munmap(b, sizeof(*b));
		b = next;
	}
	for (unsigned i = 0; i < PT_TMPL_BUCKETS; i++) {
		for (struct pt_tmpl *t = w->tmpl[i]; t;) {
			struct pt_tmpl *next = t->next;

			pt_query_wire_fini(&t->qw);
			free(t->qname);
			free(t);
			t = next;
		}
	}
	for (unsigned f = 0; f < 2; f++) {
		for (unsigned i = 0; i < w->pools[f].n; i++) {
			close(w->pools[f].fd[i]);
		}
	}
	if (w->epfd >= 0) {
		close(w->epfd);
	}
	if (w->wakefd >= 0) {
		close(w->wakefd);
	}
	if (w->lock_init) {
		pthread_mutex_destroy(&w->lock);
	}
	free(w->slots);
	free(w->free_slots);
	free(w->heap);
	free(w->mt);
	free(w->dk);
	free(w->dv);
	free(w->rbuf);
}

/* ---- engine ---- */

/* Raise the soft descriptor limit to the hard one; record both in @p l. @return the
 * descriptors the engine may use. */
static unsigned long pt_fd_budget(struct pt_engine_limits *l)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		rl.rlim_cur = rl.rlim_max = 1024;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { rl.rlim_max, rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
			rl.rlim_cur = rl.rlim_max;
		}
	}
	l->fd_soft = rl.rlim_cur == RLIM_INFINITY ? ULONG_MAX : (unsigned long)rl.rlim_cur;
	l->fd_hard = rl.rlim_max == RLIM_INFINITY ? ULONG_MAX : (unsigned long)rl.rlim_max;
	return l->fd_soft > 2 * PT_FD_HEADROOM ? l->fd_soft - PT_FD_HEADROOM : l->fd_soft / 2;
}

/*
 * Grow the process's descriptor table to hold @p n descriptors now, before the workers start
 * (at most the soft limit @p soft). The kernel grows a table that threads share only after an
 * RCU grace period (expand_fdtable() calls synchronize_rcu()), one per doubling: on the way
 * to a worker's 256 sockets each stalled it for milliseconds, and a sweep's first query left
 * 15-20 ms after its first submit (sched_switch in state D between the socket() calls).
 */
static void pt_fd_table_reserve(unsigned long n, unsigned long soft)
{
	int base, fd;

	n = n < soft ? n : soft;
	if (n < 2 || n > INT_MAX || (base = eventfd(0, EFD_CLOEXEC)) < 0) {
		return;
	}
	/* the lowest free descriptor at or above n - 1: the table grows to cover it */
	fd = fcntl(base, F_DUPFD_CLOEXEC, (int)(n - 1));
	if (fd >= 0) {
		close(fd);
	}
	close(base);
}

struct pt_engine *pt_engine_new(const struct pt_engine_config *cfg, pt_clock_fn clock)
{
	struct pt_engine *e = calloc(1, sizeof(*e));
	unsigned long budget, per_worker;
	unsigned pool, tcp_max;
	unsigned i;

	if (!e) {
		return NULL;
	}
	if (cfg) {
		e->cfg = *cfg;
	} else {
		pt_engine_config_default(&e->cfg);
	}
	e->clock = clock ? clock : pt_clock_monotonic;
	if (e->cfg.workers == 0) {
		e->cfg.workers = PT_DEF_WORKERS;
	}
	if (e->cfg.timeout_ms == 0) {
		e->cfg.timeout_ms = PT_DEF_TIMEOUT_MS;
	}
	/* each worker gets an equal share of an explicit cap, so the total never exceeds it */
	if (e->cfg.max_inflight > 0 && e->cfg.workers > e->cfg.max_inflight) {
		e->cfg.workers = e->cfg.max_inflight;
	}
	/* descriptors: half for the UDP sockets of both families, half for TCP connections */
	budget = pt_fd_budget(&e->limits);
	per_worker = budget / e->cfg.workers;
	pool = per_worker / 4 < PT_UDP_POOL ? (unsigned)(per_worker / 4) : PT_UDP_POOL;
	pool = pool ? pool : 1;
	tcp_max =
		per_worker - 2 * pool < PT_TCP_MAX ? (unsigned)(per_worker - 2 * pool) : PT_TCP_MAX;
	tcp_max = per_worker > 2 * pool && tcp_max ? tcp_max : 1;
	e->limits.udp_ports = pool;
	e->limits.tcp_max = tcp_max;
	e->limits.low = pool < PT_UDP_POOL;
	e->limits.udp_ports_wanted = PT_UDP_POOL;
	e->limits.tcp_max_wanted = PT_TCP_MAX;
	/* both families' UDP sockets and the TCP connections of every worker */
	pt_fd_table_reserve(e->cfg.workers * (2UL * pool + tcp_max) + PT_FD_HEADROOM,
			    e->limits.fd_soft);
	if (e->cfg.rate_qps > 0.0) {
		/* burst: 100 ms worth of tokens, at least one; the bucket starts full */
		double burst = e->cfg.rate_qps / 10.0;

		e->rate_on = true;
		e->rate.per_ns = e->cfg.rate_qps / (double)PT_NS_PER_S;
		e->rate.burst = burst < 1.0 ? 1.0 : burst;
		e->rate.tokens = e->rate.burst;
		e->rate.last_ns = e->clock();
		if (pthread_mutex_init(&e->rate.lock, NULL) != 0) {
			free(e);
			return NULL;
		}
	}
	if (pthread_mutex_init(&e->tls_lock, NULL) != 0) {
		if (e->rate_on) {
			pthread_mutex_destroy(&e->rate.lock);
		}
		free(e);
		return NULL;
	}
	e->workers = calloc(e->cfg.workers, sizeof(*e->workers));
	if (!e->workers) {
		pt_engine_free(e);
		return NULL;
	}
	for (i = 0; i < e->cfg.workers; i++) {
		e->nworkers++;
		if (pt_worker_init(&e->workers[i], e, e->cfg.max_inflight / e->cfg.workers, pool,
				   tcp_max) != 0) {
			pt_engine_free(e);
			return NULL;
		}
	}
	for (i = 0; i < e->nworkers; i++) {
		struct pt_worker *w = &e->workers[i];

		if (pt_thread_start(&w->thread, NULL, pt_worker_main, w) != 0) {
			break;
		}
		w->started = true;
	}
	if (i < e->nworkers) {
		pt_engine_free(e);
		return NULL;
	}
	return e;
}

static uint64_t pt_tmpl_hash(const char *qname, uint16_t qtype, unsigned opts)
{
	uint64_t h = PT_HASH_INIT ^ ((uint64_t)qtype << 8 | opts);

	return pt_mix(pt_hash_bytes(h, qname, strlen(qname)));
}

/* Drop the templates no job uses. Called with the worker lock held. */
static void pt_tmpl_evict(struct pt_worker *w)
{
	for (unsigned i = 0; i < PT_TMPL_BUCKETS; i++) {
		struct pt_tmpl **p = &w->tmpl[i];

		while (*p) {
			struct pt_tmpl *t = *p;

			if (atomic_load(&t->refs) == 0) {
				*p = t->next;
				pt_query_wire_fini(&t->qw);
				free(t->qname);
				free(t);
				w->ntmpl--;
			} else {
				p = &t->next;
			}
		}
	}
}

/* The template for @p req, made on first use (ldns builds the query once), with a reference
 * taken. Called with the worker lock held. @return NULL when out of memory. */
static struct pt_tmpl *pt_tmpl_get(struct pt_worker *w, const struct pt_request *req)
{
	const char *qname = req->qname ? req->qname : "";
	uint64_t h = pt_tmpl_hash(qname, req->qtype, req->opts);
	struct pt_tmpl **bucket = &w->tmpl[h % PT_TMPL_BUCKETS];
	struct pt_tmpl *t;
	enum pt_status st;

	for (t = *bucket; t; t = t->next) {
		if (t->hash == h && t->qtype == req->qtype && t->opts == req->opts &&
		    memcmp(&t->ecs, &req->ecs, sizeof(t->ecs)) == 0 &&
		    (t->qname != NULL) == (req->qname != NULL) &&
		    strcmp(t->qname ? t->qname : "", qname) == 0) {
			atomic_fetch_add(&t->refs, 1);
			return t;
		}
	}
	if (w->ntmpl >= PT_TMPL_KEEP) {
		pt_tmpl_evict(w);
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		return NULL;
	}
	if (req->qname && !(t->qname = strdup(req->qname))) {
		free(t);
		return NULL;
	}
	t->hash = h;
	t->qtype = req->qtype;
	t->opts = req->opts;
	t->ecs = req->ecs;
	st = req->qname ? pt_query_prepare_ecs(&t->qw, req->qname, req->qtype, req->opts, &req->ecs)
			: PT_ERR_PARSE;
	if (st == PT_OK && t->qw.len > PT_QUERY_MAX) {
		pt_query_wire_fini(&t->qw);
		st = PT_ERR_PARSE;
	}
	if (st == PT_ERR_NOMEM) {
		free(t->qname);
		free(t);
		return NULL;
	}
	t->err = st == PT_OK ? 0 : EINVAL;
	atomic_init(&t->refs, 1);
	t->next = *bucket;
	*bucket = t;
	w->ntmpl++;
	return t;
}

/* A free job of @p w, growing its blocks when there is none. Called with the lock held. */
static struct pt_job *pt_job_get(struct pt_worker *w)
{
	struct pt_job *job = w->pool;

	if (!job) {
		/* zeroed by the kernel */
		struct pt_job_block *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (b == MAP_FAILED) {
			return NULL;
		}
		b->next = w->blocks;
		w->blocks = b;
		for (unsigned i = 0; i < PT_JOB_BLOCK; i++) {
			b->jobs[i].next = w->pool;
			w->pool = &b->jobs[i];
		}
		job = w->pool;
	}
	w->pool = job->next;
	return job;
}

enum pt_status pt_engine_submit(struct pt_engine *e, const struct pt_request *req, pt_reply_fn fn,
				void *ctx)
{
	/* a DoH server without an address goes to a worker by its URL */
	uint64_t dhash = req->transport == PT_TRANSPORT_HTTPS && req->salen == 0 && req->endpoint
				 ? pt_mix(pt_hash_bytes(1, req->endpoint, strlen(req->endpoint)))
				 : pt_sa_hash((const struct sockaddr *)&req->sa);
	struct pt_worker *w = &e->workers[dhash % e->nworkers];
	char *endpoint = NULL;

	if (req->transport != PT_TRANSPORT_UDP) {
		if (!req->endpoint || (req->transport == PT_TRANSPORT_HTTPS && !req->endpoint[0])) {
			return PT_ERR_PARSE;
		}
		if (!(endpoint = strdup(req->endpoint))) {
			return PT_ERR_NOMEM;
		}
	}
	struct pt_job *job;
	struct pt_tmpl *t;
	bool was_empty;

	pthread_mutex_lock(&w->lock);
	job = pt_job_get(w);
	t = job ? pt_tmpl_get(w, req) : NULL;
	if (!t) {
		if (job) {
			job->next = w->pool;
			w->pool = job;
		}
		pthread_mutex_unlock(&w->lock);
		free(endpoint);
		return PT_ERR_NOMEM;
	}
	memset(job, 0, sizeof(*job));
	/* a length past the union is kept, and refused as no address (pt_addr_ok()) */
	memcpy(&job->sa, &req->sa, req->salen <= sizeof(job->sa) ? req->salen : sizeof(job->sa));
	job->salen = req->salen;
	job->transport = req->transport;
	job->tag = req->tag;
	job->endpoint = endpoint;
	job->tmpl = t;
	job->fn = fn;
	job->ctx = ctx;
	job->fd = -1;
	job->heap_idx = SIZE_MAX;
	/* the encrypted transports are streams too: no truncation, no UDP fallback */
	job->tcp = e->cfg.tcp_only || req->transport != PT_TRANSPORT_UDP;
	job->dhash = dhash;
	was_empty = w->in_head == NULL;
	if (w->in_tail) {
		w->in_tail->next = job;
	} else {
		w->in_head = job;
	}
	w->in_tail = job;
	atomic_store(&w->in_pending, true);
	pthread_mutex_unlock(&w->lock);
	/* the worker drains the eventfd before taking the queue, so one write per batch is
	 * enough; none while it is busy, since it looks at in_pending before every wait */
	if (was_empty && atomic_load(&w->sleeping)) {
		pt_worker_wake(w);
	}
	return PT_OK;
}

static enum pt_status engine_submit(void *impl, const struct pt_request *req, pt_reply_fn fn,
				    void *ctx)
{
	return pt_engine_submit(impl, req, fn, ctx);
}

struct pt_net pt_engine_net(struct pt_engine *e)
{
	return (struct pt_net){ .submit = engine_submit, .impl = e };
}

void pt_engine_stats(struct pt_engine *e, struct pt_engine_stats *out)
{
	out->sent = atomic_load_explicit(&e->sent, memory_order_relaxed);
	out->replies = atomic_load_explicit(&e->replies, memory_order_relaxed);
	out->dropped = atomic_load_explicit(&e->dropped, memory_order_relaxed);
	out->timeouts = atomic_load_explicit(&e->timeouts, memory_order_relaxed);
	out->tcp_fallbacks = atomic_load_explicit(&e->tcp_fallbacks, memory_order_relaxed);
	out->tls_connects = atomic_load_explicit(&e->tls_connects, memory_order_relaxed);
}

void pt_engine_limits(const struct pt_engine *e, struct pt_engine_limits *out)
{
	*out = e->limits;
}

bool pt_engine_limits_warning(const struct pt_engine *e, char *buf, size_t size)
{
	const struct pt_engine_limits *l = &e->limits;

	if (!l->low) {
		return false;
	}
	snprintf(buf, size,
		 "the descriptor limit is %lu (hard limit %lu) and cannot be raised: %u UDP ports "
		 "per address family and %u TCP connections per worker instead of %u and %u "
		 "(replies are easier to forge); raise it with ulimit -n %u",
		 l->fd_soft, l->fd_hard, l->udp_ports, l->tcp_max, l->udp_ports_wanted,
		 l->tcp_max_wanted,
		 (unsigned)(e->nworkers * (4 * l->udp_ports_wanted) + PT_FD_HEADROOM));
	return true;
}

void pt_engine_cancel(struct pt_engine *e)
{
	if (e == NULL) {
		return;
	}
	atomic_store(&e->cancel, true);
	for (unsigned i = 0; i < e->nworkers; i++) {
		pt_worker_wake(&e->workers[i]);
	}
}

void pt_engine_free(struct pt_engine *e)
{
	unsigned i;

	if (!e) {
		return;
	}
	atomic_store(&e->stop, true);
	for (i = 0; i < e->nworkers; i++) {
		if (e->workers[i].started) {
			pt_worker_wake(&e->workers[i]);
		}
	}
	for (i = 0; i < e->nworkers; i++) {
		if (e->workers[i].started) {
			pthread_join(e->workers[i].thread, NULL);
		}
	}
	/* reverse order of creation; no callbacks for what never finished */
	for (i = e->nworkers; i-- > 0;) {
		pt_worker_fini(&e->workers[i]);
	}
	if (e->rate_on) {
		pthread_mutex_destroy(&e->rate.lock);
	}
	SSL_CTX_free(e->ssl_ctx);
	pthread_mutex_destroy(&e->tls_lock);
	free(e->workers);
	free(e);
}
