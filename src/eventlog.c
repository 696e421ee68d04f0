#include "eventlog.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "output.h"
#include "share.h"

struct pt_eventlog {
	struct pt_state *state;
	int fds[2];
	uint64_t start_ns;
	pthread_t thread;
	atomic_bool stop;
	atomic_uint_fast64_t failures;
	/* per sink (0 the stream, 1 the log): failed writes and the errno of the last one */
	atomic_uint_fast64_t sink_failures[2];
	atomic_int sink_errno[2];
	bool started;
	bool ended;
	/* pt_eventlog_start_hook(): told every event with its line, on the writer's thread */
	pt_eventlog_hook_fn hook;
	void *hook_ctx;
};

/* One whole line to one sink; a short write is continued (a pipe that was full). */
static bool write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			if (w == 0) {
				errno = EIO;
			}
			return false;
		}
		s += w;
		n -= (size_t)w;
	}
	return true;
}

static void emit(struct pt_eventlog *el, struct pt_buf *b)
{
	for (int i = 0; i < 2; i++) {
		if (el->fds[i] < 0) {
			continue;
		}
		if (b->oom) {
			errno = ENOMEM;
		}
		if (b->oom || !write_all(el->fds[i], b->s, b->len)) {
			atomic_store(&el->sink_errno[i], errno);
			atomic_fetch_add(&el->sink_failures[i], 1);
			atomic_fetch_add(&el->failures, 1);
		}
	}
	pt_buf_reset(b);
}

/* {"event": KIND, "time": ..., "elapsed_s": ... (left open for the event's members) */
static void line_open(struct pt_json *j, struct pt_buf *b, const char *kind, uint64_t wall_ms,
		      uint64_t at_ns, uint64_t start_ns)
{
	char tbuf[40];

	pt_json_init(j, b);
	pt_json_object(j, NULL);
	pt_json_str(j, "event", kind);
	pt_json_str(j, "time", pt_clock_rfc3339(tbuf, sizeof(tbuf), wall_ms));
	pt_json_num(j, "elapsed_s", at_ns > start_ns ? (double)(at_ns - start_ns) / 1e9 : 0.0, 3);
}

static void line_close(struct pt_json *j)
{
	pt_json_end(j);
	pt_buf_putc(j->buf, '\n');
}

static void verdict_members(struct pt_json *j, const struct pt_counts *c, unsigned reasons,
			    uint32_t expires_within)
{
	pt_output_json_counts(j, "counts", c);
	pt_json_bool(j, "converged", reasons == 0);
	pt_output_json_reasons(j, "reasons", reasons);
	pt_json_uint(j, "expires_within", expires_within);
}

void pt_eventlog_line(struct pt_buf *b, const struct pt_event *ev, uint64_t start_ns)
{
	static const char *const kinds[] = { "answer",	  "change",   "truth",
					     "converged", "diverged", "target" };
	struct pt_json j;

	line_open(&j, b, kinds[ev->kind], ev->wall_ms, ev->at_ns, start_ns);
	switch (ev->kind) {
	case PT_EVENT_TRUTH:
		pt_json_str(&j, "source", pt_truth_source_name(ev->source));
		pt_output_json_answer(&j, "answer", &ev->answer);
		/* added for --replay: an empty answer is NODATA or NXDOMAIN */
		pt_json_str(&j, "kind", pt_output_answer_kind(&ev->answer));
		if (ev->has_serial) {
			pt_json_uint(&j, "serial", ev->serial);
		} else {
			pt_json_null(&j, "serial");
		}
		pt_json_bool(&j, "unpublished", ev->unpublished);
		if (ev->unpublished) {
			pt_json_uint(&j, "negative_ttl", ev->negative_ttl);
		}
		break;
	case PT_EVENT_CHANGE:
		pt_output_json_resolver(&j, ev->resolver);
		pt_output_json_answer(&j, "from", &ev->from);
		pt_output_json_answer(&j, "to", &ev->answer);
		pt_json_str(&j, "status", pt_verdict_name(ev->verdict));
		pt_json_str(&j, "from_status", pt_verdict_name(ev->from_verdict));
		pt_json_bool(&j, "reverted", ev->reverted);
		break;
	case PT_EVENT_CONVERGED:
	case PT_EVENT_DIVERGED:
		verdict_members(&j, &ev->counts, ev->reasons, ev->expires_within);
		break;
	default: {
		struct pt_row r;

		memset(&r, 0, sizeof(r));
		r.resolver = ev->resolver;
		r.verdict = ev->verdict;
		r.has_reply = true;
		r.result = ev->result;
		r.answer = ev->answer;
		r.rtt_ms = ev->rtt_ms;
		r.err = ev->err;
		r.via_tcp = ev->via_tcp;
		r.stale = ev->stale;
		r.ecs_sent = ev->ecs_sent;
		pt_output_json_row(&j, &r);
		if (ev->kind == PT_EVENT_TARGET) {
			char ty[24];

			/* --follow-mx: the MX target and the type this reply answered */
			pt_json_str(&j, "target", ev->target);
			pt_json_str(&j, "target_type",
				    pt_rrtype_name(ev->target_type, ty, sizeof(ty)));
		}
		break;
	}
	}
	line_close(&j);
}

