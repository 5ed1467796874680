// SPDX-License-Identifier: MIT
/* The plan model: building, finishing, validating and printing plans. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "json.h"
#include "barbench/plan.h"

void bb_plan_init(struct bb_plan *p, const char *policy, uint64_t page_size, uint64_t region_size)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->policy, sizeof(p->policy), "%s", policy ? policy : "?");
	p->applicable = true;
	p->page_size = page_size;
	p->region_size = region_size;
}

void bb_plan_free(struct bb_plan *p)
{
	if (!p)
		return;
	free(p->windows);
	free(p->mappings);
	p->windows = NULL;
	p->mappings = NULL;
	p->nr_windows = p->nr_mappings = 0;
}

static int push_window(struct bb_plan *p, uint64_t off, uint64_t size, enum bb_win_mode m)
{
	struct bb_window *n = realloc(p->windows, (p->nr_windows + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->windows = n;
	n[p->nr_windows++] = (struct bb_window){ off, size, m };
	return 0;
}

int bb_plan_add_map(struct bb_plan *p, uint64_t offset, uint64_t size)
{
	return push_window(p, offset, size, BB_WIN_MAP);
}

int bb_plan_add_mapping(struct bb_plan *p, uint64_t offset, uint64_t size)
{
	struct bb_mapping *n = realloc(p->mappings, (p->nr_mappings + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->mappings = n;
	n[p->nr_mappings++] = (struct bb_mapping){ offset, size };
	return 0;
}

void bb_plan_warn(struct bb_plan *p, const char *fmt, ...)
{
	va_list ap;

	if (p->nr_warnings >= BB_PLAN_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(p->warnings[p->nr_warnings++], BB_PLAN_NOTE_LEN, fmt, ap);
	va_end(ap);
}

void bb_plan_not_applicable(struct bb_plan *p, const char *fmt, ...)
{
	va_list ap;

	p->applicable = false;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}

void bb_plan_note_dropped(struct bb_plan *p, uint32_t area)
{
	if (p->nr_dropped < sizeof(p->dropped) / sizeof(p->dropped[0]))
		p->dropped[p->nr_dropped++] = area;
	else
		p->dropped_more = true;
}

static int cmp_window(const void *a, const void *b)
{
	const struct bb_window *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (int)y->mode - (int)x->mode;
}

static int cmp_mapping(const void *a, const void *b)
{
	const struct bb_mapping *x = a, *y = b;

	return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

int bb_plan_finish(struct bb_plan *p, struct bb_diag *d)
{
	struct bb_window *maps = p->windows;
	uint32_t nmaps = p->nr_windows, i;
	uint64_t cur = 0;
	int err = 0;

	p->windows = NULL;
	p->nr_windows = 0;
	p->memslots = 0;
	p->mapped_bytes = 0;
	if (!p->applicable) {
		free(maps);
		free(p->mappings);
		p->mappings = NULL;
		p->nr_mappings = 0;
		p->trapped_bytes = 0;
		return 0;
	}
	if (nmaps)
		qsort(maps, nmaps, sizeof(*maps), cmp_window);
	if (p->nr_mappings)
		qsort(p->mappings, p->nr_mappings, sizeof(*p->mappings), cmp_mapping);
	for (i = 0; i < nmaps && !err; i++) {
		const struct bb_window *w = &maps[i];

		if (w->mode != BB_WIN_MAP || w->size == 0 || w->offset < cur ||
		    w->offset + w->size < w->offset || w->offset + w->size > p->region_size) {
			err = bb_diag_set(d, -EINVAL,
				"policy %s: window [0x%" PRIx64 ", +0x%" PRIx64 ") is empty, overlaps "
				"another or lies outside the region (size 0x%" PRIx64 ")",
				p->policy, w->offset, w->size, p->region_size);
			break;
		}
		if (w->offset > cur)
			err = push_window(p, cur, w->offset - cur, BB_WIN_TRAP);
		if (!err)
			err = push_window(p, w->offset, w->size, BB_WIN_MAP);
		cur = w->offset + w->size;
		p->memslots++;
		p->mapped_bytes += w->size;
	}
	if (!err && cur < p->region_size)
		err = push_window(p, cur, p->region_size - cur, BB_WIN_TRAP);
	free(maps);
	if (err == -ENOMEM)
		return bb_diag_set(d, err, "policy %s: out of memory", p->policy);
	if (err)
		return err;
	p->trapped_bytes = p->region_size - p->mapped_bytes;
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool aligned_end(uint64_t end, uint64_t page, uint64_t region_size)
{
	return end % page == 0 || end == region_size;
}

/*
 * The end of the run of touching mappings that covers @c, or @c when none
 * does.  @m is sorted and non-overlapping: one binary search, then a walk
 * over the mappings the run holds.
 */
