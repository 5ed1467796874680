// SPDX-License-Identifier: MIT
/* barbench info: what a device reports through its backend, or what a captured region-info buffer holds. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/backend.h"
#include "barbench/layout.h"
#include "parse.h"
#include "barbench/region.h"
#include "vfio.h"
#include "pci.h"
#include "cli.h"
#include "options.h"
#include "progress.h"
#include "json.h"

#define MAX_REGION_INFO (1u << 20)

enum { K_FILE = BB_OPT_KEY(0), K_REGION, K_JSON };

static const struct bb_opt info_opts[] = {
	{ "region-info", K_FILE, "FILE", NULL, "raw bytes of one VFIO_DEVICE_GET_REGION_INFO answer, instead of\n"
					      "a DEVICE (barbench dump writes them)" },
	{ "region", K_REGION, "N", "every region", "only region N of DEVICE (with --region-info: the region the\n"
								   "file must hold)" },
	{ "json", K_JSON, NULL, NULL, "one JSON document: {schema, device, file, regions: [...]}\n"
				      "(docs/results.md, docs/schemas/info.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help info_help = {
	.cmd = "info",
	.synopsis = "(DEVICE | --region-info FILE) [options]",
	.text = "Print each region as the device reports it: index, size, fd offset, flags,\n"
		"capabilities, sparse areas and how much of the region may be mmap'd.\n",
	.operands = "  DEVICE   emu:LAYOUT (a layout file, e.g. emu:layouts/nvme-msix-bar0), or\n"
		    "           vfio:BDF[?layout=FILE] (a device bound to vfio-pci: what the kernel\n"
		    "           reports, MSI-X from its config space; see barbench devices),\n"
		    "           vfio-user:SOCKET, or pci:BDF[?layout=FILE] (a device through sysfs:\n"
		    "           its memory BARs, MSI-X from config space; in a guest, as the VMM exposes it)\n",
	.opts = info_opts,
	.quiet = "results and errors only: no hint when a real device has no layout",
	.exit = "0 ok, 1 a device that fails, 2 bad input (the message names the byte\n"
		"offset or file:line).",
};

/* @path's region-info bytes; with --region (@one) the file must hold region @only, as plan checks */
static int info_file(const char *path, bool json, bool one, uint32_t only)
{
	struct bb_diag d;
	struct bb_region r;
	uint8_t *buf;
	size_t len;
	int err;

	err = bb_cli_read_file(path, MAX_REGION_INFO, &buf, &len, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "%s", d.msg);
	err = bb_region_parse(buf, len, path, &r, &d);
	free(buf);
	if (err)
		return bb_cli_fail(BB_EXIT_USAGE, "%s", d.msg);
	if (one && r.index != only) {
		bb_cli_fail(BB_EXIT_USAGE, "info: %s: holds region %" PRIu32 ", not %" PRIu32, path, r.index, only);
		bb_region_free(&r);
		return BB_EXIT_USAGE;
	}
	if (json) {
		err = bb_cli_json(json_pack("{s:s,s:n,s:o,s:[o]}", "schema", "barbench-info/1", "device",
					    "file", bb_json_str(path), "regions", bb_region_json(&r)));
	} else {
		printf("%s:\n", path);
		bb_region_print(stdout, &r, "");
	}
	bb_region_free(&r);
	return err;
}

static void print_layout_head(const struct bb_layout *l)
{
	char nm[32];

	printf("device %s: %s\n", l->name, l->desc);
	printf("  layout: %s\n", l->path);
	if (l->has_ids)
		printf("  pci id: %04x:%04x", l->vendor, l->device);
	if (l->has_subsys)
		printf(" subsystem %04x:%04x", l->subsys_vendor, l->subsys_device);
	if (l->has_class)
		printf(" class %06" PRIx32, l->class_code);
	if (l->has_ids || l->has_subsys || l->has_class)
		putchar('\n');
	if (l->msix.present) {
		printf("  msix: %" PRIu32 " vectors, table %s [0x%" PRIx64 ", 0x%" PRIx64 ")",
		       l->msix.vectors, bb_region_index_name(l->msix.table_region, nm, sizeof(nm)),
		       l->msix.table_offset, l->msix.table_offset + bb_msix_table_bytes(l->msix.vectors));
		printf(", PBA %s [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
		       bb_region_index_name(l->msix.pba_region, nm, sizeof(nm)),
		       l->msix.pba_offset, l->msix.pba_offset + bb_msix_pba_bytes(l->msix.vectors));
	} else if (l->msix.placement_unknown) {
		/* vectors= is optional with placement=unknown: 0 when the layout does not say */
		if (l->msix.vectors)
			printf("  msix: present, placement unknown (%" PRIu32 " vector%s): nothing is must-trap\n",
			       l->msix.vectors, l->msix.vectors == 1 ? "" : "s");
		else
			printf("  msix: present, placement unknown (and its vector count): nothing is must-trap\n");
	} else {
		printf("  msix: none\n");
	}
}

/*
 * The layout's registers of region @index.  On a device the layout only
 * describes (@fronted), what barbench may do to each; on an emulated one,
 * the value it holds.
 */
