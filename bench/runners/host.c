// SPDX-License-Identifier: MIT
/*
 * The host runner: this process performs the accesses.  Before anything is
 * timed, every access of the workload's cycle is resolved to a host address
 * (a MAP window) or to the backend's trap path, so the timed loop does one
 * predictable branch and then either a plain volatile access or a system call.
 *
 * Timing: lfence;rdtsc;lfence ... rdtscp;lfence around each sample, minus
 * the median cost of an empty pair.  A serialised write is a store followed
 * by mfence (the store must be globally visible before the clock stops); a
 * batched sample (doorbell, stream) is N accesses back to back, one fence at
 * the end, divided by N.
 *
 * Nothing is timed below the clock's resolution: when one sample would span
 * fewer than BB_MIN_STEPS_PER_SAMPLE timer steps, a sample repeats its
 * access k times, each still serialised (a read is followed by lfence, a
 * write by mfence), and the per-access figure is the sample's time minus
 * one empty pair, divided by k.  k is chosen per path (mapped, trapped) by
 * a pilot that doubles it until a sample spans enough steps; batched
 * workloads repeat their whole batch the same way.  Trapped paths need
 * k = 1 on the machines seen so far: nothing changes for them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "barbench/runner.h"
#include "sigbus.h"

struct resolved {
	volatile uint8_t *ptr;	/* NULL: trap */
	uint64_t off;
	uint8_t width;
	uint8_t op;
};

/* VmPTE of this process in kB, -1 when the kernel does not say. */
static long vm_pte_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static inline uint64_t mapped_read(volatile uint8_t *p, unsigned w)
{
	switch (w) {
	case 1: return *p;
	case 2: return *(volatile uint16_t *)(volatile void *)p;
	case 4: return *(volatile uint32_t *)(volatile void *)p;
	default: return *(volatile uint64_t *)(volatile void *)p;
	}
}

static inline void mapped_write(volatile uint8_t *p, unsigned w, uint64_t v)
{
	switch (w) {
	case 1: *p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)(volatile void *)p = (uint16_t)v; break;
	case 4: *(volatile uint32_t *)(volatile void *)p = (uint32_t)v; break;
	default: *(volatile uint64_t *)(volatile void *)p = v; break;
	}
}

static inline void mfence(void)
{
	__asm__ __volatile__("mfence" ::: "memory");
}

/* One access, untimed (batched samples time a whole batch); 0 or a negative errno. */
static inline int access_one(const struct resolved *a, struct bb_dev *dev, uint32_t index, uint64_t val,
			     uint64_t *sink, ssize_t *xfer)
{
	ssize_t n;

	if (a->ptr) {
		if (a->op == BB_OP_READ)
			*sink += mapped_read(a->ptr, a->width);
		else
			mapped_write(a->ptr, a->width, val);
		return 0;
	}
	if (a->op == BB_OP_READ) {
		uint64_t v = 0;

		n = dev->ops->rw(dev, index, a->off, &v, a->width, false);
		*sink += v;
	} else {
		n = dev->ops->rw(dev, index, a->off, &val, a->width, true);
	}
	*xfer = n;
	if (n < 0)
		return (int)n;
	return n == a->width ? 0 : -EIO;
}

/*
 * One serialised access, timed.  Every decision (mapped or trapped, read or
 * write, width) is taken before the clock starts, so the timed window holds
 * exactly the access: the same instructions as the reference loop
 * (bb_host_reference_read) for a mapped 4-byte read.
 */
#define TIMED(c0, c1, stmt) do { c0 = bb_tsc_begin(); stmt; c1 = bb_tsc_end(); } while (0)

