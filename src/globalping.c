#include "globalping.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "clock.h"
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

/* "2023-02-17T18:11:52.825Z" as ms since the epoch; 0 when it is not that. */
static uint64_t time_ms(const char *s)
{
	struct tm tm;
	int n = 0, y, mo, d, h, mi, sec;
	unsigned ms = 0, scale = 100;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (s[n] == '.') {
		for (const char *p = s + n + 1; *p >= '0' && *p <= '9' && scale > 0; p++) {
			ms += (unsigned)(*p - '0') * scale;
			scale /= 10;
		}
	}
	t = timegm(&tm);
	return t < 0 ? 0 : (uint64_t)t * 1000 + ms;
}

/* The answer from the rcode name and the answers of the asked type. */
static enum pt_status answer_of(struct pt_answer *a, json_t *res, uint16_t qtype)
{
	json_t *list = json_object_get(res, "answers"), *e;
	const char *rc = str(res, "statusCodeName");
	char tbuf[24];
	size_t i;

	memset(a, 0, sizeof(*a));
	pt_rrtype_name(qtype, tbuf, sizeof(tbuf));
	if (strcasecmp(rc, "NXDOMAIN") == 0) {
		a->kind = PT_ANSWER_NXDOMAIN;
		a->rcode = 3;
		return PT_OK;
	}
	if (strcasecmp(rc, "SERVFAIL") == 0 || strcasecmp(rc, "REFUSED") == 0) {
		a->kind = PT_ANSWER_RCODE;
		a->rcode = strcasecmp(rc, "SERVFAIL") == 0 ? 2 : 5;
		return PT_OK;
	}
	if (rc[0] != '\0' && strcasecmp(rc, "NOERROR") != 0) {
		return PT_ERR_PARSE;
	}
	a->rdata = calloc(json_array_size(list) + 1, sizeof(char *));
	if (a->rdata == NULL) {
		return PT_ERR_NOMEM;
	}
	json_array_foreach(list, i, e)
	{
		json_t *ttl = json_object_get(e, "ttl");
		char *rd = NULL;

		if (strcasecmp(str(e, "type"), tbuf) != 0 ||
		    pt_rdata_normalise(&rd, qtype, str(e, "value")) != PT_OK) {
			continue;
		}
		a->rdata[a->count++] = rd;
		if (json_is_integer(ttl) && json_integer_value(ttl) >= 0 &&
		    json_integer_value(ttl) <= 0x7fffffff &&
		    (!a->has_ttl || (uint32_t)json_integer_value(ttl) < a->ttl)) {
			a->ttl = (uint32_t)json_integer_value(ttl);
			a->has_ttl = true;
		}
	}
	pt_answer_sort_rdata(a);
	/* no authority section: NODATA without its negative-caching TTL */
	a->kind = a->count > 0 ? PT_ANSWER_DATA : PT_ANSWER_NODATA;
	return PT_OK;
}

static void one_probe(struct reader *rd, json_t *m, json_t *entry, size_t index,
		      struct pt_vantage_report *rep)
{
	json_t *probe = json_object_get(entry, "probe");
	json_t *res = json_object_get(entry, "result");
	const char *status = str(res, "status");
	struct pt_resolver r;
	struct pt_reply reply;
	json_int_t asn = json_integer_value(json_object_get(probe, "asn"));
	char city[40], net[48], cc[8];

