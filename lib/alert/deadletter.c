/* The dead-letter file: deliveries that failed, one JSON line each,
 * appended with one write(2) and fsync'd, so that a line is whole or
 * absent even when several processes share the file. */
#include "deadletter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/xdg.h"

char *alert_default_dead_letter(void)
{
	return xdg_path(XDG_STATE, "alerts-dead-letter.jsonl");
}

int dead_letter_append(const char *path, const json_t *record)
{
	struct strbuf line = STRBUF_INIT;
	char *dir = fs_dirname(path);
	int fd, rc = 0;

	if (fs_mkdir_p(dir, 0700) < 0) {
		free(dir);
		return mlops_error_last()->code;
	}
	free(dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
					 path);
	json_dump_strbuf(record, JSON_DUMP_COMPACT, &line);
	strbuf_addch(&line, '\n');
	if (fs_write_all(fd, line.buf, line.len) < 0 || fsync(fd) < 0)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot write '%s'",
				       path);
	close(fd);
	strbuf_release(&line);
	return rc;
}
