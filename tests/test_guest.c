// SPDX-License-Identifier: MIT
/*
 * The guest runner and its KVM layer: raw/checked calls and their refusals;
 * for every policy on the NVMe layouts, the guest reads back what it wrote
 * through mapped and trapped windows and sees what the host sees (backend
 * reads and a host mapping); KVM_EXIT_MMIO exits equal the trapped accesses
 * of the timed samples, counted here from the plan, and memslots equal the
 * plan's; with ioeventfd, doorbell writes make no exit and the eventfd
 * counts them; oversized regions and plans KVM cannot take are refused
 * before a VM exists; emulation detection is consistent.  Skipped (77) when
 * /dev/kvm is missing or unusable.  No check depends on a wall-clock time.
 * On hosts without /dev/kvm, ctest vm_guest_nested runs it (statically
 * built, with the initramfs's layouts as argument) in a TCG guest whose
 * emulated AMD SVM gives it KVM (scripts/vm/run-nested-test).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "guest.h"
#include "kvm.h"
#include "barbench/policy.h"
#include "barbench/runner.h"
#include "check.h"
#include "fixtures.h"

/* ---- the KVM layer ---- */

static void test_kvm_layer(void)
{
	/* mov $0x1bb0, %dx; mov $5, %eax; out %eax, %dx; hlt (32-bit code) */
	static const unsigned char prog[] = { 0x66, 0xba, 0xb0, 0x1b, 0xb8, 0x05, 0, 0, 0, 0xef, 0xf4 };
	struct bb_kvm_vm_cfg vc = { .ram_size = 0x10000, .blob = prog, .blob_len = sizeof(prog),
				    .blob_gpa = 0x1000, .entry = 0x1000, .stack = 0x8000 };
	struct bb_diag d = { "" };
	struct bb_kvm_vm *vm = NULL;
	uint32_t max = 0, code = 0;
	uint64_t v;
	void *page;
	int efd;

	bb_kvm_vm_free(NULL);
	CHECK_EQ(bb_kvm_max_memslots(&max, &d), 0);
	CHECK(max >= 32);
	vc.blob_gpa = 0x20000;	/* outside RAM */
	CHECK_EQ(bb_kvm_vm_create(&vc, &vm, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "outside");
	vc.blob_gpa = 0x1000;
	CHECK_EQ(bb_kvm_vm_create(&vc, &vm, &d), 0);
	if (!vm) {
		NOTE_FAIL("%s", d.msg);
		return;
	}
	CHECK_EQ(vm->nr_slots, 1);
	CHECK_EQ(vm->max_slots, max);
	for (int pass = 0; pass < 2; pass++) {
		CHECK_EQ(bb_kvm_run(vm, &d), 0);
		CHECK_EQ(vm->run->exit_reason, KVM_EXIT_IO);
		CHECK_EQ(vm->run->io.port, 0x1bb0);
		memcpy(&code, (uint8_t *)vm->run + vm->run->io.data_offset, 4);
		CHECK_EQ(code, 5);
		CHECK_EQ(bb_kvm_run(vm, &d), 0);
		CHECK_EQ(vm->run->exit_reason, KVM_EXIT_HLT);
		/* and again from the start */
		CHECK_EQ(bb_kvm_vcpu_reset(vm, 0x1000, 0x8000, &d), 0);
	}
	/* slots: raw calls give the kernel's answer, checked ones refuse first and say why */
	page = vm->ram;
	CHECK_EQ(bb_kvm_slot_add_raw(vm, 1, 0x100001, 4096, page), -EINVAL);
	CHECK_EQ(bb_kvm_slot_add(vm, 0x100001, 4096, page, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "[0x100001, +0x1000)");
	CHECK_EQ(bb_kvm_slot_add_raw(vm, 1, 0x8000, 4096, page), -EEXIST);
	CHECK_EQ(bb_kvm_slot_add(vm, 0x8000, 4096, page, &d), -EEXIST);
	CHECK_STR_HAS(d.msg, "overlaps slot 0 [0x0, 0x10000)");
	CHECK_EQ(bb_kvm_slot_add(vm, 0x100000, 4096, page, &d), 0);
	CHECK_EQ(vm->nr_slots, 2);
	/* ioeventfd: the kernel refuses a length of 3, the checked call says what it takes */
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK(efd >= 0);
	CHECK_EQ(bb_kvm_ioeventfd_raw(vm, 0xc0000000ull, 3, efd, false), -EINVAL);
	CHECK_EQ(bb_kvm_ioeventfd(vm, 0xc0000000ull, 3, efd, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "1, 2, 4, 8, or 0");
	CHECK_EQ(bb_kvm_ioeventfd(vm, 0xc0000000ull, 4, efd, &d), 0);
	CHECK_EQ(bb_kvm_ioeventfd_raw(vm, 0xc0000000ull, 4, efd, false), -EEXIST);
	CHECK_EQ(bb_kvm_ioeventfd_raw(vm, 0xc0000000ull, 4, efd, true), 0);
	close(efd);
	/* statistics: optional, but a name that is not there is ENOENT */
	if (vm->stats_fd >= 0) {
		CHECK_EQ(bb_kvm_stat(vm, "exits", &v), 0);
		CHECK_EQ(bb_kvm_stat(vm, "no_such_statistic", &v), -ENOENT);
	} else {
		CHECK_EQ(bb_kvm_stat(vm, "exits", &v), -ENOTSUP);
	}
	bb_kvm_vm_free(vm);
}

/* ---- data through both paths ---- */

#define MAX_ACC 256
#define MAX_SPOTS 16

struct script {
	struct bb_access acc[MAX_ACC];
	uint64_t vals[MAX_ACC];
	uint64_t expect[MAX_ACC];	/* a read's expected value */
	size_t n;
};

static uint64_t shadow_get(const uint8_t *sh, unsigned w)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < w; i++)
		v |= (uint64_t)sh[i] << (8 * i);
	return v;
}

/*
 * Sample s performs entry s (serialised, no warmup); a write stores vals[s] + s,
 * so vals[s] = want - s stores exactly `want`.
 */
static void op(struct script *sc, uint8_t *shadow, uint64_t spot, uint64_t rel, unsigned w, bool write, uint64_t want)
{
	size_t s = sc->n++;

	sc->acc[s] = (struct bb_access){ spot + rel, (uint8_t)w, (uint8_t)(write ? BB_OP_WRITE : BB_OP_READ) };
	if (write) {
		sc->vals[s] = want - s;
		for (unsigned i = 0; i < w; i++)
			shadow[rel + i] = (uint8_t)(want >> (8 * i));
	} else {
		sc->vals[s] = 0;
		sc->expect[s] = shadow_get(shadow + rel, w);
	}
}

static void data_paths(const char *spec)
{
	struct bb_registry reg;
	struct bb_dev *dev;
	struct bb_diag d = { "" };
	struct bb_region r;
	struct bb_range mt[2];
	unsigned nmt, ran = 0;

	CHECK_EQ(bb_dev_open(spec, &dev, &d), 0);
	if (!dev)
		return;
	CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
	nmt = bb_dev_must_trap(dev, 0, mt);
	bb_registry_init(&reg);
	for (unsigned k = 0; k < reg.n; k++) {
		struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = mt, .nr_must_trap = nmt };
		struct bb_guest_cfg gc = { .dev = dev, .region = &r, .max_accesses = MAX_ACC, .max_samples = MAX_ACC,
					   .record_values = true };
		static struct script sc;
		static uint8_t shadow[MAX_SPOTS][16];
		uint64_t spots[MAX_SPOTS], cycles[MAX_ACC], values[MAX_ACC], trapped = 0;
		unsigned nspots = 0;
		struct bb_guest_stats st;
		struct bb_guest *g = NULL;
		struct bb_applied view;
		struct bb_plan p;

		CHECK_EQ(bb_policy_run(reg.ops[k], &r, &ctx, &p, &d), 0);
		if (!p.applicable) {
			bb_plan_free(&p);
			continue;
		}
		ran++;
		/* one spot at the start of every window and one in its last page */
		for (uint32_t w = 0; w < p.nr_windows && nspots + 2 <= MAX_SPOTS; w++) {
			const struct bb_window *win = &p.windows[w];
			uint64_t o;

			if (pick_plain(dev, 0, win->offset, win->size, 16, &o))
				spots[nspots++] = o;
			if (win->size > 4096 && pick_plain(dev, 0, win->offset + win->size - 4096, 4096, 16, &o))
				spots[nspots++] = o;
		}
		memset(&sc, 0, sizeof(sc));
		for (unsigned i = 0; i < nspots; i++) {
			uint8_t *sh = shadow[i];
			uint64_t base = 0xa5a5000000000000ull + ((uint64_t)k << 40) + ((uint64_t)i << 32);

			/* what the host writes through the backend, the guest must see */
			for (unsigned b = 0; b < 16; b++)
				sh[b] = (uint8_t)(0x30 + 16 * i + b + k);
			CHECK_EQ(dev->ops->rw(dev, 0, spots[i], sh, 16, true), 16);
			op(&sc, sh, spots[i], 0, 8, false, 0);
			op(&sc, sh, spots[i], 8, 4, false, 0);
			op(&sc, sh, spots[i], 0, 8, true, base | 0x11223344u);
			op(&sc, sh, spots[i], 0, 8, false, 0);
			op(&sc, sh, spots[i], 8, 4, true, 0xdeadbeefu ^ i);
			op(&sc, sh, spots[i], 8, 8, false, 0);
			op(&sc, sh, spots[i], 12, 2, true, 0x5a00u + i);
			op(&sc, sh, spots[i], 12, 2, false, 0);
			op(&sc, sh, spots[i], 15, 1, true, 0x80u + k);
			op(&sc, sh, spots[i], 14, 1, false, 0);
			op(&sc, sh, spots[i], 8, 8, false, 0);
			op(&sc, sh, spots[i], 0, 4, false, 0);
		}
		for (size_t s = 0; s < sc.n; s++)
			trapped += bb_guest_trapped(&p, sc.acc[s].offset, sc.acc[s].width);
		gc.plan = &p;
		if (bb_guest_create(&gc, &g, &d)) {
			NOTE_FAIL("%s %s: %s", spec, p.policy, d.msg);
			CHECK(0);
			bb_plan_free(&p);
			continue;
		}
		CHECK_EQ(bb_guest_info(g)->memslots, p.memslots);
		CHECK_EQ(bb_guest_info(g)->region_gpa, 0x80000000ull);
		{
			struct bb_guest_job job = { .acc = sc.acc, .n = sc.n, .vals = sc.vals, .per_sample = 1,
						    .serialised = true, .warmup = 0, .samples = sc.n, .cycles = cycles,
						    .values = values };

			if (bb_guest_run(g, &job, &st, &d)) {
				NOTE_FAIL("%s %s: %s", spec, p.policy, d.msg);
				CHECK(0);
				bb_guest_free(g);
				bb_plan_free(&p);
				continue;
			}
		}
		/* what the guest read and wrote */
		for (size_t s = 0; s < sc.n; s++) {
			uint64_t want = sc.acc[s].op == BB_OP_WRITE ? sc.vals[s] + s : sc.expect[s];

			if (values[s] != want)
				NOTE_FAIL("%s %s: access %zu: %s of %u at 0x%llx (%s)", spec, p.policy, s,
					  sc.acc[s].op == BB_OP_WRITE ? "write" : "read", sc.acc[s].width,
					  (unsigned long long)sc.acc[s].offset,
					  bb_guest_trapped(&p, sc.acc[s].offset, sc.acc[s].width) ? "trapped" : "mapped");
			CHECK_EQ(values[s], want);
		}
		/* exits: exactly the trapped accesses; one ucall in the timed phase */
		CHECK_EQ(st.exits_mmio, trapped);
		CHECK_EQ(st.trap_syscalls, trapped);
		CHECK_EQ(st.exits_io, 1);
		if (st.have_kstat)
			CHECK_EQ(st.kstat_mmio_exits, trapped);
		/* what the host sees: the backend's read path and a mapping of its own */
		CHECK_EQ(bb_plan_apply(dev, 0, &p, &view, &d), 0);
		for (unsigned i = 0; i < nspots; i++) {
			uint8_t got[16];
			const volatile uint8_t *hp = bb_applied_ptr(&view, &p, spots[i], 16);

			CHECK_EQ(dev->ops->rw(dev, 0, spots[i], got, 16, false), 16);
			CHECK(!memcmp(got, shadow[i], 16));
			if (hp)
				for (unsigned b = 0; b < 16; b++)
					CHECK_EQ(hp[b], shadow[i][b]);
		}
		bb_plan_unapply(&view);
		bb_guest_free(g);
		bb_plan_free(&p);
	}
	CHECK(ran >= 3);
	bb_registry_free(&reg);
	bb_region_free(&r);
	bb_dev_close(dev);
}

