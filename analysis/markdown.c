// SPDX-License-Identifier: MIT
/* report.md: the answer first, then what the study found, the cost model, the tables and the method. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "parse.h"
#include "barbench/stats.h"

/* What the configurations of the matrix that never ran were skipped for, by reason. */
static void skipped_md(FILE *f, const struct rep *r)
{
	unsigned shown = 0;

	if (!r->mi.nr_skipped)
		return;
	fprintf(f, "**Skipped:** %u configuration%s of the matrix did not run (none of %s repetitions), by "
		"reason:\n\n", r->mi.nr_skipped, r->mi.nr_skipped == 1 ? "" : "s",
		r->mi.nr_skipped == 1 ? "its" : "their");
	for (unsigned k = 0; k < r->mi.nr_reasons; k++) {
		fprintf(f, "- %u: %s\n", r->mi.reasons[k].runs, r->mi.reasons[k].why);
		shown += r->mi.reasons[k].runs;
	}
	if (shown < r->mi.nr_skipped)
		fprintf(f, "- %u: other reasons (each named in `manifest.json`, `skipped`)\n", r->mi.nr_skipped - shown);
	fprintf(f, "\n");
}

/* The recommendation's cells "measured | projected | why" for a group that has one. */
static void rec_cells(const struct recommend *o, char *a, size_t na, char *b, size_t nb, char *why, size_t nw)
{
	if (o->kind == BB_REC_TRAPS) {
		snprintf(a, na, "none");
		snprintf(b, nb, "none");
		snprintf(why, nw, "every policy a VMM can use traps these registers here");
		return;
	}
	if (o->bound)
		snprintf(a, na, "> %.0fx", o->measured);
	else
		snprintf(a, na, "%.1fx", o->measured);
	snprintf(b, nb, "%.1fx (%.0f ns, %s)", o->projected, o->device_ns, bb_rep_ns_source(o->ns_src, o->v.pick));
	if (o->v.best)
		snprintf(why, nw, "best: faster than every other policy a VMM can use (p < 0.05)");
	else
		snprintf(why, nw, "tied with %u other%s; the fewest memslots", o->v.ntied - 1, o->v.ntied == 2 ? "" : "s");
}

/*
 * The answer first: per device, region and host page size, the policy a VMM
 * should use for a driver's hot path (the host runner's `lat-read`: one
 * register read at a time), its speed-up over `trap` as measured and as
 * projected onto a device, its memslots, and why.
 */
static void recommendation(FILE *f, const struct writer_arg *w)
{
	struct rep *r = w->r;
	bool any = false, overview = false;

	for (size_t i = 0; i < r->cfg.n;) {
		const struct bb_rec *g = r->sorted[i]->first;
		struct recommend o;
		size_t j = i;
		char dev[128], pg[32], a[48], b[48], why[256];

		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, g, true, true))
			j++;
		if (!bb_rep_headline(g->runner, g->workload)) {
			i = j;
			continue;
		}
		if (!any) {
			fprintf(f, "## Recommendation\n\n"
				"For a driver's hot path (`lat-read` from the host runner). *Measured* is on this folder's "
				"emulated device, whose mapped path is a cached load; *projected* puts a real device's BAR "
				"access time under it (see below). Verdicts are explained under *What the study found*; "
				"every other runner and workload is in the table after this one, every configuration in "
				"[details.md](details.md).\n\n"
				"| device | region | page | use | memslots | vs trap, measured | vs trap, projected | why |\n"
				"| --- | --- | --- | --- | --- | --- | --- | --- |\n");
			any = true;
		}
		bb_rep_recommend(r, i, j - 1, &o);
		bb_rep_label(r, g, dev, sizeof(dev));
		bb_rep_page_name(g->page_size, pg, sizeof(pg));
		if (o.kind == BB_REC_UNTESTED)
			fprintf(f, "| %s | %" PRIu32 " | %s | - | - | - | - | %zu repetitions: too few to test |\n", dev,
				g->region, pg, o.v.least);
		else if (o.kind == BB_REC_NO_TRAP)
			fprintf(f, "| %s | %" PRIu32 " | %s | %s | %" PRIu32 " | - | - | %s; no `trap` run to compare "
				"with |\n", dev, g->region, pg, o.v.pick->first->policy, o.v.pick->memslots,
				o.v.best ? "best" : "the fewest memslots among the tied");
		else if (o.kind != BB_REC_NONE)
			rec_cells(&o, a, sizeof(a), b, sizeof(b), why, sizeof(why));
		/* nothing a VMM can map helps: say trap, whichever tied policy has 0 memslots */
		if (o.kind == BB_REC_TRAPS)
			fprintf(f, "| %s | %" PRIu32 " | %s | trap (all alike) | 0 | %s | %s | %s |\n", dev, g->region, pg, a,
				b, why);
		else if (o.kind == BB_REC_MAPS)
			fprintf(f, "| %s | %" PRIu32 " | %s | %s | %" PRIu32 " | %s | %s | %s |\n", dev, g->region, pg,
				o.v.pick->first->policy, o.v.pick->memslots, a, b, why);
		i = j;
	}
	if (any)
		fprintf(f, "\n");
	for (size_t q = 0; w->have_figs && q < w->nfigs; q++)
		overview |= !strcmp(w->figs[q].name, "overview");
	if (any && overview)
		fprintf(f, "![overview: the recommended policy's speed-up over trap per device region and page size, "
			"measured and projected](figures/overview.png)\n\n");
}

