/* A local OCI image layout directory as a registry: blobs in
 * blobs/sha256/, tags as org.opencontainers.image.ref.name annotations in
 * index.json (rewritten atomically under a lock). skopeo reads it as
 * oci:DIR:TAG. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../bundle/mediatypes.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/sha256.h"
#include "../core/strbuf.h"
#include "../core/tempfile.h"
#include "store.h"

#define INDEX_MAX (16u << 20)
#define BUF (1u << 20)

struct layout {
	struct store base;
	char *dir;
};

static char *blob_file(struct layout *l, const char *digest)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/blobs/sha256/%s", l->dir, digest + 7);
	return strbuf_detach(&sb);
}

static int ensure_layout(struct layout *l)
{
	struct strbuf p = STRBUF_INIT;
	int rc;

	strbuf_addf(&p, "%s/blobs/sha256", l->dir);
	rc = fs_mkdir_p(p.buf, 0755);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/oci-layout", l->dir);
	if (!rc && !fs_exists(p.buf))
		rc = fs_write_atomic(p.buf, OCI_LAYOUT_JSON,
				     strlen(OCI_LAYOUT_JSON), 0644);
	strbuf_release(&p);
	return rc;
}

static int l_blob_exists(struct store *s, const char *digest, int *exists)
{
	char *f = blob_file((struct layout *)s, digest);

	*exists = fs_exists(f);
	free(f);
	return 0;
}

static int l_blob_mount(struct store *s, const char *digest,
			const char *from, int *mounted)
{
	(void)s;
	(void)digest;
	(void)from;
	*mounted = 0;
	return 0;
}

static int l_blob_put(struct store *s, const char *digest, uint64_t size,
		      int fd, uint64_t offset)
{
	struct layout *l = (struct layout *)s;
	struct tempfile t = { -1, NULL, NULL, -1 };
	char *f = blob_file(l, digest), got[DIGEST_STR_LEN];
	unsigned char *buf = xmalloc(BUF);
	struct sha256 h;
	uint64_t done = 0;
	int rc = ensure_layout(l);

	if (!rc)
		rc = tempfile_create(&t, f, 0644);
	if (!rc)
		rc = sha256_init(&h);
	while (!rc && done < size) {
		size_t want = size - done < BUF ? (size_t)(size - done) : BUF;
		ssize_t n = pread(fd, buf, want, (off_t)(offset + done));

		if (n <= 0) {
			rc = mlops_error_errno(MLOPS_EIO, n < 0 ? errno : EIO,
					       "cannot read the bundle");
			sha256_free(&h);
			break;
		}
		sha256_update(&h, buf, (size_t)n);
		if (fs_write_all(t.fd, buf, (size_t)n) < 0) {
			rc = mlops_error_errno(MLOPS_EIO, errno,
					       "cannot write '%s'", f);
			sha256_free(&h);
			break;
		}
		done += (uint64_t)n;
		if (s->opts && s->opts->progress)
			s->opts->progress(s->opts->progress_ctx, (uint64_t)n);
	}
	if (!rc) {
		sha256_final_digest(&h, got);
		if (strcmp(got, digest))
			rc = mlops_error_set(MLOPS_EINPUT, "blob %s does not "
					     "match its digest", digest);
	}
	if (!rc)
		rc = tempfile_commit(&t);
	tempfile_discard(&t);
	free(buf);
	free(f);
	return rc;
}

static int l_blob_get(struct store *s, const char *digest, uint64_t from,
		      byte_sink sink, void *ctx)
{
	char *f = blob_file((struct layout *)s, digest);
	unsigned char *buf;
	int fd = fs_open_regular(f, NULL), rc = 0;
	ssize_t n;

	if (fd < 0) {
		rc = mlops_error_set(MLOPS_EINPUT, "%s: blob %s is not there",
				     s->name, digest);
		free(f);
		return rc;
	}
	buf = xmalloc(BUF);
	if (from)
		lseek(fd, (off_t)from, SEEK_SET);
	while ((n = read(fd, buf, BUF)) > 0 && !rc)
		rc = sink(ctx, buf, (size_t)n);
	if (n < 0 && !rc)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot read '%s'", f);
	close(fd);
	free(buf);
	free(f);
	return rc;
}

/* index.json, or an empty index. */
static int read_index(struct layout *l, json_t **out)
{
	struct strbuf p = STRBUF_INIT, text = STRBUF_INIT;
	int rc;

	strbuf_addf(&p, "%s/index.json", l->dir);
	if (!fs_exists(p.buf)) {
		*out = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
				 "mediaType", MT_OCI_INDEX, "manifests");
		strbuf_release(&p);
		return 0;
	}
	rc = fs_read_file(p.buf, INDEX_MAX, &text);
	if (!rc)
		rc = json_parse_buf(out, text.buf, text.len, p.buf);
	if (!rc && !json_is_array(json_object_get(*out, "manifests"))) {
		json_decref(*out);
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' lists no manifests",
				     p.buf);
	}
	strbuf_release(&p);
	strbuf_release(&text);
	return rc;
}

