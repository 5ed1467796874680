// SPDX-License-Identifier: MIT
/* barbench: what a BAR mapping strategy really costs.  main() dispatches subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb_version.h"
#include "cli.h"
#include "options.h"

static const struct bb_cmd *const cmds[] = {
	&bb_cmd_info, &bb_cmd_devices, &bb_cmd_dump, &bb_cmd_plan, &bb_cmd_check, &bb_cmd_run, &bb_cmd_calibrate,
	&bb_cmd_study, &bb_cmd_report, &bb_cmd_compare, &bb_cmd_serve, &bb_cmd_advise, &bb_cmd_layout, &bb_cmd_vmm,
};
#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: barbench <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
	fprintf(f, "\n'barbench help <command>' or 'barbench <command> --help' for its options;\n"
		"'barbench --version' (or 'barbench version') for the version.  Every command takes\n"
		"--quiet (results and errors only), --progress (progress also on a pipe) and\n"
		"--no-progress.\n\n"
		"Exit status, every command: 0 done; 1 a failure (a device, the machine, a file that could\n"
		"not be written, a folder in use), or layout check found something; 2 bad input (options,\n"
		"files, results folders); 3 compare found a significant change; 128 + N stopped by signal N\n"
		"(runs that finished are kept).\n");
}

int bb_cli_argc;
char *const *bb_cli_argv;

int main(int argc, char **argv)
{
	const struct bb_cmd *c;
	char **args;
	int status;

	if (argc < 2) {
		usage(stderr);
		return BB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return bb_cli_finish(BB_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("barbench %s\n", BB_VERSION_STRING);
		return bb_cli_finish(BB_EXIT_OK);
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return bb_cli_finish(BB_EXIT_OK);
		}
		c = bb_cmd_find(cmds, NR_CMDS, argv[2]);
		if (!c)
			return bb_cli_fail(BB_EXIT_USAGE, "help: no command '%s'", argv[2]);
		if (argc > 3 + !!c->help->subcommands)
			return bb_cli_fail(BB_EXIT_USAGE, "help: unexpected argument '%s' (barbench help <command>%s)",
					   argv[3 + !!c->help->subcommands], c->help->subcommands ? " [<subcommand>]" : "");
		if (argc == 4) {
			/* help layout new: the subcommand's help, as layout help new prints it */
			char *sub[] = { argv[2], (char *)"help", argv[3], NULL };

			return bb_cli_finish(c->fn(3, sub));
		}
		bb_opt_usage(c->help);
		return bb_cli_finish(BB_EXIT_OK);
	}
	c = bb_cmd_find(cmds, NR_CMDS, argv[1]);
	if (!c) {
		const struct bb_cmd *best = bb_cmd_nearest(cmds, NR_CMDS, argv[1]);

		if (best)
			return bb_cli_fail(BB_EXIT_USAGE, "'%s' is not a command; did you mean '%s'?",
					   argv[1], best->name);
		bb_cli_fail(BB_EXIT_USAGE, "'%s' is not a command", argv[1]);
		usage(stderr);
		return BB_EXIT_USAGE;
	}
	/* a command with subcommands (layout) hands --help to the subcommand it names */
	for (int i = 2; i < argc && !c->help->subcommands; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			bb_opt_usage(c->help);
			return bb_cli_finish(BB_EXIT_OK);
		}
	}
	/* the command parses (and getopt permutes) a copy; bb_cli_argv stays as given */
	args = malloc((size_t)argc * sizeof(*args));
	if (!args)
		return bb_cli_fail(BB_EXIT_FAIL, "out of memory");
	memcpy(args, argv + 1, (size_t)(argc - 1) * sizeof(*args));
	args[argc - 1] = NULL;
	bb_cli_argc = argc;
	bb_cli_argv = argv;
	status = c->fn(argc - 1, args);
	free(args);
	return bb_cli_finish(status);
}
