// SPDX-License-Identifier: MIT
/*
 * Reading a results folder back for the report: the manifest (jansson),
 * the samples files, plans.csv and advise.csv, each read strictly as the
 * hostile input it is (file:line, never through a symlink); the names and
 * groups the report's parts share.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "report.h"
#include "barbench/runner.h"
#include "barbench/workload.h"
#include "parse.h"
#include "samples.h"

/* "emu:layouts/nvme-msix-bar0" -> "nvme-msix-bar0" (file-name safe). */
void bb_rep_short_dev(const char *dev, char *out, size_t len)
{
	const char *s = strrchr(dev, '/');
	size_t k = 0;

	s = s ? s + 1 : (strchr(dev, ':') ? strchr(dev, ':') + 1 : dev);
	for (; *s && k + 1 < len; s++)
		out[k++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			    *s == '-' || *s == '_' || *s == '.') ? *s : '_';
	out[k] = '\0';
}

void bb_rep_label(const struct rep *r, const struct bb_rec *g, char *out, size_t len)
{
	char dev[128];

	bb_rep_short_dev(g->device, dev, sizeof(dev));
	if (r->nfolders > 1)
		snprintf(out, len, "%s @ %s", dev, r->hosts[g->folder]);
	else
		snprintf(out, len, "%s", dev);
}

void bb_rep_page_name(uint64_t p, char *out, size_t len)
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
		char why[sizeof(mi->reasons[0].why)];
		unsigned k;

		mi->nr_skipped++;
		/* barbench's own reasons always fit; a longer one (not barbench's) says where it was cut */
		if (bb_strcpy(why, sizeof(why), w ? w : ""))
			memcpy(why + sizeof(why) - 4, "...", 4);
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
	err = bb_results_read(path, 1 << 20, &buf, &n, d);
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

/* What a folder after the first adds to the merged manifest facts: its skipped runs, by reason. */
static void merge_skipped(struct bb_manifest_info *all, const struct bb_manifest_info *mi)
{
	for (unsigned k = 0; k < mi->nr_reasons; k++) {
		unsigned q;

		for (q = 0; q < all->nr_reasons && strcmp(all->reasons[q].why, mi->reasons[k].why); q++)
			;
		if (q < all->nr_reasons) {
			all->reasons[q].runs += mi->reasons[k].runs;
		} else if (q < BB_MANIFEST_SKIP_REASONS) {
			all->reasons[q] = mi->reasons[k];
			all->nr_reasons++;
		}
	}
	all->nr_skipped += mi->nr_skipped;
}

void bb_results_host(const char *dir, const struct bb_manifest_info *mi, char (*hosts)[BB_HOST_NAME_MAX], size_t k)
{
	const char *base = strrchr(dir, '/');

	snprintf(hosts[k], BB_HOST_NAME_MAX, "%s", mi && mi->host[0] ? mi->host : base && base[1] ? base + 1 :
		 dir[0] ? dir : "_");
	for (char *c = hosts[k]; *c; c++)	/* a label in Markdown and gnuplot data: a name's characters */
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      strchr("._+-", *c)))
			*c = '_';
	for (size_t q = 0; q < k; q++)
		if (!strcmp(hosts[q], hosts[k])) {
			size_t n = strnlen(hosts[k], BB_HOST_NAME_MAX - 8);

			snprintf(hosts[k] + n, BB_HOST_NAME_MAX - n, "#%zu", k + 1);
			break;
		}
}

static void header_text(char *s);

/*
 * Each folder's manifest: the first gives the header's facts, every one
 * its host's name (bb_results_host), and their skipped runs are summed by
 * reason.
 */
