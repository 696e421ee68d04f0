/*
 * DNS message building and reply parsing with ldns. Every ldns object made here is freed
 * before returning: callers only ever see wire bytes and struct pt_answer.
 */
#include "query.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include <ldns/ldns.h>

#include "share.h"
#include "text.h"
#include "wire.h"

/* DNS flag day 2020: small enough to avoid IP fragmentation on common paths. */
#define PT_EDNS_UDP_SIZE 1232
/* A longer chain is either broken or hostile; resolvers give up around the same depth. */
#define PT_CNAME_MAX 16
/* EDNS option codes: RFC 5001 NSID, RFC 7871 Client Subnet, RFC 8914 Extended DNS Error. */
#define PT_EDNS_OPT_NSID 3
#define PT_EDNS_OPT_ECS 8
#define PT_EDNS_OPT_EDE 15
/* Longest EDE EXTRA-TEXT and NSID kept (display cells). */
#define PT_OPT_TEXT_MAX 256
/* RFC 1035 §4.1.1: the fixed header. */
#define PT_DNS_HEADER 12
/* RFC 2181 §8: a TTL with the top bit set is to be read as zero. */
#define PT_TTL_MAX 0x7fffffffU

/* A growable array of owned strings, handed over to struct pt_answer as-is. */
struct pt_strv {
	char **v;
	size_t n;
	size_t cap;
};

/* Takes ownership of @s, also on failure, so callers need no cleanup branch. */
static enum pt_status pt_strv_push(struct pt_strv *sv, char *s)
{
	if (!s) {
		return PT_ERR_NOMEM;
	}
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 4;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (!v) {
			free(s);
			return PT_ERR_NOMEM;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	return PT_OK;
}

static void pt_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

static int pt_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted and unique, so two answers compare with one pass and JSON output is stable. */
static void pt_strv_sort_unique(struct pt_strv *sv)
{
	size_t out = 0;

	if (sv->n < 2) {
		return;
	}
	qsort(sv->v, sv->n, sizeof(*sv->v), pt_strcmp_p);
	for (size_t i = 1; i < sv->n; i++) {
		if (strcmp(sv->v[out], sv->v[i]) == 0) {
			free(sv->v[i]);
		} else {
			sv->v[++out] = sv->v[i];
		}
	}
	sv->n = out + 1;
}

size_t pt_strv_sort_unique_n(char **v, size_t n)
{
	struct pt_strv sv = { .v = v, .n = n, .cap = n };

	pt_strv_sort_unique(&sv);
	return sv.n;
}

void pt_answer_sort_rdata(struct pt_answer *a)
{
	a->count = pt_strv_sort_unique_n(a->rdata, a->count);
}

static enum pt_status pt_from_ldns(ldns_status st)
{
	return st == LDNS_STATUS_OK	   ? PT_OK
	       : st == LDNS_STATUS_MEM_ERR ? PT_ERR_NOMEM
					   : PT_ERR_PARSE;
}

/* ldns checks labels (<= 63), total length (<= 255), empty labels and escapes for us. */
static enum pt_status pt_dname_new(ldns_rdf **out, const char *name)
{
	*out = NULL;
	if (!name || !*name) {
		return PT_ERR_PARSE;
	}
	return pt_from_ldns(ldns_str2rdf_dname(out, name));
}

/*
 * ldns prints label bytes outside printable ASCII as \DDD, so lowering A-Z in the printed
 * form lowers the name. Not tolower(): the UI may have set a locale that maps other bytes.
 */
static void pt_lower(char *s, size_t len)
{
	for (size_t i = 0; i < len && s[i]; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z') {
			s[i] = (char)(s[i] - 'A' + 'a');
		}
	}
}

/*
 * ldns escapes most bytes of names and strings as \DDD, but passes a TAB and whatever the
 * locale's isprint() accepts: clean such text in place so that every DNS string is printable
 * UTF-8 (the result is never longer than what ldns printed unless a byte is invalid, and then
 * the clean copy is cut to the same size at a character boundary).
 */
static void clean(char *s)
{
	size_t n = strlen(s);
	bool dirty = false;

	for (size_t i = 0; i < n && !dirty;) {
		size_t k = pt_utf8_seq(s + i, n - i);

		dirty = k == 0 || (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
		i += k ? k : 1;
	}
	if (dirty) {
		char *tmp = strdup(s);

		if (tmp != NULL) {
			pt_text_clean(s, n + 1, tmp, n);
			free(tmp);
		}
	}
}

/* Lower-case absolute presentation form. @return malloc'd string or NULL (no memory). */
static char *pt_dname_str(const ldns_rdf *dname)
{
	char *s = ldns_rdf2str(dname);

	if (s) {
		pt_lower(s, strlen(s));
		clean(s);
	}
	return s;
}

/*
 * RDATA fields in presentation form joined by single spaces. Only DNAME fields are lowered:
 * TXT and CAA strings are data and keep their case and quotes. With @with_type (ANY
 * queries) the type mnemonic comes first, since mixed types are meaningless without it.
 */
/*
 * The text of recent RDATA, per thread: a sweep's replies carry the same few answers over and
 * over, and printing them (ldns_rdf2buffer_str(), the buffer, the lowering and cleaning) was
 * a third of parsing a reply. A slot holds the RDATA's key (its type and, per field, its
 * type, length and bytes) and the text made from it; a hit is an exact match of the key.
 */
#define PT_RDCACHE_SLOTS 64
#define PT_RDCACHE_KEY 128
#define PT_RDCACHE_TEXT 192

struct pt_rdcache_slot {
	size_t key_len; /* 0: empty */
	uint8_t key[PT_RDCACHE_KEY];
	char text[PT_RDCACHE_TEXT];
};

/* in the thread's own storage (zeroed: empty), so it goes with the thread: 20 KB each */
static _Thread_local struct pt_rdcache_slot pt_rdcache[PT_RDCACHE_SLOTS];

/* @p rr's key into @p key. @return its length, 0 when it does not fit. */
static size_t pt_rdata_key(uint8_t *key, const ldns_rr *rr, bool with_type)
{
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	size_t n = 0;

	key[n++] = (uint8_t)(type >> 8);
	key[n++] = (uint8_t)type;
	key[n++] = with_type;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		size_t len = ldns_rdf_size(f);

		if (n + 3 + len > PT_RDCACHE_KEY) {
			return 0;
		}
		key[n++] = (uint8_t)ldns_rdf_get_type(f);
		key[n++] = (uint8_t)(len >> 8);
		key[n++] = (uint8_t)len;
		memcpy(key + n, ldns_rdf_data(f), len);
		n += len;
	}
	return n;
}

static size_t pt_rdata_slot(const uint8_t *key, size_t len)
{
	return (size_t)(pt_hash_bytes(PT_HASH_INIT, key, len) >> 32) % PT_RDCACHE_SLOTS;
}

static enum pt_status pt_rdata_print(char **out, const ldns_rr *rr, bool with_type);

static enum pt_status pt_rdata_str(char **out, const ldns_rr *rr, bool with_type)
{
	uint8_t key[PT_RDCACHE_KEY];
	size_t len = pt_rdata_key(key, rr, with_type);
	struct pt_rdcache_slot *slot;
	enum pt_status rc;

	if (len == 0) {
		return pt_rdata_print(out, rr, with_type);
	}
	slot = &pt_rdcache[pt_rdata_slot(key, len)];
	if (slot->key_len == len && memcmp(slot->key, key, len) == 0) {
		*out = strdup(slot->text);
		return *out ? PT_OK : PT_ERR_NOMEM;
	}
	rc = pt_rdata_print(out, rr, with_type);
	if (rc == PT_OK && strlen(*out) < PT_RDCACHE_TEXT) {
		memcpy(slot->key, key, len);
		slot->key_len = len;
		memcpy(slot->text, *out, strlen(*out) + 1);
	}
	return rc;
}

/* The text of @p rr's RDATA, as ldns prints it, names lower-case, cleaned. */
static enum pt_status pt_rdata_print(char **out, const ldns_rr *rr, bool with_type)
{
	ldns_buffer *b = ldns_buffer_new(128);
	enum pt_status rc = PT_OK;

