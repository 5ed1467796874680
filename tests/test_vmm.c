// SPDX-License-Identifier: MIT
/*
 * barbench vmm's analysis on pages whose times are given: the rule that
 * tells mapped, emulated and trapped pages apart (and when it cannot), the
 * trap log refining it, the comparison with every built-in policy; sweep
 * files and trap logs read back as hostile input (each refusal names the
 * file and line); and the server's trap log (bench/vfio_user/traplog.c)
 * bounded against a client choosing every offset.  Measured sweeps run in
 * tests/cli_vmm.sh (barbench as the VMM) and the VM test (QEMU).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traplog.h"
#include "vmm_infer.h"
#include "check.h"

static struct bb_vmm_row row(const char *layout, uint32_t region, uint64_t page, double ns)
{
	struct bb_vmm_row r;

	memset(&r, 0, sizeof(r));
	snprintf(r.device, sizeof(r.device), "pci:0000:00:0%c.0", layout[6]);
	snprintf(r.layout, sizeof(r.layout), "%s", layout);
	r.region = region;
	r.page = page;
	r.probed = ns > 0;
	r.offset = page;
	r.width = 4;
	r.samples = 101;
	r.batch = 1;
	r.reads = 109;
	r.p50_ns = r.min_ns = r.p90_ns = ns;
	r.resolution_ns = 0.1;
	snprintf(r.path, sizeof(r.path), "%s", r.probed ? "map" : "");
	return r;
}

static void test_rule(void)
{
	struct bb_vmm_row v[6];
	struct bb_vmm_rule rule;

	/* three classes: 5 ns, 270 ns (> 10x), 15 us (> 10x) */
	v[0] = row("probe-a", 0, 0, 5.4);
	v[1] = row("probe-a", 0, 0x1000, 270);
	v[2] = row("probe-a", 0, 0x2000, 15000);
	v[3] = row("probe-a", 0, 0x3000, 5.5);
	v[4] = row("probe-a", 0, 0x4000, 0);	/* unprobed */
	v[5] = row("probe-a", 0, 0x5000, 40000);	/* within 10x of 15 us: the same class */
	bb_vmm_classify(v, 6, &rule);
	CHECK_EQ(rule.classes, 3);
	CHECK_EQ(v[0].cls, BB_VMM_MAPPED);
	CHECK_EQ(v[3].cls, BB_VMM_MAPPED);
	CHECK_EQ(v[1].cls, BB_VMM_EMULATED);
	CHECK_EQ(v[2].cls, BB_VMM_TRAPPED);
	CHECK_EQ(v[5].cls, BB_VMM_TRAPPED);
	CHECK_EQ(v[4].cls, BB_VMM_UNPROBED);
	CHECK(rule.gap > 50 && rule.gap < 60);
	/* against the fastest of a class, not the page before: 5.3, 49.8, 301.8 ns (a TCG guest's mapped page
	 * whose TLB entry another evicts, then QEMU's MSI-X page) are two classes, though no step is 10x */
	v[0] = row("probe-a", 0, 0, 5.3);
	v[1] = row("probe-a", 0, 0x1000, 49.8);
	v[2] = row("probe-a", 0, 0x2000, 301.8);
	v[3] = row("probe-a", 0, 0x3000, 5.3);
	v[4] = row("probe-b", 0, 0, 109000);
	bb_vmm_classify(v, 5, &rule);
	CHECK_EQ(rule.classes, 3);
	CHECK(v[0].cls == BB_VMM_MAPPED && v[1].cls == BB_VMM_MAPPED && v[3].cls == BB_VMM_MAPPED);
	CHECK_EQ(v[2].cls, BB_VMM_EMULATED);
	CHECK_EQ(v[4].cls, BB_VMM_TRAPPED);
	/* exactly 10x is no boundary: "more than 10x" */
	v[0] = row("probe-a", 0, 0, 10);
	v[1] = row("probe-a", 0, 0x1000, 100);
	bb_vmm_classify(v, 2, &rule);
	CHECK_EQ(rule.classes, 1);
	CHECK_EQ(v[0].cls, BB_VMM_ALIKE);
	CHECK_EQ(v[1].cls, BB_VMM_ALIKE);
	v[1].p50_ns = 100.5;
	bb_vmm_classify(v, 2, &rule);
	CHECK_EQ(rule.classes, 2);
	CHECK_EQ(v[0].cls, BB_VMM_MAPPED);
	CHECK_EQ(v[1].cls, BB_VMM_TRAPPED);
	/* a median below the resolution counts as the resolution: 0.001 ns is not 100000x faster than 2 ns */
	v[0] = row("probe-a", 0, 0, 0.001);
	v[0].resolution_ns = 0.5;
	v[1] = row("probe-a", 0, 0x1000, 2);
	bb_vmm_classify(v, 2, &rule);
	CHECK_EQ(rule.classes, 1);
	/* nothing probed */
	v[0] = row("probe-a", 0, 0, 0);
	bb_vmm_classify(v, 1, &rule);
	CHECK_EQ(rule.classes, 0);
	CHECK_EQ(v[0].cls, BB_VMM_UNPROBED);
}

