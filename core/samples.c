// SPDX-License-Identifier: MIT
/* The binary samples form (samples.h): encoded by the writer, decoded strictly by every reader. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "samples.h"
#include "runs_csv.h"
#include "parse.h"

void bb_samples_group(const char *id, char *out, size_t len)
{
	size_t n = strlen(id), k = n;

	while (k > 0 && id[k - 1] >= '0' && id[k - 1] <= '9')
		k--;
	/* "NAME-<digits>" -> "NAME"; anything else is its own group */
	if (k < n && k > 1 && id[k - 1] == '-')
		n = k - 1;
	snprintf(out, len, "%.*s", (int)n, id);
}

int bb_samples_path(const char *dir, const char *id, char *path, size_t len)
{
	char group[160];

	bb_samples_group(id, group, sizeof(group));
	return (size_t)snprintf(path, len, "%s/samples/%s.bbs", dir, group) >= len ? -ENAMETOOLONG : 0;
}

static void put_varint(FILE *f, uint64_t v)
{
	while (v >= 0x80) {
		fputc((int)(v & 0x7f) | 0x80, f);
		v >>= 7;
	}
	fputc((int)v, f);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

void bb_samples_encode(FILE *f, bool magic, const char *id, const double *ns, const uint64_t *offset,
		       const uint8_t *trapped, const uint32_t *covers, size_t n)
{
	uint64_t prev = 0;

	if (magic)
		fputs(BB_SAMPLES_MAGIC, f);
	put_varint(f, strlen(id));
	fputs(id, f);
	put_varint(f, n);
	for (size_t i = 0; i < n; i++) {
		put_varint(f, zigzag((int64_t)(offset[i] - prev)));
		prev = offset[i];
	}
	for (size_t i = 0; i < n; i++)
		fputc(trapped[i] ? 1 : 0, f);
	for (size_t i = 0; i < n; i++)
		put_varint(f, covers ? covers[i] : 1);
	for (size_t i = 0; i < n; i++) {
		/* what the CSV form printed with %.3f, exactly */
		double m = ns[i] * 1000.0;

		m = m > (double)BB_SAMPLES_MAX_MILLI_NS ? (double)BB_SAMPLES_MAX_MILLI_NS :
		    m < -(double)BB_SAMPLES_MAX_MILLI_NS ? -(double)BB_SAMPLES_MAX_MILLI_NS : m;	/* what a reader takes */
		put_varint(f, zigzag((int64_t)llround(m)));
	}
}

/* A varint at *@pos: 0, or -1 when it runs past @len or over 64 bits. */
static int get_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (*pos >= len)
			return -1;
		b = buf[(*pos)++];
		if (shift == 63 && b > 1)
			return -1;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

/* @n varints from *@pos, each checked by @kind: 0 any (offsets), 1 accesses (1 .. UINT32_MAX), 2 times */
static int check_varints(const uint8_t *buf, size_t len, size_t *pos, size_t n, int kind, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		*bad = *pos;
		if (get_varint(buf, len, pos, &v))
			return -1;
		if (kind == 1 && (!v || v > UINT32_MAX))
			return -1;
		/* a time: what the writer clamps to (zigzag of +-M is 2M or 2M - 1), never beyond it */
		if (kind == 2 && v > 2 * (uint64_t)BB_SAMPLES_MAX_MILLI_NS)
			return -1;
	}
	return 0;
}

int bb_samples_next(const uint8_t *buf, size_t len, size_t *pos, struct bb_samples_block *b, const char *name,
		    struct bb_diag *d)
{
	uint64_t l, n;
	size_t bad;

