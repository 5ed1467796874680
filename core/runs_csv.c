// SPDX-License-Identifier: MIT
/*
 * runs.csv: its columns (runs_csv.h, BB_RUNS_COLUMNS), the row writer and
 * the reader, in one file so the two cannot drift apart.  The reader takes
 * hostile input: every field is checked, every message names file:line and
 * the column.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs_csv.h"
#include "parse.h"
#include "barbench/result.h"

#define MAX_FIELDS 64

static const struct {
	const char *name, *old;
	bool need;
} cols[BB_COL_COUNT] = {
#define BB_RUNS_ROW(e, name, old, need) { name, old, need },
	BB_RUNS_COLUMNS(BB_RUNS_ROW)
#undef BB_RUNS_ROW
};

/* The header, from the same table: ",id,device,..." (the first comma skipped). */
#define BB_RUNS_HDR(e, name, old, need) "," name
static const char header[] = BB_RUNS_COLUMNS(BB_RUNS_HDR);
#undef BB_RUNS_HDR

const char *bb_runs_csv_header(void)
{
	return header + 1;
}

const char *bb_runs_col_name(enum bb_runs_col c)
{
	return c < BB_COL_COUNT ? cols[c].name : NULL;
}

const char *bb_runs_col_old_name(enum bb_runs_col c)
{
	return c < BB_COL_COUNT ? cols[c].old : NULL;
}

void bb_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void bb_runs_csv_row(FILE *f, const struct bb_run_row *r)
{
	bb_csv_field(f, r->id);
	fputc(',', f);
	bb_csv_field(f, r->device);
	fprintf(f, ",%" PRIu32 ",", r->region);
	bb_csv_field(f, r->policy);
	fputc(',', f);
	bb_csv_field(f, r->params);
	fprintf(f, ",%" PRIu64 ",", r->page_size);
	bb_csv_field(f, r->runner);
	fputc(',', f);
	bb_csv_field(f, r->workload);
	fprintf(f, ",%s,%u,%zu,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,", r->op, r->width, r->s.n,
		r->s.min, r->s.p50, r->s.p90, r->s.p99, r->s.p999, r->s.max, r->s.mean, r->s.stdev, r->s.ci95_lo,
		r->s.ci95_hi, r->tmean_ns);
	if (r->predicted_ns >= 0)
		fprintf(f, "%.2f", r->predicted_ns);
	fprintf(f, ",%.1f,%.1f,%" PRIu32 ",%" PRIu32 ",%.4f,%.0f,%.0f,", r->ops_s, r->bytes_s, r->mappings,
		r->memslots, r->trapped_share, r->setup_ns, r->touch_ns);
	if (r->pte_kb >= 0)
		fprintf(f, "%ld", r->pte_kb);
	fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%s,%s", r->trap_syscalls, r->accesses, r->guest_exec, r->guest_mode);
	if (r->guest)
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",%.0f", r->exits_mmio,
			r->exits_io, r->exits_other, r->ioeventfd_writes, r->memslots_used, r->vm_setup_ns);
	else
		fputs(",,,,,,", f);
	/* a counter that could not be read is empty, never 0 */
	for (int i = 0; i < BB_CTR_COUNT; i++) {
		fputc(',', f);
		if (r->have_ctr && r->ctr.have[i])
			fprintf(f, "%" PRIu64, r->ctr.value[i]);
	}
	fprintf(f, ",%u,%u,%.3f,%" PRIu64 ",", r->batch_map, r->batch_trap, r->resolution_ns, r->trapped_accesses);
	/* the real device's access time from the layout, empty when it says none (never 0) */
	if (r->device_read_ns)
		fprintf(f, "%" PRIu32, r->device_read_ns);
	fputc(',', f);
	if (r->device_write_ns)
		fprintf(f, "%" PRIu32, r->device_write_ns);
	fprintf(f, ",%u\n", r->repetition);
}


