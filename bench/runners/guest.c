// SPDX-License-Identifier: MIT
/*
 * The guest runner: a minimal VMM.  One VM, one vCPU running barbench's guest
 * program (guest.S) in 32-bit flat protected mode; the device region at a
 * guest-physical address below 4 GiB; each MAP window of the plan one
 * memslot backed by the host mapping of that window (bb_plan_apply); TRAP
 * windows without a memslot, so the guest's accesses there come back as
 * KVM_EXIT_MMIO and are served by the backend's read/write path.
 *
 * The host writes the workload's access cycle into guest RAM; the guest
 * measures its empty timing pair, runs the warmup samples, reports START
 * through a port-I/O ucall, runs the timed samples writing guest TSC cycles
 * into RAM, and reports DONE.  The run loop counts exits by reason between
 * the two ucalls, so the MMIO exits it counts are exactly the trapped
 * accesses of the timed samples (minus doorbell writes an ioeventfd absorbs);
 * the runner checks that and fails the run if not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "kvm.h"
#include "barbench/runner.h"
#include "guest_abi.h"

extern const unsigned char bb_guest_blob[];
extern const unsigned char bb_guest_blob_end[];

#define GiB (1ull << 30)
#define RAM_ALIGN (2ull << 20)
#define SYS_GAP 0x10000ull		/* between RAM and the region: KVM's private pages (kvm.h) */
#define NOVH 101u			/* empty pairs the guest times */
#define ALU_ITERS 20000u
#define ALU_REPS 3u

struct guest_iofd {
	uint64_t off;
	uint32_t len;			/* 0: any length */
};

struct bb_guest {
	struct bb_dev *dev;
	uint32_t index;
	uint64_t region_size;
	const struct bb_plan *plan;
	struct bb_applied ap;
	struct bb_kvm_vm *vm;
	struct bb_guest_info info;
	int efd;
	struct guest_iofd *iofd;
	uint32_t nr_iofd;
	size_t max_acc, max_samples;
	uint64_t acc_gpa, cycles_gpa, values_gpa;	/* values_gpa 0: none */
};

static uint64_t page_round(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static void put32(uint8_t *ram, uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, sizeof(v));
}

/*
 * Where a PC's chipset sits: the IOAPIC at 0xFEC00000, the HPET at
 * 0xFED00000, the local APIC at 0xFEE00000, firmware up to 4 GiB.  A VMM
 * places no BAR there, and neither does the guest runner: a 1 GiB region
 * once placed at 3 GiB had its page at 0xFEE00000 exit as MMIO (KVM keeps
 * the APIC page for itself) although the plan mapped it.
 */
#define CHIPSET_GPA 0xfec00000ull

int bb_guest_region_gpa(const struct bb_region *r, uint64_t *gpa, struct bb_diag *d)
{
	char sz[32];

	*gpa = 0;
	if (!r->size)
		return bb_diag_set(d, -EINVAL, "region %" PRIu32 ": empty, nothing to place in a guest", r->index);
	if (r->size <= GiB)
		*gpa = 2 * GiB;
	else if (r->size <= CHIPSET_GPA - GiB)
		*gpa = GiB;
	if (*gpa)
		return 0;
	bb_format_size(sz, sizeof(sz), r->size);
	return bb_diag_set(d, -EFBIG, "region %" PRIu32 " is %s: the guest runs in 32-bit protected mode (long mode "
			   "is not used) and reaches 4 GiB of guest-physical space; the guest runner places the whole "
			   "region above at least 1 GiB of RAM and below the chipset at 0xFEC00000 (IOAPIC, LAPIC), "
			   "so it takes regions up to %llu MiB", r->index, sz,
			   (unsigned long long)((CHIPSET_GPA - GiB) >> 20));
}

bool bb_guest_trapped(const struct bb_plan *plan, uint64_t off, unsigned width)
{
	/* windows start at page multiples: an aligned access of 8 bytes or less sits in one or two */
	return bb_plan_mode_at(plan, off) != BB_WIN_MAP || bb_plan_mode_at(plan, off + width - 1) != BB_WIN_MAP;
}

bool bb_guest_ioeventfd_at(const struct bb_guest *g, uint64_t off, unsigned width)
{
	for (uint32_t i = 0; i < g->nr_iofd; i++)
		if (g->iofd[i].off == off && (!g->iofd[i].len || g->iofd[i].len == width))
			return true;
	return false;
}

const struct bb_guest_info *bb_guest_info(const struct bb_guest *g)
{
	return &g->info;
}

void bb_guest_free(struct bb_guest *g)
{
	if (!g)
		return;
	bb_kvm_vm_free(g->vm);	/* memslots go with the VM, before their backing is unmapped */
	if (g->efd >= 0)
		close(g->efd);
	bb_plan_unapply(&g->ap);
	free(g->iofd);
	free(g);
}

