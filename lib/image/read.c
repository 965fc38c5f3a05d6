#include "read.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bundle/mediatypes.h"
#include "../bundle/reader.h"
#include "../bundle/tarindex.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/sha256.h"
#include "base.h"
#include "image.h"

#define DOC_MAX (4u << 20)

/* A byte range of a file, read through libarchive. */
struct span_reader {
	int fd;
	uint64_t off, end;
	char buf[65536];
};

static la_ssize_t span_read(struct archive *a, void *ctx, const void **out)
{
	struct span_reader *r = ctx;
	size_t want = sizeof(r->buf);
	ssize_t n;

	(void)a;
	if (r->off >= r->end)
		return 0;
	if (r->end - r->off < want)
		want = (size_t)(r->end - r->off);
	n = pread(r->fd, r->buf, want, (off_t)r->off);
	if (n < 0)
		return -1;
	r->off += (uint64_t)n;
	*out = r->buf;
	return n;
}

static int span_digest(int fd, uint64_t off, uint64_t size,
		       char out[DIGEST_STR_LEN])
{
	struct sha256 h;
	char buf[65536];
	int rc = sha256_init(&h);

	while (!rc && size) {
		ssize_t n = pread(fd, buf, size < sizeof(buf) ? (size_t)size
							      : sizeof(buf),
				  (off_t)off);

		if (n <= 0) {
			sha256_free(&h);
			return mlops_error_errno(MLOPS_EIO, n < 0 ? errno : EIO,
						 "cannot read the image");
		}
		sha256_update(&h, buf, (size_t)n);
		off += (uint64_t)n;
		size -= (uint64_t)n;
	}
	if (!rc)
		sha256_final_digest(&h, out);
	return rc;
}

static const char *entry_name(struct archive_entry *e)
{
	const char *n = archive_entry_pathname(e);

	while (n && (*n == '/' || (n[0] == '.' && n[1] == '/')))
		n += *n == '/' ? 1 : 2;
	return n ? n : "";
}

/* /srv/model/bundle.mlpkg of a layer (gzip or plain tar) into tmp. */
static int extract_bundle(struct image_bundle *ib, int fd, uint64_t off,
			  uint64_t size, const char *digest, const char *what)
{
	struct span_reader r = { fd, off, off + size };
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char got[DIGEST_STR_LEN], *target = NULL;
	const char *tmpdir = getenv("TMPDIR");
	int rc = span_digest(fd, off, size, got), found = 0, ar;

	if (!rc && strcmp(got, digest))
		rc = mlops_error_set(MLOPS_EINPUT, "%s: layer %s does not match "
				     "its digest", what, digest);
	if (!rc) {
		target = fs_join(tmpdir && *tmpdir ? tmpdir : "/tmp",
				 "mlops-image-bundle.mlpkg");
		rc = tempfile_create(&ib->tmp, target, 0600);
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (!rc && archive_read_open(a, &r, NULL, span_read, NULL) != ARCHIVE_OK)
		rc = mlops_error_set(MLOPS_EINPUT, "%s: the model layer is not "
				     "a tar: %s", what, archive_error_string(a));
	while (!rc && !found &&
	       (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const void *buf;
		size_t len;
		la_int64_t at;

		if (strcmp(entry_name(e), IMAGE_BUNDLE_PATH + 1) ||
		    archive_entry_filetype(e) != AE_IFREG)
			continue;
		found = 1;
		while (!rc && (ar = archive_read_data_block(a, &buf, &len, &at)) ==
				      ARCHIVE_OK)
			if (fs_write_all(ib->tmp.fd, buf, len) < 0)
				rc = mlops_error_errno(MLOPS_EIO, errno, "cannot "
						       "write '%s'",
						       ib->tmp.path);
		if (!rc && ar != ARCHIVE_EOF)
			rc = mlops_error_set(MLOPS_EINPUT, "%s: the model layer "
					     "is damaged: %s", what,
					     archive_error_string(a));
	}
	if (!rc && !found)
		rc = mlops_error_set(MLOPS_EINPUT, "%s holds no %s in its last "
				     "layer", what, IMAGE_BUNDLE_PATH);
	archive_read_free(a);
	free(target);
	return rc;
}

/* index.json of an OCI layout tar; 0 when the file is no such tar. */
static int layout_index(const char *path, json_t **index)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct strbuf sb = STRBUF_INIT;
	/* A FIFO or a device must not block us: bundle_open refuses it. */
	int fd = fs_open_regular(path, NULL);

	*index = NULL;
	if (fd < 0) {
		mlops_error_clear();
		archive_read_free(a);
		return 0;
	}
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK)
		while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
			la_ssize_t n;
			char buf[8192];

			if (strcmp(entry_name(e), "index.json") ||
			    archive_entry_size(e) > DOC_MAX)
				continue;
			while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
				strbuf_add(&sb, buf, (size_t)n);
			*index = json_loadb(sb.buf ? sb.buf : "", sb.len, 0, NULL);
			break;
		}
	archive_read_free(a);
	close(fd);
	strbuf_release(&sb);
	return *index != NULL;
}

