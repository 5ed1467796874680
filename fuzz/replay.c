// SPDX-License-Identifier: MIT
/*
 * main() for a fuzz target built without libFuzzer (gcc, the normal and ASan
 * builds): feed it every file given, or every file of every directory given,
 * once.  ctest runs each target on its seed corpus this way, so the corpus
 * (regression inputs of past findings included) and the target's properties
 * are checked by every `scripts/test`, not only by `scripts/fuzz`.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_BYTES (1u << 20)

static int one(const char *path, unsigned *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t len;

	if (!f) {
		perror(path);
		return 1;
	}
	buf = malloc(REPLAY_MAX_BYTES);
	if (!buf) {
		fclose(f);
		return 1;
	}
	len = fread(buf, 1, REPLAY_MAX_BYTES, f);
	fclose(f);
	/* an exact-size copy, as libFuzzer hands it, so ASan sees a read past the end */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (!exact) {
			free(buf);
			return 1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	(*n)++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *e;
		char **names = NULL;
		size_t nn = 0;

		if (stat(argv[i], &st)) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= one(argv[i], &n);
			continue;
		}
		dir = opendir(argv[i]);
		if (!dir) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(dir))) {
			char **nn2;

			if (e->d_name[0] == '.')
				continue;
			nn2 = realloc(names, (nn + 1) * sizeof(*names));
			if (!nn2)
				return 1;
			names = nn2;
			names[nn] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
			if (!names[nn])
				return 1;
			sprintf(names[nn], "%s/%s", argv[i], e->d_name);
			nn++;
		}
		closedir(dir);
		qsort(names, nn, sizeof(*names), cmp_str);
		for (size_t k = 0; k < nn; k++) {
			bad |= one(names[k], &n);
			free(names[k]);
		}
		free(names);
	}
	printf("%s: %u inputs replayed, every property held\n", argv[0], n);
	return bad || n == 0;
}
