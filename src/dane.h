/**
 * @file dane.h
 * DANE for SMTP (RFC 7672, RFC 6698), pure: a TLSA record's fields, whether SMTP can use it
 * (§3.1: DANE-TA(2) and DANE-EE(3) only), and whether a presented chain (hashed by
 * pt_smtp_starttls()) matches it. No state, no I/O.
 */
#ifndef PT_DANE_H
#define PT_DANE_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp.h"

/** One TLSA record. */
struct pt_tlsa {
	/** certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE */
	unsigned usage;
	/** selector: 0 whole certificate, 1 SubjectPublicKeyInfo */
	unsigned selector;
	/** matching type: 0 exact, 1 SHA-256, 2 SHA-512 */
	unsigned mtype;
	/** the association data */
	unsigned char data[1024];
	/** bytes of @ref data */
	size_t len;
};

/** Read TLSA RDATA in presentation form ("3 1 1 0A1B..."). @return false when unreadable. */
bool pt_tlsa_parse(const char *rdata, struct pt_tlsa *out);

/** True when SMTP can use @p t (RFC 7672 §3.1.3: usages 0 and 1 are unusable; selectors
 *  0-1 and matching types 0-2 known). */
bool pt_tlsa_usable(const struct pt_tlsa *t);

/** True when the chain @p tls matches @p t: DANE-EE against the leaf, DANE-TA against any
 *  certificate of the chain after it (or the leaf, for a self-issued one). */
bool pt_tlsa_match(const struct pt_tlsa *t, const struct pt_smtp_tls *tls);

/** "3 1 1 HEX" for the presented leaf's public key (the DANE-EE record that would match). */
void pt_tlsa_suggest(char *buf, size_t size, const struct pt_smtp_tls *tls);

#endif /* PT_DANE_H */
