#include "vantage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http.h"
#include "netclass.h"
#include "query.h"
#include "resolvers.h"
#include "state.h"
#include "text.h"

const char *pt_source_name(enum pt_source s)
{
	switch (s) {
	case PT_SOURCE_ATLAS:
		return "atlas";
	case PT_SOURCE_GLOBALPING:
		return "globalping";
	default:
		return "local";
	}
}

void pt_vantage_set_resolver(struct pt_vantage *v, const char *address)
{
	enum pt_netclass c = pt_netclass_of(address);

	v->resolver = c == PT_NET_INVALID  ? ""
		      : c == PT_NET_GLOBAL ? pt_text_intern(address, PT_VANTAGE_ADDR_MAX)
					   : "private";
}

const char *pt_vantage_text(const char *text, size_t len, size_t size)
{
	char buf[256];

	pt_text_clean(buf, size < sizeof(buf) ? size : sizeof(buf), text, len);
	return pt_text_intern(buf, size);
}

const char *pt_vantage_str(const char *s)
{
	return s != NULL ? s : "";
}

void pt_vantage_report_malformed(struct pt_vantage_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->malformed++ == 0) {
		va_start(ap, fmt);
		vsnprintf(rep->first_malformed, sizeof(rep->first_malformed), fmt, ap);
		va_end(ap);
	}
}

/* A row: who saw it (source, probe, and the label naming the resolver asked). */
struct key {
	enum pt_source source;
	uint64_t probe_id;
	char label[PT_LABEL_MAX];
	uint64_t id;
};

struct pt_vantage_set {
	struct pt_state *state;
	uint64_t next_id;
	struct key *keys;
	size_t nkeys, cap;
	size_t failures;
};

struct pt_vantage_set *pt_vantage_set_new(struct pt_state *st, uint64_t first_id)
{
	struct pt_vantage_set *vs = calloc(1, sizeof(*vs));

	if (vs != NULL) {
		vs->state = st;
		vs->next_id = first_id;
	}
	return vs;
}

void pt_vantage_set_free(struct pt_vantage_set *vs)
{
	if (vs != NULL) {
		free(vs->keys);
		free(vs);
	}
}

size_t pt_vantage_set_count(const struct pt_vantage_set *vs)
{
	return vs->nkeys;
}

size_t pt_vantage_set_failures(const struct pt_vantage_set *vs)
{
	return vs->failures;
}

static bool key_is(const struct key *k, const struct pt_resolver *r)
{
	return k->source == r->vantage.source && k->probe_id == r->vantage.probe_id &&
	       strcmp(k->label, r->label) == 0;
}

enum pt_status pt_vantage_observe(struct pt_vantage_set *vs, const struct pt_resolver *r,
				  const struct pt_reply *reply)
{
	struct key *k = NULL;
	enum pt_status rc;

	/* a re-run on the same probes: the same rows (a linear look; a run has a few hundred) */
	for (size_t i = 0; i < vs->nkeys && k == NULL; i++) {
		if (key_is(&vs->keys[i], r)) {
			k = &vs->keys[i];
		}
	}
	if (k == NULL) {
		if (vs->nkeys == vs->cap) {
			size_t cap = vs->cap ? 2 * vs->cap : 64;
			struct key *n = realloc(vs->keys, cap * sizeof(*n));

			if (n == NULL) {
				return PT_ERR_NOMEM;
			}
			vs->keys = n;
			vs->cap = cap;
		}
		k = &vs->keys[vs->nkeys];
		memset(k, 0, sizeof(*k));
		k->source = r->vantage.source;
		k->probe_id = r->vantage.probe_id;
		snprintf(k->label, sizeof(k->label), "%s", r->label);
		/* an id the driver took meanwhile (a resolver added in the dashboard) is skipped */
		for (unsigned tries = 0;; tries++) {
			k->id = vs->next_id;
			rc = pt_state_add(vs->state, k->id, r);
			if (rc != PT_ERR_PARSE || tries == 4096) {
				break;
			}
			vs->next_id++;
		}
		if (rc != PT_OK) {
			return rc;
		}
		vs->next_id++;
		vs->nkeys++;
	} else {
		/* a repeat: the row now shows the new measurement and when it observed */
		pt_state_set_vantage(vs->state, k->id, &r->vantage);
	}
	pt_state_publish(vs->state, k->id, pt_state_target_generation(vs->state), reply);
	return PT_OK;
}

