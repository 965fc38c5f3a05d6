#include "tarwriter.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

struct tarw {
	struct archive *a;
	int fd;             /* -1 for sink archives */
	tarw_sink_fn sink;
	void *sink_ctx;
	int sink_err;
	int write_errno;    /* the fd's first failed write */
	int aborted;        /* drop every write: a failure is unwinding */
	time_t mtime;
	uint64_t offset;    /* bytes handed to the fd or the sink */
	uint64_t entry_start, entry_data;
};

static la_ssize_t write_cb(struct archive *a, void *ctx, const void *buf,
			   size_t len)
{
	struct tarw *t = ctx;
	int rc;

	/* A failure is recorded here and reported by the tarw call that
	 * caused it (write_failed), while libarchive is told the bytes were
	 * taken: an archive in libarchive's fatal state leaks its output
	 * filter's memory when freed (libarchive 3.6). Nothing more reaches
	 * the output after a failure. */
	(void)a;
	/* Aborting, the close pads the pending entry to its declared size:
	 * refuse at once, or a size a hostile manifest claimed (2^50) is
	 * padded with zeros for ever. Refusing here (not archive_write_fail)
	 * leaks nothing. */
	if (t->aborted)
		return -1;
	if (t->write_errno || t->sink_err)
		return (la_ssize_t)len;
	if (t->fd >= 0) {
		rc = fs_write_all(t->fd, buf, len);
		if (rc < 0) {
			t->write_errno = -rc;
			return (la_ssize_t)len;
		}
	} else {
		rc = t->sink(t->sink_ctx, buf, len);
		if (rc < 0) {
			t->sink_err = rc;
			return (la_ssize_t)len;
		}
	}
	t->offset += len;
	return (la_ssize_t)len;
}

/* The error of a write the callback took in but could not make. */
static int write_failed(struct tarw *t, const char *what)
{
	if (t->sink_err)
		return t->sink_err; /* the sink recorded its own error */
	if (t->write_errno)
		return mlops_error_set(MLOPS_EIO, "cannot write the archive "
				       "(%s): %s", what, strerror(t->write_errno));
	return 0;
}

static int archive_fail(struct tarw *t, const char *what)
{
	int rc = write_failed(t, what);

	if (rc)
		return rc;
	return mlops_error_set(MLOPS_EIO, "cannot write the archive (%s): %s", what,
			       archive_error_string(t->a)
				       ? archive_error_string(t->a)
				       : "unknown error");
}

static int tarw_open(struct tarw **out, struct tarw *t)
{
	t->a = archive_write_new();
	if (!t->a) {
		free(t);
		return mlops_error_set(MLOPS_EINTERNAL,
				       "cannot create an archive writer");
	}
	/* Restricted pax: plain ustar headers unless a field needs more
	 * (names over 100 bytes, sizes from 8 GiB). No blocking, so every
	 * byte reaches write_cb at once and offsets are exact. */
	if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(t->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(t->a, 0) != ARCHIVE_OK ||
	    archive_write_open2(t->a, t, NULL, write_cb, NULL, NULL) !=
		    ARCHIVE_OK) {
		int rc = mlops_error_set(MLOPS_EINTERNAL,
					 "cannot set up the archive: %s",
					 archive_error_string(t->a));

		archive_write_free(t->a);
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int tarw_open_fd(struct tarw **out, int fd, time_t mtime)
{
	struct tarw *t = xcalloc(1, sizeof(*t));

	t->fd = fd;
	t->mtime = mtime;
	return tarw_open(out, t);
}

int tarw_open_sink(struct tarw **out, tarw_sink_fn sink, void *ctx,
		   time_t mtime)
{
	struct tarw *t = xcalloc(1, sizeof(*t));

	t->fd = -1;
	t->sink = sink;
	t->sink_ctx = ctx;
	t->mtime = mtime;
	return tarw_open(out, t);
}

static int write_header(struct tarw *t, const char *path, mode_t type,
			uint64_t size, mode_t perm, const char *link)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	archive_entry_set_pathname(e, path);
	if (link)
		archive_entry_set_symlink(e, link);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	archive_entry_set_mtime(e, t->mtime, 0);
	t->entry_start = t->offset;
	if (archive_write_header(t->a, e) != ARCHIVE_OK)
		rc = archive_fail(t, path);
	else
		rc = write_failed(t, path);
	t->entry_data = t->offset;
	archive_entry_free(e);
	return rc;
}

int tarw_add_dir(struct tarw *t, const char *path)
{
	return write_header(t, path, AE_IFDIR, 0, 0755, NULL);
}

int tarw_add_dir_mode(struct tarw *t, const char *path, mode_t perm)
{
	return write_header(t, path, AE_IFDIR, 0, perm, NULL);
}

int tarw_add_symlink(struct tarw *t, const char *path, const char *target)
{
	int rc = write_header(t, path, AE_IFLNK, 0, 0777, target);

	return rc ? rc : tarw_end(t);
}

int tarw_begin(struct tarw *t, const char *path, uint64_t size, mode_t perm)
{
	return write_header(t, path, AE_IFREG, size, perm, NULL);
}

int tarw_write(struct tarw *t, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		la_ssize_t n = archive_write_data(t->a, p, len);

		if (n <= 0)
			return archive_fail(t, "data");
		p += n;
		len -= (size_t)n;
	}
	return write_failed(t, "data");
}

