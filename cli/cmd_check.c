// SPDX-License-Identifier: MIT
/*
 * barbench check: the static study a VMM engineer runs before any benchmark.
 * For every layout x page size x policy: memslots and mappings, share of the
 * regions mapped, hot registers trapped, areas dropped by alignment, must-trap
 * ranges exposed; and a verdict per layout naming the best applicable policy.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/backend.h"
#include "json.h"
#include "parse.h"
#include "barbench/policy.h"
#include "profile.h"
#include "cli.h"

#define MAX_PAGES 8
#define MAX_LAYOUTS 64
#define MAX_TRAPPED 64

void usage_check(void)
{
	printf("usage: barbench check [LAYOUT...] [--page-size 4K,16K,64K] [--policy-path F.so]... [--json]\n"
	       "\n"
	       "For every layout (default: every shipped one) x page size x policy, over all of\n"
	       "the layout's regions: memslots and mappings used, share of the bytes mapped,\n"
	       "which hot registers end up trapped, sparse areas dropped by alignment, must-trap\n"
	       "ranges exposed; then a verdict per layout naming the best applicable policy.\n"
	       "\n"
	       "Best: the applicable policy that exposes no must-trap range and traps the least\n"
	       "hot-register weight (the layout's reads+writes per unit of work), then uses the\n"
	       "fewest memslots, then the fewest mappings, then maps the most bytes.\n");
}

/* One policy on one layout at one page size, summed over the layout's regions. */
struct cell {
	const struct bb_policy_ops *ops;
	uint64_t page;
	bool applicable;	/* on at least one region, and no region refused it */
	char reason[BB_PLAN_NOTE_LEN + 32];
	uint32_t memslots, mappings;
	uint64_t mapped, total;
	uint64_t hot_weight;	/* reads+writes of trapped registers */
	unsigned nr_trapped;
	const struct bb_layout_reg *trapped[MAX_TRAPPED];
	unsigned nr_dropped;
	char dropped[128];
	unsigned nr_exposed;
	char exposed[128];
};

static void append(char *buf, size_t len, const char *fmt, ...) BB_PRINTF(3, 4);
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static int cmp_hot(const void *a, const void *b)
{
	const struct bb_layout_reg *x = *(const struct bb_layout_reg *const *)a;
	const struct bb_layout_reg *y = *(const struct bb_layout_reg *const *)b;
	uint64_t wx = (uint64_t)x->reads + x->writes, wy = (uint64_t)y->reads + y->writes;

	return wx > wy ? -1 : (wx < wy);
}

/* @c's policy at @c's page size on each of the @nr regions @regs of @dev, as its backend reported them. */
static int run_cell(const struct bb_dev *dev, const struct bb_region *regs_of_dev, uint32_t nr, struct cell *c,
		    struct bb_diag *d)
{
	const struct bb_layout *l = &dev->layout;
	bool any = false;
	char nm[16];

	c->applicable = true;
	for (uint32_t i = 0; i < nr; i++) {
		const struct bb_region *rp = &regs_of_dev[i];
		struct bb_range mt[2];
		struct bb_policy_ctx ctx = { .page_size = c->page, .must_trap = mt };
		struct bb_profile prof;
		const struct bb_layout_reg *regs[MAX_TRAPPED];
		struct bb_plan p;
		unsigned n;
		int err;

		ctx.nr_must_trap = bb_dev_must_trap(dev, rp->index, mt);
		bb_profile_from_layout(l, rp->index, 4, &prof);
		ctx.profile = prof.n ? &prof : NULL;
		err = bb_policy_run(c->ops, rp, &ctx, &p, d);
		bb_profile_free(&prof);
		if (err)
			return err;
		c->total += rp->size;
		if (!p.applicable) {
			/* regions nobody may map (no MMAP flag) do not decide applicability */
			if (bb_region_mappable_bytes(rp)) {
				c->applicable = false;
				snprintf(c->reason, sizeof(c->reason), "%s: %s",
					 bb_region_index_name(rp->index, nm, sizeof(nm)), p.reason);
			}
			bb_plan_free(&p);
			continue;
		}
		any = true;
		c->memslots += p.memslots;
		c->mappings += p.nr_mappings;
		c->mapped += p.mapped_bytes;
		n = bb_plan_trapped_regs(&p, l, rp->index, regs, MAX_TRAPPED);
		for (unsigned k = 0; k < n && k < MAX_TRAPPED; k++) {
			uint64_t w = (uint64_t)regs[k]->reads + regs[k]->writes;

			c->hot_weight += w;
			if (w && c->nr_trapped < MAX_TRAPPED)
				c->trapped[c->nr_trapped++] = regs[k];
		}
		for (uint32_t k = 0; k < p.nr_dropped; k++) {
			if (rp->has_sparse)
				append(c->dropped, sizeof(c->dropped), "%s%s#%" PRIu32, c->nr_dropped ? "," : "",
				       bb_region_index_name(rp->index, nm, sizeof(nm)), p.dropped[k]);
			else	/* the whole region is smaller than a page */
				append(c->dropped, sizeof(c->dropped), "%s%s", c->nr_dropped ? "," : "",
				       bb_region_index_name(rp->index, nm, sizeof(nm)));
			c->nr_dropped++;
		}
		if (c->ops->flags & BB_POLICY_EXPOSES_MUST_TRAP) {
			for (unsigned k = 0; k < ctx.nr_must_trap; k++) {
				bool exposed = false;

				for (uint32_t w = 0; w < p.nr_windows; w++)
					exposed |= p.windows[w].mode == BB_WIN_MAP &&
						   p.windows[w].offset < mt[k].offset + mt[k].size &&
						   mt[k].offset < p.windows[w].offset + p.windows[w].size;
				if (exposed) {
					bool table = l->msix.table_region == rp->index && l->msix.table_offset == mt[k].offset;

					append(c->exposed, sizeof(c->exposed), "%s%s", c->nr_exposed ? "," : "",
					       table ? "msix-table" : "msix-pba");
					c->nr_exposed++;
				}
			}
		}
		bb_plan_free(&p);
	}
	if (!any && c->applicable) {
		c->applicable = false;
		snprintf(c->reason, sizeof(c->reason), "no region of the layout is mappable");
	}
	qsort(c->trapped, c->nr_trapped, sizeof(c->trapped[0]), cmp_hot);
	return 0;
}

