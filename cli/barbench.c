// SPDX-License-Identifier: MIT
/* barbench: what a BAR mapping strategy really costs.  main() dispatches subcommands. */
#include <stdio.h>
#include <string.h>

#include "bb_version.h"
#include "cli.h"

const struct bb_cmd bb_cmds[] = {
	{ "info", "print the regions and capabilities a device or a captured region-info reports", cmd_info, usage_info },
	{ "devices", "list the PCI devices bound to vfio-pci with their regions and capabilities", cmd_devices, usage_devices },
	{ "dump", "write the raw region-info bytes of every region of a device, one file each", cmd_dump, usage_dump },
	{ "plan", "turn one region into a mapping plan per policy, for a host page size", cmd_plan, usage_plan },
	{ "check", "static study: every layout x page size x policy, and a verdict per layout", cmd_check, usage_check },
	{ "run", "measure policies x page sizes x workloads on one region of a device", cmd_run, usage_run },
	{ "calibrate", "measure this machine's mapped and trapped paths and the runner's dispatch overhead", cmd_calibrate, usage_calibrate },
	{ "study", "run a study file's matrix into a results folder, then write its report", cmd_study, usage_study },
	{ "report", "rebuild report.md and the figures of a results folder", cmd_report, usage_report },
	{ "compare", "ratio of medians per configuration: a baseline results folder against each other one", cmd_compare, usage_compare },
	{ "serve", "serve a layout's emulated device over the vfio-user protocol on a UNIX socket", cmd_serve, usage_serve },
	{ "advise", "rank layout changes a vendor can make by predicted and measured gain", cmd_advise, usage_advise },
	{ "layout", "make and check layout files: layout new (from a device or an lspci dump), layout check", cmd_layout, usage_layout },
	{ "vmm", "sweep a device from inside a guest: what the VMM maps and traps, beside barbench's plans", cmd_vmm, usage_vmm },
};
const size_t bb_nr_cmds = sizeof(bb_cmds) / sizeof(bb_cmds[0]);

static void usage(FILE *f)
{
	fprintf(f, "usage: barbench <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < bb_nr_cmds; i++)
		fprintf(f, "  %-10s %s\n", bb_cmds[i].name, bb_cmds[i].summary);
	fprintf(f, "\n'barbench help <command>' or 'barbench <command> --help' for its options;\n"
		"'barbench --version' for the version.  Every command takes --quiet (results and\n"
		"errors only), --progress (progress also on a pipe) and --no-progress.\n\n"
		"Exit status, every command: 0 done; 1 a failure (a device, the machine, a file that could\n"
		"not be written, a folder in use); 2 bad input (options, files, results folders); 3 compare\n"
		"found a significant change; 128 + N stopped by signal N (runs that finished are kept).\n");
}

static const struct bb_cmd *find(const char *name)
{
	for (size_t i = 0; i < bb_nr_cmds; i++)
		if (!strcmp(bb_cmds[i].name, name))
			return &bb_cmds[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct bb_cmd *c;

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
		c = find(argv[2]);
		if (!c)
			return bb_cli_fail(BB_EXIT_USAGE, "help: no command '%s'", argv[2]);
		c->usage();
		return bb_cli_finish(BB_EXIT_OK);
	}
	c = find(argv[1]);
	if (!c) {
		const struct bb_cmd *best = NULL;
		size_t bd = 3;

		for (size_t i = 0; i < bb_nr_cmds; i++) {
			size_t dd = bb_cli_distance(argv[1], bb_cmds[i].name);

			if (dd < bd) {
				bd = dd;
				best = &bb_cmds[i];
			}
		}
		if (best)
			return bb_cli_fail(BB_EXIT_USAGE, "'%s' is not a command; did you mean '%s'?",
					   argv[1], best->name);
		bb_cli_fail(BB_EXIT_USAGE, "'%s' is not a command", argv[1]);
		usage(stderr);
		return BB_EXIT_USAGE;
	}
	/* a command with subcommands (layout) hands --help to the subcommand it names */
	for (int i = 2; i < argc && c->fn != cmd_layout; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			c->usage();
			return bb_cli_finish(BB_EXIT_OK);
		}
	}
	return bb_cli_finish(c->fn(argc - 1, argv + 1));
}
