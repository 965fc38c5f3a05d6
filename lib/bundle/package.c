#include "package.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/tempfile.h"
#include "../core/timeutil.h"
#include "collect.h"
#include "lockfile.h"
#include "manifest.h"
#include "mediatypes.h"
#include "sbom.h"
#include "signature.h"
#include "tarwriter.h"

#define COPY_BUFFER (1u << 20)
#define LOCKFILE_MAX_BYTES (16u << 20)
#define BLOB_PREFIX "blobs/sha256/"
/* Same length as every final blob name. */
#define PLACEHOLDER BLOB_PREFIX \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define MAX_LAYERS 4096

struct writer {
	const struct descriptor *d;
	const struct package_opts *opts;
	struct file_set files;
	struct tarw *tar;
	int64_t epoch;
	char created[32];
	unsigned char *buf;
	uint64_t done;
	struct layer_desc *layers; /* MAX_LAYERS */
	size_t nlayers;
	char **written; /* digests of blobs in the archive */
	size_t nwritten, written_alloc;
};

static void warn(struct writer *w, const char *fmt, ...) MLOPS_PRINTF(2, 3);

static void warn(struct writer *w, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!w->opts->warn)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	w->opts->warn(w->opts->warn_ctx, sb.buf);
	strbuf_release(&sb);
}

static int blob_written(struct writer *w, const char *digest)
{
	size_t i;

	for (i = 0; i < w->nwritten; i++)
		if (!strcmp(w->written[i], digest))
			return 1;
	return 0;
}

static void mark_written(struct writer *w, const char *digest)
{
	ARRAY_GROW(w->written, w->nwritten + 1, w->written_alloc);
	w->written[w->nwritten++] = xstrdup(digest);
}

static char *blob_path(const char *digest)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, BLOB_PREFIX "%s", digest + 7);
	return strbuf_detach(&sb);
}

/* A blob already in memory (JSON documents). */
static int add_buf_blob(struct writer *w, const void *data, size_t len,
			char digest[DIGEST_STR_LEN])
{
	char *path;
	int rc;

	sha256_digest_buf(data, len, digest);
	if (!digest[0])
		return MLOPS_EINTERNAL;
	if (blob_written(w, digest))
		return 0;
	path = blob_path(digest);
	rc = tarw_add_buf(w->tar, path, data, len, 0644);
	free(path);
	if (!rc)
		mark_written(w, digest);
	return rc;
}

static int add_json_blob(struct writer *w, const json_t *j,
			 char digest[DIGEST_STR_LEN], uint64_t *size)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	json_dump_strbuf(j, JSON_DUMP_COMPACT, &sb);
	*size = sb.len;
	rc = add_buf_blob(w, sb.buf, sb.len, digest);
	strbuf_release(&sb);
	return rc;
}

/* Gives the blob just streamed under PLACEHOLDER its name, or drops it
 * when the archive already holds that content. */
static int settle_blob(struct writer *w, const char *digest)
{
	char *path;
	int rc;

	if (blob_written(w, digest))
		return tarw_drop_last(w->tar);
	path = blob_path(digest);
	rc = tarw_rename_last(w->tar, PLACEHOLDER, path);
	free(path);
	if (!rc)
		mark_written(w, digest);
	return rc;
}

typedef int (*chunk_fn)(void *ctx, const void *data, size_t len);

/* Reads f once, in COPY_BUFFER pieces, into `fn`, hashing on the way.
 * A file that changes size under us is an error, never a silent cut. */
static int stream_file(struct writer *w, struct bundle_file *f, chunk_fn fn,
		       void *ctx)
{
	struct sha256 h;
	uint64_t left = f->size;
	int fd, rc = 0;

	fd = fs_open_regular(f->src, NULL);
	if (fd < 0)
		return fd;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	rc = sha256_init(&h);
	if (rc) {
		close(fd);
		return rc;
	}
	while (left) {
		size_t want = left < COPY_BUFFER ? (size_t)left : COPY_BUFFER;
		ssize_t n = read(fd, w->buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mlops_error_errno(MLOPS_EIO, errno,
					       "cannot read '%s'", f->path);
			goto done;
		}
		if (n == 0) {
			rc = mlops_error_set(MLOPS_EIO, "'%s' shrank while it "
					     "was being packaged", f->path);
			goto done;
		}
		sha256_update(&h, w->buf, (size_t)n);
		rc = fn(ctx, w->buf, (size_t)n);
		if (rc)
			goto done;
		left -= (uint64_t)n;
		w->done += (uint64_t)n;
		if (w->opts->progress)
			w->opts->progress(w->opts->progress_ctx, w->done,
					  w->files.total_bytes);
	}
	{
		char extra;
		ssize_t n = read(fd, &extra, 1);

		if (n > 0)
			rc = mlops_error_set(MLOPS_EIO, "'%s' grew while it was "
					     "being packaged", f->path);
	}
done:
	if (rc)
		sha256_free(&h);
	else
		sha256_final_digest(&h, f->digest);
	close(fd);
	return rc;
}

