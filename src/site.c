/*
 * The site table: documented identity patterns of anycast resolver operators. An entry is
 * shipped only with the page that documents it (the README lists them); every other
 * identity is shown raw, cleaned.
 */
#include "site.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text.h"

/* Which clue a pattern reads. */
enum clue { CLUE_NSID, CLUE_ID_SERVER, CLUE_HOSTNAME_BIND };

/* A pattern: the operator's service addresses, the clue, how the code is read from it. */
struct pattern {
	const char *operator_name;
	/* the service addresses the operator documents for it, NULL-terminated */
	const char *const *addresses;
	enum clue clue;
	/* the code in @p text into @p code (upper case); false when it does not match */
	bool (*code)(char *code, size_t size, const char *text);
	/* where it is documented */
	const char *source;
};

/* Three ASCII letters at @p t (not NUL-terminated) into @p code, upper case. */
static bool three_letters(char *code, size_t size, const char *t)
{
	for (size_t i = 0; i < 3; i++) {
		if (!isalpha((unsigned char)t[i])) {
			return false;
		}
	}
	if (size < 4) {
		return false;
	}
	for (size_t i = 0; i < 3; i++) {
		code[i] = (char)toupper((unsigned char)t[i]);
	}
	code[3] = '\0';
	return true;
}

/* Exactly three ASCII letters, an IATA airport code: "FRA", "fra". */
static bool code_iata(char *code, size_t size, const char *text)
{
	return strlen(text) == 3 && three_letters(code, size, text);
}

/* The length of the run of ASCII digits at @p t. */
static size_t digits(const char *t)
{
	size_t n = 0;

	while (isdigit((unsigned char)t[n])) {
		n++;
	}
	return n;
}

/* Quad9's id.server, "resNNN.SITE.rrdns.pch.net" (any case, a final dot allowed): SITE is
 * an airport code ("vie") or "q", an airport code and a number ("qfra3"); the code is its
 * three letters ("VIE", "FRA"). */
static bool code_pch_rrdns(char *code, size_t size, const char *text)
{
	static const char suffix[] = ".rrdns.pch.net";
	size_t n = strlen(text), d, s;
	const char *site;

	if (n > 0 && text[n - 1] == '.') {
		n--;
	}
	if (n < sizeof(suffix) - 1 || strncasecmp(text, "res", 3) != 0 ||
	    strncasecmp(text + n - (sizeof(suffix) - 1), suffix, sizeof(suffix) - 1) != 0) {
		return false;
	}
	d = digits(text + 3);
	if (d == 0 || text[3 + d] != '.') {
		return false;
	}
	site = text + 3 + d + 1;
	/* the site label runs up to the suffix */
	if (site > text + n - (sizeof(suffix) - 1)) {
		return false;
	}
	s = (size_t)(text + n - (sizeof(suffix) - 1) - site);
	if (s == 3) {
		return three_letters(code, size, site);
	}
	return s > 4 && (site[0] == 'q' || site[0] == 'Q') && digits(site + 4) == s - 4 &&
	       three_letters(code, size, site + 1);
}

static const char *const cloudflare_addresses[] = { "1.1.1.1", "1.0.0.1", NULL };

/* https://docs.quad9.net/services/ (Quad9DNS/documentation docs/en/services.md at
 * b31751c200091927fb58876e509e33a4b2da2c23): 9.9.9.9, .10, .11, .12 and their twins */
static const char *const quad9_addresses[] = {
	"9.9.9.9",  "149.112.112.112", "2620:fe::fe", "2620:fe::9",
	"9.9.9.10", "149.112.112.10",  "2620:fe::10", "2620:fe::fe:10",
	"9.9.9.11", "149.112.112.11",  "2620:fe::11", "2620:fe::fe:11",
	"9.9.9.12", "149.112.112.12",  "2620:fe::12", "2620:fe::fe:12",
	NULL,
};

static const struct pattern patterns[] = {
	/* "Check connected nameserver: dig +short CHAOS TXT id.server @1.1.1.1"; the answer is
	 * the three-letter code of the data centre */
	{ "Cloudflare", cloudflare_addresses, CLUE_ID_SERVER, code_iata,
	  "https://developers.cloudflare.com/1.1.1.1/troubleshooting/" },
	/* "Detecting DNS Transparent Redirection": `dig +short ch txt id.server. @9.9.9.9`
	 * answers "resXXX.xxx.rrdns.pch.net", e.g. "res200.vie.rrdns.pch.net",
	 * "res860.qfra3.rrdns.pch.net" (Quad9DNS/documentation docs/en/FAQs.md at
	 * 281067329ac3664e2d80bec8e890952bb1ee6a3d) */
	{ "Quad9", quad9_addresses, CLUE_ID_SERVER, code_pch_rrdns,
	  "https://docs.quad9.net/FAQs/" },
};

static const char *clue_text(const struct pt_site_clues *c, enum clue k)
{
	const char *t = k == CLUE_NSID	      ? c->nsid
			: k == CLUE_ID_SERVER ? c->id_server
					      : c->hostname_bind;

	return t ? t : "";
}

static bool has_address(const struct pattern *p, const struct pt_resolver *r)
{
	for (const char *const *a = p->addresses; *a; a++) {
		if (strcmp(*a, r->address) == 0) {
			return true;
		}
	}
	return false;
}

const char *pt_site_operator(const struct pt_resolver *r)
{
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (has_address(&patterns[i], r)) {
			return patterns[i].operator_name;
		}
	}
	return NULL;
}

bool pt_site_find(struct pt_site *out, const struct pt_resolver *r,
		  const struct pt_site_clues *clues)
{
	static const enum clue order[] = { CLUE_NSID, CLUE_ID_SERVER, CLUE_HOSTNAME_BIND };

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		const struct pattern *p = &patterns[i];
		const char *t = clue_text(clues, p->clue);

		/* no pattern reads a site from no clue; the clue is tested before the addresses,
		 * which are 18 string compares for every row of a sweep */
		if (t[0] != '\0' && has_address(p, r) && p->code(out->site, sizeof(out->site), t)) {
			out->known = true;
			out->operator_name = p->operator_name;
			out->source = p->source;
			return true;
		}
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *t = clue_text(clues, order[i]);

		if (t[0] != '\0') {
			pt_text_clean(out->site, sizeof(out->site), t, strlen(t));
			return out->site[0] != '\0';
		}
	}
	return false;
}
