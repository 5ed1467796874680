// SPDX-License-Identifier: MIT
/*
 * barbench check: the static study a VMM engineer runs before any benchmark.
 * For every layout x page size x policy: memslots and mappings, share of the
 * regions mapped, hot registers trapped, areas dropped by alignment, must-trap
 * ranges exposed; and a verdict per layout naming the best applicable policy.
 */
#include <errno.h>
#include <stdarg.h>
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
#include "options.h"

#define MAX_PAGES 8
#define MAX_LAYOUTS 64
#define MAX_TRAPPED 64

enum { K_PAGE = BB_OPT_KEY(0), K_PATH, K_JSON };

static const struct bb_opt check_opts[] = {
	{ "page-size", K_PAGE, "LIST", "4K,16K,64K", "comma list of host page sizes (at most 8)" },
	{ "policy-path", K_PATH, "F.so", NULL, "load an out-of-tree policy too (repeatable)" },
	{ "json", K_JSON, NULL, NULL, "one JSON document {schema, page_sizes_bytes, policies, layouts: [{layout,\n"
				      "description, results, verdicts}]} (docs/schemas/check.schema.json)" },
	{ NULL, 0, NULL, NULL, NULL },
};

static const struct bb_cmd_help check_help = {
	.cmd = "check",
	.synopsis = "[LAYOUT...] [options]",
	.text = "For every layout (default: every shipped one) x page size x policy, over all of\n"
		"the layout's regions: memslots and mappings used, share of the bytes mapped,\n"
		"which hot registers end up trapped, sparse areas dropped by alignment, must-trap\n"
		"ranges exposed; then a verdict per layout naming the best applicable policy.\n"
		"\n"
		"Best: the applicable policy that exposes no must-trap range and traps the least\n"
		"hot-register weight (the layout's reads+writes per unit of work), then uses the\n"
		"fewest memslots, then the fewest mappings, then maps the most bytes.\n",
	.operands = "  LAYOUT   a layout file, emu:PATH or a shipped layout's name (at most 64)\n",
	.opts = check_opts,
	.quiet = "accepted; check prints nothing but results and errors anyway",
	.exit = "0 checked (whatever the verdicts), 1 a policy's plan fails validation or\n"
		"no layout is shipped, 2 a layout that does not load or a bad option.",
};

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
	char dropped[128];		/* the text: "BAR0#1,BAR2" */
	struct {
		uint32_t region;
		int64_t area;		/* -1: the whole region is smaller than a page */
	} drop[MAX_TRAPPED];		/* the first MAX_TRAPPED of them, for --json */
	unsigned nr_exposed;
	char exposed[128];
	const char *exp[MAX_TRAPPED];	/* "msix-table", "msix-pba" */
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
			if (c->nr_dropped < MAX_TRAPPED) {
				c->drop[c->nr_dropped].region = rp->index;
				c->drop[c->nr_dropped].area = rp->has_sparse ? (int64_t)p.dropped[k] : -1;
			}
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
					if (c->nr_exposed < MAX_TRAPPED)
						c->exp[c->nr_exposed] = table ? "msix-table" : "msix-pba";
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
			 best->hot_weight, bb_share_pct(best->mapped, best->total),
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

/* The first three hot registers a cell traps, then how many more; "-" when none. */
static const char *hot_of(const struct cell *c, char *hot, size_t len)
{
	hot[0] = '\0';
	if (!c->applicable || !c->nr_trapped)
		return "-";
	for (unsigned k = 0; k < c->nr_trapped && k < 3; k++)
		append(hot, len, "%s%s", k ? "," : "", c->trapped[k]->name);
	if (c->nr_trapped > 3)
		append(hot, len, ",+%u", c->nr_trapped - 3);
	return hot;
}

