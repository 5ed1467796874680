// SPDX-License-Identifier: MIT
/*
 * Layout changes for `barbench advise`.  BAR sizes stay powers of two (PCI
 * BARs are naturally aligned powers of two, PCI Local Bus Spec 3.0 6.2.5.1);
 * where a region's sparse areas only exclude the MSI-X pages (what vfio-pci
 * reported before v4.16), they are recomputed the same way for the new
 * placement.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "advise.h"

#define K64 0x10000ull
#define K4 0x1000ull

const char *bb_change_name(enum bb_change c)
{
	static const char *const n[] = { "msix-own-bar", "msix-align-64k", "hot-out-of-msix-page",
					 "doorbells-gathered" };

	return (unsigned)c < BB_CHANGE_COUNT ? n[c] : "?";
}

static uint64_t up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t pow2(uint64_t v)
{
	uint64_t p = K4;

	while (p < v)
		p <<= 1;
	return p;
}

static struct bb_layout_region *region(struct bb_layout *l, uint32_t index)
{
	for (uint32_t i = 0; i < l->nr_regions; i++)
		if (l->regions[i].info.index == index)
			return &l->regions[i];
	return NULL;
}

/* The end of everything described in a region (registers, safe ranges, MSI-X). */
static uint64_t used_end(const struct bb_layout *l, uint32_t index)
{
	uint64_t e = 0;

	for (uint32_t i = 0; i < l->nr_regs; i++)
		if (l->regs[i].region == index && l->regs[i].offset + l->regs[i].size > e)
			e = l->regs[i].offset + l->regs[i].size;
	if (l->msix.present && l->msix.table_region == index &&
	    l->msix.table_offset + bb_msix_table_bytes(l->msix.vectors) > e)
		e = l->msix.table_offset + bb_msix_table_bytes(l->msix.vectors);
	if (l->msix.present && l->msix.pba_region == index && l->msix.pba_offset + bb_msix_pba_bytes(l->msix.vectors) > e)
		e = l->msix.pba_offset + bb_msix_pba_bytes(l->msix.vectors);
	return e;
}

/* Do the areas exist only to keep the MSI-X pages out (pre-4.16 vfio-pci)? */
static bool areas_exclude_msix_only(const struct bb_layout *l, const struct bb_region *r)
{
	uint64_t covered = 0, excluded = 0;
	struct bb_range mt[2];
	unsigned n = bb_layout_must_trap(l, r->index, mt);

	if (!r->has_sparse || !n)
		return false;
	for (uint32_t a = 0; a < r->nr_areas; a++)
		covered += r->areas[a].size;
	for (unsigned k = 0; k < n; k++) {
		uint64_t lo = mt[k].offset & ~(K4 - 1), hi = up(mt[k].offset + mt[k].size, K4);

		excluded += hi - lo;
		if (k == 1 && lo < up(mt[0].offset + mt[0].size, K4) && (mt[0].offset & ~(K4 - 1)) < hi)
			excluded -= hi - lo;	/* same page */
	}
	return covered + excluded >= r->size;
}

/* Areas = the region minus the MSI-X pages (4 KiB), as pre-4.16 vfio-pci reported them. */
static int recompute_areas(struct bb_layout *l, struct bb_region *r)
{
	struct bb_range mt[2];
	unsigned n = bb_layout_must_trap(l, r->index, mt);
	struct bb_area *a = calloc(4, sizeof(*a));
	uint64_t cur = 0;
	unsigned na = 0;

	if (!a)
		return -ENOMEM;
	if (n == 2 && mt[1].offset < mt[0].offset) {
		struct bb_range t = mt[0];

		mt[0] = mt[1];
		mt[1] = t;
	}
	for (unsigned k = 0; k < n; k++) {
		uint64_t lo = mt[k].offset & ~(K4 - 1), hi = up(mt[k].offset + mt[k].size, K4);

		if (lo > cur)
			a[na++] = (struct bb_area){ cur, lo - cur };
		if (hi > cur)
			cur = hi;
	}
	if (cur < r->size)
		a[na++] = (struct bb_area){ cur, r->size - cur };
	free(r->areas);
	r->areas = a;
	r->nr_areas = na;
	if (!na) {
		free(a);
		r->areas = NULL;
	}
	return 0;
}

