// SPDX-License-Identifier: MIT
/*
 * report.md, details.md, summary.json and figures, rebuilt from a results folder alone:
 * runs.csv, samples/, plans.csv, advise.csv and manifest.json.  Everything
 * is sorted by its meaning, not by the order runs happened, so a resumed
 * study and an uninterrupted one give the same tables.  The parts:
 * folder.c reads, verdict.c judges, figures.c draws, markdown.c and
 * summary.c write (report.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "manifest.h"

static int policy_rank(const char *p)
{
	static const char *const order[] = { "full", "holes", "sparse", "merged", "trap" };

	for (int i = 0; i < 5; i++)
		if (!strcmp(p, order[i]))
			return i;
	return 5;
}

static int cmp_cfg(const void *a, const void *b)
{
	const struct bb_rec *x = (*(struct bb_config *const *)a)->first, *y = (*(struct bb_config *const *)b)->first;
	int c;

	if ((c = strcmp(x->device, y->device)))
		return c;
	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	if (x->folder != y->folder)	/* the hosts of a merged report, in the order given */
		return x->folder < y->folder ? -1 : 1;
	if ((c = strcmp(x->runner, y->runner)))
		return -c;	/* host before guest */
	if ((c = strcmp(x->workload, y->workload)))
		return c;
	if (x->page_size != y->page_size)
		return x->page_size < y->page_size ? -1 : 1;
	if ((c = policy_rank(x->policy) - policy_rank(y->policy)))
		return c;
	if ((c = strcmp(x->policy, y->policy)))
		return c;
	return strcmp(x->params, y->params);
}

/* Every folder's runs.csv, one after the other, each row marked with its folder. */
static int read_runs(struct rep *r)
{
	size_t left = BB_RESULTS_MAX_FILE;	/* what every runs.csv together may hold */
	char path[4096];
	int err;

	for (size_t k = 0; k < r->nfolders; k++) {
		struct bb_recs one;
		struct bb_rec *nv;

		snprintf(path, sizeof(path), "%s/runs.csv", r->dirs[k]);
		err = bb_recs_read_within(path, &left, &one, r->d);
		if (err)
			return err;
		nv = realloc(r->recs.v, (r->recs.n + one.n + 1) * sizeof(*nv));
		if (!nv) {
			bb_recs_free(&one);
			return bb_diag_set(r->d, -ENOMEM, "out of memory");
		}
		r->recs.v = nv;
		for (size_t i = 0; i < one.n; i++) {
			one.v[i].folder = (unsigned)k;
			r->recs.v[r->recs.n++] = one.v[i];	/* its line moves with it */
		}
		free(one.v);
	}
	return 0;
}

/*
 * The folders read: their rows grouped and sorted, the manifests, and the
 * first folder's plans.csv and advise.csv (both optional; a study's plans
 * are the same on every host).
 */
static int load(struct rep *r, struct plan_row **pl, size_t *npl, struct adv_row **adv, size_t *nadv)
{
	int err = read_runs(r);

	if (err)
		return err;
	err = bb_configs_build(&r->recs, &r->cfg, r->d);
	if (err)
		return err;
	r->sorted = calloc(r->cfg.n ? r->cfg.n : 1, sizeof(*r->sorted));
	if (!r->sorted)
		return bb_diag_set(r->d, -ENOMEM, "out of memory");
	for (size_t k = 0; k < r->cfg.n; k++)
		r->sorted[k] = &r->cfg.v[k];
	qsort(r->sorted, r->cfg.n, sizeof(*r->sorted), cmp_cfg);
	bb_rep_read_manifest(r);
	err = bb_rep_find_missing(r);
	if (err)
		return err;
	/* plans.csv and advise.csv are optional; when there, they are read as strictly as runs.csv */
	err = bb_rep_read_plans(r->dirs[0], pl, npl, r->d);
	if (err && err != -ENOENT)
		return err;
	err = bb_rep_read_advise(r->dirs[0], adv, nadv, r->d);
	if (err && err != -ENOENT)
		return err;
	bb_rep_hot_trapped(r, *pl, *npl);
	bb_diag_clear(r->d);
	return 0;
}

int bb_report(const char *dir, const struct bb_report_opts *o, struct bb_diag *d)
{
	return bb_report_dirs(&dir, 1, dir, o, d);
}

int bb_report_dirs(const char *const *dirs, size_t n, const char *dir, const struct bb_report_opts *o,
		   struct bb_diag *d)
{
	struct rep r = { .dir = dir, .dirs = dirs, .nfolders = n, .rfd = -1, .d = d, .sgroup_err = 1 };
	struct plan_row *pl = NULL;
	struct adv_row *adv = NULL;
	struct fig *figs = NULL;
	size_t npl = 0, nadv = 0, nf = 0, cap;
	char path[4096];
	const char *gp_note = "not drawn (--no-figures)";
	bool have_figs = false;
	int err;

	r.dev_read_given = o && o->device_read_ns > 0;
	r.dev_write_given = o && o->device_write_ns > 0;
	r.svg = o && o->svg;
	r.opts = o;
	r.figure_data = o && o->figure_data;
	r.dev_read_ns = o && o->device_read_ns > 0 ? o->device_read_ns : BB_DEVICE_ACCESS_NS;
	r.dev_write_ns = o && o->device_write_ns > 0 ? o->device_write_ns : BB_DEVICE_ACCESS_NS;
	bb_diag_clear(d);
	if (!n || n > BB_RESULTS_MAX_FOLDERS)
		return bb_diag_set(d, -EINVAL, "report: 1 to %d results folders, not %zu", BB_RESULTS_MAX_FOLDERS, n);
	if (o && o->progress)
		o->progress(o->progress_arg, 0, 0, "reading the results");
	err = load(&r, &pl, &npl, &adv, &nadv);
	if (err)
		goto out;
	/* figures in report order: CDFs (placed after their group), then bars, page maps, slots */
	cap = 4 * r.cfg.n + 64;
	figs = calloc(cap, sizeof(*figs));
	if (!figs) {
		err = bb_diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	if (o && o->figures) {
		err = bb_rep_figures(&r, pl, npl, adv, nadv, figs, cap, &nf, &have_figs, &gp_note);
		if (err)
			goto out;
	}
	{
		struct writer_arg wa = { &r, figs, nf, have_figs, gp_note, adv, nadv };

		if (o && o->progress)
			o->progress(o->progress_arg, r.nfig + 1, r.nfig + 2, "report.md, details.md, summary.json");
		snprintf(path, sizeof(path), "%s/report.md", dir);
		err = bb_write_atomic(path, bb_rep_write_md, &wa, d);
		if (!err) {
			snprintf(path, sizeof(path), "%s/details.md", dir);
			err = bb_write_atomic(path, bb_rep_write_details, &wa, d);
		}
		if (!err) {
			snprintf(path, sizeof(path), "%s/summary.json", dir);
			err = bb_write_atomic(path, bb_rep_write_summary, &r, d);
		}
	}
	if (!err && r.nmissing)	/* a warning: the report is written */
		bb_diag_set(d, 0, "%zu run%s without a samples file in %s/samples (%s%s): see report.md", r.nmissing,
			    r.nmissing == 1 ? "" : "s", n > 1 ? "the folders'" : dir, r.missing, r.nmissing > 5 ? ", ..." : "");
out:
	free(figs);
	free(pl);
	free(adv);
	free(r.sorted);
	free(r.sbuf);
	free(r.sblk);
	bb_configs_free(&r.cfg);
	bb_recs_free(&r.recs);
	return err;
}
