/* The deterministic tar writer: placeholder names patched in place, dropped
 * entries, tars inside tars, and bytes identical run after run. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include "lib/bundle/tarwriter.h"
#include "lib/core/fsutil.h"
#include "lib/core/sha256.h"
#include "lib/core/strbuf.h"
#include "tap.h"

#define PH "blobs/sha256/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define FINAL "blobs/sha256/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static int collect(void *ctx, const void *data, size_t len)
{
	strbuf_add(ctx, data, len);
	return 0;
}

static void make_archive(const char *path, char digest[DIGEST_STR_LEN])
{
	struct tarw *t = NULL;
	struct strbuf file = STRBUF_INIT;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	tarw_open_fd(&t, fd, 1700000000);
	tarw_add_buf(t, "first", "hello", 5, 0644);
	tarw_begin(t, PH, 3, 0644);
	tarw_write(t, "abc", 3);
	tarw_end(t);
	ok(tarw_rename_last(t, PH, FINAL) == 0, "rename the last entry");
	tarw_begin(t, PH, 4, 0644);
	tarw_write(t, "drop", 4);
	tarw_end(t);
	ok(tarw_drop_last(t) == 0, "drop the last entry");
	tarw_add_buf(t, "last", "bye", 3, 0755);
	ok(tarw_close(t) == 0, "close");
	close(fd);
	fs_read_file(path, 1 << 20, &file);
	sha256_digest_buf(file.buf, file.len, digest);
	strbuf_release(&file);
}

static void test_patch_and_drop(void)
{
	char d1[DIGEST_STR_LEN], d2[DIGEST_STR_LEN];
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	const char *names[4] = { 0 };
	char data[16];
	int n = 0, r;

	make_archive("t1.tar", d1);
	make_archive("t2.tar", d2);
	is_str(d1, d2, "two runs give identical bytes");
	archive_read_support_format_tar(a);
	ok(archive_read_open_filename(a, "t1.tar", 4096) == ARCHIVE_OK,
	   "libarchive reads it back");
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK && n < 4) {
		names[n] = strdup(archive_entry_pathname(e));
		if (n == 1) {
			la_ssize_t got = archive_read_data(a, data, sizeof(data));

			ok(got == 3 && !memcmp(data, "abc", 3),
			   "renamed entry keeps its data");
			is_int(archive_entry_mtime(e), 1700000000, "fixed mtime");
			is_int(archive_entry_uid(e), 0, "uid 0");
		}
		n++;
	}
	is_int(r, ARCHIVE_EOF, "no checksum error, clean end");
	is_int(n, 3, "three entries (one dropped)");
	is_str(names[0], "first", "first entry");
	is_str(names[1], FINAL, "renamed entry has its final name");
	is_str(names[2], "last", "entry after the dropped one");
	archive_read_free(a);
	for (n = 0; n < 4; n++)
		free((void *)names[n]);
}

static void test_sink(void)
{
	struct strbuf out = STRBUF_INIT;
	struct tarw *t = NULL;
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	ok(tarw_open_sink(&t, collect, &out, 0) == 0, "sink archive");
	tarw_add_buf(t, "a/b.txt", "x", 1, 0644);
	tarw_close(t);
	is_int(out.len % 512, 0, "whole blocks");
	archive_read_support_format_tar(a);
	archive_read_open_memory(a, out.buf, out.len);
	ok(archive_read_next_header(a, &e) == ARCHIVE_OK &&
		   !strcmp(archive_entry_pathname(e), "a/b.txt"),
	   "inner tar readable");
	archive_read_free(a);
	strbuf_release(&out);
}

int main(void)
{
	char dir[] = "/tmp/mlops-tarw-XXXXXX";

	if (!mkdtemp(dir) || chdir(dir) < 0)
		return 1;
	test_patch_and_drop();
	test_sink();
	unlink("t1.tar");
	unlink("t2.tar");
	rmdir(dir);
	return done_testing();
}
