/* Unit tests for ui/paste.c: the paste panel's byte decoder, text editing and incremental
 * parsing (no curses, no network, fake time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "paste.h"

#define MS(n) ((uint64_t)(n) * 1000000ULL)
#define PS "\033[200~"
#define PE "\033[201~"

static enum pt_paste_event feed(struct pt_paste *p, const char *s, uint64_t now)
{
	return pt_paste_feed(p, s, strlen(s), now, NULL);
}

static void step_all(struct pt_paste *p, size_t budget)
{
	int guard = 0;

	while (pt_paste_step(p, budget)) {
		assert_true(++guard < 10000000);
	}
}

static const char *text(struct pt_paste *p)
{
	static char buf[4096];
	size_t n;
	const char *t = pt_paste_text(p, &n);

	assert_true(n < sizeof(buf));
	memcpy(buf, t, n);
	buf[n] = '\0';
	return buf;
}

static void test_markers_split(void **state)
{
	static const char *const parts[] = { "\033[20", "0~1.1.1.1\n8.8", ".8.8\033[2", "01", "~" };
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	size_t i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		assert_int_equal(feed(p, parts[i], MS(i)), PT_PASTE_NONE);
		pt_paste_stats(p, &st);
		assert_int_equal(st.pasting, i >= 1 && i < 4);
	}
	assert_string_equal(text(p), "1.1.1.1\n8.8.8.8");
	step_all(p, 1);
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 2); /* the unterminated last line counts */
	assert_int_equal(st.lines, 2);
	assert_int_equal(st.rejected, 0);
	/* one byte at a time */
	pt_paste_free(p);
	p = pt_paste_new(NULL);
	{
		const char *all = PS "9.9.9.9 Quad9\n" PE;

		for (i = 0; all[i]; i++) {
			assert_int_equal(pt_paste_feed(p, all + i, 1, MS(1), NULL), PT_PASTE_NONE);
		}
	}
	assert_string_equal(text(p), "9.9.9.9 Quad9\n");
	pt_paste_free(p);
}

static void test_no_keys_in_paste(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	size_t used = 0;
	const char in[] = PS "q\004\033x\033\033[201x\033[20~\r\n" PE "\004";

	(void)state;
	/* Ctrl-D, Esc, false end markers inside a paste are text; the Ctrl-D after it applies */
	assert_int_equal(pt_paste_feed(p, in, sizeof(in) - 1, MS(1), &used), PT_PASTE_APPLY);
	assert_int_equal(used, sizeof(in) - 1);
	assert_string_equal(text(p), "q\004\033x\033\033[201x\033[20~\n");
	pt_paste_stats(p, &st);
	assert_false(st.pasting);
	pt_paste_free(p);
}

static void test_typing(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;

	(void)state;
	feed(p, "1.1.1.x\1771\r", MS(1));
	assert_string_equal(text(p), "1.1.1.1\n");
	feed(p, "8.8.8.8 G\303\251\177x", MS(2)); /* backspace removes a whole é */
	assert_string_equal(text(p), "1.1.1.1\n8.8.8.8 Gx");
	feed(p, "\025", MS(3)); /* Ctrl-U: the line being typed */
	assert_string_equal(text(p), "1.1.1.1\n");
	step_all(p, 4096);
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 1);
	/* backspace into parsed text: the parse starts again and stays right */
	feed(p, "\177\1772\r3.3.3.3\r", MS(4));
	assert_string_equal(text(p), "1.1.1.2\n3.3.3.3\n");
	step_all(p, 4096);
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.lines, 2);
	/* tabs are text, other controls are not */
	feed(p, "\0014.4.4.4\tTab label\r", MS(5));
	assert_string_equal(text(p), "1.1.1.2\n3.3.3.3\n4.4.4.4\tTab label\n");
	pt_paste_free(p);
}

static void test_esc(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	size_t used;

	(void)state;
	/* arrow keys are sequences, not Esc */
	assert_int_equal(feed(p, "\033[B\033OA\033[6~", MS(0)), PT_PASTE_NONE);
	assert_int_equal(pt_paste_tick(p, MS(500)), PT_PASTE_NONE);
	/* a lone Esc cancels once nothing follows within the timeout */
	assert_int_equal(feed(p, "\033", MS(1000)), PT_PASTE_NONE);
	assert_true(pt_paste_wait_ms(p, MS(1000)) > 0);
	assert_int_equal(pt_paste_tick(p, MS(1010)), PT_PASTE_NONE);
	assert_int_equal(pt_paste_tick(p, MS(1000) + PT_PASTE_ESC_NS), PT_PASTE_CANCEL);
	assert_int_equal(pt_paste_wait_ms(p, MS(2000)), -1);
	/* Esc Esc: the first one was a key */
	assert_int_equal(pt_paste_feed(p, "\033\033abc", 5, MS(3000), &used), PT_PASTE_CANCEL);
	assert_int_equal(used, 2);
	/* a half sequence is dropped after the timeout, without cancelling */
	assert_int_equal(feed(p, "\033[1", MS(4000)), PT_PASTE_NONE);
	assert_int_equal(pt_paste_tick(p, MS(4000) + PT_PASTE_ESC_NS), PT_PASTE_NONE);
	assert_int_equal(feed(p, "x", MS(4200)), PT_PASTE_NONE);
	assert_string_equal(text(p), "x");
	pt_paste_free(p);
}

