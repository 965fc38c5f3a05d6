/* Replays fuzz inputs through a harness without libFuzzer: every file
 * named, and every file in the directories named. `make check` runs each
 * harness's corpus (tests/fuzz/corpus/NAME) through it, so a crasher once
 * found stays fixed. Prints how many inputs ran. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, f);
		if (!n)
			break;
		len += n;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	long ran = 0;
	int i;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 2;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			char **names = NULL;
			size_t n = 0, k;

			while (d && (de = readdir(d))) {
				if (de->d_name[0] == '.')
					continue;
				names = realloc(names, (n + 1) * sizeof(*names));
				names[n] = malloc(strlen(argv[i]) + strlen(de->d_name) + 2);
				sprintf(names[n++], "%s/%s", argv[i], de->d_name);
			}
			if (d)
				closedir(d);
			if (n)
				qsort(names, n, sizeof(*names), by_name);
			for (k = 0; k < n; k++) {
				if (run_file(names[k]) < 0)
					return 2;
				ran++;
				free(names[k]);
			}
			free(names);
		} else {
			if (run_file(argv[i]) < 0)
				return 2;
			ran++;
		}
	}
	printf("%ld inputs\n", ran);
	return 0;
}
