/**
 * @file resolvers.h
 * The list of resolvers to track, and the one parser that turns text (a file, `-s`,
 * stdin, a paste into the dashboard) into entries plus per-line diagnostics.
 * Not thread-safe: a list is owned by one thread at a time (the UI thread builds it,
 * the engine copies what it needs).
 *
 * Accepted entry formats are listed in ../shared/CONTRACT.md and README.md.
 */
#ifndef PT_RESOLVERS_H
#define PT_RESOLVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "status.h"

/** Longest label kept, including the NUL; longer labels are cut on a UTF-8 boundary. */
#define PT_LABEL_MAX 96
/** Longest location kept, including the NUL. */
#define PT_LOCATION_MAX 64
/** Longest numeric address text, including an IPv6 zone id and the NUL. */
#define PT_ADDRESS_MAX 64

/** One resolver: where to send queries and how to show it. */
struct pt_resolver {
	/** numeric address without brackets or port ("8.8.8.8", "2001:db8::1", "fe80::1%eth0") */
	char address[PT_ADDRESS_MAX];
	/** UDP/TCP port, 1..65535 */
	uint16_t port;
	/** readable name; empty when the entry had none */
	char label[PT_LABEL_MAX];
	/** free-form location ("US", "Prague, CZ"); empty when unknown */
	char location[PT_LOCATION_MAX];
	/** the address and port as a socket address, ready for connect() */
	struct sockaddr_storage sa;
	/** length of @ref sa */
	socklen_t salen;
};

/** One line that could not be used. */
struct pt_diag {
	/** 1-based line number in the parsed text */
	size_t line;
	/** why, in plain words ("port 70000 out of range (1-65535)") */
	char reason[160];
};

/** What one parse call did. Embedded; release with pt_parse_report_fini(). */
struct pt_parse_report {
	/** entries added to the list */
	size_t added;
	/** entries skipped because the address and port were already listed */
	size_t duplicates;
	/** lines that could not be read, in line order */
	struct pt_diag *diags;
	/** number of @ref diags */
	size_t ndiags;
	/** allocated slots in @ref diags */
	size_t cap;
	/** lines rejected, counting those past the first 1000 that @ref diags keeps */
	size_t rejected;
};

/** Parse flags. */
enum pt_parse_flag {
	/** resolve host names ("dns.google") once through the system resolver (getaddrinfo) */
	PT_PARSE_RESOLVE_NAMES = 1 << 0,
};

struct pt_resolvers;

/** Create an empty list. @return new list or NULL on allocation failure. Caller owns; free with
 * pt_resolvers_free(). */
struct pt_resolvers *pt_resolvers_new(void);

/** Free @p list and every entry. NULL does nothing. */
void pt_resolvers_free(struct pt_resolvers *list);

/** Number of entries. */
size_t pt_resolvers_count(const struct pt_resolvers *list);

/** Resolver at @p index. Borrowed; valid until the list is next changed or freed. */
const struct pt_resolver *pt_resolvers_get(const struct pt_resolvers *list, size_t index);

/**
 * Append a copy of @p r unless the same address and port is listed already.
 * @param[out] added set to true when appended, false for a duplicate (may be NULL)
 * @return PT_OK or PT_ERR_NOMEM.
 */
enum pt_status pt_resolvers_add(struct pt_resolvers *list, const struct pt_resolver *r,
				bool *added);

/** Remove the entry at @p index, keeping the order of the others. Out of range does nothing. */
void pt_resolvers_remove(struct pt_resolvers *list, size_t index);

/**
 * Index of the entry with this address text and port.
 * @return the index, or -1 when absent.
 */
long pt_resolvers_find(const struct pt_resolvers *list, const char *address, uint16_t port);

/**
 * Parse @p len bytes of @p text (any bytes; NUL, CR and invalid UTF-8 are handled) and append
 * every entry found to @p list, skipping duplicates. Lines that cannot be read are reported
 * in @p report with their line number and reason; the other lines still load.
 * @param flags a mask of enum pt_parse_flag
 * @param[in,out] report counts are added to what it holds; initialise with {0}
 * @return PT_OK (even when lines were rejected) or PT_ERR_NOMEM.
 */
enum pt_status pt_resolvers_parse(struct pt_resolvers *list, const char *text, size_t len,
				  unsigned flags, struct pt_parse_report *report);

/**
 * Read the whole file at @p path ("-" is stdin) and parse it as pt_resolvers_parse() does.
 * @return PT_OK, PT_ERR_IO when the file cannot be read (errno kept), or PT_ERR_NOMEM.
 */
enum pt_status pt_resolvers_load(struct pt_resolvers *list, const char *path, unsigned flags,
				 struct pt_parse_report *report);

/**
 * Write @p list in the resolvers.txt format (one "ADDRESS[:PORT]  LABEL [LOCATION]" line each),
 * so that pt_resolvers_load() reads back the same list.
 * @return PT_OK or PT_ERR_IO.
 */
enum pt_status pt_resolvers_write(const struct pt_resolvers *list, FILE *out);

/**
 * Write @p list to @p path in the resolvers.txt format, atomically: into a temporary file
 * beside it (mode 0666 & ~umask), flushed to disk, then moved into place, so a failure never
 * leaves half a list behind.
 * @param overwrite false: fail with errno EEXIST when @p path exists (also when it appears
 *        while writing)
 * @return PT_OK, or PT_ERR_IO with errno set (nothing written at @p path).
 */
enum pt_status pt_resolvers_save(const struct pt_resolvers *list, const char *path, bool overwrite);

/**
 * Parse one address with an optional port ("8.8.8.8", "8.8.8.8:5353", "8.8.8.8#5353",
 * "@8.8.8.8", "[2001:db8::1]:53", "2001:db8::1#53") into @p r (address, port, sa, salen;
 * label and location cleared).
 * @param[out] reason on failure, why (may be NULL); @p reason_size bytes
 * @return PT_OK or PT_ERR_PARSE.
 */
enum pt_status pt_resolver_parse_address(struct pt_resolver *r, const char *token, char *reason,
					 size_t reason_size);

/** Point @p r at another port: the numeric field and the socket address alike. */
void pt_resolver_set_port(struct pt_resolver *r, uint16_t port);

/** Free the diagnostics held by @p report and zero it. */
void pt_parse_report_fini(struct pt_parse_report *report);

#endif /* PT_RESOLVERS_H */
