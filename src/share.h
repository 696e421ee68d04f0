/**
 * @file share.h
 * Small things several modules share, written once: the reference count of an immutable
 * object that threads share (taken with a relaxed increment, dropped with acquire-release so
 * the last holder sees every write before it frees), the one hash of bytes (FNV-1a) for the
 * hash tables and the keys of recent answers, and the threads' names and start (signals
 * blocked). Header only, no state.
 */
#ifndef PT_SHARE_H
#define PT_SHARE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>

/** Take one more reference (the caller holds one, or the lock references are taken under). */
static inline void pt_ref_take(atomic_size_t *refs)
{
	atomic_fetch_add_explicit(refs, 1, memory_order_relaxed);
}

/** Drop one reference. @return true when it was the last: the caller frees the object. */
static inline bool pt_ref_drop(atomic_size_t *refs)
{
	return atomic_fetch_sub_explicit(refs, 1, memory_order_acq_rel) == 1;
}

/** The caller's reference is the only one (it may change the object in place, when no other
 *  reference can be taken meanwhile). */
static inline bool pt_ref_alone(atomic_size_t *refs)
{
	return atomic_load_explicit(refs, memory_order_acquire) == 1;
}

/** FNV-1a's starting value. */
#define PT_HASH_INIT 14695981039346656037ULL

/** FNV-1a of @p n bytes at @p p, going on from @p h (PT_HASH_INIT to start). */
static inline uint64_t pt_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * 1099511628211ULL;
	}
	return h;
}

/** Name the calling thread @p name (15 bytes at most): what top -H and perf show. */
static inline void pt_thread_name(const char *name)
{
	prctl(PR_SET_NAME, name);
}

/** Start @p fn(@p arg) on a new thread (@p attr as pthread_create() takes it) with every
 *  signal blocked: SIGINT, SIGTERM, SIGHUP and SIGWINCH reach the main thread only. The
 *  caller's mask is as it was when this returns. @return pthread_create()'s result. */
static inline int pt_thread_start(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
				  void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

#endif
