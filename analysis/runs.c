// SPDX-License-Identifier: MIT
/* A results folder's runs.csv read (the parser: core/runs_csv.c), and its rows grouped into configurations. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "parse.h"
#include "barbench/stats.h"

int bb_recs_read(const char *path, struct bb_recs *out, struct bb_diag *d)
{
	size_t left = BB_RESULTS_MAX_FILE;

	return bb_recs_read_within(path, &left, out, d);
}

int bb_recs_read_within(const char *path, size_t *left, struct bb_recs *out, struct bb_diag *d)
{
	char *buf;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	err = bb_results_read(path, *left, &buf, &len, d);
	if (err == -EFBIG && *left < BB_RESULTS_MAX_FILE)
		return bb_diag_set(d, -EFBIG, "%s: the runs.csv of the folders before it leave %zu of the %u bytes "
				   "one command reads (memory: each row takes about six times its bytes); give fewer "
				   "or smaller folders", path, *left, BB_RESULTS_MAX_FILE);
	if (err)
		return err;
	*left -= len;
	err = bb_recs_parse(buf, len, path, out, d);
	free(buf);
	return err;
}

void bb_config_key(const struct bb_rec *r, char *key, size_t len)
{
	/* the folders of a merged report (hosts) are a dimension: rows of two hosts are never repetitions of one */
	if (r->folder) {
		int n = snprintf(key, len, "#%u|", r->folder);

		if (n > 0 && (size_t)n < len) {
			key += n;
			len -= (size_t)n;
		}
	}
	snprintf(key, len, "%s|%" PRIu32 "|%s|%s|%" PRIu64 "|%s|%s", r->device, r->region, r->policy, r->params,
		 r->page_size, r->runner, r->workload);
}

