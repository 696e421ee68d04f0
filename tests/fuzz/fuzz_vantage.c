/*
 * libFuzzer target: saved RIPE Atlas and Globalping results (--atlas-results,
 * --globalping-results, and the APIs' answers). The bytes go through both readers (jansson,
 * base64 abufs through the one reply parser) into a state through src/vantage.c, which is then
 * snapshotted: never a crash, a leak or a hang, and every observation becomes a tracked row.
 * The same bytes as a GET /v1/limits answer: read and worded, or refused, never half-read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "atlas.h"
#include "globalping.h"
#include "state.h"
#include "vantage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_state *st = pt_state_new("example.test.", 15, NULL);
	struct pt_vantage_set *vs = pt_vantage_set_new(st, 0);
	struct pt_vantage_report rep;
	struct pt_snapshot *snap;

	if (st == NULL || vs == NULL) {
		abort();
	}
	memset(&rep, 0, sizeof(rep));
	pt_atlas_read((const char *)data, size, "example.test.", 15, pt_vantage_observe_fn, vs,
		      &rep);
	pt_globalping_read((const char *)data, size, "example.test.", 15, pt_vantage_observe_fn, vs,
			   &rep);
	snap = pt_state_snapshot(st);
	if (snap == NULL || snap->nrows != pt_vantage_set_count(vs) ||
	    rep.observations < pt_vantage_set_count(vs)) {
		abort();
	}
	pt_snapshot_free(snap);

	struct pt_vantage_limits l;
	char why[200], text[200];

	if (pt_globalping_limits_read(&l, (const char *)data, size, why, sizeof(why)) == PT_OK) {
		if (!l.known || l.remaining > l.limit) {
			abort();
		}
	} else if (l.known || why[0] == '\0') {
		abort();
	}
	pt_vantage_limits_text(text, sizeof(text), &l);
	pt_vantage_set_free(vs);
	pt_state_free(st);
	return 0;
}
