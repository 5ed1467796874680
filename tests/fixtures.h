/* SPDX-License-Identifier: MIT */
/*
 * What several tests walk, pick or write alike: the shipped layouts (as paths
 * or loaded), little-endian fields of a config space image, a plain spot of a region.
 */
#ifndef BARBENCH_TEST_FIXTURES_H
#define BARBENCH_TEST_FIXTURES_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "barbench/backend.h"
#include "barbench/layout.h"
#include "check.h"

/*
 * The next layout shipped in BB_LAYOUT_DIR (opened as @dir; README.md and
 * hidden files skipped): "@prefix<dir>/NAME" into @path; false at the end or
 * when @dir is NULL.
 */
static inline bool next_shipped(DIR *dir, const char *prefix, char *path, size_t len)
{
	struct dirent *e;

	while (dir && (e = readdir(dir)))
		if (e->d_name[0] != '.' && !strchr(e->d_name, '.')) {
			snprintf(path, len, "%s%s/%s", prefix, BB_LAYOUT_DIR, e->d_name);
			return true;
		}
	return false;
}

/*
 * The next shipped layout (next_shipped, its path in @path) loaded into @l,
 * for the caller to bb_layout_free; one that does not load is a failed
 * check, named, and passed over.  False at the end.
 */
static inline bool next_shipped_layout(DIR *dir, char *path, size_t len, struct bb_layout *l)
{
	struct bb_diag d;

	while (next_shipped(dir, "", path, len)) {
		if (!bb_layout_load(path, l, &d))
			return true;
		NOTE_FAIL("%s", d.msg);
		CHECK(0);
	}
	return false;
}

/* @v little-endian at byte @at of @c (a config space image, as a device lays it out). */
static inline void w16(uint8_t *c, unsigned at, uint16_t v)
{
	c[at] = (uint8_t)v;
	c[at + 1] = (uint8_t)(v >> 8);
}

static inline void w32(uint8_t *c, unsigned at, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		c[at + i] = (uint8_t)(v >> (8 * i));
}

/*
 * A @width-aligned run of @width bytes inside [off, off + size) (the first
 * 64 KiB of it) that no id register overlaps (trapped writes to those are
 * dropped) into *@out; false when there is none.
 */
static inline bool pick_plain(const struct bb_dev *dev, uint32_t index, uint64_t off, uint64_t size, unsigned width,
			      uint64_t *out)
{
	for (uint64_t o = off; o + width <= off + size && o < off + 0x10000; o += width) {
		bool id = false;

		for (uint32_t i = 0; i < dev->layout.nr_regs; i++)
			id |= dev->layout.regs[i].kind == BB_REG_ID && bb_reg_overlaps(&dev->layout.regs[i], index, o, width);
		if (!id) {
			*out = o;
			return true;
		}
	}
	return false;
}

#endif
