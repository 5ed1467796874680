// SPDX-License-Identifier: MIT
/*
 * pci:BDF, a device through sysfs, on a fake sysfs tree in a temporary
 * folder: the files sysfs has (vendor, device, class, numa_node, resource,
 * config) and resource0 as a regular file, which mmap maps as the kernel's
 * resource file would.  What is tested is barbench's own code: the spec, the
 * resource and config parsers on hostile text, the layout checks, the
 * mapping (read-only until writes are allowed), MSI-X never touched, and the
 * absent trap path.  On a real device it runs in the VM test
 * (vm_vfio_user_qemu) and with `barbench info pci:BDF` on any machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "barbench/backend.h"
#include "barbench/workload.h"
#include "pci.h"
#include "check.h"
#include "fixtures.h"

#define BDF "0000:00:05.0"
#define BAR0 0x4000u

static char root[64], dev_dir[256], layout_path[256];

static void put(const char *rel, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dev_dir, rel);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(fwrite(data, 1, len, f), len);
		fclose(f);
	}
}

static void puts_(const char *rel, const char *text)
{
	put(rel, text, strlen(text));
}

/* Config space of a 1234:0a02 with memory decoding @mem and MSI-X (4 vectors: table BAR0+0x2000, PBA +0x2800). */
static void config(size_t len, bool mem, uint16_t vendor)
{
	uint8_t c[256] = { 0 };

	w16(c, PCI_VENDOR_ID, vendor);
	w16(c, PCI_DEVICE_ID, 0x0a02);
	w16(c, PCI_COMMAND, mem ? PCI_COMMAND_MEMORY : 0);
	w16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_CAPABILITY_LIST] = 0x40;
	c[0x40] = PCI_CAP_ID_MSIX;
	w16(c, 0x40 + PCI_MSIX_FLAGS, 3);
	w32(c, 0x40 + PCI_MSIX_TABLE, 0x2000);
	w32(c, 0x40 + PCI_MSIX_PBA, 0x2800);
	put("config", c, len);
}

