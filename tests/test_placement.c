// SPDX-License-Identifier: MIT
/*
 * Placement: the thread ends up on the CPU bb_place() names, that CPU is in
 * the allowed set, and impossible requests are refused with a message that
 * names the CPU or node.  The affinity mask is restored between cases.
 */
#include <errno.h>
#include <sched.h>

#include "placement.h"
#include "check.h"

static cpu_set_t orig;

static void restore(void)
{
	CHECK_EQ(sched_setaffinity(0, sizeof(orig), &orig), 0);
}

/* The thread is bound to exactly @cpu and runs there. */
static void check_pinned(int cpu)
{
	cpu_set_t now;

	CHECK_EQ(sched_getaffinity(0, sizeof(now), &now), 0);
	CHECK_EQ(CPU_COUNT(&now), 1);
	CHECK(cpu >= 0 && CPU_ISSET(cpu, &now));
	CHECK_EQ(sched_getcpu(), cpu);
}

static int first_allowed(void)
{
	int i;

	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &orig))
			return i;
	return -1;
}

static int last_allowed(void)
{
	int i;

	for (i = CPU_SETSIZE - 1; i >= 0; i--)
		if (CPU_ISSET(i, &orig))
			return i;
	return -1;
}

static void test_choose(void)
{
	struct bb_placement pl;
	struct bb_diag d = { "" };

	CHECK_EQ(bb_place(-1, -1, &pl, &d), 0);
	printf("  chosen: cpu %d, node %d\n  topology: %s\n  how: %s\n", pl.cpu, pl.node, pl.topology, pl.how);
	CHECK_EQ(pl.cpu, last_allowed());
	check_pinned(pl.cpu);
	CHECK_STR_HAS(pl.topology, "PU");
	CHECK_STR_HAS(pl.topology, "package");
	CHECK(pl.how[0] != '\0');
	if (pl.node < 0)
		CHECK(strstr(pl.how, "unchanged") || strstr(pl.how, "set_mempolicy"));
	else
		CHECK_STR_HAS(pl.how, "memory preferred on node");
	restore();
}

static void test_each_cpu(void)
{
	struct bb_placement pl;
	struct bb_diag d = { "" };
	int i;

	for (i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &orig))
			continue;
		CHECK_EQ(bb_place(i, -1, &pl, &d), 0);
		CHECK_EQ(pl.cpu, i);
		check_pinned(i);
		CHECK_STR_HAS(pl.how, "as asked");
		restore();
	}
}

static void test_node(void)
{
	struct bb_placement pl;
	struct bb_diag d = { "" };
	int err;

	/* Node 0 exists on every Linux machine. */
	err = bb_place(-1, 0, &pl, &d);
	if (err) {
		/* Only when none of node 0's CPUs is allowed to this process. */
		NOTE_FAIL("node 0: %s", d.msg);
		CHECK_STR_HAS(d.msg, "has no CPU in the allowed set");
		return;
	}
	printf("  node 0: cpu %d, node %d, how: %s\n", pl.cpu, pl.node, pl.how);
	check_pinned(pl.cpu);
	CHECK(CPU_ISSET(pl.cpu, &orig));
	CHECK_STR_HAS(pl.how, "node 0");
	if (pl.node >= 0)
		CHECK_EQ(pl.node, 0);
	restore();

	/* A CPU on the node is taken as asked. */
	CHECK_EQ(bb_place(pl.cpu, 0, &pl, &d), 0);
	check_pinned(pl.cpu);
	restore();
}

static void test_refused(void)
{
	struct bb_placement pl;
	struct bb_diag d = { "" };
	cpu_set_t before, after;
	int bad = CPU_SETSIZE - 1;
	char name[32];

	CHECK(!CPU_ISSET(bad, &orig));
	CHECK_EQ(sched_getaffinity(0, sizeof(before), &before), 0);

	snprintf(name, sizeof(name), "cpu %d ", bad);
	CHECK_EQ(bb_place(bad, -1, &pl, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, name);
	CHECK_STR_HAS(d.msg, "allowed set");
	CHECK_EQ(pl.cpu, -1);

	CHECK_EQ(bb_place(-1, 999, &pl, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "numa node 999");

	CHECK_EQ(bb_place(bad, 0, &pl, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, name);

	CHECK_EQ(bb_place(-1, -1, NULL, &d), -EINVAL);

	/* A refusal leaves the thread where it was. */
	CHECK_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
	CHECK(CPU_EQUAL(&before, &after));

	/* After a placement the allowed set is one CPU: another one is refused. */
	if (CPU_COUNT(&orig) > 1) {
		CHECK_EQ(bb_place(first_allowed(), -1, &pl, &d), 0);
		CHECK_EQ(bb_place(last_allowed(), -1, &pl, &d), -EINVAL);
		restore();
	}
}

int main(void)
{
	if (sched_getaffinity(0, sizeof(orig), &orig))
		return bb_test_skip("test_placement", "sched_getaffinity failed");
	printf("  allowed cpus: %d\n", CPU_COUNT(&orig));
	test_choose();
	test_each_cpu();
	test_node();
	test_refused();
	return bb_test_done("test_placement");
}