/* The host range backing MAP window @w: one mapping holds it, or the merged reserved range does. */
static void *window_host(const struct bb_applied *ap, const struct bb_window *w)
{
	for (uint32_t i = 0; i < ap->nr; i++) {
		const struct bb_applied_map *m = &ap->maps[i];

		if (m->offset <= w->offset && w->offset + w->size <= m->offset + m->size)
			return (uint8_t *)m->addr + (w->offset - m->offset);
	}
	if (ap->reserve && w->offset >= ap->reserve_off && w->offset + w->size <= ap->reserve_off + ap->reserve_len)
		return (uint8_t *)ap->reserve + (w->offset - ap->reserve_off);
	return NULL;
}

/* What must hold before anything reaches KVM. */
static int check_plan(const struct bb_guest_cfg *cfg, uint64_t *base, struct bb_diag *d)
{
	const struct bb_plan *p = cfg->plan;
	const struct bb_region *r = cfg->region;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct bb_range mt[2];
	unsigned nmt = bb_dev_must_trap(cfg->dev, r->index, mt);
	uint32_t nmap = 0, max_slots;
	int err;

	if (!p->applicable)
		return bb_diag_set(d, -EINVAL, "plan %s is not applicable to region %" PRIu32 ": %s", p->policy,
				   r->index, p->reason);
	/* the cheap checks first: validation looks at every window against every mapping */
	for (uint32_t i = 0; i < p->nr_windows; i++) {
		const struct bb_window *w = &p->windows[i];

		if (w->mode != BB_WIN_MAP)
			continue;
		nmap++;
		if (w->offset % page || w->size % page)
			return bb_diag_set(d, -EINVAL, "plan %s: map window %" PRIu32 " [0x%" PRIx64 ", 0x%" PRIx64
					   ") is not aligned to this host's %" PRIu64 "-byte page: a KVM memslot must be",
					   p->policy, i, w->offset, w->offset + w->size, page);
	}
	if (nmap != p->memslots)
		return bb_diag_set(d, -EINVAL, "plan %s: %" PRIu32 " map windows but %" PRIu32 " memslots counted",
				   p->policy, nmap, p->memslots);
	err = bb_guest_region_gpa(r, base, d);
	if (err)
		return err;
	err = bb_kvm_max_memslots(&max_slots, d);
	if (err)
		return err;
	if ((uint64_t)nmap + 1 > max_slots)
		return bb_diag_set(d, -E2BIG, "plan %s: %" PRIu32 " memslots for the region plus 1 for RAM, KVM offers %"
				   PRIu32 " (KVM_CAP_NR_MEMSLOTS)", p->policy, nmap, max_slots);
	return bb_plan_validate(p, r, mt, nmt, true, d);
}

/*
 * Doorbells of the layout lying wholly in TRAP windows get an ioeventfd, at
 * most this many: a KVM I/O bus holds NR_IOBUS_DEVS = 1000 devices
 * (include/linux/kvm_host.h, since Linux 3.x; 200 before), and a register
 * array can hold thousands of doorbells.  The rest exit to user space as any
 * other trapped write; info.ioeventfds says how many got one.
 */
#define MAX_IOEVENTFDS 512

/* Doorbells of the layout lying wholly in TRAP windows get an ioeventfd. */
static int add_ioeventfds(struct bb_guest *g, uint64_t base, struct bb_diag *d)
{
	const struct bb_layout *l = &g->dev->layout;
	int err;

	if (!g->dev->has_layout)
		return 0;
	g->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->efd < 0)
		return bb_diag_set(d, -errno, "ioeventfd: eventfd: %s", strerror(errno));
	g->iofd = calloc(l->nr_regs ? l->nr_regs : 1, sizeof(*g->iofd));
	if (!g->iofd)
		return bb_diag_set(d, -ENOMEM, "ioeventfd: out of memory");
	for (uint32_t i = 0; i < l->nr_regs; i++) {
		const struct bb_layout_reg *r = &l->regs[i];
		uint32_t len = r->size == 1 || r->size == 2 || r->size == 4 || r->size == 8 ? (uint32_t)r->size : 0;
		bool all_trap = true;

		if (g->nr_iofd >= MAX_IOEVENTFDS)
			break;
		if (r->region != g->index || r->kind != BB_REG_DOORBELL || r->offset >= g->region_size)
			continue;
		for (uint32_t w = 0; w < g->plan->nr_windows; w++) {
			const struct bb_window *win = &g->plan->windows[w];

			if (win->offset < r->offset + r->size && r->offset < win->offset + win->size &&
			    win->mode == BB_WIN_MAP)
				all_trap = false;
		}
		if (!all_trap || bb_guest_ioeventfd_at(g, r->offset, len ? len : 1))
			continue;
		err = bb_kvm_ioeventfd(g->vm, base + r->offset, len, g->efd, d);
		if (err) {
			bb_diag_prefix(d, "doorbell %s", r->name);
			return err;
		}
		g->iofd[g->nr_iofd].off = r->offset;
		g->iofd[g->nr_iofd].len = len;
		g->nr_iofd++;
	}
	g->info.ioeventfds = g->nr_iofd;
	return 0;
}

