// SPDX-License-Identifier: MIT
/* Reading runs.csv back, and grouping its rows into configurations. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "parse.h"
#include "barbench/stats.h"

#define MAX_FIELDS 64

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
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int col(char **names, int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], want))
			return i;
	return -1;
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

static const char *const need[] = {
	"id", "device", "region", "policy", "params", "page_size", "runner", "workload", "op", "width",
	"samples", "min_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "mean_ns", "stdev_ns",
	"ci95_lo_ns", "ci95_hi_ns", "ops_s", "bytes_s", "mappings", "memslots", "trapped_share", "setup_ns",
	"guest_exec",
};
enum { NNEED = sizeof(need) / sizeof(need[0]) };

/* One data row, split, into @r; every field checked. */
static int parse_row(const struct row_ctx *c, char **fl, const int *idx, int c_tmean, int c_pred, int c_res,
		     int c_dr, int c_dw, struct bb_rec *r)
{
	uint64_t u;
	int err;

#define T(field, i, kind) if ((err = get_text(c, need[i], fl[idx[i]], kind, r->field, sizeof(r->field)))) return err
#define D(field, i) if ((err = get_double(c, need[i], fl[idx[i]], &r->field))) return err
	T(id, 0, BB_TEXT_NAME);
	T(device, 1, BB_TEXT_PATH);
	if ((err = get_u64(c, need[2], fl[idx[2]], UINT32_MAX, &u)))
		return err;
	r->region = (uint32_t)u;
	T(policy, 3, BB_TEXT_NAME);
	T(params, 4, BB_TEXT_PARAMS);
	if ((err = get_u64(c, need[5], fl[idx[5]], 1ull << 62, &r->page_size)))
		return err;
	if (r->page_size < 4096 || (r->page_size & (r->page_size - 1)))
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'page_size': %" PRIu64 " is not a power of two >= 4096",
				   c->path, c->line, r->page_size);
	T(runner, 6, BB_TEXT_NAME);
	T(workload, 7, BB_TEXT_WORKLOAD);
	if (strcmp(fl[idx[8]], "read") && strcmp(fl[idx[8]], "write") && strcmp(fl[idx[8]], "mix"))
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'op': '%.20s' is not read, write or mix", c->path,
				   c->line, fl[idx[8]]);
	memcpy(r->op, fl[idx[8]], strlen(fl[idx[8]]) + 1);
	if ((err = get_u64(c, need[9], fl[idx[9]], 8, &u)))
		return err;
	if (u != 1 && u != 2 && u != 4 && u != 8)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'width': %" PRIu64 " is not 1, 2, 4 or 8", c->path,
				   c->line, u);
	r->width = (unsigned)u;
	if ((err = get_u64(c, need[10], fl[idx[10]], SIZE_MAX, &u)))
		return err;
	r->samples = (size_t)u;
	D(min_ns, 11); D(p50_ns, 12); D(p90_ns, 13); D(p99_ns, 14); D(p999_ns, 15); D(max_ns, 16);
	D(mean_ns, 17); D(stdev_ns, 18); D(ci95_lo_ns, 19); D(ci95_hi_ns, 20); D(ops_s, 21); D(bytes_s, 22);
	if ((err = get_u64(c, need[23], fl[idx[23]], UINT32_MAX, &u)))
		return err;
	r->mappings = (uint32_t)u;
	if ((err = get_u64(c, need[24], fl[idx[24]], UINT32_MAX, &u)))
		return err;
	r->memslots = (uint32_t)u;
	D(trapped_share, 25);
	if (r->trapped_share < 0 || r->trapped_share > 1)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'trapped_share': %g is not a share from 0 to 1",
				   c->path, c->line, r->trapped_share);
	D(setup_ns, 26);
	if (fl[idx[27]][0])
		T(guest_exec, 27, BB_TEXT_NAME);
	r->tmean_ns = r->mean_ns;
	if (c_tmean >= 0 && (err = get_double(c, "tmean_ns", fl[c_tmean], &r->tmean_ns)))
		return err;
	r->predicted_ns = -1;
	if (c_pred >= 0 && fl[c_pred][0] && (err = get_double(c, "predicted_ns", fl[c_pred], &r->predicted_ns)))
		return err;
	if (c_res >= 0 && fl[c_res][0] && (err = get_double(c, "resolution_ns", fl[c_res], &r->resolution_ns)))
		return err;
	if (c_dr >= 0 && fl[c_dr][0] && (err = get_double(c, "device_read_ns", fl[c_dr], &r->device_read_ns)))
		return err;
	if (c_dw >= 0 && fl[c_dw][0] && (err = get_double(c, "device_write_ns", fl[c_dw], &r->device_write_ns)))
		return err;
	if (r->device_read_ns < 0 || r->device_write_ns < 0 || r->device_read_ns > 1e9 || r->device_write_ns > 1e9)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: device_read_ns/device_write_ns: 0 to 1e9 ns", c->path, c->line);
	if (r->resolution_ns < 0)
		return bb_diag_set(c->d, -EINVAL, "%s:%u: column 'resolution_ns': %g is negative", c->path, c->line,
				   r->resolution_ns);
