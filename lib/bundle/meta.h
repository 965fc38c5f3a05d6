/* What a bundle records beside its model, typed: the descriptor (parsed
 * once, at bundle_open), the file list, the provenance, the reference
 * profile and the golden predictions. The one place that knows the
 * layout of the descriptor layer (b->mlops). */
#ifndef MLOPS_BUNDLE_META_H
#define MLOPS_BUNDLE_META_H

#include <jansson.h>

#include "reader.h"

struct descriptor;

/* The bundle's descriptor (it stays b's): 0, or EINPUT with why it does
 * not parse. d may be NULL to only check. */
int bundle_descriptor(const struct bundle *b, const struct descriptor **d);
/* Name and version as recorded, even when the descriptor does not
 * parse (what a report of a broken bundle shows); NULL when absent. */
const char *bundle_name(const struct bundle *b);
const char *bundle_version(const struct bundle *b);
/* The descriptor as recorded (JSON), for inspect and unpack. */
const json_t *bundle_descriptor_json(const struct bundle *b);
/* [{path, digest, size, ...}]: every file packaged beside the model. */
const json_t *bundle_files(const struct bundle *b);
/* {commit, dirty, ...}, or NULL; the commit it was built from, or NULL
 * when not from git. */
const json_t *bundle_provenance_json(const struct bundle *b);
const char *bundle_commit(const struct bundle *b);
/* The reference data's profile (drift), the golden rows' predictions;
 * NULL when the bundle has none. */
const json_t *bundle_reference_profile(const struct bundle *b);
const json_t *bundle_golden_predictions(const struct bundle *b);

/* The descriptor a command works with: the bundle's when bundle_path is
 * given, else the file's (default mlops.yaml). The caller frees it. */
int bundle_or_file_descriptor(const char *bundle_path, const char *file,
			      struct descriptor **d);

#endif
