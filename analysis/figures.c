// SPDX-License-Identifier: MIT
/*
 * The report's figures: data files and a gnuplot script per figure, from
 * the templates (analysis/ *.gp, embedded), drawn in a fresh private folder
 * and renamed into DIR/figures.  Titles are data, quoted for gnuplot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "parse.h"
#include "barbench/stats.h"
#include "barbench/timing.h"

extern const char bb_gp_cdf[], bb_gp_bars[], bb_gp_pagemap[], bb_gp_slots[], bb_gp_advise[], bb_gp_overview[];

#define CDF_POINTS 200
#define MIN_NS 0.1	/* log axes: values at or below the timer's resolution drawn here */

/* A file in the drawing folder, created: never an existing name, never through a symlink. */
static FILE *rcreate(struct rep *r, const char *fmt, ...) BB_PRINTF(2, 3);
static FILE *rcreate(struct rep *r, const char *fmt, ...)
{
	char name[256];
	va_list ap;
	FILE *f;
	int fd;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	fd = openat(r->rfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

/* Close a file written by the drawing: 0 or a negative errno (a full disk is not "I/O error"). */
static int rclose(FILE *f)
{
	int err = 0;

	errno = 0;
	if (fflush(f) || ferror(f))
		err = errno ? -errno : -EIO;
	if (fclose(f) && !err)
		err = errno ? -errno : -EIO;
	return err;
}

/*
 * A string as gnuplot script text: single-quoted (gnuplot expands neither
 * backquotes nor macros there), and only characters that cannot end the
 * string or the line; anything else becomes '_'.  Titles are built from
 * checked fields anyway; this is the second wall.
 */
static void gp_quote(char *out, size_t len, const char *in)
{
	size_t k = 0;

	if (len < 3) {
		if (len)
			out[0] = '\0';
		return;
	}
	out[k++] = '\'';
	for (; *in && k + 2 < len; in++) {
		char c = *in;

		out[k++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   strchr(" ._,:;()%+=/-", c) ? c : '_';
	}
	out[k++] = '\'';
	out[k] = '\0';
}

/* Instantiate a template for both terminals into figures/<name>.gp, and load it from all.gp. */
static int emit_gp(struct rep *r, const char *tmpl, const char *name, const char *const *keys,
		   const char *const *vals, unsigned nkv)
{
	static const char *const term[2] = { "pngcairo", "svg" };
	static const char *const ext[2] = { "png", "svg" };
	const char *size = "800,500";	/* a figure may ask for another (SIZE); 800x500 keeps a study under 25 MB */
	FILE *f;
	int err;

	for (unsigned k = 0; k < nkv; k++)
		if (!strcmp(keys[k], "SIZE"))
			size = vals[k];

	f = rcreate(r, "%s.gp", name);
	if (!f)
		return -errno;
	/* PNG always; SVG (19 MB of the default study's 28 MB of figures) only when asked */
	for (int t = 0; t < (r->svg ? 2 : 1); t++) {
		for (const char *p = tmpl; *p;) {
			if (*p == '@') {
				const char *e = strchr(p + 1, '@');
				bool done = false;

				if (e) {
					size_t kl = (size_t)(e - p - 1);

					if (kl == 4 && !strncmp(p + 1, "TERM", 4)) {
						fprintf(f, "%s size %s enhanced font \"sans,10\" background rgb \"white\"", term[t], size);
						done = true;
					} else if (kl == 3 && !strncmp(p + 1, "EXT", 3)) {
						fputs(ext[t], f);
						done = true;
					} else if (kl == 3 && !strncmp(p + 1, "OUT", 3)) {
						fputs(name, f);
						done = true;
					}
					for (unsigned k = 0; !done && k < nkv; k++) {
						if (strlen(keys[k]) == kl && !strncmp(p + 1, keys[k], kl)) {
							fputs(vals[k], f);
							done = true;
						}
					}
				}
				if (done) {
					p = e + 1;
					continue;
				}
			}
			fputc(*p++, f);
		}
		fputc('\n', f);
	}
	err = rclose(f);
	if (err)
		return err;
	/* a line on gnuplot's standard output as each figure starts: the report's progress */
	fprintf(r->all, "print 'barbench-figure %s'\nload '%s.gp'\n", name, name);
	r->nfig++;
	return 0;
}

/* A resolution as a figure prints it: rounded up at the digits shown, as bb_format_ns_bare's bound. */
static void res_text(char *out, size_t len, double res)
{
	char b[32];

	bb_format_ns_bare(b, sizeof(b), 0, res);
	snprintf(out, len, "%s", b[0] == '<' ? b + 2 : b);
}

/* What a CDF's blocks were measured with: the finest and coarsest resolution, the smallest value drawn. */
struct cdf_res {
	double lo, hi;		/* 0: no block records one */
	double min_drawn;
};

/*
 * The CDF's marks of the measured clock, as gnuplot commands into @out:
 * the range below the finest resolution shaded (nothing there was
 * resolved), a dashed line at each of the finest and coarsest resolution
 * labelled "timer resolution R ns", the x axis from the decade below them,
 * and in its label a note of what was drawn where.  A folder that records no resolution
 * gets the note of the 0.1 ns floor alone.
 */
static void cdf_marks(const struct cdf_res *cr, char *out, size_t len)
{
	char a[32], b[32];
	double lo = cr->lo, xmin;
	size_t n;

	if (lo <= 0) {
		snprintf(out, len, "set label 1 \"values below %.1f ns drawn at %.1f (the folder records no timer "
			 "resolution)\" at graph 0.01, graph 0.97 font \",8\"", MIN_NS, MIN_NS);
		return;
	}
	res_text(a, sizeof(a), lo);
	res_text(b, sizeof(b), cr->hi);
	xmin = pow(10, floor(log10(fmin(lo, cr->min_drawn)) - 0.3));
	n = (size_t)snprintf(out, len,
			     "set xrange [%g:*]\n"
			     "set object 1 rect from graph 0, graph 0 to first %.6g, graph 1 behind fillcolor rgb \"#e4e4e4\" "
			     "fillstyle solid 1.0 noborder\n"
			     "set arrow 1 from first %.6g, graph 0 to first %.6g, graph 1 nohead lc rgb \"#555555\" lw 1 dt 2 front\n"
			     "set label 2 \"timer resolution %s ns\" at first %.6g, graph 0.5 rotate by 90 center offset -0.8,0 "
			     "font \",8\" front\n",
			     xmin, lo, lo, lo, a, lo);
	if (n < len && strcmp(a, b))
		n += (size_t)snprintf(out + n, len - n,
				      "set arrow 2 from first %.6g, graph 0 to first %.6g, graph 1 nohead lc rgb \"#555555\" lw 1 "
				      "dt 2 front\n"
				      "set label 3 \"timer resolution %s ns\" at first %.6g, graph 0.5 rotate by 90 center offset "
				      "-0.8,0 font \",8\" front\n", cr->hi, cr->hi, b, cr->hi);
	if (n < len)
		snprintf(out + n, len - n, "set xlabel \"latency per access (ns, log scale); shaded: below the timer "
			 "resolution (a value there is drawn at it)\"");
}

/*
 * CDF of one (device, region, runner, workload, page): one block per
 * policy, each value below its configuration's resolution drawn at it (no
 * measurement shows finer than the clock), the resolutions marked.
 */
static int fig_cdf(struct rep *r, size_t first, size_t last, char *name, size_t nlen)
{
	const struct bb_rec *g = r->sorted[first]->first;
	double *pool = malloc(MAX_POOL * sizeof(*pool));
	char dev[128], data[64], text[512], title[520], nbuf[8], pg[32], marks[1536];
	struct cdf_res cr = { 0, 0, INFINITY };
	unsigned blocks = 0;
	FILE *f;
	int err;

	if (!pool)
		return -ENOMEM;
	bb_rep_label(r, g, dev, sizeof(dev));
	snprintf(name, nlen, "cdf-%02u", ++r->seq);
	f = rcreate(r, "%s.dat", name);
	if (!f) {
		free(pool);
		return -errno;
	}
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];
		size_t ci = (size_t)(c - r->cfg.v);
		double floor_ns = c->resolution_ns > MIN_NS ? c->resolution_ns : MIN_NS;
		size_t n = 0;

		/* the configuration's own records (bb_configs_build lists them): not a scan of every record */
		for (size_t q = r->cfg.rep_start[ci]; q < r->cfg.rep_start[ci + 1]; q++)
			bb_rep_read_samples(r, &r->recs.v[r->cfg.rep_rec[q]], pool, NULL, &n, MAX_POOL);
		if (!n)
			continue;
		bb_sort_doubles(pool, n);
		if (c->resolution_ns > 0) {
			cr.lo = cr.lo > 0 && cr.lo < c->resolution_ns ? cr.lo : c->resolution_ns;
			cr.hi = cr.hi > c->resolution_ns ? cr.hi : c->resolution_ns;
		}
		cr.min_drawn = fmin(cr.min_drawn, pool[0] > floor_ns ? pool[0] : floor_ns);
		fprintf(f, "\"%s%s%s\" 0\n", c->first->policy, c->first->params[0] ? " " : "", c->first->params);
		for (unsigned q = 0; q < CDF_POINTS; q++) {
			size_t i = (size_t)((double)q * (double)(n - 1) / (CDF_POINTS - 1));

			fprintf(f, "%.3f %.5f\n", pool[i] > floor_ns ? pool[i] : floor_ns, (double)(i + 1) / (double)n);
		}
		fprintf(f, "\n\n");
		blocks++;
	}
	err = rclose(f);
	free(pool);
	if (err)
		return err;
	if (!blocks)
		return -ENOENT;
	bb_rep_page_name(g->page_size, pg, sizeof(pg));
	snprintf(text, sizeof(text), "%s region %" PRIu32 ", %s, %s pages, %s runner: latency CDF per policy", dev,
		 g->region, g->workload, pg, g->runner);
	gp_quote(title, sizeof(title), text);
	snprintf(nbuf, sizeof(nbuf), "%u", blocks);
	snprintf(data, sizeof(data), "%s.dat", name);
	cdf_marks(&cr, marks, sizeof(marks));
	{
		const char *k[] = { "TITLE", "DATA", "N", "MARKS" }, *v[] = { title, data, nbuf, marks };

		return emit_gp(r, bb_gp_cdf, name, k, v, 4);
	}
}

/* p50/p99 bars of one (device, region, runner, workload) over policies x pages. */
/* A bar's value and where the figure draws it: measured at or above @res, else at @res, hatched ("< R"). */
static void bar_values(FILE *f, double v, double res)
{
	v = v > MIN_NS ? v : MIN_NS;
	if (res > 0 && v < res)
		fprintf(f, " - %.3f", res);
	else
		fprintf(f, " %.3f -", v);
}

/* The decade below @lo and the one above @hi: a log axis on which every bar and mark shows. */
static void log_range(double lo, double hi, char *ymin, size_t n1, char *ymax, size_t n2)
{
	snprintf(ymin, n1, "%g", pow(10, floor(log10(lo > MIN_NS ? lo : MIN_NS) - 0.3)));
	snprintf(ymax, n2, "%g", pow(10, ceil(log10(hi > 1 ? hi : 1) + 0.15)));
}

/*
 * p50/p99 bars of one (device, region, runner, workload) over policies x
 * pages.  Each configuration's timer resolution is marked; a figure below
 * it is no measurement, so its bar is drawn at the resolution, hatched: "< R".
 */
static int fig_bars(struct rep *r, size_t first, size_t last, char *name, size_t nlen)
{
	const struct bb_rec *g = r->sorted[first]->first;
	char dev[128], data[64], text[512], title[520], ymin[32], ymax[32], nb[16];
	double lo = INFINITY, hi = 0;
	FILE *f;
	int err;

	bb_rep_label(r, g, dev, sizeof(dev));
	snprintf(name, nlen, "bars-%02u", ++r->seq);
	f = rcreate(r, "%s.dat", name);
	if (!f)
		return -errno;
	/* label, p50 measured, p50 below resolution (drawn at it), p99 likewise, resolution */
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];
		double res = c->resolution_ns;
		char pg[32];

		bb_rep_page_name(c->first->page_size, pg, sizeof(pg));
		fprintf(f, "\"%s%s%s %s\"", c->first->policy, c->first->params[0] ? " " : "", c->first->params, pg);
		bar_values(f, c->p50_ns, res);
		bar_values(f, c->p99_ns, res);
		if (res > 0)
			fprintf(f, " %.3f\n", res);
		else
			fprintf(f, " -\n");
		lo = fmin(lo, fmin(c->p50_ns, res > 0 ? res : c->p50_ns));
		hi = fmax(hi, fmax(c->p99_ns, res));
	}
	/* past the x range, never drawn: every column has a point, so gnuplot has no empty series to warn of */
	fprintf(f, "\"\" 1 1 1 1 1\n");
	err = rclose(f);
	if (err)
		return err;
	log_range(lo, hi, ymin, sizeof(ymin), ymax, sizeof(ymax));
	snprintf(nb, sizeof(nb), "%zu", last - first + 1);
	snprintf(text, sizeof(text), "%s region %" PRIu32 ", %s, %s runner: p50 and p99 per policy and page size",
		 dev, g->region, g->workload, g->runner);
	gp_quote(title, sizeof(title), text);
	snprintf(data, sizeof(data), "%s.dat", name);
	{
		const char *k[] = { "TITLE", "DATA", "YMIN", "YMAX", "N" }, *v[] = { title, data, ymin, ymax, nb };

		return emit_gp(r, bb_gp_bars, name, k, v, 5);
	}
}

