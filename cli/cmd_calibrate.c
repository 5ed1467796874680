// SPDX-License-Identifier: MIT
/*
 * barbench calibrate: what this machine's paths cost, and proof that the host
 * runner's dispatch adds nothing measurable to a mapped access: the same
 * mapped offsets read through the runner and through a minimal reference
 * loop, alternating, the ratio of medians reported (goal <= 1.05).
 */
#include <errno.h>
#include <time.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "barbench/backend.h"
#include "json.h"
#include "manifest.h"
#include "measure.h"
#include "parse.h"
#include "placement.h"
#include "barbench/policy.h"
#include "barbench/runner.h"
#include "barbench/stats.h"
#include "cli.h"
#include "options.h"
#include "progress.h"
#include "session.h"

enum { K_DEVICE = BB_OPT_KEY(0), K_REGION, K_SAMPLES, K_REPS, K_CPU, K_JSON, K_SAVE };

static const struct bb_opt cal_opts[] = {
	{ "device", K_DEVICE, "DEVICE", "emu:layouts/nvme-msix-bar0", "the device measured (emu:, vfio:, vfio-user:)" },
	{ "region", K_REGION, "N", "its first mappable region", "the region measured" },
	{ "samples", K_SAMPLES, "N", "200000", "timed samples per path, 100 to 100000000" },
	{ "reps", K_REPS, "N", "7", "alternating repetitions of the dispatch ratio, 1 to 64" },
	{ "cpu", K_CPU, "N", "one placement picks", "pin the measuring thread to CPU N" },
	{ "save", K_SAVE, "COSTFILE", NULL, "write the cost model (per-path trimmed means, setup per\n"
					    "mapping) for run --cost, plan --cost and the budget policy" },
	{ "json", K_JSON, NULL, NULL, "print one JSON document instead of the table: the timer (timer.freq_hz,\n"
				      "the name the manifest uses), each path's figures, the dispatch ratio\n"
				      "(docs/results.md, docs/schemas/calibrate.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help cal_help = {
	.cmd = "calibrate",
	.synopsis = "[options]",
	.text = "Measure on this machine: mapped and trapped read/write latency (4-byte, host\n"
		"runner), and the dispatch overhead ratio: median of the runner's mapped reads\n"
		"over the median of a minimal reference loop reading the same memory (goal <= 1.05).\n"
		"On a vfio-user device, the pread/pwrite trap path of the emulated device is\n"
		"measured beside the message round trip.\n"
		"\n"
		"Progress with an ETA goes to standard error on a terminal (on a pipe only with\n"
		"--progress).\n",
	.opts = cal_opts,
	.quiet = "results and errors only: no progress",
	.exit = "0 measured (a path that could not be measured is named, its figures\n"
		"null), 1 the device, the machine or --save failed, 2 bad usage.",
};

struct path_fig {
	const char *name;
	const char *policy;
	enum bb_wl_kind kind;
	struct bb_summary s;
	bool ok;
	char why[BB_DIAG_MAX];		/* !ok: why it was not measured */
};

/* One path of `calibrate --json`: its figures, or null figures and the error. */
static json_t *path_json(const struct path_fig *f, bool reference)
{
	return json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o}", "path", f->name, "policy", f->policy,
			 "reference", (int)reference, "p50_ns", f->ok ? bb_json_num(f->s.p50) : json_null(),
			 "p99_ns", f->ok ? bb_json_num(f->s.p99) : json_null(),
			 "ci95_lo_ns", f->ok ? bb_json_num(f->s.ci95_lo) : json_null(),
			 "ci95_hi_ns", f->ok ? bb_json_num(f->s.ci95_hi) : json_null(),
			 "error", f->ok ? json_null() : bb_json_str(f->why));
}

