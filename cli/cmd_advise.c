// SPDX-License-Identifier: MIT
/*
 * barbench advise LAYOUT: for each layout change a vendor can make, each page
 * size and each policy, the predicted gain (cost model x access profile) and
 * the measured gain (the changed layout built and run on the emulated
 * device), and the memslots it costs or saves; ranked.
 */
#include <errno.h>
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
#include "options.h"
#include "progress.h"
#include "layout_check.h"
#include "session.h"
#include "xorshift.h"

#define MAX_PAGES 8
#define CYCLE 4096

enum { K_REGION = BB_OPT_KEY(0), K_PROFILE, K_PAGE, K_SAMPLES, K_COST, K_JSON, K_OUT };

static const struct bb_opt advise_opts[] = {
	{ "region", K_REGION, "N", "the one with the most register traffic",
	  "the region to advise on" },
	{ "profile", K_PROFILE, "TRACE", "the layout's hotness", "the access profile (a replay trace)" },
	{ "page-size", K_PAGE, "LIST", "4K,16K,64K", "comma list of host page sizes (at most 8)" },
	{ "samples", K_SAMPLES, "N", "3000", "timed samples per measurement, 10 to 10000000" },
	{ "cost", K_COST, "FILE", "calibrated on the layout's region", "a cost model (barbench calibrate --save)" },
	{ "out", K_OUT, "DIR", NULL, "write DIR/advise.csv (shown in that folder's report) and each\n"
				     "changed layout" },
	{ "json", K_JSON, NULL, NULL, "one JSON document instead of the table (docs/results.md,\n"
				      "docs/schemas/advise.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help advise_help = {
	.cmd = "advise",
	.synopsis = "LAYOUT [options]",
	.text = "Try the layout changes a hardware vendor can make: MSI-X table and PBA in a BAR of\n"
		"their own; table and PBA on 64 KiB-aligned pages; hot registers moved out of the\n"
		"table's 64 KiB page; doorbells gathered into one 64 KiB-aligned block. For each\n"
		"change, page size and policy: predicted and measured time per access before and\n"
		"after, the gain, and the memslots it costs or saves, ranked by predicted gain.\n"
		"The profile is the layout's hotness (or a replay trace); the cost model is\n"
		"calibrated on the layout's region first (or --cost).\n",
	.operands = "  LAYOUT   a layout file, emu:PATH or a shipped layout's name\n",
	.opts = advise_opts,
	.quiet = "results and errors only: no line per change that does not apply\n"
		 "and no \"written:\" line",
	.exit = "0 ranked, 1 a measurement or a file failed, 2 a layout that does not\n"
		"load, names no register, or a bad option.",
};

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

		x = bb_unit53(bb_xorshift64s(&s)) * total;
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
	const struct variant *v;
	const struct row *rows;
	size_t nrows;
	const uint64_t *pages;
	const struct bb_registry *reg;
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
static void print_hot_trapped(const struct bb_layout *l)
{
	const struct bb_layout_reg *g[8];
	uint32_t n = bb_layout_hot_on_must_trap_pages(l, 65536, g, 8);

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

/* The same for `advise --json`: {count, first: [up to 8 names]}. */
static json_t *hot_trapped_json(const struct bb_layout *l)
{
	const struct bb_layout_reg *g[8];
	uint32_t n = bb_layout_hot_on_must_trap_pages(l, 65536, g, 8);
	json_t *first = json_array();

	for (uint32_t i = 0; i < n && i < 8 && first; i++)
		if (json_array_append_new(first, bb_json_str(g[i]->name))) {
			json_decref(first);
			first = NULL;
		}
	return first ? json_pack("{s:I,s:o}", "count", (json_int_t)n, "first", first) : NULL;
}

/* The document of `advise --json` (docs/schemas/advise.schema.json). */
static json_t *advise_json(const struct csv_arg *a, unsigned nv, const char *cost_model, const char *out,
			   json_t *hot)
{
	json_t *ch = json_array(), *ranked = json_array();
	int bad = !ch || !ranked;

	for (unsigned i = 1; i < nv && !bad; i++)
		bad |= json_array_append_new(ch, json_pack("{s:s,s:o}", "change", a->v[i].name, "what",
							   bb_json_str(a->v[i].what)));
	for (size_t k = 0; k < a->nrows && !bad; k++) {
		const struct row *w = &a->rows[k];
		const struct variant *b = &a->v[0], *c = &a->v[w->v];

		bad |= json_array_append_new(ranked, json_pack(
			"{s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I}", "rank", (json_int_t)k + 1,
			"change", c->name, "page_size_bytes", bb_json_u64(a->pages[w->page]),
			"policy", bb_json_str(a->reg->ops[w->pol]->name),
			"predicted_before_ns", bb_json_num(b->pred[w->page][w->pol]),
			"predicted_after_ns", bb_json_num(c->pred[w->page][w->pol]),
			"predicted_gain_ns", bb_json_num(w->gain_pred),
			"measured_before_ns", bb_json_num(b->meas[w->page][w->pol]),
			"measured_after_ns", bb_json_num(c->meas[w->page][w->pol]),
			"measured_gain_ns", bb_json_num(w->gain_meas),
			"memslots_before", (json_int_t)b->slots[w->page][w->pol],
			"memslots_after", (json_int_t)c->slots[w->page][w->pol]));
	}
	if (bad || !hot) {
		json_decref(ch);
		json_decref(ranked);
		json_decref(hot);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:I,s:o,s:o,s:o,s:o,s:o}", "schema", "barbench-advise/1", "layout",
			 bb_json_str(a->layout), "region", (json_int_t)a->region, "cost_model", bb_json_str(cost_model),
			 "hot_trapped_64k", hot, "out", out ? bb_json_str(out) : json_null(), "changes", ch,
			 "ranked", ranked);
}

/* What the command line says. */
struct advise_opts {
	const char *layout, *profile_file, *cost_file, *out;
	uint64_t pages[MAX_PAGES], samples, region;
	unsigned np;
	bool json, has_region;
	bool quiet;	/* in-process for study: nothing on stdout */
};

/* One `barbench advise`: the layout, its profile and cost model, the variants measured, the ranking. */
struct actx {
	struct advise_opts o;
	struct bb_layout base;
	bool have_base;
	uint32_t region;
	bool uniform;			/* no hotness in the layout: every register once */
	struct bb_profile prof0;	/* of the baseline */
	struct bb_cost cost;
	bool have_cost;
	struct bb_registry reg;
	struct bb_session ses;
	struct variant *v;		/* [0] the baseline, then each change that applies */
	unsigned nv;
	struct row *rows;
	size_t nrows;
};

/* The command line into @o: 0, or the exit status after a message. */
static int parse_options(int argc, char **argv, struct advise_opts *o)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	uint32_t region;
	int c, err = 0;

	o->pages[0] = 4096;
	o->pages[1] = 16384;
	o->pages[2] = 65536;
	o->np = 3;
	o->samples = 3000;
	while (!err && (c = bb_opt_next(&st, argc, argv, &advise_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_REGION:
			err = bb_opt_region(&advise_help, c, val, &region);
			o->region = region;
			o->has_region = true;
			break;
		case K_PROFILE: o->profile_file = val; break;
		case K_COST: o->cost_file = val; break;
		case K_OUT: o->out = val; break;
		case K_JSON: o->json = true; break;
		case K_PAGE: err = bb_opt_page_sizes(&advise_help, c, val, o->pages, MAX_PAGES, &o->np); break;
		case K_SAMPLES: err = bb_opt_u64(&advise_help, c, val, 10, 10000000, &o->samples); break;
		}
	}
	if (err)
		return err;
	if (argc - optind != 1)
		return bb_cli_fail(BB_EXIT_USAGE, "advise: give one LAYOUT (see barbench advise --help)");
	o->layout = argv[optind];
	return 0;
}

/*
 * The region to advise on when --region is not given: the one with the most
 * register traffic, else (no hotness: *@uniform) the one with the most
 * registers.  UINT32_MAX when the layout names no register.
 */
static uint64_t traffic(const struct bb_layout_reg *g)
{
	return (uint64_t)g->reads + g->writes;
}

static uint64_t one(const struct bb_layout_reg *g)
{
	(void)g;
	return 1;
}

static uint32_t busiest_region(const struct bb_layout *l, bool *uniform)
{
	uint32_t region = bb_heaviest_region(l, NULL, traffic);

	*uniform = region == UINT32_MAX;
	return *uniform ? bb_heaviest_region(l, NULL, one) : region;
}

/* The layout and the region of it to advise on. */
static int load_layout(struct actx *x)
{
	const struct advise_opts *o = &x->o;
	struct bb_diag d;
	int err;

	err = bb_cli_layout(o->layout, &x->base, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "advise: %s", d.msg);
	x->have_base = true;
	x->region = (uint32_t)o->region;
	if (!o->has_region) {
		uint32_t r = busiest_region(&x->base, &x->uniform);

		/* no named register: the region stays 0, and only a --profile can say what is accessed */
		if (r == UINT32_MAX && !o->profile_file)
			return bb_cli_fail(BB_EXIT_USAGE, "advise: %s: no named register to profile: give --profile",
					   o->layout);
		if (r != UINT32_MAX)
			x->region = r;
	}
	if (!bb_layout_find_region(&x->base, x->region))
		return bb_cli_fail(BB_EXIT_USAGE, "advise: %s: no region %" PRIu64, o->layout,
				   o->has_region ? o->region : (uint64_t)x->region);
	return 0;
}

/* Region x->region as the baseline's emulated device reports it, opened from the layout in memory. */
static int baseline_region(const struct actx *x, struct bb_region *r, struct bb_diag *d)
{
	struct bb_dev *dev;
	int err = bb_emu_open_layout(&x->base, "baseline", &dev, d);

	if (err)
		return err;
	err = bb_dev_region(dev, x->region, r, NULL, NULL, d);
	bb_dev_close(dev);
	return err;
}

/* The baseline's profile: the replay trace (checked against the region), the layout's hotness, or every register once. */
static int load_profile(struct actx *x)
{
	struct bb_region r0;
	struct bb_diag d;
	int err;

	err = baseline_region(x, &r0, &d);
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "advise: %s", d.msg);
	err = x->o.profile_file ? bb_profile_from_trace(x->o.profile_file, &r0, &x->prof0, &d)
	      : x->uniform	 ? bb_profile_uniform(&x->base, x->region, 4, &x->prof0)
				 : bb_profile_from_layout(&x->base, x->region, 4, &x->prof0);
	bb_region_free(&r0);
	if (err || !x->prof0.n)
		return bb_cli_fail(BB_EXIT_USAGE, "advise: profile: %s", err ? d.msg : "empty");
	return 0;
}

