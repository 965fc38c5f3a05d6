#include "extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/sha256.h"
#include "../core/strbuf.h"
#include "../core/xdg.h"
#include "collect.h"
#include "mediatypes.h"
#include "meta.h"

#define BUF_SIZE (1u << 20)

struct extractor {
	const struct bundle *b;
	const struct extract_opts *opts;
	const char *root;       /* where files go; NULL: verify only */
	struct archive *outer;
	unsigned char *buf;
	uint64_t done, total;
	char **seen;            /* paths written, to refuse duplicates */
	size_t nseen, seen_alloc;
};

#define bad(b, ...) bundle_bad((b)->path, __VA_ARGS__)

/* The file list entry for `path`, or NULL. */
static const json_t *listed(const struct bundle *b, const char *path)
{
	const json_t *files = bundle_files(b), *f;
	size_t i;

	json_array_foreach(files, i, f)
		if (json_str(f, "path") && !strcmp(json_str(f, "path"), path))
			return f;
	return NULL;
}

static int kind_of(const char *kind)
{
	static const char *const names[] = { "model", "code", "doc",
					     "dataset" };
	int i;

	for (i = 0; i < 4; i++)
		if (kind && !strcmp(kind, names[i]))
			return i;
	return -1;
}

/* mkdir -p below root for the parents of rel (rel already checked). */
static int make_parents(const char *root, const char *rel)
{
	struct strbuf p = STRBUF_INIT;
	const char *s = rel, *slash;
	int rc = 0;

	strbuf_addstr(&p, root);
	while ((slash = strchr(s, '/'))) {
		strbuf_addch(&p, '/');
		strbuf_add(&p, s, (size_t)(slash - s));
		if (mkdir(p.buf, 0755) < 0 && errno != EEXIST) {
			rc = mlops_error_errno(MLOPS_EIO, errno,
					       "cannot create '%s'", p.buf);
			break;
		}
		s = slash + 1;
	}
	strbuf_release(&p);
	return rc;
}

/* Checks a path from the archive and claims it: relative, normalised,
 * listed in the bundle, not written before. */
static int claim(struct extractor *x, const char *path, const json_t **entry)
{
	char *norm = NULL;
	size_t i;
	int rc = normalize_rel_path(&norm, path, "file");

	if (rc || strcmp(norm, path)) {
		free(norm);
		return bad(x->b, "unsafe file name in a layer");
	}
	free(norm);
	*entry = listed(x->b, path);
	if (!*entry)
		return bad(x->b, "'%s' is in a layer but not in the bundle's "
			   "file list", path);
	for (i = 0; i < x->nseen; i++)
		if (!strcmp(x->seen[i], path))
			return bad(x->b, "'%s' appears twice", path);
	ARRAY_GROW(x->seen, x->nseen + 1, x->seen_alloc);
	x->seen[x->nseen++] = xstrdup(path);
	return 0;
}

typedef la_ssize_t (*pull_fn)(void *ctx, void *buf, size_t len);

/* Copies one file's bytes from `pull` to root/path (when writing),
 * checking its size and digest against the file list. */
