// SPDX-License-Identifier: MIT
/*
 * TSC frequency discovery and the cost of an empty timing pair; see
 * include/barbench/timing.h for the order of the sources.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "barbench/timing.h"

/* A frequency outside this range is a decoding error, not a TSC. */
#define TSC_HZ_MIN 1e8
#define TSC_HZ_MAX 1e11
#define CALIBRATE_NS 50000000L
#define OVERHEAD_BINS 4096

static const char *const method_names[BB_TSC_METHODS] = {
	[BB_TSC_PERF_MMAP] = "perf-mmap",
	[BB_TSC_CPUID_15H] = "cpuid-15h",
	[BB_TSC_CPUID_16H] = "cpuid-16h",
	[BB_TSC_CALIBRATED] = "calibrated",
};

const char *bb_tsc_method_name(enum bb_tsc_method m)
{
	if ((unsigned)m >= BB_TSC_METHODS)
		return NULL;
	return method_names[m];
}

double bb_tsc_hz_perf(uint32_t time_mult, uint16_t time_shift)
{
	/* The kernel converts with ns = cyc * mult >> shift. */
	if (time_mult == 0 || time_shift > 63)
		return 0.0;
	return 1e9 * ldexp(1.0, time_shift) / (double)time_mult;
}

double bb_tsc_hz_cpuid15(uint32_t eax, uint32_t ebx, uint32_t ecx)
{
	if (eax == 0 || ebx == 0 || ecx == 0)
		return 0.0;
	return (double)ecx * (double)ebx / (double)eax;
}

double bb_tsc_hz_cpuid16(uint32_t eax)
{
	return (double)(eax & 0xffff) * 1e6;
}

static bool hz_plausible(double hz)
{
	return hz >= TSC_HZ_MIN && hz <= TSC_HZ_MAX;
}

static uint32_t cpuid_max(uint32_t base)
{
	uint32_t r[4];

	bb_cpuid(base, 0, r);
	return r[0];
}

bool bb_tsc_rdtscp;	/* false until CPUID says yes: the safe sequence */

bool bb_cpu_has_rdtscp(void)
{
	uint32_t r[4];

	if (cpuid_max(0x80000000u) < 0x80000001u)
		return false;
	bb_cpuid(0x80000001u, 0, r);
	return (r[3] >> 27) & 1;
}

bool bb_tsc_use_rdtscp(bool on)
{
	bb_tsc_rdtscp = on && bb_cpu_has_rdtscp();
	return bb_tsc_rdtscp;
}

const char *bb_tsc_end_name(void)
{
	return bb_tsc_rdtscp ? "rdtscp;lfence" : "lfence;rdtsc;lfence";
}

/* Before main(): every timed pair, even one before bb_tsc_init(), asks the CPU. */
__attribute__((constructor)) static void tsc_end_init(void)
{
	bb_tsc_use_rdtscp(true);
}

static bool tsc_invariant(void)
{
	uint32_t r[4];

	if (cpuid_max(0x80000000u) < 0x80000007u)
		return false;
	bb_cpuid(0x80000007u, 0, r);
	return (r[3] >> 8) & 1;
}

