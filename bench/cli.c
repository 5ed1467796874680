// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int bb_cli_fail(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("barbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int bb_cli_status(int err)
{
	switch (-err) {
	case EINVAL:
	case ERANGE:
	case E2BIG:
	case EFBIG:
	case ENOENT:
	case EAGAIN:
	case ENOTSUP:
	case EPERM:
		return BB_EXIT_USAGE;
	default:
		return BB_EXIT_FAIL;
	}
}

int bb_cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, struct bb_diag *d)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	size_t n;

	*buf = NULL;
	*len = 0;
	if (!f)
		return bb_diag_set(d, errno == ENOENT ? -ENOENT : -EIO, "%s: %s", path, strerror(errno));
	p = malloc(max + 1);
	if (!p) {
		fclose(f);
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	}
	n = fread(p, 1, max + 1, f);
	if (ferror(f)) {
		fclose(f);
		free(p);
		return bb_diag_set(d, -EIO, "%s: read error", path);
	}
	fclose(f);
	if (n > max) {
		free(p);
		return bb_diag_set(d, -EFBIG, "%s: larger than %zu bytes", path, max);
	}
	*buf = p;
	*len = n;
	return 0;
}

int bb_cli_finish(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "barbench: writing standard output failed: %s\n", strerror(errno));
		return status ? status : BB_EXIT_FAIL;
	}
	return status;
}