static int copy_file(struct extractor *x, const char *path,
		     const json_t *entry, uint64_t size, pull_fn pull,
		     void *ctx, int write_it)
{
	struct strbuf dst = STRBUF_INIT;
	char digest[DIGEST_STR_LEN];
	const char *want = json_str(entry, "digest");
	struct sha256 h;
	uint64_t got = 0;
	int fd = -1, rc;

	if ((uint64_t)json_num(entry, "size", -1) != size)
		return bad(x->b, "'%s' has %llu bytes, the file list says %.0f",
			   path, (unsigned long long)size,
			   json_num(entry, "size", -1));
	if (write_it) {
		rc = make_parents(x->root, path);
		if (rc)
			return rc;
		strbuf_addf(&dst, "%s/%s", x->root, path);
		fd = open(dst.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					   O_CLOEXEC,
			  json_num(entry, "mode", 0644) == 0755 ? 0755 : 0644);
		if (fd < 0) {
			rc = mlops_error_errno(MLOPS_EIO, errno,
					       "cannot create '%s'", dst.buf);
			strbuf_release(&dst);
			return rc;
		}
	}
	rc = sha256_init(&h);
	for (;;) {
		la_ssize_t n;

		if (rc)
			break;
		n = pull(ctx, x->buf, BUF_SIZE);
		if (n < 0) {
			rc = bad(x->b, "cannot read '%s'", path);
			break;
		}
		if (n == 0)
			break;
		sha256_update(&h, x->buf, (size_t)n);
		got += (uint64_t)n;
		x->done += (uint64_t)n;
		if (fd >= 0 && fs_write_all(fd, x->buf, (size_t)n) < 0)
			rc = mlops_error_errno(MLOPS_EIO, errno,
					       "cannot write '%s'", dst.buf);
		if (x->opts && x->opts->progress)
			x->opts->progress(x->opts->progress_ctx, x->done,
					  x->total);
	}
	if (rc) {
		sha256_free(&h);
	} else {
		sha256_final_digest(&h, digest);
		if (got != size)
			rc = bad(x->b, "'%s' is truncated", path);
		else if (!want || strcmp(digest, want))
			rc = bad(x->b, "'%s' does not match its digest %s", path,
				 want ? want : "(none)");
	}
	if (fd >= 0 && close(fd) < 0 && !rc)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot write '%s'",
				       dst.buf);
	strbuf_release(&dst);
	return rc;
}

static la_ssize_t pull_archive(void *ctx, void *buf, size_t len)
{
	return archive_read_data(ctx, buf, len);
}

/* The inner tar of a layer reads from the outer entry, hashing it. */
struct layer_src {
	struct extractor *x;
	struct sha256 h;
	uint64_t bytes;
};

static la_ssize_t inner_read(struct archive *a, void *ctx, const void **out)
{
	struct layer_src *s = ctx;
	la_ssize_t n = archive_read_data(s->x->outer, s->x->buf + BUF_SIZE,
					 65536);

	(void)a;
	if (n > 0) {
		sha256_update(&s->h, s->x->buf + BUF_SIZE, (size_t)n);
		s->bytes += (uint64_t)n;
	}
	*out = s->x->buf + BUF_SIZE;
	return n;
}

static int extract_tar_layer(struct extractor *x, const json_t *layer,
			     unsigned kinds)
{
	struct layer_src src = { x };
	struct archive *in = archive_read_new();
	struct archive_entry *e;
	char digest[DIGEST_STR_LEN];
	int rc;

	rc = sha256_init(&src.h);
	if (rc) {
		archive_read_free(in);
		return rc;
	}
	archive_read_support_format_tar(in);
	if (archive_read_open(in, &src, NULL, inner_read, NULL) != ARCHIVE_OK) {
		rc = bad(x->b, "a layer is not a tar archive");
		goto done;
	}
	for (;;) {
		const json_t *entry;
		const char *path;
		int r = archive_read_next_header(in, &e), k;

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = bad(x->b, "a layer's tar is damaged: %s",
				 archive_error_string(in));
			goto done;
		}
		path = archive_entry_pathname(e);
		if (!path || archive_entry_filetype(e) != AE_IFREG ||
		    archive_entry_hardlink(e) || archive_entry_symlink(e) ||
		    archive_entry_sparse_count(e)) {
			rc = bad(x->b, "a layer holds something other than "
				 "regular files");
			goto done;
		}
		rc = claim(x, path, &entry);
		if (rc)
			goto done;
		k = kind_of(json_str(entry, "kind"));
		rc = copy_file(x, path, entry, (uint64_t)archive_entry_size(e),
			       pull_archive, in,
			       x->root && k >= 0 && (kinds & (1u << k)));
		if (rc)
			goto done;
	}
	/* Drain the padding, then the layer as a whole must match. */
	{
		const void *unused;

		while (inner_read(in, &src, &unused) > 0)
			;
	}
	sha256_final_digest(&src.h, digest);
	src.h.ctx = NULL;
	if (strcmp(digest, json_str(layer, "digest")))
		rc = bad(x->b, "layer %s does not match its digest",
			 json_str(layer, "digest"));
