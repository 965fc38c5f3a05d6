/* Safe file I/O: whole-file reads with a cap, atomic writes, paths. */
#ifndef MLOPS_CORE_FSUTIL_H
#define MLOPS_CORE_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "strbuf.h"

/* Opens `path` for reading when it is a regular file; anything else (a
 * FIFO that would block, a device, a socket, a directory) is refused
 * (EIO, as a missing file is) before it is opened, and checked again on the open descriptor
 * (O_NONBLOCK, so that a FIFO swapped in meanwhile cannot block). The fd,
 * or a negative error. `st` (may be NULL) receives its fstat. */
int fs_open_regular(const char *path, struct stat *st);
/* Every file opened through fs_open_regular (and project_file) is noted
 * as an input of this process. An output the user names must not be one
 * of them: fs_output_check refuses (EUSAGE) a target that is, by device
 * and inode, a file this process read, naming both. Thread-safe. */
/* a and b exist and are the same file (device and inode). */
int fs_same_file(const char *a, const char *b);
void fs_note_input(const char *path, const struct stat *st);
int fs_output_check(const char *target);
/* Like fs_write_atomic, for an output the user named: fs_output_check
 * first. */
int fs_write_output(const char *path, const void *data, size_t len,
		    mode_t mode);
/* "a FIFO", "a directory", ... for a file type (st_mode). */
const char *fs_type_name(unsigned mode);
/* Reads all of `path` (a regular file) into sb; fails (EINPUT) past `max` bytes. */
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