/* Write every event taken from the state. */
static void pump(struct pt_eventlog *el, bool all)
{
	struct pt_event *evs;
	size_t n = pt_state_events(el->state, all, &evs);
	struct pt_buf b = { 0 };

	for (size_t i = 0; i < n; i++) {
		pt_eventlog_line(&b, &evs[i], el->start_ns);
		if (el->hook != NULL && !b.oom) {
			el->hook(el->hook_ctx, &evs[i], b.s, b.len);
		}
		emit(el, &b);
		pt_event_fini(&evs[i]);
	}
	free(evs);
	pt_buf_fini(&b);
}

static void *writer_main(void *arg)
{
	struct pt_eventlog *el = arg;

	pt_thread_name("pt-events");

	while (!atomic_load(&el->stop)) {
		if (pt_state_wait_events(el->state, 1000)) {
			pump(el, false);
		}
	}
	return NULL;
}

struct pt_eventlog *pt_eventlog_start(struct pt_state *st, int stream_fd, int log_fd)
{
	return pt_eventlog_start_hook(st, stream_fd, log_fd, NULL, NULL);
}

struct pt_eventlog *pt_eventlog_start_hook(struct pt_state *st, int stream_fd, int log_fd,
					   pt_eventlog_hook_fn hook, void *hook_ctx)
{
	struct pt_eventlog *el = calloc(1, sizeof(*el));
	struct pt_snapshot *s;
	struct pt_buf b = { 0 };
	struct pt_json j;
	char ty[24];

	if (el == NULL) {
		return NULL;
	}
	el->state = st;
	el->hook = hook;
	el->hook_ctx = hook_ctx;
	el->fds[0] = stream_fd;
	el->fds[1] = log_fd;
	atomic_init(&el->stop, false);
	atomic_init(&el->failures, 0);
	for (int i = 0; i < 2; i++) {
		atomic_init(&el->sink_failures[i], 0);
		atomic_init(&el->sink_errno[i], 0);
	}
	pt_state_keep_events(st, true);
	s = pt_state_snapshot(st);
	if (s == NULL) {
		free(el);
		return NULL;
	}
	el->start_ns = s->start_ns;
	/* stamped with the moment the state began, which precedes every reply; rounded up so it
	 * is never later than anything stamped after it */
	line_open(&j, &b, "start",
		  pt_clock_wall_ms() -
			  (s->taken_ns - s->start_ns + PT_NS_PER_MS - 1) / PT_NS_PER_MS,
		  s->start_ns, s->start_ns);
	pt_json_str(&j, "domain", s->domain);
	pt_json_str(&j, "type", pt_rrtype_name(s->qtype, ty, sizeof(ty)));
	pt_json_array(&j, "resolvers", false);
	for (size_t i = 0; i < s->nrows; i++) {
		pt_json_object(&j, NULL);
		pt_output_json_resolver(&j, pt_snapshot_row(s, i)->resolver);
		pt_json_end(&j);
	}
	pt_json_end(&j);
	line_close(&j);
	emit(el, &b);
	pt_buf_fini(&b);
	pt_snapshot_free(s);
	el->started = pt_thread_start(&el->thread, NULL, writer_main, el) == 0;
	if (!el->started) {
		free(el);
		return NULL;
	}
	return el;
}

void pt_eventlog_end(struct pt_eventlog *el, int exit_status)
{
	struct pt_snapshot *s;
	struct pt_buf b = { 0 };
	struct pt_json j;

	if (el == NULL || el->ended) {
		return;
	}
	el->ended = true;
	atomic_store(&el->stop, true);
	pt_state_wake(el->state);
	pthread_join(el->thread, NULL);
	pump(el, true);
	s = pt_state_snapshot(el->state);
	if (s == NULL) {
		return;
	}
	line_open(&j, &b, "end", pt_clock_wall_ms(), s->taken_ns, el->start_ns);
	verdict_members(&j, &s->counts, s->reasons, s->expires_within);
	pt_json_int(&j, "exit_status", exit_status);
	line_close(&j);
	emit(el, &b);
	pt_buf_fini(&b);
	pt_snapshot_free(s);
}

uint64_t pt_eventlog_failures(struct pt_eventlog *el)
{
	return el != NULL ? atomic_load(&el->failures) : 0;
}

uint64_t pt_eventlog_log_failures(struct pt_eventlog *el, int *err)
{
	if (err != NULL) {
		*err = el != NULL ? atomic_load(&el->sink_errno[1]) : 0;
	}
	return el != NULL ? atomic_load(&el->sink_failures[1]) : 0;
}

void pt_eventlog_free(struct pt_eventlog *el)
{
	if (el == NULL) {
		return;
	}
	pt_eventlog_end(el, 1);
	free(el);
}
