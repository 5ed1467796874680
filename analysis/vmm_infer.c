// SPDX-License-Identifier: MIT
/*
 * What a VMM did with each page (vmm_infer.h): the classes of a sweep, sweep
 * files and trap logs read back as hostile input, the comparison with every
 * built-in policy's plan, and the page-map figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"
#include "barbench/policy.h"
#include "barbench/region.h"
#include "manifest.h"
#include "parse.h"
#include "vmm_infer.h"

#define MAX_SWEEP_FILE (4u << 20)
#define MAX_LOG_FILE (8u << 20)
#define MAX_REGION 1023u

#define SWEEP_HEADER \
	"device,layout,region,page,offset,width,samples,batch,reads,p50_ns,min_ns,p90_ns,resolution_ns,path,value,expected"

const char *bb_vmm_class_name(enum bb_vmm_class c)
{
	static const char *const names[] = {
		[BB_VMM_UNPROBED] = "unprobed", [BB_VMM_ALIKE] = "alike", [BB_VMM_MAPPED] = "mapped",
		[BB_VMM_EMULATED] = "emulated", [BB_VMM_TRAPPED] = "trapped", [BB_VMM_FORWARDED] = "forwarded",
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* ---- the rule ---- */

static double timed(const struct bb_vmm_row *r)
{
	double floor_ns = r->resolution_ns > 0 ? r->resolution_ns : 0.01;

	return r->p50_ns > floor_ns ? r->p50_ns : floor_ns;
}

unsigned long long bb_vmm_comparisons;

struct timed_ix {
	double t;
	size_t i;
};

