/* SPDX-License-Identifier: MIT */
/* Shared helpers of the command-line layer: the only place that prints errors and picks exit codes. */
#ifndef BARBENCH_CLI_H
#define BARBENCH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"

/* Exit statuses of every subcommand. */
enum { BB_EXIT_OK = 0, BB_EXIT_FAIL = 1, BB_EXIT_USAGE = 2 };

struct bb_cmd {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
	void (*usage)(void);
};

extern const struct bb_cmd bb_cmds[];
extern const size_t bb_nr_cmds;

/* "barbench: <msg>" on stderr; returns @status. */
int bb_cli_fail(int status, const char *fmt, ...) BB_PRINTF(2, 3);

/* Exit status for an error code: bad input (EINVAL & co) -> 2, else 1. */
int bb_cli_status(int err);

/* Read a whole file (at most @max bytes) into a malloc'd buffer. */
int bb_cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, struct bb_diag *d);

/* Flush stdout and report a failed write (perf does this at exit). */
int bb_cli_finish(int status);

int cmd_info(int argc, char **argv);
void usage_info(void);

#endif
