// SPDX-License-Identifier: MIT
/*
 * report.md and figures, rebuilt from a results folder alone: runs.csv,
 * samples/, plans.csv and manifest.json.  Everything is sorted by its
 * meaning, not by the order runs happened, so a resumed study and an
 * uninterrupted one give the same tables.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "analysis.h"
#include "manifest.h"
#include "parse.h"
#include "barbench/stats.h"

extern const char bb_gp_cdf[], bb_gp_bars[], bb_gp_pagemap[], bb_gp_slots[], bb_gp_advise[];

#define MAX_POOL 200000
#define CDF_POINTS 200
#define MIN_NS 0.1	/* log axes: values at or below the timer's resolution drawn here */

struct rep {
	const char *dir;
	struct bb_recs recs;
	struct bb_configs cfg;
	struct bb_config **sorted;	/* configs in meaning order */
	FILE *all;			/* all.gp */
	unsigned nfig;
	unsigned seq;			/* figure numbers: names are barbench's, never the folder's */
	int rfd;			/* the private folder figures are drawn in (mkdtemp), then renamed into figures/ */
	int err;			/* the first hostile-input error met while drawing; its message in *d */
	struct bb_diag *d;
	size_t nmissing;		/* runs of runs.csv without a samples file */
	char missing[400];		/* the first of their ids */
	/* manifest facts for the header */
	char study[64], date[40], host[80], cpu[128], kernel[80], hyper[16], commit[48], guest_exec[16];
	bool complete;
	struct bb_manifest_info mi;
	double dev_read_ns, dev_write_ns;	/* the projection's defaults (options, else pcie-bench) */
	bool dev_given;				/* given on the command line */
	bool svg;				/* SVG beside every PNG */
	char hot_trapped[4096];			/* the summary's line on hot registers that trap (plans.csv) */
};

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

static int policy_rank(const char *p)
{
	static const char *const order[] = { "full", "holes", "sparse", "merged", "trap" };

	for (int i = 0; i < 5; i++)
		if (!strcmp(p, order[i]))
			return i;
	return 5;
}

static int cmp_cfg(const void *a, const void *b)
{
	const struct bb_rec *x = (*(struct bb_config *const *)a)->first, *y = (*(struct bb_config *const *)b)->first;
	int c;

	if ((c = strcmp(x->device, y->device)))
		return c;
	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	if ((c = strcmp(x->runner, y->runner)))
		return -c;	/* host before guest */
	if ((c = strcmp(x->workload, y->workload)))
		return c;
	if (x->page_size != y->page_size)
		return x->page_size < y->page_size ? -1 : 1;
	if ((c = policy_rank(x->policy) - policy_rank(y->policy)))
		return c;
	if ((c = strcmp(x->policy, y->policy)))
		return c;
	return strcmp(x->params, y->params);
}

/* "emu:layouts/nvme-msix-bar0" -> "nvme-msix-bar0" (file-name safe). */
static void short_dev(const char *dev, char *out, size_t len)
{
	const char *s = strrchr(dev, '/');
	size_t k = 0;

	s = s ? s + 1 : (strchr(dev, ':') ? strchr(dev, ':') + 1 : dev);
	for (; *s && k + 1 < len; s++)
		out[k++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			    *s == '-' || *s == '_' || *s == '.') ? *s : '_';
	out[k] = '\0';
}

static void page_name(uint64_t p, char *out, size_t len)
{
	if (p % (1u << 20) == 0)
		snprintf(out, len, "%" PRIu64 " MiB", p >> 20);
	else
		snprintf(out, len, "%" PRIu64 " KiB", p >> 10);
}

/*
 * A value of the manifest at @path ("system.cpu_model") as text into @out:
 * a string as it is, a number as printed with %g (integers whole), anything
 * else or nothing: "".
 */
static void mfield(json_t *root, const char *path, char *out, size_t len)
{
	char part[64];
	json_t *v = root;

	out[0] = '\0';
	for (const char *p = path; v && *p;) {
		size_t n = strcspn(p, ".");

		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
		p += n + (p[n] == '.');
	}
	if (json_is_string(v))
		bb_strcpy(out, len, json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, len, "%g", json_real_value(v));
}

/* What the command skipped ("skipped":[{"run","why"}]), grouped by reason; reasons made safe for Markdown. */
static void skipped_of(json_t *root, struct bb_manifest_info *mi)
{
	json_t *arr = json_object_get(root, "skipped"), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *w = json_string_value(json_object_get(e, "why"));
		char why[200];
		unsigned k;

		mi->nr_skipped++;
		bb_strcpy(why, sizeof(why), w ? w : "");
		for (char *c = why; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == '`' || *c == '|')
				*c = ' ';
		for (k = 0; k < mi->nr_reasons && strcmp(mi->reasons[k].why, why); k++)
			;
		if (k < mi->nr_reasons) {
			mi->reasons[k].runs++;
		} else if (k < BB_MANIFEST_SKIP_REASONS) {
			memcpy(mi->reasons[k].why, why, sizeof(why));
			mi->reasons[k].runs = 1;
			mi->nr_reasons++;
		}
	}
}

int bb_manifest_parse(const char *text, struct bb_manifest_info *mi, const char *name, struct bb_diag *d)
{
#define F(path, field) { path, offsetof(struct bb_manifest_info, field), sizeof(mi->field) }
	static const struct {
		const char *path;
		size_t off, len;
	} fields[] = {
		F("study", study), F("date_utc", date), F("system.hostname", host), F("system.cpu_model", cpu),
		F("system.kernel_release", kernel), F("system.hypervisor_vendor", hyper), F("build.git_commit", commit),
		F("guest_exec", guest_exec), F("study_hash", study_hash), F("barbench_version", version),
		F("build.compiler", compiler), F("build.cflags", cflags), F("build.build_type", build_type),
		F("timer.step_cycles", step_cycles), F("timer.resolution_ns", resolution_ns),
		F("timer.end_instruction", end_instruction), F("timer.freq_hz", freq_hz),
	};
#undef F
	json_error_t je;
	json_t *root;

	memset(mi, 0, sizeof(*mi));
	/* a real JSON reader: a key is a key, never a string value that spells it */
	root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(root)) {
		json_decref(root);
		return bb_diag_set(d, -EINVAL, "%s:%d:%d: %s", name, je.line, je.column,
				   root ? "not a JSON object" : je.text);
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		mfield(root, fields[i].path, (char *)mi + fields[i].off, fields[i].len);
	mi->complete = json_is_true(json_object_get(root, "complete"));
	skipped_of(root, mi);
	json_decref(root);
	return 0;
}

int bb_manifest_read(const char *dir, struct bb_manifest_info *mi, struct bb_diag *d)
{
	char path[4096], *buf;
	size_t n;
	int err;

	memset(mi, 0, sizeof(*mi));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	err = bb_results_slurp(path, 1 << 20, &buf, &n, d);
	if (err)
		return err;
	if (strlen(buf) != n) {
		free(buf);
		return bb_diag_set(d, -EINVAL, "%s: a NUL byte at byte %zu", path, strlen(buf));
	}
	err = bb_manifest_parse(buf, mi, path, d);
	free(buf);
	return err;
}

static void read_manifest(struct rep *r)
{
	struct bb_manifest_info mi;

	if (bb_manifest_read(r->dir, &mi, NULL))
		return;
	memcpy(r->study, mi.study, sizeof(r->study));
	memcpy(r->date, mi.date, sizeof(r->date));
	memcpy(r->host, mi.host, sizeof(r->host));
	memcpy(r->cpu, mi.cpu, sizeof(r->cpu));
	memcpy(r->kernel, mi.kernel, sizeof(r->kernel));
	memcpy(r->hyper, mi.hyper, sizeof(r->hyper));
	memcpy(r->commit, mi.commit, sizeof(r->commit));
	memcpy(r->guest_exec, mi.guest_exec, sizeof(r->guest_exec));
	r->complete = mi.complete;
	r->mi = mi;
}

