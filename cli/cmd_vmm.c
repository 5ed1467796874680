// SPDX-License-Identifier: MIT
/*
 * barbench vmm: what a VMM really maps and traps.  From inside a guest,
 * sweep every page of a device with pci: (bench/vmm.c); with the trap log
 * of the vfio-user server behind it (serve --trap-log), tell what the VMM
 * forwarded from what it answered itself; compare with barbench's own plans
 * for the same layout and page size (analysis/vmm_infer.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "barbench/backend.h"
#include "barbench/policy.h"
#include "barbench/stats.h"
#include "parse.h"
#include "session.h"
#include "vmm.h"
#include "vmm_infer.h"
#include "cli.h"
#include "json.h"
#include "manifest.h"
#include "options.h"
#include "progress.h"

#define MAX_DEVICES 8
#define DEF_SAMPLES 101

enum { K_DEVICE = BB_OPT_KEY(0), K_REGION, K_SAMPLES, K_AS, K_SWEEP, K_LAYOUT, K_TRAP_LOG, K_PAGE, K_VMM, K_OUT, K_JSON };

_Static_assert(MAX_DEVICES == 8 && DEF_SAMPLES == 101, "vmm_opts: update the help of --device and --samples");

static const struct bb_opt vmm_opts[] = {
	{ "device", K_DEVICE, "DEVICE", NULL, "a device to sweep (repeatable, at most 8); its layout names\n"
					      "the words that are safe to read" },
	{ "region", K_REGION, "N", "every region", "only region N" },
	{ "samples", K_SAMPLES, "N", "101", "timed samples per page of a sweep (--device), 1 to 100000" },
	{ "as", K_AS, "POLICY", NULL, "barbench plays the VMM: apply POLICY's plan to a device with a\n"
				      "trap path (emu:, vfio-user:, vfio:) and sweep that" },
	{ "sweep", K_SWEEP, "FILE", NULL, "analyse a sweep file instead of sweeping" },
	{ "layout", K_LAYOUT, "LAYOUT", NULL, "the layout of the device to analyse in the sweep file" },
	{ "trap-log", K_TRAP_LOG, "FILE", NULL, "the server's trap log (with --sweep)" },
	{ "page-size", K_PAGE, "SIZE", "this host's", "the page size of the plans compared" },
	{ "vmm", K_VMM, "NAME", "\"the VMM\"", "what to call the VMM in the output" },
	{ "out", K_OUT, "DIR", NULL, "write vmm-sweep.csv and manifest.json (a sweep), vmm-LAYOUT.csv and\n"
				     "page-map figures" },
	{ "json", K_JSON, NULL, NULL, "print one JSON document instead of the text: the rule, and per\n"
				      "device every page's class, each policy's mode, the verdict\n"
				      "(docs/results.md, docs/schemas/vmm.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help vmm_help = {
	.cmd = "vmm",
	.synopsis = "--device DEVICE [--device DEVICE]... [options]\n"
		    "       barbench vmm --sweep FILE --layout LAYOUT [--trap-log FILE] [options]",
	.text = "What a VMM maps and traps, measured.  Inside a guest, DEVICE is pci:BDF?layout=FILE:\n"
		"the device as the VMM exposes it.  One safe word of every 4 KiB page is read,\n"
		"timed (samples in rounds over the pages, each batched to span 50 timer steps),\n"
		"and the pages fall into classes: in order of time, a class starts at the first\n"
		"page more than 10x slower than the fastest page of the class before (not the\n"
		"page just before it); the fastest class is mapped, the slowest trapped, any\n"
		"between emulated (answered by the VMM itself).  Every region and\n"
		"device of one sweep are classified together.  The VMM's plan so found is set\n"
		"beside each built-in policy's plan of the layout (what the device reports to\n"
		"the VMM): \"behaves as holes\", or the pages that differ.\n"
		"\n"
		"With --sweep (a vmm-sweep.csv written by a sweep, e.g. in the guest) and the\n"
		"trap log of the vfio-user server behind the VMM (barbench serve --trap-log),\n"
		"a slow page the log counted was forwarded to the device, one it did not count\n"
		"was emulated by the VMM; the slow pages must be exactly those the log counted.\n",
	.opts = vmm_opts,
	.quiet = "results and errors only: no timer line, no note on a region the\n"
		 "layout does not describe",
	.exit = "0 analysed (whatever the verdict), 1 a measurement failed or a\n"
		"constant register read another value than its layout's, 2 bad input.",
};

struct vmm_opts {
	const char *devices[MAX_DEVICES];
	unsigned ndev;
	const char *as, *sweep, *layout, *trap_log, *name, *out;
	bool has_region, has_samples, json;
	uint32_t region;
	size_t samples;
	uint64_t page_size;
	/* --json: the document's members as they are found (the pointers, not the struct, change) */
	json_t *jdoc, *jdevices, *jnot_swept;
};

