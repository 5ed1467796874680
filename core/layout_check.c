// SPDX-License-Identifier: MIT
/* What `barbench layout check` finds in a layout (layouts/README.md, "Checking a layout"). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "barbench/plan.h"
#include "layout_check.h"

const uint64_t bb_layout_check_pages[3] = { 4096, 16384, 65536 };

const char *bb_finding_kind_name(enum bb_finding_kind k)
{
	static const char *const n[] = { "outside", "overlap", "safe-over-msix", "no-hotness", "msix-page",
					 "msix-unknown" };

	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

void bb_layout_findings_free(struct bb_layout_findings *f)
{
	if (!f)
		return;
	free(f->v);
	memset(f, 0, sizeof(*f));
}

bool bb_layout_findings_fail(const struct bb_layout_findings *f)
{
	for (uint32_t i = 0; i < f->n; i++)
		if (!f->v[i].note)
			return true;
	return false;
}

/* A finding of statement @line; @accept: that statement's accept= bits. */
BB_PRINTF(6, 7)
static int add(struct bb_layout_findings *f, unsigned line, uint32_t accept, enum bb_finding_kind k, uint64_t page,
	       const char *fmt, ...)
{
	struct bb_layout_finding *n;
	va_list ap;

	if (f->n >= BB_LAYOUT_MAX_FINDINGS) {
		f->more = true;
		return 0;
	}
	n = realloc(f->v, (f->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	f->v = n;
	n += f->n++;
	memset(n, 0, sizeof(*n));
	n->line = line;
	n->kind = k;
	n->accepted = accept & (1u << k);
	n->note = k == BB_FIND_MSIX_UNKNOWN || n->accepted;
	n->page = page;
	va_start(ap, fmt);
	vsnprintf(n->msg, sizeof(n->msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* [lo, hi) of the pages @off..@off+@len touches; hi saturates at 2^64 - 1. */
static void pages_of(uint64_t off, uint64_t len, uint64_t page, uint64_t *lo, uint64_t *hi)
{
	uint64_t end = off + len < off ? UINT64_MAX : off + len;

	*lo = bb_align_down(off, page);
	if (!bb_align_up(end, page, hi))
		*hi = UINT64_MAX;
}

bool bb_layout_reg_on_must_trap_page(const struct bb_layout *l, const struct bb_layout_reg *g, uint64_t page,
				     struct bb_range *with)
{
	struct bb_range mt[2];
	unsigned n = bb_layout_must_trap(l, g->region, mt);
	uint64_t lo, hi;

	pages_of(g->offset, g->size, page, &lo, &hi);
	for (unsigned k = 0; k < n; k++) {
		uint64_t a, b;

		pages_of(mt[k].offset, mt[k].size, page, &a, &b);
		if (lo < b && a < hi) {
			if (with)
				*with = mt[k];
			return true;
		}
	}
	return false;
}

uint32_t bb_layout_hot_on_must_trap_pages(const struct bb_layout *l, uint64_t page,
					  const struct bb_layout_reg **out, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];

		if (!(g->reads || g->writes) || !bb_layout_reg_on_must_trap_page(l, g, page, NULL))
			continue;
		if (out && n < max)
			out[n] = g;
		n++;
	}
	return n;
}

/* The registers of one statement: an array's elements, or one register. */
static uint32_t group_end(const struct bb_layout *l, uint32_t i)
{
	uint32_t e = i + 1;

	while (l->regs[i].array_count && e < l->nr_regs && l->regs[e].line == l->regs[i].line &&
	       l->regs[e].array_count == l->regs[i].array_count && l->regs[e].array_index > l->regs[e - 1].array_index)
		e++;
	return e;
}

/* "SQTDBL[0..63]" for an array statement, the name for a register. */
static void group_name(const struct bb_layout *l, uint32_t i, uint32_t e, char *buf, size_t len)
{
	const char *br = strrchr(l->regs[i].name, '[');

	if (e - i > 1 && br)
		snprintf(buf, len, "%.*s[%" PRIu32 "..%" PRIu32 "]", (int)(br - l->regs[i].name), l->regs[i].name,
			 l->regs[i].array_index, l->regs[e - 1].array_index);
	else
		snprintf(buf, len, "%s", l->regs[i].name);
}

static const char *mt_name(const struct bb_layout *l, const struct bb_range *r)
{
	return l->msix.present && r->region == l->msix.table_region && r->offset == l->msix.table_offset ?
		"MSI-X table" : "MSI-X PBA";
}

static void page_text(uint64_t page, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64 " KiB", page >> 10);
}

/* Doorbells of one statement on the pages of the MSI-X table or PBA, at the smallest page size it happens. */
static int check_msix_page(const struct bb_layout *l, uint32_t i, uint32_t e, struct bb_layout_findings *f)
{
	const struct bb_layout_reg *g = &l->regs[i];
	char nm[96], pg[16];

	for (size_t p = 0; p < sizeof(bb_layout_check_pages) / sizeof(bb_layout_check_pages[0]); p++) {
		uint64_t page = bb_layout_check_pages[p];
		struct bb_range with = { 0 }, w;
		uint32_t hit = 0, first = 0;

		for (uint32_t k = i; k < e; k++) {
			if (!bb_layout_reg_on_must_trap_page(l, &l->regs[k], page, &w))
				continue;
			if (!hit++) {
				first = k;
				with = w;
			}
		}
		if (!hit)
			continue;
		group_name(l, i, e, nm, sizeof(nm));
		page_text(page, pg, sizeof(pg));
		if (e - i > 1)
			return add(f, g->line, g->accept, BB_FIND_MSIX_PAGE, page,
				   "doorbells %s: %" PRIu32 " of %" PRIu32 " (first %s at 0x%" PRIx64 ") share a %s page with "
				   "the %s [0x%" PRIx64 ", 0x%" PRIx64 "): from %s pages up a VMM traps them", nm, hit,
				   e - i, l->regs[first].name, l->regs[first].offset, pg, mt_name(l, &with), with.offset,
				   with.offset + with.size, pg);
		return add(f, g->line, g->accept, BB_FIND_MSIX_PAGE, page,
			   "doorbell %s [0x%" PRIx64 ", 0x%" PRIx64 ") shares a %s page with the %s [0x%" PRIx64 ", 0x%"
			   PRIx64 "): from %s pages up a VMM traps it", nm, g->offset, g->offset + g->size, pg,
			   mt_name(l, &with), with.offset, with.offset + with.size, pg);
	}
	return 0;
}

/* Per statement: outside its region, a doorbell without hotness, a doorbell on an MSI-X page. */
static int check_statements(const struct bb_layout *l, struct bb_layout_findings *f)
{
	int err = 0;

	for (uint32_t i = 0, e; i < l->nr_regs && !err; i = e) {
		const struct bb_layout_reg *g = &l->regs[i];
		char nm[96];

		e = group_end(l, i);
		group_name(l, i, e, nm, sizeof(nm));
		for (uint32_t k = i; k < e && !err; k++) {
			const struct bb_layout_region *r = bb_layout_find_region(l, l->regs[k].region);
			uint64_t o = l->regs[k].offset, s = l->regs[k].size;

			if (!r || o + s < o || o + s > r->info.size)
				err = add(f, g->line, g->accept, BB_FIND_OUTSIDE, 0, "reg %s [0x%" PRIx64 ", +0x%" PRIx64
					  ") lies outside region %" PRIu32 "%s", l->regs[k].name, o, s, l->regs[k].region,
					  r ? "" : " (not declared)");
		}
		if (!err && g->kind == BB_REG_DOORBELL && !g->has_weights)
			err = add(f, g->line, g->accept, BB_FIND_NO_HOTNESS, 0,
				  "doorbell %s has no reads=/writes=: plans, advise and the study count it as never "
				  "written; give its writes per unit of work (writes=0 when it is idle in typical use)", nm);
		if (!err && g->kind == BB_REG_DOORBELL)
			err = check_msix_page(l, i, e, f);
	}
	return err;
}

static int cmp_reg_pos(const void *a, const void *b)
{
	const struct bb_layout_reg *x = *(const struct bb_layout_reg *const *)a;
	const struct bb_layout_reg *y = *(const struct bb_layout_reg *const *)b;

	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->line < y->line ? -1 : (x->line > y->line);
}

struct pair {
	const struct bb_layout_reg *a, *b;	/* a: on the earlier line */
};

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *p = x, *q = y;

	if (p->b->line != q->b->line)
		return p->b->line < q->b->line ? -1 : 1;
	if (p->a->line != q->a->line)
		return p->a->line < q->a->line ? -1 : 1;
	return p->b->offset < q->b->offset ? -1 : (p->b->offset > q->b->offset);
}

/*
 * Registers sharing bytes: one sort by offset and a sweep against the
 * register reaching furthest so far; one finding per pair of statements.
 */
static int check_overlaps(const struct bb_layout *l, struct bb_layout_findings *f)
{
	const struct bb_layout_reg **v = NULL, *far = NULL;
	struct pair *pairs = NULL;
	uint32_t np = 0;
	int err = 0;

	if (l->nr_regs < 2)
		return 0;
	v = malloc(l->nr_regs * sizeof(*v));
	pairs = malloc(l->nr_regs * sizeof(*pairs));
	if (!v || !pairs) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < l->nr_regs; i++)
		v[i] = &l->regs[i];
	qsort(v, l->nr_regs, sizeof(*v), cmp_reg_pos);
	for (uint32_t i = 0; i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = v[i];
		uint64_t end = g->offset + g->size < g->offset ? UINT64_MAX : g->offset + g->size;

		if (far && far->region == g->region && g->offset < far->offset + far->size)
			pairs[np++] = far->line <= g->line ? (struct pair){ far, g } : (struct pair){ g, far };
		if (!far || far->region != g->region || end > far->offset + far->size)
			far = g;
	}
	qsort(pairs, np, sizeof(*pairs), cmp_pair);
	for (uint32_t i = 0; i < np && !err; i++) {
		const struct pair *p = &pairs[i];

		if (i && p->a->line == pairs[i - 1].a->line && p->b->line == pairs[i - 1].b->line)
			continue;
		err = add(f, p->b->line, p->a->accept | p->b->accept, BB_FIND_OVERLAP, 0,
			  "reg %s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps reg %s [0x%" PRIx64 ", 0x%" PRIx64
			  ") of line %u in region %" PRIu32, p->b->name, p->b->offset, p->b->offset + p->b->size,
			  p->a->name, p->a->offset, p->a->offset + p->a->size, p->a->line, p->a->region);
	}
out:
	free(v);
	free(pairs);
	return err;
}