/* A session without a results folder (the clock, placement and counters), and --cost when given. */
static int open_session(struct actx *x)
{
	struct bb_diag d;

	if (bb_session_open(&x->ses, NULL, false, &d) || bb_session_measure(&x->ses, -1, -1, &d))
		return bb_cli_fail(BB_EXIT_FAIL, "advise: %s", d.msg);
	if (x->o.cost_file) {
		if (bb_cost_load(x->o.cost_file, &x->cost, &d))
			return bb_cli_fail(BB_EXIT_USAGE, "advise: --cost %s", d.msg);
		x->have_cost = true;
	}
	return 0;
}

/*
 * Variant @ch (-1: the baseline) into x->v[x->nv]: its layout, its profile
 * carried along; written beside advise.csv with --out.  A change that does
 * not apply is said so and left out.
 */
static int add_variant(struct actx *x, int ch)
{
	struct variant *v = &x->v[x->nv];
	const char *out = x->o.out;
	struct bb_diag d;
	int err;

	if (ch < 0) {
		v->name = "baseline";
		err = bb_layout_copy(&v->ch.layout, &x->base);
		snprintf(v->what, sizeof(v->what), "as shipped");
	} else {
		v->name = bb_change_name((enum bb_change)ch);
		err = bb_change_apply(&x->base, (enum bb_change)ch, &v->ch, &d);
		if (err == -ENOENT) {
			if (!x->o.json && !x->o.quiet && !bb_cli_quiet)
				printf("change %-22s does not apply: %s\n", v->name, d.msg);
			return 0;
		}
		snprintf(v->what, sizeof(v->what), "%s", v->ch.what);
	}
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "advise: %s: %s", v->name, d.msg);
	err = bb_profile_move(&x->prof0, x->region, &v->ch, &v->profile);
	/* the changed layouts are files only when asked (--out): advise measures them from memory */
	if (out) {
		snprintf(v->path, sizeof(v->path), "%s/%s", out, v->name);
		if (!err && mkdir(out, 0777) && errno != EEXIST)
			err = bb_diag_set(&d, -errno, "%s: %s", out, strerror(errno));
		if (!err)
			err = bb_write_atomic(v->path, write_layout, &v->ch.layout, &d);
	}
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "advise: %s: %s", v->name, d.msg);
	v->ok = true;
	x->nv++;
	return 0;
}

