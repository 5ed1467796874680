// SPDX-License-Identifier: MIT
/* barbench plan: what each policy would map and trap for one region. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "barbench/policy.h"
#include "profile.h"
#include "cli.h"
#include "options.h"
#include "json.h"

static void list_policies(FILE *f, const struct bb_registry *reg)
{
	fprintf(f, "policies:\n");
	for (unsigned i = 0; i < reg->n; i++) {
		fprintf(f, "  %-10s %s\n", reg->ops[i]->name, reg->ops[i]->summary);
		for (unsigned k = 0; reg->ops[i]->params && reg->ops[i]->params[k]; k++)
			fprintf(f, "  %-10s   --param %s\n", "", reg->ops[i]->params[k]);
	}
}

/* The built-in policies and their parameters, after the options of plan --help. */
static void help_policies(void)
{
	struct bb_registry reg;

	bb_registry_init(&reg);
	list_policies(stdout, &reg);
	bb_registry_free(&reg);
}

enum { K_FILE = BB_OPT_KEY(0), K_REGION, K_POLICY, K_PAGE, K_MUST, K_PARAM, K_PATH, K_JSON, K_COST, K_PROFILE };

static const struct bb_opt plan_opts[] = {
	{ "region", K_REGION, "N", "the only one", "the region (required when the device has several)" },
	{ "region-info", K_FILE, "FILE", NULL, "raw VFIO_DEVICE_GET_REGION_INFO bytes instead of a device" },
	{ "policy", K_POLICY, "NAME|all", "all", "a policy (listed below) or every registered one" },
	{ "page-size", K_PAGE, "SIZE", "this host's", "host page size: 4096, 4K, 16K, 64K, 0x1000" },
	{ "must-trap", K_MUST, "O:L", NULL, "one more range a VMM must emulate (repeatable)" },
	{ "param", K_PARAM, "KEY=VALUE", NULL, "a policy parameter, e.g. span=1 for merged (repeatable;\n"
					      "each policy's are listed below)" },
	{ "policy-path", K_PATH, "F.so", NULL, "load an out-of-tree policy (repeatable, at most 8)" },
	{ "cost", K_COST, "FILE", "built in", "cost model for budget, from barbench calibrate --save" },
	{ "profile", K_PROFILE, "TRACE", "the layout's hotness", "access profile for budget, in the replay format" },
	{ "json", K_JSON, NULL, NULL, "one JSON document {schema, target, region, region_size_bytes,\n"
				      "page_size_bytes, plans: [...]}, whatever the number of policies\n"
				      "(docs/results.md, docs/schemas/plan.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help plan_help = {
	.cmd = "plan",
	.synopsis = "(DEVICE [--region N] | --region-info FILE) [options]",
	.text = "Turn one region into a plan per policy: windows that tile the region, each map\n"
		"(one memslot) or trap, the host mmaps, memslots, mapped and trapped bytes, the\n"
		"layout's registers that end up trapped, areas alignment dropped.\n",
	.operands = "  DEVICE   emu:LAYOUT, vfio:BDF, vfio-user:SOCKET or pci:BDF; must-trap ranges\n"
		    "           (MSI-X table, PBA) come from it\n",
	.opts = plan_opts,
	.quiet = "accepted; plan prints nothing but results and errors anyway",
	.more = help_policies,
	.exit = "0 when planning worked (applicable or not), 2 on bad input,\n"
		"1 when a policy produced a plan that fails validation.",
};

/* What the command line asks for. */
struct plan_args {
	const char *file, *spec, *policy, *cost_file, *profile_file;
	const char *must[BB_MAX_MUST_TRAP], *paths[8];
	unsigned nr_must, nr_params, nr_paths;
	struct bb_param params[BB_POLICY_MAX_PARAMS];
	char pkeys[BB_POLICY_MAX_PARAMS][64];
	uint64_t region, page;
	bool json, has_region;
};

/* The options into @a; 0, or the exit status after a message. */
static int plan_options(struct plan_args *a, int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	uint32_t region;
	int c, err = 0;

	while (!err && (c = bb_opt_next(&st, argc, argv, &plan_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_FILE: a->file = val; break;
		case K_REGION:
			err = bb_opt_region(&plan_help, c, val, &region);
			a->region = region;
			a->has_region = true;
			break;
		case K_POLICY: a->policy = val; break;
		case K_PAGE: err = bb_opt_page_size(&plan_help, c, val, &a->page); break;
		case K_MUST:
			if (!(err = bb_opt_count(&plan_help, c, val, a->nr_must, BB_MAX_MUST_TRAP)))
				a->must[a->nr_must++] = val;
			break;
		case K_PARAM: err = bb_cli_param_add("plan", val, a->params, a->pkeys, &a->nr_params); break;
		case K_PATH:
			if (!(err = bb_opt_count(&plan_help, c, val, a->nr_paths, 8)))
				a->paths[a->nr_paths++] = val;
			break;
		case K_JSON: a->json = true; break;
		case K_COST: a->cost_file = val; break;
		case K_PROFILE: a->profile_file = val; break;
		}
	}
	if (err || (err = bb_opt_operands(&plan_help, argc, argv, 0, 1)))
		return err;
	if (optind < argc)
		a->spec = argv[optind];
	if (!!a->file == !!a->spec)
		return bb_cli_fail(BB_EXIT_USAGE, "plan: give one DEVICE or --region-info FILE (see barbench plan --help)");
	return 0;
}

/* The loaded policies, the one asked for and the parameters given; 0 or the exit status. */
static int plan_policies(const struct plan_args *a, struct bb_registry *reg)
{
	bool all = !strcmp(a->policy, "all");
	struct bb_diag d;

	for (unsigned i = 0; i < a->nr_paths; i++)
		if (bb_registry_load(reg, a->paths[i], &d))
			return bb_cli_fail(BB_EXIT_USAGE, "plan: --policy-path %s", d.msg);
	if (!all && !bb_registry_find(reg, a->policy)) {
		bb_cli_fail(BB_EXIT_USAGE, "plan: no policy '%s'", a->policy);
		list_policies(stderr, reg);
		return BB_EXIT_USAGE;
	}
	for (unsigned i = 0; i < a->nr_params; i++) {
		bool known = false;

		for (unsigned k = 0; k < reg->n && !known; k++)
			if (all || !strcmp(a->policy, reg->ops[k]->name))
				known = bb_policy_takes(reg->ops[k], a->params[i].key);
		if (!known)
			return bb_cli_fail(BB_EXIT_USAGE, "plan: --param %s: no %s policy takes '%s'", a->params[i].key,
					   all ? "selected" : a->policy, a->params[i].key);
	}
	return 0;
}

/* The must-trap ranges, the cost model and the access profile of a loaded target; 0 or the exit status. */
static int plan_inputs(const struct plan_args *a, struct bb_target *t, struct bb_cost *cost,
		       struct bb_profile *profile)
{
	struct bb_diag d;
	int err = 0;

	for (unsigned i = 0; i < a->nr_must && !err; i++)
		err = bb_target_add_must_trap(t, a->must[i], &d);
	if (err)
		return bb_cli_fail(BB_EXIT_USAGE, "plan: %s", d.msg);
	bb_cost_default(cost);
	if (a->cost_file && bb_cost_load(a->cost_file, cost, &d))
		return bb_cli_fail(BB_EXIT_USAGE, "plan: --cost %s", d.msg);
	if (a->profile_file ? bb_profile_from_trace(a->profile_file, &t->region, profile, &d)
			    : bb_profile_from_layout(t->has_layout ? &t->layout : NULL, t->region.index, 4, profile))
		return bb_cli_fail(BB_EXIT_USAGE, "plan: --profile %s", d.msg);
	return 0;
}

/* Every policy asked for, planned and printed (text, or one document with --json); the exit status. */
static int plan_print_all(const struct plan_args *a, const struct bb_registry *reg, const struct bb_target *t,
			  const struct bb_cost *cost, const struct bb_profile *profile)
{
	const struct bb_layout *l = t->has_layout ? &t->layout : NULL;
	json_t *plans = a->json ? json_array() : NULL;
	struct bb_diag d;

	if (!a->json)
		printf("%s: region %" PRIu32 ", size 0x%" PRIx64 ", %" PRIu64 "-byte pages\n", t->name,
		       t->region.index, t->region.size, a->page);
	for (unsigned k = 0; k < reg->n; k++) {
		const struct bb_policy_ops *ops = reg->ops[k];
		struct bb_param mine[BB_POLICY_MAX_PARAMS];
		struct bb_policy_ctx ctx = {
			.page_size = a->page,
			.must_trap = t->must_trap,
			.nr_must_trap = t->nr_must_trap,
			.params = mine,
			.profile = profile->n ? profile : NULL,
			.cost = cost,
		};
		struct bb_plan p;
		int err;

		if (strcmp(a->policy, "all") && strcmp(a->policy, ops->name))
			continue;
		ctx.nr_params = bb_params_for(ops, a->params, a->nr_params, mine, NULL, 0);
		err = bb_policy_run(ops, &t->region, &ctx, &p, &d);
		if (err) {
			json_decref(plans);
			return bb_cli_fail(err == -EPROTO ? BB_EXIT_FAIL : bb_cli_status(err), "plan: %s: %s", t->name,
					   d.msg);
		}
		if (t->has_layout)
			bb_layout_warn_plan(&t->layout, t->region.index, &p);
		if (a->json && json_array_append_new(plans, bb_plan_json(&p, l, t->region.index))) {
			json_decref(plans);
			plans = NULL;	/* out of memory: said when printed */
		} else if (!a->json) {
			bb_plan_print(stdout, &p, l, t->region.index);
		}
		bb_plan_free(&p);
	}
	if (!a->json)
		return BB_EXIT_OK;
	return bb_cli_json(json_pack("{s:s,s:o,s:I,s:o,s:o,s:o}", "schema", "barbench-plan/1", "target",
				     bb_json_str(t->name), "region", (json_int_t)t->region.index,
				     "region_size_bytes", bb_json_u64(t->region.size), "page_size_bytes",
				     bb_json_u64(a->page), "plans", plans));
}

static int cmd_plan(int argc, char **argv)
{
	static struct plan_args a;
	struct bb_profile profile = { 0 };
	struct bb_registry reg;
	struct bb_target t;
	struct bb_cost cost;
	struct bb_diag d;
	int err, status;

	memset(&a, 0, sizeof(a));
	a.policy = "all";
	a.page = (uint64_t)sysconf(_SC_PAGESIZE);
	status = plan_options(&a, argc, argv);
	if (status)
		return status;
	bb_registry_init(&reg);
	status = plan_policies(&a, &reg);
	if (status) {
		bb_registry_free(&reg);
		return status;
	}
	err = bb_target_load(&t, a.spec, a.file, a.has_region, (uint32_t)a.region, &d);
	if (err) {
		bb_registry_free(&reg);
		return bb_cli_fail(bb_cli_status(err), "%s", d.msg);
	}
	status = plan_inputs(&a, &t, &cost, &profile);
	if (!status)
		status = plan_print_all(&a, &reg, &t, &cost, &profile);
	bb_profile_free(&profile);
	bb_target_free(&t);
	bb_registry_free(&reg);
	return status;
}

const struct bb_cmd bb_cmd_plan = { .name = "plan", .fn = cmd_plan, .help = &plan_help,
	.summary = "turn one region into a mapping plan per policy, for a host page size" };