	*out = NULL;
	if (!b) {
		return PT_ERR_NOMEM;
	}
	if (with_type && ldns_rr_type2buffer_str(b, ldns_rr_get_type(rr)) == LDNS_STATUS_OK) {
		ldns_buffer_printf(b, " ");
	}
	for (size_t i = 0; i < ldns_rr_rd_count(rr) && rc == PT_OK; i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		size_t start;

		if (i > 0) {
			ldns_buffer_printf(b, " ");
		}
		start = ldns_buffer_position(b);
		rc = pt_from_ldns(ldns_rdf2buffer_str(b, f));
		if (rc == PT_OK && ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME) {
			pt_lower((char *)ldns_buffer_at(b, start), ldns_buffer_position(b) - start);
		}
	}
	if (rc == PT_OK && !ldns_buffer_status_ok(b)) {
		rc = PT_ERR_NOMEM;
	}
	if (rc == PT_OK) {
		*out = ldns_buffer_export2str(b);
		rc = *out ? PT_OK : PT_ERR_NOMEM;
	}
	ldns_buffer_free(b);
	if (rc == PT_OK) {
		clean(*out);
	}
	return rc;
}

static size_t pt_rd_min(ldns_rr_type type)
{
	const ldns_rr_descriptor *d = ldns_rr_descript(type);

	return d ? ldns_rr_descriptor_minimum(d) : 0;
}

static uint32_t pt_ttl_clamp(uint32_t ttl)
{
	return ttl > PT_TTL_MAX ? 0 : ttl;
}

/* Class IN only: other classes never answer an IN question and must not leak into it. */
static bool pt_rr_matches(const ldns_rr *rr, ldns_rr_type type, const ldns_rdf *owner)
{
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		return false;
	}
	if (type != LDNS_RR_TYPE_ANY && ldns_rr_get_type(rr) != type) {
		return false;
	}
	return !owner || ldns_dname_compare(ldns_rr_owner(rr), owner) == 0;
}

/* A usable SOA: hostile replies may carry one with missing or short fields. */
static const ldns_rr *pt_find_soa(const ldns_rr_list *list, const ldns_rdf *owner)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);

		if (!pt_rr_matches(rr, LDNS_RR_TYPE_SOA, owner) || ldns_rr_rd_count(rr) < 7) {
			continue;
		}
		if (ldns_rdf_size(ldns_rr_rdf(rr, 2)) == 4 &&
		    ldns_rdf_size(ldns_rr_rdf(rr, 6)) == 4) {
			return rr;
		}
	}
	return NULL;
}

static bool pt_has_type(const ldns_rr_list *list, ldns_rr_type type)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		if (ldns_rr_get_type(ldns_rr_list_rr(list, i)) == type) {
			return true;
		}
	}
	return false;
}

/*
 * The EDNS options of the reply through ldns's option list (ldns checks every option's
 * length against the OPT RDATA): NSID, every EDE (code and text; PT_EDE_MAX kept, the rest
 * counted), the ECS scope.
 */
static enum pt_status pt_edns_options(struct pt_answer *out, ldns_pkt *pkt)
{
	ldns_edns_option_list *list = ldns_pkt_edns_get_option_list(pkt);
	size_t n = list ? ldns_edns_option_list_get_count(list) : 0, nede = 0;
	int codes[PT_EDE_MAX];
	/* EXTRA-TEXT: UTF-8, not NUL-terminated, untrusted: cut, then cleaned */
	char text[PT_EDE_MAX][PT_OPT_TEXT_MAX + 1];
	const char *texts[PT_EDE_MAX];
	unsigned more = 0;

	for (size_t i = 0; i < n; i++) {
		ldns_edns_option *o = ldns_edns_option_list_get_option(list, i);
		const uint8_t *d = o ? ldns_edns_get_data(o) : NULL;
		size_t len = o ? ldns_edns_get_size(o) : 0;

		if (!o) {
			continue;
		}
		switch ((unsigned)ldns_edns_get_code(o)) {
		case PT_EDNS_OPT_NSID:
			if (!out->nsid) {
				char buf[PT_OPT_TEXT_MAX * 2 + 1];

				pt_nsid_text(buf, sizeof(buf), d, len);
				if (!(out->nsid = strdup(buf))) {
					return PT_ERR_NOMEM;
				}
			}
			break;
		case PT_EDNS_OPT_EDE:
			/* shorter than its INFO-CODE: not an EDE at all */
			if (len < 2) {
				break;
			}
			if (nede == PT_EDE_MAX) {
				more += more < UINT_MAX;
				break;
			} else {
				size_t tl = len - 2 > PT_OPT_TEXT_MAX ? PT_OPT_TEXT_MAX : len - 2;

				codes[nede] = d[0] << 8 | d[1];
				memcpy(text[nede], d + 2, tl);
				text[nede][tl] = '\0';
				texts[nede] = text[nede];
				nede++;
			}
			break;
		case PT_EDNS_OPT_ECS:
			/* FAMILY (2), SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS */
			if (!out->has_ecs && len >= 4) {
				out->has_ecs = true;
				out->ecs_scope = d[3];
			}
			break;
		default:
			break;
		}
	}
	return nede > 0 ? pt_answer_set_edes(out, codes, texts, nede, more) : PT_OK;
}

bool pt_answer_has_ede(const struct pt_answer *a, int code)
{
	for (unsigned i = 0; a->edes && i < a->edes->count; i++) {
		if (a->edes->item[i].code == code) {
			return true;
		}
	}
	return false;
}

enum pt_status pt_answer_set_edes(struct pt_answer *a, const int *codes, const char *const *texts,
				  size_t n, unsigned more)
{
	size_t keep = n < PT_EDE_MAX ? n : PT_EDE_MAX, len[PT_EDE_MAX];
	size_t size = sizeof(struct pt_ede_list) + keep * sizeof(struct pt_ede);
	char clean[PT_EDE_MAX][PT_OPT_TEXT_MAX * 3 + 1];
	struct pt_ede_list *l;
	char *pool;

	free(a->edes);
	a->edes = NULL;
	a->ede = -1;
	a->has_ede = false;
	if (keep == 0) {
		return PT_OK;
	}
	for (size_t i = 0; i < keep; i++) {
		const char *t = texts ? texts[i] : NULL;

		len[i] = t ? pt_text_clean(clean[i], sizeof(clean[i]), t, strlen(t)) : 0;
		size += len[i] > 0 ? len[i] + 1 : 0;
	}
	l = calloc(1, size);
	if (!l) {
		return PT_ERR_NOMEM;
	}
	l->size = size;
	l->count = (unsigned)keep;
	l->more = n - keep > UINT_MAX - more ? UINT_MAX : more + (unsigned)(n - keep);
	pool = (char *)&l->item[keep];
	for (size_t i = 0; i < keep; i++) {
		l->item[i].code = (uint16_t)(codes[i] & 0xffff);
		if (len[i] > 0) {
			memcpy(pool, clean[i], len[i] + 1);
			l->item[i].text = pool;
			pool += len[i] + 1;
		}
	}
	a->edes = l;
	a->ede = l->item[0].code;
	a->has_ede = true;
	return PT_OK;
}

/* Copy @p src into @p dst (src->size bytes): the texts point into the copy. */
static struct pt_ede_list *pt_ede_list_place(struct pt_ede_list *dst, const struct pt_ede_list *src)
{
	memcpy(dst, src, src->size);
	for (unsigned i = 0; i < dst->count; i++) {
		if (src->item[i].text) {
			dst->item[i].text =
				(const char *)dst + (src->item[i].text - (const char *)src);
		}
	}
	return dst;
}

/* A deep copy of @p src (one allocation). NULL on NULL or when out of memory (@p nomem
 * set). */
static struct pt_ede_list *pt_ede_list_copy(const struct pt_ede_list *src, bool *nomem)
{
	struct pt_ede_list *dst;

