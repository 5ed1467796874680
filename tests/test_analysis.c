// SPDX-License-Identifier: MIT
/*
 * Analysis against known values: configurations aggregate repetitions into
 * the median with its order-statistics 95% interval; speed-up over trap;
 * compare flags a real change and not a copy; malformed runs.csv is refused
 * with file:line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "parse.h"
#include "barbench/result.h"
#include "check.h"

static char dir_a[256], dir_b[256];
static double resolution;	/* written into every row of write_runs */
static double sparse_share;	/* the sparse rows' trapped_share (1: no memslot, every access trapped) */

/*
 * Make @r's statistics what a measured run's are (runs.csv refuses others):
 * quantiles in order around the median, its interval holding it, no figure
 * below 0; the tests set only the figures they decide on.
 */
static void consistent(struct bb_run_row *r)
{
	struct bb_summary *s = &r->s;

	if (s->min > s->p50)
		s->min = s->p50;
	s->p90 = s->p90 < s->p50 ? s->p50 : s->p90;
	s->p99 = s->p99 < s->p90 ? s->p90 : s->p99;
	s->p999 = s->p999 < s->p99 ? s->p99 : s->p999;
	s->max = s->max < s->p999 ? s->p999 : s->max;
	if (s->ci95_lo > s->p50)
		s->ci95_lo = s->p50;
	if (s->ci95_hi < s->p50)
		s->ci95_hi = s->p50;
}

/* A row of a sparse run on @device: 4 KiB pages, host runner, lat-read of 4 bytes, 100 samples. */
static void sparse_row(struct bb_run_row *r, const char *device)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->device, sizeof(r->device), "%s", device);
	snprintf(r->policy, sizeof(r->policy), "sparse");
	r->page_size = 4096;
	snprintf(r->runner, sizeof(r->runner), "host");
	snprintf(r->workload, sizeof(r->workload), "lat-read");
	snprintf(r->op, sizeof(r->op), "read");
	r->width = 4;
	r->s.n = 100;
}

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

		sparse_row(&r, "emu:layouts/x,with-comma");
		snprintf(r.id, sizeof(r.id), "dev-r0-sparse-%u", i);
		r.s.p50 = p50[i] * scale;
		r.s.p99 = 10 * p50[i] * scale;
		r.s.p999 = 20 * p50[i] * scale;
		r.memslots = sparse_share >= 1 ? 0 : 2;
		r.mappings = sparse_share >= 1 ? 0 : 3;
		r.trapped_share = sparse_share;
		r.resolution_ns = resolution;
		consistent(&r);
		bb_runs_csv_row(f, &r);
		snprintf(r.id, sizeof(r.id), "dev-r0-trap-%u", i);
		snprintf(r.policy, sizeof(r.policy), "trap");
		r.s.p50 = trap_p50;
		r.trapped_share = 1;
		r.memslots = r.mappings = 0;
		consistent(&r);
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

/* bb_compare into a string; returns its result. */
static int compare_text(bool json, char **text)
{
	struct bb_diag d;
	size_t len;
	FILE *f = open_memstream(text, &len);
	int r;

	if (!f)
		return -ENOMEM;
	r = bb_compare(dir_a, dir_b, f, json, &d);
	fclose(f);
	return r;
}

/* A and B of @reps repetitions, their medians @a times @sa and @b times @sb, compared as compare_text. */
static int compare_runs(unsigned reps, const double *a, double sa, const double *b, double sb, bool json, char **text)
{
	write_runs(dir_a, reps, a, 400, sa);
	write_runs(dir_b, reps, b, 400, sb);
	return compare_text(json, text);
}

static void write_manifest(const char *dir, const char *cpu)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"system\": {\"hostname\": \"h\", \"cpu_model\": \"%s\", \"kernel_release\": \"6.1\"},\n"
		"\"build\": {\"compiler\": \"GNU 12.2.0\", \"cflags\": \"-O2\", \"build_type\": \"Release\"},\n"
		"\"barbench_version\": \"0.1\", \"timer\": {\"step_cycles\": 20, \"resolution_ns\": 8.696}}\n", cpu);
	fclose(f);
}

