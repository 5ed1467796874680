// SPDX-License-Identifier: MIT
/*
 * Capability-chain parser and encoder for the bytes returned by
 * VFIO_DEVICE_GET_REGION_INFO.  Layout facts (field offsets, capability ids,
 * 8-byte alignment, offsets counted from the start of the info struct) come
 * from <linux/vfio.h> and drivers/vfio/vfio_main.c (vfio_info_cap_add,
 * vfio_info_cap_shift).  The buffer is hostile: every read is bounds-checked
 * against min(len, argsz) before it happens.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "bytes.h"
#include "barbench/region.h"
#include "json.h"

#define INFO_SZ ((uint32_t)sizeof(struct vfio_region_info))
#define HDR_SZ ((uint32_t)sizeof(struct vfio_info_cap_header))
#define SPARSE_SZ ((uint32_t)sizeof(struct vfio_region_info_cap_sparse_mmap))
#define AREA_SZ ((uint32_t)sizeof(struct vfio_region_sparse_mmap_area))
#define TYPE_SZ ((uint32_t)sizeof(struct vfio_region_info_cap_type))


void bb_region_free(struct bb_region *r)
{
	if (!r)
		return;
	free(r->areas);
	free(r->unknown);
	memset(r, 0, sizeof(*r));
}

void bb_region_free_areas(struct bb_region *r)
{
	free(r->areas);
	r->areas = NULL;
	r->nr_areas = 0;
	r->has_sparse = false;
}

int bb_region_copy(struct bb_region *dst, const struct bb_region *src)
{
	*dst = *src;
	dst->areas = NULL;
	dst->unknown = NULL;
	if (src->nr_areas) {
		dst->areas = calloc(src->nr_areas, sizeof(*dst->areas));
		if (!dst->areas)
			goto nomem;
		memcpy(dst->areas, src->areas, src->nr_areas * sizeof(*dst->areas));
	}
	if (src->nr_unknown) {
		dst->unknown = calloc(src->nr_unknown, sizeof(*dst->unknown));
		if (!dst->unknown)
			goto nomem;
		memcpy(dst->unknown, src->unknown, src->nr_unknown * sizeof(*dst->unknown));
	}
	return 0;
nomem:
	bb_region_free(dst);
	return -ENOMEM;
}

struct area_ref {
	uint64_t offset, size;
	uint32_t i;
};

static int cmp_area_ref(const void *a, const void *b)
{
	const struct area_ref *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->i < y->i ? -1 : (x->i > y->i);
}

/*
 * Check areas: no 64-bit overflow, inside the region, no overlap.  An area
 * of size 0 is accepted and maps nothing: vfio-pci before Linux 4.16 emitted
 * one (nr_areas = 1, a zeroed entry) when the MSI-X table's page covered the
 * whole BAR, e.g. a 16 KiB BAR on 64 KiB pages (msix_sparse_mmap_cap() in
 * drivers/vfio/pci/vfio_pci.c, 4.6 .. 4.15); QEMU skips such entries
 * (vfio_setup_region_sparse_mmaps(), hw/vfio/region.c, earlier
 * hw/vfio/common.c).  It overlaps nothing.
 * @base is the byte offset of area 0 in the buffer (0 when not from a buffer),
 * used to name positions.
 */
static int check_areas(const struct bb_region *r, const char *name, uint32_t base,
		       struct bb_diag *d)
{
	struct area_ref *refs;
	uint32_t i, n = 0;

