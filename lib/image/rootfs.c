#include "rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bundle/tarwriter.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

#define MAX_LINK_HOPS 40 /* the kernel's own limit (MAXSYMLINKS) */

static struct rootfs_entry *find(struct rootfs *fs, const char *path)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].path, path))
			return &fs->v[i];
	return NULL;
}

static const char *kind_name(enum rootfs_kind k)
{
	return k == RF_DIR ? "a directory" : k == RF_LINK ? "a link" : "a file";
}

/* A new entry, or NULL (and *rc) when the path is taken: 0 when it
 * already says the same, EINTERNAL when it does not. */
static struct rootfs_entry *add(struct rootfs *fs, const char *path,
				enum rootfs_kind kind, const char *target,
				int *rc)
{
	struct rootfs_entry *e = find(fs, path);

	*rc = 0;
	if (e) {
		if (e->kind != kind ||
		    (kind == RF_LINK && strcmp(e->target, target)))
			*rc = mlops_error_set(MLOPS_EINTERNAL, "the image has "
					      "'/%s' twice: as %s and as %s",
					      path, kind_name(e->kind),
					      kind_name(kind));
		return NULL;
	}
	ARRAY_GROW(fs->v, fs->n + 1, fs->alloc);
	e = &fs->v[fs->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->kind = kind;
	return e;
}

static int add_parents(struct rootfs *fs, const char *path)
{
	char *p = xstrdup(path), *slash;
	int rc = 0;

	for (slash = strchr(p, '/'); !rc && slash;
	     slash = strchr(slash + 1, '/')) {
		struct rootfs_entry *e;

		*slash = '\0';
		e = *p ? add(fs, p, RF_DIR, NULL, &rc) : NULL;
		if (e)
			e->perm = 0755;
		*slash = '/';
	}
	free(p);
	return rc;
}

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

int rootfs_add_dir(struct rootfs *fs, const char *path, mode_t perm)
{
	struct rootfs_entry *e;
	int rc = add_parents(fs, rel(path));

	if (rc)
		return rc;
	e = add(fs, rel(path), RF_DIR, NULL, &rc);
	if (e || (!rc && (e = find(fs, rel(path)))))
		e->perm = perm;
	return rc;
}

int rootfs_add_data(struct rootfs *fs, const char *path, const char *data,
		    size_t len, mode_t perm)
{
	struct rootfs_entry *e;
	int rc = add_parents(fs, rel(path));

	if (!rc && (e = add(fs, rel(path), RF_FILE, NULL, &rc))) {
		e->perm = perm;
		e->data = xmalloc(len + 1);
		memcpy(e->data, data, len);
		e->len = len;
	}
	return rc;
}

int rootfs_add_file(struct rootfs *fs, const char *path, const char *source,
		    mode_t perm)
{
	struct rootfs_entry *e;
	int rc = add_parents(fs, rel(path));

	if (!rc && (e = add(fs, rel(path), RF_FILE, NULL, &rc))) {
		e->perm = perm;
		e->source = xstrdup(source);
	}
	return rc;
}

int rootfs_add_link(struct rootfs *fs, const char *path, const char *target)
{
	struct rootfs_entry *e;
	int rc = add_parents(fs, rel(path));

	if (!rc && (e = add(fs, rel(path), RF_LINK, target, &rc))) {
		e->perm = 0777;
		e->target = xstrdup(target);
	}
	return rc;
}

/* "a/b/../c/./d" -> "a/c/d" (the prefix has no links left: each was
 * replaced by its target before its children were looked at). */
static void normalize(struct strbuf *out, const char *path)
{
	const char *p = path;

	strbuf_reset(out);
	while (*p) {
		size_t len;

		while (*p == '/')
			p++;
		len = strcspn(p, "/");
		if (!len)
			break;
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (out->len && out->buf[out->len - 1] != '/')
				out->len--;
			if (out->len)
				out->len--;
			if (out->buf)
				out->buf[out->len] = '\0';
		} else {
			strbuf_addch(out, '/');
			strbuf_add(out, p, len);
		}
		p += len;
	}
	if (!out->len)
		strbuf_addch(out, '/');
}

