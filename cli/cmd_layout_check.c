// SPDX-License-Identifier: MIT
/*
 * barbench layout check FILE|FOLDER...: what a vendor should fix in a layout
 * before anything is measured (layouts/README.md, "Checking a layout").  One
 * line per finding, FILE:LINE first; exit 1 when there is any, 2 on a file
 * that does not parse; --json writes one barbench-layout-check/1 document
 * (docs/results.md).  A folder stands for the layouts in it.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "layout_check.h"
#include "cli.h"
#include "options.h"
#include "progress.h"

/* a folder holding more files than this is refused rather than read into memory */
#define MAX_FOLDER_LAYOUTS 4096

static const struct bb_opt check_opts[] = {
	{ "json", BB_OPT_KEY(0), NULL, NULL, "one JSON document instead of the lines: each layout checked and every\n"
					     "finding (docs/results.md, docs/schemas/layout-check.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help check_help = {
	.cmd = "layout check",
	.synopsis = "FILE|FOLDER... [options]",
	.text = "Check layout files for what a vendor should fix before measuring: registers\n"
		"outside their region or overlapping another; safe r/rw ranges over the MSI-X\n"
		"table or PBA; doorbells without reads=/writes= (hot registers without hotness);\n"
		"doorbells on a page of the MSI-X table or PBA at 4, 16 or 64 KiB pages (every VMM\n"
		"traps them there).  A layout with `msix placement=unknown` gets one note: its\n"
		"pages cannot be checked.  A finding the statement names in accept=KIND is printed\n"
		"as a note (\"accepted KIND\").  Each finding is printed as FILE:LINE: KIND: message.\n",
	.operands = "  FILE     a layout file, emu:PATH or a shipped layout's name\n"
		    "  FOLDER   every layout in it, in name order: each file whose name has no\n"
		    "           dot, as the shipped layouts are named (layouts/README.md is not\n"
		    "           one), or ends in .layout\n",
	.opts = check_opts,
	.quiet = "results and errors only: no notes (findings and the count line stay)",
	.exit = "0 no finding (notes do not count), 1 at least one finding,\n"
		"2 a file that does not parse (named with its line), a folder without a layout,\n"
		"or bad usage.",
};

/* What every layout checked adds to. */
struct lc {
	json_t *layouts, *findings;	/* with --json, else NULL */
	unsigned count, notes, files;
};

static json_t *finding_json(const char *file, const struct bb_layout_finding *v)
{
	/* the file name is the user's (any bytes): a string jansson refuses would lose the finding */
	return json_pack("{s:o, s:I, s:s, s:b, s:b, s:o, s:o}", "file", bb_json_str(file), "line", (json_int_t)v->line,
			 "kind", bb_finding_kind_name(v->kind), "note", (int)v->note, "accepted", (int)v->accepted,
			 "page_bytes", v->page ? bb_json_u64(v->page) : json_null(), "message", bb_json_str(v->msg));
}

/* The findings of @f as lines, or into x->findings; 0 or -ENOMEM. */
static int report(const struct bb_layout *l, const struct bb_layout_findings *f, struct lc *x, unsigned *count,
		  unsigned *notes)
{
	for (uint32_t i = 0; i < f->n; i++) {
		const struct bb_layout_finding *v = &f->v[i];

		if (v->note)
			(*notes)++;
		else
			(*count)++;
		if (x->findings) {
			if (json_array_append_new(x->findings, finding_json(l->path, v)))
				return -ENOMEM;
		} else if (!v->note || !bb_cli_quiet) {
			printf("%s:%u: %s%s%s: %s\n", l->path, v->line, v->note ? "note" : bb_finding_kind_name(v->kind),
			       v->accepted ? ": accepted " : "", v->accepted ? bb_finding_kind_name(v->kind) : "", v->msg);
		}
	}
	if (f->more && !x->findings)
		printf("%s: more than %d findings; the rest are not shown\n", l->path, BB_LAYOUT_MAX_FINDINGS);
	if (x->layouts && json_array_append_new(x->layouts, json_pack("{s:o, s:o, s:I, s:I, s:b}", "file",
				bb_json_str(l->path), "name", bb_json_str(l->name), "finding_count", (json_int_t)*count,
				"note_count", (json_int_t)*notes, "truncated", (int)f->more)))
		return -ENOMEM;
	return 0;
}

/* Check one layout; 0, or an exit status after a message. */
static int check_one(const char *arg, struct lc *x)
{
	struct bb_layout l;
	struct bb_layout_findings f;
	struct bb_diag d = { "" };
	unsigned count = 0, notes = 0;
	int err;

	err = bb_cli_layout(arg, &l, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "layout check: %s", d.msg);
	err = bb_layout_check(&l, &f, &d);
	if (err) {
		bb_layout_free(&l);
		return bb_cli_fail(BB_EXIT_FAIL, "layout check: %s", d.msg);
	}
	err = report(&l, &f, x, &count, &notes);
	x->count += count;
	x->notes += notes;
	x->files++;
	bb_layout_findings_free(&f);
	bb_layout_free(&l);
	return err ? bb_cli_fail(BB_EXIT_FAIL, "layout check: out of memory") : 0;
}

/* The layouts of folder @dir (bb_cli_layout_files), in name order: 0, or an exit status after a message. */
static int check_folder(const char *dir, struct lc *x)
{
	char **names;
	size_t n;
	struct bb_diag d;
	int status = 0, err = bb_cli_layout_files(dir, MAX_FOLDER_LAYOUTS, &names, &n, &d);

	if (err)
		return bb_cli_fail(bb_cli_status(err), "layout check: %s", d.msg);
	if (!n)
		status = bb_cli_fail(BB_EXIT_USAGE, "layout check: %s: no layout in this folder (a layout's file name"
				     " has no dot, or ends in .layout)", dir);
	for (size_t i = 0; i < n && !status; i++)
		status = check_one(names[i], x);
	bb_cli_names_free(names, n);
	return status;
}

static int cmd_layout_check(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	struct lc x = { 0 };
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
		x.layouts = json_array();
		x.findings = json_array();
		if (!x.layouts || !x.findings) {
			json_decref(x.layouts);
			json_decref(x.findings);
			return bb_cli_fail(BB_EXIT_FAIL, "layout check: out of memory");
		}
	}
	for (int i = optind; i < argc && !status; i++) {
		struct stat sb;

		if (!stat(argv[i], &sb) && S_ISDIR(sb.st_mode))
			status = check_folder(argv[i], &x);
		else
			status = check_one(argv[i], &x);
	}
	if (status) {
		json_decref(x.layouts);
		json_decref(x.findings);
		return status;
	}
	if (json)
		status = bb_cli_json(json_pack("{s:s, s:o, s:o, s:I, s:I}", "schema", "barbench-layout-check/1", "layouts",
					       x.layouts, "findings", x.findings, "count", (json_int_t)x.count, "notes",
					       (json_int_t)x.notes));
	else
		printf("layout check: %u finding%s, %u note%s in %u layout%s\n", x.count, x.count == 1 ? "" : "s",
		       x.notes, x.notes == 1 ? "" : "s", x.files, x.files == 1 ? "" : "s");
	if (status)
		return status;
	return x.count ? BB_EXIT_FAIL : BB_EXIT_OK;
}

const struct bb_cmd bb_cmd_layout_check = { .name = "check", .fn = cmd_layout_check, .help = &check_help,
	.summary = "find registers outside or overlapping, safe ranges over MSI-X, doorbells on MSI-X pages" };