static void test_stall(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;

	(void)state;
	feed(p, PS "1.1.1.1\n\033[20", MS(0));
	assert_int_equal(pt_paste_tick(p, MS(100)), PT_PASTE_NONE);
	pt_paste_stats(p, &st);
	assert_true(st.pasting);
	assert_int_equal(pt_paste_tick(p, PT_PASTE_STALL_NS), PT_PASTE_NONE);
	pt_paste_stats(p, &st);
	assert_false(st.pasting);
	assert_true(st.unterminated);
	assert_string_equal(text(p), "1.1.1.1\n\033[20");
	/* keys work again */
	assert_int_equal(feed(p, "\004", PT_PASTE_STALL_NS + MS(1)), PT_PASTE_APPLY);
	pt_paste_free(p);
}

static void test_crlf_nul_reasons(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	struct pt_paste_diag d;
	const char in[] = PS "1.1.1.1\r\n2.2.2.2\r" /* CRLF split across two feeds */;
	const char in2[] = "\n\r\n999.1.1.1\r\n1.2.3.4:70000\r\n3.3.3.3\0junk\r\n"
			   "fe80::1%eth0 zone\n[2001:db8::1]:53 v6\n1.1.1.1 again\n"
			   "resolver.example\n\xff\xfe\x01garbage\n" PE;

	(void)state;
	pt_paste_feed(p, in, sizeof(in) - 1, MS(1), NULL);
	pt_paste_feed(p, in2, sizeof(in2) - 1, MS(2), NULL);
	step_all(p, 1);
	pt_paste_stats(p, &st);
	assert_int_equal(st.lines, 11);
	assert_int_equal(st.entries, 4); /* 1.1.1.1, 2.2.2.2, fe80::1%eth0, 2001:db8::1 */
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.names, 1);
	assert_int_equal(st.names_pending, 1);
	assert_int_equal(st.rejected, 4);
	/* four rejected lines and the host name's note */
	assert_int_equal(pt_paste_ndiags(p), 5);
	d = pt_paste_diag(p, 0);
	assert_int_equal(d.line, 4);
	d = pt_paste_diag(p, 1);
	assert_int_equal(d.line, 5);
	assert_non_null(strstr(d.reason, "70000"));
	d = pt_paste_diag(p, 2);
	assert_int_equal(d.line, 6);
	assert_non_null(strstr(d.reason, "NUL"));
	d = pt_paste_diag(p, 3);
	assert_int_equal(d.line, 10);
	assert_int_equal(d.kind, PT_PASTE_RESOLVING);
	assert_string_equal(d.reason, "resolving resolver.example\u2026");
	d = pt_paste_diag(p, 4);
	assert_int_equal(d.line, 11);
	assert_int_equal(d.kind, PT_PASTE_REJECTED);
	pt_paste_free(p);
}

/* Terminals send a pasted LF as CR, so CRLF text arrives as CR CR. */
static void test_crlf_as_terminals_send_it(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;

	(void)state;
	feed(p, PS "1.1.1.1\r\r\r\r999.1.1.1\r", MS(1));
	step_all(p, 1); /* parsed with doubled line ends while it arrives ... */
	feed(p, "\r2.2.2.2\r\r" PE, MS(2));
	assert_string_equal(text(p), "1.1.1.1\n\n999.1.1.1\n2.2.2.2\n");
	step_all(p, 1); /* ... and again once the paste ended */
	pt_paste_stats(p, &st);
	assert_int_equal(st.lines, 4);
	assert_int_equal(st.entries, 2);
	assert_int_equal(pt_paste_diag(p, 0).line, 3);
	/* LF text with blank lines (single CRs too) is left alone */
	feed(p, PS "3.3.3.3\r\r4.4.4.4\r" PE, MS(3));
	assert_string_equal(text(p), "1.1.1.1\n\n999.1.1.1\n2.2.2.2\n3.3.3.3\n\n4.4.4.4\n");
	pt_paste_free(p);
}

