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
	PT_FLAG_AA = 1 << 0,	/**< authoritative answer */
	PT_FLAG_TC = 1 << 1,	/**< truncated */
	PT_FLAG_RD = 1 << 2,	/**< recursion desired */
	PT_FLAG_RA = 1 << 3,	/**< recursion available */
	PT_FLAG_AD = 1 << 4,	/**< authentic data (DNSSEC validated) */
	PT_FLAG_CD = 1 << 5,	/**< checking disabled */
	PT_FLAG_DO = 1 << 6,	/**< EDNS DNSSEC OK (query option only) */
	PT_FLAG_NSID = 1 << 7,	/**< ask for the server's NSID (RFC 5001; query option only) */
	PT_FLAG_CHAOS = 1 << 8, /**< class CH instead of IN (id.server, hostname.bind; query
				   option only): the answer's rdata are the TXT strings */
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

/** EDE options kept per reply; more are counted (struct pt_ede_list.more), not kept. */
#define PT_EDE_MAX 4

/** One Extended DNS Error option (RFC 8914). Value type inside struct pt_ede_list. */
struct pt_ede {
	/** INFO-CODE */
	uint16_t code;
	/** EXTRA-TEXT cleaned for display (pt_text_clean()); NULL when empty. Points into the
	 *  list's own allocation. */
	const char *text;
};

/** The EDE options of one reply: a single allocation holding the items and their text.
 *  Owned by its struct pt_answer; copied by pt_answer_copy(), freed by pt_answer_fini(). */
struct pt_ede_list {
	/** bytes of the whole allocation */
	size_t size;
	/** options in @ref item (1 .. PT_EDE_MAX) */
	unsigned count;
	/** further EDE options of the reply past PT_EDE_MAX: counted, not kept */
	unsigned more;
	/** the options in reply order */
	struct pt_ede item[];
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
	/** EDNS extended DNS error info-code (RFC 8914) of the reply's first EDE option (the
	 *  same as edes->item[0].code), -1 when absent */
	int ede;
	/** PT_ANSWER_REFERRAL: the NS names of the authority section, lower-case absolute,
	 *  sorted, duplicates removed (the parent's view of a delegation); NULL otherwise */
	char **referral_ns;
	/** number of @ref referral_ns */
	size_t nreferral_ns;
	/** PT_ANSWER_REFERRAL: the delegated zone (owner of the NS records), lower-case
	 *  absolute; NULL otherwise */
	char *referral_zone;
	/** PT_ANSWER_REFERRAL: the smallest TTL of the delegation's NS records */
	uint32_t referral_ttl;
	/** PT_ANSWER_REFERRAL: glue from the additional section, "NAME ADDRESS" for each A and
	 *  AAAA record whose owner is one of @ref referral_ns, sorted; NULL when none */
	char **glue;
	/** number of @ref glue */
	size_t nglue;
	/** the server's NSID (RFC 5001) as dig shows it: its text when every octet is printable
	 *  ASCII, else lower-case hex; NULL when the reply had no NSID option */
	char *nsid;
	/** every EDE option of the reply (RFC 8914 allows several), in reply order: one
	 *  allocation, owned; NULL when the reply had none (the common case costs a pointer) */
	struct pt_ede_list *edes;
	/** the reply carried an EDNS Client Subnet option (RFC 7871) */
	bool has_ecs;
	/** with @ref has_ecs: its SCOPE PREFIX-LENGTH (0: the answer is valid for every subnet,
	 *  the resolver did not use the one we sent) */
	uint8_t ecs_scope;
	/** the reply carried an EDE option: @ref ede is its code (answers built by hand, with
	 *  ede 0, carry none) */
	bool has_ede;
};

/** An EDNS Client Subnet to send (RFC 7871). Value type; family 0 = none. */
struct pt_ecs {
	/** 1 IPv4, 2 IPv6 (the RFC's FAMILY), 0 for no option */
	uint8_t family;
	/** SOURCE PREFIX-LENGTH */
	uint8_t prefix;
	/** the address, only the first ceil(prefix/8) octets are sent (the rest zero) */
	uint8_t addr[16];
};

/**
 * Read "192.0.2.0/24" or "2001:db8::/48" (a bare address takes /32 or /128; host bits
 * past the prefix are cleared). @return PT_OK or PT_ERR_PARSE.
 */
