// SPDX-License-Identifier: MIT
/*
 * The parts of the vfio backend that need no device: the vfio:BDF spec, what
 * sysfs says about a device and the refusal messages built from it (a fake
 * sysfs tree in a temporary folder: only the sysfs-reading logic; the VFIO
 * ioctls are never faked, the VM test runs them against the real driver),
 * and the MSI-X capability parser on config-space images built the way a
 * device lays them out.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/pci_regs.h>

#include "vfio.h"
#include "check.h"
#include "fixtures.h"

static void test_spec(void)
{
	struct bb_vfio_spec s;
	struct bb_diag d;

	CHECK_EQ(bb_vfio_parse_spec("0000:3b:00.0", &s, &d), 0);
	CHECK(!strcmp(s.bdf, "0000:3b:00.0"));
	CHECK_EQ(s.layout[0], 0);
	/* the domain may be left out; hex is canonical lower case */
	CHECK_EQ(bb_vfio_parse_spec("3B:1f.7", &s, &d), 0);
	CHECK(!strcmp(s.bdf, "0000:3b:1f.7"));
	CHECK_EQ(bb_vfio_parse_spec("10000:00:02.0", &s, &d), 0);	/* VMD domains have 5 digits */
	CHECK(!strcmp(s.bdf, "10000:00:02.0"));
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0?layout=layouts/qemu-nvme", &s, &d), 0);
	CHECK(!strcmp(s.bdf, "0000:00:03.0"));
	CHECK(!strcmp(s.layout, "layouts/qemu-nvme"));

	CHECK_EQ(bb_vfio_parse_spec("", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "character 6");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:20.0", &s, &d), -EINVAL);	/* device > 0x1f */
	CHECK_STR_HAS(d.msg, "character 14: want a device number 00 to 1f");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.8", &s, &d), -EINVAL);	/* function > 7 */
	CHECK_STR_HAS(d.msg, "function number 0 to 7");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0x", &s, &d), -EINVAL);	/* trailing junk */
	CHECK_EQ(bb_vfio_parse_spec("0000:100:03.0", &s, &d), -EINVAL);	/* bus of 3 digits */
	CHECK_STR_HAS(d.msg, "bus of 1 or 2 hex digits");
	CHECK_EQ(bb_vfio_parse_spec("3b00.0", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "as lspci -D prints it");
	CHECK_EQ(bb_vfio_parse_spec("1:2:3:4.0", &s, &d), -EINVAL);
	CHECK_EQ(bb_vfio_parse_spec("123456789:00:03.0", &s, &d), -EINVAL);	/* domain of 9 digits */
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0?bogus=1", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "unknown option 'bogus=1'");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0?allow-writes", &s, &d), -EINVAL);	/* only --allow-writes */
	CHECK_STR_HAS(d.msg, "--allow-writes");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0?layout=a&layout=b", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "given twice");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0?layout=a&", &s, &d), -EINVAL);
	/* spec_bare_question_mark: "BDF?" was a device, and info's hint to it ("BDF?&layout=FILE") refused */
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0?", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "vfio:0000:00:03.0?: character 19: no option after '?'");
	CHECK_EQ(bb_bdf_parse_spec("pci", "0000:00:03.0?", BB_BDF_SYSFS, &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "pci:0000:00:03.0?: character 18: no option after '?'");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.0?layout=", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "vfio:0000:00:03.0?layout=: character 25: layout= wants a path");
	/* vf-token: a UUID, lower-cased; not twice, not malformed; pci: takes none */
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.1?vf-token=0A1B2C3D-0000-4000-8000-00000000000F&layout=x", &s, &d), 0);
	CHECK_STR_HAS(s.vf_token, "0a1b2c3d-0000-4000-8000-00000000000f");
	CHECK_STR_HAS(s.layout, "x");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.1?vf-token=0a1b2c3d-0000-4000-8000-00000000000", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "character 28: vf-token= wants a UUID, 8-4-4-4-12 hex digits");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.1?vf-token=0a1b2c3d-0000-4000-8000+00000000000f", &s, &d), -EINVAL);
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.1?vf-token=", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "vf-token= wants a UUID");
	CHECK_EQ(bb_vfio_parse_spec("0000:00:03.1?vf-token=00000000-0000-0000-0000-000000000000&"
				    "vf-token=00000000-0000-0000-0000-000000000000", &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "vf-token= given twice");
	CHECK_EQ(bb_bdf_parse_spec("pci", "0000:00:03.1?vf-token=00000000-0000-0000-0000-000000000000", BB_BDF_SYSFS,
				   &s, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "unknown option 'vf-token=");
}

/* ---- a fake sysfs tree: only files and links sysfs has ---- */

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void mkdirs(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	}
	mkdir(path, 0755);
}

