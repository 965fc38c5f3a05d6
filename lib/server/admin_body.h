/* The admin API's one JSON body, POST /admin/activate, parsed apart from
 * the listener so that it can be tested and fuzzed on its own. */
#ifndef MLOPS_SERVER_ADMIN_BODY_H
#define MLOPS_SERVER_ADMIN_BODY_H

#include <stddef.h>

#include "../core/sha256.h"

struct activate_req {
	char digest[DIGEST_STR_LEN]; /* "" with weight 0 and no digest */
	unsigned weight;             /* 0 (no canary) .. 100 (stable) */
	int shadow;                  /* weight "shadow": the digest answers
				      * a copy of the traffic (weight 0) */
};

/* {"digest": "sha256:<64 hex>", "weight": 0..100 or "shadow"}; with
 * weight 0 (no canary, no shadow) the digest is not needed. 0, or EINPUT
 * with what the 400 answer says. */
int admin_parse_activate(struct activate_req *out, const char *body,
			 size_t len);

#endif
