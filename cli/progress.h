/* SPDX-License-Identifier: MIT */
/*
 * Progress with an ETA on stderr: "[i/N] ETA 12s what", rewritten in place.
 * On a terminal by default; on a pipe only with --progress; never with
 * --quiet (options.c sets the mode from the common options).
 */
#ifndef BARBENCH_CLI_PROGRESS_H
#define BARBENCH_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

enum bb_progress_mode { BB_PROGRESS_AUTO, BB_PROGRESS_ALWAYS, BB_PROGRESS_NEVER };

/* Set by the common options --progress, --no-progress and --quiet (options.c). */
extern enum bb_progress_mode bb_cli_progress_mode;
extern bool bb_cli_quiet;

struct bb_progress {
	bool on;
	bool tty;		/* rewrite one line with \r; else one line per update, at most every 10 s */
	double t0_s;		/* when counting started */
	double last_s;		/* last line printed (pipes) */
	size_t total;
	size_t done_at_start;	/* steps already done when timing began (a resumed study) */
	size_t width;		/* of the last line, to clear it */
};

/* Start counting @total steps of which @done are already done. */
void bb_progress_start(struct bb_progress *p, size_t total, size_t done);

/* Step @done (0-based: the one starting now) of the total, with a label. */
void bb_progress_step(struct bb_progress *p, size_t done, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add @more steps to the total (a phase whose size is known late, e.g. figures). */
void bb_progress_grow(struct bb_progress *p, size_t more);

/* The total is @total steps after all (an estimate replaced by the count). */
void bb_progress_set_total(struct bb_progress *p, size_t total);

/* Clear the line (on a terminal). */
void bb_progress_end(struct bb_progress *p);

#endif
