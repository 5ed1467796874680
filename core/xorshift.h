/* SPDX-License-Identifier: MIT */
/*
 * A small deterministic generator for workloads and tests: xorshift64*
 * (shifts 12, 25, 27 and the multiplier 0x2545f4914f6cdd1d, from S. Vigna,
 * "An experimental exploration of Marsaglia's xorshift generators,
 * scrambled", ACM TOMS 42(4), 2016).  The same seed gives the same sequence
 * on every machine.  @s must not be 0.
 */
#ifndef BARBENCH_XORSHIFT_H
#define BARBENCH_XORSHIFT_H

#include <stdint.h>

static inline uint64_t bb_xorshift64s(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* A double in [0, 1) from the top 53 bits of @x. */
static inline double bb_unit53(uint64_t x)
{
	return (double)(x >> 11) / 9007199254740992.0;
}

#endif
