// SPDX-License-Identifier: MIT
/*
 * barbench study: run a study file's matrix into a results folder, keeping
 * everything that finished whatever happens (runs.csv rewritten atomically
 * after every run; Ctrl-C/SIGTERM stop after the run in progress; kill -9
 * loses at most that run), then write the report.  --resume finishes only
 * what is missing.
 */
#include <fcntl.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "analysis.h"
#include "barbench/backend.h"
#include "guest.h"
#include "json.h"
#include "manifest.h"
#include "measure.h"
#include "parse.h"
#include "placement.h"
#include "profile.h"
#include "session.h"
#include "study.h"
#include "cli.h"
#include "options.h"
#include "layout_check.h"
#include "progress.h"
#include "barbench/timing.h"

#define MAX_TARGETS 128

enum { K_OUT = BB_OPT_KEY(0), K_RESUME, K_MAX_RUNS, K_NO_REPORT, K_NO_FIGURES, K_SVG, K_JSON };

static const struct bb_opt study_opts[] = {
	{ "out", K_OUT, "DIR", NULL, "the results folder (made when missing)" },
	{ "resume", K_RESUME, "DIR", NULL, "finish the study in DIR: run only what is missing, with\n"
					   "the study file DIR holds (FILE is not given then)" },
	{ "max-runs", K_MAX_RUNS, "N", "no limit", "stop after N runs, as if interrupted (run a study in slices)" },
	{ "no-report", K_NO_REPORT, NULL, NULL, "no report.md, figures or summary.json (barbench report DIR makes them)" },
	{ "no-figures", K_NO_FIGURES, NULL, NULL, "report.md and summary.json without the figures" },
	{ "svg", K_SVG, NULL, NULL, "an SVG beside each PNG figure" },
	{ "json", K_JSON, NULL, NULL, "print one JSON document instead of the results line: the folder, how\n"
				      "many runs, whether every one is in, and the paths of manifest.json,\n"
				      "runs.csv, report.md, details.md and summary.json (the verdicts:\n"
				      "docs/results.md);\n"
				      "printed whenever the manifest is written" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help study_help = {
	.cmd = "study",
	.synopsis = "FILE --out DIR [options]\n       barbench study --resume DIR [options]",
	.text = "Run the matrix a study file names (studies/README.md) into DIR: runs.csv,\n"
		"samples/, plans.csv, manifest.json, study.txt, then report.md and figures/.\n"
		"Interrupted (Ctrl-C, SIGTERM, kill): what finished is kept and the manifest says\n"
		"the study is incomplete; --resume DIR runs only what is missing. A run that\n"
		"fails is recorded in the manifest and the study goes on.\n"
		"\n"
		"Progress ([i/N], ETA, the run, then each figure) goes to standard error on a\n"
		"terminal (on a pipe only with --progress); the ETA counts the report's figures.\n",
	.operands = "  FILE     a study file (studies/default.study)\n",
	.opts = study_opts,
	.quiet = "results and errors only: no progress, no start line, no notes\n"
		 "(a region without a cost model, advise's changes that do not apply)",
	.exit = "0 every run in (or --max-runs reached), 1 a run or the folder failed\n"
		"(what finished is kept; --resume retries), 2 bad input, 128+N stopped by\n"
		"signal N (--resume finishes it).",
};

/* One (device, region) of the study, opened and described. */
struct target {
	char spec[320];
	char pub[320];			/* spec as the folder records it (bb_spec_public: no VF token) */
	char name[64];			/* the layout's name */
	struct bb_dev *dev;		/* shared by a device's regions */
	bool owns_dev;
	struct bb_region region;
	struct bb_range mt[2];
	unsigned nmt;
	struct bb_workload wl[BB_STUDY_MAX_LIST];
	char wl_why[BB_STUDY_MAX_LIST][BB_DIAG_MAX];
	struct bb_cost cost;		/* calibrated on this region: predicts every run of it */
	bool have_cost;
	struct bb_profile profile;	/* the layout's hotness: what budget optimises */
};

/* A run spec of the study matrix: its coordinates and id (bench/measure.h struct bb_run_spec is built from it). */
struct study_run {
	unsigned t, runner, page, pol, wl, rep;
	char id[200];
	bool seen;	/* resume: its row is in runs.csv already */
};

static int cmp_job_id(const void *a, const void *b)
{
	return strcmp((*(struct study_run *const *)a)->id, (*(struct study_run *const *)b)->id);
}

/* emu:DIR/ * -> every layout file in DIR (bb_cli_layout_files; the shipped ones when DIR is "layouts" and absent). */
static int expand(const char *spec, char out[][320], unsigned max, unsigned *n, struct bb_diag *d)
{
	size_t len = strlen(spec), k;
	char dir[300], **names;
	struct stat st;
	int err;

	if (len < 6 || strcmp(spec + len - 2, "/*")) {
		if (*n >= max)
			return bb_diag_set(d, -E2BIG, "more than %u devices", max);
		bb_strcpy(out[(*n)++], 320, spec);
		return 0;
	}
	/* DIR lies between "emu:" and the final slash-star: "emu:" + that alone is the root */
	snprintf(dir, sizeof(dir), "%.*s", (int)(len - 6), spec + 4);
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/");
	if (!strcmp(dir, "layouts") && stat(dir, &st))
		snprintf(dir, sizeof(dir), "%s", BB_LAYOUT_DIR);
	err = bb_cli_layout_files(dir, max - *n, &names, &k, d);
	if (err == -E2BIG)
		return bb_diag_set(d, -E2BIG, "%s: more than %u devices", spec, max);
	if (err) {
		bb_diag_prefix(d, "%s", spec);
		return err;
	}
	for (size_t i = 0; !err && i < k; i++)
		if ((size_t)snprintf(out[(*n)++], 320, "emu:%s", names[i]) >= 320)
			err = bb_diag_set(d, -ENAMETOOLONG, "%s: %s: path too long", spec, names[i]);
	bb_cli_names_free(names, k);
	return err;
}

static bool region_has_regs(const struct bb_dev *dev, uint32_t index)
{
	for (uint32_t i = 0; dev->has_layout && i < dev->layout.nr_regs; i++)
		if (dev->layout.regs[i].region == index)
			return true;
	return false;
}

struct plans_arg {
	struct target *t;
	unsigned nt;
	const struct bb_study *st;
	const struct bb_policy_ops **pols;
	unsigned npol;
};

/*
 * One plans.csv row per (region, page size) whose hot registers share a page
 * with the MSI-X table or PBA (every policy a VMM can use traps them there):
 * params hot=N, offset and size the span from the first to the last of them.
 */
static void write_hot_trapped(FILE *f, const struct target *tg, uint64_t page)
{
	const struct bb_layout *l = &tg->dev->layout;
	uint64_t lo = UINT64_MAX, hi = 0;
	uint32_t n = 0;

	for (uint32_t i = 0; tg->dev->has_layout && i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];

		if (g->region != tg->region.index || !(g->reads || g->writes) ||
		    !bb_layout_reg_on_must_trap_page(l, g, page, NULL))
			continue;
		n++;
		lo = g->offset < lo ? g->offset : lo;
		hi = g->offset + g->size > hi ? g->offset + g->size : hi;
	}
	if (n)
		fprintf(f, "%s,%" PRIu32 ",-,hot=%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",hot-trapped\n", tg->pub,
			tg->region.index, n, page, lo, hi - lo);
}

/* plans.csv: every applicable plan's windows, the must-trap ranges and the hot registers they trap. */
static int write_plans(FILE *f, void *arg)
{
	const struct plans_arg *a = arg;

	fprintf(f, "device,region,policy,params,page_size,offset,size,mode\n");
	for (unsigned t = 0; t < a->nt; t++) {
		const struct target *tg = &a->t[t];

		for (unsigned g = 0; g < a->st->nr_pages; g++) {
			for (unsigned m = 0; m < tg->nmt; m++)
				fprintf(f, "%s,%" PRIu32 ",-,,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",must-trap\n", tg->pub,
					tg->region.index, a->st->pages[g], tg->mt[m].offset, tg->mt[m].size);
			write_hot_trapped(f, tg, a->st->pages[g]);
			for (unsigned p = 0; p < a->npol; p++) {
				struct bb_param all[BB_STUDY_MAX_PARAMS], mine[BB_POLICY_MAX_PARAMS];
				char ptxt[64];
				struct bb_policy_ctx ctx = { .page_size = a->st->pages[g], .must_trap = tg->mt,
							     .nr_must_trap = tg->nmt, .params = mine,
							     .profile = tg->profile.n ? &tg->profile : NULL,
							     .cost = tg->have_cost ? &tg->cost : NULL };
				struct bb_plan plan;
				struct bb_diag d;

				for (unsigned k = 0; k < a->st->nr_params; k++)
					all[k] = (struct bb_param){ a->st->param_keys[k], a->st->param_values[k] };
				ctx.nr_params = bb_params_for(a->pols[p], all, a->st->nr_params, mine, ptxt, sizeof(ptxt));
				if (bb_policy_run(a->pols[p], &tg->region, &ctx, &plan, &d) || !plan.applicable) {
					bb_plan_free(&plan);
					continue;
				}
				for (uint32_t w = 0; w < plan.nr_windows; w++)
					fprintf(f, "%s,%" PRIu32 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s\n", tg->pub,
						tg->region.index, a->pols[p]->name, ptxt, a->st->pages[g],
						plan.windows[w].offset, plan.windows[w].size,
						plan.windows[w].mode == BB_WIN_MAP ? "map" : "trap");
				bb_plan_free(&plan);
			}
		}
	}
	return ferror(f) ? -EIO : 0;
}

static void id_part(char *out, size_t len, const char *s)
{
	size_t k = 0;

	for (; *s && k + 1 < len; s++)
		out[k++] = ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-') ? *s : '_';
	out[k] = '\0';
}

/* Does advise run on target @t: each device made from a layout, once (advise builds changed layouts)? */
static bool advised(const struct target *tg, unsigned t)
{
	for (unsigned k = 0; k < t; k++)
		if (!strcmp(tg[k].spec, tg[t].spec))
			return false;
	return tg[t].dev && (tg[t].dev->ops->flags & BB_BACKEND_FROM_LAYOUT);
}

/*
 * `barbench advise` on every emulated layout of the study, in-process and
 * silent, gathered into DIR/advise.csv for the report.  A layout with nothing
 * to advise on is recorded as skipped, a failure as failed, in @ses (before
 * the manifest is written).
 */
static void run_advise(const struct bb_study *st, const struct target *tg, unsigned nt, const char *out,
		       struct bb_session *ses, struct bb_progress *prog, size_t *step)
{
	char all[4096], *text = NULL, why[BB_DIAG_MAX], what[300];
	uint64_t samples = st->samples < 2000 ? st->samples : 2000;
	size_t text_len = 0;
	FILE *merged;
	bool header = false;

	/* merged in memory, then written atomically: no fixed temporary name a symlink could be planted at */
	merged = open_memstream(&text, &text_len);
	if (!merged)
		return;
	for (unsigned t = 0; t < nt; t++) {
		char dir[4096], csv[4096], line[1024];
		struct stat sb;
		struct bb_diag dd;
		FILE *f;
		int status;

		if (!advised(tg, t))
			continue;
		snprintf(dir, sizeof(dir), "%s/advise-%s", out, tg[t].name);
		snprintf(what, sizeof(what), "advise %s", tg[t].name);
		/* advise writes into this folder: never through a symlink planted there */
		bb_progress_step(prog, (*step)++, "advise %s", tg[t].name);
		if (!lstat(dir, &sb) && bb_real_dir(dir, &dd)) {
			bb_progress_end(prog);
			fprintf(stderr, "barbench: study: advise skipped: %s\n", dd.msg);
			bb_session_fail(ses, what, dd.msg);
			continue;
		}
		status = bb_advise_quiet(tg[t].spec, st->pages, st->nr_pages, samples, dir, why, sizeof(why));
		if (status == BB_ADVISE_NOTHING) {
			bb_session_skip(ses, what, why);
			continue;
		}
		if (status) {
			bb_progress_end(prog);
			fprintf(stderr, "barbench: study: advise failed: %s\n", why);
			bb_session_fail(ses, what, why);
			continue;
		}
		snprintf(csv, sizeof(csv), "%s/advise.csv", dir);
		f = fopen(csv, "r");
		if (!f)
			continue;
		for (bool first = true; fgets(line, sizeof(line), f); first = false) {
			if (first && header)
				continue;
			header = true;
			fputs(line, merged);
		}
		fclose(f);
	}
	if (!fclose(merged) && text_len) {
		struct bb_diag dd;

		snprintf(all, sizeof(all), "%s/advise.csv", out);
		if (bb_write_atomic_buf(all, text, text_len, &dd))
			bb_session_fail(ses, "advise", dd.msg);
	}
	free(text);
}

/* Everything a study works on, shared by its stages. */
struct sctx {
	int argc;
	char **argv;
	const char *file, *out;
	bool resume, report, figures, svg;
	bool json;			/* --json: the document on stdout, not the results line */
	bool manifest_ok, reported;	/* the final manifest, the report and summary.json written */
	bool complete;			/* ... and what the manifest says */
	uint64_t max_runs;
	struct bb_study *st;
	struct target *tg;
	unsigned nt, nspecs, npol;
	char (*specs)[320];
	const struct bb_policy_ops *pols[BB_REGISTRY_MAX];
	const struct bb_runner_ops *runners[BB_STUDY_MAX_LIST];
	char runner_why[BB_STUDY_MAX_LIST][BB_DIAG_MAX];
	char guest_exec[16];
	double guest_ratio;
	struct bb_registry reg;
	struct bb_recs old;
	struct study_run *jobs, **byid;
	size_t njobs, todo, done, failed, done_before;
	struct bb_session ses;
	struct bb_diag d;
	char path[4096];
	struct bb_progress prog;	/* the runs, advise, then the report's steps */
	size_t step;			/* the step in progress */
	size_t report_step;		/* the first of the report's */
	int err, status, stopped;	/* stopped: a signal, or -1 for --max-runs */
	bool late;			/* the signal came after the last run: complete nonetheless */
	char study_hash[BB_STUDY_HASH_LEN];
};

/* The study file (new: read once, parsed, hashed and copied into the folder; --resume: the folder's copy, checked against the hash the manifest recorded), its policies and runners. */
static int study_load(struct sctx *x)
{
	x->st = calloc(1, sizeof(*x->st));
	x->tg = calloc(MAX_TARGETS, sizeof(*x->tg));
	if (!x->st || !x->tg) {
		x->status = bb_cli_fail(BB_EXIT_FAIL, "study: out of memory");
		return -1;
	}
	if (x->resume) {
		struct stat sb;
		struct bb_manifest_info mi;
		char *text;
		size_t len;

		/* the folder is locked for the whole study: a second study, run or report into it is refused */
		x->err = bb_session_open(&x->ses, x->out, false, &x->d);
		if (x->err) {
			x->status = bb_cli_fail(bb_cli_status(x->err), "study: --resume: %s", x->d.msg);
			return -1;
		}
		snprintf(x->path, sizeof(x->path), "%s/runs.csv", x->out);
		if (!lstat(x->path, &sb) && bb_recs_read(x->path, &x->old, &x->d)) {
			x->status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume: %s", x->d.msg);
			return -1;
		}
		if (x->old.nunknown) {	/* rows are written again under today's header: never a column dropped */
			x->status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume: %s:1: column '%s'%s is not one this barbench "
					     "writes: resuming would drop it; resume with the barbench that wrote the folder",
					     x->path, x->old.unknown, x->old.nunknown > 1 ? " (and more)" : "");
			return -1;
		}
		/* the study file copy is part of the hostile folder: read without following a symlink */
		snprintf(x->path, sizeof(x->path), "%s/study.txt", x->out);
		x->file = x->path;
		x->err = bb_results_read(x->path, 1u << 20, &text, &len, &x->d);
		if (!x->err) {
			bb_study_hash(text, len, x->study_hash);
			x->err = bb_study_parse(text, len, x->path, x->st, &x->d);
			free(text);
		}
		if (x->err) {
			x->status = bb_cli_fail(bb_cli_status(x->err), "study: --resume: %s", x->d.msg);
			return -1;
		}
		/* the study that wrote the folder recorded its file's hash: a changed study.txt would mix two studies */
		x->err = bb_manifest_read(x->out, &mi, &x->d);
		if (x->err && x->err != -ENOENT) {
			/* a manifest that is not JSON cannot vouch for the study: refused, not skipped */
			x->status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume: %s", x->d.msg);
			return -1;
		}
		if (!x->err && mi.study_hash[0] && strcmp(mi.study_hash, x->study_hash)) {
			x->status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume %s: %s changed since the study began (now %s, "
					     "%s/manifest.json recorded %s): resuming would mix the runs of two studies; "
					     "run the new study into another --out", x->out, x->path, x->study_hash, x->out, mi.study_hash);
			return -1;
		}
		if (!mi.study_hash[0])
			fprintf(stderr, "barbench: study: --resume %s: manifest.json records no study_hash (an older barbench, "
				"or none): study.txt is checked only run by run\n", x->out);
	} else {
		struct stat sb;
		uint8_t *text;
		size_t len;
		char to[4096];

		/* the study file is read once: what is parsed, hashed and copied are the same bytes */
		x->err = bb_cli_read_file(x->file, 1u << 20, &text, &len, &x->d);
		if (!x->err) {
			bb_study_hash(text, len, x->study_hash);
			x->err = bb_study_parse((const char *)text, len, x->file, x->st, &x->d);
		}
		if (x->err) {
			free(text);
			x->status = bb_cli_fail(bb_cli_status(x->err), "study: %s", x->d.msg);
			return -1;
		}
		x->err = bb_session_open(&x->ses, x->out, true, &x->d);
		if (x->err) {
			free(text);
			/* --out that cannot be made (a name too long, not a folder) is the folder failing: 1 */
			x->status = bb_cli_fail(bb_cli_out_status(x->err), "study: %s", x->d.msg);
			return -1;
		}
		snprintf(x->path, sizeof(x->path), "%s/runs.csv", x->out);
		snprintf(to, sizeof(to), "%s/study.txt", x->out);
		if (!lstat(x->path, &sb)) {
			free(text);
			/* --resume only where a study began: a run's folder has no study.txt to resume */
			if (!lstat(to, &sb))
				x->status = bb_cli_fail(BB_EXIT_USAGE, "study: %s already holds results: use --resume %s, or "
							"another --out", x->out, x->out);
			else
				x->status = bb_cli_fail(BB_EXIT_USAGE, "study: %s already holds results, not of a study (no "
							"study.txt to --resume): give another --out", x->out);
			return -1;
		}
		x->err = bb_write_atomic_buf(to, text, len, &x->d);
		free(text);
		if (!x->err) {
			/* before the first run: the folder says which study owns it, even after kill -9 */
			json_t *extra = json_pack("{s:s,s:o,s:s,s:s,s:b}", "tool", "barbench study", "study",
						  bb_json_str(x->st->name), "study_file", "study.txt",
						  "study_hash", x->study_hash, "complete", 0);

			if (!extra)
				x->err = bb_diag_set(&x->d, -ENOMEM, "out of memory");
			else
				x->err = bb_session_manifest(&x->ses, bb_cli_argc, bb_cli_argv, extra, &x->d);
			json_decref(extra);
		}
		if (x->err) {
			x->status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", x->d.msg);
			return -1;
		}
	}
	/* policies and runners */
	if (x->st->all_policies) {
		for (unsigned i = 0; i < x->reg.n; i++)
			x->pols[x->npol++] = x->reg.ops[i];
	} else {
		for (unsigned i = 0; i < x->st->nr_policies; i++) {
			x->pols[x->npol] = bb_registry_find(&x->reg, x->st->policies[i]);
			if (!x->pols[x->npol]) {
				x->status = bb_cli_fail(BB_EXIT_USAGE, "study: %s: no policy '%s'", x->file, x->st->policies[i]);
				return -1;
			}
			x->npol++;
		}
	}
	for (unsigned i = 0; i < x->st->nr_params; i++) {
		bool known = false;

		for (unsigned p = 0; p < x->npol && !known; p++)
			known = bb_policy_takes(x->pols[p], x->st->param_keys[i]);
		if (!known) {
			x->status = bb_cli_fail(BB_EXIT_USAGE, "study: %s: no policy of the study takes param '%s'", x->file,
					     x->st->param_keys[i]);
			return -1;
		}
	}
	for (unsigned i = 0; i < x->st->nr_runners; i++) {
		x->runners[i] = bb_runner_find(x->st->runners[i]);
		snprintf(x->runner_why[i], sizeof(x->runner_why[i]), "%s",
			 x->runners[i] ? "" : "this build of barbench has no such runner");
	}
	return 0;
}

