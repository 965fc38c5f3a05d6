#include "sha256.h"

#include <openssl/evp.h>
#include <string.h>

#include "error.h"

int sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	h->ctx = NULL;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return mlops_error_set(MLOPS_EINTERNAL,
				       "cannot initialise SHA-256");
	}
	h->ctx = ctx;
	return 0;
}

void sha256_update(struct sha256 *h, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->ctx, data, len);
}

void sha256_final_digest(struct sha256 *h, char out[DIGEST_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int n = 0;
	unsigned i;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
	sha256_free(h);
}

void sha256_free(struct sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void sha256_digest_buf(const void *data, size_t len, char out[DIGEST_STR_LEN])
{
	struct sha256 h;

	if (sha256_init(&h) < 0) {
		out[0] = '\0';
		return;
	}
	sha256_update(&h, data, len);
	sha256_final_digest(&h, out);
}

int digest_is_valid(const char *s)
{
	size_t i;

	if (strncmp(s, "sha256:", 7) != 0)
		return 0;
	for (i = 7; i < 7 + 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}
