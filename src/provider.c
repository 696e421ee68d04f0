/*
 * Mail provider profiles: reading them (jansson) and comparing an MX set with one.
 */
#include "provider.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "query.h"

/* A profile file is small: anything larger is not one. */
#define PT_PROVIDERS_MAX_FILE (1u << 20)
#define PT_PROVIDERS_MAX 256

static bool name_ok(const char *s)
{
	if (!*s || strlen(s) >= sizeof(((struct pt_provider *)0)->name)) {
		return false;
	}
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) {
			return false;
		}
	}
	return true;
}

/* A host pattern: "{domain}" kept as is, every other part a valid name. */
static bool pattern_normalise(char *out, size_t size, const char *in)
{
	char probe[512];
	const char *tpl = strstr(in, "{domain}");

	if (strlen(in) >= 250) {
		return false;
	}
	/* check the name with the template replaced by a plain label */
	if (tpl) {
		snprintf(probe, sizeof(probe), "%.*sx%s", (int)(tpl - in), in, tpl + 8);
	} else {
		snprintf(probe, sizeof(probe), "%s", in);
	}
	for (char *s = probe; *s; s++) {
		if (*s == '*') {
			*s = 'x';
		}
	}
	if (strchr(probe, '{') || strchr(probe, '}') || strchr(probe, '\\') ||
	    pt_name_normalise(out, size, probe) != PT_OK || strcmp(out, ".") == 0) {
		return false;
	}
	/* the same text, lower-case and absolute */
	snprintf(out, size, "%s%s", in, in[strlen(in) - 1] == '.' ? "" : ".");
	for (char *s = out; *s; s++) {
		if (*s >= 'A' && *s <= 'Z') {
			*s = (char)(*s - 'A' + 'a');
		}
	}
	return true;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* One profile from @p o. @return NULL, or the rule it breaks. */
static const char *profile_read(struct pt_provider *p, json_t *o)
{
	const char *name = jstr(o, "name"), *title = jstr(o, "title"), *src = jstr(o, "source");
	json_t *mx = json_object_get(o, "mx"), *spf = json_object_get(o, "spf_include"), *v;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(o)) {
		return "not an object";
	}
	if (!name || !name_ok(name)) {
		return "\"name\" must be lower-case letters, digits and '-' (at most 63)";
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (!src || strncmp(src, "https://", 8) != 0 || strlen(src) >= sizeof(p->source)) {
		return "\"source\" must be the https:// URL of the provider's documentation";
	}
	snprintf(p->source, sizeof(p->source), "%s", src);
	snprintf(p->title, sizeof(p->title), "%s", title ? title : name);
	if (!json_is_array(mx) || json_array_size(mx) == 0 ||
	    json_array_size(mx) > PT_PROVIDER_MAX_HOSTS) {
		return "\"mx\" must list 1 to 16 hosts";
	}
	json_array_foreach(mx, i, v)
	{
		const char *host = jstr(v, "host");
		json_t *pref = json_object_get(v, "preference");
		struct pt_provider_host *h = &p->hosts[p->nhosts++];

		if (!host || !pattern_normalise(h->pattern, sizeof(h->pattern), host)) {
			return "an \"mx\" entry has no valid \"host\"";
		}
		h->preference = -1;
		if (pref && !json_is_null(pref)) {
			if (!json_is_integer(pref) || json_integer_value(pref) < 0 ||
			    json_integer_value(pref) > 65535) {
				return "a \"preference\" must be an integer 0 to 65535";
			}
			h->preference = (int)json_integer_value(pref);
		}
	}
	if (spf && !json_is_array(spf)) {
		return "\"spf_include\" must be an array of domain names";
	}
	if (json_array_size(spf) > PT_PROVIDER_MAX_SPF) {
		return "\"spf_include\" lists more than 4 names";
	}
	json_array_foreach(spf, i, v)
	{
		if (!json_is_string(v) || pt_name_normalise(p->spf[p->nspf], sizeof(p->spf[0]),
							    json_string_value(v)) != PT_OK) {
			return "an \"spf_include\" entry is not a domain name";
		}
		p->nspf++;
	}
	return NULL;
}

enum pt_status pt_providers_load(struct pt_providers *p, const char *path, char *err,
				 size_t errsize)
{
	json_error_t je;
	json_t *root, *list, *o;
	struct pt_provider *v;
	size_t i, n;
	FILE *fp = fopen(path, "rb");
	char *text;
	size_t len;

	if (!fp) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return PT_ERR_IO;
	}
	text = malloc(PT_PROVIDERS_MAX_FILE + 1);
	if (!text) {
		fclose(fp);
		return PT_ERR_NOMEM;
	}
	len = fread(text, 1, PT_PROVIDERS_MAX_FILE + 1, fp);
	fclose(fp);
	if (len > PT_PROVIDERS_MAX_FILE) {
		free(text);
		snprintf(err, errsize, "%s: larger than 1 MiB: not a provider profile file", path);
		return PT_ERR_PARSE;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!root) {
		snprintf(err, errsize, "%s:%d: %s", path, je.line, je.text);
		return PT_ERR_PARSE;
	}
	list = json_object_get(root, "providers");
	if (!json_is_array(list) || json_array_size(list) > PT_PROVIDERS_MAX) {
		json_decref(root);
		snprintf(err, errsize, "%s: no \"providers\" array (of at most %d profiles)", path,
			 PT_PROVIDERS_MAX);
		return PT_ERR_PARSE;
	}
	n = json_array_size(list);
	v = calloc(p->n + n + 1, sizeof(*v));
	if (!v) {
		json_decref(root);
		return PT_ERR_NOMEM;
	}
	if (p->n) {
		memcpy(v, p->v, p->n * sizeof(*v));
	}
	size_t count = p->n;

	json_array_foreach(list, i, o)
	{
		struct pt_provider one;
		const char *why = profile_read(&one, o);
		size_t k;

		if (why) {
			snprintf(err, errsize, "%s: profile %zu%s%s%s: %s", path, i + 1,
				 *one.name ? " (" : "", one.name, *one.name ? ")" : "", why);
			free(v);
			json_decref(root);
			return PT_ERR_PARSE;
		}
		for (k = 0; k < count && strcmp(v[k].name, one.name) != 0; k++) {
		}
		v[k] = one;
		if (k == count) {
			count++;
		}
	}
	json_decref(root);
	free(p->v);
	p->v = v;
	p->n = count;
	return PT_OK;
}

