// SPDX-License-Identifier: MIT
/*
 * The emulated backend and the host runner: region info through the argsz
 * handshake equals the layout; maps are refused where the capabilities
 * forbid; data written through one path reads back through the other for
 * every policy on every shipped layout; a trap run makes exactly one system
 * call per trapped access and a full run none; doorbell and id semantics.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "barbench/backend.h"
#include "barbench/policy.h"
#include "barbench/runner.h"
#include "check.h"
#include "fixtures.h"

static unsigned nr_layouts;

static void cross_paths(struct bb_dev *dev, const struct bb_region *r, const char *what)
{
	struct bb_registry reg;
	struct bb_range mt[2];
	unsigned nmt = bb_dev_must_trap(dev, r->index, mt);

	bb_registry_init(&reg);
	for (unsigned k = 0; k < reg.n; k++) {
		struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = mt, .nr_must_trap = nmt };
		struct bb_diag d = { "" };
		struct bb_applied ap;
		struct bb_plan p;

		if (bb_policy_run(reg.ops[k], r, &ctx, &p, &d)) {
			NOTE_FAIL("%s %s: %s", what, reg.ops[k]->name, d.msg);
			CHECK(0);
			continue;
		}
		if (!p.applicable)
			continue;
		if (bb_plan_apply(dev, r->index, &p, &ap, &d)) {
			NOTE_FAIL("%s %s apply: %s", what, reg.ops[k]->name, d.msg);
			CHECK(0);
			bb_plan_free(&p);
			continue;
		}
		CHECK_EQ(ap.nr, p.nr_mappings);
		for (uint32_t w = 0; w < p.nr_windows; w++) {
			const struct bb_window *win = &p.windows[w];
			uint64_t o, v1 = 0x1122334455667700ull + w + k * 256, v2 = ~v1, got = 0;
			volatile uint64_t *ptr;

			if (win->mode != BB_WIN_MAP || !pick_plain(dev, r->index, win->offset, win->size, 8, &o))
				continue;
			/* the last page of the window too, where mappings of different areas meet */
			ptr = bb_applied_ptr(&ap, &p, o, 8);
			CHECK(ptr != NULL);
			if (!ptr)
				continue;
			*ptr = v1;	/* map-write -> trap-read */
			CHECK_EQ(dev->ops->rw(dev, r->index, o, &got, 8, false), 8);
			CHECK_EQ(got, v1);
			CHECK_EQ(dev->ops->rw(dev, r->index, o, &v2, 8, true), 8);	/* trap-write -> map-read */
			CHECK_EQ(*ptr, v2);
			if (win->size > 4096) {
				uint64_t last = win->offset + win->size - 4096;

				if (pick_plain(dev, r->index, last, 4096, 8, &o)) {
					ptr = bb_applied_ptr(&ap, &p, o, 8);
					CHECK(ptr != NULL);
					if (ptr) {
						*ptr = v1;
						CHECK_EQ(dev->ops->rw(dev, r->index, o, &got, 8, false), 8);
						CHECK_EQ(got, v1);
					}
				}
			}
		}
		/* a trapped offset has no host address */
		for (uint32_t w = 0; w < p.nr_windows; w++)
			if (p.windows[w].mode == BB_WIN_TRAP)
				CHECK(bb_applied_ptr(&ap, &p, p.windows[w].offset, 1) == NULL);
		bb_plan_unapply(&ap);
		bb_plan_free(&p);
	}
	bb_registry_free(&reg);
}

