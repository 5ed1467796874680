// SPDX-License-Identifier: MIT
/* Thread and memory placement with hwloc and libnuma; see placement.h. */
#include <errno.h>
#include <hwloc.h>
#include <numa.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "placement.h"

static void count(char *buf, size_t size, size_t *used, int n, const char *one, const char *many)
{
	int w;

	if (*used >= size)
		return;
	w = snprintf(buf + *used, size - *used, "%s%d %s", *used ? ", " : "", n, n == 1 ? one : many);
	if (w > 0)
		*used += (size_t)w;
}

static void describe(hwloc_topology_t topo, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	count(buf, size, &used, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE), "package", "packages");
	count(buf, size, &used, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE), "core", "cores");
	count(buf, size, &used, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU), "PU", "PUs");
	count(buf, size, &used, hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE), "NUMA node", "NUMA nodes");
}

/* The NUMA node of a PU, -1 when unknown. */
static int node_of_cpu(hwloc_topology_t topo, int cpu)
{
	hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(topo, (unsigned)cpu);

	if (!pu || !pu->nodeset || hwloc_bitmap_iszero(pu->nodeset))
		return -1;
	return hwloc_bitmap_first(pu->nodeset);
}

int bb_place(int cpu, int numa_node, struct bb_placement *out, struct bb_diag *d)
{
	hwloc_topology_t topo;
	hwloc_bitmap_t allowed = NULL, cand = NULL, one = NULL;
	char list[64], list2[64];	/* truncated lists are still useful */
	int err = 0, chosen, mem_node;

	if (!out)
		return bb_diag_set(d, -EINVAL, "place: no output");
	memset(out, 0, sizeof(*out));
	out->cpu = out->node = -1;

	if (hwloc_topology_init(&topo) < 0)
		return bb_diag_set(d, -ENOMEM, "place: hwloc_topology_init: %s", strerror(errno));
	if (hwloc_topology_load(topo) < 0) {
		err = bb_diag_set(d, -errno, "place: hwloc_topology_load: %s", strerror(errno));
		goto out_topo;
	}
	describe(topo, out->topology, sizeof(out->topology));

	allowed = hwloc_bitmap_alloc();
	cand = hwloc_bitmap_alloc();
	one = hwloc_bitmap_alloc();
	if (!allowed || !cand || !one) {
		err = bb_diag_set(d, -ENOMEM, "place: out of memory");
		goto out_maps;
	}
	if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_THREAD) < 0) {
		err = bb_diag_set(d, -errno, "place: reading the thread's affinity: %s", strerror(errno));
		goto out_maps;
	}
	hwloc_bitmap_and(allowed, allowed, hwloc_topology_get_allowed_cpuset(topo));
	hwloc_bitmap_list_snprintf(list, sizeof(list), allowed);
	if (hwloc_bitmap_iszero(allowed)) {
		err = bb_diag_set(d, -EIO, "place: the thread's affinity mask has no CPU of this topology");
		goto out_maps;
	}

	if (numa_node >= 0) {
		hwloc_obj_t node = hwloc_get_numanode_obj_by_os_index(topo, (unsigned)numa_node);

		if (!node || !node->cpuset) {
			err = bb_diag_set(d, -EINVAL, "place: numa node %d is not a node of this machine (%s)",
					  numa_node, out->topology);
			goto out_maps;
		}
		hwloc_bitmap_and(cand, node->cpuset, allowed);
		hwloc_bitmap_list_snprintf(list2, sizeof(list2), node->cpuset);
		if (hwloc_bitmap_iszero(cand)) {
			err = bb_diag_set(d, -EINVAL, "place: numa node %d (cpus %s) has no CPU in the allowed set %s",
					  numa_node, list2, list);
			goto out_maps;
		}
		if (cpu >= 0) {
			if (!hwloc_bitmap_isset(cand, (unsigned)cpu)) {
				err = bb_diag_set(d, -EINVAL,
						  "place: cpu %d is not an allowed cpu of numa node %d (node cpus %s, allowed %s)",
						  cpu, numa_node, list2, list);
				goto out_maps;
			}
			chosen = cpu;
			snprintf(out->how, sizeof(out->how), "cpu %d as asked, on the device's node %d", cpu, numa_node);
		} else {
			chosen = hwloc_bitmap_first(cand);
			snprintf(out->how, sizeof(out->how), "first allowed cpu of the device's node %d", numa_node);
		}
		mem_node = numa_node;
	} else if (cpu >= 0) {
		if (!hwloc_bitmap_isset(allowed, (unsigned)cpu)) {
			err = bb_diag_set(d, -EINVAL, "place: cpu %d is not in the allowed set %s", cpu, list);
			goto out_maps;
		}
		chosen = cpu;
		snprintf(out->how, sizeof(out->how), "cpu %d as asked (device node unknown)", cpu);
		mem_node = node_of_cpu(topo, chosen);
	} else {
		chosen = hwloc_bitmap_last(allowed);
		snprintf(out->how, sizeof(out->how), "last allowed cpu of %s (device node unknown)", list);
		mem_node = node_of_cpu(topo, chosen);
	}

	hwloc_bitmap_only(one, (unsigned)chosen);
	if (hwloc_set_cpubind(topo, one, HWLOC_CPUBIND_THREAD) < 0) {
		err = bb_diag_set(d, -errno, "place: binding the thread to cpu %d: %s", chosen, strerror(errno));
		goto out_maps;
	}
	out->cpu = chosen;
	if (bb_prefer_node(mem_node, numa_available() >= 0, out->how, sizeof(out->how)))
		out->node = mem_node;
	bb_diag_clear(d);

out_maps:
	hwloc_bitmap_free(one);
	hwloc_bitmap_free(cand);
	hwloc_bitmap_free(allowed);
out_topo:
	hwloc_topology_destroy(topo);
	return err;
}
