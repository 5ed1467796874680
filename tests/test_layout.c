// SPDX-License-Identifier: MIT
/*
 * Layouts: every shipped layout loads and its regions survive encode -> parse;
 * bad layouts are refused with file:line; numbers parse as documented.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vfio.h>

#include "barbench/layout.h"
#include "layout_check.h"
#include "parse.h"
#include "check.h"
#include "fixtures.h"

static void test_numbers(void)
{
	static const struct {
		const char *s;
		int err;
		uint64_t v;
	} cases[] = {
		{ "4096", 0, 4096 }, { "4K", 0, 4096 }, { "64K", 0, 65536 }, { "0x1000", 0, 4096 },
		{ "16k", 0, 16384 }, { "2M", 0, 2u << 20 }, { "1G", 0, 1u << 30 }, { "0", 0, 0 },
		{ "18446744073709551615", 0, UINT64_MAX }, { "18446744073709551616", -ERANGE, 0 },
		{ "16777216T", -ERANGE, 0 }, { "0x10K", -EINVAL, 0 }, { "", -EINVAL, 0 }, { "K", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 }, { "12Q", -EINVAL, 0 }, { "4KB", -EINVAL, 0 }, { "-1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		int err = bb_parse_u64(cases[i].s, &v);

		if (err != cases[i].err)
			NOTE_FAIL("'%s'", cases[i].s);
		CHECK_EQ(err, cases[i].err);
		if (!err)
			CHECK_EQ(v, cases[i].v);
	}
	{
		uint64_t v;

		CHECK_EQ(bb_parse_page_size("64K", &v), 0);
		CHECK_EQ(v, 65536);
		CHECK_EQ(bb_parse_page_size("2048", &v), -EINVAL);
		CHECK_EQ(bb_parse_page_size("12K", &v), -EINVAL);
	}
}

/*
 * @l written (the text into *@text, for the caller to free) and parsed back
 * into @back as @name; false, a failed check naming the layout, when either fails.
 */
static bool round_trip(const struct bb_layout *l, const char *name, char **text, struct bb_layout *back)
{
	size_t len = 0;
	FILE *mf;
	struct bb_diag d;

	*text = NULL;
	mf = open_memstream(text, &len);
	CHECK(mf != NULL);
	if (!mf)
		return false;
	CHECK_EQ(bb_layout_write(mf, l), 0);
	fclose(mf);
	if (bb_layout_parse(*text, len, name, back, &d)) {
		NOTE_FAIL("%s %s: %s\n%s", l->name, name, d.msg, *text);
		CHECK(0);
		return false;
	}
	return true;
}

static void test_shipped(void)
{
	DIR *dir = opendir(BB_LAYOUT_DIR);
	char path[1024];
	struct bb_layout l;
	unsigned n = 0;

	CHECK(dir != NULL);
	if (!dir)
		return;
	while (next_shipped_layout(dir, path, sizeof(path), &l)) {
		struct bb_diag d;

		n++;
		CHECK(l.nr_regions > 0);
		for (uint32_t i = 0; i < l.nr_regions; i++) {
			struct bb_region r;
			uint8_t *buf;
			size_t len;

			if (bb_region_encode(&l.regions[i].info, &buf, &len, &d)) {
				NOTE_FAIL("%s: %s", path, d.msg);
				CHECK(0);
				continue;
			}
			if (bb_region_parse(buf, len, path, &r, &d)) {
				NOTE_FAIL("%s: %s", path, d.msg);
				CHECK(0);
			} else {
				CHECK_EQ(r.size, l.regions[i].info.size);
				CHECK_EQ(r.nr_areas, l.regions[i].info.nr_areas);
				CHECK_EQ(bb_region_mappable_bytes(&r), bb_region_mappable_bytes(&l.regions[i].info));
				bb_region_free(&r);
			}
			free(buf);
		}
		/* the writer: written and parsed back, the same layout */
		{
			char *text;
			struct bb_layout back;

			if (round_trip(&l, "written", &text, &back)) {
				CHECK(!strcmp(back.name, l.name) && !strcmp(back.desc, l.desc));
				CHECK_EQ(back.nr_regions, l.nr_regions);
				CHECK_EQ(back.nr_regs, l.nr_regs);
				CHECK_EQ(back.nr_safe, l.nr_safe);
				CHECK_EQ(back.msix.present, l.msix.present);
				CHECK_EQ(back.msix.table_offset, l.msix.table_offset);
				for (uint32_t i = 0; i < l.nr_regions && i < back.nr_regions; i++) {
					CHECK_EQ(back.regions[i].info.size, l.regions[i].info.size);
					CHECK_EQ(back.regions[i].info.flags, l.regions[i].info.flags);
					CHECK_EQ(back.regions[i].info.nr_areas, l.regions[i].info.nr_areas);
					CHECK_EQ(back.regions[i].info.msix_mappable, l.regions[i].info.msix_mappable);
					CHECK_EQ(back.regions[i].info.has_type, l.regions[i].info.has_type);
				}
				for (uint32_t i = 0; i < l.nr_regs && i < back.nr_regs; i++) {
					CHECK(!strcmp(back.regs[i].name, l.regs[i].name));
					CHECK_EQ(back.regs[i].offset, l.regs[i].offset);
					CHECK_EQ(back.regs[i].writes, l.regs[i].writes);
					CHECK_EQ(back.regs[i].value, l.regs[i].value);
				}
				for (uint32_t i = 0; i < l.nr_safe && i < back.nr_safe; i++)
					CHECK_EQ(back.safe[i].access, l.safe[i].access);
				bb_layout_free(&back);
			}
			free(text);
		}
		/* every described register and safe range sits in a described region */
		for (uint32_t i = 0; i < l.nr_regs; i++)
			CHECK(bb_layout_find_region(&l, l.regs[i].region) != NULL);
		bb_layout_free(&l);
	}
	closedir(dir);
	printf("shipped layouts loaded: %u\n", n);
	CHECK(n >= 8);
}

