/* SPDX-License-Identifier: MIT */
/*
 * Workloads: which offsets of a region are accessed, with what width, read or
 * write, in what order and mix.  A workload is built once, before anything is
 * timed, into a cycle of accesses; each sample of a run performs `per_sample`
 * consecutive accesses of that cycle.  Offsets a layout marks unsafe are never
 * in it, and writes only go where the layout allows them.
 */
#ifndef BARBENCH_WORKLOAD_H
#define BARBENCH_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"
#include "barbench/layout.h"
#include "barbench/region.h"

enum bb_op { BB_OP_READ = 0, BB_OP_WRITE = 1 };

enum bb_wl_kind {
	BB_WL_LAT_READ,		/* serialised reads: latency */
	BB_WL_LAT_WRITE,	/* serialised writes (store + mfence): latency */
	BB_WL_DOORBELL,		/* back-to-back posted writes to the doorbells */
	BB_WL_STREAM_READ,	/* bulk reads: bytes/s */
	BB_WL_STREAM_WRITE,	/* bulk writes: bytes/s */
	BB_WL_MIX,		/* weighted by the layout's register hotness */
	BB_WL_SWEEP,		/* every page of the region once */
	BB_WL_REPLAY,		/* a trace: "offset width r|w" per line */
	BB_WL_COUNT
};

struct bb_access {
	uint64_t offset;
	uint8_t width;		/* 1, 2, 4 or 8 */
	uint8_t op;		/* enum bb_op */
};

struct bb_workload_spec {
	enum bb_wl_kind kind;
	unsigned width;		/* 1, 2, 4, 8 */
	char trace[256];	/* replay */
	uint64_t seed;		/* mix */
};

struct bb_workload {
	enum bb_wl_kind kind;
	char name[300];		/* "lat-read", "replay:trace.txt" */
	struct bb_access *acc;	/* the cycle */
	size_t n;
	unsigned per_sample;	/* accesses timed together in one sample */
	bool serialised;	/* each access waits for the previous one */
	uint64_t bytes_per_sample;
};

/* "lat-read", ..., "replay:FILE" (or "replay=FILE"). */
int bb_workload_parse(const char *arg, unsigned width, struct bb_workload_spec *out, struct bb_diag *d);
const char *bb_workload_kind_name(enum bb_wl_kind k);
/* What workload @k does, in one line. */
const char *bb_workload_summary(enum bb_wl_kind k);

/*
 * Build @spec for region @r of a device described by @l (may be NULL: then
 * only the region's first pages are used).  @guard: what may be touched
 * (enum bb_guard: bb_dev_guard() of the device).  A workload that
 * has nothing to do here (no doorbells for `doorbell`) returns -ENOENT with
 * the reason in @d; nothing else does (a replay trace file that is not
 * there is -EINVAL: bad input, not a workload that does not apply).
 */
int bb_workload_build(const struct bb_workload_spec *spec, const struct bb_layout *l,
		      const struct bb_region *r, enum bb_guard guard, struct bb_workload *out, struct bb_diag *d);
void bb_workload_free(struct bb_workload *w);
/*
 * The @samples and @warmup a run of @w takes: as asked, or for a workload of
 * whole rounds (a sweep: one read of every page) each rounded up to whole
 * rounds of its cycle, so every access is timed as often as every other and
 * the first timed sample reads the first access (a warmup of 0 stays 0).
 */
void bb_workload_rounds(const struct bb_workload *w, size_t *samples, size_t *warmup);

/* Parse a replay trace (text, @name for messages) into accesses. */
int bb_trace_parse(const char *text, size_t len, const char *name, const struct bb_region *r,
		   struct bb_access **out, size_t *n, struct bb_diag *d);

#endif
