#include "sigartifact.h"

#include <string.h>

#include "../core/jsonutil.h"
#include "../core/sha256.h"
#include "mediatypes.h"

int sig_manifest_valid(const json_t *m, const char *subject)
{
	const json_t *layers = json_object_get(m, "layers");
	const json_t *l = json_array_get(layers, 0);
	const json_t *ann = json_object_get(l, "annotations");
	const json_t *size = json_object_get(l, "size");
	const char *at = json_str(m, "artifactType");
	const char *sd = json_str(json_object_get(m, "subject"), "digest");
	const char *cd = json_str(json_object_get(m, "config"), "digest");
	const char *lt = json_str(l, "mediaType");

	return at && !strcmp(at, MT_MLOPS_SIGNATURE) && sd &&
	       !strcmp(sd, subject) && cd && !strcmp(cd, EMPTY_DIGEST) &&
	       json_array_size(layers) == 1 && lt &&
	       !strcmp(lt, MT_MLOPS_SIGNATURE) &&
	       json_str(l, "digest") && digest_is_valid(json_str(l, "digest")) &&
	       json_is_integer(size) && json_integer_value(size) >= 0 &&
	       json_integer_value(size) <= SIG_PAYLOAD_MAX &&
	       json_str(ann, AN_SIGNATURE) && json_str(ann, AN_SIGNATURE_KEY);
}
