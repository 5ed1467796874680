// SPDX-License-Identifier: MIT
/* trap: nothing mapped; every access goes through the region read/write path. */
#include "barbench/policy.h"

static int trap_plan(const struct bb_region *r, const struct bb_policy_ctx *ctx,
		     struct bb_plan *plan, struct bb_diag *d)
{
	(void)r;
	(void)ctx;
	(void)plan;
	(void)d;
	return 0;	/* bb_plan_finish() makes the one trap window */
}

const struct bb_policy_ops bb_policy_trap = {
	.abi = BB_POLICY_ABI,
	.name = "trap",
	.summary = "nothing mapped: every access is trapped (QEMU x-no-mmap)",
	.plan = trap_plan,
};
