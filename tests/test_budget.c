// SPDX-License-Identifier: MIT
/*
 * The budget policy against exhaustive search: on thousands of small random
 * instances (fixed seed) the plan it returns has exactly the optimal
 * predicted cost among every choice of pieces with at most K memslots.
 * Also: hand-computed cases, and that its plans validate and never map
 * what sparse would not.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "barbench/model.h"
#include "barbench/policy.h"
#include "barbench/region.h"
#include "profile.h"
#include "xorshift.h"
#include "check.h"

#define RW_MMAP (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP)

static uint64_t rng = 0x6a09e667f3bcc908ull;
#define rnd() bb_xorshift64s(&rng)

static double urand(void)
{
	return bb_unit53(rnd());
}

/* Objective of a plan: the profile's time plus amortised setup. */
static double objective(const struct bb_cost *c, const struct bb_plan *p, const struct bb_profile *pr, double amortize)
{
	return bb_predict_access_ns(c, p, pr) * bb_profile_weight(pr) +
	       (p->nr_mappings * c->per_mapping_ns + p->memslots * c->per_memslot_ns) / amortize;
}

/* Best objective over every subset of the sparse pieces with at most K runs. */
static double exhaustive(const struct bb_cost *c, const struct bb_plan *sparse, const struct bb_profile *pr,
			 uint64_t K, double amortize, uint64_t region_size, uint64_t page)
{
	uint64_t off[32], size[32];
	unsigned n = 0;
	double best = INFINITY;

	for (uint32_t i = 0; i < sparse->nr_windows; i++)
		if (sparse->windows[i].mode == BB_WIN_MAP) {
			off[n] = sparse->windows[i].offset;
			size[n] = sparse->windows[i].size;
			n++;
		}
	for (uint64_t mask = 0; mask < (1ull << n); mask++) {
		struct bb_plan p;
		unsigned runs = 0, maps = 0;
		double t = 0, w = 0;

		bb_plan_init(&p, "x", page, region_size);
		for (unsigned i = 0; i < n; i++) {
			if (!(mask >> i & 1))
				continue;
			maps++;
			if (!(i && (mask >> (i - 1) & 1) && off[i - 1] + size[i - 1] == off[i]))
				runs++;
		}
		if (runs > K)
			continue;
		/* cost of the accesses: mapped when inside a chosen piece */
		for (size_t e = 0; e < pr->n; e++) {
			enum bb_path path = BB_PATH_TRAP;

			for (unsigned i = 0; i < n; i++)
				if ((mask >> i & 1) && pr->v[e].offset >= off[i] &&
				    pr->v[e].offset + pr->v[e].width <= off[i] + size[i])
					path = BB_PATH_MAP;
			t += pr->v[e].weight * c->ns[path][pr->v[e].op];
			w += pr->v[e].weight;
		}
		(void)w;
		t += (maps * c->per_mapping_ns + runs * c->per_memslot_ns) / amortize;
		if (t < best)
			best = t;
		bb_plan_free(&p);
	}
	return best;
}

