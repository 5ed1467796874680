/* SPDX-License-Identifier: MIT */
/*
 * TSC timing for x86-64.
 *
 * A measured access is bracketed as
 *
 *	t0 = bb_tsc_begin();	// lfence; rdtsc; lfence
 *	... the access ...
 *	t1 = bb_tsc_end();	// rdtscp; lfence  (or lfence; rdtsc; lfence)
 *
 * The leading lfence keeps earlier loads from drifting into the window, the
 * trailing one keeps the access from starting before the timestamp; rdtscp
 * waits for the access to retire and the final lfence keeps later code out.
 * RDTSCP is used only where CPUID says the CPU has it (0x80000001 EDX bit
 * 27): some CPUs and hypervisors (seen: an AMD EPYC guest under bhyve) do not
 * advertise it, and a CPUID-faithful emulator (valgrind) raises SIGILL on it.
 * Without it the end of a sample is "lfence; rdtsc; lfence": the leading
 * lfence waits for the access to complete (AMD and Intel both document
 * LFENCE as dispatch-serialising), which is what RDTSCP's wait gave.
 * bb_tsc.end names the instruction sequence used, for the manifest.
 * An empty pair still costs some cycles: bb_tsc_overhead() measures it so a
 * caller can subtract it (or difference two loop lengths, as lmbench does).
 *
 * bb_tsc_init() finds the TSC frequency, trying in order:
 *   "perf-mmap"   the perf_event mmap page of a software event on this thread
 *                 (cap_user_time, time_mult, time_shift: hz = 1e9 * 2^shift / mult);
 *   "cpuid-15h"   CPUID 0x15: crystal Hz (ECX) * EBX / EAX;
 *   "cpuid-16h"   the CPUID 0x16 base frequency (EAX, MHz), which is the TSC
 *                 rate on Intel parts; Linux derives the crystal from it when
 *                 0x15 gives a ratio without a crystal, which comes to the same;
 *   "calibrated"  rdtsc against CLOCK_MONOTONIC_RAW over about 50 ms.
 * Why each earlier source was skipped is kept in bb_tsc.note.
 */
#ifndef BARBENCH_TIMING_H
#define BARBENCH_TIMING_H

#include <stdbool.h>
#include <stdint.h>

#include "barbench/diag.h"

#if !defined(__x86_64__)
#error "barbench timing uses rdtsc/rdtscp and needs x86-64"
#endif

struct bb_tsc {
	double hz;		/* TSC ticks per second */
	char source[32];	/* "perf-mmap", "cpuid-15h", "cpuid-16h", "calibrated" */
	bool invariant;		/* CPUID 0x80000007 EDX bit 8 */
	char note[256];		/* why earlier sources were skipped, "" if none */
	char end[24];		/* end of a sample: "rdtscp;lfence" or "lfence;rdtsc;lfence" */
	/*
	 * The clock as measured by bb_tsc_init(), not assumed: the smallest
	 * non-zero difference of back-to-back rdtsc reads (some hypervisors
	 * advance the TSC in steps of 21 cycles: nothing shorter can be seen),
	 * and the median cost of an empty begin/end pair.
	 */
	uint64_t step_cycles;
	uint64_t empty_pair_cycles;
};

/* CLOCK_MONOTONIC in ns: wall time of whole phases (setup, a timed loop, timeouts), never a sample. */
double bb_now_ns(void);

/* The timer's resolution: one step, in nanoseconds. */
double bb_tsc_resolution_ns(const struct bb_tsc *t);

/*
 * Smallest non-zero difference of @reads back-to-back rdtsc reads, in
 * cycles (1 when every read differed by zero, which no TSC does).
 */
uint64_t bb_tsc_step(unsigned reads);

/* Steps a timed sample must span for its figure to be resolved (barbench's rule). */
#define BB_MIN_STEPS_PER_SAMPLE 50

/*
 * True when bb_tsc_end() uses RDTSCP.  Set from CPUID before main() runs;
 * bb_tsc_use_rdtscp() overrides it (tests run both paths).
 */
extern bool bb_tsc_rdtscp;

/* CPUID 0x80000001 EDX bit 27: does this CPU advertise RDTSCP? */
bool bb_cpu_has_rdtscp(void);
/*
 * Choose the end-of-sample sequence: RDTSCP when @on and the CPU has it,
 * otherwise lfence;rdtsc;lfence.  Returns what is now in use.
 */
bool bb_tsc_use_rdtscp(bool on);
/* "rdtscp;lfence" or "lfence;rdtsc;lfence": what bb_tsc_end() runs now. */
const char *bb_tsc_end_name(void);

enum bb_tsc_method {
	BB_TSC_PERF_MMAP,
	BB_TSC_CPUID_15H,
	BB_TSC_CPUID_16H,
	BB_TSC_CALIBRATED,
	BB_TSC_METHODS
};

/* CPUID leaf/subleaf into r[0..3] = eax, ebx, ecx, edx. */
static inline void bb_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(subleaf));
}

static inline uint64_t bb_tsc_begin(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t bb_tsc_end(void)
{
	uint32_t lo, hi, aux;

	if (__builtin_expect(bb_tsc_rdtscp, 1)) {
		__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
		(void)aux;
	} else {
		__asm__ __volatile__("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	}
	return ((uint64_t)hi << 32) | lo;
}

static inline double bb_tsc_ns(const struct bb_tsc *t, uint64_t cycles)
{
	return (double)cycles * 1e9 / t->hz;
}

/*
 * Fill @t with the first source that works (see the top of this file) and
 * the invariant-TSC bit.  Returns 0, or a negative errno when even the
 * calibration fails (then @d says why, listing every source tried).
 */
int bb_tsc_init(struct bb_tsc *t, struct bb_diag *d);

/*
 * Try one source only.  Returns 0 and fills @t, or -ENOTSUP (the source is
 * not offered here: @d says what was found), or another negative errno.
 */
int bb_tsc_try(struct bb_tsc *t, enum bb_tsc_method m, struct bb_diag *d);

/* "perf-mmap", "cpuid-15h", "cpuid-16h", "calibrated"; NULL when out of range. */
const char *bb_tsc_method_name(enum bb_tsc_method m);

/*
 * Median cycles of an empty bb_tsc_begin()/bb_tsc_end() pair over @reps
 * pairs (@reps 0 counts as 1), to subtract from measured intervals.
 * Needs no memory; values of 4096 cycles and more (an interrupt landed in
 * the pair) only count as "large", and if more than half of the pairs are
 * large the smallest value seen is returned instead.
 */
uint64_t bb_tsc_overhead(unsigned reps);

/*
 * Decoders of the raw values, exposed so every path can be tested on a
 * machine that offers only some of them.  Each returns 0.0 when the input
 * does not give a frequency.
 */
double bb_tsc_hz_perf(uint32_t time_mult, uint16_t time_shift);
/* eax = denominator, ebx = numerator, ecx = crystal Hz of CPUID 0x15. */
double bb_tsc_hz_cpuid15(uint32_t eax, uint32_t ebx, uint32_t ecx);
/* eax of CPUID 0x16: base frequency in MHz (bits 15:0). */
double bb_tsc_hz_cpuid16(uint32_t eax);

#endif
