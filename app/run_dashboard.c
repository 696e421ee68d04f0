#include "run_dashboard.h"

#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "diagnose_job.h"
#include "session.h"
#include "verdict.h"

/* What the commands need. */
struct ctx {
	struct pt_session *session;
	const struct pt_options *o;
	const struct pt_inputs *in;
};

static struct pt_snapshot *op_snapshot(void *c)
{
	return pt_state_snapshot(((struct ctx *)c)->session->state);
}

static int op_wakeup_fd(void *c)
{
	return pt_state_wakeup_fd(((struct ctx *)c)->session->state);
}

static void op_drain(void *c)
{
	pt_state_drain(((struct ctx *)c)->session->state);
}

static void op_requery(void *c)
{
	pt_watch_refresh(((struct ctx *)c)->session->watch);
}

static enum pt_status op_add(void *c, const struct pt_resolver *r)
{
	return pt_watch_add(((struct ctx *)c)->session->watch, r, NULL);
}

static void op_remove(void *c, uint64_t id)
{
	pt_watch_remove(((struct ctx *)c)->session->watch, id);
}

static enum pt_status op_retarget(void *c, const char *domain, uint16_t qtype)
{
	return pt_watch_retarget(((struct ctx *)c)->session->watch, domain, qtype);
}

static enum pt_status op_expect(void *c, const char *const *rdata, size_t n)
{
	return pt_watch_expect(((struct ctx *)c)->session->watch, rdata, n);
}

static enum pt_status op_save(void *c, const char *path, bool overwrite)
{
	struct pt_resolver *r;
	size_t n = pt_watch_resolvers(((struct ctx *)c)->session->watch, &r);
	struct pt_resolvers *list = pt_resolvers_new();
	enum pt_status st = list != NULL ? PT_OK : PT_ERR_NOMEM;

	for (size_t i = 0; st == PT_OK && i < n; i++) {
		st = pt_resolvers_add(list, &r[i], NULL);
	}
	if (st == PT_OK) {
		st = pt_resolvers_save(list, path, overwrite);
	}
	pt_resolvers_free(list);
	free(r);
	return st;
}

static struct pt_diag_job *op_diagnose(void *c, int wake_fd)
{
	struct ctx *x = c;
	struct pt_resolver *r;
	char domain[256];
	uint16_t qtype;
	size_t n = pt_watch_resolvers(x->session->watch, &r);
	struct pt_diagnose_config cfg = {
		.domain = domain,
		.resolvers = r,
		.nresolvers = n,
		.auth = x->in->auth,
		.nauth = x->in->nauth,
		.smtp = x->o->smtp,
		.smtp_port = x->o->smtp_port,
	};
	struct pt_diag_job *job;

	pt_state_target(x->session->state, domain, sizeof(domain), &qtype);
	job = pt_diag_job_start(&cfg, &x->o->engine, wake_fd);
	free(r);
	return job;
}

static const struct pt_dashboard_ops ops = {
	.snapshot = op_snapshot,
	.wakeup_fd = op_wakeup_fd,
	.drain = op_drain,
	.requery = op_requery,
	.add = op_add,
	.remove = op_remove,
	.retarget = op_retarget,
	.expect = op_expect,
	.save = op_save,
	.diagnose = op_diagnose,
};

int pt_run_dashboard(const struct pt_options *o, const struct pt_inputs *in)
{
	struct pt_session s;
	struct ctx c = { .session = &s, .o = o, .in = in };
	struct pt_dashboard_config dc = {
		.ops = &ops,
		.ctx = &c,
		.color = o->color,
		.iterations = o->iterations,
	};
	int status = pt_session_start(&s, o, in, false, false, stderr);

	if (status >= 0) {
		pt_session_fini(&s);
		return status;
	}
	if (pt_dashboard_run(&dc) != 0) {
		fprintf(stderr, "proptrack: cannot set up the terminal\n");
		pt_session_fini(&s);
		return PT_EXIT_NOT_CONVERGED;
	}
	pt_session_stop(&s);
	status = pt_session_exit_status(&s);
	pt_session_end(&s, status);
	pt_session_fini(&s);
	return status;
}
