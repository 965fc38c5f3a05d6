#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bundle/mediatypes.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../registry/transfer.h"
#include "layer.h"

#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_DOCKER_FOREIGN \
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define MT_OCI_FOREIGN \
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define CONFIG_MAX (4u << 20)
#define MANIFEST_MAX (4u << 20)

static int is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

/* The manifest at `reference`, its digest checked when it is one. */
static int get_manifest(struct store *s, const char *reference, json_t **out,
			char digest[DIGEST_STR_LEN])
{
	struct strbuf body = STRBUF_INIT, mt = STRBUF_INIT;
	int rc = s->ops->manifest_get(s, reference, &body, &mt);

	*out = NULL;
	if (!rc && body.len > MANIFEST_MAX)
		rc = mlops_error_set(MLOPS_EINPUT, "%s: the manifest '%s' is "
				     "larger than %u bytes", s->name, reference,
				     MANIFEST_MAX);
	if (!rc) {
		sha256_digest_buf(body.buf, body.len, digest);
		if (digest_is_valid(reference) && strcmp(reference, digest))
			rc = mlops_error_set(MLOPS_ENET, "%s sent a manifest whose "
					     "digest is %s, not %s", s->name,
					     digest, reference);
	}
	if (!rc)
		rc = json_parse_buf(out, body.buf, body.len, "the manifest");
	if (!rc && !json_str(*out, "mediaType") && mt.len)
		json_object_set_new(*out, "mediaType", json_string(mt.buf));
	strbuf_release(&body);
	strbuf_release(&mt);
	return rc;
}

/* An index: the entry for linux/arch (any linux when arch is NULL). */
static const char *pick_platform(const json_t *index, const char *arch)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(index, "manifests"), i, m) {
		const json_t *p = json_object_get(m, "platform");

		if (is(json_str(p, "os"), "linux") &&
		    (!arch || is(json_str(p, "architecture"), arch)) &&
		    digest_is_valid(json_str(m, "digest")))
			return json_str(m, "digest");
	}
	return NULL;
}

/* Docker's layer types as their OCI equal (the bytes are the same). */
static int oci_layers(json_t *manifest, const char *name)
{
	json_t *l;
	size_t i;

	json_object_set_new(manifest, "mediaType", json_string(MT_OCI_MANIFEST));
	json_array_foreach(json_object_get(manifest, "layers"), i, l) {
		const char *mt = json_str(l, "mediaType");
		const json_t *size = json_object_get(l, "size");

		if (!digest_is_valid(json_str(l, "digest")) ||
		    !json_is_integer(size) || json_integer_value(size) < 0)
			return mlops_error_set(MLOPS_EINPUT, "%s: a layer of the "
					       "manifest is malformed", name);
		if (is(mt, MT_DOCKER_LAYER))
			json_object_set_new(l, "mediaType",
					    json_string(MT_OCI_LAYER_GZIP));
		else if (is(mt, MT_DOCKER_FOREIGN))
			json_object_set_new(l, "mediaType",
					    json_string(MT_OCI_FOREIGN));
	}
	return 0;
}

static int not_an_image(const char *name, const char *what)
{
	int rc = mlops_error_set(MLOPS_EINPUT, "%s is not a container image "
				 "(%s)", name, what);

	mlops_error_hint("a base is an image such as one mlops image built, "
			 "or a distribution's");
	return rc;
}

