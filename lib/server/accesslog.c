#include "accesslog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/timeutil.h"

#define LOG_PAYLOAD_MAX (64 * 1024)

/* A client's id when it is short and printable, else a fresh one. */
void access_request_id(char *id, size_t size, const char *given)
{
	static uint64_t counter;
	size_t i, n = given ? strlen(given) : 0;
	struct timespec now;

	if (n && n <= 64 && n < size) {
		for (i = 0; i < n; i++)
			if (given[i] < 0x21 || given[i] > 0x7e || given[i] == '"' ||
			    given[i] == '\\')
				break;
		if (i == n) {
			memcpy(id, given, n + 1);
			return;
		}
	}
	/* The wall clock, not start's monotonic one: ids name rows of a
	 * prediction store that outlives reboots and is shared by several
	 * instances, so they must not repeat. */
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(id, size, "%016llx-%llx",
		 (unsigned long long)now.tv_sec * 1000000000ull +
			 (unsigned long long)now.tv_nsec,
		 (unsigned long long)__atomic_add_fetch(&counter, 1,
							__ATOMIC_RELAXED));
}

/* Values of fields named in --redact, at any depth, become "[REDACTED]". */
static void redact(const struct access_log *o, json_t *j)
{
	size_t i;

	if (json_is_array(j)) {
		json_t *v;

		json_array_foreach(j, i, v)
			redact(o, v);
	} else if (json_is_object(j)) {
		const char *k;
		json_t *v;

		json_object_foreach(j, k, v) {
			for (i = 0; i < o->nredact; i++)
				if (!strcmp(k, o->redact[i]))
					break;
			if (i < o->nredact)
				json_object_set_new(j, k,
						    json_string("[REDACTED]"));
			else
				redact(o, v);
		}
	}
}

/* ,"payload":{...} with --log-payloads; bodies that are not JSON or are
 * big are described, not logged. */
static void log_payload(const struct access_log *o, const struct strbuf *body,
			struct strbuf *line)
{
	json_t *j;

	if (!body->len)
		return;
	j = body->len <= LOG_PAYLOAD_MAX
		    ? json_loadb(body->buf, body->len, 0, NULL)
		    : NULL;
	if (!j) {
		strbuf_addf(line, ",\"payload_bytes\":%zu", body->len);
		return;
	}
	redact(o, j);
	strbuf_addstr(line, ",\"payload\":");
	/* ASCII only: no C1 control from a client reaches a terminal. */
	json_dump_strbuf(j, JSON_DUMP_COMPACT | JSON_ENSURE_ASCII, line);
	json_decref(j);
}

/* One JSON line per request: no key ever, payloads only when asked. */
void access_log_write(const struct access_log *o, const struct access_entry *e)
{
	char ts[32];
	struct strbuf line = STRBUF_INIT;
	const char *method = e->method;
	int n;

	if (o->fd < 0)
		return;
	time_iso8601((int64_t)time(NULL), ts);
	for (n = 0; method[n]; n++)
		if (method[n] < 'A' || method[n] > 'Z' || n > 15)
			method = "?";
	strbuf_addf(&line,
		    "{\"time\":\"%s\",\"level\":\"info\",\"request_id\":\"%s\","
		    "\"method\":\"%s\",\"route\":\"%s\",\"status\":%u,"
		    "\"latency_ms\":%.3f,\"model\":\"%s\","
		    "\"model_version\":\"%s\",\"client\":\"%s\"",
		    ts, e->id, method, route_name(e->route), e->status,
		    (double)e->ns / 1e6, e->model ? e->model : "", e->version,
		    e->client);
	if (o->payloads)
		log_payload(o, e->body, &line);
	strbuf_addstr(&line, "}\n");
	/* One write per line: lines from many threads never interleave. */
	if (write(o->fd, line.buf, line.len) < 0)
		mlops_error_clear();
	strbuf_release(&line);
}