static void test_layouts(void)
{
	DIR *dir = opendir(BB_LAYOUT_DIR);
	char spec[600];

	CHECK(dir != NULL);
	while (next_shipped(dir, "emu:", spec, sizeof(spec))) {
		struct bb_dev *dev;
		struct bb_diag d = { "" };

		if (bb_dev_open(spec, &dev, &d)) {
			NOTE_FAIL("%s", d.msg);
			CHECK(0);
			continue;
		}
		nr_layouts++;
		CHECK_EQ(dev->nr_regions, dev->layout.nr_regions);
		for (uint32_t i = 0; i < dev->nr_regions; i++) {
			const struct bb_region *want = &dev->layout.regions[i].info;
			struct bb_region r;
			uint8_t *raw;
			size_t len;

			if (bb_dev_region(dev, dev->index[i], &r, &raw, &len, &d)) {
				NOTE_FAIL("%s", d.msg);
				CHECK(0);
				continue;
			}
			CHECK_EQ(r.index, want->index);
			CHECK_EQ(r.size, want->size);
			CHECK_EQ(r.nr_areas, want->nr_areas);
			CHECK_EQ(r.has_sparse, want->has_sparse);
			CHECK_EQ(r.msix_mappable, want->msix_mappable);
			CHECK_EQ(bb_region_mappable_bytes(&r), bb_region_mappable_bytes(want));
			free(raw);
			/* the kernel's "argsz too small" answer */
			{
				uint8_t small[sizeof(struct vfio_region_info)];
				struct vfio_region_info *info = (void *)small;

				CHECK_EQ(dev->ops->region_info(dev, r.index, small, sizeof(small), &d), 0);
				if (r.flags & VFIO_REGION_INFO_FLAG_CAPS) {
					CHECK(info->argsz > sizeof(small));
					CHECK_EQ(info->cap_offset, 0);
				}
			}
			/* refused where the capabilities forbid */
			if (!bb_region_mappable_bytes(&r) && r.size >= 4096) {
				void *p;

				CHECK_EQ(dev->ops->map(dev, r.index, 0, 4096, NULL, &p, &d), -EPERM);
				CHECK_STR_HAS(d.msg, "may not be mmap'd");
			}
			if (bb_region_mappable_bytes(&r) && r.size)
				cross_paths(dev, &r, spec);
			bb_region_free(&r);
		}
		bb_dev_close(dev);
	}
	if (dir)
		closedir(dir);
	CHECK(nr_layouts >= 8);
}

