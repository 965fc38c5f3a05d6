/* push: a bundle's blobs and manifest to a store (skipping what is there,
 * mounting what the registry holds elsewhere, uploading the rest in
 * parallel straight from the .mlpkg), then its tags. pull: a manifest and
 * its blobs streamed into a new .mlpkg with every digest verified on the
 * way; nothing is left behind on failure. */
#include "transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../bundle/manifest.h"
#include "../bundle/mediatypes.h"
#include "../bundle/sigartifact.h"
#include "../bundle/package.h"
#include "../bundle/reader.h"
#include "../bundle/tarindex.h"
#include "../bundle/tarwriter.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/sha256.h"
#include "../core/tempfile.h"

#define GET_RETRIES 3

struct job {
	struct store *store;
	const struct blob_span *spans;
	size_t nspans;
	int fd;
	const char **digests;
	size_t n, next;
	struct push_result *res;
	pthread_mutex_t mu;
	/* the first failure, carried out of its thread */
	int rc;
	struct strbuf msg, hint;
};

static void fail_once(struct job *j, int rc)
{
	const struct mlops_error *e = mlops_error_last();

	pthread_mutex_lock(&j->mu);
	if (!j->rc) {
		j->rc = rc;
		strbuf_addstr(&j->msg, e->message);
		if (e->hint)
			strbuf_addstr(&j->hint, e->hint);
	}
	pthread_mutex_unlock(&j->mu);
}

static int push_blob_job(struct job *j, struct store *s, const char *digest)
{
	const struct blob_span *span = tarindex_find(j->spans, j->nspans, digest);
	int exists = 0, mounted = 0, rc;
	char *from;

	if (!span)
		return mlops_error_set(MLOPS_EINPUT, "blob %s is not in the "
				       "bundle", digest);
	rc = s->ops->blob_exists(s, digest, &exists);
	if (rc)
		return rc;
	if (exists) {
		pthread_mutex_lock(&j->mu);
		j->res->skipped++;
		pthread_mutex_unlock(&j->mu);
		return 0;
	}
	from = s->ref.kind == REF_REMOTE
		       ? blob_known_in(s->ref.host, s->ref.repo, digest)
		       : NULL;
	if (from) {
		rc = s->ops->blob_mount(s, digest, from, &mounted);
		free(from);
		if (rc)
			return rc;
	}
	if (!mounted)
		rc = s->ops->blob_put(s, digest, span->size, j->fd, span->offset);
	if (!rc) {
		pthread_mutex_lock(&j->mu);
		if (mounted)
			j->res->mounted++;
		else {
			j->res->uploaded++;
			j->res->bytes += span->size;
		}
		pthread_mutex_unlock(&j->mu);
	}
	return rc;
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct store *s = NULL;
	int rc = j->store->ops->clone(j->store, &s);

	while (!rc) {
		const char *digest = NULL;

		pthread_mutex_lock(&j->mu);
		if (!j->rc && j->next < j->n)
			digest = j->digests[j->next++];
		pthread_mutex_unlock(&j->mu);
		if (!digest)
			break;
		rc = push_blob_job(j, s, digest);
	}
	if (rc)
		fail_once(j, rc);
	store_close(s);
	mlops_error_thread_exit();
	return NULL;
}

/* The exact bytes of a blob inside the bundle (the manifest's, whose
 * digest is the bundle's identity, must not be re-serialised). */
static int blob_bytes(int fd, const struct blob_span *span, struct strbuf *out)
{
	strbuf_grow(out, (size_t)span->size);
	if (pread(fd, out->buf + out->len, (size_t)span->size,
		  (off_t)span->offset) != (ssize_t)span->size)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot read the "
					 "bundle");
	out->len += (size_t)span->size;
	out->buf[out->len] = '\0';
	return 0;
}

/* A blob from memory: through a memfd, so blob_put can stream it. */
int registry_put_memory(struct store *s, const void *data, size_t len,
			const char *digest)
{
	int fd = memfd_create("mlops-blob", MFD_CLOEXEC), exists = 0, rc;

	if (fd < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "memfd_create");
	rc = fs_write_all(fd, data, len) < 0
		     ? mlops_error_errno(MLOPS_EIO, errno, "memfd")
		     : 0;
	if (!rc)
		rc = s->ops->blob_exists(s, digest, &exists);
	if (!rc && !exists)
		rc = s->ops->blob_put(s, digest, len, fd, 0);
	close(fd);
	return rc;
}

