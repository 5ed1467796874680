/* SPDX-License-Identifier: MIT */
/*
 * A small assert library for barbench tests: every failure prints file:line,
 * the expression and both values, and the test goes on so one run shows all
 * failures; bb_test_done() returns the exit code (77 = skipped, for ctest).
 */
#ifndef BARBENCH_TEST_CHECK_H
#define BARBENCH_TEST_CHECK_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BB_SKIP 77

static int bb_failures;
static int bb_checks;

#define CHECK(expr) do {                                                        \
		bb_checks++;                                                    \
		if (!(expr)) {                                                  \
			bb_failures++;                                          \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #expr); \
		}                                                               \
	} while (0)

#define CHECK_EQ(a, b) do {                                                     \
		unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b); \
		bb_checks++;                                                    \
		if (va_ != vb_) {                                               \
			bb_failures++;                                          \
			fprintf(stderr, "%s:%d: %s == %s failed: 0x%llx (%lld) != 0x%llx (%lld)\n", \
				__FILE__, __LINE__, #a, #b, va_, (long long)va_, vb_, (long long)vb_); \
		}                                                               \
	} while (0)

/* |a - b| <= tol, as doubles. */
#define CHECK_NEAR(a, b, tol) do {                                              \
		double va_ = (a), vb_ = (b);                                    \
		bb_checks++;                                                    \
		if (!(fabs(va_ - vb_) <= (tol))) {                              \
			bb_failures++;                                          \
			fprintf(stderr, "%s:%d: %s ~= %s failed: %.12g != %.12g\n", \
				__FILE__, __LINE__, #a, #b, va_, vb_);          \
		}                                                               \
	} while (0)

#define CHECK_STR_HAS(hay, needle) do {                                         \
		const char *h_ = (hay), *n_ = (needle);                         \
		bb_checks++;                                                    \
		if (!h_ || !strstr(h_, n_)) {                                   \
			bb_failures++;                                          \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
				__FILE__, __LINE__, h_ ? h_ : "(null)", n_);    \
		}                                                               \
	} while (0)

/* A row of a table-driven test of a parser: hostile text, and what the message refusing it contains. */
struct bb_bad_text {
	const char *text;
	const char *want;
};

/* Print a context line with the next failure (e.g. which layout or case). */
#define NOTE_FAIL(...) do { fprintf(stderr, "  in: "); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } while (0)

static inline int bb_test_done(const char *name)
{
	if (bb_failures) {
		fprintf(stderr, "%s: %d of %d checks failed\n", name, bb_failures, bb_checks);
		return 1;
	}
	printf("%s: %d checks passed\n", name, bb_checks);
	return 0;
}

static inline int bb_test_skip(const char *name, const char *why)
{
	printf("%s: SKIP: %s\n", name, why);
	return BB_SKIP;
}

#endif
