// SPDX-License-Identifier: MIT
/* Layout file parser (format: layouts/README.md). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/vfio.h>

#include "barbench/layout.h"
#include "barbench/plan.h"
#include "layout_check.h"
#include "parse.h"

#ifndef BB_LAYOUT_DIR
#define BB_LAYOUT_DIR "layouts"
#endif

#define MAX_ATTRS 16
#define MAX_LAYOUT_BYTES (1u << 20)

struct attr {
	const char *key;
	const char *val;
	bool used;
};

struct stmt {
	const char *kw;
	struct attr a[MAX_ATTRS];
	unsigned n;
};

struct lp {
	const char *name;
	unsigned line;
	struct bb_diag *d;
	struct bb_layout *l;
	bool have_device;
};

/* -EINVAL with "FILE:LINE: message" */
#define LERR(lp, ...) bb_diag_at((lp)->d, (lp)->name, (lp)->line, __VA_ARGS__)

const char *bb_reg_kind_name(enum bb_reg_kind k)
{
	static const char *const n[] = { "doorbell", "status", "control", "irq", "id", "data", "other" };

	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

uint64_t bb_msix_table_bytes(uint32_t vectors)
{
	return (uint64_t)vectors * 16;
}

uint64_t bb_msix_pba_bytes(uint32_t vectors)
{
	return ((uint64_t)vectors + 63) / 64 * 8;
}

/* Split one line (modified in place) into keyword and key=value pairs. */
static int tokenize(struct lp *lp, char *s, struct stmt *st)
{
	char *p = s;

	st->kw = NULL;
	st->n = 0;
	for (;;) {
		char *tok, *eq;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		tok = p;
		if (!st->kw) {
			while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#')
				p++;
			if (*p == '#') {
				*p = '\0';
				st->kw = tok;
				break;
			}
			if (*p)
				*p++ = '\0';
			st->kw = tok;
			continue;
		}
		while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != '"' && *p != '#')
			p++;
		if (*p != '=')
			return LERR(lp, "'%.*s' is not key=value", (int)(p - tok) ? (int)(p - tok) : 1, tok);
		if (p == tok)
			return LERR(lp, "'=' without a key");
		eq = p;
		*eq = '\0';
		p++;
		if (st->n == MAX_ATTRS)
			return LERR(lp, "more than %d attributes", MAX_ATTRS);
		st->a[st->n].key = tok;
		st->a[st->n].used = false;
		if (*p == '"') {
			char *v = ++p;

			while (*p && *p != '"')
				p++;
			if (*p != '"')
				return LERR(lp, "%s: unterminated quoted string", tok);
			*p++ = '\0';
			st->a[st->n].val = v;
		} else {
			char *v = p;

			while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#' && *p != '"')
				p++;
			if (*p == '"')
				return LERR(lp, "%s: stray '\"' in value", tok);
			if (*p == '#') {
				*p = '\0';
				st->a[st->n].val = v;
				st->n++;
				break;
			}
			if (*p)
				*p++ = '\0';
			st->a[st->n].val = v;
		}
		if (!*st->a[st->n].val)
			return LERR(lp, "%s: empty value", tok);
		for (unsigned i = 0; i < st->n; i++)
			if (!strcmp(st->a[i].key, tok))
				return LERR(lp, "%s given twice", tok);
		st->n++;
	}
	return 0;
}

static const char *get(struct stmt *st, const char *key)
{
	for (unsigned i = 0; i < st->n; i++) {
		if (!strcmp(st->a[i].key, key)) {
			st->a[i].used = true;
			return st->a[i].val;
		}
	}
	return NULL;
}

static int need_u64(struct lp *lp, struct stmt *st, const char *key, bool required,
		    uint64_t max, uint64_t *out, bool *present)
{
	const char *v = get(st, key);
	int err;

	if (present)
		*present = v != NULL;
	if (!v) {
		if (required)
			return LERR(lp, "%s: missing %s=", st->kw, key);
		return 0;
	}
	err = bb_parse_u64(v, out);
	if (err == -ERANGE || (!err && *out > max))
		return LERR(lp, "%s=%s: out of range (at most 0x%" PRIx64 ")", key, v, max);
	if (err)
		return LERR(lp, "%s=%s: not a number", key, v);
	return 0;
}

static int need_u32(struct lp *lp, struct stmt *st, const char *key, bool required,
		    uint32_t max, uint32_t *out, bool *present)
{
	uint64_t v = 0;
	int err = need_u64(lp, st, key, required, max, &v, present);

	if (!err && (!present || *present || required))
		*out = (uint32_t)v;
	return err;
}

static int no_leftovers(struct lp *lp, struct stmt *st)
{
	for (unsigned i = 0; i < st->n; i++)
		if (!st->a[i].used)
			return LERR(lp, "%s: unknown attribute '%s'", st->kw, st->a[i].key);
	return 0;
}

static struct bb_layout_region *find_region(struct bb_layout *l, uint32_t index)
{
	for (uint32_t i = 0; i < l->nr_regions; i++)
		if (l->regions[i].info.index == index)
			return &l->regions[i];
	return NULL;
}

const struct bb_layout_region *bb_layout_find_region(const struct bb_layout *l, uint32_t index)
{
	return find_region((struct bb_layout *)l, index);
}

/* Does [off, off+size) fit region @idx?  Names the problem. */
static int check_range(struct lp *lp, const char *what, uint32_t idx, uint64_t off, uint64_t size,
		       bool allow_empty)
{
	struct bb_layout_region *r = find_region(lp->l, idx);

	if (!r)
		return LERR(lp, "%s: region %" PRIu32 " is not declared above", what, idx);
	if (!size && !allow_empty)
		return LERR(lp, "%s: size is 0", what);
	if (off + size < off || off + size > r->info.size)
		return LERR(lp, "%s: [0x%" PRIx64 ", +0x%" PRIx64 ") lies outside region %" PRIu32
			    " (size 0x%" PRIx64 ")", what, off, size, idx, r->info.size);
	return 0;
}