static void test_incremental_counts(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	char line[64];
	size_t i, steps = 0;

	(void)state;
	feed(p, PS, MS(0));
	for (i = 1; i <= 10000; i++) {
		if (i % 1000 == 0) {
			snprintf(line, sizeof(line), "10.%zu.%zu.999 bad\n", i / 250, i % 250);
		} else {
			snprintf(line, sizeof(line), "10.%zu.%zu.1 r%zu\n", i / 250, i % 250, i);
		}
		feed(p, line, MS(1));
		/* a step after every read, as the dashboard does: counts grow as text arrives */
		if (i % 97 == 0) {
			pt_paste_step(p, 4096);
			steps++;
		}
	}
	feed(p, PE, MS(2));
	pt_paste_stats(p, &st);
	assert_true(st.busy);
	assert_true(st.entries < 10000 - 10);
	while (pt_paste_step(p, 4096)) {
		steps++;
	}
	pt_paste_stats(p, &st);
	assert_false(st.busy);
	assert_int_equal(st.lines, 10000);
	assert_int_equal(st.entries, 9990);
	assert_int_equal(st.rejected, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(pt_paste_diag(p, i).line, (i + 1) * 1000);
	}
	assert_true(steps > 10);
	pt_paste_free(p);
}

static void test_csv_across_steps(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	const struct pt_resolvers *list;
	const struct pt_resolver *r;

	(void)state;
	feed(p, PS "# export\nip_address,name,as_org,country_code,city\n"
		   "9.9.9.9,Quad9,,CH,Zurich\n1.1.1.1,\"Cloud, flare\",,US,\n"
		   "not-an-ip!,x,,,\n8.8.8.8,Google,,US,\n" PE,
	     MS(1));
	step_all(p, 1); /* one line per step: the header must carry over */
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(pt_paste_diag(p, 0).line, 5);
	assert_int_equal(pt_paste_finish(p, &list, &st), PT_OK);
	assert_int_equal(pt_resolvers_count(list), 3);
	r = pt_resolvers_get(list, 1);
	assert_string_equal(r->address, "1.1.1.1");
	assert_string_equal(r->label, "Cloud, flare");
	r = pt_resolvers_get(list, 0);
	assert_string_equal(r->location, "Zurich, CH");
	pt_paste_free(p);
}

static void test_tracked_and_finish(void **state)
{
	struct pt_resolvers *tracked = pt_resolvers_new();
	struct pt_parse_report rep = { 0 };
	struct pt_paste *p;
	struct pt_paste_stats st;
	const struct pt_resolvers *list;

	(void)state;
	assert_int_equal(pt_resolvers_parse(tracked, "1.1.1.1\n8.8.8.8#53\n",
					    strlen("1.1.1.1\n8.8.8.8#53\n"), 0, &rep),
			 PT_OK);
	p = pt_paste_new(tracked);
	feed(p, "1.1.1.1\r2.2.2.2\r8.8.8.8:53", MS(1));
	step_all(p, 1 << 20);
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.tracked, 2); /* the last line (no newline yet) counts too */
	assert_int_equal(pt_paste_finish(p, &list, &st), PT_OK);
	assert_int_equal(pt_resolvers_count(list), 3);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.tracked, 2);
	assert_int_equal(st.lines, 3);
	pt_paste_free(p);
	pt_resolvers_free(tracked);
	pt_parse_report_fini(&rep);
}

/* Host names are handed out to be resolved (in the background) and their results come back:
 * an entry, a duplicate, a reason with the line number; results from before an edit are
 * ignored. */
