#include "output_diagnose.h"

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

void pt_output_diagnosis_table(FILE *out, const struct pt_diagnosis *d, bool color)
{
	int idw = 2, subw = 7;

	for (size_t i = 0; i < d->nchecks; i++) {
		int w = (int)strlen(d->checks[i].id);
		int s = pt_text_width(d->checks[i].subject);

		idw = w > idw ? w : idw;
		subw = s > subw ? s : subw;
	}
	subw = subw > 40 ? 40 : subw;
	fprintf(out, "MX diagnosis for %s\n\n", d->domain);
	fprintf(out, "%-6s %-*s %-*s %s\n", "STATUS", idw, "CHECK", subw, "SUBJECT", "MESSAGE");
	for (size_t i = 0; i < d->nchecks; i++) {
		const struct pt_check *c = &d->checks[i];
		char subject[256];
		int pad;

		pt_text_fit(subject, sizeof(subject), c->subject, subw, false);
		pad = subw - pt_text_width(subject);
		if (color) {
			fprintf(out, "%s%-6s\033[0m", pt_status_color(c->status),
				pt_check_status_name(c->status));
		} else {
			fprintf(out, "%-6s", pt_check_status_name(c->status));
		}
		fprintf(out, " %-*s %s%*s %s", idw, c->id, subject, pad > 0 ? pad : 0, "",
			c->message);
		if (*c->rfc && c->status != PT_CHECK_PASS && c->status != PT_CHECK_SKIP) {
			fprintf(out, " [%s]", c->rfc);
		}
		fputc('\n', out);
		if (*c->fix && (c->status == PT_CHECK_WARN || c->status == PT_CHECK_FAIL)) {
			fprintf(out, "%*s fix: %s\n", 6 + 1 + idw, "", c->fix);
		}
	}
	fprintf(out, "\n%zu pass, %zu warn, %zu fail, %zu skip\n", d->summary[PT_CHECK_PASS],
		d->summary[PT_CHECK_WARN], d->summary[PT_CHECK_FAIL], d->summary[PT_CHECK_SKIP]);
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