static int copy_str(struct lp *lp, char *dst, size_t len, const char *src, const char *key)
{
	if (strlen(src) >= len)
		return LERR(lp, "%s: longer than %zu characters", key, len - 1);
	strcpy(dst, src);
	return 0;
}

/* A 16-bit ID @vkey= and the @dkey= that must come with it, into *@vendor, *@device and *@has. */
static int id_pair(struct lp *lp, struct stmt *st, const char *vkey, const char *dkey, uint16_t *vendor,
		   uint16_t *device, bool *has)
{
	uint64_t v;
	int err;

	if ((err = need_u64(lp, st, vkey, false, 0xffff, &v, has)))
		return err;
	if (!*has)
		return get(st, dkey) ? LERR(lp, "device: %s= without %s=", dkey, vkey) : 0;
	*vendor = (uint16_t)v;
	if ((err = need_u64(lp, st, dkey, true, 0xffff, &v, NULL)))
		return err;
	*device = (uint16_t)v;
	return 0;
}

/* The time one device access takes, @key= (1 to 1000000000 ns), into *@out; 0 when not given. */
static int access_ns(struct lp *lp, struct stmt *st, const char *key, uint32_t *out)
{
	uint64_t v = 0;
	bool has;
	int err;

	if ((err = need_u64(lp, st, key, false, 1000000000, &v, &has)))
		return err;
	if (has && !v)
		return LERR(lp, "device: %s=0: a device access takes time (1 to 1000000000 ns)", key);
	*out = (uint32_t)v;
	return 0;
}

static int do_device(struct lp *lp, struct stmt *st)
{
	struct bb_layout *l = lp->l;
	const char *name, *desc;
	uint64_t v;
	bool has;
	int err;

	if (lp->have_device)
		return LERR(lp, "a second device statement");
	lp->have_device = true;
	name = get(st, "name");
	desc = get(st, "desc");
	if (!name)
		return LERR(lp, "device: missing name=");
	if (!desc)
		return LERR(lp, "device: missing desc=");
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return LERR(lp, "device: name '%s' must match [a-z0-9._-]+", name);
	if ((err = copy_str(lp, l->name, sizeof(l->name), name, "name")) ||
	    (err = copy_str(lp, l->desc, sizeof(l->desc), desc, "desc")))
		return err;
	if ((err = id_pair(lp, st, "vendor", "device", &l->vendor, &l->device, &l->has_ids)) ||
	    (err = id_pair(lp, st, "subsystem-vendor", "subsystem-device", &l->subsys_vendor, &l->subsys_device,
			   &l->has_subsys)))
		return err;
	if ((err = need_u64(lp, st, "class", false, 0xffffff, &v, &has)))
		return err;
	l->has_class = has;
	l->class_code = (uint32_t)v;
	/* what one BAR access of the real device costs, for the report's device-time projection */
	if ((err = access_ns(lp, st, "read_ns", &l->read_ns)) || (err = access_ns(lp, st, "write_ns", &l->write_ns)))
		return err;
	if (get(st, "ns-source")) {
		if ((err = copy_str(lp, l->ns_source, sizeof(l->ns_source), get(st, "ns-source"), "ns-source")))
			return err;
	}
	if ((l->read_ns || l->write_ns) && !l->ns_source[0])
		return LERR(lp, "device: read_ns=/write_ns= need ns-source=\"...\" saying where the figure comes from");
	if (!l->read_ns && !l->write_ns && l->ns_source[0])
		return LERR(lp, "device: ns-source= without read_ns= or write_ns=");
	return no_leftovers(lp, st);
}

/* Comma list of words -> bits; @names is NULL-terminated. */
static int word_list(struct lp *lp, const char *key, const char *val, const char *const *names,
		     const uint32_t *bits, uint32_t *out)
{
	const char *p = val;

	*out = 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		unsigned i;

		for (i = 0; names[i]; i++)
			if (strlen(names[i]) == n && !strncmp(names[i], p, n))
				break;
		if (!names[i])
			return LERR(lp, "%s: unknown word '%.*s'", key, (int)n, p);
		*out |= bits[i];
		p += n;
		if (*p == ',') {
			p++;
			if (!*p)
				return LERR(lp, "%s: trailing comma", key);
		}
	}
	return 0;
}

#define CAP_SPARSE 1u
#define CAP_MSIX 2u
#define CAP_TYPE 4u

