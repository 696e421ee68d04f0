#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>

/*
 * Each worker runs one epoll loop over its own sockets. A job (one submitted query) has at
 * most one socket open at a time and at most one entry in its worker's deadline heap: either
 * "send the next try at t" (backoff or rate cap) or "this try times out at t". All times are
 * pt_clock nanoseconds; epoll_wait() takes the distance to the earliest deadline in ms.
 */

/* Defaults, see engine.h. */
#define PT_DEF_WORKERS 2
#define PT_DEF_TIMEOUT_MS 2000
#define PT_DEF_RETRIES 2
/* Descriptors left for the rest of the process when sizing the in-flight cap. */
#define PT_FD_HEADROOM 64
#define PT_INFLIGHT_MAX 8192
/* Retry backoff: the first retry goes out at once (a lost datagram is the usual cause),
 * later ones wait 100 ms, 200 ms, 400 ms, ... capped at timeout_ms / 2, so a silent server
 * costs at most retries * timeout / 2 more than the tries themselves. */
#define PT_BACKOFF_BASE_MS 100
/* Largest DNS message over TCP; UDP replies are read into a buffer of the same size. */
#define PT_MSG_MAX 65535
/* Events taken per epoll_wait(), and datagrams read per readable event (fairness). */
#define PT_EVENTS 256
#define PT_DGRAMS_PER_EVENT 64
/* epoll data value of the wake-up eventfd; job values are (generation << 32 | slot). */
#define PT_WAKE_TOKEN UINT64_MAX

enum pt_phase {
	PT_PHASE_IDLE,	      /* no socket; in the heap until the next try may be sent */
	PT_PHASE_UDP,	      /* datagram sent, waiting for replies */
	PT_PHASE_TCP_CONNECT, /* non-blocking connect in progress */
	PT_PHASE_TCP_WRITE,   /* connected, length-prefixed query partly written */
	PT_PHASE_TCP_READ,    /* query written, reading length-prefixed replies */
};

/* One submitted query; owned by exactly one worker from submit until its callback returned. */
struct pt_job {
	struct pt_request req; /* caller's request; req.qname points at qname below */
	char *qname;	       /* owned copy */
	pt_reply_fn fn;
	void *ctx;
	struct pt_job *next;   /* incoming / waiting list link */
	struct pt_reply reply; /* outcome so far (tries, dropped), handed to fn */
	enum pt_phase phase;
	int fd;		      /* current socket or -1 */
	bool tcp;	      /* tries go over TCP (tcp_only, or after TC) */
	bool fallback;	      /* next send is the TCP retry of a truncated reply: not a new try */
	bool has_token;	      /* a rate token is reserved for the next send */
	bool malformed;	      /* a malformed reply was seen on some try */
	uint16_t id;	      /* DNS ID of the current try */
	uint8_t *msg;	      /* 2-byte length prefix + query; UDP sends msg + 2 */
	size_t msg_len;	      /* query length without the prefix */
	size_t io_off;	      /* TCP: bytes of msg written, or of the reply length/body read */
	uint8_t len_buf[2];   /* TCP: reply length prefix */
	uint8_t *in_buf;      /* TCP: reply body being read */
	size_t in_len;	      /* TCP: reply body length (0 while reading the prefix) */
	uint64_t sent_ns;     /* when the current try started; for TCP before connect(), so the
			       * RTT of a TCP answer includes the handshake */
	uint64_t deadline_ns; /* heap key */
	size_t heap_idx;      /* position in the heap, SIZE_MAX when absent */
	unsigned slot;	      /* index in the in-flight table */
	uint32_t gen;	      /* generation of the current socket's epoll registration */
};

