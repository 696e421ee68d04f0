#include "keys.h"

#include <string.h>

#include "text.h"

/* Order is the help overlay's order; entries with a NULL name are aliases. */
static const struct pt_key_binding table[] = {
	{ 'q', PT_ACTION_QUIT, "q", "quit (closes a panel or prompt first)" },
	{ 'Q', PT_ACTION_QUIT, NULL, NULL },
	{ 'r', PT_ACTION_REFRESH, "r", "re-query every resolver and the truth now" },
	{ 's', PT_ACTION_SORT, "s", "cycle sort: added, status, answer, TTL, RTT, label" },
	{ '/', PT_ACTION_FILTER, "/", "filter on label, address, location or answer (Esc clears)" },
	{ '\n', PT_ACTION_DETAILS, "Enter", "details of the selected resolver" },
	{ '\r', PT_ACTION_DETAILS, NULL, NULL },
	{ PT_KEY_ENTER, PT_ACTION_DETAILS, NULL, NULL },
	{ PT_KEY_UP, PT_ACTION_UP, "Up/k", "select the previous resolver" },
	{ 'k', PT_ACTION_UP, NULL, NULL },
	{ PT_KEY_DOWN, PT_ACTION_DOWN, "Down/j", "select the next resolver" },
	{ 'j', PT_ACTION_DOWN, NULL, NULL },
	{ PT_KEY_PPAGE, PT_ACTION_PGUP, "PgUp", "one page up" },
	{ PT_KEY_CTRL('B'), PT_ACTION_PGUP, NULL, NULL },
	{ PT_KEY_NPAGE, PT_ACTION_PGDN, "PgDn", "one page down" },
	{ PT_KEY_CTRL('F'), PT_ACTION_PGDN, NULL, NULL },
	{ ' ', PT_ACTION_PGDN, NULL, NULL },
	{ PT_KEY_HOME, PT_ACTION_HOME, "Home/g", "first resolver" },
	{ 'g', PT_ACTION_HOME, NULL, NULL },
	{ PT_KEY_END, PT_ACTION_END, "End/G", "last resolver" },
	{ 'G', PT_ACTION_END, NULL, NULL },
	{ 't', PT_ACTION_TYPE, "t", "track another record type (\"AAAA\" or \"NAME TYPE\")" },
	{ 'e', PT_ACTION_EXPECT, "e",
	  "expected answer (RDATA; several with ; or |; empty clears)" },
	{ 'p', PT_ACTION_PASTE, "p",
	  "type resolvers to add (a paste anywhere opens it too; Ctrl-D adds, Esc cancels)" },
	{ 'x', PT_ACTION_REMOVE, "x", "remove the selected resolver (stops querying it)" },
	{ 'u', PT_ACTION_UNDO, "u", "undo the last removal (the resolver is asked again)" },
	{ 'w', PT_ACTION_WRITE, "w",
	  "write the tracked resolvers to a file (resolvers.txt format)" },
	{ 'd', PT_ACTION_DIAGNOSE, "d",
	  "MX diagnosis of the domain (why is my MX not taking effect)" },
	{ '?', PT_ACTION_HELP, "?", "this help" },
	{ 'h', PT_ACTION_HELP, NULL, NULL },
	{ PT_KEY_ESC, PT_ACTION_CLOSE, "Esc", "close a panel or prompt, clear the filter" },
	{ PT_KEY_CTRL('L'), PT_ACTION_REDRAW, "Ctrl-L", "repaint the screen" },
	{ PT_KEY_RESIZE, PT_ACTION_REDRAW, NULL, NULL },
	{ 'c', PT_ACTION_SUBNET, "c", "ask with the next --ecs client subnet (then none)" },
};

static const char *const action_names[PT_ACTION_COUNT] = {
	[PT_ACTION_NONE] = "none",	 [PT_ACTION_QUIT] = "quit",
	[PT_ACTION_REFRESH] = "refresh", [PT_ACTION_SORT] = "sort",
	[PT_ACTION_FILTER] = "filter",	 [PT_ACTION_DETAILS] = "details",
	[PT_ACTION_UP] = "up",		 [PT_ACTION_DOWN] = "down",
	[PT_ACTION_PGUP] = "page up",	 [PT_ACTION_PGDN] = "page down",
	[PT_ACTION_HOME] = "home",	 [PT_ACTION_END] = "end",
	[PT_ACTION_TYPE] = "type",	 [PT_ACTION_EXPECT] = "expect",
	[PT_ACTION_HELP] = "help",	 [PT_ACTION_PASTE] = "paste",
	[PT_ACTION_REMOVE] = "remove",	 [PT_ACTION_UNDO] = "undo",
	[PT_ACTION_WRITE] = "write",	 [PT_ACTION_DIAGNOSE] = "diagnose",
	[PT_ACTION_CLOSE] = "close",	 [PT_ACTION_REDRAW] = "redraw",
	[PT_ACTION_SUBNET] = "subnet",
};