void bb_rep_read_manifest(struct rep *r)
{
	struct bb_manifest_info mi;

	for (size_t k = 0; k < r->nfolders; k++) {
		struct bb_diag d;
		bool ok = !bb_manifest_read(r->dirs[k], &mi, &d);

		bb_results_host(r->dirs[k], ok ? &mi : NULL, r->hosts, k);
		if (!ok && !k) {
			/* the header says so, in the characters it allows */
			bb_strcpy(r->no_manifest, sizeof(r->no_manifest), d.msg);
			header_text(r->no_manifest);
		}
		if (!ok)
			continue;
		if (k) {
			merge_skipped(&r->mi, &mi);
			continue;
		}
		bb_rep_copy_manifest(r, &mi);
	}
}

/*
 * A manifest's text as the report's header prints it (Markdown, in and out
 * of code spans): only the characters a host, CPU model, kernel release,
 * date, commit or study name has; anything else (a newline and a forged
 * heading, HTML, a backtick, ESC) becomes '_'.
 */
static void header_text(char *s)
{
	for (char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      strchr(" ._:+-@()/,=", *c)))
			*c = '_';
}

void bb_rep_copy_manifest(struct rep *r, const struct bb_manifest_info *m)
{
	struct bb_manifest_info mi = *m;

	header_text(mi.study);
	header_text(mi.date);
	header_text(mi.host);
	header_text(mi.cpu);
	header_text(mi.kernel);
	header_text(mi.hyper);
	header_text(mi.commit);
	header_text(mi.guest_exec);

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
int bb_rep_fail(struct rep *r, int err, const char *fmt, ...) BB_PRINTF(3, 4);
int bb_rep_fail(struct rep *r, int err, const char *fmt, ...)
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

static int read_csv_samples(struct rep *r, const char *dir, const char *id, double *ns, uint64_t *off, size_t *n,
			    size_t max);

/* Blocks by run id, then by place in the file (a run in two blocks: the first is named). */
static int cmp_block(const void *x, const void *y)
{
	const struct bb_samples_block *a = x, *b = y;
	int r = strcmp(a->id, b->id);

	return r ? r : (a->start > b->start) - (a->start < b->start);
}

/*
 * The samples file of @id's group (samples/GROUP.bbs, core/samples.h),
 * inflated and checked whole in one walk that keeps its blocks, sorted by
 * id (r->sblk): a run's block found in log n, and a run id in two blocks
 * refused (a run's samples are one block: the writer replaces a run
 * measured again).  Kept for the next run of the same group: 0, -ENOENT
 * when there is none, or the error (its message in r->sgroup_msg).
 */
static int group_load(struct rep *r, unsigned folder, const char *id)
{
	char group[160], path[4096];
	struct bb_samples_block b, *v = NULL;
	struct bb_diag d = { "" };
	size_t pos = 0, k = 0, cap = 0;
	int got, err;

	bb_samples_group(id, group, sizeof(group));
	if (r->sgroup_err != 1 && folder == r->sfolder && !strcmp(group, r->sgroup))
		return r->sgroup_err;
	r->sfolder = folder;
	free(r->sbuf);
	free(r->sblk);
	r->sbuf = NULL;
	r->sblk = NULL;
	r->slen = r->nsblk = 0;
	bb_strcpy(r->sgroup, sizeof(r->sgroup), group);
	snprintf(path, sizeof(path), "%s/samples/%s.bbs", r->dirs[folder], group);
	err = bb_gunzip_file(path, BB_SAMPLES_MAX_BYTES, &r->sbuf, &r->slen, &d);
	r->sloads++;
	r->sinflated += r->slen;
	if (!r->sfirst_done)
		r->sonce += r->slen;
	else if (!err && r->sinflated > BB_REP_REREAD * r->sonce)
		err = bb_diag_set(&d, -EINVAL, "%s: the figures would inflate the samples files again and again (%zu "
				  "loads, %zu bytes; %zu bytes once): runs.csv interleaves the runs of samples files "
				  "(a figure reads them in turn), which barbench never writes", path, r->sloads, r->sinflated,
				  r->sonce);
	while (!err && (got = bb_samples_next(r->sbuf, r->slen, &pos, &b, path, &d)) != 0) {
		if (got < 0) {
			err = got;
		} else if (k == cap) {
			struct bb_samples_block *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv)
				err = bb_diag_set(&d, -ENOMEM, "%s: out of memory", path);
			else
				v = nv, cap = cap ? cap * 2 : 16;
		}
		if (!err)
			v[k++] = b;
	}
	if (!err && k)
		qsort(v, k, sizeof(*v), cmp_block);
	for (size_t i = 1; !err && i < k; i++)
		if (!strcmp(v[i - 1].id, v[i].id))
			err = bb_diag_set(&d, -EINVAL, "%s: byte %zu: run %s again (first block at byte %zu): a run's "
					  "samples are one block", path, v[i].start, v[i].id, v[i - 1].start);
	if (err) {
		free(v);
		v = NULL;
		k = 0;
	}
	r->sblk = v;
	r->nsblk = k;
	r->sgroup_err = err;
	if (err && err != -ENOENT)
		snprintf(r->sgroup_msg, sizeof(r->sgroup_msg), "%s", d.msg);
	return err;
}

