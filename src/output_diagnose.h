/**
 * @file output_diagnose.h
 * Rendering a finished MX diagnosis (struct pt_diagnosis) as a table for people or as the
 * contract's JSON object (CONTRACT.md "Diagnosis JSON"). Pure apart from writing to the
 * FILE * given; call from one thread per FILE.
 */
#ifndef PT_OUTPUT_DIAGNOSE_H
#define PT_OUTPUT_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "diagnose.h"

/**
 * The order people read the checks in: failures, then warnings, then passes, then skipped
 * checks, each in the diagnosis's order.
 * @param[out] idx room for d->nchecks indices
 * @return d->nchecks.
 */
size_t pt_output_diagnosis_order(const struct pt_diagnosis *d, size_t *idx);

/**
 * The table: the checks in pt_output_diagnosis_order() (passing and skipped ones only with
 * @p verbose, else counted), each as a line with status, id and subject, then its message,
 * fix and rule wrapped to @p width cells below it; then a summary line.
 * @param color ANSI colours for the status column
 * @param width cells per line; 0 for 80
 */
void pt_output_diagnosis_table(FILE *out, const struct pt_diagnosis *d, bool color, bool verbose,
			       int width);

/** The contract's one JSON object (domain, time, checks, summary) and a newline. */
void pt_output_diagnosis_json(FILE *out, const struct pt_diagnosis *d, uint64_t wall_ms);

#endif /* PT_OUTPUT_DIAGNOSE_H */
