// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "pieces.h"

static int cmp_piece(const void *a, const void *b)
{
	const struct bb_piece *x = a, *y = b;

	return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

void bb_pieces_free(struct bb_pieces *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

static int push(struct bb_pieces *p, uint64_t off, uint64_t size, uint32_t area)
{
	struct bb_piece *n = realloc(p->v, (p->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->v = n;
	n[p->n++] = (struct bb_piece){ off, size, area };
	return 0;
}

int bb_areas_sorted(const struct bb_region *r, bool span, struct bb_piece **out, uint32_t *n)
{
	struct bb_piece *v;
	uint32_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) || r->size == 0)
		return 0;
	if (!r->has_sparse) {
		v = malloc(sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[0] = (struct bb_piece){ 0, r->size, 0 };
		*out = v;
		*n = 1;
		return 0;
	}
	if (!r->nr_areas)
		return 0;
	v = malloc(r->nr_areas * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->nr_areas; i++)
		v[i] = (struct bb_piece){ r->areas[i].offset, r->areas[i].size, i };
	qsort(v, r->nr_areas, sizeof(*v), cmp_piece);
	if (!span) {
		*out = v;
		*n = r->nr_areas;
		return 0;
	}
	for (i = 0; i < r->nr_areas; i++) {
		if (k && v[k - 1].offset + v[k - 1].size == v[i].offset)
			v[k - 1].size += v[i].size;
		else
			v[k++] = v[i];
	}
	*out = v;
	*n = k;
	return 0;
}

int bb_cut_must_trap(uint64_t lo, uint64_t hi, uint32_t area, const struct bb_policy_ctx *ctx,
		     struct bb_pieces *out)
{
	uint64_t page = ctx->page_size;

	while (lo < hi) {
		uint64_t cut_lo = hi, cut_hi = hi;

		/* the first widened must-trap range that meets [lo, hi) */
		for (unsigned k = 0; k < ctx->nr_must_trap; k++) {
			const struct bb_range *m = &ctx->must_trap[k];
			uint64_t a = bb_align_down(m->offset, page), b;

			if (m->size == 0)
				continue;
			if (!bb_align_up(m->offset + m->size, page, &b))
				b = UINT64_MAX;
			if (b <= lo || a >= hi)
				continue;
			if (a < cut_lo || (a == cut_lo && b > cut_hi)) {
				cut_lo = a < lo ? lo : a;
				cut_hi = b;
			}
		}
		if (cut_lo > lo) {
			int err = push(out, lo, cut_lo - lo, area);

			if (err)
				return err;
		}
		if (cut_lo >= hi)
			break;
		/* skip every widened range that overlaps the cut */
		lo = cut_hi;
	}
	return 0;
}

int bb_aligned_pieces(const struct bb_region *r, const struct bb_policy_ctx *ctx, bool span,
		      struct bb_plan *plan, struct bb_pieces *out, struct bb_piece **areas_out,
		      uint32_t *nr_areas_out)
{
	struct bb_piece *areas;
	uint32_t n, i;
	int err;

	out->v = NULL;
	out->n = 0;
	err = bb_areas_sorted(r, span, &areas, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		uint64_t lo, hi = bb_align_down(areas[i].offset + areas[i].size, ctx->page_size);

		if (!bb_align_up(areas[i].offset, ctx->page_size, &lo) || hi <= lo) {
			bb_plan_note_dropped(plan, areas[i].area);
			continue;
		}
		err = bb_cut_must_trap(lo, hi, areas[i].area, ctx, out);
		if (err)
			break;
	}
	if (err || !areas_out) {
		free(areas);
		if (err)
			bb_pieces_free(out);
	} else {
		*areas_out = areas;
		*nr_areas_out = n;
	}
	return err;
}