int bb_guest_create(const struct bb_guest_cfg *cfg, struct bb_guest **out, struct bb_diag *d)
{
	size_t blob_len = (size_t)(bb_guest_blob_end - bb_guest_blob);
	uint64_t base = 0, acc_bytes, cyc_bytes, val_bytes, ram;
	struct bb_kvm_vm_cfg vc;
	struct bb_guest *g;
	double t0;
	int err;

	*out = NULL;
	if (!cfg->max_accesses || !cfg->max_samples)
		return bb_diag_set(d, -EINVAL, "guest: room for %zu accesses and %zu samples: nothing to run",
				   cfg->max_accesses, cfg->max_samples);
	if (cfg->plan->region_size != cfg->region->size)
		return bb_diag_set(d, -EINVAL, "guest: plan %s is for a region of 0x%" PRIx64 " bytes, region %" PRIu32
				   " has 0x%" PRIx64, cfg->plan->policy, cfg->plan->region_size, cfg->region->index,
				   cfg->region->size);
	if (blob_len > BB_GUEST_CODE_MAX)
		return bb_diag_set(d, -E2BIG, "guest: program of %zu bytes, room for %d", blob_len, BB_GUEST_CODE_MAX);
	err = check_plan(cfg, &base, d);
	if (err)
		return err;
	/* RAM: fixed part, then the access cycle, the cycles and the values, below the region */
	if (cfg->max_accesses > (SIZE_MAX >> 6) || cfg->max_samples > (SIZE_MAX >> 6))
		return bb_diag_set(d, -E2BIG, "guest: %zu accesses, %zu samples: too many", cfg->max_accesses,
				   cfg->max_samples);
	acc_bytes = page_round((uint64_t)cfg->max_accesses * BB_GA_SIZE, 4096);
	cyc_bytes = page_round((uint64_t)cfg->max_samples * 8, 4096);
	val_bytes = cfg->record_values ? cyc_bytes : 0;
	ram = page_round(BB_GUEST_DATA_GPA + acc_bytes + cyc_bytes + val_bytes, RAM_ALIGN);
	if (ram > base - SYS_GAP)
		return bb_diag_set(d, -E2BIG, "guest: %zu accesses and %zu samples need 0x%" PRIx64 " bytes of guest RAM; "
				   "the region sits at 0x%" PRIx64 ": use fewer samples", cfg->max_accesses,
				   cfg->max_samples, ram, base);

	g = calloc(1, sizeof(*g));
	if (!g)
		return bb_diag_set(d, -ENOMEM, "guest: out of memory");
	g->efd = -1;
	g->dev = cfg->dev;
	g->index = cfg->region->index;
	g->region_size = cfg->region->size;
	g->plan = cfg->plan;
	g->max_acc = cfg->max_accesses;
	g->max_samples = cfg->max_samples;
	g->acc_gpa = BB_GUEST_DATA_GPA;
	g->cycles_gpa = g->acc_gpa + acc_bytes;
	g->values_gpa = val_bytes ? g->cycles_gpa + cyc_bytes : 0;
	g->info.region_gpa = base;
	g->info.ram_size = ram;

	err = bb_plan_apply(cfg->dev, g->index, cfg->plan, &g->ap, d);
	if (err) {
		bb_diag_prefix(d, "guest: plan %s", cfg->plan->policy);
		free(g);
		return err;
	}
	g->info.map_ns = g->ap.map_ns;

	t0 = bb_now_ns();
	memset(&vc, 0, sizeof(vc));
	vc.ram_size = ram;
	vc.blob = bb_guest_blob;
	vc.blob_len = blob_len;
	vc.blob_gpa = BB_GUEST_CODE_GPA;
	vc.entry = BB_GUEST_CODE_GPA;
	vc.stack = BB_GUEST_STACK_TOP;
	vc.sys_gpa = base - SYS_GAP;
	err = bb_kvm_vm_create(&vc, &g->vm, d);
	for (uint32_t i = 0; !err && i < cfg->plan->nr_windows; i++) {
		const struct bb_window *w = &cfg->plan->windows[i];
		void *host;

		if (w->mode != BB_WIN_MAP)
			continue;
		host = window_host(&g->ap, w);
		if (!host) {
			err = bb_diag_set(d, -EINVAL, "guest: plan %s: map window [0x%" PRIx64 ", 0x%" PRIx64 ") is not "
					  "one contiguous host range", cfg->plan->policy, w->offset, w->offset + w->size);
			break;
		}
		err = bb_kvm_slot_add(g->vm, base + w->offset, w->size, host, d);
		if (!err)
			g->info.memslots++;
	}
	if (!err && cfg->ioeventfd)
		err = add_ioeventfds(g, base, d);
	g->info.vm_setup_ns = bb_now_ns() - t0;
	if (err) {
		bb_guest_free(g);
		return err;
	}
	*out = g;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Why the guest stopped, for messages: the exit and where. */
static int guest_stopped(struct bb_kvm_vm *vm, const char *what, struct bb_diag *d)
{
	struct kvm_regs regs;
	char buf[32];
	const char *name = bb_kvm_exit_name(vm->run->exit_reason, buf, sizeof(buf));
	unsigned long long rip = 0;

	if (!ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs))
		rip = regs.rip;
	if (vm->run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		return bb_diag_set(d, -EPROTO, "guest %s: stopped with KVM_EXIT_INTERNAL_ERROR suberror %" PRIu32
				   " at rip 0x%llx (1: an instruction KVM could not emulate)", what,
				   vm->run->internal.suberror, rip);
	if (vm->run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		return bb_diag_set(d, -EPROTO, "guest %s: VM entry failed, hardware reason 0x%llx", what,
				   (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
	return bb_diag_set(d, -EPROTO, "guest %s: unexpected exit %s at rip 0x%llx", what, name, rip);
}

/* A ucall: `outl %eax` to BB_UCALL_PORT; anything else on port I/O is a guest bug. */
static int ucall_code(struct bb_kvm_vm *vm, uint32_t *code, struct bb_diag *d)
{
	const struct kvm_run *run = vm->run;

	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != BB_UCALL_PORT || run->io.size != 4 ||
	    run->io.count != 1 || run->io.data_offset + 4 > vm->run_size)
		return bb_diag_set(d, -EPROTO, "guest: port I/O %s port 0x%x size %u count %u is not a ucall",
				   run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port, run->io.size,
				   run->io.count);
	memcpy(code, (const uint8_t *)run + run->io.data_offset, 4);
	return 0;
}

/* One trapped access through the backend: what a VMM's MMIO handler does. */
static int serve_mmio(struct bb_guest *g, struct bb_diag *d)
{
	struct kvm_run *run = g->vm->run;
	uint64_t gpa = run->mmio.phys_addr, off;
	uint32_t len = run->mmio.len;
	ssize_t n;

	if (gpa < g->info.region_gpa || gpa - g->info.region_gpa >= g->region_size || !len || len > 8 ||
	    gpa - g->info.region_gpa + len > g->region_size)
		return bb_diag_set(d, -EPROTO, "guest: MMIO %s of %" PRIu32 " bytes at 0x%llx, outside region %" PRIu32
				   " [0x%" PRIx64 ", +0x%" PRIx64 ")", run->mmio.is_write ? "write" : "read", len,
				   (unsigned long long)gpa, g->index, g->info.region_gpa, g->region_size);
	off = gpa - g->info.region_gpa;
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
	n = g->dev->ops->rw(g->dev, g->index, off, run->mmio.data, len, run->mmio.is_write);
	if (n == (ssize_t)len)
		return 0;
	return bb_diag_set(d, n < 0 ? (int)n : -EIO, "%s: region %" PRIu32 ": trapped %s of %" PRIu32 " bytes at 0x%"
			   PRIx64 ": %s", g->dev->spec, g->index, run->mmio.is_write ? "write" : "read", len, off,
			   n < 0 ? strerror((int)-n) : "short transfer");
}

static uint64_t drain_eventfd(int fd)
{
	uint64_t v = 0;

	if (fd < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return 0;
	return v;
}

struct kstat3 {
	bool ok;
	uint64_t exits, mmio, insn;
};

static void kstat_read(const struct bb_kvm_vm *vm, struct kstat3 *k)
{
	k->ok = !bb_kvm_stat(vm, "exits", &k->exits) && !bb_kvm_stat(vm, "mmio_exits", &k->mmio);
	if (bb_kvm_stat(vm, "insn_emulation", &k->insn))
		k->insn = 0;
}

static int check_job(const struct bb_guest *g, const struct bb_guest_job *job, struct bb_diag *d)
{
	if (!job->n || job->n > g->max_acc || !job->samples || job->samples > g->max_samples)
		return bb_diag_set(d, -EINVAL, "guest: %zu accesses and %zu samples; this guest has room for 1..%zu "
				   "and 1..%zu", job->n, job->samples, g->max_acc, g->max_samples);
	if (!job->per_sample || (job->serialised && job->per_sample != 1))
		return bb_diag_set(d, -EINVAL, "guest: %u accesses per sample%s", job->per_sample,
				   job->serialised ? " in a serialised workload (must be 1)" : "");
	if (job->values && (!job->serialised || !g->values_gpa))
		return bb_diag_set(d, -EINVAL, "guest: values are recorded for serialised runs of a guest created "
				   "with record_values only");
	for (size_t i = 0; job->repeat && i < job->n; i++)
		if (job->repeat[i] > BB_GUEST_MAX_REPEAT || (job->repeat[i] > 1 && !job->serialised))
			return bb_diag_set(d, -EINVAL, "guest: entry %zu repeats %" PRIu32 " times (1 to %u, and only"
					   " in a serialised workload)", i, job->repeat[i], BB_GUEST_MAX_REPEAT);
	if (job->warmup > UINT32_MAX - job->samples)
		return bb_diag_set(d, -EINVAL, "guest: %zu warmup + %zu samples: too many", job->warmup, job->samples);
	for (size_t i = 0; i < job->n; i++) {
		const struct bb_access *a = &job->acc[i];

		if ((a->width != 1 && a->width != 2 && a->width != 4 && a->width != 8) || a->offset % a->width ||
		    a->offset >= g->region_size || g->region_size - a->offset < a->width || a->op > BB_OP_WRITE)
			return bb_diag_set(d, -EINVAL, "guest: access %zu (%s of %u bytes at 0x%" PRIx64 ") is not an "
					   "aligned 1, 2, 4 or 8-byte access inside region %" PRIu32 " (0x%" PRIx64
					   " bytes)", i, a->op == BB_OP_WRITE ? "write" : "read", a->width, a->offset,
					   g->index, g->region_size);
	}
	return 0;
}

int bb_guest_run(struct bb_guest *g, const struct bb_guest_job *job, struct bb_guest_stats *st, struct bb_diag *d)
{
	struct bb_kvm_vm *vm = g->vm;
	uint8_t *ram = vm->ram;
	uint64_t trap0 = 0, ovh[NOVH];
	struct kstat3 k0 = { 0 }, k1;
	bool timed = false;
	double t0 = 0;
	int err;

	memset(st, 0, sizeof(*st));
	err = check_job(g, job, d);
	if (err)
		return err;
	for (size_t i = 0; i < job->n; i++) {
		const struct bb_access *a = &job->acc[i];
		uint64_t v = job->vals ? job->vals[i] : 0;
		uint64_t e = g->acc_gpa + i * BB_GA_SIZE;
		uint32_t lg = a->width == 1 ? 0 : a->width == 2 ? 1 : a->width == 4 ? 2 : 3;

		put32(ram, e + BB_GA_GPA, (uint32_t)(g->info.region_gpa + a->offset));
		put32(ram, e + BB_GA_KIND, (a->op * 4u + lg) | (job->repeat && job->repeat[i] ? job->repeat[i] : 1u)
						 << BB_GA_REPEAT_SHIFT);
		put32(ram, e + BB_GA_VAL_LO, (uint32_t)v);
		put32(ram, e + BB_GA_VAL_HI, (uint32_t)(v >> 32));
	}
	memset(ram + BB_GUEST_PARAMS_GPA, 0, 0x100);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_MAGIC, BB_GUEST_MAGIC);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_CMD, BB_GUEST_CMD_RUN);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_ACC, (uint32_t)g->acc_gpa);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_NACC, (uint32_t)job->n);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_PER, job->per_sample);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_SERIAL, job->serialised);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_WARMUP, (uint32_t)job->warmup);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_SAMPLES, (uint32_t)job->samples);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_TOTAL, (uint32_t)(job->warmup + job->samples));
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_CYCLES, (uint32_t)g->cycles_gpa);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_VALUES, job->values ? (uint32_t)g->values_gpa : 0);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_OVH, BB_GUEST_OVH_GPA);
	put32(ram, BB_GUEST_PARAMS_GPA + BB_GP_NOVH, NOVH);
	/* fault the output in now, not while the guest is timing */
	memset(ram + g->cycles_gpa, 0xff, job->samples * 8);
	if (job->values)
		memset(ram + g->values_gpa, 0xff, job->samples * 8);
	err = bb_kvm_vcpu_reset(vm, BB_GUEST_CODE_GPA, BB_GUEST_STACK_TOP, d);
	if (err)
		return err;

	for (;;) {
		uint32_t code = 0;

		err = bb_kvm_run(vm, d);
		if (err)
			goto fail;
		switch (vm->run->exit_reason) {
		case KVM_EXIT_MMIO:
			err = serve_mmio(g, d);
			if (err)
				goto fail;
			st->exits_mmio += timed;
			continue;
		case KVM_EXIT_INTR:
			st->exits_other += timed;
			continue;
		case KVM_EXIT_IO:
			err = ucall_code(vm, &code, d);
			if (err)
				goto fail;
			break;
		default:
			err = guest_stopped(vm, "run", d);
			goto fail;
		}
		if (code == BB_UCALL_START && !timed) {
			/* the timed phase: everything below counts only what happens inside it */
			timed = true;
			drain_eventfd(g->efd);
			kstat_read(vm, &k0);
			trap0 = g->dev->trap_reads + g->dev->trap_writes;
			if (job->counters && !bb_counters_start(job->counters, NULL))
				st->have_ctr = true;
			t0 = bb_now_ns();
			continue;
		}
		if (code == BB_UCALL_DONE && timed) {
			st->wall_ns = bb_now_ns() - t0;
			st->exits_io++;
			if (st->have_ctr && (bb_counters_stop(job->counters, NULL) ||
					     bb_counters_read(job->counters, &st->ctr, NULL)))
				st->have_ctr = false;
			st->trap_syscalls = g->dev->trap_reads + g->dev->trap_writes - trap0;
			st->ioeventfd_writes = drain_eventfd(g->efd);
			kstat_read(vm, &k1);
			if (k0.ok && k1.ok) {
				st->have_kstat = true;
				st->kstat_exits = k1.exits - k0.exits;
				st->kstat_mmio_exits = k1.mmio - k0.mmio;
				st->kstat_insn_emulation = k1.insn - k0.insn;
			}
			break;
		}
		err = bb_diag_set(d, -EPROTO, "guest: ucall %" PRIu32 " %s", code,
				  code == BB_UCALL_BAD ? "(the guest found a bad parameter block)" :
				  timed ? "after START" : "before START");
		goto fail;
	}
	memcpy(job->cycles, ram + g->cycles_gpa, job->samples * 8);
	if (job->values)
		memcpy(job->values, ram + g->values_gpa, job->samples * 8);
	memcpy(ovh, ram + BB_GUEST_OVH_GPA, sizeof(ovh));
	qsort(ovh, NOVH, sizeof(ovh[0]), cmp_u64);
	st->overhead_cycles = ovh[NOVH / 2];
	return 0;