static int to_tar(void *ctx, const void *data, size_t len)
{
	return tarw_write(ctx, data, len);
}

static struct layer_desc *new_layer(struct writer *w, const char *media_type)
{
	struct layer_desc *l;

	if (w->nlayers >= MAX_LAYERS)
		return NULL;
	l = &w->layers[w->nlayers++];
	memset(l, 0, sizeof(*l));
	l->media_type = media_type;
	return l;
}

static int too_many_layers(void)
{
	return mlops_error_set(MLOPS_EINPUT, "more than %d model files; put "
			       "them in fewer files", MAX_LAYERS - 8);
}

/* One raw weight layer per model file (ModelPack: weights uncompressed,
 * one file a layer). */
static int add_weight(struct writer *w, struct bundle_file *f)
{
	struct strbuf meta = STRBUF_INIT;
	struct layer_desc *l = new_layer(w, MT_WEIGHT_RAW);
	json_t *m;
	int rc;

	if (!l)
		return too_many_layers();
	rc = tarw_begin(w->tar, PLACEHOLDER, f->size, 0644);
	if (!rc)
		rc = stream_file(w, f, to_tar, w->tar);
	if (!rc)
		rc = tarw_end(w->tar);
	if (!rc)
		rc = settle_blob(w, f->digest);
	if (rc)
		return rc;
	memcpy(l->digest, f->digest, DIGEST_STR_LEN);
	memcpy(f->layer, f->digest, DIGEST_STR_LEN);
	l->size = f->size;
	m = json_pack("{s:s, s:i, s:i, s:i, s:I, s:s, s:i}", "name",
		      fs_basename(f->path), "mode", f->exec ? 0755 : 0644,
		      "uid", 0, "gid", 0, "size", (json_int_t)f->size, "mtime",
		      w->created, "typeflag", '0');
	json_dump_strbuf(m, JSON_DUMP_COMPACT, &meta);
	json_decref(m);
	l->annotations = json_pack("{s:s, s:s}", AN_FILEPATH, f->path,
				   AN_FILE_METADATA, meta.buf);
	strbuf_release(&meta);
	return 0;
}

static int count_bytes(void *ctx, const void *data, size_t len)
{
	(void)data;
	*(uint64_t *)ctx += len;
	return 0;
}

/* The exact size of the tar layer for `kind`, found by writing its
 * headers through the same writer to a counter: the writer pads the
 * unwritten data with zeros, so no file is read. */
static int tar_layer_size(struct writer *w, enum file_kind kind,
			  uint64_t *size)
{
	struct tarw *t;
	size_t i;
	int rc;

	*size = 0;
	rc = tarw_open_sink(&t, count_bytes, size, (time_t)w->epoch);
	for (i = 0; !rc && i < w->files.n; i++) {
		struct bundle_file *f = &w->files.v[i];

		if (f->kind != kind)
			continue;
		rc = tarw_begin(t, f->path, f->size, f->exec ? 0755 : 0644);
		if (!rc)
			rc = tarw_end(t);
	}
	if (rc) {
		tarw_abort(t);
		return rc;
	}
	return tarw_close(t);
}

struct layer_sink {
	struct tarw *outer;
	struct sha256 h;
	uint64_t bytes;
};

static int to_layer(void *ctx, const void *data, size_t len)
{
	struct layer_sink *s = ctx;

	sha256_update(&s->h, data, len);
	s->bytes += len;
	return tarw_write(s->outer, data, len);
}

static int to_inner(void *ctx, const void *data, size_t len)
{
	return tarw_write(ctx, data, len);
}

/* All files of one kind as a tar layer inside the bundle's tar, streamed:
 * each file is read once, hashed on its own, and the layer hashed too. */
