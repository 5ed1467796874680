// SPDX-License-Identifier: MIT
/*
 * Replay traces (bb_trace_parse): "offset width r|w" lines, # comments.
 * Refused text is an error naming "fuzz:LINE" (or "fuzz: no accesses") with
 * nothing handed back; an accepted trace holds only aligned accesses of
 * width 1, 2, 4 or 8 inside the region.  Each input is tried on a 16 KiB
 * region and on a 6-byte one (where an 8-byte access never fits).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "barbench/workload.h"
#include "fuzz.h"

static void one(const uint8_t *data, size_t size, uint64_t region_size)
{
	struct bb_region r = { .size = region_size };
	struct bb_access *acc = (struct bb_access *)&r;	/* must be replaced, even on failure */
	struct bb_diag d = { "" };
	size_t n = 1234;
	int err;

	err = bb_trace_parse((const char *)data, size, "fuzz", &r, &acc, &n, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -E2BIG || err == -ENOMEM, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5) || !strcmp(d.msg, "fuzz: no accesses"), "message: %s", d.msg);
		FUZZ_ASSERT(acc == NULL && n == 0, "a refused trace handed back accesses");
		return;
	}
	FUZZ_ASSERT(n > 0 && acc != NULL, "accepted, but empty");
	for (size_t i = 0; i < n; i++) {
		const struct bb_access *a = &acc[i];

		FUZZ_ASSERT(a->width == 1 || a->width == 2 || a->width == 4 || a->width == 8, "width %u", a->width);
		FUZZ_ASSERT(a->op == BB_OP_READ || a->op == BB_OP_WRITE, "op %u", a->op);
		FUZZ_ASSERT(a->offset % a->width == 0, "access %zu at 0x%" PRIx64 " unaligned", i, a->offset);
		FUZZ_ASSERT(a->offset < region_size && region_size - a->offset >= a->width,
			    "access %zu at 0x%" PRIx64 " outside 0x%" PRIx64, i, a->offset, region_size);
	}
	free(acc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, 0x4000);
	one(data, size, 6);
	return 0;
}
