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
