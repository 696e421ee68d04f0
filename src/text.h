/**
 * @file text.h
 * Text for people and machines: a growable byte buffer, UTF-8 sequences, display width and
 * fitting to a width, cleaning untrusted bytes (SMTP banners, DNS strings, labels) at UTF-8
 * boundaries, durations, the one quoted-field writer (CSV, resolver lists), and the table of
 * shared strings (pt_text_intern(): the one piece of state here, under its own lock).
 * Otherwise pure functions and caller-owned buffers; safe from any thread.
 */
#ifndef PT_TEXT_H
#define PT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * A growable byte buffer, always NUL-terminated once anything was added. Embedded; zero it
 * (or pt_buf_init()) before use, release with pt_buf_fini(). After an allocation failure it
 * stops growing and sets @ref oom; callers check once at the end.
 */
struct pt_buf {
	/** the bytes; NULL until something was added */
	char *s;
	/** bytes used, without the NUL */
	size_t len;
	/** bytes allocated */
	size_t cap;
	/** an allocation failed: the content is incomplete */
	bool oom;
};

/** Make @p b empty. */
void pt_buf_init(struct pt_buf *b);

/** Release what @p b holds and make it empty. */
void pt_buf_fini(struct pt_buf *b);

/** Drop the content, keep the allocation. */
void pt_buf_reset(struct pt_buf *b);

/**
 * Room for @p more bytes and the NUL after what @p b holds. @return false (and oom set) when
 * it cannot grow, or after an earlier failure. The appenders below call it only when the
 * room they need is not there.
 */
bool pt_buf_reserve(struct pt_buf *b, size_t more);

/* The appenders are inline: a long list's JSON is millions of small appends, and the room
 * for each is almost always there (the check is one comparison; a literal's strlen() is
 * folded). */

/** Append @p n bytes of @p data. */
static inline void pt_buf_add(struct pt_buf *b, const void *data, size_t n)
{
	if ((b->oom || b->cap - b->len <= n) && !pt_buf_reserve(b, n)) {
		return;
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/** Append the string @p s. */
static inline void pt_buf_puts(struct pt_buf *b, const char *s)
{
	pt_buf_add(b, s, strlen(s));
}

/** Append one byte. */
static inline void pt_buf_putc(struct pt_buf *b, char c)
{
	pt_buf_add(b, &c, 1);
}

/** Append formatted text. */
void pt_buf_printf(struct pt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Hand the content over as a string. @return it (caller owns; free with free()), "" when
 * empty, NULL when an allocation failed (the buffer is released either way).
 */
char *pt_buf_take(struct pt_buf *b);

/**
 * Append @p s as one quoted field: in double quotes, an inner quote doubled (RFC 4180; the
 * resolver list format reads it back the same way).
 */
void pt_buf_quoted(struct pt_buf *b, const char *s);

/** The content of @p b, "" when empty. Borrowed; valid until @p b changes. */
const char *pt_buf_str(const struct pt_buf *b);

/**
 * Length of the valid UTF-8 sequence at @p s (at most @p avail bytes are read): 1 to 4, or 0
 * when the bytes there are not a valid sequence (overlong forms, surrogates and code points
 * above U+10FFFF are invalid).
 */
size_t pt_utf8_seq(const char *s, size_t avail);

/** Display width in terminal cells of UTF-8 text: one cell per code point (invalid bytes count
 *  one cell each, as they are shown as one replacement character). */
int pt_text_width(const char *s);

/**
 * Copy @p src into @p buf cut to at most @p width cells, ending in "…" (or "~" when @p ascii)
 * when cut; never splits a UTF-8 sequence; invalid bytes become '?'. @return @p buf.
 */
char *pt_text_fit(char *buf, size_t size, const char *src, int width, bool ascii);

/**
 * Clean untrusted bytes into printable UTF-8: valid sequences are kept, each invalid byte
 * becomes U+FFFD, control characters (C0, DEL, C1) become '?'. The copy is cut to fit
 * @p size at a character boundary and NUL-terminated.
 * @param n bytes of @p src to read (it need not be NUL-terminated; a NUL ends it early)
 * @return bytes written to @p dst, without the NUL.
 */
size_t pt_text_clean(char *dst, size_t size, const char *src, size_t n);

/** A duration for people: "41s", "3m05s", "2h04m", "3d02h". @return @p buf. */
char *pt_text_duration(char *buf, size_t size, uint64_t seconds);

/**
 * The process's copy of @p text, cut to @p size - 1 bytes, in a table of strings that many
 * records share (a resolver's TLS name or DoH URL, a probe's measurement id or error): the same
 * pointer for the same text, kept until the process ends, so a record holds a pointer and not
 * a buffer of its own. Only for texts of which there are few distinct ones; the table holds
 * 32 MB at most. "" for an empty text. @return NULL when out of memory or the table is full.
 * Any thread.
 */
const char *pt_text_intern(const char *text, size_t size);

#endif /* PT_TEXT_H */
