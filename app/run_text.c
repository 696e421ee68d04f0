#include "run_text.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "clock.h"
#include "output.h"
#include "session.h"
#include "verdict.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Columns of the terminal on stdout; 0 (no limit) when it is not one. */
static int terminal_width(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 ||
	    ws.ws_col == 0) {
		return 0;
	}
	return ws.ws_col;
}

/* Wait for the end: the first sweep (ONCE), convergence, --max-wait, or a signal. */
static void wait_for_end(struct pt_session *s, const struct pt_options *o, bool once)
{
	uint64_t start = pt_clock_monotonic();

	while (!interrupted) {
		struct pollfd pfd = { .fd = pt_state_wakeup_fd(s->state), .events = POLLIN };

		poll(&pfd, 1, 200);
		pt_state_drain(s->state);
		if (once) {
			if (pt_watch_first_sweep_done(s->watch)) {
				return;
			}
			continue;
		}
		if (o->until_converged && pt_state_reasons(s->state, NULL) == 0) {
			return;
		}
		if (o->max_wait_s > 0 &&
		    (double)(pt_clock_monotonic() - start) / 1e9 >= o->max_wait_s) {
			return;
		}
	}
}

int pt_run_text(const struct pt_options *o, const struct pt_inputs *in, enum pt_mode mode)
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
	wait_for_end(&s, o, once);
	/* judge and print what the state holds now; queries still out are cancelled */
	pt_session_stop(&s);
	status = pt_session_exit_status(&s);
	pt_session_end(&s, status);
	snap = pt_state_snapshot(s.state);
	if (snap == NULL) {
		fprintf(stderr, "proptrack: out of memory\n");
		pt_session_fini(&s);
		return PT_EXIT_NOT_CONVERGED;
	}
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
		pt_output_table(stdout, snap, o->color && isatty(STDOUT_FILENO), terminal_width());
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
	pt_session_fini(&s);
	return status;
}
