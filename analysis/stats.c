// SPDX-License-Identifier: MIT
/* Summary statistics; definitions in include/barbench/stats.h. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bb_sort_doubles(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double bb_percentile(const double *sorted, size_t n, double p)
{
	double h, f;
	size_t i;

	if (!sorted || n == 0 || isnan(p))
		return NAN;
	if (p <= 0.0)
		return sorted[0];
	if (p >= 100.0)
		return sorted[n - 1];
	h = (double)(n - 1) * p / 100.0;
	f = floor(h);
	i = (size_t)f;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (h - f) * (sorted[i + 1] - sorted[i]);
}

int bb_median_ci_ranks(size_t n, size_t *lo, size_t *hi)
{
	double w, l, h;

	if (n == 0 || !lo || !hi)
		return -EINVAL;
	w = 1.96 * sqrt((double)n);
	l = floor(((double)n - w) / 2.0);
	h = ceil(1.0 + ((double)n + w) / 2.0);
	*lo = l < 1.0 ? 1 : (size_t)l;
	*hi = h > (double)n ? n : (size_t)h;
	if (n < 6) {
		*lo = 1;
		*hi = n;
	}
	return 0;
}

double bb_median_ci_level(size_t n)
{
	size_t lo, hi;
	double sum = 0, pmf;

	if (bb_median_ci_ranks(n, &lo, &hi))
		return 0;
	/*
	 * P(X_(lo) <= m < X_(hi)) = P(lo <= B <= hi - 1), B ~ Binomial(n, 1/2)
	 * the samples below the median; C(n, k) / 2^n from k = 0 on, exact
	 * for small n (2^-n stays a normal double up to n = 1022; beyond, the
	 * normal approximation's 0.95 of the ranks' formula)
	 */
	if (n > 1022)
		return BB_CI_LEVEL;
	pmf = ldexp(1.0, -(int)n);
	for (size_t k = 0; k < hi; k++) {
		if (k >= lo)
			sum += pmf;
		pmf = pmf * (double)(n - k) / (double)(k + 1);
	}
	return sum > 1 ? 1 : sum;
}

int bb_summarize(double *samples, size_t n, struct bb_summary *out)
{
	double sum = 0.0, ss = 0.0, mean;
	size_t i, lo, hi;

	if (!samples || !out || n == 0)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isfinite(samples[i]))
			return -EINVAL;
	qsort(samples, n, sizeof(*samples), cmp_double);

	for (i = 0; i < n; i++)
		sum += samples[i];
	mean = sum / (double)n;
	/* Two passes: the squares of deviations, not of values, keep precision. */
	for (i = 0; i < n; i++)
		ss += (samples[i] - mean) * (samples[i] - mean);

	bb_median_ci_ranks(n, &lo, &hi);
	out->n = n;
	out->min = samples[0];
	out->max = samples[n - 1];
	out->p50 = bb_percentile(samples, n, 50.0);
	out->p90 = bb_percentile(samples, n, 90.0);
	out->p99 = bb_percentile(samples, n, 99.0);
	out->p999 = bb_percentile(samples, n, 99.9);
	out->mean = mean;
	out->stdev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	out->ci95_lo = samples[lo - 1];
	out->ci95_hi = samples[hi - 1];
	return 0;
}

const char *bb_format_ns_bare(char *buf, size_t len, double ns, double res_ns)
{
	if (!isfinite(ns) || !isfinite(res_ns)) {
		snprintf(buf, len, "n/a");
	} else if (ns < res_ns) {
		/* the bound rounded up at the digits shown: "< R" stays true */
		int digits = res_ns < 10 ? 2 : 1;
		double scale = digits == 2 ? 100.0 : 10.0;

		snprintf(buf, len, "< %.*f", digits, ceil(res_ns * scale - 1e-6) / scale);
	} else {
		snprintf(buf, len, "%.1f", ns);
	}
	return buf;
}