/*
 * One cell of variant @v: policy @p at page size @g planned on region @r of
 * its device, predicted with the cost model and measured with the host
 * runner on workload @wl (the trimmed mean).
 */
static int measure_cell(struct actx *x, struct variant *v, struct bb_dev *dev, const struct bb_region *r,
			const struct bb_range *mt, unsigned nmt, const struct bb_workload *wl, unsigned g, unsigned p)
{
	struct bb_policy_ctx ctx = { .page_size = x->o.pages[g], .must_trap = mt, .nr_must_trap = nmt,
				     .profile = &v->profile, .cost = &x->cost };
	struct bb_plan plan;
	struct bb_run_cfg cfg = { .dev = dev, .region = r, .plan = &plan, .wl = wl, .samples = x->o.samples,
				  .warmup = x->o.samples / 10, .tsc = &x->ses.tsc, .tsc_overhead = x->ses.overhead };
	struct bb_run_result res;
	struct bb_summary sm;
	struct bb_diag d;
	int err;

	if (bb_policy_run(x->reg.ops[p], r, &ctx, &plan, &d) || !plan.applicable) {
		bb_plan_free(&plan);
		return 0;
	}
	v->applies[g][p] = true;
	v->slots[g][p] = plan.memslots;
	v->pred[g][p] = bb_predict_access_ns(&x->cost, &plan, &v->profile);
	err = bb_runner_host.run(&cfg, &res, &d);
	if (!err) {
		err = bb_summarize(res.ns, res.n, &sm);	/* sorts */
		v->meas[g][p] = err ? NAN : bb_tmean(res.ns, res.n);
		bb_run_result_free(&res);
	}
	bb_plan_free(&plan);
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "advise: %s %s: %s", v->name, x->reg.ops[p]->name, d.msg);
	return 0;
}

