#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../bundle/info.h"
#include "../bundle/manifest.h"
#include "../bundle/mediatypes.h"
#include "../bundle/package.h"
#include "../bundle/reader.h"
#include "../bundle/tarwriter.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/tempfile.h"
#include "../core/timeutil.h"
#include "../registry/ref.h"
#include "../registry/transfer.h"
#include "base.h"
#include "elfdeps.h"
#include "layer.h"
#include "rootfs.h"

#define IMAGE_PATH_ENV \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static const char passwd[] =
	"root:x:0:0:root:/root:/usr/sbin/nologin\n"
	"nonroot:x:65532:65532:nonroot:/nonexistent:/usr/sbin/nologin\n";
static const char group[] = "root:x:0:\nnonroot:x:65532:\n";
/* glibc's lookups from files only: no NSS module is in the image. */
static const char nsswitch[] =
	"passwd: files\ngroup: files\nhosts: files dns\n";

struct build {
	const struct image_opts *o;
	struct bundle *bundle;
	json_t *info;
	struct ref ref;
	char *tag;
	int64_t epoch;
	char created[32];
	const char *arch;
	struct elf_closure closure;
	struct remote_image base;
	int has_base;
	struct layer runtime, model;
	struct strbuf config, manifest;
	char config_digest[DIGEST_STR_LEN], digest[DIGEST_STR_LEN];
};

/* SOURCE_DATE_EPOCH, else the bundle's own creation time, else 0. */
static int resolve_epoch(struct build *b)
{
	struct provenance none;
	const char *source, *created = json_str(b->info, "created");
	int rc;

	memset(&none, 0, sizeof(none));
	rc = bundle_resolve_epoch(&b->epoch, &source, &none);
	if (!rc && !strcmp(source, "none") && created) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(created, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (end && !*end)
			b->epoch = (int64_t)timegm(&tm);
	}
	time_iso8601(b->epoch, b->created);
	return rc;
}

static int runtime_rootfs(struct rootfs *fs, const struct build *b,
			  const char *binary)
{
	size_t i;
	int rc = rootfs_add_file(fs, IMAGE_BINARY, binary, 0755);

	for (i = 0; !rc && i < b->closure.n; i++)
		rc = rootfs_add_host(fs, b->closure.libs[i].path);
	if (!rc && b->closure.interp)
		rc = rootfs_add_host(fs, b->closure.interp);
	if (!rc)
		rc = rootfs_add_dir(fs, IMAGE_CACHE_DIR, 01777);
	if (!rc)
		rc = rootfs_add_dir(fs, "/srv/model", 0755);
	if (rc || b->has_base)
		return rc; /* the base's /etc and /tmp stay as they are */
	rc = rootfs_add_dir(fs, "/tmp", 01777);
	if (!rc)
		rc = rootfs_add_data(fs, "/etc/passwd", passwd,
				     sizeof(passwd) - 1, 0644);
	if (!rc)
		rc = rootfs_add_data(fs, "/etc/group", group, sizeof(group) - 1,
				     0644);
	if (!rc)
		rc = rootfs_add_data(fs, "/etc/nsswitch.conf", nsswitch,
				     sizeof(nsswitch) - 1, 0644);
	if (!rc)
		rc = rootfs_add_host(fs, CA_BUNDLE);
	if (rc && !fs_exists(CA_BUNDLE))
		mlops_error_hint("the image takes this machine's CA "
				 "certificates: install ca-certificates");
	return rc;
}

static int write_layer(struct layer *out, struct rootfs *fs, int64_t epoch)
{
	struct layer_writer *w;
	struct tarw *t;
	int rc = layer_begin(&w, &t, (time_t)epoch);

	if (rc)
		return rc;
	rc = rootfs_write(fs, t);
	if (rc) {
		layer_abort(w);
		return rc;
	}
	return layer_finish(w, out);
}

static int build_layers(struct build *b)
{
	struct rootfs fs = { 0 };
	const char *binary = b->o->binary ? b->o->binary : "/proc/self/exe";
	int rc = runtime_rootfs(&fs, b, binary);

	if (!rc)
		rc = write_layer(&b->runtime, &fs, b->epoch);
	rootfs_free(&fs);
	if (rc)
		return rc;
	rc = rootfs_add_file(&fs, IMAGE_BUNDLE_PATH, b->o->bundle, 0444);
	if (!rc)
		rc = write_layer(&b->model, &fs, b->epoch);
	rootfs_free(&fs);
	return rc;
}

