/*
 * proptrack: read the options, decide the mode once, load the inputs, and run the mode with
 * only what it needs. Every exit status comes from src/verdict.c's codes.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dashboard.h"
#include "inputs.h"
#include "options.h"
#include "run_dashboard.h"
#include "run_plan.h"
#include "run_replay.h"
#include "run_text.h"
#include "run_tools.h"

int main(int argc, char **argv)
{
	struct pt_options o;
	struct pt_inputs in;
	enum pt_mode mode;
	int status = pt_options_parse(&o, argc, argv, getenv("NO_COLOR"), stdout, stderr);

	memset(&in, 0, sizeof(in));
	if (status >= 0) {
		goto out;
	}
	/* the dashboard needs a terminal to paint on and one to read keys from (standard input,
	 * else /dev/tty); without, the text modes apply */
	mode = pt_options_mode(&o, isatty(STDOUT_FILENO));
	if (mode == PT_MODE_DASHBOARD && !pt_dashboard_has_terminal()) {
		mode = pt_options_mode(&o, false);
	}
	if (mode == PT_MODE_REPLAY) {
		/* the log holds the domain, the type and the resolvers: no inputs to load */
		status = pt_run_replay(&o, isatty(STDOUT_FILENO));
		goto out;
	}
	status = pt_inputs_load(&in, &o, stderr);
	if (status >= 0) {
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	switch (mode) {
	case PT_MODE_DIAGNOSE:
		status = pt_run_diagnose(&o, &in);
		break;
	case PT_MODE_CHECK:
		status = pt_run_check(&o, &in);
		break;
	case PT_MODE_PLAN:
		status = pt_run_plan(&o, &in);
		break;
	case PT_MODE_DASHBOARD:
		status = pt_run_dashboard(&o, &in);
		break;
	default:
		status = pt_run_text(&o, &in, mode);
		break;
	}
out:
	pt_inputs_fini(&in);
	pt_options_fini(&o);
	return status;
}
