/* SPDX-License-Identifier: MIT */
/*
 * runs.csv, written and read in one place: one table of its columns
 * (BB_RUNS_COLUMNS: name, the name an older barbench wrote, whether a
 * reader needs it), the row writer (bb_runs_csv_row, declared in
 * barbench/result.h) and the reader of a results folder's runs.csv, which
 * is hostile input (bb_recs_parse).  The strict field checks every reader
 * of a results folder shares (plans.csv, advise.csv, samples) live here too.
 */
#ifndef BARBENCH_RUNS_CSV_H
#define BARBENCH_RUNS_CSV_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"

/*
 * The columns of runs.csv in the order written: X(ENUM, name, old name or
 * NULL, needed by a reader).  A unit is in every measured figure's name
 * (_ns, _bytes, _s, _kb); counts (samples, mappings, memslots, exits,
 * accesses, repetition) and shares are unit-less by nature.  A column
 * renamed keeps its old name here, so folders written before still read.
 */
#define BB_RUNS_COLUMNS(X)                                                              \
	X(ID, "id", NULL, 1) X(DEVICE, "device", NULL, 1) X(REGION, "region", NULL, 1) \
	X(POLICY, "policy", NULL, 1) X(PARAMS, "params", NULL, 1)                       \
	X(PAGE_SIZE, "page_size_bytes", "page_size", 1) X(RUNNER, "runner", NULL, 1)    \
	X(WORKLOAD, "workload", NULL, 1) X(OP, "op", NULL, 1)                           \
	X(WIDTH, "width_bytes", "width", 1) X(SAMPLES, "samples", NULL, 1)              \
	X(MIN, "min_ns", NULL, 1) X(P50, "p50_ns", NULL, 1) X(P90, "p90_ns", NULL, 1)   \
	X(P99, "p99_ns", NULL, 1) X(P999, "p999_ns", NULL, 1) X(MAX, "max_ns", NULL, 1) \
	X(MEAN, "mean_ns", NULL, 1) X(STDEV, "stdev_ns", NULL, 1)                       \
	X(CI_LO, "ci95_lo_ns", NULL, 1) X(CI_HI, "ci95_hi_ns", NULL, 1)                 \
	X(TMEAN, "tmean_ns", NULL, 0) X(PREDICTED, "predicted_ns", NULL, 0)             \
	X(OPS, "ops_s", NULL, 1) X(BYTES, "bytes_s", NULL, 1)                           \
	X(MAPPINGS, "mappings", NULL, 1) X(MEMSLOTS, "memslots", NULL, 1)               \
	X(TRAPPED_SHARE, "trapped_share", NULL, 1) X(SETUP, "setup_ns", NULL, 1)        \
	X(TOUCH, "touch_ns", NULL, 0) X(PTE, "pte_kb", NULL, 0)                         \
	X(TRAP_SYSCALLS, "trap_syscalls", NULL, 0) X(ACCESSES, "accesses", NULL, 0)     \
	X(GUEST_EXEC, "guest_exec", NULL, 1) X(GUEST_MODE, "guest_mode", NULL, 0)       \
	X(MMIO_EXITS, "mmio_exits", NULL, 0) X(IO_EXITS, "io_exits", NULL, 0)           \
	X(OTHER_EXITS, "other_exits", NULL, 0) X(IOEVENTFD, "ioeventfd_writes", NULL, 0) \
	X(MEMSLOTS_USED, "memslots_used", NULL, 0) X(VM_SETUP, "vm_setup_ns", NULL, 0)  \
	X(PAGE_FAULTS, "page_faults", NULL, 0) X(CTX_SWITCHES, "ctx_switches", NULL, 0) \
	X(TASK_CLOCK, "task_clock_ns", NULL, 0) X(CYCLES, "cycles", NULL, 0)            \
	X(INSTRUCTIONS, "instructions", NULL, 0) X(BATCH_MAP, "batch_map", NULL, 0)     \
	X(BATCH_TRAP, "batch_trap", NULL, 0) X(RESOLUTION, "resolution_ns", NULL, 0)    \
	X(TRAPPED_ACCESSES, "trapped_accesses", NULL, 0)                                \
	X(DEVICE_READ, "device_read_ns", NULL, 0) X(DEVICE_WRITE, "device_write_ns", NULL, 0) \
	X(REPETITION, "repetition", NULL, 0)