struct sample_at {
	uint64_t page;
	double ns;
};

static int cmp_page(const void *a, const void *b)
{
	const struct sample_at *x = a, *y = b;

	return x->page < y->page ? -1 : x->page > y->page;
}

/* The policies with a plan for (device, region, page) in plans.csv, and the region's extent. */
static unsigned pagemap_policies(const struct plan_row *pl, size_t npl, const char *device, uint32_t region,
				 uint64_t page, char pols[16][140], uint64_t *region_size)
{
	unsigned np = 0;

	*region_size = 0;
	for (size_t i = 0; i < npl; i++) {
		const struct plan_row *p = &pl[i];
		char lab[140];
		unsigned k;

		if (strcmp(p->device, device) || p->region != region || p->page != page)
			continue;
		if (p->off + p->size > *region_size)
			*region_size = p->off + p->size;
		if (strcmp(p->mode, "map") && strcmp(p->mode, "trap"))
			continue;	/* must-trap ranges and hot-trapped notes are not a policy's windows */
		snprintf(lab, sizeof(lab), "%s%s%s", p->policy, p->params[0] ? " " : "", p->params);
		for (k = 0; k < np; k++)
			if (!strcmp(pols[k], lab))
				break;
		if (k == np && np < 16)
			snprintf(pols[np++], sizeof(pols[0]), "%s", lab);
	}
	return np;
}

