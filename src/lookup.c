#include "lookup.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "share.h"

struct request {
	uint64_t id;
	char *text;
	size_t len;
};

struct pt_lookup {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* queued requests, oldest first, from @ref head */
	struct request *queue;
	size_t head;
	size_t nqueue;
	size_t qcap;
	/* finished, not taken yet */
	struct pt_lookup_result *done;
	size_t ndone;
	size_t dcap;
	/* being resolved by a worker */
	size_t busy;
	/* workers alive; the last one out of an abandoned job frees it */
	unsigned alive;
	bool abandoned;
	int wake_fd;
};

static void destroy(struct pt_lookup *lk)
{
	for (size_t i = lk->head; i < lk->nqueue; i++) {
		free(lk->queue[i].text);
	}
	free(lk->queue);
	free(lk->done);
	pthread_cond_destroy(&lk->cond);
	pthread_mutex_destroy(&lk->lock);
	free(lk);
}

/* Parse one entry with its host name resolved. */
static void resolve(const struct request *rq, struct pt_lookup_result *res)
{
	struct pt_resolvers *list = pt_resolvers_new();
	struct pt_parse_report rep = { 0 };

	memset(res, 0, sizeof(*res));
	res->id = rq->id;
	if (list == NULL ||
	    pt_resolvers_parse(list, rq->text, rq->len, PT_PARSE_RESOLVE_NAMES, &rep) != PT_OK) {
		snprintf(res->reason, sizeof(res->reason), "%s", pt_strerror(PT_ERR_NOMEM));
	} else if (pt_resolvers_count(list) > 0) {
		res->ok = true;
		res->resolver = *pt_resolvers_get(list, pt_resolvers_count(list) - 1);
	} else if (rep.ndiags > 0) {
		snprintf(res->reason, sizeof(res->reason), "%s", rep.diags[rep.ndiags - 1].reason);
	} else {
		snprintf(res->reason, sizeof(res->reason), "no entry in this line");
	}
	pt_parse_report_fini(&rep);
	pt_resolvers_free(list);
}

static void *worker(void *arg)
{
	struct pt_lookup *lk = arg;

	pthread_mutex_lock(&lk->lock);
	for (;;) {
		struct request rq;
		struct pt_lookup_result res;

		while (!lk->abandoned && lk->head == lk->nqueue) {
			pthread_cond_wait(&lk->cond, &lk->lock);
		}
		if (lk->abandoned) {
			break;
		}
		rq = lk->queue[lk->head++];
		lk->busy++;
		pthread_mutex_unlock(&lk->lock);
		resolve(&rq, &res); /* blocks in getaddrinfo(), the lock not held */
		free(rq.text);
		pthread_mutex_lock(&lk->lock);
		lk->busy--;
		if (lk->abandoned) {
			break;
		}
		if (lk->ndone == lk->dcap) {
			size_t cap = lk->dcap ? lk->dcap * 2 : 16;
			struct pt_lookup_result *d = realloc(lk->done, cap * sizeof(*d));

			if (d == NULL) {
				res.ok = false;
				continue; /* the result is lost: it stays "resolving" */
			}
			lk->done = d;
			lk->dcap = cap;
		}
		lk->done[lk->ndone++] = res;
		if (lk->wake_fd >= 0) {
			ssize_t r = write(lk->wake_fd, "", 1);

			(void)r; /* EAGAIN: a byte is pending already */
		}
	}
	bool last = --lk->alive == 0;

	pthread_mutex_unlock(&lk->lock);
	if (last) {
		destroy(lk);
	}
	return NULL;
}

struct pt_lookup *pt_lookup_new(int wake_fd, unsigned threads)
{
	struct pt_lookup *lk = calloc(1, sizeof(*lk));

	if (lk == NULL) {
		return NULL;
	}
	pthread_mutex_init(&lk->lock, NULL);
	pthread_cond_init(&lk->cond, NULL);
	lk->wake_fd = wake_fd;
	threads = threads < 1 ? 1 : threads > 16 ? 16 : threads;
	pthread_mutex_lock(&lk->lock);
	for (unsigned i = 0; i < threads; i++) {
		pthread_t t;
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pt_thread_start(&t, &attr, worker, lk) == 0) {
			lk->alive++;
		}
		pthread_attr_destroy(&attr);
	}
	pthread_mutex_unlock(&lk->lock);
	if (lk->alive == 0) {
		destroy(lk);
		return NULL;
	}
	return lk;
}

enum pt_status pt_lookup_add(struct pt_lookup *lk, uint64_t id, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	enum pt_status st = PT_OK;

	if (copy == NULL) {
		return PT_ERR_NOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&lk->lock);
	if (lk->head > 0 && lk->head == lk->nqueue) {
		lk->head = lk->nqueue = 0; /* drained: start over at the front */
	}
	if (lk->nqueue == lk->qcap) {
		size_t cap = lk->qcap ? lk->qcap * 2 : 16;
		struct request *q = realloc(lk->queue, cap * sizeof(*q));

		if (q == NULL) {
			st = PT_ERR_NOMEM;
		} else {
			lk->queue = q;
			lk->qcap = cap;
		}
	}
	if (st == PT_OK) {
		lk->queue[lk->nqueue++] = (struct request){ id, copy, len };
		pthread_cond_signal(&lk->cond);
	} else {
		free(copy);
	}
	pthread_mutex_unlock(&lk->lock);
	return st;
}

size_t pt_lookup_take(struct pt_lookup *lk, struct pt_lookup_result **out)
{
	size_t n;

	pthread_mutex_lock(&lk->lock);
	n = lk->ndone;
	*out = n ? lk->done : NULL;
	if (n) {
		lk->done = NULL;
		lk->ndone = 0;
		lk->dcap = 0;
	}
	pthread_mutex_unlock(&lk->lock);
	return n;
}

size_t pt_lookup_pending(struct pt_lookup *lk)
{
	size_t n;

	pthread_mutex_lock(&lk->lock);
	n = lk->nqueue - lk->head + lk->busy;
	pthread_mutex_unlock(&lk->lock);
	return n;
}

void pt_lookup_free(struct pt_lookup *lk)
{
	if (lk == NULL) {
		return;
	}
	pthread_mutex_lock(&lk->lock);
	lk->abandoned = true;
	lk->wake_fd = -1;
	pthread_cond_broadcast(&lk->cond);
	pthread_mutex_unlock(&lk->lock);
	/* the workers free it: the last one to leave */
}
