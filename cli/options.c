// SPDX-License-Identifier: MIT
/* One option table per command: parsing and help from the same entries (options.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "parse.h"
#include "progress.h"

/* Options every command takes, handled here (progress.h). */
enum { KEY_QUIET = BB_OPT_KEY(900), KEY_PROGRESS, KEY_NO_PROGRESS };
static const struct bb_opt common[] = {
	{ "quiet", KEY_QUIET, NULL, NULL, NULL },	/* its help: print_quiet() */
	{ "progress", KEY_PROGRESS, NULL, NULL, "progress with an ETA on stderr also when it is not a terminal\n"
						"(a line every 10 s), e.g. into a log file" },
	{ "no-progress", KEY_NO_PROGRESS, NULL, NULL, "no progress, even on a terminal" },
	{ "help", 'h', NULL, NULL, "this help" },
	{ NULL, 0, NULL, NULL, NULL },
};

/* Print @s with every line after the first indented by @indent columns. */
static void print_indented(const char *s, int indent)
{
	for (; *s; s++) {
		putchar(*s);
		if (*s == '\n' && s[1])
			printf("%*s", indent, "");
	}
}

enum { COL = 24 };	/* where an option's help starts */

static void print_opt(const struct bb_opt *o)
{
	char head[96];
	int n;

	if (o->key > 0 && o->key < 128)
		n = snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->key, o->name, o->meta ? " " : "",
			     o->meta ? o->meta : "");
	else
		n = snprintf(head, sizeof(head), "  --%s%s%s", o->name, o->meta ? " " : "", o->meta ? o->meta : "");
	if (n >= COL - 1)
		printf("%s\n%*s", head, COL, "");
	else
		printf("%-*s", COL, head);
	print_indented(o->help, COL);
	if (o->def)
		printf(" (default: %s)", o->def);
	putchar('\n');
}

void bb_opt_usage(const struct bb_cmd_help *h)
{
	printf("usage: barbench %s %s\n", h->cmd, h->synopsis);
	if (h->text)
		printf("\n%s", h->text);
	if (h->operands)
		printf("\n%s", h->operands);
	printf("\noptions:\n");
	for (const struct bb_opt *o = h->opts; o && o->name; o++)
		print_opt(o);
	for (const struct bb_opt *o = common; o->name; o++) {
		char quiet[512];

		if (o->key != KEY_QUIET) {
			print_opt(o);
			continue;
		}
		/* what --quiet leaves out differs per command: each says it */
		snprintf(quiet, sizeof(quiet), "%s", h->quiet ? h->quiet : "results and errors only: no progress, no notes");
		print_opt(&(const struct bb_opt){ o->name, o->key, NULL, NULL, quiet });
	}
	if (h->more) {
		putchar('\n');
		h->more();
	}
	if (h->exit)
		printf("\nExit status: %s\n", h->exit);
}

const struct bb_opt *bb_opt_find(const struct bb_cmd_help *h, int key)
{
	for (const struct bb_opt *o = h->opts; o && o->name; o++)
		if (o->key == key)
			return o;
	return NULL;
}

/* The table as getopt_long wants it: built once per parse, in @st. */
static int build(struct bb_opt_state *st, const struct bb_cmd_help *h)
{
	size_t ns = 0;

	if (h->subcommands)
		st->shorts[ns++] = '+';	/* the options end at the subcommand's name */
	st->shorts[ns++] = ':';	/* a missing value returns ':' */
	st->shorts[ns++] = 'h';
	st->nlong = 0;
	for (const struct bb_opt *o = common; o->name; o++)
		st->longopts[st->nlong++] = (struct option){ o->name, no_argument, NULL, o->key };
	for (const struct bb_opt *o = h->opts; o && o->name; o++) {
		if (st->nlong >= BB_OPT_MAX)
			return -E2BIG;
		st->longopts[st->nlong++] = (struct option){ o->name, o->meta ? required_argument : no_argument,
							     NULL, o->key };
		if (o->key > 0 && o->key < 128) {
			st->shorts[ns++] = (char)o->key;
			if (o->meta)
				st->shorts[ns++] = ':';
		}
	}
	st->shorts[ns] = '\0';
	st->longopts[st->nlong] = (struct option){ NULL, 0, NULL, 0 };
	return 0;
}

/*
 * getopt_long takes any unambiguous prefix of a long option (--pag for
 * --page-size); barbench takes only the names its help lists, so that a script
 * written today still means the same when an option with that prefix is added.
 * @optarg is the value getopt_long returned: the option's word is the one
 * before it when the value came as a word of its own.
 */
static const char *abbreviated(char **argv, const char *arg, const char *name)
{
	const char *word = argv[optind - 1 - (arg && arg == argv[optind - 1])];
	size_t n = strcspn(word, "=");

	if (strncmp(word, "--", 2) || (n - 2 == strlen(name) && !strncmp(word + 2, name, n - 2)))
		return NULL;
	return word;
}

