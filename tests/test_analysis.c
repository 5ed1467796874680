// SPDX-License-Identifier: MIT
/*
 * Analysis against known values: configurations aggregate repetitions into
 * the median with its order-statistics 95% interval; speed-up over trap;
 * compare flags a real change and not a copy; malformed runs.csv is refused
 * with file:line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "barbench/analysis.h"
#include "barbench/result.h"
#include "check.h"

static char dir_a[256], dir_b[256];

/* A runs.csv of one sparse and one trap configuration, @reps repetitions each. */
static void write_runs(const char *dir, unsigned reps, const double *p50, double trap_p50, double scale)
{
	char path[512];
	FILE *f;

	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	f = fopen(path, "w");
	fprintf(f, "%s\n", bb_runs_csv_header());
	for (unsigned i = 0; i < reps; i++) {
		struct bb_run_row r;

		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "dev-r0-sparse-%u", i);
		snprintf(r.device, sizeof(r.device), "emu:layouts/x,with-comma");
		snprintf(r.policy, sizeof(r.policy), "sparse");
		r.page_size = 4096;
		snprintf(r.runner, sizeof(r.runner), "host");
		snprintf(r.workload, sizeof(r.workload), "lat-read");
		snprintf(r.op, sizeof(r.op), "read");
		r.width = 4;
		r.s.n = 100;
		r.s.p50 = p50[i] * scale;
		r.s.p99 = 10 * p50[i] * scale;
		r.s.p999 = 20 * p50[i] * scale;
		r.memslots = 2;
		r.mappings = 3;
		bb_runs_csv_row(f, &r);
		snprintf(r.id, sizeof(r.id), "dev-r0-trap-%u", i);
		snprintf(r.policy, sizeof(r.policy), "trap");
		r.s.p50 = trap_p50;
		r.trapped_share = 1;
		r.memslots = r.mappings = 0;
		bb_runs_csv_row(f, &r);
	}
	fclose(f);
}

static const struct bb_config *find(const struct bb_configs *c, const char *policy)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].first->policy, policy))
			return &c->v[i];
	return NULL;
}

static void test_aggregate(void)
{
	static const double seven[] = { 5, 1, 3, 7, 2, 6, 4 };
	double twenty[20];
	struct bb_recs recs;
	struct bb_configs cfg;
	struct bb_diag d;
	char path[512];
	const struct bb_config *s, *t;

	write_runs(dir_a, 7, seven, 400, 1.0);
	snprintf(path, sizeof(path), "%s/runs.csv", dir_a);
	CHECK_EQ(bb_recs_read(path, &recs, &d), 0);
	CHECK_EQ(recs.n, 14);
	CHECK(!strcmp(recs.v[0].device, "emu:layouts/x,with-comma"));	/* quoted field */
	CHECK_EQ(bb_configs_build(&recs, &cfg, &d), 0);
	CHECK_EQ(cfg.n, 2);
	s = find(&cfg, "sparse");
	t = find(&cfg, "trap");
	CHECK(s && t);
	if (s && t) {
		CHECK_EQ(s->nreps, 7);
		CHECK(s->p50_ns == 4.0);
		/* n = 7: ranks 1 and 7 (fewer than ~10 reps: the whole range) */
		CHECK(s->ci_lo_ns == 1.0 && s->ci_hi_ns == 7.0);
		CHECK(s->p99_ns == 40.0);
		CHECK(s->speedup_vs_trap == 100.0);
		CHECK(t->speedup_vs_trap == 1.0);
		CHECK_EQ(s->memslots, 2);
		CHECK_EQ(s->mappings, 3);
	}
	bb_configs_free(&cfg);
	bb_recs_free(&recs);

	/* n = 20, values 1..20: ranks floor((20 - 8.77) / 2) = 5 and ceil(1 + 28.77 / 2) = 16 */
	for (int i = 0; i < 20; i++)
		twenty[i] = 20 - i;
	write_runs(dir_b, 20, twenty, 400, 1.0);
	snprintf(path, sizeof(path), "%s/runs.csv", dir_b);
	CHECK_EQ(bb_recs_read(path, &recs, &d), 0);
	CHECK_EQ(bb_configs_build(&recs, &cfg, &d), 0);
	s = find(&cfg, "sparse");
	if (s) {
		CHECK(s->p50_ns == 10.5);
		CHECK(s->ci_lo_ns == 5.0 && s->ci_hi_ns == 16.0);
	}
	bb_configs_free(&cfg);
	bb_recs_free(&recs);
}

static void test_compare(void)
{
	static const double base[] = { 10, 11, 9, 10, 10, 12, 9, 11, 10, 10 };
	struct bb_diag d;
	FILE *null = fopen("/dev/null", "w");

	write_runs(dir_a, 10, base, 400, 1.0);
	write_runs(dir_b, 10, base, 400, 1.0);
	CHECK_EQ(bb_compare(dir_a, dir_b, null, false, &d), 0);	/* a copy: nothing significant */
	write_runs(dir_b, 10, base, 400, 3.0);
	CHECK_EQ(bb_compare(dir_a, dir_b, null, false, &d), 1);	/* sparse 3x slower, trap unchanged */
	write_runs(dir_b, 10, base, 400, 1.05);
	CHECK_EQ(bb_compare(dir_a, dir_b, null, true, &d), 0);	/* within the intervals */
	fclose(null);
}

static void test_malformed(void)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "", ":1: empty file" },
		{ "id,device\n", ":1: no column 'region'" },
		{ NULL, ":2: 3 fields, the header has" },
		{ NULL, ":2: incomplete or overlong line" },
	};
	char path[512];

	snprintf(path, sizeof(path), "%s/runs.csv", dir_a);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bb_recs recs;
		struct bb_diag d = { "" };
		FILE *f = fopen(path, "w");

		if (cases[i].text)
			fputs(cases[i].text, f);
		else if (i == 2)
			fprintf(f, "%s\na,b,c\n", bb_runs_csv_header());
		else
			fprintf(f, "%s\na,b,c", bb_runs_csv_header());
		fclose(f);
		CHECK_EQ(bb_recs_read(path, &recs, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, cases[i].want);
	}
}

int main(void)
{
	char tmpl[] = "/tmp/bb-analysis-XXXXXX";
	char *base = mkdtemp(tmpl);

	if (!base)
		return 1;
	snprintf(dir_a, sizeof(dir_a), "%s/a", base);
	snprintf(dir_b, sizeof(dir_b), "%s/b", base);
	test_aggregate();
	test_compare();
	test_malformed();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", base);
	}
	return bb_test_done("test_analysis");
}