/* The window file: blocks 0 mapped, 1 trapped, 2 must-trap; y = policy row. */
static int pagemap_windows(struct rep *r, const char *name, const struct plan_row *pl, size_t npl, const char *device,
			   uint32_t region, uint64_t page, char pols[16][140], unsigned np)
{
	FILE *f = rcreate(r, "%s-win.dat", name);

	if (!f)
		return -errno;
	for (int blk = 0; blk < 3; blk++) {
		unsigned rows = 0;

		for (size_t i = 0; i < npl; i++) {
			const struct plan_row *p = &pl[i];
			char lab[140];
			int y = -1;

			if (strcmp(p->device, device) || p->region != region || p->page != page)
				continue;
			if ((blk == 0 && strcmp(p->mode, "map")) || (blk == 1 && strcmp(p->mode, "trap")) ||
			    (blk == 2 && strcmp(p->mode, "must-trap")))
				continue;
			snprintf(lab, sizeof(lab), "%s%s%s", p->policy, p->params[0] ? " " : "", p->params);
			for (unsigned k = 0; k < np && blk < 2; k++)
				if (!strcmp(pols[k], lab))
					y = (int)k;
			fprintf(f, "%d %.3f %.3f\n", y, (double)p->off / 1024.0, (double)(p->off + p->size) / 1024.0);
			rows++;
		}
		if (!rows)	/* an empty block would shift the indices */
			fprintf(f, "-5 0 0\n");
		fprintf(f, "\n\n");
	}
	return rclose(f);
}

/* What the sweep file holds: the range of its medians, and how many pages of the zoom window [lo, hi) it has. */
struct sweep_span {
	double min, max;
	uint64_t lo, hi;
	size_t in_zoom;
};

/* One sweep's samples (@n of them) as a median per 4 KiB page, one block of @g. */
static void sweep_block(const struct rep *r, FILE *g, const struct bb_config *c, double *pool, uint64_t *offs,
			struct sample_at *pairs, size_t n, struct sweep_span *sp)
{
	size_t i = 0;

	/* sort by page (n log n whatever order a samples file holds), then median per page */
	for (size_t a = 0; a < n; a++)
		pairs[a] = (struct sample_at){ offs[a] / 4096, pool[a] };
	qsort(pairs, n, sizeof(*pairs), cmp_page);
	for (size_t a = 0; a < n; a++) {
		offs[a] = pairs[a].page * 4096;
		pool[a] = pairs[a].ns;
	}
	fprintf(g, "\"%s%s%s%s%s\" 0\n", c->first->policy, c->first->params[0] ? " " : "", c->first->params,
		r->nfolders > 1 ? " @ " : "", r->nfolders > 1 ? r->hosts[c->first->folder] : "");
	while (i < n) {
		size_t j = i;
		double med;

		while (j < n && offs[j] / 4096 == offs[i] / 4096)
			j++;
		bb_sort_doubles(pool + i, j - i);
		med = bb_percentile(pool + i, j - i, 50.0);
		med = med > MIN_NS ? med : MIN_NS;
		fprintf(g, "%.3f %.3f\n", (double)(offs[i] / 4096 * 4096) / 1024.0 + 2.0, med);
		sp->min = fmin(sp->min, med);
		sp->max = fmax(sp->max, med);
		sp->in_zoom += offs[i] >= sp->lo && offs[i] < sp->hi;
		i = j;
	}
	fprintf(g, "\n\n");
}

/* The sweep file: latency per 4 KiB page, median over every sample of that page, per policy; *@ns blocks. */
static int pagemap_sweeps(struct rep *r, const char *name, const char *device, uint32_t region, uint64_t page,
			  unsigned *ns, struct sweep_span *sp)
{
	FILE *g = rcreate(r, "%s-sweep.dat", name);
	double *pool = malloc(MAX_POOL * sizeof(*pool));
	uint64_t *offs = malloc(MAX_POOL * sizeof(*offs));
	struct sample_at *pairs = malloc(MAX_POOL * sizeof(*pairs));
	bool swept = false;
	int err;

	*ns = 0;
	if (!g || !pool || !offs || !pairs) {
		if (g)
			fclose(g);
		free(pool);
		free(offs);
		free(pairs);
		return -ENOMEM;
	}
	for (size_t k = 0; k < r->cfg.n; k++) {
		const struct bb_config *c = r->sorted[k];
		size_t n = 0;

		if (strcmp(c->first->workload, "sweep") || strcmp(c->first->device, device) ||
		    c->first->region != region || c->first->page_size != page || !bb_rep_headline_runner(c->first->runner))
			continue;
		swept = true;
		for (size_t j = 0; j < r->recs.n; j++)
			if (&r->cfg.v[r->cfg.of_rec[j]] == c)
				bb_rep_read_samples(r, &r->recs.v[j], pool, offs, &n, MAX_POOL);
		if (!n)
			continue;
		sweep_block(r, g, c, pool, offs, pairs, n, sp);
		(*ns)++;
	}
	if (!*ns) {	/* no sweep: a one-point placeholder block keeps the template valid, its title says why */
		fprintf(g, "\"%s\" 0\n0 1\n", swept ? "sweep: its samples are not in this folder" : "no sweep run");
		sp->min = sp->max = 1;
	}
	err = rclose(g);
	free(pool);
	free(offs);
	free(pairs);
	return err;
}

