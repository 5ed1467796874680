// SPDX-License-Identifier: MIT
/*
 * barbench advise LAYOUT: for each layout change a vendor can make, each page
 * size and each policy, the predicted gain (cost model x access profile) and
 * the measured gain (the changed layout built and run on the emulated
 * device), and the memslots it costs or saves; ranked.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "advise.h"
#include "barbench/backend.h"
#include "json.h"
#include "manifest.h"
#include "measure.h"
#include "parse.h"
#include "placement.h"
#include "barbench/policy.h"
#include "profile.h"
#include "barbench/runner.h"
#include "barbench/stats.h"
#include "cli.h"
#include "layout_check.h"
#include "session.h"

#define MAX_PAGES 8
#define CYCLE 4096

void usage_advise(void)
{
	printf("usage: barbench advise LAYOUT [--region N] [--profile TRACE] [--page-size 4K,16K,64K]\n"
	       "                       [--samples N] [--cost FILE] [--json] [--out DIR]\n"
	       "\n"
	       "Try the layout changes a hardware vendor can make: MSI-X table and PBA in a BAR of\n"
	       "their own; table and PBA on 64 KiB-aligned pages; hot registers moved out of the\n"
	       "table's 64 KiB page; doorbells gathered into one 64 KiB-aligned block. For each\n"
	       "change, page size and policy: predicted and measured time per access before and\n"
	       "after, the gain, and the memslots it costs or saves, ranked by predicted gain.\n"
	       "The profile is the layout's hotness (or a replay trace); the cost model is\n"
	       "calibrated on the layout's region first (or --cost). --out DIR writes\n"
	       "DIR/advise.csv (shown in that folder's report) and each changed layout.\n");
}

struct variant {
	const char *name;		/* "baseline" or the change */
	char what[200];
	struct bb_changed ch;		/* ch.layout is the variant's layout */
	struct bb_profile profile;
	char path[512];			/* its layout file (the emulated device reads it) */
	bool ok;
	char why[BB_DIAG_MAX];
	/* [page][policy] */
	double pred[MAX_PAGES][BB_REGISTRY_MAX], meas[MAX_PAGES][BB_REGISTRY_MAX];
	uint32_t slots[MAX_PAGES][BB_REGISTRY_MAX];
	bool applies[MAX_PAGES][BB_REGISTRY_MAX];
};

struct row {
	unsigned v, page, pol;
	double gain_pred, gain_meas;
};

static int write_layout(FILE *f, void *arg)
{
	return bb_layout_write(f, arg);
}

/* A serialised workload drawn from the profile's weights (fixed seed). */
static int profile_workload(const struct bb_profile *p, struct bb_workload *w)
{
	double total = bb_profile_weight(p);
	uint64_t s = 0x61647669736521ull;

	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "profile");
	w->kind = BB_WL_MIX;
	w->per_sample = 1;
	w->serialised = true;
	if (!p->n || total <= 0)
		return -ENOENT;
	w->acc = calloc(CYCLE, sizeof(*w->acc));
	if (!w->acc)
		return -ENOMEM;
	for (size_t i = 0; i < CYCLE; i++) {
		double x;
		size_t k = 0;

		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		x = (double)((s * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0 * total;
		while (k + 1 < p->n && x >= p->v[k].weight) {
			x -= p->v[k].weight;
			k++;
		}
		w->acc[i] = (struct bb_access){ p->v[k].offset, p->v[k].width, p->v[k].op };
	}
	w->n = CYCLE;
	w->bytes_per_sample = w->acc[0].width;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->gain_pred != y->gain_pred)
		return x->gain_pred > y->gain_pred ? -1 : 1;
	return x->gain_meas > y->gain_meas ? -1 : x->gain_meas < y->gain_meas;
}

struct csv_arg {
	const char *layout;
	uint32_t region;
	struct variant *v;
	struct row *rows;
	size_t nrows;
	const uint64_t *pages;
	struct bb_registry *reg;
};

