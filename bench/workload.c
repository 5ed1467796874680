// SPDX-License-Identifier: MIT
/* Building workloads into access cycles (see include/barbench/workload.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "runs_csv.h"
#include "barbench/workload.h"
#include "xorshift.h"

#define MAX_TARGETS 4096
#define MAX_TRACE_LINES (1u << 20)
#define MAX_TRACE_BYTES (64u << 20)
#define STREAM_BYTES (64u << 10)	/* bulk range per sample */
#define DOORBELL_BATCH 64
#define SWEEP_PAGE 4096u
#define SWEEP_MAX_PAGES 4096u
#define MIX_CYCLE 4096u

static const char *const kind_names[BB_WL_COUNT] = {
	"lat-read", "lat-write", "doorbell", "stream-read", "stream-write", "mix", "sweep", "replay",
};

/* One line each, for `barbench run --help`. */
static const char *const kind_summaries[BB_WL_COUNT] = {
	"serialised reads of the layout's readable registers: latency",
	"serialised writes (store + mfence) where the layout allows: latency",
	"back-to-back posted writes to the doorbells, in batches of 64",
	"bulk reads over the region's first 64 KiB: bytes/s",
	"bulk writes over the region's first 64 KiB: bytes/s",
	"reads and writes weighted by the layout's register hotness",
	"one read of every 4 KiB page of the region (the page maps)",
	"the accesses of a trace file, one \"offset width r|w\" per line",
};

const char *bb_workload_kind_name(enum bb_wl_kind k)
{
	return (unsigned)k < BB_WL_COUNT ? kind_names[k] : "?";
}

const char *bb_workload_summary(enum bb_wl_kind k)
{
	return (unsigned)k < BB_WL_COUNT ? kind_summaries[k] : "?";
}

int bb_workload_parse(const char *arg, unsigned width, struct bb_workload_spec *out, struct bb_diag *d)
{
	size_t bad;

	memset(out, 0, sizeof(*out));
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return bb_diag_set(d, -EINVAL, "width %u: must be 1, 2, 4 or 8", width);
	out->width = width;
	out->seed = 0x62617262656e6368ull;	/* "barbench" */
	if (!strncmp(arg, "replay:", 7) || !strncmp(arg, "replay=", 7)) {
		if (!arg[7] || strlen(arg + 7) >= sizeof(out->trace))
			return bb_diag_set(d, -EINVAL, "workload %s: replay needs a trace file", arg);
		/* the name goes into runs.csv, which is read back as hostile input: only what it accepts */
		if (!bb_results_text_ok(BB_TEXT_WORKLOAD, arg + 7, sizeof(out->trace), &bad))
			return bb_diag_set(d, -EINVAL, "workload %s: character 0x%02x at byte %zu of the trace path: a "
					   "replay trace path holds only A-Z a-z 0-9 . _ + - : /", arg,
					   (unsigned char)arg[7 + bad], bad);
		out->kind = BB_WL_REPLAY;
		strcpy(out->trace, arg + 7);
		return 0;
	}
	for (unsigned k = 0; k < BB_WL_COUNT; k++) {
		if (k != BB_WL_REPLAY && !strcmp(arg, kind_names[k])) {
			out->kind = (enum bb_wl_kind)k;
			return 0;
		}
	}
	return bb_diag_set(d, -EINVAL, "workload '%s': one of lat-read, lat-write, doorbell, stream-read, "
			   "stream-write, mix, sweep, replay:FILE", arg);
}

void bb_workload_free(struct bb_workload *w)
{
	if (!w)
		return;
	free(w->acc);
	w->acc = NULL;
	w->n = 0;
}

/*
 * The id registers of the region a workload is built for, sorted by offset:
 * may() asks "does this write touch a constant?" in O(log n), not by a scan
 * of every register (a layout may hold 32768 of them in arrays, and a
 * workload asks once per target).
 */
struct ids {
	struct bb_area *v;	/* offset, size; sorted by offset */
	uint64_t *reach;	/* reach[k]: the furthest end of v[0..k] */
	uint32_t n;
};

