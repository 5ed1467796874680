// SPDX-License-Identifier: MIT
/*
 * Placement without hwloc and libnuma, for the static build (BB_STATIC, the
 * VM test's binary): the contract of bench/placement.h, from
 * sched_getaffinity(2), the node directories of sysfs
 * (/sys/devices/system/node/nodeN/cpulist, Documentation/ABI/stable/
 * sysfs-devices-node) and bench/mempolicy.c.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "placement.h"

#define NODE_DIR "/sys/devices/system/node"

/* "0-3,8,10-11" into @set; -EINVAL on anything else. */
static int parse_cpulist(const char *s, cpu_set_t *set)
{
	CPU_ZERO(set);
	while (*s && *s != '\n') {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			return -EINVAL;
		s = end;
		if (*s == '-') {
			b = strtoul(s + 1, &end, 10);
			if (end == s + 1 || b < a)
				return -EINVAL;
			s = end;
		}
		for (unsigned long c = a; c <= b && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, set);
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
	}
	return 0;
}

/* The CPUs of NUMA node @node; -ENOENT when the machine has no such node. */
static int node_cpus(int node, cpu_set_t *set)
{
	char path[96], buf[4096];
	FILE *f;

	snprintf(path, sizeof(path), NODE_DIR "/node%d/cpulist", node);
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return parse_cpulist(buf, set);
}

/* Number of NUMA nodes sysfs lists, and the node holding @cpu (-1 when none). */
static int nodes(int cpu, int *node_of)
{
	DIR *dd = opendir(NODE_DIR);
	struct dirent *e;
	int n = 0;

	*node_of = -1;
	if (!dd)
		return 0;
	while ((e = readdir(dd))) {
		char *end;
		long id;
		cpu_set_t s;

		if (strncmp(e->d_name, "node", 4))
			continue;
		id = strtol(e->d_name + 4, &end, 10);
		if (end == e->d_name + 4 || *end || id < 0 || id > 65535)
			continue;
		n++;
		if (cpu >= 0 && !node_cpus((int)id, &s) && CPU_ISSET(cpu, &s))
			*node_of = (int)id;
	}
	closedir(dd);
	return n;
}

static void list_text(const cpu_set_t *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && used < len; c++) {
		int e = c, w;

		if (!CPU_ISSET(c, s))
			continue;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, s))
			e++;
		w = e > c ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", c, e)
			  : snprintf(buf + used, len - used, "%s%d", used ? "," : "", c);
		if (w < 0)
			break;
		used += (size_t)w;
		c = e;
	}
}

int bb_place(int cpu, int numa_node, struct bb_placement *out, struct bb_diag *d)
{
	cpu_set_t allowed, cand, one;
	char list[64], list2[64];
	int chosen = -1, mem_node = -1, nr_nodes, dummy;

	if (!out)
		return bb_diag_set(d, -EINVAL, "place: no output");
	memset(out, 0, sizeof(*out));
	out->cpu = out->node = -1;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return bb_diag_set(d, -errno, "place: reading the thread's affinity: %s", strerror(errno));
	list_text(&allowed, list, sizeof(list));
	nr_nodes = nodes(-1, &dummy);
	snprintf(out->topology, sizeof(out->topology), "%ld CPUs online, %d NUMA node%s (sysfs; built without hwloc)",
		 sysconf(_SC_NPROCESSORS_ONLN), nr_nodes, nr_nodes == 1 ? "" : "s");
	if (!CPU_COUNT(&allowed))
		return bb_diag_set(d, -EIO, "place: the thread's affinity mask has no CPU");

	if (numa_node >= 0) {
		cpu_set_t ncpus;

		if (node_cpus(numa_node, &ncpus))
			return bb_diag_set(d, -EINVAL, "place: numa node %d is not a node of this machine (%s)", numa_node,
					   out->topology);
		CPU_AND(&cand, &ncpus, &allowed);
		list_text(&ncpus, list2, sizeof(list2));
		if (!CPU_COUNT(&cand))
			return bb_diag_set(d, -EINVAL, "place: numa node %d (cpus %s) has no CPU in the allowed set %s",
					   numa_node, list2, list);
		if (cpu >= 0) {
			if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &cand))
				return bb_diag_set(d, -EINVAL, "place: cpu %d is not an allowed cpu of numa node %d "
						   "(node cpus %s, allowed %s)", cpu, numa_node, list2, list);
			chosen = cpu;
			snprintf(out->how, sizeof(out->how), "cpu %d as asked, on the device's node %d", cpu, numa_node);
		} else {
			for (int c = 0; c < CPU_SETSIZE && chosen < 0; c++)
				if (CPU_ISSET(c, &cand))
					chosen = c;
			snprintf(out->how, sizeof(out->how), "first allowed cpu of the device's node %d", numa_node);
		}
		mem_node = numa_node;
	} else if (cpu >= 0) {
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed))
			return bb_diag_set(d, -EINVAL, "place: cpu %d is not in the allowed set %s", cpu, list);
		chosen = cpu;
		snprintf(out->how, sizeof(out->how), "cpu %d as asked (device node unknown)", cpu);
		nodes(chosen, &mem_node);
	} else {
		for (int c = CPU_SETSIZE - 1; c >= 0 && chosen < 0; c--)
			if (CPU_ISSET(c, &allowed))
				chosen = c;
		snprintf(out->how, sizeof(out->how), "last allowed cpu of %s (device node unknown)", list);
		nodes(chosen, &mem_node);
	}
	CPU_ZERO(&one);
	CPU_SET(chosen, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return bb_diag_set(d, -errno, "place: binding the thread to cpu %d: %s", chosen, strerror(errno));
	out->cpu = chosen;
	if (bb_prefer_node(mem_node, nr_nodes > 0, out->how, sizeof(out->how)))
		out->node = mem_node;
	bb_diag_clear(d);
	return 0;
}