fail:
	if (st->have_ctr)
		bb_counters_stop(job->counters, NULL);
	st->have_ctr = false;
	return err;
}

/* ---- emulation detection ---- */

static uint64_t native_alu(uint32_t iters)
{
	uint32_t n = iters, acc = 0;
	uint64_t c0, c1;

	c0 = bb_tsc_begin();
	/* the guest's loop (guest.S, alu:), instruction for instruction */
	__asm__ __volatile__("1:\n\taddl $1, %1\n\tdecl %0\n\tjnz 1b" : "+r"(n), "+r"(acc) : : "cc");
	c1 = bb_tsc_end();
	return c1 - c0;
}

static int guest_alu(uint64_t *best, struct bb_diag *d)
{
	struct bb_kvm_vm_cfg vc = {
		.ram_size = BB_GUEST_DATA_GPA, .blob = bb_guest_blob,
		.blob_len = (size_t)(bb_guest_blob_end - bb_guest_blob), .blob_gpa = BB_GUEST_CODE_GPA,
		.entry = BB_GUEST_CODE_GPA, .stack = BB_GUEST_STACK_TOP, .sys_gpa = 0,
	};
	struct bb_kvm_vm *vm;
	uint64_t out[ALU_REPS];
	uint32_t code = 0;
	int err;

	err = bb_kvm_vm_create(&vc, &vm, d);
	if (err)
		return err;
	put32(vm->ram, BB_GUEST_PARAMS_GPA + BB_GP_MAGIC, BB_GUEST_MAGIC);
	put32(vm->ram, BB_GUEST_PARAMS_GPA + BB_GP_CMD, BB_GUEST_CMD_ALU);
	put32(vm->ram, BB_GUEST_PARAMS_GPA + BB_GP_ALU_ITERS, ALU_ITERS);
	put32(vm->ram, BB_GUEST_PARAMS_GPA + BB_GP_ALU_REPS, ALU_REPS);
	put32(vm->ram, BB_GUEST_PARAMS_GPA + BB_GP_ALU_OUT, BB_GUEST_ALU_GPA);
	for (;;) {
		err = bb_kvm_run(vm, d);
		if (err)
			break;
		if (vm->run->exit_reason == KVM_EXIT_INTR)
			continue;
		if (vm->run->exit_reason != KVM_EXIT_IO) {
			err = guest_stopped(vm, "ALU probe", d);
			break;
		}
		err = ucall_code(vm, &code, d);
		if (!err && code != BB_UCALL_ALU_DONE)
			err = bb_diag_set(d, -EPROTO, "guest ALU probe: ucall %" PRIu32 ", want %d", code,
					  BB_UCALL_ALU_DONE);
		break;
	}
	if (!err) {
		memcpy(out, vm->ram + BB_GUEST_ALU_GPA, sizeof(out));
		*best = out[0];
		for (unsigned i = 1; i < ALU_REPS; i++)
			if (out[i] < *best)
				*best = out[i];
	}
	bb_kvm_vm_free(vm);
	return err;
}

