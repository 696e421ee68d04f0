#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The decimal digits of @p v, written backwards ending at @p end. @return the first. */
static char *digits(char *end, unsigned long long v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

/* @p v in decimal, as "%lld" / "%llu" write it (a row's numbers are most of a JSON sweep's
 * output: printf() was 40% of writing it). */
static void put_int(struct pt_buf *b, bool negative, unsigned long long v)
{
	char buf[24];
	char *p = digits(buf + sizeof(buf), v);

	if (negative) {
		*--p = '-';
	}
	pt_buf_add(b, p, (size_t)(buf + sizeof(buf) - p));
}

void pt_json_init(struct pt_json *j, struct pt_buf *buf)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
}

void pt_json_escape(struct pt_buf *b, const char *s)
{
	size_t left;

	if (s == NULL) {
		pt_buf_puts(b, "null");
		return;
	}
	/* most strings need no escape: one pass finds the end of the run that needs none, and
	 * when that is the end of the string it goes in one piece */
	const char *p = s;

	while ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f && *p != '"' && *p != '\\') {
		p++;
	}
	if (*p == '\0') {
		pt_buf_putc(b, '"');
		pt_buf_add(b, s, (size_t)(p - s));
		pt_buf_putc(b, '"');
		return;
	}
	left = strlen(s);
	pt_buf_putc(b, '"');
	while (left > 0) {
		size_t n = 0;
		unsigned char c;

		/* a run of printable ASCII that needs no escape goes in one piece */
		while (n < left && (unsigned char)s[n] >= 0x20 && (unsigned char)s[n] < 0x7f &&
		       s[n] != '"' && s[n] != '\\') {
			n++;
		}
		if (n > 0) {
			pt_buf_add(b, s, n);
			s += n;
			left -= n;
			continue;
		}
		n = pt_utf8_seq(s, left);
		c = (unsigned char)*s;
		if (n == 0) {
			pt_buf_puts(b, "\\ufffd");
			n = 1;
		} else if (n > 1) {
			pt_buf_add(b, s, n);
		} else if (c == '"' || c == '\\') {
			pt_buf_putc(b, '\\');
			pt_buf_putc(b, (char)c);
		} else if (c == '\n') {
			pt_buf_puts(b, "\\n");
		} else if (c == '\r') {
			pt_buf_puts(b, "\\r");
		} else if (c == '\t') {
			pt_buf_puts(b, "\\t");
		} else {
			/* the other control characters (the run took every printable one) */
			pt_buf_printf(b, "\\u%04x", c);
		}
		s += n;
		left -= n;
	}
	pt_buf_putc(b, '"');
}

/* Comma, line break and key before the next member or element. */
static void member(struct pt_json *j, const char *key)
{
	unsigned d = j->depth;

	if (d > 0) {
		if (j->lines[d]) {
			/* ",\n" and one space per depth (depth < PT_JSON_DEPTH) */
			static const char nl[] = ",\n                ";
			_Static_assert(sizeof(nl) >= PT_JSON_DEPTH + 2, "one space per depth");

			pt_buf_add(j->buf, j->more[d] ? nl : nl + 1, d + 1 + j->more[d]);
		} else if (j->more[d]) {
			pt_buf_add(j->buf, ", ", 2);
		}
		j->more[d] = true;
	}
	if (key != NULL) {
		pt_json_escape(j->buf, key);
		pt_buf_puts(j->buf, ": ");
	}
}

static void open_container(struct pt_json *j, const char *key, char open, char close, bool lines)
{
	if (j->depth + 1 >= PT_JSON_DEPTH) {
		j->buf->oom = true;
		return;
	}
	member(j, key);
	pt_buf_putc(j->buf, open);
	j->depth++;
	j->more[j->depth] = false;
	j->lines[j->depth] = lines;
	j->close[j->depth] = close;
}

void pt_json_object(struct pt_json *j, const char *key)
{
	open_container(j, key, '{', '}', false);
}

void pt_json_object_lines(struct pt_json *j, const char *key)
{
	open_container(j, key, '{', '}', true);
}

void pt_json_array(struct pt_json *j, const char *key, bool lines)
{
	open_container(j, key, '[', ']', lines);
}

void pt_json_end(struct pt_json *j)
{
	unsigned d = j->depth;

	if (d == 0) {
		return;
	}
	if (j->lines[d] && j->more[d]) {
		static const char nl[] = "\n                ";
		_Static_assert(sizeof(nl) >= PT_JSON_DEPTH + 1, "one space per depth");

		pt_buf_add(j->buf, nl, d);
	}
	pt_buf_putc(j->buf, j->close[d]);
	j->depth--;
}

void pt_json_str(struct pt_json *j, const char *key, const char *v)
{
	member(j, key);
	pt_json_escape(j->buf, v);
}

void pt_json_int(struct pt_json *j, const char *key, long long v)
{
	member(j, key);
	put_int(j->buf, v < 0, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
}

void pt_json_uint(struct pt_json *j, const char *key, unsigned long long v)
{
	member(j, key);
	put_int(j->buf, false, v);
}

void pt_json_num(struct pt_json *j, const char *key, double v, int decimals)
{
	member(j, key);
	/* JSON has no NaN or infinities */
	if (v != v || v > 1e300 || v < -1e300) {
		pt_buf_puts(j->buf, "null");
		return;
	}
	/* what "%.*f" writes, without printf() when that is certain: v scaled to an integer
	 * below 1e9 (the product is then within 1e-7 of the exact one) that is not within 1e-6
	 * of a half (where printf()'s rounding of the exact binary value could go the other
	 * way); anything else is printf()'s */
	static const double scale[] = { 1, 10, 100, 1000 };
	double x = decimals >= 0 && decimals <= 3 ? fabs(v) * scale[decimals] : 1e9;

	if (x < 1e9) {
		double r = floor(x + 0.5);

		if (fabs(x - floor(x) - 0.5) > 1e-6) {
			char buf[40];
			char *end = buf + sizeof(buf);
			char *p = end;
			unsigned long long n = (unsigned long long)r;

			for (int k = 0; k < decimals; k++) {
				*--p = (char)('0' + n % 10);
				n /= 10;
			}
			if (decimals > 0) {
				*--p = '.';
			}
			p = digits(p, n);
			/* printf() keeps the sign of a negative value that rounds to zero */
			if (signbit(v)) {
				*--p = '-';
			}
			pt_buf_add(j->buf, p, (size_t)(end - p));
			return;
		}
	}
	pt_buf_printf(j->buf, "%.*f", decimals, v);
}

void pt_json_bool(struct pt_json *j, const char *key, bool v)
{
	member(j, key);
	pt_buf_puts(j->buf, v ? "true" : "false");
}

void pt_json_null(struct pt_json *j, const char *key)
{
	member(j, key);
	pt_buf_puts(j->buf, "null");
}

void pt_json_strv(struct pt_json *j, const char *key, char *const *v, size_t n)
{
	pt_json_array(j, key, false);
	for (size_t i = 0; i < n; i++) {
		pt_json_str(j, NULL, v[i]);
	}
	pt_json_end(j);
}

void pt_json_raw(struct pt_json *j, const char *key, const char *json)
{
	member(j, key);
	pt_buf_puts(j->buf, json != NULL && *json ? json : "{}");
}
