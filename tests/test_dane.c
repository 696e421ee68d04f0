/* Unit tests of the TLSA reader and matching (RFC 6698, RFC 7672). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "dane.h"

static void hex(char *out, const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sprintf(out + 2 * i, "%02X", d[i]);
	}
}

/* A chain of two "certificates" whose DER and SPKI are short byte strings. */
static void chain(struct pt_smtp_tls *tls)
{
	static const unsigned char leaf[] = "leaf-der", spki[] = "leaf-spki", ca[] = "ca-der",
				   caspki[] = "ca-spki";

	memset(tls, 0, sizeof(*tls));
	tls->done = true;
	tls->ncerts = 2;
	SHA256(leaf, sizeof(leaf), tls->cert_sha256[0]);
	SHA512(leaf, sizeof(leaf), tls->cert_sha512[0]);
	SHA256(spki, sizeof(spki), tls->spki_sha256[0]);
	SHA512(spki, sizeof(spki), tls->spki_sha512[0]);
	SHA256(ca, sizeof(ca), tls->cert_sha256[1]);
	SHA512(ca, sizeof(ca), tls->cert_sha512[1]);
	SHA256(caspki, sizeof(caspki), tls->spki_sha256[1]);
	SHA512(caspki, sizeof(caspki), tls->spki_sha512[1]);
}

static void test_parse(void **state)
{
	struct pt_tlsa t;

	(void)state;
	assert_true(pt_tlsa_parse("3 1 1 0a0B 0c", &t));
	assert_int_equal(t.usage, 3);
	assert_int_equal(t.len, 3);
	assert_int_equal(t.data[1], 0x0b);
	assert_true(pt_tlsa_usable(&t));
	assert_false(pt_tlsa_parse("3 1 1 0g", &t));
	assert_false(pt_tlsa_parse("3 1 1 abc", &t));
	assert_false(pt_tlsa_parse("3 1", &t));
	assert_true(pt_tlsa_parse("1 0 1 00", &t));
	assert_false(pt_tlsa_usable(&t));
}

static void test_match(void **state)
{
	struct pt_smtp_tls tls;
	struct pt_tlsa t;
	char rd[300], h[200];
	char sug[100];

	(void)state;
	chain(&tls);
	/* DANE-EE, SPKI, SHA-256: the leaf's key */
	hex(h, tls.spki_sha256[0], 32);
	snprintf(rd, sizeof(rd), "3 1 1 %s", h);
	assert_true(pt_tlsa_parse(rd, &t));
	assert_true(pt_tlsa_match(&t, &tls));
	/* DANE-EE does not match the CA's */
	hex(h, tls.spki_sha256[1], 32);
	snprintf(rd, sizeof(rd), "3 1 1 %s", h);
	assert_true(pt_tlsa_parse(rd, &t));
	assert_false(pt_tlsa_match(&t, &tls));
	/* DANE-TA, whole certificate, SHA-512: the CA in the chain */
	hex(h, tls.cert_sha512[1], 64);
	snprintf(rd, sizeof(rd), "2 0 2 %s", h);
	assert_true(pt_tlsa_parse(rd, &t));
	assert_true(pt_tlsa_match(&t, &tls));
	/* exact match (type 0) of the SPKI */
	hex(h, (const unsigned char *)"leaf-spki", 10);
	snprintf(rd, sizeof(rd), "3 1 0 %s", h);
	assert_true(pt_tlsa_parse(rd, &t));
	assert_true(pt_tlsa_match(&t, &tls));
	/* PKIX usages never match for SMTP; nor does a failed handshake */
	hex(h, tls.spki_sha256[0], 32);
	snprintf(rd, sizeof(rd), "1 1 1 %s", h);
	assert_true(pt_tlsa_parse(rd, &t));
	assert_false(pt_tlsa_match(&t, &tls));
	tls.done = false;
	snprintf(rd, sizeof(rd), "3 1 1 %s", h);
	assert_true(pt_tlsa_parse(rd, &t));
	assert_false(pt_tlsa_match(&t, &tls));
	tls.done = true;
	pt_tlsa_suggest(sug, sizeof(sug), &tls);
	assert_int_equal(strncmp(sug, "3 1 1 ", 6), 0);
	assert_true(pt_tlsa_parse(sug, &t));
	assert_true(pt_tlsa_match(&t, &tls));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