enum pt_status pt_ecs_parse(struct pt_ecs *out, const char *text);

/** "192.0.2.0/24" for @p e ("" for none). @return @p buf. */
char *pt_ecs_text(char *buf, size_t size, const struct pt_ecs *e);

/**
 * The NSID payload @p data (@p len octets) for people, as dig prints it: the text when every
 * octet is printable ASCII, else lower-case hex digits. @return @p buf (cut to @p size).
 */
char *pt_nsid_text(char *buf, size_t size, const uint8_t *data, size_t len);

/** The header flags of @p flags (PT_FLAG_AA to PT_FLAG_CD) as the JSON "flags" member writes
 *  them: "aa rd ra", in that order, one space apart; "" for none. @return @p buf (at least
 *  PT_FLAGS_TEXT_MAX octets). */
#define PT_FLAGS_TEXT_MAX 18
char *pt_flags_text(char buf[PT_FLAGS_TEXT_MAX], unsigned flags);

/** The header flags named in @p text, as pt_flags_text() writes them (each a whole word;
 *  anything else is ignored). */
unsigned pt_flags_parse(const char *text);

/** Name of an Extended DNS Error info-code (RFC 8914 §4 and the IANA registry): "Stale
 *  Answer", "DNSSEC Bogus", ...; "Unknown" for codes without one. Static string. */
const char *pt_ede_name(int code);

/** RFC 8914 info-code 3: the resolver answered from expired cache (RFC 8767). */
#define PT_EDE_STALE 3

/** True when one of @p a's EDE options (kept ones) has info-code @p code. */
bool pt_answer_has_ede(const struct pt_answer *a, int code);

/**
 * Give @p a the EDE options @p codes / @p texts (@p n of them, in order; a NULL or empty
 * text is none; texts are cleaned again), replacing any it had, and @p more options counted
 * past them; also sets a->ede and a->has_ede. Only the first PT_EDE_MAX are kept, the rest
 * add to more. For answers read back from a log (--replay) and for tests.
 * @return PT_OK, or PT_ERR_NOMEM (a is then left without EDE).
 */
enum pt_status pt_answer_set_edes(struct pt_answer *a, const int *codes, const char *const *texts,
				  size_t n, unsigned more);

/** How a query ended. */
enum pt_reply_result {
	PT_REPLY_OK = 0,      /**< a valid reply; see answer */
	PT_REPLY_TIMEOUT,     /**< no valid reply after every try */
	PT_REPLY_MALFORMED,   /**< only malformed replies came from the server */
	PT_REPLY_UNREACHABLE, /**< the network said no: ICMP port unreachable, TCP reset, no route
			       */
	PT_REPLY_LOCAL_ERROR, /**< could not send at all (socket limits, bad address family) */
};

/** The outcome of one query. Embedded; release with pt_reply_fini(). */
struct pt_reply {
	/** how it ended */
	enum pt_reply_result result;
	/** the parsed answer when result is PT_REPLY_OK; zeroed otherwise */
	struct pt_answer answer;
	/** round-trip time of the try that was answered, milliseconds */
	double rtt_ms;
	/** pt_clock time the reply arrived (or the query gave up), nanoseconds */
	uint64_t received_ns;
	/** tries sent (1 + retries used) */
	unsigned tries;
	/** true when the answer came over TCP */
	bool via_tcp;
	/** replies dropped as not ours (wrong ID, question or malformed) */
	unsigned dropped;
	/** errno of the last failure for UNREACHABLE / LOCAL_ERROR, else 0 */
	int err;
	/** the EDNS Client Subnet the query carried (family 0: none); set by the driver */
	struct pt_ecs ecs_sent;
};

/** Release what @p r holds. NULL does nothing. */
void pt_reply_fini(struct pt_reply *r);

/**
 * Build a query for @p qname / @p qtype (class IN) with EDNS0 (UDP size 1232).
 * @param[out] wire the message; caller owns, free with free()
 * @param[out] len its length in bytes
 * @param id query ID
 * @param opts mask of PT_FLAG_RD, PT_FLAG_CD, PT_FLAG_AD, PT_FLAG_DO, PT_FLAG_NSID,
 *        PT_FLAG_CHAOS
 * @return PT_OK, PT_ERR_PARSE for an invalid name, or PT_ERR_NOMEM.
 */