/* Is a better than b? */
static bool better(const struct cell *a, const struct cell *b)
{
	if (a->hot_weight != b->hot_weight)
		return a->hot_weight < b->hot_weight;
	if (a->mapped != b->mapped)
		return a->mapped > b->mapped;
	if (a->memslots != b->memslots)
		return a->memslots < b->memslots;
	return a->mappings < b->mappings;
}

static const struct cell *best_of(const struct cell *cells, unsigned n)
{
	const struct cell *best = NULL;

	for (unsigned i = 0; i < n; i++) {
		if (!cells[i].applicable || cells[i].nr_exposed)
			continue;
		/* on a tie, what VMMs already do (sparse) wins */
		if (!best || better(&cells[i], best) ||
		    (!better(best, &cells[i]) && !strcmp(cells[i].ops->name, "sparse")))
			best = &cells[i];
	}
	return best;
}

static const struct cell *find_cell(const struct cell *cells, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(cells[i].ops->name, name))
			return &cells[i];
	return NULL;
}

static void why(char *buf, size_t len, const struct cell *best, const struct cell *sparse)
{
	buf[0] = '\0';
	if (!best) {
		snprintf(buf, len, "no policy applies without exposing a must-trap range");
		return;
	}
	if (!sparse || best == sparse || !sparse->applicable) {
		snprintf(buf, len, "%straps hot weight %" PRIu64 ", maps %.1f%% with %" PRIu32 " memslot%s",
			 best == sparse ? "what VMMs do is already best: " : "",
			 best->hot_weight, best->total ? 100.0 * (double)best->mapped / (double)best->total : 0.0,
			 best->memslots, best->memslots == 1 ? "" : "s");
		return;
	}
	if (best->hot_weight < sparse->hot_weight)
		snprintf(buf, len, "traps hot weight %" PRIu64 " where sparse (what VMMs do) traps %" PRIu64
			 "; %" PRIu32 " memslot%s vs %" PRIu32, best->hot_weight, sparse->hot_weight,
			 best->memslots, best->memslots == 1 ? "" : "s", sparse->memslots);
	else if (best->mapped > sparse->mapped)
		snprintf(buf, len, "traps the same hot weight (%" PRIu64 ") as sparse and maps 0x%" PRIx64
			 " more bytes; %" PRIu32 " memslot%s vs %" PRIu32, best->hot_weight,
			 best->mapped - sparse->mapped, best->memslots, best->memslots == 1 ? "" : "s",
			 sparse->memslots);
	else if (best->memslots < sparse->memslots)
		snprintf(buf, len, "maps what sparse maps with %" PRIu32 " memslot%s instead of %" PRIu32,
			 best->memslots, best->memslots == 1 ? "" : "s", sparse->memslots);
	else
		snprintf(buf, len, "maps what sparse maps with %" PRIu32 " mmap%s instead of %" PRIu32,
			 best->mappings, best->mappings == 1 ? "" : "s", sparse->mappings);
}


