/* Unit tests of the provider profiles: loading, pattern matching, recognition, the diff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "provider.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/pt-provider-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static const char *profiles =
	"{\"providers\": ["
	"{\"name\": \"new\", \"title\": \"New Mail\", \"source\": \"https://new.test/mx\","
	" \"mx\": [{\"host\": \"mx1.new.test\", \"preference\": 10},"
	"        {\"host\": \"MX2.new.test.\", \"preference\": 20}],"
	" \"spf_include\": [\"spf.new.test\"]},"
	"{\"name\": \"old\", \"source\": \"https://old.test/\","
	" \"mx\": [{\"host\": \"in.old.test\"}], \"spf_include\": [\"_spf.old.test\"]},"
	"{\"name\": \"ms\", \"source\": \"https://ms.test/\","
	" \"mx\": [{\"host\": \"{domain}.mail.ms.test\", \"preference\": 0}]},"
	"{\"name\": \"region\", \"source\": \"https://r.test/\","
	" \"mx\": [{\"host\": \"inbound.*.r.test\"}]}"
	"]}";

static void load(struct pt_providers *p, const char *text)
{
	char err[300] = "";
	char *path = write_tmp(text);

	memset(p, 0, sizeof(*p));
	assert_int_equal(pt_providers_load(p, path, err, sizeof(err)), PT_OK);
	unlink(path);
}

static void test_load(void **state)
{
	struct pt_providers p;
	const struct pt_provider *n;

	(void)state;
	load(&p, profiles);
	assert_int_equal(p.n, 4);
	n = pt_providers_find(&p, "NEW");
	assert_non_null(n);
	assert_string_equal(n->title, "New Mail");
	assert_int_equal(n->nhosts, 2);
	assert_string_equal(n->hosts[1].pattern, "mx2.new.test.");
	assert_int_equal(n->hosts[1].preference, 20);
	assert_string_equal(n->spf[0], "spf.new.test.");
	assert_int_equal(pt_providers_find(&p, "old")->hosts[0].preference, -1);
	assert_string_equal(pt_providers_find(&p, "old")->title, "old");
	pt_providers_fini(&p);
}

static void test_load_rejects(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{\"providers\": {}}",
		"{\"providers\": [{\"name\": \"x\", \"mx\": [{\"host\": \"a.test\"}]}]}",
		"{\"providers\": [{\"name\": \"x\", \"source\": \"http://x.test/\","
		" \"mx\": [{\"host\": \"a.test\"}]}]}",
		"{\"providers\": [{\"name\": \"X Y\", \"source\": \"https://x.test/\","
		" \"mx\": [{\"host\": \"a.test\"}]}]}",
		"{\"providers\": [{\"name\": \"x\", \"source\": \"https://x.test/\", \"mx\": []}]}",
		"{\"providers\": [{\"name\": \"x\", \"source\": \"https://x.test/\","
		" \"mx\": [{\"host\": \"a..test\"}]}]}",
		"{\"providers\": [{\"name\": \"x\", \"source\": \"https://x.test/\","
		" \"mx\": [{\"host\": \"a.test\", \"preference\": 70000}]}]}",
		"{\"providers\": [{\"name\": \"x\", \"source\": \"https://x.test/\","
		" \"mx\": [{\"host\": \"a.test\"}], \"spf_include\": [5]}]}",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pt_providers p = { 0 };
		char err[300] = "";
		char *path = write_tmp(bad[i]);

		assert_int_equal(pt_providers_load(&p, path, err, sizeof(err)), PT_ERR_PARSE);
		assert_true(strstr(err, path) != NULL);
		assert_int_equal(p.n, 0);
		unlink(path);
	}
}

static void test_override(void **state)
{
	struct pt_providers p;
	char err[300] = "";
	char *path;

	(void)state;
	load(&p, profiles);
	path = write_tmp("{\"providers\": [{\"name\": \"old\", \"source\": \"https://o2.test/\","
			 " \"mx\": [{\"host\": \"mx.o2.test\"}]}, {\"name\": \"extra\","
			 " \"source\": \"https://e.test/\", \"mx\": [{\"host\": \"e.test\"}]}]}");
	assert_int_equal(pt_providers_load(&p, path, err, sizeof(err)), PT_OK);
	unlink(path);
	assert_int_equal(p.n, 5);
	assert_string_equal(pt_providers_find(&p, "old")->hosts[0].pattern, "mx.o2.test.");
	assert_non_null(pt_providers_find(&p, "extra"));
	pt_providers_fini(&p);
}

static void test_patterns(void **state)
{
	(void)state;
	assert_true(pt_provider_pattern_match("mx.a.test.", "mx.a.test.", "d.test."));
	assert_false(pt_provider_pattern_match("mx.a.test.", "mx.b.test.", "d.test."));
	assert_false(pt_provider_pattern_match("mx.a.test.", "x.mx.a.test.", "d.test."));
	assert_true(pt_provider_pattern_match("in.*.r.test.", "in.eu-west-1.r.test.", NULL));
	assert_false(pt_provider_pattern_match("in.*.r.test.", "in.r.test.", NULL));
	assert_false(pt_provider_pattern_match("in.*.r.test.", "in.a.b.r.test.", NULL));
	assert_true(pt_provider_pattern_match("{domain}.mail.ms.test.",
					      "example-co-uk.mail.ms.test.", "example.co.uk."));
	assert_false(pt_provider_pattern_match("{domain}.mail.ms.test.", "other-com.mail.ms.test.",
					       "example.co.uk."));
}

static void test_recognise_and_diff(void **state)
{
	struct pt_providers p;
	struct pt_provider_diff d;
	const struct pt_provider *r;
	/* a move half done: the old host kept with the lowest preference, mx2 missing,
	 * mx1 with the wrong preference */
	struct pt_mx_entry mx[] = {
		{ "in.old.test.", 5 },
		{ "mx1.new.test.", 15 },
		{ "mx9.self.test.", 30 },
	};
	struct pt_mx_entry good[] = { { "mx1.new.test.", 10 }, { "mx2.new.test.", 20 } };

	(void)state;
	load(&p, profiles);
	r = pt_providers_recognise(&p, mx, 3, "d.test.");
	/* one host each: the tie goes to the one mail goes to (lowest preference) */
	assert_string_equal(r->name, "old");
	r = pt_providers_find(&p, "new");
	pt_provider_diff(&d, r, &p, mx, 3, "d.test.");
	assert_int_equal(d.nmissing, 1);
	assert_int_equal(d.spec_mx[0], 1);
	assert_int_equal(d.spec_mx[1], -1);
	assert_int_equal(d.nwrong_pref, 1);
	assert_int_equal(d.nforeign, 2);
	assert_string_equal(d.mx_owner[0]->name, "old");
	assert_null(d.mx_owner[2]);
	assert_int_equal(d.best_own, 15);
	assert_int_equal(d.best_foreign, 5);

	assert_string_equal(pt_providers_recognise(&p, good, 2, "d.test.")->name, "new");
	pt_provider_diff(&d, r, &p, good, 2, "d.test.");
	assert_int_equal(d.nmissing + d.nwrong_pref + d.nforeign, 0);
	assert_null(pt_providers_recognise(&p, &mx[2], 1, "d.test."));

	assert_string_equal(pt_providers_spf_owner(&p, "_spf.old.test.", r)->name, "old");
	assert_null(pt_providers_spf_owner(&p, "spf.new.test.", r));
	pt_providers_fini(&p);
}

