// SPDX-License-Identifier: MIT
/* The sweep of `barbench vmm` (vmm.h): one safe word per page, timed in rounds. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barbench/policy.h"
#include "barbench/runner.h"
#include "barbench/stats.h"
#include "barbench/workload.h"
#include "sigbus.h"
#include "vmm.h"

#define PILOT_REPS 5
#define BATCH_MAX 4096u
#define WARMUP 3

struct page_state {
	volatile uint8_t *ptr;	/* NULL: the trap path */
	uint64_t *cyc;		/* per sample */
};

struct sweep {
	const struct bb_vmm_sweep_cfg *cfg;
	struct bb_vmm_probe *p;
	struct page_state *st;
	size_t n;
	uint64_t sink;
	struct bb_diag *d;
};

static inline void lfence(void)
{
	__asm__ __volatile__("lfence" ::: "memory");
}

static inline uint64_t load(volatile uint8_t *p, unsigned w)
{
	switch (w) {
	case 1: return *p;
	case 2: return *(volatile uint16_t *)(volatile void *)p;
	default: return *(volatile uint32_t *)(volatile void *)p;
	}
}

/* @k reads of page @i as one sample: cycles (the empty pair not subtracted), or 0 with *@err. */
static uint64_t sample(struct sweep *s, size_t i, unsigned k, int *err)
{
	struct bb_vmm_probe *p = &s->p[i];
	volatile uint8_t *ptr = s->st[i].ptr;
	uint64_t c0, c1, v = 0;

	*err = 0;
	if (ptr) {
		c0 = bb_tsc_begin();
		for (unsigned j = 0; j < k; j++) {
			v = load(ptr, p->width);
			lfence();
		}
		c1 = bb_tsc_end();
	} else {
		struct bb_dev *dev = s->cfg->dev;
		ssize_t got = 0;

		c0 = bb_tsc_begin();
		for (unsigned j = 0; j < k && got >= 0; j++)
			got = dev->ops->rw(dev, p->region, p->offset, &v, p->width, false);
		c1 = bb_tsc_end();
		if (got != (ssize_t)p->width) {
			*err = bb_diag_set(s->d, got < 0 ? (int)got : -EIO, "%s: region %" PRIu32 " offset 0x%" PRIx64
					   ": the trap path read %zd of %u bytes%s", dev->spec, p->region, p->offset, got,
					   p->width, got < 0 ? "" : " (short)");
			return 0;
		}
	}
	p->value = v;
	p->reads += k;
	s->sink += v;
	return c1 - c0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The pilot, then the rounds: the only code that touches the mappings (SIGBUS-guarded). */
static int time_all(void *arg)
{
	struct sweep *s = arg;
	const struct bb_vmm_sweep_cfg *cfg = s->cfg;
	uint64_t target = (cfg->tsc->step_cycles ? cfg->tsc->step_cycles : 1) * BB_MIN_STEPS_PER_SAMPLE;
	int err = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct bb_vmm_probe *p = &s->p[i];
		unsigned k;

		if (!p->probed)
			continue;
		for (int w = 0; w < WARMUP && !err; w++)
			sample(s, i, 1, &err);
		for (k = 1; k < BATCH_MAX && !err; k *= 2) {
			uint64_t c[PILOT_REPS];

			for (int r = 0; r < PILOT_REPS && !err; r++)
				c[r] = sample(s, i, k, &err);
			qsort(c, PILOT_REPS, sizeof(c[0]), cmp_u64);
			if (c[PILOT_REPS / 2] > cfg->overhead && c[PILOT_REPS / 2] - cfg->overhead >= target)
				break;
		}
		if (err)
			return err;
		p->batch = k;
	}
	for (size_t r = 0; r < cfg->samples; r++)
		for (size_t i = 0; i < s->n; i++) {
			if (!s->p[i].probed)
				continue;
			s->st[i].cyc[r] = sample(s, i, s->p[i].batch, &err);
			if (err)
				return err;
		}
	return 0;
}

/* The widest safe word of every page: sweep workloads of width 4, 2 and 1. */
static int choose_probes(const struct bb_vmm_sweep_cfg *cfg, const struct bb_region *r, struct bb_vmm_probe *p,
			 size_t n, uint64_t stride, struct bb_diag *d)
{
	static const unsigned widths[] = { 4, 2, 1 };
	const struct bb_layout *l = cfg->dev->has_layout ? &cfg->dev->layout : NULL;

	for (size_t i = 0; i < n; i++)
		p[i] = (struct bb_vmm_probe){ .region = r->index, .page = i * stride * BB_VMM_PAGE };
	for (unsigned w = 0; w < 3; w++) {
		struct bb_workload_spec spec = { .kind = BB_WL_SWEEP, .width = widths[w] };
		struct bb_workload wl;
		enum bb_guard guard = bb_dev_guard(cfg->dev);
		int err;

		/* the MSI-X table and PBA are a VMM's own whatever it maps: never what a sweep reads */
		err = bb_workload_build(&spec, l, r, guard < BB_GUARD_MSIX ? BB_GUARD_MSIX : guard, &wl, d);

		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		for (size_t a = 0; a < wl.n; a++) {
			size_t i = (size_t)(wl.acc[a].offset / BB_VMM_PAGE / stride);

			if (i < n && !p[i].probed) {
				p[i].probed = true;
				p[i].offset = wl.acc[a].offset;
				p[i].width = wl.acc[a].width;
			}
		}
		bb_workload_free(&wl);
	}
	for (size_t i = 0; l && i < n; i++)
		for (uint32_t g = 0; p[i].probed && g < l->nr_regs; g++) {
			const struct bb_layout_reg *reg = &l->regs[g];
			uint64_t shift;

			if (reg->kind != BB_REG_ID || !reg->has_value || reg->region != r->index ||
			    p[i].offset < reg->offset || p[i].offset + p[i].width > reg->offset + reg->size)
				continue;
			shift = 8 * (p[i].offset - reg->offset);
			p[i].has_expected = true;
			p[i].expected = shift >= 64 ? 0 : (reg->value >> shift) & (UINT64_MAX >> (64 - 8 * p[i].width));
		}
	return 0;
}

