/* SPDX-License-Identifier: MIT */
/*
 * One option table per command: the table is what getopt_long parses and what
 * `barbench CMD --help` prints (every option with its value's name and its
 * default), so the two cannot drift apart.  Missing values, unknown options
 * and bad values are reported as such, with exit status 2.
 */
#ifndef BARBENCH_CLI_OPTIONS_H
#define BARBENCH_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

/* One option.  The table ends with an entry whose name is NULL. */
struct bb_opt {
	const char *name;	/* long name without the dashes: "page-size" */
	int key;		/* what bb_opt_next returns: a letter ('o' is also -o) or >= 256 */
	const char *meta;	/* the value's name ("SIZE"), NULL for a flag */
	const char *def;	/* the default as help shows it, NULL when there is none */
	const char *help;	/* one line; '\n' continues it on the next, indented */
};

/*
 * A command's help: printed as "usage: barbench CMD SYNOPSIS", TEXT,
 * OPERANDS, the options (the command's, then the common ones), MORE, EXIT.
 */
struct bb_cmd_help {
	const char *cmd;
	const char *synopsis;
	const char *text;	/* paragraphs, each line ending in '\n' */
	const char *operands;	/* "  DEVICE   ...\n" lines, or NULL */
	const struct bb_opt *opts;
	const char *quiet;	/* --quiet's help: what it leaves out here (NULL: no progress, no notes) */
	void (*more)(void);	/* prints what the registries hold (policies, workloads), or NULL */
	const char *exit;	/* "0 ok, 1 ..., 2 bad usage." */
	bool subcommands;	/* the options end at the first operand, a subcommand's name */
};

/* Keys above any letter, for options without a short form. */
#define BB_OPT_KEY(n) (256 + (n))

#define BB_OPT_MAX 64

struct bb_opt_state {
	int status;		/* after -2: the exit status to return */
	int nlong;
	char shorts[2 * BB_OPT_MAX + 4];	/* "+:h" and two per short option */
	struct option longopts[BB_OPT_MAX + 1];
};

/* Print the help of @h on stdout. */
void bb_opt_usage(const struct bb_cmd_help *h);

/*
 * Next option of argv: its key, with its value in *@val (NULL for a flag);
 * -1 at the end of the options (the operands start at optind); -2 after a
 * message for a bad option (unknown, or a value missing), st->status is then
 * the exit status; -2 with status 0 after the help (-h, --help).  The common
 * options (--quiet, --progress, --no-progress) are handled here.  Call with
 * st zeroed first; it resets getopt.
 */
int bb_opt_next(struct bb_opt_state *st, int argc, char **argv, const struct bb_cmd_help *h, const char **val);

/* The entry of @key in @h's table (for messages), NULL when none. */
const struct bb_opt *bb_opt_find(const struct bb_cmd_help *h, int key);

/*
 * Bad value @val of option @key: "CMD: --NAME 'VAL': WHY (see barbench CMD
 * --help)"; returns the exit status, 2.
 */
int bb_opt_bad_value(const struct bb_cmd_help *h, int key, const char *val, const char *why);

/* Parsers of common values; on failure they print as bb_opt_bad_value and return 2, else 0. */
int bb_opt_u64(const struct bb_cmd_help *h, int key, const char *val, uint64_t min, uint64_t max, uint64_t *out);
int bb_opt_u32(const struct bb_cmd_help *h, int key, const char *val, uint32_t min, uint32_t max, uint32_t *out);
/* A region index (0 to UINT32_MAX). */
int bb_opt_region(const struct bb_cmd_help *h, int key, const char *val, uint32_t *out);
/* One host page size (a power of two >= 4K), or a comma list of at most @max into @out[*@n]. */
int bb_opt_page_size(const struct bb_cmd_help *h, int key, const char *val, uint64_t *out);
int bb_opt_page_sizes(const struct bb_cmd_help *h, int key, const char *val, uint64_t *out, unsigned max,
		      unsigned *n);
/* A repeatable option given @n times already: 0 while fewer than @max, else the message and 2. */
int bb_opt_count(const struct bb_cmd_help *h, int key, const char *val, unsigned n, unsigned max);
/*
 * After the options: @min to @max operands at optind, else "CMD: want
 * SYNOPSIS" or "unexpected argument" and 2; 0 when they fit.
 */
int bb_opt_operands(const struct bb_cmd_help *h, int argc, char **argv, int min, int max);

#endif
