#include "atlas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "http.h"
#include "json.h"
#include "query.h"
#include "resolvers.h"
#include "text.h"

struct reader {
	const char *qname;
	uint16_t qtype;
	pt_observation_fn fn;
	void *ctx;
};

static const char *str(json_t *o, const char *key)
{
	return pt_vantage_json_str(o, key);
}

/* A non-negative integer field, also when given as a string ("fw": "4790"). */
static bool uint_of(json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	char *end;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (json_is_string(v) && json_string_value(v)[0] != '\0') {
		unsigned long long n = strtoull(json_string_value(v), &end, 10);

		if (*end == '\0') {
			*out = n;
			return true;
		}
	}
	return false;
}

/* An old firmware's "answers" list: the records of the asked type, by their RDATA (SOA
 * entries carry MNAME/RNAME/SERIAL instead and are not answers of another type). */
static enum pt_status old_answers(struct pt_answer *a, json_t *res, uint16_t qtype)
{
	json_t *list = json_object_get(res, "answers"), *e;
	char tbuf[24];
	size_t i;

	memset(a, 0, sizeof(*a));
	if (!json_is_array(list)) {
		return PT_ERR_PARSE;
	}
	a->rdata = calloc(json_array_size(list) + 1, sizeof(char *));
	if (a->rdata == NULL) {
		return PT_ERR_NOMEM;
	}
	pt_rrtype_name(qtype, tbuf, sizeof(tbuf));
	json_array_foreach(list, i, e)
	{
		uint64_t ttl = 0;
		char *rd = NULL;

		if (strcasecmp(str(e, "TYPE"), tbuf) != 0 ||
		    pt_rdata_normalise(&rd, qtype, str(e, "RDATA")) != PT_OK) {
			continue;
		}
		a->rdata[a->count++] = rd;
		if (uint_of(e, "TTL", &ttl) && ttl <= 0x7fffffff &&
		    (!a->has_ttl || (uint32_t)ttl < a->ttl)) {
			a->ttl = (uint32_t)ttl;
			a->has_ttl = true;
		}
	}
	if (a->count == 0) {
		/* without the rcode, no records says nothing certain of the name */
		pt_answer_fini(a);
		return PT_ERR_PARSE;
	}
	pt_answer_sort_rdata(a);
	a->kind = PT_ANSWER_DATA;
	return PT_OK;
}

/* One resolver's outcome: "result" (abuf or answers) or "error". */
static void observe(struct reader *rd, struct pt_resolver *r, json_t *entry,
		    struct pt_vantage_report *rep)
{
	json_t *res = json_object_get(entry, "result");
	json_t *err = json_object_get(entry, "error");
	struct pt_reply reply;
	uint64_t t = 0;
	enum pt_status rc;

	memset(&reply, 0, sizeof(reply));
	pt_vantage_set_resolver(&r->vantage, str(entry, "dst_addr"));
	if (uint_of(entry, "time", &t) || uint_of(entry, "timestamp", &t)) {
		r->vantage.observed_ms = t * 1000;
	}
	if (json_is_object(err)) {
		const char *k = json_object_iter_key(json_object_iter(err));
		json_t *v = json_object_iter_value(json_object_iter(err));
		char text[96];

		k = k != NULL ? k : "error";
		if (json_is_string(v)) {
			snprintf(text, sizeof(text), "%s: %s", k, json_string_value(v));
		} else {
			snprintf(text, sizeof(text), "%s", k);
		}
		r->vantage.error = pt_vantage_text(text, strlen(text), PT_VANTAGE_ERROR_MAX);
		reply.result = strcmp(k, "timeout") == 0 ? PT_REPLY_TIMEOUT : PT_REPLY_LOCAL_ERROR;
	} else if (json_is_object(res)) {
		const char *abuf = json_string_value(json_object_get(res, "abuf"));

		reply.rtt_ms = json_number_value(json_object_get(res, "rt"));
		if (abuf != NULL) {
			rc = pt_query_parse_b64(&reply.answer, abuf, rd->qname, rd->qtype);
			if (rc == PT_ERR_DNS) {
				rep->other_question++;
				return;
			}
			if (rc != PT_OK) {
				pt_vantage_report_malformed(
					rep, "probe %llu: abuf is not a DNS reply",
					(unsigned long long)r->vantage.probe_id);
				return;
			}
			reply.result = PT_REPLY_OK;
		} else if (old_answers(&reply.answer, res, rd->qtype) == PT_OK) {
			reply.result = PT_REPLY_OK;
			r->vantage.answer_only = true;
		} else {
			pt_vantage_report_malformed(rep,
						    "probe %llu: a result without abuf or answers",
						    (unsigned long long)r->vantage.probe_id);
			return;
		}
	} else {
		pt_vantage_report_malformed(rep, "probe %llu: neither result nor error",
					    (unsigned long long)r->vantage.probe_id);
		return;
	}
	reply.tries = 1;
	rd->fn(rd->ctx, r, &reply);
	rep->observations++;
	pt_reply_fini(&reply);
}

