#include "replay.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "query.h"
#include "resolvers.h"
#include "truth.h"

/* The replay's clock: the log's elapsed time, from an arbitrary non-zero origin. */
#define ORIGIN_NS PT_NS_PER_S
static atomic_uint_fast64_t replay_now = ORIGIN_NS;

static uint64_t replay_clock(void)
{
	return atomic_load(&replay_now);
}

static void clock_at(json_t *ev)
{
	double s = json_number_value(json_object_get(ev, "elapsed_s"));

	if (s > 0 && s < 1e9) {
		atomic_store(&replay_now, ORIGIN_NS + (uint64_t)(s * (double)PT_NS_PER_S));
	}
}

/* The run being read: its state and the resolvers, whose index (in "start", duplicates
 * dropped) is their id; the list's index finds an event's resolver (a log of 100,000 is
 * millions of lookups). */
struct run {
	struct pt_state *state;
	struct pt_resolvers *list;
};

static void run_fini(struct run *r)
{
	pt_state_free(r->state);
	pt_resolvers_free(r->list);
	memset(r, 0, sizeof(*r));
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* The resolver of an event from its address and port; label and location too. */
static bool resolver_of(json_t *o, struct pt_resolver *r)
{
	json_int_t port = json_integer_value(json_object_get(o, "port"));
	const char *url = str(o, "url"), *tls = str(o, "tls_name"), *via = str(o, "transport");
	char reason[160];

	if (port < 1 || port > 65535) {
		return false;
	}
	if (pt_resolver_parse_address(r, str(o, "address"), reason, sizeof(reason)) != PT_OK) {
		/* a DoH server known by its host name only (libcurl resolved it) */
		if (!url[0] || strlen(str(o, "address")) >= sizeof(r->address)) {
			return false;
		}
		memset(r, 0, sizeof(*r));
		snprintf(r->address, sizeof(r->address), "%s", str(o, "address"));
	}
	pt_resolver_set_port(r, (uint16_t)port);
	/* DoT and DoH resolvers: shown as they were asked */
	if (url[0] || strcmp(via, "https") == 0) {
		r->transport = PT_TRANSPORT_HTTPS;
		r->endpoint = pt_resolver_endpoint(url);
	} else if (tls[0] || strcmp(via, "tls") == 0) {
		r->transport = PT_TRANSPORT_TLS;
		r->endpoint = pt_resolver_endpoint(tls);
	}
	snprintf(r->label, sizeof(r->label), "%s", str(o, "label"));
	snprintf(r->location, sizeof(r->location), "%s", str(o, "location"));
	return true;
}

static enum pt_status start(struct run *r, json_t *ev, struct pt_replay_report *rep)
{
	json_t *list = json_object_get(ev, "resolvers");
	char domain[256];
	uint16_t qtype = pt_rrtype_from_name(str(ev, "type"));
	size_t i;
	json_t *v;

	run_fini(r);
	if (pt_name_normalise(domain, sizeof(domain), str(ev, "domain")) != PT_OK || qtype == 0) {
		return PT_ERR_PARSE;
	}
	atomic_store(&replay_now, ORIGIN_NS);
	r->state = pt_state_new(domain, qtype, replay_clock);
	r->list = pt_resolvers_new();
	if (r->state == NULL || r->list == NULL) {
		return PT_ERR_NOMEM;
	}
	pt_state_keep_events(r->state, false);
	json_array_foreach(list, i, v)
	{
		struct pt_resolver one;
		size_t id = pt_resolvers_count(r->list);
		bool added;

		if (!resolver_of(v, &one)) {
			continue;
		}
		if (pt_resolvers_add(r->list, &one, &added) != PT_OK ||
		    (added &&
		     pt_state_add_shared(r->state, id, pt_resolvers_get(r->list, id)) != PT_OK)) {
			return PT_ERR_NOMEM;
		}
	}
	rep->runs++;
	rep->exit_status = -1;
	return PT_OK;
}

/* An answer array into @p a (kind set by the caller). */
static enum pt_status answer_of(json_t *arr, struct pt_answer *a)
{
	size_t i, n = json_array_size(arr);
	json_t *v;

	if (n == 0) {
		return PT_OK;
	}
	a->rdata = calloc(n, sizeof(*a->rdata));
	if (a->rdata == NULL) {
		return PT_ERR_NOMEM;
	}
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v) &&
		    (a->rdata[a->count] = strdup(json_string_value(v))) != NULL) {
			a->count++;
		}
	}
	return PT_OK;
}

