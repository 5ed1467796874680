// SPDX-License-Identifier: MIT
/* runs.csv written whole (its rows and columns: core/runs_csv.c), samples files, the results folder. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "manifest.h"
#include "samples.h"
#include "barbench/result.h"

struct rows_arg {
	const struct bb_run_row *rows;
	size_t n;
};

static int write_rows(FILE *f, void *arg)
{
	const struct rows_arg *a = arg;

	fprintf(f, "%s\n", bb_runs_csv_header());
	for (size_t i = 0; i < a->n; i++)
		bb_runs_csv_row(f, &a->rows[i]);
	return ferror(f) ? -EIO : 0;
}

int bb_runs_csv_write(const char *dir, const struct bb_run_row *rows, size_t n, struct bb_diag *d)
{
	struct rows_arg a = { rows, n };
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/runs.csv", dir) >= sizeof(path))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: path too long", dir);
	return bb_write_atomic(path, write_rows, &a, d);
}

/* @len bytes of @in as one gzip member (RFC 1952) into a malloc'd *@out. */
static int gzip_buf(const void *in, size_t len, unsigned char **out, size_t *olen)
{
	z_stream z;
	size_t cap = compressBound((uLong)len) + 64;
	unsigned char *o = malloc(cap);
	int r;

	if (!o)
		return -ENOMEM;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer, so `zcat` and `gunzip` read the file */
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(o);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = o;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	*olen = cap - z.avail_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(o);
		return -EIO;
	}
	*out = o;
	return 0;
}

/* The inflated samples file @old less the block of run @id, then that run's block, into @f. */
static int samples_merge(FILE *f, const uint8_t *old, size_t olen, const char *path, const char *id, const double *ns,
			 const uint64_t *offset, const uint8_t *trapped, const uint32_t *covers, size_t n,
			 struct bb_diag *d)
{
	struct bb_samples_block b;
	size_t pos = 0;
	int got = 0;

	fputs(BB_SAMPLES_MAGIC, f);
	/* the other runs of the group as they were; this run's earlier block (a run measured again) dropped */
	while (old && (got = bb_samples_next(old, olen, &pos, &b, path, d)) > 0)
		if (strcmp(b.id, id))
			fwrite(old + b.start, 1, b.end - b.start, f);
	if (old && got < 0)
		return got;	/* a samples file barbench did not write whole: never rewritten over */
	bb_samples_encode(f, false, id, ns, offset, trapped, covers, n);
	return 0;
}

int bb_samples_write(const char *dir, const char *id, const double *ns, const uint64_t *offset,
		     const uint8_t *trapped, const uint32_t *covers, size_t n, struct bb_diag *d)
{
	char path[4096], *text = NULL;
	uint8_t *old = NULL;
	unsigned char *gz = NULL;
	size_t tlen = 0, glen = 0, olen = 0;
	FILE *f;
	int err;

	if (bb_samples_path(dir, id, path, sizeof(path)))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: path too long", dir);
	/* the repetitions of a configuration share a file: what is there is kept (samples.h) */
	err = bb_gunzip_file(path, BB_SAMPLES_MAX_BYTES, &old, &olen, d);
	if (err && err != -ENOENT)
		return err;
	f = open_memstream(&text, &tlen);
	if (!f) {
		free(old);
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	}
	err = samples_merge(f, old, olen, path, id, ns, offset, trapped, covers, n, d);
	free(old);
	if (fclose(f) && !err)
		err = bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	if (!err && (uLong)tlen != tlen)
		err = bb_diag_set(d, -EFBIG, "%s: too large", path);
	if (!err) {
		err = gzip_buf(text, tlen, &gz, &glen);
		if (err)
			bb_diag_set(d, err, "%s: compressing: %s", path, strerror(-err));
	}
	free(text);
	if (!err)
		err = bb_write_atomic_buf(path, gz, glen, d);
	free(gz);
	return err;
}

static int mkdir_p(const char *path, struct bb_diag *d)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return bb_diag_set(d, -errno, "%s: %s", buf, strerror(errno));
		buf[i] = path[i];
	}
	return 0;
}

int bb_results_dir(const char *dir, struct bb_diag *d)
{
	char sub[4096];
	int err = mkdir_p(dir, d);

	if (err)
		return err;
	if ((size_t)snprintf(sub, sizeof(sub), "%s/samples", dir) >= sizeof(sub))
		return bb_diag_set(d, -ENAMETOOLONG, "%s: path too long", dir);
	err = mkdir_p(sub, d);
	if (err)
		return err;
	/* a samples folder planted as a symlink would take every samples file elsewhere */
	return bb_real_dir(sub, d);
}

int bb_real_dir(const char *path, struct bb_diag *d)
{
	struct stat sb;

	if (lstat(path, &sb))
		return bb_diag_set(d, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return bb_diag_set(d, -EINVAL, "%s: %s, not a folder barbench made: not written through; remove it", path,
				   S_ISLNK(sb.st_mode) ? "a symbolic link" : "not a folder");
	return 0;
}

int bb_results_lock(const char *dir, struct bb_diag *d)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return bb_diag_set(d, errno == ENOENT ? -ENOENT : -errno, "%s: %s", dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return bb_diag_set(d, -EBUSY, "%s: in use: another barbench (a study, run or report) is writing "
					   "this results folder; wait for it to finish, or choose another folder", dir);
		return bb_diag_set(d, -e, "%s: lock: %s", dir, strerror(e));
	}
	return fd;
}
