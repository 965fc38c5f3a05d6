/* The shape of a signature artifact's OCI manifest (see signature.h for
 * the signing): what the bundle reader and pull check before they take a
 * signature, with no key and no bundle needed, so the reader does not
 * depend on the signing code that reads bundles. */
#ifndef MLOPS_BUNDLE_SIGARTIFACT_H
#define MLOPS_BUNDLE_SIGARTIFACT_H

#include <jansson.h>

/* The largest signed payload a signature artifact may carry. */
#define SIG_PAYLOAD_MAX (64u << 10)

/* 1 when m is a signature artifact's manifest as sig_make writes it,
 * about the manifest `subject`: artifactType MT_MLOPS_SIGNATURE, the
 * empty config, one MT_MLOPS_SIGNATURE layer of at most SIG_PAYLOAD_MAX
 * bytes with the signature and key annotations. */
int sig_manifest_valid(const json_t *m, const char *subject);

#endif