/* One runner x workload: how its groups came out, and whether each picks what the hot path picks. */
static void coverage_row(FILE *f, struct rep *r, unsigned folder, const char *runner, const char *workload)
{
	unsigned groups = 0, n[5] = { 0 }, same = 0, compared = 0;
	bool hot = bb_rep_headline(runner, workload);

	for (size_t i = 0; i < r->cfg.n;) {
		const struct bb_rec *g = r->sorted[i]->first;
		struct recommend o, h;
		size_t j = i;

		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, g, true, true))
			j++;
		if (g->folder != folder || strcmp(g->runner, runner) || strcmp(g->workload, workload)) {
			i = j;
			continue;
		}
		groups++;
		bb_rep_recommend(r, i, j - 1, &o);
		n[o.kind]++;
		/* the hot path's group of the same device region and page, if it ran */
		for (size_t k = 0; !hot && (o.kind == BB_REC_MAPS || o.kind == BB_REC_TRAPS) && k < r->cfg.n;) {
			const struct bb_rec *x = r->sorted[k]->first;
			size_t e = k;

			while (e < r->cfg.n && bb_rep_same_group(r->sorted[e]->first, x, true, true))
				e++;
			if (x->folder == g->folder && bb_rep_headline(x->runner, x->workload) &&
			    !strcmp(x->device, g->device) && x->region == g->region && x->page_size == g->page_size) {
				bb_rep_recommend(r, k, e - 1, &h);
				if (h.kind == BB_REC_MAPS || h.kind == BB_REC_TRAPS) {
					compared++;
					same += h.kind == o.kind && (o.kind == BB_REC_TRAPS ||
								     !strcmp(h.v.pick->first->policy, o.v.pick->first->policy));
				}
				break;
			}
			k = e;
		}
		i = j;
	}
	fprintf(f, "| %s%s%s | `%s` | %u | %u | %u | %u | %u | ", runner, r->nfolders > 1 ? " @ " : "",
		r->nfolders > 1 ? r->hosts[folder] : "", workload, groups, n[BB_REC_MAPS], n[BB_REC_TRAPS],
		n[BB_REC_UNTESTED], n[BB_REC_NO_TRAP] + n[BB_REC_NONE]);
	if (hot)
		fprintf(f, "(the table above) |\n");
	else if (compared)
		fprintf(f, "%u of %u |\n", same, compared);
	else
		fprintf(f, "- |\n");
}

/*
 * Every runner and workload the folder holds, each in one row: its groups
 * (device region x page size), how many have a policy faster than trap by
 * the statistics, how many trap under every policy, how many could not be
 * tested or had nothing to compare with, and how often its pick is the hot
 * path's.  Then what did not run, with its reasons.
 */
static void coverage(FILE *f, struct rep *r)
{
	char seen[64][340];
	unsigned ns = 0;

	fprintf(f, "## Every runner and workload\n\n"
		"Per runner and workload, its groups (device region x page size): how many have a policy faster than "
		"`trap` by the statistics (`maps`), how many trap under every policy a VMM can use (`traps`), how many "
		"had too few repetitions to test, or no `trap` run (or only `full`) to compare with; and in how many "
		"groups it recommends what the hot path's row above recommends. Verdicts per group: *What the study "
		"found*; per configuration: [details.md](details.md) and `summary.json`.\n\n"
		"| runner | workload | groups | maps | traps | untested | nothing to compare | same pick as the hot path |\n"
		"| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < r->cfg.n; i++) {
		const struct bb_rec *g = r->sorted[i]->first;
		char key[340];
		unsigned k;

		snprintf(key, sizeof(key), "%u|%s|%s", g->folder, g->runner, g->workload);
		for (k = 0; k < ns && strcmp(seen[k], key); k++)
			;
		if (k < ns || ns == 64)
			continue;
		bb_strcpy(seen[ns++], sizeof(seen[0]), key);
		coverage_row(f, r, g->folder, g->runner, g->workload);
	}
	if (!ns)
		fprintf(f, "| - | - | 0 | | | | | |\n");
	fprintf(f, "\n");
	skipped_md(f, r);
}

/* What summary() counts over its groups. */
struct sum_state {
	unsigned best, tied, untested, parts;
	bool any_layout_ns, any_default_ns, any_given_ns;
	char fast_pg[32], slow_pg[32];	/* a page size where the pick beats trap, one where every policy traps */
};