	if (!src) {
		return NULL;
	}
	dst = malloc(src->size);
	if (!dst) {
		*nomem = true;
		return NULL;
	}
	return pt_ede_list_place(dst, src);
}

char *pt_nsid_text(char *buf, size_t size, const uint8_t *data, size_t len)
{
	bool printable = len > 0;
	size_t used = 0;

	if (size == 0) {
		return buf;
	}
	for (size_t i = 0; i < len; i++) {
		if (data[i] < 0x20 || data[i] > 0x7e) {
			printable = false;
			break;
		}
	}
	for (size_t i = 0; i < len && used + (printable ? 1 : 2) < size; i++) {
		if (printable) {
			buf[used++] = (char)data[i];
		} else {
			used += (size_t)snprintf(buf + used, size - used, "%02x", data[i]);
		}
	}
	buf[used] = '\0';
	return buf;
}

/* the header flags' names, PT_FLAG_AA (bit 0) to PT_FLAG_CD (bit 5), as dig names them */
static const char pt_flag_names[][3] = { "aa", "tc", "rd", "ra", "ad", "cd" };

char *pt_flags_text(char buf[PT_FLAGS_TEXT_MAX], unsigned flags)
{
	size_t used = 0;

	for (size_t i = 0; i < sizeof(pt_flag_names) / sizeof(pt_flag_names[0]); i++) {
		if (flags & (1u << i)) {
			if (used) {
				buf[used++] = ' ';
			}
			buf[used++] = pt_flag_names[i][0];
			buf[used++] = pt_flag_names[i][1];
		}
	}
	buf[used] = '\0';
	return buf;
}

unsigned pt_flags_parse(const char *text)
{
	unsigned f = 0;

	for (size_t i = 0; i < sizeof(pt_flag_names) / sizeof(pt_flag_names[0]); i++) {
		const char *p = strstr(text, pt_flag_names[i]);

		if (p != NULL && (p == text || p[-1] == ' ') && (p[2] == '\0' || p[2] == ' ')) {
			f |= 1u << i;
		}
	}
	return f;
}

const char *pt_ede_name(int code)
{
	/* RFC 8914 §4, and the IANA "Extended DNS Error Codes" registry for 25-29 */
	static const char *const names[] = {
		"Other Error",
		"Unsupported DNSKEY Algorithm",
		"Unsupported DS Digest Type",
		"Stale Answer",
		"Forged Answer",
		"DNSSEC Indeterminate",
		"DNSSEC Bogus",
		"Signature Expired",
		"Signature Not Yet Valid",
		"DNSKEY Missing",
		"RRSIGs Missing",
		"No Zone Key Bit Set",
		"NSEC Missing",
		"Cached Error",
		"Not Ready",
		"Blocked",
		"Censored",
		"Filtered",
		"Prohibited",
		"Stale NXDomain Answer",
		"Not Authoritative",
		"Not Supported",
		"No Reachable Authority",
		"Network Error",
		"Invalid Data",
		"Signature Expired before Valid",
		"Too Early",
		"Unsupported NSEC3 Iterations Value",
		"Unable to conform to policy",
		"Synthesized",
	};

	if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0])) {
		return "Unknown";
	}
	return names[code];
}

enum pt_status pt_ecs_parse(struct pt_ecs *out, const char *text)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	long prefix = -1;
	unsigned max;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(addr)) {
		return PT_ERR_PARSE;
	}
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1) {
		out->family = 1;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
		out->family = 2;
		max = 128;
	} else {
		return PT_ERR_PARSE;
	}
	if (slash) {
		char *end;

		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || prefix < 0 || prefix > (long)max) {
			memset(out, 0, sizeof(*out));
			return PT_ERR_PARSE;
		}
	}
	out->prefix = (uint8_t)(prefix < 0 ? max : (unsigned)prefix);
	for (unsigned bit = out->prefix; bit < 128; bit++) {
		out->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	}
	return PT_OK;
}

char *pt_ecs_text(char *buf, size_t size, const struct pt_ecs *e)
{
	char a[INET6_ADDRSTRLEN];

	if (!e || e->family == 0 ||
	    !inet_ntop(e->family == 1 ? AF_INET : AF_INET6, e->addr, a, sizeof(a))) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	snprintf(buf, size, "%s/%u", a, e->prefix);
	return buf;
}

/*
 * Follow CNAMEs from the question name through the answer section. A loop or an overlong
 * chain simply stops: the records at the last name reached (usually none) are the answer.
 * *final is set to that name, borrowed from @pkt or @qname; targets are appended to @cn.
 */
static enum pt_status pt_follow_cnames(const ldns_rdf **final, struct pt_strv *cn,
				       const ldns_pkt *pkt, const ldns_rdf *qname)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	const ldns_rdf *seen[PT_CNAME_MAX + 1];
	size_t nseen = 0;

	seen[nseen++] = qname;
	*final = qname;
	while (nseen <= PT_CNAME_MAX) {
		const ldns_rdf *target = NULL;
		enum pt_status rc;

		for (size_t i = 0; i < ldns_rr_list_rr_count(an) && !target; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);

			if (pt_rr_matches(rr, LDNS_RR_TYPE_CNAME, *final) &&
			    ldns_rr_rd_count(rr) == 1) {
				target = ldns_rr_rdf(rr, 0);
			}
		}
		if (!target || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME) {
			break;
		}
		for (size_t i = 0; i < nseen; i++) {
			if (ldns_dname_compare(seen[i], target) == 0) {
				return PT_OK;
			}
		}
		rc = pt_strv_push(cn, pt_dname_str(target));
		if (rc != PT_OK) {
			return rc;
		}
		seen[nseen++] = target;
		*final = target;
	}
	return PT_OK;
}

/*
 * The RRset of the asked type at the end of the CNAME chain, its smallest TTL, and the chain.
 * @final is set to that name (borrowed from @pkt or @qname).
 */
static enum pt_status pt_collect(struct pt_answer *a, const ldns_rdf **final, const ldns_pkt *pkt,
				 const ldns_rdf *qname, ldns_rr_type qtype)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	struct pt_strv rd = { 0 }, cn = { 0 };
	enum pt_status rc = PT_OK;
	uint32_t ttl = PT_TTL_MAX;

	*final = qname;
	/* Asking for the CNAME (or ANY) means the alias itself is the answer. */
	if (qtype != LDNS_RR_TYPE_CNAME && qtype != LDNS_RR_TYPE_ANY) {
		rc = pt_follow_cnames(final, &cn, pkt, qname);
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(an) && rc == PT_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		char *s;

		if (!pt_rr_matches(rr, qtype, *final)) {
			continue;
		}
		/* ldns accepts short RDATA (UPDATE uses it); in an answer it is malformed. */
		if (ldns_rr_rd_count(rr) < pt_rd_min(ldns_rr_get_type(rr))) {
			rc = PT_ERR_PARSE;
			break;
		}
		rc = pt_rdata_str(&s, rr, qtype == LDNS_RR_TYPE_ANY);
		if (rc == PT_OK) {
			rc = pt_strv_push(&rd, s);
		}
		if (pt_ttl_clamp(ldns_rr_ttl(rr)) < ttl) {
			ttl = pt_ttl_clamp(ldns_rr_ttl(rr));
		}
	}
	pt_strv_sort_unique(&rd);
	a->rdata = rd.v;
	a->count = rd.n;
	a->cnames = cn.v;
	a->ncnames = cn.n;
	a->has_ttl = a->count > 0;
	a->ttl = a->has_ttl ? ttl : 0;
	return rc;
}

static enum pt_answer_kind pt_classify(const struct pt_answer *a, const ldns_pkt *pkt)
{
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);

	if (a->rcode == LDNS_RCODE_NXDOMAIN) {
		return PT_ANSWER_NXDOMAIN;
	}
	if (a->rcode != LDNS_RCODE_NOERROR) {
		return PT_ANSWER_RCODE;
	}
	if (a->count > 0) {
		return PT_ANSWER_DATA;
	}
	/* Without an SOA, NS records in authority are a delegation, not a negative answer. */
	if (ldns_rr_list_rr_count(ldns_pkt_answer(pkt)) == 0 && pt_has_type(ns, LDNS_RR_TYPE_NS) &&
	    !pt_has_type(ns, LDNS_RR_TYPE_SOA)) {
		return PT_ANSWER_REFERRAL;
	}
	return PT_ANSWER_NODATA;
}

