/* Unit tests for src/wire.c: the strict walk accepts well-formed replies and names each
 * structural problem a hostile server can send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* header (ID 0x4d2e, QR RD RA), question example.com MX IN */
#define HDR(an, ns, ar) 0x4d, 0x2e, 0x81, 0x80, 0, 1, 0, an, 0, ns, 0, ar
#define QUESTION 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 15, 0, 1
/* MX 10 example.com. (target compressed to the question name) */
#define MX_RR 0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 10, 0xc0, 0x0c
#define OPT_RR 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0

static void test_good(void **state)
{
	static const uint8_t m[] = { HDR(1, 0, 1), QUESTION, MX_RR, OPT_RR };
	static const uint8_t soa[] = {
		HDR(0, 1, 0), QUESTION,
		/* example.com SOA ns.example.com. h.example.com. 1 2 3 4 5 */
		0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 60, 0, 29, 2, 'n', 's', 0xc0, 0x0c, 1, 'h',
		0xc0, 0x0c, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5,
	};

	(void)state;
	assert_int_equal(pt_wire_check(m, sizeof(m), false), PT_WIRE_OK);
	assert_int_equal(pt_wire_check(m, sizeof(m), true), PT_WIRE_OK);
	assert_int_equal(pt_wire_check(soa, sizeof(soa), false), PT_WIRE_OK);
}

static void test_truncated_everywhere(void **state)
{
	static const uint8_t m[] = { HDR(1, 0, 1), QUESTION, MX_RR, OPT_RR };

	(void)state;
	for (size_t n = 0; n < sizeof(m); n++) {
		uint8_t *p = malloc(n ? n : 1);

		memcpy(p, m, n);
		assert_int_not_equal(pt_wire_check(p, n, false), PT_WIRE_OK);
		free(p);
	}
	assert_int_equal(pt_wire_check(NULL, 0, false), PT_WIRE_SHORT);
}

static void test_pointers(void **state)
{
	/* answer owner points at itself */
	static const uint8_t self[] = { HDR(1, 0, 0), QUESTION, 0xc0, 29, 0, 15, 0, 1, 0, 0, 0,
					60, 0, 4, 0, 10, 0xc0, 0x0c };
	/* answer owner points forward, at the MX target */
	static const uint8_t fwd[] = { HDR(1, 0, 0), QUESTION, 0xc0, 43, 0, 15, 0, 1, 0, 0, 0,
				       60, 0, 5, 0, 10, 1, 'x', 0 };
	/* into the header */
	static const uint8_t hdr[] = { HDR(1, 0, 0), QUESTION, 0xc0, 2, 0, 15, 0, 1, 0, 0, 0,
				       60, 0, 4, 0, 10, 0xc0, 0x0c };
	/* a label, then a pointer back to the start of the same name (a loop) */
	static const uint8_t chase[] = { HDR(1, 0, 0), QUESTION, 1, 'a', 0xc0, 29, 0, 15, 0, 1,
					 0, 0, 0, 60, 0, 4, 0, 10, 0xc0, 0x0c };

	(void)state;
	assert_int_equal(pt_wire_check(self, sizeof(self), false), PT_WIRE_POINTER);
	assert_int_equal(pt_wire_check(fwd, sizeof(fwd), false), PT_WIRE_POINTER);
	assert_int_equal(pt_wire_check(hdr, sizeof(hdr), false), PT_WIRE_POINTER);
	assert_int_equal(pt_wire_check(chase, sizeof(chase), false), PT_WIRE_POINTER);
}

