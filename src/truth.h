/**
 * @file truth.h
 * The truth every resolver is judged against, and how it is found: the expected value, else
 * the zone's authoritative servers, taken from the server(s) with the highest SOA serial
 * (RFC 1982 serial arithmetic). The servers are those the parent zone delegates to, read
 * from the parent's own servers (RD=0) as a resolver would after its caches expire, or the
 * --auth servers. Servers that still answer for the zone without being delegated (an old DNS
 * provider the resolvers still hold in their caches) are asked too and shown as
 * not-delegated, never the truth. Also the zone and name server discovery and the judging of
 * one authoritative server, which the diagnosis reuses.
 *
 * Threads: the finders block on the network (struct pt_net); call them from one thread at a
 * time per struct pt_truth_cache. The value types are plain data.
 */
#ifndef PT_TRUTH_H
#define PT_TRUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "query.h"
#include "resolvers.h"
#include "status.h"

/** Where the truth came from. */
enum pt_truth_source {
	PT_TRUTH_NONE = 0,	/**< not known yet */
	PT_TRUTH_EXPECTED,	/**< --expect */
	PT_TRUTH_AUTHORITATIVE, /**< the zone's authoritative servers */
	PT_TRUTH_MAJORITY,	/**< no authoritative server answered: the resolvers' majority */
};

/** Contract name of a truth source ("expected", "authoritative", "majority", "none"). */
const char *pt_truth_source_name(enum pt_truth_source s);

/** Status of one authoritative server. */
enum pt_auth_status {
	PT_AUTH_OK = 0,	       /**< answered authoritatively */
	PT_AUTH_LAGGING,       /**< answered, but with a lower SOA serial than the highest */
	PT_AUTH_LAME,	       /**< answered without AA, or with a referral */
	PT_AUTH_TIMEOUT,       /**< no reply */
	PT_AUTH_REFUSED,       /**< REFUSED */
	PT_AUTH_ERROR,	       /**< SERVFAIL, malformed, unreachable */
	PT_AUTH_NOT_DELEGATED, /**< answers for the zone but is not in the current delegation */
};

/** Contract name ("ok", "lagging", "lame", "timeout", "refused", "error", "not-delegated"). */
const char *pt_auth_status_name(enum pt_auth_status s);

/** One authoritative server's view. Embedded; released by its owner. */
struct pt_auth_server {
	/** name server host name, lower-case absolute; "" for --auth servers */
	char name[256];
	/** numeric address */
	char address[PT_ADDRESS_MAX];
	/** port */
	uint16_t port;
	/** status */
	enum pt_auth_status status;
	/** SOA serial, valid when has_serial */
	uint32_t serial;
	/** true when the SOA query answered */
	bool has_serial;
	/** its answer for the tracked name and type */
	struct pt_answer answer;
	/** round trip of the record query, milliseconds */
	double rtt_ms;
	/** part of the current delegation (or an --auth server); false for not-delegated ones */
	bool delegated;
};

/** True for a server whose answer counts: delegated, and answering authoritatively. */
bool pt_auth_server_answers(const struct pt_auth_server *s);

/** The truth every resolver is judged against. Embedded; release with pt_truth_fini(). */
struct pt_truth {
	/** where it came from */
	enum pt_truth_source source;
	/** the answer (kind DATA, NODATA or NXDOMAIN; rdata sorted) */
	struct pt_answer answer;
	/** highest SOA serial among the authoritative servers, valid when has_serial */
	uint32_t serial;
	/** see @ref serial */
	bool has_serial;
	/** the zone apex the servers were found for ("" when unknown) */
	char zone[256];
	/** every authoritative server asked (caller-visible: lagging secondaries show here) */
	struct pt_auth_server *servers;
	/** number of @ref servers */
	size_t nservers;
	/** the parent zone whose delegation named the servers ("" with --auth or for the root) */
	char parent[256];
	/** true when the delegation was read from the parent's servers */
	bool delegation_known;
	/** the delegation's NS names, lower-case absolute, sorted; NULL when unknown */
	char **delegation;
	/** number of @ref delegation */
	size_t ndelegation;
	/** the delegation's NS TTL at the parent, seconds */
	uint32_t delegation_ttl;
	/** --expect given: the delegated servers' own answer (valid when has_authoritative) */
	struct pt_answer authoritative;
	/** see @ref authoritative */
	bool has_authoritative;
	/** --auth given and none of those servers answered: there is no truth, and no vote */
	bool auth_unreachable;
	/** an answering delegated server serves another answer than the truth (a lagging
	 *  secondary): old answers can be fetched again, convergence is not bounded */
	bool disagree;
	/** --expect names data that an answering delegated server denies (NXDOMAIN or NODATA),
	 *  even a lagging one: a resolver asked now may ask that one and cache the denial */
	bool unpublished;
	/** with @ref unpublished: how long a resolver asked now would cache the denial, seconds
	 *  (the negative-caching TTL of the servers' answer, RFC 2308) */
	uint32_t negative_ttl;
};