/*
 * Registers of shipped layouts against the headers they cite, field by field:
 * a layout's offset or width that drifted from its source fails here.
 */
static void test_shipped_registers(void)
{
	static const struct {
		const char *layout, *reg;
		uint64_t offset, size;
	} want[] = {
		/* Linux drivers/net/ethernet/google/gve/gve_register.h, struct gve_registers (not packed,
		 * natural alignment): seven __be32, u8 reserved[3], u8 driver_version, two __be32, __be16 */
		{ "google-gvnic", "device_status", 0x00, 4 },
		{ "google-gvnic", "driver_status", 0x04, 4 },
		{ "google-gvnic", "max_tx_queues", 0x08, 4 },
		{ "google-gvnic", "max_rx_queues", 0x0c, 4 },
		{ "google-gvnic", "adminq_pfn", 0x10, 4 },
		{ "google-gvnic", "adminq_doorbell", 0x14, 4 },
		{ "google-gvnic", "adminq_event_counter", 0x18, 4 },
		{ "google-gvnic", "driver_version", 0x1f, 1 },
		{ "google-gvnic", "adminq_base_address_hi", 0x20, 4 },
		{ "google-gvnic", "adminq_base_address_lo", 0x24, 4 },
		{ "google-gvnic", "adminq_length", 0x28, 2 },
		/* Linux drivers/net/ethernet/amazon/ena/ena_regs_defs.h, ENA_REGS_*_OFF (32-bit registers) */
		{ "aws-ena", "VERSION", 0x00, 4 },
		{ "aws-ena", "CONTROLLER_VERSION", 0x04, 4 },
		{ "aws-ena", "CAPS", 0x08, 4 },
		{ "aws-ena", "CAPS_EXT", 0x0c, 4 },
		{ "aws-ena", "AQ_BASE_LO", 0x10, 4 },
		{ "aws-ena", "AQ_BASE_HI", 0x14, 4 },
		{ "aws-ena", "AQ_CAPS", 0x18, 4 },
		{ "aws-ena", "ACQ_BASE_LO", 0x20, 4 },
		{ "aws-ena", "ACQ_BASE_HI", 0x24, 4 },
		{ "aws-ena", "ACQ_CAPS", 0x28, 4 },
		{ "aws-ena", "AQ_DB", 0x2c, 4 },
		{ "aws-ena", "ACQ_TAIL", 0x30, 4 },
		{ "aws-ena", "AENQ_HEAD_DB", 0x40, 4 },
		{ "aws-ena", "INTR_MASK", 0x4c, 4 },
		{ "aws-ena", "DEV_CTL", 0x54, 4 },
		{ "aws-ena", "DEV_STS", 0x58, 4 },
		{ "aws-ena", "MMIO_REG_READ", 0x5c, 4 },
		/* Linux include/linux/mlx5/device.h, struct mlx5_init_seg: __be32 fields, rsvd1[120] after
		 * cmd_dbell, struct health_buffer (0x40 bytes) at 0x200, rsvd2[878], cmd_exec_to, cmd_q_init_to */
		{ "mlx5-cx7", "fw_rev", 0x000, 4 },
		{ "mlx5-cx7", "cmdif_rev_fw_sub", 0x004, 4 },
		{ "mlx5-cx7", "cmdq_addr_h", 0x010, 4 },
		{ "mlx5-cx7", "cmdq_addr_l_sz", 0x014, 4 },
		{ "mlx5-cx7", "cmd_dbell", 0x018, 4 },
		{ "mlx5-cx7", "initializing", 0x1fc, 4 },
		{ "mlx5-cx7", "health", 0x200, 0x40 },
		{ "mlx5-cx7", "internal_timer_h", 0x1000, 4 },
		{ "mlx5-cx7", "internal_timer_l", 0x1004, 4 },
		{ "mlx5-cx7", "health_counter", 0x1010, 4 },
		{ "mlx5-cx5", "health_counter", 0x1010, 4 },
	};
	struct bb_layout l = { 0 };
	const char *loaded = NULL;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct bb_layout_reg *g = NULL;

		if (!loaded || strcmp(loaded, want[i].layout)) {
			char path[1024];
			struct bb_diag d;

			if (loaded)
				bb_layout_free(&l);
			loaded = want[i].layout;
			snprintf(path, sizeof(path), "%s/%s", BB_LAYOUT_DIR, loaded);
			if (bb_layout_load(path, &l, &d)) {
				NOTE_FAIL("%s: %s", path, d.msg);
				CHECK(0);
				loaded = NULL;
				continue;
			}
		}
		for (uint32_t k = 0; k < l.nr_regs && !g; k++)
			if (!strcmp(l.regs[k].name, want[i].reg))
				g = &l.regs[k];
		if (!g) {
			NOTE_FAIL("%s: no register %s", want[i].layout, want[i].reg);
			CHECK(0);
			continue;
		}
		if (g->offset != want[i].offset || g->size != want[i].size)
			NOTE_FAIL("%s: %s at 0x%" PRIx64 " size %" PRIu64 ", its source says 0x%" PRIx64 " size %" PRIu64,
				  want[i].layout, want[i].reg, g->offset, g->size, want[i].offset, want[i].size);
		CHECK_EQ(g->offset, want[i].offset);
		CHECK_EQ(g->size, want[i].size);
	}
	if (loaded)
		bb_layout_free(&l);
}

