/* libFuzzer target: any bytes through the resolver list parser, then write and re-read. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolvers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_resolvers *list = pt_resolvers_new();
	struct pt_parse_report rep = { 0 };
	char *buf = NULL;
	size_t len = 0;

	if (list == NULL) {
		return 0;
	}
	pt_resolvers_parse(list, (const char *)data, size, 0, &rep);
	/* Whatever was read must round-trip through the file format unchanged. */
	FILE *out = open_memstream(&buf, &len);

	if (out != NULL) {
		pt_resolvers_write(list, out);
		fclose(out);
		struct pt_resolvers *again = pt_resolvers_new();
		struct pt_parse_report rep2 = { 0 };

		if (again != NULL) {
			pt_resolvers_parse(again, buf, len, 0, &rep2);
			if (pt_resolvers_count(again) != pt_resolvers_count(list) || rep2.ndiags != 0) {
				abort();
			}
			for (size_t i = 0; i < pt_resolvers_count(list); i++) {
				const struct pt_resolver *a = pt_resolvers_get(list, i);
				const struct pt_resolver *b = pt_resolvers_get(again, i);

				if (strcmp(a->address, b->address) != 0 || a->port != b->port ||
				    strcmp(a->label, b->label) != 0 ||
				    strcmp(a->location, b->location) != 0) {
					abort();
				}
			}
		}
		pt_parse_report_fini(&rep2);
		pt_resolvers_free(again);
		free(buf);
	}
	pt_parse_report_fini(&rep);
	pt_resolvers_free(list);
	return 0;
}
