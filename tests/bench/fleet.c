/*
 * A simulated fleet of DNS resolvers for `make bench`: one process serving N resolvers on
 * loopback addresses (127.20.0.1, 127.20.0.2, ...) at one port, plus one authoritative
 * server for the zone. Loopback only: it refuses to start on any other address.
 *
 * One UDP socket bound to the wildcard (inside the bench's network namespace that is the
 * loopback range 127.0.0.0/8) with IP_PKTINFO tells which address a query was sent to, and
 * the reply goes out from that address; one TCP listener on the same port serves the
 * truncated ones. Each resolver's behaviour is drawn from the seed: its delay, its TTL, its
 * answer (the new or the old MX set), and whether it answers SERVFAIL, REFUSED, or TC=1 then
 * the full answer over TCP after a second delay; a few do not echo the question's case.
 * Questions without RD (proptrack asks resolvers serving an old answer for the NS set they
 * hold) get an empty answer at once, as from a cache without it.
 * Nothing is silent. The expected result of every resolver goes to --truth, so the
 * benchmark checks every answer of every tool.
 *
 * A resolver's delay counts from when its query arrived (the kernel's receive time), not from
 * when this one thread got round to reading it: at 100,000 resolvers its reads lag the
 * arrivals by up to half a second (it shares the two cores with the client), which put every
 * answer that much behind the truth. It reads several batches at a time between the replies
 * due, and counts how far it fell behind all the same (the most read lag, the replies sent
 * late), so the benchmark can tell a floor the fleet kept from one it could not.
 *
 * Replies are made by copying the question and appending prepared records: a benchmark
 * responder for well-formed queries, not a DNS implementation (anything else is dropped).
 *
 * Usage: fleet --count N [--seed S] [--port P] [--truth FILE] [--list FILE] [--ready FILE]
 *              [--ttl-min S] [--ttl-max S] [--delay-min MS] [--delay-max MS]
 *              [--stats FILE]
 * --list gets "ADDRESS:PORT" lines; the authoritative server is 127.19.0.1 at the same port.
 * SIGUSR1 marks the start of a measured window (see steady_max below). SIGUSR2 writes the
 * queries received so far to --stats with ".count" appended (written whole, then renamed),
 * with the most read lag and the replies sent late since the SIGUSR2 before.
 * On SIGTERM/SIGINT it writes --stats: queries received, and the most queries one resolver
 * had outstanding at once (a client that never has two in flight per resolver shows 1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXQ 512
/* a poll this soon after the one before is the client's retry after a timeout (proptrack's
 * default: 2 s per try, 3 tries), not a new poll */
#define RETRY_MS 6500
#define RING_MS 4096 /* delays up to 4 s */
#define BATCH 64
#define READS 16  /* recvmmsg() batches read before the replies due are seen to */
#define LATE_MS 5 /* a reply sent later than this after its time is late */
#define AUTH_ADDR 0x7f130001u /* 127.19.0.1 */
#define BASE_B1 20	      /* resolvers from 127.20.0.1 */

enum kind { K_NEW, K_OLD, K_SERVFAIL, K_REFUSED, K_TC };

struct res {
	uint16_t delay_ms;
	uint16_t tcp_delay_ms;
	uint32_t ttl;
	uint8_t kind;
	bool lower; /* does not echo the question's case */
	uint16_t outstanding;
	uint16_t max_outstanding;
	uint32_t queries;
	/* by question: the watched MX with recursion over UDP, the same over TCP, with CD set,
	 * CH-class (identity), without RD (the NS set it holds), anything else */
	uint16_t by[6];
	uint32_t first_poll_ms; /* since start, +1 (0: not polled yet) */
	uint32_t last_poll_ms;	/* the same for the last one */
	uint16_t retries;	/* polls within RETRY_MS of the one before (a lost reply's retry) */
	uint16_t early;		/* polls later than that but before the last one's TTL ran out */
	uint32_t marked;	/* its queries when SIGUSR1 came */
};

enum { Q_POLL, Q_TCP, Q_CD, Q_CHAOS, Q_NORD, Q_OTHER, Q_KINDS };
static const char *const q_names[Q_KINDS] = { "poll", "tcp", "cd", "chaos", "nord", "other" };
static const char *const kind_names[] = { "new", "old", "servfail", "refused", "tc" };