/* by time, then by row (a stable order whatever qsort does) */
static int cmp_time(const void *a, const void *b)
{
	const struct timed_ix *x = a, *y = b;

	bb_vmm_comparisons++;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* @ix (@n row indexes) sorted by time: n log n, a sweep file holds 65,536 pages; false when out of memory */
static bool sort_by_time(size_t *ix, size_t n, struct bb_vmm_row *rows)
{
	struct timed_ix *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return false;
	for (size_t k = 0; k < n; k++)
		v[k] = (struct timed_ix){ timed(&rows[ix[k]]), ix[k] };
	qsort(v, n, sizeof(*v), cmp_time);
	for (size_t k = 0; k < n; k++)
		ix[k] = v[k].i;
	free(v);
	return true;
}

void bb_vmm_classify(struct bb_vmm_row *rows, size_t n, struct bb_vmm_rule *rule)
{
	size_t *ix = malloc((n ? n : 1) * sizeof(*ix)), m = 0, lo_end, hi_start;
	unsigned classes = 1;

	memset(rule, 0, sizeof(*rule));
	for (size_t i = 0; i < n; i++)
		rows[i].cls = rows[i].probed ? BB_VMM_ALIKE : BB_VMM_UNPROBED;
	if (!ix)
		return;
	for (size_t i = 0; i < n; i++)
		if (rows[i].probed)
			ix[m++] = i;
	if (!m) {
		free(ix);
		return;
	}
	if (!sort_by_time(ix, m, rows)) {	/* out of memory: every page alike, as without ix */
		free(ix);
		return;
	}
	lo_end = m;	/* first index past the fastest class */
	hi_start = 0;	/* first index of the slowest class */
	/*
	 * Each page against the fastest of its class, not against the page
	 * before it: a chain of steps each under 10x (5 ns, 50 ns, 300 ns: a
	 * TCG guest's mapped page whose TLB entry another page keeps evicting)
	 * must not merge a mapped and an emulated page.
	 */
	for (size_t k = 1, first = 0; k < m; k++) {
		double a = timed(&rows[ix[first]]), b = timed(&rows[ix[k]]);

		if (b > BB_VMM_GAP * a) {
			classes++;
			if (lo_end == m)
				lo_end = k;
			hi_start = k;
			first = k;
			rule->gap = b / a;
		}
	}
	rule->classes = classes;
	rule->mapped_hi_ns = timed(&rows[ix[(lo_end == m ? m : lo_end) - 1]]);
	rule->trapped_lo_ns = timed(&rows[ix[hi_start]]);
	if (classes > 1)
		for (size_t k = 0; k < m; k++)
			rows[ix[k]].cls = k < lo_end ? BB_VMM_MAPPED : k >= hi_start ? BB_VMM_TRAPPED : BB_VMM_EMULATED;
	free(ix);
}

/* ---- sweep files ---- */

void bb_vmm_sweep_write(FILE *f, const char *note, const struct bb_vmm_row *rows, size_t n)
{
	fprintf(f, "# barbench vmm sweep: ");
	for (const char *p = note; p && *p; p++)
		fputc((unsigned char)*p < 0x20 ? ' ' : *p, f);
	fprintf(f, "\n%s\n", SWEEP_HEADER);
	for (size_t i = 0; i < n; i++) {
		const struct bb_vmm_row *r = &rows[i];

		bb_csv_field(f, r->device);
		fprintf(f, ",%s,%" PRIu32 ",%" PRIu64 ",", r->layout, r->region, r->page);
		if (r->probed)
			fprintf(f, "%" PRIu64 ",%u,%zu,%u,%" PRIu64 ",%.3f,%.3f,%.3f,%.4f,%s,", r->offset, r->width, r->samples,
				r->batch, r->reads, r->p50_ns, r->min_ns, r->p90_ns, r->resolution_ns, r->path);
		else
			fprintf(f, ",,0,0,0,,,,,,");
		if (r->has_value)
			fprintf(f, "0x%" PRIx64, r->value);
		fputc(',', f);
		if (r->has_expected)
			fprintf(f, "0x%" PRIx64, r->expected);
		fputc('\n', f);
	}
}

/* "0x" and 1 to 16 hex digits, whole. */
static int hex_u64(const char *s, uint64_t *v)
{
	size_t n = strlen(s);

	if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x' || strspn(s + 2, "0123456789abcdef") != n - 2)
		return -EINVAL;
	*v = strtoull(s + 2, NULL, 16);
	return 0;
}

struct reader {
	const char *path;
	unsigned line;
	struct bb_diag *d;
};

/* -EINVAL with "FILE:LINE: message" */
#define bad(r, ...) bb_diag_at((r)->d, (r)->path, (r)->line, __VA_ARGS__)

/* The next line of @buf at *@pos into a NUL-terminated copy; 1 when there is none, <0 on a bad line. */
static int next_line(const struct reader *r, const char *buf, size_t len, size_t *pos, char *dst, size_t size)
{
	const char *nl;
	size_t n;

	if (*pos >= len)
		return 1;
	nl = memchr(buf + *pos, '\n', len - *pos);
	if (!nl)
		return bad(r, "the last line has no end (a file cut short?)");
	n = (size_t)(nl - (buf + *pos));
	if (n >= size)
		return bad(r, "a line of more than %zu bytes", size - 1);
	if (memchr(buf + *pos, '\0', n))
		return bad(r, "a NUL byte");
	memcpy(dst, buf + *pos, n);
	dst[n] = '\0';
	*pos += n + 1;
	return 0;
}

/* Sort @n rows of @size bytes by @cmp: the index of the first row equal to the one before it, 0 when none is. */
static size_t sort_find_twin(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(v, n, size, cmp);
	for (size_t i = 1; i < n; i++)
		if (!cmp((char *)v + (i - 1) * size, (char *)v + i * size))
			return i;
	return 0;
}

/*
 * A CSV file of barbench's: '#' comments, the header line, then rows of
 * @size bytes each read by @row; sorted by @cmp, and two rows alike (@twin
 * says which) refused.
 */
struct csv_table {
	const char *what;		/* "vmm sweep": in "not the header of a ..." */
	const char *header;
	const char *rows;		/* "pages": in "more than N ..." */
	const char *no_header, *no_rows;	/* the messages for a file without either; no_rows NULL: none is fine */
	size_t max_file, max_rows, line_max, size;
	bool comments_after_header;	/* '#' lines among the rows too, not only before the header */
	int (*row)(const struct reader *rd, char *line, void *out);
	int (*cmp)(const void *a, const void *b);
	int (*twin)(const char *path, const void *a, const void *b, struct bb_diag *d);	/* a before b in the order */
	size_t line_off;		/* where a row keeps the line it was read from (unsigned) */
};

/* The rows of @buf into a malloc'd *@out (*@n of them); *@header: the header was there.  Frees nothing on error. */
static int read_lines(struct reader *rd, const struct csv_table *t, const char *buf, size_t len, void **out,
		      size_t *n, bool *header)
{
	char line[1024];
	size_t pos = 0, cap = 0;
	int err;

	for (;;) {
		rd->line++;
		err = next_line(rd, buf, len, &pos, line, t->line_max);
		if (err == 1)
			return 0;
		if (err)
			return err;
		if (line[0] == '#' && (!*header || t->comments_after_header))
			continue;
		if (!*header) {
			if (strcmp(line, t->header))
				return bad(rd, "not the header of a %s (%s)", t->what, t->header);
			*header = true;
			continue;
		}
		if (*n >= t->max_rows)
			return bad(rd, "more than %zu %s", t->max_rows, t->rows);
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char *nv = realloc(*out, nc * t->size);

			if (!nv)
				return bb_diag_set(rd->d, -ENOMEM, "%s: out of memory", rd->path);
			*out = nv;
			cap = nc;
		}
		err = t->row(rd, line, (char *)*out + *n * t->size);
		if (err)
			return err;
		memcpy((char *)*out + *n * t->size + t->line_off, &rd->line, sizeof(unsigned));
		(*n)++;
	}
}

