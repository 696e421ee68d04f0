/**
 * @file keys.h
 * The dashboard's key table (key code -> enum pt_action) and a small line editor for its
 * prompts. Pure: no curses. Key codes are Unicode code points for characters and
 * PT_KEY_FN | curses KEY_* value for function keys, so one int names any key without
 * clashing (ui/dashboard.c checks at compile time that the values equal curses').
 * Threads: UI thread only (the table is constant; the editor is caller-owned).
 */
#ifndef PT_KEYS_H
#define PT_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Marks a function key: PT_KEY_FN | (curses KEY_* code). Above every Unicode code point. */
#define PT_KEY_FN 0x200000
#define PT_KEY_DOWN (PT_KEY_FN | 0402)	    /**< KEY_DOWN */
#define PT_KEY_UP (PT_KEY_FN | 0403)	    /**< KEY_UP */
#define PT_KEY_LEFT (PT_KEY_FN | 0404)	    /**< KEY_LEFT */
#define PT_KEY_RIGHT (PT_KEY_FN | 0405)	    /**< KEY_RIGHT */
#define PT_KEY_HOME (PT_KEY_FN | 0406)	    /**< KEY_HOME */
#define PT_KEY_BACKSPACE (PT_KEY_FN | 0407) /**< KEY_BACKSPACE */
#define PT_KEY_DC (PT_KEY_FN | 0512)	    /**< KEY_DC (Delete) */
#define PT_KEY_NPAGE (PT_KEY_FN | 0522)	    /**< KEY_NPAGE (PgDn) */
#define PT_KEY_PPAGE (PT_KEY_FN | 0523)	    /**< KEY_PPAGE (PgUp) */
#define PT_KEY_ENTER (PT_KEY_FN | 0527)	    /**< KEY_ENTER (keypad) */
#define PT_KEY_END (PT_KEY_FN | 0550)	    /**< KEY_END */
#define PT_KEY_RESIZE (PT_KEY_FN | 0632)    /**< KEY_RESIZE */
#define PT_KEY_ESC 27			    /**< Escape */
/** Control-@p c as a key code ('A' .. '_'). */
#define PT_KEY_CTRL(c) ((c)&0x1f)
/** No key (yet): more bytes are needed, or what came was no key (an unknown sequence). */
#define PT_KEY_NONE (-1)
/** The start of a bracketed paste ("\e[200~"): what follows is text, not keys. */
#define PT_KEY_PASTE (PT_KEY_FN | 0x10000)
/** The end of a bracketed paste ("\e[201~"), or a paste that stalled without it. */
#define PT_KEY_PASTE_END (PT_KEY_FN | 0x10001)
/** Flag on a character that came inside a paste: PT_KEY_PASTED | code point. */
#define PT_KEY_PASTED 0x400000

/** What a key asks the dashboard to do. */
enum pt_action {
	PT_ACTION_NONE = 0, /**< unbound key */
	PT_ACTION_QUIT,	    /**< q: quit (closes a panel first) */
	PT_ACTION_REFRESH,  /**< r: re-query every resolver now */
	PT_ACTION_SORT,	    /**< s: next sort order */
	PT_ACTION_FILTER,   /**< /: filter prompt */
	PT_ACTION_DETAILS,  /**< Enter: details of the selected resolver */
	PT_ACTION_UP,	    /**< move the selection (or scroll a panel) up one line */
	PT_ACTION_DOWN,	    /**< down one line */
	PT_ACTION_PGUP,	    /**< up one page */
	PT_ACTION_PGDN,	    /**< down one page */
	PT_ACTION_HOME,	    /**< to the first line */
	PT_ACTION_END,	    /**< to the last line */
	PT_ACTION_TYPE,	    /**< t: prompt for record type (and name) */
	PT_ACTION_EXPECT,   /**< e: prompt for the expected answer */
	PT_ACTION_HELP,	    /**< ?: help overlay */
	PT_ACTION_PASTE,    /**< p: paste a resolver list */
	PT_ACTION_REMOVE,   /**< x: remove the selected resolver */
	PT_ACTION_UNDO,	    /**< u: put back the last resolver removed */
	PT_ACTION_WRITE,    /**< w: write the list to a file */
	PT_ACTION_DIAGNOSE, /**< d: MX diagnosis */
	PT_ACTION_CLOSE,    /**< Esc: close a panel, clear the filter */
	PT_ACTION_REDRAW,   /**< Ctrl-L or a resize: lay out and repaint everything */
	PT_ACTION_SUBNET,   /**< c: ask with the next --ecs client subnet */
	PT_ACTION_COUNT	    /**< number of actions */
};

