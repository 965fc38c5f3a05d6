/* Talking to a running mlops serve: one GET with the API key (from
 * MLOPS_API_KEY) and an optional CA, for status and for deploys waiting
 * on a reload. */
#ifndef MLOPS_DEPLOY_INSTANCE_H
#define MLOPS_DEPLOY_INSTANCE_H

#include <curl/curl.h>

#include "../registry/http.h"

/* GET url + path (5 s at most): the HTTP status, 0 when nothing
 * answered; the body in resp. Never leaves an error behind. */
long instance_get(CURL *curl, const char *url, const char *path,
		  const char *api_key, const char *cainfo,
		  struct http_resp *resp);

#endif