static json_t *ratios_json(const double *v, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n && a; i++) {
		if (json_array_append_new(a, bb_json_num(v[i]))) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* One path's distribution: the same pure-path measurement the cost model calibrates with. */
static int measure(struct bb_dev *dev, const struct bb_region *r, const struct bb_range *mt, unsigned nmt,
		   struct path_fig *f, size_t samples, const struct bb_tsc *tsc, uint64_t overhead, struct bb_diag *d)
{
	struct bb_registry reg;
	int err;

	bb_registry_init(&reg);
	err = bb_measure_path(dev, r, mt, nmt, bb_registry_find(&reg, f->policy), f->kind, tsc, overhead, samples,
			      &f->s, NULL, NULL, d);
	bb_registry_free(&reg);
	return err;
}

#define LOOP_LOADS 2000000u

/*
 * A reference that needs no fine clock: LOOP_LOADS serialised 4-byte loads
 * (load; lfence) over @ptrs, timed as a whole with CLOCK_MONOTONIC; ns per
 * load.  The batched mapped_read figure should agree with it.
 */
static double loop_read_ns(void *const *ptrs, size_t n)
{
	struct timespec t0, t1;
	uint64_t sink = 0;
	size_t pos = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < LOOP_LOADS; i++) {
		sink += *(const volatile uint32_t *)ptrs[pos];
		__asm__ __volatile__("lfence" ::: "memory");
		if (++pos == n)
			pos = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (sink == 0x5eed5eed5eed5eedull)
		fputc('\0', stderr);
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / LOOP_LOADS;
}

/* Runner vs reference on the mapped offsets of lat-read under the given plan. */
static int dispatch_ratio(struct bb_dev *dev, const struct bb_region *r, const struct bb_plan *plan,
			  size_t samples, unsigned reps, const struct bb_tsc *tsc, uint64_t overhead,
			  double *ratios, double *ref_p50, double *run_p50, double *loop_ns, struct bb_progress *pr,
			  size_t *step, struct bb_diag *d)
{
	struct bb_workload_spec spec;
	struct bb_workload wl;
	struct bb_applied ap;
	void **ptrs = NULL;
	double *ns = NULL;
	size_t k = 0;
	int err;

	err = bb_workload_parse("lat-read", 4, &spec, d);
	if (!err)
		err = bb_workload_build(&spec, dev->has_layout ? &dev->layout : NULL, r, bb_dev_guard(dev), &wl, d);
	if (err)
		return err;
	err = bb_plan_apply(dev, r->index, plan, &ap, d);
	if (err) {
		bb_workload_free(&wl);
		return err;
	}
	ptrs = calloc(wl.n, sizeof(*ptrs));
	ns = calloc(samples, sizeof(*ns));
	if (!ptrs || !ns) {
		err = bb_diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	/* keep only mapped offsets, in the same order for both loops */
	for (size_t i = 0; i < wl.n; i++) {
		void *p = bb_applied_ptr(&ap, plan, wl.acc[i].offset, 4);

		if (p && wl.acc[i].width == 4) {
			wl.acc[k] = wl.acc[i];
			ptrs[k++] = p;
		}
	}
	wl.n = k;
	if (!k) {
		err = bb_diag_set(d, -ENOENT, "no mapped 4-byte register to read in region %" PRIu32, r->index);
		goto out;
	}
	loop_read_ns(ptrs, k);	/* warm-up */
	*loop_ns = loop_read_ns(ptrs, k);
	for (unsigned rep = 0; rep < reps && !err; rep++) {
		struct bb_run_cfg cfg = { .dev = dev, .region = r, .plan = plan, .wl = &wl, .samples = samples,
					  .warmup = samples / 10, .tsc = tsc, .tsc_overhead = overhead,
					  .batch = 1 };	/* the same one-access window as the reference */
		struct bb_run_result res;
		struct bb_summary a, b;

		bb_progress_step(pr, (*step)++, "dispatch ratio, repetition %u", rep + 1);
		bb_host_reference_read(ptrs, k, samples / 10, tsc, overhead, ns);	/* warm-up */
		bb_host_reference_read(ptrs, k, samples, tsc, overhead, ns);
		err = bb_summarize(ns, samples, &a);
		if (!err)
			err = bb_runner_host.run(&cfg, &res, d);
		if (!err) {
			err = bb_summarize(res.ns, res.n, &b);
			bb_run_result_free(&res);
		}
		if (!err) {
			/* both loops time the same window; compare the windows as measured */
			double ovh = bb_tsc_ns(tsc, overhead);

			ratios[rep] = (b.p50 + ovh) / (a.p50 + ovh);
			ref_p50[rep] = a.p50;
			run_p50[rep] = b.p50;
		}
	}
out:
	free(ptrs);
	free(ns);
	bb_plan_unapply(&ap);
	bb_workload_free(&wl);
	return err;
}

static int write_cost(FILE *f, void *arg)
{
	bb_cost_write(f, arg);
	return ferror(f) ? -EIO : 0;
}

/* Everything calibrate works on, shared by its steps. */
struct cal {
	const char *device, *save;
	uint64_t region, samples, reps, cpu;
	bool has_region, has_cpu, json;
	struct bb_dev *dev;
	struct bb_region r;
	bool have_r;
	struct bb_range mt[2];
	unsigned nmt;
	struct bb_session ses;
	const char *mapped_policy;
	struct path_fig figs[4];
	struct path_fig refs[2];	/* vfio-user only: the system-call trap path beside the message one */
	char ref_device[320];
	unsigned nref;
	double ratios[64], ref[64], run[64], sorted[64], loop_ns;
	struct bb_progress prog;	/* on a terminal: each step with an ETA */
	size_t step;			/* the step in progress */
	struct bb_diag d;
};

/*
 * vfio-user: the trap path is a message round trip.  Measure the pread/pwrite
 * trap path of the emulated device (the layout given with layout=, else the
 * default) in the same run, so the two costs are compared like for like.
 * Returns how many of c->refs were measured; c->ref_device gets the device used.
 */
static unsigned reference_traps(struct cal *c)
{
	bool own = c->dev->has_layout && c->dev->layout.nr_regions;
	struct bb_dev *e = NULL;
	struct bb_region rr;
	struct bb_range mt[2];
	struct bb_diag d;
	unsigned nmt, n = 0;

	snprintf(c->ref_device, sizeof(c->ref_device), "emu:%s", own ? c->dev->layout.path : "layouts/nvme-msix-bar0");
	if (bb_dev_open(c->ref_device, &e, &d) || bb_dev_region(e, own ? c->r.index : e->index[0], &rr, NULL, NULL, &d)) {
		bb_progress_end(&c->prog);
		fprintf(stderr, "barbench: calibrate: reference %s: %s\n", c->ref_device, d.msg);
		bb_dev_close(e);
		return 0;
	}
	nmt = bb_dev_must_trap(e, rr.index, mt);
	for (unsigned i = 0; i < 2; i++) {
		struct path_fig *f = &c->refs[i];

		bb_progress_step(&c->prog, c->step++, "%s (%s)", f->name, c->ref_device);
		f->ok = !measure(e, &rr, mt, nmt, f, c->samples, &c->ses.tsc, c->ses.overhead, &d);
		if (f->ok) {
			n++;
		} else {
			bb_progress_end(&c->prog);
			fprintf(stderr, "barbench: calibrate: reference %s: %s\n", f->name, d.msg);
			bb_strcpy(f->why, sizeof(f->why), d.msg);
		}
	}
	bb_region_free(&rr);
	bb_dev_close(e);
	return n;
}

/* The options into @c; 0, or the exit status after a message. */
static int cal_options(struct cal *c, int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	uint32_t v;
	int o, err = 0;

	while (!err && (o = bb_opt_next(&st, argc, argv, &cal_help, &val)) != -1) {
		switch (o) {
		case -2: return st.status;
		case K_DEVICE: c->device = val; break;
		case K_REGION:
			err = bb_opt_region(&cal_help, o, val, &v);
			c->region = v;
			c->has_region = true;
			break;
		case K_SAMPLES: err = bb_opt_u64(&cal_help, o, val, 100, 100000000, &c->samples); break;
		case K_REPS: err = bb_opt_u64(&cal_help, o, val, 1, 64, &c->reps); break;
		case K_CPU:
			err = bb_opt_u64(&cal_help, o, val, 0, 65535, &c->cpu);
			c->has_cpu = true;
			break;
		case K_JSON: c->json = true; break;
		case K_SAVE: c->save = val; break;
		}
	}
	return err ? err : bb_opt_operands(&cal_help, argc, argv, 0, 0);
}

/* The device, its region (the first mappable one unless --region), the session; 0 or the exit status. */
static int cal_open(struct cal *c)
{
	int err = bb_dev_open(c->device, &c->dev, &c->d);

	if (err)
		return bb_cli_fail(bb_cli_status(err), "calibrate: %s", c->d.msg);
	if (!c->has_region) {
		/* the first region that may be mmap'd */
		err = -ENOENT;
		for (uint32_t i = 0; i < c->dev->nr_regions && err; i++) {
			if (bb_dev_region(c->dev, c->dev->index[i], &c->r, NULL, NULL, &c->d))
				continue;
			if (bb_region_mappable_bytes(&c->r)) {
				c->region = c->r.index;
				err = 0;
			}
			bb_region_free(&c->r);
		}
		if (err)
			return bb_cli_fail(BB_EXIT_USAGE, "calibrate: %s has no mappable region", c->device);
	}
	err = bb_dev_region(c->dev, (uint32_t)c->region, &c->r, NULL, NULL, &c->d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "calibrate: %s", c->d.msg);
	c->have_r = true;
	c->nmt = bb_dev_must_trap(c->dev, c->r.index, c->mt);
	/* a session without a results folder: placement, the clock as measured, counters */
	if (bb_session_open(&c->ses, NULL, false, &c->d) ||
	    bb_session_measure(&c->ses, c->has_cpu ? (int)c->cpu : -1, -1, &c->d))
		return bb_cli_fail(BB_EXIT_FAIL, "calibrate: %s", c->d.msg);
	return 0;
}

/*
 * The progress steps: the dispatch repetitions, the four paths, the two
 * reference paths of a vfio-user device, the cost model of --save.
 */
static void cal_progress(struct cal *c)
{
	size_t n = c->reps + 4;

	if (c->dev->ops->flags & BB_BACKEND_TRAP_MESSAGE)
		n += 2;
	if (c->save)
		n++;
	bb_progress_start(&c->prog, n, 0);
}

/* Dispatch ratio, the four paths, the references; 0 or the exit status. */
static int cal_measure(struct cal *c)
{
	struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = c->mt, .nr_must_trap = c->nmt };
	struct bb_plan plan;
	int err;

	err = bb_policy_run(&bb_policy_full, &c->r, &ctx, &plan, &c->d);
	if (!err && !plan.applicable) {
		bb_plan_free(&plan);
		c->mapped_policy = "sparse";
		err = bb_policy_run(&bb_policy_sparse, &c->r, &ctx, &plan, &c->d);
	}
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "calibrate: %s", c->d.msg);
	c->figs[0].policy = c->figs[1].policy = c->mapped_policy;
	err = dispatch_ratio(c->dev, &c->r, &plan, c->samples, (unsigned)c->reps, &c->ses.tsc, c->ses.overhead,
			     c->ratios, c->ref, c->run, &c->loop_ns, &c->prog, &c->step, &c->d);
	bb_plan_free(&plan);
	if (err) {
		bb_progress_end(&c->prog);
		return bb_cli_fail(BB_EXIT_FAIL, "calibrate: dispatch: %s", c->d.msg);
	}
	for (size_t i = 0; i < 4; i++) {
		struct path_fig *f = &c->figs[i];

		bb_progress_step(&c->prog, c->step++, "%s", f->name);
		f->ok = !measure(c->dev, &c->r, c->mt, c->nmt, f, c->samples, &c->ses.tsc, c->ses.overhead, &c->d);
		if (!f->ok) {
			bb_progress_end(&c->prog);
			fprintf(stderr, "barbench: calibrate: %s: %s\n", f->name, c->d.msg);
			bb_strcpy(f->why, sizeof(f->why), c->d.msg);
		}
	}
	if (c->dev->ops->flags & BB_BACKEND_TRAP_MESSAGE)
		c->nref = reference_traps(c);
	memcpy(c->sorted, c->ratios, c->reps * sizeof(double));
	bb_sort_doubles(c->sorted, c->reps);
	return 0;
}

