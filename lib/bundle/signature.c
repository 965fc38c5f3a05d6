#include "signature.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "mediatypes.h"
#include "reader.h"

#define SIG_LEN 64
#define SIG_B64_LEN 88 /* 4 * ceil(64 / 3) */
#define KEY_FILE_MAX (64u << 10)
#define PAYLOAD_TYPE "mlops bundle signature"

struct sig_key {
	EVP_PKEY *pkey;
	int private;
	char id[DIGEST_STR_LEN];
};

/* An encrypted key would make OpenSSL prompt on the terminal: refuse. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int key_id(struct sig_key *k)
{
	unsigned char raw[32];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &len) != 1 || len != 32)
		return mlops_error_set(MLOPS_EINTERNAL, "cannot read the public "
				       "half of an Ed25519 key");
	sha256_digest_buf(raw, len, k->id);
	return 0;
}

int sig_key_load(struct sig_key **out, const char *path, int want_private)
{
	struct strbuf text = STRBUF_INIT;
	struct sig_key *k = NULL;
	BIO *bio = NULL;
	int rc;

	*out = NULL;
	rc = fs_read_file(path, KEY_FILE_MAX, &text);
	if (rc)
		goto done;
	k = xcalloc(1, sizeof(*k));
	bio = BIO_new_mem_buf(text.buf, (int)text.len);
	if (!bio) {
		rc = mlops_error_set(MLOPS_EIO, "out of memory");
		goto done;
	}
	k->pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	k->private = k->pkey != NULL;
	if (!k->pkey && !want_private) {
		BIO_free(bio);
		bio = BIO_new_mem_buf(text.buf, (int)text.len);
		if (bio)
			k->pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase,
						      NULL);
	}
	ERR_clear_error();
	if (!k->pkey) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is not %s PEM key "
				     "(or it is encrypted)", path,
				     want_private ? "an unencrypted private"
						  : "a public or private");
		mlops_error_hint("make one with: openssl genpkey -algorithm "
				 "ed25519 -out KEY.pem; its public key with: "
				 "openssl pkey -in KEY.pem -pubout -out "
				 "KEY.pub");
		goto done;
	}
	if (EVP_PKEY_get_id(k->pkey) != EVP_PKEY_ED25519) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is a %s key; bundles "
				     "are signed with Ed25519 keys", path,
				     OBJ_nid2sn(EVP_PKEY_get_id(k->pkey)));
		goto done;
	}
	rc = key_id(k);
done:
	BIO_free(bio);
	/* The private key's PEM text must not linger in freed memory. */
	if (text.buf)
		OPENSSL_cleanse(text.buf, text.len);
	strbuf_release(&text);
	if (rc)
		sig_key_free(k);
	else
		*out = k;
	return rc;
}

void sig_key_free(struct sig_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *sig_key_id(const struct sig_key *k)
{
	return k->id;
}

static json_t *payload_json(const struct sig_key *k, const char *digest,
			    uint64_t size)
{
	return json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:s}", "schemaVersion",
			 1, "type", PAYLOAD_TYPE, "subject", "mediaType",
			 MT_OCI_MANIFEST, "digest", digest, "size",
			 (json_int_t)size, "key", k->id);
}

int sig_make(struct strbuf *payload, struct strbuf *manifest,
	     const struct sig_key *k, const char *manifest_digest,
	     uint64_t manifest_size)
{
	unsigned char sig[SIG_LEN];
	char b64[SIG_B64_LEN + 1], payload_digest[DIGEST_STR_LEN];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx;
	json_t *j;
	int ok;

	if (!k->private)
		return mlops_error_set(MLOPS_EUSAGE, "signing needs a private "
				       "key");
	j = payload_json(k, manifest_digest, manifest_size);
	json_dump_strbuf(j, JSON_DUMP_COMPACT, payload);
	json_decref(j);
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)payload->buf,
			    payload->len) == 1 &&
	     siglen == SIG_LEN;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return mlops_error_set(MLOPS_EINTERNAL, "Ed25519 signing failed");
	EVP_EncodeBlock((unsigned char *)b64, sig, SIG_LEN);
	sha256_digest_buf(payload->buf, payload->len, payload_digest);
	j = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i}, s:[{s:s, s:s, s:I, "
		      "s:{s:s, s:s}}], s:{s:s, s:s, s:I}}",
		      "schemaVersion", 2, "mediaType", MT_OCI_MANIFEST,
		      "artifactType", MT_MLOPS_SIGNATURE, "config", "mediaType",
		      MT_EMPTY, "digest", EMPTY_DIGEST, "size", 2, "layers",
		      "mediaType", MT_MLOPS_SIGNATURE, "digest", payload_digest,
		      "size", (json_int_t)payload->len, "annotations",
		      AN_SIGNATURE, b64, AN_SIGNATURE_KEY, k->id, "subject",
		      "mediaType", MT_OCI_MANIFEST, "digest", manifest_digest,
		      "size", (json_int_t)manifest_size);
	json_dump_strbuf(j, JSON_DUMP_COMPACT, manifest);
	json_decref(j);
	return 0;
}

/* 1 when sig (base64) is k's signature of the payload. */
static int signature_holds(const struct sig_key *k, const char *b64,
			   const struct strbuf *payload)
{
	unsigned char raw[SIG_B64_LEN];
	EVP_MD_CTX *ctx;
	int ok;

	if (strlen(b64) != SIG_B64_LEN || strcmp(b64 + SIG_B64_LEN - 2, "==") ||
	    EVP_DecodeBlock(raw, (const unsigned char *)b64, SIG_B64_LEN) !=
		    SIG_LEN + 2)
		return 0;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, raw, SIG_LEN,
			      (const unsigned char *)payload->buf,
			      payload->len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* 1 when the signed payload is about b's manifest. */
static int payload_names(const struct strbuf *payload, const struct bundle *b)
{
	json_t *j = json_loadb(payload->buf, payload->len, 0, NULL);
	const json_t *subject = json_object_get(j, "subject");
	const char *type = json_str(j, "type"), *digest = json_str(subject,
								       "digest");
	const json_t *size = json_object_get(subject, "size");
	int ok = type && !strcmp(type, PAYLOAD_TYPE) && digest &&
		 !strcmp(digest, b->manifest_digest) && json_is_integer(size) &&
		 (uint64_t)json_integer_value(size) == b->manifest_size;

	json_decref(j);
	return ok;
}

int sig_verify_bundle(const struct bundle *b, const struct sig_key *k)
{
	struct strbuf others = STRBUF_INIT;
	size_t i, nother = 0, nmine = 0;
	int rc;

	/* Every signature is tried: the key named in an annotation is not
	 * signed, so it only chooses the message. */
	for (i = 0; i < b->nsigs; i++) {
		const struct bundle_signature *s = &b->sigs[i];

		if (signature_holds(k, s->signature, &s->payload) &&
		    payload_names(&s->payload, b)) {
			strbuf_release(&others);
			return 0;
		}
		if (!strcmp(s->key_id, k->id))
			nmine++;
		else if (nother++ < 3)
			strbuf_addf(&others, "%s%s", nother > 1 ? ", " : "",
				    s->key_id);
	}
	if (nmine)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' has a signature by key "
				     "%s that does not verify: the bundle or "
				     "its signature was altered", b->path,
				     k->id);
	else if (!b->nsigs)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is not signed", b->path);
	else
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is not signed by key "
				     "%s; it is signed by %s", b->path, k->id,
				     others.buf);
	strbuf_release(&others);
	return rc;
}
