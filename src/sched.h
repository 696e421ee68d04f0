/**
 * @file sched.h
 * When to ask a resolver again (pure functions, no threads).
 * A resolver cannot change a cached answer before its TTL runs out, so the next poll is
 * just after that moment (plus a small spread so a fleet does not poll in lockstep), within
 * --interval and --max-interval; failures back off exponentially.
 *
 * Resolvers count TTLs in whole seconds of their clock (time(2)): the TTL they report is
 * rounded down, and many (unbound, BIND) still serve the entry with TTL 0 during its last
 * second. The entry is gone for certain at the first whole second after receipt + TTL, so
 * polls are aligned to that boundary of the wall clock: one poll per TTL period, never early.
 */
#ifndef PT_SCHED_H
#define PT_SCHED_H

#include <stdint.h>

/** Most random spread added after a TTL runs out, milliseconds. */
#define PT_SCHED_SPREAD_MS 250

/** Bounds, in nanoseconds. */
struct pt_sched_config {
	/** shortest gap between two polls of one resolver */
	uint64_t min_ns;
	/** longest gap between two polls of one resolver */
	uint64_t max_ns;
};

/**
 * Time of the next poll of one resolver.
 * @param received_ns when the last reply (or final failure) came
 * @param ttl_s the answer's TTL in seconds as the resolver reported it, -1 when none
 * @param failures consecutive failed polls (timeouts, SERVFAIL, REFUSED, errors), 0 after a
 *        usable answer
 * @param spread_ms random spread to add after the TTL, 0..PT_SCHED_SPREAD_MS
 * @param frac_ms milliseconds past the whole wall-clock second at the moment of receipt
 *        (0..999); the poll goes out at the next second boundary after receipt + TTL
 * @return the pt_clock time of the next poll
 */
uint64_t pt_sched_next(const struct pt_sched_config *cfg, uint64_t received_ns, long ttl_s,
		       unsigned failures, unsigned spread_ms, unsigned frac_ms);

#endif /* PT_SCHED_H */
