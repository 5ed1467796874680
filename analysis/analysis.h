/* SPDX-License-Identifier: MIT */
/*
 * Analysis of a results folder, reading only what is in it: runs.csv,
 * samples/, plans.csv, manifest.json.  Configurations are aggregated over
 * repetitions; report.md and gnuplot figures are rebuilt from scratch;
 * a baseline folder can be compared with others.
 */
#ifndef BARBENCH_ANALYSIS_H
#define BARBENCH_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"
#include "runs_csv.h"

/*
 * Read a runs.csv (bb_recs_parse of core/runs_csv.h: columns by header name,
 * today's or the old one; one it does not know counted in @out), never
 * through a symbolic link.
 */
int bb_recs_read(const char *path, struct bb_recs *out, struct bb_diag *d);
/*
 * The same, for one of several folders read together (compare, a merged
 * report): *@left is what the runs.csv files read so far leave of
 * BB_RESULTS_MAX_FILE, less this one's bytes on success; past it, -EFBIG.
 */
int bb_recs_read_within(const char *path, size_t *left, struct bb_recs *out, struct bb_diag *d);
/* What report and study --resume take from manifest.json (every string bounded, "" when absent). */
struct bb_manifest_info {
	char study[64], date[40], host[80], cpu[128], kernel[80], hyper[16], commit[48], guest_exec[16];
	char study_hash[40];	/* "fnv1a64:<16 hex digits>" of study.txt, written by study */
	bool complete;
	/* what compare sets side by side: the build, the version and the clock as measured */
	char version[24], compiler[64], cflags[256], build_type[24];
	char step_cycles[24], resolution_ns[24], end_instruction[24], freq_hz[24];
	/* what the command skipped ("skipped":[{"run","why"}]), grouped by reason: the first few reasons */
	unsigned nr_skipped;
#define BB_MANIFEST_SKIP_REASONS 16
	unsigned nr_reasons;
	struct {
		/* as long as a diagnostic can be (a skip's why is one); control characters, ` and | replaced: it goes into Markdown */
		char why[BB_DIAG_MAX];
		unsigned runs;
	} reasons[BB_MANIFEST_SKIP_REASONS];
};
/*
 * Parse the NUL-terminated text of a manifest (@name in messages) with
 * jansson: 0, or -EINVAL naming line and column when it is not a JSON
 * object (then *@mi is empty).
 */
int bb_manifest_parse(const char *text, struct bb_manifest_info *mi, const char *name, struct bb_diag *d);
/* DIR/manifest.json (never through a symlink); -ENOENT when there is none. */
int bb_manifest_read(const char *dir, struct bb_manifest_info *mi, struct bb_diag *d);

/*
 * The host of results folder @dir, as tables, figures and compare name it,
 * into @hosts[@k]: its manifest's hostname (@mi, NULL when it has none),
 * else the folder's name; characters other than [A-Za-z0-9._+-] become '_';
 * a name one of @hosts[0 .. @k) already has gets "#K+1" (the same host, or
 * folder, given twice is told apart, never pooled).
 */
#define BB_RESULTS_MAX_FOLDERS 64
#define BB_HOST_NAME_MAX 80
void bb_results_host(const char *dir, const struct bb_manifest_info *mi, char (*hosts)[BB_HOST_NAME_MAX], size_t k);

/* The most bytes one file of a results folder may hold (bb_results_read, core/parse.h). */
#define BB_RESULTS_MAX_FILE (256u << 20)
void bb_recs_free(struct bb_recs *r);

/* A configuration: a row's key without the repetition. */
struct bb_config {
	char key[1024];		/* device|region|policy|params|page|runner|workload */
	const struct bb_rec *first;
	size_t nreps;
	double p50_ns, ci_lo_ns, ci_hi_ns;	/* median of the repetitions' medians, its interval */
	double ci_level;			/* the interval's coverage (bb_median_ci_level): below
						   BB_CI_LEVEL (fewer than 6 repetitions) it is the
						   [min, max] range, never to be called a 95% CI */
	double p99_ns, p999_ns;			/* medians over repetitions */
	double trapped_share, setup_ns, ops_s;
	double tmean_ns, predicted_ns;		/* medians over repetitions; predicted < 0: none */
	double model_error;			/* (tmean - predicted) / tmean; NAN without a prediction */
	double speedup_vs_trap;			/* 0 when no trap run to compare with; a median below
						   the resolution counts as the resolution: a lower bound */
	bool speedup_is_bound;			/* speedup_vs_trap is "at least" */
	double resolution_ns;			/* the coarsest of the repetitions; 0: not recorded */
	uint32_t memslots, mappings;
};

struct bb_configs {
	size_t n;
	struct bb_config *v;
	size_t *of_rec;		/* the configuration of each record (index into v) */
	/*
	 * The repetitions of configuration k, in record order: records
	 * rep_rec[rep_start[k] .. rep_start[k + 1]), their medians rep_p50[...]
	 * (contiguous, for the tests of compare and the report).
	 */
	size_t *rep_start;
	size_t *rep_rec;
	double *rep_p50;
	size_t *by_key;		/* v's indices in key order (strcmp): bb_configs_find */
	/*
	 * The key comparisons building it took: O(n log n) in the records (the
	 * keys sorted once, each trap peer found by binary search), never a
	 * record against every configuration (a test counts them).
	 */
	uint64_t compared;
};

