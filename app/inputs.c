#include "inputs.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <idn2.h>

#include "query.h"
#include "text.h"
#include "verdict.h"

static void report_diags(FILE *err, const char *source, const struct pt_parse_report *rep)
{
	for (size_t i = 0; i < rep->ndiags; i++) {
		fprintf(err, "%s:%zu: %s\n", source, rep->diags[i].line, rep->diags[i].reason);
	}
	if (rep->rejected > rep->ndiags) {
		fprintf(err, "%s: %zu more lines rejected\n", source, rep->rejected - rep->ndiags);
	}
}

const char *pt_inputs_data_file(char *buf, size_t size, const char *const *rel, size_t nrel,
				const char *fallback)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');

		for (size_t i = 0; slash != NULL && i < nrel; i++) {
			if (snprintf(buf, size, "%.*s/%s", (int)(slash - exe), exe, rel[i]) <
				    (int)size &&
			    access(buf, R_OK) == 0) {
				return buf;
			}
		}
	}
	return fallback;
}

/* The default list: beside the binary, then the installed copy (found relative to the
 * binary, so a relocated install works, then at the compiled-in data directory). */
static const char *default_list(char *buf, size_t size)
{
	static const char *const rel[] = { "resolvers.txt", "../share/proptrack/resolvers.txt" };

	return pt_inputs_data_file(buf, size, rel, sizeof(rel) / sizeof(rel[0]),
				   PT_DATADIR "/resolvers.txt");
}

/* One list file (or "-"). @return -1 to go on, else the exit status. */
static int load_file(struct pt_resolvers *list, const char *path, unsigned flags, FILE *err,
		     const char *hint)
{
	struct pt_parse_report rep = { 0 };
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;

	if (pt_resolvers_load(list, path, flags, &rep) != PT_OK) {
		if (errno == EFBIG) {
			fprintf(err, "proptrack: %s: more than 64 MiB: not a resolver list\n",
				name);
		} else {
			fprintf(err, "proptrack: %s: %s%s\n", name, strerror(errno), hint);
		}
		pt_parse_report_fini(&rep);
		return PT_EXIT_USAGE;
	}
	report_diags(err, name, &rep);
	pt_parse_report_fini(&rep);
	return -1;
}

static int load_resolvers(struct pt_resolvers *list, const struct pt_options *o, FILE *err)
{
	char path[PATH_MAX];
	int st;

	for (size_t i = 0; i < o->nlists; i++) {
		st = load_file(list, o->lists[i], PT_PARSE_RESOLVE_NAMES, err, "");
		if (st >= 0) {
			return st;
		}
	}
	for (size_t i = 0; i < o->ninline; i++) {
		struct pt_parse_report rep = { 0 };
		/* The same parser as files, with each comma ending an entry: "a, b c" is three
		 * entries, "8.8.8.8 Google" one with a label, "nameserver 1.1.1.1" one, and
		 * "1.1.1.1,junk" an entry and a rejected one (not a label "junk"). */
		char *text = strdup(o->inline_lists[i]);

		if (text == NULL) {
			return PT_EXIT_USAGE;
		}
		for (char *p = text; *p; p++) {
			if (*p == ',') {
				*p = '\n';
			}
		}
		pt_resolvers_parse(list, text, strlen(text), PT_PARSE_RESOLVE_NAMES, &rep);
		free(text);
		report_diags(err, "--server", &rep);
		pt_parse_report_fini(&rep);
	}
	if (o->nlists == 0 && o->ninline == 0 && !pt_options_vantage(o)) {
		st = load_file(list, default_list(path, sizeof(path)), 0, err,
			       " (give a list with -r or -s)");
		if (st >= 0) {
			return st;
		}
	}
	if (pt_resolvers_count(list) == 0 && !pt_options_vantage(o)) {
		fprintf(err, "proptrack: the resolver list has no usable entry\n");
		return PT_EXIT_USAGE;
	}
	return -1;
}