/** Release what @p t holds and zero it. NULL does nothing. */
void pt_truth_fini(struct pt_truth *t);

/** Deep copy. @return PT_OK or PT_ERR_NOMEM (@p dst zeroed). */
enum pt_status pt_truth_copy(struct pt_truth *dst, const struct pt_truth *src);

/** True when @p t is known: its answer can judge resolvers. */
bool pt_truth_known(const struct pt_truth *t);

/** How to find the truth. */
struct pt_truth_config {
	/** --expect values, presentation form (normalised by pt_truth_find) */
	char **expect;
	/** number of @ref expect */
	size_t nexpect;
	/** --auth servers */
	struct pt_resolver *auth;
	/** number of @ref auth */
	size_t nauth;
	/** port used for discovered name servers (53) */
	uint16_t auth_port;
	/** NS names the resolvers hold in their caches for the zone (learnt by the driver);
	 *  those not in the delegation are asked too and shown as not-delegated */
	char **cached_ns;
	/** number of @ref cached_ns */
	size_t ncached_ns;
};

/** Deep copy of a config. @return PT_OK or PT_ERR_NOMEM. */
enum pt_status pt_truth_config_copy(struct pt_truth_config *dst, const struct pt_truth_config *src);

/** Release a config made by pt_truth_config_copy(). */
void pt_truth_config_fini(struct pt_truth_config *cfg);

/**
 * RFC 1982 serial comparison. @return <0, 0 or >0 as @p a is before, equal to or after @p b
 * (the undefined half-way case compares by plain value).
 */
int pt_serial_cmp(uint32_t a, uint32_t b);

/** Resolvers asked at once for a discovery lookup (the first few of the list). */
#define PT_TRUTH_VIA_MAX 5

/**
 * The zone holding @p name: the owner of the SOA a resolver returns for it (at the apex in
 * the answer, below it in the authority section), climbing one label up past aliases and
 * failed lookups. Lookups race the first PT_TRUTH_VIA_MAX resolvers of @p via; a lookup that
 * only got SERVFAIL is asked again with CD set (a DNSSEC-bogus zone still has servers).
 * @param[out] zone "" when not found
 * @return PT_OK (also when not found) or PT_ERR_NOMEM.
 */
enum pt_status pt_truth_find_zone(char *zone, size_t size, const struct pt_net *net,
				  const struct pt_resolver *via, size_t nvia, const char *name);

/** One address of a name server. */
struct pt_ns_addr {
	/** the name server's host name, lower-case absolute */
	char name[256];
	/** its address and port */
	struct pt_resolver addr;
};

/** A zone's name servers and their addresses. Embedded; release with pt_zone_servers_fini(). */
struct pt_zone_servers {
	/** the zone apex */
	char zone[256];
	/** the zone's NS names, lower-case absolute, sorted; NULL when none */
	char **names;
	/** number of @ref names */
	size_t nnames;
	/** every address of every name (IPv4 and IPv6), in name order */
	struct pt_ns_addr *servers;
	/** number of @ref servers */
	size_t nservers;
};

/** Release what @p z holds and zero it. */
void pt_zone_servers_fini(struct pt_zone_servers *z);

/**
 * The NS names of @p zone and their A and AAAA addresses, through the resolvers (as
 * pt_truth_find_zone() asks them). Names without an address are listed in names only.
 * @param port the port to set on every address (53)
 * @return PT_OK (an empty result when nothing answered) or PT_ERR_NOMEM.
 */