static uint64_t backed_to(const struct bb_mapping *m, uint32_t n, uint64_t c)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m[mid].offset <= c)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t k = lo ? lo - 1 : 0; k < n && m[k].offset <= c; k++)
		if (m[k].offset + m[k].size > c)
			c = m[k].offset + m[k].size;
	return c;
}

static int validate(const struct bb_plan *p, const struct bb_region *r, const struct bb_map_index *ix,
		    const struct bb_range *must_trap, unsigned nr_must_trap, bool may_expose, struct bb_diag *d);

int bb_plan_validate(const struct bb_plan *p, const struct bb_region *r,
		     const struct bb_range *must_trap, unsigned nr_must_trap,
		     bool may_expose, struct bb_diag *d)
{
	struct bb_map_index ix;
	int err;

	if (bb_map_index_build(r, &ix))
		return bb_diag_set(d, -ENOMEM, "policy %s: out of memory", p->policy);
	err = validate(p, r, &ix, must_trap, nr_must_trap, may_expose, d);
	bb_map_index_free(&ix);
	return err;
}

static int validate(const struct bb_plan *p, const struct bb_region *r, const struct bb_map_index *ix,
		    const struct bb_range *must_trap, unsigned nr_must_trap, bool may_expose, struct bb_diag *d)
{
	uint64_t cur = 0, mapped = 0;
	uint32_t slots = 0, i;
	const char *pol = p->policy;
	bool sorted = true;

	/* unsorted or overlapping mappings are refused below, after the windows */
	for (i = 1; i < p->nr_mappings; i++)
		if (p->mappings[i].offset < p->mappings[i - 1].offset + p->mappings[i - 1].size)
			sorted = false;

	if (!p->applicable)
		return p->reason[0] ? 0 : bb_diag_set(d, -EINVAL,
			"policy %s: not applicable without a reason", pol);
	if (p->page_size < 4096 || (p->page_size & (p->page_size - 1)))
		return bb_diag_set(d, -EINVAL, "policy %s: page size 0x%" PRIx64 " is not a power of two >= 4 KiB",
				   pol, p->page_size);
	if (p->region_size != r->size)
		return bb_diag_set(d, -EINVAL, "policy %s: plan is for a region of 0x%" PRIx64
				   " bytes, the region has 0x%" PRIx64, pol, p->region_size, r->size);
	if (r->size && !p->nr_windows)
		return bb_diag_set(d, -EINVAL, "policy %s: no windows", pol);
	for (i = 0; i < p->nr_windows; i++) {
		const struct bb_window *w = &p->windows[i];

		if (w->offset != cur)
			return bb_diag_set(d, -EINVAL, "policy %s: window %" PRIu32 " starts at 0x%" PRIx64
					   ", expected 0x%" PRIx64 " (windows must tile the region in order)",
					   pol, i, w->offset, cur);
		if (w->size == 0 || w->offset + w->size < w->offset || w->offset + w->size > r->size)
			return bb_diag_set(d, -EINVAL, "policy %s: window %" PRIu32 " [0x%" PRIx64 ", +0x%" PRIx64
					   ") is empty or ends outside the region (size 0x%" PRIx64 ")",
					   pol, i, w->offset, w->size, r->size);
		if (w->mode != BB_WIN_MAP && w->mode != BB_WIN_TRAP)
			return bb_diag_set(d, -EINVAL, "policy %s: window %" PRIu32 " has mode %d", pol, i, (int)w->mode);
		if (i && w->mode == BB_WIN_TRAP && p->windows[i - 1].mode == BB_WIN_TRAP)
			return bb_diag_set(d, -EINVAL, "policy %s: trap windows %" PRIu32 " and %" PRIu32
					   " touch and are not coalesced", pol, i - 1, i);
		cur = w->offset + w->size;
		if (w->mode != BB_WIN_MAP)
			continue;
		slots++;
		mapped += w->size;
		if (w->offset % p->page_size || !aligned_end(cur, p->page_size, r->size))
			return bb_diag_set(d, -EINVAL, "policy %s: map window %" PRIu32 " [0x%" PRIx64 ", 0x%" PRIx64
					   ") is not aligned to the 0x%" PRIx64 " page", pol, i, w->offset, cur,
					   p->page_size);
		if (!bb_map_index_covers(ix, w->offset, w->size))
			return bb_diag_set(d, -EINVAL, "policy %s: map window %" PRIu32 " [0x%" PRIx64 ", 0x%" PRIx64
					   ") is not mappable: %s", pol, i, w->offset, cur,
					   !(r->flags & VFIO_REGION_INFO_FLAG_MMAP) ? "the region has no MMAP flag"
										 : "outside the sparse areas");
		if (sorted) {	/* backed by the union of the mappings */
			uint64_t c = backed_to(p->mappings, p->nr_mappings, w->offset);

			if (c < cur)
				return bb_diag_set(d, -EINVAL, "policy %s: map window %" PRIu32 " [0x%" PRIx64
						   ", 0x%" PRIx64 ") is not backed by a mapping at 0x%" PRIx64,
						   pol, i, w->offset, cur, c);
		}
		for (unsigned k = 0; k < nr_must_trap; k++) {
			if (!overlaps(w->offset, w->size, must_trap[k].offset, must_trap[k].size))
				continue;
			if (!may_expose)
				return bb_diag_set(d, -EINVAL, "policy %s: map window %" PRIu32 " [0x%" PRIx64
						   ", 0x%" PRIx64 ") maps the must-trap range [0x%" PRIx64 ", 0x%" PRIx64 ")",
						   pol, i, w->offset, cur, must_trap[k].offset,
						   must_trap[k].offset + must_trap[k].size);
			if (!p->nr_warnings)
				return bb_diag_set(d, -EINVAL, "policy %s: maps the must-trap range [0x%" PRIx64
						   ", 0x%" PRIx64 ") without a warning", pol, must_trap[k].offset,
						   must_trap[k].offset + must_trap[k].size);
		}
	}
	if (cur != r->size)
		return bb_diag_set(d, -EINVAL, "policy %s: windows end at 0x%" PRIx64 ", the region at 0x%" PRIx64,
				   pol, cur, r->size);
	for (i = 0; i < p->nr_mappings; i++) {
		const struct bb_mapping *m = &p->mappings[i];

		if (m->offset % p->page_size || !aligned_end(m->offset + m->size, p->page_size, r->size) ||
		    !bb_map_index_covers(ix, m->offset, m->size))
			return bb_diag_set(d, -EINVAL, "policy %s: mapping %" PRIu32 " [0x%" PRIx64 ", +0x%" PRIx64
					   ") is unaligned or not mappable", pol, i, m->offset, m->size);
		if (i && m->offset < p->mappings[i - 1].offset + p->mappings[i - 1].size)
			return bb_diag_set(d, -EINVAL, "policy %s: mappings %" PRIu32 " and %" PRIu32 " overlap",
					   pol, i - 1, i);
	}
	if (slots != p->memslots || mapped != p->mapped_bytes || r->size - mapped != p->trapped_bytes)
		return bb_diag_set(d, -EINVAL, "policy %s: counts disagree with the windows (memslots %" PRIu32
				   " vs %" PRIu32 ", mapped 0x%" PRIx64 " vs 0x%" PRIx64 ")",
				   pol, p->memslots, slots, p->mapped_bytes, mapped);
	if (slots && !p->nr_mappings)
		return bb_diag_set(d, -EINVAL, "policy %s: map windows without mappings", pol);
	return 0;
}