static json_t *str_array(const char *const *v)
{
	json_t *a = json_array();

	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *labels(const struct build *b)
{
	const json_t *prov = json_object_get(b->info, "provenance");
	json_t *l = json_object();

	json_object_set_new(l, AN_TITLE, json_string(json_str(b->info, "name")));
	json_object_set_new(l, AN_VERSION,
			    json_string(json_str(b->info, "version")));
	json_object_set_new(l, AN_CREATED, json_string(b->created));
	if (json_str(prov, "remote"))
		json_object_set_new(l, AN_SOURCE,
				    json_string(json_str(prov, "remote")));
	if (json_str(prov, "commit"))
		json_object_set_new(l, AN_REVISION,
				    json_string(json_str(prov, "commit")));
	json_object_set_new(l, LABEL_BUNDLE_DIGEST,
			    json_string(b->bundle->manifest_digest));
	json_object_set_new(l, LABEL_BUNDLE_NAME,
			    json_string(json_str(b->info, "name")));
	json_object_set_new(l, LABEL_BUNDLE_VERSION,
			    json_string(json_str(b->info, "version")));
	return l;
}

/* The base's Env with ours set over it, variable by variable. */
static json_t *merge_env(const json_t *base, const char *const *ours)
{
	json_t *env = json_array(), *v;
	size_t i, k;

	json_array_foreach(base, i, v) {
		const char *s = json_string_value(v);
		size_t klen = s ? strcspn(s, "=") : 0;
		int replaced = 0;

		for (k = 0; s && ours[k]; k++)
			replaced |= !strncmp(ours[k], s, klen + 1);
		if (s && !replaced)
			json_array_append_new(env, json_string(s));
	}
	for (k = 0; ours[k]; k++)
		json_array_append_new(env, json_string(ours[k]));
	return env;
}

static json_t *history(const struct build *b, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *h;

	strbuf_addf(&sb, "mlops image: %s", what);
	h = json_pack("{s:s, s:s}", "created", b->created, "created_by", sb.buf);
	strbuf_release(&sb);
	return h;
}

static json_t *image_config(const struct build *b)
{
	static const char *const entrypoint[] = { IMAGE_BINARY, "serve",
						  NULL };
	static const char *const cmd[] = { IMAGE_BUNDLE_PATH, "--listen",
					   IMAGE_LISTEN, NULL };
	static const char *const env[] = {
		IMAGE_PATH_ENV, "XDG_CACHE_HOME=" IMAGE_CACHE_DIR,
		"SSL_CERT_FILE=" CA_BUNDLE, NULL
	};
	json_t *c = b->has_base ? json_deep_copy(b->base.config) : json_object();
	json_t *cfg = json_object_get(c, "config"), *rootfs, *ids, *hist, *l;
	json_t *ports;
	const char *key;
	json_t *v;

	if (!json_is_object(cfg)) {
		cfg = json_object();
		json_object_set_new(c, "config", cfg);
	}
	json_object_set_new(c, "created", json_string(b->created));
	json_object_set_new(c, "architecture", json_string(b->arch));
	json_object_set_new(c, "os", json_string("linux"));
	json_object_set_new(cfg, "User", json_string(IMAGE_USER));
	ports = json_is_object(json_object_get(cfg, "ExposedPorts"))
			? json_object_get(cfg, "ExposedPorts")
			: NULL;
	if (!ports) {
		ports = json_object();
		json_object_set_new(cfg, "ExposedPorts", ports);
	}
	json_object_set_new(ports, "8080/tcp", json_object());
	json_object_set_new(cfg, "Env",
			    merge_env(json_object_get(cfg, "Env"), env));
	json_object_set_new(cfg, "Entrypoint", str_array(entrypoint));
	json_object_set_new(cfg, "Cmd", str_array(cmd));
	json_object_set_new(cfg, "WorkingDir", json_string("/srv/model"));
	json_object_set_new(cfg, "StopSignal", json_string("SIGTERM"));
	if (!json_is_object(json_object_get(cfg, "Labels")))
		json_object_set_new(cfg, "Labels", json_object());
	l = labels(b);
	json_object_foreach(l, key, v)
		json_object_set(json_object_get(cfg, "Labels"), key, v);
	json_decref(l);
	rootfs = json_object_get(c, "rootfs");
	if (!json_is_object(rootfs)) {
		rootfs = json_object();
		json_object_set_new(c, "rootfs", rootfs);
	}
	json_object_set_new(rootfs, "type", json_string("layers"));
	ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(ids)) {
		ids = json_array();
		json_object_set_new(rootfs, "diff_ids", ids);
	}
	json_array_append_new(ids, json_string(b->runtime.diff_id));
	json_array_append_new(ids, json_string(b->model.diff_id));
	hist = json_object_get(c, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(c, "history", hist);
	}
	json_array_append_new(hist, history(b, "mlops and its libraries"));
	json_array_append_new(hist, history(b, "the bundle"));
	return c;
}

