#include "local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bundle/reader.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "../core/tempfile.h"

static const char *hex_of(const char *digest)
{
	return strncmp(digest, "sha256:", 7) ? digest : digest + 7;
}

static char *release_dir(const char *root, const char *digest)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/releases/%s", root, hex_of(digest));
	return strbuf_detach(&sb);
}

char *local_release_bundle(const char *root, const char *digest)
{
	char *dir = release_dir(root, digest), *path = fs_join(dir, "bundle.mlpkg");

	free(dir);
	return path;
}

/* The bundle at path has this digest and reads as a bundle. */
static int intact(const char *path, const char *digest)
{
	struct bundle *b = NULL;
	int ok = bundle_open(&b, path, NULL) == 0 &&
		 !strcmp(b->manifest_digest, digest);

	bundle_free(b);
	mlops_error_clear();
	return ok;
}

int local_install(const char *root, const char *bundle, const char *digest)
{
	char *dir = release_dir(root, digest), *dst = fs_join(dir, "bundle.mlpkg");
	int rc = 0;

	if (!intact(dst, digest)) {
		rc = fs_mkdir_p(dir, 0755);
		if (!rc)
			rc = fs_copy_atomic(bundle, dst, 0644);
		if (!rc && !intact(dst, digest))
			rc = mlops_error_set(MLOPS_EIO, "%s: the copy does not "
					     "verify as %s", dst, digest);
	}
	free(dst);
	free(dir);
	return rc;
}

void local_prune(const char *root, const char *const *keep, size_t nkeep,
		 size_t *removed)
{
	char *dir = fs_join(root, "releases");
	DIR *dh = opendir(dir);
	struct dirent *de;
	size_t i;

	*removed = 0;
	while (dh && (de = readdir(dh))) {
		char *rel, *bundle;

		if (strlen(de->d_name) != 64)
			continue;
		for (i = 0; i < nkeep; i++)
			if (!strcmp(hex_of(keep[i]), de->d_name))
				break;
		if (i < nkeep)
			continue;
		rel = fs_join(dir, de->d_name);
		bundle = fs_join(rel, "bundle.mlpkg");
		unlink(bundle);
		if (rmdir(rel) == 0)
			(*removed)++;
		free(bundle);
		free(rel);
	}
	if (dh)
		closedir(dh);
	free(dir);
}

static int is_temp_name(const char *name)
{
	return name[0] == '.' && strstr(name, ".tmp-") != NULL;
}

static size_t leftovers(const char *root, uint64_t *bytes, int remove);

size_t local_clean_leftovers(const char *root, uint64_t *bytes)
{
	return leftovers(root, bytes, 1);
}

int local_has_leftovers(const char *root)
{
	uint64_t bytes = 0;

	return leftovers(root, &bytes, 0) > 0;
}

static size_t leftovers(const char *root, uint64_t *bytes, int remove)
{
	char *dir = fs_join(root, "releases"), *cur = fs_join(root, ".current.new");
	DIR *dh = opendir(dir);
	struct dirent *de;
	size_t files = 0;

	if (remove ? unlink(cur) == 0 : access(cur, F_OK) == 0)
		files++;
	while (dh && (de = readdir(dh))) {
		char *rel;
		DIR *rh;
		struct dirent *fe;

		if (strlen(de->d_name) != 64 && !is_temp_name(de->d_name))
			continue;
		rel = fs_join(dir, de->d_name);
		rh = opendir(rel);
		while (rh && (fe = readdir(rh))) {
			char *f;
			struct stat st;

			if (!is_temp_name(fe->d_name))
				continue;
			f = fs_join(rel, fe->d_name);
			if (lstat(f, &st) == 0 && S_ISREG(st.st_mode) &&
			    (!remove || unlink(f) == 0)) {
				files++;
				*bytes += (uint64_t)st.st_size;
			}
			free(f);
		}
		if (rh)
			closedir(rh);
		/* Empty (nothing was installed): gone; else left alone. */
		if (remove)
			rmdir(rel);
		free(rel);
	}
	if (dh)
		closedir(dh);
	free(dir);
	free(cur);
	return files;
}

int local_switch(const char *root, const char *digest)
{
	struct strbuf target = STRBUF_INIT;
	char *cur = fs_join(root, "current"), *tmp = fs_join(root, ".current.new");
	int rc = 0;

	strbuf_addf(&target, "releases/%s", hex_of(digest));
	unlink(tmp);
	if (symlink(target.buf, tmp) != 0 || rename(tmp, cur) != 0) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot point %s at %s",
				       cur, target.buf);
		unlink(tmp);
	} else {
		/* The rename is durable once the directory is synced. */
		int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	strbuf_release(&target);
	free(cur);
	free(tmp);
	return rc;
}

void local_current(const char *root, char *digest, size_t len)
{
	char *cur = fs_join(root, "current"), buf[PATH_MAX];
	ssize_t n = readlink(cur, buf, sizeof(buf) - 1);
	const char *slash;

	digest[0] = '\0';
	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		snprintf(digest, len, "sha256:%s", slash ? slash + 1 : buf);
	}
	free(cur);
}

/* The pid is an `mlops serve --root` process, not a stranger that got
 * a dead server's pid (SIGHUP would end most programs). */
static int is_server(long pid)
{
	char path[64];
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int serve = 0, root = 0;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (fs_read_file(path, 1 << 16, &sb) == 0)
		for (i = 0; i < sb.len; i += strlen(sb.buf + i) + 1) {
			serve |= !strcmp(sb.buf + i, "serve");
			root |= !strcmp(sb.buf + i, "--root") ||
				!strncmp(sb.buf + i, "--root=", 7);
		}
	mlops_error_clear();
	strbuf_release(&sb);
	return serve && root;
}

/* The pid of the server serve.pid names, when it runs; else 0. */
static long server_pid(const char *root)
{
	char *path = fs_join(root, SERVE_PID_FILE);
	struct strbuf sb = STRBUF_INIT;
	long pid = 0;

	if (fs_read_file(path, 64, &sb) != 0 || sscanf(sb.buf, "%ld", &pid) != 1 ||
	    pid <= 1 || !is_server(pid))
		pid = 0;
	mlops_error_clear();
	strbuf_release(&sb);
	free(path);
	return pid;
}

int local_server_running(const char *root)
{
	return server_pid(root) != 0;
}

int local_signal_server(const char *root)
{
	long pid = server_pid(root);

	return pid && kill((pid_t)pid, SIGHUP) == 0;
}

int local_write_pid(const char *root)
{
	char *path = fs_join(root, SERVE_PID_FILE), buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	int rc = fs_write_atomic(path, buf, (size_t)n, 0644);

	free(path);
	return rc;
}

void local_remove_pid(const char *root)
{
	char *path = fs_join(root, SERVE_PID_FILE);
	struct strbuf sb = STRBUF_INIT;
	long pid = 0;

	/* Only our own: a newer server may have replaced it. */
	if (fs_read_file(path, 64, &sb) == 0 && sscanf(sb.buf, "%ld", &pid) == 1 &&
	    pid == (long)getpid())
		unlink(path);
	mlops_error_clear();
	strbuf_release(&sb);
	free(path);
}
