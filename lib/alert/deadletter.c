/* The dead-letter file: deliveries that failed, one JSON line each.
 * Several processes may share the file (serve, a CI run): each append
 * holds an flock(2) and is one write(2), fsync'd, so that a line is
 * whole or absent; a write that fails half-way (a full disk) is cut
 * back off, and a line left unfinished by a crash is ended before the
 * next, so that one bad write never takes a good line with it. */
#include "deadletter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/xdg.h"

char *alert_default_dead_letter(void)
{
	return xdg_path(XDG_STATE, "alerts-dead-letter.jsonl");
}

/* The file for appending (and reading its last byte), created 0600: a
 * regular file of one name, never a symbolic link. O_RDWR and O_NONBLOCK: a FIFO or
 * a device put in its place must not hold the sender (and with it the
 * process's shutdown) in open(2); it is refused once open. */
static int open_regular_append(const char *path)
{
	struct stat st;
	int fd, flags;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
			      O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0 && errno == ELOOP)
		return mlops_error_set(MLOPS_EIO, "'%s' is a symbolic link: "
				       "refused (the dead-letter file is written "
				       "only where it is)", path);
	if (fd < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
					 path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return mlops_error_errno(MLOPS_EIO, errno, "cannot read '%s'",
					 path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return mlops_error_set(MLOPS_EIO, "'%s' is %s, not a regular file",
				       path, fs_type_name(st.st_mode));
	}
	/* Another name for some other file (a hard link planted in a shared
	 * directory) would get the alerts appended to that file. */
	if (st.st_nlink > 1) {
		close(fd);
		return mlops_error_set(MLOPS_EIO, "'%s' has %lu names (hard "
				       "links): refused", path,
				       (unsigned long)st.st_nlink);
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

/* 1 when the file's last byte is not a newline: a line left unfinished. */
static int ends_unfinished(int fd, off_t size)
{
	char last;

	return size > 0 && pread(fd, &last, 1, size - 1) == 1 && last != '\n';
}

int dead_letter_append(const char *path, const json_t *record)
{
	struct strbuf line = STRBUF_INIT;
	char *dir = fs_dirname(path);
	struct stat st;
	int fd, rc = 0, err;

	if (fs_mkdir_p(dir, 0700) < 0) {
		free(dir);
		return mlops_error_last()->code;
	}
	free(dir);
	fd = open_regular_append(path);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
		;
	if (fstat(fd, &st) < 0) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot read '%s'", path);
		goto done;
	}
	if (ends_unfinished(fd, st.st_size))
		strbuf_addch(&line, '\n');
	json_dump_strbuf(record, JSON_DUMP_COMPACT, &line);
	strbuf_addch(&line, '\n');
	err = fs_write_all(fd, line.buf, line.len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (err) {
		/* Under the lock the file ended at st_size: what is past it
		 * is this line's part. */
		if (ftruncate(fd, st.st_size) == 0)
			fsync(fd);
		rc = mlops_error_errno(MLOPS_EIO, -err, "cannot write '%s'", path);
	}
done:
	close(fd); /* and the lock with it */
	strbuf_release(&line);
	return rc;
}
