#include "text.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "share.h"

void pt_buf_init(struct pt_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pt_buf_fini(struct pt_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void pt_buf_reset(struct pt_buf *b)
{
	b->len = 0;
	if (b->s != NULL) {
		b->s[0] = '\0';
	}
}

bool pt_buf_reserve(struct pt_buf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->oom) {
		return false;
	}
	if (b->len + more + 1 <= b->cap) {
		return true;
	}
	if (more > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	cap = b->cap ? b->cap : 128;
	while (cap < b->len + more + 1) {
		cap *= 2;
	}
	s = realloc(b->s, cap);
	if (s == NULL) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void pt_buf_printf(struct pt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !pt_buf_reserve(b, (size_t)n)) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *pt_buf_take(struct pt_buf *b)
{
	char *s;

	if (b->oom) {
		pt_buf_fini(b);
		return NULL;
	}
	s = b->s != NULL ? b->s : strdup("");
	memset(b, 0, sizeof(*b));
	return s;
}

const char *pt_buf_str(const struct pt_buf *b)
{
	return b->s != NULL ? b->s : "";
}

void pt_buf_quoted(struct pt_buf *b, const char *s)
{
	pt_buf_putc(b, '"');
	for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
		pt_buf_add(b, s, (size_t)(q - s) + 1);
		pt_buf_putc(b, '"');
	}
	pt_buf_puts(b, s);
	pt_buf_putc(b, '"');
}

size_t pt_utf8_seq(const char *str, size_t avail)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (avail == 0) {
		return 0;
	}
	if (s[0] < 0x80) {
		return 1;
	}
	/* RFC 3629 §4: the second byte's range excludes overlong forms and surrogates */
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi) {
		return 0;
	}
	for (size_t i = 2; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			return 0;
		}
	}
	return n;
}

int pt_text_width(const char *s)
{
	size_t left = strlen(s);
	int w = 0;

	while (left > 0) {
		size_t n = pt_utf8_seq(s, left);

		n = n ? n : 1;
		s += n;
		left -= n;
		w++;
	}
	return w;
}

char *pt_text_fit(char *buf, size_t size, const char *src, int width, bool ascii)
{
	const char *ell = ascii ? "~" : "\xe2\x80\xa6";
	size_t ell_len = strlen(ell), used = 0, left = strlen(src);
	bool cut = pt_text_width(src) > width;
	int room = cut ? width - 1 : width;
	int w = 0;

	if (size == 0) {
		return buf;
	}
	buf[0] = '\0';
	if (width <= 0) {
		return buf;
	}
	while (left > 0 && w < room) {
		size_t n = pt_utf8_seq(src, left);

		if (n == 0) {
			/* an invalid byte: '?', so a terminal is never fed a broken sequence */
			if (used + 2 > size) {
				break;
			}
			buf[used++] = '?';
			n = 1;
		} else {
			if (used + n + 1 > size) {
				break;
			}
			memcpy(buf + used, src, n);
			used += n;
		}
		src += n;
		left -= n;
		w++;
	}
	if (cut && used + ell_len + 1 <= size) {
		memcpy(buf + used, ell, ell_len);
		used += ell_len;
	}
	buf[used] = '\0';
	return buf;
}

size_t pt_text_clean(char *dst, size_t size, const char *src, size_t n)
{
	static const char repl[] = "\xef\xbf\xbd"; /* U+FFFD */
	size_t used = 0;

	if (size == 0) {
		return 0;
	}
	while (n > 0 && *src != '\0') {
		size_t k = pt_utf8_seq(src, n);
		const char *piece = src;
		size_t plen = k;
		unsigned char c = (unsigned char)src[0];

		if (k == 0) {
			piece = repl;
			plen = 3;
			k = 1;
		} else if (c < 0x20 || c == 0x7f ||
			   (k == 2 && c == 0xc2 && (unsigned char)src[1] < 0xa0)) {
			/* C0, DEL, and C1 (U+0080-U+009F, encoded c2 80..c2 9f) */
			piece = "?";
			plen = 1;
		}
		if (used + plen + 1 > size) {
			break;
		}
		memcpy(dst + used, piece, plen);
		used += plen;
		src += k;
		n -= k;
	}
	dst[used] = '\0';
	return used;
}

char *pt_text_duration(char *buf, size_t size, uint64_t s)
{
	if (s < 60) {
		snprintf(buf, size, "%us", (unsigned)s);
	} else if (s < 3600) {
		snprintf(buf, size, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
	} else if (s < 86400) {
		snprintf(buf, size, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60));
	} else {
		snprintf(buf, size, "%llud%02uh", (unsigned long long)(s / 86400),
			 (unsigned)(s % 86400 / 3600));
	}
	return buf;
}

/*
 * The table of shared strings: every text given once, for the life of the process, in a
 * chained hash table under a mutex (taken when a list or a probe's result is read, never by a
 * sweep), its buckets doubled when it holds twice as many texts.
 */
/* Bytes the table holds at most: a hostile feed of distinct texts (a results API's error
 * texts at every repeat) must not grow the process without bound. */
#define INTERN_MAX_BYTES (32u << 20)

struct interned {
	struct interned *next;
	uint64_t hash;
	char text[];
};

static struct interned **interned;
static size_t interned_nbuckets, interned_count, interned_bytes;
static pthread_mutex_t interned_lock = PTHREAD_MUTEX_INITIALIZER;

/* Twice the buckets (or the first 256), the texts moved over; a failure keeps the old. */
static void intern_grow(void)
{
	size_t n = interned_nbuckets ? 2 * interned_nbuckets : 256;
	struct interned **b = calloc(n, sizeof(*b));

	if (b == NULL) {
		return;
	}
	for (size_t i = 0; i < interned_nbuckets; i++) {
		for (struct interned *e = interned[i], *next; e; e = next) {
			next = e->next;
			e->next = b[e->hash % n];
			b[e->hash % n] = e;
		}
	}
	free(interned);
	interned = b;
	interned_nbuckets = n;
}

const char *pt_text_intern(const char *text, size_t size)
{
	size_t len = size > 0 ? strnlen(text, size - 1) : 0;
	uint64_t h = pt_hash_bytes(PT_HASH_INIT, text, len);
	struct interned *e = NULL;

	if (len == 0) {
		return "";
	}
	pthread_mutex_lock(&interned_lock);
	if (interned_count >= 2 * interned_nbuckets) {
		intern_grow();
	}
	if (interned_nbuckets > 0) {
		struct interned **b = &interned[h % interned_nbuckets];

		for (e = *b; e; e = e->next) {
			if (e->hash == h && strncmp(e->text, text, len) == 0 &&
			    e->text[len] == '\0') {
				break;
			}
		}
		if (e == NULL && interned_bytes + sizeof(*e) + len + 1 <= INTERN_MAX_BYTES &&
		    (e = malloc(sizeof(*e) + len + 1)) != NULL) {
			interned_bytes += sizeof(*e) + len + 1;
			interned_count++;
			e->hash = h;
			memcpy(e->text, text, len);
			e->text[len] = '\0';
			e->next = *b;
			*b = e;
		}
	}
	pthread_mutex_unlock(&interned_lock);
	return e ? e->text : NULL;
}