/*
 * Where a whole-region page map hides what matters: the must-trap ranges
 * (MSI-X table and PBA) and the pages around them, where the hot registers
 * a layout puts beside the table trap with it.  The window [*@lo, *@hi)
 * spans every must-trap range and two host pages (at least 16 KiB) either
 * side, on page boundaries; false when it is more than a quarter of the
 * region, which the whole map shows well enough.
 */
static bool pagemap_zoom(const struct plan_row *pl, size_t npl, const char *device, uint32_t region, uint64_t page,
			 uint64_t region_size, uint64_t *lo, uint64_t *hi)
{
	uint64_t a = UINT64_MAX, b = 0, pad = 2 * page > 16384 ? 2 * page : 16384;

	for (size_t i = 0; i < npl; i++) {
		const struct plan_row *p = &pl[i];

		if (strcmp(p->device, device) || p->region != region || p->page != page || strcmp(p->mode, "must-trap"))
			continue;
		a = p->off < a ? p->off : a;
		b = p->off + p->size > b ? p->off + p->size : b;
	}
	if (a == UINT64_MAX)
		return false;
	*lo = a > pad ? (a - pad) / page * page : 0;
	*hi = b + pad < region_size ? (b + pad + page - 1) / page * page : region_size;
	if (*hi > region_size)
		*hi = region_size;
	return *hi - *lo <= region_size / 4;
}

/* Page map of (device, region, page): windows per policy, must-trap, sweep latency per page. */
static int fig_pagemap(struct rep *r, const struct plan_row *pl, size_t npl, const char *device, uint32_t region,
		       uint64_t page, char *name, size_t nlen)
{
	char dev[128], win[64], sw[64], text[512], title[520], yt[2600] = "'must-trap' -1", npol[8], nsw[8], xmax[32];
	char pg[32], zlo[32] = "0", zhi[32] = "0", size[16] = "960,600";
	char pols[16][140];
	unsigned np, ns = 0;
	char ymin[32], ymax[32];
	uint64_t region_size, lo = 0, hi = 0;
	struct sweep_span sp;
	bool zoom;
	int err;

	bb_rep_short_dev(device, dev, sizeof(dev));
	snprintf(name, nlen, "pagemap-%02u", r->seq + 1);
	np = pagemap_policies(pl, npl, device, region, page, pols, &region_size);
	if (!np || !region_size)
		return -ENOENT;
	r->seq++;
	err = pagemap_windows(r, name, pl, npl, device, region, page, pols, np);
	if (err)
		return err;
	for (unsigned k = 0; k < np; k++) {
		size_t n = strlen(yt);
		char q[300];

		gp_quote(q, sizeof(q), pols[k]);
		snprintf(yt + n, sizeof(yt) - n, ", %s %u", q, k);
	}
	zoom = pagemap_zoom(pl, npl, device, region, page, region_size, &lo, &hi);
	sp = (struct sweep_span){ INFINITY, 0, zoom ? lo : 0, zoom ? hi : 0, 0 };
	err = pagemap_sweeps(r, name, device, region, page, &ns, &sp);
	if (err)
		return err;
	/* the sweep panels' y axis from the data: a zoom window without a swept page is then no error */
	log_range(sp.min, sp.max, ymin, sizeof(ymin), ymax, sizeof(ymax));
	bb_rep_page_name(page, pg, sizeof(pg));
	if (zoom) {
		/* a second column: the same two panels around the must-trap ranges */
		snprintf(zlo, sizeof(zlo), "%.3f", (double)lo / 1024.0);
		snprintf(zhi, sizeof(zhi), "%.3f", (double)hi / 1024.0);
		snprintf(size, sizeof(size), "1280,680");
	}
	snprintf(text, sizeof(text), "%s region %" PRIu32 " on %s pages: mapped, trapped and must-trap ranges per policy; "
		 "sweep latency per 4 KiB page%s", dev, region, pg, zoom ? " (right: zoomed on the must-trap ranges)" : "");
	gp_quote(title, sizeof(title), text);
	snprintf(npol, sizeof(npol), "%u", np);
	snprintf(nsw, sizeof(nsw), "%u", ns ? ns : 1);
	snprintf(xmax, sizeof(xmax), "%.3f", (double)region_size / 1024.0);
	snprintf(win, sizeof(win), "%s-win.dat", name);
	snprintf(sw, sizeof(sw), "%s-sweep.dat", name);
	{
		const char *k[] = { "TITLE", "WIN", "SWEEP", "YTICS", "NPOL", "XMAX", "NSWEEP", "ZOOM", "ZLO", "ZHI", "SIZE",
				    "YMIN", "YMAX", "ZSWEEP" };
		const char *v[] = { title, win, sw, yt, npol, xmax, nsw, zoom ? "1" : "0", zlo, zhi, size,
				    ymin, ymax, sp.in_zoom || !ns ? "1" : "0" };

		return emit_gp(r, bb_gp_pagemap, name, k, v, 14);
	}
}

/* Memslots and mappings per policy for every device region at one page size (host, first workload). */
static int fig_slots(struct rep *r, uint64_t page, char *name, size_t nlen)
{
	static const char *const pols[] = { "full", "holes", "sparse", "merged", "trap" };
	char data[64], maps[64], text[256], title[264], pg[32];
	FILE *f, *g;
	unsigned rows = 0;
	char last[400] = "";
	int err, err2;

	/* the page size is a checked number: the name holds nothing else */
	snprintf(name, nlen, "slots-%" PRIu64, page);
	f = rcreate(r, "%s.dat", name);
	g = rcreate(r, "%s-maps.dat", name);
	if (!f || !g) {
		if (f)
			fclose(f);
		if (g)
			fclose(g);
		return -errno;
	}
	fprintf(f, "layout full holes sparse merged trap\n");
	fprintf(g, "layout full holes sparse merged trap\n");
	for (size_t k = 0, run = 0; k < r->cfg.n; k++) {
		const struct bb_rec *a = r->sorted[k]->first;
		char dev[128], here[400];

		/* sorted by device and region first (report.c cmp_cfg): a region's configurations start at run */
		if (k && (strcmp(a->device, r->sorted[k - 1]->first->device) || a->region != r->sorted[k - 1]->first->region))
			run = k;
		if (!bb_rep_headline_runner(a->runner) || a->page_size != page)
			continue;
		snprintf(here, sizeof(here), "%s|%" PRIu32, a->device, a->region);
		if (!strcmp(here, last))
			continue;
		snprintf(last, sizeof(last), "%s", here);
		bb_rep_short_dev(a->device, dev, sizeof(dev));
		fprintf(f, "\"%s r%" PRIu32 "\"", dev, a->region);
		fprintf(g, "\"%s r%" PRIu32 "\"", dev, a->region);
		for (int p = 0; p < 5; p++) {
			const struct bb_config *hit = NULL;

			for (size_t j = run; j < r->cfg.n && !hit; j++) {
				const struct bb_rec *b = r->sorted[j]->first;

				if (strcmp(b->device, a->device) || b->region != a->region)
					break;	/* past the region's configurations */
				if (b->page_size == page &&
				    bb_rep_headline_runner(b->runner) && !strcmp(b->policy, pols[p]) && !b->params[0])
					hit = r->sorted[j];
			}
			if (hit) {
				fprintf(f, " %" PRIu32, hit->memslots);
				fprintf(g, " %" PRIu32, hit->mappings);
			} else {
				fprintf(f, " -");
				fprintf(g, " -");
			}
		}
		fprintf(f, "\n");
		fprintf(g, "\n");
		rows++;
	}
	err = rclose(f);
	err2 = rclose(g);
	if (err || err2)
		return err ? err : err2;
	if (!rows)
		return -ENOENT;
	bb_rep_page_name(page, pg, sizeof(pg));
	snprintf(text, sizeof(text), "Memslots and host mappings per policy, %s pages (- : policy not applicable)", pg);
	gp_quote(title, sizeof(title), text);
	snprintf(data, sizeof(data), "%s.dat", name);
	snprintf(maps, sizeof(maps), "%s-maps.dat", name);
	{
		const char *k[] = { "TITLE", "DATA", "MAPS", "N" }, *v[] = { title, data, maps, "5" };

		return emit_gp(r, bb_gp_slots, name, k, v, 4);
	}
}

