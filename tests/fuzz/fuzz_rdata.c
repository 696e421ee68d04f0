/*
 * libFuzzer target: --expect values and RDATA typed into the dashboard: the first byte picks
 * a record type, the rest is presentation text. What pt_rdata_normalise() accepts must be a
 * fixed point (normalising it again gives the same text), and names go through
 * pt_name_normalise() and the zone helpers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t types[] = { 1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 39, 43, 48, 52, 64, 65,
				  99, 255, 256, 257, 65280 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *norm = NULL, name[256], parent[256];
	uint16_t qtype;

	if (size < 1 || size > 4096) {
		return 0;
	}
	qtype = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	text = malloc(size);
	if (text == NULL) {
		return 0;
	}
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (pt_rdata_normalise(&norm, qtype, text) == PT_OK) {
		char *again = NULL;

		if (pt_rdata_normalise(&again, qtype, norm) != PT_OK || strcmp(again, norm) != 0) {
			abort();
		}
		free(again);
		free(norm);
	}
	if (pt_name_normalise(name, sizeof(name), text) == PT_OK) {
		if (!pt_name_in_zone(name, name) || !pt_name_in_zone(name, ".")) {
			abort();
		}
		if (pt_name_parent(name, parent, sizeof(parent)) &&
		    !pt_name_in_zone(name, parent)) {
			abort();
		}
	}
	free(text);
	return 0;
}