/* The block of run @id in the loaded group (binary search in r->sblk), or NULL. */
static const struct bb_samples_block *group_find(const struct rep *r, const char *id)
{
	for (size_t lo = 0, hi = r->nsblk; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->sblk[mid].id, id);

		if (!c)
			return &r->sblk[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Samples of run @id appended to the pools: from its group's samples file,
 * else from the CSV file of an older barbench.  A missing run was counted
 * when the report began (samples are optional: the tables come from
 * runs.csv); a file that is there is read strictly, never through a symlink.
 */
int bb_rep_read_samples(struct rep *r, const struct bb_rec *rec, double *ns, uint64_t *off, size_t *n, size_t max)
{
	const char *id = rec->id;
	const struct bb_samples_block *blk;
	struct bb_samples_block b;
	int err;

	if (*n >= max)	/* the pool is full: nothing of this run would be drawn, so nothing is read */
		return 0;
	err = group_load(r, rec->folder, id);
	if (err == -ENOENT)
		return read_csv_samples(r, r->dirs[rec->folder], id, ns, off, n, max);
	if (err)	/* malformed (-EINVAL, -EFBIG) or unreadable (-EACCES, -EIO, -ENOMEM): the reason kept for the exit */
		return bb_rep_fail(r, err, "%s", r->sgroup_msg);
	blk = group_find(r, id);
	if (!blk)
		return -ENOENT;
	b = *blk;
	if (b.n > max - *n)
		b.n = max - *n;	/* the pool is full: a figure draws at most MAX_POOL samples */
	bb_samples_values(r->sbuf, &b, ns + *n, off ? off + *n : NULL, NULL, NULL);
	*n += b.n;
	return 0;
}

/* Samples of run @id from the CSV file an older barbench wrote (samples/ID.csv.gz or .csv), appended to the pools. */
static int read_csv_samples(struct rep *r, const char *dir, const char *id, double *ns, uint64_t *off, size_t *n,
			    size_t max)
{
	char path[4096], line[256];
	unsigned lineno = 1;
	bool covers;
	struct bb_diag d;
	gzFile f;
	int fd, err;

	/* compressed (barbench writes .csv.gz) or plain (older folders, a user's edit): zlib reads both */
	snprintf(path, sizeof(path), "%s/samples/%s.csv.gz", dir, id);
	fd = bb_results_open(path, NULL, &d);
	if (fd == -ENOENT) {
		snprintf(path, sizeof(path), "%s/samples/%s.csv", dir, id);
		fd = bb_results_open(path, NULL, &d);
	}
	if (fd == -ENOENT)
		return -ENOENT;
	if (fd < 0)
		return bb_rep_fail(r, fd, "%s", d.msg);
	f = gzdopen(fd, "rb");
	if (!f) {
		close(fd);
		return bb_rep_fail(r, -ENOMEM, "%s: %s", path, strerror(errno));
	}
	/* sample,offset,path,accesses,ns since samples say how many accesses they timed; sample,offset,path,ns before */
	if (!gzgets(f, line, sizeof(line)) ||
	    (strcmp(line, "sample,offset,path,accesses,ns\n") && strcmp(line, "sample,offset,path,ns\n"))) {
		gzclose(f);
		return bb_rep_fail(r, -EINVAL, "%s:1: not the header 'sample,offset,path,accesses,ns'", path);
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
			return bb_rep_fail(r, -EINVAL, "%s:%u: incomplete or overlong line", path, lineno);
		}
		line[strcspn(line, "\n")] = '\0';
		nf = bb_csv_split(line, fl, 6);
		if (nf != (covers ? 5 : 4) || bb_results_u64(fl[0], UINT64_MAX, &s) ||
		    bb_results_u64(fl[1], UINT64_MAX, &o) || (strcmp(fl[2], "map") && strcmp(fl[2], "trap")) ||
		    (covers && (bb_results_u64(fl[3], UINT32_MAX, &k) || !k)) || bb_results_double(fl[nf - 1], &v)) {
			gzclose(f);
			return bb_rep_fail(r, -EINVAL, "%s:%u: want SAMPLE,OFFSET,map|trap,%sNS (decimal numbers)", path, lineno,
					covers ? "ACCESSES," : "");
		}
		ns[*n] = v;
		if (off)
			off[*n] = o;
		(*n)++;
	}
	/* a compressed file cut short, corrupt or unreadable ends the lines early: an error, never fewer samples */
	err = bb_gz_close(f, *n < max, path, &d);
	if (err)
		return bb_rep_fail(r, err, "%s after line %u", d.msg, lineno);
	return 0;
}

bool bb_rep_same_group(const struct bb_rec *a, const struct bb_rec *b, bool page, bool workload)
{
	return a->folder == b->folder && !strcmp(a->device, b->device) && a->region == b->region &&
	       !strcmp(a->runner, b->runner) &&
	       (!workload || !strcmp(a->workload, b->workload)) && (!page || a->page_size == b->page_size);
}

/* Whether runs.csv's workload @w is the registry's kind @k (its name: no parse per row). */
static bool is_kind(const char *w, enum bb_wl_kind k)
{
	return !strcmp(w, bb_workload_kind_name(k));
}

/* the runner a report leads with: the registry's host runner, this process's own accesses */
bool bb_rep_headline_runner(const char *runner)
{
	return !strcmp(runner, bb_runner_host.name);
}

bool bb_rep_headline(const char *runner, const char *workload)
{
	return bb_rep_headline_runner(runner) && is_kind(workload, BB_WL_LAT_READ);
}

bool bb_rep_latency_workload(const char *w)
{
	return is_kind(w, BB_WL_LAT_READ) || is_kind(w, BB_WL_LAT_WRITE) || is_kind(w, BB_WL_MIX) ||
	       is_kind(w, BB_WL_DOORBELL);
}

/*
 * The lines of @text (line @lineno + 1 on) into a malloc'd *@out of *@n rows of
 * @size bytes, each read by @row (1: a line that is no row, skipped).  On
 * error *@out is freed: NULL, *@n 0.
 */
static int read_rows(const char *path, char *text, unsigned lineno, size_t size, size_t first,
		     int (*row)(const char *path, unsigned lineno, char *line, void *out, struct bb_diag *d),
		     void **out, size_t *n, struct bb_diag *d)
{
	size_t cap = 0;
	char *line, *next;
	int err = 0;

	*out = NULL;
	*n = 0;
	for (line = text; *line && !err; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (!next) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: incomplete line", path, lineno);
			break;
		}
		*next++ = '\0';
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : first;
			char *nv = realloc(*out, nc * size);

			if (!nv) {
				err = bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
				break;
			}
			*out = nv;
			cap = nc;
		}
		err = row(path, lineno, line, (char *)*out + *n * size, d);
		if (!err)
			(*n)++;
		else if (err == 1)
			err = 0;
	}
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}