/* Every device and region of the study opened and described; layouts that share a name get distinct run-id names. */
static int study_targets(struct sctx *x)
{
	/* devices and their regions */
	for (unsigned i = 0; i < x->st->nr_devices; i++) {
		x->err = expand(x->st->devices[i].spec, x->specs, MAX_TARGETS, &x->nspecs, &x->d);
		if (x->err) {
			x->status = bb_cli_fail(bb_cli_status(x->err), "study: %s:%u: %s", x->file, x->st->devices[i].line, x->d.msg);
			return -1;
		}
		for (unsigned s = 0; s < x->nspecs; s++) {
			struct bb_dev *dev = NULL;

			if (x->specs[s][0] == '\0')
				continue;
			x->err = bb_dev_open(x->specs[s], &dev, &x->d);
			if (x->err) {
				x->status = bb_cli_fail(bb_cli_status(x->err), "study: %s:%u: %s", x->file, x->st->devices[i].line, x->d.msg);
				return -1;
			}
			for (uint32_t r = 0; r < dev->nr_regions; r++) {
				uint32_t index = dev->index[r];
				bool want = false;
				struct target *t;

				if (x->st->devices[i].auto_regions) {
					struct bb_region probe;

					/* with a layout: the regions that hold named registers; else the mappable ones */
					if (dev->has_layout && dev->layout.nr_regs) {
						want = region_has_regs(dev, index);
					} else if (!bb_dev_region(dev, index, &probe, NULL, NULL, &x->d)) {
						want = bb_region_mappable_bytes(&probe) > 0;
						bb_region_free(&probe);
					}
				} else {
					for (unsigned k = 0; k < x->st->devices[i].nr_regions; k++)
						want |= x->st->devices[i].regions[k] == index;
				}
				if (!want)
					continue;
				if (x->nt == MAX_TARGETS) {
					/* a device one of whose regions is in the list already is closed by the cleanup */
					if (!(x->nt && x->tg[x->nt - 1].dev == dev))
						bb_dev_close(dev);
					x->status = bb_cli_fail(BB_EXIT_USAGE, "study: more than %d regions", MAX_TARGETS);
					return -1;
				}
				t = &x->tg[x->nt];
				bb_strcpy(t->spec, sizeof(t->spec), x->specs[s]);
				bb_spec_public(t->spec, t->pub, sizeof(t->pub));
				if (dev->has_layout && dev->layout.name[0])
					bb_strcpy(t->name, sizeof(t->name), dev->layout.name);
				else
					id_part(t->name, sizeof(t->name), strrchr(x->specs[s], '/') ? strrchr(x->specs[s], '/') + 1
												 : x->specs[s]);
				t->dev = dev;
				t->owns_dev = !x->nt || x->tg[x->nt - 1].dev != dev;
				x->err = bb_dev_region(dev, index, &t->region, NULL, NULL, &x->d);
				if (x->err) {
					if (t->owns_dev)
						bb_dev_close(dev);
					x->status = bb_cli_fail(bb_cli_status(x->err), "study: %s", x->d.msg);
					return -1;
				}
				t->nmt = bb_dev_must_trap(dev, index, t->mt);
				bb_profile_from_layout(dev->has_layout ? &dev->layout : NULL, index, x->st->width, &t->profile);
				x->nt++;
				for (unsigned w = 0; w < x->st->nr_workloads; w++) {
					struct bb_workload_spec ws;

					x->err = bb_workload_parse(x->st->workloads[w], x->st->width, &ws, &x->d);
					if (!x->err)
						x->err = bb_workload_build(&ws, dev->has_layout ? &dev->layout : NULL, &t->region,
									bb_dev_guard(dev), &t->wl[w], &x->d);
					if (x->err == -ENOENT) {
						memcpy(t->wl_why[w], x->d.msg, sizeof(t->wl_why[w]));
						t->wl[w].n = 0;
						x->err = 0;
					}
					if (x->err) {
						x->status = bb_cli_fail(bb_cli_status(x->err), "study: %s: %s", t->spec, x->d.msg);
						return -1;
					}
				}
			}
			if (!x->nt || x->tg[x->nt - 1].dev != dev)
				bb_dev_close(dev);	/* no region of it was wanted */
			x->specs[s][0] = '\0';
		}
	}
	if (!x->nt) {
		x->status = bb_cli_fail(BB_EXIT_USAGE, "study: %s names no region to measure", x->file);
		return -1;
	}
	/*
	 * Run ids (and samples file names) start with the layout's name: two
	 * different devices of one name (two layout files saying name=x) get
	 * "x", "x+2", ... in the order of the study.  A layout name never holds
	 * '+', so these cannot meet another layout's name.
	 */
	{
		char base[MAX_TARGETS][64];

		for (unsigned t = 0; t < x->nt; t++)
			memcpy(base[t], x->tg[t].name, sizeof(base[t]));
		for (unsigned t = 0; t < x->nt; t++) {
			unsigned ord = 1;
			bool shared = false;

			for (unsigned k = 0; k < x->nt; k++) {
				bool first_of_spec = true;

				if (k == t || strcmp(base[k], base[t]) || !strcmp(x->tg[k].spec, x->tg[t].spec))
					continue;
				shared = true;
				for (unsigned k2 = 0; k2 < k && first_of_spec; k2++)
					first_of_spec = strcmp(x->tg[k2].spec, x->tg[k].spec) != 0;
				ord += k < t && first_of_spec;
			}
			if (shared && ord > 1)
				snprintf(x->tg[t].name, sizeof(x->tg[t].name), "%.50s+%u", base[t], ord);
		}
	}

	return 0;
}