static void print_text(const struct bb_layout *l, const struct cell *cells, unsigned nc,
		       const uint64_t *pages, unsigned np, unsigned per)
{
	char ps[32], w[300];

	printf("\n%s: %s\n", l->name, l->desc);
	printf("  %-6s %-8s %5s %5s %7s  %-28s %-12s %s\n", "page", "policy", "slots", "mmaps", "mapped%",
	       "hot registers trapped", "dropped", "exposed");
	for (unsigned i = 0; i < nc; i++) {
		const struct cell *c = &cells[i];
		char hot[64] = "";

		bb_format_size(ps, sizeof(ps), c->page);
		if (!c->applicable) {
			printf("  %-6s %-8s not applicable: %s\n", ps, c->ops->name, c->reason);
			continue;
		}
		for (unsigned k = 0; k < c->nr_trapped && k < 3; k++)
			append(hot, sizeof(hot), "%s%s", k ? "," : "", c->trapped[k]->name);
		if (c->nr_trapped > 3)
			append(hot, sizeof(hot), ",+%u", c->nr_trapped - 3);
		printf("  %-6s %-8s %5" PRIu32 " %5" PRIu32 " %7.1f  %-28s %-12s %s\n", ps, c->ops->name,
		       c->memslots, c->mappings, c->total ? 100.0 * (double)c->mapped / (double)c->total : 0.0,
		       c->nr_trapped ? hot : "-", c->nr_dropped ? c->dropped : "-",
		       c->nr_exposed ? c->exposed : "-");
	}
	for (unsigned pi = 0; pi < np; pi++) {
		const struct cell *row = &cells[pi * per];
		const struct cell *b = best_of(row, per);

		bb_format_size(ps, sizeof(ps), pages[pi]);
		why(w, sizeof(w), b, find_cell(row, per, "sparse"));
		printf("  verdict %s: %s: %s\n", ps, b ? b->ops->name : "none", w);
	}
}

static void print_json(const struct bb_layout *l, const struct cell *cells, unsigned nc,
		       const uint64_t *pages, unsigned np, unsigned per)
{
	char w[300];

	printf("{\"layout\":");
	bb_json_string(stdout, l->name);
	printf(",\"results\":[");
	for (unsigned i = 0; i < nc; i++) {
		const struct cell *c = &cells[i];

		printf("%s{\"page_size\":%" PRIu64 ",\"policy\":", i ? "," : "", c->page);
		bb_json_string(stdout, c->ops->name);
		if (!c->applicable) {
			printf(",\"applicable\":false,\"reason\":");
			bb_json_string(stdout, c->reason);
			putchar('}');
			continue;
		}
		printf(",\"applicable\":true,\"memslots\":%" PRIu32 ",\"mappings\":%" PRIu32
		       ",\"mapped_bytes\":%" PRIu64 ",\"total_bytes\":%" PRIu64 ",\"hot_weight_trapped\":%" PRIu64
		       ",\"trapped_hot_registers\":[", c->memslots, c->mappings, c->mapped, c->total, c->hot_weight);
		for (unsigned k = 0; k < c->nr_trapped; k++) {
			if (k)
				putchar(',');
			bb_json_string(stdout, c->trapped[k]->name);
		}
		printf("],\"dropped_areas\":");
		bb_json_string(stdout, c->dropped);
		printf(",\"exposed_must_trap\":");
		bb_json_string(stdout, c->exposed);
		putchar('}');
	}
	printf("],\"verdicts\":[");
	for (unsigned pi = 0; pi < np; pi++) {
		const struct cell *row = &cells[pi * per];
		const struct cell *b = best_of(row, per);

		why(w, sizeof(w), b, find_cell(row, per, "sparse"));
		printf("%s{\"page_size\":%" PRIu64 ",\"policy\":", pi ? "," : "", pages[pi]);
		if (b)
			bb_json_string(stdout, b->ops->name);
		else
			printf("null");
		printf(",\"why\":");
		bb_json_string(stdout, w);
		putchar('}');
	}
	printf("]}");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shipped layouts, sorted by name. */
static unsigned shipped(char names[][300], unsigned max)
{
	DIR *dir = opendir(BB_LAYOUT_DIR);
	struct dirent *e;
	char *ptrs[MAX_LAYOUTS];
	char tmp[MAX_LAYOUTS][300];
	unsigned n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir)) && n < max) {
		if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
			continue;
		snprintf(tmp[n], sizeof(tmp[n]), "%s/%s", BB_LAYOUT_DIR, e->d_name);
		ptrs[n] = tmp[n];
		n++;
	}
	closedir(dir);
	qsort(ptrs, n, sizeof(ptrs[0]), cmp_str);
	for (unsigned i = 0; i < n; i++)
		snprintf(names[i], 300, "%s", ptrs[i]);
	return n;
}

