/* The HTTP floor: libmicrohttpd (epoll, a thread pool of 2) answering a
 * fixed JSON body, as serving.md measured it. Built by bench/serve/run. */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] = "{\"prediction\":0,\"probability\":0.0276491847}";

static enum MHD_Result on(void *cls, struct MHD_Connection *c, const char *url,
			  const char *method, const char *version,
			  const char *data, size_t *size, void **ctx)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls; (void)url; (void)method; (void)version; (void)data;
	if (!*ctx) {
		*ctx = c;
		return MHD_YES;
	}
	if (*size) {
		*size = 0;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
					    MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;

	if (argc < 2)
		return 2;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
			     (uint16_t)atoi(argv[1]), NULL, NULL, on, NULL,
			     MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_END);
	if (!d)
		return 1;
	pause();
	return 0;
}
