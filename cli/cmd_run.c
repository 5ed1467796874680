// SPDX-License-Identifier: MIT
/*
 * barbench run: measure each (policy x page size x workload) combination on
 * one region of a device, writing runs.csv, samples/ and manifest.json.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barbench/backend.h"
#include "guest.h"
#include "json.h"
#include "kvm.h"
#include "manifest.h"
#include "measure.h"
#include "session.h"
#include "parse.h"
#include "samples.h"
#include "placement.h"
#include "profile.h"
#include "barbench/policy.h"
#include "barbench/result.h"
#include "barbench/runner.h"
#include "vfio.h"
#include "cli.h"
#include "barbench/stats.h"
#include "options.h"
#include "progress.h"

#define MAX_LIST 16

enum {
	K_DEVICE = BB_OPT_KEY(0), K_REGION, K_OUT, K_POLICY, K_PAGE, K_WORKLOAD, K_WIDTH, K_SAMPLES, K_WARMUP, K_BATCH,
	K_CPU, K_RUNNER, K_PARAM, K_PATH, K_MUST, K_COST, K_PROFILE, K_ALLOW_WRITES, K_FORCE, K_JSON
};

static const struct bb_opt run_opts[] = {
	{ "device", K_DEVICE, "DEVICE", NULL, "emu:LAYOUT (e.g. emu:layouts/nvme-msix-bar0), or\n"
					      "vfio:BDF?layout=FILE, a real device bound to vfio-pci: only\n"
					      "what the layout marks safe is read, the MSI-X table never;\n"
					      "the thread runs on the device's NUMA node; or\n"
					      "vfio-user:SOCKET; or pci:BDF?layout=FILE, a device through\n"
					      "sysfs (no trap path)" },
	{ "region", K_REGION, "N", "the only one", "the region (required when the device has several)" },
	{ "out", K_OUT, "DIR", NULL, "results: DIR/runs.csv, DIR/samples/, DIR/manifest.json (a DIR\n"
				     "holding barbench's results is refused unless --force; one whose\n"
				     "runs.csv or manifest.json is not barbench's, always)" },
	{ "force", K_FORCE, NULL, NULL, "replace the results in --out: where its manifest.json is\n"
					"barbench's, every file barbench writes there goes first (runs.csv,\n"
					"manifest, samples, a study's and a report's files, figures/,\n"
					"advise-*/); nothing else in it, nothing in a folder without one" },
	{ "policy", K_POLICY, "LIST", "all", "comma list of policies (below), or all" },
	{ "page-size", K_PAGE, "LIST", "this host's", "planning page sizes, e.g. 4K,64K" },
	{ "workload", K_WORKLOAD, "LIST", "lat-read", "comma list of workloads (below)" },
	{ "width", K_WIDTH, "W", "4", "access width in bytes: 1, 2, 4, 8" },
	{ "samples", K_SAMPLES, "N", "10000", "timed samples per run, 1 to 100000000" },
	{ "warmup", K_WARMUP, "N", "samples/10, at most 1000", "untimed samples first" },
	{ "batch", K_BATCH, "N|auto", "auto", "accesses a sample times: N repetitions of its access (a batched\n"
					      "workload: N of its batches), 1 to 4096; auto: as few as make a\n"
					      "sample span 50 steps of the measured clock, found by a pilot" },
	{ "cpu", K_CPU, "N", "one placement picks", "pin the measuring thread to CPU N" },
	{ "runner", K_RUNNER, "R", "host", "who performs the accesses (below): host (this process) or\n"
					   "guest (a KVM guest in 32-bit protected mode: map windows are\n"
					   "memslots, the rest MMIO exits served through the backend;\n"
					   "regions up to 3052 MiB; needs /dev/kvm)" },
	{ "param", K_PARAM, "KEY=VALUE", NULL, "a policy parameter (span=1 for merged; barbench plan --help\n"
					      "lists each policy's), or the guest runner's ioeventfd=1:\n"
					      "doorbell writes in trapped windows served by KVM_IOEVENTFD\n"
					      "without an exit (they never reach the device); repeatable" },
	{ "policy-path", K_PATH, "F.so", NULL, "load an out-of-tree policy (repeatable, at most 8)" },
	{ "must-trap", K_MUST, "O:L", NULL, "one more range a VMM must emulate (repeatable)" },
	{ "allow-writes", K_ALLOW_WRITES, NULL, NULL, "a real device may be written where its layout says access=rw\n"
						      "(lat-write, doorbell, ...); without it writes are refused" },
	{ "cost", K_COST, "FILE", NULL, "a cost model (barbench calibrate --save): each run predicted" },
	{ "profile", K_PROFILE, "TRACE", "the layout's hotness", "the access profile the budget policy optimises\n"
								 "(replay format)" },
	{ "json", K_JSON, NULL, NULL, "print one JSON document instead of the table: the folder,\n"
				      "whether every run is in, each run's figures, what was skipped\n"
				      "(docs/results.md); printed whenever the manifest is written" },
	{ NULL, 0, NULL, NULL, NULL },
};