/* The delegation: its zone, NS names and TTL from the authority section, and the glue
 * addresses of those names from the additional section. */
static enum pt_status pt_referral_ns(struct pt_answer *a, const ldns_pkt *pkt)
{
	const ldns_rr_list *ns = ldns_pkt_authority(pkt);
	const ldns_rr_list *ad = ldns_pkt_additional(pkt);
	struct pt_strv sv = { 0 }, gv = { 0 };
	const ldns_rdf *owner = NULL;
	uint32_t ttl = PT_TTL_MAX;

	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ns, i);

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || ldns_rr_rd_count(rr) < 1 ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
			continue;
		}
		/* one delegation: NS records of another owner are not part of it */
		if (owner == NULL) {
			owner = ldns_rr_owner(rr);
		} else if (ldns_dname_compare(owner, ldns_rr_owner(rr)) != 0) {
			continue;
		}
		if (pt_ttl_clamp(ldns_rr_ttl(rr)) < ttl) {
			ttl = pt_ttl_clamp(ldns_rr_ttl(rr));
		}
		if (pt_strv_push(&sv, pt_dname_str(ldns_rr_rdf(rr, 0))) != PT_OK) {
			goto nomem;
		}
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(ad); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ad, i);
		char *name, *addr, *both;
		bool ours = false;

		if ((ldns_rr_get_type(rr) != LDNS_RR_TYPE_A &&
		     ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA) ||
		    ldns_rr_rd_count(rr) != 1 || ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
			continue;
		}
		name = pt_dname_str(ldns_rr_owner(rr));
		for (size_t k = 0; name && k < sv.n && !ours; k++) {
			ours = strcmp(sv.v[k], name) == 0;
		}
		addr = ours ? ldns_rdf2str(ldns_rr_rdf(rr, 0)) : NULL;
		both = addr ? malloc(strlen(name) + strlen(addr) + 2) : NULL;
		if (both) {
			sprintf(both, "%s %s", name, addr);
		}
		free(name);
		free(addr);
		if (ours && pt_strv_push(&gv, both) != PT_OK) {
			goto nomem;
		}
	}
	pt_strv_sort_unique(&sv);
	pt_strv_sort_unique(&gv);
	a->referral_ns = sv.v;
	a->nreferral_ns = sv.n;
	a->glue = gv.v;
	a->nglue = gv.n;
	a->referral_ttl = sv.n ? ttl : 0;
	a->referral_zone = owner ? pt_dname_str(owner) : NULL;
	return owner && !a->referral_zone ? PT_ERR_NOMEM : PT_OK;
nomem:
	pt_strv_free(sv.v, sv.n);
	pt_strv_free(gv.v, gv.n);
	return PT_ERR_NOMEM;
}

/* Negative-caching TTL, zone apex and serial from the SOA that came with the reply. */
static enum pt_status pt_soa_info(struct pt_answer *a, const ldns_pkt *pkt, const ldns_rdf *final,
				  ldns_rr_type qtype)
{
	const ldns_rr *soa = pt_find_soa(ldns_pkt_authority(pkt), NULL);

	/* RFC 2308 §5: negative answers are cached for min(SOA TTL, SOA MINIMUM). */
	if (soa && (a->kind == PT_ANSWER_NXDOMAIN || a->kind == PT_ANSWER_NODATA)) {
		uint32_t min = pt_ttl_clamp(ldns_rdf2native_int32(ldns_rr_rdf(soa, 6)));

		a->ttl = pt_ttl_clamp(ldns_rr_ttl(soa));
		if (min < a->ttl) {
			a->ttl = min;
		}
		a->has_ttl = true;
	}
	if (qtype == LDNS_RR_TYPE_SOA && pt_find_soa(ldns_pkt_answer(pkt), final)) {
		soa = pt_find_soa(ldns_pkt_answer(pkt), final);
	}
	if (!soa) {
		return PT_OK;
	}
	a->zone = pt_dname_str(ldns_rr_owner(soa));
	if (!a->zone) {
		return PT_ERR_NOMEM;
	}
	a->serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	a->has_serial = true;
	return PT_OK;
}

/* Is @pkt a reply to our query? Anything else is dropped, as a spoof or a stray. */
static bool pt_is_reply(const ldns_pkt *pkt, uint16_t id, const ldns_rdf *qname, uint16_t qtype,
			ldns_rr_class cls)
{
	const ldns_rr_list *q = ldns_pkt_question(pkt);
	const ldns_rr *rr;

	if (!ldns_pkt_qr(pkt) || ldns_pkt_id(pkt) != id ||
	    ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY) {
		return false;
	}
	/* Error replies often carry no question (unbound's access-control "refuse" sends a bare
	 * header, old servers do so for FORMERR): with the ID matching on our own connected
	 * socket, take them as the reply if they claim nothing else. */
	if (ldns_rr_list_rr_count(q) == 0) {
		ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);

		return rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN &&
		       ldns_pkt_ancount(pkt) == 0;
	}
	if (ldns_rr_list_rr_count(q) != 1) {
		return false;
	}
	rr = ldns_rr_list_rr(q, 0);
	return ldns_rr_get_type(rr) == qtype && ldns_rr_get_class(rr) == cls &&
	       ldns_dname_compare(ldns_rr_owner(rr), qname) == 0;
}

/* The EDNS options a query asks with: an empty NSID, a Client Subnet. ldns makes the wire. */
static enum pt_status pt_query_options(ldns_pkt *pkt, unsigned opts, const struct pt_ecs *ecs)
{
	ldns_edns_option_list *list;
	bool ok = true;

	if (!(opts & PT_FLAG_NSID) && (!ecs || ecs->family == 0)) {
		return PT_OK;
	}
	list = ldns_edns_option_list_new();
	if (!list) {
		return PT_ERR_NOMEM;
	}
	if (opts & PT_FLAG_NSID) {
		ldns_edns_option *o = ldns_edns_new_from_data(PT_EDNS_OPT_NSID, 0, "");

		ok = o && ldns_edns_option_list_push(list, o);
		if (!ok) {
			ldns_edns_deep_free(o);
		}
	}
	if (ok && ecs && ecs->family != 0) {
		/* FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH 0, the prefix's octets */
		uint8_t data[4 + 16];
		size_t n = ((size_t)ecs->prefix + 7) / 8;
		ldns_edns_option *o;

		data[0] = 0;
		data[1] = ecs->family;
		data[2] = ecs->prefix;
		data[3] = 0;
		memcpy(data + 4, ecs->addr, n);
		o = ldns_edns_new_from_data(PT_EDNS_OPT_ECS, 4 + n, data);
		ok = o && ldns_edns_option_list_push(list, o);
		if (!ok) {
			ldns_edns_deep_free(o);
		}
	}
	if (!ok) {
		ldns_edns_option_list_deep_free(list);
		return PT_ERR_NOMEM;
	}
	/* the packet owns the list from here */
	ldns_pkt_set_edns_option_list(pkt, list);
	return PT_OK;
}

