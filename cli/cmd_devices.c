// SPDX-License-Identifier: MIT
/*
 * barbench devices: the PCI devices bound to vfio-pci, with their regions and
 * capabilities as the kernel reports them; and the lines `barbench info`
 * shares with it (a device's head, where its layout disagrees with it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <linux/vfio.h>

#include "barbench/backend.h"
#include "json.h"
#include "vfio.h"
#include "pci.h"
#include "cli.h"
#include "options.h"
#include "progress.h"

#define MAX_DEVICES 256

static const struct bb_opt devices_opts[] = {
	{ "json", BB_OPT_KEY(0), NULL, NULL,
	  "one JSON document {schema, note, devices: [{bdf, error, vendor, device,\n"
	  "class, driver, iommu_group, numa_node, iommu, vfio_api, iommufd_built,\n"
	  "iommufd_note, msix, regions}]}; a device not opened has its error and\n"
	  "nulls (docs/schemas/devices.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help devices_help = {
	.cmd = "devices",
	.synopsis = "[options]",
	.text = "List the PCI devices bound to vfio-pci (or a VFIO variant driver): PCI id,\n"
		"IOMMU group, NUMA node, how VFIO was opened, MSI-X placement from config\n"
		"space, and each region with its flags and capabilities as\n"
		"VFIO_DEVICE_GET_REGION_INFO reports them.\n"
		"\n"
		"Each device is opened through VFIO, as a VMM would open it (vfio-pci resets a\n"
		"function when it is opened); nothing is mapped, read or written in its BARs.\n"
		"A device whose IOMMU group another process holds is listed with the reason.\n"
		"With none bound it prints how to bind one (with `modprobe vfio-pci` only where\n"
		"this kernel has it as a module) or, on a kernel without vfio-pci (none\n"
		"registered, built in or among /lib/modules/RELEASE), says so; --json puts\n"
		"that in \"note\".\n"
		"\n"
		"How each device was opened: iommufd (/dev/iommu and the device's cdev) where\n"
		"the kernel has it and barbench was built with Linux >= 6.6 headers, else the\n"
		"legacy container with the type1 IOMMU; the line \"vfio:\" says which and why.\n",
	.opts = devices_opts,
	.quiet = "results and errors only: no instructions for binding a device\n"
		 "when none is bound",
	.exit = "0 (also when no device is bound to VFIO, or a device is held\n"
		"by another process), 1 when a device could not be opened for another reason.",
};

/* "msix-mappable", "sparse(2 areas)", "type(1/3)", "unknown(7)", or "none". */
static void caps_text(const struct bb_region *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
#define ADD(...) do { if (used < len) { int w_ = snprintf(buf + used, len - used, __VA_ARGS__); \
			if (w_ > 0) used += (size_t)w_; } } while (0)
	if (r->has_sparse)
		ADD("%ssparse(%" PRIu32 " area%s)", used ? "," : "", r->nr_areas, r->nr_areas == 1 ? "" : "s");
	if (r->msix_mappable)
		ADD("%smsix-mappable", used ? "," : "");
	if (r->has_type)
		ADD("%stype(%" PRIu32 "/%" PRIu32 ")", used ? "," : "", r->type, r->subtype);
	for (uint32_t i = 0; i < r->nr_unknown; i++)
		ADD("%sunknown(%" PRIu16 ")", used ? "," : "", r->unknown[i].id);
#undef ADD
	if (!used)
		snprintf(buf, len, "none");
}

static void flags_text(uint32_t flags, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", flags & VFIO_REGION_INFO_FLAG_READ ? "read," : "",
		 flags & VFIO_REGION_INFO_FLAG_WRITE ? "write," : "", flags & VFIO_REGION_INFO_FLAG_MMAP ? "mmap," : "",
		 flags & VFIO_REGION_INFO_FLAG_CAPS ? "caps," : "", flags ? "" : "none");
	if (flags && strlen(buf))
		buf[strlen(buf) - 1] = '\0';
}

