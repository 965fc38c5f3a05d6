#include "reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../descriptor/descriptor.h"
#include "mediatypes.h"
#include "sigartifact.h"

/* Documents mlops parses are small; larger ones are hostile. */
#define DOC_MAX (16u << 20)
#define OCI_LAYOUT_MAX 4096
#define INDEX_MAX (1u << 20)
/* Blobs up to this size are kept in memory, up to KEEP_BUDGET in all;
 * documents not kept are read again on their own. */
#define KEEP_MAX (1u << 20)
#define KEEP_BUDGET (32u << 20)
/* Entries are looked up linearly; a real bundle has a few dozen. */
#define MAX_ENTRIES 8192
#define MAX_SIGNATURES 16

struct scan {
	struct bundle *b;
	const struct bundle_open_opts *opts;
	struct archive *a;
	int fd;
	unsigned char *buf;
	uint64_t kept;
	int seen_layout, seen_index;
	size_t mismatch_alloc;
	struct strbuf layout, index;
};

int bundle_bad(const char *path, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	mlops_error_set(MLOPS_EINPUT, "'%s' is not a valid bundle: %s", path,
			sb.buf);
	strbuf_release(&sb);
	return MLOPS_EINPUT;
}

#define bad(b, ...) bundle_bad((b)->path, __VA_ARGS__)

/* Entry names come from the archive: show them with anything unprintable
 * escaped, so an error message cannot write to the terminal. */
static const char *printable(const char *name, struct strbuf *sb)
{
	const unsigned char *p;

	strbuf_reset(sb);
	for (p = (const unsigned char *)name; *p && sb->len < 200; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			strbuf_addch(sb, (char)*p);
		else
			strbuf_addf(sb, "\\x%02x", *p);
	}
	if (*p)
		strbuf_addstr(sb, "...");
	return sb->buf;
}

static int not_a_tar(struct bundle *b)
{
	mlops_error_set(MLOPS_EINPUT, "'%s' is not a bundle: not an "
			"uncompressed tar archive", b->path);
	mlops_error_hint("a .mlpkg is made by 'mlops package' or 'mlops pull'");
	return MLOPS_EINPUT;
}

/* Restates the current error (a JSON parse error, say) as a bad bundle. */
static int bad_again(struct bundle *b)
{
	struct strbuf msg = STRBUF_INIT;
	int rc;

	strbuf_addstr(&msg, mlops_error_last()->message);
	rc = bad(b, "%s", msg.buf);
	strbuf_release(&msg);
	return rc;
}

static int open_archive(struct scan *s)
{
	struct stat st;

	s->fd = fs_open_regular(s->b->path, &st);
	if (s->fd < 0)
		return s->fd;
	s->b->file_size = (uint64_t)st.st_size;
	s->a = archive_read_new();
	/* Plain tar only: no compression filters, so no decompression
	 * bombs, and no other archive formats. */
	archive_read_support_format_tar(s->a);
	if (archive_read_open_fd(s->a, s->fd, 65536) != ARCHIVE_OK)
		return not_a_tar(s->b);
	return 0;
}

static void close_archive(struct scan *s)
{
	if (s->a)
		archive_read_free(s->a);
	if (s->fd >= 0)
		close(s->fd);
	s->a = NULL;
	s->fd = -1;
}

static int is_hex64(const char *s)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

enum entry_kind { E_LAYOUT, E_INDEX, E_DIR, E_BLOB };

/* Classifies a path; -1 for anything an OCI layout does not hold. */
static int classify(const char *p)
{
	if (!strncmp(p, "./", 2))
		p += 2;
	if (!strcmp(p, "oci-layout"))
		return E_LAYOUT;
	if (!strcmp(p, "index.json"))
		return E_INDEX;
	if (!strcmp(p, "blobs") || !strcmp(p, "blobs/") ||
	    !strcmp(p, "blobs/sha256") || !strcmp(p, "blobs/sha256/"))
		return E_DIR;
	if (!strncmp(p, "blobs/sha256/", 13) && is_hex64(p + 13))
		return E_BLOB;
	return -1;
}

static struct bundle_blob *blob_lookup(struct bundle *b, const char *digest)
{
	size_t i;

