/* Connection admission and deadlines for the HTTP layer, beside
 * libmicrohttpd, which counts only idle time: a client that sends one
 * header byte a second would otherwise keep its connection forever.
 *
 * Every connection is tracked from the moment it is accepted. A request's
 * headers must be complete within `request_timeout` of the connection
 * opening (or of the previous answer on a kept-alive connection), and its
 * body must then arrive at `min_rate` bytes a second at least (after the
 * same grace period); a watchdog thread cuts (shutdown(2)) connections
 * that miss either. While a request is being answered, no deadline
 * applies. Connections beyond `max_connections` are admitted (the HTTP
 * library keeps a reserve above it) but marked: their requests are
 * answered 503 at once, except the health and metrics routes, so those
 * stay answerable under connection pressure; such connections get a short
 * deadline. */
#ifndef MLOPS_SERVER_CONNTRACK_H
#define MLOPS_SERVER_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

struct conntrack;
struct conn;

/* One tracker a listening daemon: limits are per listen address. */
struct conntrack_opts {
	unsigned max_connections; /* over it: marked, 503 */
	unsigned request_timeout; /* seconds; 0: 10 */
	unsigned min_rate;        /* body bytes a second; 0: 1024 */
};

struct conntrack *conntrack_new(const struct conntrack_opts *o);
/* Stops the watchdog; every connection must be closed first. */
void conntrack_free(struct conntrack *ct);

/* A new connection on socket fd; NULL only when memory is short. */
struct conn *conntrack_open(struct conntrack *ct, int fd);
void conntrack_close(struct conn *c);

/* Whether the connection came in over max_connections. */
int conntrack_over_limit(const struct conn *c);
/* The phases of a request, from the HTTP layer's callbacks; c may be
 * NULL (not tracked). */
void conntrack_headers_done(struct conn *c);
void conntrack_body(struct conn *c, uint64_t bytes);
void conntrack_answering(struct conn *c);
void conntrack_answered(struct conn *c);

/* A request answered 503 for coming over the limit. */
void conntrack_count_refused(struct conn *c);
/* Prometheus text over n trackers (one a listen address): connections
 * open, cut by a deadline, refused. */
struct strbuf;
void conntrack_metrics(struct conntrack *const *cts, size_t n,
		       struct strbuf *out);

#endif
