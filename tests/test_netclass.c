#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "netclass.h"

static void test_ipv4_ranges(void **state)
{
	(void)state;
	assert_int_equal(pt_netclass_of("8.8.8.8"), PT_NET_GLOBAL);
	assert_int_equal(pt_netclass_of("127.0.0.1"), PT_NET_LOOPBACK);
	assert_int_equal(pt_netclass_of("127.54.25.1"), PT_NET_LOOPBACK);
	assert_int_equal(pt_netclass_of("10.1.2.3"), PT_NET_PRIVATE);
	assert_int_equal(pt_netclass_of("172.16.0.1"), PT_NET_PRIVATE);
	assert_int_equal(pt_netclass_of("172.31.255.255"), PT_NET_PRIVATE);
	assert_int_equal(pt_netclass_of("172.32.0.1"), PT_NET_GLOBAL);
	assert_int_equal(pt_netclass_of("192.168.1.1"), PT_NET_PRIVATE);
	assert_int_equal(pt_netclass_of("169.254.1.1"), PT_NET_LINK_LOCAL);
	assert_int_equal(pt_netclass_of("192.0.2.1"), PT_NET_DOCUMENTATION);
	assert_int_equal(pt_netclass_of("198.51.100.7"), PT_NET_DOCUMENTATION);
	assert_int_equal(pt_netclass_of("203.0.113.255"), PT_NET_DOCUMENTATION);
	assert_int_equal(pt_netclass_of("203.0.114.1"), PT_NET_GLOBAL);
	assert_int_equal(pt_netclass_of("100.64.0.1"), PT_NET_CGNAT);
	assert_int_equal(pt_netclass_of("100.127.255.255"), PT_NET_CGNAT);
	assert_int_equal(pt_netclass_of("100.128.0.1"), PT_NET_GLOBAL);
	assert_int_equal(pt_netclass_of("0.0.0.0"), PT_NET_UNSPECIFIED);
	assert_int_equal(pt_netclass_of("0.1.2.3"), PT_NET_RESERVED);
	assert_int_equal(pt_netclass_of("224.0.0.1"), PT_NET_MULTICAST);
	assert_int_equal(pt_netclass_of("239.255.255.255"), PT_NET_MULTICAST);
	assert_int_equal(pt_netclass_of("240.0.0.1"), PT_NET_RESERVED);
	assert_int_equal(pt_netclass_of("255.255.255.255"), PT_NET_RESERVED);
	assert_int_equal(pt_netclass_of("198.18.0.1"), PT_NET_RESERVED);
	assert_int_equal(pt_netclass_of("192.0.0.8"), PT_NET_RESERVED);
}

static void test_ipv6_ranges(void **state)
{
	(void)state;
	assert_int_equal(pt_netclass_of("2606:4700::1111"), PT_NET_GLOBAL);
	assert_int_equal(pt_netclass_of("::1"), PT_NET_LOOPBACK);
	assert_int_equal(pt_netclass_of("::"), PT_NET_UNSPECIFIED);
	assert_int_equal(pt_netclass_of("fc00::1"), PT_NET_PRIVATE);
	assert_int_equal(pt_netclass_of("fd12:3456::1"), PT_NET_PRIVATE);
	assert_int_equal(pt_netclass_of("fe80::1"), PT_NET_LINK_LOCAL);
	assert_int_equal(pt_netclass_of("fe80::1%eth0"), PT_NET_LINK_LOCAL);
	assert_int_equal(pt_netclass_of("febf::1"), PT_NET_LINK_LOCAL);
	assert_int_equal(pt_netclass_of("2001:db8::25"), PT_NET_DOCUMENTATION);
	assert_int_equal(pt_netclass_of("2001:db9::25"), PT_NET_GLOBAL);
	assert_int_equal(pt_netclass_of("3fff::1"), PT_NET_DOCUMENTATION);
	assert_int_equal(pt_netclass_of("ff02::1"), PT_NET_MULTICAST);
	assert_int_equal(pt_netclass_of("100::1"), PT_NET_RESERVED);
	assert_int_equal(pt_netclass_of("::ffff:10.0.0.1"), PT_NET_PRIVATE);
	assert_int_equal(pt_netclass_of("::ffff:8.8.8.8"), PT_NET_GLOBAL);
}

static void test_invalid_and_names(void **state)
{
	(void)state;
	assert_int_equal(pt_netclass_of("mail.example.com"), PT_NET_INVALID);
	assert_int_equal(pt_netclass_of(""), PT_NET_INVALID);
	assert_int_equal(pt_netclass_of(NULL), PT_NET_INVALID);
	assert_int_equal(pt_netclass_of("256.1.1.1"), PT_NET_INVALID);
	assert_string_equal(pt_netclass_name(PT_NET_DOCUMENTATION), "documentation");
	assert_string_equal(pt_netclass_name(PT_NET_LINK_LOCAL), "link-local");
	assert_string_equal(pt_netclass_rfc("10.0.0.1"), "RFC 1918");
	assert_string_equal(pt_netclass_rfc("8.8.8.8"), "");
}

static void test_literal(void **state)
{
	(void)state;
	assert_true(pt_netclass_is_literal("192.0.2.1"));
	assert_true(pt_netclass_is_literal("192.0.2.1."));
	assert_true(pt_netclass_is_literal("[192.0.2.1]"));
	assert_true(pt_netclass_is_literal("2001:db8::1"));
	assert_true(pt_netclass_is_literal("[IPv6:2001:db8::1]"));
	assert_false(pt_netclass_is_literal("mx1.example.com."));
	assert_false(pt_netclass_is_literal("1.2.3.example."));
	assert_false(pt_netclass_is_literal("."));
	assert_false(pt_netclass_is_literal(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_ranges),
		cmocka_unit_test(test_ipv6_ranges),
		cmocka_unit_test(test_invalid_and_names),
		cmocka_unit_test(test_literal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