done:
	sha256_free(&src.h);
	archive_read_free(in);
	return rc;
}

/* Every manifest layer with this digest (identical files share a blob). */
static size_t layers_for(const struct bundle *b, const char *digest,
			 const json_t **out, size_t max)
{
	const json_t *layers = json_object_get(b->manifest, "layers"), *l;
	size_t i, n = 0;

	json_array_foreach(layers, i, l)
		if (n < max && json_str(l, "digest") &&
		    !strcmp(json_str(l, "digest"), digest))
			out[n++] = l;
	return n;
}

static int copy_local(const char *root, const char *from, const char *to)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, data = STRBUF_INIT;
	int rc = make_parents(root, to);

	strbuf_addf(&a, "%s/%s", root, from);
	strbuf_addf(&b, "%s/%s", root, to);
	/* Rare (two identical model files): a plain copy is fine. */
	if (!rc)
		rc = fs_read_file(a.buf, (size_t)-1, &data);
	if (!rc)
		rc = fs_write_atomic(b.buf, data.buf, data.len, 0644);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&data);
	return rc;
}

static int extract_blob(struct extractor *x, const char *digest,
			uint64_t size, unsigned kinds)
{
	const json_t *layers[64];
	size_t n = layers_for(x->b, digest, layers, 64), i;
	const char *first = NULL;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		const char *mt = json_str(layers[i], "mediaType");
		const json_t *ann = json_object_get(layers[i], "annotations");
		const char *path = json_str(ann, AN_FILEPATH);
		const json_t *entry;

		if (!strcmp(mt, MT_CODE_TAR) || !strcmp(mt, MT_DOC_TAR) ||
		    !strcmp(mt, MT_DATASET_TAR)) {
			rc = extract_tar_layer(x, layers[i], kinds);
			continue;
		}
		if (strcmp(mt, MT_WEIGHT_RAW))
			continue;
		if (!path)
			return bad(x->b, "a weight layer has no %s annotation",
				   AN_FILEPATH);
		rc = claim(x, path, &entry);
		if (rc)
			return rc;
		if (first) {
			if (x->root && (kinds & EXTRACT_MODEL))
				rc = copy_local(x->root, first, path);
			continue;
		}
		rc = copy_file(x, path, entry, size, pull_archive, x->outer,
			       x->root && (kinds & EXTRACT_MODEL));
		first = path;
	}
	return rc;
}

static int write_doc(const char *root, const char *name, const json_t *doc)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	int rc;

	strbuf_addf(&path, "%s/%s", root, name);
	json_dump_strbuf(doc, JSON_DUMP_PRETTY, &text);
	strbuf_addch(&text, '\n');
	rc = fs_write_atomic(path.buf, text.buf, text.len, 0644);
	strbuf_release(&path);
	strbuf_release(&text);
	return rc;
}

