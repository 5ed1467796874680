// SPDX-License-Identifier: MIT
/*
 * perf counters: what opens counts what it should, what does not open says
 * why, and missing counters stay missing.  The refused paths are exercised
 * in children: one whose perf_event_open is made to fail by a seccomp
 * filter (no perf at all / forbidden), and, when run as root, one that
 * drops to an unprivileged user so perf_event_paranoid applies.
 */
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "barbench/counters.h"
#include "check.h"

#define PAGES 64

static const char *const columns[BB_CTR_COUNT] = {
	"page_faults", "ctx_switches", "task_clock_ns", "cycles", "instructions",
};

static int paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = -100;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -100;
		fclose(f);
	}
	return v;
}

/* Touch @n fresh anonymous pages: at least one page fault each. */
static void touch_pages(size_t n)
{
	long page = sysconf(_SC_PAGESIZE);
	volatile char *p;
	size_t i;

	p = mmap(NULL, n * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise((void *)p, n * (size_t)page, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++)
		p[i * (size_t)page] = (char)i;
	munmap((void *)p, n * (size_t)page);
}

static void block_briefly(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);	/* blocks: a voluntary context switch */
}

static void check_reasons(const struct bb_counters *c, const struct bb_counter_sample *s)
{
	int i;

	for (i = 0; i < BB_CTR_COUNT; i++) {
		if (!c->have[i]) {
			if (!c->why[i][0])
				NOTE_FAIL("%s missing without a reason", columns[i]);
			CHECK(c->why[i][0] != '\0');
			CHECK(c->fd[i] < 0);
		} else {
			CHECK(c->fd[i] >= 0);
		}
		if (s && !s->have[i]) {
			CHECK(s->why[i][0] != '\0');
			CHECK_EQ(s->value[i], 0);
		}
	}
}

static void report(const char *who, const struct bb_counters *c, const struct bb_counter_sample *s)
{
	int i;

	for (i = 0; i < BB_CTR_COUNT; i++) {
		printf("  %s %-14s ", who, columns[i]);
		if (s && s->have[i])
			printf("%llu%s%s\n", (unsigned long long)s->value[i],
			       s->user_only[i] ? " (user only)" : "", s->scaled[i] ? " (scaled)" : "");
		else if (s)
			printf("missing: %s\n", s->why[i]);
		else
			printf("%s\n", c->have[i] ? "open" : c->why[i]);
	}
}

static void test_names(void)
{
	int i;

	for (i = 0; i < BB_CTR_COUNT; i++)
		CHECK(bb_counter_name((enum bb_counter_id)i) &&
		      !strcmp(bb_counter_name((enum bb_counter_id)i), columns[i]));
	CHECK(bb_counter_name(BB_CTR_COUNT) == NULL);
}

/* Returns 0, or BB_SKIP when perf_event_open is not available at all. */
static int test_counting(void)
{
	struct bb_counters c;
	struct bb_counter_sample s, again;
	struct bb_diag d = { "" };
	int err, i;

	err = bb_counters_open(&c, &d);
	if (err) {
		report("self", &c, NULL);
		check_reasons(&c, NULL);
		CHECK(d.msg[0] != '\0');
		for (i = 0; i < BB_CTR_COUNT; i++)
			CHECK(!c.have[i]);
		bb_counters_close(&c);
		if (err == -ENOSYS || err == -EACCES || err == -EPERM) {
			printf("  no counter opened: %s\n", d.msg);
			return BB_SKIP;
		}
		NOTE_FAIL("bb_counters_open: %s", d.msg);
		CHECK_EQ(err, 0);
		return 0;
	}
	check_reasons(&c, NULL);
	/* Where any counter opens, the software page-fault counter does. */
	CHECK(c.have[BB_CTR_PAGE_FAULTS]);

	/* Opened but never started: nothing is reported as a count. */
	CHECK_EQ(bb_counters_read(&c, &s, &d), 0);
	for (i = 0; i < BB_CTR_COUNT; i++) {
		CHECK(!s.have[i]);
		if (c.have[i])
			CHECK_STR_HAS(s.why[i], "never enabled");
	}
	check_reasons(&c, &s);

	CHECK_EQ(bb_counters_start(&c, &d), 0);
	touch_pages(PAGES);
	block_briefly();
	CHECK_EQ(bb_counters_stop(&c, &d), 0);
	CHECK_EQ(bb_counters_read(&c, &s, &d), 0);
	report("self", &c, &s);
	check_reasons(&c, &s);
	for (i = 0; i < BB_CTR_COUNT; i++)
		CHECK_EQ(s.have[i], c.have[i]);
	if (s.have[BB_CTR_PAGE_FAULTS])
		CHECK(s.value[BB_CTR_PAGE_FAULTS] >= PAGES);
	if (s.have[BB_CTR_CTX_SWITCHES])
		CHECK(s.value[BB_CTR_CTX_SWITCHES] >= 1);
	if (s.have[BB_CTR_TASK_CLOCK_NS])
		CHECK(s.value[BB_CTR_TASK_CLOCK_NS] > 0);
	if (s.have[BB_CTR_CYCLES])
		CHECK(s.value[BB_CTR_CYCLES] > 0);
	if (s.have[BB_CTR_INSTRUCTIONS])
		CHECK(s.value[BB_CTR_INSTRUCTIONS] > 0);

	/* Stopped means stopped. */
	touch_pages(PAGES / 4);
	CHECK_EQ(bb_counters_read(&c, &again, &d), 0);
	if (s.have[BB_CTR_PAGE_FAULTS])
		CHECK_EQ(again.value[BB_CTR_PAGE_FAULTS], s.value[BB_CTR_PAGE_FAULTS]);

	/* Start resets. */
	CHECK_EQ(bb_counters_start(&c, &d), 0);
	CHECK_EQ(bb_counters_stop(&c, &d), 0);
	CHECK_EQ(bb_counters_read(&c, &again, &d), 0);
	if (again.have[BB_CTR_PAGE_FAULTS])
		CHECK(again.value[BB_CTR_PAGE_FAULTS] < PAGES);

	bb_counters_close(&c);
	bb_counters_close(&c);
	bb_counters_close(NULL);
	for (i = 0; i < BB_CTR_COUNT; i++)
		CHECK_EQ(c.fd[i], -1);
	return 0;
}

