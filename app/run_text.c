#include "run_text.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "output.h"
#include "session.h"
#include "share.h"
#include "text.h"
#include "verdict.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int pt_terminal_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 ||
	    ws.ws_col == 0) {
		return 0;
	}
	return ws.ws_col;
}

/* Why the wait ended. */
enum end { END_SWEEP, END_CONVERGED, END_MAX_WAIT, END_SIGNAL };

/* --until-converged in table format says how it goes: a line when the counts or the reasons
 * changed (at most one a second, so thousands of first answers make a few lines). */
struct progress {
	bool on;
	bool printed;
	struct pt_counts counts;
	unsigned reasons;
	uint64_t last_ns;
};

static void progress_step(struct progress *p, struct pt_session *s, uint64_t start, bool final)
{
	struct pt_counts c;
	unsigned reasons;
	uint64_t now = pt_clock_monotonic();

	if (!p->on) {
		return;
	}
	reasons = pt_state_reasons(s->state, &c);
	if (p->printed && reasons == p->reasons && memcmp(&c, &p->counts, sizeof(c)) == 0) {
		return;
	}
	if (!final && p->printed && now - p->last_ns < PT_NS_PER_S) {
		return; /* printed on the next wake-up or tick after the second */
	}
	pt_output_progress(stdout, &c, reasons, (double)(now - start) / 1e9);
	fflush(stdout);
	p->printed = true;
	p->counts = c;
	p->reasons = reasons;
	p->last_ns = now;
}

/* The shortest time between two looks at the state while waiting for the end. */
#define WAKE_GAP_NS (5 * PT_NS_PER_MS)

/* Wait for the end: the first sweep (ONCE), convergence, --max-wait, or a signal. */
static enum end wait_for_end(struct pt_session *s, const struct pt_options *o, bool once)
{
	uint64_t start = pt_clock_monotonic();
	struct progress prog = { .on = !once && o->format == PT_FORMAT_TABLE };
	enum end why = END_SIGNAL;
	char d[16], w[16];

	uint64_t looked = 0;

	while (!interrupted) {
		struct pollfd pfd = { .fd = pt_state_wakeup_fd(s->state), .events = POLLIN };
		uint64_t now;

		poll(&pfd, 1, 200);
		/* At most one look per WAKE_GAP_NS: the state signals every batch of replies (a
		 * sweep of 10,000 woke this loop 3,000 times, each taking the locks the workers
		 * and the poller need); what came meanwhile is seen by the next look. */
		now = pt_clock_monotonic();
		if (looked != 0 && now - looked < WAKE_GAP_NS) {
			struct timespec gap = { .tv_nsec = (long)(WAKE_GAP_NS - (now - looked)) };

			nanosleep(&gap, NULL);
		}
		looked = pt_clock_monotonic();
		pt_state_drain(s->state);
		/* a full disk under --log is said at once, not only at the end */
		if (!s->log_failures_told) {
			pt_session_log_warning(s, stderr, o);
		}
		/* --notify's escape reaches the terminal only (it is never the NDJSON stream's) */
		pt_session_alerts(s, isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1, stderr);
		if (once) {
			if (pt_watch_first_sweep_done(s->watch)) {
				return END_SWEEP;
			}
			continue;
		}
		progress_step(&prog, s, start, false);
		if (o->until_converged && pt_state_reasons(s->state, NULL) == 0) {
			why = END_CONVERGED;
			break;
		}
		if (o->max_wait_s > 0 &&
		    (double)(pt_clock_monotonic() - start) / 1e9 >= o->max_wait_s) {
			why = END_MAX_WAIT;
			break;
		}
	}
	progress_step(&prog, s, start, true);
	if (prog.on && why == END_MAX_WAIT) {
		printf("[%s] --max-wait %s reached: giving up\n",
		       pt_text_duration(d, sizeof(d), (pt_clock_monotonic() - start) / PT_NS_PER_S),
		       pt_text_duration(w, sizeof(w), (uint64_t)o->max_wait_s));
	}
	if (prog.on) {
		putchar('\n');
		fflush(stdout);
	}
	return why;
}

static void *fini_main(void *arg)
{
	pt_thread_name("pt-fini");
	pt_session_fini(arg);
	return NULL;
}

int pt_run_text(const struct pt_options *o, struct pt_inputs *in, enum pt_mode mode)
{
	struct pt_session s;
	struct pt_snapshot *snap;
	struct sigaction sa;
	bool once = mode == PT_MODE_ONCE;
	int status;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	status = pt_session_start(&s, o, in, once, o->format == PT_FORMAT_NDJSON, stderr);
	if (status >= 0) {
		pt_session_fini(&s);
		return status;
	}
	pt_inputs_release_list(in);
	wait_for_end(&s, o, once);
	/* judge and print what the state holds now; queries still out are cancelled */
	pt_session_stop(&s);
	status = pt_session_exit_status(&s);
	pt_session_end(&s, status);
	pt_session_alerts(&s, isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1, stderr);
	snap = pt_state_snapshot(s.state);
	if (snap == NULL) {
		fprintf(stderr, "proptrack: out of memory\n");
		pt_session_fini(&s);
		return PT_EXIT_NOT_CONVERGED;
	}
	/* The session's memory goes back on a thread of its own while the output is written: the
	 * snapshot holds references to what it shares with the state (rows, answers, identities),
	 * and freeing one entry, answer and history per resolver took 100 ms of a 100,000
	 * sweep's end. Nothing the session frees writes to stdout (--log has its own file). */
	pthread_t fini;
	bool fini_apart = pt_thread_start(&fini, NULL, fini_main, &s) == 0;

	/* what is wrong with the truth itself goes to stderr too, whatever the format */
	struct pt_note notes[16];
	size_t nnotes = pt_output_notes(notes, 16, snap);

	for (size_t i = 0; i < nnotes; i++) {
		if (notes[i].kind == PT_NOTE_EXPECT_DIFFERS ||
		    notes[i].kind == PT_NOTE_AUTH_SILENT || notes[i].kind == PT_NOTE_UNPUBLISHED) {
			fprintf(stderr, "proptrack: warning: %s\n", notes[i].text);
		}
	}
	switch (o->format) {
	case PT_FORMAT_TABLE:
		pt_output_table(stdout, snap, o->color && isatty(STDOUT_FILENO),
				pt_terminal_width());
		break;
	case PT_FORMAT_JSON:
		pt_output_json(stdout, snap, pt_clock_wall_ms());
		break;
	case PT_FORMAT_CSV:
		pt_output_csv(stdout, snap);
		break;
	case PT_FORMAT_NDJSON:
		break;
	}
	fflush(stdout);
	pt_snapshot_free(snap);
	if (fini_apart) {
		pthread_join(fini, NULL);
	} else {
		pt_session_fini(&s);
	}
	return status;
}
