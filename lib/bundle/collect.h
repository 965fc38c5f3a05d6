/* The files a descriptor puts in a bundle: found, checked (they exist,
 * are regular files, stay inside the project) and sorted. */
#ifndef MLOPS_BUNDLE_COLLECT_H
#define MLOPS_BUNDLE_COLLECT_H

#include <stdint.h>

#include "../core/sha256.h"
#include "../descriptor/descriptor.h"

struct bundle_file {
	char *path;  /* project-relative, normalised: the name in the bundle */
	char *src;   /* where to read it */
	enum file_kind kind;
	uint64_t size;
	int exec;    /* owner-executable: mode 0755 in the bundle */
	const char *role; /* "golden", "reference" or NULL */
	char digest[DIGEST_STR_LEN];
	char layer[DIGEST_STR_LEN];
};

struct file_set {
	struct bundle_file *v;
	size_t n, alloc;
	uint64_t total_bytes;
};

int collect_files(struct file_set *out, const struct descriptor *d);
void file_set_free(struct file_set *fs);
/* Lexical clean-up of a project-relative path: "./a//b/" -> "a/b".
 * EINPUT for "..", absolute or empty paths. */
int normalize_rel_path(char **out, const char *path, const char *what);

/* The file a descriptor names (`what`: "model.path", ...) under root, as
 * a path to open: refused (EINPUT) before anything opens it when it is
 * absolute, has "..", leads outside root through a link, or is not a
 * regular file (EIO, as for a missing file: a FIFO would block the
 * reader forever). */
int project_file(char **out, const char *root, const char *path,
		 const char *what);

#endif