	for (i = 0; i < r->nr_areas; i++) {
		const struct bb_area *a = &r->areas[i];
		uint32_t at = base + i * AREA_SZ;

		if (a->offset + a->size < a->offset)
			return bb_diag_set(d, -EINVAL,
				"%s: sparse area %" PRIu32 " at byte %" PRIu32
				" [0x%" PRIx64 " + 0x%" PRIx64 "] overflows 64 bits",
				name, i, at, a->offset, a->size);
		if (a->offset + a->size > r->size)
			return bb_diag_set(d, -EINVAL,
				"%s: sparse area %" PRIu32 " at byte %" PRIu32
				" [0x%" PRIx64 ", 0x%" PRIx64 ") lies outside the region (size 0x%" PRIx64 ")",
				name, i, at, a->offset, a->offset + a->size, r->size);
	}
	if (r->nr_areas < 2)
		return 0;
	refs = calloc(r->nr_areas, sizeof(*refs));
	if (!refs)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory sorting %" PRIu32 " areas",
				   name, r->nr_areas);
	for (i = 0; i < r->nr_areas; i++) {
		if (!r->areas[i].size)
			continue;
		refs[n].offset = r->areas[i].offset;
		refs[n].size = r->areas[i].size;
		refs[n].i = i;
		n++;
	}
	qsort(refs, n, sizeof(*refs), cmp_area_ref);
	for (i = 1; i < n; i++) {
		const struct area_ref *p = &refs[i - 1], *c = &refs[i];

		if (c->offset < p->offset + p->size) {
			uint32_t lo = p->i < c->i ? p->i : c->i, hi = p->i < c->i ? c->i : p->i;
			int err = bb_diag_set(d, -EINVAL,
				"%s: sparse area %" PRIu32 " at byte %" PRIu32
				" overlaps area %" PRIu32 " at byte %" PRIu32
				" ([0x%" PRIx64 ", 0x%" PRIx64 ") and [0x%" PRIx64 ", 0x%" PRIx64 "))",
				name, hi, base + hi * AREA_SZ, lo, base + lo * AREA_SZ,
				r->areas[lo].offset, r->areas[lo].offset + r->areas[lo].size,
				r->areas[hi].offset, r->areas[hi].offset + r->areas[hi].size);
			free(refs);
			return err;
		}
	}
	free(refs);
	return 0;
}

int bb_region_check(const struct bb_region *r, const char *name, struct bb_diag *d)
{
	if (!r->has_sparse && r->nr_areas)
		return bb_diag_set(d, -EINVAL, "%s: %" PRIu32 " areas without a sparse capability",
				   name, r->nr_areas);
	return check_areas(r, name, 0, d);
}

static int add_unknown(struct bb_region *r, uint16_t id, uint16_t ver, uint32_t at)
{
	struct bb_unknown_cap *n;

	n = realloc(r->unknown, (r->nr_unknown + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->unknown = n;
	n[r->nr_unknown].id = id;
	n[r->nr_unknown].version = ver;
	n[r->nr_unknown].at = at;
	r->nr_unknown++;
	return 0;
}

static const char *cap_name(uint16_t id)
{
	switch (id) {
	case VFIO_REGION_INFO_CAP_SPARSE_MMAP: return "sparse mmap";
	case VFIO_REGION_INFO_CAP_TYPE: return "type";
	case VFIO_REGION_INFO_CAP_MSIX_MAPPABLE: return "msix mappable";
	default: return "unknown";
	}
}

uint32_t bb_region_info_needed(const void *buf, size_t len, uint32_t passed_argsz)
{
	const uint8_t *p = buf;
	uint32_t argsz, flags, cap_offset;

	if (len < INFO_SZ)
		return 0;
	argsz = bb_get32(p, offsetof(struct vfio_region_info, argsz));
	flags = bb_get32(p, offsetof(struct vfio_region_info, flags));
	cap_offset = bb_get32(p, offsetof(struct vfio_region_info, cap_offset));
	if ((flags & VFIO_REGION_INFO_FLAG_CAPS) && cap_offset == 0 && argsz > passed_argsz)
		return argsz;
	return 0;
}

/* What the parser knows of the buffer: its bytes, where the answer ends, its name for messages. */
struct chain {
	const uint8_t *p;
	uint32_t end;		/* argsz: bytes past it are not part of the answer */
	const char *name;
};

/*
 * The fixed vfio_region_info header into @r; @argsz and @cap_offset as the
 * buffer states them.  argsz must cover the header and fit in @len.
 */
static int parse_header(const uint8_t *p, size_t len, const char *name, struct bb_region *r,
			uint32_t *argsz, uint32_t *cap_offset, struct bb_diag *d)
{
	if (len < INFO_SZ)
		return bb_diag_set(d, -EINVAL,
			"%s: byte 0: buffer of %zu bytes is shorter than struct vfio_region_info (%" PRIu32 " bytes)",
			name, len, INFO_SZ);

	*argsz = bb_get32(p, offsetof(struct vfio_region_info, argsz));
	r->flags = bb_get32(p, offsetof(struct vfio_region_info, flags));
	r->index = bb_get32(p, offsetof(struct vfio_region_info, index));
	*cap_offset = bb_get32(p, offsetof(struct vfio_region_info, cap_offset));
	r->size = bb_get64(p, offsetof(struct vfio_region_info, size));
	r->offset = bb_get64(p, offsetof(struct vfio_region_info, offset));

	if (*argsz < INFO_SZ)
		return bb_diag_set(d, -EINVAL,
			"%s: byte 0: argsz %" PRIu32 " is smaller than struct vfio_region_info (%" PRIu32 " bytes)",
			name, *argsz, INFO_SZ);
	if (*argsz > len)
		return bb_diag_set(d, -EINVAL,
			"%s: byte 0: argsz %" PRIu32 " claims more than the %zu bytes of the buffer",
			name, *argsz, len);
	return 0;
}

/*
 * A capability may start at @off (named by the pointer at byte @from): past
 * the header, 8-byte aligned, after the previous one (@prev_end), its header
 * inside the answer.
 */
static int check_cap_offset(const struct chain *c, uint32_t from, uint32_t off, uint32_t prev_end,
			    struct bb_diag *d)
{
	if (off < INFO_SZ)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": capability offset 0x%" PRIx32
			" points inside the vfio_region_info header (%" PRIu32 " bytes)",
			c->name, from, off, INFO_SZ);
	if (off % 8)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": capability offset 0x%" PRIx32 " is not 8-byte aligned",
			c->name, from, off);
	if (off < prev_end)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": capability offset 0x%" PRIx32
			" goes backwards (the previous capability ends at 0x%" PRIx32 "): a loop or overlap",
			c->name, from, off, prev_end);
	if (off >= c->end || c->end - off < HDR_SZ)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": capability header at 0x%" PRIx32
			" lies outside the buffer (argsz %" PRIu32 ")",
			c->name, from, off, c->end);
	return 0;
}