static void test_random(void)
{
	unsigned instances = 0, nontrivial = 0;

	for (int it = 0; it < 3000 && bb_failures < 10; it++) {
		struct bb_area areas[10];
		struct bb_range mt[2];
		struct bb_region r = { .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .has_sparse = true };
		struct bb_profile pr = { 0 };
		struct bb_cost c;
		uint64_t page = 4096, cur = 0, K = rnd() % 5;
		double amortize = 1 + (double)(rnd() % 1000);
		char kb[32], ab[32];
		struct bb_param params[2] = { { "memslots", kb }, { "amortize", ab } };
		struct bb_policy_ctx ctx = { .page_size = page, .must_trap = mt, .params = params, .nr_params = 2 };
		struct bb_plan sparse, bud;
		struct bb_diag d = { "" };
		unsigned nmt = 0;

		r.size = page * (4 + rnd() % 28);
		r.areas = areas;
		while (r.nr_areas < 10 && cur < r.size) {
			uint64_t o = cur + (rnd() % 2 ? 0 : page * (rnd() % 3)), s = page * (1 + rnd() % 4);

			if (rnd() % 4 == 0)
				o += 512;	/* an unaligned area that alignment trims */
			if (o >= r.size)
				break;
			if (o + s > r.size)
				s = r.size - o;
			areas[r.nr_areas++] = (struct bb_area){ o, s };
			cur = o + s;
		}
		while (nmt < 2 && rnd() % 3 == 0) {
			uint64_t o = (rnd() % r.size) & ~7ull;

			mt[nmt++] = (struct bb_range){ 0, o, 8 + 8 * (rnd() % 16) };
			if (mt[nmt - 1].offset + mt[nmt - 1].size > r.size)
				nmt--;
		}
		ctx.nr_must_trap = nmt;
		for (int e = 0, ne = (int)(rnd() % 12); e < ne; e++) {
			unsigned w = 1u << (rnd() % 4);
			uint64_t o = (rnd() % (r.size / w)) * w;

			bb_profile_add(&pr, o, w, (unsigned)(rnd() % 2), (double)(rnd() % 100) * urand());
		}
		ctx.profile = &pr;
		c.ns[BB_PATH_MAP][0] = urand() * 20;
		c.ns[BB_PATH_MAP][1] = urand() * 20;
		c.ns[BB_PATH_TRAP][0] = urand() * 400;	/* sometimes cheaper than mapping */
		c.ns[BB_PATH_TRAP][1] = urand() * 400;
		c.per_mapping_ns = urand() * 3000;
		c.per_memslot_ns = urand() * 3000;
		snprintf(c.trap_path, sizeof(c.trap_path), "pread");
		ctx.cost = &c;
		snprintf(kb, sizeof(kb), "%llu", (unsigned long long)K);
		snprintf(ab, sizeof(ab), "%.0f", amortize);

		CHECK_EQ(bb_policy_run(&bb_policy_sparse, &r, &(struct bb_policy_ctx){ .page_size = page, .must_trap = mt,
								 .nr_must_trap = nmt }, &sparse, &d), 0);
		if (bb_policy_run(&bb_policy_budget, &r, &ctx, &bud, &d)) {
			NOTE_FAIL("budget: %s", d.msg);
			CHECK(0);
			bb_plan_free(&sparse);
			bb_profile_free(&pr);
			continue;
		}
		instances++;
		nontrivial += sparse.memslots > K && K > 0;
		CHECK(bud.memslots <= K);
		{
			double got = objective(&c, &bud, &pr, amortize);
			double want = exhaustive(&c, &sparse, &pr, K, amortize, r.size, page);

			if (fabs(got - want) > 1e-6 * (1 + fabs(want))) {
				NOTE_FAIL("instance %d: budget %.9g, exhaustive %.9g (K %llu, %u pieces)", it, got, want,
					  (unsigned long long)K, sparse.memslots);
				CHECK(0);
			}
		}
		/* never maps what sparse does not */
		for (uint32_t i = 0; i < bud.nr_windows; i++)
			if (bud.windows[i].mode == BB_WIN_MAP)
				CHECK(bb_plan_mode_at(&sparse, bud.windows[i].offset) == BB_WIN_MAP);
		bb_plan_free(&sparse);
		bb_plan_free(&bud);
		bb_profile_free(&pr);
	}
	printf("budget vs exhaustive: %u instances, %u with fewer memslots than pieces' runs\n", instances, nontrivial);
	CHECK(instances >= 1000);
	CHECK(nontrivial >= 100);
}