struct pt_worker {
	struct pt_engine *e;
	pthread_t thread;
	bool started;
	int epfd;
	int wakefd;
	/* lock guards only in_head / in_tail (filled by pt_engine_submit on any thread) */
	pthread_mutex_t lock;
	bool lock_init;
	struct pt_job *in_head;
	struct pt_job *in_tail;
	/* everything below is touched by the worker thread only (and by pt_engine_free after join)
	 */
	struct pt_job *wait_head; /* taken from incoming, not yet in flight (cap reached) */
	struct pt_job *wait_tail;
	struct pt_job **slots; /* in-flight table, cap entries */
	unsigned *free_slots;  /* stack of free slot indices */
	unsigned nfree;
	unsigned cap;
	bool fd_starved;      /* socket() hit EMFILE/ENFILE; wait for a job to finish */
	struct pt_job **heap; /* binary min-heap on deadline_ns, at most cap entries */
	size_t heap_len;
	uint64_t prng; /* splitmix64 state, seeded from getrandom() */
	uint32_t gen;
	uint8_t *rbuf; /* PT_MSG_MAX bytes for UDP replies */
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
	atomic_uint next_worker; /* round-robin submit */
	atomic_bool stop;
	atomic_bool cancel; /* pt_engine_cancel(): end every query at once */
	bool rate_on;
	struct pt_rate rate;
	atomic_uint_fast64_t sent;
	atomic_uint_fast64_t replies;
	atomic_uint_fast64_t dropped;
	atomic_uint_fast64_t timeouts;
	atomic_uint_fast64_t tcp_fallbacks;
};

static void pt_job_launch(struct pt_worker *w, struct pt_job *job);

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

/* ---- random IDs ---- */

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

static uint16_t pt_rand16(struct pt_worker *w)
{
	uint64_t z = (w->prng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (uint16_t)(z >> 48);
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

static void pt_heap_swap(struct pt_worker *w, size_t a, size_t b)
{
	struct pt_job *t = w->heap[a];

	w->heap[a] = w->heap[b];
	w->heap[b] = t;
	w->heap[a]->heap_idx = a;
	w->heap[b]->heap_idx = b;
}

static void pt_heap_up(struct pt_worker *w, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (w->heap[p]->deadline_ns <= w->heap[i]->deadline_ns) {
			break;
		}
		pt_heap_swap(w, p, i);
		i = p;
	}
}

static void pt_heap_down(struct pt_worker *w, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1;
		size_t m = i;

		if (l < w->heap_len && w->heap[l]->deadline_ns < w->heap[m]->deadline_ns) {
			m = l;
		}
		if (l + 1 < w->heap_len && w->heap[l + 1]->deadline_ns < w->heap[m]->deadline_ns) {
			m = l + 1;
		}
		if (m == i) {
			return;
		}
		pt_heap_swap(w, i, m);
		i = m;
	}
}

/* Insert @p job or move it to @p deadline_ns. The heap has room: one entry per in-flight job. */
static void pt_heap_set(struct pt_worker *w, struct pt_job *job, uint64_t deadline_ns)
{
	job->deadline_ns = deadline_ns;
	if (job->heap_idx == SIZE_MAX) {
		job->heap_idx = w->heap_len;
		w->heap[w->heap_len++] = job;
	}
	pt_heap_up(w, job->heap_idx);
	pt_heap_down(w, job->heap_idx);
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
	w->heap[i] = w->heap[w->heap_len];
	w->heap[i]->heap_idx = i;
	pt_heap_up(w, i);
	pt_heap_down(w, i);
}

/* ---- jobs ---- */

static void pt_job_free(struct pt_job *job)
{
	if (job->fd >= 0) {
		close(job->fd);
	}
	pt_reply_fini(&job->reply);
	free(job->msg);
	free(job->in_buf);
	free(job->qname);
	free(job);
}

/* Close the current try's socket (closing also removes it from the epoll set). */
static void pt_job_close(struct pt_job *job)
{
	if (job->fd >= 0) {
		close(job->fd);
		job->fd = -1;
	}
	free(job->in_buf);
	job->in_buf = NULL;
	job->in_len = 0;
	job->io_off = 0;
	job->phase = PT_PHASE_IDLE;
}

/* End @p job: hand the outcome to its callback (no lock held) and free it. */
static void pt_job_finish(struct pt_worker *w, struct pt_job *job, enum pt_reply_result res,
			  int err)
{
	pt_job_close(job);
	pt_heap_remove(w, job);
	w->slots[job->slot] = NULL;
	w->free_slots[w->nfree++] = job->slot;
	w->fd_starved = false;

	/* a server that only ever sent garbage is better described by that than by silence */
	if (job->malformed && (res == PT_REPLY_TIMEOUT || res == PT_REPLY_UNREACHABLE)) {
		res = PT_REPLY_MALFORMED;
		err = 0;
	}
	job->reply.result = res;
	job->reply.err = err;
	job->reply.via_tcp = res == PT_REPLY_OK && job->tcp;
	job->reply.received_ns = pt_now(w->e);
	job->fn(job->ctx, &job->req, &job->reply);
	pt_job_free(job);
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

	pt_job_close(job);
	if (job->reply.tries > w->e->cfg.retries) {
		pt_job_finish(w, job, res, err);
		return;
	}
	delay = pt_backoff_ns(w->e, job->reply.tries);
	if (delay == 0) {
		pt_heap_remove(w, job);
		pt_job_launch(w, job);
		return;
	}
	pt_heap_set(w, job, pt_now(w->e) + delay);
}