static json_t *layer_desc(const struct layer *l, const char *role)
{
	return json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType",
			 MT_OCI_LAYER_GZIP, "digest", l->digest, "size",
			 (json_int_t)l->size, "annotations", "dev.mlops.layer",
			 role);
}

static void make_documents(struct build *b)
{
	json_t *config = image_config(b), *m, *layers;

	json_dump_strbuf(config, JSON_DUMP_COMPACT, &b->config);
	json_decref(config);
	sha256_digest_buf(b->config.buf, b->config.len, b->config_digest);
	layers = b->has_base ? json_deep_copy(json_object_get(b->base.manifest,
							      "layers"))
			     : json_array();
	json_array_append_new(layers, layer_desc(&b->runtime, "runtime"));
	json_array_append_new(layers, layer_desc(&b->model, "model"));
	m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2,
		      "mediaType", MT_OCI_MANIFEST, "config", "mediaType",
		      MT_OCI_IMAGE_CONFIG, "digest", b->config_digest, "size",
		      (json_int_t)b->config.len, "layers", layers);
	json_dump_strbuf(m, JSON_DUMP_COMPACT, &b->manifest);
	json_decref(m);
	sha256_digest_buf(b->manifest.buf, b->manifest.len, b->digest);
}

/* --- the OCI layout tar --- */

struct blob {
	const char *digest;
	uint64_t size;
	int fd;                    /* a layer of ours */
	const struct strbuf *mem;  /* config, manifest */
	size_t base_layer;         /* else a base layer, by index */
};

static int cmp_blob(const void *a, const void *b)
{
	return strcmp(((const struct blob *)a)->digest,
		      ((const struct blob *)b)->digest);
}

static int copy_fd(struct tarw *t, const struct blob *bl)
{
	char buf[65536], path[96];
	uint64_t off = 0;
	int rc;

	struct stat st;

	/* A size the manifest claims but the bytes do not have: refused
	 * before the tar header promises it (the padding of 2^50 claimed
	 * bytes would never end). */
	if (fstat(bl->fd, &st) < 0 || (uint64_t)st.st_size != bl->size)
		return mlops_error_set(MLOPS_EINPUT, "layer %s: its manifest "
				       "says %llu bytes, the blob has %llu",
				       bl->digest, (unsigned long long)bl->size,
				       (unsigned long long)st.st_size);
	snprintf(path, sizeof(path), "blobs/sha256/%s", bl->digest + 7);
	rc = tarw_begin(t, path, bl->size, 0644);
	while (!rc && off < bl->size) {
		size_t want = bl->size - off < sizeof(buf) ? (size_t)(bl->size - off)
							   : sizeof(buf);
		ssize_t n = pread(bl->fd, buf, want, (off_t)off);

		if (n <= 0)
			return mlops_error_errno(MLOPS_EIO, n < 0 ? errno : EIO,
						 "cannot read a layer back");
		rc = tarw_write(t, buf, (size_t)n);
		off += (uint64_t)n;
	}
	return rc ? rc : tarw_end(t);
}