static int parse_table(const struct csv_table *t, const char *buf, size_t len, const char *path, void **out,
		       size_t *n, struct bb_diag *d)
{
	struct reader rd = { .path = path, .d = d };
	bool header = false;
	size_t i;
	int err;

	*out = NULL;
	*n = 0;
	err = read_lines(&rd, t, buf, len, out, n, &header);
	if (!err && !header)
		err = bb_diag_set(d, -EINVAL, "%s: %s", path, t->no_header);
	else if (!err && !*n && t->no_rows)
		err = bb_diag_set(d, -EINVAL, "%s: %s", path, t->no_rows);
	if (!err && (i = sort_find_twin(*out, *n, t->size, t->cmp)))
		err = t->twin(path, (char *)*out + (i - 1) * t->size, (char *)*out + i * t->size, d);
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}

static int read_table(const struct csv_table *t, const char *path, void **out, size_t *n, struct bb_diag *d)
{
	char *buf;
	size_t len;
	int err = bb_results_read(path, t->max_file, &buf, &len, d);

	*out = NULL;
	*n = 0;
	if (err)
		return err;
	err = parse_table(t, buf, len, path, out, n, d);
	free(buf);
	return err;
}

static int num_field(const struct reader *r, const char *name, const char *s, uint64_t max, uint64_t *v)
{
	int err = bb_results_u64(s, max, v);

	return err ? bad(r, "%s '%.30s' is not a whole number up to %" PRIu64, name, s, max) : 0;
}

static int ns_field(const struct reader *r, const char *name, const char *s, double *v)
{
	if (bb_results_double(s, v) || *v < 0)
		return bad(r, "%s '%.30s' is not a time in ns", name, s);
	return 0;
}

/* One probed page's measured fields (offset .. path), checked against its page. */
static int sweep_probe(const struct reader *rd, char **f, struct bb_vmm_row *r)
{
	uint64_t v;
	int err;

	r->probed = true;
	if ((err = num_field(rd, "offset", f[4], UINT64_MAX, &r->offset)))
		return err;
	if ((err = num_field(rd, "width", f[5], 8, &v)))
		return err;
	r->width = (unsigned)v;
	if ((r->width != 1 && r->width != 2 && r->width != 4 && r->width != 8) || r->offset % r->width)
		return bad(rd, "width %u at offset 0x%" PRIx64 ": want an aligned 1, 2, 4 or 8", r->width, r->offset);
	if (r->offset < r->page || r->offset - r->page >= BB_VMM_SWEEP_PAGE)
		return bad(rd, "offset 0x%" PRIx64 " is not in page 0x%" PRIx64, r->offset, r->page);
	if ((err = num_field(rd, "samples", f[6], 1000000000, &v)))
		return err;
	r->samples = (size_t)v;
	if ((err = num_field(rd, "batch", f[7], 1u << 20, &v)))
		return err;
	r->batch = (unsigned)v;
	if (!r->samples || !r->batch)
		return bad(rd, "a probed page with %zu samples of %u reads", r->samples, r->batch);
	if ((err = num_field(rd, "reads", f[8], UINT64_MAX, &r->reads)))
		return err;
	if (r->reads / r->batch < r->samples)
		return bad(rd, "%" PRIu64 " reads, fewer than %zu samples of %u", r->reads, r->samples, r->batch);
	if ((err = ns_field(rd, "p50_ns", f[9], &r->p50_ns)) || (err = ns_field(rd, "min_ns", f[10], &r->min_ns)) ||
	    (err = ns_field(rd, "p90_ns", f[11], &r->p90_ns)) || (err = ns_field(rd, "resolution_ns", f[12], &r->resolution_ns)))
		return err;
	if (strcmp(f[13], "map") && strcmp(f[13], "trap"))
		return bad(rd, "path '%.20s': want map or trap", f[13]);
	strcpy(r->path, f[13]);
	return 0;
}

static int sweep_row(const struct reader *rd, char *line, void *out)
{
	struct bb_vmm_row *r = out;
	char *f[17];
	uint64_t v;
	size_t badat;
	int err;

	memset(r, 0, sizeof(*r));
	if (bb_csv_split(line, f, 17) != 16)
		return bad(rd, "want 16 fields");
	if (!bb_results_text_ok(BB_TEXT_PATH, f[0], sizeof(r->device), &badat))
		return bad(rd, "device: not a device spec barbench writes");
	if (!bb_results_text_ok(BB_TEXT_NAME, f[1], sizeof(r->layout), &badat))
		return bad(rd, "layout: not a layout name");
	strcpy(r->device, f[0]);
	strcpy(r->layout, f[1]);
	if ((err = num_field(rd, "region", f[2], MAX_REGION, &v)))
		return err;
	r->region = (uint32_t)v;
	if ((err = num_field(rd, "page", f[3], UINT64_MAX - BB_VMM_SWEEP_PAGE, &r->page)))
		return err;
	if (r->page % BB_VMM_SWEEP_PAGE)
		return bad(rd, "page 0x%" PRIx64 " is not a multiple of 4 KiB", r->page);
	if (f[4][0]) {
		if ((err = sweep_probe(rd, f, r)))
			return err;
	} else if (f[5][0] || strcmp(f[6], "0") || strcmp(f[7], "0") || strcmp(f[8], "0") || f[9][0] || f[10][0] ||
		   f[11][0] || f[12][0] || f[13][0] || f[14][0]) {
		return bad(rd, "an unprobed page (no offset) with measurements");
	}
	if (f[14][0] && hex_u64(f[14], &r->value))
		return bad(rd, "value '%.30s': want 0x and hex digits", f[14]);
	r->has_value = f[14][0];
	if (f[15][0] && hex_u64(f[15], &r->expected))
		return bad(rd, "expected '%.30s': want 0x and hex digits", f[15]);
	r->has_expected = f[15][0];
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct bb_vmm_row *x = a, *y = b;
	int c = strcmp(x->device, y->device);

	if (c)
		return c;
	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	return x->page < y->page ? -1 : x->page > y->page;
}