static void test_hand(void)
{
	/* three separate 4 KiB areas; the hot doorbell in the last one; one memslot */
	struct bb_area a[] = { { 0, 0x1000 }, { 0x2000, 0x1000 }, { 0x4000, 0x1000 } };
	struct bb_region r = { .flags = RW_MMAP | VFIO_REGION_INFO_FLAG_CAPS, .size = 0x8000, .has_sparse = true,
			       .nr_areas = 3, .areas = a };
	struct bb_profile pr = { 0 };
	struct bb_param one[] = { { "memslots", "1" } }, bad[] = { { "amortize", "0" } };
	struct bb_policy_ctx ctx = { .page_size = 4096, .profile = &pr, .params = one, .nr_params = 1 };
	struct bb_plan p;
	struct bb_diag d;

	bb_profile_add(&pr, 0x10, 4, 0, 1);
	bb_profile_add(&pr, 0x4008, 4, 1, 10);
	CHECK_EQ(bb_policy_run(&bb_policy_budget, &r, &ctx, &p, &d), 0);
	CHECK_EQ(p.memslots, 1);
	CHECK(bb_plan_mode_at(&p, 0x4008) == BB_WIN_MAP);
	CHECK(bb_plan_mode_at(&p, 0x10) == BB_WIN_TRAP);
	bb_plan_free(&p);
	ctx.params = bad;
	CHECK_EQ(bb_policy_run(&bb_policy_budget, &r, &ctx, &p, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "amortize=0");
	/* no limit: everything that saves is mapped */
	ctx.nr_params = 0;
	CHECK_EQ(bb_policy_run(&bb_policy_budget, &r, &ctx, &p, &d), 0);
	CHECK(bb_plan_mode_at(&p, 0x10) == BB_WIN_MAP && bb_plan_mode_at(&p, 0x4008) == BB_WIN_MAP);
	bb_plan_free(&p);
	bb_profile_free(&pr);
}

static void test_cost_file(void)
{
	static const char good[] = "# c\nsource calibrate on vm\nmap_read_ns 1.5\nmap_write_ns 12\ntrap_read_ns 170\n"
				   "trap_write_ns 270\nper_mapping_ns 6000\ntrap_path kvm-exit\n";
	struct bb_cost c;
	struct bb_diag d;

	CHECK_EQ(bb_cost_parse(good, sizeof(good) - 1, "c", &c, &d), 0);
	CHECK(c.ns[BB_PATH_TRAP][1] == 270.0 && !strcmp(c.trap_path, "kvm-exit"));
	CHECK(!strcmp(c.source, "calibrate on vm"));
	CHECK_EQ(bb_cost_parse("map_read_ns x\n", 14, "c", &c, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "c:1: map_read_ns x");
	CHECK_EQ(bb_cost_parse("map_read_ns 1\n", 14, "c", &c, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "needs map_read_ns");
	CHECK_EQ(bb_cost_parse("speed 1\n", 8, "c", &c, &d), -EINVAL);
	/* hostile cost files: refused naming the line, never taken in part */
	{
		static const struct {
			const char *text;
			size_t len;
			const char *msg;
		} bad[] = {
#define T(s, m) { s, sizeof(s) - 1, m }
			/* a title-setting and screen-clearing escape that advise printed to the terminal */
			T("source \033]0;PWNED\007\033[2J\nmap_read_ns 1\n", "c:1: control character 0x1b at column 8"),
			/* a NUL ended the line: the rest was never read */
			T("map_read_ns 1\0 junk\n", "c:1: NUL byte 0x00 at column 14"),
			/* the last of two was taken */
			T("map_read_ns 1.5\nmap_read_ns 900\n", "c:2: map_read_ns again (first at line 1)"),
			T("trap_path pread\ntrap_path kvm-exit\n", "c:2: trap_path again (first at line 1)"),
			T("source a\nsource b\n", "c:2: source again (first at line 1)"),
			/* cut to 15 characters before */
			T("trap_path abcdefghijklmnopqrstuvwxyz\n", "c:1: trap_path 'abcdefghijklmnopqrst': a name"),
			T("trap_path `x`\n", "c:1: trap_path '`x`': a name"),
			/* hex, which strtod takes and calibrate never writes (runs.csv refuses it too) */
			T("map_read_ns 0x51.5\n", "c:1: map_read_ns 0x51.5: want a number"),
			T("map_read_ns infinity\n", "c:1: map_read_ns infinity: want a number"),
#undef T
		};
		char longline[400];

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			CHECK_EQ(bb_cost_parse(bad[i].text, bad[i].len, "c", &c, &d), -EINVAL);
			CHECK_STR_HAS(d.msg, bad[i].msg);
		}
		/* a line cut at 255 bytes without a word: what followed was lost */
		snprintf(longline, sizeof(longline), "map_read_ns 1%*s junk\n", 260, "");
		CHECK_EQ(bb_cost_parse(longline, strlen(longline), "c", &c, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, "c:1: a line longer than 255 bytes");
		/* a CR LF file reads as the LF one */
		{
			static const char crlf[] = "map_read_ns 1\r\nmap_write_ns 2\r\ntrap_read_ns 3\r\ntrap_write_ns 4\r\n";

			CHECK_EQ(bb_cost_parse(crlf, sizeof(crlf) - 1, "c", &c, &d), 0);
		}
		CHECK(c.ns[BB_PATH_TRAP][1] == 4.0);
	}
	/* what bb_cost_write writes is read back, whatever bytes its source holds */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		struct bb_cost w, back;

		bb_cost_default(&w);
		snprintf(w.source, sizeof(w.source), "calibrated on emu:x\nmap_read_ns 0 #\033 region 0");
		CHECK(m != NULL);
		if (m) {
			bb_cost_write(m, &w);
			fclose(m);
			CHECK_EQ(bb_cost_parse(text, len, "w", &back, &d), 0);
			CHECK(back.ns[BB_PATH_MAP][0] == w.ns[BB_PATH_MAP][0]);
			CHECK(!strcmp(back.source, "calibrated on emu:x?map_read_ns 0 ?? region 0"));
		}
		free(text);
	}
}

/*
 * test_profile_merge: a profile built by bb_profile_push and one
 * bb_profile_merge is the one bb_profile_add builds (same entries, same
 * order, weights bit for bit); and a replay trace of 2^20 distinct accesses
 * (the most a trace may hold) is profiled in n log n comparisons: each
 * access was compared with every entry before it (a 3.4 MB trace of 240,000
 * made `plan --profile` take 28 s here, a whole one minutes).
 */
static void test_profile_merge(void)
{
	struct bb_profile a = { 0 }, b = { 0 }, t = { 0 };
	struct bb_region r = { .size = 64u << 20 };
	char path[] = "/tmp/bb-trace-XXXXXX";
	const size_t n = 1u << 20;
	struct bb_diag d;
	unsigned long long before;
	int fd;
	FILE *f;

	for (int i = 0; i < 5000; i++) {
		uint64_t off = (rnd() % 600) * 8;
		unsigned w = 1u << (rnd() % 4), op = (unsigned)(rnd() % 2);
		double wt = (double)(rnd() % 1000) * urand();

		CHECK_EQ(bb_profile_add(&a, off, w, op, wt), 0);
		CHECK_EQ(bb_profile_push(&b, off, w, op, wt), 0);
	}
	CHECK_EQ(bb_profile_merge(&b), 0);
	CHECK_EQ(a.n, b.n);
	for (size_t i = 0; i < a.n && a.n == b.n; i++)
		CHECK(a.v[i].offset == b.v[i].offset && a.v[i].width == b.v[i].width && a.v[i].op == b.v[i].op &&
		      !memcmp(&a.v[i].weight, &b.v[i].weight, sizeof(double)));
	bb_profile_free(&a);
	bb_profile_free(&b);

	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f);
	if (!f)
		return;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "0x%zx 4 %s\n", (i % (n / 2)) * 8, i < n / 2 ? "r" : "w");
	CHECK_EQ(fclose(f), 0);
	before = bb_profile_comparisons;
	CHECK_EQ(bb_profile_from_trace(path, &r, &t, &d), 0);
	CHECK_EQ(t.n, n);
	CHECK(bb_profile_comparisons - before <= 4 * (unsigned long long)(n * log2((double)n)));
	printf("  a trace of %zu distinct accesses: %llu comparisons (bound %llu)\n", n, bb_profile_comparisons - before,
	       4 * (unsigned long long)(n * log2((double)n)));
	bb_profile_free(&t);
	unlink(path);
}

int main(void)
{
	test_hand();
	test_cost_file();
	test_random();
	test_profile_merge();
	return bb_test_done("test_budget");
}
