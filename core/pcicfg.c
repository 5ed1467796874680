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
	if (out->vendor == 0xffff || out->vendor == 0)
		return cerr(src, d, PCI_VENDOR_ID, "vendor ID 0x%04x: no device answered", out->vendor);
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
	if (!(rd16(cfg + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	return caps(cfg, len, src, out, d);
}