/* The document of `calibrate --json` (docs/schemas/calibrate.schema.json). */
static json_t *cal_json(const struct cal *c)
{
	json_t *paths = json_array();
	int bad = !paths;

	for (size_t i = 0; i < 4 && !bad; i++)
		bad |= json_array_append_new(paths, path_json(&c->figs[i], false));
	for (size_t i = 0; i < 2 && c->nref && !bad; i++)
		bad |= json_array_append_new(paths, path_json(&c->refs[i], true));
	if (bad) {
		json_decref(paths);
		paths = NULL;
	}
	return json_pack("{s:s,s:o,s:I,s:i,s:I,s:I,s:i,s:o,s:o,s:o,s:o,s:o,s:{s:o,s:o,s:o,s:o},s:o}",
			 "schema", "barbench-calibrate/1", "device", bb_json_str(c->device),
			 "region", (json_int_t)c->r.index, "width_bytes", 4, "samples", (json_int_t)c->samples,
			 "repetitions", (json_int_t)c->reps, "cpu", c->ses.pl.cpu,
			 "tsc_overhead_cycles", bb_json_u64(c->ses.overhead), "timer", bb_timer_json(&c->ses.tsc),
			 "paths", paths, "reference_device", c->nref ? bb_json_str(c->ref_device) : json_null(),
			 "loop_read_ns", bb_json_num(c->loop_ns), "dispatch_ratio",
			 "median", bb_json_num(c->sorted[c->reps / 2]), "min", bb_json_num(c->sorted[0]),
			 "max", bb_json_num(c->sorted[c->reps - 1]), "ratios", ratios_json(c->ratios, (unsigned)c->reps),
			 "cost_file", c->save ? bb_json_str(c->save) : json_null());
}

