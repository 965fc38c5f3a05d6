/* What the fuzz harnesses share: inputs that the code under test reads
 * from a file get one, in a private directory made once per process. */
#ifndef MLOPS_FUZZ_H
#define MLOPS_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_path[256];

static int fuzz_rm(const char *path, const struct stat *sb, int flag,
		   struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0; /* on: what cannot go, stays */
}

/* At exit: the directory and what the inputs left in it. */
static void fuzz_dir_remove(void)
{
	nftw(fuzz_dir_path, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* The harness's directory, removed when the process exits. */
static __attribute__((unused)) const char *fuzz_dir(void)
{
	if (!fuzz_dir_path[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(fuzz_dir_path, sizeof(fuzz_dir_path),
			 "%s/mlops-fuzz-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(fuzz_dir_path))
			abort();
		atexit(fuzz_dir_remove);
	}
	return fuzz_dir_path;
}

/* data written to DIR/name; the path (static storage). */
static __attribute__((unused)) const char *fuzz_file(const uint8_t *data, size_t size,
			     const char *name)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size))
		abort();
	fclose(f);
	return path;
}

/* data as a NUL-terminated string (the caller frees). */
static __attribute__((unused)) char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#ifdef FUZZ_SERVING
#include "lib/server/serving.h"

/* The serving harnesses' model version, loaded once: the bundle named by
 * MLOPS_FUZZ_BUNDLE, else tests/fuzz/corpus/bundle/tiny (a small GLM);
 * max_batch 0 keeps serving_open's. */
static struct serving *fuzz_serving(const char *who, size_t max_batch)
{
	static struct serving *sv;
	static struct metrics m;

	if (!sv) {
		const char *path = getenv("MLOPS_FUZZ_BUNDLE");
		struct serving_opts so = { 1, 100, NULL };

		if (serving_open(&sv, path ? path : "tests/fuzz/corpus/bundle/tiny",
				 &so) < 0) {
			fprintf(stderr, "%s: %s\n", who,
				mlops_error_last()->message);
			abort();
		}
		sv->metrics = &m;
		if (max_batch)
			sv->max_batch = max_batch;
		sv->version_slot = metrics_version(&m, sv->bm->d->name,
						  sv->bm->d->version);
	}
	return sv;
}
#endif

#endif