enum pt_action pt_keys_action(int key)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].key == key) {
			return table[i].action;
		}
	}
	return PT_ACTION_NONE;
}

const struct pt_key_binding *pt_keys_binding(size_t index)
{
	if (index >= sizeof(table) / sizeof(table[0])) {
		return NULL;
	}
	return &table[index];
}

const char *pt_action_name(enum pt_action action)
{
	if ((int)action < 0 || action >= PT_ACTION_COUNT) {
		return "none";
	}
	return action_names[action];
}

void pt_line_edit_init(struct pt_line_edit *ed, const char *initial)
{
	size_t n = initial ? strlen(initial) : 0;

	if (n >= sizeof(ed->buf)) {
		n = sizeof(ed->buf) - 1;
		/* never keep half a UTF-8 sequence */
		while (n > 0 && ((unsigned char)initial[n] & 0xc0) == 0x80) {
			n--;
		}
	}
	if (n > 0) {
		memcpy(ed->buf, initial, n);
	}
	ed->buf[n] = '\0';
	ed->len = n;
	ed->cursor = n;
}

/* Start of the character before byte offset @p at. */
static size_t prev_char(const struct pt_line_edit *ed, size_t at)
{
	if (at == 0) {
		return 0;
	}
	at--;
	while (at > 0 && ((unsigned char)ed->buf[at] & 0xc0) == 0x80) {
		at--;
	}
	return at;
}

/* End of the character starting at byte offset @p at. */
static size_t next_char(const struct pt_line_edit *ed, size_t at)
{
	if (at >= ed->len) {
		return ed->len;
	}
	at++;
	while (at < ed->len && ((unsigned char)ed->buf[at] & 0xc0) == 0x80) {
		at++;
	}
	return at;
}

static void erase_range(struct pt_line_edit *ed, size_t from, size_t to)
{
	memmove(ed->buf + from, ed->buf + to, ed->len - to + 1);
	ed->len -= to - from;
	ed->cursor = from;
}

