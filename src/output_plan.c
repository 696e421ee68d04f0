#include "output_plan.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "output.h"
#include "text.h"

static const char *utc(char *buf, size_t size, int64_t s)
{
	return pt_clock_rfc3339(buf, size, s > 0 ? (uint64_t)s * 1000 : 0);
}

static const char *dur(char *buf, size_t size, int64_t s)
{
	return pt_text_duration(buf, size, s > 0 ? (uint64_t)s : 0);
}

/* The mx patterns of @p p as a string vector in @p v (borrowed). */
static char *const *sts_mx(char **v, const struct pt_mtasts_policy *p)
{
	for (size_t i = 0; i < p->nmx; i++) {
		v[i] = (char *)(uintptr_t)p->mx[i];
	}
	return v;
}

static void put_list(FILE *out, char *const *v, size_t n)
{
	char clean[600];

	if (n == 0) {
		fputs("(none)", out);
	}
	for (size_t i = 0; i < n; i++) {
		pt_text_clean(clean, sizeof(clean), v[i], strlen(v[i]));
		fprintf(out, "%s%s", i ? ", " : "", clean);
	}
}

static const char *reason_text(enum pt_plan_reason_kind k)
{
	switch (k) {
	case PT_PLAN_MX_TTL:
		return "a cache that fetched the old MX just before the switch keeps it for the "
		       "TTL";
	case PT_PLAN_NS_TTL:
		return "a resolver holding the old NS set asks the old DNS host for up to the NS "
		       "TTL at the parent, and keeps its MX for the TTL";
	case PT_PLAN_MTA_STS:
		return "senders that cached the MTA-STS policy (listing the old hosts) deliver to "
		       "them until it expires (RFC 8461 max_age)";
	default:
		return "senders retry a message queued for the old host for 4-5 days "
		       "(RFC 5321 section 4.5.4.1)";
	}
}