static int do_region(struct lp *lp, struct stmt *st)
{
	static const char *const fnames[] = { "read", "write", "mmap", "none", NULL };
	static const uint32_t fbits[] = { VFIO_REGION_INFO_FLAG_READ, VFIO_REGION_INFO_FLAG_WRITE,
					  VFIO_REGION_INFO_FLAG_MMAP, 0 };
	static const char *const cnames[] = { "sparse", "msix-mappable", "type", NULL };
	static const uint32_t cbits[] = { CAP_SPARSE, CAP_MSIX, CAP_TYPE };
	struct bb_layout *l = lp->l;
	struct bb_layout_region *r, *n;
	uint32_t index = 0, caps = 0, flags = 0;
	uint64_t size = 0;
	const char *fv, *cv, *nm;
	bool has_t, has_s;
	int err;

	if ((err = need_u32(lp, st, "index", true, 0xffff, &index, NULL)))
		return err;
	if (find_region(l, index))
		return LERR(lp, "region %" PRIu32 " declared twice (first at line %u)", index,
			    find_region(l, index)->line);
	if ((err = need_u64(lp, st, "size", true, UINT64_MAX, &size, NULL)))
		return err;
	fv = get(st, "flags");
	if (!fv)
		return LERR(lp, "region %" PRIu32 ": missing flags=", index);
	if ((err = word_list(lp, "flags", fv, fnames, fbits, &flags)))
		return err;
	cv = get(st, "caps");
	if (cv && (err = word_list(lp, "caps", cv, cnames, cbits, &caps)))
		return err;
	n = realloc(l->regions, (l->nr_regions + 1) * sizeof(*n));
	if (!n)
		return bb_diag_set(lp->d, -ENOMEM, "%s:%u: out of memory", lp->name, lp->line);
	l->regions = n;
	r = &n[l->nr_regions];
	memset(r, 0, sizeof(*r));
	r->line = lp->line;
	r->info.index = index;
	r->info.size = size;
	r->info.flags = flags;
	/* the fd offset vfio-pci uses: VFIO_PCI_INDEX_TO_OFFSET(index) = index << 40 */
	r->info.offset = (uint64_t)index << 40;
	r->info.has_sparse = caps & CAP_SPARSE;
	r->info.msix_mappable = caps & CAP_MSIX;
	l->nr_regions++;
	if ((err = need_u32(lp, st, "type", false, UINT32_MAX, &r->info.type, &has_t)) ||
	    (err = need_u32(lp, st, "subtype", false, UINT32_MAX, &r->info.subtype, &has_s)))
		return err;
	if ((caps & CAP_TYPE) && !(has_t && has_s))
		return LERR(lp, "region %" PRIu32 ": caps=type needs type= and subtype=", index);
	if (!(caps & CAP_TYPE) && (has_t || has_s))
		return LERR(lp, "region %" PRIu32 ": type=/subtype= without caps=type", index);
	r->info.has_type = caps & CAP_TYPE;
	nm = get(st, "name");
	if (nm && (err = copy_str(lp, r->name, sizeof(r->name), nm, "name")))
		return err;
	if (!nm)
		bb_region_index_name(index, r->name, sizeof(r->name));
	return no_leftovers(lp, st);
}

static int do_area(struct lp *lp, struct stmt *st)
{
	struct bb_layout_region *r;
	struct bb_area *n;
	uint32_t idx = 0;
	uint64_t off = 0, size = 0;
	int err;

	if ((err = need_u32(lp, st, "region", true, 0xffff, &idx, NULL)) ||
	    (err = need_u64(lp, st, "offset", true, UINT64_MAX, &off, NULL)) ||
	    (err = need_u64(lp, st, "size", true, UINT64_MAX, &size, NULL)) ||
	    (err = no_leftovers(lp, st)))
		return err;
	/* size 0: what vfio-pci < 4.16 reported on 64 KiB pages (layouts/README.md); it maps nothing */
	if ((err = check_range(lp, "area", idx, off, size, true)))
		return err;
	r = find_region(lp->l, idx);
	if (!r->info.has_sparse)
		return LERR(lp, "area: region %" PRIu32 " (line %u) has no caps=sparse", idx, r->line);
	for (uint32_t i = 0; i < r->info.nr_areas; i++) {
		const struct bb_area *a = &r->info.areas[i];

		if (size && a->size && off < a->offset + a->size && a->offset < off + size)
			return LERR(lp, "area [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps area %" PRIu32
				    " [0x%" PRIx64 ", 0x%" PRIx64 ") of region %" PRIu32,
				    off, off + size, i, a->offset, a->offset + a->size, idx);
	}
	n = realloc(r->info.areas, (r->info.nr_areas + 1) * sizeof(*n));
	if (!n)
		return bb_diag_set(lp->d, -ENOMEM, "%s:%u: out of memory", lp->name, lp->line);
	r->info.areas = n;
	n[r->info.nr_areas].offset = off;
	n[r->info.nr_areas].size = size;
	r->info.nr_areas++;
	return 0;
}

/* msix placement=unknown [vectors=N]: MSI-X is there, where is not known. */
static int msix_unknown(struct lp *lp, struct stmt *st, struct bb_layout_msix *m)
{
	static const char *const where[] = { "table-region", "table-offset", "pba-region", "pba-offset" };
	bool has;
	int err;

	if (strcmp(get(st, "placement"), "unknown"))
		return LERR(lp, "msix: placement=%s: the only word is unknown (omit it when the placement is given)",
			    get(st, "placement"));
	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (get(st, where[i]))
			return LERR(lp, "msix: placement=unknown with %s=: give the placement or say it is unknown",
				    where[i]);
	if ((err = need_u32(lp, st, "vectors", false, 2048, &m->vectors, &has)) || (err = no_leftovers(lp, st)))
		return err;
	if (has && m->vectors == 0)
		return LERR(lp, "msix: vectors must be 1-2048");
	m->placement_unknown = true;
	return 0;
}

