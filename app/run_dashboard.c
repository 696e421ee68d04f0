#include "run_dashboard.h"

#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "diagnose_job.h"
#include "lookup.h"
#include "output.h"
#include "providers.h"
#include "run_vantage.h"
#include "session.h"
#include "verdict.h"

/* What the commands need. */
struct ctx {
	struct pt_session *session;
	const struct pt_options *o;
	const struct pt_inputs *in;
	/* alert reports seen while the dashboard ran, printed again after it */
	struct pt_buf reports;
	/* mail provider profiles for the d panel's diagnosis */
	struct pt_providers providers;
	/* the --ecs subnet asked now; necs means none */
	size_t ecs_ix;
};

static struct pt_snapshot *op_snapshot(void *c)
{
	return pt_state_view(((struct ctx *)c)->session->state);
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
		.smtp_timeout_ms = x->o->engine.timeout_ms,
		.providers = &x->providers,
		.provider = x->o->provider,
		.ca_file = x->o->ca_file,
	};
	struct pt_diag_job *job;

	pt_state_target(x->session->state, domain, sizeof(domain), &qtype);
	job = pt_diag_job_start(&cfg, &x->o->engine, wake_fd);
	free(r);
	return job;
}

static struct pt_lookup *op_lookup(void *c, int wake_fd)
{
	(void)c;
	/* a few at once: a paste of host names waits for the slowest, not for their sum */
	return pt_lookup_new(wake_fd, 4);
}

static void op_alerts(void *c, struct pt_buf *term, char *msg, size_t msize)
{
	struct ctx *x = c;
	struct pt_buf rep = { 0 };

	msg[0] = '\0';
	pt_alert_take(x->session->alert, term, &rep);
	if (rep.len > 0 && !rep.oom) {
		/* the message line shows the last report; all are printed after the dashboard */
		const char *last = rep.s, *nl;
		size_t n;

		for (nl = strchr(rep.s, '\n'); nl != NULL && nl[1] != '\0';
		     nl = strchr(nl + 1, '\n')) {
			last = nl + 1;
		}
		n = strcspn(last, "\n");
		snprintf(msg, msize, "%.*s", (int)n, last);
		pt_buf_add(&x->reports, rep.s, rep.len);
	}
	pt_buf_fini(&rep);
}

static bool op_next_subnet(void *c, char *label, size_t size)
{
	struct ctx *x = c;

	if (x->o->necs == 0) {
		return false;
	}
	/* each --ecs subnet in turn, then none, then the first again */
	x->ecs_ix = (x->ecs_ix + 1) % (x->o->necs + 1);
	if (x->ecs_ix == x->o->necs) {
		pt_watch_set_ecs(x->session->watch, NULL);
		snprintf(label, size, "%s", "no client subnet");
	} else {
		pt_watch_set_ecs(x->session->watch, &x->o->ecs[x->ecs_ix]);
		pt_ecs_text(label, size, &x->o->ecs[x->ecs_ix]);
	}
	return true;
}

static bool op_message(void *c, char *msg, size_t msize, bool *error)
{
	return pt_vantage_repeat_message(((struct ctx *)c)->session, msg, msize, error);
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
	.lookup = op_lookup,
	.alerts = op_alerts,
	.next_subnet = op_next_subnet,
	.message = op_message,
};

int pt_run_dashboard(const struct pt_options *o, struct pt_inputs *in)
{
	struct pt_session s;
	struct ctx c = { .session = &s, .o = o, .in = in };
	struct pt_dashboard_config dc = {
		.ops = &ops,
		.ctx = &c,
		.color = o->color,
		.iterations = o->iterations,
	};
	/* --follow-mx is on by default here: the dashboard answers "why does mail still go
	 * to the old server?", and a cached old address of the new host is one answer */
	struct pt_options od = *o;
	int status = pt_app_providers_load(&c.providers, o->provider, stderr);

	if (status >= 0) {
		pt_providers_fini(&c.providers);
		return status;
	}
	od.follow_mx = o->follow_mx != 0;
	status = pt_session_start_mode(&s, &od, in, false, false, true, stderr);
	if (status >= 0) {
		pt_session_fini(&s);
		pt_providers_fini(&c.providers);
		return status;
	}
	pt_inputs_release_list(in);
	if (pt_dashboard_run(&dc) != 0) {
		fprintf(stderr, "proptrack: cannot set up the terminal\n");
		pt_session_fini(&s);
		pt_buf_fini(&c.reports);
		pt_providers_fini(&c.providers);
		return PT_EXIT_NOT_CONVERGED;
	}
	pt_providers_fini(&c.providers);
	pt_session_stop(&s);
	status = pt_session_exit_status(&s);
	pt_session_end(&s, status);
	/* on the restored terminal: what went wrong with the alerts, then what is left */
	if (c.reports.len > 0 && !c.reports.oom) {
		for (const char *p = c.reports.s; *p != '\0';) {
			size_t n = strcspn(p, "\n");

			fprintf(stderr, "proptrack: %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	pt_buf_fini(&c.reports);
	pt_session_alerts(&s, -1, stderr);
	/* on the restored terminal, what the session came to (as mtr prints its report) */
	struct pt_snapshot *snap = pt_state_snapshot(s.state);

	if (snap != NULL) {
		pt_output_summary(stdout, snap, 0, 10);
		fflush(stdout);
		pt_snapshot_free(snap);
	}
	pt_session_fini(&s);
	return status;
}
