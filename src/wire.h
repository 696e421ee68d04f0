/**
 * @file wire.h
 * Strict structural checks of a DNS reply in wire format, before ldns parses it: ldns is
 * lenient where a hostile server can exploit it (it reads a name past the end of its RDATA,
 * skips junk after the fields it knows, follows compression pointers forwards, accepts any
 * number of OPT records). This is a validation walk only: it decodes nothing for use; ldns
 * still does all the parsing (src/query.c).
 * Pure functions, no allocation, no shared state: safe from any thread.
 */
#ifndef PT_WIRE_H
#define PT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Why a message failed the walk. */
enum pt_wire_error {
	PT_WIRE_OK = 0,	  /**< well-formed */
	PT_WIRE_SHORT,	  /**< shorter than its header, or a section runs past the end */
	PT_WIRE_NAME,	  /**< a bad name: label too long, name over 255 octets, bad label type */
	PT_WIRE_POINTER,  /**< a compression pointer that does not point backwards */
	PT_WIRE_RDLENGTH, /**< RDATA not consumed exactly by its RDLENGTH */
	PT_WIRE_OPT,	  /**< OPT outside the additional section, not at the root, or twice */
	PT_WIRE_TRAILING, /**< bytes after the last record */
	PT_WIRE_TC_OVER_TCP, /**< TC set in a reply that came over TCP */
};

/**
 * Walk @p len bytes of @p msg: header, every question and record, each name (pointers only
 * to earlier bytes than any reached so far, so no loop), each RDATA of a type whose layout
 * is known (A, AAAA, NS, CNAME, PTR, DNAME, MX, SOA, SRV, TXT, ...) consumed exactly by its
 * RDLENGTH, at most one OPT (at the root, in the additional section), nothing after the last
 * record, and no TC flag when @p tcp.
 * @return PT_WIRE_OK or the first problem found.
 */
enum pt_wire_error pt_wire_check(const uint8_t *msg, size_t len, bool tcp);

/** A short text for @p e ("compression pointer not backwards"). Static string. */
const char *pt_wire_error_text(enum pt_wire_error e);

#endif /* PT_WIRE_H */