int tarw_end(struct tarw *t)
{
	if (archive_write_finish_entry(t->a) != ARCHIVE_OK)
		return archive_fail(t, "entry");
	return write_failed(t, "entry");
}

int tarw_add_buf(struct tarw *t, const char *path, const void *data,
		 size_t len, mode_t perm)
{
	int rc = tarw_begin(t, path, len, perm);

	if (!rc)
		rc = tarw_write(t, data, len);
	if (!rc)
		rc = tarw_end(t);
	return rc;
}

/* ustar: checksum over the header with its own field as spaces, written
 * as six octal digits, NUL, space (as libarchive writes it). */
static void fix_checksum(unsigned char *h)
{
	unsigned sum = 0;
	int i;

	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum & 0777777);
	h[154] = '\0';
	h[155] = ' ';
}

int tarw_rename_last(struct tarw *t, const char *placeholder,
		     const char *final_path)
{
	size_t plen = strlen(placeholder), hlen;
	const char *pbase = strrchr(placeholder, '/');
	const char *fbase = strrchr(final_path, '/');
	unsigned char *hdr;
	size_t off, blen;
	int rc = 0;

	if (t->fd < 0 || plen != strlen(final_path))
		return mlops_error_set(MLOPS_EINTERNAL,
				       "cannot rename a tar entry here");
	/* A pax 'x' header, when present, names the entry by its base
	 * name under a PaxHeader directory: patch base names. */
	pbase = pbase ? pbase + 1 : placeholder;
	fbase = fbase ? fbase + 1 : final_path;
	blen = strlen(pbase);
	hlen = (size_t)(t->entry_data - t->entry_start);
	if (hlen == 0 || hlen % 512 || hlen > 64 * 1024)
		return mlops_error_set(MLOPS_EINTERNAL,
				       "unexpected tar header layout");
	hdr = xmalloc(hlen);
	if (pread(t->fd, hdr, hlen, (off_t)t->entry_start) != (ssize_t)hlen) {
		rc = mlops_error_errno(MLOPS_EIO, errno,
				       "cannot read back the archive");
		goto done;
	}
	for (off = 0; off < hlen; off += 512) {
		unsigned char *b = hdr + off;
		int changed = 0;
		size_t i;

		for (i = 0; i + blen <= 512; i++)
			if (!memcmp(b + i, pbase, blen)) {
				memcpy(b + i, fbase, blen);
				changed = 1;
			}
		if (changed && !memcmp(b + 257, "ustar", 5))
			fix_checksum(b);
	}
	if (pwrite(t->fd, hdr, hlen, (off_t)t->entry_start) != (ssize_t)hlen)
		rc = mlops_error_errno(MLOPS_EIO, errno,
				       "cannot update the archive");
done:
	free(hdr);
	return rc;
}

int tarw_drop_last(struct tarw *t)
{
	if (t->fd < 0)
		return mlops_error_set(MLOPS_EINTERNAL,
				       "cannot drop a tar entry here");
	if (ftruncate(t->fd, (off_t)t->entry_start) < 0 ||
	    lseek(t->fd, (off_t)t->entry_start, SEEK_SET) < 0)
		return mlops_error_errno(MLOPS_EIO, errno,
					 "cannot truncate the archive");
	t->offset = t->entry_start;
	return 0;
}

int tarw_close(struct tarw *t)
{
	int rc = 0;

	if (archive_write_close(t->a) != ARCHIVE_OK)
		rc = archive_fail(t, "end");
	else
		rc = write_failed(t, "end");
	archive_write_free(t->a);
	free(t);
	return rc;
}

void tarw_abort(struct tarw *t)
{
	if (!t)
		return;
	/* Not archive_write_fail(): it leaks the pending entry's state.
	 * Closing normally frees everything; the dropped writes make it
	 * quick and keep anything more from reaching the output. */
	t->aborted = 1;
	archive_write_free(t->a);
	free(t);
}