/* The sparse mmap capability (version @ver) at @off: its areas into @r, checked; *@cap_end past them. */
static int parse_sparse(const struct chain *c, uint32_t off, uint16_t ver, struct bb_region *r,
			uint32_t *cap_end, struct bb_diag *d)
{
	uint64_t need;
	uint32_t i, base;

	if (ver != 1)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": sparse mmap capability version %" PRIu16
			" not understood (only version 1); refusing to guess what may be mapped",
			c->name, off, ver);
	if (c->end - off < SPARSE_SZ)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": sparse mmap capability needs %" PRIu32
			" bytes, only %" PRIu32 " left in the buffer",
			c->name, off, SPARSE_SZ, c->end - off);
	r->has_sparse = true;
	r->nr_areas = bb_get32(c->p, off + offsetof(struct vfio_region_info_cap_sparse_mmap, nr_areas));
	base = off + SPARSE_SZ;
	need = (uint64_t)r->nr_areas * AREA_SZ;
	if (need > c->end - base) {
		int err = bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": nr_areas %" PRIu32 " needs %" PRIu64
			" bytes of areas, only %" PRIu32 " left in the buffer",
			c->name, off + (uint32_t)offsetof(struct vfio_region_info_cap_sparse_mmap, nr_areas),
			r->nr_areas, need, c->end - base);

		r->nr_areas = 0;
		return err;
	}
	if (r->nr_areas) {
		r->areas = calloc(r->nr_areas, sizeof(*r->areas));
		if (!r->areas) {
			r->nr_areas = 0;
			return bb_diag_set(d, -ENOMEM, "%s: out of memory", c->name);
		}
	}
	for (i = 0; i < r->nr_areas; i++) {
		uint32_t a = base + i * AREA_SZ;

		r->areas[i].offset = bb_get64(c->p, a + offsetof(struct vfio_region_sparse_mmap_area, offset));
		r->areas[i].size = bb_get64(c->p, a + offsetof(struct vfio_region_sparse_mmap_area, size));
	}
	*cap_end = base + (uint32_t)need;
	return check_areas(r, c->name, base, d);
}

/* The type capability at @off into @r; *@cap_end past it. */
static int parse_type(const struct chain *c, uint32_t off, struct bb_region *r, uint32_t *cap_end,
		      struct bb_diag *d)
{
	if (c->end - off < TYPE_SZ)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": type capability needs %" PRIu32
			" bytes, only %" PRIu32 " left in the buffer",
			c->name, off, TYPE_SZ, c->end - off);
	r->has_type = true;
	r->type = bb_get32(c->p, off + offsetof(struct vfio_region_info_cap_type, type));
	r->subtype = bb_get32(c->p, off + offsetof(struct vfio_region_info_cap_type, subtype));
	*cap_end = off + TYPE_SZ;
	return 0;
}