static int parse_auth(struct pt_inputs *in, const struct pt_options *o, FILE *err)
{
	char reason[160];

	if (o->nauth == 0) {
		return -1;
	}
	in->auth = calloc(o->nauth, sizeof(*in->auth));
	if (in->auth == NULL) {
		return PT_EXIT_USAGE;
	}
	for (size_t i = 0; i < o->nauth; i++) {
		if (pt_resolver_parse_address(&in->auth[i], o->auth[i], reason, sizeof(reason)) !=
		    PT_OK) {
			fprintf(err, "proptrack: --auth %s: %s\n", o->auth[i], reason);
			return PT_EXIT_USAGE;
		}
		in->nauth++;
	}
	return -1;
}

/* Non-ASCII names (IDNs, "bücher.example") are converted to their A-label form
 * ("xn--bcher-kva.example") with libidn2 (IDNA2008 with the UTS #46 mapping, as browsers
 * do), never sent as raw UTF-8. @return -1 to go on, else the exit status. */
static int normalise_domain(char *out, size_t size, const char *domain, FILE *err)
{
	char *ascii = NULL;
	bool plain = true;
	int rc;

	for (const char *p = domain; *p; p++) {
		plain = plain && (unsigned char)*p < 0x80;
	}
	if (!plain) {
		rc = idn2_to_ascii_8z(domain, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			char shown[128];

			pt_text_clean(shown, sizeof(shown), domain, strlen(domain));
			fprintf(err, "proptrack: cannot convert the international name '%s': %s\n",
				shown, idn2_strerror(rc));
			return PT_EXIT_USAGE;
		}
	}
	rc = pt_name_normalise(out, size, plain ? domain : ascii);
	idn2_free(ascii);
	if (rc != PT_OK) {
		char shown[128];

		pt_text_clean(shown, sizeof(shown), domain, strlen(domain));
		fprintf(err, "proptrack: invalid domain name '%s'\n", shown);
		return PT_EXIT_USAGE;
	}
	return -1;
}

/* A --min-answered count above the list's size can never be met: say so (not an error: the
 * dashboard may add resolvers). */
static void check_quorum(const struct pt_options *o, size_t n, FILE *err)
{
	if (!o->quorum.percent && o->quorum.value > (double)n) {
		fprintf(err,
			"proptrack: warning: --min-answered %.0f is more than the %zu resolvers "
			"listed: nothing can converge until more are added\n",
			o->quorum.value, n);
	}
}

int pt_inputs_load(struct pt_inputs *in, const struct pt_options *o, FILE *err)
{
	char ty[24];
	int st;

	memset(in, 0, sizeof(*in));
	st = normalise_domain(in->domain, sizeof(in->domain), o->domain, err);
	if (st >= 0) {
		return st;
	}
	for (size_t i = 0; i < o->nexpect; i++) {
		char *norm = NULL;

		if (pt_rdata_normalise(&norm, o->qtype, o->expect[i]) != PT_OK) {
			fprintf(err, "proptrack: --expect '%s' is not valid %s data\n",
				o->expect[i], pt_rrtype_name(o->qtype, ty, sizeof(ty)));
			return PT_EXIT_USAGE;
		}
		free(norm);
	}
	in->list = pt_resolvers_new();
	if (in->list == NULL) {
		return PT_EXIT_USAGE;
	}
	st = load_resolvers(in->list, o, err);
	if (st >= 0) {
		return st;
	}
	check_quorum(o, pt_resolvers_count(in->list), err);
	return parse_auth(in, o, err);
}

void pt_inputs_fini(struct pt_inputs *in)
{
	pt_resolvers_free(in->list);
	free(in->auth);
	memset(in, 0, sizeof(*in));
}

void pt_inputs_release_list(struct pt_inputs *in)
{
	pt_resolvers_free(in->list);
	in->list = NULL;
}

size_t pt_inputs_resolvers(const struct pt_inputs *in, struct pt_resolver **out)
{
	size_t n = pt_resolvers_count(in->list);

	*out = calloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; *out != NULL && i < n; i++) {
		(*out)[i] = *pt_resolvers_get(in->list, i);
	}
	return *out != NULL ? n : 0;
}
