// SPDX-License-Identifier: MIT
/* barbench compare A B: what changed between two results folders, by statistics (analysis/compare.c). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"

void usage_compare(void)
{
	printf("usage: barbench compare A B [--json]\n"
	       "\n"
	       "Per configuration in both results folders: the medians over repetitions (a\n"
	       "median below the timer resolution as \"< R ns\"), the ratio of medians B/A with\n"
	       "a 95%% distribution-free interval (order statistics of the pairwise ratios of\n"
	       "repetitions, Hodges-Lehmann/Bauer; fewer repetitions: the range, at the\n"
	       "confidence it has), and a two-sided Mann-Whitney U test on the repetitions'\n"
	       "medians (exact without ties up to 50 a side).  A change is significant when\n"
	       "both sides have at least 3 repetitions, p < 0.05 and the medians differ by\n"
	       "more than the timer resolution; with 3 a side p is never below 0.1, so 4 a\n"
	       "side are needed to find a change.  Warnings come first when the manifests\n"
	       "differ in CPU, hypervisor, kernel, timer, build or barbench version, or a\n"
	       "folder has none.\n"
	       "\n"
	       "  --json   one object: a, b, warnings, test, configs (config, a_p50_ns,\n"
	       "           b_p50_ns, ratio, ratio_lo, ratio_hi, p_value, reps_a, reps_b,\n"
	       "           verdict: faster, slower, no change, not enough repetitions,\n"
	       "           below resolution); numbers are finite or null\n"
	       "\n"
	       "Exit 0 when nothing changed significantly, 3 when something did; 2 when a\n"
	       "folder has no or a malformed runs.csv, or none of its configurations is in\n"
	       "the other.\n");
}

int cmd_compare(int argc, char **argv)
{
	const char *a = NULL, *b = NULL;
	bool json = false;
	struct bb_diag d;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-')
			return bb_cli_fail(BB_EXIT_USAGE, "compare: unknown option '%s'", argv[i]);
		else if (!a)
			a = argv[i];
		else if (!b)
			b = argv[i];
		else
			return bb_cli_fail(BB_EXIT_USAGE, "compare: unexpected argument '%s'", argv[i]);
	}
	if (!a || !b)
		return bb_cli_fail(BB_EXIT_USAGE, "compare: give two results folders");
	r = bb_compare(a, b, stdout, json, &d);
	if (r < 0)
		return bb_cli_fail(bb_cli_status(r), "compare: %s", d.msg);
	return r ? 3 : BB_EXIT_OK;
}
