#include "http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

/* A growable byte buffer with a cap; over the cap, the transfer is stopped. */
struct sink {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	bool over;
	bool nomem;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;

static void http_init(void)
{
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void pt_http_secure_defaults(void *curl, const char *ca_file)
{
	CURL *c = curl;

	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "proptrack/" PT_VERSION);
	if (ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	}
}

bool pt_http_global_init(void)
{
	pthread_once(&init_once, http_init);
	return init_rc == CURLE_OK;
}

static size_t sink_add(struct sink *s, const char *p, size_t n)
{
	if (n > s->max - s->len || s->len + n > s->max) {
		s->over = true;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *d;

		while (cap < s->len + n + 1) {
			cap *= 2;
		}
		d = realloc(s->data, cap);
		if (!d) {
			s->nomem = true;
			return 0;
		}
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
	s->data[s->len] = '\0';
	return n;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	return sink_add(arg, p, size * n);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	/* a new response (after 100 Continue) starts the headers again */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		s->len = 0;
		return len;
	}
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r')) {
		len--;
	}
	if (len == 0) {
		return size * n;
	}
	if (sink_add(s, p, len) != len || sink_add(s, "\n", 1) != 1) {
		return 0;
	}
	return size * n;
}

/* libcurl calls this often while the transfer runs (also while it waits for an answer) */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load((const atomic_bool *)arg) ? 1 : 0;
}

static char *sink_take(struct sink *s)
{
	if (!s->data) {
		s->data = calloc(1, 1);
	}
	return s->data;
}

enum pt_status pt_http_fetch(const struct pt_http_request *req, struct pt_http_response *resp)
{
	struct sink body = { .max = req->max_body ? req->max_body : PT_HTTP_MAX_BODY };
	struct sink head = { .max = 64 * 1024 };
	struct curl_slist *list = NULL, *pin = NULL;
	enum pt_status st = PT_OK;
	CURL *c;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	memset(resp, 0, sizeof(*resp));
	pthread_once(&init_once, http_init);
	if (init_rc != CURLE_OK || !(c = curl_easy_init())) {
		snprintf(resp->error, sizeof(resp->error), "libcurl could not start");
		return PT_ERR_IO;
	}
	for (size_t i = 0; req->headers && req->headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(list, req->headers[i]);

		if (!l) {
			curl_slist_free_all(list);
			curl_easy_cleanup(c);
			snprintf(resp->error, sizeof(resp->error), "out of memory");
			return PT_ERR_NOMEM;
		}
		list = l;
	}
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	pt_http_secure_defaults(c, req->ca_file);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(req->timeout_ms ? req->timeout_ms : 10000));
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (list) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	}
	if (req->resolve) {
		pin = curl_slist_append(NULL, req->resolve);
		if (!pin) {
			curl_slist_free_all(list);
			curl_easy_cleanup(c);
			snprintf(resp->error, sizeof(resp->error), "out of memory");
			return PT_ERR_NOMEM;
		}
		curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
	}
	if (req->method && strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
	if (req->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, req->cancel);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}

	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	} else if (body.nomem || head.nomem) {
		st = PT_ERR_NOMEM;
		snprintf(resp->error, sizeof(resp->error), "out of memory");
	} else if (body.over) {
		st = PT_ERR_PARSE;
		snprintf(resp->error, sizeof(resp->error), "the answer is larger than %zu bytes",
			 body.max);
	} else if (rc == CURLE_ABORTED_BY_CALLBACK && req->cancel && atomic_load(req->cancel)) {
		st = PT_ERR_IO;
		snprintf(resp->error, sizeof(resp->error), "cancelled");
	} else if (head.over) {
		st = PT_ERR_PARSE;
		snprintf(resp->error, sizeof(resp->error), "the answer's headers are too long");
	} else {
		st = rc == CURLE_OPERATION_TIMEDOUT ? PT_ERR_TIMEOUT
		     : rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ? PT_ERR_PARSE
										     : PT_ERR_IO;
		/* libcurl's detail may quote the server: printable only */
		const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

		pt_text_clean(resp->error, sizeof(resp->error), why, strlen(why));
	}
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	curl_slist_free_all(pin);
	resp->body = sink_take(&body);
	resp->body_len = body.len;
	resp->headers = sink_take(&head);
	if (!resp->body || !resp->headers) {
		pt_http_response_fini(resp);
		snprintf(resp->error, sizeof(resp->error), "out of memory");
		return PT_ERR_NOMEM;
	}
	if (st != PT_OK) {
		char msg[sizeof(resp->error)];

		memcpy(msg, resp->error, sizeof(msg));
		free(resp->body);
		free(resp->headers);
		memset(resp, 0, sizeof(*resp));
		memcpy(resp->error, msg, sizeof(msg));
	}
	return st;
}

bool pt_http_header(const struct pt_http_response *resp, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);

	for (const char *p = resp->headers; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
			const char *v = p + n + 1;
			size_t vl = len - n - 1;

			while (vl > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) {
				vl--;
			}
			if (size > 0) {
				size_t k = vl < size - 1 ? vl : size - 1;

				memcpy(buf, v, k);
				buf[k] = '\0';
			}
			return true;
		}
		p = end ? end + 1 : p + len;
	}
	return false;
}

void pt_http_response_fini(struct pt_http_response *resp)
{
	if (!resp) {
		return;
	}
	free(resp->body);
	free(resp->headers);
	memset(resp, 0, sizeof(*resp));
}
