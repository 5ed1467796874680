// SPDX-License-Identifier: MIT
/* Summary statistics against hand-computed values. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "barbench/stats.h"
#include "check.h"

static void test_three(void)
{
	double x[] = { 3, 1, 2 };
	struct bb_summary s;

	CHECK_EQ(bb_summarize(x, 3, &s), 0);
	CHECK_EQ(s.n, 3);
	CHECK_NEAR(x[0], 1, 0);		/* sorted in place */
	CHECK_NEAR(x[2], 3, 0);
	CHECK_NEAR(s.min, 1, 0);
	CHECK_NEAR(s.max, 3, 0);
	CHECK_NEAR(s.p50, 2, 0);
	CHECK_NEAR(s.p90, 2.8, 1e-12);	/* h = 2 * 0.9 = 1.8 */
	CHECK_NEAR(s.mean, 2, 0);
	CHECK_NEAR(s.stdev, 1, 1e-12);
	CHECK_NEAR(s.ci95_lo, 1, 0);	/* n < 6: [min, max] */
	CHECK_NEAR(s.ci95_hi, 3, 0);
}

static void test_four(void)
{
	double x[] = { 40, 10, 30, 20 };
	struct bb_summary s;

	CHECK_EQ(bb_summarize(x, 4, &s), 0);
	CHECK_NEAR(s.p50, 25, 1e-12);	/* mean of the two middle values */
	CHECK_NEAR(s.p90, 37, 1e-12);	/* h = 2.7 */
	CHECK_NEAR(s.p99, 39.7, 1e-12);	/* h = 2.97 */
	CHECK_NEAR(s.p999, 39.97, 1e-12);	/* h = 2.997 */
	CHECK_NEAR(s.mean, 25, 1e-12);
	CHECK_NEAR(s.stdev, sqrt(500.0 / 3.0), 1e-12);
	CHECK_NEAR(s.ci95_lo, 10, 0);
	CHECK_NEAR(s.ci95_hi, 40, 0);
}

static void test_one(void)
{
	double x[] = { 7 };
	struct bb_summary s;

	CHECK_EQ(bb_summarize(x, 1, &s), 0);
	CHECK_NEAR(s.min, 7, 0);
	CHECK_NEAR(s.p50, 7, 0);
	CHECK_NEAR(s.p999, 7, 0);
	CHECK_NEAR(s.max, 7, 0);
	CHECK_NEAR(s.stdev, 0, 0);
	CHECK_NEAR(s.ci95_lo, 7, 0);
	CHECK_NEAR(s.ci95_hi, 7, 0);
}

/* 1..n in a scrambled order: x(k) = k, so a rank reads as its value. */
static void fill_scrambled(double *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = (double)((i * 37 + 11) % n + 1);	/* 37 is prime to 100 and 1000 */
}

static void test_hundred(void)
{
	double x[100];
	struct bb_summary s;

	fill_scrambled(x, 100);
	CHECK_EQ(bb_summarize(x, 100, &s), 0);
	CHECK_NEAR(s.min, 1, 0);
	CHECK_NEAR(s.max, 100, 0);
	CHECK_NEAR(s.p50, 50.5, 1e-12);
	CHECK_NEAR(s.p90, 90.1, 1e-9);	/* h = 89.1 */
	CHECK_NEAR(s.p99, 99.01, 1e-9);	/* h = 98.01 */
	CHECK_NEAR(s.p999, 99.901, 1e-9);	/* h = 98.901 */
	CHECK_NEAR(s.mean, 50.5, 1e-12);
	CHECK_NEAR(s.stdev, sqrt(100.0 * 101.0 / 12.0), 1e-9);
	/* floor((100 - 19.6) / 2) = 40, ceil(1 + 119.6 / 2) = 61 */
	CHECK_NEAR(s.ci95_lo, 40, 0);
	CHECK_NEAR(s.ci95_hi, 61, 0);
}

static void test_thousand(void)
{
	static double x[1000];
	struct bb_summary s;

	fill_scrambled(x, 1000);
	CHECK_EQ(bb_summarize(x, 1000, &s), 0);
	CHECK_NEAR(s.p50, 500.5, 1e-12);
	CHECK_NEAR(s.p99, 990.01, 1e-9);	/* h = 989.01 */
	CHECK_NEAR(s.p999, 999.001, 1e-9);	/* h = 998.001 */
	/* 1.96 * sqrt(1000) = 61.98: floor(469.01) = 469, ceil(531.99) = 532 */
	CHECK_NEAR(s.ci95_lo, 469, 0);
	CHECK_NEAR(s.ci95_hi, 532, 0);
}

