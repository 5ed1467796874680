/* SPDX-License-Identifier: MIT */
/*
 * Layouts: a text description of a real device (layouts/README.md): its
 * regions and what its driver reports, MSI-X placement, named registers with
 * their hotness, and which ranges are safe to touch on real hardware.
 */
#ifndef BARBENCH_LAYOUT_H
#define BARBENCH_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "barbench/diag.h"
#include "barbench/region.h"

enum bb_reg_kind {
	BB_REG_DOORBELL,
	BB_REG_STATUS,
	BB_REG_CONTROL,
	BB_REG_IRQ,
	BB_REG_ID,
	BB_REG_DATA,
	BB_REG_OTHER,
};

enum bb_safety {
	BB_ACCESS_UNLISTED,	/* not described: emulated device only */
	BB_ACCESS_NONE,		/* never touched */
	BB_ACCESS_READ,
	BB_ACCESS_RW,
};

/*
 * What a workload may touch on a device, strictest last: anything (the
 * emulated device's own memory); anything but the MSI-X table and PBA (a
 * device whose backend may front real hardware, e.g. a vfio-user server);
 * only what the layout marks safe, and never the MSI-X table and PBA (real
 * hardware); and of that only the reads (real hardware whose user did not
 * allow writes: its mappings are read-only).
 */
enum bb_guard {
	BB_GUARD_NONE,
	BB_GUARD_MSIX,
	BB_GUARD_SAFE_ONLY,
	BB_GUARD_SAFE_READS,	/* real hardware without leave to write (run --allow-writes): reads of safe ranges only */
};

/* A byte range of one region. */
struct bb_range {
	uint32_t region;
	uint64_t offset;
	uint64_t size;
};

/* A register array (count=, stride=) holds at most this many elements ... */
#define BB_LAYOUT_MAX_COUNT 16384
/* ... and a layout at most this many registers, array elements included. */
#define BB_LAYOUT_MAX_REGS 32768

struct bb_layout_reg {
	char name[64];		/* an array element is "NAME[i]" */
	uint32_t region;
	uint64_t offset;
	uint64_t size;
	enum bb_reg_kind kind;
	uint32_t reads;		/* relative weights per unit of work (of each element) */
	uint32_t writes;
	bool has_weights;	/* reads= or writes= given (writes=0: known to be idle) */
	bool has_value;
	uint64_t value;
	bool big_endian;	/* byte-order=be: how value is laid out in the register */
	unsigned line;
	/* an element of a register array: count > 0, element index, stride in bytes */
	uint32_t array_count;
	uint32_t array_index;
	uint64_t array_stride;
	uint32_t accept;	/* accept=: bit 1 << kind of each `layout check` finding known and accepted */
};

struct bb_layout_safe {
	struct bb_range range;
	enum bb_safety access;
	unsigned line;
};

struct bb_layout_region {
	struct bb_region info;	/* what the driver reports */
	char name[32];
	unsigned line;
};

/*
 * present: the table and PBA are where the fields say.  placement_unknown:
 * "msix placement=unknown": the device has MSI-X but the layout does not know
 * where its table and PBA sit; present is false, so nothing is must-trap and
 * every consumer treats the layout as having no MSI-X structure to avoid
 * (layouts/README.md states what plans and `layout check` then assume).
 */
struct bb_layout_msix {
	bool present;
	bool placement_unknown;
	uint32_t vectors;
	uint32_t table_region;
	uint64_t table_offset;
	uint32_t pba_region;
	uint64_t pba_offset;
	unsigned line;		/* of the msix statement (0: none, or not from a file) */
};

struct bb_layout {
	char path[256];
	char name[64];
	char desc[256];
	bool has_ids;
	uint16_t vendor, device;
	bool has_subsys;
	uint16_t subsys_vendor, subsys_device;
	bool has_class;
	uint32_t class_code;
	/* one BAR access of the real device in ns (read_ns=, write_ns=; 0: not given) and where that comes from */
	uint32_t read_ns, write_ns;
	char ns_source[128];

	uint32_t nr_regions;	/* sorted by index */
	struct bb_layout_region *regions;
	struct bb_layout_msix msix;
	uint32_t nr_regs;
	struct bb_layout_reg *regs;
	uint32_t nr_safe;
	struct bb_layout_safe *safe;
};

/* Load a layout file; errors name "path:line". */
int bb_layout_load(const char *path, struct bb_layout *out, struct bb_diag *d);

/* Parse layout text (need not be NUL-terminated). @name labels messages. */
int bb_layout_parse(const char *text, size_t len, const char *name,
		    struct bb_layout *out, struct bb_diag *d);

void bb_layout_free(struct bb_layout *l);

/*
 * Resolve a layout argument to a path: as given when it exists, else
 * <basename> in the source tree's layouts/, else in the installed ones.
 * -ENOENT with @d naming every place looked in, or -ENAMETOOLONG.
 */
int bb_layout_resolve(const char *arg, char *path, size_t len, struct bb_diag *d);

/* The region with VFIO index @index, or NULL. */
const struct bb_layout_region *bb_layout_find_region(const struct bb_layout *l, uint32_t index);

/* Must-trap ranges inside region @index (MSI-X table, PBA): fills up to 2. */
unsigned bb_layout_must_trap(const struct bb_layout *l, uint32_t index, struct bb_range out[2]);

/* MSI-X table and PBA sizes in bytes (PCI Local Bus Spec 3.0, 6.8.2). */
uint64_t bb_msix_table_bytes(uint32_t vectors);
uint64_t bb_msix_pba_bytes(uint32_t vectors);

/* Does [off, off+len) of region @index touch the MSI-X table or PBA (the must-trap ranges)? */
bool bb_layout_hits_must_trap(const struct bb_layout *l, uint32_t index, uint64_t off, uint64_t len);

/*
 * The most restrictive access any layout statement gives to bytes of
 * [off, off+len) of region @index; must-trap ranges count as NONE when
 * @real_hw.  Unlisted bytes give BB_ACCESS_UNLISTED.
 */
enum bb_safety bb_layout_access(const struct bb_layout *l, uint32_t index,
				uint64_t off, uint64_t len, bool real_hw);

const char *bb_reg_kind_name(enum bb_reg_kind k);

/* Write @l in the layout file format (without comments); parses back to the same layout. */
int bb_layout_write(FILE *f, const struct bb_layout *l);

/* The start of @r's region statement: index, size, flags and caps (no name, no newline). */
void bb_layout_write_region(FILE *f, const struct bb_region *r);

/* Deep copy. */
int bb_layout_copy(struct bb_layout *dst, const struct bb_layout *src);

/*
 * The bytes register @g holds at reset (its value=, in its byte order) into
 * @out; returns how many (at most 8, 0 without value=).
 */
size_t bb_layout_reg_bytes(const struct bb_layout_reg *g, uint8_t out[8]);

struct bb_plan;
/*
 * Add to @p, a plan of region @index, the warnings for what the layout leaves
 * open (msix placement=unknown: no must-trap range was cut out).
 */
void bb_layout_warn_plan(const struct bb_layout *l, uint32_t index, struct bb_plan *p);

/* Registers of region @index that intersect [off, off+len). */
bool bb_reg_overlaps(const struct bb_layout_reg *r, uint32_t index, uint64_t off, uint64_t len);

#endif