static int try_perf_mmap(double *hz, struct bb_diag *d)
{
	struct perf_event_attr attr;
	volatile struct perf_event_mmap_page *pc;
	uint32_t seq, mult;
	uint16_t shift;
	unsigned cap;
	long page = sysconf(_SC_PAGESIZE);
	void *map;
	int fd, err;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.disabled = 1;
	attr.exclude_kernel = 1;	/* allowed up to perf_event_paranoid 2 */
	attr.exclude_hv = 1;
	fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return bb_diag_set(d, -ENOTSUP, "perf_event_open(software dummy): %s", strerror(err));
	}
	map = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = errno;
		close(fd);
		return bb_diag_set(d, -ENOTSUP, "mmap of the perf page: %s", strerror(err));
	}
	pc = map;
	do {
		seq = pc->lock;
		__asm__ __volatile__("" : : : "memory");
		cap = pc->cap_user_time;
		mult = pc->time_mult;
		shift = pc->time_shift;
		__asm__ __volatile__("" : : : "memory");
	} while (pc->lock != seq);
	munmap(map, (size_t)page);
	close(fd);

	if (!cap)
		return bb_diag_set(d, -ENOTSUP, "perf page has cap_user_time=0 (time_mult=%u, time_shift=%u)",
				   mult, (unsigned)shift);
	*hz = bb_tsc_hz_perf(mult, shift);
	if (!hz_plausible(*hz))
		return bb_diag_set(d, -ERANGE, "perf page time_mult=%u time_shift=%u gives %.0f Hz",
				   mult, (unsigned)shift, *hz);
	return 0;
}

static int try_cpuid15(double *hz, struct bb_diag *d)
{
	uint32_t r[4], max = cpuid_max(0);

	if (max < 0x15)
		return bb_diag_set(d, -ENOTSUP, "CPUID max leaf 0x%x < 0x15", max);
	bb_cpuid(0x15, 0, r);
	*hz = bb_tsc_hz_cpuid15(r[0], r[1], r[2]);
	if (*hz == 0.0)
		return bb_diag_set(d, -ENOTSUP, "CPUID 0x15 eax=%u ebx=%u ecx=%u (no ratio or no crystal)",
				   r[0], r[1], r[2]);
	if (!hz_plausible(*hz))
		return bb_diag_set(d, -ERANGE, "CPUID 0x15 eax=%u ebx=%u ecx=%u gives %.0f Hz",
				   r[0], r[1], r[2], *hz);
	return 0;
}

static int try_cpuid16(double *hz, struct bb_diag *d)
{
	uint32_t r[4], max = cpuid_max(0);

	if (max < 0x16)
		return bb_diag_set(d, -ENOTSUP, "CPUID max leaf 0x%x < 0x16", max);
	bb_cpuid(0x16, 0, r);
	*hz = bb_tsc_hz_cpuid16(r[0]);
	if (*hz == 0.0)
		return bb_diag_set(d, -ENOTSUP, "CPUID 0x16 base frequency is 0 MHz");
	if (!hz_plausible(*hz))
		return bb_diag_set(d, -ERANGE, "CPUID 0x16 base frequency %u MHz", r[0] & 0xffff);
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* A (tsc, ns) pair taken as close together as a few tries allow. */
static int clock_pair(uint64_t *tsc, int64_t *ns)
{
	uint64_t best = UINT64_MAX;
	int i;

	for (i = 0; i < 8; i++) {
		struct timespec ts;
		uint64_t a, b;

		a = bb_tsc_begin();
		if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts))
			return -errno;
		b = bb_tsc_end();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = ts_ns(&ts);
		}
	}
	return 0;
}

static int try_calibrate(double *hz, struct bb_diag *d)
{
	struct timespec req = { 0, CALIBRATE_NS }, rem;
	uint64_t t0, t1;
	int64_t n0, n1;
	int err;

	err = clock_pair(&t0, &n0);
	if (err)
		return bb_diag_set(d, err, "clock_gettime(CLOCK_MONOTONIC_RAW): %s", strerror(-err));
	while (nanosleep(&req, &rem))
		if (errno == EINTR)
			req = rem;
		else
			return bb_diag_set(d, -errno, "nanosleep: %s", strerror(errno));
	err = clock_pair(&t1, &n1);
	if (err)
		return bb_diag_set(d, err, "clock_gettime(CLOCK_MONOTONIC_RAW): %s", strerror(-err));
	if (n1 <= n0 || t1 <= t0)
		return bb_diag_set(d, -EIO, "calibration: clock moved %lld ns while the TSC moved %lld",
				   (long long)(n1 - n0), (long long)(t1 - t0));
	*hz = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	if (!hz_plausible(*hz))
		return bb_diag_set(d, -ERANGE, "calibration gives %.0f Hz", *hz);
	return 0;
}

