/* SPDX-License-Identifier: MIT */
/*
 * Results of runs: one row of runs.csv per run, the per-run samples, written
 * to a temporary file and renamed into place so an interrupted run leaves no
 * half file.
 */
#ifndef BARBENCH_RESULT_H
#define BARBENCH_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/counters.h"
#include "barbench/diag.h"
#include "barbench/stats.h"

struct bb_run_row {
	char id[160];		/* also the samples file name: samples/<id>.csv.gz */
	char device[300];
	uint32_t region;
	char policy[32];
	char params[96];	/* "span=1;ioeventfd=1" or "" */
	uint64_t page_size;
	char runner[16];
	char workload[300];
	char op[8];		/* read, write, mix */
	unsigned width;
	struct bb_summary s;	/* per-access nanoseconds */
	double tmean_ns;	/* mean of the samples at or below p99: what the cost model predicts */
	double predicted_ns;	/* the cost model's prediction per access; < 0 when none */
	double ops_s;
	double bytes_s;
	uint32_t mappings;
	uint32_t memslots;
	double trapped_share;
	double setup_ns;
	double touch_ns;
	long pte_kb;
	uint64_t trap_syscalls;
	uint64_t accesses;
	char guest_exec[16];	/* "native", "emulated", "" for host runs */
	char guest_mode[16];
	bool guest;
	uint64_t exits_mmio, exits_io, exits_other, ioeventfd_writes;
	uint32_t memslots_used;
	double vm_setup_ns;
	bool have_ctr;
	struct bb_counter_sample ctr;
	/* accesses per sample on each path (0: none on it), and the per-access resolution they give */
	unsigned batch_map, batch_trap;
	double resolution_ns;
	uint64_t trapped_accesses;	/* of @accesses, through the trap path (exits or messages) */
	uint32_t device_read_ns, device_write_ns;	/* the layout's read_ns=/write_ns=; 0: not given */
	unsigned repetition;		/* which repetition of its configuration, from 0 */
};

/* The header line of runs.csv (no newline); its columns and the reader: core/runs_csv.h. */
const char *bb_runs_csv_header(void);
void bb_runs_csv_row(FILE *f, const struct bb_run_row *r);

/* Rewrite DIR/runs.csv with @n rows, atomically. */
int bb_runs_csv_write(const char *dir, const struct bb_run_row *rows, size_t n, struct bb_diag *d);

/*
 * Run @id's samples into DIR/samples/GROUP.bbs (core/samples.h: the file of
 * the id less a trailing -<digits>, which the repetitions of a configuration
 * share), atomically.  A sample timed @covers[i] accesses from @offset[i] on
 * (NULL: one each); ns is per access.
 */
int bb_samples_write(const char *dir, const char *id, const double *ns, const uint64_t *offset,
		     const uint8_t *trapped, const uint32_t *covers, size_t n, struct bb_diag *d);

/* mkdir -p for DIR and DIR/samples; DIR/samples must be a real folder, not a symlink. */
int bb_results_dir(const char *dir, struct bb_diag *d);

/*
 * Lock a results folder for the whole of a study, run or report (an
 * advisory flock, LOCK_EX|LOCK_NB, on the folder itself: nothing is created
 * in it).  Returns the descriptor to keep open (closing it unlocks; it is
 * close-on-exec, so gnuplot and advise children do not hold it), or
 * -EBUSY naming the folder when another barbench holds it.
 */
int bb_results_lock(const char *dir, struct bb_diag *d);

/*
 * Whether DIR holds results barbench wrote (run --out; bench/results_clear.c):
 * 1 when its manifest.json is barbench's (a JSON object whose "schema" is
 * "barbench-manifest/N": every run and study writes it before its first
 * row), 0 when it holds neither a manifest.json nor a runs.csv (or is not
 * there), -EINVAL naming the file when either is there and no barbench
 * manifest vouches for them: not barbench's to replace.  DIR itself is the
 * caller's path; nothing in it is followed.
 */
int bb_results_held(const char *dir, struct bb_diag *d);
/*
 * Clear a folder bb_results_held calls barbench's (run --force), through
 * the folders' descriptors, never a symlink: at the top runs.csv,
 * study.txt, plans.csv, costs.txt, advise.csv, report.md, details.md,
 * summary.json and manifest.json (last); in samples/ GROUP.bbs (and .csv,
 * .csv.gz of an older barbench); in figures/ the figures and sources a
 * report draws (cdf-NN, bars-NN, pagemap-NN, slots-PAGE, advise, overview,
 * all; .png .svg .gp .dat) and gnuplot.log, and drawing folders a killed
 * report left; each advise-LAYOUT/ folder's advise.csv, baseline and
 * changed layouts; the temporaries of these names; figures/ and advise-*
 * folders removed when that empties them.  Anything else stays.  Where
 * bb_results_held says 0, nothing is removed (0); where it refuses, its error.
 */
int bb_results_clear(const char *dir, struct bb_diag *d);

/* 0 when @path is a folder itself (lstat: not a symlink to one); -EINVAL naming it otherwise. */
int bb_real_dir(const char *path, struct bb_diag *d);

#endif
