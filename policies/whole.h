/* SPDX-License-Identifier: MIT */
#ifndef BARBENCH_POLICIES_WHOLE_H
#define BARBENCH_POLICIES_WHOLE_H

#include "barbench/plan.h"
#include "barbench/region.h"

/* 1 when the whole region may be mmap'd; else 0 with plan->reason set. */
int bb_whole_region_applicable(const struct bb_region *r, struct bb_plan *plan);

#endif
