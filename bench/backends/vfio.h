/* SPDX-License-Identifier: MIT */
/*
 * vfio:BDF, a real PCI device through the kernel's VFIO driver.
 *
 * Spec: vfio:BDF[?layout=PATH], BDF as lspci -D prints it (0000:3b:00.0;
 * the domain may be left out).  The device must be bound to vfio-pci (or a
 * VFIO variant driver); it is opened through the iommufd character device
 * (/dev/vfio/devices/vfioN) where the kernel and the headers barbench was
 * built with have it, else through the legacy container/group API with the
 * type1 IOMMU (noiommu when the kernel offers only that).
 *
 * Safety: the MSI-X table and PBA placement come from the device's own PCI
 * config space; those ranges are never read or written.  Without a layout
 * nothing else is touched either: a layout's `safe` statements name what may
 * be read (access=r or rw) and what may be written (access=rw, and only after
 * bb_dev_allow_writes(), which `barbench run --allow-writes` calls).  The
 * trap path refuses anything else with -EPERM, and mappings are read-only
 * until writes are allowed.
 */
#ifndef BARBENCH_VFIO_H
#define BARBENCH_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/backend.h"
#include "barbench/diag.h"
#include "barbench/layout.h"

#define BB_BDF_LEN 20		/* "dddd:bb:dd.f" (a domain of up to 8 hex digits) and its NUL */

/* What "vfio:" + @arg asks for. */
struct bb_vfio_spec {
	char bdf[BB_BDF_LEN];	/* canonical: lower-case hex, with the domain */
	char layout[256];	/* layout=PATH, "" when none */
	char sysfs[256];	/* sysfs=DIR (pci: only), "" for /sys */
	char vf_token[37];	/* vf-token=UUID (vfio: only), lower case; "" when none */
};

/*
 * Parse "BDF[?layout=PATH][&vf-token=UUID]" (the spec after "vfio:").
 * vf-token: passed as VFIO_GROUP_GET_DEVICE_FD's "BDF vf_token=UUID"
 * (Linux >= 5.7, drivers/vfio/pci/vfio_pci_core.c): on a VF whose PF
 * vfio-pci drives, the PF's token, which it asks for; on such a PF opened
 * while none of its VFs is, it sets that token (as QEMU's vf-token= does).
 * Errors name the character position: "vfio:00:1g.0: character 5: ...".
 */
int bb_vfio_parse_spec(const char *arg, struct bb_vfio_spec *out, struct bb_diag *d);
/* Options a BDF spec may take besides layout=. */
#define BB_BDF_SYSFS 1u		/* sysfs=DIR (pci:) */
#define BB_BDF_VF_TOKEN 2u	/* vf-token=UUID (vfio:) */
/* The same for device kind @kind ("pci"), with the options of @opts. */
int bb_bdf_parse_spec(const char *kind, const char *arg, unsigned opts, struct bb_vfio_spec *out,
		      struct bb_diag *d);

/* What sysfs says about one PCI device. */
struct bb_vfio_sysfs {
	char bdf[BB_BDF_LEN];
	uint16_t vendor, device;
	uint32_t class_code;
	char driver[64];	/* "" when no driver is bound */
	int group;		/* IOMMU group number, -1 when none */
	int numa_node;		/* -1 when unknown or not NUMA */
	int cdev;		/* N of vfio-dev/vfioN (/dev/vfio/devices/vfioN), -1 when none */
};

/*
 * Read device @bdf below the sysfs root @sysfs ("/sys"; a test passes a
 * fake tree) and check that VFIO can open it.  Returns 0; -ENODEV when there
 * is no such device; -EBUSY when it is bound to another driver and -ENXIO
 * when it is bound to none, @d then holding the exact commands that hand it
 * to vfio-pci (driver_override, unbind, drivers_probe); -ENOENT when it has
 * no IOMMU group.  @out is filled as far as sysfs allowed, also on error.
 */
int bb_vfio_sysfs_probe(const char *sysfs, const char *bdf, struct bb_vfio_sysfs *out, struct bb_diag *d);

