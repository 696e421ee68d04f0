/**
 * @file diagnose.h
 * The MX diagnosis ("why is my MX record not taking effect?"): the facts model (this header,
 * src/diagnose.c), gathering the facts (src/diagnose_gather.c: the zone and its servers
 * found through src/truth.c, then batches of queries and SMTP probes), and the pure checks
 * that judge them (src/diagnose_checks.c). The dashboard runs it in the background through
 * src/diagnose_job.h. Every check id is documented in docs/diagnose-checks.md.
 *
 * Judging (pt_diagnose_judge()) is a pure function of struct pt_diag_facts, so tests build
 * facts by hand. Threads: pt_diagnose_gather() and pt_diagnose_run() block their caller;
 * nothing here is shared between calls.
 */
#ifndef PT_DIAGNOSE_H
#define PT_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "net.h"
#include "query.h"
#include "resolvers.h"
#include "smtp.h"
#include "status.h"
#include "truth.h"

struct pt_providers;

/** Outcome of one check. */
enum pt_check_status {
	PT_CHECK_PASS = 0,    /**< fine */
	PT_CHECK_WARN,	      /**< works, but is fragile or explains a delay */
	PT_CHECK_FAIL,	      /**< broken: a likely reason mail does not flow */
	PT_CHECK_SKIP,	      /**< not applicable, or the facts it needs are missing */
	PT_CHECK_STATUS_COUNT /**< number of statuses */
};

/** Contract name ("pass", "warn", "fail", "skip"). Static string. */
const char *pt_check_status_name(enum pt_check_status s);

/** One check's verdict for one subject. Embedded in struct pt_diagnosis. */
struct pt_check {
	/** stable kebab-case id (docs/diagnose-checks.md) */
	char id[48];
	/** outcome */
	enum pt_check_status status;
	/** what was checked: the domain, an MX target, a name server, an address */
	char subject[256];
	/** one-line explanation */
	char message[400];
	/** how to fix it; "" when passing or skipped */
	char fix[400];
	/** the rule broken or applied ("RFC 2181 §10.3"); "" when none */
	char rfc[48];
	/** the data the check used, as the text of one JSON object; owned by the diagnosis */
	char *data_json;
};

/** A finished diagnosis. Embedded; release with pt_diagnosis_fini(). */
struct pt_diagnosis {
	/** the domain, lower-case absolute */
	char domain[256];
	/** checks in a fixed order: zone, MX RRset, targets, propagation, SMTP, DNSSEC */
	struct pt_check *checks;
	/** number of @ref checks */
	size_t nchecks;
	/** allocated slots in @ref checks */
	size_t cap;
	/** checks per status, indexed by enum pt_check_status */
	size_t summary[PT_CHECK_STATUS_COUNT];
};

/** Release what @p d holds and zero it. */
void pt_diagnosis_fini(struct pt_diagnosis *d);

/** Exit status per CONTRACT.md (src/verdict.h codes): 0 when no check failed, 1 when one did. */
int pt_diagnosis_exit_status(const struct pt_diagnosis *d);

/** First check with @p id (and @p subject unless NULL). Borrowed; NULL when absent. */
const struct pt_check *pt_diagnosis_find(const struct pt_diagnosis *d, const char *id,
					 const char *subject);

/** What to diagnose and how. Borrowed pointers must outlive the call. */
struct pt_diagnose_config {
	/** the domain whose MX is diagnosed, any case, with or without the trailing dot */
	const char *domain;
	/** tracked resolvers (RD=1): propagation, DNSSEC, and the first few answer lookups */
	const struct pt_resolver *resolvers;
	/** number of @ref resolvers */
	size_t nresolvers;
	/** --auth servers to use instead of the zone's NS records; NULL for discovery */
	const struct pt_resolver *auth;
	/** number of @ref auth */
	size_t nauth;
	/** probe SMTP (false with --no-smtp) */
	bool smtp;
	/** SMTP port (--smtp-port); 0 = 25 */
	uint16_t smtp_port;
	/** SMTP timeout per step in milliseconds (the app passes --timeout); 0 = 5000 */
	unsigned smtp_timeout_ms;
	/** name sent in EHLO; NULL = "proptrack.invalid" */
	const char *helo;
	/** mail provider profiles the MX set is compared with (borrowed); NULL = none */
	const struct pt_providers *providers;
	/** --provider NAME: judge against this profile; NULL = recognise it from the MX set */
	const char *provider;
	/** PEM file of CAs for the MTA-STS policy fetch (--ca-file); NULL = the system store */
	const char *ca_file;
};

/* ---- Gathered facts: the input of the pure checks (public so tests can build them). ---- */

/** How one lookup ended; the answer is owned by the facts. */
struct pt_diag_reply {
	/** false when the query was never sent (its facts are unknown) */
	bool asked;
	/** how it ended */
	enum pt_reply_result result;
	/** the answer when result is PT_REPLY_OK */
	struct pt_answer answer;
};

