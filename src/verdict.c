#include "verdict.h"

#include "dns.h"

enum pt_reply_class pt_reply_class(enum pt_reply_result result, const struct pt_answer *answer)
{
	switch (result) {
	case PT_REPLY_OK:
		break;
	case PT_REPLY_TIMEOUT:
	case PT_REPLY_UNREACHABLE:
		return PT_CLASS_TIMEOUT;
	default:
		return PT_CLASS_ERROR;
	}
	switch (answer->kind) {
	case PT_ANSWER_DATA:
	case PT_ANSWER_NODATA:
	case PT_ANSWER_NXDOMAIN:
		return PT_CLASS_ANSWER;
	case PT_ANSWER_REFERRAL:
		return PT_CLASS_REFERRAL;
	default:
		break;
	}
	if (answer->rcode == PT_RCODE_SERVFAIL) {
		return PT_CLASS_SERVFAIL;
	}
	return answer->rcode == PT_RCODE_REFUSED ? PT_CLASS_REFUSED : PT_CLASS_ERROR;
}

static const char *const verdict_names[PT_VERDICT_COUNT] = {
	"pending", "match", "differ", "negative", "servfail", "refused", "timeout", "error",
};

const char *pt_verdict_name(enum pt_verdict v)
{
	if ((unsigned)v >= PT_VERDICT_COUNT) {
		return "error";
	}
	return verdict_names[v];
}

enum pt_verdict pt_verdict_judge(const struct pt_answer *truth, enum pt_reply_result result,
				 const struct pt_answer *answer)
{
	switch (pt_reply_class(result, answer)) {
	case PT_CLASS_ANSWER:
		break;
	case PT_CLASS_SERVFAIL:
		return PT_VERDICT_SERVFAIL;
	case PT_CLASS_REFUSED:
		return PT_VERDICT_REFUSED;
	case PT_CLASS_TIMEOUT:
		return PT_VERDICT_TIMEOUT;
	default:
		/* a referral from a resolver means it would not recurse for us: unusable */
		return PT_VERDICT_ERROR;
	}
	if (truth == NULL) {
		return PT_VERDICT_PENDING;
	}
	if ((truth->kind == PT_ANSWER_DATA) != (answer->kind == PT_ANSWER_DATA)) {
		return PT_VERDICT_NEGATIVE;
	}
	return pt_answer_same(truth, answer) ? PT_VERDICT_MATCH : PT_VERDICT_DIFFER;
}

bool pt_verdict_is_judged(enum pt_verdict v)
{
	return v != PT_VERDICT_PENDING && v != PT_VERDICT_REFUSED && v != PT_VERDICT_TIMEOUT &&
	       (unsigned)v < PT_VERDICT_COUNT;
}

bool pt_verdict_is_old(enum pt_verdict v)
{
	return v == PT_VERDICT_DIFFER || v == PT_VERDICT_NEGATIVE;
}

size_t pt_counts_judged(const struct pt_counts *c)
{
	size_t n = 0;

	for (int v = 0; v < PT_VERDICT_COUNT; v++) {
		n += pt_verdict_is_judged((enum pt_verdict)v) ? c->by[v] : 0;
	}
	return n;
}

size_t pt_counts_answered(const struct pt_counts *c)
{
	return pt_counts_judged(c) + c->by[PT_VERDICT_REFUSED];
}

const char *pt_reason_name(unsigned reason)
{
	static const char *const names[PT_REASON_COUNT] = {
		"no-truth",	    "no-match",	       "differ",
		"negative",	    "servfail",	       "error",
		"pending",	    "too-few-answers", "auth-disagree",
		"auth-unreachable", "not-published",   "targets-differ",
		"targets-pending",
	};

	for (unsigned i = 0; i < PT_REASON_COUNT; i++) {
		if (reason == 1u << i) {
			return names[i];
		}
	}
	return "unknown";
}

size_t pt_quorum_needed(const struct pt_quorum *q, size_t total)
{
	double n = q->percent ? q->value * (double)total / 100.0 : q->value;
	size_t need = (size_t)n;

	if ((double)need < n) {
		need++;
	}
	return need > 0 ? need : 1;
}

unsigned pt_verdict_reasons(const struct pt_counts *c, const struct pt_verdict_facts *f)
{
	static const struct {
		enum pt_verdict v;
		unsigned reason;
	} bad[] = {
		{ PT_VERDICT_DIFFER, PT_REASON_DIFFER },
		{ PT_VERDICT_NEGATIVE, PT_REASON_NEGATIVE },
		{ PT_VERDICT_SERVFAIL, PT_REASON_SERVFAIL },
		{ PT_VERDICT_ERROR, PT_REASON_ERROR },
		{ PT_VERDICT_PENDING, PT_REASON_PENDING },
	};
	unsigned r = 0;

	if (!f->truth_known) {
		r |= f->auth_unreachable ? PT_REASON_AUTH_UNREACHABLE : PT_REASON_NO_TRUTH;
	}
	if (f->unpublished) {
		r |= PT_REASON_NOT_PUBLISHED;
	}
	if (f->auth_disagree) {
		r |= PT_REASON_AUTH_DISAGREE;
	}
	if (!f->truth_known) {
		/* nothing to judge against: every resolver waits, and that is this one reason */
		return r;
	}
	if (pt_counts_judged(c) < f->needed) {
		r |= PT_REASON_TOO_FEW;
	}
	if (c->by[PT_VERDICT_MATCH] == 0) {
		r |= PT_REASON_NO_MATCH;
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (c->by[bad[i].v] > 0) {
			r |= bad[i].reason;
		}
	}
	/* the mail path: the MX answer alone does not deliver mail; the hosts' addresses must
	 * have propagated too (refused and silent answers are not judged, as above) */
	for (size_t i = 0; f->targets != NULL && i + 1 < sizeof(bad) / sizeof(bad[0]); i++) {
		if (f->targets->by[bad[i].v] > 0) {
			r |= PT_REASON_TARGETS_DIFFER;
		}
	}
	if (f->targets != NULL && f->targets->by[PT_VERDICT_PENDING] > 0) {
		r |= PT_REASON_TARGETS_PENDING;
	}
	return r;
}

int pt_verdict_exit_status(const struct pt_counts *c, unsigned reasons)
{
	if (reasons == 0) {
		return PT_EXIT_OK;
	}
	if ((reasons & PT_REASONS_INCONCLUSIVE) || pt_counts_judged(c) == 0) {
		return PT_EXIT_NOTHING;
	}
	return PT_EXIT_NOT_CONVERGED;
}

enum pt_detail pt_verdict_detail(bool dnssec_failure, bool stale)
{
	return dnssec_failure ? PT_DETAIL_DNSSEC : stale ? PT_DETAIL_STALE : PT_DETAIL_NONE;
}

const char *pt_detail_name(enum pt_detail d)
{
	return d == PT_DETAIL_DNSSEC ? "dnssec" : d == PT_DETAIL_STALE ? "stale" : "";
}

const char *pt_detail_text(enum pt_detail d)
{
	switch (d) {
	case PT_DETAIL_DNSSEC:
		return "DNSSEC validation failed: the resolver answers with checking disabled "
		       "(CD), "
		       "so the zone's signatures or its chain of trust are broken, not its "
		       "propagation";
	case PT_DETAIL_STALE:
		return "stale answer (RFC 8767): served past its TTL because the resolver cannot "
		       "reach the zone's name servers; it says nothing of what they serve now";
	default:
		return "";
	}
}
