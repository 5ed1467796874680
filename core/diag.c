// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "barbench/diag.h"

int bb_diag_set(struct bb_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d) {
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

int bb_diag_at(struct bb_diag *d, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[BB_DIAG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return bb_diag_set(d, -EINVAL, "%s:%u: %s", file, line, msg);
}

void bb_diag_prefix(struct bb_diag *d, const char *fmt, ...)
{
	char head[BB_DIAG_MAX], old[BB_DIAG_MAX];
	va_list ap;

	if (!d)
		return;
	memcpy(old, d->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	{
		size_t h = strnlen(head, sizeof(head) - 1), room = sizeof(d->msg) - 1, n;

		n = h < room ? h : room;
		memcpy(d->msg, head, n);
		if (n + 2 <= room) {
			memcpy(d->msg + n, ": ", 2);
			n += 2;
		}
		h = strnlen(old, sizeof(old) - 1);
		if (h > room - n)
			h = room - n;
		memcpy(d->msg + n, old, h);
		d->msg[n + h] = '\0';
	}
}