/* ---- exits through the runner ---- */

/* Trapped accesses of the timed samples, counted from the plan alone. */
static uint64_t expect_trapped(const struct bb_plan *p, const struct bb_workload *wl, size_t warmup, size_t samples,
			       bool (*skip)(const struct bb_access *, void *), void *arg)
{
	unsigned per = wl->per_sample;
	size_t pos = (warmup * per) % wl->n;
	uint64_t n = 0;

	for (size_t s = 0; s < samples * per; s++) {
		const struct bb_access *a = &wl->acc[pos];
		bool trap = bb_plan_mode_at(p, a->offset) == BB_WIN_TRAP ||
			    bb_plan_mode_at(p, a->offset + a->width - 1) == BB_WIN_TRAP;

		n += trap && !(skip && skip(a, arg));
		if (++pos == wl->n)
			pos = 0;
	}
	return n;
}

struct db_ctx {
	const struct bb_layout *l;
	bool match_len;
};

/* A doorbell write of the doorbell's own length: what an ioeventfd absorbs. */
static bool is_doorbell_write(const struct bb_access *a, void *arg)
{
	const struct db_ctx *c = arg;

	if (a->op != BB_OP_WRITE)
		return false;
	for (uint32_t i = 0; i < c->l->nr_regs; i++) {
		const struct bb_layout_reg *g = &c->l->regs[i];

		if (g->kind == BB_REG_DOORBELL && g->region == 0 && g->offset == a->offset && g->size == a->width)
			return true;
	}
	return false;
}