static int plan_row_read(const char *path, unsigned lineno, char *line, void *out, struct bb_diag *d)
{
	struct plan_row *pr = out;
	char *fl[9];
	size_t bad;
	uint64_t v;

	memset(pr, 0, sizeof(*pr));
	if (bb_csv_split(line, fl, 9) != 8)
		return bb_diag_set(d, -EINVAL, "%s:%u: want 8 fields", path, lineno);
	if (!bb_results_text_ok(BB_TEXT_PATH, fl[0], sizeof(pr->device), &bad) ||
	    !bb_results_text_ok(BB_TEXT_NAME, fl[2], sizeof(pr->policy), &bad) ||
	    !bb_results_text_ok(BB_TEXT_PARAMS, fl[3], sizeof(pr->params), &bad) ||
	    (strcmp(fl[7], "map") && strcmp(fl[7], "trap") && strcmp(fl[7], "must-trap") &&
	     strcmp(fl[7], "hot-trapped")))
		return bb_diag_set(d, -EINVAL, "%s:%u: a device, policy, params or mode barbench does not write", path,
				   lineno);
	strcpy(pr->device, fl[0]);
	strcpy(pr->policy, fl[2]);
	strcpy(pr->params, fl[3]);
	strcpy(pr->mode, fl[7]);
	if (bb_results_u64(fl[1], UINT32_MAX, &v) || (pr->region = (uint32_t)v, 0) ||
	    bb_results_u64(fl[4], 1ull << 62, &pr->page) || pr->page < 4096 || (pr->page & (pr->page - 1)) ||
	    bb_results_u64(fl[5], UINT64_MAX, &pr->off) || bb_results_u64(fl[6], UINT64_MAX, &pr->size) ||
	    !pr->size || pr->off + pr->size < pr->off)
		return bb_diag_set(d, -EINVAL, "%s:%u: region, page_size, offset or size is not a number in range",
				   path, lineno);
	return 0;
}