static int fig_advise(struct rep *r, const struct adv_row *a, size_t n, char *name, size_t nlen)
{
	size_t best[256], nb = bb_rep_advise_best(a, n, best, 256);
	FILE *f;
	int err;

	if (!nb)
		return -ENOENT;
	snprintf(name, nlen, "advise");
	f = rcreate(r, "%s.dat", name);
	if (!f)
		return -errno;
	for (size_t k = 0; k < nb; k++) {
		const struct adv_row *x = &a[best[k]];
		char pg[32];

		bb_rep_page_name(x->page, pg, sizeof(pg));
		fprintf(f, "\"%s: %s (%s %s)\" %.1f %.1f\n", x->layout, x->change, x->policy, pg,
			x->pb > 0 ? 100 * x->pg / x->pb : 0, x->mb > 0 ? 100 * x->mg / x->mb : 0);
	}
	err = rclose(f);
	if (err)
		return err;
	{
		/* one row per change, horizontal bars: as tall as the rows need, labels read across */
		char size[32], rows[16];
		const char *k[] = { "TITLE", "DATA", "SIZE", "N" };
		const char *v[] = { "'Layout changes a vendor can make: time per access saved (best policy and page size of each)'",
				    "advise.dat", size, rows };

		snprintf(rows, sizeof(rows), "%zu", nb);
		snprintf(size, sizeof(size), "1100,%zu", 160 + 24 * nb);
		return emit_gp(r, bb_gp_advise, name, k, v, 4);
	}
}

/*
 * gnuplot on all.gp in the drawing folder @rfd, its errors into gnuplot.log; its standard
 * output (a line per figure) read for the progress of @r's options, never
 * left on barbench's own.
 */