static void test_refusals(void)
{
	struct bb_dev *dev;
	struct bb_diag d = { "" };
	void *p;

	CHECK_EQ(bb_dev_open("emu:layouts/nvme-msix-bar0-pre416", &dev, &d), 0);
	if (!dev)
		return;
	/* the table page is outside both areas */
	CHECK_EQ(dev->ops->map(dev, 0, 0x2000, 0x1000, NULL, &p, &d), -EPERM);
	CHECK_EQ(dev->ops->map(dev, 0, 0, 0x4000, NULL, &p, &d), -EPERM);
	CHECK_EQ(dev->ops->map(dev, 0, 0x800, 0x1000, NULL, &p, &d), -EINVAL);
	CHECK_EQ(dev->ops->map(dev, 0, 0, 0x2000, NULL, &p, &d), 0);
	if (p)
		munmap(p, 0x2000);
	CHECK_EQ(dev->ops->map(dev, 7, 0, 0x1000, NULL, &p, &d), -EINVAL);
	bb_dev_close(dev);
	CHECK_EQ(bb_dev_open("emu:layouts/no-such-layout", &dev, &d), -ENOENT);
	CHECK_EQ(bb_dev_open("vfio-something", &dev, &d), -EINVAL);
	CHECK_EQ(bb_dev_open("bogus:x", &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "unknown device kind 'bogus'");
}

static void test_semantics(void)
{
	struct bb_dev *dev;
	struct bb_diag d = { "" };
	int id = -1, db = -1;
	uint64_t v = 0;

	CHECK_EQ(bb_dev_open("emu:layouts/spdk-vfio-user-nvme", &dev, &d), 0);
	if (!dev)
		return;
	for (uint32_t i = 0; i < dev->layout.nr_regs; i++) {
		if (dev->layout.regs[i].kind == BB_REG_ID && dev->layout.regs[i].has_value && id < 0)
			id = (int)i;
		if (dev->layout.regs[i].kind == BB_REG_DOORBELL && db < 0)
			db = (int)i;
	}
	CHECK(id >= 0 && db >= 0);
	if (id >= 0) {
		const struct bb_layout_reg *g = &dev->layout.regs[id];
		uint64_t mask = g->size >= 8 ? ~0ull : (1ull << (8 * g->size)) - 1, junk = ~0ull;

		CHECK_EQ(dev->ops->rw(dev, g->region, g->offset, &v, g->size < 8 ? g->size : 8, false),
			 g->size < 8 ? (ssize_t)g->size : 8);
		CHECK_EQ(v & mask, g->value);
		/* a trapped write to a constant register is dropped */
		dev->ops->rw(dev, g->region, g->offset, &junk, g->size < 8 ? g->size : 8, true);
		v = 0;
		dev->ops->rw(dev, g->region, g->offset, &v, g->size < 8 ? g->size : 8, false);
		CHECK_EQ(v & mask, g->value);
	}
	if (db >= 0) {
		const struct bb_layout_reg *g = &dev->layout.regs[db];
		uint32_t x = 5;

		for (int i = 0; i < 10; i++)
			CHECK_EQ(dev->ops->rw(dev, g->region, g->offset, &x, 4, true), 4);
		CHECK_EQ(bb_emu_doorbell_writes(dev, (uint32_t)db), 10);
	}
	bb_dev_close(dev);
}

/*
 * Format v2 on the emulated device: an array of 4096 doorbells counts each
 * element's trapped writes on its own (found by a search, not a scan), a
 * big-endian constant reads back most significant byte first, an empty sparse
 * area goes through the capability encoding as it is.
 */
static void test_format_v2(void)
{
	static const char text[] =
		"device name=v2 desc=v2\n"
		"region index=0 size=64K flags=read,write,mmap caps=sparse\n"
		"area region=0 offset=0 size=0\n"
		"reg region=0 offset=0 size=4 name=ID kind=id value=0x11223344 byte-order=be\n"
		"reg region=0 offset=0x1000 size=4 name=DB kind=doorbell writes=1 count=4096 stride=8\n"
		"reg region=0 offset=0x1004 size=4 name=ID2 kind=id value=7 count=4096 stride=8\n";
	struct bb_layout l;
	struct bb_dev *dev = NULL;
	struct bb_diag d = { "" };
	uint8_t b[4] = { 0 };
	uint64_t x = 0x55;

	if (bb_layout_parse(text, sizeof(text) - 1, "v2", &l, &d)) {
		NOTE_FAIL("%s", d.msg);
		CHECK(0);
		return;
	}
	CHECK_EQ(bb_emu_open_layout(&l, "v2", &dev, &d), 0);
	bb_layout_free(&l);
	if (!dev)
		return;
	CHECK_EQ(dev->ops->rw(dev, 0, 0, b, 4, false), 4);
	CHECK(b[0] == 0x11 && b[1] == 0x22 && b[2] == 0x33 && b[3] == 0x44);
	/* DB[1234] at 0x1000 + 1234 * 8: only it counts */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(dev->ops->rw(dev, 0, 0x1000 + 1234 * 8, &x, 4, true), 4);
	CHECK_EQ(bb_emu_doorbell_writes(dev, 1 + 1234), 3);
	CHECK_EQ(bb_emu_doorbell_writes(dev, 1 + 1233), 0);
	CHECK_EQ(bb_emu_doorbell_writes(dev, 1 + 1235), 0);
	/* an 8-byte write over DB[7] and ID2[7]: the doorbell counts, the id drops the write */
	CHECK_EQ(dev->ops->rw(dev, 0, 0x1000 + 7 * 8, &x, 8, true), 8);
	CHECK_EQ(bb_emu_doorbell_writes(dev, 1 + 7), 1);
	x = 0;
	CHECK_EQ(dev->ops->rw(dev, 0, 0x1004 + 7 * 8, &x, 4, false), 4);
	CHECK_EQ(x, 7);
	/* the last element, and past it */
	CHECK_EQ(dev->ops->rw(dev, 0, 0x1000 + 4095 * 8, &x, 4, true), 4);
	CHECK_EQ(bb_emu_doorbell_writes(dev, 1 + 4095), 1);
	/* the empty area reached the device's capability bytes and came back */
	{
		struct bb_region r;

		CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
		CHECK(r.has_sparse && r.nr_areas == 1 && r.areas[0].size == 0);
		CHECK_EQ(bb_region_mappable_bytes(&r), 0);
		bb_region_free(&r);
	}
	bb_dev_close(dev);
}

/* A trap run makes exactly one system call per trapped access; a full run none. */
static void test_syscall_count(void)
{
	static const char *const pols[] = { "trap", "full", "holes", "sparse" };
	struct bb_registry reg;
	struct bb_dev *dev;
	struct bb_diag d = { "" };
	struct bb_region r;
	struct bb_range mt[2];
	struct bb_tsc tsc;
	unsigned nmt;

	CHECK_EQ(bb_dev_open("emu:layouts/nvme-msix-bar0", &dev, &d), 0);
	if (!dev)
		return;
	CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
	CHECK_EQ(bb_tsc_init(&tsc, &d), 0);
	nmt = bb_dev_must_trap(dev, 0, mt);
	bb_registry_init(&reg);
	for (size_t k = 0; k < sizeof(pols) / sizeof(pols[0]); k++) {
		for (int kind = BB_WL_LAT_READ; kind <= BB_WL_SWEEP; kind++) {
			struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = mt, .nr_must_trap = nmt };
			struct bb_workload_spec spec;
			struct bb_workload wl;
			struct bb_plan p;
			struct bb_run_result res;
			struct bb_run_cfg cfg = { .dev = dev, .region = &r, .samples = 300, .warmup = 17, .tsc = &tsc };

			CHECK_EQ(bb_workload_parse(bb_workload_kind_name((enum bb_wl_kind)kind), 4, &spec, &d), 0);
			if (bb_workload_build(&spec, &dev->layout, &r, BB_GUARD_NONE, &wl, &d))
				continue;
			CHECK_EQ(bb_policy_run(bb_registry_find(&reg, pols[k]), &r, &ctx, &p, &d), 0);
			cfg.plan = &p;
			cfg.wl = &wl;
			/* odd kinds: the pilot chooses the batch; even: one batch per sample, as given */
			cfg.batch = kind % 2 ? 0 : 1;
			if (bb_runner_host.run(&cfg, &res, &d)) {
				NOTE_FAIL("%s %s: %s", pols[k], wl.name, d.msg);
				CHECK(0);
			} else {
				uint64_t covered = 0;

				CHECK_EQ(res.n, 300);
				CHECK_EQ(res.trap_syscalls, res.trapped_accesses);
				/* every sample says how many accesses it timed, and they add up */
				for (size_t i = 0; i < res.n; i++) {
					covered += res.covers[i];
					CHECK(res.covers[i] >= wl.per_sample);
					if (wl.serialised)
						CHECK_EQ(res.covers[i] % (res.trapped[i] ? res.batch_trap : res.batch_map), 0);
				}
				CHECK_EQ(res.accesses, covered);
				if (cfg.batch)
					CHECK_EQ(res.accesses, 300 * wl.per_sample);
				if (!strcmp(pols[k], "trap"))
					CHECK_EQ(res.trapped_accesses, res.accesses);
				if (!strcmp(pols[k], "full"))
					CHECK_EQ(res.trapped_accesses, 0);
				for (size_t i = 0; i < res.n; i++)
					CHECK(res.ns[i] >= 0);
				bb_run_result_free(&res);
			}
			bb_plan_free(&p);
			bb_workload_free(&wl);
		}
	}
	bb_registry_free(&reg);
	bb_region_free(&r);
	bb_dev_close(dev);
}

