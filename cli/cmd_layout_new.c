// SPDX-License-Identifier: MIT
/*
 * barbench layout new SOURCE [-o FILE]: a layout from a device (through its
 * backend: region info and config space) or from the text of lspci -vvv
 * -xxxx for one device (core/lspci.c), written by core/layout_gen.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <linux/vfio.h>

#include "barbench/backend.h"
#include "barbench/layout.h"
#include "layout_gen.h"
#include "lspci.h"
#include "pci.h"
#include "manifest.h"
#include "parse.h"
#include "cli.h"
#include "options.h"
#include "progress.h"

enum { K_FORCE = BB_OPT_KEY(0), K_NAME, K_QUEUES };

static const struct bb_opt new_opts[] = {
	{ "out", 'o', "FILE", "standard output", "write there (atomically)" },
	{ "force", K_FORCE, NULL, NULL, "replace the -o FILE when it exists (only with -o)" },
	{ "name", K_NAME, "NAME", "pci-VVVV-DDDD", "the layout's name, [a-z0-9._-]+" },
	{ "queues", K_QUEUES, "N", "as many as the notify structure addresses",
	  "a virtio device's queue count: N notify doorbells (1 to " BB_GEN_MAX_DOORBELLS_STR ")" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help new_help = {
	.cmd = "layout new",
	.synopsis = "SOURCE [options]",
	.text = "Write a layout (layouts/README.md) of what SOURCE says about itself: PCI IDs and\n"
		"class, every region with its size, flags and capabilities (the sparse mmap areas\n"
		"where VFIO reports them), the MSI-X table and PBA with the vector count, and the\n"
		"virtio PCI capabilities as named registers (common configuration, ISR, device\n"
		"configuration, notify doorbells from the multiplier). Every statement carries a\n"
		"comment saying where it came from. No safe range and no hotness: you add them.\n"
		"\n"
		"A PCI Express device's extended capabilities (config space from 0x100) become\n"
		"comments: SR-IOV (the device is a PF: TotalVFs, the VF device ID and BAR types,\n"
		"the System Page Size; the layout a guest sees is a VF's, so run this on the VF),\n"
		"Resizable BAR (current size against the region's, supported sizes), and one\n"
		"line naming the others.\n"
		"\n"
		"A dump of more than one device, a config space shorter than its capability list\n"
		"needs, decoded lines that contradict the hex dump, or a Region without [size=] is\n"
		"refused with the line number.\n",
	.operands = "  SOURCE   vfio:BDF           a device bound to vfio-pci: region info and\n"
		    "                              config space through VFIO\n"
		    "           vfio-user:SOCKET   a device served over vfio-user (region 7 is\n"
		    "                              its config space)\n"
		    "           pci:BDF            a device through sysfs, as this OS (in a guest:\n"
		    "                              as the VMM) exposes it; config space needs root\n"
		    "           lspci:FILE         the text of lspci -vvv -xxxx for one device,\n"
		    "                              taken as root ('-' reads standard input): the\n"
		    "                              hex dump is the authority, the decoded lines a\n"
		    "                              cross-check and the only source of BAR sizes\n",
	.opts = new_opts,
	.quiet = "results and errors only: with -o, no line saying what FILE holds",
	.exit = "0 written, 1 a device or file failed (-o FILE that cannot be created or\n"
		"written: no such folder, no permission, a name too long), 2 bad input or usage\n"
		"(-o FILE that exists, without --force).",
};

/* lspci:FILE ("-": standard input) into @ls and @g. */
static int from_lspci(const char *file, const char *source, struct bb_lspci *ls, struct bb_gen *g, struct bb_diag *d)
{
	char *text;
	size_t len;
	int err;

	if (!strcmp(file, "-")) {
		if ((err = bb_read_stream(STDIN_FILENO, "standard input", BB_LSPCI_MAX_BYTES, &text, &len, d)))
			return err;
		file = "stdin";
	} else if ((err = bb_read_file(file, BB_LSPCI_MAX_BYTES, &text, &len, d))) {
		return err;
	}
	err = bb_lspci_parse(text, len, file, ls, d);
	free(text);
	if (!err)
		err = bb_gen_from_lspci(ls, source, g, d);
	return err;
}

