// SPDX-License-Identifier: MIT
/*
 * full: the whole region as one mapped window, must-trap ranges included (and
 * warned about): the upper bound of the study.  Applicable only where the
 * kernel lets the whole region be mmap'd: the MMAP flag and either no sparse
 * capability or MSIX_MAPPABLE (vfio-pci since v4.16, "vfio-pci: Allow mapping
 * MSIX BAR").
 */
#include <inttypes.h>

#include <linux/vfio.h>

#include "barbench/policy.h"
#include "whole.h"

int bb_whole_region_applicable(const struct bb_region *r, struct bb_plan *plan)
{
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		bb_plan_not_applicable(plan, "region %" PRIu32 " has no MMAP flag", r->index);
		return 0;
	}
	if (r->has_sparse && !r->msix_mappable) {
		bb_plan_not_applicable(plan, "region %" PRIu32 " reports a sparse mmap capability "
				       "(%" PRIu32 " area%s) without MSIX_MAPPABLE: only the areas may be mapped",
				       r->index, r->nr_areas, r->nr_areas == 1 ? "" : "s");
		return 0;
	}
	if (r->size == 0) {
		bb_plan_not_applicable(plan, "region %" PRIu32 " is empty", r->index);
		return 0;
	}
	return 1;
}

static int full_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx,
		     struct bb_plan *plan, struct bb_diag *d)
{
	int err;

	(void)d;
	if (!bb_whole_region_applicable(r, plan))
		return 0;
	if ((err = bb_plan_add_map(plan, 0, r->size)) || (err = bb_plan_add_mapping(plan, 0, r->size)))
		return err;
	for (unsigned k = 0; k < ctx->nr_must_trap; k++)
		bb_plan_warn(plan, "exposes must-trap range [0x%" PRIx64 ", 0x%" PRIx64
			     ") to direct access: a VMM must emulate it (upper bound only)",
			     ctx->must_trap[k].offset, ctx->must_trap[k].offset + ctx->must_trap[k].size);
	if (r->size % ctx->page_size)
		bb_plan_warn(plan, "region size 0x%" PRIx64 " is not a multiple of the 0x%" PRIx64
			     " page: the mapping covers a partial page", r->size, ctx->page_size);
	return 0;
}

const struct bb_policy_ops bb_policy_full = {
	.abi = BB_POLICY_ABI,
	.name = "full",
	.summary = "the whole region as one mapping, must-trap exposed: the upper bound",
	.flags = BB_POLICY_EXPOSES_MUST_TRAP,
	.plan = full_plan,
};