/*
 * The capability @id (version @ver) at @off into @r: each known one at most
 * once, an unknown one recorded.  *@cap_end: where its body ends.
 */
static int parse_cap(const struct chain *c, uint32_t off, uint16_t id, uint16_t ver, struct bb_region *r,
		     uint32_t *cap_end, struct bb_diag *d)
{
	bool dup;

	*cap_end = off + HDR_SZ;
	switch (id) {
	case VFIO_REGION_INFO_CAP_SPARSE_MMAP:
		dup = r->has_sparse;
		if (!dup)
			return parse_sparse(c, off, ver, r, cap_end, d);
		break;
	case VFIO_REGION_INFO_CAP_TYPE:
		dup = r->has_type;
		if (!dup)
			return parse_type(c, off, r, cap_end, d);
		break;
	case VFIO_REGION_INFO_CAP_MSIX_MAPPABLE:
		dup = r->msix_mappable;
		r->msix_mappable = true;
		break;
	default:
		if (add_unknown(r, id, ver, off))
			return bb_diag_set(d, -ENOMEM, "%s: out of memory", c->name);
		return 0;
	}
	if (dup)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": a second %s capability (id %" PRIu16 ")",
			c->name, off, cap_name(id), id);
	return 0;
}

/* The capability chain from @off (named by the pointer at byte @from) into @r. */
static int parse_chain(const struct chain *c, uint32_t from, uint32_t off, struct bb_region *r,
		       struct bb_diag *d)
{
	uint32_t prev_end = INFO_SZ;

	while (off) {
		uint16_t id, ver;
		uint32_t next, cap_end;
		int err = check_cap_offset(c, from, off, prev_end, d);

		if (err)
			return err;
		id = bb_get16(c->p, off + offsetof(struct vfio_info_cap_header, id));
		ver = bb_get16(c->p, off + offsetof(struct vfio_info_cap_header, version));
		next = bb_get32(c->p, off + offsetof(struct vfio_info_cap_header, next));
		err = parse_cap(c, off, id, ver, r, &cap_end, d);
		if (err)
			return err;
		if (next && next < cap_end)
			return bb_diag_set(d, -EINVAL,
				"%s: byte %" PRIu32 ": next 0x%" PRIx32 " of the %s capability at 0x%" PRIx32
				" points %s (its body ends at 0x%" PRIx32 ")",
				c->name, off + (uint32_t)offsetof(struct vfio_info_cap_header, next), next,
				cap_name(id), off, next <= off ? "backwards: a loop" : "into its own body",
				cap_end);
		prev_end = cap_end;
		from = off + offsetof(struct vfio_info_cap_header, next);
		off = next;
	}
	return 0;
}

int bb_region_parse(const void *buf, size_t len, const char *name,
		    struct bb_region *out, struct bb_diag *d)
{
	struct chain c = { .p = buf, .name = name ? name : "region-info" };
	struct bb_region r;
	uint32_t off = 0, from = offsetof(struct vfio_region_info, cap_offset);
	int err;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	err = parse_header(c.p, len, c.name, &r, &c.end, &off, d);
	if (err)
		return err;
	if (!(r.flags & VFIO_REGION_INFO_FLAG_CAPS)) {
		if (off != 0)
			return bb_diag_set(d, -EINVAL,
				"%s: byte %" PRIu32 ": cap_offset 0x%" PRIx32
				" starts a capability chain but the CAPS flag is not set (flags 0x%" PRIx32 ")",
				c.name, from, off, r.flags);
		*out = r;
		return 0;
	}
	if (off == 0)
		return bb_diag_set(d, -EINVAL,
			"%s: byte %" PRIu32 ": CAPS flag set but cap_offset is 0: no capability chain"
			" (the kernel answers so when argsz is too small; it asks for %" PRIu32 ")",
			c.name, from, c.end);
	err = parse_chain(&c, from, off, &r, d);
	if (err) {
		bb_region_free(&r);
		return err;
	}
	*out = r;
	return 0;
}

int bb_region_encode(const struct bb_region *r, uint8_t **buf, size_t *len,
		     struct bb_diag *d)
{
	uint64_t total = INFO_SZ;
	uint32_t flags = r->flags & ~(uint32_t)VFIO_REGION_INFO_FLAG_CAPS;
	uint32_t at, i, prev_next = 0;
	bool any;
	uint8_t *p;
	int err;