/* A lock file beside index.json: O_EXCL, waiting up to 10 s. */
static int lock_index(struct layout *l, char **lock)
{
	struct strbuf p = STRBUF_INIT;
	int i, fd = -1;

	strbuf_addf(&p, "%s/index.json.lock", l->dir);
	for (i = 0; i < 200; i++) {
		fd = open(p.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	}
	if (fd < 0) {
		int rc = mlops_error_errno(MLOPS_EIO, errno, "cannot lock '%s'",
					   p.buf);

		strbuf_release(&p);
		return rc;
	}
	close(fd);
	*lock = strbuf_detach(&p);
	return 0;
}

static int l_manifest_put(struct store *s, const char *reference,
			  const char *media_type, const void *data, size_t len)
{
	struct layout *l = (struct layout *)s;
	char digest[DIGEST_STR_LEN], *f, *lock = NULL;
	struct strbuf text = STRBUF_INIT, p = STRBUF_INIT;
	json_t *index = NULL, *kept, *m, *desc;
	size_t i;
	int rc = ensure_layout(l);

	sha256_digest_buf(data, len, digest);
	f = blob_file(l, digest);
	if (!rc && !fs_exists(f))
		rc = fs_write_atomic(f, data, len, 0644);
	free(f);
	if (rc || !strncmp(reference, "sha256:", 7))
		return rc;
	rc = lock_index(l, &lock);
	if (rc)
		return rc;
	rc = read_index(l, &index);
	if (rc)
		goto done;
	kept = json_array();
	json_array_foreach(json_object_get(index, "manifests"), i, m) {
		const char *name = json_str(json_object_get(m, "annotations"),
					    AN_REF_NAME);

		if (!name || strcmp(name, reference))
			json_array_append(kept, m);
	}
	desc = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", media_type,
			 "digest", digest, "size", (json_int_t)len,
			 "annotations", AN_REF_NAME, reference);
	json_array_append_new(kept, desc);
	json_object_set_new(index, "manifests", kept);
	json_dump_strbuf(index, JSON_DUMP_COMPACT, &text);
	strbuf_addf(&p, "%s/index.json", l->dir);
	rc = fs_write_atomic(p.buf, text.buf, text.len, 0644);
done:
	unlink(lock);
	free(lock);
	json_decref(index);
	strbuf_release(&text);
	strbuf_release(&p);
	return rc;
}

static int l_manifest_get(struct store *s, const char *reference,
			  struct strbuf *body, struct strbuf *media_type)
{
	struct layout *l = (struct layout *)s;
	const char *digest = NULL, *mt = MT_OCI_MANIFEST;
	json_t *index = NULL, *m;
	char *f;
	size_t i;
	int rc;

	if (!strncmp(reference, "sha256:", 7)) {
		digest = reference;
	} else {
		rc = read_index(l, &index);
		if (rc)
			return rc;
		json_array_foreach(json_object_get(index, "manifests"), i, m) {
			const char *name = json_str(json_object_get(m,
								    "annotations"),
						    AN_REF_NAME);

			if (name && !strcmp(name, reference)) {
				digest = json_str(m, "digest");
				if (json_str(m, "mediaType"))
					mt = json_str(m, "mediaType");
			}
		}
	}
	if (!digest || !digest_is_valid(digest)) {
		rc = mlops_error_set(MLOPS_EINPUT, "%s: no manifest '%s'",
				     s->name, reference);
		json_decref(index);
		return rc;
	}
	strbuf_addstr(media_type, mt);
	f = blob_file(l, digest);
	rc = fs_read_file(f, INDEX_MAX, body);
	free(f);
	/* digest points into index: report before it is freed. */
	if (rc)
		rc = mlops_error_set(MLOPS_EINPUT, "%s: manifest %s is missing",
				     s->name, digest);
	json_decref(index);
	return rc;
}

static int l_tags(struct store *s, json_t **out)
{
	json_t *index = NULL, *m;
	size_t i;
	int rc = read_index((struct layout *)s, &index);

	if (rc)
		return rc;
	*out = json_array();
	json_array_foreach(json_object_get(index, "manifests"), i, m) {
		const char *name = json_str(json_object_get(m, "annotations"),
					    AN_REF_NAME);

		if (name)
			json_array_append_new(*out, json_string(name));
	}
	json_decref(index);
	return 0;
}

static void l_close(struct store *s)
{
	struct layout *l = (struct layout *)s;

	ref_free(&s->ref);
	free(s->name);
	free(l->dir);
	free(l);
}

static int l_clone(struct store *s, struct store **out);

static const struct store_ops layout_ops = {
	l_blob_exists, l_blob_mount, l_blob_put,     l_blob_get,
	l_manifest_put, l_manifest_get, l_tags, l_clone, l_close,
};

int layout_store_open(struct store **out, const struct ref *ref,
		      const struct store_opts *opts)
{
	struct layout *l = xcalloc(1, sizeof(*l));

	l->base.ops = &layout_ops;
	l->base.opts = opts;
	l->base.ref.kind = REF_LAYOUT;
	l->base.ref.path = xstrdup(ref->path);
	l->base.name = xstrdup(ref->path);
	l->dir = xstrdup(ref->path);
	*out = &l->base;
	return 0;
}

static int l_clone(struct store *s, struct store **out)
{
	return layout_store_open(out, &s->ref, s->opts);
}
