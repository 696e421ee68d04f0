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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_line_edit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