static size_t utf8_encode(char out[4], unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static enum pt_edit_result insert(struct pt_line_edit *ed, int key)
{
	char enc[4];
	size_t n;

	/* surrogates are not characters */
	if (key >= 0xd800 && key <= 0xdfff) {
		return PT_EDIT_IGNORED;
	}
	n = utf8_encode(enc, (unsigned)key);
	if (ed->len + n >= sizeof(ed->buf)) {
		return PT_EDIT_IGNORED;
	}
	memmove(ed->buf + ed->cursor + n, ed->buf + ed->cursor, ed->len - ed->cursor + 1);
	memcpy(ed->buf + ed->cursor, enc, n);
	ed->len += n;
	ed->cursor += n;
	return PT_EDIT_CHANGED;
}

enum pt_edit_result pt_line_edit_key(struct pt_line_edit *ed, int key)
{
	size_t at;

	switch (key) {
	case '\n':
	case '\r':
	case PT_KEY_ENTER:
		return PT_EDIT_ACCEPT;
	case PT_KEY_ESC:
	case PT_KEY_CTRL('G'):
		return PT_EDIT_CANCEL;
	case PT_KEY_BACKSPACE:
	case 0x7f:
	case PT_KEY_CTRL('H'):
		if (ed->cursor == 0) {
			return PT_EDIT_IGNORED;
		}
		erase_range(ed, prev_char(ed, ed->cursor), ed->cursor);
		return PT_EDIT_CHANGED;
	case PT_KEY_DC:
	case PT_KEY_CTRL('D'):
		if (ed->cursor >= ed->len) {
			return PT_EDIT_IGNORED;
		}
		erase_range(ed, ed->cursor, next_char(ed, ed->cursor));
		return PT_EDIT_CHANGED;
	case PT_KEY_LEFT:
	case PT_KEY_CTRL('B'):
		ed->cursor = prev_char(ed, ed->cursor);
		return PT_EDIT_MOVED;
	case PT_KEY_RIGHT:
	case PT_KEY_CTRL('F'):
		ed->cursor = next_char(ed, ed->cursor);
		return PT_EDIT_MOVED;
	case PT_KEY_HOME:
	case PT_KEY_CTRL('A'):
		ed->cursor = 0;
		return PT_EDIT_MOVED;
	case PT_KEY_END:
	case PT_KEY_CTRL('E'):
		ed->cursor = ed->len;
		return PT_EDIT_MOVED;
	case PT_KEY_CTRL('U'):
		if (ed->len == 0) {
			return PT_EDIT_IGNORED;
		}
		ed->buf[0] = '\0';
		ed->len = 0;
		ed->cursor = 0;
		return PT_EDIT_CHANGED;
	case PT_KEY_CTRL('W'):
		at = ed->cursor;
		while (at > 0 && ed->buf[at - 1] == ' ') {
			at--;
		}
		while (at > 0 && ed->buf[at - 1] != ' ') {
			at--;
		}
		if (at == ed->cursor) {
			return PT_EDIT_IGNORED;
		}
		erase_range(ed, at, ed->cursor);
		return PT_EDIT_CHANGED;
	default:
		break;
	}
	if (key >= 0x20 && key != 0x7f && key < 0x110000 && !(key >= 0x80 && key < 0xa0)) {
		return insert(ed, key);
	}
	return PT_EDIT_IGNORED;
}

/* ---- the key reader ---- */

static const unsigned char paste_end[] = "\033[201~";
#define MARKER_LEN 6

/* What one decoding step found in the bytes it was given. */
enum step { STEP_KEY, STEP_NEED };

/* Bytes of the UTF-8 character a lead byte starts; 0 for a byte that starts none. */
static size_t utf8_len(unsigned char c)
{
	return c < 0x80			? 1
	       : c >= 0xc2 && c <= 0xdf ? 2
	       : c >= 0xe0 && c <= 0xef ? 3
	       : c >= 0xf0 && c <= 0xf4 ? 4
					: 0;
}

/* One character at @p t (@p m bytes): its code point in *key, or PT_KEY_NONE for a byte that
 * is no character (consumed). */
static enum step read_char(const unsigned char *t, size_t m, size_t *used, int *key)
{
	size_t k = utf8_len(t[0]);
	unsigned cp;

	*used = 1;
	*key = PT_KEY_NONE;
	if (k <= 1) {
		*key = k == 1 ? t[0] : PT_KEY_NONE;
		return STEP_KEY;
	}
	for (size_t i = 1; i < k && i < m; i++) {
		if ((t[i] & 0xc0) != 0x80) {
			return STEP_KEY; /* invalid: the lead byte alone is dropped */
		}
	}
	if (m < k) {
		return STEP_NEED;
	}
	if (pt_utf8_seq((const char *)t, k) != k) {
		return STEP_KEY; /* overlong, surrogate or beyond U+10FFFF */
	}
	cp = t[0] & (0x7f >> k);
	for (size_t i = 1; i < k; i++) {
		cp = (cp << 6) | (t[i] & 0x3f);
	}
	*used = k;
	*key = (int)cp;
	return STEP_KEY;
}

/* The key a CSI sequence names: parameters @p p (@p np bytes) and the final byte @p f. */
static int csi_key(const unsigned char *p, size_t np, unsigned char f)
{
	unsigned first = 0;
	size_t i;

	for (i = 0; i < np && p[i] >= '0' && p[i] <= '9'; i++) {
		first = first * 10 + (unsigned)(p[i] - '0');
		if (first > 100000) {
			return PT_KEY_NONE;
		}
	}
	switch (f) {
	case 'A':
		return PT_KEY_UP;
	case 'B':
		return PT_KEY_DOWN;
	case 'C':
		return PT_KEY_RIGHT;
	case 'D':
		return PT_KEY_LEFT;
	case 'H':
		return PT_KEY_HOME;
	case 'F':
		return PT_KEY_END;
	case '~':
		break;
	default:
		return PT_KEY_NONE; /* function keys, mouse, reports: not ours */
	}
	switch (first) {
	case 1:
	case 7:
		return PT_KEY_HOME;
	case 4:
	case 8:
		return PT_KEY_END;
	case 3:
		return PT_KEY_DC;
	case 5:
		return PT_KEY_PPAGE;
	case 6:
		return PT_KEY_NPAGE;
	case 200:
		return PT_KEY_PASTE;
	default:
		return PT_KEY_NONE; /* Insert, F5.., a stray paste end */
	}
}

/* One key from @p t (@p m bytes) outside a paste. */
static enum step read_typed(const unsigned char *t, size_t m, size_t *used, int *key)
{
	size_t i;

	if (t[0] != 0x1b) {
		return read_char(t, m, used, key);
	}
	*used = 1;
	*key = PT_KEY_ESC;
	if (m == 1) {
		return STEP_NEED; /* Esc alone, or the start of a sequence: time tells */
	}
	if (t[1] == 'O') {
		static const char ss3[] = "ABCDHFM";
		static const int keys[] = { PT_KEY_UP,	 PT_KEY_DOWN, PT_KEY_RIGHT, PT_KEY_LEFT,
					    PT_KEY_HOME, PT_KEY_END,  PT_KEY_ENTER };
		const char *at;

		if (m == 2) {
			return STEP_NEED;
		}
		*used = 3;
		at = t[2] ? strchr(ss3, t[2]) : NULL;
		*key = at ? keys[at - ss3] : PT_KEY_NONE;
		return STEP_KEY;
	}
	if (t[1] != '[') {
		return STEP_KEY; /* Esc, then another key */
	}
	for (i = 2; i < m; i++) {
		if (t[i] >= 0x40 && t[i] <= 0x7e) {
			*used = i + 1;
			*key = csi_key(t + 2, i - 2, t[i]);
			return STEP_KEY;
		}
		if (t[i] < 0x20 || t[i] > 0x3f) {
			return STEP_KEY; /* not a sequence after all: Esc, then the rest */
		}
	}
	if (m < sizeof(((struct pt_key_reader *)0)->pend)) {
		return STEP_NEED;
	}
	*used = m; /* longer than anything we know: dropped */
	*key = PT_KEY_NONE;
	return STEP_KEY;
}

/* One character of a paste's text, or its end. */
static enum step read_pasted(struct pt_key_reader *kr, const unsigned char *t, size_t m,
			     size_t *used, int *key)
{
	if (t[0] == 0x1b) {
		size_t k = m < MARKER_LEN ? m : MARKER_LEN;

		if (memcmp(t, paste_end, k) == 0) {
			if (k < MARKER_LEN) {
				return STEP_NEED;
			}
			*used = MARKER_LEN;
			*key = PT_KEY_PASTE_END;
			kr->paste = false;
			return STEP_KEY;
		}
		*used = 1;
		*key = PT_KEY_PASTED | 0x1b;
		return STEP_KEY;
	}
	if (read_char(t, m, used, key) == STEP_NEED) {
		return STEP_NEED;
	}
	if (*key != PT_KEY_NONE) {
		*key |= PT_KEY_PASTED;
	}
	return STEP_KEY;
}

size_t pt_key_read(struct pt_key_reader *kr, const unsigned char *b, size_t n, uint64_t now_ns,
		   int *key)
{
	unsigned char t[32];
	size_t m = kr->npend, add = n < sizeof(t) - m ? n : sizeof(t) - m, used = 0;
	enum step st;

	*key = PT_KEY_NONE;
	if (m + add == 0) {
		return 0;
	}
	memcpy(t, kr->pend, m);
	memcpy(t + m, b, add);
	if (kr->paste && add > 0) {
		kr->paste_ns = now_ns;
	}
	st = kr->paste ? read_pasted(kr, t, m + add, &used, key)
		       : read_typed(t, m + add, &used, key);
	if (st == STEP_NEED) {
		/* everything is an unfinished sequence (shorter than pend) */
		if (kr->npend == 0) {
			kr->pend_ns = now_ns;
		}
		memcpy(kr->pend, t, m + add);
		kr->npend = m + add;
		*key = PT_KEY_NONE;
		return add;
	}
	if (used <= m) {
		memmove(kr->pend, kr->pend + used, m - used);
		kr->npend = m - used;
		return 0;
	}
	kr->npend = 0;
	return used - m;
}

void pt_key_reader_paste(struct pt_key_reader *kr, uint64_t now_ns)
{
	kr->paste = true;
	kr->paste_ns = now_ns;
}

size_t pt_key_reader_take(struct pt_key_reader *kr, unsigned char out[16])
{
	size_t n = kr->npend;

	memcpy(out, kr->pend, n);
	kr->npend = 0;
	return n;
}

int pt_key_tick(struct pt_key_reader *kr, uint64_t now_ns)
{
	if (kr->paste) {
		if (now_ns - kr->paste_ns >= PT_KEY_PASTE_STALL_NS) {
			/* the terminal never sent the end marker: the paste is over */
			kr->paste = false;
			kr->npend = 0;
			return PT_KEY_PASTE_END;
		}
		return PT_KEY_NONE;
	}
	if (kr->npend == 0 || now_ns - kr->pend_ns < PT_KEY_ESC_NS) {
		return PT_KEY_NONE;
	}
	if (kr->npend == 1 && kr->pend[0] == 0x1b) {
		kr->npend = 0;
		return PT_KEY_ESC;
	}
	kr->npend = 0; /* half a sequence: dropped */
	return PT_KEY_NONE;
}

int pt_key_wait_ms(const struct pt_key_reader *kr, uint64_t now_ns)
{
	uint64_t due;

	if (kr->paste) {
		due = kr->paste_ns + PT_KEY_PASTE_STALL_NS;
	} else if (kr->npend > 0) {
		due = kr->pend_ns + PT_KEY_ESC_NS;
	} else {
		return -1;
	}
	return due <= now_ns ? 0 : (int)((due - now_ns + 999999) / 1000000);
}
