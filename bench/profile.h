/* SPDX-License-Identifier: MIT */
/* Building access profiles (barbench/model.h) from layouts and traces. */
#ifndef BARBENCH_PROFILE_H
#define BARBENCH_PROFILE_H

#include "barbench/layout.h"
#include "barbench/model.h"
#include "barbench/workload.h"

/* The layout's reads/writes weights of region @index's registers, at @width (narrowed to fit). */
int bb_profile_from_layout(const struct bb_layout *l, uint32_t index, unsigned width, struct bb_profile *out);

/* No hotness in the layout: every register of region @index once (doorbells written, the rest read). */
int bb_profile_uniform(const struct bb_layout *l, uint32_t index, unsigned width, struct bb_profile *out);

/* A replay trace (`offset width r|w` lines): each line one access of weight 1. */
int bb_profile_from_trace(const char *path, const struct bb_region *r, struct bb_profile *out, struct bb_diag *d);

#endif
