// SPDX-License-Identifier: MIT
/*
 * Layout files (bb_layout_parse).  Refused text is an error naming
 * "fuzz:LINE" with nothing left allocated; an accepted layout has sorted,
 * distinct regions that each encode into region-info bytes and parse back
 * to the same region (empty sparse areas included); every register, array
 * element, safe range and MSI-X structure lies inside a declared region; an
 * array's elements are where count= and stride= put them; a layout of MSI-X
 * with unknown placement has no must-trap range; and the workloads built
 * from it touch only what the layout allows (the same rules
 * tests/test_workload.c checks).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/layout.h"
#include "barbench/workload.h"
#include "layout_check.h"
#include "fuzz.h"

static void check_inside(const struct bb_layout *l, uint32_t region, uint64_t off, uint64_t size, const char *what)
{
	const struct bb_layout_region *r = bb_layout_find_region(l, region);

	FUZZ_ASSERT(r != NULL, "%s in undeclared region %" PRIu32, what, region);
	FUZZ_ASSERT(off + size >= off && off + size <= r->info.size, "%s [0x%" PRIx64 ", +0x%" PRIx64
		    ") outside region %" PRIu32, what, off, size, region);
}

static void check_roundtrip(const struct bb_region *r)
{
	struct bb_region back;
	struct bb_diag d = { "" };
	uint8_t *buf;
	size_t len;
	int err;

	err = bb_region_encode(r, &buf, &len, &d);
	FUZZ_ASSERT(!err, "region %" PRIu32 " does not encode: %s", r->index, d.msg);
	err = bb_region_parse(buf, len, "fuzz-encoded", &back, &d);
	FUZZ_ASSERT(!err, "region %" PRIu32 " does not parse back: %s", r->index, d.msg);
	FUZZ_ASSERT(back.index == r->index && back.size == r->size && back.offset == r->offset, "info differs");
	FUZZ_ASSERT((back.flags & 7u) == (r->flags & 7u), "flags differ");
	FUZZ_ASSERT(back.has_sparse == r->has_sparse && back.nr_areas == r->nr_areas, "areas differ");
	for (uint32_t i = 0; i < r->nr_areas; i++)
		FUZZ_ASSERT(back.areas[i].offset == r->areas[i].offset && back.areas[i].size == r->areas[i].size,
			    "area %" PRIu32 " differs", i);
	FUZZ_ASSERT(back.msix_mappable == r->msix_mappable && back.has_type == r->has_type, "caps differ");
	FUZZ_ASSERT(bb_region_mappable_bytes(&back) == bb_region_mappable_bytes(r), "mappable bytes differ");
	bb_region_free(&back);
	free(buf);
}

/* The id registers of a region by offset, and how far each prefix of them reaches. */
struct idx {
	uint64_t *off, *reach;
	uint32_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void idx_of(const struct bb_layout *l, uint32_t index, struct idx *ix)
{
	uint64_t *pairs = malloc((l->nr_regs ? l->nr_regs : 1) * 2 * sizeof(*pairs));

	ix->n = 0;
	ix->off = malloc((l->nr_regs ? l->nr_regs : 1) * sizeof(*ix->off));
	ix->reach = malloc((l->nr_regs ? l->nr_regs : 1) * sizeof(*ix->reach));
	FUZZ_ASSERT(pairs && ix->off && ix->reach, "out of memory");
	for (uint32_t i = 0; i < l->nr_regs; i++)
		if (l->regs[i].kind == BB_REG_ID && l->regs[i].region == index) {
			pairs[2 * ix->n] = l->regs[i].offset;
			pairs[2 * ix->n + 1] = l->regs[i].offset + l->regs[i].size;
			ix->n++;
		}
	qsort(pairs, ix->n, 2 * sizeof(*pairs), cmp_u64);	/* by offset: the first of each pair */
	for (uint32_t k = 0; k < ix->n; k++) {
		ix->off[k] = pairs[2 * k];
		ix->reach[k] = k && ix->reach[k - 1] > pairs[2 * k + 1] ? ix->reach[k - 1] : pairs[2 * k + 1];
	}
	free(pairs);
}

/* Does [off, off+len) touch an id register? */
static bool writes_id(const struct idx *ix, uint64_t off, uint64_t len)
{
	uint32_t lo = 0, hi = ix->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ix->off[mid] < off + len)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && ix->reach[lo - 1] > off;
}

