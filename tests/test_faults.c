// SPDX-License-Identifier: MIT
/*
 * Faults while measuring (docs/robustness.md): a mapped window that stops
 * being backed raises SIGBUS, which ends the run with -EFAULT naming the
 * offset and leaves the process healthy for the next run; the previous
 * SIGBUS disposition is back afterwards, so a SIGBUS outside a run still
 * does what it did; a trap path that comes back short or with EIO is an
 * error naming the access, never a sample; the emulated device's
 * ?fault=KIND:N knob is checked like any other input.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "barbench/backend.h"
#include "barbench/policy.h"
#include "barbench/runner.h"
#include "sigbus.h"
#include "check.h"

#define LAYOUT "emu:layouts/nvme-msix-bar0"

static struct bb_tsc tsc;

/* ---- the guard itself ---- */

static int ret7(void *arg)
{
	(void)arg;
	return 7;
}

static int touch(void *arg)
{
	volatile uint8_t *p = arg;

	return *p == 0x5a ? 1 : 0;
}

struct nested {
	void *fault_at;
	int inner;
	struct bb_sigbus_info info;
};

static int outer_fn(void *arg)
{
	struct nested *n = arg;

	n->inner = bb_sigbus_call(touch, n->fault_at, &n->info);
	return 0;
}

/* The SIGBUS disposition now, to compare with an earlier one. */
struct disp {
	void (*handler)(int);	/* sa_handler and sa_sigaction share storage */
	int siginfo;
};

static struct disp sigbus_handler_now(void)
{
	struct sigaction sa;

	sigaction(SIGBUS, NULL, &sa);
	return (struct disp){ sa.sa_handler, !!(sa.sa_flags & SA_SIGINFO) };
}

static bool same(struct disp a, struct disp b)
{
	return a.handler == b.handler && a.siginfo == b.siginfo;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static bool sigbus_blocked(void)
{
	sigset_t set;

	sigprocmask(SIG_BLOCK, NULL, &set);
	return sigismember(&set, SIGBUS);
}

/* Two pages of a memfd, mapped, then truncated to 0: any access raises SIGBUS. */
static uint8_t *vanished(int *fd)
{
	uint8_t *p;

	*fd = memfd_create("test-faults", MFD_CLOEXEC);
	if (*fd < 0 || ftruncate(*fd, 8192))
		return NULL;
	p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	p[4100] = 0x5a;
	if (ftruncate(*fd, 0)) {
		munmap(p, 8192);
		return NULL;
	}
	return p;
}

static void test_guard(void)
{
	struct disp before = sigbus_handler_now();
	struct bb_sigbus_info info;
	struct nested n = { 0 };
	uint8_t *p;
	int fd;

	/* no fault: the function's result, nothing reported, the handler put back */
	CHECK_EQ(bb_sigbus_call(ret7, NULL, &info), 7);
	CHECK(!info.hit);
	CHECK(same(sigbus_handler_now(), before));

	p = vanished(&fd);
	CHECK(p != NULL);
	if (!p)
		return;
	/* the fault becomes -EFAULT with the address, twice: the process stays healthy */
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(bb_sigbus_call(touch, p + 4100, &info), -EFAULT);
		CHECK(info.hit);
		CHECK(info.addr == p + 4100);
		CHECK_EQ(info.code, BUS_ADRERR);
		CHECK_STR_HAS(bb_sigbus_code_name(info.code), "beyond the end of the mapped object");
		CHECK(same(sigbus_handler_now(), before));
		CHECK(!sigbus_blocked());
	}
	/* nested: the inner guard catches, the outer goes on */
	n.fault_at = p + 16;
	CHECK_EQ(bb_sigbus_call(outer_fn, &n, &info), 0);
	CHECK(!info.hit);
	CHECK_EQ(n.inner, -EFAULT);
	CHECK(n.info.hit && n.info.addr == p + 16);
	CHECK(same(sigbus_handler_now(), before));
	/* the backing comes back: the same address reads again */
	CHECK_EQ(ftruncate(fd, 8192), 0);
	CHECK_EQ(bb_sigbus_call(touch, p + 4100, &info), 0);
	CHECK(!info.hit);
	munmap(p, 8192);
	close(fd);
}

