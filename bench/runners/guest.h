/* SPDX-License-Identifier: MIT */
/*
 * The barbench guest: a KVM VM with one vCPU running barbench's own guest
 * program (bench/runners/guest.S) in 32-bit flat protected mode, with one
 * device region placed at a guest-physical address below 4 GiB.  Every MAP
 * window of a plan is a memslot backed by the host mapping of that window;
 * TRAP windows have no memslot, so the guest's accesses there exit with
 * KVM_EXIT_MMIO and are served through the backend's read/write path, as a
 * VMM's trap path does.  With ioeventfd, guest writes to the layout's
 * doorbells in TRAP windows are absorbed by KVM_IOEVENTFD in the kernel: no
 * exit, and (as in any VMM using it) the write never reaches the backend.
 *
 * The runner (bb_runner_guest, runner.h) is built on these calls; tests use
 * them directly to check data paths and exit counts.
 */
#ifndef BARBENCH_GUEST_H
#define BARBENCH_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/backend.h"
#include "barbench/counters.h"
#include "barbench/plan.h"
#include "barbench/timing.h"
#include "barbench/workload.h"

/* A guest ALU loop this many times slower than the host's: guest instructions are emulated. */
#define BB_GUEST_EMULATED_RATIO 50.0

struct bb_guest;

/*
 * Where region @r goes in guest-physical space: 2 GiB for regions up to
 * 1 GiB, 1 GiB up to 3052 MiB, so that it ends at or below the chipset's
 * 0xFEC00000 (IOAPIC, LAPIC).  A larger region cannot sit there with RAM
 * under it: -EFBIG, @d says so.
 */
int bb_guest_region_gpa(const struct bb_region *r, uint64_t *gpa, struct bb_diag *d);

struct bb_guest_cfg {
	struct bb_dev *dev;
	const struct bb_region *region;
	const struct bb_plan *plan;
	bool ioeventfd;			/* doorbells in TRAP windows served by KVM_IOEVENTFD */
	size_t max_accesses;		/* longest access cycle a run will pass */
	size_t max_samples;		/* most timed samples a run will ask for */
	bool record_values;		/* room for bb_guest_job.values */
};

/*
 * Check the plan (validation, host-page-aligned MAP windows, memslots within
 * KVM_CAP_NR_MEMSLOTS, the region below 4 GiB, RAM below the region) before
 * anything reaches KVM; then apply it (mmaps), create the VM, one memslot
 * per MAP window and the ioeventfds.  -ENODEV without a usable /dev/kvm.
 */
int bb_guest_create(const struct bb_guest_cfg *cfg, struct bb_guest **out, struct bb_diag *d);
void bb_guest_free(struct bb_guest *g);

struct bb_guest_info {
	uint64_t region_gpa;
	uint64_t ram_size;
	uint32_t memslots;		/* memslots of the device: one per MAP window */
	uint32_t ioeventfds;		/* doorbells registered */
	double map_ns;			/* mmaps of the plan */
	double vm_setup_ns;		/* VM, vCPU, memslots, ioeventfds */
};
const struct bb_guest_info *bb_guest_info(const struct bb_guest *g);

/* Is a guest write of @width bytes at region offset @off absorbed by an ioeventfd? */
bool bb_guest_ioeventfd_at(const struct bb_guest *g, uint64_t off, unsigned width);

/* TRAP window under any byte of [off, off + width): the access exits (or hits an ioeventfd). */
bool bb_guest_trapped(const struct bb_plan *plan, uint64_t off, unsigned width);

#define BB_GUEST_MAX_REPEAT 65536u

struct bb_guest_job {
	const struct bb_access *acc;	/* the cycle, offsets in the region */
	size_t n;
	const uint64_t *vals;		/* per entry, added to a write's value; NULL: 0 */
	unsigned per_sample;		/* 1 when serialised */
	/* serialised: times a sample of entry i repeats it (NULL, or 0: once) */
	const uint32_t *repeat;
	bool serialised;
	size_t warmup;
	size_t samples;
	/*
	 * Sample s (warmup included) performs entries (s * per + k) % n for
	 * k < per; a write stores vals[i] + s + k, as the host runner stores
	 * s + k.
	 */
	uint64_t *cycles;		/* out: guest TSC cycles per timed sample, overhead not removed */
	uint64_t *values;		/* out, optional, serialised only: what each timed sample read or wrote */
	struct bb_counters *counters;	/* around the timed phase; NULL: none */
};

struct bb_guest_stats {
	uint64_t overhead_cycles;	/* median guest empty timing pair */
	/* counted by the run loop in the timed phase (after the START ucall, DONE included) */
	uint64_t exits_mmio;
	uint64_t exits_io;
	uint64_t exits_other;
	uint64_t ioeventfd_writes;	/* eventfd counter over the timed phase */
	uint64_t trap_syscalls;		/* backend read/write calls over the timed phase */
	double wall_ns;
	bool have_ctr;
	struct bb_counter_sample ctr;
	/* KVM_GET_STATS_FD deltas over the timed phase, when the kernel offers them */
	bool have_kstat;
	uint64_t kstat_exits;
	uint64_t kstat_mmio_exits;
	uint64_t kstat_insn_emulation;
};

int bb_guest_run(struct bb_guest *g, const struct bb_guest_job *job, struct bb_guest_stats *st,
		 struct bb_diag *d);

/*
 * Are guest instructions executed or emulated here?  Times an add/dec/jnz
 * loop in a guest (guest TSC) and natively; @mode gets "emulated" when the
 * guest is more than BB_GUEST_EMULATED_RATIO times slower, else "native";
 * @ratio the ratio.  Measured once per process, then cached (errors too).
 */
int bb_guest_exec_detect(const struct bb_tsc *tsc, char *mode, size_t len, double *ratio, struct bb_diag *d);

#endif