static int rcode_of(const char *name)
{
	char buf[16];

	if (strncmp(name, "RCODE", 5) == 0) {
		long v = strtol(name + 5, NULL, 10);

		return v >= 0 && v < 4096 ? (int)v : -1;
	}
	for (int rc = 0; rc < 16; rc++) {
		if (strcmp(pt_rcode_name(rc, buf, sizeof(buf)), name) == 0) {
			return rc;
		}
	}
	return -1;
}

static enum pt_answer_kind kind_named(const char *kind, size_t count)
{
	if (strcmp(kind, "nxdomain") == 0) {
		return PT_ANSWER_NXDOMAIN;
	}
	if (strcmp(kind, "nodata") == 0 || (kind[0] == '\0' && count == 0)) {
		return PT_ANSWER_NODATA;
	}
	return PT_ANSWER_DATA;
}

static enum pt_status truth(struct run *r, json_t *ev)
{
	const char *source = str(ev, "source");
	json_t *serial = json_object_get(ev, "serial");
	struct pt_truth t;
	enum pt_status st;

	memset(&t, 0, sizeof(t));
	/* a majority is the state's own judgement: source NONE makes it vote again */
	t.source = strcmp(source, "expected") == 0	  ? PT_TRUTH_EXPECTED
		   : strcmp(source, "authoritative") == 0 ? PT_TRUTH_AUTHORITATIVE
							  : PT_TRUTH_NONE;
	st = answer_of(json_object_get(ev, "answer"), &t.answer);
	t.answer.kind = kind_named(str(ev, "kind"), t.answer.count);
	t.has_serial = json_is_integer(serial);
	t.serial = (uint32_t)json_integer_value(serial);
	t.unpublished = json_is_true(json_object_get(ev, "unpublished"));
	t.negative_ttl = (uint32_t)json_integer_value(json_object_get(ev, "negative_ttl"));
	if (st == PT_OK) {
		pt_state_set_truth(r->state, &t);
	}
	pt_truth_fini(&t);
	return st;
}

/* An "answer" event back into the reply the engine handed over. */
static enum pt_status answer(struct run *r, json_t *ev)
{
	const char *status = str(ev, "status"), *error = str(ev, "error");
	json_t *rcode = json_object_get(ev, "rcode"), *ttl = json_object_get(ev, "ttl");
	struct pt_resolver who;
	struct pt_reply reply;
	enum pt_status st;
	long found;
	size_t id;

	if (!resolver_of(ev, &who)) {
		return PT_ERR_PARSE;
	}
	found = pt_resolvers_find(r->list, who.address, who.port);
	if (found < 0) {
		return PT_ERR_PARSE;
	}
	id = (size_t)found;
	memset(&reply, 0, sizeof(reply));
	reply.tries = 1;
	reply.received_ns = replay_clock();
	if (!json_is_string(rcode)) {
		if (strcmp(status, "timeout") == 0) {
			reply.result = error[0] ? PT_REPLY_UNREACHABLE : PT_REPLY_TIMEOUT;
		} else {
			reply.result = strcmp(error, "malformed") == 0 || !error[0]
					       ? PT_REPLY_MALFORMED
					       : PT_REPLY_LOCAL_ERROR;
		}
		pt_state_publish(r->state, id, pt_state_target_generation(r->state), &reply);
		return PT_OK;
	}
	st = answer_of(json_object_get(ev, "answer"), &reply.answer);
	reply.answer.rcode = rcode_of(json_string_value(rcode));
	reply.answer.flags = pt_flags_parse(str(ev, "flags"));
	reply.answer.has_ttl = json_is_integer(ttl);
	reply.answer.ttl = (uint32_t)json_integer_value(ttl);
	reply.answer.ede = -1;
	reply.rtt_ms = json_number_value(json_object_get(ev, "rtt_ms"));
	/* issue 15's members: the NSID and every EDE (a stale answer's EDE 3 is stale again) */
	{
		json_t *edes = json_object_get(ev, "ede"), *more = json_object_get(ev, "ede_more");
		int codes[PT_EDE_MAX];
		const char *texts[PT_EDE_MAX], *nsid = str(ev, "nsid");
		size_t n = 0, total = json_array_size(edes);
		unsigned extra = json_is_integer(more) && json_integer_value(more) > 0 &&
						 json_integer_value(more) < 65536
					 ? (unsigned)json_integer_value(more)
					 : 0;

		if (st == PT_OK && nsid[0] && !(reply.answer.nsid = strdup(nsid))) {
			st = PT_ERR_NOMEM;
		}
		for (size_t k = 0; k < total; k++) {
			json_t *ede = json_array_get(edes, k);
			json_t *code = json_object_get(ede, "code");

			if (!json_is_integer(code) || json_integer_value(code) < 0 ||
			    json_integer_value(code) > 65535) {
				continue;
			}
			if (n == PT_EDE_MAX) {
				extra += extra < 65536;
				continue;
			}
			codes[n] = (int)json_integer_value(code);
			texts[n++] = str(ede, "text");
		}
		if (st == PT_OK && n > 0) {
			st = pt_answer_set_edes(&reply.answer, codes, texts, n, extra);
		}
	}
	if (reply.answer.rcode == 3) {
		reply.answer.kind = PT_ANSWER_NXDOMAIN;
	} else if (reply.answer.rcode != 0) {
		reply.answer.kind = PT_ANSWER_RCODE;
	} else if (reply.answer.count > 0) {
		reply.answer.kind = PT_ANSWER_DATA;
	} else {
		/* NOERROR without records is NODATA, or a referral, which is always an error */
		reply.answer.kind =
			strcmp(status, "error") == 0 ? PT_ANSWER_REFERRAL : PT_ANSWER_NODATA;
	}
	if (st == PT_OK) {
		pt_state_publish(r->state, id, pt_state_target_generation(r->state), &reply);
	}
	pt_reply_fini(&reply);
	return st;
}

