#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolvers.h"

/* Parse @p text into a fresh list; the report is left in @p rep. */
static struct pt_resolvers *parse_flags(const char *text, size_t len, unsigned flags,
					struct pt_parse_report *rep)
{
	struct pt_resolvers *list = pt_resolvers_new();

	assert_non_null(list);
	memset(rep, 0, sizeof(*rep));
	assert_int_equal(pt_resolvers_parse(list, text, len, flags, rep), PT_OK);
	assert_int_equal(pt_resolvers_count(list), rep->added);
	assert_int_equal(rep->rejected, rep->ndiags);
	return list;
}

static struct pt_resolvers *parse(const char *text, struct pt_parse_report *rep)
{
	return parse_flags(text, strlen(text), 0, rep);
}

static void check_entry(const struct pt_resolvers *list, size_t i, const char *address,
			unsigned port, const char *label, const char *location)
{
	const struct pt_resolver *r = pt_resolvers_get(list, i);

	assert_non_null(r);
	assert_string_equal(r->address, address);
	assert_int_equal(r->port, port);
	assert_string_equal(r->label, label);
	assert_string_equal(r->location, location);
}

/* The diagnostic @p i is for @p line and its reason contains @p reason. */
static void check_diag(const struct pt_parse_report *rep, size_t i, size_t line,
		       const char *reason)
{
	assert_true(i < rep->ndiags);
	assert_int_equal(rep->diags[i].line, line);
	if (!strstr(rep->diags[i].reason, reason)) {
		fail_msg("diag %zu: '%s' lacks '%s'", i, rep->diags[i].reason, reason);
	}
}

static void test_address_forms(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("8.8.8.8\n"
					  "8.8.4.4:5353\n"
					  "9.9.9.9#5354\n"
					  "@1.1.1.1\n"
					  "@1.0.0.1#54\n"
					  "2001:db8::1\n"
					  "[2001:db8::2]:5353\n"
					  "[2001:db8::3]\n"
					  "2001:db8::4#5355\n"
					  "@[2001:db8::5]#56\n",
					  &rep);
	const struct pt_resolver *r;

	(void)state;
	assert_int_equal(rep.added, 10);
	assert_int_equal(rep.ndiags, 0);
	check_entry(list, 0, "8.8.8.8", 53, "", "");
	check_entry(list, 1, "8.8.4.4", 5353, "", "");
	check_entry(list, 2, "9.9.9.9", 5354, "", "");
	check_entry(list, 3, "1.1.1.1", 53, "", "");
	check_entry(list, 4, "1.0.0.1", 54, "", "");
	check_entry(list, 5, "2001:db8::1", 53, "", "");
	check_entry(list, 6, "2001:db8::2", 5353, "", "");
	check_entry(list, 7, "2001:db8::3", 53, "", "");
	check_entry(list, 8, "2001:db8::4", 5355, "", "");
	check_entry(list, 9, "2001:db8::5", 56, "", "");

	r = pt_resolvers_get(list, 1);
	assert_int_equal(r->sa.any.sa_family, AF_INET);
	assert_int_equal(r->salen, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((const struct sockaddr_in *)&r->sa)->sin_port), 5353);
	assert_int_equal(((const struct sockaddr_in *)&r->sa)->sin_addr.s_addr,
			 inet_addr("8.8.4.4"));
	r = pt_resolvers_get(list, 6);
	assert_int_equal(r->sa.any.sa_family, AF_INET6);
	assert_int_equal(r->salen, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(((const struct sockaddr_in6 *)&r->sa)->sin6_port), 5353);
	assert_null(pt_resolvers_get(list, 10));
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

/* A list's entries are shared: one taken on (pt_resolver_ref()) outlives its removal and the
 * list itself, unchanged; one removed or freed with nobody holding it goes with it (the
 * sanitizer runs of make asan say so). */
static void test_shared_entries(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("127.0.0.1  one\n127.0.0.2  two\n127.0.0.3  three\n", &rep);
	const struct pt_resolver *kept, *copy;
	struct pt_resolver local;

	(void)state;
	assert_int_equal(pt_resolvers_count(list), 3);
	kept = pt_resolver_ref(pt_resolvers_get(list, 1));
	assert_string_equal(kept->label, "two");
	pt_resolvers_remove(list, 1);
	assert_int_equal(pt_resolvers_count(list), 2);
	assert_string_equal(pt_resolvers_get(list, 1)->label, "three");
	pt_resolvers_free(list);
	assert_string_equal(kept->label, "two");
	assert_string_equal(kept->address, "127.0.0.2");
	/* a copy shared on its own is a copy: changing the original changes nothing in it */
	local = *kept;
	copy = pt_resolver_share(&local);
	assert_non_null(copy);
	snprintf(local.label, sizeof(local.label), "changed");
	assert_string_equal(copy->label, "two");
	assert_ptr_equal(pt_resolver_ref(copy), copy);
	pt_resolver_unref(copy);
	pt_resolver_unref(copy);
	pt_resolver_unref(kept);
	pt_resolver_unref(NULL);
	assert_null(pt_resolver_ref(NULL));
}

/* Endpoints are strings of one table: the same text is the same pointer, an empty one is "",
 * a text past PT_ENDPOINT_MAX - 1 bytes is cut; parsed entries share them. */