static void runner_exits(const char *spec, uint64_t page, bool ioeventfd)
{
	static const char *const wls[] = { "lat-read", "lat-write", "doorbell", "mix", "sweep", "stream-write" };
	struct bb_registry reg;
	struct bb_dev *dev;
	struct bb_diag d = { "" };
	struct bb_region r;
	struct bb_range mt[2];
	struct bb_tsc tsc;
	unsigned nmt;

	CHECK_EQ(bb_dev_open(spec, &dev, &d), 0);
	if (!dev)
		return;
	CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
	CHECK_EQ(bb_tsc_init(&tsc, &d), 0);
	nmt = bb_dev_must_trap(dev, 0, mt);
	bb_registry_init(&reg);
	for (unsigned k = 0; k < reg.n; k++) {
		for (size_t w = 0; w < sizeof(wls) / sizeof(wls[0]); w++) {
			struct bb_policy_ctx ctx = { .page_size = page, .must_trap = mt, .nr_must_trap = nmt };
			struct db_ctx dc = { .l = &dev->layout };
			struct bb_workload_spec ws;
			struct bb_workload wl;
			struct bb_plan p;
			struct bb_run_result res;
			size_t samples = strncmp(wls[w], "stream", 6) ? 31 : 2, warmup = 3;
			struct bb_run_cfg cfg = { .dev = dev, .region = &r, .samples = samples, .warmup = warmup,
						  .tsc = &tsc, .ioeventfd = ioeventfd };
			uint64_t db0 = 0, db1 = 0, absorbed, trapped;
			int err;

			CHECK_EQ(bb_workload_parse(wls[w], 4, &ws, &d), 0);
			if (bb_workload_build(&ws, &dev->layout, &r, BB_GUARD_NONE, &wl, &d))
				continue;
			CHECK_EQ(bb_policy_run(reg.ops[k], &r, &ctx, &p, &d), 0);
			if (!p.applicable) {
				bb_plan_free(&p);
				bb_workload_free(&wl);
				continue;
			}
			cfg.plan = &p;
			cfg.wl = &wl;
			/* every other policy: the pilot chooses how many accesses a sample times */
			cfg.batch = k % 2 ? 0 : 1;
			for (uint32_t i = 0; i < dev->layout.nr_regs; i++)
				db0 += bb_emu_doorbell_writes(dev, i);
			err = bb_runner_guest.run(&cfg, &res, &d);
			if (err) {
				NOTE_FAIL("%s %s %s: %s", spec, p.policy, wl.name, d.msg);
				CHECK(0);
				bb_plan_free(&p);
				bb_workload_free(&wl);
				continue;
			}
			for (uint32_t i = 0; i < dev->layout.nr_regs; i++)
				db1 += bb_emu_doorbell_writes(dev, i);
			if (cfg.batch) {
				trapped = expect_trapped(&p, &wl, warmup, samples, NULL, NULL);
				absorbed = ioeventfd ? trapped - expect_trapped(&p, &wl, warmup, samples, is_doorbell_write,
										&dc) : 0;
				CHECK_EQ(res.accesses, samples * wl.per_sample);
			} else {
				/*
				 * Batched by the pilot: the counts follow the samples' own.  A serialised
				 * sample repeats one access, so it trapped all it covered or none; a
				 * batched one may mix paths, and its share is what trapped_weight sums.
				 */
				uint64_t covered = 0, trapped_covered = 0;

				for (size_t i = 0; i < res.n; i++) {
					covered += res.covers[i];
					trapped_covered += res.trapped[i] ? res.covers[i] : 0;
				}
				CHECK_EQ(res.accesses, covered);
				trapped = wl.serialised ? trapped_covered : res.trapped_accesses;
				CHECK(res.trapped_accesses <= res.accesses);
				if (!wl.serialised)
					CHECK(res.trapped_accesses <= trapped_covered);
				absorbed = res.ioeventfd_writes;
				if (!ioeventfd)
					CHECK_EQ(absorbed, 0);
			}
			if (res.exits_mmio != trapped - absorbed)
				NOTE_FAIL("%s %s %s %llu ioeventfd=%d", spec, p.policy, wl.name, (unsigned long long)page,
					  ioeventfd);
			CHECK_EQ(res.n, samples);
			CHECK_EQ(res.trapped_accesses, trapped);
			CHECK_EQ(res.exits_mmio, trapped - absorbed);
			CHECK_EQ(res.ioeventfd_writes, absorbed);
			CHECK_EQ(res.trap_syscalls, res.exits_mmio);
			CHECK_EQ(res.exits_io, 1);
			CHECK_EQ(res.memslots_used, p.memslots);
			CHECK_STR_HAS(res.guest_mode, "protected32");
			CHECK(!strcmp(res.guest_exec, "native") || !strcmp(res.guest_exec, "emulated"));
			if (!strcmp(p.policy, "full"))
				CHECK_EQ(res.exits_mmio, 0);
			if (!strcmp(p.policy, "trap"))
				CHECK_EQ(res.exits_mmio + res.ioeventfd_writes, res.accesses);
			/* doorbell writes an ioeventfd absorbed never reached the device */
			if (ioeventfd && !strcmp(wls[w], "doorbell") && !strcmp(p.policy, "trap")) {
				CHECK_EQ(res.exits_mmio, 0);
				CHECK_EQ(res.ioeventfd_writes, res.accesses);
				CHECK_EQ(db1, db0);
			}
			if (!ioeventfd && !strcmp(wls[w], "doorbell") && !strcmp(p.policy, "trap") && cfg.batch)
				CHECK_EQ(db1 - db0, (samples + warmup) * wl.per_sample);
			for (size_t i = 0; i < res.n; i++)
				CHECK(res.ns[i] >= 0);
			bb_run_result_free(&res);
			bb_plan_free(&p);
			bb_workload_free(&wl);
		}
	}
	bb_registry_free(&reg);
	bb_region_free(&r);
	bb_dev_close(dev);
}

