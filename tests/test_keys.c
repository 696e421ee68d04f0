/* Unit tests for ui/keys.c: the key table and the prompts' line editor (no curses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "keys.h"

static void test_table(void **state)
{
	static const struct {
		int key;
		enum pt_action action;
	} want[] = {
		{ 'q', PT_ACTION_QUIT },        { 'r', PT_ACTION_REFRESH },
		{ 's', PT_ACTION_SORT },        { '/', PT_ACTION_FILTER },
		{ '\n', PT_ACTION_DETAILS },    { '\r', PT_ACTION_DETAILS },
		{ PT_KEY_ENTER, PT_ACTION_DETAILS },
		{ PT_KEY_UP, PT_ACTION_UP },    { PT_KEY_DOWN, PT_ACTION_DOWN },
		{ 'k', PT_ACTION_UP },          { 'j', PT_ACTION_DOWN },
		{ PT_KEY_PPAGE, PT_ACTION_PGUP }, { PT_KEY_NPAGE, PT_ACTION_PGDN },
		{ PT_KEY_HOME, PT_ACTION_HOME }, { PT_KEY_END, PT_ACTION_END },
		{ 't', PT_ACTION_TYPE },        { 'e', PT_ACTION_EXPECT },
		{ '?', PT_ACTION_HELP },        { 'p', PT_ACTION_PASTE },
		{ 'x', PT_ACTION_REMOVE },      { 'w', PT_ACTION_WRITE },
		{ 'u', PT_ACTION_UNDO },
		{ 'd', PT_ACTION_DIAGNOSE },    { PT_KEY_ESC, PT_ACTION_CLOSE },
		{ PT_KEY_RESIZE, PT_ACTION_REDRAW }, { PT_KEY_CTRL('L'), PT_ACTION_REDRAW },
		{ 'z', PT_ACTION_NONE },        { 0x263a, PT_ACTION_NONE },
		{ PT_KEY_FN | 0777, PT_ACTION_NONE },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(pt_keys_action(want[i].key), want[i].action);
	}
	assert_string_equal(pt_action_name(PT_ACTION_PASTE), "paste");
	assert_string_equal(pt_action_name(PT_ACTION_COUNT), "none");
}

static void test_table_complete(void **state)
{
	bool shown[PT_ACTION_COUNT] = { false };
	const struct pt_key_binding *b, *c;
	size_t i, j;
	int a;

	(void)state;
	for (i = 0; (b = pt_keys_binding(i)) != NULL; i++) {
		assert_true(b->action > PT_ACTION_NONE && b->action < PT_ACTION_COUNT);
		if (b->name) {
			assert_non_null(b->help);
			shown[b->action] = true;
		}
		/* one key, one action */
		for (j = 0; (c = pt_keys_binding(j)) != NULL; j++) {
			if (j != i) {
				assert_int_not_equal(b->key, c->key);
			}
		}
	}
	/* every action appears in the help */
	for (a = PT_ACTION_NONE + 1; a < PT_ACTION_COUNT; a++) {
		assert_true(shown[a]);
	}
}

static void type(struct pt_line_edit *ed, const char *ascii)
{
	while (*ascii) {
		assert_int_equal(pt_line_edit_key(ed, (unsigned char)*ascii++), PT_EDIT_CHANGED);
	}
}

