/* SPDX-License-Identifier: MIT */
/*
 * The report of a results folder, in parts: reading the folder
 * (analysis/folder.c: manifest, samples, plans.csv, advise.csv), the
 * verdicts the statistics support (verdict.c), the figures (figures.c:
 * gnuplot), report.md (markdown.c) and summary.json (summary.c);
 * analysis/report.c puts them together (bb_report).  Private to analysis/.
 */
#ifndef BARBENCH_REPORT_H
#define BARBENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis.h"

#define MAX_POOL 200000	/* samples pooled for one figure, at most */
/* the figures may inflate the samples files this many times their size (bb_rep_read_samples) */
#define BB_REP_REREAD 4

/*
 * At most this many figures of a kind: a folder of 20,000 configurations
 * (hostile, or merely huge) asked for 20,000 CDFs and as many bar charts,
 * an hour of gnuplot; the default study draws about 150 of each.  What is
 * over is counted (rep.figs_left) and said in the report; its tables and
 * summary.json hold every configuration.
 */
#define BB_REP_MAX_CDFS 1000
#define BB_REP_MAX_BARS 500
#define BB_REP_MAX_PAGEMAPS 400

/* The report being made: the folder's rows and configurations, and what drawing met. */
struct rep {
	const char *dir;		/* where report.md, details.md, summary.json and figures/ go */
	/* the results folders read: one, or several (hosts) merged; each row's folder is its rec->folder */
	const char *const *dirs;
	size_t nfolders;
	char hosts[BB_RESULTS_MAX_FOLDERS][BB_HOST_NAME_MAX];	/* each folder's host, as tables and figures name it */
	struct bb_recs recs;
	struct bb_configs cfg;
	struct bb_config **sorted;	/* configs in meaning order */
	FILE *all;			/* all.gp */
	unsigned nfig;
	unsigned seq;			/* figure numbers: names are barbench's, never the folder's */
	size_t figs_left;		/* figures over the per-kind limits (BB_REP_MAX_*): not drawn, said in the report */
	int rfd;			/* the private folder figures are drawn in (mkdtemp), then renamed into figures/ */
	int err;			/* the first hostile-input error met while drawing; its message in *d */
	struct bb_diag *d;
	size_t nmissing;		/* runs of runs.csv without a samples file */
	char missing[400];		/* the first of their ids */
	/* manifest facts for the header */
	char study[64], date[40], host[80], cpu[128], kernel[80], hyper[16], commit[48], guest_exec[16];
	bool complete;
	char no_manifest[300];		/* why the first folder's manifest.json was not read ("": it was) */
	struct bb_manifest_info mi;
	double dev_read_ns, dev_write_ns;	/* the projection's access times (options, else pcie-bench) */
	bool dev_read_given, dev_write_given;	/* given on the command line: they win over a layout's */
	bool svg;				/* SVG beside every PNG */
	const struct bb_report_opts *opts;	/* its progress callback */
	bool figure_data;			/* keep the figures' .gp and .dat */
	char hot_trapped[4096];			/* the summary's line on hot registers that trap (plans.csv) */
	/* the samples file last read (analysis/folder.c): its group, inflated bytes, and error (1: none yet) */
	char sgroup[160], sgroup_msg[512];
	unsigned sfolder;
	uint8_t *sbuf;
	size_t slen;
	struct bb_samples_block *sblk;	/* its blocks, sorted by run id (no id twice) */
	size_t nsblk;
	int sgroup_err;
	/*
	 * Samples files inflated so far (loads, bytes), and the bytes of each
	 * group once (the first pass, bb_rep_find_missing, reads each group
	 * once in group order): later loads (figures) may inflate at most
	 * BB_REP_REREAD times that, so rows whose ids interleave samples files
	 * cannot make every run re-inflate a large one.
	 */
	size_t sloads, sinflated, sonce;
	bool sfirst_done;
	/* the PNGs drawn, and how many of them pngquant left as gnuplot's truecolour (not installed: pq_missing) */
	size_t pq_total, pq_left;
	bool pq_missing;
};

struct plan_row {
	char device[300], policy[32], params[96], mode[12];
	uint32_t region;
	uint64_t page, off, size;
};

