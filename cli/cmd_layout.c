// SPDX-License-Identifier: MIT
/*
 * barbench layout SUB: commands that make and check layout files.  One flat
 * table of subcommands, each a struct bb_cmd at the end of its own file
 * (cli/cmd_layout_SUB.c: new, check); `layout` alone lists them, `layout help SUB` and
 * `layout SUB --help` print SUB's usage, an unknown SUB gets a suggestion.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const struct bb_cmd *const subs[] = { &bb_cmd_layout_new, &bb_cmd_layout_check };
#define NR_SUBS (sizeof(subs) / sizeof(subs[0]))

static void list(FILE *f)
{
	fprintf(f, "commands:\n");
	for (size_t i = 0; i < NR_SUBS; i++)
		fprintf(f, "  %-8s %s\n", subs[i]->name, subs[i]->summary);
	fprintf(f, "\n'barbench layout help <command>' or 'barbench layout <command> --help' for its options.\n");
}

static void list_subs(void)
{
	list(stdout);
}

static const struct bb_cmd_help layout_help = {
	.cmd = "layout",
	.synopsis = "<command> [options]",
	.text = "Make and check layout files: what a device's BARs hold (regions, MSI-X,\n"
		"registers, what is safe to touch).  The format: layouts/README.md.  The\n"
		"options below, given before <command>, hold for it too.\n",
	.opts = NULL,
	.more = list_subs,
	.exit = "the command's.",
	.subcommands = true,
};

/* An unknown SUB: exit 2, with the nearest name when one is near. */
static int unknown(const char *name)
{
	const struct bb_cmd *best = bb_cmd_nearest(subs, NR_SUBS, name);

	if (best)
		return bb_cli_fail(BB_EXIT_USAGE, "layout: '%s' is not a command; did you mean '%s'?", name, best->name);
	return bb_cli_fail(BB_EXIT_USAGE, "layout: '%s' is not a command (see barbench layout --help)", name);
}

static int cmd_layout(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const struct bb_cmd *c;
	const char *val;
	int k;

	/* the common options before the command's name (--quiet, --help); the rest is the command's */
	while ((k = bb_opt_next(&st, argc, argv, &layout_help, &val)) != -1)
		if (k == -2)
			return st.status;
	if (optind >= argc) {
		bb_cli_fail(BB_EXIT_USAGE, "layout: give a command");
		list(stderr);
		return BB_EXIT_USAGE;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			bb_opt_usage(&layout_help);
			return BB_EXIT_OK;
		}
		c = bb_cmd_find(subs, NR_SUBS, argv[2]);
		if (!c)
			return unknown(argv[2]);
		bb_opt_usage(c->help);
		return BB_EXIT_OK;
	}
	c = bb_cmd_find(subs, NR_SUBS, argv[1]);
	if (!c)
		return unknown(argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			bb_opt_usage(c->help);
			return BB_EXIT_OK;
		}
	}
	return c->fn(argc - 1, argv + 1);
}

const struct bb_cmd bb_cmd_layout = { .name = "layout", .fn = cmd_layout, .help = &layout_help,
	.summary = "make and check layout files: layout new (from a device or an lspci dump), layout check" };