void pt_vantage_observe_fn(void *ctx, const struct pt_resolver *r, const struct pt_reply *reply)
{
	struct pt_vantage_set *vs = ctx;

	if (pt_vantage_observe(vs, r, reply) != PT_OK) {
		vs->failures++;
	}
}

static void each_value(json_t *v, pt_json_item_fn fn, void *ctx, struct pt_vantage_report *rep)
{
	size_t i;
	json_t *e;

	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			fn(ctx, e, rep);
		}
	} else {
		fn(ctx, v, rep);
	}
}

enum pt_status pt_vantage_each_json(const char *text, size_t len, pt_json_item_fn fn, void *ctx,
				    struct pt_vantage_report *rep)
{
	json_error_t jerr;
	json_t *all = json_loadb(text, len, 0, &jerr);
	size_t line = 0, values = 0;

	if (all != NULL) {
		each_value(all, fn, ctx, rep);
		json_decref(all);
		return PT_OK;
	}
	/* one value per line */
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		size_t k = 0;
		json_t *v;

		line++;
		while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r')) {
			k++;
		}
		if (k < n) {
			v = json_loadb(p, n, 0, &jerr);
			if (v == NULL) {
				pt_vantage_report_malformed(rep, "line %zu: not JSON (%s)", line,
							    jerr.text);
			} else {
				values++;
				each_value(v, fn, ctx, rep);
				json_decref(v);
			}
		}
		p += n + 1;
	}
	return values > 0 ? PT_OK : PT_ERR_PARSE;
}

enum pt_status pt_vantage_read_file(const char *path, size_t max, char **text, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0;
	char *buf;
	enum pt_status rc = PT_OK;

	*text = NULL;
	*len = 0;
	if (f == NULL) {
		return PT_ERR_IO;
	}
	buf = malloc(cap + 1);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0) {
			break;
		}
		if (n == cap) {
			char *nb;

			if (cap >= max) {
				rc = PT_ERR_PARSE;
				break;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	if (buf == NULL) {
		rc = PT_ERR_NOMEM;
	} else if (rc == PT_OK && ferror(f)) {
		rc = PT_ERR_IO;
	}
	if (f != stdin) {
		int e = errno;

		fclose(f);
		errno = e;
	}
	if (rc != PT_OK) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return PT_OK;
}

enum pt_status pt_vantage_api_call(const struct pt_http_request *req, struct pt_http_response *resp,
				   char *why, size_t why_size)
{
	enum pt_status rc = pt_http_fetch(req, resp);

	if (rc != PT_OK) {
		snprintf(why, why_size, "%s: %s", req->url, resp->error);
	}
	return rc;
}

const char *pt_vantage_json_str(void *object, const char *key)
{
	const char *s = json_string_value(json_object_get(object, key));

	return s != NULL ? s : "";
}

char *pt_vantage_limits_text(char *buf, size_t size, const struct pt_vantage_limits *l)
{
	char d[16];
	int n;

	buf[0] = '\0';
	if (size == 0 || !l->known) {
		return buf;
	}
	n = snprintf(buf, size, "%llu of %llu measurements left%s, resets in %s",
		     (unsigned long long)l->remaining, (unsigned long long)l->limit,
		     strcmp(l->type, "ip") == 0	    ? " (per IP)"
		     : strcmp(l->type, "user") == 0 ? " (per user)"
						    : "",
		     pt_text_duration(d, sizeof(d), l->reset_s));
	if (l->has_credits && n >= 0 && (size_t)n < size) {
		snprintf(buf + n, size - (size_t)n, "; %llu credit%s",
			 (unsigned long long)l->credits, l->credits == 1 ? "" : "s");
	}
	return buf;
}

bool pt_vantage_limits_exhausted(const struct pt_vantage_limits *l)
{
	return l->known && l->remaining == 0 && (!l->has_credits || l->credits == 0);
}