/* The matrix of runs, each with its own id; --resume: every row already there must be a run of it, by its whole identity, once. */
static int study_matrix(struct sctx *x)
{
	/* the matrix, repetitions outermost so drift spreads over every configuration */
	x->njobs = (size_t)x->st->repetitions * x->nt * x->st->nr_runners * x->st->nr_pages * x->npol * x->st->nr_workloads;
	x->jobs = calloc(x->njobs, sizeof(*x->jobs));
	if (!x->jobs) {
		x->status = bb_cli_fail(BB_EXIT_FAIL, "study: out of memory");
		return -1;
	}
	x->njobs = 0;
	for (unsigned rep = 0; rep < x->st->repetitions; rep++)
		for (unsigned t = 0; t < x->nt; t++)
			for (unsigned ru = 0; ru < x->st->nr_runners; ru++)
				for (unsigned g = 0; g < x->st->nr_pages; g++)
					for (unsigned p = 0; p < x->npol; p++)
						for (unsigned w = 0; w < x->st->nr_workloads; w++) {
							struct study_run *j;
							char wn[64];
							bool guest_wl = !x->st->nr_guest_workloads;

							/* guest runs only for the workloads the study gives them */
							for (unsigned k = 0; k < x->st->nr_guest_workloads; k++)
								guest_wl |= !strcmp(x->st->guest_workloads[k], x->st->workloads[w]);
							if (x->runners[ru] && (x->runners[ru]->flags & BB_RUNNER_IN_GUEST) && !guest_wl)
								continue;
							j = &x->jobs[x->njobs++];

							*j = (struct study_run){ t, ru, g, p, w, rep, "", false };
							id_part(wn, sizeof(wn), x->st->workloads[w]);
							snprintf(j->id, sizeof(j->id), "%s-r%" PRIu32 "-%s-%s-%" PRIu64 "-%s-%u",
								 x->tg[t].name, x->tg[t].region.index, x->st->runners[ru], x->pols[p]->name,
								 x->st->pages[g], wn, rep);
						}
	/* every run of the matrix has its own id: the name of its samples file, what resume looks for */
	x->byid = calloc(x->njobs ? x->njobs : 1, sizeof(*x->byid));
	if (!x->byid) {
		x->status = bb_cli_fail(BB_EXIT_FAIL, "study: out of memory");
		return -1;
	}
	for (size_t i = 0; i < x->njobs; i++)
		x->byid[i] = &x->jobs[i];
	qsort(x->byid, x->njobs, sizeof(*x->byid), cmp_job_id);
	for (size_t i = 1; i < x->njobs; i++) {
		if (strcmp(x->byid[i - 1]->id, x->byid[i]->id))
			continue;
		x->status = bb_cli_fail(BB_EXIT_USAGE, "study: %s: two runs of the matrix would share the id %s (%s and %s, "
				     "region %" PRIu32 "): is a device listed twice?", x->file, x->byid[i]->id,
				     x->tg[x->byid[i - 1]->t].spec, x->tg[x->byid[i]->t].spec, x->tg[x->byid[i]->t].region.index);
		return -1;
	}
	/*
	 * Resume: each row already there must be a run of this matrix, by its
	 * whole identity (id, device, region, policy, params, page size,
	 * runner, workload); anything else is another study's.  Each only once:
	 * bb_recs_read refused an id twice, with its line.
	 */
	for (size_t i = 0; i < x->old.n; i++) {
		const struct bb_rec *o = &x->old.v[i];
		struct study_run key, *kp = &key, **hit;
		const char *why = NULL;

		bb_strcpy(key.id, sizeof(key.id), o->id);
		hit = bsearch(&kp, x->byid, x->njobs, sizeof(*x->byid), cmp_job_id);
		if (!hit) {
			why = "no run of the study has this id";
		} else {
			const struct study_run *j = *hit;
			const struct target *t = &x->tg[j->t];
			struct bb_param all[BB_STUDY_MAX_PARAMS], mine[BB_POLICY_MAX_PARAMS];
			char ptxt[64];

			for (unsigned k = 0; k < x->st->nr_params; k++)
				all[k] = (struct bb_param){ x->st->param_keys[k], x->st->param_values[k] };
			bb_params_for(x->pols[j->pol], all, x->st->nr_params, mine, ptxt, sizeof(ptxt));
			if (strcmp(o->device, t->pub) || o->region != t->region.index || strcmp(o->policy, x->pols[j->pol]->name) ||
			    strcmp(o->params, ptxt) || o->page_size != x->st->pages[j->page] ||
			    strcmp(o->runner, x->st->runners[j->runner]) || strcmp(o->workload, t->wl[j->wl].name))
				why = "its device, region, policy, params, page size, runner or workload is not that run's";
			(*hit)->seen = true;	/* once: the reader refuses an id twice (bb_recs_parse) */
		}
		if (why) {
			x->status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume %s: %s/runs.csv:%u: run %s: %s: the folder holds "
					     "runs of another study (or of %s before it changed); run the study into another --out",
					     x->out, x->out, o->lineno, o->id, why, x->file);
			return -1;
		}
	}
	/* what is already there (resume) is kept verbatim */
	for (size_t i = 0; i < x->old.n; i++) {
		if (bb_session_add_line(&x->ses, x->old.v[i].line, &x->d)) {
			x->status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", x->d.msg);
			return -1;
		}
	}
	for (size_t i = 0; i < x->njobs; i++) {
		if (x->jobs[i].seen)
			x->jobs[i].id[0] = '\0';	/* done before */
		else
			x->todo++;
	}
	x->done_before = x->old.n;
	return 0;
}