struct adv_row {
	char layout[64], change[32], policy[32];
	uint64_t page;
	double pb, pa, pg, mb, ma, mg;
	uint32_t sb, sa;
};

/* A figure drawn: its name (barbench's own), and what it shows, to place it in the report. */
struct fig {
	char name[32];
	size_t after;		/* a CDF: the index of the last configuration of its group; others SIZE_MAX */
	const char *device;	/* bars and page maps: the group they belong to */
	uint32_t region;
	const char *runner;	/* bars only */
};

struct writer_arg {
	struct rep *r;
	const struct fig *figs;
	size_t nfigs;
	bool have_figs;
	const char *gp_note;
	const struct adv_row *adv;
	size_t nadv;
};

/*
 * The verdict of one (device, region, runner, workload, page) group: the
 * VMM-usable policy with the lowest median, and whether the statistics
 * separate it from every other; otherwise the policies tied with it and,
 * among them, the one with the fewest memslots (then mappings), which is
 * what to recommend.
 */
struct verdict {
	const struct bb_config *lowest, *pick;
	const struct bb_config *tied[16];
	unsigned ntied;
	bool best;		/* lowest is separated from every other usable policy */
	size_t least;		/* the fewest repetitions of a configuration in the group */
	bool testable;		/* enough of them for a test to order two policies (4 or more) */
};

/*
 * What the report recommends for one (device, region, runner, workload,
 * page) group, from its verdict: nothing (only `full` ran), untested (too
 * few repetitions), no `trap` run to compare with, every usable policy
 * traps (none told apart from `trap`), or a policy that maps and is faster
 * than `trap` by the statistics, with its speed-up measured (a lower bound
 * when its median is below the resolution) and projected onto a device.
 * The one answer every part of the report gives: with BB_REC_TRAPS,
 * v.pick is `trap` itself, whatever the memslots of the tied policies.
 */
/*
 * Where a projection's device access time comes from, in this order: the
 * report's command line (--device-read-ns, --device-write-ns), the
 * layout's read_ns=/write_ns= (runs.csv), else pcie-bench's default.
 */
enum bb_ns_source { BB_NS_DEFAULT, BB_NS_LAYOUT, BB_NS_GIVEN };

enum bb_rec_kind { BB_REC_NONE, BB_REC_UNTESTED, BB_REC_NO_TRAP, BB_REC_TRAPS, BB_REC_MAPS };

struct recommend {
	enum bb_rec_kind kind;
	struct verdict v;
	const struct bb_config *trap;
	double measured;	/* trap's median over the pick's (BB_REC_MAPS) */
	bool bound;		/* the pick's median is below its resolution: measured is "at least" */
	double projected;	/* the same on a device of device_ns per access (the cost model, below) */
	double device_ns;
	enum bb_ns_source ns_src;	/* where device_ns comes from */
};

/* analysis/folder.c: reading a results folder */
void bb_rep_short_dev(const char *dev, char *out, size_t len);
/* A group's device as tables and figures name it: the short name, and its host in a merged report. */
void bb_rep_label(const struct rep *r, const struct bb_rec *g, char *out, size_t len);
void bb_rep_page_name(uint64_t p, char *out, size_t len);
void bb_rep_read_manifest(struct rep *r);
void bb_rep_copy_manifest(struct rep *r, const struct bb_manifest_info *mi);
int bb_rep_fail(struct rep *r, int err, const char *fmt, ...) BB_PRINTF(3, 4);
int bb_rep_read_samples(struct rep *r, const struct bb_rec *rec, double *ns, uint64_t *off, size_t *n, size_t max);
bool bb_rep_same_group(const struct bb_rec *a, const struct bb_rec *b, bool page, bool workload);
bool bb_rep_latency_workload(const char *w);
/*
 * The runs the headline answers for: those of barbench's own process (runner
 * "host": every backend has it, so every folder does) and, for the
 * recommendation and the overview, of the register read a VMM's mapping or
 * trap decides (workload "lat-read").  The one place the report picks its
 * headline by the names runs.csv records.
 */
