// SPDX-License-Identifier: MIT
/* barbench info: what a device (or a captured region-info buffer) reports. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/layout.h"
#include "parse.h"
#include "barbench/region.h"
#include "cli.h"

#define MAX_REGION_INFO (1u << 20)

void usage_info(void)
{
	printf("usage: barbench info (DEVICE | --region-info FILE) [--region N] [--json]\n"
	       "\n"
	       "Print each region as the device reports it: index, size, fd offset, flags,\n"
	       "capabilities, sparse areas and how much of the region may be mmap'd.\n"
	       "\n"
	       "  DEVICE              emu:LAYOUT (a layout file, e.g. emu:layouts/nvme-msix-bar0), or\n"
	       "                      vfio:BDF[?layout=FILE] (a device bound to vfio-pci: what the kernel\n"
	       "                      reports, MSI-X from its config space; see barbench devices)\n"
	       "  --region-info FILE  raw bytes of one VFIO_DEVICE_GET_REGION_INFO answer\n"
	       "  --region N          only region N of DEVICE\n"
	       "  --json              JSON: one object for FILE, an array for DEVICE\n"
	       "\n"
	       "Exit status: 0 ok, 2 bad input (the message names the byte offset or file:line).\n");
}

static int info_file(const char *path, bool json)
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
	if (json) {
		bb_region_print_json(stdout, &r);
		putchar('\n');
	} else {
		printf("%s:\n", path);
		bb_region_print(stdout, &r, "");
	}
	bb_region_free(&r);
	return BB_EXIT_OK;
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
		printf("  msix: present, placement unknown (%" PRIu32 " vectors; 0: unknown): nothing is must-trap\n",
		       l->msix.vectors);
	} else {
		printf("  msix: none\n");
	}
}

static void print_regs(const struct bb_layout *l, uint32_t index)
{
	for (uint32_t i = 0; i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];

		if (g->region != index)
			continue;
		printf("    reg %-16s [0x%" PRIx64 ", 0x%" PRIx64 ") %-8s reads %" PRIu32 " writes %" PRIu32,
		       g->name, g->offset, g->offset + g->size, bb_reg_kind_name(g->kind), g->reads, g->writes);
		if (g->has_value)
			printf(" value 0x%" PRIx64 "%s", g->value, g->big_endian ? " (big-endian)" : "");
		putchar('\n');
	}
}

static int info_emu(const char *spec, bool json, bool one, uint32_t only)
{
	struct bb_layout l;
	struct bb_diag d;
	bool first = true, found = false;
	int err;

	err = bb_cli_layout(spec, &l, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "%s", d.msg);
	if (json)
		putchar('[');
	else
		print_layout_head(&l);
	for (uint32_t i = 0; i < l.nr_regions; i++) {
		struct bb_region r;

		if (one && l.regions[i].info.index != only)
			continue;
		found = true;
		/* what the core parser makes of the bytes the device would return */
		err = bb_layout_region_reported(&l, i, spec, &r, &d);
		if (err) {
			bb_layout_free(&l);
			if (json)
				putchar('\n');
			return bb_cli_fail(BB_EXIT_FAIL, "%s", d.msg);
		}
		if (json) {
			if (!first)
				putchar(',');
			bb_region_print_json(stdout, &r);
		} else {
			bb_region_print(stdout, &r, "");
			print_regs(&l, r.index);
		}
		first = false;
		bb_region_free(&r);
	}
	if (json)
		printf("]\n");
	bb_layout_free(&l);
	if (one && !found)
		return bb_cli_fail(BB_EXIT_USAGE, "%s: no region %" PRIu32, spec, only);
	return BB_EXIT_OK;
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "region-info", required_argument, NULL, 'f' },
		{ "region", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *spec = NULL;
	bool json = false, one = false;
	uint64_t region = 0;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'r':
			if (bb_parse_u64(optarg, &region) || region > UINT32_MAX)
				return bb_cli_fail(BB_EXIT_USAGE, "info: --region %s: not a region index", optarg);
			one = true;
			break;
		case 'j':
			json = true;
			break;
		default:
			return bb_cli_bad_option("info", c, argv[optind - 1]);
		}
	}
	if (optind < argc)
		spec = argv[optind++];
	if (optind < argc)
		return bb_cli_fail(BB_EXIT_USAGE, "info: unexpected argument '%s'", argv[optind]);
	if (!!file == !!spec)
		return bb_cli_fail(BB_EXIT_USAGE, "info: give one DEVICE or --region-info FILE (see barbench info --help)");
	if (file)
		return info_file(file, json);
	if (!strncmp(spec, "emu:", 4))
		return info_emu(spec, json, one, (uint32_t)region);
	if (!strncmp(spec, "vfio:", 5) || !strncmp(spec, "vfio-user:", 10))
		return bb_info_dev(spec, json, one, (uint32_t)region);
	return bb_cli_fail(BB_EXIT_USAGE, "info: %s: unknown device kind (emu:LAYOUT, vfio:BDF, vfio-user:SOCKET)", spec);
}