/*
 * Variant @i on its emulated device, opened from its layout in memory: the
 * cost model calibrated on the baseline when none was given, then every
 * page size x policy.
 */
static int measure_variant(struct actx *x, unsigned i)
{
	struct variant *v = &x->v[i];
	struct bb_dev *dev;
	struct bb_region r;
	struct bb_range mt[2];
	struct bb_workload wl;
	struct bb_diag d;
	unsigned nmt;
	int err, status = BB_EXIT_OK;

	/* the baseline is the layout as given: its cost model says so by the layout's name, not "baseline" */
	err = bb_emu_open_layout(&v->ch.layout, i == 0 ? x->base.name : v->name, &dev, &d);
	if (!err) {
		err = bb_dev_region(dev, x->region, &r, NULL, NULL, &d);
		if (err)
			bb_dev_close(dev);
	}
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "advise: %s: the changed layout does not load: %s", v->name, d.msg);
	nmt = bb_dev_must_trap(dev, r.index, mt);
	if (!x->have_cost && i == 0) {
		if (bb_cost_calibrate(dev, &r, mt, nmt, &x->ses.tsc, x->ses.overhead, x->o.samples, &x->cost, &d))
			bb_cost_default(&x->cost);
		x->have_cost = true;
	}
	if (profile_workload(&v->profile, &wl)) {
		status = bb_cli_fail(BB_EXIT_FAIL, "advise: %s: no workload from the profile", v->name);
	} else {
		for (unsigned g = 0; g < x->o.np && !status; g++)
			for (unsigned p = 0; p < x->reg.n && !status; p++)
				status = measure_cell(x, v, dev, &r, mt, nmt, &wl, g, p);
	}
	bb_workload_free(&wl);
	bb_region_free(&r);
	bb_dev_close(dev);
	return status;
}