/* A system call on the try's socket failed with @p err. */
static void pt_job_error(struct pt_worker *w, struct pt_job *job, int err)
{
	if (pt_err_is_net(err)) {
		pt_job_try_failed(w, job, PT_REPLY_UNREACHABLE, err);
	} else {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, err);
	}
}

/* Build the query for a new ID into job->msg, behind a 2-byte length prefix for TCP. */
static int pt_job_build(struct pt_worker *w, struct pt_job *job)
{
	uint8_t *wire = NULL;
	size_t len = 0;
	enum pt_status st;

	if (!job->qname) {
		return EINVAL;
	}
	job->id = pt_rand16(w);
	st = pt_query_build(&wire, &len, job->qname, job->req.qtype, job->id, job->req.opts);
	if (st != PT_OK) {
		return st == PT_ERR_NOMEM ? ENOMEM : EINVAL;
	}
	if (len > PT_MSG_MAX) {
		free(wire);
		return EMSGSIZE;
	}
	free(job->msg);
	job->msg = malloc(len + 2);
	if (!job->msg) {
		free(wire);
		return ENOMEM;
	}
	job->msg[0] = (uint8_t)(len >> 8);
	job->msg[1] = (uint8_t)len;
	memcpy(job->msg + 2, wire, len);
	job->msg_len = len;
	free(wire);
	return 0;
}

static bool pt_addr_ok(const struct pt_request *req)
{
	if (req->sa.ss_family == AF_INET) {
		return req->salen >= sizeof(struct sockaddr_in) && req->salen <= sizeof(req->sa);
	}
	if (req->sa.ss_family == AF_INET6) {
		return req->salen >= sizeof(struct sockaddr_in6) && req->salen <= sizeof(req->sa);
	}
	return false;
}

/*
 * Out of descriptors although the in-flight cap allowed this one (the rest of the process uses
 * more than the headroom): put @p job back at the head of the waiting list and start nothing
 * more until one of this worker's jobs finishes and frees a descriptor.
 */
static void pt_job_defer(struct pt_worker *w, struct pt_job *job)
{
	pt_heap_remove(w, job);
	job->phase = PT_PHASE_IDLE;
	job->has_token = true; /* keep the rate token it already took */
	w->slots[job->slot] = NULL;
	w->free_slots[w->nfree++] = job->slot;
	job->next = w->wait_head;
	w->wait_head = job;
	if (!w->wait_tail) {
		w->wait_tail = job;
	}
	w->fd_starved = true;
}

/* Open a fresh socket with a new ID and send one try (UDP) or start connecting (TCP). */
static void pt_job_send(struct pt_worker *w, struct pt_job *job)
{
	struct pt_engine *e = w->e;
	struct epoll_event ev;
	int type = job->tcp ? SOCK_STREAM : SOCK_DGRAM;
	int err;
	int fd;

	if (!pt_addr_ok(&job->req)) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, EAFNOSUPPORT);
		return;
	}
	/* a fresh socket per try: the kernel picks a random source port, and connect() makes
	 * it drop datagrams from any other address and report ICMP errors as ECONNREFUSED */
	fd = socket(job->req.sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if ((errno == EMFILE || errno == ENFILE) && w->cap - w->nfree > 1) {
			pt_job_defer(w, job);
			return;
		}
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, errno);
		return;
	}
	job->fd = fd;
	if (!job->fallback) {
		job->reply.tries++;
	}
	job->fallback = false;
	err = pt_job_build(w, job);
	if (err != 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, err);
		return;
	}
	job->sent_ns = pt_now(e);
	job->gen = ++w->gen;
	if (connect(fd, (const struct sockaddr *)&job->req.sa, job->req.salen) < 0) {
		if (errno != EINPROGRESS || !job->tcp) {
			pt_job_error(w, job, errno);
			return;
		}
		job->phase = PT_PHASE_TCP_CONNECT;
	} else {
		job->phase = job->tcp ? PT_PHASE_TCP_WRITE : PT_PHASE_UDP;
	}
	if (job->phase == PT_PHASE_UDP) {
		if (send(fd, job->msg + 2, job->msg_len, 0) < 0) {
			pt_job_error(w, job, errno);
			return;
		}
		pt_stat_add(&e->sent);
	}
	ev.events = job->phase == PT_PHASE_UDP ? EPOLLIN : EPOLLOUT;
	ev.data.u64 = (uint64_t)job->gen << 32 | job->slot;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, errno);
		return;
	}
	pt_heap_set(w, job, job->sent_ns + (uint64_t)e->cfg.timeout_ms * PT_NS_PER_MS);
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
			pt_heap_set(w, job, at);
			return;
		}
	}
	job->has_token = false;
	pt_job_send(w, job);
}