/* Is @w a latency workload, one the report draws a CDF and bars of (analysis/folder.c)? */
static bool latency_workload(const char *w)
{
	return !strcmp(w, "lat-read") || !strcmp(w, "lat-write") || !strcmp(w, "mix") || !strcmp(w, "doorbell");
}

/*
 * The report's steps, estimated from the matrix before anything ran (the
 * report's own count replaces it when it starts): as analysis/figures.c
 * draws them, a CDF per target x runner x latency workload x page size,
 * bars per target x runner x latency workload, a page map per target x page
 * size, the memslots per page size, the overview and advise's chart; with
 * reading the results before and report.md after.
 */
static size_t report_steps(const struct sctx *x, size_t nadvise)
{
	const struct bb_study *st = x->st;
	size_t lat = 0, n;

	if (!x->report)
		return 0;
	if (!x->figures)
		return 2;
	for (unsigned r = 0; r < st->nr_runners; r++) {
		bool guest = x->runners[r] && (x->runners[r]->flags & BB_RUNNER_IN_GUEST) && st->nr_guest_workloads;
		unsigned nw = guest ? st->nr_guest_workloads : st->nr_workloads;

		for (unsigned w = 0; x->runners[r] && w < nw; w++)
			lat += latency_workload(guest ? st->guest_workloads[w] : st->workloads[w]);
	}
	n = (size_t)x->nt * lat * (st->nr_pages + 1) + (size_t)x->nt * st->nr_pages + st->nr_pages + 1;
	return n + (nadvise > 0) + 2;
}

