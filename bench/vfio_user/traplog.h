/* SPDX-License-Identifier: MIT */
/*
 * The trap log of `barbench serve --trap-log FILE`: every access the server
 * handled through messages (REGION_READ, REGION_WRITE, each write of
 * REGION_WRITE_MULTI), counted per (region, offset, width, op) with the
 * server's total time for them.  Written as CSV, atomically (a temporary
 * file renamed into place), at exit and whenever SIGUSR1 asks:
 *
 *	# barbench serve trap log: DEVICE; N accesses, M distinct[, K beyond the limit not itemised]
 *	region,offset,width,op,count,total_ns
 *	0,0x5c00,4,read,101,5303412
 *
 * region, width, count and total_ns decimal; offset 0x-hexadecimal; op read
 * or write; rows sorted by region, offset, width, op.  `barbench vmm` reads
 * it back (analysis/vmm_infer.c) as hostile input.
 */
#ifndef BARBENCH_VU_TRAPLOG_H
#define BARBENCH_VU_TRAPLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "barbench/diag.h"

/* The header line of the CSV. */
#define BB_TRAPLOG_HEADER "region,offset,width,op,count,total_ns"

/* Distinct (region, offset, width, op) kept; accesses beyond are counted, not itemised. */
#define BB_TRAPLOG_MAX_KEYS 65536u

/* One row of the log, as written and as `barbench vmm` reads it back. */
struct bb_trap_entry {
	uint32_t region;
	uint64_t offset;
	unsigned width;
	bool write;
	uint64_t count, total_ns;
	unsigned line;		/* read back by barbench vmm: the line of the file it came from */
};

/* The order of the rows (qsort): region, offset, width, read before write. */
int bb_trap_entry_cmp(const void *a, const void *b);

struct bb_traplog;

/* An empty log of @device (named in the file's first line); 0 or -ENOMEM. */
int bb_traplog_new(const char *device, struct bb_traplog **out);
void bb_traplog_free(struct bb_traplog *t);
/* One access the server handled, taking @ns of its time. */
void bb_traplog_add(struct bb_traplog *t, uint32_t region, uint64_t offset, uint32_t width, bool write, uint64_t ns);
/* Table slots looked at (never reset by barbench): the tests bound them per access. */
extern unsigned long long bb_traplog_probes;
/* Accesses counted so far. */
uint64_t bb_traplog_accesses(const struct bb_traplog *t);
/* Write the CSV to @path atomically; 0 or a negative errno with @d naming the path. */
int bb_traplog_write(const struct bb_traplog *t, const char *path, struct bb_diag *d);

#endif
