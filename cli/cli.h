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

struct bb_cmd_help;

/*
 * A command, defined at the end of its cli/cmd_NAME.c: its name, the line
 * `barbench --help` lists it with, what runs it, and its --help (options.h).
 */
struct bb_cmd {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv);
	const struct bb_cmd_help *help;
};

/* barbench's commands (cli/barbench.c lists them) and layout's (cli/cmd_layout.c: cmd_layout_SUB.c) */
extern const struct bb_cmd bb_cmd_info, bb_cmd_devices, bb_cmd_dump, bb_cmd_plan, bb_cmd_check, bb_cmd_run,
	bb_cmd_calibrate, bb_cmd_study, bb_cmd_report, bb_cmd_compare, bb_cmd_serve, bb_cmd_advise, bb_cmd_layout,
	bb_cmd_vmm, bb_cmd_layout_new, bb_cmd_layout_check;

/* The command of the @n in @cmds named @name, or NULL. */
const struct bb_cmd *bb_cmd_find(const struct bb_cmd *const *cmds, size_t n, const char *name);
/*
 * For "did you mean": the one command of the @n in @cmds whose name starts with
 * @name, else the nearest by edit distance (2 edits at most), or NULL.
 */
const struct bb_cmd *bb_cmd_nearest(const struct bb_cmd *const *cmds, size_t n, const char *name);

/*
 * The process's arguments as given (argv[0] first), set by main before the
 * command runs on a copy: getopt_long permutes the array it parses (options
 * before operands), and a manifest records the command line exactly.
 */
extern int bb_cli_argc;
extern char *const *bb_cli_argv;

/* "barbench: <msg>" on stderr; returns @status. */
int bb_cli_fail(int status, const char *fmt, ...) BB_PRINTF(2, 3);

/*
 * While @buf is set (@len > 0), bb_cli_fail keeps its first message there
 * instead of printing it: a command run in-process by another (study runs
 * advise) records why it failed.  bb_cli_capture(NULL, 0) ends it.
 */
void bb_cli_capture(char *buf, size_t len);

/* Exit status for an error code: bad input (EINVAL & co) -> 2, else 1. */
int bb_cli_status(int err);

/*
 * Exit status for an output the user named (-o FILE, --out DIR) that could
 * not be made: 1, whatever the OS said (no such folder, not a folder, no
 * permission, a name too long, a full disk): an output that cannot be
 * created is a failure, not bad usage.  2 only where barbench refused what
 * is already there: -EEXIST (a file replaced only with --force) and -EINVAL
 * (a planted symlink, not a folder barbench made).
 */
int bb_cli_out_status(int err);

/*
 * The layout files of folder @dir: regular files (a link to one counts)
 * named as layouts are, with no dot as the shipped ones (README.md is not
 * one) or NAME.layout as `layout new -o` may name them, each "DIR/NAME"
 * (one trailing '/' of @dir dropped) in name order, malloc'd into *@out
 * (bb_cli_names_free).  0, none found included; -errno when the folder
 * cannot be read, -E2BIG past @max files, -ENAMETOOLONG, -ENOMEM.  check,
 * layout check FOLDER and a study's emu:DIR/ * pick layouts by it.
 */
int bb_cli_layout_files(const char *dir, size_t max, char ***out, size_t *n, struct bb_diag *d);
void bb_cli_names_free(char **v, size_t n);

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

struct json_t;
/*
 * Print the document @doc (its "schema" member first) on stdout, one line,
 * and free it: the --json output of every command (docs/results.md).  0, or
 * the exit status after a message (NULL @doc: out of memory).
 */
int bb_cli_json(struct json_t *doc);

struct bb_dev;
struct bb_region;
/* cmd_devices.c, shared with info: a device's head line(s); where its layout disagrees with region @r. */
void bb_devices_head(const struct bb_dev *dev);
void bb_devices_layout_notes(const struct bb_dev *dev, const struct bb_region *r);

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
 * Load the region to plan: from DEVICE through its backend (emu:LAYOUT,
 * vfio:BDF, vfio-user:SOCKET; region @index, or the only one) or from a raw
 * region-info FILE.  Must-trap ranges come from the device's layout; add
 * more with bb_target_add_must_trap().
 */
int bb_target_load(struct bb_target *t, const char *spec, const char *file, bool has_index,
		   uint32_t index, struct bb_diag *d);
/* "OFFSET:LENGTH", inside the region. */
int bb_target_add_must_trap(struct bb_target *t, const char *arg, struct bb_diag *d);
void bb_target_free(struct bb_target *t);

/* Load a layout given as emu:PATH, PATH or a shipped name. */
int bb_cli_layout(const char *arg, struct bb_layout *l, struct bb_diag *d);

/* Comma list of page sizes: "4K,16K,64K". */
int bb_cli_page_sizes(const char *arg, uint64_t *out, unsigned max, unsigned *n, struct bb_diag *d);

/*
 * `advise LAYOUT --out DIR --page-size PAGES --samples N` in-process and
 * silent (study's advise stage): BB_EXIT_OK with DIR/advise.csv written,
 * BB_ADVISE_NOTHING when the layout names no register to advise on, else
 * the exit status with the reason in @why.
 */
#define BB_ADVISE_NOTHING 4
int bb_advise_quiet(const char *layout, const uint64_t *pages, unsigned np, uint64_t samples, const char *out,
		    char *why, size_t why_len);

#endif
