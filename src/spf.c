/*
 * SPF terms (RFC 7208 §4.6.1: terms separated by spaces; a mechanism has an optional
 * qualifier, a name and ":" or "/" arguments; a modifier is name=value).
 */
#include "spf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "query.h"

bool pt_spf_is_record(const char *text)
{
	return strncasecmp(text, "v=spf1", 6) == 0 && (text[6] == '\0' || text[6] == ' ');
}

/* The next term of @p *s into @p term (cut to its size). @return false at the end. */
static bool next_term(const char **s, char *term, size_t size)
{
	const char *p = *s, *start;
	size_t n;

	while (*p == ' ') {
		p++;
	}
	if (!*p) {
		return false;
	}
	start = p;
	while (*p && *p != ' ') {
		p++;
	}
	n = (size_t)(p - start);
	if (n >= size) {
		n = size - 1;
	}
	memcpy(term, start, n);
	term[n] = '\0';
	*s = p;
	return true;
}

/* The mechanism or modifier name of @p term without its qualifier, lower-case, and where
 * its argument starts ("" when none). */
static const char *term_name(const char *term, char *name, size_t size)
{
	size_t n = 0;

	if (*term == '+' || *term == '-' || *term == '~' || *term == '?') {
		term++;
	}
	while (term[n] && term[n] != ':' && term[n] != '=' && term[n] != '/' && n + 1 < size) {
		name[n] =
			(char)((term[n] >= 'A' && term[n] <= 'Z') ? term[n] - 'A' + 'a' : term[n]);
		n++;
	}
	name[n] = '\0';
	return term + n;
}

size_t pt_spf_targets(const char *record, char (*out)[256], size_t max)
{
	char term[512], name[32];
	size_t n = 0;

	if (!pt_spf_is_record(record)) {
		return 0;
	}
	record += 6;
	while (next_term(&record, term, sizeof(term))) {
		const char *arg = term_name(term, name, sizeof(name));
		bool inc = strcmp(name, "include") == 0 && *arg == ':';
		bool red = strcmp(name, "redirect") == 0 && *arg == '=';

		if ((!inc && !red) || strstr(arg, "%{") != NULL) {
			continue;
		}
		if (n < max) {
			if (pt_name_normalise(out[n], sizeof(out[0]), arg + 1) != PT_OK) {
				continue;
			}
		}
		n++;
	}
	return n;
}

static bool counts(const char *name)
{
	static const char *const q[] = { "include", "a", "mx", "ptr", "exists", "redirect" };

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (strcmp(name, q[i]) == 0) {
			return true;
		}
	}
	return false;
}

static void walk(struct pt_spf_eval *e, const char *record, pt_spf_get_fn get, void *ctx,
		 unsigned depth)
{
	char term[512], name[32];
	const char *s = record + 6;

	while (next_term(&s, term, sizeof(term))) {
		const char *arg = term_name(term, name, sizeof(name));
		char target[256];
		const char *text = NULL;
		enum pt_spf_found found;

		if (!counts(name)) {
			continue;
		}
		if (e->lookups > PT_SPF_COUNT_CAP) {
			e->capped = true;
			return;
		}
		e->lookups++;
		if ((strcmp(name, "include") != 0 && strcmp(name, "redirect") != 0) ||
		    (*arg != ':' && *arg != '=')) {
			continue;
		}
		if (strstr(arg, "%{") != NULL ||
		    pt_name_normalise(target, sizeof(target), arg + 1) != PT_OK) {
			e->incomplete = true;
			continue;
		}
		if (e->ntargets < PT_SPF_MAX_TARGETS) {
			snprintf(e->targets[e->ntargets++], sizeof(e->targets[0]), "%s", target);
		}
		if (depth >= PT_SPF_MAX_DEPTH) {
			e->incomplete = true;
			continue;
		}
		found = get(ctx, target, &text);
		if (found == PT_SPF_FOUND && text) {
			walk(e, text, get, ctx, depth + 1);
		} else if (found == PT_SPF_UNKNOWN) {
			e->incomplete = true;
		} else if (!e->broken_target) {
			e->broken_target = true;
			snprintf(e->broken, sizeof(e->broken), "%s", target);
		}
	}
}

void pt_spf_evaluate(struct pt_spf_eval *out, const char *record, pt_spf_get_fn get, void *ctx)
{
	memset(out, 0, sizeof(*out));
	if (record && pt_spf_is_record(record)) {
		walk(out, record, get, ctx, 0);
	}
}

bool pt_spf_reaches(const struct pt_spf_eval *e, const char *name)
{
	for (size_t i = 0; i < e->ntargets; i++) {
		if (strcmp(e->targets[i], name) == 0) {
			return true;
		}
	}
	return false;
}