static void test_names(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	const struct pt_resolvers *list;
	struct pt_resolver r;
	const char *text;
	size_t len;
	uint64_t id[4];

	(void)state;
	feed(p, PS "dns.example Example DNS\n1.1.1.1\nip,name\nnosuch.example,csv row\n"
		   "one.example\nthis is not a resolver\n" PE,
	     MS(1));
	step_all(p, 100);
	pt_paste_stats(p, &st);
	assert_int_equal(st.names, 3);
	assert_int_equal(st.names_pending, 3);
	assert_int_equal(st.rejected, 1);
	assert_true(pt_paste_next_name(p, &id[0], &text, &len));
	assert_int_equal(len, strlen("dns.example Example DNS"));
	assert_int_equal(memcmp(text, "dns.example Example DNS", len), 0);
	assert_true(pt_paste_next_name(p, &id[1], &text, &len));
	/* a CSV row comes with its header, so it reads by column */
	assert_string_equal(text, "ip,name\nnosuch.example,csv row");
	assert_true(pt_paste_next_name(p, &id[2], &text, &len));
	assert_false(pt_paste_next_name(p, &id[3], &text, &len));

	assert_int_equal(pt_resolver_parse_address(&r, "192.0.2.7", NULL, 0), PT_OK);
	snprintf(r.label, sizeof(r.label), "Example DNS");
	pt_paste_name_result(p, id[0], &r, NULL);
	pt_paste_name_result(p, id[1], NULL, "cannot resolve nosuch.example: Name or service not known");
	pt_paste_name_result(p, id[1], &r, NULL); /* twice: ignored */
	pt_paste_name_result(p, 999, &r, NULL);	  /* unknown: ignored */
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.names_resolved, 1);
	assert_int_equal(st.names_pending, 1);
	assert_int_equal(st.rejected, 2);
	assert_int_equal(pt_paste_ndiags(p), 4);
	assert_int_equal(pt_paste_diag(p, 0).line, 1);
	assert_int_equal(pt_paste_diag(p, 0).kind, PT_PASTE_RESOLVED);
	assert_string_equal(pt_paste_diag(p, 0).reason, "dns.example is 192.0.2.7");
	assert_int_equal(pt_paste_diag(p, 1).line, 4);
	assert_int_equal(pt_paste_diag(p, 1).kind, PT_PASTE_REJECTED);
	assert_string_equal(pt_paste_diag(p, 1).reason,
			    "cannot resolve nosuch.example: Name or service not known");
	assert_int_equal(pt_paste_diag(p, 2).kind, PT_PASTE_RESOLVING);
	assert_int_equal(pt_paste_diag(p, 3).line, 6);
	assert_non_null(strstr(pt_paste_diag(p, 3).reason, "not an address: 'this'"));
	/* the same address again: a duplicate */
	pt_paste_name_result(p, id[2], &r, NULL);
	pt_paste_stats(p, &st);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.names_pending, 0);
	assert_string_equal(pt_paste_diag(p, 2).reason,
			    "one.example is 192.0.2.7, already in the list");
	assert_int_equal(pt_paste_finish(p, &list, &st), PT_OK);
	assert_int_equal(pt_resolvers_count(list), 2);
	assert_string_equal(pt_resolvers_get(list, 1)->label, "Example DNS");
	pt_paste_free(p);

	/* the unterminated last line: a host name once completed */
	p = pt_paste_new(NULL);
	feed(p, "last.example", MS(1));
	pt_paste_stats(p, &st);
	assert_int_equal(st.names, 1);
	assert_false(pt_paste_next_name(p, &id[0], &text, &len));
	pt_paste_complete(p);
	assert_true(pt_paste_next_name(p, &id[0], &text, &len));
	pt_paste_stats(p, &st);
	assert_int_equal(st.names, 1);
	assert_int_equal(st.names_pending, 1);
	pt_paste_free(p);
}

static void test_cap(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	size_t n = PT_PASTE_MAX_BYTES + 100000, i;
	char *big = malloc(n);
	size_t used;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < n; i++) {
		big[i] = (i % 16 == 15) ? '\n' : '!';
	}
	feed(p, PS, MS(0));
	assert_int_equal(pt_paste_feed(p, big, n, MS(1), &used), PT_PASTE_NONE);
	assert_int_equal(used, n);
	feed(p, PE, MS(2));
	pt_paste_stats(p, &st);
	assert_false(st.pasting); /* the end marker is seen past the cap */
	assert_int_equal(st.bytes, PT_PASTE_MAX_BYTES);
	assert_int_equal(st.dropped, 100000);
	step_all(p, PT_PASTE_STEP_BYTES);
	pt_paste_stats(p, &st);
	assert_int_equal(st.rejected, PT_PASTE_MAX_BYTES / 16);
	assert_int_equal(pt_paste_ndiags(p), PT_PASTE_DIAGS_MAX);
	free(big);
	pt_paste_free(p);
}

static void test_long_line_and_display(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	char buf[64];
	char *line = malloc(1 << 20);

	(void)state;
	assert_non_null(line);
	memset(line, 'x', 1 << 20);
	feed(p, PS "1.1.1.1\n", MS(0));
	pt_paste_feed(p, line, 1 << 20, MS(1), NULL);
	feed(p, "\n\001\033\xff bin \303\251\n2.2.2.2 tail-end" PE, MS(1));
	step_all(p, 1000);
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.rejected, 2);
	assert_non_null(strstr(pt_paste_diag(p, 0).reason, "too long"));
	assert_int_equal(pt_paste_diag(p, 1).line, 3);
	assert_true(pt_paste_line_from_end(p, 0, buf, 10));
	assert_string_equal(buf, " tail-end"); /* the end of the line being typed */
	assert_true(pt_paste_line_from_end(p, 1, buf, sizeof(buf)));
	assert_string_equal(buf, "..? bin \303\251");
	assert_true(pt_paste_line_from_end(p, 2, buf, sizeof(buf)));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_true(pt_paste_line_from_end(p, 3, buf, sizeof(buf)));
	assert_string_equal(buf, "1.1.1.1");
	assert_false(pt_paste_line_from_end(p, 4, buf, sizeof(buf)));
	free(line);
	pt_paste_free(p);
}

