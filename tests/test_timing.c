// SPDX-License-Identifier: MIT
/*
 * TSC timing: every frequency source either works or says why not, the
 * chain always ends in a frequency, and the decoders of the sources this
 * machine does not offer give the known values.  No check depends on how
 * long anything took: frequencies are only checked against wide bounds.
 */
#include <errno.h>
#include <math.h>

#include "barbench/timing.h"
#include "check.h"

static void test_decoders(void)
{
	/* Linux cyc2ns for 2.6 GHz: mult = 2^shift * 1e9 / hz. */
	CHECK_NEAR(bb_tsc_hz_perf(1651910498u, 32), 2.6e9, 2.0);
	CHECK_NEAR(bb_tsc_hz_perf(1u << 30, 30), 1e9, 0);
	CHECK_NEAR(bb_tsc_hz_perf(0, 32), 0, 0);
	CHECK_NEAR(bb_tsc_hz_perf(1, 64), 0, 0);
	/* Skylake client: 24 MHz crystal, ratio 2/184 -> 2.208 GHz. */
	CHECK_NEAR(bb_tsc_hz_cpuid15(2, 184, 24000000), 2.208e9, 0);
	/* Ice Lake server: 25 MHz crystal, ratio 2/208 -> 2.6 GHz */
	CHECK_NEAR(bb_tsc_hz_cpuid15(2, 208, 25000000), 2.6e9, 0);
	CHECK_NEAR(bb_tsc_hz_cpuid15(0, 184, 24000000), 0, 0);
	CHECK_NEAR(bb_tsc_hz_cpuid15(2, 0, 24000000), 0, 0);
	CHECK_NEAR(bb_tsc_hz_cpuid15(2, 184, 0), 0, 0);	/* no crystal: 0x16 path */
	CHECK_NEAR(bb_tsc_hz_cpuid16(2600), 2.6e9, 0);
	CHECK_NEAR(bb_tsc_hz_cpuid16(0xabcd0000u | 3000), 3.0e9, 0);	/* upper bits reserved */
	CHECK_NEAR(bb_tsc_hz_cpuid16(0), 0, 0);
}

static void test_each_source(double *calibrated)
{
	int m, worked = 0;

	for (m = 0; m < BB_TSC_METHODS; m++) {
		struct bb_tsc t;
		struct bb_diag d = { "" };
		int err = bb_tsc_try(&t, (enum bb_tsc_method)m, &d);

		printf("  %-10s %s", bb_tsc_method_name((enum bb_tsc_method)m), err ? "no: " : "");
		if (err) {
			printf("%s\n", d.msg);
			CHECK(err == -ENOTSUP || err == -ERANGE);
			CHECK(d.msg[0] != '\0');
			continue;
		}
		printf("%.6f MHz, invariant %d\n", t.hz / 1e6, t.invariant);
		worked++;
		CHECK(t.hz >= 1e8 && t.hz <= 1e11);
		CHECK_STR_HAS(t.source, bb_tsc_method_name((enum bb_tsc_method)m));
		if (m == BB_TSC_CALIBRATED)
			*calibrated = t.hz;
	}
	CHECK(worked >= 1);
	CHECK(*calibrated > 0);	/* the last resort must always work */
	CHECK(bb_tsc_method_name(BB_TSC_METHODS) == NULL);
	{
		struct bb_tsc t;
		struct bb_diag d;

		CHECK_EQ(bb_tsc_try(&t, BB_TSC_METHODS, &d), -EINVAL);
		CHECK_EQ(bb_tsc_try(NULL, BB_TSC_CALIBRATED, &d), -EINVAL);
	}
}