/* Note the first hostile-input error met while drawing (the report then fails with it). */
static int rep_fail(struct rep *r, int err, const char *fmt, ...) BB_PRINTF(3, 4);
static int rep_fail(struct rep *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->err)
		return err;
	r->err = err;
	if (r->d) {
		va_start(ap, fmt);
		vsnprintf(r->d->msg, sizeof(r->d->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

/*
 * Samples of run @id appended to the pools.  A missing file was counted
 * when the report began (samples are optional: the tables come from
 * runs.csv); a file that is there is read strictly, never through a symlink.
 */
static int read_samples(struct rep *r, const char *id, double *ns, uint64_t *off, size_t *n, size_t max)
{
	char path[4096], line[256];
	unsigned lineno = 1;
	bool covers;
	struct stat sb;
	gzFile f;
	int fd;

	/* compressed (barbench writes .csv.gz) or plain (older folders, a user's edit): zlib reads both */
	snprintf(path, sizeof(path), "%s/samples/%s.csv.gz", r->dir, id);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		snprintf(path, sizeof(path), "%s/samples/%s.csv", r->dir, id);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	}
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return rep_fail(r, -EINVAL, "%s: %s", path, errno == ELOOP ? "a symbolic link: not followed in a results "
				"folder" : strerror(errno));
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return rep_fail(r, -EINVAL, "%s: not a regular file", path);
	}
	f = gzdopen(fd, "rb");
	if (!f) {
		close(fd);
		return rep_fail(r, -ENOMEM, "%s: %s", path, strerror(errno));
	}
	/* sample,offset,path,accesses,ns since samples say how many accesses they timed; sample,offset,path,ns before */
	if (!gzgets(f, line, sizeof(line)) ||
	    (strcmp(line, "sample,offset,path,accesses,ns\n") && strcmp(line, "sample,offset,path,ns\n"))) {
		gzclose(f);
		return rep_fail(r, -EINVAL, "%s:1: not the header 'sample,offset,path,accesses,ns'", path);
	}
	covers = !strcmp(line, "sample,offset,path,accesses,ns\n");
	while (*n < max && gzgets(f, line, sizeof(line))) {
		char *fl[6];
		uint64_t s, o, k = 1;
		double v;
		int nf;

		lineno++;
		if (!strchr(line, '\n')) {
			gzclose(f);
			return rep_fail(r, -EINVAL, "%s:%u: incomplete or overlong line", path, lineno);
		}
		line[strcspn(line, "\n")] = '\0';
		nf = bb_csv_split(line, fl, 6);
		if (nf != (covers ? 5 : 4) || bb_results_u64(fl[0], UINT64_MAX, &s) ||
		    bb_results_u64(fl[1], UINT64_MAX, &o) || (strcmp(fl[2], "map") && strcmp(fl[2], "trap")) ||
		    (covers && (bb_results_u64(fl[3], UINT32_MAX, &k) || !k)) || bb_results_double(fl[nf - 1], &v)) {
			gzclose(f);
			return rep_fail(r, -EINVAL, "%s:%u: want SAMPLE,OFFSET,map|trap,%sNS (decimal numbers)", path, lineno,
					covers ? "ACCESSES," : "");
		}
		ns[*n] = v;
		if (off)
			off[*n] = o;
		(*n)++;
	}
	{
		/* a compressed file cut short or corrupt ends the lines early: an error, never fewer samples */
		int zerr = Z_OK;

		if (*n < max)
			gzerror(f, &zerr);
		if (gzclose(f) != Z_OK || (zerr != Z_OK && zerr != Z_STREAM_END))
			return rep_fail(r, -EINVAL, "%s: compressed data cut short or corrupt after line %u", path, lineno);
	}
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Instantiate a template for both terminals into figures/<name>.gp, and load it from all.gp. */
static int emit_gp(struct rep *r, const char *tmpl, const char *name, const char *const *keys,
		   const char *const *vals, unsigned nkv)
{
	static const char *const term[2] = {
		"pngcairo size 960,600 enhanced font \"sans,10\" background rgb \"white\"",
		"svg size 960,600 enhanced font \"sans,10\" background rgb \"white\"",
	};
	static const char *const ext[2] = { "png", "svg" };
	FILE *f;
	int err;

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
						fputs(term[t], f);
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
	fprintf(r->all, "load '%s.gp'\n", name);
	r->nfig++;
	return 0;
}

static bool same_group(const struct bb_rec *a, const struct bb_rec *b, bool page, bool workload)
{
	return !strcmp(a->device, b->device) && a->region == b->region && !strcmp(a->runner, b->runner) &&
	       (!workload || !strcmp(a->workload, b->workload)) && (!page || a->page_size == b->page_size);
}

static bool is_latency_workload(const char *w)
{
	return !strcmp(w, "lat-read") || !strcmp(w, "lat-write") || !strcmp(w, "mix") || !strcmp(w, "doorbell");
}

/* CDF of one (device, region, runner, workload, page): one block per policy. */
static int fig_cdf(struct rep *r, size_t first, size_t last, char *name, size_t nlen)
{
	const struct bb_rec *g = r->sorted[first]->first;
	double *pool = malloc(MAX_POOL * sizeof(*pool));
	char dev[128], data[64], text[512], title[520], nbuf[8], pg[32];
	unsigned blocks = 0;
	FILE *f;
	int err;

	if (!pool)
		return -ENOMEM;
	short_dev(g->device, dev, sizeof(dev));
	snprintf(name, nlen, "cdf-%02u", ++r->seq);
	f = rcreate(r, "%s.dat", name);
	if (!f) {
		free(pool);
		return -errno;
	}
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];
		size_t n = 0;

		for (size_t i = 0; i < r->recs.n; i++)
			if (&r->cfg.v[r->cfg.of_rec[i]] == c)
				read_samples(r, r->recs.v[i].id, pool, NULL, &n, MAX_POOL);
		if (!n)
			continue;
		qsort(pool, n, sizeof(*pool), cmp_d);
		fprintf(f, "\"%s%s%s\" 0\n", c->first->policy, c->first->params[0] ? " " : "", c->first->params);
		for (unsigned q = 0; q < CDF_POINTS; q++) {
			size_t i = (size_t)((double)q * (double)(n - 1) / (CDF_POINTS - 1));

			fprintf(f, "%.3f %.5f\n", pool[i] > MIN_NS ? pool[i] : MIN_NS, (double)(i + 1) / (double)n);
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
	page_name(g->page_size, pg, sizeof(pg));
	snprintf(text, sizeof(text), "%s region %" PRIu32 ", %s, %s pages, %s runner: latency CDF per policy", dev,
		 g->region, g->workload, pg, g->runner);
	gp_quote(title, sizeof(title), text);
	snprintf(nbuf, sizeof(nbuf), "%u", blocks);
	snprintf(data, sizeof(data), "%s.dat", name);
	{
		const char *k[] = { "TITLE", "DATA", "N" }, *v[] = { title, data, nbuf };

		return emit_gp(r, bb_gp_cdf, name, k, v, 3);
	}
}

/* p50/p99 bars of one (device, region, runner, workload) over policies x pages. */
static int fig_bars(struct rep *r, size_t first, size_t last, char *name, size_t nlen)
{
	const struct bb_rec *g = r->sorted[first]->first;
	char dev[128], data[64], text[512], title[520];
	FILE *f;
	int err;

	short_dev(g->device, dev, sizeof(dev));
	snprintf(name, nlen, "bars-%02u", ++r->seq);
	f = rcreate(r, "%s.dat", name);
	if (!f)
		return -errno;
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];
		char pg[32];

		page_name(c->first->page_size, pg, sizeof(pg));
		fprintf(f, "\"%s%s%s %s\" %.3f %.3f\n", c->first->policy, c->first->params[0] ? " " : "",
			c->first->params, pg, c->p50_ns > MIN_NS ? c->p50_ns : MIN_NS,
			c->p99_ns > MIN_NS ? c->p99_ns : MIN_NS);
	}
	err = rclose(f);
	if (err)
		return err;
	snprintf(text, sizeof(text), "%s region %" PRIu32 ", %s, %s runner: p50 and p99 per policy and page size",
		 dev, g->region, g->workload, g->runner);
	gp_quote(title, sizeof(title), text);
	snprintf(data, sizeof(data), "%s.dat", name);
	{
		const char *k[] = { "TITLE", "DATA" }, *v[] = { title, data };

		return emit_gp(r, bb_gp_bars, name, k, v, 2);
	}
}

struct plan_row {
	char device[300], policy[32], params[96], mode[12];
	uint32_t region;
	uint64_t page, off, size;
};

/* plans.csv, read strictly (hostile input: every field checked, file:line); -ENOENT when there is none. */
static int read_plans(const char *dir, struct plan_row **out, size_t *n, struct bb_diag *d)
{
	char path[4096], *buf, *line, *next;
	size_t cap = 0, len;
	unsigned lineno = 1;
	int err;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/plans.csv", dir);
	err = bb_results_slurp(path, BB_RESULTS_MAX_FILE, &buf, &len, d);
	if (err)
		return err;
	if (strlen(buf) != len || strncmp(buf, "device,region,policy,params,page_size,offset,size,mode\n", 55)) {
		free(buf);
		return bb_diag_set(d, -EINVAL, "%s:1: not the header of plans.csv (or a NUL byte)", path);
	}
	for (line = buf + 55; *line; line = next) {
		struct plan_row pr;
		char *fl[9];
		size_t bad;
		uint64_t v;

		lineno++;
		next = strchr(line, '\n');
		if (!next) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: incomplete line", path, lineno);
			goto fail;
		}
		*next++ = '\0';
		memset(&pr, 0, sizeof(pr));
		if (bb_csv_split(line, fl, 9) != 8) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: want 8 fields", path, lineno);
			goto fail;
		}
		if (!bb_results_text_ok(BB_TEXT_PATH, fl[0], sizeof(pr.device), &bad) ||
		    !bb_results_text_ok(BB_TEXT_NAME, fl[2], sizeof(pr.policy), &bad) ||
		    !bb_results_text_ok(BB_TEXT_PARAMS, fl[3], sizeof(pr.params), &bad) ||
		    (strcmp(fl[7], "map") && strcmp(fl[7], "trap") && strcmp(fl[7], "must-trap") &&
		     strcmp(fl[7], "hot-trapped"))) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: a device, policy, params or mode barbench does not write", path,
					  lineno);
			goto fail;
		}
		strcpy(pr.device, fl[0]);
		strcpy(pr.policy, fl[2]);
		strcpy(pr.params, fl[3]);
		strcpy(pr.mode, fl[7]);
		if (bb_results_u64(fl[1], UINT32_MAX, &v) || (pr.region = (uint32_t)v, 0) ||
		    bb_results_u64(fl[4], 1ull << 62, &pr.page) || pr.page < 4096 || (pr.page & (pr.page - 1)) ||
		    bb_results_u64(fl[5], UINT64_MAX, &pr.off) || bb_results_u64(fl[6], UINT64_MAX, &pr.size) ||
		    !pr.size || pr.off + pr.size < pr.off) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: region, page_size, offset or size is not a number in range",
					  path, lineno);
			goto fail;
		}
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct plan_row *nv = realloc(*out, nc * sizeof(*nv));

			if (!nv) {
				err = bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
				goto fail;
			}
			*out = nv;
			cap = nc;
		}
		(*out)[(*n)++] = pr;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	free(*out);
	*out = NULL;
	*n = 0;
	return err;
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

/*
 * The summary's line from plans.csv's hot-trapped rows (written by the study
 * from bb_layout_reg_on_must_trap_page()): per page size, the devices whose hot
 * registers share a page with the MSI-X table or PBA.
 */
