#include "run_tools.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diagnose.h"
#include "diagnose_job.h"
#include "engine.h"
#include "output.h"
#include "output_diagnose.h"
#include "providers.h"
#include "probe.h"
#include "run_text.h"
#include "safefile.h"
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
				pt_safefile_strerror(errno));
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

/*
 * Wait for the diagnosis; on a terminal, stderr says that it works and for how long (one line,
 * rewritten in place, erased at the end).
 */
static void diagnose_wait(struct pt_diag_job *job, int fd, const struct pt_diagnose_config *cfg)
{
	static const char spin[] = "|/-\\";
	bool show = isatty(STDERR_FILENO);
	unsigned tick = 0;

	while (!pt_diag_job_done(job)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (show) {
			uint64_t secs =
				(pt_clock_monotonic() - pt_diag_job_started(job)) / PT_NS_PER_S;

			fprintf(stderr,
				"\r%c diagnosing %s: asking its name servers, the parent zone and "
				"%zu resolver%s%s (%llus)\033[K",
				spin[tick++ % 4], cfg->domain, cfg->nresolvers,
				cfg->nresolvers == 1 ? "" : "s", cfg->smtp ? ", probing SMTP" : "",
				(unsigned long long)secs);
			fflush(stderr);
		}
		poll(&pfd, 1, 250);
	}
	if (show) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

int pt_run_diagnose(const struct pt_options *o, const struct pt_inputs *in)
{
	struct pt_resolver *res = NULL;
	struct pt_diagnosis d;
	struct pt_diag_job *job = NULL;
	enum pt_status rc;
	int status, wake[2] = { -1, -1 };
	struct pt_providers providers;
	struct pt_diagnose_config cfg = {
		.domain = in->domain,
		.auth = in->auth,
		.nauth = in->nauth,
		.smtp = o->smtp,
		.smtp_port = o->smtp_port,
		.smtp_timeout_ms = o->engine.timeout_ms,
		.providers = &providers,
		.provider = o->provider,
		.ca_file = o->ca_file,
	};

	status = pt_app_providers_load(&providers, o->provider, stderr);
	if (status >= 0) {
		pt_providers_fini(&providers);
		return status;
	}
	cfg.nresolvers = pt_inputs_resolvers(in, &res);
	cfg.resolvers = res;
	if (res != NULL && pipe(wake) == 0) {
		fcntl(wake[0], F_SETFL, fcntl(wake[0], F_GETFL) | O_NONBLOCK);
		fcntl(wake[1], F_SETFL, fcntl(wake[1], F_GETFL) | O_NONBLOCK);
		job = pt_diag_job_start(&cfg, &o->engine, wake[1]);
	}
	if (job == NULL) {
		fprintf(stderr, "proptrack: cannot start: %s\n", strerror(errno));
		free(res);
		pt_providers_fini(&providers);
		for (int i = 0; i < 2; i++) {
			if (wake[i] >= 0) {
				close(wake[i]);
			}
		}
		return PT_EXIT_USAGE;
	}
	diagnose_wait(job, wake[0], &cfg);
	rc = pt_diag_job_finish(job, &d);
	close(wake[0]);
	close(wake[1]);
	free(res);
	pt_providers_fini(&providers);
	if (rc != PT_OK) {
		fprintf(stderr, "proptrack: diagnosis failed: %s\n", pt_strerror(rc));
		return rc == PT_ERR_PARSE ? PT_EXIT_USAGE : PT_EXIT_NOT_CONVERGED;
	}
	if (o->format == PT_FORMAT_JSON) {
		pt_output_diagnosis_json(stdout, &d, pt_clock_wall_ms());
	} else {
		pt_output_diagnosis_table(stdout, &d, o->color && isatty(STDOUT_FILENO), o->verbose,
					  pt_terminal_width());
	}
	status = pt_diagnosis_exit_status(&d);
	pt_diagnosis_fini(&d);
	return status;
}
