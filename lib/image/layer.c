#include "layer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../bundle/tarwriter.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

struct layer_writer {
	struct tarw *t;
	z_stream z;
	struct sha256 raw, gz;
	int fd;
	uint64_t raw_size, gz_size;
	unsigned char out[65536];
};

/* A file that no one can see and that vanishes with its descriptor:
 * nothing is left behind whatever happens. */
int layer_temp_file(void)
{
	const char *dir = getenv("TMPDIR");
	struct strbuf path = STRBUF_INIT;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		/* file systems without O_TMPFILE */
		strbuf_addf(&path, "%s/mlops-layer.XXXXXX", dir);
		fd = mkostemp(path.buf, O_CLOEXEC);
		if (fd >= 0)
			unlink(path.buf);
	}
	if (fd < 0)
		mlops_error_errno(MLOPS_EIO, errno, "cannot create a temporary "
				  "file in '%s'", dir);
	strbuf_release(&path);
	return fd < 0 ? MLOPS_EIO : fd;
}

/* Compressed output to the file, hashed. */
static int drain(struct layer_writer *w, int flush)
{
	int zr;

	do {
		size_t have;

		w->z.next_out = w->out;
		w->z.avail_out = sizeof(w->out);
		zr = deflate(&w->z, flush);
		if (zr == Z_STREAM_ERROR)
			return mlops_error_set(MLOPS_EINTERNAL, "zlib: %s",
					       w->z.msg ? w->z.msg : "error");
		have = sizeof(w->out) - w->z.avail_out;
		sha256_update(&w->gz, w->out, have);
		w->gz_size += have;
		if (have && fs_write_all(w->fd, w->out, have) < 0)
			return mlops_error_errno(MLOPS_EIO, errno, "cannot write "
						 "a layer to the temporary "
						 "directory");
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static int tar_sink(void *ctx, const void *data, size_t len)
{
	struct layer_writer *w = ctx;

	sha256_update(&w->raw, data, len);
	w->raw_size += len;
	w->z.next_in = (unsigned char *)data;
	w->z.avail_in = (uInt)len;
	return drain(w, Z_NO_FLUSH);
}

int layer_begin(struct layer_writer **out, struct tarw **t, time_t mtime)
{
	struct layer_writer *w = xcalloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	w->fd = layer_temp_file();
	if (w->fd < 0) {
		rc = w->fd;
		free(w);
		return rc;
	}
	/* Window 15 + 16: a gzip wrapper with zlib's fixed header (no
	 * name, no time). */
	if (deflateInit2(&w->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		close(w->fd);
		free(w);
		return mlops_error_set(MLOPS_EINTERNAL, "zlib: cannot start");
	}
	rc = sha256_init(&w->raw);
	if (!rc)
		rc = sha256_init(&w->gz);
	if (!rc)
		rc = tarw_open_sink(&w->t, tar_sink, w, mtime);
	if (rc) {
		layer_abort(w);
		return rc;
	}
	*t = w->t;
	*out = w;
	return 0;
}

int layer_finish(struct layer_writer *w, struct layer *out)
{
	int rc = tarw_close(w->t);

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	w->t = NULL;
	if (!rc) {
		w->z.next_in = NULL;
		w->z.avail_in = 0;
		rc = drain(w, Z_FINISH);
	}
	if (rc) {
		layer_abort(w);
		return rc;
	}
	sha256_final_digest(&w->raw, out->diff_id);
	sha256_final_digest(&w->gz, out->digest);
	out->size = w->gz_size;
	out->tar_size = w->raw_size;
	out->fd = w->fd;
	deflateEnd(&w->z);
	free(w);
	return 0;
}

void layer_abort(struct layer_writer *w)
{
	if (!w)
		return;
	tarw_abort(w->t);
	deflateEnd(&w->z);
	sha256_free(&w->raw);
	sha256_free(&w->gz);
	close(w->fd);
	free(w);
}

void layer_release(struct layer *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