void bb_configs_free(struct bb_configs *c)
{
	if (!c)
		return;
	free(c->v);
	free(c->of_rec);
	free(c->rep_start);
	free(c->rep_rec);
	free(c->rep_p50);
	memset(c, 0, sizeof(*c));
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The doubles of a configuration that are the median over its repetitions of the same field of each. */
static const struct {
	size_t rec, cfg;	/* offsetof in struct bb_rec, struct bb_config */
} rep_medians[] = {
#define M(f) { offsetof(struct bb_rec, f), offsetof(struct bb_config, f) }
	M(p99_ns), M(p999_ns), M(trapped_share), M(setup_ns), M(ops_s), M(tmean_ns), M(predicted_ns),
#undef M
};

/* Into @tmp, sorted, the double at byte @off of each repetition of configuration @k of @c; their count. */
static size_t gather_sorted(const struct bb_recs *recs, const struct bb_configs *c, size_t k, size_t off, double *tmp)
{
	size_t n = 0;

	for (size_t r = c->rep_start[k]; r < c->rep_start[k + 1]; r++)
		tmp[n++] = *(const double *)((const char *)&recs->v[c->rep_rec[r]] + off);
	qsort(tmp, n, sizeof(*tmp), cmp_d);
	return n;
}

int bb_configs_build(const struct bb_recs *recs, struct bb_configs *out, struct bb_diag *d)
{
	double *tmp;

	memset(out, 0, sizeof(*out));
	if (!recs->n)
		return 0;
	out->v = calloc(recs->n, sizeof(*out->v));
	out->of_rec = calloc(recs->n, sizeof(*out->of_rec));
	tmp = calloc(recs->n, sizeof(*tmp));
	if (!out->v || !out->of_rec || !tmp) {
		free(tmp);
		bb_configs_free(out);
		return bb_diag_set(d, -ENOMEM, "out of memory");
	}
	/* group, keeping the order configurations first appear in */
	for (size_t i = 0; i < recs->n; i++) {
		char key[1024];
		size_t k;

		bb_config_key(&recs->v[i], key, sizeof(key));
		for (k = 0; k < out->n; k++)
			if (!strcmp(out->v[k].key, key))
				break;
		if (k == out->n) {
			bb_strcpy(out->v[k].key, sizeof(out->v[k].key), key);
			out->v[k].first = &recs->v[i];
			out->n++;
		}
		out->v[k].nreps++;
		out->of_rec[i] = k;
	}
	/* each configuration's repetitions side by side, once (a counting sort by configuration) */
	out->rep_start = calloc(out->n + 1, sizeof(*out->rep_start));
	out->rep_rec = calloc(recs->n, sizeof(*out->rep_rec));
	out->rep_p50 = calloc(recs->n, sizeof(*out->rep_p50));
	if (!out->rep_start || !out->rep_rec || !out->rep_p50) {
		free(tmp);
		bb_configs_free(out);
		return bb_diag_set(d, -ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < out->n; k++)
		out->rep_start[k + 1] = out->rep_start[k] + out->v[k].nreps;
	/* filled from the end, records taken last to first: each configuration keeps record order */
	for (size_t i = recs->n; i-- > 0;) {
		size_t k = out->of_rec[i];

		out->rep_rec[out->rep_start[k] + --out->v[k].nreps] = i;
	}
	for (size_t k = 0; k < out->n; k++)
		out->v[k].nreps = out->rep_start[k + 1] - out->rep_start[k];
	for (size_t i = 0; i < recs->n; i++)
		out->rep_p50[i] = recs->v[out->rep_rec[i]].p50_ns;
	for (size_t k = 0; k < out->n; k++) {
		struct bb_config *c = &out->v[k];
		size_t n, lo, hi;

		n = gather_sorted(recs, out, k, offsetof(struct bb_rec, p50_ns), tmp);
		bb_median_ci_ranks(n, &lo, &hi);
		c->p50_ns = bb_percentile(tmp, n, 50.0);
		c->ci_lo_ns = tmp[lo - 1];
		c->ci_hi_ns = tmp[hi - 1];
		c->ci_level = bb_median_ci_level(n);
		for (size_t m = 0; m < sizeof(rep_medians) / sizeof(rep_medians[0]); m++) {
			n = gather_sorted(recs, out, k, rep_medians[m].rec, tmp);
			*(double *)((char *)c + rep_medians[m].cfg) = bb_percentile(tmp, n, 50.0);
		}
		c->memslots = c->first->memslots;
		c->mappings = c->first->mappings;
		for (size_t i = 0; i < recs->n; i++)
			if (out->of_rec[i] == k && recs->v[i].resolution_ns > c->resolution_ns)
				c->resolution_ns = recs->v[i].resolution_ns;
		/* no error of the model against a mean below the resolution: that mean is no measurement */
		c->model_error = c->predicted_ns >= 0 && c->tmean_ns > 0 && c->tmean_ns >= c->resolution_ns ?
				 (c->tmean_ns - c->predicted_ns) / c->tmean_ns : NAN;
	}
	/* speed-up over trap: same device, region, page, runner, workload */
	for (size_t k = 0; k < out->n; k++) {
		struct bb_config *c = &out->v[k];

		for (size_t j = 0; j < out->n; j++) {
			const struct bb_rec *a = c->first, *t = out->v[j].first;

			if (strcmp(t->policy, "trap") || a->folder != t->folder || strcmp(a->device, t->device) || a->region != t->region ||
			    a->page_size != t->page_size || strcmp(a->runner, t->runner) ||
			    strcmp(a->workload, t->workload))
				continue;
			/*
			 * A median below its resolution (or, in a folder that does not record
			 * it, below 0.1 ns) counts as the resolution: the speed-up is then a bound.
			 */
			{
				double floor_ns = c->resolution_ns > 0 ? c->resolution_ns : 0.1;

				c->speedup_is_bound = c->p50_ns < floor_ns;
				c->speedup_vs_trap = out->v[j].p50_ns / (c->speedup_is_bound ? floor_ns : c->p50_ns);
			}
			break;
		}
	}
	free(tmp);
	return 0;
}