struct pending {
	struct pending *next;
	int fd;	      /* -1: UDP */
	uint32_t res; /* index, UINT32_MAX for the auth server */
	struct sockaddr_in peer;
	struct in_addr src;
	uint16_t len;
	uint64_t due_ms; /* when it is to go */
	uint8_t buf[MAXQ];
};

static struct res *fleet;
static uint32_t count;
static uint16_t port = 5300;
static struct pending *ring[RING_MS];
static struct pending *free_list;
static uint64_t start_ms;
static volatile sig_atomic_t stop, mark, dump;
static uint64_t total_queries;
static uint64_t first_q_ms, last_q_ms; /* when the first and the last query came */
/* how far behind it fell, in all and since the last SIGUSR2: the most time a query waited in
 * the socket before it was read, and the replies sent over LATE_MS after their time */
struct behind {
	uint64_t lag_max_us;
	uint64_t late;
	uint64_t late_max_ms;
};
static struct behind behind_all, behind_window;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Count query @p q (length @p len, checked by make_reply()) to @p r by what it asks. */
static void count_query(struct res *r, const uint8_t *q, size_t len, bool tcp)
{
	size_t i = 12;
	unsigned qtype, qclass, k;

	while (i < len && q[i] != 0) {
		i += (size_t)q[i] + 1;
	}
	qtype = i + 4 < len ? (unsigned)q[i + 1] << 8 | q[i + 2] : 0;
	qclass = i + 4 < len ? (unsigned)q[i + 3] << 8 | q[i + 4] : 0;
	if (qclass == 3) {
		k = Q_CHAOS;
	} else if ((q[2] & 1) == 0) {
		k = Q_NORD;
	} else if (q[3] & 0x10) {
		k = Q_CD;
	} else if (qtype == 15) {
		k = tcp ? Q_TCP : Q_POLL;
	} else {
		k = Q_OTHER;
	}
	r->queries++;
	if (k == Q_POLL) {
		uint32_t t = (uint32_t)(now_ms() - start_ms + 1), gap = t - r->last_poll_ms;

		if (r->first_poll_ms == 0) {
			r->first_poll_ms = t;
		} else if (gap <= RETRY_MS) {
			r->retries += r->retries < UINT16_MAX;
		} else if (gap < r->ttl * 1000ULL) {
			r->early += r->early < UINT16_MAX;
		}
		r->last_poll_ms = t;
	}
	if (r->by[k] < UINT16_MAX) {
		r->by[k]++;
	}
}

static uint32_t addr_of(uint32_t i)
{
	uint32_t b1 = BASE_B1 + i / 62500, b2 = (i / 250) % 250, b3 = i % 250 + 1;

	return 127u << 24 | b1 << 16 | b2 << 8 | b3;
}

/* Index of the resolver at host-order address @p a, UINT32_MAX for the auth server, or
 * UINT32_MAX - 1 for none. */
static uint32_t index_of(uint32_t a)
{
	uint32_t b1 = (a >> 16) & 0xff, b2 = (a >> 8) & 0xff, b3 = a & 0xff, i;

	if (a == AUTH_ADDR) {
		return UINT32_MAX;
	}
	if ((a >> 24) != 127 || b1 < BASE_B1 || b2 >= 250 || b3 == 0 || b3 > 250) {
		return UINT32_MAX - 1;
	}
	i = (b1 - BASE_B1) * 62500 + b2 * 250 + (b3 - 1);
	return i < count ? i : UINT32_MAX - 1;
}

static size_t put_name(uint8_t *p, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		p[n++] = (uint8_t)l;
		memcpy(p + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	p[n++] = 0;
	return n;
}

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
	return 4;
}

/* One record owned by the question name (pointer to offset 12). */
static size_t put_rr(uint8_t *p, unsigned type, uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	size_t n = 0;

	n += put16(p + n, 0xc00c);
	n += put16(p + n, type);
	n += put16(p + n, 1);
	n += put32(p + n, ttl);
	n += put16(p + n, (unsigned)rdlen);
	memcpy(p + n, rd, rdlen);
	return n + rdlen;
}

static size_t mx_rdata(uint8_t *p, unsigned pref, const char *host)
{
	size_t n = put16(p, pref);

	return n + put_name(p + n, host);
}

#define ZONE "bench.test"
#define NEW1 "mx1." ZONE
#define NEW2 "mx2." ZONE
#define OLD1 "mx-old." ZONE

