/* SPDX-License-Identifier: MIT */
/*
 * The cost model: what one access costs on each path (mapped, trapped) for
 * reads and writes, and what a mapping and a memslot cost to set up; an
 * access profile (how often each offset is read and written); and the
 * prediction of a plan's time for a profile.
 */
#ifndef BARBENCH_MODEL_H
#define BARBENCH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"
#include "barbench/plan.h"
#include "barbench/workload.h"

enum bb_path { BB_PATH_MAP = 0, BB_PATH_TRAP = 1 };

struct bb_cost {
	double ns[2][2];		/* [path][op: 0 read, 1 write] per serialised access */
	double map_posted_write_ns;	/* a mapped write in a back-to-back batch (no fence each) */
	double per_mapping_ns;		/* setup: one mmap (and its first touch) */
	double per_memslot_ns;		/* setup: one memslot (KVM_SET_USER_MEMORY_REGION) */
	char trap_path[16];		/* "pread", "kvm-exit", "vfio-user" */
	char source[128];		/* where the figures come from */
};

struct bb_profile_entry {
	uint64_t offset;
	uint8_t width;
	uint8_t op;			/* 0 read, 1 write */
	double weight;			/* accesses per unit of work */
};

struct bb_profile {
	size_t n;
	struct bb_profile_entry *v;
};

/*
 * Figures measured on this project's machine (Firecracker VM, 2 vCPUs,
 * `barbench calibrate`, 2026-11-25): used when nothing better is given.
 */
void bb_cost_default(struct bb_cost *c);

/* Text form: "key value" lines (map_read_ns, map_write_ns, trap_read_ns, ...). */
int bb_cost_parse(const char *text, size_t len, const char *name, struct bb_cost *out, struct bb_diag *d);
int bb_cost_load(const char *path, struct bb_cost *out, struct bb_diag *d);
void bb_cost_write(FILE *f, const struct bb_cost *c);

void bb_profile_free(struct bb_profile *p);
/* Append an entry (same offset, width and op: weights add up); a search of every entry: for a few. */
int bb_profile_add(struct bb_profile *p, uint64_t offset, unsigned width, unsigned op, double weight);
/*
 * Append an entry without looking for its twin, then bb_profile_merge once:
 * the same profile as bb_profile_add of each (entries in order of first
 * appearance, weights summed in order) in n log n, where a trace of a
 * million distinct accesses made bb_profile_add's searches take minutes.
 * A profile grows only through these two (its array is sized by them).
 */
int bb_profile_push(struct bb_profile *p, uint64_t offset, unsigned width, unsigned op, double weight);
int bb_profile_merge(struct bb_profile *p);
/* Entry comparisons bb_profile_merge made (never reset by barbench): the tests bound them. */
extern unsigned long long bb_profile_comparisons;
double bb_profile_weight(const struct bb_profile *p);

/* Predicted time of the profile's accesses under @plan, per access (weighted mean), ns. */
double bb_predict_access_ns(const struct bb_cost *c, const struct bb_plan *plan, const struct bb_profile *pr);
/*
 * Predicted time per access of a workload's access cycle under @plan: each
 * access costs its path's figure; with @batched, mapped writes are posted.
 */
double bb_predict_cycle_ns(const struct bb_cost *c, const struct bb_plan *plan, const struct bb_access *acc,
			   size_t n, bool batched);

/* Predicted setup: mappings and memslots, ns. */
double bb_predict_setup_ns(const struct bb_cost *c, const struct bb_plan *plan);

#endif