/*
 * DIR/@file read by read_rows; with @header its first line must be that
 * (and not a NUL byte in the file), without the first line is @row's.
 */
static int read_csv(const char *dir, const char *file, const char *header, size_t first,
		    int (*row)(const char *path, unsigned lineno, char *line, void *out, struct bb_diag *d),
		    size_t size, void **out, size_t *n, struct bb_diag *d)
{
	char path[4096], *buf;
	size_t len, hl = header ? strlen(header) : 0;
	int err;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	err = bb_results_read(path, BB_RESULTS_MAX_FILE, &buf, &len, d);
	if (err)
		return err;
	if (header && (strlen(buf) != len || strncmp(buf, header, hl)))
		err = bb_diag_set(d, -EINVAL, "%s:1: not the header of %s (or a NUL byte)", path, file);
	else if (strlen(buf) != len)
		err = bb_diag_set(d, -EINVAL, "%s: a NUL byte at byte %zu", path, strlen(buf));
	else
		err = read_rows(path, buf + hl, header ? 1 : 0, size, first, row, out, n, d);
	free(buf);
	return err;
}

/* plans.csv, read strictly (hostile input: every field checked, file:line); -ENOENT when there is none. */
int bb_rep_read_plans(const char *dir, struct plan_row **out, size_t *n, struct bb_diag *d)
{
	void *v;
	int err = read_csv(dir, "plans.csv", "device,region,policy,params,page_size,offset,size,mode\n", 256,
			   plan_row_read, sizeof(**out), &v, n, d);

	*out = v;
	return err;
}

