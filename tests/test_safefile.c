/* Unit tests for src/safefile.c: only regular files are replaced, mode and owner are kept,
 * nothing is left behind on failure. Everything happens in a fresh temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "safefile.h"

static char dir[64];

static enum pt_status fill_hello(void *ctx, FILE *out)
{
	(void)ctx;
	return fputs("hello\n", out) >= 0 ? PT_OK : PT_ERR_IO;
}

static enum pt_status fill_fail(void *ctx, FILE *out)
{
	(void)ctx;
	(void)out;
	errno = ENOSPC;
	return PT_ERR_IO;
}

static const char *at(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Entries in the directory: no temporary file may be left. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL) {
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	}
	closedir(d);
	return n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pt-safefile.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_new_and_overwrite(void **state)
{
	char buf[64];
	struct stat sb;
	mode_t mask = umask(022);

	(void)state;
	assert_int_equal(pt_safefile_write(at("a"), false, fill_hello, NULL), PT_OK);
	assert_int_equal(stat(at("a"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	slurp(at("a"), buf, sizeof(buf));
	assert_string_equal(buf, "hello\n");
	assert_int_equal(pt_safefile_write(at("a"), false, fill_hello, NULL), PT_ERR_IO);
	assert_int_equal(errno, EEXIST);
	/* an existing 0600 file stays 0600 */
	assert_int_equal(chmod(at("a"), 0600), 0);
	assert_int_equal(pt_safefile_write(at("a"), true, fill_hello, NULL), PT_OK);
	assert_int_equal(stat(at("a"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* a failed write changes nothing and leaves no temporary file */
	assert_int_equal(pt_safefile_write(at("a"), true, fill_fail, NULL), PT_ERR_IO);
	assert_int_equal(errno, ENOSPC);
	slurp(at("a"), buf, sizeof(buf));
	assert_string_equal(buf, "hello\n");
	assert_int_equal(entries(), 1);
	umask(mask);
}

static void test_refusals(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	int s;

	(void)state;
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	assert_int_equal(pt_safefile_write(at("fifo"), true, fill_hello, NULL), PT_ERR_IO);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lstat(at("fifo"), &sb), 0);
	assert_true(S_ISFIFO(sb.st_mode));

	assert_int_equal(symlink("target", at("link")), 0);
	assert_int_equal(pt_safefile_write(at("link"), true, fill_hello, NULL), PT_ERR_IO);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(lstat(at("link"), &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	assert_int_equal(access(at("target"), F_OK), -1);

	assert_int_equal(mkdir(at("dir"), 0700), 0);
	assert_int_equal(pt_safefile_write(at("dir"), true, fill_hello, NULL), PT_ERR_IO);
	assert_int_equal(errno, EISDIR);

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(strlen(at("sock")) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, at("sock"), strlen(at("sock")) + 1);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(pt_safefile_write(at("sock"), true, fill_hello, NULL), PT_ERR_IO);
	assert_int_equal(errno, EINVAL);
	close(s);
	assert_string_equal(pt_safefile_strerror(EINVAL),
			    "not a regular file (a device, FIFO or socket): refused");
	assert_int_equal(entries(), 4); /* fifo, link, dir, sock: no temporary file */
}

/* Root replacing another user's file keeps that user as the owner. */
static void test_owner_kept(void **state)
{
	struct stat sb;
	FILE *f;

	(void)state;
	if (geteuid() != 0) {
		skip();
	}
	f = fopen(at("theirs"), "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chown(at("theirs"), 65534, 65534), 0);
	assert_int_equal(chmod(at("theirs"), 0600), 0);
	assert_int_equal(pt_safefile_write(at("theirs"), true, fill_hello, NULL), PT_OK);
	assert_int_equal(stat(at("theirs"), &sb), 0);
	assert_int_equal(sb.st_uid, 65534);
	assert_int_equal(sb.st_gid, 65534);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_and_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_kept, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
