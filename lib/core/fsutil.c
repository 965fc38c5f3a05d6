#include "fsutil.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "tempfile.h"

struct input_file {
	dev_t dev;
	ino_t ino;
	char *path;
};

static struct {
	pthread_mutex_t lock;
	struct input_file *v;
	size_t n, alloc;
} inputs = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

void fs_note_input(const char *path, const struct stat *st)
{
	size_t i;

	pthread_mutex_lock(&inputs.lock);
	for (i = 0; i < inputs.n; i++)
		if (inputs.v[i].dev == st->st_dev && inputs.v[i].ino == st->st_ino)
			break;
	if (i == inputs.n) {
		ARRAY_GROW(inputs.v, inputs.n + 1, inputs.alloc);
		inputs.v[inputs.n].dev = st->st_dev;
		inputs.v[inputs.n].ino = st->st_ino;
		inputs.v[inputs.n].path = xstrdup(path);
		inputs.n++;
	}
	pthread_mutex_unlock(&inputs.lock);
}

int fs_same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

int fs_output_check(const char *target)
{
	struct stat st;
	size_t i;
	int rc = 0;

	if (stat(target, &st) != 0)
		return 0; /* a new file is no input */
	pthread_mutex_lock(&inputs.lock);
	for (i = 0; i < inputs.n && !rc; i++)
		if (inputs.v[i].dev == st.st_dev && inputs.v[i].ino == st.st_ino)
			rc = mlops_error_set(MLOPS_EUSAGE, "the output '%s' is "
					     "the input '%s' (the same file): "
					     "writing it would destroy the input",
					     target, inputs.v[i].path);
	pthread_mutex_unlock(&inputs.lock);
	if (rc)
		mlops_error_hint("write the output to another file");
	return rc;
}

int fs_write_output(const char *path, const void *data, size_t len,
		    mode_t mode)
{
	int rc = fs_output_check(path);

	return rc ? rc : fs_write_atomic(path, data, len, mode);
}

const char *fs_type_name(unsigned mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "not a regular file";
	}
}

int fs_open_regular(const char *path, struct stat *st)
{
	struct stat before, after;
	int fd, flags;

	if (stat(path, &before) < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
					 path);
	if (!S_ISREG(before.st_mode))
		return mlops_error_set(MLOPS_EIO, "'%s' is %s, not a regular "
				       "file", path, fs_type_name(before.st_mode));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
					 path);
	if (fstat(fd, &after) < 0 || !S_ISREG(after.st_mode) ||
	    after.st_dev != before.st_dev || after.st_ino != before.st_ino) {
		close(fd);
		return mlops_error_set(MLOPS_EINPUT, "'%s' changed while it was "
				       "opened", path);
	}
	fs_note_input(path, &after);
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	if (st)
		*st = after;
	return fd;
}

int fs_read_file(const char *path, size_t max, struct strbuf *sb)
{
	char buf[65536];
	int fd = fs_open_regular(path, NULL);
	int rc = 0;

	if (fd < 0)
		return fd;
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
	int in = fs_open_regular(src, NULL), rc = 0;
	ssize_t n;

	if (in < 0)
		return in;
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