static void test_init(double calibrated)
{
	struct bb_tsc t;
	struct bb_diag d = { "" };
	uint32_t r[4];
	bool inv = false;
	int m;

	CHECK_EQ(bb_tsc_init(&t, &d), 0);
	printf("  chosen: %s, %.6f MHz, invariant %d\n  skipped: %s\n",
	       t.source, t.hz / 1e6, t.invariant, t.note[0] ? t.note : "(none)");
	CHECK(t.hz >= 1e8 && t.hz <= 1e11);
	/* The source chosen is the first one that works, and the note lists the ones before it. */
	for (m = 0; m < BB_TSC_METHODS; m++)
		if (!strcmp(t.source, bb_tsc_method_name((enum bb_tsc_method)m)))
			break;
	CHECK(m < BB_TSC_METHODS);
	if (m > 0)
		CHECK_STR_HAS(t.note, bb_tsc_method_name(BB_TSC_PERF_MMAP));
	else
		CHECK_EQ(t.note[0], '\0');
	/* Two independent sources agree within 2% (a frequency, not a duration). */
	if (m < BB_TSC_CALIBRATED && fabs(t.hz - calibrated) > 0.02 * t.hz) {
		NOTE_FAIL("%s says %.0f Hz, calibration %.0f Hz", t.source, t.hz, calibrated);
		CHECK(fabs(t.hz - calibrated) <= 0.02 * t.hz);
	}
	bb_cpuid(0x80000000u, 0, r);
	if (r[0] >= 0x80000007u) {
		bb_cpuid(0x80000007u, 0, r);
		inv = (r[3] >> 8) & 1;
	}
	CHECK_EQ(t.invariant, inv);
}

static void test_counter_and_overhead(const struct bb_tsc *t)
{
	uint64_t a, b, c, o;
	int i;

	a = bb_tsc_begin();
	b = bb_tsc_end();
	c = bb_tsc_begin();
	CHECK(b > a);	/* monotonic on one thread */
	CHECK(c > b);
	o = bb_tsc_overhead(1001);
	printf("  empty pair: %llu cycles (%.1f ns)\n", (unsigned long long)o, bb_tsc_ns(t, o));
	CHECK(o > 0 && o < 4096);
	CHECK(bb_tsc_overhead(0) > 0);
	for (i = 0; i < 3; i++)
		CHECK(bb_tsc_overhead(101) > 0);
	CHECK_NEAR(bb_tsc_ns(t, (uint64_t)t->hz), 1e9, 1.0);
}

/*
 * Both end-of-sample sequences: RDTSCP only where CPUID advertises it (a CPU
 * without it raised SIGILL here before), lfence;rdtsc;lfence always.
 */
static void test_end_both_ways(const struct bb_tsc *t)
{
	bool has = bb_cpu_has_rdtscp();
	uint32_t r[4];
	bool cpuid_bit = false;

	bb_cpuid(0x80000000u, 0, r);
	if (r[0] >= 0x80000001u) {
		bb_cpuid(0x80000001u, 0, r);
		cpuid_bit = (r[3] >> 27) & 1;
	}
	CHECK_EQ(has, cpuid_bit);
	/* the constructor chose from CPUID before main() */
	CHECK_EQ(bb_tsc_rdtscp, has);
	CHECK(!strcmp(t->end, has ? "rdtscp;lfence" : "lfence;rdtsc;lfence"));
	printf("  cpu %s RDTSCP; end of sample: %s\n", has ? "has" : "lacks", t->end);

	for (int way = 0; way < 2; way++) {
		bool want = way == 0;
		bool got = bb_tsc_use_rdtscp(want);
		uint64_t a, b, c, o;

		CHECK_EQ(got, want && has);
		CHECK(!strcmp(bb_tsc_end_name(), got ? "rdtscp;lfence" : "lfence;rdtsc;lfence"));
		a = bb_tsc_begin();
		b = bb_tsc_end();
		c = bb_tsc_begin();
		CHECK(b > a);
		CHECK(c > b);
		o = bb_tsc_overhead(1001);
		printf("  %s: empty pair %llu cycles\n", bb_tsc_end_name(), (unsigned long long)o);
		CHECK(o > 0 && o < 4096);
	}
	bb_tsc_use_rdtscp(true);
}

int main(void)
{
	struct bb_tsc t;
	double calibrated = 0;

	test_decoders();
	test_each_source(&calibrated);
	test_init(calibrated);
	if (bb_tsc_init(&t, NULL) == 0) {
		test_counter_and_overhead(&t);
		test_end_both_ways(&t);
	}
	return bb_test_done("test_timing");
}