/* Each region's cost model, from its own pure paths (costs.txt): predicts every run of it. */
static int study_costs(struct sctx *x)
{
	size_t cs = x->st->samples < 20000 ? (size_t)x->st->samples : 20000, clen = 0;
	char cp[4096], *ctext = NULL;
	FILE *cf;

	snprintf(cp, sizeof(cp), "%s/costs.txt", x->out);
	cf = open_memstream(&ctext, &clen);
	for (unsigned t = 0; t < x->nt; t++) {
		struct target *tg = &x->tg[t];

		bb_progress_step(&x->prog, x->step++, "cost model of %s region %" PRIu32, tg->name, tg->region.index);
		tg->have_cost = !bb_cost_calibrate(tg->dev, &tg->region, tg->mt, tg->nmt, &x->ses.tsc, x->ses.overhead,
						   cs, &tg->cost, &x->d);
		if (!tg->have_cost && !bb_cli_quiet) {
			bb_progress_end(&x->prog);
			fprintf(stderr, "barbench: study: %s region %" PRIu32 ": no cost model: %s\n", tg->name,
				tg->region.index, x->d.msg);
		}
		if (cf && tg->have_cost) {
			fprintf(cf, "# %s region %" PRIu32 "\n", tg->pub, tg->region.index);
			bb_cost_write(cf, &tg->cost);
			fputc('\n', cf);
		}
	}
	if (cf && !fclose(cf) && bb_write_atomic_buf(cp, ctext, clen, &x->d)) {
		free(ctext);
		x->status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", x->d.msg);
		return -1;
	}
	free(ctext);
	return 0;
}

