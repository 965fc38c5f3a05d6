/* What deploy is given to deploy (or render): a bundle file, or a
 * registry reference (HOST/REPO:TAG, @sha256:..., oci:DIR:TAG, or
 * NAME:TAG of the default registry) pulled and verified into a
 * temporary directory first. */
#ifndef MLOPS_DEPLOY_FETCH_H
#define MLOPS_DEPLOY_FETCH_H

#include "../core/sha256.h"
#include "../registry/ref.h"
#include "../registry/transfer.h"

struct deploy_fetch {
	char *path;                  /* the pulled bundle */
	char *tmpdir;                /* the directory it lies in */
	char digest[DIGEST_STR_LEN]; /* its manifest's digest */
};

/* 1 when arg names a registry reference (*ref filled; ref_free), 0
 * when it is a file: one that exists, a name ending in .mlpkg, or a
 * name that is no reference. Leaves no error behind. */
int deploy_ref_parse(struct ref *ref, const char *arg);
/* Pulls ref into a new directory under $TMPDIR (else /tmp), its digests
 * verified. arg: the reference as given, for the hint when a plain name
 * is neither a file nor in the registry. < 0 on errors, nothing left
 * behind; else deploy_fetch_release removes what it pulled. */
int deploy_fetch_ref(struct deploy_fetch *out, const struct ref *ref,
		     const char *arg, const struct push_opts *o);
void deploy_fetch_release(struct deploy_fetch *f);

#endif