static enum pt_status pt_query_make(uint8_t **wire, size_t *len, const char *qname, uint16_t qtype,
				    uint16_t id, unsigned opts, const struct pt_ecs *ecs)
{
	ldns_rdf *name = NULL;
	ldns_pkt *pkt;
	enum pt_status rc;

	*wire = NULL;
	*len = 0;
	/* ldns would quietly turn type 0 into A. */
	if (qtype == 0) {
		return PT_ERR_PARSE;
	}
	rc = pt_dname_new(&name, qname);
	if (rc != PT_OK) {
		return rc;
	}
	/* The packet owns name once made; ldns returns NULL before attaching it. */
	pkt = ldns_pkt_query_new(name, qtype,
				 (opts & PT_FLAG_CHAOS) ? LDNS_RR_CLASS_CH : LDNS_RR_CLASS_IN, 0);
	if (!pkt) {
		ldns_rdf_deep_free(name);
		return PT_ERR_NOMEM;
	}
	ldns_pkt_set_id(pkt, id);
	ldns_pkt_set_rd(pkt, opts & PT_FLAG_RD);
	ldns_pkt_set_cd(pkt, opts & PT_FLAG_CD);
	/* RFC 6840 §5.7: AD in a query asks for AD in the answer, without DO's records */
	ldns_pkt_set_ad(pkt, opts & PT_FLAG_AD);
	ldns_pkt_set_edns_udp_size(pkt, PT_EDNS_UDP_SIZE);
	ldns_pkt_set_edns_do(pkt, opts & PT_FLAG_DO);
	rc = pt_query_options(pkt, opts, ecs);
	/* Only allocation can fail here: the name and type were already accepted. */
	if (rc == PT_OK) {
		rc = ldns_pkt2wire(wire, pkt, len) == LDNS_STATUS_OK ? PT_OK : PT_ERR_NOMEM;
	}
	ldns_pkt_free(pkt);
	return rc;
}

enum pt_status pt_query_build(uint8_t **wire, size_t *len, const char *qname, uint16_t qtype,
			      uint16_t id, unsigned opts)
{
	return pt_query_make(wire, len, qname, qtype, id, opts, NULL);
}

enum pt_status pt_query_prepare(struct pt_query_wire *out, const char *qname, uint16_t qtype,
				unsigned opts)
{
	return pt_query_prepare_ecs(out, qname, qtype, opts, NULL);
}

enum pt_status pt_query_prepare_ecs(struct pt_query_wire *out, const char *qname, uint16_t qtype,
				    unsigned opts, const struct pt_ecs *ecs)
{
	ldns_rdf *name = NULL;
	enum pt_status rc;

	memset(out, 0, sizeof(*out));
	rc = pt_query_make(&out->wire, &out->len, qname, qtype, 0, opts, ecs);
	if (rc != PT_OK) {
		return rc;
	}
	/* The first name of a message is never compressed: it is the name's own wire form. */
	rc = pt_dname_new(&name, qname);
	out->name = name;
	if (rc == PT_OK) {
		out->name_len = ldns_rdf_size(name);
		if (PT_QUERY_NAME_OFF + out->name_len > out->len) {
			rc = PT_ERR_PARSE;
		}
	}
	if (rc != PT_OK) {
		pt_query_wire_fini(out);
	}
	return rc;
}

void pt_query_wire_fini(struct pt_query_wire *q)
{
	if (q == NULL) {
		return;
	}
	free(q->wire);
	ldns_rdf_deep_free(q->name);
	memset(q, 0, sizeof(*q));
}

static bool pt_is_letter(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The name as sent with @p case_seed: bit k of a splitmix64 stream chooses the case of the
 * k-th letter (length octets are at most 63, so never letters). */
static void pt_query_case(uint8_t *name, size_t len, uint32_t case_seed)
{
	uint64_t state = case_seed, bits = 0;
	unsigned left = 0;

	for (size_t i = 0; i < len; i++) {
		if (!pt_is_letter(name[i])) {
			continue;
		}
		if (left == 0) {
			uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			bits = z ^ (z >> 31);
			left = 64;
		}
		name[i] = (uint8_t)((bits & 1) ? (name[i] & ~0x20u) : (name[i] | 0x20u));
		bits >>= 1;
		left--;
	}
}

void pt_query_stamp(uint8_t *dst, const struct pt_query_wire *q, uint16_t id, uint32_t case_seed)
{
	memcpy(dst, q->wire, q->len);
	dst[0] = (uint8_t)(id >> 8);
	dst[1] = (uint8_t)id;
	if (case_seed != 0) {
		pt_query_case(dst + PT_QUERY_NAME_OFF, q->name_len, case_seed);
	}
}

/* The question name of @p q as stamped with @p case_seed, into @p sent (256 bytes).
 * @return false when the name does not fit. */
static bool pt_query_name_sent(uint8_t sent[256], const struct pt_query_wire *q, uint32_t case_seed)
{
	if (q->name_len > 256 || q->len < PT_QUERY_NAME_OFF + q->name_len) {
		return false;
	}
	memcpy(sent, q->wire + PT_QUERY_NAME_OFF, q->name_len);
	if (case_seed != 0) {
		pt_query_case(sent, q->name_len, case_seed);
	}
	return true;
}

bool pt_query_case_echoed(const uint8_t *reply, size_t len, const struct pt_query_wire *q,
			  uint32_t case_seed)
{
	uint8_t sent[256];

	/* QDCOUNT 1 and room for the name: otherwise there is no question to compare */
	if (len < PT_QUERY_NAME_OFF + q->name_len || reply[4] != 0 || reply[5] != 1 ||
	    !pt_query_name_sent(sent, q, case_seed)) {
		return false;
	}
	return memcmp(sent, reply + PT_QUERY_NAME_OFF, q->name_len) == 0;
}

bool pt_query_case_proves(const struct pt_query_wire *q, uint32_t case_seed)
{
	uint8_t sent[256];
	bool upper = false, lower = false;

	if (case_seed == 0 || !pt_query_name_sent(sent, q, case_seed)) {
		return false;
	}
	for (size_t i = 0; i < q->name_len; i++) {
		upper |= sent[i] >= 'A' && sent[i] <= 'Z';
		lower |= sent[i] >= 'a' && sent[i] <= 'z';
	}
	return upper && lower;
}

/* A CH TXT reply (id.server, hostname.bind): its TXT strings of class CH at the name. */
static enum pt_status pt_chaos_txt(struct pt_answer *out, const ldns_pkt *pkt, const ldns_rdf *name)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	struct pt_strv sv = { 0 };
	enum pt_status rc = PT_OK;

	for (size_t i = 0; rc == PT_OK && i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_CH ||
		    ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT ||
		    ldns_dname_compare(ldns_rr_owner(rr), name) != 0) {
			continue;
		}
		for (size_t k = 0; rc == PT_OK && k < ldns_rr_rd_count(rr); k++) {
			const ldns_rdf *rd = ldns_rr_rdf(rr, k);
			char clean[PT_OPT_TEXT_MAX * 3 + 1];
			size_t n = ldns_rdf_size(rd);

			/* a character-string: a length octet, then the text */
			if (n < 2) {
				continue;
			}
			pt_text_clean(clean, sizeof(clean), (const char *)ldns_rdf_data(rd) + 1,
				      n - 1 > PT_OPT_TEXT_MAX ? PT_OPT_TEXT_MAX : n - 1);
			rc = pt_strv_push(&sv, strdup(clean));
		}
	}
	out->rdata = sv.v;
	out->count = sv.n;
	out->kind = out->rcode != 0 ? PT_ANSWER_RCODE
		    : sv.n > 0	    ? PT_ANSWER_DATA
				    : PT_ANSWER_NODATA;
	return rc;
}

enum pt_status pt_query_parse(struct pt_answer *out, const uint8_t *wire, size_t len, uint16_t id,
			      const char *qname, uint16_t qtype, bool tcp)
{
	return pt_query_parse_opts(out, wire, len, id, qname, qtype, 0, tcp);
}