	if (*pos == 0) {
		if (len < BB_SAMPLES_MAGIC_LEN || memcmp(buf, BB_SAMPLES_MAGIC, BB_SAMPLES_MAGIC_LEN))
			return bb_diag_set(d, -EINVAL, "%s: not a barbench samples file (no 'BBSAMPLES 1' header)", name);
		*pos = BB_SAMPLES_MAGIC_LEN;
	}
	if (*pos >= len)
		return 0;
	memset(b, 0, sizeof(*b));
	b->start = *pos;
	if (get_varint(buf, len, pos, &l) || !l || l >= sizeof(b->id) || l > len - *pos)
		return bb_diag_set(d, -EINVAL, "%s: byte %zu: a run id's length that does not fit", name, b->start);
	memcpy(b->id, buf + *pos, l);
	b->id[l] = '\0';
	if (strlen(b->id) != l || !bb_results_text_ok(BB_TEXT_NAME, b->id, sizeof(b->id), NULL))
		return bb_diag_set(d, -EINVAL, "%s: byte %zu: a run id barbench does not write", name, *pos);
	*pos += l;
	bad = *pos;
	/* every sample takes at least 4 bytes: a count beyond what is left is a lie, refused before any allocation */
	if (get_varint(buf, len, pos, &n) || n > (len - *pos) / 4)
		return bb_diag_set(d, -EINVAL, "%s: byte %zu: run %s: a sample count the file cannot hold", name, bad,
				   b->id);
	b->n = (size_t)n;
	b->off_at = *pos;
	if (check_varints(buf, len, pos, b->n, 0, &bad))
		return bb_diag_set(d, -EINVAL, "%s: byte %zu: run %s: an offset cut short or too long", name, bad, b->id);
	b->path_at = *pos;
	if (len - *pos < b->n)
		return bb_diag_set(d, -EINVAL, "%s: byte %zu: run %s: paths cut short", name, *pos, b->id);
	for (size_t i = 0; i < b->n; i++)
		if (buf[*pos + i] > 1)
			return bb_diag_set(d, -EINVAL, "%s: byte %zu: run %s: a path neither 0 (map) nor 1 (trap)", name,
					   *pos + i, b->id);
	*pos += b->n;
	b->acc_at = *pos;
	if (check_varints(buf, len, pos, b->n, 1, &bad))
		return bb_diag_set(d, -EINVAL, "%s: byte %zu: run %s: accesses not a count from 1 to 4294967295", name,
				   bad, b->id);
	b->ns_at = *pos;
	if (check_varints(buf, len, pos, b->n, 2, &bad))
		return bb_diag_set(d, -EINVAL, "%s: byte %zu: run %s: a time cut short or beyond 18 minutes", name, bad,
				   b->id);
	b->end = *pos;
	return 1;
}

void bb_samples_values(const uint8_t *buf, const struct bb_samples_block *b, double *ns, uint64_t *offset,
		       uint8_t *trapped, uint32_t *covers)
{
	size_t po = b->off_at, pa = b->acc_at, pn = b->ns_at;
	uint64_t prev = 0, v = 0;

	for (size_t i = 0; i < b->n; i++) {
		get_varint(buf, b->end, &po, &v);
		prev += (uint64_t)unzigzag(v);
		if (offset)
			offset[i] = prev;
		if (trapped)
			trapped[i] = buf[b->path_at + i];
		get_varint(buf, b->end, &pa, &v);
		if (covers)
			covers[i] = (uint32_t)v;
		get_varint(buf, b->end, &pn, &v);
		if (ns)
			ns[i] = (double)unzigzag(v) / 1000.0;
	}
}

int bb_gz_close(struct gzFile_s *f, bool ended, const char *path, struct bb_diag *d)
{
	int e = errno, zerr = Z_OK;

	if (ended)
		gzerror(f, &zerr);
	if (zerr == Z_ERRNO) {
		gzclose(f);
		e = e ? e : EIO;
		return bb_diag_set(d, -e, "%s: %s", path, strerror(e));
	}
	if (gzclose(f) != Z_OK || (zerr != Z_OK && zerr != Z_STREAM_END))
		return bb_diag_set(d, -EINVAL, "%s: compressed data cut short or corrupt", path);
	return 0;
}

int bb_gunzip_file(const char *path, size_t max, uint8_t **out, size_t *len, struct bb_diag *d)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf;
	int fd, err, got;
	gzFile f;

	*out = NULL;
	*len = 0;
	fd = bb_results_open(path, NULL, d);
	if (fd < 0)
		return fd;	/* -EINVAL for a symlink or not a regular file (hostile), else the system's reason */
	f = gzdopen(fd, "rb");
	buf = malloc(cap + 1);
	if (!f || !buf) {
		if (f)
			gzclose(f);
		else
			close(fd);
		free(buf);
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	}
	while ((got = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)got;
		if (n > max)
			break;
		if (n == cap) {
			uint8_t *nb = cap * 2 > max + 1 ? realloc(buf, max + 2) : realloc(buf, cap * 2 + 1);

			if (!nb) {
				gzclose(f);
				free(buf);
				return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
			}
			buf = nb;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
		}
	}
	if (n > max) {
		gzclose(f);
		free(buf);
		return bb_diag_set(d, -EFBIG, "%s: inflates to more than %zu bytes", path, max);
	}
	err = bb_gz_close(f, got < 0, path, d);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