/* The policies, workloads and runners --policy, --workload and --runner take, from their registries. */
static void help_registries(void)
{
	struct bb_registry reg;
	char names[128], *save = NULL;

	bb_registry_init(&reg);
	printf("policies:\n");
	for (unsigned i = 0; i < reg.n; i++)
		printf("  %-14s %s\n", reg.ops[i]->name, reg.ops[i]->summary);
	bb_registry_free(&reg);
	printf("\nworkloads:\n");
	for (int k = 0; k < BB_WL_COUNT; k++)
		printf("  %-14s %s\n", k == BB_WL_REPLAY ? "replay:FILE" : bb_workload_kind_name((enum bb_wl_kind)k),
		       bb_workload_summary((enum bb_wl_kind)k));
	printf("\nrunners:\n");
	snprintf(names, sizeof(names), "%s", bb_runner_names());
	for (char *n = strtok_r(names, ", ", &save); n; n = strtok_r(NULL, ", ", &save))
		printf("  %-14s %s\n", n, bb_runner_find(n) ? bb_runner_find(n)->summary : "");
}

static const struct bb_cmd_help run_help = {
	.cmd = "run",
	.synopsis = "--device DEVICE --out DIR [options]",
	.text = "Measure every combination of policy, page size and workload on one region.\n"
		"\n"
		"Guest runs record guest_exec: \"emulated\" when a guest ALU loop runs more than\n"
		"50x slower than on the host; such guest figures are not representative of bare\n"
		"metal.  Keep --samples small there: every guest instruction is emulated.\n"
		"\n"
		"A combination that does not apply (a policy not applicable to the region, a\n"
		"workload with nothing to do) is skipped with its reason in the manifest.\n"
		"Progress ([i/N], ETA, the run) goes to standard error on a terminal (on a pipe\n"
		"only with --progress).\n",
	.opts = run_opts,
	.quiet = "results and errors only: no progress (the table, what was skipped\n"
		 "and where the results are are still printed)",
	.more = help_registries,
	.exit = "0 every run measured or skipped with its reason, 1 a run or the device\n"
		"failed (what finished is in DIR), 2 bad input, 128+N stopped by signal N.",
};

/* Does any of the chosen policies take parameter @key? */
static bool policy_takes(const struct bb_registry *reg, char *const *names, unsigned n, const char *key)
{
	for (unsigned i = 0; i < n; i++) {
		const struct bb_policy_ops *ops = bb_registry_find(reg, names[i]);

		if (ops && bb_policy_takes(ops, key))
			return true;
	}
	return false;
}

/*
 * Split the comma list @arg into a copy (@buf, @size bytes): argv stays as
 * given, for the manifest's command line.  Empty and repeated items are
 * refused: "sparse,,trap," was once taken as "sparse,trap".
 */
static int split(const char *opt, const char *arg, char *buf, size_t size, char **out, unsigned max, unsigned *n)
{
	char *p = buf;

	*n = 0;
	if (strlen(arg) >= size)
		return bb_cli_fail(BB_EXIT_USAGE, "run: %s: a list of at most %zu characters", opt, size - 1);
	strcpy(buf, arg);
	for (;;) {
		char *e = strchr(p, ',');

		if (e)
			*e = '\0';
		if (!*p)
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s %s: an empty item", opt, arg);
		for (unsigned i = 0; i < *n; i++)
			if (!strcmp(out[i], p))
				return bb_cli_fail(BB_EXIT_USAGE, "run: %s %s: '%s' is given twice", opt, arg, p);
		if (*n == max)
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s %s: at most %u items", opt, arg, max);
		out[(*n)++] = p;
		if (!e)
			return 0;
		p = e + 1;
	}
}

struct skipped {
	char what[200];
	char why[BB_DIAG_MAX];
};

/* One run of `run --json`: what it measured, per access, and where its samples are. */
static json_t *row_json(const struct bb_run_row *r, const char *out)
{
	char path[4096];

	bb_samples_path(out, r->id, path, sizeof(path));	/* as bb_samples_write named it */
	return json_pack("{s:o,s:o,s:o,s:I,s:o,s:s,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:I,s:I,s:o}",
			 "id", bb_json_str(r->id), "policy", bb_json_str(r->policy), "params", bb_json_str(r->params),
			 "page_size_bytes", (json_int_t)r->page_size,
			 "workload", bb_json_str(r->workload), "op", r->op, "width_bytes", (json_int_t)r->width,
			 "samples", (json_int_t)r->s.n, "p50_ns", bb_json_num(r->s.p50), "p99_ns", bb_json_num(r->s.p99),
			 "ci95_lo_ns", bb_json_num(r->s.ci95_lo), "ci95_hi_ns", bb_json_num(r->s.ci95_hi),
			 "resolution_ns", r->resolution_ns > 0 ? bb_json_num(r->resolution_ns) : json_null(),
			 "below_resolution", (int)(r->resolution_ns > 0 && r->s.p50 < r->resolution_ns),
			 "ops_s", bb_json_num(r->ops_s), "trapped_share", bb_json_num(r->trapped_share),
			 "memslots", (json_int_t)r->memslots, "mappings", (json_int_t)r->mappings,
			 "samples_file", bb_json_str(path));
}

