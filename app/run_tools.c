#include "run_tools.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diagnose.h"
#include "engine.h"
#include "output.h"
#include "output_diagnose.h"
#include "probe.h"
#include "verdict.h"

int pt_run_check(const struct pt_options *o, const struct pt_inputs *in)
{
	struct pt_engine *engine = pt_engine_new(&o->engine, NULL);
	struct pt_probe_result *res = NULL;
	struct pt_resolvers *good;
	size_t n = pt_resolvers_count(in->list), usable = 0;
	struct pt_net net;
	int status;

	if (engine == NULL) {
		fprintf(stderr, "proptrack: cannot start: %s\n", strerror(errno));
		return PT_EXIT_USAGE;
	}
	net = pt_engine_net(engine);
	if (pt_probe_run(&res, &net, in->list) != PT_OK) {
		fprintf(stderr, "proptrack: out of memory\n");
		pt_engine_free(engine);
		return PT_EXIT_NOT_CONVERGED;
	}
	pt_engine_free(engine);
	pt_output_probe(stdout, res, n, o->format == PT_FORMAT_JSON);
	status = pt_probe_exit_status(res, n);
	good = pt_resolvers_new();
	for (size_t i = 0; good != NULL && i < n; i++) {
		if (res[i].status == PT_PROBE_RECURSIVE) {
			usable++;
			pt_resolvers_add(good, &res[i].resolver, NULL);
		}
	}
	if (o->write_path != NULL) {
		if (good == NULL || pt_resolvers_save(good, o->write_path, true) != PT_OK) {
			fprintf(stderr, "proptrack: --write %s: %s\n", o->write_path,
				strerror(errno));
			status = PT_EXIT_USAGE;
		} else {
			fprintf(stderr, "proptrack: wrote %zu usable resolvers to %s\n", usable,
				o->write_path);
		}
	}
	pt_resolvers_free(good);
	free(res);
	return status;
}

int pt_run_diagnose(const struct pt_options *o, const struct pt_inputs *in)
{
	struct pt_engine *engine = pt_engine_new(&o->engine, NULL);
	struct pt_resolver *res = NULL;
	struct pt_diagnosis d;
	struct pt_net net;
	enum pt_status rc;
	int status;
	struct pt_diagnose_config cfg = {
		.domain = in->domain,
		.auth = in->auth,
		.nauth = in->nauth,
		.smtp = o->smtp,
		.smtp_port = o->smtp_port,
	};

	cfg.nresolvers = pt_inputs_resolvers(in, &res);
	cfg.resolvers = res;
	if (engine == NULL || res == NULL) {
		fprintf(stderr, "proptrack: cannot start: %s\n", strerror(errno));
		pt_engine_free(engine);
		free(res);
		return PT_EXIT_USAGE;
	}
	net = pt_engine_net(engine);
	rc = pt_diagnose_run(&d, &net, &cfg);
	pt_engine_free(engine);
	free(res);
	if (rc != PT_OK) {
		fprintf(stderr, "proptrack: diagnosis failed: %s\n", pt_strerror(rc));
		return rc == PT_ERR_PARSE ? PT_EXIT_USAGE : PT_EXIT_NOT_CONVERGED;
	}
	if (o->format == PT_FORMAT_JSON) {
		pt_output_diagnosis_json(stdout, &d, pt_clock_wall_ms());
	} else {
		pt_output_diagnosis_table(stdout, &d, o->color && isatty(STDOUT_FILENO));
	}
	status = pt_diagnosis_exit_status(&d);
	pt_diagnosis_fini(&d);
	return status;
}
