/* SPDX-License-Identifier: MIT */
/*
 * Placement: pin the calling thread to one CPU near the device and prefer
 * the device's NUMA node for its memory, so runs do not migrate and a
 * measured access is not a remote-node one by accident.
 */
#ifndef BARBENCH_PLACEMENT_H
#define BARBENCH_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "barbench/diag.h"

struct bb_placement {
	int cpu;		/* the CPU the thread is now bound to */
	int node;		/* NUMA node preferred for memory, -1 if none/unknown */
	char topology[256];	/* e.g. "1 package, 2 cores, 2 PUs, 1 NUMA node" */
	char how[128];		/* why this CPU, and what happened to the memory policy */
};

/*
 * Bind the calling thread to one CPU of its current affinity mask (the
 * "allowed set"):
 *   - @numa_node >= 0 (the device's node, e.g. from sysfs numa_node): the
 *     first allowed CPU of that node, or @cpu when it is given and is one;
 *   - else @cpu >= 0: that CPU;
 *   - else the last allowed CPU (away from CPU 0 and its interrupts).
 * Then prefer the node (@numa_node, else the chosen CPU's node) for the
 * thread's memory (MPOL_PREFERRED).  Without NUMA support (numa_available()
 * < 0) or when the policy cannot be set the memory is left alone and @how
 * says so; that is not an error.
 *
 * Returns 0, or -EINVAL when @numa_node is not a node of this machine, has
 * no allowed CPU, or @cpu is not allowed (or not on @numa_node), with @d
 * naming the CPU or node and the allowed set; or another negative errno
 * when the topology cannot be read or the thread cannot be bound.  Note
 * that after a successful call the allowed set of the thread is that one
 * CPU: restore the affinity mask before placing it again elsewhere.
 */
int bb_place(int cpu, int numa_node, struct bb_placement *out, struct bb_diag *d);

/*
 * For the two bb_place implementations (bench/mempolicy.c): prefer @node for
 * this thread's memory when @numa (the machine has NUMA support) and the
 * node is known; append the outcome to the text in @how (of @size bytes).
 * True if the policy is set.
 */
bool bb_prefer_node(int node, bool numa, char *how, size_t size);

#endif
