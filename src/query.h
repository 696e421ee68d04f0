/**
 * @file query.h
 * DNS messages: build a query, and validate and parse a reply into a plain
 * struct pt_answer. The only module that calls ldns. Pure functions, no I/O,
 * no shared state: safe from any thread.
 */
#ifndef PT_QUERY_H
#define PT_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/** Header flags kept in struct pt_answer.flags, and query options for pt_query_build(). */
enum pt_flag {
	PT_FLAG_AA = 1 << 0, /**< authoritative answer */
	PT_FLAG_TC = 1 << 1, /**< truncated */
	PT_FLAG_RD = 1 << 2, /**< recursion desired */
	PT_FLAG_RA = 1 << 3, /**< recursion available */
	PT_FLAG_AD = 1 << 4, /**< authentic data (DNSSEC validated) */
	PT_FLAG_CD = 1 << 5, /**< checking disabled */
	PT_FLAG_DO = 1 << 6, /**< EDNS DNSSEC OK (query option only) */
};

/** What kind of answer a reply carried. */
enum pt_answer_kind {
	PT_ANSWER_DATA = 0, /**< NOERROR with records of the asked type (after CNAMEs) */
	PT_ANSWER_NODATA,   /**< NOERROR, the name exists but has no record of that type */
	PT_ANSWER_NXDOMAIN, /**< the name does not exist */
	PT_ANSWER_REFERRAL, /**< no answer, NS records in authority (a non-recursive server
			       delegating) */
	PT_ANSWER_RCODE,    /**< any other rcode (SERVFAIL, REFUSED, ...): see rcode */
};

/** A reply reduced to what proptrack compares and shows. Embedded; release with pt_answer_fini().
 */
struct pt_answer {
	/** kind of answer */
	enum pt_answer_kind kind;
	/** DNS rcode (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...) */
	int rcode;
	/** header flags, a mask of enum pt_flag */
	unsigned flags;
	/** records of the asked type, RDATA in presentation form, names lower-case and absolute,
	 *  sorted ascending (strcmp), duplicates removed; NULL when count is 0 */
	char **rdata;
	/** number of @ref rdata */
	size_t count;
	/** smallest TTL of the answer RRset (seconds); for NXDOMAIN/NODATA the negative-caching
	 *  TTL, min(SOA TTL, SOA MINIMUM) from the authority section; TTLs above 2^31-1 read as 0
	 */
	uint32_t ttl;
	/** false when no TTL is known (no records and no SOA in authority) */
	bool has_ttl;
	/** CNAME targets followed from the question name, in order, lower-case absolute; may be
	 * NULL */
	char **cnames;
	/** number of @ref cnames */
	size_t ncnames;
	/** owner of the SOA in the answer or authority section: the zone apex; NULL when absent */
	char *zone;
	/** serial of that SOA */
	uint32_t serial;
	/** true when @ref serial is known */
	bool has_serial;
	/** EDNS extended DNS error info-code (RFC 8914), -1 when absent */
	int ede;
	/** PT_ANSWER_REFERRAL: the NS names of the authority section, lower-case absolute,
	 *  sorted, duplicates removed (the parent's view of a delegation); NULL otherwise */
	char **referral_ns;
	/** number of @ref referral_ns */
	size_t nreferral_ns;
};

/** struct pt_answer carries referral_ns (for code written before it did). */
#define PT_ANSWER_HAS_REFERRAL_NS 1

/**
 * Build a query for @p qname / @p qtype (class IN) with EDNS0 (UDP size 1232).
 * @param[out] wire the message; caller owns, free with free()
 * @param[out] len its length in bytes
 * @param id query ID
 * @param opts mask of PT_FLAG_RD, PT_FLAG_CD, PT_FLAG_DO
 * @return PT_OK, PT_ERR_PARSE for an invalid name, or PT_ERR_NOMEM.
 */
enum pt_status pt_query_build(uint8_t **wire, size_t *len, const char *qname, uint16_t qtype,
			      uint16_t id, unsigned opts);

/**
 * Validate a reply against the query and parse it.
 * A reply must be a response (QR set) with the query's ID and the same question (name compared
 * case-insensitively, type, class IN).
 * @param[out] out filled on PT_OK (caller owns; release with pt_answer_fini()); zeroed otherwise
 * @return PT_OK; PT_ERR_DNS when it is not the reply to this query (wrong ID or question: drop it);
 *         PT_ERR_PARSE when the message is malformed; PT_ERR_NOMEM.
 */
enum pt_status pt_query_parse(struct pt_answer *out, const uint8_t *wire, size_t len, uint16_t id,
			      const char *qname, uint16_t qtype);

/** Release what @p a holds and zero it. NULL does nothing. */
void pt_answer_fini(struct pt_answer *a);

/** Deep copy @p src into @p dst. @return PT_OK or PT_ERR_NOMEM (dst zeroed). */
enum pt_status pt_answer_copy(struct pt_answer *dst, const struct pt_answer *src);

/** True when both have the same kind and the same RDATA set (TTLs and flags ignored). */
bool pt_answer_same(const struct pt_answer *a, const struct pt_answer *b);

/**
 * Record type number for a name ("MX", "mx", "TYPE65"). @return the number or 0 when unknown.
 */
uint16_t pt_rrtype_from_name(const char *name);

/** Name of a record type into @p buf ("MX", "TYPE65534"). @return @p buf. */
char *pt_rrtype_name(uint16_t type, char *buf, size_t size);

/** Name of an rcode ("NOERROR", "SERVFAIL", "RCODE12"). @return a static string or @p buf. */
const char *pt_rcode_name(int rcode, char *buf, size_t size);

/**
 * Check and normalise a domain name to lower-case absolute form ("Example.COM" -> "example.com.").
 * @return PT_OK or PT_ERR_PARSE (empty label, label > 63, name > 255 octets, bad escape).
 */
enum pt_status pt_name_normalise(char *out, size_t size, const char *name);

/**
 * Normalise one RDATA in presentation form for @p qtype the way pt_query_parse() prints it
 * (used for --expect and dashboard input): "10 MX1.Example.com" -> "10 mx1.example.com.".
 * Relative names are made absolute against the root.
 * @param[out] out caller owns; free with free()
 * @return PT_OK, PT_ERR_PARSE when ldns cannot read it, PT_ERR_NOMEM.
 */
enum pt_status pt_rdata_normalise(char **out, uint16_t qtype, const char *text);

/** Read the SOA serial (third field) from SOA RDATA text. @return true when found. */
bool pt_soa_serial_from_rdata(const char *rdata, uint32_t *serial);

#endif /* PT_QUERY_H */