static void test_ranks(void)
{
	static const struct { size_t n, lo, hi; } want[] = {
		{ 1, 1, 1 }, { 5, 1, 5 }, { 6, 1, 6 }, { 10, 1, 10 }, { 11, 2, 10 },
		{ 30, 9, 22 }, { 100, 40, 61 }, { 1000, 469, 532 }, { 10000, 4902, 5099 },
	};
	size_t i, lo, hi, n;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_EQ(bb_median_ci_ranks(want[i].n, &lo, &hi), 0);
		if (lo != want[i].lo || hi != want[i].hi)
			NOTE_FAIL("n = %zu", want[i].n);
		CHECK_EQ(lo, want[i].lo);
		CHECK_EQ(hi, want[i].hi);
	}
	CHECK_EQ(bb_median_ci_ranks(0, &lo, &hi), -EINVAL);

	/*
	 * Exact coverage of [x(lo), x(hi)] for the median: the number B of
	 * samples below it is Binomial(n, 1/2) and the interval holds it when
	 * lo <= B < hi.  At least 95% from n = 6 on; symmetric ranks.
	 */
	for (n = 6; n <= 2000; n++) {
		double cov = 0.0;
		size_t k;

		bb_median_ci_ranks(n, &lo, &hi);
		for (k = lo; k < hi; k++)
			cov += exp(lgamma((double)n + 1) - lgamma((double)k + 1) -
				   lgamma((double)(n - k) + 1) - (double)n * log(2.0));
		if (cov < 0.95 || lo + hi != n + 1)
			NOTE_FAIL("n = %zu: ranks %zu..%zu cover %.4f", n, lo, hi, cov);
		CHECK(cov >= 0.95);
		CHECK_EQ(lo + hi, n + 1);
		if (cov < 0.95 || lo + hi != n + 1)
			break;
	}
}

static void test_percentile(void)
{
	const double x[] = { 1, 2, 4, 8, 16 };

	CHECK_NEAR(bb_percentile(x, 5, 0), 1, 0);
	CHECK_NEAR(bb_percentile(x, 5, 100), 16, 0);
	CHECK_NEAR(bb_percentile(x, 5, -5), 1, 0);
	CHECK_NEAR(bb_percentile(x, 5, 250), 16, 0);
	CHECK_NEAR(bb_percentile(x, 5, 25), 2, 0);	/* h = 1 exactly */
	CHECK_NEAR(bb_percentile(x, 5, 50), 4, 0);
	CHECK_NEAR(bb_percentile(x, 5, 62.5), 6, 1e-12);	/* h = 2.5 */
	CHECK_NEAR(bb_percentile(x, 5, 87.5), 12, 1e-12);	/* h = 3.5 */
	CHECK(isnan(bb_percentile(x, 0, 50)));
	CHECK(isnan(bb_percentile(NULL, 5, 50)));
	CHECK(isnan(bb_percentile(x, 5, NAN)));
}

static void test_errors(void)
{
	double x[] = { 1, NAN, 3 }, y[] = { 1, INFINITY }, z[] = { 5, 6 };
	struct bb_summary s = { .n = 12345 };

	CHECK_EQ(bb_summarize(z, 0, &s), -EINVAL);
	CHECK_EQ(bb_summarize(NULL, 2, &s), -EINVAL);
	CHECK_EQ(bb_summarize(z, 2, NULL), -EINVAL);
	CHECK_EQ(bb_summarize(x, 3, &s), -EINVAL);
	CHECK_EQ(bb_summarize(y, 2, &s), -EINVAL);
	CHECK_EQ(s.n, 12345);	/* untouched on error */
	CHECK_EQ(bb_summarize(z, 2, &s), 0);
	CHECK_NEAR(s.p50, 5.5, 1e-12);
	CHECK_NEAR(s.stdev, sqrt(0.5), 1e-12);
}

/*
 * Mann-Whitney U against values counted by hand: the exact null distribution
 * of U for sizes m, n is the number of orderings of the pooled sample with
 * each U, C(m + n, m) orderings in all (20 for 3 and 3, 70 for 4 and 4,
 * 252 for 5 and 5; P(U <= u) for 5 and 5: 1, 2, 4, 7 / 252 for u = 0..3,
 * the table of Mann & Whitney 1947).
 */