/* A whole healthy device: ids, one 16 KiB 64-bit memory BAR0 whose words hold their own offset. */
static void fake_device(void)
{
	uint32_t bar[BAR0 / 4];
	char dir[300];

	snprintf(dir, sizeof(dir), "%s/bus", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/bus/pci", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices", root);
	mkdir(dir, 0755);
	mkdir(dev_dir, 0755);
	puts_("vendor", "0x1234\n");
	puts_("device", "0x0a02\n");
	puts_("class", "0xff0000\n");
	puts_("numa_node", "-1\n");
	puts_("resource", "0x00000000febf8000 0x00000000febfbfff 0x0000000000140204\n"
	      "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	      "0x000000000000c000 0x000000000000c01f 0x0000000000040101\n"
	      "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	      "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	      "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
	      "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
	config(256, true, 0x1234);
	for (unsigned i = 0; i < BAR0 / 4; i++)
		bar[i] = 0xcc000000u | i * 4;
	put("resource0", bar, sizeof(bar));
}

static const char layout_text[] =
	"device name=pci-test desc=\"test\" vendor=0x1234 device=0x0a02\n"
	"region index=0 size=16K flags=read,write,mmap caps=msix-mappable name=bar0\n"
	"msix vectors=4 table-region=0 table-offset=0x2000 pba-region=0 pba-offset=0x2800\n"
	"reg region=0 offset=0x0 size=4 name=ID0 kind=id value=0xcc000000\n"
	"reg region=0 offset=0x2c00 size=4 name=ID2 kind=id value=0xcc002c00\n"
	"reg region=0 offset=0x3000 size=4 name=DB kind=doorbell writes=1\n"
	"safe region=0 offset=0 size=0x4000 access=r\n"
	"safe region=0 offset=0x3000 size=4 access=rw\n";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int open_dev(const char *opts, struct bb_dev **dev, struct bb_diag *d)
{
	char spec[600];

	snprintf(spec, sizeof(spec), "pci:" BDF "?sysfs=%s%s", root, opts);
	return bb_dev_open(spec, dev, d);
}

/* A page of BAR0 at @off mapped (and unmapped) or refused with @want, its message holding @msg. */
static void map_wants(struct bb_dev *dev, uint64_t off, int want, const char *msg)
{
	struct bb_diag d = { "" };
	void *m = NULL;

	CHECK_EQ(dev->ops->map(dev, 0, off, 0x1000, NULL, &m, &d), want);
	if (msg)
		CHECK_STR_HAS(d.msg, msg);
	if (m)
		munmap(m, 0x1000);
}

static void test_resource_parser(void)
{
	static const struct bb_bad_text bad[] = {
		{ "", "empty" },
		{ "0x1 0x2\n", "field 2 is not followed by one space" },
		{ "0x1 0x2 0x3", "field 3 is not followed by the end of the line" },
		{ "1 0x2 0x3\n", "field 1 is not 0x" },
		{ "0x10 0x0f 0x200\n", "end 0xf before start 0x10" },
		{ "0x0 0xffffffffffffffff 0x200\n", "a range of 2^64 bytes" },
		{ "0x00000000000000000 0x1 0x200\n", "field 1 is not 0x and 1 to 16" },
		{ "0xABC 0xdef 0x200\n", "field 1 is not 0x" },
		{ "0x1  0x2 0x3\n", "field 2 is not 0x" },
		{ "0x1 0x2 0x3\n\n", ":2: field 1" },
	};
	struct bb_pci_resource r[BB_PCI_MAX_RESOURCES];
	struct bb_diag d;
	char many[40 * 20] = "";
	unsigned n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.msg[0] = '\0';
		CHECK_EQ(bb_pci_resource_parse(bad[i].text, strlen(bad[i].text), "res", r, &n, &d), -EINVAL);
		CHECK_STR_HAS(d.msg, bad[i].want);
		CHECK_STR_HAS(d.msg, "res");
	}
	for (int i = 0; i < BB_PCI_MAX_RESOURCES + 1; i++)
		strcat(many, "0x0 0x0 0x0\n");
	CHECK_EQ(bb_pci_resource_parse(many, strlen(many), "res", r, &n, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "res:18: more than 17 lines");
	CHECK_EQ(bb_pci_resource_parse(many, strlen(many) - 12, "res", r, &n, &d), 0);
	CHECK_EQ(n, 17);
	CHECK_EQ(bb_pci_resource_parse("0xfebf8000 0xfebfbfff 0x140204\n", 31, "res", r, &n, &d), 0);
	CHECK_EQ(r[0].end - r[0].start + 1, 0x4000);
	CHECK_EQ(r[0].flags & BB_IORESOURCE_MEM, BB_IORESOURCE_MEM);
}

/* The healthy device: regions, reads through the mapping, MSI-X left alone, no trap path. */
static void test_device(void)
{
	struct bb_workload_spec ws = { .kind = BB_WL_SWEEP, .width = 4 };
	struct bb_workload wl;
	struct bb_region r;
	struct bb_range mt[2];
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	void *m = NULL;
	char opts[300];
	uint32_t v = 0;

	snprintf(opts, sizeof(opts), "&layout=%s", layout_path);
	CHECK_EQ(open_dev(opts, &dev, &d), 0);
	if (!dev) {
		NOTE_FAIL("%s", d.msg);
		return;
	}
	CHECK(dev->ops->flags & BB_BACKEND_NO_TRAP);
	CHECK(!strcmp(bb_dev_trap_path(dev), "none"));
	CHECK_EQ(bb_dev_guard(dev), BB_GUARD_SAFE_READS);	/* real hardware: reads only until writes are allowed */
	CHECK(!bb_dev_writes_allowed(dev));
	CHECK_EQ(dev->nr_regions, 1);	/* the I/O BAR2 is not a region here */
	CHECK_EQ(dev->index[0], 0);
	CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
	CHECK_EQ(r.size, BAR0);
	CHECK(!r.has_sparse && !r.msix_mappable);
	CHECK_EQ(bb_dev_must_trap(dev, 0, mt), 2);
	CHECK_EQ(mt[0].offset, 0x2000);
	CHECK_EQ(bb_pci_sysfs_of(dev)->vendor, 0x1234);
	CHECK(bb_pci_layout_path(dev) != NULL);
	/* the trap path does not exist */
	CHECK_EQ(dev->ops->rw(dev, 0, 0, &v, 4, false), -EOPNOTSUPP);
	/* the mapping reads the device, read-only until writes are allowed */
	CHECK_EQ(dev->ops->map(dev, 0, 0, BAR0, NULL, &m, &d), 0);
	if (m) {
		CHECK_EQ(*(volatile uint32_t *)((char *)m + 0x2c00), 0xcc002c00);
		CHECK_EQ(mprotect(m, 4096, PROT_READ | PROT_WRITE), -1);
		munmap(m, BAR0);
	}
	CHECK_EQ(bb_dev_allow_writes(dev), 0);
	CHECK_EQ(bb_dev_guard(dev), BB_GUARD_SAFE_ONLY);
	CHECK(bb_dev_writes_allowed(dev));
	CHECK_EQ(dev->ops->map(dev, 0, 0x3000, 0x1000, NULL, &m, &d), 0);
	if (m) {
		*(volatile uint32_t *)m = 7;
		munmap(m, 0x1000);
	}
	/* refusals: unaligned, outside, no such BAR */
	CHECK_EQ(dev->ops->map(dev, 0, 0x10, 0x1000, NULL, &m, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "not aligned");
	CHECK_EQ(dev->ops->map(dev, 0, 0x3000, 0x2000, NULL, &m, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "outside its 0x4000 bytes");
	CHECK_EQ(dev->ops->map(dev, 2, 0, 0x1000, NULL, &m, &d), -EINVAL);
	/* a sweep reads one safe word a page, never the MSI-X table or PBA page's table words */
	CHECK_EQ(bb_workload_build(&ws, &dev->layout, &r, bb_dev_guard(dev), &wl, &d), 0);
	CHECK_EQ(wl.n, 4);
	for (size_t i = 0; i < wl.n; i++)
		CHECK(!bb_layout_hits_must_trap(&dev->layout, 0, wl.acc[i].offset, wl.acc[i].width));
	bb_workload_free(&wl);
	bb_region_free(&r);
	bb_dev_close(dev);

	/* without a layout nothing is readable */
	CHECK_EQ(open_dev("", &dev, &d), 0);
	if (dev) {
		CHECK_EQ(bb_dev_region(dev, 0, &r, NULL, NULL, &d), 0);
		CHECK_EQ(bb_workload_build(&ws, &dev->layout, &r, bb_dev_guard(dev), &wl, &d), -ENOENT);
		bb_region_free(&r);
		bb_dev_close(dev);
	}
}

/* Hostile or mismatched sysfs: a clear error, never a device. */
static void test_refusals(void)
{
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	char opts[300], other[300];
	void *m = NULL;
	FILE *f;

	snprintf(opts, sizeof(opts), "&layout=%s", layout_path);
	puts_("resource", "0x1 0x2\n");
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "resource:1: field 2 is not followed by one space");
	fake_device();
	puts_("vendor", "0x12345\n");
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "vendor: '0x12345' is not a number from 0 to 65535");
	fake_device();
	config(256, true, 0x8086);
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "the vendor and device files say 1234:0a02");
	fake_device();
	config(64, true, 0x1234);	/* what a user who is not root reads */
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "capabilities need root");
	fake_device();
	puts_("resource", "0x00000000febf8000 0x00000000febfa7ff 0x0000000000140204\n");	/* 10 KiB: table fits, PBA not */
	CHECK_EQ(open_dev(opts, &dev, &d), -EPROTO);
	CHECK_STR_HAS(d.msg, "MSI-X PBA [0x2800, +0x8) does not fit in memory BAR0");
	fake_device();
	puts_("resource", "0x00000000febf8000 0x00000000febfffff 0x0000000000140204\n");	/* 32 KiB */
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "describes BAR0 of 0x4000 bytes (line 2); the device's BAR0 is 0x8000 bytes");
	fake_device();
	puts_("device", "0x0a03\n");
	config(256, true, 0x1234);
	CHECK(open_dev(opts, &dev, &d) < 0);
	fake_device();
	/* a layout of another device */
	snprintf(other, sizeof(other), "%s/other", root);
	f = fopen(other, "w");
	if (f) {
		fputs("device name=o desc=o vendor=0x1234 device=0x0a09\nregion index=0 size=16K flags=read,mmap\n", f);
		fclose(f);
	}
	snprintf(opts, sizeof(opts), "&layout=%s", other);
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "describes a 1234:0a09, the device is a 1234:0a02");
	/* memory decoding off: mapping refused with the command that turns it on */
	config(256, false, 0x1234);
	CHECK_EQ(open_dev("", &dev, &d), 0);
	if (dev) {
		CHECK_EQ(dev->ops->map(dev, 0, 0, 0x1000, NULL, &m, &d), -EIO);
		CHECK_STR_HAS(d.msg, "memory decoding is off");
		CHECK_STR_HAS(d.msg, "/enable");
		bb_dev_close(dev);
	}
	/* no resource files (this machine's kernel offers none for its virtio devices) */
	config(256, true, 0x1234);
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/resource0", dev_dir);
		unlink(p);
	}
	CHECK_EQ(open_dev("", &dev, &d), 0);
	if (dev) {
		CHECK_EQ(dev->ops->map(dev, 0, 0, 0x1000, NULL, &m, &d), -ENOENT);
		CHECK_STR_HAS(d.msg, "offers no resource files");
		bb_dev_close(dev);
	}
	/*
	 * pci_resource_not_regular: resource0 a symlink (to /dev/zero here; /dev/mem in a hostile tree) was
	 * mapped through it, a FIFO waited for a writer forever: refused, nothing opened through or mapped
	 */
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/resource0", dev_dir);
		CHECK_EQ(symlink("/dev/zero", p), 0);
		CHECK_EQ(open_dev("", &dev, &d), 0);
		if (dev) {
			map_wants(dev, 0, -EINVAL, "resource0: a symbolic link, not the resource file sysfs makes");
			bb_dev_close(dev);
		}
		unlink(p);
		CHECK_EQ(mkfifo(p, 0600), 0);
		CHECK_EQ(open_dev("", &dev, &d), 0);
		if (dev) {
			CHECK_EQ(dev->ops->map(dev, 0, 0, 0x1000, NULL, &m, &d), -EINVAL);
			CHECK_STR_HAS(d.msg, "resource0: not a regular file (sysfs resource files are)");
			bb_dev_close(dev);
		}
		unlink(p);
	}
	CHECK_EQ(bb_dev_open("pci:0000:00:06.0?sysfs=/nonexistent", &dev, &d), -ENODEV);
	CHECK_STR_HAS(d.msg, "no such PCI device");
	CHECK_EQ(bb_dev_open("pci:0000:00:05.0?sysfs=a&sysfs=b", &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "pci:0000:00:05.0?sysfs=a&sysfs=b: character 26: sysfs= given twice");
	CHECK_EQ(bb_dev_open("pci:0000:00:05.0?sysfs=", &dev, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "pci:0000:00:05.0?sysfs=: character 23: sysfs= wants a path");
	fake_device();
}

/*
 * A layout of the whole device names its I/O BAR too (QEMU's e1000e: BAR2 of
 * 32 bytes): pci: maps memory BARs only, so the I/O BAR is checked against
 * sysfs's I/O resource and left out, not refused as "not a memory BAR".
 */
static void test_io_bar(void)
{
	static const char io_region[] = "region index=2 size=0x20 flags=read,write name=io\n";
	char path[300], opts[400];
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	FILE *f;

	for (int size = 0x20; size <= 0x40; size += 0x20) {
		snprintf(path, sizeof(path), "%s/layout-io-%d", root, size);
		f = fopen(path, "w");
		CHECK(f != NULL);
		if (!f)
			return;
		fputs(layout_text, f);
		fputs(size == 0x20 ? io_region : "region index=2 size=0x40 flags=read,write name=io\n", f);
		fclose(f);
		snprintf(opts, sizeof(opts), "&layout=%s", path);
		if (size == 0x20) {
			CHECK_EQ(open_dev(opts, &dev, &d), 0);
			if (dev) {
				CHECK_EQ(dev->nr_regions, 1);	/* still the memory BAR alone */
				bb_dev_close(dev);
			} else {
				NOTE_FAIL("%s", d.msg);
			}
		} else {
			/* an I/O BAR of another size: another device's layout */
			CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
			CHECK_STR_HAS(d.msg, "describes BAR2 of 0x40 bytes");
		}
	}
}

/*
 * vf_mse: a VF's memory decoding is its PF's SR-IOV Control VF MSE (bit 3),
 * read from the PF's config through physfn: clear, a mapping is refused;
 * set, it maps.  The PF 0000:00:04.0 has SR-IOV at 0x100.
 */
static void vf_mse_from_pf(const char *opts)
{
	uint8_t c[512] = { 0 };
	char pf[300], path[400];
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	FILE *f;

	snprintf(pf, sizeof(pf), "%s/bus/pci/devices/0000:00:04.0", root);
	CHECK_EQ(mkdir(pf, 0755), 0);
	snprintf(path, sizeof(path), "%s/config", pf);
	w16(c, PCI_VENDOR_ID, 0x1234);
	w16(c, PCI_DEVICE_ID, 0x0a01);
	c[PCI_CLASS_DEVICE + 1] = 0xff;
	w32(c, 0x100, 0x10 | 1u << 16);		/* SR-IOV, version 1, last */
	w16(c, 0x10e, 4);			/* TotalVFs */
	for (int mse = 0; mse <= 1; mse++) {
		w16(c, 0x108, mse ? 0x09 : 0x01);	/* VF Enable, VF MSE */
		f = fopen(path, "w");
		CHECK(f != NULL);
		if (!f)
			break;
		CHECK_EQ(fwrite(c, 1, sizeof(c), f), sizeof(c));
		fclose(f);
		CHECK_EQ(open_dev(opts, &dev, &d), 0);
		if (!dev) {
			NOTE_FAIL("%s", d.msg);
			continue;
		}
		CHECK(bb_pci_sysfs_of(dev)->vf_mse_read);
		CHECK_EQ(bb_pci_sysfs_of(dev)->mem_enabled, mse == 1);
		map_wants(dev, 0x3000, mse ? 0 : -EIO,
			  mse ? NULL : "memory decoding is off (its PF 0000:00:04.0's SR-IOV Control has VF MSE clear)");
		bb_dev_close(dev);
	}
	unlink(path);
	rmdir(pf);
}

/*
 * An SR-IOV VF: its ID registers read 0xffff and its Memory Space bit 0
 * (PCIe 4.0, 9.3.4.1); sysfs links its PF as physfn and gives its IDs in the
 * vendor and device files.  Without the link, the same config space is
 * another device's.
 */
static void test_vf(void)
{
	uint8_t c[256];
	char link[300];
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	void *m = NULL;
	FILE *f;
	char opts[400];

	config(256, false, 0xffff);
	snprintf(link, sizeof(link), "%s/config", dev_dir);
	f = fopen(link, "r+");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(fread(c, 1, sizeof(c), f), sizeof(c));
	c[PCI_DEVICE_ID] = c[PCI_DEVICE_ID + 1] = 0xff;
	rewind(f);
	CHECK_EQ(fwrite(c, 1, sizeof(c), f), sizeof(c));
	fclose(f);
	snprintf(opts, sizeof(opts), "&layout=%s", layout_path);
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);	/* no physfn: ids that are not the device's */
	CHECK_STR_HAS(d.msg, "ids ffff:ffff, the vendor and device files say 1234:0a02");
	snprintf(link, sizeof(link), "%s/physfn", dev_dir);
	CHECK_EQ(symlink("../0000:00:04.0", link), 0);
	CHECK_EQ(open_dev(opts, &dev, &d), 0);
	if (!dev) {
		NOTE_FAIL("%s", d.msg);
	} else {
		const struct bb_pci_sysfs *ps = bb_pci_sysfs_of(dev);

		CHECK(ps->is_vf);
		CHECK_STR_HAS(ps->physfn, "0000:00:04.0");
		CHECK(ps->mem_enabled && !ps->vf_mse_read);	/* no PF to read: taken as on */
		CHECK_EQ(ps->vendor, 0x1234);
		CHECK_EQ(dev->ops->map(dev, 0, 0x3000, 0x1000, NULL, &m, &d), 0);
		if (m) {
			CHECK_EQ(*(volatile uint32_t *)m, 0xcc003000u);
			munmap(m, 0x1000);
		}
		bb_dev_close(dev);
	}
	vf_mse_from_pf(opts);
	unlink(link);
	CHECK_EQ(symlink("../not a device", link), 0);	/* a link that names no PCI address: no VF */
	CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
	unlink(link);
	/* pci_physfn_not_an_address: names made of address characters only were a PF ("..", "0000", "0:0") */
	{
		static const char *const bad[] = { "..", "/", "../0000", "../0:0", "../00:04.0", "../0000:00:04.0/",
						   "../0000:00:04.0?layout=x", "../0000:00:04.A", "../0000:00:4.0" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			CHECK_EQ(symlink(bad[i], link), 0);
			CHECK_EQ(open_dev(opts, &dev, &d), -EINVAL);
			CHECK_STR_HAS(d.msg, "ids ffff:ffff");
			if (dev) {
				NOTE_FAIL("physfn -> %s: a VF of PF %s", bad[i], bb_pci_sysfs_of(dev)->physfn);
				bb_dev_close(dev);
			}
			unlink(link);
		}
	}
	/* a link longer than 255 bytes was read cut short, its last part taken for the PF ("0000:00:04.") */
	{
		char target[400];

		memset(target, 'x', 300);
		snprintf(target + 300, sizeof(target) - 300, "/0000:00:04.0");
		CHECK_EQ(symlink(target, link), 0);
		CHECK_EQ(open_dev(opts, &dev, &d), 0);
		if (dev) {
			CHECK(!strcmp(bb_pci_sysfs_of(dev)->physfn, "0000:00:04.0"));
			bb_dev_close(dev);
		}
		unlink(link);
	}
	fake_device();
}

