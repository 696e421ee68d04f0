/**
 * @file clock.h
 * Time sources. Monotonic time drives timeouts, schedules and TTL countdowns and is
 * injectable (pt_clock_fn) so tests advance it by hand; wall time is only printed.
 */
#ifndef PT_CLOCK_H
#define PT_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** Monotonic clock in nanoseconds; injectable for tests. */
typedef uint64_t (*pt_clock_fn)(void);

/** Nanoseconds per second and per millisecond. */
#define PT_NS_PER_S 1000000000ULL
#define PT_NS_PER_MS 1000000ULL

/** The default clock: CLOCK_MONOTONIC in nanoseconds. Thread-safe. */
uint64_t pt_clock_monotonic(void);

/** Wall time, milliseconds since the Unix epoch. */
uint64_t pt_clock_wall_ms(void);

/** The time @p ns nanoseconds from now on clock @p clk (CLOCK_REALTIME, CLOCK_MONOTONIC), as
 * an absolute deadline for pthread_cond_timedwait() on a condition of that clock. */
struct timespec pt_clock_after(clockid_t clk, uint64_t ns);

/** Format @p wall_ms as RFC 3339 UTC with milliseconds ("2026-11-28T17:00:00.000Z"). @return @p
 * buf. */
char *pt_clock_rfc3339(char *buf, size_t size, uint64_t wall_ms);

#endif /* PT_CLOCK_H */