static void hot_trapped_of(struct rep *r, const struct plan_row *pl, size_t npl)
{
	uint64_t done = 0;

	for (;;) {
		uint64_t page = UINT64_MAX;
		size_t n = strlen(r->hot_trapped);
		unsigned devs = 0;

		/* the next page size with such rows, in increasing order */
		for (size_t k = 0; k < npl; k++)
			if (!strcmp(pl[k].mode, "hot-trapped") && pl[k].page > done && pl[k].page < page)
				page = pl[k].page;
		if (page == UINT64_MAX)
			return;
		done = page;
		snprintf(r->hot_trapped + n, sizeof(r->hot_trapped) - n, "%s**At %" PRIu64 " KiB pages hot registers "
			 "trap under every policy a VMM can use** (they share a page with the MSI-X table or PBA): ",
			 n ? " " : "", page >> 10);
		for (size_t k = 0; k < npl; k++) {
			char dev[128];

			if (strcmp(pl[k].mode, "hot-trapped") || pl[k].page != page)
				continue;
			n = strlen(r->hot_trapped);
			short_dev(pl[k].device, dev, sizeof(dev));
			snprintf(r->hot_trapped + n, sizeof(r->hot_trapped) - n, "%s%s (%s in region %" PRIu32 ")",
				 devs++ ? ", " : "", dev, pl[k].params + (strncmp(pl[k].params, "hot=", 4) ? 0 : 4),
				 pl[k].region);
		}
		n = strlen(r->hot_trapped);
		snprintf(r->hot_trapped + n, sizeof(r->hot_trapped) - n, ".");
	}
}

/* Page map of (device, region, page): windows per policy, must-trap, sweep latency per page. */
static int fig_pagemap(struct rep *r, const struct plan_row *pl, size_t npl, const char *device, uint32_t region,
		       uint64_t page, char *name, size_t nlen)
{
	char dev[128], win[64], sw[64], text[512], title[520], yt[2600] = "'must-trap' -1", npol[8], nsw[8], xmax[32];
	char pg[32];
	char pols[16][140];
	unsigned np = 0, ns = 0;
	uint64_t region_size = 0;
	double *pool = NULL;
	uint64_t *offs = NULL;
	struct sample_at *pairs = NULL;
	FILE *f, *g;
	int err;

	short_dev(device, dev, sizeof(dev));
	snprintf(name, nlen, "pagemap-%02u", r->seq + 1);
	for (size_t i = 0; i < npl; i++) {
		const struct plan_row *p = &pl[i];
		char lab[140];
		unsigned k;

		if (strcmp(p->device, device) || p->region != region || p->page != page)
			continue;
		if (p->off + p->size > region_size)
			region_size = p->off + p->size;
		if (strcmp(p->mode, "map") && strcmp(p->mode, "trap"))
			continue;
		snprintf(lab, sizeof(lab), "%s%s%s", p->policy, p->params[0] ? " " : "", p->params);
		for (k = 0; k < np; k++)
			if (!strcmp(pols[k], lab))
				break;
		if (k == np && np < 16)
			snprintf(pols[np++], sizeof(pols[0]), "%s", lab);
	}
	if (!np || !region_size)
		return -ENOENT;
	r->seq++;
	/* the window file: 0 mapped, 1 trapped, 2 must-trap; y = policy row */
	f = rcreate(r, "%s-win.dat", name);
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
	err = rclose(f);
	if (err)
		return err;
	for (unsigned k = 0; k < np; k++) {
		size_t n = strlen(yt);
		char q[300];

		gp_quote(q, sizeof(q), pols[k]);
		snprintf(yt + n, sizeof(yt) - n, ", %s %u", q, k);
	}
	/* sweep latency per 4 KiB page, median over every sample of that page, per policy */
	g = rcreate(r, "%s-sweep.dat", name);
	pool = malloc(MAX_POOL * sizeof(*pool));
	offs = malloc(MAX_POOL * sizeof(*offs));
	pairs = malloc(MAX_POOL * sizeof(*pairs));
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
		size_t n = 0, i = 0;

		if (strcmp(c->first->workload, "sweep") || strcmp(c->first->device, device) ||
		    c->first->region != region || c->first->page_size != page || strcmp(c->first->runner, "host"))
			continue;
		for (size_t j = 0; j < r->recs.n; j++)
			if (&r->cfg.v[r->cfg.of_rec[j]] == c)
				read_samples(r, r->recs.v[j].id, pool, offs, &n, MAX_POOL);
		if (!n)
			continue;
		/* sort by page (n log n whatever order a samples file holds), then median per page */
		for (size_t a = 0; a < n; a++)
			pairs[a] = (struct sample_at){ offs[a] / 4096, pool[a] };
		qsort(pairs, n, sizeof(*pairs), cmp_page);
		for (size_t a = 0; a < n; a++) {
			offs[a] = pairs[a].page * 4096;
			pool[a] = pairs[a].ns;
		}
		fprintf(g, "\"%s%s%s\" 0\n", c->first->policy, c->first->params[0] ? " " : "", c->first->params);
		while (i < n) {
			size_t j = i;

			while (j < n && offs[j] / 4096 == offs[i] / 4096)
				j++;
			qsort(pool + i, j - i, sizeof(*pool), cmp_d);
			{
				double med = bb_percentile(pool + i, j - i, 50.0);

				fprintf(g, "%.3f %.3f\n", (double)(offs[i] / 4096 * 4096) / 1024.0 + 2.0,
					med > MIN_NS ? med : MIN_NS);
			}
			i = j;
		}
		fprintf(g, "\n\n");
		ns++;
	}
	if (!ns)	/* no sweep: a one-point placeholder block keeps the template valid */
		fprintf(g, "\"no sweep run\" 0\n0 1\n");
	err = rclose(g);
	free(pool);
	free(offs);
	free(pairs);
	if (err)
		return err;
	page_name(page, pg, sizeof(pg));
	snprintf(text, sizeof(text), "%s region %" PRIu32 " on %s pages: mapped, trapped and must-trap ranges per policy; "
		 "sweep latency per 4 KiB page", dev, region, pg);
	gp_quote(title, sizeof(title), text);
	snprintf(npol, sizeof(npol), "%u", np);
	snprintf(nsw, sizeof(nsw), "%u", ns ? ns : 1);
	snprintf(xmax, sizeof(xmax), "%.3f", (double)region_size / 1024.0);
	snprintf(win, sizeof(win), "%s-win.dat", name);
	snprintf(sw, sizeof(sw), "%s-sweep.dat", name);
	{
		const char *k[] = { "TITLE", "WIN", "SWEEP", "YTICS", "NPOL", "XMAX", "NSWEEP" };
		const char *v[] = { title, win, sw, yt, npol, xmax, nsw };

		return emit_gp(r, bb_gp_pagemap, name, k, v, 7);
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
	for (size_t k = 0; k < r->cfg.n; k++) {
		const struct bb_rec *a = r->sorted[k]->first;
		char dev[128], here[400];

		if (strcmp(a->runner, "host") || a->page_size != page)
			continue;
		snprintf(here, sizeof(here), "%s|%" PRIu32, a->device, a->region);
		if (!strcmp(here, last))
			continue;
		snprintf(last, sizeof(last), "%s", here);
		short_dev(a->device, dev, sizeof(dev));
		fprintf(f, "\"%s r%" PRIu32 "\"", dev, a->region);
		fprintf(g, "\"%s r%" PRIu32 "\"", dev, a->region);
		for (int p = 0; p < 5; p++) {
			const struct bb_config *hit = NULL;

			for (size_t j = 0; j < r->cfg.n && !hit; j++) {
				const struct bb_rec *b = r->sorted[j]->first;

				if (!strcmp(b->device, a->device) && b->region == a->region && b->page_size == page &&
				    !strcmp(b->runner, "host") && !strcmp(b->policy, pols[p]) && !b->params[0])
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
	page_name(page, pg, sizeof(pg));
	snprintf(text, sizeof(text), "Memslots and host mappings per policy, %s pages (- : policy not applicable)", pg);
	gp_quote(title, sizeof(title), text);
	snprintf(data, sizeof(data), "%s.dat", name);
	snprintf(maps, sizeof(maps), "%s-maps.dat", name);
	{
		const char *k[] = { "TITLE", "DATA", "MAPS", "N" }, *v[] = { title, data, maps, "5" };

		return emit_gp(r, bb_gp_slots, name, k, v, 4);
	}
}

struct adv_row {
	char layout[64], change[32], policy[32];
	uint64_t page;
	double pb, pa, pg, mb, ma, mg;
	uint32_t sb, sa;
};

/* advise.csv (the study's merge of `barbench advise`), strictly; -ENOENT when there is none. */
static int read_advise(const char *dir, struct adv_row **out, size_t *n, struct bb_diag *d)
{
	char path[4096], *buf, *line, *next;
	size_t cap = 0, len;
	unsigned lineno = 0;
	int err;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/advise.csv", dir);
	err = bb_results_slurp(path, BB_RESULTS_MAX_FILE, &buf, &len, d);
	if (err)
		return err;
	if (strlen(buf) != len) {
		free(buf);
		return bb_diag_set(d, -EINVAL, "%s: a NUL byte at byte %zu", path, strlen(buf));
	}
	for (line = buf; *line; line = next) {
		struct adv_row a;
		char *fl[14];
		size_t bad;
		uint64_t v[4];

		lineno++;
		next = strchr(line, '\n');
		if (!next) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: incomplete line", path, lineno);
			goto fail;
		}
		*next++ = '\0';
		if (lineno == 1 && !strncmp(line, "layout,", 7))
			continue;	/* the header */
		memset(&a, 0, sizeof(a));
		if (bb_csv_split(line, fl, 14) != 13 || !bb_results_text_ok(BB_TEXT_NAME, fl[0], sizeof(a.layout), &bad) ||
		    !bb_results_text_ok(BB_TEXT_NAME, fl[2], sizeof(a.change), &bad) ||
		    !bb_results_text_ok(BB_TEXT_NAME, fl[4], sizeof(a.policy), &bad) ||
		    bb_results_u64(fl[1], UINT32_MAX, &v[0]) || bb_results_u64(fl[3], 1ull << 62, &a.page) ||
		    a.page < 4096 || (a.page & (a.page - 1)) || bb_results_double(fl[5], &a.pb) ||
		    bb_results_double(fl[6], &a.pa) || bb_results_double(fl[7], &a.pg) || bb_results_double(fl[8], &a.mb) ||
		    bb_results_double(fl[9], &a.ma) || bb_results_double(fl[10], &a.mg) ||
		    bb_results_u64(fl[11], UINT32_MAX, &v[1]) || bb_results_u64(fl[12], UINT32_MAX, &v[2])) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: not a row of advise.csv (13 fields: names of A-Z a-z 0-9 . _ + -, "
					  "decimal numbers)", path, lineno);
			goto fail;
		}
		strcpy(a.layout, fl[0]);
		strcpy(a.change, fl[2]);
		strcpy(a.policy, fl[4]);
		a.sb = (uint32_t)v[1];
		a.sa = (uint32_t)v[2];
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct adv_row *nv = realloc(*out, nc * sizeof(*nv));

			if (!nv) {
				err = bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
				goto fail;
			}
			*out = nv;
			cap = nc;
		}
		(*out)[(*n)++] = a;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	free(*out);
	*out = NULL;
	*n = 0;
	return err;
}

/* The best row (largest predicted gain) of each (layout, change). */
static size_t advise_best(const struct adv_row *a, size_t n, size_t *best, size_t max)
{
	size_t nb = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < nb; k++)
			if (!strcmp(a[best[k]].layout, a[i].layout) && !strcmp(a[best[k]].change, a[i].change))
				break;
		if (k == nb) {
			if (nb == max)
				continue;
			best[nb++] = i;
		} else if (a[i].pg > a[best[k]].pg) {
			best[k] = i;
		}
	}
	return nb;
}

