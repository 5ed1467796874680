/* SPDX-License-Identifier: MIT */
/*
 * Runners perform a workload's accesses under an applied plan and time them:
 * `host` (this process) and `guest` (a KVM guest), behind one ops table.
 * Applying a plan turns its MAP windows into mappings of the backend; its TRAP
 * windows go through the backend's read/write path.
 */
#ifndef BARBENCH_RUNNER_H
#define BARBENCH_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/backend.h"
#include "barbench/counters.h"
#include "barbench/plan.h"
#include "barbench/timing.h"
#include "barbench/workload.h"

/* A plan made real on a device: where each mapping sits in this process. */
struct bb_applied {
	uint32_t index;			/* region */
	void *reserve;			/* the reserved virtual range (merged), or NULL */
	size_t reserve_len;
	uint64_t reserve_off;		/* region offset at reserve */
	uint32_t nr;
	struct bb_applied_map {
		void *addr;
		uint64_t offset;
		uint64_t size;
	} *maps;
	double map_ns;			/* time spent in mmap */
};

int bb_plan_apply(struct bb_dev *dev, uint32_t index, const struct bb_plan *plan,
		  struct bb_applied *out, struct bb_diag *d);
void bb_plan_unapply(struct bb_applied *a);
/* The host address of region offset @off when a MAP window holds it, else NULL. */
void *bb_applied_ptr(const struct bb_applied *a, const struct bb_plan *plan, uint64_t off, unsigned width);

struct bb_run_cfg {
	struct bb_dev *dev;
	const struct bb_region *region;
	const struct bb_plan *plan;
	const struct bb_workload *wl;
	size_t samples;			/* timed samples kept */
	size_t warmup;			/* untimed samples first */
	const struct bb_tsc *tsc;
	uint64_t tsc_overhead;		/* cycles of an empty begin/end pair, subtracted */
	struct bb_counters *counters;	/* NULL: none */
	bool ioeventfd;			/* guest: doorbell writes served by KVM_IOEVENTFD */
	/*
	 * Repetitions per sample: a serialised sample times its access this
	 * often, a batched one this many of its batches.  0: a pilot chooses,
	 * per path, so a sample spans BB_MIN_STEPS_PER_SAMPLE timer steps.
	 */
	unsigned batch;
};

struct bb_run_result {
	size_t n;			/* samples */
	double *ns;			/* per access (a batched sample divided by its accesses) */
	uint64_t *offset;		/* first access of each sample */
	uint8_t *trapped;		/* 1 when that access went through the trap path */
	uint32_t *covers;		/* accesses the sample timed (its figure is per access) */
	uint64_t accesses;		/* timed accesses */
	/*
	 * Accesses per sample on each path (0: the run had none on it): a
	 * serialised sample repeats its one access this often, a batched one
	 * holds this many; chosen so a sample spans BB_MIN_STEPS_PER_SAMPLE
	 * timer steps.
	 */
	unsigned batch_map, batch_trap;
	/*
	 * Sum over samples of the share of each sample's accesses that
	 * trapped: divided by n, the workload's trapped share, whatever the
	 * batches (trapped_accesses / accesses would weigh each path by its batch).
	 */
	double trapped_weight;
	uint64_t trapped_accesses;
	uint64_t bytes;			/* timed bytes */
	double busy_ns;			/* sum of timed sample durations (empty pair subtracted) */
	double wall_ns;			/* wall time of the timed loop, timestamps included */
	double setup_ns;		/* mmap of every mapping */
	double touch_ns;		/* first touch of the mapped working set */
	long pte_kb;			/* page-table growth (VmPTE), -1 when unknown */
	uint64_t trap_syscalls;		/* read/write calls the backend made while timing */
	struct bb_counter_sample ctr;
	bool have_ctr;
	/* guest runs only */
	char guest_exec[16];		/* "native" or "emulated" (guest instructions emulated by the host) */
	char guest_mode[16];		/* "protected32", "long64" */
	uint64_t exits_mmio;		/* KVM_EXIT_MMIO seen by the run loop while timing */
	uint64_t exits_io;		/* KVM_EXIT_IO (the guest's reports) */
	uint64_t exits_other;
	uint64_t ioeventfd_writes;	/* eventfd counter after the run, with ioeventfd */
	uint32_t memslots_used;		/* KVM memslots backing the plan's map windows */
	double vm_setup_ns;		/* VM, vCPU and memslot creation */
};

void bb_run_result_free(struct bb_run_result *r);

/*
 * What a runner's run() starts with: @out emptied (pte_kb -1: not measured)
 * and -EINVAL, named, when @cfg has no sample or no access to run; else 0.
 */
int bb_run_begin(const struct bb_run_cfg *cfg, struct bb_run_result *out, struct bb_diag *d);

/* The accesses come from inside a VM: exits, memslots and guest_exec are recorded, the host cost model does not apply. */
#define BB_RUNNER_IN_GUEST 1u
/* Takes --param ioeventfd (doorbell writes absorbed by KVM_IOEVENTFD). */
#define BB_RUNNER_IOEVENTFD 2u

/* What a runner found out about this machine before running. */
struct bb_runner_probe {
	char exec[16];		/* "native" or "emulated" ("" when the runner executes nothing itself) */
	double exec_ratio;	/* how much slower its ALU loop ran than the host's */
	char mode[16];		/* the CPU mode it runs in ("protected32"), or "" */
};

struct bb_runner_ops {
	const char *name;
	const char *summary;
	uint32_t flags;		/* BB_RUNNER_* */
	int (*run)(const struct bb_run_cfg *cfg, struct bb_run_result *out, struct bb_diag *d);
	/*
	 * Optional.  Can this runner run here at all (KVM usable)?  0 and @out
	 * filled, or a negative errno with why.  NULL: always.
	 */
	int (*probe)(struct bb_runner_probe *out, struct bb_diag *d);
	/*
	 * Optional.  Can it hold region @r (the guest's 32-bit address space)?
	 * 0, or -EFBIG with why: such runs are skipped, not failed.  NULL: any.
	 */
	int (*fits)(const struct bb_region *r, struct bb_diag *d);
};

/* @ops->probe, or 0 with an empty @out when it has none. */
int bb_runner_probe(const struct bb_runner_ops *ops, struct bb_runner_probe *out, struct bb_diag *d);
/* @ops->fits, or 0 when it has none. */
int bb_runner_fits(const struct bb_runner_ops *ops, const struct bb_region *r, struct bb_diag *d);
/* "host, guest": the registered runners' names, for messages. */
const char *bb_runner_names(void);

extern const struct bb_runner_ops bb_runner_host;
/* A KVM guest performs them (barbench/guest.h): MAP windows as memslots, TRAP windows as MMIO exits. */
extern const struct bb_runner_ops bb_runner_guest;

/* A runner by name ("host", "guest"), or NULL when this build has none by that name. */
const struct bb_runner_ops *bb_runner_find(const char *name);

/*
 * The minimal reference the host runner's dispatch is judged against: 4-byte
 * reads through plain pointers, each timed exactly as the runner times a
 * serialised access, nothing else in the loop.
 */
int bb_host_reference_read(void *const *ptrs, size_t nptrs, size_t samples, const struct bb_tsc *tsc,
			   uint64_t overhead, double *ns);

#endif
