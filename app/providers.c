/*
 * Where the provider profiles are, and loading them with their messages.
 */
#include "providers.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inputs.h"
#include "verdict.h"

/* The shipped file: relative to the binary (the source tree, a build directory, an
 * installed copy), then the compiled-in data directory. @return @p buf or NULL. */
static const char *shipped(char *buf, size_t size)
{
	static const char *const rel[] = { "data/providers.json", "../data/providers.json",
					   "../share/proptrack/providers.json" };
	const char *p = pt_inputs_data_file(buf, size, rel, sizeof(rel) / sizeof(rel[0]),
					    PT_DATADIR "/providers.json");

	return access(p, R_OK) == 0 ? p : NULL;
}

/* $XDG_CONFIG_HOME/proptrack/providers.json, else ~/.config/...; NULL when neither is set. */
static const char *user_file(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	if (xdg && *xdg == '/') {
		n = snprintf(buf, size, "%s/proptrack/providers.json", xdg);
	} else if (home && *home) {
		n = snprintf(buf, size, "%s/.config/proptrack/providers.json", home);
	} else {
		return NULL;
	}
	return n > 0 && (size_t)n < size ? buf : NULL;
}

static int load_one(struct pt_providers *p, const char *path, FILE *err)
{
	char msg[600];

	msg[0] = '\0';
	switch (pt_providers_load(p, path, msg, sizeof(msg))) {
	case PT_OK:
		return -1;
	case PT_ERR_IO:
		if (errno == ENOENT) {
			return -1;
		}
		break;
	case PT_ERR_NOMEM:
		snprintf(msg, sizeof(msg), "%s: out of memory", path);
		break;
	default:
		break;
	}
	fprintf(err, "proptrack: provider profiles: %s\n", msg);
	return PT_EXIT_USAGE;
}

int pt_app_providers_load(struct pt_providers *p, const char *name, FILE *err)
{
	char a[PATH_MAX], b[PATH_MAX];
	const char *path;
	int st;

	memset(p, 0, sizeof(*p));
	if ((path = shipped(a, sizeof(a))) != NULL && (st = load_one(p, path, err)) >= 0) {
		return st;
	}
	if ((path = user_file(b, sizeof(b))) != NULL && (st = load_one(p, path, err)) >= 0) {
		return st;
	}
	if (name && !pt_providers_find(p, name)) {
		fprintf(err, "proptrack: unknown --provider '%s'; the profiles are:", name);
		for (size_t i = 0; i < p->n; i++) {
			fprintf(err, " %s", p->v[i].name);
		}
		fprintf(err, "%s\n", p->n ? "" : " (none loaded)");
		return PT_EXIT_USAGE;
	}
	return -1;
}
