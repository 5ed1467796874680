// SPDX-License-Identifier: MIT
/*
 * The vfio backend against the real kernel driver: run by the VM test
 * (scripts/vm/init) with the devices to check,
 *     test_vfio_dev 'vfio:0000:00:03.0?layout=/layouts/qemu-nvme' ...
 * and by ctest with no argument: every device bound to a VFIO driver on this
 * machine, without layouts (skipped when there is none).
 *
 * For each device: every region parses; the capabilities are those vfio-pci
 * reports since Linux 4.16 (the MSI-X BAR: MMAP + MSIX_MAPPABLE, no sparse
 * list; config region never mmap-able); a layout's region statements match
 * what the driver reports; the MSI-X table from config space becomes
 * must-trap ranges; the trap path refuses the MSI-X table, unlisted ranges
 * and writes; and every 4-byte word the layout marks safe to read reads the
 * same through the mapping and through pread.  It prints BB-CAPS and
 * BB-COMPARE lines for the console log.  Nothing here is timed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "barbench/backend.h"
#include "vfio.h"
#include "check.h"

#define MAX_SPECS 32

/* Linux >= 4.16: vfio-pci reports MSIX_MAPPABLE and no sparse list for the MSI-X BAR. */
static bool kernel_at_least(unsigned maj, unsigned min)
{
	struct utsname u;
	unsigned a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &a, &b) != 2)
		return false;
	return a > maj || (a == maj && b >= min);
}

static void caps_line(const char *bdf, const struct bb_region *r)
{
	char nm[32];

	printf("BB-CAPS %s region %" PRIu32 " %s size 0x%" PRIx64 " flags=%s%s%s%s caps=%s%s%s", bdf, r->index,
	       bb_region_index_name(r->index, nm, sizeof(nm)), r->size,
	       r->flags & VFIO_REGION_INFO_FLAG_READ ? "READ" : "", r->flags & VFIO_REGION_INFO_FLAG_WRITE ? ",WRITE" : "",
	       r->flags & VFIO_REGION_INFO_FLAG_MMAP ? ",MMAP" : "", r->flags & VFIO_REGION_INFO_FLAG_CAPS ? ",CAPS" : "",
	       r->has_sparse ? "SPARSE_MMAP " : "", r->msix_mappable ? "MSIX_MAPPABLE" : "",
	       !r->has_sparse && !r->msix_mappable && !r->has_type && !r->nr_unknown ? "none" : "");
	if (r->has_sparse)
		printf(" (%" PRIu32 " areas)", r->nr_areas);
	if (r->has_type)
		printf(" type %" PRIu32 "/%" PRIu32, r->type, r->subtype);
	putchar('\n');
}

/* Words of region @r readable under the layout: mapping vs trap path. */
static unsigned compare_paths(struct bb_dev *dev, const struct bb_region *r, const char *bdf)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t len = (r->size + (uint64_t)page - 1) / (uint64_t)page * (uint64_t)page;
	struct bb_diag d;
	unsigned same = 0, differ = 0;
	void *p = NULL;
	int err;

	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP) || len != r->size)
		return 0;
	err = dev->ops->map(dev, r->index, 0, len, NULL, &p, &d);
	CHECK_EQ(err, 0);
	if (err) {
		NOTE_FAIL("%s", d.msg);
		return 0;
	}
	for (uint64_t off = 0; off + 4 <= r->size; off += 4) {
		uint32_t mapped, trapped = 0;
		ssize_t n;

		if (bb_layout_access(&dev->layout, r->index, off, 4, true) < BB_ACCESS_READ)
			continue;
		mapped = *(volatile uint32_t *)(volatile void *)((uint8_t *)p + off);
		n = dev->ops->rw(dev, r->index, off, &trapped, 4, false);
		CHECK_EQ(n, 4);
		if (mapped == trapped) {
			same++;
		} else {
			differ++;
			CHECK_EQ(mapped, trapped);
			NOTE_FAIL("%s region %" PRIu32 " offset 0x%" PRIx64 ": mapped and trapped reads differ", bdf,
				  r->index, off);
		}
	}
	munmap(p, len);
	printf("BB-COMPARE %s region %" PRIu32 ": %u words read the same through mmap and pread, %u differ\n", bdf,
	       r->index, same, differ);
	return same;
}