void pt_providers_fini(struct pt_providers *p)
{
	if (p) {
		free(p->v);
		memset(p, 0, sizeof(*p));
	}
}

const struct pt_provider *pt_providers_find(const struct pt_providers *p, const char *name)
{
	for (size_t i = 0; p && name && i < p->n; i++) {
		if (strcasecmp(p->v[i].name, name) == 0) {
			return &p->v[i];
		}
	}
	return NULL;
}

/* Label @p i of an absolute name into @p out ("" past the end). @return its length. */
static size_t label_count(const char *s)
{
	size_t n = 0;

	for (; *s && strcmp(s, ".") != 0; s++) {
		n += *s == '.';
	}
	return n;
}

bool pt_provider_pattern_match(const char *pattern, const char *host, const char *domain)
{
	char expanded[512], dashed[256];
	const char *tpl = strstr(pattern, "{domain}");
	const char *p, *h;

	if (tpl) {
		size_t k = 0;

		for (const char *s = domain ? domain : ""; *s && k + 1 < sizeof(dashed); s++) {
			if (*s == '.' && s[1] == '\0') {
				break;
			}
			dashed[k++] = *s == '.' ? '-' : *s;
		}
		dashed[k] = '\0';
		snprintf(expanded, sizeof(expanded), "%.*s%s%s", (int)(tpl - pattern), pattern,
			 dashed, tpl + 8);
		pattern = expanded;
	}
	if (label_count(pattern) != label_count(host)) {
		return false;
	}
	/* label by label: "*" takes one whole non-empty label */
	for (p = pattern, h = host; *p && *h;) {
		if (p[0] == '*' && p[1] == '.') {
			const char *dot = strchr(h, '.');

			if (!dot || dot == h) {
				return false;
			}
			h = dot + 1;
			p += 2;
			continue;
		}
		while (*p && *p != '.' && *h && *h != '.' && *p == *h) {
			p++;
			h++;
		}
		if (*p != *h) {
			return false;
		}
		if (*p == '.') {
			p++;
			h++;
		}
	}
	return *p == '\0' && *h == '\0';
}

