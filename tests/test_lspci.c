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

static char *net, *blk;		/* the two dumps of tests/data */

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
	BAD(no_device, "00: f4 1a 41 10", "00: ff ff ff ff", "dump:21: config byte 0x0: vendor ID 0xffff: no device"
	    " answered"),
	BAD(header_type, "00: f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00", "00: f4 1a 41 10 06 04 10 00 01 00 00"
	    " 02 00 00 05 00", "dump:21: config byte 0xe: header type 0x05 is none of 0 (endpoint), 1 (bridge), 2"),
	BAD(bar5_64bit, "20: 00 00 00 00 00 00", "20: 00 00 00 00 04 00", "dump:23: config byte 0x24: BAR5 (0x00000004)"
	    " says 64-bit, but it is the last BAR slot"),
	BAD(hex_cannot_dump, "00: f4 1a", "WARNING: Cannot show hex-dump of the config space\n00: f4 1a", "dump:21: lspci"
	    " could not read config space"),
};

/* "@blk" appends the block device's dump; a second pair edits a decoded line to agree with the first edit. */
static char *make(const struct bad *c)
{
	char *s, *t;

	if (c->repl && !strcmp(c->repl, "@blk"))
		return edit(net, "", blk);
	s = edit(net, c->find, c->repl);
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
	test_good();
	test_bad();
	test_limits();
	test_mutations();
	free(net);
	free(blk);
	return bb_test_done("test_lspci");
}
