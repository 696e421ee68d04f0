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

/* pt_net_run(): one shared record, and one context per request giving its index. */
struct run {
	pthread_mutex_t lock; /* guards remaining */
	pthread_cond_t done;
	size_t remaining;
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
	if (--run->remaining == 0) {
		pthread_cond_signal(&run->done);
	}
	/* run may be gone once the lock is released: touch nothing after this */
	pthread_mutex_unlock(&run->lock);
}

enum pt_status pt_net_run(const struct pt_net *net, const struct pt_request *reqs, size_t n,
			  struct pt_reply *out)
{
	struct run run;
	struct run_item *items;
	enum pt_status st = PT_OK;
	size_t i;

	if (n == 0) {
		return PT_OK;
	}
	items = calloc(n, sizeof(*items));
	if (items == NULL) {
		return PT_ERR_NOMEM;
	}
	memset(out, 0, n * sizeof(*out));
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.done, NULL);
	run.remaining = n;
	run.out = out;
	for (i = 0; i < n; i++) {
		items[i].run = &run;
		items[i].index = i;
		st = pt_net_submit(net, &reqs[i], run_done, &items[i]);
		if (st != PT_OK) {
			break;
		}
	}
	pthread_mutex_lock(&run.lock);
	run.remaining -= n - i; /* the ones never submitted */
	while (run.remaining > 0) {
		pthread_cond_wait(&run.done, &run.lock);
	}
	pthread_mutex_unlock(&run.lock);
	pthread_cond_destroy(&run.done);
	pthread_mutex_destroy(&run.lock);
	free(items);
	if (st != PT_OK) {
		/* all or nothing: the caller gets no partial results to release */
		for (i = 0; i < n; i++) {
			pt_reply_fini(&out[i]);
		}
	}
	return st;
}

/* pt_net_run_polite(): the replies come in through @ref fin, handled by the caller's thread
 * (callbacks never call into the network). */
struct polite {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t *fin; /* indices of replies in, not handled yet */
	size_t nfin;
	struct pt_reply *out;
};

struct polite_item {
	struct polite *p;
	size_t index;
};

static void polite_done(void *ctx, const struct pt_request *req, struct pt_reply *reply)
{
	struct polite_item *item = ctx;
	struct polite *p = item->p;

	(void)req;
	p->out[item->index] = *reply;
	memset(&reply->answer, 0, sizeof(reply->answer));
	pthread_mutex_lock(&p->lock);
	p->fin[p->nfin++] = item->index;
	pthread_cond_signal(&p->cond);
	/* p may be gone once the lock is released: touch nothing after this */
	pthread_mutex_unlock(&p->lock);
}

static bool same_server(const struct pt_request *a, const struct pt_request *b)
{
	return a->salen == b->salen && memcmp(&a->sa, &b->sa, a->salen) == 0;
}

enum pt_status pt_net_run_polite(const struct pt_net *net, const struct pt_request *reqs, size_t n,
				 struct pt_reply *out)
{
	struct polite p = { .out = out };
	size_t *next = calloc(n + 1, sizeof(*next));
	struct polite_item *items = calloc(n + 1, sizeof(*items));
	size_t out_now = 0;
	enum pt_status st = PT_OK;

	p.fin = calloc(n + 1, sizeof(*p.fin));
	if (next == NULL || items == NULL || p.fin == NULL) {
		free(next);
		free(items);
		free(p.fin);
		return PT_ERR_NOMEM;
	}
	memset(out, 0, n * sizeof(*out));
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	/* each server's requests in order: next[i] is the one after i (n: none) */
	for (size_t i = 0; i < n; i++) {
		next[i] = n;
		for (size_t j = i + 1; j < n && next[i] == n; j++) {
			next[i] = same_server(&reqs[i], &reqs[j]) ? j : n;
		}
		items[i] = (struct polite_item){ &p, i };
	}
	/* the first of every server's chain at once; a failed submit ends the run */
	for (size_t i = 0; i < n && st == PT_OK; i++) {
		bool first = true;

		for (size_t k = 0; k < i && first; k++) {
			first = !same_server(&reqs[k], &reqs[i]);
		}
		if (first && (st = pt_net_submit(net, &reqs[i], polite_done, &items[i])) == PT_OK) {
			out_now++;
		}
	}
	pthread_mutex_lock(&p.lock);
	while (out_now > 0) {
		while (p.nfin == 0) {
			pthread_cond_wait(&p.cond, &p.lock);
		}
		size_t i = p.fin[--p.nfin];

		pthread_mutex_unlock(&p.lock);
		out_now--;
		/* the next to that server once this one is back; after a timeout (every try
		 * unanswered) the rest are timeouts, unsent: a silent server would hold each
		 * of them for the whole timeout */
		for (size_t j = next[i]; j < n && st == PT_OK; j = next[j]) {
			if (out[i].result == PT_REPLY_TIMEOUT) {
				out[j].result = PT_REPLY_TIMEOUT;
			} else if ((st = pt_net_submit(net, &reqs[j], polite_done, &items[j])) ==
				   PT_OK) {
				out_now++;
				break;
			}
		}
		pthread_mutex_lock(&p.lock);
	}
	pthread_mutex_unlock(&p.lock);
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
	free(next);
	free(items);
	free(p.fin);
	if (st != PT_OK) {
		/* all or nothing, as pt_net_run() */
		for (size_t i = 0; i < n; i++) {
			pt_reply_fini(&out[i]);
		}
	}
	return st;
}