static void test_endpoint_table(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("tls://127.0.0.1#dns.example\n"
					  "tls://127.0.0.2#dns.example\n"
					  "127.0.0.3\n",
					  &rep);
	char longer[PT_ENDPOINT_MAX + 10];
	const char *a, *b;

	(void)state;
	assert_int_equal(pt_resolvers_count(list), 3);
	assert_ptr_equal(pt_resolvers_get(list, 0)->endpoint, pt_resolvers_get(list, 1)->endpoint);
	assert_string_equal(pt_resolvers_get(list, 0)->endpoint, "dns.example");
	assert_string_equal(pt_resolvers_get(list, 2)->endpoint, "");
	assert_ptr_equal(pt_resolver_endpoint("dns.example"), pt_resolvers_get(list, 0)->endpoint);
	assert_string_equal(pt_resolver_endpoint(""), "");
	a = pt_resolver_endpoint("https://a.example/dns-query");
	b = pt_resolver_endpoint("https://b.example/dns-query");
	assert_ptr_not_equal(a, b);
	assert_string_equal(b, "https://b.example/dns-query");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(strlen(pt_resolver_endpoint(longer)), PT_ENDPOINT_MAX - 1);
	pt_resolvers_free(list);
	/* the table outlives the lists */
	assert_string_equal(a, "https://a.example/dns-query");
}

