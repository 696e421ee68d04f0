/*
 * The validation walk of wire.h. Offsets are checked before every read; nothing is decoded
 * beyond what the walk needs (lengths, types, counts).
 */
#include "wire.h"

#define HDR_LEN 12
#define NAME_MAX_OCTETS 255
#define LABEL_MAX 63
#define TYPE_OPT 41
/* TC is bit 1 of the third header byte (RFC 1035 §4.1.1). */
#define HDR_TC 0x02

/* Reader over one message; @p at is the next byte. */
struct rd {
	const uint8_t *m;
	size_t len;
	size_t at;
};

static uint16_t u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * One name starting at @p r->at, which moves past it (past the first pointer, when there is
 * one). Every pointer must go to a byte before the lowest one read so far for this name and
 * after the header, so the walk always ends; @p limit bounds the uncompressed part (the end
 * of an RDATA, or of the message).
 */
static enum pt_wire_error name(struct rd *r, size_t limit)
{
	size_t pos = r->at, octets = 1;
	size_t low = pos;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= (jumped ? r->len : limit)) {
			return PT_WIRE_SHORT;
		}
		c = r->m[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= (jumped ? r->len : limit)) {
				return PT_WIRE_SHORT;
			}
			to = (size_t)(c & 0x3f) << 8 | r->m[pos + 1];
			if (to >= low || to < HDR_LEN) {
				return PT_WIRE_POINTER;
			}
			if (!jumped) {
				r->at = pos + 2;
				jumped = true;
			}
			low = to;
			pos = to;
			continue;
		}
		if ((c & 0xc0) != 0) {
			/* 0x40 (extended, RFC 6891 obsoleted it) and 0x80 (reserved) */
			return PT_WIRE_NAME;
		}
		if (c == 0) {
			if (!jumped) {
				r->at = pos + 1;
			}
			return PT_WIRE_OK;
		}
		if (c > LABEL_MAX) {
			return PT_WIRE_NAME;
		}
		octets += (size_t)c + 1;
		if (octets > NAME_MAX_OCTETS) {
			return PT_WIRE_NAME;
		}
		pos += (size_t)c + 1;
	}
}

/* <character-string>s filling [at, end) exactly; at least @p min of them. */
static enum pt_wire_error strings(struct rd *r, size_t end, unsigned min, unsigned max)
{
	unsigned n = 0;

	while (r->at < end && n < max) {
		r->at += 1 + (size_t)r->m[r->at];
		if (r->at > end) {
			return PT_WIRE_RDLENGTH;
		}
		n++;
	}
	return n >= min ? PT_WIRE_OK : PT_WIRE_RDLENGTH;
}

/* Fixed bytes, then a name, within [at, end). */
static enum pt_wire_error fixed_then_name(struct rd *r, size_t end, size_t fixed)
{
	if (end - r->at < fixed) {
		return PT_WIRE_RDLENGTH;
	}
	r->at += fixed;
	return name(r, end);
}

/* The RDATA of one record of @p type in [r->at, end): names and fields where the layout is
 * known (RFC 1035 and the common later types); others are opaque. */
static enum pt_wire_error rdata(struct rd *r, uint16_t type, size_t end)
{
	enum pt_wire_error e = PT_WIRE_OK;
	size_t n = end - r->at;