/*
 * The reply to query @p q for resolver @p r (NULL: the authoritative server) into @p out.
 * @param tcp_stage 0 over UDP, 1 over TCP
 * @return its length, 0 to drop the query.
 */
static size_t make_reply(uint8_t *out, const uint8_t *q, size_t qlen, const struct res *r,
			 bool tcp)
{
	size_t i = 12, qend, n;
	unsigned qtype, rcode = 0, flags, an = 0, ns = 0;
	uint32_t ttl = r ? r->ttl : 3600;
	uint8_t rd[300];
	bool tc = false;

	if (qlen < 17 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1) {
		return 0;
	}
	while (i < qlen && q[i] != 0) {
		if (q[i] > 63) {
			return 0;
		}
		i += (size_t)q[i] + 1;
	}
	qend = i + 5;
	if (qend > qlen) {
		return 0;
	}
	qtype = (unsigned)q[i + 1] << 8 | q[i + 2];
	memcpy(out, q, qend);
	if (r && r->lower) {
		for (size_t k = 12; k < i; k++) {
			if (out[k] >= 'A' && out[k] <= 'Z') {
				out[k] = (uint8_t)(out[k] - 'A' + 'a');
			}
		}
	}
	n = qend;
	if (r && r->kind == K_SERVFAIL) {
		rcode = 2;
	} else if (r && r->kind == K_REFUSED) {
		rcode = 5;
	} else if (r && r->kind == K_TC && !tcp && qtype == 15) {
		tc = true;
	} else if (r && (q[2] & 1) == 0) {
		/* RD=0 to a resolver (proptrack's question for the zone's NS set it holds): an
		 * empty answer, a cache without it, so the sweep stays one question per resolver */
	} else if (qtype == 15) {
		if (r && r->kind == K_OLD) {
			n += put_rr(out + n, 15, ttl, rd, mx_rdata(rd, 10, OLD1));
			an = 1;
		} else {
			n += put_rr(out + n, 15, ttl, rd, mx_rdata(rd, 10, NEW1));
			n += put_rr(out + n, 15, ttl, rd, mx_rdata(rd, 20, NEW2));
			an = 2;
		}
	} else if (qtype == 2) {
		n += put_rr(out + n, 2, ttl, rd, put_name(rd, "ns1." ZONE));
		an = 1;
	} else if (qtype == 6 || qtype != 0) {
		/* SOA for SOA questions; in the authority section for NODATA */
		size_t k = put_name(rd, "ns1." ZONE);

		k += put_name(rd + k, "hostmaster." ZONE);
		k += put32(rd + k, 2024010101);
		k += put32(rd + k, 3600);
		k += put32(rd + k, 600);
		k += put32(rd + k, 86400);
		k += put32(rd + k, 300);
		n += put_rr(out + n, 6, 3600, rd, k);
		if (qtype == 6) {
			an = 1;
		} else {
			ns = 1;
		}
	}
	flags = 0x8000 | (q[2] & 0x79) << 8 | 0x80; /* QR, opcode and RD copied, RA */
	if (!r) {
		flags |= 0x0400; /* AA */
		flags &= ~0x80u;
	}
	if (tc) {
		flags |= 0x0200;
	}
	flags |= rcode;
	put16(out + 2, flags);
	put16(out + 6, an);
	put16(out + 8, ns);
	put16(out + 10, 0);
	return n;
}

static struct pending *pending_new(void)
{
	struct pending *p = free_list;

	if (p) {
		free_list = p->next;
		return p;
	}
	return malloc(sizeof(*p));
}

static uint64_t last; /* the next ring slot to send */

/* Reply @p delay_ms after the query arrived (at @p arrived_ms). */
static void schedule(struct pending *p, uint64_t arrived_ms, unsigned delay_ms)
{
	uint64_t at = arrived_ms + delay_ms;

	if (at < last) {
		at = last; /* this millisecond's slot was sent already: the next one */
	}
	struct pending **slot = &ring[at % RING_MS];

	p->due_ms = at;
	p->next = *slot;
	*slot = p;
}

