/* Smoke tests: the golden requests a descriptor declares (smoke:), sent
 * to a running server's POST /predict, each answer checked against the
 * expected status, prediction and probability (within the tolerance)
 * and the latency budget. Connection failures, 429, 502, 503 and 504
 * are retried with exponential backoff until the timeout: a server that
 * is still starting is waited for, not failed. */
#ifndef MLOPS_DEPLOY_SMOKE_H
#define MLOPS_DEPLOY_SMOKE_H

#include <stddef.h>

#include "../descriptor/descriptor.h"

struct smoke_opts {
	double timeout_s;     /* per test, retries included (default 30) */
	double backoff_ms;    /* the first wait (default 100), doubling, at
			       * most 5 s */
	const char *api_key;  /* sent as Authorization: Bearer */
	const char *cainfo;   /* https: a CA bundle */
};

/* The API key a client of a server sends: MLOPS_API_KEY, NULL when unset
 * or empty. The one place the variable is read. */
const char *smoke_env_api_key(void);

struct smoke_result {
	const char *name;
	int passed;
	int reached;          /* 0: no answer before the timeout */
	long status;
	double latency_ms;    /* of the answer checked */
	unsigned attempts;
	char *why;            /* the first check that failed */
};

/* Runs every smoke test of d against base_url ("http://host:port").
 * Returns the number failed (0: all passed), results in *out (one per
 * test, free with smoke_results_free). */
size_t smoke_run(const char *base_url, const struct descriptor *d,
		 const struct smoke_opts *o, struct smoke_result **out);
void smoke_results_free(struct smoke_result *r, size_t n);

#endif