int bb_tsc_try(struct bb_tsc *t, enum bb_tsc_method m, struct bb_diag *d)
{
	double hz = 0.0;
	int err;

	if (!t)
		return bb_diag_set(d, -EINVAL, "tsc: no output");
	switch (m) {
	case BB_TSC_PERF_MMAP:
		err = try_perf_mmap(&hz, d);
		break;
	case BB_TSC_CPUID_15H:
		err = try_cpuid15(&hz, d);
		break;
	case BB_TSC_CPUID_16H:
		err = try_cpuid16(&hz, d);
		break;
	case BB_TSC_CALIBRATED:
		err = try_calibrate(&hz, d);
		break;
	default:
		return bb_diag_set(d, -EINVAL, "tsc: unknown method %d", (int)m);
	}
	if (err)
		return err;
	memset(t, 0, sizeof(*t));
	t->hz = hz;
	snprintf(t->source, sizeof(t->source), "%s", method_names[m]);
	t->invariant = tsc_invariant();
	snprintf(t->end, sizeof(t->end), "%s", bb_tsc_end_name());
	t->step_cycles = bb_tsc_step(200000);
	t->empty_pair_cycles = bb_tsc_overhead(20001);
	bb_diag_clear(d);
	return 0;
}

int bb_tsc_init(struct bb_tsc *t, struct bb_diag *d)
{
	char note[sizeof(t->note)] = "";
	size_t used = 0;
	int m, err = -ENOTSUP;

	if (!t)
		return bb_diag_set(d, -EINVAL, "tsc: no output");
	for (m = 0; m < BB_TSC_METHODS; m++) {
		struct bb_diag why;
		int n;

		err = bb_tsc_try(t, (enum bb_tsc_method)m, &why);
		if (!err) {
			memcpy(t->note, note, sizeof(note));
			bb_diag_clear(d);
			return 0;
		}
		n = snprintf(note + used, sizeof(note) - used, "%s%s: %s",
			     used ? "; " : "", method_names[m], why.msg);
		if (n > 0)
			used += (size_t)n < sizeof(note) - used ? (size_t)n : sizeof(note) - used - 1;
	}
	return bb_diag_set(d, err, "no TSC frequency source: %s", note);
}

double bb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

uint64_t bb_tsc_step(unsigned reads)
{
	uint64_t best = UINT64_MAX, prev;

	if (reads < 2)
		reads = 2;
	prev = __builtin_ia32_rdtsc();
	for (unsigned i = 1; i < reads; i++) {
		uint64_t now = __builtin_ia32_rdtsc();

		if (now > prev && now - prev < best)
			best = now - prev;
		prev = now;
	}
	return best == UINT64_MAX ? 1 : best;
}

double bb_tsc_resolution_ns(const struct bb_tsc *t)
{
	return bb_tsc_ns(t, t->step_cycles ? t->step_cycles : 1);
}

uint64_t bb_tsc_overhead(unsigned reps)
{
	uint32_t hist[OVERHEAD_BINS];
	uint64_t min = UINT64_MAX, large = 0, seen = 0;
	unsigned i;

	if (reps == 0)
		reps = 1;
	memset(hist, 0, sizeof(hist));
	for (i = 0; i < reps; i++) {
		uint64_t a = bb_tsc_begin();
		uint64_t b = bb_tsc_end();
		uint64_t c = b - a;

		if (c < min)
			min = c;
		if (c < OVERHEAD_BINS)
			hist[c]++;
		else
			large++;
	}
	if (large * 2 > reps)
		return min;
	/* The lower median: the value of rank ceil(reps / 2). */
	for (i = 0; i < OVERHEAD_BINS; i++) {
		seen += hist[i];
		if (seen * 2 >= reps)
			return i;
	}
	return min;
}
