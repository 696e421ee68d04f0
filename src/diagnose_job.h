/**
 * @file diagnose_job.h
 * A diagnosis running in the background (the dashboard's `d`): its own engine and thread, so
 * the dashboard keeps drawing while it works and can stop it at once.
 *
 * Threads: the job's thread runs the diagnosis with every signal blocked; the other functions
 * are called from one controlling thread. The result is read only after pt_diag_job_finish()
 * joined the thread.
 */
#ifndef PT_DIAGNOSE_JOB_H
#define PT_DIAGNOSE_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "diagnose.h"

struct pt_engine_config;
struct pt_diag_job;

/**
 * Start diagnosing @p cfg (copied, with the strings and arrays it points to) on a new thread
 * with an engine of @p engine_cfg.
 * @param wake_fd a descriptor to write one byte to when the job is done (-1: none); it must
 *        stay open until pt_diag_job_finish()
 * @return the job or NULL (no memory, no thread). Caller owns; end with pt_diag_job_finish().
 */
struct pt_diag_job *pt_diag_job_start(const struct pt_diagnose_config *cfg,
				      const struct pt_engine_config *engine_cfg, int wake_fd);

/** True once the diagnosis has ended (the result waits for pt_diag_job_finish()). */
bool pt_diag_job_done(const struct pt_diag_job *j);

/** Make a running diagnosis end at once (its queries are cancelled). */
void pt_diag_job_cancel(struct pt_diag_job *j);

/** What the job diagnoses. Borrowed; valid until pt_diag_job_finish(). */
const struct pt_diagnose_config *pt_diag_job_config(const struct pt_diag_job *j);

/** pt_clock time the job started. */
uint64_t pt_diag_job_started(const struct pt_diag_job *j);

/**
 * Wait for the thread, hand over the result and free the job. NULL does nothing.
 * @param[out] out the diagnosis (caller owns; pt_diagnosis_fini()); NULL drops it
 * @return the diagnosis's status (PT_OK, or why it failed).
 */
enum pt_status pt_diag_job_finish(struct pt_diag_job *j, struct pt_diagnosis *out);

#endif /* PT_DIAGNOSE_JOB_H */