/* A PF's VF BAR from its IOV resource line: a VF's BAR times TotalVFs, or 0 when it cannot be one. */
static void test_vf_bar_size(void)
{
	struct bb_pci_sysfs s = { .nr_res = 13 };

	s.res[7] = (struct bb_pci_resource){ 0x800000000ull, 0x800000000ull + 8 * 0x4000 - 1, BB_IORESOURCE_MEM };
	CHECK_EQ(bb_pci_vf_bar_size(&s, 0, 8), 0x4000u);
	CHECK_EQ(bb_pci_vf_bar_size(&s, 0, 0), 0u);
	CHECK_EQ(bb_pci_vf_bar_size(&s, 0, 3), 0u);	/* not a whole multiple */
	CHECK_EQ(bb_pci_vf_bar_size(&s, 0, 2), 0x10000u);
	CHECK_EQ(bb_pci_vf_bar_size(&s, 0, 16), 0x2000u);
	CHECK_EQ(bb_pci_vf_bar_size(&s, 1, 8), 0u);	/* no resource */
	CHECK_EQ(bb_pci_vf_bar_size(&s, 6, 8), 0u);	/* past VF BAR5 */
	s.res[7].flags |= BB_IORESOURCE_UNSET;
	CHECK_EQ(bb_pci_vf_bar_size(&s, 0, 8), 0u);
	s.res[8] = (struct bb_pci_resource){ 0x1000, 0x1000 + 6 * 0x1000 - 1, BB_IORESOURCE_MEM };
	CHECK_EQ(bb_pci_vf_bar_size(&s, 1, 6), 0x1000u);
	CHECK_EQ(bb_pci_vf_bar_size(&s, 1, 2), 0u);	/* 0x3000 each: no BAR is */
	s.nr_res = 8;
	CHECK_EQ(bb_pci_vf_bar_size(&s, 1, 6), 0u);	/* line 9 not there */
	/* pci_vf_bar_under_a_page: 8 bytes for 8 VFs was "1 bytes each"; Linux takes no VF BAR under a page */
	s.nr_res = 13;
	s.res[9] = (struct bb_pci_resource){ 0x1000, 0x1007, BB_IORESOURCE_MEM };
	CHECK_EQ(bb_pci_vf_bar_size(&s, 2, 8), 0u);
	s.res[9].end = 0x1000 + 8 * 0x800 - 1;
	CHECK_EQ(bb_pci_vf_bar_size(&s, 2, 8), 0u);	/* 2 KiB */
	s.res[9].end = 0x1000 + 8 * 0x1000 - 1;
	CHECK_EQ(bb_pci_vf_bar_size(&s, 2, 8), 0x1000u);
	/* huge IOV resources: a whole power of two a VF or nothing, never an overflow */
	s.res[9] = (struct bb_pci_resource){ 0, UINT64_MAX - 1, BB_IORESOURCE_MEM };
	CHECK_EQ(bb_pci_vf_bar_size(&s, 2, 1), 0u);
	CHECK_EQ(bb_pci_vf_bar_size(&s, 2, 65535), 0u);
	s.res[9] = (struct bb_pci_resource){ 1ull << 63, UINT64_MAX, BB_IORESOURCE_MEM };
	CHECK_EQ(bb_pci_vf_bar_size(&s, 2, 1), 1ull << 63);
	CHECK_EQ(bb_pci_vf_bar_size(&s, 2, 65535), 0u);
}

int main(void)
{
	FILE *f;

	snprintf(root, sizeof(root), "/tmp/bb-pci-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(dev_dir, sizeof(dev_dir), "%s/bus/pci/devices/" BDF, root);
	snprintf(layout_path, sizeof(layout_path), "%s/layout", root);
	f = fopen(layout_path, "w");
	if (!f)
		return 1;
	fputs(layout_text, f);
	fclose(f);
	fake_device();
	test_resource_parser();
	test_device();
	test_refusals();
	test_io_bar();
	test_vf();
	test_vf_bar_size();
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return bb_test_done("test_pci");
}