static void test_shipped_file(void **state)
{
	struct pt_providers p = { 0 };
	char err[300] = "";

	(void)state;
	/* the shipped profiles load, and each names the https source it was taken from */
	assert_int_equal(pt_providers_load(&p, "data/providers.json", err, sizeof(err)), PT_OK);
	assert_true(p.n >= 1);
	for (size_t i = 0; i < p.n; i++) {
		assert_true(strncmp(p.v[i].source, "https://", 8) == 0);
	}
	pt_providers_fini(&p);
}

/* The shipped Microsoft 365 and OVHcloud profiles: recognised from an MX set, and the diff. */
static void test_shipped_profiles(void **state)
{
	struct pt_providers p = { 0 };
	struct pt_provider_diff d;
	const struct pt_provider *ovh, *ms;
	char err[300] = "";
	struct pt_mx_entry m365[] = { { "example-com01i.mail.protection.outlook.com.", 0 } };
	struct pt_mx_entry ovh_all[] = {
		{ "mx0.mail.ovh.net.", 1 },   { "mx1.mail.ovh.net.", 5 },
		{ "mx2.mail.ovh.net.", 50 },  { "mx3.mail.ovh.net.", 100 },
		{ "mx4.mail.ovh.net.", 200 },
	};
	/* half moved from Microsoft 365 to OVHcloud: two OVH hosts, one with the wrong
	 * preference, and the Microsoft host still first */
	struct pt_mx_entry half[] = {
		{ "example-com01i.mail.protection.outlook.com.", 0 },
		{ "mx0.mail.ovh.net.", 1 },
		{ "mx1.mail.ovh.net.", 10 },
	};

	(void)state;
	assert_int_equal(pt_providers_load(&p, "data/providers.json", err, sizeof(err)), PT_OK);
	ms = pt_providers_find(&p, "microsoft-365");
	ovh = pt_providers_find(&p, "ovhcloud-mx-plan");
	assert_non_null(ms);
	assert_non_null(ovh);
	assert_string_equal(ms->spf[0], "spf.protection.outlook.com.");
	assert_int_equal(ms->hosts[0].preference, -1);
	assert_int_equal(ovh->nhosts, 5);
	assert_int_equal(ovh->hosts[4].preference, 200);

	assert_ptr_equal(pt_providers_recognise(&p, m365, 1, "example.com."), ms);
	pt_provider_diff(&d, ms, &p, m365, 1, "example.com.");
	assert_int_equal(d.nmissing + d.nwrong_pref + d.nforeign, 0);
	/* one label only for the tenant's MX token */
	assert_false(pt_provider_pattern_match(ms->hosts[0].pattern,
					       "a.b.mail.protection.outlook.com.", "example.com."));

	assert_ptr_equal(pt_providers_recognise(&p, ovh_all, 5, "example.com."), ovh);
	pt_provider_diff(&d, ovh, &p, ovh_all, 5, "example.com.");
	assert_int_equal(d.nmissing + d.nwrong_pref + d.nforeign, 0);

	assert_ptr_equal(pt_providers_recognise(&p, half, 3, "example.com."), ovh);
	pt_provider_diff(&d, ovh, &p, half, 3, "example.com.");
	assert_int_equal(d.nmissing, 3);
	assert_int_equal(d.nwrong_pref, 1);
	assert_int_equal(d.nforeign, 1);
	assert_ptr_equal(d.mx_owner[0], ms);
	assert_int_equal(d.best_foreign, 0);
	assert_int_equal(d.best_own, 1);
	assert_ptr_equal(pt_providers_spf_owner(&p, "spf.protection.outlook.com.", ovh), ms);
	pt_providers_fini(&p);
}