static void on_bus_exit42(int sig)
{
	(void)sig;
	_exit(42);
}

/*
 * Outside a guard SIGBUS does what it did before barbench: kills the
 * process by default, or reaches the program's own handler; inside one, the
 * program's handler is not called.  Each case in a child.
 */
static void test_unguarded(void)
{
	for (int mode = 0; mode < 3; mode++) {
		int status = 0;
		pid_t pid = fork();

		if (pid == 0) {
			struct bb_sigbus_info info;
			uint8_t *p;
			int fd;

			if (mode > 0) {
				struct sigaction sa;

				memset(&sa, 0, sizeof(sa));
				sa.sa_handler = on_bus_exit42;
				sigemptyset(&sa.sa_mask);
				sigaction(SIGBUS, &sa, NULL);
			}
			p = vanished(&fd);
			if (!p)
				_exit(3);
			if (bb_sigbus_call(ret7, NULL, &info) != 7)
				_exit(4);
			if (mode == 2) {
				/* guarded: caught, the program's handler not called */
				_exit(bb_sigbus_call(touch, p, &info) == -EFAULT && info.hit ? 0 : 5);
			}
			(void)touch(p);
			_exit(6);	/* survived an unguarded SIGBUS: wrong */
		}
		CHECK(pid > 0);
		if (pid <= 0)
			return;
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (mode == 0 && UNDER_ASAN) {
			/* ASan's own SIGBUS handler was there before ours: it reports and ends the child */
			CHECK(!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 6)));
		} else if (mode == 0) {
			if (!WIFSIGNALED(status))
				NOTE_FAIL("unguarded SIGBUS: child exited %d", WEXITSTATUS(status));
			CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS);
		} else {
			CHECK(WIFEXITED(status));
			CHECK_EQ(WEXITSTATUS(status), mode == 1 ? 42 : 0);
		}
	}
}

/* ---- the host runner ---- */

struct rig {
	struct bb_dev *dev;
	struct bb_region r;
	struct bb_range mt[2];
	unsigned nmt;
	struct bb_plan plan;
	struct bb_workload wl;
};

static int rig_open(struct rig *g, const char *spec, const char *policy, const char *wl,
		    const struct bb_access *acc, size_t nacc)
{
	struct bb_policy_ctx ctx = { .page_size = 4096 };
	struct bb_workload_spec ws;
	struct bb_registry reg;
	struct bb_diag d = { "" };
	int err;

	memset(g, 0, sizeof(*g));
	err = bb_dev_open(spec, &g->dev, &d);
	if (!err)
		err = bb_dev_region(g->dev, 0, &g->r, NULL, NULL, &d);
	if (err) {
		NOTE_FAIL("%s: %s", spec, d.msg);
		CHECK(0);
		return err;
	}
	g->nmt = bb_dev_must_trap(g->dev, 0, g->mt);
	ctx.must_trap = g->mt;
	ctx.nr_must_trap = g->nmt;
	bb_registry_init(&reg);
	err = bb_policy_run(bb_registry_find(&reg, policy), &g->r, &ctx, &g->plan, &d);
	bb_registry_free(&reg);
	CHECK_EQ(err, 0);
	if (acc) {
		/* a hand-made cycle: these accesses, in this order, one per sample */
		g->wl.acc = malloc(nacc * sizeof(*acc));
		memcpy(g->wl.acc, acc, nacc * sizeof(*acc));
		g->wl.n = nacc;
		g->wl.per_sample = 1;
		g->wl.serialised = true;
		snprintf(g->wl.name, sizeof(g->wl.name), "%s", wl);
	} else {
		CHECK_EQ(bb_workload_parse(wl, 4, &ws, &d), 0);
		err = bb_workload_build(&ws, &g->dev->layout, &g->r, BB_GUARD_NONE, &g->wl, &d);
		CHECK_EQ(err, 0);
	}
	return err;
}

static void rig_close(struct rig *g)
{
	bb_workload_free(&g->wl);
	bb_plan_free(&g->plan);
	bb_region_free(&g->r);
	bb_dev_close(g->dev);
}