static int span_json(int fd, const struct blob_span *s, json_t **out,
		     const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	char got[DIGEST_STR_LEN];
	int rc = 0;

	*out = NULL;
	if (!s || s->size > DOC_MAX)
		return 0;
	strbuf_grow(&sb, (size_t)s->size);
	if (pread(fd, sb.buf, (size_t)s->size, (off_t)s->offset) !=
	    (ssize_t)s->size)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot read '%s'",
				       what);
	sb.len = (size_t)s->size;
	if (!rc) {
		sha256_digest_buf(sb.buf, sb.len, got);
		if (strcmp(got, s->digest))
			rc = mlops_error_set(MLOPS_EINPUT, "'%s': blob %s does "
					     "not match its digest", what,
					     s->digest);
	}
	if (!rc)
		*out = json_loadb(sb.buf, sb.len, 0, NULL);
	strbuf_release(&sb);
	return rc;
}

static const char *first_manifest(const json_t *index)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(index, "manifests"), i, m)
		if (json_str(m, "mediaType") &&
		    !strcmp(json_str(m, "mediaType"), MT_OCI_MANIFEST))
			return json_str(m, "digest");
	return NULL;
}

static int is_image_config(const json_t *manifest)
{
	const char *mt = json_str(json_object_get(manifest, "config"),
				  "mediaType");

	return mt && !strcmp(mt, MT_OCI_IMAGE_CONFIG);
}

static void describe(struct image_bundle *ib, const char *source,
		     const char *digest, const char *config_digest,
		     const json_t *config)
{
	const json_t *c = json_object_get(config, "config");

	ib->image = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:O?, s:O?, s:O?, "
			      "s:s?}",
			      "source", source, "digest", digest,
			      "config_digest", config_digest, "created",
			      json_str(config, "created"), "architecture",
			      json_str(config, "architecture"), "labels",
			      json_object_get(c, "Labels"), "entrypoint",
			      json_object_get(c, "Entrypoint"), "cmd",
			      json_object_get(c, "Cmd"), "user",
			      json_str(c, "User"));
}

static int no_label(const char *what)
{
	return mlops_error_set(MLOPS_EINPUT, "%s is an image, but not one "
			       "mlops image built (no %s label)", what,
			       LABEL_BUNDLE_DIGEST);
}