/* A target that @p pattern matches for example.com: "*" labels become "mx-test",
 * "{domain}" the domain with hyphens. */
static void pattern_example(char *out, size_t size, const char *pattern)
{
	size_t k = 0;

	for (const char *s = pattern; *s && k + 1 < size;) {
		const char *add = NULL;

		if (strncmp(s, "{domain}", 8) == 0) {
			add = "example-com";
			s += 8;
		} else if (*s == '*' && (s == pattern || s[-1] == '.') && s[1] == '.') {
			add = "mx-test";
			s++;
		}
		if (add) {
			for (; *add && k + 1 < size; add++) {
				out[k++] = *add;
			}
			continue;
		}
		out[k++] = *s++;
	}
	out[k] = '\0';
}

/*
 * Every shipped profile: a name, an https source, at least one host, names unique in the
 * file (the loader would silently let a later one replace an earlier), recognised from its
 * own MX set with nothing missing, no preference wrong and nothing foreign, and its own SPF
 * includes never reported as another provider's. A malformed entry fails here.
 */
static void test_shipped_every_profile(void **state)
{
	struct pt_providers p = { 0 };
	char err[300] = "";
	json_error_t je;
	json_t *root = json_load_file("data/providers.json", JSON_REJECT_DUPLICATES, &je);
	json_t *list, *o;
	size_t i;

	(void)state;
	assert_non_null(root);
	list = json_object_get(root, "providers");
	assert_true(json_is_array(list));
	assert_true(json_array_size(list) >= 1);
	json_array_foreach(list, i, o)
	{
		const char *name = json_string_value(json_object_get(o, "name"));

		assert_non_null(name);
		for (size_t k = 0; k < i; k++) {
			const char *prev =
				json_string_value(json_object_get(json_array_get(list, k), "name"));

			if (prev && strcmp(prev, name) == 0) {
				fail_msg("data/providers.json: profile name '%s' twice", name);
			}
		}
	}

	if (pt_providers_load(&p, "data/providers.json", err, sizeof(err)) != PT_OK) {
		fail_msg("%s", err);
	}
	assert_int_equal(p.n, json_array_size(list));
	json_decref(root);

	for (i = 0; i < p.n; i++) {
		const struct pt_provider *v = &p.v[i];
		struct pt_mx_entry mx[PT_PROVIDER_MAX_HOSTS];
		char hosts[PT_PROVIDER_MAX_HOSTS][256];
		struct pt_provider_diff d;
		const struct pt_provider *r;

		assert_true(v->name[0] != '\0');
		assert_true(strncmp(v->source, "https://", 8) == 0 && strlen(v->source) > 12);
		assert_true(v->nhosts >= 1);
		for (size_t h = 0; h < v->nhosts; h++) {
			pattern_example(hosts[h], sizeof(hosts[h]), v->hosts[h].pattern);
			mx[h].host = hosts[h];
			mx[h].preference = v->hosts[h].preference >= 0 ? (unsigned)v->hosts[h].preference
								       : (unsigned)(10 + h);
		}
		r = pt_providers_recognise(&p, mx, v->nhosts, "example.com.");
		if (r != v) {
			fail_msg("%s: its own MX set (%s, ...) is recognised as %s", v->name, hosts[0],
				 r ? r->name : "nothing");
		}
		pt_provider_diff(&d, v, &p, mx, v->nhosts, "example.com.");
		if (d.nmissing + d.nwrong_pref + d.nforeign != 0) {
			fail_msg("%s: its own MX set differs from it", v->name);
		}
		for (size_t k = 0; k < v->nspf; k++) {
			assert_null(pt_providers_spf_owner(&p, v->spf[k], v));
		}
	}
	pt_providers_fini(&p);
}