static int rig_run(struct rig *g, size_t samples, size_t warmup, struct bb_run_result *res, struct bb_diag *d)
{
	struct bb_run_cfg cfg = { .dev = g->dev, .region = &g->r, .plan = &g->plan, .wl = &g->wl,
				  .samples = samples, .warmup = warmup, .tsc = &tsc,
				  .batch = 1 };	/* faults count accesses: no pilot before them */

	memset(d, 0, sizeof(*d));
	return bb_runner_host.run(&cfg, res, d);
}

/* ftruncate of the device's memfd between runs: the next run ends with SIGBUS, the one after works. */
static void test_runner_truncated(void)
{
	struct disp before = sigbus_handler_now();
	struct bb_run_result res;
	struct bb_diag d;
	struct rig g;
	int fd;

	if (rig_open(&g, LAYOUT, "full", "lat-read", NULL, 0))
		return;
	CHECK_EQ(rig_run(&g, 200, 10, &res, &d), 0);
	CHECK_EQ(res.n, 200);
	bb_run_result_free(&res);

	fd = bb_dev_region_fd(g.dev, 0);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, 0), 0);
	CHECK_EQ(rig_run(&g, 200, 10, &res, &d), -EFAULT);
	CHECK_STR_HAS(d.msg, "lat-read: mapped access at region 0 offset 0x");
	CHECK_STR_HAS(d.msg, "raised SIGBUS (address beyond the end of the mapped object)");
	CHECK(res.ns == NULL && res.offset == NULL && res.trapped == NULL && res.n == 0);
	CHECK(same(sigbus_handler_now(), before));
	CHECK(!sigbus_blocked());

	/* the device comes back: the next run on the same device works */
	CHECK_EQ(ftruncate(fd, (off_t)g.r.size), 0);
	CHECK_EQ(rig_run(&g, 200, 10, &res, &d), 0);
	CHECK_EQ(res.n, 200);
	bb_run_result_free(&res);
	rig_close(&g);
}

/* truncate-after:N inside the timed loop: the SIGBUS names the exact mapped offset. */
static void test_runner_truncate_mid_loop(void)
{
	/* sparse at 4K on this layout: 0x2000 (MSI-X table page) traps, 0x1004 is mapped */
	static const struct bb_access acc[] = { { 0x2000, 4, BB_OP_READ }, { 0x1004, 4, BB_OP_READ } };
	struct bb_run_result res;
	struct bb_diag d;
	struct rig g;

	if (rig_open(&g, LAYOUT "?fault=truncate-after:3", "sparse", "pair", acc, 2))
		return;
	CHECK(bb_plan_mode_at(&g.plan, 0x2000) == BB_WIN_TRAP && bb_plan_mode_at(&g.plan, 0x1004) == BB_WIN_MAP);
	/* trap #1, map, trap #2, map, trap #3 (then truncated), map: SIGBUS at 0x1004, timed sample 6 */
	CHECK_EQ(rig_run(&g, 100, 0, &res, &d), -EFAULT);
	CHECK_STR_HAS(d.msg, "pair: mapped access at region 0 offset 0x1004 raised SIGBUS");
	/* the device is gone: trapped reads transfer nothing, reported as such */
	CHECK_EQ(rig_run(&g, 100, 0, &res, &d), -EFAULT);
	{
		uint32_t v = 0;
		struct stat st;

		CHECK_EQ(g.dev->ops->rw(g.dev, 0, 0x2000, &v, 4, false), 0);
		CHECK_EQ(g.dev->ops->rw(g.dev, 0, 0x2000, &v, 4, true), 0);
		CHECK_EQ(fstat(bb_dev_region_fd(g.dev, 0), &st), 0);
		CHECK_EQ(st.st_size, 0);	/* a trapped write did not bring the device back */
	}
	rig_close(&g);
}

/* short-read:N: the N-th trapped read comes back one byte short: an error, never a sample. */
static void test_runner_short_read(void)
{
	struct bb_run_result res;
	struct bb_diag d;
	struct rig g;

	if (rig_open(&g, LAYOUT "?fault=short-read:5", "trap", "lat-read", NULL, 0))
		return;
	CHECK_EQ(rig_run(&g, 100, 2, &res, &d), -EIO);
	CHECK_STR_HAS(d.msg, "lat-read: read at region 0 offset 0x");
	CHECK_STR_HAS(d.msg, "through the trap path: short transfer: 3 of 4 bytes");
	CHECK(res.ns == NULL && res.n == 0);
	/* once only: the next run is whole */
	CHECK_EQ(rig_run(&g, 100, 2, &res, &d), 0);
	CHECK_EQ(res.n, 100);
	bb_run_result_free(&res);
	rig_close(&g);
}