	if (!json_is_object(probe) || !json_is_object(res)) {
		pt_vantage_report_malformed(rep,
					    "measurement %.64s: result %zu without probe or "
					    "result",
					    str(m, "id"), index + 1);
		return;
	}
	rep->results++;
	if (strcmp(status, "offline") == 0 || strcmp(status, "in-progress") == 0) {
		rep->offline++;
		return;
	}
	memset(&r, 0, sizeof(r));
	memset(&reply, 0, sizeof(reply));
	r.port = 53;
	r.vantage.source = PT_SOURCE_GLOBALPING;
	r.vantage.answer_only = true;
	r.vantage.measurement_id =
		pt_vantage_text(str(m, "id"), strlen(str(m, "id")), PT_VANTAGE_ID_MAX);
	pt_text_clean(cc, sizeof(cc), str(probe, "country"), strlen(str(probe, "country")));
	snprintf(r.vantage.country, sizeof(r.vantage.country), "%s", cc);
	if (asn > 0 && asn <= 0xffffffffLL) {
		r.vantage.asn = (uint32_t)asn;
	}
	pt_vantage_set_resolver(&r.vantage, str(res, "resolver"));
	r.vantage.observed_ms = time_ms(str(m, "updatedAt"));
	pt_text_clean(city, sizeof(city), str(probe, "city"), strlen(str(probe, "city")));
	pt_text_clean(net, sizeof(net), str(probe, "network"), strlen(str(probe, "network")));
	/* no probe id in the API: the position in the measurement names the probe (a re-run on
	 * the same probes keeps their order) */
	snprintf(r.label, sizeof(r.label), "gp %zu %s%s%s", index + 1, city, cc[0] ? ", " : "", cc);
	snprintf(r.location, sizeof(r.location), "%s", net);
	reply.rtt_ms = json_number_value(json_object_get(json_object_get(res, "timings"), "total"));
	reply.tries = 1;
	if (strcmp(status, "failed") == 0) {
		const char *raw = str(res, "rawOutput");
		size_t n;

		/* the first line of dig-like output, without its ";; " */
		while (*raw == ';' || *raw == ' ') {
			raw++;
		}
		n = strcspn(raw, "\n");
		r.vantage.error = pt_vantage_text(raw, n, PT_VANTAGE_ERROR_MAX);
		reply.result =
			strstr(raw, "timed out") != NULL ? PT_REPLY_TIMEOUT : PT_REPLY_LOCAL_ERROR;
	} else if (strcmp(status, "finished") != 0) {
		pt_vantage_report_malformed(rep,
					    "measurement %.64s: probe %zu has status \"%.20s\"",
					    str(m, "id"), index + 1, status);
		return;
	} else if (answer_of(&reply.answer, res, rd->qtype) == PT_OK) {
		reply.result = PT_REPLY_OK;
	} else {
		pt_vantage_report_malformed(rep, "measurement %.64s: probe %zu: unreadable answer",
					    str(m, "id"), index + 1);
		pt_answer_fini(&reply.answer);
		return;
	}
	rd->fn(rd->ctx, &r, &reply);
	rep->observations++;
	pt_reply_fini(&reply);
}

static void one_measurement(void *ctx, void *item, struct pt_vantage_report *rep)
{
	struct reader *rd = ctx;
	json_t *m = item, *results = json_object_get(m, "results"), *e;
	json_t *opts = json_object_get(m, "measurementOptions");
	const char *qt = str(json_object_get(opts, "query"), "type");
	char target[256];
	size_t i;

	if (!json_is_object(m) || !json_is_array(results)) {
		pt_vantage_report_malformed(rep, "not a Globalping measurement (no \"results\")");
		return;
	}
	if (json_object_get(m, "type") != NULL && strcmp(str(m, "type"), "dns") != 0) {
		pt_vantage_report_malformed(rep, "measurement %.64s: type \"%.20s\", not dns",
					    str(m, "id"), str(m, "type"));
		return;
	}
	/* another name or type than the tracked one is not this question's answer */
	if ((json_object_get(m, "target") != NULL &&
	     (pt_name_normalise(target, sizeof(target), str(m, "target")) != PT_OK ||
	      strcmp(target, rd->qname) != 0)) ||
	    (qt[0] != '\0' && pt_rrtype_from_name(qt) != rd->qtype)) {
		rep->other_question += json_array_size(results);
		return;
	}
	json_array_foreach(results, i, e)
	{
		one_probe(rd, m, e, i, rep);
	}
}

enum pt_status pt_globalping_read(const char *text, size_t len, const char *qname, uint16_t qtype,
				  pt_observation_fn fn, void *ctx, struct pt_vantage_report *rep)
{
	struct reader rd = { .qname = qname, .qtype = qtype, .fn = fn, .ctx = ctx };

	return pt_vantage_each_json(text, len, one_measurement, &rd, rep);
}

/* ---- the API ---- */

void pt_globalping_request_body(struct pt_buf *out, const struct pt_globalping_config *c)
{
	struct pt_json j;
	char target[256], ty[24];
	size_t n;

	snprintf(target, sizeof(target), "%s", c->qname);
	n = strlen(target);
	if (n > 1 && target[n - 1] == '.') {
		target[n - 1] = '\0';
	}
	pt_json_init(&j, out);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "type", "dns");
	pt_json_str(&j, "target", target);
	if (c->rerun) {
		/* the probes of an earlier measurement, again */
		pt_json_str(&j, "locations", c->location);
	} else {
		pt_json_array(&j, "locations", false);
		pt_json_object(&j, NULL);
		pt_json_str(&j, "magic", c->location);
		pt_json_end(&j);
		pt_json_end(&j);
		pt_json_uint(&j, "limit", c->limit);
	}
	pt_json_object(&j, "measurementOptions");
	pt_json_object(&j, "query");
	pt_json_str(&j, "type", pt_rrtype_name(c->qtype, ty, sizeof(ty)));
	pt_json_end(&j);
	pt_json_str(&j, "protocol", "UDP");
	pt_json_uint(&j, "port", 53);
	pt_json_end(&j);
	pt_json_end(&j);
}