static const char layout_msix[] =
	"device name=probe-m desc=m vendor=0x1234 device=0x0a02\n"
	"region index=0 size=16K flags=read,write,mmap caps=msix-mappable\n"
	"msix vectors=4 table-region=0 table-offset=0x2000 pba-region=0 pba-offset=0x2800\n";
static const char layout_sparse[] =
	"device name=probe-s desc=s vendor=0x1234 device=0x0a01\n"
	"region index=0 size=16K flags=read,write,mmap caps=sparse\n"
	"area region=0 offset=0 size=0x2000\n"
	"region index=2 size=8K flags=read,write\n";

static void test_infer(void)
{
	struct bb_vmm_row v[10];
	struct bb_trap_entry log[] = {
		{ .region = 0, .offset = 0x2000, .width = 4, .count = 50 },
		{ .region = 0, .offset = 0x3004, .width = 4, .count = 50 },
		{ .region = 2, .offset = 0, .width = 4, .count = 50 },
		{ .region = 7, .offset = 0, .width = 4, .count = 300 },	/* config space: not swept */
	};
	struct bb_vmm_verdict vd;
	struct bb_vmm_rule rule;
	struct bb_layout lm, ls;
	struct bb_diag d;

	CHECK_EQ(bb_layout_parse(layout_msix, strlen(layout_msix), "m", &lm, &d), 0);
	CHECK_EQ(bb_layout_parse(layout_sparse, strlen(layout_sparse), "s", &ls, &d), 0);
	/* probe-m as QEMU treats an MSIX_MAPPABLE BAR; probe-s as it treats a sparse one; one sweep */
	v[0] = row("probe-m", 0, 0, 5);
	v[1] = row("probe-m", 0, 0x1000, 5);
	v[2] = row("probe-m", 0, 0x2000, 270);
	v[3] = row("probe-m", 0, 0x3000, 5);
	v[4] = row("probe-s", 0, 0, 5);
	v[5] = row("probe-s", 0, 0x1000, 5);
	v[6] = row("probe-s", 0, 0x2000, 15000);
	v[7] = row("probe-s", 0, 0x3000, 15000);
	v[8] = row("probe-s", 2, 0, 15000);
	v[9] = row("probe-s", 2, 0x1000, 0);
	bb_vmm_classify(v, 10, &rule);
	CHECK_EQ(rule.classes, 3);
	CHECK_EQ(bb_vmm_infer(&lm, v, 10, NULL, 0, false, 4096, &vd, &d), 0);
	CHECK(vd.match >= 0 && !strcmp(vd.pol[vd.match].name, "holes"));
	CHECK_EQ(vd.known, 4);
	CHECK_EQ(vd.trapped, 1);
	CHECK(!strcmp(vd.pol[0].name, "full") && vd.pol[0].differ == 1);
	CHECK_EQ(v[2].cls, BB_VMM_EMULATED);
	/* with its log (nothing counted in probe-m): still emulated, no disagreement */
	CHECK_EQ(bb_vmm_infer(&lm, v, 10, log, 0, true, 4096, &vd, &d), 0);
	CHECK_EQ(vd.slow, 0);
	CHECK_EQ(vd.counted, 0);
	CHECK_EQ(v[2].cls, BB_VMM_EMULATED);
	/* probe-s with its log: the slow pages are the counted ones; forwarded; config space elsewhere */
	v[6].reads = 50;	/* the log counted exactly the reads made on this page, not on the two others */
	CHECK_EQ(bb_vmm_infer(&ls, v, 10, log, 4, true, 4096, &vd, &d), 0);
	CHECK_EQ(vd.reads_differ, 2);
	CHECK_EQ(vd.slow, 3);
	CHECK_EQ(vd.counted, 3);
	CHECK_EQ(vd.slow_not_counted + vd.counted_not_slow, 0);
	CHECK_EQ(vd.log_other, 300);
	CHECK_EQ(v[6].cls, BB_VMM_FORWARDED);
	CHECK_EQ(v[6].counted, 50);
	CHECK_EQ(v[7].counted, 50);
	CHECK(vd.match >= 0 && !strcmp(vd.pol[vd.match].name, "sparse"));
	CHECK(!vd.pol[0].applicable);	/* full: a sparse capability without MSIX_MAPPABLE */
	CHECK_STR_HAS(vd.pol[0].why, "region 0");
	/* a page the log counted that read at mapped speed, and a slow one it did not count */
	v[6].cls = BB_VMM_TRAPPED;
	v[7].cls = BB_VMM_TRAPPED;
	v[8].cls = BB_VMM_TRAPPED;
	log[0].offset = 0x1000;
	CHECK_EQ(bb_vmm_infer(&ls, v, 10, log, 4, true, 4096, &vd, &d), 0);
	CHECK_EQ(vd.slow_not_counted, 1);
	CHECK_EQ(vd.counted_not_slow, 1);
	CHECK_EQ(v[5].cls, BB_VMM_MAPPED);
	CHECK_EQ(v[6].cls, BB_VMM_EMULATED);
	/* a VMM that maps a page sparse traps: no policy matches; the closest and its differences */
	v[6].cls = v[7].cls = v[8].cls = BB_VMM_TRAPPED;
	v[6].p50_ns = 5;
	bb_vmm_classify(v, 10, &rule);
	CHECK_EQ(bb_vmm_infer(&ls, v, 10, NULL, 0, false, 4096, &vd, &d), 0);
	CHECK_EQ(vd.match, -1);
	CHECK(vd.closest >= 0 && vd.pol[vd.closest].differ == 1);
	/* constant registers that read another value */
	v[0].has_value = v[0].has_expected = true;
	v[0].value = 1;
	v[0].expected = 2;
	CHECK_EQ(bb_vmm_infer(&lm, v, 10, NULL, 0, false, 4096, &vd, &d), 0);
	CHECK_EQ(vd.bad_values, 1);
	/* on 64 KiB pages the MSI-X page takes the whole BAR with it */
	CHECK_EQ(bb_vmm_infer(&lm, v, 10, NULL, 0, false, 65536, &vd, &d), 0);
	CHECK_EQ(vd.match, -1);
	bb_layout_free(&lm);
	bb_layout_free(&ls);
}