/* Split one CSV line (RFC 4180 quoting) in place; returns the field count or -1. */
int bb_csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *w;

	for (;;) {
		if (n == max)
			return -1;
		if (*p == '"') {
			f[n++] = w = ++p;
			for (;;) {
				if (!*p)
					return -1;
				if (*p == '"' && p[1] == '"') {
					*w++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*w++ = *p++;
				}
			}
			*w = '\0';
			if (*p != ',' && *p)
				return -1;
		} else {
			f[n++] = p;
			p += strcspn(p, ",");
		}
		if (!*p)
			return n;
		*p++ = '\0';
	}
}

void bb_recs_free(struct bb_recs *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->v && i < r->n; i++)
		free(r->v[i].line);
	free(r->v);
	r->v = NULL;
	r->n = 0;
	r->nunknown = 0;
	r->unknown[0] = '\0';
}

/*
 * What a text field of a results folder may hold.  Names (policy, runner,
 * run id) are [A-Za-z0-9._+-]; params add '=' and ';'; a workload may be
 * replay:PATH, so ':' and '/' too; a device spec is a path: any printable
 * byte, never a control character (a newline could not be read back).
 */
static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '+' || c == '-';
}

bool bb_results_text_ok(enum bb_text_kind kind, const char *s, size_t max, size_t *bad)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok;

		switch (kind) {
		case BB_TEXT_NAME:
			ok = name_char(c) && !(i == 0 && c == '.');
			break;
		case BB_TEXT_PARAMS:
			ok = name_char(c) || c == '=' || c == ';';
			break;
		case BB_TEXT_WORKLOAD:
			ok = name_char(c) || c == ':' || c == '/';
			break;
		default:	/* BB_TEXT_PATH */
			ok = c >= 0x20 && c != 0x7f;
			break;
		}
		if (!ok || i + 1 >= max) {
			if (bad)
				*bad = i;
			return false;
		}
	}
	if (bad)
		*bad = i;
	return kind == BB_TEXT_PARAMS || i > 0;
}

/* Strict numbers: the whole field, decimal, within range; doubles finite. */
int bb_results_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int bb_results_double(const char *s, double *out)
{
	char *end;
	double v;

	/* strtod alone takes " 1", "inf", "nan", "0x1p3": none of them is what barbench writes */
	if (!*s || strspn(s, "0123456789.eE+-") != strlen(s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end)
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || fabs(v) > 1e18)
		return -ERANGE;
	*out = v;
	return 0;
}

struct row_ctx {
	const char *path;
	unsigned line;
	struct bb_diag *d;
};

static int bad_num(const struct row_ctx *c, const char *column, const char *v, int err, const char *range)
{
	return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s': '%.40s'%s %s", c->path, c->line, column, v,
			   strlen(v) > 40 ? "..." : "", err == -ERANGE ? range : "is not a number");
}

static int get_u64(const struct row_ctx *c, const char *column, const char *v, uint64_t max, uint64_t *out)
{
	char range[64];
	int err = bb_results_u64(v, max, out);

	snprintf(range, sizeof(range), "is out of range (at most %" PRIu64 ")", max);
	return err ? bad_num(c, column, v, err, range) : 0;
}

static int get_double(const struct row_ctx *c, const char *column, const char *v, double *out)
{
	int err = bb_results_double(v, out);

	return err ? bad_num(c, column, v, err, "is out of range (not a finite number of at most 1e18)") : 0;
}

static int get_text(const struct row_ctx *c, const char *column, const char *v, enum bb_text_kind kind, char *dst,
		    size_t size)
{
	size_t at;

	if (!bb_results_text_ok(kind, v, size, &at)) {
		if (!v[at] && at + 1 < size)
			return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s' is empty", c->path, c->line, column);
		if (at + 1 >= size)
			return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s': longer than %zu bytes", c->path, c->line,
					   column, size - 1);
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s': character 0x%02x at byte %zu is not allowed "
				   "(%s)", c->path, c->line, column, (unsigned char)v[at], at,
				   kind == BB_TEXT_PATH ? "no control characters" :
				   kind == BB_TEXT_PARAMS ? "A-Z a-z 0-9 . _ + - = ;" :
				   kind == BB_TEXT_WORKLOAD ? "A-Z a-z 0-9 . _ + - : /" : "A-Z a-z 0-9 . _ + -, not first .");
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}