/*
 * The measuring session, the runners probed, each region's cost model,
 * plans.csv, the signals; progress counts the cost models, the runs,
 * advise's layouts and the report's steps.
 */
static int study_prepare(struct sctx *x)
{
	struct plans_arg pa = { x->tg, x->nt, x->st, x->pols, x->npol };
	size_t nadvise = 0;
	char pp[4096];

	x->err = bb_session_measure(&x->ses, -1, -1, &x->d);
	if (x->err) {
		x->status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", x->d.msg);
		return -1;
	}
	/* a runner that cannot run here (the guest runner without a usable KVM) is skipped with the reason */
	for (unsigned i = 0; i < x->st->nr_runners; i++) {
		struct bb_runner_probe pr;

		if (!x->runners[i])
			continue;
		if (bb_runner_probe(x->runners[i], &pr, &x->d)) {
			x->runners[i] = NULL;
			snprintf(x->runner_why[i], sizeof(x->runner_why[i]), "%s", x->d.msg);
		} else if (pr.exec[0]) {
			snprintf(x->guest_exec, sizeof(x->guest_exec), "%s", pr.exec);
			x->guest_ratio = pr.exec_ratio;
		}
	}
	for (unsigned t = 0; x->st->advise && t < x->nt; t++)
		nadvise += advised(x->tg, t);
	if ((!x->resume || x->todo) && !bb_cli_quiet)
		fprintf(stderr, "barbench: study %s: %zu run%s to do (%zu done before; one that does not apply is skipped, "
			"with the reason in manifest.json), %u region%s, into %s\n", x->st->name, x->todo,
			x->todo == 1 ? "" : "s", x->done_before, x->nt, x->nt == 1 ? "" : "s", x->out);
	bb_progress_start(&x->prog, x->nt + x->todo + nadvise + report_steps(x, nadvise), 0);
	if (study_costs(x))
		return -1;
	snprintf(pp, sizeof(pp), "%s/plans.csv", x->out);
	x->err = bb_write_atomic(pp, write_plans, &pa, &x->d);
	if (x->err) {
		x->status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", x->d.msg);
		return -1;
	}
	bb_session_catch_signals(&x->ses);
	return 0;
}

