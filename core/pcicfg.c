// SPDX-License-Identifier: MIT
/* PCI configuration space images (pcicfg.h): header, BAR types, capability list, MSI-X, virtio. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/pci_regs.h>

#include "pcicfg.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);	/* config space is little-endian (PCI 3.0, 6.1) */
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *bb_pcicfg_where(const struct bb_pcicfg_src *src, unsigned at, char *buf, size_t len)
{
	const char *name = src && src->name ? src->name : "config";

	if (src && src->row_line && at < BB_PCICFG_MAX && src->row_line[at / 16])
		snprintf(buf, len, "%s:%u: config byte 0x%x", name, src->row_line[at / 16], at);
	else
		snprintf(buf, len, "%s: config byte 0x%x", name, at);
	return buf;
}

BB_PRINTF(4, 5)
static int cerr(const struct bb_pcicfg_src *src, struct bb_diag *d, unsigned at, const char *fmt, ...)
{
	char where[300], msg[BB_DIAG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bb_diag_set(d, -EINVAL, "%s: %s", bb_pcicfg_where(src, at, where, sizeof(where)), msg);
}

/* "; config space holds 0x40 bytes (the hex dump ends at line 12)" */
static const char *short_note(const struct bb_pcicfg_src *src, size_t len, char *buf, size_t n)
{
	if (src && src->row_line && src->last_line)
		snprintf(buf, n, "config space holds only 0x%zx bytes: the hex dump ends at line %u (lspci -xxx or"
			 " -xxxx as root dumps 256 or 4096)", len, src->last_line);
	else
		snprintf(buf, n, "config space holds only 0x%zx bytes", len);
	return buf;
}

const char *bb_pcicap_name(uint8_t id)
{
	switch (id) {
	case PCI_CAP_ID_PM: return "Power Management";
	case PCI_CAP_ID_AGP: return "AGP";
	case PCI_CAP_ID_VPD: return "Vital Product Data";
	case PCI_CAP_ID_SLOTID: return "Slot ID";
	case PCI_CAP_ID_MSI: return "MSI";
	case PCI_CAP_ID_PCIX: return "PCI-X";
	case PCI_CAP_ID_HT: return "HyperTransport";
	case PCI_CAP_ID_VNDR: return "Vendor Specific";
	case PCI_CAP_ID_DBG: return "Debug port";
	case PCI_CAP_ID_SSVID: return "Subsystem ID";
	case PCI_CAP_ID_SECDEV: return "Secure device";
	case PCI_CAP_ID_EXP: return "PCI Express";
	case PCI_CAP_ID_MSIX: return "MSI-X";
	case PCI_CAP_ID_SATA: return "SATA";
	case PCI_CAP_ID_AF: return "PCI Advanced Features";
	case PCI_CAP_ID_EA: return "Enhanced Allocation";
	default: return NULL;
	}
}

const char *bb_virtio_cfg_name(uint8_t cfg_type)
{
	switch (cfg_type) {
	case BB_VIRTIO_PCI_CAP_COMMON_CFG: return "common";
	case BB_VIRTIO_PCI_CAP_NOTIFY_CFG: return "notify";
	case BB_VIRTIO_PCI_CAP_ISR_CFG: return "isr";
	case BB_VIRTIO_PCI_CAP_DEVICE_CFG: return "device";
	case BB_VIRTIO_PCI_CAP_PCI_CFG: return "pci-cfg";
	case BB_VIRTIO_PCI_CAP_SHARED_MEMORY_CFG: return "shared-memory";
	case BB_VIRTIO_PCI_CAP_VENDOR_CFG: return "vendor";
	default: return NULL;
	}
}

/*
 * Linux include/uapi/linux/pci_regs.h, PCI_EXT_CAP_ID_* (v6.15: up to
 * PL_64GT 0x31): the macro's suffix and its comment.  The installed header
 * may be older, so the numbers are written here.
 */
static const struct {
	uint16_t id;
	const char *macro, *name;
} ecap_names[] = {
	{ 0x01, "ERR", "Advanced Error Reporting" },
	{ 0x02, "VC", "Virtual Channel Capability" },
	{ 0x03, "DSN", "Device Serial Number" },
	{ 0x04, "PWR", "Power Budgeting" },
	{ 0x05, "RCLD", "Root Complex Link Declaration" },
	{ 0x06, "RCILC", "Root Complex Internal Link Control" },
	{ 0x07, "RCEC", "Root Complex Event Collector" },
	{ 0x08, "MFVC", "Multi-Function VC Capability" },
	{ 0x09, "VC9", "Virtual Channel Capability" },
	{ 0x0a, "RCRB", "Root Complex Register Block" },
	{ 0x0b, "VNDR", "Vendor-Specific" },
	{ 0x0c, "CAC", "Config Access (obsolete)" },
	{ 0x0d, "ACS", "Access Control Services" },
	{ 0x0e, "ARI", "Alternate Routing ID" },
	{ 0x0f, "ATS", "Address Translation Services" },
	{ 0x10, "SRIOV", "Single Root I/O Virtualization" },
	{ 0x11, "MRIOV", "Multi Root I/O Virtualization" },
	{ 0x12, "MCAST", "Multicast" },
	{ 0x13, "PRI", "Page Request Interface" },
	{ 0x14, "AMD_XXX", "Reserved for AMD" },
	{ 0x15, "REBAR", "Resizable BAR" },
	{ 0x16, "DPA", "Dynamic Power Allocation" },
	{ 0x17, "TPH", "TPH Requester" },
	{ 0x18, "LTR", "Latency Tolerance Reporting" },
	{ 0x19, "SECPCI", "Secondary PCIe Capability" },
	{ 0x1a, "PMUX", "Protocol Multiplexing" },
	{ 0x1b, "PASID", "Process Address Space ID" },
	{ 0x1d, "DPC", "Downstream Port Containment" },
	{ 0x1e, "L1SS", "L1 PM Substates" },
	{ 0x1f, "PTM", "Precision Time Measurement" },
	{ 0x23, "DVSEC", "Designated Vendor-Specific" },
	{ 0x24, "VF_REBAR", "VF Resizable BAR" },
	{ 0x25, "DLF", "Data Link Feature" },
	{ 0x26, "PL_16GT", "Physical Layer 16.0 GT/s" },
	{ 0x29, "NPEM", "Native PCIe Enclosure Management" },
	{ 0x2a, "PL_32GT", "Physical Layer 32.0 GT/s" },
	{ 0x2e, "DOE", "Data Object Exchange" },
	{ 0x2f, "DEV3", "Device 3 Capability/Control/Status" },
	{ 0x30, "IDE", "Integrity and Data Encryption" },
	{ 0x31, "PL_64GT", "Physical Layer 64.0 GT/s" },
};

const char *bb_pciecap_name(uint16_t id, const char **macro)
{
	for (size_t i = 0; i < sizeof(ecap_names) / sizeof(ecap_names[0]); i++)
		if (ecap_names[i].id == id) {
			if (macro)
				*macro = ecap_names[i].macro;
			return ecap_names[i].name;
		}
	if (macro)
		*macro = NULL;
	return NULL;
}

/* PCI 3.0, 6.2.5.1: the BAR registers of the header type. */
static int bars(const uint8_t *cfg, const struct bb_pcicfg_src *src, struct bb_pcicfg *o, struct bb_diag *d)
{
	for (unsigned i = 0; i < o->nr_bars; i++) {
		unsigned at = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t v = rd32(cfg + at);
		struct bb_pcicfg_bar *b = &o->bar[i];

		if (b->upper) {
			o->bar[i - 1].addr |= (uint64_t)v << 32;
			continue;
		}
		if (v & PCI_BASE_ADDRESS_SPACE_IO) {
			b->io = true;
			b->addr = v & PCI_BASE_ADDRESS_IO_MASK;
			continue;
		}
		b->mem_type = (uint8_t)((v & PCI_BASE_ADDRESS_MEM_TYPE_MASK) >> 1);
		b->prefetch = v & PCI_BASE_ADDRESS_MEM_PREFETCH;
		b->addr = v & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;
		if ((v & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
			if (i + 1 >= o->nr_bars)
				return cerr(src, d, at, "BAR%u (0x%08" PRIx32 ") says 64-bit, but it is the last BAR slot"
					    " of header type %u", i, v, o->header_type);
			b->is64 = true;
			o->bar[i + 1].upper = true;
		}
	}
	return 0;
}

void bb_pcicfg_msix_fields(const uint8_t *cap, struct bb_layout_msix *out)
{
	uint32_t table = rd32(cap + PCI_MSIX_TABLE), pba = rd32(cap + PCI_MSIX_PBA);

	memset(out, 0, sizeof(*out));
	out->present = true;
	out->vectors = (uint32_t)(rd16(cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
	out->table_region = table & PCI_MSIX_TABLE_BIR;
	out->table_offset = table & PCI_MSIX_TABLE_OFFSET;
	out->pba_region = pba & PCI_MSIX_PBA_BIR;
	out->pba_offset = pba & PCI_MSIX_PBA_OFFSET;
}

/* PCI 3.0, 6.8.2: the MSI-X capability at @ptr. */
static int msix(const uint8_t *cfg, size_t len, unsigned ptr, const struct bb_pcicfg_src *src,
		struct bb_pcicfg *o, struct bb_diag *d)
{
	uint32_t table, pba;
	char note[200];

	if (ptr + PCI_CAP_MSIX_SIZEOF > len)
		return cerr(src, d, ptr, "the MSI-X capability needs bytes up to 0x%x; %s", ptr + PCI_CAP_MSIX_SIZEOF - 1,
			    short_note(src, len, note, sizeof(note)));
	if (o->msix.present)
		return 0;	/* a second one: the first counts, as for Linux (pci_find_capability) */
	table = rd32(cfg + ptr + PCI_MSIX_TABLE);
	pba = rd32(cfg + ptr + PCI_MSIX_PBA);
	for (unsigned k = 0; k < 2; k++) {
		uint32_t bir = (k ? pba : table) & PCI_MSIX_TABLE_BIR;
		unsigned at = ptr + (k ? PCI_MSIX_PBA : PCI_MSIX_TABLE);
		const char *what = k ? "PBA" : "table";

		if (bir >= o->nr_bars)
			return cerr(src, d, at, "MSI-X %s BIR %" PRIu32 " is not a BAR of header type %u (BARs 0-%d)", what,
				    bir, o->header_type, (int)o->nr_bars - 1);
		if (o->bar[bir].io || o->bar[bir].upper)
			return cerr(src, d, at, "MSI-X %s BIR %" PRIu32 " names %s", what, bir,
				    o->bar[bir].io ? "an I/O BAR: the table lives in memory space (PCI 3.0, 6.8.2.4)" :
				    "the upper half of a 64-bit BAR");
	}
	bb_pcicfg_msix_fields(cfg + ptr, &o->msix);
	o->msix_at = (uint16_t)ptr;
	return 0;
}

/* virtio 1.2, 4.1.4: a vendor-specific capability of a virtio device. */
static int virtio(const uint8_t *cfg, size_t len, unsigned ptr, const struct bb_pcicfg_src *src,
		  struct bb_pcicfg *o, struct bb_diag *d)
{
	struct bb_virtio_cap *v;
	unsigned need;
	uint8_t cap_len, type;
	char note[200];

	if (ptr + 4 > len)
		return cerr(src, d, ptr, "the virtio capability needs bytes up to 0x%x; %s", ptr + 3,
			    short_note(src, len, note, sizeof(note)));
	cap_len = cfg[ptr + 2];
	type = cfg[ptr + 3];
	switch (type) {
	case BB_VIRTIO_PCI_CAP_NOTIFY_CFG: need = 20; break;		/* struct virtio_pci_notify_cap */
	case BB_VIRTIO_PCI_CAP_PCI_CFG: need = 20; break;		/* struct virtio_pci_cfg_cap */
	case BB_VIRTIO_PCI_CAP_SHARED_MEMORY_CFG: need = 24; break;	/* struct virtio_pci_cap64 */
	case BB_VIRTIO_PCI_CAP_COMMON_CFG:
	case BB_VIRTIO_PCI_CAP_ISR_CFG:
	case BB_VIRTIO_PCI_CAP_DEVICE_CFG: need = 16; break;		/* struct virtio_pci_cap */
	default: need = 4; break;	/* vendor data or reserved: the driver ignores it (4.1.4) */
	}
	if (cap_len < need)
		return cerr(src, d, ptr + 2, "virtio %s capability: cap_len %u is shorter than its %u-byte structure"
			    " (virtio 1.2, 4.1.4)", bb_virtio_cfg_name(type) ? bb_virtio_cfg_name(type) : "reserved",
			    cap_len, need);
	if (ptr + cap_len > len)
		return cerr(src, d, ptr + 2, "the virtio capability's cap_len %u needs bytes up to 0x%x; %s", cap_len,
			    ptr + cap_len - 1, short_note(src, len, note, sizeof(note)));
	if (ptr + cap_len > 256)
		return cerr(src, d, ptr + 2, "the virtio capability's cap_len %u runs past the 256 bytes of the"
			    " standard capability area", cap_len);
	if (o->nr_virtio == BB_PCICFG_MAX_VIRTIO)
		return cerr(src, d, ptr, "more than %d virtio capabilities", BB_PCICFG_MAX_VIRTIO);
	v = &o->virtio[o->nr_virtio++];
	memset(v, 0, sizeof(*v));
	v->at = (uint16_t)ptr;
	v->cap_len = cap_len;
	v->cfg_type = type;
	if (need < 16 && cap_len < 16)
		return 0;
	v->bar = cfg[ptr + 4];
	v->id = cfg[ptr + 5];
	v->offset = rd32(cfg + ptr + 8);
	v->length = rd32(cfg + ptr + 12);
	if (type == BB_VIRTIO_PCI_CAP_NOTIFY_CFG)
		v->multiplier = rd32(cfg + ptr + 16);
	if (type == BB_VIRTIO_PCI_CAP_SHARED_MEMORY_CFG) {
		v->offset |= (uint64_t)rd32(cfg + ptr + 16) << 32;
		v->length |= (uint64_t)rd32(cfg + ptr + 20) << 32;
	}
	return 0;
}

/* PCI 3.0, 6.7: the standard capability list. */
static int caps(const uint8_t *cfg, size_t len, const struct bb_pcicfg_src *src, struct bb_pcicfg *o,
		struct bb_diag *d)
{
	bool seen[256 / 4] = { false };
	unsigned from = o->header_type == PCI_HEADER_TYPE_CARDBUS ? PCI_CB_CAPABILITY_LIST : PCI_CAPABILITY_LIST;
	unsigned ptr = cfg[from] & ~3u;
	char note[200];
	int err;

	while (ptr) {
		uint8_t id;

		if (ptr < PCI_STD_HEADER_SIZEOF)
			return cerr(src, d, from, "capability pointer 0x%x points into the 64-byte header", ptr);
		if (ptr + 2 > len)
			return cerr(src, d, from, "capability pointer 0x%x: the capability list needs byte 0x%x; %s", ptr,
				    ptr + 1, short_note(src, len, note, sizeof(note)));
		if (seen[ptr / 4] || o->nr_caps == BB_PCICFG_MAX_CAPS)
			return cerr(src, d, from, "capability pointer 0x%x was visited before: the list loops", ptr);
		seen[ptr / 4] = true;
		id = cfg[ptr + PCI_CAP_LIST_ID];
		o->caps[o->nr_caps].id = id;
		o->caps[o->nr_caps].at = (uint16_t)ptr;
		o->nr_caps++;
		if (id == PCI_CAP_ID_MSIX && (err = msix(cfg, len, ptr, src, o, d)))
			return err;
		if (id == PCI_CAP_ID_VNDR && o->is_virtio && (err = virtio(cfg, len, ptr, src, o, d)))
			return err;
		from = ptr + PCI_CAP_LIST_NEXT;
		ptr = cfg[from] & ~3u;
	}
	return 0;
}

/* Extended capability IDs and register offsets (PCIe 4.0, 7.6.3, 9.3.3, 7.8.6; Linux pci_regs.h). */
#define ECAP_SRIOV 0x0010
#define ECAP_REBAR 0x0015
#define SRIOV_CTRL 0x08
#define SRIOV_INITIAL_VF 0x0c
#define SRIOV_TOTAL_VF 0x0e
#define SRIOV_NUM_VF 0x10
#define SRIOV_VF_OFFSET 0x14
#define SRIOV_VF_STRIDE 0x16
#define SRIOV_VF_DID 0x1a
#define SRIOV_SUP_PGSIZE 0x1c
#define SRIOV_SYS_PGSIZE 0x20
#define SRIOV_BAR 0x24
#define REBAR_CAP 4			/* + 8 i: bits 31:4 sizes 1 MiB (bit 4) to 128 TiB (bit 31) */
#define REBAR_CTRL 8			/* + 8 i */
#define REBAR_CTRL_BAR_IDX 0x7u		/* bits 2:0 */
#define REBAR_CTRL_NBAR(v) (((v) >> 5) & 0x7u)	/* bits 7:5, in the first control register */
#define REBAR_CTRL_SIZE(v) (((v) >> 8) & 0x3fu)	/* bits 13:8 (PCI_REBAR_CTRL_BAR_SIZE 0x3f00) */
#define REBAR_CTRL_SIZES(v) ((v) >> 16)		/* bits 31:16: 256 TiB to 8 EiB (PCIe 6.0, 7.8.6.3) */

/* The body of the extended capability at @ptr needs @need bytes from it. */
static int ecap_body(size_t len, unsigned ptr, unsigned need, const char *what, const struct bb_pcicfg_src *src,
		     struct bb_diag *d)
{
	char note[200];

	if (ptr + need > len)
		return cerr(src, d, ptr, "the %s capability needs bytes up to 0x%x; %s", what, ptr + need - 1,
			    short_note(src, len, note, sizeof(note)));
	return 0;
}

/* PCIe 4.0, 9.3.3: the SR-IOV Extended Capability at @ptr. */
static int sriov(const uint8_t *cfg, size_t len, unsigned ptr, const struct bb_pcicfg_src *src, struct bb_pcicfg *o,
		 struct bb_diag *d)
{
	struct bb_pcicfg_sriov *s = &o->sriov;
	int err;

	if ((err = ecap_body(len, ptr, BB_PCICFG_SRIOV_LEN, "SR-IOV", src, d)))
		return err;
	if (s->present)
		return 0;	/* a second one: the first counts (pci_find_ext_capability) */
	s->present = true;
	s->at = (uint16_t)ptr;
	s->ctrl = rd16(cfg + ptr + SRIOV_CTRL);
	s->initial_vfs = rd16(cfg + ptr + SRIOV_INITIAL_VF);
	s->total_vfs = rd16(cfg + ptr + SRIOV_TOTAL_VF);
	s->num_vfs = rd16(cfg + ptr + SRIOV_NUM_VF);
	s->vf_offset = rd16(cfg + ptr + SRIOV_VF_OFFSET);
	s->vf_stride = rd16(cfg + ptr + SRIOV_VF_STRIDE);
	s->vf_device = rd16(cfg + ptr + SRIOV_VF_DID);
	s->sup_pgsize = rd32(cfg + ptr + SRIOV_SUP_PGSIZE);
	s->sys_pgsize = rd32(cfg + ptr + SRIOV_SYS_PGSIZE);
	/* 9.3.3.14: VF BARs are typed as normal BARs, memory only (bit 0 reads 0) */
	for (unsigned i = 0; i < 6; i++) {
		unsigned at = ptr + SRIOV_BAR + 4 * i;
		uint32_t v = rd32(cfg + at);
		struct bb_pcicfg_bar *b = &s->vf_bar[i];

		if (i > 0 && b->upper) {	/* marked by the 64-bit BAR before it */
			s->vf_bar[i - 1].addr |= (uint64_t)v << 32;
			continue;
		}
		if (!v || v == 0xffffffff)
			continue;	/* not implemented (lspci shows none either) */
		if (v & PCI_BASE_ADDRESS_SPACE_IO)
			return cerr(src, d, at, "VF BAR%u (0x%08" PRIx32 ") has the I/O bit set: VF BARs are memory only"
				    " (PCIe 4.0, 9.3.3.14)", i, v);
		s->nr_bars++;
		b->mem_type = (uint8_t)((v & PCI_BASE_ADDRESS_MEM_TYPE_MASK) >> 1);
		b->prefetch = v & PCI_BASE_ADDRESS_MEM_PREFETCH;
		b->addr = v & (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;
		if ((v & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
			if (i == 5)
				return cerr(src, d, at, "VF BAR5 (0x%08" PRIx32 ") says 64-bit, but it is the last VF BAR", v);
			b->is64 = true;
			s->vf_bar[i + 1].upper = true;
		}
	}
	return 0;
}

/* PCIe 4.0, 7.8.6: the Resizable BAR Extended Capability at @ptr. */
static int rebar(const uint8_t *cfg, size_t len, unsigned ptr, const struct bb_pcicfg_src *src, struct bb_pcicfg *o,
		 struct bb_diag *d)
{
	struct bb_pcicfg_rebar *r = &o->rebar;
	uint32_t ctrl;
	unsigned nr;
	int err;

	if ((err = ecap_body(len, ptr, 12, "Resizable BAR", src, d)))
		return err;
	ctrl = rd32(cfg + ptr + REBAR_CTRL);
	nr = REBAR_CTRL_NBAR(ctrl);
	if (nr < 1 || nr > 6)
		return cerr(src, d, ptr + REBAR_CTRL, "Resizable BAR: control 0x%08" PRIx32 " says %u resizable BARs, not"
			    " 1 to 6 (PCIe 4.0, 7.8.6.3)", ctrl, nr);
	if ((err = ecap_body(len, ptr, 4 + 8 * nr, "Resizable BAR", src, d)))
		return err;
	if (r->present)
		return 0;	/* a second one: the first counts (pci_rebar_find_pos) */
	r->present = true;
	r->at = (uint16_t)ptr;
	r->nr = nr;
	for (unsigned i = 0; i < nr; i++) {
		struct bb_pcicfg_rebar_bar *b = &r->bar[i];
		unsigned at = ptr + REBAR_CAP + 8 * i;
		uint32_t cap = rd32(cfg + at);

		ctrl = rd32(cfg + at + 4);
		b->at = (uint16_t)at;
		b->bar = (uint8_t)(ctrl & REBAR_CTRL_BAR_IDX);
		b->cur = (uint8_t)REBAR_CTRL_SIZE(ctrl);
		b->sizes = (uint64_t)(cap >> 4) | (uint64_t)REBAR_CTRL_SIZES(ctrl) << 28;
		if (b->bar > 5)
			return cerr(src, d, at + 4, "Resizable BAR: control 0x%08" PRIx32 " names BAR index %u, a reserved"
				    " value (BARs 0-5; PCIe 4.0, 7.8.6.3)", ctrl, b->bar);
		for (unsigned k = 0; k < i; k++)
			if (r->bar[k].bar == b->bar)
				return cerr(src, d, at + 4, "Resizable BAR: BAR%u is named twice (first at config byte 0x%x)",
					    b->bar, r->bar[k].at + 4u);
	}
	return 0;
}

/* PCIe 4.0, 7.6.3: the extended capability list from 0x100, when @len holds its first header. */
static int ecaps(const uint8_t *cfg, size_t len, const struct bb_pcicfg_src *src, struct bb_pcicfg *o,
		 struct bb_diag *d)
{
	bool seen[BB_PCICFG_MAX / 4] = { false };
	unsigned ptr = BB_PCICFG_EXT, from = BB_PCICFG_EXT;
	char note[200];
	uint32_t h;
	int err;

	if (len < BB_PCICFG_EXT + 4)
		return 0;	/* a conventional PCI image, or lspci -xxx: no extended space given */
	h = rd32(cfg + BB_PCICFG_EXT);
	if (!h || h == 0xffffffff)
		return 0;	/* no extended capability (Linux pci_find_next_ext_capability: 0; ~0 no extended space) */
	for (;;) {
		struct bb_pcicfg_ecap *e;

		if (ptr + 4 > len)
			return cerr(src, d, from, "extended capability next offset 0x%x: the list needs bytes up to 0x%x; %s",
				    ptr, ptr + 3, short_note(src, len, note, sizeof(note)));
		if (seen[ptr / 4] || o->nr_ecaps == BB_PCICFG_MAX_EXT)
			return cerr(src, d, from, "extended capability next offset 0x%x was visited before: the list loops",
				    ptr);
		seen[ptr / 4] = true;
		h = rd32(cfg + ptr);
		e = &o->ecaps[o->nr_ecaps++];
		e->id = (uint16_t)(h & 0xffff);
		e->version = (uint8_t)((h >> 16) & 0xf);
		e->at = (uint16_t)ptr;
		if (e->id == ECAP_SRIOV && (err = sriov(cfg, len, ptr, src, o, d)))
			return err;
		if (e->id == ECAP_REBAR && (err = rebar(cfg, len, ptr, src, o, d)))
			return err;
		from = ptr + 2;	/* the next offset is bits 31:20: bytes 2-3 */
		ptr = (h >> 20) & ~3u;
		if (!ptr)
			return 0;
		if (ptr < BB_PCICFG_EXT)
			return cerr(src, d, from, "extended capability next offset 0x%x points below 0x100, into the standard"
				    " space: invalid (PCIe 4.0, 7.6.3)", ptr);
	}
}

int bb_pcicfg_parse(const uint8_t *cfg, size_t len, const struct bb_pcicfg_src *src, struct bb_pcicfg *out,
		    struct bb_diag *d)
{
	const char *name = src && src->name ? src->name : "config";

	memset(out, 0, sizeof(*out));
	if (len < PCI_STD_HEADER_SIZEOF)
		return bb_diag_set(d, -EINVAL, "%s: %zu bytes of config space, shorter than the 64-byte header", name,
				   len);
	if (len > BB_PCICFG_MAX)
		return bb_diag_set(d, -EINVAL, "%s: %zu bytes of config space, more than the %d of PCI Express", name,
				   len, BB_PCICFG_MAX);
	out->len = len;
	out->vendor = rd16(cfg + PCI_VENDOR_ID);
	out->device = rd16(cfg + PCI_DEVICE_ID);
	/* PCIe 4.0, 9.3.4.1.1-2: a VF's Vendor ID and Device ID read 0xffff; the rest of its header answers */
	out->vf_ids = out->vendor == 0xffff && out->device == 0xffff && rd32(cfg + PCI_CLASS_REVISION) != 0xffffffff;
	if ((out->vendor == 0xffff && !out->vf_ids) || out->vendor == 0)
		return cerr(src, d, PCI_VENDOR_ID, "vendor ID 0x%04x: no device answered", out->vendor);
	/* IDs that answer over a header that reads all ones: IDs a VMM or vfio-pci emulates (a VF's) in front of a
	 * function that does not answer (powered down, in reset, gone) */
	if (rd32(cfg + PCI_CLASS_REVISION) == 0xffffffff && rd32(cfg + PCI_BASE_ADDRESS_0) == 0xffffffff)
		return cerr(src, d, PCI_CLASS_REVISION, "the header past the IDs reads all ones: the function does not answer"
			    " (powered down, in reset or gone; IDs that answer are then emulated, as vfio-pci does a VF's)");
	out->revision = cfg[PCI_REVISION_ID];
	out->class_code = (uint32_t)cfg[PCI_CLASS_PROG] | (uint32_t)cfg[PCI_CLASS_DEVICE] << 8 |
			  (uint32_t)cfg[PCI_CLASS_DEVICE + 1] << 16;
	out->header_type = cfg[PCI_HEADER_TYPE] & 0x7f;
	switch (out->header_type) {
	case PCI_HEADER_TYPE_NORMAL:
		out->nr_bars = 6;
		out->subsys_vendor = rd16(cfg + PCI_SUBSYSTEM_VENDOR_ID);
		out->subsys_device = rd16(cfg + PCI_SUBSYSTEM_ID);
		out->has_subsys = out->subsys_vendor && out->subsys_vendor != 0xffff;
		break;
	case PCI_HEADER_TYPE_BRIDGE: out->nr_bars = 2; break;
	case PCI_HEADER_TYPE_CARDBUS: out->nr_bars = 0; break;
	default:
		return cerr(src, d, PCI_HEADER_TYPE, "header type 0x%02x is none of 0 (endpoint), 1 (bridge), 2 (CardBus)",
			    out->header_type);
	}
	/* virtio 1.2, 4.1.2: "Any PCI device with PCI Vendor ID 0x1AF4, and PCI Device ID 0x1000 through 0x107F" */
	out->is_virtio = out->vendor == 0x1af4 && out->device >= 0x1000 && out->device <= 0x107f;
	{
		int err = bars(cfg, src, out, d);

		if (err)
			return err;
	}
	if (rd16(cfg + PCI_STATUS) & PCI_STATUS_CAP_LIST) {
		int err = caps(cfg, len, src, out, d);

		if (err)
			return err;
	}
	return ecaps(cfg, len, src, out, d);
}
