/* A full disk, for fault tests, without privileges or a small mount:
 * LD_PRELOAD this library and set
 *   MLOPS_ENOSPC_DIR=/abs/dir   the "disk": regular files under it
 *   MLOPS_ENOSPC_AFTER=N        bytes that still fit (default 0)
 * Writes to files under the directory succeed until N bytes have been
 * written in all, then one comes short and the next fail with ENOSPC, as
 * a filling file system does. Everything else is untouched. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long budget = -1; /* -1: not read yet */
static const char *dir;
static size_t dirlen;

static void setup(void)
{
	const char *n;

	if (budget >= 0)
		return;
	dir = getenv("MLOPS_ENOSPC_DIR");
	dirlen = dir ? strlen(dir) : 0;
	n = getenv("MLOPS_ENOSPC_AFTER");
	budget = n ? atoll(n) : 0;
}

/* 1 when fd is a regular file under the full directory. */
static int on_full_disk(int fd)
{
	char link[64], path[PATH_MAX];
	struct stat st;
	ssize_t n;

	setup();
	if (!dirlen || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return !strncmp(path, dir, dirlen) &&
	       (path[dirlen] == '/' || path[dirlen] == '\0');
}

/* How much of len fits; -1 with ENOSPC when nothing does. */
static ssize_t room(int fd, size_t len)
{
	long long take;

	if (!len || !on_full_disk(fd))
		return (ssize_t)len;
	if (budget <= 0) {
		errno = ENOSPC;
		return -1;
	}
	take = (long long)len < budget ? (long long)len : budget;
	budget -= take;
	return (ssize_t)take;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	static ssize_t (*real)(int, const void *, size_t);
	ssize_t n;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
								     "write");
	n = room(fd, len);
	return n < 0 ? -1 : real(fd, buf, (size_t)n);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	ssize_t n;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(
			RTLD_NEXT, "pwrite");
	n = room(fd, len);
	return n < 0 ? -1 : real(fd, buf, (size_t)n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite(fd, buf, len, off);
}

/* Only the first buffer of a short vector write is written. */
ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);
	size_t total = 0;
	int i;

	if (!real)
		real = (ssize_t (*)(int, const struct iovec *, int))dlsym(
			RTLD_NEXT, "writev");
	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if (!on_full_disk(fd))
		return real(fd, iov, cnt);
	if ((long long)total <= budget) {
		budget -= (long long)total;
		return real(fd, iov, cnt);
	}
	for (i = 0; i < cnt && !iov[i].iov_len; i++)
		;
	return i < cnt ? write(fd, iov[i].iov_base, iov[i].iov_len) : 0;
}