/* An ioeventfd matches address and length: 2-byte writes to a 4-byte doorbell still exit. */
static void ioeventfd_length(void)
{
	struct bb_dev *dev;
	struct bb_diag d = { "" };
	struct bb_region r;
	struct bb_tsc tsc;
	struct bb_workload_spec ws;
	struct bb_workload wl;
	struct bb_plan p;
	struct bb_policy_ctx ctx = { .page_size = 4096 };
	struct bb_run_result res;

	CHECK_EQ(bb_dev_open("emu:layouts/nvme-msix-bar0", &dev, &d), 0);
	if (!dev)
		return;
	CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
	CHECK_EQ(bb_tsc_init(&tsc, &d), 0);
	CHECK_EQ(bb_workload_parse("doorbell", 2, &ws, &d), 0);
	CHECK_EQ(bb_workload_build(&ws, &dev->layout, &r, BB_GUARD_NONE, &wl, &d), 0);
	CHECK_EQ(bb_policy_run(&bb_policy_trap, &r, &ctx, &p, &d), 0);
	{
		struct bb_run_cfg cfg = { .dev = dev, .region = &r, .plan = &p, .wl = &wl, .samples = 4,
					  .warmup = 0, .tsc = &tsc, .ioeventfd = true };

		CHECK_EQ(bb_runner_guest.run(&cfg, &res, &d), 0);
		CHECK_EQ(res.exits_mmio, res.accesses);
		CHECK_EQ(res.ioeventfd_writes, 0);
		bb_run_result_free(&res);
	}
	bb_plan_free(&p);
	bb_workload_free(&wl);
	bb_region_free(&r);
	bb_dev_close(dev);
}

