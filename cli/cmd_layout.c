// SPDX-License-Identifier: MIT
/*
 * barbench layout SUB: commands that make and check layout files.  One flat
 * table of subcommands {name, summary, fn, usage}, each in its own file
 * (cli/cmd_layout_SUB.c: new, check); `layout` alone lists them, `layout help SUB` and
 * `layout SUB --help` print SUB's usage, an unknown SUB gets a suggestion.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"

static const struct bb_cmd subs[] = {
	{ "new", "write a layout from a device (vfio:BDF, vfio-user:SOCKET) or an lspci -vvv -xxxx dump",
	  cmd_layout_new, usage_layout_new },
	{ "check", "find registers outside or overlapping, safe ranges over MSI-X, doorbells on MSI-X pages",
	  cmd_layout_check, usage_layout_check },
};

static void list(FILE *f)
{
	fprintf(f, "commands:\n");
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		fprintf(f, "  %-8s %s\n", subs[i].name, subs[i].summary);
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

void usage_layout(void)
{
	bb_opt_usage(&layout_help);
}

static const struct bb_cmd *find(const char *name)
{
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(subs[i].name, name))
			return &subs[i];
	return NULL;
}

static int unknown(const char *name)
{
	const struct bb_cmd *best = NULL;
	size_t bd = 3;

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		size_t dd = bb_cli_distance(name, subs[i].name);

		if (dd < bd) {
			bd = dd;
			best = &subs[i];
		}
	}
	if (best)
		return bb_cli_fail(BB_EXIT_USAGE, "layout: '%s' is not a command; did you mean '%s'?", name, best->name);
	return bb_cli_fail(BB_EXIT_USAGE, "layout: '%s' is not a command (see barbench layout --help)", name);
}

int cmd_layout(int argc, char **argv)
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
			usage_layout();
			return BB_EXIT_OK;
		}
		c = find(argv[2]);
		if (!c)
			return unknown(argv[2]);
		c->usage();
		return BB_EXIT_OK;
	}
	c = find(argv[1]);
	if (!c)
		return unknown(argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			c->usage();
			return BB_EXIT_OK;
		}
	}
	return c->fn(argc - 1, argv + 1);
}