static int do_msix(struct lp *lp, struct stmt *st)
{
	struct bb_layout_msix *m = &lp->l->msix;
	uint64_t tb, pb;
	int err;

	if (m->present || m->placement_unknown)
		return LERR(lp, "a second msix statement (first at line %u)", m->line);
	m->line = lp->line;
	if (get(st, "placement"))
		return msix_unknown(lp, st, m);
	if ((err = need_u32(lp, st, "vectors", true, 2048, &m->vectors, NULL)) ||
	    (err = need_u32(lp, st, "table-region", true, 0xffff, &m->table_region, NULL)) ||
	    (err = need_u64(lp, st, "table-offset", true, UINT64_MAX, &m->table_offset, NULL)) ||
	    (err = need_u32(lp, st, "pba-region", true, 0xffff, &m->pba_region, NULL)) ||
	    (err = need_u64(lp, st, "pba-offset", true, UINT64_MAX, &m->pba_offset, NULL)) ||
	    (err = no_leftovers(lp, st)))
		return err;
	if (m->vectors == 0)
		return LERR(lp, "msix: vectors must be 1-2048");
	/* PCI 3.0 6.8.2.4/5: the BIR offsets are QWORD aligned (low 3 bits are the BIR) */
	if (m->table_offset % 8 || m->pba_offset % 8)
		return LERR(lp, "msix: table-offset and pba-offset must be 8-byte aligned");
	tb = bb_msix_table_bytes(m->vectors);
	pb = bb_msix_pba_bytes(m->vectors);
	if ((err = check_range(lp, "msix table", m->table_region, m->table_offset, tb, false)) ||
	    (err = check_range(lp, "msix pba", m->pba_region, m->pba_offset, pb, false)))
		return err;
	if (m->table_region == m->pba_region && m->table_offset < m->pba_offset + pb &&
	    m->pba_offset < m->table_offset + tb)
		return LERR(lp, "msix: table [0x%" PRIx64 ", 0x%" PRIx64 ") and PBA [0x%" PRIx64
			    ", 0x%" PRIx64 ") overlap", m->table_offset, m->table_offset + tb,
			    m->pba_offset, m->pba_offset + pb);
	m->present = true;
	return 0;
}

/* accept=KIND[,KIND] on a reg: `layout check` findings of it that are known and accepted. */
static int parse_accept(struct lp *lp, struct stmt *st, uint32_t *out)
{
	static const char *const names[] = { "overlap", "no-hotness", "msix-page", NULL };
	static const uint32_t bits[] = { 1u << BB_FIND_OVERLAP, 1u << BB_FIND_NO_HOTNESS, 1u << BB_FIND_MSIX_PAGE };
	const char *v = get(st, "accept");

	*out = 0;
	return v ? word_list(lp, "accept", v, names, bits, out) : 0;
}

/* value=, byte-order=: the constant and how it sits in the register. */
static int reg_value(struct lp *lp, struct stmt *st, struct bb_layout_reg *g)
{
	const char *bo;
	bool has;
	int err;

	if ((err = need_u64(lp, st, "value", false, UINT64_MAX, &g->value, &has)))
		return err;
	g->has_value = has;
	bo = get(st, "byte-order");
	if (bo && !has)
		return LERR(lp, "reg %s: byte-order= without value=", g->name);
	if (bo && strcmp(bo, "le") && strcmp(bo, "be"))
		return LERR(lp, "reg %s: byte-order=%s: want le or be", g->name, bo);
	g->big_endian = bo && !strcmp(bo, "be");
	if (g->big_endian && g->size > 8)
		return LERR(lp, "reg %s: byte-order=be needs a register of 1 to 8 bytes, not %" PRIu64,
			    g->name, g->size);
	if (has && g->size < 8 && g->value >> (8 * g->size))
		return LERR(lp, "reg %s: value 0x%" PRIx64 " does not fit %" PRIu64 " bytes", g->name, g->value,
			    g->size);
	return 0;
}

/*
 * count=, stride=: how many elements and how far apart.  The last element
 * must lie inside the region; every step is checked for 64-bit overflow.
 */
static int reg_array(struct lp *lp, struct stmt *st, struct bb_layout_reg *g)
{
	bool has_c, has_s;
	uint64_t span, last;
	int err;

	if ((err = need_u32(lp, st, "count", false, BB_LAYOUT_MAX_COUNT, &g->array_count, &has_c)) ||
	    (err = need_u64(lp, st, "stride", false, UINT64_MAX, &g->array_stride, &has_s)))
		return err;
	if (has_s && !has_c)
		return LERR(lp, "reg %s: stride= without count=", g->name);
	if (!has_c)
		return 0;
	if (!g->array_count)
		return LERR(lp, "reg %s: count=0: an array has 1 to %d elements", g->name, BB_LAYOUT_MAX_COUNT);
	if (g->array_count > 1 && !has_s)
		return LERR(lp, "reg %s: count=%" PRIu32 " needs stride=", g->name, g->array_count);
	if (has_s && g->array_stride < g->size)
		return LERR(lp, "reg %s: stride 0x%" PRIx64 " is smaller than size 0x%" PRIx64
			    ": elements would overlap", g->name, g->array_stride, g->size);
	if (g->array_count > 1 && g->array_stride > UINT64_MAX / (g->array_count - 1))
		return LERR(lp, "reg %s: count=%" PRIu32 " stride=0x%" PRIx64 " overflows 64 bits", g->name,
			    g->array_count, g->array_stride);
	span = (uint64_t)(g->array_count - 1) * g->array_stride;
	if (span > UINT64_MAX - g->offset)
		return LERR(lp, "reg %s: count=%" PRIu32 " stride=0x%" PRIx64 " overflows 64 bits", g->name,
			    g->array_count, g->array_stride);
	last = g->offset + span;
	if (last + g->size < last || last + g->size > find_region(lp->l, g->region)->info.size)
		return LERR(lp, "reg %s: element %" PRIu32 " [0x%" PRIx64 ", +0x%" PRIx64 ") lies outside region %"
			    PRIu32 " (size 0x%" PRIx64 ")", g->name, g->array_count - 1, last, g->size, g->region,
			    find_region(lp->l, g->region)->info.size);
	if (strlen(g->name) + 2 + snprintf(NULL, 0, "%" PRIu32, g->array_count - 1) >= sizeof(g->name))
		return LERR(lp, "reg %s: name too long for element names %s[0..%" PRIu32 ")", g->name, g->name,
			    g->array_count);
	return 0;
}