static void test_sweep_files(void)
{
	static const struct bb_bad_text bad[] = {
		{ "", "t: no header" },
		{ "device,layout\n", "t:1: not the header of a vmm sweep" },
		{ "XYZ\n", "t:1: not the header" },
		{ "H\nd,l,0,0,0,4,1,1,1,1,1,1,0.1,map,,\n", "t: no pages" },	/* replaced below: H is the header */
		{ "H\nd,l,0,4096,0,4,1,1,1,1,1,1,0.1,map,,\n", "t:2: offset 0x0 is not in page 0x1000" },
		{ "H\nd,l,0,100,,,0,0,0,,,,,,,\n", "t:2: page 0x64 is not a multiple of 4 KiB" },
		{ "H\nd,l,0,0,2,4,1,1,1,1,1,1,0.1,map,,\n", "t:2: width 4 at offset 0x2: want an aligned" },
		{ "H\nd,l,0,0,0,4,1,1,1,nan,1,1,0.1,map,,\n", "t:2: p50_ns 'nan' is not a time in ns" },
		{ "H\nd,l,0,0,0,4,1,1,1,-1,1,1,0.1,map,,\n", "t:2: p50_ns '-1' is not a time in ns" },
		{ "H\nd,l,0,0,0,4,1,1,1,1,1,1,0.1,fast,,\n", "t:2: path 'fast': want map or trap" },
		{ "H\nd,l,0,0,0,4,0,1,1,1,1,1,0.1,map,,\n", "t:2: a probed page with 0 samples" },
		{ "H\nd,l,0,0,,,0,0,0,1,,,,,,\n", "t:2: an unprobed page (no offset) with measurements" },
		{ "H\nd,l,0,0,0,4,1,1,1,1,1,1,0.1,map,0xZZ,\n", "t:2: value '0xZZ'" },
		{ "H\nd,l/x,0,0,0,4,1,1,1,1,1,1,0.1,map,,\n", "t:2: layout: not a layout name" },
		{ "H\nd,l,5000,0,0,4,1,1,1,1,1,1,0.1,map,,\n", "t:2: region '5000' is not a whole number up to 1023" },
		{ "H\nd,l,0,0,0,4,1,1,1,1,1,1,0.1,map,,\nd,l,0,0,0,4,1,1,1,1,1,1,0.1,map,,\n", "t:3: page 0x0 of region 0 of d twice (first at line 2)" },
		{ "H\nd,l,0,0,0,4,1,1,1,1,1,1,0.1,map,,", "t:2: the last line has no end" },
		{ "H\nd,l,0,0,0,4\n", "t:2: want 16 fields" },
		{ "H\nd,l,0,0,0,4,5,2,3,1,1,1,0.1,map,,\n", "t:2: 3 reads, fewer than 5 samples of 2" },
	};
	const char *header = "device,layout,region,page,offset,width,samples,batch,reads,p50_ns,min_ns,p90_ns,resolution_ns,path,value,expected";
	struct bb_vmm_row *rows, v[2];
	struct bb_diag d;
	char buf[4096], *text = NULL;
	size_t n, len = 0;
	FILE *f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *t = bad[i].text;

		if (!strncmp(t, "H\n", 2)) {
			snprintf(buf, sizeof(buf), "%s\n%s", header, t + 2);
			t = buf;
		}
		if (i == 3)
			snprintf(buf, sizeof(buf), "# only a comment\n%s\n", header), t = buf;
		d.msg[0] = '\0';
		rows = (struct bb_vmm_row *)&d;
		CHECK_EQ(bb_vmm_sweep_parse(t, strlen(t), "t", &rows, &n, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, bad[i].want);
		CHECK(rows == NULL && n == 0);
	}
	/* what a sweep writes reads back the same */
	v[0] = row("probe-a", 0, 0x1000, 5.25);
	v[0].has_value = v[0].has_expected = true;
	v[0].value = v[0].expected = 0xcc001000;
	snprintf(v[0].device, sizeof(v[0].device), "pci:0000:00:03.0?layout=/l,x");	/* a comma: quoted */
	v[1] = row("probe-a", 2, 0, 0);
	f = open_memstream(&text, &len);
	bb_vmm_sweep_write(f, "QEMU 11.1\nsecond line", v, 2);
	fclose(f);
	CHECK_EQ(bb_vmm_sweep_parse(text, len, "t", &rows, &n, &d), 0);
	if (n == 2) {
		CHECK(!strcmp(rows[0].device, v[0].device));
		CHECK_EQ(rows[0].page, 0x1000);
		CHECK(rows[0].p50_ns == 5.25);
		CHECK_EQ(rows[0].value, 0xcc001000);
		CHECK(rows[0].has_expected);
		CHECK(!rows[1].probed);
		CHECK_EQ(rows[1].region, 2);
	}
	CHECK(strchr(text, '\n') - text > 20 && !strstr(text, "\nsecond"));	/* the note stays one comment line */
	free(rows);
	free(text);
}

