/**
 * @file spf.h
 * SPF (RFC 7208) as the mail-move checks need it, pure: is a TXT string an SPF record
 * (§4.5), which names a record sends evaluation to (include: and redirect=, §5.2, §6.1), and
 * the count of DNS-querying terms across the whole tree (§4.6.4: include, a, mx, ptr, exists
 * and redirect count, through every include and redirect; more than 10 is a permerror).
 * The records of the names are given by a callback, so tests need no DNS. No state.
 */
#ifndef PT_SPF_H
#define PT_SPF_H

#include <stdbool.h>
#include <stddef.h>

/** RFC 7208 §4.6.4: the limit of DNS-querying terms. */
#define PT_SPF_MAX_LOOKUPS 10
/** How deep the tree is followed (a loop stops here, far past the limit). */
#define PT_SPF_MAX_DEPTH 12
/** Counting stops past this many terms (the answer is "more than 10" anyway; a hostile tree
 *  of includes that repeat each other would otherwise grow exponentially). */
#define PT_SPF_COUNT_CAP 40
/** Targets remembered in struct pt_spf_eval. */
#define PT_SPF_MAX_TARGETS 48

/** True when @p text (the joined strings of one TXT record) is an SPF record: "v=spf1"
 *  followed by a space or its end, case-insensitive (§4.5). */
bool pt_spf_is_record(const char *text);

/**
 * The include: and redirect= targets of @p record, in order, lower-case absolute. A target
 * with a macro ("%{") cannot be followed without a message and is left out.
 * @return the number of targets (those past @p max are counted but not written)
 */
size_t pt_spf_targets(const char *record, char (*out)[256], size_t max);

/** How the record of one name is known. */
enum pt_spf_found {
	PT_SPF_FOUND = 0, /**< one SPF record: @p text */
	PT_SPF_NONE,	  /**< no SPF record */
	PT_SPF_MANY,	  /**< more than one SPF record (§4.5: permerror) */
	PT_SPF_UNKNOWN,	  /**< not looked up, or the lookup failed */
};

/** The SPF record of @p name (lower-case absolute); @p text is set when PT_SPF_FOUND and
 *  stays valid until pt_spf_evaluate() returns. */
typedef enum pt_spf_found (*pt_spf_get_fn)(void *ctx, const char *name, const char **text);

/** The whole tree of one domain's SPF record. */
struct pt_spf_eval {
	/** DNS-querying terms counted (§4.6.4), through the whole tree; counting stops just
	 *  past PT_SPF_COUNT_CAP (then @ref capped) */
	unsigned lookups;
	/** the count stopped at the cap: the tree needs at least @ref lookups */
	bool capped;
	/** every include/redirect target reached, lower-case absolute, in evaluation order */
	char targets[PT_SPF_MAX_TARGETS][256];
	/** number of @ref targets */
	size_t ntargets;
	/** a target's record was not known (the count is then a lower bound) */
	bool incomplete;
	/** a target has no SPF record, or several (a permerror when evaluated) */
	bool broken_target;
	/** the first such target */
	char broken[256];
};

/**
 * Count the tree of @p domain's record @p record.
 * @param get the records of the targets
 */
void pt_spf_evaluate(struct pt_spf_eval *out, const char *record, pt_spf_get_fn get, void *ctx);

/** True when @p name is among @p e's targets. */
bool pt_spf_reaches(const struct pt_spf_eval *e, const char *name);

#endif /* PT_SPF_H */