const char *bb_format_ns(char *buf, size_t len, double ns, double res_ns)
{
	size_t n;

	bb_format_ns_bare(buf, len, ns, res_ns);
	n = strlen(buf);
	if (strcmp(buf, "n/a") && n < len)
		snprintf(buf + n, len - n, " ns");
	return buf;
}

const char *bb_format_ratio(char *buf, size_t len, double slow_ns, double fast_ns, double res_ns)
{
	if (!isfinite(slow_ns) || !isfinite(fast_ns) || !isfinite(res_ns) || slow_ns <= 0)
		snprintf(buf, len, "n/a");
	else if (fast_ns < res_ns || fast_ns <= 0)
		snprintf(buf, len, "> %.0fx", res_ns > 0 ? floor(slow_ns / res_ns) : 1.0);
	else
		snprintf(buf, len, "%.1fx", slow_ns / fast_ns);
	return buf;
}

/*
 * The exact null distribution of the Mann-Whitney U for sizes @m and @n: the
 * number of orderings of the pooled sample giving each U = 0 .. m n, from
 * c(i, j, u) = c(i - 1, j, u - j) + c(i, j - 1, u) (the largest value of the
 * pooled sample is a y, adding nothing to U, or an x, above all j y's).
 * Row i of the table holds c(i, j, .) while j grows.  NULL: no memory.
 */
static double *mwu_counts(size_t m, size_t n)
{
	size_t w = m * n + 1;
	double *t = calloc((m + 1) * w, sizeof(*t)), *out;

	if (!t)
		return NULL;
	for (size_t i = 0; i <= m; i++)
		t[i * w] = 1.0;		/* c(i, 0, u) = [u == 0] */
	for (size_t j = 1; j <= n; j++)
		for (size_t i = 1; i <= m; i++) {
			double *row = t + i * w;
			const double *prev = t + (i - 1) * w;	/* c(i - 1, j, .), already for this j */

			for (size_t u = j; u <= i * j; u++)
				row[u] += prev[u - j];
		}
	out = malloc(w * sizeof(*out));
	if (out)
		memcpy(out, t + m * w, w * sizeof(*out));
	free(t);
	return out;
}

struct tagged {
	double v;
	int of_x;
};

static int cmp_tagged(const void *a, const void *b)
{
	return cmp_double(&((const struct tagged *)a)->v, &((const struct tagged *)b)->v);
}

int bb_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, struct bb_mwu *out)
{
	size_t n = nx + ny;
	struct tagged *p;
	double rx = 0.0, ties = 0.0;
	bool tied = false;

	if (!x || !y || !out || !nx || !ny || nx > SIZE_MAX / 2 || ny > SIZE_MAX / 2)
		return -EINVAL;
	for (size_t i = 0; i < nx; i++)
		if (!isfinite(x[i]))
			return -EINVAL;
	for (size_t j = 0; j < ny; j++)
		if (!isfinite(y[j]))
			return -EINVAL;
	p = malloc(n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < nx; i++)
		p[i] = (struct tagged){ x[i], 1 };
	for (size_t j = 0; j < ny; j++)
		p[nx + j] = (struct tagged){ y[j], 0 };
	qsort(p, n, sizeof(*p), cmp_tagged);
	/* mid-ranks: a group of t equal values at 1-based ranks k+1 .. k+t all get k + (t + 1) / 2 */
	for (size_t k = 0; k < n;) {
		size_t e = k + 1, inx = 0;
		double t, rank;

		while (e < n && p[e].v == p[k].v)
			e++;
		t = (double)(e - k);
		rank = (double)k + (t + 1.0) / 2.0;
		for (size_t i = k; i < e; i++)
			inx += (size_t)p[i].of_x;
		rx += rank * (double)inx;
		if (e - k > 1) {
			tied = true;
			ties += t * t * t - t;
		}
		k = e;
	}
	free(p);
	out->u = rx - (double)nx * ((double)nx + 1.0) / 2.0;
	if (!tied && nx <= BB_MWU_EXACT_MAX && ny <= BB_MWU_EXACT_MAX) {
		double *c = mwu_counts(nx, ny), total = 0.0, below = 0.0, above = 0.0;
		size_t u = (size_t)out->u;

		if (!c)
			return -ENOMEM;
		for (size_t k = 0; k <= nx * ny; k++) {
			total += c[k];
			if (k <= u)
				below += c[k];
			if (k >= u)
				above += c[k];
		}
		free(c);
		out->p = 2.0 * (below < above ? below : above) / total;
		out->exact = 1;
	} else {
		double m = (double)nx, k = (double)ny, nn = (double)n;
		double var = m * k / 12.0 * ((nn + 1.0) - ties / (nn * (nn - 1.0)));
		double z = fabs(out->u - m * k / 2.0) - 0.5;

		if (var <= 0.0)
			out->p = 1.0;	/* every value tied: nothing to tell apart */
		else
			out->p = erfc((z > 0.0 ? z : 0.0) / sqrt(var) / sqrt(2.0));
		out->exact = 0;
	}
	if (out->p > 1.0)
		out->p = 1.0;
	return 0;
}