/* A reply passed validation: finish, or go to TCP when it was truncated. */
static void pt_job_answered(struct pt_worker *w, struct pt_job *job, struct pt_answer *ans)
{
	uint64_t now = pt_now(w->e);

	/* truncated: the same try goes on over TCP at once (no backoff, tries unchanged), but it
	 * still takes a rate token since every message sent counts against the cap */
	if ((ans->flags & PT_FLAG_TC) && !job->tcp) {
		pt_answer_fini(ans);
		pt_stat_add(&w->e->tcp_fallbacks);
		pt_job_close(job);
		pt_heap_remove(w, job);
		job->tcp = true;
		job->fallback = true;
		pt_job_launch(w, job);
		return;
	}
	pt_stat_add(&w->e->replies);
	job->reply.answer = *ans;
	job->reply.rtt_ms = (double)(now - job->sent_ns) / (double)PT_NS_PER_MS;
	pt_job_finish(w, job, PT_REPLY_OK, 0);
}

/* Check one received message. @return true when it ended the job (job is freed). */
static bool pt_job_message(struct pt_worker *w, struct pt_job *job, const uint8_t *buf, size_t len)
{
	struct pt_answer ans;
	enum pt_status st;

	st = pt_query_parse(&ans, buf, len, job->id, job->qname, job->req.qtype);
	if (st == PT_OK) {
		pt_job_answered(w, job, &ans);
		return true;
	}
	if (st == PT_ERR_NOMEM) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, ENOMEM);
		return true;
	}
	/* not ours (PT_ERR_DNS) or malformed (PT_ERR_PARSE): drop and keep waiting */
	if (st == PT_ERR_PARSE) {
		job->malformed = true;
	}
	job->reply.dropped++;
	pt_stat_add(&w->e->dropped);
	return false;
}

static void pt_job_udp_readable(struct pt_worker *w, struct pt_job *job)
{
	int i;

	for (i = 0; i < PT_DGRAMS_PER_EVENT; i++) {
		ssize_t n = recv(job->fd, w->rbuf, PT_MSG_MAX, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
				return;
			}
			/* ECONNREFUSED here is the ICMP port unreachable for our datagram */
			pt_job_error(w, job, errno);
			return;
		}
		if (pt_job_message(w, job, w->rbuf, (size_t)n)) {
			return;
		}
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
	ev.data.u64 = (uint64_t)job->gen << 32 | job->slot;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, job->fd, &ev) < 0) {
		pt_job_finish(w, job, PT_REPLY_LOCAL_ERROR, errno);
	}
}

static void pt_job_tcp_readable(struct pt_worker *w, struct pt_job *job)
{
	for (;;) {
		uint8_t *dst = job->in_len ? job->in_buf : job->len_buf;
		size_t want = job->in_len ? job->in_len : sizeof(job->len_buf);
		ssize_t n = recv(job->fd, dst + job->io_off, want - job->io_off, MSG_DONTWAIT);

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
				job->malformed = true;
				job->reply.dropped++;
				pt_stat_add(&w->e->dropped);
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
		if (pt_job_message(w, job, job->in_buf, job->in_len)) {
			return;
		}
		free(job->in_buf);
		job->in_buf = NULL;
		job->in_len = 0;
	}
}