static int cmp_id(const void *a, const void *b)
{
	const struct bb_area *x = a, *y = b;

	return x->offset < y->offset ? -1 : (x->offset > y->offset);
}

static int ids_build(const struct bb_layout *l, uint32_t index, struct ids *ix)
{
	memset(ix, 0, sizeof(*ix));
	for (uint32_t i = 0; l && i < l->nr_regs; i++)
		ix->n += l->regs[i].kind == BB_REG_ID && l->regs[i].region == index;
	if (!ix->n)
		return 0;
	ix->v = malloc(ix->n * sizeof(*ix->v));
	ix->reach = malloc(ix->n * sizeof(*ix->reach));
	if (!ix->v || !ix->reach) {
		free(ix->v);
		free(ix->reach);
		return -ENOMEM;
	}
	ix->n = 0;
	for (uint32_t i = 0; i < l->nr_regs; i++)
		if (l->regs[i].kind == BB_REG_ID && l->regs[i].region == index)
			ix->v[ix->n++] = (struct bb_area){ l->regs[i].offset, l->regs[i].size };
	qsort(ix->v, ix->n, sizeof(*ix->v), cmp_id);
	for (uint32_t k = 0; k < ix->n; k++) {
		uint64_t e = ix->v[k].offset + ix->v[k].size;	/* inside the region: no overflow */

		ix->reach[k] = k && ix->reach[k - 1] > e ? ix->reach[k - 1] : e;
	}
	return 0;
}

static void ids_free(struct ids *ix)
{
	free(ix->v);
	free(ix->reach);
}

