/* SPDX-License-Identifier: MIT */
/*
 * The plan: windows that tile [0, region size) exactly, sorted, each MAP or
 * TRAP.  A MAP window is one KVM memslot; adjacent TRAP windows are always
 * coalesced, adjacent MAP windows never are (that is how a plan shows its
 * memslots).  Separately, the host mmaps the plan needs ("mappings"): a MAP
 * window is covered by one or more mappings, and one mapping may back several
 * windows (the whole BAR mapped once, holes trapped).
 */
#ifndef BARBENCH_PLAN_H
#define BARBENCH_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"
#include "barbench/layout.h"
#include "barbench/region.h"

enum bb_win_mode { BB_WIN_TRAP = 0, BB_WIN_MAP = 1 };

struct bb_window {
	uint64_t offset;
	uint64_t size;
	enum bb_win_mode mode;
};

/* One host mmap of [offset, offset + size) of the region. */
struct bb_mapping {
	uint64_t offset;
	uint64_t size;
};

#define BB_PLAN_MAX_NOTES 8
#define BB_PLAN_NOTE_LEN 200

struct bb_plan {
	char policy[32];
	bool applicable;
	char reason[BB_PLAN_NOTE_LEN];	/* why not applicable */
	uint64_t page_size;
	uint64_t region_size;

	uint32_t nr_windows;
	struct bb_window *windows;
	uint32_t nr_mappings;
	struct bb_mapping *mappings;
	/* mappings placed at their offsets inside one reserved virtual range */
	bool reserve_va;

	/* counts, filled by bb_plan_finish() */
	uint32_t memslots;
	uint64_t mapped_bytes;
	uint64_t trapped_bytes;

	/* sparse areas (reported index) that alignment shrank to nothing */
	uint32_t nr_dropped;
	uint32_t dropped[16];
	bool dropped_more;

	uint32_t nr_warnings;
	char warnings[BB_PLAN_MAX_NOTES][BB_PLAN_NOTE_LEN];
};

void bb_plan_init(struct bb_plan *p, const char *policy, uint64_t page_size, uint64_t region_size);
void bb_plan_free(struct bb_plan *p);

/* Builders a policy uses.  Windows may be added in any order. */
int bb_plan_add_map(struct bb_plan *p, uint64_t offset, uint64_t size);
int bb_plan_add_mapping(struct bb_plan *p, uint64_t offset, uint64_t size);
void bb_plan_warn(struct bb_plan *p, const char *fmt, ...) BB_PRINTF(2, 3);
void bb_plan_not_applicable(struct bb_plan *p, const char *fmt, ...) BB_PRINTF(2, 3);
void bb_plan_note_dropped(struct bb_plan *p, uint32_t area);

/*
 * Sort the MAP windows, fill the gaps with coalesced TRAP windows, compute
 * the counts.  Called by the registry after a policy; a policy may call it too.
 */
int bb_plan_finish(struct bb_plan *p, struct bb_diag *d);

/*
 * Check a finished plan against the region and the must-trap ranges: tiling,
 * sorting, TRAP coalescing, MAP windows and mappings page-aligned (an end may
 * also be the region's end) and only where the capabilities allow, every MAP
 * window backed by mappings, counts consistent, must-trap ranges never mapped
 * unless @may_expose (then a warning must say so).  Errors name the policy
 * and the window.
 */
int bb_plan_validate(const struct bb_plan *p, const struct bb_region *r,
		     const struct bb_range *must_trap, unsigned nr_must_trap,
		     bool may_expose, struct bb_diag *d);

/* Mode of the window holding @offset (TRAP when outside). */
enum bb_win_mode bb_plan_mode_at(const struct bb_plan *p, uint64_t offset);

/*
 * Layout registers of region @index that a plan traps (any byte in a TRAP
 * window).  Fills @out (up to @max pointers), returns the number trapped.
 */
unsigned bb_plan_trapped_regs(const struct bb_plan *p, const struct bb_layout *l, uint32_t index,
			      const struct bb_layout_reg **out, unsigned max);

void bb_plan_print(FILE *f, const struct bb_plan *p, const struct bb_layout *l, uint32_t index);

static inline uint64_t bb_align_down(uint64_t v, uint64_t page)
{
	return v & ~(page - 1);
}

/* Round up; returns false on overflow. */
static inline bool bb_align_up(uint64_t v, uint64_t page, uint64_t *out)
{
	uint64_t r = v & (page - 1);

	if (!r) {
		*out = v;
		return true;
	}
	if (v > UINT64_MAX - (page - r))
		return false;
	*out = v + (page - r);
	return true;
}

#endif
