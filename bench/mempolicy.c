// SPDX-License-Identifier: MIT
/*
 * The memory half of placement, the same with or without hwloc and libnuma:
 * set_mempolicy(2) called through syscall(2) (libnuma's set_mempolicy is
 * that call), so both bench/placement.c and bench/placement_min.c use it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mempolicy.h>

#include "placement.h"

bool bb_prefer_node(int node, bool numa, char *how, size_t size)
{
	size_t used = strlen(how);
	unsigned long mask[4];
	const size_t bits = 8 * sizeof(unsigned long);

	if (!numa) {
		snprintf(how + used, size - used, "; NUMA unavailable, memory policy unchanged");
		return false;
	}
	if (node < 0) {
		snprintf(how + used, size - used, "; node unknown, memory policy unchanged");
		return false;
	}
	if ((size_t)node >= sizeof(mask) * 8) {
		snprintf(how + used, size - used, "; node %d beyond the policy mask, memory unchanged", node);
		return false;
	}
	memset(mask, 0, sizeof(mask));
	mask[(size_t)node / bits] |= 1UL << ((size_t)node % bits);
	/* maxnode counts one more than the bits the kernel reads. */
	if (syscall(SYS_set_mempolicy, MPOL_PREFERRED, mask, sizeof(mask) * 8 + 1) < 0) {
		snprintf(how + used, size - used, "; set_mempolicy(node %d): %s", node, strerror(errno));
		return false;
	}
	snprintf(how + used, size - used, "; memory preferred on node %d", node);
	return true;
}
