#include "output_diagnose.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json.h"
#include "output.h"
#include "text.h"

static const char *pt_status_color(enum pt_check_status s)
{
	switch (s) {
	case PT_CHECK_PASS:
		return "\033[32m";
	case PT_CHECK_WARN:
		return "\033[33m";
	case PT_CHECK_FAIL:
		return "\033[1;31m";
	default:
		return "\033[2m";
	}
}

size_t pt_output_diagnosis_order(const struct pt_diagnosis *d, size_t *idx)
{
	static const enum pt_check_status order[] = { PT_CHECK_FAIL, PT_CHECK_WARN, PT_CHECK_PASS,
						      PT_CHECK_SKIP };
	size_t n = 0;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (size_t i = 0; i < d->nchecks; i++) {
			if (d->checks[i].status == order[k]) {
				idx[n++] = i;
			}
		}
	}
	return n;
}

/* @p text wrapped to @p width cells, every line indented by @p indent spaces. */
static void put_wrapped(FILE *out, const char *prefix, const char *text, int indent, int width)
{
	char first[600];
	const char *p = first;

	snprintf(first, sizeof(first), "%s%s", prefix, text);
	while (*p) {
		size_t skip, n = pt_output_wrap(p, width - indent, &skip);

		p += skip;
		if (n == 0) {
			break;
		}
		fprintf(out, "%*s%.*s\n", indent, "", (int)n, p);
		p += n;
	}
}

void pt_output_diagnosis_table(FILE *out, const struct pt_diagnosis *d, bool color, bool verbose,
			       int width)
{
	size_t *idx = malloc((d->nchecks ? d->nchecks : 1) * sizeof(*idx));
	size_t n, hidden = 0;
	int idw = 2;

	if (width <= 0) {
		width = 80;
	}
	if (idx == NULL) {
		fprintf(out, "proptrack: out of memory\n");
		return;
	}
	n = pt_output_diagnosis_order(d, idx);
	for (size_t i = 0; i < d->nchecks; i++) {
		int w = (int)strlen(d->checks[i].id);

		idw = w > idw ? w : idw;
	}
	fprintf(out, "MX diagnosis for %s\n", d->domain);
	for (size_t k = 0; k < n; k++) {
		const struct pt_check *c = &d->checks[idx[k]];
		char subject[256];
		bool shown_fix = c->status == PT_CHECK_WARN || c->status == PT_CHECK_FAIL;
		int room = width - 6 - 1 - idw - 1;

		if (!verbose && (c->status == PT_CHECK_PASS || c->status == PT_CHECK_SKIP)) {
			hidden++;
			continue;
		}
		pt_text_fit(subject, sizeof(subject), c->subject, room > 16 ? room : 16, false);
		fputc('\n', out);
		if (color) {
			fprintf(out, "%s%-6s\033[0m", pt_status_color(c->status),
				pt_check_status_name(c->status));
		} else {
			fprintf(out, "%-6s", pt_check_status_name(c->status));
		}
		fprintf(out, " %-*s %s\n", idw, c->id, subject);
		put_wrapped(out, "", c->message, 7, width);
		if (*c->fix && shown_fix) {
			put_wrapped(out, "fix: ", c->fix, 7, width);
		}
		if (*c->rfc && shown_fix) {
			fprintf(out, "       [%s]\n", c->rfc);
		}
	}
	free(idx);
	fprintf(out, "\n%zu pass, %zu warn, %zu fail, %zu skip", d->summary[PT_CHECK_PASS],
		d->summary[PT_CHECK_WARN], d->summary[PT_CHECK_FAIL], d->summary[PT_CHECK_SKIP]);
	if (hidden > 0) {
		fprintf(out, "\n(%zu passing or skipped check%s not listed; --verbose lists them)",
			hidden, hidden == 1 ? "" : "s");
	}
	fputc('\n', out);
}

void pt_output_diagnosis_json(FILE *out, const struct pt_diagnosis *d, uint64_t wall_ms)
{
	struct pt_buf b = { 0 };
	struct pt_json j;
	char when[40];

	pt_json_init(&j, &b);
	pt_json_object(&j, NULL);
	pt_json_str(&j, "domain", d->domain);
	pt_json_str(&j, "time", pt_clock_rfc3339(when, sizeof(when), wall_ms));
	pt_json_array(&j, "checks", true);
	for (size_t i = 0; i < d->nchecks; i++) {
		const struct pt_check *c = &d->checks[i];

		pt_json_object(&j, NULL);
		pt_json_str(&j, "id", c->id);
		pt_json_str(&j, "status", pt_check_status_name(c->status));
		pt_json_str(&j, "subject", c->subject);
		pt_json_str(&j, "message", c->message);
		pt_json_str(&j, "fix", c->fix);
		pt_json_str(&j, "rfc", c->rfc);
		pt_json_raw(&j, "data", c->data_json);
		pt_json_end(&j);
	}
	pt_json_end(&j);
	pt_json_object(&j, "summary");
	for (int st = 0; st < PT_CHECK_STATUS_COUNT; st++) {
		pt_json_uint(&j, pt_check_status_name((enum pt_check_status)st), d->summary[st]);
	}
	pt_json_end(&j);
	pt_json_end(&j);
	pt_buf_putc(&b, '\n');
	pt_output_flush(out, &b);
}