/* Does [off, off+len) touch an id register?  Those starting before its end: does one reach past off? */
static bool ids_hit(const struct ids *ix, uint64_t off, uint64_t len)
{
	uint64_t end = off + len < off ? UINT64_MAX : off + len;
	uint32_t lo = 0, hi = ix->n;

	while (lo < hi) {	/* the first one starting at or past the end */
		uint32_t mid = lo + (hi - lo) / 2;

		if (ix->v[mid].offset < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && ix->reach[lo - 1] > off;
}

static bool may(const struct bb_layout *l, const struct ids *ix, const struct bb_region *r, uint64_t off,
		unsigned width, enum bb_op op, enum bb_guard guard)
{
	bool real_hw = guard >= BB_GUARD_SAFE_ONLY;
	enum bb_safety a;

	if (off + width > r->size || off % width)
		return false;
	if (op == BB_OP_WRITE && guard == BB_GUARD_SAFE_READS)
		return false;	/* its mappings are read-only: a store would fault */
	if (!l)
		return !real_hw;
	/* the MSI-X table and PBA belong to the device's interrupt path */
	if (guard >= BB_GUARD_MSIX && bb_layout_hits_must_trap(l, r->index, off, width))
		return false;
	/* a constant (id) register is never written, safe range or not (found by fuzz/fuzz_layout.c) */
	if (op == BB_OP_WRITE && ids_hit(ix, off, width))
		return false;
	a = bb_layout_access(l, r->index, off, width, real_hw);
	if (a == BB_ACCESS_NONE)
		return false;
	if (real_hw)
		return op == BB_OP_READ ? a >= BB_ACCESS_READ : a == BB_ACCESS_RW;
	/* emulated: unlisted is fine; a read-only range is never written */
	return op == BB_OP_READ || a != BB_ACCESS_READ;
}

static int push(struct bb_workload *w, size_t *cap, uint64_t off, unsigned width, enum bb_op op)
{
	if (w->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct bb_access *n = realloc(w->acc, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		w->acc = n;
		*cap = nc;
	}
	w->acc[w->n++] = (struct bb_access){ off, (uint8_t)width, (uint8_t)op };
	return 0;
}

/* The width to use on a register: the asked one, narrowed to fit it. */
static unsigned fit_width(unsigned want, uint64_t reg_size)
{
	while (want > 1 && want > reg_size)
		want /= 2;
	return want;
}

/* Registers (or, without any, the start of each page) usable for @op. */
static int targets(const struct bb_layout *l, const struct ids *ix, const struct bb_region *r, unsigned width,
		   enum bb_op op, enum bb_guard guard, bool doorbells_only, struct bb_workload *w, size_t *cap)
{
	int err = 0;
	bool any_reg = false;

	for (uint32_t i = 0; l && i < l->nr_regs && !err; i++) {
		const struct bb_layout_reg *g = &l->regs[i];
		unsigned wd = fit_width(width, g->size);
		uint64_t off = g->offset - g->offset % wd;

		if (g->region != r->index || (doorbells_only && g->kind != BB_REG_DOORBELL))
			continue;
		if (op == BB_OP_WRITE && g->kind == BB_REG_ID)
			continue;
		if (!may(l, ix, r, off, wd, op, guard))
			continue;
		any_reg = true;
		err = push(w, cap, off, wd, op);
	}
	if (err || any_reg || doorbells_only)
		return err;
	/* at most SWEEP_MAX_PAGES probes: a huge region nothing may touch was probed page by page,
	 * 2^52 pages for a 2^64-byte one (found by fuzz/fuzz_layout.c) */
	for (uint64_t off = 0, pg = 0; off < r->size && w->n < 64 && pg < SWEEP_MAX_PAGES && !err;
	     off += SWEEP_PAGE, pg++)
		if (may(l, ix, r, off, width, op, guard))
			err = push(w, cap, off, width, op);
	return err;
}

struct mix_target {
	uint64_t off;
	unsigned wd;
	enum bb_op op;
	uint64_t weight;
};

static int build_mix(const struct bb_layout *l, const struct ids *ix, const struct bb_region *r, unsigned width,
		     enum bb_guard guard, uint64_t seed, struct bb_workload *w, size_t *cap)
{
	static struct mix_target t[MAX_TARGETS];
	unsigned nt = 0;
	uint64_t total = 0, s = seed ? seed : 1;
	int err = 0;

	for (uint32_t i = 0; l && i < l->nr_regs && nt + 2 <= MAX_TARGETS; i++) {
		const struct bb_layout_reg *g = &l->regs[i];
		unsigned wd = fit_width(width, g->size);
		uint64_t off = g->offset - g->offset % wd;

		if (g->region != r->index)
			continue;
		if (g->reads && may(l, ix, r, off, wd, BB_OP_READ, guard)) {
			t[nt] = (struct mix_target){ off, wd, BB_OP_READ, g->reads };
			total += g->reads;
			nt++;
		}
		if (g->writes && g->kind != BB_REG_ID && may(l, ix, r, off, wd, BB_OP_WRITE, guard)) {
			t[nt] = (struct mix_target){ off, wd, BB_OP_WRITE, g->writes };
			total += g->writes;
			nt++;
		}
	}
	if (!total)
		return -ENOENT;
	for (unsigned i = 0; i < MIX_CYCLE && !err; i++) {
		uint64_t x = bb_xorshift64s(&s) % total;
		unsigned k = 0;

		while (x >= t[k].weight) {
			x -= t[k].weight;
			k++;
		}
		err = push(w, cap, t[k].off, t[k].wd, t[k].op);
	}
	return err;
}

int bb_trace_parse(const char *text, size_t len, const char *name, const struct bb_region *r,
		   struct bb_access **out, size_t *n, struct bb_diag *d)
{
	struct bb_workload w = { 0 };
	size_t cap = 0, pos = 0;
	unsigned line = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	while (pos < len && !err) {
		char buf[256], f0[64], f1[64], f2[64], extra[8];
		size_t e = pos, ln;
		uint64_t off, width;
		int got;

		while (e < len && text[e] != '\n')
			e++;
		ln = e - pos;
		line++;
		if (ln >= sizeof(buf)) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: line longer than %zu bytes", name, line, sizeof(buf) - 1);
			break;
		}
		memcpy(buf, text + pos, ln);
		buf[ln] = '\0';
		pos = e + 1;
		if (memchr(buf, '\0', ln)) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: NUL byte", name, line);
			break;
		}
		{
			char *hash = strchr(buf, '#');

			if (hash)
				*hash = '\0';
		}
		got = sscanf(buf, "%63s %63s %63s %7s", f0, f1, f2, extra);
		if (got <= 0)
			continue;
		if (got != 3) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: want 'offset width r|w'", name, line);
			break;
		}
		if (bb_parse_u64(f0, &off)) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: offset '%s' is not a number", name, line, f0);
			break;
		}
		if (bb_parse_u64(f1, &width) || (width != 1 && width != 2 && width != 4 && width != 8)) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: width '%s' must be 1, 2, 4 or 8", name, line, f1);
			break;
		}
		if (strcmp(f2, "r") && strcmp(f2, "w")) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: '%s' must be r or w", name, line, f2);
			break;
		}
		if (off % width || off >= r->size || r->size - off < width) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: access [0x%" PRIx64 ", +%" PRIu64
					  ") is unaligned or outside the region (size 0x%" PRIx64 ")",
					  name, line, off, width, r->size);
			break;
		}
		if (w.n >= MAX_TRACE_LINES) {
			err = bb_diag_set(d, -E2BIG, "%s:%u: more than %u accesses", name, line, MAX_TRACE_LINES);
			break;
		}
		if (push(&w, &cap, off, (unsigned)width, f2[0] == 'w' ? BB_OP_WRITE : BB_OP_READ))
			err = bb_diag_set(d, -ENOMEM, "%s:%u: out of memory", name, line);
	}
	if (!err && !w.n)
		err = bb_diag_set(d, -EINVAL, "%s: no accesses", name);
	if (err) {
		free(w.acc);
		return err;
	}
	*out = w.acc;
	*n = w.n;
	return 0;
}