/* The rows: every change x page x policy where both it and the baseline apply, by predicted gain. */
static void rank(struct actx *x)
{
	const struct variant *b = &x->v[0];

	for (unsigned i = 1; i < x->nv; i++)
		for (unsigned g = 0; g < x->o.np; g++)
			for (unsigned p = 0; p < x->reg.n; p++)
				if (b->applies[g][p] && x->v[i].applies[g][p])
					x->rows[x->nrows++] = (struct row){ i, g, p, b->pred[g][p] - x->v[i].pred[g][p],
									    b->meas[g][p] - x->v[i].meas[g][p] };
	qsort(x->rows, x->nrows, sizeof(*x->rows), cmp_row);
}

static int print_json(const struct actx *x)
{
	struct csv_arg ca = { x->base.name, x->region, x->v, x->rows, x->nrows, x->o.pages, &x->reg };

	return bb_cli_json(advise_json(&ca, x->nv, x->cost.source, x->o.out, hot_trapped_json(&x->base)));
}

static void print_text(const struct actx *x)
{
	const struct variant *v = x->v;

	printf("barbench advise %s region %" PRIu32 ": profile %s (%zu kinds of access), cost model: %s\n", x->base.name,
	       x->region, x->o.profile_file ? x->o.profile_file : x->uniform ?
	       "every register once (the layout has no hotness)" : "from the layout's hotness", x->prof0.n,
	       x->cost.source);
	print_hot_trapped(&x->base);
	for (unsigned i = 1; i < x->nv; i++)
		printf("  %-22s %s\n", v[i].name, v[i].what);
	printf("\n%-4s %-22s %-7s %-7s %28s %28s %9s\n", "rank", "change", "page", "policy",
	       "predicted ns/access (gain)", "measured ns/access (gain)", "memslots");
	for (size_t k = 0; k < x->nrows; k++) {
		const struct row *w = &x->rows[k];
		double pb = v[0].pred[w->page][w->pol], pa = v[w->v].pred[w->page][w->pol];
		double mb = v[0].meas[w->page][w->pol], ma = v[w->v].meas[w->page][w->pol];
		char pg[32], pt[64], mt[64];

		bb_format_size(pg, sizeof(pg), x->o.pages[w->page]);
		snprintf(pt, sizeof(pt), "%.1f -> %.1f (%+.0f%%)", pb, pa, pb > 0 ? 100 * (pa - pb) / pb : 0);
		snprintf(mt, sizeof(mt), "%.1f -> %.1f (%+.0f%%)", mb, ma, mb > 0 ? 100 * (ma - mb) / mb : 0);
		printf("%-4zu %-22s %-7s %-7s %28s %28s %4" PRIu32 " -> %" PRIu32 "\n", k + 1, v[w->v].name, pg,
		       x->reg.ops[w->pol]->name, pt, mt, v[0].slots[w->page][w->pol], v[w->v].slots[w->page][w->pol]);
	}
	if (!x->nrows)
		printf("no change applies to this layout\n");
}

