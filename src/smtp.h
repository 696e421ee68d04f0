/**
 * @file smtp.h
 * SMTP reachability probe: connect to a mail server, read the 220 greeting, say EHLO, note
 * whether STARTTLS is offered, say QUIT. Several probes run at once in one poll() loop, so
 * many MX addresses cost one timeout, not the sum of them.
 * Threads: pt_smtp_probe_all() blocks the calling thread; it shares nothing between calls.
 */
#ifndef PT_SMTP_H
#define PT_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolvers.h"
#include "status.h"

/** How one probe ended. */
enum pt_smtp_result {
	PT_SMTP_OK = 0,		 /**< greeting 220, EHLO answered 250 */
	PT_SMTP_REFUSED,	 /**< connection refused (nothing listens, or a firewall rejects) */
	PT_SMTP_CONNECT_TIMEOUT, /**< no answer to the connection attempt in time */
	PT_SMTP_BANNER_TIMEOUT,	 /**< connected, but no complete greeting in time */
	PT_SMTP_BAD_BANNER,	 /**< the greeting was not 220 (e.g. 554: no service for you) */
	PT_SMTP_EHLO_FAILED,	 /**< greeting fine, EHLO refused, unreadable or unanswered */
	PT_SMTP_CLOSED,		 /**< the server closed the connection before greeting */
	PT_SMTP_UNREACHABLE,	 /**< network or host unreachable, or another socket error */
	PT_SMTP_BAD_ADDRESS,	 /**< the address text is not a numeric IPv4/IPv6 address */
};

/** Contract name of a result ("ok", "refused", "connect-timeout", "banner-timeout",
 *  "bad-banner", "ehlo-failed", "closed", "unreachable", "bad-address"). Static string. */
const char *pt_smtp_result_name(enum pt_smtp_result r);

/** One probe: the target is filled by the caller, the rest by pt_smtp_probe_all(). */
struct pt_smtp_probe {
	/** in: numeric address to connect to */
	char address[PT_ADDRESS_MAX];
	/** in: TCP port (25 normally) */
	uint16_t port;
	/** out: how it ended */
	enum pt_smtp_result result;
	/** out: reply code of the greeting, 0 when none arrived */
	int banner_code;
	/** out: the greeting's first line without the code, control characters replaced */
	char banner[256];
	/** out: reply code to EHLO, 0 when none arrived */
	int ehlo_code;
	/** out: EHLO keywords offered (first word of each extension line), space-separated */
	char extensions[256];
	/** out: STARTTLS was among the EHLO keywords */
	bool starttls;
	/** out: the server answered QUIT with 221 */
	bool quit_ok;
	/** out: time to connect, milliseconds (0 when no connection) */
	double connect_ms;
	/** out: whole probe, milliseconds */
	double total_ms;
	/** out: errno of a socket failure, else 0 */
	int err;
};

/**
 * Run every probe in @p probes at once and wait until all have ended.
 * @param helo name to give in EHLO; NULL for "proptrack.invalid"
 * @param timeout_ms limit for each step (connect, greeting, EHLO reply, QUIT reply); 0 = 5000
 * @return PT_OK (each probe's own outcome is in its result) or PT_ERR_NOMEM.
 */
enum pt_status pt_smtp_probe_all(struct pt_smtp_probe *probes, size_t n, const char *helo,
				 unsigned timeout_ms);

/**
 * Feed one reply line to a multi-line reply reader (RFC 5321 §4.2.1: "250-..." continues,
 * "250 ..." ends). Exposed for tests.
 * @param[in,out] code the reply code seen so far (0 before the first line)
 * @return 1 when the line ended the reply, 0 when more lines follow, -1 when the line is not
 *         a reply line or its code differs from the earlier lines'.
 */
int pt_smtp_reply_line(const char *line, int *code);

/** Certificates of a chain kept by pt_smtp_starttls(). */
#define PT_SMTP_TLS_MAX 4

/** What a server presented after STARTTLS, hashed for DANE (RFC 6698 §2.1: selector 0 the
 *  whole certificate, 1 its SubjectPublicKeyInfo; matching types 1 SHA-256, 2 SHA-512). */
struct pt_smtp_tls {
	/** the handshake completed and a certificate was presented */
	bool done;
	/** why not, printable; "" when done */
	char error[128];
	/** certificates kept, the leaf first, then the rest of the chain as sent */
	size_t ncerts;
	/** SHA-256 of each certificate's DER */
	unsigned char cert_sha256[PT_SMTP_TLS_MAX][32];
	/** SHA-512 of each certificate's DER */
	unsigned char cert_sha512[PT_SMTP_TLS_MAX][64];
	/** SHA-256 of each SubjectPublicKeyInfo's DER */
	unsigned char spki_sha256[PT_SMTP_TLS_MAX][32];
	/** SHA-512 of each SubjectPublicKeyInfo's DER */
	unsigned char spki_sha512[PT_SMTP_TLS_MAX][64];
};

/**
 * Connect, EHLO, STARTTLS, and a TLS handshake (OpenSSL, no verification: DANE judges the
 * chain) with one server; blocking, each step bounded by @p timeout_ms (0 = 5000).
 * @param name the MX host name, sent as SNI; NULL for none
 * @param[out] out the hashed chain, or @p out->error
 * @return PT_OK (the outcome is in @p out) or PT_ERR_PARSE / PT_ERR_IO before any exchange.
 */
enum pt_status pt_smtp_starttls(const char *address, uint16_t port, const char *name,
				const char *helo, unsigned timeout_ms, struct pt_smtp_tls *out);

#endif /* PT_SMTP_H */