static void test_line_edit(void **state)
{
	struct pt_line_edit ed;
	size_t i;

	(void)state;
	pt_line_edit_init(&ed, NULL);
	assert_string_equal(ed.buf, "");
	type(&ed, "MX");
	assert_int_equal(pt_line_edit_key(&ed, 0xe9), PT_EDIT_CHANGED); /* é */
	assert_int_equal(pt_line_edit_key(&ed, 0x1f600), PT_EDIT_CHANGED); /* 4 bytes */
	assert_string_equal(ed.buf, "MX\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_BACKSPACE), PT_EDIT_CHANGED);
	assert_int_equal(pt_line_edit_key(&ed, 0x7f), PT_EDIT_CHANGED); /* whole é */
	assert_string_equal(ed.buf, "MX");
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_HOME), PT_EDIT_MOVED);
	type(&ed, "www ");
	assert_string_equal(ed.buf, "www MX");
	assert_int_equal(ed.cursor, 4);
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_LEFT), PT_EDIT_MOVED);
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_DC), PT_EDIT_CHANGED);
	assert_string_equal(ed.buf, "wwwMX");
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_END), PT_EDIT_MOVED);
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_DC), PT_EDIT_IGNORED);
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_RIGHT), PT_EDIT_MOVED);
	assert_int_equal(ed.cursor, ed.len);
	type(&ed, " aaaa");
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_CTRL('W')), PT_EDIT_CHANGED);
	assert_string_equal(ed.buf, "wwwMX ");
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_CTRL('U')), PT_EDIT_CHANGED);
	assert_string_equal(ed.buf, "");
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_BACKSPACE), PT_EDIT_IGNORED);
	/* control characters and function keys never land in the text */
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_CTRL('X')), PT_EDIT_IGNORED);
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_UP), PT_EDIT_IGNORED);
	assert_int_equal(pt_line_edit_key(&ed, 0x9b), PT_EDIT_IGNORED);
	assert_int_equal(pt_line_edit_key(&ed, 0xd800), PT_EDIT_IGNORED);
	assert_int_equal(pt_line_edit_key(&ed, '\r'), PT_EDIT_ACCEPT);
	assert_int_equal(pt_line_edit_key(&ed, '\n'), PT_EDIT_ACCEPT);
	assert_int_equal(pt_line_edit_key(&ed, PT_KEY_ESC), PT_EDIT_CANCEL);

	/* full: further characters are refused, never overrun */
	pt_line_edit_init(&ed, NULL);
	for (i = 0; i < PT_EDIT_MAX + 10; i++) {
		pt_line_edit_key(&ed, 'a');
	}
	assert_int_equal(ed.len, PT_EDIT_MAX - 1);
	assert_int_equal(strlen(ed.buf), PT_EDIT_MAX - 1);
	assert_int_equal(pt_line_edit_key(&ed, 0xe9), PT_EDIT_IGNORED);

	pt_line_edit_init(&ed, "goo");
	assert_int_equal(ed.cursor, 3);
	assert_string_equal(ed.buf, "goo");
}

/* Every key in @p bytes, fed @p chunk bytes at a time (0: all at once), into @p out. */
static size_t read_all(struct pt_key_reader *kr, const char *bytes, size_t len, size_t chunk,
		       uint64_t now, int *out, size_t max)
{
	size_t nk = 0, at = 0;

	while (at < len) {
		size_t n = chunk && len - at > chunk ? chunk : len - at;
		const unsigned char *b = (const unsigned char *)bytes + at;

		at += n;
		for (;;) {
			int key;
			size_t used = pt_key_read(kr, b, n, now, &key);

			b += used;
			n -= used;
			if (key != PT_KEY_NONE && nk < max) {
				out[nk++] = key;
				if (key == PT_KEY_PASTE) {
					pt_key_reader_paste(kr, now);
				}
			}
			if (n == 0 && (key == PT_KEY_NONE || kr->npend == 0)) {
				break;
			}
		}
	}
	return nk;
}

static void test_key_reader(void **state)
{
	static const char input[] = "q\033[A\033OB\033[5~\033[6~\033[1;5C\033[3~\r\x7f"
				    "\xc3\xa9\xe2\x98\xba\033[H\033[4~\033[15~\033[<0;3;4M"
				    "\033[200~a\r\033[201~x";
	static const int want[] = {
		'q',	       PT_KEY_UP,    PT_KEY_DOWN, PT_KEY_PPAGE, PT_KEY_NPAGE,
		PT_KEY_RIGHT,  PT_KEY_DC,    '\r',	  0x7f,		0xe9,
		0x263a,	       PT_KEY_HOME,  PT_KEY_END,  PT_KEY_PASTE, PT_KEY_PASTED | 'a',
		PT_KEY_PASTED | '\r', PT_KEY_PASTE_END, 'x',
	};
	int got[64];
	size_t chunk, n;

	(void)state;
	/* whole, and split at every possible place (one byte at a time, then two, three) */
	for (chunk = 0; chunk <= 3; chunk++) {
		struct pt_key_reader kr;

		memset(&kr, 0, sizeof(kr));
		n = read_all(&kr, input, sizeof(input) - 1, chunk, 1000, got, 64);
		assert_int_equal(n, sizeof(want) / sizeof(want[0]));
		for (size_t i = 0; i < n; i++) {
			if (got[i] != want[i]) {
				fail_msg("chunk %zu, key %zu: %#x, want %#x", chunk, i, got[i],
					 want[i]);
			}
		}
		assert_int_equal(kr.npend, 0);
		assert_false(kr.paste);
	}
}

