/*
 * libFuzzer target: the dashboard's paste panel (ui/paste.c, no curses) fed raw terminal bytes
 * as they arrive: typed keys, bracketed-paste markers (also split across reads), NUL and
 * escape bytes, CR/LF mixes. The input is cut into reads of 1 to 64 bytes (sizes from the
 * input's first byte); lines are parsed in small steps as the dashboard does, every shown line
 * must be free of control characters, and finishing gives a list the parser accepts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paste.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_paste *p;
	struct pt_paste_stats st;
	const struct pt_resolvers *list;
	uint64_t now = 1000000000ULL;
	size_t at = 1, chunk;
	char line[128];

	if (size < 1 || size > 16384 || (p = pt_paste_new(NULL)) == NULL) {
		return 0;
	}
	chunk = 1 + data[0] % 64;
	while (at < size) {
		size_t n = size - at < chunk ? size - at : chunk, used = 0;
		enum pt_paste_event ev = pt_paste_feed(p, data + at, n, now, &used);

		at += used > 0 ? used : n;
		now += 1000000; /* 1 ms between reads */
		while (pt_paste_step(p, 256)) {
		}
		if (ev != PT_PASTE_NONE) {
			break;
		}
		pt_paste_tick(p, now);
	}
	pt_paste_stats(p, &st);
	for (size_t k = 0; k < 4 && pt_paste_line_from_end(p, k, line, sizeof(line)); k++) {
		for (const char *c = line; *c; c++) {
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				abort();
			}
		}
	}
	for (size_t i = 0; i < pt_paste_ndiags(p); i++) {
		(void)pt_paste_diag(p, i);
	}
	pt_paste_clamp_scroll(p, 5);
	pt_paste_finish(p, &list, &st);
	pt_paste_free(p);
	return 0;
}