/* The runs, in order: each row written as it finishes; a skipped or failed run recorded and the study goes on. */
static int study_loop(struct sctx *x)
{
	for (size_t i = 0; i < x->njobs && !(x->stopped = bb_session_stopped()); i++) {
		struct study_run *j = &x->jobs[i];
		struct target *t = &x->tg[j->t];
		struct bb_param params[BB_STUDY_MAX_PARAMS];
		struct bb_run_row row;
		char why[BB_DIAG_MAX], pg[32];
		int r;

		if (!j->id[0])
			continue;
		if (x->done >= x->max_runs) {
			x->stopped = -1;
			break;
		}
		for (unsigned k = 0; k < x->st->nr_params; k++)
			params[k] = (struct bb_param){ x->st->param_keys[k], x->st->param_values[k] };
		bb_format_size(pg, sizeof(pg), x->st->pages[j->page]);
		bb_progress_step(&x->prog, x->step++, "%s %s %s %s %s", t->name, x->st->runners[j->runner],
				 x->pols[j->pol]->name, pg, x->st->workloads[j->wl]);
		if (!x->runners[j->runner]) {
			r = 1;
			snprintf(why, sizeof(why), "runner %s: %s", x->st->runners[j->runner], x->runner_why[j->runner]);
		} else {
			bool in_guest = x->runners[j->runner]->flags & BB_RUNNER_IN_GUEST;
			struct bb_measure m = {
				.device = t->spec, .dev = t->dev, .region = &t->region, .must_trap = t->mt,
				.nr_must_trap = t->nmt, .tsc = &x->ses.tsc, .overhead = x->ses.overhead,
				.counters = x->ses.have_ctr ? &x->ses.ctr : NULL, .out = x->out,
				.samples = in_guest && x->st->guest_samples ? x->st->guest_samples : x->st->samples,
				.warmup = in_guest && x->st->guest_samples ? x->st->guest_samples / 10 : x->st->warmup,
				/* the model is calibrated with the host runner: it predicts host runs only */
				.cost = t->have_cost && !in_guest ? &t->cost : NULL,
				.profile = t->profile.n ? &t->profile : NULL,
			};
			struct bb_run_spec cb = {
				.ops = x->pols[j->pol], .params = params, .nr_params = x->st->nr_params,
				.page_size = x->st->pages[j->page], .wl = &t->wl[j->wl], .wl_why = t->wl_why[j->wl],
				.width = x->st->width, .runner = x->runners[j->runner], .id = j->id,
				.repetition = j->rep,
			};

			r = bb_measure_one(&m, &cb, &row, why, sizeof(why), &x->d);
		}
		x->done++;
		if (r == 1) {
			/* not applicable: recorded once, whatever the repetition */
			if (j->rep == 0) {
				char what[400];

				snprintf(what, sizeof(what), "%s r%" PRIu32 " %s %s %s %s", t->name, t->region.index,
					 x->st->runners[j->runner], x->pols[j->pol]->name, pg, x->st->workloads[j->wl]);
				bb_session_skip(&x->ses, what, why);
			}
			continue;
		}
		if (r < 0) {
			/* a failed run is recorded and the study goes on */
			x->failed++;
			bb_session_fail(&x->ses, j->id, x->d.msg);
			bb_progress_end(&x->prog);
			fprintf(stderr, "barbench: study: %s failed: %s\n", j->id, x->d.msg);
			continue;
		}
		x->err = bb_session_add_row(&x->ses, &row, &x->d);
		if (x->err) {
			x->status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", x->d.msg);
			break;
		}
	}
	return 0;
}

/* A path in the results folder, as a JSON string. */
static json_t *in_folder(const char *out, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", out, name);
	return bb_json_str(path);
}

/*
 * The document of `study --json` (docs/schemas/study.schema.json): where the
 * results are and how far the study got; the verdicts are in summary.json.
 */
static json_t *study_json(const struct sctx *x)
{
	const char *why = x->stopped > 0 ? (x->stopped == SIGINT ? "SIGINT" : "SIGTERM") :
			  x->stopped < 0 ? "--max-runs" : NULL;

	return json_pack("{s:s,s:o,s:o,s:b,s:o,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "schema", "barbench-study/1",
			 "folder", bb_json_str(x->out), "study", bb_json_str(x->st->name), "complete", (int)x->complete,
			 "interrupted_by", why ? json_string(why) : json_null(),
			 "matrix_runs", (json_int_t)x->njobs, "measured_runs", (json_int_t)x->ses.nlines,
			 "failed_runs", (json_int_t)x->ses.nfailed, "skipped_runs", (json_int_t)x->ses.nskipped,
			 "manifest", in_folder(x->out, "manifest.json"), "runs_csv", in_folder(x->out, "runs.csv"),
			 "report", x->reported ? in_folder(x->out, "report.md") : json_null(),
			 "details", x->reported ? in_folder(x->out, "details.md") : json_null(),
			 "summary", x->reported ? in_folder(x->out, "summary.json") : json_null());
}

/* The report's steps (analysis.h), after the runs and advise: the total counted once it is known. */
static void report_progress(void *arg, size_t step, size_t total, const char *what)
{
	struct sctx *x = arg;

	if (total)
		bb_progress_set_total(&x->prog, x->report_step + total);
	bb_progress_step(&x->prog, x->report_step + step, "report: %s", what);
}