static uint64_t max_of(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void note_lag(uint64_t lag_us)
{
	behind_all.lag_max_us = max_of(behind_all.lag_max_us, lag_us);
	behind_window.lag_max_us = max_of(behind_window.lag_max_us, lag_us);
}

static void note_sent(const struct pending *p, uint64_t now)
{
	if (now > p->due_ms + LATE_MS) {
		behind_all.late++;
		behind_window.late++;
		behind_all.late_max_ms = max_of(behind_all.late_max_ms, now - p->due_ms);
		behind_window.late_max_ms = max_of(behind_window.late_max_ms, now - p->due_ms);
	}
}

/* The monotonic millisecond a datagram arrived, from its SCM_TIMESTAMPNS (@p real_ns and
 * @p mono_ms: the clocks read after the batch came in); @p mono_ms when it has none. */
static uint64_t arrival_ms(struct msghdr *h, uint64_t real_ns, uint64_t mono_ms)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			uint64_t rx;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			rx = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
			if (rx <= real_ns && (real_ns - rx) / 1000000 < mono_ms) {
				note_lag((real_ns - rx) / 1000);
				return mono_ms - (real_ns - rx) / 1000000;
			}
		}
	}
	return mono_ms;
}

/* Read one batch of queries. @return how many came (0: the socket is empty). */
static int on_udp(int fd)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	uint8_t bufs[BATCH][MAXQ];
	char ctl[BATCH][64];
	struct timespec rt;
	uint64_t real_ns, mono_ms;
	int n;

	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = MAXQ;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		msgs[i].msg_hdr.msg_control = ctl[i];
		msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
	}
	n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
	clock_gettime(CLOCK_REALTIME, &rt);
	real_ns = (uint64_t)rt.tv_sec * 1000000000 + (uint64_t)rt.tv_nsec;
	mono_ms = now_ms();
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &msgs[i].msg_hdr;
		struct in_addr dst = { 0 };
		uint32_t ix;
		struct res *r;
		struct pending *p;

		for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				dst = pi.ipi_addr;
			}
		}
		ix = index_of(ntohl(dst.s_addr));
		if (ix == UINT32_MAX - 1 || (ntohl(from[i].sin_addr.s_addr) >> 24) != 127) {
			continue;
		}
		r = ix == UINT32_MAX ? NULL : &fleet[ix];
		p = pending_new();
		if (!p) {
			continue;
		}
		p->len = (uint16_t)make_reply(p->buf, bufs[i], msgs[i].msg_len, r, false);
		if (p->len == 0) {
			p->next = free_list;
			free_list = p;
			continue;
		}
		total_queries++;
		last_q_ms = mono_ms;
		first_q_ms = first_q_ms ? first_q_ms : last_q_ms;
		p->fd = -1;
		p->res = ix;
		p->peer = from[i];
		p->src = dst;
		if (r) {
			count_query(r, bufs[i], msgs[i].msg_len, false);
			if (++r->outstanding > r->max_outstanding) {
				r->max_outstanding = r->outstanding;
			}
		}
		/* the NS question is a cache hit: no recursion delay */
		schedule(p, arrival_ms(h, real_ns, mono_ms),
			 !r || ((p->buf[2] & 1) == 0) ? 0 : r->delay_ms);
	}
	return n > 0 ? n : 0;
}

/* Replies due now, sent in sendmmsg() batches, each from the address it was asked at. */
static struct pending *outq[BATCH];
static int noutq;