/* ---- refusals before any VM exists ---- */

static void refusals(void)
{
	struct bb_dev *dev;
	struct bb_diag d = { "" };
	struct bb_region r;
	struct bb_plan p;
	static uint64_t sentinel;
	struct bb_guest *g = (struct bb_guest *)(void *)&sentinel;	/* a refusal must set it to NULL */
	struct bb_policy_ctx ctx = { .page_size = 4096 };
	uint64_t gpa;
	uint32_t max = 0;

	/*
	 * guest_chipset_window: every region the runner takes ends at or below
	 * 0xFEC00000, where the IOAPIC and the LAPIC (0xFEE00000) sit (a 1 GiB
	 * region once sat at 3 GiB, and its page at 0xFEE00000 exited as MMIO
	 * although the plan mapped it); above at least 1 GiB of RAM
	 */
	{
		static const uint64_t sizes[] = { 4096, 1ull << 20, 1ull << 30, (1ull << 30) + 4096, 2ull << 30,
						  0xfec00000ull - (1ull << 30) };
		struct bb_region q = { .index = 9 };

		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			q.size = sizes[i];
			CHECK_EQ(bb_guest_region_gpa(&q, &gpa, &d), 0);
			CHECK(gpa >= (1ull << 30) && gpa + q.size <= 0xfec00000ull);
		}
		q.size = 0xfec00000ull - (1ull << 30) + 4096;
		CHECK_EQ(bb_guest_region_gpa(&q, &gpa, &d), -EFBIG);
		CHECK_STR_HAS(d.msg, "below the chipset at 0xFEC00000 (IOAPIC, LAPIC), so it takes regions up to 3052 MiB");
		q.size = 3ull << 30;
		CHECK_EQ(bb_guest_region_gpa(&q, &gpa, &d), -EFBIG);
	}
	/* nvgrace-gpu: the 1 GiB BAR2 fits at 2 GiB, the 128 GiB BAR4 does not fit at all */
	CHECK_EQ(bb_dev_open("emu:layouts/nvgrace-gpu", &dev, &d), 0);
	if (dev) {
		CHECK_EQ(bb_dev_region(dev, 2, &r, NULL, NULL, &d), 0);
		CHECK_EQ(bb_guest_region_gpa(&r, &gpa, &d), 0);
		CHECK_EQ(gpa, 0x80000000ull);
		bb_region_free(&r);
		CHECK_EQ(bb_dev_region(dev, 4, &r, NULL, NULL, &d), 0);
		CHECK_EQ(bb_guest_region_gpa(&r, &gpa, &d), -EFBIG);
		CHECK_STR_HAS(d.msg, "region 4 is 128 GiB");
		CHECK_STR_HAS(d.msg, "below the chipset at 0xFEC00000");
		CHECK_EQ(bb_policy_run(&bb_policy_trap, &r, &ctx, &p, &d), 0);
		{
			struct bb_guest_cfg gc = { .dev = dev, .region = &r, .plan = &p, .max_accesses = 1,
						   .max_samples = 1 };

			CHECK_EQ(bb_guest_create(&gc, &g, &d), -EFBIG);
			CHECK(g == NULL);
		}
		bb_plan_free(&p);
		bb_region_free(&r);
		bb_dev_close(dev);
	}

	CHECK_EQ(bb_dev_open("emu:layouts/nvme-msix-bar0", &dev, &d), 0);
	if (!dev)
		return;
	CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
	CHECK_EQ(bb_kvm_max_memslots(&max, &d), 0);
	/* more map windows than KVM has memslots: refused, naming the limit */
	{
		struct bb_region big = r;
		struct bb_guest_cfg gc = { .dev = dev, .region = &big, .plan = &p, .max_accesses = 1, .max_samples = 1 };

		/*
		 * Built by hand, tiled and counted as bb_plan_finish() would: its
		 * one-window-at-a-time growth is quadratic under ASan at this size.
		 */
		big.size = 0x4000 + (uint64_t)max * 0x2000;
		bb_plan_init(&p, "many", 4096, big.size);
		p.windows = calloc(2 * (size_t)max + 1, sizeof(*p.windows));
		p.mappings = calloc(max, sizeof(*p.mappings));
		CHECK(p.windows && p.mappings);
		if (!p.windows || !p.mappings) {
			bb_plan_free(&p);
			goto out_big;
		}
		p.windows[p.nr_windows++] = (struct bb_window){ 0, 0x4000, BB_WIN_TRAP };
		for (uint32_t i = 0; i < max; i++) {
			uint64_t o = 0x4000 + (uint64_t)i * 0x2000;

			p.windows[p.nr_windows++] = (struct bb_window){ o, 0x1000, BB_WIN_MAP };
			p.windows[p.nr_windows++] = (struct bb_window){ o + 0x1000, 0x1000, BB_WIN_TRAP };
			p.mappings[p.nr_mappings++] = (struct bb_mapping){ o, 0x1000 };
		}
		p.memslots = max;
		p.mapped_bytes = (uint64_t)max * 0x1000;
		p.trapped_bytes = big.size - p.mapped_bytes;
		CHECK_EQ(bb_guest_create(&gc, &g, &d), -E2BIG);
		CHECK_STR_HAS(d.msg, "KVM_CAP_NR_MEMSLOTS");
		CHECK(g == NULL);
		bb_plan_free(&p);
	}