static int cmp_plan_idx(const void *ctx, size_t a, size_t b)
{
	const struct plan_row *x = (const struct plan_row *)ctx + a, *y = (const struct plan_row *)ctx + b;
	int r = strcmp(x->device, y->device);

	if (r)
		return r;
	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	return x->page < y->page ? -1 : x->page > y->page;
}

void bb_rep_plan_groups_free(struct plan_groups *g)
{
	free(g->rows);
	free(g->start);
	free(g->first);
	memset(g, 0, sizeof(*g));
}

int bb_rep_plan_groups(const struct plan_row *pl, size_t npl, struct plan_groups *g, uint64_t *compared)
{
	size_t *idx = calloc(npl + 1, sizeof(*idx)), *at = calloc(npl + 1, sizeof(*at));
	size_t *len = calloc(npl + 1, sizeof(*len)), k = 0;
	uint64_t cmps = 0;
	int err = -ENOMEM;

	memset(g, 0, sizeof(*g));
	g->rows = calloc(npl + 1, sizeof(*g->rows));
	g->start = calloc(npl + 2, sizeof(*g->start));
	g->first = calloc(npl + 1, sizeof(*g->first));
	if (!idx || !at || !len || !g->rows || !g->start || !g->first)
		goto out;
	for (size_t i = 0; i < npl; i++)
		idx[i] = i;
	/* stable: a group's first row in sorted order is its first in the file */
	if (bb_sort_indices(idx, npl, cmp_plan_idx, pl, &cmps))
		goto out;
	/* a group's first row: at = where the group starts in idx, plus 1 (0: not a first row), len = its rows */
	for (size_t s = 1, gs = 0; s <= npl; s++) {
		if (s < npl) {
			cmps++;
			if (!cmp_plan_idx(pl, idx[s - 1], idx[s]))
				continue;
		}
		at[idx[gs]] = gs + 1;
		len[idx[gs]] = s - gs;
		gs = s;
	}
	for (size_t i = 0; i < npl; i++) {
		if (!at[i])
			continue;
		g->first[g->n] = i;
		g->start[g->n++] = k;
		for (size_t s = at[i] - 1; s < at[i] - 1 + len[i]; s++)
			g->rows[k++] = pl[idx[s]];
	}
	g->start[g->n] = k;
	err = 0;
out:
	free(idx);
	free(at);
	free(len);
	if (err)
		bb_rep_plan_groups_free(g);
	if (compared)
		*compared += cmps;
	return err;
}

static int adv_row_read(const char *path, unsigned lineno, char *line, void *out, struct bb_diag *d)
{
	struct adv_row *a = out;
	char *fl[14];
	size_t bad;
	uint64_t v[4];

	if (lineno == 1 && !strncmp(line, "layout,", 7))
		return 1;	/* the header */
	memset(a, 0, sizeof(*a));
	if (bb_csv_split(line, fl, 14) != 13 || !bb_results_text_ok(BB_TEXT_NAME, fl[0], sizeof(a->layout), &bad) ||
	    !bb_results_text_ok(BB_TEXT_NAME, fl[2], sizeof(a->change), &bad) ||
	    !bb_results_text_ok(BB_TEXT_NAME, fl[4], sizeof(a->policy), &bad) ||
	    bb_results_u64(fl[1], UINT32_MAX, &v[0]) || bb_results_u64(fl[3], 1ull << 62, &a->page) ||
	    a->page < 4096 || (a->page & (a->page - 1)) || bb_results_double(fl[5], &a->pb) ||
	    bb_results_double(fl[6], &a->pa) || bb_results_double(fl[7], &a->pg) || bb_results_double(fl[8], &a->mb) ||
	    bb_results_double(fl[9], &a->ma) || bb_results_double(fl[10], &a->mg) ||
	    bb_results_u64(fl[11], UINT32_MAX, &v[1]) || bb_results_u64(fl[12], UINT32_MAX, &v[2]))
		return bb_diag_set(d, -EINVAL, "%s:%u: not a row of advise.csv (13 fields: names of A-Z a-z 0-9 . _ + -, "
				   "decimal numbers)", path, lineno);
	strcpy(a->layout, fl[0]);
	strcpy(a->change, fl[2]);
	strcpy(a->policy, fl[4]);
	a->sb = (uint32_t)v[1];
	a->sa = (uint32_t)v[2];
	return 0;
}