static int fig_advise(struct rep *r, const struct adv_row *a, size_t n, char *name, size_t nlen)
{
	size_t best[256], nb = advise_best(a, n, best, 256);
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

		page_name(x->page, pg, sizeof(pg));
		fprintf(f, "\"%s: %s (%s %s)\" %.1f %.1f\n", x->layout, x->change, x->policy, pg,
			x->pb > 0 ? 100 * x->pg / x->pb : 0, x->mb > 0 ? 100 * x->mg / x->mb : 0);
	}
	err = rclose(f);
	if (err)
		return err;
	{
		const char *k[] = { "TITLE", "DATA" };
		const char *v[] = { "'Layout changes a vendor can make: predicted and measured saving per access (best policy and page size of each)'",
				    "advise.dat" };

		return emit_gp(r, bb_gp_advise, name, k, v, 2);
	}
}

static void advise_section(FILE *f, const struct adv_row *a, size_t n, bool have_figs)
{
	size_t best[256], nb;

	if (!n)
		return;
	nb = advise_best(a, n, best, 256);
	fprintf(f, "## What a hardware vendor could change (`barbench advise`)\n\n"
		"For each layout change, the policy and page size where it helps most: the time per access the cost "
		"model predicts and the emulated device measured, before and after, and the memslots it takes. "
		"`advise.csv` has every change x page size x policy.\n\n");
	fprintf(f, "| layout | change | policy | page | predicted ns (before -> after) | measured ns (before -> after) | "
		"memslots |\n| --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t k = 0; k < nb; k++) {
		const struct adv_row *x = &a[best[k]];
		char pg[32];

		page_name(x->page, pg, sizeof(pg));
		if (x->pg <= 0.01 * x->pb)
			fprintf(f, "| %s | %s | - | - | no predicted gain at any page size or policy | | |\n", x->layout,
				x->change);
		else
			fprintf(f, "| %s | %s | %s | %s | %.1f -> %.1f (%+.0f%%) | %.1f -> %.1f (%+.0f%%) | %" PRIu32 " -> %" PRIu32
				" |\n", x->layout, x->change, x->policy, pg, x->pb, x->pa, x->pb > 0 ? -100 * x->pg / x->pb : 0,
				x->mb, x->ma, x->mb > 0 ? -100 * x->mg / x->mb : 0, x->sb, x->sa);
	}
	fprintf(f, "\n");
	if (have_figs)
		fprintf(f, "![advise](figures/advise.png)\n\n");
}

static int run_gnuplot(const char *figdir)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		FILE *log;

		if (chdir(figdir))
			_exit(126);
		log = freopen("gnuplot.log", "w", stderr);
		(void)log;
		execlp("gnuplot", "gnuplot", "all.gp", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	if (!WIFEXITED(st))
		return -EINTR;
	return WEXITSTATUS(st) == 127 ? -ENOENT : WEXITSTATUS(st) ? -EIO : 0;
}

static void fmt_ns(char *out, size_t len, double ns)
{
	if (ns >= 1e6)
		snprintf(out, len, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(out, len, "%.2f µs", ns / 1e3);
	else
		snprintf(out, len, "%.1f ns", ns);
}

/* A figure drawn: its name (barbench's own), and what it shows, to place it in the report. */
struct fig {
	char name[32];
	size_t after;		/* a CDF: the index of the last configuration of its group; others SIZE_MAX */
	const char *device;	/* bars and page maps: the group they belong to */
	uint32_t region;
	const char *runner;	/* bars only */
};

struct writer_arg {
	struct rep *r;
	const struct fig *figs;
	size_t nfigs;
	bool have_figs;
	const char *gp_note;
	const struct adv_row *adv;
	size_t nadv;
};

/* The resolution a configuration's figures were measured with; 0 when its folder does not say. */
static double res_of(const struct bb_config *c)
{
	return c->resolution_ns;
}

/*
 * Are the medians of @a and @b told apart by the statistics?  The
 * repetitions' medians must differ by a two-sided Mann-Whitney U test
 * (p < 0.05: 4 repetitions a side at least; with 3 a side p is never below
 * 0.1, and a [min, max] interval of 3 covers only 75%), their 95% intervals
 * must not overlap, and the medians must differ by more than the coarser
 * resolution: below that the clock cannot order them.
 */
static bool separated(const struct rep *r, const struct bb_config *a, const struct bb_config *b)
{
	const struct bb_config *lo = a->p50_ns <= b->p50_ns ? a : b, *hi = lo == a ? b : a;
	double res = res_of(a) > res_of(b) ? res_of(a) : res_of(b);
	const double *x = r->cfg.rep_p50 + r->cfg.rep_start[a - r->cfg.v];
	const double *y = r->cfg.rep_p50 + r->cfg.rep_start[b - r->cfg.v];
	struct bb_mwu t;

	if (!(lo->ci_hi_ns < hi->ci_lo_ns && hi->p50_ns - lo->p50_ns > res))
		return false;
	return !bb_mann_whitney(x, a->nreps, y, b->nreps, &t) && t.p < 0.05;
}

/* `full` maps the MSI-X table and PBA a VMM must emulate: the upper bound, never a choice. */
static bool vmm_usable(const struct bb_config *c)
{
	return strcmp(c->first->policy, "full") != 0;
}

/*
 * The verdict of one (device, region, runner, workload, page) group: the
 * VMM-usable policy with the lowest median, and whether the statistics
 * separate it from every other; otherwise the policies tied with it and,
 * among them, the one with the fewest memslots (then mappings), which is
 * what to recommend.
 */
struct verdict {
	const struct bb_config *lowest, *pick;
	const struct bb_config *tied[16];
	unsigned ntied;
	bool best;		/* lowest is separated from every other usable policy */
	size_t least;		/* the fewest repetitions of a configuration in the group */
	bool testable;		/* enough of them for a test to order two policies (4 or more) */
};

static void verdict_of(struct rep *r, size_t first, size_t last, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->least = SIZE_MAX;
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];

		if (vmm_usable(c) && (!v->lowest || c->p50_ns < v->lowest->p50_ns))
			v->lowest = c;
		if (c->nreps < v->least)
			v->least = c->nreps;
	}
	v->testable = bb_mwu_min_p(v->least, v->least) < 0.05;
	if (!v->lowest)
		return;
	v->best = true;
	v->tied[v->ntied++] = v->lowest;
	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];

		if (c == v->lowest || !vmm_usable(c) || separated(r, v->lowest, c))
			continue;
		v->best = false;
		if (v->ntied < sizeof(v->tied) / sizeof(v->tied[0]))
			v->tied[v->ntied++] = c;
	}
	v->pick = v->lowest;
	for (unsigned i = 1; i < v->ntied; i++) {
		const struct bb_config *c = v->tied[i];

		if (c->memslots < v->pick->memslots ||
		    (c->memslots == v->pick->memslots && c->mappings < v->pick->mappings))
			v->pick = c;
	}
}

static const struct bb_config *find_policy(struct rep *r, size_t first, size_t last, const char *pol)
{
	for (size_t k = first; k <= last; k++)
		if (!strcmp(r->sorted[k]->first->policy, pol) && !r->sorted[k]->first->params[0])
			return r->sorted[k];
	return NULL;
}

/* A median as a reader may take it: "< R ns" below its resolution, never 0.0. */
static const char *med(char *buf, size_t len, const struct bb_config *c)
{
	char t[32];

	if (c->resolution_ns > 0 && c->p50_ns < c->resolution_ns)
		return bb_format_ns(buf, len, c->p50_ns, c->resolution_ns);
	fmt_ns(t, sizeof(t), c->p50_ns);
	snprintf(buf, len, "%s", t);
	return buf;
}

