#include "sched.h"

#include "clock.h"

uint64_t pt_sched_next(const struct pt_sched_config *cfg, uint64_t received_ns, long ttl_s,
		       unsigned failures, unsigned spread_ms, unsigned frac_ms)
{
	uint64_t delay;

	if (spread_ms > PT_SCHED_SPREAD_MS) {
		spread_ms = PT_SCHED_SPREAD_MS;
	}
	if (failures > 0) {
		/* min, 2*min, 4*min, ... capped; the shift is bounded so it cannot overflow. */
		unsigned shift = failures - 1 < 20 ? failures - 1 : 20;

		delay = cfg->min_ns << shift;
	} else if (ttl_s >= 0) {
		/* The entry leaves the cache at the latest at the whole second after
		 * receipt + TTL (see sched.h): ask just after that boundary. */
		if (frac_ms > 999) {
			frac_ms = 999;
		}
		delay = (uint64_t)ttl_s * PT_NS_PER_S + (uint64_t)(1000 - frac_ms) * PT_NS_PER_MS +
			(uint64_t)spread_ms * PT_NS_PER_MS;
	} else {
		delay = cfg->min_ns;
	}
	if (delay < cfg->min_ns) {
		delay = cfg->min_ns;
	}
	if (delay > cfg->max_ns) {
		delay = cfg->max_ns;
	}
	return received_ns + delay;
}
