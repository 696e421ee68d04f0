#include "clock.h"

#include <stdio.h>
#include <time.h>

uint64_t pt_clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * PT_NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t pt_clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / PT_NS_PER_MS;
}

struct timespec pt_clock_after(clockid_t clk, uint64_t ns)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_nsec += (long)(ns % PT_NS_PER_S);
	ts.tv_sec += (time_t)(ns / PT_NS_PER_S) + ts.tv_nsec / (long)PT_NS_PER_S;
	ts.tv_nsec %= (long)PT_NS_PER_S;
	return ts;
}

char *pt_clock_rfc3339(char *buf, size_t size, uint64_t wall_ms)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(wall_ms % 1000));
	return buf;
}
