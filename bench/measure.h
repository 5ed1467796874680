/* SPDX-License-Identifier: MIT */
/*
 * One measurement: a (policy, page size, workload, runner) combination on an
 * open device region, planned, run, summarised into a runs.csv row, its
 * samples written.  Shared by `run` and `study`.
 */
#ifndef BARBENCH_MEASURE_H
#define BARBENCH_MEASURE_H

#include "barbench/backend.h"
#include "barbench/counters.h"
#include "barbench/model.h"
#include "barbench/policy.h"
#include "barbench/result.h"
#include "barbench/runner.h"
#include "barbench/timing.h"
#include "barbench/workload.h"

struct bb_measure {
	const char *device;		/* as the user named it */
	struct bb_dev *dev;
	const struct bb_region *region;
	const struct bb_range *must_trap;
	unsigned nr_must_trap;
	const struct bb_tsc *tsc;
	uint64_t overhead;		/* cycles of an empty timing pair */
	struct bb_counters *counters;	/* NULL: none */
	size_t samples;
	size_t warmup;
	const char *out;		/* results folder (samples/ inside) */
	const struct bb_cost *cost;	/* NULL: no prediction (budget: the built-in defaults) */
	const struct bb_profile *profile;	/* for the budget policy; NULL: none */
	unsigned batch;			/* repetitions per sample; 0: the runner's pilot chooses */
};

/* One run spec: what one run measures (a row of runs.csv and its samples); run and study expand their matrix into these. */
struct bb_run_spec {
	const struct bb_policy_ops *ops;
	const struct bb_param *params;	/* all given; the policy's own are picked */
	unsigned nr_params;
	uint64_t page_size;
	const struct bb_workload *wl;	/* wl->n == 0: skipped with @wl_why */
	const char *wl_why;
	unsigned width;
	const struct bb_runner_ops *runner;
	bool ioeventfd;
	const char *id;			/* row id and samples file name */
	unsigned repetition;		/* of the configuration, from 0 (a study's; run: 0) */
};

/* 0: measured, @row filled and samples written; 1: skipped, @why says why; <0: error in @d. */
int bb_measure_one(const struct bb_measure *m, const struct bb_run_spec *c, struct bb_run_row *row,
		   char *why, size_t whylen, struct bb_diag *d);

/*
 * Calibrate a cost model on an open device region with the host runner:
 * mapped and trapped reads and writes (serialised), posted mapped writes,
 * setup per mapping; each the mean of the samples at or below p99.
 */
int bb_cost_calibrate(struct bb_dev *dev, const struct bb_region *r, const struct bb_range *mt, unsigned nmt,
		      const struct bb_tsc *tsc, uint64_t overhead, size_t samples, struct bb_cost *out,
		      struct bb_diag *d);

/*
 * One pure path on the host runner: @kind (4-byte) under @ops, keeping only
 * the accesses the plan sends where the policy says (mapped, or trapped for
 * `trap`).  Fills the summary and/or the trimmed mean; with
 * @setup_per_mapping, the setup and first touch per mapping.  -ENOENT when no
 * access takes that path, -ENOTSUP when the policy does not apply.
 */
int bb_measure_path(struct bb_dev *dev, const struct bb_region *r, const struct bb_range *mt, unsigned nmt,
		    const struct bb_policy_ops *ops, enum bb_wl_kind kind, const struct bb_tsc *tsc, uint64_t overhead,
		    size_t samples, struct bb_summary *sum, double *tmean_ns, double *setup_per_mapping,
		    struct bb_diag *d);



#endif