enum pt_status pt_truth_zone_servers(struct pt_zone_servers *out, const struct pt_net *net,
				     const struct pt_resolver *via, size_t nvia, const char *zone,
				     uint16_t port);

/**
 * Judge one authoritative server from its replies to the record query (@p rec) and the SOA
 * query (@p soa), both asked with RD=0: OK, LAME (no AA, a referral), TIMEOUT, REFUSED, ERROR.
 */
enum pt_auth_status pt_truth_judge_server(const struct pt_reply *rec, const struct pt_reply *soa);

/** Name servers found by the last discovery; reused by the next call for a while. */
struct pt_truth_cache;

/** @return new cache or NULL. Caller owns; free with pt_truth_cache_free(). */
struct pt_truth_cache *pt_truth_cache_new(void);

/** Free. NULL does nothing. */
void pt_truth_cache_free(struct pt_truth_cache *c);

/** Forget the discovered servers so the next pt_truth_find() discovers again. */
void pt_truth_cache_reset(struct pt_truth_cache *c);

/** The name servers are found again after this long (pt_clock nanoseconds). */
#define PT_TRUTH_REDISCOVER_NS (300ULL * 1000000000ULL)

/**
 * Find the truth for @p domain / @p qtype.
 * Expected values win; else asks every delegated server (RD=0) for the record and the zone's
 * SOA and takes the answer of the highest serial; servers with a lower serial are marked
 * lagging. Not-delegated servers (cfg->cached_ns) are asked and shown, never taken. A CNAME
 * chain that leaves the zone is followed to the target zone's own servers. When no
 * delegated server answers, out->source is PT_TRUTH_NONE: with --auth, auth_unreachable is
 * set (no fallback); without, the caller may fall back to the resolvers' majority.
 * @param via the resolvers to discover the servers through (the tracked ones, as they are now)
 * @param now_ns pt_clock time, for the cache's age
 * @param[out] out caller owns; pt_truth_fini()
 * @return PT_OK, PT_ERR_PARSE (bad --expect value), PT_ERR_NOMEM.
 */
enum pt_status pt_truth_find(struct pt_truth *out, const struct pt_net *net,
			     struct pt_truth_cache *c, const struct pt_truth_config *cfg,
			     const struct pt_resolver *via, size_t nvia, const char *domain,
			     uint16_t qtype, uint64_t now_ns);

/**
 * A cheap look for a change, for once a second while watching: the SOA serial of every
 * delegated server (one query each) and the delegation at one parent server (rotating).
 * @return true when a full pt_truth_find() is due: a serial differs from the last full
 *         check, the delegation changed, or nothing was found yet.
 */
bool pt_truth_poll(const struct pt_net *net, struct pt_truth_cache *c,
		   const struct pt_truth_config *cfg, const char *domain);

/** The delegation of @p zone as its parent's servers give it. Embedded; release with
 *  pt_delegation_fini(). */
struct pt_delegation {
	/** the zone */
	char zone[256];
	/** its parent zone ("" for the root) */
	char parent[256];
	/** the parent's servers (found through the resolvers) */
	struct pt_zone_servers parents;
	/** true when a parent server answered with the delegation */
	bool known;
	/** the delegated NS names, sorted */
	char **ns;
	/** number of @ref ns */
	size_t nns;
	/** the NS TTL at the parent */
	uint32_t ttl;
	/** the delegated servers' addresses (glue, else looked up through the resolvers) */
	struct pt_ns_addr *servers;
	/** number of @ref servers */
	size_t nservers;
};

/** Release what @p d holds and zero it. */
void pt_delegation_fini(struct pt_delegation *d);

/**
 * Read the delegation of @p zone: the parent zone and its servers through the resolvers,
 * then the parent's servers asked (RD=0) for the zone's NS. When no parent server answers,
 * the zone's NS set as the resolvers give it stands in (known stays false).
 * @return PT_OK (an empty result when nothing answered) or PT_ERR_NOMEM.
 */
enum pt_status pt_truth_delegation(struct pt_delegation *out, const struct pt_net *net,
				   const struct pt_resolver *via, size_t nvia, const char *zone,
				   uint16_t port);

#endif /* PT_TRUTH_H */
