/**
 * @file dns.h
 * DNS numbers proptrack uses by name: record types (RFC 1035, RFC 3596, RFC 4034, RFC 6844,
 * IANA "Resource Record (RR) TYPEs"), response codes (RFC 1035 §4.1.1, RFC 6895) and the class
 * IN. The one place these numbers are written; everything else names them.
 * Header only, no state.
 */
#ifndef PT_DNS_H
#define PT_DNS_H

/** Record types. */
enum pt_dns_type {
	PT_TYPE_A = 1,	     /**< IPv4 address */
	PT_TYPE_NS = 2,	     /**< name server */
	PT_TYPE_CNAME = 5,   /**< alias */
	PT_TYPE_SOA = 6,     /**< start of authority */
	PT_TYPE_PTR = 12,    /**< reverse pointer */
	PT_TYPE_MX = 15,     /**< mail exchange */
	PT_TYPE_TXT = 16,    /**< text */
	PT_TYPE_AAAA = 28,   /**< IPv6 address */
	PT_TYPE_SRV = 33,    /**< service location */
	PT_TYPE_OPT = 41,    /**< EDNS pseudo-record */
	PT_TYPE_DS = 43,     /**< delegation signer */
	PT_TYPE_RRSIG = 46,  /**< signature */
	PT_TYPE_DNSKEY = 48, /**< zone key */
	PT_TYPE_TLSA = 52,   /**< DANE certificate association */
	PT_TYPE_CAA = 257,   /**< certification authority authorization */
	PT_TYPE_ANY = 255,   /**< every type (a question only) */
};

/** Response codes (the extended rcode bits from OPT included). */
enum pt_dns_rcode {
	PT_RCODE_NOERROR = 0,  /**< no error */
	PT_RCODE_FORMERR = 1,  /**< the server could not read the query */
	PT_RCODE_SERVFAIL = 2, /**< server failure */
	PT_RCODE_NXDOMAIN = 3, /**< the name does not exist */
	PT_RCODE_NOTIMP = 4,   /**< not implemented */
	PT_RCODE_REFUSED = 5,  /**< refused by policy */
};

/** The Internet class: every question proptrack asks is of class IN. */
#define PT_CLASS_IN 1

/** The DNS port. */
#define PT_DNS_PORT 53

#endif /* PT_DNS_H */
