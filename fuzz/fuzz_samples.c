// SPDX-License-Identifier: MIT
/*
 * Samples files (core/samples.h) read back: the inflated bytes of a
 * samples/GROUP.bbs go to bb_samples_next block by block, then to
 * bb_samples_values.  Refused: -EINVAL naming "fuzz" and a byte.  Accepted:
 * ids are names barbench writes, blocks tile the bytes after the magic in
 * order, paths are 0 or 1, accesses at least 1, and every block encodes
 * back to exactly its own bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "samples.h"
#include "runs_csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_samples_block b;
	struct bb_diag d = { "" };
	size_t pos = 0, last = BB_SAMPLES_MAGIC_LEN;
	int got;

	while ((got = bb_samples_next(data, size, &pos, &b, "fuzz", &d)) > 0) {
		double *ns = calloc(b.n + 1, sizeof(*ns));
		uint64_t *off = calloc(b.n + 1, sizeof(*off));
		uint8_t *tr = calloc(b.n + 1, 1);
		uint32_t *acc = calloc(b.n + 1, sizeof(*acc));
		char *re = NULL;
		size_t rl = 0;
		FILE *f;

		FUZZ_ASSERT(b.start == last && b.end == pos && b.end <= size, "blocks do not tile the file");
		FUZZ_ASSERT(bb_results_text_ok(BB_TEXT_NAME, b.id, sizeof(b.id), NULL), "id '%s'", b.id);
		last = pos;
		if (!ns || !off || !tr || !acc)
			abort();
		bb_samples_values(data, &b, ns, off, tr, acc);
		for (size_t i = 0; i < b.n; i++)
			FUZZ_ASSERT(tr[i] <= 1 && acc[i] >= 1, "sample %zu: path %u accesses %u", i, tr[i], acc[i]);
		/* what was read encodes back to the same bytes, unless a varint had redundant high zero bytes */
		f = open_memstream(&re, &rl);
		if (!f)
			abort();
		bb_samples_encode(f, false, b.id, ns, off, tr, acc, b.n);
		fclose(f);
		FUZZ_ASSERT(rl <= b.end - b.start, "the block grows when encoded again: %zu > %zu", rl, b.end - b.start);
		if (rl == b.end - b.start)
			FUZZ_ASSERT(!memcmp(re, data + b.start, rl), "block %s encodes back to other bytes", b.id);
		free(re);
		free(ns);
		free(off);
		free(tr);
		free(acc);
	}
	if (got < 0)
		FUZZ_ASSERT(got == -EINVAL && !strncmp(d.msg, "fuzz:", 5), "error %d: %s", got, d.msg);
	return 0;
}
