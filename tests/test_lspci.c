// SPDX-License-Identifier: MIT
/*
 * lspci -vvv -xxxx text (core/lspci.c), config space images (core/pcicfg.c)
 * and the layouts generated from them (core/layout_gen.c).  The base text is
 * a real dump of this project's machine (a Firecracker VM's virtio-net);
 * each BAD case changes one thing of it and must be refused with its line
 * number (docs/robustness.md, class D); random mutations must never crash
 * and never yield a layout that does not parse.
 * usage: test_lspci DATA_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/layout.h"
#include "layout_gen.h"
#include "lspci.h"
#include "parse.h"
#include "check.h"

static char *net, *blk, *cx4;	/* the dumps of tests/data: virtio-net, virtio-blk, a ConnectX-4 Lx SR-IOV PF */

/* The ConnectX-4 Lx dump with its ACS capability at 0x230 made a Resizable BAR one: BAR0 32 MiB of 16-64 MiB. */
#define REBAR_HEX "230: 15 00 01 00 00 07 00 00 20 05 00 00"
#define REBAR_TEXT "\tCapabilities: [230 v1] Physical Resizable BAR\n\t\tBAR 0: current size: 32MB, supported: 16MB 32MB 64MB\n"
#define ACS_TEXT "\tCapabilities: [230 v1] Access Control Services\n\t\tACSCap:\tSrcValid- TransBlk- ReqRedir- CmpltRedir-" \
	" UpstreamFwd- EgressCtrl- DirectTrans-\n\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd-" \
	" EgressCtrl- DirectTrans-\n"

/* @base with the first @find replaced by @repl; "" @find appends @repl; NULL @repl cuts from @find on. */
static char *edit(const char *base, const char *find, const char *repl)
{
	const char *at = *find ? strstr(base, find) : base + strlen(base);
	size_t pre, rl = repl ? strlen(repl) : 0, post;
	char *s;

	if (!at)
		return NULL;
	pre = (size_t)(at - base);
	post = repl ? strlen(at + strlen(find)) : 0;
	s = malloc(pre + rl + post + 1);
	if (!s)
		abort();
	memcpy(s, base, pre);
	memcpy(s + pre, repl ? repl : "", rl);
	if (repl)
		memcpy(s + pre + rl, at + strlen(find), post);
	s[pre + rl + post] = '\0';
	return s;
}

/* Parse and generate (@queues doorbells); 0 or the error with @d filled. */
static int run(const char *text, size_t len, uint32_t queues, char **out, struct bb_diag *d)
{
	struct bb_lspci *ls = calloc(1, sizeof(*ls));
	struct bb_gen *g = calloc(1, sizeof(*g));
	size_t n;
	int err;

	if (!ls || !g)
		abort();
	*out = NULL;
	err = bb_lspci_parse(text, len, "dump", ls, d);
	if (!err)
		err = bb_gen_from_lspci(ls, "lspci:dump", g, d);
	if (!err) {
		g->queues = queues;
		err = bb_layout_generate(g, out, &n, d);
	}
	free(ls);
	free(g);
	return err;
}

#define BAD(name, find, repl, want) { #name, find, repl, NULL, NULL, want }
#define BAD2(name, find, repl, find2, repl2, want) { #name, find, repl, find2, repl2, want }