static const char good_head[] =
	"device name=t desc=\"test device\"\n"
	"region index=0 size=16K flags=read,write,mmap caps=sparse\n";

static const struct bb_bad_text bad[] = {
	{ "region index=0 size=4K flags=read\n", "t:1: 'region' before the device statement" },
	{ "device name=T desc=x\n", "t:1: device: name 'T' must match" },
	{ "device name=t\n", "t:1: device: missing desc=" },
	{ "device name=t desc=\"x\n", "t:1: desc: unterminated quoted string" },
	{ "device name=t desc=x\n", "t:1: no region statement" },
	{ "device name=t desc=x read_ns=500\n", "t:1: device: read_ns=/write_ns= need ns-source=" },
	{ "device name=t desc=x read_ns=0 ns-source=y\n", "t:1: device: read_ns=0: a device access takes time" },
	{ "device name=t desc=x ns-source=y\n", "t:1: device: ns-source= without read_ns= or write_ns=" },
	{ "device name=t desc=x\ndevice name=u desc=y\n", "t:2: a second device statement" },
	{ "device name=t desc=x vendor=0x10000 device=1\n", "t:1: vendor=0x10000: out of range" },
	{ "device name=t desc=x device=1\n", "t:1: device: device= without vendor=" },
	{ "device name=t desc=x\nregion index=0 flags=read\n", "t:2: region: missing size=" },
	{ "device name=t desc=x\nregion index=0 size=4K\n", "t:2: region 0: missing flags=" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read,exec\n", "t:2: flags: unknown word 'exec'" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read,\n", "t:2: flags: trailing comma" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read\nregion index=0 size=4K flags=read\n",
	  "t:3: region 0 declared twice (first at line 2)" },
	{ "device name=t desc=x\nregion index=0 size=4X flags=read\n", "t:2: size=4X: not a number" },
	{ "device name=t desc=x\nregion index=0 size=99999999999999999999 flags=read\n", "t:2: size=99999999999999999999: out of range" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read caps=type\n", "t:2: region 0: caps=type needs type= and subtype=" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read type=1 subtype=2\n", "t:2: region 0: type=/subtype= without caps=type" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read colour=red\n", "t:2: region: unknown attribute 'colour'" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read size=8K\n", "t:2: size given twice" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read\nfrobnicate x=1\n", "t:3: unknown statement 'frobnicate'" },
	{ "device name=t desc=x\nregion index=0 size=4K flags=read oops\n", "t:2: 'oops' is not key=value" },
	{ "AREA0 offset=0 size=0x1000\n", "t:3: area: region 1 is not declared above" },
	{ "area region=0 offset=0x4008 size=0\n", "t:3: area: [0x4008, +0x0) lies outside region 0" },
	{ "area region=0 offset=0x3000 size=0x2000\n", "t:3: area: [0x3000, +0x2000) lies outside region 0" },
	{ "area region=0 offset=0 size=0x2000\narea region=0 offset=0x1000 size=0x1000\n",
	  "t:4: area [0x1000, 0x2000) overlaps area 0 [0x0, 0x2000)" },
	{ "region index=1 size=4K flags=read\narea region=1 offset=0 size=4K\n", "t:4: area: region 1 (line 3) has no caps=sparse" },
	{ "msix vectors=0 table-region=0 table-offset=0 pba-region=0 pba-offset=0x800\n", "t:3: msix: vectors must be 1-2048" },
	{ "msix vectors=4096 table-region=0 table-offset=0 pba-region=0 pba-offset=0x800\n", "t:3: vectors=4096: out of range" },
	{ "msix vectors=32 table-region=0 table-offset=0x3f00 pba-region=0 pba-offset=0\n", "t:3: msix table: [0x3f00, +0x200) lies outside region 0" },
	{ "msix vectors=32 table-region=0 table-offset=0x2000 pba-region=0 pba-offset=0x2100\n", "t:3: msix: table [0x2000, 0x2200) and PBA [0x2100, 0x2108) overlap" },
	{ "msix vectors=32 table-region=0 table-offset=0x2004 pba-region=0 pba-offset=0x3000\n", "t:3: msix: table-offset and pba-offset must be 8-byte aligned" },
	{ "msix vectors=32 table-region=4 table-offset=0 pba-region=0 pba-offset=0x3000\n", "t:3: msix table: region 4 is not declared above" },
	{ "msix vectors=1 table-region=0 table-offset=0 pba-region=0 pba-offset=0x800\nmsix vectors=1 table-region=0 table-offset=0 pba-region=0 pba-offset=0x800\n", "t:4: a second msix statement" },
	{ "reg region=0 offset=0 size=4 kind=status\n", "t:3: reg: missing name=" },
	{ "reg region=0 offset=0 size=4 name=X\n", "t:3: reg X: missing kind=" },
	{ "reg region=0 offset=0 size=4 name=X kind=magic\n", "t:3: kind: unknown word 'magic'" },
	{ "reg region=0 offset=0 size=4 name=X kind=id,status\n", "t:3: reg X: kind= takes one word" },
	{ "reg region=0 offset=0x3ffe size=4 name=X kind=status\n", "t:3: X: [0x3ffe, +0x4) lies outside region 0" },
	{ "reg region=0 offset=0 size=2 name=X kind=id value=0x10000\n", "t:3: reg X: value 0x10000 does not fit 2 bytes" },
	{ "reg region=0 offset=0 size=4 name=X kind=id\nreg region=0 offset=4 size=4 name=X kind=id\n", "t:4: reg X: name already used at line 3" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=0 stride=8\n", "t:3: reg DB: count=0: an array has 1 to 16384 elements" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=16385 stride=4\n", "t:3: count=16385: out of range" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=4\n", "t:3: reg DB: count=4 needs stride=" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell stride=8\n", "t:3: reg DB: stride= without count=" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=4 stride=2\n", "t:3: reg DB: stride 0x2 is smaller than size 0x4: elements would overlap" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=2048 stride=8\n", "t:3: reg DB: element 2047 [0x4ff8, +0x4) lies outside region 0" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=3 stride=0x8000000000000000\n", "t:3: reg DB: count=3 stride=0x8000000000000000 overflows 64 bits" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=2 stride=0xfffffffffffff000\n", "t:3: reg DB: count=2 stride=0xfffffffffffff000 overflows 64 bits" },
	{ "reg region=0 offset=0 size=4 name=ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJK kind=doorbell count=100 stride=4\n", "t:3: reg ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJK: name too long for element names" },
	{ "reg region=0 offset=0x1000 size=4 name=DB kind=doorbell count=2 stride=4\nreg region=0 offset=0 size=4 name=DB[1] kind=id\n", "t:4: reg DB[1]: name already used at line 3" },
	{ "reg region=0 offset=0 size=4 name=X kind=id byte-order=be\n", "t:3: reg X: byte-order= without value=" },
	{ "reg region=0 offset=0 size=4 name=X kind=id value=1 byte-order=middle\n", "t:3: reg X: byte-order=middle: want le or be" },
	{ "reg region=0 offset=0 size=16 name=X kind=id value=1 byte-order=be\n", "t:3: reg X: byte-order=be needs a register of 1 to 8 bytes, not 16" },
	{ "msix placement=known vectors=4\n", "t:3: msix: placement=known: the only word is unknown" },
	{ "msix placement=unknown table-region=0\n", "t:3: msix: placement=unknown with table-region=: give the placement or say it is unknown" },
	{ "msix placement=unknown vectors=0\n", "t:3: msix: vectors must be 1-2048" },
	{ "msix placement=unknown\nmsix vectors=1 table-region=0 table-offset=0 pba-region=0 pba-offset=0x800\n", "t:4: a second msix statement" },
	{ "safe region=0 offset=0 size=4K\n", "t:3: safe: missing access=" },
	{ "safe region=0 offset=0 size=4K access=w\n", "t:3: access: unknown word 'w'" },
	{ "safe region=0 offset=0 size=32K access=r\n", "t:3: safe: [0x0, +0x8000) lies outside region 0" },
	{ "safe region=0 offset=0 size=4K access=r,rw\n", "t:3: safe: access= takes one of none, r, rw" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[2048];
		struct bb_layout l;
		struct bb_diag d = { "" };
		int err;

		/* cases that start with a statement other than device get the good head */
		if (!strncmp(bad[i].text, "device", 6) || !strncmp(bad[i].text, "region index=0 size=4K flags=read\n", 30))
			snprintf(text, sizeof(text), "%s", bad[i].text);
		else if (!strncmp(bad[i].text, "AREA0", 5))
			snprintf(text, sizeof(text), "%sarea region=1 %s", good_head, bad[i].text + 6);
		else
			snprintf(text, sizeof(text), "%s%s", good_head, bad[i].text);
		err = bb_layout_parse(text, strlen(text), "t", &l, &d);
		if (err != -EINVAL || !strstr(d.msg, bad[i].want))
			NOTE_FAIL("case %zu:\n%s", i, text);
		CHECK_EQ(err, -EINVAL);
		CHECK_STR_HAS(d.msg, bad[i].want);
		CHECK(l.regions == NULL && l.regs == NULL && l.safe == NULL);
	}
}

static void test_good(void)
{
	static const char text[] =
		"# a comment line\n"
		"device name=nvme.x_1 desc=\"An NVMe # not a comment\" vendor=0x144d device=0xa808 class=0x010802"
		" read_ns=466 write_ns=120 ns-source=\"pcie-bench, Xeon E5-2620v3\"\n"
		"\n"
		"region index=0 size=16K flags=read,write,mmap caps=sparse name=bar0   # trailing comment\n"
		"area region=0 offset=0x3000 size=0x1000\n"
		"area region=0 offset=0 size=0x2000\n"
		"region index=4 size=4K flags=read,write,mmap caps=msix-mappable,type type=3 subtype=1\n"
		"msix vectors=65 table-region=0 table-offset=0x2000 pba-region=4 pba-offset=0x800\n"
		"reg region=0 offset=0 size=8 name=CAP kind=id value=0x0123 reads=1\n"
		"reg region=0 offset=0x1000 size=4 name=SQ0TDBL kind=doorbell writes=2\n"
		"safe region=0 offset=0 size=0x1000 access=r\n"
		"safe region=0 offset=0x1000 size=0x1000 access=rw\n"
		"safe region=0 offset=0x14 size=4 access=none\n";
	struct bb_layout l;
	struct bb_diag d;
	struct bb_range mt[2];

	if (bb_layout_parse(text, sizeof(text) - 1, "good", &l, &d)) {
		NOTE_FAIL("%s", d.msg);
		CHECK(0);
		return;
	}
	CHECK(!strcmp(l.name, "nvme.x_1"));
	CHECK(!strcmp(l.desc, "An NVMe # not a comment"));
	CHECK(l.has_ids && l.vendor == 0x144d && l.device == 0xa808);
	CHECK(l.has_class && l.class_code == 0x010802);
	CHECK_EQ(l.read_ns, 466);
	CHECK_EQ(l.write_ns, 120);
	CHECK(!strcmp(l.ns_source, "pcie-bench, Xeon E5-2620v3"));
	CHECK_EQ(l.nr_regions, 2);
	CHECK_EQ(l.regions[0].info.nr_areas, 2);
	CHECK_EQ(l.regions[0].info.areas[0].offset, 0x3000);	/* reported order kept */
	CHECK_EQ(l.regions[0].info.offset, 0);
	CHECK_EQ(l.regions[1].info.index, 4);
	CHECK_EQ(l.regions[1].info.offset, 4ull << 40);
	CHECK(l.regions[1].info.msix_mappable && l.regions[1].info.has_type);
	CHECK_EQ(l.regions[1].info.type, 3);
	CHECK_EQ(l.regions[1].info.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
					  VFIO_REGION_INFO_FLAG_MMAP);
	CHECK_EQ(bb_msix_table_bytes(65), 1040);
	CHECK_EQ(bb_msix_pba_bytes(65), 16);
	CHECK_EQ(bb_layout_must_trap(&l, 0, mt), 1);
	CHECK_EQ(mt[0].offset, 0x2000);
	CHECK_EQ(mt[0].size, 1040);
	CHECK_EQ(bb_layout_must_trap(&l, 4, mt), 1);
	CHECK_EQ(mt[0].size, 16);
	CHECK_EQ(l.nr_regs, 2);
	CHECK(l.regs[0].has_value && l.regs[0].value == 0x123);
	CHECK_EQ(l.regs[1].kind, BB_REG_DOORBELL);
	CHECK_EQ(l.regs[1].writes, 2);
	CHECK_EQ(bb_layout_access(&l, 0, 0, 8, true), BB_ACCESS_READ);
	CHECK_EQ(bb_layout_access(&l, 0, 0xff0, 0x20, true), BB_ACCESS_READ);
	CHECK_EQ(bb_layout_access(&l, 0, 0x1000, 4, true), BB_ACCESS_RW);
	CHECK_EQ(bb_layout_access(&l, 0, 0x14, 4, false), BB_ACCESS_NONE);
	CHECK_EQ(bb_layout_access(&l, 0, 0x2000, 8, true), BB_ACCESS_NONE);	/* MSI-X table on hardware */
	CHECK_EQ(bb_layout_access(&l, 0, 0x2000, 8, false), BB_ACCESS_UNLISTED);
	CHECK_EQ(bb_layout_access(&l, 0, 0x1ff8, 0x10, false), BB_ACCESS_UNLISTED);
	bb_layout_free(&l);
	bb_layout_free(&l);	/* idempotent */
}

/* The new syntax of format v2: arrays, byte order, zero-size areas, MSI-X of unknown placement. */
static void test_v2(void)
{
	static const char text[] =
		"device name=v2 desc=\"format v2\"\n"
		"region index=0 size=16K flags=read,write,mmap caps=sparse\n"
		"area region=0 offset=0 size=0   # vfio-pci < 4.16, 64 KiB pages\n"
		"region index=2 size=64K flags=read,write,mmap\n"
		"msix placement=unknown vectors=64\n"
		"reg region=2 offset=0x1000 size=4 name=SQTDBL kind=doorbell writes=1 count=64 stride=8\n"
		"reg region=2 offset=0x1004 size=4 name=CQHDBL kind=doorbell count=64 stride=8\n"
		"reg region=2 offset=0 size=4 name=BOOT kind=id value=0x11223344 byte-order=be\n"
		"reg region=2 offset=4 size=4 name=VER kind=id value=0x11223344 byte-order=le\n"
		"reg region=2 offset=0xfff8 size=8 name=LAST kind=data count=1\n";
	struct bb_layout l, back;
	struct bb_diag d = { "" };
	struct bb_range mt[2];
	uint8_t b[8];
	char *out = NULL;

	if (bb_layout_parse(text, sizeof(text) - 1, "v2", &l, &d)) {
		NOTE_FAIL("%s", d.msg);
		CHECK(0);
		return;
	}
	CHECK_EQ(l.regions[0].info.nr_areas, 1);
	CHECK_EQ(l.regions[0].info.areas[0].size, 0);
	CHECK_EQ(bb_region_mappable_bytes(&l.regions[0].info), 0);
	CHECK(!l.msix.present && l.msix.placement_unknown);
	CHECK_EQ(l.msix.vectors, 64);
	CHECK_EQ(bb_layout_must_trap(&l, 2, mt), 0);	/* nothing known to avoid */
	CHECK_EQ(l.nr_regs, 64 + 64 + 3);
	CHECK(!strcmp(l.regs[0].name, "SQTDBL[0]"));
	CHECK(!strcmp(l.regs[63].name, "SQTDBL[63]"));
	CHECK_EQ(l.regs[63].offset, 0x1000 + 63 * 8);
	CHECK_EQ(l.regs[63].writes, 1);			/* weights are per element */
	CHECK_EQ(l.regs[63].array_index, 63);
	CHECK_EQ(l.regs[63].array_count, 64);
	CHECK(!strcmp(l.regs[64].name, "CQHDBL[0]"));
	CHECK_EQ(l.regs[127].offset, 0x1004 + 63 * 8);
	CHECK(l.regs[128].big_endian && !l.regs[129].big_endian);
	CHECK_EQ(bb_layout_reg_bytes(&l.regs[128], b), 4);
	CHECK(b[0] == 0x11 && b[1] == 0x22 && b[2] == 0x33 && b[3] == 0x44);
	CHECK_EQ(bb_layout_reg_bytes(&l.regs[129], b), 4);
	CHECK(b[0] == 0x44 && b[1] == 0x33 && b[2] == 0x22 && b[3] == 0x11);
	CHECK(!strcmp(l.regs[130].name, "LAST[0]"));

	/* written compactly and parsed back to the same registers */
	if (round_trip(&l, "written", &out, &back)) {
		CHECK(strstr(out, "name=SQTDBL kind=doorbell count=64 stride=0x8 writes=1\n") != NULL);
		CHECK(strstr(out, "byte-order=be") != NULL);
		CHECK(strstr(out, "msix placement=unknown vectors=64\n") != NULL);
		CHECK(strstr(out, "area region=0 offset=0x0 size=0x0\n") != NULL);
		CHECK_EQ(back.nr_regs, l.nr_regs);
		for (uint32_t i = 0; i < l.nr_regs && i < back.nr_regs; i++)
			CHECK(!strcmp(back.regs[i].name, l.regs[i].name) && back.regs[i].region == l.regs[i].region &&
			      back.regs[i].offset == l.regs[i].offset && back.regs[i].size == l.regs[i].size &&
			      back.regs[i].kind == l.regs[i].kind && back.regs[i].reads == l.regs[i].reads &&
			      back.regs[i].writes == l.regs[i].writes && back.regs[i].value == l.regs[i].value &&
			      back.regs[i].big_endian == l.regs[i].big_endian &&
			      back.regs[i].array_count == l.regs[i].array_count &&
			      back.regs[i].array_index == l.regs[i].array_index);
		CHECK(back.msix.placement_unknown && back.msix.vectors == 64);
		bb_layout_free(&back);
	}
	free(out);

	/* one element moved (what bench/advise.c does): every element written on its own line */
	l.regs[5].offset = 0x8000;
	if (round_trip(&l, "moved", &out, &back)) {
		CHECK(strstr(out, "name=SQTDBL[5] kind=doorbell") != NULL);
		CHECK_EQ(back.nr_regs, l.nr_regs);
		CHECK_EQ(back.regs[5].offset, 0x8000);
		CHECK(!strcmp(back.regs[5].name, "SQTDBL[5]"));
		CHECK(!strcmp(back.regs[64].name, "CQHDBL[0]") && back.regs[64].array_count == 64);
		bb_layout_free(&back);
	}
	free(out);
	bb_layout_free(&l);

	/* the largest array, and the cap on all registers of a layout */
	{
		char big[1024];
		int n = snprintf(big, sizeof(big), "device name=t desc=x\nregion index=0 size=1M flags=read\n"
				 "reg region=0 offset=0 size=4 name=A kind=doorbell count=16384 stride=4\n"
				 "reg region=0 offset=0x10000 size=4 name=B kind=doorbell count=16384 stride=4\n");

		CHECK_EQ(bb_layout_parse(big, (size_t)n, "big", &l, &d), 0);
		CHECK_EQ(l.nr_regs, 32768);
		bb_layout_free(&l);
		n += snprintf(big + n, sizeof(big) - (size_t)n, "reg region=0 offset=0x20000 size=4 name=C kind=id\n");
		CHECK_EQ(bb_layout_parse(big, (size_t)n, "big", &l, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, "big:5: reg C: more than 32768 registers in one layout");
	}
}

/* Every layout of format v1, frozen in tests/data/layouts-v1, parses to what the v1 parser made of it. */
static void test_v1_unchanged(void)
{
	DIR *dir = opendir(BB_LAYOUTS_V1);
	struct dirent *e;
	unsigned n = 0;

	CHECK(dir != NULL);
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char path[1024], *want = NULL, *got = NULL;
		size_t wl = 0, gl = 0, k = strlen(e->d_name);
		struct bb_layout l;
		struct bb_diag d;
		FILE *f;

		if (k < 8 || strcmp(e->d_name + k - 7, ".layout"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", BB_LAYOUTS_V1, e->d_name);
		if (bb_layout_load(path, &l, &d)) {
			NOTE_FAIL("%s", d.msg);
			CHECK(0);
			continue;
		}
		snprintf(path + strlen(path) - 7, 16, ".written");
		CHECK_EQ(bb_read_file(path, 1u << 20, &want, &wl, &d), 0);
		f = open_memstream(&got, &gl);
		CHECK(f != NULL);
		if (f) {
			CHECK_EQ(bb_layout_write(f, &l), 0);
			fclose(f);
			if (!want || gl != wl || memcmp(got, want, wl))
				NOTE_FAIL("%s differs from what format v1 made of it:\n%s", path, got);
			CHECK(want && gl == wl && !memcmp(got, want, wl));
		}
		free(got);
		free(want);
		bb_layout_free(&l);
		n++;
	}
	closedir(dir);
	CHECK_EQ(n, 12);
}

static unsigned count_kind(const struct bb_layout_findings *f, enum bb_finding_kind k)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < f->n; i++)
		n += f->v[i].kind == k;
	return n;
}

/* layout check: arrays once, overlaps once per pair of statements, accept=, the page question. */
static void test_check(void)
{
	static const char text[] =
		"device name=c desc=c\n"
		"region index=0 size=1M flags=read,write,mmap\n"
		"msix vectors=64 table-region=0 table-offset=0xc000 pba-region=0 pba-offset=0xd000\n"
		"reg region=0 offset=0 size=4 name=A kind=doorbell writes=1 count=8192 stride=4\n"
		"reg region=0 offset=0 size=4 name=B kind=status count=8192 stride=4\n"
		"reg region=0 offset=0xe000 size=4 name=HOT kind=doorbell writes=3\n"
		"reg region=0 offset=0xf000 size=4 name=COLD kind=doorbell writes=0 accept=msix-page\n"
		"reg region=0 offset=0x20000 size=4 name=FAR kind=control reads=9\n"
		"reg region=0 offset=0xa000 size=4 name=R kind=status reads=1\n";
	struct bb_layout l;
	struct bb_layout_findings f;
	struct bb_diag d = { "" };
	const struct bb_layout_reg *hot[4];

	if (bb_layout_parse(text, sizeof(text) - 1, "c", &l, &d)) {
		NOTE_FAIL("%s", d.msg);
		CHECK(0);
		return;
	}
	CHECK_EQ(bb_layout_check(&l, &f, &d), 0);
	/* 8192 overlapping element pairs: one finding */
	CHECK_EQ(count_kind(&f, BB_FIND_OVERLAP), 1);
	CHECK_EQ(count_kind(&f, BB_FIND_NO_HOTNESS), 0);
	/* A[0..8191] spans [0, 0x8000): not on the table's 16 KiB page [0xc000, 0x10000), on its 64 KiB page */
	CHECK_EQ(count_kind(&f, BB_FIND_MSIX_PAGE), 3);
	for (uint32_t i = 0; i < f.n; i++) {
		if (f.v[i].kind == BB_FIND_MSIX_PAGE && f.v[i].line == 4) {
			CHECK_EQ(f.v[i].page, 65536);
			CHECK_STR_HAS(f.v[i].msg, "8192 of 8192");
		}
		if (f.v[i].line == 6)
			CHECK_EQ(f.v[i].page, 16384);	/* HOT at 0xe000: the PBA's 4 KiB page is 0xd000 */
		if (f.v[i].line == 7)
			CHECK(f.v[i].accepted && f.v[i].note);
	}
	CHECK(bb_layout_findings_fail(&f));
	bb_layout_findings_free(&f);

	/* the page question the report and advise ask: hot registers on a must-trap page */
	CHECK_EQ(bb_layout_hot_on_must_trap_pages(&l, 4096, hot, 4), 0);
	CHECK_EQ(bb_layout_hot_on_must_trap_pages(&l, 16384, hot, 4), 1);
	CHECK(!strcmp(hot[0]->name, "HOT"));
	/* 64 KiB: all of A (weights 1) + HOT + R (reads=1); COLD (writes=0) is not hot; FAR is another page */
	CHECK_EQ(bb_layout_hot_on_must_trap_pages(&l, 65536, hot, 4), 8192 + 2);
	CHECK_EQ(bb_layout_hot_on_must_trap_pages(&l, 65536, NULL, 0), 8192 + 2);
	bb_layout_free(&l);

	/* no MSI-X known: nothing shares; placement unknown: one note, not a failure */
	{
		static const char u[] = "device name=u desc=u\nregion index=0 size=4K flags=read\n"
					"msix placement=unknown\nreg region=0 offset=0 size=4 name=D kind=doorbell writes=1\n";

		CHECK_EQ(bb_layout_parse(u, sizeof(u) - 1, "u", &l, &d), 0);
		CHECK_EQ(bb_layout_check(&l, &f, &d), 0);
		CHECK_EQ(f.n, 1);
		CHECK(f.n == 1 && f.v[0].kind == BB_FIND_MSIX_UNKNOWN && f.v[0].note && f.v[0].line == 3);
		CHECK(!bb_layout_findings_fail(&f));
		CHECK_EQ(bb_layout_hot_on_must_trap_pages(&l, 65536, NULL, 0), 0);
		bb_layout_findings_free(&f);
		bb_layout_free(&l);
	}
	/* accept= words: only known kinds */
	{
		static const char a[] = "device name=a desc=a\nregion index=0 size=4K flags=read\n"
					"reg region=0 offset=0 size=4 name=D kind=doorbell accept=msix-page,bogus\n";

		CHECK_EQ(bb_layout_parse(a, sizeof(a) - 1, "a", &l, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, "a:3: accept: unknown word 'bogus'");
	}
}

int main(void)
{
	test_numbers();
	test_good();
	test_bad();
	test_shipped();
	test_shipped_registers();
	test_v2();
	test_v1_unchanged();
	test_check();
	return bb_test_done("test_layout");
}