static void test_zone(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("fe80::1%lo\n"
					  "[fe80::2%1]:5353\n"
					  "fe80::3%nosuchif0\n"
					  "fe80::4%\n"
					  "8.8.8.8%lo\n",
					  &rep);
	const struct pt_resolver *r;

	(void)state;
	assert_int_equal(rep.added, 2);
	check_entry(list, 0, "fe80::1%lo", 53, "", "");
	r = pt_resolvers_get(list, 0);
	assert_int_equal(((const struct sockaddr_in6 *)&r->sa)->sin6_scope_id,
			 if_nametoindex("lo"));
	check_entry(list, 1, "fe80::2%1", 5353, "", "");
	r = pt_resolvers_get(list, 1);
	assert_int_equal(((const struct sockaddr_in6 *)&r->sa)->sin6_scope_id, 1);
	assert_int_equal(rep.ndiags, 3);
	check_diag(&rep, 0, 3, "unknown interface 'nosuchif0'");
	check_diag(&rep, 1, 4, "unknown interface ''");
	check_diag(&rep, 2, 5, "not an address: '8.8.8.8%lo'");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_labels_and_locations(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse(
		"8.8.8.8  Google Public DNS [US]\n"
		"8.8.4.4\tGoogle Secondary\tUS\tyes\t37.4\t-122.1\n"
		"# address\tname\tcountry\tdnssec\tlat\tlon\n"
		"9.9.9.9 Quad9   # malware blocking\n"
		"1.1.1.1 Cloudflare ; fast\n"
		"1.0.0.1:5353 Cloudflare, secondary [Prague, CZ]\n"
		"208.67.222.222 [US]\n"
		"208.67.220.220\tOpenDNS [SF]\n"
		"149.112.112.112 \"Quad9 #2 [alt]\" [CH]\n"
		"64.6.64.6\t\tUS\n"
		"76.76.2.0 Control D [beta] edition\n",
		&rep);

	(void)state;
	assert_int_equal(rep.ndiags, 0);
	assert_int_equal(rep.added, 10);
	check_entry(list, 0, "8.8.8.8", 53, "Google Public DNS", "US");
	check_entry(list, 1, "8.8.4.4", 53, "Google Secondary", "US");
	check_entry(list, 2, "9.9.9.9", 53, "Quad9", "");
	check_entry(list, 3, "1.1.1.1", 53, "Cloudflare", "");
	check_entry(list, 4, "1.0.0.1", 5353, "Cloudflare, secondary", "Prague, CZ");
	check_entry(list, 5, "208.67.222.222", 53, "", "US");
	check_entry(list, 6, "208.67.220.220", 53, "OpenDNS", "SF");
	check_entry(list, 7, "149.112.112.112", 53, "Quad9 #2 [alt]", "CH");
	check_entry(list, 8, "64.6.64.6", 53, "", "US");
	check_entry(list, 9, "76.76.2.0", 53, "Control D [beta] edition", "");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_resolv_conf_and_lists(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("# generated by NetworkManager\n"
					  "search example.com lan\n"
					  "domain example.com\n"
					  "options edns0 trust-ad\n"
					  "sortlist 130.155.160.0/255.255.240.0\n"
					  "nameserver 1.1.1.1\n"
					  "nameserver\t2606:4700:4700::1111\n"
					  "nameserver\n"
					  "8.8.8.8, 8.8.4.4 9.9.9.9\n"
					  "208.67.222.222,208.67.220.220\n"
					  "4.2.2.1 4.2.2.2:5353 Level3\n",
					  &rep);

	(void)state;
	assert_int_equal(rep.added, 8);
	check_entry(list, 0, "1.1.1.1", 53, "", "");
	check_entry(list, 1, "2606:4700:4700::1111", 53, "", "");
	check_entry(list, 2, "8.8.8.8", 53, "", "");
	check_entry(list, 3, "8.8.4.4", 53, "", "");
	check_entry(list, 4, "9.9.9.9", 53, "", "");
	check_entry(list, 5, "208.67.222.222", 53, "", "");
	check_entry(list, 6, "208.67.220.220", 53, "", "");
	/* a later token that is no address makes the rest a label */
	check_entry(list, 7, "4.2.2.1", 53, "4.2.2.2:5353 Level3", "");
	assert_int_equal(rep.ndiags, 1);
	check_diag(&rep, 0, 8, "nameserver without an address");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_line_endings_and_bom(void **state)
{
	static const char text[] = "\xef\xbb\xbf"
				   "8.8.8.8 A\r\n"
				   "\r\n"
				   "8.8.4.4 B\r"
				   "bad!\r"
				   "1.1.1.1 C\n"
				   "\n"
				   "bad?\r\n"
				   "9.9.9.9 D";
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse(text, &rep);

	(void)state;
	assert_int_equal(rep.added, 4);
	check_entry(list, 0, "8.8.8.8", 53, "A", "");
	check_entry(list, 1, "8.8.4.4", 53, "B", "");
	check_entry(list, 2, "1.1.1.1", 53, "C", "");
	check_entry(list, 3, "9.9.9.9", 53, "D", "");
	assert_int_equal(rep.ndiags, 2);
	check_diag(&rep, 0, 4, "not an address: 'bad!'");
	check_diag(&rep, 1, 7, "not an address: 'bad?'");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_rejections(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("foo! bar\n"           /* 1 */
					  "8.8.8.8:70000\n"      /* 2 */
					  "8.8.8.8#0\n"          /* 3 */
					  "8.8.8.8:abc\n"        /* 4 */
					  "[2001:db8::1]:\n"     /* 5 */
					  "dns.google Google\n"  /* 6 */
					  "[2001:db8::1\n"       /* 7 */
					  "256.1.1.1\n"          /* 8 */
					  "1.1.1.1 ok\n"         /* 9 */
					  "2001:db8::zz\n"       /* 10 */
					  "[::1]x\n"             /* 11 */
					  ",,,\n"                /* 12 */
					  "8.8.8.8:99999999999999999999\n" /* 13 */
					  "1.2.3.4 5.6.7.8:0\n", /* 14 */
					  &rep);

	(void)state;
	assert_int_equal(rep.added, 2);
	check_entry(list, 0, "1.1.1.1", 53, "ok", "");
	check_entry(list, 1, "1.2.3.4", 53, "", "");
	assert_int_equal(rep.ndiags, 13);
	assert_int_equal(rep.rejected, 13);
	check_diag(&rep, 0, 1, "not an address: 'foo!'");
	check_diag(&rep, 1, 2, "port 70000 out of range (1-65535)");
	check_diag(&rep, 2, 3, "port 0 out of range (1-65535)");
	check_diag(&rep, 3, 4, "bad port 'abc': not a number");
	check_diag(&rep, 4, 5, "bad port '': not a number");
	check_diag(&rep, 5, 6, "host name 'dns.google' needs name resolution");
	check_diag(&rep, 6, 7, "not an address: '[2001:db8::1'");
	check_diag(&rep, 7, 8, "not an address: '256.1.1.1'");
	check_diag(&rep, 8, 10, "not an address: '2001:db8::zz'");
	check_diag(&rep, 9, 11, "not an address: '[::1]x'");
	check_diag(&rep, 10, 12, "not an address: ',,,'");
	check_diag(&rep, 11, 13, "out of range (1-65535)");
	check_diag(&rep, 12, 14, "port 0 out of range");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_nul_and_long_lines(void **state)
{
	static const char head[] = "8.8.8.8 A\n9.9.9.9 B\0C\n";
	size_t big = 1 << 20, len;
	char *text = malloc(big + 64);
	struct pt_parse_report rep;
	struct pt_resolvers *list;

	(void)state;
	assert_non_null(text);
	memcpy(text, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	memset(text + len, 'x', big);
	len += big;
	len += (size_t)sprintf(text + len, "\n1.1.1.1\n# %s\n", "comment");
	memcpy(text + len, "\0\0\0", 3); /* trailing line of NULs */
	len += 3;
	list = parse_flags(text, len, 0, &rep);
	assert_int_equal(rep.added, 2);
	check_entry(list, 0, "8.8.8.8", 53, "A", "");
	check_entry(list, 1, "1.1.1.1", 53, "", "");
	assert_int_equal(rep.ndiags, 3);
	check_diag(&rep, 0, 2, "line contains NUL byte");
	check_diag(&rep, 1, 3, "line too long (1048576 bytes)");
	check_diag(&rep, 2, 6, "line contains NUL byte");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
	free(text);
}

static void test_csv(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse(
		"ip_address,name,as_number,as_org,country_code,city,version,error,dnssec,"
		"reliability,checked_at,created_at\n"
		"8.8.8.8,dns.google,15169,GOOGLE,US,Mountain View,,,true,1.00,"
		"2024-01-01T00:00:00Z,2020-01-01T00:00:00Z\n"
		"\"9.9.9.9\",\"Quad9 \"\"secure\"\", #1\",19281,\"Quad9, Inc.\",CH,"
		"\"Zurich\",,,,,,\n"
		"1.1.1.1,,13335,CLOUDFLARENET,AU,,,,,,,\n"
		"2001:db8::53,,,,,Prague,,,,,,\n"
		"not-an-ip!,x,,,,,,,,,,\n"
		"# comment row\n"
		",empty,,,,,,,,,,\n"
		"8.8.8.8,dup,,,,,,,,,,\n",
		&rep);

	(void)state;
	assert_int_equal(rep.added, 4);
	assert_int_equal(rep.duplicates, 1);
	check_entry(list, 0, "8.8.8.8", 53, "dns.google", "Mountain View, US");
	check_entry(list, 1, "9.9.9.9", 53, "Quad9 \"secure\", #1", "Zurich, CH");
	check_entry(list, 2, "1.1.1.1", 53, "CLOUDFLARENET", "AU");
	check_entry(list, 3, "2001:db8::53", 53, "", "Prague");
	assert_int_equal(rep.ndiags, 2);
	check_diag(&rep, 0, 6, "not an address: 'not-an-ip!'");
	check_diag(&rep, 1, 8, "empty address field");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);

	/* quoted header, address column not first, a plain line after */
	list = parse("\"Name\",\"IP\"\n"
		     "\"Example, Ltd\",\"192.0.2.1\"\n"
		     "Other,192.0.2.2:5353\n"
		     "192.0.2.3 plain\n",
		     &rep);
	assert_int_equal(rep.added, 3);
	assert_int_equal(rep.ndiags, 0);
	check_entry(list, 0, "192.0.2.1", 53, "Example, Ltd", "");
	check_entry(list, 1, "192.0.2.2", 5353, "Other", "");
	check_entry(list, 2, "192.0.2.3", 53, "plain", "");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_dedup(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("8.8.8.8 First\n"
					  "8.8.8.8 Second\n"
					  "8.8.8.8#53 Third\n"
					  "8.8.8.8:5353 Other port\n"
					  "2001:DB8::1 Upper\n"
					  "2001:db8:0:0::1 Zeroes\n"
					  "[2001:0db8::0001]:53\n"
					  "1.1.1.1 1.1.1.1 8.8.8.8\n",
					  &rep);

	(void)state;
	assert_int_equal(rep.added, 4);
	assert_int_equal(rep.duplicates, 6);
	check_entry(list, 0, "8.8.8.8", 53, "First", "");
	check_entry(list, 1, "8.8.8.8", 5353, "Other port", "");
	check_entry(list, 2, "2001:db8::1", 53, "Upper", "");
	check_entry(list, 3, "1.1.1.1", 53, "", "");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_list_ops(void **state)
{
	struct pt_resolvers *list = pt_resolvers_new();
	struct pt_resolver r;
	char reason[160];
	bool added;
	size_t i;

	(void)state;
	assert_int_equal(pt_resolvers_count(list), 0);
	assert_int_equal(pt_resolvers_find(list, "8.8.8.8", 53), -1);
	for (i = 0; i < 100; i++) {
		char tok[32];

		snprintf(tok, sizeof(tok), "10.0.%zu.%zu:%zu", i / 10, i % 10, 53 + i % 2);
		assert_int_equal(pt_resolver_parse_address(&r, tok, reason, sizeof(reason)), PT_OK);
		assert_int_equal(pt_resolvers_add(list, &r, &added), PT_OK);
		assert_true(added);
	}
	assert_int_equal(pt_resolvers_add(list, &r, &added), PT_OK);
	assert_false(added);
	assert_int_equal(pt_resolvers_add(list, &r, NULL), PT_OK);
	assert_int_equal(pt_resolvers_count(list), 100);
	assert_int_equal(pt_resolvers_find(list, "10.0.4.2", 53), 42);
	assert_int_equal(pt_resolvers_find(list, "10.0.4.2", 54), -1);

	pt_resolvers_remove(list, 42);
	pt_resolvers_remove(list, 0);
	pt_resolvers_remove(list, 1000);
	assert_int_equal(pt_resolvers_count(list), 98);
	assert_int_equal(pt_resolvers_find(list, "10.0.4.2", 53), -1);
	assert_int_equal(pt_resolvers_find(list, "10.0.0.0", 53), -1);
	for (i = 0; i < pt_resolvers_count(list); i++) {
		const struct pt_resolver *e = pt_resolvers_get(list, i);

		assert_int_equal(pt_resolvers_find(list, e->address, e->port), (long)i);
	}
	assert_string_equal(pt_resolvers_get(list, 41)->address, "10.0.4.3");
	/* re-adding a removed entry works and lands at the end */
	assert_int_equal(pt_resolver_parse_address(&r, "10.0.4.2", NULL, 0), PT_OK);
	assert_int_equal(pt_resolvers_add(list, &r, &added), PT_OK);
	assert_true(added);
	assert_int_equal(pt_resolvers_find(list, "10.0.4.2", 53), 98);

	/* find normalises the address text */
	assert_int_equal(pt_resolver_parse_address(&r, "[2001:db8::1]:853", NULL, 0), PT_OK);
	assert_string_equal(r.label, "");
	assert_int_equal(pt_resolvers_add(list, &r, NULL), PT_OK);
	assert_int_equal(pt_resolvers_find(list, "2001:DB8:0::1", 853), 99);

	assert_int_equal(pt_resolver_parse_address(&r, "dns.google", reason, sizeof(reason)),
			 PT_ERR_PARSE);
	assert_string_equal(reason, "host name 'dns.google' needs name resolution");
	assert_int_equal(pt_resolver_parse_address(&r, "1.2.3.4:0", reason, sizeof(reason)),
			 PT_ERR_PARSE);
	assert_string_equal(reason, "port 0 out of range (1-65535)");
	assert_int_equal(pt_resolver_parse_address(&r, "", NULL, 0), PT_ERR_PARSE);
	pt_resolvers_free(list);
	pt_resolvers_free(NULL);
	pt_parse_report_fini(NULL);
}

static char *write_list(const struct pt_resolvers *list, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(pt_resolvers_write(list, f), PT_OK);
	fclose(f);
	return buf;
}

static void test_write_round_trip(void **state)
{
	static const struct {
		const char *addr, *label, *location;
	} in[] = {
		{ "8.8.8.8", "Google Public DNS", "US" },
		{ "8.8.4.4:5353", "", "" },
		{ "[2001:db8::1]:5353", "v6 with port", "" },
		{ "2001:db8::2", "", "Prague, CZ" },
		{ "fe80::1%lo#5300", "link local", "" },
		{ "1.1.1.1", "Hash #1 ; semi", "A [b]" },
		{ "1.0.0.1", "Quoted \"name\"", "" },
		{ "9.9.9.9", "9.9.9.10", "" },
		{ "9.9.9.11", "1.2.3.4 5.6.7.8", "" },
		{ "9.9.9.12", ",comma first", "x" },
		{ "9.9.9.13", "ends in [brackets]", "" },
		{ "9.9.9.14", "Ünïcødé 名前", "Zürich" },
		{ "9.9.9.15", "nameserver", "search" },
		{ "9.9.9.16", "@1.1.1.1", "" },
	};
	struct pt_resolvers *list = pt_resolvers_new(), *back;
	struct pt_parse_report rep = { 0 };
	struct pt_resolver r;
	size_t i, len;
	char *text;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_int_equal(pt_resolver_parse_address(&r, in[i].addr, NULL, 0), PT_OK);
		snprintf(r.label, sizeof(r.label), "%s", in[i].label);
		snprintf(r.location, sizeof(r.location), "%s", in[i].location);
		assert_int_equal(pt_resolvers_add(list, &r, NULL), PT_OK);
	}
	text = write_list(list, &len);
	assert_non_null(strstr(text, "8.8.8.8  Google Public DNS [US]\n"));
	assert_non_null(strstr(text, "\n[2001:db8::1]:5353  v6 with port\n"));
	assert_non_null(strstr(text, "\n8.8.4.4:5353\n"));
	back = parse_flags(text, len, 0, &rep);
	assert_int_equal(rep.ndiags, 0);
	assert_int_equal(pt_resolvers_count(back), pt_resolvers_count(list));
	for (i = 0; i < pt_resolvers_count(list); i++) {
		const struct pt_resolver *a = pt_resolvers_get(list, i);

		check_entry(back, i, a->address, a->port, a->label, a->location);
		assert_int_equal(a->salen, pt_resolvers_get(back, i)->salen);
		assert_memory_equal(&a->sa, &pt_resolvers_get(back, i)->sa, a->salen);
	}
	free(text);
	pt_resolvers_free(back);
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_localhost(void **state)
{
	struct pt_parse_report rep;
	/* "localhost." (a name without a dot of its own, asked for with the final dot) is in
	 * /etc/hosts: no network */
	const char *text = "localhost.\nlocalhost.:5353 Local test\nlocalhost\n";
	struct pt_resolvers *list =
		parse_flags(text, strlen(text), PT_PARSE_RESOLVE_NAMES, &rep);
	const struct pt_resolver *r;

	(void)state;
	assert_int_equal(rep.added, 2);
	check_entry(list, 0, "127.0.0.1", 53, "localhost", "");
	check_entry(list, 1, "127.0.0.1", 5353, "Local test", "");
	r = pt_resolvers_get(list, 1);
	assert_int_equal(r->sa.any.sa_family, AF_INET);
	assert_int_equal(ntohs(((const struct sockaddr_in *)&r->sa)->sin_port), 5353);
	assert_int_equal(rep.ndiags, 1);
	check_diag(&rep, 0, 3,
		   "not an address: 'localhost' (a host name has a dot; write 'localhost.' to "
		   "resolve it)");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);

	list = parse("localhost.\n", &rep);
	assert_int_equal(rep.added, 0);
	check_diag(&rep, 0, 1, "host name 'localhost.' needs name resolution");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

/* Only words that look like host names are resolved; the rest are rejected at once. */
static void test_hostname_heuristic(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("this is not a resolver\n"  /* 1 */
					  "dns.google Google\n"       /* 2 */
					  "under_score.example x\n"   /* 3 */
					  "-bad.example\n"            /* 4 */
					  "bad-.example\n"            /* 5 */
					  "a..b\n"                    /* 6 */
					  "1.2.3.4.5\n"               /* 7 */
					  "dns9.quad9.net.\n"         /* 8 */
					  "x-1.example.com:5353\n"    /* 9 */
					  "wörd.example\n",           /* 10 */
					  &rep);

	(void)state;
	assert_int_equal(rep.added, 0);
	assert_int_equal(rep.ndiags, 10);
	check_diag(&rep, 0, 1,
		   "not an address: 'this' (a host name has a dot; write 'this.' to resolve it)");
	check_diag(&rep, 1, 2, "host name 'dns.google' needs name resolution");
	check_diag(&rep, 2, 3, "not an address: 'under_score.example'");
	check_diag(&rep, 3, 4, "not an address: '-bad.example'");
	check_diag(&rep, 4, 5, "not an address: 'bad-.example'");
	check_diag(&rep, 5, 6, "not an address: 'a..b'");
	check_diag(&rep, 6, 7, "not an address: '1.2.3.4.5'");
	check_diag(&rep, 7, 8, "host name 'dns9.quad9.net.' needs name resolution");
	check_diag(&rep, 8, 9, "host name 'x-1.example.com' needs name resolution");
	assert_int_equal(rep.diags[9].line, 10);
	assert_non_null(strstr(rep.diags[9].reason, "not an address"));
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_label_sanitising(void **state)
{
	char text[512], want[PT_LABEL_MAX];
	struct pt_parse_report rep;
	struct pt_resolvers *list;
	size_t n, i;

	(void)state;
	n = (size_t)sprintf(text, "8.8.8.8 bad\xff\xc3utf8 \xed\xa0\x80 ctl\x01\x7f\x1b[31m end\n"
				  "8.8.4.4 ");
	/* 47 two-byte characters: 94 bytes, then 'x' would make 95; the last 'é' cannot fit */
	for (i = 0; i < 47; i++) {
		n += (size_t)sprintf(text + n, "\xc3\xa9");
	}
	n += (size_t)sprintf(text + n, "x\xc3\xa9\n");
	list = parse_flags(text, n, 0, &rep);
	assert_int_equal(rep.added, 2);
	check_entry(list, 0, "8.8.8.8", 53, "bad??utf8 ??? ctl   [31m end", "");
	for (i = 0, n = 0; i < 47; i++) {
		n += (size_t)sprintf(want + n, "\xc3\xa9");
	}
	strcpy(want + n, "x");
	check_entry(list, 1, "8.8.4.4", 53, want, "");
	assert_int_equal(strlen(pt_resolvers_get(list, 1)->label), PT_LABEL_MAX - 1);
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_many_lines(void **state)
{
	size_t n = 100000, len = 0, i;
	char *text = malloc(n * 40);
	struct pt_parse_report rep;
	struct pt_resolvers *list;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++) {
		len += (size_t)sprintf(text + len, "10.%zu.%zu.%zu Resolver %zu\n", i >> 16,
				       (i >> 8) & 255, i & 255, i);
	}
	list = parse_flags(text, len, 0, &rep);
	assert_int_equal(rep.added, n);
	assert_int_equal(rep.duplicates, 0);
	assert_int_equal(pt_resolvers_find(list, "10.1.134.159", 53), 99999);
	/* the same text again: all duplicates */
	assert_int_equal(pt_resolvers_parse(list, text, len, 0, &rep), PT_OK);
	assert_int_equal(rep.added, n);
	assert_int_equal(rep.duplicates, n);
	assert_int_equal(pt_resolvers_count(list), n);
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);

	/* 100,000 bad lines: counted, 1000 stored */
	for (i = 0, len = 0; i < n; i++) {
		len += (size_t)sprintf(text + len, "bad! line %zu\n", i);
	}
	list = pt_resolvers_new();
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(pt_resolvers_parse(list, text, len, 0, &rep), PT_OK);
	assert_int_equal(rep.rejected, n);
	assert_int_equal(rep.ndiags, 1000);
	check_diag(&rep, 999, 1000, "not an address: 'bad!'");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
	free(text);
}

/* Issue 13: a list keeps at most 100,000 resolvers (the rest are rejected lines, with their
 * number), and an IPv4-mapped IPv6 address is the IPv4 resolver. */
static void test_limits_and_mapped(void **state)
{
	size_t n = 100002, len = 0, i;
	char *big = malloc(n * 40);
	const char *text;
	struct pt_parse_report rep;
	struct pt_resolvers *list;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < n; i++) {
		len += (size_t)sprintf(big + len, "10.%zu.%zu.%zu\n", i >> 16, (i >> 8) & 255,
				       i & 255);
	}
	list = parse_flags(big, len, 0, &rep);
	assert_int_equal(pt_resolvers_count(list), 100000);
	assert_int_equal(rep.rejected, 2);
	assert_int_equal(rep.diags[0].line, 100001);
	assert_string_equal(rep.diags[0].reason, "more than 100000 resolvers: left out");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
	free(big);

	text = "[::ffff:192.0.2.1]:53 A\n192.0.2.1 B\n::FFFF:c000:0201#53 C\n";
	list = parse_flags(text, strlen(text), 0, &rep);
	assert_int_equal(pt_resolvers_count(list), 1);
	assert_int_equal(rep.duplicates, 2);
	assert_string_equal(pt_resolvers_get(list, 0)->address, "192.0.2.1");
	assert_int_equal(pt_resolvers_get(list, 0)->sa.any.sa_family, AF_INET);
	assert_string_equal(pt_resolvers_get(list, 0)->label, "A");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_garbage(void **state)
{
	size_t n = 1 << 20, i;
	unsigned char *text = malloc(n);
	static const char alphabet[] = "0123456789.:#[]@%, \t\n\"abcdef";
	uint32_t x = 12345;
	struct pt_parse_report rep = { 0 };
	struct pt_resolvers *list = pt_resolvers_new();

	(void)state;
	assert_non_null(text);
	for (int round = 0; round < 3; round++) {
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			/* round 1: address-ish bytes, separators and NULs; else any byte */
			text[i] = (unsigned char)(x >> 16);
			if (round == 1) {
				text[i] = (unsigned char)alphabet[text[i] % sizeof(alphabet)];
			}
		}
		if (round == 2) {
			memset(text, '\n', 1000);
		}
		assert_int_equal(pt_resolvers_parse(list, (const char *)text, n, 0, &rep), PT_OK);
	}
	assert_int_equal(pt_resolvers_count(list), rep.added);
	assert_true(rep.ndiags <= 1000);
	for (i = 0; i < rep.ndiags; i++) {
		assert_true(rep.diags[i].line >= 1);
		assert_true(memchr(rep.diags[i].reason, '\0', sizeof(rep.diags[i].reason)) != NULL);
	}
	assert_int_equal(pt_resolvers_parse(list, NULL, 0, 0, &rep), PT_OK);
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
	free(text);
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_resolvers_XXXXXX";
	struct pt_parse_report rep = { 0 };
	struct pt_resolvers *list = pt_resolvers_new();
	int fd = mkstemp(path);
	static const char text[] = "8.8.8.8 Google [US]\r\nbad!\r\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(pt_resolvers_load(list, path, 0, &rep), PT_OK);
	unlink(path);
	check_entry(list, 0, "8.8.8.8", 53, "Google", "US");
	check_diag(&rep, 0, 2, "not an address: 'bad!'");

	errno = 0;
	assert_int_equal(pt_resolvers_load(list, "/nonexistent/resolvers.txt", 0, &rep), PT_ERR_IO);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(pt_resolvers_load(list, "/tmp", 0, &rep), PT_ERR_IO);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(pt_resolvers_count(list), 1);
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

/* pt_resolvers_save(): atomic, no overwrite unless asked, reads back the same. */
static void test_save(void **state)
{
	char dir[] = "/tmp/pt-save-XXXXXX";
	char path[64];
	struct pt_resolvers *list = pt_resolvers_new();
	struct pt_resolvers *back = pt_resolvers_new();
	struct pt_parse_report rep = { 0 };
	const char *text = "8.8.8.8 Google [US]\n[2001:db8::1]:5353 v6 lab\n";
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/list.txt", dir);
	assert_int_equal(pt_resolvers_parse(list, text, strlen(text), 0, &rep), PT_OK);
	assert_int_equal(pt_resolvers_save(list, path, false), PT_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_mode & 0444);
	/* an existing file is kept unless overwriting was asked for */
	errno = 0;
	assert_int_equal(pt_resolvers_save(list, path, false), PT_ERR_IO);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(pt_resolvers_save(list, path, true), PT_OK);
	assert_int_equal(pt_resolvers_load(back, path, 0, &rep), PT_OK);
	assert_int_equal(pt_resolvers_count(back), 2);
	assert_string_equal(pt_resolvers_get(back, 0)->label, "Google");
	assert_string_equal(pt_resolvers_get(back, 0)->location, "US");
	assert_int_equal(pt_resolvers_get(back, 1)->port, 5353);
	/* a directory that does not exist: an error, no stray file */
	snprintf(path, sizeof(path), "%s/missing/list.txt", dir);
	assert_int_equal(pt_resolvers_save(list, path, true), PT_ERR_IO);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/list.txt", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0); /* fails if a temporary file was left behind */
	pt_parse_report_fini(&rep);
	pt_resolvers_free(list);
	pt_resolvers_free(back);
}

/* tls://ADDR[:PORT][#NAME] and https://HOST[:PORT]/PATH in text lists, address lists, CSV. */
static void test_encrypted_entries(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list =
		parse("tls://1.1.1.1  Cloudflare DoT\n"				     /* 1 */
		      "tls://[2606:4700:4700::1111]:8853#cloudflare-dns.com v6 [US]\n" /* 2 */
		      "TLS://9.9.9.9#dns.quad9.net\n"				     /* 3 */
		      "https://1.1.1.1/dns-query  Cloudflare DoH\n"		     /* 4 */
		      "https://[2001:db8::53]:8443/q{?dns}\n"			     /* 5 */
		      "https://dns.google/dns-query Google\n"			     /* 6 */
		      "tls://8.8.8.8, tls://8.8.4.4#dns.google\n"		     /* 7 */
		      "https://9.9.9.9\n"					     /* 8 */
		      "tls://2001:db8::1\n"					     /* 9 */
		      "1.1.1.1 plain\n",					     /* 10 */
		      &rep);
	const struct pt_resolver *r;

	(void)state;
	assert_int_equal(rep.ndiags, 0);
	assert_int_equal(rep.added, 11);
	check_entry(list, 0, "1.1.1.1", 853, "Cloudflare DoT", "");
	r = pt_resolvers_get(list, 0);
	assert_int_equal(r->transport, PT_TRANSPORT_TLS);
	assert_string_equal(r->endpoint, "");
	assert_int_equal(r->salen, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((const struct sockaddr_in *)&r->sa)->sin_port), 853);
	check_entry(list, 1, "2606:4700:4700::1111", 8853, "v6", "US");
	assert_string_equal(pt_resolvers_get(list, 1)->endpoint, "cloudflare-dns.com");
	check_entry(list, 2, "9.9.9.9", 853, "", "");
	assert_string_equal(pt_resolvers_get(list, 2)->endpoint, "dns.quad9.net");
	check_entry(list, 3, "1.1.1.1", 443, "Cloudflare DoH", "");
	r = pt_resolvers_get(list, 3);
	assert_int_equal(r->transport, PT_TRANSPORT_HTTPS);
	assert_string_equal(r->endpoint, "https://1.1.1.1/dns-query");
	check_entry(list, 4, "2001:db8::53", 8443, "", "");
	assert_string_equal(pt_resolvers_get(list, 4)->endpoint, "https://[2001:db8::53]:8443/q");
	/* a DoH host name without name resolution: libcurl resolves it */
	check_entry(list, 5, "dns.google", 443, "Google", "");
	assert_int_equal(pt_resolvers_get(list, 5)->salen, 0);
	check_entry(list, 6, "8.8.8.8", 853, "", "");
	check_entry(list, 7, "8.8.4.4", 853, "", "");
	assert_string_equal(pt_resolvers_get(list, 7)->endpoint, "dns.google");
	assert_string_equal(pt_resolvers_get(list, 8)->endpoint, "https://9.9.9.9/dns-query");
	check_entry(list, 9, "2001:db8::1", 853, "", "");
	check_entry(list, 10, "1.1.1.1", 53, "plain", "");
	assert_int_equal(pt_resolvers_get(list, 10)->transport, PT_TRANSPORT_UDP);
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);

	list = parse("name,ip_address,country_code\n"
		     "Quad9 DoT,tls://9.9.9.9#dns.quad9.net,CH\n"
		     "Quad9 DoH,https://9.9.9.9/dns-query,CH\n",
		     &rep);
	assert_int_equal(rep.ndiags, 0);
	check_entry(list, 0, "9.9.9.9", 853, "Quad9 DoT", "CH");
	assert_int_equal(pt_resolvers_get(list, 0)->transport, PT_TRANSPORT_TLS);
	check_entry(list, 1, "9.9.9.9", 443, "Quad9 DoH", "CH");
	assert_int_equal(pt_resolvers_get(list, 1)->transport, PT_TRANSPORT_HTTPS);
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

static void test_encrypted_rejections(void **state)
{
	struct pt_parse_report rep;
	struct pt_resolvers *list = parse("tls://\n"			   /* 1 */
					  "tls://1.1.1.1:99999\n"	   /* 2 */
					  "tls://1.1.1.1#bad_name!\n"	   /* 3 */
					  "tls://dns.google#dns.google\n" /* 4 */
					  "https:///dns-query\n"	   /* 5 */
					  "https://user@1.1.1.1/q\n"	   /* 6 */
					  "https://1.1.1.1/q{?dns,x}\n"	   /* 7 */
					  "https://1.1.1.1:0/q\n"	   /* 8 */
					  "quic://1.1.1.1\n"		   /* 9 */
					  "https://1.1.1.1/\x01q\n"	   /* 10 */
					  "tls://1.1.1.1 ok\n",		   /* 11 */
					  &rep);

	(void)state;
	assert_int_equal(rep.added, 1);
	check_entry(list, 0, "1.1.1.1", 853, "ok", "");
	assert_int_equal(rep.ndiags, 10);
	check_diag(&rep, 0, 1, "tls:// needs an address");
	check_diag(&rep, 1, 2, "out of range (1-65535)");
	check_diag(&rep, 2, 3, "bad TLS name 'bad_name!'");
	check_diag(&rep, 3, 4, "host name 'dns.google' needs name resolution");
	check_diag(&rep, 4, 5, "bad DoH URL");
	check_diag(&rep, 5, 6, "bad DoH URL");
	check_diag(&rep, 6, 7, "a template other than {?dns}");
	check_diag(&rep, 7, 8, "port 0 out of range");
	check_diag(&rep, 8, 9, "unknown scheme in 'quic://1.1.1.1'");
	check_diag(&rep, 9, 10, "bad character in URL");
	pt_resolvers_free(list);
	pt_parse_report_fini(&rep);
}

/* Written lists keep the scheme, the port when not the default, the TLS name and the URL. */
static void test_encrypted_round_trip(void **state)
{
	static const char text[] = "tls://1.1.1.1  One\n"
				   "tls://[2001:db8::1]:8853#dns.example\n"
				   "tls://8.8.8.8:53\n"
				   "https://dns.example:8443/dns-query?ct  DoH\n"
				   "https://[2001:db8::2]/q\n";
	struct pt_parse_report rep, rep2;
	struct pt_resolvers *list = parse(text, &rep), *back;
	char buf[PT_ENDPOINT_MAX + 80], *out;
	size_t len;

	(void)state;
	assert_int_equal(rep.ndiags, 0);
	assert_string_equal(pt_resolver_format(buf, sizeof(buf), pt_resolvers_get(list, 1)),
			    "tls://[2001:db8::1]:8853#dns.example");
	assert_string_equal(pt_resolver_format(buf, sizeof(buf), pt_resolvers_get(list, 2)),
			    "tls://8.8.8.8:53");
	assert_string_equal(pt_transport_name(PT_TRANSPORT_UDP, true), "tcp");
	assert_string_equal(pt_transport_name(PT_TRANSPORT_HTTPS, false), "https");
	out = write_list(list, &len);
	assert_non_null(strstr(out, "\ntls://1.1.1.1  One\n"));
	assert_non_null(strstr(out, "\nhttps://dns.example:8443/dns-query?ct  DoH\n"));
	back = parse_flags(out, len, 0, &rep2);
	assert_int_equal(rep2.ndiags, 0);
	assert_int_equal(pt_resolvers_count(back), 5);
	for (size_t i = 0; i < 5; i++) {
		const struct pt_resolver *a = pt_resolvers_get(list, i), *b = pt_resolvers_get(back, i);

		check_entry(back, i, a->address, a->port, a->label, a->location);
		assert_int_equal(a->transport, b->transport);
		assert_string_equal(a->endpoint, b->endpoint);
	}
	free(out);
	pt_resolvers_free(list);
	pt_resolvers_free(back);
	pt_parse_report_fini(&rep);
	pt_parse_report_fini(&rep2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_forms),
		cmocka_unit_test(test_save),
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_labels_and_locations),
		cmocka_unit_test(test_resolv_conf_and_lists),
		cmocka_unit_test(test_line_endings_and_bom),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_nul_and_long_lines),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_list_ops),
		cmocka_unit_test(test_write_round_trip),
		cmocka_unit_test(test_localhost),
		cmocka_unit_test(test_hostname_heuristic),
		cmocka_unit_test(test_label_sanitising),
		cmocka_unit_test(test_many_lines),
		cmocka_unit_test(test_limits_and_mapped),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_encrypted_entries),
		cmocka_unit_test(test_encrypted_rejections),
		cmocka_unit_test(test_encrypted_round_trip),
		cmocka_unit_test(test_shared_entries),
		cmocka_unit_test(test_endpoint_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