static int load_trace(const struct bb_workload_spec *spec, const struct bb_layout *l, const struct ids *ix,
		      const struct bb_region *r, enum bb_guard guard, struct bb_workload *w, struct bb_diag *d)
{
	char *text;
	size_t len;
	int err = bb_read_file(spec->trace, MAX_TRACE_BYTES, &text, &len, d);

	/*
	 * -ENOENT from here means "nothing to do" (bb_workload_build), and run
	 * and study skip such a workload as not applicable: a trace file that
	 * is not there (a typo, a study file from elsewhere) was skipped that
	 * way, every run of it, and the command exited 0 with nothing measured.
	 */
	if (err == -ENOENT)
		return bb_diag_set(d, -EINVAL, "replay:%s: no such trace file", spec->trace);
	if (err)
		return err;
	err = bb_trace_parse(text, len, spec->trace, r, &w->acc, &w->n, d);
	free(text);
	if (err)
		return err;
	/* a trace that asks for a forbidden access is refused, never silently trimmed */
	for (size_t i = 0; i < w->n; i++) {
		if (!may(l, ix, r, w->acc[i].offset, w->acc[i].width, (enum bb_op)w->acc[i].op, guard))
			return bb_diag_set(d, -EPERM, "%s: access %zu (%s at 0x%" PRIx64 ") touches a range the "
					   "layout forbids%s", spec->trace, i + 1,
					   w->acc[i].op == BB_OP_WRITE ? "write" : "read", w->acc[i].offset,
					   guard == BB_GUARD_SAFE_ONLY ? " on real hardware" :
					   guard == BB_GUARD_SAFE_READS ? " on real hardware without --allow-writes" :
					   guard == BB_GUARD_MSIX ? " (the MSI-X table and PBA are never touched here)" : "");
	}
	return 0;
}

