/* What a bundle records beside the model, made at package time from
 * the project: the model's predictions on the golden set (validate
 * checks the bundle still makes them) and the profile of the reference
 * data with the model's predictions on it (the baseline of serve's live
 * drift and of `mlops drift --bundle`). */
#ifndef MLOPS_QUALITY_RECORDS_H
#define MLOPS_QUALITY_RECORDS_H

#include <jansson.h>

#include "../descriptor/descriptor.h"

/* Values kept per column in a bundle's profile: enough for the live
 * drift histograms and approximate tests, small enough for mlops.json. */
#define BUNDLE_PROFILE_SAMPLE 2000

/* Loads d's model with the signature (same features, order and
 * categories, labels that agree): < 0 when it does not, and nothing
 * should be packaged. Then *golden (datasets.golden) and *profile
 * (datasets.reference), each NULL when the descriptor names no such
 * set, or when it cannot be made: warn then says why ("golden
 * predictions not recorded: ...") and the bundle goes without. The
 * caller frees both with json_decref. */
int quality_package_records(json_t **golden, json_t **profile,
			    struct descriptor *d,
			    void (*warn)(void *ctx, const char *msg),
			    void *warn_ctx);

#endif