static inline uint64_t timed_one(const struct resolved *a, struct bb_dev *dev, uint32_t index, uint64_t val,
				 uint64_t *sink, int *err, ssize_t *xfer)
{
	uint64_t c0 = 0, c1 = 0, v = 0;

	if (a->ptr) {
		volatile uint8_t *p = a->ptr;
		volatile uint16_t *p2 = (volatile uint16_t *)(volatile void *)p;
		volatile uint32_t *p4 = (volatile uint32_t *)(volatile void *)p;
		volatile uint64_t *p8 = (volatile uint64_t *)(volatile void *)p;

		if (a->op == BB_OP_READ) {
			switch (a->width) {
			case 1: TIMED(c0, c1, v = *p); break;
			case 2: TIMED(c0, c1, v = *p2); break;
			case 4: TIMED(c0, c1, v = *p4); break;
			default: TIMED(c0, c1, v = *p8); break;
			}
			*sink += v;
		} else {
			/* the store must be globally visible before the clock stops */
			switch (a->width) {
			case 1: TIMED(c0, c1, *p = (uint8_t)val; mfence()); break;
			case 2: TIMED(c0, c1, *p2 = (uint16_t)val; mfence()); break;
			case 4: TIMED(c0, c1, *p4 = (uint32_t)val; mfence()); break;
			default: TIMED(c0, c1, *p8 = val; mfence()); break;
			}
		}
		*err = 0;
		return c1 - c0;
	} else {
		ssize_t (*rw)(struct bb_dev *, uint32_t, uint64_t, void *, size_t, bool) = dev->ops->rw;
		uint64_t off = a->off;
		size_t w = a->width;
		ssize_t n;

		if (a->op == BB_OP_READ) {
			TIMED(c0, c1, n = rw(dev, index, off, &v, w, false));
			*sink += v;
		} else {
			v = val;
			TIMED(c0, c1, n = rw(dev, index, off, &v, w, true));
		}
		*xfer = n;
		*err = n < 0 ? (int)n : n == (ssize_t)w ? 0 : -EIO;
		return c1 - c0;
	}
}

/* k repetitions of one serialised access, timed as one sample (k >= 2). */
static inline void lfence(void)
{
	__asm__ __volatile__("lfence" ::: "memory");
}

/*
 * k repetitions of one serialised access, timed as one sample (k >= 2).  As
 * in timed_one(), path, op and width are decided before the clock starts:
 * each timed loop holds the access, its fence and the loop count, nothing
 * else.
 */
#define TIMED_K(c0, c1, k, stmt) do {                                           \
		c0 = bb_tsc_begin();                                             \
		for (unsigned i_ = 0; i_ < (k); i_++) {                          \
			stmt;                                                    \
		}                                                                \
		c1 = bb_tsc_end();                                               \
	} while (0)

static uint64_t timed_k(const struct resolved *a, struct bb_dev *dev, uint32_t index, uint64_t val, unsigned k,
			uint64_t *sink, int *err, ssize_t *xfer)
{
	volatile uint8_t *p = a->ptr;
	volatile uint16_t *p2 = (volatile uint16_t *)(volatile void *)p;
	volatile uint32_t *p4 = (volatile uint32_t *)(volatile void *)p;
	volatile uint64_t *p8 = (volatile uint64_t *)(volatile void *)p;
	uint64_t c0 = 0, c1 = 0, v = 0;

	*err = 0;
	if (!p) {
		c0 = bb_tsc_begin();
		for (unsigned i = 0; i < k && !*err; i++)
			*err = access_one(a, dev, index, val + i, &v, xfer);
		c1 = bb_tsc_end();
	} else if (a->op == BB_OP_READ) {
		switch (a->width) {
		case 1: TIMED_K(c0, c1, k, v += *p; lfence()); break;
		case 2: TIMED_K(c0, c1, k, v += *p2; lfence()); break;
		case 4: TIMED_K(c0, c1, k, v += *p4; lfence()); break;
		default: TIMED_K(c0, c1, k, v += *p8; lfence()); break;
		}
	} else {
		switch (a->width) {
		case 1: TIMED_K(c0, c1, k, *p = (uint8_t)(val + i_); mfence()); break;
		case 2: TIMED_K(c0, c1, k, *p2 = (uint16_t)(val + i_); mfence()); break;
		case 4: TIMED_K(c0, c1, k, *p4 = (uint32_t)(val + i_); mfence()); break;
		default: TIMED_K(c0, c1, k, *p8 = val + i_; mfence()); break;
		}
	}
	*sink += v;
	return c1 - c0;
}