static void close_layout(struct bb_dev *dev, struct bb_region *regs, uint32_t nr)
{
	for (uint32_t i = 0; i < nr; i++)
		bb_region_free(&regs[i]);
	bb_dev_close(dev);
}

/*
 * The emulated device of layout @name (emu:PATH, PATH or a shipped name) and
 * every region as its backend reports it, parsed by the core parser.
 */
static int open_layout(const char *name, struct bb_dev **dev, struct bb_region *regs, uint32_t *nr,
		       struct bb_diag *d)
{
	char spec[320];
	int err;

	*nr = 0;
	if (snprintf(spec, sizeof(spec), "%s%s", strncmp(name, "emu:", 4) ? "emu:" : "", name) >= (int)sizeof(spec))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: layout path too long", name);
	err = bb_dev_open(spec, dev, d);
	if (err)
		return err;
	for (; *nr < (*dev)->nr_regions; (*nr)++) {
		err = bb_dev_region(*dev, (*dev)->index[*nr], &regs[*nr], NULL, NULL, d);
		if (err) {
			close_layout(*dev, regs, *nr);
			return err;
		}
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "page-size", required_argument, NULL, 's' },
		{ "policy-path", required_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static char names[MAX_LAYOUTS][300];
	uint64_t pages[MAX_PAGES] = { 4096, 16384, 65536 };
	unsigned np = 3, nl = 0;
	struct bb_registry reg;
	struct bb_diag d;
	bool json = false;
	int c, status = BB_EXIT_OK;

	bb_registry_init(&reg);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (bb_cli_page_sizes(optarg, pages, MAX_PAGES, &np, &d)) {
				bb_registry_free(&reg);
				return bb_cli_fail(BB_EXIT_USAGE, "check: %s", d.msg);
			}
			break;
		case 'L':
			if (bb_registry_load(&reg, optarg, &d)) {
				bb_registry_free(&reg);
				return bb_cli_fail(BB_EXIT_USAGE, "check: --policy-path %s", d.msg);
			}
			break;
		case 'j': json = true; break;
		default:
			bb_registry_free(&reg);
			return bb_cli_bad_option("check", c, argv[optind - 1]);
		}
	}
	for (; optind < argc && nl < MAX_LAYOUTS; optind++)
		snprintf(names[nl++], sizeof(names[0]), "%s", argv[optind]);
	if (optind < argc) {
		bb_registry_free(&reg);
		return bb_cli_fail(BB_EXIT_USAGE, "check: at most %d layouts", MAX_LAYOUTS);
	}
	if (!nl)
		nl = shipped(names, MAX_LAYOUTS);
	if (!nl) {
		bb_registry_free(&reg);
		return bb_cli_fail(BB_EXIT_FAIL, "check: no layouts in %s", BB_LAYOUT_DIR);
	}
	if (json)
		putchar('[');
	else
		printf("barbench check: %u layout%s, %u page size%s, %u policies\n", nl, nl == 1 ? "" : "s",
		       np, np == 1 ? "" : "s", reg.n);
	for (unsigned li = 0; li < nl; li++) {
		struct bb_region regs[BB_DEV_MAX_REGIONS];
		uint32_t nr = 0;
		struct bb_dev *dev;
		struct cell *cells;
		unsigned nc = np * reg.n;
		int err;

		err = open_layout(names[li], &dev, regs, &nr, &d);
		if (err) {
			status = bb_cli_fail(bb_cli_status(err), "check: %s", d.msg);
			break;
		}
		cells = calloc(nc, sizeof(*cells));
		if (!cells) {
			close_layout(dev, regs, nr);
			status = bb_cli_fail(BB_EXIT_FAIL, "check: out of memory");
			break;
		}
		for (unsigned pi = 0; pi < np && !err; pi++) {
			for (unsigned k = 0; k < reg.n && !err; k++) {
				struct cell *cl = &cells[pi * reg.n + k];

				cl->ops = reg.ops[k];
				cl->page = pages[pi];
				err = run_cell(dev, regs, nr, cl, &d);
			}
		}
		if (err) {
			status = bb_cli_fail(err == -EPROTO ? BB_EXIT_FAIL : bb_cli_status(err), "check: %s", d.msg);
		} else if (json) {
			if (li)
				putchar(',');
			print_json(&dev->layout, cells, nc, pages, np, reg.n);
		} else {
			print_text(&dev->layout, cells, nc, pages, np, reg.n);
		}
		free(cells);
		close_layout(dev, regs, nr);
		if (err)
			break;
	}
	if (json)
		printf("]\n");
	bb_registry_free(&reg);
	return status;
}
