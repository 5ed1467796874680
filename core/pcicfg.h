/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space as a VMM, vfio-pci or lspci sees it: the header's
 * IDs, class and BAR types, the standard capability list, the MSI-X
 * capability and the virtio PCI capabilities.  Hostile input: an image from a
 * device, a vfio-user server or a text dump someone pasted.  Nothing here
 * touches a device.
 *
 * Sources: PCI Local Bus Specification 3.0, 6.1 (header), 6.2.5 (BARs), 6.7
 * (capability list), 6.8.2 (MSI-X); the constants are <linux/pci_regs.h>'s.
 * Virtio: "Virtual I/O Device (VIRTIO) Version 1.2", 4.1.2 (PCI device
 * discovery: vendor 0x1AF4, device 0x1000-0x107F) and 4.1.4 (virtio structure
 * PCI capabilities: struct virtio_pci_cap, cfg_type 1 common, 2 notify with
 * notify_off_multiplier, 3 ISR, 4 device, 5 PCI config access, 8 shared
 * memory, 9 vendor data; the same numbers as Linux
 * include/uapi/linux/virtio_pci.h).
 */
#ifndef BARBENCH_PCICFG_H
#define BARBENCH_PCICFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"
#include "barbench/layout.h"

#define BB_PCICFG_MAX 4096	/* PCI Express extended configuration space */
#define BB_PCICFG_MAX_CAPS 48	/* (256 - 64) / 4: more than this in the standard list is a loop */
#define BB_PCICFG_MAX_VIRTIO 16

/* virtio 1.2, 4.1.4: cfg_type of struct virtio_pci_cap */
enum bb_virtio_cfg_type {
	BB_VIRTIO_PCI_CAP_COMMON_CFG = 1,
	BB_VIRTIO_PCI_CAP_NOTIFY_CFG = 2,
	BB_VIRTIO_PCI_CAP_ISR_CFG = 3,
	BB_VIRTIO_PCI_CAP_DEVICE_CFG = 4,
	BB_VIRTIO_PCI_CAP_PCI_CFG = 5,
	BB_VIRTIO_PCI_CAP_SHARED_MEMORY_CFG = 8,
	BB_VIRTIO_PCI_CAP_VENDOR_CFG = 9,
};

/* What a BAR register says about its BAR (its size is not in config space). */
struct bb_pcicfg_bar {
	bool io;		/* bit 0: I/O space */
	bool is64;		/* memory type 10b: this slot and the next hold one 64-bit BAR */
	bool upper;		/* the upper half of the 64-bit BAR in the slot before */
	bool prefetch;		/* bit 3 */
	uint8_t mem_type;	/* bits 2:1 of a memory BAR: 0 32-bit, 1 below 1 MiB, 2 64-bit, 3 reserved */
	uint64_t addr;		/* the address bits (both halves of a 64-bit BAR) */
};

struct bb_pcicfg_cap {
	uint8_t id;
	uint16_t at;		/* config offset of its header */
};

struct bb_virtio_cap {
	uint16_t at;		/* config offset of the capability */
	uint8_t cap_len;
	uint8_t cfg_type;	/* enum bb_virtio_cfg_type, or another value (ignored, as the spec says) */
	uint8_t bar;
	uint8_t id;
	uint64_t offset;	/* in the BAR; 64-bit for shared memory (struct virtio_pci_cap64) */
	uint64_t length;
	uint32_t multiplier;	/* notify_off_multiplier (cfg_type 2) */
};

struct bb_pcicfg {
	size_t len;		/* bytes of config space given */
	uint16_t vendor, device;
	uint8_t revision;
	uint32_t class_code;	/* base << 16 | sub << 8 | programming interface */
	uint8_t header_type;	/* bits 6:0; 0 an endpoint, 1 a bridge, 2 CardBus */
	bool has_subsys;	/* header type 0: subsystem IDs at 0x2c */
	uint16_t subsys_vendor, subsys_device;
	unsigned nr_bars;	/* BAR slots of the header type: 6, 2 or 0 */
	struct bb_pcicfg_bar bar[6];
	unsigned nr_caps;	/* the standard capability list, in list order */
	struct bb_pcicfg_cap caps[BB_PCICFG_MAX_CAPS];
	struct bb_layout_msix msix;	/* present false: no MSI-X capability */
	uint16_t msix_at;
	bool is_virtio;		/* vendor 0x1af4, device 0x1000-0x107f (virtio 1.2, 4.1.2) */
	unsigned nr_virtio;	/* vendor-specific capabilities of a virtio device, in list order */
	struct bb_virtio_cap virtio[BB_PCICFG_MAX_VIRTIO];
};

/*
 * Where config bytes came from, for messages: @name labels the input; when
 * @row_line is given (a text dump: BB_PCICFG_MAX / 16 entries), row_line[i]
 * is the line holding bytes [16 i, 16 i + 16), 0 when none does, and
 * @last_line the line of the dump's last row.
 */
struct bb_pcicfg_src {
	const char *name;
	const unsigned *row_line;
	unsigned last_line;
};

/*
 * Parse @len bytes of config space (at most BB_PCICFG_MAX).  0, or -EINVAL
 * with @d naming the config byte (and its dump line): a header shorter than
 * 64 bytes, no device (vendor 0xffff or 0), a capability list that leaves the
 * header area, loops, or needs bytes past @len ("the capability list needs
 * byte 0x98; config space holds 0x40 bytes"), an MSI-X BIR that is not a
 * memory BAR, a virtio capability shorter than its structure.
 */
int bb_pcicfg_parse(const uint8_t *cfg, size_t len, const struct bb_pcicfg_src *src, struct bb_pcicfg *out,
		    struct bb_diag *d);

/*
 * The fields of the MSI-X capability whose PCI_CAP_MSIX_SIZEOF bytes start
 * at @cap (PCI 3.0, 6.8.2): @out present, its vectors, table and PBA BIR and
 * offset; the BIRs are not checked.
 */
void bb_pcicfg_msix_fields(const uint8_t *cap, struct bb_layout_msix *out);

/* "name:LINE: config byte 0xAT" or "name: config byte 0xAT" into @buf. */
const char *bb_pcicfg_where(const struct bb_pcicfg_src *src, unsigned at, char *buf, size_t len);

/* The capability's name ("MSI-X", "Vendor Specific", "PCI Express"...) or NULL. */
const char *bb_pcicap_name(uint8_t id);

/* "common", "notify", "isr", "device", "pci-cfg", "shared-memory", "vendor" or NULL. */
const char *bb_virtio_cfg_name(uint8_t cfg_type);

#endif
