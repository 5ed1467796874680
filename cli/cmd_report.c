// SPDX-License-Identifier: MIT
/* barbench report DIR: rebuild report.md and its figures from a results folder (analysis/report.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "cli.h"
#include "json.h"
#include "options.h"
#include "parse.h"
#include "progress.h"
#include "barbench/result.h"

enum { K_NO_FIGURES = BB_OPT_KEY(0), K_SVG, K_READ_NS, K_WRITE_NS, K_JSON, K_FIGURE_DATA };

static const struct bb_opt report_opts[] = {
	{ "out", 'o', "MERGED", NULL, "where the report goes (made when missing): required with several\n"
				   "folders; with one DIR, its report written there and DIR left as it is" },
	{ "no-figures", K_NO_FIGURES, NULL, NULL, "report.md and summary.json only, no gnuplot" },
	{ "svg", K_SVG, NULL, NULL, "an SVG beside each PNG figure" },
	{ "figure-data", K_FIGURE_DATA, NULL, NULL, "keep each figure's gnuplot script and data (NAME.gp, NAME.dat)\n"
	  "in figures/, to redraw or restyle it by hand" },
	{ "device-read-ns", K_READ_NS, "N", "the layout's read_ns=, else 500",
	  "a real device's BAR read time, 1 to 1e9 ns, for the projection;\n"
	  "given, it wins over every layout's read_ns=" },
	{ "device-write-ns", K_WRITE_NS, "N", "the layout's write_ns=, else 500",
	  "a real device's BAR write time, 1 to 1e9 ns; given, it wins over\n"
	  "every layout's write_ns=" },
	{ "json", K_JSON, NULL, NULL, "one JSON document on stdout: the paths written (docs/results.md)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help report_help = {
	.cmd = "report",
	.synopsis = "DIR [options]\n       barbench report DIR DIR... --out MERGED [options]",
	.text = "Rebuild DIR/report.md, DIR/details.md, DIR/summary.json and DIR/figures/ from\n"
		"DIR's raw results (runs.csv, samples/, plans.csv, manifest.json) without running\n"
		"anything.  Figures are PNG; --svg adds an SVG of each, --figure-data keeps the\n"
		"gnuplot script and data each was drawn from (kept anyway when gnuplot fails).\n"
		"\n"
		"Several folders (the same study run on several hosts) merge into one report in\n"
		"MERGED, the host a dimension of every table and figure; statistics never pool\n"
		"two hosts.\n"
		"\n"
		"The summary projects each verdict onto a real device: a mapped access costs the\n"
		"device's BAR access time, a trapped one that plus the trap overhead measured\n"
		"(500 ns after pcie-bench's 8-byte read median of 466 ns, unless told).\n"
		"\n"
		"Progress (each figure, with an ETA) goes to standard error on a terminal (on a\n"
		"pipe only with --progress).\n",
	.operands = "  DIR      a results folder of barbench run or barbench study\n",
	.opts = report_opts,
	.exit = "0 written; 1 a failure (the folder is locked by a running study, a\n"
		"file could not be read or written); 2 bad input (a malformed results\n"
		"folder, a bad option).",
};

/* The report's steps (analysis.h): reading, each figure, the markdown. */
static void report_progress(void *arg, size_t step, size_t total, const char *what)
{
	struct bb_progress *p = arg;

	if (total)
		bb_progress_set_total(p, total);
	bb_progress_step(p, step, "%s", what);
}

static int print_json(const char *dir, const struct bb_report_opts *o, const struct bb_diag *d)
{
	char rep[4096], det[4096], sum[4096], fig[4096];

	snprintf(rep, sizeof(rep), "%s/report.md", dir);
	snprintf(det, sizeof(det), "%s/details.md", dir);
	snprintf(sum, sizeof(sum), "%s/summary.json", dir);
	snprintf(fig, sizeof(fig), "%s/figures", dir);
	return bb_cli_json(json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "schema", "barbench-report/1",
				     "folder", bb_json_str(dir), "report", bb_json_str(rep), "details", bb_json_str(det),
				     "summary", bb_json_str(sum),
				     "figures", o->figures ? bb_json_str(fig) : json_null(),
				     "warning", d->msg[0] ? bb_json_str(d->msg) : json_null()));
}

static int cmd_report(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	struct bb_diag d;
	struct bb_report_opts o = { .figures = true };
	struct bb_progress prog;
	const char *dir, *dirs[BB_RESULTS_MAX_FOLDERS], *out = NULL, *val;
	size_t ndirs = 0;
	bool json = false;
	int c, err, lock_fd;

	while ((c = bb_opt_next(&st, argc, argv, &report_help, &val)) != -1) {
		uint64_t v;

		switch (c) {
		case -2: return st.status;
		case 'o': out = val; break;
		case K_NO_FIGURES: o.figures = false; break;
		case K_SVG: o.svg = true; break;
		case K_FIGURE_DATA: o.figure_data = true; break;
		case K_JSON: json = true; break;
		case K_READ_NS:
		case K_WRITE_NS:
			if ((err = bb_opt_u64(&report_help, c, val, 1, 1000000000, &v)))
				return err;
			*(c == K_READ_NS ? &o.device_read_ns : &o.device_write_ns) = (double)v;
			break;
		}
	}
	for (; optind < argc; optind++) {
		if (ndirs == BB_RESULTS_MAX_FOLDERS)
			return bb_cli_fail(BB_EXIT_USAGE, "report: at most %d folders", BB_RESULTS_MAX_FOLDERS);
		dirs[ndirs++] = argv[optind];
	}
	if (!ndirs)
		return bb_cli_fail(BB_EXIT_USAGE, "report: give a results folder (see barbench report --help)");
	if (ndirs > 1 && !out)
		return bb_cli_fail(BB_EXIT_USAGE, "report: %zu folders: give --out DIR for the merged report", ndirs);
	dir = out ? out : dirs[0];
	if (out && mkdir(out, 0777) && errno != EEXIST)
		return bb_cli_fail(BB_EXIT_FAIL, "report: %s: %s", out, strerror(errno));
	lock_fd = bb_results_lock(dir, &d);
	if (lock_fd < 0)
		return bb_cli_fail(bb_cli_status(lock_fd), "report: %s", d.msg);
	bb_progress_start(&prog, 1, 0);
	o.progress = report_progress;
	o.progress_arg = &prog;
	err = bb_report_dirs(dirs, ndirs, dir, &o, &d);
	bb_progress_end(&prog);
	close(lock_fd);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "report: %s", d.msg);
	if (d.msg[0])
		fprintf(stderr, "barbench: report: warning: %s\n", d.msg);
	if (json)
		return print_json(dir, &o, &d);
	printf("report: %s/report.md\n", dir);
	return BB_EXIT_OK;
}

const struct bb_cmd bb_cmd_report = { .name = "report", .fn = cmd_report, .help = &report_help,
	.summary = "rebuild report.md and the figures of a results folder" };