static int add_tar_layer(struct writer *w, enum file_kind kind,
			 const char *media_type, const char *title)
{
	struct layer_sink sink = { w->tar };
	struct layer_desc *l;
	struct tarw *inner = NULL;
	uint64_t size;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < w->files.n; i++)
		n += w->files.v[i].kind == kind;
	if (!n)
		return 0;
	l = new_layer(w, media_type);
	if (!l)
		return too_many_layers();
	rc = tar_layer_size(w, kind, &size);
	if (rc)
		return rc;
	rc = tarw_begin(w->tar, PLACEHOLDER, size, 0644);
	if (rc)
		return rc;
	rc = sha256_init(&sink.h);
	if (rc)
		return rc;
	rc = tarw_open_sink(&inner, to_layer, &sink, (time_t)w->epoch);
	for (i = 0; !rc && i < w->files.n; i++) {
		struct bundle_file *f = &w->files.v[i];

		if (f->kind != kind)
			continue;
		rc = tarw_begin(inner, f->path, f->size, f->exec ? 0755 : 0644);
		if (!rc)
			rc = stream_file(w, f, to_inner, inner);
		if (!rc)
			rc = tarw_end(inner);
	}
	if (rc) {
		tarw_abort(inner);
		sha256_free(&sink.h);
		return rc;
	}
	rc = tarw_close(inner);
	if (!rc && sink.bytes != size)
		rc = mlops_error_set(MLOPS_EINTERNAL, "%s layer: %llu bytes "
				     "written, %llu expected", title,
				     (unsigned long long)sink.bytes,
				     (unsigned long long)size);
	if (rc) {
		sha256_free(&sink.h);
		return rc;
	}
	sha256_final_digest(&sink.h, l->digest);
	l->size = size;
	l->annotations = json_pack("{s:s}", AN_TITLE, title);
	for (i = 0; i < w->files.n; i++)
		if (w->files.v[i].kind == kind)
			memcpy(w->files.v[i].layer, l->digest, DIGEST_STR_LEN);
	rc = tarw_end(w->tar);
	if (!rc)
		rc = settle_blob(w, l->digest);
	return rc;
}

static json_t *files_json(const struct file_set *fs)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct bundle_file *f = &fs->v[i];
		json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i}", "path",
				      f->path, "kind", file_kind_name(f->kind),
				      "size", (json_int_t)f->size, "digest",
				      f->digest, "layer", f->layer, "mode",
				      f->exec ? 0755 : 0644);

		if (f->role)
			json_object_set_new(o, "role", json_string(f->role));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *provenance_json(const struct provenance *p, const char *created,
			       const char *epoch_source)
{
	json_t *o = json_object();

	json_object_set_new(o, "git", json_boolean(p->in_repo));
	json_object_set_new(o, "commit",
			    p->commit[0] ? json_string(p->commit) : json_null());
	json_object_set_new(o, "dirty",
			    p->in_repo ? json_boolean(p->dirty) : json_null());
	json_object_set_new(o, "branch",
			    p->branch ? json_string(p->branch) : json_null());
	json_object_set_new(o, "remote",
			    p->remote ? json_string(p->remote) : json_null());
	json_object_set_new(o, "build_time", json_string(created));
	json_object_set_new(o, "build_time_source", json_string(epoch_source));
	return o;
}

static void collect_dependencies(struct writer *w, struct dep_list *deps)
{
	size_t i;

	for (i = 0; i < w->d->ndependencies; i++) {
		const char *path = w->d->dependencies[i];
		const char *base = fs_basename(path);
		struct strbuf text = STRBUF_INIT;
		char *src;

		if (!strstr(base, ".txt") && !strstr(base, "requirements")) {
			warn(w, "'%s' is not in pip's requirements format; it "
			     "is bundled but its packages are not listed in "
			     "the SBOM", path);
			continue;
		}
		if (project_file(&src, w->d->dir, path, "dependencies") == 0 &&
		    fs_read_file(src, LOCKFILE_MAX_BYTES, &text) == 0)
			lockfile_parse_requirements(deps, text.buf, text.len);
		free(src);
		strbuf_release(&text);
	}
	dep_list_finish(deps);
	if (deps->unpinned)
		warn(w, "%zu requirement%s not pinned with '==' (first: '%s'); "
		     "unpinned packages are left out of the SBOM",
		     deps->unpinned, deps->unpinned == 1 ? " is" : "s are",
		     deps->first_unpinned);
}