/* The combinations of options that make sense; 0, or the exit status after a message. */
static int check_opts(const struct vmm_opts *o)
{
	if (!!o->ndev == !!o->sweep)
		return bb_cli_fail(BB_EXIT_USAGE, "vmm: give --device (sweep now) or --sweep FILE (analyse a sweep)");
	if (o->sweep && !o->layout)
		return bb_cli_fail(BB_EXIT_USAGE, "vmm: --sweep needs --layout: the device the VMM was given");
	if (o->ndev && (o->layout || o->trap_log))
		return bb_cli_fail(BB_EXIT_USAGE, "vmm: --layout and --trap-log go with --sweep (a device names its layout"
				   " itself; the trap log is written after the sweep)");
	if (o->sweep && (o->as || o->has_region || o->has_samples))
		return bb_cli_fail(BB_EXIT_USAGE, "vmm: --as, --region and --samples go with --device (a sweep file "
				   "holds its samples)");
	return 0;
}

/* The options into @o: -1 to go on, else the exit status (after a message, or 0 after --help). */
static int parse_opts(int argc, char **argv, struct vmm_opts *o)
{
	struct bb_opt_state st = { 0 };
	const char *val;
	uint32_t v;
	int c, err = 0;

	memset(o, 0, sizeof(*o));
	o->samples = DEF_SAMPLES;
	o->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	o->name = "the VMM";
	while (!err && (c = bb_opt_next(&st, argc, argv, &vmm_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_DEVICE:
			if (!(err = bb_opt_count(&vmm_help, c, val, o->ndev, MAX_DEVICES)))
				o->devices[o->ndev++] = val;
			break;
		case K_REGION:
			if (!(err = bb_opt_u32(&vmm_help, c, val, 0, BB_DEV_MAX_REGIONS - 1, &o->region)))
				o->has_region = true;
			break;
		case K_SAMPLES:
			if (!(err = bb_opt_u32(&vmm_help, c, val, 1, 100000, &v))) {
				o->samples = v;
				o->has_samples = true;
			}
			break;
		case K_AS: o->as = val; break;
		case K_SWEEP: o->sweep = val; break;
		case K_LAYOUT: o->layout = val; break;
		case K_TRAP_LOG: o->trap_log = val; break;
		case K_VMM:
			if (!*val || strlen(val) > 64 || strpbrk(val, "\n\r\t"))
				err = bb_opt_bad_value(&vmm_help, c, val, "a name of 1 to 64 printable characters");
			o->name = val;
			break;
		case K_PAGE: err = bb_opt_page_size(&vmm_help, c, val, &o->page_size); break;
		case K_OUT: o->out = val; break;
		case K_JSON: o->json = true; break;
		}
	}
	if (err || (err = bb_opt_operands(&vmm_help, argc, argv, 0, 0)) || (err = check_opts(o)))
		return err;
	return -1;
}

/* @ns with its unit scaled to ms or us; below the resolution @res (0: none known) the bound "< R ns". */
static void fmt_ns(char *out, size_t len, double ns, double res)
{
	if (ns < res)
		bb_format_ns(out, len, ns, res);
	else if (ns >= 1e6)
		snprintf(out, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(out, len, "%.2f us", ns / 1e3);
	else
		snprintf(out, len, "%.1f ns", ns);
}

static void print_rule(const struct bb_vmm_rule *rule, size_t n)
{
	char a[32], b[32];

	fmt_ns(a, sizeof(a), rule->mapped_hi_ns, 0);
	fmt_ns(b, sizeof(b), rule->trapped_lo_ns, 0);
	printf("rule: a class starts where a page reads more than %.0fx slower than the fastest of the class before (medians,"
	       " each at least its timer resolution); the fastest class is mapped, the slowest trapped, any between"
	       " emulated\n", BB_VMM_GAP);
	if (rule->classes > 1)
		printf("  %zu pages swept: %u classes; mapped up to %s, trapped from %s (a gap of %.0fx)\n", n, rule->classes, a,
		       b, rule->gap);
	else if (rule->classes == 1)
		printf("  %zu pages swept: one class (every page within %.0fx of the next): mapped cannot be told from"
		       " trapped\n", n, BB_VMM_GAP);
	else
		printf("  nothing on any page may be read: no page was timed\n");
}

static void print_pages(const struct bb_layout *l, const struct bb_vmm_row *rows, size_t n,
			const struct bb_vmm_verdict *v)
{
	uint32_t region = UINT32_MAX;

	for (size_t i = 0; i < n; i++) {
		const struct bb_vmm_row *r = &rows[i];
		char t[32] = "-", rd[48] = "-";

		if (strcmp(r->layout, l->name))
			continue;
		if (r->region != region) {
			region = r->region;
			printf("  region %" PRIu32 "\n    page      read          time        class      %svmm  ", region,
			       v->have_log ? "counted " : "");
			for (unsigned p = 0; p < v->npol; p++)
				printf(" %-7s", v->pol[p].name);
			printf("\n");
		}
		if (r->probed) {
			fmt_ns(t, sizeof(t), r->p50_ns, r->resolution_ns);
			snprintf(rd, sizeof(rd), "0x%" PRIx64 "/%u", r->offset, r->width);
		}
		printf("    0x%06" PRIx64 "  %-13s %-11s %-10s ", r->page, rd, t, bb_vmm_class_name(r->cls));
		if (v->have_log)
			printf("%7" PRIu64 " ", r->counted);
		printf("%-5s", r->cls == BB_VMM_MAPPED ? "map" : r->cls >= BB_VMM_EMULATED ? "trap" : "?");
		for (unsigned p = 0; p < v->npol; p++)
			printf(" %-7s", !(r->pol_known >> p & 1) ? "-" : r->pol_map >> p & 1 ? "map" : "trap");
		printf("%s\n", r->has_value && r->has_expected && r->value != r->expected ? "  VALUE DIFFERS" : "");
	}
}

/* The row of the page that holds must-trap range @mt, NULL when none was swept. */
static const struct bb_vmm_row *msix_row(const struct bb_layout *l, const struct bb_vmm_row *rows, size_t n,
					 const struct bb_range *mt)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].layout, l->name) && rows[i].region == mt->region &&
		    mt->offset / BB_VMM_SWEEP_PAGE == rows[i].page / BB_VMM_SWEEP_PAGE)
			return &rows[i];
	return NULL;
}

