/* SPDX-License-Identifier: MIT */
/*
 * Policy modules: each turns a region (+ host page size, must-trap ranges,
 * limits, optional profile) into a plan.  A policy reads; it never touches a
 * device.  One ops table per policy, in the spirit of fio's ioengine_ops; the
 * built-ins sit in an explicit array (policies/registry.c), out-of-tree ones
 * load from a shared object exporting `bb_policy_abi` (== BB_POLICY_ABI) and
 * `bb_policy` (a const struct bb_policy_ops).
 */
#ifndef BARBENCH_POLICY_H
#define BARBENCH_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "barbench/diag.h"
#include "barbench/layout.h"
#include "barbench/plan.h"
#include "barbench/region.h"

#define BB_POLICY_ABI 2u	/* 2: the context carries a cost model */

#define BB_POLICY_MAX_PARAMS 8

struct bb_param {
	const char *key;
	const char *value;
};

struct bb_profile;	/* access profile (barbench/model.h) */
struct bb_cost;		/* cost model (barbench/model.h) */

struct bb_policy_ctx {
	uint64_t page_size;		/* power of two >= 4096 */
	const struct bb_range *must_trap;	/* of this region only */
	unsigned nr_must_trap;
	uint32_t memslot_budget;	/* 0: no limit */
	const struct bb_profile *profile;	/* NULL: none */
	const struct bb_cost *cost;		/* NULL: the built-in defaults */
	const struct bb_param *params;	/* already checked against ops->params */
	unsigned nr_params;
};

/* The policy may map must-trap ranges (it must warn when it does). */
#define BB_POLICY_EXPOSES_MUST_TRAP 1u

struct bb_policy_ops {
	uint32_t abi;			/* BB_POLICY_ABI */
	const char *name;		/* [a-z0-9-]+ */
	const char *summary;		/* one line */
	const char *const *params;	/* NULL-terminated "key=what it does"; NULL: none */
	uint32_t flags;
	/*
	 * Fill @plan (already initialised): add MAP windows and mappings, or
	 * call bb_plan_not_applicable().  Return 0, or a negative errno for a
	 * failure (bad parameter value) with @d filled.
	 */
	int (*plan)(const struct bb_region *r, const struct bb_policy_ctx *ctx,
		    struct bb_plan *plan, struct bb_diag *d);
};

/* Does @ops take parameter @key (one of its "key=what" lines)? */
bool bb_policy_takes(const struct bb_policy_ops *ops, const char *key);
/*
 * The parameters of @all that @ops takes, into @out (at most
 * BB_POLICY_MAX_PARAMS), and their text "k=v;k=v" into @txt (may be NULL);
 * with several policies, each ignores the others' parameters.
 */
unsigned bb_params_for(const struct bb_policy_ops *ops, const struct bb_param *all, unsigned n,
		       struct bb_param *out, char *txt, size_t txtlen);

/* A parameter's value, or NULL. */
const char *bb_policy_param(const struct bb_policy_ctx *ctx, const char *key);
/* A boolean/integer parameter: @def when absent; -EINVAL on a bad value. */
int bb_policy_param_u64(const struct bb_policy_ctx *ctx, const char *key, uint64_t def,
			uint64_t *out, struct bb_diag *d);

#define BB_REGISTRY_MAX 32

struct bb_registry {
	const struct bb_policy_ops *ops[BB_REGISTRY_MAX];
	unsigned n;
	void *handles[BB_REGISTRY_MAX];	/* dlopen handles of loaded ones */
	int fds[BB_REGISTRY_MAX];	/* each one's file, open while it is loaded (it was loaded through /proc/self/fd) */
	unsigned nr_handles;
};

/* The built-ins, in study order. */
void bb_registry_init(struct bb_registry *reg);
void bb_registry_free(struct bb_registry *reg);

/* Check an ops table (ABI, name, summary, plan, params syntax). */
int bb_policy_check(const struct bb_policy_ops *ops, const char *where, struct bb_diag *d);

/* dlopen @path, check its ABI symbol and ops, register it (name must be new). */
int bb_registry_load(struct bb_registry *reg, const char *path, struct bb_diag *d);

const struct bb_policy_ops *bb_registry_find(const struct bb_registry *reg, const char *name);

/*
 * Run one policy: check @ctx's params against the ops, initialise @plan, call
 * the policy, finish and validate the plan.  A policy that does not apply
 * returns 0 with plan->applicable false.  Errors name the policy: -EINVAL
 * for bad input (an unknown parameter, a bad value), -EPROTO for a plan that
 * fails finishing or validation (the policy's fault).
 */
int bb_policy_run(const struct bb_policy_ops *ops, const struct bb_region *r,
		  const struct bb_policy_ctx *ctx, struct bb_plan *plan, struct bb_diag *d);

extern const struct bb_policy_ops bb_policy_full;
extern const struct bb_policy_ops bb_policy_holes;
extern const struct bb_policy_ops bb_policy_sparse;
extern const struct bb_policy_ops bb_policy_merged;
extern const struct bb_policy_ops bb_policy_trap;
extern const struct bb_policy_ops bb_policy_budget;

#endif