/*
 * The document of `run --json` (docs/schemas/run.schema.json): where the
 * results are, whether every run is in, and each run's figures; skipped
 * runs as the manifest has them (@skipped, borrowed).
 */
static json_t *run_json(const char *out, const char *device, uint32_t region, const char *runner, bool complete,
			const char *stop_why, const struct bb_run_row *rows, size_t n, json_t *skipped,
			const struct bb_runner_probe *probe, bool guest)
{
	char csv[4096], man[4096];
	json_t *a = json_array();

	for (size_t i = 0; i < n && a; i++) {
		if (json_array_append_new(a, row_json(&rows[i], out))) {
			json_decref(a);
			a = NULL;
		}
	}
	snprintf(csv, sizeof(csv), "%s/runs.csv", out);
	snprintf(man, sizeof(man), "%s/manifest.json", out);
	return json_pack("{s:s,s:o,s:o,s:o,s:b,s:o,s:o,s:I,s:s,s:o,s:O,s:o}", "schema", "barbench-run/1",
			 "folder", bb_json_str(out), "runs_csv", bb_json_str(csv), "manifest", bb_json_str(man),
			 "complete", (int)complete, "stopped", stop_why[0] ? bb_json_str(stop_why) : json_null(),
			 "device", bb_json_str(device), "region", (json_int_t)region, "runner", runner, "runs", a,
			 "skipped", skipped,
			 "guest", guest ? json_pack("{s:s,s:s,s:o}", "mode", probe->mode, "exec", probe->exec,
						    "exec_ratio", bb_json_num(probe->exec_ratio)) : json_null());
}

/* What the command line says. */
struct run_opts {
	const char *device, *out, *runner_name, *cost_file, *profile_file;
	const char *policy_arg, *page_arg, *wl_arg;
	const char *must[BB_MAX_MUST_TRAP], *paths[8];
	unsigned nr_must, nr_paths, nr_params;
	struct bb_param params[BB_POLICY_MAX_PARAMS];
	char pkeys[BB_POLICY_MAX_PARAMS][64];
	uint64_t region, width, samples, warmup, cpu, batch;
	bool has_region, has_cpu, ioeventfd, has_ioeventfd;
	bool allow_writes;	/* real devices: --allow-writes */
	bool force;		/* --out may hold results: replace them */
	bool json;		/* --json: the document on stdout, not the table */
};

/* The matrix the options expand to: policies x page sizes x workloads, on one runner. */
struct run_matrix {
	const struct bb_runner_ops *runner;
	struct bb_runner_probe probe;
	struct bb_registry reg;
	char *pol_names[BB_REGISTRY_MAX], *wl_names[MAX_LIST];
	unsigned nr_pol, nr_pages, nr_wl;
	uint64_t pages[MAX_LIST];
	struct bb_workload_spec specs[MAX_LIST];
	char pol_list[2048], wl_list[8192];	/* the lists split (argv stays as given) */
};

/* The device and region measured, and what every run of them shares. */
struct run_target {
	struct bb_dev *dev;
	struct bb_region rgn;
	struct bb_range mt[BB_MAX_MUST_TRAP];
	unsigned nmt;
	struct bb_cost cost;		/* with --cost: each run predicted */
	struct bb_profile profile;	/* steers the budget policy */
	struct bb_workload wls[MAX_LIST];
	char wl_why[MAX_LIST][BB_DIAG_MAX];	/* a workload with nothing to do: why */
};

/* One `barbench run`: options, matrix, target, and the runs as they go. */
struct rctx {
	struct run_opts o;
	struct run_matrix m;
	struct run_target t;
	struct bb_session ses;
	struct bb_run_row *rows;
	struct skipped *skipped;
	size_t nrows, nskipped, total, done;
	bool complete;
	struct bb_progress prog;	/* [i/N] ETA on a terminal, or with --progress */
	char stop_why[BB_DIAG_MAX];	/* "SIGINT", or the run that failed */
	int status;
};

/* The options that take a number, each with its range and message. */
static int parse_number(struct run_opts *o, int c, const char *arg)
{
	uint32_t region;
	int err;

	switch (c) {
	case K_REGION:
		err = bb_opt_region(&run_help, c, arg, &region);
		o->region = region;
		o->has_region = true;
		return err;
	case K_WIDTH:
		if ((err = bb_opt_u64(&run_help, c, arg, 1, 8, &o->width)))
			return err;
		if (o->width != 1 && o->width != 2 && o->width != 4 && o->width != 8)
			return bb_opt_bad_value(&run_help, c, arg, "must be 1, 2, 4 or 8");
		return 0;
	case K_SAMPLES:
		return bb_opt_u64(&run_help, c, arg, 1, 100000000, &o->samples);
	case K_BATCH:
		if (!strcmp(arg, "auto")) {
			o->batch = 0;
			return 0;
		}
		if (bb_parse_u64(arg, &o->batch))
			return bb_opt_bad_value(&run_help, c, arg, "not a number, nor auto");
		return bb_opt_u64(&run_help, c, arg, 1, 4096, &o->batch);
	case K_WARMUP:
		return bb_opt_u64(&run_help, c, arg, 0, 100000000, &o->warmup);
	default:	/* K_CPU */
		o->has_cpu = true;
		return bb_opt_u64(&run_help, c, arg, 0, 65535, &o->cpu);
	}
}

