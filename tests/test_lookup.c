/* Host names resolved in the background (src/lookup.c): results by id, the parser's reasons,
 * a job abandoned while it works. Only names in /etc/hosts: no network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lookup.h"

static void test_results(void **unused)
{
	int fds[2];
	struct pt_lookup *lk;
	struct pt_lookup_result *res, all[3];
	size_t got = 0;
	static const char csv[] = "ip,name\nlocalhost.,From CSV";

	(void)unused;
	assert_int_equal(pipe(fds), 0);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	lk = pt_lookup_new(fds[1], 2);
	assert_non_null(lk);
	assert_int_equal(pt_lookup_add(lk, 7, "localhost. Loopback", 19), PT_OK);
	assert_int_equal(pt_lookup_add(lk, 8, "nothing here!", 13), PT_OK);
	assert_int_equal(pt_lookup_add(lk, 9, csv, strlen(csv)), PT_OK);
	while (got < 3) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		char b[16];
		size_t n;

		assert_true(poll(&p, 1, 10000) == 1);
		assert_true(read(fds[0], b, sizeof(b)) > 0);
		n = pt_lookup_take(lk, &res);
		for (size_t i = 0; i < n && got < 3; i++) {
			all[got++] = res[i];
		}
		free(res);
	}
	assert_int_equal(pt_lookup_pending(lk), 0);
	for (size_t i = 0; i < 3; i++) {
		switch (all[i].id) {
		case 7:
			assert_true(all[i].ok);
			assert_string_equal(all[i].resolver.address, "127.0.0.1");
			assert_string_equal(all[i].resolver.label, "Loopback");
			break;
		case 8:
			assert_false(all[i].ok);
			assert_non_null(strstr(all[i].reason, "not an address"));
			break;
		default:
			assert_int_equal(all[i].id, 9);
			assert_true(all[i].ok);
			assert_string_equal(all[i].resolver.label, "From CSV");
			break;
		}
	}
	pt_lookup_free(lk);
	close(fds[0]);
	close(fds[1]);
}

/* Abandoned with requests queued: returns at once, the workers clean up. */
static void test_abandon(void **unused)
{
	struct pt_lookup *lk = pt_lookup_new(-1, 4);

	(void)unused;
	assert_non_null(lk);
	for (uint64_t i = 0; i < 50; i++) {
		assert_int_equal(pt_lookup_add(lk, i, "localhost.", 10), PT_OK);
	}
	pt_lookup_free(lk);
	pt_lookup_free(NULL);
	usleep(100 * 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_abandon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
