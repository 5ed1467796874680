// SPDX-License-Identifier: MIT
/*
 * lspci -vvv -xxxx text (bb_lspci_parse), config space images
 * (bb_pcicfg_parse) and the layouts generated from them
 * (bb_layout_generate, barbench layout new).  The input is tried twice: as
 * lspci text, and as a config space image with every BAR given a size (the
 * vfio: and vfio-user: path).  Refused input is -EINVAL/-EFBIG naming the
 * input; accepted input must yield a layout that parses (the generator checks
 * that itself and returns -EPROTO otherwise: a finding) with the IDs and
 * MSI-X placement of the config space.
 */
#include <errno.h>
#include <string.h>

#include <linux/vfio.h>

#include "barbench/layout.h"
#include "layout_gen.h"
#include "lspci.h"
#include "fuzz.h"

static void check_generated(const struct bb_gen *g, uint32_t queues)
{
	struct bb_gen copy = *g;
	struct bb_diag d = { "" };
	struct bb_layout l;
	char *text;
	size_t len;
	int err;

	copy.queues = queues;
	err = bb_layout_generate(&copy, &text, &len, &d);
	FUZZ_ASSERT(err == 0 || err == -EINVAL, "generate: %d %s", err, d.msg);
	if (err)
		return;
	err = bb_layout_parse(text, len, "fuzz-generated", &l, &d);
	FUZZ_ASSERT(!err, "the generated layout does not parse: %s", d.msg);
	FUZZ_ASSERT(l.nr_regions == g->nr_regions, "%u regions for %u", l.nr_regions, g->nr_regions);
	FUZZ_ASSERT(l.nr_safe == 0, "a safe range was generated");
	if (g->has_pci) {
		if (g->pci.vf_ids && !g->ids_from[0])
			FUZZ_ASSERT(!l.has_ids, "a VF's 0xffff IDs were written");
		else
			FUZZ_ASSERT(l.has_ids && l.vendor == g->pci.vendor && l.device == g->pci.device, "IDs differ");
		FUZZ_ASSERT(l.msix.present == g->pci.msix.present, "MSI-X presence differs");
		if (l.msix.present)
			FUZZ_ASSERT(l.msix.vectors == g->pci.msix.vectors && l.msix.table_offset == g->pci.msix.table_offset &&
				    l.msix.pba_offset == g->pci.msix.pba_offset, "MSI-X placement differs");
	}
	bb_layout_free(&l);
	free(text);
}

static void as_text(const uint8_t *data, size_t size)
{
	static struct bb_lspci ls;
	static struct bb_gen g;
	struct bb_diag d = { "" };
	int err;

	err = bb_lspci_parse((const char *)data, size, "fuzz", &ls, &d);
	FUZZ_ASSERT(err == 0 || err == -EINVAL || err == -EFBIG, "lspci: %d %s", err, d.msg);
	FUZZ_ASSERT(err == 0 || !strncmp(d.msg, "fuzz", 4), "message does not name the input: %s", d.msg);
	if (err)
		return;
	err = bb_gen_from_lspci(&ls, "lspci:fuzz", &g, &d);
	FUZZ_ASSERT(err == 0 || err == -EINVAL, "from lspci: %d %s", err, d.msg);
	if (err)
		return;
	check_generated(&g, size % 4);
}

static void as_config(const uint8_t *data, size_t size)
{
	static struct bb_gen g;
	struct bb_pcicfg_src src = { .name = "fuzz-config" };
	struct bb_diag d = { "" };
	int err;

	memset(&g, 0, sizeof(g));
	snprintf(g.source, sizeof(g.source), "vfio:fuzz");
	err = bb_pcicfg_parse(data, size > BB_PCICFG_MAX ? BB_PCICFG_MAX : size, &src, &g.pci, &d);
	FUZZ_ASSERT(err == 0 || err == -EINVAL, "config: %d %s", err, d.msg);
	if (err)
		return;
	g.has_pci = true;
	for (uint32_t i = 0; i < g.pci.nr_bars; i++) {
		struct bb_gen_region *r = &g.regions[g.nr_regions];

		if (g.pci.bar[i].upper)
			continue;
		memset(r, 0, sizeof(*r));
		r->info.index = i;
		r->info.size = g.pci.bar[i].io ? 256 : 1u << 20;
		r->info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				(g.pci.bar[i].io ? 0 : VFIO_REGION_INFO_FLAG_MMAP);
		r->io = g.pci.bar[i].io;
		snprintf(r->from, sizeof(r->from), "fuzz region %u", i);
		g.nr_regions++;
	}
	check_generated(&g, (uint32_t)(size % 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_text(data, size);
	as_config(data, size);
	return 0;
}
