#include "instance.h"

#include "../core/error.h"
#include "../core/strbuf.h"

long instance_get(CURL *curl, const char *url, const char *path,
		  const char *api_key, const char *cainfo,
		  struct http_resp *resp)
{
	struct strbuf u = STRBUF_INIT, auth = STRBUF_INIT;
	struct http_req req = { 0 };
	long status = 0;

	strbuf_addf(&u, "%s%s", url, path);
	if (api_key && *api_key)
		strbuf_addf(&auth, "Bearer %s", api_key);
	req.method = "GET";
	req.url = u.buf;
	req.body_fd = -1;
	req.timeout_ms = 5000;
	req.cainfo = cainfo;
	req.authorization = auth.len ? auth.buf : NULL;
	if (http_perform(curl, &req, resp) == 0)
		status = resp->status;
	mlops_error_clear();
	strbuf_release(&u);
	strbuf_release(&auth);
	return status;
}
