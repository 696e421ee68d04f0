/**
 * @file json.h
 * The one JSON writer: strings escaped once here (invalid UTF-8 replaced by U+FFFD, control
 * characters escaped), objects and arrays with the commas placed for the caller, into a
 * struct pt_buf. Every JSON document and NDJSON line proptrack writes is built with it.
 * Pure; one writer per thread.
 *
 * Members take a key; array elements pass NULL as the key. A writer that ran out of memory
 * marks its buffer (pt_buf.oom) and the caller checks once at the end.
 */
#ifndef PT_JSON_H
#define PT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text.h"

/** Deepest nesting; a deeper container marks the buffer as failed (oom). */
#define PT_JSON_DEPTH 16

/** A JSON writer over a buffer. Embedded; start with pt_json_init(). */
struct pt_json {
	/** where the text goes. Borrowed */
	struct pt_buf *buf;
	/** open containers */
	unsigned depth;
	/** per depth: a member or element was written, so the next one needs a comma */
	bool more[PT_JSON_DEPTH];
	/** per depth: put every member or element on a line of its own, indented */
	bool lines[PT_JSON_DEPTH];
	/** per depth: the closing bracket */
	char close[PT_JSON_DEPTH];
};

/** Start writing into @p buf (appending to what it holds). */
void pt_json_init(struct pt_json *j, struct pt_buf *buf);

/** Append @p s as a JSON string literal with quotes (NULL writes null). */
void pt_json_escape(struct pt_buf *b, const char *s);

/** Open an object as member @p key (NULL: an element, or the top level). */
void pt_json_object(struct pt_json *j, const char *key);

/** Open an array as member @p key (NULL: an element). With @p lines, one element per line. */
void pt_json_array(struct pt_json *j, const char *key, bool lines);

/** Open an object whose members go on lines of their own (the top level of a document). */
void pt_json_object_lines(struct pt_json *j, const char *key);

/** Close the innermost object or array. */
void pt_json_end(struct pt_json *j);

/** A string member or element. NULL writes null. */
void pt_json_str(struct pt_json *j, const char *key, const char *v);

/** An integer member or element. */
void pt_json_int(struct pt_json *j, const char *key, long long v);

/** An unsigned integer member or element. */
void pt_json_uint(struct pt_json *j, const char *key, unsigned long long v);

/** A number with @p decimals digits after the point ("12.3"). */
void pt_json_num(struct pt_json *j, const char *key, double v, int decimals);

/** A boolean member or element. */
void pt_json_bool(struct pt_json *j, const char *key, bool v);

/** null as a member or element. */
void pt_json_null(struct pt_json *j, const char *key);

/** An array of strings. */
void pt_json_strv(struct pt_json *j, const char *key, char *const *v, size_t n);

/** Text that already is one JSON value (NULL or "" writes {}), e.g. a check's data object. */
void pt_json_raw(struct pt_json *j, const char *key, const char *json);

#endif /* PT_JSON_H */
