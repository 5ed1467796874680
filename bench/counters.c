// SPDX-License-Identifier: MIT
/* perf_event counters of the calling thread; see include/barbench/counters.h. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "barbench/counters.h"

enum { GROUP_SW, GROUP_HW, GROUPS };

struct ctr_def {
	const char *name;
	uint32_t type;
	uint64_t config;
	int group;
	bool needs_kernel;	/* a user-only count would always be 0 */
};

static const struct ctr_def defs[BB_CTR_COUNT] = {
	[BB_CTR_PAGE_FAULTS] = { "page_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, GROUP_SW, false },
	/* Switches happen in the scheduler: with exclude_kernel nothing is counted. */
	[BB_CTR_CTX_SWITCHES] = { "ctx_switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, GROUP_SW, true },
	[BB_CTR_TASK_CLOCK_NS] = { "task_clock_ns", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, GROUP_SW, false },
	[BB_CTR_CYCLES] = { "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, GROUP_HW, false },
	[BB_CTR_INSTRUCTIONS] = { "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, GROUP_HW, false },
};

#define READ_FORMAT (PERF_FORMAT_GROUP | PERF_FORMAT_ID | \
		     PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)

const char *bb_counter_name(enum bb_counter_id i)
{
	if ((unsigned)i >= BB_CTR_COUNT)
		return NULL;
	return defs[i].name;
}

static int read_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v;

	if (!f)
		return -100;	/* unknown */
	if (fscanf(f, "%d", &v) != 1)
		v = -100;
	fclose(f);
	return v;
}

static void set_why(char *why, int err, int paranoid, const struct ctr_def *def)
{
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		snprintf(why, BB_CTR_WHY_MAX, "%s event not supported here (no PMU for it): %s",
			 def->type == PERF_TYPE_HARDWARE ? "hardware" : "software", strerror(err));
		break;
	case EACCES:
	case EPERM:
		if (paranoid == -100)
			snprintf(why, BB_CTR_WHY_MAX, "not permitted: %s", strerror(err));
		else
			snprintf(why, BB_CTR_WHY_MAX, "forbidden by perf_event_paranoid=%d: %s",
				 paranoid, strerror(err));
		break;
	case ENOSYS:
		snprintf(why, BB_CTR_WHY_MAX, "perf_event_open not available: %s", strerror(err));
		break;
	default:
		snprintf(why, BB_CTR_WHY_MAX, "perf_event_open: %s (errno %d)", strerror(err), err);
		break;
	}
}

static int open_one(const struct ctr_def *def, int group_fd, bool user_only)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = def->type;
	attr.config = def->config;
	attr.read_format = READ_FORMAT;
	attr.disabled = group_fd < 0;	/* members follow their leader */
	attr.exclude_kernel = user_only;
	attr.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &attr, 0, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

static int group_ioctl(struct bb_counters *c, unsigned long req, const char *what, struct bb_diag *d);

int bb_counters_open(struct bb_counters *c, struct bb_diag *d)
{
	int paranoid = read_paranoid(), first_err = 0, opened = 0, i;

	if (!c)
		return bb_diag_set(d, -EINVAL, "counters: no handle");
	memset(c, 0, sizeof(*c));
	for (i = 0; i < BB_CTR_COUNT; i++)
		c->fd[i] = -1;
	c->leader[GROUP_SW] = c->leader[GROUP_HW] = -1;

	for (i = 0; i < BB_CTR_COUNT; i++) {
		const struct ctr_def *def = &defs[i];
		int g = def->group, fd, err;
		bool user_only = false;

		fd = open_one(def, c->leader[g], false);
		err = fd < 0 ? errno : 0;
		if (fd < 0 && (err == EACCES || err == EPERM) && !def->needs_kernel) {
			fd = open_one(def, c->leader[g], true);
			if (fd >= 0)
				user_only = true;
			else
				err = errno;
		}
		if (fd < 0) {
			set_why(c->why[i], err, paranoid, def);
			if (def->needs_kernel && (err == EACCES || err == EPERM))
				snprintf(c->why[i] + strlen(c->why[i]), BB_CTR_WHY_MAX - strlen(c->why[i]),
					 " (a user-only count would always be 0)");
			if (!first_err) {
				first_err = err;
				bb_diag_set(d, -err, "counter %s: %s", def->name, c->why[i]);
			}
			continue;
		}
		if (ioctl(fd, PERF_EVENT_IOC_ID, &c->id[i]) < 0) {
			err = errno;
			close(fd);
			snprintf(c->why[i], BB_CTR_WHY_MAX, "PERF_EVENT_IOC_ID: %s", strerror(err));
			if (!first_err) {
				first_err = err;
				bb_diag_set(d, -err, "counter %s: %s", def->name, c->why[i]);
			}
			continue;
		}
		c->fd[i] = fd;
		c->have[i] = true;
		c->user_only[i] = user_only;
		if (c->leader[g] < 0)
			c->leader[g] = fd;
		opened++;
	}
	if (!opened)
		return -first_err;
	/* count from now on; start/stop take snapshots (see counters.h) */
	if (group_ioctl(c, PERF_EVENT_IOC_ENABLE, "enable", d)) {
		int err = -errno;

		bb_counters_close(c);
		return err ? err : -EIO;
	}
	bb_diag_clear(d);
	return 0;
}

static int group_ioctl(struct bb_counters *c, unsigned long req, const char *what, struct bb_diag *d)
{
	int g;

	if (!c)
		return bb_diag_set(d, -EINVAL, "counters: no handle");
	for (g = 0; g < GROUPS; g++) {
		if (c->leader[g] < 0)
			continue;
		if (ioctl(c->leader[g], req, PERF_IOC_FLAG_GROUP) < 0)
			return bb_diag_set(d, -errno, "counters: %s of the %s group: %s", what,
					   g == GROUP_SW ? "software" : "hardware", strerror(errno));
	}
	return 0;
}

/* Read every group once: raw counts per counter, enabled/running per group. */
static int snapshot(struct bb_counters *c, uint64_t val[BB_CTR_COUNT], uint64_t en[2], uint64_t run[2],
		    struct bb_diag *d)
{
	int g, i;

	for (g = 0; g < GROUPS; g++) {
		uint64_t buf[3 + 2 * BB_CTR_COUNT], nr, k;
		ssize_t got;

		en[g] = run[g] = 0;
		if (c->leader[g] < 0)
			continue;
		got = read(c->leader[g], buf, sizeof(buf));
		if (got < 0)
			return bb_diag_set(d, -errno, "counters: read of the %s group: %s",
					   g == GROUP_SW ? "software" : "hardware", strerror(errno));
		nr = got >= (ssize_t)(3 * sizeof(uint64_t)) ? buf[0] : 0;
		if (got < 3 * (ssize_t)sizeof(uint64_t) || nr > BB_CTR_COUNT ||
		    (size_t)got < (3 + 2 * nr) * sizeof(uint64_t))
			return bb_diag_set(d, -EIO, "counters: short read of the %s group: %zd bytes",
					   g == GROUP_SW ? "software" : "hardware", got);
		en[g] = buf[1];
		run[g] = buf[2];
		for (i = 0; i < BB_CTR_COUNT; i++) {
			if (!c->have[i] || defs[i].group != g)
				continue;
			val[i] = UINT64_MAX;	/* not in the read */
			for (k = 0; k < nr; k++)
				if (buf[3 + 2 * k + 1] == c->id[i])
					val[i] = buf[3 + 2 * k];
		}
	}
	return 0;
}

int bb_counters_start(struct bb_counters *c, struct bb_diag *d)
{
	int err;

	if (!c)
		return bb_diag_set(d, -EINVAL, "counters: no handle");
	err = snapshot(c, c->base, c->base_en, c->base_run, d);
	c->started = !err;
	c->stopped = false;
	return err;
}

int bb_counters_stop(struct bb_counters *c, struct bb_diag *d)
{
	int err;

	if (!c)
		return bb_diag_set(d, -EINVAL, "counters: no handle");
	err = snapshot(c, c->end, c->end_en, c->end_run, d);
	c->stopped = !err;
	return err;
}

static void miss(struct bb_counter_sample *s, int i, const char *why)
{
	s->have[i] = false;
	s->value[i] = 0;
	snprintf(s->why[i], BB_CTR_WHY_MAX, "%s", why);
}

int bb_counters_read(struct bb_counters *c, struct bb_counter_sample *s, struct bb_diag *d)
{
	int i;

	if (!c || !s)
		return bb_diag_set(d, -EINVAL, "counters: no handle or no sample");
	memset(s, 0, sizeof(*s));
	for (i = 0; i < BB_CTR_COUNT; i++)
		if (!c->have[i])
			miss(s, i, c->why[i]);
	if (c->started && !c->stopped) {
		int err = bb_counters_stop(c, d);

		if (err)
			return err;
	}
	for (i = 0; i < BB_CTR_COUNT; i++) {
		int g = defs[i].group;
		uint64_t enabled, running;

		if (!c->have[i])
			continue;
		if (!c->started) {
			miss(s, i, "never enabled (bb_counters_start not called)");
			continue;
		}
		if (c->base[i] == UINT64_MAX || c->end[i] == UINT64_MAX) {
			miss(s, i, "not in its group's read");
			continue;
		}
		enabled = c->end_en[g] - c->base_en[g];
		running = c->end_run[g] - c->base_run[g];
		if (running == 0) {
			miss(s, i, "never scheduled (time_running 0: the PMU had no room)");
			continue;
		}
		s->have[i] = true;
		s->user_only[i] = c->user_only[i];
		s->value[i] = c->end[i] - c->base[i];
		if (running < enabled) {
			s->value[i] = (uint64_t)((long double)s->value[i] * enabled / running);
			s->scaled[i] = true;
		}
	}
	return 0;
}

void bb_counters_close(struct bb_counters *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < BB_CTR_COUNT; i++) {
		if (c->fd[i] >= 0)
			close(c->fd[i]);
		c->fd[i] = -1;
		c->have[i] = false;
	}
	c->leader[GROUP_SW] = c->leader[GROUP_HW] = -1;
}