int bb_guest_exec_detect(const struct bb_tsc *tsc, char *mode, size_t len, double *ratio, struct bb_diag *d)
{
	static struct {
		bool done;
		int err;
		char mode[16];
		double ratio;
		char msg[BB_DIAG_MAX];
	} cache;

	(void)tsc;	/* a ratio of cycle counts: the TSC rate cancels out */
	if (!cache.done) {
		struct bb_diag dd = { "" };
		uint64_t g = 0, h = UINT64_MAX;

		cache.err = guest_alu(&g, &dd);
		if (!cache.err) {
			for (int i = 0; i < 5; i++) {
				uint64_t c = native_alu(ALU_ITERS);

				if (c < h)
					h = c;
			}
			cache.ratio = (double)g / (double)(h ? h : 1);
			snprintf(cache.mode, sizeof(cache.mode), "%s",
				 cache.ratio > BB_GUEST_EMULATED_RATIO ? "emulated" : "native");
		}
		memcpy(cache.msg, dd.msg, sizeof(cache.msg));
		cache.done = true;
	}
	if (cache.err)
		return bb_diag_set(d, cache.err, "%s", cache.msg);
	snprintf(mode, len, "%s", cache.mode);
	*ratio = cache.ratio;
	return 0;
}

/* ---- the runner ---- */