enum pt_status pt_query_build(uint8_t **wire, size_t *len, const char *qname, uint16_t qtype,
			      uint16_t id, unsigned opts);

struct ldns_struct_rdf;

/** A query prepared once per (name, type, options) and stamped per try. Embedded; release
 *  with pt_query_wire_fini(). */
struct pt_query_wire {
	/** the message with ID 0, as pt_query_build() makes it; owned */
	uint8_t *wire;
	/** its length in bytes */
	size_t len;
	/** length of the question name in wire form; it starts right after the header */
	size_t name_len;
	/** the question name as ldns holds it, for pt_query_parse_wire(); owned */
	struct ldns_struct_rdf *name;
};

/** Header length: the question name starts at this offset of every query. */
#define PT_QUERY_NAME_OFF 12

/**
 * Prepare the query for @p qname / @p qtype / @p opts once (ldns builds it, as
 * pt_query_build()). @return as pt_query_build(); @p out is zeroed on failure.
 */
enum pt_status pt_query_prepare(struct pt_query_wire *out, const char *qname, uint16_t qtype,
				unsigned opts);

/**
 * As pt_query_prepare(), with an EDNS Client Subnet option from @p ecs (NULL or family 0:
 * none).
 */
enum pt_status pt_query_prepare_ecs(struct pt_query_wire *out, const char *qname, uint16_t qtype,
				    unsigned opts, const struct pt_ecs *ecs);

/** Release what @p q holds. NULL does nothing. */
void pt_query_wire_fini(struct pt_query_wire *q);

/**
 * Copy the prepared query into @p dst (room for q->len bytes) with ID @p id and, unless
 * @p case_seed is 0, the letters of the question name in a case drawn from @p case_seed
 * (0x20 randomisation: a forger must guess it too, when the server echoes the question).
 */
void pt_query_stamp(uint8_t *dst, const struct pt_query_wire *q, uint16_t id, uint32_t case_seed);

/**
 * Does @p reply, already accepted by pt_query_parse() for the query stamped with
 * @p case_seed, repeat the question name byte for byte (the server echoes case)?
 * False also when the reply carries no question.
 */
bool pt_query_case_echoed(const uint8_t *reply, size_t len, const struct pt_query_wire *q,
			  uint32_t case_seed);

/**
 * Can an echo of the name stamped with @p case_seed prove that a server echoes case? Only when
 * the name as sent mixes upper- and lower-case letters: a name that went out in one case comes
 * back the same from a server that lower-cases (or upper-cases) every question.
 */
bool pt_query_case_proves(const struct pt_query_wire *q, uint32_t case_seed);

/**
 * Validate a reply against the query and parse it.
 * A reply must be a response (QR set) with the query's ID and the same question (name compared
 * case-insensitively, type, class IN), and pass the strict walk of src/wire.h (every RDLENGTH
 * consumed exactly, compression pointers only backwards, at most one OPT, nothing trailing,
 * no TC over TCP) before ldns parses it.
 * @param tcp the message came over TCP (where TC=1 is malformed)
 * @param[out] out filled on PT_OK (caller owns; release with pt_answer_fini()); zeroed otherwise
 * @return PT_OK; PT_ERR_DNS when it is not the reply to this query (wrong ID, QR clear, wrong
 *         question: drop it); PT_ERR_PARSE when our reply is malformed; PT_ERR_NOMEM.
 */
enum pt_status pt_query_parse(struct pt_answer *out, const uint8_t *wire, size_t len, uint16_t id,
			      const char *qname, uint16_t qtype, bool tcp);

/**
 * Parse a reply someone else received, given as base64 wire format (a RIPE Atlas result's
 * abuf), through pt_query_parse() with the reply's own ID: the same checks (a response, the
 * question @p qname / @p qtype, the strict walk) and the same answer.
 * @return as pt_query_parse(); PT_ERR_PARSE also for text that is not base64.
 */
enum pt_status pt_query_parse_b64(struct pt_answer *out, const char *b64, const char *qname,
				  uint16_t qtype);

/** Sort @p a's RDATA ascending (strcmp) and drop duplicates, as pt_query_parse() leaves them
 *  (for answers read from elsewhere: a probe's answers list). */
void pt_answer_sort_rdata(struct pt_answer *a);

