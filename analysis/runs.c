// SPDX-License-Identifier: MIT
/* Reading runs.csv back, and grouping its rows into configurations. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/analysis.h"
#include "barbench/parse.h"
#include "barbench/stats.h"

#define MAX_FIELDS 64

/* Split one CSV line (RFC 4180 quoting) in place; returns the field count or -1. */
static int split_csv(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *w;

	for (;;) {
		if (n == max)
			return -1;
		if (*p == '"') {
			f[n++] = w = ++p;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			*w = '\0';
			if (*p != ',' && *p)
				return -1;
		} else {
			f[n++] = p;
			p += strcspn(p, ",");
		}
		if (!*p)
			return n;
		*p++ = '\0';
	}
}

void bb_recs_free(struct bb_recs *r)
{
	if (!r)
		return;
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int col(char **names, int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], want))
			return i;
	return -1;
}

int bb_recs_read(const char *path, struct bb_recs *out, struct bb_diag *d)
{
	static const char *const need[] = {
		"id", "device", "region", "policy", "params", "page_size", "runner", "workload", "op", "width",
		"samples", "min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "mean_ns", "stdev_ns",
		"ci95_lo_ns", "ci95_hi_ns", "ops_s", "bytes_s", "mappings", "memslots", "trapped_share", "setup_ns",
		"guest_exec",
	};
	enum { NNEED = sizeof(need) / sizeof(need[0]) };
	int idx[NNEED];
	char line[4096], hdr[4096], *names[MAX_FIELDS];
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	unsigned lineno = 1;
	int nh;

	memset(out, 0, sizeof(*out));
	if (!f)
		return bb_diag_set(d, -ENOENT, "%s: %s", path, strerror(errno));
	if (!fgets(hdr, sizeof(hdr), f)) {
		fclose(f);
		return bb_diag_set(d, -EINVAL, "%s:1: empty file, no header", path);
	}
	hdr[strcspn(hdr, "\r\n")] = '\0';
	nh = split_csv(hdr, names, MAX_FIELDS);
	for (int i = 0; i < NNEED; i++) {
		idx[i] = nh < 0 ? -1 : col(names, nh, need[i]);
		if (idx[i] < 0) {
			fclose(f);
			return bb_diag_set(d, -EINVAL, "%s:1: no column '%s'", path, need[i]);
		}
	}
	/* optional columns (older folders lack them) */
	int c_tmean = nh < 0 ? -1 : col(names, nh, "tmean_ns"), c_pred = nh < 0 ? -1 : col(names, nh, "predicted_ns");

	while (fgets(line, sizeof(line), f)) {
		char copy[4096], *fl[MAX_FIELDS];
		struct bb_rec *r;
		int nf;

		lineno++;
		if (!strchr(line, '\n')) {
			/* a row cut short (kill -9 mid-write never happens: files are renamed into place) */
			fclose(f);
			bb_recs_free(out);
			return bb_diag_set(d, -EINVAL, "%s:%u: incomplete or overlong line", path, lineno);
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		strcpy(copy, line);
		nf = split_csv(copy, fl, MAX_FIELDS);
		if (nf != nh) {
			fclose(f);
			bb_recs_free(out);
			return bb_diag_set(d, -EINVAL, "%s:%u: %d fields, the header has %d", path, lineno, nf, nh);
		}
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct bb_rec *nv = realloc(out->v, nc * sizeof(*nv));

			if (!nv) {
				fclose(f);
				bb_recs_free(out);
				return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
			}
			out->v = nv;
			cap = nc;
		}
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		bb_strcpy(r->line, sizeof(r->line), line);
#define S(field, i) bb_strcpy(r->field, sizeof(r->field), fl[idx[i]])
#define D(field, i) (r->field = strtod(fl[idx[i]], NULL))
		S(id, 0);
		S(device, 1);
		r->region = (uint32_t)strtoul(fl[idx[2]], NULL, 0);
		S(policy, 3);
		S(params, 4);
		r->page_size = strtoull(fl[idx[5]], NULL, 0);
		S(runner, 6);
		S(workload, 7);
		S(op, 8);
		r->width = (unsigned)strtoul(fl[idx[9]], NULL, 0);
		r->samples = strtoull(fl[idx[10]], NULL, 0);
		D(min_ns, 11); D(p50_ns, 12); D(p90_ns, 13); D(p99_ns, 14); D(p999_ns, 15); D(max_ns, 16);
		D(mean_ns, 17); D(stdev_ns, 18); D(ci95_lo_ns, 19); D(ci95_hi_ns, 20); D(ops_s, 21); D(bytes_s, 22);
		r->mappings = (uint32_t)strtoul(fl[idx[23]], NULL, 0);
		r->memslots = (uint32_t)strtoul(fl[idx[24]], NULL, 0);
		D(trapped_share, 25);
		D(setup_ns, 26);
		S(guest_exec, 27);
		r->tmean_ns = c_tmean >= 0 ? strtod(fl[c_tmean], NULL) : r->mean_ns;
		r->predicted_ns = c_pred >= 0 && fl[c_pred][0] ? strtod(fl[c_pred], NULL) : -1;
#undef S
#undef D
	}
	fclose(f);
	return 0;
}

