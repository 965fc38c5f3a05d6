/* Deterministic tar output (pax restricted, via libarchive): every field
 * of every header is set here, one fixed mtime, uid/gid 0, no names, so
 * the same inputs give the same bytes.
 *
 * Blobs of an OCI layout are named by their digest, which is known only
 * after their data has gone by. To read each input once, an entry can be
 * started under a placeholder name of the final name's length and renamed
 * afterwards: the header is patched in place (name and checksum) in the
 * seekable output. An entry found to be a duplicate can be dropped. */
#ifndef MLOPS_BUNDLE_TARWRITER_H
#define MLOPS_BUNDLE_TARWRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct tarw;

/* Receives the archive's bytes (for a tar inside a tar). 0 or < 0. */
typedef int (*tarw_sink_fn)(void *ctx, const void *data, size_t len);

/* An archive written to a seekable file descriptor (not closed here). */
int tarw_open_fd(struct tarw **out, int fd, time_t mtime);
/* An archive whose bytes go to `sink` (no rename, no drop). */
int tarw_open_sink(struct tarw **out, tarw_sink_fn sink, void *ctx,
		   time_t mtime);

int tarw_add_dir(struct tarw *t, const char *path);
/* A directory with its own permissions (an image's /tmp is 1777). */
int tarw_add_dir_mode(struct tarw *t, const char *path, mode_t perm);
/* A symbolic link, kept as a link (an image's library names). */
int tarw_add_symlink(struct tarw *t, const char *path, const char *target);
int tarw_add_buf(struct tarw *t, const char *path, const void *data,
		 size_t len, mode_t perm);
/* Streams an entry of exactly `size` bytes: begin, write..., end. */
int tarw_begin(struct tarw *t, const char *path, uint64_t size, mode_t perm);
int tarw_write(struct tarw *t, const void *data, size_t len);
int tarw_end(struct tarw *t);
/* After tarw_end (fd archives only): give the last entry its final name,
 * which has the placeholder's length; or drop the last entry whole. */
int tarw_rename_last(struct tarw *t, const char *placeholder,
		     const char *final_path);
int tarw_drop_last(struct tarw *t);
/* Writes the end-of-archive blocks and frees t. */
int tarw_close(struct tarw *t);
/* Frees t without finishing (after an error). */
void tarw_abort(struct tarw *t);


#endif
