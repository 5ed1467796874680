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

struct bb_param;
/* Add "KEY=VALUE" to @params (keys stored in @keys); 0, or the exit status after a message. */
int bb_cli_param_add(const char *cmd, const char *arg, struct bb_param *params, char (*keys)[64], unsigned *n);

/*
 * What getopt_long (optstring ":") returned for a bad option @arg of @cmd:
 * ':' a missing value ("--page-size needs a value"), else an unknown option.
 * Prints the message and returns the exit status (2).
 */
int bb_cli_bad_option(const char *cmd, int c, const char *arg);

/* Edit distance of two names, for "did you mean" (64 when @b is 64 characters or longer). */
size_t bb_cli_distance(const char *a, const char *b);

/* Flush stdout and report a failed write (perf does this at exit). */
int bb_cli_finish(int status);

int cmd_info(int argc, char **argv);
void usage_info(void);
/* info for a device opened through its backend (vfio:BDF): bench/cmd_devices.c */
int bb_info_dev(const char *spec, bool json, bool one, uint32_t only);
int cmd_devices(int argc, char **argv);
void usage_devices(void);
int cmd_dump(int argc, char **argv);
void usage_dump(void);

/* ---- what `plan`, `check` and later `run` work on ---- */
#include "barbench/layout.h"
#include "barbench/region.h"

#define BB_MAX_MUST_TRAP 16

struct bb_target {
	char name[300];			/* "emu:layouts/x/region0" or the file */
	bool has_layout;
	struct bb_layout layout;
	struct bb_region region;	/* as the device reports it */
	struct bb_range must_trap[BB_MAX_MUST_TRAP];
	unsigned nr_must_trap;
};

/*
 * Load the region to plan: from DEVICE (emu:LAYOUT, region @index; any region
 * when the layout has one) or from a raw region-info FILE.  Must-trap ranges
 * come from the layout; add more with bb_target_add_must_trap().
 */
int bb_target_load(struct bb_target *t, const char *spec, const char *file, bool has_index,
		   uint32_t index, struct bb_diag *d);
/* The same from a device opened through its backend (vfio:BDF): bench/target_dev.c. */
int bb_target_load_dev(struct bb_target *t, const char *spec, bool has_index, uint32_t index, struct bb_diag *d);
/* "OFFSET:LENGTH", inside the region. */
int bb_target_add_must_trap(struct bb_target *t, const char *arg, struct bb_diag *d);
void bb_target_free(struct bb_target *t);

/* Load a layout given as emu:PATH, PATH or a shipped name. */
int bb_cli_layout(const char *arg, struct bb_layout *l, struct bb_diag *d);

/* Region of a layout as the emulated device reports it (encode -> parse). */
int bb_layout_region_reported(const struct bb_layout *l, uint32_t i, const char *spec,
			      struct bb_region *out, struct bb_diag *d);

/* Comma list of page sizes: "4K,16K,64K". */
int bb_cli_page_sizes(const char *arg, uint64_t *out, unsigned max, unsigned *n, struct bb_diag *d);

int cmd_plan(int argc, char **argv);
void usage_plan(void);
int cmd_check(int argc, char **argv);
void usage_check(void);
int cmd_run(int argc, char **argv);
void usage_run(void);
int cmd_calibrate(int argc, char **argv);
void usage_calibrate(void);
int cmd_study(int argc, char **argv);
void usage_study(void);
int cmd_report(int argc, char **argv);
void usage_report(void);
int cmd_compare(int argc, char **argv);
void usage_compare(void);
int cmd_serve(int argc, char **argv);
void usage_serve(void);
int cmd_advise(int argc, char **argv);
void usage_advise(void);

/* barbench layout SUB (cli/cmd_layout.c), one file per SUB: cli/cmd_layout_SUB.c */
int cmd_layout(int argc, char **argv);
void usage_layout(void);
int cmd_layout_check(int argc, char **argv);
void usage_layout_check(void);
int cmd_layout_new(int argc, char **argv);
void usage_layout_new(void);

#endif
