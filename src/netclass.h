/**
 * @file netclass.h
 * Address range classification: is an IP address one that mail from the Internet can reach
 * (global), or loopback, private, link-local, documentation, CGNAT, unspecified, multicast
 * or otherwise reserved? Pure functions over address text; safe from any thread.
 */
#ifndef PT_NETCLASS_H
#define PT_NETCLASS_H

#include <stdbool.h>

/** The special-purpose range an address falls in (IANA special-purpose registries). */
enum pt_netclass {
	PT_NET_GLOBAL = 0, /**< none of the ranges below: reachable from the Internet */
	PT_NET_LOOPBACK,   /**< 127.0.0.0/8, ::1 (RFC 1122, RFC 4291) */
	PT_NET_PRIVATE,	   /**< 10/8, 172.16/12, 192.168/16 (RFC 1918), fc00::/7 ULA (RFC 4193) */
	PT_NET_LINK_LOCAL, /**< 169.254/16 (RFC 3927), fe80::/10 (RFC 4291) */
	PT_NET_DOCUMENTATION, /**< 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737),
				   2001:db8::/32 (RFC 3849), 3fff::/20 (RFC 9637) */
	PT_NET_CGNAT,	      /**< 100.64/10 shared address space (RFC 6598) */
	PT_NET_UNSPECIFIED,   /**< 0.0.0.0, :: */
	PT_NET_MULTICAST,     /**< 224/4, ff00::/8 */
	PT_NET_RESERVED,      /**< other special-purpose ranges: 0/8, 192.0.0/24, 198.18/15,
				   240/4, 255.255.255.255, 100::/64, 2001:2::/48, fec0::/10, ::/8 rest */
	PT_NET_INVALID,	      /**< not a numeric IPv4 or IPv6 address */
};

/**
 * Classify a numeric address ("192.0.2.1", "2001:db8::1", "fe80::1%eth0", "::ffff:10.0.0.1";
 * IPv4-mapped IPv6 addresses are classified as the IPv4 address they carry).
 */
enum pt_netclass pt_netclass_of(const char *address);

/** Short name: "global", "loopback", "private", "link-local", "documentation", "cgnat",
 *  "unspecified", "multicast", "reserved", "invalid". Static string. */
const char *pt_netclass_name(enum pt_netclass c);

/** The RFC that defines the class of @p address ("RFC 1918"), "" for global. Static string. */
const char *pt_netclass_rfc(const char *address);

/** True when @p text is an IPv4 or IPv6 address literal, also with a trailing dot, in
 *  brackets ("[192.0.2.1]") or with an "IPv6:" prefix, as such literals appear in MX targets. */
bool pt_netclass_is_literal(const char *text);

#endif /* PT_NETCLASS_H */
