/* What every request must be before a route sees it: HTTP/1.1 with a
 * Host (RFC 9112, 3.2), a URL and headers of sane size, on a connection
 * within --max-connections (health and metrics excepted, so that they
 * stay answerable under connection pressure). */
#ifndef MLOPS_SERVER_ADMISSION_H
#define MLOPS_SERVER_ADMISSION_H

#include <microhttpd.h>

#include "conntrack.h"

/* The library reads a request's headers whole into a connection's memory
 * pool of this size, so that oversized ones reach us and get a JSON
 * answer (414, 431); only beyond it does libmicrohttpd answer alone.
 * libmicrohttpd 0.9.75 zeroes the whole pool after every request: at
 * 256 KiB that memset was a fifth of serve's CPU, at 64 KiB it is a
 * twentieth, and headers twice the limit still get our answer. */
#define ADMISSION_CONN_MEMORY (64 * 1024)
#define ADMISSION_URL_MAX (8 * 1024)
#define ADMISSION_HEADERS_MAX (32 * 1024)

/* The MHD_OPTION_NOTIFY_CONNECTION callback, its cls the conntrack:
 * every connection tracked from accept to close. */
void admission_track(void *ct, struct MHD_Connection *c,
		     void **socket_context,
		     enum MHD_ConnectionNotificationCode code);
/* 0 when the request may go on; else the status to answer, and *why. */
unsigned admission_check(struct MHD_Connection *c, const char *url,
			 int http11, const struct conn *conn,
			 const char **why);

#endif
