/**
 * @file site.h
 * Which site of an anycast resolver answered: the operator's documented identity pattern
 * (the NSID of every reply, or the CH TXT id.server / hostname.bind answer) turned into an
 * IATA-style site code, else the raw value, cleaned. The table of patterns, each with the
 * page that documents it, is in src/site.c; the README lists it. Pure functions.
 */
#ifndef PT_SITE_H
#define PT_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "resolvers.h"

/** What a resolver told about itself. Borrowed strings; NULL or "" when unknown. */
struct pt_site_clues {
	/** NSID of its last reply (RFC 5001), as pt_nsid_text() shows it */
	const char *nsid;
	/** its CH TXT id.server answer (RFC 4892) */
	const char *id_server;
	/** its CH TXT hostname.bind answer */
	const char *hostname_bind;
};

/** The site of one resolver. */
struct pt_site {
	/** the site code ("FRA") when a documented pattern matched, else the raw value
	 *  (NSID first, then id.server, then hostname.bind), cleaned; "" when nothing is known */
	char site[64];
	/** true when @ref site is a code from the table */
	bool known;
	/** the operator whose pattern matched; NULL otherwise. Static string. */
	const char *operator_name;
	/** where that pattern is documented (a URL); NULL otherwise. Static string. */
	const char *source;
};

/**
 * The site of resolver @p r from @p clues. @return true when anything is known (site not
 * empty).
 */
bool pt_site_find(struct pt_site *out, const struct pt_resolver *r,
		  const struct pt_site_clues *clues);

/**
 * The operator @p r belongs to by the site table's documented addresses. @return a static
 * name, or NULL when it is not one of them.
 */
const char *pt_site_operator(const struct pt_resolver *r);

#endif /* PT_SITE_H */