void pt_output_plan_text(FILE *out, const struct pt_plan_report *r)
{
	const struct pt_plan *p = &r->plan;
	const struct pt_plan_input *in = &r->in;
	char t[40], d1[16], d2[16];
	int step = 1;

	fprintf(out, "Cut-over plan for %s MX, from %s\n", r->domain, utc(t, sizeof(t), in->now_s));
	fprintf(out, "  MX now:    ");
	put_list(out, r->current, r->ncurrent);
	fprintf(out, " (TTL %u s, %s)\n", in->mx_ttl, dur(d1, sizeof(d1), in->mx_ttl));
	fprintf(out, "  MX to be:  ");
	put_list(out, r->to, r->nto);
	fputc('\n', out);
	fprintf(out, "  DNS host:  ");
	if (in->dns_host_change) {
		fputs("changes to ", out);
		put_list(out, r->new_ns, r->nnew_ns);
		fprintf(out, " (from ");
		put_list(out, r->ns, r->nns);
		fprintf(out, "; NS TTL %u s at the parent, %s)\n", in->ns_ttl,
			dur(d1, sizeof(d1), in->ns_ttl));
	} else {
		fputs("unchanged", out);
		if (r->nns > 0) {
			fputs(" (", out);
			put_list(out, r->ns, r->nns);
			fputc(')', out);
		}
		fputc('\n', out);
	}
	fprintf(out, "  MTA-STS:   ");
	if (!in->mta_sts) {
		fprintf(out, "no policy published (_mta-sts.%s TXT)\n", r->domain);
	} else if (in->mta_sts_max_age_known) {
		fprintf(out, "policy published, max_age %u s (%s)", in->mta_sts_max_age,
			dur(d1, sizeof(d1), in->mta_sts_max_age));
		if (r->sts_policy != NULL && r->sts_max_age_given) {
			fprintf(out, " from --mta-sts-max-age; the policy says %lu s",
				r->sts_policy->max_age);
		} else if (r->sts_policy != NULL) {
			fputs(" from the policy", out);
		}
		fputc('\n', out);
	} else {
		fputs("policy published, max_age not known (give it with --mta-sts-max-age)\n",
		      out);
	}
	if (r->sts_policy != NULL) {
		char *mx[PT_MTASTS_MAX_MX];

		fprintf(out, "  policy:    mode %s, mx: ", r->sts_policy->mode);
		put_list(out, sts_mx(mx, r->sts_policy), r->sts_policy->nmx);
		fputc('\n', out);
	}
	if (r->nothing_to_switch) {
		fputs("  note:      the zone already serves these MX records: nothing to switch\n",
		      out);
	}
	fputc('\n', out);
	if (p->lower_first) {
		fprintf(out,
			"%d. %s (now): lower the MX TTL from %u s to %u s%s; keep the records as "
			"they are.\n",
			step++, utc(t, sizeof(t), p->lower_at_s), in->mx_ttl, p->switch_ttl,
			in->dns_host_change ? " at the current DNS host" : "");
		fprintf(out,
			"%d. %s (in %s): the lower TTL has reached every cache (the old TTL, %s, "
			"after step 1).\n",
			step++, utc(t, sizeof(t), p->switch_at_s),
			dur(d1, sizeof(d1), p->switch_at_s - in->now_s),
			dur(d2, sizeof(d2), in->mx_ttl));
	} else {
		fprintf(out,
			"%d. %s (now): the MX TTL (%u s) is not above %u s: nothing to lower.\n",
			step++, utc(t, sizeof(t), p->lower_at_s), in->mx_ttl, in->low_ttl);
	}
	if (in->mta_sts && r->sts_policy != NULL && r->nsts_unmatched == 0) {
		fputs("   Before the switch: nothing to change in the MTA-STS policy: its mx: "
		      "lines "
		      "already match every new MX host.\n",
		      out);
	} else if (in->mta_sts && r->sts_policy != NULL) {
		fputs("   Before the switch: add ", out);
		put_list(out, r->sts_unmatched, r->nsts_unmatched);
		fputs(" to the MTA-STS policy's mx: lines (keep the old ones) and change the id "
		      "in its TXT record.\n",
		      out);
	} else if (in->mta_sts) {
		fprintf(out,
			"   Before the switch: add the new MX hosts to the MTA-STS policy's mx: "
			"lines (keep the old ones) and change the id in its TXT record.\n");
	}
	fprintf(out,
		"   The switch is safe from then on: replace the MX records with the new "
		"ones%s.\n",
		in->dns_host_change ? " at the new DNS host and at the old one, and change the "
				      "delegation at the registrar"
				    : "");
	fprintf(out,
		"%d. %s (in %s): every cache serves the new MX (%s after the switch); the TTL "
		"may go up again.\n",
		step++, utc(t, sizeof(t), p->new_everywhere_s),
		dur(d1, sizeof(d1), p->new_everywhere_s - in->now_s),
		dur(d2, sizeof(d2), p->new_everywhere_s - p->switch_at_s));
	fprintf(out, "%d. until %s (in %s): keep the old server accepting mail, the latest of:\n",
		step, utc(t, sizeof(t), p->keep_old_until_s),
		dur(d1, sizeof(d1), p->keep_old_until_s - in->now_s));
	for (size_t i = 0; i < p->nreasons; i++) {
		const struct pt_plan_reason *x = &p->reasons[i];

		if (x->known) {
			fprintf(out, "   - %s (switch + %s) %s: %s%s\n",
				utc(t, sizeof(t), x->until_s),
				dur(d1, sizeof(d1), (int64_t)x->after_switch_s),
				pt_plan_reason_name(x->kind), reason_text(x->kind),
				i == p->decisive ? "  <- decides" : "");
		} else {
			fprintf(out, "   - (max_age not known) %s: %s\n",
				pt_plan_reason_name(x->kind), reason_text(x->kind));
		}
	}
}

static void json_time(struct pt_json *j, const char *key, const char *in_key, int64_t at,
		      int64_t now)
{
	char t[40];

	pt_json_str(j, key, utc(t, sizeof(t), at));
	pt_json_int(j, in_key, at - now);
}

