/* One interface over where bundles are kept: an OCI distribution registry
 * (remote.c, libcurl) or a local OCI image layout directory (layout.c).
 * push and pull (transfer.c) never know which they hold. */
#ifndef MLOPS_REGISTRY_STORE_H
#define MLOPS_REGISTRY_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "../core/strbuf.h"
#include "ref.h"

typedef int (*byte_sink)(void *ctx, const void *data, size_t len);
typedef void (*byte_progress)(void *ctx, uint64_t bytes);

struct store_opts {
	int plain_http;          /* allow http:// beyond loopback */
	const char *user;        /* credentials, when not from the env */
	const char *password;    /* or ~/.docker/config.json */
	uint64_t chunk_size;     /* uploads above this go in chunks */
	byte_progress progress;  /* bytes moved, from any thread */
	void *progress_ctx;
};

struct store;

struct store_ops {
	int (*blob_exists)(struct store *s, const char *digest, int *exists);
	/* Cross-repository mount; *mounted 0 means upload it yourself. */
	int (*blob_mount)(struct store *s, const char *digest,
			  const char *from_repo, int *mounted);
	/* The blob's bytes are fd[offset, offset + size). */
	int (*blob_put)(struct store *s, const char *digest, uint64_t size,
			int fd, uint64_t offset);
	/* Streams the blob from byte `from` on (a resumed download). */
	int (*blob_get)(struct store *s, const char *digest, uint64_t from,
			byte_sink sink, void *ctx);
	int (*manifest_put)(struct store *s, const char *reference,
			    const char *media_type, const void *data,
			    size_t len);
	/* By tag or digest; 0, or EINPUT with "not found" when absent. */
	int (*manifest_get)(struct store *s, const char *reference,
			    struct strbuf *body, struct strbuf *media_type);
	int (*tags)(struct store *s, json_t **out);
	/* A second handle for another thread (uploads in parallel). */
	int (*clone)(struct store *s, struct store **out);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	struct ref ref;
	const struct store_opts *opts;
	char *name; /* for messages: "localhost:5000/credit-risk" */
};

int store_open(struct store **out, const struct ref *ref,
	       const struct store_opts *opts);
void store_close(struct store *s);

/* Implementations. */
int layout_store_open(struct store **out, const struct ref *ref,
		      const struct store_opts *opts);
int remote_store_open(struct store **out, const struct ref *ref,
		      const struct store_opts *opts);

/* GET /v2/ with the given credentials (mlops login). */
int remote_check_login(const struct ref *ref, const struct store_opts *opts);

/* Records that `digest` lives in host/repo, to mount it from there when
 * pushing to another repository of the same registry. */
void blob_seen(const char *host, const char *repo, const char *digest);
/* A repository of `host` known to hold `digest`, other than `repo`. */
char *blob_known_in(const char *host, const char *repo, const char *digest);

#endif
