#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

/* Running: kill(pid, 0) succeeds for zombies too, so /proc says. */
static int alive(long pid)
{
	char path[64], state = 0;
	FILE *f;

	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = 0;
		fclose(f);
	}
	return state != 'Z' && state != 'X';
}

static int write_owner(int fd)
{
	char host[64] = "?", buf[160];
	int n;

	gethostname(host, sizeof(host) - 1);
	n = snprintf(buf, sizeof(buf), "%ld %s %lld\n", (long)getpid(), host,
		     (long long)time(NULL));
	return fs_write_all(fd, buf, (size_t)n) < 0 || fsync(fd) != 0 ? -1 : 0;
}

int env_lock_acquire(struct env_lock *l, const char *root, int force)
{
	int attempt;

	memset(l, 0, sizeof(*l));
	l->path = fs_join(root, "lock");
	for (attempt = 0; attempt < 2; attempt++) {
		struct strbuf sb = STRBUF_INIT;
		char host[64] = "", me[64] = "";
		long pid = 0;
		long long since = 0;
		int fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0600);

		if (fd >= 0) {
			int rc = write_owner(fd);

			close(fd);
			if (rc) {
				mlops_error_errno(MLOPS_EIO, errno,
						  "cannot write %s", l->path);
				unlink(l->path);
				goto fail;
			}
			return 0;
		}
		if (errno != EEXIST) {
			mlops_error_errno(MLOPS_EIO, errno, "cannot create %s",
					  l->path);
			goto fail;
		}
		if (fs_read_file(l->path, 4096, &sb) == 0)
			sscanf(sb.buf ? sb.buf : "", "%ld %63s %lld", &pid, host,
			       &since);
		strbuf_release(&sb);
		gethostname(me, sizeof(me) - 1);
		if (force || (pid > 0 && !strcmp(host, me) && !alive(pid))) {
			snprintf(l->stale, sizeof(l->stale),
				 "took over the lock of pid %ld on %s, %lld s old%s",
				 pid, host[0] ? host : "?",
				 since ? (long long)time(NULL) - since : 0,
				 force ? " (--force-unlock)" : " (that process is gone)");
			unlink(l->path);
			continue;
		}
		l->busy = 1;
		mlops_error_set(MLOPS_EIO, "the environment is locked by pid %ld "
				"on %s since %lld s (%s)", pid, host[0] ? host : "?",
				since ? (long long)time(NULL) - since : 0, l->path);
		mlops_error_hint("wait for that deploy, or pass --force-unlock if "
				 "it is gone");
		goto fail;
	}
	mlops_error_set(MLOPS_EIO, "cannot take %s", l->path);
fail:
	/* Not ours: release must not remove it. */
	free(l->path);
	l->path = NULL;
	return MLOPS_EIO;
}

void env_lock_release(struct env_lock *l)
{
	if (l->path)
		unlink(l->path);
	free(l->path);
	l->path = NULL;
}