static int write_blobs(struct build *b, struct tarw *t)
{
	const json_t *bl = json_object_get(b->base.manifest, "layers");
	size_t nbase = b->has_base ? json_array_size(bl) : 0, n = 0, i;
	struct blob *v = xcalloc(nbase + 4, sizeof(*v));
	int rc = 0;

	for (i = 0; i < nbase; i++) {
		v[n].digest = json_str(json_array_get(bl, i), "digest");
		v[n].fd = -1;
		v[n++].base_layer = i;
	}
	v[n++] = (struct blob){ b->runtime.digest, b->runtime.size,
				b->runtime.fd, NULL, 0 };
	v[n++] = (struct blob){ b->model.digest, b->model.size, b->model.fd,
				NULL, 0 };
	v[n++] = (struct blob){ b->config_digest, b->config.len, -1,
				&b->config, 0 };
	v[n++] = (struct blob){ b->digest, b->manifest.len, -1, &b->manifest,
				0 };
	qsort(v, n, sizeof(*v), cmp_blob);
	for (i = 0; !rc && i < n; i++) {
		char path[96];

		if (i && !strcmp(v[i].digest, v[i - 1].digest))
			continue; /* one file per blob */
		snprintf(path, sizeof(path), "blobs/sha256/%s", v[i].digest + 7);
		if (v[i].mem)
			rc = tarw_add_buf(t, path, v[i].mem->buf, v[i].mem->len,
					  0644);
		else if (v[i].fd >= 0)
			rc = copy_fd(t, &v[i]);
		else
			rc = remote_image_layer_to_tar(&b->base, v[i].base_layer,
						       t);
	}
	free(v);
	return rc;
}

static int write_layout(struct build *b)
{
	struct tempfile tmp = { -1, NULL, NULL, -1 };
	struct strbuf index = STRBUF_INIT;
	struct tarw *t = NULL;
	json_t *idx;
	int rc;

	idx = json_pack("{s:i, s:s, s:[{s:s, s:s, s:I, s:{s:s}}]}",
			"schemaVersion", 2, "mediaType", MT_OCI_INDEX,
			"manifests", "mediaType", MT_OCI_MANIFEST, "digest",
			b->digest, "size", (json_int_t)b->manifest.len,
			"annotations", AN_REF_NAME, b->tag);
	json_dump_strbuf(idx, JSON_DUMP_COMPACT, &index);
	json_decref(idx);
	rc = tempfile_create_output(&tmp, b->o->output, 0666);
	if (!rc)
		rc = tarw_open_fd(&t, tmp.fd, (time_t)b->epoch);
	if (!rc)
		rc = tarw_add_dir(t, "blobs/");
	if (!rc)
		rc = tarw_add_dir(t, "blobs/sha256/");
	if (!rc)
		rc = write_blobs(b, t);
	if (!rc)
		rc = tarw_add_buf(t, "index.json", index.buf, index.len, 0644);
	if (!rc)
		rc = tarw_add_buf(t, "oci-layout", OCI_LAYOUT_JSON,
				  strlen(OCI_LAYOUT_JSON), 0644);
	if (t && rc)
		tarw_abort(t);
	else if (t)
		rc = tarw_close(t);
	if (!rc)
		rc = tempfile_commit(&tmp);
	tempfile_discard(&tmp);
	strbuf_release(&index);
	return rc;
}

/* --- push --- */

static int push_layer(struct store *s, const struct layer *l)
{
	int exists = 0;
	int rc = s->ops->blob_exists(s, l->digest, &exists);

	if (!rc && !exists)
		rc = s->ops->blob_put(s, l->digest, l->size, l->fd, 0);
	return rc;
}

static int push(struct build *b)
{
	struct store *s = NULL;
	size_t i, nbase = b->has_base ? json_array_size(json_object_get(
						 b->base.manifest, "layers"))
				      : 0;
	int rc = store_open(&s, &b->ref, &b->o->store);

	for (i = 0; !rc && i < nbase; i++)
		rc = remote_image_layer_push(&b->base, i, s);
	if (!rc)
		rc = push_layer(s, &b->runtime);
	if (!rc)
		rc = push_layer(s, &b->model);
	if (!rc)
		rc = registry_put_memory(s, b->config.buf, b->config.len,
					 b->config_digest);
	if (!rc)
		rc = s->ops->manifest_put(s, b->tag, MT_OCI_MANIFEST,
					  b->manifest.buf, b->manifest.len);
	store_close(s);
	return rc;
}

/* --- the result --- */

/* REF without its tag, pinned to the digest: what a manifest names. */
static char *pinned_ref(const char *text, const char *digest)
{
	const char *last = strrchr(text, '/'), *cut;
	struct strbuf sb = STRBUF_INIT;

	last = last ? last + 1 : text;
	if (!strncmp(text, "oci:", 4) && last == text)
		last = text + 4;
	/* The tag goes as ref_parse takes it off: at '@', else at the last
	 * ':' (an oci: directory may hold colons itself). */
	cut = strchr(last, '@');
	if (!cut)
		cut = strrchr(last, ':');
	if (!cut)
		cut = last + strlen(last);
	strbuf_addf(&sb, "%.*s@%s", (int)(cut - text), text, digest);
	return strbuf_detach(&sb);
}

