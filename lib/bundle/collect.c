#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

/* Deep enough for any real project; stops symlink loops. */
#define COLLECT_MAX_DEPTH 32
#define COLLECT_MAX_FILES 100000

int normalize_rel_path(char **out, const char *path, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path;

	*out = NULL;
	if (path[0] == '/')
		return mlops_error_set(MLOPS_EINPUT, "%s '%s' must be relative "
				       "to the project directory", what, path);
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 2 && !strncmp(p, "..", 2)) {
			strbuf_release(&sb);
			return mlops_error_set(MLOPS_EINPUT, "%s '%s' must not "
					       "contain '..'", what, path);
		}
		if (len && !(len == 1 && p[0] == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, len);
		}
		p += len;
		while (*p == '/')
			p++;
	}
	if (!sb.len)
		return mlops_error_set(MLOPS_EINPUT, "%s '%s' names the project "
				       "directory itself", what, path);
	*out = strbuf_detach(&sb);
	return 0;
}

int project_file(char **out, const char *root, const char *path,
		 const char *what)
{
	char *rel = NULL, *abs = NULL;
	struct stat st;
	int rc = normalize_rel_path(&rel, path, what);

	*out = NULL;
	if (rc)
		return rc;
	abs = fs_join(root, rel);
	if (stat(abs, &st) < 0)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot open %s '%s'",
				       what, rel);
	else if (!fs_is_within(root, abs))
		rc = mlops_error_set(MLOPS_EINPUT, "%s '%s' leads outside the "
				     "project directory", what, rel);
	else if (!S_ISREG(st.st_mode))
		rc = mlops_error_set(MLOPS_EIO, "%s '%s' is %s, not a "
				     "regular file", what, rel,
				     fs_type_name(st.st_mode));
	else
		fs_note_input(abs, &st);
	free(rel);
	if (rc)
		free(abs);
	else
		*out = abs;
	return rc;
}

struct collector {
	struct file_set *fs;
	const char *root;
	const char *role;
};

static int add_file(struct collector *c, const char *rel, const char *src,
		    const struct stat *st, enum file_kind kind)
{
	struct bundle_file *f;

	if (c->fs->n >= COLLECT_MAX_FILES)
		return mlops_error_set(MLOPS_EINPUT, "more than %d files to "
				       "bundle", COLLECT_MAX_FILES);
	ARRAY_GROW(c->fs->v, c->fs->n + 1, c->fs->alloc);
	f = &c->fs->v[c->fs->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(rel);
	f->src = xstrdup(src);
	f->kind = kind;
	f->size = (uint64_t)st->st_size;
	f->exec = (st->st_mode & S_IXUSR) != 0;
	f->role = c->role;
	c->fs->total_bytes += f->size;
	return 0;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(struct collector *c, const char *rel, enum file_kind kind,
		    int depth);

static int add_dir(struct collector *c, const char *rel, const char *src,
		   enum file_kind kind, int depth)
{
	DIR *dir = opendir(src);
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	int rc = 0;

	if (!dir)
		return mlops_error_errno(MLOPS_EIO, errno,
					 "cannot open directory '%s'", rel);
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		ARRAY_GROW(names, n + 1, alloc);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	/* Directory order differs between file systems; the bundle must
	 * not. */
	qsort(names, n, sizeof(*names), name_order);
	for (i = 0; i < n && !rc; i++) {
		char *child = fs_join(rel, names[i]);

		rc = add_path(c, child, kind, depth + 1);
		free(child);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int add_path(struct collector *c, const char *rel, enum file_kind kind,
		    int depth)
{
	char *src = fs_join(c->root, rel);
	struct stat st;
	int rc;

	if (depth > COLLECT_MAX_DEPTH) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is nested too deeply "
				     "(a symbolic link loop?)", rel);
		goto done;
	}
	if (stat(src, &st) < 0) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'", rel);
		goto done;
	}
	if (!fs_is_within(c->root, src)) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' leads outside the "
				     "project directory", rel);
		mlops_error_hint("copy the file into the project; links out "
				 "of it are refused so that a bundle holds "
				 "only what the project holds");
		goto done;
	}
	if (S_ISDIR(st.st_mode))
		rc = add_dir(c, rel, src, kind, depth);
	else if (S_ISREG(st.st_mode))
		rc = add_file(c, rel, src, &st, kind);
	else
		rc = mlops_error_set(MLOPS_EIO, "'%s' is %s, not a regular "
				     "file or directory", rel,
				     fs_type_name(st.st_mode));
done:
	free(src);
	return rc;
}

/* A path d lists (what names its key), its error at its place in d. */
static int add_listed(struct collector *c, const struct descriptor *d,
		      const char *path, enum file_kind kind, const char *what)
{
	char *rel;
	int rc = normalize_rel_path(&rel, path, what);

	if (!rc)
		rc = add_path(c, rel, kind, 0);
	free(rel);
	if (rc)
		descriptor_error_at(d, what);
	return rc;
}

static int path_order(const void *a, const void *b)
{
	const struct bundle_file *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

/* A file listed twice for one purpose is kept once; for two purposes it
 * is an error. Sorting keeps this O(n log n) for big folders. */
static int drop_duplicates(struct file_set *fs)
{
	size_t i, kept = 0;

	qsort(fs->v, fs->n, sizeof(*fs->v), path_order);
	for (i = 0; i < fs->n; i++) {
		struct bundle_file *f = &fs->v[i];

		if (kept && !strcmp(fs->v[kept - 1].path, f->path)) {
			if (fs->v[kept - 1].kind != f->kind) {
				int rc = mlops_error_set(
					MLOPS_EINPUT, "'%s' is both %s and %s "
					"in the descriptor", f->path,
					file_kind_name(fs->v[kept - 1].kind),
					file_kind_name(f->kind));

				/* Keep every remaining entry owned once. */
				while (i < fs->n)
					fs->v[kept++] = fs->v[i++];
				fs->n = kept;
				return rc;
			}
			fs->total_bytes -= f->size;
			free(f->path);
			free(f->src);
			continue;
		}
		fs->v[kept++] = *f;
	}
	fs->n = kept;
	return 0;
}

static int file_order(const void *a, const void *b)
{
	const struct bundle_file *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->path, y->path);
}

int collect_files(struct file_set *out, const struct descriptor *d)
{
	struct collector c = { out, d->dir, NULL };
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = add_listed(&c, d, d->model.path, FILE_MODEL, "model.path");
	c.role = "golden";
	if (!rc && d->datasets.golden_path)
		rc = add_listed(&c, d, d->datasets.golden_path, FILE_DATASET,
				"datasets.golden.path");
	c.role = "reference";
	if (!rc && d->datasets.reference_path)
		rc = add_listed(&c, d, d->datasets.reference_path, FILE_DATASET,
				"datasets.reference.path");
	c.role = NULL;
	for (i = 0; !rc && i < d->ninclude; i++)
		rc = add_listed(&c, d, d->include[i].path, d->include[i].kind,
				"include path");
	for (i = 0; !rc && i < d->ndependencies; i++)
		rc = add_listed(&c, d, d->dependencies[i], FILE_CODE,
				"dependencies entry");
	/* The descriptor itself travels with the code. */
	if (!rc)
		rc = add_listed(&c, d, fs_basename(d->file), FILE_CODE,
				"descriptor");
	if (!rc)
		rc = drop_duplicates(out);
	if (rc) {
		file_set_free(out);
		return rc;
	}
	qsort(out->v, out->n, sizeof(*out->v), file_order);
	return 0;
}

void file_set_free(struct file_set *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].path);
		free(fs->v[i].src);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}
