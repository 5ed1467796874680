// SPDX-License-Identifier: MIT
/*
 * What report and compare do grows as n log n in a results folder's rows,
 * never as n^2: a hostile runs.csv of 40,000 configurations took 28 s to
 * report and plans.csv of 40,000 page-map groups 11 s, nearly all of it in
 * strcmp.  No clock here: the comparisons are counted (bb_configs.compared,
 * bb_configs_find, bb_rep_plan_groups) and bounded by a small multiple of
 * n log2 n, where the former loops made about n^2 / 2; the results are
 * checked against the obvious quadratic definition on random input.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "advise.h"
#include "analysis.h"
#include "report.h"
#include "parse.h"
#include "samples.h"
#include "xorshift.h"
#include "check.h"

static void rec_fill(struct bb_rec *r, unsigned i, uint32_t region, const char *policy, double p50)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "q%u", i);
	snprintf(r->device, sizeof(r->device), "emu:layouts/aws-ena");
	r->region = region;
	snprintf(r->policy, sizeof(r->policy), "%s", policy);
	r->page_size = 4096;
	snprintf(r->runner, sizeof(r->runner), "host");
	snprintf(r->workload, sizeof(r->workload), "lat-read");
	snprintf(r->op, sizeof(r->op), "read");
	r->width = 4;
	r->p50_ns = p50;
	r->predicted_ns = -1;
	r->resolution_ns = 0.5;
}

/* n log2 n, the bound's unit */
static double nlogn(size_t n)
{
	return (double)n * log2((double)(n > 1 ? n : 2));
}

/* 20,000 configurations, one row each (the audit's hostile runs.csv): half trap, half sparse of the same region. */
static void test_configs_scale(void)
{
	const size_t n = 20000;
	struct bb_recs recs = { n, calloc(n, sizeof(struct bb_rec)), 0, "" };
	struct bb_configs c;
	struct bb_diag d = { "" };
	uint64_t worst = 0, found = 0;

	if (!recs.v) {
		CHECK(recs.v);
		return;
	}
	for (size_t i = 0; i < n; i++)
		rec_fill(&recs.v[i], (unsigned)i, (uint32_t)(i / 2), i % 2 ? "sparse" : "trap", i % 2 ? 10.0 : 1000.0);
	CHECK_EQ(bb_configs_build(&recs, &c, &d), 0);
	CHECK_EQ(c.n, n);
	/* the loops before: n^2 / 2 key comparisons grouping, n^2 more for the speed-ups (4e8 here) */
	printf("configs: %zu records, %" PRIu64 " comparisons (n log2 n = %.0f, n^2 / 2 = %.0f)\n", n, c.compared,
	       nlogn(n), (double)n * (double)n / 2);
	CHECK(c.compared > 0);
	CHECK((double)c.compared <= 4 * nlogn(n));
	for (size_t k = 0; k < c.n; k++) {
		uint64_t cmps = 0;

		CHECK_EQ(bb_configs_find(&c, c.v[k].key, &cmps), k);
		worst = cmps > worst ? cmps : worst;
		found += cmps;
	}
	CHECK(worst <= (uint64_t)ceil(log2((double)n)) + 1);
	{
		uint64_t cmps = 0;

		CHECK_EQ(bb_configs_find(&c, "no such configuration", &cmps), c.n);
		CHECK(cmps <= (uint64_t)ceil(log2((double)n)) + 1);
	}
	printf("configs: %zu lookups, %" PRIu64 " comparisons, at most %" PRIu64 " each\n", c.n, found, worst);
	for (size_t k = 1; k < c.n; k += 2)
		CHECK(c.v[k].speedup_vs_trap == 100.0);
	bb_configs_free(&c);
	free(recs.v);
}

/*
 * Random records, with repeats, several trap configurations per peer and
 * two folders: grouping, order of first appearance and speed-ups are those
 * the quadratic definition gives.
 */
