/*
 * The diagnosis's facts model: lifetime of facts and results, and the small predicates on
 * facts that gathering and the checks share.
 */
#include "diagnose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf.h"
#include "truth.h"
#include "verdict.h"

static void pt_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

void pt_diag_reply_clear(struct pt_diag_reply *r)
{
	pt_answer_fini(&r->answer);
	memset(r, 0, sizeof(*r));
}

bool pt_diag_reply_usable(const struct pt_diag_reply *r)
{
	return r->asked && pt_reply_class(r->result, &r->answer) == PT_CLASS_ANSWER;
}

const char *pt_diag_reply_text(const struct pt_diag_reply *r, char *buf, size_t size)
{
	if (!r->asked) {
		return "not asked";
	}
	if (r->result != PT_REPLY_OK) {
		return pt_reply_result_text(r->result);
	}
	if (r->answer.kind == PT_ANSWER_DATA) {
		return "data";
	}
	return pt_answer_summary(buf, size, &r->answer, " ");
}

bool pt_diag_mx_split(const char *rdata, unsigned *pref, char *target, size_t size)
{
	char *end;
	unsigned long p = strtoul(rdata, &end, 10);

	if (end == rdata || *end != ' ' || p > 65535) {
		return false;
	}
	while (*end == ' ') {
		end++;
	}
	if (!*end) {
		return false;
	}
	*pref = (unsigned)p;
	snprintf(target, size, "%s", end);
	return true;
}

bool pt_diag_mx_null(const char *target)
{
	return strcmp(target, ".") == 0;
}

enum pt_auth_status pt_diag_auth_status(const struct pt_diag_reply *soa)
{
	/* a view of the facts' reply: nothing is copied or freed */
	struct pt_reply r = { .result = soa->result, .answer = soa->answer };

	return pt_truth_judge_server(&r, &r);
}

bool pt_diag_auth_good(const struct pt_diag_auth *a)
{
	return *a->address && a->soa.asked && pt_diag_auth_status(&a->soa) == PT_AUTH_OK &&
	       a->soa.answer.kind == PT_ANSWER_DATA && a->soa.answer.has_serial;
}

long pt_diag_auth_best(const struct pt_diag_facts *f)
{
	long best = -1;

	for (size_t i = 0; i < f->nauth; i++) {
		/* serials are only compared among the servers of the current delegation */
		if (!pt_diag_auth_good(&f->auth[i]) || !f->auth[i].delegated) {
			continue;
		}
		if (best < 0 || pt_serial_cmp(f->auth[i].soa.answer.serial,
					      f->auth[best].soa.answer.serial) > 0) {
			best = (long)i;
		}
	}
	return best;
}

void pt_diag_facts_fini(struct pt_diag_facts *f)
{
	if (!f) {
		return;
	}
	pt_strv_free(f->ns_names, f->nns_names);
	pt_strv_free(f->delegation, f->ndelegation);
	for (size_t i = 0; i < f->nauth; i++) {
		struct pt_diag_auth *a = &f->auth[i];

		pt_diag_reply_clear(&a->soa);
		pt_diag_reply_clear(&a->mx);
		pt_diag_reply_clear(&a->ns);
		pt_diag_reply_clear(&a->cname);
		pt_diag_reply_clear(&a->dnskey);
	}
	free(f->auth);
	for (size_t i = 0; i < f->nparents; i++) {
		pt_diag_reply_clear(&f->parents[i].ns);
		pt_strv_free(f->parents[i].delegation, f->parents[i].ndelegation);
	}
	free(f->parents);
	pt_answer_fini(&f->mx);
	for (size_t i = 0; i < f->nresolvers; i++) {
		pt_diag_reply_clear(&f->resolvers[i].mx);
		pt_diag_reply_clear(&f->resolvers[i].mx_cd);
	}
	free(f->resolvers);
	for (size_t i = 0; i < f->ntargets; i++) {
		pt_diag_reply_clear(&f->targets[i].a);
		pt_diag_reply_clear(&f->targets[i].aaaa);
		pt_diag_reply_clear(&f->targets[i].tlsa);
		for (size_t m = 0; m < f->targets[i].naddrs; m++) {
			pt_diag_reply_clear(&f->targets[i].addrs[m].ptr);
			pt_diag_reply_clear(&f->targets[i].addrs[m].ptr_fwd[0]);
			pt_diag_reply_clear(&f->targets[i].addrs[m].ptr_fwd[1]);
		}
		free(f->targets[i].addrs);
	}
	free(f->targets);
	pt_diag_reply_clear(&f->txt);
	for (size_t i = 0; i < f->nspf_names; i++) {
		pt_diag_reply_clear(&f->spf_names[i].txt);
	}
	free(f->spf_names);
	pt_diag_reply_clear(&f->sts_txt);
	pt_diag_reply_clear(&f->sts_a);
	free(f->sts_body);
	memset(f, 0, sizeof(*f));
}

void pt_diagnosis_fini(struct pt_diagnosis *d)
{
	if (!d) {
		return;
	}
	for (size_t i = 0; i < d->nchecks; i++) {
		free(d->checks[i].data_json);
	}
	free(d->checks);
	memset(d, 0, sizeof(*d));
}

int pt_diagnosis_exit_status(const struct pt_diagnosis *d)
{
	return d->summary[PT_CHECK_FAIL] > 0 ? PT_EXIT_NOT_CONVERGED : PT_EXIT_OK;
}

const char *pt_check_status_name(enum pt_check_status s)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };

	if ((unsigned)s >= PT_CHECK_STATUS_COUNT) {
		return "skip";
	}
	return names[s];
}

const struct pt_check *pt_diagnosis_find(const struct pt_diagnosis *d, const char *id,
					 const char *subject)
{
	for (size_t i = 0; i < d->nchecks; i++) {
		if (strcmp(d->checks[i].id, id) == 0 &&
		    (!subject || strcmp(d->checks[i].subject, subject) == 0)) {
			return &d->checks[i];
		}
	}
	return NULL;
}

enum pt_status pt_diagnose_run(struct pt_diagnosis *out, const struct pt_net *net,
			       const struct pt_diagnose_config *cfg)
{
	struct pt_diag_facts f;
	enum pt_status rc;

	memset(out, 0, sizeof(*out));
	rc = pt_diagnose_gather(&f, net, cfg);
	if (rc == PT_OK) {
		rc = pt_diagnose_judge(out, &f);
	}
	pt_diag_facts_fini(&f);
	return rc;
}

size_t pt_diag_spf_record(const struct pt_diag_reply *r, char *out, size_t size)
{
	size_t n = 0;
	char text[4096];

	*out = '\0';
	for (size_t i = 0;
	     pt_diag_reply_usable(r) && r->answer.kind == PT_ANSWER_DATA && i < r->answer.count;
	     i++) {
		if (pt_txt_join(r->answer.rdata[i], text, sizeof(text)) == PT_OK &&
		    pt_spf_is_record(text) && n++ == 0) {
			snprintf(out, size, "%s", text);
		}
	}
	return n;
}
