/* SPDX-License-Identifier: MIT */
/*
 * The text of `lspci -vvv -xxxx` for one PCI device (pciutils' lspci.c:
 * show_bases, show_rom, show_hex_dump; ls-caps.c cap_msix; ls-caps-vendor.c
 * show_vendor_caps_virtio), read as hostile input: a dump from a bug report
 * or a customer.  The hex dump of config space is the authority; the decoded
 * lines are a cross-check, and the only source of BAR sizes ("Region N: ...
 * [size=512K]": sizes are not in config space).  Pure parsing: nothing here
 * touches a device.
 */
#ifndef BARBENCH_LSPCI_H
#define BARBENCH_LSPCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"
#include "pcicfg.h"

#define BB_LSPCI_MAX_BYTES (1u << 20)	/* a 4096-byte dump with every decoded line is ~20 KB */
#define BB_LSPCI_TEXT 160

/* A "Region N:" or "Expansion ROM at" line. */
struct bb_lspci_bar {
	unsigned line;		/* 0: no such line */
	bool io;
	bool prefetch;
	uint8_t mem_type;	/* 0 "32-bit", 1 "low-1M", 2 "64-bit", 3 "type 3" */
	bool virt;		/* [virtual]: the OS reports it, the BAR register reads 0 */
	bool disabled;
	bool has_addr;		/* not <unassigned>/<ignored> */
	uint64_t addr;
	bool has_size;
	uint64_t size;
	char text[BB_LSPCI_TEXT];	/* the line, trimmed, printable ASCII only */
};

/* A decoded "Capabilities: [at] ..." line. */
struct bb_lspci_cap {
	unsigned at;
	unsigned line;
	bool extended;		/* "[100 v1]": PCI Express extended space */
	unsigned version;	/* the N of "vN" */
	char name[48];		/* the rest of the line, cut, printable ASCII only */
};

/* A decoded SR-IOV capability (pciutils ls-ecaps.c cap_sriov): the first one. */
struct bb_lspci_sriov {
	unsigned line, at;	/* the Capabilities line; 0: none */
	unsigned counts_line, vf_line, pg_line;	/* "Initial VFs:", "VF offset:", "Supported Page Size:" */
	uint64_t initial, total, num, vf_offset, vf_stride, vf_device, sup_pgsize, sys_pgsize;
	struct bb_lspci_bar vf_bar[6];	/* its "Region N: Memory at ..." lines (no [size=]: lspci prints none) */
};

/* A decoded Resizable BAR capability (cap_rebar): "BAR N: current size: 16MB, supported: 16MB 32MB". */
struct bb_lspci_rebar {
	unsigned line, at;	/* the Capabilities line; 0: none */
	unsigned nr;
	struct {
		unsigned line, bar;
		int cur;		/* the size encoding (1 MiB 0, 2 MiB 1 ...), -1 for lspci's <unknown> */
		uint64_t sizes;		/* bit n: 2^(n + 20) bytes supported */
	} bar[6];
};

/* A decoded "VirtIO: <type>" capability and its "BAR=... offset=... size=..." line. */
struct bb_lspci_vcap {
	unsigned at, line, detail_line;
	unsigned bar;
	uint64_t offset, size;
	bool has_mult;
	uint32_t mult;
};

struct bb_lspci {
	char name[256];		/* labels messages: the file name */
	char slot[48];		/* "00:03.0" */
	unsigned slot_line;
	char title[BB_LSPCI_TEXT];	/* the rest of the device line: class and name */
	uint8_t cfg[BB_PCICFG_MAX];
	size_t cfg_len;
	unsigned row_line[BB_PCICFG_MAX / 16];
	unsigned first_row_line, last_row_line;
	struct bb_lspci_bar bar[6];
	struct bb_lspci_bar rom;
	unsigned nr_caps;
	struct bb_lspci_cap caps[BB_PCICFG_MAX_CAPS + BB_PCICFG_MAX_EXT];
	struct {
		unsigned line, table_line, pba_line;
		unsigned count, table_bar, pba_bar;
		uint32_t table_off, pba_off;
	} msix;			/* line 0: no decoded MSI-X capability */
	unsigned nr_vcaps;
	struct bb_lspci_vcap vcaps[BB_PCICFG_MAX_VIRTIO];
	struct bb_lspci_sriov sriov;
	struct bb_lspci_rebar rebar;
	struct bb_pcicfg pci;	/* the hex dump, parsed */
};

/*
 * Parse @len bytes of lspci text (need not be NUL-terminated) into *@out
 * (large: allocate it).  Refuses, with -EINVAL and "@name:LINE: ..." in @d:
 * text before the device line, a second device, a line that is neither
 * lspci's nor indented detail, no hex dump or one whose rows are missing or
 * malformed, a config space shorter than its capability list needs, decoded
 * lines that contradict the hex dump (a Region's type, MSI-X count and
 * placement, a virtio capability; an extended capability's offset, version
 * and SR-IOV or Resizable BAR name and fields), a BAR register with no
 * Region line, and
 * "Capabilities: <access denied>" (lspci without root).  A Region line
 * without "[size=...]" is kept (has_size false): the caller decides.
 */
int bb_lspci_parse(const char *text, size_t len, const char *name, struct bb_lspci *out, struct bb_diag *d);

/* The line of the decoded "Capabilities: [@at]" line (standard or extended), else of the hex row holding @at, else 0. */
unsigned bb_lspci_line_of(const struct bb_lspci *l, unsigned at);

#endif
