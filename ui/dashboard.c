/* wide-character curses (wide line drawing) whatever the feature macros say */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "dashboard.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "clock.h"
#include "colors.h"
#include "diagnose_job.h"
#include "keys.h"
#include "lookup.h"
#include "paste.h"
#include "rows.h"
#include "safefile.h"
#include "text.h"

/* ui/keys.h names function keys without curses; they must be curses' own codes */
_Static_assert(PT_KEY_DOWN == (PT_KEY_FN | KEY_DOWN), "KEY_DOWN");
_Static_assert(PT_KEY_UP == (PT_KEY_FN | KEY_UP), "KEY_UP");
_Static_assert(PT_KEY_LEFT == (PT_KEY_FN | KEY_LEFT), "KEY_LEFT");
_Static_assert(PT_KEY_RIGHT == (PT_KEY_FN | KEY_RIGHT), "KEY_RIGHT");
_Static_assert(PT_KEY_HOME == (PT_KEY_FN | KEY_HOME), "KEY_HOME");
_Static_assert(PT_KEY_BACKSPACE == (PT_KEY_FN | KEY_BACKSPACE), "KEY_BACKSPACE");
_Static_assert(PT_KEY_DC == (PT_KEY_FN | KEY_DC), "KEY_DC");
_Static_assert(PT_KEY_NPAGE == (PT_KEY_FN | KEY_NPAGE), "KEY_NPAGE");
_Static_assert(PT_KEY_PPAGE == (PT_KEY_FN | KEY_PPAGE), "KEY_PPAGE");
_Static_assert(PT_KEY_ENTER == (PT_KEY_FN | KEY_ENTER), "KEY_ENTER");
_Static_assert(PT_KEY_END == (PT_KEY_FN | KEY_END), "KEY_END");
_Static_assert(PT_KEY_RESIZE == (PT_KEY_FN | KEY_RESIZE), "KEY_RESIZE");

/* Below this the layout cannot hold header, legend, table and status line. */
#define MIN_COLS 60
#define MIN_LINES 15
/* Wake-ups redraw at most this often (mtr's MIN_DISPLAY_REDRAW_USEC idea). */
#define REDRAW_MIN_NS (100 * PT_NS_PER_MS)
/* A frame (snapshot and draw) may cost at most 1/FRAME_SHARE of the time between two frames
 * that replies cause: a list of 100,000 rows that changes all the time is redrawn less often
 * than ten times a second, and the dashboard stays a small share of a core. */
#define FRAME_SHARE 25
/* TTL countdowns need one redraw per second even when nothing arrives. */
#define TICK_NS PT_NS_PER_S
/* How long a status-line message stays. */
#define MESSAGE_NS (6 * PT_NS_PER_S)

/* Terminal bytes read per wake-up (a paste), before the screen gets a turn. */
#define READ_MAX ((size_t)4 << 20)

enum panel_kind { PANEL_NONE = 0, PANEL_HELP, PANEL_DETAILS, PANEL_PASTE, PANEL_DIAG };
enum prompt_kind {
	PROMPT_NONE = 0,
	PROMPT_FILTER,
	PROMPT_TYPE,
	PROMPT_EXPECT,
	PROMPT_WRITE,
	PROMPT_CONFIRM
};

/* Everything the UI loop keeps between frames. */
struct dash {
	const struct pt_dashboard_config *cfg;
	struct pt_snapshot *snap;
	bool utf8;
	bool quit;
	long redraws;
	bool was_converged;

	/* the table: shown rows in order, the selection (by resolver id) and the scroll */
	enum pt_sort sort;
	char filter[PT_EDIT_MAX];
	struct pt_order order;
	uint64_t sel_id;
	bool has_sel;
	size_t sel;
	size_t top;
	int page;

	/* one scrollable text panel (help, details) over the table */
	enum panel_kind panel;
	struct pt_text text;
	size_t panel_top;
	int panel_page;
	uint64_t panel_id;

	/* one line prompt in the status line */
	enum prompt_kind prompt;
	const char *prompt_label;
	struct pt_line_edit edit;
	/* `w`: the path waiting for the overwrite confirmation, and that prompt's text */
	char write_path[PATH_MAX];
	char confirm_label[PATH_MAX + 64];

	/* `p` or a paste: the paste panel, and the resolvers tracked when it opened (borrowed by
	 * it); its host names resolving in the background; Ctrl-D waits for them */
	struct pt_paste *paste;
	struct pt_resolvers *paste_tracked;
	struct pt_lookup *lookup;
	bool paste_waiting;
	/* keys from the terminal's bytes (bracketed paste is on for the whole session) */
	struct pt_key_reader kr;
	/* `x` removed these, newest last: `u` puts them back */
	struct pt_resolver *removed;
	size_t nremoved;
	size_t removed_cap;
	int cursor_y;
	int cursor_x;

	/* `d`: the running or finishing diagnosis (its result is dropped when job_cancelled),
	 * and the last result shown */
	struct pt_diag_job *job;
	bool job_cancelled;
	struct pt_diagnosis diag;
	bool has_diag;
	enum pt_status diag_st;
	int diag_width;

	/* take a snapshot before the next frame (a resolver was added or removed) */
	bool resnap;

	char message[256];
	bool message_error;
	uint64_t message_until;
};

/* ---- terminal safety: signals ---- */

static volatile sig_atomic_t got_quit;
static volatile sig_atomic_t got_winch;
static volatile sig_atomic_t got_tstp;
static volatile sig_atomic_t curses_on;
static volatile sig_atomic_t bracketed_on;
static int sig_pipe[2] = { -1, -1 };
/* where the keys come from: standard input when it is the terminal, else /dev/tty */
static int tty_out = STDOUT_FILENO;

static const char bracketed_enable[] = "\033[?2004h";
static const char bracketed_disable[] = "\033[?2004l";

/* Signals that end the dashboard the way q does (the summary, the exit status), Ctrl-Z, and a
 * resize. */
static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP };
/* Every other signal whose default action ends the program: the terminal is restored, then
 * the program ends as that signal ends it (a core dump for SIGQUIT and crashes). */
static const int fatal_signals[] = {
	SIGQUIT,   SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ,
	SIGSYS,	   SIGTRAP, SIGIO,   SIGSEGV, SIGBUS,	 SIGFPE,  SIGILL,  SIGABRT,
#ifdef SIGPWR
	SIGPWR,
#endif
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};
static struct sigaction old_quit[sizeof(quit_signals) / sizeof(quit_signals[0])];
static struct sigaction old_fatal[sizeof(fatal_signals) / sizeof(fatal_signals[0])];

static void on_signal(int sig)
{
	int saved = errno;
	ssize_t r;

	if (sig == SIGWINCH) {
		got_winch = 1;
	} else if (sig == SIGTSTP) {
		got_tstp = 1;
	} else {
		got_quit = 1;
	}
	/* the UI thread may be in poll(); a byte on the pipe wakes it whichever thread got this */
	if (sig_pipe[1] >= 0) {
		r = write(sig_pipe[1], "", 1);
		(void)r;
	}
	errno = saved;
}

static void on_fatal(int sig)
{
	/* leave the terminal usable, then die of the same signal */
	if (bracketed_on) {
		ssize_t r = write(tty_out, bracketed_disable, sizeof(bracketed_disable) - 1);

		(void)r;
		bracketed_on = 0;
	}
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
	signal(sig, SIG_DFL);
	/* blocked until this handler returns (a crash re-runs the faulting instruction) */
	raise(sig);
}