/* The later of the two lines names the file's position, the earlier is "first at". */
static unsigned later(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

static unsigned earlier(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static int sweep_twin(const char *path, const void *x, const void *y, struct bb_diag *d)
{
	const struct bb_vmm_row *a = x, *b = y;

	return bb_diag_set(d, -EINVAL, "%s:%u: page 0x%" PRIx64 " of region %" PRIu32 " of %s twice (first at line %u)",
			   path, later(a->line, b->line), b->page, b->region, b->device, earlier(a->line, b->line));
}

static const struct csv_table sweep_table = {
	.what = "vmm sweep", .header = SWEEP_HEADER, .rows = "pages", .no_header = "no header", .no_rows = "no pages",
	.max_file = MAX_SWEEP_FILE, .max_rows = BB_VMM_MAX_ROWS, .line_max = 1024, .size = sizeof(struct bb_vmm_row),
	.comments_after_header = true, .row = sweep_row, .cmp = cmp_row, .twin = sweep_twin,
	.line_off = offsetof(struct bb_vmm_row, line),
};

int bb_vmm_sweep_parse(const char *buf, size_t len, const char *path, struct bb_vmm_row **rows, size_t *n,
		       struct bb_diag *d)
{
	void *v;
	int err = parse_table(&sweep_table, buf, len, path, &v, n, d);

	*rows = v;
	return err;
}

int bb_vmm_sweep_read(const char *path, struct bb_vmm_row **rows, size_t *n, struct bb_diag *d)
{
	void *v;
	int err = read_table(&sweep_table, path, &v, n, d);

	*rows = v;
	return err;
}

/* ---- trap logs ---- */

static int log_row(const struct reader *rd, char *line, void *out)
{
	struct bb_trap_entry *e = out;
	char *f[8];
	uint64_t v;
	int err;

	if (bb_csv_split(line, f, 8) != 6)
		return bad(rd, "want 6 fields (%s)", BB_TRAPLOG_HEADER);
	if ((err = num_field(rd, "region", f[0], MAX_REGION, &v)))
		return err;
	e->region = (uint32_t)v;
	if (hex_u64(f[1], &e->offset))
		return bad(rd, "offset '%.30s': want 0x and hex digits", f[1]);
	if ((err = num_field(rd, "width", f[2], 64u << 20, &v)))
		return err;
	e->width = (unsigned)v;
	if (!e->width || e->offset + e->width < e->offset)
		return bad(rd, "width %u at offset 0x%" PRIx64, e->width, e->offset);
	if (strcmp(f[3], "read") && strcmp(f[3], "write"))
		return bad(rd, "op '%.20s': want read or write", f[3]);
	e->write = !strcmp(f[3], "write");
	if ((err = num_field(rd, "count", f[4], UINT64_MAX, &e->count)) ||
	    (err = num_field(rd, "total_ns", f[5], UINT64_MAX, &e->total_ns)))
		return err;
	if (!e->count)
		return bad(rd, "count 0: a row is an access that happened");
	return 0;
}

static int log_twin(const char *path, const void *x, const void *y, struct bb_diag *d)
{
	const struct bb_trap_entry *a = x, *e = y;

	return bb_diag_set(d, -EINVAL, "%s:%u: region %" PRIu32 " offset 0x%" PRIx64 " width %u %s twice (first at line "
			   "%u)", path, later(a->line, e->line), e->region, e->offset, e->width, e->write ? "write" : "read",
			   earlier(a->line, e->line));
}

static const struct csv_table log_table = {
	.what = "trap log", .header = BB_TRAPLOG_HEADER, .rows = "rows", .no_header = "no header (" BB_TRAPLOG_HEADER ")",
	.max_file = MAX_LOG_FILE, .max_rows = BB_TRAPLOG_MAX_KEYS, .line_max = 512, .size = sizeof(struct bb_trap_entry),
	.row = log_row, .cmp = bb_trap_entry_cmp, .twin = log_twin, .line_off = offsetof(struct bb_trap_entry, line),
};

/*
 * The counts of @n rows add up within 64 bits: the sums of a page and of
 * what fell outside the sweep are made of them (two rows of 2^63 in one page
 * wrapped to 0: a forwarded page read as never counted).  On error @e is freed.
 */
static int counts_fit(const char *path, struct bb_trap_entry **e, size_t *n, struct bb_diag *d)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < *n; i++) {
		if ((*e)[i].count > UINT64_MAX - sum) {
			int err = bb_diag_set(d, -EINVAL, "%s:%u: count %" PRIu64 ": the counts add up past 2^64 (no server"
					      " counts so many accesses)", path, (*e)[i].line, (*e)[i].count);

			free(*e);
			*e = NULL;
			*n = 0;
			return err;
		}
		sum += (*e)[i].count;
	}
	return 0;
}