static int run_gnuplot(const struct rep *r, int rfd)
{
	const struct bb_report_opts *o = r->opts;
	char line[256];
	size_t step = 0;
	int fds[2], st;
	FILE *out;
	pid_t pid;

	if (pipe(fds))
		return -errno;
	pid = fork();
	if (pid < 0) {
		st = -errno;
		close(fds[0]);
		close(fds[1]);
		return st;
	}
	if (pid == 0) {
		FILE *log;

		if (fchdir(rfd) || dup2(fds[1], 1) < 0)
			_exit(126);
		close(fds[0]);
		close(fds[1]);
		log = freopen("gnuplot.log", "w", stderr);
		(void)log;
		execlp("gnuplot", "gnuplot", "all.gp", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	while (out && fgets(line, sizeof(line), out)) {
		if (strncmp(line, "barbench-figure ", 16) || !o || !o->progress)
			continue;
		line[strcspn(line, "\n")] = '\0';
		o->progress(o->progress_arg, 1 + (step < r->nfig ? step : r->nfig - 1), r->nfig + 2, line + 16);
		step++;
	}
	if (out)
		fclose(out);
	else
		close(fds[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (!WIFEXITED(st))
		return -EINTR;
	return WEXITSTATUS(st) == 127 ? -ENOENT : WEXITSTATUS(st) ? -EIO : 0;
}

/*
 * A whole PNG of its own in @dfd: a regular file (no symlink followed) from
 * the signature to the IEND chunk, which ends every PNG (PNG specification,
 * ISO/IEC 15948, 5.2 and 11.2.5: length 0, "IEND", CRC ae 42 60 82).  Nothing
 * between is decoded: this tells a written image from one cut short.
 */
static bool whole_png(int dfd, const char *name)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
	unsigned char a[8], z[12];
	struct stat sb;
	bool ok;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	ok = !fstat(fd, &sb) && S_ISREG(sb.st_mode) && sb.st_size >= 20 && pread(fd, a, 8, 0) == 8 &&
	     pread(fd, z, 12, sb.st_size - 12) == 12 && !memcmp(a, sig, 8) && !memcmp(z, iend, 12);
	close(fd);
	return ok;
}

/* The seconds a pngquant job may take: ~30 ms a figure here at --speed 10, so hundreds of times that. */
#define PNGQUANT_BASE_S 10
#define PNGQUANT_PER_FIGURE_S 1

struct pq_job {
	pid_t pid;
	size_t lo, hi;		/* its figures, names[lo..hi) */
	bool ok;		/* exited 0, 98 or 99 (a figure left as it was: larger, or quality) */
	bool skipped;		/* exited 98 or 99: a figure without output was left on purpose */
	bool missing;		/* exited 127: no pngquant on PATH */
};

/* One pngquant on names[lo..hi) in the drawing folder @rfd, in a process group of its own; -1: not started. */
static pid_t pq_start(int rfd, char **names, size_t lo, size_t hi)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* argv: pngquant OPTIONS -- the job's names, NULL; each output NAME.pq.png */
		char **argv = calloc(hi - lo + 10, sizeof(*argv));
		size_t a = 0;
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		setpgid(0, 0);
		if (!argv || fchdir(rfd) || null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(126);
		argv[a++] = "pngquant";
		argv[a++] = "--force";
		argv[a++] = "--skip-if-larger";
		argv[a++] = "--speed";
		argv[a++] = "10";
		argv[a++] = "--ext";
		argv[a++] = ".pq.png";
		argv[a++] = "256";
		argv[a++] = "--";
		for (size_t i = lo; i < hi; i++)
			argv[a++] = names[i];
		execvp("pngquant", argv);
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid);	/* the child does too: whichever runs first */
	return pid;
}

/*
 * Waits for the jobs (only their pids: a caller's other children are not
 * reaped), until @deadline_ns (bb_now_ns): a job still running
 * then is killed with its process group, and fails.
 */
static void pq_wait(struct pq_job *jobs, unsigned n, double deadline_ns)
{
	unsigned running = 0;

	for (unsigned j = 0; j < n; j++)
		running += jobs[j].pid > 0;
	while (running) {
		bool late = bb_now_ns() > deadline_ns;

		for (unsigned j = 0; j < n; j++) {
			pid_t got;
			int st;

			if (jobs[j].pid <= 0)
				continue;
			if (late) {
				kill(-jobs[j].pid, SIGKILL);
				kill(jobs[j].pid, SIGKILL);
			}
			got = waitpid(jobs[j].pid, &st, late ? 0 : WNOHANG);
			if (got == 0)
				continue;
			jobs[j].missing = got > 0 && !late && WIFEXITED(st) && WEXITSTATUS(st) == 127;
			jobs[j].ok = got > 0 && !late && WIFEXITED(st) &&
				     (!WEXITSTATUS(st) || WEXITSTATUS(st) == 98 || WEXITSTATUS(st) == 99);
			jobs[j].skipped = jobs[j].ok && WEXITSTATUS(st);
			jobs[j].pid = 0;
			running--;
		}
		if (running)
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
}

/*
 * The PNGs in the drawing folder @rfd turned into 8-bit palette images by
 * pngquant, when it is installed: gnuplot's pngcairo writes truecolour, and
 * a palette of at most 256 colours draws these figures (lines, text and
 * fills on white) the same at 40% of the bytes (the default study's
 * figures: 12.7 MB to 8.4 MB here).  pngquant is the well-kept tool for
 * this; nothing here decodes a PNG.  It runs in the private drawing folder
 * only, on names barbench made, split over the online CPUs, each job given
 * PNGQUANT_BASE_S plus PNGQUANT_PER_FIGURE_S a figure before it is killed
 * (a hung pngquant never hangs the report).  Its output NAME.pq.png replaces
 * gnuplot's NAME.png only when its job ended well and the output is a whole
 * PNG of its own (whole_png); else gnuplot's figure stays (pngquant not
 * installed, failed or late: larger figures, the same to the eye, counted
 * for the report's note).  A figure without output from a job that says it
 * skipped some (exit 98 or 99: --skip-if-larger, its palette version no
 * smaller) was left on purpose and is not counted.
 */
static void palette_pngs(struct rep *r)
{
	int rfd = r->rfd;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned jobs = cpus > 1 ? (cpus < 4 ? (unsigned)cpus : 4) : 1;
	struct pq_job job[4] = { { 0 } };
	char **names = NULL, out[300];
	size_t n = 0, cap = 0, most = 0;
	struct dirent *e;
	DIR *dd;
	int fd;

	fd = openat(rfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dd = fd < 0 ? NULL : fdopendir(fd);
	if (!dd) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dd))) {
		size_t l = strlen(e->d_name);

		if (l < 5 || l + 8 >= sizeof(out) || strcmp(e->d_name + l - 4, ".png") || e->d_type != DT_REG)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? 2 * cap : 256) * sizeof(*names));

			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(dd);
	for (unsigned j = 0; j < jobs && n; j++) {
		job[j].lo = n * j / jobs;
		job[j].hi = n * (j + 1) / jobs;
		if (job[j].lo == job[j].hi)
			continue;
		job[j].pid = pq_start(rfd, names, job[j].lo, job[j].hi);
		if (job[j].pid < 0)
			job[j].pid = 0;
		else if (job[j].hi - job[j].lo > most)
			most = job[j].hi - job[j].lo;
	}
	pq_wait(job, jobs, bb_now_ns() + 1e9 * (PNGQUANT_BASE_S + PNGQUANT_PER_FIGURE_S * (double)most));
	r->pq_total = n;
	r->pq_left = 0;
	for (unsigned j = 0; j < jobs && n; j++) {
		r->pq_missing |= job[j].missing;
		for (size_t i = job[j].lo; i < job[j].hi; i++) {
			struct stat sb;

			snprintf(out, sizeof(out), "%.*s.pq.png", (int)(strlen(names[i]) - 4), names[i]);
			/* a job that skipped figures (exit 98) and wrote nothing for this one: no smaller as a palette */
			if (job[j].skipped && fstatat(rfd, out, &sb, AT_SYMLINK_NOFOLLOW) && errno == ENOENT)
				continue;
			if (!job[j].ok || !whole_png(rfd, out) || renameat(rfd, out, rfd, names[i])) {
				unlinkat(rfd, out, 0);	/* gnuplot's figure stays */
				r->pq_left++;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* A figure's source (gnuplot script or data) rather than the figure. */
static bool figure_source(const char *name)
{
	size_t n = strlen(name);

	return (n > 3 && !strcmp(name + n - 3, ".gp")) || (n > 4 && !strcmp(name + n - 4, ".dat"));
}

/* A name of the kinds the drawing folder holds: a figure, its source, gnuplot's log. */
static bool drawn_kind(const char *name)
{
	size_t n = strlen(name);

	return figure_source(name) || !strcmp(name, "gnuplot.log") ||
	       (n > 4 && (!strcmp(name + n - 4, ".png") || !strcmp(name + n - 4, ".svg")));
}

/* Entry @e of the folder @dfd is a regular file (a symlink is not followed). */
static bool regular_at(int dfd, const struct dirent *e)
{
	struct stat sb;

	if (e->d_type != DT_UNKNOWN)
		return e->d_type == DT_REG;
	return !fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) && S_ISREG(sb.st_mode);
}

/* @name in @dfd removed, a folder with what it holds (8 deep at most); no symlink followed. */
static void remove_at(int dfd, const char *name, int depth)
{
	struct dirent *e;
	DIR *dh;
	int fd;

	if (!unlinkat(dfd, name, 0) || errno != EISDIR || depth >= 8)
		return;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	dh = fd < 0 ? NULL : fdopendir(fd);
	if (!dh) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			remove_at(dirfd(dh), e->d_name, depth + 1);
	closedir(dh);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

/*
 * Each file of the drawing folder renamed into figures/ (a rename replaces a
 * symlink, never follows it); the scripts and data only when @sources (they
 * are half a folder's size and `barbench report` makes them again).  Only
 * regular files of the kinds drawn (drawn_kind): anything else there (a
 * symlink, a folder, another file) is removed.
 */
static int move_figures(int rfd, int ffd, const char *figdir, bool sources, struct bb_diag *d)
{
	int dup_fd = dup(rfd), err = 0;
	struct dirent *e;
	DIR *dh;

	if (dup_fd < 0)
		return bb_diag_set(d, -errno, "%s: %s", figdir, strerror(errno));
	dh = fdopendir(dup_fd);
	if (!dh) {
		close(dup_fd);
		return bb_diag_set(d, -errno, "%s: %s", figdir, strerror(errno));
	}
	while ((e = readdir(dh))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!sources && figure_source(e->d_name)) {
			/* an older report's source of this name goes too (unlinked, a symlink is never followed) */
			if (ffd != rfd)
				unlinkat(ffd, e->d_name, 0);
			unlinkat(rfd, e->d_name, 0);
			continue;
		}
		if (!regular_at(rfd, e) || !drawn_kind(e->d_name)) {
			remove_at(rfd, e->d_name, 0);	/* not barbench's: what a pngquant left */
			continue;
		}
		if (!err && renameat(rfd, e->d_name, ffd, e->d_name))
			err = bb_diag_set(d, -errno, "%s/%s: %s", figdir, e->d_name, strerror(errno));
		unlinkat(rfd, e->d_name, 0);	/* what could not be moved */
	}
	closedir(dh);
	return err;
}

/*
 * DIR/figures as a folder barbench may write into: made here, or a real
 * folder already (never a symlink, whose target barbench did not choose).
 */
static int figures_dir(const char *figdir, int *ffd, struct bb_diag *d)
{
	struct stat sb;

	if (mkdir(figdir, 0777) && errno != EEXIST)
		return bb_diag_set(d, -errno, "%s: %s", figdir, strerror(errno));
	if (lstat(figdir, &sb))
		return bb_diag_set(d, -errno, "%s: %s", figdir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return bb_diag_set(d, -EINVAL, "%s: %s, not a folder barbench made: not written through; remove it",
				   figdir, S_ISLNK(sb.st_mode) ? "a symbolic link" : "not a folder");
	*ffd = open(figdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*ffd < 0)
		return bb_diag_set(d, -errno, "%s: %s", figdir, strerror(errno));
	return 0;
}

/*
 * A fresh private folder in the folder @ffd to draw in, made and opened
 * relative to @ffd: a folder swapped for a symlink after it was opened
 * does not move the drawing elsewhere.  mkdtemp(3) takes a
 * path, hence the name made here from getrandom.
 */
int bb_draw_dir(int ffd, char *name, size_t len, int *rfd)
{
	for (unsigned tries = 0; tries < 64; tries++) {
		uint64_t v;
		int err;

		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
			err = errno ? -errno : -EIO;
			name[0] = '\0';	/* a name tried is not barbench's folder: the caller removes none */
			return err;
		}
		snprintf(name, len, ".draw-%012" PRIx64, (uint64_t)(v & 0xffffffffffffULL));
		if (mkdirat(ffd, name, 0700)) {
			err = -errno;
			name[0] = '\0';
			if (err == -EEXIST)
				continue;
			return err;
		}
		*rfd = openat(ffd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (*rfd < 0) {
			err = -errno;
			unlinkat(ffd, name, AT_REMOVEDIR);
			name[0] = '\0';
			return err;
		}
		return 0;
	}
	return -EEXIST;
}

/*
 * The overview: per device region and host page size, the speed-up over
 * `trap` of what the recommendation table recommends for the hot path,
 * measured and projected onto a device; 1x where every usable policy traps.
 * One labelled row each, the figure as tall as its rows.
 */
static int fig_overview(struct rep *r, char *name, size_t nlen)
{
	char size[32], rows[16], margin[16];
	size_t n = 0, longest = 0;
	FILE *f;
	int err;

	snprintf(name, nlen, "overview");
	f = rcreate(r, "%s.dat", name);
	if (!f)
		return -errno;
	/* label, measured, measured as a bound (drawn at it, hatched), projected */
	for (size_t i = 0; i < r->cfg.n;) {
		const struct bb_rec *g = r->sorted[i]->first;
		struct recommend o;
		size_t j = i;
		char dev[128], pg[32];

		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, g, true, true))
			j++;
		if (bb_rep_headline(g->runner, g->workload)) {
			bb_rep_recommend(r, i, j - 1, &o);
			bb_rep_label(r, g, dev, sizeof(dev));
			bb_rep_page_name(g->page_size, pg, sizeof(pg));
			if (o.kind == BB_REC_MAPS || o.kind == BB_REC_TRAPS) {
				char label[320];
				int ll = snprintf(label, sizeof(label), "%s r%" PRIu32 ", %s: %s", dev, g->region, pg,
						  o.kind == BB_REC_TRAPS ? "trap (all alike)" : o.v.pick->first->policy);

				if (ll > 0 && (size_t)ll > longest)
					longest = (size_t)ll < sizeof(label) ? (size_t)ll : sizeof(label) - 1;
				fprintf(f, "\"%s\"", label);
				if (o.bound)
					fprintf(f, " - %.3f %.3f\n", o.measured, o.projected);
				else
					fprintf(f, " %.3f - %.3f\n", o.measured, o.projected);
				n++;
			}
		}
		i = j;
	}
	/* past the y range, never drawn: no empty series for gnuplot to warn of */
	fprintf(f, "\"\" 1 1 1\n");
	err = rclose(f);
	if (err)
		return err;
	if (!n)
		return -ENOENT;
	/*
	 * The left margin holds the longest label (a fleet's read "DEVICE @ HOST
	 * rN, 64 KiB: ..."): gnuplot counts it in characters of the figure's
	 * 10-point font (8 pixels on pngcairo), a tic label's 9-point character
	 * takes about 6 (measured on pngcairo's sans): 0.85 of one leaves room
	 * for wide letters.  The figure widens so the bars keep 650 pixels.
	 */
	{
		size_t lm = (longest * 85 + 99) / 100 + 2, width;

		lm = lm < 12 ? 12 : lm;
		width = (lm + 4) * 8 + 650;
		width = width < 1100 ? 1100 : width;
		snprintf(margin, sizeof(margin), "%zu", lm);
		snprintf(size, sizeof(size), "%zu,%zu", width, 170 + 24 * n);
	}
	snprintf(rows, sizeof(rows), "%zu", n);
	{
		const char *k[] = { "TITLE", "DATA", "SIZE", "N", "LMARGIN" };
		const char *v[] = { "'What the recommended policy gains over trap on the hot path (host lat-read)'",
				    "overview.dat", size, rows, margin };

		return emit_gp(r, bb_gp_overview, name, k, v, 5);
	}
}

/* A figure drawn, in the list the report places them from. */
static void add_fig(struct fig *figs, size_t *nf, const char *name, size_t after, const char *dev, uint32_t region,
		    const char *runner)
{
	struct fig *x = &figs[(*nf)++];

	bb_strcpy(x->name, sizeof(x->name), name);
	x->after = after;
	x->device = dev;
	x->region = region;
	x->runner = runner;
}

/* Whether one more figure of a kind may be drawn (@made of at most @max so far); one past them counts in r->figs_left. */
static bool room_for(struct rep *r, size_t made, size_t max)
{
	if (made < max)
		return true;
	r->figs_left++;
	return false;
}

/* Every figure's data and script into the drawing folder, listed in @figs. */
static void draw_all(struct rep *r, const struct plan_row *pl, size_t npl, const struct adv_row *adv, size_t nadv,
		     struct fig *figs, size_t cap, size_t *nf)
{
	uint64_t pages[16];
	unsigned npg = 0;
	size_t i = 0;
	char nm[32];
	struct plan_groups pg;
	size_t cdfs = 0, bars = 0;	/* drawn of each kind, against BB_REP_MAX_* */

	/* CDFs of latency workloads, one per (device, region, runner, workload, page) */
	while (i < r->cfg.n) {
		size_t j = i;

		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, r->sorted[i]->first, true, true))
			j++;
		if (bb_rep_latency_workload(r->sorted[i]->first->workload) && room_for(r, cdfs, BB_REP_MAX_CDFS) &&
		    *nf < cap && !fig_cdf(r, i, j - 1, nm, sizeof(nm))) {
			add_fig(figs, nf, nm, j - 1, NULL, 0, NULL);
			cdfs++;
		}
		i = j;
	}
	/* bars per (device, region, runner, workload) */
	for (i = 0; i < r->cfg.n;) {
		const struct bb_rec *g = r->sorted[i]->first;
		size_t j = i;

		while (j < r->cfg.n && bb_rep_same_group(r->sorted[j]->first, g, false, true))
			j++;
		if (bb_rep_latency_workload(g->workload) && room_for(r, bars, BB_REP_MAX_BARS) && *nf < cap &&
		    !fig_bars(r, i, j - 1, nm, sizeof(nm))) {
			add_fig(figs, nf, nm, SIZE_MAX, g->device, g->region, g->runner);
			bars++;
		}
		i = j;
	}
	/* page maps per (device, region, page) found in plans.csv, each from its own rows (grouped once: n log n) */
	if (bb_rep_plan_groups(pl, npl, &pg, NULL))
		bb_rep_fail(r, -ENOMEM, "report: plans.csv: out of memory");
	if (pg.n > BB_REP_MAX_PAGEMAPS)
		r->figs_left += pg.n - BB_REP_MAX_PAGEMAPS;
	for (size_t g = 0; g < pg.n && g < BB_REP_MAX_PAGEMAPS && *nf < cap; g++) {
		const struct plan_row *p = &pl[pg.first[g]];

		if (!fig_pagemap(r, pg.rows + pg.start[g], pg.start[g + 1] - pg.start[g], p->device, p->region, p->page, nm,
				 sizeof(nm)))
			add_fig(figs, nf, nm, SIZE_MAX, p->device, p->region, NULL);
	}
	bb_rep_plan_groups_free(&pg);
	/* memslots and mappings per page size */
	for (size_t k = 0; k < r->cfg.n; k++) {
		uint64_t pgz = r->sorted[k]->first->page_size;
		unsigned q;

		for (q = 0; q < npg && pages[q] != pgz; q++)
			;
		if (q == npg && npg < 16)
			pages[npg++] = pgz;
	}
	for (unsigned q = 0; q < npg; q++)
		if (*nf < cap && !fig_slots(r, pages[q], nm, sizeof(nm)))
			add_fig(figs, nf, nm, SIZE_MAX, NULL, 0, NULL);
	if (nadv)
		fig_advise(r, adv, nadv, nm, sizeof(nm));
	if (*nf < cap && !fig_overview(r, nm, sizeof(nm)))
		add_fig(figs, nf, nm, SIZE_MAX, NULL, 0, NULL);
}

