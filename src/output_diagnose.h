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
 * The table: one line per check (status, id, subject, message), the fix indented below each
 * check that did not pass, then a summary line.
 * @param color ANSI colours for the status column
 */
void pt_output_diagnosis_table(FILE *out, const struct pt_diagnosis *d, bool color);

/** The contract's one JSON object (domain, time, checks, summary) and a newline. */
void pt_output_diagnosis_json(FILE *out, const struct pt_diagnosis *d, uint64_t wall_ms);

#endif /* PT_OUTPUT_DIAGNOSE_H */