/* The rules of tests/test_workload.c check_safe(). */
static void check_workload(const struct bb_layout *l, const struct bb_region *r, const struct bb_workload *w,
			   enum bb_guard guard)
{
	bool real_hw = guard >= BB_GUARD_SAFE_ONLY;
	struct bb_range mt[2];
	unsigned nmt = bb_layout_must_trap(l, r->index, mt);
	struct idx ids;

	idx_of(l, r->index, &ids);

	FUZZ_ASSERT(w->n > 0 && w->per_sample > 0, "%s: empty workload", w->name);
	for (size_t i = 0; i < w->n; i++) {
		const struct bb_access *a = &w->acc[i];
		enum bb_safety s;

		FUZZ_ASSERT(a->width == 1 || a->width == 2 || a->width == 4 || a->width == 8, "width %u", a->width);
		FUZZ_ASSERT(a->offset % a->width == 0 && a->offset + a->width <= r->size && a->offset < r->size,
			    "%s: access 0x%" PRIx64 " unaligned or outside", w->name, a->offset);
		for (unsigned k = 0; guard >= BB_GUARD_MSIX && k < nmt; k++)
			FUZZ_ASSERT(!(a->offset < mt[k].offset + mt[k].size && mt[k].offset < a->offset + a->width),
				    "%s: touches must-trap 0x%" PRIx64 " with guard %d", w->name, a->offset, (int)guard);
		s = bb_layout_access(l, r->index, a->offset, a->width, real_hw);
		FUZZ_ASSERT(s != BB_ACCESS_NONE, "%s: touches a none range at 0x%" PRIx64, w->name, a->offset);
		if (a->op == BB_OP_WRITE) {
			FUZZ_ASSERT(guard != BB_GUARD_SAFE_READS, "%s: writes 0x%" PRIx64 " without leave to write",
				    w->name, a->offset);
			FUZZ_ASSERT(s != BB_ACCESS_READ && (!real_hw || s == BB_ACCESS_RW),
				    "%s: writes 0x%" PRIx64 " the layout does not let it write", w->name, a->offset);
			FUZZ_ASSERT(!writes_id(&ids, a->offset, a->width), "%s: writes an id register at 0x%" PRIx64,
				    w->name, a->offset);
		} else if (real_hw) {
			FUZZ_ASSERT(s == BB_ACCESS_READ || s == BB_ACCESS_RW, "%s: reads unlisted 0x%" PRIx64 " on hardware",
				    w->name, a->offset);
		}
	}
	free(ids.off);
	free(ids.reach);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum bb_wl_kind kinds[] = { BB_WL_LAT_READ, BB_WL_LAT_WRITE, BB_WL_DOORBELL, BB_WL_MIX,
						 BB_WL_STREAM_READ, BB_WL_STREAM_WRITE };
#define NO_STREAM_TEST 4
	struct bb_layout l;
	struct bb_diag d = { "" };
	int err;

