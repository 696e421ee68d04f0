/*
 * libFuzzer target: SOA serials. SOA RDATA text (as received, or as an --expect value) through
 * the serial and MINIMUM readers, and RFC 1982 serial arithmetic on the numbers found and on
 * the input's own bytes: pt_serial_cmp() is antisymmetric and a serial equals itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "truth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(uint32_t a, uint32_t b)
{
	int ab = pt_serial_cmp(a, b), ba = pt_serial_cmp(b, a);

	if (pt_serial_cmp(a, a) != 0 || (ab > 0) != (ba < 0) || (ab == 0) != (a == b)) {
		/* RFC 1982 leaves a distance of exactly 2^31 undefined: either answer is fine
		 * as long as it is not "equal" */
		if (!((uint32_t)(a - b) == 0x80000000u && ab != 0 && ba != 0)) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	uint32_t serial = 0, minimum = 0;

	if (size >= 8) {
		check((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 |
			      data[3],
		      (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 |
			      data[7]);
	}
	text = malloc(size + 1);
	if (text == NULL) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (pt_soa_serial_from_rdata(text, &serial) && pt_soa_minimum_from_rdata(text, &minimum)) {
		check(serial, minimum);
	}
	free(text);
	return 0;
}