static void test_trap_logs(void)
{
	static const struct bb_bad_text bad[] = {
		{ "", "t: no header" },
		{ "region,offset\n", "t:1: not the header of a trap log" },
		{ "H\n0,0x0,4,read,0,5\n", "t:2: count 0" },
		{ "H\n0,16,4,read,1,5\n", "t:2: offset '16': want 0x" },
		{ "H\n0,0x0,4,peek,1,5\n", "t:2: op 'peek'" },
		{ "H\n0,0xffffffffffffffff,4,read,1,5\n", "t:2: width 4 at offset 0xffffffffffffffff" },
		{ "H\n0,0x0,0,read,1,5\n", "t:2: width 0" },
		{ "H\n0,0x0,4,read,1\n", "t:2: want 6 fields" },
		{ "H\n0,0x0,4,read,1,5\n0,0x0,4,read,2,5\n", "t:3: region 0 offset 0x0 width 4 read twice (first at line 2)" },
		{ "H\n0,0x0,4,read,1,5\n# late comment\n", "t:3: want 6 fields" },
		/* counts_wrap: two accesses of one page whose counts add up to 2^64 (its sum wrapped to 0: not counted) */
		{ "H\n0,0x0,4,read,9223372036854775808,5\n0,0x4,4,read,9223372036854775808,5\n",
		  "t:3: count 9223372036854775808: the counts add up past 2^64" },
	};
	struct bb_trap_entry *e;
	struct bb_diag d;
	char buf[512];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *t = bad[i].text;

		if (!strncmp(t, "H\n", 2)) {
			snprintf(buf, sizeof(buf), "region,offset,width,op,count,total_ns\n%s", t + 2);
			t = buf;
		}
		d.msg[0] = '\0';
		CHECK_EQ(bb_traplog_parse(t, strlen(t), "t", &e, &n, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, bad[i].want);
		CHECK(e == NULL && n == 0);
	}
}