static void one_result(void *ctx, void *item, struct pt_vantage_report *rep)
{
	struct reader *rd = ctx;
	json_t *o = item, *set, *e;
	struct pt_resolver r;
	uint64_t prb = 0, msm = 0;
	char from[PT_ADDRESS_MAX];
	size_t i;

	if (!json_is_object(o) || !uint_of(o, "prb_id", &prb) || prb == 0) {
		pt_vantage_report_malformed(rep, "a result without prb_id");
		return;
	}
	if (json_object_get(o, "type") != NULL && strcmp(str(o, "type"), "dns") != 0) {
		pt_vantage_report_malformed(rep, "probe %llu: a \"%.20s\" result, not dns",
					    (unsigned long long)prb, str(o, "type"));
		return;
	}
	rep->results++;
	memset(&r, 0, sizeof(r));
	/* the probe's own public address, when it is one, names the vantage point */
	pt_text_clean(from, sizeof(from), str(o, "from"), strlen(str(o, "from")));
	if (pt_resolver_parse_address(&r, from, NULL, 0) != PT_OK) {
		memset(&r, 0, sizeof(r));
	}
	r.port = 53;
	r.vantage.source = PT_SOURCE_ATLAS;
	r.vantage.probe_id = prb;
	if (uint_of(o, "msm_id", &msm)) {
		char id[PT_VANTAGE_ID_MAX];

		snprintf(id, sizeof(id), "%llu", (unsigned long long)msm);
		r.vantage.measurement_id = pt_text_intern(id, sizeof(id));
	}
	set = json_object_get(o, "resultset");
	if (!json_is_array(set)) {
		snprintf(r.label, sizeof(r.label), "atlas %llu", (unsigned long long)prb);
		observe(rd, &r, o, rep);
		return;
	}
	json_array_foreach(set, i, e)
	{
		struct pt_resolver one = r;

		if (!json_is_object(e)) {
			pt_vantage_report_malformed(rep,
						    "probe %llu: a resultset entry that is "
						    "not an object",
						    (unsigned long long)prb);
			continue;
		}
		if (json_object_get(e, "time") == NULL) {
			uint64_t t;

			if (uint_of(o, "timestamp", &t)) {
				one.vantage.observed_ms = t * 1000;
			}
		}
		/* one row per probe resolver: the label tells them apart */
		snprintf(one.label, sizeof(one.label), "atlas %llu #%zu", (unsigned long long)prb,
			 i + 1);
		observe(rd, &one, e, rep);
	}
}

enum pt_status pt_atlas_read(const char *text, size_t len, const char *qname, uint16_t qtype,
			     pt_observation_fn fn, void *ctx, struct pt_vantage_report *rep)
{
	struct reader rd = { .qname = qname, .qtype = qtype, .fn = fn, .ctx = ctx };

	return pt_vantage_each_json(text, len, one_result, &rd, rep);
}

/* ---- the API ---- */

void pt_atlas_request_body(struct pt_buf *out, const struct pt_atlas_config *c)
{
	struct pt_json j;
	char ty[24], desc[300];

	pt_json_init(&j, out);
	pt_json_object(&j, NULL);
	pt_json_array(&j, "definitions", false);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "type", "dns");
	pt_json_uint(&j, "af", 4);
	pt_json_str(&j, "query_class", "IN");
	pt_json_str(&j, "query_type", pt_rrtype_name(c->qtype, ty, sizeof(ty)));
	pt_json_str(&j, "query_argument", c->qname);
	pt_json_bool(&j, "use_probe_resolver", true);
	pt_json_bool(&j, "set_rd_bit", true);
	pt_json_bool(&j, "set_nsid_bit", true);
	pt_json_str(&j, "protocol", "UDP");
	pt_json_uint(&j, "udp_payload_size", 1232);
	pt_json_uint(&j, "timeout", 5000);
	pt_json_uint(&j, "retry", 0);
	snprintf(desc, sizeof(desc), "proptrack %s %s", c->qname, ty);
	pt_json_str(&j, "description", desc);
	pt_json_end(&j);
	pt_json_end(&j);
	pt_json_array(&j, "probes", false);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "type", c->from_kind);
	if (strcmp(c->from_kind, "msm") == 0 || strcmp(c->from_kind, "asn") == 0) {
		pt_json_uint(&j, "value", strtoull(c->from_value, NULL, 10));
	} else {
		pt_json_str(&j, "value", c->from_value);
	}
	pt_json_uint(&j, "requested", c->probes);
	pt_json_end(&j);
	pt_json_end(&j);
	pt_json_bool(&j, "is_oneoff", true);
	pt_json_end(&j);
}