/* The projection's device access time for @c: the layout's, else the report's default. */
static double device_ns(const struct rep *r, const struct bb_config *c, bool *from_layout)
{
	bool wr = !strcmp(c->first->op, "write");
	double v = wr ? c->first->device_write_ns : c->first->device_read_ns;

	*from_layout = v > 0;
	return v > 0 ? v : wr ? r->dev_write_ns : r->dev_read_ns;
}

/*
 * What the trap path adds per access on this machine, measured: trap's
 * median less that of the fastest policy that trapped nothing (the same
 * group).  Without such a policy, trap's whole median (the mapped cost
 * taken as 0).  Negative differences count as 0.
 */
static double trap_overhead(struct rep *r, size_t first, size_t last, const struct bb_config *trap)
{
	const struct bb_config *m = NULL;

	for (size_t k = first; k <= last; k++) {
		const struct bb_config *c = r->sorted[k];

		if (c->trapped_share == 0 && (!m || c->p50_ns < m->p50_ns))
			m = c;
	}
	if (!m)
		return trap->p50_ns;
	return trap->p50_ns > m->p50_ns ? trap->p50_ns - m->p50_ns : 0;
}

/* Projected time per access of @c on a device of @dev ns: mapped accesses cost dev, trapped dev + overhead. */
static double projected(const struct bb_config *c, double dev, double overhead)
{
	return dev + c->trapped_share * overhead;
}

/*
 * The answer first: per device, region and host page size, the policy a VMM
 * should use for a driver's hot path (the host runner's `lat-read`: one
 * register read at a time), its speed-up over `trap` as measured and as
 * projected onto a device, its memslots, and why.
 */
static void recommendation(FILE *f, struct rep *r)
{
	bool any = false;

	for (size_t i = 0; i < r->cfg.n;) {
		const struct bb_rec *g = r->sorted[i]->first;
		const struct bb_config *tr;
		struct verdict v;
		size_t j = i;
		char dev[128], pg[32], a[48], b[48], why[256];

		while (j < r->cfg.n && same_group(r->sorted[j]->first, g, true, true))
			j++;
		if (strcmp(g->runner, "host") || strcmp(g->workload, "lat-read")) {
			i = j;
			continue;
		}
		if (!any) {
			fprintf(f, "## Recommendation\n\n"
				"For a driver's hot path (`lat-read` from the host runner). *Measured* is on this folder's "
				"emulated device, whose mapped path is a cached load; *projected* puts a real device's BAR "
				"access time under it (see below). Verdicts are explained under *What the study found*.\n\n"
				"| device | region | page | use | memslots | vs trap, measured | vs trap, projected | why |\n"
				"| --- | --- | --- | --- | --- | --- | --- | --- |\n");
			any = true;
		}
		verdict_of(r, i, j - 1, &v);
		tr = find_policy(r, i, j - 1, "trap");
		short_dev(g->device, dev, sizeof(dev));
		page_name(g->page_size, pg, sizeof(pg));
		if (!v.lowest) {
			i = j;
			continue;
		}
		if (!v.testable) {
			fprintf(f, "| %s | %" PRIu32 " | %s | - | - | - | - | %zu repetitions: too few to test |\n", dev,
				g->region, pg, v.least);
			i = j;
			continue;
		}
		if (!tr) {
			/* nothing to compare with: no claim about trapping */
			fprintf(f, "| %s | %" PRIu32 " | %s | %s | %" PRIu32 " | - | - | %s; no `trap` run to compare "
				"with |\n", dev, g->region, pg, v.pick->first->policy, v.pick->memslots,
				v.best ? "best" : "the fewest memslots among the tied");
			i = j;
			continue;
		}
		if (tr == v.lowest || !separated(r, v.lowest, tr)) {
			/* even the fastest policy a VMM can use is not told apart from trap */
			snprintf(a, sizeof(a), "none");
			snprintf(b, sizeof(b), "none");
			snprintf(why, sizeof(why), "every policy a VMM can use traps these registers here");
		} else {
			bool from_layout;
			double dn = device_ns(r, v.pick, &from_layout), ov = trap_overhead(r, i, j - 1, tr);

			bb_format_ratio(a, sizeof(a), tr->p50_ns, v.pick->p50_ns,
					v.pick->resolution_ns > 0 ? v.pick->resolution_ns : 0.1);
			snprintf(b, sizeof(b), "%.1fx", projected(tr, dn, ov) / projected(v.pick, dn, ov));
			if (v.best)
				snprintf(why, sizeof(why), "best: faster than every other policy a VMM can use (p < 0.05)");
			else
				snprintf(why, sizeof(why), "tied with %u other%s; the fewest memslots", v.ntied - 1,
					 v.ntied == 2 ? "" : "s");
		}
		if (!strcmp(a, "none"))	/* nothing a VMM can map helps: say trap, whichever tied policy has 0 memslots */
			fprintf(f, "| %s | %" PRIu32 " | %s | trap (all alike) | 0 | %s | %s | %s |\n", dev, g->region, pg, a,
				b, why);
		else
			fprintf(f, "| %s | %" PRIu32 " | %s | %s | %" PRIu32 " | %s | %s | %s |\n", dev, g->region, pg,
				v.pick->first->policy, v.pick->memslots, a, b, why);
		i = j;
	}
	if (any)
		fprintf(f, "\n");
}