/* One page size of a group (configurations @k .. @e - 1) appended to its bullet @line. */
static void summary_page(struct rep *r, size_t k, size_t e, char *line, size_t size, struct sum_state *st)
{
	const struct bb_rec *g = r->sorted[k]->first;
	const struct bb_config *tr, *sp;
	struct recommend o;
	struct verdict v;
	char pg[32], a[48], b[48], q[48];
	size_t n = strlen(line);

	bb_rep_recommend(r, k, e - 1, &o);	/* the one answer: with every usable policy trapping, trap */
	v = o.v;
	tr = o.trap;
	sp = bb_rep_find_policy(r, k, e - 1, "sparse");
	bb_rep_page_name(g->page_size, pg, sizeof(pg));
	if (!v.lowest) {
		snprintf(line + n, size - n, "%s at %s pages only `full` ran", st->parts ? ";" : "", pg);
		st->parts++;
		return;
	}
	if (!v.testable) {
		/* too few repetitions for any test to order two policies: no verdict */
		st->untested++;
		snprintf(line + n, size - n, "%s at %s pages the lowest median is %s's (%s)%s%s%s; "
			 "with %zu repetition%s no ordering can be tested (at least 4 are needed)",
			 st->parts ? ";" : "", pg, v.lowest->first->policy, bb_rep_med(a, sizeof(a), v.lowest),
			 tr && tr != v.lowest ? ", trap's " : "", tr && tr != v.lowest ? bb_rep_med(q, sizeof(q), tr) : "",
			 "", v.least, v.least == 1 ? "" : "s");
		st->parts++;
		return;
	}
	if (v.best) {
		st->best++;
		char iv[64], bounds[80];

		bb_format_ns_bare(b, sizeof(b), v.pick->ci_lo_ns, v.pick->resolution_ns);
		bb_format_ns_bare(q, sizeof(q), v.pick->ci_hi_ns, v.pick->resolution_ns);
		if (strcmp(b, q))
			snprintf(bounds, sizeof(bounds), "%s, %s", b, q);
		else
			snprintf(bounds, sizeof(bounds), "%s", b);
		snprintf(line + n, size - n, "%s at %s pages **%s is best** (p50 %s, %s [%s])", st->parts ? ";" : "", pg,
			 v.pick->first->policy, bb_rep_med(a, sizeof(a), v.pick), bb_rep_interval_name(iv, sizeof(iv), v.pick),
			 bounds);
	} else {
		const struct bb_config *top = v.lowest;
		size_t m;

		st->tied++;
		snprintf(line + n, size - n, "%s at %s pages ", st->parts ? ";" : "", pg);
		for (unsigned t = 0; t < v.ntied; t++) {
			m = strlen(line);
			snprintf(line + m, size - m, "%s%s", t ? (t + 1 == v.ntied ? " and " : ", ") : "",
				 v.tied[t]->first->policy);
		}
		for (unsigned t = 0; t < v.ntied; t++)
			if (v.tied[t]->p50_ns > top->p50_ns)
				top = v.tied[t];
		bb_rep_med(a, sizeof(a), v.lowest);
		bb_rep_med(b, sizeof(b), top);
		m = strlen(line);
		snprintf(line + m, size - m, " are **tied** (p50 %s%s%s: the intervals overlap or "
			 "differ by less than the resolution)", a, strcmp(a, b) ? " to " : "", strcmp(a, b) ? b : "");
		m = strlen(line);
		if (o.kind == BB_REC_TRAPS)
			snprintf(line + m, size - m, "; take **trap** (none of them is told apart from it)");
		else
			snprintf(line + m, size - m, "; take **%s**, the tied policy with the fewest memslots (%" PRIu32
				 ")", v.pick->first->policy, v.pick->memslots);
	}
	st->parts++;
	n = strlen(line);
	/* against trap, and against what VMMs do today */
	if (o.kind == BB_REC_TRAPS) {
		/* the verdict's answer (analysis/verdict.c): trap, as in the table and summary.json */
		snprintf(line + n, size - n, ": every policy a VMM can use traps here alike");
		if (!st->slow_pg[0])
			snprintf(st->slow_pg, sizeof(st->slow_pg), "%s", pg);
	} else if (tr && tr != v.pick) {
		if (!bb_rep_separated(r, v.pick, tr)) {
			/* the fastest is apart from trap, the tied pick with fewer memslots is not */
			snprintf(line + n, size - n, ", not told apart from `trap` (%s) itself",
				 bb_rep_med(q, sizeof(q), tr));
		} else {
			if (!st->fast_pg[0] && v.pick->p50_ns < tr->p50_ns)
				snprintf(st->fast_pg, sizeof(st->fast_pg), "%s", pg);
			snprintf(line + n, size - n, ", %s faster than `trap` (%s)",
				 bb_format_ratio(a, sizeof(a), tr->p50_ns, v.pick->p50_ns,
						 v.pick->resolution_ns > 0 ? v.pick->resolution_ns : 0.1),
				 bb_rep_med(q, sizeof(q), tr));
		}
	}
	n = strlen(line);
	if (sp && sp != v.pick && bb_rep_vmm_usable(v.pick)) {
		if (bb_rep_separated(r, v.pick, sp) && v.pick->p50_ns < sp->p50_ns)
			snprintf(line + n, size - n, ", %s faster than `sparse` (what VMMs do)",
				 bb_format_ratio(a, sizeof(a), sp->p50_ns, v.pick->p50_ns,
						 v.pick->resolution_ns > 0 ? v.pick->resolution_ns : 0.1));
		else if (v.pick->memslots < sp->memslots)
			snprintf(line + n, size - n, ", as fast as `sparse` (within the statistics) "
				 "with %" PRIu32 " memslot%s instead of %" PRIu32, v.pick->memslots,
				 v.pick->memslots == 1 ? "" : "s", sp->memslots);
	}
	/* what a real device would see: the emulated mapped path is a cached load, a BAR access is not */
	n = strlen(line);
	if (tr && tr != v.pick && bb_rep_headline_runner(g->runner)) {
		enum bb_ns_source src;
		double dn = bb_rep_device_ns(r, v.pick, &src), ov = bb_rep_trap_overhead(r, k, e - 1, tr);
		double pp = bb_rep_projected(v.pick, dn, ov), pt = bb_rep_projected(tr, dn, ov);

		st->any_layout_ns |= src == BB_NS_LAYOUT;
		st->any_default_ns |= src == BB_NS_DEFAULT;
		st->any_given_ns |= src == BB_NS_GIVEN;
		snprintf(line + n, size - n, " [projected on a device of %.0f ns per access (%s): %.0f ns "
			 "vs trap's %.0f ns, %.1fx]", dn, bb_rep_ns_source(src, v.pick), pp, pt, pt / pp);
	}
}