/* Records a referrer of `subject` in the fallback tag sha256-<hex> (an
 * image index) for registries without the referrers API, merged into
 * what the tag holds. */
static int add_referrer(struct store *s, const char *subject,
			const char *digest, size_t size,
			const char *artifact_type)
{
	struct strbuf body = STRBUF_INIT, mt = STRBUF_INIT, tag = STRBUF_INIT;
	json_t *idx = NULL, *list, *e;
	size_t i;
	int rc, have = 0;

	strbuf_addf(&tag, "sha256-%s", subject + 7);
	if (s->ops->manifest_get(s, tag.buf, &body, &mt) == 0)
		idx = json_loadb(body.buf, body.len, 0, NULL);
	mlops_error_clear();
	if (!json_is_array(json_object_get(idx, "manifests"))) {
		json_decref(idx);
		idx = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2,
				"mediaType", MT_OCI_INDEX, "manifests");
	}
	list = json_object_get(idx, "manifests");
	json_array_foreach(list, i, e)
		have |= json_str(e, "digest") &&
			!strcmp(json_str(e, "digest"), digest);
	if (!have)
		json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s}",
						      "mediaType",
						      MT_OCI_MANIFEST, "digest",
						      digest, "size",
						      (json_int_t)size,
						      "artifactType",
						      artifact_type));
	strbuf_reset(&body);
	json_dump_strbuf(idx, JSON_DUMP_COMPACT, &body);
	rc = s->ops->manifest_put(s, tag.buf, MT_OCI_INDEX, body.buf, body.len);
	json_decref(idx);
	strbuf_release(&body);
	strbuf_release(&mt);
	strbuf_release(&tag);
	return rc;
}

/* The SBOM as a referrer artifact. */
static int attach_sbom(struct store *s, const struct bundle *b,
		       struct push_result *res)
{
	const json_t *layers = json_object_get(b->manifest, "layers"), *l, *sl;
	struct strbuf body = STRBUF_INIT;
	char digest[DIGEST_STR_LEN];
	json_t *m;
	size_t i;
	int rc;

	sl = NULL;
	json_array_foreach(layers, i, l)
		if (!strcmp(json_str(l, "mediaType"), MT_CYCLONEDX))
			sl = l;
	if (!sl)
		return mlops_error_set(MLOPS_EINPUT, "the bundle has no SBOM "
				       "to attach");
	rc = registry_put_memory(s, "{}", 2, EMPTY_DIGEST);
	if (rc)
		return rc;
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i}, s:[O], s:{s:s, s:s, "
		      "s:I}}",
		      "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
		      "artifactType", MT_CYCLONEDX, "config", "mediaType",
		      MT_EMPTY, "digest", EMPTY_DIGEST, "size", 2, "layers", sl,
		      "subject", "mediaType", MT_OCI_MANIFEST, "digest",
		      b->manifest_digest, "size",
		      (json_int_t)b->manifest_size);
	json_dump_strbuf(m, JSON_DUMP_COMPACT, &body);
	json_decref(m);
	sha256_digest_buf(body.buf, body.len, digest);
	rc = s->ops->manifest_put(s, digest, MT_OCI_MANIFEST, body.buf, body.len);
	if (!rc) {
		memcpy(res->sbom_referrer, digest, sizeof(digest));
		rc = add_referrer(s, b->manifest_digest, digest, body.len,
				  MT_CYCLONEDX);
	}
	strbuf_release(&body);
	return rc;
}

/* The bundle's signatures as referrers, byte for byte as signed. */
static int push_signatures(struct store *s, const struct bundle *b,
			   struct push_result *res)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < b->nsigs; i++) {
		const struct bundle_signature *sig = &b->sigs[i];

		rc = registry_put_memory(s, "{}", 2, EMPTY_DIGEST);
		if (!rc)
			rc = registry_put_memory(s, sig->payload.buf,
						 sig->payload.len,
						 sig->payload_digest);
		if (!rc)
			rc = s->ops->manifest_put(s, sig->digest, MT_OCI_MANIFEST,
						  sig->manifest.buf,
						  sig->manifest.len);
		if (!rc)
			rc = add_referrer(s, b->manifest_digest, sig->digest,
					  sig->manifest.len, MT_MLOPS_SIGNATURE);
		if (!rc)
			res->signatures++;
	}
	return rc;
}