static int signals_install(void)
{
	struct sigaction sa;
	size_t i;
	int fl;

	if (pipe(sig_pipe) != 0) {
		return -1;
	}
	for (i = 0; i < 2; i++) {
		fl = fcntl(sig_pipe[i], F_GETFL);
		fcntl(sig_pipe[i], F_SETFL, fl | O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: poll() returns EINTR at once on this thread */
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(quit_signals) / sizeof(quit_signals[0]); i++) {
		sigaction(quit_signals[i], &sa, &old_quit[i]);
	}
	sa.sa_handler = on_fatal;
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
		sigaction(fatal_signals[i], NULL, &old_fatal[i]);
		/* a signal the program was told to ignore stays ignored */
		if (old_fatal[i].sa_handler != SIG_IGN) {
			sigaction(fatal_signals[i], &sa, NULL);
		}
	}
	return 0;
}

static void signals_restore(void)
{
	size_t i;

	for (i = 0; i < sizeof(quit_signals) / sizeof(quit_signals[0]); i++) {
		sigaction(quit_signals[i], &old_quit[i], NULL);
	}
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
		sigaction(fatal_signals[i], &old_fatal[i], NULL);
	}
	for (i = 0; i < 2; i++) {
		if (sig_pipe[i] >= 0) {
			close(sig_pipe[i]);
			sig_pipe[i] = -1;
		}
	}
}

/* ---- state ---- */

