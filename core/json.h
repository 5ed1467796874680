/* SPDX-License-Identifier: MIT */
/*
 * JSON through jansson, for every document barbench writes (docs/results.md,
 * docs/schemas/): a few helpers that keep hostile strings and unsigned
 * 64-bit numbers valid JSON, the documents of the core objects (a region, a
 * plan), and one way to print a document.
 */
#ifndef BARBENCH_JSON_H
#define BARBENCH_JSON_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "barbench/layout.h"
#include "barbench/plan.h"
#include "barbench/region.h"

/*
 * @s as a JSON string, NULL as null.  jansson refuses a string that is not
 * UTF-8 (json_string() returns NULL), and names, paths and messages may come
 * from hostile input: every byte of an invalid sequence becomes U+FFFD.
 * NULL only when out of memory.
 */
json_t *bb_json_str(const char *s);

/*
 * @v as a JSON integer; above INT64_MAX (a hostile region size) as a real,
 * exact only to 2^53 (json_int_t is signed 64-bit).
 */
json_t *bb_json_u64(uint64_t v);

/* @v as a JSON real; NaN or an infinity as null (JSON has neither). */
json_t *bb_json_num(double v);

/*
 * A region as the core parser made it: index, size_bytes, offset, flags,
 * sparse_mmap, sparse_areas, msix_mappable, type, unknown_caps,
 * mappable_bytes (docs/schemas/common.schema.json, "region").  NULL only
 * when out of memory.
 */
json_t *bb_region_json(const struct bb_region *r);

/*
 * A plan: every member present whatever the plan (docs/schemas/
 * common.schema.json, "plan"); a plan that does not apply has its reason,
 * empty lists and null figures.  @l (may be NULL) names the trapped
 * registers of region @index.  NULL only when out of memory.
 */
json_t *bb_plan_json(const struct bb_plan *p, const struct bb_layout *l, uint32_t index);

/* The flags of every document: key order kept, non-ASCII escaped, 10 significant digits. */
#define BB_JSON_FLAGS (JSON_ENSURE_ASCII | JSON_REAL_PRECISION(10))

/*
 * Write @doc to @f: one line (compact), or indented by 2 with @indent; a
 * newline after it.  Returns 0, -ENOMEM when @doc is NULL (a builder ran
 * out of memory), -EIO when the write failed.
 */
int bb_json_dump(FILE *f, const json_t *doc, int indent);
/* The same, and the reference taken: @doc is freed. */
int bb_json_write(FILE *f, json_t *doc, int indent);

#endif
