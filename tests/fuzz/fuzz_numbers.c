/*
 * libFuzzer target: durations and numbers on the command line. The input, split at line ends,
 * is the argument vector given to pt_options_parse() (--max-wait, --rate, --timeout,
 * --interval, --min-answered, ... and their values); every option value it accepts must be in
 * its documented range. The first 8 bytes also go through pt_text_duration().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *argv[34], dur[32];
	struct pt_options o;
	int argc = 0;
	FILE *sink;
	uint64_t secs = 0;

	if (size > 2048) {
		return 0;
	}
	for (size_t i = 0; i < 8 && i < size; i++) {
		secs = secs << 8 | data[i];
	}
	pt_text_duration(dur, sizeof(dur), secs);
	copy = malloc(size + 1);
	sink = fopen("/dev/null", "w");
	if (copy == NULL || sink == NULL) {
		free(copy);
		if (sink != NULL) {
			fclose(sink);
		}
		return 0;
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[argc++] = "proptrack";
	for (char *p = copy; argc < 33;) {
		char *nl = strchr(p, '\n');

		argv[argc++] = p;
		if (nl == NULL) {
			break;
		}
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;
	if (pt_options_parse(&o, argc, argv, NULL, sink, sink) < 0) {
		if (o.engine.timeout_ms < 1 || o.engine.timeout_ms > 600000 ||
		    o.engine.retries > 20 || o.interval_s < 0.05 || o.max_interval_s > 86400 ||
		    o.interval_s > o.max_interval_s || o.engine.rate_qps < 0 ||
		    (o.engine.rate_qps > 0 && o.engine.rate_qps < 1.0) || o.max_wait_s < 0 ||
		    o.engine.workers < 1 || o.engine.workers > 64) {
			abort();
		}
	}
	pt_options_fini(&o);
	fclose(sink);
	free(copy);
	return 0;
}
