#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "verdict.h"

int pt_session_start(struct pt_session *s, const struct pt_options *o, const struct pt_inputs *in,
		     bool once, bool stream, FILE *err)
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
	};
	struct pt_net net;
	char warn[256];

	memset(s, 0, sizeof(*s));
	s->log_fd = -1;
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
	for (size_t i = 0; i < pt_resolvers_count(in->list); i++) {
		if (pt_watch_add(s->watch, pt_resolvers_get(in->list, i), NULL) != PT_OK) {
			fprintf(err, "proptrack: out of memory\n");
			return PT_EXIT_USAGE;
		}
	}
	/* the writer starts first: its "start" line lists every resolver, before any reply */
	if (s->log_fd >= 0 || stream) {
		s->events = pt_eventlog_start(s->state, stream ? STDOUT_FILENO : -1, s->log_fd);
		if (s->events == NULL) {
			fprintf(err, "proptrack: cannot start the event writer\n");
			return PT_EXIT_USAGE;
		}
	}
	if (pt_watch_start(s->watch) != PT_OK) {
		fprintf(err, "proptrack: cannot start the query threads\n");
		return PT_EXIT_USAGE;
	}
	return -1;
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
}

void pt_session_end(struct pt_session *s, int exit_status)
{
	pt_session_stop(s);
	pt_eventlog_end(s->events, exit_status);
}

void pt_session_fini(struct pt_session *s)
{
	pt_session_end(s, PT_EXIT_NOT_CONVERGED);
	pt_engine_free(s->engine);
	pt_watch_free(s->watch);
	pt_eventlog_free(s->events);
	pt_state_free(s->state);
	if (s->log_fd >= 0) {
		close(s->log_fd);
	}
	memset(s, 0, sizeof(*s));
	s->log_fd = -1;
}