static json_t *layer_json(const struct layer *l, const char *role)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "role", role,
			 "mediaType", MT_OCI_LAYER_GZIP, "digest", l->digest,
			 "diff_id", l->diff_id, "size", (json_int_t)l->size,
			 "uncompressed", (json_int_t)l->tar_size);
}

static json_t *result(const struct build *b)
{
	char *pinned = pinned_ref(b->o->ref, b->digest);
	json_t *r, *layers = json_array(), *libs = json_array(), *l;
	size_t i;

	if (b->has_base)
		json_array_foreach(json_object_get(b->base.manifest, "layers"),
				   i, l)
			json_array_append_new(layers,
					      json_pack("{s:s, s:O, s:O, s:O}",
							"role", "base",
							"mediaType",
							json_object_get(l, "mediaType"),
							"digest",
							json_object_get(l, "digest"),
							"size",
							json_object_get(l, "size")));
	json_array_append_new(layers, layer_json(&b->runtime, "runtime"));
	json_array_append_new(layers, layer_json(&b->model, "model"));
	for (i = 0; i < b->closure.n; i++)
		json_array_append_new(libs, json_pack("{s:s, s:s}", "name",
						      b->closure.libs[i].name,
						      "path",
						      b->closure.libs[i].path));
	r = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:I}, s:{s:I}, s:o, "
		      "s:s?, s:o, s:{s:s, s:s, s:s}, s:s, s:s?, s:b, s:s?}",
		      "ref", b->o->ref, "tag", b->tag, "digest", b->digest,
		      "pinned", pinned, "config", "digest", b->config_digest,
		      "size", (json_int_t)b->config.len, "manifest", "size",
		      (json_int_t)b->manifest.len, "layers", layers, "loader",
		      b->closure.interp, "libraries", libs, "bundle", "digest",
		      b->bundle->manifest_digest, "name",
		      json_str(b->info, "name"), "version",
		      json_str(b->info, "version"), "created", b->created,
		      "output", b->o->output, "pushed", b->o->push, "base",
		      b->o->base);
	free(pinned);
	return r;
}

int image_build(json_t **out, const struct image_opts *o)
{
	struct build b;
	int rc;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.o = o;
	b.runtime.fd = b.model.fd = -1;
	if (!o->output && !o->push)
		return mlops_error_set(MLOPS_EUSAGE, "nothing to do: name an "
				       "output (-o FILE.tar) or --push");
	rc = ref_parse(&b.ref, o->ref);
	if (!rc && b.ref.digest)
		rc = mlops_error_set(MLOPS_EUSAGE, "-t names a tag, not a digest "
				     "('%s')", o->ref);
	if (!rc)
		rc = bundle_open(&b.bundle, o->bundle, NULL);
	if (rc)
		goto done;
	b.info = bundle_info(b.bundle);
	b.tag = b.ref.tag ? xstrdup(b.ref.tag)
			  : manifest_ref_name(json_str(b.info, "version"));
	rc = resolve_epoch(&b);
	if (!rc)
		rc = elf_closure(&b.closure, o->binary ? o->binary
						       : "/proc/self/exe", NULL);
	if (rc)
		goto done;
	b.arch = elf_oci_arch(b.closure.machine);
	if (!b.arch) {
		rc = mlops_error_set(MLOPS_EINPUT, "no OCI architecture for ELF "
				     "machine %u", b.closure.machine);
		goto done;
	}
	if (o->base) {
		rc = remote_image_open(&b.base, o->base, b.arch, &o->store);
		if (rc)
			goto done;
		b.has_base = 1;
	}
	rc = build_layers(&b);
	if (rc)
		goto done;
	make_documents(&b);
	if (o->output)
		rc = write_layout(&b);
	if (!rc && o->push)
		rc = push(&b);
	if (!rc)
		*out = result(&b);
done:
	if (b.has_base)
		remote_image_close(&b.base);
	elf_closure_free(&b.closure);
	layer_release(&b.runtime);
	layer_release(&b.model);
	strbuf_release(&b.config);
	strbuf_release(&b.manifest);
	json_decref(b.info);
	bundle_free(b.bundle);
	ref_free(&b.ref);
	free(b.tag);
	return rc;
}
