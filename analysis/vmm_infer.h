/* SPDX-License-Identifier: MIT */
/*
 * The analysing half of `barbench vmm`: what a sweep's page times (bench/vmm.c,
 * or a sweep file written by one) and a vfio-user server's trap log say a
 * VMM did with each page, compared with barbench's own plans for the same
 * layout and page size.
 *
 * The rule that tells pages apart (bb_vmm_classify), stated once:
 *   sort the probed pages' median read times (each at least its timer
 *   resolution); wherever a page is more than BB_VMM_GAP (10) times
 *   slower than the fastest page of the current class, a new class starts
 *   (against the fastest, not the previous page: steps each under 10x must
 *   not chain a mapped page to an emulated one).  The fastest class is
 *   "mapped", the slowest "trapped", any class between them "emulated" (the
 *   VMM answers itself, without the device: QEMU's MSI-X table page).  One
 *   class alone cannot be named ("alike"): a sweep needs a mapped and a
 *   trapped page to tell them apart, which is why every region and every
 *   device of one sweep are classified together.
 * With a trap log, a page of the slowest class is "forwarded" when the log
 * counted an access in it (the device answered); a slower-than-mapped page
 * the log did not count is "emulated"; a "mapped" page the log counted is a
 * contradiction, reported.
 *
 * Sweep files and trap logs are results read back: hostile input, every
 * field checked (file:line: column), at most 1 MiB of text per file (4 MiB
 * for a trap log).
 */
#ifndef BARBENCH_VMM_INFER_H
#define BARBENCH_VMM_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"
#include "barbench/layout.h"
#include "traplog.h"

#define BB_VMM_GAP 10.0			/* a class boundary: the next page more than 10x slower */
#define BB_VMM_SWEEP_PAGE 4096u
#define BB_VMM_MAX_ROWS 65536u		/* pages in one sweep file */
#define BB_VMM_MAX_POLICIES 16

enum bb_vmm_class {
	BB_VMM_UNPROBED,	/* nothing on the page may be read */
	BB_VMM_ALIKE,		/* one class only: cannot tell */
	BB_VMM_MAPPED,
	BB_VMM_EMULATED,	/* slower than mapped, not the slowest (or slow and not in the trap log) */
	BB_VMM_TRAPPED,		/* the slowest class */
	BB_VMM_FORWARDED,	/* the slowest class, and the trap log counted it: the device answered */
};

const char *bb_vmm_class_name(enum bb_vmm_class c);

/* One page of a sweep. */
struct bb_vmm_row {
	char device[300];	/* the spec swept */
	char layout[64];	/* the layout's name */
	uint32_t region;
	uint64_t page;		/* offset of the 4 KiB page */
	bool probed;
	uint64_t offset;	/* the word read */
	unsigned width;
	size_t samples;
	unsigned batch;
	uint64_t reads;		/* reads made of the word in all: warm-up, pilot, samples */
	double p50_ns, min_ns, p90_ns, resolution_ns;
	char path[8];		/* "map", "trap" (vmm --as), "" unprobed */
	bool has_value, has_expected;
	uint64_t value, expected;
	/* filled by the analysis */
	enum bb_vmm_class cls;
	uint64_t counted;	/* accesses the trap log counted in this page */
	uint32_t pol_map;	/* bit p: policy p maps the page */
	uint32_t pol_known;	/* bit p: policy p planned the page's region */
	unsigned line;		/* of the file it was read from */
};

/* What bb_vmm_classify found. */
struct bb_vmm_rule {
	unsigned classes;	/* 0: nothing probed */
	double mapped_hi_ns;	/* slowest page of the fastest class */
	double trapped_lo_ns;	/* fastest page of the slowest class */
	double gap;		/* the slowest class's fastest page over the fastest of the class below (0 with one class) */
};

/*
 * Row comparisons made by the classification and the trap log's counting
 * (never reset by barbench): a test bounds them, never a time.
 */
extern unsigned long long bb_vmm_comparisons;

/* Classify every probed row of @rows together (the rule above). */
void bb_vmm_classify(struct bb_vmm_row *rows, size_t n, struct bb_vmm_rule *rule);

/* A sweep file: write (comment line @note, then the header and a row per page) and read back. */
void bb_vmm_sweep_write(FILE *f, const char *note, const struct bb_vmm_row *rows, size_t n);
int bb_vmm_sweep_parse(const char *buf, size_t len, const char *path, struct bb_vmm_row **rows, size_t *n,
		       struct bb_diag *d);
int bb_vmm_sweep_read(const char *path, struct bb_vmm_row **rows, size_t *n, struct bb_diag *d);

/* A trap log (bench/vfio_user/traplog.h: its rows, struct bb_trap_entry, and their order). */
int bb_traplog_parse(const char *buf, size_t len, const char *path, struct bb_trap_entry **out, size_t *n,
		     struct bb_diag *d);
int bb_traplog_read(const char *path, struct bb_trap_entry **out, size_t *n, struct bb_diag *d);

/* A policy beside the VMM. */
struct bb_vmm_pol {
	char name[32];
	bool applicable;	/* to every region swept that the layout describes */
	char why[200];		/* not applicable: which region and why */
	unsigned differ;	/* probed pages where its plan and the VMM's differ */
};

/* The VMM's plan for one device (the rows of one layout), beside barbench's. */
struct bb_vmm_verdict {
	unsigned npol;
	struct bb_vmm_pol pol[BB_VMM_MAX_POLICIES];
	int match;		/* the first policy whose pages are the VMM's on every known page; -1 none */
	int closest;		/* the applicable policy with the fewest differing pages; -1 none */
	unsigned known;		/* pages whose VMM mode is known (mapped, or slower) */
	unsigned mapped, trapped;	/* of those */
	bool have_log;
	unsigned slow;		/* pages of the slowest class */
	unsigned counted;	/* probed pages the trap log counted */
	unsigned slow_not_counted, counted_not_slow;
	unsigned reads_differ;	/* forwarded pages whose log count is not the reads the sweep made there */
	uint64_t log_other;	/* accesses the log counted in pages the sweep did not probe or regions it did not sweep */
	unsigned bad_values;	/* constant registers that read another value */
};

/*
 * Compare the rows of @layout's device (rows[i].layout == l->name) with every
 * built-in policy's plan of the layout's regions at @page_size (must-trap:
 * the layout's MSI-X table and PBA), after counting @log (@nlog entries, when
 * @have_log) into the rows.  @rows must have been classified.  Rows of regions the layout does
 * not describe are left out.
 */
int bb_vmm_infer(const struct bb_layout *l, struct bb_vmm_row *rows, size_t n, const struct bb_trap_entry *log,
		 size_t nlog, bool have_log, uint64_t page_size, struct bb_vmm_verdict *out, struct bb_diag *d);

/*
 * Write DIR/vmm-<layout>.csv (every page: class, counts, each policy's mode)
 * and the page-map figure DIR/vmm-<layout>-r<region>.{gp,dat} per region,
 * drawn to .png when gnuplot is installed (*@drawn counts them).  @title
 * names the VMM.  Files are written atomically.
 */
int bb_vmm_write_outputs(const char *dir, const char *title, const struct bb_layout *l, const struct bb_vmm_row *rows,
			 size_t n, const struct bb_vmm_verdict *v, uint64_t page_size, unsigned *drawn,
			 struct bb_diag *d);

#endif