/*
 * @body(@arg) in a child whose exit status is the verdict of its checks (0,
 * 1, or BB_SKIP when it could not set up what it checks); that status, or -1.
 */
static int in_child(void (*body)(const void *), const void *arg)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		body(arg);
		fflush(NULL);
		_exit(bb_failures ? 1 : 0);
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return -1;
	CHECK(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct refusal {
	int err;
	const char *why_has;
};

/* With perf_event_open failing with ->err (seccomp), check the degradation. */
static void refused_child(const void *arg)
{
	const struct refusal *r = arg;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)r->err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct bb_counters c;
	struct bb_counter_sample s;
	struct bb_diag d = { "" };
	int i;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		_exit(BB_SKIP);
	}
	CHECK_EQ(bb_counters_open(&c, &d), -r->err);
	CHECK_STR_HAS(d.msg, "page_faults");
	for (i = 0; i < BB_CTR_COUNT; i++) {
		CHECK(!c.have[i]);
		CHECK_STR_HAS(c.why[i], r->why_has);
	}
	/* The rest of the lifecycle still works and reports nothing as a count. */
	CHECK_EQ(bb_counters_start(&c, &d), 0);
	CHECK_EQ(bb_counters_stop(&c, &d), 0);
	CHECK_EQ(bb_counters_read(&c, &s, &d), 0);
	check_reasons(&c, &s);
	for (i = 0; i < BB_CTR_COUNT; i++)
		CHECK(!s.have[i]);
	if (r->err == EACCES)
		report("refused", &c, &s);
	bb_counters_close(&c);
}

/* In a child, make perf_event_open fail with @err and check the degradation. */
static void test_refused(int err, const char *why_has)
{
	struct refusal r = { err, why_has };
	int rc = in_child(refused_child, &r);

	if (rc == BB_SKIP) {
		printf("  seccomp not available: refused path (errno %d) not exercised\n", err);
		return;
	}
	if (rc)
		NOTE_FAIL("child with perf_event_open failing with errno %d", err);
	CHECK_EQ(rc, 0);
}

/* As nobody: what perf_event_paranoid @arg allows, granted or refused with a reason. */
static void unprivileged_child(const void *arg)
{
	int par = *(const int *)arg;
	struct bb_counters c;
	struct bb_counter_sample s;
	struct bb_diag d = { "" };
	int err;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		perror("dropping privileges");
		_exit(BB_SKIP);
	}
	err = bb_counters_open(&c, &d);
	check_reasons(&c, NULL);
	if (par >= 3 || par == -100) {
		/* Debian's level 3 (or unknown): all may be refused, gracefully. */
		if (err)
			CHECK(err == -EACCES || err == -EPERM);
	} else {
		CHECK_EQ(err, 0);
		CHECK(c.have[BB_CTR_PAGE_FAULTS]);
		CHECK(c.have[BB_CTR_TASK_CLOCK_NS]);
		if (par >= 2) {
			/* Kernel-side counting is refused: user-only, or missing with a reason. */
			CHECK(c.user_only[BB_CTR_PAGE_FAULTS]);
			CHECK(!c.have[BB_CTR_CTX_SWITCHES]);
			CHECK_STR_HAS(c.why[BB_CTR_CTX_SWITCHES], "perf_event_paranoid=");
		} else {
			CHECK(!c.user_only[BB_CTR_PAGE_FAULTS]);
			CHECK(c.have[BB_CTR_CTX_SWITCHES]);
		}
	}
	if (!err) {
		CHECK_EQ(bb_counters_start(&c, &d), 0);
		touch_pages(PAGES);
		CHECK_EQ(bb_counters_stop(&c, &d), 0);
		CHECK_EQ(bb_counters_read(&c, &s, &d), 0);
		check_reasons(&c, &s);
		if (s.have[BB_CTR_PAGE_FAULTS])
			CHECK(s.value[BB_CTR_PAGE_FAULTS] >= PAGES);
		report("nobody", &c, &s);
	}
	bb_counters_close(&c);
}

/* As root: drop to nobody so perf_event_paranoid applies to this child. */
static void test_unprivileged(void)
{
	int par = paranoid(), rc;

	if (geteuid() != 0) {
		printf("  not root: this process already runs under perf_event_paranoid=%d\n", par);
		return;
	}
	rc = in_child(unprivileged_child, &par);
	if (rc == BB_SKIP) {
		printf("  could not drop privileges: paranoid path not exercised\n");
		return;
	}
	if (rc)
		NOTE_FAIL("unprivileged child, perf_event_paranoid=%d", par);
	CHECK_EQ(rc, 0);
}

int main(void)
{
	int rc;

	test_names();
	test_refused(ENOSYS, "not available");
	test_refused(EACCES, "perf_event_paranoid=");
	test_unprivileged();
	rc = test_counting();
	if (rc == BB_SKIP && !bb_failures)
		return bb_test_skip("test_counters", "perf_event_open is not available here");
	return bb_test_done("test_counters");
}