static void print_text(const struct bb_layout *l, const struct cell *cells, unsigned nc,
		       const uint64_t *pages, unsigned np, unsigned per)
{
	char ps[32], w[300];
	int hw = 28, dw = 12;	/* the columns as wide as their longest entry: the next one stays in line */

	for (unsigned i = 0; i < nc; i++) {
		char hot[64];
		int n = (int)strlen(hot_of(&cells[i], hot, sizeof(hot)));

		hw = n > hw ? n : hw;
		n = cells[i].nr_dropped ? (int)strlen(cells[i].dropped) : 1;
		dw = n > dw ? n : dw;
	}
	printf("\n%s: %s\n", l->name, l->desc);
	printf("  %-6s %-8s %5s %5s %7s  %-*s %-*s %s\n", "page", "policy", "slots", "mmaps", "mapped%", hw,
	       "hot registers trapped", dw, "dropped", "exposed");
	for (unsigned i = 0; i < nc; i++) {
		const struct cell *c = &cells[i];
		char hot[64];

		bb_format_size(ps, sizeof(ps), c->page);
		if (!c->applicable) {
			printf("  %-6s %-8s not applicable: %s\n", ps, c->ops->name, c->reason);
			continue;
		}
		printf("  %-6s %-8s %5" PRIu32 " %5" PRIu32 " %7.1f  %-*s %-*s %s\n", ps, c->ops->name,
		       c->memslots, c->mappings, bb_share_pct(c->mapped, c->total), hw, hot_of(c, hot, sizeof(hot)),
		       dw, c->nr_dropped ? c->dropped : "-", c->nr_exposed ? c->exposed : "-");
	}
	for (unsigned pi = 0; pi < np; pi++) {
		const struct cell *row = &cells[pi * per];
		const struct cell *b = best_of(row, per);

		bb_format_size(ps, sizeof(ps), pages[pi]);
		why(w, sizeof(w), b, find_cell(row, per, "sparse"));
		printf("  verdict %s: %s: %s\n", ps, b ? b->ops->name : "none", w);
	}
}

/* One cell of `check --json`: every member present; one that does not apply has its reason and null figures. */
static json_t *cell_json(const struct cell *c)
{
	json_t *hot = json_array(), *drop = json_array(), *exp = json_array();
	int bad = !hot || !drop || !exp;
	bool ok = c->applicable;

	for (unsigned k = 0; ok && k < c->nr_trapped && !bad; k++)
		bad |= json_array_append_new(hot, bb_json_str(c->trapped[k]->name));
	for (unsigned k = 0; ok && k < c->nr_dropped && k < MAX_TRAPPED && !bad; k++)
		bad |= json_array_append_new(drop, json_pack("{s:I,s:o}", "region", (json_int_t)c->drop[k].region,
							      "area", c->drop[k].area < 0 ? json_null() :
							      json_integer(c->drop[k].area)));
	for (unsigned k = 0; ok && k < c->nr_exposed && k < MAX_TRAPPED && !bad; k++)
		bad |= json_array_append_new(exp, json_string(c->exp[k]));
	if (bad) {
		json_decref(hot);
		json_decref(drop);
		json_decref(exp);
		return NULL;
	}
	return json_pack("{s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			 "page_size_bytes", bb_json_u64(c->page), "policy", bb_json_str(c->ops->name),
			 "applicable", (int)ok, "reason", ok ? json_null() : bb_json_str(c->reason),
			 "memslots", ok ? json_integer(c->memslots) : json_null(),
			 "mappings", ok ? json_integer(c->mappings) : json_null(),
			 "mapped_bytes", ok ? bb_json_u64(c->mapped) : json_null(),
			 "total_bytes", bb_json_u64(c->total),
			 "hot_weight_trapped", ok ? bb_json_u64(c->hot_weight) : json_null(),
			 "trapped_hot_registers", hot, "dropped_areas", drop, "exposed_must_trap", exp);
}