/* Where the MSI-X table and PBA are emulated: the class of the pages that hold them. */
static void print_msix(const struct bb_layout *l, const struct bb_vmm_row *rows, size_t n, bool have_log)
{
	for (uint32_t k = 0; k < l->nr_regions; k++) {
		struct bb_range mt[2];
		unsigned nmt = bb_layout_must_trap(l, l->regions[k].info.index, mt);

		for (unsigned j = 0; j < nmt; j++) {
			const char *what = j == 0 && l->msix.table_region == mt[j].region && l->msix.table_offset == mt[j].offset
					   ? "table" : "PBA";
			const struct bb_vmm_row *r = msix_row(l, rows, n, &mt[j]);
			printf("MSI-X %s [0x%" PRIx64 ", 0x%" PRIx64 ") of region %" PRIu32 ": never read; ", what, mt[j].offset,
			       mt[j].offset + mt[j].size, mt[j].region);
			if (!r || !r->probed)
				printf("nothing else on its page may be read, so where the VMM emulates it is not seen\n");
			else if (r->cls == BB_VMM_MAPPED)
				printf("the rest of its page reads at mapped speed: the VMM maps the page it must emulate\n");
			else if (r->cls == BB_VMM_EMULATED && have_log)
				printf("its page is emulated by the VMM (slower than mapped; no access reached the device)\n");
			else if (r->cls == BB_VMM_FORWARDED)
				printf("the rest of its page is trapped and forwarded to the device (%" PRIu64 " accesses logged);"
				       " the %s itself is the VMM's\n", r->counted, what);
			else
				printf("its page is %s (the VMM emulates the %s; a trap log tells whether the rest of the page"
				       " reaches the device)\n", bb_vmm_class_name(r->cls), what);
		}
	}
}

static void print_log(const struct bb_vmm_verdict *v)
{
	if (!v->have_log)
		return;
	if (!v->slow_not_counted && !v->counted_not_slow)
		printf("trap log: the %u pages found slow are exactly the %u pages the trap log counted\n", v->slow, v->counted);
	else
		printf("trap log: the slow pages and the counted ones differ: %u slow pages not counted, %u counted pages"
		       " not slow (%u slow, %u counted)\n", v->slow_not_counted, v->counted_not_slow, v->slow, v->counted);
	if (v->counted && !v->reads_differ && !v->counted_not_slow)
		printf("trap log: on every page it counted, exactly the reads the sweep made there (warm-up, pilot and"
		       " samples): each reached the device once\n");
	else if (v->reads_differ)
		printf("trap log: on %u forwarded pages the log counted other than the reads the sweep made there (another"
		       " client, or a VMM that reads more or less than asked)\n", v->reads_differ);
	if (v->log_other)
		printf("trap log: %" PRIu64 " more accesses in pages or regions not swept (config space, unprobed pages)\n",
		       v->log_other);
}