bool bb_rep_headline_runner(const char *runner);
bool bb_rep_headline(const char *runner, const char *workload);
int bb_rep_read_plans(const char *dir, struct plan_row **out, size_t *n, struct bb_diag *d);
/*
 * plans.csv's rows grouped by (device, region, page), what a page map
 * draws: the groups in the order they first appear, each group's rows in
 * file order, rows[start[g] .. start[g + 1]); first[g] is the index in @pl
 * of group g's first row.  The rows sorted once (O(n log n) comparisons,
 * counted in *@compared, NULL: not), never each against those before it.
 */
struct plan_groups {
	struct plan_row *rows;
	size_t *start, *first;
	size_t n;
};
int bb_rep_plan_groups(const struct plan_row *pl, size_t npl, struct plan_groups *g, uint64_t *compared);
void bb_rep_plan_groups_free(struct plan_groups *g);
/* r->hot_trapped from plans.csv's hot-trapped rows (analysis/markdown.c). */
void bb_rep_hot_trapped(struct rep *r, const struct plan_row *pl, size_t npl);
int bb_rep_read_advise(const char *dir, struct adv_row **out, size_t *n, struct bb_diag *d);
size_t bb_rep_advise_best(const struct adv_row *a, size_t n, size_t *best, size_t max);
/*
 * The runs without a samples file, counted (r->nmissing, r->missing); a
 * samples file that is there is read whole, figures or not: not as barbench
 * writes it (cut short, corrupt, a run id in two blocks) -EINVAL, one that
 * cannot be read the system's reason, each naming it.
 */
int bb_rep_find_missing(struct rep *r);

/*
 * analysis/verdict.c: what the statistics support.  Two configurations are
 * separated when their 95% intervals are apart, their medians differ by more
 * than the timer's resolution and Mann-Whitney gives p < 0.05, and never
 * when both trap every access (the same path: a difference is noise).
 */
bool bb_rep_separated(const struct rep *r, const struct bb_config *a, const struct bb_config *b);
bool bb_rep_vmm_usable(const struct bb_config *c);
void bb_rep_verdict(struct rep *r, size_t first, size_t last, struct verdict *v);
const struct bb_config *bb_rep_find_policy(struct rep *r, size_t first, size_t last, const char *pol);
const char *bb_rep_med(char *buf, size_t len, const struct bb_config *c);
/*
 * What @c's interval of the median is, honestly named: "95% CI" where it
 * covers at least 95% (6 repetitions and more), else "range of N
 * repetitions, X% coverage" ([min, max]: 87.5% at 4), or "1 repetition,
 * no interval".
 */
const char *bb_rep_interval_name(char *buf, size_t len, const struct bb_config *c);
double bb_rep_device_ns(const struct rep *r, const struct bb_config *c, enum bb_ns_source *src);
/* The source as report.md names it: "--device-read-ns", "layout", "pcie-bench default", ... */
const char *bb_rep_ns_source(enum bb_ns_source src, const struct bb_config *c);
double bb_rep_trap_overhead(struct rep *r, size_t first, size_t last, const struct bb_config *trap);
double bb_rep_projected(const struct bb_config *c, double dev, double overhead);
void bb_rep_recommend(struct rep *r, size_t first, size_t last, struct recommend *o);
/* The kind as summary.json's group_verdict names it ("maps", "all trap alike", ...). */
const char *bb_rep_rec_name(enum bb_rec_kind k);

/*
 * analysis/figures.c: every figure of the folder drawn with gnuplot into
 * DIR/figures (a fresh private folder first, renamed in); @figs (room for
 * @cap) gets what was drawn, in report order.  *@have_figs: gnuplot ran;
 * *@note: why there are none.  0, or a negative errno with r->d set.
 */
int bb_rep_figures(struct rep *r, const struct plan_row *pl, size_t npl, const struct adv_row *adv, size_t nadv,
		   struct fig *figs, size_t cap, size_t *nf, bool *have_figs, const char **note);

/* analysis/markdown.c: report.md and details.md (bb_write_atomic writers of a struct writer_arg) */
int bb_rep_write_md(FILE *f, void *arg);
int bb_rep_write_details(FILE *f, void *arg);
/* analysis/summary.c: summary.json (a bb_write_atomic writer of a struct rep) */
int bb_rep_write_summary(FILE *f, void *arg);

#endif