int remote_image_open(struct remote_image *img, const char *text,
		      const char *arch, const struct store_opts *so)
{
	struct strbuf cfg = STRBUF_INIT;
	const json_t *c, *ids;
	const char *reference, *mt;
	char *name = NULL;
	int rc;

	memset(img, 0, sizeof(*img));
	rc = ref_parse(&img->ref, text);
	if (rc)
		return rc;
	reference = img->ref.digest ? img->ref.digest
		    : img->ref.tag  ? img->ref.tag
				    : "latest";
	rc = store_open(&img->store, &img->ref, so);
	if (!rc)
		rc = get_manifest(img->store, reference, &img->manifest,
				  img->digest);
	if (rc)
		goto done;
	name = ref_string(&img->ref);
	mt = json_str(img->manifest, "mediaType");
	if (is(mt, MT_OCI_INDEX) || is(mt, MT_DOCKER_LIST)) {
		const char *d = pick_platform(img->manifest, arch);
		char *pick = d ? xstrdup(d) : NULL;

		json_decref(img->manifest);
		img->manifest = NULL;
		if (!pick) {
			rc = mlops_error_set(MLOPS_EINPUT, "%s has no image for "
					     "linux/%s", name, arch ? arch : "*");
			goto done;
		}
		rc = get_manifest(img->store, pick, &img->manifest, img->digest);
		free(pick);
		if (rc)
			goto done;
		mt = json_str(img->manifest, "mediaType");
	}
	c = json_object_get(img->manifest, "config");
	if (!is(mt, MT_OCI_MANIFEST) && !is(mt, MT_DOCKER_MANIFEST)) {
		rc = not_an_image(name, mt ? mt : "no media type");
		goto done;
	}
	if (!is(json_str(c, "mediaType"), MT_OCI_IMAGE_CONFIG) &&
	    !is(json_str(c, "mediaType"), MT_DOCKER_CONFIG)) {
		rc = not_an_image(name, json_str(c, "mediaType")
						? json_str(c, "mediaType")
						: "no config");
		goto done;
	}
	rc = oci_layers(img->manifest, name);
	if (!rc && !json_is_array(json_object_get(img->manifest, "layers")))
		rc = not_an_image(name, "its manifest lists no layers");
	if (!rc && !digest_is_valid(json_str(c, "digest")))
		rc = not_an_image(name, "a malformed config");
	if (!rc)
		rc = registry_fetch_small(img->store, json_str(c, "digest"),
					  CONFIG_MAX, &cfg);
	if (!rc)
		rc = json_parse_buf(&img->config, cfg.buf, cfg.len,
				    "the image config");
	if (rc)
		goto done;
	memcpy(img->config_digest, json_str(c, "digest"), DIGEST_STR_LEN);
	json_object_set_new(json_object_get(img->manifest, "config"),
			    "mediaType", json_string(MT_OCI_IMAGE_CONFIG));
	ids = json_object_get(json_object_get(img->config, "rootfs"),
			      "diff_ids");
	if (!json_is_array(ids) || json_array_size(ids) !=
	    json_array_size(json_object_get(img->manifest, "layers")))
		rc = not_an_image(name, "its config and manifest disagree on "
				  "the layers");
	else if (arch && !is(json_str(img->config, "architecture"), arch))
		rc = mlops_error_set(MLOPS_EINPUT, "%s is an image for %s, not "
				     "%s", name,
				     json_str(img->config, "architecture")
					     ? json_str(img->config,
							"architecture")
					     : "an unnamed architecture",
				     arch);
done:
	free(name);
	strbuf_release(&cfg);
	if (rc)
		remote_image_close(img);
	return rc;
}

void remote_image_close(struct remote_image *img)
{
	store_close(img->store);
	ref_free(&img->ref);
	json_decref(img->manifest);
	json_decref(img->config);
	memset(img, 0, sizeof(*img));
}

static const json_t *layer_at(const struct remote_image *img, size_t i)
{
	return json_array_get(json_object_get(img->manifest, "layers"), i);
}

int remote_image_layer_to_tar(struct remote_image *img, size_t i,
			      struct tarw *t)
{
	const json_t *l = layer_at(img, i);

	return registry_blob_to_tar(img->store, t, json_str(l, "digest"),
				    (uint64_t)json_integer_value(
					    json_object_get(l, "size")),
				    NULL);
}

static int fd_sink(void *ctx, const void *data, size_t len)
{
	return fs_write_all(*(int *)ctx, data, len) < 0
		       ? mlops_error_errno(MLOPS_EIO, errno, "cannot write a "
					   "temporary file")
		       : 0;
}

int remote_image_layer_fetch(struct remote_image *img, size_t i, int *fd)
{
	const json_t *l = layer_at(img, i);
	int rc;

	*fd = layer_temp_file();
	if (*fd < 0)
		return *fd;
	rc = registry_blob_stream(img->store, json_str(l, "digest"),
				  (uint64_t)json_integer_value(
					  json_object_get(l, "size")),
				  fd_sink, fd, NULL);
	if (rc) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

int remote_image_layer_push(struct remote_image *img, size_t i,
			    struct store *dst)
{
	const json_t *l = layer_at(img, i);
	const char *digest = json_str(l, "digest");
	int exists = 0, mounted = 0, fd = -1;
	int rc = dst->ops->blob_exists(dst, digest, &exists);

	if (rc || exists)
		return rc;
	if (dst->ref.kind == REF_REMOTE && img->ref.kind == REF_REMOTE &&
	    !strcmp(dst->ref.host, img->ref.host) &&
	    strcmp(dst->ref.repo, img->ref.repo)) {
		rc = dst->ops->blob_mount(dst, digest, img->ref.repo, &mounted);
		if (rc || mounted)
			return rc;
	}
	rc = remote_image_layer_fetch(img, i, &fd);
	if (!rc)
		rc = dst->ops->blob_put(dst, digest,
					(uint64_t)json_integer_value(
						json_object_get(l, "size")),
					fd, 0);
	if (fd >= 0)
		close(fd);
	return rc;
}