/* The API's words for a refusal: {"error": {"type", "message"}}. */
static void api_message(char *why, size_t size, const struct pt_http_response *resp)
{
	json_t *doc = json_loadb(resp->body, resp->body_len, 0, NULL);
	json_t *e = json_object_get(doc, "error");
	char text[400], reset[32];

	if (json_is_object(e)) {
		snprintf(text, sizeof(text), "%s%s%s", str(e, "type"),
			 str(e, "message")[0] ? ": " : "", str(e, "message"));
	} else {
		snprintf(text, sizeof(text), "HTTP %ld", resp->status);
	}
	if (resp->status == 429 &&
	    pt_http_header(resp, "X-RateLimit-Reset", reset, sizeof(reset))) {
		size_t n = strlen(text);

		snprintf(text + n, sizeof(text) - n, " (rate limit; reset in %s s)", reset);
	}
	pt_text_clean(why, size, text, strlen(text));
	json_decref(doc);
}

static enum pt_status call(const struct pt_globalping_config *c, const char *method,
			   const char *url, const char *body, const char *etag,
			   struct pt_http_response *resp, char *why, size_t why_size)
{
	char auth[300], inm[200];
	const char *headers[5] = { "Accept: application/json", NULL, NULL, NULL, NULL };
	size_t nh = 1;
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

	if (c->token != NULL && c->token[0] != '\0') {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->token);
		headers[nh++] = auth;
	}
	if (body != NULL) {
		headers[nh++] = "Content-Type: application/json";
	}
	if (etag != NULL && etag[0] != '\0') {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
		headers[nh++] = inm;
	}
	rc = pt_vantage_api_call(&req, resp, why, why_size);
	memset(auth, 0, sizeof(auth));
	if (rc != PT_OK) {
		return rc;
	}
	if (resp->status != 304 && (resp->status < 200 || resp->status > 299)) {
		api_message(why, why_size, resp);
		return PT_ERR_DNS;
	}
	return PT_OK;
}

/* A header's unsigned decimal value (nothing else in it). */
static bool header_uint(const struct pt_http_response *resp, const char *name, uint64_t *v)
{
	char text[32], *end;

	if (!pt_http_header(resp, name, text, sizeof(text)) || text[0] < '0' || text[0] > '9') {
		return false;
	}
	errno = 0;
	*v = strtoull(text, &end, 10);
	return errno == 0 && *end == '\0';
}

enum pt_status pt_globalping_create(const struct pt_globalping_config *c, char *id, size_t id_size,
				    struct pt_vantage_limits *limits, char *why, size_t why_size)
{
	struct pt_buf body = { 0 };
	struct pt_http_response resp;
	char url[1024];
	json_t *doc;
	enum pt_status rc;

	id[0] = '\0';
	memset(limits, 0, sizeof(*limits));
	memset(&resp, 0, sizeof(resp));
	snprintf(url, sizeof(url), "%s/v1/measurements", c->base_url);
	pt_globalping_request_body(&body, c);
	rc = call(c, "POST", url, pt_buf_str(&body), NULL, &resp, why, why_size);
	pt_buf_fini(&body);
	if (header_uint(&resp, "X-RateLimit-Limit", &limits->limit) &&
	    header_uint(&resp, "X-RateLimit-Remaining", &limits->remaining) &&
	    header_uint(&resp, "X-RateLimit-Reset", &limits->reset_s)) {
		limits->known = true;
		limits->wall_ms = pt_clock_wall_ms();
	}
	if (rc == PT_OK) {
		doc = json_loadb(resp.body, resp.body_len, 0, NULL);
		if (str(doc, "id")[0] != '\0' && strlen(str(doc, "id")) < id_size &&
		    strspn(str(doc, "id"), "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					   "0123456789-_") == strlen(str(doc, "id"))) {
			snprintf(id, id_size, "%s", str(doc, "id"));
		} else {
			snprintf(why, why_size, "the API's answer names no measurement");
			rc = PT_ERR_PARSE;
		}
		json_decref(doc);
	}
	pt_http_response_fini(&resp);
	return rc;
}

/* A count of the limits document: a non-negative integer. */
static bool count_of(json_t *o, const char *key, uint64_t *v)
{
	json_t *n = json_object_get(o, key);

	if (!json_is_integer(n) || json_integer_value(n) < 0) {
		return false;
	}
	*v = (uint64_t)json_integer_value(n);
	return true;
}

enum pt_status pt_globalping_limits_read(struct pt_vantage_limits *l, const char *text, size_t len,
					 char *why, size_t why_size)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	json_t *create = json_object_get(
		json_object_get(json_object_get(doc, "rateLimit"), "measurements"), "create");
	json_t *credits = json_object_get(doc, "credits");
	const char *type = str(create, "type");
	enum pt_status rc = PT_ERR_PARSE;