/* --param KEY=VALUE: the guest runner's ioeventfd, or a policy's parameter. */
static int parse_param(struct run_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof(o->pkeys[0]))
		return bb_cli_fail(BB_EXIT_USAGE, "run: --param %s: want KEY=VALUE", arg);
	if ((size_t)(eq - arg) == strlen("ioeventfd") && !strncmp(arg, "ioeventfd", 9)) {
		/* a runner parameter, not a policy's */
		if (strcmp(eq + 1, "0") && strcmp(eq + 1, "1"))
			return bb_cli_fail(BB_EXIT_USAGE, "run: --param %s: ioeventfd is 0 or 1", arg);
		o->ioeventfd = eq[1] == '1';
		o->has_ioeventfd = true;
		return 0;
	}
	return bb_cli_param_add("run", arg, o->params, o->pkeys, &o->nr_params);
}

/* The command line into @o: 0, or the exit status after a message. */
static int parse_options(int argc, char **argv, struct run_opts *o)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	int c, err = 0;

	o->runner_name = "host";
	o->width = 4;
	o->samples = 10000;
	o->warmup = UINT64_MAX;
	while (!err && (c = bb_opt_next(&st, argc, argv, &run_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_DEVICE: o->device = val; break;
		case K_COST: o->cost_file = val; break;
		case K_PROFILE: o->profile_file = val; break;
		case K_OUT: o->out = val; break;
		case K_POLICY: o->policy_arg = val; break;
		case K_PAGE: o->page_arg = val; break;
		case K_WORKLOAD: o->wl_arg = val; break;
		case K_RUNNER: o->runner_name = val; break;
		case K_ALLOW_WRITES: o->allow_writes = true; break;
		case K_FORCE: o->force = true; break;
		case K_JSON: o->json = true; break;
		case K_MUST:
			if (!(err = bb_opt_count(&run_help, c, val, o->nr_must, BB_MAX_MUST_TRAP)))
				o->must[o->nr_must++] = val;
			break;
		case K_PATH:
			if (!(err = bb_opt_count(&run_help, c, val, o->nr_paths, 8)))
				o->paths[o->nr_paths++] = val;
			break;
		case K_PARAM: err = parse_param(o, val); break;
		default: err = parse_number(o, c, val); break;
		}
	}
	if (err || (err = bb_opt_operands(&run_help, argc, argv, 0, 0)))
		return err;
	if (!o->device || !o->out)
		return bb_cli_fail(BB_EXIT_USAGE, "run: --device and --out are required (see barbench run --help)");
	return 0;
}

/* --workload: each named workload parsed (default lat-read). */
static int expand_workloads(const struct run_opts *o, struct run_matrix *m)
{
	struct bb_diag d;
	int err;

	if (o->wl_arg) {
		err = split("--workload", o->wl_arg, m->wl_list, sizeof(m->wl_list), m->wl_names, MAX_LIST, &m->nr_wl);
		if (err)
			return err;
	} else {
		m->wl_names[0] = "lat-read";
		m->nr_wl = 1;
	}
	for (unsigned i = 0; i < m->nr_wl; i++)
		if (bb_workload_parse(m->wl_names[i], (unsigned)o->width, &m->specs[i], &d))
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s", d.msg);
	return 0;
}

/* --policy-path, --policy (default all) and --param: each policy known, each parameter taken. */
static int expand_policies(const struct run_opts *o, struct run_matrix *m)
{
	struct bb_diag d;
	int err;

	for (unsigned i = 0; i < o->nr_paths; i++)
		if (bb_registry_load(&m->reg, o->paths[i], &d))
			return bb_cli_fail(BB_EXIT_USAGE, "run: --policy-path %s", d.msg);
	if (!o->policy_arg || !strcmp(o->policy_arg, "all")) {
		for (unsigned i = 0; i < m->reg.n; i++)
			m->pol_names[m->nr_pol++] = (char *)m->reg.ops[i]->name;
	} else if ((err = split("--policy", o->policy_arg, m->pol_list, sizeof(m->pol_list), m->pol_names,
				BB_REGISTRY_MAX, &m->nr_pol))) {
		return err;
	}
	for (unsigned i = 0; i < m->nr_pol; i++)
		if (!bb_registry_find(&m->reg, m->pol_names[i]))
			return bb_cli_fail(BB_EXIT_USAGE, "run: no policy '%s' (barbench plan --help lists them)",
					   m->pol_names[i]);
	for (unsigned i = 0; i < o->nr_params; i++)
		if (!policy_takes(&m->reg, m->pol_names, m->nr_pol, o->params[i].key))
			return bb_cli_fail(BB_EXIT_USAGE, "run: --param %s: no chosen policy takes it, nor the %s runner "
					   "(barbench plan --help lists the policies' parameters)", o->params[i].key,
					   m->runner->name);
	return 0;
}