int bundle_push(struct push_result *res, const char *path,
		const struct ref *ref, const char *const *tags, size_t ntags,
		const struct push_opts *o)
{
	struct job j = { 0 };
	struct bundle *b = NULL;
	struct blob_span *spans = NULL;
	struct strbuf manifest = STRBUF_INIT;
	const json_t *l;
	pthread_t threads[16];
	size_t nspans = 0, i, nthreads;
	int rc;

	memset(res, 0, sizeof(*res));
	if (ref->digest)
		return mlops_error_set(MLOPS_EUSAGE, "push to a tag, not a "
				       "digest");
	rc = bundle_open(&b, path, NULL);
	if (!rc)
		rc = tarindex_blobs(&spans, &nspans, path);
	if (rc)
		goto done;
	memcpy(res->digest, b->manifest_digest, DIGEST_STR_LEN);
	j.fd = fs_open_regular(path, NULL);
	if (j.fd < 0) {
		rc = j.fd;
		goto done;
	}
	rc = store_open(&j.store, ref, &o->store);
	if (rc)
		goto done;
	/* Blobs first (config and layers, each once), manifest last. */
	j.digests = xcalloc(json_array_size(json_object_get(b->manifest,
							    "layers")) + 2,
			    sizeof(char *));
	j.digests[j.n++] = json_str(json_object_get(b->manifest, "config"),
				    "digest");
	json_array_foreach(json_object_get(b->manifest, "layers"), i, l) {
		const char *d = json_str(l, "digest");
		size_t k;

		for (k = 0; k < j.n && strcmp(j.digests[k], d); k++)
			;
		if (k == j.n)
			j.digests[j.n++] = d;
	}
	res->blobs = j.n;
	j.spans = spans;
	j.nspans = nspans;
	j.res = res;
	pthread_mutex_init(&j.mu, NULL);
	nthreads = o->concurrency < 1 ? 1 : o->concurrency > 16 ? 16
								: o->concurrency;
	if (nthreads > j.n)
		nthreads = j.n;
	for (i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, worker, &j);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&j.mu);
	if (j.rc) {
		rc = mlops_error_set(j.rc, "%s", j.msg.buf);
		if (j.hint.len)
			mlops_error_hint("%s", j.hint.buf);
		goto done;
	}
	rc = blob_bytes(j.fd, tarindex_find(spans, nspans, b->manifest_digest),
			&manifest);
	for (i = 0; !rc && i < ntags; i++)
		rc = j.store->ops->manifest_put(j.store, tags[i], MT_OCI_MANIFEST,
						manifest.buf, manifest.len);
	if (!rc)
		rc = push_signatures(j.store, b, res);
	if (!rc && o->attach_sbom)
		rc = attach_sbom(j.store, b, res);
	if (!rc && ref->kind == REF_REMOTE)
		for (i = 0; i < j.n; i++)
			blob_seen(ref->host, ref->repo, j.digests[i]);
done:
	if (j.fd > 0)
		close(j.fd);
	store_close(j.store);
	free(j.digests);
	free(spans);
	strbuf_release(&manifest);
	strbuf_release(&j.msg);
	strbuf_release(&j.hint);
	bundle_free(b);
	return rc;
}

/* Streams a blob to a sink, hashing it. */
struct verified {
	byte_sink sink;
	void *ctx;
	struct sha256 h;
	uint64_t got, size;
	const struct push_opts *o;
};

static int to_sink(void *ctx, const void *data, size_t len)
{
	struct verified *x = ctx;

	if (x->got + len > x->size)
		return mlops_error_set(MLOPS_ENET, "the registry sent more "
				       "bytes than the blob has");
	sha256_update(&x->h, data, len);
	x->got += len;
	if (x->o && x->o->store.progress)
		x->o->store.progress(x->o->store.progress_ctx, len);
	return x->sink(x->ctx, data, len);
}