static void print_path(const struct path_fig *f)
{
	if (f->ok)
		printf("  %-14s %-7s %10.1f %10.1f %4.1f-%-5.1f\n", f->name, f->policy, f->s.p50, f->s.p99, f->s.ci95_lo,
		       f->s.ci95_hi);
}

static void cal_print(const struct cal *c)
{
	const struct bb_tsc *tsc = &c->ses.tsc;
	const struct path_fig *figs = c->figs, *refs = c->refs;
	double res_ns = bb_tsc_resolution_ns(tsc);
	char a[32], b[32];

	printf("barbench calibrate: %s region %" PRIu32 ", 4-byte accesses, %" PRIu64 " samples, CPU %d\n",
	       c->device, c->r.index, c->samples, c->ses.pl.cpu);
	printf("  TSC %.1f MHz (%s), empty timing pair %" PRIu64 " cycles (subtracted)\n", tsc->hz / 1e6,
	       tsc->source, c->ses.overhead);
	printf("  timer: one step is %" PRIu64 " cycles = %.2f ns (the resolution); a sample spans at least %d"
	       " steps, batching accesses faster than that\n", tsc->step_cycles, res_ns, BB_MIN_STEPS_PER_SAMPLE);
	printf("  %-14s %-7s %10s %10s %10s\n", "path", "policy", "p50_ns", "p99_ns", "ci95_ns");
	for (size_t i = 0; i < 4; i++)
		print_path(&figs[i]);
	if (c->nref)
		printf("  trapped_* above are vfio-user message round trips; the same accesses by\n"
		       "  pread/pwrite on %s region %" PRIu32 ":\n", c->ref_device,
		       c->dev->has_layout && c->dev->layout.nr_regions ? c->r.index : 0);
	for (size_t i = 0; i < 2 && c->nref; i++)
		print_path(&refs[i]);
	if (refs[0].ok && figs[2].ok && figs[0].ok && refs[0].s.p50 > 0) {
		/* a mapped read can time below one TSC tick: the ratio is then a lower bound */
		double tick = 1e9 / tsc->hz, mapped = figs[0].s.p50 > tick ? figs[0].s.p50 : tick;

		printf("  a read by message costs %.1fx a pread and %s%.0fx a mapped read (p50)\n",
		       figs[2].s.p50 / refs[0].s.p50, figs[0].s.p50 > tick ? "" : "at least ", figs[2].s.p50 / mapped);
	}
	printf("  loop reference: %.2f ns per 4-byte load;lfence (%u of them timed as a whole with\n"
	       "    CLOCK_MONOTONIC): mapped_read above should be 0.5-2x of it\n", c->loop_ns, LOOP_LOADS);
	/* one access per window here: a figure below one timer step is a bound, never a number */
	bb_format_ns(a, sizeof(a), c->ref[0], res_ns);
	bb_format_ns(b, sizeof(b), c->run[0], res_ns);
	printf("  dispatch overhead: runner/reference ratio of median timed windows %.3f (min %.3f, max %.3f\n"
	       "    over %" PRIu64 " alternating reps; goal <= 1.05); after subtracting the empty pair:\n"
	       "    reference p50 %s, runner p50 %s (first rep, one access per window; timer step %.2f ns)\n",
	       c->sorted[c->reps / 2], c->sorted[0], c->sorted[c->reps - 1], c->reps, a, b, res_ns);
}

