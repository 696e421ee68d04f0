/**
 * @file safefile.h
 * Replace a file safely (--write FILE, the dashboard's `w`): only a regular file is ever
 * replaced (a device node, a FIFO, a socket, a directory or a symbolic link at the path is
 * refused, so running as root cannot turn /dev/full into a list), the replaced file keeps its
 * mode and owner (or the write is refused when the owner cannot be kept), and the content goes
 * to an exclusive temporary file in the same directory, is flushed to disk (fsync), then
 * renamed into place, so a failure never leaves half a file.
 * Any thread; no shared state (umask() is read and restored).
 */
#ifndef PT_SAFEFILE_H
#define PT_SAFEFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "status.h"

/** Writes the content to @p out. @return PT_OK, or PT_ERR_IO (errno set). */
typedef enum pt_status (*pt_safefile_fill_fn)(void *ctx, FILE *out);

/**
 * Write what @p fill writes to @p path, as described above.
 * @param overwrite false: fail with errno EEXIST when @p path exists (also when it appears
 *        while writing)
 * @return PT_OK, or PT_ERR_IO with errno set (nothing changed at @p path): EEXIST (exists,
 *         or changed while writing), EISDIR, ELOOP (a symbolic link), EINVAL (not a regular
 *         file), EPERM (its owner cannot be kept), or the system's reason.
 */
enum pt_status pt_safefile_write(const char *path, bool overwrite, pt_safefile_fill_fn fill,
				 void *ctx);

/** Text for an errno from pt_safefile_write(): the refusals in words ("not a regular file
 *  (a device, FIFO or socket): refused"), else strerror(). Static string. */
const char *pt_safefile_strerror(int err);

#endif /* PT_SAFEFILE_H */