int bundle_resolve_epoch(int64_t *epoch, const char **source,
			 const struct provenance *prov)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");

	if (s && *s) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		/* Up to the year 9999: what ISO 8601 and tar can hold. */
		if (*end || errno || v < 0 || v > 253402300799LL)
			return mlops_error_set(MLOPS_EINPUT, "SOURCE_DATE_EPOCH "
					       "must be a whole number of "
					       "seconds, not '%s'", s);
		*epoch = v;
		*source = "SOURCE_DATE_EPOCH";
		return 0;
	}
	if (prov->in_repo && prov->commit[0]) {
		*epoch = prov->commit_time;
		*source = "commit";
		return 0;
	}
	*epoch = 0;
	*source = "none";
	return 0;
}

char *bundle_default_filename(const struct descriptor *d)
{
	struct strbuf sb = STRBUF_INIT;
	char *p;

	strbuf_addf(&sb, "%s-%s.mlpkg", d->name, d->version);
	for (p = sb.buf; *p; p++)
		if (*p == '/')
			*p = '-';
	return strbuf_detach(&sb);
}

/* The signature artifact's blobs, and its entry in the index. */
static int add_signature(struct writer *w, struct package_result *res,
			 uint64_t manifest_size, json_t *index)
{
	struct strbuf payload = STRBUF_INIT, manifest = STRBUF_INIT;
	char digest[DIGEST_STR_LEN];
	int rc = sig_make(&payload, &manifest, w->opts->sign, res->digest,
			  manifest_size);

	if (!rc)
		rc = add_buf_blob(w, "{}", 2, digest);
	if (!rc)
		rc = add_buf_blob(w, payload.buf, payload.len, digest);
	if (!rc)
		rc = add_buf_blob(w, manifest.buf, manifest.len,
				  res->signature);
	if (!rc)
		json_array_append_new(
			json_object_get(index, "manifests"),
			json_pack("{s:s, s:s, s:I, s:s}", "mediaType",
				  MT_OCI_MANIFEST, "digest", res->signature,
				  "size", (json_int_t)manifest.len,
				  "artifactType", MT_MLOPS_SIGNATURE));
	strbuf_release(&payload);
	strbuf_release(&manifest);
	return rc;
}

static int write_bundle(struct writer *w, struct package_result *res,
			const struct dep_list *deps)
{
	struct layer_desc *desc_layer, *sbom_layer;
	json_t *j, *config, *manifest, *index;
	char config_digest[DIGEST_STR_LEN];
	uint64_t config_size, manifest_size;
	struct sbom_input sin;
	char *ref;
	size_t i;
	int rc;

	rc = tarw_add_buf(w->tar, "oci-layout", OCI_LAYOUT_JSON,
			  strlen(OCI_LAYOUT_JSON), 0644);
	if (!rc)
		rc = tarw_add_dir(w->tar, "blobs/");
	if (!rc)
		rc = tarw_add_dir(w->tar, BLOB_PREFIX);
	for (i = 0; !rc && i < w->files.n; i++)
		if (w->files.v[i].kind == FILE_MODEL)
			rc = add_weight(w, &w->files.v[i]);
	if (!rc)
		rc = add_tar_layer(w, FILE_CODE, MT_CODE_TAR, "code.tar");
	if (!rc)
		rc = add_tar_layer(w, FILE_DOC, MT_DOC_TAR, "doc.tar");
	if (!rc)
		rc = add_tar_layer(w, FILE_DATASET, MT_DATASET_TAR, "dataset.tar");
	if (rc)
		return rc;

	/* mlops's own layer: what the bundle promises, and where it came
	 * from. */
	res->files = files_json(&w->files);
	desc_layer = new_layer(w, MT_MLOPS_DESCRIPTOR);
	j = json_pack("{s:i, s:o, s:O, s:o}", "schemaVersion", 1, "descriptor",
		      descriptor_to_json(w->d), "files", res->files,
		      "provenance",
		      provenance_json(&res->prov, w->created, res->epoch_source));
	if (w->opts->golden_predictions)
		json_object_set(j, "golden_predictions",
				(json_t *)w->opts->golden_predictions);
	if (w->opts->reference_profile)
		json_object_set(j, "reference_profile",
				(json_t *)w->opts->reference_profile);
	rc = add_json_blob(w, j, desc_layer->digest, &desc_layer->size);
	json_decref(j);
	desc_layer->annotations = json_pack("{s:s}", AN_TITLE, "mlops.json");
	if (rc)
		return rc;

	sin.d = w->d;
	sin.files = &w->files;
	sin.deps = deps;
	sin.prov = &res->prov;
	sin.epoch = w->epoch;
	sin.tool_version = w->opts->tool_version ? w->opts->tool_version
						 : "unknown";
	sbom_layer = new_layer(w, MT_CYCLONEDX);
	j = sbom_build(&sin);
	rc = add_json_blob(w, j, sbom_layer->digest, &sbom_layer->size);
	json_decref(j);
	sbom_layer->annotations = json_pack("{s:s}", AN_TITLE, "sbom.cdx.json");
	if (rc)
		return rc;

	config = manifest_config(w->d, &res->prov, w->created, w->layers,
				 w->nlayers);
	rc = add_json_blob(w, config, config_digest, &config_size);
	json_decref(config);
	if (rc)
		return rc;
	manifest = manifest_build(config_digest, config_size, w->layers,
				  w->nlayers, w->d, &res->prov, w->created);
	rc = add_json_blob(w, manifest, res->digest, &manifest_size);
	json_decref(manifest);
	if (rc)
		return rc;
	ref = manifest_ref_name(w->d->version);
	index = manifest_index(res->digest, manifest_size, ref);
	free(ref);
	if (w->opts->sign)
		rc = add_signature(w, res, manifest_size, index);
	if (!rc) {
		struct strbuf sb = STRBUF_INIT;

		json_dump_strbuf(index, JSON_DUMP_COMPACT, &sb);
		rc = tarw_add_buf(w->tar, "index.json", sb.buf, sb.len, 0644);
		strbuf_release(&sb);
	}
	json_decref(index);
	return rc;
}