static void print_verdict(const char *name, const struct bb_layout *l, const struct bb_vmm_row *rows, size_t n,
			  const struct bb_vmm_verdict *v)
{
	if (!v->known) {
		printf("verdict: no page's treatment is known (nothing probed, or all pages alike): nothing to compare\n");
		return;
	}
	for (unsigned p = 0; p < v->npol; p++)
		if (!v->pol[p].applicable)
			printf("  %s: not applicable (%s)\n", v->pol[p].name, v->pol[p].why);
	if (v->match >= 0) {
		unsigned same = 0;

		printf("verdict: %s on this layout behaves as `%s` (%u pages mapped, %u trapped)", name,
		       v->pol[v->match].name, v->mapped, v->trapped);
		for (unsigned p = 0; p < v->npol; p++)
			if ((int)p != v->match && v->pol[p].applicable && !v->pol[p].differ)
				printf("%s`%s`", same++ ? ", " : "; the same pages: ", v->pol[p].name);
		printf("\n");
		return;
	}
	if (v->closest < 0) {
		printf("verdict: no built-in policy applies to this layout\n");
		return;
	}
	printf("verdict: %s on this layout behaves as none of barbench's policies; closest `%s`, %u of %u pages"
	       " differ:\n", name, v->pol[v->closest].name, v->pol[v->closest].differ, v->known);
	for (size_t i = 0; i < n; i++) {
		const struct bb_vmm_row *r = &rows[i];
		unsigned c = (unsigned)v->closest;

		if (strcmp(r->layout, l->name) || !(r->pol_known >> c & 1) || r->cls < BB_VMM_MAPPED)
			continue;
		if ((r->cls == BB_VMM_MAPPED) != (bool)(r->pol_map >> c & 1))
			printf("  region %" PRIu32 " page 0x%" PRIx64 ": %s %s it (%s), `%s` %s it\n", r->region, r->page, name,
			       r->cls == BB_VMM_MAPPED ? "maps" : "traps", bb_vmm_class_name(r->cls), v->pol[c].name,
			       r->pol_map >> c & 1 ? "maps" : "traps");
	}
}

/* Policy @p's mode on page @r: "map", "trap", or null where it did not plan the page's region. */
static json_t *pol_mode(const struct bb_vmm_row *r, unsigned p)
{
	if (!(r->pol_known >> p & 1))
		return json_null();
	return json_string(r->pol_map >> p & 1 ? "map" : "trap");
}

/* One page of `vmm --json`: where it was read, how fast, its class, and each plan's mode. */
static json_t *page_json(const struct bb_vmm_row *r, const struct bb_vmm_verdict *v)
{
	json_t *pols = json_object();

	for (unsigned p = 0; p < v->npol && pols; p++) {
		if (json_object_set_new(pols, v->pol[p].name, pol_mode(r, p))) {
			json_decref(pols);
			pols = NULL;
		}
	}
	return json_pack("{s:I,s:o,s:b,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:b}", "region", (json_int_t)r->region,
			 "page", bb_json_u64(r->page), "probed", (int)r->probed,
			 "offset", r->probed ? bb_json_u64(r->offset) : json_null(),
			 "width_bytes", r->probed ? json_integer(r->width) : json_null(),
			 "p50_ns", r->probed ? bb_json_num(r->p50_ns) : json_null(),
			 "resolution_ns", r->probed ? bb_json_num(r->resolution_ns) : json_null(),
			 "class", bb_vmm_class_name(r->cls),
			 "counted", v->have_log ? bb_json_u64(r->counted) : json_null(),
			 "vmm", r->cls == BB_VMM_MAPPED ? json_string("map") :
				r->cls >= BB_VMM_EMULATED ? json_string("trap") : json_null(),
			 "policies", pols,
			 "value_differs", (int)(r->has_value && r->has_expected && r->value != r->expected));
}

/* The MSI-X table and PBA of `vmm --json`: each range and the class of its page (null: not swept). */
static json_t *msix_json(const struct bb_layout *l, const struct bb_vmm_row *rows, size_t n)
{
	json_t *a = json_array();

	for (uint32_t k = 0; k < l->nr_regions && a; k++) {
		struct bb_range mt[2];
		unsigned nmt = bb_layout_must_trap(l, l->regions[k].info.index, mt);

		for (unsigned j = 0; j < nmt && a; j++) {
			const struct bb_vmm_row *r = msix_row(l, rows, n, &mt[j]);
			bool table = j == 0 && l->msix.table_region == mt[j].region && l->msix.table_offset == mt[j].offset;

			if (json_array_append_new(a, json_pack("{s:s,s:I,s:o,s:o,s:o}", "what", table ? "table" : "pba",
							       "region", (json_int_t)mt[j].region, "offset",
							       bb_json_u64(mt[j].offset), "size_bytes",
							       bb_json_u64(mt[j].size), "page_class", r && r->probed ?
							       json_string(bb_vmm_class_name(r->cls)) : json_null()))) {
				json_decref(a);
				a = NULL;
			}
		}
	}
	return a;
}