/** One authoritative server address of the zone, asked with RD=0. */
struct pt_diag_auth {
	/** name server host name, lower-case absolute; "" for --auth servers */
	char name[256];
	/** numeric address */
	char address[PT_ADDRESS_MAX];
	/** port */
	uint16_t port;
	/** SOA of the zone */
	struct pt_diag_reply soa;
	/** MX of the domain */
	struct pt_diag_reply mx;
	/** NS of the zone (the zone's own NS set) */
	struct pt_diag_reply ns;
	/** CNAME of the domain */
	struct pt_diag_reply cname;
	/** DNSKEY of the zone (is it signed?) */
	struct pt_diag_reply dnskey;
	/** named by the parent's current delegation (or given with --auth); false for a server
	 *  the resolvers still hold in their cached NS set that is not delegated any more */
	bool delegated;
};

/** One server of the parent zone, asked with RD=0 for the zone's NS (the delegation). */
struct pt_diag_parent {
	/** name server host name */
	char name[256];
	/** numeric address */
	char address[PT_ADDRESS_MAX];
	/** port */
	uint16_t port;
	/** the reply: a referral, or an authoritative NS answer */
	struct pt_diag_reply ns;
	/** NS names the parent delegates to, lower-case absolute, sorted (from the referral's
	 *  authority section or the answer); owned; NULL when unknown */
	char **delegation;
	/** number of @ref delegation; see @ref delegation_known */
	size_t ndelegation;
	/** true when @ref delegation could be read */
	bool delegation_known;
};

/** One tracked resolver's view of the domain's MX. */
struct pt_diag_resolver {
	/** the resolver */
	struct pt_resolver resolver;
	/** MX of the domain (RD=1) */
	struct pt_diag_reply mx;
	/** the same with CD=1, asked only after a SERVFAIL */
	struct pt_diag_reply mx_cd;
};

/** One address of an MX target, and its SMTP probe. */
struct pt_diag_address {
	/** numeric address */
	char address[PT_ADDRESS_MAX];
	/** true when @ref smtp holds a result */
	bool probed;
	/** the probe */
	struct pt_smtp_probe smtp;
	/** PTR of the address (through the resolvers) */
	struct pt_diag_reply ptr;
	/** the first PTR names (sorted), lower-case absolute; "" when none */
	char ptr_names[2][256];
	/** A (or AAAA, by the address's family) of each of @ref ptr_names */
	struct pt_diag_reply ptr_fwd[2];
	/** a STARTTLS handshake was made for DANE (the target has validated TLSA records) */
	bool tls_tried;
	/** what it presented */
	struct pt_smtp_tls tls;
};

/** One name the SPF record sends evaluation to (include:, redirect=) and its TXT. */
struct pt_diag_spf_name {
	/** the name, lower-case absolute */
	char name[256];
	/** its TXT records */
	struct pt_diag_reply txt;
};

/** One MX record's target. */
struct pt_diag_target {
	/** target name as in the RDATA, lower-case absolute */
	char name[256];
	/** MX preference */
	unsigned preference;
	/** the target is an IP address literal */
	bool literal;
	/** A lookup through the resolvers (cnames show an alias) */
	struct pt_diag_reply a;
	/** AAAA lookup */
	struct pt_diag_reply aaaa;
	/** addresses from @ref a and @ref aaaa; owned */
	struct pt_diag_address *addrs;
	/** number of @ref addrs */
	size_t naddrs;
	/** TLSA of _25._tcp.TARGET (RFC 7672 §2.2), asked with DO: AD says it validated */
	struct pt_diag_reply tlsa;
};

/** Where the reference MX RRset came from. */
enum pt_diag_mx_source {
	PT_DIAG_MX_NONE = 0,	  /**< unknown */
	PT_DIAG_MX_AUTHORITATIVE, /**< the authoritative server with the highest serial */
	PT_DIAG_MX_RESOLVERS,	  /**< no authoritative server answered: the resolvers' majority */
};