static void test_configs_same_as_quadratic(void)
{
	static const char *const pols[] = { "trap", "sparse", "full", "trap" };
	static const char *const wls[] = { "lat-read", "doorbell" };
	const size_t n = 600;
	struct bb_recs recs = { n, calloc(n, sizeof(struct bb_rec)), 0, "" };
	struct bb_configs c;
	struct bb_diag d = { "" };
	uint64_t s = 0x5eed;
	size_t *want = calloc(n, sizeof(*want)), nk = 0;
	char (*keys)[1024] = calloc(n, sizeof(*keys));

	if (!recs.v || !want || !keys) {
		CHECK(0);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t x = bb_xorshift64s(&s);
		struct bb_rec *r = &recs.v[i];

		rec_fill(r, (unsigned)i, (uint32_t)(x % 5), pols[(x >> 8) % 4], 1 + (double)((x >> 16) % 1000));
		snprintf(r->workload, sizeof(r->workload), "%s", wls[(x >> 30) % 2]);
		if ((x >> 32) % 3 == 0)
			snprintf(r->params, sizeof(r->params), "max=%u", (unsigned)((x >> 40) % 2));
		r->folder = (unsigned)((x >> 50) % 2);
		r->page_size = (x >> 52) % 2 ? 4096 : 65536;
	}
	/* the definition: first appearance numbers the configurations */
	for (size_t i = 0; i < n; i++) {
		char key[1024];
		size_t k;

		bb_config_key(&recs.v[i], key, sizeof(key));
		for (k = 0; k < nk && strcmp(keys[k], key); k++)
			;
		if (k == nk)
			memcpy(keys[nk++], key, sizeof(key));
		want[i] = k;
	}
	CHECK_EQ(bb_configs_build(&recs, &c, &d), 0);
	CHECK_EQ(c.n, nk);
	for (size_t i = 0; i < n && c.n == nk; i++)
		CHECK_EQ(c.of_rec[i], want[i]);
	for (size_t k = 0; k < c.n && c.n == nk; k++) {
		const struct bb_rec *a = c.v[k].first;
		double want_s = 0;

		CHECK(!strcmp(c.v[k].key, keys[k]));
		CHECK_EQ(bb_configs_find(&c, keys[k], NULL), k);
		/* the first trap configuration of the same folder, device, region, page, runner, workload */
		for (size_t j = 0; j < c.n; j++) {
			const struct bb_rec *t = c.v[j].first;

			if (strcmp(t->policy, "trap") || a->folder != t->folder || strcmp(a->device, t->device) ||
			    a->region != t->region || a->page_size != t->page_size || strcmp(a->runner, t->runner) ||
			    strcmp(a->workload, t->workload))
				continue;
			want_s = c.v[j].p50_ns / (c.v[k].p50_ns < 0.5 ? 0.5 : c.v[k].p50_ns);
			break;
		}
		CHECK(c.v[k].speedup_vs_trap == want_s);
	}
	bb_configs_free(&c);
out:
	free(recs.v);
	free(want);
	free(keys);
}

static void plan_fill(struct plan_row *p, const char *dev, uint32_t region, uint64_t page, uint64_t off)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->device, sizeof(p->device), "%s", dev);
	snprintf(p->policy, sizeof(p->policy), "sparse");
	snprintf(p->mode, sizeof(p->mode), "map");
	p->region = region;
	p->page = page;
	p->off = off;
	p->size = 4096;
}

