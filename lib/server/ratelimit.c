#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/strbuf.h"
#include "../core/timeutil.h"

#define SLOTS 4096   /* clients tracked at once; the oldest make room */
#define STRIPES 64
#define KEY_MAX 16   /* an IPv6 address */

struct bucket {
	unsigned char key[KEY_MAX];
	size_t len;
	double tokens;
	double updated;
};

struct ratelimit {
	double rate, burst;
	struct bucket slots[SLOTS];
	pthread_mutex_t locks[STRIPES];
};

struct ratelimit *ratelimit_new(double per_second, double burst)
{
	struct ratelimit *r = xcalloc(1, sizeof(*r));
	int i;

	r->rate = per_second;
	r->burst = burst < 1 ? 1 : burst;
	for (i = 0; i < STRIPES; i++)
		pthread_mutex_init(&r->locks[i], NULL);
	return r;
}

static uint32_t hash(const unsigned char *k, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

int ratelimit_take(struct ratelimit *r, const void *key, size_t len,
		   unsigned *retry_after)
{
	uint32_t h;
	struct bucket *b;
	pthread_mutex_t *m;
	double t = (double)mono_ns() / 1e9;
	int ok;

	if (len > KEY_MAX)
		len = KEY_MAX;
	h = hash(key, len);
	b = &r->slots[h % SLOTS];
	m = &r->locks[(h % SLOTS) % STRIPES];
	pthread_mutex_lock(m);
	if (b->len != len || memcmp(b->key, key, len)) {
		/* A new client (or a collision): a full bucket. */
		memcpy(b->key, key, len);
		b->len = len;
		b->tokens = r->burst;
		b->updated = t;
	}
	b->tokens += (t - b->updated) * r->rate;
	if (b->tokens > r->burst)
		b->tokens = r->burst;
	b->updated = t;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	else
		*retry_after = (unsigned)ceil((1 - b->tokens) / r->rate);
	pthread_mutex_unlock(m);
	return ok;
}

void ratelimit_free(struct ratelimit *r)
{
	int i;

	if (!r)
		return;
	for (i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&r->locks[i]);
	free(r);
}