/* One register block moved; as many as the layout has registers (BB_LAYOUT_MAX_REGS, checked by the parser). */
static int add_move(struct bb_changed *c, uint32_t region, uint64_t from, uint64_t to, uint64_t size)
{
	if (c->nr_moves == c->cap_moves) {
		unsigned cap = c->cap_moves ? 2 * c->cap_moves : 64;
		struct bb_move *m = reallocarray(c->moves, cap, sizeof(*m));

		if (!m)
			return -ENOMEM;
		c->moves = m;
		c->cap_moves = cap;
	}
	c->moves[c->nr_moves++] = (struct bb_move){ region, from, to, size };
	return 0;
}

static int cmp_move(const void *a, const void *b)
{
	const struct bb_move *x = a, *y = b;

	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

void bb_changed_free(struct bb_changed *c)
{
	if (!c)
		return;
	bb_layout_free(&c->layout);
	free(c->moves);
	c->moves = NULL;
	c->nr_moves = c->cap_moves = 0;
}

/* Move register @i (and the safe ranges inside it) to @to. */
static int move_reg(struct bb_changed *c, uint32_t i, uint64_t to)
{
	struct bb_layout *l = &c->layout;
	struct bb_layout_reg *g = &l->regs[i];
	enum bb_safety s = bb_layout_access(l, g->region, g->offset, g->size, false);
	struct bb_layout_safe *ns;
	int err = add_move(c, g->region, g->offset, to, g->size);

	if (err)
		return err;
	g->offset = to;
	if (s == BB_ACCESS_UNLISTED)
		return 0;
	ns = realloc(l->safe, (l->nr_safe + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	l->safe = ns;
	ns[l->nr_safe++] = (struct bb_layout_safe){ { g->region, to, g->size }, s, 0 };
	return 0;
}

static int grow(struct bb_layout_region *lr, uint64_t end)
{
	uint64_t size = pow2(end);

	if (size > lr->info.size) {
		if (lr->info.has_sparse && lr->info.nr_areas && !lr->info.msix_mappable) {
			/* the new space is mappable like the rest: extend with one more area */
			struct bb_area *a = realloc(lr->info.areas, (lr->info.nr_areas + 1) * sizeof(*a));

			if (!a)
				return -ENOMEM;
			lr->info.areas = a;
			a[lr->info.nr_areas++] = (struct bb_area){ lr->info.size, size - lr->info.size };
		}
		lr->info.size = size;
	}
	return 0;
}

/* MSI-X table and PBA in a new BAR of their own, the first free index. */
static int change_msix_own_bar(struct bb_changed *c, struct bb_diag *d)
{
	struct bb_layout *l = &c->layout;
	struct bb_layout_msix *m = &l->msix;
	uint32_t idx = 0;
	uint64_t tb = bb_msix_table_bytes(m->vectors), pb = bb_msix_pba_bytes(m->vectors), pba;
	struct bb_layout_region *n, *old_t;
	bool recompute;

	if (!m->present)
		return bb_diag_set(d, -ENOENT, "no MSI-X in the layout");
	for (uint32_t i = 0; i < l->nr_regs; i++)
		if (l->regs[i].region == m->table_region || l->regs[i].region == m->pba_region)
			idx = 1;
	if (!idx)
		return bb_diag_set(d, -ENOENT, "the MSI-X table already has a BAR of its own");
	for (idx = 0; idx <= VFIO_PCI_BAR5_REGION_INDEX && region(l, idx); idx++)
		;
	if (idx > VFIO_PCI_BAR5_REGION_INDEX)
		return bb_diag_set(d, -ENOENT, "no free BAR for the MSI-X table");
	old_t = region(l, m->table_region);
	recompute = old_t && areas_exclude_msix_only(l, &old_t->info);
	n = realloc(l->regions, (l->nr_regions + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->regions = n;
	old_t = region(l, m->table_region);
	pba = up(tb, K4);
	n[l->nr_regions] = (struct bb_layout_region){ 0 };
	n[l->nr_regions].info.index = idx;
	n[l->nr_regions].info.size = pow2(pba + pb);
	n[l->nr_regions].info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				       VFIO_REGION_INFO_FLAG_MMAP;
	n[l->nr_regions].info.msix_mappable = true;
	n[l->nr_regions].info.offset = (uint64_t)idx << 40;
	snprintf(n[l->nr_regions].name, sizeof(n[0].name), "msix");
	l->nr_regions++;
	snprintf(c->what, sizeof(c->what), "MSI-X table (0x%" PRIx64 " bytes) and PBA moved from BAR%" PRIu32
		 " to a new 0x%" PRIx64 "-byte BAR%" PRIu32, tb, m->table_region,
		 n[l->nr_regions - 1].info.size, idx);
	m->table_region = m->pba_region = idx;
	m->table_offset = 0;
	m->pba_offset = pba;
	if (recompute) {
		/* nothing left to exclude: the driver reports the region whole */
		bb_region_free_areas(&old_t->info);
	}
	return 0;
}

/* Table and PBA each on their own 64 KiB-aligned page, past every register. */
static int change_msix_align_64k(struct bb_changed *c, struct bb_diag *d)
{
	struct bb_layout *l = &c->layout;
	struct bb_layout_msix *m = &l->msix;
	struct bb_layout_region *tr;
	uint64_t tb = bb_msix_table_bytes(m->vectors), pb = bb_msix_pba_bytes(m->vectors), t, p;
	bool recompute;
	int err;

	if (!m->present || m->table_region != m->pba_region)
		return bb_diag_set(d, -ENOENT, m->present ? "table and PBA are in different BARs"
							  : "no MSI-X in the layout");
	if (m->table_offset % K64 == 0 && m->pba_offset % K64 == 0 &&
	    (m->pba_offset >= m->table_offset + up(tb, K64) || m->table_offset >= m->pba_offset + up(pb, K64)))
		return bb_diag_set(d, -ENOENT, "table and PBA are already on 64 KiB pages of their own");
	tr = region(l, m->table_region);
	recompute = areas_exclude_msix_only(l, &tr->info);
	/* past every register, each on its own 64 KiB page */
	m->present = false;
	t = up(used_end(l, m->table_region) ? used_end(l, m->table_region) : 1, K64);
	m->present = true;
	p = t + up(tb, K64);
	snprintf(c->what, sizeof(c->what), "table 0x%" PRIx64 " -> 0x%" PRIx64 ", PBA 0x%" PRIx64 " -> 0x%" PRIx64
		 " in BAR%" PRIu32, m->table_offset, t, m->pba_offset, p, m->table_region);
	m->table_offset = t;
	m->pba_offset = p;
	err = grow(tr, p + pb);
	if (!err && recompute)
		err = recompute_areas(l, &tr->info);
	return err;
}

/* Does hot register @g of the table's BAR share one of the @nw 64 KiB windows [wlo, whi) with MSI-X? */
static bool in_msix_window(const struct bb_layout *l, const struct bb_layout_reg *g, const uint64_t *wlo,
			   const uint64_t *whi, unsigned nw)
{
	bool in = false;

	for (unsigned k = 0; k < nw; k++)
		in |= g->region == l->msix.table_region && (g->reads || g->writes) && g->offset < whi[k] &&
		      wlo[k] < g->offset + g->size;
	return in;
}

/* Hot registers on the MSI-X table's (or PBA's) 64 KiB pages moved past every register, in their order. */
static int change_hot_out(struct bb_changed *c, struct bb_diag *d)
{
	struct bb_layout *l = &c->layout;
	struct bb_layout_msix *m = &l->msix;
	struct bb_layout_region *tr;
	uint64_t wlo[2], whi[2], base, lo_all = UINT64_MAX, block;
	unsigned nw = 0, moved = 0;
	bool recompute;
	int err = 0;

	if (!m->present)
		return bb_diag_set(d, -ENOENT, "no MSI-X in the layout");
	wlo[nw] = m->table_offset & ~(K64 - 1);
	whi[nw++] = up(m->table_offset + bb_msix_table_bytes(m->vectors), K64);
	if (m->pba_region == m->table_region) {
		wlo[nw] = m->pba_offset & ~(K64 - 1);
		whi[nw++] = up(m->pba_offset + bb_msix_pba_bytes(m->vectors), K64);
	}
	for (uint32_t i = 0; i < l->nr_regs; i++)
		if (in_msix_window(l, &l->regs[i], wlo, whi, nw) && l->regs[i].offset < lo_all)
			lo_all = l->regs[i].offset & ~(K64 - 1);
	if (lo_all == UINT64_MAX)
		return bb_diag_set(d, -ENOENT, "no hot register shares a 64 KiB page with the MSI-X table or PBA");
	tr = region(l, m->table_region);
	recompute = areas_exclude_msix_only(l, &tr->info);
	base = up(used_end(l, m->table_region), K64);
	block = 0;
	for (uint32_t i = 0; i < l->nr_regs && !err; i++) {
		struct bb_layout_reg *g = &l->regs[i];

		if (!in_msix_window(l, g, wlo, whi, nw))
			continue;
		err = move_reg(c, i, base + (g->offset - lo_all));
		if (g->offset + g->size > block)
			block = g->offset + g->size;
		moved++;
	}
	if (!err)
		err = grow(tr, block);
	if (!err && recompute)
		err = recompute_areas(l, &tr->info);
	snprintf(c->what, sizeof(c->what), "%u hot register%s moved from the MSI-X pages to 0x%" PRIx64
		 " in BAR%" PRIu32, moved, moved == 1 ? "" : "s", base, m->table_region);
	return err;
}

unsigned long long bb_heaviest_visits;

uint32_t bb_heaviest_region(const struct bb_layout *l, bool (*counts)(const struct bb_layout_reg *g),
			    uint64_t (*weight)(const struct bb_layout_reg *g))
{
	uint32_t rg = UINT32_MAX, rg_first = UINT32_MAX;
	uint64_t best = 0;

	for (uint32_t k = 0; k < l->nr_regions; k++) {
		uint32_t index = l->regions[k].info.index, first = UINT32_MAX;
		uint64_t w = 0;

		for (uint32_t i = 0; i < l->nr_regs; i++) {
			bb_heaviest_visits++;
			if (l->regs[i].region != index || (counts && !counts(&l->regs[i])))
				continue;
			w += weight(&l->regs[i]);
			if (first == UINT32_MAX)
				first = i;
		}
		if (w > best || (w && w == best && first < rg_first)) {
			best = w;
			rg = index;
			rg_first = first;
		}
	}
	return rg;
}

static bool doorbell(const struct bb_layout_reg *g)
{
	return g->kind == BB_REG_DOORBELL;
}

static uint64_t doorbell_weight(const struct bb_layout_reg *g)
{
	return (uint64_t)g->writes + 1;
}

/* The doorbells of the busiest region gathered, naturally aligned, on a 64 KiB page past every register. */
static int change_doorbells_gathered(struct bb_changed *c, struct bb_diag *d)
{
	struct bb_layout *l = &c->layout;
	uint32_t rg = bb_heaviest_region(l, doorbell, doorbell_weight);	/* the most doorbell traffic */
	uint64_t base, cur;
	unsigned nd = 0;
	struct bb_layout_region *lr;
	bool recompute;
	int err = 0;

	if (rg == UINT32_MAX)
		return bb_diag_set(d, -ENOENT, "no doorbell in the layout");
	lr = region(l, rg);
	recompute = areas_exclude_msix_only(l, &lr->info);
	base = up(used_end(l, rg), K64);
	cur = base;
	for (uint32_t i = 0; i < l->nr_regs && !err; i++) {
		struct bb_layout_reg *g = &l->regs[i];
		uint64_t al = g->size >= 8 ? 8 : g->size;

		if (g->kind != BB_REG_DOORBELL || g->region != rg)
			continue;
		cur = up(cur, al ? al : 1);
		err = move_reg(c, i, cur);
		cur += g->size;
		nd++;
	}
	if (!err)
		err = grow(lr, cur);
	if (!err && recompute)
		err = recompute_areas(l, &lr->info);
	snprintf(c->what, sizeof(c->what), "%u doorbell%s of BAR%" PRIu32 " gathered at 0x%" PRIx64
		 " (own 64 KiB page)", nd, nd == 1 ? "" : "s", rg, base);
	return err;
}

int bb_change_apply(const struct bb_layout *src, enum bb_change ch, struct bb_changed *c, struct bb_diag *d)
{
	static int (*const apply[BB_CHANGE_COUNT])(struct bb_changed *, struct bb_diag *) = {
		[BB_CHANGE_MSIX_OWN_BAR] = change_msix_own_bar,
		[BB_CHANGE_MSIX_ALIGN_64K] = change_msix_align_64k,
		[BB_CHANGE_HOT_OUT] = change_hot_out,
		[BB_CHANGE_DOORBELLS_GATHERED] = change_doorbells_gathered,
	};
	int err;

	memset(c, 0, sizeof(*c));
	err = bb_layout_copy(&c->layout, src);
	if (err)
		return bb_diag_set(d, err, "%s: out of memory", src->name);
	if ((unsigned)ch < BB_CHANGE_COUNT)
		err = apply[ch](c, d);
	else
		err = bb_diag_set(d, -EINVAL, "change %d", (int)ch);
	if (err) {
		bb_changed_free(c);
		if (err != -ENOENT && err != -EINVAL)
			bb_diag_set(d, err, "%s: %s: out of memory", src->name, bb_change_name(ch));
		return err;
	}
	/* sorted, for bb_profile_move's binary search: a layout of 32768 registers moves them all */
	if (c->nr_moves)
		qsort(c->moves, c->nr_moves, sizeof(*c->moves), cmp_move);
	for (unsigned k = 1; k < c->nr_moves; k++)
		if (c->moves[k].region == c->moves[k - 1].region &&
		    c->moves[k].from - c->moves[k - 1].from < c->moves[k - 1].size) {
			err = bb_diag_set(d, -EPROTO, "%s: %s: moves of [0x%" PRIx64 ", +0x%" PRIx64 ") and [0x%" PRIx64
					  ", +0x%" PRIx64 ") overlap (a bug of the change)", src->name, bb_change_name(ch),
					  c->moves[k - 1].from, c->moves[k - 1].size, c->moves[k].from, c->moves[k].size);
			bb_changed_free(c);
			return err;
		}
	return 0;
}

int bb_profile_move(const struct bb_profile *in, uint32_t region_index, const struct bb_changed *c,
		    struct bb_profile *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < in->n; i++) {
		uint64_t off = in->v[i].offset;
		size_t lo = 0, hi = c->nr_moves;	/* the last move starting at or before off (none overlap) */

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct bb_move *m = &c->moves[mid];

			if (m->region < region_index || (m->region == region_index && m->from <= off))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && c->moves[lo - 1].region == region_index && off - c->moves[lo - 1].from < c->moves[lo - 1].size)
			off = c->moves[lo - 1].to + (off - c->moves[lo - 1].from);
		err = bb_profile_push(out, off, in->v[i].width, in->v[i].op, in->v[i].weight);
		if (err) {
			bb_profile_free(out);
			return err;
		}
	}
	err = bb_profile_merge(out);
	if (err)
		bb_profile_free(out);
	return err;
}