/* The matrix of @x's options: runner, page sizes, workloads, policies; the runner probed. */
static int expand_matrix(struct rctx *x)
{
	struct run_opts *o = &x->o;
	struct run_matrix *m = &x->m;
	struct bb_diag d;
	int err;

	m->runner = bb_runner_find(o->runner_name);
	if (!m->runner)
		return bb_cli_fail(BB_EXIT_USAGE, "run: --runner %s: one of %s", o->runner_name, bb_runner_names());
	if (o->has_ioeventfd && !(m->runner->flags & BB_RUNNER_IOEVENTFD))
		return bb_cli_fail(BB_EXIT_USAGE, "run: --param ioeventfd: a parameter of the guest runner "
				   "(--runner guest), not of %s", m->runner->name);
	if (o->warmup == UINT64_MAX)
		o->warmup = o->samples / 10 < 1000 ? o->samples / 10 : 1000;
	m->pages[0] = (uint64_t)sysconf(_SC_PAGESIZE);
	m->nr_pages = 1;
	if (o->page_arg && bb_cli_page_sizes(o->page_arg, m->pages, MAX_LIST, &m->nr_pages, &d))
		return bb_cli_fail(BB_EXIT_USAGE, "run: %s", d.msg);
	if ((err = expand_workloads(o, m)) || (err = expand_policies(o, m)))
		return err;
	if (bb_runner_probe(m->runner, &m->probe, &d))
		return bb_cli_fail(BB_EXIT_FAIL, "run: --runner %s: %s", m->runner->name, d.msg);
	return 0;
}

