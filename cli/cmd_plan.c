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
	       "  --json               JSON: one object, or an array with all\n"
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

int cmd_plan(int argc, char **argv)
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
	const char *file = NULL, *spec = NULL, *policy = "all", *cost_file = NULL, *profile_file = NULL;
	struct bb_cost cost;
	struct bb_profile profile = { 0 };
	const char *must[BB_MAX_MUST_TRAP], *paths[8];
	unsigned nr_must = 0, nr_params = 0, nr_paths = 0;
	struct bb_param params[BB_POLICY_MAX_PARAMS];
	char pkeys[BB_POLICY_MAX_PARAMS][64];
	uint64_t region = 0, page = (uint64_t)sysconf(_SC_PAGESIZE);
	bool json = false, has_region = false;
	struct bb_registry reg;
	struct bb_target t;
	struct bb_diag d;
	int c, err, status = BB_EXIT_OK;
	unsigned printed = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 'r':
			if (bb_parse_u64(optarg, &region) || region > UINT32_MAX)
				return bb_cli_fail(BB_EXIT_USAGE, "plan: --region %s: not a region index", optarg);
			has_region = true;
			break;
		case 'p': policy = optarg; break;
		case 's':
			if (bb_parse_page_size(optarg, &page))
				return bb_cli_fail(BB_EXIT_USAGE, "plan: --page-size %s: not a power of two >= 4K", optarg);
			break;
		case 'm':
			if (nr_must >= BB_MAX_MUST_TRAP)
				return bb_cli_fail(BB_EXIT_USAGE, "plan: at most %d --must-trap", BB_MAX_MUST_TRAP);
			must[nr_must++] = optarg;
			break;
		case 'P':
			if ((err = bb_cli_param_add("plan", optarg, params, pkeys, &nr_params)))
				return err;
			break;
		case 'L':
			if (nr_paths >= 8)
				return bb_cli_fail(BB_EXIT_USAGE, "plan: at most 8 --policy-path");
			paths[nr_paths++] = optarg;
			break;
		case 'j': json = true; break;
		case 'C': cost_file = optarg; break;
		case 'F': profile_file = optarg; break;
		default:
			return bb_cli_bad_option("plan", c, argv[optind - 1]);
		}
	}
	if (optind < argc)
		spec = argv[optind++];
	if (optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "plan: unexpected argument '%s'", argv[optind]);
	if (!!file == !!spec)
		return bb_cli_fail(BB_EXIT_USAGE, "plan: give one DEVICE or --region-info FILE (see barbench plan --help)");

	bb_registry_init(&reg);
	for (unsigned i = 0; i < nr_paths; i++) {
		err = bb_registry_load(&reg, paths[i], &d);
		if (err) {
			bb_registry_free(&reg);
			return bb_cli_fail(BB_EXIT_USAGE, "plan: --policy-path %s", d.msg);
		}
	}
	if (strcmp(policy, "all") && !bb_registry_find(&reg, policy)) {
		bb_cli_fail(BB_EXIT_USAGE, "plan: no policy '%s'", policy);
		list_policies(stderr, &reg);
		bb_registry_free(&reg);
		return BB_EXIT_USAGE;
	}
	for (unsigned i = 0; i < nr_params; i++) {
		bool known = false;

		for (unsigned k = 0; k < reg.n && !known; k++)
			if (!strcmp(policy, "all") || !strcmp(policy, reg.ops[k]->name))
				known = bb_policy_takes(reg.ops[k], params[i].key);
		if (!known) {
			bb_registry_free(&reg);
			return bb_cli_fail(BB_EXIT_USAGE, "plan: --param %s: no %s policy takes '%s'",
					   params[i].key, strcmp(policy, "all") ? policy : "selected", params[i].key);
		}
	}
	err = bb_target_load(&t, spec, file, has_region, (uint32_t)region, &d);
	if (err) {
		bb_registry_free(&reg);
		return bb_cli_fail(bb_cli_status(err), "%s", d.msg);
	}
	for (unsigned i = 0; i < nr_must && !err; i++)
		err = bb_target_add_must_trap(&t, must[i], &d);
	if (err) {
		status = bb_cli_fail(BB_EXIT_USAGE, "plan: %s", d.msg);
		goto out;
	}
	bb_cost_default(&cost);
	if (cost_file && bb_cost_load(cost_file, &cost, &d)) {
		status = bb_cli_fail(BB_EXIT_USAGE, "plan: --cost %s", d.msg);
		goto out;
	}
	if (profile_file ? bb_profile_from_trace(profile_file, &t.region, &profile, &d)
			 : bb_profile_from_layout(t.has_layout ? &t.layout : NULL, t.region.index, 4, &profile)) {
		status = bb_cli_fail(BB_EXIT_USAGE, "plan: --profile %s", d.msg);
		goto out;
	}
	if (!json)
		printf("%s: region %" PRIu32 ", size 0x%" PRIx64 ", %" PRIu64 "-byte pages\n", t.name,
		       t.region.index, t.region.size, page);
	if (json && !strcmp(policy, "all"))
		putchar('[');
	for (unsigned k = 0; k < reg.n; k++) {
		const struct bb_policy_ops *ops = reg.ops[k];
		struct bb_param mine[BB_POLICY_MAX_PARAMS];
		struct bb_policy_ctx ctx = {
			.page_size = page,
			.must_trap = t.must_trap,
			.nr_must_trap = t.nr_must_trap,
			.params = mine,
			.profile = profile.n ? &profile : NULL,
			.cost = &cost,
		};
		struct bb_plan p;

		if (strcmp(policy, "all") && strcmp(policy, ops->name))
			continue;
		ctx.nr_params = bb_params_for(ops, params, nr_params, mine, NULL, 0);
		err = bb_policy_run(ops, &t.region, &ctx, &p, &d);
		if (err) {
			if (json && !strcmp(policy, "all"))
				printf("]\n");
			status = bb_cli_fail(err == -EPROTO ? BB_EXIT_FAIL : bb_cli_status(err), "plan: %s: %s",
					     t.name, d.msg);
			goto out;
		}
		if (t.has_layout)
			bb_layout_warn_plan(&t.layout, t.region.index, &p);
		if (json) {
			if (printed)
				putchar(',');
			bb_plan_print_json(stdout, &p, t.has_layout ? &t.layout : NULL, t.region.index);
		} else {
			bb_plan_print(stdout, &p, t.has_layout ? &t.layout : NULL, t.region.index);
		}
		printed++;
		bb_plan_free(&p);
	}
	if (json)
		printf("%s\n", strcmp(policy, "all") ? "" : "]");
out:
	bb_profile_free(&profile);
	bb_target_free(&t);
	bb_registry_free(&reg);
	return status;
}