static void set_message(struct dash *d, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_message(struct dash *d, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	d->message_error = error;
	d->message_until = pt_clock_monotonic() + (error ? 2 : 1) * MESSAGE_NS;
}

/* Alerts: a notification escape goes to the terminal between frames (curses keeps no
 * account of it: it moves no cursor), a failure report to the message line. */
static bool alerts_out(struct dash *d)
{
	struct pt_buf term = { 0 };
	char msg[256] = "";
	bool shown = false;

	d->cfg->ops->alerts(d->cfg->ctx, &term, msg, sizeof(msg));
	if (term.len > 0 && !term.oom) {
		ssize_t r = write(tty_out, term.s, term.len);

		(void)r; /* a notification lost on a closed terminal: nothing to do */
	}
	if (msg[0] != '\0') {
		set_message(d, true, "%s", msg);
		shown = true;
	}
	pt_buf_fini(&term);
	return shown;
}

static void take_snapshot(struct dash *d)
{
	struct pt_snapshot *s;

	d->cfg->ops->drain(d->cfg->ctx);
	s = d->cfg->ops->snapshot(d->cfg->ctx);
	if (!s) {
		return; /* out of memory: keep showing the last one */
	}
	pt_snapshot_free(d->snap);
	d->snap = s;
	/* the bell rings for a convergence that happened while watching, not for agreement that
	 * was there from the start */
	if (s->converged && !d->was_converged && s->changed) {
		beep();
	}
	d->was_converged = s->converged;
}

/* Bring the shown rows up to date (sorted and filtered again only when the rows, the order or
 * the filter changed) and keep the selection on the same resolver. */
static void update_order(struct dash *d, uint64_t now)
{
	const struct pt_snapshot *s = d->snap;
	size_t i;

	if (!s) {
		d->order.n = 0;
		return;
	}
	if (!pt_order_update(&d->order, s, d->sort, d->filter, now) && d->has_sel) {
		return; /* the same rows in the same places: the selection stands */
	}
	if (d->order.n == 0) {
		d->sel = 0;
		return;
	}
	if (d->has_sel) {
		for (i = 0; i < d->order.n; i++) {
			if (pt_snapshot_row(s, d->order.idx[i])->id == d->sel_id) {
				d->sel = i;
				return;
			}
		}
	}
	/* the selected resolver left the view: stay at the same place */
	if (d->sel >= d->order.n) {
		d->sel = d->order.n - 1;
	}
	d->sel_id = pt_snapshot_row(s, d->order.idx[d->sel])->id;
	d->has_sel = true;
}

static void move_selection(struct dash *d, long delta, bool absolute)
{
	long pos = absolute ? delta : (long)d->sel + delta;

	if (d->order.n == 0 || !d->snap) {
		return;
	}
	if (pos < 0) {
		pos = 0;
	}
	if (pos >= (long)d->order.n) {
		pos = (long)d->order.n - 1;
	}
	d->sel = (size_t)pos;
	d->sel_id = pt_snapshot_row(d->snap, d->order.idx[d->sel])->id;
	d->has_sel = true;
}

/* The row of resolver @p id: rows are in the order added, and a new id is larger than every
 * earlier one (pt_state_add()), so a binary search finds it. */
static const struct pt_row *find_row(const struct pt_snapshot *s, uint64_t id)
{
	size_t lo = 0, hi = s ? s->nrows : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pt_row *r = pt_snapshot_row(s, mid);

		if (r->id == id) {
			return r;
		}
		if (r->id < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return NULL;
}

/* ---- painting ---- */

static void paint(int y, const struct pt_line *l, int x, attr_t extra, int fill)
{
	size_t i;

	move(y, x);
	for (i = 0; i < l->nsegs; i++) {
		attrset((attr_t)pt_colors_attr(l->segs[i].role) | extra);
		addnstr(l->text + l->segs[i].start, (int)l->segs[i].len);
	}
	attrset(A_NORMAL | extra);
	for (i = (size_t)l->width; (int)i < fill; i++) {
		addch(' ');
	}
	attrset(A_NORMAL);
}

static void paint_text(int y, int x, int width, enum pt_color role, const char *text, bool utf8)
{
	struct pt_line l;

	pt_line_init(&l, width, utf8);
	pt_line_add(&l, role, text);
	paint(y, &l, x, A_NORMAL, 0);
}

/* A box with a title, drawn in Unicode line drawing under UTF-8, ASCII otherwise. */
static void paint_box(int y0, int x0, int h, int w, const char *title, const char *footer,
		      bool utf8)
{
	const char *hz = utf8 ? "\u2500" : "-";
	const char *vt = utf8 ? "\u2502" : "|";
	int x, y;

	attrset((attr_t)pt_colors_attr(PT_COLOR_HEADER));
	mvaddstr(y0, x0, utf8 ? "\u250c" : "+");
	mvaddstr(y0 + h - 1, x0, utf8 ? "\u2514" : "+");
	for (x = 1; x < w - 1; x++) {
		mvaddstr(y0, x0 + x, hz);
		mvaddstr(y0 + h - 1, x0 + x, hz);
	}
	mvaddstr(y0, x0 + w - 1, utf8 ? "\u2510" : "+");
	mvaddstr(y0 + h - 1, x0 + w - 1, utf8 ? "\u2518" : "+");
	for (y = 1; y < h - 1; y++) {
		mvaddstr(y0 + y, x0, vt);
		mvaddstr(y0 + y, x0 + w - 1, vt);
	}
	attrset(A_NORMAL);
	paint_text(y0, x0 + 2, w - 4, PT_COLOR_HEADER, title, utf8);
	paint_text(y0 + h - 1, x0 + 2, w - 4, PT_COLOR_HEADER, footer, utf8);
}

static void build_details(struct dash *d, uint64_t now, int width)
{
	const struct pt_row *row = find_row(d->snap, d->panel_id);

	pt_text_fini(&d->text);
	if (!row) {
		pt_text_add(&d->text, "This resolver is no longer tracked.");
		return;
	}
	pt_rows_details(&d->text, d->snap, row, now, pt_clock_wall_ms(), d->utf8, width);
}

/* The diagnosis panel's text: progress while the thread runs, then every check. */
static void build_diag_text(struct dash *d, int width, uint64_t now)
{
	static const char spin[] = "|/-\\";

	if (d->job && !d->has_diag) {
		const struct pt_diagnose_config *jc = pt_diag_job_config(d->job);
		uint64_t started = pt_diag_job_started(d->job);
		uint64_t secs = now > started ? (now - started) / PT_NS_PER_S : 0;

		pt_text_fini(&d->text);
		pt_text_add_role(&d->text, PT_COLOR_HEADER, "MX diagnosis of %s", jc->domain);
		pt_text_add(&d->text, "%s", "");
		pt_text_add_role(&d->text, PT_COLOR_PENDING, "%c diagnosing%s %llus",
				 spin[(now / (250 * PT_NS_PER_MS)) % 4], d->utf8 ? "\u2026" : "...",
				 (unsigned long long)secs);
		pt_text_add(&d->text, "%s", "");
		pt_text_add(&d->text,
			    "Asking the zone's name servers, the parent zone and %zu tracked",
			    jc->nresolvers);
		pt_text_add(&d->text, "resolver%s%s. Esc stops it; the dashboard keeps running.",
			    jc->nresolvers == 1 ? "" : "s", jc->smtp ? ", and probing SMTP" : "");
		d->diag_width = 0;
		return;
	}
	if (!d->has_diag || d->diag_width == width) {
		return;
	}
	pt_text_fini(&d->text);
	d->diag_width = width;
	if (d->diag_st != PT_OK) {
		pt_text_add_role(&d->text, PT_COLOR_ERROR, "The diagnosis failed: %s",
				 pt_strerror(d->diag_st));
		return;
	}
	pt_rows_diagnosis(&d->text, &d->diag, width);
}

/* The paste panel: counts, rejected lines (scrollable), and the last lines of the text. */
static void draw_paste(struct dash *d, int top, int left, int h, int w)
{
	struct pt_paste_stats st;
	struct pt_paste_diag pd;
	char buf[1024];
	int x = left + 2, iw = w - 4, y = top + 1, bottom = top + h - 1, nin, list_top, page, i;
	size_t nd, at;

	pt_paste_stats(d->paste, &st);
	paint_text(y++, x, iw, PT_COLOR_HEADER,
		   "Paste or type resolvers, one per line (resolvers.txt, resolv.conf, CSV).",
		   d->utf8);
	paint_text(y++, x, iw, st.rejected ? PT_COLOR_DIVERGE : PT_COLOR_AGREE,
		   pt_rows_paste_counts(buf, sizeof(buf), &st, d->utf8), d->utf8);
	if (st.dropped > 0) {
		snprintf(buf, sizeof(buf), "text cut at %zu MiB: %zu more bytes dropped",
			 PT_PASTE_MAX_BYTES >> 20, st.dropped);
		paint_text(y++, x, iw, PT_COLOR_ERROR, buf, d->utf8);
	}
	if (st.unterminated) {
		paint_text(y++, x, iw, PT_COLOR_DIVERGE,
			   "the paste ended without its end marker (\\e[201~); typing again",
			   d->utf8);
	}
	/* the text at the bottom: a few lines, the last one is being typed */
	nin = h >= 24 ? 6 : h >= 16 ? 4 : 2;
	list_top = y + 1;
	page = bottom - nin - 1 - (list_top + 1);
	if (page < 1) {
		page = 1;
	}
	nd = pt_paste_ndiags(d->paste);
	pt_paste_clamp_scroll(d->paste, (size_t)page);
	at = pt_paste_scroll(d->paste);
	if (nd == 0) {
		snprintf(buf, sizeof(buf), "No line rejected.");
	} else {
		snprintf(buf, sizeof(buf), "%s (%zu-%zu of %zu%s):",
			 st.names > 0 ? "Rejected lines and host names" : "Rejected lines", at + 1,
			 at + (size_t)page < nd ? at + (size_t)page : nd, nd,
			 st.rejected + st.names > nd ? ", the first ones kept" : "");
	}
	paint_text(list_top, x, iw, st.rejected ? PT_COLOR_ERROR : PT_COLOR_NORMAL, buf, d->utf8);
	for (i = 0; i < page && at + (size_t)i < nd; i++) {
		pd = pt_paste_diag(d->paste, at + (size_t)i);
		paint_text(list_top + 1 + i, x + 2, iw - 2, pt_rows_paste_role(&pd),
			   pt_rows_paste_diag(buf, sizeof(buf), &pd), d->utf8);
	}
	y = bottom - nin - 1;
	paint_text(y++, x, iw, PT_COLOR_HEADER, "Text (last lines):", d->utf8);
	for (i = nin - 1; i >= 0; i--, y++) {
		size_t room = iw > 4 ? (size_t)iw - 3 : 1;

		if (room >= sizeof(buf)) {
			room = sizeof(buf) - 1;
		}
		if (!pt_paste_line_from_end(d->paste, (size_t)i, buf, room + 1)) {
			continue;
		}
		paint_text(y, x, 2, PT_COLOR_PENDING, d->utf8 ? "\u203a " : "> ", d->utf8);
		paint_text(y, x + 2, iw - 2, PT_COLOR_NORMAL, buf, d->utf8);
		if (i == 0) {
			int cx = x + 2 + pt_text_width(buf);

			d->cursor_y = y;
			d->cursor_x = cx < left + w - 2 ? cx : left + w - 3;
		}
	}
}

static void draw_panel(struct dash *d, uint64_t now)
{
	int h = LINES - 2, w = COLS - 4, y, inner;
	char footer[96];

	if (COLS > 110) {
		w = 104;
	}
	if (d->panel == PANEL_DETAILS) {
		build_details(d, now, w - 6); /* live: TTLs count down while it is open */
	}
	if (d->panel == PANEL_DIAG) {
		build_diag_text(d, w - 6, now);
	}
	if (d->panel == PANEL_PASTE) {
		for (y = 0; y < h; y++) {
			move(1 + y, 2);
			attrset(A_NORMAL);
			hline(' ', w);
		}
		paint_box(1, 2, h, w, " Add resolvers ",
			  d->utf8 ? " Ctrl-D add \u00b7 Esc cancel \u00b7 \u2191\u2193 PgUp PgDn "
				    "scroll rejected "
				  : " Ctrl-D add | Esc cancel | Up/Down PgUp PgDn scroll rejected ",
			  d->utf8);
		draw_paste(d, 1, 2, h, w);
		return;
	}
	inner = h - 2;
	d->panel_page = inner > 0 ? inner : 1;
	if (d->text.n <= (size_t)inner) {
		d->panel_top = 0;
	} else if (d->panel_top > d->text.n - (size_t)inner) {
		d->panel_top = d->text.n - (size_t)inner;
	}
	snprintf(footer, sizeof(footer), " Esc close %s %zu-%zu/%zu ",
		 d->utf8 ? "\u2191\u2193 scroll \u00b7" : "Up/Down scroll |",
		 d->text.n ? d->panel_top + 1 : 0,
		 d->panel_top + (size_t)inner < d->text.n ? d->panel_top + (size_t)inner
							  : d->text.n,
		 d->text.n);
	/* clear the panel area, then frame and fill it */
	for (y = 0; y < h; y++) {
		move(1 + y, 2);
		attrset(A_NORMAL);
		hline(' ', w);
	}
	paint_box(1, 2, h, w,
		  d->panel == PANEL_HELP   ? " Help "
		  : d->panel == PANEL_DIAG ? " MX diagnosis "
					   : " Resolver details ",
		  footer, d->utf8);
	for (y = 0; y < inner && d->panel_top + (size_t)y < d->text.n; y++) {
		size_t at = d->panel_top + (size_t)y;
		enum pt_color role = d->text.roles ? d->text.roles[at] : PT_COLOR_NORMAL;

		if (at == 0 && d->panel != PANEL_DIAG) {
			role = PT_COLOR_HEADER;
		}
		if (d->text.rich && d->text.rich[at]) {
			paint(2 + y, d->text.rich[at], 4, A_NORMAL, 0);
		} else {
			paint_text(2 + y, 4, w - 4, role, d->text.lines[at], d->utf8);
		}
	}
}

static void draw_status(struct dash *d, uint64_t now)
{
	struct pt_line l;
	struct pt_status_info info;

	if (d->prompt != PROMPT_NONE) {
		char before[PT_EDIT_MAX];
		size_t start = 0;
		int x, room;

		pt_line_init(&l, COLS, d->utf8);
		pt_line_add(&l, PT_COLOR_STATUSBAR, d->prompt_label);
		pt_line_add(&l, PT_COLOR_NORMAL, " ");
		x = l.width;
		room = COLS - x - 2;
		/* scroll long input so the cursor stays visible: skip whole characters */
		for (;;) {
			memcpy(before, d->edit.buf + start, d->edit.cursor - start);
			before[d->edit.cursor - start] = '\0';
			if (room < 1 || pt_text_width(before) <= room || start >= d->edit.cursor) {
				break;
			}
			do {
				start++;
			} while (start < d->edit.cursor &&
				 ((unsigned char)d->edit.buf[start] & 0xc0) == 0x80);
		}
		pt_line_add(&l, PT_COLOR_NORMAL, d->edit.buf + start);
		paint(LINES - 1, &l, 0, A_NORMAL, COLS);
		x += pt_text_width(before);
		move(LINES - 1, x < COLS ? x : COLS - 1);
		return;
	}
	if (d->message[0] != '\0' && now > d->message_until) {
		d->message[0] = '\0';
	}
	memset(&info, 0, sizeof(info));
	info.sort = d->sort;
	info.filter = d->filter;
	info.shown = d->order.n;
	info.total = d->snap ? d->snap->nrows : 0;
	info.queries = d->snap ? d->snap->queries : 0;
	info.message = d->message;
	info.error = d->message_error;
	if (d->panel == PANEL_PASTE && d->message[0] == '\0') {
		/* keys are text here: say how to get out */
		info.message = "adding resolvers: Ctrl-D adds them, Esc cancels";
	}
	pt_rows_status(&l, COLS, d->utf8, &info);
	paint(LINES - 1, &l, 0, A_NORMAL, 0);
}

static void draw(struct dash *d, uint64_t now)
{
	struct pt_line lines[8];
	struct pt_layout lay;
	size_t nlegend, i, maxlegend;
	int y = 0, page;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		char notice[64];

		snprintf(notice, sizeof(notice), "enlarge the terminal (need %dx%d)", MIN_COLS,
			 MIN_LINES);
		curs_set(0);
		paint_text(0, 0, COLS, PT_COLOR_ERROR, notice, d->utf8);
		refresh();
		return;
	}
	update_order(d, now);
	if (d->snap) {
		size_t nheader = pt_rows_header(lines, d->snap, COLS, now, d->utf8);

		for (i = 0; i < nheader; i++) {
			paint(y++, &lines[i], 0, A_NORMAL, 0);
		}
		maxlegend = LINES >= 40 ? 6 : LINES >= 24 ? 4 : 2;
		nlegend = pt_rows_legend(lines, maxlegend, d->snap, COLS, d->utf8);
		for (i = 0; i < nlegend; i++) {
			paint(y++, &lines[i], 0, A_NORMAL, 0);
		}
	}
	pt_rows_layout_mail(&lay, COLS, d->utf8, d->snap != NULL && d->snap->ntargets > 0);
	pt_rows_title(&lines[0], &lay);
	paint(y++, &lines[0], 0, A_NORMAL, 0);
	page = LINES - 1 - y;
	d->page = page > 0 ? page : 1;
	if (d->sel < d->top) {
		d->top = d->sel;
	}
	if (d->sel >= d->top + (size_t)d->page) {
		d->top = d->sel - (size_t)d->page + 1;
	}
	if (d->top + (size_t)d->page > d->order.n) {
		d->top = d->order.n > (size_t)d->page ? d->order.n - (size_t)d->page : 0;
	}
	/* only the visible rows are formatted: 10,000 resolvers cost one sort per frame */
	for (i = 0; i < (size_t)d->page && d->top + i < d->order.n; i++) {
		size_t at = d->top + i;

		pt_rows_line(&lines[0], &lay, d->snap, pt_snapshot_row(d->snap, d->order.idx[at]),
			     now);
		paint(y + (int)i, &lines[0], 0, at == d->sel ? A_REVERSE : A_NORMAL,
		      at == d->sel ? COLS : 0);
	}
	if (d->order.n == 0) {
		paint_text(y + 1, 2, COLS - 4, PT_COLOR_PENDING,
			   d->filter[0] ? "no resolver matches the filter (Esc clears it)"
					: "no resolvers",
			   d->utf8);
	}
	if (d->panel != PANEL_NONE) {
		draw_panel(d, now);
	}
	curs_set(d->prompt != PROMPT_NONE || d->panel == PANEL_PASTE ? 1 : 0);
	draw_status(d, now);
	if (d->panel == PANEL_PASTE && d->prompt == PROMPT_NONE) {
		move(d->cursor_y, d->cursor_x);
	}
	refresh();
}

/* ---- actions ---- */

static void open_prompt(struct dash *d, enum prompt_kind kind, const char *label,
			const char *initial)
{
	d->prompt = kind;
	d->prompt_label = label;
	pt_line_edit_init(&d->edit, initial);
}

static void apply_type(struct dash *d)
{
	char domain[300], reason[160], tname[32];
	uint16_t qtype = 0;
	enum pt_status st;

	if (!d->snap) {
		return;
	}
	if (pt_rows_parse_target(d->edit.buf, d->snap->domain, d->snap->qtype, domain,
				 sizeof(domain), &qtype, reason, sizeof(reason)) != PT_OK) {
		set_message(d, true, "%s", reason);
		return;
	}
	st = d->cfg->ops->retarget(d->cfg->ctx, domain, qtype);
	if (st != PT_OK) {
		set_message(d, true, "cannot track %s %s: %s", domain,
			    pt_rrtype_name(qtype, tname, sizeof(tname)), pt_strerror(st));
		return;
	}
	set_message(d, false, "now tracking %s %s", domain,
		    pt_rrtype_name(qtype, tname, sizeof(tname)));
}

static void apply_expect(struct dash *d)
{
	char *parts[64];
	char copy[PT_EDIT_MAX];
	size_t n;
	enum pt_status st;

	memcpy(copy, d->edit.buf, sizeof(copy));
	n = pt_rows_split_expect(copy, parts, sizeof(parts) / sizeof(parts[0]));
	st = d->cfg->ops->expect(d->cfg->ctx, (const char *const *)parts, n);
	if (st == PT_ERR_PARSE) {
		set_message(d, true, "cannot read \"%s\" as RDATA of this type", d->edit.buf);
	} else if (st != PT_OK) {
		set_message(d, true, "expected answer not set: %s", pt_strerror(st));
	} else if (n == 0) {
		set_message(d, false, "expected answer cleared: the authoritative servers decide");
	} else {
		set_message(d, false, "expected answer set (%zu record%s)", n, n == 1 ? "" : "s");
	}
}

/* ---- resolvers: paste, remove, write ---- */

/* The resolvers of the latest snapshot, in the order added. Caller owns; NULL on failure. */
static struct pt_resolvers *snapshot_list(const struct pt_snapshot *s)
{
	struct pt_resolvers *list = pt_resolvers_new();
	size_t i;

	if (!list) {
		return NULL;
	}
	for (i = 0; s && i < s->nrows; i++) {
		if (pt_resolvers_add(list, pt_snapshot_row(s, i)->resolver, NULL) != PT_OK) {
			pt_resolvers_free(list);
			return NULL;
		}
	}
	return list;
}

static void bracketed_paste(bool on)
{
	const char *seq = on ? bracketed_enable : bracketed_disable;
	ssize_t r;

	/* curses' own output first, so the mode switch is not written into the middle of it */
	fflush(stdout);
	r = write(tty_out, seq, sizeof(bracketed_enable) - 1);
	(void)r;
	bracketed_on = on;
}

static void paste_close(struct dash *d)
{
	pt_lookup_free(d->lookup);
	d->lookup = NULL;
	pt_paste_free(d->paste);
	d->paste = NULL;
	d->paste_waiting = false;
	pt_resolvers_free(d->paste_tracked);
	d->paste_tracked = NULL;
	if (d->panel == PANEL_PASTE) {
		d->panel = PANEL_NONE;
	}
}

/* Hand the host names parsed so far to the background lookup (once a paste is over: a paste
 * may still be folded into other lines). */
static void paste_names(struct dash *d)
{
	struct pt_paste_stats st;
	const char *text;
	size_t len;
	uint64_t id;

	pt_paste_stats(d->paste, &st);
	if (st.pasting) {
		return;
	}
	while (pt_paste_next_name(d->paste, &id, &text, &len)) {
		if (!d->lookup && d->cfg->ops->lookup) {
			d->lookup = d->cfg->ops->lookup(d->cfg->ctx, sig_pipe[1]);
		}
		if (!d->lookup || pt_lookup_add(d->lookup, id, text, len) != PT_OK) {
			pt_paste_name_result(d->paste, id, NULL,
					     "cannot resolve it: no background lookup");
		}
	}
}

/* Results of the background lookup into the panel. @return whether any came. */
static bool paste_results(struct dash *d)
{
	struct pt_lookup_result *res;
	size_t n;

	if (!d->lookup || !d->paste) {
		return false;
	}
	n = pt_lookup_take(d->lookup, &res);
	for (size_t i = 0; i < n; i++) {
		pt_paste_name_result(d->paste, res[i].id, res[i].ok ? &res[i].resolver : NULL,
				     res[i].reason);
	}
	free(res);
	return n > 0;
}

static void paste_apply(struct dash *d)
{
	const struct pt_resolvers *list = NULL;
	struct pt_resolvers *tracked;
	struct pt_paste_stats st;
	size_t i, n, added = 0, known = 0, failed = 0;
	enum pt_status rc;
	char more[200];

	rc = pt_paste_finish(d->paste, &list, &st);
	/* the newest list: something may have been removed since the panel opened */
	take_snapshot(d);
	tracked = snapshot_list(d->snap);
	n = list ? pt_resolvers_count(list) : 0;
	for (i = 0; i < n; i++) {
		const struct pt_resolver *r = pt_resolvers_get(list, i);

		if (tracked && pt_resolvers_find(tracked, r->address, r->port) >= 0) {
			known++;
		} else if (d->cfg->ops->add(d->cfg->ctx, r) == PT_OK) {
			added++;
		} else {
			failed++;
		}
	}
	pt_resolvers_free(tracked);
	more[0] = '\0';
	if (known > 0) {
		snprintf(more + strlen(more), sizeof(more) - strlen(more), ", %zu already tracked",
			 known);
	}
	if (st.duplicates > 0) {
		snprintf(more + strlen(more), sizeof(more) - strlen(more), ", %zu duplicate%s",
			 st.duplicates, st.duplicates == 1 ? "" : "s");
	}
	if (st.rejected > 0) {
		snprintf(more + strlen(more), sizeof(more) - strlen(more), ", %zu line%s rejected",
			 st.rejected, st.rejected == 1 ? "" : "s");
	}
	if (st.names_pending > 0) {
		snprintf(more + strlen(more), sizeof(more) - strlen(more),
			 ", %zu host name%s left out (not resolved yet)", st.names_pending,
			 st.names_pending == 1 ? "" : "s");
	}
	if (rc != PT_OK || failed > 0) {
		set_message(d, true, "added %zu resolver%s; %zu not added: %s%s", added,
			    added == 1 ? "" : "s", failed + (rc != PT_OK),
			    pt_strerror(PT_ERR_NOMEM), more);
	} else if (added == 0 && known == 0 && st.rejected == 0 && st.names_pending == 0) {
		set_message(d, false, "nothing to add");
	} else {
		set_message(d, st.rejected > 0 && added == 0, "added %zu resolver%s%s", added,
			    added == 1 ? "" : "s", more);
	}
	paste_close(d);
	d->resnap = true;
}

/* Ctrl-D: the last line counts as complete; add the entries once every host name is
 * resolved (the panel says it waits; Ctrl-D again adds without them, Esc cancels). */
static void paste_request_apply(struct dash *d)
{
	struct pt_paste_stats st;

	pt_paste_complete(d->paste);
	paste_names(d);
	paste_results(d);
	pt_paste_stats(d->paste, &st);
	if (st.names_pending == 0) {
		paste_apply(d);
		return;
	}
	d->paste_waiting = true;
	set_message(d, false,
		    "resolving %zu host name%s%s: added when done (Ctrl-D: add without them, "
		    "Esc: cancel)",
		    st.names_pending, st.names_pending == 1 ? "" : "s", d->utf8 ? "\u2026" : "...");
}

static void paste_event(struct dash *d, enum pt_paste_event ev)
{
	if (ev == PT_PASTE_APPLY) {
		paste_request_apply(d);
	} else if (ev == PT_PASTE_CANCEL) {
		paste_close(d);
		set_message(d, false, "paste cancelled: nothing added");
	}
}

/* Bytes from the terminal for the open paste panel, up to a Ctrl-D or Esc. @return bytes
 * used; what follows is keys again. */
static size_t paste_input(struct dash *d, const unsigned char *b, size_t n, uint64_t now)
{
	size_t used = 0;
	enum pt_paste_event ev = pt_paste_feed(d->paste, b, n, now, &used);

	if (ev != PT_PASTE_NONE) {
		paste_event(d, ev);
	}
	return used;
}

static void diag_close(struct dash *d);

/* Open the paste panel (over any other panel); @p marker: a paste began, its text follows. */
static void paste_open(struct dash *d, bool marker, uint64_t now)
{
	unsigned char pend[16];
	size_t n;

	if (d->paste) {
		return;
	}
	if (d->panel == PANEL_DIAG) {
		diag_close(d);
	}
	pt_text_fini(&d->text);
	d->paste_tracked = snapshot_list(d->snap);
	d->paste = pt_paste_new(d->paste_tracked);
	if (!d->paste) {
		pt_resolvers_free(d->paste_tracked);
		d->paste_tracked = NULL;
		set_message(d, true, "paste: %s", pt_strerror(PT_ERR_NOMEM));
		return;
	}
	d->panel = PANEL_PASTE;
	d->cursor_y = LINES - 1;
	d->cursor_x = 0;
	if (marker) {
		paste_input(d, (const unsigned char *)"\033[200~", 6, now);
	}
	/* what the key reader held (typed just after `p`) goes to the panel too */
	n = pt_key_reader_take(&d->kr, pend);
	if (n > 0) {
		paste_input(d, pend, n, now);
	}
}

/* `x`: remove the selected resolver; `u` puts it back. */
static void remove_selected(struct dash *d)
{
	const struct pt_row *row;

	row = d->has_sel && d->order.n > 0 ? find_row(d->snap, d->sel_id) : NULL;
	if (!row) {
		set_message(d, true, "remove: no resolver selected");
		return;
	}
	if (d->nremoved == d->removed_cap) {
		size_t cap = d->removed_cap ? d->removed_cap * 2 : 8;
		struct pt_resolver *v = realloc(d->removed, cap * sizeof(*v));

		if (!v) {
			set_message(d, true, "remove: %s", pt_strerror(PT_ERR_NOMEM));
			return;
		}
		d->removed = v;
		d->removed_cap = cap;
	}
	d->removed[d->nremoved++] = *row->resolver;
	d->cfg->ops->remove(d->cfg->ctx, row->id);
	set_message(d, false, "removed %s%s%s port %u (u undoes)", row->resolver->label,
		    row->resolver->label[0] ? " " : "", row->resolver->address,
		    (unsigned)row->resolver->port);
	d->resnap = true;
}

static void undo_remove(struct dash *d)
{
	struct pt_resolvers *tracked;
	struct pt_resolver r;
	bool known;

	if (d->nremoved == 0) {
		set_message(d, false, "undo: nothing was removed");
		return;
	}
	r = d->removed[--d->nremoved];
	take_snapshot(d);
	tracked = snapshot_list(d->snap);
	known = tracked && pt_resolvers_find(tracked, r.address, r.port) >= 0;
	pt_resolvers_free(tracked);
	if (known) {
		set_message(d, false, "undo: %s%s%s is tracked again already", r.label,
			    r.label[0] ? " " : "", r.address);
	} else if (d->cfg->ops->add(d->cfg->ctx, &r) != PT_OK) {
		d->nremoved++;
		set_message(d, true, "undo: %s", pt_strerror(PT_ERR_NOMEM));
	} else {
		set_message(d, false, "put back %s%s%s port %u: asking it again", r.label,
			    r.label[0] ? " " : "", r.address, (unsigned)r.port);
	}
	d->resnap = true;
}

/* Write the tracked list to @p path (atomically: the save command's contract). */
static void write_list(struct dash *d, const char *path, bool overwrite)
{
	size_t n;

	take_snapshot(d); /* the count to report: a resolver removed a moment ago is gone */
	n = d->snap ? d->snap->nrows : 0;
	if (d->cfg->ops->save(d->cfg->ctx, path, overwrite) != PT_OK) {
		int err = errno;

		if (err == EEXIST) {
			set_message(d, true, "not written: %s exists (it appeared meanwhile)",
				    path);
		} else {
			set_message(d, true, "cannot write %s: %s", path,
				    pt_safefile_strerror(err));
		}
		return;
	}
	set_message(d, false, "wrote %zu resolver%s to %s", n, n == 1 ? "" : "s", path);
}

static void write_begin(struct dash *d, const char *input)
{
	const char *home = getenv("HOME");
	struct stat sb;
	size_t n;

	while (*input == ' ' || *input == '\t') {
		input++;
	}
	n = strlen(input);
	while (n > 0 && (input[n - 1] == ' ' || input[n - 1] == '\t')) {
		n--;
	}
	if (n == 0) {
		set_message(d, false, "write: no file name, nothing written");
		return;
	}
	if (input[0] == '~' && (n == 1 || input[1] == '/') && home && home[0]) {
		snprintf(d->write_path, sizeof(d->write_path), "%s%.*s", home, (int)n - 1,
			 input + 1);
	} else {
		snprintf(d->write_path, sizeof(d->write_path), "%.*s", (int)n, input);
	}
	if (stat(d->write_path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			set_message(d, true, "cannot write %s: it is a directory", d->write_path);
			return;
		}
		snprintf(d->confirm_label, sizeof(d->confirm_label),
			 "%s exists. Overwrite it? (y/N)", d->write_path);
		d->prompt = PROMPT_CONFIRM;
		d->prompt_label = d->confirm_label;
		pt_line_edit_init(&d->edit, NULL);
		return;
	}
	write_list(d, d->write_path, false);
}

/* ---- the `d` diagnosis (a background job the commands start) ---- */

/* End a finished (or, with @p wait, a running) diagnosis; keep its result when the panel
 * still waits for it. */
static void diag_reap(struct dash *d, bool wait)
{
	struct pt_diagnosis result;
	enum pt_status st;

	if (!d->job || (!wait && !pt_diag_job_done(d->job))) {
		return;
	}
	if (!pt_diag_job_done(d->job)) {
		pt_diag_job_cancel(d->job);
	}
	st = pt_diag_job_finish(d->job, &result);
	d->job = NULL;
	if (!d->job_cancelled && d->panel == PANEL_DIAG) {
		d->diag = result;
		d->diag_st = st;
		d->has_diag = true;
		d->diag_width = 0;
		d->panel_top = 0;
	} else {
		pt_diagnosis_fini(&result);
	}
}

static void diag_close(struct dash *d)
{
	if (d->job) {
		/* stop at once; the job is ended when it has returned */
		d->job_cancelled = true;
		pt_diag_job_cancel(d->job);
	}
	if (d->has_diag) {
		pt_diagnosis_fini(&d->diag);
		d->has_diag = false;
	}
	pt_text_fini(&d->text);
	d->panel = PANEL_NONE;
}

static void diag_start(struct dash *d)
{
	if (d->job) {
		set_message(d, true, "the last diagnosis is still stopping; try again in a moment");
		return;
	}
	d->job = d->cfg->ops->diagnose(d->cfg->ctx, sig_pipe[1]);
	if (!d->job) {
		set_message(d, true, "diagnosis: cannot start it (%s)", pt_strerror(PT_ERR_NOMEM));
		return;
	}
	d->job_cancelled = false;
	pt_text_fini(&d->text);
	d->has_diag = false;
	d->panel = PANEL_DIAG;
	d->panel_top = 0;
}

static void prompt_key(struct dash *d, int key)
{
	enum pt_edit_result r;
	enum prompt_kind kind = d->prompt;

	if (key == PT_KEY_PASTE_END) {
		return;
	}
	if (key & PT_KEY_PASTED) {
		/* pasted text is text, never keys: line ends become spaces, no Enter fires */
		key &= ~PT_KEY_PASTED;
		if (key == '\r' || key == '\n' || key == '\t') {
			key = ' ';
		}
		if (kind == PROMPT_CONFIRM || key < 0x20 || key == 0x7f) {
			return;
		}
		r = pt_line_edit_key(&d->edit, key);
		if (r == PT_EDIT_CHANGED && kind == PROMPT_FILTER) {
			memcpy(d->filter, d->edit.buf, sizeof(d->filter));
		}
		return;
	}
	if (kind == PROMPT_CONFIRM) {
		/* one key: y writes over the file, anything else keeps it */
		d->prompt = PROMPT_NONE;
		if (key == 'y' || key == 'Y') {
			write_list(d, d->write_path, true);
		} else {
			set_message(d, false, "not written: %s kept as it was", d->write_path);
		}
		return;
	}
	r = pt_line_edit_key(&d->edit, key);

	if (r == PT_EDIT_CHANGED && kind == PROMPT_FILTER) {
		/* the table filters as you type */
		memcpy(d->filter, d->edit.buf, sizeof(d->filter));
	}
	if (r == PT_EDIT_CANCEL) {
		d->prompt = PROMPT_NONE;
		if (kind == PROMPT_FILTER) {
			d->filter[0] = '\0';
		}
		return;
	}
	if (r != PT_EDIT_ACCEPT) {
		return;
	}
	d->prompt = PROMPT_NONE;
	if (kind == PROMPT_FILTER) {
		memcpy(d->filter, d->edit.buf, sizeof(d->filter));
	} else if (kind == PROMPT_TYPE) {
		apply_type(d);
	} else if (kind == PROMPT_EXPECT) {
		apply_expect(d);
	} else if (kind == PROMPT_WRITE) {
		write_begin(d, d->edit.buf);
	}
}

static void panel_open(struct dash *d, enum panel_kind kind)
{
	pt_text_fini(&d->text);
	d->panel = kind;
	d->panel_top = 0;
	if (kind == PANEL_HELP) {
		pt_rows_help(&d->text);
	} else {
		d->panel_id = d->sel_id;
	}
}

static void panel_key(struct dash *d, enum pt_action a)
{
	size_t page = (size_t)d->panel_page;

	switch (a) {
	case PT_ACTION_UP:
		d->panel_top = d->panel_top > 0 ? d->panel_top - 1 : 0;
		break;
	case PT_ACTION_DOWN:
		d->panel_top++;
		break;
	case PT_ACTION_PGUP:
		d->panel_top = d->panel_top > page ? d->panel_top - page : 0;
		break;
	case PT_ACTION_PGDN:
		d->panel_top += page;
		break;
	case PT_ACTION_HOME:
		d->panel_top = 0;
		break;
	case PT_ACTION_END:
		d->panel_top = d->text.n; /* clamped when drawn */
		break;
	case PT_ACTION_CLOSE:
	case PT_ACTION_QUIT:
	case PT_ACTION_DETAILS:
	case PT_ACTION_HELP:
		if (d->panel == PANEL_DIAG) {
			diag_close(d);
		}
		d->panel = PANEL_NONE;
		pt_text_fini(&d->text);
		break;
	default:
		break;
	}
}

static void on_key(struct dash *d, int key, uint64_t now)
{
	enum pt_action a;

	if (key == PT_KEY_PASTE) {
		if (d->prompt != PROMPT_NONE || d->paste_waiting) {
			/* into the prompt as text; dropped while adding waits for host names */
			pt_key_reader_paste(&d->kr, now);
		} else {
			paste_open(d, true, now); /* the panel reads the paste itself */
		}
		return;
	}
	if (d->prompt != PROMPT_NONE) {
		prompt_key(d, key);
		return;
	}
	if (key == PT_KEY_PASTE_END || (key & PT_KEY_PASTED)) {
		return; /* the rest of a paste no prompt takes any more */
	}
	if (d->paste_waiting) {
		/* Ctrl-D again adds without the host names still resolving; Esc cancels */
		if (key == PT_KEY_CTRL('D')) {
			paste_apply(d);
		} else if (key == PT_KEY_ESC) {
			paste_close(d);
			set_message(d, false, "paste cancelled: nothing added");
		}
		return;
	}
	a = pt_keys_action(key);
	if (a == PT_ACTION_REDRAW) {
		clearok(curscr, TRUE);
		return;
	}
	if (d->panel != PANEL_NONE) {
		panel_key(d, a);
		return;
	}
	switch (a) {
	case PT_ACTION_QUIT:
		d->quit = true;
		break;
	case PT_ACTION_REFRESH:
		d->cfg->ops->requery(d->cfg->ctx);
		set_message(d, false, "re-querying every resolver and the truth");
		break;
	case PT_ACTION_SUBNET: {
		char label[64];

		if (d->cfg->ops->next_subnet &&
		    d->cfg->ops->next_subnet(d->cfg->ctx, label, sizeof(label))) {
			set_message(d, false, "asking with client subnet: %s", label);
		} else {
			set_message(d, true, "%s", "no --ecs subnets to cycle");
		}
		break;
	}
	case PT_ACTION_SORT:
		d->sort = pt_sort_next(d->sort);
		set_message(d, false, "sorted by %s", pt_sort_name(d->sort));
		break;
	case PT_ACTION_FILTER:
		open_prompt(d, PROMPT_FILTER, "filter:", d->filter);
		break;
	case PT_ACTION_DETAILS:
		if (d->has_sel && d->order.n > 0) {
			panel_open(d, PANEL_DETAILS);
		}
		break;
	case PT_ACTION_UP:
		move_selection(d, -1, false);
		break;
	case PT_ACTION_DOWN:
		move_selection(d, 1, false);
		break;
	case PT_ACTION_PGUP:
		move_selection(d, -(long)d->page, false);
		break;
	case PT_ACTION_PGDN:
		move_selection(d, d->page, false);
		break;
	case PT_ACTION_HOME:
		move_selection(d, 0, true);
		break;
	case PT_ACTION_END:
		move_selection(d, (long)d->order.n - 1, true);
		break;
	case PT_ACTION_TYPE:
		open_prompt(d, PROMPT_TYPE, "track (TYPE or NAME TYPE):", NULL);
		break;
	case PT_ACTION_EXPECT:
		open_prompt(d, PROMPT_EXPECT,
			    "expected RDATA (; or | between records, empty clears):", NULL);
		break;
	case PT_ACTION_HELP:
		panel_open(d, PANEL_HELP);
		break;
	case PT_ACTION_PASTE:
		paste_open(d, false, now);
		break;
	case PT_ACTION_REMOVE:
		remove_selected(d);
		break;
	case PT_ACTION_UNDO:
		undo_remove(d);
		break;
	case PT_ACTION_WRITE:
		open_prompt(d, PROMPT_WRITE, "write the tracked resolvers to file:", NULL);
		break;
	case PT_ACTION_DIAGNOSE:
		diag_start(d);
		break;
	case PT_ACTION_CLOSE:
		if (d->filter[0] != '\0') {
			d->filter[0] = '\0';
			set_message(d, false, "filter cleared");
		}
		break;
	default:
		break;
	}
}

/* Bytes from the terminal: to the paste panel while it takes text, else keys. */
static void input_bytes(struct dash *d, const unsigned char *b, size_t n, uint64_t now)
{
	while (n > 0 && !d->quit) {
		int key;
		size_t used;

		if (d->paste && !d->paste_waiting) {
			used = paste_input(d, b, n, now);
			b += used;
			n -= used;
			continue;
		}
		used = pt_key_read(&d->kr, b, n, now, &key);
		b += used;
		n -= used;
		if (key != PT_KEY_NONE) {
			on_key(d, key, now);
		}
	}
}

/*
 * Read what the terminal sent, straight from the descriptor: curses reads one byte per system
 * call, too slow for a 16 MiB paste. Reads at most READ_MAX bytes, then lets the screen
 * update. @return -1 at end of input.
 */
static int read_input(struct dash *d, int fd)
{
	unsigned char buf[65536];
	size_t total = 0;
	struct pollfd pf;
	ssize_t r;

	while (!d->quit && total < READ_MAX) {
		r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			return errno == EAGAIN ? 0 : -1;
		}
		if (r == 0) {
			return -1;
		}
		input_bytes(d, buf, (size_t)r, pt_clock_monotonic());
		total += (size_t)r;
		pf.fd = fd;
		pf.events = POLLIN;
		pf.revents = 0;
		if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN)) {
			break;
		}
	}
	return 0;
}