/** One binding of the key table. */
struct pt_key_binding {
	/** key code (see PT_KEY_FN) */
	int key;
	/** what it does */
	enum pt_action action;
	/** key as shown in the help ("q", "PgUp"); NULL hides a duplicate binding from the help */
	const char *name;
	/** one-line description for the help overlay */
	const char *help;
};

/** Action bound to @p key; PT_ACTION_NONE when unbound. */
enum pt_action pt_keys_action(int key);

/** Binding @p index of the table, in help order. @return static entry, or NULL past the end. */
const struct pt_key_binding *pt_keys_binding(size_t index);

/** Short name of an action ("quit", "sort", ...). @return static string. */
const char *pt_action_name(enum pt_action action);

/** A lone Esc is one not followed by another byte within this time (nanoseconds). */
#define PT_KEY_ESC_NS (60ULL * 1000000ULL)
/** A paste whose end marker has not come after this much silence is taken as ended. */
#define PT_KEY_PASTE_STALL_NS (2000ULL * 1000000ULL)

/**
 * Turns the bytes a terminal sends (keypad transmit mode off, bracketed paste on) into key
 * codes: UTF-8 characters, control keys, the usual CSI and SS3 sequences of arrows, Home, End,
 * PgUp, PgDn, Delete and keypad Enter (modifiers ignored), and the paste markers. Sequences
 * may arrive split across reads. Embedded; zero it to start. No heap, no curses.
 */
struct pt_key_reader {
	/** bytes of an unfinished sequence */
	unsigned char pend[16];
	/** number of @ref pend */
	size_t npend;
	/** when the first of @ref pend arrived */
	uint64_t pend_ns;
	/** inside a paste whose text is read as PT_KEY_PASTED characters */
	bool paste;
	/** when the last byte of that paste came */
	uint64_t paste_ns;
};

/**
 * Read one key from @p b (@p n bytes, after what is pending).
 * On PT_KEY_PASTE the caller either hands the bytes that follow to a paste consumer of its own
 * (pt_key_reader_take() first) or calls pt_key_reader_paste() to read the paste on as
 * PT_KEY_PASTED characters up to PT_KEY_PASTE_END.
 * @param now_ns monotonic time of arrival (for Esc and stalls)
 * @param[out] key the key, or PT_KEY_NONE
 * @return bytes of @p b consumed; the caller calls again with the rest until none is left
 *         (a call that consumes nothing has produced a key from pending bytes).
 */
size_t pt_key_read(struct pt_key_reader *kr, const unsigned char *b, size_t n, uint64_t now_ns,
		   int *key);

/** Read the paste that just began (PT_KEY_PASTE) as PT_KEY_PASTED characters. */
void pt_key_reader_paste(struct pt_key_reader *kr, uint64_t now_ns);

/** Hand over the pending bytes (at most 16) and forget them. @return how many. */
size_t pt_key_reader_take(struct pt_key_reader *kr, unsigned char out[16]);

/**
 * Time passing: a lone Esc becomes PT_KEY_ESC after PT_KEY_ESC_NS, half a sequence is
 * dropped, a paste silent for PT_KEY_PASTE_STALL_NS ends (PT_KEY_PASTE_END).
 * @return the key, or PT_KEY_NONE.
 */
int pt_key_tick(struct pt_key_reader *kr, uint64_t now_ns);

/** Milliseconds until pt_key_tick() may have something to do; -1 when nothing is pending. */
int pt_key_wait_ms(const struct pt_key_reader *kr, uint64_t now_ns);

/** Longest prompt text in bytes, including the NUL. */
#define PT_EDIT_MAX 512

/** A one-line text editor used by every prompt. Embedded; no heap. */
struct pt_line_edit {
	/** UTF-8 text, NUL-terminated */
	char buf[PT_EDIT_MAX];
	/** length of @ref buf in bytes */
	size_t len;
	/** cursor as a byte offset into @ref buf, on a character boundary */
	size_t cursor;
};

/** What a key did to a line editor. */
enum pt_edit_result {
	PT_EDIT_IGNORED = 0, /**< key not used, text unchanged */
	PT_EDIT_MOVED,	     /**< cursor moved */
	PT_EDIT_CHANGED,     /**< text changed */
	PT_EDIT_ACCEPT,	     /**< Enter: use the text */
	PT_EDIT_CANCEL,	     /**< Esc: abandon */
};

/** Start editing @p initial (NULL for empty), cursor at the end. */
void pt_line_edit_init(struct pt_line_edit *ed, const char *initial);

/**
 * Apply one key: printable characters insert at the cursor (UTF-8 encoded), Backspace/Delete,
 * Left/Right/Home/End/Ctrl-A/Ctrl-E move, Ctrl-U clears, Ctrl-W deletes a word, Enter
 * accepts, Esc cancels.
 */
enum pt_edit_result pt_line_edit_key(struct pt_line_edit *ed, int key);

#endif /* PT_KEYS_H */
