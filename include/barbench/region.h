/* SPDX-License-Identifier: MIT */
/*
 * The region model: one device region as VFIO reports it, and the parser of
 * the raw bytes VFIO_DEVICE_GET_REGION_INFO returns (struct vfio_region_info,
 * <linux/vfio.h>, followed by its capability chain).  The same bytes come from
 * the kernel, from a vfio-user server, or from barbench's emulated device, and
 * are treated as hostile input.
 */
#ifndef BARBENCH_REGION_H
#define BARBENCH_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"

/* One entry of a VFIO_REGION_INFO_CAP_SPARSE_MMAP capability. */
struct bb_area {
	uint64_t offset;
	uint64_t size;
};

/* A capability the parser does not interpret, kept for reporting. */
struct bb_unknown_cap {
	uint16_t id;
	uint16_t version;
	uint32_t at;		/* byte offset of its header in the buffer */
};

struct bb_region {
	uint32_t index;
	uint32_t flags;		/* VFIO_REGION_INFO_FLAG_* as reported */
	uint64_t size;
	uint64_t offset;	/* offset of the region in the device fd */

	bool has_sparse;	/* a SPARSE_MMAP capability was present */
	uint32_t nr_areas;	/* in the order the device reported them */
	struct bb_area *areas;

	bool msix_mappable;	/* VFIO_REGION_INFO_CAP_MSIX_MAPPABLE */

	bool has_type;		/* VFIO_REGION_INFO_CAP_TYPE */
	uint32_t type;
	uint32_t subtype;

	uint32_t nr_unknown;
	struct bb_unknown_cap *unknown;
};

/*
 * Parse @len bytes at @buf.  @name labels the input in messages ("dev0/region2",
 * a file name).  On success *@out owns heap memory: release it with
 * bb_region_free().  On failure returns -EINVAL (malformed), -EAGAIN (the
 * buffer is the kernel's "argsz too small" answer: see
 * bb_region_info_needed()) or -ENOMEM, and @d names the byte offset.
 * Never reads outside [buf, buf + len).
 */
int bb_region_parse(const void *buf, size_t len, const char *name,
		    struct bb_region *out, struct bb_diag *d);

/*
 * If @buf is the kernel's answer to a too-small argsz (CAPS flag set,
 * cap_offset 0, argsz larger than what was passed in @passed_argsz), return
 * the argsz to retry with; else 0.
 */
uint32_t bb_region_info_needed(const void *buf, size_t len, uint32_t passed_argsz);

/*
 * Encode @r into the bytes the kernel would return: the info struct, then
 * capabilities 8-byte aligned (sparse, type, msix-mappable, then unknown ones
 * as bare headers), argsz = total length.  *@buf is malloc'd.
 */
int bb_region_encode(const struct bb_region *r, uint8_t **buf, size_t *len,
		     struct bb_diag *d);

/* Check the model itself (areas non-empty, inside, non-overlapping...). */
int bb_region_check(const struct bb_region *r, const char *name, struct bb_diag *d);

/* Deep copy; *dst owns its own arrays. */
int bb_region_copy(struct bb_region *dst, const struct bb_region *src);

void bb_region_free(struct bb_region *r);

/* Drop the sparse capability and its areas (the whole region becomes one area). */
void bb_region_free_areas(struct bb_region *r);

/*
 * Bytes the device allows to be mmap'd: 0 without the MMAP flag; the whole
 * region without a sparse capability or with MSIX_MAPPABLE (the kernel's
 * promise that the whole region, MSI-X table included, may be mapped); else
 * the union of the sparse areas.
 */
uint64_t bb_region_mappable_bytes(const struct bb_region *r);

/*
 * May [off, off+len) be mmap'd according to flags and capabilities (as above)?
 * Builds a bb_map_index each call (O(n log n) in the areas): a caller asking
 * many questions of one region builds the index once instead.
 */
bool bb_region_may_map(const struct bb_region *r, uint64_t off, uint64_t len);

/*
 * What a region allows to be mmap'd, sorted and joined once: @all (the whole
 * region), or @nr_spans disjoint, non-touching spans in offset order, clipped
 * to the region.  Build O(n log n), each question O(log n).
 */
struct bb_map_index {
	bool all;
	uint64_t size;			/* the region's */
	uint32_t nr_spans;
	struct bb_area *spans;
};

int bb_map_index_build(const struct bb_region *r, struct bb_map_index *ix);	/* 0 or -ENOMEM */
bool bb_map_index_covers(const struct bb_map_index *ix, uint64_t off, uint64_t len);
uint64_t bb_map_index_bytes(const struct bb_map_index *ix);
void bb_map_index_free(struct bb_map_index *ix);

/*
 * Area comparisons made by sorting and searching (never reset by barbench):
 * tests assert planning stays O(n log n) in the number of areas by counting
 * these instead of timing.
 */
extern unsigned long long bb_area_comparisons;

/* Human-readable description (several lines, each starting with @indent). */
void bb_region_print(FILE *f, const struct bb_region *r, const char *indent);

/* Sizes and numbers as people write them: "16 KiB", "0x4000". */
void bb_format_size(char *buf, size_t len, uint64_t bytes);

/*
 * @part of @whole in percent for a one-decimal "%.1f": 100.0 only when all of
 * it, 0.0 only when none (0x1ffc000 of a 32 MiB BAR is 99.9, not 100.0).
 */
double bb_share_pct(uint64_t part, uint64_t whole);

/* VFIO region index name: "BAR0".."BAR5", "ROM", "CONFIG", "VGA", "REGIONn". */
const char *bb_region_index_name(uint32_t index, char *buf, size_t len);

#endif