out_big:
	/* a plan that does not validate never reaches KVM */
	{
		struct bb_guest_cfg gc = { .dev = dev, .region = &r, .plan = &p, .max_accesses = 1, .max_samples = 1 };

		bb_plan_init(&p, "broken", 4096, r.size);
		CHECK_EQ(bb_plan_add_map(&p, 0x1000, 0x1000), 0);	/* no mapping backs it */
		CHECK_EQ(bb_plan_finish(&p, &d), 0);
		CHECK_EQ(bb_guest_create(&gc, &g, &d), -EINVAL);
		CHECK(g == NULL);
		bb_plan_free(&p);
	}
	/* a job the guest cannot run */
	CHECK_EQ(bb_policy_run(&bb_policy_trap, &r, &ctx, &p, &d), 0);
	{
		struct bb_guest_cfg gc = { .dev = dev, .region = &r, .plan = &p, .max_accesses = 4, .max_samples = 4 };
		struct bb_access bad[2] = { { 0x1000, 4, BB_OP_READ }, { 0x1002, 4, BB_OP_READ } };
		uint64_t cyc[4];
		struct bb_guest_job job = { .acc = bad, .n = 2, .per_sample = 1, .serialised = true, .samples = 4,
					    .cycles = cyc };
		struct bb_guest_stats st;

		CHECK_EQ(bb_guest_create(&gc, &g, &d), 0);
		if (g) {
			CHECK_EQ(bb_guest_run(g, &job, &st, &d), -EINVAL);
			CHECK_STR_HAS(d.msg, "access 1 (read of 4 bytes at 0x1002)");
			job.n = 1;
			job.samples = 5;
			CHECK_EQ(bb_guest_run(g, &job, &st, &d), -EINVAL);
			job.samples = 4;
			CHECK_EQ(bb_guest_run(g, &job, &st, &d), 0);
			CHECK_EQ(st.exits_mmio, 4);
			CHECK_EQ(bb_guest_info(g)->memslots, 0);
			bb_guest_free(g);
		}
	}
	bb_plan_free(&p);
	bb_region_free(&r);
	bb_dev_close(dev);
}

