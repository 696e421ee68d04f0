#include "diagnose_job.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "share.h"

struct pt_diag_job {
	pthread_t thread;
	atomic_bool done;
	struct pt_engine *engine;
	/* the copy of the caller's config and what it points to */
	struct pt_diagnose_config cfg;
	char domain[256];
	char *helo;
	struct pt_resolver *resolvers;
	struct pt_resolver *auth;
	int wake_fd;
	uint64_t started_ns;
	/* written by the thread, read after the join */
	struct pt_diagnosis result;
	enum pt_status status;
};

static void *job_main(void *arg)
{
	struct pt_diag_job *j = arg;
	struct pt_net net = pt_engine_net(j->engine);

	j->status = pt_diagnose_run(&j->result, &net, &j->cfg);
	atomic_store(&j->done, true);
	if (j->wake_fd >= 0) {
		ssize_t r = write(j->wake_fd, "", 1);

		(void)r;
	}
	return NULL;
}

static void job_free(struct pt_diag_job *j)
{
	pt_engine_free(j->engine);
	pt_diagnosis_fini(&j->result);
	free(j->resolvers);
	free(j->auth);
	free(j->helo);
	free(j);
}

/* A copy of @p n resolvers (at least one slot, so the copy is never NULL on success). */
static struct pt_resolver *copy_resolvers(const struct pt_resolver *r, size_t n)
{
	struct pt_resolver *c = calloc(n ? n : 1, sizeof(*c));

	if (c != NULL && n > 0) {
		memcpy(c, r, n * sizeof(*c));
	}
	return c;
}

struct pt_diag_job *pt_diag_job_start(const struct pt_diagnose_config *cfg,
				      const struct pt_engine_config *engine_cfg, int wake_fd)
{
	struct pt_diag_job *j = calloc(1, sizeof(*j));
	bool ok;

	if (j == NULL) {
		return NULL;
	}
	j->cfg = *cfg;
	snprintf(j->domain, sizeof(j->domain), "%s", cfg->domain ? cfg->domain : "");
	j->cfg.domain = j->domain;
	j->resolvers = copy_resolvers(cfg->resolvers, cfg->nresolvers);
	j->auth = copy_resolvers(cfg->auth, cfg->nauth);
	j->helo = cfg->helo ? strdup(cfg->helo) : NULL;
	j->cfg.resolvers = j->resolvers;
	j->cfg.auth = cfg->nauth ? j->auth : NULL;
	j->cfg.helo = j->helo;
	j->wake_fd = wake_fd;
	j->started_ns = pt_clock_monotonic();
	atomic_init(&j->done, false);
	j->engine = pt_engine_new(engine_cfg, NULL);
	if (j->resolvers == NULL || j->auth == NULL || (cfg->helo && !j->helo) ||
	    j->engine == NULL) {
		job_free(j);
		return NULL;
	}
	ok = pt_thread_start(&j->thread, NULL, job_main, j) == 0;
	if (!ok) {
		job_free(j);
		return NULL;
	}
	return j;
}

bool pt_diag_job_done(const struct pt_diag_job *j)
{
	return atomic_load(&j->done);
}

void pt_diag_job_cancel(struct pt_diag_job *j)
{
	pt_engine_cancel(j->engine);
}

const struct pt_diagnose_config *pt_diag_job_config(const struct pt_diag_job *j)
{
	return &j->cfg;
}

uint64_t pt_diag_job_started(const struct pt_diag_job *j)
{
	return j->started_ns;
}

enum pt_status pt_diag_job_finish(struct pt_diag_job *j, struct pt_diagnosis *out)
{
	enum pt_status st;

	if (j == NULL) {
		return PT_OK;
	}
	pthread_join(j->thread, NULL);
	st = j->status;
	if (out != NULL) {
		*out = j->result;
		memset(&j->result, 0, sizeof(j->result));
	}
	job_free(j);
	return st;
}
