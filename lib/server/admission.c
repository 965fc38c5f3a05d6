#include "admission.h"

#include <string.h>

static enum MHD_Result add_arg_len(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	size_t *n = cls;

	(void)kind;
	*n += strlen(key) + 2 + (value ? strlen(value) : 0);
	return MHD_YES;
}

/* The path and its query, about as the client sent them. */
static size_t url_length(struct MHD_Connection *c, const char *url)
{
	size_t n = strlen(url);

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg_len, &n);
	return n;
}

static int is_health_or_metrics(const char *url)
{
	return !strncmp(url, "/health", 7) || !strncmp(url, "/v2/health/", 11) ||
	       !strcmp(url, "/metrics");
}

void admission_track(void *ct, struct MHD_Connection *c,
		     void **socket_context,
		     enum MHD_ConnectionNotificationCode code)
{
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_CONNECTION_FD);

		*socket_context = ci ? conntrack_open(ct, ci->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		conntrack_close(*socket_context);
		*socket_context = NULL;
	}
}

unsigned admission_check(struct MHD_Connection *c, const char *url,
			 int http11, const struct conn *conn, const char **why)
{
	const union MHD_ConnectionInfo *hs;

	if (http11 && !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host")) {
		*why = "an HTTP/1.1 request needs a Host header";
		return 400;
	}
	if (url_length(c, url) > ADMISSION_URL_MAX) {
		*why = "the URL is too long";
		return 414;
	}
	hs = MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (hs && hs->header_size > ADMISSION_HEADERS_MAX) {
		*why = "the request headers are too large";
		return 431;
	}
	if (conntrack_over_limit(conn) && !is_health_or_metrics(url)) {
		*why = "too many connections (--max-connections); retry later";
		return 503;
	}
	return 0;
}
