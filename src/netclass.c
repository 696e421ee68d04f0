#include "netclass.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One special-purpose prefix; addresses are compared as 16 bytes (IPv4 as ::ffff:a.b.c.d). */
struct pt_prefix {
	uint8_t addr[16];
	unsigned len;
	enum pt_netclass cls;
	const char *rfc;
};

#define V4(a, b, c, d)                                                                             \
	{                                                                                          \
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d                               \
	}
#define V4LEN(n) (96 + (n))

/* Longest prefixes first where ranges nest (0.0.0.0/32 inside 0/8, ::1 inside ::/8). */
static const struct pt_prefix pt_prefixes[] = {
	{ V4(0, 0, 0, 0), V4LEN(32), PT_NET_UNSPECIFIED, "RFC 1122" },
	{ V4(0, 0, 0, 0), V4LEN(8), PT_NET_RESERVED, "RFC 1122" },
	{ V4(10, 0, 0, 0), V4LEN(8), PT_NET_PRIVATE, "RFC 1918" },
	{ V4(100, 64, 0, 0), V4LEN(10), PT_NET_CGNAT, "RFC 6598" },
	{ V4(127, 0, 0, 0), V4LEN(8), PT_NET_LOOPBACK, "RFC 1122" },
	{ V4(169, 254, 0, 0), V4LEN(16), PT_NET_LINK_LOCAL, "RFC 3927" },
	{ V4(172, 16, 0, 0), V4LEN(12), PT_NET_PRIVATE, "RFC 1918" },
	{ V4(192, 0, 0, 0), V4LEN(24), PT_NET_RESERVED, "RFC 6890" },
	{ V4(192, 0, 2, 0), V4LEN(24), PT_NET_DOCUMENTATION, "RFC 5737" },
	{ V4(192, 168, 0, 0), V4LEN(16), PT_NET_PRIVATE, "RFC 1918" },
	{ V4(198, 18, 0, 0), V4LEN(15), PT_NET_RESERVED, "RFC 2544" },
	{ V4(198, 51, 100, 0), V4LEN(24), PT_NET_DOCUMENTATION, "RFC 5737" },
	{ V4(203, 0, 113, 0), V4LEN(24), PT_NET_DOCUMENTATION, "RFC 5737" },
	{ V4(224, 0, 0, 0), V4LEN(4), PT_NET_MULTICAST, "RFC 5771" },
	{ V4(255, 255, 255, 255), V4LEN(32), PT_NET_RESERVED, "RFC 919" },
	{ V4(240, 0, 0, 0), V4LEN(4), PT_NET_RESERVED, "RFC 1112" },
	{ { 0 }, 128, PT_NET_UNSPECIFIED, "RFC 4291" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, PT_NET_LOOPBACK, "RFC 4291" },
	{ { 0 }, 8, PT_NET_RESERVED, "RFC 4291" },
	{ { 0x01, 0x00 }, 64, PT_NET_RESERVED, "RFC 6666" },
	{ { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 }, 48, PT_NET_RESERVED, "RFC 5180" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, PT_NET_DOCUMENTATION, "RFC 3849" },
	{ { 0x3f, 0xff }, 20, PT_NET_DOCUMENTATION, "RFC 9637" },
	{ { 0xfc }, 7, PT_NET_PRIVATE, "RFC 4193" },
	{ { 0xfe, 0x80 }, 10, PT_NET_LINK_LOCAL, "RFC 4291" },
	{ { 0xfe, 0xc0 }, 10, PT_NET_RESERVED, "RFC 3879" },
	{ { 0xff }, 8, PT_NET_MULTICAST, "RFC 4291" },
};

static bool pt_prefix_has(const struct pt_prefix *p, const uint8_t addr[16])
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, addr, full) != 0) {
		return false;
	}
	if (rest == 0) {
		return true;
	}
	return ((p->addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Address text to 16 bytes (IPv4 mapped into ::ffff:0:0/96); a "%zone" suffix is dropped. */
static bool pt_addr_parse(const char *text, uint8_t out[16])
{
	char buf[64];
	const char *pct;
	size_t len;

	if (!text) {
		return false;
	}
	pct = strchr(text, '%');
	len = pct ? (size_t)(pct - text) : strlen(text);
	if (len == 0 || len >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out + 12) == 1) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

static const struct pt_prefix *pt_netclass_find(const char *address, bool *valid)
{
	uint8_t addr[16];

	*valid = pt_addr_parse(address, addr);
	if (!*valid) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(pt_prefixes) / sizeof(pt_prefixes[0]); i++) {
		const struct pt_prefix *p = &pt_prefixes[i];

		/* IPv4 ranges only match mapped addresses; ::/8 must not swallow them. */
		if (p->len < 96 && addr[10] == 0xff && addr[11] == 0xff &&
		    memcmp(addr, pt_prefixes[0].addr, 10) == 0) {
			continue;
		}
		if (pt_prefix_has(p, addr)) {
			return p;
		}
	}
	return NULL;
}

enum pt_netclass pt_netclass_of(const char *address)
{
	bool valid;
	const struct pt_prefix *p = pt_netclass_find(address, &valid);

	if (!valid) {
		return PT_NET_INVALID;
	}
	return p ? p->cls : PT_NET_GLOBAL;
}

const char *pt_netclass_rfc(const char *address)
{
	bool valid;
	const struct pt_prefix *p = pt_netclass_find(address, &valid);

	return p ? p->rfc : "";
}

const char *pt_netclass_name(enum pt_netclass c)
{
	static const char *const names[] = {
		[PT_NET_GLOBAL] = "global",
		[PT_NET_LOOPBACK] = "loopback",
		[PT_NET_PRIVATE] = "private",
		[PT_NET_LINK_LOCAL] = "link-local",
		[PT_NET_DOCUMENTATION] = "documentation",
		[PT_NET_CGNAT] = "cgnat",
		[PT_NET_UNSPECIFIED] = "unspecified",
		[PT_NET_MULTICAST] = "multicast",
		[PT_NET_RESERVED] = "reserved",
		[PT_NET_INVALID] = "invalid",
	};

	if ((unsigned)c >= sizeof(names) / sizeof(names[0])) {
		return "invalid";
	}
	return names[c];
}

bool pt_netclass_is_literal(const char *text)
{
	char buf[80];
	uint8_t addr[16];
	size_t len;

	if (!text) {
		return false;
	}
	len = strlen(text);
	if (len == 0 || len >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, text, len + 1);
	if (len > 1 && buf[len - 1] == '.') {
		buf[--len] = '\0';
	}
	if (buf[0] == '[' && len > 2 && buf[len - 1] == ']') {
		memmove(buf, buf + 1, len - 2);
		buf[len - 2] = '\0';
	}
	if (strncasecmp(buf, "ipv6:", 5) == 0) {
		memmove(buf, buf + 5, strlen(buf + 5) + 1);
	}
	return strchr(buf, '%') == NULL && pt_addr_parse(buf, addr);
}
