// SPDX-License-Identifier: MIT
/*
 * The capability-chain parser: valid buffers of every capability kind, a
 * corpus of malformed buffers each with the error it must produce, encode ->
 * parse round trips, and random mutations that must never crash or yield an
 * inconsistent region.  With --write-corpus DIR it writes the buffers as
 * files (good-*.bin, bad-*.bin + bad-*.expect) for the command-line test and
 * the fuzz seeds.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "barbench/region.h"
#include "xorshift.h"
#include "check.h"

static const char *corpus_dir;

/* VFIO_REGION_TYPE_PCI_VENDOR_TYPE is (1 << 31) in <linux/vfio.h>: signed overflow under UBSan */
#define VENDOR_TYPE 0x80000000u

struct buf {
	uint8_t b[4096];
	size_t len;
};

static void p16(struct buf *b, size_t at, uint16_t v) { memcpy(b->b + at, &v, 2); }
static void p32(struct buf *b, size_t at, uint32_t v) { memcpy(b->b + at, &v, 4); }
static void p64(struct buf *b, size_t at, uint64_t v) { memcpy(b->b + at, &v, 8); }
static uint32_t g32(const struct buf *b, size_t at) { uint32_t v; memcpy(&v, b->b + at, 4); return v; }

static void write_file(const char *name, const void *p, size_t len, const char *expect)
{
	char path[1024];
	FILE *f;

	if (!corpus_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.bin", corpus_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
	if (expect) {
		snprintf(path, sizeof(path), "%s/%s.expect", corpus_dir, name);
		f = fopen(path, "w");
		if (!f) {
			perror(path);
			exit(1);
		}
		fprintf(f, "%s\n", expect);
		fclose(f);
	}
}

/*
 * The base buffer: a 16 KiB region, index 0, with a sparse capability of two
 * areas at 32 (areas at 48 and 64), a type capability at 80 and an
 * MSIX_MAPPABLE capability at 96; argsz 104.  Built by hand, the way
 * vfio_info_cap_add() lays it out, independently of bb_region_encode().
 */
enum { SP = 32, AR0 = 48, AR1 = 64, TY = 80, MX = 96, BASE_LEN = 104 };

static void base(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	p32(b, 0, BASE_LEN);
	p32(b, 4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	p32(b, 8, 0);
	p32(b, 12, SP);
	p64(b, 16, 0x4000);
	p64(b, 24, 0);
	p16(b, SP, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	p16(b, SP + 2, 1);
	p32(b, SP + 4, TY);
	p32(b, SP + 8, 2);
	p64(b, AR0, 0x0);
	p64(b, AR0 + 8, 0x2000);
	p64(b, AR1, 0x3000);
	p64(b, AR1 + 8, 0x1000);
	p16(b, TY, VFIO_REGION_INFO_CAP_TYPE);
	p16(b, TY + 2, 1);
	p32(b, TY + 4, MX);
	p32(b, TY + 8, VENDOR_TYPE | 0x10de);
	p32(b, TY + 12, 3);
	p16(b, MX, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	p16(b, MX + 2, 1);
	p32(b, MX + 4, 0);
	b->len = BASE_LEN;
}

/* One malformed case: how to break the base, and what the error must say. */
struct bad {
	const char *name;
	void (*make)(struct buf *b);
	const char *want[3];
};

#define BAD(n, ...) static void mk_##n(struct buf *b) { base(b); __VA_ARGS__; }
BAD(empty, b->len = 0)
BAD(short31, b->len = 31)
BAD(argsz_tiny, p32(b, 0, 16))
BAD(argsz_zero, p32(b, 0, 0))
BAD(argsz_claims_more, p32(b, 0, BASE_LEN + 8))
BAD(truncated, b->len = 100)
BAD(caps_no_chain, p32(b, 12, 0))
BAD(chain_no_caps, p32(b, 4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP))
BAD(cap_in_header, p32(b, 12, 16))
BAD(cap_misaligned, p32(b, 12, 36))
BAD(cap_outside, p32(b, 12, 200))
BAD(cap_at_argsz, p32(b, 12, BASE_LEN))
BAD(cap_huge, p32(b, 12, 0xfffffff8u))
BAD(sparse_self_loop, p32(b, SP + 4, SP))
BAD(type_loops_back, p32(b, TY + 4, SP))
BAD(msix_loops_back, p32(b, MX + 4, TY))
BAD(next_into_body, p32(b, SP + 4, 56))
BAD(next_misaligned, p32(b, SP + 4, 84))
BAD(msix_next_outside, p32(b, MX + 4, 4096))
BAD(nr_areas_overflow, p32(b, SP + 8, 4))
BAD(nr_areas_max, p32(b, SP + 8, 0xffffffffu))
BAD(nr_areas_wrap32, p32(b, SP + 8, 0x10000000u))
BAD(area_outside, p64(b, AR1 + 8, 0x1001))
BAD(area_past_end, p64(b, AR1, 0x4000))
BAD(area_wraps, { p64(b, AR1, 0xffffffffffff0000ull); p64(b, AR1 + 8, 0x20000); })
BAD(areas_overlap, p64(b, AR1, 0x1000))
BAD(areas_identical, { p64(b, AR1, 0); p64(b, AR1 + 8, 0x2000); })
BAD(sparse_v2, p16(b, SP + 2, 2))
BAD(sparse_truncated, { p32(b, 0, 40); p32(b, SP + 8, 0); b->len = 40; })
BAD(type_truncated, { p32(b, 12, TY); p32(b, 0, 88); b->len = 88; })
BAD(dup_sparse, { p16(b, TY, VFIO_REGION_INFO_CAP_SPARSE_MMAP); p32(b, TY + 8, 0); })
BAD(dup_msix, { p16(b, TY, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE); p32(b, TY + 4, MX); })
BAD(dup_type, { p16(b, MX, VFIO_REGION_INFO_CAP_TYPE); p32(b, 0, 112); b->len = 112; })
BAD(unknown_loop, { p16(b, MX, 9); p32(b, MX + 4, MX); })
BAD(unknown_into_body, { p16(b, MX, 9); p32(b, MX + 4, MX + 4); })
BAD(header_straddles_end, { p32(b, MX + 4, BASE_LEN); p32(b, 0, BASE_LEN + 4); b->len = BASE_LEN + 4; })
BAD(chain_past_argsz, p32(b, 0, 96))
BAD(sparse_overlaps_type, p32(b, SP + 8, 3))

static const struct bad bads[] = {
	{ "empty", mk_empty, { "byte 0", "buffer of 0 bytes" } },
	{ "short31", mk_short31, { "byte 0", "shorter than struct vfio_region_info" } },
	{ "argsz_tiny", mk_argsz_tiny, { "byte 0", "argsz 16 is smaller" } },
	{ "argsz_zero", mk_argsz_zero, { "byte 0", "argsz 0 is smaller" } },
	{ "argsz_claims_more", mk_argsz_claims_more, { "byte 0", "argsz 112 claims more than the 104 bytes" } },
	{ "truncated", mk_truncated, { "byte 0", "claims more than the 100 bytes" } },
	{ "caps_no_chain", mk_caps_no_chain, { "byte 12", "CAPS flag set but cap_offset is 0" } },
	{ "chain_no_caps", mk_chain_no_caps, { "byte 12", "CAPS flag is not set" } },
	{ "cap_in_header", mk_cap_in_header, { "byte 12", "inside the vfio_region_info header" } },
	{ "cap_misaligned", mk_cap_misaligned, { "byte 12", "not 8-byte aligned" } },
	{ "cap_outside", mk_cap_outside, { "byte 12", "0xc8 lies outside the buffer" } },
	{ "cap_at_argsz", mk_cap_at_argsz, { "byte 12", "lies outside the buffer (argsz 104)" } },
	{ "cap_huge", mk_cap_huge, { "byte 12", "lies outside the buffer" } },
	{ "sparse_self_loop", mk_sparse_self_loop, { "byte 36", "backwards: a loop" } },
	{ "type_loops_back", mk_type_loops_back, { "byte 84", "backwards: a loop" } },
	{ "msix_loops_back", mk_msix_loops_back, { "byte 100", "backwards: a loop" } },
	{ "next_into_body", mk_next_into_body, { "byte 36", "into its own body" } },
	{ "next_misaligned", mk_next_misaligned, { "byte 36", "not 8-byte aligned" } },
	{ "msix_next_outside", mk_msix_next_outside, { "byte 100", "outside the buffer" } },
	{ "nr_areas_overflow", mk_nr_areas_overflow, { "byte 40", "nr_areas 4 needs 64 bytes" } },
	{ "nr_areas_max", mk_nr_areas_max, { "byte 40", "nr_areas 4294967295" } },
	{ "nr_areas_wrap32", mk_nr_areas_wrap32, { "byte 40", "needs 4294967296 bytes" } },
	{ "area_outside", mk_area_outside, { "byte 64", "outside the region" } },
	{ "area_past_end", mk_area_past_end, { "byte 64", "outside the region" } },
	{ "area_wraps", mk_area_wraps, { "byte 64", "overflows 64 bits" } },
	{ "areas_overlap", mk_areas_overlap, { "area 1 at byte 64 overlaps area 0 at byte 48" } },
	{ "areas_identical", mk_areas_identical, { "area 1 at byte 64 overlaps area 0 at byte 48" } },
	{ "sparse_v2", mk_sparse_v2, { "byte 32", "version 2 not understood" } },
	{ "sparse_truncated", mk_sparse_truncated, { "byte 32", "needs 16 bytes, only 8 left" } },
	{ "type_truncated", mk_type_truncated, { "byte 80", "type capability needs 16 bytes, only 8 left" } },
	{ "dup_sparse", mk_dup_sparse, { "byte 80", "a second sparse mmap capability" } },
	{ "dup_msix", mk_dup_msix, { "byte 96", "a second msix mappable capability" } },
	{ "dup_type", mk_dup_type, { "byte 96", "a second type capability" } },
	{ "unknown_loop", mk_unknown_loop, { "byte 100", "backwards: a loop" } },
	{ "unknown_into_body", mk_unknown_into_body, { "byte 100", "into its own body" } },
	{ "header_straddles_end", mk_header_straddles_end, { "byte 100", "0x68 lies outside the buffer (argsz 108)" } },
	{ "chain_past_argsz", mk_chain_past_argsz, { "byte 84", "lies outside the buffer (argsz 96)" } },
	{ "sparse_overlaps_type", mk_sparse_overlaps_type, { "area 2 at byte 80", "outside the region" } },
};

static void test_bad(void)
{
	size_t n = sizeof(bads) / sizeof(bads[0]);

	CHECK(n >= 30);
	for (size_t i = 0; i < n; i++) {
		struct buf b;
		struct bb_region r;
		struct bb_diag d = { "" };
		int err;

		bads[i].make(&b);
		err = bb_region_parse(b.b, b.len, "t", &r, &d);
		if (err != -EINVAL)
			NOTE_FAIL("case %s: err %d msg '%s'", bads[i].name, err, d.msg);
		CHECK_EQ(err, -EINVAL);
		CHECK(r.areas == NULL && r.nr_areas == 0 && r.unknown == NULL);
		for (int k = 0; k < 3 && bads[i].want[k]; k++) {
			if (!strstr(d.msg, bads[i].want[k]))
				NOTE_FAIL("case %s", bads[i].name);
			CHECK_STR_HAS(d.msg, bads[i].want[k]);
		}
		/* the file the CLI test feeds to `barbench info` */
		{
			char nm[128];

			snprintf(nm, sizeof(nm), "bad-%s", bads[i].name);
			write_file(nm, b.b, b.len, bads[i].want[0]);
		}
	}
}

static int parse_ok(const struct buf *b, struct bb_region *r, const char *what)
{
	struct bb_diag d = { "" };
	int err = bb_region_parse(b->b, b->len, what, r, &d);

	if (err)
		NOTE_FAIL("%s: %s", what, d.msg);
	CHECK_EQ(err, 0);
	return err;
}

/*
 * An area of size 0: vfio-pci 4.6 .. 4.15 on 64 KiB pages for a BAR the
 * MSI-X table's page covers whole (nr_areas 1, entry zeroed); accepted, maps
 * nothing, overlaps nothing, and encodes back the same.
 */
static void test_zero_area(void)
{
	struct bb_region r;
	struct buf b;

	base(&b);
	p64(&b, AR1, 0x1000);	/* inside area 0 [0, 0x2000): empty, so no overlap */
	p64(&b, AR1 + 8, 0);
	write_file("good-area-zero-size", b.b, b.len, NULL);
	if (!parse_ok(&b, &r, "area zero size")) {
		struct bb_region back;
		struct bb_diag d = { "" };
		uint8_t *enc;
		size_t len;

		CHECK_EQ(r.nr_areas, 2);
		CHECK_EQ(r.areas[1].size, 0);
		r.msix_mappable = false;
		CHECK_EQ(bb_region_mappable_bytes(&r), 0x2000);
		CHECK(!bb_region_may_map(&r, 0x2000, 0x1000));
		CHECK_EQ(bb_region_encode(&r, &enc, &len, &d), 0);
		CHECK_EQ(bb_region_parse(enc, len, "encoded", &back, &d), 0);
		CHECK_EQ(back.nr_areas, 2);
		CHECK_EQ(back.areas[1].offset, 0x1000);
		CHECK_EQ(back.areas[1].size, 0);
		bb_region_free(&back);
		free(enc);
		bb_region_free(&r);
	}
	/* ... but not past the region's end */
	base(&b);
	p64(&b, AR1, 0x4008);
	p64(&b, AR1 + 8, 0);
	{
		struct bb_diag d = { "" };

		CHECK_EQ(bb_region_parse(b.b, b.len, "t", &r, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, "outside the region");
	}
}

static void test_good(void)
{
	struct bb_region r;
	struct buf b;

	/* every capability kind at once */
	base(&b);
	write_file("good-all-caps", b.b, b.len, NULL);
	if (!parse_ok(&b, &r, "all caps")) {
		CHECK_EQ(r.index, 0);
		CHECK_EQ(r.size, 0x4000);
		CHECK(r.has_sparse);
		CHECK_EQ(r.nr_areas, 2);
		CHECK_EQ(r.areas[1].offset, 0x3000);
		CHECK_EQ(r.areas[1].size, 0x1000);
		CHECK(r.has_type);
		CHECK_EQ(r.type, VENDOR_TYPE | 0x10de);
		CHECK_EQ(r.subtype, 3);
		CHECK(r.msix_mappable);
		CHECK_EQ(r.nr_unknown, 0);
		/* MSIX_MAPPABLE: the kernel lets the whole region be mapped */
		CHECK_EQ(bb_region_mappable_bytes(&r), 0x4000);
		CHECK(bb_region_may_map(&r, 0x2000, 0x1000));
		/* without it, only the areas */
		r.msix_mappable = false;
		CHECK_EQ(bb_region_mappable_bytes(&r), 0x3000);
		CHECK(bb_region_may_map(&r, 0x1000, 0x1000));
		CHECK(!bb_region_may_map(&r, 0x1000, 0x2000));
		CHECK(!bb_region_may_map(&r, 0x2000, 0x1000));
		CHECK(!bb_region_may_map(&r, 0x4000, 0x1000));
		r.flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_MMAP;
		CHECK_EQ(bb_region_mappable_bytes(&r), 0);
		CHECK(!bb_region_may_map(&r, 0, 0x1000));
		bb_region_free(&r);
	}

	/* no capabilities: a plain mappable BAR (vfio-pci >= 4.16 without MSI-X) */
	memset(&b, 0, sizeof(b));
	p32(&b, 0, 32);
	p32(&b, 4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP);
	p32(&b, 8, 2);
	p64(&b, 16, 1ull << 30);
	p64(&b, 24, 2ull << 40);
	b.len = 32;
	write_file("good-no-caps", b.b, b.len, NULL);
	if (!parse_ok(&b, &r, "no caps")) {
		CHECK_EQ(r.index, 2);
		CHECK_EQ(r.offset, 2ull << 40);
		CHECK(!r.has_sparse && !r.has_type && !r.msix_mappable);
		CHECK_EQ(bb_region_mappable_bytes(&r), 1ull << 30);
		bb_region_free(&r);
	}

	/* trailing bytes after argsz are not part of the answer */
	b.len = 64;
	memset(b.b + 32, 0xff, 32);
	CHECK(!parse_ok(&b, &r, "trailing"));
	bb_region_free(&r);

	/* sparse with zero areas: nothing may be mapped */
	base(&b);
	p32(&b, SP + 8, 0);
	p32(&b, SP + 4, 0);
	p32(&b, 0, 48);
	b.len = 48;
	write_file("good-sparse-empty", b.b, b.len, NULL);
	if (!parse_ok(&b, &r, "sparse empty")) {
		CHECK(r.has_sparse);
		CHECK_EQ(r.nr_areas, 0);
		CHECK_EQ(bb_region_mappable_bytes(&r), 0);
		CHECK(!bb_region_may_map(&r, 0, 0x1000));
		bb_region_free(&r);
	}

	/* MSIX_MAPPABLE alone, after a gap (the kernel never leaves one; allowed) */
	memset(&b, 0, sizeof(b));
	p32(&b, 0, 56);
	p32(&b, 4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	p32(&b, 12, 48);
	p64(&b, 16, 0x4000);
	p16(&b, 48, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
	p16(&b, 50, 1);
	b.len = 56;
	write_file("good-msix-mappable", b.b, b.len, NULL);
	if (!parse_ok(&b, &r, "msix")) {
		CHECK(r.msix_mappable && !r.has_sparse);
		CHECK_EQ(bb_region_mappable_bytes(&r), 0x4000);
		bb_region_free(&r);
	}

	/* an unknown capability is kept, and the chain goes on after it */
	base(&b);
	p16(&b, TY, 4);		/* the old NVLINK2 SSATGT id */
	p16(&b, TY + 2, 7);
	write_file("good-unknown-cap", b.b, b.len, NULL);
	if (!parse_ok(&b, &r, "unknown")) {
		CHECK(!r.has_type);
		CHECK_EQ(r.nr_unknown, 1);
		CHECK_EQ(r.unknown[0].id, 4);
		CHECK_EQ(r.unknown[0].version, 7);
		CHECK_EQ(r.unknown[0].at, TY);
		CHECK(r.msix_mappable);
		bb_region_free(&r);
	}

	/* unknown flag bits are kept as reported */
	base(&b);
	p32(&b, 4, g32(&b, 4) | 0x100);
	if (!parse_ok(&b, &r, "flags")) {
		CHECK_EQ(r.flags & 0x100, 0x100);
		bb_region_free(&r);
	}

	/* the kernel's answer to a too-small argsz */
	memset(&b, 0, sizeof(b));
	p32(&b, 0, 104);
	p32(&b, 4, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_CAPS);
	b.len = 32;
	CHECK_EQ(bb_region_info_needed(b.b, b.len, 32), 104);
	base(&b);
	CHECK_EQ(bb_region_info_needed(b.b, b.len, BASE_LEN), 0);
}

/* Deterministic PRNG (xorshift64*), so every run tries the same cases. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
#define rnd() bb_xorshift64s(&rng_state)

static void random_region(struct bb_region *r, struct bb_area *areas)
{
	uint64_t page = 1ull << (rnd() % 17);
	uint64_t cur = 0;

	memset(r, 0, sizeof(*r));
	r->index = (uint32_t)(rnd() % 9);
	r->size = page * (1 + rnd() % 64);
	r->offset = (uint64_t)r->index << 40;
	r->flags = VFIO_REGION_INFO_FLAG_READ | (rnd() % 2 ? VFIO_REGION_INFO_FLAG_WRITE : 0) |
		   (rnd() % 4 ? VFIO_REGION_INFO_FLAG_MMAP : 0);
	r->has_sparse = rnd() % 2;
	if (r->has_sparse) {
		r->areas = areas;
		while (r->nr_areas < 16 && cur < r->size) {
			uint64_t gap = rnd() % 3 == 0 ? 0 : rnd() % (r->size - cur);
			uint64_t off = cur + gap, size;

			if (off >= r->size)
				break;
			size = 1 + rnd() % (r->size - off);
			areas[r->nr_areas].offset = off;
			areas[r->nr_areas].size = size;
			r->nr_areas++;
			cur = off + size;
		}
		/* report them in a shuffled order, as a driver may */
		for (uint32_t i = r->nr_areas; i > 1; i--) {
			uint32_t j = (uint32_t)(rnd() % i);
			struct bb_area t = areas[i - 1];

			areas[i - 1] = areas[j];
			areas[j] = t;
		}
	}
	r->msix_mappable = rnd() % 2;
	r->has_type = rnd() % 3 == 0;
	r->type = (uint32_t)rnd();
	r->subtype = (uint32_t)rnd();
}

static void test_roundtrip(void)
{
	for (int it = 0; it < 5000; it++) {
		struct bb_area areas[16];
		struct bb_region r, back;
		struct bb_diag d;
		uint8_t *buf, *buf2;
		size_t len, len2;

		random_region(&r, areas);
		if (bb_region_encode(&r, &buf, &len, &d)) {
			NOTE_FAIL("encode: %s", d.msg);
			CHECK(0);
			continue;
		}
		if (bb_region_parse(buf, len, "rt", &back, &d)) {
			NOTE_FAIL("parse: %s", d.msg);
			CHECK(0);
			free(buf);
			continue;
		}
		CHECK_EQ(back.index, r.index);
		CHECK_EQ(back.size, r.size);
		CHECK_EQ(back.offset, r.offset);
		CHECK_EQ(back.has_sparse, r.has_sparse);
		CHECK_EQ(back.nr_areas, r.nr_areas);
		for (uint32_t i = 0; i < r.nr_areas && i < back.nr_areas; i++) {
			CHECK_EQ(back.areas[i].offset, r.areas[i].offset);
			CHECK_EQ(back.areas[i].size, r.areas[i].size);
		}
		CHECK_EQ(back.msix_mappable, r.msix_mappable);
		CHECK_EQ(back.has_type, r.has_type);
		if (r.has_type) {
			CHECK_EQ(back.type, r.type);
			CHECK_EQ(back.subtype, r.subtype);
		}
		CHECK_EQ(back.flags & ~(uint32_t)VFIO_REGION_INFO_FLAG_CAPS, r.flags);
		CHECK_EQ(bb_region_mappable_bytes(&back), bb_region_mappable_bytes(&r));
		/* and the bytes are stable: encode(parse(encode(r))) == encode(r) */
		if (!bb_region_encode(&back, &buf2, &len2, &d)) {
			CHECK_EQ(len2, len);
			CHECK(len2 == len && !memcmp(buf, buf2, len));
			free(buf2);
		}
		if (it == 0)
			write_file("good-random-0", buf, len, NULL);
		bb_region_free(&back);
		free(buf);
	}
}

/* Whatever the bytes, a successful parse is self-consistent. */
static void check_consistent(const struct bb_region *r)
{
	uint64_t m = bb_region_mappable_bytes(r);

	CHECK(m <= r->size);
	for (uint32_t i = 0; i < r->nr_areas; i++) {
		/* an area may be empty (vfio-pci < 4.16 on 64 KiB pages): it overlaps nothing */
		CHECK(r->areas[i].offset + r->areas[i].size >= r->areas[i].offset);
		CHECK(r->areas[i].offset + r->areas[i].size <= r->size);
		for (uint32_t j = 0; j < i; j++)
			CHECK(!r->areas[i].size || !r->areas[j].size ||
			      r->areas[i].offset >= r->areas[j].offset + r->areas[j].size ||
			      r->areas[j].offset >= r->areas[i].offset + r->areas[i].size);
	}
}

static void test_mutations(void)
{
	unsigned ok = 0, refused = 0;

	for (int it = 0; it < 200000; it++) {
		struct bb_area areas[16];
		struct bb_region r, back;
		struct bb_diag d = { "" };
		uint8_t *buf, *copy;
		size_t len;
		int err, n;

		random_region(&r, areas);
		if (bb_region_encode(&r, &buf, &len, &d))
			continue;
		n = 1 + (int)(rnd() % 4);
		for (int k = 0; k < n; k++) {
			switch (rnd() % 4) {
			case 0:	/* flip a byte */
				if (len)
					buf[rnd() % len] ^= (uint8_t)(1 + rnd() % 255);
				break;
			case 1: {	/* overwrite an aligned word with something nasty */
				static const uint32_t nasty[] = { 0, 1, 8, 31, 32, 33, 40, 0x7fffffff,
								  0x80000000u, 0xfffffff8u, 0xffffffffu };
				uint32_t v = nasty[rnd() % (sizeof(nasty) / sizeof(nasty[0]))];

				if (len >= 4)
					memcpy(buf + (rnd() % (len / 4)) * 4, &v, 4);
				break;
			}
			case 2:	/* truncate */
				len = rnd() % (len + 1);
				break;
			default: {	/* point cap_offset or a next field anywhere */
				uint32_t v = (uint32_t)(rnd() % (len + 16));

				if (len >= 16)
					memcpy(buf + 12, &v, 4);
				break;
			}
			}
		}
		/* an exact-size heap copy so ASan sees any read past the end */
		copy = malloc(len ? len : 1);
		memcpy(copy, buf, len);
		err = bb_region_parse(copy, len, "m", &back, &d);
		if (err == 0) {
			ok++;
			check_consistent(&back);
			bb_region_free(&back);
		} else {
			refused++;
			CHECK_EQ(err, -EINVAL);
			CHECK_STR_HAS(d.msg, "byte ");
		}
		free(copy);
		free(buf);
		if (bb_failures > 20)
			break;
	}
	printf("mutations: %u parsed, %u refused\n", ok, refused);
	CHECK(refused > 0);
}

/* share_pct: a one-decimal percentage says 100.0 only when all is mapped, 0.0 only when nothing is */
static void test_share_pct(void)
{
	char buf[16];

	CHECK_NEAR(bb_share_pct(0x2000000, 0x2000000), 100.0, 0);
	CHECK_NEAR(bb_share_pct(0, 0x2000000), 0.0, 0);
	CHECK_NEAR(bb_share_pct(1, 0), 0.0, 0);
	/* the mlx5-cx5 BAR0 less 4 pages: 99.951% printed "100.0%" */
	snprintf(buf, sizeof(buf), "%.1f", bb_share_pct(0x1ffc000, 0x2000000));
	CHECK(!strcmp(buf, "99.9"));
	snprintf(buf, sizeof(buf), "%.1f", bb_share_pct(0x1000, 0x2000000 * 16ULL));
	CHECK(!strcmp(buf, "0.1"));
	snprintf(buf, sizeof(buf), "%.1f", bb_share_pct(0x3000, 0x4000));
	CHECK(!strcmp(buf, "75.0"));
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write-corpus"))
		corpus_dir = argv[2];
	test_bad();
	test_good();
	test_zero_area();
	test_share_pct();
	test_roundtrip();
	if (!corpus_dir)
		test_mutations();
	return bb_test_done("test_region");
}