	switch (type) {
	case 1: /* A */
		return n == 4 ? (r->at = end, PT_WIRE_OK) : PT_WIRE_RDLENGTH;
	case 28: /* AAAA */
		return n == 16 ? (r->at = end, PT_WIRE_OK) : PT_WIRE_RDLENGTH;
	case 2:	 /* NS */
	case 3:	 /* MD */
	case 4:	 /* MF */
	case 5:	 /* CNAME */
	case 7:	 /* MB */
	case 8:	 /* MG */
	case 9:	 /* MR */
	case 12: /* PTR */
	case 39: /* DNAME */
		e = name(r, end);
		break;
	case 14: /* MINFO */
	case 17: /* RP */
		e = name(r, end);
		if (e == PT_WIRE_OK) {
			e = name(r, end);
		}
		break;
	case 6: /* SOA: two names and five 32-bit numbers */
		e = name(r, end);
		if (e == PT_WIRE_OK) {
			e = name(r, end);
		}
		if (e == PT_WIRE_OK) {
			if (end - r->at != 20) {
				return PT_WIRE_RDLENGTH;
			}
			r->at = end;
		}
		break;
	case 15: /* MX */
	case 18: /* AFSDB */
	case 21: /* RT */
	case 36: /* KX */
		e = fixed_then_name(r, end, 2);
		break;
	case 33: /* SRV */
		e = fixed_then_name(r, end, 6);
		break;
	case 35: /* NAPTR: order, preference, flags, services, regexp, replacement */
		if (n < 4) {
			return PT_WIRE_RDLENGTH;
		}
		r->at += 4;
		e = strings(r, end, 3, 3);
		if (e == PT_WIRE_OK) {
			e = name(r, end);
		}
		break;
	case 16: /* TXT */
	case 99: /* SPF */
		e = strings(r, end, 1, UINT32_MAX);
		break;
	case 13: /* HINFO */
		e = strings(r, end, 2, 2);
		break;
	case 257: /* CAA: flags, tag length, tag, value (the rest) */
		if (n < 2 || (size_t)r->m[r->at + 1] + 2 > n) {
			return PT_WIRE_RDLENGTH;
		}
		r->at = end;
		break;
	default:
		r->at = end;
		break;
	}
	if (e != PT_WIRE_OK) {
		/* a name running out of its RDATA is a length error, not a short message */
		return e == PT_WIRE_SHORT ? PT_WIRE_RDLENGTH : e;
	}
	return r->at == end ? PT_WIRE_OK : PT_WIRE_RDLENGTH;
}

/* One resource record of section @p sect (1 answer, 2 authority, 3 additional). */
static enum pt_wire_error record(struct rd *r, int sect, unsigned *opts)
{
	enum pt_wire_error e;
	size_t owner = r->at, end;
	uint16_t type, rdlen;

	e = name(r, r->len);
	if (e != PT_WIRE_OK) {
		return e;
	}
	if (r->len - r->at < 10) {
		return PT_WIRE_SHORT;
	}
	type = u16(r->m + r->at);
	rdlen = u16(r->m + r->at + 8);
	r->at += 10;
	if (r->len - r->at < rdlen) {
		return PT_WIRE_RDLENGTH;
	}
	end = r->at + rdlen;
	if (type == TYPE_OPT) {
		/* RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root */
		if (sect != 3 || ++*opts > 1 || r->m[owner] != 0) {
			return PT_WIRE_OPT;
		}
	}
	return rdata(r, type, end);
}

enum pt_wire_error pt_wire_check(const uint8_t *msg, size_t len, bool tcp)
{
	struct rd r = { .m = msg, .len = len, .at = HDR_LEN };
	unsigned opts = 0;
	enum pt_wire_error e;

	if (msg == NULL || len < HDR_LEN) {
		return PT_WIRE_SHORT;
	}
	if (tcp && (msg[2] & HDR_TC)) {
		return PT_WIRE_TC_OVER_TCP;
	}
	for (unsigned i = 0; i < u16(msg + 4); i++) {
		e = name(&r, r.len);
		if (e != PT_WIRE_OK) {
			return e;
		}
		if (r.len - r.at < 4) {
			return PT_WIRE_SHORT;
		}
		r.at += 4;
	}
	for (int sect = 1; sect <= 3; sect++) {
		for (unsigned i = 0; i < u16(msg + 4 + 2 * (size_t)sect); i++) {
			e = record(&r, sect, &opts);
			if (e != PT_WIRE_OK) {
				return e;
			}
		}
	}
	return r.at == len ? PT_WIRE_OK : PT_WIRE_TRAILING;
}

const char *pt_wire_error_text(enum pt_wire_error e)
{
	static const char *const text[] = {
		"well-formed",
		"message too short for its counts",
		"bad name",
		"compression pointer not backwards",
		"RDATA not consumed exactly by RDLENGTH",
		"misplaced or repeated OPT record",
		"bytes after the last record",
		"TC set over TCP",
	};

	return (unsigned)e < sizeof(text) / sizeof(text[0]) ? text[e] : "malformed";
}
