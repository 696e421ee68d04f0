/**
 * @file mtasts.h
 * MTA-STS (RFC 8461), pure: the _mta-sts TXT record (§3.1), the policy file (§3.2) and the
 * matching of MX hosts with its mx patterns (§4.1). The policy itself is fetched by the
 * diagnosis through src/http.c. No state, no I/O.
 */
#ifndef PT_MTASTS_H
#define PT_MTASTS_H

#include <stdbool.h>
#include <stddef.h>

/** RFC 8461 §3.2: the largest max_age (31557600 s, about a year). */
#define PT_MTASTS_MAX_AGE 31557600UL
/** mx lines kept from one policy. */
#define PT_MTASTS_MAX_MX 32

/**
 * Read a TXT record's text as an MTA-STS record: "v=STSv1" first, then "id=" of 1 to 32
 * letters and digits (§3.1). @param id the id on success
 * @return true when it is a valid record; false otherwise (@p why says why when it starts
 *         with "v=STSv1", else is "")
 */
bool pt_mtasts_record(const char *text, char *id, size_t idsize, char *why, size_t whysize);

/** A parsed policy. */
struct pt_mtasts_policy {
	/** "enforce", "testing" or "none" */
	char mode[16];
	/** max_age in seconds */
	unsigned long max_age;
	/** mx patterns, lower-case, without a trailing dot */
	char mx[PT_MTASTS_MAX_MX][256];
	/** number of @ref mx */
	size_t nmx;
};

/**
 * Parse a policy body (§3.2: "key: value" lines ending in CRLF or LF). version must be
 * STSv1, mode one of the three, max_age a number up to PT_MTASTS_MAX_AGE, and mx present
 * unless mode is none.
 * @return true when valid; else false and @p why says what is wrong
 */
bool pt_mtasts_parse(const char *body, struct pt_mtasts_policy *out, char *why, size_t whysize);

/** True when MX host @p host (any case, trailing dot or not) matches @p pattern: exactly, or
 *  "*.example.com" matching one more leftmost label (§4.1). */
bool pt_mtasts_match(const char *pattern, const char *host);

/** Index of the first mx pattern of @p p that @p host matches, or -1. */
long pt_mtasts_policy_match(const struct pt_mtasts_policy *p, const char *host);

#endif /* PT_MTASTS_H */