static void test_mann_whitney(void)
{
	static const double a3[] = { 1, 2, 3 }, b3[] = { 4, 5, 6 };
	static const double a4[] = { 1, 2, 3, 4 }, b4[] = { 5, 6, 7, 8 };
	static const double a5[] = { 1, 2, 3, 4, 6 }, b5[] = { 5, 7, 8, 9, 10 };
	static const double c5[] = { 1.5, 2, 3, 4, 5 }, d5[] = { 2.5, 6, 7, 8, 9 };
	static const double mixed_x[] = { 3, 1, 5 }, mixed_y[] = { 2, 4, 6 };
	static const double t_x[] = { 1, 1, 2, 2 }, t_y[] = { 2, 2, 3, 3 };
	static const double same[] = { 7, 7, 7 };
	double big_x[60], big_y[60], bad[] = { 1, NAN };
	struct bb_mwu r;

	/* fully separated 3 and 3: U = 0, one ordering of 20 each way: p = 2/20 */
	CHECK_EQ(bb_mann_whitney(a3, 3, b3, 3, &r), 0);
	CHECK_NEAR(r.u, 0, 0);
	CHECK_NEAR(r.p, 0.1, 1e-12);
	CHECK_EQ(r.exact, 1);
	CHECK_EQ(bb_mann_whitney(b3, 3, a3, 3, &r), 0);	/* the other side: U = 9, same p */
	CHECK_NEAR(r.u, 9, 0);
	CHECK_NEAR(r.p, 0.1, 1e-12);
	/* 4 and 4: 2/70 */
	CHECK_EQ(bb_mann_whitney(a4, 4, b4, 4, &r), 0);
	CHECK_NEAR(r.p, 2.0 / 70.0, 1e-12);
	/* 5 and 5, U = 1 (6 > 5): 2 * 2/252; U = 3: 2 * 7/252 */
	CHECK_EQ(bb_mann_whitney(a5, 5, b5, 5, &r), 0);
	CHECK_NEAR(r.u, 1, 0);
	CHECK_NEAR(r.p, 4.0 / 252.0, 1e-12);
	CHECK_EQ(bb_mann_whitney(c5, 5, d5, 5, &r), 0);
	CHECK_NEAR(r.u, 3, 0);
	CHECK_NEAR(r.p, 14.0 / 252.0, 1e-12);
	/* interleaved: U = 3 (3 > 2, 5 > 2, 5 > 4), P(U <= 3) = (1 + 1 + 2 + 3)/20: p = 0.7 */
	CHECK_EQ(bb_mann_whitney(mixed_x, 3, mixed_y, 3, &r), 0);
	CHECK_NEAR(r.u, 3, 0);
	CHECK_NEAR(r.p, 0.7, 1e-12);
	/*
	 * Ties: normal approximation.  Mid-ranks 1.5 1.5 | 4.5 x4 | 7.5 7.5, R_x = 12,
	 * U = 2; var = 16/12 (9 - (6 + 60 + 6)/56) = 10.2857; z = (6 - 0.5)/3.2071 = 1.7150
	 * p = erfc(z / sqrt 2) = 0.086359 (R: wilcox.test(c(1,1,2,2), c(2,2,3,3))).
	 */
	CHECK_EQ(bb_mann_whitney(t_x, 4, t_y, 4, &r), 0);
	CHECK_NEAR(r.u, 2, 0);
	CHECK_EQ(r.exact, 0);
	CHECK_NEAR(r.p, 0.0863587396, 1e-9);
	/* all tied: nothing to tell apart */
	CHECK_EQ(bb_mann_whitney(same, 3, same, 3, &r), 0);
	CHECK_NEAR(r.p, 1, 0);
	/* above the exact limit: the normal approximation; 60 and 60 separated: U = 0, p tiny */
	for (int i = 0; i < 60; i++) {
		big_x[i] = i;
		big_y[i] = 100 + i;
	}
	CHECK_EQ(bb_mann_whitney(big_x, 60, big_y, 60, &r), 0);
	CHECK_EQ(r.exact, 0);
	CHECK(r.p < 1e-15);
	CHECK_EQ(bb_mann_whitney(big_x, 60, big_x, 60, &r), 0);
	CHECK(r.p > 0.99);
	/* refused */
	CHECK_EQ(bb_mann_whitney(bad, 2, a3, 3, &r), -EINVAL);
	CHECK_EQ(bb_mann_whitney(a3, 0, b3, 3, &r), -EINVAL);
	CHECK_EQ(bb_mann_whitney(NULL, 3, b3, 3, &r), -EINVAL);
	/* the smallest p of the exact test */
	CHECK_NEAR(bb_mwu_min_p(3, 3), 0.1, 1e-12);
	CHECK_NEAR(bb_mwu_min_p(4, 4), 2.0 / 70.0, 1e-12);
	CHECK_NEAR(bb_mwu_min_p(1, 1), 1, 0);
	CHECK(bb_mwu_min_p(3, 4) > 0.05 && bb_mwu_min_p(3, 5) < 0.05);	/* 2/35, 2/56 */
}

/*
 * The ratio interval: order statistics of the pairwise ratios.  5 and 5:
 * P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252, so k = 3 and the
 * confidence is 1 - 8/252 = 0.968 (Hollander & Wolfe's table for the
 * Moses interval).  3 and 3: k = 1, the range, 0.90.
 */
