// SPDX-License-Identifier: MIT
/*
 * The server's trap log (traplog.h): an open-addressing hash table of
 * (region, offset, width, op) -> count and total time, sorted when written.
 * Nothing here runs in a signal handler: SIGUSR1 only asks the server's
 * loop to call bb_traplog_write().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "manifest.h"
#include "traplog.h"

struct entry {
	uint64_t offset;
	uint32_t region;
	uint32_t width;		/* a REGION_READ's count: up to max_data_xfer_size (16 bits made 64 KiB a width 0) */
	uint8_t write;
	uint8_t used;
	uint64_t count, ns;
};

/*
 * Slots looked at for one key before it is counted as beyond the limit: a
 * client picks the keys (offsets and widths of its accesses), and with a
 * fixed hash it could pick 65,536 that share a few slots (7 s of the
 * server's one loop to add them, ~50 us each access after); with the
 * seed below no client knows where a key goes, and this bounds it anyway.
 */
#define MAX_PROBES 64

unsigned long long bb_traplog_probes;

struct bb_traplog {
	uint64_t seed;		/* the hash's key, random per log */
	char device[300];
	struct entry *tab;
	size_t cap, n;		/* slots (a power of two), used */
	uint64_t accesses, beyond;	/* all counted; those of keys past BB_TRAPLOG_MAX_KEYS */
};

int bb_traplog_new(const char *device, struct bb_traplog **out)
{
	struct bb_traplog *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);	/* no entropy yet: what no peer can read either */
		t->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)t ^
			  (uint64_t)getpid() << 32;
	}
	t->cap = 1024;
	t->tab = calloc(t->cap, sizeof(*t->tab));
	if (!t->tab) {
		free(t);
		return -ENOMEM;
	}
	/* the first line of the file: no newline, no control character from the spec */
	for (size_t i = 0; device && device[i] && i + 1 < sizeof(t->device); i++)
		t->device[i] = (unsigned char)device[i] < 0x20 ? '?' : device[i];
	*out = t;
	return 0;
}

void bb_traplog_free(struct bb_traplog *t)
{
	if (!t)
		return;
	free(t->tab);
	free(t);
}

static size_t slot(const struct bb_traplog *t, uint32_t region, uint64_t offset, uint32_t width, bool write)
{
	uint64_t h = (offset ^ t->seed) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)region << 40 | (uint64_t)width << 8 | write);

	/* splitmix64's finaliser: every bit of the key and the seed reaches the slot's bits */
	h ^= t->seed >> 7;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return (size_t)(h ^ (h >> 31)) & (t->cap - 1);
}

/* The slot of the key, or the free slot where it goes; NULL after @limit slots (0: none) */
static struct entry *find(struct bb_traplog *t, uint32_t region, uint64_t offset, uint32_t width, bool write,
			  unsigned limit)
{
	size_t i = slot(t, region, offset, width, write);

	for (unsigned k = 0; !limit || k < limit; k++, i = (i + 1) & (t->cap - 1)) {
		struct entry *e = &t->tab[i];

		bb_traplog_probes++;
		if (!e->used || (e->offset == offset && e->region == region && e->width == width && e->write == write))
			return e;
	}
	return NULL;
}

static int grow(struct bb_traplog *t)
{
	struct bb_traplog old = *t;

	t->tab = calloc(old.cap * 2, sizeof(*t->tab));
	if (!t->tab) {
		t->tab = old.tab;
		return -ENOMEM;
	}
	t->cap = old.cap * 2;
	for (size_t i = 0; i < old.cap; i++)	/* every key kept: the table at most half full, a free slot ahead */
		if (old.tab[i].used)
			*find(t, old.tab[i].region, old.tab[i].offset, old.tab[i].width, old.tab[i].write, 0) = old.tab[i];
	free(old.tab);
	return 0;
}

void bb_traplog_add(struct bb_traplog *t, uint32_t region, uint64_t offset, uint32_t width, bool write, uint64_t ns)
{
	struct entry *e;

	if (!t)
		return;
	t->accesses++;
	e = find(t, region, offset, width, write, MAX_PROBES);
	if (e && !e->used) {
		/* a client choosing every offset cannot grow the table without bound */
		if (t->n >= BB_TRAPLOG_MAX_KEYS || ((t->n + 1) * 2 > t->cap && grow(t))) {
			t->beyond++;
			return;
		}
		e = find(t, region, offset, width, write, MAX_PROBES);
		if (e) {
			*e = (struct entry){ .offset = offset, .region = region, .width = width, .write = write, .used = 1 };
			t->n++;
		}
	}
	if (!e) {
		t->beyond++;
		return;
	}
	e->count++;
	e->ns += ns;
}

uint64_t bb_traplog_accesses(const struct bb_traplog *t)
{
	return t ? t->accesses : 0;
}

int bb_trap_entry_cmp(const void *a, const void *b)
{
	const struct bb_trap_entry *x = a, *y = b;

	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->width != y->width)
		return x->width < y->width ? -1 : 1;
	return (int)x->write - (int)y->write;
}

struct rows {
	const struct bb_traplog *t;
	struct bb_trap_entry *v;
	size_t n;
};

static int write_rows(FILE *f, void *arg)
{
	const struct rows *r = arg;

	fprintf(f, "# barbench serve trap log: %s; %" PRIu64 " accesses, %zu distinct", r->t->device, r->t->accesses,
		r->n);
	if (r->t->beyond)
		fprintf(f, ", %" PRIu64 " beyond the limit of %u not itemised", r->t->beyond, BB_TRAPLOG_MAX_KEYS);
	fprintf(f, "\n" BB_TRAPLOG_HEADER "\n");
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "%" PRIu32 ",0x%" PRIx64 ",%u,%s,%" PRIu64 ",%" PRIu64 "\n", r->v[i].region, r->v[i].offset,
			r->v[i].width, r->v[i].write ? "write" : "read", r->v[i].count, r->v[i].total_ns);
	return ferror(f) ? -EIO : 0;
}

int bb_traplog_write(const struct bb_traplog *t, const char *path, struct bb_diag *d)
{
	struct rows r = { .t = t };
	int err;

	r.v = malloc((t->n ? t->n : 1) * sizeof(*r.v));
	if (!r.v)
		return bb_diag_set(d, -ENOMEM, "%s: out of memory", path);
	for (size_t i = 0; i < t->cap; i++) {
		const struct entry *e = &t->tab[i];

		if (e->used)
			r.v[r.n++] = (struct bb_trap_entry){ .region = e->region, .offset = e->offset, .width = e->width,
							     .write = e->write, .count = e->count, .total_ns = e->ns };
	}
	qsort(r.v, r.n, sizeof(*r.v), bb_trap_entry_cmp);
	err = bb_write_atomic(path, write_rows, &r, d);
	free(r.v);
	return err;
}
