// SPDX-License-Identifier: MIT
/* barbench compare A B [C ...]: what changed from a baseline folder to each other one, by statistics (analysis/compare.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "options.h"

enum { K_JSON = BB_OPT_KEY(0), K_HOLM };

static const struct bb_opt compare_opts[] = {
	{ "json", K_JSON, NULL, NULL,
	  "one object (barbench-compare/2): a, host_a, test, alpha, min_repetitions,\n"
	  "interval, correction, tests, comparisons (one per B: a, host_a, b, host_b,\n"
	  "warnings, only_in_a, only_in_b, significant, configurations: device, region,\n"
	  "policy, params, page_size_bytes, runner, workload, a_p50_ns, b_p50_ns,\n"
	  "resolution_ns, ratio, ratio_ci_lo, ratio_ci_hi, ratio_ci_level, p_adjusted,\n"
	  "p_value, repetitions_a, repetitions_b, verdict: faster, slower, no change,\n"
	  "not enough repetitions, below resolution), significant; numbers are finite\n"
	  "or null (docs/schemas/compare.schema.json)" },
	{ "holm", K_HOLM, NULL, "off",
	  "Holm's correction over every test of every comparison: a change is\n"
	  "significant when its adjusted p is below 0.05, so the chance of any\n"
	  "false one among them stays below 0.05" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help compare_help = {
	.cmd = "compare",
	.synopsis = "A B [C ...] [options]",
	.text = "A is the baseline; every further folder is a B compared with it, each\n"
		"comparison headed by its folders' hosts (the manifest's hostname, else the\n"
		"folder's name; a name given twice gets #2 as in report's fleet).\n"
		"Per configuration in A and B: the medians over repetitions (a median\n"
		"below the timer resolution as \"< R ns\"), the ratio of medians B/A with\n"
		"a 95% distribution-free interval (order statistics of the pairwise ratios of\n"
		"repetitions, Hodges-Lehmann/Bauer; fewer repetitions: the range, at the\n"
		"confidence it has), and a two-sided Mann-Whitney U test on the repetitions'\n"
		"medians (exact without ties up to 50 a side).  A change is significant when\n"
		"both sides have at least 3 repetitions, p < 0.05 and the medians differ by\n"
		"more than the timer resolution; with 3 a side p is never below 0.1, so 4 a\n"
		"side are needed to find a change.  Each test stands alone unless --holm:\n"
		"over many tests about 1 in 20 comes out significant by chance, which a note\n"
		"says when there are 20 or more; --holm removes that at the cost of power\n"
		"(with 6 repetitions a side the smallest p is 0.0022, so Holm over more than\n"
		"about 23 tests finds nothing).  Configurations of one folder only are\n"
		"counted, not compared.  Warnings come first when the manifests of a\n"
		"comparison differ in CPU, hypervisor, kernel, timer, build or barbench\n"
		"version, or a folder has none.\n",
	.operands = "  A        the baseline results folder (barbench run or barbench study)\n"
		    "  B, C...  results folders compared with A, one by one (at most 63)\n",
	.opts = compare_opts,
	.quiet = "accepted; compare prints nothing but results, warnings and errors anyway",
	.exit = "0 when nothing changed significantly in any comparison, 3 when something\n"
		"did; 2 for bad usage, a folder with no or a malformed runs.csv, or one\n"
		"with no configuration in common with A; 1 when the output cannot be\n"
		"written or memory runs out.",
};

static int cmd_compare(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	struct bb_compare_opts o = { 0 };
	const char *val;
	struct bb_diag d;
	int c, r;

	while ((c = bb_opt_next(&st, argc, argv, &compare_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_JSON: o.json = true; break;
		case K_HOLM: o.holm = true; break;
		}
	}
	if (argc - optind > BB_RESULTS_MAX_FOLDERS)
		return bb_cli_fail(BB_EXIT_USAGE, "compare: at most %d results folders, not %d", BB_RESULTS_MAX_FOLDERS,
				   argc - optind);
	if (argc - optind < 2)
		return bb_cli_fail(BB_EXIT_USAGE, "compare: give two or more results folders (see barbench compare --help)");
	r = bb_compare_dirs((const char *const *)argv + optind, (size_t)(argc - optind), stdout, &o, &d);
	if (r < 0)
		return bb_cli_fail(bb_cli_status(r), "compare: %s", d.msg);
	return r ? 3 : BB_EXIT_OK;
}

const struct bb_cmd bb_cmd_compare = { .name = "compare", .fn = cmd_compare, .help = &compare_help,
	.summary = "ratio of medians per configuration: a baseline results folder against each other one" };