/* "region 0 (BAR0) as VFIO_DEVICE_GET_REGION_INFO reports it: 0x4000 bytes, read,write,mmap, msix-mappable" */
static void region_from(char *buf, size_t n, const char *spec, const struct bb_dev *dev, const struct bb_region *r)
{
	char nm[32];

	snprintf(buf, n, "%s region %" PRIu32 " (%s), as %s: 0x%" PRIx64 " bytes,"
		 " flags%s%s%s%s%s%s%s", spec, r->index, bb_region_index_name(r->index, nm, sizeof(nm)),
		 dev->ops->flags & BB_BACKEND_SYNTH_INFO ? "this OS sees it (no VFIO driver reported it)" :
		 "VFIO_DEVICE_GET_REGION_INFO reports it", r->size,
		 r->flags & VFIO_REGION_INFO_FLAG_READ ? " read" : "", r->flags & VFIO_REGION_INFO_FLAG_WRITE ? " write" : "",
		 r->flags & VFIO_REGION_INFO_FLAG_MMAP ? " mmap" : "",
		 !(r->flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP)) ?
		 " none" : "", r->has_sparse ? ", a sparse mmap capability" : "",
		 r->msix_mappable ? ", MSIX_MAPPABLE" : "", r->has_type ? ", a type capability" : "");
}

/* Config space through the backend: parsed into g->pci, or none (said in a note). */
static int device_config(struct bb_dev *dev, struct bb_gen *g, struct bb_diag *d)
{
	static uint8_t cfg[BB_PCICFG_MAX];
	struct bb_pcicfg_src src;
	char name[320];
	ssize_t n;
	int err;

	n = bb_dev_config_read(dev, cfg, sizeof(cfg), d);
	if (n == -EOPNOTSUPP || n == -ENODEV) {
		snprintf(g->notes[g->nr_notes++], BB_GEN_TEXT, "no config space: %s", d->msg);
		return 0;
	}
	if (n < 0)
		return (int)n;
	snprintf(name, sizeof(name), "%s config", dev->spec);
	src = (struct bb_pcicfg_src){ .name = name };
	if ((err = bb_pcicfg_parse(cfg, (size_t)n, &src, &g->pci, d)))
		return err;
	g->has_pci = true;
	snprintf(g->cfg_from, sizeof(g->cfg_from), "0x%zx bytes read from the device's config region as a VMM reads"
		 " them", (size_t)n);
	for (unsigned i = 0; i < g->nr_regions; i++)
		if (g->regions[i].info.index < g->pci.nr_bars)
			g->regions[i].io = g->pci.bar[g->regions[i].info.index].io;
	return 0;
}

/*
 * A backend whose region info is made up (pci: from sysfs) reports no VFIO
 * capability: the layout says what vfio-pci (Linux >= 4.16) would report for
 * the same BARs, as the lspci source does: MSIX_MAPPABLE on the mmap-able
 * BAR holding the MSI-X table (vfio_pci_ioctl_get_region_info).
 */
static void assume_vfio_pci(struct bb_gen *g)
{
	for (unsigned i = 0; i < g->nr_regions; i++) {
		struct bb_region *r = &g->regions[i].info;

		r->msix_mappable = g->has_pci && bb_gen_msix_mappable(&g->pci, r);
	}
	snprintf(g->notes[g->nr_notes++], BB_GEN_TEXT, "the source reports what this OS sees, not what vfio-pci"
		 " would: its memory BARs (sysfs resource files) only, no I/O BAR, no ROM; their capabilities are what"
		 " vfio-pci (Linux >= 4.16) reports: MSIX_MAPPABLE on the BAR holding the MSI-X table, no sparse mmap"
		 " capability (vfio:BDF or lspci:FILE give every region)");
}