void pt_output_plan_json(FILE *out, const struct pt_plan_report *r)
{
	const struct pt_plan *p = &r->plan;
	const struct pt_plan_input *in = &r->in;
	struct pt_buf b = { 0 };
	struct pt_json j;
	char t[40];

	pt_json_init(&j, &b);
	pt_json_object_lines(&j, NULL);
	pt_json_str(&j, "domain", r->domain);
	pt_json_str(&j, "type", "MX");
	pt_json_str(&j, "now", utc(t, sizeof(t), in->now_s));
	pt_json_object(&j, "current");
	pt_json_strv(&j, "answer", r->current, r->ncurrent);
	pt_json_uint(&j, "ttl", in->mx_ttl);
	pt_json_end(&j);
	pt_json_strv(&j, "to", r->to, r->nto);
	pt_json_bool(&j, "nothing_to_switch", r->nothing_to_switch);
	pt_json_uint(&j, "low_ttl", in->low_ttl);
	pt_json_object(&j, "dns_host");
	pt_json_bool(&j, "changes", in->dns_host_change);
	pt_json_strv(&j, "ns", r->ns, r->nns);
	pt_json_strv(&j, "new_ns", r->new_ns, r->nnew_ns);
	if (r->ns_known) {
		pt_json_uint(&j, "ns_ttl", in->ns_ttl);
	} else {
		pt_json_null(&j, "ns_ttl");
	}
	pt_json_end(&j);
	pt_json_object(&j, "mta_sts");
	pt_json_bool(&j, "published", in->mta_sts);
	if (in->mta_sts && in->mta_sts_max_age_known) {
		pt_json_uint(&j, "max_age", in->mta_sts_max_age);
	} else {
		pt_json_null(&j, "max_age");
	}
	if (r->sts_policy != NULL) {
		char *mx[PT_MTASTS_MAX_MX];

		pt_json_object(&j, "policy");
		pt_json_str(&j, "mode", r->sts_policy->mode);
		pt_json_uint(&j, "max_age", r->sts_policy->max_age);
		pt_json_strv(&j, "mx", sts_mx(mx, r->sts_policy), r->sts_policy->nmx);
		pt_json_strv(&j, "unmatched", r->sts_unmatched, r->nsts_unmatched);
		pt_json_end(&j);
	} else {
		pt_json_null(&j, "policy");
	}
	pt_json_end(&j);
	pt_json_uint(&j, "retry_s", in->retry_s);
	pt_json_array(&j, "steps", true);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "step", "lower_ttl");
	pt_json_bool(&j, "needed", p->lower_first);
	json_time(&j, "at", "in_s", p->lower_at_s, in->now_s);
	pt_json_uint(&j, "from_ttl", in->mx_ttl);
	pt_json_uint(&j, "to_ttl", p->switch_ttl);
	pt_json_end(&j);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "step", "switch");
	json_time(&j, "at", "in_s", p->switch_at_s, in->now_s);
	pt_json_end(&j);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "step", "new_everywhere");
	json_time(&j, "at", "in_s", p->new_everywhere_s, in->now_s);
	pt_json_end(&j);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "step", "keep_old_until");
	json_time(&j, "at", "in_s", p->keep_old_until_s, in->now_s);
	pt_json_str(&j, "reason", pt_plan_reason_name(p->reasons[p->decisive].kind));
	pt_json_end(&j);
	pt_json_end(&j);
	pt_json_array(&j, "reasons", true);
	for (size_t i = 0; i < p->nreasons; i++) {
		const struct pt_plan_reason *x = &p->reasons[i];

		pt_json_object(&j, NULL);
		pt_json_str(&j, "reason", pt_plan_reason_name(x->kind));
		pt_json_bool(&j, "known", x->known);
		if (x->known) {
			pt_json_uint(&j, "after_switch_s", x->after_switch_s);
			pt_json_str(&j, "until", utc(t, sizeof(t), x->until_s));
		} else {
			pt_json_null(&j, "after_switch_s");
			pt_json_null(&j, "until");
		}
		pt_json_bool(&j, "decides", i == p->decisive);
		pt_json_str(&j, "why", reason_text(x->kind));
		pt_json_end(&j);
	}
	pt_json_end(&j);
	pt_json_end(&j);
	pt_buf_putc(&b, '\n');
	pt_output_flush(out, &b);
}