enum bb_win_mode bb_plan_mode_at(const struct bb_plan *p, uint64_t offset)
{
	uint32_t lo = 0, hi = p->nr_windows;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct bb_window *w = &p->windows[mid];

		if (offset < w->offset)
			hi = mid;
		else if (offset >= w->offset + w->size)
			lo = mid + 1;
		else
			return w->mode;
	}
	return BB_WIN_TRAP;
}

unsigned bb_plan_trapped_regs(const struct bb_plan *p, const struct bb_layout *l, uint32_t index,
			      const struct bb_layout_reg **out, unsigned max)
{
	unsigned n = 0;

	if (!l || !p->applicable)
		return 0;
	for (uint32_t i = 0; i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];
		bool trapped = false;

		if (g->region != index)
			continue;
		for (uint32_t k = 0; k < p->nr_windows && !trapped; k++)
			trapped = p->windows[k].mode == BB_WIN_TRAP &&
				  overlaps(p->windows[k].offset, p->windows[k].size, g->offset, g->size);
		if (trapped) {
			if (n < max)
				out[n] = g;
			n++;
		}
	}
	return n;
}

#define MAX_REGS_SHOWN 256

void bb_plan_print(FILE *f, const struct bb_plan *p, const struct bb_layout *l, uint32_t index)
{
	const struct bb_layout_reg *regs[MAX_REGS_SHOWN];
	char ps[32];
	unsigned n;

	bb_format_size(ps, sizeof(ps), p->page_size);
	if (!p->applicable) {
		fprintf(f, "policy %s (page %s): not applicable: %s\n", p->policy, ps, p->reason);
		return;
	}
	fprintf(f, "policy %s (page %s): %" PRIu32 " mapping%s, %" PRIu32 " memslot%s, mapped 0x%" PRIx64
		" bytes (%.1f%%), trapped 0x%" PRIx64 " bytes\n", p->policy, ps,
		p->nr_mappings, p->nr_mappings == 1 ? "" : "s", p->memslots, p->memslots == 1 ? "" : "s",
		p->mapped_bytes, bb_share_pct(p->mapped_bytes, p->region_size),
		p->trapped_bytes);
	for (uint32_t i = 0; i < p->nr_windows; i++) {
		const struct bb_window *w = &p->windows[i];

		fprintf(f, "  [0x%" PRIx64 ", 0x%" PRIx64 ") %s\n", w->offset, w->offset + w->size,
			w->mode == BB_WIN_MAP ? "map" : "trap");
	}
	for (uint32_t i = 0; i < p->nr_mappings; i++)
		fprintf(f, "  mmap %" PRIu32 ": [0x%" PRIx64 ", 0x%" PRIx64 ")%s\n", i, p->mappings[i].offset,
			p->mappings[i].offset + p->mappings[i].size,
			p->reserve_va ? " in one reserved range" : "");
	if (p->nr_dropped) {
		const struct bb_layout_region *lr = l ? bb_layout_find_region(l, index) : NULL;

		fprintf(f, "  areas dropped by alignment:");
		for (uint32_t i = 0; i < p->nr_dropped; i++) {
			bool empty = lr && p->dropped[i] < lr->info.nr_areas && !lr->info.areas[p->dropped[i]].size;

			fprintf(f, " %" PRIu32 "%s", p->dropped[i], empty ? " (empty)" : "");
		}
		fprintf(f, "%s\n", p->dropped_more ? " ..." : "");
	}
	n = bb_plan_trapped_regs(p, l, index, regs, MAX_REGS_SHOWN);
	if (n) {
		fprintf(f, "  trapped registers:");
		for (unsigned i = 0; i < n && i < MAX_REGS_SHOWN; i++)
			fprintf(f, " %s", regs[i]->name);
		fputc('\n', f);
	}
	for (uint32_t i = 0; i < p->nr_warnings; i++)
		fprintf(f, "  warning: %s\n", p->warnings[i]);
}