static int run(struct extractor *x, unsigned kinds)
{
	const json_t *files = bundle_files(x->b), *f;
	struct archive_entry *e;
	size_t i;
	int rc = 0;

	json_array_foreach(files, i, f)
		x->total += (uint64_t)json_num(f, "size", 0);
	x->buf = xmalloc(BUF_SIZE + 65536);
	x->outer = archive_read_new();
	archive_read_support_format_tar(x->outer);
	if (archive_read_open_filename(x->outer, x->b->path, 65536) !=
	    ARCHIVE_OK) {
		rc = mlops_error_set(MLOPS_EIO, "cannot read '%s': %s",
				     x->b->path, archive_error_string(x->outer));
		goto done;
	}
	for (;;) {
		const char *p;
		int r = archive_read_next_header(x->outer, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			rc = bad(x->b, "%s", archive_error_string(x->outer));
			goto done;
		}
		p = archive_entry_pathname(e);
		if (!p || strncmp(p, "blobs/sha256/", 13) || strlen(p) != 77)
			continue; /* bundle_open already vetted every entry */
		{
			char digest[DIGEST_STR_LEN];

			snprintf(digest, sizeof(digest), "sha256:%s", p + 13);
			rc = extract_blob(x, digest,
					  (uint64_t)archive_entry_size(e),
					  kinds);
		}
		if (rc)
			goto done;
	}
	/* Every listed file must have turned up. */
	json_array_foreach(files, i, f) {
		size_t k;
		const char *path = json_str(f, "path");

		for (k = 0; k < x->nseen; k++)
			if (path && !strcmp(x->seen[k], path))
				break;
		if (k == x->nseen) {
			rc = bad(x->b, "'%s' is in the file list but in no layer",
				 path ? path : "?");
			goto done;
		}
	}
	if (x->root && (kinds & EXTRACT_META)) {
		rc = write_doc(x->root, "mlops.json", x->b->mlops);
		if (!rc && x->b->sbom)
			rc = write_doc(x->root, "sbom.cdx.json", x->b->sbom);
	}
done:
	archive_read_free(x->outer);
	free(x->buf);
	for (i = 0; i < x->nseen; i++)
		free(x->seen[i]);
	free(x->seen);
	return rc;
}

int bundle_verify_files(const struct bundle *b)
{
	struct extractor x = { b };

	return run(&x, 0);
}

static int remove_cb(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void remove_tree(const char *path)
{
	nftw(path, remove_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int dir_is_empty(const char *path, int *exists)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;

	*exists = d != NULL;
	if (!d)
		return errno == ENOENT ? 1 : -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* Moves tmp's entries into dir, replacing what is there (--force). */
static int merge_into(const char *tmp, const char *dir)
{
	DIR *d = opendir(tmp);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot read '%s'",
					 tmp);
	while ((de = readdir(d)) && !rc) {
		struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addf(&from, "%s/%s", tmp, de->d_name);
		strbuf_addf(&to, "%s/%s", dir, de->d_name);
		remove_tree(to.buf);
		if (rename(from.buf, to.buf) < 0)
			rc = mlops_error_errno(MLOPS_EIO, errno,
					       "cannot move into '%s'", to.buf);
		strbuf_release(&from);
		strbuf_release(&to);
	}
	closedir(d);
	return rc;
}

int bundle_extract(const struct bundle *b, const char *dir,
		   const struct extract_opts *opts)
{
	struct extractor x = { b, opts };
	struct strbuf tmp = STRBUF_INIT;
	char *parent = fs_dirname(dir);
	int exists, empty = dir_is_empty(dir, &exists), rc;

	if (empty < 0) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'", dir);
		goto done;
	}
	if (!empty && !opts->force) {
		rc = mlops_error_set(MLOPS_EUSAGE, "'%s' is not empty", dir);
		mlops_error_hint("name an empty or new directory, or pass "
				 "--force to replace what is there");
		goto done;
	}
	strbuf_addf(&tmp, "%s/.%s.tmp-XXXXXX", parent, fs_basename(dir));
	if (!mkdtemp(tmp.buf)) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot create a "
				       "directory in '%s'", parent);
		goto done;
	}
	chmod(tmp.buf, 0755);
	x.root = tmp.buf;
	rc = run(&x, opts->kinds);
	if (!rc) {
		if (!exists)
			rc = rename(tmp.buf, dir) < 0 ? -errno : 0;
		else if (empty)
			rc = rmdir(dir) < 0 || rename(tmp.buf, dir) < 0 ? -errno
									: 0;
		else
			rc = merge_into(tmp.buf, dir);
		if (rc < 0 && rc > -4096)
			rc = mlops_error_errno(MLOPS_EIO, -rc, "cannot move the "
					       "files into '%s'", dir);
	}
	if (!rc)
		rc = fs_fsync_dir(parent);
	remove_tree(tmp.buf);
done:
	free(parent);
	strbuf_release(&tmp);
	return rc;
}