/*
 * Whether this kernel has vfio-pci: 1 when the driver is registered
 * (@sysfs/bus/pci/drivers/vfio-pci), 0 when it is not yet but
 * @modules/@release lists it built in (modules.builtin) or as a module
 * (modules.dep: `modprobe vfio-pci` loads it), -ENOENT when it has neither,
 * with @d saying so and where it looked.
 */
int bb_vfio_pci_driver(const char *sysfs, const char *modules, const char *release, struct bb_diag *d);

/*
 * The PF an SR-IOV VF's sysfs folder @dir links as physfn ("../0000:3b:00.0")
 * into @pf (@len bytes, BB_BDF_LEN fits any): 0 when the link's last
 * component is a PCI address as sysfs names one; -ENOENT or -EINVAL (no
 * link; a link naming anything else, "..", "0000", or cut short) otherwise.
 */
int bb_pci_physfn(const char *dir, char *pf, size_t len);
/*
 * Why VFIO_GROUP_GET_DEVICE_FD refused device @spec below @sysfs with @err
 * where VF tokens are the reason, as " (...)" in @buf; "" when they are not.
 */
const char *bb_vfio_vf_token_hint(const char *sysfs, const struct bb_vfio_spec *spec, int err, char *buf,
				  size_t len);
/* vfio-pci, or a variant driver of it (mlx5_vfio_pci, nvgrace-gpu-vfio-pci...). */
bool bb_vfio_is_vfio_driver(const char *driver);

/*
 * The PCI devices below @sysfs bound to a VFIO driver, sorted; at most
 * @max.  *@n may be 0.  -ENOENT when @sysfs has no PCI bus at all.
 */
int bb_vfio_list(const char *sysfs, char (*bdfs)[BB_BDF_LEN], unsigned max, unsigned *n, struct bb_diag *d);

/*
 * The MSI-X capability (id 0x11, PCI Local Bus Specification 3.0, 6.8.2) of
 * a PCI config space image @cfg of @len bytes: walks the capability list
 * from 0x34, refusing loops, pointers into the header and bodies past @len.
 * out->present is false when the device has no MSI-X (not an error);
 * *@cap_at (optional) receives the capability's offset.  Errors name the
 * byte offset in @name.
 */
int bb_msix_parse_config(const uint8_t *cfg, size_t len, const char *name, struct bb_layout_msix *out,
			 unsigned *cap_at, struct bb_diag *d);

/*
 * The layout of a real device (vfio:, pci:) in dev->layout: @arg (given with
 * ?layout=) loaded and checked against the device's @vendor:@device and its
 * MSI-X placement @msix (from config space); without @arg an empty layout
 * named @name holding only @msix, so nothing is safe to touch.  *@given:
 * a layout file was given.  -EINVAL naming both sides when they differ.
 */
int bb_real_layout(struct bb_dev *dev, const char *arg, const char *name, uint16_t vendor, uint16_t device,
		   const struct bb_layout_msix *msix, bool *given, struct bb_diag *d);

extern const struct bb_backend_ops bb_backend_vfio;

/* Facts of an open vfio: device; for any other backend -1, NULL or false. */
int bb_vfio_numa_node(const struct bb_dev *dev);
const struct bb_vfio_sysfs *bb_vfio_sysfs_of(const struct bb_dev *dev);
/* How it was opened: "iommufd", "type1v2", "type1" or "noiommu" (the last three: the legacy container). */
const char *bb_vfio_iommu_mode(const struct bb_dev *dev);
/*
 * Why it was not opened through iommufd: "" when it was; else not in this
 * build, no /dev/iommu, no cdev for the device, or the error iommufd gave.
 */
const char *bb_vfio_iommufd_note(const struct bb_dev *dev);
/* This build has the iommufd path (built with Linux >= 6.6 UAPI headers). */
bool bb_vfio_iommufd_built(void);
/* The layout file given with ?layout=, or NULL (then nothing is safe to touch). */
const char *bb_vfio_layout_path(const struct bb_dev *dev);
/* Offset of the MSI-X capability in config space, 0 when the device has none. */
unsigned bb_vfio_msix_cap(const struct bb_dev *dev);

#endif
