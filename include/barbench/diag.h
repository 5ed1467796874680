/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics: every barbench function that can fail returns 0 or a negative
 * errno and, when the caller passes one, fills a struct bb_diag with a message
 * that names the input and the position (file:line, byte offset).  Only the
 * command-line layer prints it and chooses the exit status.
 */
#ifndef BARBENCH_DIAG_H
#define BARBENCH_DIAG_H

#include <stddef.h>

#define BB_DIAG_MAX 512

struct bb_diag {
	char msg[BB_DIAG_MAX];
};

#if defined(__GNUC__) || defined(__clang__)
#define BB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BB_PRINTF(a, b)
#endif

/* Fill @d (may be NULL) and return @err (a negative errno). */
int bb_diag_set(struct bb_diag *d, int err, const char *fmt, ...) BB_PRINTF(3, 4);

/* "FILE:LINE: message" into @d (may be NULL), for a parser of a text file; returns -EINVAL. */
int bb_diag_at(struct bb_diag *d, const char *file, unsigned line, const char *fmt, ...) BB_PRINTF(4, 5);

/* Prepend "prefix: " to the message already in @d. */
void bb_diag_prefix(struct bb_diag *d, const char *fmt, ...) BB_PRINTF(2, 3);

static inline void bb_diag_clear(struct bb_diag *d)
{
	if (d)
		d->msg[0] = '\0';
}

#endif
