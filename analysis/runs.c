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
	free(c->by_key);
	memset(c, 0, sizeof(*c));
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
	bb_sort_doubles(tmp, n);
	return n;
}

static void merge_sort(size_t *v, size_t *tmp, size_t n, bb_idx_cmp cmp, const void *ctx, uint64_t *count)
{
	size_t h = n / 2, i = 0, j = h, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, h, cmp, ctx, count);
	merge_sort(v + h, tmp, n - h, cmp, ctx, count);
	while (i < h && j < n) {
		++*count;
		tmp[k++] = cmp(ctx, v[j], v[i]) < 0 ? v[j++] : v[i++];
	}
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

int bb_sort_indices(size_t *v, size_t n, bb_idx_cmp cmp, const void *ctx, uint64_t *count)
{
	size_t *tmp = calloc(n ? n : 1, sizeof(*tmp));
	uint64_t ignored = 0;

	if (!tmp)
		return -ENOMEM;
	merge_sort(v, tmp, n, cmp, ctx, count ? count : &ignored);
	free(tmp);
	return 0;
}

static int cmp_key_idx(const void *ctx, size_t a, size_t b)
{
	const char *const *keys = ctx;

	return strcmp(keys[a], keys[b]);
}

/*
 * Group the records by key, in the order configurations first appear:
 * out->v[k].key/first/nreps, out->of_rec, out->by_key.  The keys sorted once
 * (n log n comparisons), never each record against every configuration.
 */
static int group_records(const struct bb_recs *recs, struct bb_configs *out, struct bb_diag *d)
{
	char **keys = calloc(recs->n, sizeof(*keys));
	size_t *idx = calloc(recs->n, sizeof(*idx));
	size_t *head = calloc(recs->n, sizeof(*head));	/* each record's group's earliest record */
	int err = 0;

	out->by_key = calloc(recs->n, sizeof(*out->by_key));
	if (!keys || !idx || !head || !out->by_key) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < recs->n && !err; i++) {
		char key[sizeof(out->v[0].key)];

		bb_config_key(&recs->v[i], key, sizeof(key));
		keys[i] = strdup(key);
		err = keys[i] ? 0 : -ENOMEM;
		idx[i] = i;
	}
	if (err)
		goto out;
	err = bb_sort_indices(idx, recs->n, cmp_key_idx, keys, &out->compared);
	if (err)
		goto out;
	for (size_t s = 0; s < recs->n; s++) {
		bool first = !s;

		if (s) {
			out->compared++;
			first = strcmp(keys[idx[s]], keys[idx[s - 1]]) != 0;
		}
		head[idx[s]] = first ? idx[s] : head[idx[s - 1]];
	}
	/* numbered by first appearance: a group's earliest record comes before its others */
	for (size_t i = 0; i < recs->n; i++) {
		size_t k = i == head[i] ? out->n++ : out->of_rec[head[i]];

		if (i == head[i]) {
			bb_strcpy(out->v[k].key, sizeof(out->v[k].key), keys[i]);
			out->v[k].first = &recs->v[i];
		}
		out->v[k].nreps++;
		out->of_rec[i] = k;
	}
	for (size_t s = 0, m = 0; s < recs->n; s++)
		if (head[idx[s]] == idx[s])
			out->by_key[m++] = out->of_rec[idx[s]];
out:
	for (size_t i = 0; keys && i < recs->n; i++)
		free(keys[i]);
	free(keys);
	free(idx);
	free(head);
	return err ? bb_diag_set(d, err, "out of memory") : 0;
}

size_t bb_configs_find(const struct bb_configs *c, const char *key, uint64_t *compared)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->v[c->by_key[mid]].key, key);

		if (compared)
			++*compared;
		if (!r)
			return c->by_key[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return c->n;
}

/* What a configuration and the trap run it is measured against share: all of the key but policy and params. */
static int cmp_trap_peer(const struct bb_rec *a, const struct bb_rec *t)
{
	int r;

	if (a->folder != t->folder)
		return a->folder < t->folder ? -1 : 1;
	if ((r = strcmp(a->device, t->device)))
		return r;
	if (a->region != t->region)
		return a->region < t->region ? -1 : 1;
	if (a->page_size != t->page_size)
		return a->page_size < t->page_size ? -1 : 1;
	if ((r = strcmp(a->runner, t->runner)))
		return r;
	return strcmp(a->workload, t->workload);
}

static int cmp_trap_idx(const void *ctx, size_t a, size_t b)
{
	const struct bb_configs *c = ctx;

	return cmp_trap_peer(c->v[a].first, c->v[b].first);
}

/*
 * Speed-up over trap: the first trap configuration (in configuration order)
 * of the same folder, device, region, page, runner and workload, found in
 * the trap configurations sorted once by those (n log n comparisons).
 */
static int speedups(struct bb_configs *out, struct bb_diag *d)
{
	size_t *trap = calloc(out->n, sizeof(*trap)), nt = 0;

	if (!trap)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	for (size_t k = 0; k < out->n; k++)
		if (!strcmp(out->v[k].first->policy, "trap"))
			trap[nt++] = k;
	if (bb_sort_indices(trap, nt, cmp_trap_idx, out, &out->compared)) {
		free(trap);
		return bb_diag_set(d, -ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < out->n; k++) {
		struct bb_config *c = &out->v[k];
		size_t lo = 0, hi = nt;
		double floor_ns;

		/* the lowest position whose trap run is not below c: equal ones keep configuration order */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			++out->compared;
			if (cmp_trap_peer(out->v[trap[mid]].first, c->first) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == nt)
			continue;
		out->compared++;
		if (cmp_trap_peer(out->v[trap[lo]].first, c->first))
			continue;
		/*
		 * A median below its resolution (or, in a folder that does not record
		 * it, below 0.1 ns) counts as the resolution: the speed-up is then a bound.
		 */
		floor_ns = c->resolution_ns > 0 ? c->resolution_ns : 0.1;
		c->speedup_is_bound = c->p50_ns < floor_ns;
		c->speedup_vs_trap = out->v[trap[lo]].p50_ns / (c->speedup_is_bound ? floor_ns : c->p50_ns);
	}
	free(trap);
	return 0;
}

int bb_configs_build(const struct bb_recs *recs, struct bb_configs *out, struct bb_diag *d)
{
	double *tmp;
	int err;

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
	err = group_records(recs, out, d);
	if (err) {
		free(tmp);
		bb_configs_free(out);
		return err;
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
		for (size_t r = out->rep_start[k]; r < out->rep_start[k + 1]; r++)
			if (recs->v[out->rep_rec[r]].resolution_ns > c->resolution_ns)
				c->resolution_ns = recs->v[out->rep_rec[r]].resolution_ns;
		/* no error of the model against a mean below the resolution: that mean is no measurement */
		c->model_error = c->predicted_ns >= 0 && c->tmean_ns > 0 && c->tmean_ns >= c->resolution_ns ?
				 (c->tmean_ns - c->predicted_ns) / c->tmean_ns : NAN;
	}
	free(tmp);
	err = speedups(out, d);
	if (err)
		bb_configs_free(out);
	return err;
}