static int do_reg(struct lp *lp, struct stmt *st)
{
	static const char *const knames[] = { "doorbell", "status", "control", "irq", "id", "data", "other", NULL };
	static const uint32_t kbits[] = { 1, 2, 4, 8, 16, 32, 64, 0 };
	struct bb_layout *l = lp->l;
	struct bb_layout_reg g, *n;
	const char *nm, *kv;
	uint32_t kb = 0, count;
	bool has_r, has_w;
	int err;

	memset(&g, 0, sizeof(g));
	g.line = lp->line;
	nm = get(st, "name");
	if (!nm)
		return LERR(lp, "reg: missing name=");
	if ((err = copy_str(lp, g.name, sizeof(g.name), nm, "name")))
		return err;
	kv = get(st, "kind");
	if (!kv)
		return LERR(lp, "reg %s: missing kind=", nm);
	if ((err = word_list(lp, "kind", kv, knames, kbits, &kb)))
		return err;
	if (kb & (kb - 1))
		return LERR(lp, "reg %s: kind= takes one word", nm);
	for (unsigned i = 0; kbits[i]; i++)
		if (kbits[i] == kb)
			g.kind = (enum bb_reg_kind)i;
	if ((err = need_u32(lp, st, "region", true, 0xffff, &g.region, NULL)) ||
	    (err = need_u64(lp, st, "offset", true, UINT64_MAX, &g.offset, NULL)) ||
	    (err = need_u64(lp, st, "size", true, UINT64_MAX, &g.size, NULL)) ||
	    (err = need_u32(lp, st, "reads", false, 1000000000, &g.reads, &has_r)) ||
	    (err = need_u32(lp, st, "writes", false, 1000000000, &g.writes, &has_w)))
		return err;
	g.has_weights = has_r || has_w;
	if ((err = parse_accept(lp, st, &g.accept)))
		return err;
	if ((err = check_range(lp, nm, g.region, g.offset, g.size, false)) ||
	    (err = reg_value(lp, st, &g)) || (err = reg_array(lp, st, &g)) || (err = no_leftovers(lp, st)))
		return err;
	count = g.array_count ? g.array_count : 1;
	if (count > BB_LAYOUT_MAX_REGS - l->nr_regs)
		return LERR(lp, "reg %s: more than %d registers in one layout (array elements count)", nm,
			    BB_LAYOUT_MAX_REGS);
	n = realloc(l->regs, (l->nr_regs + count) * sizeof(*n));
	if (!n)
		return bb_diag_set(lp->d, -ENOMEM, "%s:%u: out of memory", lp->name, lp->line);
	l->regs = n;
	for (uint32_t i = 0; i < count; i++) {
		struct bb_layout_reg *e = &n[l->nr_regs + i];

		*e = g;
		if (!g.array_count)
			continue;
		e->array_index = i;
		e->offset = g.offset + (uint64_t)i * g.array_stride;
		snprintf(e->name, sizeof(e->name), "%s[%" PRIu32 "]", g.name, i);
	}
	l->nr_regs += count;
	return 0;
}

static int cmp_reg_name(const void *a, const void *b)
{
	const struct bb_layout_reg *x = *(const struct bb_layout_reg *const *)a;
	const struct bb_layout_reg *y = *(const struct bb_layout_reg *const *)b;
	int c;

	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->line < y->line ? -1 : (x->line > y->line);
}

/* Register names are unique per region (array elements included): one sort, not a scan per line. */
static int check_reg_names(struct lp *lp)
{
	struct bb_layout *l = lp->l;
	const struct bb_layout_reg **v;
	const struct bb_layout_reg *dup = NULL, *first = NULL;

	if (l->nr_regs < 2)
		return 0;
	v = malloc(l->nr_regs * sizeof(*v));
	if (!v)
		return bb_diag_set(lp->d, -ENOMEM, "%s: out of memory", lp->name);
	for (uint32_t i = 0; i < l->nr_regs; i++)
		v[i] = &l->regs[i];
	qsort(v, l->nr_regs, sizeof(*v), cmp_reg_name);
	/* the duplicate on the earliest line is the one reported */
	for (uint32_t i = 1; i < l->nr_regs; i++)
		if (v[i]->region == v[i - 1]->region && !strcmp(v[i]->name, v[i - 1]->name) &&
		    (!dup || v[i]->line < dup->line)) {
			dup = v[i];
			first = v[i - 1];
		}
	free(v);
	if (!dup)
		return 0;
	lp->line = dup->line;
	return LERR(lp, "reg %s: name already used at line %u", dup->name, first->line);
}

static int do_safe(struct lp *lp, struct stmt *st)
{
	static const char *const anames[] = { "none", "r", "rw", NULL };
	static const uint32_t abits[] = { 1, 2, 4 };
	struct bb_layout *l = lp->l;
	struct bb_layout_safe *n, *s;
	const char *av;
	uint32_t ab = 0;
	int err;

	n = realloc(l->safe, (l->nr_safe + 1) * sizeof(*n));
	if (!n)
		return bb_diag_set(lp->d, -ENOMEM, "%s:%u: out of memory", lp->name, lp->line);
	l->safe = n;
	s = &n[l->nr_safe];
	memset(s, 0, sizeof(*s));
	s->line = lp->line;
	if ((err = need_u32(lp, st, "region", true, 0xffff, &s->range.region, NULL)) ||
	    (err = need_u64(lp, st, "offset", true, UINT64_MAX, &s->range.offset, NULL)) ||
	    (err = need_u64(lp, st, "size", true, UINT64_MAX, &s->range.size, NULL)))
		return err;
	av = get(st, "access");
	if (!av)
		return LERR(lp, "safe: missing access=");
	if ((err = word_list(lp, "access", av, anames, abits, &ab)) || (err = no_leftovers(lp, st)))
		return err;
	if (ab & (ab - 1))
		return LERR(lp, "safe: access= takes one of none, r, rw");
	s->access = ab == 1 ? BB_ACCESS_NONE : ab == 2 ? BB_ACCESS_READ : BB_ACCESS_RW;
	if ((err = check_range(lp, "safe", s->range.region, s->range.offset, s->range.size, false)))
		return err;
	l->nr_safe++;
	return 0;
}