static void no_number_sentinels(const char *text, const char *what)
{
	if (strstr(text, "1e+300") || strstr(text, "inf") || strstr(text, "nan") || strstr(text, "0.000 ")) {
		bb_failures++;
		fprintf(stderr, "%s: a sentinel, inf, nan or 0.000 in:\n%s\n", what, text);
	}
	bb_checks++;
}

static void test_compare(void)
{
	static const double base[] = { 10, 11, 9, 10, 10, 12, 9, 11, 10, 10 };
	static const double zeros[] = { 0, 0, 0, 0, 0 }, five[] = { 10, 11, 9, 12, 8 };
	static const double tiny_a[] = { 0.05, 0.04, 0.06, 0.05, 0.05 }, tiny_b[] = { 0.2, 0.3, 0.2, 0.25, 0.2 };
	struct bb_diag d;
	FILE *null = fopen("/dev/null", "w");
	char *t = NULL;

	resolution = 0;
	write_runs(dir_a, 10, base, 400, 1.0);
	write_runs(dir_b, 10, base, 400, 1.0);
	CHECK_EQ(bb_compare(dir_a, dir_b, null, false, &d), 0);	/* a copy: nothing significant */
	CHECK_EQ(bb_compare(dir_a, dir_a, null, false, &d), 0);	/* itself */
	write_runs(dir_b, 10, base, 400, 3.0);
	CHECK_EQ(bb_compare(dir_a, dir_b, null, false, &d), 1);	/* sparse 3x slower, trap unchanged */
	write_runs(dir_b, 10, base, 400, 1.05);
	CHECK_EQ(bb_compare(dir_a, dir_b, null, true, &d), 0);	/* within the spread of the repetitions */

	/* one run a side: a difference of 3x, but nothing to test it with */
	write_runs(dir_a, 1, base, 400, 1.0);
	write_runs(dir_b, 1, base, 300, 3.0);
	CHECK_EQ(compare_text(false, &t), 0);
	CHECK_STR_HAS(t, "not enough repetitions to test (A 1, B 1; 3 each needed)");
	CHECK(!strstr(t, "(significant)"));
	CHECK_STR_HAS(t, "2 configurations in both, 0 significant changes, 2 not tested");
	free(t);
	CHECK_EQ(compare_text(true, &t), 0);
	CHECK_STR_HAS(t, "\"verdict\":\"not enough repetitions\"");
	CHECK_STR_HAS(t, "\"p_value\":null");
	CHECK_STR_HAS(t, "\"repetitions_a\":1,\"repetitions_b\":1");
	free(t);

	/* 5 repetitions a side without ties, every B above every A: U = 25, exact p = 2/252 */
	CHECK_EQ(compare_runs(5, five, 1.0, five, 3.0, true, &t), 1);
	CHECK_STR_HAS(t, "\"test\":\"mann-whitney-u\"");
	CHECK_STR_HAS(t, "\"p_value\":0.007936507937,\"repetitions_a\":5,\"repetitions_b\":5,\"verdict\":\"slower\"");
	CHECK_STR_HAS(t, "\"ratio\":3.0,");
	/* the configuration unpacked, field by field */
	CHECK_STR_HAS(t, "{\"device\":\"emu:layouts/x,with-comma\",\"region\":0,\"policy\":\"sparse\",\"params\":\"\","
		      "\"page_size_bytes\":4096,\"runner\":\"host\",\"workload\":\"lat-read\",");
	CHECK_STR_HAS(t, "\"warnings\":[\"A ");	/* no manifest to check */
	CHECK_STR_HAS(t, "has no manifest.json");
	free(t);
	/*
	 * Holm over every test of every comparison: B twice is 4 tests (sparse
	 * p = 2/252 twice, trap p = 1 twice), the smallest adjusted 4 x 2/252,
	 * still significant; B six times is 12 tests, 12 x 2/252 > 0.05: none.
	 */
	{
		const char *dirs[7] = { dir_a, dir_b, dir_b, dir_b, dir_b, dir_b, dir_b };
		struct bb_compare_opts o = { .json = true, .holm = true };
		size_t len;
		FILE *f = open_memstream(&t, &len);

		CHECK_EQ(bb_compare_dirs(dirs, 3, f, &o, &d), 2);
		fclose(f);
		CHECK_STR_HAS(t, "\"correction\":\"holm\",\"tests\":4,");
		CHECK_STR_HAS(t, "\"p_adjusted\":0.03174603175,\"p_value\":0.007936507937,");
		CHECK_STR_HAS(t, "\"host_a\":\"");
		free(t);
		o.json = false;
		CHECK_EQ(bb_compare_dirs(dirs, 7, null, &o, &d), 0);
		o.holm = false;
		CHECK_EQ(bb_compare_dirs(dirs, 7, null, &o, &d), 6);
		CHECK_EQ(bb_compare_dirs(dirs, 1, null, &o, &d), -EINVAL);	/* one folder: nothing to compare */
	}
	/* the other way: faster */
	CHECK_EQ(compare_runs(5, base, 3.0, base, 1.0, false, &t), 1);
	CHECK_STR_HAS(t, "faster (significant)");
	free(t);
	/* 3 and 3 separated: p = 0.1 at best, never significant, and said so */
	CHECK_EQ(compare_runs(3, base, 1.0, base, 3.0, false, &t), 0);
	CHECK_STR_HAS(t, "too few repetitions for any p below 0.05");
	free(t);

	/* medians of 0, no resolution recorded: no sentinel, no inf, no nan */
	CHECK_EQ(compare_runs(5, zeros, 1.0, zeros, 1.0, false, &t), 0);
	no_number_sentinels(t, "medians of 0");
	CHECK_STR_HAS(t, "below resolution (both medians 0)");
	CHECK_STR_HAS(t, "does not record the timer resolution");
	free(t);
	CHECK_EQ(compare_text(true, &t), 0);
	no_number_sentinels(t, "medians of 0, json");
	CHECK_STR_HAS(t, "\"ratio\":null,\"ratio_ci_lo\":null,\"ratio_ci_hi\":null");
	CHECK_STR_HAS(t, "\"verdict\":\"below resolution\"");
	free(t);
	/* one side at 0, the other measured */
	write_runs(dir_b, 5, base, 400, 1.0);
	CHECK_EQ(compare_text(false, &t), 1);
	no_number_sentinels(t, "A at 0");
	free(t);
	/* medians below a recorded resolution of 0.5 ns: "< 0.50 ns", below resolution, not a change */
	resolution = 0.5;
	CHECK_EQ(compare_runs(5, tiny_a, 1.0, tiny_b, 1.0, false, &t), 0);
	CHECK_STR_HAS(t, "< 0.50 ns");
	CHECK_STR_HAS(t, "below resolution (0.15 ns apart, resolution 0.5 ns)");
	CHECK(!strstr(t, "does not record the timer resolution"));
	no_number_sentinels(t, "below resolution");
	free(t);
	/* a difference that passes the test but not the resolution: 10 vs 10.5 ns at 1 ns */
	resolution = 1.0;
	{
		static const double a5[] = { 10.0, 10.1, 10.2, 10.3, 10.4 }, b5[] = { 10.5, 10.6, 10.7, 10.8, 10.9 };

		CHECK_EQ(compare_runs(5, a5, 1.0, b5, 1.0, true, &t), 0);
	}
	CHECK_STR_HAS(t, "\"p_value\":0.007936507937,\"repetitions_a\":5,\"repetitions_b\":5,\"verdict\":\"below resolution\"");
	free(t);

	/* manifests: the same machine says nothing, another CPU is named */
	resolution = 0.5;
	write_runs(dir_a, 5, base, 400, 1.0);
	write_runs(dir_b, 5, base, 400, 1.0);
	write_manifest(dir_a, "Intel(R) Xeon(R) Processor");
	write_manifest(dir_b, "Intel(R) Xeon(R) Processor");
	CHECK_EQ(compare_text(true, &t), 0);
	CHECK_STR_HAS(t, "\"warnings\":[]");
	free(t);
	write_manifest(dir_b, "AMD EPYC 7763");
	CHECK_EQ(compare_text(false, &t), 0);
	CHECK(!strncmp(t, "warning: the folders differ in CPU model: A 'Intel(R) Xeon(R) Processor', B 'AMD EPYC 7763'", 89));
	free(t);
	CHECK_EQ(compare_text(true, &t), 0);
	CHECK_STR_HAS(t, "\"warnings\":[\"the folders differ in CPU model: A 'Intel(R) Xeon(R) Processor', B 'AMD EPYC 7763'\"");
	free(t);
	fclose(null);
}

