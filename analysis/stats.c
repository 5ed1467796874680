// SPDX-License-Identifier: MIT
/* Summary statistics; definitions in include/barbench/stats.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "barbench/stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
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

const char *bb_format_ns(char *buf, size_t len, double ns, double res_ns)
{
	if (!isfinite(ns) || !isfinite(res_ns))
		snprintf(buf, len, "n/a");
	else if (ns < res_ns)
		snprintf(buf, len, "< %.*f ns", res_ns < 1 ? 2 : 1, res_ns);
	else
		snprintf(buf, len, "%.1f ns", ns);
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
