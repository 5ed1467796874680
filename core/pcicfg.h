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
 *
 * PCI Express extended capabilities (PCI Express Base Specification 4.0,
 * 7.6.3): a list of dword headers from 0x100 (ID bits 15:0, version 19:16,
 * next offset 31:20; next 0 ends it, a next below 0x100 is invalid).  Two
 * change what a VMM maps: SR-IOV (ID 0x0010, 9.3.3: the VFs a VMM assigns,
 * their device ID, BAR types and the System Page Size their BARs align to)
 * and Resizable BAR (ID 0x0015, 7.8.6: a BAR's current and supported
 * sizes).  Offsets and IDs as Linux include/uapi/linux/pci_regs.h
 * (PCI_EXT_CAP_*, PCI_SRIOV_*, PCI_REBAR_*).
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
#define BB_PCICFG_EXT 0x100	/* the extended list starts here (PCI_CFG_SPACE_SIZE) */
#define BB_PCICFG_MAX_EXT ((BB_PCICFG_MAX - BB_PCICFG_EXT) / 4)	/* 960: more in the extended list is a loop */
#define BB_PCICFG_SRIOV_LEN 0x40	/* PCI_EXT_CAP_SRIOV_SIZEOF */
#define BB_PCICFG_REBAR_MAX_SIZE 43	/* a ReBAR size encoding n is 2^(n + 20) bytes; 43 is 8 EiB (PCIe 6.0, 7.8.6.3) */

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

/* An extended capability header (PCIe 4.0, 7.6.3). */
struct bb_pcicfg_ecap {
	uint16_t id;
	uint8_t version;
	uint16_t at;		/* config offset of its header, 0x100 or more */
};

/* SR-IOV Extended Capability (PCIe 4.0, 9.3.3): the first one, as for Linux (pci_iov_init). */
struct bb_pcicfg_sriov {
	bool present;
	uint16_t at;
	uint16_t ctrl;					/* +0x08: bit 0 VF Enable, bit 3 VF MSE */
	uint16_t initial_vfs, total_vfs, num_vfs;	/* +0x0c, +0x0e, +0x10 */
	uint16_t vf_offset, vf_stride, vf_device;	/* +0x14, +0x16, +0x1a */
	uint32_t sup_pgsize, sys_pgsize;		/* +0x1c, +0x20: bit n set = a page of 2^(n + 12) bytes */
	unsigned nr_bars;				/* VF BAR registers that are not 0 (nor all ones) */
	struct bb_pcicfg_bar vf_bar[6];			/* +0x24 + 4 i, typed as a normal BAR; sizes are not in config space */
};

/* One BAR of the Resizable BAR Extended Capability (PCIe 4.0, 7.8.6.2-3). */
struct bb_pcicfg_rebar_bar {
	uint16_t at;		/* config offset of its capability register; control at at + 4 */
	uint8_t bar;		/* control bits 2:0: the BAR it resizes */
	uint8_t cur;		/* control bits 13:8: current size 2^(cur + 20) bytes */
	uint64_t sizes;		/* bit n: 2^(n + 20) bytes supported (cap bits 31:4 as n 0-27, control 31:16 as 28-43) */
};

struct bb_pcicfg_rebar {
	bool present;
	uint16_t at;
	unsigned nr;		/* first control register bits 7:5, 1 to 6 */
	struct bb_pcicfg_rebar_bar bar[6];
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
	bool vf_ids;		/* 0x00-0x03 read 0xffff, the rest answers: an SR-IOV VF (PCIe 4.0, 9.3.4.1.1-2) */
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
	unsigned nr_ecaps;	/* the extended list, in list order; none when len < 0x104 */
	struct bb_pcicfg_ecap ecaps[BB_PCICFG_MAX_EXT];
	struct bb_pcicfg_sriov sriov;
	struct bb_pcicfg_rebar rebar;
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
 * 64 bytes, no device (vendor 0 or 0xffff, but for a VF's 0xffff IDs: vf_ids), a capability list that leaves the
 * header area, loops, or needs bytes past @len ("the capability list needs
 * byte 0x98; config space holds 0x40 bytes"), an MSI-X BIR that is not a
 * memory BAR, a virtio capability shorter than its structure.  The
 * extended list (when @len holds 0x104 bytes and 0x100 reads neither 0 nor
 * all ones) likewise: a next offset below 0x100, a loop, a header or an
 * SR-IOV or Resizable BAR body past @len, a VF BAR that is I/O or a 64-bit
 * one in the last slot, a Resizable BAR count out of 1-6, a BAR index above
 * 5 or named twice.
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

/*
 * The extended capability's name as the comment of its Linux
 * PCI_EXT_CAP_ID_* ("Advanced Error Reporting"), *@macro (when given) the
 * macro's suffix ("ERR"); NULL and NULL for an ID Linux does not name.
 */
const char *bb_pciecap_name(uint16_t id, const char **macro);

/* "common", "notify", "isr", "device", "pci-cfg", "shared-memory", "vendor" or NULL. */
const char *bb_virtio_cfg_name(uint8_t cfg_type);

#endif