	for (i = 0; i < b->nblobs; i++)
		if (!strcmp(b->blobs[i].digest, digest))
			return &b->blobs[i];
	return NULL;
}

const struct bundle_blob *bundle_blob_find(const struct bundle *b,
					   const char *digest)
{
	return blob_lookup((struct bundle *)b, digest);
}

/* Reads the current entry's data: into `keep` (up to `cap` bytes, error
 * beyond), and/or through a hash. */
static int read_data(struct scan *s, const char *name, struct sha256 *h,
		     struct strbuf *keep, size_t cap, uint64_t *total)
{
	*total = 0;
	for (;;) {
		la_ssize_t n = archive_read_data(s->a, s->buf, 65536);

		if (n == 0)
			return 0;
		if (n < 0)
			return bad(s->b, "%s: %s", name,
				   archive_error_string(s->a)
					   ? archive_error_string(s->a)
					   : "read error");
		*total += (uint64_t)n;
		if (h)
			sha256_update(h, s->buf, (size_t)n);
		if (keep) {
			if (keep->len + (size_t)n > cap)
				return bad(s->b, "%s is larger than %zu bytes",
					   name, cap);
			strbuf_add(keep, s->buf, (size_t)n);
		}
	}
}

static int scan_blob(struct scan *s, const char *hex, uint64_t size)
{
	struct bundle *b = s->b;
	struct bundle_blob *blob;
	struct strbuf keep = STRBUF_INIT;
	char digest[DIGEST_STR_LEN];
	int want_keep = size <= KEEP_MAX && s->kept + size <= KEEP_BUDGET;
	struct sha256 h;
	uint64_t total;
	int rc;

	memcpy(digest, "sha256:", 7);
	memcpy(digest + 7, hex, 65);
	if (blob_lookup(b, digest))
		return bad(b, "blob %s appears twice", digest);
	ARRAY_GROW(b->blobs, b->nblobs + 1, b->alloc);
	blob = &b->blobs[b->nblobs++];
	memset(blob, 0, sizeof(*blob));
	memcpy(blob->digest, digest, sizeof(digest));
	blob->size = size;
	if (!want_keep && !s->opts->verify_all) {
		if (archive_read_data_skip(s->a) != ARCHIVE_OK)
			return bad(b, "%s: %s", digest,
				   archive_error_string(s->a)
					   ? archive_error_string(s->a)
					   : "truncated");
		return 0;
	}
	rc = sha256_init(&h);
	if (rc)
		return rc;
	rc = read_data(s, digest, &h, want_keep ? &keep : NULL, KEEP_MAX,
		       &total);
	if (rc) {
		sha256_free(&h);
		strbuf_release(&keep);
		return rc;
	}
	sha256_final_digest(&h, digest);
	if (total != size) {
		strbuf_release(&keep);
		return bad(b, "blob %s is truncated", blob->digest);
	}
	if (strcmp(digest, blob->digest)) {
		if (!s->opts->collect_mismatches) {
			strbuf_release(&keep);
			return bad(b, "blob %s does not match its digest (its "
				   "content hashes to %s)", blob->digest,
				   digest);
		}
		ARRAY_GROW(b->mismatched, b->nmismatched + 1, s->mismatch_alloc);
		b->mismatched[b->nmismatched++] = xstrdup(blob->digest);
	} else {
		blob->verified = 1;
	}
	if (want_keep) {
		s->kept += size;
		blob->data = (unsigned char *)strbuf_detach(&keep);
	}
	return 0;
}