/*
 * vmm_large: a sweep file's 65,536 pages, slowest first, and a trap log of
 * 65,536 keys of a region not swept: the rule sorted by insertion and the
 * log was counted key by page (25 s and 107 s here).  Bounded by counting
 * row comparisons, never by a time.
 */
static void test_large(void)
{
	static const char big[] = "device name=probe-big desc=b\nregion index=0 size=256M flags=read,write,mmap\n";
	size_t n = BB_VMM_MAX_ROWS;
	struct bb_vmm_row *v = malloc(n * sizeof(*v));
	struct bb_trap_entry *log = calloc(n, sizeof(*log));
	unsigned long long before, used, bound = 16ull * n * 17;
	struct bb_vmm_verdict vd;
	struct bb_vmm_rule rule;
	struct bb_layout l;
	struct bb_diag d;

	CHECK(v && log);
	CHECK_EQ(bb_layout_parse(big, strlen(big), "big", &l, &d), 0);
	if (!v || !log) {
		free(v);
		free(log);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		v[i] = row("probe-big", 0, i * 4096, 1000.0 - (double)i * 0.01);
		log[i] = (struct bb_trap_entry){ .region = 1, .offset = i * 8, .width = 8, .count = 1 };
	}
	v[n - 1].p50_ns = v[n - 1].min_ns = v[n - 1].p90_ns = 1;	/* the one mapped page */
	log[n - 1] = (struct bb_trap_entry){ .region = 0, .offset = 0x5004, .width = 4, .count = 7 };
	before = bb_vmm_comparisons;
	bb_vmm_classify(v, n, &rule);
	CHECK_EQ(bb_vmm_infer(&l, v, n, log, n, true, 4096, &vd, &d), 0);
	used = bb_vmm_comparisons - before;
	printf("  %zu pages, %zu trap log keys: %llu comparisons (bound %llu)\n", n, n, used, bound);
	CHECK(used <= bound);
	CHECK_EQ(rule.classes, 2);
	CHECK_EQ(v[n - 1].cls, BB_VMM_MAPPED);
	CHECK_EQ(v[5].counted, 7);
	CHECK_EQ(v[5].cls, BB_VMM_FORWARDED);
	CHECK_EQ(vd.log_other, n - 1);
	bb_layout_free(&l);
	free(v);
	free(log);
}

