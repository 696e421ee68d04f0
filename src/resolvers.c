#include "resolvers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns.h"
#include "safefile.h"
#include "share.h"
#include "text.h"

/* The most a list may hold, in bytes read and in entries: a list file is a few MB at most
 * (the public-dns.info export of every known resolver is about 10 MB); /dev/zero or a
 * runaway pipe must not read until memory runs out. */
#define LIST_BYTES_MAX (64u << 20)
#define LIST_ENTRIES_MAX 100000
/* Longer lines are rejected before they are copied anywhere. */
#define LINE_BYTES_MAX 4096
/* Diagnostics kept per report; report->rejected keeps counting past it. */
#define DIAG_MAX 1000
/* Longest address token looked at: a host name is at most 253 bytes. */
#define TOKEN_MAX 300
/* Token separators for address lists: "1.1.1.1, 8.8.8.8 9.9.9.9". */
#define SEPS " \t,"

struct pt_resolvers {
	/* shared (pt_resolver_share()): whoever takes an entry on keeps it after the list */
	const struct pt_resolver **items;
	size_t count;
	size_t cap;
	/* Open addressing on (address, port), nslots a power of two kept at least twice count
	 * so probes stay short. */
	struct slot *slots;
	size_t nslots;
};

/* A slot of the index: the item's index + 1 (0: empty) and the hash of its key, so a probe
 * reads an item (a cache miss of its own in a long list) only when the hashes match, and
 * growing moves slots without hashing an address again (the hash's low bits are the home
 * slot: nslots stays within 32 bits). */
struct slot {
	uint32_t index1;
	uint32_t hash;
};

/* What an address token turned out to be. */
enum tok_kind {
	TOK_ADDR,     /* numeric address, usable */
	TOK_ADDR_BAD, /* numeric address with a bad port or zone; the reason says which */
	TOK_NAME,     /* a host name, to be resolved */
	TOK_BAD,      /* not an address at all */
};

enum csv_col { C_IP, C_NAME, C_ORG, C_CITY, C_CC, C_COUNT };

struct parse_ctx {
	struct pt_resolvers *list;
	struct pt_parse_report *rep;
	unsigned flags;
	size_t line;
	/* the current line has its diagnostic already: one per line */
	bool rejected;
	/* column of each field once a CSV header was seen; col[C_IP] < 0 outside CSV */
	int col[C_COUNT];
	enum pt_status st;
};

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

/*
 * Copy src[0..n) into dst as printable UTF-8: invalid bytes become '?', C0/C1 controls and DEL
 * become spaces. Stops before a character that would not fit, so a cut never splits one.
 * Returns the number of source bytes consumed.
 */
static size_t sanitize(char *dst, size_t dsz, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, k;

	while (i < n) {
		k = pt_utf8_seq(src + i, n - i);
		if (o + (k ? k : 1) >= dsz) {
			break;
		}
		if (k == 0) {
			dst[o++] = '?';
			i++;
		} else if ((k == 1 && (s[i] < 0x20 || s[i] == 0x7f)) ||
			   (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			dst[o++] = ' ';
			i += k;
		} else {
			memcpy(dst + o, s + i, k);
			o += k;
			i += k;
		}
	}
	dst[o] = '\0';
	return i;
}

/* A short printable prefix of @p s for a diagnostic ("..." when cut). */
static const char *excerpt(char *dst, size_t dsz, const char *s)
{
	size_t n = strlen(s);

	if (sanitize(dst, dsz - 3, s, n) < n) {
		strcat(dst, "...");
	}
	return dst;
}

/* Unquote a "quoted" field in place ("" is one quote); returns the new length. */
static size_t unquote(char *s, size_t n)
{
	size_t i, o = 0;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"') {
		return n;
	}
	for (i = 1; i + 1 < n; i++) {
		s[o++] = s[i];
		if (s[i] == '"' && s[i + 1] == '"' && i + 2 < n) {
			i++;
		}
	}
	return o;
}

/* Set a label or location from raw text: trimmed, unquoted, sanitised. Empty text keeps @p dst. */
static void set_field(char *dst, size_t dsz, char *s, size_t n)
{
	char tmp[PT_LABEL_MAX > PT_LOCATION_MAX ? PT_LABEL_MAX : PT_LOCATION_MAX];
	char *t = tmp;
	size_t len;

	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1])) {
		n--;
	}
	n = unquote(s, n);
	sanitize(tmp, dsz < sizeof(tmp) ? dsz : sizeof(tmp), s, n);
	while (*t == ' ') {
		t++;
	}
	len = strlen(t);
	while (len && t[len - 1] == ' ') {
		t[--len] = '\0';
	}
	if (len) {
		memmove(dst, t, len + 1);
	}
}

/* ---- the list and its index ---- */

static uint32_t key_hash(const char *address, uint16_t port)
{
	uint64_t h = pt_hash_bytes(PT_HASH_INIT, address, strlen(address));
	h = pt_hash_bytes(h, &port, sizeof(port));
	return (uint32_t)(h ^ (h >> 29));
}