int rootfs_add_host(struct rootfs *fs, const char *host)
{
	struct strbuf path = STRBUF_INIT, prefix = STRBUF_INIT;
	struct strbuf next = STRBUF_INIT;
	char target[PATH_MAX + 1];
	int hops = 0, rc = 0;

	if (host[0] != '/')
		return mlops_error_set(MLOPS_EINPUT, "'%s' is a relative path "
				       "(a relative RPATH or RUNPATH?): the image "
				       "needs where the loader finds it",
				       host);
	normalize(&path, host);
restart:
	strbuf_reset(&prefix);
	{
		const char *p = path.buf;

		while (!rc && *p) {
			struct stat st;
			size_t len;
			ssize_t n;

			p += *p == '/';
			len = strcspn(p, "/");
			strbuf_addch(&prefix, '/');
			strbuf_add(&prefix, p, len);
			p += len;
			if (lstat(prefix.buf, &st) < 0) {
				rc = mlops_error_errno(MLOPS_EIO, errno, "cannot "
						       "read '%s'", prefix.buf);
				break;
			}
			if (S_ISLNK(st.st_mode)) {
				n = readlink(prefix.buf, target, PATH_MAX);
				if (n < 0 || ++hops > MAX_LINK_HOPS) {
					rc = mlops_error_errno(MLOPS_EIO, n < 0 ? errno
							       : ELOOP, "cannot "
							       "follow '%s'",
							       prefix.buf);
					break;
				}
				target[n] = '\0';
				rc = rootfs_add_link(fs, prefix.buf, target);
				/* Go on from the link's target, then what is
				 * left of the path. */
				strbuf_reset(&next);
				if (target[0] != '/') {
					char *dir = fs_dirname(prefix.buf);

					strbuf_addf(&next, "%s/", dir);
					free(dir);
				}
				strbuf_addf(&next, "%s%s", target, p);
				normalize(&path, next.buf);
				if (rc)
					break;
				goto restart;
			}
			if (*p && S_ISDIR(st.st_mode))
				continue; /* added as a parent at the end */
			if (*p) {
				rc = mlops_error_set(MLOPS_EIO, "'%s' is not a "
						     "directory", prefix.buf);
			} else if (S_ISREG(st.st_mode)) {
				rc = rootfs_add_file(fs, prefix.buf, prefix.buf,
						     st.st_mode & 0755);
			} else {
				rc = mlops_error_set(MLOPS_EIO, "'%s' is %s, not "
						     "a file", prefix.buf,
						     fs_type_name(st.st_mode));
			}
		}
	}
	strbuf_release(&path);
	strbuf_release(&prefix);
	strbuf_release(&next);
	return rc;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct rootfs_entry *)a)->path,
		      ((const struct rootfs_entry *)b)->path);
}

/* A host file's bytes, exactly as many as it had when its header was
 * written: a file that changes meanwhile is an error, not a bad tar. */
static int copy_host_file(struct tarw *t, const struct rootfs_entry *e)
{
	char buf[65536];
	struct stat st;
	uint64_t left;
	int fd = fs_open_regular(e->source, &st), rc;

	if (fd < 0)
		return fd;
	left = (uint64_t)st.st_size;
	rc = tarw_begin(t, e->path, left, e->perm);
	while (!rc && left) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? (size_t)left
							      : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = mlops_error_errno(MLOPS_EIO, n < 0 ? errno : EIO,
					       "cannot read '%s' (did it change "
					       "while the image was built?)",
					       e->source);
			break;
		}
		rc = tarw_write(t, buf, (size_t)n);
		left -= (uint64_t)n;
	}
	if (!rc)
		rc = tarw_end(t);
	close(fd);
	return rc;
}

int rootfs_write(struct rootfs *fs, struct tarw *t)
{
	struct strbuf name = STRBUF_INIT;
	size_t i;
	int rc = 0;

	qsort(fs->v, fs->n, sizeof(*fs->v), cmp_entry);
	for (i = 0; !rc && i < fs->n; i++) {
		const struct rootfs_entry *e = &fs->v[i];

		switch (e->kind) {
		case RF_DIR:
			strbuf_reset(&name);
			strbuf_addf(&name, "%s/", e->path);
			rc = tarw_add_dir_mode(t, name.buf, e->perm);
			break;
		case RF_LINK:
			rc = tarw_add_symlink(t, e->path, e->target);
			break;
		case RF_FILE:
			rc = e->source ? copy_host_file(t, e)
				       : tarw_add_buf(t, e->path, e->data, e->len,
						      e->perm);
			break;
		}
	}
	strbuf_release(&name);
	return rc;
}

void rootfs_free(struct rootfs *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].path);
		free(fs->v[i].source);
		free(fs->v[i].data);
		free(fs->v[i].target);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}