#undef T
#undef D
	return 0;
}

/* One line of @buf from *@pos into @dst: 1 a whole line, 0 the end, -1 cut short or overlong. */
static int next_line(const char *buf, size_t len, size_t *pos, char *dst, size_t size)
{
	const char *nl;
	size_t n;

	if (*pos >= len)
		return 0;
	nl = memchr(buf + *pos, '\n', len - *pos);
	if (!nl || (size_t)(nl - (buf + *pos)) >= size)
		return -1;
	n = (size_t)(nl - (buf + *pos));
	memcpy(dst, buf + *pos, n);
	dst[n] = '\0';
	if (n && dst[n - 1] == '\r')
		dst[n - 1] = '\0';
	*pos += n + 1;
	return 1;
}

int bb_recs_parse(const char *buf, size_t len, const char *path, struct bb_recs *out, struct bb_diag *d)
{
	int idx[NNEED];
	char line[4096], hdr[4096], *names[MAX_FIELDS];
	struct row_ctx rc = { path, 1, d };
	size_t cap = 0, pos = 0;
	int nh, c_tmean, c_pred, c_res, c_dr, c_dw, err;

	memset(out, 0, sizeof(*out));
	if (memchr(buf, '\0', len)) {
		size_t at = (size_t)((const char *)memchr(buf, '\0', len) - buf);
		unsigned ln = 1;

		for (size_t i = 0; i < at; i++)
			ln += buf[i] == '\n';
		return bb_diag_set(d, -EINVAL, "%s:%u: a NUL byte (byte %zu): not a CSV text", path, ln, at);
	}
	err = 0;
	if (!len)
		return bb_diag_set(d, -EINVAL, "%s:1: empty file, no header", path);
	if (next_line(buf, len, &pos, hdr, sizeof(hdr)) != 1)
		return bb_diag_set(d, -EINVAL, "%s:1: incomplete or overlong header", path);
	nh = bb_csv_split(hdr, names, MAX_FIELDS);
	for (int i = 0; i < NNEED; i++) {
		idx[i] = nh < 0 ? -1 : col(names, nh, need[i]);
		if (idx[i] < 0)
			return bb_diag_set(d, -EINVAL, "%s:1: no column '%s'", path, need[i]);
	}
	/* optional columns (older folders lack them) */
	c_tmean = col(names, nh, "tmean_ns");
	c_pred = col(names, nh, "predicted_ns");
	c_res = col(names, nh, "resolution_ns");
	c_dr = col(names, nh, "device_read_ns");
	c_dw = col(names, nh, "device_write_ns");

	for (;;) {
		char copy[4096], *fl[MAX_FIELDS];
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
		bb_strcpy(r->line, sizeof(r->line), line);
		r->lineno = rc.line;
		err = parse_row(&rc, fl, idx, c_tmean, c_pred, c_res, c_dr, c_dw, r);
		if (err)
			goto fail;
		out->n++;
	}
	return 0;
fail:
	bb_recs_free(out);
	return err;
}

int bb_recs_read(const char *path, struct bb_recs *out, struct bb_diag *d)
{
	char *buf;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	err = bb_results_slurp(path, BB_RESULTS_MAX_FILE, &buf, &len, d);
	if (err)
		return err;
	err = bb_recs_parse(buf, len, path, out, d);
	free(buf);
	return err;
}