/* The verdict of `vmm --json`: which policy the VMM behaves as, or the closest, and the trap log's check. */
static json_t *verdict_json(const struct bb_vmm_verdict *v)
{
	json_t *pols = json_array(), *same = json_array(), *log = json_null();
	int bad = !pols || !same;

	for (unsigned p = 0; p < v->npol && !bad; p++) {
		bad |= json_array_append_new(pols, json_pack("{s:s,s:b,s:o,s:I}", "name", v->pol[p].name, "applicable",
							    (int)v->pol[p].applicable, "why", v->pol[p].applicable ?
							    json_null() : bb_json_str(v->pol[p].why), "differ_pages",
							    (json_int_t)v->pol[p].differ));
		if (v->match >= 0 && (int)p != v->match && v->pol[p].applicable && !v->pol[p].differ)
			bad |= json_array_append_new(same, json_string(v->pol[p].name));
	}
	if (v->have_log)
		log = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "slow_pages", (json_int_t)v->slow, "counted_pages",
				(json_int_t)v->counted, "slow_not_counted", (json_int_t)v->slow_not_counted,
				"counted_not_slow", (json_int_t)v->counted_not_slow, "reads_differ_pages",
				(json_int_t)v->reads_differ, "other_accesses", bb_json_u64(v->log_other));
	if (bad) {
		json_decref(pols);
		json_decref(same);
		json_decref(log);
		return NULL;
	}
	return json_pack("{s:o,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:I}", "policies", pols, "known_pages",
			 (json_int_t)v->known, "mapped_pages", (json_int_t)v->mapped, "trapped_pages",
			 (json_int_t)v->trapped, "behaves_as", v->known && v->match >= 0 ?
			 json_string(v->pol[v->match].name) : json_null(), "same_pages_as", same,
			 "closest", v->known && v->match < 0 && v->closest >= 0 ? json_string(v->pol[v->closest].name) :
			 json_null(), "closest_differ_pages", v->known && v->match < 0 && v->closest >= 0 ?
			 json_integer(v->pol[v->closest].differ) : json_null(), "trap_log", log,
			 "bad_values", (json_int_t)v->bad_values);
}

/* One device of `vmm --json`, added to o->jdevices (@files: its outputs, or null). */
static int device_json(const struct vmm_opts *o, const struct bb_layout *l, const char *dev,
		       const struct bb_vmm_row *rows, size_t n, const struct bb_vmm_verdict *v, json_t *files)
{
	json_t *pages = json_array();

	for (size_t i = 0; i < n && pages; i++) {
		if (strcmp(rows[i].layout, l->name))
			continue;
		if (json_array_append_new(pages, page_json(&rows[i], v))) {
			json_decref(pages);
			pages = NULL;
		}
	}
	if (json_array_append_new(o->jdevices, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "layout", bb_json_str(l->name),
							 "device", dev ? bb_json_str(dev) : json_null(), "pages", pages,
							 "msix", msix_json(l, rows, n), "verdict", verdict_json(v),
							 "files", files)))
		return bb_cli_fail(BB_EXIT_FAIL, "vmm: out of memory");
	return 0;
}

/* One layout's device: compare, print, write its files.  0, or the exit status. */
static int analyse(const struct vmm_opts *o, const struct bb_layout *l, struct bb_vmm_row *rows, size_t n,
		   const struct bb_trap_entry *log, size_t nlog)
{
	struct bb_vmm_verdict v;
	const char *dev = NULL;
	json_t *files = NULL;
	struct bb_diag d;
	unsigned drawn;
	char csv[4200], maps[4200];
	int err;

	err = bb_vmm_infer(l, rows, n, log, nlog, o->trap_log != NULL, o->page_size, &v, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "vmm: %s", d.msg);
	for (size_t i = 0; i < n && !dev; i++)
		if (!strcmp(rows[i].layout, l->name))
			dev = rows[i].device;
	if (!o->json) {
		printf("\n%s on %s (%s), plans at %" PRIu64 " KiB pages\n", o->name, l->name, dev ? dev : "?",
		       o->page_size / 1024);
		print_pages(l, rows, n, &v);
		print_msix(l, rows, n, v.have_log);
		print_log(&v);
		print_verdict(o->name, l, rows, n, &v);
	}
	if (o->out) {
		err = bb_vmm_write_outputs(o->out, o->name, l, rows, n, &v, o->page_size, &drawn, &d);
		if (err)
			return bb_cli_fail(BB_EXIT_FAIL, "vmm: %s", d.msg);
		snprintf(csv, sizeof(csv), "%s/vmm-%s.csv", o->out, l->name);
		snprintf(maps, sizeof(maps), "%s/vmm-%s-r*.gp", o->out, l->name);
		if (o->json)
			files = json_pack("{s:o,s:o,s:I}", "csv", bb_json_str(csv), "page_maps", bb_json_str(maps),
					  "png_drawn", (json_int_t)drawn);
		else
			printf("files: %s, page maps %s%s\n", csv, maps, drawn ? " and .png" : " (no gnuplot here: not drawn)");
	}
	if (o->json && (err = device_json(o, l, dev, rows, n, &v, files ? files : json_null())))
		return err;
	if (v.bad_values)
		return bb_cli_fail(BB_EXIT_FAIL, "vmm: %u constant registers of %s read another value than the layout's:"
				   " not the device the layout describes", v.bad_values, l->name);
	return 0;
}