long pt_provider_host_index(const struct pt_provider *prov, const char *host, const char *domain)
{
	for (size_t i = 0; prov && i < prov->nhosts; i++) {
		if (pt_provider_pattern_match(prov->hosts[i].pattern, host, domain)) {
			return (long)i;
		}
	}
	return -1;
}

const struct pt_provider *pt_providers_recognise(const struct pt_providers *p,
						 const struct pt_mx_entry *mx, size_t n,
						 const char *domain)
{
	const struct pt_provider *best = NULL;
	size_t best_count = 0;
	unsigned best_pref = 0;

	for (size_t i = 0; p && i < p->n; i++) {
		size_t count = 0;
		unsigned low = 0;

		for (size_t k = 0; k < n; k++) {
			if (pt_provider_host_index(&p->v[i], mx[k].host, domain) >= 0) {
				if (count == 0 || mx[k].preference < low) {
					low = mx[k].preference;
				}
				count++;
			}
		}
		if (count > 0 && (count > best_count || (count == best_count && low < best_pref))) {
			best = &p->v[i];
			best_count = count;
			best_pref = low;
		}
	}
	return best;
}

void pt_provider_diff(struct pt_provider_diff *out, const struct pt_provider *prov,
		      const struct pt_providers *all, const struct pt_mx_entry *mx, size_t n,
		      const char *domain)
{
	size_t cap = sizeof(out->mx_spec) / sizeof(out->mx_spec[0]);
	bool own_seen = false;

	memset(out, 0, sizeof(*out));
	out->nmx = n < cap ? n : cap;
	for (size_t s = 0; s < PT_PROVIDER_MAX_HOSTS; s++) {
		out->spec_mx[s] = -1;
	}
	for (size_t k = 0; k < out->nmx; k++) {
		long s = pt_provider_host_index(prov, mx[k].host, domain);

		out->mx_spec[k] = s;
		if (s < 0) {
			out->mx_owner[k] = NULL;
			for (size_t i = 0; all && i < all->n; i++) {
				if (&all->v[i] != prov &&
				    pt_provider_host_index(&all->v[i], mx[k].host, domain) >= 0) {
					out->mx_owner[k] = &all->v[i];
					break;
				}
			}
			if (out->nforeign == 0 || mx[k].preference < out->best_foreign) {
				out->best_foreign = mx[k].preference;
			}
			out->nforeign++;
			continue;
		}
		if (!own_seen || mx[k].preference < out->best_own) {
			out->best_own = mx[k].preference;
		}
		own_seen = true;
		if (out->spec_mx[s] < 0) {
			out->spec_mx[s] = (long)k;
		}
		if (prov->hosts[s].preference >= 0 &&
		    (unsigned)prov->hosts[s].preference != mx[k].preference) {
			out->nwrong_pref++;
		}
	}
	for (size_t s = 0; prov && s < prov->nhosts; s++) {
		out->nmissing += out->spec_mx[s] < 0;
	}
}

const struct pt_provider *pt_providers_spf_owner(const struct pt_providers *p, const char *include,
						 const struct pt_provider *except)
{
	/* an include @p except documents itself is its own, even when another profile (another
	 * region, older hosts) documents it too: not an old provider's */
	for (size_t k = 0; except && k < except->nspf; k++) {
		if (strcmp(except->spf[k], include) == 0) {
			return NULL;
		}
	}
	for (size_t i = 0; p && i < p->n; i++) {
		if (&p->v[i] == except) {
			continue;
		}
		for (size_t k = 0; k < p->v[i].nspf; k++) {
			if (strcmp(p->v[i].spf[k], include) == 0) {
				return &p->v[i];
			}
		}
	}
	return NULL;
}
