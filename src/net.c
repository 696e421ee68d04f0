#include "net.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pt_status pt_net_submit(const struct pt_net *net, const struct pt_request *req, pt_reply_fn fn,
			     void *ctx)
{
	return net->submit(net->impl, req, fn, ctx);
}

void pt_request_init(struct pt_request *q, const void *sa, socklen_t salen, const char *qname,
		     uint16_t qtype, unsigned opts)
{
	memset(q, 0, sizeof(*q));
	/* a length past the storage is kept, and refused by the engine as no address */
	memcpy(&q->sa, sa, salen <= sizeof(q->sa) ? salen : 0);
	q->salen = salen;
	q->qname = qname;
	q->qtype = qtype;
	q->opts = opts;
}

const char *pt_net_strerror(int err, char *buf, size_t size)
{
	switch (err) {
	case PT_NETERR_TLS_UNTRUSTED:
		return "TLS: certificate not trusted (no chain to a trusted CA)";
	case PT_NETERR_TLS_NAME:
		return "TLS: certificate name mismatch";
	case PT_NETERR_TLS_EXPIRED:
		return "TLS: certificate expired or not yet valid";
	case PT_NETERR_TLS_HANDSHAKE:
		return "TLS: handshake failed";
	case PT_NETERR_CA_FILE:
		return "TLS: cannot read the CA file";
	case PT_NETERR_HTTP:
		return "HTTPS: the HTTP exchange failed";
	case PT_NETERR_HTTP_TYPE:
		return "HTTPS: the reply is not application/dns-message";
	case PT_NETERR_RESOLVE:
		return "HTTPS: cannot resolve the server's host name";
	default:
		break;
	}
	if (err > PT_NETERR_HTTP_STATUS && err < PT_NETERR_HTTP_STATUS + 1000) {
		snprintf(buf, size, "HTTPS: HTTP status %d", err - PT_NETERR_HTTP_STATUS);
		return buf;
	}
	return strerror(err);
}

void pt_request_use_resolver(struct pt_request *q, const struct pt_resolver *r)
{
	memset(&q->sa, 0, sizeof(q->sa));
	memcpy(&q->sa, &r->sa, r->salen <= sizeof(r->sa) ? r->salen : 0);
	q->salen = r->salen;
	q->transport = r->transport;
	q->endpoint = r->transport == PT_TRANSPORT_UDP ? NULL : r->endpoint ? r->endpoint : "";
}

/* A run of requests (pt_net_run(), pt_net_run_polite()): the replies come in through @ref fin
 * and are handled by the caller's thread (callbacks never call into the network). */
struct run {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t *fin; /* indices of replies in, not handled yet */
	size_t nfin;
	struct pt_reply *out;
};

struct run_item {
	struct run *run;
	size_t index;
};

static void run_done(void *ctx, const struct pt_request *req, struct pt_reply *reply)
{
	struct run_item *item = ctx;
	struct run *run = item->run;

	(void)req;
	/* move: the answer now belongs to out[], so the caller's pt_reply_fini frees nothing */
	run->out[item->index] = *reply;
	memset(&reply->answer, 0, sizeof(reply->answer));
	pthread_mutex_lock(&run->lock);
	run->fin[run->nfin++] = item->index;
	pthread_cond_signal(&run->cond);
	/* run may be gone once the lock is released: touch nothing after this */
	pthread_mutex_unlock(&run->lock);
}

static bool same_server(const struct pt_request *a, const struct pt_request *b)
{
	return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0;
}

/* Send @p reqs and wait for every reply. With @p polite, each server's requests go one after
 * the other (a chain per server), and after a timeout its later ones are not sent. */
static enum pt_status run(const struct pt_net *net, const struct pt_request *reqs, size_t n,
			  struct pt_reply *out, bool polite)
{
	struct run r = { .out = out };
	size_t *next = calloc(n, sizeof(*next));
	bool *later = calloc(n, sizeof(*later));
	struct run_item *items = calloc(n, sizeof(*items));
	size_t out_now = 0;
	enum pt_status st = PT_OK;

	r.fin = calloc(n, sizeof(*r.fin));
	if (next == NULL || later == NULL || items == NULL || r.fin == NULL) {
		free(next);
		free(later);
		free(items);
		free(r.fin);
		return PT_ERR_NOMEM;
	}
	memset(out, 0, n * sizeof(*out));
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.cond, NULL);
	/* each server's requests in order: next[i] is the one after i (n: none) */
	for (size_t i = 0; i < n; i++) {
		next[i] = n;
		for (size_t j = i + 1; polite && j < n && next[i] == n; j++) {
			next[i] = same_server(&reqs[i], &reqs[j]) ? j : n;
		}
		if (next[i] < n) {
			later[next[i]] = true;
		}
		items[i] = (struct run_item){ &r, i };
	}
	/* the first of every chain at once; a failed submit ends the run */
	for (size_t i = 0; i < n && st == PT_OK; i++) {
		if (!later[i] &&
		    (st = pt_net_submit(net, &reqs[i], run_done, &items[i])) == PT_OK) {
			out_now++;
		}
	}
	pthread_mutex_lock(&r.lock);
	while (out_now > 0) {
		while (r.nfin == 0) {
			pthread_cond_wait(&r.cond, &r.lock);
		}
		size_t i = r.fin[--r.nfin];

		pthread_mutex_unlock(&r.lock);
		out_now--;
		/* the next to that server once this one is back; after a timeout (every try
		 * unanswered) the rest are timeouts, unsent: a silent server would hold each
		 * of them for the whole timeout */
		for (size_t j = next[i]; j < n && st == PT_OK; j = next[j]) {
			if (out[i].result == PT_REPLY_TIMEOUT) {
				out[j].result = PT_REPLY_TIMEOUT;
			} else if ((st = pt_net_submit(net, &reqs[j], run_done, &items[j])) ==
				   PT_OK) {
				out_now++;
				break;
			}
		}
		pthread_mutex_lock(&r.lock);
	}
	pthread_mutex_unlock(&r.lock);
	pthread_cond_destroy(&r.cond);
	pthread_mutex_destroy(&r.lock);
	free(next);
	free(later);
	free(items);
	free(r.fin);
	if (st != PT_OK) {
		/* all or nothing: the caller gets no partial results to release */
		for (size_t i = 0; i < n; i++) {
			pt_reply_fini(&out[i]);
		}
	}
	return st;
}

enum pt_status pt_net_run(const struct pt_net *net, const struct pt_request *reqs, size_t n,
			  struct pt_reply *out)
{
	return n == 0 ? PT_OK : run(net, reqs, n, out, false);
}

enum pt_status pt_net_run_polite(const struct pt_net *net, const struct pt_request *reqs, size_t n,
				 struct pt_reply *out)
{
	return n == 0 ? PT_OK : run(net, reqs, n, out, true);
}
