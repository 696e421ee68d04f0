/*
 * A scripted network for unit tests (tests only): struct pt_net whose replies come from a
 * table of (server address, question name, type, with CD or not) -> answer, given at once
 * inside submit(); anything not in the table times out. Every query is recorded. Used by
 * tests/test_truth.c and tests/test_watch.c; no socket is ever opened.
 */
#ifndef PT_FAKE_NET_H
#define PT_FAKE_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "net.h"

#define FAKE_MAX 128

/* One scripted reply. */
struct fake_rule {
	char server[64];
	char qname[256];
	uint16_t qtype;
	/* 1: only with CD, 0: only without, -1: either */
	int cd;
	enum pt_reply_result result;
	enum pt_answer_kind kind;
	int rcode;
	unsigned flags;
	const char *rdata[8];
	const char *cnames[4];
	/* PT_ANSWER_REFERRAL: rdata are the NS names, glue "NAME ADDRESS", ttl the NS TTL; the
	 * delegated zone is zone, else the question's name */
	const char *glue[8];
	const char *zone;
	uint32_t serial;
	uint32_t ttl;
};

/* One recorded query. */
struct fake_query {
	char server[64];
	char qname[256];
	uint16_t qtype;
	unsigned opts;
	uint64_t tag;
	pt_reply_fn fn;
	void *ctx;
	bool answered;
};

struct fake_net {
	pthread_mutex_t lock;
	struct fake_rule rules[FAKE_MAX];
	size_t nrules;
	struct fake_query queries[4 * FAKE_MAX];
	size_t nqueries;
	/* false: record only; the test answers with fake_deliver() */
	bool answer;
};

static inline void fake_init(struct fake_net *f, bool answer)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->answer = answer;
}

static inline void fake_fini(struct fake_net *f)
{
	pthread_mutex_destroy(&f->lock);
}

static inline void fake_addr(const struct sockaddr_storage *sa, char *buf, size_t size)
{
	if (sa->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)size);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
			  (socklen_t)size);
	}
}

/* Add a rule; returns it for the caller to fill in further. */
static inline struct fake_rule *fake_rule(struct fake_net *f, const char *server,
					  const char *qname, uint16_t qtype)
{
	struct fake_rule *r = &f->rules[f->nrules++];

	memset(r, 0, sizeof(*r));
	snprintf(r->server, sizeof(r->server), "%s", server);
	snprintf(r->qname, sizeof(r->qname), "%s", qname);
	r->qtype = qtype;
	r->cd = -1;
	r->result = PT_REPLY_OK;
	r->kind = PT_ANSWER_DATA;
	return r;
}

static inline char **fake_strv(const char *const *v, size_t *n)
{
	char **out;

	for (*n = 0; v[*n] != NULL; (*n)++) {
	}
	if (*n == 0) {
		return NULL;
	}
	out = calloc(*n, sizeof(char *));
	for (size_t i = 0; i < *n; i++) {
		out[i] = strdup(v[i]);
	}
	return out;
}

/* The reply a rule gives (caller releases with pt_reply_fini()). */
static inline void fake_reply(const struct fake_rule *r, struct pt_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->tries = 1;
	rep->rtt_ms = 1.0;
	rep->result = r != NULL ? r->result : PT_REPLY_TIMEOUT;
	if (r == NULL || r->result != PT_REPLY_OK) {
		return;
	}
	rep->answer.kind = r->kind;
	rep->answer.rcode = r->rcode;
	rep->answer.flags = r->flags;
	if (r->kind != PT_ANSWER_REFERRAL) {
		rep->answer.rdata = fake_strv(r->rdata, &rep->answer.count);
	}
	rep->answer.cnames = fake_strv(r->cnames, &rep->answer.ncnames);
	if (r->kind == PT_ANSWER_REFERRAL) {
		rep->answer.referral_ns = fake_strv(r->rdata, &rep->answer.nreferral_ns);
		rep->answer.referral_zone = strdup(r->zone != NULL ? r->zone : r->qname);
		rep->answer.referral_ttl = r->ttl;
		rep->answer.glue = fake_strv(r->glue, &rep->answer.nglue);
	}
	rep->answer.ttl = r->ttl;
	rep->answer.has_ttl = r->ttl > 0;
	rep->answer.ede = -1;
	if (r->zone != NULL && r->kind != PT_ANSWER_REFERRAL) {
		rep->answer.zone = strdup(r->zone);
		rep->answer.serial = r->serial;
		rep->answer.has_serial = true;
	}
}

static inline const struct fake_rule *fake_find(struct fake_net *f, const char *server,
						const char *qname, uint16_t qtype, unsigned opts)
{
	for (size_t i = 0; i < f->nrules; i++) {
		const struct fake_rule *r = &f->rules[i];
		bool cd = (opts & PT_FLAG_CD) != 0;

		if (strcmp(r->server, server) == 0 && strcasecmp(r->qname, qname) == 0 &&
		    r->qtype == qtype && (r->cd < 0 || r->cd == (int)cd)) {
			return r;
		}
	}
	return NULL;
}

static inline enum pt_status fake_submit(void *impl, const struct pt_request *req,
					 pt_reply_fn fn, void *ctx)
{
	struct fake_net *f = impl;
	struct fake_query *q;
	struct pt_reply rep;
	bool answer;

	pthread_mutex_lock(&f->lock);
	q = &f->queries[f->nqueries++ % (4 * FAKE_MAX)];
	fake_addr(&req->sa, q->server, sizeof(q->server));
	snprintf(q->qname, sizeof(q->qname), "%s", req->qname);
	q->qtype = req->qtype;
	q->opts = req->opts;
	q->tag = req->tag;
	q->fn = fn;
	q->ctx = ctx;
	answer = f->answer;
	q->answered = answer;
	const struct fake_rule *r = fake_find(f, q->server, q->qname, q->qtype, q->opts);
	pthread_mutex_unlock(&f->lock);
	if (answer) {
		struct pt_request copy = *req;

		fake_reply(r, &rep);
		fn(ctx, &copy, &rep);
		pt_reply_fini(&rep);
	}
	return PT_OK;
}

static inline struct pt_net fake_net(struct fake_net *f)
{
	return (struct pt_net){ .submit = fake_submit, .impl = f };
}

/* How many queries went to @p server (NULL: any) for @p qtype (0: any). */
static inline size_t fake_count(struct fake_net *f, const char *server, uint16_t qtype)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nqueries && i < 4 * FAKE_MAX; i++) {
		n += (server == NULL || strcmp(f->queries[i].server, server) == 0) &&
		     (qtype == 0 || f->queries[i].qtype == qtype);
	}
	return n;
}

/* Answer recorded query @p i (record-only mode) with @p rep at time @p now. */
static inline void fake_deliver(struct fake_net *f, size_t i, struct pt_reply *rep)
{
	struct fake_query *q = &f->queries[i];
	struct pt_request req;

	memset(&req, 0, sizeof(req));
	req.qname = q->qname;
	req.qtype = q->qtype;
	req.opts = q->opts;
	req.tag = q->tag;
	q->answered = true;
	q->fn(q->ctx, &req, rep);
}

#endif /* PT_FAKE_NET_H */