static void test_malformed(void)
{
	static const struct bb_bad_text cases[] = {
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

/*
 * A results folder is hostile input: each case replaces one column of a good
 * row of runs.csv and must be refused naming the file, the line and the column.
 */
static void write_one(const char *path, const char *column, const char *value)
{
	char *hdr = strdup(bb_runs_csv_header()), *row = NULL, *save, *tok, *cells[64];
	size_t rl = 0;
	unsigned n = 0, want = 99;
	struct bb_run_row r;
	FILE *m = open_memstream(&row, &rl), *f;

	sparse_row(&r, "emu:layouts/x");
	snprintf(r.id, sizeof(r.id), "dev-r0-sparse-0");
	r.s.p50 = 5;
	consistent(&r);
	bb_runs_csv_row(m, &r);
	fclose(m);
	row[strcspn(row, "\n")] = '\0';
	for (tok = strtok_r(hdr, ",", &save); tok; tok = strtok_r(NULL, ",", &save), n++)
		if (!strcmp(tok, column))
			want = n;
	n = 0;
	for (char *p = row; n < 64;) {
		cells[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	f = fopen(path, "w");
	fprintf(f, "%s\n", bb_runs_csv_header());
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", i == want ? value : cells[i]);
	fputc('\n', f);
	fclose(f);
	free(row);
	free(hdr);
}

static void test_hostile_fields(void)
{
	static const struct {
		const char *column, *value, *want;
	} cases[] = {
		/* the backtick row of issue 13: would have run in gnuplot */
		{ "runner", "`touch PWNED`", ":2: column 'runner': character 0x60 at byte 0 is not allowed" },
		{ "policy", "system(\"touch PWNED\")", ":2: column 'policy': character 0x28 at byte 6" },
		{ "workload", "lat-read'", ":2: column 'workload': character 0x27 at byte 8" },
		{ "params", "span=1\"", ":2: column 'params': character 0x22 at byte 6" },
		{ "id", "../../etc/passwd", ":2: column 'id': character 0x2e at byte 0" },
		{ "id", "a/b", ":2: column 'id': character 0x2f at byte 1" },
		{ "device", "\"emu:x\ny\"", ":2: a quoted field is not closed" },
		{ "device", "emu:a\tb", ":2: column 'device': character 0x09 at byte 5" },
		{ "runner", "", ":2: column 'runner' is empty" },
		{ "p50_ns", "abc", ":2: column 'p50_ns': 'abc' is not a number" },
		{ "p50_ns", "", ":2: column 'p50_ns': '' is not a number" },
		{ "p50_ns", "inf", ":2: column 'p50_ns': 'inf' is not a number" },
		{ "p99_ns", "nan", ":2: column 'p99_ns': 'nan' is not a number" },
		{ "p50_ns", "1e999", ":2: column 'p50_ns': '1e999' is out of range" },
		{ "p50_ns", " 5", ":2: column 'p50_ns': ' 5' is not a number" },
		{ "region", "99999999999", ":2: column 'region': '99999999999' is out of range (at most 4294967295)" },
		{ "region", "0x10", ":2: column 'region': '0x10' is not a number" },
		{ "region", "-1", ":2: column 'region': '-1' is not a number" },
		{ "samples", "18446744073709551616", ":2: column 'samples': '18446744073709551616' is out of range" },
		{ "page_size_bytes", "4097", ":2: column 'page_size_bytes': 4097 is not a power of two >= 4096" },
		{ "width_bytes", "3", ":2: column 'width_bytes': 3 is not 1, 2, 4 or 8" },
		{ "op", "exec", ":2: column 'op': 'exec' is not read, write or mix" },
		{ "trapped_share", "1.5", ":2: column 'trapped_share': 1.5 is not a share from 0 to 1" },
		{ "memslots", "4294967296", ":2: column 'memslots': '4294967296' is out of range" },
		{ "predicted_ns", "x", ":2: column 'predicted_ns': 'x' is not a number" },
	};
	char path[512];
	struct bb_recs recs;
	struct bb_diag d = { "" };

	snprintf(path, sizeof(path), "%s/runs.csv", dir_a);
	write_one(path, "runner", "host");
	CHECK_EQ(bb_recs_read(path, &recs, &d), 0);	/* the good row itself */
	CHECK_EQ(recs.n, 1);
	bb_recs_free(&recs);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_one(path, cases[i].column, cases[i].value);
		d.msg[0] = '\0';
		CHECK_EQ(bb_recs_read(path, &recs, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, path);
		CHECK_STR_HAS(d.msg, cases[i].want);
		CHECK_EQ(recs.n, 0);
	}
	/* a symbolic link planted as runs.csv is not followed */
	{
		char target[512];

		snprintf(target, sizeof(target), "%s/elsewhere.csv", dir_a);
		write_one(target, "runner", "host");
		unlink(path);
		CHECK_EQ(symlink(target, path), 0);
		CHECK_EQ(bb_recs_read(path, &recs, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, "a symbolic link: not followed");
		unlink(path);
	}
	/* a NUL byte */
	{
		FILE *f = fopen(path, "w");

		fprintf(f, "%s\nab", bb_runs_csv_header());
		fputc('\0', f);
		fputs("c\n", f);
		fclose(f);
		CHECK_EQ(bb_recs_read(path, &recs, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, ":2: a NUL byte");
	}
}

/* One table: the header and a written row have one field per column of BB_RUNS_COLUMNS, and read back whole. */
static void test_columns(void)
{
	char *row = NULL, *text = NULL, *fl[BB_COL_COUNT + 2], hdr[4096];
	size_t rl = 0, tl = 0;
	struct bb_run_row r;
	struct bb_recs recs;
	struct bb_diag d = { "" };
	FILE *m = open_memstream(&row, &rl), *t;

	bb_strcpy(hdr, sizeof(hdr), bb_runs_csv_header());
	CHECK_EQ(bb_csv_split(hdr, fl, BB_COL_COUNT + 2), BB_COL_COUNT);
	for (int i = 0; i < BB_COL_COUNT; i++)
		CHECK(!strcmp(fl[i], bb_runs_col_name((enum bb_runs_col)i)));
	sparse_row(&r, "emu:layouts/a,b\"c");
	snprintf(r.id, sizeof(r.id), "x-0");
	r.page_size = 65536;
	snprintf(r.op, sizeof(r.op), "write");
	r.width = 2;
	r.s.n = 0;
	r.s.p50 = 7.5;
	r.repetition = 3;
	consistent(&r);
	bb_runs_csv_row(m, &r);
	fclose(m);
	row[strcspn(row, "\n")] = '\0';
	t = open_memstream(&text, &tl);
	fprintf(t, "%s\n%s\n", bb_runs_csv_header(), row);
	fclose(t);
	CHECK_EQ(bb_recs_parse(text, tl, "cols", &recs, &d), 0);
	CHECK_EQ(recs.n, 1);
	if (recs.n) {
		CHECK(!strcmp(recs.v[0].device, r.device));
		CHECK_EQ(recs.v[0].page_size, 65536);
		CHECK_EQ(recs.v[0].width, 2);
		CHECK(!strcmp(recs.v[0].line, row));	/* today's layout: kept verbatim */
	}
	CHECK_EQ(recs.nunknown, 0);
	bb_recs_free(&recs);
	free(text);
	/*
	 * A folder written before the units were in the names (page_size,
	 * width), and without the last column: read by the old names, each row
	 * re-laid in today's order with the missing column empty, so a resumed
	 * study writes it again under today's header without a shift.  A column
	 * this barbench does not know is counted, never dropped silently.
	 */
	{
		char old[4096], oldrow[4096], want[4096], *p;

		snprintf(old, sizeof(old), "%s", bb_runs_csv_header());
		p = strstr(old, "page_size_bytes");
		memmove(p + 9, p + 15, strlen(p + 15) + 1);
		p = strstr(old, "width_bytes");
		memmove(p + 5, p + 11, strlen(p + 11) + 1);
		*strrchr(old, ',') = '\0';			/* no repetition column */
		snprintf(oldrow, sizeof(oldrow), "%s", row);
		*strrchr(oldrow, ',') = '\0';
		snprintf(want, sizeof(want), "%s", row);
		strrchr(want, ',')[1] = '\0';			/* repetition: empty */
		t = open_memstream(&text, &tl);
		fprintf(t, "%s,future_ns\n%s,12\n", old, oldrow);
		fclose(t);
		CHECK_EQ(bb_recs_parse(text, tl, "old", &recs, &d), 0);
		CHECK_EQ(recs.n, 1);
		if (recs.n) {
			CHECK_EQ(recs.v[0].page_size, 65536);
			CHECK_EQ(recs.v[0].width, 2);
			CHECK(!strcmp(recs.v[0].line, want));
		}
		CHECK_EQ(recs.nunknown, 1);
		CHECK(!strcmp(recs.unknown, "future_ns"));
		bb_recs_free(&recs);
		free(text);
	}
	/*
	 * rows_at_the_limit: a row of BB_RUNS_MAX_LINE bytes (p50_ns padded with
	 * zeros) is read back whole, with LF or CRLF (a file saved on Windows:
	 * the CR is no byte of the row); one byte more is refused either way.
	 */
	for (int extra = 0; extra <= 1; extra++)
		for (int crlf = 0; crlf <= 1; crlf++) {
			char big[BB_RUNS_MAX_LINE + 2], *p50 = row;
			size_t at, pad;

			for (int i = 0; i < BB_COL_P50; i++)
				p50 = strchr(p50, ',') + 1;
			at = (size_t)(p50 - row);
			pad = BB_RUNS_MAX_LINE + (size_t)extra - strlen(row);
			memcpy(big, row, at);
			memset(big + at, '0', pad);
			strcpy(big + at + pad, row + at);
			CHECK_EQ(strlen(big), BB_RUNS_MAX_LINE + (size_t)extra);
			t = open_memstream(&text, &tl);
			fprintf(t, "%s%s\n%s%s\n", bb_runs_csv_header(), crlf ? "\r" : "", big, crlf ? "\r" : "");
			fclose(t);
			if (!extra) {
				CHECK_EQ(bb_recs_parse(text, tl, "limit", &recs, &d), 0);
				CHECK(recs.n == 1 && !strcmp(recs.v[0].line, big) && recs.v[0].p50_ns == 7.5);
			} else {
				CHECK_EQ(bb_recs_parse(text, tl, "limit", &recs, &d), -EINVAL);
				CHECK_STR_HAS(d.msg, "limit:2: incomplete or overlong line");
			}
			bb_recs_free(&recs);
			free(text);
		}
	free(row);
}

/*
 * The recommendation for sparse against trap when sparse traps every access
 * (a 64 KiB page over a 16 KiB BAR): however far apart their medians, the same
 * path, so "trap (all alike)"; when sparse maps, the statistics decide.
 */
static void test_all_trapped_alike(const char *base)
{
	static const double fast[] = { 100, 101, 99, 102, 98, 100, 101 };
	const char *row = "| x_with-comma | 0 | 4 KiB | ";
	char dir[512], path[600];
	struct bb_diag d;
	char *text;
	size_t len;
	const char *at;

	for (int maps = 0; maps < 2; maps++) {
		snprintf(dir, sizeof(dir), "%s/alike%d", base, maps);
		sparse_share = maps ? 0 : 1;
		write_runs(dir, 7, fast, 400, 1.0);
		CHECK_EQ(bb_report(dir, &(struct bb_report_opts){ .figures = false }, &d), 0);
		snprintf(path, sizeof(path), "%s/report.md", dir);
		CHECK_EQ(bb_read_file(path, 1 << 24, &text, &len, &d), 0);
		at = text ? strstr(text, row) : NULL;
		CHECK(at != NULL);
		if (at && maps)
			CHECK(!strncmp(at + strlen(row), "sparse |", 8));
		else if (at)
			CHECK(!strncmp(at + strlen(row), "trap (all alike) |", 18));
		free(text);
	}
	sparse_share = 0;
}

/* A row of @policy on @device (as sparse_row), repetition @rep (its id DEVICE-r0-POLICY-REP), median @p50. */
static void policy_row(struct bb_run_row *r, const char *device, const char *policy, unsigned rep, double p50)
{
	sparse_row(r, device);
	snprintf(r->policy, sizeof(r->policy), "%s", policy);
	snprintf(r->id, sizeof(r->id), "%s-r0-%s-%u", device, policy, rep);
	r->s.p50 = p50;
	r->trapped_share = !strcmp(policy, "trap");
}

/* BASE/NAME/runs.csv opened with its header (@dir gets BASE/NAME); NULL, a check failed, when it cannot be. */
static FILE *new_runs(const char *base, const char *name, char *dir, size_t dlen)
{
	char path[600];
	FILE *f;

	snprintf(dir, dlen, "%s/%s", base, name);
	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f)
		fprintf(f, "%s\n", bb_runs_csv_header());
	return f;
}

/* The report.md of folder @dir, made without figures (malloc'd; NULL, a check failed, when not made). */
static char *report_text(const char *dir)
{
	char path[600], *text = NULL;
	struct bb_diag d;
	size_t len;

	CHECK_EQ(bb_report(dir, &(struct bb_report_opts){ .figures = false }, &d), 0);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	CHECK_EQ(bb_read_file(path, 1 << 24, &text, &len, &d), 0);
	return text;
}

/*
 * Among tied policies the pick is the fewest memslots, then the fewest host
 * mappings, then the lowest median (the report's method says so): here
 * sparse is lowest with 2 memslots, holes has 1 memslot and 3 mappings,
 * merged and budget 1 and 1, budget's median below merged's; which of the
 * last two came first in the folder once decided.
 */
static void test_tie_break(const char *base)
{
	static const struct {
		const char *policy;
		double p50;
		uint32_t memslots, mappings;
	} pol[] = { { "merged", 102, 1, 1 }, { "sparse", 100, 2, 2 }, { "holes", 101, 1, 3 }, { "budget", 101.5, 1, 1 } };
	static const double noise[] = { 0, 3, -3, 2, -2, 1, -1 };
	const char *row = "| tie | 0 | 4 KiB | ";
	char dir[512], *text;
	const char *at;
	FILE *f = new_runs(base, "tie", dir, sizeof(dir));

	if (!f)
		return;
	for (unsigned i = 0; i < 7; i++) {
		struct bb_run_row r;

		for (unsigned k = 0; k < sizeof(pol) / sizeof(pol[0]); k++) {
			policy_row(&r, "tie", pol[k].policy, i, pol[k].p50 + noise[i]);
			r.memslots = pol[k].memslots;
			r.mappings = pol[k].mappings;
			r.resolution_ns = 1;
			consistent(&r);
			bb_runs_csv_row(f, &r);
		}
		policy_row(&r, "tie", "trap", i, 400 + noise[i]);
		r.resolution_ns = 1;
		consistent(&r);
		bb_runs_csv_row(f, &r);
	}
	fclose(f);
	text = report_text(dir);
	at = text ? strstr(text, row) : NULL;
	CHECK(at != NULL);
	if (at)
		CHECK(!strncmp(at + strlen(row), "budget | 1 |", 12));
	free(text);
}

/*
 * The cost model's paragraph says only what the folder shows: the sign of
 * the median error and how far the trapped lat-read path moved between
 * repetitions (here 200 to 300 ns: 1.50x); it once said a mapped access
 * "costs a few timer steps", whatever the batching had made of the
 * resolution.
 */
static void test_model_words(const char *base)
{
	char dir[512], *text;
	FILE *f = new_runs(base, "model", dir, sizeof(dir));

	if (!f)
		return;
	for (unsigned i = 0; i < 6; i++) {
		struct bb_run_row r;

		policy_row(&r, "model", "sparse", i, 6);
		r.tmean_ns = 6;
		r.predicted_ns = 7;
		r.resolution_ns = 0.1;
		consistent(&r);
		bb_runs_csv_row(f, &r);
		policy_row(&r, "model", "trap", i, i < 3 ? 200 : 300);
		r.tmean_ns = r.s.p50;
		r.predicted_ns = 330;
		r.resolution_ns = 0.1;
		consistent(&r);
		bb_runs_csv_row(f, &r);
	}
	fclose(f);
	text = report_text(dir);
	CHECK_STR_HAS(text, "The median error over all 2 configurations is ");
	CHECK_STR_HAS(text, "(the model predicts more time per access than was measured)");
	CHECK_STR_HAS(text, "varied by up to 1.50x in this folder (median 1.50x over 1 configuration)");
	CHECK(text && !strstr(text, "timer steps"));
	free(text);
}

/*
 * A skip's reason is a diagnostic (up to BB_DIAG_MAX): the report once cut
 * the guest runner's 261-character one mid-word at 199; one longer than any
 * of barbench's is cut with "..." and Markdown's `, | and newlines replaced.
 */
static void test_skip_reasons(void)
{
	char why[400], huge[2000], text[3000];
	struct bb_manifest_info mi;
	struct bb_diag d;

	memset(why, 'w', sizeof(why) - 1);
	why[sizeof(why) - 1] = 0;
	memcpy(why + sizeof(why) - 5, "end.", 4);
	memset(huge, 'h', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = 0;
	snprintf(text, sizeof(text), "{\"skipped\":[{\"run\":\"a\",\"why\":\"%s\"},{\"run\":\"b\",\"why\":\"%s\"},"
		 "{\"run\":\"c\",\"why\":\"x|y`z\\nq\"},{\"run\":\"d\",\"why\":\"%s\"}]}", why, huge, why);
	memset(&mi, 0, sizeof(mi));
	CHECK_EQ(bb_manifest_parse(text, &mi, "m.json", &d), 0);
	CHECK_EQ(mi.nr_skipped, 4u);
	CHECK_EQ(mi.nr_reasons, 3u);
	CHECK(!strcmp(mi.reasons[0].why, why));
	CHECK_EQ(mi.reasons[0].runs, 2u);
	CHECK_EQ(strlen(mi.reasons[1].why), (size_t)BB_DIAG_MAX - 1);
	CHECK(!strcmp(mi.reasons[1].why + BB_DIAG_MAX - 4, "..."));
	CHECK(!strcmp(mi.reasons[2].why, "x y z q"));
}

int main(void)
{
	char tmpl[] = "/tmp/bb-analysis-XXXXXX";
	char *base = mkdtemp(tmpl);

	if (!base)
		return 1;
	snprintf(dir_a, sizeof(dir_a), "%s/a", base);
	snprintf(dir_b, sizeof(dir_b), "%s/b", base);
	test_columns();
	test_aggregate();
	test_compare();
	test_malformed();
	test_hostile_fields();
	test_all_trapped_alike(base);
	test_skip_reasons();
	test_tie_break(base);
	test_model_words(base);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", base);
	}
	return bb_test_done("test_analysis");
}