	*buf = NULL;
	*len = 0;
	err = bb_region_check(r, "region", d);
	if (err)
		return err;
	if (r->has_sparse)
		total += SPARSE_SZ + (uint64_t)r->nr_areas * AREA_SZ;
	if (r->has_type)
		total += TYPE_SZ;
	if (r->msix_mappable)
		total += HDR_SZ;
	total += (uint64_t)r->nr_unknown * HDR_SZ;
	if (total > UINT32_MAX)
		return bb_diag_set(d, -E2BIG, "region %" PRIu32 ": %" PRIu64
				   " bytes of region info do not fit argsz", r->index, total);
	any = total > INFO_SZ;
	p = calloc(1, total);
	if (!p)
		return bb_diag_set(d, -ENOMEM, "region %" PRIu32 ": out of memory", r->index);
	if (any)
		flags |= VFIO_REGION_INFO_FLAG_CAPS;
	bb_put32(p, offsetof(struct vfio_region_info, argsz), (uint32_t)total);
	bb_put32(p, offsetof(struct vfio_region_info, flags), flags);
	bb_put32(p, offsetof(struct vfio_region_info, index), r->index);
	bb_put32(p, offsetof(struct vfio_region_info, cap_offset), any ? INFO_SZ : 0);
	bb_put64(p, offsetof(struct vfio_region_info, size), r->size);
	bb_put64(p, offsetof(struct vfio_region_info, offset), r->offset);

	at = INFO_SZ;
#define CAP_HDR(cid, cver, sz) do {                                               \
		if (prev_next)                                                   \
			bb_put32(p, prev_next, at);                                  \
		bb_put16(p, at + offsetof(struct vfio_info_cap_header, id), (cid));  \
		bb_put16(p, at + offsetof(struct vfio_info_cap_header, version), (cver)); \
		prev_next = at + offsetof(struct vfio_info_cap_header, next);    \
		at += (sz);                                                      \
	} while (0)
	if (r->has_sparse) {
		uint32_t s = at;

		CAP_HDR(VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, SPARSE_SZ + r->nr_areas * AREA_SZ);
		bb_put32(p, s + offsetof(struct vfio_region_info_cap_sparse_mmap, nr_areas), r->nr_areas);
		for (i = 0; i < r->nr_areas; i++) {
			uint32_t a = s + SPARSE_SZ + i * AREA_SZ;

			bb_put64(p, a + offsetof(struct vfio_region_sparse_mmap_area, offset), r->areas[i].offset);
			bb_put64(p, a + offsetof(struct vfio_region_sparse_mmap_area, size), r->areas[i].size);
		}
	}
	if (r->has_type) {
		uint32_t s = at;

		CAP_HDR(VFIO_REGION_INFO_CAP_TYPE, 1, TYPE_SZ);
		bb_put32(p, s + offsetof(struct vfio_region_info_cap_type, type), r->type);
		bb_put32(p, s + offsetof(struct vfio_region_info_cap_type, subtype), r->subtype);
	}
	if (r->msix_mappable)
		CAP_HDR(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE, 1, HDR_SZ);
	for (i = 0; i < r->nr_unknown; i++)
		CAP_HDR(r->unknown[i].id, r->unknown[i].version, HDR_SZ);
#undef CAP_HDR
	*buf = p;
	*len = total;
	return 0;
}

unsigned long long bb_area_comparisons;

