/*
 * libFuzzer target: the mail-side readers of hostile text. The input goes through the
 * MTA-STS record and policy parsers (a policy is an HTTPS body from anyone), the SPF record
 * readers (target list and the lookup count, every name resolving to the input itself: a loop
 * that must stop), the TXT presentation reader, and the TLSA reader.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dane.h"
#include "mtasts.h"
#include "query.h"
#include "spf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *self;

static enum pt_spf_found get(void *ctx, const char *name, const char **text)
{
	(void)ctx;
	(void)name;
	*text = self;
	return PT_SPF_FOUND;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_mtasts_policy *pol = malloc(sizeof(*pol));
	struct pt_spf_eval *e = malloc(sizeof(*e));
	struct pt_tlsa *t = malloc(sizeof(*t));
	char *text = malloc(size + 1), id[40], why[128], joined[4096], targets[8][256];

	if (!pol || !e || !t || !text) {
		abort();
	}
	memcpy(text, data, size);
	text[size] = '\0';
	pt_mtasts_record(text, id, sizeof(id), why, sizeof(why));
	if (pt_mtasts_parse(text, pol, why, sizeof(why))) {
		if (pol->nmx > PT_MTASTS_MAX_MX || pol->max_age > PT_MTASTS_MAX_AGE) {
			abort();
		}
		pt_mtasts_policy_match(pol, "mx.example.");
	}
	pt_spf_targets(text, targets, 8);
	self = text;
	pt_spf_evaluate(e, text, get, NULL);
	if (e->ntargets > PT_SPF_MAX_TARGETS) {
		abort();
	}
	if (pt_txt_join(text, joined, sizeof(joined)) == PT_OK && strlen(joined) >= sizeof(joined)) {
		abort();
	}
	if (pt_tlsa_parse(text, t) && t->len > sizeof(t->data)) {
		abort();
	}
	free(pol);
	free(e);
	free(t);
	free(text);
	return 0;
}
