/* SPDX-License-Identifier: MIT */
/*
 * advise: layout changes a hardware vendor can make, each applied to a copy
 * of a layout, with where every register moved (to carry a profile along).
 */
#ifndef BARBENCH_ADVISE_H
#define BARBENCH_ADVISE_H

#include "barbench/layout.h"
#include "barbench/model.h"

enum bb_change {
	BB_CHANGE_MSIX_OWN_BAR,		/* MSI-X table and PBA in a BAR of their own */
	BB_CHANGE_MSIX_ALIGN_64K,	/* table and PBA each on their own 64 KiB-aligned page */
	BB_CHANGE_HOT_OUT,		/* hot registers moved out of the table's 64 KiB page */
	BB_CHANGE_DOORBELLS_GATHERED,	/* doorbells gathered into one 64 KiB-aligned block */
	BB_CHANGE_COUNT
};

struct bb_move {
	uint32_t region;
	uint64_t from, to, size;
};

struct bb_changed {
	struct bb_layout layout;
	unsigned nr_moves, cap_moves;
	struct bb_move *moves;		/* sorted by (region, from) once the change is made */
	char what[200];			/* one line: what moved where */
};

const char *bb_change_name(enum bb_change c);

/*
 * Apply @c to a copy of @l into @out.  Returns 0, -ENOENT when the change
 * does not apply (with the reason in @d), or another negative errno.
 */
int bb_change_apply(const struct bb_layout *l, enum bb_change c, struct bb_changed *out, struct bb_diag *d);

/* Free what bb_change_apply made (NULL-safe, idempotent). */
void bb_changed_free(struct bb_changed *c);

/* Carry a profile of the original layout to the changed one. */
int bb_profile_move(const struct bb_profile *in, uint32_t region, const struct bb_changed *c, struct bb_profile *out);

/*
 * The region of @l whose registers (those @counts takes; NULL: all) weigh
 * most by @weight (a tie: the region of the earlier such register),
 * UINT32_MAX when none weighs anything.  Each
 * region's registers summed once: regions x registers (it was registers^2:
 * a two-line layout of count=16384 arrays made advise take 13 s).  The
 * registers visited are counted in bb_heaviest_visits (tests bound them).
 */
uint32_t bb_heaviest_region(const struct bb_layout *l, bool (*counts)(const struct bb_layout_reg *g),
			    uint64_t (*weight)(const struct bb_layout_reg *g));
extern unsigned long long bb_heaviest_visits;

#endif
