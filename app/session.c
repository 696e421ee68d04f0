#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "run_vantage.h"
#include "verdict.h"

/* The event writer's hook: alerts are queued, never run here. */
static void on_event(void *ctx, const struct pt_event *ev, const char *line, size_t len)
{
	struct pt_session *s = ctx;
	char domain[256], ty[24];
	uint16_t qtype;

	if (pt_alert_kind_of(ev) == PT_ALERT_NONE) {
		return;
	}
	pt_state_target(s->state, domain, sizeof(domain), &qtype);
	pt_alert_event(s->alert, ev, line, len, domain, pt_rrtype_name(qtype, ty, sizeof(ty)));
}

/* --exec and --notify. @return -1 to go on, else the exit status after a message. */
static int alerts_start(struct pt_session *s, const struct pt_options *o, bool dashboard, FILE *err)
{
	struct pt_alert_config cfg = { .quiet = dashboard };
	char **argv = NULL, *notify_send = NULL;

	if (o->exec == NULL && !o->notify) {
		return -1;
	}
	if (o->exec != NULL && pt_alert_split(&argv, o->exec) <= 0) {
		fprintf(err, "proptrack: --exec '%s': not a command\n", o->exec);
		pt_alert_argv_free(argv);
		return PT_EXIT_USAGE;
	}
	if (o->notify) {
		notify_send = pt_alert_which("notify-send", getenv("PATH"));
		if (notify_send == NULL && (dashboard || isatty(STDOUT_FILENO))) {
			cfg.escape = pt_alert_escape_for(getenv("TERM"), getenv("VTE_VERSION"));
		} else if (notify_send == NULL) {
			fprintf(err, "proptrack: warning: --notify: no notify-send on PATH and "
				     "standard output is not a terminal: no notifications\n");
		}
	}
	cfg.argv = argv;
	cfg.notify_send = notify_send;
	s->alert = pt_alert_new(&cfg);
	pt_alert_argv_free(argv);
	free(notify_send);
	if (s->alert == NULL) {
		fprintf(err, "proptrack: cannot start --exec/--notify: %s\n", strerror(errno));
		return PT_EXIT_USAGE;
	}
	return -1;
}

int pt_session_start(struct pt_session *s, const struct pt_options *o, const struct pt_inputs *in,
		     bool once, bool stream, FILE *err)
{
	return pt_session_start_mode(s, o, in, once, stream, false, err);
}

void pt_session_alerts(struct pt_session *s, int term_fd, FILE *reports)
{
	struct pt_buf term = { 0 }, rep = { 0 };
	const char *p;

	if (s->alert == NULL) {
		return;
	}
	pt_alert_take(s->alert, &term, &rep);
	if (term_fd >= 0 && term.len > 0 && write(term_fd, term.s, term.len) < 0) {
		/* a notification lost on a closed terminal: nothing to do */
	}
	for (p = pt_buf_str(&rep); p != NULL && *p != '\0';) {
		const char *e = strchr(p, '\n');
		int n = e != NULL ? (int)(e - p) : (int)strlen(p);

		fprintf(reports, "proptrack: %.*s\n", n, p);
		p += n + (e != NULL);
	}
	fflush(reports);
	pt_buf_fini(&term);
	pt_buf_fini(&rep);
}