static void summary(FILE *f, struct rep *r)
{
	size_t i = 0;
	unsigned bullets = 0, tied = 0, best = 0, untested = 0;
	bool any_layout_ns = false, any_default_ns = false;

	fprintf(f, "## What the study found\n\n");
	fprintf(f, "Per device region, runner and workload, and per host page size: the policy a VMM should use. A "
		"policy is named **best** only when its median's 95%% interval lies below that of every other policy a "
		"VMM can use, a Mann-Whitney U test on the repetitions' medians gives p < 0.05 (which needs at least 4 "
		"repetitions) and the difference exceeds the timer's resolution; otherwise the policies are **tied** and "
		"the tied one with the fewest memslots is recommended. Figures below the resolution they were measured "
		"with read `< R ns`.\n\n");
	while (i < r->cfg.n) {
		const struct bb_rec *g = r->sorted[i]->first;
		size_t j = i;
		char dev[128], line[4096] = "", fast_pg[32] = "", slow_pg[32] = "";
		unsigned parts = 0;

		/* one device, region, runner, workload; its page sizes in order */
		while (j < r->cfg.n && same_group(r->sorted[j]->first, g, false, true))
			j++;
		short_dev(g->device, dev, sizeof(dev));
		snprintf(line, sizeof(line), "- **%s region %" PRIu32 "**, `%s`, %s runner:", dev, g->region, g->workload,
			 g->runner);
		for (size_t k = i; k < j;) {
			size_t e = k, n = strlen(line);
			const struct bb_config *tr, *sp;
			struct verdict v;
			char pg[32], a[48], b[48], q[48];

			while (e < j && r->sorted[e]->first->page_size == r->sorted[k]->first->page_size)
				e++;
			verdict_of(r, k, e - 1, &v);
			tr = find_policy(r, k, e - 1, "trap");
			sp = find_policy(r, k, e - 1, "sparse");
			page_name(r->sorted[k]->first->page_size, pg, sizeof(pg));
			if (!v.lowest) {
				snprintf(line + n, sizeof(line) - n, "%s at %s pages only `full` ran", parts ? ";" : "", pg);
				parts++;
				k = e;
				continue;
			}
			{
				size_t least = v.least;

				if (!v.testable) {
					/* too few repetitions for any test to order two policies: no verdict */
					untested++;
					snprintf(line + n, sizeof(line) - n, "%s at %s pages the lowest median is %s's (%s)%s%s%s; "
						 "with %zu repetition%s no ordering can be tested (at least 4 are needed)",
						 parts ? ";" : "", pg, v.lowest->first->policy, med(a, sizeof(a), v.lowest),
						 tr && tr != v.lowest ? ", trap's " : "", tr && tr != v.lowest ? med(q, sizeof(q), tr) : "",
						 "", least, least == 1 ? "" : "s");
					parts++;
					k = e;
					continue;
				}
			}
			if (v.best) {
				best++;
				snprintf(line + n, sizeof(line) - n, "%s at %s pages **%s is best** (p50 %s [%.1f, %.1f])",
					 parts ? ";" : "", pg, v.pick->first->policy, med(a, sizeof(a), v.pick),
					 v.pick->ci_lo_ns, v.pick->ci_hi_ns);
			} else {
				size_t m;

				tied++;
				snprintf(line + n, sizeof(line) - n, "%s at %s pages ", parts ? ";" : "", pg);
				for (unsigned t = 0; t < v.ntied; t++) {
					m = strlen(line);
					snprintf(line + m, sizeof(line) - m, "%s%s", t ? (t + 1 == v.ntied ? " and " : ", ") : "",
						 v.tied[t]->first->policy);
				}
				const struct bb_config *top = v.lowest;

				for (unsigned t = 0; t < v.ntied; t++)
					if (v.tied[t]->p50_ns > top->p50_ns)
						top = v.tied[t];
				med(a, sizeof(a), v.lowest);
				med(b, sizeof(b), top);
				m = strlen(line);
				snprintf(line + m, sizeof(line) - m, " are **tied** (p50 %s%s%s: the intervals overlap or "
					 "differ by less than the resolution); take **%s**, the tied policy with the fewest "
					 "memslots (%" PRIu32 ")", a, strcmp(a, b) ? " to " : "", strcmp(a, b) ? b : "",
					 v.pick->first->policy, v.pick->memslots);
			}
			parts++;
			n = strlen(line);
			/* against trap, and against what VMMs do today */
			if (tr && tr == v.pick && v.ntied > 1) {
				/* trap itself is among the tied, with the fewest memslots: every usable policy traps here */
				snprintf(line + n, sizeof(line) - n, ": every policy a VMM can use traps here");
				if (!slow_pg[0])
					snprintf(slow_pg, sizeof(slow_pg), "%s", pg);
			}
			if (tr && tr != v.pick) {
				if (!separated(r, v.pick, tr)) {
					snprintf(line + n, sizeof(line) - n, ", no faster than `trap` (%s): every policy a VMM "
						 "can use traps here", med(q, sizeof(q), tr));
					if (!slow_pg[0])
						snprintf(slow_pg, sizeof(slow_pg), "%s", pg);
				} else {
					if (!fast_pg[0] && v.pick->p50_ns < tr->p50_ns)
						snprintf(fast_pg, sizeof(fast_pg), "%s", pg);
				}
				if (separated(r, v.pick, tr))
					snprintf(line + n, sizeof(line) - n, ", %s faster than `trap` (%s)",
						 bb_format_ratio(a, sizeof(a), tr->p50_ns, v.pick->p50_ns,
								 v.pick->resolution_ns > 0 ? v.pick->resolution_ns : 0.1),
						 med(q, sizeof(q), tr));
			}
			n = strlen(line);
			if (sp && sp != v.pick && vmm_usable(v.pick)) {
				if (separated(r, v.pick, sp) && v.pick->p50_ns < sp->p50_ns)
					snprintf(line + n, sizeof(line) - n, ", %s faster than `sparse` (what VMMs do)",
						 bb_format_ratio(a, sizeof(a), sp->p50_ns, v.pick->p50_ns,
								 v.pick->resolution_ns > 0 ? v.pick->resolution_ns : 0.1));
				else if (v.pick->memslots < sp->memslots)
					snprintf(line + n, sizeof(line) - n, ", as fast as `sparse` (within the statistics) "
						 "with %" PRIu32 " memslot%s instead of %" PRIu32, v.pick->memslots,
						 v.pick->memslots == 1 ? "" : "s", sp->memslots);
			}
			/* what a real device would see: the emulated mapped path is a cached load, a BAR access is not */
			n = strlen(line);
			if (tr && tr != v.pick && !strcmp(g->runner, "host")) {
				bool from_layout;
				double dn = device_ns(r, v.pick, &from_layout), ov = trap_overhead(r, k, e - 1, tr);
				double pp = projected(v.pick, dn, ov), pt = projected(tr, dn, ov);

				any_layout_ns |= from_layout;
				any_default_ns |= !from_layout;
				snprintf(line + n, sizeof(line) - n, " [projected on a device of %.0f ns per access%s: %.0f ns "
					 "vs trap's %.0f ns, %.1fx]", dn, from_layout ? " (layout)" : "", pp, pt, pt / pp);
			}
			k = e;
		}
		if (fast_pg[0] && slow_pg[0]) {
			size_t n = strlen(line);

			snprintf(line + n, sizeof(line) - n, ". **The page size changes the answer**: at %s pages the "
				 "accesses trap under every policy a VMM can use, at %s pages they need not", slow_pg, fast_pg);
		}
		fprintf(f, "%s.\n", line);
		bullets++;
		i = j;
	}
	if (!bullets)
		fprintf(f, "- No runs in this folder.\n");
	if (r->hot_trapped[0])
		fprintf(f, "\n%s Which they are and what moving them gains: `barbench advise LAYOUT` and the advise "
			"section.\n", r->hot_trapped);
	if (untested)
		fprintf(f, "\n%u group%s had too few repetitions to test.", untested, untested == 1 ? "" : "s");
	fprintf(f, "\n%u verdict%s name a best policy, %u find policies tied. `full` maps the MSI-X table and PBA the "
		"VMM must emulate: it is shown in the tables as the upper bound and never named. Speed-ups compare medians "
		"of the per-run medians on the same region, page size, runner and workload; a median below its resolution "
		"makes the speed-up a bound (`> N x`).\n\n", best, best == 1 ? "" : "s", tied);
	fprintf(f, "**Emulated speed-ups are not device speed-ups.** The emulated device's mapped path is a cached "
		"load from memory; a real BAR access is an uncached round trip over PCIe, and a trapped one pays that "
		"plus the trap. The bracketed projections give what a device would see: a mapped access costs the "
		"device's access time, a trapped one that plus the trap overhead measured here (trap's median less "
		"that of the fastest policy that trapped nothing). ");
	if (any_default_ns)
		fprintf(f, "Where the layout gives no access time the projection uses %.0f ns (reads) and %.0f ns "
			"(writes)%s. ", r->dev_read_ns, r->dev_write_ns,
			r->dev_given ? ", as given to `barbench report`" : " (" BB_DEVICE_ACCESS_SOURCE "; writes assumed "
			"alike, though posted writes may cost the CPU less)");
	if (any_layout_ns)
		fprintf(f, "`(layout)` marks an access time the device's layout states (`read_ns=`, `write_ns=`, "
			"with its `ns-source=`). ");
	fprintf(f, "Projections are computed, not measured.\n\n");
	fprintf(f, "These verdicts are measured, on the machine this folder names. `barbench check` judges the same layouts statically "
		"(memslots, hot registers that trap, must-trap ranges exposed) and can name another policy where the "
		"measured difference lies within the statistics, or where a hot register's cost depends on the device "
		"more than on the machine; where they differ, the measurement holds for that machine and `check` for "
		"the plans.\n\n");
	if (r->mi.nr_skipped) {
		unsigned shown = 0;

		fprintf(f, "**Skipped:** %u configuration%s of the matrix did not run (none of %s repetitions), by "
			"reason:\n\n", r->mi.nr_skipped, r->mi.nr_skipped == 1 ? "" : "s",
			r->mi.nr_skipped == 1 ? "its" : "their");
		for (unsigned k = 0; k < r->mi.nr_reasons; k++) {
			fprintf(f, "- %u: %s\n", r->mi.reasons[k].runs, r->mi.reasons[k].why);
			shown += r->mi.reasons[k].runs;
		}
		if (shown < r->mi.nr_skipped)
			fprintf(f, "- %u: other reasons (each named in `manifest.json`, `skipped`)\n",
				r->mi.nr_skipped - shown);
		fprintf(f, "\n");
	}
}

static int cmp_abs(const void *a, const void *b)
{
	double x = fabs(*(const double *)a), y = fabs(*(const double *)b);

	return x < y ? -1 : x > y;
}

/* How well the cost model predicted the runs: per workload, the spread of |error|. */
static void model_summary(FILE *f, struct rep *r)
{
	static const char *const wls[] = { "lat-read", "lat-write", "mix", "doorbell", "stream-read", "stream-write",
					   "sweep", NULL };
	double *e = malloc((r->cfg.n ? r->cfg.n : 1) * sizeof(*e));
	size_t all = 0;

	if (!e)
		return;
	for (size_t k = 0; k < r->cfg.n; k++)
		if (!isnan(r->cfg.v[k].model_error))
			all++;
	if (!all) {
		free(e);
		return;
	}
	fprintf(f, "## The cost model\n\nEach region's cost model was calibrated with the host runner on its own pure "
		"paths (mapped and trapped reads and writes; `costs.txt`) and predicts the mean time per access of every "
		"host run from the plan and the workload's accesses. Error = (measured mean of the samples at or below p99 - predicted) / "
		"measured, per configuration (goal: within 10%%).\n\n");
	fprintf(f, "| workload | configurations | median abs error | within 10%% | worst |\n| --- | --- | --- | --- | --- |\n");
	for (int w = 0; wls[w]; w++) {
		size_t n = 0, in10 = 0;

		for (size_t k = 0; k < r->cfg.n; k++) {
			const struct bb_config *c = &r->cfg.v[k];

			if (isnan(c->model_error) || strcmp(c->first->workload, wls[w]))
				continue;
			e[n++] = c->model_error;
			in10 += fabs(c->model_error) <= 0.10;
		}
		if (!n)
			continue;
		qsort(e, n, sizeof(*e), cmp_abs);
		fprintf(f, "| %s | %zu | %.1f%% | %zu (%.0f%%) | %+.0f%% |\n", wls[w], n, 100 * fabs(e[n / 2]), in10,
			100.0 * (double)in10 / (double)n, 100 * e[n - 1]);
	}
	fprintf(f, "\nWhere the error is large it says something real: a mapped access costs a few timer steps (one "
		"step is %s ns on the machine of this folder), so one step is tens of percent; a page sweep over a large "
		"region pays TLB misses and first touches that the pure-path calibration (a few hot registers) never "
		"sees.\n\n", r->mi.resolution_ns[0] ? r->mi.resolution_ns : "(not recorded)");
	free(e);
}

/*
 * summary.json: per configuration, its median with the 95% interval and the
 * resolution, and its group's verdict with the reason, for programs that
 * read results (docs: README, "summary.json").  Written with jansson, the
 * project's JSON library: every string is escaped by it, every number is
 * finite or null.
 */
