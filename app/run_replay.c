#include "run_replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "dashboard.h"
#include "output.h"
#include "replay.h"
#include "verdict.h"

/* The dashboard's source is the replayed state; the commands that would ask the network
 * cannot in a replay. */
static struct pt_snapshot *op_snapshot(void *c)
{
	return pt_state_view(c);
}

static int op_wakeup_fd(void *c)
{
	return pt_state_wakeup_fd(c);
}

static void op_drain(void *c)
{
	pt_state_drain(c);
}

static void op_requery(void *c)
{
	(void)c;
}

static enum pt_status op_add(void *c, const struct pt_resolver *r)
{
	(void)c;
	(void)r;
	return PT_ERR_PARSE;
}

static void op_remove(void *c, uint64_t id)
{
	pt_state_remove(c, id);
}

static enum pt_status op_retarget(void *c, const char *domain, uint16_t qtype)
{
	(void)c;
	(void)domain;
	(void)qtype;
	return PT_ERR_PARSE;
}

static enum pt_status op_expect(void *c, const char *const *rdata, size_t n)
{
	(void)c;
	(void)rdata;
	(void)n;
	return PT_ERR_PARSE;
}

static enum pt_status op_save(void *c, const char *path, bool overwrite)
{
	struct pt_snapshot *s = pt_state_snapshot(c);
	struct pt_resolvers *list = pt_resolvers_new();
	enum pt_status st = s != NULL && list != NULL ? PT_OK : PT_ERR_NOMEM;

	for (size_t i = 0; st == PT_OK && i < s->nrows; i++) {
		st = pt_resolvers_add(list, pt_snapshot_row(s, i)->resolver, NULL);
	}
	if (st == PT_OK) {
		st = pt_resolvers_save(list, path, overwrite);
	}
	pt_resolvers_free(list);
	pt_snapshot_free(s);
	return st;
}

static struct pt_diag_job *op_diagnose(void *c, int wake_fd)
{
	(void)c;
	(void)wake_fd;
	return NULL;
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

int pt_run_replay(const struct pt_options *o, bool stdout_tty)
{
	struct pt_replay_report rep;
	struct pt_state *st;
	struct pt_snapshot *snap;
	struct pt_counts c;
	enum pt_status rc = pt_replay_load(&st, o->replay_path, &rep);
	int status;

	if (rc != PT_OK) {
		fprintf(stderr, "proptrack: --replay %s: %s\n", o->replay_path,
			rc == PT_ERR_IO	     ? strerror(errno)
			: rc == PT_ERR_PARSE ? "no \"start\" event: not a proptrack --log"
					     : pt_strerror(rc));
		return PT_EXIT_USAGE;
	}
	if (rep.cut) {
		fprintf(stderr,
			"proptrack: --replay %s: the last line is cut (a killed run or a full "
			"disk); "
			"replayed up to line %zu\n",
			o->replay_path, rep.lines);
	}
	if (rep.skipped > 0) {
		fprintf(stderr, "proptrack: --replay %s: %zu line%s skipped (first: line %zu)\n",
			o->replay_path, rep.skipped, rep.skipped == 1 ? "" : "s",
			rep.first_skipped);
	}
	if (!o->format_given && stdout_tty) {
		struct pt_dashboard_config dc = {
			.ops = &ops,
			.ctx = st,
			.color = o->color,
			.iterations = o->iterations,
		};

		if (pt_dashboard_run(&dc) != 0) {
			fprintf(stderr, "proptrack: cannot set up the terminal\n");
		}
	} else if ((snap = pt_state_snapshot(st)) != NULL) {
		if (o->format == PT_FORMAT_JSON) {
			pt_output_json(stdout, snap, pt_clock_wall_ms());
		} else if (o->format == PT_FORMAT_CSV) {
			pt_output_csv(stdout, snap);
		} else {
			pt_output_table(stdout, snap, o->color && isatty(STDOUT_FILENO), 0);
		}
		fflush(stdout);
		pt_snapshot_free(snap);
	}
	status = pt_verdict_exit_status(&c, pt_state_reasons(st, &c));
	pt_state_free(st);
	return status;
}
