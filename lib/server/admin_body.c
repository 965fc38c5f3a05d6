#include "admin_body.h"

#include <jansson.h>
#include <string.h>

#include "../core/error.h"
#include "state.h"

int admin_parse_activate(struct activate_req *out, const char *body,
			 size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	const json_t *w = json_object_get(j, "weight");
	const json_t *d = json_object_get(j, "digest");
	int rc = 0, shadow = json_is_string(w) &&
			     !strcmp(json_string_value(w), "shadow");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		rc = mlops_error_set(MLOPS_EINPUT, "the body must be a JSON "
				     "object: {\"digest\": \"sha256:...\", "
				     "\"weight\": N}");
	else if (!shadow && (!json_is_integer(w) || json_integer_value(w) < 0 ||
			     json_integer_value(w) > 100))
		rc = mlops_error_set(MLOPS_EINPUT, "\"weight\" must be an "
				     "integer from 0 to 100, or \"shadow\"");
	else if ((shadow || json_integer_value(w)) &&
		 !digest_valid(json_string_value(d)))
		rc = mlops_error_set(MLOPS_EINPUT, "\"digest\" must be sha256: "
				     "and 64 hex digits");
	if (!rc) {
		out->shadow = shadow;
		out->weight = shadow ? 0 : (unsigned)json_integer_value(w);
		if (digest_valid(json_string_value(d)))
			memcpy(out->digest, json_string_value(d),
			       DIGEST_STR_LEN);
	}
	json_decref(j);
	return rc;
}
