// SPDX-License-Identifier: MIT
/* Applying a plan: its mappings become mmaps of the backend, in one reserved range for merged. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "barbench/runner.h"

void bb_plan_unapply(struct bb_applied *a)
{
	if (!a)
		return;
	if (a->reserve) {
		munmap(a->reserve, a->reserve_len);	/* takes the fixed mappings with it */
	} else {
		for (uint32_t i = 0; i < a->nr; i++)
			if (a->maps[i].addr)
				munmap(a->maps[i].addr, a->maps[i].size);
	}
	free(a->maps);
	memset(a, 0, sizeof(*a));
}

int bb_plan_apply(struct bb_dev *dev, uint32_t index, const struct bb_plan *plan,
		  struct bb_applied *out, struct bb_diag *d)
{
	double t0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->index = index;
	if (!plan->nr_mappings)
		return 0;
	out->maps = calloc(plan->nr_mappings, sizeof(*out->maps));
	if (!out->maps)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", dev->spec);
	t0 = bb_now_ns();
	if (plan->reserve_va) {
		/* DPDK's way: reserve the span, place each area's mmap at its offset */
		uint64_t lo = plan->mappings[0].offset;
		uint64_t hi = plan->mappings[plan->nr_mappings - 1].offset + plan->mappings[plan->nr_mappings - 1].size;
		void *base = mmap(NULL, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (base == MAP_FAILED)
			return bb_diag_set(d, -errno, "%s: reserving 0x%" PRIx64 " bytes: %s", dev->spec, hi - lo,
					   strerror(errno));
		out->reserve = base;
		out->reserve_len = hi - lo;
		out->reserve_off = lo;
	}
	for (uint32_t i = 0; i < plan->nr_mappings && !err; i++) {
		const struct bb_mapping *m = &plan->mappings[i];
		void *at = out->reserve ? (uint8_t *)out->reserve + (m->offset - out->reserve_off) : NULL;

		err = dev->ops->map(dev, index, m->offset, m->size, at, &out->maps[i].addr, d);
		out->maps[i].offset = m->offset;
		out->maps[i].size = m->size;
		out->nr = i + 1;
	}
	out->map_ns = bb_now_ns() - t0;
	if (err)
		bb_plan_unapply(out);
	return err;
}

void *bb_applied_ptr(const struct bb_applied *a, const struct bb_plan *plan, uint64_t off, unsigned width)
{
	if (bb_plan_mode_at(plan, off) != BB_WIN_MAP || bb_plan_mode_at(plan, off + width - 1) != BB_WIN_MAP)
		return NULL;
	for (uint32_t i = 0; i < a->nr; i++) {
		const struct bb_applied_map *m = &a->maps[i];

		if (m->offset <= off && off + width <= m->offset + m->size)
			return (uint8_t *)m->addr + (off - m->offset);
	}
	/* merged: an access may straddle two area mmaps placed side by side */
	if (a->reserve && off >= a->reserve_off && off + width <= a->reserve_off + a->reserve_len)
		return (uint8_t *)a->reserve + (off - a->reserve_off);
	return NULL;
}
