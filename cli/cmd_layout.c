// SPDX-License-Identifier: MIT
/* barbench layout: the layout subcommands, one table {name, fn, summary}. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct bb_layout_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	void (*usage)(void);
} cmds[] = {
	{ "new", cmd_layout_new, "write a layout from a device (vfio:BDF, vfio-user:SOCKET) or an lspci -vvv -xxxx dump",
	  usage_layout_new },
};

void usage_layout(void)
{
	printf("usage: barbench layout <subcommand> [options]\n\nsubcommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-8s %s\n", cmds[i].name, cmds[i].summary);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		putchar('\n');
		cmds[i].usage();
	}
}

int cmd_layout(int argc, char **argv)
{
	if (argc < 2)
		return bb_cli_fail(BB_EXIT_USAGE, "layout: want a subcommand (see barbench layout --help)");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return bb_cli_fail(BB_EXIT_USAGE, "layout: '%s' is not a subcommand (see barbench layout --help)", argv[1]);
}