int bb_workload_build(const struct bb_workload_spec *spec, const struct bb_layout *l,
		      const struct bb_region *r, enum bb_guard guard, struct bb_workload *out, struct bb_diag *d)
{
	struct bb_workload *w = out;
	struct ids ix;
	size_t cap = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (ids_build(l, r->index, &ix))
		return bb_diag_set(d, -ENOMEM, "workload: out of memory");
	w->kind = spec->kind;
	w->per_sample = 1;
	w->serialised = true;
	if (spec->kind == BB_WL_REPLAY)
		snprintf(w->name, sizeof(w->name), "replay:%s", spec->trace);
	else
		snprintf(w->name, sizeof(w->name), "%s", bb_workload_kind_name(spec->kind));

	switch (spec->kind) {
	case BB_WL_LAT_READ:
		err = targets(l, &ix, r, spec->width, BB_OP_READ, guard, false, w, &cap);
		break;
	case BB_WL_LAT_WRITE:
		err = targets(l, &ix, r, spec->width, BB_OP_WRITE, guard, false, w, &cap);
		break;
	case BB_WL_DOORBELL:
		err = targets(l, &ix, r, spec->width, BB_OP_WRITE, guard, true, w, &cap);
		if (!err && !w->n) {
			err = bb_diag_set(d, -ENOENT, "region %" PRIu32 " has no doorbell the layout lets us write",
					  r->index);
			goto out;
		}
		w->per_sample = DOORBELL_BATCH;
		w->serialised = false;
		break;
	case BB_WL_STREAM_READ:
	case BB_WL_STREAM_WRITE: {
		enum bb_op op = spec->kind == BB_WL_STREAM_READ ? BB_OP_READ : BB_OP_WRITE;
		uint64_t end = r->size < STREAM_BYTES ? r->size : STREAM_BYTES;

		for (uint64_t off = 0; off + spec->width <= end && !err; off += spec->width)
			if (may(l, &ix, r, off, spec->width, op, guard))
				err = push(w, &cap, off, spec->width, op);
		w->per_sample = w->n < 1024 ? (unsigned)w->n : 1024;
		w->serialised = false;
		break;
	}
	case BB_WL_MIX:
		err = build_mix(l, &ix, r, spec->width, guard, spec->seed, w, &cap);
		if (err == -ENOENT) {
			err = bb_diag_set(d, -ENOENT, "region %" PRIu32 " has no register with a reads/writes weight",
					  r->index);
			goto out;
		}
		break;
	case BB_WL_SWEEP: {
		uint64_t pages = (r->size + SWEEP_PAGE - 1) / SWEEP_PAGE;
		uint64_t step = pages > SWEEP_MAX_PAGES ? (pages + SWEEP_MAX_PAGES - 1) / SWEEP_MAX_PAGES : 1;

		for (uint64_t pg = 0; pg < pages && !err; pg += step) {
			/* the first readable word of the page */
			for (uint64_t off = pg * SWEEP_PAGE; off < (pg + 1) * SWEEP_PAGE && off < r->size;
			     off += spec->width) {
				if (may(l, &ix, r, off, spec->width, BB_OP_READ, guard)) {
					err = push(w, &cap, off, spec->width, BB_OP_READ);
					break;
				}
			}
		}
		break;
	}
	case BB_WL_REPLAY:
		err = load_trace(spec, l, &ix, r, guard, w, d);
		if (err)
			goto out;
		break;
	default:
		err = bb_diag_set(d, -EINVAL, "workload kind %d", (int)spec->kind);
		goto out;
	}
	if (err == -ENOMEM) {
		err = bb_diag_set(d, err, "%s: out of memory", w->name);
		goto out;
	}
	if (!err && !w->n) {
		bool writes = spec->kind == BB_WL_LAT_WRITE || spec->kind == BB_WL_STREAM_WRITE;

		err = bb_diag_set(d, -ENOENT, "%s: region %" PRIu32 " has nothing the layout lets us %s%s",
				  w->name, r->index, writes ? "write" : "read",
				  writes && guard == BB_GUARD_SAFE_READS ? " (real hardware, written only with --allow-writes)"
									 : "");
		goto out;
	}
	for (size_t i = 0; i < w->per_sample && i < w->n; i++)
		w->bytes_per_sample += w->acc[i].width;
	ids_free(&ix);
	return 0;
out:
	ids_free(&ix);
	bb_workload_free(w);
	return err;
}

/* @v rounded up to a multiple of @n (as it is where that would overflow). */
static size_t whole_rounds(size_t v, size_t n)
{
	return v % n && v / n < SIZE_MAX / n - 1 ? (v / n + 1) * n : v;
}

void bb_workload_rounds(const struct bb_workload *w, size_t *samples, size_t *warmup)
{
	/* a sweep reads every page once a round: a sample count under the pages would leave the last ones out */
	if (w->kind != BB_WL_SWEEP || !w->n)
		return;
	*samples = whole_rounds(*samples, w->n);
	*warmup = whole_rounds(*warmup, w->n);
}