int registry_blob_stream(struct store *s, const char *digest, uint64_t size,
			 byte_sink sink, void *ctx, const struct push_opts *o)
{
	struct verified x = { sink, ctx };
	char got[DIGEST_STR_LEN];
	int rc, attempt;

	x.size = size;
	x.o = o;
	rc = sha256_init(&x.h);
	if (rc)
		return rc;
	for (attempt = 0; attempt < GET_RETRIES; attempt++) {
		/* Resume where the last attempt stopped (Range). */
		rc = s->ops->blob_get(s, digest, x.got, to_sink, &x);
		if (!rc || rc != MLOPS_ENET || x.got == size)
			break;
	}
	if (!rc && x.got != size)
		rc = mlops_error_set(MLOPS_ENET, "%s: blob %s is truncated",
				     s->name, digest);
	if (rc) {
		sha256_free(&x.h);
		return rc;
	}
	sha256_final_digest(&x.h, got);
	if (strcmp(got, digest))
		return mlops_error_set(MLOPS_ENET, "%s: blob %s does not match "
				       "its digest (it hashes to %s)", s->name,
				       digest, got);
	return 0;
}

static int tar_sink(void *ctx, const void *data, size_t len)
{
	return tarw_write(ctx, data, len);
}

int registry_blob_to_tar(struct store *s, struct tarw *t, const char *digest,
			 uint64_t size, const struct push_opts *o)
{
	char path[96];
	int rc;

	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	rc = tarw_begin(t, path, size, 0644);
	if (!rc)
		rc = registry_blob_stream(s, digest, size, tar_sink, t, o);
	return rc ? rc : tarw_end(t);
}

/* Digests already in the tar: an entry appears once. */
struct seen {
	char (*v)[DIGEST_STR_LEN];
	size_t n;
};

#define MAX_PULLED_BLOBS 4200

static int seen_add(struct seen *sn, const char *digest)
{
	size_t k;

	for (k = 0; k < sn->n; k++)
		if (!strcmp(sn->v[k], digest))
			return 0;
	if (sn->n == MAX_PULLED_BLOBS)
		return mlops_error_set(MLOPS_EINPUT, "the manifest names more "
				       "than %d blobs", MAX_PULLED_BLOBS);
	if (!sn->v)
		sn->v = xcalloc(MAX_PULLED_BLOBS, DIGEST_STR_LEN);
	memcpy(sn->v[sn->n++], digest, DIGEST_STR_LEN);
	return 1;
}

/* Each descriptor's blob into the tar, once. */
static int pull_blobs(struct store *s, struct tarw *t, const json_t *descs,
		      struct seen *sn, const struct push_opts *o,
		      struct pull_result *res)
{
	const json_t *l;
	size_t i;
	int rc = 0;

	json_array_foreach(descs, i, l) {
		const char *d = json_str(l, "digest");
		const json_t *sz = json_object_get(l, "size");

		if (!d || !digest_is_valid(d) || !json_is_integer(sz) ||
		    json_integer_value(sz) < 0)
			return mlops_error_set(MLOPS_EINPUT, "the manifest has a "
					       "malformed descriptor");
		rc = seen_add(sn, d);
		if (rc <= 0) {
			if (rc)
				return rc;
			continue;
		}
		rc = registry_blob_to_tar(s, t, d,
					  (uint64_t)json_integer_value(sz), o);
		if (rc)
			return rc;
		res->blobs++;
		res->bytes += (uint64_t)json_integer_value(sz);
	}
	return 0;
}

/* A small blob into memory (at most cap bytes), verified. */
struct capped {
	struct strbuf *out;
	size_t cap;
};

static int to_capped(void *ctx, const void *data, size_t len)
{
	struct capped *c = ctx;

	if (c->out->len + len > c->cap)
		return mlops_error_set(MLOPS_EINPUT, "a blob larger than said");
	strbuf_add(c->out, data, len);
	return 0;
}

int registry_fetch_small(struct store *s, const char *digest, size_t cap,
			 struct strbuf *out)
{
	struct capped c = { out, cap };
	char got[DIGEST_STR_LEN];
	int rc = s->ops->blob_get(s, digest, 0, to_capped, &c);

	if (rc)
		return rc;
	sha256_digest_buf(out->buf, out->len, got);
	if (strcmp(got, digest))
		return mlops_error_set(MLOPS_EINPUT, "blob %s does not match "
				       "its digest", digest);
	return 0;
}

/* One signature referrer into the tar and the index, when it is one of
 * ours about `subject`: 1 when taken, 0 when left out. Everything is
 * fetched and checked before anything is written, so a referrer that is
 * malformed, foreign or half missing leaves the pull as it was. */
