// SPDX-License-Identifier: MIT
/*
 * barbench calibrate: what this machine's paths cost, and proof that the host
 * runner's dispatch adds nothing measurable to a mapped access: the same
 * mapped offsets read through the runner and through a minimal reference
 * loop, alternating, the ratio of medians reported (goal <= 1.05).
 */
#include <errno.h>
#include <time.h>
#include <getopt.h>
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
#include "session.h"

void usage_calibrate(void)
{
	printf("usage: barbench calibrate [--device DEVICE] [--region N] [--samples N] [--reps N]\n"
	       "                          [--cpu N] [--json] [--save COSTFILE]\n"
	       "\n"
	       "Measure on this machine: mapped and trapped read/write latency (4-byte, host\n"
	       "runner), and the dispatch overhead ratio: median of the runner's mapped reads\n"
	       "over the median of a minimal reference loop reading the same memory (goal <= 1.05).\n"
	       "Default device emu:layouts/nvme-msix-bar0, its first mappable region.\n"
	       "--save writes the cost model (per-path trimmed means, setup per mapping) for\n"
	       "run --cost, plan --cost and the budget policy.\n");
}

struct path_fig {
	const char *name;
	const char *policy;
	enum bb_wl_kind kind;
	struct bb_summary s;
	bool ok;
};

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
			  double *ratios, double *ref_p50, double *run_p50, double *loop_ns, struct bb_diag *d)
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

/*
 * vfio-user: the trap path is a message round trip.  Measure the pread/pwrite
 * trap path of the emulated device (the layout given with layout=, else the
 * default) in the same run, so the two costs are compared like for like.
 * Returns how many of @refs were measured; @name gets the device used.
 */