/*
 * The summary's line from plans.csv's hot-trapped rows (written by the study
 * from bb_layout_reg_on_must_trap_page()): per page size, the devices whose
 * hot registers share a page with the MSI-X table or PBA.
 */
void bb_rep_hot_trapped(struct rep *r, const struct plan_row *pl, size_t npl)
{
	uint64_t done = 0;

	r->hot_trapped[0] = '\0';
	for (;;) {
		uint64_t page = UINT64_MAX;
		size_t n = strlen(r->hot_trapped);
		unsigned devs = 0;

		/* the next page size with such rows, in increasing order */
		for (size_t k = 0; k < npl; k++)
			if (!strcmp(pl[k].mode, "hot-trapped") && pl[k].page > done && pl[k].page < page)
				page = pl[k].page;
		if (page == UINT64_MAX)
			return;
		done = page;
		snprintf(r->hot_trapped + n, sizeof(r->hot_trapped) - n, "%s**At %" PRIu64 " KiB pages hot registers "
			 "trap under every policy a VMM can use** (they share a page with the MSI-X table or PBA): ",
			 n ? " " : "", page >> 10);
		for (size_t k = 0; k < npl; k++) {
			char dev[128];

			if (strcmp(pl[k].mode, "hot-trapped") || pl[k].page != page)
				continue;
			n = strlen(r->hot_trapped);
			bb_rep_short_dev(pl[k].device, dev, sizeof(dev));
			snprintf(r->hot_trapped + n, sizeof(r->hot_trapped) - n, "%s%s (%s in region %" PRIu32 ")",
				 devs++ ? ", " : "", dev, pl[k].params + (strncmp(pl[k].params, "hot=", 4) ? 0 : 4),
				 pl[k].region);
		}
		n = strlen(r->hot_trapped);
		snprintf(r->hot_trapped + n, sizeof(r->hot_trapped) - n, ".");
	}
}

/* After the bullets: the counts, what speed-ups mean, the projection's assumptions, what was skipped. */
static void summary_notes(FILE *f, const struct rep *r, const struct sum_state *st, unsigned bullets)
{
	if (!bullets)
		fprintf(f, "- No runs in this folder.\n");
	if (r->hot_trapped[0])
		fprintf(f, "\n%s Which they are and what moving them gains: `barbench advise LAYOUT` and the advise "
			"section.\n", r->hot_trapped);
	if (st->untested)
		fprintf(f, "\n%u group%s had too few repetitions to test.", st->untested, st->untested == 1 ? "" : "s");
	fprintf(f, "\n%u verdict%s name a best policy, %u find policies tied. `full` maps the MSI-X table and PBA the "
		"VMM must emulate: it is shown in the tables as the upper bound and never named. Speed-ups compare medians "
		"of the per-run medians on the same region, page size, runner and workload; a median below its resolution "
		"makes the speed-up a bound (`> N x`).\n\n", st->best, st->best == 1 ? "" : "s", st->tied);
	fprintf(f, "**Emulated speed-ups are not device speed-ups.** The emulated device's mapped path is a cached "
		"load from memory; a real BAR access is an uncached round trip over PCIe, and a trapped one pays that "
		"plus the trap. The bracketed projections give what a device would see: a mapped access costs the "
		"device's access time, a trapped one that plus the trap overhead measured here (trap's median less "
		"that of the fastest policy that trapped nothing). ");
	if (st->any_given_ns || st->any_layout_ns || st->any_default_ns)
		fprintf(f, "Each projection names where its device access time comes from:");
	if (st->any_given_ns)
		fprintf(f, " `(--device-read-ns)`, `(--device-write-ns)`: given to `barbench report` (%.0f ns reads, "
			"%.0f ns writes), which wins over a layout's;", r->dev_read_ns, r->dev_write_ns);
	if (st->any_layout_ns)
		fprintf(f, " `(layout)`: the device's layout states it (`read_ns=`, `write_ns=`, with its `ns-source=`);");
	if (st->any_default_ns)
		fprintf(f, " `(pcie-bench default)`: %.0f ns where neither gives one (%s; writes assumed alike, though "
			"posted writes may cost the CPU less);", BB_DEVICE_ACCESS_NS, BB_DEVICE_ACCESS_SOURCE);
	if (st->any_given_ns || st->any_layout_ns || st->any_default_ns)
		fprintf(f, " the recommendation table's projected column says the same. ");
	fprintf(f, "Projections are computed, not measured.\n\n");
	fprintf(f, "These verdicts are measured, on the machine this folder names. `barbench check` judges the same layouts statically "
		"(memslots, hot registers that trap, must-trap ranges exposed) and can name another policy where the "
		"measured difference lies within the statistics, or where a hot register's cost depends on the device "
		"more than on the machine; where they differ, the measurement holds for that machine and `check` for "
		"the plans.\n\n");
}

