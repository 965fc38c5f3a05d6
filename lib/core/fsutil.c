#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "tempfile.h"

int fs_read_file(const char *path, size_t max, struct strbuf *sb)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
					 path);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mlops_error_errno(MLOPS_EIO, errno,
					       "cannot read '%s'", path);
			break;
		}
		if (n == 0)
			break;
		if (sb->len + (size_t)n > max) {
			rc = mlops_error_set(MLOPS_EINPUT,
					     "'%s' is larger than %zu bytes",
					     path, max);
			break;
		}
		strbuf_add(sb, buf, (size_t)n);
	}
	close(fd);
	if (!rc && !sb->buf)
		strbuf_add(sb, "", 0);
	return rc;
}

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return mlops_error_errno(MLOPS_EIO, errno,
					 "cannot open directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = mlops_error_errno(MLOPS_EIO, errno,
				       "cannot sync directory '%s'", dir);
	close(fd);
	return rc;
}

int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode)
{
	struct tempfile tmp;
	char *dir = NULL;
	int rc, err;

	rc = tempfile_create(&tmp, path, mode);
	if (rc < 0)
		return rc;
	err = fs_write_all(tmp.fd, data, len);
	if (err < 0) {
		rc = mlops_error_errno(MLOPS_EIO, -err, "cannot write '%s'",
				       tmp.path);
		goto fail;
	}
	rc = tempfile_commit(&tmp);
	if (rc < 0)
		goto fail;
	dir = fs_dirname(path);
	rc = fs_fsync_dir(dir);
	free(dir);
	return rc;
fail:
	tempfile_discard(&tmp);
	return rc;
}

char *fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

const char *fs_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *fs_join(const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	if (b[0] == '/' || !a[0] || !strcmp(a, "."))
		return xstrdup(b);
	strbuf_addstr(&sb, a);
	if (sb.buf[sb.len - 1] != '/')
		strbuf_addch(&sb, '/');
	strbuf_addstr(&sb, b);
	return strbuf_detach(&sb);
}

int fs_is_within(const char *root, const char *path)
{
	char *r = realpath(root, NULL);
	char *p = realpath(path, NULL);
	int within = 0;

	if (r && p) {
		size_t n = strlen(r);

		if (!strcmp(r, "/"))
			within = 1;
		else
			within = !strncmp(r, p, n) &&
				 (p[n] == '/' || p[n] == '\0');
	}
	free(r);
	free(p);
	return within;
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int fs_mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		{
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				rc = mlops_error_errno(MLOPS_EIO, errno,
						       "cannot create '%s'", p);
				break;
			}
			*s = c;
		}
		if (!*s)
			break;
	}
	free(p);
	return rc;
}

int fs_copy_atomic(const char *src, const char *dst, mode_t mode)
{
	struct tempfile t;
	char buf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (in < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot read %s", src);
	rc = tempfile_create(&t, dst, mode);
	if (rc) {
		close(in);
		return rc;
	}
	while (!rc && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || fs_write_all(t.fd, buf, (size_t)n) < 0)
			rc = mlops_error_errno(MLOPS_EIO, errno, "cannot copy %s",
					       src);
	}
	close(in);
	if (rc) {
		tempfile_discard(&t);
		return rc;
	}
	return tempfile_commit(&t);
}
