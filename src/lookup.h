/**
 * @file lookup.h
 * Host names of a pasted list, resolved in the background (the dashboard's paste panel). A
 * request is the text of one list entry that names a host ("dns.google Google", with a CSV
 * header line in front when it is a CSV row); a worker parses it with the one list parser
 * (pt_resolvers_parse() with PT_PARSE_RESOLVE_NAMES), so the system resolver's waits never
 * block the screen, and the result is the entry or the parser's reason ("cannot resolve x:
 * ..."). Results are taken in the order they finish.
 *
 * Threads: the workers start with every signal blocked and are detached: pt_lookup_free()
 * returns at once, a worker still inside getaddrinfo() finishes it, finds the job abandoned and
 * frees it. The other functions are called from one controlling thread. One mutex guards the
 * queues and the wake-up descriptor, which is written while it is held (so it is never written
 * after pt_lookup_free()).
 */
#ifndef PT_LOOKUP_H
#define PT_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolvers.h"
#include "status.h"

/** One finished request. */
struct pt_lookup_result {
	/** the caller's id of the request */
	uint64_t id;
	/** the entry was read and its name resolved */
	bool ok;
	/** the entry, when @ref ok */
	struct pt_resolver resolver;
	/** why not, when not @ref ok ("cannot resolve nosuch.example: Name or service not known")
	 */
	char reason[160];
};

struct pt_lookup;

/**
 * Start @p threads workers (1 to 16).
 * @param wake_fd one byte is written to it (non-blocking) when a result is ready; -1: none
 * @return the job or NULL (no memory, no thread). Caller owns; free with pt_lookup_free().
 */
struct pt_lookup *pt_lookup_new(int wake_fd, unsigned threads);

/**
 * Queue the entry text @p text (@p len bytes, copied) under @p id.
 * @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_lookup_add(struct pt_lookup *lk, uint64_t id, const char *text, size_t len);

/**
 * Take the results finished since the last call.
 * @param[out] out caller owns; free(); NULL when none
 * @return how many.
 */
size_t pt_lookup_take(struct pt_lookup *lk, struct pt_lookup_result **out);

/** Requests not finished yet (queued or being resolved). */
size_t pt_lookup_pending(struct pt_lookup *lk);

/** Abandon the job: queued requests are dropped, results never reported. NULL does nothing. */
void pt_lookup_free(struct pt_lookup *lk);

#endif /* PT_LOOKUP_H */
