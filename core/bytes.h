/* SPDX-License-Identifier: MIT */
/*
 * Reading and writing fields of byte buffers that come from elsewhere (the
 * kernel's region info, vfio-user messages): unaligned, in host byte order
 * as those ABIs are, through memcpy so no alignment or aliasing rule is broken.
 */
#ifndef BARBENCH_BYTES_H
#define BARBENCH_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t bb_get16(const uint8_t *p, size_t at)
{
	uint16_t v;

	memcpy(&v, p + at, sizeof(v));
	return v;
}

static inline uint32_t bb_get32(const uint8_t *p, size_t at)
{
	uint32_t v;

	memcpy(&v, p + at, sizeof(v));
	return v;
}

static inline uint64_t bb_get64(const uint8_t *p, size_t at)
{
	uint64_t v;

	memcpy(&v, p + at, sizeof(v));
	return v;
}

static inline void bb_put16(uint8_t *p, size_t at, uint16_t v) { memcpy(p + at, &v, sizeof(v)); }
static inline void bb_put32(uint8_t *p, size_t at, uint32_t v) { memcpy(p + at, &v, sizeof(v)); }
static inline void bb_put64(uint8_t *p, size_t at, uint64_t v) { memcpy(p + at, &v, sizeof(v)); }

#endif