int bb_results_slurp(const char *path, size_t max, char **out, size_t *len, struct bb_diag *d)
{
	struct stat sb;
	char *buf;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	/* a results folder is hostile: a symlink in it is never followed */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		if (e == ELOOP)
			return bb_diag_set(d, -EINVAL, "%s: a symbolic link: not followed in a results folder", path);
		return bb_diag_set(d, e == ENOENT ? -ENOENT : -e, "%s: %s", path, strerror(e));
	}
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return bb_diag_set(d, -EINVAL, "%s: not a regular file", path);
	}
	if ((uint64_t)sb.st_size > max) {
		close(fd);
		return bb_diag_set(d, -EFBIG, "%s: larger than %zu bytes", path, max);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	}
	while (n < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)sb.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			close(fd);
			return bb_diag_set(d, -e, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

void bb_config_key(const struct bb_rec *r, char *key, size_t len)
{
	snprintf(key, len, "%s|%" PRIu32 "|%s|%s|%" PRIu64 "|%s|%s", r->device, r->region, r->policy, r->params,
		 r->page_size, r->runner, r->workload);
}

void bb_configs_free(struct bb_configs *c)
{
	if (!c)
		return;
	free(c->v);
	free(c->of_rec);
	free(c->rep_start);
	free(c->rep_rec);
	free(c->rep_p50);
	memset(c, 0, sizeof(*c));
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return bb_percentile(v, n, 50.0);
}

int bb_configs_build(const struct bb_recs *recs, struct bb_configs *out, struct bb_diag *d)
{
	double *tmp;

	memset(out, 0, sizeof(*out));
	if (!recs->n)
		return 0;
	out->v = calloc(recs->n, sizeof(*out->v));
	out->of_rec = calloc(recs->n, sizeof(*out->of_rec));
	tmp = calloc(recs->n, sizeof(*tmp));
	if (!out->v || !out->of_rec || !tmp) {
		free(tmp);
		bb_configs_free(out);
		return bb_diag_set(d, -ENOMEM, "out of memory");
	}
	/* group, keeping the order configurations first appear in */
	for (size_t i = 0; i < recs->n; i++) {
		char key[1024];
		size_t k;

		bb_config_key(&recs->v[i], key, sizeof(key));
		for (k = 0; k < out->n; k++)
			if (!strcmp(out->v[k].key, key))
				break;
		if (k == out->n) {
			bb_strcpy(out->v[k].key, sizeof(out->v[k].key), key);
			out->v[k].first = &recs->v[i];
			out->n++;
		}
		out->v[k].nreps++;
		out->of_rec[i] = k;
	}
	/* each configuration's repetitions side by side, once (a counting sort by configuration) */
	out->rep_start = calloc(out->n + 1, sizeof(*out->rep_start));
	out->rep_rec = calloc(recs->n, sizeof(*out->rep_rec));
	out->rep_p50 = calloc(recs->n, sizeof(*out->rep_p50));
	if (!out->rep_start || !out->rep_rec || !out->rep_p50) {
		free(tmp);
		bb_configs_free(out);
		return bb_diag_set(d, -ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < out->n; k++)
		out->rep_start[k + 1] = out->rep_start[k] + out->v[k].nreps;
	/* filled from the end, records taken last to first: each configuration keeps record order */
	for (size_t i = recs->n; i-- > 0;) {
		size_t k = out->of_rec[i];

		out->rep_rec[out->rep_start[k] + --out->v[k].nreps] = i;
	}
	for (size_t k = 0; k < out->n; k++)
		out->v[k].nreps = out->rep_start[k + 1] - out->rep_start[k];
	for (size_t i = 0; i < recs->n; i++)
		out->rep_p50[i] = recs->v[out->rep_rec[i]].p50_ns;
	for (size_t k = 0; k < out->n; k++) {
		struct bb_config *c = &out->v[k];
		size_t n = 0, lo, hi;

#define GATHER(field) do {                                                       \
			n = 0;                                                   \
			for (size_t r = out->rep_start[k]; r < out->rep_start[k + 1]; r++) \
				tmp[n++] = recs->v[out->rep_rec[r]].field;       \
		} while (0)
		GATHER(p50_ns);
		qsort(tmp, n, sizeof(*tmp), cmp_d);
		bb_median_ci_ranks(n, &lo, &hi);
		c->p50_ns = bb_percentile(tmp, n, 50.0);
		c->ci_lo_ns = tmp[lo - 1];
		c->ci_hi_ns = tmp[hi - 1];
		GATHER(p99_ns);
		c->p99_ns = median_of(tmp, n);
		GATHER(p999_ns);
		c->p999_ns = median_of(tmp, n);
		GATHER(trapped_share);
		c->trapped_share = median_of(tmp, n);
		GATHER(setup_ns);
		c->setup_ns = median_of(tmp, n);
		GATHER(ops_s);
		c->ops_s = median_of(tmp, n);
		GATHER(tmean_ns);
		c->tmean_ns = median_of(tmp, n);
		GATHER(predicted_ns);
		c->predicted_ns = median_of(tmp, n);
		c->model_error = c->predicted_ns >= 0 && c->tmean_ns > 0 ? (c->tmean_ns - c->predicted_ns) / c->tmean_ns : NAN;
#undef GATHER
		c->memslots = c->first->memslots;
		c->mappings = c->first->mappings;
		for (size_t i = 0; i < recs->n; i++)
			if (out->of_rec[i] == k && recs->v[i].resolution_ns > c->resolution_ns)
				c->resolution_ns = recs->v[i].resolution_ns;
	}
	/* speed-up over trap: same device, region, page, runner, workload */
	for (size_t k = 0; k < out->n; k++) {
		struct bb_config *c = &out->v[k];

		for (size_t j = 0; j < out->n; j++) {
			const struct bb_rec *a = c->first, *t = out->v[j].first;

			if (strcmp(t->policy, "trap") || strcmp(a->device, t->device) || a->region != t->region ||
			    a->page_size != t->page_size || strcmp(a->runner, t->runner) ||
			    strcmp(a->workload, t->workload))
				continue;
			/*
			 * A median below its resolution (or, in a folder that does not record
			 * it, below 0.1 ns) counts as the resolution: the speed-up is then a bound.
			 */
			{
				double floor_ns = c->resolution_ns > 0 ? c->resolution_ns : 0.1;

				c->speedup_is_bound = c->p50_ns < floor_ns;
				c->speedup_vs_trap = out->v[j].p50_ns / (c->speedup_is_bound ? floor_ns : c->p50_ns);
			}
			break;
		}
	}
	free(tmp);
	return 0;
}