static int cmp_area(const void *a, const void *b)
{
	const struct bb_area *x = a, *y = b;

	bb_area_comparisons++;
	return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

void bb_map_index_free(struct bb_map_index *ix)
{
	free(ix->spans);
	memset(ix, 0, sizeof(*ix));
}

/*
 * Sort the areas once and join touching or overlapping ones into spans:
 * O(n log n), after which every "may this range be mapped" question is one
 * binary search.  (Sorting on every question made planning a region-info of
 * 16,000 areas take 19 s: a hostile server picks the number of areas.)
 */
int bb_map_index_build(const struct bb_region *r, struct bb_map_index *ix)
{
	struct bb_area *s;
	uint32_t i, n = 0;

	memset(ix, 0, sizeof(*ix));
	ix->size = r->size;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	if (!r->has_sparse || r->msix_mappable) {
		ix->all = true;
		return 0;
	}
	if (!r->nr_areas)
		return 0;
	s = malloc(r->nr_areas * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, r->areas, r->nr_areas * sizeof(*s));
	qsort(s, r->nr_areas, sizeof(*s), cmp_area);
	for (i = 0; i < r->nr_areas; i++) {
		uint64_t lo = s[i].offset, hi = s[i].offset + s[i].size;

		if (hi < lo)	/* a wrapped area covers up to the end of the address space */
			hi = UINT64_MAX;
		if (hi > r->size)
			hi = r->size;
		if (hi <= lo)
			continue;
		if (n && lo <= s[n - 1].offset + s[n - 1].size) {
			if (hi > s[n - 1].offset + s[n - 1].size)
				s[n - 1].size = hi - s[n - 1].offset;
			continue;
		}
		s[n].offset = lo;
		s[n].size = hi - lo;
		n++;
	}
	ix->spans = s;
	ix->nr_spans = n;
	return 0;
}

bool bb_map_index_covers(const struct bb_map_index *ix, uint64_t off, uint64_t len)
{
	uint32_t lo = 0, hi = ix->nr_spans;

	if (len == 0 || off + len < off || off + len > ix->size)
		return false;
	if (ix->all)
		return true;
	/* the last span starting at or below off; spans are disjoint and do not touch */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		bb_area_comparisons++;
		if (ix->spans[mid].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return false;
	return off + len <= ix->spans[lo - 1].offset + ix->spans[lo - 1].size;
}

uint64_t bb_map_index_bytes(const struct bb_map_index *ix)
{
	uint64_t total = 0;

	if (ix->all)
		return ix->size;
	for (uint32_t i = 0; i < ix->nr_spans; i++)
		total += ix->spans[i].size;
	return total;
}

uint64_t bb_region_mappable_bytes(const struct bb_region *r)
{
	struct bb_map_index ix;
	uint64_t total;

	if (bb_map_index_build(r, &ix))
		return 0;
	total = bb_map_index_bytes(&ix);
	bb_map_index_free(&ix);
	return total;
}

bool bb_region_may_map(const struct bb_region *r, uint64_t off, uint64_t len)
{
	struct bb_map_index ix;
	bool ok;

	if (bb_map_index_build(r, &ix))
		return false;
	ok = bb_map_index_covers(&ix, off, len);
	bb_map_index_free(&ix);
	return ok;
}

void bb_format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;
	uint64_t v = bytes;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u == 0 && bytes >= 1024)
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, len, "%" PRIu64 " %s", v, unit[u]);
}

double bb_share_pct(uint64_t part, uint64_t whole)
{
	double pct;

	if (!whole || !part)
		return 0.0;
	if (part >= whole)
		return 100.0;
	pct = 100.0 * (double)part / (double)whole;
	if (pct >= 99.95)
		return 99.9;
	return pct < 0.05 ? 0.1 : pct;
}

const char *bb_region_index_name(uint32_t index, char *buf, size_t len)
{
	if (index <= VFIO_PCI_BAR5_REGION_INDEX)
		snprintf(buf, len, "BAR%" PRIu32, index - VFIO_PCI_BAR0_REGION_INDEX);
	else if (index == VFIO_PCI_ROM_REGION_INDEX)
		snprintf(buf, len, "ROM");
	else if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		snprintf(buf, len, "CONFIG");
	else if (index == VFIO_PCI_VGA_REGION_INDEX)
		snprintf(buf, len, "VGA");
	else
		snprintf(buf, len, "REGION%" PRIu32, index);
	return buf;
}

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{ VFIO_REGION_INFO_FLAG_READ, "read" },
	{ VFIO_REGION_INFO_FLAG_WRITE, "write" },
	{ VFIO_REGION_INFO_FLAG_MMAP, "mmap" },
	{ VFIO_REGION_INFO_FLAG_CAPS, "caps" },
};