static int scan_entry(struct scan *s, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e);
	mode_t type = archive_entry_filetype(e);
	uint64_t size = (uint64_t)archive_entry_size(e), total;
	struct strbuf shown = STRBUF_INIT;
	int kind, rc = 0;

	if (!path)
		return bad(s->b, "an entry has an unreadable name");
	kind = classify(path);
	if (archive_entry_hardlink(e) || archive_entry_symlink(e))
		rc = bad(s->b, "'%s' is a link; bundles hold no links",
			 printable(path, &shown));
	else if (kind < 0)
		rc = bad(s->b, "unexpected entry '%s' (a bundle holds only "
			 "oci-layout, index.json and blobs/sha256/)",
			 printable(path, &shown));
	else if (kind == E_DIR && type != AE_IFDIR)
		rc = bad(s->b, "'%s' should be a directory", path);
	else if (kind != E_DIR && type != AE_IFREG)
		rc = bad(s->b, "'%s' is not a regular file", path);
	else if (archive_entry_sparse_count(e) > 0)
		rc = bad(s->b, "'%s' is a sparse file", path);
	else if (kind != E_DIR && !archive_entry_size_is_set(e))
		rc = bad(s->b, "'%s' has no size", path);
	strbuf_release(&shown);
	if (rc || kind == E_DIR)
		return rc;
	if (kind == E_BLOB)
		return scan_blob(s, strrchr(path, '/') + 1, size);
	if (kind == E_LAYOUT) {
		if (s->seen_layout++)
			return bad(s->b, "oci-layout appears twice");
		return read_data(s, "oci-layout", NULL, &s->layout,
				 OCI_LAYOUT_MAX, &total);
	}
	if (s->seen_index++)
		return bad(s->b, "index.json appears twice");
	return read_data(s, "index.json", NULL, &s->index, INDEX_MAX, &total);
}

static int scan_archive(struct scan *s)
{
	struct archive_entry *e;
	size_t entries = 0;
	int rc;

	rc = open_archive(s);
	if (rc)
		return rc;
	for (;;) {
		int r = archive_read_next_header(s->a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && !entries)
			return not_a_tar(s->b);
		if (r != ARCHIVE_OK)
			return bad(s->b, "%s", archive_error_string(s->a)
						       ? archive_error_string(s->a)
						       : "unreadable tar");
		if (++entries > MAX_ENTRIES)
			return bad(s->b, "more than %d entries", MAX_ENTRIES);
		rc = scan_entry(s, e);
		if (rc)
			return rc;
	}
	if (!s->seen_layout)
		return bad(s->b, "no oci-layout file");
	if (!s->seen_index)
		return bad(s->b, "no index.json");
	return 0;
}

/* A blob's bytes, verified, from memory or by reading the archive again
 * for that one entry. */
static int load_blob(struct scan *s, const char *digest, uint64_t size,
		     size_t cap, struct strbuf *out, const char *what)
{
	struct bundle_blob *blob = blob_lookup(s->b, digest);
	struct archive_entry *e;
	char got[DIGEST_STR_LEN];
	struct sha256 h;
	uint64_t total;
	int rc;

	if (!blob)
		return bad(s->b, "the %s blob %s is missing", what, digest);
	if (blob->size != size)
		return bad(s->b, "the %s blob %s has %llu bytes, the manifest "
			   "says %llu", what, digest,
			   (unsigned long long)blob->size,
			   (unsigned long long)size);
	if (size > cap)
		return bad(s->b, "the %s is larger than %zu bytes", what, cap);
	if (blob->data) {
		strbuf_add(out, blob->data, (size_t)size);
		return 0;
	}
	close_archive(s);
	rc = open_archive(s);
	if (rc)
		return rc;
	for (;;) {
		int r = archive_read_next_header(s->a, &e);
		const char *p;

		if (r != ARCHIVE_OK)
			return bad(s->b, "the %s blob vanished", what);
		p = archive_entry_pathname(e);
		if (p && classify(p) == E_BLOB && !strcmp(strrchr(p, '/') + 1,
							  digest + 7))
			break;
	}
	rc = sha256_init(&h);
	if (!rc)
		rc = read_data(s, what, &h, out, cap, &total);
	if (rc) {
		sha256_free(&h);
		return rc;
	}
	sha256_final_digest(&h, got);
	if (strcmp(got, digest) && !s->opts->collect_mismatches)
		return bad(s->b, "the %s blob %s does not match its digest", what,
			   digest);
	return 0;
}

static int load_json(struct scan *s, const char *digest, uint64_t size,
		     const char *what, json_t **out)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = load_blob(s, digest, size, DOC_MAX, &sb, what);

	if (!rc) {
		rc = json_parse_buf(out, sb.buf, sb.len, what);
		if (rc)
			rc = bad_again(s->b);
		else if (!json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = bad(s->b, "the %s is not a JSON object", what);
		}
	}
	strbuf_release(&sb);
	return rc;
}

