// SPDX-License-Identifier: MIT
/*
 * barbench study: run a study file's matrix into a results folder, keeping
 * everything that finished whatever happens (runs.csv rewritten atomically
 * after every run; Ctrl-C/SIGTERM stop after the run in progress; kill -9
 * loses at most that run), then write the report.  --resume finishes only
 * what is missing.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <errno.h>
#include <getopt.h>
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
#include "barbench/timing.h"

#define MAX_TARGETS 128


void usage_study(void)
{
	printf("usage: barbench study FILE --out DIR [--max-runs N] [--no-report] [--no-figures]\n"
	       "       barbench study --resume DIR [--max-runs N] [--no-report] [--no-figures]\n"
	       "\n"
	       "Run the matrix a study file names (studies/README.md) into DIR: runs.csv,\n"
	       "samples/, plans.csv, manifest.json, study.txt, then report.md and figures/.\n"
	       "Interrupted (Ctrl-C, SIGTERM, kill): what finished is kept and the manifest says\n"
	       "the study is incomplete; --resume DIR runs only what is missing. A run that\n"
	       "fails is recorded in the manifest and the study goes on.\n"
	       "  --max-runs N   stop after N runs, as if interrupted (run a study in slices)\n");
}

/* One (device, region) of the study, opened and described. */
struct target {
	char spec[320];
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

struct job {
	unsigned t, runner, page, pol, wl, rep;
	char id[200];
	bool seen;	/* resume: its row is in runs.csv already */
};

static int cmp_job_id(const void *a, const void *b)
{
	return strcmp((*(struct job *const *)a)->id, (*(struct job *const *)b)->id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* emu:DIR/ * -> every layout file in DIR (or the shipped ones when DIR is "layouts" and absent). */
static int expand(const char *spec, char out[][320], unsigned max, unsigned *n, struct bb_diag *d)
{
	size_t len = strlen(spec);
	char dir[300], *names[MAX_TARGETS];
	unsigned k = 0;
	struct dirent *e;
	DIR *dh;

	if (len < 6 || strcmp(spec + len - 2, "/*")) {
		if (*n >= max)
			return bb_diag_set(d, -E2BIG, "more than %u devices", max);
		bb_strcpy(out[(*n)++], 320, spec);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(len - 6), spec + 4);
	dh = opendir(dir);
	if (!dh && !strcmp(dir, "layouts")) {
		snprintf(dir, sizeof(dir), "%s", BB_LAYOUT_DIR);
		dh = opendir(dir);
	}
	if (!dh)
		return bb_diag_set(d, -ENOENT, "%s: %s: %s", spec, dir, strerror(errno));
	while ((e = readdir(dh)) && k < MAX_TARGETS) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue;
		names[k] = strdup(e->d_name);
		if (names[k])
			k++;
	}
	closedir(dh);
	qsort(names, k, sizeof(names[0]), cmp_str);
	for (unsigned i = 0; i < k; i++) {
		if (*n < max)
			snprintf(out[(*n)++], 320, "emu:%s/%s", dir, names[i]);
		free(names[i]);
	}
	return *n <= max ? 0 : bb_diag_set(d, -E2BIG, "more than %u devices", max);
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

/* plans.csv: every applicable plan's windows, and the must-trap ranges, for the page maps. */
static int write_plans(FILE *f, void *arg)
{
	const struct plans_arg *a = arg;

	fprintf(f, "device,region,policy,params,page_size,offset,size,mode\n");
	for (unsigned t = 0; t < a->nt; t++) {
		const struct target *tg = &a->t[t];

		for (unsigned g = 0; g < a->st->nr_pages; g++) {
			for (unsigned m = 0; m < tg->nmt; m++)
				fprintf(f, "%s,%" PRIu32 ",-,,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",must-trap\n", tg->spec,
					tg->region.index, a->st->pages[g], tg->mt[m].offset, tg->mt[m].size);
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
					fprintf(f, "%s,%" PRIu32 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s\n", tg->spec,
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

/*
 * `barbench advise` on every layout of the study (a child process each, the
 * same binary), gathered into DIR/advise.csv for the report.
 */
static void run_advise(const struct bb_study *st, const struct target *tg, unsigned nt, const char *out)
{
	char pages[256] = "", samples[32], all[4096], *text = NULL;
	size_t text_len = 0;
	FILE *merged;
	bool header = false;

	for (unsigned g = 0; g < st->nr_pages; g++)
		snprintf(pages + strlen(pages), sizeof(pages) - strlen(pages), "%s%" PRIu64, g ? "," : "", st->pages[g]);
	snprintf(samples, sizeof(samples), "%" PRIu64, st->samples < 2000 ? st->samples : 2000);
	/* merged in memory, then written atomically: no fixed temporary name a symlink could be planted at */
	merged = open_memstream(&text, &text_len);
	if (!merged)
		return;
	for (unsigned t = 0; t < nt; t++) {
		char dir[4096], csv[4096], line[1024];
		const char *layout = tg[t].spec + 4;	/* after "emu:" */
		pid_t pid;
		int st_code;
		FILE *f;
		bool seen = false;

		for (unsigned k = 0; k < t; k++)
			seen |= !strcmp(tg[k].spec, tg[t].spec);
		if (seen || strncmp(tg[t].spec, "emu:", 4))
			continue;	/* advise builds changed layouts: emulated devices only */
		snprintf(dir, sizeof(dir), "%s/advise-%s", out, tg[t].name);
		{
			struct stat sb;
			struct bb_diag dd;

			/* advise writes into this folder: never through a symlink planted there */
			if (!lstat(dir, &sb) && bb_real_dir(dir, &dd)) {
				fprintf(stderr, "barbench: study: advise skipped: %s\n", dd.msg);
				continue;
			}
		}
		if (isatty(2))
			fprintf(stderr, "\rbarbench: study: advise %-40s", tg[t].name);
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0) {
				dup2(null, 1);
				dup2(null, 2);	/* "nothing to advise" is not the study's error */
			}
			execl("/proc/self/exe", "barbench", "advise", layout, "--out", dir, "--page-size", pages, "--samples",
			      samples, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st_code, 0) < 0 || !WIFEXITED(st_code) || WEXITSTATUS(st_code))
			continue;	/* a layout without register weights has nothing to advise */
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
	if (isatty(2))
		fprintf(stderr, "\r%70s\r", "");
	if (!fclose(merged) && text_len) {
		struct bb_diag dd;

		snprintf(all, sizeof(all), "%s/advise.csv", out);
		if (bb_write_atomic_buf(all, text, text_len, &dd))
			fprintf(stderr, "barbench: study: advise: %s\n", dd.msg);
	}
	free(text);
}

int cmd_study(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "resume", required_argument, NULL, 'R' },
		{ "max-runs", required_argument, NULL, 'm' },
		{ "no-report", no_argument, NULL, 'n' },
		{ "no-figures", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	static char specs[MAX_TARGETS][320];
	const char *file = NULL, *out = NULL;
	bool resume = false, report = true, figures = true;
	uint64_t max_runs = UINT64_MAX;
	struct bb_study *st = NULL;
	struct target *tg = NULL;
	unsigned nt = 0, nspecs = 0, npol = 0;
	const struct bb_policy_ops *pols[BB_REGISTRY_MAX];
	const struct bb_runner_ops *runners[BB_STUDY_MAX_LIST];
	char runner_why[BB_STUDY_MAX_LIST][BB_DIAG_MAX];
	char guest_exec[16] = "";
	double guest_ratio = 0;
	struct bb_registry reg;
	struct bb_recs old = { 0 };
	struct job *jobs = NULL, **byid = NULL;
	size_t njobs = 0, todo = 0, done = 0, failed = 0, done_before;
	struct bb_session ses = { .lock_fd = -1 };
	struct bb_diag d;
	char path[4096];
	double t0;
	int c, err = 0, status = BB_EXIT_OK, stopped = 0;	/* stopped: a signal, or -1 for --max-runs */
	bool tty = isatty(2);
	char study_hash[BB_STUDY_HASH_LEN] = "";

	bb_registry_init(&reg);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'R': out = optarg; resume = true; break;
		case 'n': report = false; break;
		case 'F': figures = false; break;
		case 'm':
			if (bb_parse_u64(optarg, &max_runs))
				return bb_cli_fail(BB_EXIT_USAGE, "study: --max-runs %s: not a number", optarg);
			break;
		default:
			return bb_cli_fail(BB_EXIT_USAGE, "study: unknown option '%s' (see barbench study --help)",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "study: unexpected argument '%s'", argv[optind]);
	if (!out || (resume && file) || (!resume && !file))
		return bb_cli_fail(BB_EXIT_USAGE, "study: give FILE --out DIR, or --resume DIR (see barbench study --help)");

	st = calloc(1, sizeof(*st));
	tg = calloc(MAX_TARGETS, sizeof(*tg));
	if (!st || !tg) {
		status = bb_cli_fail(BB_EXIT_FAIL, "study: out of memory");
		goto out;
	}
	if (resume) {
		struct stat sb;
		struct bb_manifest_info mi;
		char *text;
		size_t len;

		/* the folder is locked for the whole study: a second study, run or report into it is refused */
		err = bb_session_open(&ses, out, false, &d);
		if (err) {
			status = bb_cli_fail(bb_cli_status(err), "study: --resume: %s", d.msg);
			goto out;
		}
		snprintf(path, sizeof(path), "%s/runs.csv", out);
		if (!lstat(path, &sb) && bb_recs_read(path, &old, &d)) {
			status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume: %s", d.msg);
			goto out;
		}
		/* the study file copy is part of the hostile folder: read without following a symlink */
		snprintf(path, sizeof(path), "%s/study.txt", out);
		file = path;
		err = bb_results_slurp(path, 1u << 20, &text, &len, &d);
		if (!err) {
			bb_study_hash(text, len, study_hash);
			err = bb_study_parse(text, len, path, st, &d);
			free(text);
		}
		if (err) {
			status = bb_cli_fail(bb_cli_status(err), "study: --resume: %s", d.msg);
			goto out;
		}
		/* the study that wrote the folder recorded its file's hash: a changed study.txt would mix two studies */
		if (bb_manifest_read(out, &mi, &d) == 0 && mi.study_hash[0] && strcmp(mi.study_hash, study_hash)) {
			status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume %s: %s changed since the study began (now %s, "
					     "%s/manifest.json recorded %s): resuming would mix the runs of two studies; "
					     "run the new study into another --out", out, path, study_hash, out, mi.study_hash);
			goto out;
		}
		if (!mi.study_hash[0])
			fprintf(stderr, "barbench: study: --resume %s: manifest.json records no study_hash (an older barbench, "
				"or none): study.txt is checked only run by run\n", out);
	} else {
		struct stat sb;
		uint8_t *text;
		size_t len;
		char to[4096];

		/* the study file is read once: what is parsed, hashed and copied are the same bytes */
		err = bb_cli_read_file(file, 1u << 20, &text, &len, &d);
		if (!err) {
			bb_study_hash(text, len, study_hash);
			err = bb_study_parse((const char *)text, len, file, st, &d);
		}
		if (err) {
			free(text);
			status = bb_cli_fail(bb_cli_status(err), "study: %s", d.msg);
			goto out;
		}
		err = bb_session_open(&ses, out, true, &d);
		if (err) {
			free(text);
			status = bb_cli_fail(bb_cli_status(err), "study: %s", d.msg);
			goto out;
		}
		snprintf(path, sizeof(path), "%s/runs.csv", out);
		if (!lstat(path, &sb)) {
			free(text);
			status = bb_cli_fail(BB_EXIT_USAGE, "study: %s already holds results: use --resume %s, or another --out",
					     out, out);
			goto out;
		}
		snprintf(to, sizeof(to), "%s/study.txt", out);
		err = bb_write_atomic_buf(to, text, len, &d);
		free(text);
		if (!err) {
			/* before the first run: the folder says which study owns it, even after kill -9 */
			char *extra = NULL;
			size_t el = 0;
			FILE *ex = open_memstream(&extra, &el);

			if (!ex) {
				err = bb_diag_set(&d, -ENOMEM, "out of memory");
			} else {
				fprintf(ex, "\"tool\":\"barbench study\",\"study\":");
				bb_json_string(ex, st->name);
				fprintf(ex, ",\"study_file\":\"study.txt\",\"study_hash\":\"%s\",\"complete\":false", study_hash);
				fclose(ex);
				err = bb_session_manifest(&ses, argc, argv, extra, &d);
				free(extra);
			}
		}
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", d.msg);
			goto out;
		}
	}
	/* policies and runners */
	if (st->all_policies) {
		for (unsigned i = 0; i < reg.n; i++)
			pols[npol++] = reg.ops[i];
	} else {
		for (unsigned i = 0; i < st->nr_policies; i++) {
			pols[npol] = bb_registry_find(&reg, st->policies[i]);
			if (!pols[npol]) {
				status = bb_cli_fail(BB_EXIT_USAGE, "study: %s: no policy '%s'", file, st->policies[i]);
				goto out;
			}
			npol++;
		}
	}
	for (unsigned i = 0; i < st->nr_params; i++) {
		bool known = false;

		for (unsigned p = 0; p < npol && !known; p++)
			known = bb_policy_takes(pols[p], st->param_keys[i]);
		if (!known) {
			status = bb_cli_fail(BB_EXIT_USAGE, "study: %s: no policy of the study takes param '%s'", file,
					     st->param_keys[i]);
			goto out;
		}
	}
	for (unsigned i = 0; i < st->nr_runners; i++) {
		runners[i] = bb_runner_find(st->runners[i]);
		snprintf(runner_why[i], sizeof(runner_why[i]), "%s",
			 runners[i] ? "" : "this build of barbench has no such runner");
	}
	/* devices and their regions */
	for (unsigned i = 0; i < st->nr_devices; i++) {
		err = expand(st->devices[i].spec, specs, MAX_TARGETS, &nspecs, &d);
		if (err) {
			status = bb_cli_fail(bb_cli_status(err), "study: %s:%u: %s", file, st->devices[i].line, d.msg);
			goto out;
		}
		for (unsigned s = 0; s < nspecs; s++) {
			struct bb_dev *dev = NULL;

			if (specs[s][0] == '\0')
				continue;
			err = bb_dev_open(specs[s], &dev, &d);
			if (err) {
				status = bb_cli_fail(bb_cli_status(err), "study: %s:%u: %s", file, st->devices[i].line, d.msg);
				goto out;
			}
			for (uint32_t r = 0; r < dev->nr_regions; r++) {
				uint32_t index = dev->index[r];
				bool want = false;
				struct target *t;

				if (st->devices[i].auto_regions) {
					struct bb_region probe;

					/* with a layout: the regions that hold named registers; else the mappable ones */
					if (dev->has_layout && dev->layout.nr_regs) {
						want = region_has_regs(dev, index);
					} else if (!bb_dev_region(dev, index, &probe, NULL, NULL, &d)) {
						want = bb_region_mappable_bytes(&probe) > 0;
						bb_region_free(&probe);
					}
				} else {
					for (unsigned k = 0; k < st->devices[i].nr_regions; k++)
						want |= st->devices[i].regions[k] == index;
				}
				if (!want)
					continue;
				if (nt == MAX_TARGETS) {
					bb_dev_close(dev);
					status = bb_cli_fail(BB_EXIT_USAGE, "study: more than %d regions", MAX_TARGETS);
					goto out;
				}
				t = &tg[nt];
				bb_strcpy(t->spec, sizeof(t->spec), specs[s]);
				if (dev->has_layout && dev->layout.name[0])
					bb_strcpy(t->name, sizeof(t->name), dev->layout.name);
				else
					id_part(t->name, sizeof(t->name), strrchr(specs[s], '/') ? strrchr(specs[s], '/') + 1
												 : specs[s]);
				t->dev = dev;
				t->owns_dev = !nt || tg[nt - 1].dev != dev;
				err = bb_dev_region(dev, index, &t->region, NULL, NULL, &d);
				if (err) {
					if (t->owns_dev)
						bb_dev_close(dev);
					status = bb_cli_fail(bb_cli_status(err), "study: %s", d.msg);
					goto out;
				}
				t->nmt = bb_dev_must_trap(dev, index, t->mt);
				bb_profile_from_layout(dev->has_layout ? &dev->layout : NULL, index, st->width, &t->profile);
				nt++;
				for (unsigned w = 0; w < st->nr_workloads; w++) {
					struct bb_workload_spec ws;

					err = bb_workload_parse(st->workloads[w], st->width, &ws, &d);
					if (!err)
						err = bb_workload_build(&ws, dev->has_layout ? &dev->layout : NULL, &t->region,
									bb_dev_guard(dev), &t->wl[w], &d);
					if (err == -ENOENT) {
						memcpy(t->wl_why[w], d.msg, sizeof(t->wl_why[w]));
						t->wl[w].n = 0;
						err = 0;
					}
					if (err) {
						status = bb_cli_fail(bb_cli_status(err), "study: %s: %s", t->spec, d.msg);
						goto out;
					}
				}
			}
			if (!nt || tg[nt - 1].dev != dev)
				bb_dev_close(dev);	/* no region of it was wanted */
			specs[s][0] = '\0';
		}
	}
	if (!nt) {
		status = bb_cli_fail(BB_EXIT_USAGE, "study: %s names no region to measure", file);
		goto out;
	}
	/*
	 * Run ids (and samples file names) start with the layout's name: two
	 * different devices of one name (two layout files saying name=x) get
	 * "x", "x+2", ... in the order of the study.  A layout name never holds
	 * '+', so these cannot meet another layout's name.
	 */
	{
		char base[MAX_TARGETS][64];

		for (unsigned t = 0; t < nt; t++)
			memcpy(base[t], tg[t].name, sizeof(base[t]));
		for (unsigned t = 0; t < nt; t++) {
			unsigned ord = 1;
			bool shared = false;

			for (unsigned k = 0; k < nt; k++) {
				bool first_of_spec = true;

				if (k == t || strcmp(base[k], base[t]) || !strcmp(tg[k].spec, tg[t].spec))
					continue;
				shared = true;
				for (unsigned k2 = 0; k2 < k && first_of_spec; k2++)
					first_of_spec = strcmp(tg[k2].spec, tg[k].spec) != 0;
				ord += k < t && first_of_spec;
			}
			if (shared && ord > 1)
				snprintf(tg[t].name, sizeof(tg[t].name), "%.50s+%u", base[t], ord);
		}
	}

	/* the matrix, repetitions outermost so drift spreads over every configuration */
	njobs = (size_t)st->repetitions * nt * st->nr_runners * st->nr_pages * npol * st->nr_workloads;
	jobs = calloc(njobs, sizeof(*jobs));
	if (!jobs) {
		status = bb_cli_fail(BB_EXIT_FAIL, "study: out of memory");
		goto out;
	}
	njobs = 0;
	for (unsigned rep = 0; rep < st->repetitions; rep++)
		for (unsigned t = 0; t < nt; t++)
			for (unsigned ru = 0; ru < st->nr_runners; ru++)
				for (unsigned g = 0; g < st->nr_pages; g++)
					for (unsigned p = 0; p < npol; p++)
						for (unsigned w = 0; w < st->nr_workloads; w++) {
							struct job *j;
							char wn[64];
							bool guest_wl = !st->nr_guest_workloads;

							/* guest runs only for the workloads the study gives them */
							for (unsigned k = 0; k < st->nr_guest_workloads; k++)
								guest_wl |= !strcmp(st->guest_workloads[k], st->workloads[w]);
							if (runners[ru] && (runners[ru]->flags & BB_RUNNER_IN_GUEST) && !guest_wl)
								continue;
							j = &jobs[njobs++];

							*j = (struct job){ t, ru, g, p, w, rep, "", false };
							id_part(wn, sizeof(wn), st->workloads[w]);
							snprintf(j->id, sizeof(j->id), "%s-r%" PRIu32 "-%s-%s-%" PRIu64 "-%s-%u",
								 tg[t].name, tg[t].region.index, st->runners[ru], pols[p]->name,
								 st->pages[g], wn, rep);
						}
	/* every run of the matrix has its own id: the name of its samples file, what resume looks for */
	byid = calloc(njobs ? njobs : 1, sizeof(*byid));
	if (!byid) {
		status = bb_cli_fail(BB_EXIT_FAIL, "study: out of memory");
		goto out;
	}
	for (size_t i = 0; i < njobs; i++)
		byid[i] = &jobs[i];
	qsort(byid, njobs, sizeof(*byid), cmp_job_id);
	for (size_t i = 1; i < njobs; i++) {
		if (strcmp(byid[i - 1]->id, byid[i]->id))
			continue;
		status = bb_cli_fail(BB_EXIT_USAGE, "study: %s: two runs of the matrix would share the id %s (%s and %s, "
				     "region %" PRIu32 "): is a device listed twice?", file, byid[i]->id,
				     tg[byid[i - 1]->t].spec, tg[byid[i]->t].spec, tg[byid[i]->t].region.index);
		goto out;
	}
	/*
	 * Resume: each row already there must be a run of this matrix, by its
	 * whole identity (id, device, region, policy, params, page size,
	 * runner, workload), and only once; anything else is another study's.
	 */
	for (size_t i = 0; i < old.n; i++) {
		const struct bb_rec *o = &old.v[i];
		struct job key, *kp = &key, **hit;
		const char *why = NULL;

		bb_strcpy(key.id, sizeof(key.id), o->id);
		hit = bsearch(&kp, byid, njobs, sizeof(*byid), cmp_job_id);
		if (!hit) {
			why = "no run of the study has this id";
		} else {
			const struct job *j = *hit;
			const struct target *t = &tg[j->t];
			struct bb_param all[BB_STUDY_MAX_PARAMS], mine[BB_POLICY_MAX_PARAMS];
			char ptxt[64];

			for (unsigned k = 0; k < st->nr_params; k++)
				all[k] = (struct bb_param){ st->param_keys[k], st->param_values[k] };
			bb_params_for(pols[j->pol], all, st->nr_params, mine, ptxt, sizeof(ptxt));
			if (strcmp(o->device, t->spec) || o->region != t->region.index || strcmp(o->policy, pols[j->pol]->name) ||
			    strcmp(o->params, ptxt) || o->page_size != st->pages[j->page] ||
			    strcmp(o->runner, st->runners[j->runner]) || strcmp(o->workload, t->wl[j->wl].name))
				why = "its device, region, policy, params, page size, runner or workload is not that run's";
			else if (j->seen)
				why = "this run is in runs.csv twice";
			(*hit)->seen = true;
		}
		if (why) {
			status = bb_cli_fail(BB_EXIT_USAGE, "study: --resume %s: %s/runs.csv:%u: run %s: %s: the folder holds "
					     "runs of another study (or of %s before it changed); run the study into another --out",
					     out, out, o->lineno, o->id, why, file);
			goto out;
		}
	}
	/* what is already there (resume) is kept verbatim */
	for (size_t i = 0; i < old.n; i++) {
		if (bb_session_add_line(&ses, old.v[i].line, &d)) {
			status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", d.msg);
			goto out;
		}
	}
	for (size_t i = 0; i < njobs; i++) {
		if (jobs[i].seen)
			jobs[i].id[0] = '\0';	/* done before */
		else
			todo++;
	}
	done_before = old.n;
	err = bb_session_measure(&ses, -1, -1, &d);
	if (err) {
		status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", d.msg);
		goto out;
	}
	/* a runner that cannot run here (the guest runner without a usable KVM) is skipped with the reason */
	for (unsigned i = 0; i < st->nr_runners; i++) {
		struct bb_runner_probe pr;

		if (!runners[i])
			continue;
		if (bb_runner_probe(runners[i], &pr, &d)) {
			runners[i] = NULL;
			snprintf(runner_why[i], sizeof(runner_why[i]), "%s", d.msg);
		} else if (pr.exec[0]) {
			snprintf(guest_exec, sizeof(guest_exec), "%s", pr.exec);
			guest_ratio = pr.exec_ratio;
		}
	}
	/* the cost model of each region, from its own pure paths: predicts every run of it */
	{
		FILE *cf;
		char cp[4096], *ctext = NULL;
		size_t clen = 0;

		snprintf(cp, sizeof(cp), "%s/costs.txt", out);
		cf = open_memstream(&ctext, &clen);
		for (unsigned t = 0; t < nt; t++) {
			size_t cs = st->samples < 20000 ? (size_t)st->samples : 20000;

			tg[t].have_cost = !bb_cost_calibrate(tg[t].dev, &tg[t].region, tg[t].mt, tg[t].nmt, &ses.tsc, ses.overhead,
							     cs, &tg[t].cost, &d);
			if (!tg[t].have_cost)
				fprintf(stderr, "barbench: study: %s region %" PRIu32 ": no cost model: %s\n", tg[t].name,
					tg[t].region.index, d.msg);
			if (cf && tg[t].have_cost) {
				fprintf(cf, "# %s region %" PRIu32 "\n", tg[t].spec, tg[t].region.index);
				bb_cost_write(cf, &tg[t].cost);
				fputc('\n', cf);
			}
		}
		if (cf && !fclose(cf) && bb_write_atomic_buf(cp, ctext, clen, &d)) {
			free(ctext);
			status = bb_cli_fail(BB_EXIT_FAIL, "study: %s",
					     d.msg);
			goto out;
		}
		free(ctext);
	}
	{
		struct plans_arg pa = { tg, nt, st, pols, npol };
		char pp[4096];

		snprintf(pp, sizeof(pp), "%s/plans.csv", out);
		err = bb_write_atomic(pp, write_plans, &pa, &d);
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", d.msg);
			goto out;
		}
	}
	bb_session_catch_signals(&ses);
	if (!resume || todo)
		fprintf(stderr, "barbench: study %s: %zu runs to do (%zu done before), %u regions, into %s\n", st->name,
			todo, done_before, nt, out);

	t0 = bb_now_ns() / 1e9;
	for (size_t i = 0; i < njobs && !(stopped = bb_session_stopped()); i++) {
		struct job *j = &jobs[i];
		struct target *t = &tg[j->t];
		struct bb_param params[BB_STUDY_MAX_PARAMS];
		struct bb_run_row row;
		char why[BB_DIAG_MAX], pg[32];
		int r;

		if (!j->id[0])
			continue;
		if (done >= max_runs) {
			stopped = -1;
			break;
		}
		for (unsigned k = 0; k < st->nr_params; k++)
			params[k] = (struct bb_param){ st->param_keys[k], st->param_values[k] };
		bb_format_size(pg, sizeof(pg), st->pages[j->page]);
		if (tty) {
			double el = bb_now_ns() / 1e9 - t0, eta = done ? el / (double)done * (double)(todo - done) : 0;

			fprintf(stderr, "\r[%zu/%zu] ETA %3.0fs %-26.26s %-6s %-6s %-7s %-10.10s   ", done + 1, todo, eta,
				t->name, st->runners[j->runner], pols[j->pol]->name, pg, st->workloads[j->wl]);
		}
		if (!runners[j->runner]) {
			r = 1;
			snprintf(why, sizeof(why), "runner %s: %s", st->runners[j->runner], runner_why[j->runner]);
		} else {
			bool in_guest = runners[j->runner]->flags & BB_RUNNER_IN_GUEST;
			struct bb_measure m = {
				.device = t->spec, .dev = t->dev, .region = &t->region, .must_trap = t->mt,
				.nr_must_trap = t->nmt, .tsc = &ses.tsc, .overhead = ses.overhead,
				.counters = ses.have_ctr ? &ses.ctr : NULL, .out = out,
				.samples = in_guest && st->guest_samples ? st->guest_samples : st->samples,
				.warmup = in_guest && st->guest_samples ? st->guest_samples / 10 : st->warmup,
				/* the model is calibrated with the host runner: it predicts host runs only */
				.cost = t->have_cost && !in_guest ? &t->cost : NULL,
				.profile = t->profile.n ? &t->profile : NULL,
			};
			struct bb_combo cb = {
				.ops = pols[j->pol], .params = params, .nr_params = st->nr_params,
				.page_size = st->pages[j->page], .wl = &t->wl[j->wl], .wl_why = t->wl_why[j->wl],
				.width = st->width, .runner = runners[j->runner], .id = j->id,
			};

			r = bb_measure_one(&m, &cb, &row, why, sizeof(why), &d);
		}
		done++;
		if (r == 1) {
			/* not applicable: recorded once, whatever the repetition */
			if (j->rep == 0) {
				char what[400];

				snprintf(what, sizeof(what), "%s r%" PRIu32 " %s %s %s %s", t->name, t->region.index,
					 st->runners[j->runner], pols[j->pol]->name, pg, st->workloads[j->wl]);
				bb_session_skip(&ses, what, why);
			}
			continue;
		}
		if (r < 0) {
			/* a failed run is recorded and the study goes on */
			failed++;
			bb_session_fail(&ses, j->id, d.msg);
			if (tty)
				fputc('\n', stderr);
			fprintf(stderr, "barbench: study: %s failed: %s\n", j->id, d.msg);
			continue;
		}
		err = bb_session_add_row(&ses, &row, &d);
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "study: %s", d.msg);
			break;
		}
	}
	if (tty)
		fprintf(stderr, "\r%100s\r", "");
	if (!stopped)
		stopped = bb_session_stopped();	/* a signal during the last run */
	bb_session_release_signals(&ses);
	{
		char *extra = NULL;
		size_t el = 0;
		FILE *ex;

		ex = open_memstream(&extra, &el);
		if (ex) {
			size_t measured = ses.nlines;
			bool complete = !stopped && !failed && status == BB_EXIT_OK;

			fprintf(ex, "\"tool\":\"barbench study\",\"study\":");
			bb_json_string(ex, st->name);
			fprintf(ex, ",\"study_file\":\"study.txt\",\"study_hash\":\"%s\",\"matrix_runs\":%zu,\"measured_runs\":%zu,\"complete\":%s,"
				"\"interrupted_by\":%s,\"host_page_size\":%ld", study_hash, njobs, measured,
				complete ? "true" : "false", stopped > 0 ? (stopped == SIGINT ? "\"SIGINT\"" : "\"SIGTERM\"") :
				stopped < 0 ? "\"--max-runs\"" : "null", sysconf(_SC_PAGESIZE));
			if (guest_exec[0])
				fprintf(ex, ",\"guest_exec\":\"%s\",\"guest_exec_ratio\":%.0f,\"guest_note\":\"%s\"", guest_exec,
					guest_ratio, !strcmp(guest_exec, "emulated") ?
					"guest instructions are emulated on this host: guest figures are not representative of bare metal" :
					"guest instructions execute natively");
			fclose(ex);
			if (bb_session_manifest(&ses, argc, argv, extra, &d) && status == BB_EXIT_OK)
				status = bb_cli_fail(BB_EXIT_FAIL, "study: manifest: %s", d.msg);
			free(extra);
		}
	}
	if (status == BB_EXIT_OK && !stopped && st->advise)
		run_advise(st, tg, nt, out);
	if (status == BB_EXIT_OK && report) {
		err = bb_report(out, &(struct bb_report_opts){ .figures = figures }, &d);
		if (err)
			status = bb_cli_fail(BB_EXIT_FAIL, "study: report: %s", d.msg);
		else if (d.msg[0])
			fprintf(stderr, "barbench: study: report: warning: %s\n", d.msg);
	}
	if (status == BB_EXIT_OK) {
		if (stopped) {
			fprintf(stderr, "barbench: study interrupted after %zu of %zu runs; finish it with: barbench study "
				"--resume %s\n", done_before + done, done_before + todo, out);
			status = stopped == SIGINT ? 130 : stopped == SIGTERM ? 143 : BB_EXIT_OK;
		} else if (failed) {
			fprintf(stderr, "barbench: study: %zu runs failed (see manifest.json); --resume %s retries them\n",
				failed, out);
			status = BB_EXIT_FAIL;
		}
		printf("results: %s (%zu runs)%s%s%s\n", out, ses.nlines, report ? ", report: " : "", report ? out : "",
		       report ? "/report.md" : "");
	}
out:
	bb_session_close(&ses);
	free(jobs);
	free(byid);
	bb_recs_free(&old);
	for (unsigned t = 0; tg && t < nt; t++) {
		for (unsigned w = 0; w < BB_STUDY_MAX_LIST; w++)
			bb_workload_free(&tg[t].wl[w]);
		bb_region_free(&tg[t].region);
		bb_profile_free(&tg[t].profile);
		if (tg[t].owns_dev)
			bb_dev_close(tg[t].dev);
	}
	free(tg);
	free(st);
	bb_registry_free(&reg);
	return status;
}
