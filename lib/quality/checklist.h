/* mlops validate BUNDLE: every check a bundle must pass before it is
 * trusted, as a checklist (pass / fail / skip, and why):
 *   archive    the tar holds only a safe OCI layout (no absolute paths,
 *              "..", links, devices, duplicates; sizes capped)
 *   blobs      every blob's sha256 matches its name
 *   manifest   index.json -> manifest (digest, size), ModelPack type
 *   config     the config follows the ModelPack config schema
 *   signed     signed by the key given (skipped without one)
 *   files      every file in every layer is listed, with its digest
 *   sbom       every file is in the SBOM with the same SHA-256
 *   model      the model loads and its features match the signature
 *   gates      the quality gates hold on the golden set
 *   golden     predictions recorded at package time are reproduced */
#ifndef MLOPS_QUALITY_CHECKLIST_H
#define MLOPS_QUALITY_CHECKLIST_H

#include <jansson.h>

/* *report = {bundle, digest, name, version, checks: [{name, status,
 * detail}], evaluation?, pass}. Returns 0 when every check passed or was
 * skipped, 1 when one failed, < 0 when the file cannot be read as a
 * bundle at all (the error says why). */
struct sig_key;
int validate_bundle(json_t **report, const char *path,
		    const struct sig_key *verify);

#endif