static void handle_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		resizeterm(ws.ws_row, ws.ws_col);
	}
	clearok(curscr, TRUE);
}

static bool locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* Ctrl-Z: give the terminal back as it was, stop, and take it again when continued. */
static void suspend(void)
{
	bracketed_paste(false);
	def_prog_mode();
	endwin();
	curses_on = 0;
	kill(getpid(), SIGSTOP);
	/* continued */
	reset_prog_mode();
	curses_on = 1;
	bracketed_paste(true);
	clearok(curscr, TRUE);
}

bool pt_dashboard_has_terminal(void)
{
	int fd;

	if (isatty(STDIN_FILENO)) {
		return true;
	}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	close(fd);
	return true;
}

int pt_dashboard_run(const struct pt_dashboard_config *cfg)
{
	struct dash d;
	SCREEN *scr;
	FILE *in = stdin;
	uint64_t now, last_draw = 0, frame_ns = 0, redraw_min = REDRAW_MIN_NS;
	bool dirty = true, force = true, need_snap = true;
	int in_fd = STDIN_FILENO;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	setlocale(LC_ALL, "");
	d.utf8 = locale_utf8();
	got_quit = 0;
	got_winch = 0;
	got_tstp = 0;
	/* keys come from the terminal: standard input may be a list (cat list | proptrack -r -) */
	if (!isatty(STDIN_FILENO)) {
		in_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		in = in_fd >= 0 ? fdopen(in_fd, "r") : NULL;
		if (!in) {
			if (in_fd >= 0) {
				close(in_fd);
			}
			return -1;
		}
	}
	/* before curses starts, so it leaves SIGINT/SIGTERM/SIGWINCH/SIGTSTP to us */
	if (signals_install() != 0) {
		if (in != stdin) {
			fclose(in);
		}
		return -1;
	}
	scr = newterm(NULL, stdout, in);
	if (!scr) {
		signals_restore();
		if (in != stdin) {
			fclose(in);
		}
		return -1;
	}
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	/* curses only paints: the keys are read from the descriptor (ui/keys.h decodes them) */
	keypad(stdscr, FALSE);
	typeahead(-1);
	curs_set(0);
	pt_colors_init(cfg->color);
	/* a paste anywhere is text for the paste panel, never keys */
	bracketed_paste(true);

	while (!d.quit && !got_quit) {
		struct pollfd fds[3];
		int timeout_ms, more_ms;
		uint64_t wait_ns, tick_ns;
		bool parsing = false;
		int key;

		now = pt_clock_monotonic();
		/* while a diagnosis runs, its panel counts seconds and spins */
		tick_ns = d.job ? TICK_NS / 4 : TICK_NS;
		if ((key = pt_key_tick(&d.kr, now)) != PT_KEY_NONE) {
			on_key(&d, key, now); /* a lone Esc, the end of a stalled paste */
			force = true;
		}
		if (d.paste && !d.paste_waiting) {
			/* a lone Esc, a stalled paste; then a bounded slice of parsing */
			paste_event(&d, pt_paste_tick(d.paste, now));
			force = force || !d.paste;
		}
		if (d.paste && !d.paste_waiting && pt_paste_busy(d.paste)) {
			parsing = pt_paste_step(d.paste, PT_PASTE_STEP_BYTES);
			dirty = true;
		}
		if (d.paste) {
			struct pt_paste_stats st;

			paste_names(&d);
			pt_paste_stats(d.paste, &st);
			if (d.paste_waiting && st.names_pending == 0) {
				paste_apply(&d); /* every host name resolved (or not): add them */
				force = true;
			}
		}
		if (d.job && pt_diag_job_done(d.job)) {
			diag_reap(&d, false);
			force = true;
		}
		if (d.resnap) {
			d.resnap = false;
			need_snap = true;
			dirty = true;
		}
		if (force || (dirty && now - last_draw >= redraw_min) ||
		    now - last_draw >= tick_ns) {
			if (need_snap) {
				take_snapshot(&d);
				need_snap = false;
			}
			draw(&d, now);
			last_draw = now;
			/* what frames cost (a moving average: one slow frame, a terminal that
			 * stalled, hardly counts) sets how soon the next may come for replies */
			frame_ns = (frame_ns * 7 + (pt_clock_monotonic() - now)) / 8;
			redraw_min = frame_ns * FRAME_SHARE > REDRAW_MIN_NS ? frame_ns * FRAME_SHARE
									    : REDRAW_MIN_NS;
			redraw_min = redraw_min < tick_ns ? redraw_min : tick_ns;
			dirty = false;
			force = false;
			d.redraws++;
			if (cfg->iterations > 0 && d.redraws >= cfg->iterations) {
				break;
			}
		}
		wait_ns = dirty ? redraw_min : tick_ns;
		wait_ns = last_draw + wait_ns > now ? last_draw + wait_ns - now : 0;
		timeout_ms = (int)((wait_ns + PT_NS_PER_MS - 1) / PT_NS_PER_MS);
		more_ms = pt_key_wait_ms(&d.kr, now);
		if (more_ms >= 0 && more_ms < timeout_ms) {
			timeout_ms = more_ms;
		}
		if (d.paste) {
			more_ms = pt_paste_wait_ms(d.paste, now);
			if (more_ms >= 0 && more_ms < timeout_ms) {
				timeout_ms = more_ms;
			}
			if (parsing) {
				timeout_ms = 0; /* more lines to parse: only look for input */
			}
		}
		fds[0].fd = in_fd;
		fds[0].events = POLLIN;
		/* a change is known: the pipe waits for the snapshot, which empties it (until then
		 * publishers write no byte and this thread is not woken for every reply) */
		fds[1].fd = need_snap ? -1 : cfg->ops->wakeup_fd(cfg->ctx);
		fds[1].events = POLLIN;
		fds[2].fd = sig_pipe[0];
		fds[2].events = POLLIN;
		fds[0].revents = fds[1].revents = fds[2].revents = 0;
		if (poll(fds, 3, timeout_ms) < 0) {
			if (errno != EINTR) {
				break;
			}
		}
		if (fds[2].revents & POLLIN) {
			char buf[64];

			while (read(sig_pipe[0], buf, sizeof(buf)) > 0) {
			}
			/* the wake-up of the background lookup comes this way too */
			dirty = paste_results(&d) || dirty;
		}
		if (cfg->ops->alerts != NULL) {
			dirty = alerts_out(&d) || dirty;
		}
		if (cfg->ops->message != NULL) {
			char msg[256];
			bool error = false;

			if (cfg->ops->message(cfg->ctx, msg, sizeof(msg), &error)) {
				set_message(&d, error, "%s", msg);
				dirty = true;
			}
		}
		if (got_tstp) {
			got_tstp = 0;
			suspend();
			force = true;
		}
		if (got_winch) {
			got_winch = 0;
			handle_resize();
			force = true;
		}
		if (fds[1].revents & POLLIN) {
			/* the snapshot waits for the throttle */
			need_snap = true;
			dirty = true;
		}
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			break; /* the terminal went away */
		}
		if (fds[0].revents & POLLIN) {
			bool typing = !d.paste || d.paste_waiting;

			if (read_input(&d, in_fd) < 0) {
				break; /* the terminal went away */
			}
			/* keys redraw at once; text streaming into the panel at the throttled rate
			 */
			if (typing || !d.paste) {
				force = true;
			} else {
				dirty = true;
			}
		}
	}

	/* the latest state, while curses is still up: a transition to converged rings the bell */
	take_snapshot(&d);
	if (d.paste) {
		paste_close(&d);
	}
	if (d.job) {
		d.job_cancelled = true;
		diag_reap(&d, true);
	}
	bracketed_paste(false);
	curs_set(1);
	endwin();
	curses_on = 0;
	delscreen(scr);
	signals_restore();
	if (in != stdin) {
		fclose(in);
	}

	pt_snapshot_free(d.snap);
	pt_text_fini(&d.text);
	if (d.has_diag) {
		pt_diagnosis_fini(&d.diag);
	}
	pt_order_fini(&d.order);
	free(d.removed);
	return 0;
}