int bundle_provenance(struct provenance *out, const struct descriptor *d)
{
	struct file_set files;
	const char **paths;
	size_t i;
	int rc = collect_files(&files, d);

	if (rc)
		return rc;
	paths = xcalloc(files.n + 1, sizeof(*paths));
	for (i = 0; i < files.n; i++)
		paths[i] = files.v[i].path;
	rc = gitrepo_provenance(out, d->dir, paths, files.n);
	free(paths);
	file_set_free(&files);
	return rc;
}

int bundle_package(struct package_result *res, const struct descriptor *d,
		   const struct package_opts *opts)
{
	struct writer w = { d, opts };
	struct dep_list deps = { 0 };
	struct tempfile tmp = { -1, NULL, NULL, -1 };
	const char **paths = NULL;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = collect_files(&w.files, d);
	if (rc)
		return rc;
	res->nfiles = w.files.n;
	paths = xcalloc(w.files.n + 1, sizeof(*paths));
	for (i = 0; i < w.files.n; i++)
		paths[i] = w.files.v[i].path;
	rc = gitrepo_provenance(&res->prov, d->dir, paths, w.files.n);
	free(paths);
	if (!rc)
		rc = bundle_resolve_epoch(&res->epoch, &res->epoch_source,
					  &res->prov);
	if (rc)
		goto done;
	w.epoch = res->epoch;
	w.layers = xcalloc(MAX_LAYERS, sizeof(*w.layers));
	time_iso8601(w.epoch, w.created);
	collect_dependencies(&w, &deps);

	res->path = opts->output ? xstrdup(opts->output)
				 : bundle_default_filename(d);
	rc = tempfile_create_output(&tmp, res->path, 0666);
	if (rc)
		goto done;
	rc = tarw_open_fd(&w.tar, tmp.fd, (time_t)w.epoch);
	if (rc)
		goto done;
	w.buf = xmalloc(COPY_BUFFER);
	rc = write_bundle(&w, res, &deps);
	if (rc) {
		tarw_abort(w.tar);
		goto done;
	}
	rc = tarw_close(w.tar);
	if (rc)
		goto done;
	res->size = (uint64_t)lseek(tmp.fd, 0, SEEK_END);
	rc = tempfile_commit(&tmp);
	if (!rc) {
		char *dir = fs_dirname(res->path);

		rc = fs_fsync_dir(dir);
		free(dir);
	}
done:
	tempfile_discard(&tmp);
	for (i = 0; i < w.nlayers; i++)
		json_decref(w.layers[i].annotations);
	free(w.layers);
	for (i = 0; i < w.nwritten; i++)
		free(w.written[i]);
	free(w.written);
	free(w.buf);
	dep_list_free(&deps);
	file_set_free(&w.files);
	if (rc)
		package_result_free(res);
	return rc;
}

void package_result_free(struct package_result *res)
{
	free(res->path);
	res->path = NULL;
	json_decref(res->files);
	res->files = NULL;
	provenance_free(&res->prov);
}
