/*
 * libFuzzer target: SMTP replies as a hostile mail server sends them: every CRLF- or
 * LF-terminated line through the multi-line reply reader (RFC 5321 §4.2.1) and the banner
 * cleaner (controls and invalid UTF-8 never reach the output).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024], clean[256];
	size_t at = 0;
	int code = 0;

	while (at < size) {
		size_t n = 0;

		while (at + n < size && data[at + n] != '\n' && n < sizeof(line) - 1) {
			n++;
		}
		memcpy(line, data + at, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r') {
			line[n - 1] = '\0';
		}
		at += n + 1;
		if (pt_smtp_reply_line(line, &code) != 0) {
			code = 0;
		}
		pt_text_clean(clean, sizeof(clean), line, n);
		for (const char *p = clean; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				abort();
			}
		}
	}
	return 0;
}