/*
 * A layout held in memory (advise's changed layouts) opens as the same
 * emulated device its file would: same regions and bytes, nothing on disk.
 */
static void test_layout_in_memory(void)
{
	struct bb_layout l;
	struct bb_dev *a = NULL, *b = NULL;
	struct bb_diag d;

	CHECK_EQ(bb_layout_load("layouts/nvme-msix-bar0", &l, &d), 0);
	CHECK_EQ(bb_dev_open("emu:layouts/nvme-msix-bar0", &a, &d), 0);
	CHECK_EQ(bb_emu_open_layout(&l, "nvme-in-memory", &b, &d), 0);
	if (a && b) {
		CHECK(!strcmp(b->spec, "emu:nvme-in-memory"));
		CHECK_EQ(a->nr_regions, b->nr_regions);
		for (uint32_t i = 0; i < a->nr_regions && i < b->nr_regions; i++) {
			uint8_t *ra = NULL, *rb = NULL;
			size_t la = 0, lb = 0;
			struct bb_region x, y;

			CHECK_EQ(a->index[i], b->index[i]);
			CHECK_EQ(bb_dev_region(a, a->index[i], &x, &ra, &la, &d), 0);
			CHECK_EQ(bb_dev_region(b, b->index[i], &y, &rb, &lb, &d), 0);
			CHECK(la == lb && ra && rb && !memcmp(ra, rb, la));
			bb_region_free(&x);
			bb_region_free(&y);
			free(ra);
			free(rb);
		}
		CHECK_EQ(bb_dev_region_fd(b, 0) >= 0, 1);
	}
	bb_dev_close(a);
	bb_dev_close(b);
	bb_layout_free(&l);
}

int main(void)
{
	if (chdir(BB_LAYOUT_DIR "/..")) {
		perror("chdir");
		return 1;
	}
	test_refusals();
	test_semantics();
	test_syscall_count();
	test_layouts();
	test_layout_in_memory();
	test_format_v2();
	return bb_test_done("test_backend");
}
