/* Streaming SHA-256 (OpenSSL libcrypto) and digest strings. */
#ifndef MLOPS_CORE_SHA256_H
#define MLOPS_CORE_SHA256_H

#include <stddef.h>

#define SHA256_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define DIGEST_STR_LEN (7 + SHA256_HEX_LEN + 1)

struct sha256 {
	void *ctx; /* EVP_MD_CTX */
};

int sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" into out (DIGEST_STR_LEN bytes) and frees h. */
void sha256_final_digest(struct sha256 *h, char out[DIGEST_STR_LEN]);
void sha256_free(struct sha256 *h);

/* One-shot digest of a buffer as "sha256:<hex>". */
void sha256_digest_buf(const void *data, size_t len,
		       char out[DIGEST_STR_LEN]);
/* True for "sha256:" followed by exactly 64 lowercase hex digits. */
int digest_is_valid(const char *s);

#endif
