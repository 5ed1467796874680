/* SPDX-License-Identifier: MIT */
/*
 * Summary statistics of a sample of latencies (nanoseconds, or any unit: the
 * functions do not care).
 *
 * Percentiles use linear interpolation between order statistics (Hyndman &
 * Fan type 7, the default of R, NumPy and Excel's PERCENTILE.INC): for
 * p in [0, 100] over the ascending x[0..n-1],
 *
 *	h = (n - 1) * p / 100,  P = x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])
 *
 * so P(0) is the minimum, P(100) the maximum and P(50) the usual median (the
 * mean of the two middle values when n is even).
 *
 * ci95_lo/ci95_hi is the non-parametric 95% confidence interval of the
 * median from binomial order statistics (Le Boudec, "Performance Evaluation
 * of Computer and Communication Systems", thm. 2.1; Hoefler & Belli, SC'15,
 * rule 5): the order statistics of 1-based ranks
 *
 *	lo = floor((n - 1.96 * sqrt(n)) / 2),  hi = ceil(1 + (n + 1.96 * sqrt(n)) / 2)
 *
 * each clamped to [1, n].  It assumes independent, identically distributed
 * samples and nothing about their distribution.  For n = 100 the ranks are
 * 40 and 61, for n = 1000 469 and 532.  For n < 6 no pair of order
 * statistics reaches 95% coverage (even [min, max] misses the median with
 * probability 2 * 0.5^n > 0.05) and the interval is [min, max]: report the
 * run as too short for a confidence interval rather than trusting it.
 */
#ifndef BARBENCH_STATS_H
#define BARBENCH_STATS_H

#include <stddef.h>

struct bb_summary {
	size_t n;
	double min, p50, p90, p99, p999, max;
	double mean;
	double stdev;		/* sample standard deviation (n - 1); 0 when n == 1 */
	double ci95_lo, ci95_hi;	/* 95% CI of the median, see above */
};

/*
 * Sort @samples in place (ascending) and fill @out.  Returns 0, or -EINVAL
 * when @samples or @out is NULL, @n is 0, or a sample is NaN or infinite
 * (then @out is untouched; the array may have been partly reordered).
 */
int bb_summarize(double *samples, size_t n, struct bb_summary *out);

/* Sort @v ascending in place (a NaN compares equal to everything: keep them out). */
void bb_sort_doubles(double *v, size_t n);

/*
 * The @p-th percentile (0..100, clamped) of the ascending array @sorted by
 * the interpolation above.  NaN when @n is 0, @sorted is NULL or @p is NaN.
 */
double bb_percentile(const double *sorted, size_t n, double p);

/*
 * 1-based ranks of the 95% confidence interval of the median of @n samples
 * (formula above, clamped to [1, n]).  Returns 0, or -EINVAL for n == 0.
 */
int bb_median_ci_ranks(size_t n, size_t *lo, size_t *hi);

/*
 * The coverage that interval achieves: the probability that the order
 * statistics of ranks lo and hi of @n samples enclose the median, the sum of
 * C(n, k) / 2^n over k = lo .. hi - 1.  At least 0.95 from n = 6 on (6:
 * 0.969); below, the [min, max] range covers 1 - 2^(1 - n): 0.875 at 4,
 * 0.9375 at 5, 0 at 1.  0 for n == 0; above 1022 (where 2^-n leaves the
 * doubles) 0.95, the level the ranks' normal approximation gives.  Where
 * it is below 0.95 the interval must not be called a 95% one.
 */
#define BB_CI_LEVEL 0.95
double bb_median_ci_level(size_t n);

/* Mean of the ascending @sorted samples at or below their p99 (what the cost model predicts); 0 when n is 0. */
double bb_tmean(const double *sorted, size_t n);

/*
 * Never print what was not measured.  @ns as "12.3 ns", or "< R ns" when it
 * lies below the resolution @res_ns (> 0) it was measured with, R rounded
 * up at the digits shown (two below 10 ns, one from there: "< 8.70 ns" for
 * 8.696), so the bound stays true; "n/a" when it is not finite.  Returns
 * @buf.  Every text barbench prints a latency in goes through it.
 */
const char *bb_format_ns(char *buf, size_t len, double ns, double res_ns);
/* The same without the unit, for a table whose column names it: "12.3", "< 8.70". */
const char *bb_format_ns_bare(char *buf, size_t len, double ns, double res_ns);

/*
 * The speed-up @slow_ns / @fast_ns as "12.3x", honest about resolution:
 * when @fast_ns lies below @res_ns the ratio is at least slow / res, written
 * "> 12x"; "n/a" when either is not finite or @slow_ns is not above 0.
 * Never "inf" or "nan".  Returns @buf.
 */
const char *bb_format_ratio(char *buf, size_t len, double slow_ns, double fast_ns, double res_ns);

/*
 * The two-sided Mann-Whitney U test (Wilcoxon rank-sum test) of @x[0..nx-1]
 * against @y[0..ny-1]: do the two samples come from the same distribution,
 * against one of them tending to larger values?  U is the U of @x, the
 * number of pairs (x_i, y_j) with x_i > y_j, a tie counting one half
 * (U = R_x - nx (nx + 1) / 2 with R_x the sum of @x's mid-ranks in the
 * pooled sample).
 *
 * Exact when there is no tie in the pooled sample and both sizes are at most
 * BB_MWU_EXACT_MAX: the null distribution of U counts the orderings of the
 * pooled sample, c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u), and
 * p = 2 min(P(U <= u), P(U >= u)), at most 1.  Otherwise the normal
 * approximation: mean m n / 2, variance m n / 12 ((N + 1) - sum(t^3 - t) /
 * (N (N - 1))) over the groups of t tied values, a continuity correction of
 * 1/2; p = 1 when every value is tied.
 *
 * With 3 values a side no ordering is rarer than 1 in 20: the smallest
 * exact p is 0.1; 4 a side reach 2/70 = 0.029.
 *
 * Returns 0, -EINVAL (NULL, an empty sample, a value not finite) or -ENOMEM.
 */
#define BB_MWU_EXACT_MAX 50

struct bb_mwu {
	double u;	/* U of x */
	double p;	/* two-sided p-value */
	int exact;	/* 1: exact null distribution; 0: normal approximation */
};

int bb_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, struct bb_mwu *out);

/*
 * The smallest two-sided p the exact test can give for sizes @m and @n
 * (2 / C(m + n, m), at most 1): above 0.05 no ordering is significant.
 */
double bb_mwu_min_p(size_t m, size_t n);

/*
 * A distribution-free 95% confidence interval of the ratio of scale b / a,
 * the interval that goes with the Mann-Whitney test (Hodges-Lehmann style,
 * Bauer 1972, on logarithms): of the na nb pairwise ratios b_j / a_i in
 * ascending order, the k-th and the (na nb + 1 - k)-th, k the largest with
 * P(U <= k - 1) <= 0.025 under the exact null distribution of U (the
 * normal approximation when a size exceeds BB_MWU_EXACT_MAX).  Its
 * confidence, 1 - 2 P(U <= k - 1), goes to *@level: below 0.95 when the
 * samples are too small for 95% (3 and 3: k = 1, the range of the nine
 * ratios, 0.90).
 *
 * Every value must be finite and above 0.  Returns 0, -EINVAL, -E2BIG
 * (more than BB_RATIO_PAIRS_MAX pairs) or -ENOMEM.
 */
#define BB_RATIO_PAIRS_MAX (1u << 20)

int bb_ratio_interval(const double *a, size_t na, const double *b, size_t nb, double *lo, double *hi,
		      double *level);

#endif