int bb_configs_build(const struct bb_recs *recs, struct bb_configs *out, struct bb_diag *d);
/*
 * Sort the @n indices @v by @cmp(@ctx, a, b), stably (equal ones keep their
 * order: the first of a run of equals is the earliest), with O(n log n)
 * comparisons whatever the input (a merge sort), each counted in *@count
 * (NULL: not counted).  0 or -ENOMEM.
 */
typedef int (*bb_idx_cmp)(const void *ctx, size_t a, size_t b);
int bb_sort_indices(size_t *v, size_t n, bb_idx_cmp cmp, const void *ctx, uint64_t *count);
void bb_configs_free(struct bb_configs *c);
/*
 * The configuration of @c whose key is @key (binary search in by_key), or
 * c->n when none; *@compared (NULL: not counted) gains its comparisons.
 */
size_t bb_configs_find(const struct bb_configs *c, const char *key, uint64_t *compared);
/* Key of a record (without repetition). */
void bb_config_key(const struct bb_rec *r, char *key, size_t len);

/*
 * A fresh private folder (".draw-" and 12 random hex digits, mode 0700) in
 * the folder @dfd, opened into @rfd: gnuplot draws there and opens its
 * output with fopen, so nothing planted beside the figures is written
 * through; the caller renames the pictures out.  @name gets the folder's
 * name ("" when none was made).
 */
int bb_draw_dir(int dfd, char *name, size_t len, int *rfd);

/*
 * Rebuild DIR/report.md and DIR/figures/ from DIR's raw results.  DIR is
 * hostile input: runs.csv, plans.csv, advise.csv and samples are read
 * strictly (file:line), no symlink in DIR is followed or written through,
 * figures are drawn in a fresh private folder under barbench's own names
 * and renamed into figures/.  On success @d is empty or holds a warning
 * (runs without a samples file, also named in report.md).
 */
struct bb_report_opts {
	bool figures;
	bool svg;		/* an SVG beside every PNG figure */
	bool figure_data;	/* keep each figure's gnuplot script and data (.gp, .dat): otherwise only the images */
	/*
	 * The device-time projection: what one BAR access of a real device
	 * costs; given (> 0), it wins over the layout's device_read_ns/
	 * device_write_ns of runs.csv.  0: the layout's, else the defaults
	 * (BB_DEVICE_ACCESS_NS).
	 */
	double device_read_ns, device_write_ns;
	/*
	 * Progress (NULL: none), called as each step starts: step 0 reading
	 * the folders (@total 0: not counted yet), then one step per figure
	 * gnuplot draws and one for report.md and summary.json, of @total.
	 */
	void (*progress)(void *arg, size_t step, size_t total, const char *what);
	void *progress_arg;
};

/* pcie-bench: an 8-byte read of a device over PCIe, median 466 ns (Xeon E5-2620v3); rounded */
#define BB_DEVICE_ACCESS_NS 500.0
#define BB_DEVICE_ACCESS_SOURCE "pcie-bench: 8-byte PCIe read, median 466 ns on a Xeon E5-2620v3, rounded"

int bb_report(const char *dir, const struct bb_report_opts *o, struct bb_diag *d);
/*
 * The same over @n results folders @dirs, merged (a fleet: the same study
 * on several hosts), written into @out: the host (each folder's manifest
 * hostname, else its name) is a dimension of every table and figure, rows
 * of two folders are never repetitions of one configuration, skipped runs
 * are summed by reason; plans.csv and advise.csv come from the first.
 */
int bb_report_dirs(const char *const *dirs, size_t n, const char *out, const struct bb_report_opts *o,
		   struct bb_diag *d);

/*
 * Per configuration present in both: medians, the ratio of medians B / A
 * with the distribution-free interval of bb_ratio_interval, and a two-sided
 * Mann-Whitney U test on the repetitions' medians (bb_mann_whitney).
 * Significant only with 3 or more repetitions a side, p < 0.05 and a
 * difference of medians above the timer resolution.  Warnings first (text
 * lines, or the JSON "warnings") when the manifests differ in CPU,
 * hypervisor, kernel, timer, build or version, or one is missing.
 * Returns the number of significant changes (>= 0) or a negative errno
 * (-ENOENT: no configuration in common).
 */
int bb_compare(const char *a, const char *b, FILE *out, bool json, struct bb_diag *d);

struct bb_compare_opts {
	bool json;		/* one barbench-compare/2 document instead of the text */
	bool holm;		/* Holm's correction over every test of every comparison */
};
/*
 * The same for @n (2 to BB_RESULTS_MAX_FOLDERS) folders: @dirs[0] is the
 * baseline A, each further folder a B compared with it, labelled by its
 * host (bb_results_host).  Returns the significant changes of all the
 * comparisons, or a negative errno (a folder unreadable, or one with no
 * configuration in common with the baseline).
 */
int bb_compare_dirs(const char *const *dirs, size_t n, FILE *out, const struct bb_compare_opts *o,
		    struct bb_diag *d);

#endif