/* false when @busy_ok and the device is held by another process (a VM): not checked. */
static bool check_device(const char *spec, bool new_kernel, bool busy_ok)
{
	struct bb_dev *dev = NULL;
	struct bb_diag d;
	unsigned compared = 0;
	const struct bb_vfio_sysfs *s;
	const struct bb_layout_msix *m;
	int err;

	err = bb_dev_open(spec, &dev, &d);
	if (err == -EBUSY && busy_ok) {
		printf("test_vfio_dev: %s not checked: %s\n", spec, d.msg);
		return false;
	}
	CHECK_EQ(err, 0);
	if (err) {
		NOTE_FAIL("%s: %s", spec, d.msg);
		return true;
	}
	s = bb_vfio_sysfs_of(dev);
	CHECK(s != NULL);
	CHECK(dev->real_hw);
	CHECK(dev->has_layout);
	CHECK(bb_vfio_iommu_mode(dev) != NULL);
	CHECK(!bb_dev_writes_allowed(dev));
	CHECK_EQ(bb_dev_guard(dev), BB_GUARD_SAFE_READS);	/* no store before --allow-writes */
	m = &dev->layout.msix;
	printf("BB-DEVICE %s %04x:%04x driver %s group %d numa %d iommu %s msix %s", s->bdf, s->vendor, s->device,
	       s->driver, s->group, s->numa_node, bb_vfio_iommu_mode(dev), m->present ? "yes" : "no");
	if (m->present)
		printf(" vectors %" PRIu32 " table BAR%" PRIu32 "+0x%" PRIx64 " pba BAR%" PRIu32 "+0x%" PRIx64, m->vectors,
		       m->table_region, m->table_offset, m->pba_region, m->pba_offset);
	putchar('\n');

	for (uint32_t i = 0; i < dev->nr_regions; i++) {
		struct bb_region r;
		struct bb_range mt[2];
		unsigned nmt;

		err = bb_dev_region(dev, dev->index[i], &r, NULL, NULL, &d);
		CHECK_EQ(err, 0);
		if (err) {
			NOTE_FAIL("%s", d.msg);
			continue;
		}
		caps_line(s->bdf, &r);
		if (r.index <= VFIO_PCI_BAR5_REGION_INDEX && new_kernel) {
			/* vfio-pci since 4.16: no sparse list on a BAR, MSIX_MAPPABLE exactly on the MSI-X BAR */
			CHECK(!r.has_sparse);
			CHECK_EQ(r.msix_mappable, m->present && m->table_region == r.index);
		}
		if (m->present && m->table_region == r.index && new_kernel)
			CHECK(r.flags & VFIO_REGION_INFO_FLAG_MMAP);
		if (r.index == VFIO_PCI_CONFIG_REGION_INDEX)
			CHECK(!(r.flags & VFIO_REGION_INFO_FLAG_MMAP));
		nmt = bb_dev_must_trap(dev, r.index, mt);
		CHECK_EQ(nmt, (unsigned)(m->present && m->table_region == r.index) +
			 (unsigned)(m->present && m->pba_region == r.index));
		for (unsigned k = 0; k < nmt; k++) {
			uint32_t v = 0;

			/* the trap path refuses the MSI-X table and PBA, whatever a layout says */
			CHECK_EQ(dev->ops->rw(dev, r.index, mt[k].offset, &v, 4, false), -EPERM);
		}
		if (bb_vfio_layout_path(dev)) {
			const struct bb_layout_region *lr = bb_layout_find_region(&dev->layout, r.index);
			const uint32_t mask = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
					      VFIO_REGION_INFO_FLAG_MMAP;

			if (lr) {
				/* the layout's claims are what the real driver reports */
				CHECK_EQ(lr->info.size, r.size);
				CHECK_EQ(lr->info.flags & mask, r.flags & mask);
				CHECK_EQ(lr->info.has_sparse, r.has_sparse);
				CHECK_EQ(lr->info.msix_mappable, r.msix_mappable);
			}
		}
		/* no write without --allow-writes, even where the layout says rw */
		{
			uint32_t v = 0;

			CHECK_EQ(dev->ops->rw(dev, r.index, 0, &v, r.size >= 4 ? 4 : 1, true), -EPERM);
		}
		compared += compare_paths(dev, &r, s->bdf);
		bb_region_free(&r);
	}
	if (bb_vfio_layout_path(dev))
		CHECK(compared > 0);
	/* without a layout nothing may be read */
	if (!bb_vfio_layout_path(dev) && dev->nr_regions) {
		uint32_t v;

		CHECK_EQ(dev->ops->rw(dev, dev->index[0], 0, &v, 1, false), -EPERM);
	}
	bb_dev_close(dev);
	return true;
}

int main(int argc, char **argv)
{
	static char bdfs[MAX_SPECS][BB_BDF_LEN];
	char specs[MAX_SPECS][BB_BDF_LEN + 8];
	bool new_kernel = kernel_at_least(4, 16);
	unsigned n = 0, checked = 0;
	struct bb_diag d;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			check_device(argv[i], new_kernel, false);
		return bb_test_done("test_vfio_dev");
	}
	if (bb_vfio_list("/sys", bdfs, MAX_SPECS, &n, &d) || !n)
		return bb_test_skip("test_vfio_dev", "no PCI device is bound to vfio-pci here "
				    "(the VM test, scripts/vm/run-test, runs this against the real driver)");
	if (access("/dev/vfio/vfio", R_OK | W_OK) && access("/dev/vfio/devices", F_OK))
		return bb_test_skip("test_vfio_dev", "no access to /dev/vfio");
	for (unsigned i = 0; i < n; i++) {
		snprintf(specs[i], sizeof(specs[i]), "vfio:%s", bdfs[i]);
		checked += check_device(specs[i], new_kernel, true);
	}
	if (!checked)
		return bb_test_skip("test_vfio_dev", "every VFIO device here is held by another process");
	return bb_test_done("test_vfio_dev");
}
