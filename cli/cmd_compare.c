// SPDX-License-Identifier: MIT
/* barbench compare A B: what changed between two results folders, by statistics (analysis/compare.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "options.h"

static const struct bb_opt compare_opts[] = {
	{ "json", BB_OPT_KEY(0), NULL, NULL,
	  "one object: a, b, warnings, test, configurations (device, region,\n"
	  "policy, params, page_size_bytes, runner, workload, a_p50_ns, b_p50_ns,\n"
	  "resolution_ns, ratio, ratio_ci_lo, ratio_ci_hi, ratio_ci_level, p_value,\n"
	  "repetitions_a, repetitions_b, verdict: faster, slower, no change, not\n"
	  "enough repetitions, below resolution); numbers are finite or null\n"
	  "(docs/schemas/compare.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help compare_help = {
	.cmd = "compare",
	.synopsis = "A B [options]",
	.text = "Per configuration in both results folders: the medians over repetitions (a\n"
		"median below the timer resolution as \"< R ns\"), the ratio of medians B/A with\n"
		"a 95% distribution-free interval (order statistics of the pairwise ratios of\n"
		"repetitions, Hodges-Lehmann/Bauer; fewer repetitions: the range, at the\n"
		"confidence it has), and a two-sided Mann-Whitney U test on the repetitions'\n"
		"medians (exact without ties up to 50 a side).  A change is significant when\n"
		"both sides have at least 3 repetitions, p < 0.05 and the medians differ by\n"
		"more than the timer resolution; with 3 a side p is never below 0.1, so 4 a\n"
		"side are needed to find a change.  Warnings come first when the manifests\n"
		"differ in CPU, hypervisor, kernel, timer, build or barbench version, or a\n"
		"folder has none.\n",
	.operands = "  A, B     two results folders of barbench run or barbench study\n",
	.opts = compare_opts,
	.quiet = "accepted; compare prints nothing but results, warnings and errors anyway",
	.exit = "0 when nothing changed significantly, 3 when something did; 2 when a\n"
		"folder has no or a malformed runs.csv, or none of its configurations is in\n"
		"the other.",
};

static int cmd_compare(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	bool json = false;
	struct bb_diag d;
	int c, r;

	while ((c = bb_opt_next(&st, argc, argv, &compare_help, &val)) != -1) {
		if (c == -2)
			return st.status;
		json = true;	/* the only option */
	}
	if (argc - optind > 2)
		return bb_cli_fail(BB_EXIT_USAGE, "compare: unexpected argument '%s'", argv[optind + 2]);
	if (argc - optind < 2)
		return bb_cli_fail(BB_EXIT_USAGE, "compare: give two results folders");
	r = bb_compare(argv[optind], argv[optind + 1], stdout, json, &d);
	if (r < 0)
		return bb_cli_fail(bb_cli_status(r), "compare: %s", d.msg);
	return r ? 3 : BB_EXIT_OK;
}

const struct bb_cmd bb_cmd_compare = { .name = "compare", .fn = cmd_compare, .help = &compare_help,
	.summary = "ratio of medians per configuration between two results folders" };
