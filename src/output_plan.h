/**
 * @file output_plan.h
 * Rendering a cut-over plan (src/plan.h) with the state it was computed from: as steps for
 * people, with UTC times, durations and reasons, or as one JSON object (README "Cut-over
 * plan"). Pure apart from writing to the FILE * given; call from one thread per FILE.
 */
#ifndef PT_OUTPUT_PLAN_H
#define PT_OUTPUT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mtasts.h"
#include "plan.h"

/** What the plan was made from, for the reader. Borrowed strings. */
struct pt_plan_report {
	/** the domain, lower-case absolute */
	const char *domain;
	/** the MX records served now, sorted */
	char *const *current;
	/** number of @ref current */
	size_t ncurrent;
	/** the MX records to switch to, sorted */
	char *const *to;
	/** number of @ref to */
	size_t nto;
	/** the delegation's NS names now (empty when not known) */
	char *const *ns;
	/** number of @ref ns */
	size_t nns;
	/** --new-ns names (empty when the DNS host stays) */
	char *const *new_ns;
	/** number of @ref new_ns */
	size_t nnew_ns;
	/** the delegation (and its NS TTL) was read from the parent */
	bool ns_known;
	/** the zone already serves the @ref to records */
	bool nothing_to_switch;
	/** the input of the plan */
	struct pt_plan_input in;
	/** the plan */
	struct pt_plan plan;
	/** the MTA-STS policy as fetched and parsed, or NULL (none published, or unreadable) */
	const struct pt_mtasts_policy *sts_policy;
	/** the max_age in @ref in came from --mta-sts-max-age (overriding the policy's) */
	bool sts_max_age_given;
	/** the --to hosts no mx line of @ref sts_policy matches */
	char *const *sts_unmatched;
	/** number of @ref sts_unmatched */
	size_t nsts_unmatched;
};

/** The steps for people. */
void pt_output_plan_text(FILE *out, const struct pt_plan_report *r);

/** One JSON object and a newline. */
void pt_output_plan_json(FILE *out, const struct pt_plan_report *r);

#endif /* PT_OUTPUT_PLAN_H */