/* The slot holding this key (its hash @p h), or the empty slot where it would go. */
static struct slot *slot_for(const struct pt_resolvers *list, const char *address, uint16_t port,
			     uint32_t h)
{
	size_t mask = list->nslots - 1, i = h & mask;
	const struct pt_resolver *r;

	for (;; i = (i + 1) & mask) {
		if (list->slots[i].index1 == 0) {
			return &list->slots[i];
		}
		if (list->slots[i].hash != h) {
			continue;
		}
		r = list->items[list->slots[i].index1 - 1];
		if (r->port == port && strcmp(r->address, address) == 0) {
			return &list->slots[i];
		}
	}
}

/* Put @p in (a key not in @p slots) into its home slot or the next empty one. */
static void slot_put(struct slot *slots, size_t nslots, struct slot in)
{
	size_t mask = nslots - 1, i = in.hash & mask;

	while (slots[i].index1 != 0) {
		i = (i + 1) & mask;
	}
	slots[i] = in;
}

/* The index rebuilt from the items (after a removal moved them). */
static void fill_index(struct pt_resolvers *list)
{
	memset(list->slots, 0, list->nslots * sizeof(list->slots[0]));
	for (size_t i = 0; i < list->count; i++) {
		slot_put(list->slots, list->nslots,
			 (struct slot){ (uint32_t)(i + 1),
					key_hash(list->items[i]->address, list->items[i]->port) });
	}
}

/* The index in @p nslots slots, the old slots moved over. */
static enum pt_status reindex(struct pt_resolvers *list, size_t nslots)
{
	struct slot *slots;

	if (nslots > (size_t)UINT32_MAX + 1 || !(slots = calloc(nslots, sizeof(*slots)))) {
		return PT_ERR_NOMEM;
	}
	for (size_t i = 0; i < list->nslots; i++) {
		if (list->slots[i].index1 != 0) {
			slot_put(slots, nslots, list->slots[i]);
		}
	}
	free(list->slots);
	list->slots = slots;
	list->nslots = nslots;
	return PT_OK;
}

const char *pt_resolver_endpoint(const char *text)
{
	return pt_text_intern(text, PT_ENDPOINT_MAX);
}

/* A shared resolver: its reference count before it. */
struct shared_resolver {
	atomic_size_t refs;
	struct pt_resolver r;
};

static struct shared_resolver *shared_of(const struct pt_resolver *r)
{
	return (struct shared_resolver *)(void *)((char *)(uintptr_t)r -
						  offsetof(struct shared_resolver, r));
}

const struct pt_resolver *pt_resolver_share(const struct pt_resolver *r)
{
	struct shared_resolver *s = malloc(sizeof(*s));

	if (s == NULL) {
		return NULL;
	}
	atomic_init(&s->refs, 1);
	s->r = *r;
	return &s->r;
}

const struct pt_resolver *pt_resolver_ref(const struct pt_resolver *r)
{
	if (r != NULL) {
		pt_ref_take(&shared_of(r)->refs);
	}
	return r;
}

void pt_resolver_unref(const struct pt_resolver *r)
{
	if (r != NULL && pt_ref_drop(&shared_of(r)->refs)) {
		free(shared_of(r));
	}
}

struct pt_resolvers *pt_resolvers_new(void)
{
	struct pt_resolvers *list = calloc(1, sizeof(*list));

	if (list && reindex(list, 16) != PT_OK) {
		free(list);
		return NULL;
	}
	return list;
}

void pt_resolvers_free(struct pt_resolvers *list)
{
	if (!list) {
		return;
	}
	for (size_t i = 0; i < list->count; i++) {
		pt_resolver_unref(list->items[i]);
	}
	free(list->items);
	free(list->slots);
	free(list);
}

size_t pt_resolvers_count(const struct pt_resolvers *list)
{
	return list ? list->count : 0;
}

const struct pt_resolver *pt_resolvers_get(const struct pt_resolvers *list, size_t index)
{
	return list && index < list->count ? list->items[index] : NULL;
}

enum pt_status pt_resolvers_add(struct pt_resolvers *list, const struct pt_resolver *r, bool *added)
{
	uint32_t h = key_hash(r->address, r->port);
	struct slot *slot = slot_for(list, r->address, r->port, h);

	if (added) {
		*added = false;
	}
	if (slot->index1 != 0) {
		return PT_OK;
	}
	if (list->count >= UINT32_MAX - 1) {
		return PT_ERR_NOMEM;
	}
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		const struct pt_resolver **items = realloc(list->items, cap * sizeof(*items));

		if (!items) {
			return PT_ERR_NOMEM;
		}
		list->items = items;
		list->cap = cap;
	}
	if ((list->count + 1) * 2 > list->nslots) {
		if (reindex(list, list->nslots * 2) != PT_OK) {
			return PT_ERR_NOMEM;
		}
		slot = slot_for(list, r->address, r->port, h);
	}
	if (!(list->items[list->count] = pt_resolver_share(r))) {
		return PT_ERR_NOMEM;
	}
	*slot = (struct slot){ (uint32_t)++list->count, h };
	if (added) {
		*added = true;
	}
	return PT_OK;
}

void pt_resolvers_remove(struct pt_resolvers *list, size_t index)
{
	if (!list || index >= list->count) {
		return;
	}
	pt_resolver_unref(list->items[index]);
	memmove(&list->items[index], &list->items[index + 1],
		(list->count - index - 1) * sizeof(list->items[0]));
	list->count--;
	/* later entries moved down by one: rebuild in place, O(n) like the memmove */
	fill_index(list);
}