/* Two profiles documenting the same SPF include (one provider's two host sets, or two
 * regions): the include is the current provider's own, not an old provider's; seen from a
 * third provider it is the old one's. */
static void test_shared_spf_include(void **state)
{
	struct pt_providers p;
	const struct pt_provider *a, *b, *other;

	(void)state;
	load(&p, "{\"providers\": ["
		 "{\"name\": \"cf-a\", \"source\": \"https://cf.test/a\","
		 " \"mx\": [{\"host\": \"route1.mx.cf.test\"}], \"spf_include\": [\"_spf.cf.test\"]},"
		 "{\"name\": \"cf-b\", \"source\": \"https://cf.test/b\","
		 " \"mx\": [{\"host\": \"amir.mx.cf.test\"}], \"spf_include\": [\"_spf.cf.test\"]},"
		 "{\"name\": \"other\", \"source\": \"https://o.test/\","
		 " \"mx\": [{\"host\": \"in.o.test\"}], \"spf_include\": [\"spf.o.test\"]}"
		 "]}");
	a = pt_providers_find(&p, "cf-a");
	b = pt_providers_find(&p, "cf-b");
	other = pt_providers_find(&p, "other");
	assert_null(pt_providers_spf_owner(&p, "_spf.cf.test.", a));
	assert_null(pt_providers_spf_owner(&p, "_spf.cf.test.", b));
	assert_ptr_equal(pt_providers_spf_owner(&p, "_spf.cf.test.", other), a);
	assert_ptr_equal(pt_providers_spf_owner(&p, "spf.o.test.", b), other);
	pt_providers_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_rejects),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_recognise_and_diff),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_shipped_profiles),
		cmocka_unit_test(test_shipped_every_profile),
		cmocka_unit_test(test_shared_spf_include),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