static int write_csv(FILE *f, void *arg)
{
	const struct csv_arg *a = arg;

	fprintf(f, "layout,region,change,page_size,policy,predicted_before_ns,predicted_after_ns,predicted_gain_ns,"
		"measured_before_ns,measured_after_ns,measured_gain_ns,memslots_before,memslots_after\n");
	for (size_t i = 0; i < a->nrows; i++) {
		const struct row *r = &a->rows[i];
		const struct variant *b = &a->v[0], *c = &a->v[r->v];

		fprintf(f, "%s,%" PRIu32 ",%s,%" PRIu64 ",%s,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%" PRIu32 ",%" PRIu32 "\n",
			a->layout, a->region, c->name, a->pages[r->page], a->reg->ops[r->pol]->name,
			b->pred[r->page][r->pol], c->pred[r->page][r->pol], r->gain_pred, b->meas[r->page][r->pol],
			c->meas[r->page][r->pol], r->gain_meas, b->slots[r->page][r->pol], c->slots[r->page][r->pol]);
	}
	return ferror(f) ? -EIO : 0;
}

/*
 * The hot registers (reads=/writes= above 0) that share a 64 KiB page with
 * the MSI-X table or PBA: every policy a VMM can use traps them on 64 KiB
 * hosts, which is what the moves below are for.
 */
static void print_hot_trapped(const struct bb_layout *l, bool json)
{
	const struct bb_layout_reg *g[8];
	uint32_t n = bb_layout_hot_on_must_trap_pages(l, 65536, g, 8);

	if (json) {
		printf(",\"hot_trapped_64k\":{\"count\":%" PRIu32 ",\"first\":[", n);
		for (uint32_t i = 0; i < n && i < 8; i++) {
			printf("%s", i ? "," : "");
			bb_json_string(stdout, g[i]->name);
		}
		printf("]}");
		return;
	}
	if (!n) {
		printf("  no hot register shares a 64 KiB page with the MSI-X table or PBA\n");
		return;
	}
	printf("  %" PRIu32 " hot register%s trap%s on 64 KiB pages whatever the policy (on the MSI-X table's or PBA's "
	       "page):", n, n == 1 ? "" : "s", n == 1 ? "s" : "");
	for (uint32_t i = 0; i < n && i < 8; i++)
		printf(" %s", g[i]->name);
	printf("%s\n", n > 8 ? " ..." : "");
}