/* plans.csv's page-map groups: 20,000 distinct ones sorted once (the loop before compared each with all before it). */
static void test_plan_groups(void)
{
	const size_t n = 20000, m = 500;
	struct plan_row *pl = calloc(n, sizeof(*pl));
	struct plan_groups g;
	uint64_t cmps = 0, s = 0x91a4;
	size_t *want = calloc(m, sizeof(*want)), ng = 0;

	if (!pl || !want) {
		CHECK(0);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		plan_fill(&pl[i], "emu:layouts/aws-ena", (uint32_t)i, 4096, 0);
	CHECK_EQ(bb_rep_plan_groups(pl, n, &g, &cmps), 0);
	printf("plan groups: %zu rows, %" PRIu64 " comparisons (n log2 n = %.0f, n^2 / 2 = %.0f)\n", n, cmps, nlogn(n),
	       (double)n * (double)n / 2);
	CHECK_EQ(g.n, n);
	CHECK((double)cmps <= 3 * nlogn(n));
	bb_rep_plan_groups_free(&g);

	/* random rows: groups in order of first appearance, each group's rows in file order */
	for (size_t i = 0; i < m; i++) {
		uint64_t x = bb_xorshift64s(&s);

		plan_fill(&pl[i], x % 2 ? "emu:a" : "emu:b", (uint32_t)((x >> 8) % 4), (x >> 16) % 2 ? 4096 : 65536, i);
	}
	for (size_t i = 0; i < m; i++) {
		bool seen = false;

		for (size_t q = 0; q < i && !seen; q++)
			seen = !strcmp(pl[q].device, pl[i].device) && pl[q].region == pl[i].region && pl[q].page == pl[i].page;
		if (!seen)
			want[ng++] = i;
	}
	CHECK_EQ(bb_rep_plan_groups(pl, m, &g, NULL), 0);
	CHECK_EQ(g.n, ng);
	for (size_t k = 0; k < g.n && g.n == ng; k++) {
		const struct plan_row *f = &pl[want[k]];
		uint64_t last = 0;
		size_t rows = 0;

		CHECK_EQ(g.first[k], want[k]);
		for (size_t i = 0; i < m; i++)
			rows += !strcmp(pl[i].device, f->device) && pl[i].region == f->region && pl[i].page == f->page;
		CHECK_EQ(g.start[k + 1] - g.start[k], rows);
		for (size_t r = g.start[k]; r < g.start[k + 1]; r++) {
			const struct plan_row *p = &g.rows[r];

			CHECK(!strcmp(p->device, f->device) && p->region == f->region && p->page == f->page);
			CHECK(r == g.start[k] ? p->off == f->off : p->off > last);	/* file order */
			last = p->off;
		}
	}
	bb_rep_plan_groups_free(&g);
	CHECK_EQ(bb_rep_plan_groups(pl, 0, &g, NULL), 0);
	CHECK_EQ(g.n, 0);
	bb_rep_plan_groups_free(&g);
out:
	free(pl);
	free(want);
}

/* the definitions bb_heaviest_region replaced (advise's busiest region and busiest doorbells): registers^2 */
static uint32_t heaviest_quadratic(const struct bb_layout *l, bool doorbells)
{
	uint32_t rg = UINT32_MAX;
	uint64_t best = 0;

	for (uint32_t i = 0; i < l->nr_regs; i++) {
		uint64_t w = 0;

		if (doorbells && l->regs[i].kind != BB_REG_DOORBELL)
			continue;
		for (uint32_t k = 0; k < l->nr_regs; k++)
			if (l->regs[k].region == l->regs[i].region && (!doorbells || l->regs[k].kind == BB_REG_DOORBELL))
				w += doorbells ? l->regs[k].writes + 1u : (uint64_t)l->regs[k].reads + l->regs[k].writes;
		if (w > best) {
			best = w;
			rg = l->regs[i].region;
		}
	}
	return rg;
}

static bool is_doorbell(const struct bb_layout_reg *g)
{
	return g->kind == BB_REG_DOORBELL;
}

static uint64_t doorbell_w(const struct bb_layout_reg *g)
{
	return g->writes + 1u;
}

static uint64_t traffic_w(const struct bb_layout_reg *g)
{
	return (uint64_t)g->reads + g->writes;
}

/*
 * test_heaviest_region: the region advise works on is found in regions x
 * registers visits: a two-line layout of count=16384 doorbell arrays (32,768
 * registers, the most a layout may have) made advise take 13 s comparing
 * every register with every other; the answer is the quadratic one's on
 * random layouts (ties included).
 */
static void test_heaviest_region(void)
{
	static const char text[] =
		"device name=big desc=\"x\" vendor=0x1234 device=0x0a01 class=0xff0000\n"
		"region index=0 size=1M flags=read,write,mmap name=bar0\n"
		"region index=2 size=1M flags=read,write,mmap name=bar2\n"
		"reg region=0 offset=0x0 size=4 name=db kind=doorbell writes=1 count=16384 stride=4\n"
		"reg region=2 offset=0x0 size=4 name=dc kind=doorbell writes=2 count=16384 stride=4\n";
	struct bb_layout l;
	struct bb_diag d;
	unsigned long long before = bb_heaviest_visits;
	uint64_t seed = 0x510e527fade682d1ull;

	CHECK_EQ(bb_layout_parse(text, sizeof(text) - 1, "big", &l, &d), 0);
	CHECK_EQ(l.nr_regs, 32768);
	CHECK_EQ(bb_heaviest_region(&l, is_doorbell, doorbell_w), 2);
	CHECK_EQ(bb_heaviest_region(&l, NULL, traffic_w), 2);
	CHECK(bb_heaviest_visits - before <= 2ull * l.nr_regions * l.nr_regs);
	bb_layout_free(&l);
	for (int t = 0; t < 2000; t++) {
		struct bb_layout_region regions[3];
		struct bb_layout_reg regs[12];

		memset(&l, 0, sizeof(l));
		memset(regions, 0, sizeof(regions));
		memset(regs, 0, sizeof(regs));
		l.nr_regions = 1 + (uint32_t)(bb_xorshift64s(&seed) % 3);
		for (uint32_t k = 0; k < l.nr_regions; k++)
			regions[k].info.index = k * 2;
		l.regions = regions;
		l.nr_regs = (uint32_t)(bb_xorshift64s(&seed) % 13);
		for (uint32_t i = 0; i < l.nr_regs; i++) {
			regs[i].region = regions[bb_xorshift64s(&seed) % l.nr_regions].info.index;
			regs[i].kind = bb_xorshift64s(&seed) % 2 ? BB_REG_DOORBELL : BB_REG_STATUS;
			regs[i].reads = (uint32_t)(bb_xorshift64s(&seed) % 3);
			regs[i].writes = (uint32_t)(bb_xorshift64s(&seed) % 3);
		}
		l.regs = regs;
		CHECK_EQ(bb_heaviest_region(&l, is_doorbell, doorbell_w), heaviest_quadratic(&l, true));
		CHECK_EQ(bb_heaviest_region(&l, NULL, traffic_w), heaviest_quadratic(&l, false));
	}
}

/* DIR/samples/G.bbs: a block of @pad samples for run G-999999 (not in runs.csv), then one sample for each of G-0..G-(k-1). */
static void write_group(const char *dir, const char *g, size_t pad, size_t k)
{
	double *ns = calloc(pad, sizeof(*ns));
	uint64_t *off = calloc(pad, sizeof(*off));
	uint8_t *tr = calloc(pad, 1);
	uint32_t *cov = calloc(pad, sizeof(*cov));
	char path[512], id[64], *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	gzFile z;

	CHECK(ns && off && tr && cov && m);
	if (!ns || !off || !tr || !cov || !m)
		exit(1);
	for (size_t i = 0; i < pad; i++)
		cov[i] = 1;
	snprintf(id, sizeof(id), "%s-999999", g);
	bb_samples_encode(m, true, id, ns, off, tr, cov, pad);
	for (size_t i = 0; i < k; i++) {
		snprintf(id, sizeof(id), "%s-%zu", g, i);
		bb_samples_encode(m, false, id, ns, off, tr, cov, 1);
	}
	fclose(m);
	snprintf(path, sizeof(path), "%s/samples/%s.bbs", dir, g);
	z = gzopen(path, "wb9");
	CHECK(z && gzwrite(z, text, (unsigned)len) == (int)len);
	if (z)
		gzclose(z);
	free(text);
	free(ns);
	free(off);
	free(tr);
	free(cov);
}

/*
 * Rows whose ids alternate between two samples files (a-0, b-0, a-1, ...),
 * each file padded with a large block of a run runs.csv does not list: the
 * first pass visited rows in file order and inflated one file again for
 * every row (100 rows of a 78 KB folder: 12 s).  Now each file is inflated
 * once there, and figures that read such runs in turn are refused once they
 * would inflate BB_REP_REREAD times the files' size.  Counted, not timed.
 */
static void test_samples_reloads(void)
{
	const size_t k = 200;
	char dir[] = "/tmp/bb-scale-XXXXXX", sub[64];
	const char *dirs[1] = { dir };
	struct bb_recs recs = { 2 * k, calloc(2 * k, sizeof(struct bb_rec)), 0, "" };
	struct bb_diag d = { "" };
	struct rep r = { .dir = dir, .dirs = dirs, .nfolders = 1, .rfd = -1, .d = &d, .sgroup_err = 1 };
	double pool[16];
	size_t n, i;
	int err = 0;

	CHECK(recs.v && mkdtemp(dir));
	if (!recs.v)
		return;
	snprintf(sub, sizeof(sub), "%s/samples", dir);
	CHECK_EQ(mkdir(sub, 0700), 0);
	write_group(dir, "a", 100000, k);
	write_group(dir, "b", 100000, k);
	for (i = 0; i < 2 * k; i++) {
		rec_fill(&recs.v[i], (unsigned)i, 0, "sparse", 10);
		snprintf(recs.v[i].id, sizeof(recs.v[i].id), "%s-%zu", i % 2 ? "b" : "a", i / 2);
	}
	r.recs = recs;
	CHECK_EQ(bb_rep_find_missing(&r), 0);
	CHECK_EQ(r.sloads, 2);		/* each file once: it was 400, one a row */
	CHECK_EQ(r.nmissing, 0);
	/* a figure that reads them in turn: refused within the bound, not 400 loads */
	for (i = 0; i < 2 * k && !err; i++) {
		n = 0;
		err = bb_rep_read_samples(&r, &r.recs.v[i], pool, NULL, &n, 16);
	}
	CHECK_EQ(err, -EINVAL);
	CHECK(r.sloads <= 2 + BB_REP_REREAD * 2 + 1);
	CHECK(strstr(d.msg, "interleaves the runs of samples files") != NULL);
	free(r.sbuf);
	free(r.sblk);
	free(recs.v);
	snprintf(sub, sizeof(sub), "rm -rf %s", dir);
	CHECK_EQ(system(sub), 0);
}

int main(void)
{
	test_samples_reloads();
	test_configs_scale();
	test_configs_same_as_quadratic();
	test_plan_groups();
	test_heaviest_region();
	return bb_test_done("test_scale");
}