/* pt_query_parse_opts() with the question name parsed. */
static enum pt_status pt_parse_reply(struct pt_answer *out, const uint8_t *wire, size_t len,
				     uint16_t id, const ldns_rdf *name, uint16_t qtype,
				     unsigned opts, bool tcp)
{
	bool chaos = (opts & PT_FLAG_CHAOS) != 0;
	const ldns_rdf *final;
	ldns_pkt *pkt = NULL;
	enum pt_status rc = PT_OK;

	if (!wire) {
		rc = PT_ERR_PARSE;
		goto done;
	}
	/* Another ID or a query is a stray or a spoof, whatever its shape: it must not make the
	 * try end as malformed. Ours is checked strictly before ldns reads it (src/wire.h). */
	if (len >= PT_DNS_HEADER &&
	    ((uint16_t)(wire[0] << 8 | wire[1]) != id || !(wire[2] & 0x80))) {
		rc = PT_ERR_DNS;
		goto done;
	}
	if (pt_wire_check(wire, len, tcp) != PT_WIRE_OK) {
		rc = PT_ERR_PARSE;
		goto done;
	}
	rc = pt_from_ldns(ldns_wire2pkt(&pkt, wire, len));
	if (rc != PT_OK) {
		goto done;
	}
	if (!pt_is_reply(pkt, id, name, qtype, chaos ? LDNS_RR_CLASS_CH : LDNS_RR_CLASS_IN)) {
		rc = PT_ERR_DNS;
		goto done;
	}
	/* The extended rcode bits from OPT make e.g. BADVERS (16) distinct from NOERROR. */
	out->rcode = ldns_pkt_edns_extended_rcode(pkt) << 4 | ldns_pkt_get_rcode(pkt);
	out->flags = (ldns_pkt_aa(pkt) ? PT_FLAG_AA : 0) | (ldns_pkt_tc(pkt) ? PT_FLAG_TC : 0) |
		     (ldns_pkt_rd(pkt) ? PT_FLAG_RD : 0) | (ldns_pkt_ra(pkt) ? PT_FLAG_RA : 0) |
		     (ldns_pkt_ad(pkt) ? PT_FLAG_AD : 0) | (ldns_pkt_cd(pkt) ? PT_FLAG_CD : 0);
	out->ede = -1;
	rc = pt_edns_options(out, pkt);
	if (rc == PT_OK && chaos) {
		rc = pt_chaos_txt(out, pkt, name);
		goto done;
	}
	if (rc == PT_OK) {
		rc = pt_collect(out, &final, pkt, name, qtype);
	}
	if (rc == PT_OK) {
		out->kind = pt_classify(out, pkt);
		rc = pt_soa_info(out, pkt, final, qtype);
	}
	if (rc == PT_OK && out->kind == PT_ANSWER_REFERRAL) {
		rc = pt_referral_ns(out, pkt);
	}
done:
	if (rc != PT_OK) {
		pt_answer_fini(out);
	}
	ldns_pkt_free(pkt);
	return rc;
}

enum pt_status pt_query_parse_opts(struct pt_answer *out, const uint8_t *wire, size_t len,
				   uint16_t id, const char *qname, uint16_t qtype, unsigned opts,
				   bool tcp)
{
	ldns_rdf *name = NULL;
	enum pt_status rc;

	memset(out, 0, sizeof(*out));
	rc = pt_dname_new(&name, qname);
	if (rc == PT_OK) {
		rc = pt_parse_reply(out, wire, len, id, name, qtype, opts, tcp);
	}
	ldns_rdf_deep_free(name);
	return rc;
}

enum pt_status pt_query_parse_wire(struct pt_answer *out, const uint8_t *wire, size_t len,
				   uint16_t id, const struct pt_query_wire *q, uint16_t qtype,
				   unsigned opts, bool tcp)
{
	memset(out, 0, sizeof(*out));
	if (q->name == NULL) {
		return PT_ERR_PARSE;
	}
	return pt_parse_reply(out, wire, len, id, q->name, qtype, opts, tcp);
}

enum pt_status pt_query_parse_b64(struct pt_answer *out, const char *b64, const char *qname,
				  uint16_t qtype)
{
	ldns_rdf *rdf = NULL;
	const uint8_t *wire;
	size_t len;
	enum pt_status rc;

	memset(out, 0, sizeof(*out));
	if (b64 == NULL || *b64 == '\0' || ldns_str2rdf_b64(&rdf, b64) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(rdf);
		return PT_ERR_PARSE;
	}
	wire = ldns_rdf_data(rdf);
	len = ldns_rdf_size(rdf);
	/* the reply answers a query someone else sent: its own ID is the one to match; a
	 * message that is no response is no reply at all (not a stray of another query) */
	rc = len < PT_DNS_HEADER || !(wire[2] & 0x80)
		     ? PT_ERR_PARSE
		     : pt_query_parse(out, wire, len, LDNS_ID_WIRE(wire), qname, qtype, false);
	ldns_rdf_deep_free(rdf);
	return rc;
}

void pt_answer_fini(struct pt_answer *a)
{
	if (!a) {
		return;
	}
	pt_strv_free(a->rdata, a->count);
	pt_strv_free(a->cnames, a->ncnames);
	pt_strv_free(a->referral_ns, a->nreferral_ns);
	pt_strv_free(a->glue, a->nglue);
	free(a->referral_zone);
	free(a->zone);
	free(a->nsid);
	free(a->edes);
	memset(a, 0, sizeof(*a));
}

enum pt_status pt_strv_copy(char ***dst, char *const *src, size_t n)
{
	*dst = NULL;
	if (n == 0) {
		return PT_OK;
	}
	*dst = calloc(n, sizeof(**dst));
	if (!*dst) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		(*dst)[i] = strdup(src[i]);
		if (!(*dst)[i]) {
			return PT_ERR_NOMEM;
		}
	}
	return PT_OK;
}

enum pt_status pt_answer_copy(struct pt_answer *dst, const struct pt_answer *src)
{
	bool nomem = false;

	*dst = *src;
	dst->rdata = NULL;
	dst->cnames = NULL;
	dst->referral_ns = NULL;
	dst->glue = NULL;
	dst->referral_zone = NULL;
	dst->zone = NULL;
	dst->nsid = NULL;
	dst->edes = NULL;
	/* Arrays are calloc'd, so a partial copy is safe to release with pt_answer_fini(). */
	if (pt_strv_copy(&dst->rdata, src->rdata, src->count) != PT_OK ||
	    pt_strv_copy(&dst->cnames, src->cnames, src->ncnames) != PT_OK ||
	    pt_strv_copy(&dst->referral_ns, src->referral_ns, src->nreferral_ns) != PT_OK ||
	    pt_strv_copy(&dst->glue, src->glue, src->nglue) != PT_OK ||
	    (src->zone && !(dst->zone = strdup(src->zone))) ||
	    (src->referral_zone && !(dst->referral_zone = strdup(src->referral_zone))) ||
	    (src->nsid && !(dst->nsid = strdup(src->nsid))) ||
	    (src->edes && !(dst->edes = pt_ede_list_copy(src->edes, &nomem)) && nomem)) {
		pt_answer_fini(dst);
		return PT_ERR_NOMEM;
	}
	return PT_OK;
}

/* Layout of a flat copy (pt_answer_copy_flat()): the EDE list first (its own alignment), then
 * the string arrays, then the strings. */