static int from_file(struct image_bundle *ib, const char *path)
{
	struct blob_span *spans = NULL;
	const struct blob_span *layer;
	json_t *index = NULL, *m = NULL, *config = NULL, *last;
	const char *md;
	size_t n = 0;
	int fd = -1, rc = 0;

	if (!layout_index(path, &index) || !(md = first_manifest(index)))
		goto done; /* not an OCI layout: not ours to say */
	/* Until the manifest says "image", what is wrong is bundle_open's
	 * to say. */
	if (tarindex_blobs(&spans, &n, path) < 0 ||
	    (fd = fs_open_regular(path, NULL)) < 0 ||
	    span_json(fd, tarindex_find(spans, n, md), &m, path) < 0)
		mlops_error_clear();
	if (!is_image_config(m))
		goto done; /* a bundle's config is ModelPack's */
	if (!json_is_array(json_object_get(m, "layers")) ||
	    !json_array_size(json_object_get(m, "layers")) ||
	    !json_str(json_object_get(m, "config"), "digest"))
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is an image with a "
				     "malformed manifest (no config digest, or "
				     "no layers)", path);
	if (!rc)
		rc = span_json(fd, tarindex_find(spans, n,
						 json_str(json_object_get(m, "config"),
							  "digest")),
			       &config, path);
	if (!rc && !config)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is an image whose "
				     "config blob is missing or not JSON",
				     path);
	if (!rc && !json_str(json_object_get(json_object_get(config, "config"),
					     "Labels"), LABEL_BUNDLE_DIGEST))
		rc = no_label(path);
	last = json_array_get(json_object_get(m, "layers"),
			      json_array_size(json_object_get(m, "layers")) - 1);
	layer = tarindex_find(spans, n, json_str(last, "digest"));
	if (!rc && !layer)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' lacks the blob of its "
				     "last layer", path);
	if (!rc)
		rc = extract_bundle(ib, fd, layer->offset, layer->size,
				    layer->digest, path);
	if (!rc) {
		describe(ib, path, md, json_str(json_object_get(m, "config"),
						"digest"),
			 config);
		rc = 1;
	}
done:
	if (fd >= 0)
		close(fd);
	free(spans);
	json_decref(index);
	json_decref(m);
	json_decref(config);
	return rc;
}

static int from_registry(struct image_bundle *ib, const char *text,
			 const struct store_opts *so)
{
	struct remote_image img;
	size_t nl;
	int fd = -1;
	int rc = remote_image_open(&img, text, NULL, so);

	if (rc)
		return rc;
	nl = json_array_size(json_object_get(img.manifest, "layers"));
	if (!json_str(json_object_get(json_object_get(img.config, "config"),
				      "Labels"), LABEL_BUNDLE_DIGEST) || !nl)
		rc = no_label(text);
	if (!rc)
		rc = remote_image_layer_fetch(&img, nl - 1, &fd);
	if (!rc)
		rc = extract_bundle(ib, fd, 0, (uint64_t)lseek(fd, 0, SEEK_END),
				    json_str(json_array_get(json_object_get(
								    img.manifest,
								    "layers"),
							    nl - 1),
					     "digest"),
				    text);
	if (!rc) {
		describe(ib, text, img.digest, img.config_digest, img.config);
		rc = 1;
	}
	if (fd >= 0)
		close(fd);
	remote_image_close(&img);
	return rc;
}

/* Docker's rule: a first component with '.' or ':', or "localhost",
 * names a registry. */
static int looks_remote(const char *arg)
{
	size_t first = strcspn(arg, "/");

	return arg[first] == '/' &&
	       (memchr(arg, '.', first) || memchr(arg, ':', first) ||
		(first == 9 && !strncmp(arg, "localhost", 9)));
}

int image_bundle_open(struct image_bundle *ib, const char *arg,
		      const struct store_opts *so)
{
	struct bundle *b = NULL;
	struct stat st;
	const char *want;
	int rc;

	memset(ib, 0, sizeof(*ib));
	ib->tmp.fd = -1;
	ib->tmp.slot = -1;
	if (!stat(arg, &st))
		rc = S_ISREG(st.st_mode) ? from_file(ib, arg) : 0;
	else if (looks_remote(arg))
		rc = from_registry(ib, arg, so);
	else
		rc = 0;
	if (rc <= 0)
		goto fail;
	/* The bundle is the one the image says it serves. */
	rc = bundle_open(&b, ib->tmp.path, NULL);
	want = json_str(json_object_get(ib->image, "labels"),
			LABEL_BUNDLE_DIGEST);
	if (!rc && strcmp(b->manifest_digest, want))
		rc = mlops_error_set(MLOPS_EINPUT, "%s holds the bundle %s, but "
				     "its label says %s", arg,
				     b->manifest_digest, want);
	bundle_free(b);
	if (!rc)
		return 1;
fail:
	image_bundle_close(ib);
	return rc;
}

void image_bundle_close(struct image_bundle *ib)
{
	tempfile_discard(&ib->tmp);
	json_decref(ib->image);
	ib->image = NULL;
}