int bb_traplog_parse(const char *buf, size_t len, const char *path, struct bb_trap_entry **out, size_t *n,
		     struct bb_diag *d)
{
	void *v;
	int err = parse_table(&log_table, buf, len, path, &v, n, d);

	*out = v;
	return err ? err : counts_fit(path, out, n, d);
}

int bb_traplog_read(const char *path, struct bb_trap_entry **out, size_t *n, struct bb_diag *d)
{
	void *v;
	int err = read_table(&log_table, path, &v, n, d);

	*out = v;
	return err ? err : counts_fit(path, out, n, d);
}

/* ---- the comparison ---- */

static bool of_layout(const struct bb_vmm_row *r, const struct bb_layout *l)
{
	return !strcmp(r->layout, l->name);
}

static const struct bb_vmm_row *key_rows;

/* rows by (region, page), then by row: the first row of a page first */
static int cmp_page(const void *a, const void *b)
{
	const struct bb_vmm_row *x = &key_rows[*(const size_t *)a], *y = &key_rows[*(const size_t *)b];

	bb_vmm_comparisons++;
	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	if (x->page != y->page)
		return x->page < y->page ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : *(const size_t *)a > *(const size_t *)b;
}

/*
 * Count the log into the rows of @l (into the first probed row of the page
 * an entry falls in); what fell nowhere in *@other.  The probed rows sorted
 * once and searched per entry: n log n, both files may hold 65,536 lines.
 */
static void count_log(const struct bb_layout *l, struct bb_vmm_row *rows, size_t n, const struct bb_trap_entry *log,
		      size_t nlog, uint64_t *other)
{
	size_t *ix = malloc((n ? n : 1) * sizeof(*ix)), m = 0;

	*other = 0;
	for (size_t i = 0; ix && i < n; i++)
		if (of_layout(&rows[i], l) && rows[i].probed)
			ix[m++] = i;
	key_rows = rows;
	if (ix)
		qsort(ix, m, sizeof(*ix), cmp_page);
	for (size_t k = 0; k < nlog; k++) {
		uint64_t page = log[k].offset - log[k].offset % BB_VMM_SWEEP_PAGE;
		size_t lo = 0, hi = m;

		while (lo < hi) {	/* the first row not below (region, page) */
			size_t mid = lo + (hi - lo) / 2;
			const struct bb_vmm_row *r = &rows[ix[mid]];

			bb_vmm_comparisons++;
			if (r->region < log[k].region || (r->region == log[k].region && r->page < page))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < m && rows[ix[lo]].region == log[k].region && rows[ix[lo]].page == page)
			rows[ix[lo]].counted += log[k].count;
		else
			*other += log[k].count;
	}
	free(ix);
}

/* The timing classes against the trap log, then the classes refined by it. */
static void check_log(const struct bb_layout *l, struct bb_vmm_row *rows, size_t n, struct bb_vmm_verdict *v)
{
	for (size_t i = 0; i < n; i++) {
		struct bb_vmm_row *r = &rows[i];
		bool slow;

		if (!of_layout(r, l) || !r->probed)
			continue;
		slow = r->cls == BB_VMM_TRAPPED;
		v->slow += slow;
		v->counted += r->counted > 0;
		v->slow_not_counted += slow && !r->counted;
		v->counted_not_slow += !slow && r->counted;
		if (!v->have_log)
			continue;
		if ((r->cls == BB_VMM_TRAPPED || r->cls == BB_VMM_EMULATED) && r->counted) {
			r->cls = BB_VMM_FORWARDED;
			v->reads_differ += r->counted != r->reads;
		}
		else if (r->cls == BB_VMM_TRAPPED)
			r->cls = BB_VMM_EMULATED;
	}
}

/* -1 unknown, 0 trap, 1 map: the VMM's mode of a page. */
static int vmm_mode(const struct bb_vmm_row *r)
{
	switch (r->cls) {
	case BB_VMM_MAPPED: return 1;
	case BB_VMM_EMULATED:
	case BB_VMM_TRAPPED:
	case BB_VMM_FORWARDED: return 0;
	default: return -1;
	}
}

