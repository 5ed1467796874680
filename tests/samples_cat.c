// SPDX-License-Identifier: MIT
/*
 * samples_cat DIR ID: the samples of run ID of the results folder DIR as the
 * CSV older barbench wrote (sample,offset,path,accesses,ns), read with the
 * same reader as the report (core/samples.h) -- for the shell tests, and an
 * example of reading the format.  Exit 0, 1 when the folder holds no samples
 * of ID, 2 when its samples file is not what barbench writes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samples.h"

int main(int argc, char **argv)
{
	char group[160], path[4096];
	struct bb_samples_block b, hit;
	struct bb_diag d = { "" };
	uint8_t *buf, *trapped;
	size_t len, pos = 0;
	bool found = false;
	int got;

	if (argc != 3) {
		fprintf(stderr, "usage: samples_cat DIR ID\n");
		return 2;
	}
	bb_samples_group(argv[2], group, sizeof(group));
	snprintf(path, sizeof(path), "%s/samples/%s.bbs", argv[1], group);
	got = bb_gunzip_file(path, BB_SAMPLES_MAX_BYTES, &buf, &len, &d);
	if (got == -ENOENT) {
		fprintf(stderr, "samples_cat: %s: no such file\n", path);
		return 1;
	}
	if (got) {
		fprintf(stderr, "samples_cat: %s\n", d.msg);
		return 2;
	}
	while ((got = bb_samples_next(buf, len, &pos, &b, path, &d)) > 0)
		if (!strcmp(b.id, argv[2])) {
			hit = b;
			found = true;
		}
	if (got < 0) {
		fprintf(stderr, "samples_cat: %s\n", d.msg);
		free(buf);
		return 2;
	}
	if (!found) {
		fprintf(stderr, "samples_cat: %s: no run %s\n", path, argv[2]);
		free(buf);
		return 1;
	}
	{
		double *ns = calloc(hit.n + 1, sizeof(*ns));
		uint64_t *off = calloc(hit.n + 1, sizeof(*off));
		uint32_t *acc = calloc(hit.n + 1, sizeof(*acc));

		trapped = calloc(hit.n + 1, 1);
		if (!ns || !off || !acc || !trapped)
			return 2;
		bb_samples_values(buf, &hit, ns, off, trapped, acc);
		printf("sample,offset,path,accesses,ns\n");
		for (size_t i = 0; i < hit.n; i++)
			printf("%zu,%" PRIu64 ",%s,%" PRIu32 ",%.3f\n", i, off[i], trapped[i] ? "trap" : "map", acc[i], ns[i]);
		free(ns);
		free(off);
		free(acc);
		free(trapped);
	}
	free(buf);
	return 0;
}