/* ---- one address token ---- */

void pt_resolver_set_port(struct pt_resolver *r, uint16_t port)
{
	r->port = port;
	if (r->sa.any.sa_family == AF_INET) {
		((struct sockaddr_in *)&r->sa)->sin_port = htons(port);
	} else if (r->sa.any.sa_family == AF_INET6) {
		((struct sockaddr_in6 *)&r->sa)->sin6_port = htons(port);
	}
}

static bool parse_port(const char *s, uint16_t *port, char *why, size_t whysz)
{
	char ex[48];
	unsigned long v = 0;
	size_t n = strlen(s), i;

	if (n == 0 || strspn(s, "0123456789") != n) {
		snprintf(why, whysz, "bad port '%s': not a number", excerpt(ex, sizeof(ex), s));
		return false;
	}
	for (i = 0; i < n && v <= 65535; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535) {
		snprintf(why, whysz, "port %s out of range (1-65535)", excerpt(ex, sizeof(ex), s));
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

static enum tok_kind not_address(char *why, size_t whysz, const char *tok)
{
	char ex[48];

	snprintf(why, whysz, "not an address: '%s'", excerpt(ex, sizeof(ex), tok));
	return TOK_BAD;
}

/*
 * A word is a host name only when it looks like one: labels of letters, digits and hyphens
 * (not at either end of a label), separated by dots, with at least one dot and one letter.
 * A final dot counts, so "localhost." asks for a name that has no dot of its own; a lone
 * word ("this", "localhost") is not taken for a host name.
 */
static bool is_hostname(const char *s)
{
	size_t n = strlen(s), label = 0;
	bool letter = false, dot = false;

	if (n == 0 || n > 254) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-') {
				return false;
			}
			dot = true;
			label = 0;
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			letter = true;
		} else if (!(c >= '0' && c <= '9') && !(c == '-' && label > 0)) {
			return false;
		}
		if (++label > 63) {
			return false;
		}
	}
	return dot && letter && s[n - 1] != '-';
}

/* A lone word that would be a host name with a dot: the reason says how to ask for it. */
static enum tok_kind not_address_word(char *why, size_t whysz, const char *host, const char *tok)
{
	char ex[40], word[TOKEN_MAX + 2];

	snprintf(word, sizeof(word), "%s.", host);
	if (strlen(host) > 63 || strchr(host, '.') || !is_hostname(word)) {
		return not_address(why, whysz, tok);
	}
	excerpt(ex, sizeof(ex), host);
	snprintf(why, whysz,
		 "not an address: '%s' (a host name has a dot; write '%s.' to resolve it)", ex, ex);
	return TOK_BAD;
}

/* Numeric host (no brackets, no port) into @p r; a host name is copied to @p name. */
static enum tok_kind parse_host(struct pt_resolver *r, char *host, char *name, const char *tok,
				char *why, size_t whysz)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&r->sa;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&r->sa;
	char *zone = strchr(host, '%'), ex[48];
	unsigned long scope = 0;
	size_t zlen;

	if (!zone && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		r->salen = sizeof(*sin);
		/* inet_pton() takes only the canonical dotted quad (four parts, no leading zero),
		 * which is the text inet_ntop() would write back: no need to format it again */
		memcpy(r->address, host, strlen(host) + 1);
		return TOK_ADDR;
	}
	if (zone) {
		*zone++ = '\0';
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
		if (!zone && is_hostname(host)) {
			strcpy(name, host);
			return TOK_NAME;
		}
		return zone ? not_address(why, whysz, tok)
			    : not_address_word(why, whysz, host, tok);
	}
	/* ::ffff:192.0.2.1 is 192.0.2.1 on the wire: one resolver, written the IPv4 way */
	if (!zone && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		struct in_addr v4;

		memcpy(&v4, sin6->sin6_addr.s6_addr + 12, sizeof(v4));
		memset(&r->sa, 0, sizeof(r->sa));
		sin->sin_family = AF_INET;
		sin->sin_addr = v4;
		r->salen = sizeof(*sin);
		inet_ntop(AF_INET, &sin->sin_addr, r->address, sizeof(r->address));
		return TOK_ADDR;
	}
	sin6->sin6_family = AF_INET6;
	r->salen = sizeof(*sin6);
	inet_ntop(AF_INET6, &sin6->sin6_addr, r->address, sizeof(r->address));
	if (!zone) {
		return TOK_ADDR;
	}
	zlen = strlen(zone);
	if (zlen && zlen < IF_NAMESIZE) {
		scope = strspn(zone, "0123456789") == zlen ? strtoul(zone, NULL, 10)
							   : if_nametoindex(zone);
	}
	if (scope == 0 || scope > UINT32_MAX) {
		snprintf(why, whysz, "unknown interface '%s' in '%s'", excerpt(ex, 20, zone),
			 excerpt(ex + 20, sizeof(ex) - 20, tok));
		return TOK_ADDR_BAD;
	}
	sin6->sin6_scope_id = (uint32_t)scope;
	strcat(r->address, "%");
	strcat(r->address, zone);
	return TOK_ADDR;
}