static unsigned reference_traps(const struct bb_dev *dev, uint32_t index, size_t samples, const struct bb_tsc *tsc,
				uint64_t overhead, struct path_fig *refs, char *name, size_t len)
{
	bool own = dev->has_layout && dev->layout.nr_regions;
	struct bb_dev *e = NULL;
	struct bb_region rr;
	struct bb_range mt[2];
	struct bb_diag d;
	unsigned nmt, n = 0;

	snprintf(name, len, "emu:%s", own ? dev->layout.path : "layouts/nvme-msix-bar0");
	if (bb_dev_open(name, &e, &d) || bb_dev_region(e, own ? index : e->index[0], &rr, NULL, NULL, &d)) {
		fprintf(stderr, "barbench: calibrate: reference %s: %s\n", name, d.msg);
		bb_dev_close(e);
		return 0;
	}
	nmt = bb_dev_must_trap(e, rr.index, mt);
	for (unsigned i = 0; i < 2; i++) {
		refs[i].ok = !measure(e, &rr, mt, nmt, &refs[i], samples, tsc, overhead, &d);
		if (refs[i].ok)
			n++;
		else
			fprintf(stderr, "barbench: calibrate: reference %s: %s\n", refs[i].name, d.msg);
	}
	bb_region_free(&rr);
	bb_dev_close(e);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int cmd_calibrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "region", required_argument, NULL, 'r' },
		{ "samples", required_argument, NULL, 'n' },
		{ "reps", required_argument, NULL, 'k' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "save", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = "emu:layouts/nvme-msix-bar0", *save = NULL;
	uint64_t region = 0, samples = 200000, reps = 7, cpu = 0;
	bool has_region = false, has_cpu = false, json = false;
	struct path_fig figs[] = {
		{ "mapped_read", "full", BB_WL_LAT_READ, { 0 }, false },
		{ "mapped_write", "full", BB_WL_LAT_WRITE, { 0 }, false },
		{ "trapped_read", "trap", BB_WL_LAT_READ, { 0 }, false },
		{ "trapped_write", "trap", BB_WL_LAT_WRITE, { 0 }, false },
	};
	struct path_fig refs[] = {	/* vfio-user only: the system-call trap path beside the message one */
		{ "pread_read", "trap", BB_WL_LAT_READ, { 0 }, false },
		{ "pwrite_write", "trap", BB_WL_LAT_WRITE, { 0 }, false },
	};
	char ref_device[320] = "";
	unsigned nref = 0;
	double ratios[64], ref[64], run[64], sorted[64], loop_ns = 0;
	struct bb_registry reg;
	struct bb_dev *dev = NULL;
	struct bb_region r;
	struct bb_range mt[2];
	unsigned nmt;
	struct bb_session ses = { .lock_fd = -1 };
	struct bb_placement pl;
	struct bb_tsc tsc;
	struct bb_plan plan;
	struct bb_diag d;
	uint64_t overhead;
	const char *mapped_policy = "full";
	int c, err, status = BB_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device = optarg; break;
		case 'r':
			if (bb_parse_u64(optarg, &region) || region > UINT32_MAX)
				return bb_cli_fail(BB_EXIT_USAGE, "calibrate: --region %s: not a region index", optarg);
			has_region = true;
			break;
		case 'n':
			if (bb_parse_u64(optarg, &samples) || samples < 100 || samples > 100000000)
				return bb_cli_fail(BB_EXIT_USAGE, "calibrate: --samples %s: 100 to 100000000", optarg);
			break;
		case 'k':
			if (bb_parse_u64(optarg, &reps) || !reps || reps > 64)
				return bb_cli_fail(BB_EXIT_USAGE, "calibrate: --reps %s: 1 to 64", optarg);
			break;
		case 'c':
			if (bb_parse_u64(optarg, &cpu) || cpu > 65535)
				return bb_cli_fail(BB_EXIT_USAGE, "calibrate: --cpu %s: not a CPU number", optarg);
			has_cpu = true;
			break;
		case 'j': json = true; break;
		case 'S': save = optarg; break;
		default:
			return bb_cli_bad_option("calibrate", c, argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "calibrate: unexpected argument '%s'", argv[optind]);
	err = bb_dev_open(device, &dev, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "calibrate: %s", d.msg);
	if (!has_region) {
		/* the first region that may be mmap'd */
		err = -ENOENT;
		for (uint32_t i = 0; i < dev->nr_regions && err; i++) {
			if (bb_dev_region(dev, dev->index[i], &r, NULL, NULL, &d))
				continue;
			if (bb_region_mappable_bytes(&r)) {
				region = r.index;
				err = 0;
			}
			bb_region_free(&r);
		}
		if (err) {
			bb_dev_close(dev);
			return bb_cli_fail(BB_EXIT_USAGE, "calibrate: %s has no mappable region", device);
		}
	}
	err = bb_dev_region(dev, (uint32_t)region, &r, NULL, NULL, &d);
	if (err) {
		bb_dev_close(dev);
		return bb_cli_fail(bb_cli_status(err), "calibrate: %s", d.msg);
	}
	nmt = bb_dev_must_trap(dev, r.index, mt);
	/* a session without a results folder: placement, the clock as measured, counters */
	if (bb_session_open(&ses, NULL, false, &d) || bb_session_measure(&ses, has_cpu ? (int)cpu : -1, -1, &d)) {
		status = bb_cli_fail(BB_EXIT_FAIL, "calibrate: %s", d.msg);
		goto out;
	}
	tsc = ses.tsc;
	pl = ses.pl;
	overhead = ses.overhead;
	bb_registry_init(&reg);
	{
		struct bb_policy_ctx ctx = { .page_size = 4096, .must_trap = mt, .nr_must_trap = nmt };

		err = bb_policy_run(&bb_policy_full, &r, &ctx, &plan, &d);
		if (!err && !plan.applicable) {
			bb_plan_free(&plan);
			mapped_policy = "sparse";
			err = bb_policy_run(&bb_policy_sparse, &r, &ctx, &plan, &d);
		}
	}
	bb_registry_free(&reg);
	if (err) {
		status = bb_cli_fail(BB_EXIT_FAIL, "calibrate: %s", d.msg);
		goto out;
	}
	figs[0].policy = figs[1].policy = mapped_policy;
	err = dispatch_ratio(dev, &r, &plan, samples, (unsigned)reps, &tsc, overhead, ratios, ref, run, &loop_ns, &d);
	bb_plan_free(&plan);
	if (err) {
		status = bb_cli_fail(BB_EXIT_FAIL, "calibrate: dispatch: %s", d.msg);
		goto out;
	}
	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		figs[i].ok = !measure(dev, &r, mt, nmt, &figs[i], samples, &tsc, overhead, &d);
		if (!figs[i].ok)
			fprintf(stderr, "barbench: calibrate: %s: %s\n", figs[i].name, d.msg);
	}
	if (dev->ops->flags & BB_BACKEND_TRAP_MESSAGE)
		nref = reference_traps(dev, r.index, samples, &tsc, overhead, refs, ref_device, sizeof(ref_device));
	memcpy(sorted, ratios, reps * sizeof(double));
	qsort(sorted, reps, sizeof(double), cmp_double);
	if (json) {
		printf("{\"device\":");
		bb_json_string(stdout, device);
		printf(",\"region\":%" PRIu32 ",\"width_bytes\":4,\"samples\":%" PRIu64
		       ",\"tsc_hz\":%.0f,\"tsc_source\":\"%s\",\"tsc_overhead_cycles\":%" PRIu64 ",\"cpu\":%d",
		       r.index, samples, tsc.hz, tsc.source, overhead, pl.cpu);
		printf(",\"timer\":{\"source\":\"%s\",\"freq_hz\":%.0f,\"step_cycles\":%" PRIu64 ",\"resolution_ns\":%.3f,"
		       "\"empty_pair_ns\":%.3f,\"end_instruction\":\"%s\"}", tsc.source, tsc.hz, tsc.step_cycles,
		       bb_tsc_resolution_ns(&tsc), bb_tsc_ns(&tsc, tsc.empty_pair_cycles), tsc.end);
		for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++)
			if (figs[i].ok)
				printf(",\"%s_p50_ns\":%.2f,\"%s_p99_ns\":%.2f", figs[i].name, figs[i].s.p50,
				       figs[i].name, figs[i].s.p99);
		if (nref)
			printf(",\"reference_device\":\"%s\"", ref_device);
		for (size_t i = 0; i < 2 && nref; i++)
			if (refs[i].ok)
				printf(",\"%s_p50_ns\":%.2f,\"%s_p99_ns\":%.2f", refs[i].name, refs[i].s.p50,
				       refs[i].name, refs[i].s.p99);
		printf(",\"loop_read_ns\":%.3f", loop_ns);
		printf(",\"dispatch_ratio_median\":%.4f,\"dispatch_ratio_min\":%.4f,\"dispatch_ratio_max\":%.4f,"
		       "\"dispatch_ratios\":[", sorted[reps / 2], sorted[0], sorted[reps - 1]);
		for (uint64_t i = 0; i < reps; i++)
			printf("%s%.4f", i ? "," : "", ratios[i]);
		printf("]}\n");
	} else {
		printf("barbench calibrate: %s region %" PRIu32 ", 4-byte accesses, %" PRIu64 " samples, CPU %d\n",
		       device, r.index, samples, pl.cpu);
		printf("  TSC %.1f MHz (%s), empty timing pair %" PRIu64 " cycles (subtracted)\n", tsc.hz / 1e6,
		       tsc.source, overhead);
		printf("  timer: one step is %" PRIu64 " cycles = %.2f ns (the resolution); a sample spans at least %d"
		       " steps, batching accesses faster than that\n", tsc.step_cycles, bb_tsc_resolution_ns(&tsc),
		       BB_MIN_STEPS_PER_SAMPLE);
		printf("  %-14s %-7s %10s %10s %10s\n", "path", "policy", "p50_ns", "p99_ns", "ci95_ns");
		for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++)
			if (figs[i].ok)
				printf("  %-14s %-7s %10.1f %10.1f %4.1f-%-5.1f\n", figs[i].name, figs[i].policy,
				       figs[i].s.p50, figs[i].s.p99, figs[i].s.ci95_lo, figs[i].s.ci95_hi);
		if (nref)
			printf("  trapped_* above are vfio-user message round trips; the same accesses by\n"
			       "  pread/pwrite on %s region %" PRIu32 ":\n", ref_device,
			       dev->has_layout && dev->layout.nr_regions ? r.index : 0);
		for (size_t i = 0; i < 2 && nref; i++)
			if (refs[i].ok)
				printf("  %-14s %-7s %10.1f %10.1f %4.1f-%-5.1f\n", refs[i].name, refs[i].policy,
				       refs[i].s.p50, refs[i].s.p99, refs[i].s.ci95_lo, refs[i].s.ci95_hi);
		if (refs[0].ok && figs[2].ok && figs[0].ok && refs[0].s.p50 > 0) {
			/* a mapped read can time below one TSC tick: the ratio is then a lower bound */
			double tick = 1e9 / tsc.hz, mapped = figs[0].s.p50 > tick ? figs[0].s.p50 : tick;

			printf("  a read by message costs %.1fx a pread and %s%.0fx a mapped read (p50)\n",
			       figs[2].s.p50 / refs[0].s.p50, figs[0].s.p50 > tick ? "" : "at least ",
			       figs[2].s.p50 / mapped);
		}
		char a[32], b[32];
		double res_ns = bb_tsc_resolution_ns(&tsc);

		printf("  loop reference: %.2f ns per 4-byte load;lfence (%u of them timed as a whole with\n"
		       "    CLOCK_MONOTONIC): mapped_read above should be 0.5-2x of it\n", loop_ns, LOOP_LOADS);
		/* one access per window here: a figure below one timer step is a bound, never a number */
		bb_format_ns(a, sizeof(a), ref[0], res_ns);
		bb_format_ns(b, sizeof(b), run[0], res_ns);
		printf("  dispatch overhead: runner/reference ratio of median timed windows %.3f (min %.3f, max %.3f\n"
		       "    over %" PRIu64 " alternating reps; goal <= 1.05); after subtracting the empty pair:\n"
		       "    reference p50 %s, runner p50 %s (first rep, one access per window; timer step %.2f ns)\n",
		       sorted[reps / 2], sorted[0], sorted[reps - 1], reps, a, b, res_ns);
	}
	if (save) {
		struct bb_cost cost;

		err = bb_cost_calibrate(dev, &r, mt, nmt, &tsc, overhead, samples, &cost, &d);
		if (!err)
			err = bb_write_atomic(save, write_cost, &cost, &d);
		if (err)
			status = bb_cli_fail(BB_EXIT_FAIL, "calibrate: --save %s: %s", save, d.msg);
		else if (!json)
			printf("  cost model written to %s\n", save);
	}
out:
	bb_session_close(&ses);
	bb_region_free(&r);
	bb_dev_close(dev);
	return status;
}
