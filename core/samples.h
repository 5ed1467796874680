/* SPDX-License-Identifier: MIT */
/*
 * The samples of runs, in a compact binary form (issue 17: the default
 * study's 3,744 per-run CSV files took 35 MB, 15 MB of it in file-system
 * blocks), read back as hostile input.
 *
 * A file samples/GROUP.bbs holds the runs whose id is GROUP-<digits> (the
 * repetitions of one configuration in a study) or GROUP itself.  It is gzip
 * (RFC 1952: `zcat` inflates it) of:
 *
 *   "BBSAMPLES 1\n"                       12 bytes
 *   then per run, a block:
 *     varint L, L bytes                   the run's id (as in runs.csv)
 *     varint N                            its number of samples
 *     N varints                           offset, zigzag of the difference to
 *                                         the previous sample's (first: to 0)
 *     N bytes                             path: 0 mapped, 1 trapped
 *     N varints                           accesses the sample timed (>= 1)
 *     N varints                           ns per access x 1000, zigzag
 *                                         (at most BB_SAMPLES_MAX_MILLI_NS in
 *                                         magnitude: 18 minutes)
 *
 * A varint is little-endian base 128 (7 bits a byte, high bit: more), at
 * most 10 bytes; zigzag maps 0, -1, 1, -2 ... to 0, 1, 2, 3 ...  The values
 * are those the CSV form held (ns to 0.001), column by column, so gzip
 * finds their repeats.  A run has one block: the writer replaces the block
 * of a run measured again (--resume), and a reader refuses a file with an
 * id in two blocks (analysis/folder.c).
 */
#ifndef BARBENCH_SAMPLES_H
#define BARBENCH_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"

#define BB_SAMPLES_MAGIC "BBSAMPLES 1\n"
#define BB_SAMPLES_MAGIC_LEN 12
/*
 * A time's bound, in thousandths of a ns: the writer clamps to it and a
 * reader refuses more, so what is read encodes back to the same bytes (a
 * double holds every such value exactly).
 */
#define BB_SAMPLES_MAX_MILLI_NS 1100000000000000ll
/* the most a samples file inflates to; a larger one is refused, never cut */
#define BB_SAMPLES_MAX_BYTES (256u << 20)

/* One run's block in an inflated samples file: where its columns start. */
struct bb_samples_block {
	char id[160];
	size_t n;
	size_t start, end;	/* the block's bytes */
	size_t off_at, path_at, acc_at, ns_at;
};

/* The file name (no folder, no suffix) the samples of run @id go to: @id less a trailing -<digits>. */
void bb_samples_group(const char *id, char *out, size_t len);
/* DIR/samples/GROUP.bbs, the file run @id's samples go to, into @path: 0, or -ENAMETOOLONG (cut). */
int bb_samples_path(const char *dir, const char *id, char *path, size_t len);

/* The magic and block of @n samples of run @id appended to @f (the magic only when @magic). */
void bb_samples_encode(FILE *f, bool magic, const char *id, const double *ns, const uint64_t *offset,
		       const uint8_t *trapped, const uint32_t *covers, size_t n);

/*
 * The block at *@pos of the @len inflated bytes of @buf (*@pos 0: the magic
 * is checked first): 1 and *@b, with *@pos past it; 0 at the end; -EINVAL
 * naming @name and the byte when anything is not as written above (an id
 * barbench would not write, a varint too long, fewer bytes than N needs, a
 * path not 0 or 1, 0 accesses, a value out of range).  Every value is
 * checked here, so bb_samples_values cannot fail.
 */
int bb_samples_next(const uint8_t *buf, size_t len, size_t *pos, struct bb_samples_block *b, const char *name,
		    struct bb_diag *d);
/* A checked block's samples into arrays of b->n (any may be NULL). */
void bb_samples_values(const uint8_t *buf, const struct bb_samples_block *b, double *ns, uint64_t *offset,
		       uint8_t *trapped, uint32_t *covers);

/*
 * A whole gzip file inflated into a malloc'd buffer (NUL after its @len
 * bytes): never through a symlink, a regular file only, at most @max bytes
 * inflated (-EFBIG), a stream cut short or corrupt an error (-EINVAL), one
 * that cannot be read the system's reason; -ENOENT when there is none.
 */
int bb_gunzip_file(const char *path, size_t max, uint8_t **out, size_t *len, struct bb_diag *d);

struct gzFile_s;	/* zlib's gzFile */
/*
 * Close @f (of file @path), read until it stopped by itself (@ended) or
 * left early: 0; the system's reason when the file could not be read
 * (zlib's Z_ERRNO: not a malformed file); -EINVAL when its compressed data
 * was cut short or corrupt (an error, never fewer samples).  Call it right
 * after the read that stopped: errno is that read's.
 */
int bb_gz_close(struct gzFile_s *f, bool ended, const char *path, struct bb_diag *d);

#endif