int bb_opt_next(struct bb_opt_state *st, int argc, char **argv, const struct bb_cmd_help *h, const char **val)
{
	int c;

	if (!st->nlong && !st->shorts[0]) {
		if (build(st, h)) {
			st->status = bb_cli_fail(BB_EXIT_FAIL, "%s: more than %d options in its table", h->cmd, BB_OPT_MAX);
			return -2;
		}
		optind = 0;	/* 0, not 1: glibc then forgets the ordering ('+') of a parse before */
		opterr = 0;
	}
	for (;;) {
		const char *abbr = NULL;
		int li = -1;

		c = getopt_long(argc, argv, st->shorts, st->longopts, &li);
		if (c != '?' && c != ':' && li >= 0)
			abbr = abbreviated(argv, optarg, st->longopts[li].name);
		if (abbr) {
			st->status = bb_cli_fail(BB_EXIT_USAGE, "%s: unknown option '%.*s': did you mean '--%s'? (see "
						 "barbench %s --help)", h->cmd, (int)strcspn(abbr, "="), abbr,
						 st->longopts[li].name, h->cmd);
			return -2;
		}
		if (c == KEY_QUIET)
			bb_cli_quiet = true;
		else if (c == KEY_PROGRESS)
			bb_cli_progress_mode = BB_PROGRESS_ALWAYS;
		else if (c == KEY_NO_PROGRESS)
			bb_cli_progress_mode = BB_PROGRESS_NEVER;
		else
			break;
	}
	if (c == -1)
		return -1;
	if (c == 'h') {
		bb_opt_usage(h);
		st->status = BB_EXIT_OK;
		return -2;
	}
	if (c == ':' || c == '?') {
		/* optopt names a short option; for a long one argv[optind - 1] holds it */
		const char *arg = argv[optind - 1];
		char one[3] = { '-', (char)optopt, '\0' };

		if (optopt > 0 && optopt < 128 && (!arg || strncmp(arg, "--", 2)))
			arg = one;
		st->status = bb_cli_bad_option(h->cmd, c, arg);
		return -2;
	}
	*val = optarg;
	return c;
}

int bb_opt_bad_value(const struct bb_cmd_help *h, int key, const char *val, const char *why)
{
	const struct bb_opt *o = bb_opt_find(h, key);

	return bb_cli_fail(BB_EXIT_USAGE, "%s: --%s '%s': %s (see barbench %s --help)", h->cmd, o ? o->name : "?",
			   val, why, h->cmd);
}

int bb_opt_u64(const struct bb_cmd_help *h, int key, const char *val, uint64_t min, uint64_t max, uint64_t *out)
{
	char why[96];
	uint64_t v;

	if (bb_parse_u64(val, &v))
		return bb_opt_bad_value(h, key, val, "not a number (decimal, 0x-hex, K/M/G/T suffixes)");
	if (v < min || v > max) {
		snprintf(why, sizeof(why), "want %" PRIu64 " to %" PRIu64, min, max);
		return bb_opt_bad_value(h, key, val, why);
	}
	*out = v;
	return 0;
}

int bb_opt_u32(const struct bb_cmd_help *h, int key, const char *val, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	int st = bb_opt_u64(h, key, val, min, max, &v);

	if (!st)
		*out = (uint32_t)v;
	return st;
}

int bb_opt_region(const struct bb_cmd_help *h, int key, const char *val, uint32_t *out)
{
	uint64_t v;

	if (bb_parse_u64(val, &v))
		return bb_opt_bad_value(h, key, val, "not a number (a region index: 0 for BAR0, 7 for config space)");
	if (v > UINT32_MAX)
		return bb_opt_bad_value(h, key, val, "not a region index");
	*out = (uint32_t)v;
	return 0;
}

int bb_opt_page_size(const struct bb_cmd_help *h, int key, const char *val, uint64_t *out)
{
	uint64_t v;

	if (bb_parse_u64(val, &v))
		return bb_opt_bad_value(h, key, val, "not a number (4096, 4K, 64K, 0x1000)");
	if (bb_parse_page_size(val, out))
		return bb_opt_bad_value(h, key, val, "not a power of two >= 4K");
	return 0;
}

int bb_opt_page_sizes(const struct bb_cmd_help *h, int key, const char *val, uint64_t *out, unsigned max,
		      unsigned *n)
{
	struct bb_diag d;
	const char *why;

	if (!bb_cli_page_sizes(val, out, max, n, &d))
		return 0;
	/* the message without its "--page-size LIST: " head, which bb_opt_bad_value writes */
	why = strstr(d.msg, ": ");
	return bb_opt_bad_value(h, key, val, why ? why + 2 : d.msg);
}

int bb_opt_count(const struct bb_cmd_help *h, int key, const char *val, unsigned n, unsigned max)
{
	char why[64];

	if (n < max)
		return 0;
	snprintf(why, sizeof(why), "at most %u --%s", max, bb_opt_find(h, key) ? bb_opt_find(h, key)->name : "?");
	return bb_opt_bad_value(h, key, val, why);
}

int bb_opt_operands(const struct bb_cmd_help *h, int argc, char **argv, int min, int max)
{
	int n = argc - optind;

	if (n > max && max == 0)
		return bb_cli_fail(BB_EXIT_USAGE, "%s: unexpected argument '%s' (see barbench %s --help)", h->cmd,
				   argv[optind], h->cmd);
	if (n > max)
		return bb_cli_fail(BB_EXIT_USAGE, "%s: unexpected argument '%s': want %s (see barbench %s --help)", h->cmd,
				   argv[optind + max], h->synopsis, h->cmd);
	if (n < min)
		return bb_cli_fail(BB_EXIT_USAGE, "%s: want %s (see barbench %s --help)", h->cmd, h->synopsis, h->cmd);
	return 0;
}
