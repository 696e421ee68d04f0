#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What was at the path before writing, to refuse, keep, or compare with later. */
struct target {
	bool exists;
	struct stat sb;
};

/* @return 0, or the errno that refuses the target. */
static int inspect(const char *path, struct target *t)
{
	memset(t, 0, sizeof(*t));
	if (lstat(path, &t->sb) != 0) {
		return errno == ENOENT ? 0 : errno;
	}
	t->exists = true;
	if (S_ISLNK(t->sb.st_mode)) {
		return ELOOP;
	}
	if (S_ISDIR(t->sb.st_mode)) {
		return EISDIR;
	}
	return S_ISREG(t->sb.st_mode) ? 0 : EINVAL;
}

/* "DIR/.BASE.XXXXXX": the same directory, so rename() is atomic and never crosses devices. */
static bool temp_name(char *buf, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');
	int n;

	if (slash == NULL) {
		n = snprintf(buf, size, ".%s.XXXXXX", path);
	} else {
		n = snprintf(buf, size, "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	}
	return n > 0 && (size_t)n < size;
}

/* Mode and owner of the file replaced; a new file gets 0666 & ~umask (mkstemp makes 0600). */
static int keep_attributes(int fd, const struct target *t)
{
	mode_t mask;

	if (!t->exists) {
		mask = umask(0);
		umask(mask);
		return fchmod(fd, 0666 & ~mask) == 0 ? 0 : errno;
	}
	if ((t->sb.st_uid != geteuid() || t->sb.st_gid != getegid()) &&
	    fchown(fd, t->sb.st_uid, t->sb.st_gid) != 0) {
		/* another user's file would become ours: refuse (EPERM) */
		return errno;
	}
	return fchmod(fd, t->sb.st_mode & 0777) == 0 ? 0 : errno;
}

/* The rename is on disk too once the directory is synced (best effort). */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Put the written temporary file at @p path. @return 0 or the errno. */
static int put_in_place(const char *tmp, const char *path, bool overwrite,
			const struct target *before)
{
	struct target now;
	int err = inspect(path, &now);

	/* the path changed while writing (a symlink planted, a file replaced): leave it be */
	if (err != 0 || now.exists != before->exists ||
	    (now.exists &&
	     (now.sb.st_dev != before->sb.st_dev || now.sb.st_ino != before->sb.st_ino))) {
		return err != 0 ? err : EEXIST;
	}
	if (overwrite) {
		return rename(tmp, path) == 0 ? 0 : errno;
	}
	/* link() fails if the name exists, so no race can overwrite a file */
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	if (errno == EEXIST) {
		return EEXIST;
	}
	/* a file system without hard links: rename, after the look above */
	return rename(tmp, path) == 0 ? 0 : errno;
}

enum pt_status pt_safefile_write(const char *path, bool overwrite, pt_safefile_fill_fn fill,
				 void *ctx)
{
	char tmp[PATH_MAX + 16];
	struct target t;
	FILE *f;
	int fd, err = inspect(path, &t);

	if (err == 0 && t.exists && !overwrite) {
		err = EEXIST;
	}
	if (err == 0 && !temp_name(tmp, sizeof(tmp), path)) {
		err = ENAMETOOLONG;
	}
	if (err != 0) {
		errno = err;
		return PT_ERR_IO;
	}
	/* O_EXCL inside: never an existing file, never through a planted link */
	fd = mkstemp(tmp);
	if (fd < 0) {
		return PT_ERR_IO;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	err = keep_attributes(fd, &t);
	f = err == 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		err = err ? err : errno;
		close(fd);
	} else {
		errno = 0;
		if (fill(ctx, f) != PT_OK || fflush(f) != 0 || fsync(fileno(f)) != 0) {
			err = errno ? errno : EIO;
		}
		if (fclose(f) != 0 && err == 0) {
			err = errno;
		}
	}
	if (err == 0) {
		err = put_in_place(tmp, path, overwrite, &t);
	}
	if (err != 0) {
		unlink(tmp);
		errno = err;
		return PT_ERR_IO;
	}
	sync_dir(path);
	return PT_OK;
}

const char *pt_safefile_strerror(int err)
{
	switch (err) {
	case ELOOP:
		return "a symbolic link: refused (give the path it points to)";
	case EINVAL:
		return "not a regular file (a device, FIFO or socket): refused";
	case EISDIR:
		return "a directory: refused";
	case EPERM:
		return "owned by another user, whose ownership cannot be kept: refused";
	default:
		return strerror(err);
	}
}