/* Policy @p (bit @bit) on every region of @l that rows hold: marks pol_map/pol_known; applicability into @pol. */
static int plan_policy(const struct bb_layout *l, const struct bb_policy_ops *ops, unsigned bit, struct bb_vmm_row *rows,
		       size_t n, uint64_t page_size, struct bb_vmm_pol *pol, struct bb_diag *d)
{
	snprintf(pol->name, sizeof(pol->name), "%s", ops->name);
	pol->applicable = true;
	for (uint32_t k = 0; k < l->nr_regions; k++) {
		const struct bb_layout_region *lr = &l->regions[k];
		struct bb_policy_ctx ctx = { .page_size = page_size };
		struct bb_range mt[2];
		struct bb_region reg;
		struct bb_plan plan;
		uint8_t *buf;
		size_t len;
		bool any = false;
		int err;

		for (size_t i = 0; i < n && !any; i++)
			any = of_layout(&rows[i], l) && rows[i].region == lr->info.index;
		if (!any)
			continue;
		err = bb_region_encode(&lr->info, &buf, &len, d);
		if (err)
			return err;
		err = bb_region_parse(buf, len, l->name, &reg, d);
		free(buf);
		if (err)
			return err;
		ctx.nr_must_trap = bb_layout_must_trap(l, lr->info.index, mt);
		ctx.must_trap = mt;
		err = bb_policy_run(ops, &reg, &ctx, &plan, d);
		bb_region_free(&reg);
		if (err)
			return err;
		if (!plan.applicable) {
			if (pol->applicable)
				snprintf(pol->why, sizeof(pol->why), "region %" PRIu32 ": %s", lr->info.index, plan.reason);
			pol->applicable = false;
		}
		for (size_t i = 0; i < n && plan.applicable; i++) {
			struct bb_vmm_row *r = &rows[i];

			if (!of_layout(r, l) || r->region != lr->info.index)
				continue;
			r->pol_known |= 1u << bit;
			if (bb_plan_mode_at(&plan, r->probed ? r->offset : r->page) == BB_WIN_MAP)
				r->pol_map |= 1u << bit;
		}
		bb_plan_free(&plan);
	}
	return 0;
}

int bb_vmm_infer(const struct bb_layout *l, struct bb_vmm_row *rows, size_t n, const struct bb_trap_entry *log,
		 size_t nlog, bool have_log, uint64_t page_size, struct bb_vmm_verdict *out, struct bb_diag *d)
{
	struct bb_registry reg;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->match = out->closest = -1;
	out->have_log = have_log;
	for (size_t i = 0; i < n; i++)
		if (of_layout(&rows[i], l)) {
			rows[i].counted = 0;
			rows[i].pol_map = rows[i].pol_known = 0;
		}
	if (have_log)
		count_log(l, rows, n, log, nlog, &out->log_other);
	check_log(l, rows, n, out);
	bb_registry_init(&reg);
	for (unsigned p = 0; p < reg.n && p < BB_VMM_MAX_POLICIES && !err; p++, out->npol++)
		err = plan_policy(l, reg.ops[p], p, rows, n, page_size, &out->pol[p], d);
	bb_registry_free(&reg);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const struct bb_vmm_row *r = &rows[i];
		int m = vmm_mode(r);

		if (!of_layout(r, l))
			continue;
		out->bad_values += r->has_value && r->has_expected && r->value != r->expected;
		if (m < 0 || !r->pol_known)
			continue;
		out->known++;
		out->mapped += m == 1;
		out->trapped += m == 0;
		for (unsigned p = 0; p < out->npol; p++)
			if ((r->pol_known >> p & 1) && (int)(r->pol_map >> p & 1) != m)
				out->pol[p].differ++;
	}
	for (unsigned p = 0; p < out->npol && out->known; p++) {
		if (!out->pol[p].applicable)
			continue;
		if (out->match < 0 && !out->pol[p].differ)
			out->match = (int)p;
		if (out->closest < 0 || out->pol[p].differ < out->pol[out->closest].differ)
			out->closest = (int)p;
	}
	return 0;
}

/* ---- what goes into the folder ---- */

struct table_arg {
	const struct bb_layout *l;
	const struct bb_vmm_row *rows;
	size_t n;
	const struct bb_vmm_verdict *v;
};

