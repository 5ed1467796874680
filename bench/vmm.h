/* SPDX-License-Identifier: MIT */
/*
 * The measuring half of `barbench vmm`: time a read of one safe word in
 * every 4 KiB page of a region, as the device is reached from here.  On a
 * pci: device inside a VMM's guest every read is a load on the BAR as the
 * VMM exposes it, so the time says what the VMM does with that page; on a
 * device with a trap path (emu:, vfio-user:) barbench itself plays the VMM
 * and applies a policy's plan (`vmm --as POLICY`).
 *
 * Pages are probed in rounds (each round one sample of every page), so
 * anything slow that comes and goes (a server scheduled on another CPU)
 * lands on every page alike.  A sample repeats its read k times, each read
 * followed by lfence, k chosen per page by a pilot so a sample spans
 * BB_MIN_STEPS_PER_SAMPLE timer steps; the figure is (sample - empty pair) / k.
 * The analysis of what the times mean is analysis/vmm.c's.
 */
#ifndef BARBENCH_VMM_H
#define BARBENCH_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/backend.h"
#include "barbench/plan.h"
#include "barbench/timing.h"

#define BB_VMM_PAGE 4096u		/* the sweep's page: the smallest any host maps */
#define BB_VMM_MAX_PAGES 4096u		/* per region: a larger region is sampled at a stride */

/* One page of a sweep, measured. */
struct bb_vmm_probe {
	uint32_t region;
	uint64_t page;		/* offset of the page in the region */
	bool probed;		/* something on it may be read */
	uint64_t offset;	/* the word read */
	unsigned width;		/* 1, 2 or 4 */
	bool via_trap;		/* read through the backend's trap path (vmm --as), not a mapping */
	unsigned batch;		/* reads per sample */
	size_t samples;
	uint64_t reads;		/* every read made of the word: warm-up, pilot and samples */
	double p50_ns, min_ns, p90_ns;	/* per read */
	double resolution_ns;	/* the timer's step over the batch */
	uint64_t value;		/* what the last read returned */
	bool has_expected;	/* a constant (kind=id) register of the layout lies there */
	uint64_t expected;
};

struct bb_vmm_sweep_cfg {
	struct bb_dev *dev;
	uint32_t region;
	const struct bb_plan *plan;	/* what is mapped; NULL: the whole region (a device without trap path) */
	size_t samples;			/* per page */
	const struct bb_tsc *tsc;
	uint64_t overhead;		/* cycles of an empty timing pair */
};

/*
 * Sweep one region: *@out (malloc'd, *@n pages, one per 4 KiB page or per
 * stride) with every probed page timed.  Only words the backend's guard and
 * the layout allow are read; pages without one are listed unprobed.  0 or
 * a negative errno with @d naming the device, region and offset (a mapping
 * that stops being backed: -EFAULT; a trapped read that fails).
 */
int bb_vmm_sweep(const struct bb_vmm_sweep_cfg *cfg, struct bb_vmm_probe **out, size_t *n, struct bb_diag *d);

#endif
