/* SPDX-License-Identifier: MIT */
/* Shared by the built-in policies: areas shrunk to pages, must-trap cut out. */
#ifndef BARBENCH_POLICIES_PIECES_H
#define BARBENCH_POLICIES_PIECES_H

#include <stdint.h>

#include "barbench/plan.h"
#include "barbench/policy.h"

/* One aligned, mappable piece of one area (or run of areas). */
struct bb_piece {
	uint64_t offset;
	uint64_t size;
	uint32_t area;		/* reported index of its (first) area */
};

struct bb_pieces {
	struct bb_piece *v;
	uint32_t n;
};

/*
 * The areas a VMM would consider, sorted by offset: the sparse areas, or the
 * whole region without a sparse capability.  Empty without the MMAP flag.
 * With @span, touching areas form one run (its first area's index).
 */
int bb_areas_sorted(const struct bb_region *r, bool span, struct bb_piece **out, uint32_t *n);

/*
 * Cut [lo, hi) (already page-aligned, or ending at the region's end) by the
 * must-trap ranges widened outward to pages; append what is left to @out.
 */
int bb_cut_must_trap(uint64_t lo, uint64_t hi, uint32_t area, const struct bb_policy_ctx *ctx,
		     struct bb_pieces *out);

/* Shrink each area inward to pages and cut must-trap; note dropped areas. */
int bb_aligned_pieces(const struct bb_region *r, const struct bb_policy_ctx *ctx, bool span,
		      struct bb_plan *plan, struct bb_pieces *out, struct bb_piece **areas_out,
		      uint32_t *nr_areas_out);

void bb_pieces_free(struct bb_pieces *p);

#endif