/* The device opened through its backend, and its region (--region, or its only one) read from it. */
static int open_target(struct rctx *x)
{
	const struct run_opts *o = &x->o;
	struct run_target *t = &x->t;
	uint64_t region = o->region;
	struct bb_diag d;
	int err;

	err = bb_dev_open(o->device, &t->dev, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
	if (o->allow_writes)
		bb_dev_allow_writes(t->dev);	/* real hardware: rw ranges written, mappings writable */
	if (!o->has_region) {
		if (t->dev->nr_regions != 1)
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s has %" PRIu32 " regions: choose one with --region",
					   o->device, t->dev->nr_regions);
		region = t->dev->index[0];
	}
	err = bb_dev_region(t->dev, (uint32_t)region, &t->rgn, NULL, NULL, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
	if (bb_runner_fits(x->m.runner, &t->rgn, &d))
		return bb_cli_fail(BB_EXIT_USAGE, "run: --runner %s: %s: %s", x->m.runner->name, o->device, d.msg);
	return 0;
}

/* The must-trap ranges (the layout's, then --must-trap), the cost model and the access profile. */
static int load_target_facts(struct rctx *x)
{
	const struct run_opts *o = &x->o;
	struct run_target *t = &x->t;
	const struct bb_layout *l = t->dev->has_layout ? &t->dev->layout : NULL;
	struct bb_target tg = { .region = t->rgn };
	struct bb_diag d;

	t->nmt = bb_dev_must_trap(t->dev, t->rgn.index, t->mt);
	/* the cost model predicts each run (with --cost); the profile steers budget */
	if (o->cost_file && bb_cost_load(o->cost_file, &t->cost, &d))
		return bb_cli_fail(BB_EXIT_USAGE, "run: --cost %s", d.msg);
	if (o->profile_file ? bb_profile_from_trace(o->profile_file, &t->rgn, &t->profile, &d)
			    : bb_profile_from_layout(l, t->rgn.index, (unsigned)o->width, &t->profile))
		return bb_cli_fail(BB_EXIT_USAGE, "run: --profile %s", d.msg);
	tg.nr_must_trap = t->nmt;
	memcpy(tg.must_trap, t->mt, sizeof(t->mt));
	for (unsigned i = 0; i < o->nr_must; i++)
		if (bb_target_add_must_trap(&tg, o->must[i], &d))
			return bb_cli_fail(BB_EXIT_USAGE, "run: %s", d.msg);
	memcpy(t->mt, tg.must_trap, sizeof(t->mt));
	t->nmt = tg.nr_must_trap;
	return 0;
}

/*
 * Each workload's accesses on the region, where the backend's guard and the
 * layout allow (one with nothing to do is kept empty, with its reason); a
 * real device is written only when asked to, and then only where its layout
 * allows.
 */
static int build_workloads(struct rctx *x)
{
	struct run_target *t = &x->t;
	const struct bb_layout *l = t->dev->has_layout ? &t->dev->layout : NULL;
	struct bb_diag d;
	int err;

	/* built as if writes were allowed, so a write without leave is refused below, not skipped */
	enum bb_guard guard = bb_dev_guard(t->dev) == BB_GUARD_SAFE_READS ? BB_GUARD_SAFE_ONLY : bb_dev_guard(t->dev);

	for (unsigned i = 0; i < x->m.nr_wl; i++) {
		err = bb_workload_build(&x->m.specs[i], l, &t->rgn, guard, &t->wls[i], &d);
		if (err && err != -ENOENT)
			return bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
		if (err == -ENOENT) {
			t->wls[i].n = 0;
			memcpy(t->wl_why[i], d.msg, sizeof(t->wl_why[i]));
		}
	}
	for (unsigned i = 0; i < x->m.nr_wl && !bb_dev_writes_allowed(t->dev); i++)
		for (size_t k = 0; k < t->wls[i].n; k++)
			if (t->wls[i].acc[k].op == BB_OP_WRITE)
				return bb_cli_fail(BB_EXIT_USAGE, "run: %s writes to %s (offset 0x%" PRIx64 "): a real device "
						   "is written only with --allow-writes, and only where its layout says "
						   "access=rw", t->wls[i].name, x->o.device, t->wls[i].acc[k].offset);
	return 0;
}

/*
 * The results folder (refused when it holds results, unless --force clears
 * them under the session's lock) and the session's clock, placement and
 * counters; then the rows, and a manifest that says incomplete until the
 * last run is in, even after SIGKILL.
 */
static int open_session(struct rctx *x)
{
	const struct run_opts *o = &x->o;
	json_t *extra;
	char rp[4096];
	struct stat sb;
	struct bb_diag d;
	int err, held;

	/*
	 * A folder holding barbench's results is not overwritten by accident
	 * (its stale samples would stay); one whose runs.csv or manifest.json
	 * is not barbench's is never replaced, --force or not.
	 */
	held = bb_results_held(o->out, &d);
	if (held < 0)
		return bb_cli_fail(bb_cli_status(held), "run: %s", d.msg);
	snprintf(rp, sizeof(rp), "%s/runs.csv", o->out);
	if (held && !o->force)
		return bb_cli_fail(BB_EXIT_USAGE, "run: %s already holds results (%s): give --force to "
				   "replace them, or another --out", o->out, lstat(rp, &sb) ? "manifest.json" : "runs.csv");
	err = bb_session_open(&x->ses, o->out, true, &d);
	if (!err && held)
		err = bb_results_clear(o->out, &d);	/* under the lock, checked again: nothing else writes there now */
	if (err)
		return bb_cli_fail(bb_cli_status(err), "run: %s", d.msg);
	err = bb_session_measure(&x->ses, o->has_cpu ? (int)o->cpu : -1, bb_dev_numa_node(x->t.dev), &d);
	if (err)
		return bb_cli_fail(err == -EINVAL ? BB_EXIT_USAGE : BB_EXIT_FAIL, "run: %s", d.msg);
	x->total = (size_t)x->m.nr_pol * x->m.nr_pages * x->m.nr_wl;
	x->rows = calloc(x->total, sizeof(*x->rows));
	x->skipped = calloc(x->total, sizeof(*x->skipped));
	if (!x->rows || !x->skipped)
		return bb_cli_fail(BB_EXIT_FAIL, "run: out of memory");
	extra = json_pack("{s:s,s:b,s:i}", "tool", "barbench run", "complete", 0, "runs", 0);
	err = bb_session_manifest(&x->ses, bb_cli_argc, bb_cli_argv, extra, &d);
	json_decref(extra);
	if (err)
		return bb_cli_fail(BB_EXIT_FAIL, "run: manifest: %s", d.msg);
	return 0;
}

/* The signal that asked to stop, as the manifest and the message name it. */
static void stopped(struct rctx *x)
{
	snprintf(x->stop_why, sizeof(x->stop_why), "%s", bb_session_stopped() == SIGINT ? "SIGINT" : "SIGTERM");
	x->status = 128 + bb_session_stopped();
}

/* One run spec (policy @ops, page size @gi, workload @wi): a row, a skip with its reason, or a failure. */
static void run_one(struct rctx *x, const struct bb_measure *ms, const struct bb_policy_ops *ops, unsigned gi,
		    unsigned wi)
{
	const char *wl = bb_workload_kind_name(x->m.specs[wi].kind);
	char id[160], pg[32], why[BB_DIAG_MAX];
	struct bb_run_spec cb = {
		.ops = ops, .params = x->o.params, .nr_params = x->o.nr_params, .page_size = x->m.pages[gi],
		.wl = &x->t.wls[wi], .wl_why = x->t.wl_why[wi], .width = (unsigned)x->o.width, .runner = x->m.runner,
		.id = id, .ioeventfd = x->o.ioeventfd,
	};
	struct bb_diag d;
	int err;

	bb_format_size(pg, sizeof(pg), x->m.pages[gi]);
	snprintf(id, sizeof(id), "%04zu-%s-%" PRIu64 "-%s", x->nrows, ops->name, x->m.pages[gi], wl);
	bb_progress_step(&x->prog, x->done, "%s %s %s", ops->name, pg, wl);
	x->done++;
	err = bb_measure_one(ms, &cb, &x->rows[x->nrows], why, sizeof(why), &d);
	if (err == 1) {
		struct skipped *sk = &x->skipped[x->nskipped++];

		snprintf(sk->what, sizeof(sk->what), "%s %s %s", ops->name, pg, wl);
		memcpy(sk->why, why, sizeof(sk->why));
		bb_session_skip(&x->ses, sk->what, sk->why);
		return;
	}
	if (!err)
		err = bb_session_add_row(&x->ses, &x->rows[x->nrows++], &d);
	if (err) {
		snprintf(x->stop_why, sizeof(x->stop_why), "run %s: %s", id, d.msg);
		bb_progress_end(&x->prog);	/* the message on a line of its own */
		x->status = bb_cli_fail(err == -EPROTO ? BB_EXIT_FAIL : err == -EINVAL ? BB_EXIT_USAGE : BB_EXIT_FAIL,
					"run %s: %s", id, d.msg);
	}
}

/*
 * Every run spec of the matrix in order (policy, page size, workload) until
 * one fails or a signal asks to stop; then runs.csv with what finished, also
 * when nothing did.
 */
static void run_matrix(struct rctx *x)
{
	const struct run_matrix *m = &x->m;
	const struct run_target *t = &x->t;
	struct bb_measure ms = {
		.device = x->o.device, .dev = t->dev, .region = &t->rgn, .must_trap = t->mt, .nr_must_trap = t->nmt,
		.tsc = &x->ses.tsc, .overhead = x->ses.overhead, .counters = &x->ses.ctr, .samples = x->o.samples,
		.warmup = x->o.warmup, .out = x->o.out, .cost = x->o.cost_file ? &t->cost : NULL,
		.batch = (unsigned)x->o.batch, .profile = t->profile.n ? &t->profile : NULL,
	};
	struct bb_diag d;

	bb_progress_start(&x->prog, x->total, 0);
	bb_session_catch_signals(&x->ses);
	for (unsigned pi = 0; pi < m->nr_pol && x->status == BB_EXIT_OK; pi++) {
		const struct bb_policy_ops *ops = bb_registry_find(&m->reg, m->pol_names[pi]);

		for (unsigned gi = 0; gi < m->nr_pages && x->status == BB_EXIT_OK; gi++) {
			for (unsigned wi = 0; wi < m->nr_wl && x->status == BB_EXIT_OK; wi++) {
				if (bb_session_stopped()) {
					stopped(x);
					break;
				}
				run_one(x, &ms, ops, gi, wi);
			}
		}
	}
	x->complete = x->status == BB_EXIT_OK;
	if (bb_session_stopped() && x->status == BB_EXIT_OK)
		stopped(x);	/* arrived after the last run: everything is in, but say it was asked to stop */
	bb_session_release_signals(&x->ses);
	bb_progress_end(&x->prog);
	if (bb_session_write_runs(&x->ses, &d) && x->status == BB_EXIT_OK)
		x->status = bb_cli_fail(BB_EXIT_FAIL, "run: %s", d.msg);
}

/* The guest runner's members of the manifest: how guest code executes here. */
static json_t *manifest_guest(const struct rctx *x)
{
	const struct bb_runner_probe *p = &x->m.probe;

	return json_pack("{s:s,s:o,s:s,s:b,s:s}", "guest_exec", p->exec, "guest_exec_ratio", bb_json_num(p->exec_ratio),
			 "guest_mode", p->mode, "ioeventfd", (int)x->o.ioeventfd, "guest_note",
			 !strcmp(p->exec, "emulated") ?
			 "guest instructions are emulated on this host (a guest ALU loop runs guest_exec_ratio times "
			 "slower than natively): guest figures are not representative of bare metal" :
			 "guest instructions run natively");
}

/* For the manifest: how a vfio: device was opened (iommufd, or the legacy container and why); NULL for others. */
static json_t *manifest_vfio(const struct bb_dev *dev)
{
	if (!bb_vfio_iommu_mode(dev))
		return NULL;
	return json_pack("{s:{s:s,s:s,s:b,s:o}}", "vfio", "iommu", bb_vfio_iommu_mode(dev), "api",
			 *bb_vfio_iommufd_note(dev) ? "container" : "iommufd", "iommufd_built",
			 (int)bb_vfio_iommufd_built(), "iommufd_note", bb_json_str(bb_vfio_iommufd_note(dev)));
}

/*
 * The manifest: what ran, where, how it was timed (the session adds what was
 * skipped and why); with --json, the document on stdout once it is written.
 * -ENOMEM (status set) when it could not be built.
 */
static int write_manifest(struct rctx *x)
{
	char dev[sizeof(x->rows->device)];
	json_t *extra, *more;
	struct bb_diag d;
	int err;

	bb_spec_public(x->o.device, dev, sizeof(dev));	/* as runs.csv names it: no VF token */
	extra = json_pack("{s:s,s:o,s:I,s:I,s:s,s:I,s:I,s:I,s:b,s:o}", "tool", "barbench run", "device",
			  bb_json_str(dev), "region", (json_int_t)x->t.rgn.index,
			  "host_page_size_bytes", (json_int_t)sysconf(_SC_PAGESIZE), "runner", x->m.runner->name,
			  "samples_per_run", (json_int_t)x->o.samples, "warmup_per_run", (json_int_t)x->o.warmup,
			  "runs", (json_int_t)x->nrows, "complete", (int)x->complete,
			  "stopped", x->stop_why[0] ? bb_json_str(x->stop_why) : json_null());
	if (extra && (more = manifest_vfio(x->t.dev)) && json_object_update_new(extra, more)) {
		json_decref(extra);
		extra = NULL;
	}
	if (extra && (x->m.runner->flags & BB_RUNNER_IN_GUEST) && json_object_update_new(extra, manifest_guest(x))) {
		json_decref(extra);
		extra = NULL;
	}
	if (!extra) {
		x->status = bb_cli_fail(BB_EXIT_FAIL, "run: out of memory");
		return -ENOMEM;
	}
	if (bb_session_manifest(&x->ses, bb_cli_argc, bb_cli_argv, extra, &d)) {
		if (x->status == BB_EXIT_OK)
			x->status = bb_cli_fail(BB_EXIT_FAIL, "run: manifest: %s", d.msg);
	} else if (x->o.json) {
		/* the folder is what the manifest says, whatever the exit status: the document says it too */
		err = bb_cli_json(run_json(x->o.out, x->o.device, x->t.rgn.index, x->m.runner->name, x->complete,
					   x->stop_why, x->rows, x->nrows, x->ses.skipped, &x->m.probe,
					   x->m.runner->flags & BB_RUNNER_IN_GUEST));
		x->status = x->status ? x->status : err;
	}
	json_decref(extra);
	return 0;
}

/* Stopped by a signal: what is in the folder. */
static void report_stop(const struct rctx *x)
{
	if (x->status > 128 && x->complete)
		bb_cli_fail(x->status, "run: stopped by %s after the last run: all %zu runs are in %s/runs.csv",
			    x->stop_why, x->nrows, x->o.out);
	else if (x->status > 128)
		bb_cli_fail(x->status, "run: stopped by %s: the %zu run%s that finished are in %s/runs.csv; "
			    "manifest.json says complete:false", x->stop_why, x->nrows, x->nrows == 1 ? "" : "s",
			    x->o.out);
}

/* The table of runs, what was skipped, how the guest ran, where the results are. */
static void print_results(const struct rctx *x)
{
	const struct bb_runner_probe *p = &x->m.probe;

	printf("%-8s %-8s %-12s %10s %10s %10s %8s\n", "policy", "page", "workload", "p50_ns", "p99_ns", "ops_s",
	       "trapped");
	for (size_t i = 0; i < x->nrows; i++) {
		const struct bb_run_row *r = &x->rows[i];
		char pg[32], p50[32], p99[32];

		/* below the run's resolution a figure is a bound, "< R", as in the report */
		bb_format_size(pg, sizeof(pg), r->page_size);
		bb_format_ns_bare(p50, sizeof(p50), r->s.p50, r->resolution_ns);
		bb_format_ns_bare(p99, sizeof(p99), r->s.p99, r->resolution_ns);
		printf("%-8s %-8s %-12.12s %10s %10s %10.3g %7.1f%%\n", r->policy, pg, r->workload, p50, p99, r->ops_s,
		       100 * r->trapped_share);
	}
	for (size_t i = 0; i < x->nskipped; i++)
		printf("skipped: %s: %s\n", x->skipped[i].what, x->skipped[i].why);
	if (x->m.runner->flags & BB_RUNNER_IN_GUEST)
		printf("guest: %s, guest_exec=%s (ALU loop %.0fx the host's)%s\n", p->mode, p->exec, p->exec_ratio,
		       !strcmp(p->exec, "emulated") ? ": guest figures are not representative of bare metal" : "");
	printf("results: %s/runs.csv (%zu run%s), %s/manifest.json\n", x->o.out, x->nrows, x->nrows == 1 ? "" : "s",
	       x->o.out);
}

static void rctx_free(struct rctx *x)
{
	bb_session_close(&x->ses);
	free(x->rows);
	free(x->skipped);
	for (unsigned i = 0; i < x->m.nr_wl; i++)
		bb_workload_free(&x->t.wls[i]);
	bb_profile_free(&x->t.profile);
	bb_region_free(&x->t.rgn);
	bb_dev_close(x->t.dev);
	bb_registry_free(&x->m.reg);
}

static int cmd_run(int argc, char **argv)
{
	static struct rctx x;
	int status;

	memset(&x, 0, sizeof(x));
	x.ses.lock_fd = -1;
	bb_registry_init(&x.m.reg);
	status = parse_options(argc, argv, &x.o);
	if (!status)
		status = expand_matrix(&x);
	if (!status)
		status = open_target(&x);
	if (!status)
		status = load_target_facts(&x);
	if (!status)
		status = build_workloads(&x);
	if (!status)
		status = open_session(&x);
	if (!status) {
		run_matrix(&x);
		if (!write_manifest(&x)) {
			report_stop(&x);
			if (x.status == BB_EXIT_OK && !x.o.json)
				print_results(&x);
		}
		status = x.status;
	}
	rctx_free(&x);
	return status;
}

const struct bb_cmd bb_cmd_run = { .name = "run", .fn = cmd_run, .help = &run_help,
	.summary = "measure policies x page sizes x workloads on one region of a device" };
