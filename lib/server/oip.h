/* The Open Inference Protocol v2 over REST (see oip.c). */
#ifndef MLOPS_SERVER_OIP_H
#define MLOPS_SERVER_OIP_H

#include <jansson.h>

#include "oip_binary.h"
#include "score.h"

/* 0 when url is not an OIP path. Otherwise the status, *out the body
 * (NULL with 405, whose Allow is in *allow). bin (NULL: JSON only): the
 * request's Inference-Header-Content-Length in, the answer's binary
 * part out (oip_binary.h). */
unsigned oip_handle(const struct serving *s, int ready, const char *method,
		    const char *url, const char *body, size_t len,
		    struct oip_binary *bin, json_t **out, const char **allow);

/* The route pattern an OIP URL is counted by in /metrics
 * (/v2/models/{name}/infer, ...; ROUTE_OTHER when it is none). */
enum route oip_route(const char *url);
/* What follows a model's name in /v2/models/NAME REST:
 * [/versions/V][/ready|/infer|/explain] (V in *version, vlen bytes;
 * NULL when there is none); ROUTE_OTHER when REST is not that. */
enum route oip_model_route(const char *rest, const char **version,
			   size_t *vlen);

#endif