/* One layout of `check --json`: its cells and a verdict per page size. */
static json_t *layout_json(const struct bb_layout *l, const struct cell *cells, unsigned nc,
			   const uint64_t *pages, unsigned np, unsigned per)
{
	json_t *res = json_array(), *ver = json_array();
	int bad = !res || !ver;
	char w[300];

	for (unsigned i = 0; i < nc && !bad; i++)
		bad |= json_array_append_new(res, cell_json(&cells[i]));
	for (unsigned pi = 0; pi < np && !bad; pi++) {
		const struct cell *row = &cells[pi * per];
		const struct cell *b = best_of(row, per);

		why(w, sizeof(w), b, find_cell(row, per, "sparse"));
		bad |= json_array_append_new(ver, json_pack("{s:o,s:o,s:o}", "page_size_bytes", bb_json_u64(pages[pi]),
							    "policy", b ? bb_json_str(b->ops->name) : json_null(),
							    "why", bb_json_str(w)));
	}
	if (bad) {
		json_decref(res);
		json_decref(ver);
		return NULL;
	}
	return json_pack("{s:o,s:o,s:o,s:o}", "layout", bb_json_str(l->name), "description", bb_json_str(l->desc),
			 "results", res, "verdicts", ver);
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

/* The document of `check --json`: the page sizes and policies checked, then every layout (takes @layouts). */
static json_t *check_doc(const struct bb_registry *reg, const uint64_t *pages, unsigned np, json_t *layouts)
{
	json_t *ps = json_array(), *pol = json_array();
	int bad = !ps || !pol;

	for (unsigned i = 0; i < np && !bad; i++)
		bad |= json_array_append_new(ps, bb_json_u64(pages[i]));
	for (unsigned i = 0; i < reg->n && !bad; i++)
		bad |= json_array_append_new(pol, bb_json_str(reg->ops[i]->name));
	if (bad) {
		json_decref(ps);
		json_decref(pol);
		json_decref(layouts);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:o,s:o}", "schema", "barbench-check/1", "page_sizes_bytes", ps, "policies", pol,
			 "layouts", layouts);
}

/* The options into @pages, @reg and @json; 0, or the exit status after a message. */
static int check_options(int argc, char **argv, uint64_t *pages, unsigned *np, struct bb_registry *reg, bool *json)
{
	struct bb_opt_state st = { 0 };
	struct bb_diag d;
	const char *val;
	int c;

	while ((c = bb_opt_next(&st, argc, argv, &check_help, &val)) != -1) {
		switch (c) {
		case -2: return st.status;
		case K_PAGE:
			if ((c = bb_opt_page_sizes(&check_help, c, val, pages, MAX_PAGES, np)))
				return c;
			break;
		case K_PATH:
			if (bb_registry_load(reg, val, &d))
				return bb_cli_fail(BB_EXIT_USAGE, "check: --policy-path %s", d.msg);
			break;
		case K_JSON: *json = true; break;
		}
	}
	if (argc - optind > MAX_LAYOUTS)
		return bb_cli_fail(BB_EXIT_USAGE, "check: at most %d layouts", MAX_LAYOUTS);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	static char names[MAX_LAYOUTS][300];
	uint64_t pages[MAX_PAGES] = { 4096, 16384, 65536 };
	unsigned np = 3, nl = 0;
	struct bb_registry reg;
	struct bb_diag d;
	json_t *layouts = NULL;
	bool json = false;
	int status = BB_EXIT_OK;

	bb_registry_init(&reg);
	status = check_options(argc, argv, pages, &np, &reg, &json);
	if (status) {
		bb_registry_free(&reg);
		return status;
	}
	for (; optind < argc && nl < MAX_LAYOUTS; optind++)
		snprintf(names[nl++], sizeof(names[0]), "%s", argv[optind]);
	if (!nl) {	/* the shipped layouts */
		char **files;
		size_t n;
		int err = bb_cli_layout_files(BB_LAYOUT_DIR, MAX_LAYOUTS, &files, &n, &d);

		for (size_t i = 0; !err && i < n; i++)
			snprintf(names[nl++], sizeof(names[0]), "%s", files[i]);
		if (!err)
			bb_cli_names_free(files, n);
		if (err || !nl) {
			bb_registry_free(&reg);
			return bb_cli_fail(BB_EXIT_FAIL, "check: %s", err ? d.msg : "no layouts in " BB_LAYOUT_DIR);
		}
	}
	if (json)
		layouts = json_array();
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
			if (json_array_append_new(layouts, layout_json(&dev->layout, cells, nc, pages, np, reg.n))) {
				json_decref(layouts);
				layouts = NULL;	/* out of memory: said when printed */
			}
		} else {
			print_text(&dev->layout, cells, nc, pages, np, reg.n);
		}
		free(cells);
		close_layout(dev, regs, nr);
		if (err)
			break;
	}
	if (json && status == BB_EXIT_OK)
		status = bb_cli_json(check_doc(&reg, pages, np, layouts));
	else
		json_decref(layouts);
	bb_registry_free(&reg);
	return status;
}

const struct bb_cmd bb_cmd_check = { .name = "check", .fn = cmd_check, .help = &check_help,
	.summary = "static study: every layout x page size x policy, and a verdict per layout" };