/* A row's fields and where each column of the table sits in them (-1: not in this file). */
struct row_in {
	char **fl;
	const int *idx;
	char *const *names;	/* the header's names, as the file spells them */
};

#define NAME(i) (in->names[in->idx[i]])
#define FIELD(i) (in->fl[in->idx[i]])
#define HAVE(i) (in->idx[i] >= 0 && FIELD(i)[0])

/* The identity of a run: names, numbers and the access it timed. */
static int parse_ident(const struct row_ctx *c, const struct row_in *in, struct bb_rec *r)
{
	uint64_t u;
	int err;

#define T(field, i, kind) if ((err = get_text(c, NAME(i), FIELD(i), kind, r->field, sizeof(r->field)))) return err
	T(id, BB_COL_ID, BB_TEXT_NAME);
	T(device, BB_COL_DEVICE, BB_TEXT_PATH);
	if ((err = get_u64(c, NAME(BB_COL_REGION), FIELD(BB_COL_REGION), UINT32_MAX, &u)))
		return err;
	r->region = (uint32_t)u;
	T(policy, BB_COL_POLICY, BB_TEXT_NAME);
	T(params, BB_COL_PARAMS, BB_TEXT_PARAMS);
	if ((err = get_u64(c, NAME(BB_COL_PAGE_SIZE), FIELD(BB_COL_PAGE_SIZE), 1ull << 62, &r->page_size)))
		return err;
	if (r->page_size < 4096 || (r->page_size & (r->page_size - 1)))
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s': %" PRIu64 " is not a power of two >= 4096",
				   c->path, c->line, NAME(BB_COL_PAGE_SIZE), r->page_size);
	T(runner, BB_COL_RUNNER, BB_TEXT_NAME);
	T(workload, BB_COL_WORKLOAD, BB_TEXT_WORKLOAD);
	if (strcmp(FIELD(BB_COL_OP), "read") && strcmp(FIELD(BB_COL_OP), "write") && strcmp(FIELD(BB_COL_OP), "mix"))
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'op': '%.20s' is not read, write or mix", c->path,
				   c->line, FIELD(BB_COL_OP));
	memcpy(r->op, FIELD(BB_COL_OP), strlen(FIELD(BB_COL_OP)) + 1);
	if ((err = get_u64(c, NAME(BB_COL_WIDTH), FIELD(BB_COL_WIDTH), 8, &u)))
		return err;
	if (u != 1 && u != 2 && u != 4 && u != 8)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s': %" PRIu64 " is not 1, 2, 4 or 8", c->path,
				   c->line, NAME(BB_COL_WIDTH), u);
	r->width = (unsigned)u;
#undef T
	return 0;
}

/* The figures of a run: every number finite and in range. */
/*
 * What every row barbench writes holds (the statistics of one run's
 * samples): no figure below 0, the quantiles in order, the median's
 * interval around the median.  A row that breaks it was not measured.
 */
#define SLACK_NS 0.0101