/*
 * Split "@host", "host:port", "host#port", "[v6]:port" (@p hash_port: '#' may give the port)
 * and parse the parts into @p r; the port is @p def without one. On TOK_NAME, @p name
 * (TOKEN_MAX bytes) holds the host name and r->port its port.
 */
static enum tok_kind parse_plain(struct pt_resolver *r, const char *tok, uint16_t def,
				 bool hash_port, char *name, char *why, size_t whysz)
{
	const char *s = tok[0] == '@' ? tok + 1 : tok, *port = NULL, *sep;
	char host[TOKEN_MAX];
	enum tok_kind kind;
	uint16_t num = def;
	size_t hlen;

	memset(r, 0, sizeof(*r));
	r->endpoint = "";
	if (s[0] == '[') {
		sep = strchr(s, ']');
		if (!sep || (sep[1] && sep[1] != ':' && sep[1] != '#')) {
			return not_address(why, whysz, tok);
		}
		port = sep[1] ? sep + 2 : NULL;
		hlen = (size_t)(sep - ++s);
	} else if ((hash_port && (sep = strrchr(s, '#'))) ||
		   ((sep = strchr(s, ':')) && !strchr(sep + 1, ':'))) {
		/* one colon is a port; IPv6 has two or more and takes "#port" or brackets */
		port = sep + 1;
		hlen = (size_t)(sep - s);
	} else {
		hlen = strlen(s);
	}
	if (hlen >= sizeof(host)) {
		return not_address(why, whysz, tok);
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	kind = parse_host(r, host, name, tok, why, whysz);
	if ((kind == TOK_ADDR || kind == TOK_NAME) && port && !parse_port(port, &num, why, whysz)) {
		kind = kind == TOK_ADDR ? TOK_ADDR_BAD : TOK_BAD;
	}
	pt_resolver_set_port(r, num);
	return kind;
}

/* Whether @p s is a name or a numeric address a certificate can carry. */
static bool is_cert_name(const char *s)
{
	unsigned char a[16];

	return is_hostname(s) || inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* "tls://ADDR[:PORT][#NAME]" without its scheme (@p s) into @p r. */
static enum tok_kind parse_tls(struct pt_resolver *r, const char *s, char *name, char *why,
			       size_t whysz)
{
	const char *hash = strrchr(s, '#');
	char addr[TOKEN_MAX], ex[48];
	enum tok_kind kind;
	size_t alen = hash ? (size_t)(hash - s) : strlen(s);

	if (alen == 0 || alen >= sizeof(addr)) {
		snprintf(why, whysz, "tls:// needs an address: '%s'", excerpt(ex, sizeof(ex), s));
		return TOK_BAD;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	kind = parse_plain(r, addr, PT_DOT_PORT, false, name, why, whysz);
	if (kind != TOK_ADDR && kind != TOK_NAME) {
		return kind;
	}
	if (hash && (!is_cert_name(hash + 1) || strlen(hash + 1) >= PT_ENDPOINT_MAX)) {
		snprintf(why, whysz, "bad TLS name '%s' after '#' (a host name or an address)",
			 excerpt(ex, sizeof(ex), hash + 1));
		return kind == TOK_ADDR ? TOK_ADDR_BAD : TOK_BAD;
	}
	r->transport = PT_TRANSPORT_TLS;
	/* tls://dns.example: the certificate must carry the name that was resolved */
	r->endpoint = pt_resolver_endpoint(hash ? hash + 1 : kind == TOK_NAME ? name : "");
	if (r->endpoint == NULL) {
		snprintf(why, whysz, "out of memory (or too many distinct TLS names and URLs)");
		return TOK_BAD;
	}
	return kind;
}

/* "https://HOST[:PORT]/PATH" (whole token @p tok) into @p r: the URL is kept as given, with an
 * RFC 8484 URI template's "{?dns}" cut off; without a path, "/dns-query". */
static enum tok_kind parse_https(struct pt_resolver *r, const char *tok, char *name, char *why,
				 size_t whysz)
{
	const char *s = tok + strlen("https://"), *path = s + strcspn(s, "/?#");
	char auth[TOKEN_MAX], ex[48], url[TOKEN_MAX + 16];
	enum tok_kind kind;
	size_t alen = (size_t)(path - s), ulen;

	for (const char *p = tok; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '"') {
			snprintf(why, whysz, "bad character in URL '%s'",
				 excerpt(ex, sizeof(ex), tok));
			return TOK_BAD;
		}
	}
	if (alen == 0 || alen >= sizeof(auth) || memchr(s, '@', alen) || *path == '#') {
		snprintf(why, whysz, "bad DoH URL '%s' (https://HOST[:PORT]/PATH)",
			 excerpt(ex, sizeof(ex), tok));
		return TOK_BAD;
	}
	memcpy(auth, s, alen);
	auth[alen] = '\0';
	kind = parse_plain(r, auth, PT_DOH_PORT, false, name, why, whysz);
	if (kind != TOK_ADDR && kind != TOK_NAME) {
		return kind;
	}
	ulen = (size_t)snprintf(url, sizeof(url), "%s%s", tok, *path ? "" : "/dns-query");
	if (ulen > 6 && strcmp(url + ulen - 6, "{?dns}") == 0) {
		url[ulen -= 6] = '\0';
	}
	if (strchr(url, '{') || strchr(url, '#') || ulen >= PT_ENDPOINT_MAX) {
		snprintf(why, whysz,
			 "bad DoH URL '%s' (a template other than {?dns}, a fragment, "
			 "or longer than %d bytes)",
			 excerpt(ex, sizeof(ex), tok), PT_ENDPOINT_MAX - 1);
		return TOK_BAD;
	}
	r->transport = PT_TRANSPORT_HTTPS;
	if ((r->endpoint = pt_resolver_endpoint(url)) == NULL) {
		snprintf(why, whysz, "out of memory (or too many distinct TLS names and URLs)");
		return TOK_BAD;
	}
	return kind;
}

/* One address token of any kind: plain, "tls://..." or "https://...". */
static enum tok_kind parse_tok(struct pt_resolver *r, const char *tok, char *name, char *why,
			       size_t whysz)
{
	if (strncasecmp(tok, "tls://", 6) == 0) {
		return parse_tls(r, tok + 6, name, why, whysz);
	}
	if (strncasecmp(tok, "https://", 8) == 0) {
		return parse_https(r, tok, name, why, whysz);
	}
	if (strstr(tok, "://")) {
		char ex[48];

		snprintf(why, whysz, "unknown scheme in '%s' (tls:// and https:// are known)",
			 excerpt(ex, sizeof(ex), tok));
		memset(r, 0, sizeof(*r));
		r->endpoint = "";
		return TOK_BAD;
	}
	return parse_plain(r, tok, PT_DNS_PORT, true, name, why, whysz);
}

enum pt_status pt_resolver_parse_address(struct pt_resolver *r, const char *token, char *reason,
					 size_t reason_size)
{
	char why[160], name[TOKEN_MAX], ex[48];
	enum tok_kind kind = parse_tok(r, token, name, why, sizeof(why));

	if (kind == TOK_ADDR) {
		return PT_OK;
	}
	if (kind == TOK_NAME) {
		snprintf(why, sizeof(why), "host name '%s' needs name resolution",
			 excerpt(ex, sizeof(ex), name));
	}
	if (reason && reason_size) {
		snprintf(reason, reason_size, "%s", why);
	}
	return PT_ERR_PARSE;
}

long pt_resolvers_find(const struct pt_resolvers *list, const char *address, uint16_t port)
{
	char host[TOKEN_MAX], name[TOKEN_MAX], why[160];
	struct pt_resolver r;
	struct slot *slot;

	if (!list || !address) {
		return -1;
	}
	/* compare normalised text: "2001:DB8:0::1" finds "2001:db8::1" */
	if (strlen(address) < sizeof(host)) {
		strcpy(host, address);
		memset(&r, 0, sizeof(r));
		if (parse_host(&r, host, name, address, why, sizeof(why)) == TOK_ADDR) {
			address = r.address;
		}
	}
	slot = slot_for(list, address, port, key_hash(address, port));
	return slot->index1 ? (long)slot->index1 - 1 : -1;
}

/* ---- lines ---- */

static void reject(struct parse_ctx *c, const char *reason)
{
	struct pt_parse_report *rep = c->rep;
	struct pt_diag *d;

	if (c->rejected) {
		return;
	}
	c->rejected = true;
	rep->rejected++;
	if (rep->ndiags >= DIAG_MAX) {
		return;
	}
	if (rep->ndiags == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 16;

		d = realloc(rep->diags, cap * sizeof(*d));
		if (!d) {
			c->st = PT_ERR_NOMEM;
			return;
		}
		rep->diags = d;
		rep->cap = cap;
	}
	d = &rep->diags[rep->ndiags++];
	d->line = c->line;
	snprintf(d->reason, sizeof(d->reason), "%s", reason);
}

/* Resolve a host name once through the system resolver, preferring IPv4. */
static bool resolve(struct parse_ctx *c, struct pt_resolver *r, const char *name)
{
	struct addrinfo hints, *res, *ai, *pick = NULL;
	char why[160], ex[48], plain[TOKEN_MAX];
	int rc;

	excerpt(ex, sizeof(ex), name);
	if (!(c->flags & PT_PARSE_RESOLVE_NAMES)) {
		snprintf(why, sizeof(why), "host name '%s' needs name resolution, which is off",
			 ex);
		reject(c, why);
		return false;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	/* "localhost." is written with its dot to say it is a name; the system resolver's
	 * hosts file knows it without one */
	snprintf(plain, sizeof(plain), "%s", name);
	if (strlen(plain) > 1 && plain[strlen(plain) - 1] == '.') {
		plain[strlen(plain) - 1] = '\0';
	}
	rc = getaddrinfo(plain, NULL, &hints, &res);
	if (rc != 0) {
		snprintf(why, sizeof(why), "cannot resolve %s: %.80s", ex, gai_strerror(rc));
		reject(c, why);
		return false;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET || (!pick && ai->ai_family == AF_INET6)) {
			pick = ai;
		}
		if (pick && pick->ai_family == AF_INET) {
			break;
		}
	}
	if (pick && pick->ai_addrlen <= sizeof(r->sa)) {
		memcpy(&r->sa, pick->ai_addr, pick->ai_addrlen);
		r->salen = (socklen_t)pick->ai_addrlen;
		pt_resolver_set_port(r, r->port);
		getnameinfo(pick->ai_addr, pick->ai_addrlen, r->address, sizeof(r->address), NULL,
			    0, NI_NUMERICHOST);
		sanitize(r->label, sizeof(r->label), plain, strlen(plain));
	}
	freeaddrinfo(res);
	if (!pick) {
		snprintf(why, sizeof(why), "cannot resolve %s: no IPv4 or IPv6 address", ex);
		reject(c, why);
	}
	return pick != NULL;
}

static bool read_token(struct parse_ctx *c, struct pt_resolver *r, const char *tok)
{
	char why[160], name[TOKEN_MAX];

	switch (parse_tok(r, tok, name, why, sizeof(why))) {
	case TOK_ADDR:
		return true;
	case TOK_NAME:
		if (r->transport == PT_TRANSPORT_HTTPS && !(c->flags & PT_PARSE_RESOLVE_NAMES) &&
		    strlen(name) < sizeof(r->address)) {
			/* libcurl resolves it when it connects */
			memcpy(r->address, name, strlen(name) + 1);
			return true;
		}
		return resolve(c, r, name);
	default:
		reject(c, why);
		return false;
	}
}

static void add_entry(struct parse_ctx *c, const struct pt_resolver *r)
{
	bool added;

	if (c->list->count >= LIST_ENTRIES_MAX &&
	    pt_resolvers_find(c->list, r->address, r->port) < 0) {
		reject(c, "more than 100000 resolvers: left out");
		return;
	}
	if (pt_resolvers_add(c->list, r, &added) != PT_OK) {
		c->st = PT_ERR_NOMEM;
	} else if (added) {
		c->rep->added++;
	} else {
		c->rep->duplicates++;
	}
}

/* Next token between SEPS, copied (cut) into @p tok; returns its end, NULL when none is left. */
static const char *next_token(const char *p, char *tok, size_t toksz)
{
	size_t n;

	p += strspn(p, SEPS);
	if (!*p) {
		return NULL;
	}
	n = strcspn(p, SEPS);
	if (toksz > 0) {
		size_t k = n < toksz ? n : toksz - 1;

		memcpy(tok, p, k);
		tok[k] = '\0';
	}
	return p + n;
}

/* "Label text [Location]": our resolvers.txt puts the location last, in brackets. */
static void take_label(struct pt_resolver *r, char *s)
{
	size_t n = strlen(s);
	char *open = s + n;

	while (n && is_blank(s[n - 1])) {
		n--;
	}
	if (n && s[n - 1] == ']') {
		for (open = s + n - 1; open > s && *open != '['; open--) {
		}
	}
	if (*open == '[') {
		set_field(r->location, sizeof(r->location), open + 1,
			  (size_t)(s + n - 1 - open - 1));
		n = (size_t)(open - s);
	}
	set_field(r->label, sizeof(r->label), s, n);
}

/* The text after the address: TAB-separated fields when a TAB follows it, else label [location]. */
static void take_rest(struct pt_resolver *r, char *s)
{
	char *q = s + strspn(s, " "), *f2;

	if (*q != '\t') {
		take_label(r, s + strspn(s, SEPS));
		return;
	}
	f2 = strchr(q + 1, '\t');
	if (!f2) {
		take_label(r, q + 1);
		return;
	}
	set_field(r->label, sizeof(r->label), q + 1, (size_t)(f2 - q - 1));
	set_field(r->location, sizeof(r->location), f2 + 1, strcspn(f2 + 1, "\t"));
}

static void parse_entry(struct parse_ctx *c, char *line)
{
	char tok[TOKEN_MAX], name[TOKEN_MAX], why[160];
	struct pt_resolver r;
	const char *p = line;
	enum tok_kind kind;
	size_t ntok = 0;

	while ((p = next_token(p, tok, sizeof(tok)))) {
		kind = parse_tok(&r, tok, name, why, sizeof(why));
		if (kind != TOK_ADDR && kind != TOK_ADDR_BAD) {
			break;
		}
		ntok++;
	}
	if (!p && ntok > 1) {
		/* every token is a numeric address: one entry each */
		for (p = line; (p = next_token(p, tok, sizeof(tok)));) {
			if (read_token(c, &r, tok)) {
				add_entry(c, &r);
			}
		}
		return;
	}
	p = next_token(line, tok, sizeof(tok));
	if (!p) {
		not_address(why, sizeof(why), line);
		reject(c, why);
		return;
	}
	if (read_token(c, &r, tok)) {
		take_rest(&r, line + (p - line));
		add_entry(c, &r);
	}
}

/* One RFC 4180 field from *pp into dst (cut); *pp moves past the comma, NULL at the end. */
static bool csv_next(const char **pp, char *dst, size_t dsz)
{
	const char *p = *pp;
	bool quoted;
	size_t o = 0;

	if (!p) {
		return false;
	}
	p += strspn(p, " \t");
	quoted = *p == '"';
	for (p += quoted; *p; p++) {
		if (*p == '"' && quoted) {
			if (p[1] != '"') {
				quoted = false;
				continue;
			}
			p++;
		} else if (*p == ',' && !quoted) {
			break;
		}
		if (o + 1 < dsz) {
			dst[o++] = *p;
		}
	}
	while (o && is_blank(dst[o - 1])) {
		o--;
	}
	dst[o] = '\0';
	*pp = *p == ',' ? p + 1 : NULL;
	return true;
}

/* A header row: every field a plain column name, one of them naming the address column. */
static bool csv_header(struct parse_ctx *c, const char *line)
{
	static const struct {
		const char *name;
		enum csv_col col;
	} names[] = {
		{ "ip_address", C_IP },	  { "ip", C_IP },      { "address", C_IP },
		{ "name", C_NAME },	  { "as_org", C_ORG }, { "city", C_CITY },
		{ "country_code", C_CC },
	};
	int col[C_COUNT] = { -1, -1, -1, -1, -1 }, i = 0;
	char f[64];

	for (const char *p = line; csv_next(&p, f, sizeof(f)); i++) {
		if (strspn(f, "abcdefghijklmnopqrstuvwxyz"
			      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789_- ") != strlen(f)) {
			return false;
		}
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (strcasecmp(f, names[k].name) == 0 && col[names[k].col] < 0) {
				col[names[k].col] = i;
			}
		}
	}
	if (col[C_IP] < 0) {
		return false;
	}
	memcpy(c->col, col, sizeof(col));
	return true;
}

static void parse_csv_row(struct parse_ctx *c, const char *line)
{
	char v[C_COUNT][128] = { "" }, f[128], loc[260];
	struct pt_resolver r;
	const char *p = line;

	for (int i = 0; csv_next(&p, f, sizeof(f)); i++) {
		for (int k = 0; k < C_COUNT; k++) {
			if (c->col[k] == i) {
				strcpy(v[k], f);
			}
		}
	}
	if (!v[C_IP][0]) {
		reject(c, "empty address field");
		return;
	}
	if (!read_token(c, &r, v[C_IP])) {
		return;
	}
	set_field(r.label, sizeof(r.label), v[C_ORG], strlen(v[C_ORG]));
	set_field(r.label, sizeof(r.label), v[C_NAME], strlen(v[C_NAME]));
	snprintf(loc, sizeof(loc), "%s%s%s", v[C_CITY], v[C_CITY][0] && v[C_CC][0] ? ", " : "",
		 v[C_CC]);
	set_field(r.location, sizeof(r.location), loc, strlen(loc));
	add_entry(c, &r);
}

/*
 * Cut a comment: '#' or ';' at the start or after a blank, outside double quotes
 * ("8.8.8.8#53" is a port).
 */
static void strip_comment(char *s)
{
	bool quoted = false;

	for (char *p = s; *p; p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && (*p == '#' || *p == ';') && (p == s || is_blank(p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

static void parse_line(struct parse_ctx *c, const char *s, size_t n)
{
	static const char *const ignored[] = { "search", "domain", "options", "sortlist" };
	char buf[LINE_BYTES_MAX + 1], why[64], *p;
	size_t raw = n, w;
	bool csv_row;

	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	if (n == 0 || *s == '#' || *s == ';') {
		return;
	}
	if (raw > LINE_BYTES_MAX) {
		snprintf(why, sizeof(why), "line too long (%zu bytes)", raw);
		reject(c, why);
		return;
	}
	if (memchr(s, '\0', n)) {
		reject(c, "line contains NUL byte");
		return;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* After a CSV header, lines with a comma are rows: data, where '#' is no comment. */
	csv_row = c->col[C_IP] >= 0 && strchr(buf, ',');
	if (!csv_row) {
		strip_comment(buf);
	}
	for (n = strlen(buf); n && is_blank(buf[n - 1]); n--) {
		buf[n - 1] = '\0';
	}
	if (!n) {
		return;
	}
	if (csv_row) {
		parse_csv_row(c, buf);
		return;
	}
	w = strcspn(buf, " \t");
	p = buf + w + strspn(buf + w, " \t");
	if (w == 10 && strncmp(buf, "nameserver", 10) == 0) {
		if (*p) {
			parse_entry(c, p);
		} else {
			reject(c, "nameserver without an address");
		}
		return;
	}
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
		if (w == strlen(ignored[i]) && strncmp(buf, ignored[i], w) == 0) {
			return;
		}
	}
	if (strchr(buf, ',') && csv_header(c, buf)) {
		return;
	}
	parse_entry(c, buf);
}

enum pt_status pt_resolvers_parse(struct pt_resolvers *list, const char *text, size_t len,
				  unsigned flags, struct pt_parse_report *report)
{
	struct parse_ctx c = { .list = list, .rep = report, .flags = flags, .st = PT_OK };
	const char *p = text, *end, *e;

	if (!text) {
		return PT_OK;
	}
	end = text + len;
	for (int k = 0; k < C_COUNT; k++) {
		c.col[k] = -1;
	}
	if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
	}
	while (p < end && c.st == PT_OK) {
		for (e = p; e < end && *e != '\n' && *e != '\r'; e++) {
		}
		c.line++;
		c.rejected = false;
		parse_line(&c, p, (size_t)(e - p));
		if (e + 1 < end && e[0] == '\r' && e[1] == '\n') {
			e++;
		}
		p = e + 1;
	}
	return c.st;
}

enum pt_status pt_resolvers_load(struct pt_resolvers *list, const char *path, unsigned flags,
				 struct pt_parse_report *report)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 0, got;
	enum pt_status st = PT_OK;
	char *buf = NULL, *nb;
	int err;

	if (!f) {
		return PT_ERR_IO;
	}
	do {
		if (len >= LIST_BYTES_MAX) {
			/* more than any list: /dev/zero, a device, a runaway pipe */
			st = PT_ERR_IO;
			errno = EFBIG;
			break;
		}
		if (len == cap) {
			cap = cap * 2 + 65536;
			cap = cap > LIST_BYTES_MAX ? LIST_BYTES_MAX : cap;
			if (!(nb = realloc(buf, cap))) {
				st = PT_ERR_NOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (st == PT_OK && ferror(f)) {
		st = PT_ERR_IO;
	}
	err = errno; /* fclose() and free() must not hide why the read failed (EFBIG: too big) */
	if (f != stdin) {
		fclose(f);
	}
	if (st == PT_OK) {
		st = pt_resolvers_parse(list, buf, len, flags, report);
	}
	free(buf);
	errno = err;
	return st;
}

/* Whether @p s can be written bare in "ADDRESS  LABEL [LOCATION]" and read back the same. */
static bool is_plain(const char *s, bool label)
{
	char tok[TOKEN_MAX], name[TOKEN_MAX], why[160];
	struct pt_resolver r;
	enum tok_kind kind;

	if (strpbrk(s, "\"#;[]\t") || (label && *s == ',')) {
		return false;
	}
	if (!label || !next_token(s, tok, sizeof(tok))) {
		return true;
	}
	/* a label starting with an address could read as more entries */
	kind = parse_tok(&r, tok, name, why, sizeof(why));
	return kind == TOK_BAD || kind == TOK_NAME;
}

static void write_quoted(FILE *out, const char *s)
{
	struct pt_buf b = { 0 };

	pt_buf_quoted(&b, s);
	fputs(pt_buf_str(&b), out);
	pt_buf_fini(&b);
}

const char *pt_transport_name(enum pt_transport t, bool via_tcp)
{
	switch (t) {
	case PT_TRANSPORT_TLS:
		return "tls";
	case PT_TRANSPORT_HTTPS:
		return "https";
	default:
		return via_tcp ? "tcp" : "udp";
	}
}

char *pt_resolver_format(char *buf, size_t size, const struct pt_resolver *r)
{
	bool v6 = strchr(r->address, ':') != NULL;
	uint16_t def = r->transport == PT_TRANSPORT_TLS ? PT_DOT_PORT : PT_DNS_PORT;
	const char *scheme = r->transport == PT_TRANSPORT_TLS ? "tls://" : "";
	size_t n;

	if (r->transport == PT_TRANSPORT_HTTPS) {
		snprintf(buf, size, "%s", r->endpoint ? r->endpoint : "");
		return buf;
	}
	if (r->port == def) {
		n = (size_t)snprintf(buf, size, "%s%s", scheme, r->address);
	} else {
		n = (size_t)snprintf(buf, size, v6 ? "%s[%s]:%u" : "%s%s:%u", scheme, r->address,
				     (unsigned)r->port);
	}
	if (r->transport == PT_TRANSPORT_TLS && r->endpoint && r->endpoint[0] && n < size) {
		snprintf(buf + n, size - n, "#%s", r->endpoint);
	}
	return buf;
}

enum pt_status pt_resolvers_write(const struct pt_resolvers *list, FILE *out)
{
	char entry[PT_ENDPOINT_MAX + PT_ADDRESS_MAX + 16];

	fputs("# proptrack resolver list\n# ADDRESS[:PORT]  LABEL [LOCATION]\n", out);
	for (size_t i = 0; i < list->count; i++) {
		const struct pt_resolver *r = list->items[i];

		fputs(pt_resolver_format(entry, sizeof(entry), r), out);
		if (is_plain(r->label, true) && is_plain(r->location, false)) {
			fprintf(out, "%s%s", *r->label || *r->location ? "  " : "", r->label);
			fprintf(out, *r->location ? (*r->label ? " [%s]" : "[%s]") : "%s",
				r->location);
		} else {
			/* TAB-separated quoted fields keep '#', brackets and quotes */
			fputc('\t', out);
			write_quoted(out, r->label);
			fputc('\t', out);
			write_quoted(out, r->location);
		}
		fputc('\n', out);
	}
	return fflush(out) == 0 && !ferror(out) ? PT_OK : PT_ERR_IO;
}

void pt_parse_report_fini(struct pt_parse_report *report)
{
	if (!report) {
		return;
	}
	free(report->diags);
	memset(report, 0, sizeof(*report));
}

static enum pt_status fill_list(void *ctx, FILE *out)
{
	return pt_resolvers_write(ctx, out);
}

enum pt_status pt_resolvers_save(const struct pt_resolvers *list, const char *path, bool overwrite)
{
	return pt_safefile_write(path, overwrite, fill_list, (void *)(uintptr_t)list);
}
