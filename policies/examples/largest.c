// SPDX-License-Identifier: MIT
/*
 * An out-of-tree policy, built as a shared object and loaded with
 * `--policy-path largest.so`: map only the largest aligned piece of the
 * region (must-trap pages cut out), what a VMM with a single spare memslot
 * would do.  It uses only the public headers and the two exported symbols
 * barbench looks for: bb_policy_abi and bb_policy.
 */
#include <errno.h>
#include <stdint.h>

#include <linux/vfio.h>

#include "barbench/policy.h"

static int largest_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx,
			struct bb_plan *plan, struct bb_diag *d)
{
	uint64_t best_off = 0, best_size = 0, page = ctx->page_size;
	uint32_t n = r->has_sparse ? r->nr_areas : 1;
	uint64_t min_size;

	if (bb_policy_param_u64(ctx, "min-size", 0, &min_size, d))
		return -EINVAL;	/* message already in d */
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = r->has_sparse ? r->areas[i].offset : 0;
		uint64_t end = r->has_sparse ? off + r->areas[i].size : r->size;
		uint64_t lo, hi = bb_align_down(end, page);

		if (!bb_align_up(off, page, &lo) || hi <= lo)
			continue;
		/* walk page by page run between widened must-trap ranges */
		while (lo < hi) {
			uint64_t stop = hi, next = hi;

			for (unsigned k = 0; k < ctx->nr_must_trap; k++) {
				uint64_t a = bb_align_down(ctx->must_trap[k].offset, page), b;

				if (!bb_align_up(ctx->must_trap[k].offset + ctx->must_trap[k].size, page, &b))
					b = UINT64_MAX;
				if (b <= lo || a >= hi)
					continue;
				if (a <= lo) {
					stop = lo;
					next = b < hi ? b : hi;
					break;
				}
				if (a < stop) {
					stop = a;
					next = b < hi ? b : hi;
				}
			}
			if (stop - lo > best_size && stop - lo >= min_size) {
				best_off = lo;
				best_size = stop - lo;
			}
			lo = next;
		}
	}
	if (!best_size) {
		bb_plan_warn(plan, "no aligned piece left to map");
		return 0;
	}
	if (bb_plan_add_map(plan, best_off, best_size) || bb_plan_add_mapping(plan, best_off, best_size))
		return -ENOMEM;
	return 0;
}

static const char *const largest_params[] = {
	"min-size=bytes: map nothing smaller than this",
	NULL,
};

const uint32_t bb_policy_abi = BB_POLICY_ABI;

const struct bb_policy_ops bb_policy = {
	.abi = BB_POLICY_ABI,
	.name = "largest",
	.summary = "map only the largest aligned piece: a VMM with one spare memslot",
	.params = largest_params,
	.plan = largest_plan,
};