static void print_msix(const struct bb_layout_msix *m, unsigned cap)
{
	char t[32], p[32];

	if (!m->present) {
		printf("  msix: none (config space has no MSI-X capability)\n");
		return;
	}
	printf("  msix: %" PRIu32 " vectors (config space capability at 0x%x), table %s [0x%" PRIx64 ", 0x%" PRIx64
	       "), PBA %s [0x%" PRIx64 ", 0x%" PRIx64 ")\n", m->vectors, cap,
	       bb_region_index_name(m->table_region, t, sizeof(t)), m->table_offset,
	       m->table_offset + bb_msix_table_bytes(m->vectors), bb_region_index_name(m->pba_region, p, sizeof(p)),
	       m->pba_offset, m->pba_offset + bb_msix_pba_bytes(m->vectors));
}

void bb_devices_head(const struct bb_dev *dev)
{
	const struct bb_vfio_sysfs *s = bb_vfio_sysfs_of(dev);
	const char *lp = bb_vfio_layout_path(dev);

	if (!s) {
		const struct bb_pci_sysfs *p = bb_pci_sysfs_of(dev);

		if (!p) {
			printf("%s\n", dev->spec);
			return;
		}
		printf("%s  %04x:%04x  class %06" PRIx32 "  NUMA node %d  memory decoding %s  (no trap path: every access"
		       " a load or store)\n", dev->spec, p->vendor, p->device, p->class_code, p->numa_node,
		       p->mem_enabled ? "on" : "off");
		/* the ID registers named only when they read 0xffff, as a VF's do (PCIe 4.0, 9.3.4.1.1-2) */
		if (p->vf_ids)
			printf("  an SR-IOV VF of PF %s: IDs from sysfs (its ID registers read 0xffff); memory decoding %s\n",
			       p->physfn, !p->vf_mse_read ? "taken as on (no SR-IOV capability read in its PF's config space)" :
			       p->mem_enabled ? "on: the PF's VF MSE is set" : "off: the PF's VF MSE is clear");
		else if (p->is_vf)
			printf("  an SR-IOV VF of PF %s\n", p->physfn);
		print_msix(&p->msix, p->msix_cap);
		if (bb_pci_layout_path(dev))
			printf("  layout: %s (%s)\n", bb_pci_layout_path(dev), dev->layout.desc);
		return;
	}
	printf("%s  %04x:%04x  class %06" PRIx32 "  driver %s  IOMMU group %d  NUMA node %d  opened with %s\n",
	       s->bdf, s->vendor, s->device, s->class_code, s->driver, s->group, s->numa_node, bb_vfio_iommu_mode(dev));
	if (*bb_vfio_iommufd_note(dev))
		printf("  vfio: the legacy container (%s), not iommufd: %s\n", bb_vfio_iommu_mode(dev),
		       bb_vfio_iommufd_note(dev));
	else
		printf("  vfio: iommufd (/dev/iommu and the device's cdev)\n");
	print_msix(&dev->layout.msix, bb_vfio_msix_cap(dev));
	if (lp)
		printf("  layout: %s (%s)\n", lp, dev->layout.desc);
}

/* Every region the device reports, parsed by the core parser; -errno with @d. */
static int regions_of(struct bb_dev *dev, struct bb_region *out, uint32_t *n, struct bb_diag *d)
{
	*n = 0;
	for (uint32_t i = 0; i < dev->nr_regions; i++) {
		int err = bb_dev_region(dev, dev->index[i], &out[i], NULL, NULL, d);

		if (err) {
			for (uint32_t k = 0; k < i; k++)
				bb_region_free(&out[k]);
			return err;
		}
		*n = i + 1;
	}
	return 0;
}

static json_t *json_msix(const struct bb_layout_msix *m)
{
	if (!m->present)
		return json_null();
	return json_pack("{s:I,s:I,s:o,s:o,s:I,s:o,s:o}", "vectors", (json_int_t)m->vectors,
			 "table_region", (json_int_t)m->table_region, "table_offset", bb_json_u64(m->table_offset),
			 "table_size_bytes", bb_json_u64(bb_msix_table_bytes(m->vectors)),
			 "pba_region", (json_int_t)m->pba_region, "pba_offset", bb_json_u64(m->pba_offset),
			 "pba_size_bytes", bb_json_u64(bb_msix_pba_bytes(m->vectors)));
}

