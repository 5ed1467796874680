// SPDX-License-Identifier: MIT
/*
 * Policies: exact plans for hand-computed cases, properties over every
 * shipped layout x {4K,16K,64K} x every policy and over thousands of random
 * valid regions, validation catching broken plans, and an out-of-tree policy
 * loaded from a shared object.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/vfio.h>

#include "barbench/policy.h"
#include "xorshift.h"
#include "check.h"
#include "fixtures.h"

#define RW_MMAP (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP)

static struct bb_registry reg;

struct want_win {
	uint64_t off, size;
	enum bb_win_mode mode;
};

static void expect(const char *what, const char *policy, const struct bb_region *r, uint64_t page,
		   const struct bb_range *mt, unsigned nmt, const struct bb_param *params, unsigned np,
		   bool applicable, const struct want_win *w, unsigned nw, uint32_t mappings)
{
	struct bb_policy_ctx ctx = { .page_size = page, .must_trap = mt, .nr_must_trap = nmt,
				     .params = params, .nr_params = np };
	const struct bb_policy_ops *ops = bb_registry_find(&reg, policy);
	struct bb_plan p;
	struct bb_diag d = { "" };
	int err;

	CHECK(ops != NULL);
	if (!ops)
		return;
	err = bb_policy_run(ops, r, &ctx, &p, &d);
	if (err)
		NOTE_FAIL("%s/%s: %s", what, policy, d.msg);
	CHECK_EQ(err, 0);
	if (err)
		return;
	if (p.applicable != applicable)
		NOTE_FAIL("%s/%s: applicable %d, reason '%s'", what, policy, p.applicable, p.reason);
	CHECK_EQ(p.applicable, applicable);
	if (applicable && p.applicable) {
		bool same = p.nr_windows == nw;

		for (unsigned i = 0; same && i < nw; i++)
			same = p.windows[i].offset == w[i].off && p.windows[i].size == w[i].size &&
			       p.windows[i].mode == w[i].mode;
		if (!same) {
			NOTE_FAIL("%s/%s page 0x%llx: got windows:", what, policy, (unsigned long long)page);
			bb_plan_print(stderr, &p, NULL, 0);
		}
		CHECK(same);
		CHECK_EQ(p.nr_mappings, mappings);
	} else if (!applicable) {
		CHECK(p.reason[0] != '\0');
	}
	bb_plan_free(&p);
}

#define M BB_WIN_MAP
#define T BB_WIN_TRAP
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_exact(void)
{
	/* NVMe BAR0 16 KiB as pre-4.16 vfio-pci reported it: areas around the table page */
	struct bb_area pre_areas[] = { { 0, 0x2000 }, { 0x3000, 0x1000 } };
	struct bb_region pre = { .index = 0, .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x4000,
				 .has_sparse = true, .nr_areas = 2, .areas = pre_areas };
	struct bb_range nvme_mt[] = { { 0, 0x2000, 32 * 16 }, { 0, 0x3000, 8 } };
	/* 4K: [0,0x2000) maps; the table page and the PBA page (in area 1) trap */
	struct want_win pre4[] = { { 0, 0x2000, M }, { 0x2000, 0x2000, T } };
	/* 64K: both areas shrink to nothing; the doorbells at 0x1000 trap */
	struct want_win pre64[] = { { 0, 0x4000, T } };

	expect("pre416", "sparse", &pre, 4096, nvme_mt, 2, NULL, 0, true, pre4, N(pre4), 1);
	expect("pre416", "merged", &pre, 4096, nvme_mt, 2, NULL, 0, true, pre4, N(pre4), 1);
	expect("pre416", "sparse", &pre, 65536, nvme_mt, 2, NULL, 0, true, pre64, N(pre64), 0);
	expect("pre416", "merged", &pre, 65536, nvme_mt, 2, NULL, 0, true, pre64, N(pre64), 0);
	expect("pre416", "full", &pre, 4096, nvme_mt, 2, NULL, 0, false, NULL, 0, 0);
	expect("pre416", "holes", &pre, 4096, nvme_mt, 2, NULL, 0, false, NULL, 0, 0);
	expect("pre416", "trap", &pre, 4096, nvme_mt, 2, NULL, 0, true, pre64, N(pre64), 0);
	{
		/* without must-trap ranges the PBA page (area 1) maps on its own */
		struct want_win w[] = { { 0, 0x2000, M }, { 0x2000, 0x1000, T }, { 0x3000, 0x1000, M } };

		expect("pre416-nomt", "sparse", &pre, 4096, NULL, 0, NULL, 0, true, w, N(w), 2);
	}

	/* MSIX_MAPPABLE BAR (vfio-pci >= 4.16): holes and full */
	struct bb_region mm = { .index = 0, .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x4000,
				.msix_mappable = true };
	{
		struct want_win full[] = { { 0, 0x4000, M } };
		struct want_win holes4[] = { { 0, 0x2000, M }, { 0x2000, 0x2000, T } };
		struct want_win holes64[] = { { 0, 0x4000, T } };

		expect("msix-mappable", "full", &mm, 4096, nvme_mt, 2, NULL, 0, true, full, 1, 1);
		expect("msix-mappable", "full", &mm, 65536, nvme_mt, 2, NULL, 0, true, full, 1, 1);
		expect("msix-mappable", "holes", &mm, 4096, nvme_mt, 2, NULL, 0, true, holes4, N(holes4), 1);
		expect("msix-mappable", "holes", &mm, 65536, nvme_mt, 2, NULL, 0, true, holes64, 1, 0);
		/* sparse without a capability: the whole region as the one area */
		expect("msix-mappable", "sparse", &mm, 4096, nvme_mt, 2, NULL, 0, true, holes4, N(holes4), 1);
	}
	{
		/* a 32 MiB BAR with the table at 0x2000 (mlx5): holes keeps one mmap, two memslots */
		struct bb_region big = { .flags = RW_MMAP, .size = 32u << 20, .msix_mappable = true };
		struct bb_range mt[] = { { 0, 0x2000, 64 * 16 }, { 0, 0x3000, 8 } };
		struct want_win w4[] = { { 0, 0x2000, M }, { 0x2000, 0x2000, T }, { 0x4000, (32u << 20) - 0x4000, M } };
		struct want_win w64[] = { { 0, 0x10000, T }, { 0x10000, (32u << 20) - 0x10000, M } };

		expect("mlx5", "holes", &big, 4096, mt, 2, NULL, 0, true, w4, N(w4), 1);
		expect("mlx5", "sparse", &big, 4096, mt, 2, NULL, 0, true, w4, N(w4), 2);
		expect("mlx5", "holes", &big, 65536, mt, 2, NULL, 0, true, w64, N(w64), 1);
	}

	/* contiguous areas: sparse keeps one memslot each, merged joins them */
	struct bb_area touch[] = { { 0x3000, 0x1000 }, { 0x1000, 0x1000 }, { 0x2000, 0x1000 }, { 0x6000, 0x2000 } };
	struct bb_region ct = { .index = 2, .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x8000,
				.has_sparse = true, .nr_areas = 4, .areas = touch };
	{
		struct want_win sp[] = { { 0, 0x1000, T }, { 0x1000, 0x1000, M }, { 0x2000, 0x1000, M },
					 { 0x3000, 0x1000, M }, { 0x4000, 0x2000, T }, { 0x6000, 0x2000, M } };
		struct want_win mg[] = { { 0, 0x1000, T }, { 0x1000, 0x3000, M }, { 0x4000, 0x2000, T },
					 { 0x6000, 0x2000, M } };
		struct bb_param span1[] = { { "span", "1" } };

		expect("contiguous", "sparse", &ct, 4096, NULL, 0, NULL, 0, true, sp, N(sp), 4);
		expect("contiguous", "merged", &ct, 4096, NULL, 0, NULL, 0, true, mg, N(mg), 4);
		expect("contiguous", "merged", &ct, 4096, NULL, 0, span1, 1, true, mg, N(mg), 2);
		expect("contiguous", "full", &ct, 4096, NULL, 0, NULL, 0, false, NULL, 0, 0);
	}
	{
		/* unaligned touching areas: per area nothing survives 8K pages, the union does */
		struct bb_area un[] = { { 0x0, 0x3000 }, { 0x3000, 0x1000 } };
		struct bb_region ur = { .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x4000,
					.has_sparse = true, .nr_areas = 2, .areas = un };
		struct want_win sp[] = { { 0, 0x2000, M }, { 0x2000, 0x2000, T } };
		struct want_win s1[] = { { 0, 0x4000, M } };
		struct bb_param span1[] = { { "span", "1" } };

		expect("unaligned", "sparse", &ur, 8192, NULL, 0, NULL, 0, true, sp, N(sp), 1);
		expect("unaligned", "merged", &ur, 8192, NULL, 0, NULL, 0, true, sp, N(sp), 1);
		expect("unaligned", "merged", &ur, 8192, NULL, 0, span1, 1, true, s1, N(s1), 1);
	}
	{
		/* no MMAP flag: full/holes not applicable, everything else traps */
		struct bb_region nm = { .flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, .size = 0x4000 };
		struct want_win all[] = { { 0, 0x4000, T } };

		expect("nommap", "full", &nm, 4096, NULL, 0, NULL, 0, false, NULL, 0, 0);
		expect("nommap", "holes", &nm, 4096, NULL, 0, NULL, 0, false, NULL, 0, 0);
		expect("nommap", "sparse", &nm, 4096, NULL, 0, NULL, 0, true, all, 1, 0);
		expect("nommap", "merged", &nm, 4096, NULL, 0, NULL, 0, true, all, 1, 0);
	}
}