#define PILOT_SAMPLES 16u
#define BATCH_MAX 4096u

/*
 * The guest's pilot: how many accesses a sample needs to span
 * BB_MIN_STEPS_PER_SAMPLE steps of the guest's clock (the same TSC; the
 * step is the host's measurement).  The count doubles from 1 until the
 * median pilot sample, less the guest's empty pair, spans the target.  A
 * serialised workload repeats each access, its count chosen per class
 * (mapped or trapped, read or write: each entry of a class repeats as its
 * first entry needs), so a trapped access is not repeated because a mapped
 * one is fast; a batched workload holds more accesses per sample.
 */
static int pilot_one(struct bb_guest *g, const struct bb_guest_job *job, const struct bb_access *acc, size_t n,
		     unsigned base, uint64_t target, unsigned *out, struct bb_diag *d)
{
	struct bb_guest_job p = *job;
	struct bb_guest_stats st;
	unsigned k;

	p.acc = acc;
	p.n = n;
	p.vals = NULL;
	p.samples = job->samples < PILOT_SAMPLES ? job->samples : PILOT_SAMPLES;
	p.warmup = 1;
	p.counters = NULL;
	p.values = NULL;
	for (k = 1; k < BATCH_MAX / base; k *= 2) {
		uint32_t rep = k;
		uint64_t c[PILOT_SAMPLES];
		int err;

		p.repeat = job->serialised ? &rep : NULL;
		p.per_sample = job->serialised ? 1 : base * k;
		err = bb_guest_run(g, &p, &st, d);
		if (err) {
			bb_diag_prefix(d, "guest pilot (%u accesses per sample)", base * k);
			return err;
		}
		memcpy(c, p.cycles, p.samples * sizeof(c[0]));
		qsort(c, p.samples, sizeof(c[0]), cmp_u64);
		if (c[p.samples / 2] > st.overhead_cycles && c[p.samples / 2] - st.overhead_cycles >= target)
			break;
	}
	if (base * k > BATCH_MAX)	/* the pilot ran out: at most BATCH_MAX accesses a sample */
		k = BATCH_MAX / base > 1 ? BATCH_MAX / base : 1;
	*out = base * k;
	return 0;
}