/* A try's deadline passed: either a parked send is due, or the try timed out. */
static void pt_job_deadline(struct pt_worker *w, struct pt_job *job)
{
	if (job->phase == PT_PHASE_IDLE) {
		pt_job_launch(w, job);
		return;
	}
	pt_stat_add(&w->e->timeouts);
	pt_job_try_failed(w, job, PT_REPLY_TIMEOUT, 0);
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

/* Start waiting jobs while this worker's share of the in-flight cap allows. */
static void pt_worker_fill(struct pt_worker *w)
{
	while (!w->fd_starved && w->nfree > 0 && w->wait_head) {
		struct pt_job *job = w->wait_head;

		w->wait_head = job->next;
		if (!w->wait_head) {
			w->wait_tail = NULL;
		}
		job->next = NULL;
		job->slot = w->free_slots[--w->nfree];
		w->slots[job->slot] = job;
		pt_job_launch(w, job);
	}
}

static void pt_worker_event(struct pt_worker *w, uint64_t data)
{
	struct pt_job *job;
	unsigned slot = (unsigned)(data & 0xffffffffu);

	if (data == PT_WAKE_TOKEN) {
		pt_worker_take(w);
		return;
	}
	job = slot < w->cap ? w->slots[slot] : NULL;
	/* a stale event for a socket closed earlier in this batch */
	if (!job || job->gen != (uint32_t)(data >> 32) || job->fd < 0) {
		return;
	}
	switch (job->phase) {
	case PT_PHASE_UDP:
		pt_job_udp_readable(w, job);
		break;
	case PT_PHASE_TCP_CONNECT:
	case PT_PHASE_TCP_WRITE:
		pt_job_tcp_writable(w, job);
		break;
	case PT_PHASE_TCP_READ:
		pt_job_tcp_readable(w, job);
		break;
	case PT_PHASE_IDLE:
		break;
	}
}

/* pt_engine_cancel(): end everything this worker holds, with callbacks, so callers waiting
 * in pt_net_run() return and drivers learn their queries are gone. */
static void pt_worker_cancel_all(struct pt_worker *w)
{
	pt_worker_take(w);
	for (unsigned i = 0; i < w->cap; i++) {
		if (w->slots[i] != NULL) {
			pt_job_finish(w, w->slots[i], PT_REPLY_LOCAL_ERROR, ECANCELED);
		}
	}
	while (w->wait_head != NULL) {
		struct pt_job *job = w->wait_head;

		w->wait_head = job->next;
		job->reply.result = PT_REPLY_LOCAL_ERROR;
		job->reply.err = ECANCELED;
		job->reply.received_ns = pt_now(w->e);
		job->fn(job->ctx, &job->req, &job->reply);
		pt_job_free(job);
	}
	w->wait_tail = NULL;
}

/* Milliseconds epoll_wait() may sleep: until the earliest deadline, rounded up. */
static int pt_worker_wait_ms(struct pt_worker *w)
{
	uint64_t now;
	uint64_t ms;

	if (w->heap_len == 0) {
		return -1;
	}
	now = pt_now(w->e);
	if (w->heap[0]->deadline_ns <= now) {
		return 0;
	}
	ms = (w->heap[0]->deadline_ns - now + PT_NS_PER_MS - 1) / PT_NS_PER_MS;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void *pt_worker_main(void *arg)
{
	struct pt_worker *w = arg;
	struct epoll_event evs[PT_EVENTS];

	while (!atomic_load(&w->e->stop)) {
		int n = epoll_wait(w->epfd, evs, PT_EVENTS, pt_worker_wait_ms(w));
		uint64_t now;
		int i;

		if (n < 0 && errno != EINTR) {
			break;
		}
		if (atomic_load(&w->e->stop)) {
			break;
		}
		for (i = 0; i < n; i++) {
			pt_worker_event(w, evs[i].data.u64);
		}
		if (atomic_load(&w->e->cancel)) {
			pt_worker_cancel_all(w);
			continue;
		}
		/* jobs re-armed while expiring get deadlines past now, so this ends */
		now = pt_now(w->e);
		while (w->heap_len > 0 && w->heap[0]->deadline_ns <= now) {
			struct pt_job *job = w->heap[0];

			pt_heap_remove(w, job);
			pt_job_deadline(w, job);
		}
		pt_worker_fill(w);
	}
	return NULL;
}

static int pt_worker_init(struct pt_worker *w, struct pt_engine *e, unsigned cap)
{
	struct epoll_event ev;
	unsigned i;

	w->e = e;
	w->epfd = -1;
	w->wakefd = -1;
	w->cap = cap;
	w->prng = pt_seed();
	if (pthread_mutex_init(&w->lock, NULL) != 0) {
		return -1;
	}
	w->lock_init = true;
	w->slots = calloc(cap, sizeof(*w->slots));
	w->free_slots = calloc(cap, sizeof(*w->free_slots));
	w->heap = calloc(cap, sizeof(*w->heap));
	w->rbuf = malloc(PT_MSG_MAX);
	if (!w->slots || !w->free_slots || !w->heap || !w->rbuf) {
		return -1;
	}
	for (i = 0; i < cap; i++) {
		w->free_slots[i] = cap - 1 - i;
	}
	w->nfree = cap;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || w->wakefd < 0) {
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = PT_WAKE_TOKEN;
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

static void pt_job_list_free(struct pt_job *job)
{
	while (job) {
		struct pt_job *next = job->next;

		pt_job_free(job);
		job = next;
	}
}

/* Free what a (joined or never started) worker owns. */
static void pt_worker_fini(struct pt_worker *w)
{
	unsigned i;

	if (w->slots) {
		for (i = 0; i < w->cap; i++) {
			if (w->slots[i]) {
				pt_job_free(w->slots[i]);
			}
		}
	}
	pt_job_list_free(w->wait_head);
	pt_job_list_free(w->in_head);
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
	free(w->rbuf);
}

/* ---- engine ---- */

/* Raise the soft descriptor limit to the hard one; @return the in-flight cap it allows. */
static unsigned pt_fd_budget(void)
{
	struct rlimit rl;
	rlim_t soft;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		return 256;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { rl.rlim_max, rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0) {
			rl.rlim_cur = rl.rlim_max;
		}
	}
	soft = rl.rlim_cur;
	if (soft == RLIM_INFINITY || soft > PT_INFLIGHT_MAX + PT_FD_HEADROOM) {
		return PT_INFLIGHT_MAX;
	}
	if (soft <= PT_FD_HEADROOM) {
		return 1;
	}
	return (unsigned)(soft - PT_FD_HEADROOM);
}

struct pt_engine *pt_engine_new(const struct pt_engine_config *cfg, pt_clock_fn clock)
{
	struct pt_engine *e = calloc(1, sizeof(*e));
	unsigned budget = pt_fd_budget();
	sigset_t all;
	sigset_t old;
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
	/* an explicit cap is honoured only up to what the descriptor limit allows */
	if (e->cfg.max_inflight == 0 || e->cfg.max_inflight > budget) {
		e->cfg.max_inflight = budget;
	}
	/* each worker gets an equal share of the cap, so the total never exceeds it */
	if (e->cfg.workers > e->cfg.max_inflight) {
		e->cfg.workers = e->cfg.max_inflight;
	}
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
	e->workers = calloc(e->cfg.workers, sizeof(*e->workers));
	if (!e->workers) {
		pt_engine_free(e);
		return NULL;
	}
	for (i = 0; i < e->cfg.workers; i++) {
		e->nworkers++;
		if (pt_worker_init(&e->workers[i], e, e->cfg.max_inflight / e->cfg.workers) != 0) {
			pt_engine_free(e);
			return NULL;
		}
	}
	/* workers inherit a full signal mask, so SIGINT and SIGWINCH go to the UI thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < e->nworkers; i++) {
		struct pt_worker *w = &e->workers[i];

		if (pthread_create(&w->thread, NULL, pt_worker_main, w) != 0) {
			break;
		}
		w->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (i < e->nworkers) {
		pt_engine_free(e);
		return NULL;
	}
	return e;
}

enum pt_status pt_engine_submit(struct pt_engine *e, const struct pt_request *req, pt_reply_fn fn,
				void *ctx)
{
	struct pt_job *job = calloc(1, sizeof(*job));
	struct pt_worker *w;
	bool was_empty;

	if (!job) {
		return PT_ERR_NOMEM;
	}
	job->req = *req;
	if (req->qname) {
		job->qname = strdup(req->qname);
		if (!job->qname) {
			free(job);
			return PT_ERR_NOMEM;
		}
	}
	job->req.qname = job->qname;
	job->fn = fn;
	job->ctx = ctx;
	job->fd = -1;
	job->heap_idx = SIZE_MAX;
	job->tcp = e->cfg.tcp_only;

	w = &e->workers[atomic_fetch_add(&e->next_worker, 1) % e->nworkers];
	pthread_mutex_lock(&w->lock);
	was_empty = w->in_head == NULL;
	if (w->in_tail) {
		w->in_tail->next = job;
	} else {
		w->in_head = job;
	}
	w->in_tail = job;
	pthread_mutex_unlock(&w->lock);
	/* the worker drains the eventfd before taking the queue, so one write per batch is enough
	 */
	if (was_empty) {
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
	free(e->workers);
	free(e);
}