static int figures_consistent(const struct row_ctx *c, const struct bb_rec *r)
{
	const struct {
		const char *name;
		double v;
	} q[] = { { "min_ns", r->min_ns }, { "p50_ns", r->p50_ns }, { "p90_ns", r->p90_ns }, { "p99_ns", r->p99_ns },
		  { "p999_ns", r->p999_ns }, { "max_ns", r->max_ns } }, other[] = {
		{ "mean_ns", r->mean_ns }, { "stdev_ns", r->stdev_ns }, { "ci95_lo_ns", r->ci95_lo_ns },
		{ "tmean_ns", r->tmean_ns }, { "ops_s", r->ops_s }, { "bytes_s", r->bytes_s }, { "setup_ns", r->setup_ns } };

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (other[i].v < 0)
			return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s': %g is negative", c->path, c->line,
					   other[i].name, other[i].v);
	if (q[0].v < 0)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'min_ns': %g is negative", c->path, c->line, q[0].v);
	for (size_t i = 1; i < sizeof(q) / sizeof(q[0]); i++)
		if (q[i].v < q[i - 1].v - SLACK_NS)
			return bb_diag_set(c->d, -EINVAL, "%s:%u: column '%s': %g is below %s %g: quantiles of one run's"
					   " samples are in order", c->path, c->line, q[i].name, q[i].v, q[i - 1].name,
					   q[i - 1].v);
	if (r->ci95_lo_ns > r->p50_ns + SLACK_NS || r->ci95_hi_ns < r->p50_ns - SLACK_NS)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: columns 'ci95_lo_ns', 'ci95_hi_ns': [%g, %g] does not hold"
				   " p50_ns %g, the median it is an interval of", c->path, c->line, r->ci95_lo_ns,
				   r->ci95_hi_ns, r->p50_ns);
	return 0;
}

static int parse_figures(const struct row_ctx *c, const struct row_in *in, struct bb_rec *r)
{
	uint64_t u;
	int err;

#define D(field, i) if ((err = get_double(c, NAME(i), FIELD(i), &r->field))) return err
#define OPT(field, i) if (HAVE(i) && (err = get_double(c, NAME(i), FIELD(i), &r->field))) return err
	if ((err = get_u64(c, NAME(BB_COL_SAMPLES), FIELD(BB_COL_SAMPLES), SIZE_MAX, &u)))
		return err;
	r->samples = (size_t)u;
	D(min_ns, BB_COL_MIN); D(p50_ns, BB_COL_P50); D(p90_ns, BB_COL_P90); D(p99_ns, BB_COL_P99);
	D(p999_ns, BB_COL_P999); D(max_ns, BB_COL_MAX); D(mean_ns, BB_COL_MEAN); D(stdev_ns, BB_COL_STDEV);
	D(ci95_lo_ns, BB_COL_CI_LO); D(ci95_hi_ns, BB_COL_CI_HI); D(ops_s, BB_COL_OPS); D(bytes_s, BB_COL_BYTES);
	if ((err = get_u64(c, NAME(BB_COL_MAPPINGS), FIELD(BB_COL_MAPPINGS), UINT32_MAX, &u)))
		return err;
	r->mappings = (uint32_t)u;
	if ((err = get_u64(c, NAME(BB_COL_MEMSLOTS), FIELD(BB_COL_MEMSLOTS), UINT32_MAX, &u)))
		return err;
	r->memslots = (uint32_t)u;
	D(trapped_share, BB_COL_TRAPPED_SHARE);
	if (r->trapped_share < 0 || r->trapped_share > 1)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'trapped_share': %g is not a share from 0 to 1",
				   c->path, c->line, r->trapped_share);
	D(setup_ns, BB_COL_SETUP);
	if (HAVE(BB_COL_GUEST_EXEC) && (err = get_text(c, NAME(BB_COL_GUEST_EXEC), FIELD(BB_COL_GUEST_EXEC), BB_TEXT_NAME,
							r->guest_exec, sizeof(r->guest_exec))))
		return err;
	r->tmean_ns = r->mean_ns;
	if (in->idx[BB_COL_TMEAN] >= 0)
		D(tmean_ns, BB_COL_TMEAN);
	if ((err = figures_consistent(c, r)))
		return err;
	r->predicted_ns = -1;
	OPT(predicted_ns, BB_COL_PREDICTED);
	OPT(resolution_ns, BB_COL_RESOLUTION);
	OPT(device_read_ns, BB_COL_DEVICE_READ);
	OPT(device_write_ns, BB_COL_DEVICE_WRITE);
	if (r->device_read_ns < 0 || r->device_write_ns < 0 || r->device_read_ns > 1e9 || r->device_write_ns > 1e9)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: device_read_ns/device_write_ns: 0 to 1e9 ns", c->path, c->line);
	if (r->resolution_ns < 0)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'resolution_ns': %g is negative", c->path, c->line,
				   r->resolution_ns);
