#include "eventlog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "output.h"

struct pt_eventlog {
	struct pt_state *state;
	int fds[2];
	uint64_t start_ns;
	pthread_t thread;
	atomic_bool stop;
	atomic_uint_fast64_t failures;
	bool started;
	bool ended;
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
		if (b->oom || !write_all(el->fds[i], b->s, b->len)) {
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
	static const char *const kinds[] = { "answer", "change", "truth", "converged", "diverged" };
	struct pt_json j;

	line_open(&j, b, kinds[ev->kind], ev->wall_ms, ev->at_ns, start_ns);
	switch (ev->kind) {
	case PT_EVENT_TRUTH:
		pt_json_str(&j, "source", pt_truth_source_name(ev->source));
		pt_output_json_answer(&j, "answer", &ev->answer);
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
		pt_output_json_resolver(&j, &ev->resolver);
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
		pt_output_json_row(&j, &r);
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
		emit(el, &b);
		pt_event_fini(&evs[i]);
	}
	free(evs);
	pt_buf_fini(&b);
}

static void *writer_main(void *arg)
{
	struct pt_eventlog *el = arg;

	while (!atomic_load(&el->stop)) {
		if (pt_state_wait_events(el->state, 1000)) {
			pump(el, false);
		}
	}
	return NULL;
}

struct pt_eventlog *pt_eventlog_start(struct pt_state *st, int stream_fd, int log_fd)
{
	struct pt_eventlog *el = calloc(1, sizeof(*el));
	struct pt_snapshot *s;
	struct pt_buf b = { 0 };
	struct pt_json j;
	sigset_t all, old;
	char ty[24];

	if (el == NULL) {
		return NULL;
	}
	el->state = st;
	el->fds[0] = stream_fd;
	el->fds[1] = log_fd;
	atomic_init(&el->stop, false);
	atomic_init(&el->failures, 0);
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
		pt_output_json_resolver(&j, &s->rows[i].resolver);
		pt_json_end(&j);
	}
	pt_json_end(&j);
	line_close(&j);
	emit(el, &b);
	pt_buf_fini(&b);
	pt_snapshot_free(s);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	el->started = pthread_create(&el->thread, NULL, writer_main, el) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
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

void pt_eventlog_free(struct pt_eventlog *el)
{
	if (el == NULL) {
		return;
	}
	pt_eventlog_end(el, 1);
	free(el);
}