int pt_session_start_mode(struct pt_session *s, const struct pt_options *o,
			  const struct pt_inputs *in, bool once, bool stream, bool dashboard,
			  FILE *err)
{
	struct pt_truth_config tcfg = {
		.expect = (char **)(uintptr_t)o->expect,
		.nexpect = o->nexpect,
		.auth = in->auth,
		.nauth = in->nauth,
		.auth_port = PT_DNS_PORT,
	};
	struct pt_watch_config wcfg = {
		.interval_s = o->interval_s,
		.max_interval_s = o->max_interval_s,
		.truth_interval_s = 30,
		.poll_interval_s = 1,
		.once = once,
		.query_now = o->query_now,
		.follow_mx = o->follow_mx > 0,
		/* the CH TXT identity questions would spend a --rate budget meant for polls */
		.identity = o->identity && o->engine.rate_qps <= 0,
	};
	struct pt_net net;
	char warn[256];
	int st;

	memset(s, 0, sizeof(*s));
	s->log_fd = -1;
	s->options = o;
	if (o->log_path != NULL) {
		s->log_fd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (s->log_fd < 0) {
			fprintf(err, "proptrack: --log %s: %s\n", o->log_path, strerror(errno));
			return PT_EXIT_USAGE;
		}
	}
	s->state = pt_state_new(in->domain, o->qtype, NULL);
	s->engine = pt_engine_new(&o->engine, NULL);
	if (s->state == NULL || s->engine == NULL) {
		fprintf(err, "proptrack: cannot start: %s\n", strerror(errno));
		return PT_EXIT_USAGE;
	}
	if (pt_engine_limits_warning(s->engine, warn, sizeof(warn))) {
		fprintf(err, "proptrack: warning: %s\n", warn);
	}
	pt_state_set_quorum(s->state, &o->quorum);
	net = pt_engine_net(s->engine);
	s->watch = pt_watch_new(&net, s->state, &tcfg, &wcfg, NULL);
	if (s->watch == NULL) {
		fprintf(err, "proptrack: out of memory\n");
		return PT_EXIT_USAGE;
	}
	if (o->necs > 0) {
		pt_watch_set_ecs(s->watch, &o->ecs[0]);
	}
	for (size_t i = 0; i < pt_resolvers_count(in->list); i++) {
		/* shared: the state keeps the list's copy, which outlives the list */
		if (pt_watch_add_shared(s->watch, pt_resolvers_get(in->list, i), NULL) != PT_OK) {
			fprintf(err, "proptrack: out of memory\n");
			return PT_EXIT_USAGE;
		}
	}
	st = alerts_start(s, o, dashboard, err);
	if (st >= 0) {
		return st;
	}
	/* the writer starts first: its "start" line lists every resolver, before any reply */
	if (s->log_fd >= 0 || stream || s->alert != NULL) {
		s->events = pt_eventlog_start_hook(s->state, stream ? STDOUT_FILENO : -1, s->log_fd,
						   s->alert != NULL ? on_event : NULL, s);
		if (s->events == NULL) {
			fprintf(err, "proptrack: cannot start the event writer\n");
			return PT_EXIT_USAGE;
		}
	}
	/* the probe rows after the writer: their answers are events of the stream and the log */
	int vst = pt_vantage_feed(s, o, in, dashboard, err);

	if (vst >= 0) {
		return vst;
	}
	if (pt_watch_start(s->watch) != PT_OK) {
		fprintf(err, "proptrack: cannot start the query threads\n");
		return PT_EXIT_USAGE;
	}
	return pt_vantage_repeat_start(s, once, dashboard, err);
}

int pt_session_exit_status(struct pt_session *s)
{
	struct pt_counts c;
	unsigned reasons = pt_state_reasons(s->state, &c);

	return pt_verdict_exit_status(&c, reasons);
}

void pt_session_stop(struct pt_session *s)
{
	if (s->engine != NULL) {
		pt_engine_cancel(s->engine);
	}
	pt_watch_stop(s->watch);
	pt_vantage_repeat_stop(s);
	/* nothing asks any more: the engine goes now, not at pt_session_fini(), so the memory of
	 * its jobs (one per resolver in a sweep) is back before the output's snapshot is built,
	 * and with it the driver its callbacks pointed to (its items and schedule) */
	pt_engine_free(s->engine);
	s->engine = NULL;
	pt_watch_free(s->watch);
	s->watch = NULL;
}

bool pt_session_log_warning(struct pt_session *s, FILE *err, const struct pt_options *o)
{
	int e = 0;
	uint64_t n = pt_eventlog_log_failures(s->events, &e);

	if (n == 0 || n == s->log_failures_told) {
		return false;
	}
	fprintf(err, "proptrack: warning: --log %s: %llu event line%s not written: %s\n",
		o->log_path, (unsigned long long)n, n == 1 ? "" : "s", strerror(e));
	s->log_failures_told = n;
	return true;
}

void pt_session_end(struct pt_session *s, int exit_status)
{
	pt_session_stop(s);
	pt_eventlog_end(s->events, exit_status);
	/* the last events are alerts too: run them (bounded) before the program ends */
	pt_alert_end(s->alert);
	if (s->options != NULL) {
		pt_session_log_warning(s, stderr, s->options);
	}
}

void pt_session_fini(struct pt_session *s)
{
	pt_session_end(s, PT_EXIT_NOT_CONVERGED);
	pt_engine_free(s->engine);
	pt_watch_free(s->watch);
	pt_eventlog_free(s->events);
	pt_alert_free(s->alert);
	pt_vantage_repeat_free(s);
	pt_vantage_set_free(s->vantage);
	pt_state_free(s->state);
	if (s->log_fd >= 0) {
		close(s->log_fd);
	}
	memset(s, 0, sizeof(*s));
	s->log_fd = -1;
}