void bb_config_key(const struct bb_rec *r, char *key, size_t len)
{
	snprintf(key, len, "%s|%" PRIu32 "|%s|%s|%" PRIu64 "|%s|%s", r->device, r->region, r->policy, r->params,
		 r->page_size, r->runner, r->workload);
}

void bb_configs_free(struct bb_configs *c)
{
	if (!c)
		return;
	free(c->v);
	free(c->of_rec);
	c->v = NULL;
	c->of_rec = NULL;
	c->n = 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return bb_percentile(v, n, 50.0);
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
	for (size_t k = 0; k < out->n; k++) {
		struct bb_config *c = &out->v[k];
		size_t n = 0, lo, hi;

#define GATHER(field) do {                                                       \
			n = 0;                                                   \
			for (size_t i = 0; i < recs->n; i++)                     \
				if (out->of_rec[i] == k)                         \
					tmp[n++] = recs->v[i].field;             \
		} while (0)
		GATHER(p50_ns);
		qsort(tmp, n, sizeof(*tmp), cmp_d);
		bb_median_ci_ranks(n, &lo, &hi);
		c->p50_ns = bb_percentile(tmp, n, 50.0);
		c->ci_lo_ns = tmp[lo - 1];
		c->ci_hi_ns = tmp[hi - 1];
		GATHER(p99_ns);
		c->p99_ns = median_of(tmp, n);
		GATHER(p999_ns);
		c->p999_ns = median_of(tmp, n);
		GATHER(trapped_share);
		c->trapped_share = median_of(tmp, n);
		GATHER(setup_ns);
		c->setup_ns = median_of(tmp, n);
		GATHER(ops_s);
		c->ops_s = median_of(tmp, n);
		GATHER(tmean_ns);
		c->tmean_ns = median_of(tmp, n);
		GATHER(predicted_ns);
		c->predicted_ns = median_of(tmp, n);
		c->model_error = c->predicted_ns >= 0 && c->tmean_ns > 0 ? (c->tmean_ns - c->predicted_ns) / c->tmean_ns : NAN;
#undef GATHER
		c->memslots = c->first->memslots;
		c->mappings = c->first->mappings;
	}
	/* speed-up over trap: same device, region, page, runner, workload */
	for (size_t k = 0; k < out->n; k++) {
		struct bb_config *c = &out->v[k];

		for (size_t j = 0; j < out->n; j++) {
			const struct bb_rec *a = c->first, *t = out->v[j].first;

			if (strcmp(t->policy, "trap") || strcmp(a->device, t->device) || a->region != t->region ||
			    a->page_size != t->page_size || strcmp(a->runner, t->runner) ||
			    strcmp(a->workload, t->workload))
				continue;
			/* a median below the timer's resolution counts as 0.1 ns: the speed-up is then a lower bound */
			c->speedup_vs_trap = out->v[j].p50_ns / (c->p50_ns > 0.1 ? c->p50_ns : 0.1);
			break;
		}
	}
	free(tmp);
	return 0;
}
