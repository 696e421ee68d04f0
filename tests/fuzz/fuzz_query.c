/* libFuzzer target: any bytes as a reply to a fixed MX query (hostile DNS replies). */
#include <stddef.h>
#include <stdint.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_answer a;
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;

	/* The ID is taken from the input so the fuzzer can get past the ID check. */
	if (pt_query_parse(&a, data, size, id, "example.com.", 15) == PT_OK) {
		struct pt_answer b;

		if (pt_answer_copy(&b, &a) == PT_OK) {
			pt_answer_fini(&b);
		}
		pt_answer_fini(&a);
	}
	return 0;
}