static size_t flat_align(size_t n)
{
	return (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
}

static size_t flat_strv_size(char *const *v, size_t n)
{
	size_t size = n * sizeof(*v);

	for (size_t i = 0; i < n; i++) {
		size += strlen(v[i]) + 1;
	}
	return size;
}

static size_t flat_str_size(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

size_t pt_answer_flat_size(const struct pt_answer *a)
{
	return (a->edes != NULL ? flat_align(a->edes->size) : 0) +
	       flat_strv_size(a->rdata, a->count) + flat_strv_size(a->cnames, a->ncnames) +
	       flat_strv_size(a->referral_ns, a->nreferral_ns) + flat_strv_size(a->glue, a->nglue) +
	       flat_str_size(a->zone) + flat_str_size(a->referral_zone) + flat_str_size(a->nsid);
}

/* Where the copies go: @p arrays for the string arrays, @p text for the strings. */
struct flat {
	char **arrays;
	char *text;
};

static char *flat_str(struct flat *f, const char *s)
{
	size_t n;
	char *d = f->text;

	if (s == NULL) {
		return NULL;
	}
	n = strlen(s) + 1;
	memcpy(d, s, n);
	f->text += n;
	return d;
}

static char **flat_strv(struct flat *f, char *const *v, size_t n)
{
	char **d = f->arrays;

	if (n == 0) {
		return NULL;
	}
	f->arrays += n;
	for (size_t i = 0; i < n; i++) {
		d[i] = flat_str(f, v[i]);
	}
	return d;
}

void pt_answer_copy_flat(struct pt_answer *dst, const struct pt_answer *src, void *room)
{
	char *p = room;
	size_t nptr = src->count + src->ncnames + src->nreferral_ns + src->nglue;
	struct flat f;

	*dst = *src;
	dst->edes = NULL;
	if (src->edes != NULL) {
		dst->edes = pt_ede_list_place((struct pt_ede_list *)(void *)p, src->edes);
		p += flat_align(src->edes->size);
	}
	f.arrays = (char **)(void *)p;
	f.text = p + nptr * sizeof(char *);
	dst->rdata = flat_strv(&f, src->rdata, src->count);
	dst->cnames = flat_strv(&f, src->cnames, src->ncnames);
	dst->referral_ns = flat_strv(&f, src->referral_ns, src->nreferral_ns);
	dst->glue = flat_strv(&f, src->glue, src->nglue);
	dst->zone = flat_str(&f, src->zone);
	dst->referral_zone = flat_str(&f, src->referral_zone);
	dst->nsid = flat_str(&f, src->nsid);
}

void pt_reply_fini(struct pt_reply *r)
{
	if (r == NULL) {
		return;
	}
	pt_answer_fini(&r->answer);
}

const char *pt_reply_result_text(enum pt_reply_result r)
{
	switch (r) {
	case PT_REPLY_OK:
		return "";
	case PT_REPLY_TIMEOUT:
		return "timeout";
	case PT_REPLY_UNREACHABLE:
		return "unreachable";
	case PT_REPLY_MALFORMED:
		return "malformed reply";
	default:
		return "cannot send";
	}
}

char *pt_answer_summary(char *buf, size_t size, const struct pt_answer *a, const char *sep)
{
	char rc[16];
	size_t used = 0;

	if (size == 0) {
		return buf;
	}
	buf[0] = '\0';
	switch (a->kind) {
	case PT_ANSWER_NXDOMAIN:
		snprintf(buf, size, "NXDOMAIN");
		return buf;
	case PT_ANSWER_NODATA:
		snprintf(buf, size, "NODATA");
		return buf;
	case PT_ANSWER_REFERRAL:
		snprintf(buf, size, "referral");
		return buf;
	case PT_ANSWER_RCODE:
		snprintf(buf, size, "%s", pt_rcode_name(a->rcode, rc, sizeof(rc)));
		return buf;
	default:
		break;
	}
	if (a->count == 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	for (size_t i = 0; i < a->count; i++) {
		size_t need = (i ? strlen(sep) : 0) + strlen(a->rdata[i]);

		if (used + need + 1 > size) {
			/* no room for the whole record: cut it (the caller fits it anyway) */
			snprintf(buf + used, size - used, "%s%s", i ? sep : "", a->rdata[i]);
			break;
		}
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? sep : "",
					 a->rdata[i]);
	}
	return buf;
}

bool pt_answer_same(const struct pt_answer *a, const struct pt_answer *b)
{
	if (!a || !b) {
		return a == b;
	}
	if (a->kind != b->kind || a->count != b->count) {
		return false;
	}
	for (size_t i = 0; i < a->count; i++) {
		if (strcmp(a->rdata[i], b->rdata[i]) != 0) {
			return false;
		}
	}
	return true;
}

uint16_t pt_rrtype_from_name(const char *name)
{
	unsigned long v;
	char *end;

	if (!name || !*name) {
		return 0;
	}
	/* Mnemonics are letters, digits and '-' ("NSAP-PTR"): anything else (a space, a sign) is
	 * not a type, whatever ldns would make of it. */
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(name)) {
		return 0;
	}
	/* ldns reads "TYPEnnn" with atoi(), which takes "TYPE-1" as 65535 and wraps large
	 * numbers silently: only decimal digits, 0-65535. */
	if (strncasecmp(name, "TYPE", 4) == 0) {
		if (name[4] == '\0' || strspn(name + 4, "0123456789") != strlen(name + 4)) {
			return 0;
		}
		errno = 0;
		v = strtoul(name + 4, &end, 10);
		if (errno || *end || v > UINT16_MAX) {
			return 0;
		}
	} else {
		v = ldns_get_rr_type_by_name(name);
	}
	/* OPT and the meta-types (RFC 6895: 128-254) cannot be asked for; ANY (255) can. */
	if (v == LDNS_RR_TYPE_OPT || (v >= 128 && v <= 254)) {
		return 0;
	}
	return (uint16_t)v;
}

char *pt_rrtype_name(uint16_t type, char *buf, size_t size)
{
	char *s = ldns_rr_type2str(type);

	if (s) {
		snprintf(buf, size, "%s", s);
	} else {
		snprintf(buf, size, "TYPE%u", (unsigned)type);
	}
	free(s);
	return buf;
}

const char *pt_rcode_name(int rcode, char *buf, size_t size)
{
	static const char *const names[] = {
		"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",
	};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0])) {
		return names[rcode];
	}
	snprintf(buf, size, "RCODE%d", rcode);
	return buf;
}

enum pt_status pt_name_normalise(char *out, size_t size, const char *name)
{
	ldns_rdf *dname;
	enum pt_status rc;
	char *s;

	rc = pt_dname_new(&dname, name);
	if (rc != PT_OK) {
		return rc;
	}
	s = pt_dname_str(dname);
	ldns_rdf_deep_free(dname);
	if (!s) {
		return PT_ERR_NOMEM;
	}
	/* Too small a buffer is the caller's input being too long to hold: a parse error. */
	if (strlen(s) >= size) {
		free(s);
		return PT_ERR_PARSE;
	}
	memcpy(out, s, strlen(s) + 1);
	free(s);
	return PT_OK;
}

/*
 * ldns 1.8 reads a CERT's certificate type with its algorithm reader, which leaks the field it
 * made when it refuses it (0, or a number that wraps to 0 in 16 bits). fuzz_query found "0",
 * fuzz_rdata then "CERT\t0)", "CERT\r0", "CERT)\xe00)", "CERT)20" and "TYPE37ERT\t\t0": ldns's
 * tokenizer and type reader do more than this code knew. So a CERT text is read here first,
 * conservatively: printable ASCII only, no parentheses (its presentation form is numbers,
 * mnemonics and base64 on one line), and the certificate type must be a mnemonic of RFC 4398
 * or a number 1-65535; anything else is refused before ldns sees it.
 */
/* ldns's white space (LDNS_PARSE_NORMAL; it reads a carriage return as a space) */
static bool pt_cert_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* whether @p text holds @p word, case-insensitively */
static bool pt_text_has(const char *text, const char *word)
{
	for (size_t n = strlen(word); *text != '\0'; text++) {
		if (strncasecmp(text, word, n) == 0) {
			return true;
		}
	}
	return false;
}

static const char *pt_cert_word(const char *p, size_t *len)
{
	while (pt_cert_sep(*p)) {
		p++;
	}
	*len = 0;
	while (p[*len] != '\0' && !pt_cert_sep(p[*len])) {
		(*len)++;
	}
	return p;
}

static bool pt_word_is(const char *w, size_t len, const char *name)
{
	return len == strlen(name) && strncasecmp(w, name, len) == 0;
}

/* @p w (@p len bytes) as a plain decimal number 0-65535; false for anything else */
static bool pt_word_number(const char *w, size_t len, unsigned long *v)
{
	*v = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)w[i])) {
			return false;
		}
		*v = *v * 10 + (unsigned long)(w[i] - '0');
		if (*v > 65535) {
			return false;
		}
	}
	return len > 0;
}