/*
 * What config space cannot say, from sysfs where the device is a PCI
 * function of this OS (pci:, vfio:): a VF's IDs (its ID registers read
 * 0xffff; vfio-pci shows a VMM others, pci: the raw ones) and a PF's VF BAR
 * sizes (its IOV resources).
 */
static void sysfs_facts(const struct bb_dev *dev, struct bb_gen *g)
{
	struct bb_pci_sysfs buf;
	const struct bb_pci_sysfs *ps = g->has_pci ? bb_pci_sysfs_any(dev, &buf) : NULL;
	bool sized = false;

	if (!ps)
		return;
	if (g->pci.vf_ids && ps->vendor != 0xffff) {
		g->pci.vendor = ps->vendor;
		g->pci.device = ps->device;
		snprintf(g->ids_from, sizeof(g->ids_from), "the sysfs vendor and device files of %s (the IDs the OS"
			 " gives a VF%s%s)", ps->bdf, ps->is_vf ? " of PF " : "", ps->physfn);
	}
	if (!g->pci.sriov.present)
		return;
	for (unsigned i = 0; i < 6; i++) {
		g->vf_bar_size[i] = bb_pci_vf_bar_size(ps, i, g->pci.sriov.total_vfs);
		sized |= g->vf_bar_size[i] != 0;
	}
	if (sized)
		snprintf(g->notes[g->nr_notes++], BB_GEN_TEXT, "VF BAR sizes: sysfs resource lines 8-13 of %s, the PF's"
			 " SR-IOV resources (Linux sizes each as a VF's BAR times TotalVFs %u)", ps->bdf,
			 g->pci.sriov.total_vfs);
}

/* A device through its backend: every region but config space, then config space and sysfs's facts. */
static int from_device(const char *spec, struct bb_gen *g, struct bb_diag *d)
{
	char pub[sizeof(g->source)];
	struct bb_dev *dev;
	int err = 0;

	memset(g, 0, sizeof(*g));
	bb_spec_public(spec, pub, sizeof(pub));	/* a layout is shared: no VF token in it */
	snprintf(g->source, sizeof(g->source), "%s", pub);
	if ((err = bb_dev_open(spec, &dev, d)))
		return err;
	snprintf(g->what, sizeof(g->what), "%s through the %s backend (%s): region info after the argsz handshake,"
		 " config space as a VMM reads it", pub, dev->ops->name, dev->ops->summary);
	for (uint32_t i = 0; i < dev->nr_regions && !err; i++) {
		struct bb_gen_region *r = &g->regions[g->nr_regions];

		if (dev->index[i] == VFIO_PCI_CONFIG_REGION_INDEX)
			continue;
		if (g->nr_regions == BB_GEN_MAX_REGIONS) {
			err = bb_diag_set(d, -E2BIG, "%s: more than %d regions", spec, BB_GEN_MAX_REGIONS);
			break;
		}
		memset(r, 0, sizeof(*r));
		if ((err = bb_dev_region(dev, dev->index[i], &r->info, NULL, NULL, d)))
			break;
		region_from(r->from, sizeof(r->from), pub, dev, &r->info);
		g->nr_regions++;
	}
	if (!err)
		err = device_config(dev, g, d);
	if (!err)
		sysfs_facts(dev, g);
	if (!err && (dev->ops->flags & BB_BACKEND_SYNTH_INFO))
		assume_vfio_pci(g);
	snprintf(g->notes[g->nr_notes++], BB_GEN_TEXT, "the config region (VFIO index 7) is not described: a VMM"
		 " emulates config space");
	bb_dev_close(dev);
	return err;
}