void bb_region_print(FILE *f, const struct bb_region *r, const char *indent)
{
	char nm[32], sz[32];
	uint64_t mappable = bb_region_mappable_bytes(r);
	uint32_t i, rest = r->flags;

	bb_format_size(sz, sizeof(sz), r->size);
	fprintf(f, "%sregion %" PRIu32 " (%s): size 0x%" PRIx64 " (%s), fd offset 0x%" PRIx64 "\n",
		indent, r->index, bb_region_index_name(r->index, nm, sizeof(nm)), r->size, sz, r->offset);
	fprintf(f, "%s  flags:", indent);
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (r->flags & flag_names[i].bit) {
			fprintf(f, " %s", flag_names[i].name);
			rest &= ~flag_names[i].bit;
		}
	}
	if (rest)
		fprintf(f, " 0x%" PRIx32, rest);
	if (!r->flags)
		fprintf(f, " none");
	fputc('\n', f);
	if (r->has_sparse) {
		fprintf(f, "%s  sparse mmap: %" PRIu32 " area%s\n", indent, r->nr_areas,
			r->nr_areas == 1 ? "" : "s");
		for (i = 0; i < r->nr_areas; i++) {
			bb_format_size(sz, sizeof(sz), r->areas[i].size);
			fprintf(f, "%s    area %" PRIu32 ": [0x%" PRIx64 ", 0x%" PRIx64 ") %s\n", indent, i,
				r->areas[i].offset, r->areas[i].offset + r->areas[i].size, sz);
		}
	} else {
		fprintf(f, "%s  sparse mmap: none\n", indent);
	}
	fprintf(f, "%s  msix mappable: %s\n", indent, r->msix_mappable ? "yes" : "no");
	if (r->has_type)
		fprintf(f, "%s  type: %" PRIu32 " subtype %" PRIu32 "\n", indent, r->type, r->subtype);
	for (i = 0; i < r->nr_unknown; i++)
		fprintf(f, "%s  unknown capability: id %" PRIu16 " version %" PRIu16 " (at byte 0x%" PRIx32 ")\n",
			indent, r->unknown[i].id, r->unknown[i].version, r->unknown[i].at);
	fprintf(f, "%s  mappable: 0x%" PRIx64 " of 0x%" PRIx64 " bytes (%.1f%%)%s\n", indent,
		mappable, r->size, bb_share_pct(mappable, r->size),
		(r->flags & VFIO_REGION_INFO_FLAG_MMAP) ? "" : " (no MMAP flag)");
}

json_t *bb_region_json(const struct bb_region *r)
{
	json_t *flags = json_array(), *areas = json_array(), *unknown = json_array();
	uint32_t i, rest = r->flags;
	char nm[32], hex[16];
	int bad = !flags || !areas || !unknown;

	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]) && !bad; i++) {
		if (r->flags & flag_names[i].bit) {
			bad |= json_array_append_new(flags, json_string(flag_names[i].name));
			rest &= ~flag_names[i].bit;
		}
	}
	for (i = 0; i < 32 && !bad; i++) {
		if (rest & (1u << i)) {
			snprintf(hex, sizeof(hex), "0x%" PRIx32, 1u << i);
			bad |= json_array_append_new(flags, json_string(hex));
		}
	}
	/* sparse_areas is always an array; sparse_mmap tells "no capability" from "no areas" */
	for (i = 0; i < r->nr_areas && !bad; i++)
		bad |= json_array_append_new(areas, json_pack("{s:o,s:o}", "offset", bb_json_u64(r->areas[i].offset),
							      "size_bytes", bb_json_u64(r->areas[i].size)));
	for (i = 0; i < r->nr_unknown && !bad; i++)
		bad |= json_array_append_new(unknown, json_pack("{s:i,s:i}", "id", (int)r->unknown[i].id,
								"version", (int)r->unknown[i].version));
	if (bad) {
		json_decref(flags);
		json_decref(areas);
		json_decref(unknown);
		return NULL;
	}
	return json_pack("{s:I,s:s,s:o,s:o,s:o,s:b,s:o,s:b,s:o,s:o,s:o}",
			 "index", (json_int_t)r->index,
			 "name", bb_region_index_name(r->index, nm, sizeof(nm)),
			 "size_bytes", bb_json_u64(r->size),
			 "offset", bb_json_u64(r->offset),
			 "flags", flags,
			 "sparse_mmap", (int)r->has_sparse,
			 "sparse_areas", areas,
			 "msix_mappable", (int)r->msix_mappable,
			 "type", r->has_type ? json_pack("{s:I,s:I}", "type", (json_int_t)r->type,
							 "subtype", (json_int_t)r->subtype) : json_null(),
			 "unknown_caps", unknown,
			 "mappable_bytes", bb_json_u64(bb_region_mappable_bytes(r)));
}