/* The API's own words for a refusal: {"error": {"title", "detail", "errors": [{"detail"}]}}. */
static void api_message(char *why, size_t size, const struct pt_http_response *resp)
{
	json_t *doc = json_loadb(resp->body, resp->body_len, 0, NULL);
	json_t *e = json_object_get(doc, "error");
	json_t *first = json_array_get(json_object_get(e, "errors"), 0);
	char text[400];

	if (json_is_object(e)) {
		snprintf(text, sizeof(text), "%s%s%s%s%s", str(e, "title"),
			 str(e, "detail")[0] ? ": " : "", str(e, "detail"),
			 str(first, "detail")[0] ? ": " : "", str(first, "detail"));
	} else {
		snprintf(text, sizeof(text), "HTTP %ld%s%.200s", resp->status,
			 resp->body_len > 0 ? ": " : "", resp->body_len > 0 ? resp->body : "");
	}
	pt_text_clean(why, size, text, strlen(text));
	json_decref(doc);
}

static enum pt_status call(const struct pt_atlas_config *c, const char *method, const char *url,
			   const char *body, struct pt_http_response *resp, char *why,
			   size_t why_size)
{
	char auth[300];
	const char *headers[4] = { auth, "Accept: application/json", NULL, NULL };
	struct pt_http_request req = {
		.method = method,
		.url = url,
		.headers = headers,
		.body = body,
		.body_len = body != NULL ? strlen(body) : 0,
		.ca_file = c->ca_file,
		.timeout_ms = c->timeout_ms,
		.cancel = c->cancel,
	};
	enum pt_status rc;

	snprintf(auth, sizeof(auth), "Authorization: Key %s", c->key);
	if (body != NULL) {
		headers[2] = "Content-Type: application/json";
	}
	rc = pt_vantage_api_call(&req, resp, why, why_size);
	memset(auth, 0, sizeof(auth));
	if (rc != PT_OK) {
		return rc;
	}
	if (resp->status < 200 || resp->status > 299) {
		api_message(why, why_size, resp);
		return PT_ERR_DNS;
	}
	return PT_OK;
}

enum pt_status pt_atlas_create(const struct pt_atlas_config *c, uint64_t *msm_id, char *why,
			       size_t why_size)
{
	struct pt_buf body = { 0 };
	struct pt_http_response resp;
	char url[1024];
	json_t *doc, *id;
	enum pt_status rc;

	*msm_id = 0;
	memset(&resp, 0, sizeof(resp));
	snprintf(url, sizeof(url), "%s/api/v2/measurements/", c->base_url);
	pt_atlas_request_body(&body, c);
	rc = call(c, "POST", url, pt_buf_str(&body), &resp, why, why_size);
	pt_buf_fini(&body);
	if (rc == PT_OK) {
		doc = json_loadb(resp.body, resp.body_len, 0, NULL);
		id = json_array_get(json_object_get(doc, "measurements"), 0);
		if (json_is_integer(id) && json_integer_value(id) > 0) {
			*msm_id = (uint64_t)json_integer_value(id);
		} else {
			snprintf(why, why_size, "the API's answer names no measurement");
			rc = PT_ERR_PARSE;
		}
		json_decref(doc);
	}
	pt_http_response_fini(&resp);
	return rc;
}

enum pt_status pt_atlas_fetch_results(const struct pt_atlas_config *c, uint64_t msm_id, char **body,
				      size_t *len, char *why, size_t why_size)
{
	struct pt_http_response resp;
	char url[1024];
	enum pt_status rc;

	*body = NULL;
	*len = 0;
	memset(&resp, 0, sizeof(resp));
	snprintf(url, sizeof(url), "%s/api/v2/measurements/%llu/results/?format=json", c->base_url,
		 (unsigned long long)msm_id);
	rc = call(c, "GET", url, NULL, &resp, why, why_size);
	if (rc == PT_OK) {
		*body = resp.body;
		*len = resp.body_len;
		resp.body = NULL;
	}
	pt_http_response_fini(&resp);
	return rc;
}

struct counter {
	uint64_t *ids;
	size_t n, cap;
};