/* One sample of @a repeated @k times: cycles, the empty pair not yet subtracted. */
static uint64_t timed_sample(const struct resolved *a, struct bb_dev *dev, uint32_t index, uint64_t val, unsigned k,
			     uint64_t *sink, int *err, ssize_t *xfer)
{
	return k == 1 ? timed_one(a, dev, index, val, sink, err, xfer) : timed_k(a, dev, index, val, k, sink, err, xfer);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define PILOT_REPS 7
#define BATCH_MAX 4096u

/*
 * The repetitions a sample of @a needs to span @target cycles (after the
 * empty pair): k doubles from 1 until the median of PILOT_REPS samples does,
 * at most BATCH_MAX.  0 with *err set when an access fails.
 */
static unsigned pilot_serialised(const struct resolved *a, struct bb_dev *dev, uint32_t index, uint64_t target,
				 uint64_t overhead, uint64_t *sink, int *err, ssize_t *xfer)
{
	unsigned k;

	for (k = 1; k < BATCH_MAX; k *= 2) {
		uint64_t c[PILOT_REPS];

		for (int i = 0; i < PILOT_REPS; i++) {
			c[i] = timed_sample(a, dev, index, (uint64_t)i, k, sink, err, xfer);
			if (*err)
				return 0;
		}
		qsort(c, PILOT_REPS, sizeof(c[0]), cmp_u64);
		if (c[PILOT_REPS / 2] > overhead && c[PILOT_REPS / 2] - overhead >= target)
			break;
	}
	return k;
}

/* What the touch and the timed loop work on, handed through bb_sigbus_call(). */
struct loop {
	const struct bb_run_cfg *cfg;
	const struct resolved *res;
	struct bb_run_result *out;
	long pte0;
	struct bb_diag *d;
	bool entered;		/* the guard was installed and the loop started */
};

/* The backend's words for a failed trap-path access (a vfio-user server's stall), after ": ", or "" (bb_dev_rw_why). */
static const char *why_of(const struct loop *L, int err, ssize_t xfer)
{
	return err == -EIO && xfer >= 0 ? "" : bb_dev_rw_why(L->cfg->dev);
}

/* First touch of the mapped working set: the page faults a VMM's guest would take, and the page tables they cost. */
static void first_touch(struct loop *L, uint64_t *sink)
{
	const struct bb_workload *wl = L->cfg->wl;
	double t0 = bb_now_ns();

	for (size_t i = 0; i < wl->n; i++)
		if (L->res[i].ptr)
			*sink += mapped_read(L->res[i].ptr, 1);
	L->out->touch_ns = bb_now_ns() - t0;
	if (L->pte0 >= 0) {
		long pte1 = vm_pte_kb();

		L->out->pte_kb = pte1 >= 0 ? pte1 - L->pte0 : -1;
	}
}

/*
 * A batched workload: the rounds of its batch (@per accesses) a sample needs
 * to span @target cycles after the empty pair, doubling until the median of
 * PILOT_REPS samples does, at most BATCH_MAX accesses.  *@err set when an
 * access fails.
 */
static unsigned pilot_batched(const struct loop *L, unsigned per, uint64_t target, uint64_t *sink, int *err,
			      ssize_t *xfer)
{
	const struct bb_run_cfg *cfg = L->cfg;
	const struct bb_workload *wl = cfg->wl;
	uint32_t index = cfg->region->index;
	unsigned rounds;

	for (rounds = 1; rounds < BATCH_MAX / per && !*err; rounds *= 2) {
		uint64_t c[PILOT_REPS];

		for (int r = 0; r < PILOT_REPS && !*err; r++) {
			size_t p = 0;

			c[r] = bb_tsc_begin();
			for (unsigned k = 0; k < per * rounds && !*err; k++) {
				*err = access_one(&L->res[p], cfg->dev, index, k, sink, xfer);
				if (++p == wl->n)
					p = 0;
			}
			mfence();
			c[r] = bb_tsc_end() - c[r];
		}
		qsort(c, PILOT_REPS, sizeof(c[0]), cmp_u64);
		if (c[PILOT_REPS / 2] > cfg->tsc_overhead && c[PILOT_REPS / 2] - cfg->tsc_overhead >= target)
			break;
	}
	if (rounds > BATCH_MAX / per)	/* the pilot ran out: the largest batch it measured */
		rounds = BATCH_MAX / per > 1 ? BATCH_MAX / per : 1;
	return rounds;
}

/*
 * The pilot: how many accesses a sample needs to be resolved by the clock,
 * per path: @kc[mapped][write] for each class of access, *@rounds the
 * batches of a batched sample.  --batch N fixes them instead.
 */
static int pilot(const struct loop *L, unsigned kc[2][2], unsigned *rounds, uint64_t *sink)
{
	const struct bb_run_cfg *cfg = L->cfg;
	const struct bb_workload *wl = cfg->wl;
	const struct resolved *res = L->res;
	uint32_t index = cfg->region->index;
	uint64_t target = (cfg->tsc->step_cycles ? cfg->tsc->step_cycles : 1) * BB_MIN_STEPS_PER_SAMPLE;
	unsigned per = wl->per_sample ? wl->per_sample : 1;
	const char *why;
	ssize_t xfer = 0;
	size_t bad = 0;
	int err = 0;

	*rounds = 1;
	if (cfg->batch) {
		*rounds = wl->serialised ? 1 : cfg->batch;
		for (size_t i = 0; i < wl->n; i++)
			kc[res[i].ptr != NULL][res[i].op == BB_OP_WRITE] = wl->serialised ? cfg->batch : per * *rounds;
	} else if (wl->serialised) {
		/* per class: a mapped read, a mapped write, a trapped read and a trapped write cost differently */
		for (size_t i = 0; i < wl->n && !err; i++) {
			unsigned *k = &kc[res[i].ptr != NULL][res[i].op == BB_OP_WRITE];

			if (!*k)
				*k = pilot_serialised(&res[i], cfg->dev, index, target, cfg->tsc_overhead, sink, &err,
						      &xfer);
		}
	} else {
		*rounds = pilot_batched(L, per, target, sink, &err, &xfer);
		for (size_t i = 0; i < wl->n; i++)
			kc[res[i].ptr != NULL][res[i].op == BB_OP_WRITE] = per * *rounds;
	}
	if (!err)
		return 0;
	while (bad + 1 < wl->n && res[bad].ptr)
		bad++;
	why = why_of(L, err, xfer);
	return bb_diag_set(L->d, err, "%s: pilot: %s at region %" PRIu32 " offset 0x%" PRIx64
			   " through the trap path: %s%s%s", wl->name, res[bad].op == BB_OP_READ ? "read" : "write",
			   index, res[bad].off, err == -EIO && xfer >= 0 ? "short transfer" : strerror(-err),
			   why[0] ? ": " : "", why);
}

/* For the table: the smallest batch of each path, which bounds its resolution. */
static void smallest_batches(struct bb_run_result *out, unsigned kc[2][2])
{
	for (int m = 0; m < 2; m++)
		for (int o = 0; o < 2; o++) {
			unsigned *b = m ? &out->batch_map : &out->batch_trap;

			if (kc[m][o] && (!*b || kc[m][o] < *b))
				*b = kc[m][o];
		}
}

/* Access res[@bad] failed with @err (@xfer: what the trap path transferred). */
static int access_failed(const struct loop *L, size_t bad, int err, ssize_t xfer)
{
	const struct resolved *a = &L->res[bad];
	const char *wl = L->cfg->wl->name, *op = a->op == BB_OP_READ ? "read" : "write", *why;
	uint32_t index = L->cfg->region->index;

	if (err == -EIO && xfer >= 0)
		return bb_diag_set(L->d, err, "%s: %s at region %" PRIu32 " offset 0x%" PRIx64
				   " through the trap path: short transfer: %zd of %u bytes", wl, op, index, a->off,
				   xfer, a->width);
	why = why_of(L, err, xfer);
	return bb_diag_set(L->d, err, "%s: %s at region %" PRIu32 " offset 0x%" PRIx64 " through the trap path: %s%s%s",
			   wl, op, index, a->off, strerror(-err), why[0] ? ": " : "", why);
}

/* A timed sample of @cycles (the empty pair not yet subtracted), @n_acc accesses from res[@first], @ntrap trapped. */
static void record_sample(const struct loop *L, size_t first, uint64_t cycles, unsigned n_acc, unsigned ntrap)
{
	const struct bb_run_cfg *cfg = L->cfg;
	const struct bb_workload *wl = cfg->wl;
	const struct resolved *res = L->res;
	struct bb_run_result *out = L->out;
	uint64_t dc = cycles > cfg->tsc_overhead ? cycles - cfg->tsc_overhead : 0;

	out->busy_ns += bb_tsc_ns(cfg->tsc, dc);
	out->ns[out->n] = bb_tsc_ns(cfg->tsc, dc) / n_acc;
	out->offset[out->n] = res[first].off;
	out->trapped[out->n] = ntrap > 0;
	out->covers[out->n] = n_acc;
	out->trapped_weight += (double)ntrap / n_acc;
	out->n++;
	out->accesses += n_acc;
	out->trapped_accesses += ntrap;
	if (wl->serialised)
		out->bytes += (uint64_t)n_acc * res[first].width;
	else
		for (unsigned k = 0; k < n_acc; k++)
			out->bytes += res[(first + k) % wl->n].width;
}

/*
 * The warmup and the timed samples: a serialised sample is one access
 * repeated kc[path] times, a batched one @rounds batches back to back.
 * Counters, trap-path calls and wall time cover the timed samples only.
 */
static int timed_loop(const struct loop *L, unsigned kc[2][2], unsigned rounds, uint64_t *sinkp)
{
	const struct bb_run_cfg *cfg = L->cfg;
	const struct bb_workload *wl = cfg->wl;
	const struct resolved *res = L->res;
	struct bb_run_result *out = L->out;
	uint32_t index = cfg->region->index;
	uint64_t sink = *sinkp, trap0 = cfg->dev->trap_reads + cfg->dev->trap_writes;
	size_t pos = 0, total = cfg->samples + cfg->warmup;
	unsigned per = wl->per_sample ? wl->per_sample : 1;
	ssize_t xfer = 0;
	double t0 = bb_now_ns();
	int err = 0;

	for (size_t s = 0; s < total; s++) {
		size_t first = pos;
		uint64_t c0, c1;
		unsigned ntrap = 0, n_acc = per;

		if (s == cfg->warmup) {
			t0 = bb_now_ns();
			if (cfg->counters && !bb_counters_start(cfg->counters, NULL))
				out->have_ctr = true;
			trap0 = cfg->dev->trap_reads + cfg->dev->trap_writes;
		}
		if (wl->serialised) {
			const struct resolved *a = &res[pos];

			n_acc = kc[a->ptr != NULL][a->op == BB_OP_WRITE];
			c0 = 0;
			c1 = timed_sample(a, cfg->dev, index, s, n_acc, &sink, &err, &xfer);
			ntrap = a->ptr ? 0 : n_acc;
			if (++pos == wl->n)
				pos = 0;
		} else {
			n_acc = per * rounds;
			c0 = bb_tsc_begin();
			for (unsigned k = 0; k < n_acc && !err; k++) {
				err = access_one(&res[pos], cfg->dev, index, s + k, &sink, &xfer);
				if (++pos == wl->n)
					pos = 0;
			}
			mfence();
			c1 = bb_tsc_end();
			for (unsigned k = 0; k < n_acc; k++)
				ntrap += !res[(first + k) % wl->n].ptr;
		}
		if (err)	/* the access that failed: the last one made */
			return access_failed(L, pos ? pos - 1 : wl->n - 1, err, xfer);
		if (s >= cfg->warmup)
			record_sample(L, first, c1 - c0, n_acc, ntrap);
	}
	out->wall_ns = bb_now_ns() - t0;
	out->trap_syscalls = cfg->dev->trap_reads + cfg->dev->trap_writes - trap0;
	if (out->have_ctr) {
		if (bb_counters_stop(cfg->counters, L->d) || bb_counters_read(cfg->counters, &out->ctr, L->d))
			out->have_ctr = false;
	}
	*sinkp = sink;
	return 0;
}

/*
 * First touch, pilot and the timed loop: the only code that touches mapped
 * windows, so a window that stops being backed raises SIGBUS here and
 * nowhere else.  Everything it leaves behind lives in @arg's structures, so
 * it can be abandoned at any access.
 */
static int touch_and_time(void *arg)
{
	struct loop *L = arg;
	unsigned kc[2][2] = { { 0, 0 }, { 0, 0 } }, rounds = 1;
	uint64_t sink = 0;
	int err;

	L->entered = true;
	first_touch(L, &sink);
	err = pilot(L, kc, &rounds, &sink);
	if (err)
		return err;
	smallest_batches(L->out, kc);
	err = timed_loop(L, kc, rounds, &sink);
	/* keep the compiler from dropping the reads */
	if (sink == 0x5eed5eed5eed5eedull)
		fputc('\0', stderr);
	return err;
}

/* The region offset of host address @p inside an applied plan. */
static bool applied_offset(const struct bb_applied *a, const void *p, uint64_t *off)
{
	uintptr_t x = (uintptr_t)p;

	for (uint32_t i = 0; i < a->nr; i++) {
		uintptr_t lo = (uintptr_t)a->maps[i].addr;

		if (a->maps[i].addr && x >= lo && x - lo < a->maps[i].size) {
			*off = a->maps[i].offset + (x - lo);
			return true;
		}
	}
	if (a->reserve && x >= (uintptr_t)a->reserve && x - (uintptr_t)a->reserve < a->reserve_len) {
		*off = a->reserve_off + (x - (uintptr_t)a->reserve);
		return true;
	}
	return false;
}

static int host_run(const struct bb_run_cfg *cfg, struct bb_run_result *out, struct bb_diag *d)
{
	const struct bb_workload *wl = cfg->wl;
	uint32_t index = cfg->region->index;
	struct bb_applied ap;
	struct resolved *res = NULL;
	struct bb_sigbus_info bus;
	long pte0;
	int err;

	if ((err = bb_run_begin(cfg, out, d)))
		return err;
	pte0 = vm_pte_kb();
	err = bb_plan_apply(cfg->dev, index, cfg->plan, &ap, d);
	if (err)
		return err;
	out->setup_ns = ap.map_ns;
	res = calloc(wl->n, sizeof(*res));
	out->ns = calloc(cfg->samples, sizeof(*out->ns));
	out->offset = calloc(cfg->samples, sizeof(*out->offset));
	out->trapped = calloc(cfg->samples, sizeof(*out->trapped));
	out->covers = calloc(cfg->samples, sizeof(*out->covers));
	if (!res || !out->ns || !out->offset || !out->trapped || !out->covers) {
		err = bb_diag_set(d, -ENOMEM, "%s: out of memory for %zu samples", wl->name, cfg->samples);
		goto out;
	}
	/* fault the result arrays in now, not inside the timed loop */
	memset(out->ns, 0xff, cfg->samples * sizeof(*out->ns));
	memset(out->offset, 0xff, cfg->samples * sizeof(*out->offset));
	memset(out->trapped, 0xff, cfg->samples * sizeof(*out->trapped));
	memset(out->covers, 0xff, cfg->samples * sizeof(*out->covers));
	for (size_t i = 0; i < wl->n; i++) {
		res[i].ptr = bb_applied_ptr(&ap, cfg->plan, wl->acc[i].offset, wl->acc[i].width);
		res[i].off = wl->acc[i].offset;
		res[i].width = wl->acc[i].width;
		res[i].op = wl->acc[i].op;
	}

	/* a mapped window that stops being backed ends this run with an error, not the process */
	{
		struct loop L = { .cfg = cfg, .res = res, .out = out, .pte0 = pte0, .d = d };

		err = bb_sigbus_call(touch_and_time, &L, &bus);
		if (err && !L.entered)
			err = bb_diag_set(d, err, "%s: installing the SIGBUS handler: %s", wl->name, strerror(-err));
	}
	if (bus.hit) {
		uint64_t off;

		if (applied_offset(&ap, bus.addr, &off))
			err = bb_diag_set(d, -EFAULT, "%s: mapped access at region %" PRIu32 " offset 0x%" PRIx64
					  " raised SIGBUS (%s): the window is no longer backed by the device; run abandoned",
					  wl->name, index, off, bb_sigbus_code_name(bus.code));
		else
			err = bb_diag_set(d, -EFAULT, "%s: SIGBUS (%s) at address %p, outside the run's mappings of"
					  " region %" PRIu32 "; run abandoned", wl->name,
					  bb_sigbus_code_name(bus.code), bus.addr, index);
	}
out:
	if (err && out->have_ctr)
		bb_counters_stop(cfg->counters, NULL);
	free(res);
	bb_plan_unapply(&ap);
	if (err) {
		/* a failed run hands back nothing that could be taken for data */
		bb_run_result_free(out);
		memset(out, 0, sizeof(*out));
		out->pte_kb = -1;
	}
	return err;
}

int bb_host_reference_read(void *const *ptrs, size_t nptrs, size_t samples, const struct bb_tsc *tsc,
			   uint64_t overhead, double *ns)
{
	uint64_t sink = 0;
	size_t pos = 0;

	if (!nptrs || !samples)
		return -EINVAL;
	for (size_t s = 0; s < samples; s++) {
		const volatile uint32_t *p = ptrs[pos];
		uint64_t c0, c1;

		c0 = bb_tsc_begin();
		sink += *p;
		c1 = bb_tsc_end();
		ns[s] = bb_tsc_ns(tsc, c1 - c0 > overhead ? c1 - c0 - overhead : 0);
		if (++pos == nptrs)
			pos = 0;
	}
	if (sink == 0x5eed5eed5eed5eedull)
		fputc('\0', stderr);
	return 0;
}

const struct bb_runner_ops bb_runner_host = {
	.name = "host",
	.summary = "this process performs the accesses: mmap'd windows directly, the rest by pread/pwrite",
	.run = host_run,
};