#undef D
#undef OPT
	return 0;
}

/*
 * The row in today's column order, each field quoted as the writer would,
 * into *@out (malloc'd): 0, -E2BIG past BB_RUNS_MAX_LINE bytes, -ENOMEM.
 */
static int relay(const struct row_in *in, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*out = NULL;
	if (!f)
		return -ENOMEM;
	for (int i = 0; i < BB_COL_COUNT; i++) {
		if (i)
			fputc(',', f);
		bb_csv_field(f, in->idx[i] >= 0 ? FIELD(i) : "");
	}
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	if (len > BB_RUNS_MAX_LINE) {
		free(buf);
		return -E2BIG;
	}
	*out = buf;
	return 0;
}

#undef NAME
#undef FIELD
#undef HAVE

/* Where each column of the table is in the header @names (today's name, else the old one); unknown ones counted. */
static int map_header(char **names, int nh, int *idx, struct bb_recs *out, bool *same, const char *path,
		      struct bb_diag *d)
{
	*same = nh == BB_COL_COUNT;
	for (int i = 0; i < BB_COL_COUNT; i++) {
		idx[i] = -1;
		for (int k = 0; k < nh && idx[i] < 0; k++)
			if (!strcmp(names[k], cols[i].name) || (cols[i].old && !strcmp(names[k], cols[i].old)))
				idx[i] = k;
		if (idx[i] < 0 && cols[i].need)
			return bb_diag_set(d, -EINVAL, "%s:1: no column '%s'", path, cols[i].name);
		*same = *same && idx[i] == i && !strcmp(names[i], cols[i].name);
	}
	for (int k = 0; k < nh; k++) {
		bool known = false;

		for (int i = 0; i < BB_COL_COUNT && !known; i++)
			known = idx[i] == k;
		if (known)
			continue;
		if (!out->nunknown++)
			bb_strcpy(out->unknown, sizeof(out->unknown), names[k]);
	}
	return 0;
}

/*
 * One line of @buf from *@pos into @dst, its CR LF or LF not kept (the CR is
 * no byte of the row: a row at the limit reads the same either way): 1 a
 * whole line, 0 the end, -1 cut short or overlong.
 */
static int next_line(const char *buf, size_t len, size_t *pos, char *dst, size_t size)
{
	const char *nl;
	size_t n, end;

	if (*pos >= len)
		return 0;
	nl = memchr(buf + *pos, '\n', len - *pos);
	if (!nl)
		return -1;
	end = (size_t)(nl - (buf + *pos));
	n = end && nl[-1] == '\r' ? end - 1 : end;
	if (n >= size)
		return -1;
	memcpy(dst, buf + *pos, n);
	dst[n] = '\0';
	*pos += end + 1;
	return 1;
}

static int cmp_rec_id(const void *a, const void *b)
{
	const struct bb_rec *x = *(const struct bb_rec *const *)a, *y = *(const struct bb_rec *const *)b;
	int r = strcmp(x->id, y->id);

	return r ? r : (x->lineno > y->lineno) - (x->lineno < y->lineno);
}

/*
 * A run is one row: an id twice (a row copied) would count as one more
 * repetition of its configuration and could make compare find a change.
 * The ids sorted once; the later row of the first pair is named.
 */
static int unique_ids(const struct bb_recs *out, const char *path, struct bb_diag *d)
{
	const struct bb_rec **v = calloc(out->n ? out->n : 1, sizeof(*v));
	const struct bb_rec *dup = NULL, *orig = NULL;

	if (!v)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	for (size_t i = 0; i < out->n; i++)
		v[i] = &out->v[i];
	qsort(v, out->n, sizeof(*v), cmp_rec_id);
	for (size_t i = 1; i < out->n; i++)
		if (!strcmp(v[i - 1]->id, v[i]->id) && (!dup || v[i]->lineno < dup->lineno)) {
			dup = v[i];
			orig = v[i - 1];
		}
	free(v);
	if (!dup)
		return 0;
	return bb_diag_set(d, -EINVAL, "%s:%u: run id '%s' again (first at line %u): a run is one row; a copied row "
			   "would count as one more repetition", path, dup->lineno, dup->id, orig->lineno);
}