static void count_one(void *ctx, const struct pt_resolver *r, const struct pt_reply *reply)
{
	struct counter *c = ctx;

	(void)reply;
	for (size_t i = 0; i < c->n; i++) {
		if (c->ids[i] == r->vantage.probe_id) {
			return;
		}
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		uint64_t *n = realloc(c->ids, cap * sizeof(*n));

		if (n == NULL) {
			return;
		}
		c->ids = n;
		c->cap = cap;
	}
	c->ids[c->n++] = r->vantage.probe_id;
}

size_t pt_atlas_count_probes(const char *text, size_t len, const char *qname, uint16_t qtype)
{
	struct counter c = { 0 };
	struct pt_vantage_report rep;

	memset(&rep, 0, sizeof(rep));
	pt_atlas_read(text, len, qname, qtype, count_one, &c, &rep);
	free(c.ids);
	/* results skipped as malformed still reported: they count as answered probes */
	return c.n + rep.malformed + rep.other_question;
}

struct id_list {
	uint64_t *ids;
	size_t n, max;
};

static void list_one(void *ctx, const struct pt_resolver *r, const struct pt_reply *reply)
{
	struct id_list *l = ctx;

	(void)reply;
	for (size_t i = 0; i < l->n; i++) {
		if (l->ids[i] == r->vantage.probe_id) {
			return;
		}
	}
	if (l->n < l->max && r->vantage.probe_id != 0) {
		l->ids[l->n++] = r->vantage.probe_id;
	}
}

size_t pt_atlas_probe_ids(const char *text, size_t len, const char *qname, uint16_t qtype,
			  uint64_t *ids, size_t max)
{
	struct id_list l = { .ids = ids, .n = 0, .max = max };
	struct pt_vantage_report rep;

	memset(&rep, 0, sizeof(rep));
	pt_atlas_read(text, len, qname, qtype, list_one, &l, &rep);
	return l.n;
}

size_t pt_atlas_read_probes(const char *text, size_t len, struct pt_atlas_probe *out, size_t max)
{
	json_t *doc = json_loadb(text, len, 0, NULL), *e;
	size_t i, n = 0;

	json_array_foreach(json_object_get(doc, "results"), i, e)
	{
		json_t *id = json_object_get(e, "id");
		json_int_t a4 = json_integer_value(json_object_get(e, "asn_v4"));
		json_int_t a6 = json_integer_value(json_object_get(e, "asn_v6"));
		const char *cc = str(e, "country_code");

		if (n == max || !json_is_integer(id) || json_integer_value(id) <= 0) {
			continue;
		}
		memset(&out[n], 0, sizeof(out[n]));
		out[n].id = (uint64_t)json_integer_value(id);
		if (strlen(cc) == 2) {
			pt_text_clean(out[n].country, sizeof(out[n].country), cc, 2);
		}
		if (a4 > 0 && a4 <= UINT32_MAX) {
			out[n].asn = (uint32_t)a4;
		} else if (a6 > 0 && a6 <= UINT32_MAX) {
			out[n].asn = (uint32_t)a6;
		}
		n++;
	}
	json_decref(doc);
	return n;
}

/* Probe ids asked per probes request (the list endpoint's default page size is larger). */
#define PROBES_PER_REQUEST 50

enum pt_status pt_atlas_fetch_probes(const struct pt_atlas_config *c, const uint64_t *ids, size_t n,
				     struct pt_atlas_probe *out, size_t *got, char *why,
				     size_t why_size)
{
	enum pt_status first = PT_OK;

	*got = 0;
	for (size_t at = 0; at < n; at += PROBES_PER_REQUEST) {
		struct pt_http_response resp;
		char url[2048];
		size_t k = (size_t)snprintf(url, sizeof(url),
					    "%s/api/v2/probes/?id__in=", c->base_url);
		enum pt_status rc;

		for (size_t i = at; i < n && i < at + PROBES_PER_REQUEST && k < sizeof(url); i++) {
			k += (size_t)snprintf(url + k, sizeof(url) - k, "%s%llu", i > at ? "," : "",
					      (unsigned long long)ids[i]);
		}
		if (k < sizeof(url)) {
			snprintf(url + k, sizeof(url) - k, "&fields=id,country_code,asn_v4,asn_v6");
		}
		memset(&resp, 0, sizeof(resp));
		rc = call(c, "GET", url, NULL, &resp, why, why_size);
		if (rc == PT_OK) {
			*got += pt_atlas_read_probes(resp.body, resp.body_len, out + *got,
						     n - *got);
		} else if (first == PT_OK) {
			first = rc;
		}
		pt_http_response_fini(&resp);
	}
	return first;
}