static void test_rdlength(void **state)
{
	/* RDLENGTH 3 covers the preference and a part of the name */
	static const uint8_t shorter[] = { HDR(1, 0, 0), QUESTION, 0xc0, 0x0c, 0, 15, 0, 1,
					   0, 0, 0, 60, 0, 3, 0, 10, 1, 'x', 0 };
	/* junk after the MX target, inside RDLENGTH */
	static const uint8_t junk[] = { HDR(1, 0, 0), QUESTION, 0xc0, 0x0c, 0, 15, 0, 1, 0, 0,
					0, 60, 0, 6, 0, 10, 0xc0, 0x0c, 'J', 'K' };
	/* RDLENGTH past the end */
	static const uint8_t longer[] = { HDR(1, 0, 0), QUESTION, 0xc0, 0x0c, 0, 15, 0, 1,
					  0, 0, 0, 60, 0x40, 0, 0, 10, 0xc0, 0x0c };
	/* A record of 5 bytes; TXT whose string runs past its RDATA */
	static const uint8_t a5[] = { HDR(1, 0, 0), QUESTION, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0,
				      0, 60, 0, 5, 1, 2, 3, 4, 5 };
	static const uint8_t txt[] = { HDR(1, 0, 0), QUESTION, 0xc0, 0x0c, 0, 16, 0, 1, 0, 0,
				       0, 60, 0, 3, 5, 'a', 'b' };
	/* bytes after the last record */
	static const uint8_t trailing[] = { HDR(1, 0, 0), QUESTION, MX_RR, 0 };

	(void)state;
	assert_int_equal(pt_wire_check(shorter, sizeof(shorter), false), PT_WIRE_RDLENGTH);
	assert_int_equal(pt_wire_check(junk, sizeof(junk), false), PT_WIRE_RDLENGTH);
	assert_int_equal(pt_wire_check(longer, sizeof(longer), false), PT_WIRE_RDLENGTH);
	assert_int_equal(pt_wire_check(a5, sizeof(a5), false), PT_WIRE_RDLENGTH);
	assert_int_equal(pt_wire_check(txt, sizeof(txt), false), PT_WIRE_RDLENGTH);
	assert_int_equal(pt_wire_check(trailing, sizeof(trailing), false), PT_WIRE_TRAILING);
}

static void test_opt_and_tc(void **state)
{
	static const uint8_t two[] = { HDR(1, 0, 2), QUESTION, MX_RR, OPT_RR, OPT_RR };
	static const uint8_t in_answer[] = { HDR(2, 0, 0), QUESTION, MX_RR, OPT_RR };
	static const uint8_t owner[] = { HDR(1, 0, 1), QUESTION, MX_RR, 1, 'x', 0, 0, 41,
					 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
	uint8_t tc[] = { HDR(1, 0, 1), QUESTION, MX_RR, OPT_RR };

	(void)state;
	assert_int_equal(pt_wire_check(two, sizeof(two), false), PT_WIRE_OPT);
	assert_int_equal(pt_wire_check(in_answer, sizeof(in_answer), false), PT_WIRE_OPT);
	assert_int_equal(pt_wire_check(owner, sizeof(owner), false), PT_WIRE_OPT);
	tc[2] |= 0x02;
	assert_int_equal(pt_wire_check(tc, sizeof(tc), false), PT_WIRE_OK);
	assert_int_equal(pt_wire_check(tc, sizeof(tc), true), PT_WIRE_TC_OVER_TCP);
	assert_string_equal(pt_wire_error_text(PT_WIRE_POINTER),
			    "compression pointer not backwards");
}

static void test_names(void **state)
{
	/* a label type 0x40 in the question */
	static const uint8_t ext[] = { HDR(0, 0, 0), 0x41, 'x', 0, 0, 15, 0, 1 };
	uint8_t lng[12 + 5 * 64 + 1 + 4];
	size_t p = 12;

	(void)state;
	assert_int_equal(pt_wire_check(ext, sizeof(ext), false), PT_WIRE_NAME);
	/* five 63-byte labels: 321 octets, over 255 */
	memcpy(lng, (const uint8_t[]){ HDR(0, 0, 0) }, 12);
	for (int i = 0; i < 5; i++) {
		lng[p++] = 63;
		memset(lng + p, 'a', 63);
		p += 63;
	}
	lng[p++] = 0;
	memcpy(lng + p, (const uint8_t[]){ 0, 15, 0, 1 }, 4);
	assert_int_equal(pt_wire_check(lng, p + 4, false), PT_WIRE_NAME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	     cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_pointers),     cmocka_unit_test(test_rdlength),
		cmocka_unit_test(test_opt_and_tc),   cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
