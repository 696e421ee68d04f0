/*
 * MTA-STS records and policies (RFC 8461 §3.1, §3.2, §4.1).
 */
#include "mtasts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t') {
		s++;
	}
	return s;
}

bool pt_mtasts_record(const char *text, char *id, size_t idsize, char *why, size_t whysize)
{
	const char *s = skip_ws(text);
	bool have_id = false;

	*id = '\0';
	*why = '\0';
	if (strncmp(s, "v=STSv1", 7) != 0 ||
	    (s[7] != ';' && s[7] != '\0' && s[7] != ' ' && s[7] != '\t')) {
		return false;
	}
	s += 7;
	while (*s) {
		const char *key, *val;
		size_t klen, vlen;

		s = skip_ws(s);
		if (*s == ';') {
			s++;
			continue;
		}
		if (!*s) {
			break;
		}
		key = s;
		while (*s && *s != '=' && *s != ';') {
			s++;
		}
		klen = (size_t)(s - key);
		if (*s != '=') {
			snprintf(why, whysize, "a field without '=' after v=STSv1");
			return false;
		}
		val = ++s;
		while (*s && *s != ';' && *s != ' ' && *s != '\t') {
			s++;
		}
		vlen = (size_t)(s - val);
		if (klen == 2 && strncmp(key, "id", 2) == 0) {
			if (vlen == 0 || vlen > 32) {
				snprintf(why, whysize, "the id must be 1 to 32 letters and digits");
				return false;
			}
			for (size_t i = 0; i < vlen; i++) {
				if (!isalnum((unsigned char)val[i])) {
					snprintf(why, whysize,
						 "the id must be 1 to 32 letters and digits");
					return false;
				}
			}
			snprintf(id, idsize, "%.*s", (int)vlen, val);
			have_id = true;
		}
	}
	if (!have_id) {
		snprintf(why, whysize, "no id= field");
		return false;
	}
	return true;
}

/* Copy @p n bytes of @p s lower-case without trailing white space or dot. */
static void lower_trim(char *out, size_t size, const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
		n--;
	}
	if (n >= size) {
		n = size - 1;
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '.') {
		out[n - 1] = '\0';
	}
}

bool pt_mtasts_parse(const char *body, struct pt_mtasts_policy *out, char *why, size_t whysize)
{
	const char *s = body;
	bool version = false, have_mode = false, have_age = false;

	memset(out, 0, sizeof(*out));
	*why = '\0';
	while (*s) {
		const char *end = s, *colon;
		char key[32], val[256];
		size_t n;

		while (*end && *end != '\n') {
			end++;
		}
		n = (size_t)(end - s);
		if (n > 0 && s[n - 1] == '\r') {
			n--;
		}
		colon = memchr(s, ':', n);
		if (n > 0 && colon) {
			const char *v = skip_ws(colon + 1);

			lower_trim(key, sizeof(key), s, (size_t)(colon - s));
			snprintf(val, sizeof(val), "%.*s", (int)(n - (size_t)(v - s)), v);
			lower_trim(val, sizeof(val), val, strlen(val));
			if (strcmp(key, "version") == 0) {
				version = strcmp(val, "stsv1") == 0;
				if (!version) {
					snprintf(why, whysize, "version is not STSv1");
					return false;
				}
			} else if (strcmp(key, "mode") == 0) {
				if (strcmp(val, "enforce") != 0 && strcmp(val, "testing") != 0 &&
				    strcmp(val, "none") != 0) {
					snprintf(why, whysize,
						 "mode must be enforce, testing or none");
					return false;
				}
				snprintf(out->mode, sizeof(out->mode), "%s", val);
				have_mode = true;
			} else if (strcmp(key, "max_age") == 0) {
				char *e;
				unsigned long a;

				errno = 0;
				a = strtoul(val, &e, 10);
				if (!isdigit((unsigned char)val[0]) || *e || errno ||
				    a > PT_MTASTS_MAX_AGE || strlen(val) > 10) {
					snprintf(why, whysize,
						 "max_age must be a number of seconds up to "
						 "31557600");
					return false;
				}
				out->max_age = a;
				have_age = true;
			} else if (strcmp(key, "mx") == 0 && out->nmx < PT_MTASTS_MAX_MX) {
				snprintf(out->mx[out->nmx++], sizeof(out->mx[0]), "%s", val);
			}
		}
		s = *end ? end + 1 : end;
	}
	if (!version) {
		snprintf(why, whysize, "no version: STSv1 line");
	} else if (!have_mode) {
		snprintf(why, whysize, "no mode line");
	} else if (!have_age) {
		snprintf(why, whysize, "no max_age line");
	} else if (out->nmx == 0 && strcmp(out->mode, "none") != 0) {
		snprintf(why, whysize, "no mx line");
	} else {
		return true;
	}
	return false;
}

bool pt_mtasts_match(const char *pattern, const char *host)
{
	char p[256], h[256];
	const char *dot;

	lower_trim(p, sizeof(p), pattern, strlen(pattern));
	lower_trim(h, sizeof(h), host, strlen(host));
	if (strncmp(p, "*.", 2) != 0) {
		return strcmp(p, h) == 0;
	}
	/* the wildcard stands for exactly one label (§4.1) */
	dot = strchr(h, '.');
	return dot && dot != h && strcmp(dot + 1, p + 2) == 0;
}

long pt_mtasts_policy_match(const struct pt_mtasts_policy *p, const char *host)
{
	for (size_t i = 0; i < p->nmx; i++) {
		if (pt_mtasts_match(p->mx[i], host)) {
			return (long)i;
		}
	}
	return -1;
}