static void flush_udp(int fd)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	char ctl[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	int done = 0;

	memset(m, 0, sizeof(m));
	memset(ctl, 0, sizeof(ctl));
	for (int i = 0; i < noutq; i++) {
		struct pending *p = outq[i];
		struct cmsghdr *c;
		struct in_pktinfo pi;

		iov[i].iov_base = p->buf;
		iov[i].iov_len = p->len;
		m[i].msg_hdr.msg_name = &p->peer;
		m[i].msg_hdr.msg_namelen = sizeof(p->peer);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_control = ctl[i];
		m[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		c = CMSG_FIRSTHDR(&m[i].msg_hdr);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = p->src;
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	for (int tries = 0; done < noutq && tries < 1000; tries++) {
		int k = sendmmsg(fd, m + done, (unsigned)(noutq - done), 0);

		if (k > 0) {
			done += k;
		} else if (k < 0 && errno != EAGAIN && errno != ENOBUFS) {
			done++; /* this one cannot go: the next may */
		} else {
			usleep(100);
		}
	}
	for (int i = 0; i < noutq; i++) {
		outq[i]->next = free_list;
		free_list = outq[i];
	}
	noutq = 0;
}

static void send_udp(int fd, struct pending *p)
{
	outq[noutq++] = p;
	if (noutq == BATCH) {
		flush_udp(fd);
	}
}

/* A TCP connection: one query, one reply, then close. */
struct conn {
	int fd;
	uint32_t res;
	size_t got;
	uint8_t buf[2 + MAXQ];
};

static void on_tcp_data(int ep, struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->got, sizeof(c->buf) - c->got, MSG_DONTWAIT);
	size_t want;

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN) {
			return;
		}
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		free(c);
		return;
	}
	c->got += (size_t)n;
	if (c->got < 2) {
		return;
	}
	want = (size_t)c->buf[0] << 8 | c->buf[1];
	if (want > MAXQ) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		free(c);
		return;
	}
	if (c->got < want + 2) {
		return;
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	struct res *r = c->res == UINT32_MAX ? NULL : &fleet[c->res];
	struct pending *p = pending_new();

	if (p) {
		p->len = (uint16_t)make_reply(p->buf + 2, c->buf + 2, want, r, true);
		if (p->len) {
			put16(p->buf, p->len);
			p->len += 2;
			p->fd = c->fd;
			p->res = c->res;
			total_queries++;
			if (r) {
				count_query(r, c->buf + 2, want, true);
				r->outstanding++;
			}
			schedule(p, now_ms(), r ? r->tcp_delay_ms : 0);
			free(c);
			return;
		}
		free(p);
	}
	close(c->fd);
	free(c);
}

/*
 * The queries by resolver kind and question (mean and most per resolver), and
 * "poll_excess N": the answering resolvers (new or old answer) asked their MX over UDP again
 * before the TTL of the last poll ran out, later than a retry would come (RETRY_MS; under a
 * load that delays the client's timers a late retry looks the same: see run.sh);
 * "poll_retried N": those asked again within RETRY_MS (the client's retry of a reply lost to a
 * full socket buffer); "steady_max M": the most queries of any kind one answering resolver
 * got since SIGUSR1.
 */
static void write_breakdown(FILE *f)
{
	unsigned excess = 0, steady = 0, retried = 0;

	for (unsigned k = 0; k <= K_TC; k++) {
		uint64_t sum[Q_KINDS] = { 0 };
		unsigned most[Q_KINDS] = { 0 }, n = 0;

		for (uint32_t i = 0; i < count; i++) {
			const struct res *r = &fleet[i];

			if (r->kind != k) {
				continue;
			}
			n++;
			for (unsigned q = 0; q < Q_KINDS; q++) {
				sum[q] += r->by[q];
				most[q] = r->by[q] > most[q] ? r->by[q] : most[q];
			}
			if ((k == K_NEW || k == K_OLD) && r->marked != 0 &&
			    r->queries - (r->marked & 0x7fffffffu) > steady) {
				steady = r->queries - (r->marked & 0x7fffffffu);
			}
			if ((k == K_NEW || k == K_OLD) && r->early > 0) {
				excess++;
			}
			if ((k == K_NEW || k == K_OLD) && r->retries > 0) {
				retried++;
			}
		}
		fprintf(f, "kind %s resolvers %u", kind_names[k], n);
		for (unsigned q = 0; q < Q_KINDS; q++) {
			fprintf(f, " %s %.2f/%u", q_names[q], n ? (double)sum[q] / n : 0.0, most[q]);
		}
		fputc('\n', f);
	}
	fprintf(f, "poll_excess %u\npoll_retried %u\nsteady_max %u\n", excess, retried, steady);
}

/* "queries N" so far, and how far the fleet fell behind since the last call, to @p stats
 * ".count" (a reader sees it whole: renamed into place). */
