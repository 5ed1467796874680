// SPDX-License-Identifier: MIT
/*
 * What the statistics let the report say: whether two configurations are
 * told apart, each group's verdict, and the projection onto a device.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "barbench/stats.h"

static void fmt_ns(char *out, size_t len, double ns)
{
	if (ns >= 1e6)
		snprintf(out, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(out, len, "%.2f µs", ns / 1e3);
	else
		snprintf(out, len, "%.1f ns", ns);
}

/* The resolution a configuration's figures were measured with; 0 when its folder does not say. */
static double res_of(const struct bb_config *c)
{
	return c->resolution_ns;
}

/*
 * Are the medians of @a and @b told apart by the statistics?  The
 * repetitions' medians must differ by a two-sided Mann-Whitney U test
 * (p < 0.05: 4 repetitions a side at least; with 3 a side p is never below
 * 0.1, and a [min, max] interval of 3 covers only 75%), their intervals (95%
 * CIs from 6 repetitions, the [min, max] ranges below: 87.5% at 4)
 * must not overlap, and the medians must differ by more than the coarser
 * resolution: below that the clock cannot order them.
 */
bool bb_rep_separated(const struct rep *r, const struct bb_config *a, const struct bb_config *b)
{
	const struct bb_config *lo = a->p50_ns <= b->p50_ns ? a : b, *hi = lo == a ? b : a;
	double res = res_of(a) > res_of(b) ? res_of(a) : res_of(b);
	const double *x = r->cfg.rep_p50 + r->cfg.rep_start[a - r->cfg.v];
	const double *y = r->cfg.rep_p50 + r->cfg.rep_start[b - r->cfg.v];
	struct bb_mwu t;

	/*
	 * Two policies that trap every access the workload makes take the same
	 * path for every sample: whatever their medians say, a difference is
	 * the machine's noise (with many groups, a 5% test finds some), never
	 * the plan's.
	 */
	if (a->trapped_share >= 1.0 && b->trapped_share >= 1.0)
		return false;
	if (!(lo->ci_hi_ns < hi->ci_lo_ns && hi->p50_ns - lo->p50_ns > res))
		return false;
	return !bb_mann_whitney(x, a->nreps, y, b->nreps, &t) && t.p < 0.05;
}

/* `full` maps the MSI-X table and PBA a VMM must emulate: the upper bound, never a choice. */
bool bb_rep_vmm_usable(const struct bb_config *c)
{
	return strcmp(c->first->policy, "full") != 0;
}

void bb_rep_verdict(struct rep *r, size_t first, size_t last, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->least = SIZE_MAX;
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];

		if (bb_rep_vmm_usable(c) && (!v->lowest || c->p50_ns < v->lowest->p50_ns))
			v->lowest = c;
		if (c->nreps < v->least)
			v->least = c->nreps;
	}
	v->testable = bb_mwu_min_p(v->least, v->least) < 0.05;
	if (!v->lowest)
		return;
	v->best = true;
	v->tied[v->ntied++] = v->lowest;
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];

		if (c == v->lowest || !bb_rep_vmm_usable(c) || bb_rep_separated(r, v->lowest, c))
			continue;
		v->best = false;
		if (v->ntied < sizeof(v->tied) / sizeof(v->tied[0]))
			v->tied[v->ntied++] = c;
	}
	v->pick = v->lowest;
	for (unsigned i = 1; i < v->ntied; i++) {
		const struct bb_config *c = v->tied[i];

		/* the fewest memslots, then the fewest host mappings, then the lowest median (markdown.c says so) */
		if (c->memslots != v->pick->memslots ? c->memslots < v->pick->memslots :
		    c->mappings != v->pick->mappings ? c->mappings < v->pick->mappings : c->p50_ns < v->pick->p50_ns)
			v->pick = c;
	}
}

const struct bb_config *bb_rep_find_policy(struct rep *r, size_t first, size_t last, const char *pol)
{
	for (size_t k = first; k <= last; k++)
		if (!strcmp(r->sorted[k]->first->policy, pol) && !r->sorted[k]->first->params[0])
			return r->sorted[k];
	return NULL;
}

/* A median as a reader may take it: "< R ns" below its resolution, never 0.0. */
const char *bb_rep_med(char *buf, size_t len, const struct bb_config *c)
{
	char t[32];

	if (c->resolution_ns > 0 && c->p50_ns < c->resolution_ns)
		return bb_format_ns(buf, len, c->p50_ns, c->resolution_ns);
	fmt_ns(t, sizeof(t), c->p50_ns);
	snprintf(buf, len, "%s", t);
	return buf;
}

/*
 * The projection's device access time for @c: the one given to the report
 * on its command line, else the layout's (runs.csv device_read_ns,
 * device_write_ns), else pcie-bench's default.  An explicit option wins.
 */
