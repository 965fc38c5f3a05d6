#include "conntrack.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "../core/strbuf.h"
#include "../core/timeutil.h"

#define NS 1000000000ull
/* A connection over the limit has this long to send its request. */
#define OVER_LIMIT_TIMEOUT_NS (2 * NS)
#define TICK_NS (200 * 1000000ull)

enum phase { WAIT_HEADERS, BODY, ANSWERING };

struct conn {
	struct conn *prev, *next;
	struct conntrack *ct;
	int fd;
	int over;
	int cut;
	enum phase phase;
	uint64_t since; /* start of the phase, monotonic ns */
	uint64_t body;  /* bytes of the body so far */
};

struct conntrack {
	struct conntrack_opts o;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t watchdog;
	int stop;
	struct conn head; /* circular list */
	unsigned n;
	uint64_t cut, refused;
};

/* Whether c missed its deadline at time now. The request's thread
 * writes phase, since and body without the lock (they are on every
 * request's path): since first, phase last with release, so a phase
 * read here comes with its own start. */
static int late(const struct conntrack *ct, const struct conn *c, uint64_t now)
{
	uint64_t limit = (uint64_t)ct->o.request_timeout * NS, t, since;
	enum phase phase = __atomic_load_n(&c->phase, __ATOMIC_ACQUIRE);

	since = __atomic_load_n(&c->since, __ATOMIC_RELAXED);
	if (c->cut || now < since)
		return 0;
	t = now - since;
	switch (phase) {
	case WAIT_HEADERS:
		return t > (c->over ? OVER_LIMIT_TIMEOUT_NS : limit);
	case BODY:
		/* After the grace period, at least min_rate on average. */
		return t > limit &&
		       (double)__atomic_load_n(&c->body, __ATOMIC_RELAXED) <
			       (double)ct->o.min_rate * (double)t / NS;
	case ANSWERING:
		return 0;
	}
	return 0;
}

static void *watch(void *arg)
{
	struct conntrack *ct = arg;
	struct timespec ts;

	pthread_mutex_lock(&ct->lock);
	while (!ct->stop) {
		uint64_t now = mono_ns();
		struct conn *c;

		for (c = ct->head.next; c != &ct->head; c = c->next)
			if (late(ct, c, now)) {
				/* The library sees the socket fail and closes
				 * the connection; the fd stays valid until it
				 * reports the close, which needs this lock. */
				shutdown(c->fd, SHUT_RDWR);
				c->cut = 1;
				__atomic_add_fetch(&ct->cut, 1, __ATOMIC_RELAXED);
			}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)TICK_NS;
		if (ts.tv_nsec >= (long)NS) {
			ts.tv_sec++;
			ts.tv_nsec -= (long)NS;
		}
		pthread_cond_timedwait(&ct->wake, &ct->lock, &ts);
	}
	pthread_mutex_unlock(&ct->lock);
	return NULL;
}

struct conntrack *conntrack_new(const struct conntrack_opts *o)
{
	struct conntrack *ct = calloc(1, sizeof(*ct));
	pthread_condattr_t attr;

	if (!ct)
		return NULL;
	ct->o = *o;
	if (!ct->o.request_timeout)
		ct->o.request_timeout = 10;
	if (!ct->o.min_rate)
		ct->o.min_rate = 1024;
	ct->head.next = ct->head.prev = &ct->head;
	pthread_mutex_init(&ct->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ct->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&ct->watchdog, NULL, watch, ct) != 0) {
		pthread_cond_destroy(&ct->wake);
		pthread_mutex_destroy(&ct->lock);
		free(ct);
		return NULL;
	}
	return ct;
}

void conntrack_free(struct conntrack *ct)
{
	if (!ct)
		return;
	pthread_mutex_lock(&ct->lock);
	ct->stop = 1;
	pthread_cond_signal(&ct->wake);
	pthread_mutex_unlock(&ct->lock);
	pthread_join(ct->watchdog, NULL);
	while (ct->head.next != &ct->head)
		conntrack_close(ct->head.next);
	pthread_cond_destroy(&ct->wake);
	pthread_mutex_destroy(&ct->lock);
	free(ct);
}

struct conn *conntrack_open(struct conntrack *ct, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ct = ct;
	c->fd = fd;
	c->phase = WAIT_HEADERS;
	c->since = mono_ns();
	pthread_mutex_lock(&ct->lock);
	c->over = ct->o.max_connections && ct->n >= ct->o.max_connections;
	ct->n++;
	c->next = &ct->head;
	c->prev = ct->head.prev;
	ct->head.prev->next = c;
	ct->head.prev = c;
	pthread_mutex_unlock(&ct->lock);
	return c;
}

void conntrack_close(struct conn *c)
{
	struct conntrack *ct;

	if (!c)
		return;
	ct = c->ct;
	pthread_mutex_lock(&ct->lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	ct->n--;
	pthread_mutex_unlock(&ct->lock);
	free(c);
}

int conntrack_over_limit(const struct conn *c)
{
	return c && c->over;
}

/* Lock-free: see late(). The list lock guards only membership. */
static void set_phase(struct conn *c, enum phase p)
{
	if (!c)
		return;
	__atomic_store_n(&c->body, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c->since, mono_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&c->phase, p, __ATOMIC_RELEASE);
}

void conntrack_headers_done(struct conn *c)
{
	set_phase(c, BODY);
}

void conntrack_body(struct conn *c, uint64_t bytes)
{
	if (!c)
		return;
	__atomic_add_fetch(&c->body, bytes, __ATOMIC_RELAXED);
}

void conntrack_answering(struct conn *c)
{
	set_phase(c, ANSWERING);
}

void conntrack_answered(struct conn *c)
{
	set_phase(c, WAIT_HEADERS);
}

void conntrack_count_refused(struct conn *c)
{
	if (c)
		__atomic_add_fetch(&c->ct->refused, 1, __ATOMIC_RELAXED);
}

void conntrack_metrics(struct conntrack *const *cts, size_t n,
		       struct strbuf *out)
{
	unsigned long long open = 0, cut = 0, refused = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		struct conntrack *ct = cts[i];

		pthread_mutex_lock(&ct->lock);
		open += ct->n;
		pthread_mutex_unlock(&ct->lock);
		cut += __atomic_load_n(&ct->cut, __ATOMIC_RELAXED);
		refused += __atomic_load_n(&ct->refused, __ATOMIC_RELAXED);
	}
	strbuf_addf(out, "# HELP mlops_connections_open Connections open.\n"
		    "# TYPE mlops_connections_open gauge\n"
		    "mlops_connections_open %llu\n"
		    "# HELP mlops_connections_cut_total Connections cut for "
		    "missing --request-timeout or --min-rate.\n"
		    "# TYPE mlops_connections_cut_total counter\n"
		    "mlops_connections_cut_total %llu\n"
		    "# HELP mlops_connections_refused_total Requests answered "
		    "503 for coming over --max-connections.\n"
		    "# TYPE mlops_connections_refused_total counter\n"
		    "mlops_connections_refused_total %llu\n",
		    open, cut, refused);
}