static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int write_summary(FILE *f, void *arg)
{
	struct rep *r = arg;
	json_t *root = json_object(), *cfgs = json_array();
	int err = 0;

	if (!root || !cfgs) {
		json_decref(root);
		json_decref(cfgs);
		return -ENOMEM;
	}
	json_object_set_new(root, "schema", json_string("barbench-summary/1"));
	json_object_set_new(root, "study", json_string(r->study));
	json_object_set_new(root, "configurations", cfgs);
	for (size_t i = 0; i < r->cfg.n;) {
		const struct bb_rec *g = r->sorted[i]->first;
		size_t j = i;
		struct verdict v;
		const struct bb_config *tr;

		while (j < r->cfg.n && same_group(r->sorted[j]->first, g, true, true))
			j++;
		verdict_of(r, i, j - 1, &v);
		tr = find_policy(r, i, j - 1, "trap");
		for (size_t k = i; k < j; k++) {
			const struct bb_config *c = r->sorted[k];
			const char *verdict, *why;
			json_t *o = json_object();

			if (!o) {
				err = -ENOMEM;
				break;
			}
			if (!vmm_usable(c)) {
				verdict = "upper bound";
				why = "maps the MSI-X table and PBA a VMM must emulate";
			} else if (!v.testable) {
				verdict = "untested";
				why = "too few repetitions for any test to order two policies (at least 4)";
			} else if (v.best && c == v.pick) {
				verdict = "best";
				why = "below every other usable policy: intervals apart, Mann-Whitney p < 0.05, beyond the resolution";
			} else if (c == v.pick) {
				verdict = "recommended";
				why = "tied with the fastest; the fewest memslots among the tied";
			} else {
				bool tied = false;

				for (unsigned t = 0; t < v.ntied; t++)
					tied |= v.tied[t] == c;
				verdict = tied ? "tied" : "slower";
				why = tied ? "not told apart from the fastest" : "slower than the fastest, by the statistics";
			}
			json_object_set_new(o, "device", json_string(c->first->device));
			json_object_set_new(o, "region", json_integer(c->first->region));
			json_object_set_new(o, "policy", json_string(c->first->policy));
			json_object_set_new(o, "params", json_string(c->first->params));
			json_object_set_new(o, "page_size_bytes", json_integer((json_int_t)c->first->page_size));
			json_object_set_new(o, "runner", json_string(c->first->runner));
			json_object_set_new(o, "workload", json_string(c->first->workload));
			json_object_set_new(o, "repetitions", json_integer((json_int_t)c->nreps));
			json_object_set_new(o, "p50_ns", num_or_null(c->p50_ns));
			json_object_set_new(o, "ci95_lo_ns", num_or_null(c->ci_lo_ns));
			json_object_set_new(o, "ci95_hi_ns", num_or_null(c->ci_hi_ns));
			json_object_set_new(o, "resolution_ns", c->resolution_ns > 0 ? json_real(c->resolution_ns) : json_null());
			json_object_set_new(o, "below_resolution", json_boolean(c->resolution_ns > 0 && c->p50_ns < c->resolution_ns));
			json_object_set_new(o, "memslots", json_integer(c->memslots));
			json_object_set_new(o, "trapped_share", num_or_null(c->trapped_share));
			json_object_set_new(o, "speedup_vs_trap", tr && c != tr && c->speedup_vs_trap > 0 ?
					    json_real(c->speedup_vs_trap) : json_null());
			json_object_set_new(o, "speedup_is_bound", json_boolean(c->speedup_is_bound));
			json_object_set_new(o, "verdict", json_string(verdict));
			json_object_set_new(o, "why", json_string(why));
			if (json_array_append_new(cfgs, o)) {
				err = -ENOMEM;
				break;
			}
		}
		if (err)
			break;
		i = j;
	}
	if (!err && json_dumpf(root, f, JSON_INDENT(1) | JSON_ENSURE_ASCII))
		err = -EIO;
	if (!err)
		fputc('\n', f);
	json_decref(root);
	return err ? err : ferror(f) ? -EIO : 0;
}

