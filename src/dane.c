/*
 * TLSA records (RFC 6698 §2) against a presented certificate chain (RFC 7672 §3).
 */
#include "dane.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool pt_tlsa_parse(const char *rdata, struct pt_tlsa *out)
{
	unsigned u, s, m;
	int used = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (sscanf(rdata, "%u %u %u %n", &u, &s, &m, &used) != 3 || used == 0 || u > 255 ||
	    s > 255 || m > 255) {
		return false;
	}
	out->usage = u;
	out->selector = s;
	out->mtype = m;
	/* the hex may be split by spaces (presentation form allows it) */
	for (p = rdata + used; *p;) {
		int hi, lo;

		if (*p == ' ') {
			p++;
			continue;
		}
		hi = hexval((unsigned char)p[0]);
		lo = p[1] ? hexval((unsigned char)p[1]) : -1;
		if (hi < 0 || lo < 0 || out->len == sizeof(out->data)) {
			return false;
		}
		out->data[out->len++] = (unsigned char)(hi * 16 + lo);
		p += 2;
	}
	return out->len > 0;
}

bool pt_tlsa_usable(const struct pt_tlsa *t)
{
	return (t->usage == 2 || t->usage == 3) && t->selector <= 1 && t->mtype <= 2;
}

static bool match_one(const struct pt_tlsa *t, const struct pt_smtp_tls *tls, size_t i)
{
	unsigned char h[32];
	const unsigned char *want;
	size_t wlen;

	switch (t->mtype) {
	case 0:
		/* exact: compare the SHA-256 of the record's data with the presented one's */
		SHA256(t->data, t->len, h);
		want = t->selector ? tls->spki_sha256[i] : tls->cert_sha256[i];
		return memcmp(h, want, 32) == 0;
	case 1:
		want = t->selector ? tls->spki_sha256[i] : tls->cert_sha256[i];
		wlen = 32;
		break;
	case 2:
		want = t->selector ? tls->spki_sha512[i] : tls->cert_sha512[i];
		wlen = 64;
		break;
	default:
		return false;
	}
	return t->len == wlen && memcmp(t->data, want, wlen) == 0;
}

bool pt_tlsa_match(const struct pt_tlsa *t, const struct pt_smtp_tls *tls)
{
	if (!pt_tlsa_usable(t) || !tls->done) {
		return false;
	}
	if (t->usage == 3) {
		return match_one(t, tls, 0);
	}
	for (size_t i = tls->ncerts > 1 ? 1 : 0; i < tls->ncerts; i++) {
		if (match_one(t, tls, i)) {
			return true;
		}
	}
	return false;
}

void pt_tlsa_suggest(char *buf, size_t size, const struct pt_smtp_tls *tls)
{
	size_t n = (size_t)snprintf(buf, size, "3 1 1 ");

	for (size_t i = 0; i < 32 && n + 2 < size; i++) {
		n += (size_t)snprintf(buf + n, size - n, "%02x", tls->spki_sha256[0][i]);
	}
}
