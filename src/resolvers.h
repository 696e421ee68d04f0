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
#include <netinet/in.h>
#include <sys/socket.h>

#include "status.h"
#include "vantage.h"

/** Longest label kept, including the NUL; longer labels are cut on a UTF-8 boundary. */
#define PT_LABEL_MAX 96
/** Longest location kept, including the NUL. */
#define PT_LOCATION_MAX 64
/** Longest numeric address text, including an IPv6 zone id and the NUL. */
#define PT_ADDRESS_MAX 64

/** How queries reach a resolver. */
enum pt_transport {
	PT_TRANSPORT_UDP = 0, /**< a plain entry: UDP, TCP after truncation (or with --tcp) */
	PT_TRANSPORT_TLS,     /**< DNS over TLS (RFC 7858): "tls://ADDR[:PORT][#NAME]" */
	PT_TRANSPORT_HTTPS,   /**< DNS over HTTPS (RFC 8484): "https://HOST[:PORT]/PATH" */
};

/** Longest TLS name or DoH URL kept, including the NUL; longer ones are rejected. */
#define PT_ENDPOINT_MAX 256
/** Default port of DNS over TLS (RFC 7858) and of DNS over HTTPS. */
#define PT_DOT_PORT 853
#define PT_DOH_PORT 443

/** One resolver: where to send queries and how to show it. */
/** A socket address of either family, as large as an IPv6 one (28 bytes; a struct
 *  sockaddr_storage is 128, and every resolver holds one). Cast its address as for a
 *  sockaddr_storage; its family is any.sa_family. */
union pt_sockaddr {
	struct sockaddr any;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct pt_resolver {
	/** numeric address without brackets or port ("8.8.8.8", "2001:db8::1", "fe80::1%eth0");
	 *  for a DoH entry whose host name was not resolved, that host name (then @ref salen
	 *  is 0 and libcurl resolves it) */
	char address[PT_ADDRESS_MAX];
	/** UDP/TCP port, 1..65535 (853 for DoT, 443 for DoH unless given) */
	uint16_t port;
	/** readable name; empty when the entry had none */
	char label[PT_LABEL_MAX];
	/** free-form location ("US", "Prague, CZ"); empty when unknown */
	char location[PT_LOCATION_MAX];
	/** the address and port as a socket address, ready for connect() */
	union pt_sockaddr sa;
	/** length of @ref sa */
	socklen_t salen;
	/** where its answers are seen from (zeroed: a local resolver proptrack asks itself) */
	struct pt_vantage vantage;
	/** how queries reach it */
	enum pt_transport transport;
	/** TLS: the name its certificate must carry (empty: the certificate must name the
	 *  address); HTTPS: the URL ("https://dns.example/dns-query"); empty for UDP. A shared
	 *  string (pt_resolver_endpoint()): a pointer, not 256 bytes in every resolver; NULL (a
	 *  zeroed struct) reads as empty. */
	const char *endpoint;
};

/**
 * @p text (cut to PT_ENDPOINT_MAX - 1 bytes) as a resolver's endpoint: pt_text_intern()'s copy
 * (the TLS names and DoH URLs of the lists given are a handful of strings, whatever the number
 * of resolvers). @return NULL when out of memory or the table is full. Any thread.
 */
const char *pt_resolver_endpoint(const char *text);

/** "udp", "tcp" (a plain entry answered over TCP: @p via_tcp), "tls" or "https". */
const char *pt_transport_name(enum pt_transport t, bool via_tcp);

/**
 * The entry as a list would write it ("8.8.8.8", "[2001:db8::1]:5353",
 * "tls://1.1.1.1#cloudflare-dns.com", "https://dns.google/dns-query") into @p buf.
 * @return @p buf.
 */
char *pt_resolver_format(char *buf, size_t size, const struct pt_resolver *r);

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

/**
 * Shared resolvers: one immutable copy, held by reference by whoever needs it for longer (the
 * loaded list, the state's entries, the rows of its snapshots, a question on its way), freed
 * with its last reference: at 100,000 resolvers one copy of ~830 bytes each, not one per
 * holder. A shared resolver is never changed; a change is a new one. Only what
 * pt_resolver_share() returned (and pt_resolvers_get()) may be given to the other two.
 */
/** A shared copy of @p r with one reference. @return NULL when out of memory. */
const struct pt_resolver *pt_resolver_share(const struct pt_resolver *r);

/** One more reference to shared @p r (NULL: none). @return @p r. Any thread. */
const struct pt_resolver *pt_resolver_ref(const struct pt_resolver *r);

/** Drop one reference to shared @p r, freeing it with the last (NULL: nothing). Any thread. */
void pt_resolver_unref(const struct pt_resolver *r);

struct pt_resolvers;

/** Create an empty list. @return new list or NULL on allocation failure. Caller owns; free with
 * pt_resolvers_free(). */
struct pt_resolvers *pt_resolvers_new(void);

/** Free @p list and every entry. NULL does nothing. */
void pt_resolvers_free(struct pt_resolvers *list);

/** Number of entries. */
size_t pt_resolvers_count(const struct pt_resolvers *list);

/** Resolver at @p index: shared (pt_resolver_ref() keeps it past the list); borrowed, valid
 *  until it is removed or the list freed. */
const struct pt_resolver *pt_resolvers_get(const struct pt_resolvers *list, size_t index);

/**
 * Append a shared copy of @p r unless the same address and port is listed already.
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
 * At most 64 MiB are read (a list is a few MB; /dev/zero must not fill memory) and a list
 * keeps at most 100,000 resolvers (the rest are rejected lines).
 * @return PT_OK, PT_ERR_IO when the file cannot be read (errno kept; EFBIG when it holds
 *         more than 64 MiB), or PT_ERR_NOMEM.
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
 * Write @p list to @p path in the resolvers.txt format with pt_safefile_write() (src/safefile.h):
 * only a regular file is replaced, keeping its mode and owner; a new one gets 0666 & ~umask;
 * written to a temporary file beside it, flushed to disk, then moved into place.
 * @param overwrite false: fail with errno EEXIST when @p path exists (also when it appears
 *        while writing)
 * @return PT_OK, or PT_ERR_IO with errno set (pt_safefile_strerror() says it in words;
 *         nothing written at @p path).
 */
enum pt_status pt_resolvers_save(const struct pt_resolvers *list, const char *path, bool overwrite);

/**
 * Parse one address with an optional port ("8.8.8.8", "8.8.8.8:5353", "8.8.8.8#5353",
 * "@8.8.8.8", "[2001:db8::1]:53", "2001:db8::1#53"; also "tls://ADDR[:PORT][#NAME]", and
 * "https://HOST[:PORT]/PATH" with a numeric HOST) into @p r (address, port, sa, salen,
 * transport, endpoint; label and location cleared).
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