/* The rule of `vmm --json`: how the pages were told apart, what it found. */
static json_t *rule_json(const struct bb_vmm_rule *rule, size_t n)
{
	return json_pack("{s:o,s:o,s:I,s:o,s:o,s:o}", "gap_factor", bb_json_num(BB_VMM_GAP), "pages", bb_json_u64(n),
			 "classes", (json_int_t)rule->classes,
			 "mapped_hi_ns", rule->classes > 1 ? bb_json_num(rule->mapped_hi_ns) : json_null(),
			 "trapped_lo_ns", rule->classes > 1 ? bb_json_num(rule->trapped_lo_ns) : json_null(),
			 "gap", rule->classes > 1 ? bb_json_num(rule->gap) : json_null());
}

/*
 * --json: the document's head, its devices and not_swept filled as they are
 * found; printed by json_finish.  0, or the exit status.
 */
static int json_start(struct vmm_opts *o)
{
	if (!o->json)
		return 0;
	o->jdevices = json_array();
	o->jnot_swept = json_array();
	/* timer, samples_per_page, sweep_csv and rule are set when known */
	o->jdoc = json_pack("{s:s,s:o,s:s,s:o,s:o,s:o,s:n,s:n,s:o,s:n,s:n,s:O,s:O}", "schema", "barbench-vmm/1",
			    "vmm", bb_json_str(o->name), "mode", o->sweep ? "analyse" : "sweep", "sweep_file",
			    o->sweep ? bb_json_str(o->sweep) : json_null(), "trap_log",
			    o->trap_log ? bb_json_str(o->trap_log) : json_null(), "page_size_bytes",
			    bb_json_u64(o->page_size), "timer", "samples_per_page", "out",
			    o->out ? bb_json_str(o->out) : json_null(), "sweep_csv", "rule", "not_swept", o->jnot_swept,
			    "devices", o->jdevices);
	if (!o->jdoc)
		return bb_cli_fail(BB_EXIT_FAIL, "vmm: out of memory");
	return 0;
}

/* Set @key of the --json document (takes @v); a failure is seen when it is printed. */
static void json_set(const struct vmm_opts *o, const char *key, json_t *v)
{
	if (!o->jdoc || json_object_set_new(o->jdoc, key, v ? v : json_null()))
		json_decref(v);
}

/* Print the --json document (when the analysis got that far: @status 0 or 1), and free it. */
/* The rule found in @rows, stated: in the JSON document or as text. */
static void classify(const struct vmm_opts *o, struct bb_vmm_row *rows, size_t n, struct bb_vmm_rule *rule)
{
	bb_vmm_classify(rows, n, rule);
	if (o->json)
		json_set(o, "rule", rule_json(rule, n));
	else
		print_rule(rule, n);
}

static int json_finish(struct vmm_opts *o, int status)
{
	int err = 0;

	if (o->jdoc && (status == BB_EXIT_OK || status == BB_EXIT_FAIL) && json_array_size(o->jdevices))
		err = bb_cli_json(json_incref(o->jdoc));
	json_decref(o->jdevices);
	json_decref(o->jnot_swept);
	json_decref(o->jdoc);
	return status ? status : err;
}

/* --sweep FILE: classify the whole file, then the layout's device. */
static int from_file(const struct vmm_opts *o)
{
	struct bb_trap_entry *log = NULL;
	struct bb_vmm_row *rows = NULL;
	struct bb_vmm_rule rule;
	struct bb_layout l;
	struct bb_diag d;
	size_t n = 0, nlog = 0, mine = 0;
	int err, status;

	err = bb_vmm_sweep_read(o->sweep, &rows, &n, &d);
	if (err)
		return bb_cli_fail(bb_cli_status(err), "vmm: %s", d.msg);
	err = bb_cli_layout(o->layout, &l, &d);
	if (err) {
		free(rows);
		return bb_cli_fail(bb_cli_status(err), "vmm: %s", d.msg);
	}
	for (size_t i = 0; i < n; i++)
		mine += !strcmp(rows[i].layout, l.name);
	if (!mine) {
		status = bb_cli_fail(BB_EXIT_USAGE, "vmm: %s holds no page of layout %s (its first is %s's)", o->sweep,
				     l.name, rows[0].layout);
		goto out;
	}
	if (o->trap_log && (err = bb_traplog_read(o->trap_log, &log, &nlog, &d))) {
		status = bb_cli_fail(bb_cli_status(err), "vmm: %s", d.msg);
		goto out;
	}
	classify(o, rows, n, &rule);
	if (o->out && (err = bb_results_dir(o->out, &d))) {
		status = bb_cli_fail(bb_cli_status(err), "vmm: %s", d.msg);
		goto out;
	}
	status = analyse(o, &l, rows, n, log, nlog);
out:
	free(log);
	free(rows);
	bb_layout_free(&l);
	return status;
}