/* A descriptor ({mediaType, digest, size}) from a manifest or index. */
static int check_desc(struct scan *s, const json_t *d, const char *what,
		      const char **digest, uint64_t *size)
{
	const json_t *sz = json_object_get(d, "size");

	*digest = json_str(d, "digest");
	if (!json_is_object(d) || !*digest || !digest_is_valid(*digest) ||
	    !json_is_integer(sz) || json_integer_value(sz) < 0 ||
	    !json_str(d, "mediaType"))
		return bad(s->b, "the %s descriptor is malformed", what);
	*size = (uint64_t)json_integer_value(sz);
	return 0;
}

static int read_documents(struct scan *s)
{
	struct bundle *b = s->b;
	const json_t *manifests, *layers, *l;
	const char *digest;
	uint64_t size;
	size_t i;
	json_t *layout;
	int rc;

	if (json_parse_buf(&layout, s->layout.buf, s->layout.len,
			   "oci-layout") < 0)
		return bad_again(b);
	rc = strcmp(json_str(layout, "imageLayoutVersion")
			    ? json_str(layout, "imageLayoutVersion")
			    : "",
		    "1.0.0");
	json_decref(layout);
	if (rc)
		return bad(b, "oci-layout is not version 1.0.0");
	rc = json_parse_buf(&b->index, s->index.buf, s->index.len,
			    "index.json");
	if (rc)
		return bad_again(b);
	manifests = json_object_get(b->index, "manifests");
	if (!json_is_array(manifests) || !json_array_size(manifests))
		return bad(b, "index.json lists no manifest");
	rc = check_desc(s, json_array_get(manifests, 0), "manifest", &digest,
			&size);
	if (rc)
		return rc;
	if (strcmp(json_str(json_array_get(manifests, 0), "mediaType"),
		   MT_OCI_MANIFEST))
		return bad(b, "index.json names a %s, not an OCI image manifest",
			   json_str(json_array_get(manifests, 0), "mediaType"));
	memcpy(b->manifest_digest, digest, DIGEST_STR_LEN);
	b->manifest_size = size;
	rc = load_json(s, digest, size, "manifest", &b->manifest);
	if (rc)
		return rc;
	if (!json_str(b->manifest, "mediaType") ||
	    strcmp(json_str(b->manifest, "mediaType"), MT_OCI_MANIFEST))
		return bad(b, "the manifest is not an OCI image manifest");
	rc = check_desc(s, json_object_get(b->manifest, "config"), "config",
			&digest, &size);
	if (rc)
		return rc;
	rc = load_json(s, digest, size, "config", &b->config);
	if (rc)
		return rc;
	layers = json_object_get(b->manifest, "layers");
	if (!json_is_array(layers))
		return bad(b, "the manifest has no layers");
	json_array_foreach(layers, i, l) {
		const char *mt;
		const struct bundle_blob *blob;

		rc = check_desc(s, l, "layer", &digest, &size);
		if (rc)
			return rc;
		blob = bundle_blob_find(b, digest);
		if (!blob)
			return bad(b, "layer %s is missing", digest);
		if (blob->size != size)
			return bad(b, "layer %s has %llu bytes, the manifest "
				   "says %llu", digest,
				   (unsigned long long)blob->size,
				   (unsigned long long)size);
		mt = json_str(l, "mediaType");
		if (!strcmp(mt, MT_MLOPS_DESCRIPTOR) && !b->mlops)
			rc = load_json(s, digest, size, "mlops descriptor",
				       &b->mlops);
		else if (!strcmp(mt, MT_CYCLONEDX) && !b->sbom) {
			rc = load_json(s, digest, size, "SBOM", &b->sbom);
			memcpy(b->sbom_digest, digest, DIGEST_STR_LEN);
		}
		if (rc)
			return rc;
	}
	if (!b->mlops)
		return bad(b, "it has no mlops descriptor layer (%s); was it made "
			   "by 'mlops package'?", MT_MLOPS_DESCRIPTOR);
	if (!json_is_object(json_object_get(b->mlops, "descriptor")) ||
	    !json_is_array(json_object_get(b->mlops, "files")))
		return bad(b, "its mlops descriptor layer is malformed");
	if (descriptor_from_json(&b->d, json_object_get(b->mlops,
						       "descriptor")) < 0) {
		b->descriptor_error = xstrdup(mlops_error_last()->message);
		mlops_error_clear();
	}
	return 0;
}

