// SPDX-License-Identifier: MIT
/*
 * barbench layout check FILE...: what a vendor should fix in a layout before
 * anything is measured (layouts/README.md, "Checking a layout").  One line
 * per finding, FILE:LINE first; exit 1 when there is any, 2 on a file that
 * does not parse; --json writes the same with jansson.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "layout_check.h"
#include "cli.h"
#include "options.h"
#include "progress.h"

static const struct bb_opt check_opts[] = {
	{ "json", BB_OPT_KEY(0), NULL, NULL, "one JSON object: {\"findings\": [{\"file\", \"line\", \"kind\", \"note\",\n"
					     "\"accepted\", \"page_bytes\", \"message\"}...], \"count\": N, \"notes\": N}" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help check_help = {
	.cmd = "layout check",
	.synopsis = "FILE... [options]",
	.text = "Check layout files for what a vendor should fix before measuring: registers\n"
		"outside their region or overlapping another; safe r/rw ranges over the MSI-X\n"
		"table or PBA; doorbells without reads=/writes= (hot registers without hotness);\n"
		"doorbells on a page of the MSI-X table or PBA at 4, 16 or 64 KiB pages (every VMM\n"
		"traps them there).  A layout with `msix placement=unknown` gets one note: its\n"
		"pages cannot be checked.  A finding the statement names in accept=KIND is printed\n"
		"as a note (\"accepted KIND\").  Each finding is printed as FILE:LINE: KIND: message.\n",
	.operands = "  FILE     a layout file, emu:PATH or a shipped layout's name\n",
	.opts = check_opts,
	.quiet = "results and errors only: no notes (findings and the count line stay)",
	.exit = "0 no finding (notes do not count), 1 at least one finding,\n"
		"2 a file that does not parse (named with its line) or bad usage.",
};

static int add_json(json_t *arr, const char *file, const struct bb_layout_finding *v)
{
	/* the file name is the user's (any bytes): a string jansson refuses would lose the finding */
	json_t *o = json_pack("{s:o, s:I, s:s, s:b, s:b, s:o}", "file", bb_json_str(file), "line", (json_int_t)v->line,
			      "kind", bb_finding_kind_name(v->kind), "note", (int)v->note, "accepted", (int)v->accepted,
			      "message", bb_json_str(v->msg));

	if (!o)
		return -1;
	if (v->page && json_object_set_new(o, "page_bytes", json_integer((json_int_t)v->page))) {
		json_decref(o);
		return -1;
	}
	return json_array_append_new(arr, o);
}

/* Check one file; adds to *@count and *@notes; 0, or an exit status. */
static int check_one(const char *arg, json_t *arr, unsigned *count, unsigned *notes)
{
	struct bb_layout l;
	struct bb_layout_findings f;
	struct bb_diag d = { "" };
	int err;

	err = bb_cli_layout(arg, &l, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "layout check: %s", d.msg);
	err = bb_layout_check(&l, &f, &d);
	if (err) {
		bb_layout_free(&l);
		return bb_cli_fail(BB_EXIT_FAIL, "layout check: %s", d.msg);
	}
	for (uint32_t i = 0; i < f.n; i++) {
		const struct bb_layout_finding *v = &f.v[i];

		if (v->note)
			(*notes)++;
		else
			(*count)++;
		if (arr) {
			if (add_json(arr, l.path, v)) {
				err = BB_EXIT_FAIL;
				break;
			}
		} else if (!v->note || !bb_cli_quiet) {
			printf("%s:%u: %s%s%s: %s\n", l.path, v->line, v->note ? "note" : bb_finding_kind_name(v->kind),
			       v->accepted ? ": accepted " : "", v->accepted ? bb_finding_kind_name(v->kind) : "", v->msg);
		}
	}
	if (f.more && !arr)
		printf("%s: more than %d findings; the rest are not shown\n", l.path, BB_LAYOUT_MAX_FINDINGS);
	bb_layout_findings_free(&f);
	bb_layout_free(&l);
	return err ? bb_cli_fail(err, "layout check: out of memory") : 0;
}

static int cmd_layout_check(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	json_t *root = NULL, *arr = NULL;
	unsigned count = 0, notes = 0;
	const char *val;
	bool json = false;
	int c, status = 0;

	while ((c = bb_opt_next(&st, argc, argv, &check_help, &val)) != -1) {
		if (c == -2)
			return st.status;
		json = true;	/* the only option */
	}
	if (optind >= argc)
		return bb_cli_fail(BB_EXIT_USAGE, "layout check: give one or more layout FILEs (see barbench layout check --help)");
	if (json) {
		root = json_object();
		arr = json_array();
		if (!root || !arr || json_object_set_new(root, "findings", arr)) {
			json_decref(root);
			return bb_cli_fail(BB_EXIT_FAIL, "layout check: out of memory");
		}
	}
	for (int i = optind; i < argc && !status; i++)
		status = check_one(argv[i], arr, &count, &notes);
	if (!status && json) {
		if (json_object_set_new(root, "count", json_integer(count)) ||
		    json_object_set_new(root, "notes", json_integer(notes)) ||
		    json_dumpf(root, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII) || putchar('\n') == EOF)
			status = bb_cli_fail(BB_EXIT_FAIL, "layout check: writing JSON failed");
	} else if (!status) {
		printf("layout check: %u finding%s, %u note%s in %d layout%s\n", count, count == 1 ? "" : "s", notes,
		       notes == 1 ? "" : "s", argc - optind, argc - optind == 1 ? "" : "s");
	}
	json_decref(root);
	if (status)
		return status;
	return count ? BB_EXIT_FAIL : BB_EXIT_OK;
}

const struct bb_cmd bb_cmd_layout_check = { .name = "check", .fn = cmd_layout_check, .help = &check_help,
	.summary = "find registers outside or overlapping, safe ranges over MSI-X, doorbells on MSI-X pages" };