/* The rows of one device's probes. */
static int add_rows(struct bb_vmm_row **rows, size_t *n, const struct bb_dev *dev, const struct bb_vmm_probe *p,
		    size_t np, struct bb_diag *d)
{
	struct bb_vmm_row *nv = realloc(*rows, (*n + np) * sizeof(*nv));

	if (!nv)
		return bb_diag_set(d, -ENOMEM, "out of memory");
	*rows = nv;
	for (size_t i = 0; i < np; i++) {
		struct bb_vmm_row *r = &nv[(*n)++];

		memset(r, 0, sizeof(*r));
		bb_spec_public(dev->spec, r->device, sizeof(r->device));
		snprintf(r->layout, sizeof(r->layout), "%s", dev->layout.name);
		r->region = p[i].region;
		r->page = p[i].page;
		r->probed = p[i].probed;
		if (!r->probed)
			continue;
		r->offset = p[i].offset;
		r->width = p[i].width;
		r->samples = p[i].samples;
		r->batch = p[i].batch;
		r->reads = p[i].reads;
		r->p50_ns = p[i].p50_ns;
		r->min_ns = p[i].min_ns;
		r->p90_ns = p[i].p90_ns;
		r->resolution_ns = p[i].resolution_ns;
		snprintf(r->path, sizeof(r->path), "%s", p[i].via_trap ? "trap" : "map");
		r->has_value = true;
		r->value = p[i].value;
		r->has_expected = p[i].has_expected;
		r->expected = p[i].expected;
	}
	return 0;
}

/* The plan barbench applies as the VMM (--as) on region @index, or none (a device without trap path). */
static int as_plan(const struct vmm_opts *o, struct bb_dev *dev, uint32_t index, struct bb_plan *plan, bool *have,
		   struct bb_diag *d)
{
	const struct bb_policy_ops *ops;
	struct bb_policy_ctx ctx = { .page_size = o->page_size };
	struct bb_registry reg;
	struct bb_range mt[2];
	struct bb_region r;
	int err;

	*have = false;
	if (!o->as)
		return 0;
	bb_registry_init(&reg);
	ops = bb_registry_find(&reg, o->as);
	bb_registry_free(&reg);
	if (!ops)
		return bb_diag_set(d, -EINVAL, "--as %s: no such policy (barbench plan --help lists them)", o->as);
	err = bb_dev_region(dev, index, &r, NULL, NULL, d);
	if (err)
		return err;
	ctx.nr_must_trap = bb_dev_must_trap(dev, index, mt);
	ctx.must_trap = mt;
	err = bb_policy_run(ops, &r, &ctx, plan, d);
	bb_region_free(&r);
	if (!err && !plan->applicable) {
		err = bb_diag_set(d, -EINVAL, "--as %s: not applicable to region %" PRIu32 " of %s: %s", o->as, index,
				  dev->spec, plan->reason);
		bb_plan_free(plan);
	}
	*have = !err;
	return err;
}

/* Sweep every region (or --region) of one device into @rows. */
static int sweep_device(const struct vmm_opts *o, struct bb_session *s, struct bb_dev *dev, struct bb_vmm_row **rows,
			size_t *n, struct bb_diag *d)
{
	bool found = false;

	if ((dev->ops->flags & BB_BACKEND_NO_TRAP) && o->as)
		return bb_diag_set(d, -EINVAL, "%s has no trap path: what traps is the VMM's business; --as is for a device"
				   " barbench maps itself", dev->spec);
	if (!(dev->ops->flags & BB_BACKEND_NO_TRAP) && !o->as)
		return bb_diag_set(d, -EINVAL, "%s has a trap path: say which plan barbench applies as the VMM (--as"
				   " POLICY), or sweep pci:BDF from inside a guest", dev->spec);
	if (!dev->has_layout || !dev->layout.nr_regions)
		return bb_diag_set(d, -EINVAL, "%s: a sweep needs a layout (?layout=FILE): it names what is safe to read",
				   dev->spec);
	for (uint32_t k = 0; k < dev->nr_regions; k++) {
		struct bb_vmm_sweep_cfg cfg = { .dev = dev, .region = dev->index[k], .samples = o->samples,
						.tsc = &s->tsc, .overhead = s->overhead };
		struct bb_vmm_probe *p;
		struct bb_plan plan;
		bool have_plan;
		size_t np;
		int err;

		if (o->has_region && dev->index[k] != o->region)
			continue;
		found = true;
		if (!bb_layout_find_region(&dev->layout, dev->index[k])) {
			if (o->jnot_swept)
				json_array_append_new(o->jnot_swept, json_pack("{s:o,s:I,s:s}", "device",
										bb_json_str(dev->spec), "region",
										(json_int_t)dev->index[k], "why",
										"not in the layout: no plan to compare with"));
			else if (!bb_cli_quiet)
				printf("%s: region %" PRIu32 " is not in layout %s: not swept (no plan to compare with)\n",
				       dev->spec, dev->index[k], dev->layout.name);
			continue;
		}
		err = as_plan(o, dev, dev->index[k], &plan, &have_plan, d);
		if (err)
			return err;
		cfg.plan = have_plan ? &plan : NULL;
		err = bb_vmm_sweep(&cfg, &p, &np, d);
		if (have_plan)
			bb_plan_free(&plan);
		if (err)
			return err;
		err = add_rows(rows, n, dev, p, np, d);
		free(p);
		if (err)
			return err;
	}
	if (!found)
		return bb_diag_set(d, -EINVAL, "%s: no region %" PRIu32 " (barbench info %s lists them)", dev->spec, o->region,
				   dev->spec);
	return 0;
}