static void summary(FILE *f, struct rep *r)
{
	struct sum_state st = { 0 };
	unsigned bullets = 0;
	size_t i = 0;

	fprintf(f, "## What the study found\n\n");
	fprintf(f, "Per device region, runner and workload, and per host page size: the policy a VMM should use. A "
		"policy is named **best** only when its median's interval (a 95%% CI from 6 repetitions on; with 4 or 5 "
		"the [min, max] range, which covers the median 87.5%% or 93.8%% of the time) lies below that of every "
		"other policy a VMM can use, a Mann-Whitney U test on the repetitions' medians gives p < 0.05 (which needs at least 4 "
		"repetitions) and the difference exceeds the timer's resolution; otherwise the policies are **tied** and "
		"the tied one with the fewest memslots is recommended (among equals, the fewest host mappings, then the "
		"lowest median). Figures below the resolution they were measured "
		"with read `< R ns`.\n\n");
	while (i < r->cfg.n) {
		const struct bb_rec *g = r->sorted[i]->first;
		size_t j = i;
		char dev[128], line[4096] = "";

		/* one device, region, runner, workload; its page sizes in order */
		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, g, false, true))
			j++;
		bb_rep_label(r, g, dev, sizeof(dev));
		snprintf(line, sizeof(line), "- **%s region %" PRIu32 "**, `%s`, %s runner:", dev, g->region, g->workload,
			 g->runner);
		st.parts = 0;
		st.fast_pg[0] = st.slow_pg[0] = '\0';
		for (size_t k = i; k < j;) {
			size_t e = k;

			while (e < j && r->sorted[e]->first->page_size == r->sorted[k]->first->page_size)
				e++;
			summary_page(r, k, e, line, sizeof(line), &st);
			k = e;
		}
		if (st.fast_pg[0] && st.slow_pg[0]) {
			size_t n = strlen(line);

			snprintf(line + n, sizeof(line) - n, ". **The page size changes the answer**: at %s pages the "
				 "accesses trap under every policy a VMM can use, at %s pages they need not", st.slow_pg,
				 st.fast_pg);
		}
		fprintf(f, "%s.\n", line);
		bullets++;
		i = j;
	}
	summary_notes(f, r, &st, bullets);
}

static int cmp_abs(const void *a, const void *b)
{
	double x = fabs(*(const double *)a), y = fabs(*(const double *)b);

	return x < y ? -1 : x > y;
}

/*
 * What the errors above say, from this folder's figures only: their sign
 * (the model predicting more time than was measured, or less), and how far
 * the pure trapped path itself moved between repetitions of one
 * configuration (max / min of the repetitions' medians of host `lat-read`
 * runs that trap every access): the model was calibrated once, before the
 * runs.  @e: room for one figure per configuration.
 */
static void model_why(FILE *f, struct rep *r, double *e)
{
	size_t n = 0, nd = 0;
	double med, *drift = malloc((r->cfg.n ? r->cfg.n : 1) * sizeof(*drift));

	for (size_t k = 0; k < r->cfg.n; k++)
		if (!isnan(r->cfg.v[k].model_error))
			e[n++] = r->cfg.v[k].model_error;
	if (!n) {
		free(drift);
		return;
	}
	bb_sort_doubles(e, n);
	med = bb_percentile(e, n, 50);
	for (size_t k = 0; drift && k < r->cfg.n; k++) {
		const struct bb_config *c = &r->cfg.v[k];
		size_t a = r->cfg.rep_start[k], b = r->cfg.rep_start[k + 1];
		double lo = INFINITY, hi = 0;

		if (b - a < 2 || c->trapped_share < 1 || strcmp(c->first->runner, "host") ||
		    strcmp(c->first->workload, "lat-read"))
			continue;
		for (size_t i = a; i < b; i++) {
			lo = fmin(lo, r->cfg.rep_p50[i]);
			hi = fmax(hi, r->cfg.rep_p50[i]);
		}
		if (lo > 0)
			drift[nd++] = hi / lo;
	}
	fprintf(f, "\nThe median error over all %zu configurations is %+.0f%% (%s). ", n, 100 * med,
		med < 0 ? "the model predicts more time per access than was measured" :
		"the model predicts less time per access than was measured");
	if (nd) {
		bb_sort_doubles(drift, nd);
		fprintf(f, "Each region's model was calibrated once, before its runs, while the paths it measures moved "
			"during the study: between the repetitions of one configuration, the median of a host "
			"`lat-read` that traps every access varied by up to %.2fx in this folder (median %.2fx over "
			"%zu configuration%s). ", drift[nd - 1], drift[nd / 2], nd, nd == 1 ? "" : "s");
	}
	fprintf(f, "A page sweep over a large region also pays TLB misses and first touches that the pure-path "
		"calibration (a few hot registers) never sees.\n\n");
	free(drift);
}

/* How well the cost model predicted the runs: per workload, the spread of |error|. */
static void model_summary(FILE *f, struct rep *r)
{
	static const char *const wls[] = { "lat-read", "lat-write", "mix", "doorbell", "stream-read", "stream-write",
					   "sweep", NULL };
	double *e = malloc((r->cfg.n ? r->cfg.n : 1) * sizeof(*e));
	size_t all = 0, unresolved = 0;

	if (!e)
		return;
	for (size_t k = 0; k < r->cfg.n; k++) {
		const struct bb_config *c = &r->cfg.v[k];

		all += !isnan(c->model_error);
		/* a prediction, but a mean below the resolution to hold it against (analysis/runs.c) */
		unresolved += isnan(c->model_error) && c->predicted_ns >= 0 && c->tmean_ns < c->resolution_ns;
	}
	if (!all) {
		free(e);
		return;
	}
	fprintf(f, "## The cost model\n\nEach region's cost model was calibrated with the host runner on its own pure "
		"paths (mapped and trapped reads and writes; `costs.txt`) and predicts the mean time per access of every "
		"host run from the plan and the workload's accesses. Error = (measured mean of the samples at or below p99 - predicted) / "
		"measured, per configuration (goal: within 10%%).");
	if (unresolved)
		fprintf(f, " %zu configuration%s with a mean below the timer's resolution %s left out: such a mean is no "
			"measurement to hold a prediction against.", unresolved, unresolved == 1 ? "" : "s",
			unresolved == 1 ? "is" : "are");
	fprintf(f, "\n\n");
	fprintf(f, "| workload | configurations | median abs error | within 10%% | worst |\n| --- | --- | --- | --- | --- |\n");
	for (int w = 0; wls[w]; w++) {
		size_t n = 0, in10 = 0;

		for (size_t k = 0; k < r->cfg.n; k++) {
			const struct bb_config *c = &r->cfg.v[k];

			if (isnan(c->model_error) || strcmp(c->first->workload, wls[w]))
				continue;
			e[n++] = c->model_error;
			in10 += fabs(c->model_error) <= 0.10;
		}
		if (!n)
			continue;
		qsort(e, n, sizeof(*e), cmp_abs);
		fprintf(f, "| %s | %zu | %.1f%% | %zu (%.0f%%) | %+.0f%% |\n", wls[w], n, 100 * fabs(e[n / 2]), in10,
			100.0 * (double)in10 / (double)n, 100 * e[n - 1]);
	}
	model_why(f, r, e);
	free(e);
}