double bb_mwu_min_p(size_t m, size_t n)
{
	double c = 1.0;

	/* C(m + n, m) = prod_{i=1..m} (n + i) / i, exact in doubles while it is small */
	for (size_t i = 1; i <= m && c < 1e6; i++)
		c = c * (double)(n + i) / (double)i;
	return c <= 2.0 ? 1.0 : 2.0 / c;
}

int bb_ratio_interval(const double *a, size_t na, const double *b, size_t nb, double *lo, double *hi,
		      double *level)
{
	size_t mn, k = 0;
	double *r;

	if (!a || !b || !lo || !hi || !level || !na || !nb)
		return -EINVAL;
	for (size_t i = 0; i < na; i++)
		if (!isfinite(a[i]) || a[i] <= 0.0)
			return -EINVAL;
	for (size_t j = 0; j < nb; j++)
		if (!isfinite(b[j]) || b[j] <= 0.0)
			return -EINVAL;
	if (na > BB_RATIO_PAIRS_MAX / nb)
		return -E2BIG;
	mn = na * nb;
	r = malloc(mn * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			r[i * nb + j] = b[j] / a[i];
	qsort(r, mn, sizeof(*r), cmp_double);
	if (na <= BB_MWU_EXACT_MAX && nb <= BB_MWU_EXACT_MAX) {
		double *c = mwu_counts(na, nb), total = 0.0, cum = 0.0;

		if (!c) {
			free(r);
			return -ENOMEM;
		}
		for (size_t u = 0; u <= mn; u++)
			total += c[u];
		/* the largest k with P(U <= k - 1) <= 0.025 */
		while (k < mn && cum + c[k] <= 0.025 * total)
			cum += c[k++];
		if (!k)
			cum = c[k++];	/* too few for 95%: the range, at the confidence it has */
		*level = 1.0 - 2.0 * cum / total;
		free(c);
	} else {
		double m = (double)mn, kk = floor(m / 2.0 - 1.959963984540054 * sqrt(m * (double)(na + nb + 1) / 12.0));

		k = kk < 1.0 ? 1 : (size_t)kk;
		*level = 0.95;	/* normal approximation of the same rank */
	}
	*lo = r[k - 1];
	*hi = r[mn - k];
	free(r);
	return 0;
}

double bb_tmean(const double *sorted, size_t n)
{
	double p99, sum = 0;
	size_t k = 0;

	if (!n)
		return 0;
	p99 = bb_percentile(sorted, n, 99.0);
	for (size_t i = 0; i < n && sorted[i] <= p99; i++, k++)
		sum += sorted[i];
	return k ? sum / (double)k : 0;
}