static int pilot(struct bb_guest *g, struct bb_guest_job *job, const uint8_t *trapped, uint32_t *repeat,
		 const struct bb_run_cfg *cfg, struct bb_diag *d)
{
	uint64_t target = (cfg->tsc->step_cycles ? cfg->tsc->step_cycles : 1) * BB_MIN_STEPS_PER_SAMPLE;
	unsigned kc[2][2] = { { 0, 0 }, { 0, 0 } };
	int err;

	if (cfg->batch) {	/* chosen by the user: no pilot */
		if (!job->serialised) {
			job->per_sample *= cfg->batch;
			return 0;
		}
		for (size_t i = 0; i < job->n; i++)
			repeat[i] = cfg->batch;
		job->repeat = repeat;
		return 0;
	}
	if (!job->serialised) {
		err = pilot_one(g, job, job->acc, job->n, job->per_sample, target, &job->per_sample, d);
		return err;
	}
	for (size_t i = 0; i < job->n; i++) {
		unsigned *k = &kc[trapped[i]][job->acc[i].op == BB_OP_WRITE];

		if (!*k && (err = pilot_one(g, job, &job->acc[i], 1, 1, target, k, d)))
			return err;
		repeat[i] = *k;
	}
	job->repeat = repeat;
	return 0;
}