static const struct bad {
	const char *name, *find, *repl, *find2, *repl2, *want;
} bad[] = {
	BAD(two_devices, "", "@blk", "dump:38: a second device (00:02.0; the first, 00:03.0, at line 1)"),
	BAD(short_config, "40: 09 50 10 01", NULL, "dump:24: config byte 0x34: capability pointer 0x40: the capability"
	    " list needs byte 0x41; config space holds only 0x40 bytes: the hex dump ends at line 24"),
	BAD(cut_in_msix, "a0: 00 80 04", NULL, "dump:30: config byte 0x98: the MSI-X capability needs bytes up to 0xa3;"
	    " config space holds only 0xa0 bytes: the hex dump ends at line 30"),
	BAD(garbage, "00:03.0 Ethernet", "hello Ethernet", "dump:1: 'hello Ethernet controller: Red Hat, Inc. Vi' is not a line of lspci"),
	BAD(control_char, "Subsystem:", "Sub\001system:", "dump:2: control character 0x01 at column 5"),
	BAD(no_device_line, "00:03.0 Ethernet controller", "\tEthernet controller", "dump:1: an indented line before"
	    " the device line"),
	BAD(rows_before_device, "00:03.0 Ethernet controller: Red Hat, Inc. Virtio 1.0 network device (rev 01)\n",
	    "00: f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00\n", "dump:1: a hex dump row before the device line"),
	BAD(no_hex_dump, "00: f4 1a", NULL, "dump:20: no hex dump of config space"),
	BAD(row_missing, "50: 09 60 10 03 00 00 00 00 00 20 00 00 01 00 00 00\n", "", "dump:26: hex dump row 0x60 where"
	    " row 0x50 was due"),
	BAD(row_15_bytes, "10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00 00", "10: 04 00 10 00 40 00 00 00 00 00 00 00"
	    " 00 00 00", "dump:22: hex dump row 0x10: byte 15 is not ' XX'"),
	BAD(row_17_bytes, "10: 04 00 10 00 40 00 00 00 00 00 00 00 00 00 00 00", "10: 04 00 10 00 40 00 00 00 00 00 00 00"
	    " 00 00 00 00 00", "dump:22: hex dump row 0x10: more than 16 bytes"),
	BAD(row_after_end, "f0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n", "f0: 00 00 00 00 00 00 00 00 00 00"
	    " 00 00 00 00 00 00\n\n100: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n", "dump:38: hex dump row 0x100"
	    " where row 0x100 was due: rows are missing, repeated or out of order"),
	BAD(region_no_size, " [size=512K]", "", "dump:6: Region 0 has no [size=...]: BAR sizes are not in config space"),
	BAD(region_size_not_pow2, "[size=512K]", "[size=384K]", "dump:6: Region size 0x60000 is not a power of two"),
	BAD(region_size_huge, "[size=512K]", "[size=4294967296]", "dump:6: [size=4294967296]: not a size as lspci prints"
	    " one"),
	BAD(region_bad_bracket, "[size=512K]", "[size=512K] [oops]", "dump:6: [oops]: not a bracket lspci prints"),
	BAD(region_type_mismatch, "(64-bit, non-prefetchable)", "(32-bit, non-prefetchable)", "dump:6: Region 0 says"
	    " 32-bit, non-prefetchable; config byte 0x10 (line 22) reads 0x00100004: 64-bit, non-prefetchable"),
	BAD(region_io_mismatch, "Memory at 4000100000 (64-bit, non-prefetchable)", "I/O ports at 4000",
	    "dump:6: Region 0 says I/O space; config byte 0x10 (line 22) reads 0x00100004: memory space"),
	BAD(region_missing, "\tRegion 0: Memory at 4000100000 (64-bit, non-prefetchable) [size=512K]\n", "",
	    "dump:21: config byte 0x10: BAR0 reads 0x00100004 but no 'Region 0:' line gives its size"),
	BAD(region_twice, "\tRegion 0: Memory at 4000100000 (64-bit, non-prefetchable) [size=512K]\n", "\tRegion 0: Memory"
	    " at 4000100000 (64-bit, non-prefetchable) [size=512K]\n\tRegion 0: Memory at 4000100000 (64-bit,"
	    " non-prefetchable) [size=512K]\n", "dump:7: a second 'Region 0:' line (the first at line 6)"),
	BAD(region_upper_half, "\tCapabilities: [40]", "\tRegion 1: Memory at 40 (32-bit, non-prefetchable) [size=4K]\n"
	    "\tCapabilities: [40]", "dump:7: Region 1: config space makes BAR1 the upper half of the 64-bit BAR0"),
	BAD(msix_count_mismatch, "Count=3", "Count=4", "dump:17: MSI-X Count=4; config byte 0x9a (line 30) says 3"
	    " vectors"),
	BAD(msix_table_mismatch, "Vector table: BAR=0 offset=00008000", "Vector table: BAR=0 offset=00009000",
	    "dump:18: Vector table BAR=0 offset=00009000; config byte 0x9c (line 30) says BAR=0 offset=00008000"),
	BAD(msix_bir_reserved, "90: 00 00 00 00 00 00 00 00 11 00 02 80 00 80 00 00", "90: 00 00 00 00 00 00 00 00 11 00"
	    " 02 80 06 80 00 00", "dump:30: config byte 0x9c: MSI-X table BIR 6 is not a BAR of header type 0"),
	BAD2(msix_outside_bar, "90: 00 00 00 00 00 00 00 00 11 00 02 80 00 80 00 00", "90: 00 00 00 00 00 00 00 00 11 00"
	     " 02 80 00 00 08 00", "offset=00008000", "offset=00080000", "dump:30, config 0x9c: the MSI-X table [0x80000,"
	    " +0x30) lies outside BAR0 (0x80000 bytes)"),
	BAD(virtio_mismatch, "multiplier=00000004", "multiplier=00000008", "dump:14: BAR=0 offset=6000 size=1000; the"
	    " capability at config byte 0x70 (line 28) says BAR=0 offset=6000 size=1000 multiplier=4"),
	BAD(virtio_cap_len_short, "40: 09 50 10 01", "40: 09 50 0c 01", "dump:25: config byte 0x42: virtio common"
	    " capability: cap_len 12 is shorter than its 16-byte structure"),
	BAD2(virtio_outside_bar, "70: 09 84 14 02 00 00 00 00 00 60 00 00", "70: 09 84 14 02 00 00 00 00 00 00 08 00",
	     "offset=00006000", "offset=00080000", "dump:28, config 0x74: the virtio notify structure [0x80000, +0x1000)"
	    " lies outside BAR0"),
	BAD(cap_loop, "11 00 02 80", "11 40 02 80", "dump:30: config byte 0x99: capability pointer 0x40 was visited"
	    " before: the list loops"),
	BAD(cap_into_header, "30: 00 00 00 00 40", "30: 00 00 00 00 20", "dump:24: config byte 0x34: capability pointer"
	    " 0x20 points into the 64-byte header"),
	BAD(cap_not_in_list, "\tKernel driver in use", "\tCapabilities: [c0] Power Management version 3\n"
	    "\tKernel driver in use", "dump:20: lspci decoded a capability at 0xc0 that the hex dump's capability list"
	    " does not reach"),
	BAD(access_denied, "\tCapabilities: [40] Vendor Specific Information: VirtIO: CommonCfg",
	    "\tCapabilities: <access denied>", "dump:7: 'Capabilities: <access denied>': lspci ran without root"),
	BAD(no_device, "00: f4 1a 41 10 06 04 10 00 01 00 00 02", "00: ff ff ff ff ff ff ff ff ff ff ff ff", "dump:21:"
	    " config byte 0x0: vendor ID 0xffff: no device answered"),
	BAD(header_type, "00: f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00", "00: f4 1a 41 10 06 04 10 00 01 00 00"
	    " 02 00 00 05 00", "dump:21: config byte 0xe: header type 0x05 is none of 0 (endpoint), 1 (bridge), 2"),
	BAD(bar5_64bit, "20: 00 00 00 00 00 00", "20: 00 00 00 00 04 00", "dump:23: config byte 0x24: BAR5 (0x00000004)"
	    " says 64-bit, but it is the last BAR slot"),
	/* PCI Express extended capabilities: the ConnectX-4 Lx SR-IOV PF ("@cx4:" picks it as the base) */
	BAD(ecap_loop, "@cx4:230: 0d 00 01 00", "230: 0d 00 01 10", "dump:116: config byte 0x232: extended capability"
	    " next offset 0x100 was visited before: the list loops"),
	BAD(ecap_into_standard, "@cx4:230: 0d 00 01 00", "230: 0d 00 01 04", "dump:116: config byte 0x232: extended"
	    " capability next offset 0x40 points below 0x100, into the standard space: invalid (PCIe 4.0, 7.6.3)"),
	BAD(ecap_past_end, "@cx4:1c0: 19 00 01 23", NULL, "dump:105: config byte 0x182: extended capability next offset"
	    " 0x1c0: the list needs bytes up to 0x1c3; config space holds only 0x1c0 bytes: the hex dump ends at line 108"),
	BAD(sriov_body_past_end, "@cx4:1a0: 01 00 00 00", NULL, "dump:105: config byte 0x180: the SR-IOV capability"
	    " needs bytes up to 0x1bf; config space holds only 0x1a0 bytes: the hex dump ends at line 106"),
	BAD(sriov_vf_bar_io, "@cx4:1a0: 01 00 00 00 0c", "1a0: 01 00 00 00 0d", "dump:107: config byte 0x1a4: VF BAR0"
	    " (0x1c00000d) has the I/O bit set: VF BARs are memory only (PCIe 4.0, 9.3.3.14)"),
	BAD(sriov_total_mismatch, "@cx4:Total VFs: 8", "Total VFs: 16", "dump:68: Initial VFs 8, Total VFs 16, Number"
	    " of VFs 0; config byte 0x18c (line 105) says 8, 8, 0"),
	BAD(sriov_vf_device_mismatch, "@cx4:Device ID: 1016", "Device ID: 1018", "dump:69: VF offset 2, stride 1, Device"
	    " ID 1018; config byte 0x194 (line 106) says 2, 1, 1016"),
	BAD(sriov_page_size_mismatch, "@cx4:System Page Size: 00000001", "System Page Size: 00000010", "dump:70:"
	    " Supported Page Size 000007ff, System Page Size 00000010; config byte 0x19c (line 106) says 000007ff,"
	    " 00000001"),
	BAD(sriov_vf_bar_type_mismatch, "@cx4:000000401c000000 (64-bit, prefetchable)", "000000401c000000 (32-bit,"
	    " prefetchable)", "dump:71: VF Region 0: Memory at 000000401c000000 (32-bit, prefetchable); config byte 0x1a4"
	    " (line 107) says VF BAR, 64-bit, prefetchable at 0x401c000000"),
	BAD(sriov_vf_bar_missing, "@cx4:\t\tRegion 0: Memory at 000000401c000000 (64-bit, prefetchable)\n", "",
	    "dump:64: config byte 0x1a4 (line 106): VF BAR0 is implemented but lspci printed no VF 'Region 0:' line"),
	BAD(ecap_not_in_list, "@cx4:\tKernel driver in use", "\tCapabilities: [300 v1] Latency Tolerance Reporting\n"
	    "\tKernel driver in use", "dump:79: lspci decoded an extended capability at 0x300 that the hex dump's"
	    " extended capability list does not reach"),
	BAD(ecap_version_mismatch, "@cx4:[150 v1]", "[150 v2]", "dump:61: [150 v2]; config byte 0x150 (line 102) says"
	    " version 1"),
	BAD(ecap_name_mismatch, "@cx4:[1c0 v1] Secondary PCI Express", "[1c0 v1] Single Root I/O Virtualization"
	    " (SR-IOV)", "dump:73: 'Single Root I/O Virtualization (SR-IOV)'; config byte 0x1c0 (line 109) says extended"
	    " capability ID 0x0019 (Secondary PCIe Capability)"),
	BAD2(rebar_size_mismatch, "@cx4:230: 0d 00 01 00 00 00 00 00 00 00 00 00", REBAR_HEX, ACS_TEXT,
	     "\tCapabilities: [230 v1] Physical Resizable BAR\n\t\tBAR 0: current size: 64MB, supported: 16MB 32MB"
	     " 64MB\n", "dump:77: BAR 0, current size encoding 6, sizes 0x70; config byte 0x234 (line 115) says BAR 0,"
	     " encoding 5, sizes 0x70"),
	BAD(rebar_count, "@cx4:230: 0d 00 01 00 00 00 00 00 00 00 00 00", "230: 15 00 01 00 00 07 00 00 e0 05 00 00",
	    "dump:116: config byte 0x238: Resizable BAR: control 0x000005e0 says 7 resizable BARs, not 1 to 6"),
	BAD(rebar_bar_index, "@cx4:230: 0d 00 01 00 00 00 00 00 00 00 00 00", "230: 15 00 01 00 00 07 00 00 26 05 00 00",
	    "dump:116: config byte 0x238: Resizable BAR: control 0x00000526 names BAR index 6, a reserved value"),
	BAD(hex_cannot_dump, "00: f4 1a", "WARNING: Cannot show hex-dump of the config space\n00: f4 1a", "dump:21: lspci"
	    " could not read config space"),
};