static void write_count(const char *stats)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s.count", stats);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL) {
		return;
	}
	fprintf(f, "queries %llu\nread_lag_max_us %llu\nlate_replies %llu\nlate_max_ms %llu\n",
		(unsigned long long)total_queries, (unsigned long long)behind_window.lag_max_us,
		(unsigned long long)behind_window.late, (unsigned long long)behind_window.late_max_ms);
	memset(&behind_window, 0, sizeof(behind_window));
	if (fclose(f) == 0) {
		rename(tmp, path);
	}
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		mark = 1;
	} else if (sig == SIGUSR2) {
		dump = 1;
	} else {
		stop = 1;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: fleet --count N [--seed S] [--port P] [--truth FILE] [--list FILE] "
			"[--ready FILE] [--ttl-min S] [--ttl-max S] [--delay-min MS] "
			"[--delay-max MS] [--stats FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *truth = NULL, *list = NULL, *ready = NULL, *stats = NULL;
	uint64_t seed = 1;
	unsigned ttl_min = 300, ttl_max = 3600, dmin = 10, dmax = 300;
	unsigned floor_ms = 0;
	int one = 1, udp, tcp, ep;
	int buf = 64 << 20;
	struct sockaddr_in sa;
	struct sigaction sig;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			usage();
		}
		i++;
		if (!strcmp(a, "--count")) {
			count = (uint32_t)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--seed")) {
			seed = strtoull(v, NULL, 10);
		} else if (!strcmp(a, "--port")) {
			port = (uint16_t)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--truth")) {
			truth = v;
		} else if (!strcmp(a, "--list")) {
			list = v;
		} else if (!strcmp(a, "--ready")) {
			ready = v;
		} else if (!strcmp(a, "--stats")) {
			stats = v;
		} else if (!strcmp(a, "--ttl-min")) {
			ttl_min = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--ttl-max")) {
			ttl_max = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--delay-min")) {
			dmin = (unsigned)strtoul(v, NULL, 10);
		} else if (!strcmp(a, "--delay-max")) {
			dmax = (unsigned)strtoul(v, NULL, 10);
		} else {
			usage();
		}
	}
	if (count == 0 || count > 62500 * 200 || ttl_max < ttl_min || dmax < dmin ||
	    2 * dmax >= RING_MS) {
		usage();
	}
	fleet = calloc(count, sizeof(*fleet));
	if (!fleet) {
		return 1;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint64_t h = mix(seed * 0x100000001b3ULL ^ i);
		unsigned pick = (unsigned)(h % 1000);
		struct res *r = &fleet[i];

		r->delay_ms = (uint16_t)(dmin + (mix(h) % (dmax - dmin + 1)));
		r->tcp_delay_ms = (uint16_t)(dmin + (mix(h + 1) % (dmax - dmin + 1)));
		r->ttl = ttl_min + (uint32_t)(mix(h + 2) % (ttl_max - ttl_min + 1));
		r->kind = pick < 10 ? K_SERVFAIL : pick < 20 ? K_REFUSED : pick < 30 ? K_TC : pick < 180 ? K_OLD : K_NEW;
		r->lower = mix(h + 3) % 100 < 3;
		unsigned done = r->delay_ms + (r->kind == K_TC ? r->tcp_delay_ms : 0);

		floor_ms = done > floor_ms ? done : floor_ms;
	}
	/* one socket for every address: the wildcard, inside the bench's own namespace */
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (udp < 0 || tcp < 0) {
		perror("fleet: socket");
		return 1;
	}
	setsockopt(udp, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	setsockopt(udp, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)); /* arrival times */
	/* DF on the replies, as DNS Flag Day 2020 asks of servers (none comes near the MTU); the
	 * kernel then skips the IP ID hash of every datagram, 4% of the fleet's CPU */
	int pmtu = IP_PMTUDISC_PROBE;

	setsockopt(udp, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	if (setsockopt(udp, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) != 0) {
		setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	if (setsockopt(udp, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) != 0) {
		setsockopt(udp, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	}
	setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(udp, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    bind(tcp, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(tcp, 4096) != 0) {
		perror("fleet: bind");
		return 1;
	}
	if (list) {
		FILE *f = fopen(list, "w");

		if (!f) {
			perror(list);
			return 1;
		}
		for (uint32_t i = 0; i < count; i++) {
			struct in_addr a = { htonl(addr_of(i)) };

			fprintf(f, "%s:%u\n", inet_ntoa(a), port);
		}
		fclose(f);
	}
	if (truth) {
		FILE *f = fopen(truth, "w");

		if (!f) {
			perror(truth);
			return 1;
		}
		fprintf(f, "# floor_ms %u\n", floor_ms);
		for (uint32_t i = 0; i < count; i++) {
			struct in_addr a = { htonl(addr_of(i)) };
			const struct res *r = &fleet[i];
			const char *k = r->kind == K_SERVFAIL  ? "SERVFAIL\t-"
					: r->kind == K_REFUSED ? "REFUSED\t-"
					: r->kind == K_OLD     ? "NOERROR\t10 " OLD1 "."
							       : "NOERROR\t10 " NEW1 ". | 20 " NEW2 ".";

			fprintf(f, "%s\t%u\t%s\t%u\n", inet_ntoa(a), port, k, r->ttl);
		}
		fclose(f);
	}
	memset(&sig, 0, sizeof(sig));
	sig.sa_handler = on_signal;
	sigaction(SIGTERM, &sig, NULL);
	sigaction(SIGINT, &sig, NULL);
	sigaction(SIGUSR1, &sig, NULL);
	sigaction(SIGUSR2, &sig, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	epoll_ctl(ep, EPOLL_CTL_ADD, udp, &ev);
	ev.data.ptr = &tcp;
	epoll_ctl(ep, EPOLL_CTL_ADD, tcp, &ev);
	if (ready) {
		close(open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	}
	start_ms = last = now_ms();
	while (!stop) {
		struct epoll_event evs[64];

		if (mark) {
			mark = 0;
			for (uint32_t i = 0; i < count; i++) {
				fleet[i].marked = fleet[i].queries | 0x80000000u;
			}
		}
		if (dump && stats) {
			dump = 0;
			write_count(stats);
		}
		int n = epoll_wait(ep, evs, 64, 1);
		uint64_t now;

		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				/* a few batches, then the replies due; the socket stays readable */
				for (int b = 0; b < READS && on_udp(udp) == BATCH; b++) {
				}
			} else if (evs[i].data.ptr == &tcp) {
				struct sockaddr_in from;
				socklen_t fl = sizeof(from);
				int c = accept4(tcp, (struct sockaddr *)&from, &fl,
						SOCK_NONBLOCK | SOCK_CLOEXEC);
				struct sockaddr_in local;
				socklen_t ll = sizeof(local);
				struct conn *cn;
				uint32_t ix;

				if (c < 0) {
					continue;
				}
				getsockname(c, (struct sockaddr *)&local, &ll);
				ix = index_of(ntohl(local.sin_addr.s_addr));
				cn = calloc(1, sizeof(*cn));
				if (ix == UINT32_MAX - 1 || !cn) {
					free(cn);
					close(c);
					continue;
				}
				cn->fd = c;
				cn->res = ix;
				struct epoll_event cev = { .events = EPOLLIN, .data.ptr = cn };

				epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
			} else {
				on_tcp_data(ep, evs[i].data.ptr);
			}
		}
		/* send what became due, slot by slot up to now */
		now = now_ms();
		for (; last <= now; last++) {
			struct pending *p = ring[last % RING_MS];

			ring[last % RING_MS] = NULL;
			while (p) {
				struct pending *next = p->next;

				note_sent(p, now);
				if (p->fd < 0) {
					send_udp(udp, p);
				} else {
					if (send(p->fd, p->buf, p->len, MSG_NOSIGNAL) < 0) {
						/* the client gave up */
					}
					close(p->fd);
				}
				if (p->res != UINT32_MAX && fleet[p->res].outstanding > 0) {
					fleet[p->res].outstanding--;
				}
				if (p->fd >= 0) {
					p->next = free_list;
					free_list = p;
				}
				p = next;
			}
		}
		flush_udp(udp);
	}
	if (stats) {
		FILE *f = fopen(stats, "w");
		unsigned maxo = 0;
		uint32_t maxq = 0;

		for (uint32_t i = 0; f && i < count; i++) {
			maxo = fleet[i].max_outstanding > maxo ? fleet[i].max_outstanding : maxo;
			maxq = fleet[i].queries > maxq ? fleet[i].queries : maxq;
		}
		if (f) {
			fprintf(f,
				"queries %llu\nmax_outstanding %u\nmax_queries_per_resolver %u\n"
				"udp_query_span_ms %llu\nread_lag_max_us %llu\nlate_replies %llu\n"
				"late_max_ms %llu\n",
				(unsigned long long)total_queries, maxo, maxq,
				(unsigned long long)(last_q_ms - first_q_ms),
				(unsigned long long)behind_all.lag_max_us,
				(unsigned long long)behind_all.late,
				(unsigned long long)behind_all.late_max_ms);
			write_breakdown(f);
			fclose(f);
		}
	}
	return 0;
}
