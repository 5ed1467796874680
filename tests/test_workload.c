// SPDX-License-Identifier: MIT
/*
 * Workloads: replay traces parse or fail with file:line; no workload on any
 * shipped layout touches a range the layout forbids, writes a read-only
 * range, or (on real hardware) touches anything unlisted or the MSI-X table.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "barbench/layout.h"
#include "barbench/workload.h"
#include "check.h"
#include "fixtures.h"

static void test_trace(void)
{
	struct bb_region r = { .size = 0x4000 };
	static const struct {
		const char *text;
		int err;
		const char *want;
		size_t n;
	} cases[] = {
		{ "# a trace\n0x1000 4 w\n0 8 r   # CAP\n\n16 2 r\n", 0, NULL, 3 },
		{ "0x1000 4 w", 0, NULL, 1 },
		{ "", -EINVAL, "t: no accesses", 0 },
		{ "0x1000 4\n", -EINVAL, "t:1: want 'offset width r|w'", 0 },
		{ "0 4 r\n0x1000 3 w\n", -EINVAL, "t:2: width '3' must be 1, 2, 4 or 8", 0 },
		{ "0 4 x\n", -EINVAL, "t:1: 'x' must be r or w", 0 },
		{ "zz 4 r\n", -EINVAL, "t:1: offset 'zz' is not a number", 0 },
		{ "0x1002 4 r\n", -EINVAL, "t:1: access [0x1002, +4) is unaligned", 0 },
		{ "0x4000 4 r\n", -EINVAL, "outside the region", 0 },
		{ "0x3ffc 8 r\n", -EINVAL, "unaligned or outside", 0 },
		{ "0 4 r extra\n", -EINVAL, "t:1: want 'offset width r|w'", 0 },
		{ "0xffffffffffffffff8 4 r\n", -EINVAL, "not a number", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bb_access *acc = NULL;
		struct bb_diag d = { "" };
		size_t n = 0;
		int err = bb_trace_parse(cases[i].text, strlen(cases[i].text), "t", &r, &acc, &n, &d);

		if (err != cases[i].err)
			NOTE_FAIL("case %zu: %s", i, d.msg);
		CHECK_EQ(err, cases[i].err);
		if (cases[i].want)
			CHECK_STR_HAS(d.msg, cases[i].want);
		else
			CHECK_EQ(n, cases[i].n);
		free(acc);
	}
	{
		struct bb_workload_spec s;
		struct bb_diag d;

		CHECK_EQ(bb_workload_parse("replay:foo.trace", 4, &s, &d), 0);
		CHECK_EQ(s.kind, BB_WL_REPLAY);
		CHECK(!strcmp(s.trace, "foo.trace"));
		CHECK_EQ(bb_workload_parse("lat-read", 3, &s, &d), -EINVAL);
		CHECK_EQ(bb_workload_parse("latency", 4, &s, &d), -EINVAL);
		CHECK_EQ(bb_workload_parse("replay:", 4, &s, &d), -EINVAL);
	}
}

static void check_safe(const struct bb_layout *l, const struct bb_region *r, const struct bb_workload *w,
		       enum bb_guard guard, const char *what)
{
	bool real_hw = guard == BB_GUARD_SAFE_ONLY;
	struct bb_range mt[2];
	unsigned nmt = bb_layout_must_trap(l, r->index, mt);

	for (size_t i = 0; i < w->n; i++) {
		const struct bb_access *a = &w->acc[i];
		enum bb_safety s = bb_layout_access(l, r->index, a->offset, a->width, real_hw);
		bool ok = a->offset % a->width == 0 && a->offset + a->width <= r->size && s != BB_ACCESS_NONE;

		/* a device that may be hardware (vfio, vfio-user) never has its MSI-X table or PBA touched */
		for (unsigned k = 0; guard >= BB_GUARD_MSIX && k < nmt; k++)
			ok &= !(a->offset < mt[k].offset + mt[k].size && mt[k].offset < a->offset + a->width);

		if (a->op == BB_OP_WRITE)
			ok &= s != BB_ACCESS_READ && (!real_hw || s == BB_ACCESS_RW);
		else if (real_hw)
			ok &= s == BB_ACCESS_READ || s == BB_ACCESS_RW;
		for (uint32_t k = 0; k < l->nr_regs && a->op == BB_OP_WRITE; k++)
			ok &= !(l->regs[k].kind == BB_REG_ID && bb_reg_overlaps(&l->regs[k], r->index, a->offset, a->width));
		if (!ok)
			NOTE_FAIL("%s: %s access at 0x%llx width %u", what, a->op ? "write" : "read",
				  (unsigned long long)a->offset, a->width);
		CHECK(ok);
	}
}

static void test_layouts(void)
{
	DIR *dir = opendir(BB_LAYOUT_DIR);
	char path[1024];
	struct bb_layout l;
	unsigned built = 0;

	while (next_shipped_layout(dir, path, sizeof(path), &l)) {
		struct bb_diag d;

		for (uint32_t i = 0; i < l.nr_regions; i++) {
			for (int kind = 0; kind < BB_WL_REPLAY; kind++) {
				for (int hw = BB_GUARD_NONE; hw <= BB_GUARD_SAFE_ONLY; hw++) {
					struct bb_workload_spec s;
					struct bb_workload w;
					int err;

					bb_workload_parse(bb_workload_kind_name((enum bb_wl_kind)kind), 4, &s, &d);
					err = bb_workload_build(&s, &l, &l.regions[i].info, (enum bb_guard)hw, &w, &d);
					if (err == -ENOENT)
						continue;
					if (err)
						NOTE_FAIL("%s region %u %s: %s", path, l.regions[i].info.index,
							  bb_workload_kind_name((enum bb_wl_kind)kind), d.msg);
					CHECK_EQ(err, 0);
					if (err)
						continue;
					built++;
					CHECK(w.n > 0 && w.per_sample > 0);
					check_safe(&l, &l.regions[i].info, &w, (enum bb_guard)hw, path);
					bb_workload_free(&w);
				}
			}
		}
		bb_layout_free(&l);
	}
	if (dir)
		closedir(dir);
	printf("workloads built: %u\n", built);
	CHECK(built > 50);
}

int main(void)
{
	test_trace();
	test_layouts();
	return bb_test_done("test_workload");
}
