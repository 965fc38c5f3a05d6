#include "tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "strbuf.h"

/* A handful is plenty: mlops holds at most a few at a time. Paths are
 * stored as plain pointers read by the signal handler. */
#define TEMPFILE_SLOTS 16
static char *volatile registry[TEMPFILE_SLOTS];

static int registry_add(char *path)
{
	int i;

	for (i = 0; i < TEMPFILE_SLOTS; i++)
		if (!registry[i]) {
			registry[i] = path;
			return i;
		}
	return -1;
}

static void registry_del(int slot)
{
	if (slot >= 0 && slot < TEMPFILE_SLOTS)
		registry[slot] = NULL;
}

void tempfile_remove_all(void)
{
	int i;

	for (i = 0; i < TEMPFILE_SLOTS; i++)
		if (registry[i])
			unlink(registry[i]);
}

int tempfile_create(struct tempfile *t, const char *target, mode_t mode)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir;
	sigset_t all, old;
	struct stat st;

	/* rename(2) would replace a device or a pipe (as root, /dev/null
	 * itself) with a regular file. */
	if (stat(target, &st) == 0 && !S_ISREG(st.st_mode)) {
		memset(t, 0, sizeof(*t));
		t->fd = -1;
		return mlops_error_set(MLOPS_EUSAGE, "'%s' is not a regular file: "
				       "write to a file (it is replaced "
				       "atomically)", target);
	}
	dir = fs_dirname(target);
	strbuf_addf(&sb, "%s/.%s.tmp-XXXXXX", dir, fs_basename(target));
	free(dir);
	t->path = strbuf_detach(&sb);
	t->target = xstrdup(target);
	t->output = 0;
	/* Register before the file exists, with signals held, so that no
	 * signal can arrive between creation and registration. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd >= 0)
		t->slot = registry_add(t->path);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (t->fd < 0) {
		int err = errno;

		mlops_error_errno(MLOPS_EIO, err, "cannot create a file in '%s'",
				  t->path);
		free(t->path);
		free(t->target);
		t->path = t->target = NULL;
		return MLOPS_EIO;
	}
	/* mkostemp creates 0600; apply the wanted mode under the umask. */
	{
		mode_t mask = umask(0);

		umask(mask);
		fchmod(t->fd, mode & ~mask);
	}
	return 0;
}

int tempfile_create_output(struct tempfile *t, const char *target,
			   mode_t mode)
{
	int rc = fs_output_check(target);

	if (rc) {
		memset(t, 0, sizeof(*t));
		t->fd = -1;
		t->slot = -1;
		return rc;
	}
	rc = tempfile_create(t, target, mode);
	if (!rc)
		t->output = 1;
	return rc;
}

static void tempfile_free(struct tempfile *t)
{
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	registry_del(t->slot);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(t->path);
	free(t->target);
	t->path = t->target = NULL;
	t->fd = -1;
	t->slot = -1;
}

int tempfile_commit(struct tempfile *t)
{
	int rc = 0;

	if (fsync(t->fd) < 0 && errno != EINVAL)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot sync '%s'",
				       t->target);
	if (close(t->fd) < 0 && !rc)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot write '%s'",
				       t->target);
	t->fd = -1;
	if (!rc && t->output)
		rc = fs_output_check(t->target);
	if (!rc && rename(t->path, t->target) < 0)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot rename to '%s'",
				       t->target);
	if (rc)
		unlink(t->path);
	tempfile_free(t);
	return rc;
}

void tempfile_discard(struct tempfile *t)
{
	if (!t->path)
		return;
	if (t->fd >= 0)
		close(t->fd);
	unlink(t->path);
	tempfile_free(t);
}