/* short-write:N in a batched sample names the write that failed, not the batch's first. */
static void test_runner_short_write_batched(void)
{
	struct bb_run_result res;
	struct bb_diag d;
	struct rig g;

	if (rig_open(&g, LAYOUT "?fault=short-write:70", "trap", "doorbell", NULL, 0))
		return;
	/* the cycle is the 6 doorbells 0x1000..0x1014; write 70 is the 4th: 0x100c */
	CHECK_EQ(g.wl.n, 6);
	CHECK_EQ(g.wl.per_sample, 64);
	CHECK_EQ(rig_run(&g, 10, 0, &res, &d), -EIO);
	CHECK_STR_HAS(d.msg, "doorbell: write at region 0 offset 0x100c through the trap path: short transfer: 3 of 4 bytes");
	rig_close(&g);
}

/* eio:N: the device's error is reported as such, not as a short transfer. */
static void test_runner_eio(void)
{
	struct bb_run_result res;
	struct bb_diag d;
	struct rig g;

	if (rig_open(&g, LAYOUT "?fault=eio:5", "sparse", "sweep", NULL, 0))
		return;
	/* sweep at 4K: 0x0, 0x1000 mapped, 0x2000, 0x3000 trapped: access 5 is the 1st trap of cycle 3 */
	CHECK_EQ(rig_run(&g, 100, 0, &res, &d), -EIO);
	CHECK_STR_HAS(d.msg, "sweep: read at region 0 offset 0x2000 through the trap path: Input/output error");
	CHECK(!strstr(d.msg, "short transfer"));
	CHECK(res.ns == NULL);
	rig_close(&g);
}

/* The knob is input too: a bad one is refused with what was wrong. */
static void test_fault_spec(void)
{
	static const struct {
		const char *spec;
		int err;
		const char *want;
	} cases[] = {
		{ LAYOUT "?fault=bogus:1", -EINVAL, "fault=bogus:1: unknown kind 'bogus' (short-read, short-write, eio, truncate-after)" },
		{ LAYOUT "?fault=eio:0", -EINVAL, "fault=eio:0: want KIND:N with N >= 1" },
		{ LAYOUT "?fault=eio", -EINVAL, "fault=eio: want KIND:N" },
		{ LAYOUT "?fault=eio:x", -EINVAL, "want KIND:N" },
		{ LAYOUT "?fault=eio:99999999999999999999", -EINVAL, "want KIND:N" },
		{ LAYOUT "?colour=red", -EINVAL, "unknown option 'colour=red' (fault=KIND:N)" },
		{ LAYOUT "?", -EINVAL, "unknown option ''" },
		{ "emu:layouts/no-such-layout?fault=eio:1", -ENOENT, "no such layout" },
		{ LAYOUT "?fault=truncate-after:1", 0, NULL },
		{ LAYOUT "?fault=short-write:3", 0, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bb_dev *dev = NULL;
		struct bb_diag d = { "" };
		int err = bb_dev_open(cases[i].spec, &dev, &d);

		if (err != cases[i].err)
			NOTE_FAIL("%s: %s", cases[i].spec, d.msg);
		CHECK_EQ(err, cases[i].err);
		if (cases[i].want)
			CHECK_STR_HAS(d.msg, cases[i].want);
		if (!err) {
			struct bb_region r;

			/* the layout part is what the device is */
			CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
			CHECK_EQ(r.size, 0x4000);
			bb_region_free(&r);
		}
		bb_dev_close(dev);
	}
}

int main(void)
{
	struct bb_diag d;

	if (chdir(BB_LAYOUT_DIR "/..")) {
		perror("chdir");
		return 1;
	}
	if (bb_tsc_init(&tsc, &d))
		return bb_test_skip("test_faults", d.msg);
	test_guard();
	test_unguarded();
	test_runner_truncated();
	test_runner_truncate_mid_loop();
	test_runner_short_read();
	test_runner_short_write_batched();
	test_runner_eio();
	test_fault_spec();
	return bb_test_done("test_faults");
}
