// SPDX-License-Identifier: MIT
/* Progress with an ETA (progress.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "barbench/timing.h"
#include "progress.h"

enum bb_progress_mode bb_cli_progress_mode = BB_PROGRESS_AUTO;
bool bb_cli_quiet;

void bb_progress_start(struct bb_progress *p, size_t total, size_t done)
{
	memset(p, 0, sizeof(*p));
	p->tty = isatty(2);
	p->on = !bb_cli_quiet && (bb_cli_progress_mode == BB_PROGRESS_ALWAYS ||
				  (bb_cli_progress_mode == BB_PROGRESS_AUTO && p->tty));
	p->total = total;
	p->done_at_start = done;
	p->t0_s = bb_now_ns() / 1e9;
	p->last_s = -1e9;
}

void bb_progress_grow(struct bb_progress *p, size_t more)
{
	p->total += more;
}

void bb_progress_set_total(struct bb_progress *p, size_t total)
{
	p->total = total;
}

void bb_progress_step(struct bb_progress *p, size_t done, const char *fmt, ...)
{
	char label[160], eta[32] = "ETA   ?";
	double now = bb_now_ns() / 1e9, el = now - p->t0_s;
	size_t timed = done > p->done_at_start ? done - p->done_at_start : 0;
	va_list ap;
	int n;

	if (!p->on)
		return;
	if (done >= p->total)
		p->total = done + 1;	/* an estimate fell short */
	if (!p->tty && now - p->last_s < 10.0 && done + 1 < p->total)
		return;	/* a log file gets a line every 10 s, not one per step */
	p->last_s = now;
	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	if (timed && p->total > done) {
		double left = el / (double)timed * (double)(p->total - done);

		if (left < 120)
			snprintf(eta, sizeof(eta), "ETA %3.0fs", left);
		else
			snprintf(eta, sizeof(eta), "ETA %3.0fm", left / 60);
	}
	if (p->tty) {
		n = fprintf(stderr, "\r[%zu/%zu] %s %s", done + 1, p->total, eta, label);
		if (n > 0 && (size_t)n < p->width)
			fprintf(stderr, "%*s", (int)(p->width - (size_t)n), "");
		if (n > 0)
			p->width = (size_t)n;
	} else {
		fprintf(stderr, "[%zu/%zu] %s %s\n", done + 1, p->total, eta, label);
	}
	fflush(stderr);
}

void bb_progress_end(struct bb_progress *p)
{
	if (p->on && p->tty && p->width)
		fprintf(stderr, "\r%*s\r", (int)p->width, "");
	p->width = 0;
}