/* "@blk" appends the block device's dump; a second pair edits a decoded line to agree with the first edit. */
static char *make(const struct bad *c)
{
	char *s, *t;

	const char *base = net, *find = c->find;

	if (c->repl && !strcmp(c->repl, "@blk"))
		return edit(net, "", blk);
	if (!strncmp(find, "@cx4:", 5)) {
		base = cx4;
		find += 5;
	}
	s = edit(base, find, c->repl);
	if (!s || !c->find2)
		return s;
	t = edit(s, c->find2, c->repl2);
	free(s);
	return t;
}

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = make(&bad[i]), *out = NULL;
		struct bb_diag d = { "" };
		int err;

		if (!text) {
			NOTE_FAIL("%s: the base text lacks '%s'", bad[i].name, bad[i].find);
			CHECK(0);
			continue;
		}
		err = run(text, strlen(text), 2, &out, &d);
		if (err != -EINVAL || !strstr(d.msg, bad[i].want))
			NOTE_FAIL("%s: got %d '%s'", bad[i].name, err, d.msg);
		CHECK_EQ(err, -EINVAL);
		CHECK_STR_HAS(d.msg, bad[i].want);
		CHECK(out == NULL);
		free(out);
		free(text);
	}
}

static void test_limits(void)
{
	struct bb_diag d = { "" };
	size_t big = BB_LSPCI_MAX_BYTES + 1;
	char *s = malloc(big), *out;

	if (!s)
		abort();
	memset(s, 'x', big);
	CHECK_EQ(run(s, big, 0, &out, &d), -EFBIG);
	CHECK_STR_HAS(d.msg, "more than an lspci dump of one device may be");
	memset(s, ' ', 5000);
	s[0] = '\t';
	CHECK_EQ(run(s, 5000, 0, &out, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "dump:1: a line of 5000 characters");
	CHECK_EQ(run("", 0, 0, &out, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "no device line");
	free(s);
}

/* The real dumps: what the generated layout says. */
static void test_good(void)
{
	struct bb_diag d = { "" };
	struct bb_layout l;
	char *out;

	CHECK_EQ(run(net, strlen(net), 0, &out, &d), 0);
	if (!out)
		return;
	CHECK_EQ(bb_layout_parse(out, strlen(out), "gen", &l, &d), 0);
	CHECK_EQ(l.vendor, 0x1af4);
	CHECK_EQ(l.device, 0x1041);
	CHECK_EQ(l.class_code, 0x020000);
	CHECK_EQ(l.nr_regions, 1);
	CHECK_EQ(l.regions[0].info.size, 0x80000);
	CHECK(l.regions[0].info.msix_mappable);
	CHECK_EQ(l.msix.vectors, 3);
	CHECK_EQ(l.msix.table_offset, 0x8000);
	CHECK_EQ(l.msix.pba_offset, 0x48000);
	CHECK_EQ(l.nr_safe, 0);
	/* 16 common fields, ISR, device config, 1024 doorbells (no --queues: every queue the 0x1000 bytes address) */
	CHECK_EQ(l.nr_regs, 16 + 1 + 1 + 1024);
	CHECK_EQ(l.regs[l.nr_regs - 1].offset, 0x6000 + 1023 * 4);
	CHECK_STR_HAS(out, "# ASSUMPTION: the queue count is not in config space");
	bb_layout_free(&l);
	free(out);
	CHECK_EQ(run(blk, strlen(blk), 1, &out, &d), 0);
	if (out && !bb_layout_parse(out, strlen(out), "gen", &l, &d)) {
		CHECK_EQ(l.device, 0x1042);
		CHECK_EQ(l.msix.vectors, 2);
		CHECK_EQ(l.nr_regs, 16 + 1 + 1 + 1);
		bb_layout_free(&l);
	}
	free(out);
	/* --queues more than the notify structure holds */
	CHECK_EQ(run(net, strlen(net), 1025, &out, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "--queues 1025: the notify structure (0x1000 bytes, multiplier 4) holds doorbells for 1024");
}

/* Random mutations of the real dump: refused cleanly or turned into a layout that parses. */
static void test_mutations(void)
{
	size_t len = strlen(net);
	unsigned ok = 0, refused = 0;
	char *s = malloc(len + 1);

	if (!s)
		abort();
	srand(18);
	for (unsigned i = 0; i < 20000; i++) {
		struct bb_diag d = { "" };
		char *out;
		int err;

		memcpy(s, net, len + 1);
		for (unsigned k = 0, n = 1 + (unsigned)rand() % 4; k < n; k++) {
			size_t at = (size_t)rand() % len;

			s[at] = "0123456789abcdef :[]=x\n\t"[rand() % 25];
		}
		err = run(s, len, 1 + (unsigned)rand() % 3, &out, &d);
		if (err)
			refused++;
		else
			ok++;
		if (err && err != -EINVAL)
			NOTE_FAIL("mutation %u: %d %s", i, err, d.msg);
		CHECK(!err || err == -EINVAL);
		CHECK(!err || strncmp(d.msg, "dump", 4) == 0 || strstr(d.msg, "lspci:dump"));
		free(out);
	}
	printf("mutations: %u generated, %u refused\n", ok, refused);
	CHECK(ok > 0 && refused > 0);
	free(s);
}

/* The ConnectX-4 Lx PF: its SR-IOV capability and the other extended ones, as comments of the layout. */
static void test_sriov_pf(void)
{
	struct bb_diag d = { "" };
	struct bb_layout l;
	char *out;

	CHECK_EQ(run(cx4, strlen(cx4), 0, &out, &d), 0);
	if (!out) {
		NOTE_FAIL("cx4: %s", d.msg);
		return;
	}
	CHECK_EQ(bb_layout_parse(out, strlen(out), "gen", &l, &d), 0);
	CHECK_EQ(l.vendor, 0x15b3);
	CHECK_EQ(l.device, 0x1015);
	CHECK_EQ(l.nr_regions, 2);
	CHECK_EQ(l.msix.vectors, 64);
	bb_layout_free(&l);
	CHECK_STR_HAS(out, "# SR-IOV: a physical function with up to 8 VFs (VF device ID 0x1016). VMMs assign VFs,");
	CHECK_STR_HAS(out, "dump:64, config 0x180: SR-IOV capability: TotalVFs 8 (+0x0e), InitialVFs 8, NumVFs 0");
	CHECK_STR_HAS(out, "from 08:00.0, VF 1 is 08:00.2, the last 08:01.1");
	CHECK_STR_HAS(out, "config 0x19a: VF Device ID 0x1016: a VF is PCI 15b3:1016");
	CHECK_STR_HAS(out, "config 0x1a0: System Page Size 0x00000001 (4 KiB; supported: 4 KiB to 4 MiB)");
	CHECK_STR_HAS(out, "config 0x1a4: VF BAR0: memory, 64-bit, prefetchable (its upper half in the next slot); its"
		      " size is not in config space");
	CHECK_STR_HAS(out, "0x100 ERR (Advanced Error Reporting) v1, 0x150 ARI (Alternate Routing ID) v1");
	CHECK_STR_HAS(out, "0x230 ACS (Access Control Services) v1");
	CHECK(!strstr(out, "Resizable BAR"));
	free(out);
	/* lspci -xxx: 256 bytes, no extended list; the decoded extended lines are named, unchecked, in a note */
	{
		char *t = edit(cx4, "100: 01 00 01 15", NULL);

		CHECK(t && run(t, strlen(t), 0, &out, &d) == 0);
		if (out) {
			CHECK_STR_HAS(out, "the hex dump holds 0x100 bytes: the 5 extended capabilities lspci decoded (lines\n"
				      "#     52-76) are neither checked nor described here; among them SR-IOV at 0x180 (line\n"
				      "#     64); lspci -vvv -xxxx as root dumps all 4096 bytes");
			CHECK(!strstr(out, "--- SR-IOV"));
		}
		free(out);
		free(t);
	}
	/* a Region line in the details of another extended capability is not a PF Region (lspci prints those first) */
	{
		char *t = edit(cx4, "\t\tLaneErrStat: 0\n", "\t\tLaneErrStat: 0\n\t\tRegion 0: Memory at 1 (64-bit, prefetchable)\n");

		CHECK(t && run(t, strlen(t), 0, &out, &d) == 0);
		free(out);
		free(t);
	}
}

/* The ConnectX-4 Lx dump with a Resizable BAR capability: the current size against the region's. */
static void test_rebar_text(void)
{
	struct bb_diag d = { "" };
	char *a = edit(cx4, "230: 0d 00 01 00 00 00 00 00 00 00 00 00", REBAR_HEX), *b = a ? edit(a, ACS_TEXT, REBAR_TEXT) : NULL;
	char *c, *e, *out;

	CHECK(b != NULL);
	if (!b) {
		free(a);
		return;
	}
	CHECK_EQ(run(b, strlen(b), 0, &out, &d), 0);
	if (out) {
		CHECK_STR_HAS(out, "dump:115, config 0x234: BAR0: current size 32 MiB (control bits 13:8 = 5), supported 16"
			      " MiB to 64 MiB; region 0 above has that size");
		CHECK(!strstr(out, "ACS"));
		free(out);
	} else {
		NOTE_FAIL("rebar: %s", d.msg);
	}
	/* 64 MiB by the control register, 32M by the Region line: a note, not a refusal */
	c = edit(b, "20 05 00 00", "20 06 00 00");
	e = c ? edit(c, "current size: 32MB", "current size: 64MB") : NULL;
	CHECK(e != NULL);
	if (e && !run(e, strlen(e), 0, &out, &d)) {
		CHECK_STR_HAS(out, "BAR0: current size 64 MiB (control bits 13:8 = 6), supported 16 MiB to 64 MiB; NOTE:"
			      " lspci:dump reports region 0 as 32 MiB, not the control register's size");
		free(out);
	} else {
		NOTE_FAIL("rebar mismatch: %s", d.msg);
		CHECK(0);
	}
	free(a);
	free(b);
	free(c);
	free(e);
}

/* A VF's dump: IDs read 0xffff; lspci -nn's "[vvvv:dddd]" gives them, else the layout has none. */
static void test_vf_ids(void)
{
	struct bb_diag d = { "" };
	char *a = edit(cx4, "00: b3 15 15 10", "00: ff ff ff ff"), *b = a ? edit(a, "[ConnectX-4 Lx]",
								      "[ConnectX-4 Lx] [15b3:1015]") : NULL, *out;
	struct bb_layout l;

	CHECK(b != NULL);
	if (!b) {
		free(a);
		return;
	}
	CHECK_EQ(run(a, strlen(a), 0, &out, &d), 0);
	if (out && !bb_layout_parse(out, strlen(out), "gen", &l, &d)) {
		CHECK(!l.has_ids);
		CHECK_STR_HAS(out, "device name=pci-vf desc=");
		CHECK_STR_HAS(out, "# no IDs: add vendor= (the PF's) and device= (its SR-IOV VF Device ID; lspci -nn prints both)\n"
			      "# class from dump:81, config 0x8, revision 0x00\ndevice name=pci-vf desc=");
		bb_layout_free(&l);
	}
	free(out);
	CHECK_EQ(run(b, strlen(b), 0, &out, &d), 0);
	if (out && !bb_layout_parse(out, strlen(out), "gen", &l, &d)) {
		CHECK(l.has_ids && l.vendor == 0x15b3 && l.device == 0x1015);
		CHECK_STR_HAS(out, "# IDs from the device line, dump:1: '[15b3:1015]' (lspci -nn");
		bb_layout_free(&l);
	}
	free(out);
	free(a);
	free(b);
}

/* ---- config space images built byte by byte (the vfio: and vfio-user: path) ---- */

static void put16(uint8_t *c, unsigned at, unsigned v)
{
	c[at] = (uint8_t)v;
	c[at + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *c, unsigned at, uint32_t v)
{
	put16(c, at, v & 0xffff);
	put16(c, at + 2, v >> 16);
}

/* An endpoint 8086:1234 with no standard capability, and the extended header @id v1 at @at, next @next. */
static void image(uint8_t *c, size_t n)
{
	memset(c, 0, n);
	put16(c, 0, 0x8086);
	put16(c, 2, 0x1234);
	put32(c, 8, 0x02000001);
}

static void ecap(uint8_t *c, unsigned at, unsigned id, unsigned next)
{
	put32(c, at, id | 1u << 16 | next << 20);
}

static int parse(const uint8_t *c, size_t n, struct bb_pcicfg *p, struct bb_diag *d)
{
	struct bb_pcicfg_src src = { .name = "img" };

	return bb_pcicfg_parse(c, n, &src, p, d);
}

static void test_config_images(void)
{
	static uint8_t c[BB_PCICFG_MAX];
	static struct bb_pcicfg p;
	struct bb_diag d = { "" };

	/* SR-IOV at 0x100 with a 32-bit VF BAR0 and a 64-bit prefetchable VF BAR2-3, then AER at 0x200 */
	image(c, sizeof(c));
	ecap(c, 0x100, 0x10, 0x200);
	put16(c, 0x10c, 4);		/* InitialVFs */
	put16(c, 0x10e, 64);		/* TotalVFs */
	put16(c, 0x110, 2);		/* NumVFs */
	put16(c, 0x114, 0x80);		/* First VF Offset */
	put16(c, 0x116, 2);		/* VF Stride */
	put16(c, 0x11a, 0x1889);	/* VF Device ID */
	put32(c, 0x11c, 0x553);		/* 4K 16K 64K 256K 1M 4M */
	put32(c, 0x120, 0x10);		/* 64 KiB */
	put32(c, 0x124, 0xfe000000);	/* VF BAR0: 32-bit, non-prefetchable */
	put32(c, 0x12c, 0x0000000c);	/* VF BAR2: 64-bit, prefetchable */
	put32(c, 0x130, 0x00000020);
	ecap(c, 0x200, 0x01, 0);
	CHECK_EQ(parse(c, sizeof(c), &p, &d), 0);
	CHECK_EQ(p.nr_ecaps, 2);
	CHECK(p.sriov.present && p.sriov.at == 0x100);
	CHECK(p.sriov.initial_vfs == 4 && p.sriov.total_vfs == 64 && p.sriov.num_vfs == 2);
	CHECK(p.sriov.vf_offset == 0x80 && p.sriov.vf_stride == 2 && p.sriov.vf_device == 0x1889);
	CHECK(p.sriov.sup_pgsize == 0x553 && p.sriov.sys_pgsize == 0x10);
	CHECK_EQ(p.sriov.nr_bars, 2);
	CHECK(p.sriov.vf_bar[0].mem_type == 0 && !p.sriov.vf_bar[0].prefetch && p.sriov.vf_bar[0].addr == 0xfe000000);
	CHECK(p.sriov.vf_bar[2].is64 && p.sriov.vf_bar[2].prefetch && p.sriov.vf_bar[2].addr == 0x2000000000ull);
	CHECK(p.sriov.vf_bar[3].upper);
	CHECK(!p.rebar.present);
	CHECK(p.ecaps[1].id == 0x01 && p.ecaps[1].at == 0x200 && p.ecaps[1].version == 1);

	/* IDs over a header of all ones (vfio-pci's emulated IDs of a VF that no longer answers): said so */
	memset(c, 0xff, 256);
	put16(c, 0, 0x1b36);
	put16(c, 2, 0x0010);
	c[0x0e] = 0x7f;	/* header type: vfio-pci clears the multi-function bit */
	CHECK_EQ(parse(c, 256, &p, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "config byte 0x8: the header past the IDs reads all ones: the function does not answer");

	/* Resizable BAR at 0x100 with 2 BARs: BAR0 16 MiB of 1-256 MiB; BAR2 8 GiB of 256 MiB-8 GiB and 1 TiB (31:16) */
	image(c, sizeof(c));
	ecap(c, 0x100, 0x15, 0);
	put32(c, 0x104, 0x1ff0);			/* bits 4-12: 1 MiB to 256 MiB */
	put32(c, 0x108, 0u | 2u << 5 | 4u << 8);	/* BAR0, 2 BARs, 16 MiB */
	put32(c, 0x10c, 0x1f0000);			/* bits 16-20: 256 MiB to 8 GiB */
	put32(c, 0x110, 2u | 13u << 8 | 1u << 16);	/* BAR2, 8 GiB; 31:16 bit 0: 256 TiB */
	CHECK_EQ(parse(c, sizeof(c), &p, &d), 0);
	CHECK(p.rebar.present && p.rebar.nr == 2);
	CHECK(p.rebar.bar[0].bar == 0 && p.rebar.bar[0].cur == 4 && p.rebar.bar[0].sizes == 0x1ff);
	CHECK(p.rebar.bar[1].bar == 2 && p.rebar.bar[1].cur == 13 && p.rebar.bar[1].sizes == (0x1f000ull | 1ull << 28));
	CHECK(p.rebar.bar[1].at == 0x10c);

	/* no extended list: 256 bytes (lspci -xxx, conventional PCI), or 0x100 reading 0 or all ones */
	CHECK_EQ(parse(c, 0x100, &p, &d), 0);
	CHECK_EQ(p.nr_ecaps, 0);
	CHECK_EQ(parse(c, 0x103, &p, &d), 0);
	CHECK(!p.rebar.present);
	put32(c, 0x100, 0xffffffff);
	CHECK_EQ(parse(c, sizeof(c), &p, &d), 0);
	CHECK_EQ(p.nr_ecaps, 0);

	/* the longest list there can be: a header in every dword from 0x100 to 0xffc, in order */
	image(c, sizeof(c));
	for (unsigned at = 0x100; at < BB_PCICFG_MAX; at += 4)
		ecap(c, at, 0x18, at + 4 < BB_PCICFG_MAX ? at + 4 : 0);
	CHECK_EQ(parse(c, sizeof(c), &p, &d), 0);
	CHECK_EQ(p.nr_ecaps, BB_PCICFG_MAX_EXT);

	/* hostile lists: each refused naming the config byte */
	{
		static const struct {
			const char *name;
			unsigned len;
			unsigned at[3], id[3], next[3];
			unsigned poke_at;
			uint32_t poke;
			const char *want;
		} imgbad[] = {
			{ "img_ecap_loop", 4096, { 0x100, 0x200 }, { 0x01, 0x0d }, { 0x200, 0x100 }, 0, 0,
			  "img: config byte 0x202: extended capability next offset 0x100 was visited before: the list loops" },
			{ "img_ecap_self", 4096, { 0x100 }, { 0x01 }, { 0x100 }, 0, 0,
			  "img: config byte 0x102: extended capability next offset 0x100 was visited before" },
			{ "img_ecap_into_standard", 4096, { 0x100 }, { 0x01 }, { 0x0fc }, 0, 0,
			  "img: config byte 0x102: extended capability next offset 0xfc points below 0x100" },
			{ "img_ecap_past_len", 0x200, { 0x100 }, { 0x01 }, { 0x200 }, 0, 0,
			  "img: config byte 0x102: extended capability next offset 0x200: the list needs bytes up to 0x203;"
			  " config space holds only 0x200 bytes" },
			{ "img_sriov_body_past_len", 0x130, { 0x100 }, { 0x10 }, { 0 }, 0, 0,
			  "img: config byte 0x100: the SR-IOV capability needs bytes up to 0x13f; config space holds only"
			  " 0x130 bytes" },
			{ "img_sriov_vf_bar5_64bit", 4096, { 0x100 }, { 0x10 }, { 0 }, 0x138, 0x4,
			  "img: config byte 0x138: VF BAR5 (0x00000004) says 64-bit, but it is the last VF BAR" },
			{ "img_rebar_body_past_len", 0x110, { 0x100 }, { 0x15 }, { 0 }, 0x108, 2u << 5,
			  "img: config byte 0x100: the Resizable BAR capability needs bytes up to 0x113" },
			{ "img_rebar_no_bars", 4096, { 0x100 }, { 0x15 }, { 0 }, 0x108, 0,
			  "img: config byte 0x108: Resizable BAR: control 0x00000000 says 0 resizable BARs, not 1 to 6" },
			{ "img_rebar_twice", 4096, { 0x100 }, { 0x15 }, { 0 }, 0x108, 2u << 5 | 1,
			  "img: config byte 0x110: Resizable BAR: BAR1 is named twice (first at config byte 0x108)" },
		};

		for (size_t i = 0; i < sizeof(imgbad) / sizeof(imgbad[0]); i++) {
			int err;

			image(c, sizeof(c));
			for (unsigned k = 0; k < 3 && imgbad[i].at[k]; k++)
				ecap(c, imgbad[i].at[k], imgbad[i].id[k], imgbad[i].next[k]);
			if (imgbad[i].poke_at)
				put32(c, imgbad[i].poke_at, imgbad[i].poke);
			if (!strcmp(imgbad[i].name, "img_rebar_twice"))
				put32(c, 0x110, 1);	/* the second BAR's control names BAR1 again */
			err = parse(c, imgbad[i].len, &p, &d);
			if (err != -EINVAL || !strstr(d.msg, imgbad[i].want))
				NOTE_FAIL("%s: got %d '%s'", imgbad[i].name, err, d.msg);
			CHECK_EQ(err, -EINVAL);
			CHECK_STR_HAS(d.msg, imgbad[i].want);
		}
	}
}

int main(int argc, char **argv)
{
	char path[4096];
	size_t n;
	struct bb_diag d;

	if (argc != 2) {
		fprintf(stderr, "usage: test_lspci DATA_DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/lspci-firecracker-virtio-net.txt", argv[1]);
	if (bb_read_file(path, 1 << 20, &net, &n, &d)) {
		fprintf(stderr, "%s\n", d.msg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/lspci-firecracker-virtio-blk.txt", argv[1]);
	if (bb_read_file(path, 1 << 20, &blk, &n, &d)) {
		fprintf(stderr, "%s\n", d.msg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/lspci-connectx4lx-pf-sriov.txt", argv[1]);
	if (bb_read_file(path, 1 << 20, &cx4, &n, &d)) {
		fprintf(stderr, "%s\n", d.msg);
		return 1;
	}
	test_good();
	test_bad();
	test_limits();
	test_mutations();
	test_sriov_pf();
	test_rebar_text();
	test_vf_ids();
	test_config_images();
	free(net);
	free(blk);
	free(cx4);
	return bb_test_done("test_lspci");
}
