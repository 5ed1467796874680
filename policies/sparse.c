// SPDX-License-Identifier: MIT
/*
 * sparse: one mapping and one memslot per aligned piece of each sparse area
 * (the whole region without a sparse capability); areas shrink inward to
 * pages, must-trap ranges (widened outward) are cut out, what vanishes traps.
 * What every VMM does today (QEMU vfio_setup_region_sparse_mmaps +
 * kvm_align_section; cloud-hypervisor, crosvm, Firecracker per area).
 */
#include <inttypes.h>
#include <linux/vfio.h>

#include "barbench/policy.h"
#include "pieces.h"

static int sparse_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx,
		       struct bb_plan *plan, struct bb_diag *d)
{
	struct bb_pieces pieces;
	int err;

	(void)d;
	err = bb_aligned_pieces(r, ctx, false, plan, &pieces, NULL, NULL);
	for (uint32_t i = 0; i < pieces.n && !err; i++) {
		err = bb_plan_add_map(plan, pieces.v[i].offset, pieces.v[i].size);
		if (!err)
			err = bb_plan_add_mapping(plan, pieces.v[i].offset, pieces.v[i].size);
	}
	if (!err && !(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		bb_plan_warn(plan, "region %" PRIu32 " has no MMAP flag: everything traps", r->index);
	bb_pieces_free(&pieces);
	return err;
}

const struct bb_policy_ops bb_policy_sparse = {
	.abi = BB_POLICY_ABI,
	.name = "sparse",
	.summary = "one mapping and one memslot per area, shrunk to pages: what every VMM does",
	.plan = sparse_plan,
};