/* --save: the cost model, calibrated and written atomically; 0 or the exit status. */
static int cal_save(struct cal *c)
{
	struct bb_cost cost;
	int err;

	bb_progress_step(&c->prog, c->step++, "cost model (--save)");
	err = bb_cost_calibrate(c->dev, &c->r, c->mt, c->nmt, &c->ses.tsc, c->ses.overhead, c->samples, &cost, &c->d);
	if (!err)
		err = bb_write_atomic(c->save, write_cost, &cost, &c->d);
	bb_progress_end(&c->prog);
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "calibrate: --save %s: %s", c->save, c->d.msg);
	if (!c->json)
		printf("  cost model written to %s\n", c->save);
	return 0;
}

static int cmd_calibrate(int argc, char **argv)
{
	static struct cal ctx;
	struct cal *c = &ctx;
	int status;

	memset(c, 0, sizeof(*c));
	c->device = "emu:layouts/nvme-msix-bar0";
	c->samples = 200000;
	c->reps = 7;
	c->mapped_policy = "full";
	c->ses.lock_fd = -1;
	c->figs[0] = (struct path_fig){ "mapped_read", "full", BB_WL_LAT_READ, { 0 }, false, "" };
	c->figs[1] = (struct path_fig){ "mapped_write", "full", BB_WL_LAT_WRITE, { 0 }, false, "" };
	c->figs[2] = (struct path_fig){ "trapped_read", "trap", BB_WL_LAT_READ, { 0 }, false, "" };
	c->figs[3] = (struct path_fig){ "trapped_write", "trap", BB_WL_LAT_WRITE, { 0 }, false, "" };
	c->refs[0] = (struct path_fig){ "pread_read", "trap", BB_WL_LAT_READ, { 0 }, false, "" };
	c->refs[1] = (struct path_fig){ "pwrite_write", "trap", BB_WL_LAT_WRITE, { 0 }, false, "" };
	status = cal_options(c, argc, argv);
	if (!status)
		status = cal_open(c);
	if (!status) {
		cal_progress(c);
		status = cal_measure(c);
	}
	if (!status) {
		/* the table while --save calibrates, the document once the cost file is written */
		bb_progress_end(&c->prog);
		if (!c->json)
			cal_print(c);
		if (c->save)
			status = cal_save(c);
		if (!status && c->json)
			status = bb_cli_json(cal_json(c));
	}
	bb_progress_end(&c->prog);
	bb_session_close(&c->ses);
	if (c->have_r)
		bb_region_free(&c->r);
	bb_dev_close(c->dev);
	return status;
}

const struct bb_cmd bb_cmd_calibrate = { .name = "calibrate", .fn = cmd_calibrate, .help = &cal_help,
	.summary = "measure this machine's mapped and trapped paths and the runner's dispatch overhead" };
