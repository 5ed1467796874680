/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets (one .c per parser of outside input, built
 * with clang and -DBB_FUZZ=ON, run by scripts/fuzz).  A target feeds the
 * bytes to a parser; bad input must come back as an error naming the input,
 * good input must satisfy the properties the target checks.  A broken
 * property aborts, so libFuzzer keeps the input as a finding.
 */
#ifndef BARBENCH_FUZZ_H
#define BARBENCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property that must hold: say which and why, then abort. */
#define FUZZ_ASSERT(cond, ...) do {                                             \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/* A sink for the printers, so formatting hostile values is fuzzed too. */
static inline FILE *fuzz_null(void)
{
	static FILE *f;

	if (!f)
		f = fopen("/dev/null", "w");
	if (!f)
		abort();
	return f;
}

#endif
