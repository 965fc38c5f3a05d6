#include "instance.h"

#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"

long instance_call(CURL *curl, const struct instance_call *c,
		   struct http_resp *resp)
{
	static const char *const json_headers[] = {
		"Content-Type: application/json", NULL };
	static const char *const file_headers[] = {
		"Content-Type: application/octet-stream", NULL };
	struct strbuf u = STRBUF_INIT, auth = STRBUF_INIT;
	struct http_req req = { 0 };
	long status = 0;

	strbuf_addf(&u, "%s%s", c->base, c->path);
	if (c->key && *c->key)
		strbuf_addf(&auth, "Bearer %s", c->key);
	req.method = c->method;
	req.url = u.buf;
	req.body_fd = c->fd;
	if (c->fd >= 0) {
		req.body_size = c->size;
		req.headers = file_headers;
	} else if (c->json) {
		req.body = c->json;
		req.body_len = strlen(c->json);
		req.headers = json_headers;
	}
	req.timeout_ms = c->timeout_ms ? c->timeout_ms : 5000;
	req.cainfo = c->cainfo;
	req.authorization = auth.len ? auth.buf : NULL;
	http_resp_release(resp);
	if (http_perform(curl, &req, resp) == 0) {
		status = resp->status;
	} else {
		strbuf_reset(&resp->body);
		strbuf_addstr(&resp->body, mlops_error_last()->message);
	}
	mlops_error_clear();
	strbuf_release(&u);
	strbuf_release(&auth);
	return status;
}

long instance_get(CURL *curl, const char *url, const char *path,
		  const char *api_key, const char *cainfo,
		  struct http_resp *resp)
{
	struct instance_call c = { 0 };

	c.method = "GET";
	c.base = url;
	c.path = path;
	c.key = api_key;
	c.cainfo = cainfo;
	c.fd = -1;
	return instance_call(curl, &c, resp);
}