static void test_key_reader_time(void **state)
{
	struct pt_key_reader kr;
	unsigned char out[16];
	int key;

	(void)state;
	memset(&kr, 0, sizeof(kr));
	/* a lone Esc is a key once nothing followed it for a while */
	assert_int_equal(pt_key_read(&kr, (const unsigned char *)"\033", 1, 0, &key), 1);
	assert_int_equal(key, PT_KEY_NONE);
	assert_int_equal(pt_key_wait_ms(&kr, 0), 60);
	assert_int_equal(pt_key_tick(&kr, PT_KEY_ESC_NS - 1), PT_KEY_NONE);
	assert_int_equal(pt_key_tick(&kr, PT_KEY_ESC_NS), PT_KEY_ESC);
	assert_int_equal(pt_key_wait_ms(&kr, 0), -1);
	/* Esc then a key at once: both */
	assert_int_equal(pt_key_read(&kr, (const unsigned char *)"\033q", 2, 0, &key), 1);
	assert_int_equal(key, PT_KEY_ESC);
	assert_int_equal(pt_key_read(&kr, (const unsigned char *)"q", 1, 0, &key), 1);
	assert_int_equal(key, 'q');
	/* half a sequence is dropped in time */
	pt_key_read(&kr, (const unsigned char *)"\033[1", 3, 0, &key);
	assert_int_equal(pt_key_tick(&kr, PT_KEY_ESC_NS), PT_KEY_NONE);
	assert_int_equal(kr.npend, 0);
	/* what is pending can be handed over (to the paste panel) */
	pt_key_read(&kr, (const unsigned char *)"\033[", 2, 0, &key);
	assert_int_equal(pt_key_reader_take(&kr, out), 2);
	assert_int_equal(memcmp(out, "\033[", 2), 0);
	/* a paste without its end marker ends when it stalls */
	pt_key_read(&kr, (const unsigned char *)"\033[200~", 6, 0, &key);
	assert_int_equal(key, PT_KEY_PASTE);
	pt_key_reader_paste(&kr, 0);
	pt_key_read(&kr, (const unsigned char *)"\033[20", 4, 0, &key);
	assert_int_equal(key, PT_KEY_NONE);
	assert_int_equal(pt_key_tick(&kr, PT_KEY_PASTE_STALL_NS - 1), PT_KEY_NONE);
	assert_int_equal(pt_key_tick(&kr, PT_KEY_PASTE_STALL_NS), PT_KEY_PASTE_END);
	assert_false(kr.paste);
	/* an Esc inside a paste that is no end marker is text */
	pt_key_reader_paste(&kr, 0);
	assert_int_equal(pt_key_read(&kr, (const unsigned char *)"\033[2x", 4, 0, &key), 1);
	assert_int_equal(key, PT_KEY_PASTED | 0x1b);
	/* invalid UTF-8 is no key */
	memset(&kr, 0, sizeof(kr));
	assert_int_equal(pt_key_read(&kr, (const unsigned char *)"\xff", 1, 0, &key), 1);
	assert_int_equal(key, PT_KEY_NONE);
	assert_int_equal(pt_key_read(&kr, (const unsigned char *)"\xc3(", 2, 0, &key), 1);
	assert_int_equal(key, PT_KEY_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_line_edit),
		cmocka_unit_test(test_key_reader),
		cmocka_unit_test(test_key_reader_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