/* Index entries after the first: signatures of the bundle's manifest
 * (anything else is ignored, as OCI tools do). A signature entry must be
 * well formed and about this bundle, or the bundle is refused. */
static int read_signatures(struct scan *s)
{
	struct bundle *b = s->b;
	const json_t *manifests = json_object_get(b->index, "manifests"), *e;
	size_t i;
	int rc = 0;

	json_array_foreach(manifests, i, e) {
		const char *digest, *at = json_str(e, "artifactType");
		const json_t *ann, *l;
		struct bundle_signature *sig;
		uint64_t size;
		json_t *m = NULL;

		if (!i || !at || strcmp(at, MT_MLOPS_SIGNATURE))
			continue;
		if (b->nsigs == MAX_SIGNATURES)
			return bad(b, "it has more than %d signatures",
				   MAX_SIGNATURES);
		rc = check_desc(s, e, "signature", &digest, &size);
		if (rc)
			return rc;
		if (!b->sigs)
			b->sigs = xcalloc(MAX_SIGNATURES, sizeof(*b->sigs));
		sig = &b->sigs[b->nsigs++];
		memcpy(sig->digest, digest, DIGEST_STR_LEN);
		rc = load_blob(s, digest, size, DOC_MAX, &sig->manifest,
			       "signature manifest");
		if (!rc && json_parse_buf(&m, sig->manifest.buf,
					  sig->manifest.len,
					  "signature manifest"))
			rc = bad_again(b);
		if (rc)
			return rc;
		l = json_array_get(json_object_get(m, "layers"), 0);
		ann = json_object_get(l, "annotations");
		if (!sig_manifest_valid(m, b->manifest_digest)) {
			json_decref(m);
			return bad(b, "signature %s is malformed or not about "
				   "this bundle's manifest", digest);
		}
		sig->signature = xstrdup(json_str(ann, AN_SIGNATURE));
		sig->key_id = xstrdup(json_str(ann, AN_SIGNATURE_KEY));
		rc = check_desc(s, l, "signature payload", &digest, &size);
		if (!rc) {
			memcpy(sig->payload_digest, digest, DIGEST_STR_LEN);
			rc = load_blob(s, digest, size, SIG_PAYLOAD_MAX,
				       &sig->payload, "signature payload");
		}
		json_decref(m);
		if (rc)
			return rc;
	}
	return 0;
}

int bundle_open(struct bundle **out, const char *path,
		const struct bundle_open_opts *opts)
{
	static const struct bundle_open_opts defaults = { 0 };
	struct scan s = { 0 };
	int rc;

	*out = NULL;
	s.b = xcalloc(1, sizeof(*s.b));
	s.b->path = xstrdup(path);
	s.opts = opts ? opts : &defaults;
	s.fd = -1;
	s.buf = xmalloc(65536);
	rc = scan_archive(&s);
	if (!rc)
		rc = read_documents(&s);
	if (!rc)
		rc = read_signatures(&s);
	close_archive(&s);
	free(s.buf);
	strbuf_release(&s.layout);
	strbuf_release(&s.index);
	if (rc) {
		bundle_free(s.b);
		return rc;
	}
	*out = s.b;
	return 0;
}

void bundle_free(struct bundle *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nblobs; i++)
		free(b->blobs[i].data);
	free(b->blobs);
	for (i = 0; i < b->nsigs; i++) {
		strbuf_release(&b->sigs[i].manifest);
		strbuf_release(&b->sigs[i].payload);
		free(b->sigs[i].signature);
		free(b->sigs[i].key_id);
	}
	free(b->sigs);
	for (i = 0; i < b->nmismatched; i++)
		free(b->mismatched[i]);
	free(b->mismatched);
	json_decref(b->index);
	json_decref(b->manifest);
	json_decref(b->config);
	json_decref(b->mlops);
	descriptor_free(b->d);
	free(b->descriptor_error);
	json_decref(b->sbom);
	free(b->path);
	free(b);
}