#define BB_RUNS_ENUM(e, name, old, need) BB_COL_##e,
enum bb_runs_col { BB_RUNS_COLUMNS(BB_RUNS_ENUM) BB_COL_COUNT };
#undef BB_RUNS_ENUM

/* The name of column @c as written now, and the one an older barbench wrote (NULL: never renamed). */
const char *bb_runs_col_name(enum bb_runs_col c);
const char *bb_runs_col_old_name(enum bb_runs_col c);

/* The longest row of runs.csv read back, in today's columns. */
#define BB_RUNS_MAX_LINE 4095

/* One row of runs.csv as read back. */
struct bb_rec {
	char id[160];
	char device[300];
	uint32_t region;
	char policy[32];
	char params[96];
	uint64_t page_size;
	char runner[16];
	char workload[300];
	char op[8];
	unsigned width;
	size_t samples;
	double min_ns, p50_ns, p90_ns, p99_ns, p999_ns, max_ns, mean_ns, stdev_ns, ci95_lo_ns, ci95_hi_ns;
	double ops_s, bytes_s;
	uint32_t mappings, memslots;
	double trapped_share, setup_ns;
	double tmean_ns, predicted_ns;	/* predicted_ns < 0: no prediction */
	char guest_exec[16];
	double resolution_ns;	/* per-access resolution of the run; 0: not recorded (older folders) */
	double device_read_ns, device_write_ns;	/* the layout's device access times; 0: not given */
	/*
	 * The row in today's column order (a folder with older names or fewer
	 * columns re-laid, absent columns empty), to write runs.csv again
	 * (study --resume) under today's header: nothing dropped, nothing shifted.
	 * Its own allocation (at most BB_RUNS_MAX_LINE bytes), freed by
	 * bb_recs_free: a fleet of folders holds 7,000 rows each.
	 */
	char *line;
	unsigned lineno;	/* its line in the file */
	unsigned folder;	/* which results folder of a merged report it came from (0: the first; not a column) */
};

struct bb_recs {
	size_t n;
	struct bb_rec *v;
	/* header columns this barbench does not know (a newer one wrote them): how many, the first */
	unsigned nunknown;
	char unknown[64];
};

/*
 * Parse runs.csv held in @len bytes of @buf (@path names it in messages):
 * columns by header name, today's or the old one; every number checked
 * whole and in range (file:line: column), every text field against what
 * barbench writes there (bb_results_text_ok).  A column it does not know is
 * counted in @out (nunknown, unknown), never silently lost: a caller that
 * writes the rows again must refuse such a folder.  A run id twice is
 * refused (-EINVAL, the later line named with the first): a run is one row,
 * and a copy would count as one more repetition of its configuration.
 */
int bb_recs_parse(const char *buf, size_t len, const char *path, struct bb_recs *out, struct bb_diag *d);
/* Free the rows and each row's line. */
void bb_recs_free(struct bb_recs *r);

/* What a text field read back from a results folder may hold. */
enum bb_text_kind {
	BB_TEXT_NAME,		/* run ids, policies, runners: [A-Za-z0-9._+-], not starting with '.' */
	BB_TEXT_PARAMS,		/* policy parameters: a name's characters, '=' and ';'; may be empty */
	BB_TEXT_WORKLOAD,	/* a name's characters, ':' and '/' (replay:PATH) */
	BB_TEXT_PATH,		/* a device spec: any byte but control characters */
};
/* True when @s is non-empty (params: may be empty), shorter than @max and allowed; *@bad: where it is not. */
bool bb_results_text_ok(enum bb_text_kind kind, const char *s, size_t max, size_t *bad);

/* Write @s as one CSV field (RFC 4180): quoted, its quotes doubled, when it holds a comma, quote or line break. */
void bb_csv_field(FILE *f, const char *s);
/* Split one CSV line (RFC 4180 quoting) in place: the field count, or -1 (a quote not closed, more than @max). */
int bb_csv_split(char *line, char **f, int max);
/* A number of a results folder: decimal digits only, at most @max; -EINVAL or -ERANGE. */
int bb_results_u64(const char *s, uint64_t max, uint64_t *out);
/* A finite number as barbench prints it ([0-9.eE+-] only, whole, |v| <= 1e18); -EINVAL or -ERANGE. */
int bb_results_double(const char *s, double *out);

#endif