int bb_rep_figures(struct rep *r, const struct plan_row *pl, size_t npl, const struct adv_row *adv, size_t nadv,
		   struct fig *figs, size_t cap, size_t *nf, bool *have_figs, const char **note)
{
	char figdir[4096], rname[32] = "";
	struct bb_diag *d = r->d;
	int err, ffd = -1;

	*have_figs = false;
	*note = NULL;
	snprintf(figdir, sizeof(figdir), "%s/figures", r->dir);
	err = figures_dir(figdir, &ffd, d);
	if (err)
		return err;
	/* drawn in a fresh private folder, so nothing planted in figures/ is ever opened */
	err = bb_draw_dir(ffd, rname, sizeof(rname), &r->rfd);
	if (err) {
		bb_diag_set(d, err, "%s/.draw-*: %s", figdir, strerror(-err));
		goto out;
	}
	r->all = rcreate(r, "all.gp");
	if (!r->all) {
		err = bb_diag_set(d, -errno, "%s/%s/all.gp: %s", figdir, rname, strerror(errno));
		goto out;
	}
	fprintf(r->all, "set print '-'\n");	/* each figure's line on standard output (run_gnuplot) */
	draw_all(r, pl, npl, adv, nadv, figs, cap, nf);
	err = rclose(r->all);
	r->all = NULL;
	if (r->err) {
		err = r->err;	/* hostile content met while drawing: its message is in d */
		goto out;
	}
	if (err) {
		err = bb_diag_set(d, err, "%s/%s/all.gp: %s", figdir, rname, strerror(-err));
		goto out;
	}
	err = run_gnuplot(r, r->rfd);
	if (err == -ENOENT)
		*note = "gnuplot is not installed: install gnuplot-nox and run `barbench report DIR`";
	else if (err)
		*note = "gnuplot failed: see figures/gnuplot.log";
	*have_figs = !err;
	if (!err) {
		if (r->opts && r->opts->progress)
			r->opts->progress(r->opts->progress_arg, r->nfig, r->nfig + 2, "figures: palette (pngquant)");
		palette_pngs(r);
	}
	/* the sources stay when asked, and when gnuplot failed: what gnuplot.log speaks of */
	err = move_figures(r->rfd, ffd, figdir, r->figure_data || err, d);
out:
	if (r->all)
		fclose(r->all);
	r->all = NULL;
	if (r->rfd >= 0) {
		if (err)
			move_figures(r->rfd, r->rfd, figdir, true, NULL);	/* a rename onto itself, then unlinked: emptied */
		close(r->rfd);
		r->rfd = -1;
	}
	if (rname[0])
		unlinkat(ffd, rname, AT_REMOVEDIR);
	if (ffd >= 0)
		close(ffd);
	return err;
}