static void advise_section(FILE *f, const struct adv_row *a, size_t n, bool have_figs)
{
	size_t best[256], nb;

	if (!n)
		return;
	nb = bb_rep_advise_best(a, n, best, 256);
	fprintf(f, "## What a hardware vendor could change (`barbench advise`)\n\n"
		"For each layout change, the policy and page size where it helps most: the time per access the cost "
		"model predicts and the emulated device measured, before and after, and the memslots it takes. "
		"`advise.csv` has every change x page size x policy.\n\n");
	fprintf(f, "| layout | change | policy | page | predicted ns (before -> after) | measured ns (before -> after) | "
		"memslots |\n| --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t k = 0; k < nb; k++) {
		const struct adv_row *x = &a[best[k]];
		char pg[32];

		bb_rep_page_name(x->page, pg, sizeof(pg));
		if (x->pg <= 0.01 * x->pb)
			fprintf(f, "| %s | %s | - | - | no predicted gain at any page size or policy | | |\n", x->layout,
				x->change);
		else
			fprintf(f, "| %s | %s | %s | %s | %.1f -> %.1f (%+.0f%%) | %.1f -> %.1f (%+.0f%%) | %" PRIu32 " -> %" PRIu32
				" |\n", x->layout, x->change, x->policy, pg, x->pb, x->pa, x->pb > 0 ? -100 * x->pg / x->pb : 0,
				x->mb, x->ma, x->mb > 0 ? -100 * x->mg / x->mb : 0, x->sb, x->sa);
	}
	fprintf(f, "\n");
	if (have_figs)
		fprintf(f, "![advise](figures/advise.png)\n\n");
}

/* Title and provenance, and the warning a VM's figures need. */
static void header_md(FILE *f, const struct rep *r, const char *what)
{
	fprintf(f, "# barbench report%s%s%s\n\n", r->study[0] ? ": " : "", r->study, what);
	if (r->no_manifest[0])
		fprintf(f, "Results folder of %zu runs in %zu configurations. Its manifest could not be read (%s): "
			"the machine, the build and the date they were measured with are unknown, and so is whether "
			"the study was complete.\n\n", r->recs.n, r->cfg.n, r->no_manifest);
	else
		fprintf(f, "Results folder of %zu runs in %zu configurations%s. Made %s on `%s` (%s, kernel %s), "
			"barbench %.12s.\n\n", r->recs.n, r->cfg.n, r->complete ? "" : " (**incomplete**: the study "
			"was interrupted; `barbench study --resume` finishes it)", r->date[0] ? r->date : "(no date)",
			r->host, r->cpu, r->kernel, r->commit[0] ? r->commit : "unknown");
	if (r->nfolders > 1) {
		/* a fleet: the host is a dimension of every table and figure below */
		fprintf(f, "Merged from %zu results folders, one per host; the host follows each device's name "
			"(`device @ host`), and no statistic pools two hosts:", r->nfolders);
		for (size_t k = 0; k < r->nfolders; k++)
			fprintf(f, "%s `%s`", k ? "," : "", r->hosts[k]);
		fprintf(f, ". The header's facts are the first folder's; `manifest.json` of each folder has its own.\n\n");
	}
	if (r->hyper[0])
		fprintf(f, "> **Read these figures with care.** They were measured inside a virtual machine "
			"(hypervisor `%s`): host-runner latencies include its overheads%s.\n\n", r->hyper,
			!strcmp(r->guest_exec, "emulated") ? ", and the guest runner's guest executed under "
			"instruction emulation (nested KVM without hardware support): **guest figures are not "
			"representative of bare metal**, only their exit counts and relative order are" : "");
	else if (!strcmp(r->guest_exec, "emulated"))
		fprintf(f, "> Guest runs executed under instruction emulation: guest figures are not representative of "
			"bare metal.\n\n");
}

/*
 * A table's interval header, as honest as its rows: "[95% CI]" where every
 * row's covers 95%; where none does and all have the same repetitions,
 * "[range of N repetitions, X% coverage]"; else "[95% CI, or range where
 * marked]" and each row below 95% marks its own (config_row: *@mark).
 */
static const char *interval_header(const struct rep *r, size_t k, size_t e, char *buf, size_t len, bool *mark)
{
	size_t below = 0;
	bool same = true;

	for (size_t c = k; c < e; c++) {
		below += r->sorted[c]->ci_level < BB_CI_LEVEL;
		same &= r->sorted[c]->nreps == r->sorted[k]->nreps;
	}
	*mark = false;
	if (!below) {
		snprintf(buf, len, "[95%% CI]");
	} else if (below == e - k && same) {
		char iv[64];

		snprintf(buf, len, "[%s]", bb_rep_interval_name(iv, sizeof(iv), r->sorted[k]));
	} else {
		snprintf(buf, len, "[%s]", below == e - k ? "interval as marked" : "95% CI, or range where marked");
		*mark = true;
	}
	return buf;
}

