/* Bundle signatures: Ed25519 (OpenSSL) over a small JSON payload that
 * names the bundle's manifest by digest and size. The signature travels as
 * an OCI artifact (artifactType MT_MLOPS_SIGNATURE, subject = the bundle's
 * manifest) listed in the bundle's index.json after the manifest, and as a
 * referrer in a registry. The bundle's digest does not change when it is
 * signed: a signature is about a bundle, not part of it. */
#ifndef MLOPS_BUNDLE_SIGNATURE_H
#define MLOPS_BUNDLE_SIGNATURE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/sha256.h"
#include "../core/strbuf.h"
#include "sigartifact.h"

struct bundle;
struct sig_key;

/* A PEM key file: a private key (for signing; PKCS#8 as written by
 * `openssl genpkey -algorithm ed25519`, unencrypted) or, when
 * want_private is 0, a public key (`openssl pkey -pubout`; a private key
 * is taken too, for its public half). EINPUT when it is not Ed25519. */
int sig_key_load(struct sig_key **out, const char *path, int want_private);
void sig_key_free(struct sig_key *k);
/* "sha256:<hex>" of the raw 32-byte public key: what messages name. */
const char *sig_key_id(const struct sig_key *k);

/* The signature artifact for a manifest: *payload the signed bytes,
 * *manifest the artifact's OCI manifest (its config is the empty blob
 * "{}", EMPTY_DIGEST). */
int sig_make(struct strbuf *payload, struct strbuf *manifest,
	     const struct sig_key *k, const char *manifest_digest,
	     uint64_t manifest_size);

/* 0 when one of b's signatures is a valid signature by k of b's manifest;
 * else EINPUT saying why (not signed, signed by other keys, a signature
 * that does not verify). */
int sig_verify_bundle(const struct bundle *b, const struct sig_key *k);

#endif