static int pull_signature(struct store *s, struct tarw *t, const char *subject,
			  const char *digest, json_t *index, struct seen *sn,
			  struct pull_result *res)
{
	struct strbuf body = STRBUF_INIT, mt = STRBUF_INIT, payload = STRBUF_INIT;
	char got[DIGEST_STR_LEN], path[96];
	const char *pd;
	json_t *m = NULL;
	int rc;

	if (s->ops->manifest_get(s, digest, &body, &mt) < 0)
		goto left_out;
	sha256_digest_buf(body.buf, body.len, got);
	m = json_loadb(body.buf, body.len, 0, NULL);
	if (strcmp(got, digest) || body.len > SIG_PAYLOAD_MAX ||
	    !sig_manifest_valid(m, subject))
		goto left_out;
	pd = json_str(json_array_get(json_object_get(m, "layers"), 0),
		      "digest");
	if (registry_fetch_small(s, pd, SIG_PAYLOAD_MAX, &payload) < 0)
		goto left_out;
	rc = seen_add(sn, digest);
	if (rc <= 0)
		goto done; /* already in, or too many blobs */
	rc = 0;
	if (seen_add(sn, EMPTY_DIGEST) > 0)
		rc = tarw_add_buf(t, "blobs/sha256/" EMPTY_HEX, "{}", 2, 0644);
	if (!rc && seen_add(sn, pd) > 0) {
		snprintf(path, sizeof(path), "blobs/sha256/%s", pd + 7);
		rc = tarw_add_buf(t, path, payload.buf, payload.len, 0644);
	}
	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	if (!rc)
		rc = tarw_add_buf(t, path, body.buf, body.len, 0644);
	if (!rc) {
		json_array_append_new(json_object_get(index, "manifests"),
				      json_pack("{s:s, s:s, s:I, s:s}",
						"mediaType", MT_OCI_MANIFEST,
						"digest", digest, "size",
						(json_int_t)body.len,
						"artifactType",
						MT_MLOPS_SIGNATURE));
		res->blobs++;
		res->bytes += payload.len;
		rc = 1;
	}
	goto done;
left_out:
	mlops_error_clear();
	rc = 0;
done:
	json_decref(m);
	strbuf_release(&body);
	strbuf_release(&mt);
	strbuf_release(&payload);
	return rc;
}

#define MAX_PULLED_SIGNATURES 16

/* The bundle's signatures, from the referrers fallback tag (where push
 * puts them); a registry without the tag has none for us. */
static int pull_signatures(struct store *s, struct tarw *t, const char *subject,
			   json_t *index, struct seen *sn,
			   struct pull_result *res)
{
	struct strbuf body = STRBUF_INIT, mt = STRBUF_INIT, tag = STRBUF_INIT;
	const json_t *e;
	json_t *idx;
	size_t i;
	int rc = 0;

	strbuf_addf(&tag, "sha256-%s", subject + 7);
	if (s->ops->manifest_get(s, tag.buf, &body, &mt) < 0) {
		mlops_error_clear();
		goto done;
	}
	idx = json_loadb(body.buf, body.len, 0, NULL);
	json_array_foreach(json_object_get(idx, "manifests"), i, e) {
		const char *d = json_str(e, "digest");

		if (!json_str(e, "artifactType") ||
		    strcmp(json_str(e, "artifactType"), MT_MLOPS_SIGNATURE) ||
		    !d || !digest_is_valid(d))
			continue;
		if (res->signatures == MAX_PULLED_SIGNATURES)
			break;
		rc = pull_signature(s, t, subject, d, index, sn, res);
		if (rc < 0)
			break;
		res->signatures += (size_t)rc;
		rc = 0;
	}
	json_decref(idx);
done:
	strbuf_release(&body);
	strbuf_release(&mt);
	strbuf_release(&tag);
	return rc;
}