	memset(l, 0, sizeof(*l));
	if (doc == NULL) {
		char clean[160];

		pt_text_clean(clean, sizeof(clean), jerr.text, strlen(jerr.text));
		snprintf(why, why_size, "not JSON (%s)", clean);
	} else if (!json_is_object(create)) {
		snprintf(why, why_size, "no rateLimit.measurements.create object");
	} else if (!count_of(create, "limit", &l->limit) ||
		   !count_of(create, "remaining", &l->remaining) ||
		   !count_of(create, "reset", &l->reset_s)) {
		snprintf(why, why_size, "limit, remaining and reset are not all counts");
	} else if (l->remaining > l->limit) {
		snprintf(why, why_size, "more measurements remaining (%llu) than the limit (%llu)",
			 (unsigned long long)l->remaining, (unsigned long long)l->limit);
	} else if (credits != NULL && !json_is_null(credits) &&
		   !count_of(credits, "remaining", &l->credits)) {
		snprintf(why, why_size, "credits.remaining is not a count");
	} else {
		l->has_credits = credits != NULL && !json_is_null(credits);
		if (strcmp(type, "ip") == 0 || strcmp(type, "user") == 0) {
			snprintf(l->type, sizeof(l->type), "%s", type);
		}
		l->known = true;
		rc = PT_OK;
	}
	if (rc != PT_OK) {
		memset(l, 0, sizeof(*l));
	}
	json_decref(doc);
	return rc;
}

enum pt_status pt_globalping_limits(const struct pt_globalping_config *c,
				    struct pt_vantage_limits *l, char *why, size_t why_size)
{
	struct pt_http_response resp;
	char url[1024], bad[200];
	enum pt_status rc;

	memset(l, 0, sizeof(*l));
	memset(&resp, 0, sizeof(resp));
	snprintf(url, sizeof(url), "%s/v1/limits", c->base_url);
	rc = call(c, "GET", url, NULL, NULL, &resp, why, why_size);
	if (rc == PT_OK) {
		rc = pt_globalping_limits_read(l, resp.body != NULL ? resp.body : "", resp.body_len,
					       bad, sizeof(bad));
		if (rc == PT_OK) {
			l->wall_ms = pt_clock_wall_ms();
		} else {
			snprintf(why, why_size, "%s: %s", url, bad);
		}
	}
	pt_http_response_fini(&resp);
	return rc;
}

enum pt_status pt_globalping_fetch(const struct pt_globalping_config *c, const char *id, char *etag,
				   size_t etag_size, char **body, size_t *len, bool *finished,
				   char *why, size_t why_size)
{
	struct pt_http_response resp;
	char url[1024];
	json_t *doc;
	enum pt_status rc;

	*body = NULL;
	*len = 0;
	*finished = false;
	memset(&resp, 0, sizeof(resp));
	snprintf(url, sizeof(url), "%s/v1/measurements/%s", c->base_url, id);
	rc = call(c, "GET", url, NULL, etag, &resp, why, why_size);
	if (rc == PT_OK && resp.status != 304) {
		if (!pt_http_header(&resp, "ETag", etag, etag_size)) {
			etag[0] = '\0';
		}
		doc = json_loadb(resp.body, resp.body_len, 0, NULL);
		*finished = doc != NULL && strcmp(str(doc, "status"), "in-progress") != 0;
		json_decref(doc);
		*body = resp.body;
		*len = resp.body_len;
		resp.body = NULL;
	}
	pt_http_response_fini(&resp);
	return rc;
}