/* { "offset", "size_bytes" [, "mode"] } of each window (@win) or mapping; NULL when out of memory. */
static json_t *ranges_json(const struct bb_plan *p, bool win)
{
	json_t *a = json_array();
	uint32_t n = win ? p->nr_windows : p->nr_mappings;

	for (uint32_t i = 0; a && i < n; i++) {
		json_t *o = win ? json_pack("{s:o,s:o,s:s}", "offset", bb_json_u64(p->windows[i].offset),
					    "size_bytes", bb_json_u64(p->windows[i].size),
					    "mode", p->windows[i].mode == BB_WIN_MAP ? "map" : "trap")
				: json_pack("{s:o,s:o}", "offset", bb_json_u64(p->mappings[i].offset),
					    "size_bytes", bb_json_u64(p->mappings[i].size));

		if (json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *bb_plan_json(const struct bb_plan *p, const struct bb_layout *l, uint32_t index)
{
	const struct bb_layout_reg *regs[MAX_REGS_SHOWN];
	json_t *dropped = json_array(), *trapped = json_array(), *warnings = json_array();
	bool ok = p->applicable;
	unsigned n = ok ? bb_plan_trapped_regs(p, l, index, regs, MAX_REGS_SHOWN) : 0;
	int bad = !dropped || !trapped || !warnings;

	for (uint32_t i = 0; ok && i < p->nr_dropped && !bad; i++)
		bad |= json_array_append_new(dropped, json_integer(p->dropped[i]));
	for (unsigned i = 0; i < n && i < MAX_REGS_SHOWN && !bad; i++)
		bad |= json_array_append_new(trapped, bb_json_str(regs[i]->name));
	for (uint32_t i = 0; ok && i < p->nr_warnings && !bad; i++)
		bad |= json_array_append_new(warnings, bb_json_str(p->warnings[i]));
	if (bad) {
		json_decref(dropped);
		json_decref(trapped);
		json_decref(warnings);
		return NULL;
	}
	/* one shape: a plan that does not apply has its reason, nothing listed and no figures */
	return json_pack("{s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o}",
			 "policy", bb_json_str(p->policy),
			 "applicable", (int)ok,
			 "reason", ok ? json_null() : bb_json_str(p->reason),
			 "page_size_bytes", bb_json_u64(p->page_size),
			 "windows", ok ? ranges_json(p, true) : json_array(),
			 "mmaps", ok ? ranges_json(p, false) : json_array(),
			 "mappings", ok ? json_integer(p->nr_mappings) : json_null(),
			 "memslots", ok ? json_integer(p->memslots) : json_null(),
			 "mapped_bytes", ok ? bb_json_u64(p->mapped_bytes) : json_null(),
			 "trapped_bytes", ok ? bb_json_u64(p->trapped_bytes) : json_null(),
			 "dropped_areas", dropped,
			 "dropped_areas_truncated", (int)(ok && p->dropped_more),
			 "trapped_registers", trapped,
			 "warnings", warnings);
}
