// SPDX-License-Identifier: MIT
/* barbench plan: what each policy would map and trap for one region. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "barbench/policy.h"
#include "profile.h"
#include "cli.h"
#include "json.h"

void usage_plan(void)
{
	printf("usage: barbench plan (DEVICE [--region N] | --region-info FILE) [--policy NAME|all]\n"
	       "                     [--page-size SIZE] [--must-trap OFFSET:LENGTH]... [--param KEY=VALUE]...\n"
	       "                     [--policy-path FILE.so]... [--json]\n"
	       "\n"
	       "Turn one region into a plan per policy: windows that tile the region, each map\n"
	       "(one memslot) or trap, the host mmaps, memslots, mapped and trapped bytes, the\n"
	       "layout's registers that end up trapped, areas alignment dropped.\n"
	       "\n"
	       "  DEVICE               emu:LAYOUT; must-trap ranges (MSI-X table, PBA) come from it\n"
	       "  --region N           the region (required when the layout has several)\n"
	       "  --region-info FILE   raw VFIO_DEVICE_GET_REGION_INFO bytes instead of a device\n"
	       "  --policy NAME|all    a policy or every registered one (default all)\n"
	       "  --page-size SIZE     host page size: 4096, 4K, 16K, 64K, 0x1000 (default: this host's)\n"
	       "  --must-trap O:L      one more range a VMM must emulate (repeatable)\n"
	       "  --param KEY=VALUE    a policy parameter, e.g. span=1 for merged (repeatable)\n"
	       "  --policy-path F.so   load an out-of-tree policy (repeatable)\n"
	       "  --cost FILE          cost model for budget (barbench calibrate --save; default: built in)\n"
	       "  --profile TRACE      access profile for budget (replay format; default: the layout's hotness)\n"
	       "  --json               one JSON document {schema, target, region, region_size_bytes,\n"
	       "                       page_size_bytes, plans: [...]}, whatever the number of policies\n"
	       "                       (docs/results.md, docs/schemas/plan.schema.json)\n"
	       "\n"
	       "Exit status: 0 when planning worked (applicable or not), 2 on bad input,\n"
	       "1 when a policy produced a plan that fails validation.\n");
}

static void list_policies(FILE *f, const struct bb_registry *reg)
{
	fprintf(f, "policies:\n");
	for (unsigned i = 0; i < reg->n; i++) {
		fprintf(f, "  %-10s %s\n", reg->ops[i]->name, reg->ops[i]->summary);
		for (unsigned k = 0; reg->ops[i]->params && reg->ops[i]->params[k]; k++)
			fprintf(f, "  %-10s   --param %s\n", "", reg->ops[i]->params[k]);
	}
}

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
	static const struct option opts[] = {
		{ "region-info", required_argument, NULL, 'f' },
		{ "region", required_argument, NULL, 'r' },
		{ "policy", required_argument, NULL, 'p' },
		{ "page-size", required_argument, NULL, 's' },
		{ "must-trap", required_argument, NULL, 'm' },
		{ "param", required_argument, NULL, 'P' },
		{ "policy-path", required_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ "cost", required_argument, NULL, 'C' },
		{ "profile", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->file = optarg; break;
		case 'r':
			if (bb_parse_u64(optarg, &a->region) || a->region > UINT32_MAX)
				return bb_cli_fail(BB_EXIT_USAGE, "plan: --region %s: not a region index", optarg);
			a->has_region = true;
			break;
		case 'p': a->policy = optarg; break;
		case 's':
			if (bb_parse_page_size(optarg, &a->page))
				return bb_cli_fail(BB_EXIT_USAGE, "plan: --page-size %s: not a power of two >= 4K", optarg);
			break;
		case 'm':
			if (a->nr_must >= BB_MAX_MUST_TRAP)
				return bb_cli_fail(BB_EXIT_USAGE, "plan: at most %d --must-trap", BB_MAX_MUST_TRAP);
			a->must[a->nr_must++] = optarg;
			break;
		case 'P':
			if ((err = bb_cli_param_add("plan", optarg, a->params, a->pkeys, &a->nr_params)))
				return err;
			break;
		case 'L':
			if (a->nr_paths >= 8)
				return bb_cli_fail(BB_EXIT_USAGE, "plan: at most 8 --policy-path");
			a->paths[a->nr_paths++] = optarg;
			break;
		case 'j': a->json = true; break;
		case 'C': a->cost_file = optarg; break;
		case 'F': a->profile_file = optarg; break;
		default:
			return bb_cli_bad_option("plan", c, argv[optind - 1]);
		}
	}
	if (optind < argc)
		a->spec = argv[optind++];
	if (optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "plan: unexpected argument '%s'", argv[optind]);
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

int cmd_plan(int argc, char **argv)
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