/*
 * One configuration's row of its table; @mark: name an interval that is
 * not a 95% one in the cell (a table of mixed repetitions).  Every latency below the
 * resolution it was measured with is the bound "< R" (bb_format_ns_bare,
 * as everywhere barbench prints one), the mean too; a model error from such
 * a mean means nothing and reads "-".
 */
static void config_row(FILE *f, const struct bb_config *x, bool mark)
{
	double res = x->resolution_ns;
	char p50[32], lo[32], hi[32], p99[32], p999[32], mean[32];

	bb_format_ns_bare(p50, sizeof(p50), x->p50_ns, res);
	bb_format_ns_bare(lo, sizeof(lo), x->ci_lo_ns, res);
	bb_format_ns_bare(hi, sizeof(hi), x->ci_hi_ns, res);
	bb_format_ns_bare(p99, sizeof(p99), x->p99_ns, res);
	bb_format_ns_bare(p999, sizeof(p999), x->p999_ns, res);
	bb_format_ns_bare(mean, sizeof(mean), x->tmean_ns, res);
	fprintf(f, "| %s%s%s | %s", x->first->policy, x->first->params[0] ? " " : "", x->first->params, p50);
	if (x->nreps < 2)
		;	/* one repetition: no interval */
	else if (!strcmp(lo, hi))
		fprintf(f, " [%s]", lo);
	else
		fprintf(f, " [%s, %s]", lo, hi);
	if (mark && x->ci_level < BB_CI_LEVEL) {
		char iv[64];

		fprintf(f, " (%s)", bb_rep_interval_name(iv, sizeof(iv), x));
	}
	fprintf(f, " | ");
	fprintf(f, "%s | %s | ", p99, p999);
	if (x->speedup_vs_trap > 0)
		fprintf(f, "%s%.1fx", x->speedup_is_bound ? "> " : "", x->speedup_vs_trap);
	else
		fprintf(f, "-");
	fprintf(f, " | %.0f%% | %" PRIu32 " | %" PRIu32 " | %.0f | %s | ", 100 * x->trapped_share, x->memslots,
		x->mappings, x->setup_ns, mean);
	if (x->predicted_ns >= 0)
		fprintf(f, "%.1f | ", x->predicted_ns);
	else
		fprintf(f, "- | ");
	if (!isnan(x->model_error))
		fprintf(f, "%+.0f%% | %zu |\n", 100 * x->model_error, x->nreps);
	else
		fprintf(f, "- | %zu |\n", x->nreps);
}

/* One device region and runner: a table per workload and page size, each followed by its CDF, then bars and page maps. */
/*
 * @s as one Markdown code span, whatever it holds (runs.csv's device is any
 * printable text): fenced with one backtick more than its longest run of
 * them, padded where it starts or ends with one (CommonMark 6.1), so a
 * backtick cannot close the span and what follows (HTML, a heading) stays
 * text.
 */
static void md_code(FILE *f, const char *s)
{
	size_t run = 0, longest = 0, n = strlen(s);
	bool pad = n && (s[0] == '`' || s[n - 1] == '`');

	for (const char *c = s; *c; c++) {
		run = *c == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t k = 0; k <= longest; k++)
		fputc('`', f);
	fprintf(f, "%s%s%s", pad ? " " : "", s, pad ? " " : "");
	for (size_t k = 0; k <= longest; k++)
		fputc('`', f);
}

