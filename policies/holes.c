// SPDX-License-Identifier: MIT
/*
 * holes: the whole region mmap'd once; must-trap ranges, widened outward to
 * pages, trapped; what is left becomes memslots.  What QEMU
 * (vfio_pci_fixup_msix_region / the MSI-X memory region overlay),
 * cloud-hypervisor (fixup_msix_region) and Firecracker do with MSIX_MAPPABLE.
 */
#include <inttypes.h>

#include "barbench/policy.h"
#include "pieces.h"
#include "whole.h"

static int holes_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx,
		      struct bb_plan *plan, struct bb_diag *d)
{
	struct bb_pieces pieces = { 0 };
	int err;

	(void)d;
	if (!bb_whole_region_applicable(r, plan))
		return 0;
	/*
	 * A partial last page cannot become a memslot (QEMU's kvm_align_section
	 * drops it): it traps, like the must-trap pages.
	 */
	err = bb_cut_must_trap(0, bb_align_down(r->size, ctx->page_size), 0, ctx, &pieces);
	for (uint32_t i = 0; i < pieces.n && !err; i++)
		err = bb_plan_add_map(plan, pieces.v[i].offset, pieces.v[i].size);
	if (!err && pieces.n)
		err = bb_plan_add_mapping(plan, 0, r->size);
	if (!err && !pieces.n)
		bb_plan_warn(plan, "the widened must-trap ranges cover the whole region: nothing mapped");
	bb_pieces_free(&pieces);
	return err;
}

const struct bb_policy_ops bb_policy_holes = {
	.abi = BB_POLICY_ABI,
	.name = "holes",
	.summary = "whole region mapped once, must-trap pages trapped (QEMU, cloud-hypervisor, Firecracker)",
	.plan = holes_plan,
};