	err = bb_layout_parse((const char *)data, size, "fuzz", &l, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -EFBIG || err == -ENOMEM, "error %d: %s", err, d.msg);
		FUZZ_ASSERT(!strncmp(d.msg, "fuzz:", 5) || err != -EINVAL, "message names no line: %s", d.msg);
		FUZZ_ASSERT(!l.regions && !l.regs && !l.safe && !l.nr_regions, "a refused layout left data");
		return 0;
	}
	FUZZ_ASSERT(l.nr_regions > 0, "a layout without regions");
	for (uint32_t i = 0; i < l.nr_regions; i++) {
		const struct bb_region *r = &l.regions[i].info;
		struct bb_range mt[2];
		unsigned n;

		if (i)
			FUZZ_ASSERT(l.regions[i - 1].info.index < r->index, "regions not sorted or repeated");
		FUZZ_ASSERT(bb_region_check(r, "fuzz", &d) == 0, "%s", d.msg);
		check_roundtrip(r);
		n = bb_layout_must_trap(&l, r->index, mt);
		for (unsigned k = 0; k < n; k++)
			check_inside(&l, mt[k].region, mt[k].offset, mt[k].size, "must-trap range");
	}
	FUZZ_ASSERT(l.nr_regs <= BB_LAYOUT_MAX_REGS, "%" PRIu32 " registers", l.nr_regs);
	for (uint32_t i = 0; i < l.nr_regs; i++) {
		const struct bb_layout_reg *g = &l.regs[i];
		uint8_t b[8];

		check_inside(&l, g->region, g->offset, g->size, g->name);
		FUZZ_ASSERT(g->size > 0, "register %s of size 0", g->name);
		FUZZ_ASSERT(!g->has_value || g->size >= 8 || !(g->value >> (8 * g->size)), "value of %s too wide", g->name);
		FUZZ_ASSERT(!g->big_endian || (g->has_value && g->size <= 8), "byte-order=be on %s", g->name);
		FUZZ_ASSERT(bb_layout_reg_bytes(g, b) <= 8, "%s: more than 8 value bytes", g->name);
		FUZZ_ASSERT(memchr(g->name, '\0', sizeof(g->name)) != NULL, "name not terminated");
		/* an array element: index < count, where count= and stride= put it, named NAME[i] */
		if (g->array_count) {
			const struct bb_layout_reg *f = g - g->array_index;
			char want[16];

			FUZZ_ASSERT(g->array_index < g->array_count && g->array_count <= BB_LAYOUT_MAX_COUNT &&
				    g->array_index <= i, "%s: element %" PRIu32 " of %" PRIu32, g->name, g->array_index,
				    g->array_count);
			FUZZ_ASSERT(g->array_count == 1 || g->array_stride >= g->size, "%s: elements overlap", g->name);
			FUZZ_ASSERT(f->array_index == 0 && g->offset == f->offset + (uint64_t)g->array_index * g->array_stride,
				    "%s: not where count= and stride= put it", g->name);
			snprintf(want, sizeof(want), "[%" PRIu32 "]", g->array_index);
			FUZZ_ASSERT(strlen(g->name) > strlen(want) && !strcmp(g->name + strlen(g->name) - strlen(want), want),
				    "%s: element name", g->name);
		}
	}
	FUZZ_ASSERT(!(l.msix.present && l.msix.placement_unknown), "MSI-X placed and unknown");
	/* layout check: every finding names a line of the input, notes are notes */
	{
		struct bb_layout_findings f;
		unsigned lines = 1;

		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		err = bb_layout_check(&l, &f, &d);
		FUZZ_ASSERT(!err || err == -ENOMEM, "layout check: %d %s", err, d.msg);
		for (uint32_t i = 0; !err && i < f.n; i++) {
			FUZZ_ASSERT(f.v[i].line >= 1 && f.v[i].line <= lines, "finding on line %u of %u", f.v[i].line, lines);
			FUZZ_ASSERT(!f.v[i].accepted || f.v[i].note, "an accepted finding counts");
			FUZZ_ASSERT(f.v[i].kind != BB_FIND_OUTSIDE, "the parser let a register outside: %s", f.v[i].msg);
		}
		FUZZ_ASSERT(f.n <= BB_LAYOUT_MAX_FINDINGS, "%" PRIu32 " findings", f.n);
		bb_layout_findings_free(&f);
	}
	for (uint32_t i = 0; i < l.nr_safe; i++)
		check_inside(&l, l.safe[i].range.region, l.safe[i].range.offset, l.safe[i].range.size, "safe range");
	if (l.msix.present) {
		check_inside(&l, l.msix.table_region, l.msix.table_offset, bb_msix_table_bytes(l.msix.vectors), "msix table");
		check_inside(&l, l.msix.pba_region, l.msix.pba_offset, bb_msix_pba_bytes(l.msix.vectors), "msix pba");
	}

	/* what the benchmark would do with it: only what the layout allows */
	for (uint32_t i = 0; i < l.nr_regions && i < 4; i++) {
		for (size_t k = 0; k < NO_STREAM_TEST; k++) {
			for (int hw = BB_GUARD_NONE; hw <= BB_GUARD_SAFE_READS; hw++) {
				struct bb_workload_spec spec;
				struct bb_workload w;

				err = bb_workload_parse(bb_workload_kind_name(kinds[k]), 4, &spec, &d);
				FUZZ_ASSERT(!err, "%s", d.msg);
				err = bb_workload_build(&spec, &l, &l.regions[i].info, (enum bb_guard)hw, &w, &d);
				if (err) {
					FUZZ_ASSERT(err == -ENOENT || err == -ENOMEM, "workload error %d: %s", err, d.msg);
					continue;
				}
				check_workload(&l, &l.regions[i].info, &w, (enum bb_guard)hw);
				bb_workload_free(&w);
			}
		}
	}
	bb_layout_free(&l);
	return 0;
}
