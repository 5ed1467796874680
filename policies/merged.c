// SPDX-License-Identifier: MIT
/*
 * merged: as sparse, but aligned pieces of different areas that touch become
 * one memslot.  Each piece keeps its own mmap, placed at its offset inside one
 * reserved virtual range (as DPDK's pci_vfio_sparse_mmap_bar does), so drivers
 * that accept only exact-area mmaps still work.  span=1 maps each run of
 * touching areas with one mmap instead (the union aligned as a whole, so it
 * can cover more).  No VMM merges areas today.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <linux/vfio.h>

#include "barbench/policy.h"
#include "pieces.h"

static const char *const merged_params[] = {
	"span=0|1: 1 maps each run of touching areas with one mmap (fewer mappings, may cover more)",
	NULL,
};

/* Add MAP windows: pieces that touch coalesce into one memslot. */
static int add_coalesced(struct bb_plan *plan, const struct bb_pieces *pieces)
{
	uint32_t i = 0;
	int err = 0;

	while (i < pieces->n && !err) {
		uint64_t lo = pieces->v[i].offset, hi = lo + pieces->v[i].size;
		uint32_t j = i + 1;

		while (j < pieces->n && pieces->v[j].offset == hi) {
			hi += pieces->v[j].size;
			j++;
		}
		err = bb_plan_add_map(plan, lo, hi - lo);
		i = j;
	}
	return err;
}

static int cmp_piece(const void *a, const void *b)
{
	const struct bb_piece *x = a, *y = b;

	return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

static int merged_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx,
		       struct bb_plan *plan, struct bb_diag *d)
{
	struct bb_pieces pieces = { 0 };
	uint64_t span;
	int err;

	err = bb_policy_param_u64(ctx, "span", 0, &span, d);
	if (err)
		return err;
	if (span > 1)
		return bb_diag_set(d, -EINVAL, "parameter span=%" PRIu64 ": must be 0 or 1", span);
	if (!span) {
		err = bb_aligned_pieces(r, ctx, false, plan, &pieces, NULL, NULL);
		if (!err && pieces.n)
			qsort(pieces.v, pieces.n, sizeof(*pieces.v), cmp_piece);
		for (uint32_t i = 0; i < pieces.n && !err; i++)
			err = bb_plan_add_mapping(plan, pieces.v[i].offset, pieces.v[i].size);
		if (!err)
			err = add_coalesced(plan, &pieces);
		plan->reserve_va = true;
	} else {
		struct bb_piece *runs = NULL;
		uint32_t nr = 0;

		err = bb_areas_sorted(r, true, &runs, &nr);
		for (uint32_t i = 0; i < nr && !err; i++) {
			uint64_t lo, hi = bb_align_down(runs[i].offset + runs[i].size, ctx->page_size);
			uint32_t before = pieces.n;

			if (!bb_align_up(runs[i].offset, ctx->page_size, &lo) || hi <= lo) {
				bb_plan_note_dropped(plan, runs[i].area);
				continue;
			}
			err = bb_cut_must_trap(lo, hi, runs[i].area, ctx, &pieces);
			/* one mmap per run that keeps something mapped */
			if (!err && pieces.n > before)
				err = bb_plan_add_mapping(plan, lo, hi - lo);
		}
		free(runs);
		if (!err)
			err = add_coalesced(plan, &pieces);
	}
	if (!err && !(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		bb_plan_warn(plan, "region %" PRIu32 " has no MMAP flag: everything traps", r->index);
	bb_pieces_free(&pieces);
	return err;
}

const struct bb_policy_ops bb_policy_merged = {
	.abi = BB_POLICY_ABI,
	.name = "merged",
	.summary = "as sparse, but touching aligned pieces of different areas share one memslot",
	.params = merged_params,
	.plan = merged_plan,
};
