/* SPDX-License-Identifier: MIT */
/*
 * perf_event counters of the calling thread around a run.
 *
 *	struct bb_counters c;
 *	struct bb_counter_sample s;
 *
 *	bb_counters_open(&c, &d);	// whatever this kernel and CPU allow
 *	bb_counters_start(&c, &d);
 *	... the run ...
 *	bb_counters_stop(&c, &d);
 *	bb_counters_read(&c, &s, &d);	// s.have[i], s.value[i], s.why[i]
 *	bb_counters_close(&c);
 *
 * Every counter is optional: one that cannot be opened (no PMU in a VM,
 * perf_event_paranoid, no perf_event_open at all) or was never scheduled is
 * reported as missing with the reason, never as 0.  The software counters
 * (page faults, context switches, task clock) are read together as one
 * group, the hardware ones (cycles, instructions) as another, so a hardware
 * group that the PMU cannot schedule does not take the software one with it.
 * Kernel-side events are counted where allowed; when perf_event_paranoid
 * refuses, the counter is opened user-only and says so in user_only[i].
 */
#ifndef BARBENCH_COUNTERS_H
#define BARBENCH_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"

enum bb_counter_id {
	BB_CTR_PAGE_FAULTS,	/* "page_faults"   software */
	BB_CTR_CTX_SWITCHES,	/* "ctx_switches"  software */
	BB_CTR_TASK_CLOCK_NS,	/* "task_clock_ns" software */
	BB_CTR_CYCLES,		/* "cycles"        hardware */
	BB_CTR_INSTRUCTIONS,	/* "instructions"  hardware */
	BB_CTR_COUNT
};

#define BB_CTR_WHY_MAX 128

struct bb_counters {
	int fd[BB_CTR_COUNT];		/* -1 when not open */
	uint64_t id[BB_CTR_COUNT];	/* perf event id, to find it in a group read */
	bool have[BB_CTR_COUNT];	/* opened */
	bool user_only[BB_CTR_COUNT];	/* kernel-side events excluded (paranoid) */
	char why[BB_CTR_COUNT][BB_CTR_WHY_MAX];	/* when !have: why not */
	int leader[2];			/* group leaders: software, hardware; -1 if none */
	/*
	 * The groups count from open to close; start and stop take snapshots
	 * and a sample is their difference.  (Disabling and re-enabling a
	 * software group stops task-clock counting on some kernels: seen on
	 * this project's Firecracker 6.18 guest.)
	 */
	bool started, stopped;
	uint64_t base[BB_CTR_COUNT], end[BB_CTR_COUNT];
	uint64_t base_en[2], base_run[2], end_en[2], end_run[2];
};

struct bb_counter_sample {
	bool have[BB_CTR_COUNT];
	uint64_t value[BB_CTR_COUNT];	/* meaningful only when have[i] */
	bool scaled[BB_CTR_COUNT];	/* multiplexed: value = raw * enabled / running */
	bool user_only[BB_CTR_COUNT];	/* counted in user mode only (paranoid) */
	char why[BB_CTR_COUNT][BB_CTR_WHY_MAX];	/* when !have: why not */
};

/* Column name of a counter ("page_faults", ...), NULL when out of range. */
const char *bb_counter_name(enum bb_counter_id i);

/*
 * Open every counter this thread may have, disabled.  Returns 0 when at
 * least one opened; otherwise the negative errno of the first failure
 * (-ENOSYS: no perf_event_open, -EACCES/-EPERM: perf_event_paranoid, ...)
 * with @d naming it.  In both cases @c holds the reason of every missing
 * counter and must be closed with bb_counters_close().
 */
int bb_counters_open(struct bb_counters *c, struct bb_diag *d);

/* Reset and enable / disable every open group.  0 or a negative errno. */
int bb_counters_start(struct bb_counters *c, struct bb_diag *d);
int bb_counters_stop(struct bb_counters *c, struct bb_diag *d);

/*
 * Read every open group into @s (missing counters: have false, why set).
 * Returns 0 or a negative errno when a read fails.
 */
int bb_counters_read(struct bb_counters *c, struct bb_counter_sample *s, struct bb_diag *d);

/* Close whatever is open.  NULL-safe and idempotent. */
void bb_counters_close(struct bb_counters *c);

#endif