static int guest_runner(const struct bb_run_cfg *cfg, struct bb_run_result *out, struct bb_diag *d)
{
	const struct bb_workload *wl = cfg->wl;
	unsigned per = wl->per_sample ? wl->per_sample : 1;
	struct bb_guest_cfg gc = {
		.dev = cfg->dev, .region = cfg->region, .plan = cfg->plan, .ioeventfd = cfg->ioeventfd,
		.max_accesses = wl->n, .max_samples = cfg->samples,
	};
	struct bb_guest_job job = {
		.acc = wl->acc, .n = wl->n, .per_sample = per, .serialised = wl->serialised,
		.warmup = cfg->warmup, .samples = cfg->samples, .counters = cfg->counters,
	};
	struct bb_guest_stats st;
	struct bb_guest *g = NULL;
	uint8_t *trapped = NULL, *served = NULL;
	uint64_t *cycles = NULL, absorbed = 0;
	uint32_t *repeat = NULL;
	double ratio;
	size_t pos;
	unsigned rep;
	int err;

	if ((err = bb_run_begin(cfg, out, d)))
		return err;
	if (wl->serialised && per != 1)
		return bb_diag_set(d, -EINVAL, "%s: serialised with %u accesses per sample", wl->name, per);
	err = bb_guest_exec_detect(cfg->tsc, out->guest_exec, sizeof(out->guest_exec), &ratio, d);
	if (err)
		return err;
	snprintf(out->guest_mode, sizeof(out->guest_mode), "%s", BB_KVM_MODE_PROTECTED32);
	err = bb_guest_create(&gc, &g, d);
	if (err)
		return err;
	cycles = calloc(cfg->samples, sizeof(*cycles));
	repeat = calloc(wl->n, sizeof(*repeat));
	trapped = calloc(wl->n, 1);
	served = calloc(wl->n, 1);
	out->ns = calloc(cfg->samples, sizeof(*out->ns));
	out->offset = calloc(cfg->samples, sizeof(*out->offset));
	out->trapped = calloc(cfg->samples, sizeof(*out->trapped));
	out->covers = calloc(cfg->samples, sizeof(*out->covers));
	if (!cycles || !repeat || !trapped || !served || !out->ns || !out->offset || !out->trapped || !out->covers) {
		err = bb_diag_set(d, -ENOMEM, "%s: out of memory for %zu samples", wl->name, cfg->samples);
		goto out;
	}
	for (size_t i = 0; i < wl->n; i++) {
		trapped[i] = bb_guest_trapped(cfg->plan, wl->acc[i].offset, wl->acc[i].width);
		served[i] = trapped[i] && wl->acc[i].op == BB_OP_WRITE &&
			    bb_guest_ioeventfd_at(g, wl->acc[i].offset, wl->acc[i].width);
	}
	job.cycles = cycles;
	err = pilot(g, &job, trapped, repeat, cfg, d);
	if (err)
		goto out;
	err = bb_guest_run(g, &job, &st, d);
	if (err)
		goto out;
	per = job.per_sample;

	pos = (size_t)(((uint64_t)cfg->warmup * per) % wl->n);
	for (size_t s = 0; s < cfg->samples; s++) {
		uint64_t dc = cycles[s] > st.overhead_cycles ? cycles[s] - st.overhead_cycles : 0;
		unsigned ntrap = 0;

		out->offset[s] = wl->acc[pos].offset;
		/* the repetitions are accesses: a serialised sample timed its access rep times */
		rep = wl->serialised ? repeat[pos] : 1;
		for (unsigned k = 0; k < per; k++) {
			ntrap += trapped[pos] * rep;
			absorbed += served[pos] * rep;
			out->bytes += (uint64_t)wl->acc[pos].width * rep;
			if (++pos == wl->n)
				pos = 0;
		}
		out->ns[s] = bb_tsc_ns(cfg->tsc, dc) / (per * rep);
		out->busy_ns += bb_tsc_ns(cfg->tsc, dc);
		out->trapped[s] = ntrap > 0;
		out->covers[s] = per * rep;
		out->trapped_weight += (double)ntrap / (per * rep);
		out->accesses += per * rep;
		out->trapped_accesses += ntrap;
		if (ntrap)
			out->batch_trap = per * rep;
		if (ntrap < per * rep)
			out->batch_map = per * rep;
	}
	out->n = cfg->samples;
	out->wall_ns = st.wall_ns;
	out->setup_ns = bb_guest_info(g)->map_ns;
	out->trap_syscalls = st.trap_syscalls;
	out->have_ctr = st.have_ctr;
	out->ctr = st.ctr;
	out->exits_mmio = st.exits_mmio;
	out->exits_io = st.exits_io;
	out->exits_other = st.exits_other;
	out->ioeventfd_writes = st.ioeventfd_writes;
	out->memslots_used = bb_guest_info(g)->memslots;
	out->vm_setup_ns = bb_guest_info(g)->vm_setup_ns;
	/* the run checks itself: every trapped access exited once, or hit an ioeventfd */
	if (st.exits_mmio != out->trapped_accesses - absorbed || st.ioeventfd_writes != absorbed)
		err = bb_diag_set(d, -EPROTO, "%s: %" PRIu64 " MMIO exits and %" PRIu64 " ioeventfd writes for %" PRIu64
				  " trapped accesses of which %" PRIu64 " are doorbell writes an ioeventfd absorbs: the "
				  "guest and the plan disagree", wl->name, st.exits_mmio, st.ioeventfd_writes,
				  out->trapped_accesses, absorbed);
out:
	free(cycles);
	free(repeat);
	free(trapped);
	free(served);
	bb_guest_free(g);
	if (err)
		bb_run_result_free(out);
	return err;
}

/* KVM usable here, and does it run guest instructions natively? */
static int guest_probe(struct bb_runner_probe *out, struct bb_diag *d)
{
	int err = bb_kvm_available(d);

	if (!err)
		err = bb_guest_exec_detect(NULL, out->exec, sizeof(out->exec), &out->exec_ratio, d);
	if (!err)
		snprintf(out->mode, sizeof(out->mode), "%s", BB_KVM_MODE_PROTECTED32);
	return err;
}

/* The whole region must sit below 4 GiB of guest-physical space (32-bit protected mode). */
static int guest_fits(const struct bb_region *r, struct bb_diag *d)
{
	uint64_t gpa;
	int err = bb_guest_region_gpa(r, &gpa, d);

	return err ? -EFBIG : 0;
}

const struct bb_runner_ops bb_runner_guest = {
	.name = "guest",
	.summary = "a KVM guest (32-bit protected mode) performs the accesses: map windows as memslots, "
		   "the rest as MMIO exits served by the backend",
	.flags = BB_RUNNER_IN_GUEST | BB_RUNNER_IOEVENTFD,
	.run = guest_runner,
	.probe = guest_probe,
	.fits = guest_fits,
};