void bb_layout_free(struct bb_layout *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; i < l->nr_regions; i++)
		bb_region_free(&l->regions[i].info);
	free(l->regions);
	free(l->regs);
	free(l->safe);
	memset(l, 0, sizeof(*l));
}

static int cmp_region(const void *a, const void *b)
{
	const struct bb_layout_region *x = a, *y = b;

	return x->info.index < y->info.index ? -1 : (x->info.index > y->info.index);
}

int bb_layout_parse(const char *text, size_t len, const char *name,
		    struct bb_layout *out, struct bb_diag *d)
{
	struct lp lp = { .name = name ? name : "layout", .d = d, .l = out };
	size_t pos = 0;
	char *line = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", lp.name);
	if (len > MAX_LAYOUT_BYTES)
		return bb_diag_set(d, -EFBIG, "%s: %zu bytes is larger than a layout may be (%u)",
				   lp.name, len, MAX_LAYOUT_BYTES);
	while (pos < len && !err) {
		size_t e = pos, n;
		struct stmt st;

		while (e < len && text[e] != '\n')
			e++;
		n = e - pos;
		lp.line++;
		free(line);
		line = malloc(n + 1);
		if (!line) {
			err = bb_diag_set(d, -ENOMEM, "%s:%u: out of memory", lp.name, lp.line);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = e + 1;
		if (memchr(line, '\0', n)) {
			err = LERR(&lp, "NUL byte in a layout file");
			break;
		}
		if ((err = tokenize(&lp, line, &st)))
			break;
		if (!st.kw)
			continue;
		if (!lp.have_device && strcmp(st.kw, "device")) {
			err = LERR(&lp, "'%s' before the device statement", st.kw);
			break;
		}
		if (!strcmp(st.kw, "device"))
			err = do_device(&lp, &st);
		else if (!strcmp(st.kw, "region"))
			err = do_region(&lp, &st);
		else if (!strcmp(st.kw, "area"))
			err = do_area(&lp, &st);
		else if (!strcmp(st.kw, "msix"))
			err = do_msix(&lp, &st);
		else if (!strcmp(st.kw, "reg"))
			err = do_reg(&lp, &st);
		else if (!strcmp(st.kw, "safe"))
			err = do_safe(&lp, &st);
		else
			err = LERR(&lp, "unknown statement '%s' (device, region, area, msix, reg, safe)", st.kw);
	}
	free(line);
	if (!err)
		err = check_reg_names(&lp);
	if (!err && !lp.have_device)
		err = bb_diag_set(d, -EINVAL, "%s:%u: no device statement", lp.name, lp.line);
	if (!err && !out->nr_regions)
		err = bb_diag_set(d, -EINVAL, "%s:%u: no region statement", lp.name, lp.line);
	if (err) {
		bb_layout_free(out);
		return err;
	}
	qsort(out->regions, out->nr_regions, sizeof(*out->regions), cmp_region);
	for (uint32_t i = 0; i < out->nr_regions; i++) {
		char nm[300];

		snprintf(nm, sizeof(nm), "%s:%u: region %" PRIu32, lp.name, out->regions[i].line,
			 out->regions[i].info.index);
		err = bb_region_check(&out->regions[i].info, nm, d);
		if (err) {
			bb_layout_free(out);
			return err;
		}
	}
	return 0;
}

int bb_layout_load(const char *path, struct bb_layout *out, struct bb_diag *d)
{
	char *buf;
	size_t n;
	int err;

	memset(out, 0, sizeof(*out));
	err = bb_read_file(path, MAX_LAYOUT_BYTES, &buf, &n, d);
	if (err)
		return err;
	err = bb_layout_parse(buf, n, path, out, d);
	free(buf);
	return err;
}

int bb_layout_resolve(const char *arg, char *path, size_t len, struct bb_diag *d)
{
	struct stat st;
	const char *base;

	if (!stat(arg, &st) && (S_ISREG(st.st_mode) || strchr(arg, '/'))) {
		/* a path to a FIFO, device or folder is refused, never swapped for a shipped layout of its basename */
		if (!S_ISREG(st.st_mode))
			return bb_diag_set(d, -EINVAL, "%s: not a regular file, not a layout", arg);
		if ((size_t)snprintf(path, len, "%s", arg) >= len)
			return bb_diag_set(d, -ENAMETOOLONG, "%s: path too long", arg);
		return 0;
	}
	base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	/* the source tree's layouts, then the installed ones (cmake --install) */
	if ((size_t)snprintf(path, len, "%s/%s", BB_LAYOUT_DIR, base) >= len)
		return -ENAMETOOLONG;
	if (!stat(path, &st) && S_ISREG(st.st_mode))
		return 0;
	if ((size_t)snprintf(path, len, "%s/%s", BB_LAYOUT_DIR_INSTALLED, base) >= len)
		return -ENAMETOOLONG;
	if (!stat(path, &st) && S_ISREG(st.st_mode))
		return 0;
	if ((size_t)snprintf(path, len, "%s", arg) >= len)
		return -ENAMETOOLONG;
	return bb_diag_set(d, -ENOENT, "no such layout (looked for %s, then in %s/ and %s/)", arg, BB_LAYOUT_DIR,
			   BB_LAYOUT_DIR_INSTALLED);
}

unsigned bb_layout_must_trap(const struct bb_layout *l, uint32_t index, struct bb_range out[2])
{
	unsigned n = 0;

	if (!l->msix.present)
		return 0;
	if (l->msix.table_region == index)
		out[n++] = (struct bb_range){ index, l->msix.table_offset, bb_msix_table_bytes(l->msix.vectors) };
	if (l->msix.pba_region == index)
		out[n++] = (struct bb_range){ index, l->msix.pba_offset, bb_msix_pba_bytes(l->msix.vectors) };
	return n;
}

static bool hits(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

bool bb_reg_overlaps(const struct bb_layout_reg *r, uint32_t index, uint64_t off, uint64_t len)
{
	return r->region == index && hits(r->offset, r->size, off, len);
}

bool bb_layout_hits_must_trap(const struct bb_layout *l, uint32_t index, uint64_t off, uint64_t len)
{
	struct bb_range mt[2];
	unsigned n = bb_layout_must_trap(l, index, mt);

	for (unsigned i = 0; i < n; i++)
		if (hits(mt[i].offset, mt[i].size, off, len))
			return true;
	return false;
}

enum bb_safety bb_layout_access(const struct bb_layout *l, uint32_t index,
				uint64_t off, uint64_t len, bool real_hw)
{
	enum bb_safety worst = BB_ACCESS_UNLISTED;
	uint64_t cur = off;
	bool progress = true;

	if (real_hw && bb_layout_hits_must_trap(l, index, off, len))
		return BB_ACCESS_NONE;
	for (uint32_t i = 0; i < l->nr_safe; i++) {
		const struct bb_layout_safe *s = &l->safe[i];

		if (s->range.region != index || !hits(s->range.offset, s->range.size, off, len))
			continue;
		if (s->access == BB_ACCESS_NONE)
			return BB_ACCESS_NONE;
		if (worst == BB_ACCESS_UNLISTED || s->access < worst)
			worst = s->access;
	}
	/* a listed answer needs every byte covered by some safe range */
	while (cur < off + len && progress) {
		progress = false;
		for (uint32_t i = 0; i < l->nr_safe; i++) {
			const struct bb_layout_safe *s = &l->safe[i];

			if (s->range.region == index && s->range.offset <= cur &&
			    cur < s->range.offset + s->range.size) {
				cur = s->range.offset + s->range.size;
				progress = true;
			}
		}
	}
	return cur >= off + len ? worst : BB_ACCESS_UNLISTED;
}

void bb_layout_warn_plan(const struct bb_layout *l, uint32_t index, struct bb_plan *p)
{
	(void)index;	/* an unknown placement may be in any region */
	if (l && l->msix.placement_unknown)
		bb_plan_warn(p, "MSI-X placement unknown (layout): no must-trap range cut out; a VMM also traps "
			     "the table's and PBA's pages, so mapped bytes and memslots are upper bounds");
}

void bb_layout_write_region(FILE *f, const struct bb_region *r)
{
	const char *sep = "";

	fprintf(f, "region index=%" PRIu32 " size=0x%" PRIx64 " flags=", r->index, r->size);
	if (!(r->flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE | VFIO_REGION_INFO_FLAG_MMAP)))
		fputs("none", f);
	if (r->flags & VFIO_REGION_INFO_FLAG_READ) {
		fputs("read", f);
		sep = ",";
	}
	if (r->flags & VFIO_REGION_INFO_FLAG_WRITE) {
		fprintf(f, "%swrite", sep);
		sep = ",";
	}
	if (r->flags & VFIO_REGION_INFO_FLAG_MMAP)
		fprintf(f, "%smmap", sep);
	if (!r->has_sparse && !r->msix_mappable && !r->has_type)
		return;
	sep = "";
	fputs(" caps=", f);
	if (r->has_sparse) {
		fputs("sparse", f);
		sep = ",";
	}
	if (r->msix_mappable) {
		fprintf(f, "%smsix-mappable", sep);
		sep = ",";
	}
	if (r->has_type)
		fprintf(f, "%stype type=%" PRIu32 " subtype=%" PRIu32, sep, r->type, r->subtype);
}

/*
 * The number of elements when regs[@i] starts a whole array still as parsed
 * (every element in order, where count= and stride= put it, alike in all
 * but offset and name); else 0 and each element is written as a register of
 * its own (a changed layout may have moved one, e.g. bench/advise.c).
 */
static uint32_t whole_array(const struct bb_layout *l, uint32_t i)
{
	const struct bb_layout_reg *g = &l->regs[i];
	const char *br = strrchr(g->name, '[');
	size_t bl = br ? (size_t)(br - g->name) : strlen(g->name);

	if (!g->array_count || g->array_index || g->array_count > l->nr_regs - i)
		return 0;
	for (uint32_t k = 1; k < g->array_count; k++) {
		const struct bb_layout_reg *e = &l->regs[i + k];
		char want[sizeof(e->name)];

		snprintf(want, sizeof(want), "%.*s[%" PRIu32 "]", (int)bl, g->name, k);
		if (e->array_index != k || e->array_count != g->array_count || e->array_stride != g->array_stride ||
		    e->region != g->region || e->size != g->size || e->kind != g->kind || e->reads != g->reads ||
		    e->writes != g->writes || e->has_weights != g->has_weights || e->accept != g->accept || e->has_value != g->has_value || e->value != g->value ||
		    e->big_endian != g->big_endian || e->offset != g->offset + (uint64_t)k * g->array_stride ||
		    strcmp(e->name, want))
			return 0;
	}
	return g->array_count;
}

size_t bb_layout_reg_bytes(const struct bb_layout_reg *g, uint8_t out[8])
{
	size_t n = g->size < 8 ? (size_t)g->size : 8;

	if (!g->has_value)
		return 0;
	/* PCI registers are little-endian; byte-order=be puts the most significant byte first */
	for (size_t k = 0; k < n; k++)
		out[k] = (uint8_t)(g->value >> (8 * (g->big_endian ? n - 1 - k : k)));
	return n;
}

static void write_accept(FILE *f, uint32_t accept)
{
	const char *sep = " accept=";

	for (unsigned k = 0; k < 32; k++) {
		if (!(accept & (1u << k)))
			continue;
		fprintf(f, "%s%s", sep, bb_finding_kind_name((enum bb_finding_kind)k));
		sep = ",";
	}
}

int bb_layout_write(FILE *f, const struct bb_layout *l)
{
	static const char *const acc[] = { "", "none", "r", "rw" };

	fprintf(f, "device name=%s desc=\"%s\"", l->name, l->desc);
	if (l->has_ids)
		fprintf(f, " vendor=0x%04x device=0x%04x", l->vendor, l->device);
	if (l->has_subsys)
		fprintf(f, " subsystem-vendor=0x%04x subsystem-device=0x%04x", l->subsys_vendor, l->subsys_device);
	if (l->has_class)
		fprintf(f, " class=0x%06" PRIx32, l->class_code);
	if (l->read_ns)
		fprintf(f, " read_ns=%" PRIu32, l->read_ns);
	if (l->write_ns)
		fprintf(f, " write_ns=%" PRIu32, l->write_ns);
	if (l->ns_source[0])
		fprintf(f, " ns-source=\"%s\"", l->ns_source);
	fputc('\n', f);
	for (uint32_t i = 0; i < l->nr_regions; i++) {
		const struct bb_region *r = &l->regions[i].info;

		bb_layout_write_region(f, r);
		if (l->regions[i].name[0] && !strchr(l->regions[i].name, ' '))
			fprintf(f, " name=%s", l->regions[i].name);
		fputc('\n', f);
		for (uint32_t a = 0; a < r->nr_areas; a++)
			fprintf(f, "area region=%" PRIu32 " offset=0x%" PRIx64 " size=0x%" PRIx64 "\n", r->index,
				r->areas[a].offset, r->areas[a].size);
	}
	if (l->msix.present)
		fprintf(f, "msix vectors=%" PRIu32 " table-region=%" PRIu32 " table-offset=0x%" PRIx64
			" pba-region=%" PRIu32 " pba-offset=0x%" PRIx64 "\n", l->msix.vectors, l->msix.table_region,
			l->msix.table_offset, l->msix.pba_region, l->msix.pba_offset);
	else if (l->msix.placement_unknown && l->msix.vectors)
		fprintf(f, "msix placement=unknown vectors=%" PRIu32 "\n", l->msix.vectors);
	else if (l->msix.placement_unknown)
		fputs("msix placement=unknown\n", f);
	for (uint32_t i = 0; i < l->nr_regs; i++) {
		const struct bb_layout_reg *g = &l->regs[i];
		uint32_t n = whole_array(l, i);

		if (n) {
			fprintf(f, "reg region=%" PRIu32 " offset=0x%" PRIx64 " size=0x%" PRIx64 " name=%.*s kind=%s"
				" count=%" PRIu32, g->region, g->offset, g->size, (int)(strrchr(g->name, '[') - g->name),
				g->name, bb_reg_kind_name(g->kind), n);
			if (g->array_stride)
				fprintf(f, " stride=0x%" PRIx64, g->array_stride);
		} else
			fprintf(f, "reg region=%" PRIu32 " offset=0x%" PRIx64 " size=0x%" PRIx64 " name=%s kind=%s",
				g->region, g->offset, g->size, g->name, bb_reg_kind_name(g->kind));
		if (g->reads)
			fprintf(f, " reads=%" PRIu32, g->reads);
		if (g->writes || (g->has_weights && !g->reads))
			fprintf(f, " writes=%" PRIu32, g->writes);
		if (g->has_value)
			fprintf(f, " value=0x%" PRIx64 "%s", g->value, g->big_endian ? " byte-order=be" : "");
		write_accept(f, g->accept);
		fputc('\n', f);
		if (n)
			i += n - 1;
	}
	for (uint32_t i = 0; i < l->nr_safe; i++)
		fprintf(f, "safe region=%" PRIu32 " offset=0x%" PRIx64 " size=0x%" PRIx64 " access=%s\n",
			l->safe[i].range.region, l->safe[i].range.offset, l->safe[i].range.size, acc[l->safe[i].access]);
	return ferror(f) ? -EIO : 0;
}

int bb_layout_copy(struct bb_layout *dst, const struct bb_layout *src)
{
	*dst = *src;
	dst->regions = NULL;
	dst->regs = NULL;
	dst->safe = NULL;
	dst->nr_regions = dst->nr_regs = dst->nr_safe = 0;
	dst->regions = calloc(src->nr_regions ? src->nr_regions : 1, sizeof(*dst->regions));
	dst->regs = calloc(src->nr_regs ? src->nr_regs : 1, sizeof(*dst->regs));
	dst->safe = calloc(src->nr_safe ? src->nr_safe : 1, sizeof(*dst->safe));
	if (!dst->regions || !dst->regs || !dst->safe)
		goto nomem;
	for (uint32_t i = 0; i < src->nr_regions; i++) {
		dst->regions[i] = src->regions[i];
		if (bb_region_copy(&dst->regions[i].info, &src->regions[i].info))
			goto nomem;
		dst->nr_regions++;
	}
	/* a layout without registers or safe ranges may hold NULL arrays: memcpy must not see them */
	if (src->nr_regs)
		memcpy(dst->regs, src->regs, src->nr_regs * sizeof(*dst->regs));
	dst->nr_regs = src->nr_regs;
	if (src->nr_safe)
		memcpy(dst->safe, src->safe, src->nr_safe * sizeof(*dst->safe));
	dst->nr_safe = src->nr_safe;
	return 0;
nomem:
	bb_layout_free(dst);
	return -ENOMEM;
}