/**
 * pt_query_parse() for a query built with @p opts: with PT_FLAG_CHAOS the question must be
 * class CH and the answer's rdata are its TXT strings (owner the question name, class CH).
 */
enum pt_status pt_query_parse_opts(struct pt_answer *out, const uint8_t *wire, size_t len,
				   uint16_t id, const char *qname, uint16_t qtype, unsigned opts,
				   bool tcp);

/** pt_query_parse_opts() for a reply to prepared query @p q (its question name is parsed
 *  once, not per reply). */
enum pt_status pt_query_parse_wire(struct pt_answer *out, const uint8_t *wire, size_t len,
				   uint16_t id, const struct pt_query_wire *q, uint16_t qtype,
				   unsigned opts, bool tcp);

/** Release what @p a holds and zero it. NULL does nothing. */
void pt_answer_fini(struct pt_answer *a);

/**
 * Copy @p n strings. @param[out] dst caller owns (free each, then the array); NULL when @p n
 * is 0. @return PT_OK or PT_ERR_NOMEM (then what was copied is still in *dst, calloc'd, for
 * the caller to free).
 */
enum pt_status pt_strv_copy(char ***dst, char *const *src, size_t n);

/**
 * Sort @p n owned strings ascending (strcmp) and free the duplicates, as an answer holds its
 * RDATA. @return the count left in @p v.
 */
size_t pt_strv_sort_unique_n(char **v, size_t n);

/** Deep copy @p src into @p dst. @return PT_OK or PT_ERR_NOMEM (dst zeroed). */
enum pt_status pt_answer_copy(struct pt_answer *dst, const struct pt_answer *src);

/** Bytes pt_answer_copy_flat() needs for a copy of @p a. */
size_t pt_answer_flat_size(const struct pt_answer *a);

/**
 * Copy @p src into @p dst with every array and string of the copy in @p room
 * (pt_answer_flat_size() bytes, aligned as malloc() aligns): one allocation for a copy that
 * is never changed, freed with @p room, never with pt_answer_fini().
 */
void pt_answer_copy_flat(struct pt_answer *dst, const struct pt_answer *src, void *room);

/** True when both have the same kind and the same RDATA set (TTLs and flags ignored). */
bool pt_answer_same(const struct pt_answer *a, const struct pt_answer *b);

/**
 * The one text of an answer for people: its records joined by @p sep ("10 a. | 20 b."), or
 * "NXDOMAIN", "NODATA", "referral", the rcode name ("SERVFAIL"), "-" for no records.
 * Cut to @p size at a record boundary when possible. @return @p buf.
 */
char *pt_answer_summary(char *buf, size_t size, const struct pt_answer *a, const char *sep);

/** Short text of how a query ended ("timeout", "unreachable", "malformed reply", "cannot
 *  send"); "" for PT_REPLY_OK. Static string. */
const char *pt_reply_result_text(enum pt_reply_result r);

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

/**
 * The name one label up, with escaped dots ("a\\.b.example.") counted as label text:
 * "b.example." for "a.b.example.", "." for "example.". @return false for the root.
 */
bool pt_name_parent(const char *name, char *out, size_t size);

/** True when @p name is @p zone or below it (both lower-case absolute). */
bool pt_name_in_zone(const char *name, const char *zone);

/** Read the SOA serial (third field) from SOA RDATA text. @return true when found. */
bool pt_soa_serial_from_rdata(const char *rdata, uint32_t *serial);

/** Read the SOA MINIMUM (seventh field) from SOA RDATA text. @return true when found. */
bool pt_soa_minimum_from_rdata(const char *rdata, uint32_t *minimum);

/**
 * The text of one TXT record given in presentation form ("\"v=spf1 \" \"-all\""): its
 * character-strings unescaped and joined (RFC 7208 §3.3). Read with ldns.
 * @return PT_OK, PT_ERR_PARSE (not TXT RDATA, or longer than @p size - 1), PT_ERR_NOMEM.
 */
enum pt_status pt_txt_join(const char *rdata, char *out, size_t size);

/**
 * The reverse-mapping name of a numeric address ("192.0.2.1" -> "1.2.0.192.in-addr.arpa.",
 * IPv6 nibbles under ip6.arpa.). @return PT_OK or PT_ERR_PARSE.
 */
enum pt_status pt_reverse_name(const char *address, char *out, size_t size);

#endif /* PT_QUERY_H */
