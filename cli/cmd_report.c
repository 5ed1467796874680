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
#include "parse.h"
#include "barbench/result.h"

void usage_report(void)
{
	printf("usage: barbench report DIR [--no-figures] [--svg] [--device-read-ns N] [--device-write-ns N]\n"
	       "       barbench report DIR DIR... --out MERGED [options as above]\n"
	       "\n"
	       "Several folders (the same study run on several hosts) merge into one report in\n"
	       "MERGED, the host a dimension of every table and figure.\n"
	       "\n"
	       "Rebuild DIR/report.md and DIR/figures/ from DIR's raw results (runs.csv, samples/,\n"
	       "plans.csv, manifest.json) without running anything.  Figures are PNG; --svg adds\n"
	       "an SVG of each.\n"
	       "\n"
	       "The summary projects each verdict onto a real device: a mapped access costs the\n"
	       "device's BAR access time, a trapped one that plus the trap overhead measured. The\n"
	       "time comes from the layout (read_ns=, write_ns=) or these options (1 to 1e9 ns;\n"
	       "default 500, after pcie-bench's 8-byte read median of 466 ns).\n"
	       "\n"
	       "Exit status: 0 written; 1 a failure (the folder is locked by a running study, a\n"
	       "write failed); 2 bad input (a malformed results folder, a bad option).\n");
}

int cmd_report(int argc, char **argv)
{
	struct bb_diag d;
	struct bb_report_opts o = { .figures = true };
	const char *dir = NULL, *dirs[64], *out = NULL;
	size_t ndirs = 0;
	int err, lock_fd;

	for (int i = 1; i < argc; i++) {
		bool rd = !strcmp(argv[i], "--device-read-ns"), wr = !strcmp(argv[i], "--device-write-ns");

		if (rd || wr) {
			uint64_t v;

			if (i + 1 == argc)
				return bb_cli_fail(BB_EXIT_USAGE, "report: %s needs a value in ns", argv[i]);
			if (bb_parse_u64(argv[i + 1], &v) || !v || v > 1000000000)
				return bb_cli_fail(BB_EXIT_USAGE, "report: %s %s: 1 to 1000000000 ns", argv[i], argv[i + 1]);
			*(rd ? &o.device_read_ns : &o.device_write_ns) = (double)v;
			i++;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--no-figures"))
			o.figures = false;
		else if (!strcmp(argv[i], "--svg"))
			o.svg = true;
		else if (argv[i][0] == '-' || ndirs == 64)
			return bb_cli_fail(BB_EXIT_USAGE, "report: unexpected argument '%s' (see barbench report --help)", argv[i]);
		else
			dirs[ndirs++] = argv[i];
	}
	if (!ndirs)
		return bb_cli_fail(BB_EXIT_USAGE, "report: give a results folder");
	if (ndirs > 1 && !out)
		return bb_cli_fail(BB_EXIT_USAGE, "report: %zu folders: give --out DIR for the merged report", ndirs);
	dir = out ? out : dirs[0];
	if (out && mkdir(out, 0777) && errno != EEXIST)
		return bb_cli_fail(BB_EXIT_FAIL, "report: %s: %s", out, strerror(errno));
	lock_fd = bb_results_lock(dir, &d);
	if (lock_fd < 0)
		return bb_cli_fail(bb_cli_status(lock_fd), "report: %s", d.msg);
	err = bb_report_dirs(dirs, ndirs, dir, &o, &d);
	close(lock_fd);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "report: %s", d.msg);
	if (d.msg[0])
		fprintf(stderr, "barbench: report: warning: %s\n", d.msg);
	printf("report: %s/report.md\n", dir);
	return BB_EXIT_OK;
}