/* advise.csv (the study's merge of `barbench advise`), strictly; -ENOENT when there is none. */
int bb_rep_read_advise(const char *dir, struct adv_row **out, size_t *n, struct bb_diag *d)
{
	void *v;
	int err = read_csv(dir, "advise.csv", NULL, 64, adv_row_read, sizeof(**out), &v, n, d);

	*out = v;
	return err;
}

/* The best row (largest predicted gain) of each (layout, change). */
size_t bb_rep_advise_best(const struct adv_row *a, size_t n, size_t *best, size_t max)
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

/* A row of runs.csv with its samples file's name, to visit each file once (bb_rep_find_missing). */
struct rec_group {
	char group[160];
	unsigned folder;
	size_t i;
};

static int cmp_rec_group(const void *x, const void *y)
{
	const struct rec_group *a = x, *b = y;
	int c = (a->folder > b->folder) - (a->folder < b->folder);

	return c ? c : strcmp(a->group, b->group);
}

/*
 * Every run of runs.csv without a samples file, counted and the first named
 * (a symlink counts as there).  The rows are visited by samples file
 * (folder, group), so each file is inflated once whatever the order of the
 * rows: in runs.csv order, rows whose ids alternate between two large
 * files inflated one of them again for every row (100 rows of a 78 KB
 * folder: 12 s).
 */
int bb_rep_find_missing(struct rep *r)
{
	struct rec_group *by = calloc(r->recs.n ? r->recs.n : 1, sizeof(*by));
	bool *has = calloc(r->recs.n ? r->recs.n : 1, sizeof(*has));
	int err = 0;

	if (!by || !has) {
		free(by);
		free(has);
		return bb_diag_set(r->d, -ENOMEM, "report: out of memory");
	}
	for (size_t i = 0; i < r->recs.n; i++) {
		by[i].folder = r->recs.v[i].folder;
		by[i].i = i;
		bb_samples_group(r->recs.v[i].id, by[i].group, sizeof(by[i].group));
	}
	qsort(by, r->recs.n, sizeof(*by), cmp_rec_group);
	for (size_t k = 0; !err && k < r->recs.n; k++) {
		const struct bb_rec *rec = &r->recs.v[by[k].i];

		err = group_load(r, rec->folder, rec->id);
		/* a samples file that is there is read whole and strictly, figures or not */
		if (err && err != -ENOENT) {
			bb_diag_set(r->d, err, "%s", r->sgroup_msg);
			break;
		}
		has[by[k].i] = !err && group_find(r, rec->id);
		err = 0;
	}
	free(by);
	r->sfirst_done = true;
	for (size_t i = 0; !err && i < r->recs.n; i++) {
		char path[4096];
		struct stat sb;

		if (has[i])
			continue;
		snprintf(path, sizeof(path), "%s/samples/%s.csv.gz", r->dirs[r->recs.v[i].folder], r->recs.v[i].id);
		if (!lstat(path, &sb) || errno != ENOENT)
			continue;
		snprintf(path, sizeof(path), "%s/samples/%s.csv", r->dirs[r->recs.v[i].folder], r->recs.v[i].id);
		if (!lstat(path, &sb) || errno != ENOENT)
			continue;
		if (r->nmissing < 5) {
			size_t n = strlen(r->missing);

			snprintf(r->missing + n, sizeof(r->missing) - n, "%s`%s`", n ? ", " : "", r->recs.v[i].id);
		}
		r->nmissing++;
	}
	free(has);
	return err;
}
