#include "ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* One line as a revision: 0, or -1 when it is not a ledger line. A
 * revision first appears after the lines of every earlier one, so its
 * number is at most the line's. */
static int parse_line(const char *line, unsigned lineno, struct revision *r)
{
	json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	json_t *num = json_object_get(j, "revision");
	json_int_t n = json_is_integer(num) ? json_integer_value(num) : 0;

	if (!json_is_object(j) || n < 1 || n > (json_int_t)lineno ||
	    !json_is_string(json_object_get(j, "status"))) {
		json_decref(j);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	r->number = (long)n;
	copy(r->status, sizeof(r->status), json_object_get(j, "status"));
	copy(r->digest, sizeof(r->digest), json_object_get(j, "digest"));
	copy(r->name, sizeof(r->name), json_object_get(j, "name"));
	copy(r->version, sizeof(r->version), json_object_get(j, "version"));
	copy(r->updated, sizeof(r->updated), json_object_get(j, "updated"));
	copy(r->description, sizeof(r->description),
	     json_object_get(j, "description"));
	copy(r->host, sizeof(r->host), json_object_get(j, "host"));
	r->pid = (long)json_integer_value(json_object_get(j, "pid"));
	r->unverified = json_is_true(json_object_get(j, "unverified"));
	json_decref(j);
	return 0;
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
	/* By length, not by NUL: a damaged line may hold NUL bytes. */
	for (line = sb.buf; !rc && line && line < sb.buf + sb.len;
	     line = nl ? nl + 1 : NULL) {
		struct revision r;
		size_t len, left = sb.len - (size_t)(line - sb.buf);

		nl = memchr(line, '\n', left);
		len = nl ? (size_t)(nl - line) : left;
		if (nl)
			*nl = '\0';
		lineno++;
		if (!len)
			continue;
		if (memchr(line, '\0', len) || parse_line(line, lineno, &r) < 0) {
			if (!nl) {
				l->torn = len;
			} else if (!l->damaged++) {
				l->first_damaged = lineno;
			}
			continue;
		}
		if ((size_t)r.number > l->n) {
			l->revs = xrealloc(l->revs,
					   sizeof(*l->revs) * (size_t)r.number);
			memset(&l->revs[l->n], 0,
			       sizeof(*l->revs) * ((size_t)r.number - l->n));
			l->n = (size_t)r.number;
		}
		l->revs[r.number - 1] = r;
	}
	strbuf_release(&sb);
	free(path);
	if (rc)
		ledger_free(l);
	return rc;
}

/* Before an append: every line must end where it should. A last line
 * without its newline is completed when it is a whole ledger line, else
 * set aside in LEDGER_TORN_FILE and cut off. The caller holds the lock. */
static int repair_tail(const char *root, const char *path, int fd)
{
	struct strbuf tail = STRBUF_INIT;
	struct stat st;
	off_t start;
	char c;
	int rc = 0;

	if (fstat(fd, &st) < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot stat %s", path);
	if (st.st_size == 0 ||
	    (pread(fd, &c, 1, st.st_size - 1) == 1 && c == '\n'))
		return 0;
	/* Find the start of the last line. */
	for (start = st.st_size - 1; start > 0; start--) {
		if (pread(fd, &c, 1, start - 1) != 1)
			return mlops_error_errno(MLOPS_EIO, errno,
						 "cannot read %s", path);
		if (c == '\n')
			break;
	}
	{
		size_t n = (size_t)(st.st_size - start);
		char *buf = xmalloc(n + 1);

		if (pread(fd, buf, n, start) != (ssize_t)n) {
			free(buf);
			return mlops_error_errno(MLOPS_EIO, errno,
						 "cannot read %s", path);
		}
		strbuf_add(&tail, buf, n);
		free(buf);
	}
	{
		struct revision r;
		int whole = !memchr(tail.buf, '\0', tail.len) &&
			    parse_line(tail.buf, UINT_MAX, &r) == 0;

		if (whole) {
			if (fs_write_all(fd, "\n", 1) < 0)
				rc = mlops_error_errno(MLOPS_EIO, errno,
						       "cannot append to %s", path);
		} else {
			char *aside = fs_join(root, LEDGER_TORN_FILE);
			int afd = open(aside, O_WRONLY | O_CREAT | O_APPEND |
						      O_CLOEXEC, 0600);

			strbuf_addch(&tail, '\n');
			if (afd < 0 || fs_write_all(afd, tail.buf, tail.len) < 0 ||
			    fsync(afd) != 0)
				rc = mlops_error_errno(MLOPS_EIO, errno, "cannot "
						       "set the torn line aside "
						       "in %s", aside);
			if (afd >= 0)
				close(afd);
			if (!rc && ftruncate(fd, start) != 0)
				rc = mlops_error_errno(MLOPS_EIO, errno,
						       "cannot repair %s", path);
			free(aside);
		}
	}
	strbuf_release(&tail);
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
	/* Only when set: lines of a verified revision stay as they were. */
	if (r->unverified)
		json_object_set_new(j, "unverified", json_true());
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps leaves room for the NUL */
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot append to %s",
				       path);
	if (!rc)
		rc = repair_tail(root, path, fd);
	if (!rc && (fs_write_all(fd, text, len) < 0 || fsync(fd) != 0))
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot append to %s",
				       path);
	if (fd >= 0)
		close(fd);
	free(text);
	free(path);
	return rc;
}

int ledger_damage(const struct ledger *l, const char *root, char *buf,
		  size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (l->torn)
		n = snprintf(buf, len, "%s/%s: the last line (%zu bytes) was cut "
			     "by a crash or a full disk and is left out; the "
			     "next deploy sets it aside in %s", root,
			     LEDGER_FILE, l->torn, LEDGER_TORN_FILE);
	if (l->damaged && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%s/%s: %zu damaged "
			 "line%s left out (the first: line %u); the ledger is "
			 "kept as it is", n ? "; " : "", root, LEDGER_FILE,
			 l->damaged, plural(l->damaged),
			 l->first_damaged);
	return l->torn || l->damaged;
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
