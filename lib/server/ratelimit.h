/* Per-client token buckets (--rate-limit N/s --burst M): a fixed table
 * keyed by client address, striped locks, no allocation per request. */
#ifndef MLOPS_SERVER_RATELIMIT_H
#define MLOPS_SERVER_RATELIMIT_H

#include <stddef.h>

struct ratelimit;

struct ratelimit *ratelimit_new(double per_second, double burst);
/* 1 when the client may go on; 0 when it must wait, with *retry_after
 * (whole seconds) set. */
int ratelimit_take(struct ratelimit *r, const void *key, size_t len,
		   unsigned *retry_after);
void ratelimit_free(struct ratelimit *r);

#endif
