/* SPDX-License-Identifier: MIT */
/*
 * pci:BDF, a PCI device as its own operating system sees it, through sysfs
 * (Documentation/ABI/testing/sysfs-bus-pci, Documentation/PCI/sysfs-pci.rst):
 * the memory BARs listed in devices/BDF/resource, each mapped with an mmap
 * of devices/BDF/resourceN.  Inside a VMM's guest that is the device the
 * VMM exposes: every access is a plain load or store, and what it costs is
 * what the VMM underneath does with it (a mapping, or a trap it emulates or
 * forwards).  On bare metal it is the device itself.
 *
 * Spec: pci:BDF[?layout=PATH][&sysfs=DIR], BDF as lspci -D prints it; sysfs=
 * reads another tree than /sys (a copy, or a test's fake tree whose
 * resourceN are regular files).
 *
 * The backend has no trap path of its own (BB_BACKEND_NO_TRAP): a plan that
 * traps an access it makes fails with -EOPNOTSUPP.  Safety as vfio:BDF: the
 * MSI-X table and PBA (placement from config space) are never touched;
 * without a layout nothing is; a layout's vendor and device must be the
 * device's (sysfs vendor and device files), its MSI-X placement config
 * space's, and each BAR it describes the device's BAR of the same size;
 * mappings are read-only until writes are allowed (run --allow-writes).
 */
#ifndef BARBENCH_PCI_H
#define BARBENCH_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/backend.h"
#include "barbench/diag.h"
#include "barbench/layout.h"

/* Lines of devices/BDF/resource: BARs 0-5, ROM, SR-IOV and bridge windows (DEVICE_COUNT_RESOURCE is 17 at most). */
#define BB_PCI_MAX_RESOURCES 17
#define BB_PCI_BARS 6

/* include/linux/ioport.h */
#define BB_IORESOURCE_IO 0x00000100ull
#define BB_IORESOURCE_MEM 0x00000200ull
#define BB_IORESOURCE_DISABLED 0x10000000ull
#define BB_IORESOURCE_UNSET 0x20000000ull

struct bb_pci_resource {
	uint64_t start, end, flags;
};

/*
 * Parse the text of a resource file (@len bytes, @name in messages): lines
 * "0x%016llx 0x%016llx 0x%016llx" (start, end, flags; drivers/pci/pci-sysfs.c
 * resource_show), at most BB_PCI_MAX_RESOURCES of them, end >= start unless
 * both are 0.  -EINVAL naming "name:LINE" otherwise.
 */
int bb_pci_resource_parse(const char *text, size_t len, const char *name, struct bb_pci_resource *out,
			  unsigned *n, struct bb_diag *d);

/* What sysfs says about one PCI device. */
struct bb_pci_sysfs {
	char bdf[20];
	uint16_t vendor, device;
	uint32_t class_code;
	int numa_node;				/* -1 when unknown */
	unsigned nr_res;
	struct bb_pci_resource res[BB_PCI_MAX_RESOURCES];
	uint8_t cfg[256];			/* the first bytes of config space */
	size_t cfg_len;				/* 64 when not root: capabilities then unreadable */
	bool mem_enabled;			/* command register bit 1 (Memory Space); a VF: its PF's VF MSE */
	bool vf_mse_read;			/* a VF's mem_enabled read from its PF, not taken as on */
	bool is_vf;				/* an SR-IOV virtual function: sysfs links its PF as physfn */
	bool vf_ids;				/* a VF whose ID registers read 0xffff: its IDs are sysfs's */
	char physfn[20];			/* the PF's address, for a VF */
	struct bb_layout_msix msix;		/* from config space */
	unsigned msix_cap;
};

/*
 * Read device @bdf below the sysfs root @sysfs ("/sys"): vendor, device,
 * class, numa_node, resource, config (its MSI-X capability checked to lie
 * inside a memory BAR), physfn.  Every file is hostile input: errors name
 * the file and the line or byte.  -ENODEV when there is no such device.
 * An SR-IOV VF's Vendor and Device ID registers read 0xffff and its Memory
 * Space bit reads 0 (PCIe 4.0, 9.3.4.1.1-2, 9.3.4.1.3): its IDs are the
 * vendor and device files', and its memory decoding is its PF's VF MSE,
 * read through physfn where the PF's config space is readable (root),
 * else taken as on (Linux sets it when it enables VFs, drivers/pci/iov.c).
 */
int bb_pci_probe(const char *sysfs, const char *bdf, struct bb_pci_sysfs *out, struct bb_diag *d);

extern const struct bb_backend_ops bb_backend_pci;

/* What sysfs said about an open pci: device; NULL for another backend. */
const struct bb_pci_sysfs *bb_pci_sysfs_of(const struct bb_dev *dev);
/*
 * A PF's VF BAR @i (0-5) size from its IOV resource (resource line 8 + @i:
 * Linux sizes it as a VF's BAR times TotalVFs, drivers/pci/iov.c
 * sriov_init), or 0 when unassigned, not a whole multiple or not a power
 * of two a VF, or under 4 KiB a VF (Linux takes none that is not a whole
 * number of pages).
 */
uint64_t bb_pci_vf_bar_size(const struct bb_pci_sysfs *s, unsigned i, unsigned total_vfs);
/*
 * What sysfs says of the PCI function an open device fronts, for pci: and
 * vfio: (for vfio:, only ids, class and resource file are filled in, into
 * @buf); NULL for a device that is no PCI function of this OS.
 */
const struct bb_pci_sysfs *bb_pci_sysfs_any(const struct bb_dev *dev, struct bb_pci_sysfs *buf);
/* The layout file given with ?layout=, or NULL. */
const char *bb_pci_layout_path(const struct bb_dev *dev);

#endif