static bool pt_cert_text_unsafe(uint16_t qtype, const char *text)
{
	static const char *const mnemonics[] = { "PKIX", "SPKI",   "PGP",     "IPKIX", "ISPKI",
						 "IPGP", "ACPKIX", "IACPKIX", "URI",   "OID" };
	const char *w = text;
	size_t len, i;
	unsigned long v;

	/* ldns's tokenizer does more with parentheses than skip them (a ')' at depth 0 ends
	 * the word and eats the next byte): a CERT text has none, so its words are plain */
	if (strpbrk(text, "()") != NULL) {
		return qtype == LDNS_RR_TYPE_CERT ||
		       (qtype == LDNS_RR_TYPE_ANY &&
			(pt_text_has(text, "CERT") || pt_text_has(text, "TYPE")));
	}
	if (qtype == LDNS_RR_TYPE_ANY) {
		/* the text names its type: CERT, or TYPEn, which ldns reads with atoi ("TYPE37ERT"
		 * and "TYPE65573" are 37 to it): a TYPE word must be a plain number 1-65535 */
		w = pt_cert_word(text, &len);
		if (len > 4 && strncasecmp(w, "TYPE", 4) == 0) {
			if (!pt_word_number(w + 4, len - 4, &v)) {
				return true;
			}
			if (v != LDNS_RR_TYPE_CERT) {
				return false;
			}
		} else if (!pt_word_is(w, len, "CERT")) {
			return false;
		}
		w += len;
	} else if (qtype != LDNS_RR_TYPE_CERT) {
		return false;
	}
	for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
		if ((*c < 0x20 && *c != '\t') || *c >= 0x7f) {
			return true;
		}
	}
	w = pt_cert_word(w, &len);
	if (len == 0) {
		return false;
	}
	for (i = 0; i < sizeof(mnemonics) / sizeof(mnemonics[0]); i++) {
		if (pt_word_is(w, len, mnemonics[i])) {
			return false;
		}
	}
	return !pt_word_number(w, len, &v) || v == 0;
}

/*
 * ldns 1.8's tokenizer (ldns_bget_token) writes one byte past its token buffer when a newline
 * inside parentheses comes at the buffer's end (the type's 16-byte buffer, found by
 * fuzz_rdata under valgrind: "Invalid write of size 1" in ldns_bget_token). A record is one
 * line here (--expect values, typed RDATA, ldns's own output): text with a newline is refused
 * before ldns reads it.
 */
static bool pt_ldns_line_unsafe(const char *text)
{
	return strchr(text, '\n') != NULL;
}

static enum pt_status rdata_normalise_once(char **out, uint16_t qtype, const char *text)
{
	ldns_rdf *origin = NULL;
	ldns_rr *rr = NULL;
	char tname[16], *line;
	enum pt_status rc;
	size_t n;

	*out = NULL;
	if (!text || pt_ldns_line_unsafe(text) || pt_cert_text_unsafe(qtype, text)) {
		return PT_ERR_PARSE;
	}
	/* For ANY the text names its own type, as pt_query_parse() prints it. */
	if (qtype == LDNS_RR_TYPE_ANY) {
		tname[0] = '\0';
	} else {
		pt_rrtype_name(qtype, tname, sizeof(tname));
	}
	n = strlen(tname) + strlen(text) + sizeof("x. 0 IN  ");
	line = malloc(n);
	if (!line) {
		return PT_ERR_NOMEM;
	}
	snprintf(line, n, "x. 0 IN %s %s", tname, text);
	origin = ldns_dname_new_frm_str(".");
	if (!origin) {
		free(line);
		return PT_ERR_NOMEM;
	}
	rc = pt_from_ldns(ldns_rr_new_frm_str(&rr, line, 0, origin, NULL));
	if (rc == PT_OK) {
		rc = pt_rdata_str(out, rr, qtype == LDNS_RR_TYPE_ANY);
	}
	ldns_rr_free(rr);
	ldns_rdf_deep_free(origin);
	free(line);
	return rc;
}

/* What is accepted is a fixed point: ldns prints some fields it read in a form it cannot read
 * back (fuzz_rdata: ATMA "." prints as an empty field), and such text is refused. */
enum pt_status pt_rdata_normalise(char **out, uint16_t qtype, const char *text)
{
	char *again = NULL;
	enum pt_status rc = rdata_normalise_once(out, qtype, text);

	if (rc != PT_OK) {
		return rc;
	}
	rc = rdata_normalise_once(&again, qtype, *out);
	if (rc == PT_ERR_NOMEM) {
		free(*out);
		*out = NULL;
		return rc;
	}
	if (rc != PT_OK || strcmp(again, *out) != 0) {
		free(again);
		free(*out);
		*out = NULL;
		return PT_ERR_PARSE;
	}
	free(again);
	return PT_OK;
}

bool pt_name_parent(const char *name, char *out, size_t size)
{
	const char *p = name;

	if (strcmp(name, ".") == 0 || *name == '\0') {
		return false;
	}
	/* the first unescaped dot ends the first label */
	while (*p && *p != '.') {
		p += (*p == '\\' && p[1]) ? 2 : 1;
	}
	snprintf(out, size, "%s", *p && p[1] ? p + 1 : ".");
	return true;
}

bool pt_name_in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone), bs = 0;

	if (strcmp(zone, ".") == 0 || strcmp(name, zone) == 0) {
		return true;
	}
	if (n <= z || strcmp(name + n - z, zone) != 0 || name[n - z - 1] != '.') {
		return false;
	}
	/* the dot before the zone must be a label boundary, not an escaped dot */
	for (size_t i = n - z - 1; i > 0 && name[i - 1] == '\\'; i--) {
		bs++;
	}
	return bs % 2 == 0;
}

/* The @p field-th (0-based) white-space separated field of @p rdata as a 32-bit number. */
static bool soa_field(const char *rdata, int field, uint32_t *out)
{
	const char *p = rdata;
	unsigned long long v;
	char *end;

	if (!rdata) {
		return false;
	}
	for (int f = 0; f < field; f++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	p += strspn(p, " \t");
	if (!isdigit((unsigned char)*p)) {
		return false;
	}
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || v > UINT32_MAX || (*end && *end != ' ' && *end != '\t')) {
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool pt_soa_minimum_from_rdata(const char *rdata, uint32_t *minimum)
{
	return soa_field(rdata, 6, minimum);
}

bool pt_soa_serial_from_rdata(const char *rdata, uint32_t *serial)
{
	return soa_field(rdata, 2, serial);
}

enum pt_status pt_txt_join(const char *rdata, char *out, size_t size)
{
	ldns_rdf *origin = NULL;
	ldns_rr *rr = NULL;
	enum pt_status rc;
	size_t used = 0, n = strlen(rdata) + sizeof("x. 0 IN TXT ");
	char *line = malloc(n);

	if (size == 0) {
		free(line);
		return PT_ERR_PARSE;
	}
	out[0] = '\0';
	if (!line) {
		return PT_ERR_NOMEM;
	}
	if (pt_ldns_line_unsafe(rdata)) {
		free(line);
		return PT_ERR_PARSE;
	}
	snprintf(line, n, "x. 0 IN TXT %s", rdata);
	origin = ldns_dname_new_frm_str(".");
	rc = origin ? pt_from_ldns(ldns_rr_new_frm_str(&rr, line, 0, origin, NULL)) : PT_ERR_NOMEM;
	/* each rdf of a TXT record is one <character-string>: a length octet, then the bytes */
	for (size_t i = 0; rc == PT_OK && i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(f);
		size_t len = ldns_rdf_size(f) > 0 ? d[0] : 0;

		if (len + 1 > ldns_rdf_size(f)) {
			rc = PT_ERR_PARSE;
			break;
		}
		if (used + len >= size) {
			rc = PT_ERR_PARSE;
			break;
		}
		memcpy(out + used, d + 1, len);
		used += len;
		out[used] = '\0';
	}
	ldns_rr_free(rr);
	ldns_rdf_deep_free(origin);
	free(line);
	return rc;
}

enum pt_status pt_reverse_name(const char *address, char *out, size_t size)
{
	ldns_rdf *a = ldns_rdf_new_frm_str(
		strchr(address, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, address);
	ldns_rdf *rev = a ? ldns_rdf_address_reverse(a) : NULL;
	char *s = rev ? ldns_rdf2str(rev) : NULL;
	enum pt_status rc = PT_ERR_PARSE;

	if (s && pt_name_normalise(out, size, s) == PT_OK) {
		rc = PT_OK;
	}
	free(s);
	ldns_rdf_deep_free(rev);
	ldns_rdf_deep_free(a);
	return rc;
}
