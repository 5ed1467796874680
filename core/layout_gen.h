/* SPDX-License-Identifier: MIT */
/*
 * A layout generated from what a device (or a dump of one) says about
 * itself: PCI IDs and class, every region with size, flags and capabilities,
 * MSI-X table and PBA, virtio PCI capabilities as named register blocks, and
 * no `safe` range.  Every statement carries a comment naming where it came
 * from.  Pure: the caller gathers the facts (core/lspci.c for a dump,
 * cli/cmd_layout_new.c through a backend for a device).
 */
#ifndef BARBENCH_LAYOUT_GEN_H
#define BARBENCH_LAYOUT_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"
#include "barbench/region.h"
#include "lspci.h"
#include "pcicfg.h"

#define BB_GEN_MAX_REGIONS 16
#define BB_GEN_MAX_NOTES 8
#define BB_GEN_TEXT 320
/* notify doorbells written (one register array), whether the queue count is known or not: the format's largest array */
#define BB_GEN_MAX_DOORBELLS 16384
#define BB_GEN_MAX_DOORBELLS_STR "16384"

struct bb_gen_region {
	struct bb_region info;		/* index, size, flags, capabilities; areas owned by the caller */
	bool io;			/* an I/O-port BAR (from config space or the dump) */
	char from[BB_GEN_TEXT];		/* where it came from, one line */
};

struct bb_gen {
	char source[300];		/* "lspci:FILE", "vfio:BDF", "vfio-user:SOCKET" */
	char name[64];			/* the layout's name; "" derives pci-VVVV-DDDD */
	char desc[200];			/* "" derives one */
	char what[BB_GEN_TEXT];		/* one line on what the source is, for the header */
	bool has_pci;			/* config space was available */
	struct bb_pcicfg pci;
	char cfg_from[BB_GEN_TEXT];	/* where config space came from */
	char ids_from[BB_GEN_TEXT];	/* a VF's IDs (pci.vf_ids) taken from elsewhere: from where; "" none */
	char slot[48];			/* the device's [domain:]bus:dev.fn when known (an lspci dump): names its VFs */
	uint64_t vf_bar_size[6];	/* a VF BAR's size where the source gives one, else 0 */
	/* the lspci dump config space came from, NULL: a device; its lines name where each config byte was read */
	const struct bb_lspci *dump;
	unsigned nr_regions;
	struct bb_gen_region regions[BB_GEN_MAX_REGIONS];
	unsigned nr_notes;		/* the source's assumptions, stated in the header */
	char notes[BB_GEN_MAX_NOTES][BB_GEN_TEXT];
	uint32_t queues;		/* virtqueues (--queues), 0: unknown */
};

/*
 * What vfio-pci (Linux >= 4.16, vfio_pci_ioctl_get_region_info) reports of
 * region @r of a device whose config space is @pci: MSIX_MAPPABLE on the
 * mmap-able BAR that holds the MSI-X table.  For sources that report no
 * VFIO capability themselves (an lspci dump, pci: through sysfs).
 */
bool bb_gen_msix_mappable(const struct bb_pcicfg *pci, const struct bb_region *r);

/*
 * The facts of an lspci dump as generator input: its regions with the flags
 * and MSIX_MAPPABLE vfio-pci (Linux >= 4.16, 4 KiB pages) would report, and
 * its config space.  -EINVAL naming the line: a Region without [size=], a
 * size that is not a power of two.  @g->where keeps a pointer to @ls.
 */
int bb_gen_from_lspci(const struct bb_lspci *ls, const char *source, struct bb_gen *g, struct bb_diag *d);

/*
 * Write the layout text of @g into a malloc'd *@text (*@len bytes, NUL
 * after them) and check that it parses.  PCI Express extended capabilities
 * become comments: SR-IOV (the VFs a VMM assigns instead of this function,
 * their device ID, BAR types and System Page Size), Resizable BAR (each
 * BAR's current size against the region's, its supported sizes) and one
 * line naming the others.  -EINVAL naming the config byte or
 * region when the facts do not fit together (an MSI-X table or a virtio
 * structure outside its BAR or in a BAR the source does not report; --queues
 * more than the notify structure holds).
 */
int bb_layout_generate(const struct bb_gen *g, char **text, size_t *len, struct bb_diag *d);

#endif