/** Everything the checks judge. Embedded; release with pt_diag_facts_fini(). */
struct pt_diag_facts {
	/** the domain, lower-case absolute */
	char domain[256];
	/** the zone apex holding it; "" when not found */
	char zone[256];
	/** the parent zone's apex; "" when not found or the zone is the root */
	char parent_zone[256];
	/** the zone's NS names as the resolvers see them, sorted; owned */
	char **ns_names;
	/** number of @ref ns_names */
	size_t nns_names;
	/** the NS names the parent delegates to, sorted; owned (NULL when unknown) */
	char **delegation;
	/** number of @ref delegation */
	size_t ndelegation;
	/** the delegation's NS TTL at the parent */
	uint32_t delegation_ttl;
	/** true when the servers came from --auth rather than NS discovery */
	bool auth_given;
	/** authoritative server addresses; owned */
	struct pt_diag_auth *auth;
	/** number of @ref auth */
	size_t nauth;
	/** parent zone server addresses; owned */
	struct pt_diag_parent *parents;
	/** number of @ref parents */
	size_t nparents;
	/** the reference MX answer (see @ref mx_source); owned */
	struct pt_answer mx;
	/** where @ref mx came from */
	enum pt_diag_mx_source mx_source;
	/** SOA serial of the server @ref mx came from, valid when has_serial */
	uint32_t serial;
	/** see @ref serial */
	bool has_serial;
	/** SOA record TTL and MINIMUM field of the zone, valid when has_soa */
	uint32_t soa_ttl;
	/** SOA MINIMUM (RFC 2308: the negative-caching TTL cap) */
	uint32_t soa_minimum;
	/** see @ref soa_ttl */
	bool has_soa;
	/** the zone publishes DNSKEY records */
	bool signed_zone;
	/** true when the signing state is known */
	bool signed_known;
	/** tracked resolvers; owned */
	struct pt_diag_resolver *resolvers;
	/** number of @ref resolvers */
	size_t nresolvers;
	/** MX targets in RDATA order; owned */
	struct pt_diag_target *targets;
	/** number of @ref targets */
	size_t ntargets;
	/** SMTP was probed (false with --no-smtp) */
	bool smtp;
	/** SMTP port probed */
	uint16_t smtp_port;
	/** wall time the facts were gathered, ms since the epoch (for "expires at") */
	uint64_t wall_ms;
	/** provider profiles (borrowed from the config); NULL = none */
	const struct pt_providers *providers;
	/** --provider NAME; "" = recognise it */
	char provider[64];
	/** TXT of the domain (its SPF record) */
	struct pt_diag_reply txt;
	/** the names the SPF tree reaches, with their TXT; owned */
	struct pt_diag_spf_name *spf_names;
	/** number of @ref spf_names */
	size_t nspf_names;
	/** TXT of _mta-sts.DOMAIN (RFC 8461 §3.1) */
	struct pt_diag_reply sts_txt;
	/** A of mta-sts.DOMAIN: where the policy is fetched from */
	struct pt_diag_reply sts_a;
	/** the policy was fetched (an HTTPS request was made) */
	bool sts_fetched;
	/** how the fetch ended (PT_OK: a response arrived, see @ref sts_status) */
	enum pt_status sts_rc;
	/** HTTP status of the policy response */
	long sts_status;
	/** the policy body; owned; NULL when none */
	char *sts_body;
	/** why the fetch failed, printable; "" when it did not */
	char sts_error[256];
	/** the address the policy host was pinned to (from @ref sts_a) */
	char sts_address[PT_ADDRESS_MAX];
};

/** Release what @p f holds and zero it. */
void pt_diag_facts_fini(struct pt_diag_facts *f);

/** Release a reply's answer and zero it. */
void pt_diag_reply_clear(struct pt_diag_reply *r);

/** A reply that says something about the name: an answered DATA/NODATA/NXDOMAIN lookup. */
bool pt_diag_reply_usable(const struct pt_diag_reply *r);

/** How a lookup ended, for messages and data: "data", "NODATA", "NXDOMAIN", "referral", an
 *  rcode name, "timeout", "not asked", ... @return a static string or @p buf. */
const char *pt_diag_reply_text(const struct pt_diag_reply *r, char *buf, size_t size);

/** The status of a server from its reply to the zone's SOA (src/truth.c's judging). */
enum pt_auth_status pt_diag_auth_status(const struct pt_diag_reply *soa);

/** A server that answers the zone's SOA authoritatively with a serial ("good"). */
bool pt_diag_auth_good(const struct pt_diag_auth *a);

/** Index of the good delegated server with the highest serial (RFC 1982), or -1. */
long pt_diag_auth_best(const struct pt_diag_facts *f);

/** Split MX RDATA "10 mx.example." into preference and target. @return false if unreadable. */
bool pt_diag_mx_split(const char *rdata, unsigned *pref, char *target, size_t size);

/** The SPF record among the TXT records of @p r (RFC 7208 §4.5), its strings joined into
 *  @p out (the first when several). @return how many SPF records there are. */
size_t pt_diag_spf_record(const struct pt_diag_reply *r, char *out, size_t size);

/** True for the null MX target "." (RFC 7505). */
bool pt_diag_mx_null(const char *target);

/**
 * Gather the facts for @p cfg (several batches of parallel queries, then SMTP probes).
 * @param[out] out caller owns; pt_diag_facts_fini() (also on error)
 * @return PT_OK (unanswered queries are facts, not errors), PT_ERR_PARSE for an invalid
 *         domain, PT_ERR_NOMEM.
 */
enum pt_status pt_diagnose_gather(struct pt_diag_facts *out, const struct pt_net *net,
				  const struct pt_diagnose_config *cfg);

/**
 * Judge gathered facts: every check, one entry per check and subject (pure; no I/O).
 * @param[out] out caller owns; pt_diagnosis_fini()
 * @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_diagnose_judge(struct pt_diagnosis *out, const struct pt_diag_facts *f);

/**
 * Gather, then judge.
 * @param[out] out caller owns; pt_diagnosis_fini() (zeroed on error)
 * @return as pt_diagnose_gather().
 */
enum pt_status pt_diagnose_run(struct pt_diagnosis *out, const struct pt_net *net,
			       const struct pt_diagnose_config *cfg);

#endif /* PT_DIAGNOSE_H */
