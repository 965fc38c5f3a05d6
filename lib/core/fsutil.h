/* Safe file I/O: whole-file reads with a cap, atomic writes, paths. */
#ifndef MLOPS_CORE_FSUTIL_H
#define MLOPS_CORE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/* Reads all of `path` into sb; fails (EINPUT) past `max` bytes. */
int fs_read_file(const char *path, size_t max, struct strbuf *sb);
/* Writes data to path atomically: temp file in the same directory,
 * fsync, rename(2) over path, fsync of the directory. */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode);
/* Streams src into dst through a temporary file, fsync'd, renamed. */
int fs_copy_atomic(const char *src, const char *dst, mode_t mode);
/* write(2) all of buf, retrying on EINTR and short writes. */
int fs_write_all(int fd, const void *buf, size_t len);
int fs_fsync_dir(const char *dir);
/* Directory part of path ("." when none), as a new string. */
char *fs_dirname(const char *path);
const char *fs_basename(const char *path);
/* a + "/" + b, without doubling slashes; b absolute -> b. */
char *fs_join(const char *a, const char *b);
/* True when `path` (resolved) lies inside `root` (resolved). */
int fs_is_within(const char *root, const char *path);
int fs_exists(const char *path);
/* mkdir -p; 0 or EIO. */
int fs_mkdir_p(const char *path, mode_t mode);

#endif