/* Names the cache layout: model, datasets, mlops.json. */
#define CACHE_MARK ".mlops-cache-1"

/* 1 when the file at path is regular, of `size` bytes and hashes to
 * `digest`. */
static int file_matches(const char *path, uint64_t size, const char *digest)
{
	unsigned char buf[1 << 16];
	char got[DIGEST_STR_LEN];
	struct sha256 h;
	struct stat st;
	ssize_t n;
	int fd, ok;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size || sha256_init(&h) < 0) {
		close(fd);
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&h, buf, (size_t)n);
	sha256_final_digest(&h, got);
	ok = n == 0 && !strcmp(got, digest);
	close(fd);
	return ok;
}

/* A cache entry is used only when every model and dataset file in it is
 * still what the bundle lists: a file truncated, altered or removed
 * since (a full disk, a stray edit, a bad sector) sends the bundle back
 * through extraction instead of into the runtime. */
static int cache_intact(const struct bundle *b, const char *dir)
{
	const json_t *f;
	size_t i;

	json_array_foreach(bundle_files(b), i, f) {
		int k = kind_of(json_str(f, "kind"));
		const json_t *size = json_object_get(f, "size");
		char *path;
		int ok;

		if (k != FILE_MODEL && k != FILE_DATASET)
			continue; /* only models and datasets are cached */
		if (!json_str(f, "path") || !json_str(f, "digest") ||
		    !json_is_integer(size))
			return 0;
		path = fs_join(dir, json_str(f, "path"));
		ok = file_matches(path, (uint64_t)json_integer_value(size),
				  json_str(f, "digest"));
		free(path);
		if (!ok)
			return 0;
	}
	return 1;
}

int bundle_cache(const struct bundle *b, char **dir)
{
	char *base = xdg_path(XDG_CACHE, "bundles");
	struct strbuf path = STRBUF_INIT;
	struct extract_opts opts = { EXTRACT_MODEL | EXTRACT_DATASET |
				     EXTRACT_META };
	struct extractor x = { b, &opts };
	struct strbuf tmp = STRBUF_INIT, mark = STRBUF_INIT;
	int rc = 0;

	*dir = NULL;
	strbuf_addf(&path, "%s/%s", base, b->manifest_digest + 7);
	strbuf_addf(&mark, "%s/" CACHE_MARK, path.buf);
	if (fs_exists(mark.buf) && cache_intact(b, path.buf))
		goto found;
	rc = make_parents("", base + (base[0] == '/'));
	if (!rc && mkdir(base, 0755) < 0 && errno != EEXIST)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot create '%s'",
				       base);
	if (rc) {
		mlops_error_prefix("the bundle cache: ");
		mlops_error_hint("mlops unpacks bundles under $XDG_CACHE_HOME/"
				 "mlops (else ~/.cache/mlops): point "
				 "XDG_CACHE_HOME at a writable directory");
		goto done;
	}
	/* A directory without its mark is a crashed extraction; one that
	 * fails cache_intact was damaged since. */
	remove_tree(path.buf);
	strbuf_addf(&tmp, "%s/.%s.tmp-XXXXXX", base, b->manifest_digest + 7);
	if (!mkdtemp(tmp.buf)) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot create a "
				       "directory in '%s'", base);
		goto done;
	}
	chmod(tmp.buf, 0755);
	x.root = tmp.buf;
	rc = run(&x, opts.kinds);
	if (!rc) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "%s/" CACHE_MARK, tmp.buf);
		rc = fs_write_atomic(m.buf, "", 0, 0644);
		strbuf_release(&m);
	}
	/* Someone else may have finished first: theirs is as good. */
	if (!rc && rename(tmp.buf, path.buf) < 0 && !fs_exists(mark.buf))
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot create '%s'",
				       path.buf);
	remove_tree(tmp.buf);
	if (rc)
		goto done;
found:
	*dir = strbuf_detach(&path);
done:
	free(base);
	strbuf_release(&path);
	strbuf_release(&tmp);
	strbuf_release(&mark);
	return rc;
}