int bb_recs_parse(const char *buf, size_t len, const char *path, struct bb_recs *out, struct bb_diag *d)
{
	int idx[BB_COL_COUNT];
	char line[4096], hdr[4096], *names[MAX_FIELDS];
	struct row_ctx rc = { path, 1, d };
	size_t cap = 0, pos = 0;
	bool same;
	int nh, err;

	memset(out, 0, sizeof(*out));
	if (memchr(buf, '\0', len)) {
		size_t at = (size_t)((const char *)memchr(buf, '\0', len) - buf);
		unsigned ln = 1;

		for (size_t i = 0; i < at; i++)
			ln += buf[i] == '\n';
		return bb_diag_set(d, -EINVAL, "%s:%u: a NUL byte (byte %zu): not a CSV text", path, ln, at);
	}
	if (!len)
		return bb_diag_set(d, -EINVAL, "%s:1: empty file, no header", path);
	if (next_line(buf, len, &pos, hdr, sizeof(hdr)) != 1)
		return bb_diag_set(d, -EINVAL, "%s:1: incomplete or overlong header", path);
	nh = bb_csv_split(hdr, names, MAX_FIELDS);
	if (nh < 0)
		return bb_diag_set(d, -EINVAL, "%s:1: no column '%s'", path, cols[0].name);
	err = map_header(names, nh, idx, out, &same, path, d);
	if (err)
		return err;
	for (;;) {
		char copy[4096], *fl[MAX_FIELDS];
		struct row_in in = { fl, idx, names };
		struct bb_rec *r;
		int nf, got;

		rc.line++;
		got = next_line(buf, len, &pos, line, sizeof(line));
		if (!got)
			break;
		if (got < 0) {
			/* a row cut short (kill -9 mid-write never happens: files are renamed into place) */
			err = bb_diag_set(d, -EINVAL, "%s:%u: incomplete or overlong line", path, rc.line);
			goto fail;
		}
		if (!line[0])
			continue;
		strcpy(copy, line);
		nf = bb_csv_split(copy, fl, MAX_FIELDS);
		if (nf < 0) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: a quoted field is not closed, or more than %d fields", path,
					  rc.line, MAX_FIELDS);
			goto fail;
		}
		if (nf != nh) {
			err = bb_diag_set(d, -EINVAL, "%s:%u: %d fields, the header has %d", path, rc.line, nf, nh);
			goto fail;
		}
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct bb_rec *nv = realloc(out->v, nc * sizeof(*nv));

			if (!nv) {
				err = bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
				goto fail;
			}
			out->v = nv;
			cap = nc;
		}
		r = &out->v[out->n];
		memset(r, 0, sizeof(*r));
		r->lineno = rc.line;
		err = parse_ident(&rc, &in, r);
		if (!err)
			err = parse_figures(&rc, &in, r);
		if (err)
			goto fail;
		/* today's layout verbatim; an older one re-laid in today's order */
		out->n++;	/* from here on bb_recs_free frees its line */
		if (same) {
			err = strlen(line) > BB_RUNS_MAX_LINE ? -E2BIG : (r->line = strdup(line)) ? 0 : -ENOMEM;
		} else {
			err = relay(&in, &r->line);
		}
		if (err == -E2BIG)
			err = bb_diag_set(d, -EINVAL, "%s:%u: longer than %d bytes in today's columns", path, rc.line,
					  BB_RUNS_MAX_LINE);
		else if (err)
			err = bb_diag_set(d, err, "%s: out of memory", path);
		if (err)
			goto fail;
	}
	err = unique_ids(out, path, d);
	if (err)
		goto fail;
	return 0;
fail:
	bb_recs_free(out);
	return err;
}