/* One whole line. @return PT_OK (also for a line skipped) or PT_ERR_NOMEM. */
static enum pt_status line(struct run *r, const char *text, struct pt_replay_report *rep)
{
	json_t *ev = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const char *kind = str(ev, "event");
	enum pt_status st = PT_ERR_PARSE;

	rep->lines++;
	if (json_is_object(ev)) {
		clock_at(ev);
		if (strcmp(kind, "start") == 0) {
			st = start(r, ev, rep);
		} else if (r->state == NULL) {
			st = PT_ERR_PARSE;
		} else if (strcmp(kind, "truth") == 0) {
			st = truth(r, ev);
		} else if (strcmp(kind, "answer") == 0) {
			st = answer(r, ev);
		} else if (strcmp(kind, "end") == 0) {
			rep->exit_status =
				(int)json_integer_value(json_object_get(ev, "exit_status"));
			st = PT_OK;
		} else {
			/* change, converged, diverged: the state derives them again; target
			 * (--follow-mx) is not replayed: the replay is of the MX question alone */
			st = strcmp(kind, "change") == 0 || strcmp(kind, "converged") == 0 ||
					     strcmp(kind, "diverged") == 0 ||
					     strcmp(kind, "target") == 0
				     ? PT_OK
				     : PT_ERR_PARSE;
		}
	}
	json_decref(ev);
	if (st == PT_ERR_NOMEM) {
		return st;
	}
	if (st != PT_OK) {
		rep->skipped++;
		if (rep->first_skipped == 0) {
			rep->first_skipped = rep->lines;
		}
	}
	return PT_OK;
}

enum pt_status pt_replay_load(struct pt_state **out, const char *path,
			      struct pt_replay_report *report)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct run r = { 0 };
	enum pt_status st = PT_OK;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;

	*out = NULL;
	memset(report, 0, sizeof(*report));
	report->exit_status = -1;
	if (f == NULL) {
		return PT_ERR_IO;
	}
	while (st == PT_OK && (n = getline(&buf, &cap, f)) > 0) {
		if (buf[n - 1] != '\n') {
			/* the last line, cut by a kill or a full disk: not an event */
			report->cut = true;
			break;
		}
		buf[n - 1] = '\0';
		st = line(&r, buf, report);
	}
	if (st == PT_OK && ferror(f)) {
		st = PT_ERR_IO;
	}
	free(buf);
	if (f != stdin) {
		int err = errno;

		fclose(f);
		errno = err;
	}
	if (st == PT_OK && r.state == NULL) {
		st = PT_ERR_PARSE;
	}
	if (st != PT_OK) {
		run_fini(&r);
		return st;
	}
	*out = r.state;
	r.state = NULL;
	run_fini(&r);
	return PT_OK;
}