static void test_scroll(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	size_t i;

	(void)state;
	for (i = 0; i < 30; i++) {
		feed(p, "bad!\r", MS(1));
	}
	step_all(p, 1 << 20);
	assert_int_equal(pt_paste_ndiags(p), 30);
	feed(p, "\033[B\033[B\033[6~", MS(2));
	assert_int_equal(pt_paste_scroll(p), 12);
	pt_paste_clamp_scroll(p, 25);
	assert_int_equal(pt_paste_scroll(p), 5);
	feed(p, "\033[H", MS(3));
	assert_int_equal(pt_paste_scroll(p), 0);
	feed(p, "\033[A", MS(4));
	assert_int_equal(pt_paste_scroll(p), 0);
	pt_paste_free(p);
	pt_paste_free(NULL);
}

/* Fuzzing finding (fuzz_paste, crash-4a92349a): the lines of an empty paste were read
 * through a NULL text pointer (undefined behaviour, caught by make asan's UBSan). */
static void test_empty_paste_lines(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	char buf[32] = "x";

	(void)state;
	assert_non_null(p);
	assert_true(pt_paste_line_from_end(p, 0, buf, sizeof(buf)));
	assert_string_equal(buf, "");
	assert_false(pt_paste_line_from_end(p, 1, buf, sizeof(buf)));
	pt_paste_free(p);
}

/* DoT and DoH lines paste like any other entry (the one list parser); a DoT entry by host name
 * goes to the background resolution with its whole line. */
static void test_encrypted(void **state)
{
	struct pt_paste *p = pt_paste_new(NULL);
	struct pt_paste_stats st;
	const struct pt_resolvers *list;
	const char *text;
	size_t len;
	uint64_t id;

	(void)state;
	feed(p, PS "tls://1.1.1.1#cloudflare-dns.com Cloudflare DoT\n"
		   "https://9.9.9.9/dns-query Quad9 DoH\n"
		   "tls://dns.google Google DoT\n"
		   "tls://1.1.1.1#bad name\n" PE,
	     MS(1));
	step_all(p, 1);
	pt_paste_stats(p, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.names, 1);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(pt_paste_diag(p, 0).line, 3);
	assert_int_equal(pt_paste_diag(p, 0).kind, PT_PASTE_RESOLVING);
	assert_int_equal(pt_paste_diag(p, 1).line, 4);
	assert_non_null(strstr(pt_paste_diag(p, 1).reason, "bad TLS name 'bad'"));
	assert_true(pt_paste_next_name(p, &id, &text, &len));
	assert_int_equal(memcmp(text, "tls://dns.google Google DoT", len), 0);
	assert_int_equal(pt_paste_finish(p, &list, &st), PT_OK);
	assert_int_equal(pt_resolvers_count(list), 2);
	assert_int_equal(pt_resolvers_get(list, 0)->transport, PT_TRANSPORT_TLS);
	assert_int_equal(pt_resolvers_get(list, 0)->port, 853);
	assert_string_equal(pt_resolvers_get(list, 0)->endpoint, "cloudflare-dns.com");
	assert_int_equal(pt_resolvers_get(list, 1)->transport, PT_TRANSPORT_HTTPS);
	assert_string_equal(pt_resolvers_get(list, 1)->endpoint, "https://9.9.9.9/dns-query");
	assert_string_equal(pt_resolvers_get(list, 1)->label, "Quad9 DoH");
	pt_paste_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_paste_lines),
		cmocka_unit_test(test_markers_split),
		cmocka_unit_test(test_no_keys_in_paste),
		cmocka_unit_test(test_typing),
		cmocka_unit_test(test_esc),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_crlf_nul_reasons),
		cmocka_unit_test(test_crlf_as_terminals_send_it),
		cmocka_unit_test(test_incremental_counts),
		cmocka_unit_test(test_csv_across_steps),
		cmocka_unit_test(test_tracked_and_finish),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_long_line_and_display),
		cmocka_unit_test(test_scroll),
		cmocka_unit_test(test_encrypted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