/* The manifest, advise, the report, and what to tell the user. */
static int study_finish(struct sctx *x)
{
	if (!x->stopped) {
		/* a signal during the last run: every run is in, the study is complete, but say it was asked to stop */
		x->stopped = bb_session_stopped();
		x->late = x->stopped > 0;
	}
	bb_session_release_signals(&x->ses);
	/* before the manifest, which records what advise skipped and why it failed */
	if (x->status == BB_EXIT_OK && !x->stopped && x->st->advise)
		run_advise(x->st, x->tg, x->nt, x->out, &x->ses, &x->prog, &x->step);
	{
		bool complete = (!x->stopped || x->late) && !x->failed && x->status == BB_EXIT_OK;
		json_t *extra = json_pack("{s:s,s:o,s:s,s:s,s:I,s:I,s:b,s:o,s:I}", "tool", "barbench study",
					  "study", bb_json_str(x->st->name), "study_file", "study.txt",
					  "study_hash", x->study_hash, "matrix_runs", (json_int_t)x->njobs,
					  "measured_runs", (json_int_t)x->ses.nlines, "complete", (int)complete,
					  "interrupted_by", x->stopped > 0 ? json_string(x->stopped == SIGINT ? "SIGINT" : "SIGTERM") :
					  x->stopped < 0 ? json_string("--max-runs") : json_null(),
					  "host_page_size_bytes", (json_int_t)sysconf(_SC_PAGESIZE));

		if (extra && x->guest_exec[0] &&
		    json_object_update_new(extra, json_pack("{s:s,s:o,s:s}", "guest_exec", x->guest_exec,
							    "guest_exec_ratio", bb_json_num(x->guest_ratio), "guest_note",
							    !strcmp(x->guest_exec, "emulated") ?
							    "guest instructions are emulated on this host: guest figures are "
							    "not representative of bare metal" :
							    "guest instructions execute natively"))) {
			json_decref(extra);
			extra = NULL;
		}
		if (!extra) {
			if (x->status == BB_EXIT_OK)
				x->status = bb_cli_fail(BB_EXIT_FAIL, "study: manifest: out of memory");
		} else if (bb_session_manifest(&x->ses, bb_cli_argc, bb_cli_argv, extra, &x->d)) {
			if (x->status == BB_EXIT_OK)
				x->status = bb_cli_fail(BB_EXIT_FAIL, "study: manifest: %s", x->d.msg);
		} else {
			x->manifest_ok = true;
			x->complete = complete;
		}
		json_decref(extra);
	}
	if (x->status == BB_EXIT_OK && x->report) {
		struct bb_report_opts ro = { .figures = x->figures, .svg = x->svg, .progress = report_progress,
					     .progress_arg = x };

		x->report_step = x->step;
		x->err = bb_report(x->out, &ro, &x->d);
		bb_progress_end(&x->prog);
		if (x->err)
			x->status = bb_cli_fail(BB_EXIT_FAIL, "study: report: %s", x->d.msg);
		else if (x->d.msg[0])
			fprintf(stderr, "barbench: study: report: warning: %s\n", x->d.msg);
		x->reported = !x->err;
	}
	if (x->status == BB_EXIT_OK) {
		if (x->late) {
			fprintf(stderr, "barbench: study stopped by %s after its last run: all %zu runs are in %s (advise "
				"skipped)\n", x->stopped == SIGINT ? "SIGINT" : "SIGTERM", x->done_before + x->done, x->out);
			x->status = x->stopped == SIGINT ? 130 : 143;
		} else if (x->stopped) {
			fprintf(stderr, "barbench: study interrupted after %zu of %zu runs; finish it with: barbench study "
				"--resume %s\n", x->done_before + x->done, x->done_before + x->todo, x->out);
			x->status = x->stopped == SIGINT ? 130 : x->stopped == SIGTERM ? 143 : BB_EXIT_OK;
		} else if (x->failed) {
			fprintf(stderr, "barbench: study: %zu runs failed (see manifest.json); --resume %s retries them\n",
				x->failed, x->out);
			x->status = BB_EXIT_FAIL;
		}
		if (!x->json)
			printf("results: %s (%zu run%s)%s%s%s\n", x->out, x->ses.nlines, x->ses.nlines == 1 ? "" : "s",
			       x->report ? ", report: " : "",
			       x->report ? x->out : "", x->report ? "/report.md" : "");
	}
	if (x->json && x->manifest_ok) {
		/* the folder is what the manifest says, whatever the exit status: the document says it too */
		int err = bb_cli_json(study_json(x));

		x->status = x->status ? x->status : err;
	}
	return 0;
}

/* The options into @x; 0, or the exit status after a message. */
static int study_options(struct sctx *x)
{
	struct bb_opt_state st = { 0 };
	const char *val, *out = NULL, *resume = NULL;
	int c, err = 0;

	while (!err && (c = bb_opt_next(&st, x->argc, x->argv, &study_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_OUT: out = val; break;
		case K_RESUME: resume = val; break;
		case K_NO_REPORT: x->report = false; break;
		case K_NO_FIGURES: x->figures = false; break;
		case K_SVG: x->svg = true; break;
		case K_JSON: x->json = true; break;
		case K_MAX_RUNS: err = bb_opt_u64(&study_help, c, val, 0, UINT64_MAX, &x->max_runs); break;
		}
	}
	if (err || (err = bb_opt_operands(&study_help, x->argc, x->argv, 0, 1)))
		return err;
	if (optind < x->argc)
		x->file = x->argv[optind];
	/* --resume names the folder it resumes: an --out beside it was taken instead, or ignored, by their order */
	if (out && resume)
		return bb_cli_fail(BB_EXIT_USAGE, "study: --out %s and --resume %s: --resume DIR resumes the study in DIR; "
				   "give one of them", out, resume);
	x->out = resume ? resume : out;
	x->resume = !!resume;
	if (!x->out || (x->resume && x->file) || (!x->resume && !x->file))
		return bb_cli_fail(BB_EXIT_USAGE, "study: give FILE --out DIR, or --resume DIR (see barbench study --help)");
	return 0;
}

static int cmd_study(int argc, char **argv)
{
	static char specs[MAX_TARGETS][320];
	static struct sctx ctx;
	struct sctx *x = &ctx;

	memset(x, 0, sizeof(*x));
	x->argc = argc;
	x->argv = argv;
	x->specs = specs;
	x->report = x->figures = true;
	x->max_runs = UINT64_MAX;
	x->status = BB_EXIT_OK;
	x->ses.lock_fd = -1;
	bb_registry_init(&x->reg);
	x->status = study_options(x);
	if (x->status) {
		bb_registry_free(&x->reg);
		return x->status;
	}
	if (!study_load(x) && !study_targets(x) && !study_matrix(x) && !study_prepare(x) && !study_loop(x))
		study_finish(x);
	bb_session_close(&x->ses);
	free(x->jobs);
	free(x->byid);
	bb_recs_free(&x->old);
	for (unsigned t = 0; x->tg && t < x->nt; t++) {
		for (unsigned w = 0; w < BB_STUDY_MAX_LIST; w++)
			bb_workload_free(&x->tg[t].wl[w]);
		bb_region_free(&x->tg[t].region);
		bb_profile_free(&x->tg[t].profile);
		if (x->tg[t].owns_dev)
			bb_dev_close(x->tg[t].dev);
	}
	free(x->tg);
	free(x->st);
	bb_registry_free(&x->reg);
	return x->status;
}

const struct bb_cmd bb_cmd_study = { .name = "study", .fn = cmd_study, .help = &study_help,
	.summary = "run a study file's matrix into a results folder, then write its report" };