static int write_sweep_rows(FILE *f, void *arg)
{
	const struct { const char *note; const struct bb_vmm_row *rows; size_t n; } *a = arg;

	bb_vmm_sweep_write(f, a->note, a->rows, a->n);
	return ferror(f) ? -EIO : 0;
}

/* --device: sweep them all, classify together, then each device. */
static int from_devices(const struct vmm_opts *o)
{
	struct bb_dev *devs[MAX_DEVICES] = { NULL };
	struct bb_vmm_row *rows = NULL;
	struct bb_vmm_rule rule;
	struct bb_session s;
	struct bb_diag d;
	size_t n = 0;
	int err, status = 0;

	err = bb_session_open(&s, o->out, true, &d);
	for (unsigned i = 0; !err && i < o->ndev; i++)
		err = bb_dev_open(o->devices[i], &devs[i], &d);
	if (!err)
		err = bb_session_measure(&s, -1, bb_dev_numa_node(devs[0]), &d);
	if (!err && o->json) {
		json_set(o, "timer", bb_timer_json(&s.tsc));
		json_set(o, "samples_per_page", bb_json_u64(o->samples));
	} else if (!err && !bb_cli_quiet) {
		printf("timer: %s, step %" PRIu64 " cycles = %.2f ns, empty pair %" PRIu64 " cycles; %zu samples per page\n",
		       s.tsc.source, s.tsc.step_cycles, bb_tsc_resolution_ns(&s.tsc), s.overhead, o->samples);
	}
	for (unsigned i = 0; !err && i < o->ndev; i++)
		err = sweep_device(o, &s, devs[i], &rows, &n, &d);
	if (err) {
		status = bb_cli_fail(bb_cli_status(err), "vmm: %s", d.msg);
		goto out;
	}
	classify(o, rows, n, &rule);
	if (o->out) {
		char path[4200], note[300];
		struct { const char *note; const struct bb_vmm_row *rows; size_t n; } a = { note, rows, n };

		snprintf(note, sizeof(note), "%s; timer %s step %" PRIu64 " cycles; %zu samples per page", o->name,
			 s.tsc.source, s.tsc.step_cycles, o->samples);
		snprintf(path, sizeof(path), "%s/vmm-sweep.csv", o->out);
		err = bb_write_atomic(path, write_sweep_rows, &a, &d);
		if (!err)
			err = bb_session_manifest(&s, bb_cli_argc, bb_cli_argv, NULL, &d);
		if (err) {
			status = bb_cli_fail(BB_EXIT_FAIL, "vmm: %s", d.msg);
			goto out;
		}
		if (o->json)
			json_set(o, "sweep_csv", bb_json_str(path));
		else
			printf("sweep: %s\n", path);
	}
	for (unsigned i = 0; i < o->ndev; i++) {
		int st = analyse(o, &devs[i]->layout, rows, n, NULL, 0);

		if (st && !status)
			status = st;
	}
out:
	free(rows);
	for (unsigned i = 0; i < o->ndev; i++)
		bb_dev_close(devs[i]);
	bb_session_close(&s);
	return status;
}

/*
 * The results folder --out is made as run's is, with a samples/ folder; vmm
 * writes no samples, so it goes again when empty (rmdir takes nothing else:
 * not a file, not a folder with something in it, not a symlink).
 */
static void drop_empty_samples(const char *out)
{
	char path[4200];

	if (out && (size_t)snprintf(path, sizeof(path), "%s/samples", out) < sizeof(path))
		rmdir(path);
}

static int cmd_vmm(int argc, char **argv)
{
	struct vmm_opts o;
	int status = parse_opts(argc, argv, &o);

	if (status >= 0)
		return status;
	status = json_start(&o);
	if (!status)
		status = o.sweep ? from_file(&o) : from_devices(&o);
	drop_empty_samples(o.out);
	return bb_cli_finish(json_finish(&o, status));
}

const struct bb_cmd bb_cmd_vmm = { .name = "vmm", .fn = cmd_vmm, .help = &vmm_help,
	.summary = "sweep a device from inside a guest: what the VMM maps and traps, beside barbench's plans" };