/* A fresh empty file of the name @path (a mkstemp template) for a trap log to be written over; false if none. */
static bool temp_log(char *path)
{
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The server's side: a client choosing 70,000 offsets gets 65,536 rows and the rest counted; the file reads back. */
static void test_traplog_bound(void)
{
	char path[] = "/tmp/bb-traplog-XXXXXX";
	struct bb_trap_entry *e = NULL;
	struct bb_traplog *t;
	struct bb_diag d;
	uint64_t total = 0;
	size_t n = 0;

	if (!temp_log(path))
		return;
	CHECK_EQ(bb_traplog_new("emu:x\ny", &t), 0);
	for (uint64_t i = 0; i < 70000; i++)
		bb_traplog_add(t, 0, i * 8, 4, false, 100);
	bb_traplog_add(t, 0, 0, 4, false, 50);	/* an itemised key counts on */
	bb_traplog_add(t, 7, 0x40, 256, true, 10);	/* a new key past the limit: counted, not itemised */
	CHECK_EQ(bb_traplog_accesses(t), 70002);
	CHECK_EQ(bb_traplog_write(t, path, &d), 0);
	bb_traplog_free(t);
	CHECK_EQ(bb_traplog_read(path, &e, &n, &d), 0);
	CHECK_EQ(n, BB_TRAPLOG_MAX_KEYS);
	for (size_t i = 0; i < n; i++)
		total += e[i].count;
	CHECK_EQ(total, 65537);
	if (n) {
		CHECK_EQ(e[0].count, 2);
		CHECK_EQ(e[0].total_ns, 150);
	}
	free(e);
	unlink(path);
}

/*
 * test_traplog_wide: accesses of 65,536 bytes and more (a REGION_READ may
 * be as long as max_data_xfer_size, 1 MiB by default) keep their width: it
 * was kept in 16 bits, so each such access became a row of width 0 (or 1)
 * of its own, and vmm refused the whole log ("width 0", "twice").
 */
static void test_traplog_wide(void)
{
	char path[] = "/tmp/bb-traplog-XXXXXX";
	struct bb_trap_entry *e = NULL;
	struct bb_traplog *t;
	struct bb_diag d;
	size_t n = 0;

	if (!temp_log(path))
		return;
	CHECK_EQ(bb_traplog_new("emu:x", &t), 0);
	for (int i = 0; i < 3; i++)
		bb_traplog_add(t, 0, 0, 65536, false, 10);
	bb_traplog_add(t, 0, 0, 65537, false, 10);
	bb_traplog_add(t, 0, 0, 1u << 20, true, 10);
	bb_traplog_add(t, 0, 0, 4, false, 10);
	CHECK_EQ(bb_traplog_write(t, path, &d), 0);
	bb_traplog_free(t);
	CHECK_EQ(bb_traplog_read(path, &e, &n, &d), 0);
	CHECK_EQ(n, 4);
	if (n == 4) {
		CHECK_EQ(e[0].width, 4);
		CHECK_EQ(e[1].width, 65536);
		CHECK_EQ(e[1].count, 3);
		CHECK_EQ(e[2].width, 65537);
		CHECK_EQ(e[3].width, 1u << 20);
		CHECK(e[3].write);
	}
	free(e);
	unlink(path);
}

/* the slot the trap log's fixed hash gave a key in a table of @cap slots (before its hash had a random seed) */
static size_t fixed_slot(size_t cap, uint64_t offset, uint32_t width)
{
	uint64_t h = offset * 0x9e3779b97f4a7c15ull ^ ((uint64_t)width << 8);

	h ^= h >> 29;
	return (size_t)(h * 0xbf58476d1ce4e5b9ull >> 17) & (cap - 1);
}

/*
 * test_traplog_flood: 8,192 reads a client chose so that the log's fixed
 * hash put them all in 64 slots (found by trying offsets and widths of a
 * 512 KiB region, as any client can): each was compared with the whole
 * cluster (65,536 such keys took 7 s of the server's only loop, and every
 * later access tens of us).  Each access now looks at a few slots.
 */
static void test_traplog_flood(void)
{
	const size_t want = 8192;
	uint64_t (*k)[2] = malloc(want * sizeof(*k));
	char path[] = "/tmp/bb-traplog-XXXXXX";
	struct bb_trap_entry *e = NULL;
	struct bb_traplog *t;
	unsigned long long before;
	struct bb_diag d;
	size_t n = 0, rows = 0;

	CHECK(k);
	if (!k)
		return;
	for (uint64_t off = 0; off < (512u << 10) && n < want; off++)
		for (uint32_t w = 1; w <= 8 && n < want; w *= 2)
			if (fixed_slot(16384, off, w) < 64) {
				k[n][0] = off;
				k[n][1] = w;
				n++;
			}
	CHECK_EQ(n, want);
	CHECK_EQ(bb_traplog_new("emu:x", &t), 0);
	before = bb_traplog_probes;
	for (int rep = 0; rep < 2; rep++)
		for (size_t i = 0; i < n; i++)
			bb_traplog_add(t, 0, k[i][0], (uint32_t)k[i][1], false, 1);
	printf("  %zu keys of one cluster of the fixed hash, added twice: %llu slots looked at\n", n,
	       bb_traplog_probes - before);
	CHECK(bb_traplog_probes - before <= 8ull * 2 * n);
	CHECK_EQ(bb_traplog_accesses(t), 2 * n);
	if (temp_log(path)) {
		CHECK_EQ(bb_traplog_write(t, path, &d), 0);
		CHECK_EQ(bb_traplog_read(path, &e, &rows, &d), 0);
		CHECK_EQ(rows, n);	/* every key itemised, none beyond */
		for (size_t i = 0; i < rows; i++)
			CHECK_EQ(e[i].count, 2);
		free(e);
		unlink(path);
	}
	bb_traplog_free(t);
	free(k);
}

int main(void)
{
	test_rule();
	test_infer();
	test_sweep_files();
	test_trap_logs();
	test_traplog_bound();
	test_traplog_wide();
	test_traplog_flood();
	test_large();
	return bb_test_done("test_vmm");
}