static int whole_plan(const struct bb_vmm_sweep_cfg *cfg, const struct bb_region *r, struct bb_plan *plan,
		      struct bb_diag *d)
{
	struct bb_range mt[2];
	unsigned nmt = bb_dev_must_trap(cfg->dev, r->index, mt);
	struct bb_policy_ctx ctx = { .page_size = (uint64_t)sysconf(_SC_PAGESIZE), .must_trap = mt, .nr_must_trap = nmt };
	int err = bb_policy_run(&bb_policy_full, r, &ctx, plan, d);

	if (!err && !plan->applicable) {
		err = bb_diag_set(d, -EINVAL, "%s: region %" PRIu32 " cannot be mapped whole: %s", cfg->dev->spec, r->index,
				  plan->reason);
		bb_plan_free(plan);
	}
	return err;
}

static void summarize(struct bb_vmm_probe *p, uint64_t *cyc, size_t n, const struct bb_vmm_sweep_cfg *cfg)
{
	double *ns = malloc(n * sizeof(*ns));

	p->samples = n;
	p->resolution_ns = bb_tsc_resolution_ns(cfg->tsc) / p->batch;
	if (!ns)
		return;
	for (size_t i = 0; i < n; i++)
		ns[i] = bb_tsc_ns(cfg->tsc, cyc[i] > cfg->overhead ? cyc[i] - cfg->overhead : 0) / p->batch;
	bb_sort_doubles(ns, n);
	p->min_ns = ns[0];
	p->p50_ns = bb_percentile(ns, n, 50.0);
	p->p90_ns = bb_percentile(ns, n, 90.0);
	free(ns);
}

int bb_vmm_sweep(const struct bb_vmm_sweep_cfg *cfg, struct bb_vmm_probe **out, size_t *n, struct bb_diag *d)
{
	struct sweep s = { .cfg = cfg, .d = d };
	struct bb_sigbus_info bus = { 0 };
	struct bb_applied ap = { 0 };
	struct bb_plan own = { 0 };
	const struct bb_plan *plan = cfg->plan;
	struct bb_region r;
	uint64_t pages, stride;
	int err;

	*out = NULL;
	*n = 0;
	if (!cfg->samples)
		return bb_diag_set(d, -EINVAL, "a sweep needs at least one sample per page");
	err = bb_dev_region(cfg->dev, cfg->region, &r, NULL, NULL, d);
	if (err)
		return err;
	pages = (r.size + BB_VMM_PAGE - 1) / BB_VMM_PAGE;
	stride = pages > BB_VMM_MAX_PAGES ? (pages + BB_VMM_MAX_PAGES - 1) / BB_VMM_MAX_PAGES : 1;
	s.n = (size_t)((pages + stride - 1) / stride);
	s.p = calloc(s.n, sizeof(*s.p));
	s.st = calloc(s.n, sizeof(*s.st));
	if (!s.p || !s.st) {
		err = bb_diag_set(d, -ENOMEM, "%s: out of memory", cfg->dev->spec);
		goto out;
	}
	err = choose_probes(cfg, &r, s.p, s.n, stride, d);
	if (!err && !plan) {
		err = whole_plan(cfg, &r, &own, d);
		plan = &own;
	}
	if (!err)
		err = bb_plan_apply(cfg->dev, r.index, plan, &ap, d);
	for (size_t i = 0; !err && i < s.n; i++) {
		if (!s.p[i].probed)
			continue;
		s.st[i].ptr = bb_applied_ptr(&ap, plan, s.p[i].offset, s.p[i].width);
		s.p[i].via_trap = !s.st[i].ptr;
		s.st[i].cyc = calloc(cfg->samples, sizeof(uint64_t));
		if (!s.st[i].cyc)
			err = bb_diag_set(d, -ENOMEM, "%s: out of memory", cfg->dev->spec);
	}
	if (!err) {
		err = bb_sigbus_call(time_all, &s, &bus);
		if (bus.hit)
			err = bb_diag_set(d, -EFAULT, "%s: region %" PRIu32 ": SIGBUS at %p (%s): the mapping stopped being "
					  "backed", cfg->dev->spec, r.index, bus.addr, bb_sigbus_code_name(bus.code));
	}
	for (size_t i = 0; !err && i < s.n; i++)
		if (s.p[i].probed)
			summarize(&s.p[i], s.st[i].cyc, cfg->samples, cfg);
out:
	bb_plan_unapply(&ap);
	if (plan == &own)
		bb_plan_free(&own);
	for (size_t i = 0; s.st && i < s.n; i++)
		free(s.st[i].cyc);
	free(s.st);
	bb_region_free(&r);
	if (err) {
		free(s.p);
		return err;
	}
	*out = s.p;
	*n = s.n;
	return 0;
}