/* One device of `devices --json`: every member present; a device not opened has its error and nulls. */
static json_t *json_device(const char *bdf, const char *error, struct bb_dev *dev, const struct bb_region *regs,
			   uint32_t n)
{
	const struct bb_vfio_sysfs *s = dev ? bb_vfio_sysfs_of(dev) : NULL;
	json_t *a = json_array();

	for (uint32_t i = 0; i < n && a; i++) {
		if (json_array_append_new(a, bb_region_json(&regs[i]))) {
			json_decref(a);
			a = NULL;
		}
	}
	if (!s)
		return json_pack("{s:o,s:o,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:o}", "bdf", bb_json_str(bdf),
				 "error", bb_json_str(error), "vendor", "device", "class", "driver", "iommu_group",
				 "numa_node", "iommu", "vfio_api", "iommufd_built", "iommufd_note", "msix", "regions", a);
	return json_pack("{s:o,s:n,s:I,s:I,s:I,s:o,s:I,s:I,s:o,s:s,s:b,s:o,s:o,s:o}", "bdf", bb_json_str(bdf), "error",
			 "vendor", (json_int_t)s->vendor, "device", (json_int_t)s->device,
			 "class", (json_int_t)s->class_code, "driver", bb_json_str(s->driver),
			 "iommu_group", (json_int_t)s->group, "numa_node", (json_int_t)s->numa_node,
			 "iommu", bb_json_str(bb_vfio_iommu_mode(dev)),
			 "vfio_api", *bb_vfio_iommufd_note(dev) ? "container" : "iommufd",
			 "iommufd_built", (int)bb_vfio_iommufd_built(), "iommufd_note", bb_json_str(bb_vfio_iommufd_note(dev)),
			 "msix", json_msix(&dev->layout.msix), "regions", a);
}

/* One device: a text block, or its entry appended to @arr (with --json). */
static int list_one(const char *bdf, json_t *arr)
{
	struct bb_region regs[BB_DEV_MAX_REGIONS];
	char spec[64];
	struct bb_dev *dev;
	struct bb_diag d;
	uint32_t n = 0;
	int err;

	snprintf(spec, sizeof(spec), "vfio:%s", bdf);
	err = bb_dev_open(spec, &dev, &d);
	if (!err) {
		err = regions_of(dev, regs, &n, &d);
		if (err)
			bb_dev_close(dev);
	}
	if (err) {
		if (arr)
			json_array_append_new(arr, json_device(bdf, d.msg, NULL, NULL, 0));
		else
			printf("%s  (not opened: %s)\n", bdf, d.msg);
		return err;
	}
	if (arr) {
		json_array_append_new(arr, json_device(bdf, NULL, dev, regs, n));
	} else {
		bb_devices_head(dev);
		for (uint32_t i = 0; i < n; i++) {
			char nm[32], sz[32], fl[64], caps[160];

			bb_region_index_name(regs[i].index, nm, sizeof(nm));
			bb_format_size(sz, sizeof(sz), regs[i].size);
			flags_text(regs[i].flags, fl, sizeof(fl));
			caps_text(&regs[i], caps, sizeof(caps));
			printf("  region %-2" PRIu32 " %-6s %-10s flags %-20s caps %s\n", regs[i].index, nm, sz, fl, caps);
			for (uint32_t k = 0; k < regs[i].nr_areas; k++)
				printf("    sparse area %" PRIu32 ": [0x%" PRIx64 ", 0x%" PRIx64 ")\n", k,
				       regs[i].areas[k].offset, regs[i].areas[k].offset + regs[i].areas[k].size);
		}
	}
	for (uint32_t i = 0; i < n; i++)
		bb_region_free(&regs[i]);
	bb_dev_close(dev);
	return 0;
}

/*
 * Whether this kernel can bind a device to vfio-pci at all: 1 the driver is
 * there, 0 `modprobe vfio-pci` loads it, -ENOENT with @d saying why not.
 */
static int vfio_pci_here(struct bb_diag *d)
{
	struct utsname u;

	if (uname(&u))
		return bb_diag_set(d, -ENOENT, "the kernel release is unknown (uname: %s)", strerror(errno));
	return bb_vfio_pci_driver("/sys", "/lib/modules", u.release, d);
}