static void print_regs(const struct bb_dev *dev, uint32_t index, bool fronted)
{
	const struct bb_layout *l = &dev->layout;

	for (uint32_t i = 0; dev->has_layout && i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];
		enum bb_safety s;

		if (g->region != index)
			continue;
		printf("    reg %-16s [0x%" PRIx64 ", 0x%" PRIx64 ") %-8s reads %" PRIu32 " writes %" PRIu32,
		       g->name, g->offset, g->offset + g->size, bb_reg_kind_name(g->kind), g->reads, g->writes);
		if (!fronted && g->has_value)
			printf(" value 0x%" PRIx64 "%s", g->value, g->big_endian ? " (big-endian)" : "");
		if (fronted) {
			s = bb_layout_access(l, index, g->offset, g->size, true);
			printf(" safe: %s", s == BB_ACCESS_RW ? "rw" : s == BB_ACCESS_READ ? "r" : "no");
		}
		putchar('\n');
	}
}

/* A device that may front hardware: the ranges never touched, where the layout disagrees, the registers. */
static void print_fronted(const struct bb_dev *dev, const struct bb_region *r)
{
	struct bb_range mt[2];
	unsigned nmt = bb_dev_must_trap(dev, r->index, mt);

	for (unsigned k = 0; k < nmt; k++)
		printf("  must-trap: [0x%" PRIx64 ", 0x%" PRIx64 ") MSI-X %s (never read or written)\n",
		       mt[k].offset, mt[k].offset + mt[k].size,
		       dev->layout.msix.table_region == r->index && dev->layout.msix.table_offset == mt[k].offset
		       ? "table" : "PBA");
	bb_devices_layout_notes(dev, r);
	print_regs(dev, r->index, true);
}

/*
 * Every region of DEVICE @spec (or region @only) as its backend reports it,
 * the bytes parsed by the core parser: emu:, vfio:, vfio-user: and pci: alike.
 */
static int info_dev(const char *spec, bool json, bool one, uint32_t only)
{
	struct bb_dev *dev;
	struct bb_diag d;
	json_t *regions = NULL;
	bool found = false, from_layout;
	int err, status = BB_EXIT_OK;

	err = bb_dev_open(spec, &dev, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "info: %s", d.msg);
	from_layout = dev->ops->flags & BB_BACKEND_FROM_LAYOUT;
	if (json)
		regions = json_array();
	else if (from_layout)
		print_layout_head(&dev->layout);
	else
		bb_devices_head(dev);
	for (uint32_t i = 0; i < dev->nr_regions; i++) {
		struct bb_region r;

		if (one && dev->index[i] != only)
			continue;
		found = true;
		err = bb_dev_region(dev, dev->index[i], &r, NULL, NULL, &d);
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "info: %s", d.msg);
			goto out;
		}
		if (json) {
			if (json_array_append_new(regions, bb_region_json(&r))) {
				json_decref(regions);
				regions = NULL;	/* out of memory: said when printed */
			}
		} else {
			bb_region_print(stdout, &r, "");
			if (from_layout)
				print_regs(dev, r.index, false);
			else
				print_fronted(dev, &r);
		}
		bb_region_free(&r);
	}
	if (one && !found) {
		status = bb_cli_fail(BB_EXIT_USAGE, "info: %s: no region %" PRIu32, spec, only);
	} else if (json) {
		status = bb_cli_json(json_pack("{s:s,s:o,s:n,s:o}", "schema", "barbench-info/1", "device",
					       bb_json_str(spec), "file", "regions", regions));
		regions = NULL;	/* json_pack took it */
	} else if (!bb_vfio_layout_path(dev) && !bb_pci_layout_path(dev) && dev->real_hw && !bb_cli_quiet) {
		printf("no layout: barbench run reads nothing of this device; give %s%clayout=FILE "
		       "(layouts/README.md) to name what is safe to read\n", dev->spec, strchr(dev->spec, '?') ? '&' : '?');
	}
out:
	json_decref(regions);
	bb_dev_close(dev);
	return status;
}

static int cmd_info(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const char *file = NULL, *spec = NULL, *val;
	bool json = false, one = false;
	uint32_t region = 0;
	int c, err;

	while ((c = bb_opt_next(&st, argc, argv, &info_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_FILE: file = val; break;
		case K_JSON: json = true; break;
		case K_REGION:
			if ((err = bb_opt_region(&info_help, c, val, &region)))
				return err;
			one = true;
			break;
		}
	}
	if ((err = bb_opt_operands(&info_help, argc, argv, 0, 1)))
		return err;
	if (optind < argc)
		spec = argv[optind];
	if (!!file == !!spec)
		return bb_cli_fail(BB_EXIT_USAGE, "info: give one DEVICE or --region-info FILE (see barbench info --help)");
	if (file)
		return info_file(file, json, one, region);
	return info_dev(spec, json, one, region);
}

const struct bb_cmd bb_cmd_info = { .name = "info", .fn = cmd_info, .help = &info_help,
	.summary = "print the regions and capabilities a device or a captured region-info reports" };