int cmd_advise(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region", required_argument, NULL, 'r' },
		{ "profile", required_argument, NULL, 'F' },
		{ "page-size", required_argument, NULL, 's' },
		{ "samples", required_argument, NULL, 'n' },
		{ "cost", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *arg = NULL, *profile_file = NULL, *cost_file = NULL, *out = NULL;
	uint64_t pages[MAX_PAGES] = { 4096, 16384, 65536 }, samples = 3000, region = 0;
	unsigned np = 3;
	bool json = false, has_region = false, have_cost = false, uniform = false;
	struct variant *v = NULL;
	struct row *rows = NULL;
	size_t nrows = 0;
	struct bb_registry reg;
	struct bb_layout base;
	struct bb_profile prof0 = { 0 };
	struct bb_cost cost;
	struct bb_session ses = { .lock_fd = -1 };
	struct bb_diag d;
	int c, err, status = BB_EXIT_OK;
	unsigned nv = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (bb_parse_u64(optarg, &region) || region > UINT32_MAX)
				return bb_cli_fail(BB_EXIT_USAGE, "advise: --region %s: not a region index", optarg);
			has_region = true;
			break;
		case 'F': profile_file = optarg; break;
		case 'C': cost_file = optarg; break;
		case 'o': out = optarg; break;
		case 'j': json = true; break;
		case 's':
			if (bb_cli_page_sizes(optarg, pages, MAX_PAGES, &np, &d))
				return bb_cli_fail(BB_EXIT_USAGE, "advise: %s", d.msg);
			break;
		case 'n':
			if (bb_parse_u64(optarg, &samples) || samples < 10 || samples > 10000000)
				return bb_cli_fail(BB_EXIT_USAGE, "advise: --samples %s: 10 to 10000000", optarg);
			break;
		default:
			return bb_cli_bad_option("advise", c, argv[optind - 1]);
		}
	}
	if (optind < argc)
		arg = argv[optind++];
	if (!arg || optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "advise: give one LAYOUT (see barbench advise --help)");
	err = bb_cli_layout(arg, &base, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "advise: %s", d.msg);
	if (!has_region) {
		/* the region with the most register traffic */
		uint64_t best = 0;

		for (uint32_t i = 0; i < base.nr_regs; i++) {
			uint64_t w = 0;

			for (uint32_t k = 0; k < base.nr_regs; k++)
				if (base.regs[k].region == base.regs[i].region)
					w += (uint64_t)base.regs[k].reads + base.regs[k].writes;
			if (w > best) {
				best = w;
				region = base.regs[i].region;
			}
		}
		if (!best) {
			/* no hotness: the region with the most registers, each accessed once */
			uint32_t most = 0;

			uniform = true;
			for (uint32_t i = 0; i < base.nr_regs; i++) {
				uint32_t n = 0;

				for (uint32_t k = 0; k < base.nr_regs; k++)
					n += base.regs[k].region == base.regs[i].region;
				if (n > most) {
					most = n;
					region = base.regs[i].region;
				}
			}
			if (!most && !profile_file) {
				bb_layout_free(&base);
				return bb_cli_fail(BB_EXIT_USAGE, "advise: %s: no named register to profile: give --profile", arg);
			}
		}
	}
	if (!bb_layout_find_region(&base, (uint32_t)region)) {
		bb_layout_free(&base);
		return bb_cli_fail(BB_EXIT_USAGE, "advise: %s: no region %" PRIu64, arg, region);
	}
	bb_registry_init(&reg);
	v = calloc(BB_CHANGE_COUNT + 1, sizeof(*v));
	rows = calloc((size_t)BB_CHANGE_COUNT * MAX_PAGES * BB_REGISTRY_MAX, sizeof(*rows));
	if (!v || !rows) {
		status = bb_cli_fail(BB_EXIT_FAIL, "advise: out of memory or no temporary folder");
		goto out;
	}
	{
		struct bb_region r0;
		const struct bb_layout_region *lr = bb_layout_find_region(&base, (uint32_t)region);

		if (bb_region_copy(&r0, &lr->info)) {
			status = bb_cli_fail(BB_EXIT_FAIL, "advise: out of memory");
			goto out;
		}
		err = profile_file ? bb_profile_from_trace(profile_file, &r0, &prof0, &d)
		      : uniform	   ? bb_profile_uniform(&base, (uint32_t)region, 4, &prof0)
				   : bb_profile_from_layout(&base, (uint32_t)region, 4, &prof0);
		bb_region_free(&r0);
		if (err || !prof0.n) {
			status = bb_cli_fail(BB_EXIT_USAGE, "advise: profile: %s", err ? d.msg : "empty");
			goto out;
		}
	}
	/* a session without a results folder: the clock, placement and counters */
	if (bb_session_open(&ses, NULL, false, &d) || bb_session_measure(&ses, -1, -1, &d)) {
		status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s", d.msg);
		goto out;
	}
	if (cost_file) {
		if (bb_cost_load(cost_file, &cost, &d)) {
			status = bb_cli_fail(BB_EXIT_USAGE, "advise: --cost %s", d.msg);
			goto out;
		}
		have_cost = true;
	}

	/* the variants: baseline, then each change that applies */
	for (int ch = -1; ch < BB_CHANGE_COUNT; ch++) {
		struct variant *x = &v[nv];

		if (ch < 0) {
			x->name = "baseline";
			err = bb_layout_copy(&x->ch.layout, &base);
			snprintf(x->what, sizeof(x->what), "as shipped");
		} else {
			x->name = bb_change_name((enum bb_change)ch);
			err = bb_change_apply(&base, (enum bb_change)ch, &x->ch, &d);
			if (err == -ENOENT) {
				if (!json)
					printf("change %-22s does not apply: %s\n", x->name, d.msg);
				continue;
			}
			snprintf(x->what, sizeof(x->what), "%s", x->ch.what);
		}
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s: %s", x->name, d.msg);
			goto out;
		}
		err = bb_profile_move(&prof0, (uint32_t)region, &x->ch, &x->profile);
		/* the changed layouts are files only when asked (--out): advise measures them from memory */
		if (out) {
			snprintf(x->path, sizeof(x->path), "%s/%s", out, x->name);
			if (!err && mkdir(out, 0777) && errno != EEXIST)
				err = bb_diag_set(&d, -errno, "%s: %s", out, strerror(errno));
			if (!err)
				err = bb_write_atomic(x->path, write_layout, &x->ch.layout, &d);
		}
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s: %s", x->name, d.msg);
			goto out;
		}
		x->ok = true;
		nv++;
	}

	/* plan, predict and measure every variant x page x policy */
	for (unsigned i = 0; i < nv; i++) {
		struct variant *x = &v[i];
		struct bb_dev *dev;
		struct bb_region r;
		struct bb_range mt[2];
		unsigned nmt;
		struct bb_workload wl;

		err = bb_emu_open_layout(&x->ch.layout, x->name, &dev, &d);
		if (!err) {
			err = bb_dev_region(dev, (uint32_t)region, &r, NULL, NULL, &d);
			if (err)
				bb_dev_close(dev);
		}
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s: the changed layout does not load: %s", x->name, d.msg);
			goto out;
		}
		nmt = bb_dev_must_trap(dev, r.index, mt);
		if (!have_cost && i == 0) {
			if (bb_cost_calibrate(dev, &r, mt, nmt, &ses.tsc, ses.overhead, samples, &cost, &d))
				bb_cost_default(&cost);
			have_cost = true;
		}
		err = profile_workload(&x->profile, &wl);
		if (err) {
			bb_region_free(&r);
			bb_dev_close(dev);
			status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s: no workload from the profile", x->name);
			goto out;
		}
		for (unsigned g = 0; g < np; g++) {
			for (unsigned p = 0; p < reg.n; p++) {
				struct bb_policy_ctx ctx = { .page_size = pages[g], .must_trap = mt, .nr_must_trap = nmt,
							     .profile = &x->profile, .cost = &cost };
				struct bb_plan plan;
				struct bb_run_result res;

				if (bb_policy_run(reg.ops[p], &r, &ctx, &plan, &d) || !plan.applicable) {
					bb_plan_free(&plan);
					continue;
				}
				x->applies[g][p] = true;
				x->slots[g][p] = plan.memslots;
				x->pred[g][p] = bb_predict_access_ns(&cost, &plan, &x->profile);
				{
					struct bb_run_cfg cfg = { .dev = dev, .region = &r, .plan = &plan, .wl = &wl,
								  .samples = samples, .warmup = samples / 10, .tsc = &ses.tsc,
								  .tsc_overhead = ses.overhead };
					struct bb_summary sm;

					err = bb_runner_host.run(&cfg, &res, &d);
					if (!err) {
						err = bb_summarize(res.ns, res.n, &sm);	/* sorts */
						x->meas[g][p] = err ? NAN : bb_tmean(res.ns, res.n);
						bb_run_result_free(&res);
					}
					if (err) {
						bb_plan_free(&plan);
						bb_workload_free(&wl);
						bb_region_free(&r);
						bb_dev_close(dev);
						status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s %s: %s", x->name, reg.ops[p]->name,
								     d.msg);
						goto out;
					}
				}
				bb_plan_free(&plan);
			}
		}
		bb_workload_free(&wl);
		bb_region_free(&r);
		bb_dev_close(dev);
	}
	/* rows: every change x page x policy where both it and the baseline apply */
	for (unsigned i = 1; i < nv; i++)
		for (unsigned g = 0; g < np; g++)
			for (unsigned p = 0; p < reg.n; p++)
				if (v[0].applies[g][p] && v[i].applies[g][p])
					rows[nrows++] = (struct row){ i, g, p, v[0].pred[g][p] - v[i].pred[g][p],
								      v[0].meas[g][p] - v[i].meas[g][p] };
	qsort(rows, nrows, sizeof(*rows), cmp_row);
	if (json) {
		printf("{\"layout\":");
		bb_json_string(stdout, base.name);
		printf(",\"region\":%" PRIu64 ",\"cost_model\":", region);
		bb_json_string(stdout, cost.source);
		print_hot_trapped(&base, true);
		printf(",\"changes\":[");
		for (unsigned i = 1; i < nv; i++) {
			printf("%s{\"change\":\"%s\",\"what\":", i > 1 ? "," : "", v[i].name);
			bb_json_string(stdout, v[i].what);
			putchar('}');
		}
		printf("],\"ranked\":[");
		for (size_t k = 0; k < nrows; k++) {
			const struct row *w = &rows[k];

			printf("%s{\"change\":\"%s\",\"page_size\":%" PRIu64 ",\"policy\":\"%s\",\"predicted_before_ns\":%.3f,"
			       "\"predicted_after_ns\":%.3f,\"predicted_gain_ns\":%.3f,\"measured_before_ns\":%.3f,"
			       "\"measured_after_ns\":%.3f,\"measured_gain_ns\":%.3f,\"memslots_before\":%" PRIu32
			       ",\"memslots_after\":%" PRIu32 "}", k ? "," : "", v[w->v].name, pages[w->page],
			       reg.ops[w->pol]->name, v[0].pred[w->page][w->pol], v[w->v].pred[w->page][w->pol], w->gain_pred,
			       v[0].meas[w->page][w->pol], v[w->v].meas[w->page][w->pol], w->gain_meas,
			       v[0].slots[w->page][w->pol], v[w->v].slots[w->page][w->pol]);
		}
		printf("]}\n");
	} else {
		printf("barbench advise %s region %" PRIu64 ": profile %s (%zu accesses kinds), cost model: %s\n", base.name,
		       region, profile_file ? profile_file : uniform ? "every register once (the layout has no hotness)"
								 : "from the layout's hotness", prof0.n, cost.source);
		print_hot_trapped(&base, false);
		for (unsigned i = 1; i < nv; i++)
			printf("  %-22s %s\n", v[i].name, v[i].what);
		printf("\n%-4s %-22s %-7s %-7s %28s %28s %9s\n", "rank", "change", "page", "policy",
		       "predicted ns/access (gain)", "measured ns/access (gain)", "memslots");
		for (size_t k = 0; k < nrows; k++) {
			const struct row *w = &rows[k];
			double pb = v[0].pred[w->page][w->pol], pa = v[w->v].pred[w->page][w->pol];
			double mb = v[0].meas[w->page][w->pol], ma = v[w->v].meas[w->page][w->pol];
			char pg[32], pt[64], mt2[64];

			bb_format_size(pg, sizeof(pg), pages[w->page]);
			snprintf(pt, sizeof(pt), "%.1f -> %.1f (%+.0f%%)", pb, pa, pb > 0 ? 100 * (pa - pb) / pb : 0);
			snprintf(mt2, sizeof(mt2), "%.1f -> %.1f (%+.0f%%)", mb, ma, mb > 0 ? 100 * (ma - mb) / mb : 0);
			printf("%-4zu %-22s %-7s %-7s %28s %28s %4" PRIu32 " -> %" PRIu32 "\n", k + 1, v[w->v].name, pg,
			       reg.ops[w->pol]->name, pt, mt2, v[0].slots[w->page][w->pol], v[w->v].slots[w->page][w->pol]);
		}
		if (!nrows)
			printf("no change applies to this layout\n");
	}
	if (out) {
		struct csv_arg ca = { base.name, (uint32_t)region, v, rows, nrows, pages, &reg };
		char path[4096];

		snprintf(path, sizeof(path), "%s/advise.csv", out);
		err = bb_write_atomic(path, write_csv, &ca, &d);
		if (err)
			status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s", d.msg);
		else if (!json)
			printf("\nwritten: %s and the changed layouts beside it\n", path);
	}
out:
	bb_session_close(&ses);

	for (unsigned i = 0; v && i <= BB_CHANGE_COUNT; i++) {
		if (v[i].ok || v[i].ch.layout.regions)
			bb_layout_free(&v[i].ch.layout);
		bb_profile_free(&v[i].profile);
	}
	free(v);
	free(rows);
	bb_profile_free(&prof0);
	bb_layout_free(&base);
	bb_registry_free(&reg);
	return status;
}
