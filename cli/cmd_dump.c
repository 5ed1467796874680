// SPDX-License-Identifier: MIT
/*
 * barbench dump: the raw VFIO_DEVICE_GET_REGION_INFO bytes of every region of
 * a device, one file each, for `info`/`plan --region-info` on another machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "barbench/backend.h"
#include "manifest.h"
#include "cli.h"
#include "json.h"
#include "options.h"

static const struct bb_opt dump_opts[] = {
	{ "json", BB_OPT_KEY(1), NULL, NULL, "print one JSON document instead: each region's file, its size and its\n"
				    "must-trap ranges (docs/results.md, docs/schemas/dump.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help dump_help = {
	.cmd = "dump",
	.synopsis = "DEVICE DIR",
	.text = "Write the bytes VFIO_DEVICE_GET_REGION_INFO returned for each region of DEVICE\n"
		"(after the argsz handshake: the info struct and its whole capability chain)\n"
		"to DIR/regionN.bin, N the VFIO region index; DIR is created when missing.\n"
		"Each file is what barbench info --region-info and barbench plan --region-info\n"
		"read on another machine; the --must-trap ranges (MSI-X table and PBA) to give\n"
		"plan there are printed.  Without VFIO, `dump emu:LAYOUT DIR` writes the bytes the\n"
		"emulated device reports for a layout.\n",
	.operands = "  DEVICE   vfio:BDF (a device bound to vfio-pci), vfio-user:SOCKET or emu:LAYOUT\n"
		    "  DIR      the folder to write regionN.bin into\n",
	.opts = dump_opts,
	.exit = "0 ok, 1 when the device or a file fails, 2 bad usage.",
};

struct blob {
	const uint8_t *p;
	size_t n;
};

static int write_blob(FILE *f, void *arg)
{
	const struct blob *b = arg;

	return fwrite(b->p, 1, b->n, f) == b->n ? 0 : -EIO;
}

/* One region of `dump --json`: the file written, its size, the ranges plan --must-trap wants. */
static json_t *dump_json(const struct bb_region *r, const char *path, size_t len, const struct bb_range *mt,
			 unsigned nmt)
{
	json_t *a = json_array();
	char nm[32];

	for (unsigned k = 0; k < nmt && a; k++) {
		if (json_array_append_new(a, json_pack("{s:o,s:o}", "offset", bb_json_u64(mt[k].offset),
							"size_bytes", bb_json_u64(mt[k].size)))) {
			json_decref(a);
			a = NULL;
		}
	}
	return json_pack("{s:I,s:s,s:o,s:I,s:o}", "index", (json_int_t)r->index,
			 "name", bb_region_index_name(r->index, nm, sizeof(nm)), "file", bb_json_str(path),
			 "size_bytes", (json_int_t)len, "must_trap", a);
}

static int cmd_dump(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const char *spec, *dir, *val, *sep;
	struct bb_dev *dev;
	struct bb_diag d;
	json_t *regions = NULL;
	bool json = false;
	int c, err, status = BB_EXIT_OK;

	while ((c = bb_opt_next(&st, argc, argv, &dump_help, &val)) != -1) {
		if (c == BB_OPT_KEY(1))
			json = true;
		else
			return c == -2 ? st.status : bb_cli_fail(BB_EXIT_FAIL, "dump: option %d not handled", c);
	}
	if (argc - optind != 2)
		return bb_cli_fail(BB_EXIT_USAGE, "dump: want DEVICE DIR (see barbench dump --help)");
	spec = argv[optind];
	dir = argv[optind + 1];
	/* DIR as given, with or without its '/': bar-info/ names bar-info/region0.bin, not bar-info//region0.bin */
	sep = *dir && dir[strlen(dir) - 1] == '/' ? "" : "/";
	/* the device first: a device that does not open leaves no empty DIR behind */
	err = bb_dev_open(spec, &dev, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "dump: %s", d.msg);
	if (mkdir(dir, 0777) && errno != EEXIST) {
		status = bb_cli_fail(BB_EXIT_FAIL, "dump: %s: %s", dir, strerror(errno));
		bb_dev_close(dev);
		return status;
	}
	if (json)
		regions = json_array();
	else
		printf("%s -> %s%s\n", spec, dir, sep);
	for (uint32_t i = 0; i < dev->nr_regions && status == BB_EXIT_OK; i++) {
		struct bb_region r;
		struct bb_range mt[2];
		struct blob b;
		uint8_t *raw;
		size_t len;
		char path[4200], nm[32];
		unsigned nmt;

		err = bb_dev_region(dev, dev->index[i], &r, &raw, &len, &d);
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "dump: %s", d.msg);
			break;
		}
		snprintf(path, sizeof(path), "%s%sregion%" PRIu32 ".bin", dir, sep, r.index);
		b.p = raw;
		b.n = len;
		err = bb_write_atomic(path, write_blob, &b, &d);
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "dump: %s", d.msg);
		} else if (json) {
			nmt = bb_dev_must_trap(dev, r.index, mt);
			if (json_array_append_new(regions, dump_json(&r, path, len, mt, nmt))) {
				json_decref(regions);
				regions = NULL;	/* out of memory: said when printed */
			}
		} else {
			printf("  %s  %-6s %4zu bytes", path, bb_region_index_name(r.index, nm, sizeof(nm)), len);
			nmt = bb_dev_must_trap(dev, r.index, mt);
			for (unsigned k = 0; k < nmt; k++)
				printf("%s --must-trap 0x%" PRIx64 ":0x%" PRIx64, k ? "" : "  plan with:", mt[k].offset,
				       mt[k].size);
			putchar('\n');
		}
		free(raw);
		bb_region_free(&r);
	}
	bb_dev_close(dev);
	if (json && status == BB_EXIT_OK)
		return bb_cli_json(json_pack("{s:s,s:o,s:o,s:o}", "schema", "barbench-dump/1", "device", bb_json_str(spec),
					     "folder", bb_json_str(dir), "regions", regions));
	json_decref(regions);
	return status;
}

const struct bb_cmd bb_cmd_dump = { .name = "dump", .fn = cmd_dump, .help = &dump_help,
	.summary = "write the raw region-info bytes of every region of a device, one file each" };