static int write_report(FILE *f, void *arg)
{
	const struct writer_arg *w = arg;
	struct rep *r = w->r;
	size_t i = 0, fi = 0;

	fprintf(f, "# barbench report%s%s\n\n", r->study[0] ? ": " : "", r->study);
	fprintf(f, "Results folder of %zu runs in %zu configurations%s. Made %s on `%s` (%s, kernel %s), "
		"barbench %.12s.\n\n", r->recs.n, r->cfg.n, r->complete ? "" : " (**incomplete**: the study was "
		"interrupted; `barbench study --resume` finishes it)", r->date[0] ? r->date : "(no manifest)",
		r->host, r->cpu, r->kernel, r->commit[0] ? r->commit : "unknown");
	if (r->hyper[0])
		fprintf(f, "> **Read these figures with care.** They were measured inside a virtual machine "
			"(hypervisor `%s`): host-runner latencies include its overheads%s.\n\n", r->hyper,
			!strcmp(r->guest_exec, "emulated") ? ", and the guest runner's guest executed under "
			"instruction emulation (nested KVM without hardware support): **guest figures are not "
			"representative of bare metal**, only their exit counts and relative order are" : "");
	else if (!strcmp(r->guest_exec, "emulated"))
		fprintf(f, "> Guest runs executed under instruction emulation: guest figures are not representative of "
			"bare metal.\n\n");
	recommendation(f, r);
	summary(f, r);
	model_summary(f, r);
	if (!w->have_figs && w->gp_note)
		fprintf(f, "> Figures: %s\n\n", w->gp_note);
	if (r->nmissing)
		fprintf(f, "> **%zu run%s of `runs.csv` %s no samples file** in `samples/` (%s%s): the tables come from "
			"`runs.csv` alone; latency CDFs and page sweeps are drawn without %s.\n\n", r->nmissing,
			r->nmissing == 1 ? "" : "s", r->nmissing == 1 ? "has" : "have", r->missing,
			r->nmissing > 5 ? ", ..." : "", r->nmissing == 1 ? "it" : "them");
	while (i < r->cfg.n) {
		const struct bb_rec *g = r->sorted[i]->first;
		size_t j = i;
		char dev[128];

		while (j < r->cfg.n && same_group(r->sorted[j]->first, g, false, false))
			j++;
		short_dev(g->device, dev, sizeof(dev));
		fprintf(f, "## %s region %" PRIu32 ", %s runner\n\n", dev, g->region, g->runner);
		fprintf(f, "`%s`\n\n", g->device);
		for (size_t k = i; k < j;) {
			const struct bb_rec *h = r->sorted[k]->first;
			size_t e = k;
			char pg[32];

			while (e < j && r->sorted[e]->first->page_size == h->page_size &&
			       !strcmp(r->sorted[e]->first->workload, h->workload))
				e++;
			page_name(h->page_size, pg, sizeof(pg));
			fprintf(f, "### %s, %s pages\n\n", h->workload, pg);
			fprintf(f, "| policy | p50_ns [95%% CI] | p99_ns | p999_ns | speed-up vs trap | trapped | memslots | "
				"mappings | setup_ns | mean_ns (<= p99) | predicted_ns | model error | reps |\n");
			fprintf(f, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
			for (size_t c = k; c < e; c++) {
				const struct bb_config *x = r->sorted[c];
				double res = x->resolution_ns;

				/* a figure below the resolution it was measured with is a bound, never a number */
				fprintf(f, "| %s%s%s | ", x->first->policy, x->first->params[0] ? " " : "", x->first->params);
				if (res > 0 && x->p50_ns < res)
					fprintf(f, "< %.2f", res);
				else
					fprintf(f, "%.1f", x->p50_ns);
				if (res > 0 && x->ci_hi_ns < res)
					fprintf(f, " [< %.2f] | ", res);
				else
					fprintf(f, " [%.1f, %.1f] | ", x->ci_lo_ns, x->ci_hi_ns);
				if (res > 0 && x->p99_ns < res)
					fprintf(f, "< %.2f | ", res);
				else
					fprintf(f, "%.1f | ", x->p99_ns);
				if (res > 0 && x->p999_ns < res)
					fprintf(f, "< %.2f | ", res);
				else
					fprintf(f, "%.1f | ", x->p999_ns);
				if (x->speedup_vs_trap > 0)
					fprintf(f, "%s%.1fx", x->speedup_is_bound ? "> " : "", x->speedup_vs_trap);
				else
					fprintf(f, "-");
				fprintf(f, " | %.0f%% | %" PRIu32 " | %" PRIu32 " | %.0f | %.1f | ", 100 * x->trapped_share,
					x->memslots, x->mappings, x->setup_ns, x->tmean_ns);
				if (x->predicted_ns >= 0)
					fprintf(f, "%.1f | %+.0f%% | %zu |\n", x->predicted_ns, 100 * x->model_error, x->nreps);
				else
					fprintf(f, "- | - | %zu |\n", x->nreps);
			}
			fprintf(f, "\n");
			for (; fi < w->nfigs && w->figs[fi].after <= e - 1; fi++)
				if (w->have_figs)
					fprintf(f, "![%s](figures/%s.png)\n\n", w->figs[fi].name, w->figs[fi].name);
			k = e;
		}
		/* this section's bars and page maps */
		for (size_t q = 0; w->have_figs && q < w->nfigs; q++) {
			const struct fig *x = &w->figs[q];

			if (!x->device || strcmp(x->device, g->device) || x->region != g->region)
				continue;
			if (x->runner ? !strcmp(x->runner, g->runner) : !strcmp(g->runner, "host"))
				fprintf(f, "![%s](figures/%s.png)\n\n", x->name, x->name);
		}
		i = j;
	}
	if (w->have_figs) {
		fprintf(f, "## Memslots and host mappings\n\n");
		for (size_t q = 0; q < w->nfigs; q++)
			if (!strncmp(w->figs[q].name, "slots-", 6))
				fprintf(f, "![%s](figures/%s.png)\n\n", w->figs[q].name, w->figs[q].name);
	}
	advise_section(f, w->adv, w->nadv, w->have_figs);
	fprintf(f, "## Method\n\n"
		"Each configuration (device, region, policy, page size, runner, workload) ran as several repetitions, "
		"interleaved. Per run, every sample is timed with `lfence; rdtsc; lfence` ... `rdtscp; lfence` (or "
		"`lfence; rdtsc; lfence` where the CPU lacks RDTSCP: `manifest.json` says which), minus the median "
		"cost of an empty timing pair, divided by the accesses it timed: one, or, where one access is shorter "
		"than 50 steps of the measured clock, as many serialised repetitions as make it span them "
		"(`batch_map`, `batch_trap` in `runs.csv`; batched workloads: whole batches); "
		"the table gives the median over repetitions of each run's median, with a non-parametric 95%% "
		"confidence interval from order statistics of the repetitions (binomial ranks; with fewer than six "
		"repetitions the interval is [min, max]); p99 and p99.9 are medians over repetitions. `trapped` is the "
		"share of accesses that went through the trap path. Raw data: `runs.csv`, `samples/`, `plans.csv`, "
		"`manifest.json`; `barbench report` rebuilds this file and its figures from them.\n");
	return ferror(f) ? -EIO : 0;
}

/* Each file of the drawing folder renamed into figures/ (a rename replaces a symlink, never follows it). */
static int move_figures(int rfd, int ffd, const char *figdir, struct bb_diag *d)
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

/* Every run of runs.csv without a samples file, counted and the first named (a symlink counts as there). */
static void find_missing(struct rep *r)
{
	for (size_t i = 0; i < r->recs.n; i++) {
		char path[4096];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/samples/%s.csv.gz", r->dir, r->recs.v[i].id);
		if (!lstat(path, &sb) || errno != ENOENT)
			continue;
		snprintf(path, sizeof(path), "%s/samples/%s.csv", r->dir, r->recs.v[i].id);
		if (!lstat(path, &sb) || errno != ENOENT)
			continue;
		if (r->nmissing < 5) {
			size_t n = strlen(r->missing);

			snprintf(r->missing + n, sizeof(r->missing) - n, "%s`%s`", n ? ", " : "", r->recs.v[i].id);
		}
		r->nmissing++;
	}
}

int bb_report(const char *dir, const struct bb_report_opts *o, struct bb_diag *d)
{
	struct rep r = { .dir = dir, .rfd = -1, .d = d };
	bool figures = o && o->figures;

	r.dev_given = o && (o->device_read_ns > 0 || o->device_write_ns > 0);
	r.svg = o && o->svg;
	r.dev_read_ns = o && o->device_read_ns > 0 ? o->device_read_ns : BB_DEVICE_ACCESS_NS;
	r.dev_write_ns = o && o->device_write_ns > 0 ? o->device_write_ns : BB_DEVICE_ACCESS_NS;

	struct plan_row *pl = NULL;
	struct adv_row *adv = NULL;
	struct fig *figs = NULL;
	size_t npl = 0, nadv = 0, nf = 0, cap;
	char path[4096], figdir[4096], rdir[4200] = "";
	const char *gp_note = NULL;
	bool have_figs = false;
	int err, ffd = -1;

	bb_diag_clear(d);
	snprintf(path, sizeof(path), "%s/runs.csv", dir);
	err = bb_recs_read(path, &r.recs, d);
	if (err)
		return err;
	err = bb_configs_build(&r.recs, &r.cfg, d);
	if (err)
		goto out;
	r.sorted = calloc(r.cfg.n ? r.cfg.n : 1, sizeof(*r.sorted));
	if (!r.sorted) {
		err = bb_diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < r.cfg.n; k++)
		r.sorted[k] = &r.cfg.v[k];
	qsort(r.sorted, r.cfg.n, sizeof(*r.sorted), cmp_cfg);
	read_manifest(&r);
	find_missing(&r);
	/* plans.csv and advise.csv are optional; when there, they are read as strictly as runs.csv */
	err = read_plans(dir, &pl, &npl, d);
	if (err && err != -ENOENT)
		goto out;
	err = read_advise(dir, &adv, &nadv, d);
	if (err && err != -ENOENT)
		goto out;
	err = 0;
	hot_trapped_of(&r, pl, npl);
	bb_diag_clear(d);

	/* figures in report order: CDFs (placed after their group), then bars, page maps, slots */
	cap = 4 * r.cfg.n + 64;
	figs = calloc(cap, sizeof(*figs));
	if (!figs) {
		err = bb_diag_set(d, -ENOMEM, "out of memory");
		goto out;
	}
	snprintf(figdir, sizeof(figdir), "%s/figures", dir);
	if (figures) {
		err = figures_dir(figdir, &ffd, d);
		if (err)
			goto out;
		/* drawn in a fresh private folder, so nothing planted in figures/ is ever opened */
		snprintf(rdir, sizeof(rdir), "%s/.draw-XXXXXX", figdir);
		if (!mkdtemp(rdir)) {
			err = bb_diag_set(d, -errno, "%s: %s", rdir, strerror(errno));
			rdir[0] = '\0';
			goto out;
		}
		r.rfd = open(rdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r.all = r.rfd < 0 ? NULL : rcreate(&r, "all.gp");
		if (!r.all) {
			err = bb_diag_set(d, -errno, "%s/all.gp: %s", rdir, strerror(errno));
			goto out;
		}
	}
	if (figures) {
		size_t i = 0;

#define ADD(nm_, after_, dev_, region_, runner_) do {                              \
			bb_strcpy(figs[nf].name, sizeof(figs[nf].name), nm_);      \
			figs[nf].after = after_;                                   \
			figs[nf].device = dev_;                                    \
			figs[nf].region = region_;                                 \
			figs[nf].runner = runner_;                                 \
			nf++;                                                      \
		} while (0)
		/* CDFs of latency workloads, one per (device, region, runner, workload, page) */
		while (i < r.cfg.n) {
			size_t j = i;
			char nm[32];

			while (j < r.cfg.n && same_group(r.sorted[j]->first, r.sorted[i]->first, true, true))
				j++;
			if (is_latency_workload(r.sorted[i]->first->workload) && nf < cap &&
			    !fig_cdf(&r, i, j - 1, nm, sizeof(nm)))
				ADD(nm, j - 1, NULL, 0, NULL);
			i = j;
		}
		/* bars per (device, region, runner, workload) */
		i = 0;
		while (i < r.cfg.n) {
			const struct bb_rec *g = r.sorted[i]->first;
			size_t j = i;
			char nm[32];

			while (j < r.cfg.n && same_group(r.sorted[j]->first, g, false, true))
				j++;
			if (is_latency_workload(g->workload) && nf < cap && !fig_bars(&r, i, j - 1, nm, sizeof(nm)))
				ADD(nm, SIZE_MAX, g->device, g->region, g->runner);
			i = j;
		}
		/* page maps per (device, region, page) found in plans.csv */
		for (size_t p = 0; p < npl; p++) {
			bool seen = false;
			char nm[32];

			for (size_t q = 0; q < p && !seen; q++)
				seen = !strcmp(pl[q].device, pl[p].device) && pl[q].region == pl[p].region &&
				       pl[q].page == pl[p].page;
			if (seen || nf >= cap)
				continue;
			if (!fig_pagemap(&r, pl, npl, pl[p].device, pl[p].region, pl[p].page, nm, sizeof(nm)))
				ADD(nm, SIZE_MAX, pl[p].device, pl[p].region, NULL);
		}
		/* memslots and mappings per page size */
		{
			uint64_t pages[16];
			unsigned npg = 0;

			for (size_t k = 0; k < r.cfg.n; k++) {
				uint64_t pgz = r.sorted[k]->first->page_size;
				unsigned q;

				for (q = 0; q < npg && pages[q] != pgz; q++)
					;
				if (q == npg && npg < 16)
					pages[npg++] = pgz;
			}
			for (unsigned q = 0; q < npg; q++) {
				char nm[32];

				if (nf < cap && !fig_slots(&r, pages[q], nm, sizeof(nm)))
					ADD(nm, SIZE_MAX, NULL, 0, NULL);
			}
		}
#undef ADD
		if (nadv) {
			char nm[32];

			fig_advise(&r, adv, nadv, nm, sizeof(nm));
		}
		err = rclose(r.all);
		r.all = NULL;
		if (r.err) {
			err = r.err;	/* hostile content met while drawing: its message is in d */
			goto out;
		}
		if (err) {
			err = bb_diag_set(d, err, "%s/all.gp: %s", rdir, strerror(-err));
			goto out;
		}
		err = run_gnuplot(rdir);
		if (err == -ENOENT)
			gp_note = "gnuplot is not installed: install gnuplot-nox and run `barbench report DIR`";
		else if (err)
			gp_note = "gnuplot failed: see figures/gnuplot.log";
		have_figs = !err;
		err = move_figures(r.rfd, ffd, figdir, d);
		if (err)
			goto out;
	} else {
		gp_note = "not drawn (--no-figures)";
	}
	{
		struct writer_arg wa = { &r, figs, nf, have_figs, gp_note, adv, nadv };

		snprintf(path, sizeof(path), "%s/report.md", dir);
		err = bb_write_atomic(path, write_report, &wa, d);
		if (!err) {
			snprintf(path, sizeof(path), "%s/summary.json", dir);
			err = bb_write_atomic(path, write_summary, &r, d);
		}
	}
	if (!err && r.nmissing)	/* a warning: the report is written */
		bb_diag_set(d, 0, "%zu run%s without a samples file in %s/samples (%s%s): see report.md", r.nmissing,
			    r.nmissing == 1 ? "" : "s", dir, r.missing, r.nmissing > 5 ? ", ..." : "");
out:
	if (r.all)
		fclose(r.all);
	if (r.rfd >= 0) {
		if (err)
			move_figures(r.rfd, r.rfd, figdir, NULL);	/* a rename onto itself, then unlinked: emptied */
		close(r.rfd);
	}
	if (rdir[0])
		rmdir(rdir);
	if (ffd >= 0)
		close(ffd);
	free(figs);
	free(pl);
	free(adv);
	free(r.sorted);
	bb_configs_free(&r.cfg);
	bb_recs_free(&r.recs);
	return err;
}
