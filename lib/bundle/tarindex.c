#include "tarindex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/error.h"
#include "../core/strbuf.h"

static uint64_t octal(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	/* GNU base-256 for sizes from 8 GiB. */
	if (p[0] & 0x80) {
		for (i = 1; i < n; i++)
			v = (v << 8) | p[i];
		return v;
	}
	for (i = 0; i < n && (p[i] == ' ' || p[i] == '0'); i++)
		;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

/* The "size" and "path" records of a pax extended header. */
static void pax_records(const char *d, size_t n, uint64_t *size,
			struct strbuf *path)
{
	size_t i = 0;

	while (i < n) {
		char *end;
		unsigned long len = strtoul(d + i, &end, 10);
		const char *kv = end + 1, *eq;

		if (!len || i + len > n || *end != ' ')
			return;
		eq = memchr(kv, '=', d + i + len - kv);
		if (eq) {
			size_t klen = (size_t)(eq - kv);
			size_t vlen = (size_t)(d + i + len - 1 - (eq + 1));

			if (klen == 4 && !memcmp(kv, "size", 4))
				*size = strtoull(eq + 1, NULL, 10);
			else if (klen == 4 && !memcmp(kv, "path", 4)) {
				strbuf_reset(path);
				strbuf_add(path, eq + 1, vlen);
			}
		}
		i += len;
	}
}

int tarindex_blobs(struct blob_span **spans, size_t *n, const char *path)
{
	int fd = fs_open_regular(path, NULL);
	unsigned char h[512];
	struct strbuf name = STRBUF_INIT, longname = STRBUF_INIT;
	uint64_t off = 0, pax_size = 0;
	size_t alloc = 0;
	int have_pax_size = 0, rc = 0;

	*spans = NULL;
	*n = 0;
	if (fd < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
					 path);
	for (;;) {
		uint64_t size;
		char type;

		if (pread(fd, h, 512, (off_t)off) != 512)
			break;
		if (!h[0])
			break; /* end-of-archive blocks */
		size = octal(h + 124, 12);
		type = (char)h[156];
		off += 512;
		if (type == 'x' || type == 'L') {
			char *d;

			if (size > (1u << 20)) {
				rc = mlops_error_set(MLOPS_EINPUT, "'%s': an "
						     "oversized tar header", path);
				break;
			}
			d = xmalloc(size + 1);
			if (pread(fd, d, size, (off_t)off) != (ssize_t)size) {
				free(d);
				break;
			}
			if (type == 'x') {
				pax_size = 0;
				pax_records(d, size, &pax_size, &longname);
				have_pax_size = pax_size != 0;
			} else {
				strbuf_reset(&longname);
				strbuf_add(&longname, d, strnlen(d, size));
			}
			free(d);
			off += (size + 511) / 512 * 512;
			continue;
		}
		strbuf_reset(&name);
		if (longname.len) {
			strbuf_add(&name, longname.buf, longname.len);
		} else {
			if (h[345])
				strbuf_addf(&name, "%.155s/", (const char *)h + 345);
			strbuf_add(&name, h, strnlen((const char *)h, 100));
		}
		if (have_pax_size)
			size = pax_size;
		strbuf_reset(&longname);
		have_pax_size = 0;
		if ((type == '0' || type == '\0') &&
		    !strncmp(name.buf, "blobs/sha256/", 13) && name.len == 77) {
			struct blob_span *s;

			ARRAY_GROW(*spans, *n + 1, alloc);
			s = &(*spans)[(*n)++];
			snprintf(s->digest, sizeof(s->digest), "sha256:%s",
				 name.buf + 13);
			s->offset = off;
			s->size = size;
		}
		off += (size + 511) / 512 * 512;
	}
	close(fd);
	strbuf_release(&name);
	strbuf_release(&longname);
	return rc;
}

const struct blob_span *tarindex_find(const struct blob_span *spans,
				      size_t n, const char *digest)
{
	size_t i;

	for (i = 0; digest && i < n; i++) /* a document may name none */
		if (!strcmp(spans[i].digest, digest))
			return &spans[i];
	return NULL;
}
