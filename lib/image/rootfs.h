/* The files of an image layer, gathered before any is written so that
 * the layer lists them sorted, each once: directories, symbolic links,
 * files copied from this host and files made in memory. */
#ifndef MLOPS_IMAGE_ROOTFS_H
#define MLOPS_IMAGE_ROOTFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum rootfs_kind { RF_DIR, RF_FILE, RF_LINK };

struct rootfs_entry {
	char *path; /* in the image, without the leading '/' */
	enum rootfs_kind kind;
	mode_t perm;
	char *source; /* RF_FILE: the host file, or NULL for data */
	char *data;   /* RF_FILE from memory */
	size_t len;
	char *target; /* RF_LINK */
};

struct rootfs {
	struct rootfs_entry *v;
	size_t n, alloc;
};

/* Each adds the missing parent directories (0755). Adding a path twice
 * is fine when both say the same; anything else is EINTERNAL. */
int rootfs_add_dir(struct rootfs *fs, const char *path, mode_t perm);
int rootfs_add_data(struct rootfs *fs, const char *path, const char *data,
		    size_t len, mode_t perm);
int rootfs_add_file(struct rootfs *fs, const char *path, const char *source,
		    mode_t perm);
int rootfs_add_link(struct rootfs *fs, const char *path, const char *target);
/* The host file at absolute path `host`, at the same path in the image,
 * with every symbolic link on the way kept as a link (/lib -> usr/lib,
 * libfoo.so.1 -> libfoo.so.1.2.3) so that the names the loader uses
 * resolve in the image as they do here. */
int rootfs_add_host(struct rootfs *fs, const char *host);

/* The layer's tar (sorted, uid/gid 0, every mtime `mtime`) to `t`. */
struct tarw;
int rootfs_write(struct rootfs *fs, struct tarw *t);
void rootfs_free(struct rootfs *fs);

#endif
