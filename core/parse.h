/* SPDX-License-Identifier: MIT */
/* Numbers and sizes as people write them on command lines and in files. */
#ifndef BARBENCH_PARSE_H
#define BARBENCH_PARSE_H

#include <stdint.h>

/*
 * Parse an unsigned 64-bit number: decimal, 0x-hexadecimal, with an optional
 * binary suffix K, M, G, T (e.g. 4096, 4K, 64K, 0x1000).  The whole string
 * must be consumed.  Returns 0, -EINVAL (not a number) or -ERANGE.
 */
int bb_parse_u64(const char *s, uint64_t *out);

/* The power of two of binary suffix @c (K 10, M 20, G 30, T 40; either case), or -1. */
int bb_size_suffix_shift(char c);

/* The value of hex digit @c (0-9, a-f, A-F), or -1. */
int bb_hex_digit(char c);

/* bb_parse_u64, then a power of two >= 4096: a host page size. */
int bb_parse_page_size(const char *s, uint64_t *out);

#include <stdbool.h>
#include <stddef.h>

/* Copy @src into @dst of @n bytes, always terminated; true when it was cut. */
bool bb_strcpy(char *dst, size_t n, const char *src);

struct bb_diag;
/*
 * A whole input file (layout, trace, study, cost model, region-info bytes)
 * into a malloc'd buffer with a NUL after its @len bytes.  Only a regular
 * file (a FIFO or a device would block or never end), at most @max bytes
 * (-EFBIG beyond, never cut short).  0, or a negative errno with @d naming
 * the file.
 */
int bb_read_file(const char *path, size_t max, char **buf, size_t *len, struct bb_diag *d);
/* The rest of @fd (a file or a pipe, @name in messages) the same way: to its end, -EFBIG over @max; not closed. */
int bb_read_stream(int fd, const char *name, size_t max, char **buf, size_t *len, struct bb_diag *d);

/*
 * Open @path of a results folder for reading.  A results folder is hostile
 * input: a symlink in it is never followed, only a regular file is opened,
 * and a FIFO never blocks.  The descriptor (its fstat in *@st when not
 * NULL), or -ENOENT (no such file), -EINVAL (a symlink, not a regular
 * file) or another negative errno, with @d naming the file.
 */
struct stat;
int bb_results_open(const char *path, struct stat *st, struct bb_diag *d);
/* bb_read_file of a file in a results folder, opened with bb_results_open (never through a symlink). */
int bb_results_read(const char *path, size_t max, char **buf, size_t *len, struct bb_diag *d);

/*
 * @spec as results record it (runs.csv, a sweep, the manifest's argv): the
 * value of every option whose name ends in "token" (vfio:'s vf-token=)
 * written as "hidden".  A results folder is shared; an SR-IOV VF token is
 * the secret that lets a process open the PF's VFs.  Truncated to @len
 * (none written when 0); returns the length of the whole, as snprintf.
 */
size_t bb_spec_public(const char *spec, char *out, size_t len);

#endif