static void details_section(FILE *f, const struct writer_arg *w, size_t i, size_t j, size_t *fi)
{
	struct rep *r = w->r;
	const struct bb_rec *g = r->sorted[i]->first;
	char dev[128];

	bb_rep_label(r, g, dev, sizeof(dev));
	fprintf(f, "## %s region %" PRIu32 ", %s runner\n\n", dev, g->region, g->runner);
	md_code(f, g->device);
	fputs("\n\n", f);
	for (size_t k = i; k < j;) {
		const struct bb_rec *h = r->sorted[k]->first;
		size_t e = k;
		char pg[32], hd[96];
		bool mark;

		while (e < j && r->sorted[e]->first->page_size == h->page_size &&
		       !strcmp(r->sorted[e]->first->workload, h->workload))
			e++;
		bb_rep_page_name(h->page_size, pg, sizeof(pg));
		fprintf(f, "### %s, %s pages\n\n", h->workload, pg);
		fprintf(f, "| policy | p50_ns %s | p99_ns | p999_ns | speed-up vs trap | trapped | memslots | "
			"mappings | setup_ns | mean_ns (<= p99) | predicted_ns | model error | reps |\n",
			interval_header(r, k, e, hd, sizeof(hd), &mark));
		fprintf(f, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
		for (size_t c = k; c < e; c++)
			config_row(f, r->sorted[c], mark);
		fprintf(f, "\n");
		for (; *fi < w->nfigs && w->figs[*fi].after <= e - 1; (*fi)++)
			if (w->have_figs)
				fprintf(f, "![%s](figures/%s.png)\n\n", w->figs[*fi].name, w->figs[*fi].name);
		k = e;
	}
	/* this section's bars and page maps */
	for (size_t q = 0; w->have_figs && q < w->nfigs; q++) {
		const struct fig *x = &w->figs[q];

		if (!x->device || strcmp(x->device, g->device) || x->region != g->region)
			continue;
		if (x->runner ? !strcmp(x->runner, g->runner) : bb_rep_headline_runner(g->runner))
			fprintf(f, "![%s](figures/%s.png)\n\n", x->name, x->name);
	}
}
/* Figures over the per-kind limits of a huge folder (figures.c): counted, never silently missing. */
static void figs_left_note(FILE *f, const struct rep *r)
{
	if (r->figs_left)
		fprintf(f, "> Figures: %zu not drawn: a report draws at most %d latency CDFs, %d bar charts and %d "
			"page maps, in report order; the tables and `summary.json` hold every configuration.\n\n",
			r->figs_left, BB_REP_MAX_CDFS, BB_REP_MAX_BARS, BB_REP_MAX_PAGEMAPS);
}

/* Figures pngquant did not turn into palette PNGs: larger, the same to the eye; why, when it is known. */
static void palette_note(FILE *f, const struct writer_arg *w)
{
	const struct rep *r = w->r;

	if (!w->have_figs || !r->pq_left)
		return;
	fprintf(f, "> Figures: %zu of %zu are gnuplot's truecolour PNGs, not 8-bit palette ones (the same to the eye, "
		"about 1.5x the bytes): %s.\n\n", r->pq_left, r->pq_total,
		r->pq_missing ? "pngquant is not installed (apt-get install pngquant, then barbench report DIR)"
			      : "pngquant failed on them, was late, or wrote no whole PNG");
}


int bb_rep_write_details(FILE *f, void *arg)
{
	const struct writer_arg *w = arg;
	struct rep *r = w->r;
	size_t i = 0, fi = 0;

	header_md(f, r, ", every configuration");
	fprintf(f, "What [report.md](report.md) concludes from, configuration by configuration: per device region and "
		"runner, a table per workload and host page size (the median over repetitions of each run's median "
		"with its interval (a 95%% CI, or with fewer than 6 repetitions the [min, max] range and its coverage, "
		"as each table's header says), p99 and p99.9, the speed-up over `trap`, the share of accesses trapped, "
		"memslots and mappings, setup time, the mean the cost model predicts and its prediction), each "
		"followed by the latency CDF of its policies, then the section's p50/p99 bars and page maps. A figure "
		"below the resolution it was measured with reads `< R`. `summary.json` has the same "
		"configurations, machine-readable.\n\n");
	if (!w->have_figs && w->gp_note)
		fprintf(f, "> Figures: %s\n\n", w->gp_note);
	palette_note(f, w);
	figs_left_note(f, r);
	while (i < r->cfg.n) {
		size_t j = i;

		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, r->sorted[i]->first, false, false))
			j++;
		details_section(f, w, i, j, &fi);
		i = j;
	}
	if (!r->cfg.n)
		fprintf(f, "No runs in this folder.\n");
	return ferror(f) ? -EIO : 0;
}

int bb_rep_write_md(FILE *f, void *arg)
{
	const struct writer_arg *w = arg;
	struct rep *r = w->r;

	header_md(f, r, "");
	recommendation(f, w);
	coverage(f, r);
	if (r->nmissing)
		fprintf(f, "> **%zu run%s of `runs.csv` %s no samples file** in `samples/` (%s%s): the tables come from "
			"`runs.csv` alone; latency CDFs and page sweeps are drawn without %s.\n\n", r->nmissing,
			r->nmissing == 1 ? "" : "s", r->nmissing == 1 ? "has" : "have", r->missing,
			r->nmissing > 5 ? ", ..." : "", r->nmissing == 1 ? "it" : "them");
	summary(f, r);
	model_summary(f, r);
	if (!w->have_figs && w->gp_note)
		fprintf(f, "> Figures: %s\n\n", w->gp_note);
	palette_note(f, w);
	figs_left_note(f, r);
	if (w->have_figs) {
		fprintf(f, "## Memslots and host mappings\n\n");
		for (size_t q = 0; q < w->nfigs; q++)
			if (!strncmp(w->figs[q].name, "slots-", 6))
				fprintf(f, "![%s](figures/%s.png)\n\n", w->figs[q].name, w->figs[q].name);
	}
	advise_section(f, w->adv, w->nadv, w->have_figs);
	fprintf(f, "## Method\n\n"
		"Each configuration (device, region, policy, page size, runner, workload) ran as several repetitions, "
		"interleaved. Per run, every sample is timed with `lfence; rdtsc; lfence` ... `rdtscp; lfence` (or "
		"`lfence; rdtsc; lfence` where the CPU lacks RDTSCP: `manifest.json` says which), minus the median "
		"cost of an empty timing pair, divided by the accesses it timed: one, or, where one access is shorter "
		"than 50 steps of the measured clock, as many serialised repetitions as make it span them "
		"(`batch_map`, `batch_trap` in `runs.csv`; batched workloads: whole batches); "
		"the tables of [details.md](details.md) give the median over repetitions of each run's median, with "
		"a non-parametric 95%% confidence interval from order statistics of the repetitions (binomial ranks; "
		"with fewer than six repetitions no pair of them reaches 95%%: the interval is then the [min, max] "
		"range, labelled `range` with the coverage it has, 1 - 2^(1-n): 87.5%% at 4); p99 and p99.9 are medians over "
		"repetitions. `trapped` is the share of accesses that went through the trap path. Raw data: "
		"`runs.csv`, `samples/`, `plans.csv`, `manifest.json`; `barbench report` rebuilds this file, "
		"`details.md`, `summary.json` and the figures from them.\n");
	return ferror(f) ? -EIO : 0;
}