/* Safe r/rw ranges over the MSI-X table or PBA: barbench never touches those on hardware whatever they say. */
static int check_safe(const struct bb_layout *l, struct bb_layout_findings *f)
{
	for (uint32_t i = 0; i < l->nr_safe; i++) {
		const struct bb_layout_safe *s = &l->safe[i];
		struct bb_range mt[2];
		unsigned n = bb_layout_must_trap(l, s->range.region, mt);

		if (s->access == BB_ACCESS_NONE)
			continue;
		for (unsigned k = 0; k < n; k++) {
			int err;

			if (!(s->range.offset < mt[k].offset + mt[k].size && mt[k].offset < s->range.offset + s->range.size))
				continue;
			err = add(f, s->line, 0, BB_FIND_SAFE_MSIX, 0,
				  "safe access=%s [0x%" PRIx64 ", 0x%" PRIx64 ") covers the %s [0x%" PRIx64 ", 0x%" PRIx64
				  ") (msix, line %u): the table and PBA are never touched on real hardware; leave them out "
				  "of the range", s->access == BB_ACCESS_RW ? "rw" : "r", s->range.offset,
				  s->range.offset + s->range.size, mt_name(l, &mt[k]), mt[k].offset, mt[k].offset + mt[k].size,
				  l->msix.line);
			if (err)
				return err;
		}
	}
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct bb_layout_finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->msg, y->msg);
}

int bb_layout_check(const struct bb_layout *l, struct bb_layout_findings *out, struct bb_diag *d)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = check_statements(l, out);
	if (!err)
		err = check_overlaps(l, out);
	if (!err)
		err = check_safe(l, out);
	if (!err && l->msix.placement_unknown)
		err = add(out, l->msix.line, 0, BB_FIND_MSIX_UNKNOWN, 0,
			  "msix placement unknown: doorbells and safe ranges cannot be checked against the MSI-X table's "
			  "and PBA's pages, and plans cut no must-trap range out");
	if (err) {
		bb_layout_findings_free(out);
		return bb_diag_set(d, err, "%s: out of memory checking the layout", l->path);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_finding);
	return 0;
}