double bb_rep_device_ns(const struct rep *r, const struct bb_config *c, enum bb_ns_source *src)
{
	bool wr = !strcmp(c->first->op, "write");
	double v = wr ? c->first->device_write_ns : c->first->device_read_ns;

	if (wr ? r->dev_write_given : r->dev_read_given)
		*src = BB_NS_GIVEN;
	else if (v > 0)
		*src = BB_NS_LAYOUT;
	else
		*src = BB_NS_DEFAULT;
	return *src == BB_NS_LAYOUT ? v : wr ? r->dev_write_ns : r->dev_read_ns;
}

const char *bb_rep_ns_source(enum bb_ns_source src, const struct bb_config *c)
{
	if (src == BB_NS_GIVEN)
		return strcmp(c->first->op, "write") ? "--device-read-ns" : "--device-write-ns";
	return src == BB_NS_LAYOUT ? "layout" : "pcie-bench default";
}

/*
 * What the trap path adds per access on this machine, measured: trap's
 * median less that of the fastest policy that trapped nothing (the same
 * group).  Without such a policy, trap's whole median (the mapped cost
 * taken as 0).  Negative differences count as 0.
 */
double bb_rep_trap_overhead(struct rep *r, size_t first, size_t last, const struct bb_config *trap)
{
	const struct bb_config *m = NULL;

	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];

		if (c->trapped_share == 0 && (!m || c->p50_ns < m->p50_ns))
			m = c;
	}
	if (!m)
		return trap->p50_ns;
	return trap->p50_ns > m->p50_ns ? trap->p50_ns - m->p50_ns : 0;
}

/* Projected time per access of @c on a device of @dev ns: mapped accesses cost dev, trapped dev + overhead. */
double bb_rep_projected(const struct bb_config *c, double dev, double overhead)
{
	return dev + c->trapped_share * overhead;
}

void bb_rep_recommend(struct rep *r, size_t first, size_t last, struct recommend *o)
{
	const struct bb_config *pick;
	double ov, res;

	memset(o, 0, sizeof(*o));
	bb_rep_verdict(r, first, last, &o->v);
	o->trap = bb_rep_find_policy(r, first, last, "trap");
	pick = o->v.pick;
	if (!o->v.lowest)
		return;
	if (!o->v.testable) {
		o->kind = BB_REC_UNTESTED;
		return;
	}
	if (!o->trap) {
		o->kind = BB_REC_NO_TRAP;	/* nothing to compare with: no claim about trapping */
		return;
	}
	if (o->trap == o->v.lowest || !bb_rep_separated(r, o->v.lowest, o->trap)) {
		/*
		 * Even the fastest policy a VMM can use is not told apart from
		 * trap: every usable policy traps alike, and the answer is trap
		 * (no memslot), whichever tied policy the memslots alone would
		 * pick (one with 0 memslots too, listed first).  Every reader of
		 * the verdict (report.md, summary.json, the overview) takes it
		 * from here.
		 */
		o->kind = BB_REC_TRAPS;
		o->v.pick = o->trap;
		o->measured = o->projected = 1;
		return;
	}
	o->kind = BB_REC_MAPS;
	res = pick->resolution_ns > 0 ? pick->resolution_ns : 0.1;
	o->bound = pick->p50_ns < res;
	o->measured = o->bound ? floor(o->trap->p50_ns / res) : o->trap->p50_ns / pick->p50_ns;
	/*
	 * The cost model with a device under it: a mapped access costs the
	 * device's access time, a trapped one that plus the trap path's
	 * overhead as measured in this group; a policy's time is the mix its
	 * trapped share gives.
	 */
	o->device_ns = bb_rep_device_ns(r, pick, &o->ns_src);
	ov = bb_rep_trap_overhead(r, first, last, o->trap);
	o->projected = bb_rep_projected(o->trap, o->device_ns, ov) / bb_rep_projected(pick, o->device_ns, ov);
}

const char *bb_rep_rec_name(enum bb_rec_kind k)
{
	static const char *const names[] = {
		[BB_REC_NONE] = "only full", [BB_REC_UNTESTED] = "untested", [BB_REC_NO_TRAP] = "no trap run",
		[BB_REC_TRAPS] = "all trap alike", [BB_REC_MAPS] = "maps",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "untested";
}

const char *bb_rep_interval_name(char *buf, size_t len, const struct bb_config *c)
{
	if (c->ci_level >= BB_CI_LEVEL)
		snprintf(buf, len, "95%% CI");
	else if (c->nreps > 1)
		snprintf(buf, len, "range of %zu repetitions, %.1f%% coverage", c->nreps, 100 * c->ci_level);
	else
		snprintf(buf, len, "1 repetition, no interval");
	return buf;
}
