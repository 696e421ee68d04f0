/* wide-character curses (get_wch) whatever the feature macros say */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include "dashboard.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "clock.h"
#include "colors.h"
#include "keys.h"
#include "rows.h"

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
/* TTL countdowns need one redraw per second even when nothing arrives. */
#define TICK_NS PT_NS_PER_S
/* How long a status-line message stays. */
#define MESSAGE_NS (6 * PT_NS_PER_S)

enum panel_kind { PANEL_NONE = 0, PANEL_HELP, PANEL_DETAILS };
enum prompt_kind { PROMPT_NONE = 0, PROMPT_FILTER, PROMPT_TYPE, PROMPT_EXPECT };

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
	size_t *order;
	size_t norder;
	size_t order_cap;
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

	char message[256];
	bool message_error;
	uint64_t message_until;
};

/* ---- terminal safety: signals ---- */

static volatile sig_atomic_t got_quit;
static volatile sig_atomic_t got_winch;
static volatile sig_atomic_t curses_on;
static int sig_pipe[2] = { -1, -1 };

static const int quit_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction old_quit[sizeof(quit_signals) / sizeof(quit_signals[0])];
static struct sigaction old_fatal[sizeof(fatal_signals) / sizeof(fatal_signals[0])];

static void on_signal(int sig)
{
	int saved = errno;
	ssize_t r;

	if (sig == SIGWINCH) {
		got_winch = 1;
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
	if (curses_on) {
		endwin();
	}
	signal(sig, SIG_DFL);
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
		sigaction(fatal_signals[i], &sa, &old_fatal[i]);
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

static void take_snapshot(struct dash *d)
{
	struct pt_snapshot *s;

	pt_state_drain(d->cfg->state);
	s = pt_state_snapshot(d->cfg->state);
	if (!s) {
		return; /* out of memory: keep showing the last one */
	}
	pt_snapshot_free(d->snap);
	d->snap = s;
	if (d->cfg->on_tick) {
		d->cfg->on_tick(d->cfg->ctx, s);
	}
	if (s->converged && !d->was_converged) {
		beep();
	}
	d->was_converged = s->converged;
}

/* Recompute the shown rows and keep the selection on the same resolver. */
static void update_order(struct dash *d, uint64_t now)
{
	const struct pt_snapshot *s = d->snap;
	size_t i;

	if (!s) {
		d->norder = 0;
		return;
	}
	if (d->order_cap < s->nrows) {
		size_t *o = realloc(d->order, s->nrows * sizeof(*o));

		if (!o) {
			d->norder = 0;
			return;
		}
		d->order = o;
		d->order_cap = s->nrows;
	}
	d->norder = pt_rows_order(d->order, s, d->sort, d->filter, now);
	if (d->norder == 0) {
		d->sel = 0;
		return;
	}
	if (d->has_sel) {
		for (i = 0; i < d->norder; i++) {
			if (s->rows[d->order[i]].id == d->sel_id) {
				d->sel = i;
				return;
			}
		}
	}
	/* the selected resolver left the view: stay at the same place */
	if (d->sel >= d->norder) {
		d->sel = d->norder - 1;
	}
	d->sel_id = s->rows[d->order[d->sel]].id;
	d->has_sel = true;
}

static void move_selection(struct dash *d, long delta, bool absolute)
{
	long pos = absolute ? delta : (long)d->sel + delta;

	if (d->norder == 0 || !d->snap) {
		return;
	}
	if (pos < 0) {
		pos = 0;
	}
	if (pos >= (long)d->norder) {
		pos = (long)d->norder - 1;
	}
	d->sel = (size_t)pos;
	d->sel_id = d->snap->rows[d->order[d->sel]].id;
	d->has_sel = true;
}

static const struct pt_row *find_row(const struct pt_snapshot *s, uint64_t id)
{
	size_t i;

	for (i = 0; s && i < s->nrows; i++) {
		if (s->rows[i].id == id) {
			return &s->rows[i];
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

static void build_details(struct dash *d, uint64_t now)
{
	const struct pt_row *row = find_row(d->snap, d->panel_id);

	pt_text_fini(&d->text);
	if (!row) {
		pt_text_add(&d->text, "This resolver is no longer tracked.");
		return;
	}
	pt_rows_details(&d->text, d->snap, row, now, pt_clock_wall_ms(), d->utf8);
}

static void draw_panel(struct dash *d, uint64_t now)
{
	int h = LINES - 2, w = COLS - 4, y, inner;
	char footer[96];

	if (COLS > 110) {
		w = 104;
	}
	if (d->panel == PANEL_DETAILS) {
		build_details(d, now); /* live: TTLs count down while it is open */
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
		 d->panel_top + (size_t)inner < d->text.n ? d->panel_top + (size_t)inner : d->text.n,
		 d->text.n);
	/* clear the panel area, then frame and fill it */
	for (y = 0; y < h; y++) {
		move(1 + y, 2);
		attrset(A_NORMAL);
		hline(' ', w);
	}
	paint_box(1, 2, h, w, d->panel == PANEL_HELP ? " Help " : " Resolver details ", footer,
		  d->utf8);
	for (y = 0; y < inner && d->panel_top + (size_t)y < d->text.n; y++) {
		paint_text(2 + y, 4, w - 4, y == 0 && d->panel_top == 0 ? PT_COLOR_HEADER
								      : PT_COLOR_NORMAL,
			   d->text.lines[d->panel_top + (size_t)y], d->utf8);
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
			if (room < 1 || pt_output_width(before) <= room || start >= d->edit.cursor) {
				break;
			}
			do {
				start++;
			} while (start < d->edit.cursor &&
				 ((unsigned char)d->edit.buf[start] & 0xc0) == 0x80);
		}
		pt_line_add(&l, PT_COLOR_NORMAL, d->edit.buf + start);
		paint(LINES - 1, &l, 0, A_NORMAL, COLS);
		x += pt_output_width(before);
		move(LINES - 1, x < COLS ? x : COLS - 1);
		return;
	}
	if (d->message[0] != '\0' && now > d->message_until) {
		d->message[0] = '\0';
	}
	memset(&info, 0, sizeof(info));
	info.sort = d->sort;
	info.filter = d->filter;
	info.shown = d->norder;
	info.total = d->snap ? d->snap->nrows : 0;
	info.queries = d->cfg->watch ? pt_watch_queries(d->cfg->watch) : 0;
	info.message = d->message;
	info.error = d->message_error;
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
		pt_rows_header(lines, d->snap, COLS, now, d->utf8);
		for (i = 0; i < PT_HEADER_LINES; i++) {
			paint(y++, &lines[i], 0, A_NORMAL, 0);
		}
		maxlegend = LINES >= 40 ? 6 : LINES >= 24 ? 4 : 2;
		nlegend = pt_rows_legend(lines, maxlegend, d->snap, COLS, d->utf8);
		for (i = 0; i < nlegend; i++) {
			paint(y++, &lines[i], 0, A_NORMAL, 0);
		}
	}
	pt_rows_layout(&lay, COLS, d->utf8);
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
	if (d->top + (size_t)d->page > d->norder) {
		d->top = d->norder > (size_t)d->page ? d->norder - (size_t)d->page : 0;
	}
	/* only the visible rows are formatted: 10,000 resolvers cost one sort per frame */
	for (i = 0; i < (size_t)d->page && d->top + i < d->norder; i++) {
		size_t at = d->top + i;

		pt_rows_line(&lines[0], &lay, d->snap, &d->snap->rows[d->order[at]], now);
		paint(y + (int)i, &lines[0], 0, at == d->sel ? A_REVERSE : A_NORMAL,
		      at == d->sel ? COLS : 0);
	}
	if (d->norder == 0) {
		paint_text(y + 1, 2, COLS - 4, PT_COLOR_PENDING,
			   d->filter[0] ? "no resolver matches the filter (Esc clears it)"
					: "no resolvers",
			   d->utf8);
	}
	if (d->panel != PANEL_NONE) {
		draw_panel(d, now);
	}
	curs_set(d->prompt != PROMPT_NONE ? 1 : 0);
	draw_status(d, now);
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

	if (!d->snap || !d->cfg->watch) {
		return;
	}
	if (pt_rows_parse_target(d->edit.buf, d->snap->domain, d->snap->qtype, domain,
				 sizeof(domain), &qtype, reason, sizeof(reason)) != PT_OK) {
		set_message(d, true, "%s", reason);
		return;
	}
	st = pt_watch_retarget(d->cfg->watch, domain, qtype);
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

	if (!d->cfg->watch) {
		return;
	}
	memcpy(copy, d->edit.buf, sizeof(copy));
	n = pt_rows_split_expect(copy, parts, sizeof(parts) / sizeof(parts[0]));
	st = pt_watch_expect(d->cfg->watch, (const char *const *)parts, n);
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

static void prompt_key(struct dash *d, int key)
{
	enum pt_edit_result r = pt_line_edit_key(&d->edit, key);
	enum prompt_kind kind = d->prompt;

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
		d->panel = PANEL_NONE;
		pt_text_fini(&d->text);
		break;
	default:
		break;
	}
}

static void on_key(struct dash *d, int key)
{
	enum pt_action a;

	if (key == PT_KEY_RESIZE) {
		clearok(curscr, TRUE);
		return;
	}
	if (d->prompt != PROMPT_NONE) {
		prompt_key(d, key);
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
		if (d->cfg->watch) {
			pt_watch_refresh(d->cfg->watch);
		}
		set_message(d, false, "re-querying every resolver and the truth");
		break;
	case PT_ACTION_SORT:
		d->sort = pt_sort_next(d->sort);
		set_message(d, false, "sorted by %s", pt_sort_name(d->sort));
		break;
	case PT_ACTION_FILTER:
		open_prompt(d, PROMPT_FILTER, "filter:", d->filter);
		break;
	case PT_ACTION_DETAILS:
		if (d->has_sel && d->norder > 0) {
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
		move_selection(d, (long)d->norder - 1, true);
		break;
	case PT_ACTION_TYPE:
		open_prompt(d, PROMPT_TYPE, "track (TYPE or NAME TYPE):", NULL);
		break;
	case PT_ACTION_EXPECT:
		open_prompt(d, PROMPT_EXPECT, "expected RDATA (; or | between records, empty clears):",
			    NULL);
		break;
	case PT_ACTION_HELP:
		panel_open(d, PANEL_HELP);
		break;
	case PT_ACTION_PASTE:
	case PT_ACTION_REMOVE:
	case PT_ACTION_WRITE:
	case PT_ACTION_DIAGNOSE:
		set_message(d, false, "%s: not available yet", pt_action_name(a));
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

/* Apply every pending key. @return keys read. */
static int read_keys(struct dash *d)
{
	wint_t wc;
	int r, n = 0;

	while (!d->quit && (r = get_wch(&wc)) != ERR) {
		on_key(d, r == KEY_CODE_YES ? (PT_KEY_FN | (int)wc) : (int)wc);
		n++;
	}
	return n;
}

static void handle_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		resizeterm(ws.ws_row, ws.ws_col);
	}
	clearok(curscr, TRUE);
}

/* CONTRACT.md exit status from a snapshot. */
static int exit_status(const struct pt_snapshot *s)
{
	size_t answered;

	if (!s) {
		return 1;
	}
	if (s->converged) {
		return 0;
	}
	answered = s->counts.total - s->counts.by[PT_VERDICT_TIMEOUT] -
		   s->counts.by[PT_VERDICT_PENDING];
	return answered == 0 ? 3 : 1;
}

static bool locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

int pt_dashboard_run(const struct pt_dashboard_config *cfg)
{
	struct dash d;
	SCREEN *scr;
	uint64_t now, last_draw = 0;
	bool dirty = true, force = true, need_snap = true;
	int status, idle_reads = 0, stdin_fd = STDIN_FILENO;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	setlocale(LC_ALL, "");
	d.utf8 = locale_utf8();
	got_quit = 0;
	got_winch = 0;
	/* before curses starts, so it leaves SIGINT/SIGTERM/SIGWINCH to us */
	if (signals_install() != 0) {
		return 1;
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		signals_restore();
		return 1;
	}
	curses_on = 1;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	pt_colors_init(cfg->color);

	while (!d.quit && !got_quit) {
		struct pollfd fds[3];
		int timeout_ms;
		uint64_t wait_ns;

		now = pt_clock_monotonic();
		if (force || (dirty && now - last_draw >= REDRAW_MIN_NS) ||
		    now - last_draw >= TICK_NS) {
			if (need_snap) {
				take_snapshot(&d);
				need_snap = false;
			}
			draw(&d, now);
			last_draw = now;
			dirty = false;
			force = false;
			d.redraws++;
			if (cfg->iterations > 0 && d.redraws >= cfg->iterations) {
				break;
			}
		}
		wait_ns = dirty ? REDRAW_MIN_NS : TICK_NS;
		wait_ns = last_draw + wait_ns > now ? last_draw + wait_ns - now : 0;
		timeout_ms = (int)((wait_ns + PT_NS_PER_MS - 1) / PT_NS_PER_MS);
		fds[0].fd = stdin_fd;
		fds[0].events = POLLIN;
		fds[1].fd = pt_state_wakeup_fd(cfg->state);
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
		}
		if (got_winch) {
			got_winch = 0;
			handle_resize();
			force = true;
		}
		if (fds[1].revents & POLLIN) {
			/* empty the pipe now so poll() sleeps; the snapshot waits for the throttle */
			pt_state_drain(cfg->state);
			need_snap = true;
			dirty = true;
		}
		if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			break; /* the terminal went away */
		}
		if (fds[0].revents & POLLIN) {
			if (read_keys(&d) > 0) {
				idle_reads = 0;
				force = true;
			} else if (++idle_reads >= 3) {
				/* readable yet no key, again and again: end of input (stdin is not
				 * the terminal); stop listening rather than spin, signals still quit */
				stdin_fd = -1;
			}
		}
	}

	/* judge on the latest state, not on the last frame (taken while curses is still up:
	 * a transition to converged rings the bell) */
	take_snapshot(&d);
	status = exit_status(d.snap);
	curs_set(1);
	endwin();
	curses_on = 0;
	delscreen(scr);
	signals_restore();

	pt_snapshot_free(d.snap);
	pt_text_fini(&d.text);
	free(d.order);
	return status;
}
