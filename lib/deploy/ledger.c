#include "ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"

#define LEDGER_MAX (64u << 20)

static void copy(char *dst, size_t len, const json_t *v)
{
	snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

int ledger_read(const char *root, struct ledger *l)
{
	char *path = fs_join(root, LEDGER_FILE), *line, *nl;
	struct strbuf sb = STRBUF_INIT;
	unsigned lineno = 0;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	rc = fs_read_file(path, LEDGER_MAX, &sb);
	for (line = sb.buf; !rc && line && *line; line = nl ? nl + 1 : NULL) {
		json_t *j;
		long n;
		struct revision *r;

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		if (!*line)
			continue;
		j = json_loads(line, 0, NULL);
		n = json_is_integer(json_object_get(j, "revision"))
			    ? (long)json_integer_value(json_object_get(j, "revision"))
			    : 0;
		if (!j || n < 1 || n > (long)l->n + 1 ||
		    !json_is_string(json_object_get(j, "status"))) {
			json_decref(j);
			/* A last line cut by a crash is not a corruption. */
			if (!nl || !nl[1])
				break;
			rc = mlops_error_set(MLOPS_EINPUT, "%s:%u: not a ledger "
					     "line; the ledger is kept as it is",
					     path, lineno);
			break;
		}
		if ((size_t)n > l->n) {
			l->revs = xrealloc(l->revs, sizeof(*l->revs) * (size_t)n);
			memset(&l->revs[n - 1], 0, sizeof(*l->revs));
			l->n = (size_t)n;
		}
		r = &l->revs[n - 1];
		r->number = n;
		copy(r->status, sizeof(r->status), json_object_get(j, "status"));
		copy(r->digest, sizeof(r->digest), json_object_get(j, "digest"));
		copy(r->name, sizeof(r->name), json_object_get(j, "name"));
		copy(r->version, sizeof(r->version), json_object_get(j, "version"));
		copy(r->updated, sizeof(r->updated), json_object_get(j, "updated"));
		copy(r->description, sizeof(r->description),
		     json_object_get(j, "description"));
		copy(r->host, sizeof(r->host), json_object_get(j, "host"));
		r->pid = (long)json_integer_value(json_object_get(j, "pid"));
		json_decref(j);
	}
	strbuf_release(&sb);
	free(path);
	if (rc)
		ledger_free(l);
	return rc;
}

int ledger_append(const char *root, struct revision *r)
{
	char *path = fs_join(root, LEDGER_FILE), *text;
	json_t *j;
	int fd, rc = 0;
	size_t len;

	time_iso8601((int64_t)time(NULL), r->updated);
	r->pid = (long)getpid();
	if (gethostname(r->host, sizeof(r->host)) != 0)
		snprintf(r->host, sizeof(r->host), "?");
	r->host[sizeof(r->host) - 1] = '\0';
	j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "revision",
		      (json_int_t)r->number, "status", r->status, "digest",
		      r->digest, "name", r->name, "version", r->version,
		      "updated", r->updated, "description", r->description,
		      "pid", (json_int_t)r->pid, "host", r->host);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room for the NUL */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || fs_write_all(fd, text, len) < 0 || fsync(fd) != 0)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot append to %s",
				       path);
	if (fd >= 0)
		close(fd);
	free(text);
	free(path);
	return rc;
}

const struct revision *ledger_last(const struct ledger *l, const char *status)
{
	size_t i;

	for (i = l->n; i > 0; i--)
		if (!strcmp(l->revs[i - 1].status, status))
			return &l->revs[i - 1];
	return NULL;
}

void ledger_free(struct ledger *l)
{
	free(l->revs);
	memset(l, 0, sizeof(*l));
}
