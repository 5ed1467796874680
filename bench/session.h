/* SPDX-License-Identifier: MIT */
/*
 * A measuring session: what every command that measures shares (run,
 * study, calibrate, advise).  It owns the results folder (created, locked
 * with flock for the whole session), the clock as measured (timer, empty
 * pair), the placement of this thread, the performance counters, the
 * system facts of the manifest, the SIGINT/SIGTERM policy, and the rows of
 * runs.csv with the skipped and failed runs, written to the folder as they
 * come (atomically) and into manifest.json at the end.
 *
 * Signals: the first SIGINT or SIGTERM is recorded (bb_session_stopped())
 * and lets the run in progress finish; the handler is then reset, so a
 * second one ends the process at once (files are written whole under
 * temporary names: still no half file).  A signal the parent ignores
 * (`barbench study ... &` in a script) stays ignored.
 */
#ifndef BARBENCH_SESSION_H
#define BARBENCH_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/counters.h"
#include "barbench/diag.h"
#include "barbench/result.h"
#include "barbench/timing.h"
#include "manifest.h"
#include "placement.h"

struct bb_session {
	const char *out;		/* the results folder, NULL: none */
	int lock_fd;
	bool measuring;			/* bb_session_measure() done: tsc, pl, ctr, si are set */
	struct bb_tsc tsc;
	uint64_t overhead;		/* cycles of an empty timing pair */
	struct bb_placement pl;
	struct bb_counters ctr;
	bool ctr_open;			/* bb_counters_open() was called: close it */
	bool have_ctr;			/* ... and some counter works: hand &ctr to the runners */
	struct bb_sysinfo si;
	/* runs.csv: each row as a line, in order (a resumed folder's lines first, verbatim) */
	char **lines;
	size_t nlines, cap;
	/* the manifest's "skipped" and "failed" members: arrays of {"run", "why"|"error"} */
	json_t *skipped, *failed;
	unsigned nskipped, nfailed;
	bool lost;			/* one of them could not be recorded (out of memory) */
	bool signals;
	struct sigaction old_int, old_term;
};

/*
 * Start a session on results folder @out (NULL: none): with @create the
 * folder and its samples/ are made, then it is locked.  Nothing measured yet.
 */
int bb_session_open(struct bb_session *s, const char *out, bool create, struct bb_diag *d);

/*
 * The measuring part: the clock (bb_tsc_init, its empty pair), this thread
 * placed on @cpu (-1: chosen, near NUMA node @node when known), the
 * counters (missing ones recorded, never fatal), the system facts.
 */
int bb_session_measure(struct bb_session *s, int cpu, int node, struct bb_diag *d);

/* SIGINT/SIGTERM as above, until bb_session_release_signals(). */
void bb_session_catch_signals(struct bb_session *s);
void bb_session_release_signals(struct bb_session *s);
/* The first signal caught (SIGINT, SIGTERM), or 0. */
int bb_session_stopped(void);

/* A row of runs.csv: appended, and runs.csv rewritten atomically (out only). */
int bb_session_add_row(struct bb_session *s, const struct bb_run_row *row, struct bb_diag *d);
/* A line of a runs.csv read back (resume), kept verbatim: @line without its newline. */
int bb_session_add_line(struct bb_session *s, const char *line, struct bb_diag *d);
/* runs.csv from every line so far (also when there are none). */
int bb_session_write_runs(struct bb_session *s, struct bb_diag *d);

/* A run that did not apply, or failed: {"run": @what, "why"|"error": @why} in the manifest. */
void bb_session_skip(struct bb_session *s, const char *what, const char *why);
void bb_session_fail(struct bb_session *s, const char *what, const char *error);

/*
 * manifest.json: the system, build, timer and placement, the exact command
 * line, then the members of the JSON object @extra (borrowed; NULL:
 * "tool":"barbench"), the counters this machine cannot count, and the
 * skipped and failed runs.
 */
int bb_session_manifest(struct bb_session *s, int argc, char *const *argv, json_t *extra, struct bb_diag *d);

/* Signals released, counters closed, the lock dropped, memory freed. */
void bb_session_close(struct bb_session *s);

#endif
