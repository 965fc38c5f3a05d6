/* Talking to a running mlops serve: its public endpoints (with the API
 * key from MLOPS_API_KEY) for status and for deploys waiting on a
 * reload, and its admin API (fleet deploys). */
#ifndef MLOPS_DEPLOY_INSTANCE_H
#define MLOPS_DEPLOY_INSTANCE_H

#include <curl/curl.h>
#include <stdint.h>

#include "../registry/http.h"

struct instance_call {
	const char *method;
	const char *base;       /* "http://host:port" */
	const char *path;       /* "/admin/state" */
	const char *key;        /* sent as Authorization: Bearer */
	const char *cainfo;
	const char *json;       /* a JSON body, or NULL */
	int fd;                 /* or a file to upload, when >= 0 */
	uint64_t size;
	long timeout_ms;        /* 0: 5 s */
};

/* One exchange: the HTTP status, 0 when nothing answered (the reason
 * in resp->body). Never leaves an error behind. */
long instance_call(CURL *curl, const struct instance_call *c,
		   struct http_resp *resp);
/* GET url + path (5 s at most). */
long instance_get(CURL *curl, const char *url, const char *path,
		  const char *api_key, const char *cainfo,
		  struct http_resp *resp);

#endif