/* --out: DIR/advise.csv beside the changed layouts. */
static int write_advise_csv(const struct actx *x)
{
	struct csv_arg ca = { x->base.name, x->region, x->v, x->rows, x->nrows, x->o.pages, &x->reg };
	char path[4096];
	struct bb_diag d;

	snprintf(path, sizeof(path), "%s/advise.csv", x->o.out);
	if (bb_write_atomic(path, write_csv, &ca, &d))
		return bb_cli_fail(BB_EXIT_FAIL, "advise: %s", d.msg);
	if (!x->o.json && !x->o.quiet && !bb_cli_quiet)
		printf("\nwritten: %s and the changed layouts beside it\n", path);
	return 0;
}

/* Plan, predict and measure the baseline and every change that applies; rank; print; --out. */
static int advise(struct actx *x)
{
	int status;

	x->v = calloc(BB_CHANGE_COUNT + 1, sizeof(*x->v));
	x->rows = calloc((size_t)BB_CHANGE_COUNT * MAX_PAGES * BB_REGISTRY_MAX, sizeof(*x->rows));
	if (!x->v || !x->rows)
		return bb_cli_fail(BB_EXIT_FAIL, "advise: out of memory or no temporary folder");
	if ((status = load_profile(x)) || (status = open_session(x)))
		return status;
	for (int ch = -1; ch < BB_CHANGE_COUNT; ch++)
		if ((status = add_variant(x, ch)))
			return status;
	for (unsigned i = 0; i < x->nv; i++)
		if ((status = measure_variant(x, i)))
			return status;
	rank(x);
	if (x->o.quiet || x->o.json) {
		if (x->o.out && (status = write_advise_csv(x)))
			return status;
		return x->o.quiet ? BB_EXIT_OK : print_json(x);
	}
	print_text(x);
	return x->o.out ? write_advise_csv(x) : BB_EXIT_OK;
}

static void actx_free(struct actx *x)
{
	bb_session_close(&x->ses);
	for (unsigned i = 0; x->v && i <= BB_CHANGE_COUNT; i++) {
		if (x->v[i].ok || x->v[i].ch.layout.regions)
			bb_changed_free(&x->v[i].ch);
		bb_profile_free(&x->v[i].profile);
	}
	free(x->v);
	free(x->rows);
	bb_profile_free(&x->prof0);
	if (x->have_base)
		bb_layout_free(&x->base);
	bb_registry_free(&x->reg);
}

static int cmd_advise(int argc, char **argv)
{
	struct actx x = { .ses = { .lock_fd = -1 } };
	int status;

	bb_registry_init(&x.reg);
	status = parse_options(argc, argv, &x.o);
	if (!status)
		status = load_layout(&x);
	if (!status)
		status = advise(&x);
	actx_free(&x);
	return status;
}

int bb_advise_quiet(const char *layout, const uint64_t *pages, unsigned np, uint64_t samples, const char *out,
		    char *why, size_t why_len)
{
	struct actx x = { .ses = { .lock_fd = -1 } };
	int status;

	if (!np || np > MAX_PAGES)
		return bb_cli_fail(BB_EXIT_USAGE, "advise: 1 to %d page sizes", MAX_PAGES);
	x.o = (struct advise_opts){ .layout = layout, .out = out, .samples = samples, .np = np, .quiet = true };
	memcpy(x.o.pages, pages, np * sizeof(*pages));
	bb_registry_init(&x.reg);
	bb_cli_capture(why, why_len);
	status = load_layout(&x);
	if (status && x.have_base && busiest_region(&x.base, &x.uniform) == UINT32_MAX)
		status = BB_ADVISE_NOTHING;
	else if (!status)
		status = advise(&x);
	bb_cli_capture(NULL, 0);
	actx_free(&x);
	return status;
}

const struct bb_cmd bb_cmd_advise = { .name = "advise", .fn = cmd_advise, .help = &advise_help,
	.summary = "rank layout changes a vendor can make by predicted and measured gain" };