static void test_ratio_interval(void)
{
	static const double a[] = { 1, 2, 4, 8, 16 }, b[] = { 3, 5, 6, 12, 40 };
	static const double a3[] = { 10, 20, 40 }, b3[] = { 5, 10, 30 };
	static const double zero[] = { 0, 1, 2 };
	double lo, hi, level, big[1100];

	/* 3rd smallest of b/a: 3/16, 5/16, 6/16 = 3/8; 3rd largest: 40, 20, 12 */
	CHECK_EQ(bb_ratio_interval(a, 5, b, 5, &lo, &hi, &level), 0);
	CHECK_NEAR(lo, 0.375, 1e-12);
	CHECK_NEAR(hi, 12, 1e-12);
	CHECK_NEAR(level, 1.0 - 8.0 / 252.0, 1e-12);
	CHECK_EQ(bb_ratio_interval(a3, 3, b3, 3, &lo, &hi, &level), 0);
	CHECK_NEAR(lo, 0.125, 1e-12);	/* 5/40 */
	CHECK_NEAR(hi, 3, 1e-12);	/* 30/10 */
	CHECK_NEAR(level, 0.9, 1e-12);
	/* a copy: the interval holds 1 */
	CHECK_EQ(bb_ratio_interval(a, 5, a, 5, &lo, &hi, &level), 0);
	CHECK(lo < 1 && hi > 1);
	/* never a ratio of or to 0; not more pairs than the bound */
	CHECK_EQ(bb_ratio_interval(zero, 3, a3, 3, &lo, &hi, &level), -EINVAL);
	CHECK_EQ(bb_ratio_interval(a3, 3, zero, 3, &lo, &hi, &level), -EINVAL);
	for (int i = 0; i < 1100; i++)
		big[i] = 1 + i;
	CHECK_EQ(bb_ratio_interval(big, 1000, big, 1000, &lo, &hi, &level), 0);
	CHECK(lo < 1 && hi > 1 && level == 0.95);
	CHECK_EQ(bb_ratio_interval(big, 1100, big, 1000, &lo, &hi, &level), -E2BIG);
}

/* Figures below the resolution print as a bound, rounded up so it stays true; never 0.0. */
static void test_format(void)
{
	char b[32];

	CHECK(!strcmp(bb_format_ns(b, sizeof(b), 0.3, 8.696), "< 8.70 ns"));
	CHECK(!strcmp(bb_format_ns_bare(b, sizeof(b), 0.0, 8.696), "< 8.70"));
	CHECK(!strcmp(bb_format_ns_bare(b, sizeof(b), 8.64, 8.641), "< 8.65"));	/* never "< 8.64" */
	CHECK(!strcmp(bb_format_ns_bare(b, sizeof(b), 0.1, 0.5), "< 0.50"));
	CHECK(!strcmp(bb_format_ns_bare(b, sizeof(b), 3.0, 21.7), "< 21.7"));
	CHECK(!strcmp(bb_format_ns(b, sizeof(b), 293.94, 8.696), "293.9 ns"));
	CHECK(!strcmp(bb_format_ns_bare(b, sizeof(b), 9.6, 8.696), "9.6"));
	CHECK(!strcmp(bb_format_ns_bare(b, sizeof(b), 0.3, 0), "0.3"));	/* no resolution recorded */
	CHECK(!strcmp(bb_format_ns(b, sizeof(b), NAN, 1), "n/a"));
}

/* What the median's interval covers: [min, max] below 6 samples, never 95% there. */
static void test_ci_level(void)
{
	CHECK_NEAR(bb_median_ci_level(1), 0.0, 1e-12);
	CHECK_NEAR(bb_median_ci_level(3), 0.75, 1e-12);
	CHECK_NEAR(bb_median_ci_level(4), 0.875, 1e-12);
	CHECK_NEAR(bb_median_ci_level(5), 0.9375, 1e-12);
	CHECK_NEAR(bb_median_ci_level(6), 1 - 2.0 / 64, 1e-12);
	for (size_t n = 6; n <= 1000; n++)
		CHECK(bb_median_ci_level(n) >= BB_CI_LEVEL);
	/* n = 100: ranks 40 and 61, P(40 <= B <= 60) of Binomial(100, 1/2) */
	CHECK_NEAR(bb_median_ci_level(100), 0.9648, 1e-3);
	CHECK_EQ(bb_median_ci_level(0), 0.0);
}

int main(void)
{
	test_ci_level();
	test_format();
	test_three();
	test_four();
	test_one();
	test_hundred();
	test_thousand();
	test_ranks();
	test_percentile();
	test_errors();
	test_mann_whitney();
	test_ratio_interval();
	return bb_test_done("test_stats");
}
