/**
 * @file provider.h
 * Mail provider profiles: the inbound MX specification each provider publishes (hosts, the
 * preferences it prescribes, its SPF include, the URL it was taken from), read from JSON files
 * (data/providers.json, shipped; the user's $XDG_CONFIG_HOME/proptrack/providers.json adds or
 * replaces profiles), and the pure comparisons of an MX set with a profile: which provider an
 * MX set belongs to, and the exact difference (missing hosts, wrong preferences, other hosts
 * still present and whether they win because their preference is lower).
 *
 * Host patterns: an absolute name, where a label "*" stands for exactly one label of any text
 * ("inbound-smtp.*.amazonaws.com.") and "{domain}" stands for the diagnosed domain with its
 * dots written as hyphens ("{domain}.mail.protection.outlook.com." for example.com gives
 * "example-com.mail.protection.outlook.com."). A host without "*" must be present; a host with
 * "*" must be matched by at least one MX target.
 *
 * Pure apart from pt_providers_load() (reads one file). No shared state.
 */
#ifndef PT_PROVIDER_H
#define PT_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/** Largest number of hosts one profile may list. */
#define PT_PROVIDER_MAX_HOSTS 16
/** Largest number of SPF includes one profile may list. */
#define PT_PROVIDER_MAX_SPF 4

/** One host of a specification. */
struct pt_provider_host {
	/** lower-case absolute pattern (see the file comment) */
	char pattern[256];
	/** the preference the provider prescribes; -1 when it prescribes none */
	int preference;
};

/** One provider's inbound specification. */
struct pt_provider {
	/** short name for --provider ("zoho-com"): lower-case letters, digits, '-' */
	char name[64];
	/** the provider's name for people ("Zoho Mail (zoho.com)") */
	char title[128];
	/** the URL of the provider's own documentation the values come from (https://) */
	char source[512];
	/** hosts */
	struct pt_provider_host hosts[PT_PROVIDER_MAX_HOSTS];
	/** number of @ref hosts (at least 1) */
	size_t nhosts;
	/** SPF include domains the provider documents, lower-case absolute ("spf.example.") */
	char spf[PT_PROVIDER_MAX_SPF][256];
	/** number of @ref spf (0: the source documents none) */
	size_t nspf;
};

/** A set of profiles. Embedded; zero it, then pt_providers_load(); release with
 *  pt_providers_fini(). */
struct pt_providers {
	/** profiles in file order (a later profile of the same name replaces the earlier) */
	struct pt_provider *v;
	/** number of @ref v */
	size_t n;
};

/**
 * Add the profiles of the JSON file @p path to @p p (a profile named like one already loaded
 * replaces it). Format: {"providers": [{"name", "title", "source", "mx": [{"host",
 * "preference"?}], "spf_include": [...]?}]}; unknown keys are ignored.
 * @param err a message naming the file and the profile when the file is refused
 * @return PT_OK; PT_ERR_IO (cannot read; errno set); PT_ERR_PARSE (not JSON, or a profile
 *         breaks a rule: the whole file is refused, @p p unchanged); PT_ERR_NOMEM.
 */
enum pt_status pt_providers_load(struct pt_providers *p, const char *path, char *err,
				 size_t errsize);

/** Release what @p p holds and zero it. */
void pt_providers_fini(struct pt_providers *p);

/** The profile named @p name (case-insensitive), or NULL. */
const struct pt_provider *pt_providers_find(const struct pt_providers *p, const char *name);

/** True when MX target @p host (lower-case absolute) matches @p pattern for @p domain. */
bool pt_provider_pattern_match(const char *pattern, const char *host, const char *domain);

/** Index in @p prov->hosts of the first host @p host matches, or -1. */
long pt_provider_host_index(const struct pt_provider *prov, const char *host, const char *domain);

/** One MX record as the comparisons see it. */
struct pt_mx_entry {
	/** target, lower-case absolute */
	const char *host;
	/** preference */
	unsigned preference;
};

/**
 * The provider an MX set belongs to: the profile matching the most targets; on a tie the one
 * whose matched target has the lowest preference (the one mail goes to), then file order.
 * @return the profile, or NULL when no target matches any profile.
 */
const struct pt_provider *pt_providers_recognise(const struct pt_providers *p,
						 const struct pt_mx_entry *mx, size_t n,
						 const char *domain);

/** The exact difference between an MX set and a provider's specification. */
struct pt_provider_diff {
	/** per specification host: the MX index that matches it, -1 when missing */
	long spec_mx[PT_PROVIDER_MAX_HOSTS];
	/** number of specification hosts no MX matches */
	size_t nmissing;
	/** number of matched hosts whose preference differs from the prescribed one */
	size_t nwrong_pref;
	/** per MX (first PT_DIFF_MAX): index of the specification host it matches, -1 for a
	 *  host not of this provider */
	long mx_spec[64];
	/** per MX (first 64): the other profile it belongs to, NULL when none */
	const struct pt_provider *mx_owner[64];
	/** MX entries compared (n, at most 64) */
	size_t nmx;
	/** number of MX hosts that are not the provider's */
	size_t nforeign;
	/** lowest preference among the provider's own hosts present (valid when nmx > nforeign) */
	unsigned best_own;
	/** lowest preference among the foreign hosts (valid when nforeign > 0) */
	unsigned best_foreign;
};

/**
 * Compare @p mx with @p prov. @p all (may be NULL) names the owner of foreign hosts.
 */
void pt_provider_diff(struct pt_provider_diff *out, const struct pt_provider *prov,
		      const struct pt_providers *all, const struct pt_mx_entry *mx, size_t n,
		      const char *domain);

/** The profile (other than @p except) whose SPF includes name @p include, or NULL; NULL too
 * when @p except documents @p include itself (two profiles may share one). */
const struct pt_provider *pt_providers_spf_owner(const struct pt_providers *p, const char *include,
						 const struct pt_provider *except);

#endif /* PT_PROVIDER_H */