static void detection(void)
{
	struct bb_diag d = { "" };
	struct bb_tsc tsc;
	char mode[16] = "", mode2[16] = "";
	double ratio = 0, ratio2 = 0;

	CHECK_EQ(bb_tsc_init(&tsc, &d), 0);
	CHECK_EQ(bb_guest_exec_detect(&tsc, mode, sizeof(mode), &ratio, &d), 0);
	CHECK(!strcmp(mode, "native") || !strcmp(mode, "emulated"));
	CHECK(ratio > 0);
	CHECK_EQ(!strcmp(mode, "emulated"), ratio > BB_GUEST_EMULATED_RATIO);
	/* once per process */
	CHECK_EQ(bb_guest_exec_detect(&tsc, mode2, sizeof(mode2), &ratio2, &d), 0);
	CHECK(!strcmp(mode, mode2));
	CHECK(ratio == ratio2);
	printf("test_guest: guest_exec=%s, ALU loop ratio %.1f\n", mode, ratio);
}

/* test_guest [LAYOUT_DIR]: the layouts of the source tree, or those of the VM test's initramfs */
int main(int argc, char **argv)
{
	struct bb_diag d = { "" };
	char up[4096];

	snprintf(up, sizeof(up), "%s/..", argc > 1 ? argv[1] : BB_LAYOUT_DIR);
	if (chdir(up)) {
		perror(up);
		return 1;
	}
	if (bb_kvm_available(&d))
		return bb_test_skip("test_guest", d.msg);
	test_kvm_layer();
	detection();
	data_paths("emu:layouts/nvme-msix-bar0");
	data_paths("emu:layouts/nvme-msix-bar0-pre416");
	runner_exits("emu:layouts/nvme-msix-bar0", 4096, false);
	runner_exits("emu:layouts/nvme-msix-bar0", 4096, true);
	runner_exits("emu:layouts/nvme-msix-bar0-pre416", 4096, true);
	runner_exits("emu:layouts/nvme-msix-bar0-pre416", 65536, false);
	ioeventfd_length();
	refusals();
	return bb_test_done("test_guest");
}