/* No device is bound: how to bind one, with modprobe only where the module exists, or why this kernel cannot. */
static void say_how_to_bind(void)
{
	struct bb_diag d;
	int drv;

	if (bb_cli_quiet) {
		printf("no PCI device is bound to a VFIO driver\n");
		return;
	}
	drv = vfio_pci_here(&d);
	if (drv < 0) {
		printf("no PCI device is bound to a VFIO driver: %s; barbench's emulated devices (emu:LAYOUT) and "
		       "vfio-user servers need no VFIO\n", d.msg);
		return;
	}
	printf("no PCI device is bound to a VFIO driver; bind one as root with:\n"
	       "%s"
	       "  echo vfio-pci > /sys/bus/pci/devices/BDF/driver_override\n"
	       "  echo BDF > /sys/bus/pci/devices/BDF/driver/unbind    # when a driver holds it\n"
	       "  echo BDF > /sys/bus/pci/drivers_probe\n", drv ? "" : "  modprobe vfio-pci\n");
}

static int cmd_devices(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	static char bdfs[MAX_DEVICES][BB_BDF_LEN];
	unsigned n = 0, failed = 0;
	struct bb_diag d;
	json_t *arr = NULL;
	bool json = false;
	int c, status;

	while ((c = bb_opt_next(&st, argc, argv, &devices_help, &val)) != -1) {
		if (c == -2)
			return st.status;
		json = true;	/* the only option */
	}
	if ((c = bb_opt_operands(&devices_help, argc, argv, 0, 0)))
		return c;
	if (bb_vfio_list("/sys", bdfs, MAX_DEVICES, &n, &d)) {
		/* no PCI bus at all: nothing is bound, say why */
		if (json)
			return bb_cli_json(json_pack("{s:s,s:o,s:[]}", "schema", "barbench-devices/1",
						     "note", bb_json_str(d.msg), "devices"));
		printf("no PCI device is bound to a VFIO driver (%s)\n", d.msg);
		return BB_EXIT_OK;
	}
	if (json)
		arr = json_array();
	else if (!n)
		say_how_to_bind();
	for (unsigned i = 0; i < n; i++) {
		int err = list_one(bdfs[i], arr);

		failed += err && err != -EBUSY;	/* held by a VMM: listed with the reason, not a failure */
	}
	status = failed ? BB_EXIT_FAIL : BB_EXIT_OK;
	if (json) {
		/* an array that lost an entry (out of memory) is not printed as if whole */
		if (json_array_size(arr) != n) {
			json_decref(arr);
			arr = NULL;
		}
		/* none bound on a kernel without vfio-pci: the note says why none can be */
		c = !n && vfio_pci_here(&d) < 0 ?
			    bb_cli_json(json_pack("{s:s,s:o,s:o}", "schema", "barbench-devices/1", "note",
						  bb_json_str(d.msg), "devices", arr)) :
			    bb_cli_json(json_pack("{s:s,s:n,s:o}", "schema", "barbench-devices/1", "note", "devices", arr));
		status = status ? status : c;
	}
	return status;
}

/* What the layout says a region reports, when it differs from what the device reports. */
void bb_devices_layout_notes(const struct bb_dev *dev, const struct bb_region *r)
{
	const struct bb_layout_region *lr = bb_vfio_layout_path(dev) ? bb_layout_find_region(&dev->layout, r->index) : NULL;
	const uint32_t mask = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP;
	char a[64], b[64];

	if (!lr)
		return;
	if (lr->info.size != r->size)
		printf("  note: the layout says size 0x%" PRIx64 ", the device reports 0x%" PRIx64 "\n", lr->info.size,
		       r->size);
	if ((lr->info.flags & mask) != (r->flags & mask)) {
		flags_text(lr->info.flags & mask, a, sizeof(a));
		flags_text(r->flags & mask, b, sizeof(b));
		printf("  note: the layout says flags %s, the device reports %s\n", a, b);
	}
	if (lr->info.has_sparse != r->has_sparse || lr->info.msix_mappable != r->msix_mappable ||
	    lr->info.has_type != r->has_type) {
		caps_text(&lr->info, a, sizeof(a));
		caps_text(r, b, sizeof(b));
		printf("  note: the layout says caps %s, the device reports %s\n", a, b);
	}
}

const struct bb_cmd bb_cmd_devices = { .name = "devices", .fn = cmd_devices, .help = &devices_help,
	.summary = "list the PCI devices bound to vfio-pci with their regions and capabilities" };