static void link_to(const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	CHECK_EQ(symlink(target, path), 0);
}

/* A PCI device as sysfs shows it; @driver NULL: unbound; @group < 0: no IOMMU group. */
static void fake_device(const char *bdf, const char *vendor, const char *device, const char *cls,
			const char *numa, const char *driver, int group, int cdev)
{
	char rel[256], target[256];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s", bdf);
	mkdirs(rel);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/vendor", bdf);
	put(rel, vendor);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/device", bdf);
	put(rel, device);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/class", bdf);
	put(rel, cls);
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/numa_node", bdf);
	put(rel, numa);
	if (driver) {
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/driver", bdf);
		snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
		link_to(rel, target);
	}
	if (group >= 0) {
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/iommu_group", bdf);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", group);
		link_to(rel, target);
	}
	if (cdev >= 0) {
		snprintf(rel, sizeof(rel), "bus/pci/devices/%s/vfio-dev/vfio%d", bdf, cdev);
		mkdirs(rel);
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * VFIO_GROUP_GET_DEVICE_FD's EACCES and EINVAL explained from sysfs where VF
 * tokens are the reason: a VF (physfn), an SR-IOV PF (sriov_totalvfs), a
 * device that is neither.  A PF whose VFs are open said nothing but
 * "Permission denied".
 */
static void test_vf_token_hint(void)
{
	struct bb_vfio_spec pf = { .bdf = "0000:3b:00.0" }, vf = { .bdf = "0000:3b:00.2" };
	struct bb_vfio_spec plain = { .bdf = "0000:00:03.0" };
	char buf[400], pfname[BB_BDF_LEN], dir[300];

	put("bus/pci/devices/0000:3b:00.0/sriov_totalvfs", "8\n");
	fake_device("0000:3b:00.2", "0x8086\n", "0x2701\n", "0x010802\n", "1\n", NULL, 12, -1);
	link_to("bus/pci/devices/0000:3b:00.2/physfn", "../0000:3b:00.0");
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:3b:00.2", root);
	CHECK_EQ(bb_pci_physfn(dir, pfname, sizeof(pfname)), 0);
	CHECK(!strcmp(pfname, "0000:3b:00.0"));
	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/0000:3b:00.0", root);
	CHECK_EQ(bb_pci_physfn(dir, pfname, sizeof(pfname)), -ENOENT);

	/* the PF: its open VFs' token is asked for */
	CHECK_STR_HAS(bb_vfio_vf_token_hint(root, &pf, -EACCES, buf, sizeof(buf)),
		      "an SR-IOV PF whose VFs are open: vfio-pci asks for the VF token they were given: add vf-token=UUID");
	strcpy(pf.vf_token, "00000000-0000-0000-0000-000000000000");
	CHECK_STR_HAS(bb_vfio_vf_token_hint(root, &pf, -EACCES, buf, sizeof(buf)), "differs from the token");
	/* the VF: the PF's token */
	CHECK_STR_HAS(bb_vfio_vf_token_hint(root, &vf, -EACCES, buf, sizeof(buf)),
		      "an SR-IOV VF whose PF 0000:3b:00.0 vfio-pci drives: it asks for the PF's VF token: add vf-token=UUID");
	CHECK_STR_HAS(buf, "barbench info 'vfio:0000:3b:00.0?vf-token=UUID'");
	strcpy(vf.vf_token, pf.vf_token);
	CHECK_STR_HAS(bb_vfio_vf_token_hint(root, &vf, -EACCES, buf, sizeof(buf)), ", and this is not it");
	CHECK_STR_HAS(bb_vfio_vf_token_hint(root, &vf, -EINVAL, buf, sizeof(buf)), "its PF 0000:3b:00.0 is not vfio-pci's");
	/* neither: a token is refused; without one EACCES is not about tokens */
	CHECK(!strcmp(bb_vfio_vf_token_hint(root, &plain, -EACCES, buf, sizeof(buf)), ""));
	strcpy(plain.vf_token, pf.vf_token);
	CHECK_STR_HAS(bb_vfio_vf_token_hint(root, &plain, -EINVAL, buf, sizeof(buf)), "and this is neither");
	CHECK(!strcmp(bb_vfio_vf_token_hint(root, &vf, -EBUSY, buf, sizeof(buf)), ""));
}

static void test_sysfs(void)
{
	struct bb_vfio_sysfs s;
	struct bb_diag d;
	char bdfs[8][BB_BDF_LEN], want[512];
	unsigned n = 0;

	snprintf(root, sizeof(root), "/tmp/bb-sysfs-XXXXXX");
	if (!mkdtemp(root)) {
		CHECK(!"mkdtemp");
		return;
	}
	/* an NVMe SSD held by the nvme driver, on node 1 */
	fake_device("0000:3b:00.0", "0x8086\n", "0x2700\n", "0x010802\n", "1\n", "nvme", 7, -1);
	/* a NIC bound to nothing */
	fake_device("0000:5e:00.1", "0x8086\n", "0x10d3\n", "0x020000\n", "-1\n", NULL, 9, -1);
	/* bound to vfio-pci, with the iommufd cdev */
	fake_device("0000:00:03.0", "0x1b36\n", "0x0010\n", "0x010802\n", "0\n", "vfio-pci", 3, 2);
	/* a variant driver */
	fake_device("0000:00:04.0", "0x15b3\n", "0x101e\n", "0x020000\n", "0\n", "mlx5_vfio_pci", 4, -1);
	/* bound to vfio-pci but no IOMMU group (impossible without noiommu, but sysfs can say so) */
	fake_device("0000:00:05.0", "0x1af4\n", "0x1041\n", "0x020000\n", "garbage\n", "vfio-pci", -1, -1);

	CHECK_EQ(bb_vfio_sysfs_probe(root, "0000:3b:00.0", &s, &d), -EBUSY);
	CHECK(!strcmp(s.driver, "nvme"));
	CHECK_EQ(s.vendor, 0x8086);
	CHECK_EQ(s.device, 0x2700);
	CHECK_EQ(s.class_code, 0x010802);
	CHECK_EQ(s.numa_node, 1);
	CHECK_EQ(s.group, 7);
	CHECK_STR_HAS(d.msg, "0000:3b:00.0 is bound to nvme, not vfio-pci");
	snprintf(want, sizeof(want), "echo vfio-pci > %s/bus/pci/devices/0000:3b:00.0/driver_override", root);
	CHECK_STR_HAS(d.msg, want);
	snprintf(want, sizeof(want), "echo 0000:3b:00.0 > %s/bus/pci/devices/0000:3b:00.0/driver/unbind", root);
	CHECK_STR_HAS(d.msg, want);
	snprintf(want, sizeof(want), "echo 0000:3b:00.0 > %s/bus/pci/drivers_probe", root);
	CHECK_STR_HAS(d.msg, want);
	CHECK_STR_HAS(d.msg, "modprobe vfio-pci");
	/* the commands come in the order they must run: override, unbind, probe */
	CHECK(strstr(d.msg, "driver_override") < strstr(d.msg, "driver/unbind"));
	CHECK(strstr(d.msg, "driver/unbind") < strstr(d.msg, "drivers_probe"));
	CHECK(strlen(d.msg) < BB_DIAG_MAX - 1);	/* not cut */

	CHECK_EQ(bb_vfio_sysfs_probe(root, "0000:5e:00.1", &s, &d), -ENXIO);
	CHECK_STR_HAS(d.msg, "bound to no driver");
	CHECK_STR_HAS(d.msg, "driver_override");
	CHECK_STR_HAS(d.msg, "drivers_probe");
	CHECK(!strstr(d.msg, "unbind"));
	CHECK_EQ(s.numa_node, -1);

	CHECK_EQ(bb_vfio_sysfs_probe(root, "0000:00:03.0", &s, &d), 0);
	CHECK(!strcmp(s.driver, "vfio-pci"));
	CHECK_EQ(s.group, 3);
	CHECK_EQ(s.cdev, 2);
	CHECK_EQ(s.numa_node, 0);

	CHECK_EQ(bb_vfio_sysfs_probe(root, "0000:00:04.0", &s, &d), 0);
	CHECK(!strcmp(s.driver, "mlx5_vfio_pci"));
	CHECK_EQ(s.cdev, -1);

	CHECK_EQ(bb_vfio_sysfs_probe(root, "0000:00:05.0", &s, &d), -ENOENT);
	CHECK_STR_HAS(d.msg, "no IOMMU group");
	CHECK_STR_HAS(d.msg, "intel_iommu=on");
	CHECK_EQ(s.numa_node, -1);	/* "garbage" is not a node */

	CHECK_EQ(bb_vfio_sysfs_probe(root, "0000:99:00.0", &s, &d), -ENODEV);
	CHECK_STR_HAS(d.msg, "no such PCI device");

	test_vf_token_hint();
	CHECK_EQ(bb_vfio_list(root, bdfs, 8, &n, &d), 0);
	CHECK_EQ(n, 3);
	if (n == 3) {
		CHECK(!strcmp(bdfs[0], "0000:00:03.0"));
		CHECK(!strcmp(bdfs[1], "0000:00:04.0"));
		CHECK(!strcmp(bdfs[2], "0000:00:05.0"));
	}
	CHECK_EQ(bb_vfio_list(root, bdfs, 1, &n, &d), 0);
	CHECK_EQ(n, 1);
	CHECK(bb_vfio_is_vfio_driver("vfio-pci"));
	CHECK(bb_vfio_is_vfio_driver("nvgrace-gpu-vfio-pci"));
	CHECK(!bb_vfio_is_vfio_driver("nvme"));
	CHECK(!bb_vfio_is_vfio_driver(""));
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	CHECK_EQ(bb_vfio_list(root, bdfs, 8, &n, &d), -ENOENT);
}

/* Whether the kernel has vfio-pci: registered, built in, a module (plain or compressed), or nowhere. */
static void test_vfio_pci_driver(void)
{
	struct bb_diag d;
	char sys[600], mods[600];

	snprintf(root, sizeof(root), "/tmp/bb-kernel-XXXXXX");
	if (!mkdtemp(root)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(mods, sizeof(mods), "%s/lib/modules", root);
	mkdirs("sys/bus/pci/drivers/nvme");
	mkdirs("lib/modules/6.1.0-test");
	/* neither registered nor listed: the message names the release and both places looked */
	CHECK_EQ(bb_vfio_pci_driver(sys, mods, "6.1.0-test", &d), -ENOENT);
	CHECK_STR_HAS(d.msg, "this kernel (6.1.0-test) has no vfio-pci driver");
	CHECK_STR_HAS(d.msg, "lib/modules/6.1.0-test");
	CHECK_STR_HAS(d.msg, "CONFIG_VFIO_PCI");
	/* a module of another name that contains the string is not vfio-pci */
	put("lib/modules/6.1.0-test/modules.dep", "kernel/drivers/vfio/pci/vfio-pci-core.ko.xz: kernel/x.ko\n"
						  "kernel/drivers/vfio/pci/my-vfio-pci.ko: \n");
	CHECK_EQ(bb_vfio_pci_driver(sys, mods, "6.1.0-test", &d), -ENOENT);
	/* a compressed module: modprobe loads it */
	put("lib/modules/6.1.0-test/modules.dep", "kernel/drivers/vfio/vfio.ko.xz:\n"
						  "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/vfio.ko.xz\n");
	CHECK_EQ(bb_vfio_pci_driver(sys, mods, "6.1.0-test", &d), 0);
	/* another release's modules do not count */
	CHECK_EQ(bb_vfio_pci_driver(sys, mods, "6.12.0-other", &d), -ENOENT);
	/* built in */
	put("lib/modules/6.1.0-test/modules.dep", "");
	put("lib/modules/6.1.0-test/modules.builtin", "kernel/drivers/vfio/pci/vfio-pci.ko\n");
	CHECK_EQ(bb_vfio_pci_driver(sys, mods, "6.1.0-test", &d), 0);
	/* registered with the PCI bus: loaded, whatever the files say */
	mkdirs("sys/bus/pci/drivers/vfio-pci");
	CHECK_EQ(bb_vfio_pci_driver(sys, mods, "6.12.0-other", &d), 1);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- config space images, laid out as a device does ---- */

/* Header with a capability list: PM at 0x40 -> MSI at 0x50 -> MSI-X at 0x70. */
static void config_image(uint8_t c[256], uint16_t vectors, uint32_t table, uint32_t pba)
{
	memset(c, 0, 256);
	w16(c, PCI_VENDOR_ID, 0x1b36);
	w16(c, PCI_DEVICE_ID, 0x0010);
	w16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_CAPABILITY_LIST] = 0x40;
	c[0x40] = PCI_CAP_ID_PM;
	c[0x41] = 0x50;
	c[0x50] = PCI_CAP_ID_MSI;
	c[0x51] = 0x70;
	c[0x70] = PCI_CAP_ID_MSIX;
	c[0x71] = 0;
	w16(c, 0x70 + PCI_MSIX_FLAGS, (uint16_t)((vectors - 1) & PCI_MSIX_FLAGS_QSIZE));
	w32(c, 0x70 + PCI_MSIX_TABLE, table);
	w32(c, 0x70 + PCI_MSIX_PBA, pba);
}

static void test_msix(void)
{
	struct bb_layout_msix m;
	struct bb_diag d;
	uint8_t c[256];
	unsigned at;

	/* QEMU's nvme: 65 vectors, table BAR0+0x2000, PBA BAR0+0x3000 */
	config_image(c, 65, 0x2000 | 0, 0x3000 | 0);
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, &at, &d), 0);
	CHECK(m.present);
	CHECK_EQ(m.vectors, 65);
	CHECK_EQ(m.table_region, 0);
	CHECK_EQ(m.table_offset, 0x2000);
	CHECK_EQ(m.pba_region, 0);
	CHECK_EQ(m.pba_offset, 0x3000);
	CHECK_EQ(at, 0x70);
	/* e1000e: 5 vectors in BAR3, the BIR in the low bits; control bits above the size ignored */
	config_image(c, 5, 0x0000 | 3, 0x2000 | 3);
	c[0x70 + PCI_MSIX_FLAGS + 1] |= 0xc0;	/* MSI-X Enable and Function Mask */
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), 0);
	CHECK_EQ(m.vectors, 5);
	CHECK_EQ(m.table_region, 3);
	CHECK_EQ(m.table_offset, 0);
	CHECK_EQ(m.pba_region, 3);
	CHECK_EQ(m.pba_offset, 0x2000);
	/* the largest table */
	config_image(c, 2048, 0x10000 | 4, 0x18000 | 5);
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), 0);
	CHECK_EQ(m.vectors, 2048);
	CHECK_EQ(m.table_region, 4);
	CHECK_EQ(m.pba_region, 5);
	CHECK_EQ(m.pba_offset, 0x18000);

	/* no capability list: no MSI-X, not an error */
	config_image(c, 8, 0, 0x800);
	w16(c, PCI_STATUS, 0);
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, &at, &d), 0);
	CHECK(!m.present);
	CHECK_EQ(at, 0);
	/* a list without MSI-X */
	config_image(c, 8, 0, 0x800);
	c[0x51] = 0;
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), 0);
	CHECK(!m.present);

	/* hostile images */
	config_image(c, 8, 0, 0x800);
	c[0x51] = 0x40;	/* MSI points back at PM: a loop */
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "cfg: byte 0x51: capability pointer 0x40 was already visited: a loop");
	config_image(c, 8, 0, 0x800);
	c[0x41] = 0x41;	/* points at itself once the low bits are dropped */
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "a loop");
	config_image(c, 8, 0, 0x800);
	c[PCI_CAPABILITY_LIST] = 0x20;	/* into the header */
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "byte 0x34: capability pointer 0x20 points into the 64-byte header");
	config_image(c, 8, 0, 0x800);
	CHECK_EQ(bb_msix_parse_config(c, 0x72, "cfg", &m, NULL, &d), -EINVAL);	/* MSI-X body cut */
	CHECK_STR_HAS(d.msg, "byte 0x70: the MSI-X capability needs 12 bytes, only 2 left");
	CHECK_EQ(bb_msix_parse_config(c, 0x60, "cfg", &m, NULL, &d), -EINVAL);	/* pointer past the end */
	CHECK_STR_HAS(d.msg, "byte 0x51: capability pointer 0x70 lies past the 96 bytes");
	CHECK_EQ(bb_msix_parse_config(c, 32, "cfg", &m, NULL, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "shorter than the 64-byte header");
	config_image(c, 8, 0x2000 | 6, 0x800);	/* BIR 6 is not a BAR */
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "byte 0x74: MSI-X table BIR 6 is not a BAR");
	config_image(c, 8, 0x2000, 0x800 | 7);
	CHECK_EQ(bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d), -EINVAL);
	CHECK_STR_HAS(d.msg, "byte 0x78: MSI-X PBA BIR 7 is not a BAR");
	CHECK(!m.present);
	/* every byte value as a capability pointer chain: never crashes, never loops */
	for (unsigned v = 0; v < 256; v++) {
		config_image(c, 8, 0, 0x800);
		c[0x41] = (uint8_t)v;
		c[0x51] = (uint8_t)(255 - v);
		bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d);
		for (unsigned p = 0x40; p < 256; p += 4)
			c[p + 1] = (uint8_t)(v + p);
		bb_msix_parse_config(c, sizeof(c), "cfg", &m, NULL, &d);
	}
}

int main(void)
{
	test_spec();
	test_sysfs();
	test_vfio_pci_driver();
	test_msix();
	return bb_test_done("test_vfio");
}