static int write_table(FILE *f, void *arg)
{
	const struct table_arg *a = arg;

	fprintf(f, "device,region,page,offset,p50_ns,class,counted,vmm");
	for (unsigned p = 0; p < a->v->npol; p++)
		fprintf(f, ",%s", a->v->pol[p].name);
	fputc('\n', f);
	for (size_t i = 0; i < a->n; i++) {
		const struct bb_vmm_row *r = &a->rows[i];
		int m = vmm_mode(r);

		if (!of_layout(r, a->l))
			continue;
		bb_csv_field(f, r->device);
		fprintf(f, ",%" PRIu32 ",%" PRIu64 ",", r->region, r->page);
		if (r->probed)
			fprintf(f, "%" PRIu64 ",%.3f", r->offset, r->p50_ns);
		else
			fputc(',', f);
		fprintf(f, ",%s,%" PRIu64 ",%s", bb_vmm_class_name(r->cls), r->counted, m < 0 ? "" : m ? "map" : "trap");
		for (unsigned p = 0; p < a->v->npol; p++)
			fprintf(f, ",%s", !(r->pol_known >> p & 1) ? "" : r->pol_map >> p & 1 ? "map" : "trap");
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

extern const char bb_gp_vmm[];

struct fig_arg {
	const struct bb_layout *l;
	const struct bb_vmm_row *rows;
	size_t n;
	const struct bb_vmm_verdict *v;
	uint32_t region;
};

/* Blocks: 0 mapped, 1 trapped, 2 emulated, 3 must-trap, 4 unknown (windows: row x0 x1); 5 latency (x ns class). */
static int write_fig_data(FILE *f, void *arg)
{
	const struct fig_arg *a = arg;
	struct bb_range mt[2];
	unsigned nmt = bb_layout_must_trap(a->l, a->region, mt);

	for (int blk = 0; blk < 5; blk++) {
		unsigned rows = 0, y = 1;

		for (size_t i = 0; i < a->n; i++) {
			const struct bb_vmm_row *r = &a->rows[i];
			int m = vmm_mode(r);
			int want = m == 1 ? 0 : r->cls == BB_VMM_EMULATED ? 2 : m == 0 ? 1 : 4;

			if (!of_layout(r, a->l) || r->region != a->region || want != blk)
				continue;
			fprintf(f, "0 %.3f %.3f\n", r->page / 1024.0, (r->page + BB_VMM_SWEEP_PAGE) / 1024.0);
			rows++;
		}
		for (unsigned p = 0; p < a->v->npol && blk < 2; p++) {
			if (!a->v->pol[p].applicable)
				continue;
			for (size_t i = 0; i < a->n; i++) {
				const struct bb_vmm_row *r = &a->rows[i];

				if (!of_layout(r, a->l) || r->region != a->region || !(r->pol_known >> p & 1) ||
				    (int)(r->pol_map >> p & 1) != (blk == 0))
					continue;
				fprintf(f, "%u %.3f %.3f\n", y, r->page / 1024.0, (r->page + BB_VMM_SWEEP_PAGE) / 1024.0);
				rows++;
			}
			y++;
		}
		for (unsigned k = 0; k < nmt && blk == 3; k++, rows++)
			fprintf(f, "-1 %.3f %.3f\n", mt[k].offset / 1024.0, (mt[k].offset + mt[k].size) / 1024.0);
		if (!rows)	/* an empty block would shift the indices */
			fprintf(f, "-5 0 0\n");
		fprintf(f, "\n\n");
	}
	{
		unsigned rows = 0;

		for (size_t i = 0; i < a->n; i++) {
			const struct bb_vmm_row *r = &a->rows[i];

			if (!of_layout(r, a->l) || r->region != a->region || !r->probed)
				continue;
			fprintf(f, "%.3f %.4f %d\n", (r->page + BB_VMM_SWEEP_PAGE / 2) / 1024.0, timed(r),
				r->cls == BB_VMM_MAPPED ? 0 : r->cls == BB_VMM_EMULATED ? 2 : r->cls == BB_VMM_ALIKE ? 4 : 1);
			rows++;
		}
		if (!rows)
			fprintf(f, "0 1 4\n");
	}
	return ferror(f) ? -EIO : 0;
}

/* @in as gnuplot single-quoted text: only characters that cannot end the string or the line. */
static void gp_text(char *out, size_t len, const char *in)
{
	size_t k = 0;

	out[k++] = '\'';
	for (; *in && k + 2 < len; in++)
		out[k++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._,:;()%+=/-", *in) ? *in : '_';
	out[k++] = '\'';
	out[k] = '\0';
}

struct script_arg {
	const char *const *keys, *const *vals;
	unsigned nkv;
};

static int write_script(FILE *f, void *arg)
{
	const struct script_arg *a = arg;

	for (const char *p = bb_gp_vmm; *p;) {
		const char *e = *p == '@' ? strchr(p + 1, '@') : NULL;
		unsigned k;

		for (k = 0; e && k < a->nkv; k++)
			if (strlen(a->keys[k]) == (size_t)(e - p - 1) && !strncmp(p + 1, a->keys[k], (size_t)(e - p - 1)))
				break;
		if (e && k < a->nkv) {
			fputs(a->vals[k], f);
			p = e + 1;
		} else {
			fputc(*p++, f);
		}
	}
	return ferror(f) ? -EIO : 0;
}

/*
 * gnuplot NAME.gp in @dir, its picture drawn in a fresh private folder
 * (bb_draw_dir) and renamed into @dir as NAME.png: gnuplot opens its output
 * with fopen, so a name planted in @dir (a symlink) would be written
 * through; a rename replaces it.  Everything happens relative to one
 * descriptor of @dir, so a @dir swapped after it was opened moves nothing.
 * 1 drawn, 0 no gnuplot, <0 an error.
 */
static int draw(const char *dir, const char *name)
{
	char gp[300], priv[64] = "", arg[400], png[300];
	pid_t pid;
	int st, err, dfd, rfd = -1;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	snprintf(gp, sizeof(gp), "%s.gp", name);
	snprintf(png, sizeof(png), "%s.png", name);
	err = bb_draw_dir(dfd, priv, sizeof(priv), &rfd);
	if (err)
		goto out;
	/* priv is ".draw-" and hex digits, name [A-Za-z0-9_.-]: nothing gnuplot reads as code */
	snprintf(arg, sizeof(arg), "png='%s/%s'", priv, png);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (pid == 0) {
		if (fchdir(dfd) || !freopen("/dev/null", "w", stderr))
			_exit(126);
		execlp("gnuplot", "gnuplot", "-e", arg, gp, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		err = -errno;
	else if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
		err = 0;
	else if (WEXITSTATUS(st) || renameat(rfd, png, dfd, png))
		err = -EIO;
	else
		err = 1;
out:
	if (rfd >= 0) {
		unlinkat(rfd, png, 0);
		close(rfd);
	}
	if (priv[0])
		unlinkat(dfd, priv, AT_REMOVEDIR);
	close(dfd);
	return err;
}

static int write_figure(const char *dir, const char *title, const struct bb_layout *l, const struct bb_vmm_row *rows,
			size_t n, const struct bb_vmm_verdict *v, uint32_t region, uint64_t page_size, unsigned *drawn,
			struct bb_diag *d)
{
	struct fig_arg fa = { l, rows, n, v, region };
	char name[128], path[4400], text[400], ttl[420], yt[1600], nrows[16], xmax[32], dat[160];
	static const char *const keys[] = { "OUT", "TITLE", "DAT", "YTICS", "NROWS", "XMAX" };
	const char *vals[6] = { name, ttl, dat, yt, nrows, xmax };
	struct script_arg sa = { keys, vals, 6 };
	const struct bb_layout_region *lr = bb_layout_find_region(l, region);
	unsigned y = 1;
	int err;

	snprintf(name, sizeof(name), "vmm-%s-r%" PRIu32, l->name, region);
	snprintf(dat, sizeof(dat), "%s.dat", name);
	snprintf(path, sizeof(path), "%s/%s", dir, dat);
	if ((err = bb_write_atomic(path, write_fig_data, &fa, d)))
		return err;
	snprintf(yt, sizeof(yt), "'must-trap' -1, 'VMM (measured)' 0");
	for (unsigned p = 0; p < v->npol; p++)
		if (v->pol[p].applicable) {
			size_t k = strlen(yt);

			snprintf(yt + k, sizeof(yt) - k, ", '%s' %u", v->pol[p].name, y++);
		}
	snprintf(nrows, sizeof(nrows), "%u", y);
	snprintf(xmax, sizeof(xmax), "%.3f", (lr ? lr->info.size : BB_VMM_SWEEP_PAGE) / 1024.0);
	snprintf(text, sizeof(text), "%s on %s region %" PRIu32 ", %" PRIu64 " KiB pages: what it maps, measured, beside"
		 " the plans of barbench", title, l->name, region, page_size / 1024);
	gp_text(ttl, sizeof(ttl), text);
	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	if ((err = bb_write_atomic(path, write_script, &sa, d)))
		return err;
	err = draw(dir, name);
	if (err < 0)
		return bb_diag_set(d, err, "%s/%s.gp: gnuplot failed", dir, name);
	*drawn += (unsigned)err;
	return 0;
}

int bb_vmm_write_outputs(const char *dir, const char *title, const struct bb_layout *l, const struct bb_vmm_row *rows,
			 size_t n, const struct bb_vmm_verdict *v, uint64_t page_size, unsigned *drawn,
			 struct bb_diag *d)
{
	struct table_arg ta = { l, rows, n, v };
	char path[4400];
	int err;

	*drawn = 0;
	snprintf(path, sizeof(path), "%s/vmm-%s.csv", dir, l->name);
	if ((err = bb_write_atomic(path, write_table, &ta, d)))
		return err;
	for (uint32_t k = 0; k < l->nr_regions; k++) {
		bool any = false;

		for (size_t i = 0; i < n && !any; i++)
			any = of_layout(&rows[i], l) && rows[i].region == l->regions[k].info.index;
		if (any && (err = write_figure(dir, title, l, rows, n, v, l->regions[k].info.index, page_size, drawn, d)))
			return err;
	}
	return 0;
}