static void test_params(void)
{
	struct bb_region r = { .flags = RW_MMAP, .size = 0x4000 };
	struct bb_param bad[] = { { "span", "2" } }, junk[] = { { "span", "x" } }, unk[] = { { "colour", "1" } };
	struct bb_policy_ctx ctx = { .page_size = 4096 };
	struct bb_diag d = { "" };
	struct bb_plan p;

	ctx.params = bad;
	ctx.nr_params = 1;
	CHECK_EQ(bb_policy_run(&bb_policy_merged, &r, &ctx, &p, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "policy merged: parameter span=2: must be 0 or 1");
	ctx.params = junk;
	CHECK_EQ(bb_policy_run(&bb_policy_merged, &r, &ctx, &p, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "span=x: not a number");
	ctx.params = unk;
	CHECK_EQ(bb_policy_run(&bb_policy_sparse, &r, &ctx, &p, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "policy sparse takes no parameter 'colour'");
	ctx.nr_params = 0;
	ctx.page_size = 12288;
	CHECK_EQ(bb_policy_run(&bb_policy_sparse, &r, &ctx, &p, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "page size 0x3000");
}

static int first_err(int a, int b)
{
	return a ? a : b;
}

/* Policies that break the rules: validation must catch each. */
static int bad_unaligned(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
			 struct bb_diag *d)
{
	(void)r; (void)c; (void)d;
	return first_err(bb_plan_add_map(p, 0x800, 0x1000), bb_plan_add_mapping(p, 0x800, 0x1000));
}
static int bad_outside_area(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
			    struct bb_diag *d)
{
	(void)r; (void)c; (void)d;
	return first_err(bb_plan_add_map(p, 0x2000, 0x1000), bb_plan_add_mapping(p, 0x2000, 0x1000));
}
static int bad_must_trap(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
			 struct bb_diag *d)
{
	(void)r; (void)c; (void)d;
	return first_err(bb_plan_add_map(p, 0, 0x2000), bb_plan_add_mapping(p, 0, 0x2000));
}
static int bad_no_mapping(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
			  struct bb_diag *d)
{
	(void)r; (void)c; (void)d;
	return bb_plan_add_map(p, 0, 0x1000);
}
static int bad_overlap(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
		       struct bb_diag *d)
{
	(void)r; (void)c; (void)d;
	return first_err(first_err(bb_plan_add_map(p, 0, 0x2000), bb_plan_add_map(p, 0x1000, 0x1000)),
			 bb_plan_add_mapping(p, 0, 0x2000));
}
static int bad_silent(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
		      struct bb_diag *d)
{
	(void)r; (void)c; (void)d;
	p->applicable = false;	/* no reason given */
	return 0;
}

/* casts away const: widens the area it was given to the whole region, then plans "sparse" on it */
static int bad_mutates(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
		       struct bb_diag *d)
{
	struct bb_area *a = (struct bb_area *)r->areas;

	(void)c; (void)d;
	a[0].size = r->size;
	return first_err(bb_plan_add_map(p, 0, r->size), bb_plan_add_mapping(p, 0, r->size));
}
/* fails without a message, with a positive "errno" */
static int bad_no_reason(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
			 struct bb_diag *d)
{
	(void)r; (void)c; (void)p; (void)d;
	return -ENOSPC;
}
static int bad_positive(const struct bb_region *r, const struct bb_policy_ctx *c, struct bb_plan *p,
			struct bb_diag *d)
{
	(void)r; (void)c; (void)p; (void)d;
	return 7;
}

static void test_validation(void)
{
	struct bb_area areas[] = { { 0, 0x2000 } };
	struct bb_region r = { .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x4000,
			       .has_sparse = true, .nr_areas = 1, .areas = areas };
	struct bb_range mt[] = { { 0, 0x1000, 0x10 } };
	static const struct {
		int (*fn)(const struct bb_region *, const struct bb_policy_ctx *, struct bb_plan *, struct bb_diag *);
		const char *want;
		unsigned nmt;
	} cases[] = {
		{ bad_unaligned, "map window 1 [0x800, 0x1800) is not aligned", 0 },
		{ bad_outside_area, "map window 1 [0x2000, 0x3000) is not mappable: outside the sparse areas", 0 },
		{ bad_must_trap, "maps the must-trap range [0x1000, 0x1010)", 1 },
		{ bad_no_mapping, "is not backed by a mapping", 0 },
		{ bad_overlap, "overlaps another", 0 },
		{ bad_silent, "not applicable without a reason", 0 },
		{ bad_mutates, "changed the region it was given (a policy only reads it)", 0 },
		{ bad_positive, "failed with \"Protocol error\" and gave no reason", 0 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct bb_policy_ops ops = { .abi = BB_POLICY_ABI, .name = "broken", .summary = "x",
					     .plan = cases[i].fn };
		struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = mt, .nr_must_trap = cases[i].nmt };
		struct bb_diag d = { "" };
		struct bb_plan p;

		CHECK_EQ(bb_policy_run(&ops, &r, &ctx, &p, &d), -EPROTO);
		CHECK_STR_HAS(d.msg, "policy broken");
		CHECK_STR_HAS(d.msg, cases[i].want);
	}
	/* the region the caller holds is unchanged by a policy that wrote to its copy */
	CHECK_EQ(areas[0].size, 0x2000);
	{
		struct bb_policy_ops ops = { .abi = BB_POLICY_ABI, .name = "broken", .summary = "x",
					     .plan = bad_no_reason };
		struct bb_policy_ctx ctx = { .page_size = 4096 };
		struct bb_diag d = { "stale message of an earlier call" };
		struct bb_plan p;

		CHECK_EQ(bb_policy_run(&ops, &r, &ctx, &p, &d), -ENOSPC);
		CHECK_STR_HAS(d.msg, "policy broken: failed with \"No space left on device\" and gave no reason");
	}
}

/* ---- properties ---- */

struct run {
	struct bb_plan p[5];
	bool ok[5];
};

static uint64_t covered_by(const struct bb_plan *p)
{
	return p->applicable ? p->mapped_bytes : 0;
}

/* Every byte mapped by @a is mapped by @b. */
static bool subset(const struct bb_plan *a, const struct bb_plan *b)
{
	for (uint32_t i = 0; i < a->nr_windows; i++) {
		const struct bb_window *w = &a->windows[i];

		if (w->mode != BB_WIN_MAP)
			continue;
		for (uint64_t o = w->offset; o < w->offset + w->size;) {
			uint32_t k;

			for (k = 0; k < b->nr_windows; k++)
				if (b->windows[k].offset <= o && o < b->windows[k].offset + b->windows[k].size)
					break;
			if (k == b->nr_windows || b->windows[k].mode != BB_WIN_MAP)
				return false;
			o = b->windows[k].offset + b->windows[k].size;
		}
	}
	return true;
}

static void properties(const char *what, const struct bb_region *r, uint64_t page,
		       const struct bb_range *mt, unsigned nmt)
{
	static const char *const names[] = { "full", "holes", "sparse", "merged", "trap" };
	struct bb_param span1[] = { { "span", "1" } };
	struct bb_plan p[5], s1;
	bool whole_ok = (r->flags & VFIO_REGION_INFO_FLAG_MMAP) && (!r->has_sparse || r->msix_mappable) && r->size;
	int errs = 0;

	for (int i = 0; i < 5; i++) {
		struct bb_policy_ctx ctx = { .page_size = page, .must_trap = mt, .nr_must_trap = nmt };
		struct bb_diag d = { "" };
		int err = bb_policy_run(bb_registry_find(&reg, names[i]), r, &ctx, &p[i], &d);

		if (err) {
			NOTE_FAIL("%s page 0x%llx %s: %s", what, (unsigned long long)page, names[i], d.msg);
			errs++;
		}
		CHECK_EQ(err, 0);
	}
	{
		struct bb_policy_ctx ctx = { .page_size = page, .must_trap = mt, .nr_must_trap = nmt,
					     .params = span1, .nr_params = 1 };
		struct bb_diag d = { "" };
		int err = bb_policy_run(&bb_policy_merged, r, &ctx, &s1, &d);

		if (err)
			NOTE_FAIL("%s span=1: %s", what, d.msg);
		CHECK_EQ(err, 0);
		if (err)
			errs++;
	}
	if (errs)
		return;
	/* full and holes apply exactly when the rules say */
	CHECK_EQ(p[0].applicable, whole_ok);
	CHECK_EQ(p[1].applicable, whole_ok);
	CHECK(p[2].applicable && p[3].applicable && p[4].applicable);
	/* trap maps nothing */
	CHECK_EQ(p[4].mapped_bytes, 0);
	CHECK_EQ(p[4].memslots, 0);
	CHECK_EQ(p[4].nr_mappings, 0);
	CHECK_EQ(p[4].nr_windows, r->size ? 1 : 0);
	/* merged covers exactly what sparse covers, with no more memslots */
	CHECK_EQ(p[3].mapped_bytes, p[2].mapped_bytes);
	CHECK(subset(&p[3], &p[2]) && subset(&p[2], &p[3]));
	CHECK(p[3].memslots <= p[2].memslots);
	CHECK_EQ(p[3].nr_mappings, p[2].nr_mappings);
	/* span=1 never covers less, with no more mmaps */
	CHECK(subset(&p[2], &s1));
	CHECK(s1.nr_mappings <= (r->has_sparse ? r->nr_areas : 1));
	CHECK(s1.memslots <= p[2].memslots || s1.mapped_bytes > p[2].mapped_bytes);
	/* full maps everything when it applies; holes never more than full */
	if (whole_ok) {
		CHECK_EQ(p[0].mapped_bytes, r->size);
		CHECK(covered_by(&p[1]) <= r->size);
		CHECK(subset(&p[2], &p[1]));
	}
	for (int i = 0; i < 5; i++)
		bb_plan_free(&p[i]);
	bb_plan_free(&s1);
}

static void test_shipped(void)
{
	static const uint64_t pages[] = { 4096, 16384, 65536 };
	DIR *dir = opendir(BB_LAYOUT_DIR);
	char path[1024];
	struct bb_layout l;
	unsigned n = 0;

	CHECK(dir != NULL);
	while (next_shipped_layout(dir, path, sizeof(path), &l)) {
		n++;
		for (uint32_t i = 0; i < l.nr_regions; i++) {
			struct bb_range mt[2];
			unsigned nmt = bb_layout_must_trap(&l, l.regions[i].info.index, mt);

			for (size_t k = 0; k < N(pages); k++)
				properties(path, &l.regions[i].info, pages[k], mt, nmt);
		}
		bb_layout_free(&l);
	}
	if (dir)
		closedir(dir);
	CHECK(n >= 8);
}

/*
 * An empty sparse area (what vfio-pci 4.6 .. 4.15 reported for a 16 KiB BAR
 * holding the MSI-X table on 64 KiB pages): every policy plans, nothing is
 * mapped, the area is reported dropped, and validation accepts the plans.
 */
static void test_zero_area(void)
{
	static const char *const names[] = { "full", "holes", "sparse", "merged", "trap", "budget" };
	struct bb_area a[] = { { 0, 0 } };
	struct bb_region r = { .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x4000,
			       .has_sparse = true, .nr_areas = 1, .areas = a };
	struct bb_range mt[] = { { 0, 0x2000, 0x200 }, { 0, 0x3000, 8 } };

	for (size_t i = 0; i < N(names); i++) {
		for (uint64_t page = 4096; page <= 65536; page *= 4) {
			struct bb_policy_ctx ctx = { .page_size = page, .must_trap = mt, .nr_must_trap = 2 };
			struct bb_diag d = { "" };
			struct bb_plan p;
			int err = bb_policy_run(bb_registry_find(&reg, names[i]), &r, &ctx, &p, &d);

			if (err)
				NOTE_FAIL("%s page 0x%llx: %s", names[i], (unsigned long long)page, d.msg);
			CHECK_EQ(err, 0);
			if (err)
				continue;
			CHECK_EQ(p.mapped_bytes, 0);
			CHECK_EQ(p.memslots, 0);
			if (!strcmp(names[i], "full") || !strcmp(names[i], "holes"))
				CHECK(!p.applicable);
			if (!strcmp(names[i], "sparse") || !strcmp(names[i], "merged")) {
				CHECK(p.applicable);
				CHECK_EQ(p.nr_dropped, 1);
				CHECK_EQ(p.dropped[0], 0);
			}
			CHECK_EQ(bb_plan_validate(&p, &r, mt, 2, false, &d), 0);
			bb_plan_free(&p);
		}
	}
	/* a map window over an empty area is refused */
	{
		struct bb_plan p;
		struct bb_diag d = { "" };

		bb_plan_init(&p, "hand", 4096, 0x4000);
		CHECK_EQ(bb_plan_add_map(&p, 0, 0x1000), 0);
		CHECK_EQ(bb_plan_add_mapping(&p, 0, 0x1000), 0);
		if (!bb_plan_finish(&p, &d)) {
			CHECK_EQ(bb_plan_validate(&p, &r, NULL, 0, false, &d), -EINVAL);
			CHECK_STR_HAS(d.msg, "outside the sparse areas");
		}
		bb_plan_free(&p);
	}
}

static uint64_t rng = 0x243f6a8885a308d3ull;
#define rnd() bb_xorshift64s(&rng)

static void test_random(void)
{
	static const uint64_t pages[] = { 4096, 8192, 16384, 65536 };

	for (int it = 0; it < 5000 && bb_failures < 20; it++) {
		struct bb_area areas[12];
		struct bb_range mt[2];
		uint64_t unit = 1ull << (9 + rnd() % 8);	/* 512 B .. 64 KiB granules */
		uint64_t cur = 0;
		struct bb_region r = { .flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE };
		unsigned nmt = 0;

		r.size = unit * (1 + rnd() % 64);
		if (rnd() % 8)
			r.flags |= VFIO_REGION_INFO_FLAG_MMAP;
		r.has_sparse = rnd() % 3 != 0;
		r.msix_mappable = rnd() % 3 == 0;
		if (r.has_sparse) {
			r.areas = areas;
			while (r.nr_areas < N(areas) && cur < r.size) {
				uint64_t off = cur + (rnd() % 3 ? 0 : unit * (rnd() % 4));
				uint64_t size = unit * (1 + rnd() % 8);

				if (off >= r.size)
					break;
				if (off + size > r.size)
					size = r.size - off;
				if (rnd() % 8 == 0)
					size = 0;	/* vfio-pci < 4.16 on 64 KiB pages */
				areas[r.nr_areas++] = (struct bb_area){ off, size };
				cur = off + size;
			}
		}
		while (nmt < 2 && rnd() % 2) {
			uint64_t off = (rnd() % r.size) & ~7ull, size = 8 * (1 + rnd() % 64);

			if (off + size > r.size)
				size = r.size - off;
			mt[nmt++] = (struct bb_range){ 0, off, size };
		}
		properties("random", &r, pages[rnd() % N(pages)], mt, nmt);
	}
}

static void test_external(const char *so)
{
	struct bb_registry r2;
	struct bb_diag d = { "" };
	const struct bb_policy_ops *ops;
	struct bb_region big = { .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x10000,
				 .has_sparse = true, .nr_areas = 2 };
	struct bb_area a[] = { { 0, 0x2000 }, { 0x4000, 0x8000 } };
	struct bb_policy_ctx ctx = { .page_size = 4096 };
	struct bb_plan p;

	big.areas = a;
	bb_registry_init(&r2);
	CHECK_EQ(bb_registry_load(&r2, so, &d), 0);
	if (d.msg[0])
		NOTE_FAIL("%s", d.msg);
	ops = bb_registry_find(&r2, "largest");
	CHECK(ops != NULL);
	if (ops) {
		CHECK_EQ(bb_policy_run(ops, &big, &ctx, &p, &d), 0);
		CHECK_EQ(p.memslots, 1);
		CHECK_EQ(p.windows[1].offset, 0x4000);
		CHECK_EQ(p.windows[1].size, 0x8000);
		bb_plan_free(&p);
	}
	/* loading it twice is refused: the name is taken */
	CHECK_EQ(bb_registry_load(&r2, so, &d), -EEXIST);
	CHECK_STR_HAS(d.msg, "already registered");
	/* something that is not a policy */
	CHECK_EQ(bb_registry_load(&r2, "/nonexistent/x.so", &d), -ENOENT);
	bb_registry_free(&r2);
}

/*
 * A region-info of 16,000 areas (a hostile vfio-user server chooses the
 * number) planned by every policy, each plan validated: the area comparisons
 * made by sorting and searching must grow as n log n.  Sorting the areas on
 * every "may this be mapped" question made this 19 s and ~n^2 log n
 * comparisons; the bound below is 64 n log2 n over all six policies.
 */
static void test_many_areas(void)
{
	const uint32_t n = 16000;
	struct bb_region r = { .index = 0, .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = (uint64_t)n * 8192,
			       .has_sparse = true, .nr_areas = n };
	struct bb_region parsed;
	struct bb_diag d = { "" };
	uint8_t *buf = NULL;
	size_t len = 0;
	unsigned long long before, used, bound = 64ull * n * 14;	/* log2(16000) < 14 */
	struct timespec t0, t1;

	r.areas = calloc(n, sizeof(*r.areas));
	CHECK(r.areas != NULL);
	if (!r.areas)
		return;
	for (uint32_t i = 0; i < n; i++)	/* every other 4 KiB page, reported in reverse */
		r.areas[i] = (struct bb_area){ (uint64_t)(n - 1 - i) * 8192, 4096 };
	CHECK_EQ(bb_region_encode(&r, &buf, &len, &d), 0);
	CHECK_EQ(bb_region_parse(buf, len, "16000-areas", &parsed, &d), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	before = bb_area_comparisons;
	for (unsigned i = 0; i < reg.n; i++) {
		struct bb_policy_ctx ctx = { .page_size = 4096 };
		struct bb_plan p;
		int err = bb_policy_run(reg.ops[i], &parsed, &ctx, &p, &d);

		if (err)
			NOTE_FAIL("%s on 16000 areas: %s", reg.ops[i]->name, d.msg);
		CHECK_EQ(err, 0);
		if (!err && p.applicable && strcmp(reg.ops[i]->name, "trap"))
			CHECK_EQ(p.mapped_bytes, (uint64_t)n * 4096);
		if (!err)
			bb_plan_free(&p);
	}
	used = bb_area_comparisons - before;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* a figure for the log, never a verdict: the count is the check */
	printf("  16000 areas, %u policies: %llu area comparisons (bound %llu), %.3f s\n", reg.n, used, bound,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	CHECK(used > 0);
	CHECK(used <= bound);
	bb_region_free(&parsed);
	free(buf);
	free(r.areas);
}

int main(int argc, char **argv)
{
	struct bb_diag d;

	bb_registry_init(&reg);
	for (unsigned i = 0; i < reg.n; i++) {
		CHECK_EQ(bb_policy_check(reg.ops[i], "builtin", &d), 0);
	}
	CHECK_EQ(reg.n, 6);
	test_exact();
	test_params();
	test_validation();
	test_shipped();
	test_random();
	test_zero_area();
	test_many_areas();
	if (argc > 1)
		test_external(argv[1]);
	else
		CHECK(!"the example policy's path is a required argument");
	bb_registry_free(&reg);
	return bb_test_done("test_policy");
}
