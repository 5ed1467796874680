// SPDX-License-Identifier: MIT
/*
 * The region-info capability chain (bb_region_parse): the bytes a kernel, a
 * vfio-user server or a captured file hands over.  Refused input is -EINVAL
 * naming a byte offset and leaves nothing allocated; accepted input gives a
 * self-consistent region (areas non-empty, inside, non-overlapping) whose
 * encoding is no longer than the input and parses back to the same region,
 * byte for byte stable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <linux/vfio.h>

#include "json.h"
#include "barbench/region.h"
#include "fuzz.h"

static int cmp_area(const void *a, const void *b)
{
	const struct bb_area *x = a, *y = b;

	return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

static void check_region(const struct bb_region *r)
{
	uint64_t m = bb_region_mappable_bytes(r);
	struct bb_area *s;

	FUZZ_ASSERT(r->has_sparse || r->nr_areas == 0, "%" PRIu32 " areas without the capability", r->nr_areas);
	FUZZ_ASSERT(m <= r->size, "mappable 0x%" PRIx64 " > size 0x%" PRIx64, m, r->size);
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		FUZZ_ASSERT(m == 0, "mappable without MMAP");
	for (uint32_t i = 0; i < r->nr_areas; i++) {
		const struct bb_area *a = &r->areas[i];

		/* size 0 (vfio-pci < 4.16 on 64 KiB pages) is accepted and maps nothing */
		FUZZ_ASSERT(a->offset + a->size >= a->offset, "area %" PRIu32 " wraps", i);
		FUZZ_ASSERT(a->offset + a->size <= r->size, "area %" PRIu32 " outside", i);
		if (!a->size)
			FUZZ_ASSERT(!bb_region_may_map(r, a->offset, 0), "empty area %" PRIu32 " mappable", i);
		else if ((r->flags & VFIO_REGION_INFO_FLAG_MMAP))
			FUZZ_ASSERT(bb_region_may_map(r, a->offset, a->size), "area %" PRIu32 " not mappable", i);
	}
	if (r->nr_areas > 1) {
		s = malloc(r->nr_areas * sizeof(*s));
		FUZZ_ASSERT(s != NULL, "out of memory");
		memcpy(s, r->areas, r->nr_areas * sizeof(*s));
		qsort(s, r->nr_areas, sizeof(*s), cmp_area);
		for (uint32_t i = 1, k = 0; i < r->nr_areas; i++) {
			if (!s[i].size)
				continue;
			if (s[k].size)
				FUZZ_ASSERT(s[i].offset >= s[k].offset + s[k].size, "areas overlap at 0x%" PRIx64,
					    s[i].offset);
			k = i;
		}
		free(s);
	}
	FUZZ_ASSERT(bb_region_check(r, "fuzz", NULL) == 0, "bb_region_check refuses a parsed region");
}

static void check_same(const struct bb_region *a, const struct bb_region *b)
{
	FUZZ_ASSERT(a->index == b->index && a->flags == b->flags && a->size == b->size && a->offset == b->offset,
		    "info fields differ after a round trip");
	FUZZ_ASSERT(a->has_sparse == b->has_sparse && a->nr_areas == b->nr_areas, "sparse capability differs");
	for (uint32_t i = 0; i < a->nr_areas; i++)
		FUZZ_ASSERT(a->areas[i].offset == b->areas[i].offset && a->areas[i].size == b->areas[i].size,
			    "area %" PRIu32 " differs", i);
	FUZZ_ASSERT(a->msix_mappable == b->msix_mappable, "msix mappable differs");
	FUZZ_ASSERT(a->has_type == b->has_type && (!a->has_type || (a->type == b->type && a->subtype == b->subtype)),
		    "type capability differs");
	FUZZ_ASSERT(a->nr_unknown == b->nr_unknown, "unknown capabilities differ");
	for (uint32_t i = 0; i < a->nr_unknown; i++)
		FUZZ_ASSERT(a->unknown[i].id == b->unknown[i].id && a->unknown[i].version == b->unknown[i].version,
			    "unknown capability %" PRIu32 " differs", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_region r, back;
	struct bb_diag d = { "" };
	uint8_t *buf, *buf2;
	size_t len, len2;
	uint32_t argsz;
	int err;

	err = bb_region_parse(data, size, "fuzz", &r, &d);
	if (err) {
		FUZZ_ASSERT(err == -EINVAL || err == -ENOMEM, "error %d: %s", err, d.msg);
		FUZZ_ASSERT((!strncmp(d.msg, "fuzz: ", 6) && strstr(d.msg, "byte ")) || err == -ENOMEM,
			    "message names no byte: %s", d.msg);
		FUZZ_ASSERT(!r.areas && !r.nr_areas && !r.unknown && !r.nr_unknown, "a refused parse left data");
		return 0;
	}
	memcpy(&argsz, data, sizeof(argsz));
	check_region(&r);
	FUZZ_ASSERT(bb_region_info_needed(data, size, (uint32_t)size) == 0, "parsed, yet a larger argsz wanted");
	bb_region_print(fuzz_null(), &r, "  ");
	{
		json_t *j = bb_region_json(&r);

		FUZZ_ASSERT(j && json_is_object(j), "no region document");
		json_decref(j);
	}

	/* encode -> parse gives the same region; the encoding is compact and stable */
	err = bb_region_encode(&r, &buf, &len, &d);
	FUZZ_ASSERT(!err, "encode of a parsed region: %s", d.msg);
	FUZZ_ASSERT(len <= argsz, "encoding of %zu bytes from an answer of %" PRIu32, len, argsz);
	err = bb_region_parse(buf, len, "fuzz-encoded", &back, &d);
	FUZZ_ASSERT(!err, "the encoding does not parse: %s", d.msg);
	check_same(&r, &back);
	err = bb_region_encode(&back, &buf2, &len2, &d);
	FUZZ_ASSERT(!err && len2 == len && !memcmp(buf, buf2, len), "encode(parse(encode(r))) != encode(r)");
	free(buf2);
	bb_region_free(&back);
	free(buf);
	bb_region_free(&r);
	return 0;
}
