#include "keys.h"

#include <string.h>

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
	  "paste or type resolvers to add (Ctrl-D adds, Esc cancels; bracketed paste)" },
	{ 'x', PT_ACTION_REMOVE, "x", "remove the selected resolver (stops querying it)" },
	{ 'w', PT_ACTION_WRITE, "w",
	  "write the tracked resolvers to a file (resolvers.txt format)" },
	{ 'd', PT_ACTION_DIAGNOSE, "d",
	  "MX diagnosis of the domain (why is my MX not taking effect)" },
	{ '?', PT_ACTION_HELP, "?", "this help" },
	{ 'h', PT_ACTION_HELP, NULL, NULL },
	{ PT_KEY_ESC, PT_ACTION_CLOSE, "Esc", "close a panel or prompt, clear the filter" },
	{ PT_KEY_CTRL('L'), PT_ACTION_REDRAW, "Ctrl-L", "repaint the screen" },
	{ PT_KEY_RESIZE, PT_ACTION_REDRAW, NULL, NULL },
};

static const char *const action_names[PT_ACTION_COUNT] = {
	[PT_ACTION_NONE] = "none",
	[PT_ACTION_QUIT] = "quit",
	[PT_ACTION_REFRESH] = "refresh",
	[PT_ACTION_SORT] = "sort",
	[PT_ACTION_FILTER] = "filter",
	[PT_ACTION_DETAILS] = "details",
	[PT_ACTION_UP] = "up",
	[PT_ACTION_DOWN] = "down",
	[PT_ACTION_PGUP] = "page up",
	[PT_ACTION_PGDN] = "page down",
	[PT_ACTION_HOME] = "home",
	[PT_ACTION_END] = "end",
	[PT_ACTION_TYPE] = "type",
	[PT_ACTION_EXPECT] = "expect",
	[PT_ACTION_HELP] = "help",
	[PT_ACTION_PASTE] = "paste",
	[PT_ACTION_REMOVE] = "remove",
	[PT_ACTION_WRITE] = "write",
	[PT_ACTION_DIAGNOSE] = "diagnose",
	[PT_ACTION_CLOSE] = "close",
	[PT_ACTION_REDRAW] = "redraw",
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