int bundle_pull(struct pull_result *res, const struct ref *ref,
		const char *output, const struct push_opts *o)
{
	struct seen seen = { 0 };
	struct strbuf body = STRBUF_INIT, mt = STRBUF_INIT, text = STRBUF_INIT;
	struct tempfile tmp = { -1, NULL, NULL, -1 };
	const char *reference = ref->digest ? ref->digest : ref->tag;
	struct store *s = NULL;
	struct tarw *t = NULL;
	json_t *m = NULL, *index;
	const json_t *l;
	char digest[DIGEST_STR_LEN], *tag;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!reference)
		return mlops_error_set(MLOPS_EUSAGE, "name a tag or a digest to "
				       "pull (REPO:TAG or REPO@sha256:...)");
	rc = store_open(&s, ref, &o->store);
	if (!rc)
		rc = s->ops->manifest_get(s, reference, &body, &mt);
	if (rc)
		goto done;
	sha256_digest_buf(body.buf, body.len, digest);
	if (ref->digest && strcmp(digest, ref->digest)) {
		rc = mlops_error_set(MLOPS_ENET, "%s sent a manifest whose digest "
				     "is %s, not %s", s->name, digest,
				     ref->digest);
		goto done;
	}
	rc = json_parse_buf(&m, body.buf, body.len, "the manifest");
	if (rc)
		goto done;
	if (!json_str(m, "mediaType") ||
	    strcmp(json_str(m, "mediaType"), MT_OCI_MANIFEST) ||
	    !json_is_array(json_object_get(m, "layers")) ||
	    !json_str(json_object_get(m, "config"), "digest")) {
		rc = mlops_error_set(MLOPS_EINPUT, "%s:%s is not a bundle (an OCI "
				     "image manifest with layers)", s->name,
				     reference);
		goto done;
	}
	memcpy(res->digest, digest, sizeof(digest));
	if (output) {
		res->path = xstrdup(output);
	} else {
		const json_t *ann = json_object_get(m, "annotations");
		const char *name = json_str(ann, AN_TITLE);
		const char *version = json_str(ann, AN_VERSION);
		struct strbuf p = STRBUF_INIT;

		if (name && version && !strchr(name, '/') && !strchr(version, '/'))
			strbuf_addf(&p, "%s-%s.mlpkg", name, version);
		else
			strbuf_addf(&p, "%s.mlpkg", digest + 7);
		res->path = strbuf_detach(&p);
	}
	rc = tempfile_create_output(&tmp, res->path, 0666);
	if (!rc)
		rc = tarw_open_fd(&t, tmp.fd, 0);
	if (!rc)
		rc = tarw_add_buf(t, "oci-layout", OCI_LAYOUT_JSON,
				  strlen(OCI_LAYOUT_JSON), 0644);
	if (!rc)
		rc = tarw_add_dir(t, "blobs/");
	if (!rc)
		rc = tarw_add_dir(t, "blobs/sha256/");
	{
		json_t *all = json_array();

		json_array_append(all, json_object_get(m, "config"));
		json_array_extend(all, json_object_get(m, "layers"));
		if (!rc)
			rc = pull_blobs(s, t, all, &seen, o, res);
		json_decref(all);
	}
	if (!rc) {
		char path[96];

		snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
		rc = tarw_add_buf(t, path, body.buf, body.len, 0644);
	}
	tag = manifest_ref_name(ref->tag ? ref->tag
			       : json_str(json_object_get(m, "annotations"),
					  AN_VERSION)
				       ? json_str(json_object_get(m,
								  "annotations"),
						  AN_VERSION)
				       : "latest");
	index = manifest_index(digest, body.len, tag);
	free(tag);
	if (!rc)
		rc = pull_signatures(s, t, digest, index, &seen, res);
	json_dump_strbuf(index, JSON_DUMP_COMPACT, &text);
	json_decref(index);
	if (!rc)
		rc = tarw_add_buf(t, "index.json", text.buf, text.len, 0644);
	if (rc) {
		tarw_abort(t);
		t = NULL;
	} else {
		rc = tarw_close(t);
		t = NULL;
	}
	if (!rc)
		rc = tempfile_commit(&tmp);
	if (!rc && ref->kind == REF_REMOTE) {
		blob_seen(ref->host, ref->repo,
			  json_str(json_object_get(m, "config"), "digest"));
		json_array_foreach(json_object_get(m, "layers"), i, l)
			blob_seen(ref->host, ref->repo, json_str(l, "digest"));
	}
done:
	free(seen.v);
	tempfile_discard(&tmp);
	json_decref(m);
	store_close(s);
	strbuf_release(&body);
	strbuf_release(&mt);
	strbuf_release(&text);
	if (rc) {
		free(res->path);
		res->path = NULL;
	}
	return rc;
}

int registry_tags(json_t **out, const struct ref *ref,
		  const struct push_opts *o)
{
	struct store *s = NULL;
	int rc = store_open(&s, ref, &o->store);

	if (!rc)
		rc = s->ops->tags(s, out);
	store_close(s);
	return rc;
}