static int name_ok(const char *s)
{
	if (!*s || strlen(s) >= 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* Write @text to @out (or stdout) and say what it holds. */
static int emit(const char *out, bool force, const char *text, size_t len, struct bb_diag *d)
{
	struct bb_layout l;
	struct stat st;
	int err;

	if (!out)
		return fwrite(text, 1, len, stdout) == len ? 0 : bb_diag_set(d, -EIO, "standard output: write failed");
	if (!force && !lstat(out, &st))
		return bb_diag_set(d, -EEXIST, "%s exists: give --force to replace it", out);
	if ((err = bb_write_atomic_buf(out, text, len, d)))
		return err;
	if (!bb_cli_quiet && !bb_layout_parse(text, len, out, &l, NULL)) {
		printf("%s: %" PRIu32 " region%s, %s, %" PRIu32 " register%s; no safe range: add them before a run on"
		       " real hardware\n", out, l.nr_regions, l.nr_regions == 1 ? "" : "s",
		       l.msix.present ? "MSI-X" : "no MSI-X", l.nr_regs, l.nr_regs == 1 ? "" : "s");
		bb_layout_free(&l);
	}
	return 0;
}

static int cmd_layout_new(int argc, char **argv)
{
	struct bb_opt_state st = { 0 };
	const char *out = NULL, *name = NULL, *src, *val;
	struct bb_lspci *ls = NULL;
	struct bb_gen *g;
	struct bb_diag d = { "" };
	bool force = false;
	uint32_t queues = 0;
	char *text = NULL;
	size_t len;
	int c, err, status;

	while ((c = bb_opt_next(&st, argc, argv, &new_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case 'o': out = val; break;
		case K_FORCE: force = true; break;
		case K_NAME:
			if (!name_ok(val))
				return bb_opt_bad_value(&new_help, c, val, "[a-z0-9._-]+, at most 63 characters");
			name = val;
			break;
		case K_QUEUES:
			if ((err = bb_opt_u32(&new_help, c, val, 1, BB_GEN_MAX_DOORBELLS, &queues)))
				return err;
			break;
		}
	}
	if (argc - optind != 1)
		return bb_cli_fail(BB_EXIT_USAGE, "layout new: want one SOURCE (see barbench layout new --help)");
	if (force && !out)
		return bb_cli_fail(BB_EXIT_USAGE, "layout new: --force replaces the -o FILE, and there is none: the "
				   "layout goes to standard output");
	src = argv[optind];
	g = calloc(1, sizeof(*g));
	if (!g)
		return bb_cli_fail(BB_EXIT_FAIL, "layout new: out of memory");
	if (!strncmp(src, "lspci:", 6)) {
		ls = calloc(1, sizeof(*ls));
		err = ls ? from_lspci(src + 6, src, ls, g, &d) : bb_diag_set(&d, -ENOMEM, "out of memory");
	} else if (!strchr(src, ':')) {
		err = bb_diag_set(&d, -EINVAL, "%s: want vfio:BDF, vfio-user:SOCKET, pci:BDF or lspci:FILE", src);
	} else {
		err = from_device(src, g, &d);
	}
	if (!err) {
		if (name)
			snprintf(g->name, sizeof(g->name), "%s", name);
		g->queues = queues;
		err = bb_layout_generate(g, &text, &len, &d);
	}
	status = err ? bb_cli_status(err) : BB_EXIT_OK;
	/* an output that cannot be made (no such folder, a name too long) is a failure: 1, not usage */
	if (!err && (err = emit(out, force, text, len, &d)))
		status = bb_cli_out_status(err);
	for (unsigned i = 0; i < g->nr_regions; i++)
		bb_region_free(&g->regions[i].info);
	free(text);
	free(ls);
	free(g);
	if (err)
		return bb_cli_fail(status, "layout new: %s", d.msg);
	return BB_EXIT_OK;
}

const struct bb_cmd bb_cmd_layout_new = { .name = "new", .fn = cmd_layout_new, .help = &new_help,
	.summary = "write a layout from a device (vfio:BDF, vfio-user:SOCKET, pci:BDF) or an lspci -vvv -xxxx dump" };
